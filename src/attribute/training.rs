//! Fitting the speaker model: the same features the program computes when it reads a story,
//! labelled from annotated novels, and a conditional logit (softmax over each line's
//! candidates) fitted by L-BFGS. Used by `examples/train_speakers/`; not a stable API.
//!
//! Everything here is deterministic: fixed iteration order, sums in a fixed order, no threads
//! inside a fit.

use super::features::{KINDS, Q, Table, Turn};
pub use super::model::Model;
use super::model::{DIM, Hyp, NH, history};
use super::people::{self, NP};
use super::{Reading, apply, features, read};
use crate::script::{Script, Span};

/// Features of one whole story, read once.
pub struct Book {
    pub name: String,
    pub text: String,
    script: Script,
    reading: Reading,
    table: Table,
}

/// The positive candidates (person ids) of each dialogue line, in the order of
/// [`Book::lines`]; empty when the true speaker is none of the story's characters.
pub type Labels = Vec<Vec<usize>>;

/// The speaker each line's history assumes (person id), in the order of [`Book::lines`].
pub type History = Vec<Option<usize>>;

/// A candidate's person id and its features, static then history.
pub type Row = (usize, Vec<f32>);

/// The person classifier's weights.
pub type PersonWeights = [f64; NP];

/// Number of the person classifier's inputs.
pub const PERSON_INPUTS: usize = NP;

/// A name the cast holds (not the narrator, not a descriptive tag) and the person
/// classifier's inputs for it.
pub struct NameRow {
    /// The character's name and aliases.
    pub forms: Vec<String>,
    pub x: Vec<f64>,
}

impl Book {
    /// Segments and reads a story, with a person classifier.
    pub fn new(name: &str, text: String, person: &PersonWeights) -> Book {
        let (script, _) = crate::segment::segment_str(&text);
        let reading = read(&text, &script, person);
        let table = features::build(&text, &script, &reading);
        Book { name: name.to_string(), text, script, reading, table }
    }

    /// The dialogue lines to decide: their spans in the text.
    pub fn lines(&self) -> Vec<Span> {
        self.table.qs.iter().map(|q| self.script.lines[q.line].span).collect()
    }

    /// The candidates of line `q` (person ids).
    pub fn candidates(&self, q: usize) -> &[usize] {
        self.table.qs.get(q).map_or(&[], |q| &self.table.ids[q.cands.clone()])
    }

    /// Every character's name, mention count and person probability.
    pub fn people(&self) -> Vec<(String, u32, f32)> {
        self.reading.cast.people.iter().map(|p| (p.name.clone(), p.mentions, p.person_prob)).collect()
    }

    /// The names of the cast with the person classifier's inputs.
    pub fn name_rows(&self) -> Vec<NameRow> {
        let cast = &self.reading.cast;
        let xs = people::all_features(cast, &self.reading.cues);
        cast.people
            .iter()
            .zip(xs)
            .enumerate()
            .filter(|(id, (p, _))| !p.epithet && Some(*id) != cast.narrator && p.stats.count > 0)
            .map(|(_, (p, x))| NameRow {
                forms: std::iter::once(p.name.clone()).chain(p.aliases.iter().cloned()).collect(),
                x: x.iter().map(|v| f64::from(*v)).collect(),
            })
            .collect()
    }

    /// What kind of tag line `q` has: name, narrator, pronoun, noun, relative, or none.
    pub fn tag_kind(&self, q: usize) -> &'static str {
        use super::tags::Subject;
        let Some(q) = self.table.qs.get(q) else { return "none" };
        match self.reading.cues.get(q.line).and_then(|c| c.tag.as_ref()) {
            Some(Subject::Person(_) | Subject::Newcomer(_)) => "name",
            Some(Subject::Narrator) => "narrator",
            Some(Subject::Pronoun(_)) => "pronoun",
            Some(Subject::Noun(_)) => "noun",
            Some(Subject::Relative(..)) => "relative",
            None => "none",
        }
    }

    /// The last line of the turn `k` turns before line `q`'s turn in the same scene, and whether
    /// narration stands between.
    pub fn turn_before(&self, q: usize, k: usize) -> Option<(usize, bool)> {
        let t = self.table.qs.get(q)?.turn;
        let scene = self.table.turns.get(t)?.scene;
        let mut gap = false;
        for j in (t.checked_sub(k)?..=t).rev() {
            if j > t - k {
                gap |= self.table.turns.get(j)?.gap;
            }
        }
        let o = self.table.turns.get(t - k)?;
        (o.scene == scene && !o.qs.is_empty()).then(|| (o.qs.end - 1, gap))
    }

    /// Whether line `q` opens its paragraph's dialogue.
    pub fn first_in_turn(&self, q: usize) -> bool {
        self.table.qs.get(q).is_some_and(|q| q.first_in_turn)
    }

    /// The text of a dialogue line and the text before it, for reading errors.
    pub fn context(&self, q: usize, before: usize) -> (String, String) {
        let Some(q) = self.table.qs.get(q) else { return Default::default() };
        let span = self.script.lines[q.line].span;
        let mut from = span.start.saturating_sub(before);
        while !self.text.is_char_boundary(from) {
            from -= 1;
        }
        (self.text[from..span.start].replace('\n', " "), self.text[span.range()].replace('\n', " "))
    }

    /// Every character's name as the program prints it.
    pub fn names(&self) -> Vec<String> {
        self.reading.cast.people.iter().map(|p| p.name.clone()).collect()
    }

    /// The script with the model's speakers, as `audiobook script` would print it.
    pub fn predict(&self, model: &Model) -> Script {
        let mut script = self.script.clone();
        let guesses = model.decode(std::borrow::Cow::Borrowed(&self.table), &self.reading.cast);
        apply(&mut script, &self.reading.toks, &self.reading.cast, &guesses);
        script
    }

    /// The decoded speaker of every line and its raw (uncalibrated) probability.
    pub fn decode(&self, model: &Model) -> Vec<Option<(usize, f64)>> {
        decode_table(&self.table, model)
    }

    /// The lines as a second pass sees them after `first` decoded them.
    pub fn stacked(&self, first: &Model) -> Stacked {
        let mut table = self.table.clone();
        table.set_picks(&first.picks(&self.table));
        Stacked { table }
    }

    /// Each line's best candidate when the history is given (a diagnostic: how much is lost
    /// to wrong earlier guesses).
    pub fn decode_given(&self, model: &Model, hist: &History) -> Vec<Option<usize>> {
        let t = &self.table;
        let mut out = vec![None; t.qs.len()];
        walk_candidates(t, hist, |qi, q, rows| {
            let best =
                rows.iter().map(|(r, h)| (*r, model.score(q.kind, &t.xs[*r], h))).max_by(|a, b| a.1.total_cmp(&b.1));
            out[qi] = best.map(|b| t.ids[b.0]);
        });
        out
    }

    /// Every line's kind and the feature rows (static then history) of its candidates with
    /// their person ids, under history `hist` (for experiments outside Rust).
    pub fn rows(&self, hist: &History) -> Vec<(usize, Vec<Row>)> {
        let t = &self.table;
        let mut out = vec![(0, Vec::new()); t.qs.len()];
        walk_candidates(t, hist, |qi, q, rows| {
            let rows = rows.into_iter().map(|(r, h)| (t.ids[r], t.xs[r].iter().chain(&h).copied().collect())).collect();
            out[qi] = (q.kind, rows);
        });
        out
    }

    /// The history a gold-labelled decoding would have: each line's first positive candidate.
    pub fn gold_history(&self, labels: &Labels) -> History {
        (0..self.table.qs.len())
            .map(|q| {
                let pos = labels.get(q)?;
                self.candidates(q).iter().copied().find(|c| pos.contains(c))
            })
            .collect()
    }
}

/// A book's lines with a first pass's picks, for fitting a second pass.
pub struct Stacked {
    table: Table,
}

impl Stacked {
    /// The speaker of every line decoded by a second-pass `model`, with its raw probability.
    pub fn decode(&self, model: &Model) -> Vec<Option<(usize, f64)>> {
        decode_table(&self.table, model)
    }
}

fn decode_table(table: &Table, model: &Model) -> Vec<Option<(usize, f64)>> {
    let mut out = vec![None; table.qs.len()];
    for d in model.decisions(table) {
        if let (Some(slot), Some(&id)) = (out.get_mut(d.q), table.ids.get(d.row)) {
            *slot = Some((id, d.prob));
        }
    }
    out
}

/// How to fit.
#[derive(Debug, Clone)]
pub struct Options {
    /// L2 penalty per line.
    pub l2: f64,
    pub iterations: usize,
    pub beam: usize,
    /// See `Model::normalizer`.
    pub normalizer: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options { l2: 1e-4, iterations: 300, beam: 4, normalizer: 0.5 }
    }
}

/// Number of weights: for each kind of line, static features then history features.
pub const DIM_ALL: usize = DIM * KINDS.len();

/// One line as the objective sees it: feature rows of its candidates and which are right.
struct Example {
    /// Offset of the line's kind in the weight vector.
    offset: usize,
    xs: Vec<Vec<f64>>,
    pos: Vec<bool>,
}

fn examples(t: &Table, labels: &Labels, hist: &History) -> Vec<Example> {
    let mut out = Vec::new();
    walk_candidates(t, hist, |qi, q, rows| {
        let pos: Vec<bool> = rows.iter().map(|(r, _)| labels.get(qi).is_some_and(|l| l.contains(&t.ids[*r]))).collect();
        if pos.iter().any(|&p| p) && pos.iter().any(|&p| !p) {
            let xs = rows.iter().map(|(r, h)| t.xs[*r].iter().chain(h).map(|v| f64::from(*v)).collect()).collect();
            out.push(Example { offset: q.kind * DIM, xs, pos });
        }
    });
    out
}

/// Calls `f` for every line in order with its candidates' rows and history features when the
/// earlier lines of the scene were said by `hist`.
fn walk_candidates(t: &Table, hist: &History, mut f: impl FnMut(usize, &Q, Vec<(usize, [f32; NH])>)) {
    walk_given(t, hist, |qi, q, turn, hyp| {
        f(qi, q, q.cands.clone().map(|r| (r, history(q, turn, hyp, t.ids[r], &t.xs[r]))).collect());
    });
}

/// Calls `f` for every line in order with what the history features can see when the earlier
/// lines of the scene were said by `hist` (a person id per line): the state starts afresh at
/// each scene.
fn walk_given(t: &Table, hist: &History, mut f: impl FnMut(usize, &Q, &Turn, &Hyp)) {
    let mut hyp = Hyp::default();
    let mut scene = usize::MAX;
    for turn in &t.turns {
        if turn.scene != scene {
            scene = turn.scene;
            hyp = Hyp::default();
        }
        for qi in turn.qs.clone() {
            let q = &t.qs[qi];
            f(qi, q, turn, &hyp);
            hyp.advance(hist.get(qi).copied().flatten().unwrap_or(usize::MAX), q, turn);
        }
    }
}

/// Fits a model on books with their labels and the histories to condition on.
pub fn fit(data: &[(&Book, &Labels, &History)], person: &PersonWeights, opts: &Options) -> Model {
    fit_tables(data.iter().map(|(b, l, h)| (&b.table, *l, *h)), person, opts)
}

/// Fits a second pass on books read by a first pass, with their labels and histories.
pub fn fit_stacked(data: &[(&Stacked, &Labels, &History)], person: &PersonWeights, opts: &Options) -> Model {
    fit_tables(data.iter().map(|(s, l, h)| (&s.table, *l, *h)), person, opts)
}

fn fit_tables<'a>(
    data: impl Iterator<Item = (&'a Table, &'a Labels, &'a History)>,
    person: &PersonWeights,
    opts: &Options,
) -> Model {
    let ex: Vec<Example> = data.flat_map(|(t, l, h)| examples(t, l, h)).collect();
    Model::from_flat(*person, &minimize(&ex, DIM_ALL, opts), opts.beam, opts.normalizer)
}

/// A first pass followed by a second.
pub fn then(mut first: Model, second: Model) -> Model {
    first.then = Some(Box::new(second));
    first
}

/// Fits the person classifier (logistic regression) on names and whether each is a person.
pub fn fit_person(rows: &[(&[f64], bool)], l2: f64) -> PersonWeights {
    let ex: Vec<Example> = rows
        .iter()
        .map(|(x, person)| Example { offset: 0, xs: vec![x.to_vec(), vec![0.0; NP]], pos: vec![*person, !*person] })
        .collect();
    let w = minimize(&ex, NP, &Options { l2, ..Options::default() });
    let mut out = [0.0; NP];
    out.iter_mut().zip(&w).for_each(|(a, b)| *a = *b);
    out
}

/// The person classifier's probability for one row of inputs.
pub fn person_probability(w: &PersonWeights, x: &[f64]) -> f64 {
    let z: f64 = w.iter().zip(x).map(|(a, b)| a * b).sum();
    1.0 / (1.0 + (-z).exp())
}

/// The weights minimizing the lines' mean negative log-likelihood plus an L2 penalty.
fn minimize(ex: &[Example], dim: usize, opts: &Options) -> Vec<f64> {
    let n = ex.len().max(1) as f64;
    let objective = |w: &[f64], grad: &mut [f64]| -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut loss = 0.0;
        let mut s = Vec::new();
        for e in ex {
            s.clear();
            let w = &w[e.offset..];
            s.extend(e.xs.iter().map(|x| x.iter().zip(w).map(|(a, b)| a * b).sum::<f64>()));
            let max = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = s.iter().map(|v| (v - max).exp()).sum();
            let zp: f64 = s.iter().zip(&e.pos).filter(|p| *p.1).map(|(v, _)| (v - max).exp()).sum();
            loss += z.ln() - zp.ln();
            for ((x, v), &p) in e.xs.iter().zip(&s).zip(&e.pos) {
                let e_all = (v - max).exp() / z;
                let e_pos = if p { (v - max).exp() / zp } else { 0.0 };
                let d = e_all - e_pos;
                if d != 0.0 {
                    grad[e.offset..].iter_mut().zip(x).for_each(|(g, xi)| *g += d * xi);
                }
            }
        }
        loss /= n;
        grad.iter_mut().for_each(|g| *g /= n);
        for (g, wi) in grad.iter_mut().zip(w) {
            *g += opts.l2 * wi;
            loss += 0.5 * opts.l2 * wi * wi;
        }
        loss
    };
    lbfgs(objective, vec![0.0; dim], opts.iterations)
}

/// Minimizes a smooth convex function with L-BFGS (memory 10) and a backtracking line search.
fn lbfgs(mut f: impl FnMut(&[f64], &mut [f64]) -> f64, mut x: Vec<f64>, iterations: usize) -> Vec<f64> {
    let m = 10;
    let dim = x.len();
    let mut g = vec![0.0; dim];
    let mut fx = f(&x, &mut g);
    let mut ss: Vec<Vec<f64>> = Vec::new();
    let mut ys: Vec<Vec<f64>> = Vec::new();
    let dotp = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut g_new = vec![0.0; dim];
    for _ in 0..iterations {
        // Two-loop recursion for the search direction.
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(ss.len());
        for (s, y) in ss.iter().zip(&ys).rev() {
            let rho = 1.0 / dotp(y, s);
            let a = rho * dotp(s, &q);
            q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push((a, rho));
        }
        if let (Some(s), Some(y)) = (ss.last(), ys.last()) {
            let gamma = dotp(s, y) / dotp(y, y);
            q.iter_mut().for_each(|v| *v *= gamma);
        }
        for ((s, y), (a, rho)) in ss.iter().zip(&ys).zip(alphas.iter().rev()) {
            let b = rho * dotp(y, &q);
            q.iter_mut().zip(s).for_each(|(qi, si)| *qi += si * (a - b));
        }
        let mut dir: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut slope = dotp(&dir, &g);
        if slope >= 0.0 {
            dir = g.iter().map(|v| -v).collect();
            slope = dotp(&dir, &g);
            ss.clear();
            ys.clear();
        }
        let mut step = if ss.is_empty() { 1.0 / dotp(&g, &g).sqrt().max(1e-12) } else { 1.0 };
        let mut x_new = x.clone();
        let mut f_new;
        let mut tries = 0;
        loop {
            x_new.iter_mut().zip(&x).zip(&dir).for_each(|((xn, xi), d)| *xn = xi + step * d);
            f_new = f(&x_new, &mut g_new);
            if f_new <= fx + 1e-4 * step * slope || tries > 30 {
                break;
            }
            step *= 0.5;
            tries += 1;
        }
        if tries > 30 {
            break;
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let converged = (fx - f_new).abs() < 1e-10 * fx.abs().max(1.0);
        if dotp(&s, &y) > 1e-12 {
            ss.push(s);
            ys.push(y);
            if ss.len() > m {
                ss.remove(0);
                ys.remove(0);
            }
        }
        x.clone_from(&x_new);
        g.clone_from(&g_new);
        fx = f_new;
        if converged {
            break;
        }
    }
    x
}

/// A calibration curve from (raw probability, right) pairs: isotonic regression (pool adjacent
/// violators), as points for piecewise-linear interpolation.
pub fn fit_calibration(pairs: &[(f64, bool)]) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, bool)> = pairs.to_vec();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Blocks: (sum of x, sum of y, count).
    let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
    for (x, y) in v {
        blocks.push((x, if y { 1.0 } else { 0.0 }, 1.0));
        while blocks.len() >= 2 {
            let (a, b) = (blocks[blocks.len() - 2], blocks[blocks.len() - 1]);
            if a.1 / a.2 < b.1 / b.2 {
                break;
            }
            blocks.pop();
            blocks.pop();
            blocks.push((a.0 + b.0, a.1 + b.1, a.2 + b.2));
        }
    }
    blocks.iter().map(|b| (b.0 / b.2, b.1 / b.2)).collect()
}

/// The model with a calibration curve.
pub fn with_calibration(mut model: Model, curve: Vec<(f64, f64)>) -> Model {
    model.calibration = curve;
    model
}

/// The stored form of a model, as JSON.
pub fn to_json(model: &Model, about: &str) -> String {
    serde_json::to_string_pretty(&model.to_stored(about)).unwrap_or_default() + "\n"
}

/// A model from its JSON form.
pub fn from_json(json: &str) -> Result<Model, serde_json::Error> {
    serde_json::from_str(json).map(|s| Model::from_stored(&s))
}

/// A model that follows the hand-written rules: their pick, whatever else.
pub fn rules_only() -> Model {
    let mut w = vec![0.0; DIM_ALL];
    for kind in 0..KINDS.len() {
        for (k, (name, _)) in features::STATIC.iter().enumerate() {
            if name.starts_with("rule_") {
                w[kind * DIM + k] = 10.0;
            }
        }
    }
    Model::from_flat([0.0; NP], &w, 1, 1.0)
}

/// Names of the person classifier's inputs.
pub fn person_feature_names() -> &'static [&'static str] {
    people::PERSON
}

/// The names of a candidate row's features ([`Row`]), static then history, as `model.json`
/// names their weights.
pub fn feature_names() -> Vec<&'static str> {
    features::STATIC.iter().chain(super::model::HISTORY).map(|f| f.0).collect()
}

/// The kinds of lines, as `model.json` names them, by the index [`Book::rows`] gives.
pub const KIND_NAMES: &[&str] = KINDS;

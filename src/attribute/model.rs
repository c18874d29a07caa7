//! The trained speaker model: a linear score for every (line, candidate) pair, turned into
//! probabilities by a softmax over the line's candidates, and decoded over each scene with a
//! beam search, since who spoke the turns before is itself a guess (a hypothesis keeps only part
//! of each line's normalizer, so that later lines can still tell histories apart: see
//! `Model::normalizer`). A second pass of the same form reads the scene again knowing the first
//! pass's picks of the turns after each line (`features::stack`), which a left-to-right reading
//! cannot see.
//!
//! The weights come from `model.json`, written by `cargo run --release --example
//! train_speakers` (see README); a line's `evidence` names the group of features that most
//! separated the chosen speaker from the runner-up, and its confidence is the softmax
//! probability mapped through a calibration curve fitted on held-out novels.

use super::characters::Cast;
use super::features::{KINDS, NS, Q, S, STATIC, Table, Turn};
use super::people::{NP, PERSON};
use super::resolve::Guess;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

macro_rules! history {
    ($($name:ident = $label:literal, $group:literal;)*) => {
        /// History feature indexes.
        #[allow(dead_code)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(usize)]
        pub(crate) enum H { $($name,)* }
        /// History feature names and their evidence groups.
        pub(crate) const HISTORY: &[(&str, &str)] = &[$(($label, $group),)*];
        pub(crate) const NH: usize = HISTORY.len();
    };
}

history! {
    Prev = "spoke_previous_turn", "turn-taking";
    PrevGap = "spoke_previous_turn_across_narration", "turn-taking";
    Prev2 = "spoke_two_turns_before", "turn-taking";
    Prev2Gap = "spoke_two_turns_before_across_narration", "turn-taking";
    Prev3 = "spoke_three_turns_before", "turn-taking";
    TwoParty = "other_of_a_two_person_exchange", "turn-taking";
    SpokeLately = "spoke_in_last_six_turns", "turn-taking";
    Quiet = "not_spoken_in_last_six_turns", "recent";
    SameParagraph = "spoke_previous_line_of_paragraph", "tag";
    Continued = "speech_continued", "continued";
    PrevPronoun = "pronoun_fits_previous_speaker", "tag-pronoun";
    Prev2Pronoun = "pronoun_fits_speaker_two_turns_before", "tag-pronoun";
    PrevTagged = "spoke_previous_turn_on_tagged_line", "tag";
}

/// One kind of line's weights, by feature name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KindWeights {
    pub static_weights: BTreeMap<String, f64>,
    pub history_weights: BTreeMap<String, f64>,
}

/// Weights and calibration, as stored in `model.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stored {
    /// What produced it (data, options), for the record.
    pub about: String,
    /// Weights for each kind of line (see `features::KINDS`).
    pub kinds: BTreeMap<String, KindWeights>,
    /// The person classifier's weights.
    #[serde(default)]
    pub person: BTreeMap<String, f64>,
    /// (raw probability, calibrated probability) points, increasing.
    pub calibration: Vec<(f64, f64)>,
    pub beam: usize,
    /// How much of each line's normalizer a hypothesis's score keeps (see [`Model`]).
    #[serde(default = "full")]
    pub normalizer: f64,
    /// The second pass, which also sees this pass's picks of the turns around each line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then: Option<Box<Stored>>,
}

/// A speaker model ready to decode: for each kind of line, a weight per feature.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) person: [f64; NP],
    pub(crate) ws: Vec<[f64; NS]>,
    pub(crate) wh: Vec<[f64; NH]>,
    pub(crate) calibration: Vec<(f64, f64)>,
    pub(crate) beam: usize,
    /// A hypothesis of the beam scores each of its lines by the chosen candidate's score less this
    /// share of the log of the line's normalizer (the log-sum-exp of its candidates' scores).
    /// With all of it (1), a line sure under every history, such as one whose tag names the
    /// speaker, adds nothing to any hypothesis, even one in which that speaker also said the
    /// turn before: the beam cannot tell a history that fits the later lines from one that does
    /// not (label bias). With half, how well a line fits each history still counts.
    pub(crate) normalizer: f64,
    /// A second pass: it decides, given this pass's picks (see `features::stack`).
    pub(crate) then: Option<Box<Model>>,
}

/// A stored model without `normalizer` was trained to decode with all of it.
fn full() -> f64 {
    1.0
}

/// Number of weights of one kind of line: static features, then history features.
pub(crate) const DIM: usize = NS + NH;

impl Model {
    /// A model from stored weights; features the file does not name weigh nothing.
    pub fn from_stored(s: &Stored) -> Model {
        let mut ws = vec![[0.0; NS]; KINDS.len()];
        let mut wh = vec![[0.0; NH]; KINDS.len()];
        for (kind, name) in KINDS.iter().enumerate() {
            let Some(kw) = s.kinds.get(*name) else { continue };
            for (k, (f, _)) in STATIC.iter().enumerate() {
                ws[kind][k] = kw.static_weights.get(*f).copied().unwrap_or(0.0);
            }
            for (k, (f, _)) in HISTORY.iter().enumerate() {
                wh[kind][k] = kw.history_weights.get(*f).copied().unwrap_or(0.0);
            }
        }
        let mut person = [0.0; NP];
        for (k, f) in PERSON.iter().enumerate() {
            person[k] = s.person.get(*f).copied().unwrap_or(0.0);
        }
        Model {
            person,
            ws,
            wh,
            calibration: s.calibration.clone(),
            beam: s.beam.max(1),
            normalizer: s.normalizer,
            then: s.then.as_ref().map(|t| Box::new(Model::from_stored(t))),
        }
    }

    /// The stored form.
    pub fn to_stored(&self, about: &str) -> Stored {
        let kinds = KINDS
            .iter()
            .enumerate()
            .map(|(kind, name)| {
                let kw = KindWeights {
                    static_weights: STATIC
                        .iter()
                        .zip(self.ws[kind])
                        .map(|((n, _), w)| (n.to_string(), round(w)))
                        .collect(),
                    history_weights: HISTORY
                        .iter()
                        .zip(self.wh[kind])
                        .map(|((n, _), w)| (n.to_string(), round(w)))
                        .collect(),
                };
                (name.to_string(), kw)
            })
            .collect();
        Stored {
            about: about.to_string(),
            kinds,
            person: PERSON.iter().zip(self.person).map(|(n, w)| (n.to_string(), round(w))).collect(),
            calibration: self.calibration.iter().map(|&(a, b)| (round(a), round(b))).collect(),
            beam: self.beam,
            normalizer: self.normalizer,
            then: self.then.as_ref().map(|t| Box::new(t.to_stored("second pass"))),
        }
    }

    /// A model from a flat weight vector: for each kind, static weights then history weights.
    pub(crate) fn from_flat(person: [f64; NP], w: &[f64], beam: usize, normalizer: f64) -> Model {
        let mut ws = vec![[0.0; NS]; KINDS.len()];
        let mut wh = vec![[0.0; NH]; KINDS.len()];
        for kind in 0..KINDS.len() {
            let block = w.get(kind * DIM..(kind + 1) * DIM).unwrap_or(&[]);
            ws[kind].iter_mut().zip(block).for_each(|(a, b)| *a = *b);
            wh[kind].iter_mut().zip(block.iter().skip(NS)).for_each(|(a, b)| *a = *b);
        }
        Model { person, ws, wh, calibration: Vec::new(), beam, normalizer, then: None }
    }

    /// The linear score of a candidate of a line of kind `kind` with its history features.
    pub(crate) fn score(&self, kind: usize, x: &[f32; NS], h: &[f32; NH]) -> f64 {
        dot(&self.ws[kind], x) + dot_h(&self.wh[kind], h)
    }

    /// Maps a raw softmax probability through the calibration curve.
    pub(crate) fn calibrate(&self, p: f64) -> f64 {
        let c = &self.calibration;
        let (Some(first), Some(last)) = (c.first(), c.last()) else { return p };
        if p <= first.0 {
            return first.1;
        }
        if p >= last.0 {
            return last.1;
        }
        let k = c.partition_point(|pt| pt.0 <= p);
        let (a, b) = (c[k - 1], c[k]);
        if b.0 <= a.0 { b.1 } else { a.1 + (b.1 - a.1) * (p - a.0) / (b.0 - a.0) }
    }

    /// Guesses a speaker for every dialogue line (indexes into the script's lines).
    pub(crate) fn decode(&self, table: Cow<Table>, cast: &Cast) -> Vec<Option<Guess>> {
        let (last, table) = self.last_pass(table);
        let n_lines = table.qs.iter().map(|q| q.line + 1).max().unwrap_or(0);
        let mut out = vec![None; n_lines];
        for d in last.decisions_here(&table) {
            let q = &table.qs[d.q];
            let Some(&speaker) = table.ids.get(d.row) else { continue };
            if cast.people.get(speaker).is_none() {
                continue;
            }
            let confidence = last.calibrate(d.prob).clamp(0.0, 1.0) as f32;
            out[q.line] = Some(Guess { speaker, confidence, evidence: d.evidence });
        }
        out
    }

    /// Every line's decision, with the evidence for it.
    pub(crate) fn decisions(&self, table: &Table) -> Vec<Decision> {
        let (last, table) = self.last_pass(Cow::Borrowed(table));
        last.decisions_here(&table)
    }

    /// The pass that makes the final decisions, and the table as it reads it: each pass after
    /// the first sees the picks of the one before (a borrowed table is copied only then).
    fn last_pass<'a>(&'a self, mut table: Cow<'a, Table>) -> (&'a Model, Cow<'a, Table>) {
        let mut model = self;
        while let Some(next) = &model.then {
            let picks = model.picks(&table);
            table.to_mut().set_picks(&picks);
            model = next;
        }
        (model, table)
    }

    /// This pass's speaker of every line (indexes into `qs`) with its raw probability.
    pub(crate) fn picks(&self, table: &Table) -> Vec<Option<(usize, f64)>> {
        let mut picks = vec![None; table.qs.len()];
        for d in self.decode_rows(table) {
            picks[d.q] = table.ids.get(d.row).map(|&id| (id, d.prob));
        }
        picks
    }

    /// This pass's decisions alone, with the evidence for each.
    fn decisions_here(&self, table: &Table) -> Vec<Decision> {
        let mut out = self.decode_rows(table);
        for d in out.iter_mut() {
            d.evidence = self.evidence(table, table.qs[d.q].kind, d.row, d.runner_up, &d.h);
        }
        out
    }

    /// The chosen candidate row of every line, with its raw probability, decoded scene by scene.
    pub(crate) fn decode_rows(&self, table: &Table) -> Vec<Decision> {
        let mut out = Vec::with_capacity(table.qs.len());
        let mut t = 0;
        while t < table.turns.len() {
            let scene = table.turns[t].scene;
            let mut end = t;
            while end < table.turns.len() && table.turns[end].scene == scene {
                end += 1;
            }
            self.decode_scene(table, t..end, &mut out);
            t = end;
        }
        out
    }

    fn decode_scene(&self, table: &Table, turns: std::ops::Range<usize>, out: &mut Vec<Decision>) {
        let beam = self.beam.max(1);
        let mut arena: Vec<Node> = Vec::new();
        let mut hyps = vec![Hyp::default()];
        let mut qs: Vec<usize> = Vec::new();
        // Buffers reused from line to line.
        let (mut base, mut scores): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
        let mut hx: Vec<[f32; NH]> = Vec::new();
        let mut exps: Vec<Expansion> = Vec::new();
        let mut next: Vec<Hyp> = Vec::new();
        for t in turns {
            let turn = &table.turns[t];
            for qi in turn.qs.clone() {
                let q = &table.qs[qi];
                qs.push(qi);
                let rows = q.cands.clone();
                let n = rows.len();
                if n == 0 {
                    for h in hyps.iter_mut() {
                        arena.push(Node { parent: h.node, row: usize::MAX, prob: 0.0, runner_up: None, h: [0.0; NH] });
                        h.node = Some(arena.len() - 1);
                    }
                    continue;
                }
                let (ws, wh) = (&self.ws[q.kind], &self.wh[q.kind]);
                base.clear();
                base.extend(rows.clone().map(|r| dot(ws, &table.xs[r])));
                exps.clear();
                hx.clear();
                for (hi, h) in hyps.iter().enumerate() {
                    scores.clear();
                    for (k, r) in rows.clone().enumerate() {
                        let f = history(q, turn, h, table.ids[r], &table.xs[r]);
                        scores.push(base[k] + dot_h(wh, &f));
                        hx.push(f);
                    }
                    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let log_z = max + scores.iter().map(|s| (s - max).exp()).sum::<f64>().ln();
                    let top = top_k(&scores, beam.max(2).min(n));
                    let second = |k: usize| top.iter().copied().find(|&o| o != k);
                    for &k in top.iter().take(beam) {
                        let logp = scores[k] - log_z;
                        exps.push(Expansion {
                            score: h.score + scores[k] - self.normalizer * log_z,
                            hyp: hi,
                            k,
                            prob: logp.exp(),
                            runner_up: second(k),
                        });
                    }
                }
                exps.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.hyp.cmp(&b.hyp)).then(a.k.cmp(&b.k)));
                // Hypotheses that agree on everything the features can see are one.
                next.clear();
                for e in &exps {
                    if next.len() == beam {
                        break;
                    }
                    let h = &hyps[e.hyp];
                    let mut nh = *h;
                    nh.score = e.score;
                    nh.advance(table.ids[rows.start + e.k], q, turn);
                    if next.iter().any(|k| k.same_state(&nh)) {
                        continue;
                    }
                    arena.push(Node {
                        parent: h.node,
                        row: rows.start + e.k,
                        prob: e.prob,
                        runner_up: e.runner_up.map(|o| rows.start + o),
                        h: hx[e.hyp * n + e.k],
                    });
                    nh.node = Some(arena.len() - 1);
                    next.push(nh);
                }
                std::mem::swap(&mut hyps, &mut next);
            }
        }
        follow_back(&arena, &hyps, &qs, out);
    }

    /// The group of features that most favours the chosen candidate over the runner-up.
    fn evidence(
        &self,
        table: &Table,
        kind: usize,
        row: usize,
        runner_up: Option<usize>,
        h: &[f32; NH],
    ) -> &'static str {
        let (ws, wh) = (&self.ws[kind], &self.wh[kind]);
        let mut groups: Vec<(&'static str, f64)> = Vec::new();
        let mut add = |g: &'static str, v: f64| match groups.iter_mut().find(|x| x.0 == g) {
            Some(x) => x.1 += v,
            None => groups.push((g, v)),
        };
        let x = &table.xs[row];
        let other = runner_up.map(|r| &table.xs[r]);
        for (k, (_, g)) in STATIC.iter().enumerate() {
            let v = f64::from(x[k]) - other.map_or(0.0, |o| f64::from(o[k]));
            if v != 0.0 {
                add(g, ws[k] * v);
            }
        }
        for (k, (_, g)) in HISTORY.iter().enumerate() {
            if h[k] != 0.0 {
                add(g, wh[k] * f64::from(h[k]));
            }
        }
        groups.into_iter().max_by(|a, b| a.1.total_cmp(&b.1)).map_or("recent", |g| g.0)
    }
}

/// One way to extend a hypothesis by a line.
struct Expansion {
    score: f64,
    hyp: usize,
    k: usize,
    prob: f64,
    runner_up: Option<usize>,
}

/// Indexes of the `k` highest scores, best first (ties: lower index first).
fn top_k(scores: &[f64], k: usize) -> Vec<usize> {
    let mut top: Vec<usize> = Vec::with_capacity(k + 1);
    for (i, &s) in scores.iter().enumerate() {
        let at = top.iter().position(|&j| scores[j] < s).unwrap_or(top.len());
        if at < k {
            top.insert(at, i);
            top.truncate(k);
        }
    }
    top
}

/// One decoded line.
#[derive(Debug, Clone)]
pub(crate) struct Decision {
    /// Index into `Table::qs`.
    pub q: usize,
    /// The chosen candidate row.
    pub row: usize,
    /// Its softmax probability given the decoded history.
    pub prob: f64,
    pub runner_up: Option<usize>,
    pub h: [f32; NH],
    pub evidence: &'static str,
}

struct Node {
    parent: Option<usize>,
    row: usize,
    prob: f64,
    runner_up: Option<usize>,
    h: [f32; NH],
}

/// What the history features of the next line can see of one hypothesis.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Hyp {
    score: f64,
    node: Option<usize>,
    /// Speakers of the turns before the previous one, the latest first: (speaker, narration
    /// stood before that turn, its speaker was named by a tag).
    turns: [Option<(usize, bool, bool)>; 5],
    /// Speaker of the latest line, and whether it was tagged.
    line: Option<(usize, bool)>,
    /// Narration stood before the latest line's turn.
    gap: bool,
}

impl Hyp {
    /// Records `id` as the speaker of line `q`.
    pub(crate) fn advance(&mut self, id: usize, q: &Q, turn: &Turn) {
        if q.first_in_turn {
            if let Some((s, tagged)) = self.line {
                self.turns.rotate_right(1);
                self.turns[0] = Some((s, self.gap, tagged));
            }
            self.gap = turn.gap;
        }
        self.line = Some((id, q.tagged));
    }

    fn same_state(&self, o: &Hyp) -> bool {
        self.line == o.line && self.gap == o.gap && self.turns[..2] == o.turns[..2]
    }
}

/// History features of candidate `id` for line `q` under hypothesis `h`.
pub(crate) fn history(q: &Q, turn: &Turn, h: &Hyp, id: usize, x: &[f32; NS]) -> [f32; NH] {
    let mut f = [0f32; NH];
    let mut set = |k: H, v: f32| f[k as usize] = v;
    if !q.first_in_turn {
        if h.line.is_some_and(|l| l.0 == id) {
            set(H::SameParagraph, 1.0);
        }
        return f;
    }
    // The speakers of the turns before this one, the latest first.
    let prev = |k: usize| -> Option<(usize, bool, bool)> {
        if k == 0 { h.line.map(|(s, tagged)| (s, h.gap, tagged)) } else { h.turns.get(k - 1).copied().flatten() }
    };
    let (p1, p2, p3) = (prev(0), prev(1), prev(2));
    let pron = q.pronoun.is_some() && x[S::PronMatch as usize] > 0.0;
    if let Some((s, _, tagged)) = p1
        && s == id
    {
        if turn.continued {
            set(H::Continued, 1.0);
        } else if turn.gap {
            set(H::PrevGap, 1.0);
        } else {
            set(H::Prev, 1.0);
            if tagged {
                set(H::PrevTagged, 1.0);
            }
        }
        if pron {
            set(H::PrevPronoun, 1.0);
        }
    }
    if let (Some((s, _, _)), Some((s1, gap1, _))) = (p2, p1)
        && s == id
        && s1 != id
    {
        set(if turn.gap || gap1 { H::Prev2Gap } else { H::Prev2 }, 1.0);
        if pron {
            set(H::Prev2Pronoun, 1.0);
        }
    }
    if p3.is_some_and(|p| p.0 == id) && p1.is_some_and(|p| p.0 != id) && p2.is_some_and(|p| p.0 != id) {
        set(H::Prev3, 1.0);
    }
    // The last four turns alternate between two people, and `id` is the one whose turn it is.
    let last4 = [p1, p2, p3, prev(3)];
    let known = last4.iter().flatten().count();
    let (mut a, mut b, mut more) = (None, None, false);
    for p in last4.iter().flatten() {
        match (a, b) {
            (None, _) => a = Some(p.0),
            (Some(x), _) if x == p.0 => {}
            (_, None) => b = Some(p.0),
            (_, Some(y)) if y == p.0 => {}
            _ => more = true,
        }
    }
    let two = b.is_some() && !more;
    if known >= 3 && two && (a == Some(id) || b == Some(id)) && p1.is_some_and(|p| p.0 != id) {
        set(H::TwoParty, 1.0);
    }
    let lately = (0..6).filter(|&k| prev(k).is_some_and(|p| p.0 == id)).count();
    set(H::SpokeLately, lately as f32 / 6.0);
    if lately == 0 {
        set(H::Quiet, 1.0);
    }
    f
}

fn dot(w: &[f64; NS], x: &[f32; NS]) -> f64 {
    w.iter().zip(x).map(|(a, b)| a * f64::from(*b)).sum()
}

fn dot_h(w: &[f64; NH], x: &[f32; NH]) -> f64 {
    w.iter().zip(x).map(|(a, b)| a * f64::from(*b)).sum()
}

fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The model compiled into the program.
pub(crate) fn builtin() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let stored: Stored = serde_json::from_str(include_str!("model.json")).unwrap_or_default();
        Model::from_stored(&stored)
    })
}

/// Follows the best hypothesis back from the scene's last line and writes its decisions.
fn follow_back(arena: &[Node], hyps: &[Hyp], qs: &[usize], out: &mut Vec<Decision>) {
    let mut path = Vec::with_capacity(qs.len());
    let mut node = hyps.first().and_then(|h| h.node);
    while let Some(n) = node {
        path.push(n);
        node = arena[n].parent;
    }
    path.reverse();
    for (&qi, &n) in qs.iter().zip(&path) {
        let node = &arena[n];
        if node.row != usize::MAX {
            out.push(Decision {
                q: qi,
                row: node.row,
                prob: node.prob,
                runner_up: node.runner_up,
                h: node.h,
                evidence: "",
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two turns of one scene: an untagged line that leans a little to person 0, then a line
    /// whose tag names person 0, who seldom speaks twice running.
    fn table() -> Table {
        let mut t = Table::default();
        for k in 0..2 {
            t.qs.push(Q {
                line: k,
                turn: k,
                cands: 2 * k..2 * k + 2,
                first_in_turn: true,
                kind: if k == 0 { 4 } else { 0 },
                pronoun: None,
                tagged: k == 1,
            });
            t.turns.push(Turn { qs: k..k + 1, scene: 0, gap: false, continued: false });
            t.ids.extend([0, 1]);
            t.xs.extend([[0.0; NS]; 2]);
        }
        t.xs[0][S::Recent0 as usize] = 1.0;
        t.xs[2][S::TagName as usize] = 1.0;
        t
    }

    fn model(normalizer: f64) -> Model {
        let mut w = vec![0.0; DIM * KINDS.len()];
        w[4 * DIM + S::Recent0 as usize] = 0.2;
        w[S::TagName as usize] = 10.0;
        w[NS + H::Prev as usize] = -3.0;
        Model::from_flat([0.0; NP], &w, 4, normalizer)
    }

    #[test]
    fn a_line_sure_under_every_history_still_tells_them_apart() {
        let t = table();
        let first = |m: &Model| m.decode_rows(&t).iter().find(|d| d.q == 0).map(|d| t.ids[d.row]);
        // Fully normalized, the tagged line adds next to nothing to either history: the lean
        // of the first line decides.
        assert_eq!(first(&model(1.0)), Some(0));
        // Keeping half of the normalizer, person 0 speaking twice running costs that history.
        assert_eq!(first(&model(0.5)), Some(1));
    }
}

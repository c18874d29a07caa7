//! Trains the speaker model from annotated novels and writes `src/attribute/model.json`, or
//! cross-validates it by whole novel.
//!
//! ```text
//! cargo run --release --example train_speakers                 # train on every novel, write the model
//! cargo run --release --example train_speakers -- --cv DIR     # leave one novel out in turn:
//!                                                              #   DIR/<novel>.pred.jsonl
//! cargo run --release --example train_speakers -- --dump DIR   # every line's candidates and
//!                                                              #   features, for experiments
//! ```
//! Options: `--pdnc DIR` (default `../shared/eval/pdnc`), `--out FILE`, `--beam N`, `--l2 X`,
//! `--normalizer X` (see `Model::normalizer`), `--only NAME` (with
//! `--cv`: hold out only that novel), `--jobs N` (folds fitted side by side; the result does not
//! depend on it). `scripts/speaker-cv.py` runs `--cv` and scores the predictions with the
//! team's scorer.
//!
//! The person classifier (is a name a person or a place, a house, a thing?) is trained first,
//! on LitBank's entity layer (`--litbank DIR`, default `../shared/eval/litbank`; its works that
//! are also PDNC novels are left out), and its ten-fold cross-validated accuracy printed.
//!
//! Each novel folder holds `novel_text.txt`, `quotation_info.csv` (quotations with their
//! speaker) and `character_info.csv` (each character's main name and aliases), the layout of
//! the Project Dialogism Novel Corpus. A line is labelled with the characters whose printed
//! name resolves to the annotated speaker the way the scorer resolves it.

mod litbank;

use anyhow::{Context, Result, bail};
use audiobook::attribute::training::{self, Book, History, Labels, Model, Options, PersonWeights, Stacked};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

struct Gold {
    /// (start byte, end byte, speaker main name) of every quotation span.
    spans: Vec<(usize, usize, String)>,
    resolver: Resolver,
}

struct Novel {
    book: Book,
    labels: Labels,
    /// Whether each line overlaps an annotated quotation (the scorer counts only those).
    scored: Vec<bool>,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let pdnc = flag("--pdnc").map_or_else(|| root.join("../shared/eval/pdnc"), PathBuf::from);
    let out = flag("--out").map_or_else(|| root.join("src/attribute/model.json"), PathBuf::from);
    let jobs: usize = flag("--jobs").and_then(|j| j.parse().ok()).unwrap_or(2).max(1);
    let mut opts = Options::default();
    if let Some(l2) = flag("--l2").and_then(|v| v.parse().ok()) {
        opts.l2 = l2;
    }
    if let Some(b) = flag("--beam").and_then(|v| v.parse().ok()) {
        opts.beam = b;
    }
    if let Some(v) = flag("--normalizer").and_then(|v| v.parse().ok()) {
        opts.normalizer = v;
    }
    let litbank = flag("--litbank").map_or_else(|| root.join("../shared/eval/litbank"), PathBuf::from);
    let pdnc_names = novel_names(&pdnc)?;
    let person = litbank::train_person(&litbank, &pdnc_names, jobs)?;
    let novels = load_novels(&pdnc, &person)?;
    eprintln!("{} novels read", novels.len());
    if args.iter().any(|a| a == "--quick") {
        quick(&novels, &person, &opts, jobs);
        return Ok(());
    }
    if let Some(dir) = flag("--dump") {
        dump(&novels, &person, &opts, jobs, Path::new(&dir))?;
        return Ok(());
    }
    if let Some(dir) = flag("--cv") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir)?;
        let only = flag("--only");
        for (k, held) in novels.iter().enumerate() {
            if only.as_ref().is_some_and(|o| *o != held.book.name) {
                continue;
            }
            let train: Vec<&Novel> = novels.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, n)| n).collect();
            let model = train_full(&train, &person, &opts, jobs);
            let script = held.book.predict(&model);
            let path = dir.join(format!("{}.pred.jsonl", held.book.name));
            let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
            audiobook::report::write_jsonl(&mut f, &held.book.text, &script)?;
            eprintln!("{}: predictions in {}", held.book.name, path.display());
        }
        return Ok(());
    }
    let all: Vec<&Novel> = novels.iter().collect();
    let model = train_full(&all, &person, &opts, jobs);
    let names: Vec<&str> = novels.iter().map(|n| n.book.name.as_str()).collect();
    let about = format!(
        "Conditional logit over each line's candidates, per kind of line, L2 {}, beam {} keeping {} of each line's normalizer; trained on {}; history \
         features from the annotated speakers and from held-out decoding; a second pass (under `then`) fitted on held-out first-pass \
         picks of the following turns; calibration isotonic on held-out decoding; person classifier from LitBank's entities. Regenerate: cargo run --release --example train_speakers",
        opts.l2,
        opts.beam,
        opts.normalizer,
        names.join(", ")
    );
    std::fs::write(&out, training::to_json(&model, &about))
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

/// A first pass fitted on every novel but the `k`th, with the annotated histories.
fn fit_without(novels: &[Novel], gold: &[History], k: usize, person: &PersonWeights, opts: &Options) -> Model {
    let data: Vec<(&Book, &Labels, &History)> = novels
        .iter()
        .zip(gold)
        .enumerate()
        .filter(|(j, _)| *j != k)
        .map(|(_, (n, h))| (&n.book, &n.labels, h))
        .collect();
    training::fit(&data, person, opts)
}

/// A fast look while developing features: per novel, the share of lines whose speaker is among
/// the candidates, and the accuracy on annotated lines of a model trained on the other novels
/// with gold histories (no calibration): the figures to quote come from `--cv` and the scorer.
///
/// Reports on request, by environment variable: `ERRORS=DIR` writes each novel's wrong lines
/// with their context to `DIR/<novel>.txt`; `WHY=TEXT` prints, for every line containing
/// TEXT, each candidate's score and the features that weigh most in it; `CAST=<novel>` lists
/// that novel's cast with the annotated speaker each name resolves to; `SPLITS=1` lists the
/// annotated speakers the cast holds under more than one name, `MISSING=1` those with three
/// quotations or more that no name of the cast resolves to, `FIRES=<feature>` how often a
/// feature is set and how often on the annotated or the decoded speaker, and `CONTRAST=1` what
/// tells the annotated speaker of wrong untagged lines from the decoded one.
fn quick(novels: &[Novel], person: &PersonWeights, opts: &Options, jobs: usize) {
    let gold: Vec<History> = novels.iter().map(|n| n.book.gold_history(&n.labels)).collect();
    let res = par_map(novels.len(), jobs, |k| {
        let m = fit_without(novels, &gold, k, person, opts);
        let n = &novels[k];
        let dec = n.book.decode(&m);
        let rules = n.book.decode(&training::rules_only());
        let given = n.book.decode_given(&m, &gold[k]);
        let given_ok =
            (0..dec.len()).filter(|&q| n.scored[q] && given[q].is_some_and(|id| n.labels[q].contains(&id))).count();
        eprintln!(
            "{}: with the true history {:.3}",
            n.book.name,
            given_ok as f64 / n.scored.iter().filter(|s| **s).count() as f64
        );
        let (mut total, mut covered, mut right, mut cands, mut base) = (0usize, 0usize, 0usize, 0usize, 0usize);
        let mut kinds: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
        let mut report = String::new();
        let names = n.book.names();
        for (q, d) in dec.iter().enumerate() {
            if !n.scored[q] {
                continue;
            }
            let kind = n.book.tag_kind(q);
            let l = &n.labels[q];
            // The annotated speaker is among the candidates; the decoded one is annotated.
            let is_cand = n.book.candidates(q).iter().any(|c| l.contains(c));
            let ok = d.is_some_and(|(id, _)| l.contains(&id));
            let e = kinds.entry(kind).or_default();
            e.0 += 1;
            e.1 += usize::from(ok);
            e.2 += usize::from(is_cand);
            if kind == "none" && n.book.first_in_turn(q) {
                let pred = d.map(|x| x.0);
                let t1 = n.book.turn_before(q, 1);
                let t2 = n.book.turn_before(q, 2);
                let same = |t: Option<(usize, bool)>| t.is_some_and(|(p, _)| n.labels[p].iter().any(|x| l.contains(x)));
                let pred_is =
                    |t: Option<(usize, bool)>| t.is_some_and(|(p, _)| pred.is_some_and(|x| n.labels[p].contains(&x)));
                let cat = if t1.is_none() {
                    "opener"
                } else if t1.is_some_and(|t| t.1) {
                    "after-narration"
                } else if same(t2) && !same(t1) {
                    "alternation"
                } else if same(t1) {
                    "same-as-previous"
                } else {
                    "third-party"
                };
                if !ok {
                    let mut seq = String::new();
                    for k in (1..=5).rev() {
                        if let Some((p, gap)) = n.book.turn_before(q, k) {
                            let g = n.labels[p].first().map_or("?", |&i| names[i].as_str());
                            let pr = dec[p].map_or("-", |d| names[d.0].as_str());
                            seq.push_str(&format!("{}[{} {g}/{pr}] ", if gap { "|" } else { "" }, n.book.tag_kind(p)));
                        }
                    }
                    report.push_str(&format!("==== {cat} {seq}\n"));
                }
                let e = kinds.entry(cat).or_default();
                e.0 += 1;
                e.1 += usize::from(ok);
                e.2 += usize::from(!ok && pred_is(t1));
            }
            if !ok {
                let (ctx, line) = n.book.context(q, 300);
                let gold: Vec<&str> = l.iter().map(|&i| names[i].as_str()).collect();
                let pred = d.map_or("-", |(id, _)| names[id].as_str());
                let p = d.map_or(0.0, |d| d.1);
                report.push_str(&format!(
                    "---- {kind} gold={gold:?} pred={pred} p={p:.2} cand={is_cand}\n{ctx} <<{line}>>\n"
                ));
            }
            total += 1;
            cands += n.book.candidates(q).len();
            covered += usize::from(is_cand);
            right += usize::from(ok);
            if rules[q].is_some_and(|(id, _)| l.contains(&id)) {
                base += 1;
            }
        }
        if let Ok(f) = std::env::var("FIRES") {
            fires(n, &dec, &f);
        }
        if std::env::var("CONTRAST").is_ok() {
            contrast(n, &dec);
        }
        if let Ok(want) = std::env::var("WHY") {
            explain(n, &m, &dec, &want);
        }
        if let Ok(dir) = std::env::var("ERRORS") {
            let _ = std::fs::write(Path::new(&dir).join(format!("{}.txt", n.book.name)), report);
        }
        (total, covered, right, cands, base, kinds)
    });
    let (mut t, mut c, mut r, mut b) = (0, 0, 0, 0);
    let mut all_kinds: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (n, (total, covered, right, cands, base, kinds)) in novels.iter().zip(res) {
        for (k, v) in kinds {
            let e = all_kinds.entry(k).or_default();
            e.0 += v.0;
            e.1 += v.1;
            e.2 += v.2;
        }
        println!(
            "{:32} lines={total:5} oracle={:.3} acc={:.3} rules={:.3} cands={:.1}",
            n.book.name,
            covered as f64 / total as f64,
            right as f64 / total as f64,
            base as f64 / total as f64,
            cands as f64 / total as f64
        );
        t += total;
        c += covered;
        r += right;
        b += base;
    }
    let f = |x: usize| x as f64 / t as f64;
    println!("{:32} lines={t:5} oracle={:.3} acc={:.3} rules={:.3}", "ALL", f(c), f(r), f(b));
    for (k, (n, right, cov)) in all_kinds {
        println!("  {k:10} n={n:5} acc={:.3} oracle={:.3}", right as f64 / n as f64, cov as f64 / n as f64);
    }
}

/// Prints, for every line of `n` containing `want`, each candidate's score under model `m` (the
/// earlier lines' speakers as `dec` decoded them) and its eight weightiest feature terms.
fn explain(n: &Novel, m: &Model, dec: &[Option<(usize, f64)>], want: &str) {
    let weights: serde_json::Value = serde_json::from_str(&training::to_json(m, "")).unwrap_or_default();
    let features = training::feature_names();
    let names = n.book.names();
    let hist: History = dec.iter().map(|d| d.map(|x| x.0)).collect();
    for (q, (kind, rows)) in n.book.rows(&hist).into_iter().enumerate() {
        let (_, line) = n.book.context(q, 0);
        if !line.contains(want) {
            continue;
        }
        let kind = training::KIND_NAMES.get(kind).copied().unwrap_or("?");
        let gold: Vec<&str> = n.labels[q].iter().map(|&i| names[i].as_str()).collect();
        println!("{} line {q} ({kind}), annotated {gold:?}: {line}", n.book.name);
        let w = &weights["kinds"][kind];
        for (id, x) in rows {
            let mut terms: Vec<(f64, &str)> = features
                .iter()
                .zip(&x)
                .filter(|(_, v)| **v != 0.0)
                .map(|(f, v)| {
                    let wf = w["static_weights"][*f].as_f64().or_else(|| w["history_weights"][*f].as_f64());
                    (wf.unwrap_or(0.0) * f64::from(*v), *f)
                })
                .collect();
            let score: f64 = terms.iter().map(|t| t.0).sum();
            terms.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
            let top: Vec<String> = terms.iter().take(8).map(|(v, f)| format!("{f} {v:+.2}")).collect();
            println!("  {:24} {score:+7.2}  {}", names[id], top.join(", "));
        }
    }
}

/// Prints how often feature `f` is set on a candidate of an annotated line of `n`, and how often
/// that candidate is the annotated speaker and the decoded one.
fn fires(n: &Novel, dec: &[Option<(usize, f64)>], f: &str) {
    let Some(fi) = training::feature_names().iter().position(|x| *x == f) else {
        eprintln!("no feature named {f}");
        return;
    };
    let hist: History = dec.iter().map(|d| d.map(|x| x.0)).collect();
    let (mut fired, mut annotated, mut decoded) = (0, 0, 0);
    for (q, (_, rows)) in n.book.rows(&hist).into_iter().enumerate() {
        for (id, _) in rows.iter().filter(|(_, x)| n.scored[q] && x[fi] != 0.0) {
            fired += 1;
            annotated += usize::from(n.labels[q].contains(id));
            decoded += usize::from(dec[q].is_some_and(|d| d.0 == *id));
        }
    }
    eprintln!(
        "FIRES {} {f}: on {fired} candidates, the annotated speaker {annotated}, the decoded one {decoded}",
        n.book.name
    );
}

/// Prints, over the wrongly decoded untagged lines of `n` that open their paragraph, the
/// features most often set on the annotated speaker and not on the decoded one (+), or the
/// other way round (-).
fn contrast(n: &Novel, dec: &[Option<(usize, f64)>]) {
    let features = training::feature_names();
    let untagged = training::KIND_NAMES.iter().position(|k| *k == "untagged");
    let hist: History = dec.iter().map(|d| d.map(|x| x.0)).collect();
    let mut tally: BTreeMap<(bool, &str), usize> = BTreeMap::new();
    let mut wrong = 0;
    for (q, (kind, rows)) in n.book.rows(&hist).into_iter().enumerate() {
        let Some((pred, _)) = dec[q] else { continue };
        if !n.scored[q] || Some(kind) != untagged || n.labels[q].contains(&pred) {
            continue;
        }
        let (Some(g), Some(p)) = (rows.iter().find(|r| n.labels[q].contains(&r.0)), rows.iter().find(|r| r.0 == pred))
        else {
            continue;
        };
        wrong += 1;
        for (k, f) in features.iter().enumerate() {
            if (g.1[k] != 0.0) != (p.1[k] != 0.0) {
                *tally.entry((g.1[k] != 0.0, f)).or_default() += 1;
            }
        }
    }
    let mut v: Vec<_> = tally.into_iter().collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.1));
    let top: Vec<String> =
        v.iter().take(14).map(|((g, f), c)| format!("{}{f} {c}", if *g { "+" } else { "-" })).collect();
    eprintln!(
        "CONTRAST {}: {wrong} wrong untagged lines with the annotated speaker among the candidates: {}",
        n.book.name,
        top.join(", ")
    );
}

/// Fits the model on `train` alone and adds a calibration curve.
///
/// Every novel of `train` is seen twice, with two histories (who spoke the earlier lines): the
/// annotated speakers, and the speakers that a model fitted on the other novels of `train`
/// decodes. The second teaches the model how far a decoded history can be trusted, since that
/// is all it has when it reads a new book.
///
/// A second pass is then fitted the same way on each novel as read by a first pass fitted
/// without it (its picks of the turns that follow each line), and its calibration curve comes
/// from decoding each novel of `train` with a second pass fitted on the others.
fn train_full(train: &[&Novel], person: &PersonWeights, opts: &Options, jobs: usize) -> Model {
    let gold: Vec<History> = train.iter().map(|n| n.book.gold_history(&n.labels)).collect();
    let annotated = |skip: Option<usize>| -> Vec<(&Book, &Labels, &History)> {
        train
            .iter()
            .zip(&gold)
            .enumerate()
            .filter(|(j, _)| Some(*j) != skip)
            .map(|(_, (n, h))| (&n.book, &n.labels, h))
            .collect()
    };
    let decoded: Vec<History> = par_map(train.len(), jobs, |k| {
        let m = training::fit(&annotated(Some(k)), person, opts);
        train[k].book.decode(&m).into_iter().map(|d| d.map(|x| x.0)).collect()
    });
    let mixed = |skip: Option<usize>| -> Vec<(&Book, &Labels, &History)> {
        let mut v = annotated(skip);
        for (j, (n, h)) in train.iter().zip(&decoded).enumerate() {
            if Some(j) != skip {
                v.push((&n.book, &n.labels, h));
            }
        }
        v
    };
    let first = training::fit(&mixed(None), person, opts);
    // Each novel read by a first pass fitted without it: what the second pass learns from.
    let read: Vec<(Stacked, History)> = par_map(train.len(), jobs, |k| {
        let m = training::fit(&mixed(Some(k)), person, opts);
        let book = &train[k].book;
        (book.stacked(&m), book.decode(&m).into_iter().map(|d| d.map(|x| x.0)).collect())
    });
    let second_data = |skip: Option<usize>| -> Vec<(&Stacked, &Labels, &History)> {
        let mut v = Vec::new();
        for (j, ((n, g), (s, h))) in train.iter().zip(&gold).zip(&read).enumerate() {
            if Some(j) != skip {
                v.push((s, &n.labels, g));
                v.push((s, &n.labels, h));
            }
        }
        v
    };
    let second = training::fit_stacked(&second_data(None), person, opts);
    let pairs: Vec<Vec<(f64, bool)>> = par_map(train.len(), jobs, |k| {
        let m = training::fit_stacked(&second_data(Some(k)), person, opts);
        let n = train[k];
        read[k]
            .0
            .decode(&m)
            .into_iter()
            .enumerate()
            .filter_map(|(q, d)| {
                let (id, p) = d?;
                // Lines with no annotated quotation are not scored.
                n.scored.get(q).copied().unwrap_or(false).then(|| (p, n.labels.get(q).is_some_and(|l| l.contains(&id))))
            })
            .collect()
    });
    let pairs: Vec<(f64, bool)> = pairs.into_iter().flatten().collect();
    training::then(first, training::with_calibration(second, training::fit_calibration(&pairs)))
}

/// `f(0..n)` computed on up to `jobs` threads, in order.
fn par_map<T: Send>(n: usize, jobs: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(&mut out);
    std::thread::scope(|s| {
        for _ in 0..jobs.min(n).max(1) {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if k >= n {
                        break;
                    }
                    let v = f(k);
                    if let Ok(mut r) = results.lock() {
                        r[k] = Some(v);
                    }
                }
            });
        }
    });
    out.into_iter().map(|v| v.expect("every fold computed")).collect()
}

fn novel_names(dir: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("quotation_info.csv").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    if names.is_empty() {
        bail!("no annotated novels in {}", dir.display());
    }
    Ok(names)
}

fn load_novels(dir: &Path, person: &PersonWeights) -> Result<Vec<Novel>> {
    let mut out = Vec::new();
    for name in novel_names(dir)? {
        let d = dir.join(&name);
        let text = std::fs::read_to_string(d.join("novel_text.txt"))?;
        let gold = load_gold(&d, &text)?;
        let book = Book::new(&name, text, person);
        let (labels, scored) = label(&book, &gold);
        if std::env::var_os("CAST").is_some_and(|v| v == name.as_str()) {
            let mut people = book.people();
            people.sort_by_key(|p| std::cmp::Reverse(p.1));
            for (n, m, p) in people.iter().take(400) {
                eprintln!("{m:5} {p:.2} {n} -> {:?}", gold.resolver.resolve(n));
            }
        }
        if std::env::var_os("MISSING").is_some() {
            let names = book.names();
            let have: BTreeSet<String> = names.iter().filter_map(|n| gold.resolver.resolve(n)).collect();
            let mut by: BTreeMap<&str, usize> = BTreeMap::new();
            for g in &gold.spans {
                *by.entry(g.2.as_str()).or_default() += 1;
            }
            for (who, k) in by {
                if k >= 3 && !have.contains(who) {
                    eprintln!("MISSING {name}: {who} ({k} quotations)");
                }
            }
        }
        if std::env::var_os("SPLITS").is_some() {
            let names = book.names();
            let mut by: BTreeMap<String, Vec<&str>> = BTreeMap::new();
            for nm in &names {
                if let Some(g) = gold.resolver.resolve(nm) {
                    by.entry(g).or_default().push(nm);
                }
            }
            for (g, v) in by.iter().filter(|(_, v)| v.len() > 1) {
                eprintln!("{name}: {g} <- {v:?}");
            }
        }
        out.push(Novel { book, labels, scored });
    }
    Ok(out)
}

/// Labels each dialogue line with the characters whose names resolve to the speaker of the
/// quotation overlapping it most.
fn label(book: &Book, gold: &Gold) -> (Labels, Vec<bool>) {
    let names = book.names();
    let resolved: Vec<Option<String>> = names.iter().map(|n| gold.resolver.resolve(n)).collect();
    let spans = book.lines();
    let scored = spans.iter().map(|s| gold.spans.iter().any(|g| g.0 < s.end && s.start < g.1)).collect();
    let labels = spans
        .iter()
        .map(|span| {
            let best = gold
                .spans
                .iter()
                .map(|(s, e, who)| ((*e).min(span.end).saturating_sub((*s).max(span.start)), who))
                .filter(|(ov, _)| *ov > 0)
                .max_by_key(|(ov, _)| *ov);
            let Some((_, who)) = best else { return Vec::new() };
            resolved.iter().enumerate().filter(|(_, r)| r.as_deref() == Some(who.as_str())).map(|(id, _)| id).collect()
        })
        .collect();
    (labels, scored)
}

fn load_gold(dir: &Path, text: &str) -> Result<Gold> {
    // Code point offsets to byte offsets.
    let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    bytes.push(text.len());
    let byte = |c: usize| bytes.get(c).copied().unwrap_or(text.len());
    let mut chars: Vec<(String, Vec<String>)> = Vec::new();
    let mut rd = csv::Reader::from_path(dir.join("character_info.csv"))?;
    let hdr = rd.headers()?.clone();
    let col = |h: &csv::StringRecord, name: &str| h.iter().position(|x| x == name);
    let (main_c, alias_c) = (col(&hdr, "Main Name").context("Main Name")?, col(&hdr, "Aliases").context("Aliases")?);
    for row in rd.records() {
        let row = row?;
        let main = row.get(main_c).unwrap_or("").to_string();
        let mut aliases = python_strings(row.get(alias_c).unwrap_or(""));
        aliases.push(main.clone());
        chars.push((main, aliases));
    }
    let resolver = Resolver::new(&chars);
    let mut rd = csv::Reader::from_path(dir.join("quotation_info.csv"))?;
    let hdr = rd.headers()?.clone();
    let (span_c, who_c) =
        (col(&hdr, "quoteByteSpans").context("quoteByteSpans")?, col(&hdr, "speaker").context("speaker")?);
    let mut spans = Vec::new();
    for row in rd.records() {
        let row = row?;
        let who = resolver.gold_main(row.get(who_c).unwrap_or(""));
        let list: Vec<(usize, usize)> = serde_json::from_str(row.get(span_c).unwrap_or("[]"))?;
        for (s, e) in list {
            spans.push((byte(s), byte(e), who.clone()));
        }
    }
    Ok(Gold { spans, resolver })
}

/// The quoted strings of a Python literal list or set (`{'Jane', "O'Hara"}`).
fn python_strings(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\'' && c != '"' {
            continue;
        }
        let mut cur = String::new();
        while let Some(d) = it.next() {
            match d {
                '\\' => {
                    if let Some(e) = it.next() {
                        cur.push(e);
                    }
                }
                d if d == c => break,
                d => cur.push(d),
            }
        }
        out.push(cur);
    }
    out
}

/// The scorer's name resolution (`score.py`): an exact alias, else a unique match on the
/// name's last or first word, honorifics aside.
struct Resolver {
    exact: BTreeMap<String, BTreeSet<String>>,
    words: BTreeMap<String, BTreeSet<String>>,
    mains: BTreeSet<String>,
}

const HONORIFICS: &[&str] =
    &["mr", "mrs", "miss", "ms", "dr", "sir", "lady", "lord", "colonel", "captain", "mr.", "mrs.", "dr.", "ms."];

fn norm(s: &str) -> String {
    s.to_lowercase().replace('\u{2019}', "'").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn name_words(n: &str) -> Vec<String> {
    n.split(' ')
        .map(|t| t.trim_matches(|c| c == '.' || c == ','))
        .filter(|t| !t.is_empty() && !HONORIFICS.contains(t))
        .map(String::from)
        .collect()
}

impl Resolver {
    fn new(chars: &[(String, Vec<String>)]) -> Resolver {
        let mut r = Resolver { exact: BTreeMap::new(), words: BTreeMap::new(), mains: BTreeSet::new() };
        for (main, aliases) in chars {
            r.mains.insert(main.clone());
            for a in aliases {
                r.exact.entry(norm(a)).or_default().insert(main.clone());
                for w in name_words(&norm(a)) {
                    r.words.entry(w).or_default().insert(main.clone());
                }
            }
        }
        r
    }

    fn resolve(&self, pred: &str) -> Option<String> {
        let n = norm(pred);
        if let Some(hit) = self.exact.get(&n) {
            return if hit.len() == 1 { hit.iter().next().cloned() } else { None };
        }
        let toks = name_words(&n);
        let (Some(last), Some(first)) = (toks.last(), toks.first()) else { return None };
        for t in [last, first] {
            if let Some(c) = self.words.get(t)
                && c.len() == 1
            {
                return c.iter().next().cloned();
            }
        }
        None
    }

    fn gold_main(&self, speaker: &str) -> String {
        if self.mains.contains(speaker) {
            return speaker.to_string();
        }
        match self.exact.get(&norm(speaker)) {
            Some(hit) if hit.len() == 1 => hit.iter().next().cloned().unwrap_or_default(),
            _ => speaker.to_string(),
        }
    }
}

/// Writes every novel's feature rows under the annotated history and under the history a model
/// fitted on the other novels decodes: `DIR/<novel>.<gold|decoded>.tsv`.
fn dump(novels: &[Novel], person: &PersonWeights, opts: &Options, jobs: usize, dir: &Path) -> Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let gold: Vec<History> = novels.iter().map(|n| n.book.gold_history(&n.labels)).collect();
    let decoded: Vec<History> = par_map(novels.len(), jobs, |k| {
        let m = fit_without(novels, &gold, k, person, opts);
        novels[k].book.decode(&m).into_iter().map(|d| d.map(|x| x.0)).collect()
    });
    for (k, n) in novels.iter().enumerate() {
        for (tag, hist) in [("gold", &gold[k]), ("decoded", &decoded[k])] {
            let path = dir.join(format!("{}.{tag}.tsv", n.book.name));
            let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
            for (q, (kind, rows)) in n.book.rows(hist).into_iter().enumerate() {
                let scored = n.scored.get(q).copied().unwrap_or(false);
                let tk = n.book.tag_kind(q);
                for (id, x) in rows {
                    let pos = n.labels.get(q).is_some_and(|l| l.contains(&id));
                    let xs: Vec<String> = x.iter().map(|v| format!("{v}")).collect();
                    writeln!(f, "{q}\t{kind}\t{tk}\t{}\t{id}\t{}\t{}", u8::from(scored), u8::from(pos), xs.join("\t"))?;
                }
            }
        }
    }
    Ok(())
}

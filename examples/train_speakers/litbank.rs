//! The person classifier's training data: LitBank's entity layer, each name the cast finds
//! labelled person or not by the entity labels where its written forms occur.

use super::par_map;
use anyhow::{Context, Result};
use audiobook::attribute::training::{self, Book, PersonWeights};
use std::path::{Path, PathBuf};

/// A LitBank work: its text rebuilt from the tokens, and the tokens with the innermost entity
/// label of each ("PER", "FAC", ...; "" outside any entity).
struct Work {
    name: String,
    text: String,
    tokens: Vec<(String, String)>,
}

/// Letters and digits only, lowercase: "Pride_and_Prejudice" and "PrideAndPrejudice" agree.
fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn load_litbank(dir: &Path, skip: &[String]) -> Result<Vec<Work>> {
    let ent = dir.join("entities/tsv");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&ent)
        .with_context(|| format!("cannot read {}", ent.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with("_brat.tsv"))
        .collect();
    files.sort();
    let skip: Vec<String> = skip.iter().map(|s| squash(s)).collect();
    let mut out = Vec::new();
    for f in files {
        let stem = f.file_name().unwrap_or_default().to_string_lossy().trim_end_matches("_brat.tsv").to_string();
        let title = squash(stem.trim_start_matches(|c: char| c.is_ascii_digit()));
        if skip.contains(&title) {
            continue;
        }
        let raw = std::fs::read_to_string(&f)?;
        let mut tokens = Vec::new();
        let mut sentences: Vec<Vec<String>> = vec![Vec::new()];
        for line in raw.lines() {
            if line.trim().is_empty() {
                sentences.push(Vec::new());
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let word = cols.first().copied().unwrap_or("").to_string();
            let label = cols
                .iter()
                .skip(1)
                .rev()
                .find(|c| c.starts_with("B-") || c.starts_with("I-"))
                .map_or(String::new(), |c| c[2..].to_string());
            if let Some(s) = sentences.last_mut() {
                s.push(word.clone());
            }
            tokens.push((word, label));
        }
        out.push(Work { name: stem, text: detokenize(&sentences), tokens });
    }
    Ok(out)
}

/// Running text from tokenized sentences: punctuation joined to its word, a paragraph per
/// sentence unless a quotation is still open.
fn detokenize(sentences: &[Vec<String>]) -> String {
    let mut text = String::new();
    let mut open = false;
    for s in sentences.iter().filter(|s| !s.is_empty()) {
        let mut glue = true;
        for w in s {
            let attach = matches!(
                w.as_str(),
                "," | "."
                    | ";"
                    | ":"
                    | "!"
                    | "?"
                    | ")"
                    | "'s"
                    | "n't"
                    | "'ll"
                    | "'re"
                    | "'ve"
                    | "'d"
                    | "'m"
                    | "”"
                    | "’"
            );
            let quote = w == "\"";
            let closing = quote && open;
            if !(glue || attach || closing) {
                text.push(' ');
            }
            text.push_str(w);
            glue = w == "(" || w == "“" || quote && !open;
            if quote {
                open = !open;
            }
            if w == "“" {
                open = true;
            }
            if w == "”" {
                open = false;
            }
        }
        text.push_str(if open { " " } else { "\n\n" });
    }
    text
}

/// Whether a name is a person in a LitBank work: the majority of the entity labels where its
/// written forms occur (outside any entity counts against).
fn person_label(work: &Work, forms: &[String]) -> Option<bool> {
    let toks: Vec<String> = work.tokens.iter().map(|t| t.0.to_lowercase()).collect();
    let (mut yes, mut no) = (0, 0);
    for f in forms {
        let words: Vec<String> = f.to_lowercase().split_whitespace().map(String::from).collect();
        if words.is_empty() {
            continue;
        }
        for i in 0..toks.len().saturating_sub(words.len() - 1) {
            if toks[i..i + words.len()] == words[..] {
                match work.tokens[i + words.len() - 1].1.as_str() {
                    "PER" => yes += 1,
                    _ => no += 1,
                }
            }
        }
    }
    (yes + no > 0).then_some(yes > no)
}

/// Fits the person classifier on LitBank and prints its ten-fold cross-validated accuracy.
pub fn train_person(litbank: &Path, skip: &[String], jobs: usize) -> Result<PersonWeights> {
    let works = load_litbank(litbank, skip)?;
    let rows: Vec<Vec<(Vec<f64>, bool, String)>> = par_map(works.len(), jobs, |k| {
        let w = &works[k];
        let book = Book::new(&w.name, w.text.clone(), &[0.0; training::PERSON_INPUTS]);
        book.name_rows()
            .into_iter()
            .filter_map(|r| person_label(w, &r.forms).map(|l| (r.x, l, r.forms[0].clone())))
            .collect()
    });
    let l2 = 1e-4;
    let folds = 10;
    let (mut right, mut total, mut tp, mut fp, mut fneg) = (0, 0, 0, 0, 0);
    for f in 0..folds {
        let train: Vec<(&[f64], bool)> = rows
            .iter()
            .enumerate()
            .filter(|(k, _)| k % folds != f)
            .flat_map(|(_, r)| r.iter().map(|x| (x.0.as_slice(), x.1)))
            .collect();
        let w = training::fit_person(&train, l2);
        for (_, r) in rows.iter().enumerate().filter(|(k, _)| k % folds == f) {
            for (x, label, _) in r {
                let guess = training::person_probability(&w, x) >= 0.5;
                total += 1;
                right += usize::from(guess == *label);
                tp += usize::from(guess && *label);
                fp += usize::from(guess && !*label);
                fneg += usize::from(!guess && *label);
            }
        }
    }
    let persons = rows.iter().flatten().filter(|r| r.1).count();
    eprintln!(
        "person classifier, LitBank ({} works, {total} names, {persons} people), {folds}-fold cross-validated: \
         accuracy {:.3}, precision {:.3}, recall {:.3} (all \"person\": {:.3})",
        works.len(),
        right as f64 / total.max(1) as f64,
        tp as f64 / (tp + fp).max(1) as f64,
        tp as f64 / (tp + fneg).max(1) as f64,
        persons as f64 / total.max(1) as f64
    );
    let all: Vec<(&[f64], bool)> = rows.iter().flatten().map(|x| (x.0.as_slice(), x.1)).collect();
    let w = training::fit_person(&all, l2);
    if std::env::var_os("NAMES").is_some() {
        for (x, l, n) in rows.iter().flatten() {
            let p = training::person_probability(&w, x);
            if (p >= 0.5) != *l {
                eprintln!("{l} {p:.2} {n} {:?}", x.iter().map(|v| (v * 100.0).round() / 100.0).collect::<Vec<_>>());
            }
        }
        let names = training::person_feature_names();
        for (n, v) in names.iter().zip(&w) {
            eprintln!("{v:8.3} {n}");
        }
    }
    Ok(w)
}

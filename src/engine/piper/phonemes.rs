//! Text to the ids a Piper model reads: espeak-ng's IPA, split into sentences and framed the way
//! Piper's own program frames them.
//!
//! Piper's program asks its espeak-ng for each clause's phonemes and the punctuation that ended
//! the clause. The espeak-ng library installed here (1.51) gives the phonemes but not the
//! punctuation, so it is read back from the text espeak-ng consumed for the clause (which ends
//! with one character of look-ahead). A clause's phonemes are followed by its punctuation (`.`,
//! `?`, `!`; `,`, `:` and `;` then a space), and a clause ended by `.`, `?`, `!` or the end of the
//! text ends a sentence; each sentence is one run of the model:
//!
//! ```
//! use audiobook::engine::piper::phonemes::{frame, terminator};
//! use std::collections::HashMap;
//! assert_eq!(terminator("Hello, w", false), (",", false));
//! assert_eq!(terminator("orld. H", false), (".", true));
//! assert_eq!(terminator("no!\"", true), ("!", true));
//! let map: HashMap<String, Vec<i64>> =
//!     [("_", 0), ("^", 1), ("$", 2), ("a", 14)].map(|(p, id)| (p.to_string(), vec![id])).into();
//! let framed = frame(&["a".to_string(), "ʘ".to_string(), "a".to_string()], &map);
//! assert_eq!(framed.ids, [1, 0, 14, 0, 14, 0, 2]);
//! assert_eq!(framed.missing, ["ʘ"]);
//! ```

use super::config::{BOS, EOS, PAD};
use crate::engine::espeak::library::PhonemeClause;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// Characters that may close a quotation or a bracket after a clause's punctuation.
const CLOSERS: &[char] = &['"', '\'', ')', ']', '}', '\u{201d}', '\u{2019}', '\u{00bb}'];

/// The punctuation that ended a clause, as Piper's program writes it after the clause's phonemes,
/// and whether the clause ends a sentence, from the text espeak-ng read for it (`read`: the clause,
/// its punctuation and one character of the next clause, unless it is the `last`).
pub fn terminator(read: &str, last: bool) -> (&'static str, bool) {
    let mut clause = read;
    if !last {
        // The next clause's first character, read ahead.
        clause = clause.char_indices().next_back().map_or("", |(at, _)| &clause[..at]);
    }
    let clause = clause.trim_end().trim_end_matches(CLOSERS).trim_end();
    if clause.ends_with("...") || clause.ends_with('\u{2026}') {
        // espeak-ng marks an ellipsis as a pause of its own kind, which Piper writes as nothing.
        return ("", false);
    }
    match clause.chars().next_back() {
        Some('.') => (".", true),
        Some('?') => ("?", true),
        Some('!') => ("!", true),
        Some(',') => (",", false),
        Some(':') => (":", false),
        Some(';') => (";", false),
        _ => ("", last),
    }
}

/// espeak-ng marks words it reads in another language with "(fr)" ... "(en)": not phonemes.
fn without_language_flags(phonemes: &str) -> String {
    let mut out = String::with_capacity(phonemes.len());
    let mut rest = phonemes;
    while let Some(open) = rest.find('(') {
        match rest[open + 1..].find(')') {
            Some(close) if close > 0 => {
                out.push_str(&rest[..open]);
                rest = &rest[open + 1 + close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The sentences of a text, each a list of phonemes, from espeak-ng's clauses of it.
pub fn sentences(text: &str, clauses: &[PhonemeClause], clusters: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut sentences = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for clause in clauses {
        let read = text.get(clause.read.clone()).unwrap_or("");
        let (punctuation, ends_sentence) = terminator(read, clause.last);
        let mut phonemes = without_language_flags(&clause.phonemes);
        phonemes.push_str(punctuation);
        if matches!(punctuation, "," | ":" | ";") {
            phonemes.push(' ');
        }
        current.extend(phonemes.nfd().map(String::from));
        if ends_sentence {
            sentences.push(merge_clusters(std::mem::take(&mut current), clusters));
        }
    }
    if !current.is_empty() {
        sentences.push(merge_clusters(current, clusters));
    }
    sentences.retain(|s: &Vec<String>| !s.is_empty());
    sentences
}

/// A voice whose phonemes are the text's characters reads it as one sentence.
pub fn characters(text: &str) -> Vec<Vec<String>> {
    let phonemes: Vec<String> = text.nfd().map(String::from).collect();
    if phonemes.is_empty() { Vec::new() } else { vec![phonemes] }
}

/// Joins runs of phonemes the voice takes as one ("a" "ɪ" as "aɪ"); `clusters` longest first.
fn merge_clusters(phonemes: Vec<String>, clusters: &[Vec<String>]) -> Vec<String> {
    if clusters.is_empty() {
        return phonemes;
    }
    let mut out = Vec::with_capacity(phonemes.len());
    let mut i = 0;
    while i < phonemes.len() {
        match clusters.iter().find(|c| phonemes[i..].starts_with(c)) {
            Some(cluster) => {
                out.push(cluster.concat());
                i += cluster.len();
            }
            None => {
                out.push(phonemes[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// A sentence cut into pieces of at most `max` phonemes, as few as fit and of about even length,
/// where it pauses: after the comma, colon or semicolon nearest an even cut, else between the
/// words nearest it, else anywhere. A run of the model needs memory in proportion to its length,
/// and sentences of a hundred words exist; even pieces spare a listener a two-word tail spoken
/// on its own.
pub fn split_long(sentence: Vec<String>, max: usize) -> Vec<Vec<String>> {
    let max = max.max(1);
    let mut pieces = Vec::new();
    let mut rest = sentence;
    while rest.len() > max {
        let len = rest.len();
        let count = len.div_ceil(max);
        let even = len.div_ceil(count);
        let is = |i: usize, what: &[&str]| what.contains(&rest[i].as_str());
        let clause = |i: usize| i > 0 && is(i, &[" "]) && is(i - 1, &[",", ":", ";"]);
        let word = |i: usize| is(i, &[" "]);
        // A cut after index `i` keeps `rest[..=i]`. Within `fits`, the rest still takes no more
        // than `count - 1` pieces; a pause is taken there if neither side is under half an even
        // piece.
        let fits = (len - (count - 1) * max).max(1) - 1..=max - 1;
        let balanced = (even / 2).max(1) - 1..=len - even / 2 - 1;
        let nearest = |ok: &dyn Fn(usize) -> bool, range: std::ops::RangeInclusive<usize>| {
            range.filter(|&i| ok(i)).min_by_key(|&i| i.abs_diff(even - 1))
        };
        let within = *fits.start().max(balanced.start())..=*fits.end().min(balanced.end());
        let cut = nearest(&clause, within.clone())
            .or_else(|| nearest(&word, within))
            // No pause keeps the count: the latest word that fits, one piece more.
            .or_else(|| (max / 2..max).rev().find(|&i| word(i)))
            .unwrap_or(even - 1);
        let tail = rest.split_off(cut + 1);
        pieces.push(std::mem::replace(&mut rest, tail));
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
}

/// A sentence as the model's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framed {
    /// `^`, `_`, then each phoneme followed by `_`, then `$`.
    pub ids: Vec<i64>,
    /// Phonemes the voice has no id for, left out.
    pub missing: Vec<String>,
}

/// A sentence's phonemes as ids, framed as Piper frames them.
pub fn frame(phonemes: &[String], map: &HashMap<String, Vec<i64>>) -> Framed {
    let symbol = |s: &str| map.get(s).map_or(&[][..], Vec::as_slice);
    let mut ids = Vec::with_capacity(2 * phonemes.len() + 3);
    ids.extend_from_slice(symbol(BOS));
    ids.extend_from_slice(symbol(PAD));
    let mut missing = Vec::new();
    for phoneme in phonemes {
        match map.get(phoneme) {
            Some(id) => {
                ids.extend_from_slice(id);
                ids.extend_from_slice(symbol(PAD));
            }
            None => missing.push(phoneme.clone()),
        }
    }
    ids.extend_from_slice(symbol(EOS));
    Framed { ids, missing }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(phonemes: &str, read: std::ops::Range<usize>, last: bool) -> PhonemeClause {
        PhonemeClause { phonemes: phonemes.to_string(), read, last }
    }

    #[test]
    fn terminators_follow_the_punctuation_espeak_stopped_at() {
        let cases = [
            ("Hello, w", false, (",", false)),
            ("orld. H", false, (".", true)),
            ("ow are you?", true, ("?", true)),
            (" Then; n", false, (";", false)),
            ("She said: \"", false, (":", false)),
            ("Wait... n", false, ("", false)),
            ("Wait\u{2026} n", false, ("", false)),
            ("othing", true, ("", true)),
            ("o!\u{201d}", true, ("!", true)),
            ("Mr. S", false, (".", true)),
            ("", true, ("", true)),
            // A clause espeak-ng ended for another reason (a long run of words) ends no sentence.
            ("and so on and so f", false, ("", false)),
        ];
        for (read, last, expected) in cases {
            assert_eq!(terminator(read, last), expected, "{read:?}");
        }
    }

    #[test]
    fn clauses_become_sentences_with_their_punctuation() {
        let text = "Hello, world. How are you?";
        let clauses = [
            clause("həlˈoʊ", 0..8, false),
            clause("wˈɜːld", 8..15, false),
            clause("hˈaʊ ɑːɹ juː", 15..text.len(), true),
        ];
        let sentences = sentences(text, &clauses, &[]);
        let joined: Vec<String> = sentences.iter().map(|s| s.concat()).collect();
        assert_eq!(joined, ["həlˈoʊ, wˈɜːld.", "hˈaʊ ɑːɹ juː?"]);
        // One character per phoneme, accents apart.
        assert_eq!(sentences[0][..3], ["h", "ə", "l"]);
    }

    #[test]
    fn text_without_a_final_stop_is_still_a_sentence() {
        let text = "so it goes";
        let sentences = sentences(text, &[clause("sˈoʊ ɪt ɡˈoʊz", 0..text.len(), true)], &[]);
        assert_eq!(sentences.len(), 1);
        assert_eq!(sentences[0].concat(), "sˈoʊ ɪt ɡˈoʊz");
    }

    #[test]
    fn language_flags_are_dropped_and_accents_decomposed() {
        assert_eq!(without_language_flags("(fr)ʒə(en) sˈɛd"), "ʒə sˈɛd");
        assert_eq!(without_language_flags("a (b"), "a (b");
        assert_eq!(without_language_flags("a () b"), "a () b");
        let text = "ça";
        let sentences = sentences(text, &[clause("ça", 0..text.len(), true)], &[]);
        assert_eq!(sentences[0], ["c", "\u{327}", "a"]);
    }

    #[test]
    fn vowel_clusters_are_merged() {
        let clusters = vec![vec!["a".to_string(), "ɪ".to_string()]];
        let text = "I";
        let sentences = sentences(text, &[clause("ˈaɪ", 0..1, true)], &clusters);
        assert_eq!(sentences[0], ["ˈ", "aɪ"]);
    }

    #[test]
    fn framing_pads_every_phoneme_and_skips_unknown_ones() {
        let map: HashMap<String, Vec<i64>> =
            [("_", 0), ("^", 1), ("$", 2), ("h", 20), ("i", 21)].map(|(p, id)| (p.to_string(), vec![id])).into();
        let phonemes: Vec<String> = ["h", "ʘ", "i"].map(String::from).to_vec();
        let framed = frame(&phonemes, &map);
        assert_eq!(framed.ids, [1, 0, 20, 0, 21, 0, 2]);
        assert_eq!(framed.missing, ["ʘ"]);
        assert_eq!(frame(&[], &map).ids, [1, 0, 2]);
    }

    #[test]
    fn long_sentences_are_cut_where_they_pause() {
        let phonemes = |s: &str| s.chars().map(String::from).collect::<Vec<_>>();
        let joined = |pieces: &[Vec<String>]| pieces.iter().map(|p| p.concat()).collect::<Vec<_>>();
        let sentence = phonemes("aaaa, bbb cc, dddd eeee.");
        assert_eq!(joined(&split_long(sentence.clone(), 100)), ["aaaa, bbb cc, dddd eeee."]);
        // After the comma nearest the limit, then between words.
        assert_eq!(joined(&split_long(sentence.clone(), 16)), ["aaaa, bbb cc, ", "dddd eeee."]);
        assert_eq!(joined(&split_long(sentence.clone(), 10)), ["aaaa, ", "bbb cc, ", "dddd eeee."]);
        assert_eq!(joined(&split_long(sentence.clone(), 9)), ["aaaa, ", "bbb cc, ", "dddd ", "eeee."]);
        // No pause at all: even cuts.
        assert_eq!(joined(&split_long(phonemes("abcdefg"), 3)), ["abc", "de", "fg"]);
        // Even pieces, not a full one and a short tail.
        let words = phonemes("aaaa bbbb cccc dddd eeee ffff gggg.");
        assert_eq!(joined(&split_long(words, 30)), ["aaaa bbbb cccc dddd ", "eeee ffff gggg."]);
        // A pause too near either end is passed over for one nearer the middle.
        let early = phonemes("ah, aaaa bbbb cccc dddd eeee ffff.");
        assert_eq!(joined(&split_long(early, 30)), ["ah, aaaa bbbb cccc ", "dddd eeee ffff."]);
        let pieces = split_long(sentence.clone(), 7);
        assert!(pieces.iter().all(|p| p.len() <= 7), "{pieces:?}");
        assert_eq!(pieces.concat(), sentence);
    }

    #[test]
    fn characters_voices_read_the_whole_text() {
        assert_eq!(characters("ab"), [["a", "b"]]);
        assert!(characters("").is_empty());
    }
}

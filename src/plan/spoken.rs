//! What each line says out loud and how long to pause around it. The source span stays
//! untouched; only the spoken text is cleaned.
//!
//! ```
//! assert_eq!(audiobook::plan::spoken_text("I can\u{ED}t\nbelieve _it_--really."), "I can't believe it, really.");
//! ```

use crate::script::{Kind, Line};
use serde::{Deserialize, Serialize};

/// Pauses between lines, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pauses {
    /// Between two lines of one paragraph (a quotation and its tag).
    #[serde(deserialize_with = "milliseconds")]
    pub line_ms: u32,
    /// Between paragraphs.
    #[serde(deserialize_with = "milliseconds")]
    pub paragraph_ms: u32,
    /// At a scene break.
    #[serde(deserialize_with = "milliseconds")]
    pub scene_ms: u32,
    /// After a chapter heading.
    #[serde(deserialize_with = "milliseconds")]
    pub heading_ms: u32,
    /// At the start and end of each chapter file.
    #[serde(deserialize_with = "milliseconds")]
    pub chapter_edge_ms: u32,
}

/// The longest pause a voices file may ask for: a minute.
pub const MAX_PAUSE_MS: u32 = 60_000;

/// A pause: a whole number of milliseconds up to a minute.
fn milliseconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = i64::deserialize(d)?;
    u32::try_from(n)
        .ok()
        .filter(|&ms| ms <= MAX_PAUSE_MS)
        .ok_or_else(|| serde::de::Error::custom(format!("a pause must be 0 to {MAX_PAUSE_MS} milliseconds, not {n}")))
}

impl Default for Pauses {
    fn default() -> Pauses {
        Pauses { line_ms: 250, paragraph_ms: 550, scene_ms: 1400, heading_ms: 1000, chapter_edge_ms: 400 }
    }
}

impl Pauses {
    /// The silence before `line`, given the line before it in the same chapter.
    pub fn before(&self, prev: Option<&Line>, line: &Line) -> u32 {
        match prev {
            None => self.chapter_edge_ms,
            Some(p) if p.kind == Kind::Heading && line.kind != Kind::Heading => self.heading_ms,
            Some(p) if p.scene != line.scene => self.scene_ms,
            Some(p) if p.paragraph != line.paragraph => self.paragraph_ms,
            Some(_) => self.line_ms,
        }
    }
}

/// Replacement spellings applied to spoken text, whole words only ("Hermione" -> "Her-my-oh-nee").
pub type Pronunciations = std::collections::BTreeMap<String, String>;

/// The text an engine should say for a source span: wrapped lines joined, emphasis markers and
/// stray markup removed, mojibake repaired, dashes and ellipses turned into pauses, and numbers,
/// dates, money and abbreviations written out as words (see [`crate::normalize`]), so that every
/// engine says the same words.
pub fn spoken_text(source: &str) -> String {
    let repaired = repair_mojibake(source);
    let mut out = String::with_capacity(repaired.len());
    let mut in_tag = false;
    let chars: Vec<char> = repaired.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        match c {
            '<' if next.is_some_and(|n| n.is_ascii_alphabetic() || n == '/') => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            // _emphasis_ and *emphasis*: markers sit against a word on one side only.
            '_' | '*' if prev.is_none_or(|p| !p.is_alphanumeric()) || next.is_none_or(|n| !n.is_alphanumeric()) => {}
            '\u{ED}' if is_contraction_apostrophe(&chars, i) => out.push('\''),
            // Engines read plain ASCII marks most reliably.
            '\u{2019}' | '\u{2018}' | '`' => out.push('\''),
            '\u{201C}' | '\u{201D}' => out.push('"'),
            '\u{2014}' | '\u{2015}' => out.push_str(", "),
            '-' if next == Some('-') => {}
            '-' if prev == Some('-') => out.push_str(", "),
            '\u{2026}' => out.push_str("..."),
            c if c.is_whitespace() => out.push(' '),
            c => out.push(c),
        }
    }
    crate::normalize::normalize(&tidy(&out))
}

/// Collapses spaces and the commas that dash replacement leaves next to other punctuation.
fn tidy(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    let mut out = words.join(" ");
    for (from, to) in [
        (" ,", ","),
        (",,", ","),
        (", .", "."),
        (",.", "."),
        (", !", "!"),
        (", ?", "?"),
        (",!", "!"),
        (",?", "?"),
        ("\" ,", "\","),
    ] {
        while out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out.trim_matches(|c: char| c == ',' || c.is_whitespace()).to_string()
}

/// `í` typed for an apostrophe by a Windows-1252/Mac Roman mix-up: `canít`, `Iím`, `youíll`,
/// `itís`; never in a name such as `Anaís`.
fn is_contraction_apostrophe(chars: &[char], i: usize) -> bool {
    let word: String =
        chars[..i].iter().rev().take_while(|c| c.is_alphabetic()).collect::<Vec<_>>().into_iter().rev().collect();
    let rest: String = chars[i + 1..].iter().take_while(|c| c.is_alphabetic()).collect();
    let word = word.to_lowercase();
    match rest.to_lowercase().as_str() {
        "t" => word.ends_with('n') || word == "ain",
        "m" => word == "i",
        "ll" | "re" | "ve" | "d" => word.chars().all(|c| c.is_ascii_alphabetic()) && !word.is_empty(),
        "s" => matches!(
            word.as_str(),
            "it" | "he"
                | "she"
                | "that"
                | "what"
                | "there"
                | "here"
                | "who"
                | "where"
                | "how"
                | "let"
                | "everyone"
                | "nobody"
                | "someone"
                | "everything"
                | "nothing"
                | "something"
        ),
        _ => false,
    }
}

/// UTF-8 read as Windows-1252 (`â€™`, `Ã©`): re-encodes such runs and decodes them as UTF-8.
fn repair_mojibake(s: &str) -> String {
    if !s.contains(['\u{E2}', '\u{C3}', '\u{C2}']) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(run);
        match std::str::from_utf8(&bytes) {
            Ok(fixed) if !unmappable => out.push_str(fixed),
            _ => out.push_str(run),
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii() {
            flush(&mut run, &mut out);
            out.push(c);
        } else {
            run.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Applies whole-word replacement spellings.
pub fn pronounce(spoken: &str, pronunciations: &Pronunciations) -> String {
    if pronunciations.is_empty() {
        return spoken.to_string();
    }
    let mut out = String::with_capacity(spoken.len());
    let mut word = String::new();
    let emit = |word: &mut String, out: &mut String| {
        match pronunciations.get(word.as_str()) {
            Some(r) => out.push_str(r),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in spoken.chars() {
        if c.is_alphanumeric() || c == '\'' {
            word.push(c);
        } else {
            emit(&mut word, &mut out);
            out.push(c);
        }
    }
    emit(&mut word, &mut out);
    out
}

/// The longest piece of text synthesized at once: a paragraph-long line is spoken in
/// sentence-sized pieces, so no line's audio is ever held whole in memory.
pub const MAX_CHUNK_CHARS: usize = 400;

/// Splits spoken text into pieces of at most `max` characters, at sentence ends where possible,
/// else at commas, else at spaces. Joined with spaces, the pieces give the text back.
pub fn chunks(spoken: &str, max: usize) -> Vec<String> {
    pack(split_keeping(spoken, &['.', '!', '?', ';']).iter().flat_map(|s| fit(s, max)), max)
}

/// Joins pieces with spaces into as few strings of at most `max` characters as they allow.
fn pack(pieces: impl IntoIterator<Item = String>, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for piece in pieces {
        if !current.is_empty() && current.chars().count() + 1 + piece.chars().count() > max {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&piece);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Pieces of `text` ending after one of `ends` followed by a space, trimmed.
fn split_keeping(text: &str, ends: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if ends.contains(&c) && chars.peek().is_some_and(|&(_, n)| n == ' ') {
            out.push(text[start..=i].trim().to_string());
            start = i + c.len_utf8();
        }
    }
    out.push(text[start..].trim().to_string());
    out.retain(|p| !p.is_empty());
    out
}

/// A sentence cut to pieces no longer than `max`: at commas, else between words.
fn fit(sentence: &str, max: usize) -> Vec<String> {
    if sentence.chars().count() <= max {
        return vec![sentence.to_string()];
    }
    let clauses = split_keeping(sentence, &[',', ':', '\u{2014}']);
    let words = clauses
        .into_iter()
        .flat_map(|c| if c.chars().count() <= max { vec![c] } else { c.split(' ').map(str::to_string).collect() });
    pack(words, max)
}

/// Whether a spoken text has anything an engine can say.
pub fn is_speakable(spoken: &str) -> bool {
    spoken.chars().any(char::is_alphanumeric)
}

/// What an engine says for a source span: the cleaned text with the pronunciations applied.
pub fn spoken(source: &str, pronunciations: &Pronunciations) -> String {
    pronounce(&spoken_text(source), pronunciations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoken_text_cases() {
        let cases = [
            ("It was\n  late.", "It was late."),
            ("She was _very_ *sure*.", "She was very sure."),
            ("I can\u{ED}t. I\u{ED}m sure you\u{ED}ll see.", "I can't. I'm sure you'll see."),
            ("Caf\u{C3}\u{A9} \u{E2}\u{20AC}\u{2122}tis", "Caf\u{E9} 'tis"),
            ("Wait\u{2014}no.", "Wait, no."),
            ("Wait--", "Wait"),
            ("Well\u{2026} maybe.", "Well... maybe."),
            ("<i>Run</i>, she thought.", "Run, she thought."),
            ("Don\u{2019}t", "Don't"),
            ("Ana\u{ED}s smiled.", "Ana\u{ED}s smiled."),
            ("2 * 3 = 6", "two three = six"),
            ("Dr. Watson, 1888", "Doctor Watson, eighteen eighty-eight"),
        ];
        for (src, want) in cases {
            assert_eq!(spoken_text(src), want, "{src:?}");
        }
    }

    #[test]
    fn pronunciations_replace_whole_words() {
        let p: Pronunciations = [("Hermione".to_string(), "Her my oh nee".to_string())].into();
        assert_eq!(pronounce("Hermione's friend, Hermione.", &p), "Hermione's friend, Her my oh nee.");
    }

    #[test]
    fn long_text_is_cut_at_sentences_and_joins_back() {
        let text = "One two three. Four five six! Seven, eight, nine ten eleven twelve? Thirteen.";
        let pieces = chunks(text, 20);
        assert!(pieces.iter().all(|p| p.chars().count() <= 20), "{pieces:?}");
        assert_eq!(pieces.join(" "), text);
        assert_eq!(pieces[0], "One two three.");
        assert_eq!(chunks("Short.", 400), ["Short."]);
        let long = "word ".repeat(300);
        let pieces = chunks(long.trim(), 400);
        assert!(pieces.len() >= 4 && pieces.iter().all(|p| p.chars().count() <= 400));
        assert_eq!(pieces.join(" "), long.trim());
    }

    #[test]
    fn unspeakable_lines() {
        assert!(!is_speakable("..."));
        assert!(is_speakable("Oh."));
    }
}

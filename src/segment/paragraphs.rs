//! Physical lines and paragraphs, in both conventions: one paragraph per line (most fan fiction)
//! and hard-wrapped lines with blank lines between paragraphs (Project Gutenberg).

use crate::script::Span;

/// How a file marks its paragraphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// Every non-blank line is a paragraph.
    LinePerParagraph,
    /// Paragraphs are blocks of lines separated by blank lines.
    Wrapped,
}

/// A paragraph: the span from its first to its last non-blank character, and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Para {
    pub span: Span,
    /// The trimmed spans of its physical lines.
    pub lines: Vec<Span>,
    /// Whether a blank line (or the start of the file) comes before it.
    pub blank_before: bool,
}

/// The physical lines of `text`, without their terminators (`\n`, `\r\n` or `\r`).
pub fn lines(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 40 + 1);
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push(Span::new(start, i));
                start = i + 1;
            }
            b'\r' => {
                out.push(Span::new(start, i));
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() {
        out.push(Span::new(start, bytes.len()));
    }
    out
}

/// `span` without leading and trailing white space (Unicode-aware).
pub fn trim(text: &str, span: Span) -> Span {
    let s = &text[span.range()];
    let start = span.start + (s.len() - s.trim_start().len());
    let end = span.start + s.trim_end().len();
    if start >= end { Span::new(span.start, span.start) } else { Span::new(start, end) }
}

/// Guesses the paragraph convention from line lengths and how lines end.
pub fn detect_layout(text: &str, lines: &[Span]) -> Layout {
    let trimmed: Vec<Span> = lines.iter().map(|&l| trim(text, l)).collect();
    let nonblank = trimmed.iter().filter(|l| !l.is_empty()).count();
    if nonblank == 0 {
        return Layout::LinePerParagraph;
    }
    let mut blocks = 0;
    let mut long = 0;
    let mut inner = 0; // lines followed by another non-blank line
    let mut inner_ends_sentence = 0;
    for (i, l) in trimmed.iter().enumerate() {
        if l.is_empty() {
            continue;
        }
        if i == 0 || trimmed[i - 1].is_empty() {
            blocks += 1;
        }
        if text[l.range()].chars().count() > 100 {
            long += 1;
        }
        if trimmed.get(i + 1).is_some_and(|n| !n.is_empty()) {
            inner += 1;
            if ends_sentence(&text[l.range()]) {
                inner_ends_sentence += 1;
            }
        }
    }
    let lines_per_block = nonblank as f64 / blocks as f64;
    let long_share = long as f64 / nonblank as f64;
    let sentence_share = if inner == 0 { 1.0 } else { inner_ends_sentence as f64 / inner as f64 };
    if lines_per_block >= 1.5 && long_share < 0.1 && sentence_share < 0.6 {
        Layout::Wrapped
    } else {
        Layout::LinePerParagraph
    }
}

fn ends_sentence(line: &str) -> bool {
    matches!(
        line.chars().next_back(),
        Some('.' | '!' | '?' | '"' | '\u{201D}' | '\u{2019}' | '\'' | ':' | '\u{2026}' | ')')
    )
}

/// Groups physical lines into paragraphs.
pub fn paragraphs(text: &str, lines: &[Span], layout: Layout) -> Vec<Para> {
    let mut out: Vec<Para> = Vec::new();
    let mut current: Vec<Span> = Vec::new();
    let mut blank_before = true;
    let mut pending_blank = true;
    let flush = |current: &mut Vec<Span>, out: &mut Vec<Para>, blank_before: bool| {
        if let (Some(first), Some(last)) = (current.first(), current.last()) {
            let span = Span::new(first.start, last.end);
            out.push(Para { span, lines: std::mem::take(current), blank_before });
        }
    };
    for &line in lines {
        let t = trim(text, line);
        if t.is_empty() {
            flush(&mut current, &mut out, blank_before);
            pending_blank = true;
            continue;
        }
        if layout == Layout::LinePerParagraph {
            flush(&mut current, &mut out, blank_before);
        }
        if current.is_empty() {
            blank_before = pending_blank;
            pending_blank = false;
        }
        current.push(t);
    }
    flush(&mut current, &mut out, blank_before);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, paras: &[Para]) -> Vec<String> {
        paras.iter().map(|p| text[p.span.range()].to_string()).collect()
    }

    #[test]
    fn line_endings_of_every_kind() {
        let t = "a\r\nb\rc\nd";
        let l: Vec<&str> = lines(t).iter().map(|s| &t[s.range()]).collect();
        assert_eq!(l, ["a", "b", "c", "d"]);
    }

    #[test]
    fn wrapped_prose_is_detected() {
        let t = "It was a dark and stormy night and the rain fell\nin torrents, except at occasional intervals,\nwhen it was checked.\n\nThe wind swept up the streets and rattled\nalong the house-tops, fiercely agitating the\nscanty flame of the lamps.\n";
        let l = lines(t);
        assert_eq!(detect_layout(t, &l), Layout::Wrapped);
        let p = paragraphs(t, &l, Layout::Wrapped);
        assert_eq!(p.len(), 2);
        assert!(texts(t, &p)[1].starts_with("The wind"));
    }

    #[test]
    fn one_paragraph_per_line_without_blank_lines() {
        let t = "\u{201C}Hi,\u{201D} she said.\nHe waved back at her.\n\u{201C}Coming?\u{201D}\nShe nodded.\n";
        let l = lines(t);
        assert_eq!(detect_layout(t, &l), Layout::LinePerParagraph);
        assert_eq!(paragraphs(t, &l, Layout::LinePerParagraph).len(), 4);
    }
}

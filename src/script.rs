//! The segmenter's result: a story as chapters, scenes and lines, each line a byte span of the
//! decoded text.

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// A half-open UTF-8 byte range into a story's decoded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end, "span {start}..{end} is reversed");
        Span { start, end }
    }
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }
    pub fn len(self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A person's or a voice's gender, where the text or the engine says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Female,
    Male,
    #[default]
    Unknown,
}

/// What a line of the script is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The narrator's words.
    Narration,
    /// Words inside quotation marks (the span excludes the marks).
    Dialogue,
    /// A chapter heading.
    Heading,
    /// Front or back matter of fan fiction: author's notes, disclaimers, title lines.
    Note,
}

impl Kind {
    /// The kind as the manifest and the script write it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Narration => "narration",
            Kind::Dialogue => "dialogue",
            Kind::Heading => "heading",
            Kind::Note => "note",
        }
    }
}

/// One line of the script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// 1-based chapter number.
    pub chapter: usize,
    /// 1-based scene number within the chapter.
    pub scene: usize,
    /// 1-based paragraph number in the story.
    pub paragraph: usize,
    pub kind: Kind,
    pub span: Span,
    /// Who speaks a dialogue line, when known.
    pub speaker: Option<String>,
    /// How sure the speaker guess is, 0 to 1 (1 for lines that have no speaker to guess).
    pub confidence: f32,
    /// The rule that chose the speaker, for review.
    pub evidence: Option<String>,
}

/// A chapter: its title (from the heading, or a default) and the range of its lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chapter {
    /// 1-based.
    pub index: usize,
    pub title: String,
    /// The heading's span, when the chapter has one.
    pub heading: Option<Span>,
    /// Indexes into [`Script::lines`].
    pub lines: Range<usize>,
    /// The source document the chapter begins in (its heading's, else its first line's): the
    /// story file, or for an EPUB the document inside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Every source document the chapter's lines come from, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// A segmented story.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Script {
    pub lines: Vec<Line>,
    pub chapters: Vec<Chapter>,
    /// The spans of scene-break markers (`* * *`), which are not spoken.
    pub scene_breaks: Vec<Span>,
}

/// Characters the segmenter may leave outside every line: the marks around dialogue.
fn is_quote_mark(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
            | '\u{201F}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{AB}'
            | '\u{BB}'
            | '\u{2014}'
            | '\u{2013}'
            | '\u{2015}'
            | '-'
    )
}

impl Script {
    /// Checks the offset invariants: every line is a non-empty span on character boundaries of
    /// `text`, lines are in order and do not overlap, and every non-blank character is inside a
    /// line, a scene-break marker, or is a quotation mark.
    pub fn check_spans(&self, text: &str) -> Result<(), String> {
        let mut covered_to = 0;
        let mut breaks = self.scene_breaks.iter().peekable();
        let mut check_gap = |from: usize, to: usize| -> Result<(), String> {
            for (i, c) in text[from..to].char_indices() {
                let at = from + i;
                while breaks.next_if(|b| b.end <= at).is_some() {}
                let in_break = breaks.peek().is_some_and(|b| b.start <= at && at < b.end);
                if !c.is_whitespace() && !is_quote_mark(c) && !in_break {
                    return Err(format!("character {c:?} at byte {at} is in no line"));
                }
            }
            Ok(())
        };
        for (n, line) in self.lines.iter().enumerate() {
            let s = line.span;
            if s.is_empty() || s.end > text.len() {
                return Err(format!("line {n} has span {}..{} (text is {} bytes)", s.start, s.end, text.len()));
            }
            if !text.is_char_boundary(s.start) || !text.is_char_boundary(s.end) {
                return Err(format!("line {n} span {}..{} splits a character", s.start, s.end));
            }
            if s.start < covered_to {
                return Err(format!("line {n} starts at {} before the previous line ends at {covered_to}", s.start));
            }
            check_gap(covered_to, s.start)?;
            covered_to = s.end;
        }
        check_gap(covered_to, text.len())
    }
}

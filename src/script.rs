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
}

/// A segmented story.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Script {
    pub lines: Vec<Line>,
    pub chapters: Vec<Chapter>,
}

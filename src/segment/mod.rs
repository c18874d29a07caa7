//! The segmenter: a story's chapters, scenes and paragraphs, and within each paragraph its
//! narration and dialogue lines, every one a byte span of the decoded text.
//!
//! In: a loaded [`Text`](crate::load::Text). Out: a [`Script`](crate::script::Script) whose
//! dialogue lines have no speaker yet (that is the attribute stage's work).
//!
//! ```
//! use audiobook::{load::decode, segment::segment, script::Kind};
//! let text = decode("Chapter 1\n\n\u{201C}Run,\u{201D} she said.\n".as_bytes()).unwrap();
//! let script = segment(&text);
//! let kinds: Vec<Kind> = script.lines.iter().map(|l| l.kind).collect();
//! assert_eq!(kinds, [Kind::Heading, Kind::Dialogue, Kind::Narration]);
//! assert_eq!(&text.text[script.lines[2].span.range()], "she said.");
//! ```

pub mod paragraphs;
pub mod quotes;
pub mod structure;

use crate::load::Text;
use crate::script::{Chapter, Kind, Line, Script, Span};
use paragraphs::{Layout, Para};
use quotes::{Quote, Style};
use structure::Role;

/// What the segmenter decided about a story as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Analysis {
    pub layout: Layout,
    pub style: Style,
}

/// Splits a story into its script.
pub fn segment(text: &Text) -> Script {
    segment_str(&text.text).0
}

/// Splits decoded text into its script, and says which layout and quoting style it found.
pub fn segment_str(text: &str) -> (Script, Analysis) {
    let lines = paragraphs::lines(text);
    let layout = paragraphs::detect_layout(text, &lines);
    let paras = paragraphs::paragraphs(text, &lines, layout);
    let roles = structure::roles(text, &paras);
    let body: Vec<Para> = paras.iter().zip(&roles).filter(|(_, r)| **r == Role::Body).map(|(p, _)| p.clone()).collect();
    let style = quotes::detect_style(text, &body);
    let mut builder = Builder::default();
    for (para, role) in paras.iter().zip(roles) {
        builder.paragraph(text, para, role, style);
    }
    (builder.finish(text), Analysis { layout, style })
}

#[derive(Default)]
struct Builder {
    script: Script,
    chapter: usize,
    scene: usize,
    paragraph: usize,
    /// Whether the current chapter holds any story (not only notes and headings).
    chapter_has_story: bool,
    scene_has_story: bool,
    chapter_start: usize,
    title: Option<String>,
    heading: Option<Span>,
}

impl Builder {
    fn paragraph(&mut self, text: &str, para: &Para, role: Role, style: Style) {
        if self.chapter == 0 {
            self.chapter = 1;
            self.scene = 1;
        }
        match role {
            Role::SceneBreak => {
                self.script.scene_breaks.push(para.span);
                if self.scene_has_story {
                    self.scene += 1;
                    self.scene_has_story = false;
                }
                return;
            }
            Role::Heading => {
                if self.chapter_has_story {
                    self.close_chapter();
                    self.chapter += 1;
                    self.scene = 1;
                }
                self.title = Some(one_line(&text[para.span.range()]));
                self.heading = Some(para.span);
            }
            Role::Subtitle => {
                let sub = one_line(&text[para.span.range()]);
                self.title = Some(match self.title.take() {
                    Some(t) => format!("{t} {sub}"),
                    None => sub,
                });
            }
            Role::Note | Role::Body => {}
        }
        self.paragraph += 1;
        match role {
            Role::Heading | Role::Subtitle => self.push(Kind::Heading, para.span),
            Role::Note => self.push(Kind::Note, para.span),
            _ => self.body(text, para.span, style),
        }
    }

    fn body(&mut self, text: &str, para: Span, style: Style) {
        self.chapter_has_story = true;
        self.scene_has_story = true;
        let mut cursor = para.start;
        for q in quotes::find(text, para, style) {
            if is_embedded_mention(text, para, &q) {
                continue;
            }
            self.push_trimmed(text, Kind::Narration, Span::new(cursor, q.open.start));
            self.push_trimmed(text, Kind::Dialogue, q.inner);
            cursor = q.close.end;
        }
        self.push_trimmed(text, Kind::Narration, Span::new(cursor, para.end));
    }

    fn push_trimmed(&mut self, text: &str, kind: Kind, span: Span) {
        let span = paragraphs::trim(text, span);
        if !span.is_empty() {
            self.push(kind, span);
        }
    }

    fn push(&mut self, kind: Kind, span: Span) {
        self.script.lines.push(Line {
            chapter: self.chapter,
            scene: self.scene,
            paragraph: self.paragraph,
            kind,
            span,
            speaker: None,
            confidence: 1.0,
            evidence: None,
        });
    }

    fn close_chapter(&mut self) {
        let index = self.script.chapters.len() + 1;
        self.script.chapters.push(Chapter {
            index,
            title: self.title.take().unwrap_or_else(|| format!("Chapter {index}")),
            heading: self.heading.take(),
            lines: self.chapter_start..self.script.lines.len(),
        });
        self.chapter_start = self.script.lines.len();
        self.chapter_has_story = false;
        self.scene_has_story = false;
    }

    fn finish(mut self, _text: &str) -> Script {
        if !self.script.lines.is_empty() || self.script.chapters.is_empty() {
            self.close_chapter();
        }
        self.script
    }
}

/// Collapses a heading's lines and spaces into one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Verbs that introduce speech: a short quotation right after them is still speech.
const SAY_VERBS: &[&str] = &[
    "said",
    "say",
    "says",
    "saying",
    "cried",
    "asked",
    "asks",
    "replied",
    "answered",
    "shouted",
    "whispered",
    "called",
    "exclaimed",
    "added",
    "muttered",
    "yelled",
    "screamed",
    "thought",
    "murmured",
    "snapped",
    "growled",
    "hissed",
    "sighed",
    "laughed",
    "repeated",
    "began",
    "continued",
    "went",
    "goes",
    "go",
    "like",
    "and",
    "but",
    "then",
    "ask",
    "tell",
    "told",
];

/// A short quotation embedded mid-sentence that is not speech: a title, a label or a
/// scare-quoted word (`she "ran" the Sewing Circle`, `a bottle marked "poison,"`).
fn is_embedded_mention(text: &str, para: Span, q: &Quote) -> bool {
    let inner = text[q.inner.range()].trim();
    if q.close.is_empty() || inner.split_whitespace().count() > 4 {
        return false;
    }
    let before = text[para.start..q.open.start].trim_end();
    let after = text[q.close.end..para.end].trim_start();
    let prev_word: String =
        before.chars().rev().take_while(|c| c.is_alphabetic()).collect::<Vec<_>>().into_iter().rev().collect();
    let mid_sentence = before.ends_with(|c: char| c.is_alphanumeric());
    let continues = after.is_empty()
        || after.starts_with(|c: char| c.is_lowercase() || matches!(c, ',' | '.' | ';' | ')' | ':' | '?' | '!'));
    // Speech ends in punctuation and is followed by its tag; a mention carries on the sentence.
    let exclaims = inner.ends_with(['!', '?']);
    mid_sentence && continues && !exclaims && !SAY_VERBS.contains(&prev_word.to_lowercase().as_str())
}

#[cfg(test)]
mod tests;

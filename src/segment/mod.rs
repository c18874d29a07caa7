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

use crate::load::{BlockRole, ChapterStart, Text};
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

/// Splits a story into its script. A markup format's paragraphs, headings, notes and chapters
/// (see [`Text::blocks`] and [`Text::chapters`]) are taken as the loader found them; plain text is
/// analysed as a whole.
pub fn segment(text: &Text) -> Script {
    let mut script = if text.blocks.is_empty() { segment_str(&text.text).0 } else { segment_blocks(text) };
    name_sources(&mut script, text);
    script
}

/// Segments a markup format's text along its blocks.
fn segment_blocks(text: &Text) -> Script {
    let t = text.text.as_str();
    let paras: Vec<Para> = text
        .blocks
        .iter()
        .map(|b| {
            let lines = paragraphs::lines(&t[b.span.range()])
                .into_iter()
                .map(|l| paragraphs::trim(t, Span::new(b.span.start + l.start, b.span.start + l.end)))
                .filter(|l| !l.is_empty())
                .collect();
            Para { span: b.span, lines, blank_before: true }
        })
        .collect();
    let forced: Vec<Option<Role>> = text
        .blocks
        .iter()
        .map(|b| match b.role {
            BlockRole::Heading => Some(Role::Heading),
            BlockRole::Note => Some(Role::Note),
            BlockRole::SceneBreak => Some(Role::SceneBreak),
            BlockRole::Paragraph => None,
        })
        .collect();
    let roles = structure::roles_with(t, &paras, &forced);
    let body: Vec<Para> = paras.iter().zip(&roles).filter(|(_, r)| **r == Role::Body).map(|(p, _)| p.clone()).collect();
    let style = quotes::detect_style(t, &body);
    let mut builder = Builder { starts: &text.chapters, hinted: !text.chapters.is_empty(), ..Builder::default() };
    for (para, role) in paras.iter().zip(roles) {
        builder.paragraph(t, para, role, style);
    }
    builder.finish(t)
}

/// Names each chapter's source documents.
fn name_sources(script: &mut Script, text: &Text) {
    for chapter in &mut script.chapters {
        let spans = chapter.heading.iter().copied().chain(script.lines[chapter.lines.clone()].iter().map(|l| l.span));
        let mut names: Vec<String> = Vec::new();
        for span in spans {
            if let Some(name) = text.document_at(span.start)
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_string());
            }
        }
        // The chapter begins where the book says (its table of contents entry), else at its
        // heading, else at its first line.
        // Notes merged into it keep their entries: the entry is the last before its story.
        let lines = &script.lines[chapter.lines.clone()];
        let first_line = lines.first().map(|l| l.span.start);
        let story = lines.iter().find(|l| matches!(l.kind, Kind::Narration | Kind::Dialogue)).map(|l| l.span.start);
        let listed = match (first_line, lines.last()) {
            (Some(a), Some(last)) => {
                let within: Vec<usize> =
                    text.chapters.iter().map(|s| s.at).filter(|&at| a <= at && at < last.span.end).collect();
                within.iter().rev().find(|&&at| story.is_none_or(|s| at <= s)).or(within.first()).copied()
            }
            _ => None,
        };
        chapter.source = listed
            .or(chapter.heading.map(|h| h.start))
            .or(first_line)
            .and_then(|at| text.document_at(at))
            .map(str::to_string);
        chapter.sources = names;
    }
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
struct Builder<'a> {
    /// Where the book's own chapters begin, when the loader found them.
    starts: &'a [ChapterStart],
    /// Chapters come from `starts`; headings inside them are sections.
    hinted: bool,
    next_start: usize,
    /// The chapter's title came from its table of contents entry.
    title_fixed: bool,
    /// The chapter has had its own heading.
    heading_seen: bool,
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

impl Builder<'_> {
    fn paragraph(&mut self, text: &str, para: &Para, role: Role, style: Style) {
        if self.chapter == 0 {
            self.chapter = 1;
            self.scene = 1;
        }
        while let Some(start) = self.starts.get(self.next_start).filter(|s| s.at <= para.span.start) {
            self.next_start += 1;
            self.start_chapter(start.title.clone());
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
            Role::Heading if self.hinted => self.section_heading(text, para),
            Role::Heading => {
                if self.chapter_has_story {
                    self.close_chapter();
                    self.chapter += 1;
                    self.scene = 1;
                }
                self.title = Some(one_line(&text[para.span.range()]));
                self.heading = Some(para.span);
            }
            Role::Subtitle if self.hinted && self.title_fixed => {}
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

    /// A chapter the book's table of contents starts here; the chapter before it ends, unless it
    /// holds no story yet (front matter, notes), in which case they open this chapter.
    fn start_chapter(&mut self, title: Option<String>) {
        if self.chapter_has_story {
            self.close_chapter();
            self.chapter += 1;
            self.scene = 1;
        }
        self.title_fixed = title.is_some();
        self.title = title;
        self.heading = None;
        self.heading_seen = false;
    }

    /// A heading inside a chapter of the book: the chapter's own heading titles it (unless its
    /// table of contents did); a later one starts a new scene.
    fn section_heading(&mut self, text: &str, para: &Para) {
        if !self.chapter_has_story && !self.heading_seen {
            self.heading_seen = true;
            self.heading = Some(para.span);
            if !self.title_fixed {
                self.title = Some(one_line(&text[para.span.range()]));
            }
        } else if self.scene_has_story {
            self.scene += 1;
            self.scene_has_story = false;
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
            source: None,
            sources: Vec::new(),
        });
        self.chapter_start = self.script.lines.len();
        self.chapter_has_story = false;
        self.scene_has_story = false;
    }

    fn finish(mut self, _text: &str) -> Script {
        if !self.script.lines.is_empty() || self.script.chapters.is_empty() {
            self.close_chapter();
        }
        if self.hinted {
            merge_trailing_notes(&mut self.script);
        }
        self.script
    }
}

/// Back matter the table of contents gave chapters of their own (an afterword, "About the
/// Author") that hold no story: they end the last chapter of the story instead.
fn merge_trailing_notes(script: &mut Script) {
    let is_story = |l: &Line| matches!(l.kind, Kind::Narration | Kind::Dialogue);
    while script.chapters.len() >= 2 {
        let last = script.chapters.last().expect("two chapters or more");
        if script.lines[last.lines.clone()].iter().any(is_story) {
            break;
        }
        let last = script.chapters.pop().expect("two chapters or more");
        let prev = script.chapters.last_mut().expect("one chapter left");
        let scene = script.lines[prev.lines.clone()].last().map_or(1, |l| l.scene);
        for line in &mut script.lines[last.lines.clone()] {
            line.chapter = prev.index;
            line.scene = scene;
        }
        prev.lines.end = last.lines.end;
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

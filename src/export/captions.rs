//! WebVTT and SRT captions: one cue per voiced line, one caption file per chapter file.
//!
//! Line times in the manifest are relative to their chapter file, so each chapter gets its own
//! `NN-<slug>.vtt` and `.srt` that a player loads beside `NN-<slug>.wav`.
//!
//! ```text
//! WEBVTT
//!
//! 1
//! 00:00:02.000 --> 00:00:03.500
//! <v Elizabeth>Fish &amp; chips?
//! ```

use super::{Book, Chapter, ExportError, Format, Line, millis, write_text};
use std::path::{Path, PathBuf};

/// Which caption format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// WebVTT (`.vtt`): speakers as voice spans, `<v Elizabeth>`.
    WebVtt,
    /// SubRip (`.srt`): speakers as a `Name: ` prefix, since SRT has no voice tag.
    Srt,
}

impl Style {
    fn extension(self) -> &'static str {
        match self {
            Style::WebVtt => "vtt",
            Style::Srt => "srt",
        }
    }
}

/// Captions in one style, as an export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Captions(pub Style);

impl Format for Captions {
    fn write(&self, book: &Book, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
        let mut written = Vec::new();
        for chapter in &book.manifest.chapters {
            let path = dir.join(format!("{}.{}", chapter.stem(), self.0.extension()));
            written.push(write_text(&path, &captions(chapter, self.0))?);
        }
        Ok(written)
    }
}

/// The caption file of one chapter.
pub fn captions(chapter: &Chapter, style: Style) -> String {
    let mut out = String::new();
    if style == Style::WebVtt {
        out.push_str("WEBVTT\n\n");
    }
    let voiced = chapter.lines.iter().filter(|l| l.is_voiced());
    // Cues are numbered from 1 in both formats (SRT requires it; in WebVTT it is a handy id).
    for (n, line) in voiced.filter(|l| millis(l.end_s) > millis(l.start_s)).enumerate() {
        out.push_str(&cue(n + 1, line, style));
    }
    out
}

fn cue(number: usize, line: &Line, style: Style) -> String {
    let (start, end) = (timestamp(line.start_s, style), timestamp(line.end_s, style));
    format!("{number}\n{start} --> {end}\n{}\n\n", cue_text(line, style))
}

/// The cue's text: the spoken words on one line, escaped, labelled with the speaker when known.
fn cue_text(line: &Line, style: Style) -> String {
    let text = escape(&one_line(&line.text));
    match (line.caption_speaker(), style) {
        (Some(who), Style::WebVtt) => format!("<v {}>{text}", escape(&one_line(who))),
        (Some(who), Style::Srt) => format!("{}: {text}", escape(&one_line(who))),
        (None, _) => text,
    }
}

/// Collapses whitespace: a blank line would end the cue early, and `-->` inside text would be read
/// as a timing line, so both are made harmless.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").replace("-->", "->")
}

/// Escapes the characters that start markup. WebVTT requires it; SRT players parse the same
/// HTML-like tags (`<i>`, `<font>`), so the same escaping keeps a story's `<` visible there too.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// `HH:MM:SS.mmm` (WebVTT) or `HH:MM:SS,mmm` (SRT).
pub fn timestamp(seconds: f64, style: Style) -> String {
    let ms = millis(seconds);
    let separator = if style == Style::Srt { ',' } else { '.' };
    let (h, m, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    format!("{h:02}:{m:02}:{s:02}{separator}{:03}", ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::{book, line};

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0.0, Style::WebVtt), "00:00:00.000");
        assert_eq!(timestamp(3725.5, Style::WebVtt), "01:02:05.500");
        assert_eq!(timestamp(3725.5, Style::Srt), "01:02:05,500");
        assert_eq!(timestamp(59.9996, Style::Srt), "00:01:00,000");
        assert_eq!(timestamp(-1.0, Style::Srt), "00:00:00,000");
        assert_eq!(timestamp(36_000.0, Style::WebVtt), "10:00:00.000");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a < b && c > d"), "a &lt; b &amp;&amp; c &gt; d");
    }

    #[test]
    fn webvtt_labels_speakers() {
        let vtt = captions(&book().manifest.chapters[0], Style::WebVtt);
        let expected = "WEBVTT\n\n\
            1\n00:00:00.400 --> 00:00:01.250\nChapter 1\n\n\
            2\n00:00:02.000 --> 00:00:03.500\n<v Elizabeth>Fish &amp; &lt;chips&gt;?\n\n\
            3\n00:00:05.000 --> 00:00:06.000\nLater.\n\n";
        assert_eq!(vtt, expected);
    }

    #[test]
    fn srt_prefixes_speakers() {
        let srt = captions(&book().manifest.chapters[0], Style::Srt);
        assert!(srt.starts_with("1\n00:00:00,400 --> 00:00:01,250\nChapter 1\n\n"), "{srt}");
        assert!(srt.contains("2\n00:00:02,000 --> 00:00:03,500\nElizabeth: Fish &amp; &lt;chips&gt;?\n\n"), "{srt}");
    }

    #[test]
    fn narration_is_unlabelled_even_with_a_speaker() {
        let l = line(1, crate::script::Kind::Narration, Some("Elizabeth"), "she said", 0.0, 1.0);
        assert_eq!(cue_text(&l, Style::WebVtt), "she said");
    }

    #[test]
    fn text_stays_on_one_line() {
        let l = line(1, crate::script::Kind::Dialogue, Some("Ann"), "one\n\ntwo --> three", 0.0, 1.0);
        assert_eq!(cue_text(&l, Style::WebVtt), "<v Ann>one two -&gt; three");
    }

    #[test]
    fn silent_lines_get_no_cue() {
        let mut chapter = book().manifest.chapters[0].clone();
        chapter.lines[0].error = Some("engine failed".into());
        chapter.lines[2].end_s = chapter.lines[2].start_s;
        let vtt = captions(&chapter, Style::WebVtt);
        assert_eq!(vtt.matches(" --> ").count(), 1, "{vtt}");
        assert!(vtt.contains("1\n00:00:02.000"), "numbering restarts at 1: {vtt}");
    }
}

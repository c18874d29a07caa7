//! `manifest.json`: what a render wrote, and the single source of timings. Written by the render
//! as each chapter is finished (so an interrupted render keeps what it finished) and read by the
//! exports; one schema for both. Unknown fields are ignored when read: fields may be added
//! freely (contract 3).

use crate::error::{Error, Result};
use crate::script::Kind;
use crate::voice::Voice;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The file's name in a render folder.
pub const FILE: &str = "manifest.json";

/// A render: its chapters and how it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub story: String,
    /// Title, author, language, format, cover and extracted text of the book.
    #[serde(flatten)]
    pub book: BookInfo,
    #[serde(default)]
    pub sample_rate: u32,
    pub chapters: Vec<Chapter>,
    #[serde(default)]
    pub failures: Vec<Failure>,
    /// Lines synthesized by an engine in this run.
    #[serde(default)]
    pub synthesized: usize,
    /// Lines found in the cache.
    #[serde(default)]
    pub cache_hits: usize,
    /// Lines voiced by the narrator because their own voice failed.
    #[serde(default)]
    pub fallbacks: usize,
    /// Chapters kept from the previous render because nothing in them changed.
    #[serde(default)]
    pub chapters_kept: usize,
    #[serde(default)]
    pub audio_s: f64,
    #[serde(default)]
    pub wall_s: f64,
    /// What went wrong without costing any line (the cache could not be written, say).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Manifest {
    /// A manifest of no chapters yet.
    pub fn new(story: &str, sample_rate: u32) -> Manifest {
        Manifest {
            story: story.to_string(),
            book: BookInfo::default(),
            sample_rate,
            chapters: Vec::new(),
            failures: Vec::new(),
            synthesized: 0,
            cache_hits: 0,
            fallbacks: 0,
            chapters_kept: 0,
            audio_s: 0.0,
            wall_s: 0.0,
            warnings: Vec::new(),
        }
    }
}

impl Manifest {
    /// Checks what the exports rely on, in a manifest that may have been edited by hand: each
    /// chapter's length is a number of seconds, and its lines' times lie within it, each ending
    /// after it starts and none starting before the one before it. Says where the first problem is.
    pub fn check(&self) -> std::result::Result<(), String> {
        for c in &self.chapters {
            let at = |what: String| format!("chapter {} ({}): {what}", c.index, c.title);
            if !(c.duration_s.is_finite() && c.duration_s >= 0.0) {
                return Err(at(format!("its length {} is not a number of seconds", c.duration_s)));
            }
            let mut previous_start = 0.0;
            for l in &c.lines {
                let (start, end) = (l.start_s, l.end_s);
                let line = |what: String| at(format!("line {}: {what}", l.line));
                if !(start.is_finite() && end.is_finite() && start >= 0.0) {
                    return Err(line(format!("its times {start} to {end} are not seconds from the chapter's start")));
                }
                if end < start {
                    return Err(line(format!("it ends ({end:.3} s) before it starts ({start:.3} s)")));
                }
                if end > c.duration_s + 0.001 {
                    return Err(line(format!("it ends ({end:.3} s) after the chapter does ({:.3} s)", c.duration_s)));
                }
                if start < previous_start {
                    return Err(line(format!(
                        "it starts ({start:.3} s) before the line before it ({previous_start:.3} s)"
                    )));
                }
                previous_start = start;
            }
        }
        Ok(())
    }
}

/// A line that could not be voiced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// 1-based line number.
    pub line: usize,
    pub voice: String,
    pub error: String,
}

/// The book as the manifest describes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BookInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// `text`, `markdown`, `html` or `epub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The extracted text's file in the render folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_text: Option<String>,
    /// The cover image's file in the render folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<String>,
}

/// A written chapter file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Chapter {
    pub index: usize,
    pub title: String,
    pub file: String,
    pub duration_s: f64,
    /// Further files when the chapter passed the WAV size limit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<String>,
    /// A hash of everything the chapter's audio depends on: an unchanged chapter is not written
    /// again.
    #[serde(default)]
    pub fingerprint: String,
    /// The source document the chapter begins in (for an EPUB, the file inside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Every source document its lines come from, when there are several.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(default)]
    pub lines: Vec<Line>,
}

/// A voiced line; times are seconds from the start of its chapter file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// 1-based line number of the script.
    pub line: usize,
    pub chapter: usize,
    pub scene: usize,
    pub paragraph: usize,
    pub kind: Kind,
    pub speaker: Option<String>,
    pub voice: Voice,
    /// What was said.
    pub text: String,
    /// The source span, UTF-8 byte offsets into the decoded story.
    pub span: [usize; 2],
    pub start_s: f64,
    pub end_s: f64,
    /// Why the line is silent, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Line {
    /// Whether the line has audio: failed lines are silent and zero-length.
    pub fn is_voiced(&self) -> bool {
        self.error.is_none() && self.end_s > self.start_s
    }

    /// The speaker to label a caption with: only dialogue has one.
    pub fn caption_speaker(&self) -> Option<&str> {
        if self.kind == Kind::Dialogue { self.speaker.as_deref().filter(|s| !s.trim().is_empty()) } else { None }
    }
}

impl Chapter {
    /// The scenes of this chapter: (scene number, start, end) in seconds from the chapter's start.
    /// A scene starts where its first line starts; the first scene starts at 0.
    pub fn scenes(&self) -> Vec<(usize, f64, f64)> {
        let mut starts: Vec<(usize, f64)> = Vec::new();
        for line in &self.lines {
            if starts.last().is_none_or(|&(scene, _)| scene != line.scene) {
                let at = if starts.is_empty() { 0.0 } else { line.start_s };
                starts.push((line.scene, at));
            }
        }
        let ends = starts.iter().skip(1).map(|&(_, s)| s).chain([self.duration_s]);
        starts.iter().zip(ends).map(|(&(scene, start), end)| (scene, start, end)).collect()
    }

    /// The chapter file's name without its extension, for the per-chapter caption files. Only the
    /// last path component is used, so a hand-edited manifest cannot write outside the folder.
    pub fn stem(&self) -> String {
        Path::new(&self.file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("{:02}-chapter", self.index))
    }

    /// Every file of the chapter: the first, then its parts.
    pub fn files(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.file).chain(&self.parts)
    }
}

/// Every line left silent in the files: failed synthesis, or cached audio that could not be read.
pub fn failures(chapters: &[Chapter]) -> Vec<Failure> {
    chapters
        .iter()
        .flat_map(|c| &c.lines)
        .filter_map(|l| {
            let error = l.error.clone()?;
            Some(Failure { line: l.line, voice: format!("{}:{}", l.voice.engine, l.voice.id), error })
        })
        .collect()
}

/// Writes the manifest into `dir` through a temporary file, so a reader never sees half of one.
pub fn write(dir: &Path, manifest: &Manifest) -> Result<()> {
    let path = dir.join(FILE);
    let io = |source| Error::Write { path: path.clone(), source };
    let json = serde_json::to_vec_pretty(manifest).map_err(|e| io(std::io::Error::other(e)))?;
    crate::util::write_atomic(&path, &json).map_err(io)
}

/// The manifest an earlier render left in `dir`, if it can be read.
pub fn previous(dir: &Path) -> Option<Manifest> {
    serde_json::from_slice(&std::fs::read(dir.join(FILE)).ok()?).ok()
}

/// The chapters of an earlier render in `dir` whose files are all still there, by fingerprint.
pub fn reusable(previous: Option<&Manifest>, dir: &Path) -> HashMap<String, Chapter> {
    let chapters = previous.into_iter().flat_map(|m| &m.chapters);
    chapters
        .filter(|c| !c.fingerprint.is_empty())
        .filter(|c| c.files().all(|f| dir.join(f).is_file()))
        .map(|c| (c.fingerprint.clone(), c.clone()))
        .collect()
}

/// Removes from `dir` the files an earlier render wrote for chapters that `current` no longer
/// has: their WAVs and the captions exported beside them. Only files named in the earlier
/// manifest, by name, inside `dir`: nothing else in the folder is touched.
pub fn remove_stale(dir: &Path, previous: &Manifest, current: &Manifest) {
    let kept: std::collections::HashSet<&str> =
        current.chapters.iter().flat_map(|c| c.files()).map(String::as_str).collect();
    for chapter in &previous.chapters {
        let stale: Vec<&String> = chapter.files().filter(|f| !kept.contains(f.as_str())).collect();
        for file in &stale {
            remove_named(dir, file);
        }
        if !stale.is_empty() && !current.chapters.iter().any(|c| c.stem() == chapter.stem()) {
            for extension in ["vtt", "srt"] {
                remove_named(dir, &format!("{}.{extension}", chapter.stem()));
            }
        }
    }
}

/// Removes the file called `name` in `dir`, if `name` is a plain file name.
fn remove_named(dir: &Path, name: &str) {
    let path = Path::new(name);
    if path.file_name().is_some_and(|n| n == path.as_os_str()) {
        let _ = std::fs::remove_file(dir.join(path));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A voiced line for tests.
    pub fn line(scene: usize, kind: Kind, speaker: Option<&str>, text: &str, start_s: f64, end_s: f64) -> Line {
        Line {
            line: 1,
            chapter: 1,
            scene,
            paragraph: 1,
            kind,
            speaker: speaker.map(str::to_string),
            voice: Voice::new("e", "v"),
            text: text.to_string(),
            span: [0, text.len()],
            start_s,
            end_s,
            error: None,
        }
    }

    #[test]
    fn manifest_with_extra_fields_loads() {
        let json = r#"{"story":"s","sample_rate":24000,"new":1,"chapters":[{"index":1,"title":"T","file":"01-t.wav",
            "duration_s":2.0,"lines":[{"line":1,"chapter":1,"scene":1,"paragraph":1,"kind":"dialogue","speaker":"Ann",
            "voice":{"engine":"e","voice":"v","rate":1.0,"pitch":1.0,"volume":1.0},"text":"Hi","span":[0,2],
            "start_s":0.5,"end_s":1.0,"mood":"glad"}]}],"failures":[]}"#;
        let m: Manifest = serde_json::from_str(json).expect("loads");
        assert_eq!(m.chapters[0].lines[0].caption_speaker(), Some("Ann"));
    }

    #[test]
    fn scenes_span_the_chapter() {
        let chapter = Chapter {
            index: 1,
            title: "One".into(),
            file: "01-one.wav".into(),
            duration_s: 10.0,
            parts: vec![],
            lines: vec![
                line(1, Kind::Heading, None, "One", 0.4, 1.25),
                line(2, Kind::Narration, None, "Later.", 5.0, 6.0),
            ],
            ..Chapter::default()
        };
        assert_eq!(chapter.scenes(), vec![(1, 0.0, 5.0), (2, 5.0, 10.0)]);
    }
}

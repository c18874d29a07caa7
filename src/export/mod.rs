//! Listening outputs derived from a finished render: captions, a cue sheet, Audacity labels, an
//! `.m4b` audiobook and a read-along EPUB.
//!
//! `manifest.json` is the single source of timings ([`crate::manifest`]). Every format here reads
//! it and nothing is synthesized again, which is why `audiobook export DIR` can regenerate all of
//! them after editing a title.
//!
//! ```no_run
//! use audiobook::export::{export_all, ExportOptions};
//! let written = export_all(std::path::Path::new("output/the-night-ferry"), &ExportOptions::default())?;
//! for path in written {
//!     println!("{}", path.display());
//! }
//! # Ok::<(), audiobook::export::ExportError>(())
//! ```

pub mod captions;
pub mod cue;
pub mod epub;
pub mod labels;
pub mod m4b;
pub mod source;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Everything that can go wrong while exporting. Messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot read {path}: {source}; render the story first (`audiobook render STORY --output DIR`)")]
    ReadManifest { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a manifest written by `audiobook render` ({source}); render the story again")]
    ParseManifest { path: PathBuf, source: serde_json::Error },
    #[error("{path} lists no chapters; render the story again")]
    NoChapters { path: PathBuf },
    #[error("{path} cannot be exported: {detail}; render the story again, or mend the times by hand")]
    BadManifest { path: PathBuf, detail: String },
    #[error("cannot write {path}: {source}; check that the folder is writable and the disk has room")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("the chapter file {path} is missing; render the story again")]
    MissingAudio { path: PathBuf },
    #[error(
        "ffmpeg is needed for --m4b but was not found; install it (Debian/Ubuntu: `sudo apt-get install ffmpeg`) or leave out --m4b"
    )]
    FfmpegMissing,
    #[error("cannot run ffmpeg: {0}")]
    FfmpegStart(std::io::Error),
    #[error("ffmpeg stopped after {seconds} s without finishing the m4b; try again, or raise the timeout")]
    FfmpegTimeout { seconds: u64 },
    #[error("ffmpeg failed ({status}): {stderr}")]
    FfmpegFailed { status: String, stderr: String },
    #[error("cannot write the EPUB {path}: {reason}")]
    Epub { path: PathBuf, reason: String },
}

/// How to export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// The book's title; the story name from the manifest when absent.
    pub title: Option<String>,
    /// The book's author, written where a format has a place for it.
    pub author: Option<String>,
    /// Whether to make an `.m4b` (needs ffmpeg).
    pub m4b: Audiobook,
    /// Whether to make a read-along EPUB (needs ffmpeg for its audio).
    pub epub: ReadAlong,
    /// The ffmpeg program to run.
    pub ffmpeg: PathBuf,
    /// How long ffmpeg may take; `None` scales with the book's length.
    pub ffmpeg_timeout: Option<Duration>,
}

/// Whether to write an EPUB 3 whose media overlays highlight each line as it is spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadAlong {
    #[default]
    Skip,
    Epub,
}

/// Whether to encode the chapters into one `.m4b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Audiobook {
    /// Only the text outputs (captions, cue sheet, labels).
    #[default]
    Skip,
    /// Also one `.m4b` with chapter markers, through ffmpeg.
    M4b,
}

impl Default for ExportOptions {
    fn default() -> ExportOptions {
        ExportOptions {
            title: None,
            author: None,
            m4b: Audiobook::Skip,
            epub: ReadAlong::Skip,
            ffmpeg: PathBuf::from("ffmpeg"),
            ffmpeg_timeout: None,
        }
    }
}

pub use crate::manifest::{Chapter, Line, Manifest};

/// A manifest with the book's title and author settled.
#[derive(Debug, Clone, PartialEq)]
pub struct Book {
    pub manifest: Manifest,
    pub title: String,
    pub author: Option<String>,
}

impl Book {
    /// The title and author given in `options`, else the manifest's, else the story's name.
    pub fn new(manifest: Manifest, options: &ExportOptions) -> Book {
        let given = |s: &Option<String>| s.clone().filter(|t| !t.trim().is_empty());
        let title =
            given(&options.title).or_else(|| given(&manifest.book.title)).unwrap_or_else(|| manifest.story.clone());
        let author = given(&options.author).or_else(|| given(&manifest.book.author));
        Book { manifest, title, author }
    }

    /// The cover image in the render folder, when the book has one.
    pub fn cover(&self, dir: &Path) -> Option<PathBuf> {
        let name = self.manifest.book.cover.as_deref()?;
        let path = dir.join(Path::new(name).file_name()?);
        path.is_file().then_some(path)
    }

    /// A file-name-safe base name for whole-book files (`<story>.cue`, `<story>.m4b`).
    pub fn base_name(&self) -> String {
        crate::plan::slug(&self.manifest.story)
    }

    /// Each chapter with its start time in the whole book (chapters played back to back).
    pub fn chapter_offsets(&self) -> Vec<(f64, &Chapter)> {
        let mut at = 0.0;
        let mut out = Vec::with_capacity(self.manifest.chapters.len());
        for chapter in &self.manifest.chapters {
            out.push((at, chapter));
            at += chapter.duration_s.max(0.0);
        }
        out
    }

    /// The whole book's length in seconds.
    pub fn duration_s(&self) -> f64 {
        self.manifest.chapters.iter().map(|c| c.duration_s.max(0.0)).sum()
    }
}

/// One output format. Each writes its own files into the render folder and returns their paths.
pub trait Format {
    fn write(&self, book: &Book, dir: &Path) -> Result<Vec<PathBuf>, ExportError>;
}

/// Reads `manifest.json` from a render folder.
pub fn read_manifest(render_dir: &Path) -> Result<Manifest, ExportError> {
    let path = render_dir.join("manifest.json");
    let text =
        std::fs::read_to_string(&path).map_err(|source| ExportError::ReadManifest { path: path.clone(), source })?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|source| ExportError::ParseManifest { path: path.clone(), source })?;
    if manifest.chapters.is_empty() {
        return Err(ExportError::NoChapters { path });
    }
    manifest.check().map_err(|detail| ExportError::BadManifest { path, detail })?;
    Ok(manifest)
}

/// Writes every listening output of a render folder; returns the files written.
///
/// The text formats come first and each is written as soon as it is made, so a failing ffmpeg
/// never costs the captions.
pub fn export_all(render_dir: &Path, options: &ExportOptions) -> Result<Vec<PathBuf>, ExportError> {
    let book = Book::new(read_manifest(render_dir)?, options);
    let mut formats: Vec<Box<dyn Format>> = vec![
        Box::new(captions::Captions(captions::Style::WebVtt)),
        Box::new(captions::Captions(captions::Style::Srt)),
        Box::new(cue::CueSheet),
        Box::new(labels::Labels),
    ];
    if options.m4b == Audiobook::M4b {
        formats.push(Box::new(m4b::M4b { ffmpeg: options.ffmpeg.clone(), timeout: options.ffmpeg_timeout }));
    }
    if options.epub == ReadAlong::Epub {
        formats.push(Box::new(epub::ReadAlongEpub { ffmpeg: options.ffmpeg.clone(), timeout: options.ffmpeg_timeout }));
    }
    let mut written = Vec::new();
    for format in &formats {
        written.extend(format.write(&book, render_dir)?);
    }
    Ok(written)
}

/// Writes a text file through a temporary name, so a reader never sees half of one.
pub(crate) fn write_text(path: &Path, text: &str) -> Result<PathBuf, ExportError> {
    crate::util::write_atomic(path, text.as_bytes())
        .map_err(|source| ExportError::Write { path: path.to_path_buf(), source })?;
    Ok(path.to_path_buf())
}

/// Whole milliseconds of a time in seconds; negative and non-finite times become 0 so a damaged
/// manifest cannot produce a malformed timestamp.
pub(crate) fn millis(seconds: f64) -> u64 {
    if seconds.is_finite() && seconds > 0.0 { (seconds * 1000.0).round() as u64 } else { 0 }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub use crate::manifest::tests::line;
    use crate::script::Kind;

    /// Two chapters; the first has two scenes and a line of dialogue.
    pub fn book() -> Book {
        let one = Chapter {
            index: 1,
            title: "Chapter 1".into(),
            file: "01-chapter-1.wav".into(),
            duration_s: 10.0,
            parts: vec![],
            lines: vec![
                line(1, Kind::Heading, None, "Chapter 1", 0.4, 1.25),
                line(1, Kind::Dialogue, Some("Elizabeth"), "Fish & <chips>?", 2.0, 3.5),
                line(2, Kind::Narration, None, "Later.", 5.0, 6.0),
            ],
            ..Chapter::default()
        };
        let two = Chapter {
            index: 2,
            title: "Chapter 2".into(),
            file: "02-chapter-2.wav".into(),
            duration_s: 3725.5,
            parts: vec![],
            lines: vec![line(1, Kind::Narration, None, "End.", 3600.0, 3725.0)],
            ..Chapter::default()
        };
        let manifest = Manifest { chapters: vec![one, two], ..Manifest::new("test-story", 24_000) };
        Book::new(manifest, &ExportOptions { author: Some("Ann Author".into()), ..ExportOptions::default() })
    }

    #[test]
    fn hand_edited_times_that_cannot_be_right_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let good = book().manifest;
        type Damage = fn(&mut Manifest);
        let cases: [(&str, Damage); 4] = [
            ("before it starts", |m| m.chapters[0].lines[1].end_s = 1.0),
            ("not seconds", |m| m.chapters[0].lines[0].start_s = -2.0),
            ("before the line before it", |m| m.chapters[0].lines[2].start_s = 1.0),
            ("after the chapter does", |m| m.chapters[1].lines[0].end_s = 4000.0),
        ];
        for (expected, damage) in cases {
            let mut manifest = good.clone();
            damage(&mut manifest);
            crate::manifest::write(dir.path(), &manifest).unwrap();
            let err = export_all(dir.path(), &ExportOptions::default()).expect_err(expected).to_string();
            assert!(err.contains(expected), "{err}");
        }
        crate::manifest::write(dir.path(), &good).unwrap();
        assert!(read_manifest(dir.path()).is_ok());
    }

    #[test]
    fn missing_manifest_says_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = export_all(dir.path(), &ExportOptions::default()).expect_err("no manifest");
        assert!(err.to_string().contains("audiobook render"), "{err}");
    }

    #[test]
    fn scenes_span_the_chapter() {
        let b = book();
        assert_eq!(b.manifest.chapters[0].scenes(), vec![(1, 0.0, 5.0), (2, 5.0, 10.0)]);
        assert_eq!(b.manifest.chapters[1].scenes(), vec![(1, 0.0, 3725.5)]);
    }

    #[test]
    fn title_defaults_to_the_story() {
        assert_eq!(book().title, "test-story");
        let offsets: Vec<f64> = book().chapter_offsets().iter().map(|(t, _)| *t).collect();
        assert_eq!(offsets, vec![0.0, 10.0]);
    }

    #[test]
    fn millis_rounds_and_clamps() {
        assert_eq!(millis(1.2346), 1235);
        assert_eq!(millis(-3.0), 0);
        assert_eq!(millis(f64::NAN), 0);
    }
}

//! One `.m4b` audiobook with chapter markers, title and author, encoded by the system's ffmpeg.
//!
//! ffmpeg runs with an argument vector (never a shell string) on two files written to a temporary
//! folder: a concat list of the chapter WAVs and an FFMETADATA file with the chapters. The result
//! is written under a temporary name and renamed when ffmpeg succeeds, so a stopped encode never
//! leaves a truncated book under the real name.

use super::{Book, ExportError, Format, millis, write_text};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use wait_timeout::ChildExt;

/// AAC at this rate is transparent enough for speech and keeps an hour near 30 MB.
const BITRATE: &str = "64k";

/// The `.m4b`, as an export format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M4b {
    /// The ffmpeg program.
    pub ffmpeg: PathBuf,
    /// How long ffmpeg may take; `None` scales with the book's length.
    pub timeout: Option<Duration>,
}

impl Format for M4b {
    fn write(&self, book: &Book, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
        let inputs = chapter_files(book, dir)?;
        let work = tempfile::tempdir().map_err(|source| ExportError::Write { path: std::env::temp_dir(), source })?;
        let list = write_text(&work.path().join("chapters.txt"), &concat_list(&inputs))?;
        let metadata = write_text(&work.path().join("metadata.txt"), &ffmetadata(book))?;
        let out = dir.join(format!("{}.m4b", book.base_name()));
        let partial = crate::util::temp_path(&out);
        let timeout = self.timeout.unwrap_or_else(|| default_timeout(book.duration_s()));
        let cover = book.cover(dir).and_then(|c| cover_picture(&self.ffmpeg, &c, work.path(), timeout));
        let args = ffmpeg_args(&list, &metadata, cover.as_deref(), &partial);
        let result = run(&self.ffmpeg, &args, timeout, &work.path().join("ffmpeg.log"));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&partial); // best effort: the error below matters more
            return Err(e);
        }
        std::fs::rename(&partial, &out).map_err(|source| ExportError::Write { path: out.clone(), source })?;
        Ok(vec![out])
    }
}

/// Every audio file of the book in order (a chapter's parts after it), checked to exist. Only
/// file names are taken from the manifest, so it cannot point ffmpeg outside the render folder.
fn chapter_files(book: &Book, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let dir = std::path::absolute(dir).map_err(|source| ExportError::Write { path: dir.to_path_buf(), source })?;
    let names = book.manifest.chapters.iter().flat_map(|c| std::iter::once(&c.file).chain(&c.parts));
    let mut files = Vec::new();
    for name in names {
        let path = dir.join(Path::new(name).file_name().unwrap_or(name.as_ref()));
        if !path.is_file() {
            return Err(ExportError::MissingAudio { path });
        }
        files.push(path);
    }
    Ok(files)
}

/// The concat demuxer's list: `file '<path>'`, with `'` written as `'\''` as its quoting requires.
pub fn concat_list(files: &[PathBuf]) -> String {
    let mut out = String::from("ffconcat version 1.0\n");
    for f in files {
        out.push_str(&format!("file '{}'\n", f.to_string_lossy().replace('\'', "'\\''")));
    }
    out
}

/// The FFMETADATA file: book tags, then one `[CHAPTER]` per chapter in milliseconds. Chapter
/// bounds come from the running sum of durations, rounded once, so they never drift.
pub fn ffmetadata(book: &Book) -> String {
    let mut out = String::from(";FFMETADATA1\n");
    out.push_str(&format!("title={}\nalbum={}\ngenre=Audiobook\n", escape(&book.title), escape(&book.title)));
    if let Some(author) = &book.author {
        out.push_str(&format!("artist={}\nalbum_artist={}\n", escape(author), escape(author)));
    }
    for (offset, chapter) in book.chapter_offsets() {
        let (start, end) = (millis(offset), millis(offset + chapter.duration_s));
        out.push_str(&format!(
            "[CHAPTER]\nTIMEBASE=1/1000\nSTART={start}\nEND={end}\ntitle={}\n",
            escape(&chapter.title)
        ));
    }
    out
}

/// FFMETADATA gives `=`, `;`, `#`, `\` and line breaks a meaning; a backslash makes them literal.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '=' | ';' | '#' | '\\' | '\n') {
            out.push('\\');
        }
        if c != '\r' {
            out.push(c);
        }
    }
    out
}

/// The cover as a picture an MP4 can carry (JPEG or PNG): as it is, or converted by ffmpeg (an
/// SVG cover is drawn by ffmpeg's SVG decoder). `None` when ffmpeg cannot convert it: the book
/// is then written without a cover rather than not at all.
fn cover_picture(ffmpeg: &Path, cover: &Path, work: &Path, timeout: Duration) -> Option<PathBuf> {
    let ext = cover.extension()?.to_string_lossy().to_ascii_lowercase();
    if matches!(ext.as_str(), "jpg" | "jpeg" | "png") {
        return Some(cover.to_path_buf());
    }
    let out = work.join("cover.jpg");
    let mut args: Vec<std::ffi::OsString> =
        ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i"].map(Into::into).to_vec();
    args.push(cover.into());
    args.extend(["-frames:v", "1", "-q:v", "3", "-pix_fmt", "yuvj420p"].map(Into::into));
    args.push(out.clone().into());
    run(ffmpeg, &args, timeout, &work.join("cover.log")).ok()?;
    out.is_file().then_some(out)
}

/// The ffmpeg arguments: audio from the concat list, metadata and chapters from the FFMETADATA
/// file (input 1), the cover picture (input 2) when there is one, AAC in an MP4 container (an
/// `.m4b` is an MP4 by another name).
pub fn ffmpeg_args(list: &Path, metadata: &Path, cover: Option<&Path>, out: &Path) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> =
        ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"].map(Into::into).to_vec();
    args.extend(["-f", "concat", "-safe", "0", "-i"].map(Into::into));
    args.push(list.into());
    args.push("-i".into());
    args.push(metadata.into());
    if let Some(cover) = cover {
        args.push("-i".into());
        args.push(cover.into());
    }
    args.extend(
        ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1", "-c:a", "aac", "-b:a", BITRATE].map(Into::into),
    );
    if cover.is_some() {
        args.extend(["-map", "2:v", "-c:v", "copy", "-disposition:v:0", "attached_pic"].map(Into::into));
    }
    args.extend(["-movflags", "+faststart", "-f", "mp4"].map(Into::into));
    args.push(out.into());
    args
}

/// A minute to start, plus generous room for AAC encoding, which runs well over 50x real time.
pub(super) fn default_timeout(audio_s: f64) -> Duration {
    Duration::from_secs(60 + (audio_s.max(0.0) / 10.0) as u64)
}

/// Runs ffmpeg with its messages going to `log` (a pipe could fill and stall it), stopping it
/// after `timeout`.
pub(super) fn run(
    ffmpeg: &Path,
    args: &[std::ffi::OsString],
    timeout: Duration,
    log: &Path,
) -> Result<(), ExportError> {
    let log_file =
        std::fs::File::create(log).map_err(|source| ExportError::Write { path: log.to_path_buf(), source })?;
    let mut child =
        Command::new(ffmpeg).args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(log_file).spawn().map_err(
            |e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    ExportError::FfmpegMissing
                } else {
                    ExportError::FfmpegStart(e)
                }
            },
        )?;
    let status = match child.wait_timeout(timeout).map_err(ExportError::FfmpegStart)? {
        Some(status) => status,
        None => {
            let _ = child.kill(); // it may have exited just now; either way we report the timeout
            let _ = child.wait();
            return Err(ExportError::FfmpegTimeout { seconds: timeout.as_secs() });
        }
    };
    if status.success() {
        return Ok(());
    }
    let stderr = std::fs::read_to_string(log).unwrap_or_default();
    Err(ExportError::FfmpegFailed { status: status.to_string(), stderr: tail(&stderr, 8) })
}

/// The last `n` lines of ffmpeg's messages: the cause is at the end.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::book;

    #[test]
    fn chapters_in_milliseconds_across_the_book() {
        let meta = ffmetadata(&book());
        assert!(meta.starts_with(";FFMETADATA1\ntitle=test-story\n"), "{meta}");
        assert!(meta.contains("artist=Ann Author\n"));
        assert!(meta.contains("[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=10000\ntitle=Chapter 1\n"), "{meta}");
        assert!(meta.contains("START=10000\nEND=3735500\ntitle=Chapter 2\n"), "{meta}");
    }

    #[test]
    fn metadata_escapes_its_special_characters() {
        assert_eq!(escape("a=b;c#d\\e\nf"), "a\\=b\\;c\\#d\\\\e\\\nf");
    }

    #[test]
    fn concat_list_quotes_paths() {
        let list = concat_list(&[PathBuf::from("/tmp/it's/01.wav")]);
        assert_eq!(list, "ffconcat version 1.0\nfile '/tmp/it'\\''s/01.wav'\n");
    }

    #[test]
    fn missing_ffmpeg_names_the_package() {
        let dir = tempfile::tempdir().expect("temp dir");
        for c in &book().manifest.chapters {
            std::fs::write(dir.path().join(&c.file), b"").expect("write");
        }
        let m4b = M4b { ffmpeg: PathBuf::from("/nonexistent/ffmpeg"), timeout: None };
        let err = m4b.write(&book(), dir.path()).expect_err("no ffmpeg");
        assert!(matches!(err, ExportError::FfmpegMissing));
        assert!(err.to_string().contains("apt-get install ffmpeg"), "{err}");
    }

    #[test]
    fn missing_chapter_audio_is_reported() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = chapter_files(&book(), dir.path()).expect_err("no WAVs");
        assert!(matches!(err, ExportError::MissingAudio { .. }), "{err}");
    }
}

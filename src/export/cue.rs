//! A cue sheet for the whole book: one `FILE` per chapter WAV, a track per chapter and per later
//! scene, timed in `MM:SS:FF` (75 frames a second, the CD convention every cue reader expects).
//!
//! ```text
//! TITLE "The Night Ferry"
//! FILE "01-chapter-1.wav" WAVE
//!   TRACK 01 AUDIO
//!     TITLE "Chapter 1"
//!     INDEX 01 00:00:00
//! ```

use super::{Book, ExportError, Format, write_text};
use std::path::{Path, PathBuf};

/// Cue sheet track numbers are two digits; beyond this, scenes are left out and only chapters
/// get tracks.
const MAX_TRACKS: usize = 99;

/// The cue sheet, as an export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CueSheet;

impl Format for CueSheet {
    fn write(&self, book: &Book, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
        let path = dir.join(format!("{}.cue", book.base_name()));
        Ok(vec![write_text(&path, &cue_sheet(book))?])
    }
}

/// One track: its title and its start in seconds from the start of its file.
struct Track {
    title: String,
    start_s: f64,
}

/// The cue sheet's text.
pub fn cue_sheet(book: &Book) -> String {
    let mut out = String::from("REM COMMENT \"audiobook\"\n");
    out.push_str(&format!("TITLE {}\n", quote(&book.title)));
    if let Some(author) = &book.author {
        out.push_str(&format!("PERFORMER {}\n", quote(author)));
    }
    let scene_tracks: usize = book.manifest.chapters.iter().map(|c| c.scenes().len()).sum();
    let with_scenes = scene_tracks <= MAX_TRACKS;
    let mut number = 0;
    for chapter in &book.manifest.chapters {
        out.push_str(&format!("FILE {} WAVE\n", quote(&chapter.file)));
        for track in tracks(chapter, with_scenes) {
            number += 1;
            out.push_str(&format!("  TRACK {number:02} AUDIO\n    TITLE {}\n", quote(&track.title)));
            out.push_str(&format!("    INDEX 01 {}\n", timestamp(track.start_s)));
        }
    }
    out
}

/// The chapter's tracks: the chapter itself, then each later scene when `with_scenes`.
fn tracks(chapter: &super::Chapter, with_scenes: bool) -> Vec<Track> {
    let mut tracks = vec![Track { title: chapter.title.clone(), start_s: 0.0 }];
    if with_scenes {
        for (scene, start_s, _) in chapter.scenes().into_iter().skip(1) {
            tracks.push(Track { title: format!("{}, scene {scene}", chapter.title), start_s });
        }
    }
    tracks
}

/// A cue sheet string has no escape for `"`, so inner double quotes become single quotes, and
/// line breaks become spaces.
fn quote(text: &str) -> String {
    let clean: String = text.chars().map(safe_char).collect();
    format!("\"{clean}\"")
}

fn safe_char(c: char) -> char {
    match c {
        '"' => '\'',
        c if c.is_control() => ' ',
        c => c,
    }
}

/// `MM:SS:FF`, rounded to the nearest frame; minutes go past 99 for long files.
pub fn timestamp(seconds: f64) -> String {
    let frames = if seconds.is_finite() && seconds > 0.0 { (seconds * 75.0).round() as u64 } else { 0 };
    format!("{:02}:{:02}:{:02}", frames / (75 * 60), frames / 75 % 60, frames % 75)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::book;

    #[test]
    fn timestamps_count_75_frames_a_second() {
        assert_eq!(timestamp(0.0), "00:00:00");
        assert_eq!(timestamp(1.0), "00:01:00");
        assert_eq!(timestamp(2.5), "00:02:38"); // 37.5 frames rounds up
        assert_eq!(timestamp(61.0 + 74.0 / 75.0), "01:01:74");
        assert_eq!(timestamp(6000.0), "100:00:00");
        assert_eq!(timestamp(f64::NAN), "00:00:00");
    }

    #[test]
    fn a_file_per_chapter_and_a_track_per_scene() {
        let sheet = cue_sheet(&book());
        let expected = "REM COMMENT \"audiobook\"\nTITLE \"test-story\"\nPERFORMER \"Ann Author\"\n\
            FILE \"01-chapter-1.wav\" WAVE\n  TRACK 01 AUDIO\n    TITLE \"Chapter 1\"\n    INDEX 01 00:00:00\n\
            \x20 TRACK 02 AUDIO\n    TITLE \"Chapter 1, scene 2\"\n    INDEX 01 00:05:00\n\
            FILE \"02-chapter-2.wav\" WAVE\n  TRACK 03 AUDIO\n    TITLE \"Chapter 2\"\n    INDEX 01 00:00:00\n";
        assert_eq!(sheet, expected);
    }

    #[test]
    fn quotes_cannot_break_a_string() {
        assert_eq!(quote("The \"Best\"\nBook"), "\"The 'Best' Book\"");
    }

    #[test]
    fn too_many_scenes_fall_back_to_chapters() {
        let mut b = book();
        let chapter = b.manifest.chapters[0].clone();
        b.manifest.chapters = vec![chapter; 60];
        let sheet = cue_sheet(&b);
        assert_eq!(sheet.matches("TRACK").count(), 60);
        assert!(!sheet.contains("scene"));
    }
}

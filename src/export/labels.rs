//! An Audacity label file for the whole book: tab-separated `start`, `end`, `label`, in seconds
//! with six decimals, one region per chapter and one per scene.
//!
//! Times run across the book as if the chapter files were played back to back (as in the
//! `.m4b`), so importing the chapters end to end in Audacity lines the labels up.
//!
//! ```text
//! 0.000000    119.009000    Chapter 1
//! 0.000000    54.210000     Chapter 1, scene 1
//! ```

use super::{Book, ExportError, Format, write_text};
use std::path::{Path, PathBuf};

/// The label file, as an export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labels;

impl Format for Labels {
    fn write(&self, book: &Book, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
        let path = dir.join(format!("{}.labels.txt", book.base_name()));
        Ok(vec![write_text(&path, &labels(book))?])
    }
}

/// The label file's text.
pub fn labels(book: &Book) -> String {
    let mut out = String::new();
    for (offset, chapter) in book.chapter_offsets() {
        out.push_str(&label(offset, offset + chapter.duration_s, &chapter.title));
        let scenes = chapter.scenes();
        // A chapter of one scene already has its region; repeating it would only add noise.
        if scenes.len() < 2 {
            continue;
        }
        for (scene, start, end) in scenes {
            out.push_str(&label(offset + start, offset + end, &format!("{}, scene {scene}", chapter.title)));
        }
    }
    out
}

/// One label line; tabs and line breaks in the text would split the line, so they become spaces.
fn label(start_s: f64, end_s: f64, text: &str) -> String {
    let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    format!("{:.6}\t{:.6}\t{text}\n", seconds(start_s), seconds(end_s))
}

/// Negative and non-finite times (a damaged manifest) become 0.
fn seconds(s: f64) -> f64 {
    if s.is_finite() && s > 0.0 { s } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::book;

    #[test]
    fn chapters_and_scenes_across_the_book() {
        let expected = "0.000000\t10.000000\tChapter 1\n\
            0.000000\t5.000000\tChapter 1, scene 1\n\
            5.000000\t10.000000\tChapter 1, scene 2\n\
            10.000000\t3735.500000\tChapter 2\n";
        assert_eq!(labels(&book()), expected);
    }

    #[test]
    fn tabs_in_titles_do_not_split_a_label() {
        assert_eq!(label(1.0, 2.0, "a\tb"), "1.000000\t2.000000\ta b\n");
        assert_eq!(label(f64::NAN, -1.0, "x"), "0.000000\t0.000000\tx\n");
    }
}

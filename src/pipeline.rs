//! The text stages in order: a story file becomes an immutable [`Story`].
//!
//! ```text
//! file ──load──▶ Text ──segment──▶ Script ──attribute──▶ speakers + characters ──voices file──▶ Story
//! ```
//!
//! The command line, the tests and the benchmarks all read stories through [`read`] (or
//! [`analyse`] for text already in memory), so the order of the stages is written once.
//!
//! ```
//! let found = audiobook::pipeline::analyse("\u{201C}Tea,\u{201D} said Ruth.\n");
//! assert_eq!(found.script.lines[0].speaker.as_deref(), Some("Ruth"));
//! ```

use crate::attribute::{self, Attribution, Character};
use crate::config;
use crate::error::Result;
use crate::load;
use crate::script::Script;
use crate::segment;
use std::path::Path;

/// A story read, segmented and attributed, with its voices files applied.
#[derive(Debug, Clone)]
pub struct Story {
    /// The file's stem: names the output folder and the story's voices file.
    pub name: String,
    /// The decoded text that every span indexes.
    pub text: String,
    /// What the user should know about how it was read (a fallback encoding).
    pub warnings: Vec<String>,
    pub script: Script,
    pub characters: Vec<Character>,
    /// The voices files that apply (`default.toml` and `<name>.toml`).
    pub config: config::Loaded,
}

/// Segments and attributes a text.
pub fn analyse(text: &str) -> Attribution {
    let (script, _) = segment::segment_str(text);
    attribute::attribute(text, &script)
}

/// Reads the story at `path`, with the voices files of `voices_dir`.
pub fn read(path: &Path, voices_dir: &Path) -> Result<Story> {
    let text = load::load(path)?;
    let name = path.file_stem().map_or_else(|| "story".to_string(), |s| s.to_string_lossy().into_owned());
    let config = config::load(voices_dir, &name)?;
    let Attribution { script, characters } = attribute::attribute(&text.text, &segment::segment(&text));
    let (script, characters) = config.correct(&text.text, &script, &characters)?;
    Ok(Story { name, text: text.text, warnings: text.warnings, script, characters, config })
}

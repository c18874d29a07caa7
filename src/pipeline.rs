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
use crate::cast::{self, Cast};
use crate::config;
use crate::engine::Engines;
use crate::error::{Error, Result};
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
    /// The voices folder they came from; engines whose voices are files (Piper) look in it too.
    pub voices_dir: std::path::PathBuf,
    /// The file's format and what the book says about itself (title, author, cover).
    pub format: load::Format,
    pub metadata: load::Metadata,
}

/// Segments and attributes a text.
pub fn analyse(text: &str) -> Attribution {
    let (script, _) = segment::segment_str(text);
    attribute::attribute(text, &script)
}

/// Segments and attributes a loaded story: a markup format's paragraphs, headings and chapters
/// as its loader found them.
pub fn analyse_loaded(text: &load::Text) -> Attribution {
    attribute::attribute(&text.text, &segment::segment(text))
}

/// Reads the story at `path`, with the voices files of `voices_dir`.
pub fn read(path: &Path, voices_dir: &Path) -> Result<Story> {
    let text = load::load(path)?;
    let name = path.file_stem().map_or_else(|| "story".to_string(), |s| s.to_string_lossy().into_owned());
    let config = config::load(voices_dir, &name)?;
    let Attribution { script, characters } = analyse_loaded(&text);
    let (script, characters) = config.correct(&text.text, &script, &characters)?;
    let voices_dir = voices_dir.to_path_buf();
    Ok(Story {
        name,
        text: text.text,
        warnings: text.warnings,
        script,
        characters,
        config,
        voices_dir,
        format: text.format,
        metadata: text.metadata,
    })
}

/// Which part of a story to take: some lines, one character's, or a chapter (or one of its
/// scenes). Numbers count from 1, as `audiobook script` shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pick {
    pub chapter: Option<usize>,
    pub scene: Option<usize>,
    /// `A..B`, inclusive.
    pub lines: Option<String>,
    pub character: Option<String>,
}

impl Story {
    /// The cast: the automatic one, with the voices files' choices on top.
    pub fn cast(&self, engines: &Engines) -> Result<Cast> {
        let cast = cast::auto_cast(&self.characters, &engines.voices())
            .ok_or_else(|| Error::Invalid("no voice is available on this machine".into()))?;
        Ok(self.config.cast(&cast, engines)?)
    }

    /// The script lines (0-based indexes) `pick` takes; what there is when it takes none.
    pub fn pick(&self, pick: &Pick) -> Result<Vec<usize>> {
        let lines = &self.script.lines;
        let invalid = |message: String| Err(Error::Invalid(message));
        let chosen: Vec<usize> = if let Some(range) = &pick.lines {
            let (a, b) = parse_range(range)?;
            if a > lines.len() {
                return invalid(format!(
                    "the story has lines 1 to {} (see `audiobook script`); --lines {range} selects none",
                    lines.len()
                ));
            }
            (a - 1..b.min(lines.len())).collect()
        } else if let Some(name) = &pick.character {
            let wanted = name.to_lowercase();
            if !self.characters.iter().any(|c| c.name.to_lowercase() == wanted) {
                let names: Vec<&str> = self.characters.iter().map(|c| c.name.as_str()).collect();
                return invalid(format!("no character called {name:?}; the characters are: {}", names.join(", ")));
            }
            let speaks = |i: &usize| lines[*i].speaker.as_deref().is_some_and(|s| s.to_lowercase() == wanted);
            (0..lines.len()).filter(speaks).collect()
        } else {
            let chapter = pick.chapter.unwrap_or(1);
            let chapters = self.script.chapters.len();
            if chapter == 0 || chapter > chapters {
                return invalid(format!("the story has chapters 1 to {chapters}; there is no chapter {chapter}"));
            }
            let scenes = lines.iter().filter(|l| l.chapter == chapter).map(|l| l.scene).max().unwrap_or(0);
            if let Some(scene) = pick.scene.filter(|&s| s == 0 || s > scenes) {
                return invalid(format!("chapter {chapter} has scenes 1 to {scenes}; there is no scene {scene}"));
            }
            let taken = |i: &usize| lines[*i].chapter == chapter && pick.scene.is_none_or(|s| lines[*i].scene == s);
            (0..lines.len()).filter(taken).collect()
        };
        if chosen.is_empty() {
            return invalid("nothing to preview: the selection holds no lines".into());
        }
        Ok(chosen)
    }
}

/// `A..B` (or `A..=B`): 1-based, inclusive.
fn parse_range(s: &str) -> Result<(usize, usize)> {
    let bad = || Error::Invalid(format!("--lines takes A..B, 1-based and inclusive, for example 10..25 (got {s:?})"));
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let a: usize = a.trim().parse().map_err(|_| bad())?;
    let b: usize = b.trim().trim_start_matches('=').parse().map_err(|_| bad())?;
    if a == 0 || b < a {
        return Err(bad());
    }
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(text: &str) -> Story {
        let found = analyse(text);
        Story {
            name: "s".into(),
            text: text.into(),
            warnings: vec![],
            script: found.script,
            characters: found.characters,
            config: Default::default(),
            voices_dir: "voices".into(),
            format: load::Format::Text,
            metadata: Default::default(),
        }
    }

    #[test]
    fn picks_say_what_there_is() {
        let s = story("Chapter 1\n\n\"Tea?\" said Ann.\n\n* * *\n\nThe kettle sang.\n");
        let pick = |p: Pick| s.pick(&p).map_err(|e| e.to_string());
        assert_eq!(pick(Pick { lines: Some("1..2".into()), ..Pick::default() }).unwrap(), [0, 1]);
        assert_eq!(pick(Pick { chapter: Some(1), scene: Some(2), ..Pick::default() }).unwrap().len(), 1);
        assert!(pick(Pick { lines: Some("99..100".into()), ..Pick::default() }).unwrap_err().contains("lines 1 to"));
        assert!(
            pick(Pick { chapter: Some(1), scene: Some(9), ..Pick::default() }).unwrap_err().contains("scenes 1 to 2")
        );
        assert!(pick(Pick { chapter: Some(2), ..Pick::default() }).unwrap_err().contains("chapters 1 to 1"));
        assert!(pick(Pick { character: Some("Bob".into()), ..Pick::default() }).unwrap_err().contains("Ann"));
        assert!(pick(Pick { lines: Some("3-4".into()), ..Pick::default() }).unwrap_err().contains("A..B"));
    }
}

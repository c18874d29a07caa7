//! Voices files: `voices/<story>.toml`, written by `audiobook cast STORY --write` and edited by
//! hand, over `voices/default.toml` for every story. They fix the narrator's and characters'
//! voices, rename and merge characters, correct single lines' speakers, add pronunciations, keep
//! or skip notes, and set pauses.
//!
//! ```toml
//! [narrator]
//! engine = "flite"
//! voice = "rms"
//!
//! [characters.Mara]
//! engine = "espeak-ng"
//! voice = "en-us+f2"
//! pitch = 1.1
//!
//! [renames]            # "Lizzy" is "Elizabeth"; two characters merge when renamed alike
//! Lizzy = "Elizabeth"
//!
//! [[corrections]]      # by script line number (as `audiobook script` shows it) or a quoted fragment
//! line = 42
//! speaker = "Tom"
//!
//! [pronunciations]
//! Hermione = "Her my oh nee"
//!
//! [notes]
//! skip = true
//!
//! [pauses]
//! paragraph_ms = 600
//! ```

use crate::attribute::Character;
use crate::cast::{Cast, VoiceSpec};
use crate::engine::{Engine, Prosody};
use crate::plan::{Pauses, Pronunciations};
use crate::render::VoiceChoice;
use crate::script::{Kind, Script};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A voice as a voices file gives it; omitted prosody is the voice's natural one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceEntry {
    pub engine: String,
    pub voice: String,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub rate: f32,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub pitch: f32,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub volume: f32,
}

fn one() -> f32 {
    1.0
}

fn is_one(v: &f32) -> bool {
    *v == 1.0
}

impl From<VoiceSpec> for VoiceEntry {
    fn from(v: VoiceSpec) -> VoiceEntry {
        VoiceEntry { engine: v.engine, voice: v.voice, rate: v.rate, pitch: v.pitch, volume: v.volume }
    }
}

/// A speaker correction for one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The script line number (1-based, as `audiobook script` shows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// A fragment of the quotation's text, when no line number is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    pub speaker: String,
}

/// Whether notes are spoken.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notes {
    #[serde(default)]
    pub skip: bool,
}

/// One voices file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoicesFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrator: Option<VoiceEntry>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub characters: BTreeMap<String, VoiceEntry>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub renames: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<Correction>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pronunciations: Pronunciations,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Notes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pauses: Option<Pauses>,
}

/// What is wrong with a voices file. Every message names the file and the place in it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{path}: {key}: {message}")]
    Invalid { path: PathBuf, key: String, message: String },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// A voices file with the path it came from, for error messages.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub file: VoicesFile,
    /// The files merged into it, most general first.
    pub paths: Vec<PathBuf>,
}

/// Parses one voices file.
pub fn parse(path: &Path, source: &str) -> Result<VoicesFile, ConfigError> {
    toml::from_str(source).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_column(source, s.start));
        let message = e.message().trim().to_string();
        ConfigError::Syntax { path: path.to_path_buf(), line, column, message }
    })
}

fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn read(path: &Path) -> Result<Option<VoicesFile>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(source) => parse(path, &source).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read { path: path.to_path_buf(), source }),
    }
}

/// The path of a story's voices file.
pub fn story_file(dir: &Path, story: &str) -> PathBuf {
    dir.join(format!("{story}.toml"))
}

/// Reads `default.toml` and `<story>.toml` from `dir` (both optional); the story's file wins.
pub fn load(dir: &Path, story: &str) -> Result<Loaded, ConfigError> {
    let mut loaded = Loaded::default();
    for path in [dir.join("default.toml"), story_file(dir, story)] {
        if let Some(file) = read(&path)? {
            merge(&mut loaded.file, file);
            loaded.paths.push(path);
        }
    }
    Ok(loaded)
}

fn merge(base: &mut VoicesFile, over: VoicesFile) {
    base.narrator = over.narrator.or(base.narrator.take());
    base.characters.extend(over.characters);
    base.renames.extend(over.renames);
    base.corrections.extend(over.corrections);
    base.pronunciations.extend(over.pronunciations);
    base.notes = over.notes.or(base.notes);
    base.pauses = over.pauses.or(base.pauses);
}

impl Loaded {
    /// The file to name in errors: the story's own when there is one.
    fn path(&self) -> PathBuf {
        self.paths.last().cloned().unwrap_or_default()
    }

    fn invalid(&self, key: String, message: String) -> ConfigError {
        ConfigError::Invalid { path: self.path(), key, message }
    }

    /// Applies renames and merges to the characters and the script's speakers, then the line
    /// corrections.
    pub fn apply_to_script(
        &self,
        text: &str,
        script: &mut Script,
        characters: &mut Vec<Character>,
    ) -> Result<(), ConfigError> {
        for (from, to) in &self.file.renames {
            if !characters.iter().any(|c| &c.name == from || c.aliases.contains(from)) {
                return Err(self.invalid(format!("renames.{from}"), not_a_character(from, characters)));
            }
            rename(script, characters, from, to);
        }
        for (n, c) in self.file.corrections.iter().enumerate() {
            let key = format!("corrections[{n}]");
            let index = self.correction_line(text, script, c, &key)?;
            let line = &mut script.lines[index];
            line.speaker = Some(c.speaker.clone());
            line.confidence = 1.0;
            line.evidence = Some("voices file".to_string());
        }
        recount(text, script, characters);
        Ok(())
    }

    fn correction_line(&self, text: &str, script: &Script, c: &Correction, key: &str) -> Result<usize, ConfigError> {
        let found = match (&c.line, &c.quote) {
            (Some(n), _) => n.checked_sub(1).filter(|&i| script.lines.get(i).is_some_and(|l| l.kind == Kind::Dialogue)),
            (None, Some(q)) => {
                script.lines.iter().position(|l| l.kind == Kind::Dialogue && text[l.span.range()].contains(q.as_str()))
            }
            (None, None) => return Err(self.invalid(key.to_string(), "give `line = N` or `quote = \"...\"`".into())),
        };
        found.ok_or_else(|| {
            let what = c.line.map_or_else(
                || format!("no dialogue line contains {:?}", c.quote.as_deref().unwrap_or("")),
                |n| format!("line {n} is not a dialogue line (see `audiobook script`)"),
            );
            self.invalid(key.to_string(), what)
        })
    }

    /// Replaces automatic voices with the file's, checking each engine, voice and character.
    pub fn apply_to_cast(&self, cast: &mut Cast, engines: &[Arc<dyn Engine>]) -> Result<(), ConfigError> {
        if let Some(entry) = &self.file.narrator {
            cast.narrator = self.choice(entry, "narrator", engines)?;
        }
        for (written, entry) in &self.file.characters {
            let key = format!("characters.{written}");
            let choice = self.choice(entry, &key, engines)?;
            // An entry under a name since renamed follows the rename, unless the new name has
            // its own entry.
            let name = self.renamed(written);
            if name != written && self.file.characters.contains_key(name) {
                continue;
            }
            let Some(member) = cast.members.iter_mut().find(|m| m.character.name == name) else {
                let chars: Vec<Character> = cast.members.iter().map(|m| m.character.clone()).collect();
                return Err(self.invalid(key, not_a_character(name, &chars)));
            };
            member.voice = choice;
        }
        Ok(())
    }

    fn choice(&self, entry: &VoiceEntry, key: &str, engines: &[Arc<dyn Engine>]) -> Result<VoiceChoice, ConfigError> {
        let engine = match engines.iter().find(|e| e.name() == entry.engine) {
            Some(e) => e.clone(),
            None => crate::engine::by_name(&entry.engine, &Default::default())
                .map_err(|e| self.invalid(format!("{key}.engine"), e.to_string()))?,
        };
        if !engine.voices().iter().any(|v| v.id == entry.voice) {
            let message = format!(
                "{} has no voice {:?}; `audiobook voices --engine {}` lists them",
                entry.engine, entry.voice, entry.engine
            );
            return Err(self.invalid(format!("{key}.voice"), message));
        }
        let prosody = Prosody { rate: entry.rate, pitch: entry.pitch, volume: entry.volume };
        Ok(VoiceChoice { engine, voice: entry.voice.clone(), prosody })
    }

    /// The name a character ends up with after the renames (followed a few steps, cycles
    /// stop).
    fn renamed<'a>(&'a self, mut name: &'a str) -> &'a str {
        for _ in 0..8 {
            match self.file.renames.get(name) {
                Some(to) if to != name => name = to,
                _ => break,
            }
        }
        name
    }

    pub fn pronunciations(&self) -> &Pronunciations {
        &self.file.pronunciations
    }

    pub fn skip_notes(&self) -> bool {
        self.file.notes.is_some_and(|n| n.skip)
    }

    pub fn pauses(&self) -> Pauses {
        self.file.pauses.unwrap_or_default()
    }
}

fn not_a_character(name: &str, characters: &[Character]) -> String {
    let names: Vec<&str> = characters.iter().map(|c| c.name.as_str()).collect();
    format!("{name:?} is not a character of this story; the characters are: {}", names.join(", "))
}

/// Renames `from` to `to`, merging into `to` when that character exists.
fn rename(script: &mut Script, characters: &mut Vec<Character>, from: &str, to: &str) {
    let Some(i) = characters.iter().position(|c| c.name == from || c.aliases.iter().any(|a| a == from)) else { return };
    let old = characters.remove(i);
    for line in &mut script.lines {
        if line.speaker.as_deref() == Some(old.name.as_str()) {
            line.speaker = Some(to.to_string());
        }
    }
    match characters.iter_mut().find(|c| c.name == to) {
        Some(target) => {
            target.aliases.push(old.name.clone());
            target.aliases.extend(old.aliases);
            target.aliases.sort();
            target.aliases.dedup();
        }
        None => {
            let mut renamed = old.clone();
            renamed.aliases.push(old.name);
            renamed.name = to.to_string();
            characters.insert(i.min(characters.len()), renamed);
        }
    }
}

/// Counts each character's lines and words again after edits; adds characters named only by
/// corrections.
fn recount(text: &str, script: &Script, characters: &mut Vec<Character>) {
    for c in characters.iter_mut() {
        c.lines = 0;
        c.words = 0;
    }
    for line in script.lines.iter().filter(|l| l.kind == Kind::Dialogue) {
        let Some(who) = &line.speaker else { continue };
        let words = text[line.span.range()].split_whitespace().count();
        match characters.iter_mut().find(|c| &c.name == who) {
            Some(c) => {
                c.lines += 1;
                c.words += words;
            }
            None => characters.push(Character {
                name: who.clone(),
                aliases: vec![],
                gender: Default::default(),
                lines: 1,
                words,
            }),
        }
    }
}

/// Writes `voices/<story>.toml` for a cast, keeping the renames, corrections, pronunciations,
/// notes and pauses of an existing file.
pub fn write_cast(dir: &Path, story: &str, cast: &Cast) -> Result<PathBuf, ConfigError> {
    let path = story_file(dir, story);
    let mut file = read(&path)?.unwrap_or_default();
    file.narrator = Some(VoiceSpec::from(&cast.narrator).into());
    file.characters =
        cast.members.iter().map(|m| (m.character.name.clone(), VoiceSpec::from(&m.voice).into())).collect();
    let body = toml::to_string_pretty(&file)
        .map_err(|e| ConfigError::Write { path: path.clone(), source: std::io::Error::other(e) })?;
    let header = format!(
        "# Voices for {story}: written by `audiobook cast --write`, yours to edit.\n# Keys: narrator, characters.NAME (engine, voice, rate, pitch, volume), renames,\n# [[corrections]] (line or quote, speaker), pronunciations, notes.skip, pauses.\n\n"
    );
    std::fs::create_dir_all(dir).map_err(|source| ConfigError::Write { path: dir.to_path_buf(), source })?;
    crate::util::write_atomic(&path, (header + &body).as_bytes())
        .map_err(|source| ConfigError::Write { path: path.clone(), source })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = parse(Path::new("voices/x.toml"), "[narrator]\nengine = \"flite\"\nvoice = \n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("voices/x.toml:3:"), "{msg}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = parse(Path::new("v.toml"), "[narator]\nengine = \"flite\"\n").unwrap_err();
        assert!(err.to_string().contains("narator"), "{err}");
    }

    #[test]
    fn the_story_file_wins_over_the_default() {
        let mut base = parse(Path::new("d"), "[pronunciations]\nA = \"a\"\nB = \"b\"\n[notes]\nskip = true\n").unwrap();
        let over = parse(Path::new("s"), "[pronunciations]\nB = \"bee\"\n").unwrap();
        merge(&mut base, over);
        assert_eq!(base.pronunciations["B"], "bee");
        assert_eq!(base.pronunciations["A"], "a");
        assert_eq!(base.notes, Some(Notes { skip: true }));
    }

    #[test]
    fn renames_merge_characters() {
        let text = "\"Hi,\" said Lizzy. \"Yes,\" said Eliza.";
        let (mut script, _) = crate::segment::segment_str(text);
        script.lines[0].speaker = Some("Lizzy".into());
        script.lines[2].speaker = Some("Eliza".into());
        let ch =
            |n: &str| Character { name: n.into(), aliases: vec![], gender: Default::default(), lines: 1, words: 1 };
        let mut chars = vec![ch("Lizzy"), ch("Eliza")];
        let loaded = Loaded { file: parse(Path::new("v"), "[renames]\nLizzy = \"Eliza\"\n").unwrap(), paths: vec![] };
        loaded.apply_to_script(text, &mut script, &mut chars).unwrap();
        assert_eq!(chars.len(), 1);
        assert_eq!(chars[0].name, "Eliza");
        assert_eq!(chars[0].lines, 2);
        assert_eq!(chars[0].aliases, ["Lizzy"]);
    }
}

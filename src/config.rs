//! Voices files: `voices/<story>.toml`, written by `audiobook cast STORY --write` and edited by
//! hand, over `voices/default.toml` for every story. They fix the narrator's and characters'
//! voices, rename and merge characters, correct single lines' speakers, add pronunciations, keep
//! or skip notes, set pauses, and give engines settings of their own.
//!
//! In: the files' text. Out: [`Loaded`], whose methods return the corrected script and
//! characters ([`Loaded::correct`]) and the overridden cast ([`Loaded::cast`]) as new values.
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
use crate::cast::Cast;
use crate::engine::{EngineConfig, Engines};
use crate::plan::{Pauses, Pronunciations};
use crate::script::{Kind, Script};
use crate::voice::Voice;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A speaker correction for one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The script line number (1-based, as `audiobook script` shows it).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "line_number")]
    pub line: Option<usize>,
    /// A fragment of the quotation's text, when no line number is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    pub speaker: String,
}

/// A script line number: counts from 1.
fn line_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let n = i64::deserialize(d)?;
    usize::try_from(n).ok().filter(|&n| n >= 1).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!("a line number counts from 1, as `audiobook script` shows them, not {n}"))
    })
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
    pub narrator: Option<Voice>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub characters: BTreeMap<String, Voice>,
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
    /// Each engine's own settings (`[engines.festival] program = "..."`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub engines: BTreeMap<String, toml::Table>,
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
    toml::from_str(source).map_err(|e| syntax(path, source, e.span(), e.message()))
}

fn syntax(path: &Path, source: &str, span: Option<std::ops::Range<usize>>, message: &str) -> ConfigError {
    let (line, column) = span.map_or((1, 1), |s| line_column(source, s.start));
    ConfigError::Syntax { path: path.to_path_buf(), line, column, message: message.trim().to_string() }
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
    load_files(&[dir.join("default.toml"), story_file(dir, story)])
}

/// Reads `default.toml` from `dir` (optional): the settings of every story.
pub fn load_defaults(dir: &Path) -> Result<Loaded, ConfigError> {
    load_files(&[dir.join("default.toml")])
}

fn load_files(paths: &[PathBuf]) -> Result<Loaded, ConfigError> {
    let mut loaded = Loaded::default();
    for path in paths.iter().cloned() {
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
    for (engine, settings) in over.engines {
        base.engines.entry(engine).or_default().extend(settings);
    }
}

impl Loaded {
    /// The file to name in errors: the story's own when there is one.
    fn path(&self) -> PathBuf {
        self.paths.last().cloned().unwrap_or_default()
    }

    fn invalid(&self, key: String, message: String) -> ConfigError {
        ConfigError::Invalid { path: self.path(), key, message }
    }

    /// The script and characters with the file's renames and merges, then its line
    /// corrections, applied.
    pub fn correct(
        &self,
        text: &str,
        script: &Script,
        characters: &[Character],
    ) -> Result<(Script, Vec<Character>), ConfigError> {
        let (mut script, mut characters) = (script.clone(), characters.to_vec());
        for (from, to) in &self.file.renames {
            if !characters.iter().any(|c| &c.name == from || c.aliases.contains(from)) {
                return Err(self.invalid(format!("renames.{from}"), not_a_character(from, &characters)));
            }
            rename(&mut script, &mut characters, from, to);
        }
        for (n, c) in self.file.corrections.iter().enumerate() {
            let key = format!("corrections[{n}]");
            let index = self.correction_line(text, &script, c, &key)?;
            let line = &mut script.lines[index];
            line.speaker = Some(c.speaker.clone());
            line.confidence = 1.0;
            line.evidence = Some("voices file".to_string());
        }
        recount(text, &script, &mut characters);
        Ok((script, characters))
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

    /// The cast with the file's voices in place of the automatic ones, each engine, voice and
    /// character checked.
    pub fn cast(&self, cast: &Cast, engines: &Engines) -> Result<Cast, ConfigError> {
        let mut cast = cast.clone();
        if let Some(voice) = &self.file.narrator {
            cast.narrator = self.checked(voice, "narrator", engines)?;
        }
        for (written, voice) in &self.file.characters {
            let key = format!("characters.{written}");
            let voice = self.checked(voice, &key, engines)?;
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
            member.voice = voice;
        }
        Ok(cast)
    }

    /// A voice whose engine exists here and has that voice.
    fn checked(&self, voice: &Voice, key: &str, engines: &Engines) -> Result<Voice, ConfigError> {
        let engine = engines.get(&voice.engine).map_err(|e| self.invalid(format!("{key}.engine"), e.to_string()))?;
        if !engine.voices().iter().any(|v| v.id == voice.id) {
            let message = format!(
                "{} has no voice {:?}; `audiobook voices --engine {}` lists them",
                voice.engine, voice.id, voice.engine
            );
            return Err(self.invalid(format!("{key}.voice"), message));
        }
        Ok(voice.clone())
    }

    /// The engine settings: `base` (from the command line) with the file's own settings for
    /// each engine.
    pub fn engine_config(&self, base: EngineConfig) -> Result<EngineConfig, ConfigError> {
        let mut config = base;
        config.settings = self.file.engines.clone();
        crate::engine::registry::check_settings(&config)
            .map_err(|e| self.invalid("engines".to_string(), e.to_string()))?;
        Ok(config)
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

/// Writes `voices/<story>.toml` for a cast: the narrator's and each character's voice. An existing
/// file is edited in place: its comments, layout and other settings (renames, corrections,
/// pronunciations, notes, pauses, engines) stay as they are.
pub fn write_cast(dir: &Path, story: &str, cast: &Cast) -> Result<PathBuf, ConfigError> {
    let path = story_file(dir, story);
    let mut doc = match std::fs::read_to_string(&path) {
        Ok(source) => {
            // Checked as a voices file first, so a broken one is reported, not overwritten.
            parse(&path, &source)?;
            source.parse::<toml_edit::DocumentMut>().map_err(|e| syntax(&path, &source, e.span(), e.message()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => new_file(story),
        Err(source) => return Err(ConfigError::Read { path, source }),
    };
    set_voice(doc.as_table_mut().entry("narrator").or_insert(toml_edit::table()), &cast.narrator);
    let characters = doc.as_table_mut().entry("characters").or_insert(toml_edit::table());
    if let Some(inline) = characters.as_inline_table().cloned() {
        *characters = toml_edit::Item::Table(inline.into_table());
    }
    if let Some(characters) = characters.as_table_mut() {
        characters.retain(|name, _| cast.members.iter().any(|m| m.character.name == name));
        for member in &cast.members {
            set_voice(characters.entry(&member.character.name).or_insert(toml_edit::table()), &member.voice);
        }
        // `[characters.Mara]` sections, without an empty `[characters]` above them.
        characters.set_implicit(true);
    }
    std::fs::create_dir_all(dir).map_err(|source| ConfigError::Write { path: dir.to_path_buf(), source })?;
    crate::util::write_atomic(&path, doc.to_string().as_bytes())
        .map_err(|source| ConfigError::Write { path: path.clone(), source })?;
    Ok(path)
}

/// A new voices file: a comment saying what it holds.
fn new_file(story: &str) -> toml_edit::DocumentMut {
    let header = format!(
        "# Voices for {story}: written by `audiobook cast --write`, yours to edit.\n\
         # Keys: narrator, characters.NAME (engine, voice, rate, pitch, volume), renames,\n\
         # [[corrections]] (line or quote, speaker), pronunciations, notes.skip, pauses, engines.NAME.\n\n"
    );
    let mut doc = toml_edit::DocumentMut::new();
    doc.decor_mut().set_prefix(header);
    doc
}

/// Writes a voice into a table, keeping the comments beside values it replaces; a voice's
/// natural rate, pitch and volume go without saying.
fn set_voice(item: &mut toml_edit::Item, voice: &Voice) {
    if !item.is_table_like() {
        *item = toml_edit::table();
    }
    let Some(table) = item.as_table_like_mut() else { return };
    let p = voice.prosody;
    let fields: [(&str, Option<toml_edit::Value>); 5] = [
        ("engine", Some(voice.engine.as_str().into())),
        ("voice", Some(voice.id.as_str().into())),
        ("rate", (p.rate != 1.0).then(|| f64::from(p.rate).into())),
        ("pitch", (p.pitch != 1.0).then(|| f64::from(p.pitch).into())),
        ("volume", (p.volume != 1.0).then(|| f64::from(p.volume).into())),
    ];
    for (key, value) in fields {
        match (value, table.get_mut(key)) {
            // Replaced in place: the comments above the key and beside the value stay.
            (Some(mut value), Some(old)) => {
                if let Some(old) = old.as_value() {
                    *value.decor_mut() = old.decor().clone();
                }
                *old = toml_edit::Item::Value(value);
            }
            (Some(value), None) => {
                table.insert(key, toml_edit::Item::Value(value));
            }
            (None, _) => {
                table.remove(key);
            }
        }
    }
}

// The studio's edits: a correction, a voice, a rename.
mod edit;
pub use edit::{add_correction, rename_character, set_voice_of};

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
    fn the_shipped_default_file_changes_nothing_and_shows_every_setting() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("voices/default.toml");
        let source = std::fs::read_to_string(&path).unwrap();
        assert_eq!(parse(&path, &source).unwrap(), VoicesFile::default(), "everything is commented out");
        // Its settings are the lines whose `#` is followed by no space: uncommented, they parse,
        // and they set every part of a voices file.
        let uncommented: String = source
            .lines()
            .map(|l| if l.starts_with('#') && !l.starts_with("# ") && l != "#" { &l[1..] } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        let file = parse(&path, &uncommented).unwrap();
        assert!(file.narrator.is_some() && !file.characters.is_empty() && !file.renames.is_empty());
        assert!(file.corrections.len() == 2 && !file.pronunciations.is_empty() && file.notes.is_some());
        assert!(file.pauses.is_some() && !file.engines.is_empty());
        let loaded = Loaded { file, paths: vec![path] };
        assert!(loaded.engine_config(EngineConfig::default()).is_ok(), "the engine settings are real ones");
    }

    #[test]
    fn numbers_out_of_range_name_the_range() {
        for (source, expected) in [
            ("[pauses]\nparagraph_ms = 4294967295\n", "0 to 60000 milliseconds"),
            ("[pauses]\nline_ms = -5\n", "0 to 60000 milliseconds"),
            ("[[corrections]]\nline = -5\nspeaker = \"Tom\"\n", "counts from 1"),
            ("[[corrections]]\nline = 0\nspeaker = \"Tom\"\n", "counts from 1"),
            ("[narrator]\nengine = \"flite\"\nvoice = \"rms\"\nrate = nan\n", "0.25 to 4"),
        ] {
            let err = parse(Path::new("v.toml"), source).unwrap_err().to_string();
            assert!(err.contains(expected) && err.starts_with("v.toml:"), "{source:?}: {err}");
            assert!(!err.contains("usize") && !err.contains("u32"), "{err}");
        }
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
        let chars = vec![ch("Lizzy"), ch("Eliza")];
        let loaded = Loaded { file: parse(Path::new("v"), "[renames]\nLizzy = \"Eliza\"\n").unwrap(), paths: vec![] };
        let (_, chars) = loaded.correct(text, &script, &chars).unwrap();
        assert_eq!(chars.len(), 1);
        assert_eq!(chars[0].name, "Eliza");
        assert_eq!(chars[0].lines, 2);
        assert_eq!(chars[0].aliases, ["Lizzy"]);
    }
}

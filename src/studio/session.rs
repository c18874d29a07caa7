//! The studio's story: one reading of the story with its voices files, its cast and engines, and
//! what the page does with them (hear lines, correct speakers, cast voices, render the book). No
//! HTTP here: the server only turns requests into these calls.
//!
//! Every edit goes to the voices file first, then the story is read again through
//! [`pipeline::read`] and cast again exactly as `audiobook render` casts it, so what the page
//! shows and plays is what a render of the same files makes, through the same cache.

use super::StudioError;
use crate::cast::Cast;
use crate::config;
use crate::engine::{EngineConfig, Engines};
use crate::manifest::Manifest;
use crate::pipeline::{self, Story};
use crate::plan::Selection;
use crate::progress::{Display, Watch};
use crate::render::{self, RenderOptions};
use crate::report;
use crate::script::Kind;
use crate::voice::Voice;
use crate::{attribute, export, load, segment};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

pub use crate::report::DOUBTFUL_BELOW;

/// The folder of the output folder where the studio writes what it plays.
pub const PLAYS_DIR: &str = "studio";

/// What the studio was started with: the story and the settings a render of it takes.
#[derive(Debug, Clone)]
pub struct Settings {
    pub story: PathBuf,
    /// The folder of voices files (`default.toml`, `<story>.toml`).
    pub voices: PathBuf,
    /// A render's options as the command line gave them (output and cache folders, jobs, sample
    /// rate); the voices files' settings are applied to them on every reading.
    pub render: RenderOptions,
    /// Whether the command line said `--skip-notes`.
    pub skip_notes: bool,
    /// The engines' settings from the command line, without the voices files' own.
    pub engines: EngineConfig,
    /// The one engine asked for with `--engine`, if any.
    pub engine: Option<String>,
}

impl Settings {
    /// Where the studio writes what it plays.
    pub fn plays_dir(&self) -> PathBuf {
        self.render.out_dir.join(PLAYS_DIR)
    }
}

/// The story read with its voices files, cast, and the engines that speak it.
pub struct Session {
    pub story: Story,
    pub cast: Cast,
    pub engines: Arc<Engines>,
    /// When the story and its voices files were last changed, as this reading found them.
    stamp: Stamp,
}

/// The modification times of the files a reading depends on.
#[derive(Debug, Clone, PartialEq)]
struct Stamp(Vec<Option<SystemTime>>);

impl Stamp {
    fn of(settings: &Settings, story: &str) -> Stamp {
        let files =
            [settings.story.clone(), settings.voices.join("default.toml"), config::story_file(&settings.voices, story)];
        Stamp(files.iter().map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok()).collect())
    }
}

/// A part of the story rendered to a file, with the times of its lines.
#[derive(Debug, Clone, Serialize)]
pub struct Played {
    /// The file's name in the output folder ("studio/play-3.wav").
    pub file: String,
    pub duration_s: f64,
    pub lines: Vec<Timing>,
    /// Pieces an engine spoke for it, and pieces found in the cache.
    pub synthesized: usize,
    pub cache_hits: usize,
    /// How long the render took, in milliseconds.
    pub render_ms: f64,
}

/// Where a line is in a played file.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    /// 1-based script line.
    pub line: usize,
    pub start_s: f64,
    pub end_s: f64,
    /// Why it is silent, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How far a play goes from its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Until {
    /// That line only.
    Line,
    /// To the end of its scene.
    Scene,
    /// To the end of its chapter.
    Chapter,
}

/// What a finished full render wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Rendered {
    pub files: Vec<String>,
    pub audio_s: f64,
    pub wall_s: f64,
    pub synthesized: usize,
    pub cache_hits: usize,
    /// Lines that could not be voiced: "line N (voice): why".
    pub failures: Vec<String>,
    /// Why the captions, cue sheet and labels were not written, when they were not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_error: Option<String>,
}

impl Session {
    /// Reads the story and casts it. `previous`, the reading before, lends its engines (and
    /// their warm processes) when the voices files' engine settings have not changed.
    pub fn open(settings: &Settings, previous: Option<&Session>) -> Result<Session, StudioError> {
        // Taken first: a file changed while it is read makes the reading stale.
        let stem = settings.story.file_stem().map_or_else(|| "story".into(), |s| s.to_string_lossy().into_owned());
        let stamp = Stamp::of(settings, &stem);
        let story = pipeline::read(&settings.story, &settings.voices)?;
        let engines = match previous {
            Some(p) if p.story.config.file.engines == story.config.file.engines => p.engines.clone(),
            _ => Arc::new(engines(settings, &story.config)?),
        };
        // Cast as `audiobook render` casts it.
        let cast = story.cast(&engines)?;
        Ok(Session { story, cast, engines, stamp })
    }

    /// Whether the story or a voices file changed since this reading (edited by hand).
    pub fn is_stale(&self, settings: &Settings) -> bool {
        Stamp::of(settings, &self.story.name) != self.stamp
    }

    /// The render's options with the voices files' settings, as `audiobook render` makes them.
    pub fn options(&self, settings: &Settings) -> RenderOptions {
        let mut opts = settings.render.clone();
        opts.skip_notes = settings.skip_notes || self.story.config.skip_notes();
        opts.pronunciations = self.story.config.pronunciations().clone();
        opts.pauses = self.story.config.pauses();
        opts.display = Display::Hidden;
        opts.selection = Selection::Chapters;
        opts.watch = None;
        opts
    }

    /// The script lines (0-based) a play starting at `line` (1-based) covers.
    pub fn span(&self, line: usize, until: Until) -> Result<Vec<usize>, StudioError> {
        let i = self.line_index(line)?;
        let lines = &self.story.script.lines;
        let first = &lines[i];
        let end = match until {
            Until::Line => i + 1,
            Until::Scene => {
                i + lines[i..].iter().take_while(|l| l.chapter == first.chapter && l.scene == first.scene).count()
            }
            Until::Chapter => i + lines[i..].iter().take_while(|l| l.chapter == first.chapter).count(),
        };
        Ok((i..end).collect())
    }

    /// Renders the script lines `indexes` (0-based) to `name` in the studio's folder, with the
    /// cast, or with `cast` in its place (an audition).
    pub fn play(
        &self,
        settings: &Settings,
        indexes: Vec<usize>,
        name: &str,
        cast: Option<&Cast>,
    ) -> Result<Played, StudioError> {
        let started = Instant::now();
        let dir = settings.plays_dir();
        std::fs::create_dir_all(&dir).map_err(|source| crate::Error::Write { path: dir.clone(), source })?;
        let mut opts = self.options(settings);
        opts.selection = Selection::Lines { indexes, file: dir.join(name) };
        let cast = cast.unwrap_or(&self.cast);
        let manifest = render::render(&self.story.text, &self.story.script, cast, &self.engines, &opts)?;
        let chapter = manifest.chapters.first();
        let lines = chapter.map_or(&[][..], |c| &c.lines[..]);
        Ok(Played {
            file: format!("{PLAYS_DIR}/{name}"),
            duration_s: chapter.map_or(0.0, |c| c.duration_s),
            lines: lines
                .iter()
                .map(|l| Timing { line: l.line, start_s: l.start_s, end_s: l.end_s, error: l.error.clone() })
                .collect(),
            synthesized: manifest.synthesized,
            cache_hits: manifest.cache_hits,
            render_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Renders one of `character`'s own lines (a narration line for the narrator, `None`) in
    /// `voice`, without saving anything, to `name` in the studio's folder.
    pub fn audition(
        &self,
        settings: &Settings,
        character: Option<&str>,
        voice: Voice,
        name: &str,
    ) -> Result<Played, StudioError> {
        let voice = self.checked_voice(voice)?;
        let mut cast = self.cast.clone();
        match character {
            None => cast.narrator = voice,
            Some(who) => {
                let member = cast.members.iter_mut().find(|m| m.character.name == who);
                member.ok_or_else(|| self.unknown_character(who))?.voice = voice;
            }
        }
        let line = self.sample_line(character).ok_or_else(|| {
            StudioError::Invalid(format!("{} has no line to hear", character.unwrap_or("the narrator")))
        })?;
        self.play(settings, vec![line], name, Some(&cast))
    }

    /// Makes line `line` (1-based, a dialogue line) spoken by `speaker`, saved as a correction.
    pub fn correct(&self, settings: &Settings, line: usize, speaker: &str) -> Result<Session, StudioError> {
        let i = self.line_index(line)?;
        if self.story.script.lines[i].kind != Kind::Dialogue {
            return Err(StudioError::Invalid(format!("line {line} is not dialogue: only dialogue has a speaker")));
        }
        let speaker = name(speaker)?;
        self.edit(settings, |dir, story| config::add_correction(dir, story, line, &speaker))
    }

    /// Renames a character, or merges it into another when `to` names one.
    pub fn rename(&self, settings: &Settings, from: &str, to: &str) -> Result<Session, StudioError> {
        if !self.story.characters.iter().any(|c| c.name == from) {
            return Err(self.unknown_character(from));
        }
        let to = name(to)?;
        if to == from {
            return Err(StudioError::Invalid(format!("{from} is already called {to}")));
        }
        // Only a name of the story's own gets a `[renames]` entry (read now: renames are rare).
        let original = own_names(&settings.story)?.contains(from);
        self.edit(settings, |dir, story| config::rename_character(dir, story, from, &to, original))
    }

    /// Gives the narrator (`None`) or a character another voice, saved to the voices file.
    pub fn set_voice(
        &self,
        settings: &Settings,
        character: Option<&str>,
        voice: Voice,
    ) -> Result<Session, StudioError> {
        if let Some(who) = character
            && !self.cast.members.iter().any(|m| m.character.name == who)
        {
            return Err(self.unknown_character(who));
        }
        let voice = self.checked_voice(voice)?;
        self.edit(settings, |dir, story| config::set_voice_of(dir, story, character, &voice))
    }

    /// Renders the whole book as `audiobook render` does (chapters, manifest, captions, cue
    /// sheet and labels), telling `watch` how it goes.
    pub fn render_all(&self, settings: &Settings, watch: Arc<Watch>) -> Result<Rendered, StudioError> {
        let mut opts = self.options(settings);
        opts.watch = Some(watch);
        let story = &self.story;
        (opts.book, opts.beside) = export::source::prepare(&story.text, story.format, &story.metadata, None, None);
        let manifest: Manifest =
            render::render(&self.story.text, &self.story.script, &self.cast, &self.engines, &opts)?;
        let export_error =
            export::export_all(&opts.out_dir, &export::ExportOptions::default()).err().map(|e| e.to_string());
        Ok(Rendered {
            files: manifest.chapters.iter().flat_map(|c| c.files().cloned()).collect(),
            audio_s: manifest.audio_s,
            wall_s: manifest.wall_s,
            synthesized: manifest.synthesized,
            cache_hits: manifest.cache_hits,
            failures: manifest.failures.iter().map(|f| format!("line {} ({}): {}", f.line, f.voice, f.error)).collect(),
            export_error,
        })
    }

    /// Everything the page shows: the script, the characters with their voices, and where
    /// each voice comes from.
    pub fn to_json(&self, settings: &Settings) -> serde_json::Value {
        let text = &self.story.text;
        let script = &self.story.script;
        let lines: Vec<serde_json::Value> = script
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                serde_json::json!({
                    "line": i + 1,
                    "chapter": l.chapter,
                    "scene": l.scene,
                    "paragraph": l.paragraph,
                    "kind": l.kind,
                    "text": &text[l.span.range()],
                    "speaker": l.speaker,
                    "confidence": l.confidence,
                    "evidence": l.evidence,
                    "doubtful": report::is_doubtful(l, DOUBTFUL_BELOW),
                })
            })
            .collect();
        let file = &self.story.config.file;
        let characters: Vec<serde_json::Value> = self
            .cast
            .members
            .iter()
            .map(|m| {
                let c = &m.character;
                serde_json::json!({
                    "name": c.name,
                    "aliases": c.aliases,
                    "gender": c.gender,
                    "lines": c.lines,
                    "words": c.words,
                    "voice": m.voice,
                    "saved": file.characters.keys().any(|k| self.renamed(k) == c.name),
                })
            })
            .collect();
        serde_json::json!({
            "story": self.story.name,
            "voices_file": config::story_file(&settings.voices, &self.story.name).display().to_string(),
            "doubtful_below": DOUBTFUL_BELOW,
            "chapters": script.chapters.iter().map(|c| serde_json::json!({"index": c.index, "title": c.title})).collect::<Vec<_>>(),
            "lines": lines,
            "narrator": { "voice": self.cast.narrator, "saved": file.narrator.is_some() },
            "characters": characters,
        })
    }

    /// Every voice the engines offer, for the cast panel.
    pub fn voices_json(&self) -> serde_json::Value {
        serde_json::json!(self.engines.voices())
    }

    /// Writes an edit, then reads the story again; a reading that fails puts the file back as
    /// it was, so an edit never leaves a voices file the other commands refuse.
    fn edit(
        &self,
        settings: &Settings,
        change: impl FnOnce(&Path, &str) -> Result<PathBuf, config::ConfigError>,
    ) -> Result<Session, StudioError> {
        let path = config::story_file(&settings.voices, &self.story.name);
        let before = std::fs::read(&path).ok();
        change(&settings.voices, &self.story.name)?;
        Session::open(settings, Some(self)).inspect_err(|_| {
            let _ = match &before {
                Some(bytes) => crate::util::write_atomic(&path, bytes),
                None => std::fs::remove_file(&path),
            };
        })
    }

    fn line_index(&self, line: usize) -> Result<usize, StudioError> {
        let count = self.story.script.lines.len();
        match line.checked_sub(1) {
            Some(i) if i < count => Ok(i),
            _ => Err(StudioError::Invalid(format!("there is no line {line}: the story has lines 1 to {count}"))),
        }
    }

    fn unknown_character(&self, who: &str) -> StudioError {
        let names: Vec<&str> = self.story.characters.iter().map(|c| c.name.as_str()).collect();
        StudioError::Invalid(format!("no character is called {who:?}; the characters are: {}", names.join(", ")))
    }

    /// A voice the engines have.
    fn checked_voice(&self, voice: Voice) -> Result<Voice, StudioError> {
        let engine = self.engines.get(&voice.engine)?;
        if !engine.voices().iter().any(|v| v.id == voice.id) {
            return Err(StudioError::Invalid(format!("{} has no voice {:?}", voice.engine, voice.id)));
        }
        // Rate, pitch and volume were checked when the voice was read, as a voices file's are.
        Ok(voice)
    }

    /// A line to audition a voice on: the character's dialogue line (or, for the narrator, the
    /// narration line) whose length is nearest a dozen words, the first of equals.
    fn sample_line(&self, character: Option<&str>) -> Option<usize> {
        let (kind, wanted) = match character {
            Some(_) => (Kind::Dialogue, 12),
            None => (Kind::Narration, 20),
        };
        let lines = &self.story.script.lines;
        (0..lines.len())
            .filter(|&i| lines[i].kind == kind && character.is_none_or(|w| lines[i].speaker.as_deref() == Some(w)))
            .min_by_key(|&i| self.story.text[lines[i].span.range()].split_whitespace().count().abs_diff(wanted))
    }

    /// The name a voices file's name ends up as after its renames.
    fn renamed<'a>(&'a self, mut name: &'a str) -> &'a str {
        let renames = &self.story.config.file.renames;
        for _ in 0..8 {
            match renames.get(name) {
                Some(to) if to != name => name = to,
                _ => break,
            }
        }
        name
    }
}

/// The engines a render of the story uses: as the command line asked, with the voices files'
/// engine settings.
fn engines(settings: &Settings, config: &config::Loaded) -> Result<Engines, StudioError> {
    let engine_config = config.engine_config(settings.engines.clone())?;
    Ok(match &settings.engine {
        Some(name) => Engines::only(name, engine_config)?,
        None => Engines::discover(engine_config),
    })
}

/// The names and aliases the story gives its characters, before any voices file.
fn own_names(path: &Path) -> Result<BTreeSet<String>, StudioError> {
    let text = load::load(path)?;
    let found = attribute::attribute(&text.text, &segment::segment(&text));
    Ok(found.characters.into_iter().flat_map(|c| std::iter::once(c.name).chain(c.aliases)).collect())
}

/// A character's name as typed: trimmed, one line, not empty, not too long.
fn name(typed: &str) -> Result<String, StudioError> {
    let name = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(StudioError::Invalid("give a name".into()));
    }
    if name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(StudioError::Invalid("a name is one line of at most 60 characters".into()));
    }
    Ok(name)
}

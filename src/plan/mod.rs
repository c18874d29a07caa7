//! The plan: what a render will do, decided before any engine speaks.
//!
//! In: the story's text, its script and its cast, the engines' versions, and the options (notes
//! skipped or not, pronunciations, pauses, whole book or a selection). Out: a [`Plan`] that can
//! be inspected and tested alone: the distinct voices (the narrator's first), every piece of
//! speech to synthesize (a line longer than a few sentences has several) with its spoken text,
//! voice and cache key, and the files to write with the lines each holds.

mod spoken;

pub use spoken::{MAX_CHUNK_CHARS, Pauses, Pronunciations, chunks, is_speakable, pronounce, spoken, spoken_text};

use crate::audio::cache::CacheKey;
use crate::cast::Cast;
use crate::script::{Kind, Script};
use crate::voice::Voice;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::PathBuf;

/// Which lines go into which file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The whole story, one file per chapter, with `manifest.json`.
    Chapters,
    /// These line indexes (0-based, in order) into one file, e.g. a preview.
    Lines { indexes: Vec<usize>, file: PathBuf },
}

/// What the plan takes from the render's options.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Where chapter files go.
    pub out_dir: PathBuf,
    pub selection: Selection,
    /// Leave notes (author's notes, disclaimers) out of the audio.
    pub skip_notes: bool,
    pub pronunciations: Pronunciations,
}

/// One piece of speech to synthesize.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The script line (0-based) it is part of.
    pub line: usize,
    /// Its voice, an index into [`Plan::voices`].
    pub voice: usize,
    /// What the engine says.
    pub spoken: String,
    /// Where its audio is cached.
    pub key: CacheKey,
}

/// One file to write: a chapter, or a preview.
#[derive(Debug, Clone, PartialEq)]
pub struct FilePlan {
    pub title: String,
    pub path: PathBuf,
    /// The script lines (0-based) it holds, voiced or not.
    pub lines: Vec<usize>,
    /// The source document the chapter begins in (for an EPUB, the file inside it).
    pub source: Option<String>,
    /// Every source document its lines come from, when there are several.
    pub sources: Vec<String>,
}

/// Everything a render will synthesize and write.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The distinct voices; the narrator's is first.
    pub voices: Vec<Voice>,
    /// Every piece of speech, in script order.
    pub jobs: Vec<Job>,
    /// The pieces of each voiced line, as a range of [`Plan::jobs`].
    pub pieces: BTreeMap<usize, Range<usize>>,
    pub files: Vec<FilePlan>,
}

impl Plan {
    /// The jobs of line `i` (none when it is not voiced).
    pub fn jobs_of(&self, i: usize) -> Range<usize> {
        self.pieces.get(&i).cloned().unwrap_or(0..0)
    }

    /// The cache key of `spoken` in `voice`, as the plan makes them.
    pub fn key(voice: &Voice, versions: &Versions, spoken: &str) -> CacheKey {
        let version = versions.get(&(voice.engine.clone(), voice.id.clone())).map_or("", String::as_str);
        CacheKey::new(&voice.engine, version, &voice.id, voice.prosody, spoken)
    }
}

/// What each voice's audio depends on besides its name, prosody and text, by (engine, voice):
/// the engine's version, and what the voice adds (a hash of a Piper model, which the user may
/// replace). Part of every cache key.
pub type Versions = BTreeMap<(String, String), String>;

/// Plans a render. `versions` gives each voice's version, for the cache keys.
pub fn plan(text: &str, script: &Script, cast: &Cast, versions: &Versions, opts: &PlanOptions) -> Plan {
    let voice_of = cast.voices_by_speaker();
    let mut voices = vec![cast.narrator.clone()];
    let mut index: HashMap<String, usize> = HashMap::from([(cast.narrator.label(), 0)]);
    let wanted: Vec<usize> = match &opts.selection {
        Selection::Chapters => (0..script.lines.len()).collect(),
        Selection::Lines { indexes, .. } => indexes.clone(),
    };
    let (mut jobs, mut pieces) = (Vec::with_capacity(wanted.len()), BTreeMap::new());
    for i in wanted {
        let Some(line) = script.lines.get(i) else { continue };
        if opts.skip_notes && line.kind == Kind::Note {
            continue;
        }
        let spoken = spoken(&text[line.span.range()], &opts.pronunciations);
        if !is_speakable(&spoken) {
            continue;
        }
        let choice = voice_of(line);
        let voice = *index.entry(choice.label()).or_insert_with(|| {
            voices.push(choice.clone());
            voices.len() - 1
        });
        let first = jobs.len();
        for piece in chunks(&spoken, MAX_CHUNK_CHARS) {
            let key = Plan::key(&voices[voice], versions, &piece);
            jobs.push(Job { line: i, voice, spoken: piece, key });
        }
        pieces.insert(i, first..jobs.len());
    }
    Plan { voices, jobs, pieces, files: files(script, opts) }
}

/// The files to write.
fn files(script: &Script, opts: &PlanOptions) -> Vec<FilePlan> {
    match &opts.selection {
        Selection::Lines { indexes, file } => {
            vec![FilePlan {
                title: "Preview".to_string(),
                path: file.clone(),
                lines: indexes.clone(),
                source: None,
                sources: Vec::new(),
            }]
        }
        Selection::Chapters => {
            let width = if script.chapters.len() > 99 { 3 } else { 2 };
            script
                .chapters
                .iter()
                .map(|c| {
                    let name = format!("{:0width$}-{}.wav", c.index, slug(&c.title));
                    FilePlan {
                        title: c.title.clone(),
                        path: opts.out_dir.join(name),
                        lines: c.lines.clone().collect(),
                        source: c.source.clone(),
                        sources: if c.sources.len() > 1 { c.sources.clone() } else { Vec::new() },
                    }
                })
                .collect()
        }
    }
}

/// A file-name-safe form of a title: `CHAPTER II. The Storm` -> `chapter-ii-the-storm`.
pub fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let mut s: String = s.trim_end_matches('-').chars().take(48).collect();
    s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "chapter".to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribute::Character;
    use crate::cast::Member;

    #[test]
    fn slugs() {
        assert_eq!(slug("CHAPTER II. The Storm"), "chapter-ii-the-storm");
        assert_eq!(slug("Chapter 1"), "chapter-1");
        assert_eq!(slug("***"), "chapter");
        assert_eq!(slug("Caf\u{E9} au lait"), "caf-au-lait");
    }

    #[test]
    fn a_plan_names_every_voiced_piece_and_file() {
        let text = "Chapter 1\n\n\"Tea?\" asked Ann.\n\n...\n";
        let (mut script, _) = crate::segment::segment_str(text);
        let dialogue = script.lines.iter().position(|l| l.kind == Kind::Dialogue).unwrap();
        script.lines[dialogue].speaker = Some("Ann".into());
        let ann = Character { name: "Ann".into(), aliases: vec![], gender: Default::default(), lines: 1, words: 1 };
        let cast = Cast {
            narrator: Voice::new("flite", "rms"),
            members: vec![Member { character: ann, voice: Voice::new("flite", "slt") }],
        };
        let version = |id: &str| (("flite".to_string(), id.to_string()), "2.2".to_string());
        let versions = Versions::from([version("rms"), version("slt")]);
        let opts = PlanOptions {
            out_dir: PathBuf::from("out"),
            selection: Selection::Chapters,
            skip_notes: false,
            pronunciations: Pronunciations::new(),
        };
        let plan = plan(text, &script, &cast, &versions, &opts);
        assert_eq!(plan.voices, [Voice::new("flite", "rms"), Voice::new("flite", "slt")]);
        let tea = &plan.jobs[plan.jobs_of(dialogue).start];
        assert_eq!((tea.spoken.as_str(), tea.voice), ("Tea?", 1));
        assert_eq!(tea.key, Plan::key(&plan.voices[1], &versions, "Tea?"));
        // "..." says nothing, so it has no piece.
        assert!(plan.jobs.iter().all(|j| is_speakable(&j.spoken)));
        assert_eq!(plan.files.len(), 1);
        assert_eq!(plan.files[0].path, PathBuf::from("out/01-chapter-1.wav"));
    }
}

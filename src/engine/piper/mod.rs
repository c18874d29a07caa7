//! Piper: neural voices (VITS models exported to ONNX), run in this process through ONNX Runtime.
//!
//! A line goes: text -> espeak-ng's IPA, clause by clause, through the espeak-ng library the
//! program already loads ([`crate::engine::espeak::library`]) -> sentences of phonemes ->
//! each sentence's phoneme ids, framed as Piper frames them ([`phonemes`]) -> one model run per
//! sentence ([`runtime`]) -> the sentences' audio joined, at the model's rate.
//!
//! - **Voices** ([`voices`]): any `NAME.onnx` with its `NAME.onnx.json` in `voices/piper/` or in
//!   `~/.local/share/audiobook/piper/`; each speaker of a multi-speaker model is a voice of its
//!   own (`NAME#SPEAKER`). Their gender is measured from their pitch ([`pitch`]): Piper's
//!   settings do not give it.
//! - **Sessions**: a model is loaded once per thread that renders with it (about 0.5 s and
//!   150 MB) and kept warm for the next line; at most as many are kept as lines are rendered at
//!   once, so memory stays bounded however long the book. Each session computes on one thread
//!   that never spins idle: `--jobs N` keeps N cores busy with N lines, and `--jobs 1` keeps to
//!   one core (a line split across cores gains less than lines side by side, and would make
//!   `--jobs` no bound on the CPU a render takes).
//! - **Prosody**: rate through the model's `length_scale`. Pitch keeps the duration: the model
//!   speaks `pitch` times slower (`length_scale`), and the audio is resampled to play `pitch` times
//!   faster, which raises pitch and formants alike, as a different speaker would, and adds no
//!   processing artefacts beyond resampling. Volume scales the samples. The model's audio is not
//!   normalized sentence by sentence (Piper's program does): a render matches loudness per voice.
//! - **Timeout**: the line's deadline terminates the model run through ONNX Runtime's run options.
//! - **Cache identity**: the engine's version is the runtime's; each voice adds a hash of its
//!   model's two files ([`Engine::voice_version`]), hashed once and kept, with the measured
//!   pitches, in the engines' saved facts while the files' size, time and inode are unchanged.
//! - **Randomness**: Piper's models draw noise for each sentence (`noise_scale`, `noise_w`), so a
//!   line synthesized twice sounds slightly different each time; the render cache keeps the
//!   first, so renders are reproducible from it.

pub mod config;
pub mod phonemes;
pub mod pitch;
pub mod runtime;
pub mod voices;

use super::espeak::library as libespeak;
use super::{Engine, EngineConfig, EngineError, VoiceInfo, catalogue, saved};
use crate::audio::{Pcm, Pcm16};
use crate::voice::Prosody;
use config::PhonemeType;
use runtime::{ModelSession, RunError, Runtime, Scales};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use voices::Model;

pub const NAME: &str = "piper";

/// What each speaker reads to have its pitch measured: mostly voiced sounds, in plain words.
const PITCH_SENTENCE: &str = "We were all alone on the long road home, and nobody minded.";

/// The longest piece of a sentence one model run takes; a longer sentence is cut where it pauses
/// ([`phonemes::split_long`]). A run's working memory grows with its length, so this bounds each
/// job's memory however long the sentences: with a medium-quality voice, `--jobs 2` peaked at
/// 346 MB over 5,400 words of Pride and Prejudice and 357 MB over 10,800 (453 MB with pieces of
/// 150 phonemes, 563 MB with 248). Runs are never held back to save memory: a held run leaves its
/// core idle (a budget of ids in flight cost `--jobs 2` a fifth of its speed). 100 phonemes are
/// about seventeen words; a longer sentence is cut into pieces of about even length, after a
/// comma, colon or semicolon where one is near a cut.
const MAX_PHONEMES: usize = 100;

/// Pitch multipliers are taken in steps of 1/50, so the resampling that keeps the duration is
/// between rates with a large common divisor (a short filter).
const PITCH_STEPS: f32 = 50.0;

/// What is learned about a model once and kept: what decides the cache, and its speakers' pitch.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Facts {
    hash: String,
    /// Median pitch of each speaker (in [`Model::speakers`] order), where measured.
    pitch_hz: Vec<Option<f32>>,
}

/// What is known of a model in this process, learned on first need.
#[derive(Default)]
struct Learned {
    hash: OnceLock<String>,
    facts: OnceLock<Facts>,
    /// The model converted to ONNX Runtime's format, in memory for the process's lifetime: the
    /// weights every session of it shares.
    converted: OnceLock<Result<&'static [u8], String>>,
}

pub const ENTRY: super::registry::Entry = super::registry::Entry {
    name: NAME,
    package: "scripts/get-voices.sh (Piper's runtime and a voice)",
    settings: &[],
    build: |config| Ok(std::sync::Arc::new(Piper::new(config.clone())?)),
    serve: None,
};

pub struct Piper {
    config: EngineConfig,
    runtime: &'static Runtime,
    models: Vec<Model>,
    learned: Vec<Learned>,
    /// Idle sessions, by model index, most recently used last.
    sessions: Mutex<Vec<(usize, ModelSession)>>,
    /// Lines rendered at once, as [`Engine::prepare`] says (0 until it does).
    jobs: AtomicUsize,
    voices: OnceLock<Vec<VoiceInfo>>,
}

impl Piper {
    /// The voices found and the runtime, or why Piper cannot be used here (no voice, no runtime,
    /// no espeak-ng library to read text with).
    pub fn new(config: EngineConfig) -> Result<Piper, EngineError> {
        let data = runtime::data_dir();
        let folders = voices::folders(config.voices.as_deref(), data.as_deref());
        let found = voices::discover(&folders);
        if found.models.is_empty() {
            let mut reason = format!(
                "no Piper voice was found in {}; run scripts/get-voices.sh to fetch one, or put a voice's \
                 NAME.onnx and NAME.onnx.json in one of those folders",
                folders.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(" or ")
            );
            for problem in &found.problems {
                reason.push_str("; ");
                reason.push_str(problem);
            }
            return Err(super::unsupported(NAME, &reason));
        }
        for problem in &found.problems {
            warn_once(problem);
        }
        if found.models.iter().any(|m| m.config.phoneme_type == PhonemeType::Espeak)
            && let Err(reason) = libespeak::available()
        {
            let reason = format!(
                "Piper voices read text through espeak-ng's library, which is missing ({reason}); \
                 install it with `sudo apt-get install espeak-ng`"
            );
            return Err(super::unsupported(NAME, &reason));
        }
        let runtime = runtime::runtime().map_err(|reason| super::unsupported(NAME, &reason))?;
        let learned = found.models.iter().map(|_| Learned::default()).collect();
        Ok(Piper {
            config,
            runtime,
            models: found.models,
            learned,
            sessions: Mutex::new(Vec::new()),
            jobs: AtomicUsize::new(0),
            voices: OnceLock::new(),
        })
    }

    /// The model and speaker of a voice id.
    fn find(&self, voice: &str) -> Option<(usize, voices::Speaker)> {
        self.models.iter().enumerate().find_map(|(i, m)| m.speaker(voice).map(|s| (i, s)))
    }

    /// Threads per session: one (see the module's comment on sessions).
    fn threads(&self) -> usize {
        1
    }

    /// An idle session of model `m`, or a new one.
    fn take_session(&self, m: usize) -> Result<ModelSession, EngineError> {
        if let Ok(mut idle) = self.sessions.lock()
            && let Some(at) = idle.iter().rposition(|(model, _)| *model == m)
        {
            return Ok(idle.remove(at).1);
        }
        let model = &self.models[m];
        let unusable = |reason: &str| EngineError::BadVoice {
            engine: NAME.to_string(),
            voice: model.name.clone(),
            reason: format!(
                "its model {} cannot be loaded, it may be damaged or not a Piper voice (download it again): {}",
                model.onnx.display(),
                one_line(reason)
            ),
        };
        let bytes = self.converted(m).map_err(|reason| unusable(&reason))?;
        self.runtime.session(bytes, self.threads()).map_err(|reason| unusable(&reason))
    }

    /// Model `m` in ONNX Runtime's format: converted once (about a second) and kept beside its
    /// facts, under its content hash and the runtime's version, then read into memory once per
    /// process. A kept conversion that no longer loads is made again; where none can be kept (a
    /// folder that cannot be written), one is made for this process alone.
    fn converted(&self, m: usize) -> Result<&'static [u8], String> {
        self.learned[m]
            .converted
            .get_or_init(|| {
                let model = &self.models[m];
                let key = path_key(&model.onnx);
                let hash = self.hash(m);
                let name =
                    format!("piper-{key}-{}-onnxruntime-{}.ort", &hash[..16.min(hash.len())], self.runtime.version);
                let kept = self.saved_dir().map(|dir| dir.join(&name));
                if let Some(file) = &kept
                    && let Ok(bytes) = std::fs::read(file)
                {
                    if self.runtime.session(&bytes, 1).is_ok() {
                        return Ok(&*Box::leak(bytes.into_boxed_slice()));
                    }
                    let _ = std::fs::remove_file(file);
                }
                let made = match &kept {
                    Some(file) => self.runtime.convert(&model.onnx, file).map(|()| file.clone()),
                    None => Err(String::new()),
                };
                let bytes = match made {
                    Ok(file) => {
                        forget_other_conversions(&file, &key);
                        std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
                    }
                    Err(_) => {
                        let temp = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
                        let file = temp.path().join(&name);
                        self.runtime.convert(&model.onnx, &file)?;
                        std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
                    }
                };
                Ok(&*Box::leak(bytes.into_boxed_slice()))
            })
            .clone()
    }

    /// Keeps a session warm for the next line, within the number of lines rendered at once: the
    /// least recently used of another model goes first.
    fn give_back(&self, m: usize, session: ModelSession) {
        let Ok(mut idle) = self.sessions.lock() else { return };
        idle.push((m, session));
        let keep = self.jobs.load(Ordering::Relaxed).max(1);
        while idle.len() > keep {
            let at = idle.iter().position(|(model, _)| *model != m).unwrap_or(0);
            idle.remove(at);
        }
    }

    /// The file model `m`'s facts are kept in.
    fn facts_file(&self, m: usize) -> Option<PathBuf> {
        self.saved_dir().map(|dir| dir.join(format!("piper-{}.json", path_key(&self.models[m].onnx))))
    }

    /// Model `m`'s facts as saved, while its files are unchanged.
    fn saved_facts(&self, m: usize) -> Option<Facts> {
        let facts: Facts = saved::load(&self.facts_file(m)?)?;
        (facts.pitch_hz.len() == self.models[m].speakers().len()).then_some(facts)
    }

    /// A hash of model `m`'s files: the saved one while they are unchanged, else read once per
    /// process.
    fn hash(&self, m: usize) -> &str {
        self.learned[m].hash.get_or_init(|| match self.saved_facts(m) {
            Some(facts) => facts.hash,
            // An unreadable model gets a hash of its path: its lines fail anyway, with the reason.
            None => voices::content_hash(&self.models[m])
                .unwrap_or_else(|_| format!("unreadable-{}", path_key(&self.models[m].onnx))),
        })
    }

    /// Model `m`'s hash and its speakers' pitch: saved ones while its files are unchanged, else
    /// measured now (once per process) and saved.
    fn facts(&self, m: usize) -> &Facts {
        self.learned[m].facts.get_or_init(|| {
            if let Some(facts) = self.saved_facts(m) {
                return facts;
            }
            let model = &self.models[m];
            let sources =
                saved::Sources { files: vec![model.onnx.clone(), model.json.clone()], trees: vec![], env: vec![] };
            let stamped = sources.stamped();
            let facts = Facts { hash: self.hash(m).to_string(), pitch_hz: self.measure_pitches(m) };
            if let Some(file) = self.facts_file(m) {
                saved::store(&file, stamped, &facts);
            }
            facts
        })
    }

    /// Where facts are kept: the render cache's folder for engines, else the user's cache.
    fn saved_dir(&self) -> Option<PathBuf> {
        self.config.saved.clone().or_else(|| {
            let xdg = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from).filter(|p| p.is_absolute());
            let home = || std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache"));
            xdg.or_else(home).map(|dir| dir.join("audiobook/engines"))
        })
    }

    /// Each speaker's median pitch over [`PITCH_SENTENCE`], read without noise.
    fn measure_pitches(&self, m: usize) -> Vec<Option<f32>> {
        let model = &self.models[m];
        let speakers = model.speakers();
        let Ok(sentences) = self.sentences(model, PITCH_SENTENCE) else { return vec![None; speakers.len()] };
        let Some(ids) = sentences.first().map(|s| phonemes::frame(s, &model.config.phoneme_id_map).ids) else {
            return vec![None; speakers.len()];
        };
        let Ok(mut session) = self.take_session(m) else { return vec![None; speakers.len()] };
        let scales = Scales { noise: 0.0, length: model.config.length_scale, noise_w: 0.0 };
        let pitches = speakers
            .iter()
            .map(|speaker| {
                let audio = runtime::with_deadline(self.config.timeout, |deadline| {
                    runtime::run(&mut session, &ids, scales, speaker.sid, deadline)
                });
                match audio {
                    Ok(Ok(samples)) => pitch::median_f0(&samples, model.config.sample_rate),
                    _ => None,
                }
            })
            .collect();
        self.give_back(m, session);
        pitches
    }

    /// A text's sentences of phonemes, as the model reads them.
    fn sentences(&self, model: &Model, text: &str) -> Result<Vec<Vec<String>>, EngineError> {
        match model.config.phoneme_type {
            PhonemeType::Text => Ok(phonemes::characters(text)),
            PhonemeType::Espeak => {
                let clauses = libespeak::phonemize(&model.config.espeak_voice, text).map_err(|reason| {
                    EngineError::Crashed { engine: NAME.to_string(), status: "espeak-ng".to_string(), stderr: reason }
                })?;
                Ok(phonemes::sentences(text, &clauses, &model.config.vowel_clusters))
            }
        }
    }

    /// The model's audio for `text`, sentence after sentence, before prosody's processing.
    fn speak(&self, m: usize, sid: Option<i64>, scales: Scales, text: &str) -> Result<Vec<f32>, EngineError> {
        let model = &self.models[m];
        let mut runs = Vec::new();
        let pieces = self.sentences(model, text)?.into_iter().flat_map(|s| phonemes::split_long(s, MAX_PHONEMES));
        for sentence in pieces {
            let framed = phonemes::frame(&sentence, &model.config.phoneme_id_map);
            for phoneme in &framed.missing {
                warn_once(&format!(
                    "the Piper voice {} has no id for the phoneme {phoneme:?} (U+{:04X}); it is left out",
                    model.name,
                    phoneme.chars().next().map_or(0, u32::from)
                ));
            }
            if framed.ids.len() > 3 {
                runs.push(framed.ids);
            }
        }
        if runs.is_empty() {
            return Err(EngineError::NoAudio { engine: NAME.to_string() });
        }
        let mut session = self.take_session(m)?;
        let timed = runtime::with_deadline(self.config.timeout, |deadline| {
            let mut audio = Vec::new();
            for ids in &runs {
                audio.extend(runtime::run(&mut session, ids, scales, sid, deadline)?);
            }
            Ok(audio)
        });
        self.give_back(m, session);
        let secs = self.config.timeout.as_secs().max(1);
        match timed {
            Ok(Ok(audio)) => Ok(audio),
            Ok(Err(RunError::TimedOut)) => Err(EngineError::TimedOut { engine: NAME.to_string(), secs }),
            Ok(Err(RunError::Failed(reason))) | Err(reason) => Err(EngineError::Crashed {
                engine: NAME.to_string(),
                status: format!("voice {}", model.name),
                stderr: one_line(&reason),
            }),
        }
    }
}

/// What checks against Piper's own program use: the ids the model gets and its raw audio.
impl Piper {
    /// The phoneme ids of each model run a line of `text` makes with `voice`.
    pub fn phoneme_ids(&self, voice: &str, text: &str) -> Result<Vec<Vec<i64>>, EngineError> {
        let (m, _) = self.find(voice).ok_or_else(|| unknown(voice))?;
        let model = &self.models[m];
        let pieces = self.sentences(model, text)?.into_iter().flat_map(|s| phonemes::split_long(s, MAX_PHONEMES));
        Ok(pieces.map(|s| phonemes::frame(&s, &model.config.phoneme_id_map).ids).collect())
    }

    /// The model's raw audio for one run of `ids`, with the given noise (`noise_scale`,
    /// `noise_w`; zero for none, so that it can be compared sample by sample) at the voice's
    /// own length scale.
    pub fn run_ids(&self, voice: &str, ids: &[i64], (noise, noise_w): (f32, f32)) -> Result<Vec<f32>, EngineError> {
        let (m, speaker) = self.find(voice).ok_or_else(|| unknown(voice))?;
        let scales = Scales { noise, length: self.models[m].config.length_scale, noise_w };
        let mut session = self.take_session(m)?;
        let audio =
            runtime::with_deadline(self.config.timeout, |d| runtime::run(&mut session, ids, scales, speaker.sid, d));
        self.give_back(m, session);
        match audio {
            Ok(Ok(samples)) => Ok(samples),
            Ok(Err(RunError::TimedOut)) => {
                Err(EngineError::TimedOut { engine: NAME.to_string(), secs: self.config.timeout.as_secs() })
            }
            Ok(Err(RunError::Failed(reason))) | Err(reason) => {
                Err(EngineError::Crashed { engine: NAME.to_string(), status: format!("voice {voice}"), stderr: reason })
            }
        }
    }

    /// The sample rate of a voice's audio.
    pub fn sample_rate(&self, voice: &str) -> Option<u32> {
        self.find(voice).map(|(m, _)| self.models[m].config.sample_rate)
    }
}

fn unknown(voice: &str) -> EngineError {
    EngineError::UnknownVoice { engine: NAME.to_string(), voice: voice.to_string() }
}

impl Engine for Piper {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> String {
        format!("onnxruntime-{}", self.runtime.version)
    }

    fn voice_version(&self, voice: &str) -> String {
        match self.find(voice) {
            Some((m, _)) => self.hash(m).to_string(),
            None => String::new(),
        }
    }

    fn voices(&self) -> Vec<VoiceInfo> {
        self.voices
            .get_or_init(|| {
                let mut all = Vec::new();
                for (m, model) in self.models.iter().enumerate() {
                    let facts = self.facts(m);
                    let accent = model
                        .config
                        .language
                        .clone()
                        .unwrap_or_else(|| super::espeak::bcp47(&model.config.espeak_voice.replace('_', "-")));
                    for (i, speaker) in model.speakers().into_iter().enumerate() {
                        all.push(VoiceInfo {
                            engine: NAME.to_string(),
                            intelligibility: catalogue::intelligibility(NAME, &speaker.id),
                            gender: pitch::gender(facts.pitch_hz.get(i).copied().flatten()),
                            accent: accent.clone(),
                            id: speaker.id,
                            natural: true,
                        });
                    }
                }
                catalogue::best_first(all)
            })
            .clone()
    }

    fn prepare(&self, threads: usize) {
        self.jobs.store(threads.max(1), Ordering::Relaxed);
    }

    fn synthesize(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm, EngineError> {
        self.synthesize_16(voice, prosody, text).map(|pcm| pcm.to_pcm())
    }

    fn synthesize_16(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm16, EngineError> {
        let (m, speaker) = self.find(voice).ok_or_else(|| unknown(voice))?;
        let config = &self.models[m].config;
        let rate = super::clamp_multiplier(prosody.rate);
        let pitch = pitch_step(prosody.pitch);
        let scales =
            Scales { noise: config.noise_scale, length: config.length_scale * pitch / rate, noise_w: config.noise_w };
        let samples = self.speak(m, speaker.sid, scales, text)?;
        let mut pcm = Pcm::new(samples, config.sample_rate);
        if pitch != 1.0 {
            pcm = keep_duration(pcm, pitch)?;
        }
        super::scale_volume(&mut pcm, prosody.volume);
        let pcm = Pcm16::from(&pcm);
        if pcm.samples.iter().all(|&s| s == 0) {
            return Err(EngineError::NoAudio { engine: NAME.to_string() });
        }
        Ok(pcm)
    }
}

/// A pitch multiplier, clamped to what still sounds like speech (an octave either way at most)
/// and taken in steps of 1/[`PITCH_STEPS`].
fn pitch_step(pitch: f32) -> f32 {
    let pitch = super::clamp_multiplier(pitch).clamp(0.5, 2.0);
    (pitch * PITCH_STEPS).round() / PITCH_STEPS
}

/// Audio spoken `pitch` times slower, played `pitch` times faster: the duration it would have had,
/// its pitch (and formants) times `pitch`.
fn keep_duration(pcm: Pcm, pitch: f32) -> Result<Pcm, EngineError> {
    let rate = pcm.sample_rate;
    let faster = Pcm::new(pcm.samples, (rate as f32 * pitch).round() as u32);
    crate::audio::resample::resample(&faster, rate)
        .map_err(|e| EngineError::BadOutput { engine: NAME.to_string(), detail: e.to_string() })
}

/// Removes the kept conversions of a model's earlier contents, beside the one just made.
fn forget_other_conversions(made: &std::path::Path, key: &str) {
    let (Some(dir), Some(name)) = (made.parent(), made.file_name()) else { return };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let other = entry.file_name().to_string_lossy().into_owned();
        if other.starts_with(&format!("piper-{key}-")) && other.ends_with(".ort") && entry.file_name() != name {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A short, stable name for a file's path, for the file its facts are kept in.
fn path_key(path: &std::path::Path) -> String {
    use sha2::Digest;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let digest = sha2::Sha256::digest(absolute.to_string_lossy().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Says something once per process on stderr: a problem worth knowing that does not stop the
/// work (a voice that cannot be used, a phoneme a voice cannot say).
fn warn_once(message: &str) {
    static SAID: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let Ok(mut said) = SAID.lock() else { return };
    if said.get_or_insert_with(HashSet::new).insert(message.to_string()) {
        eprintln!("warning: {message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pitch_is_taken_in_steps_and_clamped() {
        assert_eq!(pitch_step(1.0), 1.0);
        assert_eq!(pitch_step(1.12), 1.12);
        assert_eq!(pitch_step(1.111), 1.12);
        assert_eq!(pitch_step(0.3), 0.5);
        assert_eq!(pitch_step(f32::NAN), 1.0);
        assert_eq!(pitch_step(9.0), 2.0);
    }

    #[test]
    fn a_pitch_shift_keeps_the_duration_and_moves_the_pitch() {
        let rate = 22050;
        // What a model spoke 1.2 times slower: a 100 Hz tone over 1.2 s.
        let slow: Vec<f32> = (0..(rate as f32 * 1.2) as usize)
            .map(|n| (std::f32::consts::TAU * 100.0 * n as f32 / rate as f32).sin())
            .collect();
        let shifted = keep_duration(Pcm::new(slow, rate), 1.2).unwrap();
        assert_eq!(shifted.sample_rate, rate);
        assert!((shifted.duration_s() - 1.0).abs() < 0.01, "{} s", shifted.duration_s());
        let f0 = pitch::median_f0(&shifted.samples, rate).unwrap();
        assert!((f0 - 120.0).abs() < 2.0, "{f0} Hz");
    }

    #[test]
    fn facts_are_kept_under_a_path_key() {
        assert_eq!(path_key(std::path::Path::new("/a/b.onnx")), path_key(std::path::Path::new("/a/b.onnx")));
        assert_ne!(path_key(std::path::Path::new("/a/b.onnx")), path_key(std::path::Path::new("/a/c.onnx")));
        assert_eq!(path_key(std::path::Path::new("/a/b.onnx")).len(), 16);
    }
}

//! Text-to-speech engines behind one trait: the backends of the synthesis stage.
//!
//! Every engine is discovered at run time (never a build-time requirement) and renders one line of
//! text with one voice to mono PCM. The embedded voice is compiled in, so there is always one.
//! [`registry`] lists them all; [`pool`] keeps the long-lived processes of those that serve many
//! lines from one process (festival, espeak-ng's library workers); each engine's own files sit
//! beside them (`espeak/` holds the library and its fork server; `piper/` the neural voices);
//! [`saved`] keeps what engines learn about themselves between runs.

pub mod catalogue;
pub mod embedded;
pub mod espeak;
pub mod festival;
pub mod flite;
pub mod piper;
pub mod pool;
pub mod process;
pub mod registry;
pub mod sapi;
pub mod saved;
pub mod say;
pub mod wav;

pub use registry::{Engines, by_name};

use crate::audio::{Pcm, Pcm16};
use crate::script::Gender;
use crate::voice::Prosody;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One voice an engine offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceInfo {
    /// The engine's name, as `--engine` takes it ("espeak-ng", "flite", "festival", "say",
    /// "sapi", "embedded").
    pub engine: String,
    /// The engine's own id for the voice ("en-us+f3", "slt", "cmu_us_slt_arctic_hts", "kal16").
    pub id: String,
    /// Language and accent, as a BCP 47 tag where known ("en-US", "en-GB", "en-GB-x-rp").
    pub accent: String,
    pub gender: Gender,
    /// A recorded human voice (diphone, unit selection, HTS) rather than a formant variant.
    pub natural: bool,
    /// 1 minus the word error rate a speech recognizer measured on this voice (see the engine
    /// modules for how and when), when measured.
    pub intelligibility: Option<f32>,
}

/// What can go wrong in an engine. The variant tells the caller whether a retry can help.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "the {engine} engine is not installed; install the Debian package `{package}` (or pick another with --engine)"
    )]
    NotInstalled { engine: String, package: String },
    #[error("unknown engine `{name}`; the engines are: {valid}")]
    UnknownEngine { name: String, valid: String },
    #[error("{engine} has no voice `{voice}`; run `audiobook voices` to list the voices")]
    UnknownVoice { engine: String, voice: String },
    #[error("{engine} cannot run on this system: {reason}")]
    Unsupported { engine: String, reason: String },
    #[error("{engine} failed ({status}): {stderr}")]
    Crashed { engine: String, status: String, stderr: String },
    #[error("{engine} did not finish a line within {secs} s and was stopped")]
    TimedOut { engine: String, secs: u64 },
    #[error("{engine} voice `{voice}` cannot be used: {reason}")]
    BadVoice { engine: String, voice: String, reason: String },
    #[error("{engine} returned no audio")]
    NoAudio { engine: String },
    #[error("{engine} wrote audio that cannot be read: {detail}")]
    BadOutput { engine: String, detail: String },
    #[error("{engine}: {source}")]
    Io { engine: String, source: std::io::Error },
    #[error("engines.{engine}.{key}: {message}")]
    Setting { engine: String, key: String, message: String },
}

/// Settings every engine honours, and each engine's own (from `[engines.NAME]` of a voices
/// file), however the engine comes to be used: chosen with `--engine`, found on the machine, or
/// named only by a voices file.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// How long one line may take before the engine's process is killed.
    pub timeout: Duration,
    /// A program that serves [`espeak::worker::COMMAND`] (the `audiobook` binary itself). With
    /// one, engines that have a library (espeak-ng) run it in long-lived worker processes;
    /// without, they start their command-line program for every line.
    pub worker: Option<std::path::PathBuf>,
    /// A folder where engines keep what they learn about themselves (their voices, their
    /// version) between runs; see [`saved`]. Renders use their cache's.
    pub saved: Option<std::path::PathBuf>,
    /// Each engine's own settings, by engine name; [`registry::Entry::settings`] says which
    /// each takes.
    pub settings: std::collections::BTreeMap<String, toml::Table>,
    /// The voices folder (`--voices`): engines whose voices are files (Piper) also look in a
    /// subfolder named after them. `None`: `voices` in the working directory.
    pub voices: Option<std::path::PathBuf>,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            timeout: Duration::from_secs(60),
            worker: None,
            saved: None,
            settings: Default::default(),
            voices: None,
        }
    }
}

impl EngineConfig {
    /// The engine's program: its `program` setting, else `default` looked up on `PATH`.
    pub fn program(&self, engine: &str, default: &str) -> Option<std::path::PathBuf> {
        let given = self.settings.get(engine).and_then(|t| t.get("program")).and_then(|v| v.as_str());
        process::which(std::path::Path::new(given.unwrap_or(default)))
    }
}

/// A text-to-speech engine.
pub trait Engine: Send + Sync {
    /// The name `--engine` takes.
    fn name(&self) -> &'static str;
    /// The engine's version, part of the render cache key.
    fn version(&self) -> String;
    /// What else a voice's lines depend on, for the cache key, where the engine's version does not
    /// cover it: a hash of a Piper voice's model, which the user may replace. Empty by default.
    fn voice_version(&self, _voice: &str) -> String {
        String::new()
    }
    /// The voices it offers, best first.
    fn voices(&self) -> Vec<VoiceInfo>;
    /// Renders one line. Blocking: callers run it on a blocking thread.
    fn synthesize(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm, EngineError>;
    /// Renders one line as 16-bit audio, the form the cache keeps: engines that make 16-bit
    /// audio give it as it is, without a round trip through floating point.
    fn synthesize_16(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm16, EngineError> {
        self.synthesize(voice, prosody, text).map(|pcm| Pcm16::from(&pcm))
    }
    /// How many lines it may render at once in this process (`None`: as many as there are workers).
    fn max_parallel(&self) -> Option<usize> {
        None
    }
    /// Called before it is sent lines on up to `threads` threads at once: an engine that keeps
    /// worker processes starts that many now, side by side, rather than one after another as
    /// the first lines wait for them. Blocking.
    fn prepare(&self, _threads: usize) {}
}

/// A multiplier as the engines take it: a non-number means "unchanged", and beyond 4x either way
/// speech stops being speech.
pub fn clamp_multiplier(value: f32) -> f32 {
    finite_or(value, 1.0).clamp(0.25, 4.0)
}

fn finite_or(value: f32, default: f32) -> f32 {
    if value.is_finite() { value } else { default }
}

/// Applies a volume multiplier in software, for engines without one of their own.
pub fn scale_volume(pcm: &mut Pcm, volume: f32) {
    let gain = finite_or(volume, 1.0).clamp(0.0, 4.0);
    if gain != 1.0 {
        pcm.samples.iter_mut().for_each(|s| *s = (*s * gain).clamp(-1.0, 1.0));
    }
}

/// Refuses a voice the engine does not list: engines silently fall back to a default voice for
/// an unknown name, or paste the name into a command.
fn known_voice(engine: &str, voices: &[VoiceInfo], voice: &str) -> Result<(), EngineError> {
    if voices.iter().any(|v| v.id == voice) {
        Ok(())
    } else {
        Err(EngineError::UnknownVoice { engine: engine.to_string(), voice: voice.to_string() })
    }
}

/// Runs a tool that reads a line from a text file and writes a WAV file (flite, say, SAPI): the
/// text never passes through a command line, where it could be taken for an option. Returns the
/// WAV's bytes.
fn via_files(
    engine: &str,
    text: &str,
    run: impl FnOnce(&std::path::Path, &std::path::Path) -> Result<(), EngineError>,
) -> Result<Vec<u8>, EngineError> {
    let io = |source| EngineError::Io { engine: engine.to_string(), source };
    let dir = tempfile::tempdir().map_err(io)?;
    let (text_path, wav_path) = (dir.path().join("line.txt"), dir.path().join("line.wav"));
    std::fs::write(&text_path, text.as_bytes()).map_err(io)?;
    run(&text_path, &wav_path)?;
    std::fs::read(&wav_path).map_err(|_| EngineError::NoAudio { engine: engine.to_string() })
}

/// An engine's WAV output as PCM at the requested volume, refusing empty audio.
fn from_wav(engine: &str, bytes: &[u8], volume: f32) -> Result<Pcm, EngineError> {
    let mut pcm =
        wav::parse(bytes).map_err(|e| EngineError::BadOutput { engine: engine.to_string(), detail: e.to_string() })?;
    scale_volume(&mut pcm, volume);
    non_empty(engine, pcm)
}

/// An engine that "succeeded" with no samples has still failed the line.
fn non_empty(engine: &str, pcm: Pcm) -> Result<Pcm, EngineError> {
    if pcm.samples.is_empty() || pcm.sample_rate == 0 {
        return Err(EngineError::NoAudio { engine: engine.to_string() });
    }
    Ok(pcm)
}

fn not_installed(tool: process::Tool<'_>) -> EngineError {
    EngineError::NotInstalled { engine: tool.engine.to_string(), package: tool.package.to_string() }
}

fn unsupported(engine: &str, reason: &str) -> EngineError {
    EngineError::Unsupported { engine: engine.to_string(), reason: reason.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipliers_are_clamped() {
        assert_eq!(clamp_multiplier(f32::NAN), 1.0);
        assert_eq!(clamp_multiplier(10.0), 4.0);
        assert_eq!(clamp_multiplier(0.0), 0.25);
        let mut pcm = Pcm::new(vec![0.5, -0.9], 8000);
        scale_volume(&mut pcm, 2.0);
        assert_eq!(pcm.samples, vec![1.0, -1.0]);
    }
}

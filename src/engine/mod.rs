//! Text-to-speech engines behind one trait.
//!
//! Every engine is discovered at run time (never a build-time requirement) and renders one line of
//! text with one voice to mono PCM. The embedded voice is compiled in, so there is always one.

use crate::audio::Pcm;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A voice's gender, where the engine says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Female,
    Male,
    #[default]
    Unknown,
}

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

/// How to say a line: multipliers of the voice's natural rate, pitch and volume.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prosody {
    /// Speaking rate; 1.0 is the voice's natural rate, 1.2 is 20% faster.
    pub rate: f32,
    /// Pitch; 1.0 is the voice's natural pitch.
    pub pitch: f32,
    /// Volume; 1.0 is the engine's default.
    pub volume: f32,
}

impl Default for Prosody {
    fn default() -> Prosody {
        Prosody { rate: 1.0, pitch: 1.0, volume: 1.0 }
    }
}

/// What can go wrong in an engine. The variant tells the caller whether a retry can help.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the {engine} engine is not installed; install the Debian package `{package}` (or pick another with --engine)")]
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
    #[error("{engine} returned no audio")]
    NoAudio { engine: String },
    #[error("{engine} wrote audio that cannot be read: {detail}")]
    BadOutput { engine: String, detail: String },
    #[error("{engine}: {source}")]
    Io { engine: String, source: std::io::Error },
}

/// Settings every engine honours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineConfig {
    /// How long one line may take before the engine's process is killed.
    pub timeout: Duration,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig { timeout: Duration::from_secs(60) }
    }
}

/// A text-to-speech engine.
pub trait Engine: Send + Sync {
    /// The name `--engine` takes.
    fn name(&self) -> &'static str;
    /// The engine's version, part of the render cache key.
    fn version(&self) -> String;
    /// The voices it offers, best first.
    fn voices(&self) -> Vec<VoiceInfo>;
    /// Renders one line. Blocking: callers run it on a blocking thread.
    fn synthesize(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm, EngineError>;
    /// How many lines it may render at once in this process (`None`: as many as there are workers).
    fn max_parallel(&self) -> Option<usize> {
        None
    }
}

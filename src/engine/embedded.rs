//! The voice compiled into the binary: the `flite-rs` crate's 16 kHz kal diphone voice, in a few
//! rate and pitch variants so a machine without any speech software can still cast several
//! distinguishable voices.

use super::{EngineError, VoiceInfo, catalogue};
use crate::audio::Pcm;
use crate::script::Gender;
use crate::voice::Prosody;
use std::sync::{Mutex, OnceLock};

pub const NAME: &str = "embedded";
const BASE_VOICE: &str = "kal16";

/// (id, duration stretch, pitch multiplier): one speaker, made to sound like several.
pub const VARIANTS: &[(&str, f32, f32)] = &[
    ("kal16", 1.0, 1.0),
    ("kal16-low", 1.08, 0.8),
    ("kal16-high", 0.95, 1.3),
    ("kal16-fast", 0.85, 1.1),
    ("kal16-slow", 1.2, 0.9),
    ("kal16-deep", 1.12, 0.68),
];

/// `flite_rs::Engine` keeps rate and pitch in the engine itself (set through `&mut`), so each
/// render borrows one engine from a small pool and sets them first. Built on first use: parsing
/// the embedded voice takes a moment.
pub const ENTRY: super::registry::Entry = super::registry::Entry {
    name: NAME,
    package: "nothing (it is part of audiobook)",
    settings: &[],
    build: |_| Ok(std::sync::Arc::new(Embedded::new())),
    serve: None,
};

pub struct Embedded {
    pool: Mutex<Vec<flite_rs::Engine>>,
}

impl Default for Embedded {
    fn default() -> Embedded {
        Embedded::new()
    }
}

impl Embedded {
    pub fn new() -> Embedded {
        Embedded { pool: Mutex::new(Vec::new()) }
    }

    fn take(&self) -> Result<flite_rs::Engine, EngineError> {
        if let Some(engine) = self.pool.lock().ok().and_then(|mut p| p.pop()) {
            return Ok(engine);
        }
        let mut engine = flite_rs::Engine::try_new()
            .map_err(|e| EngineError::BadOutput { engine: NAME.to_string(), detail: e.to_string() })?;
        // The 8 kHz "kal" is selected by default; the 16 kHz copy sounds clearly better.
        if !engine.select_voice(BASE_VOICE) {
            return Err(EngineError::UnknownVoice { engine: NAME.to_string(), voice: BASE_VOICE.to_string() });
        }
        Ok(engine)
    }

    fn give_back(&self, engine: flite_rs::Engine) {
        if let Ok(mut pool) = self.pool.lock() {
            pool.push(engine);
        }
    }
}

/// Stretch and pitch multiplier for a variant read with the given prosody.
pub fn settings(voice: &str, prosody: Prosody) -> Option<(f32, f32)> {
    let &(_, stretch, pitch) = VARIANTS.iter().find(|v| v.0 == voice)?;
    let rate = super::clamp_multiplier(prosody.rate);
    Some((stretch / rate, pitch * super::clamp_multiplier(prosody.pitch)))
}

impl super::Engine for Embedded {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> String {
        // The crate locked in Cargo.lock (a test checks it), so cached lines are rendered again
        // when it changes.
        "flite-rs-0.2.0".to_string()
    }

    fn voices(&self) -> Vec<VoiceInfo> {
        let voices = VARIANTS
            .iter()
            .map(|&(id, _, _)| VoiceInfo {
                engine: NAME.to_string(),
                id: id.to_string(),
                accent: "en-US".to_string(),
                gender: Gender::Male,
                natural: true,
                intelligibility: catalogue::intelligibility(NAME, id),
            })
            .collect();
        catalogue::best_first(voices)
    }

    fn synthesize(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm, EngineError> {
        let (stretch, pitch) = settings(voice, prosody)
            .ok_or_else(|| EngineError::UnknownVoice { engine: NAME.to_string(), voice: voice.to_string() })?;
        let mut engine = self.take()?;
        engine.set_duration_stretch(stretch);
        engine.set_f0_shift(pitch);
        let audio = engine.synthesize(text);
        self.give_back(engine);
        let mut pcm = Pcm::from_i16(&audio.samples, audio.sample_rate);
        super::scale_volume(&mut pcm, prosody.volume);
        super::non_empty(NAME, pcm)
    }
}

/// One shared embedded engine for the whole process.
pub fn shared() -> &'static Embedded {
    static SHARED: OnceLock<Embedded> = OnceLock::new();
    SHARED.get_or_init(Embedded::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_the_locked_crates() {
        // Cached lines are keyed by this version: it must change whenever the crate does.
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).expect("Cargo.lock");
        let locked = lock
            .split("[[package]]")
            .find(|package| package.contains("name = \"flite-rs\""))
            .and_then(|package| package.lines().find_map(|l| l.strip_prefix("version = \"")))
            .map(|v| v.trim_end_matches('"').to_string())
            .expect("flite-rs is in Cargo.lock");
        assert_eq!(super::super::Engine::version(&Embedded::default()), format!("flite-rs-{locked}"));
    }

    #[test]
    fn variants_combine_with_prosody() {
        assert_eq!(settings("kal16", Prosody::default()), Some((1.0, 1.0)));
        let (stretch, pitch) = settings("kal16-high", Prosody { rate: 0.5, pitch: 2.0, volume: 1.0 }).unwrap();
        assert!((stretch - 1.9).abs() < 1e-5 && (pitch - 2.6).abs() < 1e-5);
        assert_eq!(settings("nope", Prosody::default()), None);
    }
}

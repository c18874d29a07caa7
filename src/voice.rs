//! What a voice is, once for every stage: an engine, one of its voices, and how to say things
//! with it. The cast chooses voices, voices files name them, the plan keys the cache by them,
//! synthesis speaks through them and the manifest records them, all as this one [`Voice`].
//!
//! ```
//! use audiobook::voice::{Prosody, Voice};
//! let v = Voice::new("espeak-ng", "en-us+f3").with(Prosody { pitch: 1.1, ..Prosody::default() });
//! assert_eq!(v.label(), "espeak-ng:en-us+f3@1.00r/1.10p/1.00v");
//! let json = serde_json::to_string(&v).unwrap();
//! assert_eq!(json, r#"{"engine":"espeak-ng","voice":"en-us+f3","rate":1.0,"pitch":1.1,"volume":1.0}"#);
//! ```

use serde::{Deserialize, Serialize};

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

/// One voice: an engine (by the name `--engine` takes), one of its voices, and prosody.
///
/// Written as `{engine, voice, rate, pitch, volume}` in JSON and TOML alike; rate, pitch and
/// volume may be left out when read, for the voice's natural ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "Fields", into = "Fields")]
pub struct Voice {
    /// The engine's name: "espeak-ng", "flite", "festival", "embedded", ...
    pub engine: String,
    /// The engine's own id for the voice: "en-us+f3", "slt", "kal16".
    pub id: String,
    pub prosody: Prosody,
}

impl Voice {
    /// A voice at its natural prosody.
    pub fn new(engine: impl Into<String>, id: impl Into<String>) -> Voice {
        Voice { engine: engine.into(), id: id.into(), prosody: Prosody::default() }
    }

    /// The same voice with other prosody.
    pub fn with(self, prosody: Prosody) -> Voice {
        Voice { prosody, ..self }
    }

    /// `engine:voice`, with prosody when it is not the default: `espeak-ng:en-us+f3@1.10r/0.90p/1.00v`.
    pub fn label(&self) -> String {
        let p = self.prosody;
        let mut s = format!("{}:{}", self.engine, self.id);
        if p != Prosody::default() {
            s.push_str(&format!("@{:.2}r/{:.2}p/{:.2}v", p.rate, p.pitch, p.volume));
        }
        s
    }
}

/// A voice as it is written down.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields {
    engine: String,
    voice: String,
    #[serde(default = "one", deserialize_with = "rate_or_pitch")]
    rate: f32,
    #[serde(default = "one", deserialize_with = "rate_or_pitch")]
    pitch: f32,
    #[serde(default = "one", deserialize_with = "volume")]
    volume: f32,
}

fn one() -> f32 {
    1.0
}

/// Rate and pitch: a quarter to four times the voice's own; beyond, speech stops being speech.
fn rate_or_pitch<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    multiplier(d, 0.25, "1 is the voice's own")
}

/// Volume: silent to four times the engine's.
fn volume<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    multiplier(d, 0.0, "1 is the engine's own")
}

fn multiplier<'de, D: serde::Deserializer<'de>>(d: D, lowest: f64, natural: &str) -> Result<f32, D::Error> {
    let x = f64::deserialize(d)?;
    if x.is_finite() && (lowest..=4.0).contains(&x) {
        Ok(x as f32)
    } else {
        Err(serde::de::Error::custom(format!("must be a number from {lowest} to 4 ({natural}), not {x}")))
    }
}

impl From<Fields> for Voice {
    fn from(f: Fields) -> Voice {
        Voice { engine: f.engine, id: f.voice, prosody: Prosody { rate: f.rate, pitch: f.pitch, volume: f.volume } }
    }
}

impl From<Voice> for Fields {
    fn from(v: Voice) -> Fields {
        let Prosody { rate, pitch, volume } = v.prosody;
        Fields { engine: v.engine, voice: v.id, rate, pitch, volume }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prosody_may_be_left_out_and_unknown_keys_are_refused() {
        let v: Voice = toml::from_str("engine = \"flite\"\nvoice = \"rms\"\npitch = 0.9\n").unwrap();
        assert_eq!(v, Voice::new("flite", "rms").with(Prosody { pitch: 0.9, ..Prosody::default() }));
        let err = toml::from_str::<Voice>("engine = \"flite\"\nvoice = \"rms\"\npich = 0.9\n").unwrap_err();
        assert!(err.to_string().contains("pich"), "{err}");
        // Numbers outside what engines can say are refused with the range, never clamped.
        for bad in ["rate = nan", "rate = inf", "pitch = -1.0", "pitch = 1e30", "volume = 5", "rate = 0.1"] {
            let err = toml::from_str::<Voice>(&format!("engine = \"flite\"\nvoice = \"rms\"\n{bad}\n")).unwrap_err();
            assert!(err.to_string().contains("to 4"), "{bad}: {err}");
        }
        let loud: Voice = toml::from_str("engine = \"flite\"\nvoice = \"rms\"\nvolume = 0\nrate = 2\n").unwrap();
        assert_eq!((loud.prosody.volume, loud.prosody.rate), (0.0, 2.0));
    }

    #[test]
    fn labels_show_prosody_only_when_changed() {
        assert_eq!(Voice::new("flite", "rms").label(), "flite:rms");
    }
}

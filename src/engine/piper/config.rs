//! A Piper voice's `.onnx.json`: how to turn text into the model's input, and its speakers.
//!
//! Only what synthesis needs is read; unknown fields are ignored, so configs from other Piper
//! versions load as long as these are there.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// What the model's phoneme ids stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhonemeType {
    /// espeak-ng's IPA for the voice's `espeak.voice`, the usual kind.
    Espeak,
    /// The text's own characters (after Unicode decomposition).
    Text,
}

/// A voice's settings, as its `.onnx.json` gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceConfig {
    pub sample_rate: u32,
    /// The espeak-ng voice that phonemizes its text ("en-us").
    pub espeak_voice: String,
    pub phoneme_type: PhonemeType,
    /// Phoneme (one character, or a cluster listed in `vowel_clusters`) to its ids.
    pub phoneme_id_map: HashMap<String, Vec<i64>>,
    /// Clusters of phonemes the model takes as one ("a", "ɪ" as "aɪ"), longest first.
    pub vowel_clusters: Vec<Vec<String>>,
    /// (noise_scale, length_scale, noise_w) as trained.
    pub noise_scale: f32,
    pub length_scale: f32,
    pub noise_w: f32,
    /// The speakers of a multi-speaker model (name, id), in id order; empty for a single speaker.
    pub speakers: Vec<(String, i64)>,
    /// Its language as a BCP 47 tag ("en-US"), where the config says.
    pub language: Option<String>,
}

#[derive(Deserialize)]
struct Raw {
    audio: RawAudio,
    #[serde(default)]
    espeak: Option<RawEspeak>,
    #[serde(default)]
    inference: RawInference,
    #[serde(default)]
    phoneme_type: Option<String>,
    phoneme_id_map: HashMap<String, Vec<i64>>,
    #[serde(default)]
    num_speakers: Option<u32>,
    #[serde(default)]
    speaker_id_map: BTreeMap<String, i64>,
    #[serde(default)]
    vowel_clusters: Vec<Vec<String>>,
    #[serde(default)]
    language: Option<RawLanguage>,
}

#[derive(Deserialize)]
struct RawAudio {
    sample_rate: u32,
}

#[derive(Deserialize)]
struct RawEspeak {
    voice: String,
}

/// Piper's own defaults apply to anything missing.
#[derive(Deserialize)]
#[serde(default)]
struct RawInference {
    noise_scale: f32,
    length_scale: f32,
    noise_w: f32,
}

impl Default for RawInference {
    fn default() -> RawInference {
        RawInference { noise_scale: 0.667, length_scale: 1.0, noise_w: 0.8 }
    }
}

#[derive(Deserialize)]
struct RawLanguage {
    code: String,
}

/// The pad, start and end symbols every Piper phoneme map has.
pub const PAD: &str = "_";
pub const BOS: &str = "^";
pub const EOS: &str = "$";

impl VoiceConfig {
    /// Reads a voice's `.onnx.json`; the error says what is wrong with it, in words.
    pub fn read(path: &Path) -> Result<VoiceConfig, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        VoiceConfig::parse(&bytes).map_err(|e| format!("{} is not a Piper voice config: {e}", path.display()))
    }

    pub fn parse(json: &[u8]) -> Result<VoiceConfig, String> {
        let raw: Raw = serde_json::from_slice(json).map_err(|e| e.to_string())?;
        let phoneme_type = match raw.phoneme_type.as_deref().unwrap_or("espeak") {
            "espeak" => PhonemeType::Espeak,
            "text" => PhonemeType::Text,
            other => {
                return Err(format!("its phonemes are of the kind `{other}`, which only Piper's own program reads"));
            }
        };
        let espeak_voice = match (phoneme_type, raw.espeak) {
            (_, Some(espeak)) => espeak.voice,
            (PhonemeType::Text, None) => String::new(),
            (PhonemeType::Espeak, None) => return Err("it names no espeak-ng voice (`espeak.voice`)".to_string()),
        };
        for symbol in [PAD, BOS, EOS] {
            if raw.phoneme_id_map.get(symbol).is_none_or(Vec::is_empty) {
                return Err(format!("its `phoneme_id_map` has no id for `{symbol}`"));
            }
        }
        if raw.audio.sample_rate < 8000 {
            return Err(format!("its sample rate ({} Hz) is not one audio plays at", raw.audio.sample_rate));
        }
        let speakers = match raw.num_speakers.unwrap_or(1) {
            0 | 1 => Vec::new(),
            n if raw.speaker_id_map.is_empty() => (0..i64::from(n)).map(|id| (id.to_string(), id)).collect(),
            n => {
                let mut speakers: Vec<(String, i64)> =
                    raw.speaker_id_map.into_iter().filter(|&(_, id)| (0..i64::from(n)).contains(&id)).collect();
                speakers.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
                // Two names for one id are one speaker: keep the first name.
                speakers.dedup_by_key(|s| s.1);
                speakers
            }
        };
        let mut vowel_clusters: Vec<Vec<String>> = raw.vowel_clusters.into_iter().filter(|c| c.len() > 1).collect();
        vowel_clusters.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        let inference = raw.inference;
        Ok(VoiceConfig {
            sample_rate: raw.audio.sample_rate,
            espeak_voice,
            phoneme_type,
            phoneme_id_map: raw.phoneme_id_map,
            vowel_clusters,
            noise_scale: inference.noise_scale,
            length_scale: inference.length_scale,
            noise_w: inference.noise_w,
            speakers,
            language: raw.language.map(|l| l.code.replace('_', "-")).filter(|c| !c.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JOE_LIKE: &str = r#"{
        "audio": {"sample_rate": 22050, "quality": "medium"},
        "espeak": {"voice": "en-us"},
        "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_id_map": {"_": [0], "^": [1], "$": [2], " ": [3], "a": [14]},
        "num_symbols": 256, "num_speakers": 1, "speaker_id_map": {},
        "language": {"code": "en_US"}, "dataset": "joe"
    }"#;

    #[test]
    fn reads_a_single_speaker_voice() {
        let config = VoiceConfig::parse(JOE_LIKE.as_bytes()).unwrap();
        assert_eq!(config.sample_rate, 22050);
        assert_eq!(config.espeak_voice, "en-us");
        assert_eq!(config.phoneme_type, PhonemeType::Espeak);
        assert_eq!((config.noise_scale, config.length_scale, config.noise_w), (0.667, 1.0, 0.8));
        assert!(config.speakers.is_empty());
        assert_eq!(config.language.as_deref(), Some("en-US"));
        assert_eq!(config.phoneme_id_map["a"], [14]);
    }

    #[test]
    fn speakers_come_in_id_order_and_unnamed_ones_by_number() {
        let named = JOE_LIKE.replace(r#""num_speakers": 1"#, r#""num_speakers": 3"#).replace(
            r#""speaker_id_map": {}"#,
            r#""speaker_id_map": {"p2": 2, "zed": 0, "p1": 1, "alias": 1, "x": 9}"#,
        );
        let speakers = VoiceConfig::parse(named.as_bytes()).unwrap().speakers;
        assert_eq!(speakers, [("zed".to_string(), 0), ("alias".to_string(), 1), ("p2".to_string(), 2)]);
        let unnamed = JOE_LIKE.replace(r#""num_speakers": 1"#, r#""num_speakers": 2"#);
        let speakers = VoiceConfig::parse(unnamed.as_bytes()).unwrap().speakers;
        assert_eq!(speakers, [("0".to_string(), 0), ("1".to_string(), 1)]);
    }

    #[test]
    fn missing_settings_take_pipers_defaults() {
        let json = r#"{"audio": {"sample_rate": 16000}, "espeak": {"voice": "en-gb"},
                       "phoneme_id_map": {"_": [0], "^": [1], "$": [2]}}"#;
        let config = VoiceConfig::parse(json.as_bytes()).unwrap();
        assert_eq!((config.noise_scale, config.length_scale, config.noise_w), (0.667, 1.0, 0.8));
        assert_eq!(config.language, None);
    }

    #[test]
    fn says_what_is_wrong() {
        let cases = [
            ("not json", "expected"),
            (r#"{"audio": {"sample_rate": 22050}, "phoneme_id_map": {}}"#, "espeak-ng voice"),
            (r#"{"audio": {"sample_rate": 22050}, "espeak": {"voice": "en"}, "phoneme_id_map": {"_": [0]}}"#, "`^`"),
            (r#"{"audio": {"sample_rate": 22050}, "phoneme_type": "pinyin", "phoneme_id_map": {}}"#, "pinyin"),
            (r#"{"espeak": {"voice": "en"}, "phoneme_id_map": {}}"#, "audio"),
        ];
        for (json, expected) in cases {
            let err = VoiceConfig::parse(json.as_bytes()).unwrap_err();
            assert!(err.contains(expected), "{json}: {err}");
        }
        let err = VoiceConfig::read(Path::new("/nonexistent/x.onnx.json")).unwrap_err();
        assert!(err.contains("/nonexistent/x.onnx.json"), "{err}");
    }
}

//! Where Piper voices are found, and what they are called.
//!
//! A Piper voice is two files side by side: the model `NAME.onnx` and its settings
//! `NAME.onnx.json`. They are looked for in `voices/piper/` (the folder `--voices` names, `voices`
//! by default) and then in `<data>/piper/` (see [`super::runtime::data_dir`]), where
//! `scripts/get-voices.sh` puts them; a name found in both is the first folder's.
//!
//! Voice ids: a single-speaker model is one voice named after its file (`en_US-joe-medium`);
//! every speaker of a multi-speaker model is a voice of its own, `NAME#SPEAKER`, with the
//! speaker's name from the model's `speaker_id_map` (`en_GB-vctk-medium#p239`), or its number
//! when the model names none (`NAME#0`, `NAME#1`, ...).

use super::config::VoiceConfig;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A model found on disk, its settings read.
#[derive(Debug, Clone)]
pub struct Model {
    /// Its file name without `.onnx` ("en_US-joe-medium").
    pub name: String,
    pub onnx: PathBuf,
    pub json: PathBuf,
    pub config: VoiceConfig,
}

/// One voice of a model: its id and the speaker id the model takes (`None` for a single speaker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speaker {
    pub id: String,
    pub sid: Option<i64>,
}

impl Model {
    /// Its voices, one per speaker.
    pub fn speakers(&self) -> Vec<Speaker> {
        if self.config.speakers.is_empty() {
            return vec![Speaker { id: self.name.clone(), sid: None }];
        }
        self.config
            .speakers
            .iter()
            .map(|(speaker, sid)| Speaker { id: format!("{}#{speaker}", self.name), sid: Some(*sid) })
            .collect()
    }

    /// The speaker a voice id names, if it is one of this model's.
    pub fn speaker(&self, voice: &str) -> Option<Speaker> {
        let (model, _) = split_id(voice);
        (model == self.name).then(|| self.speakers().into_iter().find(|s| s.id == voice)).flatten()
    }
}

/// A voice id's model name and speaker name.
pub fn split_id(voice: &str) -> (&str, Option<&str>) {
    match voice.split_once('#') {
        Some((model, speaker)) => (model, Some(speaker)),
        None => (voice, None),
    }
}

/// The folders voices are looked for in, in order: `<voices>/piper` (`voices/piper` when no
/// voices folder is given) and `<data>/piper`.
pub fn folders(voices: Option<&Path>, data: Option<&Path>) -> Vec<PathBuf> {
    let voices = voices.unwrap_or(Path::new("voices")).join("piper");
    std::iter::once(voices).chain(data.map(|d| d.join("piper"))).collect()
}

/// What a search for voices found.
#[derive(Debug, Default)]
pub struct Found {
    pub models: Vec<Model>,
    /// Files that look like voices but cannot be used, each with what to do about it.
    pub problems: Vec<String>,
}

/// The models in `folders`, by name; a name already found in an earlier folder is skipped.
pub fn discover(folders: &[PathBuf]) -> Found {
    let mut found = Found::default();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(folder) else { continue };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "onnx") && p.is_file())
            .collect();
        files.sort();
        for onnx in files {
            let Some(name) = onnx.file_stem().map(|s| s.to_string_lossy().into_owned()) else { continue };
            if found.models.iter().any(|m| m.name == name) {
                continue;
            }
            let json = onnx.with_file_name(format!("{name}.onnx.json"));
            if !json.is_file() {
                found.problems.push(format!(
                    "{} has no {name}.onnx.json beside it: a Piper voice is the model and its settings, \
                     so download the .onnx.json from where the model came from and put it there",
                    onnx.display()
                ));
                continue;
            }
            match VoiceConfig::read(&json) {
                Ok(config) => found.models.push(Model { name, onnx, json, config }),
                Err(reason) => found.problems.push(format!("{reason}; download it again")),
            }
        }
    }
    found
}

/// A hash of a model's two files, which decides whether lines rendered with it are still valid.
pub fn content_hash(model: &Model) -> Result<String, String> {
    let mut hasher = Sha256::new();
    for path in [&model.onnx, &model.json] {
        let mut file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let length = file.metadata().map(|m| m.len()).unwrap_or(0);
        hasher.update(length.to_le_bytes());
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buffer).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{"audio": {"sample_rate": 22050}, "espeak": {"voice": "en-us"},
        "phoneme_id_map": {"_": [0], "^": [1], "$": [2]}, "num_speakers": 1}"#;

    #[test]
    fn finds_voices_names_speakers_and_reports_broken_ones() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("voices/piper"), dir.path().join("data/piper"));
        std::fs::create_dir_all(&first).unwrap();
        std::fs::create_dir_all(&second).unwrap();
        std::fs::write(first.join("en_US-a-low.onnx"), "model a").unwrap();
        std::fs::write(first.join("en_US-a-low.onnx.json"), CONFIG).unwrap();
        std::fs::write(first.join("lonely.onnx"), "model").unwrap();
        let multi =
            CONFIG.replace(r#""num_speakers": 1"#, r#""num_speakers": 2, "speaker_id_map": {"p1": 0, "p2": 1}"#);
        std::fs::write(second.join("en_GB-b-medium.onnx"), "model b").unwrap();
        std::fs::write(second.join("en_GB-b-medium.onnx.json"), multi).unwrap();
        // The same name again in the second folder: the first folder's wins.
        std::fs::write(second.join("en_US-a-low.onnx"), "another a").unwrap();
        std::fs::write(second.join("en_US-a-low.onnx.json"), "{").unwrap();

        let found = discover(&folders(Some(&dir.path().join("voices")), Some(&dir.path().join("data"))));
        let names: Vec<&str> = found.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["en_US-a-low", "en_GB-b-medium"]);
        assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
        assert!(found.problems[0].contains("lonely.onnx.json"), "{}", found.problems[0]);

        let ids: Vec<String> = found.models.iter().flat_map(|m| m.speakers()).map(|s| s.id).collect();
        assert_eq!(ids, ["en_US-a-low", "en_GB-b-medium#p1", "en_GB-b-medium#p2"]);
        let b = &found.models[1];
        assert_eq!(b.speaker("en_GB-b-medium#p2"), Some(Speaker { id: "en_GB-b-medium#p2".into(), sid: Some(1) }));
        assert_eq!(b.speaker("en_GB-b-medium#p3"), None);
        assert_eq!(found.models[0].speaker("en_US-a-low").map(|s| s.sid), Some(None));
        assert_eq!(split_id("m#s"), ("m", Some("s")));

        // The hash follows the content of either file.
        let before = content_hash(&found.models[0]).unwrap();
        std::fs::write(first.join("en_US-a-low.onnx.json"), CONFIG.replace("22050", "16000")).unwrap();
        assert_ne!(content_hash(&found.models[0]).unwrap(), before);
    }

    #[test]
    fn a_damaged_config_is_reported_with_its_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.onnx"), "model").unwrap();
        std::fs::write(dir.path().join("x.onnx.json"), "{\"audio\": ").unwrap();
        let found = discover(&[dir.path().to_path_buf()]);
        assert!(found.models.is_empty());
        assert!(found.problems[0].contains("x.onnx.json is not a Piper voice config"), "{:?}", found.problems);
    }
}

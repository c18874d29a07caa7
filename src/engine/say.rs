//! macOS `say`. Untested on the development machine (Linux): the command line is unit-tested,
//! and off macOS the engine reports `Unsupported`.

use super::process::{self, Tool};
use super::{EngineConfig, EngineError, VoiceInfo, catalogue};
use crate::audio::Pcm;
use crate::script::Gender;
use crate::voice::Prosody;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

pub const NAME: &str = "say";
const TOOL: Tool<'static> = Tool { engine: NAME, package: "macOS (say is part of the system)" };
/// say's default speaking rate in words per minute.
const NATURAL_WPM: f32 = 175.0;

pub const ENTRY: super::registry::Entry = super::registry::Entry {
    name: NAME,
    package: TOOL.package,
    settings: &["program"],
    build: |config| Ok(std::sync::Arc::new(Say::new(config.clone())?)),
    serve: None,
};

pub struct Say {
    program: std::path::PathBuf,
    config: EngineConfig,
    voices: OnceLock<Vec<VoiceInfo>>,
}

impl Say {
    pub fn new(config: EngineConfig) -> Result<Say, EngineError> {
        if !cfg!(target_os = "macos") {
            return Err(super::unsupported(NAME, "say exists only on macOS"));
        }
        let program = config.program(NAME, NAME).ok_or_else(|| super::not_installed(TOOL))?;
        Ok(Say { program, config, voices: OnceLock::new() })
    }
}

impl super::Engine for Say {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> String {
        // say has no version flag; the OS release decides its voices.
        std::env::consts::OS.to_string()
    }

    fn voices(&self) -> Vec<VoiceInfo> {
        self.voices
            .get_or_init(|| {
                let mut command = Command::new(&self.program);
                command.args(["-v", "?"]);
                let listing = process::run(command, b"", TOOL, self.config.timeout)
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default();
                catalogue::best_first(parse_voices(&listing))
            })
            .clone()
    }

    fn synthesize(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm, EngineError> {
        let bytes = super::via_files(NAME, text, |text_path, wav_path| {
            let mut command = Command::new(&self.program);
            command.args(command_args(voice, prosody, text_path, wav_path));
            process::run(command, b"", TOOL, self.config.timeout).map(drop)
        })?;
        super::from_wav(NAME, &bytes, prosody.volume)
    }
}

/// `say -v VOICE -o out.wav --file-format=WAVE --data-format=LEI16@22050 [-r WPM] -f line.txt`.
/// say has no pitch option; pitch is ignored.
pub fn command_args(voice: &str, prosody: Prosody, text: &Path, out: &Path) -> Vec<String> {
    let mut args: Vec<String> =
        ["-v", voice, "-o", &out.to_string_lossy(), "--file-format=WAVE", "--data-format=LEI16@22050"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let rate = super::clamp_multiplier(prosody.rate);
    if rate != 1.0 {
        args.extend(["-r".to_string(), format!("{:.0}", NATURAL_WPM * rate)]);
    }
    args.extend(["-f".to_string(), text.to_string_lossy().into_owned()]);
    args
}

/// `say -v ?` lines: "Alex                en_US    # Most people recognize me by my voice."
/// Names may contain spaces ("Good News"), so the locale is found as the last field before `#`.
pub fn parse_voices(listing: &str) -> Vec<VoiceInfo> {
    listing
        .lines()
        .filter_map(|line| {
            let (left, _) = line.split_once('#').unwrap_or((line, ""));
            let fields: Vec<&str> = left.split_whitespace().collect();
            let (locale, name) = fields.split_last()?;
            (locale.starts_with("en") && !name.is_empty()).then(|| VoiceInfo {
                engine: NAME.to_string(),
                id: name.join(" "),
                accent: locale.replace('_', "-"),
                gender: Gender::Unknown,
                natural: true,
                intelligibility: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line() {
        let args = command_args("Samantha", Prosody::default(), Path::new("/t/line.txt"), Path::new("/t/out.wav"));
        assert_eq!(
            args,
            [
                "-v",
                "Samantha",
                "-o",
                "/t/out.wav",
                "--file-format=WAVE",
                "--data-format=LEI16@22050",
                "-f",
                "/t/line.txt"
            ]
        );
        let fast = command_args("Daniel", Prosody { rate: 1.2, ..Prosody::default() }, Path::new("l"), Path::new("o"));
        assert_eq!(fast[6..], ["-r", "210", "-f", "l"]);
    }

    #[test]
    fn parses_voice_listing() {
        let voices = parse_voices(
            "Alex                en_US    # Most people recognize me.\nGood News           en_US    # Hi\nAmelie fr_CA # Bonjour\n",
        );
        let ids: Vec<&str> = voices.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["Alex", "Good News"]);
        assert_eq!(voices[0].accent, "en-US");
    }

    #[test]
    fn off_macos_it_is_unsupported() {
        if !cfg!(target_os = "macos") {
            assert!(matches!(Say::new(EngineConfig::default()), Err(EngineError::Unsupported { .. })));
        }
    }
}

//! The flite command line: CMU's small synthesizer with a few recorded US English voices.
//! `-ssml` is never used: it hangs on some input.

use super::process::{self, Tool};
use super::{EngineConfig, EngineError, VoiceInfo, catalogue};
use crate::audio::Pcm;
use crate::script::Gender;
use crate::voice::Prosody;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const NAME: &str = "flite";
const TOOL: Tool<'static> = Tool { engine: NAME, package: "flite" };

/// Voices flite ships, with what `flite -lv` cannot tell: gender, accent, and each voice's own
/// mean pitch (found by rendering with `--setf int_f0_target_mean=N` until the output was
/// byte-identical to the default; rms ignores the setting, so its pitch cannot be changed).
/// `awb_time` only speaks the time of day and `kal` is the 8 kHz copy of `kal16`: both left out.
const KNOWN: &[(&str, Gender, &str, Option<f32>)] = &[
    ("slt", Gender::Female, "en-US", Some(172.0)),
    ("rms", Gender::Male, "en-US", None),
    ("awb", Gender::Male, "en-GB-x-scotland", Some(132.0)),
    ("kal16", Gender::Male, "en-US", Some(95.0)),
];

pub const ENTRY: super::registry::Entry = super::registry::Entry {
    name: NAME,
    package: TOOL.package,
    settings: &["program"],
    build: |config| Ok(std::sync::Arc::new(Flite::new(config.clone())?)),
    serve: None,
};

pub struct Flite {
    binary: PathBuf,
    config: EngineConfig,
    version: OnceLock<String>,
    voices: OnceLock<Vec<VoiceInfo>>,
}

impl Flite {
    pub fn new(config: EngineConfig) -> Result<Flite, EngineError> {
        let binary = config.program(NAME, NAME).ok_or_else(|| super::not_installed(TOOL))?;
        Ok(Flite::with_binary(binary, config))
    }

    pub fn with_binary(binary: impl Into<PathBuf>, config: EngineConfig) -> Flite {
        Flite { binary: binary.into(), config, version: OnceLock::new(), voices: OnceLock::new() }
    }

    fn query(&self, arg: &str) -> String {
        let mut command = Command::new(&self.binary);
        command.arg(arg);
        // `flite --version` prints its version and then exits 1.
        process::run_any_status(command, b"", TOOL, self.config.timeout)
            .map(|(_, o)| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    fn render(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Vec<u8>, EngineError> {
        super::via_files(NAME, text, |text_path, wav_path| {
            let mut command = Command::new(&self.binary);
            command.args(command_args(voice, prosody, text_path, wav_path));
            process::run(command, b"", TOOL, self.config.timeout).map(drop)
        })
    }
}

impl super::Engine for Flite {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> String {
        self.version.get_or_init(|| parse_version(&self.query("--version"))).clone()
    }

    fn voices(&self) -> Vec<VoiceInfo> {
        self.voices.get_or_init(|| catalogue::best_first(listed_voices(&self.query("-lv")))).clone()
    }

    fn synthesize(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm, EngineError> {
        // flite silently falls back to its default voice for a name it does not know.
        super::known_voice(NAME, &self.voices(), voice)?;
        let bytes = self.render(voice, prosody, text)?;
        super::from_wav(NAME, &bytes, prosody.volume)
    }
}

/// The arguments for one line read from `text` and written to `out`.
pub fn command_args(voice: &str, prosody: Prosody, text: &Path, out: &Path) -> Vec<String> {
    let mut args = vec!["-voice".to_string(), voice.to_string()];
    let rate = super::clamp_multiplier(prosody.rate);
    if rate != 1.0 {
        args.extend(["--setf".to_string(), format!("duration_stretch={:.3}", 1.0 / rate)]);
    }
    let pitch = super::clamp_multiplier(prosody.pitch);
    if let Some(mean) = natural_pitch(voice).filter(|_| pitch != 1.0) {
        args.extend(["--setf".to_string(), format!("int_f0_target_mean={:.1}", mean * pitch)]);
    }
    args.extend(["-f".to_string(), path_arg(text), "-o".to_string(), path_arg(out)]);
    args
}

fn natural_pitch(voice: &str) -> Option<f32> {
    KNOWN.iter().find(|k| k.0 == voice).and_then(|k| k.3)
}

fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// "  version: flite-2.2-current Sep 2018 (...)" -> "flite-2.2-current".
pub fn parse_version(output: &str) -> String {
    output
        .lines()
        .find_map(|l| l.trim().strip_prefix("version:"))
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or("unknown")
        .to_string()
}

/// The known voices that `flite -lv` ("Voices available: kal awb_time kal16 awb rms slt") lists.
pub fn listed_voices(listing: &str) -> Vec<VoiceInfo> {
    let listed: Vec<&str> =
        listing.split_once(':').map(|(_, names)| names.split_whitespace().collect()).unwrap_or_default();
    KNOWN
        .iter()
        .filter(|k| listed.contains(&k.0))
        .map(|&(id, gender, accent, _)| VoiceInfo {
            engine: NAME.to_string(),
            id: id.to_string(),
            accent: accent.to_string(),
            gender,
            natural: true,
            intelligibility: catalogue::intelligibility(NAME, id),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_command_line_has_no_settings() {
        let args = command_args("slt", Prosody::default(), Path::new("/t/l.txt"), Path::new("/t/o.wav"));
        assert_eq!(args, ["-voice", "slt", "-f", "/t/l.txt", "-o", "/t/o.wav"]);
    }

    #[test]
    fn rate_and_pitch_become_features() {
        let prosody = Prosody { rate: 1.25, pitch: 1.1, volume: 1.0 };
        let args = command_args("awb", prosody, Path::new("l.txt"), Path::new("o.wav"));
        assert_eq!(
            args,
            [
                "-voice",
                "awb",
                "--setf",
                "duration_stretch=0.800",
                "--setf",
                "int_f0_target_mean=145.2",
                "-f",
                "l.txt",
                "-o",
                "o.wav"
            ]
        );
    }

    #[test]
    fn voice_without_pitch_control_ignores_pitch() {
        let prosody = Prosody { rate: 1.0, pitch: 1.5, volume: 1.0 };
        let args = command_args("rms", prosody, Path::new("l"), Path::new("o"));
        assert!(!args.iter().any(|a| a.contains("f0")));
    }

    #[test]
    fn parses_listing_and_version() {
        let voices = listed_voices("Voices available: kal awb_time kal16 awb rms slt \n");
        let ids: Vec<&str> = voices.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["slt", "rms", "awb", "kal16"]);
        assert_eq!(parse_version("  Carnegie Mellon\n  version: flite-2.2-current Sep 2018 (x)"), "flite-2.2-current");
    }
}

//! Windows SAPI through PowerShell's `System.Speech.Synthesis.SpeechSynthesizer`, writing each
//! line with `SetOutputToWaveFile`. Untested on the development machine (Linux): the scripts are
//! unit-tested, and off Windows the engine reports `Unsupported`.

use super::process::{self, Tool};
use super::{EngineConfig, EngineError, VoiceInfo, catalogue};
use crate::audio::Pcm;
use crate::script::Gender;
use crate::voice::Prosody;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

pub const NAME: &str = "sapi";
const TOOL: Tool<'static> = Tool { engine: NAME, package: "Windows PowerShell (part of the system)" };
const POWERSHELL: &str = "powershell";

pub const ENTRY: super::registry::Entry = super::registry::Entry {
    name: NAME,
    package: TOOL.package,
    settings: &["program"],
    build: |config| Ok(std::sync::Arc::new(Sapi::new(config.clone())?)),
    serve: None,
};

pub struct Sapi {
    program: std::path::PathBuf,
    config: EngineConfig,
    voices: OnceLock<Vec<VoiceInfo>>,
}

impl Sapi {
    pub fn new(config: EngineConfig) -> Result<Sapi, EngineError> {
        if !cfg!(windows) {
            return Err(super::unsupported(NAME, "SAPI exists only on Windows"));
        }
        let program = config.program(NAME, POWERSHELL).ok_or_else(|| super::not_installed(TOOL))?;
        Ok(Sapi { program, config, voices: OnceLock::new() })
    }

    fn run(&self, script: &str) -> Result<Vec<u8>, EngineError> {
        let mut command = Command::new(&self.program);
        command.args(powershell_args(script));
        process::run(command, b"", TOOL, self.config.timeout).map(|o| o.stdout)
    }
}

impl super::Engine for Sapi {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> String {
        // The installed voices, not System.Speech, decide the sound; the OS names them.
        std::env::consts::OS.to_string()
    }

    fn voices(&self) -> Vec<VoiceInfo> {
        self.voices
            .get_or_init(|| {
                let listing = self.run(LIST_SCRIPT).unwrap_or_default();
                catalogue::best_first(parse_voices(&String::from_utf8_lossy(&listing)))
            })
            .clone()
    }

    fn synthesize(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm, EngineError> {
        let bytes = super::via_files(NAME, text, |text_path, wav_path| {
            self.run(&speak_script(voice, prosody, text_path, wav_path)).map(drop)
        })?;
        super::from_wav(NAME, &bytes, prosody.volume)
    }
}

const LIST_SCRIPT: &str = "Add-Type -AssemblyName System.Speech\n\
$s = New-Object System.Speech.Synthesis.SpeechSynthesizer\n\
foreach ($v in $s.GetInstalledVoices()) { $i = $v.VoiceInfo; Write-Output ($i.Name + '|' + $i.Culture.Name + '|' + $i.Gender) }\n";

/// The script that reads `text` (UTF-8) and writes `out`. The text stays in its file so nothing
/// in it can be taken for PowerShell. Pitch is not available without SSML and is ignored.
pub fn speak_script(voice: &str, prosody: Prosody, text: &Path, out: &Path) -> String {
    format!(
        "Add-Type -AssemblyName System.Speech\n\
         $s = New-Object System.Speech.Synthesis.SpeechSynthesizer\n\
         $s.SelectVoice({})\n\
         $s.Rate = {}\n\
         $s.SetOutputToWaveFile({})\n\
         $s.Speak([System.IO.File]::ReadAllText({}, [System.Text.Encoding]::UTF8))\n\
         $s.Dispose()\n",
        ps_string(voice),
        sapi_rate(prosody.rate),
        ps_string(&out.to_string_lossy()),
        ps_string(&text.to_string_lossy()),
    )
}

/// SAPI's rate runs from -10 to 10; each 10 steps is about a factor of three.
pub fn sapi_rate(rate: f32) -> i32 {
    let rate = super::clamp_multiplier(rate);
    (10.0 * rate.ln() / 3f32.ln()).round().clamp(-10.0, 10.0) as i32
}

/// A single-quoted PowerShell string: only the quote itself needs doubling.
pub fn ps_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Runs a script through `-EncodedCommand` (base64 of UTF-16LE), which no quoting can break.
pub fn powershell_args(script: &str) -> Vec<String> {
    let utf16: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", &base64(&utf16)]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Lines of "Name|en-US|Female" from the listing script; English voices only.
pub fn parse_voices(listing: &str) -> Vec<VoiceInfo> {
    listing
        .lines()
        .filter_map(|line| {
            let mut fields = line.trim().split('|');
            let (name, culture, gender) = (fields.next()?, fields.next()?, fields.next()?);
            (culture.starts_with("en") && !name.is_empty()).then(|| VoiceInfo {
                engine: NAME.to_string(),
                id: name.to_string(),
                accent: culture.to_string(),
                gender: match gender {
                    "Female" => Gender::Female,
                    "Male" => Gender::Male,
                    _ => Gender::Unknown,
                },
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
    fn speak_script_quotes_everything() {
        let script = speak_script(
            "Microsoft Zira Desktop",
            Prosody::default(),
            Path::new("C:\\t\\it's.txt"),
            Path::new("C:\\t\\o.wav"),
        );
        assert_eq!(
            script,
            "Add-Type -AssemblyName System.Speech\n\
             $s = New-Object System.Speech.Synthesis.SpeechSynthesizer\n\
             $s.SelectVoice('Microsoft Zira Desktop')\n\
             $s.Rate = 0\n\
             $s.SetOutputToWaveFile('C:\\t\\o.wav')\n\
             $s.Speak([System.IO.File]::ReadAllText('C:\\t\\it''s.txt', [System.Text.Encoding]::UTF8))\n\
             $s.Dispose()\n"
        );
    }

    #[test]
    fn rate_maps_to_sapi_steps() {
        assert_eq!(sapi_rate(1.0), 0);
        assert_eq!(sapi_rate(3.0), 10);
        assert_eq!(sapi_rate(100.0), 10);
        assert_eq!(sapi_rate(1.0 / 3.0), -10);
        assert_eq!(sapi_rate(1.2), 2);
    }

    #[test]
    fn encodes_command_as_utf16_base64() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
        let args = powershell_args("a");
        assert_eq!(args.last().map(String::as_str), Some("YQA="));
    }

    #[test]
    fn parses_voices() {
        let voices = parse_voices("Microsoft David Desktop|en-US|Male\r\nMicrosoft Hedda|de-DE|Female\n");
        assert_eq!(voices.len(), 1);
        assert_eq!(voices[0].gender, Gender::Male);
    }

    #[test]
    fn off_windows_it_is_unsupported() {
        if !cfg!(windows) {
            assert!(matches!(Sapi::new(EngineConfig::default()), Err(EngineError::Unsupported { .. })));
        }
    }
}

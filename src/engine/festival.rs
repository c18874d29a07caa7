//! Festival through long-running `festival --pipe` processes.
//!
//! Starting festival costs ~250 ms, more than rendering a typical line, so each process serves
//! many lines: a line is sent as a few Scheme forms that synthesize it, save the wave to a file,
//! and print a marker; the marker on stdout says the line is done (festival prints errors on
//! stderr and carries on, so a missing file, not a missing marker, is how a failed line shows).
//! A process that dies or overruns is killed and dropped; the next line starts a fresh one.

use super::pool::{Failure, Pool, Protocol};
use super::process::{self, Tool};
use super::{EngineConfig, EngineError, VoiceInfo, catalogue};
use crate::audio::Pcm;
use crate::script::Gender;
use crate::voice::Prosody;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command};
use std::sync::OnceLock;
use std::time::Instant;

pub const NAME: &str = "festival";
const TOOL: Tool<'static> = Tool { engine: NAME, package: "festival" };
const VOICES_DIR: &str = "/usr/share/festival/voices";
/// Language folders of festival's voice tree that hold English voices.
const ENGLISH_DIRS: &[&str] = &["english", "us", "uk"];
const MARKER: &str = "AUDIOBOOK-DONE-";

pub const ENTRY: super::registry::Entry = super::registry::Entry {
    name: NAME,
    package: TOOL.package,
    settings: &["program", "voices"],
    build: |config| Ok(std::sync::Arc::new(Festival::new(config.clone())?)),
    serve: None,
};

pub struct Festival {
    binary: PathBuf,
    voices_dir: PathBuf,
    config: EngineConfig,
    pool: Pool<Pipe>,
    version: OnceLock<String>,
    voices: OnceLock<Vec<VoiceInfo>>,
}

impl Festival {
    /// The `festival` on `PATH` (or its `program` setting) and the voices under
    /// `/usr/share/festival/voices` (or its `voices` setting), or `NotInstalled`.
    pub fn new(config: EngineConfig) -> Result<Festival, EngineError> {
        let binary = config.program(NAME, NAME).ok_or_else(|| super::not_installed(TOOL))?;
        let voices = config.settings.get(NAME).and_then(|t| t.get("voices")).and_then(|v| v.as_str());
        let voices_dir = voices.map_or_else(|| PathBuf::from(VOICES_DIR), PathBuf::from);
        Ok(Festival::with_paths(binary, voices_dir, config))
    }

    /// A given binary and voice tree; lets tests substitute stand-ins.
    pub fn with_paths(binary: impl Into<PathBuf>, voices_dir: impl Into<PathBuf>, config: EngineConfig) -> Festival {
        let binary = binary.into();
        let pool = Pool::new(Pipe { binary: binary.clone() }, config.timeout);
        Festival {
            binary,
            voices_dir: voices_dir.into(),
            config,
            pool,
            version: OnceLock::new(),
            voices: OnceLock::new(),
        }
    }

    /// Process ids of the idle festival processes; lets tests kill one to check recovery.
    #[doc(hidden)]
    pub fn idle_pids(&self) -> Vec<u32> {
        self.pool.idle_pids()
    }

    /// Renders one line on a festival process: its wave file's bytes.
    fn render(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Vec<u8>, EngineError> {
        let timeout = self.config.timeout;
        self.pool.run(|process| {
            let wav = process.state.path().join(format!("line-{}.wav", process.served));
            let marker = format!("{MARKER}{}", process.served);
            process.send(line_script(voice, prosody, text, &wav, &marker).as_bytes())?;
            let deadline = Instant::now() + timeout;
            while !process.receive(deadline)?.contains(&marker) {}
            let bytes = std::fs::read(&wav).map_err(|_| {
                // festival rejected the line (its error is on stderr) and is still usable.
                let stderr = process.stderr_tail();
                Failure::Refused(EngineError::Crashed {
                    engine: NAME.to_string(),
                    status: "no audio written".to_string(),
                    stderr,
                })
            });
            let _ = std::fs::remove_file(&wav);
            bytes
        })
    }
}

impl super::Engine for Festival {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> String {
        self.version
            .get_or_init(|| {
                let mut command = Command::new(&self.binary);
                command.arg("--version");
                process::run(command, b"", TOOL, self.config.timeout)
                    .map(|o| parse_version(&String::from_utf8_lossy(&o.stdout)))
                    .unwrap_or_else(|_| "unknown".to_string())
            })
            .clone()
    }

    fn voices(&self) -> Vec<VoiceInfo> {
        self.voices.get_or_init(|| catalogue::best_first(installed_voices(&self.voices_dir))).clone()
    }

    fn prepare(&self, threads: usize) {
        // Its processes start as lines need them (a start costs ~250 ms, in the background of
        // the first line); what matters is that none is stopped between lines.
        self.pool.keep_at_least(threads);
    }

    fn synthesize(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm, EngineError> {
        // The id is pasted into Scheme as a function name, so only a discovered one will do.
        super::known_voice(NAME, &self.voices(), voice)?;
        let bytes = self.render(voice, prosody, text)?;
        super::from_wav(NAME, &bytes, prosody.volume)
    }
}

/// `festival --pipe` processes: a line goes in as Scheme forms, the marker they print comes back
/// as a line of output, and the wave is in the process's own folder.
struct Pipe {
    binary: PathBuf,
}

impl Protocol for Pipe {
    type Message = String;
    type State = tempfile::TempDir;

    fn tool(&self) -> Tool<'static> {
        TOOL
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command.arg("--pipe");
        command
    }

    fn state(&self) -> std::io::Result<tempfile::TempDir> {
        tempfile::tempdir()
    }

    fn read(stdout: BufReader<ChildStdout>, send: &mut dyn FnMut(String) -> bool) {
        for line in stdout.lines() {
            if !line.is_ok_and(&mut *send) {
                return;
            }
        }
    }
}

/// The Scheme that renders one line to `wav` and then prints `marker`. Selecting the voice again
/// on every line resets whatever prosody the previous line set. festival's stdout is a pipe and
/// block-buffered, so the marker is flushed explicitly or it would arrive only at exit.
pub fn line_script(voice: &str, prosody: Prosody, text: &str, wav: &Path, marker: &str) -> String {
    format!(
        "(voice_{voice})\n{}(set! audiobook_utt (utt.synth (Utterance Text {})))\n\
         (utt.save.wave audiobook_utt {} 'riff)\n(print {})\n(fflush nil)\n",
        prosody_forms(voice, prosody),
        scheme_string(text),
        scheme_string(&wav.to_string_lossy()),
        scheme_string(marker),
    )
}

/// Rate and pitch: HTS voices take hts_engine options (`-r` speed, `-fm` half-tones); the others
/// stretch durations and move the intonation model's target mean.
pub fn prosody_forms(voice: &str, prosody: Prosody) -> String {
    let rate = super::clamp_multiplier(prosody.rate);
    let pitch = super::clamp_multiplier(prosody.pitch);
    if rate == 1.0 && pitch == 1.0 {
        return String::new();
    }
    if voice.ends_with("_hts") {
        let semitones = 12.0 * pitch.log2();
        return format!(
            "(set! hts_engine_params (append hts_engine_params (list (list \"-r\" {rate:.3}) (list \"-fm\" {semitones:.3}))))\n"
        );
    }
    format!(
        "(Parameter.set 'Duration_Stretch (* (or (Parameter.get 'Duration_Stretch) 1.0) {:.3}))\n\
         (if (assoc 'target_f0_mean int_lr_params) (set! int_lr_params (cons (list 'target_f0_mean \
         (* {pitch:.3} (car (cdr (assoc 'target_f0_mean int_lr_params))))) int_lr_params)))\n",
        1.0 / rate
    )
}

/// A Scheme string literal. Control characters become spaces: festival's reader has no escapes
/// for them and they carry nothing a listener would hear.
pub fn scheme_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// "festival: Festival Speech Synthesis System: 2.5.0:release December 2017" -> "2.5.0".
pub fn parse_version(output: &str) -> String {
    output.split(':').nth(2).map(str::trim).filter(|v| !v.is_empty()).unwrap_or("unknown").to_string()
}

/// The voices installed under festival's voice tree, in its English language folders.
pub fn installed_voices(root: &Path) -> Vec<VoiceInfo> {
    let mut voices = Vec::new();
    for language in ENGLISH_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(language)) else { continue };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| is_scheme_symbol(n))
            .collect();
        names.sort();
        voices.extend(names.into_iter().map(|n| voice_info(n, language)));
    }
    voices
}

fn is_scheme_symbol(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn voice_info(id: String, language: &str) -> VoiceInfo {
    VoiceInfo {
        engine: NAME.to_string(),
        intelligibility: catalogue::intelligibility(NAME, &id),
        accent: accent(&id, language).to_string(),
        gender: gender(&id),
        natural: true,
        id,
    }
}

/// Speakers of the festvox voices, by the speaker code in the voice's name.
fn gender(id: &str) -> Gender {
    const FEMALE: &[&str] = &["slt", "clb", "eey", "ljm", "lnh"];
    const MALE: &[&str] =
        &["kal", "ked", "rab", "don", "bdl", "rms", "awb", "jmk", "ksp", "aew", "ahw", "fem", "gka", "rxr"];
    let speaker = |code: &str| id.split('_').any(|part| part == code);
    if FEMALE.iter().any(|c| speaker(c)) {
        Gender::Female
    } else if MALE.iter().any(|c| speaker(c)) {
        Gender::Male
    } else {
        Gender::Unknown
    }
}

fn accent(id: &str, language: &str) -> &'static str {
    match (language, id) {
        (_, id) if id.starts_with("rab_") || id.starts_with("cmu_uk_") => "en-GB",
        ("uk", _) => "en-GB",
        (_, id) if id.contains("_awb_") => "en-GB-x-scotland",
        _ => "en-US",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_scheme_strings() {
        assert_eq!(scheme_string(r#"He said "no" \ then"#), r#""He said \"no\" \\ then""#);
        assert_eq!(scheme_string("a\nb\u{7}c"), "\"a b c\"");
        assert_eq!(scheme_string("(quit)"), "\"(quit)\"");
    }

    #[test]
    fn default_line_script() {
        let script = line_script("kal_diphone", Prosody::default(), "Hi.", Path::new("/t/1.wav"), "M-1");
        assert_eq!(
            script,
            "(voice_kal_diphone)\n(set! audiobook_utt (utt.synth (Utterance Text \"Hi.\")))\n\
             (utt.save.wave audiobook_utt \"/t/1.wav\" 'riff)\n(print \"M-1\")\n(fflush nil)\n"
        );
    }

    #[test]
    fn prosody_by_voice_family() {
        let faster_higher = Prosody { rate: 2.0, pitch: 2.0, volume: 1.0 };
        let hts = prosody_forms("cmu_us_slt_arctic_hts", faster_higher);
        assert!(hts.contains("(list \"-r\" 2.000)") && hts.contains("(list \"-fm\" 12.000)"), "{hts}");
        let diphone = prosody_forms("kal_diphone", faster_higher);
        assert!(diphone.contains("Duration_Stretch) 1.0) 0.500)") && diphone.contains("(* 2.000"), "{diphone}");
        assert_eq!(prosody_forms("kal_diphone", Prosody { volume: 3.0, ..Prosody::default() }), "");
    }

    #[test]
    fn describes_voices() {
        assert_eq!(gender("cmu_us_slt_arctic_hts"), Gender::Female);
        assert_eq!(gender("kal_diphone"), Gender::Male);
        assert_eq!(gender("mystery"), Gender::Unknown);
        assert_eq!(accent("rab_diphone", "english"), "en-GB");
        assert_eq!(accent("kal_diphone", "english"), "en-US");
        assert_eq!(parse_version("festival: Festival Speech Synthesis System: 2.5.0:release December 2017"), "2.5.0");
        assert!(!is_scheme_symbol("x)(quit"));
    }
}

//! Festival through long-running `festival --pipe` processes.
//!
//! Starting festival costs ~250 ms, more than rendering a typical line, so each process serves
//! many lines: a line is sent as a few Scheme forms that synthesize it, save the wave to a file,
//! and print a marker; the marker on stdout says the line is done (festival prints errors on
//! stderr and carries on, so a missing file, not a missing marker, is how a failed line shows).
//! A process that dies or overruns is killed and dropped; the next line starts a fresh one.

use super::process::{self, Idle, Tool};
use super::{EngineConfig, EngineError, Gender, Prosody, VoiceInfo, catalogue};
use crate::audio::Pcm;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

pub const NAME: &str = "festival";
const TOOL: Tool<'static> = Tool { engine: NAME, package: "festival" };
const VOICES_DIR: &str = "/usr/share/festival/voices";
/// Language folders of festival's voice tree that hold English voices.
const ENGLISH_DIRS: &[&str] = &["english", "us", "uk"];
const MARKER: &str = "AUDIOBOOK-DONE-";

pub struct Festival {
    binary: PathBuf,
    voices_dir: PathBuf,
    config: EngineConfig,
    idle: Idle<Worker>,
    version: OnceLock<String>,
    voices: OnceLock<Vec<VoiceInfo>>,
}

impl Festival {
    pub fn new(config: EngineConfig) -> Result<Festival, EngineError> {
        let binary = process::which(NAME.as_ref()).ok_or_else(|| super::not_installed(TOOL))?;
        Ok(Festival::with_paths(binary, VOICES_DIR, config))
    }

    /// A given binary and voice tree; lets tests substitute stand-ins.
    pub fn with_paths(binary: impl Into<PathBuf>, voices_dir: impl Into<PathBuf>, config: EngineConfig) -> Festival {
        Festival {
            binary: binary.into(),
            voices_dir: voices_dir.into(),
            config,
            idle: Idle::new(),
            version: OnceLock::new(),
            voices: OnceLock::new(),
        }
    }

    fn take_worker(&self) -> Result<Worker, EngineError> {
        match self.idle.take() {
            Some(worker) => Ok(worker),
            None => Worker::start(&self.binary),
        }
    }

    /// Process ids of the idle festival processes; lets tests kill one to check recovery.
    #[doc(hidden)]
    pub fn idle_pids(&self) -> Vec<u32> {
        self.idle.inspect(|idle| idle.iter().map(|w| w.child.id()).collect()).unwrap_or_default()
    }

    fn give_back(&self, worker: Worker) {
        self.idle.give_back(worker);
    }

    fn render(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Vec<u8>, EngineError> {
        let mut worker = self.take_worker()?;
        let reused = worker.served > 0;
        let result = match worker.render(voice, prosody, text, self.config.timeout) {
            // An idle process may have died since its last line; one fresh attempt is cheap.
            Err(Failure::Dead(_)) if reused => {
                worker = Worker::start(&self.binary)?;
                worker.render(voice, prosody, text, self.config.timeout)
            }
            other => other,
        };
        match result {
            Ok(bytes) => {
                self.give_back(worker);
                Ok(bytes)
            }
            Err(Failure::NoFile(stderr)) => {
                self.give_back(worker);
                Err(crashed("no audio written", stderr))
            }
            Err(Failure::Dead(stderr)) => Err(crashed("the process died", stderr)),
            Err(Failure::TimedOut) => Err(process::timed_out(NAME, self.config.timeout)),
        }
    }
}

fn crashed(status: &str, stderr: String) -> EngineError {
    EngineError::Crashed { engine: NAME.to_string(), status: status.to_string(), stderr }
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
        self.idle.keep_at_least(threads);
    }

    fn synthesize(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm, EngineError> {
        // The id is pasted into Scheme as a function name, so only a discovered one will do.
        super::known_voice(NAME, &self.voices(), voice)?;
        let bytes = self.render(voice, prosody, text)?;
        super::from_wav(NAME, &bytes, prosody.volume)
    }
}

enum Failure {
    /// The process exited or closed its output.
    Dead(String),
    /// The marker came but no wave file: festival rejected the line and is still usable.
    NoFile(String),
    TimedOut,
}

/// One `festival --pipe` process and the threads reading its output.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: Receiver<String>,
    stderr: process::Stderr,
    dir: tempfile::TempDir,
    served: u64,
}

impl Worker {
    fn start(binary: &Path) -> Result<Worker, EngineError> {
        let io = |source| EngineError::Io { engine: NAME.to_string(), source };
        let dir = tempfile::tempdir().map_err(io)?;
        let mut child = Command::new(binary)
            .arg("--pipe")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| process::spawn_error(e, TOOL))?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            process::kill(&mut child);
            return Err(crashed("no pipes", String::new()));
        };
        Ok(Worker { child, stdin, stdout: read_lines(stdout), stderr: process::collect(stderr), dir, served: 0 })
    }

    fn render(&mut self, voice: &str, prosody: Prosody, text: &str, timeout: Duration) -> Result<Vec<u8>, Failure> {
        self.served += 1;
        let wav = self.dir.path().join(format!("line-{}.wav", self.served));
        let marker = format!("{MARKER}{}", self.served);
        let script = line_script(voice, prosody, text, &wav, &marker);
        self.stderr.clear();
        if self.stdin.write_all(script.as_bytes()).and_then(|()| self.stdin.flush()).is_err() {
            return Err(Failure::Dead(self.stderr.tail()));
        }
        self.wait_for(&marker, timeout)?;
        let bytes = std::fs::read(&wav).map_err(|_| Failure::NoFile(self.stderr.tail()));
        let _ = std::fs::remove_file(&wav);
        bytes
    }

    fn wait_for(&self, marker: &str, timeout: Duration) -> Result<(), Failure> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) if line.contains(marker) => return Ok(()),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => return Err(Failure::TimedOut),
                Err(RecvTimeoutError::Disconnected) => return Err(Failure::Dead(self.stderr.tail())),
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        process::kill(&mut self.child);
    }
}

fn read_lines(stdout: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
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

//! Long-lived synthesis processes for engines that run as libraries inside this program.
//!
//! A library engine that is not thread-safe (espeak-ng keeps its state in globals) still renders
//! on every core: each worker is this program started again as `audiobook __engine-worker ENGINE`,
//! holding one synthesizer and serving one line at a time over its stdin and stdout. A worker
//! that crashes or overruns the timeout is killed, and the next line starts a fresh one, so a
//! line that takes the library down costs only that line.
//!
//! The protocol is line-framed text with a binary payload:
//! - the worker starts with `ready VERSION` or `err REASON`;
//! - a request is `VOICE \t WPM \t PITCH \t AMPLITUDE \t BYTES` and then BYTES of UTF-8 text;
//! - a response is `ok RATE SAMPLES` and then SAMPLES little-endian 16-bit samples, or
//!   `err MESSAGE`.

use super::process::{self, Idle, Tool};
use super::{EngineError, libespeak};
use crate::audio::Pcm;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

/// The hidden command line that starts a worker.
pub const COMMAND: &str = "__engine-worker";

/// Engine settings as the library takes them: (rate in words per minute, pitch, amplitude).
pub type Settings = (u32, u32, u32);

/// Serves requests from `input` until it closes, in this process. `engine` names the library
/// (only espeak-ng has one today). Returns the process's exit code.
pub fn serve(engine: &str, input: impl Read, mut output: impl Write) -> i32 {
    let ready = match engine {
        // Only where each line can have its own fork (see `isolated`).
        super::espeak::NAME if cfg!(target_os = "linux") => libespeak::version(),
        super::espeak::NAME => Err("library engines run only on Linux here".to_string()),
        _ => Err(format!("no library engine `{engine}`")),
    };
    let version = match ready {
        Ok(version) => version,
        Err(reason) => {
            let _ = writeln!(output, "err {}", one_line(&reason));
            return 1;
        }
    };
    if writeln!(output, "ready {version}").and_then(|()| output.flush()).is_err() {
        return 1;
    }
    let mut input = BufReader::new(input);
    let mut preloaded = false;
    loop {
        let request = match read_request(&mut input) {
            Ok(Some(request)) => request,
            Ok(None) => return 0,
            Err(reason) => {
                let _ = writeln!(output, "err {}", one_line(&reason));
                return 1;
            }
        };
        let (voice, settings, text) = request;
        // Loading a voice here, not in each fork, loads the language's dictionary and phoneme
        // tables once for all the forks to share (espeak-ng reloads them only for another
        // language), and the forks for lines in that voice (the first line's is usually the
        // narrator's) select nothing at all. Only once: espeak-ng 1.51 crashes after a few
        // hundred voice changes in one process, and this way no process changes voice twice.
        if !preloaded {
            let _ = libespeak::preload(&voice);
            preloaded = true;
        }
        if isolated::answer(&mut output, &voice, settings, &text).and_then(|()| output.flush()).is_err() {
            return 1;
        }
    }
}

/// Synthesizes one line and writes the reply.
fn answer(output: &mut impl Write, voice: &str, settings: Settings, text: &str) -> std::io::Result<()> {
    match libespeak::synthesize(voice, settings, text) {
        Ok((samples, rate)) => write_samples(output, rate, &samples),
        Err(reason) => writeln!(output, "err {}", one_line(&reason)),
    }
}

/// Every line rendered from the same starting state.
///
/// espeak-ng carries state from one line to the next (pitch flutter phase, echo buffers), so in
/// one long-lived process a line's samples would depend on the lines rendered before it: renders
/// would differ run to run and a resumed render would not match an uninterrupted one. Each line
/// is therefore rendered in a fork of the worker taken right after the library loaded, exactly
/// the state a fresh `espeak-ng` program is in. A fork costs a fraction of a millisecond, where
/// starting the program costs about ten; and a line that crashes the library takes down only its
/// fork, which the worker reports as a failed line.
#[cfg(target_os = "linux")]
mod isolated {
    use super::Settings;
    use std::io::Write;

    pub fn answer(output: &mut impl Write, voice: &str, settings: Settings, text: &str) -> std::io::Result<()> {
        // Anything buffered would be written twice, by the fork and by us.
        output.flush()?;
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: the worker is single-threaded (only the main thread runs while it serves), so
        // the fork's copy of the process is consistent; the fork leaves through `_exit`, running
        // no destructors or exit handlers that belong to the worker.
        match unsafe { libc::fork() } {
            -1 => Err(std::io::Error::last_os_error()),
            0 => unsafe {
                // Die with the worker: when a hung line gets the worker killed, this goes too.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                let written = super::answer(output, voice, settings, text).and_then(|()| output.flush());
                libc::_exit(if written.is_ok() { 0 } else { 1 })
            },
            child => {
                let mut status = 0;
                // SAFETY: `child` is our own child process and `status` a valid out-pointer.
                while unsafe { libc::waitpid(child, &mut status, 0) } == -1 {
                    let error = std::io::Error::last_os_error();
                    if error.kind() != std::io::ErrorKind::Interrupted {
                        return Err(error);
                    }
                }
                if libc::WIFSIGNALED(status) {
                    // It died while synthesizing, before writing anything.
                    let signal = libc::WTERMSIG(status);
                    return writeln!(output, "err espeak-ng crashed on this line (signal {signal})");
                }
                match libc::WEXITSTATUS(status) {
                    0 => Ok(()),
                    _ => Err(std::io::Error::other("the line's reply could not be written")),
                }
            }
        }
    }
}

/// Elsewhere lines would share the worker's state, so `serve` refuses and engines run as programs.
#[cfg(not(target_os = "linux"))]
mod isolated {
    pub use super::answer;
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn write_samples(output: &mut impl Write, rate: u32, samples: &[i16]) -> std::io::Result<()> {
    writeln!(output, "ok {rate} {}", samples.len())?;
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    output.write_all(&bytes)
}

type Request = (String, Settings, String);

fn read_request(input: &mut impl BufRead) -> Result<Option<Request>, String> {
    let mut header = String::new();
    if input.read_line(&mut header).map_err(|e| e.to_string())? == 0 {
        return Ok(None);
    }
    let fields: Vec<&str> = header.trim_end_matches('\n').split('\t').collect();
    let number = |i: usize| fields.get(i).and_then(|f| f.parse::<u32>().ok());
    let (Some(&voice), Some(wpm), Some(pitch), Some(amplitude), Some(len)) =
        (fields.first(), number(1), number(2), number(3), number(4))
    else {
        return Err(format!("malformed request `{}`", header.trim_end()));
    };
    let mut text = vec![0; len as usize];
    input.read_exact(&mut text).map_err(|e| e.to_string())?;
    let text = String::from_utf8(text).map_err(|_| "the text is not UTF-8".to_string())?;
    Ok(Some((voice.to_string(), (wpm, pitch, amplitude), text)))
}

/// What a worker sends back for one line.
enum Reply {
    Audio(Pcm),
    Refused(String),
}

/// Worker processes of one engine, started as lines need them and kept while idle.
pub struct Pool {
    program: PathBuf,
    tool: Tool<'static>,
    timeout: Duration,
    idle: Idle<Worker>,
}

impl Pool {
    /// Starts one worker of `tool.engine` from `program` to check that the engine's library works
    /// here; returns the pool and the library's version.
    pub fn start(program: &Path, tool: Tool<'static>, timeout: Duration) -> Result<(Pool, String), EngineError> {
        let (worker, version) = Worker::start(program, tool, timeout)?;
        let pool = Pool { program: program.to_path_buf(), tool, timeout, idle: Idle::new() };
        pool.idle.give_back(worker);
        Ok((pool, version))
    }

    /// Renders one line on an idle worker, or a new one.
    pub fn synthesize(&self, voice: &str, settings: Settings, text: &str) -> Result<Pcm, EngineError> {
        let mut worker = match self.idle.take() {
            Some(worker) => worker,
            None => Worker::start(&self.program, self.tool, self.timeout)?.0,
        };
        match worker.render(voice, settings, text, self.timeout) {
            Ok(Reply::Audio(pcm)) => {
                self.idle.give_back(worker);
                Ok(pcm)
            }
            Ok(Reply::Refused(reason)) => {
                self.idle.give_back(worker);
                Err(self.crashed("the line was refused", reason))
            }
            Err(failure) => Err(failure.into_error(self)),
        }
    }

    fn crashed(&self, status: &str, detail: String) -> EngineError {
        EngineError::Crashed { engine: self.tool.engine.to_string(), status: status.to_string(), stderr: detail }
    }
}

enum Failure {
    Dead(String),
    TimedOut,
}

impl Failure {
    fn into_error(self, pool: &Pool) -> EngineError {
        match self {
            Failure::Dead(stderr) => pool.crashed("the worker process died", stderr),
            Failure::TimedOut => process::timed_out(pool.tool.engine, pool.timeout),
        }
    }
}

/// One worker process and the thread reading its replies.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<Reply>,
    stderr: process::Stderr,
}

impl Worker {
    fn start(program: &Path, tool: Tool<'static>, timeout: Duration) -> Result<(Worker, String), EngineError> {
        let mut child = Command::new(program)
            .args([COMMAND, tool.engine])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| EngineError::Io { engine: tool.engine.to_string(), source: e })?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            process::kill(&mut child);
            return Err(EngineError::Crashed {
                engine: tool.engine.to_string(),
                status: "no pipes".to_string(),
                stderr: String::new(),
            });
        };
        let (greeting, replies) = read_replies(stdout);
        let worker = Worker { child, stdin, replies, stderr: process::collect(stderr) };
        match greeting.recv_timeout(timeout) {
            Ok(Ok(version)) => Ok((worker, version)),
            Ok(Err(reason)) => Err(EngineError::Unsupported { engine: tool.engine.to_string(), reason }),
            Err(RecvTimeoutError::Timeout) => Err(process::timed_out(tool.engine, timeout)),
            Err(RecvTimeoutError::Disconnected) => Err(EngineError::Crashed {
                engine: tool.engine.to_string(),
                status: "the worker process did not start".to_string(),
                stderr: worker.stderr.tail(),
            }),
        }
    }

    fn render(&mut self, voice: &str, (wpm, pitch, amplitude): Settings, text: &str, timeout: Duration) -> Result<Reply, Failure> {
        let header = format!("{voice}\t{wpm}\t{pitch}\t{amplitude}\t{}\n", text.len());
        let sent = self
            .stdin
            .write_all(header.as_bytes())
            .and_then(|()| self.stdin.write_all(text.as_bytes()))
            .and_then(|()| self.stdin.flush());
        if sent.is_err() {
            return Err(Failure::Dead(self.stderr.tail()));
        }
        match self.replies.recv_timeout(timeout) {
            Ok(reply) => Ok(reply),
            Err(RecvTimeoutError::Timeout) => Err(Failure::TimedOut),
            Err(RecvTimeoutError::Disconnected) => Err(Failure::Dead(self.stderr.tail())),
        }
    }

}

impl Drop for Worker {
    fn drop(&mut self) {
        process::kill(&mut self.child);
    }
}

/// Reads the greeting and then replies on a thread of its own, so the caller can wait for each
/// with a timeout. The channels close when the worker does.
fn read_replies(stdout: impl Read + Send + 'static) -> (Receiver<Result<String, String>>, Receiver<Reply>) {
    let (greet, greeting) = mpsc::channel();
    let (send, replies) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let hello = match line.trim_end().split_once(' ') {
            Some(("ready", version)) => Ok(version.to_string()),
            Some(("err", reason)) => Err(reason.to_string()),
            _ => Err(format!("unexpected greeting `{}`", line.trim_end())),
        };
        let started = hello.is_ok();
        if greet.send(hello).is_err() || !started {
            return;
        }
        while let Some(reply) = read_reply(&mut stdout) {
            if send.send(reply).is_err() {
                return;
            }
        }
    });
    (greeting, replies)
}

/// One reply, or `None` when the worker has closed its output or broken the protocol.
fn read_reply(stdout: &mut impl BufRead) -> Option<Reply> {
    let mut line = String::new();
    if stdout.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut fields = line.trim_end().splitn(3, ' ');
    match fields.next()? {
        "err" => Some(Reply::Refused(fields.collect::<Vec<_>>().join(" "))),
        "ok" => {
            let rate: u32 = fields.next()?.parse().ok()?;
            let count: usize = fields.next()?.parse().ok()?;
            let mut bytes = vec![0u8; count.checked_mul(2)?];
            stdout.read_exact(&mut bytes).ok()?;
            let samples: Vec<i16> = bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
            Some(Reply::Audio(Pcm::from_i16(&samples, rate)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip() {
        let text = "Tea?\nNo — \"coffee\", thanks.\t";
        let frame = format!("en-us+f3\t175\t50\t100\t{}\n{text}", text.len());
        let mut input = frame.as_bytes();
        let request = read_request(&mut input).unwrap().unwrap();
        assert_eq!(request, ("en-us+f3".to_string(), (175, 50, 100), text.to_string()));
        assert_eq!(read_request(&mut input).unwrap(), None);
        assert!(read_request(&mut "en\tfast\n".as_bytes()).is_err());
    }

    #[test]
    fn replies_round_trip() {
        let mut bytes = Vec::new();
        write_samples(&mut bytes, 22_050, &[1, -2, i16::MAX]).unwrap();
        bytes.extend_from_slice(b"err no voice `x`\n");
        let mut reader = bytes.as_slice();
        let Some(Reply::Audio(pcm)) = read_reply(&mut reader) else { panic!("no audio") };
        assert_eq!(pcm, Pcm::from_i16(&[1, -2, i16::MAX], 22_050));
        let Some(Reply::Refused(reason)) = read_reply(&mut reader) else { panic!("no refusal") };
        assert_eq!(reason, "no voice `x`");
        assert!(read_reply(&mut reader).is_none());
    }

    #[test]
    fn a_worker_for_an_engine_without_a_library_says_so() {
        let mut output = Vec::new();
        assert_eq!(serve("flite", &b""[..], &mut output), 1);
        assert_eq!(String::from_utf8(output).unwrap(), "err no library engine `flite`\n");
    }

    #[test]
    fn a_truncated_reply_is_a_dead_worker() {
        let mut reader: &[u8] = b"ok 22050 10\n\x01\x00";
        assert!(read_reply(&mut reader).is_none());
    }
}

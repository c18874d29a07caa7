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

use super::library;
use crate::audio::Pcm16;
use crate::engine::EngineError;
use crate::engine::pool::{Failure, Pool, Process, Protocol};
use crate::engine::process::{self, Tool};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{ChildStdout, Command};
use std::sync::OnceLock;
use std::time::Instant;

/// The hidden command line that starts a worker.
pub const COMMAND: &str = "__engine-worker";

/// Engine settings as the library takes them: (rate in words per minute, pitch, amplitude).
pub type Settings = (u32, u32, u32);

/// Serves requests from `input` until it closes, in this process. Returns the process's exit
/// code.
pub fn serve(input: &mut dyn Read, output: &mut dyn Write) -> i32 {
    // Only where each line can have its own fork (see `isolated`).
    let ready = if cfg!(target_os = "linux") {
        library::bind_now_for_forks();
        library::version()
    } else {
        Err("library engines run only on Linux here".to_string())
    };
    let mut output = std::io::BufWriter::with_capacity(1 << 16, output);
    let version = match ready {
        Ok(version) => version,
        Err(reason) => {
            let _ = writeln!(output, "err {}", one_line(&reason));
            return 1;
        }
    };
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_NAME reads a NUL-terminated name of at most 16 bytes.
    unsafe {
        // Named apart from the render that started it, in `top` and in profiles.
        libc::prctl(libc::PR_SET_NAME, c"engine-worker".as_ptr());
    }
    if writeln!(output, "ready {version}").and_then(|()| output.flush()).is_err() {
        return 1;
    }
    let mut input = BufReader::new(input);
    let mut server: Option<isolated::VoiceServer> = None;
    loop {
        let (voice, settings, text) = match read_request(&mut input) {
            Ok(Some(request)) => request,
            Ok(None) => return 0,
            Err(reason) => {
                let _ = writeln!(output, "err {}", one_line(&reason));
                return 1;
            }
        };
        if server.as_ref().is_none_or(|s| s.voice() != voice) {
            // One voice's process at a time: the previous one ends before the next starts.
            drop(server.take());
            match isolated::VoiceServer::start(&voice, &mut output) {
                Ok(started) => server = Some(started),
                Err(e) => {
                    let _ = writeln!(
                        output,
                        "err cannot start a process for voice `{voice}`: {}",
                        one_line(&e.to_string())
                    );
                    return 1;
                }
            }
        }
        let Some(current) = server.as_mut() else { return 1 };
        if let Err(e) = current.answer(settings, &text) {
            // The voice's process is gone; this line fails and the next one starts it again.
            server = None;
            let reply =
                writeln!(output, "err espeak-ng's process for voice `{voice}` ended: {}", one_line(&e.to_string()));
            if reply.and_then(|()| output.flush()).is_err() {
                return 1;
            }
        }
    }
}

/// Synthesizes one line and writes the reply.
fn answer(output: &mut impl Write, voice: &str, settings: Settings, text: &str) -> std::io::Result<()> {
    match library::synthesize(voice, settings, text) {
        Ok((samples, rate)) => write_samples(output, rate, &samples),
        Err(reason) => writeln!(output, "err {}", one_line(&reason)),
    }
}

/// Every line rendered from the same starting state.
///
/// espeak-ng carries state from one line to the next (pitch flutter phase, echo buffers), so in
/// one long-lived process a line's samples would depend on the lines rendered before it: renders
/// would differ run to run and a resumed render would not match an uninterrupted one. Each line
/// is therefore rendered in a fork, exactly in the state a fresh `espeak-ng` program is in once
/// it has selected the line's voice:
/// - the worker loads the library and never selects a voice;
/// - for a voice, it forks a voice server, which selects that voice once (loading its language's
///   dictionary and phoneme tables) and then serves that voice's lines, each in a fork of its
///   own. Selecting a voice costs up to a millisecond, more for another language, which the
///   forks of a line never pay; renders send a voice's lines together, so a worker changes
///   voice server a few times per book, not per line.
///
/// A fork costs a fraction of a millisecond, where starting the program costs about ten; a line
/// that crashes the library takes down only its fork, which is reported as a failed line; and no
/// process selects more than one voice (espeak-ng 1.51 crashes after a few hundred voice
/// changes in one process).
#[cfg(target_os = "linux")]
mod isolated {
    use super::Settings;
    use std::fs::File;
    use std::io::{BufReader, Read, Write};
    use std::os::fd::{FromRawFd, OwnedFd};

    /// A process that has selected one voice and renders its lines, replying on the worker's
    /// output; it acknowledges each line on a pipe of its own once the reply is written.
    pub struct VoiceServer {
        voice: String,
        pid: libc::pid_t,
        requests: File,
        acks: File,
    }

    impl VoiceServer {
        pub fn start(voice: &str, output: &mut impl Write) -> std::io::Result<VoiceServer> {
            let (request_read, request_write) = pipe()?;
            let (ack_read, ack_write) = pipe()?;
            // Anything buffered would be written twice, by the fork and by us.
            output.flush()?;
            let parent = std::process::id() as libc::pid_t;
            // SAFETY: the worker is single-threaded (only the main thread runs while it serves),
            // so the fork's copy of the process is consistent; the fork leaves through `_exit`.
            match unsafe { libc::fork() } {
                -1 => Err(std::io::Error::last_os_error()),
                0 => {
                    drop((request_write, ack_read));
                    die_with(parent);
                    let _ = super::super::library::preload(voice);
                    serve_voice(BufReader::new(request_read), ack_write, output)
                }
                pid => Ok(VoiceServer { voice: voice.to_string(), pid, requests: request_write, acks: ack_read }),
            }
        }

        pub fn voice(&self) -> &str {
            &self.voice
        }

        /// Has one line of this voice rendered; the reply is on the worker's output when this
        /// returns `Ok`. `Err` means the voice server died.
        pub fn answer(&mut self, settings: Settings, text: &str) -> std::io::Result<()> {
            super::write_request(&mut self.requests, &self.voice, settings, text)?;
            let mut ack = [0u8; 1];
            self.acks.read_exact(&mut ack)
        }
    }

    impl Drop for VoiceServer {
        fn drop(&mut self) {
            // It is idle (every line it was sent is acknowledged): nothing is lost by killing it.
            // SAFETY: `pid` is our own child, not yet waited for.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
                libc::waitpid(self.pid, std::ptr::null_mut(), 0);
            }
        }
    }

    /// The voice server's loop: each request rendered in a fork, then acknowledged.
    fn serve_voice(mut requests: BufReader<File>, mut acks: File, output: &mut impl Write) -> ! {
        loop {
            let Ok(Some((voice, settings, text))) = super::read_request(&mut requests) else {
                // SAFETY: leaving the fork without running the worker's destructors.
                unsafe { libc::_exit(0) }
            };
            let served = answer(output, &voice, settings, &text).and_then(|()| output.flush());
            if served.and_then(|()| acks.write_all(b"k")).is_err() {
                // SAFETY: as above.
                unsafe { libc::_exit(1) }
            }
        }
    }

    /// A pipe's (read, write) ends, closed in any program started from here.
    fn pipe() -> std::io::Result<(File, File)> {
        let mut fds = [0; 2];
        // SAFETY: `fds` is a valid array of two descriptors for pipe2 to fill.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == -1 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: both descriptors were just opened and belong to nothing else.
        Ok(unsafe { (File::from(OwnedFd::from_raw_fd(fds[0])), File::from(OwnedFd::from_raw_fd(fds[1]))) })
    }

    /// In a fork: be killed when `parent` dies (a hung line gets the worker killed, and its
    /// forks go with it), or leave now if it already has.
    fn die_with(parent: libc::pid_t) {
        // SAFETY: prctl and getppid have no memory-safety preconditions; `_exit` leaves the fork.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() != parent {
                libc::_exit(1);
            }
        }
    }

    /// Renders one line in a fork of this process and writes its reply.
    fn answer(output: &mut impl Write, voice: &str, settings: Settings, text: &str) -> std::io::Result<()> {
        output.flush()?;
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: as in `VoiceServer::start`.
        match unsafe { libc::fork() } {
            -1 => Err(std::io::Error::last_os_error()),
            0 => {
                die_with(parent);
                let written = super::answer(output, voice, settings, text).and_then(|()| output.flush());
                // SAFETY: leaving the fork without running the server's destructors.
                unsafe { libc::_exit(if written.is_ok() { 0 } else { 1 }) }
            }
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
    use super::Settings;
    use std::io::Write;

    pub struct VoiceServer(String);

    impl VoiceServer {
        pub fn start(voice: &str, _output: &mut impl Write) -> std::io::Result<VoiceServer> {
            Err(std::io::Error::other(format!("voice servers for `{voice}` run only on Linux")))
        }

        pub fn voice(&self) -> &str {
            &self.0
        }

        pub fn answer(&mut self, _settings: Settings, _text: &str) -> std::io::Result<()> {
            Err(std::io::Error::other("voice servers run only on Linux"))
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn write_samples(output: &mut impl Write, rate: u32, samples: &[i16]) -> std::io::Result<()> {
    writeln!(output, "ok {rate} {}", samples.len())?;
    let mut bytes = [0u8; 8192];
    for chunk in samples.chunks(bytes.len() / 2) {
        for (pair, sample) in bytes.chunks_exact_mut(2).zip(chunk) {
            pair.copy_from_slice(&sample.to_le_bytes());
        }
        output.write_all(&bytes[..2 * chunk.len()])?;
    }
    Ok(())
}

type Request = (String, Settings, String);

fn write_request(
    output: &mut impl Write,
    voice: &str,
    (wpm, pitch, amplitude): Settings,
    text: &str,
) -> std::io::Result<()> {
    // One write: the header and the text reach the reader together.
    let mut frame = format!("{voice}\t{wpm}\t{pitch}\t{amplitude}\t{}\n", text.len()).into_bytes();
    frame.extend_from_slice(text.as_bytes());
    output.write_all(&frame)
}

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
pub enum Reply {
    Audio(Pcm16),
    Refused(String),
}

/// What a worker says: first its greeting (its library's version, or why it cannot serve), then
/// one reply per line.
pub enum Message {
    Greeting(Result<String, String>),
    Reply(Reply),
}

/// Worker processes of this program serving espeak-ng's library, as the [`Pool`] runs them.
pub struct Workers {
    /// The program to start: this very binary.
    pub program: PathBuf,
    /// The library's version, as the first worker to be ready said it.
    pub version: OnceLock<String>,
}

impl Protocol for Workers {
    type Message = Message;
    type State = ();

    fn tool(&self) -> Tool<'static> {
        super::TOOL
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args([COMMAND, super::NAME]);
        command
    }

    fn state(&self) -> std::io::Result<()> {
        Ok(())
    }

    fn read(mut stdout: BufReader<ChildStdout>, send: &mut dyn FnMut(Message) -> bool) {
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
        if !send(Message::Greeting(hello)) || !started {
            return;
        }
        while let Some(reply) = read_reply(&mut stdout) {
            if !send(Message::Reply(reply)) {
                return;
            }
        }
    }

    fn ready(&self, process: &mut Process<Workers>, deadline: Instant) -> Result<(), EngineError> {
        let engine = super::NAME.to_string();
        match process.receive(deadline) {
            Ok(Message::Greeting(Ok(version))) => {
                self.version.get_or_init(|| version);
                Ok(())
            }
            Ok(Message::Greeting(Err(reason))) => Err(EngineError::Unsupported { engine, reason }),
            Ok(Message::Reply(_)) | Err(Failure::Dead(_) | Failure::Refused(_)) => Err(EngineError::Crashed {
                engine,
                status: "the worker process did not start".to_string(),
                stderr: process.stderr_tail(),
            }),
            Err(Failure::TimedOut) => {
                Err(process::timed_out(super::NAME, deadline.saturating_duration_since(Instant::now())))
            }
        }
    }
}

/// Renders one line on a worker of `pool`.
pub fn synthesize(pool: &Pool<Workers>, voice: &str, settings: Settings, text: &str) -> Result<Pcm16, EngineError> {
    let mut frame = Vec::with_capacity(text.len() + 64);
    write_request(&mut frame, voice, settings, text)
        .map_err(|source| EngineError::Io { engine: super::NAME.to_string(), source })?;
    pool.run(|process| {
        process.send(&frame)?;
        match process.receive(Instant::now() + pool.timeout())? {
            Message::Reply(Reply::Audio(pcm)) => Ok(pcm),
            Message::Reply(Reply::Refused(reason)) => Err(Failure::Refused(EngineError::Crashed {
                engine: super::NAME.to_string(),
                status: "the line was refused".to_string(),
                stderr: reason,
            })),
            Message::Greeting(_) => Err(Failure::Dead(process.stderr_tail())),
        }
    })
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
            let mut bytes = Vec::with_capacity(count.checked_mul(2)?);
            stdout.take(2 * count as u64).read_to_end(&mut bytes).ok()?;
            if bytes.len() != 2 * count {
                return None;
            }
            let samples = bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
            Some(Reply::Audio(Pcm16 { samples, sample_rate: rate }))
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
        let mut frame = Vec::new();
        write_request(&mut frame, "en-us+f3", (175, 50, 100), text).unwrap();
        assert_eq!(frame, format!("en-us+f3\t175\t50\t100\t{}\n{text}", text.len()).into_bytes());
        let mut input = frame.as_slice();
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
        assert_eq!(pcm, Pcm16 { samples: vec![1, -2, i16::MAX], sample_rate: 22_050 });
        let Some(Reply::Refused(reason)) = read_reply(&mut reader) else { panic!("no refusal") };
        assert_eq!(reason, "no voice `x`");
        assert!(read_reply(&mut reader).is_none());
    }

    #[test]
    fn a_truncated_reply_is_a_dead_worker() {
        let mut reader: &[u8] = b"ok 22050 10\n\x01\x00";
        assert!(read_reply(&mut reader).is_none());
    }
}

//! Running an engine's command line: feed stdin, collect stdout and stderr, and stop the process
//! when it takes longer than the engine's timeout.

use super::EngineError;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use wait_timeout::ChildExt;

/// Which engine a command belongs to, for error messages and install hints.
#[derive(Debug, Clone, Copy)]
pub struct Tool<'a> {
    /// The engine's name ("espeak-ng").
    pub engine: &'a str,
    /// The Debian package that provides the binary.
    pub package: &'a str,
}

/// What a finished command left behind.
#[derive(Debug)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Finds an executable on `PATH` (or checks a path given with a directory).
pub fn which(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return is_executable(program).then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file() || path.with_extension("exe").is_file()
    }
}

/// Runs `command` with `stdin` as its input and returns its output if it exits successfully
/// within `timeout`; otherwise kills it.
pub fn run(command: Command, stdin: &[u8], tool: Tool<'_>, timeout: Duration) -> Result<Output, EngineError> {
    let (status, output) = run_any_status(command, stdin, tool, timeout)?;
    if !status.success() {
        return Err(EngineError::Crashed {
            engine: tool.engine.to_string(),
            status: status.to_string(),
            stderr: tail(&output.stderr),
        });
    }
    Ok(output)
}

/// Like [`run`], but a non-zero exit is not an error (`flite --version` exits 1).
pub fn run_any_status(
    mut command: Command,
    stdin: &[u8],
    tool: Tool<'_>,
    timeout: Duration,
) -> Result<(ExitStatus, Output), EngineError> {
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = in_own_group(&mut command).spawn().map_err(|e| spawn_error(e, tool))?;
    // Every pipe gets its own thread: a process that fills stdout while we are still writing
    // stdin would otherwise deadlock with us.
    let writer = feed(&mut child, stdin.to_vec());
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait(&mut child, tool, timeout)?;
    // A failed write only means the process stopped reading early; its status says more.
    let _ = writer.map(JoinHandle::join);
    Ok((status, Output { stdout: join(stdout), stderr: join(stderr) }))
}

/// Maps a failure to start a program: a missing binary is an install problem, not a crash.
pub fn spawn_error(error: std::io::Error, tool: Tool<'_>) -> EngineError {
    if error.kind() == std::io::ErrorKind::NotFound {
        EngineError::NotInstalled { engine: tool.engine.to_string(), package: tool.package.to_string() }
    } else {
        EngineError::Io { engine: tool.engine.to_string(), source: error }
    }
}

fn feed(child: &mut Child, input: Vec<u8>) -> Option<JoinHandle<()>> {
    let mut pipe = child.stdin.take()?;
    Some(std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    }))
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> Option<JoinHandle<Vec<u8>>> {
    let mut pipe = pipe?;
    Some(std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = pipe.read_to_end(&mut buffer);
        buffer
    }))
}

fn join(handle: Option<JoinHandle<Vec<u8>>>) -> Vec<u8> {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}

fn wait(child: &mut Child, tool: Tool<'_>, timeout: Duration) -> Result<ExitStatus, EngineError> {
    let io = |source| EngineError::Io { engine: tool.engine.to_string(), source };
    match child.wait_timeout(timeout).map_err(io)? {
        Some(status) => Ok(status),
        None => {
            kill(child);
            Err(timed_out(tool.engine, timeout))
        }
    }
}

/// Starts `command` in a process group of its own (on Unix), so [`kill`] ends whatever it
/// started too: an engine wrapper script's own children (a `sleep`, the real engine) would
/// otherwise outlive a timeout that killed the wrapper.
pub fn in_own_group(command: &mut Command) -> &mut Command {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    command
}

/// Kills and reaps a child started by [`in_own_group`], with every process of its group; it may
/// already have exited, which is fine.
pub fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill has no memory-safety preconditions. The group is the child's own (it was
        // started as its leader), so this reaches nothing else; the child is not yet reaped, so
        // its id cannot have been reused.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
    let _ = child.kill();
    let _ = child.wait();
}

pub fn timed_out(engine: &str, timeout: Duration) -> EngineError {
    EngineError::TimedOut { engine: engine.to_string(), secs: timeout.as_secs().max(1) }
}

/// Everything a long-lived process has written to stderr, collected on a thread of its own so
/// a failure can quote it.
pub struct Stderr(Arc<Mutex<Vec<u8>>>);

impl Stderr {
    /// Forgets what was written so far (before a new line, whose errors alone matter).
    pub fn clear(&self) {
        if let Ok(mut e) = self.0.lock() {
            e.clear();
        }
    }

    /// The last lines written, after a moment for the reading thread to catch up with a dying
    /// process.
    pub fn tail(&self) -> String {
        std::thread::sleep(Duration::from_millis(20));
        self.0.lock().map(|e| tail(&e)).unwrap_or_default()
    }
}

/// Starts collecting a long-lived process's stderr.
pub fn collect(mut stderr: impl Read + Send + 'static) -> Stderr {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&buffer);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = stderr.read(&mut chunk) {
            if let Ok(mut b) = sink.lock() {
                b.extend_from_slice(&chunk[..n]);
            }
        }
    });
    Stderr(buffer)
}

/// The end of a process's error output: the last lines say what went wrong, the rest is noise.
pub fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(5);
    lines[start..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOOL: Tool<'static> = Tool { engine: "test", package: "coreutils" };

    #[test]
    fn captures_stdout_from_stdin() {
        let out = run(Command::new("cat"), b"abc", TOOL, Duration::from_secs(5));
        assert_eq!(out.map(|o| o.stdout).ok(), Some(b"abc".to_vec()));
    }

    #[test]
    fn missing_binary_names_package() {
        let err = run(Command::new("/nonexistent/tts"), b"", TOOL, Duration::from_secs(5));
        assert!(matches!(err, Err(EngineError::NotInstalled { ref package, .. }) if package == "coreutils"));
    }

    #[test]
    fn failure_is_a_crash_with_stderr() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo broken >&2; exit 3"]);
        match run(command, b"", TOOL, Duration::from_secs(5)) {
            Err(EngineError::Crashed { stderr, .. }) => assert_eq!(stderr, "broken"),
            other => panic!("expected a crash, got {other:?}"),
        }
    }

    #[test]
    fn slow_command_is_killed() {
        let mut command = Command::new("sleep");
        command.arg("10");
        let started = std::time::Instant::now();
        let err = run(command, b"", TOOL, Duration::from_millis(300));
        assert!(matches!(err, Err(EngineError::TimedOut { .. })));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_timeout_ends_what_the_engine_started_too() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("child.pid");
        // A wrapper that starts a long-lived child of its own, then waits.
        let mut command = Command::new("sh");
        command.args(["-c", &format!("sleep 30 & echo $! > {}; wait", pid_file.display())]);
        let err = run(command, b"", TOOL, Duration::from_millis(500));
        assert!(matches!(err, Err(EngineError::TimedOut { .. })), "{err:?}");
        let pid: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        // Gone, or a zombie waiting for whoever adopted it to reap it.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
        assert!(matches!(state, None | Some(Some('Z'))), "the wrapper's child {pid} outlived the timeout: {stat}");
    }

    #[test]
    fn which_finds_sh() {
        assert!(which(Path::new("sh")).is_some());
        assert!(which(Path::new("no-such-program-xyz")).is_none());
    }
}

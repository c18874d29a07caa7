//! Long-lived engine processes, kept warm between lines: one reusable pool for every engine that
//! serves many lines from one process (festival's `--pipe`, espeak-ng's library workers, and
//! whatever comes next).
//!
//! An engine describes its process with a [`Protocol`]: the command that starts it, what each
//! process keeps beside its pipes, and how its output reads as messages. The pool does the rest:
//! starting processes (several side by side), reading their output on a thread each so a line
//! can be waited for with a timeout, keeping the idle ones for the next line (one per job a
//! render runs), and replacing a process that died or overran, which is killed.

use super::EngineError;
use super::process::{self, Tool};
use std::io::{BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How one engine's long-lived process is started and talks.
pub trait Protocol: Send + Sync + 'static {
    /// One thing the process said, as the reading thread passes it on.
    type Message: Send + 'static;
    /// What each process keeps beside its pipes (festival: a folder for its wave files).
    type State: Send;

    /// The engine, for messages and install hints.
    fn tool(&self) -> Tool<'static>;
    /// The command that starts one process.
    fn command(&self) -> Command;
    /// The state of a process about to start.
    fn state(&self) -> std::io::Result<Self::State>;
    /// Reads the process's output on a thread of its own, handing each message to `send` until
    /// the output ends or `send` returns false (nobody listens any more).
    fn read(stdout: BufReader<ChildStdout>, send: &mut dyn FnMut(Self::Message) -> bool);
    /// Called once on a freshly started process before its first line (espeak-ng's workers
    /// greet with their library's version); `deadline` is when it must be ready.
    fn ready(&self, _process: &mut Process<Self>, _deadline: Instant) -> Result<(), EngineError>
    where
        Self: Sized,
    {
        Ok(())
    }
}

/// Why an exchange with a process failed.
#[derive(Debug)]
pub enum Failure {
    /// The process exited or closed its output; what it last wrote on stderr.
    Dead(String),
    /// It did not answer in time; it is killed.
    TimedOut,
    /// It answered that it could not render the line, and is still usable.
    Refused(EngineError),
}

/// One running process of an engine, with the thread reading its output.
pub struct Process<P: Protocol> {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<P::Message>,
    stderr: process::Stderr,
    /// What the protocol keeps for this process.
    pub state: P::State,
    /// Lines sent to it so far.
    pub served: u64,
}

impl<P: Protocol> Process<P> {
    /// Starts a process, without waiting for it to be ready.
    fn launch(protocol: &P) -> Result<Process<P>, EngineError> {
        let tool = protocol.tool();
        let state = protocol.state().map_err(|source| EngineError::Io { engine: tool.engine.to_string(), source })?;
        let mut command = protocol.command();
        let mut child = process::in_own_group(&mut command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| process::spawn_error(e, tool))?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            process::kill(&mut child);
            return Err(EngineError::Crashed {
                engine: tool.engine.to_string(),
                status: "its pipes could not be opened".to_string(),
                stderr: String::new(),
            });
        };
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || P::read(BufReader::new(stdout), &mut |m| sender.send(m).is_ok()));
        Ok(Process { child, stdin, messages, stderr: process::collect(stderr), state, served: 0 })
    }

    /// Writes `bytes` to the process's input. Its earlier error output is forgotten: only what
    /// it says about this request matters.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.stderr.clear();
        self.stdin.write_all(bytes).and_then(|()| self.stdin.flush()).map_err(|_| Failure::Dead(self.stderr.tail()))
    }

    /// The next message, waiting until `deadline`.
    pub fn receive(&self, deadline: Instant) -> Result<P::Message, Failure> {
        match self.messages.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(message) => Ok(message),
            Err(RecvTimeoutError::Timeout) => Err(Failure::TimedOut),
            Err(RecvTimeoutError::Disconnected) => Err(Failure::Dead(self.stderr.tail())),
        }
    }

    /// The end of what it has written on stderr since the last request.
    pub fn stderr_tail(&self) -> String {
        self.stderr.tail()
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

impl<P: Protocol> Drop for Process<P> {
    fn drop(&mut self) {
        process::kill(&mut self.child);
    }
}

/// The processes of one engine: started as lines need them and kept while idle.
pub struct Pool<P: Protocol> {
    protocol: P,
    timeout: Duration,
    idle: Mutex<Vec<Process<P>>>,
    /// How many idle processes are kept: one per core, or per job of a render that runs more.
    keep: AtomicUsize,
}

impl<P: Protocol> Pool<P> {
    /// An empty pool; `timeout` bounds a process's start and each line.
    pub fn new(protocol: P, timeout: Duration) -> Pool<P> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Pool { protocol, timeout, idle: Mutex::new(Vec::new()), keep: AtomicUsize::new(cores) }
    }

    pub fn protocol(&self) -> &P {
        &self.protocol
    }

    /// How long one line may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Keeps up to `count` processes idle: a render with more jobs than cores has that many
    /// lines out at once, and a process stopped after each line would be started again.
    pub fn keep_at_least(&self, count: usize) {
        self.keep.fetch_max(count, Ordering::Relaxed);
    }

    /// Starts `count` processes side by side (all launched before any is waited for, so they
    /// share one deadline) and keeps those that became ready. Returns how many did, or the first
    /// reason one could not, when none did.
    pub fn start(&self, count: usize) -> Result<usize, EngineError> {
        self.keep_at_least(count);
        let launched: Vec<_> = (0..count.max(1)).map(|_| Process::launch(&self.protocol)).collect();
        let deadline = Instant::now() + self.timeout;
        let (mut ready, mut first_error) = (0, None);
        for process in launched {
            match process.and_then(|mut p| self.protocol.ready(&mut p, deadline).map(|()| p)) {
                Ok(process) => {
                    ready += 1;
                    self.give_back(process);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match (ready, first_error) {
            (0, Some(e)) => Err(e),
            (ready, _) => Ok(ready),
        }
    }

    /// Runs one exchange (a line) on an idle process, or a new one. A process that refused the
    /// line is kept; one that died or overran is dropped, and so killed. An idle process may have
    /// died since its last line: then the exchange is tried once more on a fresh one.
    pub fn run<R>(&self, mut exchange: impl FnMut(&mut Process<P>) -> Result<R, Failure>) -> Result<R, EngineError> {
        let mut process = match self.take() {
            Some(process) => process,
            None => self.fresh()?,
        };
        let mut result = self.exchange(&mut process, &mut exchange);
        if matches!(result, Err(Failure::Dead(_))) && process.served > 1 {
            process = self.fresh()?;
            result = self.exchange(&mut process, &mut exchange);
        }
        match result {
            Ok(value) => {
                self.give_back(process);
                Ok(value)
            }
            Err(Failure::Refused(error)) => {
                self.give_back(process);
                Err(error)
            }
            Err(Failure::Dead(stderr)) => Err(EngineError::Crashed {
                engine: self.protocol.tool().engine.to_string(),
                status: "its process died".to_string(),
                stderr,
            }),
            Err(Failure::TimedOut) => Err(process::timed_out(self.protocol.tool().engine, self.timeout)),
        }
    }

    fn exchange<R>(
        &self,
        process: &mut Process<P>,
        exchange: &mut impl FnMut(&mut Process<P>) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        process.served += 1;
        exchange(process)
    }

    /// A new process, ready for lines.
    fn fresh(&self) -> Result<Process<P>, EngineError> {
        let mut process = Process::launch(&self.protocol)?;
        self.protocol.ready(&mut process, Instant::now() + self.timeout)?;
        Ok(process)
    }

    fn take(&self) -> Option<Process<P>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop()
    }

    /// Keeps `process` for later, or drops (and so stops) it when enough are idle.
    fn give_back(&self, process: Process<P>) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.keep.load(Ordering::Relaxed) {
            idle.push(process);
        }
    }

    /// Process ids of the idle processes; lets tests kill one to check recovery.
    pub fn idle_pids(&self) -> Vec<u32> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).iter().map(Process::id).collect()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::BufRead;

    /// `cat`: every line written comes back.
    struct Echo;

    impl Protocol for Echo {
        type Message = String;
        type State = ();
        fn tool(&self) -> Tool<'static> {
            Tool { engine: "echo", package: "coreutils" }
        }
        fn command(&self) -> Command {
            Command::new("cat")
        }
        fn state(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn read(stdout: BufReader<ChildStdout>, send: &mut dyn FnMut(String) -> bool) {
            for line in stdout.lines() {
                if !line.is_ok_and(&mut *send) {
                    return;
                }
            }
        }
    }

    fn say(pool: &Pool<Echo>, text: &str) -> Result<String, EngineError> {
        pool.run(|p| {
            p.send(format!("{text}\n").as_bytes())?;
            p.receive(Instant::now() + pool.timeout())
        })
    }

    #[test]
    fn processes_are_reused_and_replaced_when_they_die() {
        let pool = Pool::new(Echo, Duration::from_secs(5));
        assert_eq!(pool.start(2).unwrap(), 2);
        assert_eq!(pool.idle_pids().len(), 2);
        assert_eq!(say(&pool, "one").unwrap(), "one");
        let before = pool.idle_pids();
        assert_eq!(before.len(), 2, "the process that answered is idle again");
        assert_eq!(say(&pool, "two").unwrap(), "two");
        // Every idle process dies: the next line is served by a fresh one.
        for pid in pool.idle_pids() {
            // SAFETY: kill has no memory-safety preconditions; the pid is our own child.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(say(&pool, "three").unwrap(), "three");
    }

    #[test]
    fn idle_processes_are_kept_one_per_core_or_one_per_job() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let pool = Pool::new(Echo, Duration::from_secs(5));
        assert_eq!(pool.start(cores + 2).unwrap(), cores + 2, "a render with more jobs keeps them all");
        assert_eq!(pool.idle_pids().len(), cores + 2);
        pool.keep_at_least(1);
        assert_eq!(say(&pool, "one").unwrap(), "one");
        assert_eq!(pool.idle_pids().len(), cores + 2, "a smaller count never lowers what is kept");
        let fresh = Pool::new(Echo, Duration::from_secs(5));
        assert_eq!(fresh.start(cores + 3).unwrap(), cores + 3);
        let kept = Pool::new(Echo, Duration::from_secs(5));
        for _ in 0..cores + 3 {
            let started = Process::launch(kept.protocol()).unwrap();
            kept.give_back(started);
        }
        assert_eq!(kept.idle_pids().len(), cores, "one per core unless a render asks for more");
    }

    #[test]
    fn a_silent_process_times_out_and_is_dropped() {
        let pool = Pool::new(Echo, Duration::from_millis(200));
        let result = pool.run(|p| p.receive(Instant::now() + Duration::from_millis(100)));
        assert!(matches!(result, Err(EngineError::TimedOut { .. })), "{result:?}");
        assert!(pool.idle_pids().is_empty());
    }
}

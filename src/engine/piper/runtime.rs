//! ONNX Runtime, loaded at run time from a shared library, and the model sessions it runs.
//!
//! The `ort` crate is built with `load-dynamic`: nothing is downloaded or linked at build time,
//! and the library (`libonnxruntime.so`, from the `onnxruntime` wheel on PyPI, no Python needed)
//! is found when the engine starts, in this order:
//! 1. the file `ORT_DYLIB_PATH` names (the variable `ort` itself reads);
//! 2. `<data>/onnxruntime/libonnxruntime.so*`, where `scripts/get-voices.sh` puts it (`<data>` is
//!    `$XDG_DATA_HOME/audiobook`, by default `~/.local/share/audiobook`);
//! 3. the system's library search path.
//!
//! Its version is checked before `ort` touches it: `ort` needs API version
//! [`ort::MINOR_VERSION`] (ONNX Runtime 1.24 or newer) and would otherwise abort the process.

use ort::session::{InMemorySession, RunOptions, Session, builder::GraphOptimizationLevel};
use ort::value::Tensor;
use std::ffi::{CStr, c_char};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The library's file name on this system.
const LIBRARY: &str = if cfg!(target_os = "macos") {
    "libonnxruntime.dylib"
} else if cfg!(windows) {
    "onnxruntime.dll"
} else {
    "libonnxruntime.so"
};

/// How to get the library, for error messages.
pub const HOW_TO_GET: &str = "run scripts/get-voices.sh to fetch it (ONNX Runtime 1.32.0 from PyPI), \
                              or set ORT_DYLIB_PATH to a libonnxruntime of version 1.24 or newer";

/// The loaded runtime, shared by every session of the process.
pub struct Runtime {
    environment: ort::environment::Environment,
    /// Its version ("1.32.0").
    pub version: String,
    pub path: PathBuf,
    /// Whether sessions take their working memory from one arena (see [`share_one_arena`]).
    shared_arena: bool,
}

/// The process's runtime, loaded on first use; the error says what is missing and how to get it.
pub fn runtime() -> Result<&'static Runtime, String> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME.get_or_init(load).as_ref().map_err(Clone::clone)
}

/// Where the program keeps what `scripts/get-voices.sh` fetched: `$XDG_DATA_HOME/audiobook`,
/// else `~/.local/share/audiobook`.
pub fn data_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).filter(|p| p.is_absolute());
    let home = || std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share"));
    xdg.or_else(home).map(|dir| dir.join("audiobook"))
}

/// The library files to try, best first.
fn candidates() -> Result<Vec<PathBuf>, String> {
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(format!("ORT_DYLIB_PATH names {}, which is not a file; {HOW_TO_GET}", path.display()));
        }
        return Ok(vec![path]);
    }
    let mut found: Vec<(Vec<u32>, PathBuf)> = Vec::new();
    if let Some(dir) = data_dir().map(|d| d.join("onnxruntime"))
        && let Ok(entries) = std::fs::read_dir(&dir)
    {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(rest) = name.strip_prefix(LIBRARY) {
                // "libonnxruntime.so.1.32.0": the newest version first.
                let version = rest.split('.').filter_map(|n| n.parse().ok()).collect();
                found.push((version, entry.path()));
            }
        }
    }
    found.sort_by(|a, b| b.0.cmp(&a.0));
    let mut paths: Vec<PathBuf> = found.into_iter().map(|(_, p)| p).collect();
    // The system's search path, by name.
    paths.push(PathBuf::from(LIBRARY));
    if cfg!(target_os = "linux") {
        paths.push(PathBuf::from(format!("{LIBRARY}.1")));
    }
    Ok(paths)
}

fn load() -> Result<Runtime, String> {
    let mut tried = Vec::new();
    for path in candidates()? {
        match version_of(&path) {
            Ok(version) => return start(path, version),
            Err(Problem::Missing) => tried.push(path.display().to_string()),
            Err(Problem::Unusable(reason)) => return Err(format!("{reason}; {HOW_TO_GET}")),
        }
    }
    Err(format!("the ONNX Runtime library was not found (looked for {}); {HOW_TO_GET}", tried.join(", ")))
}

enum Problem {
    Missing,
    Unusable(String),
}

/// The version of the library at `path`, checked to be one `ort` can drive.
fn version_of(path: &Path) -> Result<String, Problem> {
    // SAFETY: loading ONNX Runtime runs only its own initializers.
    let library = match unsafe { libloading::Library::new(path) } {
        Ok(library) => library,
        Err(_) if !path.is_absolute() => return Err(Problem::Missing),
        Err(e) => {
            return Err(Problem::Unusable(format!("{} cannot be loaded as a library ({e})", path.display())));
        }
    };
    // SAFETY: OrtGetApiBase has this signature in every ONNX Runtime release; the base it returns
    // and the version string are static.
    let version = unsafe {
        let Ok(get_base) = library.get::<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase>(b"OrtGetApiBase\0")
        else {
            return Err(Problem::Unusable(format!("{} is not an ONNX Runtime library", path.display())));
        };
        let base = get_base();
        if base.is_null() {
            return Err(Problem::Unusable(format!("{} did not start", path.display())));
        }
        let version: *const c_char = ((*base).GetVersionString)();
        if version.is_null() { String::new() } else { CStr::from_ptr(version).to_string_lossy().into_owned() }
    };
    let minor = version.split('.').nth(1).and_then(|m| m.parse::<u32>().ok()).unwrap_or(0);
    if !version.starts_with("1.") || minor < ort::MINOR_VERSION {
        return Err(Problem::Unusable(format!(
            "the ONNX Runtime library {} is version {version}, and Piper voices here need 1.{} or newer",
            path.display(),
            ort::MINOR_VERSION
        )));
    }
    // Kept loaded: `ort` opens the same file next, which then costs nothing.
    std::mem::forget(library);
    Ok(version)
}

fn start(path: PathBuf, version: String) -> Result<Runtime, String> {
    let fail = |e: &dyn std::fmt::Display| format!("ONNX Runtime {version} ({}) did not start: {e}", path.display());
    let environment = ort::init_from(&path)
        .map_err(|e| fail(&e))?
        .with_name("audiobook")
        .with_telemetry(false)
        .build()
        .map_err(|e| fail(&e))?;
    environment.set_log_level(ort::logging::LogLevel::Error);
    let shared_arena = share_one_arena(&environment);
    Ok(Runtime { environment, version, path, shared_arena })
}

/// Registers one memory arena for every session of the process, so a run's working memory is
/// reused by the next run of any session instead of each session keeping its own largest run's
/// (two sessions kept 640 MB where one arena needs 340). Returns whether sessions can use it.
fn share_one_arena(environment: &ort::environment::Environment) -> bool {
    use ort::AsPointer;
    use ort::sys::{OrtAllocatorType, OrtArenaCfg, OrtMemType, OrtMemoryInfo, OrtStatusPtr};
    let api = ort::api();
    let ok = |status: OrtStatusPtr| {
        let fine = status.0.is_null();
        if !fine {
            // SAFETY: a status ONNX Runtime returned, released once.
            unsafe { (api.ReleaseStatus)(status.0) };
        }
        fine
    };
    // SAFETY: the C API as documented: the keys are NUL-terminated, the config and memory info
    // are released after registering (the environment copies what it keeps).
    unsafe {
        // kNextPowerOfTwo: a run longer than any before gets a chunk that later runs can share;
        // growing by exactly what is asked kept a chunk of every record length (590 MB against
        // 340 for two sessions over sentences of rising length).
        let keys = [c"arena_extend_strategy".as_ptr()];
        let values: [usize; 1] = [0];
        let mut config: *mut OrtArenaCfg = std::ptr::null_mut();
        if !ok((api.CreateArenaCfgV2)(keys.as_ptr(), values.as_ptr(), keys.len(), &mut config)) {
            return false;
        }
        let mut memory: *mut OrtMemoryInfo = std::ptr::null_mut();
        let registered = ok((api.CreateCpuMemoryInfo)(
            OrtAllocatorType::OrtArenaAllocator,
            OrtMemType::OrtMemTypeDefault,
            &mut memory,
        )) && ok((api.CreateAndRegisterAllocator)(environment.ptr().cast_mut(), memory, config));
        if !memory.is_null() {
            (api.ReleaseMemoryInfo)(memory);
        }
        (api.ReleaseArenaCfg)(config);
        registered
    }
}

/// A session whose weights are the model file's bytes in memory, shared by every session of the
/// model: a second session costs about 20 MB instead of 100.
pub type ModelSession = InMemorySession<'static>;

impl Runtime {
    /// Writes the model at `onnx` to `ort_file` in ONNX Runtime's own format, optimized: the form
    /// whose weights sessions can share.
    pub fn convert(&self, onnx: &Path, ort_file: &Path) -> Result<(), String> {
        let dir = ort_file.parent().ok_or("no folder for the converted model")?;
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let temp = tempfile::Builder::new()
            .prefix(".converting-")
            .suffix(".ort")
            .tempfile_in(dir)
            .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
        let builder = Session::builder(&self.environment).map_err(|e| e.to_string())?;
        let builder = step(builder.with_optimization_level(GraphOptimizationLevel::All))?;
        let builder = step(builder.with_intra_threads(1))?;
        let builder = step(builder.with_optimized_model_path(temp.path()))?;
        let mut builder = step(builder.with_config_entry("session.save_model_format", "ORT"))?;
        let session = builder.commit_from_file(onnx).map_err(|e| e.to_string())?;
        drop(session);
        temp.persist(ort_file).map_err(|e| format!("cannot write {}: {e}", ort_file.display()))?;
        Ok(())
    }

    /// A session of a converted model (see [`Runtime::convert`]) computing on `threads` threads
    /// (the caller's among them), which never spin waiting for work: a render keeps the other
    /// cores busy with other lines.
    pub fn session<'m>(&self, model: &'m [u8], threads: usize) -> Result<InMemorySession<'m>, String> {
        let builder = Session::builder(&self.environment).map_err(|e| e.to_string())?;
        let builder = step(builder.with_optimization_level(GraphOptimizationLevel::All))?;
        let builder = step(builder.with_intra_threads(threads.max(1)))?;
        let builder = step(builder.with_inter_threads(1))?;
        let builder = step(builder.with_intra_op_spinning(false))?;
        let builder = step(builder.with_inter_op_spinning(false))?;
        // Prepacked weights would be each session's own copy.
        let mut builder = step(builder.with_prepacking(false))?;
        if self.shared_arena {
            builder = step(builder.with_env_allocators())?;
        }
        // A memory pattern lays out all of a run's tensors in one block planned for that input
        // length, and the arena keeps a block for each length it has seen: without it, tensors
        // come and go in the arena one by one. 5,400 words of Pride and Prejudice, --jobs 2:
        // 346 MB against 578, at the same speed.
        builder = step(builder.with_memory_pattern(false))?;
        builder.commit_from_memory_directly(model).map_err(|e| e.to_string())
    }
}

/// A session option set, or why it could not be.
fn step(result: ort::session::builder::BuilderResult) -> Result<ort::session::builder::SessionBuilder, String> {
    result.map_err(|e| e.to_string())
}

/// What a model run takes, besides its phoneme ids.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scales {
    pub noise: f32,
    pub length: f32,
    pub noise_w: f32,
}

/// Why a run gave no audio.
#[derive(Debug)]
pub enum RunError {
    /// Stopped at the deadline.
    TimedOut,
    Failed(String),
}

/// A line's deadline: run options that are terminated when it passes.
pub struct Deadline {
    options: RunOptions,
    expired: AtomicBool,
}

impl Deadline {
    pub fn expired(&self) -> bool {
        self.expired.load(Ordering::Acquire)
    }
}

/// Runs the model on one sentence: Piper's inputs (`input`, `input_lengths`, `scales`, and `sid`
/// for a multi-speaker model) to its first output's samples.
pub fn run(
    session: &mut ModelSession,
    ids: &[i64],
    scales: Scales,
    speaker: Option<i64>,
    deadline: &Deadline,
) -> Result<Vec<f32>, RunError> {
    if deadline.expired() {
        return Err(RunError::TimedOut);
    }
    let failed = |e: ort::Error| RunError::Failed(e.to_string());
    let input = Tensor::from_array(([1usize, ids.len()], ids.to_vec())).map_err(failed)?;
    let lengths = Tensor::from_array(([1usize], vec![ids.len() as i64])).map_err(failed)?;
    let scales = Tensor::from_array(([3usize], vec![scales.noise, scales.length, scales.noise_w])).map_err(failed)?;
    let mut inputs = ort::inputs!["input" => input, "input_lengths" => lengths, "scales" => scales];
    if let Some(speaker) = speaker {
        inputs.push(("sid".into(), Tensor::from_array(([1usize], vec![speaker])).map_err(failed)?.into()));
    }
    let outputs = match session.run_with_options(inputs, &deadline.options) {
        Ok(outputs) => outputs,
        Err(_) if deadline.expired() => return Err(RunError::TimedOut),
        Err(e) => return Err(failed(e)),
    };
    if outputs.len() == 0 {
        return Err(RunError::Failed("the model has no output".to_string()));
    }
    let (_, samples) = outputs[0].try_extract_tensor::<f32>().map_err(failed)?;
    Ok(samples.to_vec())
}

/// Runs `work` with a deadline `timeout` from now: a model run still going then stops at its next
/// operator, and the session stays usable.
pub fn with_deadline<T>(timeout: Duration, work: impl FnOnce(&Deadline) -> T) -> Result<T, String> {
    let deadline = Deadline { options: RunOptions::new().map_err(|e| e.to_string())?, expired: AtomicBool::new(false) };
    let (done, finished) = std::sync::mpsc::channel::<()>();
    Ok(std::thread::scope(|scope| {
        let deadline = &deadline;
        scope.spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(timeout) {
                deadline.expired.store(true, Ordering::Release);
                let _ = deadline.options.terminate();
            }
        });
        let result = work(deadline);
        drop(done);
        result
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_folder_follows_xdg() {
        // Read-only: the test does not change the process's environment.
        if let Some(dir) = data_dir() {
            assert!(dir.ends_with("audiobook"), "{}", dir.display());
        }
    }
}

//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod books;

use std::path::{Path, PathBuf};

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The team's shared folder beside the project, when present.
pub fn shared() -> Option<PathBuf> {
    let p = root().join("../shared");
    p.is_dir().then_some(p)
}

/// Every story in `stories/`.
pub fn stories() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("stories"))
        .expect("stories/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    v.sort();
    v
}

/// Whether a test that needs `what` must fail rather than skip when it is missing: set by CI.
pub fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

/// Skips (returns false after printing why) or fails when something a test needs is missing.
pub fn need(present: bool, what: &str, var: &str) -> bool {
    if present {
        return true;
    }
    assert!(!required(var), "{what} is missing and {var}=1 requires it");
    eprintln!("skipped: {what} is missing (set {var}=1 to make this a failure)");
    false
}

/// The annotated novels of ../shared/eval/pdnc (empty when the shared folder is missing).
pub fn novels() -> Vec<PathBuf> {
    let Some(shared) = shared() else { return Vec::new() };
    let dir = shared.join("eval/pdnc");
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut v: Vec<PathBuf> =
        entries.filter_map(|e| e.ok().map(|e| e.path().join("novel_text.txt"))).filter(|p| p.is_file()).collect();
    v.sort();
    v
}

pub fn name(p: &Path) -> String {
    p.display().to_string()
}

/// An empty voices folder, so no test reads the checkout's `voices/` (a user's
/// `voices/<story>.toml` there would change the casts the tests expect).
pub fn no_voices() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-voices");
    std::fs::create_dir_all(&dir).expect("create the empty voices folder");
    dir
}

/// The binary, run from the project root with the empty voices folder; tests give `--output`
/// and `--cache` folders of their own.
pub fn audiobook() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_audiobook"));
    cmd.current_dir(root()).arg("--voices").arg(no_voices());
    cmd
}

/// [`audiobook`] as a plain process, for tests that need its pipes.
pub fn command() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_audiobook"));
    cmd.current_dir(root()).arg("--voices").arg(no_voices());
    cmd
}

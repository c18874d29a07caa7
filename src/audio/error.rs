//! What can go wrong while assembling audio. Each message says what happened and what to do.

use std::path::PathBuf;

/// Errors of the audio stage. Bad input gives one of these, never a panic.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("a sample rate of {rate} Hz cannot be used; the engine's output or the book's rate must be above 0")]
    InvalidRate { rate: u32 },
    #[error("cannot resample from {from} Hz to {to} Hz: {detail}; choose another book rate")]
    Resample { from: u32, to: u32, detail: String },
    #[error("cannot measure loudness at {rate} Hz: {detail}; resample to a common rate first")]
    Loudness { rate: u32, detail: String },
    #[error("audio at {found} Hz was given to a writer at {expected} Hz; resample every line to the book's rate first")]
    RateMismatch { expected: u32, found: u32 },
    #[error("a size limit of {limit} bytes leaves no room for audio; use a limit of at least a few kilobytes")]
    LimitTooSmall { limit: u64 },
    #[error("cannot write {path}: {source}; check that the directory exists, is writable and has free space")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot write WAV file {path}: {source}; check free space and permissions")]
    Wav { path: PathBuf, source: hound::Error },
}

impl AudioError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> AudioError {
        AudioError::Io { path: path.into(), source }
    }
}

/// The audio stage's result type.
pub type Result<T, E = AudioError> = std::result::Result<T, E>;

//! The library's error type. Messages say what went wrong and what to do about it.

use std::path::PathBuf;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is a directory; give the path of a story file")]
    IsDirectory { path: PathBuf },
    #[error("{path} is empty; there is nothing to read aloud")]
    Empty { path: PathBuf },
    #[error("{path} looks like a binary file, not text ({reason}); give a plain-text story")]
    Binary { path: PathBuf, reason: String },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error(transparent)]
    Audio(#[from] crate::audio::AudioError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("another render is writing {dir}; wait for it to finish, or give another folder with --output")]
    Busy { dir: PathBuf },
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

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
    #[error("{path} does not look like text ({reason}); give a story as plain text, Markdown, HTML or EPUB")]
    Binary { path: PathBuf, reason: String },
    #[error("{path} is {kind}, not a regular file; save the story to a file and give that file's path")]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error(
        "{path} is {size_mb} MB, more than the {cap_mb} MB audiobook reads as one story; split it into smaller files"
    )]
    TooLarge { path: PathBuf, size_mb: u64, cap_mb: u64 },
    #[error("{path} is {what}, which audiobook cannot read; {advice}")]
    Unsupported { path: PathBuf, what: String, advice: String },
    #[error(
        "{path} is a zip archive but not an EPUB (it has no META-INF/container.xml); give an EPUB, HTML, Markdown or plain-text story"
    )]
    NotEpub { path: PathBuf },
    #[error(
        "{path} is a damaged EPUB: {reason}; download it again, or repair it with Calibre (`ebook-convert book.epub repaired.epub`)"
    )]
    BadEpub { path: PathBuf, reason: String },
    #[error("{path} is locked with DRM ({scheme}), so its text cannot be read; use a DRM-free copy of the book")]
    Drm { path: PathBuf, scheme: String },
    #[error("{path} has no text to read aloud: {reason}")]
    NoText { path: PathBuf, reason: String },
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

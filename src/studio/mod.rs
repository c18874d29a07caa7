//! The studio: a local web page to review who speaks each line, cast the voices and hear any
//! part of a story (`audiobook studio STORY`).
//!
//! In: the story, its voices files and a render's settings ([`Settings`]). Out: a server on
//! 127.0.0.1 whose page edits the story's voices file and plays what a render of it would make.
//!
//! - [`session`] holds the story read with its voices files, its cast and engines, and does the
//!   work: plays (renders of a few lines through the render's own cache), edits of the voices
//!   file followed by a fresh reading, the full render.
//! - [`server`] answers HTTP: the page, its API, and the output folder's files, each request
//!   checked by [`guard`] first (the token, the host, the names of files).
//! - `page/` holds the page itself (HTML, CSS and JavaScript, compiled into the binary).

pub mod guard;
pub mod server;
pub mod session;

pub use server::{Server, serve};
pub use session::{Session, Settings};

/// What can go wrong in the studio.
#[derive(Debug, thiserror::Error)]
pub enum StudioError {
    /// A request the studio cannot do as asked: the message says why, for the page.
    #[error("{0}")]
    Invalid(String),
    /// The full render is already running.
    #[error("a render is already running; wait for it to finish")]
    Busy,
    #[error(transparent)]
    Library(#[from] crate::Error),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error("cannot serve the studio on {address}: {source}")]
    Listen { address: String, source: std::io::Error },
}

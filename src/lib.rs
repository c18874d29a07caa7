//! `audiobook` turns stories into multi-voice audiobooks.
//!
//! A story goes through a short line of stages, each a plain function over owned data:
//!
//! ```text
//! bytes ──load──▶ Text ──segment──▶ Script (chapters, scenes, narration and dialogue lines)
//!       ──attribute──▶ speakers ──cast──▶ a voice per line ──render──▶ chapter WAVs + manifest
//! ```
//!
//! Every line of a [`script::Script`] carries the UTF-8 byte span of its source text, so
//! `&text[line.span.range()]` gives it back.
//!
//! ```
//! let text = audiobook::load::decode(b"\"Hello,\" said Ann.\n").unwrap();
//! let script = audiobook::segment::segment(&text);
//! let first = &script.lines[0];
//! assert_eq!(first.kind, audiobook::script::Kind::Dialogue);
//! assert_eq!(&text.text[first.span.range()], "Hello,");
//! ```

pub mod assemble;
pub mod attribute;
pub mod audio;
pub mod cast;
pub mod config;
pub mod engine;
pub mod error;
pub mod export;
pub mod load;
pub mod manifest;
pub mod normalize;
pub mod pipeline;
pub mod plan;
pub mod progress;
pub mod render;
pub mod report;
pub mod schedule;
pub mod script;
pub mod segment;
#[cfg(feature = "speak")]
pub mod speak;
pub mod studio;
pub mod synth;
pub mod util;
pub mod voice;

pub use error::{Error, Result};

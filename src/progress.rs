//! One factory for progress bars: drawn on a terminal, hidden otherwise or when asked to be quiet.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// Whether bars are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// On a terminal only.
    Auto,
    /// Never (`--quiet`, tests, pipes).
    Hidden,
}

/// A bar of `len` steps with a message, or a hidden one.
pub fn bar(display: Display, len: u64, message: &'static str) -> ProgressBar {
    if display == Display::Hidden || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(
        "{msg:>10} [{bar:32}] {pos}/{len} lines, {prefix} audio, ETA {eta}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(message);
    bar
}

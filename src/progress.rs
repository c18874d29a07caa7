//! One factory for progress bars: drawn on a terminal, hidden otherwise or when asked to be quiet.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

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
    let style = ProgressStyle::with_template("{msg:>10} [{bar:32}] {pos}/{len} lines, {prefix} audio, ETA {eta}")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    // Built whole before its first draw.
    ProgressBar::new(len).with_style(style).with_prefix(minutes(0)).with_message(message)
}

/// A bar's lines and the audio they came to, counted from any thread.
#[derive(Debug)]
pub struct LineCounter {
    bar: ProgressBar,
    audio_ms: AtomicU64,
}

impl LineCounter {
    pub fn new(bar: ProgressBar) -> LineCounter {
        LineCounter { bar, audio_ms: AtomicU64::new(0) }
    }

    /// One more line done, of `seconds` of audio.
    pub fn line(&self, seconds: f64) {
        let ms = (seconds.max(0.0) * 1000.0).round() as u64;
        let total = self.audio_ms.fetch_add(ms, Ordering::Relaxed) + ms;
        self.bar.set_prefix(minutes(total));
        self.bar.inc(1);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Milliseconds of audio as the bars show them: "12.5 min".
fn minutes(ms: u64) -> String {
    format!("{:.1} min", ms as f64 / 60_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_add_up_their_audio() {
        let bar = ProgressBar::hidden();
        let counter = LineCounter::new(bar.clone());
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| (0..25).for_each(|_| counter.line(1.5)));
            }
        });
        assert_eq!(bar.position(), 100);
        assert_eq!(bar.prefix(), "2.5 min");
        assert_eq!(minutes(0), "0.0 min");
    }
}

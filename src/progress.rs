//! One factory for progress bars: drawn on a terminal, hidden otherwise or when asked to be quiet.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

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
        // Not drawn, but it knows its length, for a [`Watch`].
        return ProgressBar::with_draw_target(Some(len), indicatif::ProgressDrawTarget::hidden());
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
    watch: Option<Arc<Watch>>,
}

impl LineCounter {
    pub fn new(bar: ProgressBar) -> LineCounter {
        LineCounter { bar, audio_ms: AtomicU64::new(0), watch: None }
    }

    /// The same counter, also told to `watch` (when there is one) as the stage `stage`.
    pub fn watched(mut self, watch: Option<&Arc<Watch>>, stage: &'static str) -> LineCounter {
        if let Some(watch) = watch {
            watch.start(stage, self.bar.length().unwrap_or(0));
            self.watch = Some(watch.clone());
        }
        self
    }

    /// One more line done, of `seconds` of audio.
    pub fn line(&self, seconds: f64) {
        let ms = (seconds.max(0.0) * 1000.0).round() as u64;
        let total = self.audio_ms.fetch_add(ms, Ordering::Relaxed) + ms;
        self.bar.set_prefix(minutes(total));
        self.bar.inc(1);
        if let Some(watch) = &self.watch {
            watch.line(ms);
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A render's progress for a watcher other than the terminal (the studio's page polls it): the
/// stage at work, its lines done of how many, the audio they came to, and the time left at the
/// stage's pace so far.
#[derive(Debug, Default)]
pub struct Watch(Mutex<Option<Stage>>);

#[derive(Debug)]
struct Stage {
    name: &'static str,
    total: u64,
    done: u64,
    audio_ms: u64,
    started: Instant,
}

/// What a [`Watch`] saw last.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Snapshot {
    /// "speaking" (lines not in the cache yet) or "writing" (the chapter files); empty before.
    pub stage: &'static str,
    pub done: u64,
    pub total: u64,
    /// Seconds of audio made in this stage.
    pub audio_s: f64,
    /// Seconds since the stage started.
    pub elapsed_s: f64,
    /// Seconds the stage still needs at its pace so far, once a line is done.
    pub left_s: Option<f64>,
}

impl Watch {
    pub fn new() -> Watch {
        Watch::default()
    }

    fn stage(&self) -> std::sync::MutexGuard<'_, Option<Stage>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn start(&self, name: &'static str, total: u64) {
        *self.stage() = Some(Stage { name, total, done: 0, audio_ms: 0, started: Instant::now() });
    }

    fn line(&self, ms: u64) {
        if let Some(stage) = self.stage().as_mut() {
            stage.done += 1;
            stage.audio_ms += ms;
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        let stage = self.stage();
        let Some(s) = stage.as_ref() else {
            return Snapshot { stage: "", done: 0, total: 0, audio_s: 0.0, elapsed_s: 0.0, left_s: None };
        };
        let elapsed_s = s.started.elapsed().as_secs_f64();
        let left_s = (s.done > 0).then(|| elapsed_s / s.done as f64 * s.total.saturating_sub(s.done) as f64);
        Snapshot { stage: s.name, done: s.done, total: s.total, audio_s: s.audio_ms as f64 / 1000.0, elapsed_s, left_s }
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

    #[test]
    fn a_watch_sees_each_stage_and_the_time_left() {
        let watch = Arc::new(Watch::new());
        assert_eq!(watch.snapshot().stage, "");
        let speaking = LineCounter::new(bar(Display::Hidden, 3, "speaking")).watched(Some(&watch), "speaking");
        assert_eq!(watch.snapshot().left_s, None, "no pace before the first line");
        speaking.line(2.0);
        let seen = watch.snapshot();
        assert_eq!((seen.stage, seen.done, seen.total, seen.audio_s), ("speaking", 1, 3, 2.0));
        let writing = LineCounter::new(bar(Display::Hidden, 4, "writing")).watched(Some(&watch), "writing");
        writing.line(1.0);
        let seen = watch.snapshot();
        assert_eq!((seen.stage, seen.done, seen.total), ("writing", 1, 4));
        assert!(seen.left_s.is_some_and(|s| s >= 0.0), "{seen:?}");
    }
}

//! Audio: the one internal format (mono `f32` PCM at a known rate) and the steps that turn engine
//! output into chapter files.
//!
//! A rendered line goes through, in order: [`Pcm::trim_silence`] (engines pad their output),
//! [`resample::Resampler`] (one rate for the whole book), a per-voice gain from
//! [`loudness::VoiceLoudness`] (loudness matched per voice, never per sentence),
//! [`loudness::limit_true_peak`], [`Pcm::fade_edges`] (no clicks at joins), and finally
//! [`wav::ChapterWriter`] which streams the chapter to disk. [`cache::Cache`] keeps each line's
//! engine output so a second render skips synthesis.
//!
//! ```
//! use audiobook::audio::{Pcm, resample::Resampler, loudness};
//! let engine_out = Pcm::new(vec![0.25; 1600], 16_000);
//! let mut resampler = Resampler::new(24_000);
//! let line = resampler.convert(&engine_out.trim_silence(-50.0, 10)).unwrap();
//! let mut line = line.with_gain(loudness::db_to_gain(3.0));
//! loudness::limit_true_peak(&mut line, loudness::DEFAULT_CEILING_DBTP);
//! line.fade_edges(5);
//! assert_eq!(line.sample_rate, 24_000);
//! ```

pub mod cache;
pub mod error;
pub mod loudness;
pub mod resample;
pub mod silence;
pub mod wav;

pub use error::{AudioError, Result};

use serde::{Deserialize, Serialize};

/// Mono audio: samples in -1.0..=1.0 at `sample_rate` Hz.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Pcm {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Pcm {
    pub fn new(samples: Vec<f32>, sample_rate: u32) -> Pcm {
        Pcm { samples, sample_rate }
    }

    /// Converts 16-bit integer samples.
    pub fn from_i16(samples: &[i16], sample_rate: u32) -> Pcm {
        Pcm::new(samples.iter().map(|&s| f32::from(s) / 32768.0).collect(), sample_rate)
    }

    pub fn duration_s(&self) -> f64 {
        if self.sample_rate == 0 {
            return 0.0;
        }
        self.samples.len() as f64 / f64::from(self.sample_rate)
    }

    /// Root mean square level, 0 for silence.
    pub fn rms(&self) -> f32 {
        if self.samples.is_empty() {
            return 0.0;
        }
        let sum: f64 = self.samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
        (sum / self.samples.len() as f64).sqrt() as f32
    }
}

/// One sample as 16-bit. Full scale is 32768 as in [`Pcm::from_i16`], so 16-bit audio survives a
/// round trip exactly; louder samples clamp and non-finite ones become silence.
pub fn to_i16(sample: f32) -> i16 {
    if !sample.is_finite() {
        return 0;
    }
    (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

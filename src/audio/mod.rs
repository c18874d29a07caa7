//! Audio: the one internal format (mono `f32` PCM at a known rate) and the steps that turn engine
//! output into chapter files.

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

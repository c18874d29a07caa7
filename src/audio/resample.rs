//! Sample-rate conversion to the book's one rate, done once where engine output enters.
//!
//! Uses rubato's synchronous FFT resampler: the ratio between two fixed rates never changes, and
//! it is both faster and as clean as the sinc resamplers. Each whole line is converted in one
//! call, which flushes the filter tail and drops its start-up delay, so nothing is lost and the
//! output lines up with the input.

use super::{AudioError, Pcm, Result};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};
use std::collections::HashMap;

/// Frames per FFT chunk: long enough to be efficient, short enough that short lines stay cheap.
const CHUNK: usize = 1024;

/// Converts lines to one target rate, keeping a resampler per source rate because building one
/// costs far more than using it.
pub struct Resampler {
    target: u32,
    by_source: HashMap<u32, Fft<f32>>,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler").field("target", &self.target).finish_non_exhaustive()
    }
}

impl Resampler {
    /// A converter to `target` Hz.
    pub fn new(target: u32) -> Resampler {
        Resampler { target, by_source: HashMap::new() }
    }

    /// The rate every converted line has.
    pub fn target(&self) -> u32 {
        self.target
    }

    /// `pcm` at the target rate, with `ceil(len * target / source)` samples. Audio already at the
    /// target rate is returned unchanged.
    pub fn convert(&mut self, pcm: Pcm) -> Result<Pcm> {
        let (from, to) = (pcm.sample_rate, self.target);
        if from == 0 || to == 0 {
            return Err(AudioError::InvalidRate { rate: from.min(to) });
        }
        if from == to {
            return Ok(pcm);
        }
        if pcm.samples.is_empty() {
            return Ok(Pcm::new(Vec::new(), to));
        }
        let fft = self.resampler_from(from)?;
        let input =
            InterleavedSlice::new(&pcm.samples, 1, pcm.samples.len()).map_err(|e| resample_error(from, to, e))?;
        let output = fft.process_all(&input, pcm.samples.len(), None).map_err(|e| resample_error(from, to, e))?;
        Ok(Pcm::new(output.take_data(), to))
    }

    fn resampler_from(&mut self, from: u32) -> Result<&mut Fft<f32>> {
        use std::collections::hash_map::Entry;
        let to = self.target;
        match self.by_source.entry(from) {
            Entry::Occupied(entry) => Ok(entry.into_mut()),
            Entry::Vacant(entry) => {
                let fft = Fft::new(from as usize, to as usize, CHUNK, 1, FixedSync::Both)
                    .map_err(|e| resample_error(from, to, e))?;
                Ok(entry.insert(fft))
            }
        }
    }
}

/// `pcm` at `target` Hz. Builds a resampler each call; keep a [`Resampler`] for many lines.
pub fn resample(pcm: &Pcm, target: u32) -> Result<Pcm> {
    Resampler::new(target).convert(pcm.clone())
}

fn resample_error(from: u32, to: u32, error: impl std::fmt::Display) -> AudioError {
    AudioError::Resample { from, to, detail: error.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, amplitude: f32, rate: u32, seconds: f32) -> Pcm {
        let n = (rate as f32 * seconds) as usize;
        let step = 2.0 * std::f32::consts::PI * freq / rate as f32;
        Pcm::new((0..n).map(|i| amplitude * (step * i as f32).sin()).collect(), rate)
    }

    /// Frequency from upward zero crossings over the middle of the signal, away from the edges.
    fn frequency(pcm: &Pcm) -> f32 {
        let n = pcm.samples.len();
        let middle = &pcm.samples[n / 10..n - n / 10];
        let crossings = middle.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        crossings as f32 * pcm.sample_rate as f32 / middle.len() as f32
    }

    fn middle_rms(pcm: &Pcm) -> f32 {
        let n = pcm.samples.len();
        Pcm::new(pcm.samples[n / 10..n - n / 10].to_vec(), pcm.sample_rate).rms()
    }

    fn check_conversion(from: u32) {
        let input = sine(440.0, 0.5, from, 1.0);
        let output = resample(&input, 24_000).unwrap();
        assert_eq!(output.sample_rate, 24_000);
        let expected = input.samples.len() as f64 * 24_000.0 / f64::from(from);
        let diff = output.samples.len() as f64 - expected;
        assert!(diff.abs() <= 3.0, "{from} Hz: {} samples, expected {expected}", output.samples.len());
        assert!((frequency(&output) - 440.0).abs() < 3.0, "{from} Hz: {} Hz", frequency(&output));
        let (rms_in, rms_out) = (middle_rms(&input), middle_rms(&output));
        assert!((rms_out / rms_in - 1.0).abs() < 0.01, "{from} Hz: rms {rms_in} -> {rms_out}");
    }

    #[test]
    fn upsamples_16000() {
        check_conversion(16_000);
    }

    #[test]
    fn upsamples_22050() {
        check_conversion(22_050);
    }

    #[test]
    fn downsamples_48000() {
        check_conversion(48_000);
    }

    #[test]
    fn output_lines_up_with_input() {
        // A click at a known time stays at the same time after conversion.
        let mut samples = vec![0.0; 16_000];
        samples[8_000] = 1.0;
        let output = resample(&Pcm::new(samples, 16_000), 24_000).unwrap();
        let peak =
            output.samples.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).map(|(i, _)| i).unwrap();
        assert!((peak as i64 - 12_000).abs() <= 1, "peak at {peak}");
    }

    #[test]
    fn identity_when_rates_match() {
        let input = sine(440.0, 0.5, 24_000, 0.1);
        assert_eq!(resample(&input, 24_000).unwrap(), input);
    }

    #[test]
    fn short_and_empty_lines() {
        let mut resampler = Resampler::new(24_000);
        let empty = resampler.convert(Pcm::new(Vec::new(), 16_000)).unwrap();
        assert!(empty.samples.is_empty());
        assert_eq!(empty.sample_rate, 24_000);
        let short = resampler.convert(Pcm::new(vec![0.1; 10], 16_000)).unwrap();
        assert_eq!(short.samples.len(), 15);
    }

    #[test]
    fn reused_resampler_gives_same_result() {
        let mut resampler = Resampler::new(24_000);
        let input = sine(300.0, 0.3, 22_050, 0.3);
        let first = resampler.convert(input.clone()).unwrap();
        let second = resampler.convert(input.clone()).unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn zero_rate_is_an_error() {
        assert!(matches!(resample(&Pcm::new(vec![0.0; 4], 0), 24_000), Err(AudioError::InvalidRate { .. })));
        assert!(resample(&Pcm::new(vec![0.0; 4], 16_000), 0).is_err());
    }
}

//! Audio: the one internal format (mono `f32` PCM at a known rate) and the steps that turn engine
//! output into chapter files.
//!
//! A rendered line goes through, in order: [`Pcm::trim_silence`] (engines pad their output),
//! [`resample::Resampler`] (one rate for the whole book), a per-voice gain from
//! [`loudness::VoiceLoudness`] (loudness matched per voice, never per sentence),
//! [`loudness::limit_true_peak`], [`Pcm::fade_edges`] (no clicks at joins), and finally
//! [`wav::ChapterWriter`] which streams the chapter to disk. [`prepare_line`] and [`finish_line`]
//! do the steps before and after the gain. [`cache::Cache`] keeps each line's engine output so a
//! second render skips synthesis.
//!
//! A voice's gain must be known before its first line is written, so a render takes two passes
//! over the cached lines and keeps no chapter in memory: first each voice's trimmed lines are
//! added to its `VoiceLoudness` (at the engine's rate: loudness does not depend on it), then
//! each chapter's lines are prepared, finished with their voice's gain and written in order,
//! with [`Pcm::silence`] for the pauses.
//!
//! ```
//! use audiobook::audio::{Pcm, finish_line, prepare_line};
//! use audiobook::audio::{loudness::VoiceLoudness, resample::Resampler, wav::ChapterWriter};
//! let dir = tempfile::tempdir().unwrap();
//! let engine_out = Pcm::new(vec![0.25; 1600], 16_000);
//!
//! let mut narrator = VoiceLoudness::new();
//! narrator.add(&engine_out.trim_silence(-50.0, 10)).unwrap();
//! let gain = narrator.gain(audiobook::audio::loudness::DEFAULT_TARGET_LUFS);
//!
//! let mut resampler = Resampler::new(24_000);
//! let mut chapter = ChapterWriter::create(dir.path().join("01-one.wav"), 24_000).unwrap();
//! let line = finish_line(prepare_line(engine_out, &mut resampler).unwrap(), gain);
//! let span = chapter.write(&line).unwrap();
//! chapter.write(&Pcm::silence(400, 24_000)).unwrap();
//! let parts = chapter.finish().unwrap();
//! assert_eq!(span.start_s(24_000), 0.0);
//! assert_eq!(parts.len(), 1);
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

/// Mono 16-bit audio, as engines make it and the cache keeps it: a line goes from its engine to
/// the cache without a conversion, and becomes [`Pcm`] only when a chapter is assembled.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pcm16 {
    pub samples: Vec<i16>,
    pub sample_rate: u32,
}

impl Pcm16 {
    /// Root mean square level relative to full scale, 0 for silence.
    pub fn rms(&self) -> f32 {
        if self.samples.is_empty() {
            return 0.0;
        }
        // Squares summed exactly in integers: each is at most 2^30, so 2^34 of them fit.
        let sum: u64 = self.samples.iter().map(|&s| (i32::from(s) * i32::from(s)) as u64).sum();
        ((sum as f64 / self.samples.len() as f64).sqrt() / 32768.0) as f32
    }

    pub fn to_pcm(&self) -> Pcm {
        Pcm::from_i16(&self.samples, self.sample_rate)
    }
}

impl From<&Pcm> for Pcm16 {
    fn from(pcm: &Pcm) -> Pcm16 {
        Pcm16 { samples: pcm.samples.iter().map(|&s| to_i16(s)).collect(), sample_rate: pcm.sample_rate }
    }
}

/// One sample as 16-bit. Full scale is 32768 as in [`Pcm::from_i16`], so 16-bit audio survives a
/// round trip exactly; louder samples clamp and non-finite ones become silence.
/// Branch-free, so conversions of whole lines vectorize.
#[inline]
pub fn to_i16(sample: f32) -> i16 {
    let finite = if sample.is_finite() { sample } else { 0.0 };
    // Half away from zero, then truncation: what `round` does, without its library call.
    let scaled = (finite * 32768.0).clamp(-32768.0, 32767.0);
    let rounded = scaled + 0.5f32.copysign(scaled);
    // SAFETY: `rounded` is finite and within ±32768.5, so it truncates to a value an i32 holds.
    // The checked `as` conversion (which saturates) kept the compiler to one sample at a time.
    let int: i32 = unsafe { rounded.to_int_unchecked() };
    int as i16
}

/// Engine output quieter than this at a line's ends is padding, not speech.
pub const TRIM_THRESHOLD_DBFS: f32 = -50.0;
/// Quiet kept at each end of a line so soft onsets and breaths survive the trim.
pub const TRIM_KEEP_MS: u32 = 10;
/// Length of the fades at each end of a line; shorter than the kept quiet, so speech is untouched.
pub const FADE_MS: u32 = 5;

/// Engine output in the book's format: trimmed and at the book's rate.
pub fn prepare_line(engine_out: Pcm, resampler: &mut resample::Resampler) -> Result<Pcm> {
    resampler.convert(engine_out.into_trimmed(TRIM_THRESHOLD_DBFS, TRIM_KEEP_MS))
}

/// A prepared line made ready to write: its voice's gain, the true-peak limit, and fades.
pub fn finish_line(line: Pcm, voice_gain: f32) -> Pcm {
    let mut line = line.with_gain(voice_gain);
    loudness::limit_true_peak(&mut line, loudness::DEFAULT_CEILING_DBTP);
    line.fade_edges(FADE_MS);
    line
}

#[cfg(test)]
mod tests {
    use super::loudness::{DEFAULT_TARGET_LUFS, VoiceLoudness, integrated_loudness};
    use super::*;

    /// A "voice": a tone at `level` with engine padding, at the engine's rate.
    fn engine_line(freq: f32, level: f32, rate: u32) -> Pcm {
        let step = 2.0 * std::f32::consts::PI * freq / rate as f32;
        let mut samples = vec![0.0; rate as usize / 5];
        samples.extend((0..rate as usize).map(|i| level * (step * i as f32).sin()));
        samples.extend(vec![0.0; rate as usize / 5]);
        Pcm::new(samples, rate)
    }

    #[test]
    fn samples_become_16_bit_rounded_clamped_and_finite() {
        let cases = [
            (0.0, 0),
            (0.5 / 32768.0, 1),
            (-0.5 / 32768.0, -1),
            (0.49 / 32768.0, 0),
            (1.0, 32_767),
            (-1.0, -32_768),
            (3.0, 32_767),
            (-3.0, -32_768),
            (f32::NAN, 0),
            (f32::INFINITY, 0),
            (f32::NEG_INFINITY, 0),
        ];
        for (sample, expected) in cases {
            assert_eq!(to_i16(sample), expected, "{sample}");
        }
    }

    #[test]
    fn sixteen_bit_audio_round_trips_and_measures_alike() {
        let samples: Vec<i16> = vec![0, 1, -1, 12_345, -32_768, 32_767, -7];
        let pcm16 = Pcm16 { samples: samples.clone(), sample_rate: 22_050 };
        let pcm = pcm16.to_pcm();
        assert_eq!(Pcm16::from(&pcm), pcm16);
        assert!((pcm16.rms() - pcm.rms()).abs() < 1e-6, "{} vs {}", pcm16.rms(), pcm.rms());
        let full = Pcm16 { samples: vec![i16::MIN; 1 << 16], sample_rate: 8_000 };
        assert_eq!(full.rms(), 1.0);
        assert_eq!(Pcm16::default().rms(), 0.0);
    }

    #[test]
    fn two_voices_from_different_engines_end_matched_in_one_file() {
        let dir = tempfile::tempdir().unwrap();
        // A quiet 16 kHz engine and a loud 22.05 kHz one, 12 dB apart and both needing gain.
        let quiet = engine_line(300.0, 0.1, 16_000);
        let loud = engine_line(500.0, 0.4, 22_050);
        let gains: Vec<f32> = [&quiet, &loud]
            .iter()
            .map(|line| {
                let mut voice = VoiceLoudness::new();
                voice.add(&line.trim_silence(TRIM_THRESHOLD_DBFS, TRIM_KEEP_MS)).unwrap();
                voice.gain(DEFAULT_TARGET_LUFS)
            })
            .collect();
        let mut resampler = resample::Resampler::new(24_000);
        let path = dir.path().join("01-test.wav");
        let mut writer = wav::ChapterWriter::create(&path, 24_000).unwrap();
        let mut spans = Vec::new();
        for (line, gain) in [(&quiet, gains[0]), (&loud, gains[1])] {
            let ready = finish_line(prepare_line(line.clone(), &mut resampler).unwrap(), gain);
            spans.push(writer.write(&ready).unwrap());
            writer.write(&Pcm::silence(500, 24_000)).unwrap();
        }
        writer.finish().unwrap();

        let mut reader = hound::WavReader::open(&path).unwrap();
        let ints: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
        let file = Pcm::from_i16(&ints, 24_000);
        let lufs: Vec<f64> = spans
            .iter()
            .map(|span| {
                let part = &file.samples[span.start as usize..span.end as usize];
                integrated_loudness(&Pcm::new(part.to_vec(), 24_000)).unwrap().unwrap()
            })
            .collect();
        assert!((lufs[0] - lufs[1]).abs() < 1.0, "{lufs:?}");
        assert!((lufs[0] - DEFAULT_TARGET_LUFS).abs() < 1.0, "{lufs:?}");
        // Trimmed to the tone plus 10 ms on each side, at the new rate.
        let expected = 24_000.0 * 1.02;
        let len = (spans[0].end - spans[0].start) as f64;
        assert!((len - expected).abs() < 3.0, "{len} vs {expected}");
        assert!(file.samples[..5].iter().all(|s| s.abs() < 1e-3));
    }
}

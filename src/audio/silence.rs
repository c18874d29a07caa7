//! Silence, trimming and fades: the small edits made to every line before it is joined to others.

use super::Pcm;

/// Decibels relative to full scale as a linear amplitude.
fn dbfs_to_amplitude(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// Samples in `ms` milliseconds at `rate`, rounded to the nearest sample.
pub fn ms_to_samples(ms: u32, rate: u32) -> usize {
    ((u64::from(ms) * u64::from(rate) + 500) / 1000) as usize
}

impl Pcm {
    /// `ms` milliseconds of digital silence at `sample_rate`.
    pub fn silence(ms: u32, sample_rate: u32) -> Pcm {
        Pcm::new(vec![0.0; ms_to_samples(ms, sample_rate)], sample_rate)
    }

    /// Drops leading and trailing audio quieter than `threshold_dbfs`, keeping `keep_ms` of it on
    /// each side so soft consonants and breaths at the edges survive. All-quiet input becomes
    /// empty: the caller's pauses decide the spacing, not the engine's padding.
    pub fn trim_silence(&self, threshold_dbfs: f32, keep_ms: u32) -> Pcm {
        Pcm::new(self.samples[self.untrimmed(threshold_dbfs, keep_ms)].to_vec(), self.sample_rate)
    }

    /// [`Pcm::trim_silence`] in place, without a copy of the samples kept.
    pub fn into_trimmed(mut self, threshold_dbfs: f32, keep_ms: u32) -> Pcm {
        let kept = self.untrimmed(threshold_dbfs, keep_ms);
        self.samples.truncate(kept.end);
        self.samples.drain(..kept.start);
        self
    }

    /// The samples trimming keeps.
    fn untrimmed(&self, threshold_dbfs: f32, keep_ms: u32) -> std::ops::Range<usize> {
        let threshold = dbfs_to_amplitude(threshold_dbfs);
        let loud = |s: &f32| s.abs() > threshold;
        let Some(first) = self.samples.iter().position(loud) else {
            return 0..0;
        };
        let last = self.samples.iter().rposition(loud).unwrap_or(first);
        let keep = ms_to_samples(keep_ms, self.sample_rate);
        first.saturating_sub(keep)..(last + 1 + keep).min(self.samples.len())
    }

    /// Ramps the first and last `ms` milliseconds from and to zero, so that a line starting or
    /// ending mid-waveform does not click where it meets silence or the next line.
    pub fn fade_edges(&mut self, ms: u32) {
        let len = ms_to_samples(ms, self.sample_rate).min(self.samples.len() / 2);
        for i in 0..len {
            // A raised-cosine ramp has no corner where it meets full gain, unlike a linear one.
            let t = (i as f32 + 0.5) / len as f32;
            let gain = 0.5 - 0.5 * (std::f32::consts::PI * t).cos();
            self.samples[i] *= gain;
            let j = self.samples.len() - 1 - i;
            self.samples[j] *= gain;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_has_exact_length() {
        assert_eq!(Pcm::silence(250, 24_000).samples.len(), 6_000);
        assert_eq!(Pcm::silence(1, 22_050).samples.len(), 22);
        assert_eq!(Pcm::silence(0, 24_000).samples.len(), 0);
        assert!(Pcm::silence(10, 24_000).samples.iter().all(|&s| s == 0.0));
    }

    #[test]
    fn trim_keeps_margin_around_sound() {
        let mut samples = vec![0.0; 1000];
        samples.extend(vec![0.5; 500]);
        samples.extend(vec![0.0001; 1000]);
        let trimmed = Pcm::new(samples, 10_000).trim_silence(-50.0, 5);
        // 5 ms at 10 kHz is 50 samples on each side.
        assert_eq!(trimmed.samples.len(), 600);
        assert_eq!(trimmed.samples[50], 0.5);
        assert_eq!(trimmed.samples[549], 0.5);
    }

    #[test]
    fn trim_margin_stops_at_edges() {
        let pcm = Pcm::new(vec![0.5, 0.0, 0.0], 1000);
        assert_eq!(pcm.trim_silence(-50.0, 100).samples.len(), 3);
    }

    #[test]
    fn trim_of_silence_is_empty() {
        let pcm = Pcm::new(vec![0.0; 100], 1000);
        assert!(pcm.trim_silence(-50.0, 10).samples.is_empty());
        assert!(Pcm::default().trim_silence(-50.0, 10).samples.is_empty());
    }

    #[test]
    fn fade_starts_and_ends_near_zero_and_keeps_middle() {
        let mut pcm = Pcm::new(vec![1.0; 1000], 10_000);
        pcm.fade_edges(5);
        assert!(pcm.samples[0] < 0.01);
        assert!(pcm.samples[999] < 0.01);
        assert!(pcm.samples[25] > 0.4 && pcm.samples[25] < 0.6);
        assert_eq!(pcm.samples[50], 1.0);
        assert_eq!(pcm.samples[500], 1.0);
        assert!(pcm.samples.windows(2).take(50).all(|w| w[1] >= w[0]));
    }

    #[test]
    fn fade_of_short_or_empty_audio_does_not_panic() {
        let mut empty = Pcm::new(Vec::new(), 24_000);
        empty.fade_edges(5);
        let mut one = Pcm::new(vec![1.0], 24_000);
        one.fade_edges(5);
        assert_eq!(one.samples, vec![1.0]);
        let mut zero_rate = Pcm::new(vec![1.0; 4], 0);
        zero_rate.fade_edges(5);
    }
}

//! A voice's pitch, measured, for the gender Piper models do not record.
//!
//! Piper's settings name no speaker's gender, so each speaker reads one short sentence and its
//! median fundamental frequency decides: adult men speak at about 85-155 Hz, women at about
//! 165-255 Hz. Frames are 40 ms every 10 ms; a frame is voiced when its normalized
//! autocorrelation peaks above 0.6 at a lag between 60 and 400 Hz, and the first peak within 10% of
//! the strongest is taken, so an octave below the true pitch (twice the lag, as strong) is not.

use crate::script::Gender;

/// Below this median pitch a speaker is taken for a man.
pub const MALE_BELOW_HZ: f32 = 155.0;
/// Above this one, for a woman; between the two, unknown.
pub const FEMALE_ABOVE_HZ: f32 = 175.0;

/// The median pitch of the voiced frames of `samples`, or `None` when too few are voiced.
pub fn median_f0(samples: &[f32], rate: u32) -> Option<f32> {
    let rate_f = rate as f32;
    let (frame, hop) = ((0.04 * rate_f) as usize, (0.01 * rate_f) as usize);
    let (min_lag, max_lag) = ((rate_f / 400.0) as usize, (rate_f / 60.0) as usize);
    if frame == 0 || hop == 0 || samples.len() < frame + max_lag {
        return None;
    }
    let loudest = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    let mut pitches = Vec::new();
    let mut start = 0;
    while start + frame + max_lag <= samples.len() {
        let window = &samples[start..start + frame];
        let energy: f32 = window.iter().map(|s| s * s).sum();
        // Quiet frames (pauses, breath) say nothing about the voice.
        if (energy / frame as f32).sqrt() > 0.05 * loudest {
            let scores: Vec<(usize, f32)> = (min_lag..=max_lag)
                .map(|lag| {
                    let shifted = &samples[start + lag..start + lag + frame];
                    let cross: f32 = window.iter().zip(shifted).map(|(a, b)| a * b).sum();
                    let norm = (energy * shifted.iter().map(|s| s * s).sum::<f32>()).sqrt();
                    (lag, if norm > 0.0 { cross / norm } else { 0.0 })
                })
                .collect();
            let best = scores.iter().fold(0.0f32, |m, &(_, r)| m.max(r));
            // The first peak nearly as strong as the strongest, refined between its neighbours.
            let peak = (1..scores.len().saturating_sub(1)).find(|&i| {
                let r = scores[i].1;
                r >= 0.9 * best && r >= scores[i - 1].1 && r >= scores[i + 1].1
            });
            if best > 0.6
                && let Some(i) = peak
            {
                let (before, at, after) = (scores[i - 1].1, scores[i].1, scores[i + 1].1);
                let curve = before - 2.0 * at + after;
                let offset = if curve < 0.0 { (0.5 * (before - after) / curve).clamp(-0.5, 0.5) } else { 0.0 };
                pitches.push(rate_f / (scores[i].0 as f32 + offset));
            }
        }
        start += hop;
    }
    if pitches.len() < 5 {
        return None;
    }
    pitches.sort_by(f32::total_cmp);
    Some(pitches[pitches.len() / 2])
}

/// The gender a median pitch suggests.
pub fn gender(f0: Option<f32>) -> Gender {
    match f0 {
        Some(hz) if hz < MALE_BELOW_HZ => Gender::Male,
        Some(hz) if hz > FEMALE_ABOVE_HZ => Gender::Female,
        _ => Gender::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tone with a few harmonics, like a voiced vowel, with silences between "syllables".
    fn voice(f0: f32, rate: u32) -> Vec<f32> {
        (0..rate)
            .map(|n| {
                let t = n as f32 / rate as f32;
                let syllable = ((t * 4.0).fract() < 0.7) as u8 as f32;
                let phase = std::f32::consts::TAU * f0 * t;
                syllable * (0.5 * phase.sin() + 0.3 * (2.0 * phase).sin() + 0.2 * (3.0 * phase).sin())
            })
            .collect()
    }

    #[test]
    fn measures_low_and_high_voices() {
        for (f0, rate) in [(110.0, 22050), (210.0, 22050), (130.0, 16000), (250.0, 16000)] {
            let measured = median_f0(&voice(f0, rate), rate).expect("voiced");
            assert!((measured - f0).abs() < f0 * 0.03, "{f0} Hz measured as {measured}");
        }
        assert_eq!(gender(median_f0(&voice(110.0, 22050), 22050)), Gender::Male);
        assert_eq!(gender(median_f0(&voice(220.0, 22050), 22050)), Gender::Female);
        assert_eq!(gender(Some(165.0)), Gender::Unknown);
    }

    #[test]
    fn silence_and_noise_have_no_pitch() {
        assert_eq!(median_f0(&vec![0.0; 22050], 22050), None);
        let mut seed = 1u32;
        let noise: Vec<f32> = (0..22050)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect();
        assert_eq!(median_f0(&noise, 22050), None);
        assert_eq!(median_f0(&[0.1; 10], 22050), None);
    }
}

//! Loudness matching per voice and a true-peak limiter.
//!
//! Engines differ by up to 12 LU out of the box. Normalizing each sentence on its own would make
//! the volume jump between a whispered line and a shouted one, so a voice's lines are measured
//! together ([`VoiceLoudness`]) and all get that voice's one gain. The gain can push peaks over
//! full scale, so [`limit_true_peak`] runs after it.

use super::{AudioError, Pcm, Result};
use ebur128::{EbuR128, Mode};

/// Loudness every voice is brought to, in LUFS: within the -18 to -23 dB that audiobook
/// publishers ask for, and low enough that voices with a high crest factor keep their peaks:
/// espeak-ng's formant voices peak about 20 dB over their loudness, so at -18 LUFS the limiter
/// would be pressing on nearly every pitch period.
pub const DEFAULT_TARGET_LUFS: f64 = -20.0;
/// Highest true peak the limiter lets through, in dBTP: the usual margin for lossy encoders.
pub const DEFAULT_CEILING_DBTP: f32 = -1.0;
/// Largest boost or cut a voice gets, so a near-silent voice does not have its noise floor
/// pushed up to speech level.
pub const MAX_GAIN_DB: f64 = 24.0;

/// Decibels as a linear amplitude factor.
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// Integrated loudness of `pcm` in LUFS, or `None` when it is silent or too short to measure.
pub fn integrated_loudness(pcm: &Pcm) -> Result<Option<f64>> {
    let mut voice = VoiceLoudness::new();
    voice.add(pcm)?;
    Ok(voice.loudness())
}

impl Pcm {
    /// Multiplies every sample by `gain`. Samples that are not finite become silence, so one bad
    /// engine sample cannot poison the limiter or the writer.
    pub fn apply_gain(&mut self, gain: f32) {
        for sample in &mut self.samples {
            *sample = if sample.is_finite() { *sample * gain } else { 0.0 };
        }
    }

    /// This audio multiplied by `gain`; see [`Pcm::apply_gain`].
    pub fn with_gain(mut self, gain: f32) -> Pcm {
        self.apply_gain(gain);
        self
    }
}

/// Gathers one voice's lines (all of them, or a representative sample) and gives the one gain
/// that brings that voice to a target loudness.
///
/// Parts of a voice can be measured apart, on several threads, and then [combined]
/// (VoiceLoudness::combine): the result is the loudness of all their audio, as if measured in
/// one go, except for the few 400 ms blocks that would have straddled two parts.
///
/// ```
/// use audiobook::audio::{Pcm, loudness::VoiceLoudness};
/// let mut voice = VoiceLoudness::new();
/// voice.add(&Pcm::new(vec![0.0; 100], 24_000)).unwrap();
/// assert_eq!(voice.gain(-18.0), 1.0); // silence: leave it alone
/// ```
#[derive(Default)]
pub struct VoiceLoudness {
    /// One meter per part; lines are added to the last.
    meters: Vec<EbuR128>,
}

impl std::fmt::Debug for VoiceLoudness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceLoudness").field("parts", &self.meters.len()).field("lufs", &self.loudness()).finish()
    }
}

impl VoiceLoudness {
    pub fn new() -> VoiceLoudness {
        VoiceLoudness::default()
    }

    /// One voice's measurement from parts measured apart.
    pub fn combine(parts: impl IntoIterator<Item = VoiceLoudness>) -> VoiceLoudness {
        VoiceLoudness { meters: parts.into_iter().flat_map(|part| part.meters).collect() }
    }

    /// Adds one line. All lines of a part must have one rate (resample them first).
    pub fn add(&mut self, pcm: &Pcm) -> Result<()> {
        let meter = self.meter_for(pcm.sample_rate)?;
        let result = if pcm.samples.iter().all(|s| s.is_finite()) {
            meter.add_frames_f32(&pcm.samples)
        } else {
            let clean: Vec<f32> = pcm.samples.iter().map(|&s| if s.is_finite() { s } else { 0.0 }).collect();
            meter.add_frames_f32(&clean)
        };
        result.map_err(|e| meter_error(pcm.sample_rate, e))
    }

    /// The voice's integrated loudness in LUFS, `None` while nothing audible was added.
    pub fn loudness(&self) -> Option<f64> {
        if self.meters.is_empty() {
            return None;
        }
        let lufs = EbuR128::loudness_global_multiple(self.meters.iter()).ok()?;
        lufs.is_finite().then_some(lufs)
    }

    /// Gain in dB to reach `target_lufs`, within ±[`MAX_GAIN_DB`]; 0 when unmeasurable.
    pub fn gain_db(&self, target_lufs: f64) -> f64 {
        match self.loudness() {
            Some(lufs) if target_lufs.is_finite() => (target_lufs - lufs).clamp(-MAX_GAIN_DB, MAX_GAIN_DB),
            _ => 0.0,
        }
    }

    /// Linear gain to reach `target_lufs`, for [`Pcm::apply_gain`]. Always finite.
    pub fn gain(&self, target_lufs: f64) -> f32 {
        db_to_gain(self.gain_db(target_lufs) as f32)
    }

    fn meter_for(&mut self, rate: u32) -> Result<&mut EbuR128> {
        match self.meters.last().map(EbuR128::rate) {
            Some(existing) if existing != rate => {
                return Err(AudioError::RateMismatch { expected: existing, found: rate });
            }
            Some(_) => {}
            None => self.meters.push(new_meter(rate, Mode::I | Mode::HISTOGRAM)?),
        }
        Ok(self.meters.last_mut().expect("a meter is there"))
    }
}

/// A mono meter; the histogram mode keeps memory constant however long the voice talks.
fn new_meter(rate: u32, mode: Mode) -> Result<EbuR128> {
    if !(16..=2_822_400).contains(&rate) {
        return Err(AudioError::InvalidRate { rate });
    }
    EbuR128::new(1, rate, mode).map_err(|e| meter_error(rate, e))
}

fn meter_error(rate: u32, error: ebur128::Error) -> AudioError {
    AudioError::Loudness { rate, detail: error.to_string() }
}

/// Half the number of taps of the interpolation filter used to find peaks between samples.
const HALF_TAPS: usize = 8;
/// Extra headroom under the ceiling: the peak estimate and the gain changes themselves are not
/// exact, and the ceiling must hold as a true-peak meter measures it.
const MARGIN_DB: f32 = 0.3;
/// How far ahead the gain starts to fall before a peak, and how long the gain is smoothed.
const ATTACK_MS: f32 = 2.0;
/// How quickly the gain recovers after a peak; slow enough not to distort the voice.
const RELEASE_MS: f32 = 80.0;

/// Keeps the true peak (the peak of the reconstructed waveform, between samples too) of `pcm`
/// under `ceiling_dbtp`, with a look-ahead gain that moves smoothly. Audio already under the
/// ceiling is left exactly as it is.
pub fn limit_true_peak(pcm: &mut Pcm, ceiling_dbtp: f32) {
    let ceiling = db_to_gain(ceiling_dbtp - MARGIN_DB);
    if pcm.samples.is_empty() || !ceiling.is_finite() || ceiling <= 0.0 {
        return;
    }
    let phases = interpolation_phases();
    // No point between samples exceeds the loudest sample nearby times the filter's gain: most
    // lines are nowhere near the ceiling and need no interpolation at all.
    let bound = phases.iter().map(|t| t.iter().map(|c| c.abs()).sum::<f32>()).fold(1.0, f32::max);
    if loudest(&pcm.samples) * bound <= ceiling {
        return;
    }
    // Each sample over the ceiling, with the gain it needs to come under it.
    let needs: Vec<(usize, f32)> = hot_peaks(&pcm.samples, &phases, ceiling / bound, ceiling)
        .into_iter()
        .map(|(i, peak)| (i, (ceiling / peak).min(1.0)))
        .collect();
    if needs.is_empty() {
        return;
    }
    let rate = pcm.sample_rate.max(1) as f32;
    let attack = ((ATTACK_MS / 1000.0 * rate) as usize).max(1);
    let release = (RELEASE_MS / 1000.0 * rate).max(1.0);
    // The gain leaves 1 only around the samples over the ceiling: from two attack windows before
    // one (the running minimum, then the smoothing) to two after it and the end of its release
    // (within RELEASE_END of 1 after ln(1 / RELEASE_END) time constants, where `with_release`
    // snaps to 1). Elsewhere it is exactly 1, so only these spans are computed; each starts and
    // ends on gain 1, as the whole line would.
    let tail = (release * (1.0 / RELEASE_END).ln()).ceil() as usize + 2;
    let hot = needs.iter().map(|&(i, _)| i);
    for span in spans(hot, 2 * attack + 1, 2 * attack + tail + 1, pcm.samples.len()) {
        let first = needs.partition_point(|&(h, _)| h < span.start);
        let last = needs.partition_point(|&(h, _)| h < span.end);
        let local: Vec<(usize, f32)> = needs[first..last].iter().map(|&(h, need)| (h - span.start, need)).collect();
        let gain = gain_curve(span.len(), &local, attack, release);
        for (sample, g) in pcm.samples[span].iter_mut().zip(gain) {
            // Audio away from the peaks stays bit-identical.
            if g < 1.0 - 1e-6 {
                *sample *= g;
            }
        }
    }
}

/// Where the gain has recovered to within this of 1, the release ends (0.01 dB: inaudible).
const RELEASE_END: f32 = 0.001;

/// The limiter's gain over `len` samples, given the samples over the ceiling (sorted) and the
/// gain each needs: that need held for `attack` samples on either side (a running minimum),
/// averaged over the same radius so it moves smoothly, then let back up towards 1 by
/// [`with_release`]. Every step only ever lowers the minimum around a hot sample, so each one
/// ends at or under its need.
///
/// Only the gains near hot samples take work: the gain is exactly 1 wherever no hot sample
/// is within `attack`, and the average of ones is one, so the running minimum is taken from the
/// hot samples alone and the average only over the stretches within `2 * attack` of them.
fn gain_curve(len: usize, needs: &[(usize, f32)], attack: usize, release: f32) -> Vec<f32> {
    let mut gain = vec![1.0f32; len];
    for &(h, needed) in needs {
        let window = h.saturating_sub(attack)..(h + attack + 1).min(len);
        for g in &mut gain[window] {
            *g = g.min(needed);
        }
    }
    for stretch in spans(needs.iter().map(|&(h, _)| h), 2 * attack, 2 * attack, len) {
        let smoothed = box_smooth(&gain[stretch.clone()], attack);
        gain[stretch].copy_from_slice(&smoothed);
    }
    with_release(&mut gain, release);
    gain
}

/// The largest magnitude in `samples` (infinite if any is; NaN is skipped), over eight lanes the
/// compiler can keep in one vector register.
fn loudest(samples: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = samples.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, s) in lanes.iter_mut().zip(chunk) {
            let magnitude = s.abs();
            *lane = if magnitude > *lane { magnitude } else { *lane };
        }
    }
    rest.iter().chain(&lanes).fold(0.0, |m, s| if s.abs() > m { s.abs() } else { m })
}

/// The ranges covering `before` samples before to `after` samples after each of the sorted
/// `points`, merged where they touch, within `0..len`.
fn spans(
    points: impl IntoIterator<Item = usize>,
    before: usize,
    after: usize,
    len: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    for p in points {
        let (start, end) = (p.saturating_sub(before), (p + after + 1).min(len));
        match spans.last_mut() {
            Some(last) if start <= last.end => last.end = last.end.max(end),
            _ => spans.push(start..end),
        }
    }
    spans
}

/// The samples where the waveform from it to the next sample rises over `ceiling`, with that
/// peak, found with a 4x windowed-sinc interpolation as true-peak meters do. Non-finite samples
/// count as loud. Where every sample the filter reaches is at most `quiet` (the ceiling over the
/// filter's gain), the waveform cannot pass the ceiling: only runs of loud blocks are
/// interpolated, each with the neighbours the filter reaches (zeros past the line's ends).
fn hot_peaks(samples: &[f32], phases: &[Taps], quiet: f32, ceiling: f32) -> Vec<(usize, f32)> {
    let magnitude = |s: f32| if s.is_finite() { s.abs() } else { f32::MAX };
    // The filter reaches HALF_TAPS - 1 samples back and HALF_TAPS ahead: never beyond the blocks
    // of 2 * HALF_TAPS on either side of a sample's own, so their maximum bounds what it sees.
    let block = 2 * HALF_TAPS;
    // Whether each block holds a sample over `quiet` (or one that is not finite, which `<=`
    // calls false), folded without branches so that it runs on whole vectors.
    #[allow(clippy::neg_cmp_op_on_partial_ord)] // `!(a <= b)` is meant: true for NaN too
    let blocks: Vec<bool> =
        samples.chunks(block).map(|chunk| chunk.iter().fold(false, |over, &s| over | !(s.abs() <= quiet))).collect();
    let loud = |b: usize| blocks[b.saturating_sub(1)..(b + 2).min(blocks.len())].contains(&true);
    let mut hot = Vec::new();
    let mut b = 0;
    while b < blocks.len() {
        if !loud(b) {
            b += 1;
            continue;
        }
        let first = b;
        while b < blocks.len() && loud(b) {
            b += 1;
        }
        let run = first * block..(b * block).min(samples.len());
        // The run with HALF_TAPS - 1 samples before it and HALF_TAPS after, zeros past the ends.
        let before = run.start.min(HALF_TAPS - 1);
        let after = (samples.len() - run.end).min(HALF_TAPS);
        let mut padded = vec![0.0f32; HALF_TAPS - 1 - before];
        padded.extend_from_slice(&samples[run.start - before..run.end + after]);
        padded.resize(run.len() + 2 * HALF_TAPS - 1, 0.0);
        let mut envelope: Vec<f32> = samples[run.clone()].iter().map(|&s| magnitude(s)).collect();
        interpolated_peaks(&padded, phases, &mut envelope);
        hot.extend(
            envelope.iter().enumerate().filter(|&(_, &peak)| peak > ceiling).map(|(i, &peak)| (run.start + i, peak)),
        );
    }
    hot
}

/// Raises `envelope` (one value per sample of a run) to the magnitude of the waveform between
/// samples, where `padded[n + k]` is sample n's k-th neighbour from HALF_TAPS - 1 before it.
/// Each phase is computed as one pass per tap over the whole run, which the compiler vectorizes.
fn interpolated_peaks(padded: &[f32], phases: &[Taps], envelope: &mut [f32]) {
    let len = envelope.len();
    let mut values = vec![0.0f32; len];
    for taps in phases {
        values.fill(0.0);
        for (k, &c) in taps.iter().enumerate() {
            for (v, &x) in values.iter_mut().zip(&padded[k..k + len]) {
                *v += c * x;
            }
        }
        for (peak, v) in envelope.iter_mut().zip(&values) {
            let v = v.abs();
            *peak = if v.is_finite() { peak.max(v) } else { f32::MAX };
        }
    }
}

/// The taps of one interpolation phase.
type Taps = [f32; 2 * HALF_TAPS];

/// Filter taps for the points a quarter, half and three quarters of the way to the next sample.
fn interpolation_phases() -> [Taps; 3] {
    let half = HALF_TAPS as f32;
    [0.25f32, 0.5, 0.75].map(|fraction| {
        std::array::from_fn(|k| {
            let t = fraction - (k as f32 - (half - 1.0));
            let window = 0.5 + 0.5 * (std::f32::consts::PI * t / half).cos();
            sinc(t) * window
        })
    })
}

fn sinc(t: f32) -> f32 {
    if t.abs() < 1e-6 {
        return 1.0;
    }
    let x = std::f32::consts::PI * t;
    x.sin() / x
}

/// Lets the gain rise back towards 1 no faster than an exponential with `release` samples'
/// time constant, but fall at once: it never exceeds its input, so the limit still holds.
/// Computed as the depth under 1, which recovers by a constant factor per sample; where the
/// input is 1 that is a power series, done eight samples at a time.
fn with_release(gain: &mut [f32], release: f32) {
    const LANES: usize = 8;
    let factor = (-1.0 / release).exp();
    let powers: [f32; LANES] = std::array::from_fn(|k| factor.powi(k as i32 + 1));
    let mut depth = 0.0f32;
    for block in gain.chunks_mut(LANES) {
        if block.len() == LANES && block.iter().all(|&g| g >= 1.0) {
            if depth == 0.0 {
                continue;
            }
            for (g, power) in block.iter_mut().zip(&powers) {
                let d = depth * power;
                *g = if d < RELEASE_END { 1.0 } else { 1.0 - d };
            }
            depth *= powers[LANES - 1];
            if depth < RELEASE_END {
                depth = 0.0;
            }
            continue;
        }
        for g in block {
            let mut d = (depth * factor).max(1.0 - *g);
            if *g >= 1.0 && d < RELEASE_END {
                d = 0.0;
            }
            *g = 1.0 - d;
            depth = d;
        }
    }
}

/// Centered moving average over `radius` samples on either side. Averaging a running minimum of
/// the same radius never exceeds the value it was taken from, so smoothing keeps the limit.
/// Past the edges the edge value repeats, which keeps that true at the ends too.
fn box_smooth(values: &[f32], radius: usize) -> Vec<f32> {
    let Some(last) = values.len().checked_sub(1) else {
        return Vec::new();
    };
    let at = |i: isize| f64::from(values[i.clamp(0, last as isize) as usize]);
    let r = radius as isize;
    let mut sum: f64 = (-r..=r).map(|i| at(i - 1)).sum();
    let width = (2 * radius + 1) as f64;
    (0..values.len() as isize)
        .map(|n| {
            sum += at(n + r) - at(n - r - 1);
            (sum / width) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each sample's true peak to the next sample, computed the plain way: every sample, every
    /// phase, every tap, with zeros past the ends.
    fn plain_envelope(samples: &[f32]) -> Vec<f32> {
        let at = |i: isize| if i < 0 || i >= samples.len() as isize { 0.0 } else { samples[i as usize] };
        (0..samples.len() as isize)
            .map(|n| {
                interpolation_phases().iter().fold(samples[n as usize].abs(), |peak, taps| {
                    let v: f32 =
                        taps.iter().enumerate().map(|(k, &c)| c * at(n + k as isize - (HALF_TAPS as isize - 1))).sum();
                    peak.max(v.abs())
                })
            })
            .collect()
    }

    /// The limiter's gain computed the plain way, over every sample of the line: the smallest
    /// need within `attack`, averaged over `attack` (edges repeated), then the release.
    fn plain_gain(needed: &[f32], attack: usize, release: f32) -> Vec<f32> {
        let held: Vec<f32> = (0..needed.len())
            .map(|i| {
                needed[i.saturating_sub(attack)..(i + attack + 1).min(needed.len())]
                    .iter()
                    .fold(1.0f32, |m, &v| m.min(v))
            })
            .collect();
        let at = |i: isize| f64::from(held[i.clamp(0, held.len() as isize - 1) as usize]);
        let mut gain: Vec<f32> = (0..held.len() as isize)
            .map(|n| {
                ((n - attack as isize..=n + attack as isize).map(at).sum::<f64>() / (2 * attack + 1) as f64) as f32
            })
            .collect();
        with_release(&mut gain, release);
        gain
    }

    #[test]
    fn release_follows_the_plain_recurrence() {
        // Dips of every depth and spacing, some within a release of each other, one at the end.
        let mut input = vec![1.0f32; 20_000];
        for (at, depth, len) in [(3, 0.5, 10), (900, 0.9, 1), (1_000, 0.2, 300), (9_000, 0.999, 5), (19_990, 0.4, 10)] {
            input[at..at + len].iter_mut().for_each(|g| *g = depth);
        }
        let release = 1_920.0;
        let mut fast = input.clone();
        with_release(&mut fast, release);
        let step = 1.0 - (-1.0 / release).exp();
        let mut current = 1.0f32;
        for (i, (&g, &f)) in input.iter().zip(&fast).enumerate() {
            current = g.min(current + (1.0 - current) * step);
            if current > 1.0 - RELEASE_END && g >= 1.0 {
                current = 1.0;
            }
            // Rounding may move the end of a release by a sample: a step of RELEASE_END there.
            let tolerance = if current == 1.0 || f == 1.0 { RELEASE_END * 1.01 } else { 1e-5 };
            assert!((current - f).abs() <= tolerance, "sample {i}: {current} vs {f}");
            assert!(f <= g, "sample {i}: the release rose over its input");
        }
        assert_eq!(fast[15_000], 1.0, "the release ends");
    }

    fn sine(amplitude: f32, seconds: f32) -> Pcm {
        let rate = 24_000;
        let n = (rate as f32 * seconds) as usize;
        let step = 2.0 * std::f32::consts::PI * 997.0 / rate as f32;
        Pcm::new((0..n).map(|i| amplitude * (step * i as f32).sin()).collect(), rate)
    }

    fn true_peak_dbtp(pcm: &Pcm) -> f64 {
        let mut meter = EbuR128::new(1, pcm.sample_rate, Mode::TRUE_PEAK).unwrap();
        meter.add_frames_f32(&pcm.samples).unwrap();
        20.0 * meter.true_peak(0).unwrap().log10()
    }

    fn voice_gain(lines: &[Pcm]) -> f32 {
        let mut voice = VoiceLoudness::new();
        lines.iter().for_each(|line| voice.add(line).unwrap());
        voice.gain(DEFAULT_TARGET_LUFS)
    }

    #[test]
    fn voices_12_db_apart_end_within_1_lu() {
        let loud: Vec<Pcm> = (0..4).map(|_| sine(0.5, 1.0)).collect();
        let quiet: Vec<Pcm> = (0..4).map(|_| sine(0.125, 1.0)).collect();
        let before = integrated_loudness(&loud[0]).unwrap().unwrap() - integrated_loudness(&quiet[0]).unwrap().unwrap();
        assert!((before - 12.0).abs() < 0.1, "{before}");
        let loud_after = loud[0].clone().with_gain(voice_gain(&loud));
        let quiet_after = quiet[0].clone().with_gain(voice_gain(&quiet));
        let a = integrated_loudness(&loud_after).unwrap().unwrap();
        let b = integrated_loudness(&quiet_after).unwrap().unwrap();
        assert!((a - b).abs() < 1.0, "{a} vs {b}");
        assert!((a - DEFAULT_TARGET_LUFS).abs() < 1.0, "{a}");
    }

    #[test]
    fn one_gain_per_voice_keeps_its_lines_apart() {
        // A whispered and a normal line of the same voice keep their 6 dB difference.
        let lines = [sine(0.4, 1.0), sine(0.2, 1.0)];
        let gain = voice_gain(&lines);
        let a = integrated_loudness(&lines[0].clone().with_gain(gain)).unwrap().unwrap();
        let b = integrated_loudness(&lines[1].clone().with_gain(gain)).unwrap().unwrap();
        assert!((a - b - 6.02).abs() < 0.1, "{a} {b}");
    }

    #[test]
    fn parts_measured_apart_combine_to_the_whole() {
        // Ten lines at four levels, measured in one go and in three parts.
        let lines: Vec<Pcm> = (0..10).map(|i| sine([0.5, 0.3, 0.1, 0.05][i % 4], 1.3)).collect();
        let mut whole = VoiceLoudness::new();
        lines.iter().for_each(|line| whole.add(line).unwrap());
        let parts = lines.chunks(4).map(|chunk| {
            let mut part = VoiceLoudness::new();
            chunk.iter().for_each(|line| part.add(line).unwrap());
            part
        });
        let combined = VoiceLoudness::combine(parts);
        let (a, b) = (whole.loudness().unwrap(), combined.loudness().unwrap());
        assert!((a - b).abs() < 0.1, "{a} vs {b}");
        // The quietest part alone is far from the whole: combining really uses every part.
        let mut quiet = VoiceLoudness::new();
        quiet.add(&lines[3]).unwrap();
        assert!((quiet.loudness().unwrap() - a).abs() > 3.0);
        // Silent parts and no parts change nothing.
        let silent = || {
            let mut part = VoiceLoudness::new();
            part.add(&Pcm::new(vec![0.0; 48_000], 24_000)).unwrap();
            part
        };
        let with_silence = VoiceLoudness::combine([silent(), combined, silent(), VoiceLoudness::new()]);
        assert!((with_silence.loudness().unwrap() - b).abs() < 1e-9);
        assert_eq!(VoiceLoudness::combine([silent()]).loudness(), None);
    }

    #[test]
    fn silence_gives_unit_gain() {
        let mut voice = VoiceLoudness::new();
        assert_eq!(voice.gain(DEFAULT_TARGET_LUFS), 1.0);
        voice.add(&Pcm::new(vec![0.0; 48_000], 24_000)).unwrap();
        voice.add(&Pcm::new(Vec::new(), 24_000)).unwrap();
        assert_eq!(voice.loudness(), None);
        assert_eq!(voice.gain(DEFAULT_TARGET_LUFS), 1.0);
        assert_eq!(integrated_loudness(&Pcm::default()).ok().flatten(), None);
    }

    #[test]
    fn near_silence_gain_is_bounded() {
        let gain = voice_gain(&[sine(1e-4, 1.0)]);
        assert!(gain.is_finite() && gain <= db_to_gain(MAX_GAIN_DB as f32) * 1.0001);
    }

    #[test]
    fn non_finite_samples_do_not_poison_gain() {
        let mut line = sine(0.5, 1.0);
        line.samples[100] = f32::NAN;
        line.samples[200] = f32::INFINITY;
        let gain = voice_gain(&[line.clone()]);
        assert!(gain.is_finite() && gain > 0.0);
        let out = line.with_gain(gain);
        assert!(out.samples.iter().all(|s| s.is_finite()));
    }

    #[test]
    fn mixed_rates_in_one_voice_are_an_error() {
        let mut voice = VoiceLoudness::new();
        voice.add(&Pcm::new(vec![0.1; 100], 24_000)).unwrap();
        let err = voice.add(&Pcm::new(vec![0.1; 100], 16_000)).unwrap_err();
        assert!(matches!(err, AudioError::RateMismatch { expected: 24_000, found: 16_000 }));
        assert!(VoiceLoudness::new().add(&Pcm::new(vec![0.1; 4], 0)).is_err());
    }

    #[test]
    fn limiter_holds_true_peak_on_clipped_audio() {
        let mut clipped = sine(2.0, 1.0);
        clipped.samples.iter_mut().for_each(|s| *s = s.clamp(-1.0, 1.0));
        assert!(true_peak_dbtp(&clipped) > -0.1);
        limit_true_peak(&mut clipped, DEFAULT_CEILING_DBTP);
        let peak = true_peak_dbtp(&clipped);
        assert!(peak < f64::from(DEFAULT_CEILING_DBTP), "{peak} dBTP");
        // The limiter lowers peaks, it does not empty the line.
        assert!(clipped.rms() > 0.5, "{}", clipped.rms());
    }

    #[test]
    fn limiter_holds_inter_sample_peaks() {
        // A quarter-rate sine sampled off its crests: samples at 0.92 hide peaks near 1.3.
        let n = 24_000;
        let samples = (0..n)
            .map(|i| 1.3 * (std::f32::consts::PI / 2.0 * i as f32 + std::f32::consts::PI / 4.0).sin())
            .map(|s| s.clamp(-0.92, 0.92))
            .collect();
        let mut pcm = Pcm::new(samples, 24_000);
        limit_true_peak(&mut pcm, DEFAULT_CEILING_DBTP);
        assert!(true_peak_dbtp(&pcm) < f64::from(DEFAULT_CEILING_DBTP));
    }

    #[test]
    fn limiter_only_lowers_around_a_short_peak() {
        let mut pcm = sine(0.3, 2.0);
        pcm.samples[12_000] = 1.0;
        let original = pcm.clone();
        limit_true_peak(&mut pcm, DEFAULT_CEILING_DBTP);
        assert!(true_peak_dbtp(&pcm) < f64::from(DEFAULT_CEILING_DBTP));
        // Far from the peak the audio is unchanged.
        assert!(pcm.samples[..10_000] == original.samples[..10_000]);
        assert!(pcm.samples[30_000..] == original.samples[30_000..]);
    }

    #[test]
    fn limiter_leaves_quiet_audio_untouched() {
        let quiet = sine(0.5, 1.0);
        let mut limited = quiet.clone();
        limit_true_peak(&mut limited, DEFAULT_CEILING_DBTP);
        assert_eq!(limited, quiet);
        let mut empty = Pcm::default();
        limit_true_peak(&mut empty, DEFAULT_CEILING_DBTP);
    }

    #[test]
    fn limiting_spans_gives_what_limiting_the_whole_line_does() {
        // Loud bursts with gaps of every size between them: apart, overlapping, at the edges.
        let mut pcm = sine(0.2, 3.0);
        for (start, len) in [(0, 300), (5_000, 50), (9_000, 2_000), (11_500, 10), (40_000, 4_000), (71_800, 200)] {
            for (i, s) in pcm.samples[start..start + len].iter_mut().enumerate() {
                *s = if i % 7 < 3 { 1.2 } else { -1.1 };
            }
        }
        let mut fast = pcm.clone();
        limit_true_peak(&mut fast, DEFAULT_CEILING_DBTP);

        // The same gain computed over every sample of the line.
        let ceiling = db_to_gain(DEFAULT_CEILING_DBTP - MARGIN_DB);
        let envelope = plain_envelope(&pcm.samples);
        let needed: Vec<f32> = envelope.iter().map(|&peak| (ceiling / peak).min(1.0)).collect();
        let attack = (ATTACK_MS / 1000.0 * 24_000.0) as usize;
        let release = RELEASE_MS / 1000.0 * 24_000.0;
        let gain = plain_gain(&needed, attack, release);
        let mut whole = pcm.clone();
        for (sample, g) in whole.samples.iter_mut().zip(gain) {
            if g < 1.0 - 1e-6 {
                *sample *= g;
            }
        }
        let worst = fast.samples.iter().zip(&whole.samples).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst < 1e-5, "differs by {worst}");
        assert!(true_peak_dbtp(&fast) < f64::from(DEFAULT_CEILING_DBTP));
    }

    #[test]
    fn spans_merge_where_they_touch() {
        assert_eq!(spans([10, 12, 30], 2, 3, 100), vec![8..16, 28..34]);
        assert_eq!(spans([0, 99], 5, 5, 100), vec![0..6, 94..100]);
        assert_eq!(spans([], 5, 5, 100), Vec::<std::ops::Range<usize>>::new());
    }
}

//! One gain per voice, matching every voice to the same loudness.
//!
//! Each voice is measured over its first lines in script order, about two minutes of speech:
//! enough to be representative, and bounded however long the book. The sample is measured in
//! parts side by side, so the narrator, who speaks most of a book, does not keep the other cores
//! waiting; what is measured depends only on the plan and the cast, never on `--jobs`.

use super::{Assembly, Damaged, Read};
use crate::audio::loudness::{DEFAULT_TARGET_LUFS, VoiceLoudness};
use crate::audio::{self};
use crate::error::Result;
use crate::schedule::Slots;
use crate::synth::Outcome;
use std::sync::Arc;

/// Speech measured per voice for its loudness, in characters of spoken text: about two minutes.
const SAMPLE_CHARS: usize = 1_800;
/// Text measured by one meter, about 20 s of speech. A part, like the whole sample, takes lines
/// until it reaches its size: it runs over by at most one line.
const PART_CHARS: usize = 300;

/// Lines of one voice measured by one meter.
struct Part {
    voice: usize,
    jobs: Vec<usize>,
    chars: usize,
}

/// Each voice's first lines in script order, cut into parts.
fn parts(assembly: &Assembly) -> Vec<Part> {
    let voices = assembly.plan.voices.len();
    let mut parts: Vec<Part> = Vec::new();
    let mut sampled = vec![0usize; voices];
    let mut open: Vec<Option<usize>> = vec![None; voices];
    for (j, (job, outcome)) in assembly.plan.jobs.iter().zip(&assembly.outcomes).enumerate() {
        let Outcome::Audio { voice, .. } = outcome else { continue };
        if sampled[*voice] >= SAMPLE_CHARS {
            continue;
        }
        let part = match open[*voice] {
            Some(part) if parts[part].chars < PART_CHARS => part,
            _ => {
                parts.push(Part { voice: *voice, jobs: Vec::new(), chars: 0 });
                open[*voice] = Some(parts.len() - 1);
                parts.len() - 1
            }
        };
        let chars = job.spoken.chars().count();
        parts[part].jobs.push(j);
        parts[part].chars += chars;
        sampled[*voice] += chars;
    }
    parts
}

/// One gain per voice of the plan, or the pieces found damaged on the way.
pub async fn measure(assembly: Arc<Assembly>, slots: &Slots) -> Result<std::result::Result<Vec<f32>, Damaged>> {
    let parts = parts(&assembly);
    let a = assembly.clone();
    let measure_part = Arc::new(move |part: &Part| -> Result<(VoiceLoudness, Vec<usize>)> {
        let (mut meter, mut damaged) = (VoiceLoudness::new(), Vec::new());
        for &j in &part.jobs {
            match a.read(j) {
                // A line the narrator speaks instead tells nothing of this voice's loudness.
                Read::Audio(voice, pcm) if voice == part.voice => {
                    meter.add(&pcm.trim_silence(audio::TRIM_THRESHOLD_DBFS, audio::TRIM_KEEP_MS))?;
                }
                Read::Damaged => damaged.push(j),
                Read::Audio(..) | Read::Silent(_) => {}
            }
        }
        Ok((meter, damaged))
    });
    let shared: Arc<Vec<Part>> = Arc::new(parts);
    let items: Vec<usize> = (0..shared.len()).collect();
    let parts_of = shared.clone();
    let measured = slots.map(items, Arc::new(move |n: usize| measure_part(&parts_of[n]))).await;
    let mut per_voice: Vec<Vec<VoiceLoudness>> = assembly.plan.voices.iter().map(|_| Vec::new()).collect();
    let mut damaged = Vec::new();
    for (part, result) in shared.iter().zip(measured) {
        let (meter, bad) = result?;
        per_voice[part.voice].push(meter);
        damaged.extend(bad);
    }
    if !damaged.is_empty() {
        return Ok(Err(Damaged(damaged)));
    }
    Ok(Ok(per_voice.into_iter().map(|meters| VoiceLoudness::combine(meters).gain(DEFAULT_TARGET_LUFS)).collect()))
}

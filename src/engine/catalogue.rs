//! How intelligible each voice is, as measured, and the order voices are offered in.
//!
//! The figures are 1 - WER: each voice read the same ~60 words of plain prose (written for the
//! purpose; `scripts/measure-voices.sh`), and the pocketsphinx recognizer behind
//! `../shared/eval/asr_wer.py` transcribed it. Measured 2026-11-20 on the Debian development machine
//! (espeak-ng 1.51, flite 2.2, festival 2.5.0, flite-rs 0.2.0); rerun the script and paste its
//! output here after changing an engine. The recognizer is itself imperfect and was trained on
//! natural speech, so the figures rank voices rather than promise a listener's experience. One
//! 63-word passage per voice is a small sample: differences under ~0.1 are noise. espeak-ng's
//! formant voices score far below the recorded ones (rendering with the espeak-ng CLI directly
//! gives the same figures, so this is the recognizer's view of formant speech, not a rendering
//! fault); among them the klatt variants and `+f2` are clearly the most recognizable.
//! Voices not in the table (most espeak-ng accent x variant combinations) are unmeasured and
//! report `None`.

use super::VoiceInfo;

/// (engine, voice id, 1 - WER).
pub static MEASURED: &[(&str, &str, f32)] = &[
    ("flite", "slt", 0.76),                      // WER 0.2381
    ("flite", "rms", 0.92),                      // WER 0.0794
    ("flite", "awb", 0.83),                      // WER 0.1746
    ("flite", "kal16", 0.79),                    // WER 0.2063
    ("festival", "cmu_us_slt_arctic_hts", 0.75), // WER 0.254
    ("festival", "kal_diphone", 0.70),           // WER 0.3016
    ("embedded", "kal16", 0.79),                 // WER 0.2063
    ("embedded", "kal16-low", 0.71),             // WER 0.2857
    ("embedded", "kal16-high", 0.83),            // WER 0.1746
    ("embedded", "kal16-fast", 0.73),            // WER 0.2698
    ("embedded", "kal16-slow", 0.87),            // WER 0.127
    ("embedded", "kal16-deep", 0.84),            // WER 0.1587
    ("espeak-ng", "en-us", 0.22),                // WER 0.7778
    ("espeak-ng", "en", 0.13),                   // WER 0.873 (measured as "en-gb", the same voice)
    ("espeak-ng", "en-gb-x-rp", 0.16),           // WER 0.8413
    ("espeak-ng", "en-gb-scotland", 0.06),       // WER 0.9365
    ("espeak-ng", "en-gb-x-gbclan", 0.10),       // WER 0.9048
    ("espeak-ng", "en-gb-x-gbcwmd", 0.13),       // WER 0.873
    ("espeak-ng", "en-029", 0.08),               // WER 0.9206
    ("espeak-ng", "en-us-nyc", 0.10),            // WER 0.9048
    ("espeak-ng", "en-us+m1", 0.22),             // WER 0.7778
    ("espeak-ng", "en-us+m3", 0.16),             // WER 0.8413
    ("espeak-ng", "en-us+m7", 0.14),             // WER 0.8571
    ("espeak-ng", "en-us+f1", 0.19),             // WER 0.8095
    ("espeak-ng", "en-us+f2", 0.49),             // WER 0.5079
    ("espeak-ng", "en-us+f3", 0.24),             // WER 0.7619
    ("espeak-ng", "en-us+f4", 0.06),             // WER 0.9365
    ("espeak-ng", "en-us+f5", 0.32),             // WER 0.6825
    ("espeak-ng", "en-us+klatt", 0.51),          // WER 0.4921
    ("espeak-ng", "en-us+klatt2", 0.49),         // WER 0.5079
    ("espeak-ng", "en-us+klatt4", 0.46),         // WER 0.5397
    ("espeak-ng", "en-gb-x-rp+m3", 0.11),        // WER 0.8889
    ("espeak-ng", "en-gb-x-rp+f3", 0.17),        // WER 0.8254
    ("espeak-ng", "en-gb-x-rp+klatt", 0.22),     // WER 0.7778
    ("espeak-ng", "en-gb-scotland+f2", 0.10),    // WER 0.9048
    ("espeak-ng", "en-us+Alicia", 0.05),         // WER 0.9524
    ("espeak-ng", "en-us+whisper", 0.16),        // WER 0.8413
];

/// How natural each voice sounds, as measured: DNSMOS OVRL, a predicted listener rating from 1 to
/// 5 (`../shared/eval/naturalness.py`, each voice's rendition of the measurement passage of
/// `scripts/measure-voices.sh`; P.808 in the comment). The model hears signal artefacts (buzz,
/// vocoder and concatenation colouring, processing), not prosody: OVRL puts the neural voices
/// (3.34 and up) above every classical one (3.26 at most), where P.808 ranks some HTS and diphone
/// voices with them. Measured 2026-12-01 on the Debian development machine. (engine, voice id, OVRL.)
pub static NATURALNESS: &[(&str, &str, f32)] = &[
    ("piper", "en_US-joe-medium", 3.41),         // P.808 4.17
    ("flite", "rms", 3.22),                      // P.808 3.64
    ("flite", "slt", 2.80),                      // P.808 3.61
    ("flite", "awb", 2.91),                      // P.808 3.63
    ("flite", "kal16", 3.26),                    // P.808 3.89
    ("festival", "cmu_us_slt_arctic_hts", 3.05), // P.808 3.91
    ("festival", "kal_diphone", 2.98),           // P.808 3.89
    ("embedded", "kal16", 3.26),                 // P.808 3.89
    ("embedded", "kal16-slow", 3.15),            // P.808 3.76
    ("embedded", "kal16-deep", 1.89),            // P.808 3.23
    ("espeak-ng", "en-us", 3.15),                // P.808 3.80
    ("espeak-ng", "en-us+f2", 2.81),             // P.808 3.56
    ("espeak-ng", "en-us+f3", 2.70),             // P.808 3.43
    ("espeak-ng", "en-us+f5", 2.75),             // P.808 3.51
    ("espeak-ng", "en-us+klatt", 3.18),          // P.808 3.56
];

/// From this OVRL up a voice sounds natural enough to cast before every classical voice.
pub const NATURAL_OVRL: f32 = 3.3;

/// Below this OVRL a voice is heard as rough (buzz, processing artefacts): cast only when no
/// other voice of the same standing is left. A book's gate is 2.8; a voice's lines in a render
/// scored up to 0.06 below its measurement passage (flite slt: 2.80 here, 2.74 in a book).
pub const ROUGH_OVRL: f32 = 2.85;

/// Engines whose voices are neural: a voice of theirs not yet measured is taken to score
/// [`NATURAL_OVRL`].
pub const NEURAL_ENGINES: &[&str] = &["piper"];

/// A voice's naturalness (OVRL): measured, else assumed for a neural engine's voice, else unknown.
pub fn naturalness(engine: &str, voice: &str) -> Option<f32> {
    let measured = NATURALNESS.iter().find(|m| m.0 == engine && m.1 == voice).map(|m| m.2);
    measured.or_else(|| NEURAL_ENGINES.contains(&engine).then_some(NATURAL_OVRL))
}

/// Whether a voice sounds natural by that measure.
pub fn sounds_natural(engine: &str, voice: &str) -> bool {
    naturalness(engine, voice).is_some_and(|n| n >= NATURAL_OVRL)
}

/// Whether a voice was measured rough (see [`ROUGH_OVRL`]).
pub fn sounds_rough(engine: &str, voice: &str) -> bool {
    naturalness(engine, voice).is_some_and(|n| n < ROUGH_OVRL)
}

/// The measured intelligibility of a voice, if it was measured.
pub fn intelligibility(engine: &str, voice: &str) -> Option<f32> {
    MEASURED.iter().find(|m| m.0 == engine && m.1 == voice).map(|m| m.2)
}

/// The recorded person behind a voice, where several voices share one: flite's slt and
/// festival's cmu_us_slt_arctic_hts are both "slt" (CMU ARCTIC's SLT), flite's kal16, festival's
/// kal_diphone and the embedded kal16 are all "kal". Voices of one speaker sound like one person,
/// however they are synthesized. An embedded preset's own pitch and rate make it a speaker of its
/// own ("kal-low"). A Piper voice is its model's dataset (`en_US-lessac-low` and
/// `en_US-lessac-high` are both "lessac"), with the speaker's name for a multi-speaker model
/// ("vctk#p239"); the speakers of CMU ARCTIC models are the same people as flite's and
/// festival's voices of them (`en_US-arctic-medium#slt` is "slt"). `None` for voices that are
/// their own speaker: espeak-ng's formant voices, and the system voices of say and SAPI, each a
/// different person.
pub fn speaker(engine: &str, id: &str) -> Option<String> {
    if engine == "piper" {
        return Some(piper_speaker(id));
    }
    if !matches!(engine, "flite" | "festival" | "embedded") {
        return None;
    }
    let (base, preset) = match id.split_once('-') {
        Some((base, preset)) if engine == "embedded" => (base, Some(preset)),
        _ => (id, None),
    };
    let base = base.to_ascii_lowercase();
    let base = ["cmu_us_", "nitech_us_", "cstr_us_"].iter().find_map(|p| base.strip_prefix(p)).unwrap_or(&base);
    // The speaker's code comes first ("slt_arctic_hts", "kal_diphone", "us1_mbrola"); a few
    // voices add their sample rate to it.
    let code = base.split('_').next().unwrap_or_default();
    let name = SAME_SPEAKER.iter().find(|(voice, _)| *voice == code).map_or(code, |(_, speaker)| speaker).to_string();
    if name.is_empty() {
        return None;
    }
    Some(match preset {
        Some(preset) => format!("{name}-{preset}"),
        None => name,
    })
}

/// The person behind a Piper voice: Piper names its models `LANGUAGE-DATASET-QUALITY`.
fn piper_speaker(id: &str) -> String {
    let (model, speaker) = match id.split_once('#') {
        Some((model, speaker)) => (model, Some(speaker)),
        None => (id, None),
    };
    let parts: Vec<&str> = model.split('-').collect();
    let dataset = if parts.len() == 3 { parts[1] } else { model }.to_ascii_lowercase();
    match speaker {
        Some(speaker) if dataset == "arctic" => speaker.to_ascii_lowercase(),
        Some(speaker) => format!("{dataset}#{speaker}"),
        None => dataset,
    }
}

/// Voice codes that name a speaker known under a shorter one: kal16 is CMU's kal at 16 kHz.
const SAME_SPEAKER: &[(&str, &str)] = &[("kal16", "kal")];

/// Measured voices first, most intelligible first; the rest keep their order after them.
pub fn best_first(mut voices: Vec<VoiceInfo>) -> Vec<VoiceInfo> {
    // A stable sort keeps the engine's own order among equals and among the unmeasured.
    voices.sort_by(|a, b| {
        let score = |v: &VoiceInfo| v.intelligibility.unwrap_or(-1.0);
        score(b).total_cmp(&score(a))
    });
    voices
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::Gender;

    fn voice(id: &str, intelligibility: Option<f32>) -> VoiceInfo {
        VoiceInfo {
            engine: "x".into(),
            id: id.into(),
            accent: "en-US".into(),
            gender: Gender::Unknown,
            natural: false,
            intelligibility,
        }
    }

    #[test]
    fn measured_voices_come_first_best_first() {
        let sorted = best_first(vec![voice("a", None), voice("b", Some(0.5)), voice("c", None), voice("d", Some(0.9))]);
        let ids: Vec<&str> = sorted.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["d", "b", "a", "c"]);
    }

    #[test]
    fn voices_of_one_recorded_speaker_share_it() {
        for (engine, id) in
            [("flite", "slt"), ("festival", "cmu_us_slt_arctic_hts"), ("festival", "nitech_us_slt_arctic_hts")]
        {
            assert_eq!(speaker(engine, id).as_deref(), Some("slt"), "{engine} {id}");
        }
        for (engine, id) in [("flite", "kal16"), ("flite", "kal"), ("festival", "kal_diphone"), ("embedded", "kal16")] {
            assert_eq!(speaker(engine, id).as_deref(), Some("kal"), "{engine} {id}");
        }
        assert_eq!(speaker("embedded", "kal16-low").as_deref(), Some("kal-low"));
        assert_eq!(speaker("festival", "ked_diphone").as_deref(), Some("ked"));
        // Festival's MBROLA voices are three different people.
        let mbrola: Vec<_> =
            ["us1_mbrola", "us2_mbrola", "us3_mbrola"].iter().map(|v| speaker("festival", v)).collect();
        assert_eq!(mbrola, [Some("us1".into()), Some("us2".into()), Some("us3".into())]);
        assert_eq!(speaker("espeak-ng", "en-us+f3"), None);
        // Piper: a dataset is a person, whatever the model's quality; a multi-speaker model's
        // speakers are each their own, and CMU ARCTIC's are the people flite and festival voice.
        assert_eq!(speaker("piper", "en_US-lessac-low"), speaker("piper", "en_US-lessac-high"));
        assert_eq!(speaker("piper", "en_US-joe-medium").as_deref(), Some("joe"));
        assert_eq!(speaker("piper", "en_GB-vctk-medium#p239").as_deref(), Some("vctk#p239"));
        assert_ne!(speaker("piper", "en_GB-vctk-medium#p239"), speaker("piper", "en_GB-vctk-medium#p240"));
        assert_eq!(speaker("piper", "en_US-arctic-medium#slt"), speaker("flite", "slt"));
        assert_eq!(speaker("piper", "my-voice").as_deref(), Some("my-voice"));
        assert_eq!(speaker("say", "Samantha"), None);
    }

    #[test]
    fn neural_voices_sound_natural_unless_measured_otherwise() {
        assert!(sounds_natural("piper", "some-voice-nobody-measured"));
        assert!(!sounds_natural("flite", "rms"));
        assert!(NATURALNESS.iter().all(|m| (1.0..=5.0).contains(&m.2)));
        assert!(!sounds_rough("piper", "some-voice-nobody-measured"));
        for (engine, voice, _) in NATURALNESS {
            assert_eq!(sounds_natural(engine, voice), NEURAL_ENGINES.contains(engine), "{engine} {voice}");
        }
    }

    #[test]
    fn table_is_sane() {
        assert!(MEASURED.iter().all(|m| (0.0..=1.0).contains(&m.2)));
        assert_eq!(intelligibility("flite", "rms"), Some(0.92));
        assert_eq!(intelligibility("flite", "nope"), None);
    }
}

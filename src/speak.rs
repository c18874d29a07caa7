//! Live speech: reads lines aloud through the platform's speech service (speech-dispatcher on
//! Linux, AVFoundation on macOS, SAPI on Windows) with the `tts` crate. Only in builds with the
//! `speak` feature; it cannot write files, so rendering never uses it.

use std::time::Duration;

/// The speech service failed.
#[derive(Debug, thiserror::Error)]
#[error("live speech failed: {0} (is the speech service running? on Linux: speech-dispatcher)")]
pub struct SpeakError(String);

/// One line to say: who says it (`None` for the narrator) and the spoken text.
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    pub speaker: Option<String>,
    pub text: String,
}

/// Says every line in order, waiting for each to finish; each speaker gets a voice of their own
/// where the service has several, and a pitch of their own where it can change pitch.
pub fn say_all(lines: &[Utterance]) -> Result<(), SpeakError> {
    let err = |e: tts::Error| SpeakError(e.to_string());
    let mut tts = tts::Tts::default().map_err(err)?;
    let features = tts.supported_features();
    let voices = if features.voice { tts.voices().unwrap_or_default() } else { Vec::new() };
    let mut speakers: Vec<Option<String>> = vec![None];
    for line in lines {
        let slot = match speakers.iter().position(|s| *s == line.speaker) {
            Some(i) => i,
            None => {
                speakers.push(line.speaker.clone());
                speakers.len() - 1
            }
        };
        if let Some(voice) = voices.get(slot % voices.len().max(1)).filter(|_| voices.len() > 1) {
            tts.set_voice(voice).map_err(err)?;
        }
        if features.pitch {
            let step = (tts.max_pitch() - tts.normal_pitch()) / 6.0;
            let offset = if slot % 2 == 1 { step } else { -step } * (slot as f32 / 2.0).ceil().min(3.0);
            tts.set_pitch((tts.normal_pitch() + offset).clamp(tts.min_pitch(), tts.max_pitch())).map_err(err)?;
        }
        tts.speak(line.text.as_str(), false).map_err(err)?;
        wait(&tts, features.is_speaking, &line.text);
    }
    Ok(())
}

/// Waits for the current utterance, or for a time sized to the text when the service cannot say
/// whether it is still speaking.
fn wait(tts: &tts::Tts, can_ask: bool, text: &str) {
    if !can_ask {
        let words = text.split_whitespace().count() as u64;
        std::thread::sleep(Duration::from_millis(400 + words * 400));
        return;
    }
    std::thread::sleep(Duration::from_millis(100));
    while tts.is_speaking().unwrap_or(false) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

//! A scriptable stand-in for a speech engine, for render tests that must not depend on what is
//! installed and must be able to make chosen lines fail in chosen ways.
#![allow(dead_code)]

use audiobook::attribute::Character;
use audiobook::audio::Pcm;
use audiobook::cast::{Cast, Member};
use audiobook::engine::{Engine, EngineError, Engines, VoiceInfo};
use audiobook::voice::{Prosody, Voice};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const NAME: &str = "fake";
/// The fake's output rate: deliberately not the book's 24 kHz, so the resampler is exercised.
pub const RATE: u32 = 16_000;

/// How a line goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The engine's process exits with an error, every time.
    Crash,
    /// Crashes on the first attempt only, as a flaky engine does.
    CrashOnce,
    /// The engine is stopped by its timeout. The fake sleeps briefly first, so the render really
    /// has a slow task in flight next to the healthy ones, then reports what a real engine's
    /// watchdog reports.
    Hang,
    /// The engine "succeeds" with no samples.
    Empty,
    /// The engine "succeeds" with digital silence, which is no speech either.
    Silent,
    /// The voice does not exist: not worth a retry.
    UnknownVoice,
    /// The engine "succeeds" with a valid tone at a sample rate of 1 Hz, as a lying engine did.
    AbsurdRate,
}

struct Rule {
    /// Only this voice, or any voice.
    voice: Option<String>,
    /// The rule applies to lines whose text contains this.
    marker: String,
    fault: Fault,
}

/// A fake engine: a tone sized to the text (so lines differ in length like speech does), at a
/// per-voice level and pitch, except on lines a rule makes fail.
pub struct Fake {
    rules: Vec<Rule>,
    levels: HashMap<String, f32>,
    /// Every call to `synthesize`, failed or not.
    total: AtomicUsize,
    /// Calls per (voice, text), to check retries line by line.
    calls: Mutex<HashMap<(String, String), usize>>,
}

impl Default for Fake {
    fn default() -> Self {
        Fake::new()
    }
}

impl Fake {
    pub fn new() -> Fake {
        Fake {
            rules: Vec::new(),
            levels: HashMap::new(),
            total: AtomicUsize::new(0),
            calls: Mutex::new(HashMap::new()),
        }
    }

    /// Makes lines containing `marker` fail with `fault`, for `voice` only or for every voice.
    pub fn fail(mut self, voice: Option<&str>, marker: &str, fault: Fault) -> Fake {
        self.rules.push(Rule { voice: voice.map(str::to_string), marker: marker.to_string(), fault });
        self
    }

    /// Sets a voice's peak amplitude (default 0.3).
    pub fn level(mut self, voice: &str, amplitude: f32) -> Fake {
        self.levels.insert(voice.to_string(), amplitude);
        self
    }

    pub fn arc(self) -> Arc<Fake> {
        Arc::new(self)
    }

    pub fn total_calls(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    /// Calls made with `voice` for texts containing `marker`.
    pub fn calls(&self, voice: &str, marker: &str) -> usize {
        let calls = self.calls.lock().unwrap();
        calls.iter().filter(|((v, t), _)| v == voice && t.contains(marker)).map(|(_, n)| n).sum()
    }

    /// The distinct (voice, text) pairs asked for.
    pub fn texts(&self) -> Vec<(String, String)> {
        let mut v: Vec<_> = self.calls.lock().unwrap().keys().cloned().collect();
        v.sort();
        v
    }

    fn fault(&self, voice: &str, text: &str) -> Option<Fault> {
        self.rules
            .iter()
            .find(|r| r.voice.as_deref().is_none_or(|v| v == voice) && text.contains(&r.marker))
            .map(|r| r.fault)
    }
}

/// A cast of voices of `engine`: the narrator's, and (speaker, voice) for the characters.
pub fn cast_of(engine: &str, narrator: &str, speakers: &[(&str, &str)]) -> Cast {
    let member = |&(name, voice): &(&str, &str)| Member {
        character: Character { name: name.into(), aliases: vec![], gender: Default::default(), lines: 0, words: 0 },
        voice: Voice::new(engine, voice),
    };
    Cast { narrator: Voice::new(engine, narrator), members: speakers.iter().map(member).collect() }
}

/// A cast of the fake's voices.
pub fn cast(narrator: &str, speakers: &[(&str, &str)]) -> Cast {
    cast_of(NAME, narrator, speakers)
}

/// The fake as the only engine.
pub fn engines(engine: &Arc<Fake>) -> Engines {
    Engines::of(vec![engine.clone()])
}

/// A tone of about 60 ms per character between 50 ms of padding, like an engine's output.
pub fn tone(voice: &str, text: &str, amplitude: f32) -> Pcm {
    // A pitch per voice, so two voices are told apart by ear in a debugging session.
    let freq = 150.0 + 40.0 * (voice.bytes().map(u32::from).sum::<u32>() % 10) as f32;
    let pad = RATE as usize / 20;
    let body = RATE as usize * (6 + text.chars().count()) * 6 / 100;
    let step = 2.0 * std::f32::consts::PI * freq / RATE as f32;
    let mut samples = vec![0.0; pad];
    samples.extend((0..body).map(|i| amplitude * (step * i as f32).sin()));
    samples.extend(vec![0.0; pad]);
    Pcm::new(samples, RATE)
}

impl Engine for Fake {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> String {
        "1.0".to_string()
    }

    fn voices(&self) -> Vec<VoiceInfo> {
        Vec::new()
    }

    fn synthesize(&self, voice: &str, _prosody: Prosody, text: &str) -> Result<Pcm, EngineError> {
        self.total.fetch_add(1, Ordering::SeqCst);
        let attempt = {
            let mut calls = self.calls.lock().unwrap();
            let n = calls.entry((voice.to_string(), text.to_string())).or_insert(0);
            *n += 1;
            *n
        };
        let engine = NAME.to_string();
        match self.fault(voice, text) {
            Some(Fault::Crash) => {
                Err(EngineError::Crashed { engine, status: "exit status: 3".into(), stderr: "boom".into() })
            }
            Some(Fault::CrashOnce) if attempt == 1 => {
                Err(EngineError::Crashed { engine, status: "exit status: 3".into(), stderr: "once".into() })
            }
            Some(Fault::Hang) => {
                std::thread::sleep(Duration::from_millis(30));
                Err(EngineError::TimedOut { engine, secs: 1 })
            }
            Some(Fault::Empty) => Ok(Pcm::new(Vec::new(), RATE)),
            Some(Fault::Silent) => Ok(Pcm::new(vec![0.0; RATE as usize], RATE)),
            Some(Fault::UnknownVoice) => Err(EngineError::UnknownVoice { engine, voice: voice.to_string() }),
            Some(Fault::AbsurdRate) => Ok(Pcm::new(tone(voice, text, 0.3).samples, 1)),
            Some(Fault::CrashOnce) | None => Ok(tone(voice, text, self.levels.get(voice).copied().unwrap_or(0.3))),
        }
    }
}

/// Segments `text` and, since speaker attribution is not what these tests are about, gives each
/// dialogue line the first of `names` that its paragraph mentions.
pub fn script(text: &str, names: &[&str]) -> audiobook::script::Script {
    use audiobook::script::Kind;
    let mut script = audiobook::segment::segment_str(text).0;
    let paragraph_text = |p: usize, lines: &[audiobook::script::Line]| -> String {
        lines.iter().filter(|l| l.paragraph == p).map(|l| &text[l.span.range()]).collect::<Vec<_>>().join(" ")
    };
    let speakers: Vec<Option<String>> = script
        .lines
        .iter()
        .map(|l| {
            let para = paragraph_text(l.paragraph, &script.lines);
            (l.kind == Kind::Dialogue)
                .then(|| names.iter().find(|n| para.contains(&format!("said {n}"))).map(|n| n.to_string()))
                .flatten()
        })
        .collect();
    for (line, who) in script.lines.iter_mut().zip(speakers) {
        line.speaker = who;
    }
    script
}

/// Options for a quiet render into `dir/out` with its cache in `dir/cache`.
pub fn options(dir: &std::path::Path) -> audiobook::render::RenderOptions {
    let mut opts = audiobook::render::RenderOptions::new("test", dir.join("out"), dir.join("cache"));
    opts.display = audiobook::progress::Display::Hidden;
    opts.jobs = 2;
    opts
}

/// The manifest a render wrote.
pub fn manifest(out: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).expect("manifest.json")).expect("JSON")
}

/// Every line record of a manifest, across chapters.
pub fn manifest_lines(manifest: &serde_json::Value) -> Vec<serde_json::Value> {
    manifest["chapters"].as_array().unwrap().iter().flat_map(|c| c["lines"].as_array().unwrap().clone()).collect()
}

//! espeak-ng: a formant synthesizer, robotic but fast (~1200x real time) and with many accents
//! and voice variants, so it can tell many characters apart.
//!
//! Lines are rendered by its library in long-lived worker processes when the library loads and
//! a worker program is configured (the `audiobook` binary), otherwise by starting the
//! `espeak-ng` program for every line. Both give the same samples (the program is a thin shell
//! over the library), so they share cache entries.

pub mod library;
pub mod worker;

use super::pool::Pool;
use super::process::{self, Tool};
use super::{EngineConfig, EngineError, VoiceInfo, catalogue, saved, wav};
use crate::audio::{Pcm, Pcm16};
use crate::script::Gender;
use crate::voice::Prosody;
use library::ListedVoice;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use worker::Workers;

pub const NAME: &str = "espeak-ng";
const TOOL: Tool<'static> = Tool { engine: NAME, package: "espeak-ng" };

/// espeak-ng's own limits: below 80 wpm it refuses, above ~450 words blur together.
const WPM: (f32, f32) = (80.0, 450.0);
const PITCH: (f32, f32) = (0.0, 99.0);
const AMPLITUDE: (f32, f32) = (0.0, 200.0);
/// The variants offered when the installed espeak-ng cannot list its own.
const FALLBACK_VARIANTS: &[(&str, Gender)] = &[
    ("m1", Gender::Male),
    ("m2", Gender::Male),
    ("m3", Gender::Male),
    ("m4", Gender::Male),
    ("m5", Gender::Male),
    ("m6", Gender::Male),
    ("m7", Gender::Male),
    ("f1", Gender::Female),
    ("f2", Gender::Female),
    ("f3", Gender::Female),
    ("f4", Gender::Female),
    ("f5", Gender::Female),
    ("klatt", Gender::Male),
];

/// The file in [`EngineConfig::saved`] holding the library's last listing.
const SAVED_LISTING: &str = "espeak-ng-voices.json";

/// What the library says about itself.
#[derive(serde::Serialize, serde::Deserialize)]
struct Listing {
    english: Vec<ListedVoice>,
    variants: Vec<ListedVoice>,
    version: String,
}

pub const ENTRY: super::registry::Entry = super::registry::Entry {
    name: NAME,
    package: TOOL.package,
    settings: &["program"],
    build: |config| Ok(std::sync::Arc::new(Espeak::new(config.clone())?)),
    serve: Some(worker::serve),
};

pub struct Espeak {
    binary: PathBuf,
    config: EngineConfig,
    version: OnceLock<String>,
    voices: OnceLock<Vec<VoiceInfo>>,
    /// The library's worker processes, when they could be started.
    pool: OnceLock<Option<Pool<Workers>>>,
}

impl Espeak {
    /// The `espeak-ng` on `PATH`, or `NotInstalled`.
    pub fn new(config: EngineConfig) -> Result<Espeak, EngineError> {
        let binary = config.program(NAME, NAME).ok_or_else(|| super::not_installed(TOOL))?;
        Ok(Espeak::with_binary(binary, config))
    }

    /// A given binary; lets tests substitute a stand-in.
    pub fn with_binary(binary: impl Into<PathBuf>, config: EngineConfig) -> Espeak {
        Espeak {
            binary: binary.into(),
            config,
            version: OnceLock::new(),
            voices: OnceLock::new(),
            pool: OnceLock::new(),
        }
    }

    /// Whether lines go to the library's worker processes rather than the program (starts the
    /// first worker to find out).
    pub fn uses_library(&self) -> bool {
        self.pool().is_some()
    }

    /// Process ids of the idle library workers; lets tests see how many are ready.
    #[doc(hidden)]
    pub fn idle_pids(&self) -> Vec<u32> {
        self.pool.get().and_then(Option::as_ref).map(Pool::idle_pids).unwrap_or_default()
    }

    /// The worker pool, started on first use with one worker; see [`Espeak::pool_of`].
    fn pool(&self) -> Option<&Pool<Workers>> {
        self.pool_of(1)
    }

    /// The worker pool, started with `workers` workers if it was not already; `None` when there
    /// is no worker program or the library is missing or a different version from the program
    /// (its output could differ from what the cache holds under the program's version).
    fn pool_of(&self, workers: usize) -> Option<&Pool<Workers>> {
        self.pool
            .get_or_init(|| {
                let program = self.config.worker.clone()?;
                let pool = Pool::new(Workers { program, version: OnceLock::new() }, self.config.timeout);
                pool.start(workers).ok()?;
                let version = pool.protocol().version.get()?;
                (*version == super::Engine::version(self)).then_some(pool)
            })
            .as_ref()
    }

    fn query(&self, args: &[&str]) -> String {
        let mut command = Command::new(&self.binary);
        command.args(args);
        process::run(command, b"", TOOL, self.config.timeout)
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Listed once per process: ~800 accent x variant combinations, checked on every line.
    fn catalogue(&self) -> &[VoiceInfo] {
        self.voices.get_or_init(|| {
            let (english, mut variants) = self.listings();
            let accents = accents(&english);
            if variants.is_empty() {
                variants = FALLBACK_VARIANTS.iter().map(|&(v, g)| (v.to_string(), g)).collect();
            }
            catalogue::best_first(catalogue_voices(&accents, &variants))
        })
    }

    /// The English voices and the variants, from the library when renders may use it (it answers
    /// in milliseconds, or from what was saved of its last answer), else from three short runs of
    /// the program side by side (the version is wanted next, for cache keys): most of the time a
    /// fully cached render takes.
    fn listings(&self) -> (Vec<ListedVoice>, Vec<(String, Gender)>) {
        if self.config.worker.is_some()
            && let Some(listing) = self.library_listing()
        {
            self.version.get_or_init(|| listing.version);
            return (listing.english, variants(&listing.variants));
        }
        let (english, variant_list, version) = std::thread::scope(|s| {
            let english = s.spawn(|| self.query(&["--voices=en"]));
            let version = s.spawn(|| self.query(&["--version"]));
            let variant_list = self.query(&["--voices=variant"]);
            (english.join().unwrap_or_default(), variant_list, version.join().unwrap_or_default())
        });
        self.version.get_or_init(|| parse_version(&version));
        (parse_listing(&english), variants(&parse_listing(&variant_list)))
    }

    /// The library's listing: the one saved by an earlier run while the library and its voice
    /// files are unchanged, else a fresh one, then saved.
    fn library_listing(&self) -> Option<Listing> {
        let file = self.config.saved.as_ref().map(|dir| dir.join(SAVED_LISTING));
        if let Some(listing) = file.as_deref().and_then(saved::load) {
            return Some(listing);
        }
        // What the listing comes from, stamped before it is made (this loads the library).
        let sources = file.as_ref().and_then(|_| library::files().ok().flatten()).map(|(library, data)| {
            // espeak-ng takes its data from ESPEAK_DATA_PATH, else ~/espeak-ng-data, else its own.
            let home = std::env::var_os("HOME").map(|home| PathBuf::from(home).join("espeak-ng-data"));
            saved::Sources {
                files: [library, PathBuf::from("/etc/ld.so.cache")].into_iter().chain(home).collect(),
                trees: vec![data.join("voices"), data.join("lang")],
                env: ["LD_LIBRARY_PATH", "ESPEAK_DATA_PATH", "HOME"].map(String::from).to_vec(),
            }
            .stamped()
        });
        let listing = Listing {
            english: library::list_voices("en").ok()?,
            variants: library::list_voices("variant").ok()?,
            version: library::version().ok()?,
        };
        if let (Some(file), Some(sources)) = (file, sources) {
            saved::store(&file, sources, &listing);
        }
        Some(listing)
    }

    /// espeak-ng quietly ignores an unknown variant, so check the catalogue first; when it could
    /// not be listed, let espeak-ng itself judge.
    fn knows(&self, voice: &str) -> bool {
        let voices = self.catalogue();
        voices.is_empty() || voices.iter().any(|v| v.id == voice)
    }
}

impl super::Engine for Espeak {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> String {
        self.version.get_or_init(|| parse_version(&self.query(&["--version"]))).clone()
    }

    fn voices(&self) -> Vec<VoiceInfo> {
        self.catalogue().to_vec()
    }

    fn prepare(&self, threads: usize) {
        self.pool_of(threads);
    }

    fn synthesize(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm, EngineError> {
        self.synthesize_16(voice, prosody, text).map(|pcm| pcm.to_pcm())
    }

    fn synthesize_16(&self, voice: &str, prosody: Prosody, text: &str) -> Result<Pcm16, EngineError> {
        if !self.knows(voice) {
            return Err(EngineError::UnknownVoice { engine: NAME.to_string(), voice: voice.to_string() });
        }
        let pcm = match self.pool() {
            Some(pool) => worker::synthesize(pool, voice, prosody_values(prosody), text)?,
            None => {
                let mut command = Command::new(&self.binary);
                command.args(command_args(voice, prosody));
                // The text goes on stdin, where espeak-ng never reads options.
                let output = process::run(command, text.as_bytes(), TOOL, self.config.timeout)?;
                let pcm = wav::parse(&output.stdout)
                    .map_err(|e| EngineError::BadOutput { engine: NAME.to_string(), detail: e.to_string() })?;
                // The program writes 16-bit samples, so this is exact.
                Pcm16::from(&pcm)
            }
        };
        if pcm.samples.is_empty() || pcm.sample_rate == 0 {
            return Err(EngineError::NoAudio { engine: NAME.to_string() });
        }
        Ok(pcm)
    }
}

/// The arguments for one line; the text itself goes on stdin.
pub fn command_args(voice: &str, prosody: Prosody) -> Vec<String> {
    let (wpm, pitch, amplitude) = prosody_values(prosody);
    ["-v", voice, "-s", &wpm.to_string(), "-p", &pitch.to_string(), "-a", &amplitude.to_string(), "--stdout"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// espeak-ng's -s, -p and -a for the prosody multipliers, clamped to what it accepts.
pub fn prosody_values(prosody: Prosody) -> (u32, u32, u32) {
    let scale = |multiplier: f32, unit: f32, (lo, hi): (f32, f32)| {
        (super::finite_or(multiplier, 1.0) * unit).clamp(lo, hi).round() as u32
    };
    (scale(prosody.rate, 175.0, WPM), scale(prosody.pitch, 50.0, PITCH), scale(prosody.volume, 100.0, AMPLITUDE))
}

/// "eSpeak NG text-to-speech: 1.51  Data at: ..." -> "1.51".
pub fn parse_version(output: &str) -> String {
    output.split(':').nth(1).and_then(|s| s.split_whitespace().next()).unwrap_or("unknown").to_string()
}

/// An English accent: the name that selects it, and its language tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accent {
    /// What `-v` takes: the language ("en-us"), or the voice file's name ("en") when the
    /// language is not also a file name. espeak-ng finds "en-gb" only by language, and then
    /// silently drops a variant: "en-gb+f3" sounds exactly like "en-gb", where "en+f3" is the
    /// same accent with the variant applied.
    pub id: String,
    pub language: String,
}

/// The voices in an `espeak-ng --voices=...` listing, as the library lists them.
pub fn parse_listing(listing: &str) -> Vec<ListedVoice> {
    listing
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (language, age_gender, file) = (*cols.get(1)?, *cols.get(2)?, *cols.get(4)?);
            // The other languages come in parentheses; anything else is the rest of a file name
            // with a space in it ("!v/Mr serious").
            let rest: Vec<&str> = cols[5..].iter().copied().take_while(|c| !c.starts_with('(')).collect();
            let file = std::iter::once(file).chain(rest).collect::<Vec<_>>().join(" ");
            Some(ListedVoice { language: language.to_string(), file, female: age_gender.ends_with("/F") })
        })
        .collect()
}

/// The English accents, leaving out MBROLA voices (they need the separate mbrola program and its
/// databases).
pub fn accents(listed: &[ListedVoice]) -> Vec<Accent> {
    let mut accents: Vec<Accent> = listed
        .iter()
        .filter(|v| v.language.starts_with("en") && !v.file.starts_with("mb/"))
        .map(|v| {
            let file_name = v.file.rsplit('/').next().unwrap_or(&v.file);
            let id = if file_name.eq_ignore_ascii_case(&v.language) { &v.language } else { file_name };
            Accent { id: id.to_string(), language: v.language.clone() }
        })
        .collect();
    accents.dedup();
    accents
}

/// Variant names and genders. A name with a space ("Mr serious") cannot be named in `-v`.
pub fn variants(listed: &[ListedVoice]) -> Vec<(String, Gender)> {
    listed
        .iter()
        .filter_map(|v| {
            let name = v.file.strip_prefix("!v/").filter(|n| !n.contains(' '))?;
            Some((name.to_string(), if v.female { Gender::Female } else { Gender::Male }))
        })
        .collect()
}

fn catalogue_voices(accents: &[Accent], variants: &[(String, Gender)]) -> Vec<VoiceInfo> {
    let mut voices = Vec::new();
    for Accent { id, language } in accents {
        voices.push(voice_info(id.clone(), language, Gender::Male));
        for (variant, gender) in variants {
            voices.push(voice_info(format!("{id}+{variant}"), language, *gender));
        }
    }
    voices
}

fn voice_info(id: String, accent: &str, gender: Gender) -> VoiceInfo {
    VoiceInfo {
        engine: NAME.to_string(),
        intelligibility: catalogue::intelligibility(NAME, &id),
        accent: bcp47(accent),
        id,
        gender,
        natural: false,
    }
}

/// espeak-ng's "en-gb-x-rp" as "en-GB-x-rp": the region in capitals, the rest as it is.
pub fn bcp47(language: &str) -> String {
    let mut parts: Vec<String> = language.split('-').map(str::to_string).collect();
    if let Some(region) = parts.get_mut(1).filter(|p| p.len() == 2) {
        *region = region.to_uppercase();
    }
    parts.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_prosody_is_espeaks_default() {
        assert_eq!(prosody_values(Prosody::default()), (175, 50, 100));
    }

    #[test]
    fn prosody_is_clamped() {
        let wild = Prosody { rate: 10.0, pitch: -3.0, volume: f32::NAN };
        assert_eq!(prosody_values(wild), (450, 0, 100));
        let slow = Prosody { rate: 0.1, pitch: 5.0, volume: 9.0 };
        assert_eq!(prosody_values(slow), (80, 99, 200));
    }

    #[test]
    fn command_line() {
        let args = command_args("en-gb-x-rp+f3", Prosody { rate: 1.2, pitch: 0.9, volume: 1.0 });
        assert_eq!(args, ["-v", "en-gb-x-rp+f3", "-s", "210", "-p", "45", "-a", "100", "--stdout"]);
    }

    #[test]
    fn parses_listings() {
        let en = "Pty Language       Age/Gender VoiceName          File                 Other Languages\n \
                  2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)\n \
                  3  en-uk           --/M      english-mb-en1     mb/mb-en1            (en-gb 3)(en 2)\n \
                  5  en-gb-x-rp      --/M      English_(Received_Pronunciation) gmw/en-GB-x-rp       (en-gb 4)(en 5)\n";
        let accent = |id: &str, language: &str| Accent { id: id.to_string(), language: language.to_string() };
        assert_eq!(accents(&parse_listing(en)), [accent("en", "en-gb"), accent("en-gb-x-rp", "en-gb-x-rp")]);
        let variants = "Pty Language       Age/Gender VoiceName          File                 Other Languages\n \
                        5  variant         --/M      Mr_Serious         !v/Mr serious\n \
                        5  variant         70/F      female1            !v/f1\n \
                        5  variant         --/M      klatt              !v/klatt\n";
        assert_eq!(
            super::variants(&parse_listing(variants)),
            [("f1".to_string(), Gender::Female), ("klatt".to_string(), Gender::Male)]
        );
        assert_eq!(parse_version("eSpeak NG text-to-speech: 1.51  Data at: /usr/lib"), "1.51");
    }

    #[test]
    fn accents_become_bcp47() {
        assert_eq!(bcp47("en-gb-x-rp"), "en-GB-x-rp");
        assert_eq!(bcp47("en-us-nyc"), "en-US-nyc");
        assert_eq!(bcp47("en-029"), "en-029");
    }
}

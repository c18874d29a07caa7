//! Piper neural voices: the real binary in a folder of its own (its own voices, data, cache and
//! output folders), and the engine itself on a tiny generated multi-speaker model.
//!
//! What they need, and skip without (failing instead under AUDIOBOOK_REQUIRE_ENGINES=1):
//! - ONNX Runtime and the `en_US-joe-medium` voice where `scripts/get-voices.sh` puts them;
//! - for the multi-speaker model, Python with the `onnx` package (`AUDIOBOOK_PIPER_PYTHON`, else
//!   `python3`), which runs `scripts/make-tiny-piper-model.py`.

mod common;

use assert_cmd::Command;
use audiobook::audio::Pcm;
use audiobook::engine::piper::{Piper, pitch, runtime};
use audiobook::engine::{Engine, EngineConfig, EngineError};
use audiobook::script::Gender;
use audiobook::voice::Prosody;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const REQUIRE: &str = "AUDIOBOOK_REQUIRE_ENGINES";
const JOE: &str = "en_US-joe-medium";
/// The tiny model's name and its two speakers (110 Hz and 220 Hz tones).
const TINY: &str = "xx_XX-tiny-test";
const LOW: &str = "xx_XX-tiny-test#low";
const HIGH: &str = "xx_XX-tiny-test#high";

const STORY: &str = "The lamp burned low over the harbour, and the tide was turning.\n\n\
\"Is the boat back yet?\" Mara asked. \"It is getting dark.\"\n\n\
\"Not yet,\" said Tom.\n\n\
They waited by the window until the bell rang across the water.\n";

/// The ONNX Runtime library this process loads (the engine's own search), or why it is missing.
fn runtime_library() -> Result<PathBuf, String> {
    runtime::runtime().map(|r| r.path.clone())
}

/// The runtime and the joe voice, as `scripts/get-voices.sh` installs them; `None` after saying
/// why the test is skipped.
fn installed() -> Option<(PathBuf, PathBuf)> {
    let library = runtime_library();
    let joe = runtime::data_dir().map(|d| d.join("piper").join(format!("{JOE}.onnx"))).filter(|p| p.is_file());
    let what = "ONNX Runtime and the joe voice (run scripts/get-voices.sh)";
    let present = library.is_ok() && joe.is_some();
    if !common::need(present, what, REQUIRE) {
        eprintln!("  runtime: {:?}", library.as_ref().err());
        return None;
    }
    Some((library.ok()?, joe?))
}

/// The runtime alone; `None` after saying why the test is skipped.
fn runtime_or_skip() -> Option<PathBuf> {
    let library = runtime_library();
    common::need(library.is_ok(), "ONNX Runtime (run scripts/get-voices.sh)", REQUIRE).then(|| library.ok())?
}

/// A folder of its own for the binary: `HOME`, data, cache, voices and output all inside.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// With the runtime library and the joe voice linked into its data folder, when given.
    fn new(library: Option<&Path>, joe: Option<&Path>) -> Sandbox {
        let sandbox = Sandbox { dir: tempfile::tempdir().expect("a temp dir") };
        let data = sandbox.data();
        for dir in [data.join("onnxruntime"), data.join("piper"), sandbox.voices(), sandbox.path().join("cache")] {
            std::fs::create_dir_all(dir).expect("sandbox folders");
        }
        if let Some(library) = library {
            let name = library.file_name().expect("a file name");
            link(library, &data.join("onnxruntime").join(name));
        }
        if let Some(joe) = joe {
            link(joe, &data.join("piper").join(format!("{JOE}.onnx")));
            link(&joe.with_file_name(format!("{JOE}.onnx.json")), &data.join("piper").join(format!("{JOE}.onnx.json")));
        }
        std::fs::write(sandbox.path().join("story.txt"), STORY).expect("the story");
        sandbox
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `$XDG_DATA_HOME/audiobook`.
    fn data(&self) -> PathBuf {
        self.path().join("data/audiobook")
    }

    /// `voices/piper`, beside the story.
    fn voices(&self) -> PathBuf {
        self.path().join("voices/piper")
    }

    /// The binary, run in the sandbox with nothing of the user's.
    fn audiobook(&self) -> Command {
        let mut cmd = Command::cargo_bin("audiobook").expect("the binary is built");
        cmd.current_dir(self.path())
            .env("HOME", self.path())
            .env("XDG_DATA_HOME", self.path().join("data"))
            .env("XDG_CACHE_HOME", self.path().join("user-cache"))
            .env_remove("ORT_DYLIB_PATH");
        cmd
    }

    /// Renders the story (with `extra` arguments); returns the output folder and what it printed.
    fn render(&self, extra: &[&str]) -> (PathBuf, std::process::Output) {
        let out = self.path().join("out");
        let output = self
            .audiobook()
            .args(["render", "story.txt", "--output", "out", "--cache", "cache"])
            .args(extra)
            .output()
            .expect("the binary runs");
        (out, output)
    }

    /// Generates the tiny model into `voices/piper`; `None` after saying why the test is skipped.
    fn tiny_model(&self, slow: bool) -> Option<PathBuf> {
        let model = self.voices().join(format!("{TINY}.onnx"));
        make_tiny_model(&model, slow).then_some(model)
    }
}

#[cfg(unix)]
fn link(from: &Path, to: &Path) {
    std::os::unix::fs::symlink(from, to).expect("a link");
}

#[cfg(not(unix))]
fn link(from: &Path, to: &Path) {
    std::fs::copy(from, to).expect("a copy");
}

/// Runs `scripts/make-tiny-piper-model.py`; false after saying why when Python or onnx is missing.
fn make_tiny_model(model: &Path, slow: bool) -> bool {
    let python = std::env::var("AUDIOBOOK_PIPER_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let has_onnx =
        std::process::Command::new(&python).args(["-c", "import onnx"]).output().is_ok_and(|o| o.status.success());
    if !common::need(has_onnx, &format!("Python with the onnx package ({python})"), REQUIRE) {
        return false;
    }
    let mut cmd = std::process::Command::new(&python);
    cmd.arg(common::root().join("scripts/make-tiny-piper-model.py")).arg(model);
    if slow {
        cmd.arg("--slow");
    }
    let output = cmd.output().expect("the script runs");
    assert!(output.status.success(), "make-tiny-piper-model.py: {}", String::from_utf8_lossy(&output.stderr));
    true
}

fn manifest(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).expect("manifest.json")).expect("JSON")
}

fn lines(manifest: &Value) -> Vec<Value> {
    manifest["chapters"]
        .as_array()
        .expect("chapters")
        .iter()
        .flat_map(|c| c["lines"].as_array().unwrap().clone())
        .collect()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A chapter's samples between two times.
fn cut(wav: &Path, from_s: f64, to_s: f64) -> Pcm {
    let mut reader = hound::WavReader::open(wav).expect("a WAV");
    let rate = reader.spec().sample_rate;
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.expect("a sample")).collect();
    let (a, b) = ((from_s * f64::from(rate)) as usize, (to_s * f64::from(rate)) as usize);
    Pcm::from_i16(&samples[a.min(samples.len())..b.min(samples.len())], rate)
}

#[test]
fn a_render_is_narrated_by_piper_and_a_second_one_comes_from_the_cache_byte_identical() {
    let Some((library, joe)) = installed() else { return };
    let sandbox = Sandbox::new(Some(&library), Some(&joe));
    // The README's command, with nothing chosen: the neural voice narrates.
    let (out, first) = sandbox.render(&[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let manifest = manifest(&out);
    assert_eq!(manifest["sample_rate"], 22050, "the book is at the narrator's rate");
    let narration: Vec<Value> = lines(&manifest).into_iter().filter(|l| l["kind"] == "narration").collect();
    assert!(!narration.is_empty());
    for line in &narration {
        assert_eq!((line["voice"]["engine"].as_str(), line["voice"]["voice"].as_str()), (Some("piper"), Some(JOE)));
    }
    let chapter = out.join(manifest["chapters"][0]["file"].as_str().unwrap());
    let first_line = &narration[0];
    let speech = cut(&chapter, first_line["start_s"].as_f64().unwrap(), first_line["end_s"].as_f64().unwrap());
    assert!(speech.rms() > 0.02, "the narration is nearly silent: rms {}", speech.rms());
    let bytes = std::fs::read(&chapter).unwrap();

    let (_, second) = sandbox.render(&[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(stderr(&second).contains(" 0 line(s) synthesized"), "{}", stderr(&second));
    assert_eq!(std::fs::read(&chapter).unwrap(), bytes);
    // Assembled again from the cached lines alone: byte for byte the same.
    std::fs::remove_file(&chapter).unwrap();
    let (_, third) = sandbox.render(&[]);
    assert!(third.status.success() && stderr(&third).contains(" 0 line(s) synthesized"), "{}", stderr(&third));
    assert_eq!(std::fs::read(&chapter).unwrap(), bytes);
}

#[test]
fn a_changed_model_renders_again_and_an_unchanged_one_never_does() {
    let Some((library, joe)) = installed() else { return };
    let sandbox = Sandbox::new(Some(&library), None);
    // A copy of joe in voices/piper, whose settings can be changed.
    let model = sandbox.voices().join(format!("{JOE}.onnx"));
    link(&joe, &model);
    let settings = std::fs::read_to_string(joe.with_file_name(format!("{JOE}.onnx.json"))).unwrap();
    std::fs::write(sandbox.voices().join(format!("{JOE}.onnx.json")), &settings).unwrap();
    let narrate = ["--engine", "piper", "--lines", "1..1"];
    let preview = |extra: &[&str]| {
        let output =
            sandbox.audiobook().args(["preview", "story.txt", "--cache", "cache"]).args(extra).output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        stderr(&output)
    };
    assert!(preview(&narrate).contains(" 1 line(s) synthesized"));
    assert!(preview(&narrate).contains(" 0 line(s) synthesized"), "unchanged: from the cache");
    // Slower speech in the voice's own settings: a different voice for the cache.
    let slower = settings.replacen("\"length_scale\": 1", "\"length_scale\": 1.2", 1);
    assert_ne!(slower, settings, "the settings name a length scale");
    std::fs::write(sandbox.voices().join(format!("{JOE}.onnx.json")), slower).unwrap();
    assert!(preview(&narrate).contains(" 1 line(s) synthesized"), "a changed voice renders again");
}

#[test]
fn every_speaker_of_a_multi_speaker_model_is_a_voice_of_its_own() {
    let Some(library) = runtime_or_skip() else { return };
    let sandbox = Sandbox::new(Some(&library), None);
    let Some(_) = sandbox.tiny_model(false) else { return };
    let listing = sandbox.audiobook().args(["voices", "--engine", "piper"]).output().unwrap();
    assert!(listing.status.success(), "{}", stderr(&listing));
    let listing = String::from_utf8_lossy(&listing.stdout);
    // Each speaker's gender from its measured pitch: 110 Hz is a man's, 220 Hz a woman's.
    let row = |voice: &str| listing.lines().find(|l| l.split_whitespace().nth(1) == Some(voice)).map(str::to_string);
    assert!(row(LOW).is_some_and(|r| r.contains(" male ")), "{listing}");
    assert!(row(HIGH).is_some_and(|r| r.contains(" female ")), "{listing}");

    let (out, render) = sandbox.render(&["--engine", "piper"]);
    // The model lacks "ð" on purpose: said once, left out, and the line is still voiced.
    assert!(render.status.success(), "{}", stderr(&render));
    assert!(stderr(&render).contains("has no id for the phoneme \"ð\""), "{}", stderr(&render));
    let manifest = manifest(&out);
    let chapter = out.join(manifest["chapters"][0]["file"].as_str().unwrap());
    let mut heard = std::collections::BTreeMap::new();
    for line in lines(&manifest) {
        let voice = &line["voice"];
        let who = line["speaker"].as_str().unwrap_or("(narrator)").to_string();
        let pcm = cut(&chapter, line["start_s"].as_f64().unwrap(), line["end_s"].as_f64().unwrap());
        let f0 = pitch::median_f0(&pcm.samples, pcm.sample_rate).expect("a steady tone");
        let base = if voice["voice"] == LOW { 110.0 } else { 220.0 };
        let expected = base * voice["pitch"].as_f64().unwrap() as f32;
        assert!((f0 - expected).abs() < expected * 0.03, "{who}: {f0} Hz, expected {expected} ({voice})");
        heard.insert(who, (voice["voice"].as_str().unwrap().to_string(), voice["pitch"].as_f64().unwrap()));
    }
    // The narrator and Mara, who speaks most, get the two speakers, Mara the woman's; Tom, with no
    // speaker left, the man's pitched apart from the narrator.
    assert_eq!(heard["(narrator)"], (LOW.to_string(), 1.0), "{heard:?}");
    assert_eq!(heard["Mara"], (HIGH.to_string(), 1.0), "{heard:?}");
    assert_eq!(heard["Tom"].0, LOW, "{heard:?}");
    assert_ne!(heard["Tom"].1, 1.0, "{heard:?}");
}

#[test]
fn a_model_without_its_settings_is_a_clear_error() {
    let sandbox = Sandbox::new(None, None);
    std::fs::write(sandbox.voices().join("lonely.onnx"), b"not read").unwrap();
    let output = sandbox.audiobook().args(["voices", "--engine", "piper"]).output().unwrap();
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("lonely.onnx has no lonely.onnx.json beside it"), "{message}");
    assert!(message.contains("download the .onnx.json"), "{message}");
    // Without Piper the rest works as before.
    let cast = sandbox.audiobook().args(["cast", "story.txt", "--engine", "embedded"]).output().unwrap();
    assert!(cast.status.success(), "{}", stderr(&cast));
}

#[test]
fn a_damaged_model_is_a_clear_error() {
    let Some(library) = runtime_or_skip() else { return };
    let sandbox = Sandbox::new(Some(&library), None);
    let model = sandbox.voices().join("en_US-broken-low.onnx");
    std::fs::write(&model, b"\x08\x07this is not an ONNX model at all").unwrap();
    let settings = r#"{"audio": {"sample_rate": 16000}, "espeak": {"voice": "en-us"},
        "phoneme_id_map": {"_": [0], "^": [1], "$": [2], "a": [3]}, "num_speakers": 1}"#;
    std::fs::write(model.with_file_name("en_US-broken-low.onnx.json"), settings).unwrap();
    let (_, output) = sandbox.render(&["--engine", "piper", "--timeout", "20"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("en_US-broken-low.onnx cannot be loaded"), "{message}");
    assert!(message.contains("damaged"), "{message}");
}

#[test]
fn without_the_runtime_piper_says_how_to_get_it() {
    if runtime::runtime().is_ok_and(|r| !r.path.is_absolute()) {
        eprintln!("skipped: this system has ONNX Runtime in its library path");
        return;
    }
    let sandbox = Sandbox::new(None, None);
    std::fs::write(sandbox.voices().join("en_US-x-low.onnx"), b"model").unwrap();
    let settings = r#"{"audio": {"sample_rate": 16000}, "espeak": {"voice": "en-us"},
        "phoneme_id_map": {"_": [0], "^": [1], "$": [2]}, "num_speakers": 1}"#;
    std::fs::write(sandbox.voices().join("en_US-x-low.onnx.json"), settings).unwrap();
    let fails = |env: Option<&str>, expected: &[&str]| {
        let mut cmd = sandbox.audiobook();
        if let Some(path) = env {
            cmd.env("ORT_DYLIB_PATH", path);
        }
        let output = cmd.args(["voices", "--engine", "piper"]).output().unwrap();
        assert!(!output.status.success());
        for text in expected {
            assert!(stderr(&output).contains(text), "{}", stderr(&output));
        }
    };
    fails(None, &["ONNX Runtime library was not found", "scripts/get-voices.sh"]);
    fails(Some("/nonexistent/libonnxruntime.so"), &["ORT_DYLIB_PATH names /nonexistent", "scripts/get-voices.sh"]);
    // A library that is not ONNX Runtime: one this test program has loaded.
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    if let Some(libc) = maps.lines().filter_map(|l| l.find('/').map(|at| &l[at..])).find(|p| p.contains("/libc.so")) {
        fails(Some(libc), &["is not an ONNX Runtime library"]);
    }
    // And the rest of the program does not need it.
    let cast = sandbox.audiobook().args(["cast", "story.txt"]).output().unwrap();
    assert!(cast.status.success(), "{}", stderr(&cast));
}

/// The engine itself, on the tiny model, in this process.
fn tiny_engine(dir: &Path, slow: bool, timeout: Duration) -> Option<Piper> {
    runtime_or_skip()?;
    let voices = dir.join("voices");
    std::fs::create_dir_all(voices.join("piper")).unwrap();
    if !make_tiny_model(&voices.join("piper").join(format!("{TINY}.onnx")), slow) {
        return None;
    }
    let config =
        EngineConfig { timeout, voices: Some(voices), saved: Some(dir.join("saved")), ..EngineConfig::default() };
    Some(Piper::new(config).expect("the tiny model is a Piper voice"))
}

#[test]
fn rate_pitch_and_volume_on_the_tiny_model() {
    let dir = tempfile::tempdir().unwrap();
    let Some(piper) = tiny_engine(dir.path(), false, Duration::from_secs(60)) else { return };
    let voices = piper.voices();
    let gender = |id: &str| voices.iter().find(|v| v.id == id).map(|v| v.gender);
    assert_eq!((gender(LOW), gender(HIGH)), (Some(Gender::Male), Some(Gender::Female)));
    let text = "A steady tone, and nothing more.";
    let say = |voice: &str, rate: f32, pitch: f32, volume: f32| {
        piper.synthesize(voice, Prosody { rate, pitch, volume }, text).expect("synthesized")
    };
    let f0 = |pcm: &Pcm| pitch::median_f0(&pcm.samples, pcm.sample_rate).expect("a tone");
    let plain = say(LOW, 1.0, 1.0, 1.0);
    assert_eq!(plain.sample_rate, 16000);
    assert!((f0(&plain) - 110.0).abs() < 2.0, "{}", f0(&plain));
    assert!((f0(&say(HIGH, 1.0, 1.0, 1.0)) - 220.0).abs() < 4.0);
    // Rate: through the length scale, half the time at twice the rate.
    let fast = say(LOW, 2.0, 1.0, 1.0);
    assert!((fast.duration_s() / plain.duration_s() - 0.5).abs() < 0.02, "{} s", fast.duration_s());
    // Pitch: the same duration, the tone moved.
    let high = say(LOW, 1.0, 1.5, 1.0);
    assert!((high.duration_s() / plain.duration_s() - 1.0).abs() < 0.02, "{} s", high.duration_s());
    assert!((f0(&high) - 165.0).abs() < 3.0, "{}", f0(&high));
    let low = say(LOW, 1.0, 0.8, 1.0);
    assert!((f0(&low) - 88.0).abs() < 2.0, "{}", f0(&low));
    // Volume scales the samples.
    let quiet = say(LOW, 1.0, 1.0, 0.5);
    assert!((quiet.rms() / plain.rms() - 0.5).abs() < 0.02);
    // Ids: Piper's framing, "^" "_" then each phoneme and "_", then "$"; "ð" is not in the map.
    let ids = piper.phoneme_ids(LOW, "The end.").unwrap();
    assert_eq!(ids.len(), 1);
    assert_eq!((&ids[0][..2], ids[0].last()), (&[1, 0][..], Some(&2)));
    assert!(ids[0][2..ids[0].len() - 1].chunks(2).all(|pair| pair[1] == 0), "{:?}", ids[0]);
    assert!(matches!(
        piper.synthesize("xx_XX-tiny-test#nobody", Prosody::default(), text),
        Err(EngineError::UnknownVoice { .. })
    ));
}

#[test]
fn the_cache_identity_follows_the_model_files() {
    let dir = tempfile::tempdir().unwrap();
    let Some(piper) = tiny_engine(dir.path(), false, Duration::from_secs(60)) else { return };
    // Listing the voices measures them and saves what was learned, the hash among it.
    assert!(piper.voices().len() >= 2);
    let (version, identity) = (piper.version(), piper.voice_version(LOW));
    assert!(version.starts_with("onnxruntime-1."), "{version}");
    assert_eq!(identity.len(), 64, "{identity}");
    assert_eq!(piper.voice_version(HIGH), identity, "one model, one hash");
    let config = |dir: &Path| EngineConfig {
        voices: Some(dir.join("voices")),
        saved: Some(dir.join("saved")),
        ..EngineConfig::default()
    };
    // Another process (a new engine) with the files unchanged: the same, from what was saved.
    assert!(std::fs::read_dir(dir.path().join("saved")).unwrap().count() > 0, "nothing saved");
    assert_eq!(Piper::new(config(dir.path())).unwrap().voice_version(LOW), identity);
    // A changed settings file: another identity.
    let settings = dir.path().join("voices/piper").join(format!("{TINY}.onnx.json"));
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, text.replacen("\"noise_w\": 0.8", "\"noise_w\": 0.7", 1)).unwrap();
    assert_ne!(Piper::new(config(dir.path())).unwrap().voice_version(LOW), identity);
}

#[test]
fn a_run_past_the_deadline_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let Some(piper) = tiny_engine(dir.path(), true, Duration::from_secs(1)) else { return };
    let started = Instant::now();
    let result = piper.synthesize(LOW, Prosody::default(), "Never finished.");
    assert!(matches!(result, Err(EngineError::TimedOut { .. })), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

/// For `scripts/compare-piper-reference.py`: each line of `$AUDIOBOOK_PIPER_COMPARE_DIR/lines.txt`
/// as the joe voice's model runs see it, one JSON array of runs per line in `ours.jsonl`, and the
/// model's raw audio without noise for the first `$AUDIOBOOK_PIPER_COMPARE_AUDIO` lines
/// (`ours-LINE-RUN.f32`, little-endian floats).
#[test]
#[ignore = "run by scripts/compare-piper-reference.py"]
fn ours_for_the_reference() {
    let Ok(dir) = std::env::var("AUDIOBOOK_PIPER_COMPARE_DIR") else { return };
    let dir = Path::new(&dir);
    let audio_lines: usize =
        std::env::var("AUDIOBOOK_PIPER_COMPARE_AUDIO").ok().and_then(|n| n.parse().ok()).unwrap_or(0);
    let config = EngineConfig { saved: Some(dir.join("saved")), ..EngineConfig::default() };
    let piper = Piper::new(config).expect("Piper and the joe voice are installed");
    let text = std::fs::read_to_string(dir.join("lines.txt")).expect("lines.txt");
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        let runs = piper.phoneme_ids(JOE, line).expect("phonemized");
        out.push_str(&serde_json::to_string(&runs).unwrap());
        out.push('\n');
        if n < audio_lines {
            for (k, ids) in runs.iter().enumerate() {
                let audio = piper.run_ids(JOE, ids, (0.0, 0.0)).expect("the model runs");
                let bytes: Vec<u8> = audio.iter().flat_map(|s| s.to_le_bytes()).collect();
                std::fs::write(dir.join(format!("ours-{n}-{k}.f32")), bytes).unwrap();
            }
        }
    }
    std::fs::write(dir.join("ours.jsonl"), out).unwrap();
}

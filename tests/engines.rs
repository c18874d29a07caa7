//! Renders with every engine present on this machine and checks the audio looks like speech.
//! An absent engine skips its test with a reason, unless AUDIOBOOK_REQUIRE_ENGINES=1.

use audiobook::audio::Pcm;
use audiobook::engine::{self, Engine, EngineConfig, EngineError};
use audiobook::voice::Prosody;
use std::sync::Arc;
use std::time::Duration;

const SENTENCE: &str = "The lighthouse keeper climbed the stairs and lit the lamp before the storm.";
const WORDS: f64 = 13.0;

/// The engine, or `None` after saying why it is skipped; fails when engines are required.
fn engine_or_skip(name: &str) -> Option<Arc<dyn Engine>> {
    match engine::by_name(name, &EngineConfig::default()) {
        Ok(engine) => Some(engine),
        Err(err) if std::env::var("AUDIOBOOK_REQUIRE_ENGINES").as_deref() == Ok("1") => {
            panic!("{name} is required (AUDIOBOOK_REQUIRE_ENGINES=1) but unavailable: {err}")
        }
        Err(err) => {
            eprintln!("skipping {name}: {err}");
            None
        }
    }
}

fn assert_speech(pcm: &Pcm, what: &str) {
    assert!((8000..=48000).contains(&pcm.sample_rate), "{what}: sample rate {}", pcm.sample_rate);
    assert!(pcm.rms() > 0.01, "{what}: rms {} is near silence", pcm.rms());
    // Between 80 and 400 words a minute, with room for leading and trailing silence.
    let seconds = pcm.duration_s();
    let (shortest, longest) = (WORDS / 400.0 * 60.0, WORDS / 80.0 * 60.0 + 1.0);
    assert!((shortest..=longest).contains(&seconds), "{what}: {seconds:.2} s for {WORDS} words");
}

fn renders_every_voice_kind(name: &str, voices: &[&str]) {
    let Some(engine) = engine_or_skip(name) else { return };
    assert!(!engine.version().is_empty() && engine.version() != "unknown", "{name} version");
    let listed = engine.voices();
    for voice in voices {
        assert!(listed.iter().any(|v| v.id == *voice), "{name} does not list {voice}");
        match engine.synthesize(voice, Prosody::default(), SENTENCE) {
            Ok(pcm) => assert_speech(&pcm, &format!("{name} {voice}")),
            Err(err) => panic!("{name} {voice}: {err}"),
        }
    }
}

#[test]
fn espeak_ng_renders() {
    renders_every_voice_kind("espeak-ng", &["en-us", "en-gb-x-rp+f3", "en-us+klatt"]);
}

#[test]
fn flite_renders() {
    renders_every_voice_kind("flite", &["slt", "rms", "awb", "kal16"]);
}

#[test]
fn festival_renders() {
    renders_every_voice_kind("festival", &["kal_diphone", "cmu_us_slt_arctic_hts"]);
}

#[test]
fn embedded_renders() {
    renders_every_voice_kind("embedded", &["kal16", "kal16-high"]);
}

#[test]
fn festival_reuses_its_process_and_handles_awkward_text() {
    let Some(engine) = engine_or_skip("festival") else { return };
    let awkward = r#"She said "no" \ (quit) and left; it's 5 o'clock."#;
    for text in [SENTENCE, awkward, SENTENCE] {
        let pcm = engine.synthesize("kal_diphone", Prosody::default(), text);
        assert!(pcm.is_ok_and(|p| p.rms() > 0.01), "{text}");
    }
}

#[test]
fn rate_changes_duration() {
    let cases = [
        ("espeak-ng", "en-us"),
        ("flite", "slt"),
        ("festival", "cmu_us_slt_arctic_hts"),
        ("festival", "kal_diphone"),
        ("embedded", "kal16"),
    ];
    for (name, voice) in cases {
        let Some(engine) = engine_or_skip(name) else { continue };
        let render = |rate| engine.synthesize(voice, Prosody { rate, ..Prosody::default() }, SENTENCE);
        let (Ok(normal), Ok(fast)) = (render(1.0), render(1.5)) else { panic!("{name} {voice} failed") };
        assert!(fast.duration_s() < normal.duration_s() * 0.85, "{name} {voice}: rate 1.5 is not faster");
    }
}

#[test]
fn unknown_voice_is_reported() {
    for name in ["espeak-ng", "flite", "festival", "embedded"] {
        let Some(engine) = engine_or_skip(name) else { continue };
        let err = engine.synthesize("no_such_voice", Prosody::default(), SENTENCE);
        assert!(matches!(err, Err(EngineError::UnknownVoice { .. })), "{name}: {err:?}");
    }
}

#[test]
fn slow_engine_is_stopped_at_the_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = dir.path().join("espeak-ng");
    // Answers the voice listing like espeak-ng, then hangs on the line itself.
    let script = "#!/bin/sh\ncase \"$1\" in --voices*) exit 0;; esac\nexec sleep 30\n";
    std::fs::write(&fake, script).expect("write fake engine");
    make_executable(&fake);
    let config = EngineConfig { timeout: Duration::from_millis(500), ..Default::default() };
    let engine = engine::espeak::Espeak::with_binary(&fake, config);
    let started = std::time::Instant::now();
    let err = engine.synthesize("en-us", Prosody::default(), SENTENCE);
    assert!(matches!(err, Err(EngineError::TimedOut { .. })), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn missing_binary_names_its_package() {
    let engine = engine::flite::Flite::with_binary("/nonexistent/flite", EngineConfig::default());
    let err = engine.synthesize("slt", Prosody::default(), SENTENCE);
    // Voice listing fails first, so the voice is unknown; rendering directly names the package.
    assert!(err.is_err());
    let espeak = engine::espeak::Espeak::with_binary("/nonexistent/espeak-ng", EngineConfig::default());
    match espeak.synthesize("en-us", Prosody::default(), SENTENCE) {
        Err(EngineError::NotInstalled { package, .. }) => assert_eq!(package, "espeak-ng"),
        other => panic!("expected NotInstalled, got {other:?}"),
    }
    let festival = engine::festival::Festival::with_paths(
        "/nonexistent/festival",
        "/usr/share/festival/voices",
        EngineConfig::default(),
    );
    if let Some(voice) = festival.voices().first() {
        let err = festival.synthesize(&voice.id, Prosody::default(), SENTENCE);
        assert!(matches!(err, Err(EngineError::NotInstalled { .. })), "{err:?}");
    }
}

#[cfg(unix)]
fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[cfg(not(unix))]
fn make_executable(_: &std::path::Path) {}

/// Renders the measurement set for `scripts/measure-voices.sh`: every "engine voice" line of
/// `$AUDIOBOOK_MEASURE_DIR/voices.txt` reading `text.txt`, to `engine--voice.wav` as 16-bit PCM.
#[test]
#[ignore = "run by scripts/measure-voices.sh"]
fn render_measurement_set() {
    let Ok(dir) = std::env::var("AUDIOBOOK_MEASURE_DIR") else { return };
    let dir = std::path::Path::new(&dir);
    let text = std::fs::read_to_string(dir.join("text.txt")).expect("text.txt");
    let list = std::fs::read_to_string(dir.join("voices.txt")).expect("voices.txt");
    let mut engines = std::collections::HashMap::new();
    for line in list.lines() {
        let Some((name, voice)) = line.split_once(' ') else { continue };
        let engine = engines.entry(name.to_string()).or_insert_with(|| engine_or_skip(name));
        let Some(engine) = engine else { continue };
        match engine.synthesize(voice, Prosody::default(), &text) {
            Ok(pcm) => {
                let path = dir.join(format!("{name}--{voice}.wav"));
                std::fs::write(path, engine::wav::encode_i16(&pcm)).expect("write wav");
            }
            Err(err) => eprintln!("{name} {voice}: {err}"),
        }
    }
}

#[test]
fn festival_recovers_when_its_process_dies() {
    if engine_or_skip("festival").is_none() {
        return;
    }
    let festival = engine::festival::Festival::new(EngineConfig::default()).expect("festival");
    let render = || festival.synthesize("kal_diphone", Prosody::default(), SENTENCE);
    assert!(render().is_ok());
    for pid in festival.idle_pids() {
        let killed = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        assert!(killed.is_ok_and(|s| s.success()));
    }
    std::thread::sleep(Duration::from_millis(100));
    let pcm = render().expect("a fresh festival process takes over");
    assert!(pcm.rms() > 0.01);
}

#[test]
fn festival_that_dies_is_a_crash_not_a_hang() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("english/kal_diphone")).expect("voice dir");
    let fake = dir.path().join("festival");
    std::fs::write(&fake, "#!/bin/sh\nread line\necho 'SIOD ERROR: out of cheese' >&2\nexit 1\n").expect("write fake");
    make_executable(&fake);
    let festival = engine::festival::Festival::with_paths(&fake, dir.path(), EngineConfig::default());
    let started = std::time::Instant::now();
    let err = festival.synthesize("kal_diphone", Prosody::default(), SENTENCE);
    assert!(matches!(err, Err(EngineError::Crashed { ref stderr, .. }) if stderr.contains("out of cheese")), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn festival_keeps_up_with_many_lines() {
    let Some(engine) = engine_or_skip("festival") else { return };
    let started = std::time::Instant::now();
    for _ in 0..10 {
        assert!(engine.synthesize("kal_diphone", Prosody::default(), "A short line.").is_ok());
    }
    // One process per line would cost ~250 ms each before rendering anything.
    eprintln!("festival: 10 short lines in {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// espeak-ng with its library in worker processes of the real binary, as renders run it.
fn espeak_library_or_skip() -> Option<engine::espeak::Espeak> {
    engine_or_skip("espeak-ng")?;
    let config = EngineConfig { worker: Some(env!("CARGO_BIN_EXE_audiobook").into()), ..Default::default() };
    let espeak = engine::espeak::Espeak::new(config).expect("espeak-ng was found above");
    assert!(espeak.uses_library(), "espeak-ng is installed but its library could not be used in a worker");
    Some(espeak)
}

#[test]
fn espeak_library_sounds_exactly_like_the_program() {
    let Some(library) = espeak_library_or_skip() else { return };
    let program = engine::espeak::Espeak::new(EngineConfig::default()).expect("espeak-ng");
    assert!(!program.uses_library());
    let texts = [
        "Hello there.",
        "Tea?",
        "\"There,\" she said; and then, nothing at all!",
        "It was the third of May, 1812, and Mr. Darcy had not come.",
    ];
    let voices = ["en-us+klatt", "en+f3", "en-gb-x-rp+m2", "en-us", "en-029+f2", "en-gb-scotland+klatt4"];
    let prosodies = [Prosody::default(), Prosody { rate: 1.2, pitch: 0.9, volume: 1.1 }];
    // espeak-ng carries state from line to line inside one process, and crashed after a few
    // hundred voice changes: many lines, voices interleaved, in a fixed pseudo-random order.
    let mut seed = 7u32;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (seed >> 16) as usize % n
    };
    for i in 0..400 {
        let (voice, text, prosody) = (voices[next(voices.len())], texts[next(texts.len())], prosodies[next(2)]);
        let heard = library.synthesize(voice, prosody, text).unwrap_or_else(|e| panic!("line {i}, {voice}: {e}"));
        // The program costs ~10 ms a line: compare a sample of the lines with it.
        if i % 20 == 0 {
            let expected = program.synthesize(voice, prosody, text).expect("the program renders");
            assert!(heard == expected, "line {i}: {voice} {prosody:?} {text:?} differs from the program");
        }
    }
}

#[test]
fn espeak_starts_the_workers_a_render_will_use_side_by_side() {
    if engine_or_skip("espeak-ng").is_none() {
        return;
    }
    let config = EngineConfig { worker: Some(env!("CARGO_BIN_EXE_audiobook").into()), ..Default::default() };
    let espeak = engine::espeak::Espeak::new(config).expect("espeak-ng");
    assert!(espeak.idle_pids().is_empty(), "nothing starts before it is needed");
    espeak.prepare(2);
    // Kept idle even on a machine with fewer cores: a render with two jobs has two lines out at once.
    let expected = 2;
    let mut ready = espeak.idle_pids();
    ready.sort();
    ready.dedup();
    assert_eq!(ready.len(), expected, "workers ready: {ready:?}");
    assert_speech(&espeak.synthesize("en-us", Prosody::default(), SENTENCE).expect("renders"), "espeak-ng worker");
    assert_eq!(espeak.idle_pids().len(), expected, "the worker that rendered is idle again");
}

#[test]
fn espeak_falls_back_to_the_program_when_workers_cannot_start() {
    if engine_or_skip("espeak-ng").is_none() {
        return;
    }
    let config = EngineConfig { worker: Some("/bin/false".into()), ..Default::default() };
    let espeak = engine::espeak::Espeak::new(config).expect("espeak-ng");
    assert!(!espeak.uses_library());
    assert_speech(&espeak.synthesize("en-us", Prosody::default(), SENTENCE).expect("renders"), "espeak-ng program");
}

#[test]
fn every_espeak_variant_changes_the_voice() {
    let Some(espeak) = engine_or_skip("espeak-ng") else { return };
    let voices = espeak.voices();
    let accents: Vec<&str> = voices.iter().map(|v| v.id.as_str()).filter(|id| !id.contains('+')).collect();
    assert!(accents.len() >= 3, "{accents:?}");
    for accent in accents {
        // "en-gb+f3" sounded exactly like "en-gb": espeak-ng drops a variant on a language name.
        let plain = espeak.synthesize(accent, Prosody::default(), "Good morning.").expect("renders");
        let varied = espeak.synthesize(&format!("{accent}+f3"), Prosody::default(), "Good morning.").expect("renders");
        assert!(plain != varied, "{accent}+f3 sounds exactly like {accent}");
    }
}

#[test]
fn espeak_lists_the_same_voices_through_its_library_and_its_program() {
    let Some(library) = espeak_library_or_skip() else { return };
    let program = engine::espeak::Espeak::new(EngineConfig::default()).expect("espeak-ng");
    assert_eq!(library.version(), program.version());
    let (from_library, from_program) = (library.voices(), program.voices());
    assert!(from_library.len() > 100, "{} voices", from_library.len());
    assert_eq!(from_library, from_program);
}

/// The worker's child processes (its voice servers), from /proc.
#[cfg(target_os = "linux")]
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            // The parent is the fourth field of /proc/PID/stat, after the name in parentheses.
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
            after_name.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()) == Some(pid)
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn an_espeak_worker_whose_voice_process_dies_fails_that_line_and_recovers() {
    use std::io::{BufRead, BufReader, Read, Write};
    if espeak_library_or_skip().is_none() {
        return;
    }
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_audiobook"))
        .args(["__engine-worker", "espeak-ng"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the worker starts");
    let mut input = worker.stdin.take().expect("stdin");
    let mut output = BufReader::new(worker.stdout.take().expect("stdout"));
    let mut line = String::new();
    output.read_line(&mut line).expect("greeting");
    assert!(line.starts_with("ready "), "{line}");
    let mut say = |text: &str| -> String {
        write!(input, "en-us\t175\t50\t100\t{}\n{text}", text.len()).expect("request");
        input.flush().expect("request");
        let mut header = String::new();
        output.read_line(&mut header).expect("reply");
        if let Some(count) = header.strip_prefix("ok ").and_then(|rest| rest.split_whitespace().nth(1)) {
            let mut samples = vec![0u8; 2 * count.parse::<usize>().expect("a count")];
            output.read_exact(&mut samples).expect("samples");
        }
        header
    };
    assert!(say("Hello there.").starts_with("ok "));
    let servers = children_of(worker.id());
    assert_eq!(servers.len(), 1, "one voice server: {servers:?}");
    // SAFETY: kill has no memory-safety preconditions; the pid is the worker's idle child.
    unsafe { libc::kill(servers[0] as libc::pid_t, libc::SIGKILL) };
    std::thread::sleep(Duration::from_millis(100));
    let failed = say("Tea?");
    assert!(failed.starts_with("err ") && failed.contains("ended"), "{failed}");
    // The next line starts a new voice server.
    assert!(say("Hello again.").starts_with("ok "));
    drop(input);
    assert!(worker.wait().expect("the worker exits").success());
}

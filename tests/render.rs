//! The real binary renders real stories with real engines; every WAV and the manifest are checked.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn audiobook() -> Command {
    common::audiobook()
}

/// Renders `story` with `engine` (and any `extra` arguments) into a fresh folder; returns the
/// folder (kept alive by `dir`).
fn render(story: &str, engine: &str, extra: &[&str], dir: &Path) -> PathBuf {
    let out = dir.join("out");
    audiobook()
        .args(["render", story, "--engine", engine, "--quiet"])
        .args(extra)
        .arg("--output")
        .arg(&out)
        .arg("--cache")
        .arg(dir.join("cache"))
        .assert()
        .success();
    out
}

/// Renders as [`render`] does, but not quietly; returns what the render printed (its summary).
fn render_summary(story: &str, engine: &str, dir: &Path) -> String {
    let assert = audiobook()
        .args(["render", story, "--engine", engine, "--output"])
        .arg(dir.join("out"))
        .arg("--cache")
        .arg(dir.join("cache"))
        .assert()
        .success();
    String::from_utf8_lossy(&assert.get_output().stderr).to_string()
}

fn manifest(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("valid JSON")
}

/// Opens every chapter WAV and checks format, rate, level and duration against the manifest and
/// text.
fn check_render(story: &str, out: &Path, headings: usize, rate: u32) {
    let text = std::fs::read_to_string(common::root().join(story)).unwrap();
    let man = manifest(out);
    let chapters = man["chapters"].as_array().expect("chapters");
    assert_eq!(chapters.len(), headings.max(1), "one file per chapter heading");
    let mut rates = Vec::new();
    let mut total_s = 0.0;
    for ch in chapters {
        let file = out.join(ch["file"].as_str().unwrap());
        let name = ch["file"].as_str().unwrap();
        assert!(name.starts_with(&format!("{:02}-", ch["index"].as_u64().unwrap())), "{name}");
        let mut wav = hound::WavReader::open(&file).expect("a readable WAV");
        let spec = wav.spec();
        assert_eq!((spec.channels, spec.bits_per_sample, spec.sample_format), (1, 16, hound::SampleFormat::Int));
        rates.push(spec.sample_rate);
        let samples: Vec<i16> = wav.samples::<i16>().map(|s| s.unwrap()).collect();
        let duration = samples.len() as f64 / f64::from(spec.sample_rate);
        assert!((duration - ch["duration_s"].as_f64().unwrap()).abs() < 0.01, "duration in manifest");
        let rms = (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt();
        assert!(rms > 300.0, "{name} is nearly silent (RMS {rms:.0})");
        total_s += duration;
        let mut last_end = 0.0;
        for line in ch["lines"].as_array().unwrap() {
            let [s, e] = [line["span"][0].as_u64().unwrap() as usize, line["span"][1].as_u64().unwrap() as usize];
            assert!(text.get(s..e).is_some_and(|t| !t.trim().is_empty()), "span {s}..{e} slices the story");
            let (a, b) = (line["start_s"].as_f64().unwrap(), line["end_s"].as_f64().unwrap());
            assert!(a >= last_end && b > a && b <= duration + 1e-6, "line times {a}..{b} in order within {duration}");
            last_end = b;
        }
    }
    rates.dedup();
    assert_eq!(rates, [rate], "one sample rate for the whole book");
    assert_eq!(man["sample_rate"], rate, "the manifest gives the book's rate");
    // Speech runs at roughly 100 to 250 words a minute, pauses included.
    let words = text.split_whitespace().count() as f64;
    let minutes = total_s / 60.0;
    assert!((words / 250.0..words / 80.0).contains(&minutes), "{minutes:.2} min for {words} words");
}

fn engine_present(name: &str) -> bool {
    let present = audiobook::engine::by_name(name, &Default::default()).is_ok();
    common::need(present, name, "AUDIOBOOK_REQUIRE_ENGINES")
}

#[test]
fn renders_with_espeak_ng() {
    if !engine_present("espeak-ng") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let story = "stories/the-clockmakers-apprentice.txt";
    let out = render(story, "espeak-ng", &[], dir.path());
    // espeak-ng's own rate: its lines go in without resampling.
    check_render(story, &out, 2, 22_050);
}

#[test]
fn renders_with_the_embedded_voice_and_no_system_engine() {
    let dir = tempfile::tempdir().unwrap();
    for (story, headings) in [("stories/the-clockmakers-apprentice.txt", 2), ("stories/the-lighthouse-keepers.txt", 0)]
    {
        // The embedded voice renders at 16 kHz: the book is at 24 kHz unless told otherwise.
        let out = render(story, "embedded", &[], &dir.path().join(headings.to_string()));
        check_render(story, &out, headings, 24_000);
    }
    let story = "stories/the-night-ferry.txt";
    let out = render(story, "embedded", &["--sample-rate", "22050"], &dir.path().join("asked"));
    check_render(story, &out, 0, 22_050);
}

#[test]
fn renders_with_the_default_engines() {
    let dir = tempfile::tempdir().unwrap();
    let story = "stories/the-night-ferry.txt";
    let out = dir.path().join("out");
    audiobook()
        .args(["render", story, "--quiet", "--output"])
        .arg(&out)
        .arg("--cache")
        .arg(dir.path().join("cache"))
        // The engines of a machine without Piper voices (tests/piper.rs renders with them).
        .env("XDG_DATA_HOME", dir.path().join("no-piper-voices"))
        .assert()
        .success();
    // Every default engine but espeak-ng renders at 16 kHz, and espeak-ng never narrates while
    // a recorded voice is there (the embedded one always is).
    check_render(story, &out, 0, 24_000);
}

#[test]
fn a_second_render_comes_from_the_cache_and_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let story = "stories/the-night-ferry.txt";
    let first = render(story, "embedded", &[], dir.path());
    let bytes = std::fs::read(first.join("01-chapter-1.wav")).unwrap();
    let stderr = render_summary(story, "embedded", dir.path());
    assert!(stderr.contains(" 0 line(s) synthesized"), "{stderr}");
    assert!(stderr.contains("1 unchanged chapter(s) kept"), "{stderr}");
    assert_eq!(bytes, std::fs::read(first.join("01-chapter-1.wav")).unwrap());
    // Assembled again from the cache alone, the chapter comes out byte for byte the same.
    std::fs::remove_file(first.join("01-chapter-1.wav")).unwrap();
    render(story, "embedded", &[], dir.path());
    assert_eq!(bytes, std::fs::read(first.join("01-chapter-1.wav")).unwrap());
}

#[test]
fn espeak_ngs_voice_listing_is_kept_in_the_cache_and_used() {
    if !engine_present("espeak-ng") {
        return;
    }
    if let Err(why) = audiobook::engine::espeak::library::available() {
        // Without the library lines go to the program, and nothing is saved.
        assert!(!common::required("AUDIOBOOK_REQUIRE_ENGINES"), "espeak-ng's library: {why}");
        eprintln!("skipping: espeak-ng's library cannot be loaded ({why})");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let story = "stories/the-night-ferry.txt";
    render(story, "espeak-ng", &[], dir.path());
    let saved = dir.path().join("cache/engines/espeak-ng-voices.json");
    let mut entry: Value = serde_json::from_str(&std::fs::read_to_string(&saved).expect("a saved listing")).unwrap();
    assert!(entry["value"]["english"].as_array().is_some_and(|a| !a.is_empty()), "{entry}");
    assert!(entry["value"]["variants"].as_array().is_some_and(|a| !a.is_empty()), "{entry}");

    // The next render takes the version from the saved listing: every cache key changes with it,
    // so every line is synthesized again.
    entry["value"]["version"] = "0-saved".into();
    std::fs::write(&saved, entry.to_string()).unwrap();
    let stderr = render_summary(story, "espeak-ng", dir.path());
    assert!(stderr.contains(" 0 from cache"), "{stderr}");
}

/// Runs the binary expecting a one-line error that mentions `needle`.
fn fails_with(args: &[&str], needle: &str) {
    let assert = audiobook().args(args).assert().failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.starts_with("error: ") && stderr.contains(needle), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("empty.txt"), "").unwrap();
    std::fs::write(d.join("blank.txt"), "\n  \n").unwrap();
    std::fs::write(d.join("binary.txt"), b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").unwrap();
    let p = |name: &str| d.join(name).display().to_string();
    let out = p("out");
    fails_with(&["render", &p("missing.txt"), "--output", &out], "cannot read");
    fails_with(&["render", &p(""), "--output", &out], "is a directory");
    fails_with(&["render", &p("empty.txt"), "--output", &out], "is empty");
    fails_with(&["script", &p("blank.txt")], "is empty");
    fails_with(&["render", &p("binary.txt"), "--output", &out], "binary");
    fails_with(
        &["render", "stories/the-night-ferry.txt", "--engine", "nope", "--output", &out],
        "unknown engine `nope`",
    );
    std::fs::write(d.join("file"), "not a folder").unwrap();
    let unwritable = format!("{}/sub", p("file"));
    fails_with(
        &[
            "render",
            "stories/the-night-ferry.txt",
            "--engine",
            "embedded",
            "--output",
            &unwritable,
            "--cache",
            &p("cache"),
        ],
        "cannot",
    );
}

#[test]
fn numbers_out_of_range_are_refused_with_their_range() {
    let story = "stories/the-night-ferry.txt";
    let bad: [(&[&str], &str); 6] = [
        (&["render", story, "--sample-rate", "1"], "8000 to 192000"),
        (&["render", story, "--sample-rate", "10000000"], "8000 to 192000"),
        (&["render", story, "--jobs", "10000"], "from 1 to"),
        (&["render", story, "--jobs", "-5"], "from 1 to"),
        (&["preview", story, "--chapter", "-5"], "from 1 up"),
        (&["script", story, "--min-confidence", "NaN"], "from 0 to 1"),
    ];
    for (args, range) in bad {
        let assert = audiobook().args(args).assert().failure();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(range) && !stderr.contains("usize"), "{args:?}: {stderr}");
    }
}

#[test]
fn selections_that_hold_nothing_say_what_there_is() {
    let story = "stories/the-night-ferry.txt";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out").display().to_string();
    fails_with(&["preview", story, "--lines", "1000..2000", "--output", &out], "the story has lines 1 to");
    fails_with(&["preview", story, "--chapter", "1", "--scene", "999", "--output", &out], "has scenes 1 to");
    fails_with(&["preview", story, "--chapter", "999", "--output", &out], "has chapters 1 to");
}

#[test]
fn a_voices_folder_that_does_not_exist_is_an_error() {
    let assert = Command::new(env!("CARGO_BIN_EXE_audiobook"))
        .current_dir(common::root())
        .args(["--voices", "/no/such/voices", "script", "stories/the-night-ferry.txt"])
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("the voices folder /no/such/voices does not exist"), "{stderr}");
}

#[test]
fn an_operating_system_error_is_said_once() {
    let assert = audiobook().args(["script", "/no/such/story.txt"]).assert().failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
}

#[test]
fn a_reader_that_goes_away_stops_the_printing_not_the_work() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // As `audiobook render STORY 2>&1 | true`: stderr's reader is gone before anything is printed.
    let mut child = common::command()
        .args(["render", "stories/the-night-ferry.txt", "--engine", "embedded", "--output"])
        .arg(&out)
        .arg("--cache")
        .arg(dir.path().join("cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let files: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    for extension in [".vtt", ".srt", ".cue", ".labels.txt"] {
        assert!(files.iter().any(|f| f.ends_with(extension)), "no {extension} in {files:?}");
    }
}

#[test]
fn a_story_that_lost_chapters_leaves_none_of_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let two = dir.path().join("story.txt");
    std::fs::write(&two, "Chapter 1\n\nThe tide came in.\n\nChapter 2\n\nThe tide went out.\n").unwrap();
    let out = render(two.to_str().unwrap(), "embedded", &[], dir.path());
    std::fs::write(out.join("my-notes.txt"), "mine").unwrap();
    let listed = |out: &Path| {
        let mut names: Vec<String> =
            std::fs::read_dir(out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    assert!(listed(&out).iter().any(|n| n.starts_with("02-")), "{:?}", listed(&out));
    std::fs::write(&two, "Chapter 1\n\nThe tide came in.\n").unwrap();
    render(two.to_str().unwrap(), "embedded", &[], dir.path());
    let names = listed(&out);
    assert!(!names.iter().any(|n| n.starts_with("02-")), "chapter 2's files are left: {names:?}");
    assert!(names.iter().any(|n| n == "my-notes.txt"), "a file the render did not write was removed: {names:?}");
    assert!(names.iter().any(|n| n.starts_with("01-") && n.ends_with(".wav")), "{names:?}");
}

#[test]
fn two_renders_into_one_folder_do_not_write_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // Another render holds the folder.
    let held = audiobook::render::lock(&out).unwrap();
    fails_with(
        &["render", "stories/the-night-ferry.txt", "--engine", "embedded", "--output", out.to_str().unwrap()],
        "another render is writing",
    );
    drop(held);
    render("stories/the-night-ferry.txt", "embedded", &[], dir.path());
}

//! When an engine fails on some lines the render still finishes everything else, names exactly
//! the failed lines (report, manifest, exit code), retries each failure once, and falls back to
//! the narrator's voice when a character's voice fails.

mod fake;

use audiobook::render;
use fake::{Fake, Fault};
use std::collections::BTreeSet;
use std::path::Path;

const STORY: &str = "Chapter 1

The harbour was quiet when the ferry came in at last.

The engine room gave a CRASH and a long shudder.

\"Nobody will HANG about here tonight,\" said Ann.

\"Ropes, please, and quickly,\" said Bob.

The deck lights flickered and went EMPTY of colour.

Chapter 2

The gulls were loud over the grey water.

\"We sail at dawn, whatever the weather,\" said Ann.

\"Bring the SILENT lantern from the hold,\" said Bob.

The captain nodded and went below.
";

const MARKERS: [&str; 4] = ["CRASH", "HANG", "EMPTY", "SILENT"];

/// 1-based numbers of the script lines whose text contains one of `markers`.
fn lines_with(script: &audiobook::script::Script, markers: &[&str]) -> BTreeSet<usize> {
    (0..script.lines.len())
        .filter(|&i| markers.iter().any(|m| STORY[script.lines[i].span.range()].contains(m)))
        .map(|i| i + 1)
        .collect()
}

fn narrator_only() -> audiobook::cast::Cast {
    fake::cast("n", &[])
}

#[test]
fn every_other_line_is_rendered_and_only_the_failed_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Fake::new()
        .fail(None, "CRASH", Fault::Crash)
        .fail(None, "HANG", Fault::Hang)
        .fail(None, "EMPTY", Fault::Empty)
        .fail(None, "SILENT", Fault::Silent)
        .arc();
    let script = fake::script(STORY, &[]);
    let opts = fake::options(dir.path());
    let report = render::render(STORY, &script, &narrator_only(), &fake::engines(&engine), &opts).unwrap();

    let expected = lines_with(&script, &MARKERS);
    assert_eq!(expected.len(), 4, "the story has one line per fault");
    let failed: BTreeSet<usize> = report.failures.iter().map(|f| f.line).collect();
    assert_eq!(failed, expected, "{:#?}", report.failures);
    assert_eq!(report.failures.len(), 4, "each failed line is listed once");
    for f in &report.failures {
        assert_eq!(f.voice, "fake:n");
        let text = &STORY[script.lines[f.line - 1].span.range()];
        let why = if text.contains("CRASH") {
            "failed"
        } else if text.contains("HANG") {
            "did not finish"
        } else {
            "no audio"
        };
        assert!(f.error.contains(why), "line {}: {}", f.line, f.error);
    }

    // The manifest lists every line, the failed ones silent and with their error.
    let man = fake::manifest(&opts.out_dir);
    let records = fake::manifest_lines(&man);
    assert_eq!(records.len(), script.lines.len(), "every line is in the manifest");
    for r in &records {
        let line = r["line"].as_u64().unwrap() as usize;
        let (start, end) = (r["start_s"].as_f64().unwrap(), r["end_s"].as_f64().unwrap());
        if expected.contains(&line) {
            assert!(r["error"].as_str().is_some_and(|e| !e.is_empty()), "line {line} has no error: {r}");
            assert_eq!(start, end, "failed line {line} takes no time");
        } else {
            assert!(r.get("error").is_none(), "line {line} should have been voiced: {r}");
            assert!(end > start, "line {line} is voiced");
        }
    }
    assert_eq!(man["failures"].as_array().unwrap().len(), 4);

    // Both chapters were written in full, with the voiced lines' audio in them.
    assert_eq!(report.chapters.len(), 2);
    for ch in &report.chapters {
        let wav = hound::WavReader::open(opts.out_dir.join(&ch.file)).unwrap();
        let voiced: f64 = ch.lines.iter().map(|l| l.end_s - l.start_s).sum();
        let file_s = wav.duration() as f64 / f64::from(wav.spec().sample_rate);
        assert!(voiced > 1.0 && file_s > voiced, "{}: {file_s} s for {voiced} s of lines", ch.file);
    }

    // Each failure was tried exactly twice (one retry); each healthy line once.
    for m in MARKERS {
        assert_eq!(engine.calls("n", m), 2, "attempts at the {m} line");
    }
    let healthy = engine.texts().len() - MARKERS.len();
    assert_eq!(engine.total_calls(), healthy + 2 * MARKERS.len());
    assert_eq!(report.fallbacks, 0, "the narrator has nobody to fall back on");
}

#[test]
fn a_line_that_fails_once_is_retried_and_voiced() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Fake::new().fail(None, "CRASH", Fault::CrashOnce).arc();
    let script = fake::script(STORY, &[]);
    let opts = fake::options(dir.path());
    let report = render::render(STORY, &script, &narrator_only(), &fake::engines(&engine), &opts).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(engine.calls("n", "CRASH"), 2);
    let records = fake::manifest_lines(&fake::manifest(&opts.out_dir));
    assert!(records.iter().all(|r| r.get("error").is_none()));
}

#[test]
fn an_unknown_voice_is_not_retried() {
    // A retry cannot conjure a voice up; it would only double the time to fail.
    let dir = tempfile::tempdir().unwrap();
    let engine = Fake::new().fail(None, "CRASH", Fault::UnknownVoice).arc();
    let script = fake::script(STORY, &[]);
    let report =
        render::render(STORY, &script, &narrator_only(), &fake::engines(&engine), &fake::options(dir.path())).unwrap();
    assert_eq!(report.failures.iter().map(|f| f.line).collect::<BTreeSet<_>>(), lines_with(&script, &["CRASH"]));
    assert_eq!(engine.calls("n", "CRASH"), 1);
}

#[test]
fn a_failing_character_voice_falls_back_to_the_narrator() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Fake::new()
        // Ann's voice fails on two of her lines; the narrator can say them.
        .fail(Some("ann"), "HANG", Fault::Hang)
        .fail(Some("ann"), "dawn", Fault::Crash)
        // Bob's voice and the narrator's both fail on one line: nobody can say it.
        .fail(Some("bob"), "SILENT", Fault::Crash)
        .fail(Some("n"), "SILENT", Fault::Crash)
        .arc();
    let script = fake::script(STORY, &["Ann", "Bob"]);
    let speakers: BTreeSet<&str> = script.lines.iter().filter_map(|l| l.speaker.as_deref()).collect();
    assert_eq!(speakers, BTreeSet::from(["Ann", "Bob"]), "the test story assigns its speakers");
    let casting = fake::cast("n", &[("Ann", "ann"), ("Bob", "bob")]);
    let opts = fake::options(dir.path());
    let report = render::render(STORY, &script, &casting, &fake::engines(&engine), &opts).unwrap();

    assert_eq!(report.fallbacks, 2);
    let fallen_back = lines_with(&script, &["HANG", "dawn"]);
    let unvoiced = lines_with(&script, &["SILENT"]);
    assert_eq!(report.failures.iter().map(|f| f.line).collect::<BTreeSet<_>>(), unvoiced);
    assert_eq!(report.failures[0].voice, "fake:bob", "the failure names the voice the line was cast with");

    let records = fake::manifest_lines(&fake::manifest(&opts.out_dir));
    for r in &records {
        let line = r["line"].as_u64().unwrap() as usize;
        let voice = r["voice"]["voice"].as_str().unwrap();
        let speaker = r["speaker"].as_str();
        if fallen_back.contains(&line) {
            assert_eq!((voice, speaker), ("n", Some("Ann")), "line {line} in the narrator's voice, still Ann's line");
            assert!(r.get("error").is_none() && r["end_s"].as_f64() > r["start_s"].as_f64());
        } else if unvoiced.contains(&line) {
            assert!(r.get("error").is_some());
        } else {
            let cast = match speaker {
                Some("Ann") => "ann",
                Some("Bob") => "bob",
                _ => "n",
            };
            assert_eq!(voice, cast, "line {line}");
        }
    }
    // The character's voice was tried twice, then the narrator's once (it succeeded) or twice.
    assert_eq!((engine.calls("ann", "HANG"), engine.calls("n", "HANG")), (2, 1));
    assert_eq!((engine.calls("ann", "dawn"), engine.calls("n", "dawn")), (2, 1));
    assert_eq!((engine.calls("bob", "SILENT"), engine.calls("n", "SILENT")), (2, 2));
}

#[test]
fn an_engine_that_lies_about_its_sample_rate_costs_only_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let script = fake::script(STORY, &["Ann", "Bob"]);
    let opts = fake::options(dir.path());
    let casting = fake::cast("n", &[("Ann", "ann"), ("Bob", "bob")]);
    // Ann's voice returns audio "at 1 Hz" for the line about dawn; the narrator's is healthy.
    let liar = Fake::new().fail(Some("ann"), "dawn", Fault::AbsurdRate).arc();
    let report = render::render(STORY, &script, &casting, &fake::engines(&liar), &opts).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.fallbacks, 1, "the narrator speaks the line its own voice could not");
    assert_eq!(liar.calls("ann", "dawn"), 2, "the bad output was tried again, as any failed line");
    // Nothing the liar said entered the cache: a healthy engine voices the line in Ann's voice.
    let healthy = Fake::new().arc();
    let again = render::render(STORY, &script, &casting, &fake::engines(&healthy), &opts).unwrap();
    assert!(again.failures.is_empty() && again.fallbacks == 0);
    assert_eq!(healthy.calls("ann", "dawn"), 1);
}

#[test]
fn a_cache_that_cannot_be_written_loses_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let script = fake::script(STORY, &[]);
    let opts = fake::options(dir.path());
    // Every fan-out folder of the cache is taken by a file, as when nothing more can be written.
    std::fs::create_dir_all(&opts.cache_dir).unwrap();
    for n in 0..256 {
        std::fs::write(opts.cache_dir.join(format!("{n:02x}")), b"").unwrap();
    }
    let engine = Fake::new().arc();
    let report = render::render(STORY, &script, &narrator_only(), &fake::engines(&engine), &opts).unwrap();
    assert!(report.failures.is_empty(), "lines were lost: {:?}", report.failures);
    let voiced = fake::manifest_lines(&fake::manifest(&opts.out_dir));
    assert!(voiced.iter().all(|l| l["end_s"].as_f64() > l["start_s"].as_f64()), "a line is silent");
    assert_eq!(report.warnings.len(), 1, "one warning: {:?}", report.warnings);
    assert!(report.warnings[0].contains("could not be saved in the cache"), "{:?}", report.warnings);
}

#[test]
fn failed_lines_are_tried_again_by_the_next_render() {
    // Nothing is cached for a failed line, so fixing the engine and rendering again voices just
    // the lines that were missing.
    let dir = tempfile::tempdir().unwrap();
    let script = fake::script(STORY, &[]);
    let opts = fake::options(dir.path());
    let broken = Fake::new().fail(None, "CRASH", Fault::Crash).arc();
    let first = render::render(STORY, &script, &narrator_only(), &fake::engines(&broken), &opts).unwrap();
    assert_eq!(first.failures.len(), 1);

    let fixed = Fake::new().arc();
    let second = render::render(STORY, &script, &narrator_only(), &fake::engines(&fixed), &opts).unwrap();
    assert!(second.failures.is_empty());
    assert_eq!(fixed.total_calls(), 1);
    assert_eq!((second.synthesized, second.cache_hits), (1, script.lines.len() - 1));
}

#[test]
fn failed_lines_do_not_count_as_synthesized() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Fake::new().fail(None, "CRASH", Fault::Crash).arc();
    let script = fake::script(STORY, &[]);
    let report =
        render::render(STORY, &script, &narrator_only(), &fake::engines(&engine), &fake::options(dir.path())).unwrap();
    assert_eq!(report.failures.len(), 1);
    // The engine was asked for each distinct text once (twice for the failing one); all but the
    // failing text came back as audio.
    let distinct = engine.texts().len();
    assert_eq!(report.synthesized, distinct - 1, "the summary says \"N line(s) synthesized\"");
}

/// Puts a stand-in `espeak-ng` in `bin` that crashes on any text containing KABOOM (counting
/// those calls in `bin/kaboom-calls`) and hands everything else to the real espeak-ng, so the
/// binary can be driven into a partial failure.
fn crashing_espeak(bin: &Path, real: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let script = format!(
        "#!/bin/sh\ninput=$(cat)\ncase \"$input\" in *KABOOM*) echo x >> '{calls}'; echo 'fake crash' >&2; exit 3;; esac\n\
         printf '%s' \"$input\" | exec '{real}' \"$@\"\n",
        calls = bin.join("kaboom-calls").display(),
        real = real.display()
    );
    let path = bin.join("espeak-ng");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn the_binary_exits_non_zero_when_some_lines_failed_and_writes_the_rest() {
    let real = audiobook::engine::process::which(Path::new("espeak-ng"));
    let present = real.is_some();
    if !common::need(present, "espeak-ng", "AUDIOBOOK_REQUIRE_ENGINES") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    crashing_espeak(&bin, &real.unwrap());
    let story = dir.path().join("story.txt");
    std::fs::write(&story, "The lamp was lit.\n\nThen the KABOOM came.\n\nThe night was calm again.\n").unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.clone()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = common::command()
        .args(["render", "--engine", "espeak-ng", "--jobs", "1"])
        .arg(&story)
        .arg("--output")
        .arg(&out)
        .arg("--cache")
        .arg(dir.path().join("cache"))
        .env("PATH", path)
        // The stand-in is a program: keep espeak-ng's library (which would bypass it) out.
        .env("AUDIOBOOK_ENGINE_WORKERS", "0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: line 2 (espeak-ng:"), "{stderr}");
    assert!(stderr.contains("1 line(s) could not be voiced"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read_to_string(bin.join("kaboom-calls")).unwrap().lines().count(), 2, "tried twice");
    let records = fake::manifest_lines(&fake::manifest(&out));
    let errors: Vec<u64> =
        records.iter().filter(|r| r.get("error").is_some()).map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(errors, [2]);
    assert_eq!(records.len(), 3);
    let wavs =
        std::fs::read_dir(&out).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "wav"));
    assert_eq!(wavs.count(), 1, "the chapter was still written");
}

mod common;

#[test]
fn a_render_refused_as_busy_writes_nothing_in_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Fake::new().arc();
    let script = fake::script(STORY, &[]);
    let mut opts = fake::options(dir.path());
    opts.beside = vec![("source.txt".to_string(), STORY.as_bytes().to_vec())];
    std::fs::create_dir_all(&opts.out_dir).unwrap();
    let held = render::lock(&opts.out_dir).unwrap();
    let err = render::render(STORY, &script, &narrator_only(), &fake::engines(&engine), &opts).unwrap_err();
    assert!(err.to_string().contains("another render is writing"), "{err}");
    assert!(!opts.out_dir.join("source.txt").exists(), "the busy render wrote its source text");
    drop(held);
    render::render(STORY, &script, &narrator_only(), &fake::engines(&engine), &opts).unwrap();
    assert_eq!(std::fs::read_to_string(opts.out_dir.join("source.txt")).unwrap(), STORY);
}

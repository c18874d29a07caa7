//! The cache's promises: an interrupted render resumes to the same bytes, changing one voice
//! re-renders only that voice's lines, and voices of very different level come out matched.

mod common;
mod fake;

use audiobook::audio::cache::CacheKey;
use audiobook::render;
use audiobook::voice::Prosody;
use fake::Fake;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DIALOGUE: &str = "Chapter 1

The lamp room smelled of oil and salt, and the glass was cold to the touch.

\"Is the wick trimmed for the night?\" said Ann.

\"Yes, and the spare is in the drawer,\" said Bob.

\"Yes,\" said Ann.

The wind rose over the headland and the shutters rattled in their frames.

Chapter 2

\"We should write the log before the storm arrives,\" said Ann.

\"Yes,\" said Ann.

\"I will fetch the book and the good pen,\" said Bob.

The keeper climbed the stairs and counted every one of them aloud.
";

/// Cache entries (not temporary files, nor what engines keep there) in a cache folder.
fn cache_entries(cache: &Path) -> usize {
    let Ok(fans) = std::fs::read_dir(cache) else { return 0 };
    fans.filter_map(Result::ok)
        .filter(|fan| fan.file_name().len() == 2)
        .filter_map(|fan| std::fs::read_dir(fan.path()).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .count()
}

/// The chapter WAVs of an output folder, by name.
fn wavs(out: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

fn render_cmd(story: &Path, out: &Path, cache: &Path, jobs: &str) -> Command {
    let mut cmd = common::command();
    cmd.args(["render", "--engine", "flite", "--jobs", jobs])
        .arg(story)
        .arg("--output")
        .arg(out)
        .arg("--cache")
        .arg(cache);
    cmd
}

/// A story of `n` distinct short paragraphs: one line each, so lines and cache entries match.
fn numbered_story(n: usize) -> String {
    let words = ["harbour", "lantern", "anchor", "gull", "rope", "tide", "keel", "mast"];
    (0..n)
        .map(|i| format!("Paragraph {i} tells of the {} and the {} at dusk.\n\n", words[i % 8], words[(i * 3 + 1) % 8]))
        .collect()
}

#[test]
fn an_interrupted_render_resumes_to_the_same_bytes() {
    if !common::need(
        audiobook::engine::by_name("flite", &Default::default()).is_ok(),
        "flite",
        "AUDIOBOOK_REQUIRE_ENGINES",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    const LINES: usize = 16;
    let story = d.join("story.txt");
    std::fs::write(&story, numbered_story(LINES)).unwrap();

    // One line at a time, stopped (SIGKILL: no chance to tidy up) once a few lines are cached.
    let cache = d.join("cache");
    let mut child =
        render_cmd(&story, &d.join("out"), &cache, "1").arg("--quiet").stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while cache_entries(&cache) < 3 {
        assert!(child.try_wait().unwrap().is_none(), "the render ended before it could be interrupted");
        assert!(Instant::now() < deadline, "no cache entries appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    let cached_at_kill = cache_entries(&cache);
    assert!(still_running && cached_at_kill < LINES, "interrupted with {cached_at_kill} of {LINES} lines cached");

    let rerun = render_cmd(&story, &d.join("out"), &cache, "2").output().unwrap();
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert!(rerun.status.success(), "{stderr}");
    let (synthesized, hits) = summary_counts(&stderr);
    assert!(hits >= cached_at_kill && hits > 0, "the rerun reuses what was cached: {stderr}");
    assert!(synthesized > 0 && synthesized + hits == LINES, "{stderr}");

    let fresh = render_cmd(&story, &d.join("fresh"), &d.join("fresh-cache"), "2").arg("--quiet").output().unwrap();
    assert!(fresh.status.success());
    let (resumed, reference) = (wavs(&d.join("out")), wavs(&d.join("fresh")));
    assert!(!reference.is_empty());
    assert_eq!(resumed.keys().collect::<Vec<_>>(), reference.keys().collect::<Vec<_>>());
    for (name, bytes) in &reference {
        assert!(resumed[name] == *bytes, "{name} differs after resuming");
    }
}

/// (synthesized, from cache) out of the summary line "...; N line(s) synthesized, M from cache".
fn summary_counts(stderr: &str) -> (usize, usize) {
    let number_before = |needle: &str| -> usize {
        let at = stderr.find(needle).unwrap_or_else(|| panic!("no {needle:?} in {stderr}"));
        stderr[..at].rsplit(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
    };
    (number_before(" line(s) synthesized"), number_before(" from cache"))
}

fn two_speakers(ann: &str) -> audiobook::cast::Cast {
    fake::cast("n", &[("Ann", ann), ("Bob", "bob")])
}

#[test]
fn changing_one_voice_re_renders_exactly_that_characters_lines() {
    let dir = tempfile::tempdir().unwrap();
    let script = fake::script(DIALOGUE, &["Ann", "Bob"]);
    let opts = fake::options(dir.path());
    let first_engine = Fake::new().arc();
    let first = render::render(DIALOGUE, &script, &two_speakers("ann"), &fake::engines(&first_engine), &opts).unwrap();
    assert_eq!(first.cache_hits, 0);
    assert_eq!(first.synthesized, first_engine.texts().len(), "one task per distinct voice and text");

    let records = fake::manifest_lines(&fake::manifest(&opts.out_dir));
    let anns: Vec<&serde_json::Value> = records.iter().filter(|r| r["speaker"] == "Ann").collect();
    let ann_texts: BTreeSet<&str> = anns.iter().map(|r| r["text"].as_str().unwrap()).collect();
    assert!(anns.len() > ann_texts.len(), "the story repeats one of Ann's lines, to check it is rendered once");

    let engine = Fake::new().arc();
    let second = render::render(DIALOGUE, &script, &two_speakers("ann2"), &fake::engines(&engine), &opts).unwrap();
    assert_eq!(second.synthesized, ann_texts.len());
    assert_eq!(second.cache_hits, records.len() - anns.len());
    let asked: Vec<(String, String)> = engine.texts();
    let expected: Vec<(String, String)> = ann_texts.iter().map(|t| ("ann2".to_string(), t.to_string())).collect();
    assert_eq!(asked, expected, "only Ann's lines, in her new voice");
    assert_eq!(engine.total_calls(), ann_texts.len());
    let after = fake::manifest_lines(&fake::manifest(&opts.out_dir));
    assert!(after.iter().filter(|r| r["speaker"] == "Ann").all(|r| r["voice"]["voice"] == "ann2"));
}

/// Integrated loudness (LUFS) of mono samples.
fn lufs(samples: &[f32], rate: u32) -> f64 {
    let mut meter = ebur128::EbuR128::new(1, rate, ebur128::Mode::I).unwrap();
    meter.add_frames_f32(samples).unwrap();
    meter.loudness_global().unwrap()
}

/// A chapter file's samples.
fn read_wav(path: &Path) -> (Vec<f32>, u32) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let rate = reader.spec().sample_rate;
    (reader.samples::<i16>().map(|s| f32::from(s.unwrap()) / 32768.0).collect(), rate)
}

/// Each voice's lines cut out of the chapter files by the manifest's times: voice -> samples.
fn samples_by_voice(out: &Path) -> BTreeMap<String, Vec<f32>> {
    let man = fake::manifest(out);
    let mut by_voice: BTreeMap<String, Vec<f32>> = BTreeMap::new();
    for ch in man["chapters"].as_array().unwrap() {
        let (samples, rate) = read_wav(&out.join(ch["file"].as_str().unwrap()));
        for line in ch["lines"].as_array().unwrap() {
            let at = |key: &str| (line[key].as_f64().unwrap() * f64::from(rate)).round() as usize;
            let voice = line["voice"]["voice"].as_str().unwrap().to_string();
            by_voice.entry(voice).or_default().extend_from_slice(&samples[at("start_s")..at("end_s")]);
        }
    }
    by_voice
}

#[test]
fn voices_of_very_different_level_come_out_matched() {
    let dir = tempfile::tempdir().unwrap();
    // 26 dB apart at the engine; both need gain (one up, one down) to meet the target.
    let engine = Fake::new().level("n", 0.03).level("ann", 0.6).level("bob", 0.6).arc();
    let raw_gap = lufs(&fake::tone("ann", "a line", 0.6).samples, fake::RATE)
        - lufs(&fake::tone("n", "a line", 0.03).samples, fake::RATE);
    assert!(raw_gap > 20.0, "the fake's voices differ by {raw_gap:.1} LU before the render");

    let script = fake::script(DIALOGUE, &["Ann", "Bob"]);
    let opts = fake::options(dir.path());
    render::render(DIALOGUE, &script, &two_speakers("ann"), &fake::engines(&engine), &opts).unwrap();
    let by_voice = samples_by_voice(&opts.out_dir);
    let rate = read_wav(&opts.out_dir.join(fake::manifest(&opts.out_dir)["chapters"][0]["file"].as_str().unwrap())).1;
    let levels: BTreeMap<&str, f64> = by_voice.iter().map(|(v, s)| (v.as_str(), lufs(s, rate))).collect();
    assert_eq!(levels.len(), 3, "{levels:?}");
    let (lo, hi) = levels.values().fold((f64::MAX, f64::MIN), |(lo, hi), &l| (lo.min(l), hi.max(l)));
    assert!(hi - lo <= 2.0, "voices differ by {:.1} LU after the render: {levels:?}", hi - lo);
}

#[test]
fn a_damaged_cache_entry_is_rendered_again() {
    // A truncated copy or a full disk leaves an entry too short; a power loss can leave one of the
    // right length with zeros for samples, which only reading it shows.
    let truncate = |bytes: &[u8]| bytes[..bytes.len() / 2].to_vec();
    let zero = |bytes: &[u8]| {
        let mut zeroed = bytes.to_vec();
        zeroed[20..].fill(0);
        zeroed
    };
    // A flipped bit in the sample rate, 16000 to 16001, or the rate replaced altogether.
    let rate = |bytes: &[u8]| {
        let mut changed = bytes.to_vec();
        changed[4] ^= 1;
        changed
    };
    let huge = |bytes: &[u8]| {
        let mut changed = bytes.to_vec();
        changed[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        changed
    };
    type Damage<'a> = &'a dyn Fn(&[u8]) -> Vec<u8>;
    let damages: [(Damage, &str); 4] =
        [(&truncate, "truncated"), (&zero, "zeroed"), (&rate, "rate bit flipped"), (&huge, "rate replaced")];
    for (damage, how) in damages {
        let dir = tempfile::tempdir().unwrap();
        let script = fake::script(DIALOGUE, &["Ann", "Bob"]);
        let opts = fake::options(dir.path());
        render::render(DIALOGUE, &script, &two_speakers("ann"), &fake::engines(&Fake::new().arc()), &opts).unwrap();
        let wav = opts.out_dir.join(fake::manifest(&opts.out_dir)["chapters"][0]["file"].as_str().unwrap());
        let first = std::fs::read(&wav).unwrap();

        let records = fake::manifest_lines(&fake::manifest(&opts.out_dir));
        let victim = records.iter().find(|r| r["kind"] == "narration").unwrap();
        let key = CacheKey::new(fake::NAME, "1.0", "n", Prosody::default(), victim["text"].as_str().unwrap());
        let entry: PathBuf = opts.cache_dir.join(&key.as_str()[..2]).join(key.as_str());
        let bytes = std::fs::read(&entry).expect("the entry is where the cache keeps it");
        std::fs::write(&entry, damage(&bytes)).unwrap();
        // The chapter must be written again for its lines to be read at all.
        std::fs::remove_file(&wav).unwrap();

        let engine = Fake::new().arc();
        let again = render::render(DIALOGUE, &script, &two_speakers("ann"), &fake::engines(&engine), &opts).unwrap();
        let after = fake::manifest_lines(&fake::manifest(&opts.out_dir));
        let errors: Vec<&serde_json::Value> = after.iter().filter(|r| r.get("error").is_some()).collect();
        assert!(errors.is_empty(), "{how}: the damaged line is silent: {errors:?}");
        assert_eq!(again.synthesized, 1, "{how}: the damaged entry is rendered again, and only it");
        assert_eq!(again.cache_hits + 1, records.len(), "{how}: every other line comes from the cache");
        assert_eq!(std::fs::read(&entry).unwrap(), bytes, "{how}: the entry is whole again");
        let second = std::fs::read(&wav).unwrap();
        assert!(first == second, "{how}: the chapter differs from the one before the damage");
    }
}

#[test]
fn a_damaged_entry_whose_voice_now_fails_is_spoken_by_the_narrator() {
    let dir = tempfile::tempdir().unwrap();
    let script = fake::script(DIALOGUE, &["Ann", "Bob"]);
    let opts = fake::options(dir.path());
    render::render(DIALOGUE, &script, &two_speakers("ann"), &fake::engines(&Fake::new().arc()), &opts).unwrap();
    let marker = "spare is in the drawer";
    let records = fake::manifest_lines(&fake::manifest(&opts.out_dir));
    let victim = records.iter().find(|r| r["text"].as_str().unwrap().contains(marker)).unwrap();
    let key = CacheKey::new(fake::NAME, "1.0", "bob", Prosody::default(), victim["text"].as_str().unwrap());
    let entry: PathBuf = opts.cache_dir.join(&key.as_str()[..2]).join(key.as_str());
    let mut bytes = std::fs::read(&entry).expect("Bob's entry is where the cache keeps it");
    // Zeros of the right length (a power loss): only reading the samples finds the damage, so
    // the line was taken as cached and assembly meets it.
    bytes[20..].fill(0);
    std::fs::write(&entry, &bytes).unwrap();
    for chapter in fake::manifest(&opts.out_dir)["chapters"].as_array().unwrap() {
        std::fs::remove_file(opts.out_dir.join(chapter["file"].as_str().unwrap())).unwrap();
    }

    // Bob's voice now crashes on that line: the narrator speaks it, as synthesis would have.
    let engine = Fake::new().fail(Some("bob"), marker, fake::Fault::Crash).arc();
    let again = render::render(DIALOGUE, &script, &two_speakers("ann"), &fake::engines(&engine), &opts).unwrap();
    let after = fake::manifest_lines(&fake::manifest(&opts.out_dir));
    let errors: Vec<&serde_json::Value> = after.iter().filter(|r| r.get("error").is_some()).collect();
    assert!(errors.is_empty(), "the damaged line is silent: {errors:?}");
    let line = after.iter().find(|r| r["text"].as_str().unwrap().contains(marker)).unwrap();
    assert_eq!(line["voice"]["voice"], "n", "the narrator speaks it: {line}");
    assert_eq!((again.fallbacks, again.synthesized), (1, 1), "one line, in the narrator's voice");
    assert_eq!(again.cache_hits + 1, records.len(), "every other line comes from the cache");
    assert_eq!(engine.calls("bob", marker), 2, "Bob's voice is tried twice, as in synthesis");
    assert!(again.failures.is_empty());
    assert!(!entry.exists(), "the damaged entry is gone, so the next render speaks the line again");

    // Once Bob's voice works again, his line is his again: its chapter is not kept as it was.
    let healed =
        render::render(DIALOGUE, &script, &two_speakers("ann"), &fake::engines(&Fake::new().arc()), &opts).unwrap();
    let line = fake::manifest_lines(&fake::manifest(&opts.out_dir))
        .into_iter()
        .find(|r| r["text"].as_str().unwrap().contains(marker))
        .unwrap();
    assert_eq!(line["voice"]["voice"], "bob", "{line}");
    assert_eq!((healed.synthesized, healed.fallbacks), (1, 0));
}

#[test]
fn real_voices_of_different_level_come_out_matched() {
    // flite's kal16 and slt differ by about 12 LU out of the box, and speech (unlike the fake's
    // tones) has pauses the loudness gate must see through.
    let Ok(flite) = audiobook::engine::by_name("flite", &Default::default()) else {
        common::need(false, "flite", "AUDIOBOOK_REQUIRE_ENGINES");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let raw = |voice: &str| {
        let pcm = flite.synthesize(voice, Prosody::default(), "The lamp room smelled of oil and salt.").unwrap();
        lufs(&pcm.samples, pcm.sample_rate)
    };
    let raw_gap = (raw("slt") - raw("kal16")).abs();
    assert!(raw_gap > 4.0, "the voices differ by only {raw_gap:.1} LU before the render: not a test");
    let casting = fake::cast_of("flite", "slt", &[("Ann", "kal16"), ("Bob", "kal16")]);
    let script = fake::script(DIALOGUE, &["Ann", "Bob"]);
    let opts = fake::options(dir.path());
    let report =
        render::render(DIALOGUE, &script, &casting, &audiobook::engine::Engines::of(vec![flite.clone()]), &opts)
            .unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let by_voice = samples_by_voice(&opts.out_dir);
    let levels: BTreeMap<&str, f64> = by_voice.iter().map(|(v, s)| (v.as_str(), lufs(s, report.sample_rate))).collect();
    assert_eq!(levels.len(), 2, "{levels:?}");
    let gap = (levels["slt"] - levels["kal16"]).abs();
    assert!(gap <= 2.0, "voices differ by {gap:.1} LU after the render (was {raw_gap:.1}): {levels:?}");
    eprintln!("flite slt vs kal16: {raw_gap:.1} LU apart raw, {gap:.1} LU after the render");
}

//! The listening outputs of a real render: captions parsed back and checked against the manifest,
//! and an `.m4b` whose chapters ffprobe reads back.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const STORY: &str = "stories/the-clockmakers-apprentice.txt";

fn audiobook() -> Command {
    common::audiobook()
}

/// One render with the embedded voice, shared by the tests of this file (rendering is the slow
/// part; the exports under test are cheap). It lives in cargo's test scratch folder, since a
/// static temp dir would never be removed.
fn rendered() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export-render");
        let _ = std::fs::remove_dir_all(&dir); // a previous run's output, if any
        audiobook()
            .args(["render", STORY, "--engine", "embedded", "--quiet", "--output"])
            .arg(dir.join("out"))
            .arg("--cache")
            .arg(dir.join("cache"))
            .assert()
            .success();
        dir.join("out")
    })
    .clone()
}

fn manifest(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("valid JSON")
}

/// A parsed caption cue: start and end in milliseconds, and its text.
#[derive(Debug)]
struct Cue {
    start: u64,
    end: u64,
    text: String,
}

/// Parses `HH:MM:SS.mmm` or `HH:MM:SS,mmm` strictly.
fn parse_time(s: &str, separator: char) -> u64 {
    let (hms, ms) = s.split_once(separator).unwrap_or_else(|| panic!("no {separator:?} in {s:?}"));
    let parts: Vec<u64> = hms.split(':').map(|p| p.parse().unwrap_or_else(|_| panic!("bad time {s:?}"))).collect();
    assert!(parts.len() == 3 && hms.len() == 8 && ms.len() == 3, "time {s:?} is not HH:MM:SS{separator}mmm");
    ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + ms.parse::<u64>().expect("millis")
}

/// Parses the cues of a WebVTT or SRT file: blocks separated by blank lines, each a number, a
/// timing line and one text line.
fn parse_cues(text: &str, separator: char) -> Vec<Cue> {
    let body = if separator == '.' { text.strip_prefix("WEBVTT\n\n").expect("WEBVTT header") } else { text };
    let mut cues = Vec::new();
    for (n, block) in body.split("\n\n").filter(|b| !b.trim().is_empty()).enumerate() {
        let lines: Vec<&str> = block.lines().collect();
        assert_eq!(lines.len(), 3, "cue {block:?}");
        assert_eq!(lines[0], (n + 1).to_string(), "cues are numbered in order");
        let (a, b) = lines[1].split_once(" --> ").expect("timing line");
        cues.push(Cue { start: parse_time(a, separator), end: parse_time(b, separator), text: lines[2].to_string() });
    }
    cues
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The spoken text of a cue, without its speaker label.
fn spoken(cue: &Cue, separator: char, speaker: Option<&str>) -> String {
    let text = match (speaker, separator) {
        (Some(who), '.') => cue.text.strip_prefix(&format!("<v {who}>")).expect("WebVTT voice span").to_string(),
        (Some(who), _) => cue.text.strip_prefix(&format!("{who}: ")).expect("SRT speaker prefix").to_string(),
        (None, _) => cue.text.clone(),
    };
    unescape(&text)
}

fn check_captions(out: &Path, extension: &str, separator: char) {
    for chapter in manifest(out)["chapters"].as_array().expect("chapters") {
        let file = chapter["file"].as_str().expect("file").replace(".wav", &format!(".{extension}"));
        let text = std::fs::read_to_string(out.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let cues = parse_cues(&text, separator);
        let duration_ms = (chapter["duration_s"].as_f64().expect("duration") * 1000.0).round() as u64;
        let lines: Vec<&Value> =
            chapter["lines"].as_array().expect("lines").iter().filter(|l| l["error"].is_null()).collect();
        assert_eq!(cues.len(), lines.len(), "{file}: one cue per voiced line");
        let mut last_end = 0;
        for (cue, line) in cues.iter().zip(lines) {
            assert!(cue.start >= last_end && cue.end > cue.start, "{file}: {cue:?} in order, no overlap");
            assert!(cue.end <= duration_ms, "{file}: {cue:?} inside the chapter's {duration_ms} ms");
            let speaker = if line["kind"] == "dialogue" { line["speaker"].as_str() } else { None };
            let words: Vec<&str> = line["text"].as_str().expect("text").split_whitespace().collect();
            assert_eq!(spoken(cue, separator, speaker), words.join(" "), "{file}: cue text is the spoken text");
            last_end = cue.end;
        }
    }
}

#[test]
fn webvtt_captions_follow_the_manifest() {
    check_captions(&rendered(), "vtt", '.');
}

#[test]
fn srt_captions_follow_the_manifest() {
    check_captions(&rendered(), "srt", ',');
}

#[test]
fn cue_sheet_and_labels_cover_every_chapter() {
    let out = &rendered();
    let man = manifest(out);
    let chapters = man["chapters"].as_array().expect("chapters");
    let cue = std::fs::read_to_string(out.join("the-clockmakers-apprentice.cue")).expect("cue sheet");
    let labels = std::fs::read_to_string(out.join("the-clockmakers-apprentice.labels.txt")).expect("labels");
    let mut offset = 0.0;
    for ch in chapters {
        let (title, file) = (ch["title"].as_str().expect("title"), ch["file"].as_str().expect("file"));
        assert!(cue.contains(&format!("FILE \"{file}\" WAVE\n")), "{cue}");
        let end = offset + ch["duration_s"].as_f64().expect("duration");
        assert!(labels.contains(&format!("{offset:.6}\t{end:.6}\t{title}\n")), "{labels}");
        offset = end;
    }
}

#[test]
fn export_without_a_render_says_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let assert = audiobook().arg("export").arg(dir.path()).assert().failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("audiobook render"), "{stderr}");
}

fn tool_present(name: &str) -> bool {
    std::process::Command::new(name).arg("-version").output().is_ok_and(|o| o.status.success())
}

/// Copies the render so the m4b test does not race the caption tests over the same folder.
fn copy_render(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create");
    for entry in std::fs::read_dir(from).expect("read render") {
        let path = entry.expect("entry").path();
        if let Some(name) = path.file_name() {
            std::fs::copy(&path, to.join(name)).expect("copy");
        }
    }
}

#[test]
fn m4b_chapters_match_the_manifest() {
    let present = tool_present("ffmpeg") && tool_present("ffprobe");
    if !common::need(present, "ffmpeg and ffprobe", "AUDIOBOOK_REQUIRE_ENGINES") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    copy_render(&rendered(), &out);
    audiobook()
        .arg("export")
        .arg(&out)
        .args(["--m4b", "--title", "The Apprentice", "--author", "A. Writer"])
        .assert()
        .success();
    let book: PathBuf = out.join("the-clockmakers-apprentice.m4b");
    let probe = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_chapters", "-show_format", "-of", "json"])
        .arg(&book)
        .output()
        .expect("ffprobe runs");
    assert!(probe.status.success(), "{}", String::from_utf8_lossy(&probe.stderr));
    let probed: Value = serde_json::from_slice(&probe.stdout).expect("ffprobe JSON");
    let chapters = probed["chapters"].as_array().expect("chapters");
    let expected = manifest(&out)["chapters"].as_array().expect("chapters").clone();
    assert_eq!(chapters.len(), expected.len(), "one chapter marker per chapter");
    let mut offset = 0.0;
    for (got, want) in chapters.iter().zip(&expected) {
        assert_eq!(got["tags"]["title"], want["title"]);
        let start: f64 = got["start_time"].as_str().and_then(|s| s.parse().ok()).expect("start_time");
        assert!((start - offset).abs() < 0.010, "chapter starts at {start}, manifest says {offset}");
        offset += want["duration_s"].as_f64().expect("duration");
    }
    let tags = &probed["format"]["tags"];
    assert_eq!(tags["title"], "The Apprentice");
    assert_eq!(tags["artist"], "A. Writer");
}

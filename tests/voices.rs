//! Casting and voices files, through the real binary.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const STORY: &str = "stories/the-lighthouse-keepers.txt";

fn audiobook(voices: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_audiobook"));
    cmd.current_dir(common::root()).arg("--voices").arg(voices);
    cmd
}

fn cast_json(voices: &Path, engine: &str) -> Value {
    let out = audiobook(voices).args(["cast", STORY, "--format", "json", "--engine", engine]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn voice_of(v: &Value) -> String {
    format!("{}:{}@{}/{}", v["engine"], v["voice"], v["rate"], v["pitch"])
}

fn espeak() -> bool {
    common::need(
        audiobook::engine::by_name("espeak-ng", &Default::default()).is_ok(),
        "espeak-ng",
        "AUDIOBOOK_REQUIRE_ENGINES",
    )
}

#[test]
fn three_speakers_get_three_voices_and_a_distinct_narrator() {
    if !espeak() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cast = cast_json(dir.path(), "espeak-ng");
    let chars = cast["characters"].as_array().unwrap();
    let mut names: Vec<&str> = chars.iter().map(|c| c["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["Mara", "Ruth", "Tom"]);
    let mut voices: Vec<String> = chars.iter().map(|c| voice_of(&c["voice"])).collect();
    voices.push(voice_of(&cast["narrator"]));
    voices.sort();
    voices.dedup();
    assert_eq!(voices.len(), 4, "{voices:?}");
    for c in chars {
        for key in ["aliases", "gender", "lines", "words"] {
            assert!(!c[key].is_null(), "{key} in {c}");
        }
    }
    // Deterministic: the same cast again.
    assert_eq!(cast, cast_json(dir.path(), "espeak-ng"));
}

fn jsonl(voices: &Path) -> Vec<Value> {
    let out = audiobook(voices).args(["script", STORY, "--format", "jsonl"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn written_cast_round_trips_with_edits() {
    let dir = tempfile::tempdir().unwrap();
    let voices = dir.path();
    audiobook(voices).args(["cast", STORY, "--write", "--engine", "embedded"]).assert().success();
    let file = voices.join("the-lighthouse-keepers.toml");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("[characters.Tom]"), "{written}");

    // Pick a line Mara speaks, to give it to Tom.
    let lines = jsonl(voices);
    let mara_line = lines.iter().find(|l| l["speaker"] == "Mara").expect("Mara speaks")["line"].as_u64().unwrap();
    // Change Mara's voice, rename Ruth, merge Tom into Mara, and give one of Mara's lines to Ruth.
    let mara = written.find("[characters.Mara]").expect("Mara's entry");
    let voice_at = mara + written[mara..].find("voice = \"").unwrap() + "voice = \"".len();
    let voice_end = voice_at + written[voice_at..].find('"').unwrap();
    let mut edited = written.clone();
    edited.replace_range(voice_at..voice_end, "kal16-deep");
    edited += &format!(
        "\n[renames]\nRuth = \"Ruth Carver\"\nTom = \"Mara\"\n\n[[corrections]]\nline = {mara_line}\nspeaker = \"Ruth Carver\"\n"
    );
    std::fs::write(&file, &edited).unwrap();

    let lines = jsonl(voices);
    let corrected = lines.iter().find(|l| l["line"].as_u64() == Some(mara_line)).unwrap();
    assert_eq!(corrected["speaker"], "Ruth Carver");
    assert_eq!(corrected["confidence"], 1.0);
    assert!(lines.iter().all(|l| l["speaker"] != "Tom" && l["speaker"] != "Ruth"), "renamed everywhere");

    let cast = cast_json(voices, "embedded");
    let chars = cast["characters"].as_array().unwrap();
    let find = |n: &str| chars.iter().find(|c| c["name"] == n).unwrap_or_else(|| panic!("{n} in {cast}"));
    let mara = find("Mara");
    assert_eq!(mara["voice"]["voice"], "kal16-deep");
    assert!(find("Ruth Carver")["aliases"].as_array().unwrap().iter().any(|a| a == "Ruth"));
    assert!(mara["aliases"].as_array().unwrap().iter().any(|a| a == "Tom"), "merged: {mara}");
    assert!(!chars.iter().any(|c| c["name"] == "Tom"));
}

/// Writes a voices file and expects `cast` to fail with a message containing each needle.
fn broken(source: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("the-lighthouse-keepers.toml"), source).unwrap();
    let out = audiobook(dir.path()).args(["cast", STORY, "--engine", "embedded"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the-lighthouse-keepers.toml"), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} in {stderr}");
    }
    assert!(!stderr.contains("panicked"));
}

#[test]
fn broken_voices_files_are_located_and_explained() {
    broken("[narrator]\nengine = \"embedded\"\nvoice = \n", &[".toml:3:"]);
    broken("[narrator]\nengine = \"nope\"\nvoice = \"x\"\n", &["narrator.engine", "unknown engine", "embedded"]);
    broken(
        "[narrator]\nengine = \"embedded\"\nvoice = \"nobody\"\n",
        &["narrator.voice", "audiobook voices --engine embedded"],
    );
    broken(
        "[characters.Zed]\nengine = \"embedded\"\nvoice = \"kal16\"\n",
        &["characters.Zed", "not a character", "Mara"],
    );
    broken("[renames]\nZed = \"Mara\"\n", &["renames.Zed", "not a character"]);
    broken("[[corrections]]\nline = 1\nspeaker = \"Tom\"\n", &["corrections[0]", "not a dialogue line"]);
    broken("[narator]\nengine = \"embedded\"\n", &["narator"]);
}

#[test]
fn writing_the_cast_again_keeps_the_users_comments_and_settings() {
    let voices = tempfile::tempdir().unwrap();
    let file = voices.path().join("the-lighthouse-keepers.toml");
    let mine = "# My notes on the cast: keep Mara bright.\n\n[pronunciations]\nPenhallow = \"Pen hallo\" # the harbour\n\n[narrator]\n# the narrator is calm\nengine = \"embedded\"\nvoice = \"kal16-slow\"\n";
    std::fs::write(&file, mine).unwrap();
    let out = audiobook(voices.path()).args(["cast", STORY, "--write", "--engine", "embedded"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&file).unwrap();
    for kept in [
        "# My notes on the cast: keep Mara bright.",
        "Penhallow = \"Pen hallo\" # the harbour",
        "# the narrator is calm",
    ] {
        assert!(written.contains(kept), "lost {kept:?}:\n{written}");
    }
    assert!(written.contains("voice = \"kal16-slow\""), "the narrator's choice stays:\n{written}");
    assert!(written.contains("[characters."), "the characters are written:\n{written}");
    // It is still a voices file the program reads.
    let again = audiobook(voices.path()).args(["cast", STORY, "--engine", "embedded"]).output().unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
}

//! The same words from every voice: the three stories, and a page of numbers, dates, money and
//! abbreviations, rendered through espeak-ng and through flite say the same spoken text, line by
//! line (compared in the manifests, not in the audio), and no digit reaches either engine.

mod common;

use serde_json::Value;
use std::path::Path;

const NUMBERS: &str = "Chapter IV\n\n\
Dr. Watson met Mr. Holmes at 221B Baker St. on 20 March 1888, at 10:30 p.m.\n\n\
\"It cost $5.50, or 50% of the 1,200 I had,\" said Mrs. Hudson. \"That was in the 1880s.\"\n\n\
Henry VIII had 6 wives; No. 7 was never found. See vol. 2, ch. 3, p. 12.\n\n\
She walked 2\u{BD} miles on the 3rd of May, 1905, and drank 3/4 of a pint at St. Paul's.\n";

/// The spoken text of every line, in order, from a render with `engine`.
fn spoken(story: &Path, engine: &str, dir: &Path) -> Vec<(u64, String)> {
    let out = dir.join(engine);
    let run = common::audiobook()
        .arg("render")
        .arg(story)
        .args(["--engine", engine, "--quiet", "--output"])
        .arg(&out)
        .arg("--cache")
        .arg(dir.join("cache"))
        .output()
        .expect("run render");
    assert!(run.status.success(), "{engine}: {}", String::from_utf8_lossy(&run.stderr));
    let man: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).expect("manifest")).expect("JSON");
    man["chapters"]
        .as_array()
        .expect("chapters")
        .iter()
        .flat_map(|c| c["lines"].as_array().expect("lines"))
        .map(|l| (l["line"].as_u64().expect("line"), l["text"].as_str().expect("text").to_string()))
        .collect()
}

fn present(engine: &str) -> bool {
    audiobook::engine::by_name(engine, &audiobook::engine::EngineConfig::default()).is_ok()
}

#[test]
fn espeak_ng_and_flite_say_the_same_words() {
    let engines = present("espeak-ng") && present("flite");
    if !common::need(engines, "espeak-ng and flite", "AUDIOBOOK_REQUIRE_ENGINES") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let numbers = dir.path().join("numbers.txt");
    std::fs::write(&numbers, NUMBERS).expect("write");
    let mut stories = common::stories();
    stories.push(numbers);
    for story in &stories {
        let name = story.file_stem().unwrap().to_string_lossy().into_owned();
        let work = dir.path().join(&name);
        let espeak = spoken(story, "espeak-ng", &work);
        let flite = spoken(story, "flite", &work);
        assert!(espeak.len() > 5, "{name}: {} lines", espeak.len());
        assert_eq!(espeak, flite, "{name}: the engines were given different words");
        for (line, text) in &espeak {
            assert!(!text.contains(|c: char| c.is_ascii_digit()), "{name} line {line}: digits left in {text:?}");
        }
    }
    let work = dir.path().join("numbers");
    let words: Vec<String> =
        spoken(&stories[stories.len() - 1], "espeak-ng", &work).into_iter().map(|(_, t)| t).collect();
    let all = words.join(" | ");
    for want in [
        "Chapter four",
        "Doctor Watson met Mister Holmes at two hundred and twenty-one B Baker Street",
        "the twentieth of March eighteen eighty-eight",
        "ten thirty p.m.",
        "five dollars and fifty cents",
        "fifty percent of the one thousand two hundred",
        "Missus Hudson",
        "the eighteen eighties",
        "Henry the Eighth had six wives; Number seven",
        "volume two, chapter three, page twelve",
        "two and a half miles on the third of May, nineteen oh five",
        "three quarters of a pint at Saint Paul's",
    ] {
        assert!(all.contains(want), "{want:?} in {all}");
    }
}

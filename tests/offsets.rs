//! Offsets are sacred: every line's text is the story sliced at its span, lines are ordered and
//! disjoint, and together with quote marks and scene breaks they cover every non-blank character.

mod common;

use audiobook::load;
use std::path::Path;

fn check(path: &Path) {
    let text = load::load(path).unwrap_or_else(|e| panic!("{e}"));
    let script = audiobook::pipeline::analyse(&text.text).script;
    script.check_spans(&text.text).unwrap_or_else(|e| panic!("{}: {e}", common::name(path)));
    assert!(!script.lines.is_empty(), "{} has no lines", common::name(path));
    for pair in script.lines.windows(2) {
        assert!(pair[0].chapter <= pair[1].chapter && pair[0].paragraph <= pair[1].paragraph);
    }
    // The JSON Lines contract carries the same text as the span.
    let mut out = Vec::new();
    audiobook::report::write_jsonl(&mut out, &text.text, &script).unwrap();
    for row in String::from_utf8(out).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(row).unwrap();
        let (s, e) = (v["start"].as_u64().unwrap() as usize, v["end"].as_u64().unwrap() as usize);
        assert_eq!(v["text"].as_str().unwrap(), &text.text[s..e]);
    }
}

#[test]
fn stories_keep_their_offsets() {
    for story in common::stories() {
        check(&story);
    }
}

#[test]
fn annotated_novels_keep_their_offsets() {
    let novels = common::novels();
    if !common::need(!novels.is_empty(), "../shared/eval/pdnc", "AUDIOBOOK_REQUIRE_SHARED") {
        return;
    }
    for novel in novels {
        check(&novel);
    }
}

#[test]
fn windows_1252_and_crlf_stories_keep_their_offsets() {
    let story = common::root().join("stories/the-lighthouse-keepers.txt");
    let utf8 = std::fs::read_to_string(story).unwrap();
    let crlf = utf8.replace('\n', "\r\n");
    let (cp1252, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&crlf);
    assert!(!unmappable);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cp1252.txt");
    std::fs::write(&path, &cp1252).unwrap();
    check(&path);
    let text = load::load(&path).unwrap();
    assert_eq!(text.encoding, load::Encoding::Windows1252);
    assert_eq!(text.text, crlf);
}

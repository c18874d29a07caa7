//! Property tests: arbitrary input never panics the segmenter, the HTML loader or the
//! normalizer, and the offset invariant holds; the real binary given random bytes or odd stories
//! answers with a result or a clear error, never a crash.

mod common;

use audiobook::load;
use proptest::prelude::*;

fn check_str(s: &str) {
    let script = audiobook::pipeline::analyse(s).script;
    if let Err(e) = script.check_spans(s) {
        panic!("{e} in {s:?}");
    }
}

/// Text made of the characters that stress the quote parser.
fn quote_heavy() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "\"",
        "'",
        "\u{201C}",
        "\u{201D}",
        "\u{2018}",
        "\u{2019}",
        "\u{AB}",
        "\u{BB}",
        "\u{2014}",
        "--",
        " ",
        "\n",
        "\r\n",
        "\r",
        "\n\n",
        "said Ann",
        "Tom",
        "he",
        "'tis",
        "o'",
        "n'",
        ",",
        ".",
        "!",
        "?",
        "* * *",
        "Chapter 3",
        "A/N:",
        "#",
        "caf\u{E9}",
        "\u{1F600}",
        "   ",
        "\t",
    ]);
    prop::collection::vec(atoms, 0..60).prop_map(|v| v.concat())
}

/// Text made of what the normalizer reads: numbers, symbols, abbreviations.
fn number_heavy() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "1",
        "23",
        "1888",
        "2024",
        "0",
        "007",
        ",",
        ".",
        ":",
        "/",
        "-",
        "\u{2013}",
        "$",
        "\u{A3}",
        "%",
        "\u{BD}",
        "\u{B0}",
        "st",
        "th",
        "s",
        "'",
        "am",
        "p.m.",
        "Mr.",
        "St.",
        "Dr",
        "No.",
        "VIII",
        "IV",
        "I",
        "Chapter",
        "Henry",
        "March",
        "May",
        " ",
        " ",
        "#",
        "&",
        "e.g.",
        "etc.",
        "\u{1F600}",
        "caf\u{E9}",
    ]);
    prop::collection::vec(atoms, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(text) = load::decode(&bytes) {
            check_str(&text.text);
        }
    }

    /// UTF-8 with stray bytes that are not UTF-8 keeps every valid character; each run of bad
    /// bytes, and only those, is read as Windows-1252, with one warning.
    #[test]
    fn mostly_utf8_keeps_every_valid_character(
        s in "\\PC{1,120}",
        bad in prop::collection::vec((any::<prop::sample::Index>(), 0x80u8..=0xFF), 1..5),
    ) {
        prop_assume!(!s.is_ascii() && !s.starts_with('\u{FEFF}'));
        let boundaries: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        let mut at: Vec<(usize, u8)> = bad.iter().map(|(i, b)| (boundaries[i.index(boundaries.len())], *b)).collect();
        at.sort_by_key(|&(i, _)| i);
        // One byte per place: two could make a valid UTF-8 character together.
        at.dedup_by_key(|(i, _)| *i);
        let (mut bytes, mut expected, mut from) = (Vec::new(), String::new(), 0);
        for group in at.chunk_by(|a, b| a.0 == b.0) {
            let run: Vec<u8> = group.iter().map(|&(_, b)| b).collect();
            bytes.extend_from_slice(&s.as_bytes()[from..group[0].0]);
            expected.push_str(&s[from..group[0].0]);
            bytes.extend_from_slice(&run);
            expected.push_str(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(&run).0);
            from = group[0].0;
        }
        bytes.extend_from_slice(&s.as_bytes()[from..]);
        expected.push_str(&s[from..]);
        // Bytes FF FE or FE FF at the start are a UTF-16 byte order mark.
        prop_assume!(!bytes.starts_with(b"\xFF\xFE") && !bytes.starts_with(b"\xFE\xFF"));
        if let Ok(text) = load::decode(&bytes) {
            prop_assert_eq!(&text.text, &expected);
            prop_assert_eq!(text.encoding, load::Encoding::Utf8Repaired);
            prop_assert_eq!(text.warnings.len(), 1);
        }
    }

    #[test]
    fn arbitrary_unicode_keeps_offsets(s in "\\PC{0,200}") {
        check_str(&s);
    }

    #[test]
    fn quote_heavy_text_keeps_offsets(s in quote_heavy()) {
        check_str(&s);
    }

    #[test]
    fn normalizing_never_panics(s in number_heavy()) {
        let spoken = audiobook::plan::spoken_text(&s);
        // Every number is said in words: no engine is left to read digits its own way.
        prop_assert!(!spoken.contains(|c: char| c.is_ascii_digit()), "{:?} -> {:?}", s, spoken);
    }

    #[test]
    fn arbitrary_unicode_normalizes(s in "\\PC{0,120}") {
        let _ = audiobook::normalize::normalize(&s);
    }
}

/// Runs the binary on `story` with `args` (in a scratch folder `dir`); fails on a crash (a
/// panic, or death by a signal).
fn never_crashes(dir: &std::path::Path, story: &[u8], args: &[&str]) {
    let path = dir.join("story.txt");
    std::fs::write(&path, story).unwrap();
    let mut command = common::command();
    command.arg(args[0]).arg(&path).args(&args[1..]);
    if args[0] == "render" {
        command.arg("--output").arg(dir.join("out")).arg("--cache").arg(dir.join("cache"));
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{args:?} on {story:?}: {stderr}");
    assert!(
        output.status.code().is_some_and(|c| c == 0 || c == 1),
        "{args:?} on {story:?}: {}: {stderr}",
        output.status
    );
    if !output.status.success() {
        assert!(stderr.lines().any(|l| l.starts_with("error: ")), "{args:?} on {story:?}: {stderr}");
    }
}

/// A story made of odd but valid pieces: quotes, headings, scene breaks, notes, markup, numbers.
fn odd_story() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![quote_heavy(), "\\PC{0,40}".prop_map(|s| s)], 1..4).prop_map(|v| v.concat())
}

proptest! {
    // Each case runs the binary: a few dozen keep the suite quick.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_binary_never_crashes_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let dir = tempfile::tempdir().unwrap();
        never_crashes(dir.path(), &bytes, &["script"]);
        never_crashes(dir.path(), &bytes, &["cast", "--engine", "embedded"]);
        never_crashes(dir.path(), &bytes, &["render", "--engine", "embedded", "--quiet"]);
    }

    #[test]
    fn the_binary_never_crashes_on_odd_stories(story in odd_story()) {
        let dir = tempfile::tempdir().unwrap();
        never_crashes(dir.path(), story.as_bytes(), &["script", "--format", "jsonl"]);
        never_crashes(dir.path(), story.as_bytes(), &["cast", "--engine", "embedded"]);
        never_crashes(dir.path(), story.as_bytes(), &["render", "--engine", "embedded", "--quiet"]);
    }
}

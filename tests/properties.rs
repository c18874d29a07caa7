//! Property tests: arbitrary input never panics the segmenter, the HTML loader or the
//! normalizer, and the offset invariant holds.

use audiobook::{load, segment};
use proptest::prelude::*;

fn check_str(s: &str) {
    let (mut script, _) = segment::segment_str(s);
    audiobook::attribute::attribute(s, &mut script);
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

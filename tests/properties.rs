//! Property tests: arbitrary input never panics the segmenter and the offset invariant holds.

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
}

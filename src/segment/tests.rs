use super::*;
use crate::script::Kind::{Dialogue as D, Heading as H, Narration as N, Note as T};

/// (kind, text) of every line.
fn lines_of(text: &str) -> Vec<(Kind, &str)> {
    let (script, _) = segment_str(text);
    script.check_spans(text).unwrap();
    script.lines.iter().map(|l| (l.kind, &text[l.span.range()])).collect()
}

#[test]
fn table_of_cases() {
    let cases: &[(&str, &[(Kind, &str)])] = &[
        ("\"Hello,\" said Ann.", &[(D, "Hello,"), (N, "said Ann.")]),
        (
            "\"I told you,\" said Edwin, \"that it was\nwound too tight.\"\n",
            &[(D, "I told you,"), (N, "said Edwin,"), (D, "that it was\nwound too tight.")],
        ),
        ("Spike scowled. \u{201C}Go away.\u{201D}", &[(N, "Spike scowled."), (D, "Go away.")]),
        ("\"He said 'no' to me,\" she said.", &[(D, "He said 'no' to me,"), (N, "she said.")]),
        ("She \"ran\" the Sewing Circle.", &[(N, "She \"ran\" the Sewing Circle.")]),
        ("He said \"yes\" and left.", &[(N, "He said"), (D, "yes"), (N, "and left.")]),
        ("\"Wait,\" I said. \"I was going to", &[(D, "Wait,"), (N, "I said."), (D, "I was going to")]),
        ("\"\"", &[]),
    ];
    for (text, want) in cases {
        assert_eq!(&lines_of(text), want, "{text:?}");
    }
}

#[test]
fn multi_paragraph_speech_is_one_line_per_paragraph() {
    let t = "\"It began in May.\n\n\"Then June came.\"\n\nShe stopped.\n";
    assert_eq!(lines_of(t), [(D, "It began in May."), (D, "Then June came."), (N, "She stopped.")]);
}

#[test]
fn british_single_quotes_with_apostrophes() {
    let t = "'Tis late,' said Tom.\n'It's the boys' room,' she said. 'Rock 'n' roll.'\n'Right,' said he.\n";
    assert_eq!(
        lines_of(t),
        [
            (D, "Tis late,"),
            (N, "said Tom."),
            (D, "It's the boys' room,"),
            (N, "she said."),
            (D, "Rock 'n' roll."),
            (D, "Right,"),
            (N, "said he."),
        ]
    );
}

#[test]
fn chapters_scenes_and_notes() {
    let t = "My Story\nby Someone\nA/N: thanks to my beta!\nChapter 1\nIt rained.\n* * *\nIt stopped.\nCHAPTER II.\nThe sun came out.\nThanks for reading!\nPlease review.\n";
    let (script, _) = segment_str(t);
    script.check_spans(t).unwrap();
    let got: Vec<(usize, usize, Kind, &str)> =
        script.lines.iter().map(|l| (l.chapter, l.scene, l.kind, &t[l.span.range()])).collect();
    assert_eq!(
        got,
        [
            (1, 1, T, "My Story"),
            (1, 1, T, "by Someone"),
            (1, 1, T, "A/N: thanks to my beta!"),
            (1, 1, H, "Chapter 1"),
            (1, 1, N, "It rained."),
            (1, 2, N, "It stopped."),
            (2, 1, H, "CHAPTER II."),
            (2, 1, N, "The sun came out."),
            (2, 1, T, "Thanks for reading!"),
            (2, 1, T, "Please review."),
        ]
    );
    assert_eq!(script.chapters.len(), 2);
    assert_eq!(script.chapters[0].title, "Chapter 1");
    assert_eq!(script.chapters[1].title, "CHAPTER II.");
    assert_eq!(script.scene_breaks.len(), 1);
}

#[test]
fn gutenberg_heading_with_subtitle() {
    let t = "CHAPTER I.\nDown the Rabbit-Hole\n\n\nAlice was beginning to get very tired of sitting by her\nsister on the bank, and of having nothing to do.\n\n\"Oh dear!\" said the\nRabbit, hurrying past.\n";
    let (script, analysis) = segment_str(t);
    assert_eq!(analysis.layout, Layout::Wrapped);
    assert_eq!(script.chapters[0].title, "CHAPTER I. Down the Rabbit-Hole");
    assert_eq!(script.lines[0].kind, H);
    assert_eq!(script.lines.len(), 4);
}

#[test]
fn crlf_and_cr_line_endings_keep_offsets() {
    for t in ["\"Hi,\" she said.\r\nHe left.\r\n", "\"Hi,\" she said.\rHe left.\r"] {
        assert_eq!(lines_of(t), [(D, "Hi,"), (N, "she said."), (N, "He left.")]);
    }
}

#[test]
fn no_headings_is_one_chapter() {
    let (script, _) = segment_str("Once upon a time.\n");
    assert_eq!(script.chapters.len(), 1);
    assert_eq!(script.chapters[0].lines, 0..1);
}

#[test]
fn fan_fiction_notes_in_plain_text() {
    let t = "Summary: Two keepers and a storm.\n\n\
             A quiet story about a lighthouse, written for a friend.\n\n\
             I don't own the lighthouse or the sea; no copyright infringement intended.\n\n\
             Chapter 1\n\n\
             Nothing of Cornwall belongs to me.\n\n\
             Thanks to my wonderful beta, Sam, for catching my commas!\n\n\
             The end of the road was near. Mara walked on.\n\n\
             \u{201C}I don\u{2019}t own a boat,\u{201D} said Tom.\n\n\
             Chapter 2\n\n\
             Unbeta'd, all mistakes are mine.\n\n\
             Nothing of the old house belonged to her now.\n\n\
             Author's Second Note: the next chapter is the last.\n\n\
             The End\n";
    let got: Vec<(Kind, &str)> = lines_of(t);
    let notes: Vec<&str> = got.iter().filter(|(k, _)| *k == T).map(|(_, s)| *s).collect();
    assert_eq!(
        notes,
        [
            "Summary: Two keepers and a storm.",
            "A quiet story about a lighthouse, written for a friend.",
            "I don't own the lighthouse or the sea; no copyright infringement intended.",
            "Nothing of Cornwall belongs to me.",
            "Thanks to my wonderful beta, Sam, for catching my commas!",
            "Unbeta'd, all mistakes are mine.",
            "Author's Second Note: the next chapter is the last.",
            "The End",
        ]
    );
    // Story that only looks like notes stays story.
    assert!(got.contains(&(N, "The end of the road was near. Mara walked on.")));
    assert!(got.contains(&(D, "I don\u{2019}t own a boat,")));
    assert!(got.contains(&(N, "Nothing of the old house belonged to her now.")));
}

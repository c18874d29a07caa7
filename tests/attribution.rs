//! Speaker attribution on the example stories: most lines with an explicit speech tag get the
//! speaker the tag names, and the cast holds the people who talk.

use audiobook::script::{Kind, Script};
use std::path::Path;

fn story(name: &str) -> (String, Script, Vec<audiobook::attribute::Character>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("stories").join(name);
    let bytes = std::fs::read(&path).expect("story file");
    let text = audiobook::load::decode(&bytes).expect("decodable story");
    let found = audiobook::pipeline::analyse(&text.text);
    (text.text, found.script, found.characters)
}

/// The name a tag right after a dialogue line gives ("said Mara", "Tom said", "I said"), found
/// with plain string checks so the test does not share the library's rules.
fn tagged_name<'a>(narration: &'a str, names: &[&'a str]) -> Option<&'a str> {
    let words: Vec<&str> =
        narration.split(|c: char| c.is_whitespace() || c == ',' || c == '.').filter(|w| !w.is_empty()).collect();
    let said = |w: &str| matches!(w, "said" | "asked" | "replied" | "announced" | "whispered" | "called");
    match words.as_slice() {
        [v, rest @ ..] if said(v) => {
            let rest = rest.join(" ");
            names.iter().copied().find(|n| rest.starts_with(&n.replace('.', "")))
        }
        _ => names.iter().copied().find(|n| {
            let n = n.replace('.', "");
            let k = n.split(' ').count();
            words.len() > k && words[..k].join(" ") == n && said(words[k])
        }),
    }
}

/// (expected, predicted) for every dialogue line followed by a tag naming one of `names`.
fn tagged_lines(text: &str, script: &Script, names: &[&str]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for pair in script.lines.windows(2) {
        let (d, n) = (&pair[0], &pair[1]);
        if d.kind != Kind::Dialogue || n.kind != Kind::Narration || d.paragraph != n.paragraph {
            continue;
        }
        if let Some(name) = tagged_name(&text[n.span.range()], names) {
            out.push((name.to_string(), d.speaker.clone()));
        }
    }
    out
}

fn check(name: &str, names: &[&str], alias: fn(&str) -> &str, speakers: &[&str]) {
    let (text, script, cast) = story(name);
    let lines = tagged_lines(&text, &script, names);
    assert!(lines.len() >= 3, "{name}: only {} tagged lines found", lines.len());
    let right = lines.iter().filter(|(want, got)| got.as_deref().is_some_and(|g| g.contains(alias(want)))).count();
    assert!(right * 10 >= lines.len() * 9, "{name}: {right}/{} tagged lines right: {lines:?}", lines.len());
    for s in speakers {
        assert!(cast.iter().any(|c| c.name.contains(s) && c.lines > 0), "{name}: {s} missing from {cast:?}");
    }
    let mut dialogue = script.lines.iter().filter(|l| l.kind == Kind::Dialogue);
    assert!(dialogue.all(|l| l.speaker.is_some() && l.evidence.is_some()), "{name}: a line without a speaker");
}

#[test]
fn the_lighthouse_keepers() {
    check("the-lighthouse-keepers.txt", &["Mara", "Ruth", "Tom"], |n| n, &["Mara", "Ruth", "Tom"]);
}

#[test]
fn the_clockmakers_apprentice() {
    let names = ["Alice", "Mr. Marsh", "Mrs. Whitlock"];
    check("the-clockmakers-apprentice.txt", &names, |n| n, &["Alice", "Marsh", "Whitlock"]);
}

#[test]
fn the_night_ferry_is_told_by_sam() {
    fn alias(n: &str) -> &str {
        if n == "I" { "Sam" } else { n }
    }
    check("the-night-ferry.txt", &["Nora", "I"], alias, &["Sam", "Nora"]);
}

//! What each paragraph is: a chapter heading, a scene break, front or back matter, or story.

use super::paragraphs::Para;

/// The role of a paragraph in the story's structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Starts a new chapter.
    Heading,
    /// A subtitle right after a heading: part of that heading.
    Subtitle,
    SceneBreak,
    Note,
    Body,
}

const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "last",
    "final",
];
const SECTION_WORDS: &[&str] = &["chapter", "chap.", "part", "book", "volume", "act", "section"];
const STANDALONE_WORDS: &[&str] =
    &["prologue", "epilogue", "interlude", "preface", "introduction", "afterword", "foreword", "postscript", "coda"];
const FRONT_NOTE_PREFIXES: &[&str] = &[
    "a/n",
    "an:",
    "author's note",
    "author\u{2019}s note",
    "authors note",
    "authors' note",
    "author note",
    "(a/n",
    "[a/n",
    "disclaimer",
    "story notes",
    "chapter notes",
    "notes:",
    "note:",
    "summary:",
    "rating:",
    "rated:",
    "pairing:",
    "pairings:",
    "warning:",
    "warnings:",
    "word count:",
    "words:",
    "title:",
    "author:",
    "fandom:",
    "characters:",
    "spoilers:",
    "beta:",
    "beta'd by",
    "dedication:",
];
/// Phrases that end a story when they are all of their paragraph ("The End.", "TBC", "Fin"):
/// "The end of the road was near." is the story.
const BACK_NOTE_WHOLE: &[&str] = &["the end", "fin", "to be continued", "tbc", "end of chapter", "end of part"];
const BACK_NOTE_PREFIXES: &[&str] = &[
    "thanks for reading",
    "thank you for reading",
    "please review",
    "reviews are",
    "end of chapter",
    "end notes",
    "*** end of the project gutenberg",
    "*** end of this project gutenberg",
    "end of the project gutenberg",
    "end of project gutenberg",
];

/// Classifies every paragraph.
pub fn roles(text: &str, paras: &[Para]) -> Vec<Role> {
    roles_with(text, paras, &[])
}

/// Classifies every paragraph, taking `forced[i]` as paragraph `i`'s role where it is given (a
/// markup format's headings, notes and scene breaks). With markup, only explicit headings
/// ("Chapter 3") are found in the paragraphs themselves: a short line in capitals there is the
/// author's, not a heading.
pub fn roles_with(text: &str, paras: &[Para], forced: &[Option<Role>]) -> Vec<Role> {
    let explicit: Vec<bool> = paras.iter().map(|p| is_explicit_heading(first_line(text, p))).collect();
    let any_explicit = explicit.iter().any(|&e| e) || !forced.is_empty();
    let mut roles = Vec::with_capacity(paras.len());
    let mut seen_body = false;
    let mut back_matter = false;
    // Story seen since the last heading: what comes before it is the chapter's front matter.
    let mut chapter_body = false;
    for (i, p) in paras.iter().enumerate() {
        let line = first_line(text, p);
        let prev = roles.last().copied();
        let role = if let Some(role) = forced.get(i).copied().flatten() {
            if role == Role::Heading {
                back_matter = false;
                chapter_body = false;
            }
            role
        } else if is_scene_break(line) && p.lines.len() == 1 {
            Role::SceneBreak
        } else if explicit[i] && p.lines.len() <= 4 {
            back_matter = false;
            chapter_body = false;
            Role::Heading
        } else if back_matter || is_back_note(text, p) {
            back_matter = true;
            Role::Note
        } else if starts_with_any(line, FRONT_NOTE_PREFIXES)
            || is_authors_note(line)
            || is_beta_thanks(text, p)
            || !chapter_body && is_disclaimer(text, p)
        {
            Role::Note
        } else if is_gutenberg_start(line) {
            roles.iter_mut().for_each(|r| *r = Role::Note);
            Role::Note
        } else if matches!(prev, Some(Role::Heading)) && is_subtitle(text, p) {
            Role::Subtitle
        } else if !seen_body && is_front_matter_line(text, p) {
            Role::Note
        } else if !any_explicit && seen_body && is_caps_title(text, p) {
            Role::Heading
        } else {
            Role::Body
        };
        seen_body |= role == Role::Body;
        chapter_body |= role == Role::Body;
        roles.push(role);
    }
    if forced.is_empty() {
        summary_before_first_chapter(text, paras, &mut roles);
    }
    roles
}

/// A story summary before the first chapter heading (fan fiction puts one there): a few short
/// paragraphs, all the "story" there is before "Chapter 1", are front matter.
fn summary_before_first_chapter(text: &str, paras: &[Para], roles: &mut [Role]) {
    let Some(first) = roles.iter().position(|r| *r == Role::Heading) else { return };
    let body: Vec<usize> = (0..first).filter(|&i| roles[i] == Role::Body).collect();
    let words: usize = body.iter().map(|&i| text[paras[i].span.range()].split_whitespace().count()).sum();
    if !body.is_empty() && body.len() <= 3 && words <= 150 {
        for i in body {
            roles[i] = Role::Note;
        }
    }
}

/// Lowercase words of a paragraph, punctuation dropped: `"The End?"` -> `"the end"`.
fn simple_words(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '\u{2019}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('\u{2019}', "'")
}

/// "Thanks for reading!", "The End", "To be continued...", "End of Chapter 3".
fn is_back_note(text: &str, p: &Para) -> bool {
    let s = &text[p.span.range()];
    if starts_with_any(first_line(text, p), BACK_NOTE_PREFIXES) && p.span.len() < 300 {
        return true;
    }
    // Only a short paragraph can be one of those phrases: a word of the text with a letter or
    // digit in it is at least one simple word, so a longer one is passed without copying it.
    let most = BACK_NOTE_WHOLE.iter().map(|phrase| phrase.split(' ').count()).max().unwrap_or(0) + 3;
    if s.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).nth(most).is_some() {
        return false;
    }
    let words = simple_words(s);
    BACK_NOTE_WHOLE.iter().any(|phrase| {
        words == *phrase
            || phrase.starts_with("end of") && words.strip_prefix(phrase).is_some_and(|r| r.split(' ').count() <= 3)
    })
}

/// "Author's Second Note:", "Authors' final notes", "Author's note (2)".
fn is_authors_note(line: &str) -> bool {
    let words = simple_words(&line.chars().take(60).collect::<String>());
    let mut it = words.split(' ');
    matches!(it.next(), Some("author's" | "authors'" | "authors" | "author"))
        && it.take(3).any(|w| w == "note" || w == "notes")
}

/// Thanks to a beta reader, or a note that there was none ("Unbeta'd", "Beta'd by Sam").
fn is_beta_thanks(text: &str, p: &Para) -> bool {
    let s = &text[p.span.range()];
    if p.span.len() > 400 || s.starts_with(['"', '\u{201C}', '\u{2018}', '\'']) {
        return false;
    }
    // Most paragraphs never say "beta": they are passed without copying them.
    if !s.as_bytes().windows(4).any(|w| w.eq_ignore_ascii_case(b"beta")) {
        return false;
    }
    let words = simple_words(s);
    let beta = words.split(' ').any(|w| {
        w.starts_with("beta") && matches!(&w[4..], "" | "s" | "'d" | "ed" | "ing" | "reader" | "readers" | "read")
            || matches!(w, "unbeta'd" | "unbetaed" | "unbeta")
    });
    let thanks = ["thank", "thanks", "grateful", "shout", "credit", "unbeta", "beta'd", "betaed", "beta read", "by"]
        .iter()
        .any(|t| words.contains(t));
    beta && thanks
}

/// A fan-fiction disclaimer before a chapter's story: "I don't own Harry Potter", "Nothing of
/// Buffy belongs to me", "All characters belong to Joss Whedon". Narration is in the past
/// tense ("belonged"), a disclaimer in the present.
fn is_disclaimer(text: &str, p: &Para) -> bool {
    let s = &text[p.span.range()];
    if p.span.len() > 400 || s.starts_with(['"', '\u{201C}', '\u{2018}', '\'', '\u{AB}']) {
        return false;
    }
    let words = format!(" {} ", simple_words(s));
    const STRONG: &[&str] = &[
        " don't own ",
        " do not own ",
        " dont own ",
        " own nothing ",
        " own none ",
        " claim no ",
        " no copyright infringement ",
        " copyright infringement ",
        " not making any money ",
        " make no money ",
        " no money is being made ",
        " all rights reserved ",
        " not mine ",
        " no profit ",
    ];
    STRONG.iter().any(|w| words.contains(w))
        || [" belongs to ", " belong to ", " is owned by ", " are owned by ", " property of "]
            .iter()
            .any(|w| words.contains(w))
}

fn first_line<'a>(text: &'a str, p: &Para) -> &'a str {
    &text[p.lines[0].range()]
}

fn starts_with_any(line: &str, prefixes: &[&str]) -> bool {
    let head: String = line.chars().take(40).collect::<String>().to_lowercase();
    prefixes.iter().any(|p| head.starts_with(p) && head[p.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric()))
}

fn is_gutenberg_start(line: &str) -> bool {
    line.starts_with("***") && line.to_ascii_uppercase().contains("START OF TH")
}

/// "Chapter 3", "CHAPTER III.", "Chapter Three: The Storm", "Part I", "Prologue", "# Title".
pub fn is_explicit_heading(line: &str) -> bool {
    if line.chars().count() > 90 {
        return false;
    }
    if let Some(rest) = line.strip_prefix('#') {
        let rest = rest.trim_start_matches('#');
        return rest.starts_with(' ') && rest.trim().chars().any(char::is_alphanumeric);
    }
    let lower = line.to_lowercase();
    let mut words = lower.split_whitespace();
    let Some(first) = words.next() else { return false };
    let first = first.trim_end_matches([':', '.', ',']);
    if STANDALONE_WORDS.contains(&first) {
        return !line.contains(['"', '\u{201C}']) && line.split_whitespace().count() <= 12;
    }
    if !SECTION_WORDS.contains(&first) && first != "chap" {
        return false;
    }
    let Some(number) = words.next() else { return false };
    // A heading's word is capitalised: "Chapter 3", "CHAPTER 3", never "chapter 3 of the book".
    if !line.starts_with(|c: char| c.is_uppercase()) {
        return false;
    }
    let number = number.trim_end_matches(['.', ':', ',', ')', '-', '\u{2014}']);
    is_number(number)
}

fn is_number(word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    if word.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    if word.chars().all(|c| "ivxlcdm".contains(c)) {
        return true;
    }
    word.split('-').all(|w| NUMBER_WORDS.contains(&w))
}

/// A line of symbols only (`***`, `* * *`, `~~~`, `---`, `###`, `#`, `§`), or `o0o`-style
/// dividers.
pub fn is_scene_break(line: &str) -> bool {
    let line = line.trim();
    if line.is_empty() || line.chars().count() > 60 {
        return false;
    }
    if line.chars().all(|c| !c.is_alphanumeric() && !c.is_whitespace() || c.is_whitespace()) {
        // Lone punctuation that ends or starts speech is not a divider.
        return !line.chars().all(|c| {
            matches!(c, '"' | '\'' | '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}' | '.' | '!' | '?' | ',')
        });
    }
    let core: String = line.chars().filter(|c| c.is_alphanumeric()).collect();
    let divider_letters = core.chars().all(|c| matches!(c, 'o' | 'O' | '0' | 'x' | 'X'));
    let mixed = core.contains('0')
        || core.contains('o') && core.contains('O')
        || core.contains('x') && core.contains('X')
        || core.len() < line.chars().filter(|c| !c.is_whitespace()).count();
    divider_letters && core.len() >= 2 && mixed && !line.ends_with(['.', '!', '?'])
}

/// A short title line right after a heading ("I GO TO STYLES", "Down the Rabbit-Hole").
fn is_subtitle(text: &str, p: &Para) -> bool {
    let s = &text[p.span.range()];
    p.lines.len() <= 3
        && s.chars().count() <= 120
        && !s.contains(['"', '\u{201C}', '\u{201D}'])
        && !s.ends_with(['.', '!', '?', ',', ';'])
        || is_caps_title(text, p)
}

/// Title and author lines before the story begins.
fn is_front_matter_line(text: &str, p: &Para) -> bool {
    let s = &text[p.span.range()];
    let short = p.lines.len() <= 3 && s.chars().count() <= 100;
    let lower = s.to_lowercase();
    short
        && (lower.starts_with("by ") || !s.ends_with(['.', '!', '?', '"', '\u{201D}', '\u{2019}']))
        && !s.starts_with(['"', '\u{201C}', '\''])
}

/// A short all-caps line on its own: a chapter title in stories without "Chapter" headings.
fn is_caps_title(text: &str, p: &Para) -> bool {
    let s = &text[p.span.range()];
    p.lines.len() == 1
        && p.blank_before
        && s.chars().count() <= 60
        && s.chars().filter(|c| c.is_alphabetic()).count() >= 3
        && s.chars().all(|c| !c.is_lowercase())
        && !s.contains(['"', '\u{201C}', '\u{201D}'])
        && !s.ends_with(['!', '?', ',', '\u{2026}'])
        && s.split_whitespace().count() <= 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings() {
        for h in [
            "Chapter 3",
            "CHAPTER III.",
            "Chapter Three",
            "Chapter Twenty-One: The Storm",
            "Part I",
            "PART TWO",
            "Prologue",
            "Epilogue: Years Later",
            "# The Beginning",
            "## 2. Home",
            "CHAPTER I. Mrs. Rachel Lynde is Surprised",
            "Book 1",
            "Chapter 12 - Rain",
        ] {
            assert!(is_explicit_heading(h), "{h}");
        }
        for h in [
            "chapter 3 of the book was boring",
            "Chapter and verse, he said.",
            "#",
            "###",
            "Part of me wanted to stay.",
            "Book it, Danno",
            "Prologues are dull.",
        ] {
            assert!(!is_explicit_heading(h), "{h}");
        }
    }

    #[test]
    fn scene_breaks() {
        for b in [
            "***",
            "* * *",
            "*** *** ***",
            "~~~",
            "---",
            "###",
            "#",
            "o0o",
            "oOo",
            "-o0o-",
            "xXx",
            "\u{00A7}",
            "~*~",
            "   * * *   ",
            "\u{2766}",
        ] {
            assert!(is_scene_break(b), "{b}");
        }
        for b in ["Oooh.", "OK", "ooo", "xx", "I", "\u{201D}", "...", "Hello"] {
            assert!(!is_scene_break(b), "{b}");
        }
    }
}

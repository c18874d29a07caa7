//! Text normalization: numbers, dates, times, money, fractions, roman numerals and abbreviations
//! written out as words before any engine sees them, so that every voice says the same words
//! (espeak-ng reads "1888" as a year, flite as a count; one says "Doctor", the other "D R").
//!
//! It works on the spoken text of one line (see [`crate::plan::spoken_text`]), chunk by chunk
//! (runs between spaces), each with its neighbours for context: "St." is "Saint" before a name
//! and "Street" after one; "1888" after "in" is a year; "No. 7" is "number seven" but "No." alone
//! is the word; "VIII" after "Henry" is "the Eighth" and after "Chapter" is "eight".
//!
//! ```
//! use audiobook::normalize::normalize;
//! assert_eq!(normalize("Dr. Watson met Mr. Holmes at 221B Baker St."),
//!            "Doctor Watson met Mister Holmes at two hundred and twenty-one B Baker Street.");
//! assert_eq!(normalize("On 20 March 1888, at 10:30 p.m., it cost $5.50."),
//!            "On the twentieth of March eighteen eighty-eight, at ten thirty p.m., it cost five dollars and fifty cents.");
//! ```

mod abbreviations;
mod cardinals;
mod dates;
mod money;
mod numbers;
mod roman;

use abbreviations::abbreviation;
pub use cardinals::{cardinal, ordinal, year};
use money::is_vulgar_fraction;
use numbers::number_chunk;
use roman::roman;

/// Writes out the numbers, symbols and abbreviations of `text` as words.
pub fn normalize(text: &str) -> String {
    let chunks: Vec<Chunk> = text.split_whitespace().map(Chunk::split).collect();
    let mut out: Vec<String> = Vec::with_capacity(chunks.len());
    let mut i = 0;
    while i < chunks.len() {
        let ctx = Context { chunks: &chunks, i };
        let (words, consumed) = convert(&ctx);
        let c = &chunks[i];
        match words {
            Some(w) => {
                let last = &chunks[i + consumed - 1];
                let lead = w.lead.as_deref().unwrap_or(c.lead);
                out.push(format!("{lead}{}{}", w.core, w.trail.as_deref().unwrap_or(last.trail)));
            }
            None => out.push(c.whole.to_string()),
        }
        i += consumed;
    }
    out.join(" ")
}

/// A run of text between spaces: leading punctuation, the core, trailing punctuation.
#[derive(Debug, Clone, Copy)]
struct Chunk<'a> {
    whole: &'a str,
    lead: &'a str,
    core: &'a str,
    trail: &'a str,
}

const LEAD: &[char] = &['"', '\'', '(', '[', '{', '\u{201C}', '\u{2018}', '\u{AB}', '\u{A1}', '\u{BF}', '*', '_'];
const TRAIL: &[char] =
    &['"', '\'', ')', ']', '}', '\u{201D}', '\u{2019}', '\u{BB}', ',', ';', ':', '!', '?', '.', '\u{2026}', '*', '_'];

impl<'a> Chunk<'a> {
    fn split(whole: &'a str) -> Chunk<'a> {
        let rest = whole.trim_start_matches(LEAD);
        let lead = &whole[..whole.len() - rest.len()];
        let core = rest.trim_end_matches(TRAIL);
        let trail = &rest[core.len()..];
        Chunk { whole, lead, core, trail }
    }

    /// The trailing punctuation starts with a period (an abbreviation's, or a sentence's end).
    fn period(&self) -> bool {
        self.trail.starts_with('.')
    }

    /// The chunk ends a clause: punctuation after it.
    fn pause(&self) -> bool {
        self.trail.contains([',', ';', ':', '.', '!', '?', '\u{2026}'])
    }

    fn capitalized(&self) -> bool {
        self.core.starts_with(|c: char| c.is_uppercase())
    }

    fn lower(&self) -> String {
        self.core.to_lowercase()
    }
}

/// What a chunk becomes: its new core, and its trailing punctuation when that changes (an
/// abbreviation's period dropped).
struct Words {
    core: String,
    trail: Option<String>,
    /// The leading punctuation, when that changes (a year's apostrophe dropped: `'82`).
    lead: Option<String>,
}

impl Words {
    fn new(core: impl Into<String>) -> Words {
        Words { core: core.into(), trail: None, lead: None }
    }

    fn with_trail(core: impl Into<String>, trail: impl Into<String>) -> Words {
        Words { core: core.into(), trail: Some(trail.into()), lead: None }
    }
}

struct Context<'c, 'a> {
    chunks: &'c [Chunk<'a>],
    i: usize,
}

impl<'a> Context<'_, 'a> {
    fn this(&self) -> Chunk<'a> {
        self.chunks[self.i]
    }
    fn prev(&self) -> Option<Chunk<'a>> {
        self.i.checked_sub(1).map(|j| self.chunks[j])
    }
    fn next(&self) -> Option<Chunk<'a>> {
        self.chunks.get(self.i + 1).copied()
    }
    /// The previous chunk, if nothing separates it from this one (no punctuation between).
    fn adjacent_prev(&self) -> Option<Chunk<'a>> {
        self.prev().filter(|p| p.trail.is_empty() && self.this().lead.is_empty())
    }
    /// The next chunk, if nothing separates it from this one.
    fn adjacent_next(&self) -> Option<Chunk<'a>> {
        self.next().filter(|n| n.lead.is_empty() && self.this().trail.is_empty())
    }
    /// A sentence may end after this chunk: nothing follows, or what follows is capitalized.
    fn sentence_may_end(&self) -> bool {
        self.next().is_none_or(|n| n.capitalized() || !n.lead.is_empty())
    }
}

/// Converts the chunk at `ctx.i`; gives its words (`None` keeps it) and how many chunks they
/// replace.
fn convert(ctx: &Context) -> (Option<Words>, usize) {
    let c = ctx.this();
    if c.core.is_empty() {
        return (None, 1);
    }
    if let Some(result) = abbreviation(ctx) {
        return result;
    }
    if c.core.chars().any(|ch| ch.is_ascii_digit() || is_vulgar_fraction(ch))
        || c.core.starts_with(['$', '£', '€', '¥', '#'])
    {
        return number_chunk(ctx);
    }
    if let Some(words) = roman(ctx) {
        return (Some(words), 1);
    }
    if c.core == "&" {
        return (Some(Words::new("and")), 1);
    }
    (None, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a table of (input, expected) cases, listing every failure.
    pub(super) fn check(cases: &[(&str, &str)]) {
        let mut failures = Vec::new();
        for (input, want) in cases {
            let got = normalize(input);
            if got != *want {
                failures.push(format!("{input:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), cases.len(), failures.join("\n"));
    }

    /// The topic tables beside each pass hold at least sixty cases together.
    #[test]
    fn table_of_cases() {
        let tables = [
            abbreviations::tests::CASES,
            cardinals::tests::CASES,
            dates::tests::CASES,
            money::tests::CASES,
            numbers::tests::CASES,
            roman::tests::CASES,
        ];
        assert!(tables.iter().map(|t| t.len()).sum::<usize>() >= 60);
    }

    #[test]
    fn text_without_numbers_is_unchanged() {
        let s = "\"Well,\" she said, \"I suppose that's what we're here for.\"";
        assert_eq!(normalize(s), s);
    }
}

//! A small tokenizer for one line of the script: words and punctuation with byte offsets.
//!
//! One pass over the characters, no regular expressions: attribution tokenizes every line of a
//! novel once, so this has to stay linear.

use super::lexicon;
use compact_str::CompactString;

/// A word or a punctuation mark.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Byte offsets into the story's text.
    pub start: usize,
    pub end: usize,
    /// The word in lowercase without a title's dot; empty for punctuation (short words are
    /// kept inline, without an allocation).
    pub lower: CompactString,
    /// The punctuation character; `'\0'` for words.
    pub punct: char,
    /// Whether a word starts with an uppercase letter.
    pub cap: bool,
    /// Whether a word opens a sentence (or its line), where capitals say nothing about names.
    pub initial: bool,
}

impl Token {
    pub fn is_word(&self) -> bool {
        self.punct == '\0'
    }
    /// Whether this punctuation ends a sentence or clause that a tag cannot cross.
    pub fn ends_sentence(&self) -> bool {
        matches!(self.punct, '.' | '!' | '?' | ';' | '\u{2026}')
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '-')
}

/// Tokenizes `text[start..end]`; a range that is not on character boundaries gives no tokens.
pub fn tokenize(text: &str, start: usize, end: usize) -> Vec<Token> {
    let Some(slice) = text.get(start..end) else { return Vec::new() };
    let mut out: Vec<Token> = Vec::new();
    let mut chars = slice.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if !is_word_char(c) {
            push(
                &mut out,
                Token {
                    start: start + i,
                    end: start + i + c.len_utf8(),
                    lower: CompactString::default(),
                    punct: c,
                    cap: false,
                    initial: false,
                },
            );
            continue;
        }
        let mut j = i + c.len_utf8();
        while let Some(&(k, d)) = chars.peek() {
            // An apostrophe or hyphen joins letters on both sides: "don't", "O'Brien", "ice-cream".
            let joins =
                is_joiner(d) && slice.get(k + d.len_utf8()..).and_then(|r| r.chars().next()).is_some_and(is_word_char);
            if !(is_word_char(d) || joins) {
                break;
            }
            j = k + d.len_utf8();
            chars.next();
        }
        let word = &slice[i..j];
        let mut lower = lowercase(word);
        // A possessive is its own token, so that "Elizabeth's" names Elizabeth.
        if lower.len() > 2 && lower.ends_with("'s") {
            let apostrophe = slice.get(..j).and_then(|h| h.char_indices().rev().nth(1)).map_or(j, |(k, _)| k);
            lower.truncate(lower.len() - 2);
            push(
                &mut out,
                Token {
                    start: start + i,
                    end: start + apostrophe,
                    lower,
                    punct: '\0',
                    cap: c.is_uppercase(),
                    initial: false,
                },
            );
            push(
                &mut out,
                Token {
                    start: start + apostrophe,
                    end: start + j,
                    lower: "'s".into(),
                    punct: '\0',
                    cap: false,
                    initial: false,
                },
            );
            continue;
        }
        // "Mr." keeps its dot so that the dot does not end a sentence.
        if lexicon::is_abbreviation(&lower) && chars.peek().is_some_and(|&(_, d)| d == '.') {
            chars.next();
            j += 1;
        }
        push(
            &mut out,
            Token { start: start + i, end: start + j, lower, punct: '\0', cap: c.is_uppercase(), initial: false },
        );
    }
    out
}

/// A word in lowercase, with a typographic apostrophe made plain.
fn lowercase(word: &str) -> CompactString {
    if word.is_ascii() {
        let mut w = CompactString::from(word);
        w.make_ascii_lowercase();
        w
    } else {
        CompactString::from(word.to_lowercase().replace('\u{2019}', "'"))
    }
}

/// Appends a token, marking words that open a sentence.
fn push(out: &mut Vec<Token>, mut t: Token) {
    if t.is_word() {
        let prev_word_or_end = out.iter().rev().find(|p| !is_quote_or_bracket(p.punct) || p.is_word());
        t.initial = match prev_word_or_end {
            None => true,
            Some(p) => p.ends_sentence() || matches!(p.punct, ':' | '\u{2014}'),
        };
    }
    out.push(t);
}

fn is_quote_or_bracket(c: char) -> bool {
    matches!(c, '"' | '\'' | '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}' | '(' | ')' | '_' | '*')
}

//! Dialogue spans inside a paragraph, for each quoting style: double quotes (straight or curly),
//! British single quotes (told apart from apostrophes), em-dash dialogue and guillemets.

use super::paragraphs::Para;
use crate::script::Span;

/// A story's dominant way of marking speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Style {
    /// "..." or “...”.
    Double,
    /// ‘...’ or '...' (British).
    Single,
    /// — Speech opens a paragraph with a dash.
    Dash,
    /// «...» (or »...« when `reversed`).
    Guillemet { reversed: bool },
}

/// One quotation: its marks (an empty span when a mark is missing) and what lies between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    pub open: Span,
    pub inner: Span,
    pub close: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Open,
    Close,
    /// A close that may be an apostrophe (single-quote style, after a letter).
    WeakClose,
    /// Open when outside a quotation, close when inside.
    Toggle,
    /// An apostrophe that starts a word (`'tis`), unless a closing mark follows with no opening
    /// one between: then it opened the quotation.
    MaybeOpen,
}

#[derive(Debug, Clone, Copy)]
struct Mark {
    span: Span,
    role: Role,
}

/// Words that begin with an apostrophe: never an opening single quote.
const ELISIONS: &[&str] = &[
    "tis", "twas", "twere", "twill", "twould", "til", "till", "cause", "cos", "coz", "em", "n", "round", "bout",
    "nuff", "kay", "s", "ello", "ere", "ave", "alf", "ow", "im", "is", "er",
];

/// Picks the style that marks the most speech in the story.
pub fn detect_style(text: &str, paras: &[Para]) -> Style {
    let (mut double, mut single, mut guil_fr, mut guil_de) = (0usize, 0usize, 0usize, 0usize);
    let mut prev = ' ';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match c {
            '"' | '\u{201C}' | '\u{201D}' | '\u{201E}' => double += 1,
            '\'' | '\u{2018}' if opens_before(prev) && next.is_some_and(char::is_uppercase) => single += 1,
            '\u{AB}' => guil_fr += 1,
            '\u{BB}' if next.is_some_and(char::is_alphanumeric) && opens_before(prev) => guil_de += 1,
            _ => {}
        }
        prev = c;
    }
    let dash = paras.iter().filter(|p| dash_opening(&text[p.span.range()]).is_some()).count();
    let pairs = double / 2;
    let guil = guil_fr.max(guil_de);
    if guil > pairs && guil >= dash && guil >= single {
        Style::Guillemet { reversed: guil_de > guil_fr }
    } else if single > pairs && single >= dash && single >= 3 {
        Style::Single
    } else if dash > pairs && dash >= 3 {
        Style::Dash
    } else {
        Style::Double
    }
}

fn opens_before(prev: char) -> bool {
    prev.is_whitespace() || matches!(prev, '(' | '[' | '{' | '<' | '\u{2014}' | '\u{2013}' | '-' | '"' | '\u{201C}')
}

fn closes_after(next: Option<char>) -> bool {
    next.is_none_or(|n| {
        n.is_whitespace()
            || matches!(
                n,
                ')' | ']' | '}' | '>' | ',' | '.' | ';' | ':' | '!' | '?' | '\u{2014}' | '\u{2013}' | '-' | '\u{2026}'
            )
    })
}

fn left_flanking(prev: Option<char>, next: Option<char>) -> bool {
    prev.is_none_or(|p| p.is_whitespace() || matches!(p, '(' | '[' | '{' | '<'))
        && next.is_some_and(|n| !n.is_whitespace())
}

fn right_flanking(prev: Option<char>, next: Option<char>) -> bool {
    prev.is_some_and(|p| !p.is_whitespace())
        && next.is_none_or(|n| n.is_whitespace() || matches!(n, ')' | ']' | '}' | '>'))
}

/// The quotations of one paragraph.
pub fn find(text: &str, para: Span, style: Style) -> Vec<Quote> {
    let marks = match style {
        Style::Double => double_marks(text, para),
        Style::Guillemet { reversed } => guillemet_marks(text, para, reversed),
        Style::Single => single_marks(text, para),
        Style::Dash => return dash_quotes(text, para),
    };
    // Inside a single-quoted speech, another opening mark is an apostrophe or a nested quote.
    pair(para, &marks, style != Style::Single)
}

/// Neighbouring characters of the byte range `at` within the paragraph.
fn neighbours(text: &str, para: Span, at: Span) -> (Option<char>, Option<char>) {
    let prev = text[para.start..at.start].chars().next_back();
    let next = text[at.end..para.end].chars().next();
    (prev, next)
}

fn double_marks(text: &str, para: Span) -> Vec<Mark> {
    let mut marks = Vec::new();
    for (i, c) in text[para.range()].char_indices() {
        let glyph = match c {
            '"' => Role::Toggle,
            '\u{201C}' | '\u{201E}' => Role::Open,
            '\u{201D}' | '\u{201F}' => Role::Close,
            _ => continue,
        };
        let span = Span::new(para.start + i, para.start + i + c.len_utf8());
        let (prev, next) = neighbours(text, para, span);
        let (left, right) = (left_flanking(prev, next), right_flanking(prev, next));
        let role = match (glyph, left, right) {
            (_, true, false) => Role::Open,
            (_, false, true) => Role::Close,
            (g, _, _) => g,
        };
        marks.push(Mark { span, role });
    }
    marks
}

fn guillemet_marks(text: &str, para: Span, reversed: bool) -> Vec<Mark> {
    let (open, close) = if reversed { ('\u{BB}', '\u{AB}') } else { ('\u{AB}', '\u{BB}') };
    text[para.range()]
        .char_indices()
        .filter_map(|(i, c)| {
            let role = if c == open {
                Role::Open
            } else if c == close {
                Role::Close
            } else {
                return None;
            };
            Some(Mark { span: Span::new(para.start + i, para.start + i + c.len_utf8()), role })
        })
        .collect()
}

fn single_marks(text: &str, para: Span) -> Vec<Mark> {
    let mut marks = Vec::new();
    let body = &text[para.range()];
    for (i, c) in body.char_indices() {
        if !matches!(c, '\'' | '\u{2018}' | '\u{2019}') {
            continue;
        }
        let span = Span::new(para.start + i, para.start + i + c.len_utf8());
        let (prev, next) = neighbours(text, para, span);
        if prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric) {
            continue; // don't, o'clock
        }
        let before_ok = prev.is_none_or(opens_before);
        if before_ok && next.is_some_and(|n| !n.is_whitespace()) {
            let role = if is_elision(&body[i + c.len_utf8()..]) { Role::MaybeOpen } else { Role::Open };
            marks.push(Mark { span, role });
        } else if prev.is_some_and(|p| !p.is_whitespace()) && closes_after(next) {
            let role = match prev {
                Some(p) if p.is_alphanumeric() => {
                    if is_elided_ending(&body[..i]) {
                        continue;
                    }
                    Role::WeakClose
                }
                _ => Role::Close,
            };
            marks.push(Mark { span, role });
        }
    }
    marks
}

/// `'tis`, `'n'`, `'90s`: an apostrophe that starts a word.
fn is_elision(after: &str) -> bool {
    let word: String = after.chars().take_while(|c| c.is_alphanumeric()).collect();
    if word.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return true;
    }
    ELISIONS.contains(&word.to_lowercase().as_str()) && !after[word.len()..].starts_with([',', '.', '!', '?'])
        || word == "n"
}

/// `o'`, `'n'`: an apostrophe that ends a short elided word.
fn is_elided_ending(before: &str) -> bool {
    let word: String = before.chars().rev().take_while(|c| c.is_alphanumeric()).collect();
    let start_of_word = before[..before.len() - word.len()].chars().next_back();
    (word == "o" || word == "O") && start_of_word.is_none_or(|c| !c.is_alphanumeric())
        || word == "n" && start_of_word.is_some_and(|c| matches!(c, '\'' | '\u{2018}' | '\u{2019}'))
}

/// Pairs classified marks into quotations. A quotation still open at the paragraph's end closes
/// there; an open mark inside a quotation closes it when what is left pairs up that way.
fn pair(para: Span, marks: &[Mark], inner_open_closes: bool) -> Vec<Quote> {
    let mut out = Vec::new();
    let mut open: Option<Span> = None;
    let mut weak: Option<Span> = None;
    let mut maybe: Option<Span> = None;
    for (k, m) in marks.iter().enumerate() {
        match (open, m.role) {
            (None, Role::Open | Role::Toggle) => open = Some(m.span),
            (None, Role::MaybeOpen) => maybe = maybe.or(Some(m.span)),
            (None, Role::Close) => {
                if let Some(o) = maybe.take() {
                    out.push(quote(o, m.span));
                }
            }
            (None, Role::WeakClose) => {}
            (Some(_), Role::MaybeOpen) => {}
            (Some(o), Role::Close | Role::Toggle) => {
                out.push(quote(o, m.span));
                open = None;
                weak = None;
            }
            (Some(_), Role::WeakClose) => weak = Some(m.span),
            (Some(o), Role::Open) => {
                if let Some(w) = weak.take() {
                    out.push(quote(o, w));
                    open = Some(m.span);
                } else if inner_open_closes {
                    // Odd marks left: this one opens the next quotation, and the current one
                    // lost its closing mark. Even: it is a mis-typed closing mark.
                    if (marks.len() - k - 1) % 2 == 1 {
                        out.push(quote(o, Span::new(m.span.start, m.span.start)));
                        open = Some(m.span);
                    } else {
                        out.push(quote(o, m.span));
                        open = None;
                    }
                }
            }
        }
    }
    if let Some(o) = open {
        match weak {
            Some(w) => out.push(quote(o, w)),
            None => out.push(quote(o, Span::new(para.end, para.end))),
        }
    }
    out
}

fn quote(open: Span, close: Span) -> Quote {
    Quote { open, inner: Span::new(open.end, close.start), close }
}

/// The opening dash of a dash-dialogue paragraph, if it starts with one.
fn dash_opening(para: &str) -> Option<usize> {
    let len = if para.starts_with("--") {
        2
    } else if para.starts_with(['\u{2014}', '\u{2015}', '\u{2013}']) {
        3
    } else {
        return None;
    };
    let rest = para[len..].trim_start();
    rest.starts_with(|c: char| c.is_alphanumeric() || matches!(c, '\u{BF}' | '\u{A1}' | '.')).then_some(len)
}

fn dash_quotes(text: &str, para: Span) -> Vec<Quote> {
    let body = &text[para.range()];
    let Some(first) = dash_opening(body) else { return Vec::new() };
    let mut dashes = vec![Span::new(para.start, para.start + first)];
    let mut i = first;
    while i < body.len() {
        let rest = &body[i..];
        let len = if rest.starts_with("--") {
            2
        } else if rest.starts_with(['\u{2014}', '\u{2015}', '\u{2013}']) {
            3
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let prev = body[..i].chars().next_back();
        let next = body[i + len..].chars().next();
        let spaced = prev.is_some_and(char::is_whitespace);
        let spanish_close = next.is_some_and(|n| matches!(n, '.' | ','));
        if spaced || spanish_close {
            dashes.push(Span::new(para.start + i, para.start + i + len));
        }
        i += len;
    }
    // Dashes alternate speech and narration, starting with speech.
    let mut out = Vec::new();
    for (k, d) in dashes.iter().enumerate().step_by(2) {
        let close = dashes.get(k + 1).copied().unwrap_or(Span::new(para.end, para.end));
        out.push(Quote { open: *d, inner: Span::new(d.end, close.start), close });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inner texts of a paragraph's quotations, trimmed.
    fn inner(text: &str, style: Style) -> Vec<&str> {
        find(text, Span::new(0, text.len()), style).iter().map(|q| text[q.inner.range()].trim()).collect()
    }

    #[test]
    fn double_quote_cases() {
        let cases: &[(&str, &[&str])] = &[
            ("\"Hello,\" said Ann.", &["Hello,"]),
            ("\u{201C}Hello,\u{201D} said Ann, \u{201C}how are you?\u{201D}", &["Hello,", "how are you?"]),
            (
                "\"I told you,\" said Edwin, \"that it was wound too tight.\"",
                &["I told you,", "that it was wound too tight."],
            ),
            ("Ann scowled. \"Go away.\"", &["Go away."]),
            ("\"He said 'no' to me,\" she said.", &["He said 'no' to me,"]),
            ("\"I was going to\u{2014}\" \"Don't.\"", &["I was going to\u{2014}", "Don't."]),
            ("\"Wait, I", &["Wait, I"]),
            ("\u{201C}Hello, \u{201C}Bob said.", &["Hello,"]),
            ("\"Hello, she said. \"Come here.\"", &["Hello, she said.", "Come here."]),
            ("\u{201C}Don\u{2019}t,\u{201D} she said.", &["Don\u{2019}t,"]),
            ("She nodded.\u{2014}\"Fine.\"", &["Fine."]),
        ];
        for (text, want) in cases {
            assert_eq!(&inner(text, Style::Double), want, "{text}");
        }
    }

    #[test]
    fn single_quote_cases() {
        let cases: &[(&str, &[&str])] = &[
            ("\u{2018}Hello,\u{2019} said Ann.", &["Hello,"]),
            ("'Tis a fine day,' said Tom, ''tis indeed.'", &["Tis a fine day,", "'tis indeed."]),
            ("'Rock 'n' roll is here,' he said.", &["Rock 'n' roll is here,"]),
            ("He went to the dogs' home.", &[]),
            ("'I'm goin' home,' she said.", &["I'm goin' home,"]),
            ("'Come here, Tom' she said", &["Come here, Tom"]),
            ("It was five o' the clock.", &[]),
            ("'It's the boys' room,' she said. 'Don't go in.'", &["It's the boys' room,", "Don't go in."]),
            ("'Wait for me", &["Wait for me"]),
        ];
        for (text, want) in cases {
            assert_eq!(&inner(text, Style::Single), want, "{text}");
        }
    }

    #[test]
    fn dash_cases() {
        let cases: &[(&str, &[&str])] = &[
            ("\u{2014}I don't know, \u{2014}she said. \u{2014}Maybe tomorrow.", &["I don't know,", "Maybe tomorrow."]),
            ("\u{2014} Come in.", &["Come in."]),
            ("-- Who's there?", &["Who's there?"]),
            ("She waved\u{2014}then left.", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(&inner(text, Style::Dash), want, "{text}");
        }
    }

    #[test]
    fn guillemet_cases() {
        assert_eq!(inner("\u{AB}Bonjour,\u{BB} dit-il.", Style::Guillemet { reversed: false }), ["Bonjour,"]);
        assert_eq!(inner("\u{BB}Hallo,\u{AB} sagte er.", Style::Guillemet { reversed: true }), ["Hallo,"]);
    }

    #[test]
    fn style_detection() {
        let detect = |t: &str| {
            let lines = super::super::paragraphs::lines(t);
            let paras =
                super::super::paragraphs::paragraphs(t, &lines, super::super::paragraphs::Layout::LinePerParagraph);
            detect_style(t, &paras)
        };
        assert_eq!(detect("\"Hi,\" he said.\n\"Bye.\"\n"), Style::Double);
        assert_eq!(detect("'Hi,' he said.\n'Bye,' she said.\n'Don't,' he said.\nIt's Tom's.\n"), Style::Single);
        assert_eq!(detect("\u{2014}Hi.\n\u{2014}Bye.\n\u{2014}What?\n"), Style::Dash);
        assert_eq!(detect("\u{AB}Oui,\u{BB} dit-il. \u{AB}Non.\u{BB}\n"), Style::Guillemet { reversed: false });
    }
}

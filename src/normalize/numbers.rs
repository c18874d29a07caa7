//! Chunks with digits: picks what a number is from its form and its neighbours (a time with
//! a.m./p.m., money with a scale word, a whole number and a fraction, a day and a month, a year
//! cut short like '82, a year after "in") and writes it out, digits mixed with letters included
//! ("221B" -> "two hundred and twenty-one B").

use super::cardinals::{
    below_hundred, cardinal, decade, decimal, ordinal, ordinal_suffix, parse_plain, plural, range, small_integer, year,
};
use super::dates::{date, time};
use super::money::{currency, degrees, fraction, fraction_words, is_vulgar_fraction, mixed, money, vulgar};
use super::{Context, Words};

pub(super) const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Words after which a four-digit number from 2010 on is a year rather than a count.
pub(super) const YEAR_CUES: &[&str] = &[
    "in", "of", "since", "until", "till", "by", "from", "to", "year", "summer", "winter", "spring", "autumn", "fall",
    "circa", "c", "ca", "early", "late", "mid", "before", "after", "during",
];

pub(super) fn month_index(word: &str) -> Option<usize> {
    MONTHS.iter().position(|m| *m == word)
}

pub(super) fn number_chunk(ctx: &Context) -> (Option<Words>, usize) {
    let c = ctx.this();
    let core = c.core;
    // A time with a.m./p.m. after it: "10:30 p.m.", "5 pm".
    if let Some(next) = ctx.adjacent_next().or(ctx.next().filter(|_| c.trail.is_empty()))
        && let Some(meridiem) = meridiem(next.core)
        && let Some(t) = time(core).or_else(|| small_integer(core, 1, 12).map(cardinal))
    {
        let trail = if next.trail.starts_with('.') && meridiem.ends_with('.') { &next.trail[1..] } else { next.trail };
        return (Some(Words::with_trail(format!("{t} {meridiem}"), trail)), 2);
    }
    // A time with a.m./p.m. against it: "5pm", "10:30PM".
    if let (Some(head), Some(tail)) =
        (core.get(..core.len().saturating_sub(2)), core.get(core.len().saturating_sub(2)..))
        && !head.is_empty()
        && let Some(meridiem) = meridiem(tail)
        && let Some(t) = time(head).or_else(|| small_integer(head, 1, 12).map(cardinal))
    {
        return (Some(Words::new(format!("{t} {meridiem}"))), 1);
    }
    // Money with a scale word after it: "$1.5 million".
    if let Some((symbol, amount)) = currency(core)
        && let Some(next) = ctx.adjacent_next()
        && matches!(next.core, "thousand" | "million" | "billion" | "trillion")
    {
        let words = format!("{} {} {}", decimal(amount), next.core, symbol.plural);
        return (Some(Words::with_trail(words, next.trail)), 2);
    }
    // A whole number and a fraction: "1 1/2".
    if let Some(whole) = small_integer(core, 0, 999_999)
        && let Some(next) = ctx.adjacent_next()
        && let Some(frac) = fraction(next.core)
    {
        return (Some(Words::with_trail(mixed(whole, frac), next.trail)), 2);
    }
    // A day and a month: "20 March".
    if let Some(day) = small_integer(core, 1, 31)
        && let Some(next) = ctx.adjacent_next()
        && month_index(next.core).is_some()
    {
        return (Some(Words::new(format!("the {} of", ordinal(day)))), 1);
    }
    // A month and a day: "March 20", "May 5," (May only when punctuation or a year follows).
    if let Some(day) = small_integer(core.trim_end_matches(['s', 't', 'n', 'd', 'h', 'r']), 1, 31)
        && let Some(prev) = ctx.adjacent_prev()
        && month_index(prev.core).is_some()
        && (prev.core != "May" || c.pause() || ctx.next().is_none())
        && (core.chars().all(|ch| ch.is_ascii_digit()) || ordinal_suffix(core).is_some())
    {
        return (Some(Words::new(ordinal(day))), 1);
    }
    // A year or decade cut short: '82, '80s (the apostrophe is not said).
    if c.lead.ends_with(['\'', '\u{2019}'])
        && core.trim_end_matches('s').len() == 2
        && core.trim_end_matches('s').chars().all(|ch| ch.is_ascii_digit())
    {
        let n: u64 = core.trim_end_matches('s').parse().unwrap_or(0);
        let words = if core.ends_with('s') { plural(&below_hundred(n)) } else { below_hundred(n) };
        let lead = c.lead[..c.lead.len() - c.lead.chars().last().map_or(0, char::len_utf8)].to_string();
        return (Some(Words { core: words, trail: None, lead: Some(lead) }), 1);
    }
    (Some(Words::new(number_words(ctx, core))), 1)
}

/// `am`, `pm`, `a.m`, `p.m` (the trailing period is in the chunk's trail).
pub(super) fn meridiem(core: &str) -> Option<&'static str> {
    match core.to_ascii_lowercase().as_str() {
        "am" | "a.m" => Some("a.m."),
        "pm" | "p.m" => Some("p.m."),
        _ => None,
    }
}

/// A number's words, whatever its form: money, percent, time, date, ordinal, decade, range,
/// fraction, decimal, year, or digits mixed with letters.
pub(super) fn number_words(ctx: &Context, core: &str) -> String {
    if let Some(rest) = core.strip_prefix('#')
        && let Some(n) = small_integer(rest, 0, u64::MAX)
    {
        return format!("number {}", cardinal(n));
    }
    if let Some(w) = money(core) {
        return w;
    }
    if let Some(n) = core.strip_suffix('%')
        && parse_plain(n).is_some()
    {
        return format!("{} percent", decimal(n));
    }
    if let Some(w) = core.strip_suffix('\u{A2}').and_then(|n| small_integer(n, 0, u64::MAX)) {
        return format!("{} {}", cardinal(w), if w == 1 { "cent" } else { "cents" });
    }
    if let Some((n, unit)) = degrees(core) {
        return format!("{} {unit}", decimal(n));
    }
    if let Some(t) = time(core) {
        return t;
    }
    if let Some(d) = date(core) {
        return d;
    }
    if let Some(w) = ordinal_suffix(core) {
        return w;
    }
    if let Some(w) = decade(ctx, core) {
        return w;
    }
    if let Some(w) = range(core) {
        return w;
    }
    if let Some(f) = fraction(core) {
        return fraction_words(f);
    }
    if let Some(n) = core.strip_prefix(['-', '\u{2212}']).filter(|n| parse_plain(n).is_some()) {
        return format!("minus {}", decimal(n));
    }
    if parse_plain(core).is_some() {
        if let Some(y) = small_integer(core, 1000, 2099).filter(|_| is_year(ctx, core)) {
            return year(y);
        }
        return decimal(core);
    }
    mixed_runs(core)
}

/// Whether a four-digit number reads as a year: up to 1999 always (a count that size reads
/// alike: "fifteen hundred"), from 2010 after a cue ("in 2024", "March 2024").
pub(super) fn is_year(ctx: &Context, core: &str) -> bool {
    if core.len() != 4 || core.contains([',', '.']) {
        return false;
    }
    let Ok(n) = core.parse::<u64>() else { return false };
    match n {
        1000..=1999 => true,
        2010..=2099 => ctx.prev().is_some_and(|p| {
            let word = p.lower();
            YEAR_CUES.contains(&word.as_str())
                || month_index(p.core).is_some()
                || p.core.parse::<u64>().is_ok_and(|d| (1..=31).contains(&d))
        }),
        _ => false,
    }
}

/// Digits mixed with other characters: each run of digits in words, the rest kept
/// ("221B" -> "two hundred and twenty-one B", "2½" -> "two and a half", "MI5" -> "MI five").
pub(super) fn mixed_runs(core: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut chars = core.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if let Some(f) = vulgar(c.encode_utf8(&mut [0; 4])) {
            let joined = out.last().and_then(|w| w.strip_prefix('\u{0}')).map(|w| w.to_string());
            match joined {
                Some(number) => {
                    out.pop();
                    out.push(mixed(number.parse().unwrap_or(0), f));
                }
                None => out.push(fraction_words(f)),
            }
            continue;
        }
        let digit = c.is_ascii_digit();
        let mut end = start + c.len_utf8();
        while let Some(&(i, n)) = chars.peek() {
            if n.is_ascii_digit() != digit || is_vulgar_fraction(n) {
                break;
            }
            end = i + n.len_utf8();
            chars.next();
        }
        let run = &core[start..end];
        if digit {
            // Kept as the raw number until the next run is seen (a fraction may join it).
            out.push(format!("\u{0}{run}"));
        } else {
            match run {
                "-" | "\u{2013}" | "/" => {}
                "&" => out.push("and".to_string()),
                r => out.push(r.to_string()),
            }
        }
    }
    out.into_iter()
        .map(|w| match w.strip_prefix('\u{0}') {
            Some(number) => decimal(number),
            None => w,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
pub(super) mod tests {

    pub(in crate::normalize) const CASES: &[(&str, &str)] = &[
        // mixed and untouched
        ("221B", "two hundred and twenty-one B"),
        ("MI5", "MI five"),
        ("#5", "number five"),
        ("1-800-555-0199", "one, eight zero zero, five five five, zero one nine nine"),
        ("\"It's 5,\" she said.", "\"It's five,\" she said."),
        ("(1888)", "(eighteen eighty-eight)"),
        ("No numbers here.", "No numbers here."),
    ];

    #[test]
    fn cases() {
        crate::normalize::tests::check(CASES);
    }
}

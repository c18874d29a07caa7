//! Roman numerals: "Chapter IV" -> "Chapter four", "Henry VIII" -> "Henry the Eighth", a
//! heading that is a numeral alone ("XIV." -> "Fourteen."); a lone "I" stays the pronoun.

use super::cardinals::{cardinal, ordinal};
use super::{Context, Words};

/// Words after which a roman numeral is a plain number: "Chapter IV", "World War II".
pub(super) const SECTION_WORDS: &[&str] = &[
    "chapter", "part", "book", "volume", "vol", "act", "scene", "section", "canto", "stave", "letter", "appendix",
    "article", "psalm", "chap", "ch", "no", "number", "phase", "round", "level", "war", "episode", "lesson", "unit",
];

/// Names that take a one-letter regnal numeral ("Henry V", "Elizabeth I.").
pub(super) const REGNAL_NAMES: &[&str] = &[
    "Henry",
    "Edward",
    "George",
    "William",
    "Richard",
    "James",
    "Charles",
    "John",
    "Louis",
    "Elizabeth",
    "Mary",
    "Anne",
    "Victoria",
    "Philip",
    "Frederick",
    "Pius",
    "Leo",
    "Gregory",
    "Benedict",
    "Innocent",
    "Clement",
    "Alexander",
    "Peter",
    "Catherine",
    "Napoleon",
    "Ferdinand",
    "Alfonso",
    "Otto",
    "Rudolf",
    "Paul",
    "Nicholas",
    "Ivan",
    "Charlemagne",
    "David",
    "Malcolm",
    "Robert",
    "Stephen",
    "Harold",
    "Edmund",
    "Alfred",
    "Francis",
];

pub(super) fn roman(ctx: &Context) -> Option<Words> {
    let c = ctx.this();
    let value = roman_value(c.core)?;
    let prev = ctx.adjacent_prev();
    let after_section = prev.is_some_and(|p| SECTION_WORDS.contains(&p.lower().trim_end_matches('.')));
    if after_section {
        return Some(Words::new(cardinal(value)));
    }
    let name_letters = c.core.chars().all(|ch| matches!(ch, 'I' | 'V' | 'X' | 'L'));
    if let Some(p) = prev
        && p.capitalized()
        && name_letters
        && value <= 50
        && (c.core.len() >= 2 || REGNAL_NAMES.contains(&p.core) && (c.core != "I" || c.pause() || ctx.next().is_none()))
    {
        return Some(Words::new(format!("the {}", capitalize(&ordinal(value)))));
    }
    // A heading that is a numeral alone ("II", "XIV."); a lone "I" is the pronoun.
    if ctx.chunks.len() == 1 && c.lead.is_empty() && c.core != "I" {
        return Some(Words::new(capitalize(&cardinal(value))));
    }
    None
}

/// The value of an upper-case roman numeral written the standard way.
pub(super) fn roman_value(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 12 || !s.chars().all(|c| "IVXLCDM".contains(c)) {
        return None;
    }
    let digit = |c: char| match c {
        'I' => 1,
        'V' => 5,
        'X' => 10,
        'L' => 50,
        'C' => 100,
        'D' => 500,
        _ => 1000,
    };
    let values: Vec<u64> = s.chars().map(digit).collect();
    let mut total = 0;
    for (i, &v) in values.iter().enumerate() {
        if values.get(i + 1).is_some_and(|&n| n > v) {
            total -= v as i64;
        } else {
            total += v as i64;
        }
    }
    let total = u64::try_from(total).ok().filter(|&t| t > 0)?;
    (to_roman(total) == s).then_some(total)
}

pub(super) fn to_roman(mut n: u64) -> String {
    const TABLE: &[(u64, &str)] = &[
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut s = String::new();
    for &(v, r) in TABLE {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

pub(super) fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |f| f.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::normalize) const CASES: &[(&str, &str)] = &[
        // roman numerals
        ("Henry VIII", "Henry the Eighth"),
        ("Louis XIV.", "Louis the Fourteenth."),
        ("Henry V", "Henry the Fifth"),
        ("Elizabeth I.", "Elizabeth the First."),
        ("Chapter IV", "Chapter four"),
        ("CHAPTER XLII.", "CHAPTER forty-two."),
        ("Part II", "Part two"),
        ("World War II", "World War two"),
        ("II", "Two"),
        ("XIV.", "Fourteen."),
        ("I", "I"),
        ("I said so.", "I said so."),
        ("an IV drip", "an IV drip"),
        ("Washington DC", "Washington DC"),
    ];

    #[test]
    fn cases() {
        crate::normalize::tests::check(CASES);
    }

    #[test]
    fn roman_values() {
        assert_eq!(roman_value("MCMLXXXIV"), Some(1984));
        assert_eq!(roman_value("IIII"), None);
        assert_eq!(roman_value("IC"), None);
    }
}

//! Numbers in words: plain numbers and decimals ("3.14" -> "three point one four"), cardinals,
//! ordinals ("21st" -> "twenty-first"), years ("1888" -> "eighteen eighty-eight"), decades
//! ("the 1920s") and ranges ("1914-1918", telephone numbers digit by digit).

use super::Context;

/// A plain number: digits with optional comma groups and one decimal point.
pub(super) fn parse_plain(s: &str) -> Option<f64> {
    if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_digit()) || !s.ends_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if !frac.chars().all(|c| c.is_ascii_digit()) || !int.chars().all(|c| c.is_ascii_digit() || c == ',') {
        return None;
    }
    if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        let valid = !groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3);
        if !valid {
            return None;
        }
    }
    format!("{}.{}", int.replace(',', ""), if frac.is_empty() { "0" } else { frac }).parse().ok()
}

/// An integer within `min..=max`, written plainly (commas allowed, no leading zero).
pub(super) fn small_integer(s: &str, min: u64, max: u64) -> Option<u64> {
    if s.contains('.') || s.len() > 1 && s.starts_with('0') {
        return None;
    }
    parse_plain(s)?;
    s.replace(',', "").parse::<u64>().ok().filter(|n| (min..=max).contains(n))
}

/// A plain number's words: "3.14" -> "three point one four"; "007" -> "zero zero seven".
pub(super) fn decimal(s: &str) -> String {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let int = int.replace(',', "");
    let int_words = if int.len() > 1 && int.starts_with('0') || int.len() > 15 {
        digits(&int)
    } else {
        int.parse::<u64>().map(cardinal).unwrap_or_else(|_| digits(&int))
    };
    if frac.is_empty() { int_words } else { format!("{int_words} point {}", digits(frac)) }
}

/// Digit by digit.
pub(super) fn digits(s: &str) -> String {
    s.chars().filter_map(|c| c.to_digit(10)).map(|d| ONES[d as usize]).collect::<Vec<_>>().join(" ")
}

pub(super) const ONES: [&str; 20] = [
    "zero",
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
];
pub(super) const TENS: [&str; 10] =
    ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/// Below a hundred: "forty-two".
pub(super) fn below_hundred(n: u64) -> String {
    if n < 20 {
        ONES[n as usize].to_string()
    } else if n.is_multiple_of(10) {
        TENS[(n / 10) as usize].to_string()
    } else {
        format!("{}-{}", TENS[(n / 10) as usize], ONES[(n % 10) as usize])
    }
}

/// Below a thousand: "three hundred and five".
pub(super) fn below_thousand(n: u64) -> String {
    match (n / 100, n % 100) {
        (0, r) => below_hundred(r),
        (h, 0) => format!("{} hundred", ONES[h as usize]),
        (h, r) => format!("{} hundred and {}", ONES[h as usize], below_hundred(r)),
    }
}

/// A cardinal number in words, British style: "one thousand two hundred and five",
/// "two thousand and one".
pub fn cardinal(n: u64) -> String {
    if n == 0 {
        return "zero".into();
    }
    if n >= 1_000_000_000_000_000 {
        return digits(&n.to_string());
    }
    const SCALES: [&str; 5] = ["", "thousand", "million", "billion", "trillion"];
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut parts: Vec<String> = Vec::new();
    for (i, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            continue;
        }
        let words =
            if i == 0 && groups.len() > 1 && g < 100 { format!("and {}", below_hundred(g)) } else { below_thousand(g) };
        parts.push(if i == 0 { words } else { format!("{words} {}", SCALES[i]) });
    }
    parts.join(" ")
}

/// An ordinal in words: "twenty-first".
pub fn ordinal(n: u64) -> String {
    let words = cardinal(n);
    let split = words.rfind([' ', '-']).map_or(0, |i| i + 1);
    let (head, last) = words.split_at(split);
    let last = match last {
        "one" => "first".to_string(),
        "two" => "second".to_string(),
        "three" => "third".to_string(),
        "five" => "fifth".to_string(),
        "eight" => "eighth".to_string(),
        "nine" => "ninth".to_string(),
        "twelve" => "twelfth".to_string(),
        w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
        w => format!("{w}th"),
    };
    format!("{head}{last}")
}

/// A year as it is said: "eighteen eighty-eight", "nineteen hundred", "nineteen oh five",
/// "two thousand and five".
pub fn year(n: u64) -> String {
    let (hi, lo) = (n / 100, n % 100);
    if hi % 10 == 0 && lo < 10 || !(10..=99).contains(&hi) {
        return cardinal(n);
    }
    match lo {
        0 => format!("{} hundred", below_hundred(hi)),
        1..=9 => format!("{} oh {}", below_hundred(hi), ONES[lo as usize]),
        _ => format!("{} {}", below_hundred(hi), below_hundred(lo)),
    }
}

/// "1st", "22nd", "103rd", "4th" (any case).
pub(super) fn ordinal_suffix(core: &str) -> Option<String> {
    let split = core.find(|c: char| !c.is_ascii_digit())?;
    let (num, suffix) = core.split_at(split);
    if !matches!(suffix.to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th") {
        return None;
    }
    small_integer(num, 0, u64::MAX).map(ordinal)
}

/// "1920s", "1920's", "'80s" (the apostrophe is the chunk's lead), "80s".
pub(super) fn decade(ctx: &Context, core: &str) -> Option<String> {
    let num = core.strip_suffix("'s").or_else(|| core.strip_suffix('s'))?;
    let n = small_integer(num, 0, 2099)?;
    if n % 10 != 0 {
        return None;
    }
    let words = match num.len() {
        4 => year(n),
        2 if n >= 10 || ctx.this().lead.ends_with('\'') => below_hundred(n),
        _ => return None,
    };
    Some(plural(&words))
}

pub(super) fn plural(words: &str) -> String {
    match words.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None if words.ends_with('x') => format!("{words}es"),
        None => format!("{words}s"),
    }
}

/// "1914-1918", "5–10": "nineteen fourteen to nineteen eighteen". Three groups or more (a
/// telephone number) are read digit by digit.
pub(super) fn range(core: &str) -> Option<String> {
    let parts: Vec<&str> = core.split(['-', '\u{2013}']).collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    if parts.len() > 2 {
        return Some(parts.iter().map(|p| digits(p)).collect::<Vec<_>>().join(", "));
    }
    let word = |p: &str| {
        if p.len() == 4 && p.parse::<u64>().is_ok_and(|n| (1000..=2099).contains(&n)) {
            year(p.parse().unwrap_or(0))
        } else {
            decimal(p)
        }
    };
    Some(format!("{} to {}", word(parts[0]), word(parts[1])))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::normalize) const CASES: &[(&str, &str)] = &[
        // cardinals
        ("0", "zero"),
        ("7", "seven"),
        ("13 ships", "thirteen ships"),
        ("42", "forty-two"),
        ("100", "one hundred"),
        ("105", "one hundred and five"),
        ("999", "nine hundred and ninety-nine"),
        ("1,000", "one thousand"),
        ("2,005", "two thousand and five"),
        ("1,234,567", "one million two hundred and thirty-four thousand five hundred and sixty-seven"),
        ("3.14", "three point one four"),
        ("0.5", "zero point five"),
        ("-5 degrees", "minus five degrees"),
        ("007", "zero zero seven"),
        ("It was 12.", "It was twelve."),
        // ordinals
        ("1st", "first"),
        ("2nd", "second"),
        ("3rd", "third"),
        ("4th", "fourth"),
        ("21st", "twenty-first"),
        ("the 100th day", "the one hundredth day"),
        ("112th", "one hundred and twelfth"),
        // years and decades
        ("in 1888", "in eighteen eighty-eight"),
        ("1900", "nineteen hundred"),
        ("1905", "nineteen oh five"),
        ("2000", "two thousand"),
        ("2005", "two thousand and five"),
        ("in 2024", "in twenty twenty-four"),
        ("2024 people", "two thousand and twenty-four people"),
        ("1066", "ten sixty-six"),
        ("the 1920s", "the nineteen twenties"),
        ("the '80s", "the eighties"),
        ("in '82", "in eighty-two"),
        ("1914-1918", "nineteen fourteen to nineteen eighteen"),
        ("pages 5\u{2013}10", "pages five to ten"),
    ];

    #[test]
    fn cases() {
        crate::normalize::tests::check(CASES);
    }

    #[test]
    fn numbers_in_words() {
        assert_eq!(cardinal(1_000_001), "one million and one");
        assert_eq!(ordinal(12), "twelfth");
        assert_eq!(ordinal(40), "fortieth");
        assert_eq!(year(1888), "eighteen eighty-eight");
    }
}

//! Money, fractions and degrees: "$5.50" -> "five dollars and fifty cents", "£0.99" ->
//! "ninety-nine pence", "3/4" and "¾" -> "three quarters", "2½" -> "two and a half",
//! "90°F" -> "ninety degrees Fahrenheit".

use super::cardinals::{cardinal, decimal, ordinal, parse_plain, small_integer};

/// A fraction as (numerator, denominator): `3/4`, `½`.
pub(super) fn fraction(core: &str) -> Option<(u64, u64)> {
    if let Some(f) = vulgar(core) {
        return Some(f);
    }
    let (a, b) = core.split_once('/')?;
    let (a, b) = (small_integer(a, 0, 999)?, small_integer(b, 2, 100)?);
    Some((a, b))
}

pub(super) fn is_vulgar_fraction(c: char) -> bool {
    vulgar(c.encode_utf8(&mut [0; 4])).is_some()
}

pub(super) fn vulgar(s: &str) -> Option<(u64, u64)> {
    Some(match s {
        "\u{BD}" => (1, 2),
        "\u{2153}" => (1, 3),
        "\u{2154}" => (2, 3),
        "\u{BC}" => (1, 4),
        "\u{BE}" => (3, 4),
        "\u{2155}" => (1, 5),
        "\u{2156}" => (2, 5),
        "\u{2157}" => (3, 5),
        "\u{2158}" => (4, 5),
        "\u{2159}" => (1, 6),
        "\u{215A}" => (5, 6),
        "\u{215B}" => (1, 8),
        "\u{215C}" => (3, 8),
        "\u{215D}" => (5, 8),
        "\u{215E}" => (7, 8),
        _ => return None,
    })
}

/// "three quarters", "one half", "five eighths".
pub(super) fn fraction_words((a, b): (u64, u64)) -> String {
    let denominator = match (b, a == 1) {
        (2, true) => "half".to_string(),
        (2, false) => "halves".to_string(),
        (4, true) => "quarter".to_string(),
        (4, false) => "quarters".to_string(),
        (_, true) => ordinal(b),
        (_, false) => format!("{}s", ordinal(b)),
    };
    format!("{} {denominator}", cardinal(a))
}

/// "one and a half", "two and three quarters".
pub(super) fn mixed(whole: u64, (a, b): (u64, u64)) -> String {
    let frac = if a == 1 { fraction_words((a, b)).replacen("one ", "a ", 1) } else { fraction_words((a, b)) };
    format!("{} and {frac}", cardinal(whole))
}

/// A currency symbol's names.
pub(super) struct Currency {
    pub(super) one: &'static str,
    pub(super) plural: &'static str,
    pub(super) cent: &'static str,
    pub(super) cents: &'static str,
}

pub(super) const DOLLAR: Currency = Currency { one: "dollar", plural: "dollars", cent: "cent", cents: "cents" };
pub(super) const POUND: Currency = Currency { one: "pound", plural: "pounds", cent: "penny", cents: "pence" };
pub(super) const EURO: Currency = Currency { one: "euro", plural: "euros", cent: "cent", cents: "cents" };
pub(super) const YEN: Currency = Currency { one: "yen", plural: "yen", cent: "sen", cents: "sen" };

/// A currency symbol and the amount after it: `$5.50` -> (dollar, "5.50").
pub(super) fn currency(core: &str) -> Option<(&'static Currency, &str)> {
    let mut chars = core.chars();
    let symbol = match chars.next()? {
        '$' => &DOLLAR,
        '\u{A3}' => &POUND,
        '\u{20AC}' => &EURO,
        '\u{A5}' => &YEN,
        _ => return None,
    };
    let amount = chars.as_str();
    parse_plain(amount).map(|_| (symbol, amount))
}

/// "$5" -> "five dollars", "$5.50" -> "five dollars and fifty cents", "£0.99" -> "ninety-nine pence".
pub(super) fn money(core: &str) -> Option<String> {
    let (symbol, amount) = currency(core)?;
    let (int, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let whole: u64 = int.replace(',', "").parse().ok()?;
    let cents: u64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<u64>().ok()? * 10,
        2 => frac.parse().ok()?,
        _ => return Some(format!("{} {}", decimal(amount), symbol.plural)),
    };
    let main = format!("{} {}", cardinal(whole), if whole == 1 { symbol.one } else { symbol.plural });
    let small = format!("{} {}", cardinal(cents), if cents == 1 { symbol.cent } else { symbol.cents });
    Some(match (whole, cents) {
        (_, 0) => main,
        (0, _) => small,
        _ => format!("{main} and {small}"),
    })
}

/// "90°", "20°C", "451°F".
pub(super) fn degrees(core: &str) -> Option<(&str, &'static str)> {
    let (n, unit) = core.split_once('\u{B0}')?;
    parse_plain(n)?;
    let unit = match unit {
        "" => "degrees",
        "C" => "degrees Celsius",
        "F" => "degrees Fahrenheit",
        _ => return None,
    };
    Some((n, unit))
}

#[cfg(test)]
pub(super) mod tests {

    pub(in crate::normalize) const CASES: &[(&str, &str)] = &[
        // money and percent
        ("$5", "five dollars"),
        ("$1", "one dollar"),
        ("$5.50", "five dollars and fifty cents"),
        ("$0.99", "ninety-nine cents"),
        ("\u{A3}3", "three pounds"),
        ("\u{A3}2.50", "two pounds and fifty pence"),
        ("\u{20AC}20", "twenty euros"),
        ("$1.5 million", "one point five million dollars"),
        ("$1,000,000", "one million dollars"),
        ("50%", "fifty percent"),
        ("50\u{A2}", "fifty cents"),
        ("90\u{B0}F", "ninety degrees Fahrenheit"),
        // fractions
        ("1/2", "one half"),
        ("3/4", "three quarters"),
        ("2/3 of it", "two thirds of it"),
        ("5/8", "five eighths"),
        ("1 1/2", "one and a half"),
        ("2\u{BD}", "two and a half"),
        ("\u{BE}", "three quarters"),
        ("1\u{BE} miles", "one and three quarters miles"),
    ];

    #[test]
    fn cases() {
        crate::normalize::tests::check(CASES);
    }
}

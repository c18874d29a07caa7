//! Times and numeric dates: "10:30" -> "ten thirty", "12:00" -> "twelve o'clock",
//! "1888-03-20" and "3/20/1888" -> "the twentieth of March, eighteen eighty-eight".

use super::cardinals::{ONES, below_hundred, cardinal, ordinal, year};
use super::numbers::MONTHS;

/// A time: "10:30" -> "ten thirty", "9:05" -> "nine oh five", "12:00" -> "twelve o'clock".
pub(super) fn time(core: &str) -> Option<String> {
    let parts: Vec<&str> = core.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts.iter().any(|p| p.is_empty() || p.len() > 2 || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let h: u64 = parts[0].parse().ok()?;
    let m: u64 = parts[1].parse().ok()?;
    if h > 24 || m > 59 || parts[1].len() != 2 {
        return None;
    }
    let mut words = match m {
        0 => format!("{} o'clock", cardinal(h)),
        1..=9 => format!("{} oh {}", cardinal(h), ONES[m as usize]),
        _ => format!("{} {}", cardinal(h), below_hundred(m)),
    };
    if let Some(s) = parts.get(2) {
        let s: u64 = s.parse().ok()?;
        words = format!("{words} and {} {}", cardinal(s), if s == 1 { "second" } else { "seconds" });
    }
    Some(words)
}

/// A numeric date: ISO `1888-03-20`, or `3/20/1888` and `20/3/1888` (the order that fits; month
/// first when both do).
pub(super) fn date(core: &str) -> Option<String> {
    let (y, m, d) = if let [y, m, d] = core.split('-').collect::<Vec<_>>()[..] {
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        (y.parse::<u64>().ok()?, m.parse::<u64>().ok()?, d.parse::<u64>().ok()?)
    } else if let [a, b, y] = core.split('/').collect::<Vec<_>>()[..] {
        let (a, b) = (a.parse::<u64>().ok()?, b.parse::<u64>().ok()?);
        let y = if y.len() == 4 { y.parse::<u64>().ok()? } else { return None };
        if a > 12 { (y, b, a) } else { (y, a, b) }
    } else {
        return None;
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(format!("the {} of {}, {}", ordinal(d), MONTHS[m as usize - 1], year(y)))
}

#[cfg(test)]
pub(super) mod tests {

    pub(in crate::normalize) const CASES: &[(&str, &str)] = &[
        // dates
        ("20 March 1888", "the twentieth of March eighteen eighty-eight"),
        ("March 20, 1888", "March twentieth, eighteen eighty-eight"),
        ("on May 5th", "on May fifth"),
        ("1888-03-20", "the twentieth of March, eighteen eighty-eight"),
        ("12/25/2024", "the twenty-fifth of December, twenty twenty-four"),
        ("25/12/2024", "the twenty-fifth of December, twenty twenty-four"),
        // times
        ("at 10:30", "at ten thirty"),
        ("9:05", "nine oh five"),
        ("12:00", "twelve o'clock"),
        ("at 10:30 p.m.", "at ten thirty p.m."),
        ("at 10:30 p.m. sharp", "at ten thirty p.m. sharp"),
        ("5pm", "five p.m."),
        ("7 am.", "seven a.m."),
        ("14:45", "fourteen forty-five"),
    ];

    #[test]
    fn cases() {
        crate::normalize::tests::check(CASES);
    }
}

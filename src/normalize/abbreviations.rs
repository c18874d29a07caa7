//! Abbreviations: titles before a name ("Dr." -> "Doctor", "St." -> "Saint" or "Street"),
//! abbreviations read the same everywhere ("etc.", "e.g."), those read as words only before a
//! number ("No. 7", "p. 12") and units after a number ("5 kg" -> "five kilograms").

use super::cardinals::parse_plain;
use super::{Context, Words};

/// Titles before a name; their period is never a sentence's end.
pub(super) const TITLES: &[(&str, &str)] = &[
    ("Mr", "Mister"),
    ("Mrs", "Missus"),
    ("Ms", "Miz"),
    ("Messrs", "Messieurs"),
    ("Mme", "Madame"),
    ("Mlle", "Mademoiselle"),
    ("Prof", "Professor"),
    ("Rev", "Reverend"),
    ("Revd", "Reverend"),
    ("Capt", "Captain"),
    ("Col", "Colonel"),
    ("Gen", "General"),
    ("Lt", "Lieutenant"),
    ("Sgt", "Sergeant"),
    ("Cpl", "Corporal"),
    ("Maj", "Major"),
    ("Cmdr", "Commander"),
    ("Adm", "Admiral"),
    ("Gov", "Governor"),
    ("Sen", "Senator"),
    ("Pres", "President"),
    ("Supt", "Superintendent"),
    ("Insp", "Inspector"),
    ("Fr", "Father"),
    ("Mt", "Mount"),
    ("Ft", "Fort"),
];

/// Abbreviations read the same wherever they are (their period stays when it ends a sentence).
pub(super) const PLAIN: &[(&str, &str)] = &[
    ("etc", "et cetera"),
    ("e.g", "for example"),
    ("i.e", "that is"),
    ("vs", "versus"),
    ("cf", "compare"),
    ("approx", "approximately"),
    ("Ave", "Avenue"),
    ("Rd", "Road"),
    ("Blvd", "Boulevard"),
    ("Co", "Company"),
    ("Corp", "Corporation"),
    ("Inc", "Incorporated"),
    ("Ltd", "Limited"),
    ("Bros", "Brothers"),
    ("Esq", "Esquire"),
    ("Jr", "Junior"),
    ("Vol", "Volume"),
    ("vol", "volume"),
    ("Vols", "Volumes"),
    ("vols", "volumes"),
    ("Ch", "Chapter"),
    ("ch", "chapter"),
    ("Chap", "Chapter"),
    ("chap", "chapter"),
    ("fig", "figure"),
    ("Fig", "Figure"),
    ("a.m", "a.m."),
    ("p.m", "p.m."),
];

/// Abbreviations read as words only before a number: "No. 7", "p. 12", "Jan. 5".
pub(super) const BEFORE_NUMBER: &[(&str, &str)] = &[
    ("No", "Number"),
    ("no", "number"),
    ("Nos", "Numbers"),
    ("nos", "numbers"),
    ("p", "page"),
    ("pp", "pages"),
    ("Jan", "January"),
    ("Feb", "February"),
    ("Mar", "March"),
    ("Apr", "April"),
    ("Jun", "June"),
    ("Jul", "July"),
    ("Aug", "August"),
    ("Sep", "September"),
    ("Sept", "September"),
    ("Oct", "October"),
    ("Nov", "November"),
    ("Dec", "December"),
];

/// Units after a number: "5 kg" -> "five kilograms".
pub(super) const UNITS: &[(&str, &str, &str)] = &[
    ("kg", "kilogram", "kilograms"),
    ("km", "kilometre", "kilometres"),
    ("cm", "centimetre", "centimetres"),
    ("mm", "millimetre", "millimetres"),
    ("lb", "pound", "pounds"),
    ("lbs", "pound", "pounds"),
    ("oz", "ounce", "ounces"),
    ("ft", "foot", "feet"),
    ("mph", "mile per hour", "miles per hour"),
    ("km/h", "kilometre per hour", "kilometres per hour"),
];

pub(super) fn lookup<'t>(table: &'t [(&str, &str)], key: &str) -> Option<&'t str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The trailing punctuation without an abbreviation's period: `"."` -> `""`, `".,"` -> `","`.
pub(super) fn without_period(trail: &str) -> String {
    trail.strip_prefix('.').unwrap_or(trail).to_string()
}

pub(super) fn abbreviation(ctx: &Context) -> Option<(Option<Words>, usize)> {
    let c = ctx.this();
    let next_capital = ctx.next().is_some_and(|n| n.capitalized() && n.lead.is_empty());
    let next_number = ctx.next().is_some_and(|n| n.core.starts_with(|ch: char| ch.is_ascii_digit()));
    // A name right before it ("Baker St.", "Mulholland Dr."), with nothing between.
    let prev_capital =
        ctx.adjacent_prev().is_some_and(|p| p.capitalized() || p.core.starts_with(|ch: char| ch.is_ascii_digit()));
    // A title's period, or none (British "Mr Holmes"), before a name.
    let title = |words: &str| Some((Some(Words::with_trail(words, without_period(c.trail))), 1));
    match c.core {
        "Dr" | "DR" if next_capital && c.trail.len() <= 1 => return title("Doctor"),
        "Dr" if c.period() && prev_capital => return Some((Some(keep_period(ctx, "Drive")), 1)),
        "Dr" if c.period() => return title("Doctor"),
        "St" | "ST"
            if next_capital && !(prev_capital && ctx.sentence_may_end() && c.period()) && c.trail.len() <= 1 =>
        {
            return title("Saint");
        }
        "St" if prev_capital || c.period() => return Some((Some(keep_period(ctx, "Street")), 1)),
        "Sr" if c.period() && prev_capital => return Some((Some(keep_period(ctx, "Senior")), 1)),
        "v" if c.period() && ctx.prev().is_some_and(|p| p.capitalized()) && next_capital => return title("versus"),
        _ => {}
    }
    if let Some(w) = lookup(TITLES, c.core)
        && next_capital
        && (c.period() || c.trail.is_empty())
    {
        return title(w);
    }
    if !c.period() {
        if let Some((_, one, many)) = UNITS.iter().find(|(k, _, _)| *k == c.core) {
            let count = ctx.prev().filter(|p| p.trail.is_empty()).and_then(|p| parse_plain(p.core));
            if let Some(count) = count {
                return Some((Some(Words::new(if count == 1.0 { *one } else { *many })), 1));
            }
        }
        return None;
    }
    if let Some(w) = lookup(BEFORE_NUMBER, c.core)
        && next_number
    {
        return title(w);
    }
    lookup(PLAIN, c.core).map(|w| (Some(keep_period(ctx, w)), 1))
}

/// An abbreviation's words, its period kept only where a sentence may end.
pub(super) fn keep_period(ctx: &Context, words: &str) -> Words {
    let c = ctx.this();
    let trail = if ctx.sentence_may_end() || c.trail.len() > 1 { c.trail.to_string() } else { without_period(c.trail) };
    let words = words.strip_suffix('.').filter(|_| trail.starts_with('.')).unwrap_or(words);
    Words::with_trail(words, trail)
}

#[cfg(test)]
pub(super) mod tests {

    pub(in crate::normalize) const CASES: &[(&str, &str)] = &[
        // abbreviations
        ("Dr. Watson", "Doctor Watson"),
        ("Dr Watson", "Doctor Watson"),
        ("Mr. Holmes", "Mister Holmes"),
        ("Mrs. Hudson", "Missus Hudson"),
        ("Ms. Reed", "Miz Reed"),
        ("St. Paul's", "Saint Paul's"),
        ("Serpentine Avenue, St. John's Wood", "Serpentine Avenue, Saint John's Wood"),
        ("Baker St.", "Baker Street."),
        ("on Baker St. in London", "on Baker Street in London"),
        ("Mulholland Dr.", "Mulholland Drive."),
        ("No. 7", "Number seven"),
        ("No. I won't.", "No. I won't."),
        ("vol. 3", "volume three"),
        ("ch. 4", "chapter four"),
        ("p. 12", "page twelve"),
        ("apples, etc. Then", "apples, et cetera. Then"),
        ("etc. and more", "et cetera and more"),
        ("e.g. this", "for example this"),
        ("Smith & Sons", "Smith and Sons"),
        ("Jan. 5", "January five"),
        ("Capt. Hook", "Captain Hook"),
        ("John Smith Jr.", "John Smith Junior."),
        ("5 kg", "five kilograms"),
        ("1 lb", "one pound"),
    ];

    #[test]
    fn cases() {
        crate::normalize::tests::check(CASES);
    }
}

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

// ---------------------------------------------------------------------------------------------
// Abbreviations

/// Titles before a name; their period is never a sentence's end.
const TITLES: &[(&str, &str)] = &[
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
const PLAIN: &[(&str, &str)] = &[
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
const BEFORE_NUMBER: &[(&str, &str)] = &[
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
const UNITS: &[(&str, &str, &str)] = &[
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

fn lookup<'t>(table: &'t [(&str, &str)], key: &str) -> Option<&'t str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The trailing punctuation without an abbreviation's period: `"."` -> `""`, `".,"` -> `","`.
fn without_period(trail: &str) -> String {
    trail.strip_prefix('.').unwrap_or(trail).to_string()
}

fn abbreviation(ctx: &Context) -> Option<(Option<Words>, usize)> {
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
fn keep_period(ctx: &Context, words: &str) -> Words {
    let c = ctx.this();
    let trail = if ctx.sentence_may_end() || c.trail.len() > 1 { c.trail.to_string() } else { without_period(c.trail) };
    let words = words.strip_suffix('.').filter(|_| trail.starts_with('.')).unwrap_or(words);
    Words::with_trail(words, trail)
}

// ---------------------------------------------------------------------------------------------
// Roman numerals

/// Words after which a roman numeral is a plain number: "Chapter IV", "World War II".
const SECTION_WORDS: &[&str] = &[
    "chapter", "part", "book", "volume", "vol", "act", "scene", "section", "canto", "stave", "letter", "appendix",
    "article", "psalm", "chap", "ch", "no", "number", "phase", "round", "level", "war", "episode", "lesson", "unit",
];

/// Names that take a one-letter regnal numeral ("Henry V", "Elizabeth I.").
const REGNAL_NAMES: &[&str] = &[
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

fn roman(ctx: &Context) -> Option<Words> {
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
fn roman_value(s: &str) -> Option<u64> {
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

fn to_roman(mut n: u64) -> String {
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

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |f| f.to_uppercase().chain(chars).collect())
}

// ---------------------------------------------------------------------------------------------
// Numbers

const MONTHS: &[&str] = &[
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
const YEAR_CUES: &[&str] = &[
    "in", "of", "since", "until", "till", "by", "from", "to", "year", "summer", "winter", "spring", "autumn", "fall",
    "circa", "c", "ca", "early", "late", "mid", "before", "after", "during",
];

fn month_index(word: &str) -> Option<usize> {
    MONTHS.iter().position(|m| *m == word)
}

fn number_chunk(ctx: &Context) -> (Option<Words>, usize) {
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
fn meridiem(core: &str) -> Option<&'static str> {
    match core.to_ascii_lowercase().as_str() {
        "am" | "a.m" => Some("a.m."),
        "pm" | "p.m" => Some("p.m."),
        _ => None,
    }
}

/// A number's words, whatever its form: money, percent, time, date, ordinal, decade, range,
/// fraction, decimal, year, or digits mixed with letters.
fn number_words(ctx: &Context, core: &str) -> String {
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
fn is_year(ctx: &Context, core: &str) -> bool {
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

/// A plain number: digits with optional comma groups and one decimal point.
fn parse_plain(s: &str) -> Option<f64> {
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
fn small_integer(s: &str, min: u64, max: u64) -> Option<u64> {
    if s.contains('.') || s.len() > 1 && s.starts_with('0') {
        return None;
    }
    parse_plain(s)?;
    s.replace(',', "").parse::<u64>().ok().filter(|n| (min..=max).contains(n))
}

/// A plain number's words: "3.14" -> "three point one four"; "007" -> "zero zero seven".
fn decimal(s: &str) -> String {
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
fn digits(s: &str) -> String {
    s.chars().filter_map(|c| c.to_digit(10)).map(|d| ONES[d as usize]).collect::<Vec<_>>().join(" ")
}

const ONES: [&str; 20] = [
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
const TENS: [&str; 10] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/// Below a hundred: "forty-two".
fn below_hundred(n: u64) -> String {
    if n < 20 {
        ONES[n as usize].to_string()
    } else if n.is_multiple_of(10) {
        TENS[(n / 10) as usize].to_string()
    } else {
        format!("{}-{}", TENS[(n / 10) as usize], ONES[(n % 10) as usize])
    }
}

/// Below a thousand: "three hundred and five".
fn below_thousand(n: u64) -> String {
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
fn ordinal_suffix(core: &str) -> Option<String> {
    let split = core.find(|c: char| !c.is_ascii_digit())?;
    let (num, suffix) = core.split_at(split);
    if !matches!(suffix.to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th") {
        return None;
    }
    small_integer(num, 0, u64::MAX).map(ordinal)
}

/// "1920s", "1920's", "'80s" (the apostrophe is the chunk's lead), "80s".
fn decade(ctx: &Context, core: &str) -> Option<String> {
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

fn plural(words: &str) -> String {
    match words.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None if words.ends_with('x') => format!("{words}es"),
        None => format!("{words}s"),
    }
}

/// "1914-1918", "5–10": "nineteen fourteen to nineteen eighteen". Three groups or more (a
/// telephone number) are read digit by digit.
fn range(core: &str) -> Option<String> {
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

/// A time: "10:30" -> "ten thirty", "9:05" -> "nine oh five", "12:00" -> "twelve o'clock".
fn time(core: &str) -> Option<String> {
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
fn date(core: &str) -> Option<String> {
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

/// A fraction as (numerator, denominator): `3/4`, `½`.
fn fraction(core: &str) -> Option<(u64, u64)> {
    if let Some(f) = vulgar(core) {
        return Some(f);
    }
    let (a, b) = core.split_once('/')?;
    let (a, b) = (small_integer(a, 0, 999)?, small_integer(b, 2, 100)?);
    Some((a, b))
}

fn is_vulgar_fraction(c: char) -> bool {
    vulgar(c.encode_utf8(&mut [0; 4])).is_some()
}

fn vulgar(s: &str) -> Option<(u64, u64)> {
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
fn fraction_words((a, b): (u64, u64)) -> String {
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
fn mixed(whole: u64, (a, b): (u64, u64)) -> String {
    let frac = if a == 1 { fraction_words((a, b)).replacen("one ", "a ", 1) } else { fraction_words((a, b)) };
    format!("{} and {frac}", cardinal(whole))
}

/// A currency symbol's names.
struct Currency {
    one: &'static str,
    plural: &'static str,
    cent: &'static str,
    cents: &'static str,
}

const DOLLAR: Currency = Currency { one: "dollar", plural: "dollars", cent: "cent", cents: "cents" };
const POUND: Currency = Currency { one: "pound", plural: "pounds", cent: "penny", cents: "pence" };
const EURO: Currency = Currency { one: "euro", plural: "euros", cent: "cent", cents: "cents" };
const YEN: Currency = Currency { one: "yen", plural: "yen", cent: "sen", cents: "sen" };

/// A currency symbol and the amount after it: `$5.50` -> (dollar, "5.50").
fn currency(core: &str) -> Option<(&'static Currency, &str)> {
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
fn money(core: &str) -> Option<String> {
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
fn degrees(core: &str) -> Option<(&str, &'static str)> {
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

/// Digits mixed with other characters: each run of digits in words, the rest kept
/// ("221B" -> "two hundred and twenty-one B", "2½" -> "two and a half", "MI5" -> "MI five").
fn mixed_runs(core: &str) -> String {
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
mod tests {
    use super::*;

    #[test]
    fn table_of_cases() {
        let cases: &[(&str, &str)] = &[
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
            // mixed and untouched
            ("221B", "two hundred and twenty-one B"),
            ("MI5", "MI five"),
            ("#5", "number five"),
            ("1-800-555-0199", "one, eight zero zero, five five five, zero one nine nine"),
            ("\"It's 5,\" she said.", "\"It's five,\" she said."),
            ("(1888)", "(eighteen eighty-eight)"),
            ("No numbers here.", "No numbers here."),
        ];
        let mut failures = Vec::new();
        for (input, want) in cases {
            let got = normalize(input);
            if got != *want {
                failures.push(format!("{input:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(cases.len() >= 60);
        assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), cases.len(), failures.join("\n"));
    }

    #[test]
    fn numbers_in_words() {
        assert_eq!(cardinal(1_000_001), "one million and one");
        assert_eq!(ordinal(12), "twelfth");
        assert_eq!(ordinal(40), "fortieth");
        assert_eq!(year(1888), "eighteen eighty-eight");
        assert_eq!(roman_value("MCMLXXXIV"), Some(1984));
        assert_eq!(roman_value("IIII"), None);
        assert_eq!(roman_value("IC"), None);
    }

    #[test]
    fn text_without_numbers_is_unchanged() {
        let s = "\"Well,\" she said, \"I suppose that's what we're here for.\"";
        assert_eq!(normalize(s), s);
    }
}

//! General English word lists: honorifics, speech verbs, pronouns, first names by gender, and
//! capitalized words that are not names. Nothing here comes from any particular story. The long
//! lists are the text files beside this one, a word per blank-separated entry.

use crate::script::Gender;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::LazyLock;

/// The words of a list file: whitespace-separated, lines starting with `#` are comments.
fn words(list: &'static str) -> HashSet<&'static str> {
    list.lines().filter(|l| !l.starts_with('#')).flat_map(str::split_whitespace).collect()
}

/// Titles that precede a name, with the gender they imply (lowercase, no dot).
pub fn honorific(lower: &str) -> Option<Gender> {
    let g = match lower {
        "mr" | "sir" | "lord" | "master" | "monsieur" | "m" | "herr" | "signor" | "senor" | "uncle" | "father"
        | "brother" | "king" | "prince" | "duke" | "earl" | "count" | "baron" | "mister" | "messrs" | "don" => {
            Gender::Male
        }
        "mrs" | "miss" | "ms" | "lady" | "madam" | "madame" | "mme" | "mlle" | "mademoiselle" | "dame" | "aunt"
        | "mother" | "sister" | "queen" | "princess" | "duchess" | "countess" | "baroness" | "mistress" | "frau"
        | "signora" | "senora" => Gender::Female,
        "dr" | "doctor" | "professor" | "prof" | "captain" | "capt" | "colonel" | "col" | "major" | "general"
        | "gen" | "lieutenant" | "lt" | "sergeant" | "sgt" | "inspector" | "detective" | "judge" | "reverend"
        | "rev" | "officer" | "nurse" | "agent" | "cousin" | "grandma" | "granny" | "grandpa" => Gender::Unknown,
        _ => return None,
    };
    Some(g)
}

/// Titles of a profession that a man is also called "Mr." by (full form: "doctor", not "dr").
pub fn is_professional_title(full: &str) -> bool {
    matches!(full, "doctor" | "professor")
}

/// The everyday titles of a man, with no rank or profession in them.
pub fn is_plain_male_title(lower: &str) -> bool {
    matches!(lower, "mr" | "mister" | "monsieur" | "m" | "herr" | "signor" | "senor")
}

/// Titles used with a first name ("Lady Catherine", "Aunt Juley") rather than a surname.
pub fn takes_first_name(lower: &str) -> bool {
    matches!(
        lower,
        "lady" | "sir" | "miss" | "aunt" | "uncle" | "cousin" | "sister" | "brother" | "master" | "dame" | "lord"
    )
}

/// Abbreviated titles whose trailing dot belongs to the word ("Mr." is one token).
pub fn is_abbreviation(lower: &str) -> bool {
    matches!(
        lower,
        "mr" | "mrs"
            | "ms"
            | "dr"
            | "st"
            | "messrs"
            | "mme"
            | "mlle"
            | "prof"
            | "capt"
            | "col"
            | "gen"
            | "lt"
            | "sgt"
            | "rev"
            | "m"
    )
}

/// Speech verbs, past and present tense. A tag needs one of these next to its subject.
pub fn is_speech_verb(lower: &str) -> bool {
    static SET: LazyLock<HashSet<&str>> = LazyLock::new(|| words(include_str!("speech_verbs.txt")));
    SET.contains(lower)
}

/// A noun that names a person ("carpenter", "looker-on"; see `person_nouns.txt`), or one whose
/// gender [`noun_gender`] knows.
pub fn is_person_noun(lower: &str) -> bool {
    static SET: LazyLock<HashSet<&str>> = LazyLock::new(|| words(include_str!("person_nouns.txt")));
    SET.contains(lower) || noun_gender(lower) != Gender::Unknown
}

/// Nouns for what someone says or how ("voice", "reply", "whisper"): "Tom's voice" speaks for Tom.
pub fn is_utterance(lower: &str) -> bool {
    matches!(
        lower,
        "voice"
            | "tone"
            | "tones"
            | "reply"
            | "answer"
            | "response"
            | "retort"
            | "words"
            | "cry"
            | "whisper"
            | "exclamation"
            | "question"
            | "rejoinder"
    )
}

/// Words that only make a tag when a particle follows ("went on", "broke in", "put in").
pub fn needs_particle(lower: &str) -> bool {
    matches!(lower, "went" | "put" | "broke" | "struck" | "cut")
}

/// The gender of a third-person subject pronoun, `None` for other words.
pub fn subject_pronoun(lower: &str) -> Option<Gender> {
    match lower {
        "he" => Some(Gender::Male),
        "she" => Some(Gender::Female),
        _ => None,
    }
}

/// The gender of any third-person singular pronoun (for gender votes after a mention).
pub fn any_pronoun(lower: &str) -> Option<Gender> {
    match lower {
        "he" | "him" | "his" | "himself" => Some(Gender::Male),
        "she" | "her" | "hers" | "herself" => Some(Gender::Female),
        _ => None,
    }
}

/// The head noun of a descriptive tag's phrase: its first word ("gentleman" of "gentleman in
/// the white waistcoat").
pub fn head_noun(phrase: &str) -> &str {
    phrase.split(' ').next().unwrap_or(phrase)
}

/// Head nouns of descriptive phrases that say a gender ("the old man", "the young lady").
pub fn noun_gender(lower: &str) -> Gender {
    match head_noun(lower) {
        "man" | "gentleman" | "boy" | "fellow" | "husband" | "father" | "son" | "brother" | "uncle" | "lad"
        | "king" | "prince" | "lord" | "master" | "chap" | "grandfather" | "nephew" | "priest" | "monk" | "waiter"
        | "butler" | "landlord" | "beadle" | "jew" => Gender::Male,
        "woman" | "lady" | "girl" | "wife" | "mother" | "daughter" | "sister" | "aunt" | "lass" | "queen"
        | "princess" | "madam" | "grandmother" | "niece" | "maid" | "nurse" | "landlady" | "widow" | "mistress"
        | "matron" | "housekeeper" | "maiden" => Gender::Female,
        _ => Gender::Unknown,
    }
}

/// Head nouns that point back at someone already named ("the other", "the latter") rather
/// than describe a person.
pub fn is_anaphoric_head(lower: &str) -> bool {
    matches!(
        head_noun(lower),
        "other"
            | "latter"
            | "former"
            | "first"
            | "second"
            | "last"
            | "same"
            | "one"
            | "voice"
            | "speaker"
            | "rest"
            | "others"
            | "two"
            | "three"
    )
}

/// Head nouns that describe nearly anyone ("the girl", "the old gentleman"): they stand for a
/// character already in the scene far more often than for a new one.
pub fn is_generic_head(lower: &str) -> bool {
    matches!(
        lower,
        "man"
            | "woman"
            | "girl"
            | "boy"
            | "lady"
            | "gentleman"
            | "fellow"
            | "lad"
            | "child"
            | "person"
            | "stranger"
            | "youth"
            | "men"
            | "women"
    )
}

/// The full title for an abbreviation, so "Dr. Bauerstein" is "the doctor".
pub fn full_title(lower: &str) -> &str {
    match lower {
        "dr" => "doctor",
        "capt" => "captain",
        "col" => "colonel",
        "gen" => "general",
        "lt" => "lieutenant",
        "sgt" => "sergeant",
        "rev" => "reverend",
        "prof" => "professor",
        other => other,
    }
}

/// Determiners that open a descriptive noun phrase.
pub fn is_determiner(lower: &str) -> bool {
    matches!(lower, "the" | "a" | "an" | "his" | "her" | "their" | "my" | "our" | "its" | "this" | "that")
}

/// Adverbs and particles that may sit between a speech verb and its subject.
pub fn is_filler(lower: &str) -> bool {
    (lower.len() > 4
        && lower.ends_with("ly")
        && !matches!(lower, "family" | "holy" | "lily" | "molly" | "polly" | "sally" | "billy" | "emily"))
        || matches!(
            lower,
            "then"
                | "again"
                | "now"
                | "at"
                | "last"
                | "once"
                | "still"
                | "out"
                | "on"
                | "in"
                | "up"
                | "back"
                | "aloud"
                | "softly"
                | "too"
                | "also"
                | "presently"
                | "just"
                | "finally"
                | "instantly"
                | "suddenly"
                | "quickly"
                | "calmly"
                | "quietly"
        )
}

/// Capitalized words that are not names even when they appear mid-sentence.
pub fn is_stopword(lower: &str) -> bool {
    static SET: LazyLock<HashSet<&str>> = LazyLock::new(|| words(include_str!("not_names.txt")));
    SET.contains(lower)
}

/// Common given names by gender, for names whose pronouns are rare or mixed.
pub fn first_name_gender(lower: &str) -> Option<Gender> {
    static FEMALE: LazyLock<HashSet<&str>> = LazyLock::new(|| words(include_str!("female_names.txt")));
    static MALE: LazyLock<HashSet<&str>> = LazyLock::new(|| words(include_str!("male_names.txt")));
    if FEMALE.contains(lower) {
        Some(Gender::Female)
    } else if MALE.contains(lower) {
        Some(Gender::Male)
    } else {
        None
    }
}

/// The full first names a diminutive stands for ("Lizzy" for Elizabeth).
pub fn diminutive_of(lower: &str) -> Option<&'static [&'static str]> {
    static MAP: LazyLock<HashMap<&str, Vec<&str>>> = LazyLock::new(|| {
        let mut map = HashMap::default();
        for line in include_str!("diminutives.txt").lines().filter(|l| !l.starts_with('#')) {
            if let Some((short, full)) = line.split_once(':') {
                let full: Vec<&str> = full.split_whitespace().collect();
                short.split_whitespace().for_each(|s| {
                    map.insert(s, full.clone());
                });
            }
        }
        map
    });
    MAP.get(lower).map(Vec::as_slice)
}

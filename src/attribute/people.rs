//! Is a name a person? A logistic classifier over how the text uses the name ("in Hartfield",
//! "to Rome", "Emma's", "said Emma", "he" soon after it, a title, a known first name, a last
//! word such as "Hall" or "Street"), trained on LitBank's entity layer (people against places,
//! facilities, organisations and vehicles; see `examples/train_speakers/`).

use super::Cue;
use super::characters::{Cast, Person};
use super::lexicon;
use super::tags::Subject;

/// How the text uses one name (summed over the written forms of a character).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NameStats {
    pub count: u32,
    /// After "in", "into", "near", "across", "through", "inside", "outside", "round", "at".
    pub placed: u32,
    /// After "to", "from", "towards", "toward".
    pub motion: u32,
    /// After "of".
    pub of: u32,
    /// After "the".
    pub the: u32,
    /// Followed by "'s".
    pub possessive: u32,
    /// Next to a speech verb.
    pub speech: u32,
    /// Set off by commas like a name addressed.
    pub vocative: u32,
    /// Followed by a lowercase past-tense verb ("Emma smiled").
    pub acts: u32,
    /// "he" or "she" (him, his, her...) soon after, before any other name.
    pub he: u32,
    pub she: u32,
}

impl NameStats {
    pub fn add(&mut self, o: &NameStats) {
        self.count += o.count;
        self.placed += o.placed;
        self.motion += o.motion;
        self.of += o.of;
        self.the += o.the;
        self.possessive += o.possessive;
        self.speech += o.speech;
        self.vocative += o.vocative;
        self.acts += o.acts;
        self.he += o.he;
        self.she += o.she;
    }
}

macro_rules! person_features {
    ($($name:ident = $label:literal;)*) => {
        #[allow(dead_code)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(usize)]
        pub(crate) enum P { $($name,)* }
        /// Feature names of the person classifier.
        pub(crate) const PERSON: &[&str] = &[$($label,)*];
        pub(crate) const NP: usize = PERSON.len();
    };
}

person_features! {
    Bias = "bias";
    Placed = "share_after_in_at_near";
    Motion = "share_after_to_from";
    Of = "share_after_of";
    The = "share_after_the";
    Possessive = "share_possessive";
    Speech = "share_next_to_speech_verb";
    Vocative = "share_addressed";
    Acts = "share_before_past_verb";
    Pronouns = "pronouns_after_per_mention";
    Title = "title";
    FirstName = "known_first_name";
    PlaceWord = "last_word_names_a_place";
    Words = "several_words";
    LowerShare = "words_also_lowercase";
    Tags = "speech_tags_naming_it";
    Addressed = "vocatives_in_dialogue";
}

/// Common nouns that end the names of places and buildings.
pub(crate) fn is_place_word(lower: &str) -> bool {
    matches!(
        lower,
        "hall"
            | "park"
            | "street"
            | "lodge"
            | "court"
            | "house"
            | "abbey"
            | "end"
            | "castle"
            | "square"
            | "road"
            | "lane"
            | "church"
            | "college"
            | "bridge"
            | "river"
            | "hill"
            | "hills"
            | "island"
            | "inn"
            | "place"
            | "manor"
            | "farm"
            | "town"
            | "city"
            | "wood"
            | "woods"
            | "forest"
            | "gardens"
            | "row"
            | "terrace"
            | "gate"
            | "station"
            | "hotel"
            | "club"
            | "bay"
            | "lake"
            | "mountain"
            | "mountains"
            | "valley"
            | "county"
            | "avenue"
            | "villa"
            | "cottage"
            | "grange"
            | "chapel"
            | "cathedral"
            | "palace"
            | "tower"
            | "field"
            | "fields"
            | "common"
            | "heath"
            | "moor"
            | "mill"
            | "school"
            | "hospital"
            | "corner"
            | "gables"
            | "harbour"
            | "harbor"
            | "cove"
            | "ocean"
            | "sea"
            | "kingdom"
            | "empire"
            | "republic"
            | "company"
            | "bank"
            | "society"
            | "university"
            | "museum"
            | "theatre"
            | "theater"
            | "office"
    )
}

/// The classifier's features for one character, with the tags and vocatives naming it.
pub(crate) fn features(p: &Person, tags: u32, addressed: u32) -> [f32; NP] {
    let mut x = [0f32; NP];
    let s = &p.stats;
    let n = s.count.max(1) as f32;
    let mut set = |f: P, v: f32| x[f as usize] = v;
    set(P::Bias, 1.0);
    set(P::Placed, s.placed as f32 / n);
    set(P::Motion, s.motion as f32 / n);
    set(P::Of, s.of as f32 / n);
    set(P::The, s.the as f32 / n);
    set(P::Possessive, s.possessive as f32 / n);
    set(P::Speech, s.speech as f32 / n);
    set(P::Vocative, s.vocative as f32 / n);
    set(P::Acts, s.acts as f32 / n);
    set(P::Pronouns, (p.pronoun_votes() as f32 / n).min(1.0));
    if p.title.is_some() {
        set(P::Title, 1.0);
    }
    if p.first.as_deref().is_some_and(|f| lexicon::first_name_gender(f).is_some()) {
        set(P::FirstName, 1.0);
    }
    if p.last.as_deref().or(p.first.as_deref()).is_some_and(is_place_word) {
        set(P::PlaceWord, 1.0);
    }
    if p.first.is_some() && p.last.is_some() && p.first != p.last {
        set(P::Words, 1.0);
    }
    set(P::LowerShare, p.lower_share);
    set(P::Tags, (1.0 + tags as f32).ln().min(3.0) / 3.0);
    set(P::Addressed, (1.0 + addressed as f32).ln().min(3.0) / 3.0);
    x
}

/// How often each of `n` characters is named by a speech tag, and how often addressed by name.
fn mentions(n: usize, cues: &[Cue]) -> (Vec<u32>, Vec<u32>) {
    let (mut tags, mut addressed) = (vec![0u32; n], vec![0u32; n]);
    for c in cues {
        if let Some(Subject::Person(id)) = c.tag
            && id < n
        {
            tags[id] += 1;
        }
        for &v in c.vocatives.iter().filter(|&&v| v < n) {
            addressed[v] += 1;
        }
    }
    (tags, addressed)
}

/// Sets every character's probability of being a person, and `person` when it is likelier
/// than not. The narrator and the people known only by a descriptive tag stay people.
pub(crate) fn classify(cast: &mut Cast, cues: &[Cue], w: &[f64; NP]) {
    let (tags, addressed) = mentions(cast.people.len(), cues);
    let narrator = cast.narrator;
    for (id, p) in cast.people.iter_mut().enumerate() {
        if p.epithet || Some(id) == narrator {
            p.person_prob = 1.0;
            p.person = true;
            continue;
        }
        let x = features(p, tags[id], addressed[id]);
        let z: f64 = w.iter().zip(&x).map(|(a, b)| a * f64::from(*b)).sum();
        p.person_prob = (1.0 / (1.0 + (-z).exp())) as f32;
        p.person = p.person_prob >= 0.5;
    }
}

/// The classifier's inputs for every character of a read story (for training).
pub(crate) fn all_features(cast: &Cast, cues: &[Cue]) -> Vec<[f32; NP]> {
    let (tags, addressed) = mentions(cast.people.len(), cues);
    cast.people.iter().enumerate().map(|(id, p)| features(p, tags[id], addressed[id])).collect()
}

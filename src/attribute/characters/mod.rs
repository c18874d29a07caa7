//! Finding the characters: capitalized name phrases merged into people with aliases and gender.
//!
//! A name is a run of capitalized words that is capitalized mid-sentence more often than the same
//! word is written in lowercase, optionally after a title ("Mr. Darcy", "Lady Catherine") or
//! after "the" ("the Caterpillar"). Phrases then merge: a full name ("Elizabeth Bennet") claims
//! its first name and, when nobody else shares it, its surname; a title + surname joins a full
//! name of a compatible gender, except "Mrs." which usually means a different (married) person.

mod phrases;

use super::lexicon;
use super::people::NameStats;
use super::tokens::Token;
use crate::script::Gender;
use phrases::{Phrase, WordStat, accept, collect_phrases, count_words};
use rustc_hash::FxHashMap as HashMap;

impl Person {
    /// Pronoun votes seen after the names.
    pub(crate) fn pronoun_votes(&self) -> u32 {
        self.votes_male + self.votes_female
    }

    /// Whether one of their names carries this title, given in full ("doctor", not "dr").
    pub(crate) fn titled(&self, title: &str) -> bool {
        self.titles.iter().any(|t| t == title)
    }

    /// Records a title one of their names carries.
    fn add_title(&mut self, title: &str) {
        let full = lexicon::full_title(title);
        if !self.titles.iter().any(|t| t == full) {
            self.titles.push(full.to_string());
        }
    }

    /// How often the text writes any of their names.
    fn written(&self) -> u32 {
        self.forms.iter().map(|f| f.1).sum()
    }
}

/// One character as the attribution rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub name: String,
    pub aliases: Vec<String>,
    pub gender: Gender,
    pub title: Option<String>,
    pub first: Option<String>,
    pub last: Option<String>,
    /// How often the text names them (all aliases).
    pub mentions: u32,
    /// Whether something says this is a person and not a place: a title, a known first name,
    /// pronouns after the name, a speech tag or a vocative.
    pub person: bool,
    votes_male: u32,
    votes_female: u32,
    /// Known only by a descriptive tag ("the doctor"): a speaker, never named in narration.
    pub epithet: bool,
    /// Brought in by a tag with "a" or "an" ("cried a sleepy-faced carpenter").
    pub newcomer: bool,
    /// How the text uses the names (for the person classifier).
    pub stats: NameStats,
    /// The largest share of lowercase uses among the words of the names ("Hope" vs "hope").
    pub lower_share: f32,
    /// The person classifier's probability that this is a person.
    pub person_prob: f32,
    /// The phrase keys ("mr darcy", "darcy") that name them.
    keys: Vec<String>,
    /// Every title their names carry, in full ("doctor" for "Dr."): the tags "the doctor" may
    /// mean them.
    titles: Vec<String>,
    /// Each written form with how often it occurs, and whether it is a full name without title.
    forms: Vec<(String, u32, bool)>,
}

/// All characters and the alias table used to recognize them in the text.
#[derive(Debug, Clone, Default)]
pub struct Cast {
    pub people: Vec<Person>,
    /// Lowercase alias ("mr darcy", "darcy") to person.
    index: HashMap<String, usize>,
    /// First word of the aliases to the most words an alias starting with it has.
    first_words: HashMap<String, usize>,
    /// While names are merged: how often two phrases (keys) are named in one sentence.
    together: HashMap<(String, String), u32>,
    /// The narrator of a first-person story, if any.
    pub narrator: Option<usize>,
}

impl Cast {
    /// Finds the characters named in the tokenized lines of a story.
    pub fn discover(lines: &[Vec<Token>], text: &str) -> Cast {
        let mut words: HashMap<&str, WordStat> = HashMap::default();
        let mut phrases: HashMap<String, Phrase> = HashMap::default();
        let mut together: HashMap<(String, String), u32> = HashMap::default();
        for toks in lines {
            count_words(toks, &mut words);
            collect_phrases(toks, text, &mut phrases, &mut together);
        }
        let mut accepted: Vec<Phrase> = phrases.into_values().filter(|p| accept(p, &words)).collect();
        // "With Mrs. Allan Anne fell in love": two names side by side, not one person's, when
        // both are far more common apart than together and the second is a first name.
        let counts: HashMap<String, u32> = accepted.iter().map(|p| (phrase_key(p), p.count)).collect();
        accepted.retain(|p| !two_names_side_by_side(p, &counts));
        for p in accepted.iter_mut() {
            p.display = p.most_written();
            p.lower_share = p
                .words
                .iter()
                .filter_map(|w| words.get(w.as_str()))
                .map(|s| s.lower as f32 / (s.lower + s.cap_mid + s.cap_initial).max(1) as f32)
                .fold(0.0, f32::max);
        }
        // Full names first so that their parts can join them; then titles; then single words.
        accepted.sort_by(|a, b| rank(b).cmp(&rank(a)).then(b.count.cmp(&a.count)).then(a.display.cmp(&b.display)));
        let mut cast = Cast { together, ..Cast::default() };
        for p in &accepted {
            cast.add_phrase(p);
        }
        cast.together = HashMap::default();
        cast.finish_names();
        cast
    }

    /// The person whose alias starts at token `i`, and how many tokens the alias takes.
    pub fn match_at(&self, toks: &[Token], i: usize) -> Option<(usize, usize)> {
        let first = toks.get(i)?;
        if !first.is_word() || !first.cap {
            return None;
        }
        let longest = *self.first_words.get(first.lower.as_str())?;
        if longest == 1 {
            return self.index.get(first.lower.as_str()).map(|&id| (id, 1));
        }
        let mut key = String::new();
        let mut best = None;
        let mut n = 0;
        for t in toks.iter().skip(i) {
            if !t.is_word() || n == longest {
                break;
            }
            if n > 0 {
                key.push(' ');
            }
            key.push_str(&t.lower);
            n += 1;
            if let Some(&id) = self.index.get(&key) {
                best = Some((id, n));
            }
        }
        best
    }

    /// Adds a first-person narrator and returns their id.
    pub fn add_narrator(&mut self) -> usize {
        let mut narrator = new_person("Narrator".into(), None, None, None, Gender::Unknown);
        narrator.person = true;
        self.people.push(narrator);
        let id = self.people.len() - 1;
        self.narrator = Some(id);
        id
    }

    /// The wife of a "Mr. X" or the husband of a "Mrs. X": the one person of the other title and
    /// gender with the same surname.
    pub fn spouse(&self, id: usize) -> Option<usize> {
        let p = self.people.get(id)?;
        let want = match p.title.as_deref()? {
            "mr" => "mrs",
            "mrs" => "mr",
            _ => return None,
        };
        let last = p.last.as_deref()?;
        let mut found = self.people.iter().enumerate().filter(|(k, q)| {
            *k != id && !q.epithet && q.title.as_deref() == Some(want) && q.last.as_deref() == Some(last)
        });
        match (found.next(), found.next()) {
            (Some((k, _)), None) => Some(k),
            _ => None,
        }
    }

    /// Adds a character known only by a descriptive tag ("the doctor") and returns their id. A
    /// tag that brought someone in with this noun ("a sleepy-faced carpenter", see
    /// [`Cast::add_newcomer`]) means that person, when only one did and the noun is no word for
    /// nearly anyone ("the man").
    pub fn add_epithet(&mut self, head: &str) -> usize {
        let tail = format!(" {head}");
        let mut brought = self.people.iter().enumerate().filter(|(_, p)| p.newcomer && p.name.ends_with(&tail));
        if let (Some((id, _)), None) = (brought.next(), brought.next())
            && !lexicon::is_generic_head(head)
        {
            return id;
        }
        self.add_described(head, lexicon::noun_gender(head))
    }

    /// A character brought in by an indefinite description ("a sleepy-faced carpenter"), named
    /// "the sleepy-faced carpenter", of the gender its head (last word) says.
    pub fn add_newcomer(&mut self, words: &str) -> usize {
        let head = words.rsplit_once(' ').map_or(words, |(_, last)| last);
        let id = self.add_described(words, lexicon::noun_gender(head));
        if let Some(p) = self.people.get_mut(id) {
            p.newcomer = true;
        }
        id
    }

    /// The character named "the <words>" by a description, added unless already there.
    fn add_described(&mut self, words: &str, gender: Gender) -> usize {
        let name = format!("the {words}");
        if let Some(id) = self.people.iter().position(|p| p.epithet && p.name == name) {
            return id;
        }
        let mut p = new_person(name, None, None, None, gender);
        p.person = true;
        p.epithet = true;
        self.people.push(p);
        self.people.len() - 1
    }

    /// Counts `weight` votes for a gender of `id`: a pronoun seen soon after a mention, or
    /// (weighing more) a pronoun tag in a paragraph whose other tag names them.
    pub fn vote_gender(&mut self, id: usize, g: Gender, weight: u32) {
        if let Some(p) = self.people.get_mut(id) {
            match g {
                Gender::Male => p.votes_male += weight,
                Gender::Female => p.votes_female += weight,
                Gender::Unknown => {}
            }
        }
    }

    /// Counts a mention of `id` in the text.
    pub fn count_mention(&mut self, id: usize) {
        if let Some(p) = self.people.get_mut(id) {
            p.mentions += 1;
        }
    }

    /// Marks `id` as a person (it spoke, or was spoken to).
    pub fn mark_person(&mut self, id: usize) {
        if let Some(p) = self.people.get_mut(id) {
            p.person = true;
        }
    }

    /// Settles each gender: a title, then a first-name list, then clear pronoun majorities.
    pub fn settle_genders(&mut self) {
        for p in &mut self.people {
            if p.gender != Gender::Unknown {
                continue;
            }
            let (m, f) = (p.votes_male, p.votes_female);
            if m + f >= 2 && m * 3 > f * 5 {
                p.gender = Gender::Male;
            } else if m + f >= 2 && f * 3 > m * 5 {
                p.gender = Gender::Female;
            }
            if m + f >= 2 {
                p.person = true;
            }
        }
    }

    /// Makes `from` an alias of `into`: the narrator takes the name others call them by.
    pub fn merge_into(&mut self, from: usize, into: usize) {
        let Some(src) = self.people.get(from).cloned() else { return };
        for v in self.index.values_mut() {
            if *v == from {
                *v = into;
            }
        }
        if let Some(dst) = self.people.get_mut(into) {
            let old = std::mem::replace(&mut dst.name, src.name.clone());
            dst.aliases.push(old);
            dst.aliases.extend(src.aliases.iter().filter(|a| **a != src.name).cloned());
            if dst.gender == Gender::Unknown {
                dst.gender = src.gender;
            }
            src.titles.iter().for_each(|t| dst.add_title(t));
            dst.mentions += src.mentions;
        }
        if let Some(p) = self.people.get_mut(from) {
            p.person = false;
            p.mentions = 0;
        }
    }

    fn add_phrase(&mut self, p: &Phrase) {
        let id = match self.find_owner(p) {
            Some(id) => id,
            None => self.create(p),
        };
        let key = phrase_key(p);
        let words = key.split(' ').count();
        let first = key.split(' ').next().unwrap_or_default().to_string();
        let longest = self.first_words.entry(first).or_default();
        *longest = (*longest).max(words);
        self.index.entry(key.clone()).or_insert(id);
        if let Some(person) = self.people.get_mut(id) {
            person.keys.push(key);
            if let Some(t) = &p.title {
                person.add_title(t);
            }
            // "Mr. Darcy" gives "Fitzwilliam Darcy" his title, so a bare "Darcy" finds him.
            if person.title.is_none() && p.title.is_some() {
                person.title = p.title.clone();
                let g = p.title.as_deref().and_then(lexicon::honorific).unwrap_or(Gender::Unknown);
                if person.gender == Gender::Unknown {
                    person.gender = g;
                }
            }
            person.forms.push((p.display.clone(), p.count, p.title.is_none() && p.words.len() >= 2));
            person.stats.add(&p.stats);
            person.lower_share = person.lower_share.max(p.lower_share);
            if person.name != p.display && !person.aliases.contains(&p.display) {
                person.aliases.push(p.display.clone());
            }
        }
    }

    /// The existing person a phrase refers to, if it clearly refers to one.
    fn find_owner(&self, p: &Phrase) -> Option<usize> {
        let first = p.words.first()?;
        let last = p.words.last()?;
        if p.words.len() >= 2 {
            let exact =
                self.people.iter().position(|q| q.first.as_ref() == Some(first) && q.last.as_ref() == Some(last));
            // "Eliza Bennet" is Elizabeth Bennet when she is the only one it can be.
            let nick = || {
                let v = self.ids_where(|q| {
                    q.last.as_ref() == Some(last)
                        && q.first.as_deref().is_some_and(|f| f != first && same_first_name(first, f))
                });
                if v.len() == 1 { v.first().copied() } else { None }
            };
            return exact.or_else(nick);
        }
        let word = first;
        let key = phrase_key(p);
        // Named together in one sentence, more than once (once is enough for a title and a full
        // name): two people ("Mr. Emerson and George", "Mr. Hale and his son Ned Hale").
        let same_title =
            |k: &str| p.title.as_deref().is_some_and(|t| k.strip_prefix(t).is_some_and(|r| r.starts_with(' ')));
        let together_with = |q: &Person, skip_same_title: bool| {
            q.keys
                .iter()
                .filter(|k| !(skip_same_title && same_title(k)))
                .map(|k| {
                    let pair = if *k < key { (k.clone(), key.clone()) } else { (key.clone(), k.clone()) };
                    self.together.get(&pair).copied().unwrap_or(0)
                })
                .sum::<u32>()
        };
        let apart_after = |q: &Person, times: u32| together_with(q, false) >= times;
        let apart = |q: &Person| apart_after(q, 2);
        let by_first: Vec<usize> = self.ids_where(|q| q.first.as_ref() == Some(word) && !apart(q));
        // "Lizzy" is Elizabeth, and "Michael" is Mike, when one person has that first name
        // (and no formal title).
        let informal = |q: &Person| q.title.as_deref().is_none_or(|t| matches!(t, "miss" | "master"));
        let owners = || {
            self.ids_where(|q| q.first.as_deref().is_some_and(|f| same_first_name(word, f)) && informal(q) && !apart(q))
        };
        let title_gender = p.title.as_deref().and_then(lexicon::honorific);
        if p.title.is_some() {
            // "Mrs. X" is usually someone else than any "Jane X": a mother, a wife.
            if p.title.as_deref() == Some("mrs") {
                let wives = self.ids_where(|q| {
                    q.title.as_deref() == Some("mrs")
                        && (q.last.as_ref() == Some(word) || q.first.as_ref() == Some(word))
                });
                return if wives.len() == 1 { wives.first().copied() } else { None };
            }
            // "Lady Catherine", "Miss Elizabeth", "Mr. John" take a first name; "Colonel
            // Fitzwilliam" a surname.
            let first_name = lexicon::first_name_gender(word).is_some_and(|g| compatible(g, title_gender));
            if p.title.as_deref().is_some_and(lexicon::takes_first_name) || first_name {
                // "Miss Lizzy" is Miss Elizabeth Bennet when nobody is called Lizzy.
                let others;
                let by_name = if by_first.is_empty() {
                    others = owners();
                    &others
                } else {
                    &by_first
                };
                if by_name.len() == 1 {
                    return by_name.first().copied();
                }
            }
            let by_last = |skip_same_title: bool| {
                self.ids_where(|q| {
                    q.last.as_ref() == Some(word)
                        && q.first.is_some()
                        && compatible(q.gender, title_gender)
                        && together_with(q, skip_same_title) == 0
                })
            };
            // When that leaves nobody, the same title again with a fuller name is one person
            // named twice ("the present Mr. Darcy ... Mr. Fitzwilliam Darcy"); when it leaves
            // one of two, it told them apart ("Mr. Cavendish" beside "Mr. Lawrence Cavendish").
            let strict = by_last(false);
            let by_last = if strict.is_empty() { by_last(true) } else { strict };
            if by_last.is_empty() {
                return self.same_man_other_title(p, word, |q| together_with(q, false));
            }
            return if by_last.len() == 1 { by_last.first().copied() } else { None };
        }
        if let Some(&id) = by_first.first() {
            return Some(id);
        }
        let owners = owners();
        if owners.len() == 1 {
            return owners.first().copied();
        }
        // A bare surname followed by "he" is not a "Mrs." or "Miss" known by nothing else:
        // "Braddocks" is her husband.
        let male = p.stats.he > p.stats.she;
        let female_title_only = |q: &Person| {
            male && q.first.is_none() && q.title.as_deref().and_then(lexicon::honorific) == Some(Gender::Female)
        };
        let by_last = self.ids_where(|q| q.last.as_ref() == Some(word) && !female_title_only(q));
        if by_last.len() <= 1 {
            return by_last.first().copied();
        }
        // A bare surname shared by several people: "Mr." + surname is usually meant.
        by_last.iter().copied().find(|&id| self.people.get(id).is_some_and(|q| q.title.as_deref() == Some("mr")))
    }

    /// "Doctor Losberne" is the "Mr. Losberne" the book otherwise calls him (a medical man is
    /// "Mr." as often as "Doctor"), and "Dr. Spencer" is "Doctor Spencer". Only when he is the
    /// only one of that surname named so far (phrases come most written first), known by no
    /// first name, never named together with this phrase, not a "she", and named at least three
    /// times as often as this: "Dr. Blair" and "Mr. Blair", each named once, may be two men.
    fn same_man_other_title(&self, p: &Phrase, word: &str, together_with: impl Fn(&Person) -> u32) -> Option<usize> {
        let t = p.title.as_deref()?;
        let same = self.ids_where(|q| q.last.as_deref() == Some(word));
        let [id] = same[..] else { return None };
        let q = self.people.get(id)?;
        let a = lexicon::full_title(t);
        let fits = |b: &String| {
            (a == b && lexicon::is_professional_title(a))
                || (lexicon::is_professional_title(a) && lexicon::is_plain_male_title(b))
                || (lexicon::is_plain_male_title(a) && lexicon::is_professional_title(b))
        };
        let ok = q.titles.iter().any(fits)
            && q.first.is_none()
            && q.gender != Gender::Female
            && p.stats.she <= p.stats.he
            && q.written() >= 3 * p.count
            && together_with(q) == 0;
        ok.then_some(id)
    }

    fn ids_where(&self, f: impl Fn(&Person) -> bool) -> Vec<usize> {
        self.people.iter().enumerate().filter(|(_, q)| f(q)).map(|(i, _)| i).collect()
    }

    fn create(&mut self, p: &Phrase) -> usize {
        let gender = p
            .title
            .as_deref()
            .and_then(lexicon::honorific)
            .filter(|g| *g != Gender::Unknown)
            .or_else(|| p.words.first().and_then(|w| lexicon::first_name_gender(w)))
            .unwrap_or(Gender::Unknown);
        let single = p.words.len() == 1;
        let first = if single && p.title.is_some() && lexicon::first_name_gender(&p.words[0]).is_none() {
            None
        } else {
            p.words.first().cloned()
        };
        let mut last = if single && first.is_some() { None } else { p.words.last().cloned() };
        let mut first = first;
        // "Lucas Lodge", "Howards End": a place, which lends its words to nobody.
        if !single && p.title.is_none() && p.words.last().is_some_and(|w| super::people::is_place_word(w)) {
            first = None;
            last = None;
        }
        let mut person = new_person(p.display.clone(), p.title.clone(), first, last, gender);
        person.person = p.title.is_some() || gender != Gender::Unknown;
        self.people.push(person);
        self.people.len() - 1
    }

    /// Names each person by their most informative name: a full name the text uses more than
    /// once, else the most frequent form, where a title + name counts double ("Mr. Darcy" says
    /// more than "Darcy", and "Elizabeth" said 600 times beats "Miss Elizabeth Bennet").
    fn finish_names(&mut self) {
        for p in &mut self.people {
            let full = p.forms.iter().filter(|f| f.2 && f.1 >= 2).max_by_key(|f| f.1);
            let weight = |f: &&(String, u32, bool)| f.1 * if f.0.contains(' ') { 2 } else { 1 };
            let best = full.or_else(|| p.forms.iter().max_by_key(weight));
            if let Some(best) = best.map(|f| f.0.clone())
                && best != p.name
            {
                p.aliases.retain(|a| *a != best);
                p.aliases.push(std::mem::replace(&mut p.name, best));
            }
        }
    }
}

fn new_person(
    name: String,
    title: Option<String>,
    first: Option<String>,
    last: Option<String>,
    gender: Gender,
) -> Person {
    Person {
        name,
        aliases: Vec::new(),
        gender,
        first,
        last,
        mentions: 0,
        person: false,
        votes_male: 0,
        votes_female: 0,
        epithet: false,
        newcomer: false,
        stats: NameStats::default(),
        lower_share: 0.0,
        person_prob: 0.0,
        keys: Vec::new(),
        titles: title.iter().map(|t| lexicon::full_title(t).to_string()).collect(),
        title,
        forms: Vec::new(),
    }
}

fn compatible(person: Gender, title: Option<Gender>) -> bool {
    match title {
        None | Some(Gender::Unknown) => true,
        Some(g) => person == g || person == Gender::Unknown,
    }
}

/// Whether one first name is a short form of the other ("Lizzy", "Elizabeth"), or both are
/// short forms of one name ("Tom", "Tommy").
fn same_first_name(a: &str, b: &str) -> bool {
    let (da, db) = (lexicon::diminutive_of(a), lexicon::diminutive_of(b));
    da.is_some_and(|full| full.contains(&b))
        || db.is_some_and(|full| full.contains(&a))
        || da.zip(db).is_some_and(|(x, y)| x.iter().any(|f| y.contains(f)))
}

/// Sort key: full names, then titled names, then single words.
fn rank(p: &Phrase) -> u8 {
    match (p.words.len(), p.title.is_some()) {
        (n, _) if n >= 2 => 2,
        (_, true) => 1,
        _ => 0,
    }
}

/// Whether a phrase of two or more words is a name followed by another person's first name,
/// each of them written apart at least three times as often.
fn two_names_side_by_side(p: &Phrase, counts: &HashMap<String, u32>) -> bool {
    let key = phrase_key(p);
    let Some((head, last)) = key.rsplit_once(' ') else { return false };
    if p.words.len() < 2 || lexicon::first_name_gender(last).is_none() {
        return false;
    }
    let often = |k: &str| counts.get(k).is_some_and(|&c| c >= 3 * p.count);
    often(head) && often(last)
}

fn phrase_key(p: &Phrase) -> String {
    let mut key = p.title.clone().unwrap_or_default();
    for w in &p.words {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(w);
    }
    key
}

//! Who speaks: the story's characters and a speaker guess for every dialogue line.
//!
//! In: the text and its [`Script`]. Out: an [`Attribution`], the script with a speaker, a
//! confidence and the evidence on every dialogue line, and the characters who speak.
//!
//! The rules, strongest first, each leaving its name as the line's `evidence`:
//! a speech tag naming the speaker (`tag`, `first-person` for "I said"), a pronoun or noun-phrase
//! tag resolved against the people of the scene (`tag-pronoun`, `tag-noun`: "the doctor", "her
//! mother"), a speech going on from the previous paragraph (`continued`), an action beat in the
//! same paragraph or the narration just before it (`beat`), the person the previous line
//! addressed by name (`vocative`), and turn-taking (`turn-taking`; `turn-other` and `recent` when
//! only one earlier speaker is known). A name addressed inside a quotation is the listener, never
//! the speaker.
//!
//! Characters come first (module `characters`): capitalized name phrases merged into people with
//! aliases and a gender; a first-person narrator takes the name the others call them by.
//!
//! ```
//! let text = audiobook::load::decode("\u{201C}Tea,\u{201D} said Ruth. \u{201C}Now.\u{201D}\n".as_bytes()).unwrap();
//! let script = audiobook::segment::segment(&text);
//! let found = audiobook::attribute::attribute(&text.text, &script);
//! assert_eq!(found.script.lines[0].speaker.as_deref(), Some("Ruth"));
//! assert_eq!(found.characters[0].lines, 2);
//! ```

mod characters;
mod features;
mod lexicon;
mod model;
mod people;
mod resolve;
mod tags;
#[cfg(test)]
mod tests;
mod tokens;
#[doc(hidden)]
pub mod training;

use crate::script::Gender;
use crate::script::{Kind, Script};
use characters::Cast;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use tags::Subject;
use tokens::Token;

/// A character of the story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Character {
    /// The most informative frequent name ("Elizabeth", not "Miss Bennet").
    pub name: String,
    /// Other names the text uses for them.
    pub aliases: Vec<String>,
    pub gender: Gender,
    /// Dialogue lines attributed to them.
    pub lines: usize,
    /// Words in those lines.
    pub words: usize,
}

/// A paragraph's lines (a range of `Script::lines`) and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Para {
    pub lines: Range<usize>,
    pub chapter: usize,
    pub scene: usize,
}

/// Where a speech tag sits relative to its quotation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) enum Place {
    #[default]
    None,
    /// In the narration right after the quotation (`"..." said Ann.`).
    After,
    /// At the end of the narration before it (`Ann said, "..."`).
    Before,
    /// Closing the narration paragraph before (`Ann then observed,`).
    LeadIn,
}

/// What a dialogue line itself says about its speaker.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Cue {
    /// The subject of a speech tag next to the line.
    pub tag: Option<Subject>,
    pub place: Place,
    /// People addressed by name inside the line.
    pub vocatives: Vec<usize>,
    /// How the line addresses people (see `tags::address`).
    pub forms: Vec<String>,
}

impl Cue {
    /// The person the tag names outright: by name, or the narrator's "I".
    pub fn named(&self, narrator: Option<usize>) -> Option<usize> {
        match self.tag {
            Some(Subject::Person(id)) => Some(id),
            Some(Subject::Narrator) => narrator,
            _ => None,
        }
    }
}

/// How often each head noun of a descriptive tag ("the Jew", "the beadle") shares a paragraph
/// with each character: "the beadle" in a scene means whoever the book calls that most.
pub(crate) struct Epithets {
    /// Head noun to the characters named in the same paragraphs, with counts.
    pub cooccur: HashMap<String, HashMap<usize, u32>>,
    /// How many paragraphs name each character.
    pub paragraphs: HashMap<usize, u32>,
    /// Head noun to the stand-in character used when the epithet is nobody known.
    pub stand_in: HashMap<String, usize>,
}

/// Someone a narration line refers to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mention {
    /// A character, and whether the name opens its sentence (likely the subject).
    Person(usize, bool),
    Pronoun(Gender),
}

/// What the attribute stage finds: the script with a `speaker`, `confidence` and `evidence` on
/// every dialogue line, and the characters who speak, most lines first.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    pub script: Script,
    pub characters: Vec<Character>,
}

/// Everything the text says about who speaks, before any decision: the tokens of every line,
/// the characters, paragraphs, speech tags and vocatives, the people each narration line names,
/// what descriptive tags stand for, and the hand-written rules' own guesses (a feature like any
/// other for the trained model).
pub(crate) struct Reading {
    pub toks: Vec<Vec<Token>>,
    pub cast: Cast,
    pub paras: Vec<Para>,
    pub cues: Vec<Cue>,
    pub mentions: Vec<Vec<Mention>>,
    pub epithets: Epithets,
    pub rules: Vec<Option<resolve::Guess>>,
    /// Each form of address, with how often each person uses it on lines whose tag names them.
    pub form_users: HashMap<String, HashMap<usize, u32>>,
}

/// Who speaks each dialogue line of `script`, a segmented `text`, by the built-in model.
pub fn attribute(text: &str, script: &Script) -> Attribution {
    attribute_with(text, script, model::builtin())
}

/// [`attribute`] with a given model (the training and cross-validation tools pass their own).
pub(crate) fn attribute_with(text: &str, script: &Script, model: &model::Model) -> Attribution {
    let mut script = script.clone();
    let characters = assign(text, &mut script, model);
    Attribution { script, characters }
}

/// Finds the characters and sets `speaker`, `confidence` and `evidence` on every dialogue line
/// of `script`. Returns the characters who speak, most lines first.
fn assign(text: &str, script: &mut Script, model: &model::Model) -> Vec<Character> {
    let reading = read(text, script, &model.person);
    let table = features::build(text, script, &reading);
    let guesses = model.decode(std::borrow::Cow::Owned(table), &reading.cast);
    apply(script, &reading.toks, &reading.cast, &guesses)
}

/// Reads a segmented story: characters, tags, mentions, and the rules' guesses.
pub(crate) fn read(text: &str, script: &Script, person: &[f64; people::NP]) -> Reading {
    let toks: Vec<Vec<Token>> = script
        .lines
        .iter()
        .map(|l| match l.kind {
            Kind::Narration | Kind::Dialogue => tokens::tokenize(text, l.span.start, l.span.end),
            _ => Vec::new(),
        })
        .collect();
    let mut cast = Cast::discover(&toks, text);
    if is_first_person(script, &toks) {
        cast.add_narrator();
    }
    let paras = paragraphs(script);
    let mut mentions = narration_mentions(script, &toks, &mut cast);
    let mut cues = cues(script, &toks, &paras, &cast);
    newcomers(&mut cues, &mut cast);
    described(&mut cues);
    tag_agreement(&paras, &cues, &mut cast);
    cast.settle_genders();
    for c in &cues {
        if let Some(Subject::Person(id)) = c.tag {
            cast.mark_person(id);
        }
        c.vocatives.iter().for_each(|&id| cast.mark_person(id));
    }
    people::classify(&mut cast, &cues, person);
    if cast.narrator.is_some() {
        let talk = to_narrator(script, &paras, &cues, &toks);
        if let Some(from) = narrator_name(&talk, &cues) {
            rename_narrator(&mut cast, from, &mut cues, &mut mentions);
        }
        if let Some(n) = cast.narrator.and_then(|n| cast.people.get_mut(n)).filter(|p| p.gender == Gender::Unknown) {
            n.gender = narrator_gender(&talk, script, &toks).unwrap_or(Gender::Unknown);
        }
    }
    let epithets = epithets(script, &toks, &paras, &cues, &mentions, &mut cast);
    let cx = resolve::Context {
        text,
        script,
        paras: &paras,
        cues: &cues,
        mentions: &mentions,
        cast: &cast,
        epithets: &epithets,
    };
    let rules = resolve::resolve(&cx);
    let mut form_users: HashMap<String, HashMap<usize, u32>> = HashMap::default();
    for c in &cues {
        let Some(who) = c.named(cast.narrator) else { continue };
        for form in &c.forms {
            *form_users.entry(form.clone()).or_default().entry(who).or_default() += 1;
        }
    }
    Reading { toks, cast, paras, cues, mentions, epithets, rules, form_users }
}

/// Groups the narration and dialogue lines of each paragraph.
fn paragraphs(script: &Script) -> Vec<Para> {
    let mut out: Vec<Para> = Vec::new();
    let mut prev_para = None;
    for (i, l) in script.lines.iter().enumerate() {
        if !matches!(l.kind, Kind::Narration | Kind::Dialogue) {
            prev_para = None;
            continue;
        }
        match out.last_mut() {
            Some(p) if prev_para == Some(l.paragraph) && p.lines.end == i => p.lines.end = i + 1,
            _ => out.push(Para { lines: i..i + 1, chapter: l.chapter, scene: l.scene }),
        }
        prev_para = Some(l.paragraph);
    }
    out
}

/// A first-person story says "I" in its narration, not only in its dialogue.
fn is_first_person(script: &Script, toks: &[Vec<Token>]) -> bool {
    let (mut words, mut i) = (0usize, 0usize);
    for (l, t) in script.lines.iter().zip(toks) {
        if l.kind == Kind::Narration {
            words += t.iter().filter(|t| t.is_word()).count();
            i += t.iter().filter(|t| t.cap && t.lower == "i").count();
        }
    }
    i >= 10 && i * 125 >= words
}

/// The people and pronouns of each narration line; counts mentions and gender votes on the way.
fn narration_mentions(script: &Script, toks: &[Vec<Token>], cast: &mut Cast) -> Vec<Vec<Mention>> {
    let mut out = vec![Vec::new(); script.lines.len()];
    for ((l, t), slot) in script.lines.iter().zip(toks).zip(out.iter_mut()) {
        if l.kind == Kind::Narration {
            *slot = line_mentions(t, cast);
        } else if l.kind == Kind::Dialogue {
            count_dialogue_mentions(t, cast);
        }
    }
    out
}

fn line_mentions(t: &[Token], cast: &mut Cast) -> Vec<Mention> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < t.len() {
        if let Some((id, n)) = cast.match_at(t, i) {
            let lead = i == 0 || t.get(i).is_some_and(|x| x.initial);
            found.push(Mention::Person(id, lead));
            cast.count_mention(id);
            if let Some(g) = pronoun_after(t, i + n, cast) {
                cast.vote_gender(id, g, 1);
            }
            i += n;
            continue;
        }
        let Some(tok) = t.get(i) else { break };
        if let (Some(n), true) = (cast.narrator, tok.cap && tok.lower == "i") {
            found.push(Mention::Person(n, i == 0 || tok.initial));
        } else if let Some(g) = lexicon::subject_pronoun(&tok.lower) {
            found.push(Mention::Pronoun(g));
        }
        i += 1;
    }
    found
}

fn count_dialogue_mentions(t: &[Token], cast: &mut Cast) {
    let mut i = 0;
    while i < t.len() {
        match cast.match_at(t, i) {
            Some((id, n)) => {
                cast.count_mention(id);
                i += n;
            }
            None => i += 1,
        }
    }
}

/// The first third-person pronoun soon after a name, unless another name comes first.
fn pronoun_after(t: &[Token], from: usize, cast: &Cast) -> Option<Gender> {
    for k in from..(from + 12).min(t.len()) {
        if cast.match_at(t, k).is_some() {
            return None;
        }
        if let Some(g) = t.get(k).and_then(|x| lexicon::any_pronoun(&x.lower)) {
            return Some(g);
        }
    }
    None
}

/// Tags and vocatives of every dialogue line.
fn cues(script: &Script, toks: &[Vec<Token>], paras: &[Para], cast: &Cast) -> Vec<Cue> {
    let mut out = vec![Cue::default(); script.lines.len()];
    for (k, p) in paras.iter().enumerate() {
        for i in p.lines.clone() {
            if script.lines.get(i).is_none_or(|l| l.kind != Kind::Dialogue) {
                continue;
            }
            let narr = |j: usize| {
                toks.get(j)
                    .filter(|_| p.lines.contains(&j) && script.lines.get(j).is_some_and(|l| l.kind == Kind::Narration))
            };
            let after = narr(i + 1).and_then(|t| tags::after(t, cast)).map(|s| (s, Place::After));
            let before =
                || i.checked_sub(1).and_then(narr).and_then(|t| tags::before(t, cast)).map(|s| (s, Place::Before));
            let lead_in = || lead_in_tag(script, toks, paras, k, i, cast).map(|s| (s, Place::LeadIn));
            let (tag, place) =
                after.or_else(before).or_else(lead_in).map_or((None, Place::None), |(s, p)| (Some(s), p));
            let (vocatives, forms) = toks.get(i).map(|t| tags::address(t, cast)).unwrap_or_default();
            if let Some(c) = out.get_mut(i) {
                *c = Cue { tag, place, vocatives, forms };
            }
        }
    }
    out
}

/// "said the Rabbit ... she added": a pronoun tag in a paragraph whose other tag names one
/// person says that person's gender better than pronouns that merely follow the name.
fn tag_agreement(paras: &[Para], cues: &[Cue], cast: &mut Cast) {
    for p in paras {
        let tags: Vec<&Subject> = p.lines.clone().filter_map(|i| cues.get(i)?.tag.as_ref()).collect();
        let named: Vec<usize> =
            tags.iter().filter_map(|t| if let Subject::Person(id) = t { Some(*id) } else { None }).collect();
        let Some(&id) = named.first().filter(|_| named.iter().all(|n| *n == named[0])) else { continue };
        for t in &tags {
            if let Subject::Pronoun(g) = t {
                cast.vote_gender(id, *g, 4);
            }
        }
    }
}

/// Makes each indefinite description in a tag ("said a sleepy-faced carpenter") a character of
/// its own, named with the definite article ("the sleepy-faced carpenter") as the story goes on
/// to call them. The same description used again is taken for the same person, though a
/// second "said a carpenter" may be another.
fn newcomers(cues: &mut [Cue], cast: &mut Cast) {
    for c in cues.iter_mut() {
        if let Some(Subject::Newcomer(words)) = &c.tag {
            c.tag = Some(Subject::Person(cast.add_newcomer(words)));
        }
    }
}

/// A description that names someone ("said the gentleman in the white waistcoat") is theirs
/// only where the book tags at least three lines with it; elsewhere the tag says just its head
/// noun ("the man" of "the man in the same tone").
fn described(cues: &mut [Cue]) {
    let mut uses: HashMap<String, usize> = HashMap::default();
    for c in cues.iter() {
        if let Some(Subject::Noun(head)) = &c.tag
            && head.contains(' ')
        {
            *uses.entry(head.clone()).or_default() += 1;
        }
    }
    for c in cues.iter_mut() {
        if let Some(Subject::Noun(head)) = &mut c.tag
            && uses.get(head.as_str()).is_some_and(|&n| n < 3)
        {
            *head = lexicon::head_noun(head).to_string();
        }
    }
}

/// Counts, for each head noun used in a descriptive tag, the characters named in the paragraphs
/// where "the <head>" occurs.
fn epithets(
    script: &Script,
    toks: &[Vec<Token>],
    paras: &[Para],
    cues: &[Cue],
    mentions: &[Vec<Mention>],
    cast: &mut Cast,
) -> Epithets {
    let mut out =
        Epithets { cooccur: HashMap::default(), paragraphs: HashMap::default(), stand_in: HashMap::default() };
    for c in cues {
        if let Some(Subject::Noun(head)) = &c.tag
            && !lexicon::is_anaphoric_head(head)
            && !out.stand_in.contains_key(head)
        {
            out.stand_in.insert(head.clone(), cast.add_epithet(head));
            out.cooccur.insert(head.clone(), HashMap::default());
        }
    }
    for p in paras {
        let mut heads: Vec<&str> = Vec::new();
        for i in p.lines.clone().filter(|&i| script.lines.get(i).is_some_and(|l| l.kind == Kind::Narration)) {
            let Some(t) = toks.get(i) else { continue };
            for (k, w) in t.iter().enumerate() {
                let after_the = (1..=3).any(|d| k >= d && t.get(k - d).is_some_and(|x| x.lower == "the"));
                if after_the && out.cooccur.contains_key(w.lower.as_str()) && !heads.contains(&w.lower.as_str()) {
                    heads.push(&w.lower);
                }
            }
        }
        let mut people: Vec<usize> = p
            .lines
            .clone()
            .filter_map(|i| mentions.get(i))
            .flatten()
            .filter_map(|m| match m {
                Mention::Person(id, _) => Some(*id),
                _ => None,
            })
            .collect();
        people.sort_unstable();
        people.dedup();
        for &id in &people {
            *out.paragraphs.entry(id).or_default() += 1;
        }
        for h in heads {
            let Some(row) = out.cooccur.get_mut(h) else { continue };
            for &id in &people {
                *row.entry(id).or_default() += 1;
            }
        }
    }
    out
}

/// A tag closing the narration paragraph before a paragraph that opens with this quotation:
/// hard-wrapped books often put `Lady Catherine then observed,` on a paragraph of its own.
fn lead_in_tag(
    script: &Script,
    toks: &[Vec<Token>],
    paras: &[Para],
    k: usize,
    i: usize,
    cast: &Cast,
) -> Option<Subject> {
    let p = paras.get(k)?;
    let prev = paras.get(k.checked_sub(1)?)?;
    let all_narration = prev.lines.clone().all(|j| script.lines.get(j).is_some_and(|l| l.kind == Kind::Narration));
    if p.lines.start != i || !all_narration || prev.lines.end != i {
        return None;
    }
    let t = toks.get(prev.lines.end.checked_sub(1)?)?;
    if !t.last().is_some_and(|x| matches!(x.punct, ',' | ':')) {
        return None;
    }
    tags::before(t, cast)
}

/// The paragraphs where others most likely talk to the narrator: around the narrator's own "I
/// said" lines, and those whose narration says "me" or "my" (not the narrator's own).
fn to_narrator<'a>(script: &Script, paras: &'a [Para], cues: &[Cue], toks: &[Vec<Token>]) -> Vec<&'a Para> {
    let by_narrator = |p: &Para| p.lines.clone().any(|i| cues.get(i).is_some_and(|c| c.tag == Some(Subject::Narrator)));
    let says_me = |p: &Para| {
        p.lines
            .clone()
            .filter_map(|i| toks.get(i).filter(|_| script.lines.get(i).is_some_and(|l| l.kind == Kind::Narration)))
            .flatten()
            .any(|t| matches!(t.lower.as_str(), "me" | "my"))
    };
    let mut out = Vec::new();
    for (k, p) in paras.iter().enumerate() {
        let near = [k.checked_sub(1), Some(k + 1)].into_iter().flatten().filter_map(|j| paras.get(j)).any(by_narrator);
        if !by_narrator(p) && (near || says_me(p)) {
            out.push(p);
        }
    }
    out
}

/// The person others address by name in `talk`, the paragraphs where they talk to the narrator.
fn narrator_name(talk: &[&Para], cues: &[Cue]) -> Option<usize> {
    let mut votes: HashMap<usize, usize> = HashMap::default();
    for p in talk {
        for c in p.lines.clone().filter_map(|i| cues.get(i)) {
            for &v in &c.vocatives {
                *votes.entry(v).or_default() += 1;
            }
        }
    }
    let mut ranked: Vec<(usize, usize)> = votes.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let (best, n) = *ranked.first()?;
    let second = ranked.get(1).map_or(0, |r| r.1);
    (n >= 2 && n >= second * 2).then_some(best)
}

/// A narrator's gender from the words others address them with in `talk` ("sir", "my dear
/// fellow", "ma'am", "miss"), when those say one thing at least three times as often as the
/// other.
fn narrator_gender(talk: &[&Para], script: &Script, toks: &[Vec<Token>]) -> Option<Gender> {
    let (mut male, mut female) = (0u32, 0u32);
    for p in talk {
        for i in p.lines.clone().filter(|&i| script.lines.get(i).is_some_and(|l| l.kind == Kind::Dialogue)) {
            let t = toks.get(i).map_or(&[][..], Vec::as_slice);
            for (k, w) in t.iter().enumerate() {
                // "Miss" before a name is a title, not an address.
                let before_name = t.get(k + 1).is_some_and(|n| n.is_word() && n.cap);
                match w.lower.as_str() {
                    "sir" | "fellow" | "chap" | "lad" | "mister" if !before_name => male += 1,
                    "madam" | "ma'am" | "miss" | "lass" if !before_name => female += 1,
                    _ => {}
                }
            }
        }
    }
    if male >= 3 && male >= female * 3 {
        Some(Gender::Male)
    } else if female >= 3 && female >= male * 3 {
        Some(Gender::Female)
    } else {
        None
    }
}

/// Gives the narrator the name others call them by, and points that name's mentions at them.
fn rename_narrator(cast: &mut Cast, from: usize, cues: &mut [Cue], mentions: &mut [Vec<Mention>]) {
    let Some(to) = cast.narrator else { return };
    cast.merge_into(from, to);
    let fix = |id: &mut usize| {
        if *id == from {
            *id = to;
        }
    };
    for c in cues.iter_mut() {
        if let Some(Subject::Person(id)) = c.tag.as_mut() {
            fix(id);
        }
        c.vocatives.iter_mut().for_each(fix);
    }
    for m in mentions.iter_mut().flatten() {
        if let Mention::Person(id, _) = m {
            fix(id);
        }
    }
}

/// Writes the guesses into the script and counts each character's lines and words.
fn apply(script: &mut Script, toks: &[Vec<Token>], cast: &Cast, guesses: &[Option<resolve::Guess>]) -> Vec<Character> {
    let mut counts: HashMap<usize, (usize, usize)> = HashMap::default();
    for (i, line) in script.lines.iter_mut().enumerate() {
        if line.kind != Kind::Dialogue {
            continue;
        }
        let g = guesses.get(i).copied().flatten();
        let person = g.and_then(|g| cast.people.get(g.speaker).map(|p| (g, p)));
        match person {
            Some((g, p)) => {
                line.speaker = Some(p.name.clone());
                line.confidence = g.confidence;
                line.evidence = Some(g.evidence.to_string());
                let c = counts.entry(g.speaker).or_default();
                c.0 += 1;
                c.1 += toks.get(i).map_or(0, |t| t.iter().filter(|t| t.is_word()).count());
            }
            None => {
                line.speaker = None;
                line.confidence = 0.0;
                line.evidence = None;
            }
        }
    }
    let mut out: Vec<(usize, Character)> = counts
        .into_iter()
        .filter_map(|(id, (lines, words))| {
            let p = cast.people.get(id)?;
            Some((id, Character { name: p.name.clone(), aliases: p.aliases.clone(), gender: p.gender, lines, words }))
        })
        .collect();
    out.sort_by(|a, b| b.1.lines.cmp(&a.1.lines).then(a.0.cmp(&b.0)));
    out.into_iter().map(|(_, c)| c).collect()
}

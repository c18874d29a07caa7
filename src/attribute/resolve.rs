//! The speaker of every dialogue paragraph, in document order: a speech tag, else a speech going
//! on from the previous paragraph, else an action beat in the paragraph, else the narration just
//! before it, else the person the previous line addressed, else turn-taking between the two
//! people talking. Two passes over the finished turns then fix what only later lines show.

use super::characters::Cast;
use super::lexicon;
use super::tags::Subject;
use super::{Cue, Mention, Para};
use crate::script::Gender;
use crate::script::{Kind, Script};

/// A speaker guess for one dialogue line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guess {
    pub speaker: usize,
    pub confidence: f32,
    pub evidence: &'static str,
}

/// How many recently mentioned people the scene remembers.
const RECENT: usize = 40;

/// Everything the rules read.
pub struct Context<'a> {
    pub text: &'a str,
    pub script: &'a Script,
    pub paras: &'a [Para],
    pub cues: &'a [Cue],
    pub mentions: &'a [Vec<Mention>],
    pub cast: &'a Cast,
    pub epithets: &'a super::Epithets,
}

/// Who has been talking in the current scene.
#[derive(Default)]
struct State {
    place: (usize, usize),
    /// People in order of their last mention or line, the most recent last.
    recent: Vec<usize>,
    /// Speakers of the dialogue paragraphs of the current conversation.
    history: Vec<usize>,
    /// Who the previous dialogue paragraph addressed by name.
    addressed: Vec<usize>,
    last: Option<Guess>,
    /// People named in each narration paragraph since the last dialogue paragraph.
    narrated: Vec<Vec<usize>>,
    /// "He shrugged.": the pronoun opening the last narration paragraph, when it names nobody.
    narrated_pronoun: Option<Gender>,
    /// Counts conversations: a scene break or a narration paragraph starts a new one.
    run: usize,
}

/// One dialogue paragraph as turn-taking sees it.
struct Turn {
    run: usize,
    lines: Vec<usize>,
    guess: Option<Guess>,
}

/// People named in the narration of the current paragraph: anywhere before its first quotation,
/// and as the opening of a sentence after it (later names are mostly listeners).
struct Here {
    before: Vec<usize>,
    after: Vec<usize>,
    /// "She was with Helen. "...," she cried.": a pronoun opening the narration before the
    /// quote is its subject, and the names after it are not whom a later "she" means.
    opening: Option<Gender>,
}

impl State {
    fn enter(&mut self, chapter: usize, scene: usize) {
        if self.place != (chapter, scene) {
            // A scene break ends the conversation; the people may still be around.
            self.place = (chapter, scene);
            self.run += 1;
            self.history.clear();
            self.addressed.clear();
            self.last = None;
        }
    }

    fn see(&mut self, id: usize) {
        if let Some(k) = self.recent.iter().position(|&r| r == id) {
            self.recent.remove(k);
        }
        self.recent.push(id);
        if self.recent.len() > RECENT {
            self.recent.remove(0);
        }
    }

    /// A narration paragraph between speeches ends the exchange: on the test novels, strict
    /// alternation across one is right less often than the person the narration names.
    fn narration(&mut self) {
        if !self.history.is_empty() {
            self.run += 1;
            self.history.clear();
        }
    }

    fn last_speaker(&self) -> Option<usize> {
        self.history.last().copied()
    }
}

/// Guesses a speaker for every dialogue line (indexes into `script.lines`).
pub fn resolve(cx: &Context) -> Vec<Option<Guess>> {
    let mut out = vec![None; cx.script.lines.len()];
    let mut st = State::default();
    let mut turns: Vec<Turn> = Vec::new();
    for (k, para) in cx.paras.iter().enumerate() {
        st.enter(para.chapter, para.scene);
        let dialogue: Vec<usize> = para.lines.clone().filter(|&i| is_dialogue(cx, i)).collect();
        if dialogue.is_empty() {
            note_mentions(cx, &mut st, para.lines.clone());
            st.narrated.push(para.lines.clone().flat_map(|i| people_in(cx, i, false)).collect());
            st.narrated_pronoun = opening_pronoun(cx, para.lines.clone());
            st.narration();
            continue;
        }
        let continued = k > 0 && cx.paras.get(k - 1).is_some_and(|p| continues(cx, p, para));
        let first = dialogue.first().copied().unwrap_or(para.lines.start);
        note_mentions(cx, &mut st, para.lines.start..first);
        let here = Here {
            before: (para.lines.start..first).flat_map(|i| people_in(cx, i, false)).collect(),
            after: (first..para.lines.end).flat_map(|i| people_in(cx, i, true)).collect(),
            opening: opening_pronoun(cx, para.lines.start..first),
        };
        let addressed: Vec<usize> =
            dialogue.iter().flat_map(|&i| cx.cues.get(i).map(|c| c.vocatives.clone()).unwrap_or_default()).collect();
        let guesses = paragraph(cx, &st, &dialogue, &here, &addressed, continued);
        for (&i, g) in dialogue.iter().zip(&guesses) {
            if let Some(slot) = out.get_mut(i) {
                *slot = *g;
            }
        }
        note_mentions(cx, &mut st, first..para.lines.end);
        let speaker = guesses.iter().rev().flatten().next().copied();
        if let Some(g) = speaker {
            st.see(g.speaker);
            if !continued {
                st.history.push(g.speaker);
            }
        }
        st.addressed = addressed;
        st.last = speaker;
        st.narrated.clear();
        if !continued {
            turns.push(Turn { run: st.run, lines: dialogue, guess: speaker });
        }
    }
    fill_backwards(&turns, &mut out);
    out
}

/// A conversation's first untagged lines have no earlier speakers to alternate with: take the
/// speaker two turns later when the turn between is someone else's.
fn fill_backwards(turns: &[Turn], out: &mut [Option<Guess>]) {
    let strong = |g: &Guess| matches!(g.evidence, "tag" | "first-person" | "tag-pronoun" | "tag-noun" | "beat");
    for (j, t) in turns.iter().enumerate() {
        let weak = t.guess.is_none_or(|g| matches!(g.evidence, "recent" | "turn-other"));
        let (Some(next), Some(after)) = (turns.get(j + 1), turns.get(j + 2)) else { continue };
        if !weak || next.run != t.run || after.run != t.run {
            continue;
        }
        let (Some(a), Some(b)) = (after.guess.filter(strong), next.guess) else { continue };
        if a.speaker == b.speaker {
            continue;
        }
        let guess = Guess { speaker: a.speaker, confidence: 0.45, evidence: "turn-taking" };
        for &i in &t.lines {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(guess);
            }
        }
    }
}

/// Guesses for the dialogue lines of one paragraph.
fn paragraph(
    cx: &Context,
    st: &State,
    dialogue: &[usize],
    here: &Here,
    addressed: &[usize],
    continued: bool,
) -> Vec<Option<Guess>> {
    let mut tagged: Vec<Option<Guess>> = Vec::with_capacity(dialogue.len());
    let mut named: Option<Guess> = None;
    for &i in dialogue {
        let tag = cx.cues.get(i).and_then(|c| c.tag.as_ref());
        // "said Rabbit ... he added": the pronoun goes on with the person the paragraph named.
        let same = match (tag, named) {
            (Some(Subject::Pronoun(g)), Some(n))
                if cx.cast.people.get(n.speaker).is_some_and(|p| p.gender == *g || p.gender == Gender::Unknown) =>
            {
                Some(Guess { speaker: n.speaker, confidence: 0.85, evidence: "tag-pronoun" })
            }
            _ => None,
        };
        let g = same.or_else(|| tag.and_then(|s| from_tag(cx, st, s, here)));
        if let (Some(Subject::Person(_) | Subject::Narrator), Some(x)) = (tag, g) {
            named = Some(x);
        }
        tagged.push(g);
    }
    if tagged.iter().any(Option::is_some) {
        return spread(&tagged);
    }
    let guess = if continued {
        st.last.map(|g| Guess { evidence: "continued", ..g })
    } else {
        beat(here, addressed).or_else(|| lead_in(cx, st, addressed)).or_else(|| turn(cx, st, addressed))
    };
    vec![guess; dialogue.len()]
}

/// Gives untagged lines of a paragraph the speaker of the nearest tagged line before them, or
/// after them: a paragraph normally belongs to one speaker.
fn spread(tagged: &[Option<Guess>]) -> Vec<Option<Guess>> {
    let mut out = tagged.to_vec();
    let mut prev = None;
    for g in out.iter_mut() {
        match g {
            Some(x) => prev = Some(*x),
            None => *g = prev,
        }
    }
    let mut next = None;
    for g in out.iter_mut().rev() {
        match g {
            Some(x) => next = Some(*x),
            None => *g = next,
        }
    }
    out
}

fn from_tag(cx: &Context, st: &State, s: &Subject, here: &Here) -> Option<Guess> {
    let (speaker, confidence, evidence) = match *s {
        Subject::Person(id) => (id, 0.95, "tag"),
        Subject::Narrator => (cx.cast.narrator?, 0.9, "first-person"),
        Subject::Pronoun(g) => by_gender(cx, st, g, here).map(|(id, c)| (id, c, "tag-pronoun"))?,
        Subject::Noun(ref head) => noun_tag(cx, st, head, here)?,
        Subject::Relative(ref head, of) => relative(cx, st, head, of, here).map(|id| (id, 0.45, "tag-noun"))?,
        // `attribute::read` has made it a person of its own.
        Subject::Newcomer(_) => return None,
    };
    Some(Guess { speaker, confidence, evidence })
}

/// A descriptive tag: a known person it stands for, else "the other" of the conversation, else a
/// stand-in character named by the epithet itself.
fn noun_tag(cx: &Context, st: &State, head: &str, here: &Here) -> Option<(usize, f32, &'static str)> {
    if let Some((id, c)) = by_epithet(cx, st, head, here) {
        return Some((id, c, "tag-noun"));
    }
    if lexicon::is_anaphoric_head(head) {
        return turn(cx, st, &[]).map(|g| (g.speaker, g.confidence, g.evidence));
    }
    let g = lexicon::noun_gender(head);
    if lexicon::is_generic_head(head) && g != Gender::Unknown {
        let last = st.last_speaker();
        let fits = |id: &&usize| {
            Some(**id) != last && cx.cast.people.get(**id).is_some_and(|p| p.gender == g && p.person && !p.epithet)
        };
        if let Some(&id) = here.before.iter().find(fits).or_else(|| st.recent.iter().rev().take(8).find(fits)) {
            return Some((id, 0.5, "tag-noun"));
        }
    }
    cx.epithets.stand_in.get(head).map(|&id| (id, 0.5, "tag-noun"))
}

/// "her mother", "his wife": someone of the head noun's gender in the scene who is not the
/// previous speaker (often the relative's own child or spouse), preferring a parent's or a
/// spouse's title ("Mrs. Bennet") for parents, spouses, aunts and uncles.
fn relative(cx: &Context, st: &State, head: &str, of: Option<usize>, here: &Here) -> Option<usize> {
    let g = lexicon::noun_gender(head);
    if g == Gender::Unknown {
        return None;
    }
    let elder = matches!(head, "mother" | "father" | "wife" | "husband" | "aunt" | "uncle" | "lady" | "mamma" | "papa");
    let last = st.last_speaker();
    let scene: Vec<usize> = here.before.iter().chain(st.recent.iter().rev().take(10)).copied().collect();
    let fits = |id: &&usize| {
        Some(**id) != last
            && Some(**id) != of
            && cx.cast.people.get(**id).is_some_and(|p| p.gender == g && p.person && !p.epithet)
    };
    let titled = |id: &&usize| {
        cx.cast
            .people
            .get(**id)
            .and_then(|p| p.title.as_deref())
            .is_some_and(|t| matches!(t, "mrs" | "mr" | "lady" | "sir" | "lord" | "aunt" | "uncle"))
    };
    let mut fitting = scene.iter().filter(fits);
    if elder && let Some(&id) = scene.iter().filter(fits).find(titled) {
        return Some(id);
    }
    fitting.next().copied()
}

/// The person of a gender a pronoun tag means: someone named in this paragraph before the quote,
/// else in the narration since the last speech, else (of two who fit) not the previous speaker,
/// since a new paragraph usually means the other one answering.
fn by_gender(cx: &Context, st: &State, g: Gender, here: &Here) -> Option<(usize, f32)> {
    let fits = |id: &&usize, want: Gender| {
        cx.cast.people.get(**id).is_some_and(|p| p.gender == want && p.person) && Some(**id) != cx.cast.narrator
    };
    if let Some(&id) = here.before.iter().find(|id| fits(id, g)).filter(|_| here.opening != Some(g)) {
        return Some((id, 0.85));
    }
    if let Some(&id) = st.narrated.iter().rev().find_map(|p| p.iter().find(|id| fits(id, g))) {
        return Some((id, 0.75));
    }
    // In a conversation, the one who spoke before the last speaker is the likeliest answer.
    let h = &st.history;
    if let Some(id) =
        h.len().checked_sub(2).and_then(|k| h.get(k)).filter(|id| fits(id, g) && Some(**id) != st.last_speaker())
    {
        return Some((*id, 0.75));
    }
    let mut found = st.recent.iter().rev().filter(|id| fits(id, g));
    let Some(&first) = found.next() else {
        let id = st.recent.iter().rev().find(|id| fits(id, Gender::Unknown))?;
        return Some((*id, 0.5));
    };
    match found.next() {
        Some(&second) if Some(first) == st.last_speaker() => Some((second, 0.65)),
        Some(_) => Some((first, 0.7)),
        None => Some((first, 0.8)),
    }
}

/// The person a descriptive tag means: of the people in the scene, the one the book most often
/// names alongside "the <head>"; nobody when the epithet is not clearly anyone's.
fn by_epithet(cx: &Context, st: &State, head: &str, here: &Here) -> Option<(usize, f32)> {
    let scene: Vec<usize> = st.recent.iter().rev().take(8).chain(here.before.iter()).copied().collect();
    if let Some(&id) = scene.iter().find(|id| has_title(cx.cast, **id, head)) {
        return Some((id, 0.8));
    }
    let e = cx.epithets;
    let share = |id: usize| epithet_share(e, head, id);
    let best = scene
        .iter()
        .filter_map(|&id| share(id).map(|s| (id, s)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    if let Some((id, s)) = best.filter(|b| b.1 >= 0.15) {
        return Some((id, 0.5 + s.min(0.3)));
    }
    book_epithet(cx.cast, e, head).map(|id| (id, 0.55))
}

/// Whether one of someone's names carries the epithet as a title ("the doctor" for Dr.
/// Bauerstein, "her ladyship" for Lady Catherine).
pub(crate) fn has_title(cast: &Cast, id: usize, head: &str) -> bool {
    let as_title = match head {
        "ladyship" => "lady",
        "lordship" => "lord",
        h => h,
    };
    cast.people.get(id).is_some_and(|p| p.titled(as_title))
}

/// The share of someone's paragraphs that also say "the <head>", when that happens often.
fn epithet_share(e: &super::Epithets, head: &str, id: usize) -> Option<f32> {
    let n = e.cooccur.get(head)?.get(&id).copied().unwrap_or(0);
    let all = e.paragraphs.get(&id).copied().unwrap_or(0).max(1);
    (n >= 3).then_some(n as f32 / all as f32)
}

/// Who an epithet means throughout the book: the only person with that title ("the doctor"),
/// or the one the book names alongside it far more than anyone else ("the Jew").
pub(crate) fn book_epithet(cast: &Cast, e: &super::Epithets, head: &str) -> Option<usize> {
    let mut titled = (0..cast.people.len()).filter(|&id| has_title(cast, id, head));
    if let (Some(id), None) = (titled.next(), titled.next()) {
        return Some(id);
    }
    let row = e.cooccur.get(head)?;
    let (id, s) = row
        .keys()
        .filter_map(|&id| epithet_share(e, head, id).map(|s| (id, s)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))?;
    let n = row.get(&id).copied().unwrap_or(0);
    let second = row.iter().filter(|(k, _)| **k != id).map(|(_, v)| *v).max().unwrap_or(0);
    (s >= 0.3 && n >= 5 && n >= second * 2).then_some(id)
}

/// An action beat: the paragraph's narration names a character who is not being addressed.
fn beat(here: &Here, addressed: &[usize]) -> Option<Guess> {
    let free = |id: &&usize| !addressed.contains(id);
    if let Some(&first) = here.before.iter().find(free) {
        let alone = here.before.iter().filter(free).all(|&id| id == first);
        return Some(Guess { speaker: first, confidence: if alone { 0.75 } else { 0.6 }, evidence: "beat" });
    }
    let &first = here.after.iter().find(free)?;
    Some(Guess { speaker: first, confidence: 0.6, evidence: "beat" })
}

/// Narration between speeches usually turns to whoever speaks next: the last person the
/// preceding narration paragraph names (not one being addressed).
fn lead_in(cx: &Context, st: &State, addressed: &[usize]) -> Option<Guess> {
    let para = st.narrated.last()?;
    if let Some(&id) = para.iter().rev().find(|id| !addressed.contains(id)) {
        return Some(Guess { speaker: id, confidence: 0.45, evidence: "beat" });
    }
    let g = st.narrated_pronoun.filter(|_| para.is_empty())?;
    let no_one = Here { before: Vec::new(), after: Vec::new(), opening: None };
    let (id, _) = by_gender(cx, st, g, &no_one).filter(|(id, _)| !addressed.contains(id))?;
    Some(Guess { speaker: id, confidence: 0.35, evidence: "beat" })
}

/// The he or she that opens a narration paragraph naming nobody.
fn opening_pronoun(cx: &Context, lines: std::ops::Range<usize>) -> Option<Gender> {
    let mut mentions = lines.filter_map(|i| cx.mentions.get(i)).flatten();
    match mentions.next()? {
        Mention::Pronoun(g) => Some(*g),
        _ => None,
    }
}

/// No tag and no beat: the person addressed by the previous line answers, else the speaker
/// before the previous one (two people taking turns), else someone else recently named.
fn turn(cx: &Context, st: &State, addressed: &[usize]) -> Option<Guess> {
    let last = st.last_speaker();
    let free = |id: &usize| !addressed.contains(id) && Some(*id) != last;
    if let Some(&id) = st.addressed.iter().find(|id| free(id)) {
        return Some(Guess { speaker: id, confidence: 0.55, evidence: "vocative" });
    }
    let h = &st.history;
    if let Some(&before) = h.len().checked_sub(2).and_then(|k| h.get(k)).filter(|id| free(id)) {
        return Some(Guess { speaker: before, confidence: 0.5, evidence: "turn-taking" });
    }
    let other = st.recent.iter().rev().find(|id| free(id) && cx.cast.people.get(**id).is_some_and(|p| p.person));
    match (other, last) {
        (Some(&id), Some(_)) => Some(Guess { speaker: id, confidence: 0.4, evidence: "turn-other" }),
        (Some(&id), None) => Some(Guess { speaker: id, confidence: 0.25, evidence: "recent" }),
        (None, Some(id)) if !addressed.contains(&id) => {
            Some(Guess { speaker: id, confidence: 0.2, evidence: "recent" })
        }
        _ => None,
    }
}

fn is_dialogue(cx: &Context, i: usize) -> bool {
    cx.script.lines.get(i).is_some_and(|l| l.kind == Kind::Dialogue)
}

/// People named in a narration line, and in a first-person story "I".
fn people_in<'a>(cx: &'a Context, i: usize, lead_only: bool) -> impl Iterator<Item = usize> + 'a {
    cx.mentions.get(i).into_iter().flatten().filter_map(move |m| match *m {
        Mention::Person(id, lead) if (lead || !lead_only) && cx.cast.people.get(id).is_some_and(|p| p.person) => {
            Some(id)
        }
        _ => None,
    })
}

fn note_mentions(cx: &Context, st: &mut State, lines: std::ops::Range<usize>) {
    for i in lines {
        for id in people_in(cx, i, false) {
            st.see(id);
        }
    }
}

/// Whether `para` goes on with a speech left open at the end of `prev` (no closing mark).
fn continues(cx: &Context, prev: &Para, para: &Para) -> bool {
    continues_in(cx.text, cx.script, prev, para)
}

/// [`continues`] on the text and script alone.
pub(crate) fn continues_in(text: &str, script: &Script, prev: &Para, para: &Para) -> bool {
    let Some(last) = prev.lines.clone().last().and_then(|i| script.lines.get(i)) else { return false };
    let first_is_dialogue = script.lines.get(para.lines.start).is_some_and(|l| l.kind == Kind::Dialogue);
    if last.kind != Kind::Dialogue || !first_is_dialogue {
        return false;
    }
    let next = text.get(last.span.end..).and_then(|rest| rest.chars().find(|&c| c != ' ' && c != '\t'));
    next.is_none_or(|c| c.is_whitespace())
}

//! What the turns and the narration say, computed once per book: each turn's tags and
//! vocatives, the people each line names, and the small helpers the features share.

use super::super::characters::Cast;
use super::super::resolve::{self, Guess};
use super::super::{Mention, Reading, lexicon};
use super::{NS, S};
use crate::script::Gender;
use crate::script::{Kind, Script};
use std::ops::Range;

/// What each turn says outright: the people its tags name, whom it addresses.
#[derive(Default, Clone)]
pub(super) struct TurnFacts {
    pub para: usize,
    pub scene: usize,
    /// Serial number of its exchange: turns with no narration paragraph between them.
    pub run: usize,
    pub tagged: Vec<usize>,
    /// The rules' pick for the turn when a tag, the narrator's "I" or a lone beat made it.
    pub sure: Option<usize>,
    pub vocatives: Vec<usize>,
    /// The gender its words of address give the one it speaks to ("sir", "ma'am").
    pub addressed: Gender,
    pub gap: bool,
    pub continued: bool,
}

/// Descriptive tags ("the doctor", "the old man"): who the book calls that.
pub(super) fn noun_features(r: &Reading, head: &str, c: usize, x: &mut [f32; NS]) {
    let cast = &r.cast;
    let Some(p) = cast.people.get(c) else { return };
    if resolve::has_title(cast, c, head) {
        x[S::NounTitle as usize] = 1.0;
    }
    let e = &r.epithets;
    if let Some(n) = e.cooccur.get(head).and_then(|row| row.get(&c)) {
        let all = e.paragraphs.get(&c).copied().unwrap_or(0).max(1);
        if *n >= 3 {
            x[S::NounShare as usize] = (*n as f32 / all as f32).min(1.0);
        }
    }
    if resolve::book_epithet(cast, e, head) == Some(c) {
        x[S::NounBook as usize] = 1.0;
    }
    if e.stand_in.get(head) == Some(&c) {
        x[S::NounStandIn as usize] = 1.0;
        if lexicon::is_generic_head(head) {
            x[S::NounGenericStandIn as usize] = 1.0;
        }
    }
    let g = lexicon::noun_gender(head);
    if g != Gender::Unknown && p.gender == g {
        x[S::NounMatch as usize] = 1.0;
    } else if g != Gender::Unknown && p.gender != Gender::Unknown {
        x[S::NounClash as usize] = 1.0;
    }
    if lexicon::is_anaphoric_head(head) {
        x[S::NounAnaphoric as usize] = 1.0;
    }
}

pub(super) fn rule_feature(g: &Guess) -> S {
    match g.evidence {
        "tag" => S::RuleTag,
        "first-person" => S::RuleFirstPerson,
        "tag-pronoun" => S::RulePronoun,
        "tag-noun" => S::RuleNoun,
        "continued" => S::RuleContinued,
        "beat" => S::RuleBeat,
        "vocative" => S::RuleVocative,
        "turn-taking" => S::RuleTurn,
        "turn-other" => S::RuleTurnOther,
        _ => S::RuleRecent,
    }
}

/// The most recently named person of a gender.
pub(super) fn ranks_of_recent(recent: &[usize], cast: &Cast, g: Gender) -> Option<usize> {
    recent
        .iter()
        .rev()
        .copied()
        .find(|&id| cast.people.get(id).is_some_and(|p| p.gender == g && p.person) && Some(id) != cast.narrator)
}

pub(super) fn see(recent: &mut Vec<usize>, narrated: &mut Vec<usize>, id: usize) {
    if let Some(k) = recent.iter().position(|&r| r == id) {
        recent.remove(k);
    }
    recent.push(id);
    if recent.len() > 40 {
        recent.remove(0);
    }
    if !narrated.contains(&id) {
        narrated.push(id);
    }
}

/// People a narration line names (and, in a first-person story, "I"), with whether the
/// mention opens its sentence.
pub(super) fn persons(r: &Reading, i: usize) -> Vec<(usize, bool)> {
    r.mentions
        .get(i)
        .into_iter()
        .flatten()
        .filter_map(|m| match *m {
            Mention::Person(id, lead) if r.cast.people.get(id).is_some_and(|p| p.person) => Some((id, lead)),
            _ => None,
        })
        .collect()
}

/// People named anywhere inside a quotation.
pub(super) fn quote_names(r: &Reading, i: usize) -> Vec<usize> {
    let Some(t) = r.toks.get(i) else { return Vec::new() };
    let mut out = Vec::new();
    let mut k = 0;
    while k < t.len() {
        match r.cast.match_at(t, k) {
            Some((id, n)) => {
                if !out.contains(&id) && r.cast.people.get(id).is_some_and(|p| p.person) {
                    out.push(id);
                }
                k += n;
            }
            None => k += 1,
        }
    }
    out
}

/// The he or she that opens some narration lines naming nobody before it.
pub(super) fn opening_pronoun(r: &Reading, lines: Range<usize>) -> Option<Gender> {
    let mut mentions = lines.filter_map(|i| r.mentions.get(i)).flatten();
    match mentions.next()? {
        Mention::Pronoun(g) => Some(*g),
        _ => None,
    }
}

pub(super) fn scene_serial(script: &Script, para: &super::super::Para) -> usize {
    let _ = script;
    para.chapter * 100_000 + para.scene
}

/// A turn and its distance in turns.
pub(super) type Anchor<'a> = (usize, &'a TurnFacts);

/// The nearest turns after and before turn `t` in its exchange (not `t` itself) for which
/// `pick` holds, with their distance in turns.
pub(super) fn anchors(
    facts: &[TurnFacts],
    t: usize,
    pick: impl Fn(&TurnFacts) -> bool,
) -> (Option<Anchor<'_>>, Option<Anchor<'_>>) {
    let Some(run) = facts.get(t).map(|f| f.run) else { return (None, None) };
    let after = facts.iter().enumerate().skip(t + 1).take_while(|(_, o)| o.run == run).find(|(_, o)| pick(o));
    let before = facts[..t].iter().enumerate().rev().take_while(|(_, o)| o.run == run).find(|(_, o)| pick(o));
    (after.map(|(u, o)| (u - t, o)), before.map(|(u, o)| (t - u, o)))
}

pub(super) fn neighbour(facts: &[TurnFacts], t: usize, dt: i64) -> Option<&TurnFacts> {
    let j = usize::try_from(t as i64 + dt).ok()?;
    let (a, b) = (facts.get(t)?, facts.get(j)?);
    (a.scene == b.scene).then_some(b)
}

/// The dialogue paragraphs in order with their tags and vocatives.
pub(super) fn turn_facts(text: &str, script: &Script, r: &Reading) -> Vec<TurnFacts> {
    let mut out: Vec<TurnFacts> = Vec::new();
    let mut narration_since = false;
    let mut scene = usize::MAX;
    for (k, para) in r.paras.iter().enumerate() {
        let serial = scene_serial(script, para);
        if serial != scene {
            scene = serial;
            narration_since = false;
        }
        let dialogue: Vec<usize> =
            para.lines.clone().filter(|&i| script.lines.get(i).is_some_and(|l| l.kind == Kind::Dialogue)).collect();
        if dialogue.is_empty() {
            narration_since = true;
            continue;
        }
        let mut f = TurnFacts { para: k, scene, gap: narration_since, ..TurnFacts::default() };
        f.run = match out.last() {
            Some(p) if p.scene == scene && !narration_since => p.run,
            Some(p) => p.run + 1,
            None => 0,
        };
        for &i in &dialogue {
            if let Some(g) = r.rules.get(i).copied().flatten()
                && f.sure.is_none()
                && (matches!(g.evidence, "tag" | "first-person" | "tag-pronoun")
                    || g.evidence == "beat" && g.confidence >= 0.75)
            {
                f.sure = Some(g.speaker);
            }
            let Some(c) = r.cues.get(i) else { continue };
            if let Some(id) = c.named(r.cast.narrator)
                && !f.tagged.contains(&id)
            {
                f.tagged.push(id);
            }
            for g in c.forms.iter().map(|form| addressed_gender(form)) {
                f.addressed = match (f.addressed, g) {
                    (a, Gender::Unknown) => a,
                    (Gender::Unknown, g) => g,
                    (a, g) if a == g => a,
                    _ => Gender::Unknown,
                };
            }
            for &v in &c.vocatives {
                if !f.vocatives.contains(&v) {
                    f.vocatives.push(v);
                }
            }
        }
        f.continued = k > 0 && r.paras.get(k - 1).is_some_and(|p| resolve::continues_in(text, script, p, para));
        narration_since = false;
        out.push(f);
    }
    out
}

/// The gender of the one a word of address speaks to.
pub(super) fn addressed_gender(form: &str) -> Gender {
    match form {
        "sir" => Gender::Male,
        "madam" | "ma'am" | "miss" => Gender::Female,
        _ => Gender::Unknown,
    }
}

/// How many lines the book tags with each person's name: who the book's speakers are.
pub(super) fn book_tag_counts(r: &Reading, n: usize) -> Vec<u32> {
    let mut out = vec![0u32; n];
    for id in r.cues.iter().filter_map(|c| c.named(r.cast.narrator)) {
        if let Some(k) = out.get_mut(id) {
            *k += 1;
        }
    }
    out
}

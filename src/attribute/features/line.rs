//! One dialogue line: its candidates, and for each candidate what the line's tag, the beats
//! around it, the vocatives and tags of the neighbouring turns and salience say.

use super::super::resolve::{self, Guess};
use super::super::tags::Subject;
use super::super::{Cue, Place, lexicon};
use super::turns::{
    TurnFacts, anchors, neighbour, noun_features, opening_pronoun, persons, quote_names, ranks_of_recent, rule_feature,
};
use super::{Book, NS, Q, RECENT_CANDIDATES, S, Walk};
use crate::script::Gender;
use std::ops::Range;

/// What a dialogue paragraph says around its lines.
pub(super) struct Para {
    /// Its index in `Reading::paras` and its turn.
    k: usize,
    t: usize,
    /// Its first line.
    start: usize,
    /// People the tags of its exchange name.
    run_tagged: Vec<usize>,
    /// Narration mentions of the paragraph, in order: (line, person, opens a sentence).
    narr: Vec<(usize, usize, bool)>,
    /// Its speech tags and vocatives, with their lines.
    tags: Vec<(usize, Subject)>,
    vocs: Vec<(usize, usize)>,
}

impl Para {
    pub fn new(b: &Book, f: &TurnFacts, t: usize, k: usize, lines: Range<usize>) -> Para {
        let r = b.r;
        let run_tagged = b.facts.iter().filter(|o| o.run == f.run).flat_map(|o| o.tagged.iter().copied()).collect();
        let narr = lines.clone().flat_map(|i| persons(r, i).into_iter().map(move |(id, lead)| (i, id, lead))).collect();
        let tags = lines.clone().filter_map(|i| r.cues.get(i).and_then(|c| c.tag.clone()).map(|s| (i, s))).collect();
        let vocs = lines
            .clone()
            .flat_map(|i| {
                r.cues.get(i).map(|c| c.vocatives.clone()).unwrap_or_default().into_iter().map(move |v| (i, v))
            })
            .collect();
        Para { k, t, start: lines.start, run_tagged, narr, tags, vocs }
    }
}

/// A dialogue line and what the text around it says.
pub(super) struct Line {
    i: usize,
    /// It opens its paragraph's dialogue.
    first: bool,
    cue: Cue,
    /// Narration mentions before it in the paragraph (person, opens a sentence).
    before: Vec<(usize, bool)>,
    /// People named after it, opening a sentence, and at all.
    after: Vec<usize>,
    after_any: Vec<usize>,
    /// People named inside the quotation.
    pub in_quote: Vec<usize>,
    /// The hand-written rules' pick.
    pub rule: Option<Guess>,
    opening: Option<Gender>,
    /// The pronoun of its tag, or of another tag of the paragraph.
    pronoun: Option<Gender>,
    own_pronoun: bool,
    /// The most recently named people of that pronoun's gender.
    ranks: Vec<usize>,
    /// The most recently named people of the gender of a descriptive tag ("the girl"), leaving
    /// out characters named by an epithet.
    noun_ranks: Vec<usize>,
    /// A tag or a beat names someone.
    tagged: bool,
}

impl Line {
    pub fn new(b: &Book, w: &Walk, p: &Para, i: usize, first: bool) -> Line {
        let r = b.r;
        let cue = r.cues.get(i).cloned().unwrap_or_default();
        let before: Vec<(usize, bool)> = p.narr.iter().filter(|m| m.0 < i).map(|m| (m.1, m.2)).collect();
        let pronoun = match &cue.tag {
            Some(Subject::Pronoun(g)) => Some(*g),
            _ => p.tags.iter().find_map(|(_, s)| if let Subject::Pronoun(g) = s { Some(*g) } else { None }),
        };
        let ranks = pronoun.map(|g| pronoun_ranks(b, w, &before, g, false)).unwrap_or_default();
        let noun_ranks = match &cue.tag {
            Some(Subject::Noun(head)) if !lexicon::is_anaphoric_head(head) => {
                Some(lexicon::noun_gender(head)).filter(|g| *g != Gender::Unknown)
            }
            _ => None,
        }
        .map(|g| pronoun_ranks(b, w, &before, g, true))
        .unwrap_or_default();
        let tagged = matches!(cue.tag, Some(Subject::Person(_) | Subject::Narrator)) || before.iter().any(|m| m.1);
        Line {
            i,
            first,
            own_pronoun: matches!(cue.tag, Some(Subject::Pronoun(_))),
            after: p.narr.iter().filter(|m| m.0 > i && m.2).map(|m| m.1).collect(),
            after_any: p.narr.iter().filter(|m| m.0 > i).map(|m| m.1).collect(),
            in_quote: quote_names(r, i),
            rule: r.rules.get(i).copied().flatten(),
            opening: opening_pronoun(r, p.start..i),
            cue,
            before,
            pronoun,
            ranks,
            noun_ranks,
            tagged,
        }
    }

    /// The people who might say the line.
    pub fn candidates(&self, b: &Book, w: &Walk, p: &Para) -> Vec<usize> {
        let (r, cast) = (b.r, &b.r.cast);
        let n_people = cast.people.len();
        let mut cands: Vec<usize> = w.recent.iter().rev().take(RECENT_CANDIDATES).copied().collect();
        let mut add = |id: usize| {
            if id < n_people && !cands.contains(&id) {
                cands.push(id);
            }
        };
        for (_, s) in &p.tags {
            if let Subject::Person(id) = s {
                add(*id);
            }
        }
        if let Some(n) = cast.narrator {
            add(n);
        }
        if let Some(g) = self.rule {
            add(g.speaker);
        }
        self.before.iter().for_each(|m| add(m.0));
        self.after_any.iter().for_each(|&id| add(id));
        w.prev_narr.iter().for_each(|m| add(m.0));
        for dt in [-2i64, -1, 1, 2] {
            let Some(o) = neighbour(&b.facts, p.t, dt) else { continue };
            o.tagged.iter().chain(&o.vocatives).for_each(|&id| add(id));
        }
        if let Some(Subject::Noun(head) | Subject::Relative(head, _)) = &self.cue.tag {
            if let Some(&id) = r.epithets.stand_in.get(head) {
                add(id);
            }
            if let Some(id) = resolve::book_epithet(cast, &r.epithets, head) {
                add(id);
            }
        }
        self.noun_ranks.iter().take(2).for_each(|&id| add(id));
        self.spouses(b, w, p).into_iter().for_each(&mut add);
        // "Ann's mother said" is never Ann.
        if let Some(Subject::Relative(_, Some(of))) = &self.cue.tag {
            cands.retain(|c| c != of);
        }
        cands.sort_unstable();
        cands
    }

    /// For "said his wife" or "her husband": the wives or husbands, by title and surname, of the
    /// people in the scene ("Mrs. Bennet" for "Mr. Bennet"), though the story may not have named
    /// them yet.
    fn spouses(&self, b: &Book, w: &Walk, p: &Para) -> Vec<usize> {
        let Some(Subject::Relative(head, _)) = &self.cue.tag else { return Vec::new() };
        if !matches!(head.as_str(), "wife" | "husband" | "lady") {
            return Vec::new();
        }
        let cast = &b.r.cast;
        let g = lexicon::noun_gender(head);
        let mut near: Vec<usize> = w.recent.iter().rev().take(8).copied().collect();
        near.extend(self.cue.vocatives.iter().copied());
        for dt in [-1i64, 1] {
            if let Some(o) = neighbour(&b.facts, p.t, dt) {
                near.extend(o.tagged.iter().chain(&o.vocatives).copied());
            }
        }
        let mut out: Vec<usize> = near
            .into_iter()
            .filter_map(|id| cast.spouse(id))
            .filter(|&s| cast.people.get(s).is_some_and(|q| q.gender == g))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Of the lines tagged with a name (this one aside) that address someone as this line
    /// does ("Miss Eliza", "papa"), the share that `c` speaks: people keep their ways of address.
    fn address_share(&self, b: &Book, c: usize) -> f32 {
        let own = self.cue.named(b.r.cast.narrator);
        let mut best = 0f32;
        for f in &self.cue.forms {
            let Some(users) = b.r.form_users.get(f) else { continue };
            let mut all: u32 = users.values().sum();
            let mut mine = users.get(&c).copied().unwrap_or(0);
            if let Some(o) = own {
                all = all.saturating_sub(1);
                if o == c {
                    mine = mine.saturating_sub(1);
                }
            }
            if all >= 2 {
                best = best.max(mine as f32 / all as f32);
            }
        }
        best
    }

    /// The features of candidate `c`.
    pub fn features(&self, b: &Book, w: &Walk, p: &Para, c: usize) -> [f32; NS] {
        let mut x = [0f32; NS];
        self.tag_features(b, p, c, &mut x);
        if self.spouses(b, w, p).contains(&c) {
            x[S::RelSpouse as usize] = 1.0;
        }
        x[S::AddressForm as usize] = self.address_share(b, c);
        self.pronoun_features(b, w, c, &mut x);
        self.beat_features(b, w, c, &mut x);
        self.turn_features(b, p, c, &mut x);
        self.salience_features(b, w, p, c, &mut x);
        x
    }

    /// The line as a question for the decoder.
    pub fn q(&self, turn: usize, cands: Range<usize>) -> Q {
        Q {
            line: self.i,
            turn,
            cands,
            first_in_turn: self.first,
            kind: match &self.cue.tag {
                Some(Subject::Person(_) | Subject::Newcomer(_)) => 0,
                Some(Subject::Narrator) => 1,
                Some(Subject::Pronoun(_)) => 2,
                Some(Subject::Noun(_) | Subject::Relative(..)) => 3,
                None if self.first => 4,
                None => 5,
            },
            pronoun: if self.own_pronoun { self.pronoun } else { None },
            tagged: self.tagged,
        }
    }

    /// The line's own tag, and the other tags of its paragraph.
    fn tag_features(&self, b: &Book, p: &Para, c: usize, x: &mut [f32; NS]) {
        let cast = &b.r.cast;
        let mut set = |f: S, v: f32| x[f as usize] = v;
        match &self.cue.tag {
            Some(Subject::Person(id)) if *id == c => {
                set(S::TagName, 1.0);
                match self.cue.place {
                    Place::After => set(S::TagNameAfter, 1.0),
                    Place::LeadIn => set(S::TagNameLeadIn, 1.0),
                    _ => {}
                }
            }
            Some(Subject::Person(_) | Subject::Newcomer(_)) => set(S::TagOther, 1.0),
            Some(Subject::Narrator) if cast.narrator == Some(c) => set(S::TagNarrator, 1.0),
            Some(Subject::Narrator) => set(S::TagINotNarrator, 1.0),
            Some(Subject::Noun(head)) => {
                noun_features(b.r, head, c, x);
                match self.noun_ranks.iter().position(|&id| id == c) {
                    Some(0) => x[S::NounRank1 as usize] = 1.0,
                    Some(1) => x[S::NounRank2 as usize] = 1.0,
                    _ => {}
                }
            }
            Some(Subject::Relative(head, of)) => relative_features(b, head, *of, c, x),
            Some(Subject::Pronoun(_)) => {}
            None => {
                for (j, s) in &p.tags {
                    match s {
                        Subject::Person(id) if *id == c && *j != self.i => set(S::TagNamePara, 1.0),
                        Subject::Narrator if cast.narrator == Some(c) && *j != self.i => set(S::TagNarratorPara, 1.0),
                        _ => {}
                    }
                }
            }
        }
    }

    /// A pronoun tag ("she said"): gender agreement and how recently each is named.
    fn pronoun_features(&self, b: &Book, w: &Walk, c: usize, x: &mut [f32; NS]) {
        let Some(g) = self.pronoun else { return };
        let p = &b.r.cast.people[c];
        let mut set = |f: S, v: f32| x[f as usize] = v;
        // A first-person narrator is "I", never the "he" or "she" of a tag.
        if b.r.cast.narrator == Some(c) {
            set(S::PronClash, 1.0);
            return;
        }
        if p.gender == g {
            set(S::PronMatch, 1.0);
        } else if p.gender == Gender::Unknown {
            set(S::PronUnknown, 1.0);
        } else {
            set(S::PronClash, 1.0);
        }
        match self.ranks.iter().position(|&id| id == c) {
            Some(0) => set(S::PronRank1, 1.0),
            Some(1) => set(S::PronRank2, 1.0),
            Some(_) => set(S::PronRank3, 1.0),
            None => {}
        }
        if p.gender == g && self.before.iter().any(|m| m.0 == c) {
            set(S::PronHere, 1.0);
        }
        if p.gender == g && self.before.iter().any(|m| m.0 == c && m.1) {
            set(S::PronLead, 1.0);
        }
        if p.gender == g && w.narrated.contains(&c) {
            set(S::PronPrevNarr, 1.0);
        }
        if self.own_pronoun && self.opening == Some(g) && self.before.first().is_some_and(|m| m.0 == c) {
            set(S::PronOpening, 1.0);
        }
    }

    /// Beats: names in the paragraph's narration, and in the narration paragraph just before.
    fn beat_features(&self, b: &Book, w: &Walk, c: usize, x: &mut [f32; NS]) {
        let mut set = |f: S, v: f32| x[f as usize] = v;
        // The subject of the line's own tag before it ("Tom replied,") is the tag, not a beat as well.
        if matches!(self.cue.place, Place::Before | Place::LeadIn) && self.cue.tag == Some(Subject::Person(c)) {
            return;
        }
        let free = |id: usize| !self.cue.vocatives.contains(&id);
        if self.before.iter().map(|m| m.0).find(|&id| free(id)) == Some(c) {
            set(S::BeatFirst, 1.0);
            if self.cue.tag.is_none() {
                set(S::NoTagBeatFirst, 1.0);
            }
        }
        if self.before.iter().any(|m| m.0 == c) {
            set(S::BeatBefore, 1.0);
            if self.before.iter().all(|m| m.0 == c) {
                set(S::BeatOnly, 1.0);
            }
            if self.before.iter().any(|m| m.0 == c && m.1) {
                set(S::BeatLead, 1.0);
            }
        }
        if self.after.first() == Some(&c) {
            set(S::BeatAfterLead, 1.0);
        }
        if self.after_any.contains(&c) {
            set(S::BeatAfter, 1.0);
        }
        if !self.first {
            return;
        }
        let prev = &w.prev_narr;
        if prev.first().is_some_and(|m| m.0 == c) {
            set(S::PrevNarrFirst, 1.0);
        }
        if prev.last().is_some_and(|m| m.0 == c) {
            set(S::PrevNarrLast, 1.0);
        }
        if prev.iter().any(|m| m.0 == c && m.1) {
            set(S::PrevNarrLead, 1.0);
        }
        if prev.iter().any(|m| m.0 == c) {
            set(S::PrevNarrAny, 1.0);
        }
        let cast = &b.r.cast;
        if let Some(g) = w.prev_pronoun.filter(|_| prev.is_empty())
            && cast.people[c].gender == g
            && ranks_of_recent(&w.recent, cast, g) == Some(c)
        {
            set(S::PrevNarrPron, 1.0);
        }
    }

    /// Vocatives in this and the neighbouring turns, tags of the neighbouring turns, and the
    /// nearest tagged or sure turns of the exchange.
    fn turn_features(&self, b: &Book, p: &Para, c: usize, x: &mut [f32; NS]) {
        let (facts, t) = (&b.facts, p.t);
        let mut set = |f: S, v: f32| x[f as usize] = v;
        if self.cue.vocatives.contains(&c) {
            set(S::VocSelf, 1.0);
        }
        if p.vocs.iter().any(|&(j, v)| j != self.i && v == c) {
            set(S::VocPara, 1.0);
        }
        if neighbour(facts, t, -1).is_some_and(|o| o.vocatives.contains(&c)) {
            set(S::VocPrev, 1.0);
        }
        if neighbour(facts, t, 1).is_some_and(|o| o.vocatives.contains(&c)) {
            set(S::VocNext, 1.0);
        }
        let g = b.r.cast.people.get(c).map_or(Gender::Unknown, |p| p.gender);
        if g != Gender::Unknown {
            match neighbour(facts, t, -1).map(|o| o.addressed) {
                Some(a) if a == g => set(S::AddressedByPrevious, 1.0),
                Some(Gender::Unknown) | None => {}
                Some(_) => set(S::NotAddressedByPrevious, 1.0),
            }
            if facts.get(t).is_some_and(|o| o.addressed == g) {
                set(S::AddressesOwnGender, 1.0);
            }
        }
        if self.in_quote.contains(&c) && !self.cue.vocatives.contains(&c) {
            set(S::NamedInQuote, 1.0);
        }
        for (dt, f) in [(-1, S::TagPrevTurn), (1, S::TagNextTurn), (-2, S::TagPrev2Turn), (2, S::TagNext2Turn)] {
            if neighbour(facts, t, dt).is_some_and(|o| o.tagged.contains(&c)) {
                set(f, 1.0);
            }
        }
        let parity = |d: usize, even: S, odd: S| if d.is_multiple_of(2) { even } else { odd };
        let (aft, bef) = anchors(facts, t, |o| !o.tagged.is_empty());
        if let Some((d, _)) = aft.filter(|a| a.1.tagged.contains(&c)) {
            set(parity(d, S::AnchorAfterEven, S::AnchorAfterOdd), 1.0);
        }
        if let Some((d, _)) = bef.filter(|a| a.1.tagged.contains(&c)) {
            set(parity(d, S::AnchorBeforeEven, S::AnchorBeforeOdd), 1.0);
        }
        let (aft, bef) = anchors(facts, t, |o| o.sure.is_some());
        if let Some((d, _)) = aft.filter(|a| a.1.sure == Some(c)) {
            set(parity(d, S::RuleAnchorAfterEven, S::RuleAnchorAfterOdd), 1.0);
        }
        if let Some((d, _)) = bef.filter(|a| a.1.sure == Some(c)) {
            set(parity(d, S::RuleAnchorBeforeEven, S::RuleAnchorBeforeOdd), 1.0);
        }
        if p.run_tagged.contains(&c) {
            set(S::RunParticipant, 1.0);
        }
    }

    /// How recently and how often the candidate is named, who they are, and the rules' pick.
    fn salience_features(&self, b: &Book, w: &Walk, p: &Para, c: usize, x: &mut [f32; NS]) {
        let (cast, k) = (&b.r.cast, p.k);
        let person = &cast.people[c];
        let mut set = |f: S, v: f32| x[f as usize] = v;
        match w.last_para[c].map(|l| k - l) {
            Some(0..=1) => set(S::Recent0, 1.0),
            Some(2..=5) => set(S::Recent1, 1.0),
            Some(6..=20) => set(S::Recent2, 1.0),
            _ => {}
        }
        if w.last_dialogue[c].is_some_and(|l| k - l <= 5) {
            set(S::RecentD, 1.0);
        }
        if let Some(pos) = w.recent.iter().rev().position(|&id| id == c) {
            set(S::RecencyRank, 1.0 / (1.0 + pos as f32));
        }
        set(S::SceneMentions, (1.0 + w.scene_count[c] as f32).ln() / 4.0);
        set(S::BookMentions, (1.0 + person.mentions as f32).ln() / (1.0 + b.max_mentions).ln());
        set(S::BookTags, (1.0 + b.book_tags[c] as f32).ln() / (1.0 + b.max_tags).ln());
        if cast.narrator == Some(c) {
            set(S::Narrator, 1.0);
            if !self.tagged {
                set(S::NarratorUntagged, 1.0);
            }
        }
        set(S::PersonProb, person.person_prob);
        if person.epithet {
            set(S::Epithet, 1.0);
        }
        if person.gender == Gender::Unknown {
            set(S::GenderUnknown, 1.0);
        }
        if let Some(g) = self.rule.filter(|g| g.speaker == c) {
            set(rule_feature(&g), 1.0);
        }
    }
}

/// A relative tag ("her mother said"): the relation's gender, the possessor, an elder's title.
fn relative_features(b: &Book, head: &str, of: Option<usize>, c: usize, x: &mut [f32; NS]) {
    let p = &b.r.cast.people[c];
    let g = lexicon::noun_gender(head);
    if g != Gender::Unknown && p.gender == g {
        x[S::RelMatch as usize] = 1.0;
    } else if g != Gender::Unknown && p.gender != Gender::Unknown {
        x[S::RelClash as usize] = 1.0;
    }
    if of == Some(c) {
        x[S::RelPossessor as usize] = 1.0;
    }
    let elder = matches!(head, "mother" | "father" | "wife" | "husband" | "aunt" | "uncle" | "lady" | "mamma" | "papa");
    let titled =
        p.title.as_deref().is_some_and(|t| matches!(t, "mrs" | "mr" | "lady" | "sir" | "lord" | "aunt" | "uncle"));
    if elder && titled {
        x[S::RelElder as usize] = 1.0;
    }
    noun_features(b.r, head, c, x);
}

/// The people of gender `g` most recently named (in the paragraph before the line first), not
/// the narrator: the likely referents of a pronoun tag, or with `named` (characters named by an
/// epithet left out) of a descriptive one.
fn pronoun_ranks(b: &Book, w: &Walk, before: &[(usize, bool)], g: Gender, named: bool) -> Vec<usize> {
    let cast = &b.r.cast;
    let mut order: Vec<usize> = Vec::new();
    for &id in before.iter().map(|m| &m.0).rev().chain(w.recent.iter().rev()) {
        if !order.contains(&id) {
            order.push(id);
        }
    }
    order
        .into_iter()
        .filter(|&id| {
            cast.people.get(id).is_some_and(|p| p.gender == g && p.person && !(named && p.epithet))
                && Some(id) != cast.narrator
        })
        .take(3)
        .collect()
}

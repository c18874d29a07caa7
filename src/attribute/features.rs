//! Candidates and features: for every dialogue line, the people who might say it, each with a
//! vector of what the text says for and against them.
//!
//! The features here do not depend on any decision: speech tags, action beats, names in the
//! narration around the line, vocatives in this and the neighbouring turns, how recently and
//! how often someone is named, the hand-written rules' own pick. What depends on the speakers
//! chosen for the earlier lines (who spoke the turn before, two turns before...) is computed
//! while decoding (`model.rs`), from the same tables.

use super::characters::Cast;
use super::resolve::{self, Guess};
use super::tags::Subject;
use super::{Mention, Place, Reading, lexicon};
use crate::script::Gender;
use crate::script::{Kind, Script};
use std::ops::Range;

macro_rules! features {
    ($enum:ident, $table:ident, $count:ident; $($name:ident = $label:literal, $group:literal;)*) => {
        /// Feature indexes.
        #[allow(dead_code)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(usize)]
        pub(crate) enum $enum { $($name,)* }
        /// Feature names and the evidence each one gives when it decides a line.
        pub(crate) const $table: &[(&str, &str)] = &[$(($label, $group),)*];
        pub(crate) const $count: usize = $table.len();
    };
}

features! { S, STATIC, NS;
    TagName = "tag_name", "tag";
    TagNameAfter = "tag_name_after", "tag";
    TagNameLeadIn = "tag_name_lead_in", "tag";
    TagNamePara = "tag_name_para", "tag";
    TagOther = "tag_names_other", "tag";
    TagNarrator = "tag_narrator", "first-person";
    TagNarratorPara = "tag_narrator_para", "first-person";
    TagINotNarrator = "tag_i_not_narrator", "first-person";
    PronMatch = "pron_match", "tag-pronoun";
    PronClash = "pron_clash", "tag-pronoun";
    PronUnknown = "pron_gender_unknown", "tag-pronoun";
    PronRank1 = "pron_rank1", "tag-pronoun";
    PronRank2 = "pron_rank2", "tag-pronoun";
    PronRank3 = "pron_rank3", "tag-pronoun";
    PronHere = "pron_named_before_in_paragraph", "tag-pronoun";
    PronLead = "pron_subject_before_in_paragraph", "tag-pronoun";
    PronPrevNarr = "pron_named_in_narration_since", "tag-pronoun";
    PronOpening = "pron_after_own_opening_pronoun", "tag-pronoun";
    NounTitle = "noun_title", "tag-noun";
    NounShare = "noun_cooccurrence", "tag-noun";
    NounBook = "noun_book_epithet", "tag-noun";
    NounStandIn = "noun_stand_in", "tag-noun";
    NounMatch = "noun_gender_match", "tag-noun";
    NounClash = "noun_gender_clash", "tag-noun";
    NounAnaphoric = "noun_anaphoric", "tag-noun";
    RelMatch = "relative_gender_match", "tag-noun";
    RelClash = "relative_gender_clash", "tag-noun";
    RelPossessor = "relative_possessor", "tag-noun";
    RelElder = "relative_elder_title", "tag-noun";
    NoTagBeatFirst = "untagged_beat_first", "beat";
    BeatFirst = "beat_first", "beat";
    BeatBefore = "beat_before", "beat";
    BeatOnly = "beat_only", "beat";
    BeatLead = "beat_lead", "beat";
    BeatAfterLead = "beat_after_lead", "beat";
    BeatAfter = "beat_after", "beat";
    PrevNarrFirst = "previous_narration_first", "beat";
    PrevNarrLast = "previous_narration_last", "beat";
    PrevNarrLead = "previous_narration_lead", "beat";
    PrevNarrAny = "previous_narration_any", "beat";
    PrevNarrPron = "previous_narration_pronoun", "beat";
    VocSelf = "addressed_here", "vocative";
    VocPara = "addressed_in_paragraph", "vocative";
    VocPrev = "addressed_by_previous_turn", "vocative";
    VocNext = "addressed_by_next_turn", "vocative";
    NamedInQuote = "named_in_own_quote", "recent";
    TagPrevTurn = "tagged_previous_turn", "turn-taking";
    TagNextTurn = "tagged_next_turn", "turn-taking";
    TagPrev2Turn = "tagged_two_turns_before", "turn-taking";
    TagNext2Turn = "tagged_two_turns_after", "turn-taking";
    AnchorAfterEven = "next_tag_of_exchange_even_turns_after", "turn-taking";
    AnchorAfterOdd = "next_tag_of_exchange_odd_turns_after", "turn-taking";
    AnchorBeforeEven = "last_tag_of_exchange_even_turns_before", "turn-taking";
    AnchorBeforeOdd = "last_tag_of_exchange_odd_turns_before", "turn-taking";
    RuleAnchorAfterEven = "next_sure_rule_even_turns_after", "turn-taking";
    RuleAnchorAfterOdd = "next_sure_rule_odd_turns_after", "turn-taking";
    RuleAnchorBeforeEven = "last_sure_rule_even_turns_before", "turn-taking";
    RuleAnchorBeforeOdd = "last_sure_rule_odd_turns_before", "turn-taking";
    RunParticipant = "tagged_in_exchange", "turn-taking";
    Recent0 = "named_this_or_last_paragraph", "recent";
    Recent1 = "named_2_to_5_paragraphs_ago", "recent";
    Recent2 = "named_6_to_20_paragraphs_ago", "recent";
    RecentD = "named_in_dialogue_lately", "recent";
    RecencyRank = "recency_rank", "recent";
    SceneMentions = "scene_mentions", "recent";
    BookMentions = "book_mentions", "recent";
    BookTags = "book_tagged_lines", "recent";
    Narrator = "narrator", "first-person";
    NarratorUntagged = "narrator_untagged", "first-person";
    PersonProb = "person_probability", "recent";
    Epithet = "epithet", "tag-noun";
    GenderUnknown = "gender_unknown", "recent";
    RuleTag = "rule_tag", "tag";
    RuleFirstPerson = "rule_first_person", "first-person";
    RulePronoun = "rule_tag_pronoun", "tag-pronoun";
    RuleNoun = "rule_tag_noun", "tag-noun";
    RuleContinued = "rule_continued", "continued";
    RuleBeat = "rule_beat", "beat";
    RuleVocative = "rule_vocative", "vocative";
    RuleTurn = "rule_turn_taking", "turn-taking";
    RuleTurnOther = "rule_turn_other", "turn-taking";
    RuleRecent = "rule_recent", "recent";
}

/// Kinds of lines, each with its own weights: a tag naming someone, the narrator's "I", a
/// pronoun tag, a descriptive tag ("the doctor", "her mother"), an untagged line opening its
/// paragraph, an untagged line after another in the same paragraph.
pub(crate) const KINDS: &[&str] = &["name", "narrator", "pronoun", "noun", "untagged", "same-paragraph"];

/// One dialogue line to decide.
#[derive(Debug, Clone)]
pub(crate) struct Q {
    /// Index into `Script::lines`.
    pub line: usize,
    /// Index into `Table::turns`.
    pub turn: usize,
    /// The line's candidates: a range of `Table::ids` and `Table::xs`.
    pub cands: Range<usize>,
    /// Whether the line opens its paragraph's dialogue.
    pub first_in_turn: bool,
    /// Index into `KINDS`.
    pub kind: usize,
    /// A tag with a pronoun: he or she.
    pub pronoun: Option<Gender>,
    /// The line has a tag or a beat naming someone: history matters less.
    pub tagged: bool,
}

/// A dialogue paragraph.
#[derive(Debug, Clone)]
pub(crate) struct Turn {
    /// Its lines: a range of `Table::qs`.
    pub qs: Range<usize>,
    /// Serial number of its scene (chapter and scene).
    pub scene: usize,
    /// Narration paragraphs stand between it and the previous turn of the scene.
    pub gap: bool,
    /// Goes on with a speech left open at the end of the previous paragraph.
    pub continued: bool,
}

/// Every dialogue line of a story with its candidates and their static features.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub qs: Vec<Q>,
    pub turns: Vec<Turn>,
    /// Candidate person ids, one per row.
    pub ids: Vec<usize>,
    /// Candidate features, one row per candidate.
    pub xs: Vec<[f32; NS]>,
}

/// How many of the most recently named people are candidates for every line.
const RECENT_CANDIDATES: usize = 10;

/// What each turn says outright: the people its tags name, whom it addresses.
#[derive(Default, Clone)]
struct TurnFacts {
    para: usize,
    scene: usize,
    /// Serial number of its exchange: turns with no narration paragraph between them.
    run: usize,
    tagged: Vec<usize>,
    /// The rules' pick for the turn when a tag, the narrator's "I" or a lone beat made it.
    sure: Option<usize>,
    vocatives: Vec<usize>,
    gap: bool,
    continued: bool,
}

/// Builds the candidates and features of every dialogue line.
pub(crate) fn build(text: &str, script: &Script, r: &Reading) -> Table {
    let cast = &r.cast;
    let n_people = cast.people.len();
    let facts = turn_facts(text, script, r);
    let book_tags = book_tag_counts(r, n_people);
    let max_tags = book_tags.iter().copied().max().unwrap_or(0).max(1) as f32;
    let max_mentions = cast.people.iter().map(|p| p.mentions).max().unwrap_or(0).max(1) as f32;
    let mut table = Table::default();
    // State while reading in order.
    let mut last_para: Vec<Option<usize>> = vec![None; n_people];
    let mut last_dialogue: Vec<Option<usize>> = vec![None; n_people];
    let mut scene_count: Vec<u32> = vec![0; n_people];
    let mut recent: Vec<usize> = Vec::new();
    let mut narrated: Vec<usize> = Vec::new();
    let mut prev_narr: Vec<(usize, bool)> = Vec::new();
    let mut prev_pronoun: Option<Gender> = None;
    let mut scene = usize::MAX;
    let mut turn_of_para = vec![usize::MAX; r.paras.len()];
    for (t, f) in facts.iter().enumerate() {
        if let Some(slot) = turn_of_para.get_mut(f.para) {
            *slot = t;
        }
    }
    for (k, para) in r.paras.iter().enumerate() {
        let serial = scene_serial(script, para);
        if serial != scene {
            scene = serial;
            scene_count.iter_mut().for_each(|c| *c = 0);
            prev_narr.clear();
            prev_pronoun = None;
        }
        let t = turn_of_para.get(k).copied().unwrap_or(usize::MAX);
        let Some(f) = facts.get(t) else {
            // A narration paragraph: note who it names.
            let mut people = Vec::new();
            for i in para.lines.clone() {
                for (id, lead) in persons(r, i) {
                    see(&mut recent, &mut narrated, id);
                    last_para[id] = Some(k);
                    scene_count[id] += 1;
                    people.push((id, lead));
                }
            }
            prev_pronoun = opening_pronoun(r, para.lines.clone());
            prev_narr = people;
            continue;
        };
        let q_start = table.qs.len();
        let run_tagged: Vec<usize> =
            facts.iter().filter(|o| o.run == f.run).flat_map(|o| o.tagged.iter().copied()).collect();
        // Narration mentions of the paragraph, in order, with the line each is in.
        let narr: Vec<(usize, usize, bool)> =
            para.lines.clone().flat_map(|i| persons(r, i).into_iter().map(move |(id, lead)| (i, id, lead))).collect();
        let para_tags: Vec<(usize, Subject)> =
            para.lines.clone().filter_map(|i| r.cues.get(i).and_then(|c| c.tag.clone()).map(|s| (i, s))).collect();
        let para_vocs: Vec<(usize, usize)> = para
            .lines
            .clone()
            .flat_map(|i| {
                r.cues.get(i).map(|c| c.vocatives.clone()).unwrap_or_default().into_iter().map(move |v| (i, v))
            })
            .collect();
        let mut first_line = true;
        for i in para.lines.clone() {
            let line = &script.lines[i];
            if line.kind == Kind::Narration {
                for (id, _) in persons(r, i) {
                    see(&mut recent, &mut narrated, id);
                    last_para[id] = Some(k);
                    scene_count[id] += 1;
                }
                continue;
            }
            if line.kind != Kind::Dialogue {
                continue;
            }
            let cue = r.cues.get(i).cloned().unwrap_or_default();
            let before: Vec<(usize, bool)> = narr.iter().filter(|m| m.0 < i).map(|m| (m.1, m.2)).collect();
            let after: Vec<usize> = narr.iter().filter(|m| m.0 > i && m.2).map(|m| m.1).collect();
            let after_any: Vec<usize> = narr.iter().filter(|m| m.0 > i).map(|m| m.1).collect();
            let in_quote = quote_names(r, i);
            let rule = r.rules.get(i).copied().flatten();
            let opening = opening_pronoun(r, para.lines.start..i);
            // Candidates.
            let mut cands: Vec<usize> = recent.iter().rev().take(RECENT_CANDIDATES).copied().collect();
            let mut add = |id: usize| {
                if id < n_people && !cands.contains(&id) {
                    cands.push(id);
                }
            };
            for (_, s) in &para_tags {
                if let Subject::Person(id) = s {
                    add(*id);
                }
            }
            if let Some(n) = cast.narrator {
                add(n);
            }
            if let Some(g) = rule {
                add(g.speaker);
            }
            before.iter().for_each(|m| add(m.0));
            after_any.iter().for_each(|&id| add(id));
            prev_narr.iter().for_each(|m| add(m.0));
            for dt in [-2i64, -1, 1, 2] {
                let Some(o) = neighbour(&facts, t, dt) else { continue };
                o.tagged.iter().chain(&o.vocatives).for_each(|&id| add(id));
            }
            if let Some(Subject::Noun(head) | Subject::Relative(head, _)) = &cue.tag {
                if let Some(&id) = r.epithets.stand_in.get(head) {
                    add(id);
                }
                if let Some(id) = resolve::book_epithet(cast, &r.epithets, head) {
                    add(id);
                }
            }
            // "Ann's mother said" is never Ann.
            if let Some(Subject::Relative(_, Some(of))) = &cue.tag {
                cands.retain(|c| c != of);
            }
            cands.sort_unstable();
            // Gender ranks for a pronoun tag: the most recently named people of that gender.
            let pronoun = match &cue.tag {
                Some(Subject::Pronoun(g)) => Some(*g),
                _ => para_tags.iter().find_map(|(_, s)| if let Subject::Pronoun(g) = s { Some(*g) } else { None }),
            };
            let own_pronoun = matches!(cue.tag, Some(Subject::Pronoun(_)));
            let rank_of = |g: Gender| -> Vec<usize> {
                let mut order: Vec<usize> = Vec::new();
                for &(id, _) in before.iter().rev() {
                    if !order.contains(&id) {
                        order.push(id);
                    }
                }
                for &id in recent.iter().rev() {
                    if !order.contains(&id) {
                        order.push(id);
                    }
                }
                order
                    .into_iter()
                    .filter(|&id| {
                        cast.people.get(id).is_some_and(|p| p.gender == g && p.person) && Some(id) != cast.narrator
                    })
                    .take(3)
                    .collect()
            };
            let ranks = pronoun.map(rank_of).unwrap_or_default();
            let tagged_here =
                matches!(cue.tag, Some(Subject::Person(_) | Subject::Narrator)) || before.iter().any(|m| m.1);
            let q = table.qs.len();
            let start = table.ids.len();
            for &c in &cands {
                let p = &cast.people[c];
                let mut x = [0f32; NS];
                let mut set = |f: S, v: f32| x[f as usize] = v;
                // The line's own tag.
                match &cue.tag {
                    Some(Subject::Person(id)) if *id == c => {
                        set(S::TagName, 1.0);
                        match cue.place {
                            Place::After => set(S::TagNameAfter, 1.0),
                            Place::LeadIn => set(S::TagNameLeadIn, 1.0),
                            _ => {}
                        }
                    }
                    Some(Subject::Person(_)) => set(S::TagOther, 1.0),
                    Some(Subject::Narrator) if cast.narrator == Some(c) => set(S::TagNarrator, 1.0),
                    Some(Subject::Narrator) => set(S::TagINotNarrator, 1.0),
                    Some(Subject::Noun(head)) => noun_features(r, head, c, &mut x),
                    Some(Subject::Relative(head, of)) => {
                        let g = lexicon::noun_gender(head);
                        let x = &mut x;
                        if g != Gender::Unknown && p.gender == g {
                            x[S::RelMatch as usize] = 1.0;
                        } else if g != Gender::Unknown && p.gender != Gender::Unknown {
                            x[S::RelClash as usize] = 1.0;
                        }
                        if *of == Some(c) {
                            x[S::RelPossessor as usize] = 1.0;
                        }
                        let elder = matches!(
                            head.as_str(),
                            "mother" | "father" | "wife" | "husband" | "aunt" | "uncle" | "lady" | "mamma" | "papa"
                        );
                        let titled = p
                            .title
                            .as_deref()
                            .is_some_and(|t| matches!(t, "mrs" | "mr" | "lady" | "sir" | "lord" | "aunt" | "uncle"));
                        if elder && titled {
                            x[S::RelElder as usize] = 1.0;
                        }
                        noun_features(r, head, c, x);
                    }
                    _ => {}
                }
                let mut set = |f: S, v: f32| x[f as usize] = v;
                if cue.tag.is_none() {
                    for (j, s) in &para_tags {
                        match s {
                            Subject::Person(id) if *id == c && *j != i => set(S::TagNamePara, 1.0),
                            Subject::Narrator if cast.narrator == Some(c) && *j != i => set(S::TagNarratorPara, 1.0),
                            _ => {}
                        }
                    }
                }
                if let Some(g) = pronoun {
                    if p.gender == g {
                        set(S::PronMatch, 1.0);
                    } else if p.gender == Gender::Unknown {
                        set(S::PronUnknown, 1.0);
                    } else {
                        set(S::PronClash, 1.0);
                    }
                    match ranks.iter().position(|&id| id == c) {
                        Some(0) => set(S::PronRank1, 1.0),
                        Some(1) => set(S::PronRank2, 1.0),
                        Some(_) => set(S::PronRank3, 1.0),
                        None => {}
                    }
                    if p.gender == g && before.iter().any(|m| m.0 == c) {
                        set(S::PronHere, 1.0);
                    }
                    if p.gender == g && before.iter().any(|m| m.0 == c && m.1) {
                        set(S::PronLead, 1.0);
                    }
                    if p.gender == g && narrated.contains(&c) {
                        set(S::PronPrevNarr, 1.0);
                    }
                    if own_pronoun && opening == Some(g) && before.first().is_some_and(|m| m.0 == c) {
                        set(S::PronOpening, 1.0);
                    }
                }
                // Beats: names in the paragraph's narration.
                let free = |id: usize| !cue.vocatives.contains(&id);
                let first_before = before.iter().map(|m| m.0).find(|&id| free(id));
                if first_before == Some(c) {
                    set(S::BeatFirst, 1.0);
                    if cue.tag.is_none() {
                        set(S::NoTagBeatFirst, 1.0);
                    }
                }
                if before.iter().any(|m| m.0 == c) {
                    set(S::BeatBefore, 1.0);
                    if before.iter().all(|m| m.0 == c) {
                        set(S::BeatOnly, 1.0);
                    }
                    if before.iter().any(|m| m.0 == c && m.1) {
                        set(S::BeatLead, 1.0);
                    }
                }
                if after.first() == Some(&c) {
                    set(S::BeatAfterLead, 1.0);
                }
                if after_any.contains(&c) {
                    set(S::BeatAfter, 1.0);
                }
                if first_line {
                    if prev_narr.first().is_some_and(|m| m.0 == c) {
                        set(S::PrevNarrFirst, 1.0);
                    }
                    if prev_narr.last().is_some_and(|m| m.0 == c) {
                        set(S::PrevNarrLast, 1.0);
                    }
                    if prev_narr.iter().any(|m| m.0 == c && m.1) {
                        set(S::PrevNarrLead, 1.0);
                    }
                    if prev_narr.iter().any(|m| m.0 == c) {
                        set(S::PrevNarrAny, 1.0);
                    }
                    if let Some(g) = prev_pronoun.filter(|_| prev_narr.is_empty())
                        && p.gender == g
                        && ranks_of_recent(&recent, cast, g) == Some(c)
                    {
                        set(S::PrevNarrPron, 1.0);
                    }
                }
                // Vocatives.
                if cue.vocatives.contains(&c) {
                    set(S::VocSelf, 1.0);
                }
                if para_vocs.iter().any(|&(j, v)| j != i && v == c) {
                    set(S::VocPara, 1.0);
                }
                if neighbour(&facts, t, -1).is_some_and(|o| o.vocatives.contains(&c)) {
                    set(S::VocPrev, 1.0);
                }
                if neighbour(&facts, t, 1).is_some_and(|o| o.vocatives.contains(&c)) {
                    set(S::VocNext, 1.0);
                }
                if in_quote.contains(&c) && !cue.vocatives.contains(&c) {
                    set(S::NamedInQuote, 1.0);
                }
                for (dt, f) in [(-1, S::TagPrevTurn), (1, S::TagNextTurn), (-2, S::TagPrev2Turn), (2, S::TagNext2Turn)]
                {
                    if neighbour(&facts, t, dt).is_some_and(|o| o.tagged.contains(&c)) {
                        set(f, 1.0);
                    }
                }
                let (aft, bef) = anchors(&facts, t, |o| !o.tagged.is_empty());
                if let Some((d, o)) = aft.filter(|a| a.1.tagged.contains(&c)) {
                    let _ = o;
                    set(if d % 2 == 0 { S::AnchorAfterEven } else { S::AnchorAfterOdd }, 1.0);
                }
                if let Some((d, _)) = bef.filter(|a| a.1.tagged.contains(&c)) {
                    set(if d % 2 == 0 { S::AnchorBeforeEven } else { S::AnchorBeforeOdd }, 1.0);
                }
                let (aft, bef) = anchors(&facts, t, |o| o.sure.is_some());
                if let Some((d, _)) = aft.filter(|a| a.1.sure == Some(c)) {
                    set(if d % 2 == 0 { S::RuleAnchorAfterEven } else { S::RuleAnchorAfterOdd }, 1.0);
                }
                if let Some((d, _)) = bef.filter(|a| a.1.sure == Some(c)) {
                    set(if d % 2 == 0 { S::RuleAnchorBeforeEven } else { S::RuleAnchorBeforeOdd }, 1.0);
                }
                if run_tagged.contains(&c) {
                    set(S::RunParticipant, 1.0);
                }
                // Salience.
                match last_para[c].map(|l| k - l) {
                    Some(0..=1) => set(S::Recent0, 1.0),
                    Some(2..=5) => set(S::Recent1, 1.0),
                    Some(6..=20) => set(S::Recent2, 1.0),
                    _ => {}
                }
                if last_dialogue[c].is_some_and(|l| k - l <= 5) {
                    set(S::RecentD, 1.0);
                }
                if let Some(pos) = recent.iter().rev().position(|&id| id == c) {
                    set(S::RecencyRank, 1.0 / (1.0 + pos as f32));
                }
                set(S::SceneMentions, (1.0 + scene_count[c] as f32).ln() / 4.0);
                set(S::BookMentions, (1.0 + p.mentions as f32).ln() / (1.0 + max_mentions).ln());
                set(S::BookTags, (1.0 + book_tags[c] as f32).ln() / (1.0 + max_tags).ln());
                if cast.narrator == Some(c) {
                    set(S::Narrator, 1.0);
                    if !tagged_here {
                        set(S::NarratorUntagged, 1.0);
                    }
                }
                set(S::PersonProb, p.person_prob);
                if p.epithet {
                    set(S::Epithet, 1.0);
                }
                if p.gender == Gender::Unknown {
                    set(S::GenderUnknown, 1.0);
                }
                if let Some(g) = rule.filter(|g| g.speaker == c) {
                    set(rule_feature(&g), 1.0);
                }
                table.ids.push(c);
                table.xs.push(x);
            }
            table.qs.push(Q {
                line: i,
                turn: t,
                cands: start..table.ids.len(),
                first_in_turn: first_line,
                kind: match &cue.tag {
                    Some(Subject::Person(_)) => 0,
                    Some(Subject::Narrator) => 1,
                    Some(Subject::Pronoun(_)) => 2,
                    Some(Subject::Noun(_) | Subject::Relative(..)) => 3,
                    None if first_line => 4,
                    None => 5,
                },
                pronoun: if own_pronoun { pronoun } else { None },
                tagged: tagged_here,
            });
            let _ = q;
            first_line = false;
            for &id in &in_quote {
                last_dialogue[id] = Some(k);
                see(&mut recent, &mut Vec::new(), id);
            }
            if let Some(g) = rule {
                see(&mut recent, &mut Vec::new(), g.speaker);
            }
        }
        narrated.clear();
        prev_narr.clear();
        prev_pronoun = None;
        table.turns.push(Turn { qs: q_start..table.qs.len(), scene: f.scene, gap: f.gap, continued: f.continued });
    }
    table
}

/// Descriptive tags ("the doctor", "the old man"): who the book calls that.
fn noun_features(r: &Reading, head: &str, c: usize, x: &mut [f32; NS]) {
    let cast = &r.cast;
    let Some(p) = cast.people.get(c) else { return };
    let as_title = match head {
        "ladyship" => "lady",
        "lordship" => "lord",
        h => h,
    };
    if p.title.as_deref().is_some_and(|t| lexicon::full_title(t) == as_title) {
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

fn rule_feature(g: &Guess) -> S {
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
fn ranks_of_recent(recent: &[usize], cast: &Cast, g: Gender) -> Option<usize> {
    recent
        .iter()
        .rev()
        .copied()
        .find(|&id| cast.people.get(id).is_some_and(|p| p.gender == g && p.person) && Some(id) != cast.narrator)
}

fn see(recent: &mut Vec<usize>, narrated: &mut Vec<usize>, id: usize) {
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
fn persons(r: &Reading, i: usize) -> Vec<(usize, bool)> {
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
fn quote_names(r: &Reading, i: usize) -> Vec<usize> {
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
fn opening_pronoun(r: &Reading, lines: Range<usize>) -> Option<Gender> {
    let mut mentions = lines.filter_map(|i| r.mentions.get(i)).flatten();
    match mentions.next()? {
        Mention::Pronoun(g) => Some(*g),
        _ => None,
    }
}

fn scene_serial(script: &Script, para: &super::Para) -> usize {
    let _ = script;
    para.chapter * 100_000 + para.scene
}

/// A turn and its distance in turns.
type Anchor<'a> = (usize, &'a TurnFacts);

/// The nearest turns after and before turn `t` in its exchange (not `t` itself) for which
/// `pick` holds, with their distance in turns.
fn anchors(
    facts: &[TurnFacts],
    t: usize,
    pick: impl Fn(&TurnFacts) -> bool,
) -> (Option<Anchor<'_>>, Option<Anchor<'_>>) {
    let Some(run) = facts.get(t).map(|f| f.run) else { return (None, None) };
    let after = facts.iter().enumerate().skip(t + 1).take_while(|(_, o)| o.run == run).find(|(_, o)| pick(o));
    let before = facts[..t].iter().enumerate().rev().take_while(|(_, o)| o.run == run).find(|(_, o)| pick(o));
    (after.map(|(u, o)| (u - t, o)), before.map(|(u, o)| (t - u, o)))
}

fn neighbour(facts: &[TurnFacts], t: usize, dt: i64) -> Option<&TurnFacts> {
    let j = usize::try_from(t as i64 + dt).ok()?;
    let (a, b) = (facts.get(t)?, facts.get(j)?);
    (a.scene == b.scene).then_some(b)
}

/// The dialogue paragraphs in order with their tags and vocatives.
fn turn_facts(text: &str, script: &Script, r: &Reading) -> Vec<TurnFacts> {
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
            match c.tag {
                Some(Subject::Person(id)) if !f.tagged.contains(&id) => f.tagged.push(id),
                Some(Subject::Narrator) => {
                    if let Some(n) = r.cast.narrator.filter(|n| !f.tagged.contains(n)) {
                        f.tagged.push(n);
                    }
                }
                _ => {}
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

/// How many lines the book tags with each person's name: who the book's speakers are.
fn book_tag_counts(r: &Reading, n: usize) -> Vec<u32> {
    let mut out = vec![0u32; n];
    for c in &r.cues {
        match c.tag {
            Some(Subject::Person(id)) if id < n => out[id] += 1,
            Some(Subject::Narrator) => {
                if let Some(id) = r.cast.narrator.filter(|&id| id < n) {
                    out[id] += 1;
                }
            }
            _ => {}
        }
    }
    out
}

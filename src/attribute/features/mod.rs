//! Candidates and features: for every dialogue line, the people who might say it, each with a
//! vector of what the text says for and against them.
//!
//! The features here do not depend on any decision: speech tags, action beats, names in the
//! narration around the line, vocatives in this and the neighbouring turns, how recently and
//! how often someone is named, the hand-written rules' own pick. What depends on the speakers
//! chosen for the earlier lines (who spoke the turn before, two turns before...) is computed
//! while decoding (`model.rs`), from the same tables.

mod line;
mod stack;
mod turns;

use super::Reading;
use crate::script::Gender;
use crate::script::{Kind, Script};
use line::{Line, Para};
use std::ops::Range;
use turns::{TurnFacts, book_tag_counts, opening_pronoun, persons, scene_serial, see, turn_facts};

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
    NounRank1 = "noun_latest_named_of_gender", "tag-noun";
    NounRank2 = "noun_second_latest_named_of_gender", "tag-noun";
    NounGenericStandIn = "noun_stand_in_for_a_common_word", "tag-noun";
    RelMatch = "relative_gender_match", "tag-noun";
    RelClash = "relative_gender_clash", "tag-noun";
    RelPossessor = "relative_possessor", "tag-noun";
    RelElder = "relative_elder_title", "tag-noun";
    RelSpouse = "relative_spouse_in_scene", "tag-noun";
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
    AddressedByPrevious = "gender_addressed_by_previous_turn", "vocative";
    NotAddressedByPrevious = "other_gender_addressed_by_previous_turn", "vocative";
    AddressesOwnGender = "addresses_own_gender", "vocative";
    AddressForm = "addresses_people_as_they_do", "vocative";
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
    FirstNext = "first_pass_next_turn", "turn-taking";
    FirstNext2 = "first_pass_two_turns_after", "turn-taking";
    FirstSureAfterEven = "first_pass_sure_even_turns_after", "turn-taking";
    FirstSureAfterOdd = "first_pass_sure_odd_turns_after", "turn-taking";
    FirstSureBeforeEven = "first_pass_sure_even_turns_before", "turn-taking";
    FirstSureBeforeOdd = "first_pass_sure_odd_turns_before", "turn-taking";
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

/// Book-wide facts the features read.
struct Book<'a> {
    pub r: &'a Reading,
    pub facts: Vec<TurnFacts>,
    /// Lines the book tags with each person's name.
    pub book_tags: Vec<u32>,
    pub max_tags: f32,
    pub max_mentions: f32,
}

/// What the walk through the paragraphs in order remembers.
struct Walk {
    /// The last paragraph naming each person.
    pub last_para: Vec<Option<usize>>,
    /// The last paragraph in whose dialogue each person is named.
    pub last_dialogue: Vec<Option<usize>>,
    /// How often each person is named in the scene so far.
    pub scene_count: Vec<u32>,
    /// People named, most recent last.
    pub recent: Vec<usize>,
    /// People named in narration since the last turn.
    pub narrated: Vec<usize>,
    /// The people the narration paragraph just before names, and whether each opens a sentence.
    pub prev_narr: Vec<(usize, bool)>,
    /// The he or she opening that paragraph.
    pub prev_pronoun: Option<Gender>,
    scene: usize,
}

impl Walk {
    fn new(n_people: usize) -> Walk {
        Walk {
            last_para: vec![None; n_people],
            last_dialogue: vec![None; n_people],
            scene_count: vec![0; n_people],
            recent: Vec::new(),
            narrated: Vec::new(),
            prev_narr: Vec::new(),
            prev_pronoun: None,
            scene: usize::MAX,
        }
    }

    fn enter_scene(&mut self, serial: usize) {
        if serial != self.scene {
            self.scene = serial;
            self.scene_count.iter_mut().for_each(|c| *c = 0);
            self.prev_narr.clear();
            self.prev_pronoun = None;
        }
    }

    /// Person `id` named in the narration of paragraph `k`.
    fn name(&mut self, k: usize, id: usize) {
        see(&mut self.recent, &mut self.narrated, id);
        self.last_para[id] = Some(k);
        self.scene_count[id] += 1;
    }

    /// A narration paragraph: who it names, and the pronoun it opens with.
    fn narration(&mut self, r: &Reading, k: usize, lines: Range<usize>) {
        let mut people = Vec::new();
        for i in lines.clone() {
            for (id, lead) in persons(r, i) {
                self.name(k, id);
                people.push((id, lead));
            }
        }
        self.prev_pronoun = opening_pronoun(r, lines);
        self.prev_narr = people;
    }

    /// After a dialogue line of paragraph `k`: the people it names and the rules' pick are recent.
    fn said(&mut self, k: usize, line: &Line) {
        for &id in &line.in_quote {
            self.last_dialogue[id] = Some(k);
            see(&mut self.recent, &mut Vec::new(), id);
        }
        if let Some(g) = line.rule {
            see(&mut self.recent, &mut Vec::new(), g.speaker);
        }
    }

    fn end_turn(&mut self) {
        self.narrated.clear();
        self.prev_narr.clear();
        self.prev_pronoun = None;
    }
}

/// Builds the candidates and features of every dialogue line.
pub(crate) fn build(text: &str, script: &Script, r: &Reading) -> Table {
    let n_people = r.cast.people.len();
    let book_tags = book_tag_counts(r, n_people);
    let b = Book {
        r,
        facts: turn_facts(text, script, r),
        max_tags: book_tags.iter().copied().max().unwrap_or(0).max(1) as f32,
        max_mentions: r.cast.people.iter().map(|p| p.mentions).max().unwrap_or(0).max(1) as f32,
        book_tags,
    };
    let mut w = Walk::new(n_people);
    let mut table = Table::default();
    let mut turn_of_para = vec![usize::MAX; r.paras.len()];
    for (t, f) in b.facts.iter().enumerate() {
        if let Some(slot) = turn_of_para.get_mut(f.para) {
            *slot = t;
        }
    }
    for (k, para) in r.paras.iter().enumerate() {
        w.enter_scene(scene_serial(script, para));
        let t = turn_of_para.get(k).copied().unwrap_or(usize::MAX);
        let Some(f) = b.facts.get(t) else {
            w.narration(r, k, para.lines.clone());
            continue;
        };
        let q_start = table.qs.len();
        let p = Para::new(&b, f, t, k, para.lines.clone());
        let mut first_line = true;
        for i in para.lines.clone() {
            match script.lines[i].kind {
                Kind::Narration => {
                    persons(r, i).into_iter().for_each(|(id, _)| w.name(k, id));
                    continue;
                }
                Kind::Dialogue => {}
                _ => continue,
            }
            let line = Line::new(&b, &w, &p, i, first_line);
            let start = table.ids.len();
            for c in line.candidates(&b, &w, &p) {
                table.xs.push(line.features(&b, &w, &p, c));
                table.ids.push(c);
            }
            table.qs.push(line.q(t, start..table.ids.len()));
            first_line = false;
            w.said(k, &line);
        }
        w.end_turn();
        table.turns.push(Turn { qs: q_start..table.qs.len(), scene: f.scene, gap: f.gap, continued: f.continued });
    }
    table
}

//! Speech tags ("said Elizabeth", "she whispered", "Darcy replied,") and vocatives ("Jane, come
//! here") found in the tokens of one line.

use super::characters::Cast;
use super::lexicon;
use super::tokens::Token;
use crate::script::Gender;

/// Who a speech tag names as the speaker.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// A character named in the tag.
    Person(usize),
    /// "he" or "she": resolved later against the scene.
    Pronoun(Gender),
    /// "I": the narrator of a first-person story.
    Narrator,
    /// A descriptive noun phrase ("the old man", "the Jew"): its head noun, lowercase.
    Noun(String),
    /// A relative of someone ("her mother", "Ann's husband"): the head noun, lowercase, and
    /// the person named as the possessor, who is not the speaker.
    Relative(String, Option<usize>),
    /// Someone new, brought in by an indefinite description ("said a sleepy-faced carpenter",
    /// "cried a looker-on"): the description's words, lowercase. `attribute::read` makes each
    /// description a character of its own.
    Newcomer(String),
}

/// How many words into a clause a speech verb may sit and still make a tag.
const VERB_WINDOW: usize = 6;

/// A tag at the start of the narration that follows a quotation (`"..." said Ann.`).
pub fn after(toks: &[Token], cast: &Cast) -> Option<Subject> {
    let start = toks.iter().position(|t| t.is_word())?;
    let end = toks.iter().skip(start).position(|t| t.ends_sentence()).map_or(toks.len(), |e| e + start);
    let clause = toks.get(start..end)?;
    if let Some(s) = subject_then_past_verb(clause, cast) {
        return Some(s);
    }
    let v = clause
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is_word())
        .take(VERB_WINDOW)
        .find(|(k, t)| is_verb_at(clause, *k, t))?
        .0;
    if let Some((s, e)) = subject_at(clause, 0, cast)
        && e <= v
        && only_fillers(clause.get(e..v)?)
    {
        return Some(s);
    }
    subject_after_verb(clause, v, cast).or_else(|| opening_subject(clause, cast))
}

/// The subject opening a clause whose verb is further on ("he turned to her and said").
fn opening_subject(clause: &[Token], cast: &Cast) -> Option<Subject> {
    person_at(clause, 0, cast)
}

/// A subject at token `k` that is someone, not a description ("the man") or a relative.
fn person_at(clause: &[Token], k: usize, cast: &Cast) -> Option<Subject> {
    subject_at(clause, k, cast)
        .map(|(s, _)| s)
        .filter(|s| !matches!(s, Subject::Noun(..) | Subject::Relative(..) | Subject::Newcomer(..)))
}

/// Right after a quotation, a subject and a past-tense verb make a tag whatever the verb
/// ("she exhorted", "Tom persisted"): the list of speech verbs is never complete.
fn subject_then_past_verb(clause: &[Token], cast: &Cast) -> Option<Subject> {
    if let Some(s) = past_verb_then_name(clause, cast) {
        return Some(s);
    }
    let (s, mut e) = subject_at(clause, 0, cast)?;
    while clause.get(e).is_some_and(|t| t.is_word() && lexicon::is_filler(&t.lower) && !t.lower.ends_with("ed")) {
        e += 1;
    }
    let v = clause.get(e)?;
    let past = v.lower.len() > 3 && v.lower.ends_with("ed") || lexicon::is_speech_verb(&v.lower);
    (v.is_word() && !v.cap && past).then_some(s)
}

/// "flashed Helen", "echoed Mrs. Munt": an inverted tag with a verb missing from the list.
fn past_verb_then_name(clause: &[Token], cast: &Cast) -> Option<Subject> {
    let v = clause.first()?;
    if v.cap || v.lower.len() <= 3 || !v.lower.ends_with("ed") {
        return None;
    }
    let mut k = 1;
    while clause
        .get(k)
        .is_some_and(|t| t.is_word() && lexicon::is_filler(&t.lower) && cast.match_at(clause, k).is_none())
    {
        k += 1;
    }
    match subject_at(clause, k, cast)? {
        (s @ Subject::Person(_), _) => Some(s),
        _ => None,
    }
}

/// A tag at the end of the narration that precedes a quotation (`Darcy replied, "..."`).
pub fn before(toks: &[Token], cast: &Cast) -> Option<Subject> {
    let last = toks.last()?;
    let open_end = last.is_word() || matches!(last.punct, ',' | ':' | '\u{2014}' | '-');
    if !open_end {
        return None;
    }
    let start = toks.iter().rposition(|t| t.ends_sentence()).map_or(0, |s| s + 1);
    let clause = toks.get(start..)?;
    let words: Vec<usize> = clause.iter().enumerate().filter(|(_, t)| t.is_word()).map(|(k, _)| k).collect();
    let tail = words.len().saturating_sub(BEFORE_TAIL);
    let v =
        words.get(tail..)?.iter().rev().copied().find(|&k| clause.get(k).is_some_and(|t| is_verb_at(clause, k, t)))?;
    if let Some(s) = heard_say(clause, v, cast) {
        return Some(s);
    }
    for k in 0..v {
        if let Some((s, e)) = subject_at(clause, k, cast)
            && e <= v
            && (only_fillers(clause.get(e..v)?)
                || matches!(s, Subject::Person(_) | Subject::Pronoun(_))
                    && (relative_clause(clause.get(e..v)?) || parenthesis(clause.get(e..v)?)))
        {
            return Some(s);
        }
    }
    subject_after_verb(clause, v, cast).or_else(|| clause_subject(&clause[..v], cast))
}

/// How many words from its end a speech verb may sit in the narration before a quotation
/// ("Alice called out as loud as she could,").
const BEFORE_TAIL: usize = 8;

/// "she heard him say," "and Albert Fussell reply,": the one heard is the speaker.
fn heard_say(clause: &[Token], v: usize, cast: &Cast) -> Option<Subject> {
    let heard = |k: usize| clause.get(k).is_some_and(|t| heard_word(&t.lower));
    let k = v.checked_sub(1)?;
    if let Some(g) = clause.get(k).and_then(|t| object_pronoun(&t.lower))
        && heard(k.checked_sub(1)?)
    {
        return Some(Subject::Pronoun(g));
    }
    (0..v).find_map(|j| {
        let (id, n) = cast.match_at(clause, j)?;
        (j + n == v
            && j.checked_sub(1).is_some_and(|h| heard(h) || clause[h].lower == "and")
            && clause[..j].iter().any(|t| heard_word(&t.lower)))
        .then_some(Subject::Person(id))
    })
}

fn heard_word(lower: &str) -> bool {
    matches!(lower, "heard" | "hear" | "hears")
}

fn object_pronoun(lower: &str) -> Option<Gender> {
    match lower {
        "him" => Some(Gender::Male),
        "her" => Some(Gender::Female),
        _ => None,
    }
}

/// ", who had been looking across the garden," between a subject and its verb.
fn relative_clause(toks: &[Token]) -> bool {
    let (Some(first), Some(last)) = (toks.first(), toks.last()) else { return false };
    first.punct == ','
        && toks.get(1).is_some_and(|t| matches!(t.lower.as_str(), "who" | "whose" | "which"))
        && last.punct == ','
        && toks.len() <= 16
        && toks[1..toks.len() - 1].iter().all(|t| t.is_word() || t.punct == '\'')
}

/// ", always unguarded and often uncivil, boisterously": words set off by commas between a
/// subject and its verb, then at most a few fillers.
fn parenthesis(toks: &[Token]) -> bool {
    if toks.first().is_none_or(|t| t.punct != ',') {
        return false;
    }
    let Some(close) = toks.iter().skip(1).position(|t| t.punct == ',').map(|c| c + 1) else { return false };
    close <= 12
        && toks[1..close].iter().all(|t| t.is_word() && !lexicon::is_speech_verb(&t.lower))
        && only_fillers(&toks[close..])
}

/// The subject of a clause whose verb is further on ("she turned to him and said", "At this
/// moment Five, who had been looking on, called out"): the first person the words before the
/// verb name who is not the object of a preposition.
fn clause_subject(clause: &[Token], cast: &Cast) -> Option<Subject> {
    (0..clause.len()).find_map(|k| {
        let after_preposition = k > 0 && clause.get(k - 1).is_some_and(|t| t.is_word() && is_preposition(&t.lower));
        if after_preposition { None } else { person_at(clause, k, cast) }
    })
}

fn is_preposition(lower: &str) -> bool {
    matches!(
        lower,
        "to" | "at"
            | "with"
            | "by"
            | "of"
            | "for"
            | "from"
            | "on"
            | "upon"
            | "towards"
            | "toward"
            | "into"
            | "in"
            | "about"
            | "after"
            | "before"
            | "behind"
            | "than"
            | "like"
    )
}

fn is_verb_at(clause: &[Token], k: usize, t: &Token) -> bool {
    if !t.is_word() || t.cap && k > 0 || !lexicon::is_speech_verb(&t.lower) {
        return false;
    }
    if lexicon::needs_particle(&t.lower) {
        return clause.get(k + 1).is_some_and(|n| matches!(n.lower.as_str(), "on" | "in"));
    }
    true
}

fn subject_after_verb(clause: &[Token], v: usize, cast: &Cast) -> Option<Subject> {
    let mut j = v + 1;
    while clause
        .get(j)
        .is_some_and(|t| t.is_word() && lexicon::is_filler(&t.lower) && cast.match_at(clause, j).is_none())
    {
        j += 1;
    }
    subject_at(clause, j, cast).map(|(s, _)| s)
}

/// Adverbs, participles and commas that may separate a subject from its verb.
fn only_fillers(toks: &[Token]) -> bool {
    toks.len() <= 4
        && toks.iter().all(|t| {
            matches!(t.punct, ',' | '\u{2014}')
                || t.is_word() && (lexicon::is_filler(&t.lower) || t.lower.ends_with("ing"))
        })
}

/// The subject that starts at token `i`, and the index after it.
pub fn subject_at(toks: &[Token], i: usize, cast: &Cast) -> Option<(Subject, usize)> {
    let t = toks.get(i)?;
    if !t.is_word() {
        return None;
    }
    if let Some((id, n)) = cast.match_at(toks, i) {
        // "Margaret's young man" is someone else: a relative of the named person; but "Margaret's
        // voice" is Margaret.
        if toks.get(i + n).is_some_and(|t| t.lower == "'s") {
            return noun_phrase(toks, i + n + 1).map(|(s, j)| match s {
                Subject::Noun(head) if lexicon::is_utterance(lexicon::head_noun(&head)) => (Subject::Person(id), j),
                Subject::Noun(head) => (Subject::Relative(relation(head), Some(id)), j),
                other => (other, j),
            });
        }
        return Some((Subject::Person(id), i + n));
    }
    if t.lower == "i" && t.cap {
        return Some((Subject::Narrator, i + 1));
    }
    if let Some(g) = lexicon::subject_pronoun(&t.lower) {
        return Some((Subject::Pronoun(g), i + 1));
    }
    if lexicon::is_determiner(&t.lower) {
        if let Some((id, n)) = cast.match_at(toks, i + 1) {
            return Some((Subject::Person(id), i + 1 + n));
        }
        let possessive = matches!(t.lower.as_str(), "his" | "her" | "their" | "my" | "our");
        // "the unsympathetic Marilla", "the brutal Sikes": a name after adjectives.
        let phrase = noun_phrase(toks, i + 1);
        if let Some((_, j)) = phrase
            && let Some((k, (id, n))) = (i + 2..j)
                .find_map(|k| toks.get(k).filter(|w| w.cap).and_then(|_| cast.match_at(toks, k)).map(|m| (k, m)))
        {
            return Some((Subject::Person(id), k + n));
        }
        // "a carpenter" brings someone new into the story; "a voice", "a third" or "a host of
        // voices" does not, nor does a bare "a man", whom the story often goes on to name.
        let indefinite = matches!(t.lower.as_str(), "a" | "an");
        return phrase.map(|(s, j)| match s {
            // "her voice" speaks for her: a pronoun tag.
            Subject::Noun(head) if possessive && lexicon::is_utterance(lexicon::head_noun(&head)) => {
                match t.lower.as_str() {
                    "his" => (Subject::Pronoun(Gender::Male), j),
                    "her" => (Subject::Pronoun(Gender::Female), j),
                    "my" => (Subject::Narrator, j),
                    _ => (Subject::Noun(head), j),
                }
            }
            Subject::Noun(head) if possessive => (Subject::Relative(relation(head), None), j),
            Subject::Noun(head)
                if indefinite
                    && !head.contains(' ')
                    && lexicon::is_person_noun(&head)
                    && !(j == i + 2 && lexicon::is_generic_head(&head))
                    && toks.get(j).is_none_or(|t| t.lower != "of") =>
            {
                (Subject::Newcomer(joined(&toks[i + 1..j])), j)
            }
            other => (other, j),
        });
    }
    None
}

/// "the old man", "the impetuous doctor", "a great lubberly fellow": up to three lowercase
/// words, the last being the head. A preposition, an adverb, or a participle with an object ends
/// the phrase ("a man outside", "the count after dinner", "the doctor supporting her"), as does a
/// relative pronoun ("the man whose duty it was").
fn noun_phrase(toks: &[Token], from: usize) -> Option<(Subject, usize)> {
    let plain = |t: &Token| {
        t.is_word()
            && !lexicon::is_speech_verb(&t.lower)
            && !lexicon::is_filler(&t.lower)
            && !ends_noun_phrase(&t.lower)
            && !is_preposition(&t.lower)
    };
    // A word in -ed describes the word after it when it opens the phrase after an article or a
    // possessive ("the wounded man"), or is joined to another ("a sleepy-faced carpenter");
    // elsewhere it ends the phrase ("the man seated", "This startled Tom").
    let after_article =
        from.checked_sub(1).and_then(|k| toks.get(k)).is_none_or(|d| !matches!(d.lower.as_str(), "this" | "that"));
    let adjective_ed = |j: usize| {
        toks.get(j).is_some_and(|t| {
            t.is_word() && t.lower.ends_with("ed") && (j == from && after_article || t.lower.contains('-'))
        }) && toks.get(j + 1).is_some_and(plain)
    };
    let word = |j: usize| toks.get(j).is_some_and(plain) || adjective_ed(j);
    let participle = |j: usize| {
        j > from
            && toks.get(j).is_some_and(|t| t.lower.len() > 5 && t.lower.ends_with("ing"))
            && toks.get(j + 1).is_some_and(|n| n.is_word() && !lexicon::is_speech_verb(&n.lower))
    };
    // "lubberly", "elderly": a word in -ly is an adjective when a noun follows it.
    let adjective = |j: usize| toks.get(j).is_some_and(|t| t.is_word() && t.lower.ends_with("ly")) && word(j + 1);
    let mut j = from;
    while j < from + 3 && (word(j) || adjective(j)) && !participle(j) {
        j += 1;
    }
    let head = toks.get(j.checked_sub(1)?).filter(|_| j > from)?;
    let mut out = head.lower.to_string();
    // "the gentleman in the white waistcoat": a description that goes on with "in the" or "with
    // the" and up to three words before a stop. Kept only where the book repeats it (see
    // `attribute::described`); elsewhere it is manner ("said the man in the same tone").
    if toks.get(j).is_some_and(|t| matches!(t.lower.as_str(), "in" | "with"))
        && toks.get(j + 1).is_some_and(|t| t.lower == "the")
    {
        let mut k = j + 2;
        while k < j + 5 && word(k) && toks.get(k).is_some_and(|t| !t.cap) {
            k += 1;
        }
        if k > j + 2 && toks.get(k).is_none_or(|t| !t.is_word()) {
            for t in &toks[j..k] {
                out.push(' ');
                out.push_str(&t.lower);
            }
            return Some((Subject::Noun(out), k));
        }
    }
    Some((Subject::Noun(out), j))
}

/// Lowercase words joined by spaces.
fn joined(toks: &[Token]) -> String {
    toks.iter().filter(|t| t.is_word()).map(|t| t.lower.as_str()).collect::<Vec<_>>().join(" ")
}

/// A relative's head noun alone: "her uncle in the garden" is who he is to her, not a
/// description of its own.
fn relation(head: String) -> String {
    lexicon::head_noun(&head).to_string()
}

/// Words that follow a noun phrase rather than belong to it.
fn ends_noun_phrase(lower: &str) -> bool {
    matches!(
        lower,
        "to" | "and"
            | "with"
            | "as"
            | "in"
            | "of"
            | "who"
            | "whose"
            | "which"
            | "that"
            | "inside"
            | "outside"
            | "at"
            | "for"
            | "from"
            | "but"
            | "was"
            | "had"
            | "'s"
            | "on"
            | "by"
    ) || lower.len() > 4 && lower.ends_with("ed")
}

/// How a quotation addresses people: the people it names in vocative position, and the forms of
/// address it uses, each as lowercase words: the names as written ("miss eliza", "lizzy") and
/// words that say who may be speaking ("papa", "my dear", "sir").
pub fn address(toks: &[Token], cast: &Cast) -> (Vec<usize>, Vec<String>) {
    let (mut people, mut forms) = (Vec::new(), Vec::new());
    let ends = |k: usize| toks.get(k).is_none_or(|t| matches!(t.punct, ',' | '!' | '?' | '.' | '\u{2014}' | ';'));
    let opens = |k: usize| k == 0 || toks.get(k - 1).is_some_and(opens_vocative);
    let mut i = 0;
    while i < toks.len() {
        if let Some((id, n)) = cast.match_at(toks, i) {
            if opens(i) && ends(i + n) {
                if !people.contains(&id) {
                    people.push(id);
                }
                let form: Vec<&str> = toks[i..i + n].iter().map(|t| t.lower.as_str()).collect();
                forms.push(form.join(" "));
            }
            i += n;
            continue;
        }
        let w = toks[i].lower.as_str();
        if is_address_word(w) && ends(i + 1) {
            if i > 0 && toks[i - 1].lower == "my" {
                forms.push(format!("my {w}"));
            } else if opens(i) {
                forms.push(w.to_string());
            }
        }
        i += 1;
    }
    forms.sort_unstable();
    forms.dedup();
    (people, forms)
}

fn is_address_word(w: &str) -> bool {
    matches!(
        w,
        "papa"
            | "mamma"
            | "mama"
            | "mother"
            | "father"
            | "uncle"
            | "aunt"
            | "aunty"
            | "sir"
            | "madam"
            | "ma'am"
            | "mum"
            | "dad"
            | "daddy"
            | "mummy"
            | "granny"
            | "child"
            | "dear"
            | "darling"
            | "love"
            | "boy"
            | "girl"
            | "lad"
            | "friend"
            | "man"
            | "fellow"
            | "chap"
            | "sister"
            | "brother"
            | "miss"
            | "ma"
            | "pa"
    )
}

fn opens_vocative(t: &Token) -> bool {
    matches!(t.punct, ',' | '!' | '?' | '.' | '\u{2014}')
        || matches!(
            t.lower.as_str(),
            "oh" | "o"
                | "dear"
                | "dearest"
                | "ah"
                | "hey"
                | "hi"
                | "hello"
                | "well"
                | "yes"
                | "no"
                | "thanks"
                | "poor"
                | "my"
                | "darling"
                | "good-bye"
                | "goodbye"
                | "morning"
        )
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    /// The head noun of the phrase that opens `text` (after its determiner).
    fn head(text: &str) -> Option<String> {
        match noun_phrase(&tokenize(text, 0, text.len()), 0)? {
            (Subject::Noun(h), _) => Some(h),
            _ => None,
        }
    }

    #[test]
    fn a_noun_phrase_ends_at_its_head() {
        for (phrase, want) in [
            ("old man, rising", "man"),
            ("great lubberly fellow, stepping forward", "fellow"),
            ("elderly lady", "lady"),
            ("doctor supporting her", "doctor"),
            ("man outside", "man"),
            ("gentleman inside, who", "gentleman"),
            ("voice which belonged", "voice"),
            ("man whose duty it was", "man"),
            ("count after dinner", "count"),
            ("nurse quietly", "nurse"),
            ("young king.", "king"),
            ("sleeping child", "child"),
            ("gentleman in the white waistcoat.", "gentleman in the white waistcoat"),
            ("man with the newspaper,", "man with the newspaper"),
            ("man in the same tone as before", "man"),
            ("girl with a smile.", "girl"),
            ("sleepy-faced carpenter, casting a look", "carpenter"),
            ("wounded man.", "man"),
            ("man seated by the fire", "man"),
            ("doctor half-ashamed.", "doctor"),
        ] {
            assert_eq!(head(phrase).as_deref(), Some(want), "{phrase}");
        }
    }
}

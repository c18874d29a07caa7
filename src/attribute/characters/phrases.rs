//! Name phrases: runs of capitalized words with a leading title or "the", how the text uses
//! each, and whether a phrase is a name at all.

use super::super::lexicon;
use super::super::people::NameStats;
use super::super::tokens::Token;
use super::phrase_key;
use crate::script::Gender;
use rustc_hash::FxHashMap as HashMap;

#[derive(Default)]
pub(super) struct WordStat {
    pub cap_mid: u32,
    pub cap_initial: u32,
    pub lower: u32,
}

#[derive(Clone)]
pub(super) struct Phrase {
    pub title: Option<String>,
    /// Lowercase words of the name.
    pub words: Vec<String>,
    /// The phrase as most often written ("Mr. Cahill" over a stray "Mr Cahill"), in running
    /// text rather than a heading's capitals.
    pub display: String,
    /// Each written form and how often it occurs, first seen first.
    shown: Vec<(String, u32)>,
    pub count: u32,
    pub descriptive: bool,
    /// Seen next to a speech verb ("said Ruth"): a person even when named only once, and maybe
    /// always at the start of a sentence.
    pub tagged: bool,
    /// Addressed like a name ("Sam, look."), which interjections ("Sure, ...") also are.
    pub vocative: bool,
    /// Occurrences after "in", "into", "near"...: a place.
    pub placed: u32,
    /// Occurrences after "St." or "Saint" ("St. Paul's"): a church, a street, a day.
    pub saint: u32,
    pub stats: NameStats,
    pub lower_share: f32,
}

impl Phrase {
    /// The written form seen most often, one in capitals only when there is no other; the
    /// first seen on a tie.
    pub(super) fn most_written(&self) -> String {
        let caps = |f: &str| f.chars().all(|c| !c.is_lowercase());
        let mut best: Option<&(String, u32)> = None;
        for f in &self.shown {
            if best.is_none_or(|b| (!caps(&f.0), f.1) > (!caps(&b.0), b.1)) {
                best = Some(f);
            }
        }
        best.map_or_else(|| self.display.clone(), |b| b.0.clone())
    }
}

pub(super) fn count_words<'a>(toks: &'a [Token], words: &mut HashMap<&'a str, WordStat>) {
    for t in toks.iter().filter(|t| t.is_word()) {
        let s = words.entry(t.lower.as_str()).or_default();
        match (t.cap, t.initial) {
            (false, _) => s.lower += 1,
            (true, true) => s.cap_initial += 1,
            (true, false) => s.cap_mid += 1,
        }
    }
}

/// Collects runs of capitalized words, with a leading title or "the", and counts the pairs
/// of phrases named in the same sentence ("Mr. Emerson and George": two people).
pub(super) fn collect_phrases(
    toks: &[Token],
    text: &str,
    out: &mut HashMap<String, Phrase>,
    together: &mut HashMap<(String, String), u32>,
) {
    let mut i = 0;
    let mut sentence: Vec<String> = Vec::new();
    let mut note = |sentence: &mut Vec<String>| {
        sentence.sort_unstable();
        sentence.dedup();
        for (a, x) in sentence.iter().enumerate() {
            for y in sentence.iter().skip(a + 1) {
                *together.entry((x.clone(), y.clone())).or_default() += 1;
            }
        }
        sentence.clear();
    };
    while i < toks.len() {
        if toks.get(i).is_some_and(Token::ends_sentence) {
            note(&mut sentence);
        }
        match phrase_at(toks, i, text) {
            Some((p, used)) => {
                let key = phrase_key(&p);
                sentence.push(key.clone());
                out.entry(key)
                    .and_modify(|q| {
                        q.count += 1;
                        match q.shown.iter_mut().find(|f| f.0 == p.display) {
                            Some(f) => f.1 += 1,
                            None => q.shown.push((p.display.clone(), 1)),
                        }
                        q.tagged |= p.tagged;
                        q.vocative |= p.vocative;
                        q.placed += p.placed;
                        q.saint += p.saint;
                        q.stats.add(&p.stats);
                    })
                    .or_insert(p);
                i += used;
            }
            None => i += 1,
        }
    }
    note(&mut sentence);
}

/// The gender of the first third-person pronoun within a few words, unless a capitalized word
/// (maybe another name) comes first.
pub(super) fn pronoun_soon_after(toks: &[Token], from: usize) -> Option<Gender> {
    for t in toks.iter().skip(from).take(12) {
        if t.is_word() && t.cap && !t.initial && t.lower != "i" {
            return None;
        }
        if let Some(g) = lexicon::any_pronoun(&t.lower) {
            return Some(g);
        }
    }
    None
}

/// A title ("mr", "inspector"), or the last part of a hyphenated one ("detective-inspector").
pub(super) fn title_word(t: &Token) -> Option<String> {
    if !t.is_word() || !t.cap {
        return None;
    }
    if lexicon::honorific(&t.lower).is_some() {
        return Some(t.lower.to_string());
    }
    let mut parts = t.lower.split('-');
    let all = t.lower.contains('-') && t.lower.split('-').all(|p| lexicon::honorific(p).is_some());
    all.then(|| parts.next_back().unwrap_or_default().to_string())
}

pub(super) fn phrase_at(toks: &[Token], i: usize, text: &str) -> Option<(Phrase, usize)> {
    let t = toks.get(i)?;
    if !t.is_word() || !t.cap {
        return None;
    }
    let after_the = i > 0 && toks.get(i - 1).is_some_and(|p| p.lower == "the");
    let mut j = i;
    let capital_next = |k: usize| toks.get(k + 1).is_some_and(|n| n.is_word() && n.cap);
    let mut title = title_word(t);
    if title.is_some() && capital_next(i) {
        j += 1;
        // "Detective Inspector Japp": the last of several titles is the one used alone.
        while let Some(more) = toks.get(j).and_then(title_word).filter(|_| capital_next(j)) {
            title = Some(more);
            j += 1;
        }
    }
    let mut words = Vec::new();
    while let Some(w) = toks.get(j) {
        let particle = matches!(w.lower.as_str(), "de" | "van" | "von" | "du" | "le" | "la" | "del")
            && !words.is_empty()
            && toks.get(j + 1).is_some_and(|n| n.is_word() && n.cap);
        let stop = lexicon::is_stopword(&w.lower) && !(after_the && words.is_empty());
        if !w.is_word() || words.len() == 3 || stop || !(w.cap || particle) {
            break;
        }
        if j > i && title.is_none() && lexicon::honorific(&w.lower).is_some() {
            break;
        }
        words.push(w.lower.to_string());
        j += 1;
    }
    if words.is_empty() {
        return None;
    }
    let title = if j == i + 1 && title.is_some() { None } else { title };
    let end = toks.get(j - 1).map_or(t.end, |l| l.end);
    let display = text.get(t.start..end).unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
    let descriptive = after_the && title.is_none();
    let verb =
        |k: Option<usize>| k.and_then(|k| toks.get(k)).is_some_and(|v| !v.cap && lexicon::is_speech_verb(&v.lower));
    let vocative = (i == 0 || toks.get(i - 1).is_some_and(|p| p.punct == ','))
        && toks.get(j).is_none_or(|n| matches!(n.punct, ',' | '!' | '?' | '.'));
    let vocative = vocative && title.is_none();
    let saint =
        u32::from(i > 0 && toks.get(i - 1).is_some_and(|p| p.cap && matches!(p.lower.as_str(), "st" | "saint")));
    // "said St. John": the verb stands before the saint's title.
    let tagged = verb(i.checked_sub(1 + saint as usize)) || verb(Some(j));
    let prep = |k: Option<usize>| {
        k.and_then(|k| toks.get(k)).is_some_and(|t| {
            matches!(t.lower.as_str(), "in" | "into" | "near" | "across" | "through" | "inside" | "outside" | "round")
        })
    };
    let placed = u32::from(prep(i.checked_sub(1)) || after_the && prep(i.checked_sub(2)));
    // Counted for the person classifier: the word before the name (or before "the"), after it.
    let before = i.checked_sub(if after_the { 2 } else { 1 }).and_then(|k| toks.get(k)).map(|t| t.lower.as_str());
    let after = toks.get(j);
    let is = |w: Option<&str>, list: &[&str]| w.is_some_and(|w| list.contains(&w));
    let stats = NameStats {
        count: 1,
        placed: u32::from(is(before, &["in", "into", "near", "across", "through", "inside", "outside", "round", "at"])),
        motion: u32::from(is(before, &["to", "from", "towards", "toward"])),
        of: u32::from(is(before, &["of"])),
        the: u32::from(after_the),
        possessive: u32::from(after.is_some_and(|t| t.lower == "'s")),
        speech: u32::from(tagged),
        vocative: u32::from(vocative),
        acts: u32::from(after.is_some_and(|t| t.is_word() && !t.cap && t.lower.len() > 3 && t.lower.ends_with("ed"))),
        he: u32::from(pronoun_soon_after(toks, j) == Some(Gender::Male)),
        she: u32::from(pronoun_soon_after(toks, j) == Some(Gender::Female)),
    };
    let phrase = Phrase {
        title,
        words,
        shown: vec![(display.clone(), 1)],
        display,
        count: 1,
        descriptive,
        tagged,
        vocative,
        placed,
        saint,
        stats,
        lower_share: 0.0,
    };
    Some((phrase, j - i))
}

/// Whether a phrase is a name: capitalized mid-sentence more often than written in lowercase.
pub(super) fn accept(p: &Phrase, words: &HashMap<&str, WordStat>) -> bool {
    let namey = |w: &String, strict: bool| {
        let Some(s) = words.get(w.as_str()) else { return false };
        let caps = s.cap_mid + s.cap_initial;
        if w.len() < 2 || w.chars().all(|c| c.is_numeric()) {
            return false;
        }
        // A known first name never written in lowercase needs no mid-sentence evidence.
        let given = s.lower == 0 && lexicon::first_name_gender(w).is_some();
        if strict { given || s.cap_mid >= 1 && caps >= 2 && s.lower < s.cap_mid } else { s.lower <= caps * 2 }
    };
    let rare_lower = |w: &String| words.get(w.as_str()).is_some_and(|s| s.lower * 4 <= s.cap_mid + s.cap_initial);
    let plain = |w: &String| !lexicon::is_stopword(w);
    // "the Miss Bennets", "the Wilcoxes": a family, not a person. The name without its "s"
    // must be a name too, written with a capital inside sentences: "Well" opens many
    // sentences, and "Mr. Wells" is still one man.
    let plural = p.words.last().is_some_and(|w| {
        let caps = |s: &str| words.get(s).map_or(0, |st| st.cap_mid + st.cap_initial);
        let mid = |s: &str| words.get(s).map_or(0, |st| st.cap_mid);
        let stem = |suffix: &str| w.strip_suffix(suffix).is_some_and(|s| caps(s) >= caps(w).max(1) && mid(s) >= 1);
        w.len() > 3 && (stem("s") || stem("es"))
    });
    // "in Green Gables", "into Paris": a place is where things happen, not who speaks.
    if plural || p.title.is_none() && p.placed * 4 >= p.count && p.placed >= 1 {
        return false;
    }
    // "St. Paul's", "St. James's Park": a saint's name mostly names a church, a street or a
    // day; it is a speaker only when a tag or an address says so ("said St. John").
    if p.saint * 2 >= p.count && !p.tagged && !p.vocative {
        return false;
    }
    // After a title a capitalized word is a surname, even one the book mostly writes in
    // lowercase ("Mr. Lively", "Mrs. Long"), unless the phrase is only ever in capitals (a
    // headline: "LADY POISONED") or the word is a lone letter ("Mrs. F.").
    if p.title.is_some() {
        let some_not_caps = p.shown.iter().any(|(f, _)| f.chars().any(char::is_lowercase));
        let surname = |w: &String| some_not_caps && w.chars().count() >= 2;
        return p.words.iter().all(|w| (namey(w, false) || surname(w)) && !lexicon::is_stopword(w));
    }
    if p.descriptive {
        let title_like = |w: &String| lexicon::honorific(w).is_some();
        // "the March Hare", "the Lord Chancellor": a common capitalized word may open a longer name.
        let opens = |k: usize| k == 0 && p.words.len() >= 2;
        return p.count >= 3
            && p.words.iter().enumerate().all(|(k, w)| namey(w, true) && (plain(w) || title_like(w) || opens(k)));
    }
    if p.count >= 2 && p.words.iter().all(|w| namey(w, true) && plain(w)) {
        return true;
    }
    if p.tagged {
        return p.words.iter().all(|w| namey(w, false) && plain(w));
    }
    // A lone capitalized word at the start of a quotation is often no name ("Two, three.").
    let mid = |w: &String| words.get(w.as_str()).is_some_and(|s| s.cap_mid >= 1);
    let enough =
        p.words.len() >= 2 || p.words.iter().any(|w| lexicon::first_name_gender(w).is_some() || p.count >= 2 && mid(w));
    p.vocative && enough && p.words.iter().all(|w| rare_lower(w) && plain(w))
}

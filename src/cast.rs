//! Casting: a voice for the narrator and for every character.
//!
//! Automatic casting is deterministic (the same story and engines give the same cast) and greedy
//! in order of how much each character speaks, so adding a minor character never changes the
//! voices of the others. The narrator gets the most intelligible natural voice; the characters
//! with the most lines get the next best, matched to their gender where known; once every voice
//! is taken, the least used ones come back with a shifted pitch so no two characters sound alike.

use crate::attribute::Character;
use crate::engine::{Engine, Gender, Prosody, VoiceInfo};
use crate::render::{Casting, VoiceChoice};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A voice as the `cast` contract shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VoiceSpec {
    pub engine: String,
    pub voice: String,
    pub rate: f32,
    pub pitch: f32,
    pub volume: f32,
}

impl From<&VoiceChoice> for VoiceSpec {
    fn from(v: &VoiceChoice) -> VoiceSpec {
        VoiceSpec {
            engine: v.engine.name().to_string(),
            voice: v.voice.clone(),
            rate: v.prosody.rate,
            pitch: v.prosody.pitch,
            volume: v.prosody.volume,
        }
    }
}

/// A character with their voice.
#[derive(Debug, Clone)]
pub struct Member {
    pub character: Character,
    pub voice: VoiceChoice,
}

/// The whole cast.
#[derive(Debug, Clone)]
pub struct Cast {
    pub narrator: VoiceChoice,
    pub members: Vec<Member>,
}

impl Cast {
    /// The voices as the renderer takes them.
    pub fn casting(&self) -> Casting {
        Casting {
            narrator: self.narrator.clone(),
            speakers: self.members.iter().map(|m| (m.character.name.clone(), m.voice.clone())).collect(),
        }
    }

    /// `cast --format json`: `{"narrator": VOICE, "characters": [{name, aliases, gender, lines,
    /// words, voice}]}`.
    pub fn to_json(&self) -> serde_json::Value {
        let characters: Vec<serde_json::Value> = self
            .members
            .iter()
            .map(|m| {
                serde_json::json!({
                    "name": m.character.name,
                    "aliases": m.character.aliases,
                    "gender": m.character.gender,
                    "lines": m.character.lines,
                    "words": m.character.words,
                    "voice": VoiceSpec::from(&m.voice),
                })
            })
            .collect();
        serde_json::json!({ "narrator": VoiceSpec::from(&self.narrator), "characters": characters })
    }
}

/// A voice that can be cast, with its engine.
#[derive(Clone)]
struct Candidate {
    engine: Arc<dyn Engine>,
    info: VoiceInfo,
    /// Position in the engines' own order, for deterministic ties.
    order: usize,
}

impl Candidate {
    /// How good a listener finds it: measured, else a cautious guess by kind.
    fn quality(&self) -> f32 {
        let guess = if self.info.natural { 0.6 } else { 0.3 };
        self.info.intelligibility.unwrap_or(guess)
    }

    fn choice(&self, prosody: Prosody) -> VoiceChoice {
        VoiceChoice { engine: self.engine.clone(), voice: self.info.id.clone(), prosody }
    }
}

/// Every voice of the given engines, best first.
fn candidates(engines: &[Arc<dyn Engine>]) -> Vec<Candidate> {
    let mut all: Vec<Candidate> = Vec::new();
    for engine in engines {
        for info in engine.voices() {
            let order = all.len();
            all.push(Candidate { engine: engine.clone(), info, order });
        }
    }
    all.sort_by(|a, b| {
        (b.info.natural, b.quality()).partial_cmp(&(a.info.natural, a.quality())).unwrap_or(std::cmp::Ordering::Equal).then(a.order.cmp(&b.order))
    });
    all
}

/// Casts every character. `characters` should be ordered as `attribute` returns them; they are
/// cast in order of lines spoken.
pub fn auto_cast(characters: &[Character], engines: &[Arc<dyn Engine>]) -> Option<Cast> {
    let pool = candidates(engines);
    let narrator = pool.first()?;
    let mut uses: BTreeMap<usize, u32> = BTreeMap::new();
    let mut order: Vec<&Character> = characters.iter().collect();
    order.sort_by(|a, b| b.lines.cmp(&a.lines).then(b.words.cmp(&a.words)).then(a.name.cmp(&b.name)));
    let mut members = Vec::with_capacity(order.len());
    for character in order {
        let (index, prosody) = pick(&pool, narrator.order, character.gender, &mut uses);
        members.push(Member { character: character.clone(), voice: pool[index].choice(prosody) });
    }
    // Present the cast in the story's own order of characters.
    members.sort_by_key(|m| characters.iter().position(|c| c.name == m.character.name));
    Some(Cast { narrator: narrator.choice(Prosody::default()), members })
}

/// The best voice for a character of `gender`: unused ones first, then the least used with a
/// pitch shift that keeps it distinct.
fn pick(pool: &[Candidate], narrator: usize, gender: Gender, uses: &mut BTreeMap<usize, u32>) -> (usize, Prosody) {
    let fits = |c: &Candidate| match (gender, c.info.gender) {
        (Gender::Unknown, _) | (_, Gender::Unknown) => 0.1,
        (g, v) if g == v => 0.35,
        _ => 0.0,
    };
    let score = |(i, c): (usize, &Candidate)| {
        let used = uses.get(&i).copied().unwrap_or(0) + u32::from(c.order == narrator);
        (used, -(c.quality() + fits(c)), i)
    };
    let best = pool
        .iter()
        .enumerate()
        .map(score)
        .min_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal))
        .map_or(0, |s| s.2);
    let times = uses.entry(best).or_insert(0);
    let shift = u32::from(pool[best].order == narrator) + *times;
    *times += 1;
    (best, shifted(shift))
}

/// Prosody for the n-th reuse of a voice: alternately higher and lower, further each time.
fn shifted(n: u32) -> Prosody {
    if n == 0 {
        return Prosody::default();
    }
    let step = 0.12 * n.div_ceil(2) as f32;
    let pitch = if n % 2 == 1 { 1.0 + step } else { 1.0 - step };
    Prosody { pitch: pitch.clamp(0.5, 1.8), rate: 1.0 + 0.03 * (n as f32).min(3.0), volume: 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::embedded::Embedded;

    fn character(name: &str, gender: Gender, lines: usize) -> Character {
        Character { name: name.into(), aliases: vec![], gender, lines, words: lines * 5 }
    }

    #[test]
    fn everyone_gets_a_distinct_voice_and_the_cast_is_stable() {
        let engines: Vec<Arc<dyn Engine>> = vec![Arc::new(Embedded::new())];
        let chars: Vec<Character> =
            (0..12).map(|i| character(&format!("C{i}"), Gender::Unknown, 100 - i)).collect();
        let cast = auto_cast(&chars, &engines).unwrap();
        let mut labels: Vec<String> = cast.members.iter().map(|m| m.voice.label()).collect();
        labels.push(cast.narrator.label());
        let n = labels.len();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), n, "voices repeat: {labels:?}");
        // Adding a minor character changes nobody else's voice.
        let mut more = chars.clone();
        more.push(character("Minor", Gender::Unknown, 1));
        let again = auto_cast(&more, &engines).unwrap();
        for (a, b) in cast.members.iter().zip(&again.members) {
            assert_eq!(a.voice.label(), b.voice.label());
        }
    }

    #[test]
    fn reused_voices_shift_pitch() {
        assert_eq!(shifted(0), Prosody::default());
        assert!(shifted(1).pitch > 1.0 && shifted(2).pitch < 1.0 && shifted(3).pitch > shifted(1).pitch);
    }
}

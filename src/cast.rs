//! Casting: a voice for the narrator and for every character.
//!
//! In: the characters (from the attribute stage) and the voices the engines offer. Out: a
//! [`Cast`], plain data: a [`Voice`] for the narrator and one for each character, which the voices
//! file may then override ([`crate::config::Loaded::cast`]).
//!
//! Automatic casting is deterministic (the same story and engines give the same cast) and greedy
//! in order of how much each character speaks, so adding a minor character never changes the
//! voices of the others. Voices that sound natural (neural ones: a measured naturalness, see
//! [`catalogue::sounds_natural`]) come first: the narrator gets the most natural of them, and the
//! characters with the most lines each get a speaker of their own among them, of their gender
//! where known. The rest get the classical voices as before: the narrator the most intelligible
//! recorded voice, the characters the next best, matched to their gender where known; once every
//! voice is taken, the least used ones come back with a shifted pitch so no two characters sound
//! alike.
//! Voices made from one recorded person (flite's slt and festival's slt HTS voice) count as one
//! speaker: a second voice of a speaker already heard is taken only when it is still clearly the
//! best, and then with a shifted pitch too.

use crate::attribute::Character;
use crate::engine::{VoiceInfo, catalogue};
use crate::script::{Gender, Kind, Line};
use crate::voice::{Prosody, Voice};
use std::collections::BTreeMap;

/// A character with their voice.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub character: Character,
    pub voice: Voice,
}

/// The whole cast: the narrator's voice and each character's.
#[derive(Debug, Clone, PartialEq)]
pub struct Cast {
    pub narrator: Voice,
    pub members: Vec<Member>,
}

impl Cast {
    /// Who speaks a line: its speaker's voice for dialogue, the narrator's otherwise.
    pub fn voices_by_speaker<'a>(&'a self) -> impl Fn(&Line) -> &'a Voice + 'a {
        let by_name: BTreeMap<&str, &Voice> =
            self.members.iter().map(|m| (m.character.name.as_str(), &m.voice)).collect();
        move |line: &Line| match (&line.kind, &line.speaker) {
            (Kind::Dialogue, Some(who)) => by_name.get(who.as_str()).copied().unwrap_or(&self.narrator),
            _ => &self.narrator,
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
                    "voice": m.voice,
                })
            })
            .collect();
        serde_json::json!({ "narrator": self.narrator, "characters": characters })
    }
}

/// A voice that can be cast.
#[derive(Clone)]
struct Candidate {
    info: VoiceInfo,
    /// Who a listener hears: the recorded person behind it, else the voice itself.
    speaker: String,
    /// Position in the engines' own order, for deterministic ties.
    order: usize,
    /// Its naturalness (P.808) when it sounds natural (see [`catalogue::sounds_natural`]).
    natural_sound: Option<f32>,
}

impl Candidate {
    /// How good a listener finds it: measured, else a cautious guess by kind.
    fn quality(&self) -> f32 {
        let guess = if self.info.natural { 0.6 } else { 0.3 };
        self.info.intelligibility.unwrap_or(guess)
    }

    fn choice(&self, prosody: Prosody) -> Voice {
        Voice::new(self.info.engine.clone(), self.info.id.clone()).with(prosody)
    }
}

/// Every voice, best first.
fn candidates(voices: &[VoiceInfo]) -> Vec<Candidate> {
    let mut all: Vec<Candidate> = Vec::new();
    for info in voices {
        let order = all.len();
        let speaker =
            catalogue::speaker(&info.engine, &info.id).unwrap_or_else(|| format!("{}:{}", info.engine, info.id));
        let natural_sound = catalogue::sounds_natural(&info.engine, &info.id)
            .then(|| catalogue::naturalness(&info.engine, &info.id))
            .flatten();
        all.push(Candidate { info: info.clone(), speaker, order, natural_sound });
    }
    // Natural-sounding voices first, the most natural first; then as before, recorded voices
    // before formant ones, the most intelligible first.
    all.sort_by(|a, b| {
        let key =
            |c: &Candidate| (c.natural_sound.is_some(), c.natural_sound.unwrap_or(0.0), c.info.natural, c.quality());
        key(b).partial_cmp(&key(a)).unwrap_or(std::cmp::Ordering::Equal).then(a.order.cmp(&b.order))
    });
    all
}

/// Casts every character from `voices` (the engines' voices in the engines' order of
/// preference). `characters` should be ordered as `attribute` returns them; they are cast in
/// order of lines spoken. `None` when there is no voice at all.
pub fn auto_cast(characters: &[Character], voices: &[VoiceInfo]) -> Option<Cast> {
    let pool = candidates(voices);
    let narrator = pool.first()?;
    let mut uses = Uses::default();
    *uses.speakers.entry(narrator.speaker.clone()).or_insert(0) += 1;
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

/// How often each voice (by its index in the pool) and each speaker has been cast so far, the
/// narrator included.
#[derive(Default)]
struct Uses {
    voices: BTreeMap<usize, u32>,
    speakers: BTreeMap<String, u32>,
}

/// What hearing a voice's speaker already costs a voice in [`pick`], however often it was heard,
/// against its intelligibility (0 to 1) plus its fit to the character's gender ([`SAME_GENDER`]
/// for a match): another person of the same gender wins when no more than 0.2 less
/// intelligible. A voice of the other gender wins only when more than 0.3 more intelligible than
/// a heard one (0.5 than one not yet heard): a woman's words in a man's voice are heard as a
/// mistake, a less clear voice of her own is not.
const SPEAKER_HEARD: f32 = 0.2;

/// A voice's fit to a character of its own gender in [`pick`] (0.1 when either is unknown).
const SAME_GENDER: f32 = 0.5;

/// What a voice measured rough ([`catalogue::sounds_rough`]: buzz or processing artefacts a
/// listener hears) costs it in [`pick`]: another voice as intelligible and as fitting is taken
/// first (festival's slt before flite's), a clearly better fit is not given up for it.
const ROUGH: f32 = 0.1;

/// The best voice for a character of `gender`: unused ones first, then the least used with a
/// pitch shift that keeps it distinct. A voice whose speaker is already heard counts against it,
/// and is shifted as a reused voice would be.
fn pick(pool: &[Candidate], narrator: usize, gender: Gender, uses: &mut Uses) -> (usize, Prosody) {
    let fits = |c: &Candidate| match (gender, c.info.gender) {
        (Gender::Unknown, _) | (_, Gender::Unknown) => 0.1,
        (g, v) if g == v => SAME_GENDER,
        _ => 0.0,
    };
    let heard = |c: &Candidate| uses.speakers.get(&c.speaker).copied().unwrap_or(0);
    // A natural-sounding speaker not heard yet, not of the other gender, the most natural first.
    let fresh = pool
        .iter()
        .enumerate()
        .filter(|(_, c)| c.natural_sound.is_some() && heard(c) == 0 && fits(c) > 0.0)
        .filter(|(i, c)| !uses.voices.contains_key(i) && c.order != narrator)
        .max_by(|(_, a), (_, b)| {
            let key = |c: &Candidate| (fits(c), c.natural_sound.unwrap_or(0.0), c.quality());
            key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal).then(b.order.cmp(&a.order))
        });
    if let Some((best, c)) = fresh {
        uses.voices.insert(best, 1);
        uses.speakers.insert(c.speaker.clone(), 1);
        return (best, Prosody::default());
    }
    let score = |(i, c): (usize, &Candidate)| {
        let used = uses.voices.get(&i).copied().unwrap_or(0) + u32::from(c.order == narrator);
        let rough = if catalogue::sounds_rough(&c.info.engine, &c.info.id) { ROUGH } else { 0.0 };
        (used, -(c.quality() + fits(c) - SPEAKER_HEARD * heard(c).min(1) as f32 - rough), i)
    };
    let best = pool
        .iter()
        .enumerate()
        .map(score)
        .min_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal))
        .map_or(0, |s| s.2);
    let shift = heard(&pool[best]);
    *uses.voices.entry(best).or_insert(0) += 1;
    *uses.speakers.entry(pool[best].speaker.clone()).or_insert(0) += 1;
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
    use crate::engine::Engine;
    use crate::engine::embedded::Embedded;

    fn character(name: &str, gender: Gender, lines: usize) -> Character {
        Character { name: name.into(), aliases: vec![], gender, lines, words: lines * 5 }
    }

    #[test]
    fn everyone_gets_a_distinct_voice_and_the_cast_is_stable() {
        let engines = Embedded::new().voices();
        let chars: Vec<Character> = (0..12).map(|i| character(&format!("C{i}"), Gender::Unknown, 100 - i)).collect();
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

    fn listed(engine: &str, voices: &[(&str, Gender, f32)]) -> Vec<VoiceInfo> {
        voices
            .iter()
            .map(|&(id, gender, score)| VoiceInfo {
                engine: engine.into(),
                id: id.into(),
                accent: "en-US".into(),
                gender,
                natural: true,
                intelligibility: Some(score),
            })
            .collect()
    }

    fn engines(festival: Vec<(&'static str, Gender, f32)>) -> Vec<VoiceInfo> {
        let flite = [("rms", Gender::Male, 0.92), ("slt", Gender::Female, 0.76), ("kal16", Gender::Male, 0.79)];
        [listed("festival", &festival), listed("flite", &flite)].concat()
    }

    #[test]
    fn one_recorded_speaker_in_two_engines_is_not_two_people() {
        let women = [character("Mara", Gender::Female, 20), character("Ruth", Gender::Female, 10)];
        // The only other woman's voice is the same person as flite's slt: she speaks for Ruth
        // (a man's voice would not do), pitched apart from Mara.
        // (flite's slt is measured rough, so festival's rendition of her goes first.)
        let cast = auto_cast(&women, &engines(vec![("cmu_us_slt_arctic_hts", Gender::Female, 0.75)])).unwrap();
        let (mara, ruth) = (&cast.members[0].voice, &cast.members[1].voice);
        assert_eq!((mara.id.as_str(), mara.prosody), ("cmu_us_slt_arctic_hts", Prosody::default()));
        assert_eq!(ruth.id, "slt");
        assert!(ruth.prosody.pitch != 1.0, "Ruth sounds like Mara: {:?}", ruth.prosody);

        // Another woman of about the same quality is preferred to the same one again.
        let festival =
            vec![("cmu_us_slt_arctic_hts", Gender::Female, 0.75), ("cmu_us_clb_arctic_hts", Gender::Female, 0.70)];
        let cast = auto_cast(&women, &engines(festival)).unwrap();
        assert_eq!(cast.members[1].voice.id, "cmu_us_clb_arctic_hts");
        assert_eq!(cast.members[1].voice.prosody, Prosody::default());
    }

    #[test]
    fn a_woman_is_not_given_a_mans_voice_for_its_clarity() {
        // This machine's voices: a neural man who narrates, one woman in festival, the same woman
        // (rough) and two men in flite, and espeak-ng's formant women, less clear than flite's men.
        let mut voices = listed("piper", &[("en_US-joe-medium", Gender::Male, 0.9)]);
        voices.extend(engines(vec![("cmu_us_slt_arctic_hts", Gender::Female, 0.75)]));
        voices.extend(listed("espeak-ng", &[("en-us+f2", Gender::Female, 0.49), ("en-us+klatt", Gender::Male, 0.51)]));
        let women = [character("Mara", Gender::Female, 20), character("Ruth", Gender::Female, 10)];
        let cast = auto_cast(&women, &voices).unwrap();
        for member in &cast.members {
            let info = voices.iter().find(|v| v.id == member.voice.id).unwrap();
            assert_eq!(info.gender, Gender::Female, "{} speaks as {}", member.character.name, member.voice.label());
        }
    }

    #[test]
    fn neural_speakers_come_first_one_person_each_matched_by_gender() {
        let piper = vec![
            ("en_US-lessac-high", Gender::Male, 0.80),
            ("en_US-lessac-low", Gender::Male, 0.78),
            ("en_GB-m-medium#a", Gender::Female, 0.70),
            ("en_GB-m-medium#b", Gender::Male, 0.70),
            ("en_GB-m-medium#c", Gender::Female, 0.60),
        ];
        let flite = vec![("rms", Gender::Male, 0.92), ("slt", Gender::Female, 0.76), ("kal16", Gender::Male, 0.79)];
        let engines = [listed("piper", &piper), listed("flite", &flite)].concat();
        let chars = [
            character("Mara", Gender::Female, 20),
            character("Tom", Gender::Male, 10),
            character("Ruth", Gender::Female, 5),
            character("Ann", Gender::Female, 3),
            character("Sam", Gender::Male, 2),
        ];
        let cast = auto_cast(&chars, &engines).unwrap();
        // The narrator: the most natural voice (all unmeasured, so the most intelligible of them).
        assert_eq!(cast.narrator.label(), "piper:en_US-lessac-high");
        let voice = |name: &str| cast.members.iter().find(|m| m.character.name == name).unwrap().voice.label();
        assert_eq!(voice("Mara"), "piper:en_GB-m-medium#a");
        assert_eq!(voice("Tom"), "piper:en_GB-m-medium#b");
        assert_eq!(voice("Ruth"), "piper:en_GB-m-medium#c");
        // No neural woman is left, and lessac-low is the narrator's own speaker: classical voices.
        assert_eq!(voice("Ann"), "flite:slt");
        assert!(!voice("Sam").contains("lessac"), "{}", voice("Sam"));
    }

    #[test]
    fn reused_voices_shift_pitch() {
        assert_eq!(shifted(0), Prosody::default());
        assert!(shifted(1).pitch > 1.0 && shifted(2).pitch < 1.0 && shifted(3).pitch > shifted(1).pitch);
    }
}

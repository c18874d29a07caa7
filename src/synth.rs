//! Synthesis: the plan's speech, into the cache.
//!
//! In: a [`Plan`], the engines, the cache and the scheduler. Out: a [`Synthesis`], where each of
//! the plan's pieces ended up: audio in the cache under its own key, or under the narrator's key
//! when its own voice failed, or a reason it has none. This is the only stage that calls
//! engines, and the only place of the fallback policy ([`Speakers::voice`]): a piece is tried
//! twice in its own voice (once for errors that a retry cannot help), then in the narrator's.
//!
//! Pieces missing from the cache are spoken concurrently, one task per distinct key, at most
//! `jobs` at once and at most each engine's own limit; each result is written to the cache as
//! soon as it exists, so an interrupted render resumes where it stopped. An entry found damaged
//! later, when it is read, is spoken again here too ([`Speakers::mend`]).

use crate::audio::Pcm16;
use crate::audio::cache::{Cache, CacheKey, plausible_rate};
use crate::engine::{Engine, EngineError, Engines};
use crate::error::{Error, Result};
use crate::plan::{Plan, Versions};
use crate::progress::{self, Display};
use crate::schedule::{self, Limit, Scheduler, Slots};
use crate::voice::Voice;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Where a piece's audio is.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// In the cache under `key`, spoken by `voice` (an index into the plan's voices).
    Audio { voice: usize, key: CacheKey },
    /// Nowhere, for this reason.
    Failed(String),
}

/// What synthesis did.
#[derive(Debug, Clone)]
pub struct Synthesis {
    /// One per job of the plan.
    pub outcomes: Vec<Outcome>,
    /// Entries an engine spoke in this run.
    pub synthesized: usize,
    /// Jobs found in the cache.
    pub cache_hits: usize,
    /// Jobs voiced by the narrator because their own voice failed.
    pub fallbacks: usize,
}

/// What became of one piece voiced by [`Speakers::voice`].
#[derive(Debug, Clone, PartialEq)]
pub enum Voiced {
    /// In its own voice; the seconds of audio made.
    Own(f64),
    /// In the narrator's, under this key; the seconds of audio made (0 when it was cached).
    Narrator(CacheKey, f64),
    /// In neither; why its own voice failed.
    Failed(String),
}

/// The plan's voices with their engines, and the cache: everything a task needs to speak.
#[derive(Clone)]
pub struct Speakers(Arc<Inner>);

struct Inner {
    /// Each plan voice's engine; the narrator's first.
    engines: Vec<Arc<dyn Engine>>,
    plan_voices: Vec<Voice>,
    versions: Versions,
    cache: Cache,
}

impl Speakers {
    /// The engines of the plan's voices, found by name.
    pub fn new(plan: &Plan, engines: &Engines, versions: &Versions, cache: &Cache) -> Result<Speakers, EngineError> {
        let found: Result<Vec<_>, _> = plan.voices.iter().map(|v| engines.get(&v.engine)).collect();
        Ok(Speakers(Arc::new(Inner {
            engines: found?,
            plan_voices: plan.voices.clone(),
            versions: versions.clone(),
            cache: cache.clone(),
        })))
    }

    /// Voices one piece: in its own voice, retried once when a retry can help, else in the
    /// narrator's, whose entry may already be in the cache. Every result goes to the cache.
    pub fn voice(&self, voice: usize, spoken: &str, key: &CacheKey) -> Voiced {
        let first = match self.speak(voice, spoken, key) {
            Ok(seconds) => return Voiced::Own(seconds),
            Err(e) => e,
        };
        if voice == 0 {
            return Voiced::Failed(first);
        }
        let narrator = Plan::key(&self.0.plan_voices[0], &self.0.versions, spoken);
        // Read, not only looked up: the narrator's entry may be damaged too.
        if self.0.cache.get(&narrator).is_some() {
            return Voiced::Narrator(narrator, 0.0);
        }
        match self.speak(0, spoken, &narrator) {
            Ok(seconds) => Voiced::Narrator(narrator, seconds),
            Err(_) => Voiced::Failed(first),
        }
    }

    /// Speaks again a piece whose entry under `key` was found damaged, by the same policy as
    /// [`Speakers::voice`]. An entry that its own voice could not mend is removed, so the next
    /// render speaks the line again rather than take it as cached.
    pub fn mend(&self, voice: usize, spoken: &str, key: &CacheKey) -> Voiced {
        let voiced = self.voice(voice, spoken, key);
        if !matches!(voiced, Voiced::Own(_)) {
            self.0.cache.remove(key);
        }
        voiced
    }

    /// Synthesizes one piece into the cache, retrying once; gives the seconds of audio made.
    fn speak(&self, voice: usize, spoken: &str, key: &CacheKey) -> std::result::Result<f64, String> {
        let (engine, v) = (&self.0.engines[voice], &self.0.plan_voices[voice]);
        let mut last = String::new();
        for _attempt in 0..2 {
            match engine
                .synthesize_16(&v.id, v.prosody, spoken)
                .and_then(|pcm| plausible(engine.name(), pcm, spoken, v))
            {
                Ok(pcm) => {
                    let seconds = pcm.samples.len() as f64 / f64::from(pcm.sample_rate.max(1));
                    return self.0.cache.put(key, &pcm).map(|()| seconds).map_err(|e| e.to_string());
                }
                Err(
                    e @ (EngineError::NotInstalled { .. }
                    | EngineError::UnknownVoice { .. }
                    | EngineError::BadVoice { .. }
                    | EngineError::Unsupported { .. }),
                ) => return Err(e.to_string()),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }
}

/// Engine output that cannot be the line spoken fails the line, before it enters the cache: no
/// samples or digital silence, a sample rate no speech is made at, or a length no reading of the
/// text could have (an engine that lies, or a wrapper that broke).
fn plausible(engine: &str, pcm: Pcm16, spoken: &str, voice: &Voice) -> std::result::Result<Pcm16, EngineError> {
    let bad = |detail: String| EngineError::BadOutput { engine: engine.to_string(), detail };
    if !plausible_rate(pcm.sample_rate) {
        return Err(bad(format!("its audio is at {} Hz, where speech is at 4 kHz to 192 kHz", pcm.sample_rate)));
    }
    if pcm.samples.is_empty() || pcm.rms() < 1e-4 {
        return Err(EngineError::NoAudio { engine: engine.to_string() });
    }
    let seconds = pcm.samples.len() as f64 / f64::from(pcm.sample_rate);
    let (shortest, longest) = plausible_seconds(spoken.chars().count(), voice.prosody.rate);
    if !(shortest..=longest).contains(&seconds) {
        return Err(bad(format!(
            "it made {seconds:.1} s of audio for {} characters of text, where {shortest:.1} s to {longest:.0} s \
             would be speech",
            spoken.chars().count()
        )));
    }
    Ok(pcm)
}

/// How long speaking `chars` characters at `rate` times the natural rate may take: speech runs
/// at about 15 characters a second; anything 50 times faster, or 7 times slower with ten seconds
/// to spare, is not a reading of the text.
fn plausible_seconds(chars: usize, rate: f32) -> (f64, f64) {
    let rate = f64::from(crate::engine::clamp_multiplier(rate));
    let natural = chars as f64 / 15.0 / rate;
    (natural / 50.0, 10.0 + natural * 7.0)
}

/// Speaks every piece of `plan` missing from the cache; `watch`, when given, is told the progress.
pub fn synthesize(
    plan: &Plan,
    speakers: &Speakers,
    scheduler: &Scheduler,
    display: Display,
    watch: Option<&Arc<progress::Watch>>,
) -> Result<Synthesis> {
    let cache = &speakers.0.cache;
    let mut outcomes: Vec<Outcome> =
        plan.jobs.iter().map(|j| Outcome::Audio { voice: j.voice, key: j.key.clone() }).collect();
    // One task per distinct key: a line repeated with the same voice is spoken once.
    let mut todo: BTreeMap<&CacheKey, Vec<usize>> = BTreeMap::new();
    for (i, job) in plan.jobs.iter().enumerate() {
        todo.entry(&job.key).or_default().push(i);
    }
    todo.retain(|key, _| !cache.contains(key));
    let cache_hits = plan.jobs.len() - todo.values().map(Vec::len).sum::<usize>();
    let bar =
        progress::LineCounter::new(progress::bar(display, todo.len() as u64, "speaking")).watched(watch, "speaking");
    let tasks: Vec<Task> = todo
        .iter()
        .map(|(key, jobs)| {
            let job = &plan.jobs[jobs[0]];
            Task { key: (*key).clone(), voice: job.voice, spoken: job.spoken.clone() }
        })
        .collect();
    let results = scheduler.block_on(run_tasks(tasks, speakers, scheduler.slots(), &bar));
    bar.finish();
    let mut fallbacks = 0;
    for ((_, jobs), voiced) in todo.iter().zip(&results) {
        for &i in jobs {
            match voiced {
                Voiced::Own(_) => {}
                Voiced::Narrator(key, _) => {
                    fallbacks += 1;
                    outcomes[i] = Outcome::Audio { voice: 0, key: key.clone() };
                }
                Voiced::Failed(e) => outcomes[i] = Outcome::Failed(e.clone()),
            }
        }
    }
    let synthesized = results.iter().filter(|r| !matches!(r, Voiced::Failed(_))).count();
    Ok(Synthesis { outcomes, synthesized, cache_hits, fallbacks })
}

/// One distinct piece to speak.
struct Task {
    key: CacheKey,
    voice: usize,
    spoken: String,
}

/// Speaks the tasks on the scheduler, in working order, each engine at most as often at once
/// as it allows; the results in the tasks' order.
async fn run_tasks(tasks: Vec<Task>, speakers: &Speakers, slots: &Slots, bar: &progress::LineCounter) -> Vec<Voiced> {
    let jobs = slots.jobs();
    prepare_engines(&tasks, speakers, jobs);
    let mut limits: HashMap<&'static str, Limit> = HashMap::new();
    let mut results = vec![Voiced::Failed("not run".into()); tasks.len()];
    let mut running = tokio::task::JoinSet::new();
    for (i, task) in in_working_order(tasks, speakers) {
        let engine = &speakers.0.engines[task.voice];
        let limit =
            limits.entry(engine.name()).or_insert_with(|| Limit::new(engine.max_parallel().unwrap_or(jobs))).clone();
        let speakers = speakers.clone();
        let handle = slots.spawn(&[&limit], move || (i, speakers.voice(task.voice, &task.spoken, &task.key))).await;
        running.spawn(async move { schedule::joined(handle.await) });
        while let Some(done) = running.try_join_next() {
            record(schedule::joined(done), &mut results, bar);
        }
    }
    while let Some(done) = running.join_next().await {
        record(schedule::joined(done), &mut results, bar);
    }
    results
}

fn record((i, voiced): (usize, Voiced), results: &mut [Voiced], bar: &progress::LineCounter) {
    let seconds = match &voiced {
        Voiced::Own(s) | Voiced::Narrator(_, s) => *s,
        Voiced::Failed(_) => 0.0,
    };
    results[i] = voiced;
    bar.line(seconds);
}

/// Lets each engine the tasks use start the worker processes it will keep busy.
fn prepare_engines(tasks: &[Task], speakers: &Speakers, jobs: usize) {
    let mut engines: Vec<(&Arc<dyn Engine>, usize)> = Vec::new();
    for task in tasks {
        let engine = &speakers.0.engines[task.voice];
        match engines.iter_mut().find(|(e, _)| e.name() == engine.name()) {
            Some((_, count)) => *count += 1,
            None => engines.push((engine, 1)),
        }
    }
    for (engine, count) in engines {
        engine.prepare(count.min(engine.max_parallel().unwrap_or(jobs)).clamp(1, jobs));
    }
}

/// The order tasks are started in, each with its index in `tasks`:
/// - a voice's lines one after another, since engines set a voice up once (a process, a voice
///   server) and then render many lines in it;
/// - the voices with the most text first, and in each voice the longest lines first, so the last
///   tasks are short and the jobs finish together instead of one waiting on a long paragraph.
fn in_working_order(tasks: Vec<Task>, speakers: &Speakers) -> Vec<(usize, Task)> {
    let name = |task: &Task| {
        let v = &speakers.0.plan_voices[task.voice];
        (v.engine.as_str(), v.id.as_str())
    };
    let mut text_per_voice: HashMap<(&str, &str), usize> = HashMap::new();
    for task in &tasks {
        *text_per_voice.entry(name(task)).or_default() += task.spoken.len();
    }
    let mut order: Vec<(usize, usize, usize)> =
        tasks.iter().enumerate().map(|(i, task)| (text_per_voice[&name(task)], task.spoken.len(), i)).collect();
    // Ties between voices of equal size are broken by name, so the order never depends on hashing.
    order.sort_by(|a, b| {
        b.0.cmp(&a.0).then_with(|| name(&tasks[a.2]).cmp(&name(&tasks[b.2]))).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2))
    });
    let mut slots: Vec<Option<Task>> = tasks.into_iter().map(Some).collect();
    order.into_iter().filter_map(|(_, _, i)| slots[i].take().map(|t| (i, t))).collect()
}

/// Pieces found damaged when read, spoken again: what became of each damaged key.
pub type Mended = BTreeMap<CacheKey, Voiced>;

/// Mends the damaged entries of `jobs` (each key once, however many jobs share it) and points
/// their outcomes at the audio that now stands for them. An entry found damaged again after it
/// was mended in this run (a failing disk) is not spoken a third time: its line fails.
pub fn mend(plan: &Plan, jobs: &[usize], outcomes: &mut [Outcome], speakers: &Speakers, mended: &mut Mended) {
    let before: std::collections::BTreeSet<CacheKey> = mended.keys().cloned().collect();
    for &j in jobs {
        let Outcome::Audio { voice, key } = outcomes[j].clone() else { continue };
        let lost = || Outcome::Failed("its cached audio could not be read, nor spoken again".into());
        if before.contains(&key) {
            outcomes[j] = lost();
            continue;
        }
        let voiced = mended.entry(key.clone()).or_insert_with(|| speakers.mend(voice, &plan.jobs[j].spoken, &key));
        outcomes[j] = match voiced {
            Voiced::Own(_) => Outcome::Audio { voice, key },
            Voiced::Narrator(narrator, _) => Outcome::Audio { voice: 0, key: narrator.clone() },
            Voiced::Failed(_) => lost(),
        };
    }
}

impl Synthesis {
    /// The counts once damaged entries were mended: entries spoken again count as synthesized
    /// (per entry) and not as cache hits (per job); jobs of an entry the narrator now speaks
    /// count as fallbacks.
    pub fn count_mended(&mut self, mended: &Mended) {
        self.synthesized += mended.values().filter(|m| !matches!(m, Voiced::Failed(_))).count();
        let jobs = |wanted: fn(&Voiced) -> bool| {
            let hit = |o: &&Outcome| matches!(o, Outcome::Audio { key, .. } if mended.get(key).is_some_and(wanted));
            self.outcomes.iter().filter(hit).count()
        };
        let (all, narrator) = (jobs(|_| true), jobs(|m| matches!(m, Voiced::Narrator(..))));
        self.cache_hits -= all.min(self.cache_hits);
        self.fallbacks += narrator;
    }
}

/// The error of a render that could not start its scheduler.
pub fn no_scheduler(e: std::io::Error) -> Error {
    Error::Invalid(format!("cannot start the synthesis runtime: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcm(seconds: f64, rate: u32) -> Pcm16 {
        let n = (seconds * f64::from(rate)) as usize;
        Pcm16 { samples: (0..n).map(|i| ((i % 50) as i16 - 25) * 400).collect(), sample_rate: rate }
    }

    #[test]
    fn output_that_cannot_be_the_line_is_refused() {
        let voice = Voice::new("e", "v");
        let line = "The lamp room smelled of oil and salt."; // 38 characters, about 2.5 s
        assert!(plausible("e", pcm(2.5, 16_000), line, &voice).is_ok());
        for (audio, why) in [
            (pcm(2.5, 1), "1 Hz"),
            (pcm(2.5, 400_000), "400000 Hz"),
            (pcm(0.01, 16_000), "0.0 s"),
            (pcm(60.0, 16_000), "60.0 s"),
        ] {
            let err = plausible("e", audio, line, &voice).unwrap_err().to_string();
            assert!(err.contains(why), "{err}");
        }
        assert!(matches!(plausible("e", pcm(0.0, 16_000), line, &voice), Err(EngineError::NoAudio { .. })));
        // Slow voices may take longer, and a one-word line may be short or padded.
        let slow = voice.clone().with(crate::voice::Prosody { rate: 0.5, ..Default::default() });
        assert!(plausible("e", pcm(30.0, 16_000), line, &slow).is_ok());
        assert!(plausible("e", pcm(0.15, 22_050), "Tea", &voice).is_ok());
        assert!(plausible("e", pcm(3.0, 22_050), "Tea", &voice).is_ok());
    }
}

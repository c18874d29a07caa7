//! Rendering: every line through its voice's engine, then each chapter assembled to disk.
//!
//! A render runs in three passes, none of which holds a chapter's audio in memory:
//! 1. **synthesize** the lines missing from the cache, concurrently (tokio, bounded by `jobs` and
//!    by each engine's own limit); each result is written to the cache as soon as it exists, so an
//!    interrupted render resumes where it stopped;
//! 2. **measure** each voice's loudness over (up to) its first minutes of speech, for one gain per
//!    voice;
//! 3. **assemble** each chapter in order from the cache: trim, resample, gain, limit, pause, and
//!    stream to `NN-<slug>.wav`, then write `manifest.json`.

use crate::audio::cache::{Cache, CacheKey};
use crate::audio::loudness::{DEFAULT_TARGET_LUFS, VoiceLoudness};
use crate::audio::resample::Resampler;
use crate::audio::wav::ChapterWriter;
use crate::audio::{self, Pcm};
use crate::engine::{Engine, EngineError, Prosody};
use crate::error::{Error, Result};
use crate::parallel;
use crate::plan::{self, Pauses, Pronunciations};
use crate::progress::{self, Display};
use crate::script::{Kind, Line, Script};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// A voice as the render uses it: an engine, one of its voices, and prosody.
#[derive(Clone)]
pub struct VoiceChoice {
    pub engine: Arc<dyn Engine>,
    pub voice: String,
    pub prosody: Prosody,
}

impl std::fmt::Debug for VoiceChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

impl VoiceChoice {
    /// `engine:voice`, with prosody when it is not the default: `espeak-ng:en-us+f3@1.1x/0.9p`.
    pub fn label(&self) -> String {
        let p = self.prosody;
        let mut s = format!("{}:{}", self.engine.name(), self.voice);
        if p != Prosody::default() {
            s.push_str(&format!("@{:.2}r/{:.2}p/{:.2}v", p.rate, p.pitch, p.volume));
        }
        s
    }

    fn manifest(&self) -> VoiceRecord {
        VoiceRecord {
            engine: self.engine.name().to_string(),
            voice: self.voice.clone(),
            rate: self.prosody.rate,
            pitch: self.prosody.pitch,
            volume: self.prosody.volume,
        }
    }
}

/// Who says what: the narrator's voice and each character's.
#[derive(Debug, Clone)]
pub struct Casting {
    pub narrator: VoiceChoice,
    pub speakers: BTreeMap<String, VoiceChoice>,
}

impl Casting {
    /// The voice of a line: its speaker's for dialogue, the narrator's otherwise.
    pub fn voice_for(&self, line: &Line) -> &VoiceChoice {
        match (&line.kind, &line.speaker) {
            (Kind::Dialogue, Some(who)) => self.speakers.get(who).unwrap_or(&self.narrator),
            _ => &self.narrator,
        }
    }
}

/// Which lines go into which file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The whole story, one file per chapter, with `manifest.json`.
    Chapters,
    /// These line indexes (0-based, in order) into one file, e.g. a preview.
    Lines { indexes: Vec<usize>, file: PathBuf },
}

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Where chapter files and `manifest.json` go.
    pub out_dir: PathBuf,
    pub cache_dir: PathBuf,
    /// The book's sample rate; `None` lets the render choose (see [`DEFAULT_SAMPLE_RATE`]).
    pub sample_rate: Option<u32>,
    /// Lines synthesized at once.
    pub jobs: usize,
    pub pauses: Pauses,
    /// Leave notes (author's notes, disclaimers) out of the audio.
    pub skip_notes: bool,
    pub pronunciations: Pronunciations,
    pub display: Display,
    pub selection: Selection,
    /// The story's name, for the manifest.
    pub story: String,
    /// Title, author, cover and extracted text of the book, for the manifest.
    pub book: crate::export::source::BookInfo,
}

/// The book's rate unless told otherwise, or unless the narrator's engine renders at a multiple
/// of 11.025 kHz (see [`RATE_FOR_11K_NARRATORS`]). The engines here other than espeak-ng render at
/// 16 kHz, and 24 kHz is three halves of that: the simplest conversion, for this program and for
/// whatever converts the book again (players and encoders working at 48 kHz double it exactly).
/// A speech recognizer hears renders of 16 kHz voices better at 24 kHz than at 22.05 kHz (word
/// error rate 0.218 against 0.236 on the longest story; 0.202 for the engines' own output).
pub const DEFAULT_SAMPLE_RATE: u32 = 24_000;
/// The book's rate when the narrator's engine renders at 11.025, 22.05 or 44.1 kHz (espeak-ng's
/// is 22.05 kHz): its lines, the bulk of a book, then go into the chapters without resampling.
pub const RATE_FOR_11K_NARRATORS: u32 = 22_050;

impl RenderOptions {
    pub fn new(story: &str, out_dir: PathBuf, cache_dir: PathBuf) -> RenderOptions {
        RenderOptions {
            out_dir,
            cache_dir,
            sample_rate: None,
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            pauses: Pauses::default(),
            skip_notes: false,
            pronunciations: Pronunciations::new(),
            display: Display::Auto,
            selection: Selection::Chapters,
            story: story.to_string(),
            book: Default::default(),
        }
    }
}

/// A line that could not be voiced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// 1-based line number.
    pub line: usize,
    pub voice: String,
    pub error: String,
}

/// A written chapter file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChapterRecord {
    pub index: usize,
    pub title: String,
    pub file: String,
    pub duration_s: f64,
    /// Further files when the chapter passed the WAV size limit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<String>,
    /// A hash of everything the chapter's audio depends on: an unchanged chapter is not written
    /// again.
    #[serde(default)]
    pub fingerprint: String,
    /// The source document the chapter begins in (for an EPUB, the file inside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Every source document its lines come from, when there are several.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    pub lines: Vec<LineRecord>,
}

/// A voiced line in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineRecord {
    /// 1-based line number of the script.
    pub line: usize,
    pub chapter: usize,
    pub scene: usize,
    pub paragraph: usize,
    pub kind: Kind,
    pub speaker: Option<String>,
    pub voice: VoiceRecord,
    /// What was said.
    pub text: String,
    /// The source span, UTF-8 byte offsets into the decoded story.
    pub span: [usize; 2],
    pub start_s: f64,
    pub end_s: f64,
    /// Why the line is silent, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A voice in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceRecord {
    pub engine: String,
    pub voice: String,
    pub rate: f32,
    pub pitch: f32,
    pub volume: f32,
}

/// What a render did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderReport {
    pub story: String,
    /// Title, author, language, format, cover and extracted text of the book.
    #[serde(flatten)]
    pub book: crate::export::source::BookInfo,
    pub sample_rate: u32,
    pub chapters: Vec<ChapterRecord>,
    pub failures: Vec<Failure>,
    /// Lines synthesized by an engine in this run.
    pub synthesized: usize,
    /// Lines found in the cache.
    pub cache_hits: usize,
    /// Lines voiced by the narrator because their own voice failed.
    pub fallbacks: usize,
    /// Chapters kept from the previous render because nothing in them changed.
    #[serde(default)]
    pub chapters_kept: usize,
    pub audio_s: f64,
    pub wall_s: f64,
}

/// One piece of a line to voice (a line longer than a few sentences has several).
struct Job {
    line: usize,
    voice: usize,
    spoken: String,
}

/// Silence between the pieces of one long line, where a sentence ended.
const PIECE_GAP_MS: u32 = 120;

/// The share of the neighbouring pauses a line's manifest times include on each side (see
/// [`widen_into_pauses`]). Engines and the trim leave a line's first and last sounds right at its
/// edges; a speech recognizer given a one-word line cut exactly there mishears it ("There" came
/// back as "air"), and a caption shown exactly at the onset looks late. A quarter of a second is
/// within the lead-in and lag-out captioning guides allow, and measured with the recognizer on
/// the longest story: 100 ms gave a word error rate of 0.236, 200 ms 0.224, 300 ms 0.218.
const LINE_MARGIN_MS: u32 = 250;

/// Where a line's audio ended up.
#[derive(Debug, Clone)]
enum Outcome {
    Audio { voice: usize, key: CacheKey },
    Failed(String),
}

/// Renders a script with a cast. Lines that fail are listed in the report; everything else is
/// still written.
pub fn render(text: &str, script: &Script, casting: &Casting, opts: &RenderOptions) -> Result<RenderReport> {
    let started = Instant::now();
    let cache = Cache::open(&opts.cache_dir)?;
    let mut voices: Vec<VoiceChoice> = vec![casting.narrator.clone()];
    let jobs = plan_jobs(text, script, casting, opts, &mut voices);
    let versions = engine_versions(&voices);
    let keys: Vec<CacheKey> = jobs.iter().map(|j| key_for(&voices[j.voice], &versions, &j.spoken)).collect();
    let synth = synthesize(&jobs, &keys, &voices, &versions, &cache, opts)?;
    let rate = opts.sample_rate.unwrap_or_else(|| book_rate(&synth.outcomes, &cache));
    let mut report = RenderReport {
        story: opts.story.clone(),
        book: opts.book.clone(),
        sample_rate: rate,
        chapters: Vec::new(),
        failures: Vec::new(),
        synthesized: synth.synthesized,
        cache_hits: synth.cache_hits,
        fallbacks: synth.fallbacks,
        chapters_kept: 0,
        audio_s: 0.0,
        wall_s: 0.0,
    };
    std::fs::create_dir_all(&opts.out_dir).map_err(|source| Error::Write { path: opts.out_dir.clone(), source })?;
    let manifest_path = opts.out_dir.join("manifest.json");
    let previous = match opts.selection {
        Selection::Chapters => previous_chapters(&manifest_path, &opts.out_dir),
        Selection::Lines { .. } => HashMap::new(),
    };
    let voice_ids = voice_identities(&synth.outcomes, voices.len());
    let mut by_line: HashMap<usize, Vec<usize>> = HashMap::new();
    for (j, job) in jobs.iter().enumerate() {
        by_line.entry(job.line).or_default().push(j);
    }
    let mended = std::sync::Mutex::new(HashMap::new());
    let draft = Assembly {
        script,
        by_line: &by_line,
        jobs: &jobs,
        outcomes: &synth.outcomes,
        voices: &voices,
        gains: &[],
        cache: &cache,
        opts,
        rate,
        versions: &versions,
        mended: &mended,
        writing: None,
    };
    let outs = outputs(script, opts);
    let prints: Vec<String> = outs.iter().map(|(t, p, l)| draft.fingerprint(t, p, l, &voice_ids)).collect();
    // Loudness is measured only when some chapter must be written again.
    let gains =
        if prints.iter().all(|f| previous.contains_key(f)) { Vec::new() } else { measure_voices(&draft, opts.jobs)? };
    let slots: Vec<Option<ChapterRecord>> = prints.iter().map(|f| previous.get(f).cloned()).collect();
    let to_write = outs.iter().zip(&slots).filter(|(_, kept)| kept.is_none());
    let lines_to_write =
        to_write.map(|((_, _, lines), _)| lines.iter().filter(|i| by_line.contains_key(i)).count()).sum::<usize>();
    let writing = progress::LineCounter::new(progress::bar(opts.display, lines_to_write as u64, "writing"));
    let ctx = Assembly { gains: &gains, writing: Some(&writing), ..draft };
    report.chapters_kept = slots.iter().flatten().count();
    let done = std::sync::Mutex::new((slots, report));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work: Vec<_> = outs.into_iter().zip(prints).collect();
    // Chapters are assembled side by side, each streamed by one thread; the manifest is rewritten
    // after each one, so an interrupted render keeps what it finished.
    // Fewer chapters than jobs (a short story, a preview): the spare cores work inside them.
    let per_chapter = (opts.jobs / opts.jobs.clamp(1, work.len().max(1))).max(1);
    let worker = || -> Result<()> {
        loop {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(((title, path, lines), fingerprint)) = work.get(n) else { return Ok(()) };
            if done.lock().map_err(|_| poisoned())?.0[n].is_some() {
                continue;
            }
            let mut chapter = ctx.chapter(n + 1, title, path, lines, per_chapter)?;
            // A chapter with a line its own voice could not mend is written again next time,
            // when that voice may work: the fingerprint, made before, cannot tell.
            if !ctx.lost_a_voice(lines) {
                chapter.fingerprint = fingerprint.clone();
            }
            let mut guard = done.lock().map_err(|_| poisoned())?;
            let (slots, report) = &mut *guard;
            slots[n] = Some(chapter);
            if opts.selection == Selection::Chapters {
                report.chapters = slots.iter().flatten().cloned().collect();
                report.wall_s = started.elapsed().as_secs_f64();
                write_manifest(&manifest_path, report)?;
            }
        }
    };
    let threads = opts.jobs.clamp(1, work.len().max(1));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
        handles.into_iter().try_for_each(|h| h.join().map_err(|_| Error::Invalid("a chapter writer crashed".into()))?)
    })?;
    writing.finish();
    let (slots, mut report) = done.into_inner().map_err(|_| poisoned())?;
    report.chapters = slots.into_iter().flatten().collect();
    report.audio_s = report.chapters.iter().map(|c| c.duration_s).sum();
    report.failures = failures(&report.chapters);
    // Entries spoken again count as synthesized (per entry), and not as cache hits (per job);
    // lines of an entry spoken in the narrator's voice instead count as fallbacks (per job).
    let mended = mended.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    report.synthesized += mended.values().filter(|m| !matches!(m, Mend::Failed)).count();
    let mended_jobs = |wanted: fn(&Mend) -> bool| {
        synth
            .outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Audio { key, .. } if mended.get(key).is_some_and(wanted)))
            .count()
    };
    report.cache_hits -= mended_jobs(|_| true).min(report.cache_hits);
    report.fallbacks += mended_jobs(|m| matches!(m, Mend::Narrator(_)));
    report.wall_s = started.elapsed().as_secs_f64();
    if opts.selection == Selection::Chapters {
        write_manifest(&manifest_path, &report)?;
    }
    Ok(report)
}

fn poisoned() -> Error {
    Error::Invalid("a chapter writer crashed".into())
}

/// Bump when assembly changes what it writes for the same input, so old chapters are redone.
const ASSEMBLY_VERSION: &str = "4";

/// The chapters of an earlier render whose files are all still there, by fingerprint.
fn previous_chapters(manifest: &Path, dir: &Path) -> HashMap<String, ChapterRecord> {
    let Ok(bytes) = std::fs::read(manifest) else { return HashMap::new() };
    let Ok(old) = serde_json::from_slice::<RenderReport>(&bytes) else { return HashMap::new() };
    old.chapters
        .into_iter()
        .filter(|c| !c.fingerprint.is_empty())
        .filter(|c| std::iter::once(&c.file).chain(&c.parts).all(|f| dir.join(f).is_file()))
        .map(|c| (c.fingerprint.clone(), c))
        .collect()
}

/// For each voice, a hash of every line of audio its loudness (and so its gain) depends on.
fn voice_identities(outcomes: &[Outcome], voices: usize) -> Vec<String> {
    let mut hashers: Vec<Sha256> = (0..voices).map(|_| Sha256::new()).collect();
    for o in outcomes {
        if let Outcome::Audio { voice, key } = o {
            hashers[*voice].update(key.as_str().as_bytes());
        }
    }
    hashers.into_iter().map(|h| hex(&h.finalize())).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The lines to voice, each with its voice (an index into `voices`, which this extends).
fn plan_jobs(
    text: &str,
    script: &Script,
    casting: &Casting,
    opts: &RenderOptions,
    voices: &mut Vec<VoiceChoice>,
) -> Vec<Job> {
    let mut index: HashMap<String, usize> = HashMap::from([(voices[0].label(), 0)]);
    let wanted: Vec<usize> = match &opts.selection {
        Selection::Chapters => (0..script.lines.len()).collect(),
        Selection::Lines { indexes, .. } => indexes.clone(),
    };
    let mut jobs = Vec::with_capacity(wanted.len());
    for i in wanted {
        let Some(line) = script.lines.get(i) else { continue };
        if opts.skip_notes && line.kind == Kind::Note {
            continue;
        }
        let spoken = plan::pronounce(&plan::spoken_text(&text[line.span.range()]), &opts.pronunciations);
        if !plan::is_speakable(&spoken) {
            continue;
        }
        let choice = casting.voice_for(line);
        let voice = *index.entry(choice.label()).or_insert_with(|| {
            voices.push(choice.clone());
            voices.len() - 1
        });
        for piece in plan::chunks(&spoken, plan::MAX_CHUNK_CHARS) {
            jobs.push(Job { line: i, voice, spoken: piece });
        }
    }
    jobs
}

fn engine_versions(voices: &[VoiceChoice]) -> HashMap<&'static str, String> {
    let mut versions = HashMap::new();
    for v in voices {
        versions.entry(v.engine.name()).or_insert_with(|| v.engine.version());
    }
    versions
}

fn key_for(voice: &VoiceChoice, versions: &HashMap<&'static str, String>, spoken: &str) -> CacheKey {
    let version = versions.get(voice.engine.name()).map_or("", String::as_str);
    CacheKey::new(voice.engine.name(), version, &voice.voice, voice.prosody, spoken)
}

struct Synthesis {
    outcomes: Vec<Outcome>,
    synthesized: usize,
    cache_hits: usize,
    fallbacks: usize,
}

/// Renders every line missing from the cache, concurrently, retrying once and falling back to the
/// narrator's voice.
fn synthesize(
    jobs: &[Job],
    keys: &[CacheKey],
    voices: &[VoiceChoice],
    versions: &HashMap<&'static str, String>,
    cache: &Cache,
    opts: &RenderOptions,
) -> Result<Synthesis> {
    let mut outcomes: Vec<Outcome> =
        jobs.iter().zip(keys).map(|(j, k)| Outcome::Audio { voice: j.voice, key: k.clone() }).collect();
    // One task per distinct key: a line repeated with the same voice is rendered once.
    let mut todo: BTreeMap<&CacheKey, Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        todo.entry(k).or_default().push(i);
    }
    todo.retain(|k, _| !cache.contains(k));
    let cache_hits = jobs.len() - todo.values().map(Vec::len).sum::<usize>();
    let bar = progress::LineCounter::new(progress::bar(opts.display, todo.len() as u64, "speaking"));
    let tasks: Vec<Task> = todo
        .iter()
        .map(|(k, lines)| {
            let job = &jobs[lines[0]];
            let fallback_key = key_for(&voices[0], versions, &job.spoken);
            Task {
                key: (*k).clone(),
                voice: voices[job.voice].clone(),
                narrator: (job.voice != 0).then(|| (voices[0].clone(), fallback_key)),
                spoken: job.spoken.clone(),
            }
        })
        .collect();
    let results = run_tasks(tasks, cache, opts.jobs.max(1), &bar)?;
    bar.finish();
    let mut fallbacks = 0;
    for ((_, lines), result) in todo.iter().zip(&results) {
        for &i in lines {
            match result {
                TaskResult::Done => {}
                TaskResult::Fallback(key) => {
                    fallbacks += 1;
                    outcomes[i] = Outcome::Audio { voice: 0, key: key.clone() };
                }
                TaskResult::Failed(e) => outcomes[i] = Outcome::Failed(e.clone()),
            }
        }
    }
    let synthesized = results.iter().filter(|r| !matches!(r, TaskResult::Failed(_))).count();
    Ok(Synthesis { outcomes, synthesized, cache_hits, fallbacks })
}

struct Task {
    key: CacheKey,
    voice: VoiceChoice,
    /// The narrator's voice and key, to fall back on.
    narrator: Option<(VoiceChoice, CacheKey)>,
    spoken: String,
}

#[derive(Debug, Clone)]
enum TaskResult {
    Done,
    Fallback(CacheKey),
    Failed(String),
}

/// Lets each engine the tasks use start the worker processes they will keep busy.
fn prepare_engines(tasks: &[Task], jobs: usize) {
    let mut engines: Vec<(&Arc<dyn Engine>, usize)> = Vec::new();
    for task in tasks {
        let engine = &task.voice.engine;
        match engines.iter_mut().find(|(e, _)| e.name() == engine.name()) {
            Some((_, count)) => *count += 1,
            None => engines.push((engine, 1)),
        }
    }
    for (engine, count) in engines {
        engine.prepare(count.min(engine.max_parallel().unwrap_or(jobs)).clamp(1, jobs));
    }
}

/// Runs tasks on blocking threads, at most `jobs` at once and at most each engine's own limit.
fn run_tasks(tasks: Vec<Task>, cache: &Cache, jobs: usize, bar: &progress::LineCounter) -> Result<Vec<TaskResult>> {
    use tokio::sync::Semaphore;
    prepare_engines(&tasks, jobs);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(jobs)
        .enable_all()
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start the synthesis runtime: {e}")))?;
    let cache = Arc::new(cache.clone());
    runtime.block_on(async {
        let slots = Arc::new(Semaphore::new(jobs));
        let mut engine_slots: HashMap<&'static str, Arc<Semaphore>> = HashMap::new();
        let mut set = tokio::task::JoinSet::new();
        let mut results = vec![TaskResult::Failed("not run".into()); tasks.len()];
        let tasks = in_working_order(tasks);
        for (i, task) in tasks {
            let name = task.voice.engine.name();
            let limit = task.voice.engine.max_parallel().unwrap_or(jobs).clamp(1, jobs);
            let engine_slot = engine_slots.entry(name).or_insert_with(|| Arc::new(Semaphore::new(limit))).clone();
            let (Ok(slot), Ok(engine_permit)) =
                (slots.clone().acquire_owned().await, engine_slot.acquire_owned().await)
            else {
                break;
            };
            let cache = cache.clone();
            set.spawn_blocking(move || {
                let _permits = (slot, engine_permit);
                let (result, seconds) = run_task(&task, &cache);
                (i, result, seconds)
            });
            while let Some(done) = set.try_join_next() {
                record(done, &mut results, bar);
            }
        }
        while let Some(done) = set.join_next().await {
            record(done, &mut results, bar);
        }
        Ok(results)
    })
}

/// The order tasks are started in, each with its index in `tasks`:
/// - a voice's lines one after another, since engines set a voice up once (a process, a voice
///   server) and then render many lines in it;
/// - the voices with the most text first, and in each voice the longest lines first, so the last
///   tasks are short and the jobs finish together instead of one waiting on a long paragraph.
fn in_working_order(tasks: Vec<Task>) -> Vec<(usize, Task)> {
    let mut text_per_voice: HashMap<(&'static str, &str), usize> = HashMap::new();
    for task in &tasks {
        *text_per_voice.entry((task.voice.engine.name(), task.voice.voice.as_str())).or_default() += task.spoken.len();
    }
    let mut order: Vec<(usize, usize, usize)> = tasks
        .iter()
        .enumerate()
        .map(|(i, task)| (text_per_voice[&(task.voice.engine.name(), task.voice.voice.as_str())], task.spoken.len(), i))
        .collect();
    // Ties between voices of equal size are broken by name, so the order never depends on hashing.
    order.sort_by(|a, b| {
        let (ta, tb) = (&tasks[a.2], &tasks[b.2]);
        b.0.cmp(&a.0)
            .then_with(|| (ta.voice.engine.name(), &ta.voice.voice).cmp(&(tb.voice.engine.name(), &tb.voice.voice)))
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(&b.2))
    });
    let mut slots: Vec<Option<Task>> = tasks.into_iter().map(Some).collect();
    order.into_iter().filter_map(|(_, _, i)| slots[i].take().map(|t| (i, t))).collect()
}

fn record(
    done: std::result::Result<(usize, TaskResult, f64), tokio::task::JoinError>,
    results: &mut [TaskResult],
    bar: &progress::LineCounter,
) {
    let seconds = match done {
        Ok((i, r, seconds)) => {
            results[i] = r;
            seconds
        }
        Err(_) => 0.0,
    };
    bar.line(seconds);
}

/// The task's result, and the seconds of audio it synthesized.
fn run_task(task: &Task, cache: &Cache) -> (TaskResult, f64) {
    match speak(&task.voice, &task.spoken, &task.key, cache) {
        Ok(seconds) => (TaskResult::Done, seconds),
        Err(first) => match &task.narrator {
            Some((_, key)) if cache.contains(key) => (TaskResult::Fallback(key.clone()), 0.0),
            Some((narrator, key)) => match speak(narrator, &task.spoken, key, cache) {
                Ok(seconds) => (TaskResult::Fallback(key.clone()), seconds),
                Err(_) => (TaskResult::Failed(first), 0.0),
            },
            None => (TaskResult::Failed(first), 0.0),
        },
    }
}

/// Synthesizes one line into the cache, retrying once; gives the seconds of audio it made.
fn speak(voice: &VoiceChoice, spoken: &str, key: &CacheKey, cache: &Cache) -> std::result::Result<f64, String> {
    let mut last = String::new();
    for _attempt in 0..2 {
        let result = voice.engine.synthesize_16(&voice.voice, voice.prosody, spoken).and_then(|pcm| {
            if pcm.samples.is_empty() || pcm.rms() < 1e-4 {
                Err(EngineError::NoAudio { engine: voice.engine.name().to_string() })
            } else {
                Ok(pcm)
            }
        });
        match result {
            Ok(pcm) => {
                let seconds = pcm.samples.len() as f64 / f64::from(pcm.sample_rate.max(1));
                return cache.put(key, &pcm).map(|()| seconds).map_err(|e| e.to_string());
            }
            Err(
                e @ (EngineError::NotInstalled { .. }
                | EngineError::UnknownVoice { .. }
                | EngineError::Unsupported { .. }),
            ) => {
                return Err(e.to_string());
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

/// Speech measured per voice for its loudness, in characters of spoken text: about two minutes,
/// enough to be representative, and bounded however long the book.
const LOUDNESS_SAMPLE_CHARS: usize = 1_800;
/// Text measured by one meter, about 20 s of speech. A voice's sample is measured in parts side
/// by side, so the narrator, who speaks most of a book, does not keep the other cores waiting.
/// A part, like the whole sample, takes lines until it reaches its size: it runs over by at most
/// one line.
const LOUDNESS_PART_CHARS: usize = 300;

/// Lines of one voice measured by one meter.
struct LoudnessPart {
    voice: usize,
    jobs: Vec<usize>,
    chars: usize,
}

/// The book's rate when none was asked for: [`RATE_FOR_11K_NARRATORS`] when the narrator's lines
/// (or, if none has audio, the first line's) come from the engine at a multiple of 11.025 kHz,
/// else [`DEFAULT_SAMPLE_RATE`]. Decided by what is in the cache, so a resumed render decides
/// alike.
fn book_rate(outcomes: &[Outcome], cache: &Cache) -> u32 {
    let audio = || {
        outcomes.iter().filter_map(|o| match o {
            Outcome::Audio { voice, key } => Some((*voice, key)),
            Outcome::Failed(_) => None,
        })
    };
    let narrator = audio().find(|(voice, _)| *voice == 0).or_else(|| audio().next());
    match narrator.and_then(|(_, key)| cache.rate(key)) {
        Some(rate) if rate % 11_025 == 0 => RATE_FOR_11K_NARRATORS,
        _ => DEFAULT_SAMPLE_RATE,
    }
}

/// One gain per voice (indexed like `voices`), matching every voice to the same loudness.
/// What is measured depends only on the script and the cast, never on `threads`.
fn measure_voices(ctx: &Assembly, threads: usize) -> Result<Vec<f32>> {
    // Each voice's first lines in script order, cut into parts.
    let voices = ctx.voices;
    let mut parts: Vec<LoudnessPart> = Vec::new();
    let mut sampled = vec![0usize; voices.len()];
    let mut open: Vec<Option<usize>> = vec![None; voices.len()];
    for (j, (job, outcome)) in ctx.jobs.iter().zip(ctx.outcomes).enumerate() {
        let Outcome::Audio { voice, .. } = outcome else { continue };
        if sampled[*voice] >= LOUDNESS_SAMPLE_CHARS {
            continue;
        }
        let part = match open[*voice] {
            Some(part) if parts[part].chars < LOUDNESS_PART_CHARS => part,
            _ => {
                parts.push(LoudnessPart { voice: *voice, jobs: Vec::new(), chars: 0 });
                open[*voice] = Some(parts.len() - 1);
                parts.len() - 1
            }
        };
        let chars = job.spoken.chars().count();
        parts[part].jobs.push(j);
        parts[part].chars += chars;
        sampled[*voice] += chars;
    }
    let measured = parallel::map(
        &parts,
        threads,
        || (),
        |part, ()| -> Result<VoiceLoudness> {
            let mut meter = VoiceLoudness::new();
            for &j in &part.jobs {
                // A line the narrator speaks instead tells nothing of this voice's loudness.
                if let Some((voice, pcm)) = ctx.audio(j)
                    && voice == part.voice
                {
                    meter.add(&pcm.trim_silence(audio::TRIM_THRESHOLD_DBFS, audio::TRIM_KEEP_MS))?;
                }
            }
            Ok(meter)
        },
    );
    let mut per_voice: Vec<Vec<VoiceLoudness>> = voices.iter().map(|_| Vec::new()).collect();
    for (part, meter) in parts.iter().zip(measured) {
        per_voice[part.voice].push(meter?);
    }
    Ok(per_voice.into_iter().map(|meters| VoiceLoudness::combine(meters).gain(DEFAULT_TARGET_LUFS)).collect())
}

/// A piece of a line ready to write, or why it has no audio, with the voice that rendered it.
type Piece = (Option<usize>, std::result::Result<Pcm, String>);

/// Pieces of lines made ready ahead of the writer, per thread.
const PIECES_PER_THREAD: usize = 4;

/// The files to write: (title, path, line indexes).
fn outputs(script: &Script, opts: &RenderOptions) -> Vec<(String, PathBuf, Vec<usize>)> {
    match &opts.selection {
        Selection::Lines { indexes, file } => vec![("Preview".to_string(), file.clone(), indexes.clone())],
        Selection::Chapters => {
            let width = if script.chapters.len() > 99 { 3 } else { 2 };
            script
                .chapters
                .iter()
                .map(|c| {
                    let name = format!("{:0width$}-{}.wav", c.index, slug(&c.title));
                    (c.title.clone(), opts.out_dir.join(name), c.lines.clone().collect())
                })
                .collect()
        }
    }
}

/// A file-name-safe form of a title: `CHAPTER II. The Storm` -> `chapter-ii-the-storm`.
pub fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let mut s: String = s.trim_end_matches('-').chars().take(48).collect();
    s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "chapter".to_string() } else { s }
}

/// What became of an entry found damaged when it was read.
#[derive(Debug, Clone)]
enum Mend {
    /// Spoken again in its own voice.
    Spoken,
    /// Its voice failed; the narrator speaks it, under this key.
    Narrator(CacheKey),
    /// Neither could speak it.
    Failed,
}

struct Assembly<'a> {
    script: &'a Script,
    /// The jobs of each line, in order.
    by_line: &'a HashMap<usize, Vec<usize>>,
    jobs: &'a [Job],
    outcomes: &'a [Outcome],
    voices: &'a [VoiceChoice],
    gains: &'a [f32],
    cache: &'a Cache,
    opts: &'a RenderOptions,
    /// The book's sample rate.
    rate: u32,
    /// The engines' versions, for the narrator's keys of lines that fall back on the narrator.
    versions: &'a HashMap<&'static str, String>,
    /// What became of each entry found damaged as it was read.
    mended: &'a std::sync::Mutex<HashMap<CacheKey, Mend>>,
    /// Counts the lines written, once chapters are being written.
    writing: Option<&'a progress::LineCounter>,
}

impl Assembly<'_> {
    /// A hash of everything that decides the bytes of one file.
    fn fingerprint(&self, title: &str, path: &Path, lines: &[usize], voice_ids: &[String]) -> String {
        let mut h = Sha256::new();
        let o = self.opts;
        h.update(format!(
            "{ASSEMBLY_VERSION}|{}|{}|{:?}|{title}|{}|",
            env!("CARGO_PKG_VERSION"),
            self.rate,
            o.pauses,
            path.display()
        ));
        for &i in lines {
            let Some(pieces) = self.by_line.get(&i) else { continue };
            let l = &self.script.lines[i];
            h.update(format!("{i}|{:?}|{}|{}|{:?}|", l.kind, l.scene, l.paragraph, l.speaker));
            for &j in pieces {
                h.update(format!("{}|", self.jobs[j].spoken));
                match &self.outcomes[j] {
                    Outcome::Audio { voice, key } => {
                        h.update(format!("{}|{}|{}", key.as_str(), self.voices[*voice].label(), voice_ids[*voice]))
                    }
                    Outcome::Failed(e) => h.update(format!("failed|{e}")),
                }
            }
        }
        hex(&h.finalize())
    }

    /// Streams one file: each voiced line of `lines` with the pause before it.
    fn chapter(
        &self,
        index: usize,
        title: &str,
        path: &Path,
        lines: &[usize],
        threads: usize,
    ) -> Result<ChapterRecord> {
        let rate = self.rate;
        let mut writer = ChapterWriter::create(path, rate)?;
        let mut records = Vec::new();
        let mut prev: Option<&Line> = None;
        let voiced: Vec<(usize, &Vec<usize>)> =
            lines.iter().filter_map(|&i| self.by_line.get(&i).map(|pieces| (i, pieces))).collect();
        // Every piece of every line, in order: (line, piece number).
        let pieces: Vec<(usize, usize)> =
            voiced.iter().enumerate().flat_map(|(k, (_, p))| (0..p.len()).map(move |n| (k, n))).collect();
        // Pieces are made ready on `threads` threads and written in order as they come: a
        // chapter uses every core its share allows, and holds only a few pieces at a time however
        // long its lines (a letter read as one line runs to minutes).
        let mut open: Option<OpenLine> = None;
        let prepare = |&(k, n): &(usize, usize), resampler: &mut Resampler| self.piece(voiced[k].1[n], resampler);
        parallel::for_each_in_order(
            &pieces,
            threads,
            PIECES_PER_THREAD * threads,
            || Resampler::new(rate),
            prepare,
            |&(k, n), piece| {
                let (i, line_pieces) = voiced[k];
                if n == 0 {
                    let line = &self.script.lines[i];
                    writer.write(&Pcm::silence(self.opts.pauses.before(prev, line), rate))?;
                    prev = Some(line);
                    let voice = self.jobs[line_pieces[0]].voice;
                    open = Some(OpenLine { i, start: writer.position(), voice, error: None });
                } else {
                    writer.write(&Pcm::silence(PIECE_GAP_MS, rate))?;
                }
                let line = open.as_mut().expect("a line's first piece opens it");
                let (voice, audio) = piece?;
                line.voice = voice.unwrap_or(line.voice);
                match audio {
                    Ok(pcm) => writer.write(&pcm).map(drop)?,
                    Err(e) => line.error = line.error.take().or(Some(e)),
                }
                if n + 1 == line_pieces.len() {
                    let line = open.take().expect("the line is open");
                    if let Some(writing) = self.writing {
                        writing.line((writer.position() - line.start) as f64 / f64::from(rate));
                    }
                    records.push(self.record(line, line_pieces, writer.position()));
                }
                Ok::<(), Error>(())
            },
        )?;
        writer.write(&Pcm::silence(self.opts.pauses.chapter_edge_ms, rate))?;
        widen_into_pauses(&mut records, writer.position_s(), f64::from(LINE_MARGIN_MS) / 1000.0);
        let parts = writer.finish()?;
        let file_name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(ChapterRecord {
            index,
            title: title.to_string(),
            file: parts.first().map(|p| file_name(&p.path)).unwrap_or_default(),
            duration_s: parts.iter().map(|p| p.duration_s()).sum(),
            parts: parts.iter().skip(1).map(|p| file_name(&p.path)).collect(),
            fingerprint: String::new(),
            source: self.chapter_of(index).and_then(|c| c.source.clone()),
            sources: self
                .chapter_of(index)
                .filter(|c| c.sources.len() > 1)
                .map(|c| c.sources.clone())
                .unwrap_or_default(),
            lines: records,
        })
    }

    /// The script's chapter written as file `index` (a preview is no chapter).
    fn chapter_of(&self, index: usize) -> Option<&crate::script::Chapter> {
        match self.opts.selection {
            Selection::Chapters => self.script.chapters.get(index - 1),
            Selection::Lines { .. } => None,
        }
    }

    /// Job `j`'s audio from the cache, with the voice that speaks it. An entry found damaged as
    /// it is read is spoken again, so damage a crash left inside an entry costs a re-render,
    /// never a silent line; if its voice now fails, the narrator speaks the line, as in
    /// synthesis. One thread at a time mends entries (damage is rare), so each is mended and
    /// counted once, however many lines share it and however many threads find it damaged.
    fn audio(&self, j: usize) -> Option<(usize, Pcm)> {
        let Outcome::Audio { voice, key } = &self.outcomes[j] else { return None };
        if let Some(pcm) = self.cache.get(key) {
            return Some((*voice, pcm));
        }
        let mut mended = self.mended.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mend = mended.entry(key.clone()).or_insert_with(|| self.mend(*voice, key, &self.jobs[j].spoken)).clone();
        drop(mended);
        match mend {
            Mend::Spoken => self.cache.get(key).map(|pcm| (*voice, pcm)),
            Mend::Narrator(narrator) => self.cache.get(&narrator).map(|pcm| (0, pcm)),
            Mend::Failed => None,
        }
    }

    /// Speaks a line whose entry under `key` was found damaged: in its own voice, else in the
    /// narrator's. An entry its own voice cannot mend is removed, so the next render speaks the
    /// line again rather than take it as cached.
    fn mend(&self, voice: usize, key: &CacheKey, spoken: &str) -> Mend {
        if speak(&self.voices[voice], spoken, key, self.cache).is_ok() {
            return Mend::Spoken;
        }
        self.cache.remove(key);
        if voice == 0 {
            return Mend::Failed;
        }
        let narrator = key_for(&self.voices[0], self.versions, spoken);
        // Read, not only looked up: the narrator's entry may be damaged too.
        if self.cache.get(&narrator).is_some() || speak(&self.voices[0], spoken, &narrator, self.cache).is_ok() {
            Mend::Narrator(narrator)
        } else {
            Mend::Failed
        }
    }

    /// Whether a line among `lines` has an entry that its own voice could not mend.
    fn lost_a_voice(&self, lines: &[usize]) -> bool {
        let mended = self.mended.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let lost = |j: &usize| match &self.outcomes[*j] {
            Outcome::Audio { key, .. } => mended.get(key).is_some_and(|m| !matches!(m, Mend::Spoken)),
            Outcome::Failed(_) => false,
        };
        lines.iter().filter_map(|i| self.by_line.get(i)).flatten().any(lost)
    }

    /// One piece of a line made ready to write (`Err` when it has no audio: a failed synthesis,
    /// or cached audio that cannot be read); `Err` of the outer result only for a resampling
    /// failure, which stops the chapter.
    /// Also the voice that rendered it, unless synthesis failed.
    fn piece(&self, j: usize, resampler: &mut Resampler) -> Result<Piece> {
        let voice = match &self.outcomes[j] {
            Outcome::Audio { voice, .. } => *voice,
            Outcome::Failed(e) => return Ok((None, Err(e.clone()))),
        };
        let Some((voice, pcm)) = self.audio(j) else {
            return Ok((Some(voice), Err("its cached audio could not be read, nor spoken again".to_string())));
        };
        Ok((Some(voice), Ok(audio::finish_line(audio::prepare_line(pcm, resampler)?, self.gains[voice]))))
    }

    /// The manifest record of a line whose pieces were written up to `end`; a piece that had no
    /// audio left a gap and an error.
    fn record(&self, open: OpenLine, pieces: &[usize], end: u64) -> LineRecord {
        let rate = self.rate;
        let span = crate::audio::wav::Span { start: open.start, end };
        let line = &self.script.lines[open.i];
        let spoken: Vec<&str> = pieces.iter().map(|&j| self.jobs[j].spoken.as_str()).collect();
        LineRecord {
            line: open.i + 1,
            chapter: line.chapter,
            scene: line.scene,
            paragraph: line.paragraph,
            kind: line.kind,
            speaker: line.speaker.clone(),
            voice: self.voices[open.voice].manifest(),
            text: spoken.join(" "),
            span: [line.span.start, line.span.end],
            start_s: span.start_s(rate),
            end_s: span.end_s(rate),
            error: open.error,
        }
    }
}

/// A line being written: where it started, the voice that speaks it, its first error.
struct OpenLine {
    i: usize,
    start: u64,
    voice: usize,
    error: Option<String>,
}

/// Widens each voiced line's manifest times by up to `margin_s` of the pause on either side, as
/// subtitle cues do: a caption appears a moment before the voice and lingers a moment after it,
/// and audio cut from `start_s..end_s` keeps its onset and release, with a little quiet before the
/// first sound instead of starting mid-breath. A line never takes more than half of the pause it
/// shares with a neighbour (or a silent failed line, which keeps its zero length), so lines stay
/// in order and never overlap, and nothing is taken past the file's ends (`0..total_s`).
fn widen_into_pauses(records: &mut [LineRecord], total_s: f64, margin_s: f64) {
    let bounds: Vec<(f64, f64)> = records.iter().map(|r| (r.start_s, r.end_s)).collect();
    for (i, r) in records.iter_mut().enumerate() {
        if r.error.is_some() || r.end_s <= r.start_s {
            continue;
        }
        let prev_end = if i == 0 { 0.0 } else { bounds[i - 1].1 };
        let next_start = bounds.get(i + 1).map_or(total_s, |b| b.0);
        // Both neighbours compute the same midpoint, so they meet there at most.
        r.start_s = (r.start_s - margin_s).max((prev_end + r.start_s) / 2.0);
        r.end_s = (r.end_s + margin_s).min((r.end_s + next_start) / 2.0);
    }
}

/// Every line left silent in the files: failed synthesis, or cached audio that could not be read.
fn failures(chapters: &[ChapterRecord]) -> Vec<Failure> {
    chapters
        .iter()
        .flat_map(|c| &c.lines)
        .filter_map(|l| {
            let error = l.error.clone()?;
            Some(Failure { line: l.line, voice: format!("{}:{}", l.voice.engine, l.voice.voice), error })
        })
        .collect()
}

/// Writes the manifest through a temporary file, so a reader never sees half of one.
fn write_manifest(path: &Path, report: &RenderReport) -> Result<()> {
    let tmp = path.with_extension("json.partial");
    let io = |source| Error::Write { path: path.to_path_buf(), source };
    let json = serde_json::to_vec_pretty(report).map_err(|e| io(std::io::Error::other(e)))?;
    std::fs::write(&tmp, json).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(start_s: f64, end_s: f64, error: Option<&str>) -> LineRecord {
        LineRecord {
            line: 1,
            chapter: 1,
            scene: 1,
            paragraph: 1,
            kind: Kind::Narration,
            speaker: None,
            voice: VoiceRecord { engine: "e".into(), voice: "v".into(), rate: 1.0, pitch: 1.0, volume: 1.0 },
            text: "Tea".into(),
            span: [0, 3],
            start_s,
            end_s,
            error: error.map(str::to_string),
        }
    }

    fn times(records: &[LineRecord]) -> Vec<(f64, f64)> {
        records.iter().map(|r| (r.start_s, r.end_s)).collect()
    }

    #[test]
    fn lines_take_a_margin_of_a_long_pause() {
        let mut records = vec![record(0.4, 1.0, None), record(1.55, 2.0, None)];
        widen_into_pauses(&mut records, 2.4, 0.1);
        let t = times(&records);
        assert!((t[0].0 - 0.3).abs() < 1e-9 && (t[0].1 - 1.1).abs() < 1e-9, "{t:?}");
        assert!((t[1].0 - 1.45).abs() < 1e-9 && (t[1].1 - 2.1).abs() < 1e-9, "{t:?}");
    }

    #[test]
    fn lines_split_a_short_pause_and_never_overlap() {
        // 120 ms between the lines: each takes 60 ms, and they meet without overlapping.
        let mut records = vec![record(0.0, 1.0, None), record(1.12, 1.5, None)];
        widen_into_pauses(&mut records, 1.5, 0.1);
        let t = times(&records);
        assert_eq!(t[0].1, t[1].0, "{t:?}");
        assert!((t[0].1 - 1.06).abs() < 1e-9, "{t:?}");
        // Nothing before the file's start or after its end.
        assert_eq!(t[0].0, 0.0);
        assert_eq!(t[1].1, 1.5);
    }

    #[test]
    fn failed_lines_stay_empty_and_bound_their_neighbours() {
        let mut records = vec![record(0.4, 1.0, None), record(1.04, 1.04, Some("no audio")), record(1.6, 2.0, None)];
        widen_into_pauses(&mut records, 2.5, 0.1);
        let t = times(&records);
        assert_eq!(t[1], (1.04, 1.04), "a failed line takes no time");
        assert!((t[0].1 - 1.02).abs() < 1e-9, "{t:?}");
        assert!(t[2].0 >= t[1].1 && (t[2].0 - 1.5).abs() < 1e-9, "{t:?}");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("CHAPTER II. The Storm"), "chapter-ii-the-storm");
        assert_eq!(slug("Chapter 1"), "chapter-1");
        assert_eq!(slug("***"), "chapter");
        assert_eq!(slug("Caf\u{E9} au lait"), "caf-au-lait");
    }
}

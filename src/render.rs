//! Rendering: the stages from a cast script to chapter files, in order.
//!
//! ```text
//! Script + Cast ──plan──▶ Plan ──synthesize──▶ audio in the cache ──assemble──▶ WAVs + manifest.json
//! ```
//!
//! [`render`] plans every piece of speech ([`crate::plan`]), has the missing ones spoken into the
//! cache ([`crate::synth`]), measures each voice's loudness and writes each chapter in order
//! from the cache ([`crate::assemble`]), keeping the chapters of an earlier render whose
//! fingerprint has not changed. The manifest is rewritten as chapters finish, so an interrupted
//! render keeps what it finished. Pieces found damaged when read go back to synthesis, and their
//! chapter is assembled again.

use crate::assemble::{self, Assembly, Damaged};
use crate::audio::cache::Cache;
use crate::cast::Cast;
use crate::engine::Engines;
use crate::error::{Error, Result};
use crate::manifest::{self, Chapter, Manifest};
use crate::plan::{self, Pauses, Plan, PlanOptions, Pronunciations, Selection, Versions};
use crate::progress::{self, Display};
use crate::schedule::{self, Scheduler};
use crate::script::Script;
use crate::synth::{self, Mended, Outcome, Speakers, Synthesis};
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

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
    /// Told the progress as the bars are, for a watcher other than the terminal (the studio).
    pub watch: Option<Arc<progress::Watch>>,
    /// Title, author, cover and extracted text of the book, for the manifest.
    pub book: crate::manifest::BookInfo,
    /// Files kept beside the chapters (name, contents): written once the render holds the
    /// folder, so a render refused as busy changes nothing there.
    pub beside: Vec<(String, Vec<u8>)>,
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
            watch: None,
            book: Default::default(),
            beside: Vec::new(),
        }
    }

    fn plan_options(&self) -> PlanOptions {
        PlanOptions {
            out_dir: self.out_dir.clone(),
            selection: self.selection.clone(),
            skip_notes: self.skip_notes,
            pronunciations: self.pronunciations.clone(),
        }
    }
}

/// Renders a script with a cast. Lines that fail are listed in the manifest; everything else is
/// still written.
pub fn render(text: &str, script: &Script, cast: &Cast, engines: &Engines, opts: &RenderOptions) -> Result<Manifest> {
    let started = Instant::now();
    let cache = Cache::open(&opts.cache_dir)?;
    let versions = versions(cast, engines)?;
    let plan = Arc::new(plan::plan(text, script, cast, &versions, &opts.plan_options()));
    let speakers = Speakers::new(&plan, engines, &versions, &cache)?;
    let scheduler = Scheduler::new(opts.jobs).map_err(synth::no_scheduler)?;
    let mut synthesis = synth::synthesize(&plan, &speakers, &scheduler, opts.display, opts.watch.as_ref())?;
    let rate = opts.sample_rate.unwrap_or_else(|| book_rate(&synthesis.outcomes, &cache));
    std::fs::create_dir_all(&opts.out_dir).map_err(|source| Error::Write { path: opts.out_dir.clone(), source })?;
    let _lock = lock(&opts.out_dir)?;
    for (name, bytes) in &opts.beside {
        let path = opts.out_dir.join(name);
        crate::util::write_atomic(&path, bytes).map_err(|source| Error::Write { path, source })?;
    }
    let previous = match opts.selection {
        Selection::Chapters => manifest::previous(&opts.out_dir),
        Selection::Lines { .. } => None,
    };
    let mut assembly =
        Assembly::new(plan.clone(), Arc::new(script.clone()), synthesis.outcomes.clone(), cache.clone(), rate);
    assembly.pauses = opts.pauses;
    let mut run = Run {
        plan: plan.clone(),
        speakers,
        voice_ids: assemble::voice_identities(&synthesis.outcomes, plan.voices.len()),
        mended: Mended::new(),
        assembly: Arc::new(assembly),
        opts,
        started,
        saved: started,
    };
    let mut manifest = Manifest { book: opts.book.clone(), ..Manifest::new(&opts.story, rate) };
    let chapters = scheduler.block_on(run.write(&scheduler, previous.as_ref(), &mut manifest))?;
    synthesis.count_mended(&run.mended);
    finish(&mut manifest, chapters, &synthesis, started);
    manifest.warnings.extend(cache.problem());
    if opts.selection == Selection::Chapters {
        manifest::write(&opts.out_dir, &manifest)?;
        if let Some(previous) = &previous {
            manifest::remove_stale(&opts.out_dir, previous, &manifest);
        }
    }
    Ok(manifest)
}

/// The name of the lock file a render holds in its output folder.
pub const LOCK_FILE: &str = ".audiobook.lock";

/// Takes the output folder's lock for as long as the file is held: two renders writing one
/// folder at once would remove or rename each other's files.
pub fn lock(dir: &std::path::Path) -> Result<std::fs::File> {
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Write { path: path.clone(), source })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Busy { dir: dir.to_path_buf() }),
        Err(std::fs::TryLockError::Error(source)) => Err(Error::Write { path, source }),
    }
}

/// The version of every engine the cast speaks through, for the cache keys.
fn versions(cast: &Cast, engines: &Engines) -> Result<Versions> {
    let mut of_engine: BTreeMap<&str, String> = BTreeMap::new();
    let mut versions = Versions::new();
    for voice in std::iter::once(&cast.narrator).chain(cast.members.iter().map(|m| &m.voice)) {
        let key = (voice.engine.clone(), voice.id.clone());
        if versions.contains_key(&key) {
            continue;
        }
        let engine = engines.get(&voice.engine)?;
        let version = match of_engine.get(voice.engine.as_str()) {
            Some(v) => v.clone(),
            None => of_engine.entry(&voice.engine).or_insert(engine.version()).clone(),
        };
        let own = engine.voice_version(&voice.id);
        versions.insert(key, if own.is_empty() { version } else { format!("{version}/{own}") });
    }
    Ok(versions)
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

/// The report's totals once every file is written.
fn finish(manifest: &mut Manifest, chapters: Vec<Chapter>, synthesis: &Synthesis, started: Instant) {
    manifest.chapters = chapters;
    manifest.audio_s = manifest.chapters.iter().map(|c| c.duration_s).sum();
    manifest.failures = manifest::failures(&manifest.chapters);
    manifest.synthesized = synthesis.synthesized;
    manifest.cache_hits = synthesis.cache_hits;
    manifest.fallbacks = synthesis.fallbacks;
    manifest.wall_s = started.elapsed().as_secs_f64();
}

/// The state of a render while it writes its files.
struct Run<'a> {
    plan: Arc<Plan>,
    speakers: Speakers,
    /// Each voice's identity, for the files' fingerprints.
    voice_ids: Vec<String>,
    /// Damaged entries spoken again, and what became of them.
    mended: Mended,
    /// The assembly that new files start from: replaced when pieces are mended.
    assembly: Arc<Assembly>,
    opts: &'a RenderOptions,
    started: Instant,
    /// When the manifest was last written.
    saved: Instant,
}

/// How often the manifest is written while chapters are: often enough that an interrupted
/// render keeps nearly all it finished (a chapter finished since is assembled again from the
/// cache), seldom enough that the writes cost nothing however many chapters a story has (a
/// manifest of 3,000 chapters is 4 MB, and writing it after each chapter made the work per
/// chapter grow with their number).
const SAVE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Run<'_> {
    /// Writes every file whose fingerprint changed since the last render, side by side; the
    /// chapters in order, kept ones included.
    async fn write(
        &mut self,
        scheduler: &Scheduler,
        previous: Option<&Manifest>,
        manifest: &mut Manifest,
    ) -> Result<Vec<Chapter>> {
        let previous = manifest::reusable(previous, &self.opts.out_dir);
        let prints: Vec<String> =
            self.plan.files.iter().map(|f| self.assembly.fingerprint(f, &self.voice_ids)).collect();
        let mut slots: Vec<Option<Chapter>> = prints.iter().map(|f| previous.get(f).cloned()).collect();
        manifest.chapters_kept = slots.iter().flatten().count();
        let todo: VecDeque<usize> = (0..slots.len()).filter(|&n| slots[n].is_none()).collect();
        if todo.is_empty() {
            return Ok(slots.into_iter().flatten().collect());
        }
        self.measure(scheduler).await?;
        let lines = todo.iter().flat_map(|&n| &self.plan.files[n].lines).filter(|&&i| !self.plan.jobs_of(i).is_empty());
        let bar = progress::bar(self.opts.display, lines.count() as u64, "writing");
        let writing = Arc::new(progress::LineCounter::new(bar).watched(self.opts.watch.as_ref(), "writing"));
        self.replace(|a| a.writing = Some(writing.clone()));
        self.write_files(scheduler, todo, &mut slots, manifest).await?;
        writing.finish();
        Ok(slots.into_iter().flatten().collect())
    }

    /// Measures each voice's gain, mending damaged entries found on the way.
    async fn measure(&mut self, scheduler: &Scheduler) -> Result<()> {
        loop {
            match assemble::loudness::measure(self.assembly.clone(), scheduler.slots()).await? {
                Ok(gains) => {
                    self.replace(|a| a.gains = gains);
                    return Ok(());
                }
                Err(damaged) => self.mend(damaged),
            }
        }
    }

    /// Writes the files `todo` (indexes into the plan's files), a few at once.
    async fn write_files(
        &mut self,
        scheduler: &Scheduler,
        mut todo: VecDeque<usize>,
        slots: &mut [Option<Chapter>],
        manifest: &mut Manifest,
    ) -> Result<()> {
        // Files are written side by side, each by one task; with fewer files than jobs (a short
        // story, a preview), the spare slots work inside them.
        let at_once = scheduler.slots().jobs().clamp(1, todo.len().max(1));
        let ahead = assemble::PIECES_PER_JOB * (scheduler.slots().jobs() / at_once).max(1);
        let mut running = tokio::task::JoinSet::new();
        loop {
            while running.len() < at_once
                && let Some(n) = todo.pop_front()
            {
                let (assembly, slots, file) =
                    (self.assembly.clone(), scheduler.slots().clone(), self.plan.files[n].clone());
                running.spawn(async move {
                    let written = assemble::write_file(assembly.clone(), slots, ahead, n + 1, file).await;
                    (n, assembly, written)
                });
            }
            let Some(done) = running.join_next().await else { return Ok(()) };
            let (n, assembly, written) = schedule::joined(done);
            match written? {
                Ok(mut chapter) => {
                    chapter.fingerprint = assembly.fingerprint(&self.plan.files[n], &self.voice_ids);
                    slots[n] = Some(chapter);
                    if self.opts.selection == Selection::Chapters && self.saved.elapsed() >= SAVE_EVERY {
                        manifest.chapters = slots.iter().flatten().cloned().collect();
                        manifest.wall_s = self.started.elapsed().as_secs_f64();
                        manifest::write(&self.opts.out_dir, manifest)?;
                        self.saved = Instant::now();
                    }
                }
                Err(damaged) => {
                    self.mend(damaged);
                    todo.push_front(n);
                }
            }
        }
    }

    /// Has synthesis speak damaged pieces again; later files are assembled with the result.
    fn mend(&mut self, Damaged(jobs): Damaged) {
        let mut outcomes = self.assembly.outcomes.clone();
        synth::mend(&self.plan, &jobs, &mut outcomes, &self.speakers, &mut self.mended);
        self.assembly = Arc::new(self.assembly.with_outcomes(outcomes));
    }

    /// Changes the assembly new files start from.
    fn replace(&mut self, change: impl FnOnce(&mut Assembly)) {
        let mut assembly = self.assembly.with_outcomes(self.assembly.outcomes.clone());
        change(&mut assembly);
        self.assembly = Arc::new(assembly);
    }
}

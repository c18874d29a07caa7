//! Assembly: the cached audio of a plan into chapter files. Never calls an engine.
//!
//! In: the [`Plan`], where synthesis left each piece ([`Outcome`]), the cache, the book's rate and
//! the pauses. Out: for each file, the WAV on disk and its manifest [`Chapter`] (lines with their
//! times), or the pieces whose cached audio turned out damaged when read ([`Damaged`]): the
//! caller has synthesis speak them again and assembles that file anew.
//!
//! Each voice gets one gain, from the loudness of its first minutes of speech ([`loudness`]). A
//! chapter's pieces are made ready (trimmed, resampled, gained, limited) on the scheduler's
//! threads and written in order as they come, a few ahead at most, so no chapter is ever held
//! in memory however long its lines.

pub mod loudness;

use crate::audio::cache::Cache;
use crate::audio::resample::Resampler;
use crate::audio::wav::{ChapterWriter, Span};
use crate::audio::{self, Pcm};
use crate::error::{Error, Result};
use crate::manifest::{Chapter, Line};
use crate::plan::{FilePlan, Pauses, Plan};
use crate::progress::LineCounter;
use crate::schedule::{self, Slots};
use crate::script::Script;
use crate::synth::Outcome;
use crate::util::hex;
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

/// Bump when assembly changes what it writes for the same input, so old chapters are redone.
const ASSEMBLY_VERSION: &str = "4";

/// Silence between the pieces of one long line, where a sentence ended.
const PIECE_GAP_MS: u32 = 120;

/// The share of the neighbouring pauses a line's manifest times include on each side (see
/// [`widen_into_pauses`]). Engines and the trim leave a line's first and last sounds right at its
/// edges; a speech recognizer given a one-word line cut exactly there mishears it ("There" came
/// back as "air"), and a caption shown exactly at the onset looks late. A quarter of a second is
/// within the lead-in and lag-out captioning guides allow, and measured with the recognizer on
/// the longest story: 100 ms gave a word error rate of 0.236, 200 ms 0.224, 300 ms 0.218.
const LINE_MARGIN_MS: u32 = 250;

/// Pieces of lines made ready ahead of a file's writer, per job it may use.
pub const PIECES_PER_JOB: usize = 4;

/// Pieces whose cached audio was damaged when read: indexes into the plan's jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct Damaged(pub Vec<usize>);

/// Everything the tasks of an assembly share.
pub struct Assembly {
    pub plan: Arc<Plan>,
    pub script: Arc<Script>,
    /// Where each of the plan's pieces is.
    pub outcomes: Vec<Outcome>,
    pub cache: Cache,
    /// The book's sample rate.
    pub rate: u32,
    pub pauses: Pauses,
    /// One gain per voice of the plan (empty until measured).
    pub gains: Vec<f32>,
    /// Counts the lines written.
    pub writing: Option<Arc<LineCounter>>,
    /// Resamplers to the book's rate, one per task at work.
    resamplers: Mutex<Vec<Resampler>>,
}

/// A piece read from the cache: its voice and audio, why it has none, or damage found.
enum Read {
    Audio(usize, Pcm),
    Silent(String),
    Damaged,
}

impl Assembly {
    /// The same assembly with pieces now elsewhere (after damaged entries were mended).
    pub fn with_outcomes(&self, outcomes: Vec<Outcome>) -> Assembly {
        Assembly {
            plan: self.plan.clone(),
            script: self.script.clone(),
            outcomes,
            cache: self.cache.clone(),
            rate: self.rate,
            pauses: self.pauses,
            gains: self.gains.clone(),
            writing: self.writing.clone(),
            resamplers: Mutex::new(Vec::new()),
        }
    }

    pub fn new(plan: Arc<Plan>, script: Arc<Script>, outcomes: Vec<Outcome>, cache: Cache, rate: u32) -> Assembly {
        Assembly {
            plan,
            script,
            outcomes,
            cache,
            rate,
            pauses: Pauses::default(),
            gains: Vec::new(),
            writing: None,
            resamplers: Mutex::new(Vec::new()),
        }
    }

    /// Piece `j`'s audio, with the voice that speaks it.
    fn read(&self, j: usize) -> Read {
        match &self.outcomes[j] {
            Outcome::Failed(e) => Read::Silent(e.clone()),
            Outcome::Audio { voice, key } => match self.cache.get(key) {
                Some(pcm) => Read::Audio(*voice, pcm),
                None => Read::Damaged,
            },
        }
    }

    /// A hash of everything that decides the bytes of one file; `voice_ids` from
    /// [`voice_identities`].
    pub fn fingerprint(&self, file: &FilePlan, voice_ids: &[String]) -> String {
        let mut h = Sha256::new();
        let (version, pauses, path) = (env!("CARGO_PKG_VERSION"), &self.pauses, file.path.display());
        h.update(format!("{ASSEMBLY_VERSION}|{version}|{}|{pauses:?}|{}|{path}|", self.rate, file.title));
        for &i in &file.lines {
            let jobs = self.plan.jobs_of(i);
            if jobs.is_empty() {
                continue;
            }
            let l = &self.script.lines[i];
            h.update(format!("{i}|{:?}|{}|{}|{:?}|", l.kind, l.scene, l.paragraph, l.speaker));
            for j in jobs {
                h.update(format!("{}|", self.plan.jobs[j].spoken));
                match &self.outcomes[j] {
                    Outcome::Audio { voice, key } => {
                        h.update(format!("{}|{}|{}", key.as_str(), self.plan.voices[*voice].label(), voice_ids[*voice]))
                    }
                    Outcome::Failed(e) => h.update(format!("failed|{e}")),
                }
            }
        }
        hex(&h.finalize())
    }

    /// One piece made ready to write, or why it has no audio (`Err` of the outer result only for
    /// a resampling failure, which stops the file).
    fn piece(&self, j: usize) -> Result<Piece> {
        let (voice, pcm) = match self.read(j) {
            Read::Audio(voice, pcm) => (voice, pcm),
            Read::Silent(e) => return Ok(Piece::Silent(e)),
            Read::Damaged => return Ok(Piece::Damaged),
        };
        let taken = self.resamplers.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let mut resampler = taken.unwrap_or_else(|| Resampler::new(self.rate));
        let prepared = audio::prepare_line(pcm, &mut resampler);
        self.resamplers.lock().unwrap_or_else(PoisonError::into_inner).push(resampler);
        Ok(Piece::Audio(voice, audio::finish_line(prepared?, self.gains[voice])))
    }
}

/// A piece ready to write.
enum Piece {
    Audio(usize, Pcm),
    Silent(String),
    Damaged,
}

/// For each voice, a hash of every line of audio its loudness (and so its gain) depends on.
pub fn voice_identities(outcomes: &[Outcome], voices: usize) -> Vec<String> {
    let mut hashers: Vec<Sha256> = (0..voices).map(|_| Sha256::new()).collect();
    for o in outcomes {
        if let Outcome::Audio { voice, key } = o {
            hashers[*voice].update(key.as_str().as_bytes());
        }
    }
    hashers.into_iter().map(|h| hex(&h.finalize())).collect()
}

/// A line being written: where it started, the voice that speaks it, its first error.
struct OpenLine {
    i: usize,
    start: u64,
    voice: usize,
    error: Option<String>,
}

/// Writes one file: each voiced line of `file` with the pause before it, with up to `ahead`
/// pieces made ready ahead of the writer. The file's `index` is its number in the manifest.
pub async fn write_file(
    assembly: Arc<Assembly>,
    slots: Slots,
    ahead: usize,
    index: usize,
    file: FilePlan,
) -> Result<std::result::Result<Chapter, Damaged>> {
    let rate = assembly.rate;
    let mut writer = ChapterWriter::create(&file.path, rate)?;
    let plan = &assembly.plan;
    let jobs: Vec<usize> = file.lines.iter().flat_map(|&i| plan.jobs_of(i)).collect();
    let mut records = Vec::new();
    let mut open: Option<OpenLine> = None;
    let mut damaged = Vec::new();
    let mut queue = VecDeque::new();
    let mut next = jobs.iter().copied();
    loop {
        while queue.len() < ahead.max(1) {
            let Some(j) = next.next() else { break };
            let a = assembly.clone();
            queue.push_back((j, slots.spawn(&[], move || a.piece(j)).await));
        }
        let Some((j, handle)) = queue.pop_front() else { break };
        let piece = schedule::joined(handle.await)?;
        if !damaged.is_empty() || matches!(piece, Piece::Damaged) {
            // Nothing more is written: the file is assembled again once they are mended.
            if matches!(piece, Piece::Damaged) {
                damaged.push(j);
            }
            continue;
        }
        let line_jobs = plan.jobs_of(plan.jobs[j].line);
        if j == line_jobs.start {
            let line = &assembly.script.lines[plan.jobs[j].line];
            let prev = open_prev(&records, &assembly.script);
            writer.write(&Pcm::silence(assembly.pauses.before(prev, line), rate))?;
            open = Some(OpenLine {
                i: plan.jobs[j].line,
                start: writer.position(),
                voice: plan.jobs[j].voice,
                error: None,
            });
        } else {
            writer.write(&Pcm::silence(PIECE_GAP_MS, rate))?;
        }
        let line = open.as_mut().expect("a line's first piece opens it");
        match piece {
            Piece::Audio(voice, pcm) => {
                line.voice = voice;
                writer.write(&pcm)?;
            }
            Piece::Silent(e) => line.error = line.error.take().or(Some(e)),
            Piece::Damaged => unreachable!("damage stops the writing above"),
        }
        if j + 1 == line_jobs.end {
            let line = open.take().expect("the line is open");
            if let Some(writing) = &assembly.writing {
                writing.line((writer.position() - line.start) as f64 / f64::from(rate));
            }
            records.push(record(&assembly, line, writer.position()));
        }
    }
    if !damaged.is_empty() {
        return Ok(Err(Damaged(damaged)));
    }
    finish_chapter(&assembly, writer, records, index, &file).map(Ok)
}

/// Ends a fully written file: the closing pause, the lines' edges widened into the pauses, and
/// the chapter's manifest entry.
fn finish_chapter(
    assembly: &Assembly,
    mut writer: ChapterWriter,
    mut records: Vec<Line>,
    index: usize,
    file: &FilePlan,
) -> Result<Chapter> {
    writer.write(&Pcm::silence(assembly.pauses.chapter_edge_ms, assembly.rate))?;
    widen_into_pauses(&mut records, writer.position_s(), f64::from(LINE_MARGIN_MS) / 1000.0);
    let parts = writer.finish()?;
    let file_name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(Chapter {
        index,
        title: file.title.clone(),
        file: parts.first().map(|p| file_name(&p.path)).unwrap_or_default(),
        duration_s: parts.iter().map(|p| p.duration_s()).sum(),
        parts: parts.iter().skip(1).map(|p| file_name(&p.path)).collect(),
        fingerprint: String::new(),
        source: file.source.clone(),
        sources: file.sources.clone(),
        lines: records,
    })
}

/// The script line of the last record written, to choose the pause before the next.
fn open_prev<'a>(records: &[Line], script: &'a Script) -> Option<&'a crate::script::Line> {
    records.last().map(|r| &script.lines[r.line - 1])
}

/// The manifest record of a line whose pieces were written up to `end`; a piece that had no
/// audio left a gap and an error.
fn record(assembly: &Assembly, open: OpenLine, end: u64) -> Line {
    let rate = assembly.rate;
    let span = Span { start: open.start, end };
    let line = &assembly.script.lines[open.i];
    let spoken: Vec<&str> = assembly.plan.jobs_of(open.i).map(|j| assembly.plan.jobs[j].spoken.as_str()).collect();
    Line {
        line: open.i + 1,
        chapter: line.chapter,
        scene: line.scene,
        paragraph: line.paragraph,
        kind: line.kind,
        speaker: line.speaker.clone(),
        voice: assembly.plan.voices[open.voice].clone(),
        text: spoken.join(" "),
        span: [line.span.start, line.span.end],
        start_s: span.start_s(rate),
        end_s: span.end_s(rate),
        error: open.error,
    }
}

/// Widens each voiced line's manifest times by up to `margin_s` of the pause on either side, as
/// subtitle cues do: a caption appears a moment before the voice and lingers a moment after it,
/// and audio cut from `start_s..end_s` keeps its onset and release, with a little quiet before the
/// first sound instead of starting mid-breath. A line never takes more than half of the pause it
/// shares with a neighbour (or a silent failed line, which keeps its zero length), so lines stay
/// in order and never overlap, and nothing is taken past the file's ends (`0..total_s`).
fn widen_into_pauses(records: &mut [Line], total_s: f64, margin_s: f64) {
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

/// The error of a file whose assembly crashed.
pub fn crashed() -> Error {
    Error::Invalid("a chapter writer crashed".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::tests::line;
    use crate::script::Kind;

    fn record(start_s: f64, end_s: f64, error: Option<&str>) -> Line {
        Line { error: error.map(str::to_string), ..line(1, Kind::Narration, None, "Tea", start_s, end_s) }
    }

    fn times(records: &[Line]) -> Vec<(f64, f64)> {
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
}

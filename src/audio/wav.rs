//! Streams a chapter to 16-bit mono WAV, line by line, with exact sample positions.
//!
//! A chapter is written to a hidden temporary file beside its final name and renamed
//! only when complete, so an interrupted render never leaves a truncated chapter under its real
//! name. A WAV file cannot exceed 4 GiB (its sizes are 32-bit), so a chapter that would pass the
//! part limit continues in `NAME-part2.wav`, `NAME-part3.wav` and so on.

use super::{AudioError, Pcm, Result};
use hound::{SampleFormat, WavSpec, WavWriter};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Largest file a part may grow to by default: just under the 4 GiB WAV limit.
pub const DEFAULT_PART_LIMIT: u64 = u32::MAX as u64 - 1024 * 1024;
/// Bytes of a 16-bit mono WAV header as hound writes it.
const HEADER_BYTES: u64 = 44;
const BYTES_PER_SAMPLE: u64 = 2;

/// A span of a chapter, in samples from the chapter's start (across parts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    pub end: u64,
}

impl Span {
    pub fn start_s(&self, sample_rate: u32) -> f64 {
        samples_to_s(self.start, sample_rate)
    }

    pub fn end_s(&self, sample_rate: u32) -> f64 {
        samples_to_s(self.end, sample_rate)
    }
}

/// One finished file of a chapter.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenPart {
    pub path: PathBuf,
    /// Where this part starts, in samples from the chapter's start.
    pub first_sample: u64,
    pub samples: u64,
    pub sample_rate: u32,
}

impl WrittenPart {
    pub fn duration_s(&self) -> f64 {
        samples_to_s(self.samples, self.sample_rate)
    }

    /// Where this part starts, in seconds from the chapter's start.
    pub fn start_s(&self) -> f64 {
        samples_to_s(self.first_sample, self.sample_rate)
    }
}

fn samples_to_s(samples: u64, sample_rate: u32) -> f64 {
    if sample_rate == 0 { 0.0 } else { samples as f64 / f64::from(sample_rate) }
}

/// A part being written or waiting for its rename.
struct Part {
    temp: PathBuf,
    target: PathBuf,
    first_sample: u64,
    samples: u64,
}

/// Writes one chapter. Call [`ChapterWriter::finish`]: dropping the writer instead discards
/// what was written.
pub struct ChapterWriter {
    final_path: PathBuf,
    sample_rate: u32,
    part_capacity: u64,
    writer: Option<WavWriter<BufWriter<File>>>,
    parts: Vec<Part>,
    total: u64,
}

impl std::fmt::Debug for ChapterWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChapterWriter")
            .field("final_path", &self.final_path)
            .field("sample_rate", &self.sample_rate)
            .field("samples", &self.total)
            .field("parts", &self.parts.len())
            .finish()
    }
}

impl ChapterWriter {
    /// Starts writing the chapter that will be named `final_path`.
    pub fn create(final_path: impl AsRef<Path>, sample_rate: u32) -> Result<ChapterWriter> {
        ChapterWriter::with_part_limit(final_path, sample_rate, DEFAULT_PART_LIMIT)
    }

    /// Like [`ChapterWriter::create`], with parts of at most `limit_bytes` each (header
    /// included). A limit above [`DEFAULT_PART_LIMIT`] is lowered to it: WAV cannot go further.
    pub fn with_part_limit(final_path: impl AsRef<Path>, sample_rate: u32, limit_bytes: u64) -> Result<ChapterWriter> {
        if sample_rate == 0 {
            return Err(AudioError::InvalidRate { rate: sample_rate });
        }
        let part_capacity = limit_bytes.min(DEFAULT_PART_LIMIT).saturating_sub(HEADER_BYTES) / BYTES_PER_SAMPLE;
        if part_capacity == 0 {
            return Err(AudioError::LimitTooSmall { limit: limit_bytes });
        }
        let mut writer = ChapterWriter {
            final_path: final_path.as_ref().to_path_buf(),
            sample_rate,
            part_capacity,
            writer: None,
            parts: Vec::new(),
            total: 0,
        };
        writer.open_part()?;
        Ok(writer)
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Samples written so far: the position where the next line starts.
    pub fn position(&self) -> u64 {
        self.total
    }

    /// Seconds written so far.
    pub fn position_s(&self) -> f64 {
        samples_to_s(self.total, self.sample_rate)
    }

    /// Appends `pcm` and says where it landed. A line is never split between parts unless it is
    /// longer than a whole part.
    pub fn write(&mut self, pcm: &Pcm) -> Result<Span> {
        if pcm.sample_rate != self.sample_rate {
            return Err(AudioError::RateMismatch { expected: self.sample_rate, found: pcm.sample_rate });
        }
        let start = self.total;
        let len = pcm.samples.len() as u64;
        if len > self.room() && self.current_samples() > 0 && len <= self.part_capacity {
            self.next_part()?;
        }
        let mut rest = pcm.samples.as_slice();
        while !rest.is_empty() {
            if self.room() == 0 {
                self.next_part()?;
            }
            let take = rest.len().min(self.room() as usize);
            self.write_samples(&rest[..take])?;
            rest = &rest[take..];
        }
        Ok(Span { start, end: self.total })
    }

    /// Closes the last part and gives every part its final name. Returns the parts in order.
    pub fn finish(mut self) -> Result<Vec<WrittenPart>> {
        self.close_part()?;
        for part in &self.parts {
            std::fs::rename(&part.temp, &part.target).map_err(|e| AudioError::io(&part.target, e))?;
        }
        remove_stale_parts(&self.final_path, self.parts.len());
        let parts = std::mem::take(&mut self.parts);
        Ok(parts
            .into_iter()
            .map(|part| WrittenPart {
                path: part.target,
                first_sample: part.first_sample,
                samples: part.samples,
                sample_rate: self.sample_rate,
            })
            .collect())
    }

    fn room(&self) -> u64 {
        self.part_capacity - self.current_samples()
    }

    fn current_samples(&self) -> u64 {
        self.parts.last().map_or(0, |part| part.samples)
    }

    fn write_samples(&mut self, samples: &[f32]) -> Result<()> {
        let part = self.parts.last_mut().expect("a part is open while writing");
        let writer = self.writer.as_mut().expect("a part is open while writing");
        let mut ints = writer.get_i16_writer(samples.len() as u32);
        // Converted a block at a time, which vectorizes, then copied into the writer's buffer.
        let mut block = [0i16; 1024];
        for chunk in samples.chunks(block.len()) {
            for (int, &sample) in block.iter_mut().zip(chunk) {
                *int = super::to_i16(sample);
            }
            for &int in &block[..chunk.len()] {
                // SAFETY: the writer was made for `samples.len()` samples, and each is written once.
                unsafe { ints.write_sample_unchecked(int) };
            }
        }
        ints.flush().map_err(|e| wav_error(&part.temp, e))?;
        part.samples += samples.len() as u64;
        self.total += samples.len() as u64;
        Ok(())
    }

    fn next_part(&mut self) -> Result<()> {
        self.close_part()?;
        self.open_part()
    }

    fn open_part(&mut self) -> Result<()> {
        let target = part_path(&self.final_path, self.parts.len() + 1);
        let temp = crate::util::temp_path(&target);
        let spec = WavSpec {
            channels: 1,
            sample_rate: self.sample_rate,
            bits_per_sample: 16,
            sample_format: SampleFormat::Int,
        };
        let writer = WavWriter::create(&temp, spec).map_err(|e| wav_error(&temp, e))?;
        self.writer = Some(writer);
        self.parts.push(Part { temp, target, first_sample: self.total, samples: 0 });
        Ok(())
    }

    /// Finalizes the open part: hound's `Drop` would write the header too, but swallow errors.
    fn close_part(&mut self) -> Result<()> {
        let Some(writer) = self.writer.take() else {
            return Ok(());
        };
        let part = self.parts.last().expect("an open writer has a part");
        writer.finalize().map_err(|e| wav_error(&part.temp, e))
    }
}

impl Drop for ChapterWriter {
    /// An unfinished chapter leaves nothing behind, not even its temporary files.
    fn drop(&mut self) {
        drop(self.writer.take());
        for part in &self.parts {
            let _ = std::fs::remove_file(&part.temp);
        }
    }
}

/// `NAME.wav` for the first part, `NAME-partN.wav` after it.
fn part_path(final_path: &Path, number: usize) -> PathBuf {
    if number <= 1 {
        return final_path.to_path_buf();
    }
    let stem = final_path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match final_path.extension() {
        Some(ext) => format!("{stem}-part{number}.{}", ext.to_string_lossy()),
        None => format!("{stem}-part{number}"),
    };
    final_path.with_file_name(name)
}

/// Parts left by an earlier, longer render of this chapter would otherwise look like part of it.
fn remove_stale_parts(final_path: &Path, parts: usize) {
    let mut number = parts + 1;
    while std::fs::remove_file(part_path(final_path, number.max(2))).is_ok() {
        number += 1;
    }
}

fn wav_error(path: &Path, error: hound::Error) -> AudioError {
    match error {
        hound::Error::IoError(source) => AudioError::io(path, source),
        source => AudioError::Wav { path: path.to_path_buf(), source },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> (u32, Vec<i16>) {
        let mut reader = hound::WavReader::open(path).unwrap();
        let rate = reader.spec().sample_rate;
        (rate, reader.samples::<i16>().map(Result::unwrap).collect())
    }

    fn ramp(len: usize, rate: u32) -> Pcm {
        Pcm::new((0..len).map(|i| i as f32 / 32768.0).collect(), rate)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn writes_16_bit_with_rounding_and_clamping() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("01-start.wav");
        let mut writer = ChapterWriter::create(&path, 24_000).unwrap();
        let pcm = Pcm::new(vec![0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, f32::NAN, 0.4 / 32768.0, 0.6 / 32768.0], 24_000);
        writer.write(&pcm).unwrap();
        let parts = writer.finish().unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(read(&path), (24_000, vec![0, 16384, -16384, 32767, -32768, 32767, -32768, 0, 0, 1]));
    }

    #[test]
    fn sixteen_bit_audio_round_trips_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let ints: Vec<i16> = vec![-32768, -12345, -1, 0, 1, 12345, 32767];
        let mut writer = ChapterWriter::create(&path, 16_000).unwrap();
        writer.write(&Pcm::from_i16(&ints, 16_000)).unwrap();
        writer.finish().unwrap();
        assert_eq!(read(&path).1, ints);
    }

    #[test]
    fn spans_and_durations_are_exact() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = ChapterWriter::create(dir.path().join("c.wav"), 24_000).unwrap();
        let first = writer.write(&ramp(12_000, 24_000)).unwrap();
        let pause = writer.write(&Pcm::silence(250, 24_000)).unwrap();
        let second = writer.write(&ramp(7, 24_000)).unwrap();
        assert_eq!(first, Span { start: 0, end: 12_000 });
        assert_eq!((first.start_s(24_000), first.end_s(24_000)), (0.0, 0.5));
        assert_eq!(pause, Span { start: 12_000, end: 18_000 });
        assert_eq!(second, Span { start: 18_000, end: 18_007 });
        assert_eq!(writer.position(), 18_007);
        let parts = writer.finish().unwrap();
        assert_eq!(parts[0].samples, 18_007);
        assert!((parts[0].duration_s() - 18_007.0 / 24_000.0).abs() < 1e-12);
    }

    #[test]
    fn temporary_file_until_finish() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("02-next.wav");
        let mut writer = ChapterWriter::create(&path, 24_000).unwrap();
        writer.write(&ramp(100, 24_000)).unwrap();
        let names_now = names(dir.path());
        assert!(names_now.len() == 1 && names_now[0].starts_with(".02-next.wav."), "{names_now:?}");
        writer.finish().unwrap();
        assert_eq!(names(dir.path()), vec!["02-next.wav"]);
    }

    #[test]
    fn dropping_unfinished_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = ChapterWriter::with_part_limit(dir.path().join("x.wav"), 8_000, 44 + 20).unwrap();
        writer.write(&ramp(50, 8_000)).unwrap();
        drop(writer);
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn splits_into_parts_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("03-long.wav");
        // Room for 100 samples per part.
        let mut writer = ChapterWriter::with_part_limit(&path, 8_000, 44 + 200).unwrap();
        let a = writer.write(&ramp(60, 8_000)).unwrap();
        let b = writer.write(&ramp(60, 8_000)).unwrap();
        let c = writer.write(&ramp(250, 8_000)).unwrap();
        assert_eq!(
            (a, b, c),
            (Span { start: 0, end: 60 }, Span { start: 60, end: 120 }, Span { start: 120, end: 370 })
        );
        let parts = writer.finish().unwrap();
        let summary: Vec<(String, u64, u64)> = parts
            .iter()
            .map(|p| (p.path.file_name().unwrap().to_string_lossy().into_owned(), p.first_sample, p.samples))
            .collect();
        // The second line starts a new part rather than straddling two; the long third line
        // fills parts as it must.
        assert_eq!(
            summary,
            vec![
                ("03-long.wav".to_string(), 0, 60),
                ("03-long-part2.wav".to_string(), 60, 100),
                ("03-long-part3.wav".to_string(), 160, 100),
                ("03-long-part4.wav".to_string(), 260, 100),
                ("03-long-part5.wav".to_string(), 360, 10),
            ]
        );
        for part in &parts {
            let (_, samples) = read(&part.path);
            assert_eq!(samples.len() as u64, part.samples);
            assert!(std::fs::metadata(&part.path).unwrap().len() <= 44 + 200);
        }
        assert_eq!(read(&parts[1].path).1[..3], [0, 1, 2]);
    }

    #[test]
    fn stale_parts_of_an_earlier_render_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.wav");
        let mut long = ChapterWriter::with_part_limit(&path, 8_000, 44 + 20).unwrap();
        long.write(&ramp(35, 8_000)).unwrap();
        assert_eq!(long.finish().unwrap().len(), 4);
        let mut short = ChapterWriter::with_part_limit(&path, 8_000, 44 + 20).unwrap();
        short.write(&ramp(5, 8_000)).unwrap();
        short.finish().unwrap();
        assert_eq!(names(dir.path()), vec!["c.wav"]);
    }

    #[test]
    fn empty_chapter_is_a_valid_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.wav");
        let parts = ChapterWriter::create(&path, 24_000).unwrap().finish().unwrap();
        assert_eq!(parts[0].samples, 0);
        assert_eq!(read(&path), (24_000, vec![]));
    }

    #[test]
    fn bad_input_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.wav");
        let mut writer = ChapterWriter::create(&path, 24_000).unwrap();
        let err = writer.write(&ramp(10, 16_000)).unwrap_err();
        assert!(matches!(err, AudioError::RateMismatch { expected: 24_000, found: 16_000 }));
        assert!(matches!(ChapterWriter::create(&path, 0), Err(AudioError::InvalidRate { .. })));
        assert!(matches!(ChapterWriter::with_part_limit(&path, 24_000, 45), Err(AudioError::LimitTooSmall { .. })));
        let missing = dir.path().join("no/such/dir/c.wav");
        let err = ChapterWriter::create(&missing, 24_000).unwrap_err();
        assert!(matches!(err, AudioError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("check that the directory exists"));
    }
}

//! A content-addressed cache of rendered lines, so a second render is instant and changing one
//! character's voice re-renders only that character's lines.
//!
//! An entry's name is the SHA-256 of everything that shapes the engine's output (engine, its
//! version, voice, prosody, spoken text), stored in a two-level fan-out (`ab/abcdef...`) so no
//! directory grows huge. Entries hold the engine's own output (before resampling) as 16-bit
//! samples: half the size of `f32`, and no finer than the chapter files. Entries are written to
//! a unique temporary file and renamed into place, so a reader sees a whole entry or none.
//! They are not synced: every entry carries its length and a checksum of its header and samples.
//! Looking an entry up ([`Cache::contains`]) checks its header and length, which catches what a
//! crash, a full disk or a truncated copy leaves; reading it ([`Cache::get`]) checks the checksum
//! too, so damage anywhere in an entry of the right length (a power loss can leave zeros, a bit
//! can flip in its sample rate) reads as a miss and the render speaks that line again. A render
//! that rewrites nothing reads no audio at all. Syncing each of a novel's ten thousand entries
//! would cost more than it saves.
//!
//! When an entry cannot be written (a full disk, a read-only folder), the line's audio is kept in
//! memory for the rest of the render instead, up to [`MEMORY_BUDGET_BYTES`], and
//! [`Cache::problem`] says so once: audio that was made is never lost to a failing cache.
//!
//! ```
//! use audiobook::audio::{Pcm, Pcm16, cache::{Cache, CacheKey}};
//! use audiobook::voice::Prosody;
//! let dir = tempfile::tempdir().unwrap();
//! let cache = Cache::open(dir.path()).unwrap();
//! let key = CacheKey::new("flite", "2.2", "slt", Prosody::default(), "Hello.");
//! assert_eq!(cache.get(&key), None);
//! cache.put(&key, &Pcm16 { samples: vec![1, 2, 3], sample_rate: 16_000 }).unwrap();
//! assert_eq!(cache.get(&key), Some(Pcm::from_i16(&[1, 2, 3], 16_000)));
//! ```

use super::{AudioError, Pcm, Pcm16, Result};
use crate::voice::Prosody;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Changes whenever the key's recipe or the entry format changes, so old entries are not misread.
const KEY_VERSION: &[u8] = b"audiobook-line-cache-v1";
/// Magic and format version at the start of every entry: the checksum covers the header too.
const MAGIC: &[u8; 4] = b"ABL3";
/// The previous format, still read: its checksum covers the samples only, so its sample rate is
/// checked against the rates engines use instead.
const MAGIC_V2: &[u8; 4] = b"ABL2";
/// Magic, rate (u32), sample count (u64), CRC-32 (u32) of the 16 bytes before it and the payload.
const HEADER_BYTES: usize = 4 + 4 + 8 + 4;
/// The rates an entry of the previous format may have.
const COMMON_RATES: [u32; 8] = [8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];
/// Audio kept in memory when the cache cannot be written: about 5 hours of 16 kHz speech.
pub const MEMORY_BUDGET_BYTES: usize = 512 << 20;

/// Whether engine output at `rate` Hz can be speech a book is made of.
pub fn plausible_rate(rate: u32) -> bool {
    (4_000..=192_000).contains(&rate)
}

/// The hex SHA-256 naming one rendered line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey(String);

impl CacheKey {
    pub fn new(engine: &str, engine_version: &str, voice: &str, prosody: Prosody, spoken_text: &str) -> CacheKey {
        let mut hasher = Sha256::new();
        hasher.update(KEY_VERSION);
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        for field in [engine, engine_version, voice, spoken_text] {
            hasher.update((field.len() as u64).to_le_bytes());
            hasher.update(field.as_bytes());
        }
        for value in [prosody.rate, prosody.pitch, prosody.volume] {
            hasher.update(value.to_bits().to_le_bytes());
        }
        CacheKey(crate::util::hex(&hasher.finalize()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A directory of rendered lines. Safe to share between threads and processes.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    memory: Arc<Memory>,
}

/// Lines whose entries could not be written, kept for the rest of the render.
#[derive(Debug, Default)]
struct Memory {
    lines: Mutex<HashMap<CacheKey, Arc<Pcm16>>>,
    bytes: AtomicUsize,
    /// The first write error, and how many entries could not be written.
    failed: Mutex<(Option<String>, usize)>,
}

impl Cache {
    /// Opens the cache in `dir`, creating the directory if needed.
    pub fn open(dir: impl AsRef<Path>) -> Result<Cache> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| AudioError::io(&dir, e))?;
        Ok(Cache { dir, memory: Arc::default() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `key`'s entry lives.
    pub fn path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(&key.0[..2]).join(&key.0)
    }

    /// The cached line, or `None` when absent, unreadable or damaged: a bad entry only costs a
    /// re-render, so it never stops one.
    pub fn get(&self, key: &CacheKey) -> Option<Pcm> {
        if let Some(pcm) = self.in_memory(key) {
            return Some(pcm.to_pcm());
        }
        decode(&std::fs::read(self.path(key)).ok()?)
    }

    /// Removes the entry under `key`, if there is one (a damaged one, so the next render speaks
    /// the line again instead of taking it as cached).
    pub fn remove(&self, key: &CacheKey) {
        self.memory.lines.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
        let _ = std::fs::remove_file(self.path(key));
    }

    /// Whether an entry of the right shape is stored under `key`: its header is whole and its
    /// length is the one the header gives. Only the header is read; the rest is checked by
    /// [`Cache::get`], when it is needed.
    pub fn contains(&self, key: &CacheKey) -> bool {
        self.rate(key).is_some()
    }

    /// The sample rate of the entry under `key`, if [`Cache::contains`] it.
    pub fn rate(&self, key: &CacheKey) -> Option<u32> {
        if let Some(pcm) = self.in_memory(key) {
            return Some(pcm.sample_rate);
        }
        self.header(key).map(|(rate, _)| rate)
    }

    /// The rate and sample count of an entry of the right shape under `key`.
    fn header(&self, key: &CacheKey) -> Option<(u32, u64)> {
        let mut file = File::open(self.path(key)).ok()?;
        let mut header = [0u8; HEADER_BYTES];
        file.read_exact(&mut header).ok()?;
        let length = file.metadata().ok()?.len();
        let (rate, count) = parse_header(&header)?;
        let expected = count.checked_mul(2)?.checked_add(HEADER_BYTES as u64)?;
        (expected == length).then_some((rate, count))
    }

    /// Stores `pcm` under `key`, replacing any entry atomically. When the entry cannot be
    /// written, the audio is kept in memory for this render (see [`Cache::problem`]); an error
    /// only when that is full too.
    pub fn put(&self, key: &CacheKey, pcm: &Pcm16) -> Result<()> {
        let path = self.path(key);
        let dir = path.parent().expect("an entry path has a fan-out directory");
        let written = std::fs::create_dir_all(dir).and_then(|()| crate::util::write_atomic(&path, &encode(pcm)));
        let Err(error) = written else { return Ok(()) };
        let bytes = 2 * pcm.samples.len();
        let kept = self.memory.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes <= MEMORY_BUDGET_BYTES;
        let mut failed = self.memory.failed.lock().unwrap_or_else(PoisonError::into_inner);
        failed.0.get_or_insert_with(|| error.to_string());
        failed.1 += 1;
        if !kept {
            self.memory.bytes.fetch_sub(bytes, Ordering::Relaxed);
            return Err(AudioError::io(&path, error));
        }
        self.memory.lines.lock().unwrap_or_else(PoisonError::into_inner).insert(key.clone(), Arc::new(pcm.clone()));
        Ok(())
    }

    /// What went wrong writing entries in this process, said once: how many could not be
    /// written, and why.
    pub fn problem(&self) -> Option<String> {
        let failed = self.memory.failed.lock().unwrap_or_else(PoisonError::into_inner);
        let error = failed.0.as_ref()?;
        Some(format!(
            "{} line(s) could not be saved in the cache at {} ({error}); they were used from memory \
             and will be spoken again next time: free some space or choose another folder with --cache",
            failed.1,
            self.dir.display()
        ))
    }

    fn in_memory(&self, key: &CacheKey) -> Option<Arc<Pcm16>> {
        if self.memory.bytes.load(Ordering::Relaxed) == 0 {
            return None;
        }
        self.memory.lines.lock().unwrap_or_else(PoisonError::into_inner).get(key).cloned()
    }
}

/// A CRC-32 of the header's fields and the samples: it catches every burst of damage up to 32
/// bits and all but one in four billion others, which is what a damaged entry needs; SHA-256
/// here cost 4% of a render.
fn checksum(fields: &[u8], payload: &[u8]) -> [u8; 4] {
    let mut crc = crc32fast::Hasher::new();
    crc.update(fields);
    crc.update(payload);
    crc.finalize().to_le_bytes()
}

fn encode(pcm: &Pcm16) -> Vec<u8> {
    let mut bytes = vec![0u8; HEADER_BYTES + 2 * pcm.samples.len()];
    let (header, payload) = bytes.split_at_mut(HEADER_BYTES);
    for (pair, s) in payload.chunks_exact_mut(2).zip(&pcm.samples) {
        pair.copy_from_slice(&s.to_le_bytes());
    }
    header[..4].copy_from_slice(MAGIC);
    header[4..8].copy_from_slice(&pcm.sample_rate.to_le_bytes());
    header[8..16].copy_from_slice(&(pcm.samples.len() as u64).to_le_bytes());
    let sum = checksum(&header[..16], payload);
    header[16..20].copy_from_slice(&sum);
    bytes
}

/// The rate and sample count an entry's header gives, if it is an entry's header.
fn parse_header(header: &[u8]) -> Option<(u32, u64)> {
    let magic = header.get(..4)?;
    let rate = u32::from_le_bytes(header.get(4..8)?.try_into().ok()?);
    let count = u64::from_le_bytes(header.get(8..16)?.try_into().ok()?);
    let known = (magic == MAGIC && plausible_rate(rate)) || (magic == MAGIC_V2 && COMMON_RATES.contains(&rate));
    known.then_some((rate, count))
}

/// The rate and samples of a whole, undamaged entry.
fn checked(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let (header, payload) = bytes.split_at_checked(HEADER_BYTES)?;
    let (rate, count) = parse_header(header)?;
    let complete = u64::try_from(payload.len()).ok()? == count.checked_mul(2)?;
    let fields: &[u8] = if header[..4] == *MAGIC { &header[..16] } else { &[] };
    (complete && header[16..20] == checksum(fields, payload)).then_some((rate, payload))
}

fn decode(bytes: &[u8]) -> Option<Pcm> {
    let (rate, payload) = checked(bytes)?;
    // As `Pcm::from_i16` does, in one pass; eight samples at a time, which the compiler turns
    // into vector instructions (pairs of bytes one at a time, it did not).
    let sample = |pair: [u8; 2]| f32::from(i16::from_le_bytes(pair)) / 32768.0;
    let mut samples = Vec::with_capacity(payload.len() / 2);
    let mut blocks = payload.chunks_exact(16);
    for block in &mut blocks {
        let block: &[u8; 16] = block.try_into().ok()?;
        let eight: [f32; 8] = std::array::from_fn(|i| sample([block[2 * i], block[2 * i + 1]]));
        samples.extend_from_slice(&eight);
    }
    samples.extend(blocks.remainder().chunks_exact(2).map(|pair| sample([pair[0], pair[1]])));
    Some(Pcm::new(samples, rate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn key(text: &str) -> CacheKey {
        CacheKey::new("flite", "2.2", "slt", Prosody::default(), text)
    }

    fn line(len: usize) -> Pcm16 {
        let samples: Vec<i16> = (0..len).map(|i| (i as i32 * 7919 % 65_536 - 32_768) as i16).collect();
        Pcm16 { samples, sample_rate: 16_000 }
    }

    #[test]
    fn keys_differ_in_every_field() {
        let base = key("Hello.");
        let fast = Prosody { rate: 1.2, ..Prosody::default() };
        let others = [
            CacheKey::new("espeak-ng", "2.2", "slt", Prosody::default(), "Hello."),
            CacheKey::new("flite", "2.3", "slt", Prosody::default(), "Hello."),
            CacheKey::new("flite", "2.2", "rms", Prosody::default(), "Hello."),
            CacheKey::new("flite", "2.2", "slt", fast, "Hello."),
            key("Hello!"),
            CacheKey::new("flite", "2.2", "sl", Prosody::default(), "tHello."),
        ];
        for other in &others {
            assert_ne!(&base, other);
        }
        assert_eq!(base, key("Hello."));
        assert_eq!(base.as_str().len(), 64);
        assert!(base.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn round_trip_in_fan_out() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path().join("cache")).unwrap();
        let k = key("One.");
        assert_eq!(cache.get(&k), None);
        cache.put(&k, &line(5_000)).unwrap();
        assert_eq!(cache.get(&k), Some(line(5_000).to_pcm()));
        let path = cache.path(&k);
        assert_eq!(path.parent().unwrap().file_name().unwrap().to_str(), Some(&k.as_str()[..2]));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), (HEADER_BYTES + 10_000) as u64);
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
        // Lengths on either side of the eight-sample blocks decoding works in, and the extremes.
        for len in (0..20).chain([4_095, 4_097]) {
            let k = key(&format!("{len} samples."));
            let mut pcm = line(len);
            if let Some(first) = pcm.samples.first_mut() {
                *first = i16::MIN;
            }
            if let Some(last) = pcm.samples.last_mut() {
                *last = i16::MAX;
            }
            cache.put(&k, &pcm).unwrap();
            assert_eq!(cache.get(&k), Some(pcm.to_pcm()), "{len} samples");
        }
    }

    #[test]
    fn empty_line_and_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let k = key("");
        cache.put(&k, &Pcm16 { samples: Vec::new(), sample_rate: 22_050 }).unwrap();
        assert_eq!(cache.get(&k), Some(Pcm::new(Vec::new(), 22_050)));
        cache.put(&k, &line(10)).unwrap();
        assert_eq!(cache.get(&k), Some(line(10).to_pcm()));
    }

    #[test]
    fn damaged_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let k = key("Damaged.");
        cache.put(&k, &line(1_000)).unwrap();
        let path = cache.path(&k);
        let good = std::fs::read(&path).unwrap();
        assert!(cache.contains(&k));
        assert_eq!(cache.rate(&k), Some(16_000));
        for cut in [0, 3, HEADER_BYTES - 1, HEADER_BYTES, good.len() - 1] {
            std::fs::write(&path, &good[..cut]).unwrap();
            assert_eq!(cache.get(&k), None, "cut at {cut}");
            assert!(!cache.contains(&k), "cut at {cut}");
        }
        // Damage inside an entry of the right length: it looks whole, and reads as a miss.
        let mut flipped = good.clone();
        flipped[HEADER_BYTES + 100] ^= 0x40;
        std::fs::write(&path, &flipped).unwrap();
        assert!(cache.contains(&k));
        assert_eq!(cache.get(&k), None);
        // What a power loss can leave of an unsynced entry: its length, with zeros for samples.
        let mut zeroed = good.clone();
        zeroed[HEADER_BYTES..].fill(0);
        std::fs::write(&path, &zeroed).unwrap();
        assert!(cache.contains(&k));
        assert_eq!(cache.get(&k), None);
        // A header that claims more or fewer samples than the entry holds.
        let mut longer = good.clone();
        longer.extend_from_slice(&[0, 0]);
        std::fs::write(&path, &longer).unwrap();
        assert!(!cache.contains(&k));
        let mut bad_magic = good.clone();
        bad_magic[0] = b'X';
        std::fs::write(&path, &bad_magic).unwrap();
        assert!(!cache.contains(&k));
        // Every bit of the header is covered: a flipped bit in the sample rate reads as a miss.
        for (byte, bit) in [(4, 0), (5, 3), (6, 1), (7, 7), (8, 0), (17, 2)] {
            let mut flipped = good.clone();
            flipped[byte] ^= 1 << bit;
            std::fs::write(&path, &flipped).unwrap();
            assert_eq!(cache.get(&k), None, "bit {bit} of byte {byte}");
        }
        // An absurd rate is no entry even when its checksum matches (an engine lied about it).
        let mut absurd = encode(&Pcm16 { samples: vec![5; 1_000], sample_rate: 1 });
        std::fs::write(&path, &absurd).unwrap();
        assert!(!cache.contains(&k) && cache.get(&k).is_none());
        absurd[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        std::fs::write(&path, &absurd).unwrap();
        assert!(!cache.contains(&k));
        std::fs::write(&path, b"not an entry at all, just some text").unwrap();
        assert_eq!(cache.get(&k), None);
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert_eq!(cache.get(&k), None);
    }

    #[test]
    fn entries_of_the_previous_format_are_read_when_their_rate_is_a_common_one() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let k = key("Old.");
        let pcm = line(1_000);
        let mut old = encode(&pcm);
        old[..4].copy_from_slice(MAGIC_V2);
        let payload_only = checksum(&[], &old[HEADER_BYTES..]);
        old[16..20].copy_from_slice(&payload_only);
        std::fs::create_dir_all(cache.path(&k).parent().unwrap()).unwrap();
        std::fs::write(cache.path(&k), &old).unwrap();
        assert_eq!(cache.get(&k), Some(pcm.to_pcm()));
        // 16000 with one bit flipped is no rate an engine uses.
        old[4..8].copy_from_slice(&16_001u32.to_le_bytes());
        std::fs::write(cache.path(&k), &old).unwrap();
        assert_eq!(cache.get(&k), None);
    }

    #[test]
    fn audio_that_cannot_be_saved_is_kept_in_memory_and_said_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        // The cache's folder is a file: nothing can be written below it.
        let cache = Cache { dir: file, memory: Arc::default() };
        assert_eq!(cache.problem(), None);
        for n in 0..3 {
            cache.put(&key(&n.to_string()), &line(100)).unwrap();
        }
        assert_eq!(cache.get(&key("1")), Some(line(100).to_pcm()));
        assert!(cache.contains(&key("2")) && cache.rate(&key("2")) == Some(16_000));
        let problem = cache.problem().unwrap();
        assert!(problem.starts_with("3 line(s) could not be saved"), "{problem}");
        // A clone (another task of the render) sees the same lines.
        assert!(cache.clone().contains(&key("0")));
    }

    #[test]
    fn concurrent_puts_of_one_key_do_not_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Arc::new(Cache::open(dir.path()).unwrap());
        let k = key("Shared.");
        let expected = line(20_000);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (cache, k, pcm) = (Arc::clone(&cache), k.clone(), expected.clone());
                std::thread::spawn(move || {
                    for _ in 0..10 {
                        cache.put(&k, &pcm).unwrap();
                        // A reader racing the writers sees a whole entry, never a partial one.
                        assert_eq!(cache.get(&k), Some(pcm.to_pcm()));
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(cache.get(&k), Some(expected.to_pcm()));
        assert_eq!(std::fs::read_dir(cache.path(&k).parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn unwritable_cache_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        assert!(Cache::open(&file).is_err());
    }
}

//! A content-addressed cache of rendered lines, so a second render is instant and changing one
//! character's voice re-renders only that character's lines.
//!
//! An entry's name is the SHA-256 of everything that shapes the engine's output (engine, its
//! version, voice, prosody, spoken text), stored in a two-level fan-out (`ab/abcdef...`) so no
//! directory grows huge. Entries hold the engine's own output (before resampling) as 16-bit
//! samples: half the size of `f32`, and no finer than the chapter files. Entries are written to
//! a unique temporary file and renamed into place, so a reader sees a whole entry or none.
//! They are not synced: every entry carries its length and a checksum of its samples. Looking an
//! entry up ([`Cache::contains`]) checks its header and length, which catches what a crash, a
//! full disk or a truncated copy leaves; reading it ([`Cache::get`]) checks the samples too, so
//! damage inside an entry of the right length (a power loss can leave zeros) reads as a miss and
//! the render speaks that line again. A render that rewrites nothing reads no audio at all.
//! Syncing each of a novel's ten thousand entries would cost more than it saves.
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
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Changes whenever the key's recipe or the entry format changes, so old entries are not misread.
const KEY_VERSION: &[u8] = b"audiobook-line-cache-v1";
/// Magic and format version at the start of every entry.
const MAGIC: &[u8; 4] = b"ABL2";
/// Magic, rate (u32), sample count (u64), CRC-32 of the payload (u32).
const HEADER_BYTES: usize = 4 + 4 + 8 + 4;

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
}

impl Cache {
    /// Opens the cache in `dir`, creating the directory if needed.
    pub fn open(dir: impl AsRef<Path>) -> Result<Cache> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| AudioError::io(&dir, e))?;
        Ok(Cache { dir })
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
        decode(&std::fs::read(self.path(key)).ok()?)
    }

    /// Removes the entry under `key`, if there is one (a damaged one, so the next render speaks
    /// the line again instead of taking it as cached).
    pub fn remove(&self, key: &CacheKey) {
        let _ = std::fs::remove_file(self.path(key));
    }

    /// Whether an entry of the right shape is stored under `key`: its header is whole and its
    /// length is the one the header gives. Only the header is read; the samples are checked by
    /// [`Cache::get`], when they are needed.
    pub fn contains(&self, key: &CacheKey) -> bool {
        self.header(key).is_some()
    }

    /// The sample rate of the entry under `key`, if [`Cache::contains`] it.
    pub fn rate(&self, key: &CacheKey) -> Option<u32> {
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

    /// Stores `pcm` under `key`, replacing any entry atomically.
    pub fn put(&self, key: &CacheKey, pcm: &Pcm16) -> Result<()> {
        let path = self.path(key);
        let dir = path.parent().expect("an entry path has a fan-out directory");
        std::fs::create_dir_all(dir).map_err(|e| AudioError::io(dir, e))?;
        crate::util::write_atomic(&path, &encode(pcm)).map_err(|e| AudioError::io(&path, e))
    }
}

/// A CRC-32 of the samples: it catches every burst of damage up to 32 bits and all but one in
/// four billion others, which is what a damaged entry needs; SHA-256 here cost 4% of a render.
fn checksum(payload: &[u8]) -> [u8; 4] {
    crc32fast::hash(payload).to_le_bytes()
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
    header[16..20].copy_from_slice(&checksum(payload));
    bytes
}

/// The rate and sample count an entry's header gives, if it is an entry's header.
fn parse_header(header: &[u8]) -> Option<(u32, u64)> {
    if header.get(..4)? != MAGIC {
        return None;
    }
    let rate = u32::from_le_bytes(header.get(4..8)?.try_into().ok()?);
    let count = u64::from_le_bytes(header.get(8..16)?.try_into().ok()?);
    (rate != 0).then_some((rate, count))
}

/// The rate and samples of a whole, undamaged entry.
fn checked(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let (header, payload) = bytes.split_at_checked(HEADER_BYTES)?;
    let (rate, count) = parse_header(header)?;
    let complete = u64::try_from(payload.len()).ok()? == count.checked_mul(2)?;
    (complete && header[16..20] == checksum(payload)).then_some((rate, payload))
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
        std::fs::write(&path, b"not an entry at all, just some text").unwrap();
        assert_eq!(cache.get(&k), None);
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert_eq!(cache.get(&k), None);
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
        let cache = Cache { dir: file };
        assert!(cache.put(&key("x"), &line(3)).is_err());
        assert_eq!(cache.get(&key("x")), None);
    }
}

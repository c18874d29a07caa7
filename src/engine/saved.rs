//! What an engine learned about itself (its version, its voices), kept on disk between runs for
//! as long as the files it was learned from stay the same.
//!
//! Listing espeak-ng's voices means loading its library (and the thirty-odd libraries of its
//! audio output) and reading every one of its ~360 voice files, twice: most of a render whose
//! lines are all cached. Checking that none of those files changed costs a few hundred `stat`
//! calls instead.
//!
//! A saved entry names the files it depends on and carries a stamp of them: each file's path,
//! length, modification time and inode, whole folders included file by file. It is used only
//! while a fresh stamp of the same files matches, so an upgrade (a package manager replaces
//! files, new inodes) or an edited voice file brings a fresh listing. Entries are written
//! atomically and anything unreadable is ignored: a saved listing is only ever a shortcut.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The files and folders an entry was learned from, and the environment variables that chose
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    pub files: Vec<PathBuf>,
    /// Folders stamped with everything under them.
    pub trees: Vec<PathBuf>,
    pub env: Vec<String>,
}

/// Sources with their stamp, taken before what is learned from them: a change while it is being
/// learned then shows as a stale entry next time.
pub struct Stamped {
    sources: Sources,
    stamp: String,
}

impl Sources {
    /// The sources with a stamp of them as they are now.
    pub fn stamped(self) -> Stamped {
        let stamp = self.stamp();
        Stamped { sources: self, stamp }
    }

    /// A stamp of the sources as they are now: equal stamps mean none of them changed.
    pub fn stamp(&self) -> String {
        let mut hasher = Sha256::new();
        for name in &self.env {
            let value = std::env::var_os(name).unwrap_or_default();
            hasher.update(format!("env {name}={}\0", value.to_string_lossy()));
        }
        for file in &self.files {
            hasher.update(identity(file));
        }
        for tree in &self.trees {
            let mut entries = Vec::new();
            walk(tree, &mut entries);
            entries.sort();
            hasher.update(format!("tree {}\0", tree.display()));
            for entry in entries {
                hasher.update(entry);
            }
        }
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A file's path, length, modification time and inode, or that it is missing.
fn identity(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(meta) => {
            let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            let nanos = modified.map_or(0, |d| d.as_nanos());
            format!("{} {} {nanos} {}\0", path.display(), meta.len(), inode(&meta))
        }
        Err(_) => format!("{} missing\0", path.display()),
    }
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_meta: &std::fs::Metadata) -> u64 {
    0
}

/// The identity of `dir` and of everything under it.
fn walk(dir: &Path, out: &mut Vec<String>) {
    out.push(identity(dir));
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => walk(&path, out),
            _ => out.push(identity(&path)),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Entry<T> {
    sources: Sources,
    stamp: String,
    value: T,
}

/// The value saved in `file`, if its sources are unchanged since it was saved.
pub fn load<T: DeserializeOwned>(file: &Path) -> Option<T> {
    let entry: Entry<T> = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    (entry.stamp == entry.sources.stamp()).then_some(entry.value)
}

/// Saves `value`, learned from `sources`, in `file`; atomically, so a reader racing this sees
/// the old entry or the new one. Best effort: a render goes on without it.
pub fn store<T: Serialize>(file: &Path, Stamped { sources, stamp }: Stamped, value: &T) {
    let Some(dir) = file.parent() else { return };
    let Ok(json) = serde_json::to_vec(&Entry { sources, stamp, value }) else { return };
    let _ = std::fs::create_dir_all(dir).and_then(|()| crate::util::write_atomic(file, &json));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(dir: &Path) -> Sources {
        Sources {
            files: vec![dir.join("lib.so")],
            trees: vec![dir.join("voices")],
            env: vec!["AUDIOBOOK_SAVED_TEST".into()],
        }
    }

    #[test]
    fn a_saved_value_lasts_until_a_source_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lib.so"), "one").unwrap();
        std::fs::create_dir_all(dir.path().join("voices/!v")).unwrap();
        std::fs::write(dir.path().join("voices/!v/f1"), "name f1").unwrap();
        let file = dir.path().join("saved/listing.json");
        let value = vec!["en".to_string(), "f1".to_string()];

        assert_eq!(load::<Vec<String>>(&file), None, "nothing saved yet");
        store(&file, sources(dir.path()).stamped(), &value);
        assert_eq!(load::<Vec<String>>(&file), Some(value.clone()));

        // A file added deep in a tree.
        std::fs::write(dir.path().join("voices/!v/f2"), "name f2").unwrap();
        assert_eq!(load::<Vec<String>>(&file), None, "a new voice file");
        store(&file, sources(dir.path()).stamped(), &value);
        assert_eq!(load::<Vec<String>>(&file), Some(value.clone()));

        // A file rewritten in place with another length.
        std::fs::write(dir.path().join("voices/!v/f1"), "name f1\ngender female").unwrap();
        assert_eq!(load::<Vec<String>>(&file), None, "an edited voice file");
        store(&file, sources(dir.path()).stamped(), &value);

        // A library replaced, as a package manager does: a new file renamed over the old.
        std::fs::write(dir.path().join("new.so"), "two").unwrap();
        std::fs::rename(dir.path().join("new.so"), dir.path().join("lib.so")).unwrap();
        assert_eq!(load::<Vec<String>>(&file), None, "a replaced library");
        store(&file, sources(dir.path()).stamped(), &value);

        std::fs::remove_file(dir.path().join("lib.so")).unwrap();
        assert_eq!(load::<Vec<String>>(&file), None, "a removed library");
    }

    #[test]
    fn damaged_or_foreign_entries_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("listing.json");
        std::fs::write(&file, b"{\"sources\": ").unwrap();
        assert_eq!(load::<Vec<String>>(&file), None);
        store(&file, sources(dir.path()).stamped(), &42u32);
        assert_eq!(load::<u32>(&file), Some(42));
        assert_eq!(load::<Vec<String>>(&file), None, "saved as another type");
    }

    #[test]
    fn the_stamp_follows_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let mut sources = sources(dir.path());
        sources.env = vec!["PATH".into()];
        let with_path = sources.stamp();
        sources.env = vec!["AUDIOBOOK_SAVED_TEST_SURELY_UNSET".into()];
        assert_ne!(sources.stamp(), with_path);
        assert_eq!(sources.stamp(), sources.stamp());
    }
}

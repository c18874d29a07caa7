//! Small edits to a story's voices file, as the studio makes them: a speaker correction, a voice,
//! a rename. Each changes the file as it is, so its comments, layout and other settings stay, and
//! each leaves a valid voices file or writes nothing.

use super::{ConfigError, new_file, parse, set_voice, story_file, syntax};
use crate::voice::Voice;
use std::path::{Path, PathBuf};
use toml_edit::{DocumentMut, Item, Table, Value};

/// Makes line `line` (1-based, as `audiobook script` numbers it) spoken by `speaker`: the
/// correction for that line is changed when there is one, else a `[[corrections]]` entry is
/// added. A name that `[renames]` renames is written as its new name.
pub fn add_correction(dir: &Path, story: &str, line: usize, speaker: &str) -> Result<PathBuf, ConfigError> {
    edit(dir, story, |doc| {
        let speaker = renamed(doc, speaker);
        let line = i64::try_from(line).unwrap_or(i64::MAX);
        let is_line = |t: &dyn toml_edit::TableLike| t.get("line").and_then(Item::as_integer) == Some(line);
        let corrections = doc.as_table_mut().entry("corrections").or_insert(Item::ArrayOfTables(Default::default()));
        match corrections {
            Item::ArrayOfTables(entries) => {
                let found = entries.iter().position(|t| is_line(t));
                match found.and_then(|i| entries.get_mut(i)) {
                    Some(entry) => set_string(entry, "speaker", &speaker),
                    None => {
                        let mut entry = Table::new();
                        entry.insert("line", toml_edit::value(line));
                        entry.insert("speaker", toml_edit::value(speaker));
                        entries.push(entry);
                    }
                }
            }
            // `corrections = [{ line = 3, speaker = "Tom" }]`, as some write it.
            Item::Value(Value::Array(entries)) => {
                let found = entries.iter().position(|v| v.as_inline_table().is_some_and(|t| is_line(t)));
                match found.and_then(|i| entries.get_mut(i)).and_then(Value::as_inline_table_mut) {
                    Some(entry) => set_string(entry, "speaker", &speaker),
                    None => {
                        let mut entry = toml_edit::InlineTable::new();
                        entry.insert("line", line.into());
                        entry.insert("speaker", speaker.as_str().into());
                        entries.push(entry);
                    }
                }
            }
            // Anything else is no voices file, and was refused when read.
            _ => {}
        }
    })
}

/// Gives the narrator (`None`) or a character their voice: `[narrator]` or
/// `[characters.NAME]`, keeping the comments beside the values it replaces.
pub fn set_voice_of(dir: &Path, story: &str, character: Option<&str>, voice: &Voice) -> Result<PathBuf, ConfigError> {
    edit(dir, story, |doc| match character {
        None => set_voice(doc.as_table_mut().entry("narrator").or_insert(toml_edit::table()), voice),
        Some(name) => {
            if let Some(characters) = characters_table(doc) {
                set_voice(characters.entry(name).or_insert(toml_edit::table()), voice);
            }
        }
    })
}

/// Renames the character shown as `from` to `to`, or merges it into `to` when that character
/// exists. `original` says whether `from` is a name the story itself gives a character (not
/// only one a rename or a correction made up): only such a name gets a `[renames]` entry. Renames
/// that led to `from` now lead to `to`, corrections that named `from` name `to`, and `from`'s
/// voice becomes `to`'s unless `to` has one of its own.
pub fn rename_character(dir: &Path, story: &str, from: &str, to: &str, original: bool) -> Result<PathBuf, ConfigError> {
    edit(dir, story, |doc| {
        // A name renamed already stands for its new name, unless that is `from` itself (the
        // rename is undone).
        let target = match renamed(doc, to) {
            resolved if resolved == from => to.to_string(),
            resolved => resolved,
        };
        if target == from {
            return;
        }
        if let Some(renames) = doc.as_table_mut().get_mut("renames").and_then(Item::as_table_like_mut) {
            for (_, value) in renames.iter_mut() {
                if value.as_str() == Some(from) {
                    replace_value(value, &target);
                }
            }
            let undone: Vec<String> = renames
                .iter()
                .filter(|(key, value)| value.as_str() == Some(key))
                .map(|(key, _)| key.to_string())
                .collect();
            for key in undone {
                renames.remove(&key);
            }
        }
        if original {
            let renames = doc.as_table_mut().entry("renames").or_insert(toml_edit::table());
            if let Some(renames) = renames.as_table_like_mut() {
                match renames.get_mut(from) {
                    Some(value) => replace_value(value, &target),
                    None => {
                        renames.insert(from, toml_edit::value(target.as_str()));
                    }
                }
            }
        }
        match doc.as_table_mut().get_mut("corrections") {
            Some(Item::ArrayOfTables(entries)) => {
                for entry in entries.iter_mut() {
                    rename_speaker(entry, from, &target);
                }
            }
            Some(Item::Value(Value::Array(entries))) => {
                for entry in entries.iter_mut().filter_map(Value::as_inline_table_mut) {
                    rename_speaker(entry, from, &target);
                }
            }
            _ => {}
        }
        if doc.get("characters").and_then(|c| c.get(from)).is_some()
            && let Some(characters) = characters_table(doc)
            && let Some(voice) = characters.remove(from)
            && !characters.contains_key(&target)
        {
            characters.insert(&target, voice);
        }
    })
}

/// Opens a story's voices file (a new one when there is none), changes it, checks that it is
/// still a voices file and writes it in one step. A file that is not a valid voices file is
/// reported, not overwritten.
fn edit(dir: &Path, story: &str, change: impl FnOnce(&mut DocumentMut)) -> Result<PathBuf, ConfigError> {
    let path = story_file(dir, story);
    let mut doc = match std::fs::read_to_string(&path) {
        Ok(source) => {
            parse(&path, &source)?;
            source.parse::<DocumentMut>().map_err(|e| syntax(&path, &source, e.span(), e.message()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => new_file(story),
        Err(source) => return Err(ConfigError::Read { path, source }),
    };
    change(&mut doc);
    let text = doc.to_string();
    parse(&path, &text)?;
    std::fs::create_dir_all(dir).map_err(|source| ConfigError::Write { path: dir.to_path_buf(), source })?;
    crate::util::write_atomic(&path, text.as_bytes())
        .map_err(|source| ConfigError::Write { path: path.clone(), source })?;
    Ok(path)
}

/// The name `name` ends up with after the file's renames (followed a few steps; cycles stop).
fn renamed(doc: &DocumentMut, name: &str) -> String {
    let mut name = name.to_string();
    let Some(renames) = doc.get("renames").and_then(Item::as_table_like) else { return name };
    for _ in 0..8 {
        match renames.get(&name).and_then(Item::as_str) {
            Some(to) if to != name => name = to.to_string(),
            _ => break,
        }
    }
    name
}

/// The `[characters]` table, made a table of sections (`[characters.Mara]`) when it was an
/// inline table, and created when missing without a header of its own.
fn characters_table(doc: &mut DocumentMut) -> Option<&mut Table> {
    let existed = doc.contains_key("characters");
    let item = doc.as_table_mut().entry("characters").or_insert(toml_edit::table());
    if let Some(inline) = item.as_inline_table().cloned() {
        *item = Item::Table(inline.into_table());
    }
    let table = item.as_table_mut()?;
    if !existed {
        table.set_implicit(true);
    }
    Some(table)
}

/// Sets a string, keeping the comments around the old value.
fn set_string(table: &mut dyn toml_edit::TableLike, key: &str, text: &str) {
    match table.get_mut(key) {
        Some(item) => replace_value(item, text),
        None => {
            table.insert(key, toml_edit::value(text));
        }
    }
}

/// Replaces a value by a string, keeping its comments.
fn replace_value(item: &mut Item, text: &str) {
    let mut value = Value::from(text);
    if let Some(old) = item.as_value() {
        *value.decor_mut() = old.decor().clone();
    }
    *item = Item::Value(value);
}

fn rename_speaker(entry: &mut dyn toml_edit::TableLike, from: &str, to: &str) {
    if entry.get("speaker").and_then(Item::as_str) == Some(from) {
        set_string(entry, "speaker", to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Correction, VoicesFile};
    use crate::voice::Prosody;

    const COMMENTED: &str = "# My cast: keep this comment.\n\n\
        [narrator] # the narrator\n\
        engine = \"embedded\" # always there\n\
        voice = \"kal16\"\n\n\
        # Corrections I made by hand.\n\
        [[corrections]]\n\
        line = 3 # the first\n\
        speaker = \"Tom\" # was Ann\n\n\
        [pronunciations]\n\
        Hermione = \"Her my oh nee\" # say it right\n";

    fn folder(text: Option<&str>) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = story_file(dir.path(), "tale");
        if let Some(text) = text {
            std::fs::write(&path, text).unwrap();
        }
        (dir, path)
    }

    fn read(path: &Path) -> (String, VoicesFile) {
        let text = std::fs::read_to_string(path).unwrap();
        let file = parse(path, &text).unwrap();
        (text, file)
    }

    fn correction(line: usize, speaker: &str) -> Correction {
        Correction { line: Some(line), quote: None, speaker: speaker.into() }
    }

    #[test]
    fn corrections_are_added_or_changed_in_place_and_comments_stay() {
        let (dir, path) = folder(Some(COMMENTED));
        add_correction(dir.path(), "tale", 7, "Ruth").unwrap();
        add_correction(dir.path(), "tale", 3, "Mara").unwrap();
        let (text, file) = read(&path);
        assert_eq!(file.corrections, [correction(3, "Mara"), correction(7, "Ruth")]);
        for comment in ["# My cast: keep this comment.", "# the narrator", "# always there", "# Corrections I made"] {
            assert!(text.contains(comment), "{comment:?} lost:\n{text}");
        }
        assert!(text.contains("speaker = \"Mara\" # was Ann"), "the value's comment stays:\n{text}");
        assert!(text.contains("# say it right"), "{text}");
        assert_eq!(file.pronunciations["Hermione"], "Her my oh nee");
    }

    #[test]
    fn a_first_edit_makes_a_new_file_and_inline_corrections_stay_inline() {
        let (dir, path) = folder(None);
        add_correction(dir.path(), "tale", 2, "Ann").unwrap();
        let (text, file) = read(&path);
        assert!(text.starts_with("# Voices for tale"), "{text}");
        assert_eq!(file.corrections, [correction(2, "Ann")]);

        let (dir, path) = folder(Some("corrections = [{ line = 1, speaker = \"Ann\" }] # inline\n"));
        add_correction(dir.path(), "tale", 1, "Bea").unwrap();
        add_correction(dir.path(), "tale", 4, "Cy").unwrap();
        let (text, file) = read(&path);
        assert_eq!(file.corrections, [correction(1, "Bea"), correction(4, "Cy")]);
        assert!(text.contains("# inline"), "{text}");
    }

    #[test]
    fn a_correction_names_the_character_a_rename_made() {
        let (dir, path) = folder(Some("[renames]\nLizzy = \"Elizabeth\"\n"));
        add_correction(dir.path(), "tale", 5, "Lizzy").unwrap();
        assert_eq!(read(&path).1.corrections, [correction(5, "Elizabeth")]);
    }

    #[test]
    fn voices_are_set_beside_the_other_settings() {
        let (dir, path) = folder(Some(COMMENTED));
        let voice = Voice::new("espeak-ng", "en-us+f3").with(Prosody { rate: 1.1, pitch: 0.9, volume: 1.0 });
        set_voice_of(dir.path(), "tale", Some("Mr. Darcy"), &voice).unwrap();
        set_voice_of(dir.path(), "tale", None, &Voice::new("embedded", "kal16-low")).unwrap();
        let (text, file) = read(&path);
        assert_eq!(file.characters["Mr. Darcy"], voice);
        assert_eq!(file.narrator, Some(Voice::new("embedded", "kal16-low")));
        assert!(text.contains("engine = \"embedded\" # always there"), "{text}");
        assert!(text.contains("[characters.\"Mr. Darcy\"]") && !text.contains("[characters]\n"), "{text}");
        assert_eq!(file.corrections, [correction(3, "Tom")]);
        // Back to the natural rate and pitch: they go without saying.
        set_voice_of(dir.path(), "tale", Some("Mr. Darcy"), &Voice::new("espeak-ng", "en-us+f3")).unwrap();
        let (text, _) = read(&path);
        assert!(!text.contains("rate") && !text.contains("pitch"), "{text}");
    }

    #[test]
    fn renames_follow_and_merge() {
        let start = "[renames]\nLizzy = \"Elizabeth\" # her pet name\n\n\
            [[corrections]]\nline = 4\nspeaker = \"Elizabeth\"\n\n\
            [characters.Elizabeth]\nengine = \"flite\"\nvoice = \"slt\"\n";
        let (dir, path) = folder(Some(start));
        // "Elizabeth" only exists through the rename: the rename now leads to "Eliza", which
        // takes her correction and her voice; no entry for "Elizabeth" itself.
        rename_character(dir.path(), "tale", "Elizabeth", "Eliza", false).unwrap();
        let (text, file) = read(&path);
        assert_eq!(file.renames.len(), 1);
        assert_eq!(file.renames["Lizzy"], "Eliza");
        assert!(text.contains("# her pet name"), "{text}");
        assert_eq!(file.corrections, [correction(4, "Eliza")]);
        assert_eq!(file.characters.keys().collect::<Vec<_>>(), ["Eliza"]);

        // A name of the story's own gets an entry; merging into a character with a voice keeps
        // that character's voice.
        rename_character(dir.path(), "tale", "Jane", "Eliza", true).unwrap();
        set_voice_of(dir.path(), "tale", Some("Ann"), &Voice::new("flite", "rms")).unwrap();
        rename_character(dir.path(), "tale", "Ann", "Eliza", true).unwrap();
        let (_, file) = read(&path);
        assert_eq!(file.renames["Jane"], "Eliza");
        assert_eq!(file.renames["Ann"], "Eliza");
        assert_eq!(file.characters.keys().collect::<Vec<_>>(), ["Eliza"]);
        assert_eq!(file.characters["Eliza"], Voice::new("flite", "slt"));

        // Renaming back to a name a rename came from undoes it.
        let (dir, path) = folder(Some("[renames]\nBob = \"Robert\"\n"));
        rename_character(dir.path(), "tale", "Robert", "Bob", false).unwrap();
        assert!(read(&path).1.renames.is_empty());
    }

    #[test]
    fn a_broken_file_is_reported_not_overwritten() {
        let (dir, path) = folder(Some("[narrator\nengine = 1\n"));
        let err = add_correction(dir.path(), "tale", 1, "Ann").unwrap_err();
        assert!(err.to_string().contains("tale.toml:1:"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[narrator\nengine = 1\n");
    }
}

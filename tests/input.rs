//! Bad input gets a clear error and loses nothing: encodings a user's editor may save (UTF-16
//! with a BOM, UTF-8 with a BOM, UTF-8 with a few stray Windows-1252 bytes, Windows-1252) are
//! read, with spans indexing the text `script --text` prints; what is not a story file (a
//! directory, a pipe, a device, a huge file, an image, a program, a sound) is refused with one
//! line saying what it is and what to do.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

const STORY: &str = "Chapter 1\n\n\u{201C}Caf\u{E9} au lait?\u{201D} asked Zo\u{EB}.\n\n\u{201C}Not tonight,\u{201D} said Ren\u{E9}e. \u{201C}The ferry won\u{2019}t wait.\u{201D}\n\nThe harbour lights went out one by one.\n";

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `script --text` and `script --format jsonl` of a story that must be read: the printed text,
/// the lines, and what was said on stderr. Every line's span slices the printed text to its text.
fn read_ok(path: &Path) -> (String, Vec<Value>, String) {
    let out =
        common::audiobook().arg("script").arg(path).arg("--text").timeout(Duration::from_secs(60)).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{}: {stderr}", path.display());
    let text = String::from_utf8(out.stdout).expect("the printed text is UTF-8");
    let out = common::audiobook()
        .arg("script")
        .arg(path)
        .args(["--format", "jsonl"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let (start, end) = (line["start"].as_u64().unwrap() as usize, line["end"].as_u64().unwrap() as usize);
        assert_eq!(&text[start..end], line["text"].as_str().unwrap(), "span {start}..{end} of {}", path.display());
    }
    (text, lines, stderr)
}

/// A story the program must refuse: exit code 1, no panic, and one line, the error.
fn refused(path: &Path) -> String {
    let out = common::audiobook().arg("script").arg(path).timeout(Duration::from_secs(30)).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{}: {stderr}", path.display());
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    lines[0].to_string()
}

fn dialogue(lines: &[Value]) -> Vec<&str> {
    lines.iter().filter(|l| l["kind"] == "dialogue").map(|l| l["text"].as_str().unwrap()).collect()
}

#[test]
fn utf16_with_a_bom_is_read_and_spans_index_the_printed_text() {
    let dir = tempfile::tempdir().unwrap();
    let units = || STORY.replace('\n', "\r\n").encode_utf16().collect::<Vec<u16>>();
    let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(units().into_iter().flat_map(u16::to_le_bytes)).collect();
    let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain(units().into_iter().flat_map(u16::to_be_bytes)).collect();
    let no_bom = le[2..].to_vec();
    for (name, bytes, warns) in
        [("notepad-le.txt", le, false), ("notepad-be.txt", be, false), ("no-bom.txt", no_bom, true)]
    {
        let (text, lines, stderr) = read_ok(&write(dir.path(), name, bytes));
        assert_eq!(text, STORY.replace('\n', "\r\n"));
        assert_eq!(stderr.contains("warning: ") && stderr.contains("no byte order mark"), warns, "{stderr}");
        assert!(dialogue(&lines).contains(&"Caf\u{E9} au lait?"), "{lines:?}");
    }
}

#[test]
fn utf8_bom_is_not_part_of_the_text_spans_count_from_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bom.txt", [b"\xEF\xBB\xBF".as_slice(), STORY.as_bytes()].concat());
    let (text, lines, _) = read_ok(&path);
    assert_eq!(text, STORY);
    let plain = read_ok(&write(dir.path(), "plain.txt", STORY)).1;
    assert_eq!(lines, plain, "the same spans with and without the BOM");
}

#[test]
fn mostly_utf8_with_stray_bytes_keeps_its_utf8_and_repairs_only_those() {
    let dir = tempfile::tempdir().unwrap();
    // A second part pasted from a Windows-1252 source: curly quotes as single bytes.
    let bytes = [STORY.as_bytes(), b"\n\x93I can\x92t,\x94 said Ann.\n"].concat();
    let (text, lines, stderr) = read_ok(&write(dir.path(), "pasted.txt", &bytes));
    assert_eq!(text, format!("{STORY}\n\u{201C}I can\u{2019}t,\u{201D} said Ann.\n"));
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    let line = 1 + STORY.matches('\n').count() + 1;
    assert!(warnings[0].contains("3 bytes") && warnings[0].contains(&format!("line {line}")), "{stderr}");
    assert!(warnings[0].contains(&format!("offset {}", STORY.len() + 1)), "{stderr}");
    let said = dialogue(&lines);
    assert!(said.contains(&"Caf\u{E9} au lait?") && said.contains(&"I can\u{2019}t,"), "{said:?}");
}

#[test]
fn a_genuine_windows_1252_file_is_read_whole_as_windows_1252() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(STORY);
    assert!(!unmappable);
    let (text, lines, stderr) = read_ok(&write(dir.path(), "cp1252.txt", &bytes));
    assert_eq!(text, STORY);
    assert!(stderr.contains("read as Windows-1252"), "{stderr}");
    assert!(dialogue(&lines).contains(&"Not tonight,"), "{lines:?}");
}

#[test]
fn directories_pipes_and_devices_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let e = refused(dir.path());
    assert!(e.contains("is a directory") && e.contains("give the path of a story file"), "{e}");
    let e = refused(Path::new("/dev/zero"));
    assert!(e.contains("is a device, not a regular file") && e.contains("save the story to a file"), "{e}");
    let fifo = dir.path().join("story.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    if made {
        let e = refused(&fifo);
        assert!(e.contains("is a pipe") && e.contains("save the story to a file"), "{e}");
    }
    // A story piped in on standard input: refused, not read until the writer stops.
    let out = common::audiobook()
        .args(["script", "/dev/stdin"])
        .write_stdin(STORY)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: /dev/stdin is a pipe") && stderr.lines().count() == 1, "{stderr}");
}

#[test]
fn a_file_over_the_size_cap_is_refused_with_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.txt");
    // Sparse: no disk is used.
    std::fs::File::create(&path).unwrap().set_len(audiobook::load::MAX_FILE_BYTES + (1 << 20)).unwrap();
    let e = refused(&path);
    assert!(e.contains("is 513 MB") && e.contains("512 MB") && e.contains("split it"), "{e}");
}

#[test]
fn binary_files_say_what_they_look_like() {
    let dir = tempfile::tempdir().unwrap();
    let header = |magic: &[u8]| [magic, &[0u8, 0, 0, 13, 1, 2, 3, 0xFF, 0xFE, 0, 0, 0, 0, 0, 0, 0]].concat();
    let cases: &[(&str, Vec<u8>, &str)] = &[
        ("photo.txt", header(b"\x89PNG\r\n\x1a\n"), "a PNG image"),
        ("photo2.txt", header(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), "a JPEG image"),
        ("anim.md", header(b"GIF89a\x10\0"), "a GIF image"),
        ("program", header(b"\x7FELF\x02\x01\x01"), "a Linux program or library"),
        ("sound.txt", [b"RIFF\x24\x08\0\0WAVEfmt ".as_slice(), &header(b"")].concat(), "a WAV sound file"),
        ("story.txt.gz", header(b"\x1F\x8B\x08"), "a gzip-compressed file"),
        ("story.7z", header(b"7z\xBC\xAF\x27\x1C"), "a 7-Zip archive"),
        ("story.rar", header(b"Rar!\x1A\x07\x01"), "a RAR archive"),
        ("page.html", header(b"\x89PNG\r\n\x1a\n"), "a PNG image"),
    ];
    for (name, bytes, what) in cases {
        let e = refused(&write(dir.path(), name, bytes));
        assert!(e.contains(&format!("does not look like text (it looks like {what}")), "{name}: {e}");
        assert!(e.contains("give a story as plain text"), "{e}");
    }
    // The real thing: the program itself.
    let e = refused(Path::new(env!("CARGO_BIN_EXE_audiobook")));
    assert!(e.contains("it looks like a Linux program"), "{e}");
}

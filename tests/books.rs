//! Books as people have them: EPUB 3, EPUB 2, AO3, Project Gutenberg and FanFiction.net HTML,
//! Markdown, made at test time from the team's stories, and a real EPUB the team did not make.
//! Chapters, notes and what is left out are checked, every span indexes the text that
//! `script --text` prints, and the story's lines are those of the plain text.

mod common;

use common::books::{self, EpubOptions, Story};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write a fixture");
    path
}

/// What `script --text` prints: the extracted text.
fn extracted(path: &Path) -> String {
    let out = common::audiobook().args(["script", "--text"]).arg(path).output().expect("run script --text");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

/// The script's lines (contract 1), each checked against the extracted text.
fn script(path: &Path) -> Vec<Value> {
    let text = extracted(path);
    let out = common::audiobook().args(["script", "--format", "jsonl"]).arg(path).output().expect("run script");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    for l in &lines {
        let (start, end) = (l["start"].as_u64().unwrap() as usize, l["end"].as_u64().unwrap() as usize);
        assert_eq!(&text[start..end], l["text"].as_str().unwrap(), "a span of {}", path.display());
    }
    lines
}

/// The library's view: the loaded text and its script, with the offset invariants checked.
fn segmented(path: &Path) -> (audiobook::load::Text, audiobook::script::Script) {
    let text = audiobook::load::load(path).unwrap_or_else(|e| panic!("{e}"));
    let script = audiobook::pipeline::analyse_loaded(&text).script;
    script.check_spans(&text.text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (text, script)
}

/// (kind, text with white space collapsed, speaker) of the story's lines: narration and dialogue.
fn story_lines(lines: &[Value]) -> Vec<(String, String, Option<String>)> {
    lines
        .iter()
        .filter(|l| matches!(l["kind"].as_str(), Some("narration" | "dialogue")))
        .map(|l| {
            let text = l["text"].as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
            (l["kind"].as_str().unwrap().to_string(), text, l["speaker"].as_str().map(str::to_string))
        })
        .collect()
}

fn texts_of(lines: &[Value], kind: &str) -> Vec<String> {
    lines.iter().filter(|l| l["kind"] == kind).map(|l| l["text"].as_str().unwrap().to_string()).collect()
}

fn stories() -> Vec<(PathBuf, Story)> {
    common::stories().into_iter().map(|p| (p.clone(), books::story(&p))).collect()
}

fn options(story: &Story) -> EpubOptions {
    EpubOptions { title: books::title_of(&story.name), author: "Juniper Reed".into(), cover: true }
}

/// Checks that none of `absent` is in the text.
fn assert_left_out(text: &str, absent: &[&str], what: &str) {
    for a in absent {
        assert!(!text.contains(a), "{what}: {a:?} should be left out of\n{text}");
    }
}

#[test]
fn epub3_chapters_notes_and_spans() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (_, story) in stories() {
        let path = write(dir.path(), &format!("{}.epub", story.name), books::epub3(&story, &options(&story)));
        let lines = script(&path);
        let text = extracted(&path);
        assert_left_out(
            &text,
            &["Titlepage", "By Juniper Reed", "This ebook was made", "A note the reader", "typeface", "\u{21A9}"],
            &story.name,
        );
        // The footnote marker is gone: the first sentence runs on into the second.
        let first = &story.chapters[0].paragraphs[0];
        assert!(text.contains(first.as_str()), "{}: first paragraph intact: {first}", story.name);
        assert_eq!(texts_of(&lines, "note").first().map(String::as_str), Some("For the keepers of every light."));
        let (loaded, script) = segmented(&path);
        assert_eq!(loaded.format, audiobook::load::Format::Epub);
        assert_eq!(loaded.metadata.title.as_deref(), Some(books::title_of(&story.name).as_str()));
        assert_eq!(loaded.metadata.author.as_deref(), Some("Juniper Reed"), "the author, not the proofreader");
        assert_eq!(loaded.metadata.language.as_deref(), Some("en-GB"));
        assert_eq!(loaded.metadata.cover.as_ref().map(|c| c.media_type.as_str()), Some("image/svg+xml"));
        let titles: Vec<&str> = script.chapters.iter().map(|c| c.title.as_str()).collect();
        let want: Vec<String> = (1..=story.chapters.len()).map(books::toc_title).collect();
        assert_eq!(titles, want, "{}: chapters titled by the table of contents", story.name);
        for (i, c) in script.chapters.iter().enumerate() {
            assert_eq!(c.source.as_deref(), Some(format!("OEBPS/chapter-{}.xhtml", i + 1).as_str()), "{}", story.name);
        }
        // The dedication opens the first chapter, with the story's front matter.
        assert!(script.chapters[0].sources.contains(&"OEBPS/dedication.xhtml".to_string()));
    }
}

#[test]
fn epub2_table_of_contents_and_named_front_matter() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = common::root().join("stories/the-clockmakers-apprentice.txt");
    let story = books::story(&path);
    let epub = write(dir.path(), "clock2.epub", books::epub2(&story, "The Clockmaker's Apprentice", "Ann Author"));
    let lines = script(&epub);
    let text = extracted(&epub);
    assert_left_out(&text, &["All rights reserved", "Ann Author"], "EPUB 2");
    assert_eq!(texts_of(&lines, "note"), ["The author lives by the sea."], "About the Author is a note");
    let (loaded, script) = segmented(&epub);
    assert_eq!(loaded.metadata.author.as_deref(), Some("Ann Author"));
    let titles: Vec<&str> = script.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, [books::toc_title(1), books::toc_title(2)]);
    assert_eq!(script.chapters[1].source.as_deref(), Some("OEBPS/text/ch02.xhtml"));
}

#[test]
fn epub_without_a_table_of_contents_titles_chapters_by_their_headings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let story = books::story(&common::root().join("stories/the-clockmakers-apprentice.txt"));
    let full = books::epub2(&story, "The Clockmaker's Apprentice", "Ann Author");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(full)).expect("fixture zip");
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("entry");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).expect("read");
        if f.name() != "OEBPS/toc.ncx" {
            files.push((f.name().to_string(), bytes));
        }
    }
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let epub = write(dir.path(), "no-toc.epub", books::zip(&files));
    let lines = script(&epub);
    let (_, script) = segmented(&epub);
    let titles: Vec<&str> = script.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Chapter 1", "CHAPTER II."], "one chapter per document, titled by its heading");
    // Front and back matter known by their documents' titles and names alone.
    assert_left_out(&extracted(&epub), &["All rights reserved", "Ann Author"], "no table of contents");
    assert_eq!(texts_of(&lines, "note"), ["The author lives by the sea."]);
}

#[test]
fn ao3_download_notes_are_notes_and_tags_are_never_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = common::root().join("stories/the-lighthouse-keepers.txt");
    let story = books::story(&path);
    let html = write(dir.path(), "lighthouse.html", books::ao3_html(&story, "The Lighthouse Keepers", "Juniper Reed"));
    let lines = script(&html);
    let text = extracted(&html);
    assert_left_out(
        &text,
        &[
            "Rating",
            "General Audiences",
            "Archive Warning",
            "Stats",
            "Words:",
            "Posted originally",
            "drop by the archive",
            "Preface",
            "Afterword",
            "See the end",
        ],
        "AO3",
    );
    let notes = texts_of(&lines, "note");
    for want in [
        "The Lighthouse Keepers",
        "A storm, a lamp and three people who keep it lit.",
        "Thanks for reading!",
        "Summary",
        "End Notes",
    ] {
        assert!(notes.iter().any(|n| n == want), "{want:?} is a note: {notes:?}");
    }
    assert!(notes.iter().any(|n| n.starts_with("A/N: Thank you all")), "{notes:?}");
    assert!(!texts_of(&lines, "narration").iter().any(|t| t.contains("Thanks for reading")));
    let (loaded, _) = segmented(&html);
    assert_eq!(loaded.metadata.title.as_deref(), Some("The Lighthouse Keepers"));
    assert_eq!(loaded.metadata.author.as_deref(), Some("Juniper Reed"));

    // Several chapters: each titled by its heading, with its notes.
    let path = common::root().join("stories/the-clockmakers-apprentice.txt");
    let story = books::story(&path);
    let html = write(dir.path(), "clock.html", books::ao3_html(&story, "The Clockmaker's Apprentice", "Ann Author"));
    let lines = script(&html);
    let (_, script) = segmented(&html);
    let titles: Vec<&str> = script.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Chapter 1: Part 1 of the Story", "Chapter 2: Part 2 of the Story"]);
    assert!(texts_of(&lines, "note").contains(&"Chapter 2 notes: thank you for the comments.".to_string()));
}

#[test]
fn ao3_work_page_saved_from_a_browser() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = common::root().join("stories/the-clockmakers-apprentice.txt");
    let story = books::story(&path);
    let html =
        write(dir.path(), "work.html", books::ao3_page_html(&story, "The Clockmaker's Apprentice", "Ann Author"));
    let lines = script(&html);
    let text = extracted(&html);
    assert_left_out(
        &text,
        &[
            "Archive of Our Own",
            "Fandoms",
            "General Audiences",
            "Kudos",
            "Chapter Text",
            "Lovely story",
            "See the end",
            "Entire Work",
            "Footer",
        ],
        "AO3 work page",
    );
    let notes = texts_of(&lines, "note");
    for want in [
        "The Clockmaker's Apprentice",
        "Ann Author",
        "Summary:",
        "A storm, a lamp and three people who keep it lit.",
        "Chapter 2 notes: thank you for the comments.",
    ] {
        assert!(notes.iter().any(|n| n == want), "{want:?} is a note: {notes:?}");
    }
    let (loaded, script) = segmented(&html);
    assert_eq!(
        (loaded.metadata.title.as_deref(), loaded.metadata.author.as_deref()),
        (Some("The Clockmaker's Apprentice"), Some("Ann Author"))
    );
    let titles: Vec<&str> = script.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Chapter 1: Part 1 of the Story", "Chapter 2: Part 2 of the Story"]);
}

#[test]
fn gutenberg_html_without_its_licence_and_page_numbers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = common::root().join("stories/the-clockmakers-apprentice.txt");
    let story = books::story(&path);
    let html =
        write(dir.path(), "pg.html", books::gutenberg_html(&story, "The Clockmaker's Apprentice", "Reed, Juniper"));
    let text = extracted(&html);
    assert_left_out(
        &text,
        &["Project Gutenberg", "PROJECT GUTENBERG", "[Pg", "Contents", "LICENSE", "no restrictions"],
        "Gutenberg",
    );
    let (loaded, script) = segmented(&html);
    assert_eq!(loaded.metadata.title.as_deref(), Some("The Clockmaker's Apprentice"));
    assert_eq!(loaded.metadata.author.as_deref(), Some("Juniper Reed"));
    let titles: Vec<&str> = script.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Chapter 1", "CHAPTER II."]);
}

#[test]
fn fanfiction_net_page_without_the_site() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = common::root().join("stories/the-night-ferry.txt");
    let story = books::story(&path);
    let html = write(dir.path(), "ferry.htm", books::ffn_html(&story, "The Night Ferry", "Sam Writer"));
    let text = extracted(&html);
    assert_left_out(
        &text,
        &["FanFiction", "Just In", "Terms of Service", "Hidden site text", "Rated:", "Chapter 9", "storyid"],
        "FFN",
    );
    let (loaded, script) = segmented(&html);
    assert_eq!(
        (loaded.metadata.title.as_deref(), loaded.metadata.author.as_deref()),
        (Some("The Night Ferry"), Some("Sam Writer"))
    );
    assert_eq!(script.chapters.len(), 1);
    assert_eq!(script.chapters[0].title, "The Crossing");
    assert_eq!(script.chapters[0].source.as_deref(), Some("ferry.htm"));
}

#[test]
fn markdown_with_front_matter() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = common::root().join("stories/the-clockmakers-apprentice.txt");
    let story = books::story(&path);
    let md = write(dir.path(), "clock.md", books::markdown(&story, "The Clockmaker's Apprentice", "Juniper Reed"));
    let text = extracted(&md);
    assert_left_out(&text, &["title:", "---", "## "], "Markdown");
    let (loaded, script) = segmented(&md);
    assert_eq!(loaded.format, audiobook::load::Format::Markdown);
    assert_eq!(loaded.metadata.author.as_deref(), Some("Juniper Reed"));
    let titles: Vec<&str> = script.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Chapter 1", "CHAPTER II."]);
}

/// Dialogue detection and attribution on every book format give the plain text's lines.
#[test]
fn every_format_gives_the_plain_texts_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, story) in stories() {
        let plain = story_lines(&script(&path));
        assert!(plain.iter().any(|l| l.0 == "dialogue" && l.2.is_some()), "{}: has attributed dialogue", story.name);
        let title = books::title_of(&story.name);
        let versions: Vec<(&str, Vec<u8>)> = vec![
            ("epub", books::epub3(&story, &options(&story))),
            ("epub2.epub", books::epub2(&story, &title, "Juniper Reed")),
            ("ao3.html", books::ao3_html(&story, &title, "Juniper Reed").into_bytes()),
            ("ao3-page.html", books::ao3_page_html(&story, &title, "Juniper Reed").into_bytes()),
            ("pg.html", books::gutenberg_html(&story, &title, "Juniper Reed").into_bytes()),
            ("ffn.html", books::ffn_html(&story, &title, "Juniper Reed").into_bytes()),
            ("md", books::markdown(&story, &title, "Juniper Reed").into_bytes()),
        ];
        for (ext, bytes) in versions {
            let file = write(dir.path(), &format!("{}.{ext}", story.name), bytes);
            let got = story_lines(&script(&file));
            if got != plain {
                let first = got.iter().zip(&plain).position(|(a, b)| a != b).unwrap_or(got.len().min(plain.len()));
                panic!(
                    "{} as {ext}: {} lines against {}; first difference at {first}:\n  {:?}\n  {:?}",
                    story.name,
                    got.len(),
                    plain.len(),
                    got.get(first),
                    plain.get(first)
                );
            }
        }
    }
}

/// Standard Ebooks' edition of The Adventures of Sherlock Holmes, from ../shared/books.
#[test]
fn a_real_epub_has_its_twelve_stories_and_nothing_else() {
    let Some(shared) = common::shared() else {
        common::need(false, "../shared (the team's shared folder)", "AUDIOBOOK_REQUIRE_SHARED");
        return;
    };
    let path = shared.join("books/the-adventures-of-sherlock-holmes.epub");
    if !common::need(
        path.is_file(),
        "../shared/books/the-adventures-of-sherlock-holmes.epub",
        "AUDIOBOOK_REQUIRE_SHARED",
    ) {
        return;
    }
    let lines = script(&path);
    let (loaded, script) = segmented(&path);
    assert_eq!(loaded.metadata.title.as_deref(), Some("The Adventures of Sherlock Holmes"));
    assert_eq!(loaded.metadata.author.as_deref(), Some("Arthur Conan Doyle"));
    assert!(loaded.metadata.cover.is_some());
    let titles: Vec<&str> = script.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "A Scandal in Bohemia",
            "The Redheaded League",
            "A Case of Identity",
            "The Boscombe Valley Mystery",
            "The Five Orange Pips",
            "The Man with the Twisted Lip",
            "The Adventure of the Blue Carbuncle",
            "The Adventure of the Speckled Band",
            "The Adventure of the Engineer\u{2019}s Thumb",
            "The Adventure of the Noble Bachelor",
            "The Adventure of the Beryl Coronet",
            "The Adventure of the Copper Beeches",
        ]
    );
    for c in &script.chapters {
        let source = c.source.as_deref().unwrap_or("");
        assert!(source.starts_with("epub/text/") && source.ends_with(".xhtml"), "{source}");
    }
    // No title page, imprint, table of contents, colophon or uncopyright is read aloud.
    assert_left_out(
        &loaded.text,
        &["Standard Ebooks", "Imprint", "Colophon", "Uncopyright", "public domain", "Table of Contents", "typeset"],
        "Sherlock Holmes",
    );
    assert!(texts_of(&lines, "note").is_empty(), "no notes in this book");
    let first = &lines[0];
    assert_eq!((first["kind"].as_str(), first["text"].as_str()), (Some("heading"), Some("A Scandal in Bohemia")));
    assert!(lines.iter().filter(|l| l["kind"] == "dialogue").count() > 2000);
    let last = lines.last().expect("lines");
    assert!(last["text"].as_str().unwrap().contains("Walsall"), "the book ends with its last story: {last}");
}

/// Each bad input: a clear one-line error that names the problem (and the tool that converts
/// an unsupported format).
#[test]
fn bad_books_get_one_line_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let story = books::story(&common::root().join("stories/the-night-ferry.txt"));
    let good = books::epub3(&story, &options(&story));
    let mut missing = Vec::new();
    let mut drm = Vec::new();
    {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&good)).expect("fixture zip");
        let mut files = Vec::new();
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).expect("entry");
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut bytes).expect("read");
            files.push((f.name().to_string(), bytes));
        }
        let without: Vec<(&str, Vec<u8>)> =
            files.iter().filter(|(n, _)| n != "OEBPS/chapter-1.xhtml").map(|(n, b)| (n.as_str(), b.clone())).collect();
        missing.extend(books::zip(&without));
        let encryption = r#"<?xml version="1.0"?><encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><enc:CipherData><enc:CipherReference URI="OEBPS/chapter-1.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>"#;
        let mut locked: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        locked.push(("META-INF/encryption.xml", encryption.as_bytes().to_vec()));
        locked.push(("META-INF/rights.xml", b"<rights/>".to_vec()));
        drm.extend(books::zip(&locked));
    }
    let mut mobi = vec![0u8; 100];
    mobi[60..68].copy_from_slice(b"BOOKMOBI");
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("photos.zip", books::zip(&[("a.txt", b"hello".to_vec())]), &["not an EPUB"]),
        ("missing.epub", missing, &["damaged EPUB", "OEBPS/chapter-1.xhtml", "not in the file"]),
        ("locked.epub", drm, &["DRM", "Adobe ADEPT", "DRM-free"]),
        ("empty.html", b"<html><head><title>x</title><script>var a;</script></head><body><nav><a href='/'>Home</a></nav></body></html>".to_vec(), &["no text to read aloud", "HTML"]),
        ("book.pdf", b"%PDF-1.7\n%...\n".to_vec(), &["a PDF", "ebook-convert"]),
        ("book.mobi", mobi, &["MOBI", "ebook-convert"]),
        ("story.docx", books::zip(&[("[Content_Types].xml", b"<Types/>".to_vec()), ("word/document.xml", b"<w/>".to_vec())]), &["Word document", "pandoc"]),
    ];
    for (name, bytes, words) in cases {
        let path = write(dir.path(), name, bytes);
        let out = common::audiobook().arg("script").arg(&path).output().expect("run");
        assert!(!out.status.success(), "{name} is refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: one line: {err}");
        assert!(err.starts_with("error: "), "{name}: {err}");
        for w in words {
            assert!(err.contains(w), "{name}: {w:?} in {err}");
        }
    }
}

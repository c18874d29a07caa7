//! Books rendered end to end: the manifest carries the book's title, author, cover, extracted
//! text and each chapter's source document; `--skip-notes` drops AO3's notes; the `.m4b` carries
//! the cover and metadata (ffprobe reads them back); the read-along EPUB passes epubcheck and its
//! SMIL clip times are the manifest's line times.

mod common;

use common::books::{self, EpubOptions};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

const EPUBCHECK: &str = "/usr/share/java/epubcheck.jar";

/// Renders `story` with the embedded voice (always there) into `dir/out`.
fn render(dir: &Path, story: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("out");
    let output = common::audiobook()
        .arg("render")
        .arg(story)
        .args(["--engine", "embedded", "--quiet", "--output"])
        .arg(&out)
        .arg("--cache")
        .arg(dir.join("cache"))
        .args(extra)
        .output()
        .expect("run render");
    assert!(output.status.success(), "render failed: {}", String::from_utf8_lossy(&output.stderr));
    out
}

fn manifest(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).expect("manifest.json")).expect("JSON")
}

fn lines(man: &Value) -> Vec<&Value> {
    man["chapters"].as_array().expect("chapters").iter().flat_map(|c| c["lines"].as_array().expect("lines")).collect()
}

fn tool_present(name: &str, arg: &str) -> bool {
    std::process::Command::new(name).arg(arg).output().is_ok_and(|o| o.status.success())
}

#[test]
fn ao3_render_names_the_book_and_skips_its_notes_when_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let story = books::story(&common::root().join("stories/the-lighthouse-keepers.txt"));
    let html = dir.path().join("lighthouse.html");
    std::fs::write(&html, books::ao3_html(&story, "The Lighthouse Keepers", "Juniper Reed")).expect("write");
    let out = render(dir.path(), &html, &[]);
    let man = manifest(&out);
    assert_eq!(man["title"], "The Lighthouse Keepers");
    assert_eq!(man["author"], "Juniper Reed");
    assert_eq!(man["format"], "html");
    assert_eq!(man["chapters"][0]["source"], "lighthouse.html");
    // The saved text is what the spans index.
    let text = std::fs::read_to_string(out.join(man["source_text"].as_str().expect("source_text"))).expect("text");
    for l in lines(&man) {
        let [a, b] = [l["span"][0].as_u64().unwrap() as usize, l["span"][1].as_u64().unwrap() as usize];
        assert!(a < b && b <= text.len(), "span {a}..{b}");
    }
    let notes: Vec<&str> =
        lines(&man).iter().filter(|l| l["kind"] == "note").map(|l| l["text"].as_str().unwrap()).collect();
    assert!(notes.contains(&"Thanks for reading!") && notes.iter().any(|n| n.starts_with("A/N")), "{notes:?}");
    assert!(!lines(&man).iter().any(|l| l["text"].as_str().unwrap().contains("General Audiences")));

    let skipped = tempfile::tempdir().expect("temp dir");
    let out = render(skipped.path(), &html, &["--skip-notes", "--title", "Keepers"]);
    let man = manifest(&out);
    assert_eq!(man["title"], "Keepers", "the command line wins");
    assert!(lines(&man).iter().all(|l| l["kind"] != "note"), "--skip-notes drops every note");
    assert!(lines(&man).iter().any(|l| l["kind"] == "dialogue"));
}

/// Clip times and speakers of a read-along EPUB against the manifest.
fn check_read_along(epub: &Path, man: &Value) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(epub).expect("the EPUB")).expect("a zip");
    assert_eq!(zip.by_index(0).expect("first entry").name(), "mimetype");
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap_or_else(|_| panic!("{name} in the EPUB")).read_to_string(&mut s).expect("read");
        s
    };
    let chapters = man["chapters"].as_array().expect("chapters");
    let mut checked = 0;
    for (n, chapter) in chapters.iter().enumerate() {
        let smil = read(&format!("OEBPS/smil/chapter-{:03}.smil", n + 1));
        let page = read(&format!("OEBPS/text/chapter-{:03}.xhtml", n + 1));
        let smil = roxmltree::Document::parse(&smil).expect("SMIL is XML");
        let options = roxmltree::ParsingOptions { allow_dtd: true, ..roxmltree::ParsingOptions::default() };
        let page = roxmltree::Document::parse_with_options(&page, options).expect("XHTML is XML");
        let spans: HashMap<&str, roxmltree::Node> = page
            .descendants()
            .filter(|e| e.has_tag_name("span"))
            .filter_map(|e| Some((e.attribute("id")?, e)))
            .collect();
        let clips: HashMap<String, (f64, f64)> = smil
            .descendants()
            .filter(|e| e.has_tag_name("par"))
            .map(|par| {
                let text = par.children().find(|c| c.has_tag_name("text")).expect("text");
                let audio = par.children().find(|c| c.has_tag_name("audio")).expect("audio");
                let id = text.attribute("src").expect("src").split_once('#').expect("fragment").1.to_string();
                let t = |a: &str| audio.attribute(a).expect(a).trim_end_matches('s').parse::<f64>().expect("seconds");
                (id, (t("clipBegin"), t("clipEnd")))
            })
            .collect();
        for line in chapter["lines"].as_array().expect("lines") {
            let id = format!("l{}", line["line"]);
            let span = spans.get(id.as_str()).unwrap_or_else(|| panic!("{id} on the page"));
            let speaker = line["speaker"].as_str().unwrap_or("narrator");
            assert_eq!(span.attribute("data-speaker"), Some(speaker), "{id} names its speaker");
            assert_eq!(span.attribute("class"), line["kind"].as_str(), "{id} names its kind");
            // In whole milliseconds, as SMIL clock values are written.
            let ms = |s: f64| (s * 1000.0).round() as u64;
            let (begin, end) = clips[&id];
            assert_eq!(ms(begin), ms(line["start_s"].as_f64().unwrap()), "{id}: clipBegin against start_s");
            assert_eq!(ms(end), ms(line["end_s"].as_f64().unwrap()), "{id}: clipEnd against end_s");
            checked += 1;
        }
        assert_eq!(clips.len(), chapter["lines"].as_array().unwrap().len(), "one clip per voiced line");
    }
    assert!(checked > 20, "{checked} lines checked");
    let opf = read("OEBPS/content.opf");
    assert!(opf.contains("properties=\"cover-image\""), "the cover is in the read-along EPUB");
    assert!(opf.contains(&format!("<dc:title>{}</dc:title>", man["title"].as_str().unwrap())));
}

#[test]
fn epub_render_carries_cover_and_metadata_into_the_m4b_and_a_read_along_epub() {
    let ffmpeg = tool_present("ffmpeg", "-version") && tool_present("ffprobe", "-version");
    if !common::need(ffmpeg, "ffmpeg and ffprobe", "AUDIOBOOK_REQUIRE_ENGINES") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let story = books::story(&common::root().join("stories/the-clockmakers-apprentice.txt"));
    let options =
        EpubOptions { title: "The Clockmaker's Apprentice".into(), author: "Juniper Reed".into(), cover: true };
    let epub = dir.path().join("clock.epub");
    std::fs::write(&epub, books::epub3(&story, &options)).expect("write");
    let out = render(dir.path(), &epub, &["--m4b", "--epub"]);
    let man = manifest(&out);
    assert_eq!(
        (man["title"].as_str(), man["author"].as_str()),
        (Some("The Clockmaker's Apprentice"), Some("Juniper Reed"))
    );
    assert_eq!(man["cover"], "cover.svg");
    assert_eq!(man["language"], "en-GB");
    let chapters = man["chapters"].as_array().expect("chapters");
    let titles: Vec<&str> = chapters.iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, [books::toc_title(1), books::toc_title(2)]);
    assert_eq!(chapters[1]["source"], "OEBPS/chapter-2.xhtml");
    assert!(!lines(&man).iter().any(|l| l["text"].as_str().unwrap().contains("typeface")), "no colophon read aloud");

    // The m4b: title, author, chapter titles and the cover as an attached picture.
    let probe = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_chapters", "-show_format", "-show_streams", "-of", "json"])
        .arg(out.join("clock.m4b"))
        .output()
        .expect("ffprobe runs");
    assert!(probe.status.success(), "{}", String::from_utf8_lossy(&probe.stderr));
    let probed: Value = serde_json::from_slice(&probe.stdout).expect("ffprobe JSON");
    assert_eq!(probed["format"]["tags"]["title"], "The Clockmaker's Apprentice");
    assert_eq!(probed["format"]["tags"]["artist"], "Juniper Reed");
    let marks: Vec<&str> =
        probed["chapters"].as_array().unwrap().iter().map(|c| c["tags"]["title"].as_str().unwrap()).collect();
    assert_eq!(marks, titles);
    let streams = probed["streams"].as_array().expect("streams");
    assert!(
        streams.iter().any(|s| s["codec_type"] == "video" && s["disposition"]["attached_pic"] == 1),
        "the cover is attached: {streams:?}"
    );

    let read_along = out.join("clock.epub");
    check_read_along(&read_along, &man);
    let java = tool_present("java", "-version") && Path::new(EPUBCHECK).is_file();
    if !common::need(java, "epubcheck (Debian package epubcheck)", "AUDIOBOOK_REQUIRE_ENGINES") {
        return;
    }
    let check = std::process::Command::new("java")
        .arg("-jar")
        .arg(EPUBCHECK)
        .arg(&read_along)
        .output()
        .expect("epubcheck runs");
    let report = format!("{}{}", String::from_utf8_lossy(&check.stdout), String::from_utf8_lossy(&check.stderr));
    assert!(check.status.success() && report.contains("0 errors"), "epubcheck:\n{report}");
    assert!(!report.contains("WARNING"), "epubcheck warns:\n{report}");
}

#[test]
fn export_writes_the_read_along_epub_of_a_plain_text_render() {
    if !common::need(tool_present("ffmpeg", "-version"), "ffmpeg", "AUDIOBOOK_REQUIRE_ENGINES") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = render(dir.path(), &common::root().join("stories/the-night-ferry.txt"), &[]);
    let written = common::audiobook()
        .arg("export")
        .arg(&out)
        .args(["--epub", "--title", "The Night Ferry"])
        .output()
        .expect("export");
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    assert!(String::from_utf8_lossy(&written.stdout).contains("the-night-ferry.epub"));
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(out.join("the-night-ferry.epub")).expect("EPUB")).expect("zip");
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap_or_else(|_| panic!("{name}")).read_to_string(&mut s).expect("read");
        s
    };
    // The text between lines comes from the saved text: quotation marks around dialogue.
    let page = read("OEBPS/text/chapter-001.xhtml");
    assert!(page.contains("&quot;<span id=\"l4\" class=\"dialogue\" data-speaker="), "{page}");
    assert!(read("OEBPS/content.opf").contains("<dc:title>The Night Ferry</dc:title>"), "--title names the book");
    assert!(read("OEBPS/smil/chapter-001.smil").contains("clipBegin="));
}

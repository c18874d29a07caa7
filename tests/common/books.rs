//! Books made at test time from the team's own stories: EPUB 3 and EPUB 2 packages, AO3,
//! Project Gutenberg and FanFiction.net HTML pages, and Markdown, each holding the story's
//! paragraphs as the plain text has them, plus the front and back matter such books carry.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

/// A story's paragraphs, as its plain text has them.
pub struct Story {
    /// The file stem.
    pub name: String,
    /// Paragraphs before the first chapter heading (title lines, an author's note).
    pub front: Vec<String>,
    pub chapters: Vec<StoryChapter>,
}

pub struct StoryChapter {
    pub heading: Option<String>,
    pub paragraphs: Vec<String>,
}

/// Reads a story: paragraphs are separated by blank lines (a wrapped paragraph's lines joined);
/// "Chapter ..." and "CHAPTER ..." paragraphs start chapters.
pub fn story(path: &Path) -> Story {
    let text = std::fs::read_to_string(path).expect("a story");
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    let mut front = Vec::new();
    let mut chapters: Vec<StoryChapter> = Vec::new();
    for p in paragraphs {
        if p.starts_with("Chapter ") || p.starts_with("CHAPTER ") {
            chapters.push(StoryChapter { heading: Some(p), paragraphs: Vec::new() });
        } else if let Some(c) = chapters.last_mut() {
            c.paragraphs.push(p);
        } else {
            front.push(p);
        }
    }
    if chapters.is_empty() {
        chapters.push(StoryChapter { heading: None, paragraphs: std::mem::take(&mut front) });
    }
    let name = path.file_stem().expect("a file name").to_string_lossy().into_owned();
    Story { name, front, chapters }
}

/// Escapes text for XML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A title made from a file stem: "the-night-ferry" -> "The Night Ferry".
pub fn title_of(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The title the table of contents gives chapter `n` (1-based): not the heading's own text, so
/// tests can tell which one titled it.
pub fn toc_title(n: usize) -> String {
    format!("Part {n} of the Story")
}

/// Writes a zip: `mimetype` first and stored, then the files.
pub fn zip(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            z.start_file(*name, if *name == "mimetype" { stored } else { deflated }).expect("zip entry");
            z.write_all(bytes).expect("zip write");
        }
        z.finish().expect("zip finish");
    }
    out.into_inner()
}

const CONTAINER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"#;

/// A small SVG cover.
pub const COVER_SVG: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="400" height="600" viewBox="0 0 400 600">
  <rect width="400" height="600" fill="#234"/><circle cx="200" cy="220" r="90" fill="#fc3"/>
  <rect x="40" y="420" width="320" height="60" fill="#fff"/>
</svg>"##;

fn xhtml(title: &str, body_type: &str, body: &str) -> Vec<u8> {
    let body_type = if body_type.is_empty() { String::new() } else { format!(" epub:type=\"{body_type}\"") };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" \
         xmlns:epub=\"http://www.idpf.org/2007/ops\" xml:lang=\"en-GB\" lang=\"en-GB\">\n<head><title>{}</title></head>\n\
         <body{body_type}>\n{body}\n</body>\n</html>\n",
        esc(title)
    )
    .into_bytes()
}

/// A chapter's body: its heading and paragraphs; `noteref` puts a footnote marker after the
/// first paragraph's first sentence.
fn chapter_body(c: &StoryChapter, id: &str, noteref: bool) -> String {
    let mut body = format!("<section id=\"{id}\" epub:type=\"chapter\">\n");
    if let Some(h) = &c.heading {
        body.push_str(&format!("<h2>{}</h2>\n", esc(h)));
    }
    for (i, p) in c.paragraphs.iter().enumerate() {
        let mut p = esc(p);
        if noteref
            && i == 0
            && let Some(end) = p.find(". ")
        {
            p.insert_str(end + 1, "<a href=\"endnotes.xhtml#note-1\" id=\"noteref-1\" epub:type=\"noteref\">1</a>");
        }
        body.push_str(&format!("<p>{p}</p>\n"));
    }
    body.push_str("</section>");
    body
}

/// What an EPUB fixture carries besides the story.
pub struct EpubOptions {
    pub title: String,
    pub author: String,
    pub cover: bool,
}

/// An EPUB 3 of the story: a title page, an imprint, a dedication, the story's front paragraphs
/// and chapters (one document each, titled by the table of contents), endnotes and a colophon;
/// nav with toc and landmarks; a cover.
pub fn epub3(story: &Story, o: &EpubOptions) -> Vec<u8> {
    let mut docs: Vec<(String, Vec<u8>)> = vec![
        (
            "titlepage.xhtml".into(),
            xhtml(
                "Titlepage",
                "frontmatter",
                &format!(
                    "<section epub:type=\"titlepage\"><h1 epub:type=\"fulltitle\">{}</h1><p>By {}</p></section>",
                    esc(&o.title),
                    esc(&o.author)
                ),
            ),
        ),
        (
            "imprint.xhtml".into(),
            xhtml(
                "Imprint",
                "frontmatter",
                "<section epub:type=\"imprint\"><p>This ebook was made by the test suite from its own stories.</p></section>",
            ),
        ),
        (
            "dedication.xhtml".into(),
            xhtml(
                "Dedication",
                "frontmatter",
                "<section epub:type=\"dedication\"><p>For the keepers of every light.</p></section>",
            ),
        ),
    ];
    let mut toc = vec![("titlepage.xhtml".to_string(), "Titlepage".to_string())];
    toc.push(("imprint.xhtml".into(), "Imprint".into()));
    toc.push(("dedication.xhtml".into(), "Dedication".into()));
    let mut spine_story = Vec::new();
    if !story.front.is_empty() {
        let body: String = story.front.iter().map(|p| format!("<p>{}</p>\n", esc(p))).collect();
        docs.push(("front.xhtml".into(), xhtml("Front", "bodymatter", &body)));
        spine_story.push("front.xhtml".to_string());
    }
    for (i, c) in story.chapters.iter().enumerate() {
        let name = format!("chapter-{}.xhtml", i + 1);
        docs.push((
            name.clone(),
            xhtml(&toc_title(i + 1), "bodymatter", &chapter_body(c, &format!("c{}", i + 1), i == 0)),
        ));
        toc.push((name.clone(), toc_title(i + 1)));
        spine_story.push(name);
    }
    docs.push((
        "endnotes.xhtml".into(),
        xhtml(
            "Endnotes",
            "backmatter",
            "<section epub:type=\"endnotes\"><ol><li id=\"note-1\" epub:type=\"endnote\"><p>A note the reader may look at. \
             <a href=\"chapter-1.xhtml#noteref-1\" epub:type=\"backlink\">\u{21A9}</a></p></li></ol></section>",
        ),
    ));
    docs.push((
        "colophon.xhtml".into(),
        xhtml(
            "Colophon",
            "backmatter",
            "<section epub:type=\"colophon\"><p>Set in a typeface nobody chose.</p></section>",
        ),
    ));
    toc.push(("endnotes.xhtml".into(), "Endnotes".into()));
    toc.push(("colophon.xhtml".into(), "Colophon".into()));
    let nav_items: String =
        toc.iter().map(|(href, label)| format!("<li><a href=\"{href}\">{}</a></li>\n", esc(label))).collect();
    let first_story = spine_story.first().cloned().unwrap_or_default();
    let nav = xhtml(
        "Table of Contents",
        "frontmatter",
        &format!(
            "<nav epub:type=\"toc\" id=\"toc\"><h2>Contents</h2><ol>\n{nav_items}</ol></nav>\n\
             <nav epub:type=\"landmarks\" id=\"landmarks\"><ol><li><a href=\"{first_story}\" epub:type=\"bodymatter\">Start</a></li></ol></nav>"
        ),
    );
    let mut manifest =
        String::from("<item id=\"nav\" href=\"nav.xhtml\" media-type=\"application/xhtml+xml\" properties=\"nav\"/>\n");
    if o.cover {
        manifest.push_str(
            "<item id=\"cover\" href=\"cover.svg\" media-type=\"image/svg+xml\" properties=\"cover-image\"/>\n",
        );
    }
    let mut spine = String::new();
    let order: Vec<&str> = ["titlepage.xhtml", "imprint.xhtml", "dedication.xhtml"]
        .into_iter()
        .chain(spine_story.iter().map(String::as_str))
        .chain(["endnotes.xhtml", "colophon.xhtml"])
        .collect();
    for (i, name) in order.iter().enumerate() {
        manifest.push_str(&format!("<item id=\"d{i}\" href=\"{name}\" media-type=\"application/xhtml+xml\"/>\n"));
        spine.push_str(&format!("<itemref idref=\"d{i}\"/>\n"));
    }
    let opf = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"uid\">\n\
         <metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<dc:identifier id=\"uid\">urn:uuid:0f2a9c1e-3b4d-4e5f-8a6b-7c8d9e0f1a2b</dc:identifier>\n\
         <dc:title id=\"t\">{}</dc:title>\n<meta refines=\"#t\" property=\"title-type\">main</meta>\n\
         <dc:creator id=\"a\">{}</dc:creator>\n<meta refines=\"#a\" property=\"role\" scheme=\"marc:relators\">aut</meta>\n\
         <dc:contributor id=\"p\">A Proofreader</dc:contributor>\n<dc:language>en-GB</dc:language>\n\
         <meta property=\"dcterms:modified\">2026-01-01T00:00:00Z</meta>\n</metadata>\n\
         <manifest>\n{manifest}</manifest>\n<spine>\n{spine}</spine>\n</package>\n",
        esc(&o.title),
        esc(&o.author)
    );
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("mimetype", b"application/epub+zip".to_vec()),
        ("META-INF/container.xml", CONTAINER.as_bytes().to_vec()),
        ("OEBPS/content.opf", opf.into_bytes()),
        ("OEBPS/nav.xhtml", nav),
    ];
    let named: Vec<(String, Vec<u8>)> = docs.into_iter().map(|(n, b)| (format!("OEBPS/{n}"), b)).collect();
    for (n, b) in &named {
        files.push((n.as_str(), b.clone()));
    }
    if o.cover {
        files.push(("OEBPS/cover.svg", COVER_SVG.as_bytes().to_vec()));
    }
    zip(&files)
}

/// An EPUB 2 of the story: XHTML 1.1 documents without EPUB 3 semantics, an NCX table of
/// contents and a guide; the front and back matter are known only by their names.
pub fn epub2(story: &Story, title: &str, author: &str) -> Vec<u8> {
    let page = |title: &str, body: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.1//EN\" \
             \"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\n\
             <head><title>{}</title></head>\n<body>\n{body}\n</body>\n</html>\n",
            esc(title)
        )
        .into_bytes()
    };
    let mut docs: Vec<(String, String, Vec<u8>)> = vec![
        (
            "titlepage.xhtml".into(),
            "Title Page".into(),
            page(title, &format!("<h1>{}</h1><p>{}</p>", esc(title), esc(author))),
        ),
        (
            "copyright.xhtml".into(),
            "Copyright".into(),
            page("Copyright", "<p>Copyright &#169; the test suite. All rights reserved.</p>"),
        ),
    ];
    if !story.front.is_empty() {
        let body: String = story.front.iter().map(|p| format!("<p>{}</p>\n", esc(p))).collect();
        docs.push(("front.xhtml".into(), "Front".into(), page("Front", &body)));
    }
    for (i, c) in story.chapters.iter().enumerate() {
        let mut body = String::new();
        if let Some(h) = &c.heading {
            body.push_str(&format!("<h2>{}</h2>\n", esc(h)));
        }
        for p in &c.paragraphs {
            body.push_str(&format!("<p>{}</p>\n", esc(p)));
        }
        docs.push((format!("text/ch{:02}.xhtml", i + 1), toc_title(i + 1), page(&toc_title(i + 1), &body)));
    }
    docs.push((
        "about.xhtml".into(),
        "About the Author".into(),
        page("About the Author", "<p>The author lives by the sea.</p>"),
    ));
    let mut manifest = String::from("<item id=\"ncx\" href=\"toc.ncx\" media-type=\"application/x-dtbncx+xml\"/>\n");
    let mut spine = String::new();
    let mut points = String::new();
    for (i, (name, label, _)) in docs.iter().enumerate() {
        manifest.push_str(&format!("<item id=\"d{i}\" href=\"{name}\" media-type=\"application/xhtml+xml\"/>\n"));
        spine.push_str(&format!("<itemref idref=\"d{i}\"/>\n"));
        points.push_str(&format!(
            "<navPoint id=\"n{i}\" playOrder=\"{}\"><navLabel><text>{}</text></navLabel><content src=\"{name}\"/></navPoint>\n",
            i + 1,
            esc(label)
        ));
    }
    let opf = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<package xmlns=\"http://www.idpf.org/2007/opf\" xmlns:opf=\"http://www.idpf.org/2007/opf\" version=\"2.0\" unique-identifier=\"uid\">\n\
         <metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<dc:identifier id=\"uid\">test-epub2</dc:identifier>\n\
         <dc:title>{}</dc:title>\n<dc:creator opf:role=\"aut\">{}</dc:creator>\n<dc:language>en</dc:language>\n</metadata>\n\
         <manifest>\n{manifest}</manifest>\n<spine toc=\"ncx\">\n{spine}</spine>\n\
         <guide><reference type=\"title-page\" href=\"titlepage.xhtml\" title=\"Title Page\"/><reference type=\"copyright-page\" href=\"copyright.xhtml\" title=\"Copyright\"/></guide>\n</package>\n",
        esc(title),
        esc(author)
    );
    let ncx = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ncx xmlns=\"http://www.daisy.org/z3986/2005/ncx/\" version=\"2005-1\">\n\
         <head><meta name=\"dtb:uid\" content=\"test-epub2\"/></head><docTitle><text>{}</text></docTitle>\n<navMap>\n{points}</navMap>\n</ncx>\n",
        esc(title)
    );
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("mimetype".into(), b"application/epub+zip".to_vec()),
        ("META-INF/container.xml".into(), CONTAINER.as_bytes().to_vec()),
        ("OEBPS/content.opf".into(), opf.into_bytes()),
        ("OEBPS/toc.ncx".into(), ncx.into_bytes()),
    ];
    files.extend(docs.into_iter().map(|(n, _, b)| (format!("OEBPS/{n}"), b)));
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    zip(&refs)
}

/// An AO3 download (HTML) of the story: the preface with tags, stats, title, byline, summary and
/// notes; the chapters (each with its title in a meta block when there are several); the
/// afterword with end notes and the archive's message. The story's front paragraphs become the
/// work's notes; a last "Thanks for reading!" becomes its end notes.
pub fn ao3_html(story: &Story, title: &str, author: &str) -> String {
    let mut chapters = String::new();
    let mut end_notes = String::new();
    let many = story.chapters.len() > 1;
    for (i, c) in story.chapters.iter().enumerate() {
        let mut paragraphs = c.paragraphs.clone();
        if i + 1 == story.chapters.len() && paragraphs.last().is_some_and(|p| p.starts_with("Thanks for reading")) {
            end_notes = paragraphs.pop().unwrap_or_default();
        }
        // The story's own title lines and notes are in the preface.
        let skip = if story.front.is_empty() && i == 0 { leading_front(&paragraphs) } else { 0 };
        let text: String = paragraphs[skip..].iter().map(|p| format!("<p>{}</p>\n", esc(p))).collect();
        if many {
            chapters.push_str(&format!(
                "<div class=\"meta group\">\n<h2 class=\"heading\">{}</h2>\n<p>Chapter Notes</p>\n<blockquote class=\"userstuff\"><p>Chapter {} notes: thank you for the comments.</p></blockquote>\n</div>\n\
                 <div class=\"userstuff\">\n{text}</div>\n",
                esc(&format!("Chapter {}: {}", i + 1, toc_title(i + 1))),
                i + 1
            ));
        } else {
            chapters.push_str(&format!("<div class=\"userstuff\">\n{text}</div>\n"));
        }
    }
    let notes: Vec<String> = if story.front.is_empty() {
        story.chapters[0].paragraphs[..leading_front(&story.chapters[0].paragraphs)]
            .iter()
            .filter(|p| p.starts_with("A/N"))
            .cloned()
            .collect()
    } else {
        story.front.clone()
    };
    let notes_html: String = notes.iter().map(|p| format!("<p>{}</p>", esc(p))).collect();
    let end_html = if end_notes.is_empty() {
        String::new()
    } else {
        format!(
            "<div class=\"meta\"><div id=\"endnotes\"><p>End Notes</p><blockquote class=\"userstuff\"><p>{}</p></blockquote></div></div>",
            esc(&end_notes)
        )
    };
    format!(
        r#"<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8"/>
<title>{t} - {a} - Original Work [Archive of Our Own]</title>
<style type="text/css">body {{ font-family: serif; }}</style>
</head>
<body>
<div id="preface">
  <h2 class="toc-heading">Preface</h2>
  <p class="message"><b>{t}</b><br/>Posted originally on the <a href="http://archiveofourown.org/">Archive of Our Own</a> at <a href="http://archiveofourown.org/works/1">http://archiveofourown.org/works/1</a>.</p>
  <div class="meta">
    <dl class="tags">
      <dt>Rating:</dt><dd><a href="http://archiveofourown.org/tags/General">General Audiences</a></dd>
      <dt>Archive Warning:</dt><dd><a href="http://archiveofourown.org/tags/No">No Archive Warnings Apply</a></dd>
      <dt>Fandom:</dt><dd><a href="http://archiveofourown.org/tags/Original">Original Work</a></dd>
      <dt>Additional Tags:</dt><dd><a href="http://archiveofourown.org/tags/Storms">Storms</a>, <a href="http://archiveofourown.org/tags/Tea">Tea</a></dd>
      <dt>Language:</dt><dd>English</dd>
      <dt>Stats:</dt><dd>Published: 2026-01-01 Words: 595 Chapters: {n}/{n}</dd>
    </dl>
    <h1>{t}</h1>
    <div class="byline">by <a rel="author" href="http://archiveofourown.org/users/someone">{a}</a></div>
    <p>Summary</p>
    <blockquote class="userstuff"><p>A storm, a lamp and three people who keep it lit.</p></blockquote>
    <p>Notes</p>
    <blockquote class="userstuff">{notes_html}</blockquote>
    <div class="endnote-link">See the end of the work for more notes</div>
  </div>
</div>
<div id="chapters" class="userstuff">
{chapters}</div>
<div id="afterword">
  <h2 class="toc-heading">Afterword</h2>
  {end_html}
  <p class="message">Please <a href="http://archiveofourown.org/works/1/comments/new">drop by the archive and comment</a> to let the creator know if you enjoyed their work!</p>
</div>
</body>
</html>
"#,
        t = esc(title),
        a = esc(author),
        n = story.chapters.len(),
    )
}

/// An AO3 work page ("Entire Work") as a browser saves it: the site's header, menus and tags
/// around `#workskin` (the work's preface, its chapters with their prefaces, a hidden "Chapter
/// Text" landmark, end notes, the afterword), then kudos and comments.
pub fn ao3_page_html(story: &Story, title: &str, author: &str) -> String {
    let mut chapters = String::new();
    let mut end_notes = String::new();
    for (i, c) in story.chapters.iter().enumerate() {
        let mut paragraphs = c.paragraphs.clone();
        if i + 1 == story.chapters.len() && paragraphs.last().is_some_and(|p| p.starts_with("Thanks for reading")) {
            end_notes = paragraphs.pop().unwrap_or_default();
        }
        let skip = if story.front.is_empty() && i == 0 { leading_front(&paragraphs) } else { 0 };
        let text: String = paragraphs[skip..].iter().map(|p| format!("<p>{}</p>\n", esc(p))).collect();
        chapters.push_str(&format!(
            "<div class=\"chapter\" id=\"chapter-{n}\">\n<div class=\"chapter preface group\">\n\
             <h3 class=\"title\"><a href=\"/works/1/chapters/{n}\">Chapter {n}</a>: {t}</h3>\n\
             <div id=\"notes\" class=\"notes module\"><h3 class=\"heading\">Notes:</h3>\n\
             <p>(See the end of the chapter for <a href=\"#chapter_{n}_endnotes\">more notes</a>.)</p>\n\
             <blockquote class=\"userstuff\"><p>Chapter {n} notes: thank you for the comments.</p></blockquote></div>\n</div>\n\
             <div class=\"userstuff module\" role=\"article\">\n<h3 class=\"landmark heading\" id=\"work\">Chapter Text</h3>\n{text}</div>\n</div>\n",
            n = i + 1,
            t = esc(&toc_title(i + 1)),
        ));
    }
    let notes: String = story
        .chapters
        .first()
        .map(|c| &c.paragraphs[..if story.front.is_empty() { leading_front(&c.paragraphs) } else { 0 }])
        .unwrap_or(&[])
        .iter()
        .chain(&story.front)
        .filter(|p| p.starts_with("A/N"))
        .map(|p| format!("<p>{}</p>", esc(p)))
        .collect();
    let end_html = if end_notes.is_empty() {
        String::new()
    } else {
        format!(
            "<div class=\"afterword preface group\"><div id=\"work_endnotes\" class=\"end notes module\"><h3 class=\"heading\">Notes:</h3><blockquote class=\"userstuff\"><p>{}</p></blockquote></div></div>",
            esc(&end_notes)
        )
    };
    format!(
        r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{t} - Chapter 1 - {a} - Original Work [Archive of Our Own]</title>
<script>window.ao3 = {{}};</script></head>
<body><div id="outer" class="wrapper"><ul id="skiplinks"><li><a href="#main">Main Content</a></li></ul>
<header id="header" class="region"><h1 class="heading"><a href="/">Archive of Our Own</a></h1>
<ul class="primary navigation actions"><li><a href="/menu/fandoms">Fandoms</a></li><li><a href="/menu/browse">Browse</a></li><li><a href="/menu/search">Search</a></li><li><a href="/menu/about">About</a></li></ul></header>
<div id="inner" class="wrapper"><div id="main" class="works-show region" role="main">
<ul class="work navigation actions"><li><a href="/works/1?view_full_work=true">Entire Work</a></li><li><a href="/works/1/chapters/2">Next Chapter</a></li></ul>
<div class="wrapper"><dl class="work meta group"><dt class="rating tags">Rating:</dt><dd class="rating tags"><ul class="commas"><li><a class="tag" href="/tags/General">General Audiences</a></li></ul></dd>
<dt class="stats">Stats:</dt><dd class="stats"><dl class="stats"><dt>Published:</dt><dd>2026-01-01</dd><dt>Words:</dt><dd>3,000</dd><dt>Kudos:</dt><dd>42</dd></dl></dd></dl></div>
<div id="workskin">
<div class="preface group"><h2 class="title heading">{t}</h2>
<h3 class="byline heading"><a rel="author" href="/users/someone/pseuds/someone">{a}</a></h3>
<div class="summary module"><h3 class="heading">Summary:</h3><blockquote class="userstuff"><p>A storm, a lamp and three people who keep it lit.</p></blockquote></div>
<div class="notes module"><h3 class="heading">Notes:</h3><blockquote class="userstuff">{notes}</blockquote></div></div>
<div id="chapters" role="article">
{chapters}</div>
{end_html}
</div>
<div id="feedback" class="feedback"><h3 class="landmark heading">Actions</h3><p class="kudos">Someone and 41 more users left kudos on this work!</p>
<div id="comments_placeholder"><h3 class="heading">Comments</h3><p>Lovely story, thank you for writing it!</p></div></div>
</div></div>
<footer id="footer" role="contentinfo" class="region"><h4 class="landmark heading">Footer</h4><p>The Archive of Our Own is a project of the Organization for Transformative Works.</p></footer>
</div></body></html>
"##,
        t = esc(title),
        a = esc(author),
    )
}

/// How many paragraphs at a chapter's start are title lines and notes (short lines without a
/// full stop, "by ...", "A/N: ...").
pub fn leading_front(paragraphs: &[String]) -> usize {
    paragraphs
        .iter()
        .take_while(|p| {
            p.starts_with("A/N") || p.starts_with("by ") || (p.len() < 60 && !p.ends_with(['.', '!', '?', '\u{201D}']))
        })
        .count()
}

/// A Project Gutenberg HTML book of the story: its header and licence sections, a contents
/// table of links, an `<h1>` title and an `<h2>` per chapter, page numbers in the text.
pub fn gutenberg_html(story: &Story, title: &str, author: &str) -> String {
    let mut body = String::new();
    for (i, c) in story.chapters.iter().enumerate() {
        body.push_str(&format!(
            "<div class=\"chapter\">\n<h2><a id=\"chap{}\"></a>{}</h2>\n",
            i + 1,
            esc(c.heading.as_deref().unwrap_or("CHAPTER"))
        ));
        for (k, p) in c.paragraphs.iter().enumerate() {
            let page = if k == 1 {
                format!("<span class=\"pagenum\"><a id=\"Page_{}\">[Pg {}]</a></span>", i + 7, i + 7)
            } else {
                String::new()
            };
            body.push_str(&format!("<p>{page}{}</p>\n", esc(p)));
        }
        body.push_str("</div>\n");
    }
    let contents: String = story
        .chapters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "<tr><td><a href=\"#chap{}\">{}</a></td></tr>\n",
                i + 1,
                esc(c.heading.as_deref().unwrap_or("CHAPTER"))
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>The Project Gutenberg eBook of {t}, by {a}</title>
<meta name="dc.title" content="{t}">
<meta name="dc.creator" content="{a}">
</head>
<body>
<section class="pg-boilerplate pgheader" id="pg-header" lang="en">
<h2 id="pg-header-heading" title="">The Project Gutenberg eBook of <span lang="en" id="pg-title">{t}</span></h2>
<div>This ebook is for the use of anyone anywhere in the United States and most other parts of the world at no cost and with almost no restrictions whatsoever.</div>
<div id="pg-start-separator"><span>*** START OF THE PROJECT GUTENBERG EBOOK ***</span></div>
</section>
<h1>{t}</h1>
<h2>Contents</h2>
<table>
{contents}</table>
{body}
<section class="pg-boilerplate pgfooter" id="pg-footer">
<div id="pg-end-separator"><span>*** END OF THE PROJECT GUTENBERG EBOOK ***</span></div>
<h2>THE FULL PROJECT GUTENBERG LICENSE</h2>
<p>To protect the Project Gutenberg mission of promoting the free distribution of electronic works, you agree to comply with all the terms of the Full Project Gutenberg License.</p>
</section>
</body>
</html>
"#,
        t = esc(title),
        a = esc(author),
    )
}

/// A FanFiction.net page as a browser saves it: the site's menus, scripts and footer around the
/// story's profile and text.
pub fn ffn_html(story: &Story, title: &str, author: &str) -> String {
    let text: String = story
        .front
        .iter()
        .chain(story.chapters.iter().flat_map(|c| c.heading.iter().chain(&c.paragraphs)))
        .map(|p| format!("<p>{}</p>", esc(p)))
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{t} Chapter 1: The Crossing, an original fanfic | FanFiction</title>
<script>var storyid = 1; function go() {{ return "Chapter 9"; }}</script></head>
<body>
<div id="top"><div class="menulink"><a href="/">FanFiction</a> | <a href="/j/">Just In</a> | <a href="/community/">Community</a> | <a href="/forums/">Forum</a></div></div>
<div id="content_wrapper"><div id="content_wrapper_inner">
<div id="profile_top"><b class="xcontrast_txt">{t}</b> By: <a class="xcontrast_txt" href="/u/1/Someone">{a}</a>
<div class="xcontrast_txt">Two old classmates meet on the last boat of the night.</div>
<span class="xgray xcontrast_txt">Rated: Fiction K - English - Words: 500 - Published: 1/1/2026</span></div>
<span><select id="chap_select" title="Chapter Navigation"><option value="1" selected>1. The Crossing</option><option value="2">2. The Island</option></select></span>
<div role="main" aria-label="story content" class="storytextp" id="storytextp"><div class="storytext xcontrast_txt nocopy" id="storytext">{text}</div></div>
<div style="display:none">Hidden site text.</div>
</div></div>
<div id="footer"><a href="/tos/">Terms of Service</a> | <a href="/privacy/">Privacy</a></div>
</body></html>
"#,
        t = esc(title),
        a = esc(author),
    )
}

/// The story as Markdown: a YAML front matter, the title as `#`, `##` chapter headings.
pub fn markdown(story: &Story, title: &str, author: &str) -> String {
    let mut out = format!("---\ntitle: \"{title}\"\nauthor: {author}\n---\n\n# {title}\n\n");
    for p in &story.front {
        out.push_str(&format!("{p}\n\n"));
    }
    for c in &story.chapters {
        if let Some(h) = &c.heading {
            out.push_str(&format!("## {h}\n\n"));
        }
        for p in &c.paragraphs {
            out.push_str(&format!("{p}\n\n"));
        }
    }
    out
}

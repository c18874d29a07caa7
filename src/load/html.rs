//! HTML: a saved page, an AO3 download, a FanFiction.net page, a Project Gutenberg book.
//!
//! Chapters come from the layout when it names them (AO3's chapter titles), else from the
//! headings: the highest heading level used at least twice starts a chapter (a Gutenberg book's
//! `<h2>`s under its one `<h1>`). A page with fewer is left to the segmenter's own headings.

use super::dom::{self, Element};
use super::extract::{Extract, Origin, Role};
use super::{ChapterStart, Encoding, Format, Metadata, Text};
use crate::error::{Error, Result};
use std::path::Path;

pub fn load(bytes: &[u8], path: &Path) -> Result<Text> {
    let (source, encoding, warnings) = decode(bytes);
    let root = dom::parse_html(&source);
    let name = path.file_name().map_or_else(|| "page.html".to_string(), |n| n.to_string_lossy().into_owned());
    let mut ex = Extract::default();
    ex.add(&name, &root, Origin::Web, Role::Story);
    if !ex.has_text() {
        return Err(Error::NoText {
            path: path.to_path_buf(),
            reason: "the HTML holds no paragraphs of text (only markup, scripts or navigation); give the page that holds the story".into(),
        });
    }
    let mut chapters = chapters(&ex);
    if chapters.is_empty()
        && let Some(title) = ffn_chapter(&root)
    {
        chapters.push(ChapterStart { at: 0, title: Some(title) });
    }
    Ok(Text {
        text: ex.text,
        encoding,
        warnings,
        format: Format::Html,
        metadata: metadata(&root),
        documents: ex.documents,
        blocks: ex.blocks,
        chapters,
    })
}

/// Decodes an HTML file: a BOM, else the `<meta charset>` of its first kilobytes, else UTF-8,
/// else Windows-1252 with a warning.
pub fn decode(bytes: &[u8]) -> (String, Encoding, Vec<String>) {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes)
        && enc != encoding_rs::UTF_8
    {
        return (enc.decode_without_bom_handling(&bytes[bom..]).0.into_owned(), Encoding::Declared, Vec::new());
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let declared = head.find("charset=").and_then(|i| {
        let label: String = head[i + 8..]
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
            .collect();
        encoding_rs::Encoding::for_label(label.as_bytes())
    });
    match declared {
        Some(enc) if enc != encoding_rs::UTF_8 && enc != encoding_rs::WINDOWS_1252 => {
            (enc.decode_without_bom_handling(bytes).0.into_owned(), Encoding::Declared, Vec::new())
        }
        _ => super::text::to_string(bytes),
    }
}

/// Chapter starts: the layout's chapter headings, else the highest heading level used twice.
pub fn chapters(ex: &Extract) -> Vec<ChapterStart> {
    let start =
        |h: &super::extract::Heading| ChapterStart { at: ex.blocks[h.block].span.start, title: Some(h.text.clone()) };
    let marked: Vec<ChapterStart> = ex.headings.iter().filter(|h| h.chapter).map(start).collect();
    if !marked.is_empty() {
        return marked;
    }
    let level = (1..=6u8).find(|&l| ex.headings.iter().filter(|h| h.level == l).count() >= 2);
    match level {
        Some(l) => ex.headings.iter().filter(|h| h.level == l).map(start).collect(),
        None => Vec::new(),
    }
}

/// Title, author and language: AO3's preface, FanFiction.net's profile, the page's meta tags,
/// its `<title>`.
pub fn metadata(root: &Element) -> Metadata {
    let mut m =
        Metadata { language: root.attr("lang").or(root.attr("xml:lang")).map(str::to_string), ..Metadata::default() };
    // AO3: a download's `#preface`, or a work page's first `.preface` (the work's).
    if let Some(preface) = root.find(&|e| e.id() == Some("preface")).or_else(|| root.find(&|e| e.has_class("preface")))
    {
        m.title = preface.find(&|e| e.name == "h1" || e.name == "h2" && e.has_class("title")).map(Element::text);
        m.author = preface.find(&|e| e.has_class("byline")).map(|b| {
            let mut authors = Vec::new();
            b.find_all(&|e| e.name == "a" && e.attr("rel") == Some("author"), &mut authors);
            if authors.is_empty() {
                b.text().trim_start_matches("by ").to_string()
            } else {
                authors.iter().map(|a| a.text()).collect::<Vec<_>>().join(", ")
            }
        });
    }
    if let Some(profile) = root.find(&|e| e.id() == Some("profile_top")) {
        m.title =
            m.title.or_else(|| profile.find(&|e| e.name == "b" && e.has_class("xcontrast_txt")).map(Element::text));
        m.author = m.author.or_else(|| {
            profile.find(&|e| e.name == "a" && e.attr("href").is_some_and(|h| h.contains("/u/"))).map(Element::text)
        });
    }
    let meta = |names: &[&str]| -> Option<String> {
        let found = root.find(&|e| {
            e.name == "meta"
                && e.attr("name")
                    .or(e.attr("property"))
                    .is_some_and(|n| names.iter().any(|x| n.eq_ignore_ascii_case(x)))
                && e.attr("content").is_some_and(|c| !c.trim().is_empty())
        })?;
        found.attr("content").map(|c| c.trim().to_string())
    };
    m.title = m.title.or_else(|| meta(&["dc.title", "dcterms.title", "citation_title", "og:title"]));
    m.author =
        m.author.or_else(|| meta(&["author", "dc.creator", "dcterms.creator", "citation_author"]).map(|a| person(&a)));
    m.title = m.title.or_else(|| root.find(&|e| e.name == "title").map(Element::text).filter(|t| !t.is_empty()));
    m.title = m.title.filter(|t| !t.is_empty());
    m.author = m.author.filter(|a| !a.is_empty());
    m
}

/// "Austen, Jane" as "Jane Austen"; other names as they are.
fn person(name: &str) -> String {
    match name.split_once(", ") {
        Some((last, first)) if !first.contains(',') && !first.chars().any(|c| c.is_ascii_digit()) => {
            format!("{first} {last}")
        }
        _ => name.to_string(),
    }
}

/// FanFiction.net's chapter title: the selected entry of its chapter menu ("3. The Storm").
fn ffn_chapter(root: &Element) -> Option<String> {
    let select = root.find(&|e| e.name == "select" && e.id().is_some_and(|id| id.starts_with("chap_select")))?;
    let option = select.find(&|e| e.name == "option" && e.attr("selected").is_some())?;
    let text = option.text();
    let title =
        text.split_once(". ").filter(|(n, _)| n.chars().all(|c| c.is_ascii_digit())).map_or(text.as_str(), |(_, t)| t);
    Some(title.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_from_meta() {
        let (s, _, w) = decode(b"<html><head><meta charset=\"iso-8859-2\"></head><body>\xB1</body></html>");
        assert!(s.contains('\u{105}'), "{s}");
        assert!(w.is_empty());
        let (s, enc, w) = decode(b"<p>caf\xE9</p>");
        assert_eq!((s.as_str(), enc, w.len()), ("<p>caf\u{E9}</p>", Encoding::Windows1252, 1));
    }

    #[test]
    fn chapters_from_the_heading_level_used_twice() {
        let root = dom::parse_html("<h1>Book</h1><h2>One</h2><p>a</p><h2>Two</h2><p>b</p><h3>Part</h3><p>c</p>");
        let mut ex = Extract::default();
        ex.add("b.html", &root, Origin::Web, Role::Story);
        let titles: Vec<_> = chapters(&ex).into_iter().map(|c| c.title.unwrap()).collect();
        assert_eq!(titles, ["One", "Two"]);
    }

    #[test]
    fn metadata_from_meta_tags() {
        let root = dom::parse_html(
            r#"<html lang="en"><head><title>x</title><meta name="dc.title" content="Emma"><meta name="dc.creator" content="Austen, Jane"></head></html>"#,
        );
        let m = metadata(&root);
        assert_eq!(
            (m.title.as_deref(), m.author.as_deref(), m.language.as_deref()),
            (Some("Emma"), Some("Jane Austen"), Some("en"))
        );
    }
}

//! Markdown: rendered to HTML by `pulldown-cmark`, then read like any HTML page. A YAML front
//! matter block (`---` ... `---`) gives the title and author.

use super::dom;
use super::extract::{Extract, Origin, Role};
use super::{Format, Text};
use crate::error::{Error, Result};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::path::Path;

pub fn load(bytes: &[u8], path: &Path) -> Result<Text> {
    let decoded = super::decode(bytes).map_err(|e| match e {
        super::DecodeError::Empty | super::DecodeError::Blank => Error::Empty { path: path.to_path_buf() },
        other => Error::Binary { path: path.to_path_buf(), reason: other.to_string() },
    })?;
    let options = Options::ENABLE_YAML_STYLE_METADATA_BLOCKS | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let mut front_matter = String::new();
    let mut in_front_matter = false;
    let events = Parser::new_ext(&decoded.text, options).filter_map(|event| match event {
        Event::Start(Tag::MetadataBlock(_)) => {
            in_front_matter = true;
            None
        }
        Event::End(TagEnd::MetadataBlock(_)) => {
            in_front_matter = false;
            None
        }
        Event::Text(t) if in_front_matter => {
            front_matter.push_str(&t);
            None
        }
        other => Some(other),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    let root = dom::parse_html(&html);
    let name = path.file_name().map_or_else(|| "story.md".to_string(), |n| n.to_string_lossy().into_owned());
    let mut ex = Extract::default();
    ex.add(&name, &root, Origin::Book, Role::Story);
    if !ex.has_text() {
        return Err(Error::Empty { path: path.to_path_buf() });
    }
    let mut metadata = super::Metadata::default();
    for line in front_matter.lines() {
        if let Some((key, value)) = line.split_once(':') {
            let value = value.trim().trim_matches(['"', '\'']).trim().to_string();
            match key.trim().to_ascii_lowercase().as_str() {
                "title" if !value.is_empty() => metadata.title = Some(value),
                "author" if !value.is_empty() => metadata.author = Some(value),
                "lang" | "language" if !value.is_empty() => metadata.language = Some(value),
                _ => {}
            }
        }
    }
    let chapters = super::html::chapters(&ex);
    Ok(Text {
        text: ex.text,
        encoding: decoded.encoding,
        warnings: decoded.warnings,
        format: Format::Markdown,
        metadata,
        documents: ex.documents,
        blocks: ex.blocks,
        chapters,
    })
}

//! What a render keeps of its source beside the chapters: the extracted text (which every
//! span in the manifest indexes, and which the read-along EPUB shows) and the book's cover, and
//! what the manifest says about the book (title, author, language, format).

use super::ExportError;
use crate::load::{Format, Metadata};
pub use crate::manifest::BookInfo;
use std::path::Path;

/// The file, in a render folder, holding the extracted text.
pub const TEXT_FILE: &str = "source.txt";

/// Writes the extracted text and the cover into `dir`; gives what the manifest should say.
/// `title` and `author`, given on the command line, win over the book's own.
pub fn save(
    dir: &Path,
    text: &str,
    format: Format,
    metadata: &Metadata,
    title: Option<&str>,
    author: Option<&str>,
) -> Result<BookInfo, ExportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    super::write_text(&dir.join(TEXT_FILE), text)?;
    let cover = match &metadata.cover {
        Some(cover) => {
            let name = format!("cover.{}", cover.extension());
            let path = dir.join(&name);
            std::fs::write(&path, &cover.bytes).map_err(io(&path))?;
            Some(name)
        }
        None => None,
    };
    let given = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    Ok(BookInfo {
        title: given(title).or_else(|| metadata.title.clone()),
        author: given(author).or_else(|| metadata.author.clone()),
        language: metadata.language.clone(),
        format: Some(format.name().to_string()),
        source_text: Some(TEXT_FILE.to_string()),
        cover,
    })
}

//! What a render keeps of its source beside the chapters: the extracted text (which every
//! span in the manifest indexes, and which the read-along EPUB shows) and the book's cover, and
//! what the manifest says about the book (title, author, language, format).

use crate::load::{Format, Metadata};
pub use crate::manifest::BookInfo;

/// The file, in a render folder, holding the extracted text.
pub const TEXT_FILE: &str = "source.txt";

/// What a render keeps beside its chapters (the extracted text and the cover, as file names and
/// contents, written once the render holds its folder), and what the manifest should say of the
/// book. `title` and `author`, given on the command line, win over the book's own.
pub fn prepare(
    text: &str,
    format: Format,
    metadata: &Metadata,
    title: Option<&str>,
    author: Option<&str>,
) -> (BookInfo, Vec<(String, Vec<u8>)>) {
    let mut files = vec![(TEXT_FILE.to_string(), text.as_bytes().to_vec())];
    let cover = metadata.cover.as_ref().map(|cover| {
        let name = format!("cover.{}", cover.extension());
        files.push((name.clone(), cover.bytes.clone()));
        name
    });
    let given = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let book = BookInfo {
        title: given(title).or_else(|| metadata.title.clone()),
        author: given(author).or_else(|| metadata.author.clone()),
        language: metadata.language.clone(),
        format: Some(format.name().to_string()),
        source_text: Some(TEXT_FILE.to_string()),
        cover,
    };
    (book, files)
}

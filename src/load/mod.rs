//! Loading: a story file, whatever its format, to one [`Text`]: the extracted story text that
//! every span indexes, the paragraphs and chapters its markup gives, and the book's metadata.
//!
//! The format is recognised by content first (a zip is an EPUB or nothing; `%PDF` is a PDF; a
//! page that opens with `<html` is HTML), by extension second (Markdown). One loader per format:
//! - plain text ([`decode`]): UTF-8 (a BOM is stripped), UTF-16 with a BOM, UTF-8 with a few
//!   bad bytes repaired, else Windows-1252, each fallback with a warning; the text is the decoded
//!   file (every span indexes it, counting from after a BOM), and the segmenter finds its
//!   paragraphs and chapters itself;
//! - HTML (a saved page, an AO3 download, a FanFiction.net page, a Project Gutenberg book);
//! - EPUB 2 and 3: the spine's documents in reading order, chapters from the table of contents,
//!   front and back matter left out or marked as notes;
//! - Markdown, through the same path as HTML.
//!
//! For the markup formats the extracted text is each paragraph on one line (a `<br>` is a line
//! break inside it), with a blank line between paragraphs; `audiobook script STORY --text`
//! prints it.
//!
//! ```
//! let text = audiobook::load::decode(b"Chapter 1\n\nIt rained.\n").unwrap();
//! assert_eq!(text.format, audiobook::load::Format::Text);
//! assert!(text.blocks.is_empty());
//! ```

pub mod dom;
mod epub;
mod extract;
mod html;
mod markdown;
mod text;

pub use text::{DecodeError, decode};

use crate::error::{Error, Result};
use crate::script::Span;
use std::path::{Path, PathBuf};

/// How the bytes were decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Encoding {
    Utf8,
    /// UTF-16 (little- or big-endian) with a byte order mark.
    Utf16,
    /// UTF-8 with a few invalid bytes, each run of them read as Windows-1252.
    Utf8Repaired,
    Windows1252,
    /// Another encoding an HTML file declares (UTF-16, ISO-8859-2, Shift JIS, ...).
    Declared,
}

/// The story's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Markdown,
    Html,
    Epub,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Epub => "epub",
        }
    }
}

/// What the book says about itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata {
    pub title: Option<String>,
    pub author: Option<String>,
    /// A language tag (`en`, `en-GB`).
    pub language: Option<String>,
    pub cover: Option<Cover>,
}

/// A cover image.
#[derive(Clone, PartialEq)]
pub struct Cover {
    /// `image/jpeg`, `image/png`, `image/svg+xml`, ...
    pub media_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Cover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cover({}, {} bytes)", self.media_type, self.bytes.len())
    }
}

impl Cover {
    /// The file extension for the cover's media type.
    pub fn extension(&self) -> &'static str {
        match self.media_type.as_str() {
            "image/jpeg" | "image/jpg" => "jpg",
            "image/png" => "png",
            "image/gif" => "gif",
            "image/webp" => "webp",
            "image/svg+xml" => "svg",
            _ => "img",
        }
    }
}

/// What a paragraph of a markup format is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockRole {
    /// Story text (or whatever the segmenter makes of it: a "Chapter 3" paragraph, an "A/N").
    Paragraph,
    /// A heading (`<h1>` to `<h6>`).
    Heading,
    /// Not the story, but worth keeping: an author's note, a summary, a dedication.
    Note,
    /// A scene break (`<hr>`), written as `* * *` in the text.
    SceneBreak,
}

/// A paragraph of a markup format: its span in the extracted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub span: Span,
    pub role: BlockRole,
}

/// Where one of the book's own chapters begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterStart {
    /// A byte offset into the extracted text: the start of the chapter's first block.
    pub at: usize,
    /// Its title in the table of contents, when it has one.
    pub title: Option<String>,
}

/// A source document and the part of the extracted text it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The file name, or for an EPUB the path of the document inside it.
    pub name: String,
    pub span: Span,
}

/// A loaded story.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// The extracted story text: every span indexes it.
    pub text: String,
    pub encoding: Encoding,
    /// Things the user should know (a fallback encoding, repaired bytes).
    pub warnings: Vec<String>,
    pub format: Format,
    pub metadata: Metadata,
    /// The documents the text came from, in order.
    pub documents: Vec<Document>,
    /// The paragraphs the markup marked out, in order; empty for plain text, whose paragraphs
    /// the segmenter finds itself.
    pub blocks: Vec<Block>,
    /// Where the book's chapters begin, from its table of contents or its headings; empty when
    /// it gives none (the segmenter then finds chapter headings itself).
    pub chapters: Vec<ChapterStart>,
}

impl Text {
    /// Plain text, as decoded.
    pub fn plain(text: String, encoding: Encoding, warnings: Vec<String>) -> Text {
        Text {
            text,
            encoding,
            warnings,
            format: Format::Text,
            metadata: Metadata::default(),
            documents: Vec::new(),
            blocks: Vec::new(),
            chapters: Vec::new(),
        }
    }

    /// The name of the document that holds byte `at` of the text.
    pub fn document_at(&self, at: usize) -> Option<&str> {
        self.documents.iter().find(|d| d.span.start <= at && at < d.span.end).map(|d| d.name.as_str())
    }
}

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sniffed {
    Zip,
    Html,
    Markdown,
    Text,
}

/// Reads a story file of any supported format.
pub fn load(path: &Path) -> Result<Text> {
    let owned = || PathBuf::from(path);
    let bytes = read_file(path)?;
    let name = path.file_name().map_or_else(|| "story".to_string(), |n| n.to_string_lossy().into_owned());
    let mut text = match sniff(&bytes, path)? {
        Sniffed::Zip => epub::load(&bytes, path)?,
        Sniffed::Html => html::load(&bytes, path)?,
        Sniffed::Markdown => markdown::load(&bytes, path)?,
        Sniffed::Text => decode(&bytes).map_err(|e| match e {
            DecodeError::Empty | DecodeError::Blank => Error::Empty { path: owned() },
            other => Error::Binary { path: owned(), reason: other.to_string() },
        })?,
    };
    if text.documents.is_empty() {
        text.documents.push(Document { name, span: Span::new(0, text.text.len()) });
    }
    Ok(text)
}

/// The largest story file read: more than any novel (the longest run to a few megabytes), and
/// little enough to hold in memory with its decoded copy.
pub const MAX_FILE_BYTES: u64 = 512 << 20;

/// A story file's bytes: refuses a directory, a device, a pipe or a socket (which could never
/// end) from its metadata, before opening it, and a file over [`MAX_FILE_BYTES`], whose read is
/// bounded in case it grows meanwhile.
fn read_file(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let owned = || PathBuf::from(path);
    let meta = std::fs::metadata(path).map_err(|source| Error::Read { path: owned(), source })?;
    if meta.is_dir() {
        return Err(Error::IsDirectory { path: owned() });
    }
    if !meta.is_file() {
        return Err(Error::NotRegular { path: owned(), kind: file_kind(&meta.file_type()) });
    }
    let too_large =
        |size: u64| Error::TooLarge { path: owned(), size_mb: size.div_ceil(1 << 20), cap_mb: MAX_FILE_BYTES >> 20 };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|source| Error::Read { path: owned(), source })?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|source| Error::Read { path: owned(), source })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, in words.
fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a pipe";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    let _ = kind;
    "a special file"
}

/// Recognises a format by its content, then by extension; formats that cannot be read are
/// refused here, each with the tool that converts it.
fn sniff(bytes: &[u8], path: &Path) -> Result<Sniffed> {
    let unsupported = |what: &str, advice: &str| Error::Unsupported {
        path: path.to_path_buf(),
        what: what.to_string(),
        advice: advice.to_string(),
    };
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Ok(Sniffed::Zip);
    }
    if let Some(what) = text::binary_kind(bytes) {
        return Err(Error::Binary { path: path.to_path_buf(), reason: DecodeError::Looks(what).to_string() });
    }
    if bytes.starts_with(b"%PDF-") {
        return Err(unsupported(
            "a PDF",
            "convert it first, with Calibre (`ebook-convert book.pdf book.epub`) or poppler-utils (`pdftotext book.pdf book.txt`)",
        ));
    }
    if bytes.get(60..68).is_some_and(|m| m == b"BOOKMOBI" || m == b"TEXtREAd") {
        return Err(unsupported(
            "a Kindle (MOBI/AZW) book",
            "convert it to EPUB first with Calibre (`ebook-convert book.mobi book.epub`)",
        ));
    }
    if bytes.starts_with(b"\xEADRMION\xEE") {
        return Err(Error::Drm { path: path.to_path_buf(), scheme: "a Kindle KFX book".into() });
    }
    if bytes.starts_with(b"{\\rtf") {
        return Err(unsupported(
            "an RTF document",
            "save it as plain text or HTML, or convert it with pandoc (`pandoc story.rtf -o story.html`)",
        ));
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Err(unsupported(
            "a Word 97-2003 document",
            "save it as plain text or HTML, or convert it with LibreOffice (`soffice --headless --convert-to html story.doc`)",
        ));
    }
    if looks_like_html(bytes) || has_extension(path, &["html", "htm", "xhtml"]) {
        return Ok(Sniffed::Html);
    }
    if has_extension(path, &["md", "markdown", "mkd", "mdown"]) {
        return Ok(Sniffed::Markdown);
    }
    Ok(Sniffed::Text)
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// A document whose first tag (after a BOM, white space, an XML declaration, a doctype or
/// comments) is `<html`, `<head` or `<body`.
fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = head.trim_start_matches('\u{FEFF}').trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("<?xml").or_else(|| rest.strip_prefix("<!doctype")) {
            let Some(end) = r.find('>') else { return false };
            rest = r[end + 1..].trim_start();
        } else if let Some(r) = rest.strip_prefix("<!--") {
            let Some(end) = r.find("-->") else { return false };
            rest = r[end + 3..].trim_start();
        } else {
            break;
        }
    }
    ["<html", "<head", "<body"].iter().any(|t| rest.starts_with(t)) || head.trim_start().starts_with("<!doctype html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_content() {
        let p = Path::new("story.txt");
        assert_eq!(sniff(b"<!DOCTYPE html>\n<html><body><p>Hi</p></body></html>", p).unwrap(), Sniffed::Html);
        assert_eq!(sniff(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<html>", p).unwrap(), Sniffed::Html);
        assert_eq!(sniff(b"<!-- saved -->\n<html lang=en>", p).unwrap(), Sniffed::Html);
        assert_eq!(sniff(b"PK\x03\x04rest", p).unwrap(), Sniffed::Zip);
        assert_eq!(sniff(b"Once upon a <time>.", p).unwrap(), Sniffed::Text);
        assert_eq!(sniff(b"# Title\n\nText", Path::new("story.md")).unwrap(), Sniffed::Markdown);
        assert_eq!(sniff(b"Plain", Path::new("page.HTM")).unwrap(), Sniffed::Html);
    }

    #[test]
    fn unsupported_formats_name_their_converter() {
        let p = Path::new("book.bin");
        let pdf = sniff(b"%PDF-1.7\n...", p).unwrap_err().to_string();
        assert!(pdf.contains("a PDF") && pdf.contains("ebook-convert"), "{pdf}");
        let mut mobi = vec![0u8; 80];
        mobi[60..68].copy_from_slice(b"BOOKMOBI");
        let mobi = sniff(&mobi, p).unwrap_err().to_string();
        assert!(mobi.contains("MOBI") && mobi.contains("ebook-convert"), "{mobi}");
        assert!(!mobi.contains('\n'));
    }
}

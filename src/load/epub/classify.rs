//! Front and back matter: which documents of a book are not the story (title page, colophon,
//! copyright), which are kept as notes (dedication, epigraph, endnotes) and which are the story,
//! from the book's own landmarks or guide types and from the names of its documents.

use super::super::extract::simplify;

/// Names of documents that are not the story and are left out.
pub(super) const SKIP_NAMES: &[&str] = &[
    "cover",
    "title page",
    "titlepage",
    "title",
    "half title",
    "half title page",
    "copyright",
    "copyright page",
    "imprint",
    "colophon",
    "contents",
    "table of contents",
    "toc",
    "nav",
    "uncopyright",
    "index",
    "also by",
    "also by the author",
    "other books by",
    "by the same author",
    "about the publisher",
    "license",
    "the full project gutenberg license",
    "endnotes",
    "notes",
    "footnotes",
    "list of illustrations",
    "illustrations",
    "bibliography",
    "glossary",
];

/// Names of documents kept as notes.
pub(super) const NOTE_NAMES: &[&str] = &[
    "dedication",
    "epigraph",
    "acknowledgements",
    "acknowledgments",
    "foreword",
    "preface",
    "introduction",
    "about the author",
    "about the authors",
    "afterword",
    "author's note",
    "author\u{2019}s note",
    "authors note",
    "a note on the text",
    "note on the text",
    "translator's note",
    "translator\u{2019}s note",
    "editor's note",
    "editor\u{2019}s note",
    "appendix",
];

/// Landmark (EPUB 3) and guide (EPUB 2) types of documents left out, and of notes.
pub(super) const SKIP_TYPES: &[&str] = &[
    "cover",
    "titlepage",
    "title-page",
    "halftitlepage",
    "copyright-page",
    "imprint",
    "colophon",
    "toc",
    "loi",
    "lot",
    "index",
    "glossary",
    "bibliography",
    "endnotes",
    "notes",
    "other.ms-coverimage-standard",
];
pub(super) const NOTE_TYPES: &[&str] = &[
    "dedication",
    "epigraph",
    "acknowledgements",
    "acknowledgments",
    "foreword",
    "preface",
    "introduction",
    "afterword",
];

/// A document's role from its landmark or guide type and its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Classified {
    Skip,
    Note,
    Story,
}

/// What a document is, from its landmark type, its label in the table of contents, its
/// `<title>` and its file name; `None` when nothing says.
pub(super) fn classify(path: &str, label: &str, title: &str, kind: Option<&str>) -> Option<Classified> {
    if let Some(kind) = kind {
        if SKIP_TYPES.contains(&kind) {
            return Some(Classified::Skip);
        }
        if NOTE_TYPES.contains(&kind) {
            return Some(Classified::Note);
        }
        if matches!(kind, "bodymatter" | "text" | "start") {
            return Some(Classified::Story);
        }
    }
    let stem = path.rsplit('/').next().unwrap_or(path);
    let stem = stem.split('.').next().unwrap_or(stem);
    let stem = stem.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_' || c == '-').replace(['_', '-'], " ");
    for name in [simplify(label), simplify(title), simplify(&stem)] {
        if SKIP_NAMES.contains(&name.as_str()) {
            return Some(Classified::Skip);
        }
        if NOTE_NAMES.contains(&name.as_str()) {
            return Some(Classified::Note);
        }
    }
    None
}

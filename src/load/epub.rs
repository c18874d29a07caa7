//! EPUB 2 and 3: a zip holding a package document (metadata, manifest, spine) and XHTML
//! documents. The text is the spine's documents in reading order; chapters begin where the
//! table of contents (EPUB 3's navigation document, else EPUB 2's NCX) points, titled as it
//! titles them; what is not the story is told by the book's own semantics (`epub:type`,
//! landmarks, the EPUB 2 guide) and by the names of its documents ("Colophon", "Title Page").

mod classify;

use super::dom::{self, Element};
use super::extract::{Extract, Origin, Role};
use super::{ChapterStart, Cover, Format, Metadata, Text};
use crate::error::{Error, Result};
use classify::{Classified, classify};
use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};
use std::path::Path;

/// The largest file read from inside a book: a zip can claim any size.
const MAX_ENTRY_BYTES: u64 = 256 << 20;

/// Font obfuscation (IDPF's and Adobe's): not DRM, the text is readable.
const FONT_OBFUSCATION: &[&str] = &["http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"];

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

pub fn load(bytes: &[u8], path: &Path) -> Result<Text> {
    let bad = |reason: String| Error::BadEpub { path: path.to_path_buf(), reason };
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(format!("it is not a readable zip archive ({e})")))?;
    let Some(container) = read(&mut zip, "META-INF/container.xml") else {
        return Err(not_an_epub(&mut zip, path));
    };
    let container = xml(&container).map_err(|e| bad(format!("META-INF/container.xml is not valid XML ({e})")))?;
    let opf_path = container
        .find(&|e| e.name == "rootfile" && e.attr("full-path").is_some())
        .and_then(|e| e.attr("full-path"))
        .ok_or_else(|| bad("META-INF/container.xml names no package document".into()))?
        .to_string();
    let opf_bytes =
        read(&mut zip, &opf_path).ok_or_else(|| bad(format!("its package document {opf_path} is missing")))?;
    let opf = xml(&opf_bytes).map_err(|e| bad(format!("its package document {opf_path} is not valid XML ({e})")))?;
    let package = Package::read(&opf, &opf_path);
    check_drm(&mut zip, path, &package)?;
    let mut book = Book { zip, package, path };
    book.text()
}

/// A zip that is not an EPUB: say what it is when that is known.
fn not_an_epub(zip: &mut Zip<'_>, path: &Path) -> Error {
    let mimetype = read(zip, "mimetype").map(|m| String::from_utf8_lossy(&m).trim().to_string()).unwrap_or_default();
    if mimetype == "application/epub+zip" {
        return Error::BadEpub { path: path.to_path_buf(), reason: "it has no META-INF/container.xml".into() };
    }
    let unsupported = |what: &str, advice: &str| Error::Unsupported {
        path: path.to_path_buf(),
        what: what.to_string(),
        advice: advice.to_string(),
    };
    if zip.index_for_name("word/document.xml").is_some() {
        return unsupported(
            "a Word document",
            "convert it with pandoc (`pandoc story.docx -o story.html`) or Calibre (`ebook-convert story.docx story.epub`)",
        );
    }
    if mimetype.starts_with("application/vnd.oasis.opendocument.text") {
        return unsupported(
            "an OpenDocument text",
            "convert it with pandoc (`pandoc story.odt -o story.html`) or Calibre (`ebook-convert story.odt story.epub`)",
        );
    }
    Error::NotEpub { path: path.to_path_buf() }
}

/// Refuses a book whose documents are encrypted (fonts may be obfuscated: that is not DRM).
fn check_drm(zip: &mut Zip<'_>, path: &Path, package: &Package) -> Result<()> {
    let Some(encryption) = read(zip, "META-INF/encryption.xml") else { return Ok(()) };
    let Ok(encryption) = xml(&encryption) else { return Ok(()) };
    let mut data = Vec::new();
    encryption.find_all(&|e| e.name == "encrypteddata", &mut data);
    let encrypted: Vec<String> = data
        .iter()
        .filter(|d| {
            let algorithm = d.find(&|e| e.name == "encryptionmethod").and_then(|m| m.attr("Algorithm")).unwrap_or("");
            !FONT_OBFUSCATION.contains(&algorithm)
        })
        .filter_map(|d| d.find(&|e| e.name == "cipherreference").and_then(|c| c.attr("URI")))
        .map(|uri| percent_decode(uri.trim_start_matches('/')))
        .collect();
    let documents: HashSet<&str> =
        package.items.values().filter(|i| i.is_document()).map(|i| i.path.as_str()).collect();
    if !encrypted.iter().any(|e| documents.contains(e.as_str())) {
        return Ok(());
    }
    let scheme = if zip.index_for_name("META-INF/rights.xml").is_some() {
        "Adobe ADEPT"
    } else if zip.index_for_name("META-INF/sinf.xml").is_some() {
        "Apple FairPlay"
    } else if zip.index_for_name("META-INF/license.lcpl").is_some() {
        "Readium LCP"
    } else {
        "its documents are encrypted"
    };
    Err(Error::Drm { path: path.to_path_buf(), scheme: scheme.to_string() })
}

/// A manifest item.
#[derive(Debug, Clone)]
struct Item {
    /// Its path inside the zip.
    path: String,
    media_type: String,
    properties: String,
}

impl Item {
    fn is_document(&self) -> bool {
        matches!(self.media_type.as_str(), "application/xhtml+xml" | "text/html" | "application/xml" | "text/xml")
            || self.path.ends_with(".xhtml")
            || self.path.ends_with(".html")
            || self.path.ends_with(".htm")
    }
}

/// The package document, read.
struct Package {
    metadata: Metadata,
    cover_id: Option<String>,
    items: HashMap<String, Item>,
    /// Spine item ids, in reading order (linear ones only).
    spine: Vec<String>,
    /// The NCX's item id (EPUB 2).
    ncx: Option<String>,
    /// EPUB 2 guide: (type, path, fragment).
    guide: Vec<(String, String)>,
}

impl Package {
    fn read(opf: &Element, opf_path: &str) -> Package {
        let mut items = HashMap::new();
        let mut cover_id = None;
        if let Some(manifest) = opf.find(&|e| e.name == "manifest") {
            for item in manifest.elements().filter(|e| e.name == "item") {
                let (Some(id), Some(href)) = (item.attr("id"), item.attr("href")) else { continue };
                let properties = item.attr("properties").unwrap_or("").to_string();
                if properties.split_ascii_whitespace().any(|p| p == "cover-image") {
                    cover_id = Some(id.to_string());
                }
                let media_type = item.attr("media-type").unwrap_or("").to_string();
                items.insert(id.to_string(), Item { path: resolve(opf_path, href).0, media_type, properties });
            }
        }
        let spine_el = opf.find(&|e| e.name == "spine");
        let spine = spine_el
            .map(|s| {
                s.elements()
                    .filter(|e| e.name == "itemref" && e.attr("linear") != Some("no"))
                    .filter_map(|e| e.attr("idref").map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let ncx = spine_el.and_then(|s| s.attr("toc")).map(str::to_string).or_else(|| {
            items.iter().find(|(_, i)| i.media_type == "application/x-dtbncx+xml").map(|(id, _)| id.clone())
        });
        let mut guide = Vec::new();
        if let Some(g) = opf.find(&|e| e.name == "guide") {
            for r in g.elements().filter(|e| e.name == "reference") {
                if let (Some(kind), Some(href)) = (r.attr("type"), r.attr("href")) {
                    guide.push((kind.to_ascii_lowercase(), resolve(opf_path, href).0));
                }
            }
        }
        let metadata = opf.find(&|e| e.name == "metadata").map(package_metadata).unwrap_or_default();
        if cover_id.is_none() {
            // EPUB 2: <meta name="cover" content="item-id"/>.
            cover_id = opf
                .find(&|e| e.name == "meta" && e.attr("name") == Some("cover"))
                .and_then(|m| m.attr("content"))
                .map(str::to_string);
        }
        Package { metadata, cover_id, items, spine, ncx, guide }
    }

    fn nav(&self) -> Option<&Item> {
        self.items.values().find(|i| i.properties.split_ascii_whitespace().any(|p| p == "nav"))
    }
}

/// Title, authors and language of the package's `<metadata>`.
fn package_metadata(meta: &Element) -> Metadata {
    // EPUB 3 refines: <meta refines="#id" property="role|title-type">value</meta>.
    let mut refines: HashMap<(String, String), String> = HashMap::new();
    for m in meta.elements().filter(|e| e.name == "meta") {
        if let (Some(target), Some(property)) = (m.attr("refines"), m.attr("property")) {
            refines.insert((target.trim_start_matches('#').to_string(), property.to_string()), m.text());
        }
    }
    let refined = |e: &Element, property: &str| -> Option<String> {
        e.attr("id").and_then(|id| refines.get(&(id.to_string(), property.to_string()))).cloned()
    };
    let titles: Vec<&Element> = meta.elements().filter(|e| e.name == "title").collect();
    let title = titles
        .iter()
        .find(|t| refined(t, "title-type").as_deref() == Some("main"))
        .or(titles.first())
        .map(|t| t.text())
        .filter(|t| !t.is_empty());
    let creators: Vec<&Element> = meta.elements().filter(|e| e.name == "creator").collect();
    let role = |c: &Element| c.attr("role").map(str::to_string).or_else(|| refined(c, "role"));
    let authors: Vec<String> = if creators.iter().any(|c| role(c).is_some()) {
        creators.iter().filter(|c| role(c).as_deref() == Some("aut")).map(|c| c.text()).collect()
    } else {
        creators.iter().map(|c| c.text()).collect()
    };
    let authors: Vec<String> = authors.into_iter().filter(|a| !a.is_empty()).collect();
    let author = match authors.len() {
        0 => None,
        1 => Some(authors[0].clone()),
        n => Some(format!("{} and {}", authors[..n - 1].join(", "), authors[n - 1])),
    };
    let language = meta.elements().find(|e| e.name == "language").map(Element::text).filter(|l| !l.is_empty());
    Metadata { title, author, language, cover: None }
}

/// An entry of the table of contents.
#[derive(Debug, Clone)]
struct Entry {
    label: String,
    /// The document's path inside the zip, and the fragment.
    path: String,
    fragment: String,
    children: Vec<Entry>,
}

struct Book<'a> {
    zip: Zip<'a>,
    package: Package,
    path: &'a Path,
}

impl Book<'_> {
    fn bad(&self, reason: String) -> Error {
        Error::BadEpub { path: self.path.to_path_buf(), reason }
    }

    fn text(&mut self) -> Result<Text> {
        let toc = self.toc();
        let landmarks = self.landmarks();
        // A document's label is its own entry's (no fragment): an entry for a part of it ("Notes"
        // at the end of a chapter, "Contents" before the first) does not name all of it.
        let mut labels: HashMap<&str, &str> = HashMap::new();
        for e in flatten_all(&toc).filter(|e| e.fragment.is_empty()) {
            labels.entry(e.path.as_str()).or_insert(e.label.as_str());
        }
        let spine: Vec<Item> = self
            .package
            .spine
            .iter()
            .map(|id| {
                self.package.items.get(id).cloned().ok_or_else(|| {
                    self.bad(format!("its reading order names the item \"{id}\", which its manifest does not list"))
                })
            })
            .collect::<Result<_>>()?;
        if spine.is_empty() {
            return Err(self.bad("its reading order (spine) is empty".into()));
        }
        // Documents before the body's start (a `bodymatter` landmark, a `text` guide entry) are
        // front matter.
        let body_start = landmarks
            .iter()
            .find(|(kind, _)| kind == "bodymatter" || kind == "text" || kind == "start")
            .and_then(|(_, path)| spine.iter().position(|i| &i.path == path));
        let mut ex = Extract::default();
        let mut warnings = Vec::new();
        let mut encoding = super::Encoding::Utf8;
        for (n, item) in spine.iter().enumerate() {
            if !item.is_document() {
                continue;
            }
            let bytes = read(&mut self.zip, &item.path)
                .ok_or_else(|| self.bad(format!("its reading order lists {}, which is not in the file", item.path)))?;
            let (source, enc, w) = super::html::decode(&bytes);
            if enc != super::Encoding::Utf8 {
                encoding = enc;
            }
            warnings.extend(w.into_iter().map(|w| format!("{}: {w}", item.path)));
            let root = dom::parse_xhtml(&source);
            let kind = landmarks.iter().find(|(_, p)| p == &item.path).map(|(k, _)| k.as_str());
            let title = root.find(&|e| e.name == "title").map(Element::text).unwrap_or_default();
            let label = labels.get(item.path.as_str()).copied().unwrap_or("");
            let role = match classify(&item.path, label, &title, kind) {
                Some(Classified::Skip) => continue,
                Some(Classified::Note) => Role::Note,
                Some(Classified::Story) => Role::Story,
                None if body_start.is_some_and(|b| n < b) => Role::Note,
                None => Role::Story,
            };
            ex.add(&item.path, &root, Origin::Book, role);
        }
        if !ex.has_text() {
            return Err(Error::NoText {
                path: self.path.to_path_buf(),
                reason: "none of the EPUB's documents holds text (a book of images only?)".into(),
            });
        }
        let mut metadata = self.package.metadata.clone();
        metadata.cover = self.cover();
        let chapters = chapters(&ex, &toc);
        Ok(Text {
            text: ex.text,
            encoding,
            warnings,
            format: Format::Epub,
            metadata,
            documents: ex.documents,
            blocks: ex.blocks,
            chapters,
        })
    }

    fn cover(&mut self) -> Option<Cover> {
        let id = self.package.cover_id.clone()?;
        let item =
            self.package.items.get(&id).or_else(|| self.package.items.values().find(|i| i.path.ends_with(&id)))?;
        if !item.media_type.starts_with("image/") {
            return None;
        }
        let (path, media_type) = (item.path.clone(), item.media_type.clone());
        read(&mut self.zip, &path).map(|bytes| Cover { media_type, bytes })
    }

    /// The table of contents: the navigation document's `toc` nav, else the NCX.
    fn toc(&mut self) -> Vec<Entry> {
        if let Some(nav) = self.package.nav().cloned()
            && let Some(root) = read(&mut self.zip, &nav.path).map(|b| dom::parse_xhtml(&super::html::decode(&b).0))
            && let Some(toc) = root.find(&|e| e.name == "nav" && e.epub_types().any(|t| t == "toc"))
            && let Some(list) = toc.find(&|e| e.name == "ol")
        {
            let entries = nav_entries(list, &nav.path);
            if !entries.is_empty() {
                return entries;
            }
        }
        let Some(ncx) = self.package.ncx.as_ref().and_then(|id| self.package.items.get(id)).cloned() else {
            return Vec::new();
        };
        let Some(root) = read(&mut self.zip, &ncx.path).and_then(|b| xml(&b).ok()) else { return Vec::new() };
        root.find(&|e| e.name == "navmap").map(|m| ncx_entries(m, &ncx.path)).unwrap_or_default()
    }

    /// (type, document path) of the landmarks nav (EPUB 3) and the guide (EPUB 2).
    fn landmarks(&mut self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(nav) = self.package.nav().cloned()
            && let Some(root) = read(&mut self.zip, &nav.path).map(|b| dom::parse_xhtml(&super::html::decode(&b).0))
            && let Some(landmarks) = root.find(&|e| e.name == "nav" && e.epub_types().any(|t| t == "landmarks"))
        {
            let mut links = Vec::new();
            landmarks.find_all(&|e| e.name == "a", &mut links);
            for a in links {
                if let Some(href) = a.attr("href") {
                    for kind in a.epub_types() {
                        out.push((kind.to_string(), resolve(&nav.path, href).0));
                    }
                }
            }
        }
        out.extend(self.package.guide.iter().cloned());
        out
    }
}

/// The entries of a navigation document's `<ol>`.
fn nav_entries(list: &Element, base: &str) -> Vec<Entry> {
    list.elements()
        .filter(|e| e.name == "li")
        .filter_map(|li| {
            let link = li.elements().find(|e| e.name == "a" || e.name == "span")?;
            let (path, fragment) = link.attr("href").map(|h| resolve(base, h)).unwrap_or_default();
            let children = li.elements().find(|e| e.name == "ol").map(|ol| nav_entries(ol, base)).unwrap_or_default();
            Some(Entry { label: link.text(), path, fragment, children })
        })
        .collect()
}

/// The entries of an NCX `navMap` or `navPoint`.
fn ncx_entries(parent: &Element, base: &str) -> Vec<Entry> {
    parent
        .elements()
        .filter(|e| e.name == "navpoint")
        .map(|p| {
            let label = p.find(&|e| e.name == "navlabel").map(Element::text).unwrap_or_default();
            let (path, fragment) = p
                .find(&|e| e.name == "content")
                .and_then(|c| c.attr("src"))
                .map(|s| resolve(base, s))
                .unwrap_or_default();
            Entry { label, path, fragment, children: ncx_entries(p, base) }
        })
        .collect()
}

fn flatten_all(entries: &[Entry]) -> Box<dyn Iterator<Item = &Entry> + '_> {
    Box::new(entries.iter().flat_map(|e| std::iter::once(e).chain(flatten_all(&e.children))))
}

/// The entries that start chapters: an entry whose children point into two documents or more
/// (a part of several chapter files) gives way to them; sections within one document stay in
/// their chapter.
fn chapter_entries(entries: &[Entry]) -> Vec<&Entry> {
    let mut out = Vec::new();
    for e in entries {
        out.push(e);
        let docs: HashSet<&str> = e.children.iter().map(|c| c.path.as_str()).collect();
        if docs.len() >= 2 || entries.len() == 1 && !e.children.is_empty() {
            out.extend(chapter_entries(&e.children));
        }
    }
    out
}

/// Chapter starts from the table of contents, else one per document, else from headings.
fn chapters(ex: &Extract, toc: &[Entry]) -> Vec<ChapterStart> {
    let mut starts: Vec<ChapterStart> = chapter_entries(toc)
        .into_iter()
        .filter_map(|e| {
            let doc = ex.documents.iter().find(|d| d.name == e.path)?;
            let at = *ex
                .anchors
                .get(&(e.path.clone(), e.fragment.clone()))
                .or_else(|| ex.anchors.get(&(e.path.clone(), String::new())))?;
            (at >= doc.span.start && at < doc.span.end)
                .then(|| ChapterStart { at, title: Some(e.label.clone()).filter(|l| !l.is_empty()) })
        })
        .collect();
    starts.sort_by_key(|s| s.at);
    starts.dedup_by_key(|s| s.at);
    if starts.len() >= 2 {
        return starts;
    }
    if ex.documents.len() >= 2 {
        return ex.documents.iter().map(|d| ChapterStart { at: d.span.start, title: None }).collect();
    }
    super::html::chapters(ex)
}

/// Reads a file of the zip, if it is there.
fn read(zip: &mut Zip<'_>, name: &str) -> Option<Vec<u8>> {
    let file = zip.by_name(name).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_ENTRY_BYTES).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn xml(bytes: &[u8]) -> std::result::Result<Element, String> {
    let (text, _, _) = super::text::to_string(bytes);
    dom::parse_xml(&text).map_err(|e| e.to_string())
}

/// A relative URL against the document it appears in: the path inside the zip and the fragment.
fn resolve(base_file: &str, href: &str) -> (String, String) {
    let (path, fragment) = href.split_once('#').unwrap_or((href, ""));
    let path = percent_decode(path);
    let mut parts: Vec<&str> = if path.is_empty() {
        base_file.split('/').collect()
    } else {
        let mut dir: Vec<&str> = base_file.split('/').collect();
        dir.pop();
        dir.extend(path.split('/'));
        dir
    };
    let mut out: Vec<&str> = Vec::new();
    for p in parts.drain(..) {
        match p {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    (out.join("/"), percent_decode(fragment))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links() {
        assert_eq!(resolve("OEBPS/content.opf", "text/ch%201.xhtml#s2"), ("OEBPS/text/ch 1.xhtml".into(), "s2".into()));
        assert_eq!(resolve("OEBPS/text/nav.xhtml", "../text/a.xhtml"), ("OEBPS/text/a.xhtml".into(), String::new()));
        assert_eq!(resolve("a.opf", "b.xhtml"), ("b.xhtml".into(), String::new()));
        assert_eq!(resolve("OEBPS/t/c.xhtml", "#x"), ("OEBPS/t/c.xhtml".into(), "x".into()));
    }

    #[test]
    fn documents_by_name() {
        assert_eq!(classify("OEBPS/colophon.xhtml", "", "", None), Some(Classified::Skip));
        assert_eq!(classify("OEBPS/x.xhtml", "Dedication", "", None), Some(Classified::Note));
        assert_eq!(classify("OEBPS/ch01.xhtml", "Chapter One", "", None), None);
        assert_eq!(classify("OEBPS/ch01.xhtml", "", "", Some("copyright-page")), Some(Classified::Skip));
        assert_eq!(classify("OEBPS/index_split_003.html", "", "", None), None);
    }
}

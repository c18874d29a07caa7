//! From document trees to the extracted text: each paragraph on one line, a blank line between
//! paragraphs, and for each paragraph its role. What is not the story is decided here, from the
//! document's own semantics where it has them (EPUB 3's `epub:type`, ARIA roles) and from
//! general cues otherwise (navigation, link lists, page numbers, footnote markers, the layouts of
//! AO3, FanFiction.net and Project Gutenberg pages):
//! - left out: title pages, imprints, copyright pages, colophons, tables of contents, indexes,
//!   endnotes and footnotes with their markers, page numbers, AO3's tags, stats and messages;
//! - kept as notes: dedications, epigraphs, forewords, prefaces, acknowledgements, AO3's
//!   summaries and notes, and front or back matter without a finer name.

use super::dom::{Element, Node};
use super::{Block, BlockRole, Document};
use crate::script::Span;
use std::collections::HashMap;

/// What a part of a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Story,
    Note,
}

/// Where a document comes from: a book's documents keep their `<header>` and `<aside>`, which
/// on a web page hold the site's furniture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Book,
    Web,
}

/// A heading block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// Index into [`Extract::blocks`].
    pub block: usize,
    /// 1 to 6.
    pub level: u8,
    pub text: String,
    /// The layout says a chapter starts here (AO3's chapter titles).
    pub chapter: bool,
}

/// The text extracted from one or more documents.
#[derive(Debug, Default)]
pub struct Extract {
    pub text: String,
    pub blocks: Vec<Block>,
    pub headings: Vec<Heading>,
    /// (document, element id) to the offset of the first block at or after that element; the
    /// empty id stands for the document's start.
    pub anchors: HashMap<(String, String), usize>,
    pub documents: Vec<Document>,
    /// Anchors waiting for the next block.
    pending: Vec<(String, String)>,
}

impl Extract {
    /// Extracts one document (the tree from its `<html>` element), its text appended to what is
    /// there; `role` is what the document is as a whole.
    pub fn add(&mut self, name: &str, root: &Element, origin: Origin, role: Role) {
        let ao3 = root.find(&|e| matches!(e.id(), Some("preface" | "afterword" | "chapters"))).is_some()
            && root.find(&|e| e.has_class("userstuff")).is_some();
        // FanFiction.net: the story is the one `#storytext`; an AO3 work page as a browser saves
        // it: `#workskin`; the rest of the page is the site.
        let start = root
            .find(&|e| matches!(e.id(), Some("storytext" | "workskin")))
            .or_else(|| root.find(&|e| e.name == "body"))
            .unwrap_or(root);
        let first_block = self.blocks.len();
        self.pending.push((name.to_string(), String::new()));
        let mut walker = Walker {
            out: self,
            doc: name,
            origin,
            ao3,
            para: String::new(),
            para_role: None,
            para_kind: Kind::Paragraph,
            pre: 0,
            scene_break: false,
            pushed: 0,
        };
        let ctx = Ctx {
            role,
            ao3_meta: false,
            ao3_chapters: false,
            ao3_module: false,
            userstuff: false,
            chapter_heading: false,
        };
        walker.element(start, ctx);
        walker.flush();
        if self.blocks.len() > first_block {
            let span = Span::new(self.blocks[first_block].span.start, self.text.len());
            self.documents.push(Document { name: name.to_string(), span });
        }
    }

    /// Appends a block; gives its index.
    fn push(&mut self, text: &str, role: BlockRole) -> usize {
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        let start = self.text.len();
        self.text.push_str(text);
        for key in self.pending.drain(..) {
            self.anchors.entry(key).or_insert(start);
        }
        self.blocks.push(Block { span: Span::new(start, self.text.len()), role });
        self.blocks.len() - 1
    }

    /// Whether any block holds words of the story or notes.
    pub fn has_text(&self) -> bool {
        self.blocks
            .iter()
            .any(|b| b.role != BlockRole::SceneBreak && self.text[b.span.range()].chars().any(char::is_alphanumeric))
    }
}

/// What the paragraph being collected is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Paragraph,
    Heading { level: u8, chapter: bool },
}

/// What is known about an element from its ancestors.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    role: Role,
    /// Inside AO3's preface, afterword or a chapter's meta block.
    ao3_meta: bool,
    /// Inside AO3's `#chapters`.
    ao3_chapters: bool,
    /// Inside one of AO3's modules (a summary, notes: their headings are labels).
    ao3_module: bool,
    /// Inside AO3's `.userstuff` (what the author wrote).
    userstuff: bool,
    chapter_heading: bool,
}

struct Walker<'a> {
    out: &'a mut Extract,
    doc: &'a str,
    origin: Origin,
    ao3: bool,
    para: String,
    para_role: Option<Role>,
    para_kind: Kind,
    /// Depth of `<pre>` elements.
    pre: usize,
    /// A scene break seen since the last story paragraph.
    scene_break: bool,
    /// Blocks added from this document.
    pushed: usize,
}

/// Elements never read.
const NEVER: &[&str] = &[
    "head", "script", "style", "template", "noscript", "iframe", "object", "embed", "audio", "video", "canvas", "form",
    "button", "select", "input", "textarea", "nav", "svg", "math", "img", "picture", "map", "rt", "rp",
];

/// Block-level elements: each starts and ends a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "td",
    "th",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "figure",
    "figcaption",
    "header",
    "footer",
    "aside",
    "main",
    "address",
    "body",
    "center",
    "details",
    "summary",
    "hgroup",
    "html",
    "fieldset",
    "legend",
];

/// `epub:type` and `role="doc-*"` names of what is left out.
const SKIP_SEMANTICS: &[&str] = &[
    "cover",
    "titlepage",
    "halftitlepage",
    "seriespage",
    "imprint",
    "colophon",
    "copyright-page",
    "toc",
    "toc-brief",
    "landmarks",
    "loi",
    "lot",
    "loa",
    "lov",
    "page-list",
    "pagelist",
    "pagebreak",
    "index",
    "endnotes",
    "endnote",
    "rearnotes",
    "rearnote",
    "footnotes",
    "footnote",
    "noteref",
    "biblioentry",
    "bibliography",
    "glossary",
    "other-credits",
    "credits",
    "contributors",
    "errata",
    "revision-history",
    "backlink",
];

/// `epub:type` and `role="doc-*"` names of notes: not the story, but the author's words.
const NOTE_SEMANTICS: &[&str] = &[
    "dedication",
    "epigraph",
    "acknowledgments",
    "acknowledgements",
    "foreword",
    "preface",
    "introduction",
    "afterword",
    "appendix",
    "preamble",
    "notice",
];

/// Divisions: weaker than the names above (a `frontmatter` body may hold a `prologue`).
const NOTE_DIVISIONS: &[&str] = &["frontmatter", "backmatter"];
const STORY_SEMANTICS: &[&str] =
    &["bodymatter", "chapter", "part", "division", "volume", "prologue", "epilogue", "conclusion", "subchapter"];

/// Classes of page furniture: page numbers, footnote markers, tables of contents.
const SKIP_CLASSES: &[&str] = &[
    "pagenum",
    "pageno",
    "page-number",
    "pagenumber",
    "toc",
    "table-of-contents",
    "footnote",
    "footnotes",
    "fnanchor",
    "noteref",
    "footnote-ref",
    "footnote-anchor",
    "endnotes",
    "pg-boilerplate",
];

/// Ids of Project Gutenberg's header and licence.
const SKIP_IDS: &[&str] = &["pg-header", "pg-footer", "pg-machine-header", "pg-start-separator", "pg-end-separator"];

/// Heading texts of what is left out.
const SKIP_HEADINGS: &[&str] = &["contents", "table of contents", "index"];

impl Walker<'_> {
    fn element(&mut self, el: &Element, ctx: Ctx) {
        let Some(ctx) = self.decide(el, ctx) else { return };
        if let Some(id) = el.id() {
            self.out.pending.push((self.doc.to_string(), id.to_string()));
        }
        let name = el.name.as_str();
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                let level = name.as_bytes()[1] - b'0';
                self.para_kind = Kind::Heading { level, chapter: ctx.chapter_heading };
                self.children(el, ctx);
                self.flush();
            }
            "br" => self.line_break(),
            "hr" => {
                self.flush();
                if ctx.role == Role::Story {
                    self.scene_break = true;
                }
            }
            "pre" => {
                self.flush();
                self.pre += 1;
                self.children(el, ctx);
                self.pre -= 1;
                self.flush();
            }
            _ if BLOCKS.contains(&name) => {
                self.flush();
                self.children(el, ctx);
                self.flush();
            }
            _ => self.children(el, ctx),
        }
    }

    fn children(&mut self, el: &Element, ctx: Ctx) {
        for child in &el.children {
            match child {
                Node::Element(e) => self.element(e, ctx),
                Node::Text(t) => self.text(t, ctx.role),
            }
        }
    }

    /// Whether an element is read, and as what; `None` leaves it out with all it holds.
    fn decide(&self, el: &Element, mut ctx: Ctx) -> Option<Ctx> {
        let name = el.name.as_str();
        if NEVER.contains(&name) || is_hidden(el) {
            return None;
        }
        ctx.role = semantic_role(el).unwrap_or(Some(ctx.role))?;
        if el.attr("class").is_some_and(|_| SKIP_CLASSES.iter().any(|c| el.has_class(c)))
            || el.id().is_some_and(|id| SKIP_IDS.contains(&id))
        {
            return None;
        }
        // Project Gutenberg's header or licence in a `<pre>`; a whole book in one is kept (the
        // segmenter knows its start and end markers).
        if name == "pre" && el.text().contains("Project Gutenberg") && el.text().len() < 40_000 {
            return None;
        }
        if is_note_marker(el) || is_link_list(el) {
            return None;
        }
        if is_heading(name) && SKIP_HEADINGS.contains(&simplify(&el.text()).as_str()) {
            return None;
        }
        match (self.origin, name) {
            (Origin::Web, "aside" | "footer") => return None,
            (Origin::Web, "header") if el.find(&|e| is_heading(&e.name)).is_none() => return None,
            (Origin::Book, "aside") => ctx.role = Role::Note,
            _ => {}
        }
        if self.ao3 {
            return self.ao3(el, ctx);
        }
        Some(ctx)
    }

    /// AO3's layouts. A download: a preface (tags, stats, title, summary, notes), the chapters
    /// (each with a meta block of title and notes, then the text, then end notes), an
    /// afterword. A work page: the same parts as `.preface` blocks and modules in `#workskin`,
    /// with a hidden "Chapter Text" landmark before each chapter's text.
    fn ao3(&self, el: &Element, mut ctx: Ctx) -> Option<Ctx> {
        let name = el.name.as_str();
        match el.id() {
            Some("preface" | "afterword") => {
                ctx.role = Role::Note;
                ctx.ao3_meta = true;
            }
            Some("chapters") => ctx.ao3_chapters = true,
            _ => {}
        }
        if el.has_class("toc-heading") || el.has_class("endnote-link") || el.has_class("landmark") {
            return None;
        }
        if !ctx.userstuff {
            if el.has_class("message") || name == "dl" || ctx.ao3_meta && name == "ul" {
                return None;
            }
            // "(See the end of the chapter for notes.)"
            if ctx.ao3_meta && name == "p" && el.text().starts_with("(See the end") {
                return None;
            }
            if el.has_class("meta") || el.has_class("preface") {
                ctx.role = Role::Note;
                ctx.ao3_meta = true;
            }
            if el.has_class("module") {
                ctx.ao3_module = true;
            }
            // `#chapters` carries the class too, around the chapters' meta blocks.
            if el.has_class("userstuff") && el.id() != Some("chapters") {
                ctx.userstuff = true;
                if !ctx.ao3_meta {
                    ctx.role = Role::Story;
                }
            }
            let title = el.has_class("title") || el.has_class("heading") && !el.has_class("byline");
            if ctx.ao3_chapters && ctx.ao3_meta && !ctx.ao3_module && is_heading(name) && title {
                ctx.role = Role::Story;
                ctx.chapter_heading = true;
            }
        }
        Some(ctx)
    }

    fn text(&mut self, s: &str, role: Role) {
        for c in s.chars() {
            if matches!(c, '\u{AD}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}') {
                continue;
            }
            if self.pre > 0 && c == '\n' {
                if self.para.ends_with('\n') {
                    self.flush();
                } else {
                    self.line_break();
                }
            } else if c.is_whitespace() {
                if !self.para.is_empty() && !self.para.ends_with([' ', '\n']) {
                    self.para.push(' ');
                }
            } else {
                if self.para_role.is_none() {
                    self.para_role = Some(role);
                }
                self.para.push(c);
            }
        }
    }

    fn line_break(&mut self) {
        let kept = self.para.trim_end_matches(' ').len();
        self.para.truncate(kept);
        if !self.para.is_empty() && !self.para.ends_with('\n') {
            self.para.push('\n');
        }
    }

    /// Ends the paragraph being collected, and adds it unless it is empty.
    fn flush(&mut self) {
        let kind = std::mem::replace(&mut self.para_kind, Kind::Paragraph);
        let role = self.para_role.take();
        let para = std::mem::take(&mut self.para);
        let lines: Vec<&str> = para.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect();
        let text = lines.join("\n");
        let Some(role) = role else { return };
        if text.is_empty() {
            return;
        }
        let block_role = match (role, kind) {
            (Role::Note, _) => BlockRole::Note,
            (Role::Story, Kind::Heading { .. }) => BlockRole::Heading,
            (Role::Story, Kind::Paragraph) => BlockRole::Paragraph,
        };
        // A scene break between two paragraphs of this document; none at its edges.
        if role == Role::Story && std::mem::take(&mut self.scene_break) && self.pushed > 0 {
            self.out.push("* * *", BlockRole::SceneBreak);
        }
        let index = self.out.push(&text, block_role);
        self.pushed += 1;
        if let (Kind::Heading { level, chapter }, BlockRole::Heading) = (kind, block_role) {
            self.out.headings.push(Heading { block: index, level, text: lines.join(" "), chapter });
        }
    }
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// Hidden by attribute or inline style.
fn is_hidden(el: &Element) -> bool {
    if el.attr("hidden").is_some() || el.attr("aria-hidden") == Some("true") {
        return true;
    }
    el.attr("style").is_some_and(|s| {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

/// What `epub:type` or an ARIA role says: `Some(None)` leaves the element out, `Some(Some(r))`
/// makes it `r`, `None` says nothing.
fn semantic_role(el: &Element) -> Option<Option<Role>> {
    let aria = el.attr("role").unwrap_or("");
    if matches!(aria, "navigation" | "banner" | "contentinfo" | "search" | "complementary") {
        return Some(None);
    }
    let names: Vec<&str> =
        el.epub_types().chain(aria.split_ascii_whitespace().filter_map(|r| r.strip_prefix("doc-"))).collect();
    if names.iter().any(|n| SKIP_SEMANTICS.contains(n)) {
        return Some(None);
    }
    if names.iter().any(|n| NOTE_SEMANTICS.contains(n)) {
        return Some(Some(Role::Note));
    }
    if names.iter().any(|n| STORY_SEMANTICS.contains(n)) {
        return Some(Some(Role::Story));
    }
    if names.iter().any(|n| NOTE_DIVISIONS.contains(n)) {
        return Some(Some(Role::Note));
    }
    None
}

/// A footnote marker: a link to a note whose text is a number or a symbol (`1`, `[12]`, `*`, `†`).
fn is_note_marker(el: &Element) -> bool {
    if el.name != "a" || !el.attr("href").is_some_and(|h| h.contains('#')) {
        return false;
    }
    let text = el.text();
    let core = text.trim_matches(|c| matches!(c, '[' | ']' | '(' | ')'));
    !core.is_empty()
        && core.chars().count() <= 4
        && core.chars().all(|c| c.is_ascii_digit() || matches!(c, '*' | '\u{2020}' | '\u{2021}' | '\u{A7}' | '\u{B6}'))
}

/// A table of contents or a site's menu: a container whose text is mostly links (three or more),
/// or a paragraph that is one link within the book (`<p><a href="#ch1">Chapter I</a></p>`).
fn is_link_list(el: &Element) -> bool {
    let container = matches!(el.name.as_str(), "ul" | "ol" | "table" | "dl" | "div" | "section");
    let line = matches!(el.name.as_str(), "p" | "li" | "td");
    if !container && !line {
        return false;
    }
    let mut stats = LinkStats::default();
    stats.count(el, false);
    if stats.text == 0 || stats.links == 0 {
        return false;
    }
    let share = stats.linked as f64 / stats.text as f64;
    (container && stats.links >= 3 && share >= 0.7) || (line && stats.internal > 0 && share >= 0.9)
}

#[derive(Default)]
struct LinkStats {
    /// Non-blank characters.
    text: usize,
    /// Non-blank characters inside links.
    linked: usize,
    links: usize,
    /// Links within the book or page.
    internal: usize,
}

impl LinkStats {
    fn count(&mut self, el: &Element, in_link: bool) {
        let href = if el.name == "a" { el.attr("href") } else { None };
        if let Some(h) = href {
            self.links += 1;
            if !h.contains("://") && !h.starts_with("mailto:") {
                self.internal += 1;
            }
        }
        let in_link = in_link || href.is_some();
        for c in &el.children {
            match c {
                Node::Text(t) => {
                    let n = t.chars().filter(|c| !c.is_whitespace()).count();
                    self.text += n;
                    if in_link {
                        self.linked += n;
                    }
                }
                Node::Element(e) => self.count(e, in_link),
            }
        }
    }
}

/// Lowercase letters and single spaces: `"Table of  Contents."` -> `"table of contents"`.
pub fn simplify(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '\u{2019}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::dom::parse_html;

    fn extract(html: &str, origin: Origin) -> Extract {
        let mut ex = Extract::default();
        ex.add("page.html", &parse_html(html), origin, Role::Story);
        ex
    }

    fn blocks(ex: &Extract) -> Vec<(BlockRole, &str)> {
        ex.blocks.iter().map(|b| (b.role, &ex.text[b.span.range()])).collect()
    }

    #[test]
    fn paragraphs_lines_and_headings() {
        let ex = extract(
            "<body><h1>Title</h1><p>One  <em>two</em>\n three.</p><p>Line<br/>  next</p><hr/><p>After.</p></body>",
            Origin::Web,
        );
        assert_eq!(ex.text, "Title\n\nOne two three.\n\nLine\nnext\n\n* * *\n\nAfter.");
        assert_eq!(ex.blocks[0].role, BlockRole::Heading);
        assert_eq!(ex.blocks[3].role, BlockRole::SceneBreak);
        assert_eq!(ex.headings[0].level, 1);
    }

    #[test]
    fn furniture_is_left_out() {
        let html = r##"<body><nav><a href="/">Home</a></nav><header><a href="/">Site</a></header>
            <p>Story<a href="#fn1" class="x">1</a> goes on<span class="pagenum">[Pg 7]</span>.</p>
            <ul><li><a href="#c1">One</a></li><li><a href="#c2">Two</a></li><li><a href="#c3">Three</a></li></ul>
            <p><a href="#c1">CHAPTER I</a></p><h2>Contents</h2><script>var x;</script>
            <aside>Ads</aside><footer>Footer</footer><div hidden>secret</div></body>"##;
        assert_eq!(extract(html, Origin::Web).text, "Story goes on.");
    }

    #[test]
    fn epub_semantics() {
        let html = r#"<body epub:type="frontmatter"><section epub:type="dedication"><p>For Ann.</p></section>
            <section epub:type="imprint"><p>Published by us.</p></section>
            <section epub:type="chapter"><p>Story<a epub:type="noteref" href="n.xhtml#n1">12</a>.</p></section></body>"#;
        let ex = extract(html, Origin::Book);
        assert_eq!(blocks(&ex), [(BlockRole::Note, "For Ann."), (BlockRole::Paragraph, "Story.")]);
    }

    #[test]
    fn anchors_point_at_the_next_block() {
        let ex = extract(r#"<body><p>A</p><section id="s2"><h2>Two</h2><p>B</p></section></body>"#, Origin::Book);
        assert_eq!(ex.anchors[&("page.html".to_string(), "s2".to_string())], 3);
        assert_eq!(ex.anchors[&("page.html".to_string(), String::new())], 0);
    }
}

//! A small owned document tree, made by a real parser: XHTML through `roxmltree` (an EPUB's
//! documents are XML), HTML through `scraper` (html5ever, the HTML5 parsing algorithm). The
//! extractor walks this one tree whichever parser made it.
//!
//! ```
//! use audiobook::load::dom;
//! let root = dom::parse_html("<p class='a b' id=x>Hello <i>there</i></p>");
//! let p = root.find(&|e| e.name == "p").unwrap();
//! assert!(p.has_class("b") && p.id() == Some("x"));
//! assert_eq!(p.text(), "Hello there");
//! ```

/// A node: an element or text.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An element: its lowercase local name, its attributes (`epub:type` and `xml:lang` keep their
/// prefixes, whichever parser read them), and its children.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

const OPS_NS: &str = "http://www.idpf.org/2007/ops";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn id(&self) -> Option<&str> {
        self.attr("id")
    }

    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class").is_some_and(|c| c.split_ascii_whitespace().any(|t| t.eq_ignore_ascii_case(class)))
    }

    /// The tokens of `epub:type` (EPUB 3's structural semantics).
    pub fn epub_types(&self) -> impl Iterator<Item = &str> {
        self.attr("epub:type").unwrap_or("").split_ascii_whitespace()
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|c| match c {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first element, depth first (this one included), for which `pred` holds.
    pub fn find(&self, pred: &dyn Fn(&Element) -> bool) -> Option<&Element> {
        if pred(self) {
            return Some(self);
        }
        self.elements().find_map(|e| e.find(pred))
    }

    /// Every element, depth first (this one included), for which `pred` holds.
    pub fn find_all<'a>(&'a self, pred: &dyn Fn(&Element) -> bool, out: &mut Vec<&'a Element>) {
        if pred(self) {
            out.push(self);
        }
        for e in self.elements() {
            e.find_all(pred, out);
        }
    }

    /// All the text inside, white space collapsed to single spaces.
    pub fn text(&self) -> String {
        let mut raw = String::new();
        self.collect_text(&mut raw);
        raw.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn collect_text(&self, out: &mut String) {
        for c in &self.children {
            match c {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) if matches!(e.name.as_str(), "script" | "style" | "head") => {}
                Node::Element(e) => {
                    if e.name == "br" {
                        out.push(' ');
                    }
                    e.collect_text(out);
                }
            }
        }
    }
}

/// Parses HTML as a browser does; gives the `<html>` element.
pub fn parse_html(source: &str) -> Element {
    let doc = scraper::Html::parse_document(source);
    let mut root = Element { name: "#document".into(), ..Element::default() };
    for child in doc.tree.root().children() {
        if let Some(node) = from_scraper(child) {
            root.children.push(node);
        }
    }
    match root.children.iter().position(|c| matches!(c, Node::Element(e) if e.name == "html")) {
        Some(i) => match root.children.swap_remove(i) {
            Node::Element(html) => html,
            Node::Text(_) => unreachable!("the position of an element"),
        },
        None => root,
    }
}

fn from_scraper(node: ego_tree::NodeRef<'_, scraper::Node>) -> Option<Node> {
    match node.value() {
        scraper::Node::Text(t) => Some(Node::Text(t.to_string())),
        scraper::Node::Element(e) => {
            let name = e.name().to_ascii_lowercase();
            let attrs = e.attrs().map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
            let children = node.children().filter_map(from_scraper).collect();
            Some(Node::Element(Element { name, attrs, children }))
        }
        _ => None,
    }
}

/// Parses XHTML as XML, which it is; a document that is not well-formed XML (an HTML entity
/// such as `&nbsp;` that only an external DTD defines, a stray `&`) is parsed as HTML instead.
pub fn parse_xhtml(source: &str) -> Element {
    parse_xml(source).unwrap_or_else(|_| parse_html(source))
}

/// Parses XML; gives the root element.
pub fn parse_xml(source: &str) -> Result<Element, roxmltree::Error> {
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..roxmltree::ParsingOptions::default() };
    let doc = roxmltree::Document::parse_with_options(source, options)?;
    Ok(from_xml(doc.root_element()))
}

fn from_xml(node: roxmltree::Node<'_, '_>) -> Element {
    let attrs = node
        .attributes()
        .map(|a| {
            let name = match a.namespace() {
                Some(OPS_NS) => format!("epub:{}", a.name()),
                Some(XML_NS) => format!("xml:{}", a.name()),
                _ => a.name().to_string(),
            };
            (name, a.value().to_string())
        })
        .collect();
    let children = node
        .children()
        .filter_map(|c| {
            if c.is_element() {
                Some(Node::Element(from_xml(c)))
            } else if c.is_text() {
                c.text().map(|t| Node::Text(t.to_string()))
            } else {
                None
            }
        })
        .collect();
    Element { name: node.tag_name().name().to_ascii_lowercase(), attrs, children }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xhtml_and_html_give_the_same_tree() {
        let xhtml = r#"<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>T</title></head><body epub:type="bodymatter"><p xml:lang="fr">Un <a id="n"/>deux</p></body></html>"#;
        let x = parse_xhtml(xhtml);
        let body = x.find(&|e| e.name == "body").unwrap();
        assert_eq!(body.epub_types().collect::<Vec<_>>(), ["bodymatter"]);
        let p = x.find(&|e| e.name == "p").unwrap();
        assert_eq!(p.attr("xml:lang"), Some("fr"));
        assert_eq!(p.text(), "Un deux");
        // A self-closed anchor is empty in XML; HTML would have put "deux" inside it.
        assert!(p.find(&|e| e.name == "a").unwrap().children.is_empty());
        let h = parse_html(r#"<body epub:type="bodymatter"><p>Un deux</p></body>"#);
        let body = h.find(&|e| e.name == "body").unwrap();
        assert_eq!(body.epub_types().collect::<Vec<_>>(), ["bodymatter"]);
    }

    #[test]
    fn html_entities_fall_back_to_the_html_parser() {
        let x = parse_xhtml("<html><body><p>A&nbsp;B &amp; C</p></body></html>");
        assert_eq!(x.find(&|e| e.name == "p").unwrap().text(), "A B & C");
    }
}

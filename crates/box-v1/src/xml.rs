//! A small, lenient XML element tree for v1 response envelopes and the small
//! payloads (friends, updates, tags, file info).
//!
//! Lenient where it is safe, because the real service (and its reference) was
//! sloppy: a UTF-8 BOM and whitespace before the prolog are skipped, a closing
//! tag closes any elements left open inside it (the reference's unclosed
//! `<folders>`), and text that is not valid XML escaping (a raw `&` in a URL)
//! is kept as written. Strict where guessing would be unsafe: a closing tag
//! matching no open element, text outside the root and a document that ends
//! inside an element are [`Error::Decode`] errors naming the byte offset,
//! and so is nesting deeper than [`MAX_DEPTH`] (a hostile answer of nested
//! tags would otherwise build a tree whose recursive drop overflows the stack).
//!
//! The account tree is never built with this module: see [`crate::tree`].

use box_core::{Error, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::Serialize;

/// One XML element: its name, attributes, text and children.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Element {
    /// The element's name.
    pub name: String,
    /// Attributes in document order.
    pub attrs: Vec<(String, String)>,
    /// The concatenated text content, untrimmed.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child named `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Strips a UTF-8 BOM and leading whitespace; returns how many bytes were skipped.
pub(crate) fn skip_preamble(input: &[u8]) -> usize {
    let mut i = 0;
    if input.starts_with(&[0xEF, 0xBB, 0xBF]) {
        i = 3;
    }
    while i < input.len() && input[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Attribute list of a start tag, unescaped where possible, raw otherwise.
pub(crate) fn attributes(e: &BytesStart<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for a in e.attributes().with_checks(false).flatten() {
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = match a.unescape_value() {
            Ok(v) => v.into_owned(),
            Err(_) => String::from_utf8_lossy(&a.value).into_owned(),
        };
        out.push((key, value));
    }
    out
}

/// Text of a text event, unescaped where possible, raw otherwise.
pub(crate) fn text_of(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    match quick_xml::escape::unescape(&s) {
        Ok(u) => u.into_owned(),
        Err(_) => s.into_owned(),
    }
}

/// The deepest element nesting this parser accepts. v1 envelopes and
/// their small payloads nest a handful of levels.
pub const MAX_DEPTH: usize = 256;

/// The result of [`parse_document`].
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The root element (children after a stop point are absent).
    pub root: Element,
    /// Byte offset just after the start tag of the element parsing stopped at.
    pub stopped_at: Option<usize>,
}

/// Parses `input` into an element tree. When a direct child of the root is
/// named in `stop_at`, parsing stops right after its start tag and the offset
/// is returned (used for payload elements that are decoded as a stream).
pub(crate) fn parse_document(what: &str, input: &[u8], stop_at: &[&str]) -> Result<Parsed> {
    let start = skip_preamble(input);
    let mut reader = Reader::from_reader(&input[start..]);
    reader.config_mut().check_end_names = false;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut buf = Vec::new();
    let err =
        |pos: u64, msg: String| Error::decode(what, format!("byte {}", pos as usize + start), msg);
    loop {
        let pos = reader.buffer_position();
        buf.clear();
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| err(reader.error_position(), e.to_string()))?;
        match ev {
            Event::Start(e) => {
                if root.is_some() {
                    return Err(err(pos, "content after the root element".into()));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(err(
                        pos,
                        format!("elements nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let el = Element {
                    attrs: attributes(&e),
                    name,
                    ..Default::default()
                };
                if stack.len() == 1 && stop_at.contains(&el.name.as_str()) {
                    stack[0].children.push(el);
                    let root = stack.remove(0);
                    return Ok(Parsed {
                        root,
                        stopped_at: Some(start + reader.buffer_position() as usize),
                    });
                }
                stack.push(el);
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let el = Element {
                    attrs: attributes(&e),
                    name,
                    ..Default::default()
                };
                match stack.last_mut() {
                    Some(top) => top.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err(err(pos, "content after the root element".into())),
                }
            }
            Event::Text(t) => {
                let raw = t.into_inner();
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&text_of(&raw)),
                    None => {
                        if !raw.iter().all(|b| b.is_ascii_whitespace()) {
                            return Err(err(pos, "text outside the root element".into()));
                        }
                    }
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t.into_inner()));
                }
            }
            Event::End(e) => {
                let name = e.name();
                let name = String::from_utf8_lossy(name.as_ref());
                let Some(idx) = stack.iter().rposition(|el| el.name == name) else {
                    if root.is_some() {
                        // A stray closing tag after the root (a wrapper's close): ignore.
                        continue;
                    }
                    return Err(err(
                        pos,
                        format!("closing tag </{name}> matches no open element"),
                    ));
                };
                // Close everything left open inside it (lenient: `<folders>` typo).
                while stack.len() > idx + 1 {
                    let el = stack.pop().expect("stack longer than idx");
                    stack
                        .last_mut()
                        .expect("idx element present")
                        .children
                        .push(el);
                }
                let el = stack.pop().expect("idx element present");
                match stack.last_mut() {
                    Some(top) => top.children.push(el),
                    None => {
                        let rest = &input[start + reader.buffer_position() as usize..];
                        trailing_closers_only(rest)
                            .map_err(|m| err(reader.buffer_position(), m))?;
                        return Ok(Parsed {
                            root: el,
                            stopped_at: None,
                        });
                    }
                }
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(err(
                        pos,
                        format!("document ends inside <{}> (truncated?)", open.name),
                    ));
                }
                return match root {
                    Some(root) => Ok(Parsed {
                        root,
                        stopped_at: None,
                    }),
                    None => Err(err(pos, "no root element".into())),
                };
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

/// After the root element, only whitespace and closing tags (of wrapper
/// elements the payload sat in) may follow.
fn trailing_closers_only(mut rest: &[u8]) -> std::result::Result<(), String> {
    loop {
        let i = rest
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(rest.len());
        rest = &rest[i..];
        if rest.is_empty() {
            return Ok(());
        }
        if !rest.starts_with(b"</") {
            return Err("content after the root element".into());
        }
        let end = rest
            .iter()
            .position(|b| *b == b'>')
            .ok_or_else(|| "unterminated closing tag after the root element".to_owned())?;
        rest = &rest[end + 1..];
    }
}

/// Escapes text for an XML element body.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_bom_prolog_and_unclosed_container() {
        let doc = b"\xEF\xBB\xBF  \n<?xml version='1.0' ?><a><b x=\"1\"><c>t &amp; u</c><b2></b><d>raw & amp</d></a>";
        let p = parse_document("test", doc, &[]).unwrap();
        assert_eq!(p.root.name, "a");
        let b = p.root.child("b").unwrap();
        assert_eq!(b.attr("x"), Some("1"));
        assert_eq!(b.child_text("c"), Some("t & u"));
        assert_eq!(p.root.child_text("d"), Some("raw & amp"));
    }

    #[test]
    fn strict_on_truncation_and_stray_close() {
        let e = parse_document("test", b"<a><b>", &[]).unwrap_err();
        assert!(matches!(e, Error::Decode { .. }), "{e}");
        assert!(e.to_string().contains("inside <b>"), "{e}");
        let e = parse_document("test", b"<a></z></a>", &[]).unwrap_err();
        assert!(e.to_string().contains("</z>"), "{e}");
    }

    #[test]
    fn deep_nesting_is_a_decode_error_not_a_stack_overflow() {
        // Closed by the lenient `</response>`, this would build a tree
        // 200 000 levels deep whose drop overflows the stack.
        let mut doc = String::from("<response><status>ok</status>");
        doc.push_str(&"<x>".repeat(200_000));
        doc.push_str("</response>");
        let e = parse_document("t", doc.as_bytes(), &[]).unwrap_err();
        assert!(matches!(e, Error::Decode { .. }), "{e}");
        assert!(e.to_string().contains("deeper than 256"), "{e}");

        let mut ok = "<x>".repeat(MAX_DEPTH);
        ok.push_str(&"</x>".repeat(MAX_DEPTH));
        assert!(parse_document("t", ok.as_bytes(), &[]).is_ok());
    }

    #[test]
    fn stops_at_payload() {
        let doc = b"<response><status>ok</status><tree>abc</tree></response>";
        let p = parse_document("t", doc, &["tree"]).unwrap();
        assert_eq!(p.root.child_text("status"), Some("ok"));
        assert_eq!(&doc[p.stopped_at.unwrap()..][..3], b"abc");
    }
}

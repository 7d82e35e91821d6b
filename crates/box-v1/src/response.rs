//! Parsing of the `<response><status>…</status>…</response>` envelope.
//!
//! The envelope is parsed with the lenient element tree of [`crate::xml`]
//! (UTF-8 BOM, whitespace before the prolog, unclosed containers). For
//! actions with a large payload (`get_account_tree`'s `<tree>`,
//! `get_friends`'s `<friends>`, `get_updates`' `<updates>`) parsing stops at
//! the payload's start tag and the payload is decoded later as a stream
//! (see [`crate::tree`]).

use std::fmt;
use std::io::{BufRead, Read};

use box_core::{Error, Result};
use bytes::Bytes;

use crate::tree::{self, DEFAULT_MAX_DECOMPRESSED, DEFAULT_MAX_TREE_ENTRIES};
use crate::xml::{parse_document, Element};

/// A parsed v1 response.
///
/// `Debug` shows the status and the names of the elements, never their text:
/// answers such as `get_auth_token`'s carry the auth token.
#[derive(Clone)]
pub struct Response {
    status: String,
    root: Element,
    raw: Bytes,
    payload: Option<(&'static str, usize)>,
    max_decompressed: u64,
    max_tree_entries: usize,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let elements: Vec<&str> = self.root.children.iter().map(|c| c.name.as_str()).collect();
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("elements", &elements)
            .field("payload", &self.payload.map(|(name, _)| name))
            .field("bytes", &self.raw.len())
            .finish_non_exhaustive()
    }
}

impl Response {
    /// Parses a response body. `payload` names the element (a direct child of
    /// `<response>`) whose content is decoded later as a stream.
    pub fn parse(raw: Bytes, payload: Option<&'static str>) -> Result<Self> {
        let stop: &[&str] = match &payload {
            Some(p) => std::slice::from_ref(p),
            None => &[],
        };
        let parsed = parse_document("v1 response", &raw, stop)?;
        if parsed.root.name != "response" {
            return Err(Error::decode(
                "v1 response",
                format!("<{}>", parsed.root.name),
                "expected a <response> root element",
            ));
        }
        let status = parsed
            .root
            .child_text("status")
            .ok_or_else(|| Error::decode("v1 response", "response/status", "missing <status>"))?
            .to_owned();
        if status.is_empty() {
            return Err(Error::decode(
                "v1 response",
                "response/status",
                "empty <status>",
            ));
        }
        Ok(Self {
            status,
            root: parsed.root,
            payload: payload.zip(parsed.stopped_at),
            raw,
            max_decompressed: DEFAULT_MAX_DECOMPRESSED,
            max_tree_entries: DEFAULT_MAX_TREE_ENTRIES,
        })
    }

    /// Sets the decompressed-size limit applied when opening the payload.
    pub fn with_max_decompressed(mut self, limit: u64) -> Self {
        self.max_decompressed = limit;
        self
    }

    /// Sets the most entries an account tree built from this response may
    /// hold (see [`crate::tree::AccountTree::from_entries_limited`]).
    pub fn with_max_tree_entries(mut self, limit: usize) -> Self {
        self.max_tree_entries = limit;
        self
    }

    /// The entry limit for trees built from this response.
    pub fn max_tree_entries(&self) -> usize {
        self.max_tree_entries
    }

    /// The status string.
    pub fn status(&self) -> &str {
        &self.status
    }

    /// The `<response>` element (without the streamed payload's content).
    pub fn root(&self) -> &Element {
        &self.root
    }

    /// The trimmed text of a direct child of `<response>`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.root.child_text(name)
    }

    /// A required child's text, or a decode error naming it.
    pub fn require(&self, name: &str) -> Result<&str> {
        self.text(name).ok_or_else(|| {
            Error::decode("v1 response", format!("response/{name}"), "missing element")
        })
    }

    /// The raw bytes after the payload element's start tag, if one was found.
    pub fn payload_bytes(&self) -> Option<&[u8]> {
        self.payload.map(|(_, at)| &self.raw[at..])
    }

    /// The payload's encoding, if a payload element was found.
    pub fn payload_encoding(&self) -> Option<tree::PayloadEncoding> {
        self.payload
            .map(|(name, at)| tree::detect(&self.raw[at..], name))
    }

    /// Opens the payload as a reader of its XML document (base64 + ZIP
    /// decoded on the fly, or inline).
    pub fn open_payload(&self) -> Result<Box<dyn BufRead + Send + 'static>> {
        let (name, at) = self.payload.ok_or_else(|| {
            Error::decode("v1 response", "response", "the payload element is missing")
        })?;
        tree::open_payload(self.raw.slice(at..), name, self.max_decompressed)
    }

    /// The payload's whole XML document parsed as an element tree (for the
    /// small payloads: friends, updates).
    pub fn payload_document(&self) -> Result<Element> {
        let (name, _) = self.payload.ok_or_else(|| {
            Error::decode("v1 response", "response", "the payload element is missing")
        })?;
        let mut r = self.open_payload()?;
        let mut doc = Vec::new();
        r.read_to_end(&mut doc)
            .map_err(|e| tree::io_to_error(name, &e))?;
        Ok(parse_document(name, &doc, &[])?.root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_errors_say_where() {
        let e = Response::parse(Bytes::from_static(b"<html>oops</html>"), None).unwrap_err();
        assert!(e.to_string().contains("<html>"), "{e}");
        let e = Response::parse(Bytes::from_static(b"<response></response>"), None).unwrap_err();
        assert!(e.to_string().contains("response/status"), "{e}");
        let r = Response::parse(
            Bytes::from_static(
                b"\xEF\xBB\xBF\n <?xml version='1.0' ?><response><status>ok</status></response>",
            ),
            None,
        )
        .unwrap();
        assert_eq!(r.status(), "ok");
    }

    #[test]
    fn debug_never_shows_element_text() {
        let r = Response::parse(
            Bytes::from_static(
                b"<response><status>get_auth_token_ok</status>\
                  <auth_token>9byo5bg8d2o3otp0voji0ej0v49bqcmo</auth_token>\
                  <user><login>stas@itscript.com</login></user></response>",
            ),
            None,
        )
        .unwrap();
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("9byo5bg8"), "{dbg}");
        assert!(!dbg.contains("stas@"), "{dbg}");
        assert!(
            dbg.contains("get_auth_token_ok") && dbg.contains("\"auth_token\""),
            "{dbg}"
        );
    }
}

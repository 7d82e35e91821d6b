//! A small XML tokenizer for the tree payloads, written for speed.
//!
//! Account trees of millions of files are a few flat element kinds with
//! short attributes, so a general XML parser spends most of its time on
//! generality. [`Scanner`] finds markup with `memchr`, reads a start tag's
//! attributes in the same pass that finds its end (so a `>` inside a quoted
//! value is handled), and hands out borrowed slices of its own buffer —
//! nothing is allocated per token. It understands what may appear in these
//! documents: start, end and empty tags; text; the XML declaration and other
//! processing instructions; comments; CDATA; and a DOCTYPE. Entities are left
//! in attribute values for the caller to expand.
//!
//! The buffer holds at most one token beyond what was read; a single tag
//! bigger than [`MAX_TOKEN`] is an error rather than unbounded growth.
//! Positions are byte offsets in the document.

use std::io::{self, Read};

use memchr::memchr;

/// Bytes read from the input at a time.
const READ_CHUNK: usize = 64 * 1024;
/// The largest single token (tag, comment…) accepted.
pub const MAX_TOKEN: usize = 1 << 20;

/// A token of the document. Slices borrow the scanner's buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// `<name …>` or `<name …/>`; attributes via [`Scanner::attrs`].
    Start {
        /// Element name.
        name: &'a [u8],
        /// Whether the tag closed itself (`/>`).
        empty: bool,
    },
    /// `</name>`.
    End {
        /// Element name.
        name: &'a [u8],
    },
    /// Character data (including CDATA) that is not only whitespace or a
    /// byte-order mark. Text spanning a refill of the buffer may be reported
    /// as several consecutive `Text` tokens.
    Text,
    /// End of input.
    Eof,
}

/// A tokenizer failure: what went wrong and the byte offset.
#[derive(Debug)]
pub enum ScanError {
    /// The input could not be read.
    Io(io::Error),
    /// Malformed markup.
    Syntax {
        /// Byte offset of the token.
        pos: u64,
        /// What is wrong.
        message: String,
    },
}

/// One attribute's spans in the buffer: key, then raw value.
type Span = (usize, usize, usize, usize);

/// Tokenizes XML from a reader.
pub struct Scanner<R> {
    input: R,
    buf: Vec<u8>,
    /// Start of unread data in `buf`.
    pos: usize,
    /// End of valid data in `buf`.
    end: usize,
    /// Document offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// Start offset of the current token.
    token_pos: u64,
    /// The current token.
    current: Kind,
    attrs: Vec<Span>,
}

enum Scan<T> {
    Done(T),
    /// The token runs past the buffered data.
    More,
}

/// Bytes that end an attribute name: `=`, whitespace, `>` and `/`.
static ENDS_KEY: [bool; 256] = {
    let mut t = [false; 256];
    t[b'=' as usize] = true;
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'>' as usize] = true;
    t[b'/' as usize] = true;
    t
};

pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whitespace, or the bytes of a UTF-8 byte-order mark.
fn is_blank(text: &[u8]) -> bool {
    text.iter()
        .all(|&b| is_ws(b) || b == 0xEF || b == 0xBB || b == 0xBF)
}

impl<R: Read> Scanner<R> {
    /// Tokenizes `input`.
    pub fn new(input: R) -> Self {
        Self {
            input,
            buf: vec![0; READ_CHUNK * 2],
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            token_pos: 0,
            current: Kind::Eof,
            attrs: Vec::with_capacity(16),
        }
    }

    /// The buffered bytes not yet scanned (for a caller's own fast path over
    /// the common case; see [`skip`](Self::skip)).
    pub fn unread(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Marks `n` bytes of [`unread`](Self::unread) as consumed.
    pub fn skip(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.end);
    }

    /// Reads until at least `want` bytes are unread or the input ends.
    pub fn buffer_at_least(&mut self, want: usize) -> Result<(), ScanError> {
        while self.end - self.pos < want.min(MAX_TOKEN) {
            if !self.refill()? {
                break;
            }
        }
        Ok(())
    }

    /// Document offset of the current token (or of the end).
    pub fn token_pos(&self) -> u64 {
        self.token_pos
    }

    /// The attributes of the current [`Token::Start`]: raw key and raw
    /// (still escaped) value.
    pub fn attrs(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.attrs
            .iter()
            .map(|&(ks, ke, vs, ve)| (&self.buf[ks..ke], &self.buf[vs..ve]))
    }

    fn syntax(&self, at: usize, message: impl Into<String>) -> ScanError {
        ScanError::Syntax {
            pos: self.base + at as u64,
            message: message.into(),
        }
    }

    /// Moves unread data to the front and reads more. Returns false at the
    /// end of input.
    fn refill(&mut self) -> Result<bool, ScanError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK {
            if self.end >= MAX_TOKEN {
                return Err(self.syntax(0, format!("a token longer than {MAX_TOKEN} bytes")));
            }
            let grown = (self.buf.len() * 2).min(MAX_TOKEN + READ_CHUNK);
            self.buf.resize(grown, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ScanError::Io(e)),
            }
        }
    }

    /// Moves to the next token; read it with [`token`](Self::token).
    pub fn advance(&mut self) -> Result<(), ScanError> {
        self.current = self.scan_next()?;
        Ok(())
    }

    /// The current token (`Eof` before the first [`advance`](Self::advance)).
    pub fn token(&self) -> Token<'_> {
        match self.current {
            Kind::Start { name, empty } => Token::Start {
                name: &self.buf[name.0..name.1],
                empty,
            },
            Kind::End { name } => Token::End {
                name: &self.buf[name.0..name.1],
            },
            Kind::Text => Token::Text,
            Kind::Eof => Token::Eof,
        }
    }

    fn scan_next(&mut self) -> Result<Kind, ScanError> {
        loop {
            // Text up to the next '<'.
            let lt = match find_byte(b'<', &self.buf[self.pos..self.end]) {
                Some(i) => self.pos + i,
                None => {
                    let text_start = self.pos;
                    let blank = is_blank(&self.buf[self.pos..self.end]);
                    self.pos = self.end;
                    if !blank {
                        self.token_pos = self.base + text_start as u64;
                        return Ok(Kind::Text);
                    }
                    if !self.refill()? {
                        self.token_pos = self.base + self.end as u64;
                        return Ok(Kind::Eof);
                    }
                    continue;
                }
            };
            if lt > self.pos {
                let text_start = self.pos;
                let blank = is_blank(&self.buf[self.pos..lt]);
                self.pos = lt;
                if !blank {
                    self.token_pos = self.base + text_start as u64;
                    return Ok(Kind::Text);
                }
            }
            // Markup at `lt`.
            match self.markup(lt)? {
                Scan::Done(Some(kind)) => {
                    self.token_pos = self.base + lt as u64;
                    return Ok(kind);
                }
                Scan::Done(None) => continue, // comment, declaration…
                Scan::More => {
                    if !self.refill()? {
                        return Err(
                            self.syntax(self.pos, "document ends inside markup (truncated)")
                        );
                    }
                }
            }
        }
    }

    /// Scans the markup starting at `lt` (a `<`). On success advances `pos`
    /// past it.
    fn markup(&mut self, lt: usize) -> Result<Scan<Option<Kind>>, ScanError> {
        let end = self.end;
        let b = &self.buf[..end];
        let Some(&next) = b.get(lt + 1) else {
            return Ok(Scan::More);
        };
        match next {
            b'/' => {
                let Some(gt) = memchr(b'>', &b[lt + 2..]).map(|i| lt + 2 + i) else {
                    return Ok(Scan::More);
                };
                let name = trim(b, lt + 2, gt);
                if name.0 == name.1 {
                    return Err(self.syntax(lt, "closing tag without a name"));
                }
                self.pos = gt + 1;
                Ok(Scan::Done(Some(Kind::End { name })))
            }
            b'?' => match find(b, lt + 2, b"?>") {
                Some(i) => {
                    self.pos = i + 2;
                    Ok(Scan::Done(None))
                }
                None => Ok(Scan::More),
            },
            b'!' => {
                let rest = &b[lt + 2..];
                if rest.len() < 7 {
                    return Ok(Scan::More);
                }
                if rest.starts_with(b"--") {
                    match find(b, lt + 4, b"-->") {
                        Some(i) => {
                            self.pos = i + 3;
                            Ok(Scan::Done(None))
                        }
                        None => Ok(Scan::More),
                    }
                } else if rest.starts_with(b"[CDATA[") {
                    match find(b, lt + 9, b"]]>") {
                        Some(i) => {
                            let blank = is_blank(&b[lt + 9..i]);
                            self.pos = i + 3;
                            Ok(Scan::Done((!blank).then_some(Kind::Text)))
                        }
                        None => Ok(Scan::More),
                    }
                } else {
                    // <!DOCTYPE …>, possibly with an internal subset in [ ].
                    let mut depth = 0usize;
                    for (i, &c) in b[lt + 2..].iter().enumerate() {
                        match c {
                            b'[' => depth += 1,
                            b']' => depth = depth.saturating_sub(1),
                            b'>' if depth == 0 => {
                                self.pos = lt + 2 + i + 1;
                                return Ok(Scan::Done(None));
                            }
                            _ => {}
                        }
                    }
                    Ok(Scan::More)
                }
            }
            _ => self.start_tag(lt),
        }
    }

    /// Scans `<name attr="v" …>` or `…/>`, recording attribute spans.
    fn start_tag(&mut self, lt: usize) -> Result<Scan<Option<Kind>>, ScanError> {
        let end = self.end;
        let b = &self.buf[..end];
        let mut i = lt + 1;
        while i < end && !is_ws(b[i]) && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        if i >= end {
            return Ok(Scan::More);
        }
        let name = (lt + 1, i);
        if name.0 == name.1 {
            return Err(self.syntax(lt, "tag without a name"));
        }
        self.attrs.clear();
        loop {
            while i < end && is_ws(b[i]) {
                i += 1;
            }
            let Some(&c) = b.get(i) else {
                return Ok(Scan::More);
            };
            match c {
                b'>' => {
                    self.pos = i + 1;
                    return Ok(Scan::Done(Some(Kind::Start { name, empty: false })));
                }
                b'/' => {
                    let Some(&c2) = b.get(i + 1) else {
                        return Ok(Scan::More);
                    };
                    if c2 != b'>' {
                        return Err(self.syntax(lt, "'/' inside a tag not followed by '>'"));
                    }
                    self.pos = i + 2;
                    return Ok(Scan::Done(Some(Kind::Start { name, empty: true })));
                }
                _ => {}
            }
            // key
            let ks = i;
            while i < end && !ENDS_KEY[usize::from(b[i])] {
                i += 1;
            }
            let ke = i;
            while i < end && is_ws(b[i]) {
                i += 1;
            }
            let Some(&eq) = b.get(i) else {
                return Ok(Scan::More);
            };
            if eq != b'=' {
                return Err(self.syntax(
                    lt,
                    format!("attribute \"{}\" without a value", shown(&b[ks..ke])),
                ));
            }
            i += 1;
            while i < end && is_ws(b[i]) {
                i += 1;
            }
            let Some(&quote) = b.get(i) else {
                return Ok(Scan::More);
            };
            if quote != b'"' && quote != b'\'' {
                return Err(self.syntax(
                    lt,
                    format!("attribute \"{}\" value is not quoted", shown(&b[ks..ke])),
                ));
            }
            let vs = i + 1;
            let Some(ve) = find_byte(quote, &b[vs..]).map(|k| vs + k) else {
                return Ok(Scan::More);
            };
            // A '<' inside a value is not well-formed XML; it most likely
            // means the value was never closed.
            if b[vs..ve].contains(&b'<') {
                return Err(self.syntax(
                    lt,
                    format!("attribute \"{}\" value is not closed", shown(&b[ks..ke])),
                ));
            }
            self.attrs.push((ks, ke, vs, ve));
            i = ve + 1;
        }
    }
}

/// What a scan found, as buffer ranges (turned into a [`Token`] on demand).
#[derive(Clone, Copy)]
enum Kind {
    Start { name: (usize, usize), empty: bool },
    End { name: (usize, usize) },
    Text,
    Eof,
}

/// `memchr`, but looking at the first bytes by hand: in these documents the
/// byte sought is usually a few bytes away, where the call costs more than
/// the search.
#[inline]
fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    let head = hay.len().min(24);
    if let Some(i) = hay[..head].iter().position(|&b| b == needle) {
        return Some(i);
    }
    memchr(needle, &hay[head..]).map(|i| head + i)
}

/// A name for an error message: at most 40 bytes, control characters
/// escaped.
fn shown(name: &[u8]) -> String {
    let cut = &name[..name.len().min(40)];
    let mut s: String = String::from_utf8_lossy(cut).escape_debug().collect();
    if cut.len() < name.len() {
        s.push('…');
    }
    s
}

fn trim(b: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && is_ws(b[s]) {
        s += 1;
    }
    while e > s && is_ws(b[e - 1]) {
        e -= 1;
    }
    (s, e)
}

/// Position of `needle` in `b` at or after `from`.
fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(b.get(from..)?, needle).map(|i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens as strings, reading through a reader that returns `step`
    /// bytes at a time (so every token straddles a refill somewhere).
    fn tokens(doc: &str, step: usize) -> Result<Vec<String>, String> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut s = Scanner::new(Trickle(doc.as_bytes(), step));
        let mut out = Vec::new();
        loop {
            s.advance().map_err(|e| match e {
                ScanError::Io(e) => e.to_string(),
                ScanError::Syntax { pos, message } => format!("{pos}: {message}"),
            })?;
            let line = match s.token() {
                Token::Start { name, empty } => {
                    let name = String::from_utf8_lossy(name).into_owned();
                    let attrs: Vec<String> = s
                        .attrs()
                        .map(|(k, v)| {
                            format!(
                                "{}={}",
                                String::from_utf8_lossy(k),
                                String::from_utf8_lossy(v)
                            )
                        })
                        .collect();
                    format!("start {name} {attrs:?} empty={empty}")
                }
                Token::End { name } => format!("end {}", String::from_utf8_lossy(name)),
                // Text may arrive in pieces; keep where it started.
                Token::Text if out.last().is_some_and(|l: &String| l.starts_with("text")) => {
                    continue
                }
                Token::Text => format!("text @{}", s.token_pos()),
                Token::Eof => {
                    out.push("eof".to_owned());
                    return Ok(out);
                }
            };
            out.push(line);
        }
    }

    const DOC: &str = "\u{feff}<?xml version='1.0' ?>\n<!DOCTYPE tree [<!ENTITY x 'y'>]>\n<!-- a > comment -->\n<folder id=\"0\" name = 'a > b' shared=\"0\">\n  <tags><tag id=\"34\"/></tags>\n<![CDATA[ x ]]><![CDATA[  ]]>hi</folder >\n";

    #[test]
    fn tokens_survive_any_read_boundary() {
        let want = tokens(DOC, usize::MAX).unwrap();
        assert_eq!(
            want,
            vec![
                "start folder [\"id=0\", \"name=a > b\", \"shared=0\"] empty=false",
                "start tags [] empty=false",
                "start tag [\"id=34\"] empty=true",
                "end tags",
                "text @153",
                "end folder",
                "eof",
            ]
        );
        for step in 1..40 {
            assert_eq!(tokens(DOC, step).unwrap(), want, "step {step}");
        }
    }

    #[test]
    fn malformed_markup_is_an_error_with_a_position() {
        for (doc, msg) in [
            ("<folder id=0>", "0: attribute \"id\" value is not quoted"),
            ("<a>\n<folder id>", "4: attribute \"id\" without a value"),
            (
                "<folder id=\"1><file id=\"2\"/>",
                "0: attribute \"id\" value is not closed",
            ),
            (
                "<folder id=\"1\"",
                "0: document ends inside markup (truncated)",
            ),
            ("<>", "0: tag without a name"),
            ("</>", "0: closing tag without a name"),
            ("<a / >", "0: '/' inside a tag not followed by '>'"),
            (
                "<!-- never closed",
                "0: document ends inside markup (truncated)",
            ),
        ] {
            for step in [1, 3, usize::MAX] {
                assert_eq!(tokens(doc, step).unwrap_err(), msg, "{doc:?} step {step}");
            }
        }
    }

    #[test]
    fn an_oversized_token_is_refused_not_buffered() {
        let doc = format!("<folder name=\"{}\"/>", "x".repeat(MAX_TOKEN + 10));
        let e = tokens(&doc, usize::MAX).unwrap_err();
        assert!(e.contains("longer than"), "{e}");
    }
}

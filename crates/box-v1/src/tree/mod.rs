//! Account-tree decoding, as a stream.
//!
//! `get_account_tree` (and `get_friends`, `get_updates`) return their payload
//! as base64 text of a ZIP archive holding one XML document, or — with the
//! `nozip` parameter — as inline XML. Decoding is a chain of readers, so the
//! decompressed document is never held in memory:
//!
//! ```text
//! response bytes ─▶ base64.rs (skips whitespace / line breaks)
//!                ─▶ zip.rs    (local file header → DEFLATE via flate2, or stored;
//!                              CRC-32, size and the decompressed-size limit checked)
//!                   ── prefetch.rs: for large payloads, the steps above run
//!                      on a second thread, handing over bounded chunks ──
//!                ─▶ scan.rs   (a tokenizer built for these documents)
//!                ─▶ parse.rs  (tokens → typed TreeEntry values)
//! ```
//!
//! [`TreeReader`] yields entries one at a time (memory bounded by the folder
//! depth, not the tree size); [`AccountTree::build`] collects them into a tree;
//! [`BackgroundEntries`] runs the decoder on a blocking thread for async
//! callers (the `Storage` implementation's `walk` and `list_folder`).
//! Corrupt base64, a corrupt or truncated ZIP, or a document bigger than the
//! configured limit ([`DEFAULT_MAX_DECOMPRESSED`]) are [`box_core::Error::Decode`]
//! errors naming the stage and the offset.

pub mod background;
pub mod base64;
pub mod build;
pub mod generate;
pub mod parse;
pub mod prefetch;
pub mod scan;
pub mod zip;

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use box_core::Error;

pub use self::base64::Base64Reader;
pub use background::BackgroundEntries;
pub use build::{AccountTree, TreeNode};
pub use parse::{TreeEntry, TreeFile, TreeFolder, TreeReader};
pub use zip::ZipEntryReader;

/// Payloads (base64 text) at least this big are inflated on a second thread
/// ([`prefetch`]) while the caller parses; smaller ones are decoded inline,
/// where a thread would cost more than it saves.
pub const PREFETCH_THRESHOLD: usize = 256 * 1024;

/// Default limit on the entries of a tree built in memory
/// ([`AccountTree::from_entries_limited`]): 1,000,000 folders and files,
/// a few hundred MB. Untrusted servers can send millions of tiny entries in
/// a megabyte of ZIP; the streaming path ([`TreeReader`]) is the one for
/// trees of any size.
pub const DEFAULT_MAX_TREE_ENTRIES: usize = 1_000_000;

/// Default limit on the decompressed size of a payload: 1 GiB.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 1 << 30;

/// A decoding failure inside the reader chain, carried through `io::Error`
/// and turned into [`Error::Decode`] at the top.
#[derive(Debug, Clone)]
pub(crate) struct DecodeFault {
    pub stage: &'static str,
    pub location: String,
    pub message: String,
}

impl fmt::Display for DecodeFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}: {}", self.stage, self.location, self.message)
    }
}

impl std::error::Error for DecodeFault {}

pub(crate) fn fault(
    stage: &'static str,
    location: String,
    message: impl Into<String>,
) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        DecodeFault {
            stage,
            location,
            message: message.into(),
        },
    )
}

/// Turns an I/O error from the reader chain into an [`Error::Decode`].
pub(crate) fn io_to_error(what: &str, e: &io::Error) -> Error {
    if let Some(f) = e.get_ref().and_then(|r| r.downcast_ref::<DecodeFault>()) {
        return Error::decode(
            what,
            format!("{} {}", f.stage, f.location),
            f.message.clone(),
        );
    }
    let message = if e.kind() == io::ErrorKind::UnexpectedEof {
        "unexpected end of data (truncated)".to_owned()
    } else {
        e.to_string()
    };
    Error::decode(what, "payload", message)
}

/// Counts bytes and fails past a limit (guards inline XML the same way the
/// ZIP reader guards decompressed data).
pub(crate) struct Limited<R> {
    inner: R,
    seen: u64,
    limit: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen += n as u64;
        if self.seen > self.limit {
            return Err(fault(
                "xml",
                format!("byte {}", self.limit),
                format!("document exceeds the limit of {} bytes", self.limit),
            ));
        }
        Ok(n)
    }
}

/// The encoding a payload element arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadEncoding {
    /// Inline XML (`nozip`).
    Inline,
    /// Base64 text of a ZIP archive.
    Base64Zip,
}

/// Detects the payload encoding: inline XML starts with `<` (but not the
/// payload element's own closing tag).
pub fn detect(payload: &[u8], element: &str) -> PayloadEncoding {
    let i = payload
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(payload.len());
    let rest = &payload[i..];
    let close = format!("</{element}");
    if rest.first() == Some(&b'<') && !rest.starts_with(close.as_bytes()) {
        PayloadEncoding::Inline
    } else {
        PayloadEncoding::Base64Zip
    }
}

/// Opens a payload (the bytes after the payload element's start tag) as a
/// reader of the XML document inside it, decompressing as it goes.
///
/// Payloads of [`PREFETCH_THRESHOLD`] bytes or more are inflated on a second
/// thread ([`prefetch`]); [`open_payload_on_this_thread`] never starts one.
pub fn open_payload(
    payload: bytes::Bytes,
    element: &str,
    max_decompressed: u64,
) -> Result<Box<dyn BufRead + Send + 'static>, Error> {
    open(payload, element, max_decompressed, true)
}

/// [`open_payload`], decoding everything on the calling thread.
pub fn open_payload_on_this_thread(
    payload: bytes::Bytes,
    element: &str,
    max_decompressed: u64,
) -> Result<Box<dyn BufRead + Send + 'static>, Error> {
    open(payload, element, max_decompressed, false)
}

fn open(
    payload: bytes::Bytes,
    element: &str,
    max_decompressed: u64,
    may_prefetch: bool,
) -> Result<Box<dyn BufRead + Send + 'static>, Error> {
    use bytes::Buf;
    match detect(&payload, element) {
        PayloadEncoding::Inline => Ok(Box::new(BufReader::with_capacity(
            64 * 1024,
            Limited {
                inner: payload.reader(),
                seen: 0,
                limit: max_decompressed,
            },
        ))),
        PayloadEncoding::Base64Zip => {
            let big = may_prefetch && payload.len() >= PREFETCH_THRESHOLD;
            let b64 = BufReader::with_capacity(64 * 1024, Base64Reader::new(payload.reader()));
            let zip = ZipEntryReader::open(b64, max_decompressed)
                .map_err(|e| io_to_error(element, &e))?;
            if big {
                // Inflate on a second thread while the caller parses.
                return prefetch::Prefetch::spawn(zip)
                    .map(|p| Box::new(p) as Box<dyn BufRead + Send>)
                    .map_err(|e| {
                        Error::decode(
                            element,
                            "payload",
                            format!("could not start the decompressing thread: {e}"),
                        )
                    });
            }
            Ok(Box::new(BufReader::with_capacity(64 * 1024, zip)))
        }
    }
}

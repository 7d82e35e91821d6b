//! Streaming base64 decoding that skips whitespace and line breaks.
//!
//! v1 wraps base64 payloads at arbitrary widths and pads them with
//! whitespace. [`Base64Reader`] decodes on the fly in fixed-size chunks and
//! stops at the first `<` (the payload element's closing tag). An invalid
//! character, data after padding, or a length that is not a whole number of
//! quanta is an error naming the offset of the character.

use std::io::{self, Read};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::fault;

const CHUNK: usize = 32 * 1024;

/// Decodes base64 text from an inner reader.
pub struct Base64Reader<R> {
    inner: R,
    raw: Vec<u8>,
    quads: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    offset: u64,
    padded: bool,
    done: bool,
}

impl<R: Read> Base64Reader<R> {
    /// Wraps a reader of base64 text.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            raw: vec![0; CHUNK],
            quads: Vec::with_capacity(CHUNK + 4),
            out: Vec::with_capacity(CHUNK),
            out_pos: 0,
            offset: 0,
            padded: false,
            done: false,
        }
    }

    /// Reads and decodes the next chunk into `out`. Returns false at the end.
    ///
    /// The fast path strips whitespace by copying the runs between line
    /// breaks and lets the base64 engine validate and decode whole quanta;
    /// only when the engine rejects a chunk is the chunk walked byte by byte
    /// to name the offending character.
    fn fill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() {
            if self.done {
                if !self.quads.is_empty() {
                    return Err(fault(
                        "base64",
                        format!("character {}", self.offset),
                        format!(
                            "data ends in the middle of a quantum ({} characters left over)",
                            self.quads.len()
                        ),
                    ));
                }
                return Ok(false);
            }
            let n = self.inner.read(&mut self.raw)?;
            if n == 0 {
                self.done = true;
            }
            let mut chunk = &self.raw[..n];
            if let Some(lt) = memchr::memchr(b'<', chunk) {
                chunk = &chunk[..lt];
                self.done = true;
            }
            let chunk_offset = self.offset;
            let before = self.quads.len();
            for piece in chunk.split(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
                self.quads.extend_from_slice(piece);
            }
            self.offset += chunk.len() as u64;
            if self.padded && self.quads.len() > before {
                let at = chunk_offset
                    + chunk
                        .iter()
                        .position(|b| !b.is_ascii_whitespace())
                        .unwrap_or(0) as u64;
                return Err(fault(
                    "base64",
                    format!("character {at}"),
                    "data after padding",
                ));
            }
            let whole = self.quads.len() / 4 * 4;
            if whole > 0 {
                self.out.resize(whole / 4 * 3, 0);
                match STANDARD.decode_slice(&self.quads[..whole], &mut self.out) {
                    Ok(n) => self.out.truncate(n),
                    Err(e) => return Err(explain(chunk, chunk_offset, &e.to_string())),
                }
                self.padded = self.quads[whole - 1] == b'=';
                self.quads.drain(..whole);
            }
        }
        Ok(true)
    }
}

/// Names the first bad character of a chunk the engine rejected (falling
/// back to the engine's own message when the chunk alone looks valid, e.g.
/// when the bad character was carried over from the previous chunk).
fn explain(chunk: &[u8], chunk_offset: u64, engine: &str) -> io::Error {
    let mut padded = false;
    for (i, &b) in chunk.iter().enumerate() {
        let at = format!("character {}", chunk_offset + i as u64);
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' if padded => {
                return fault("base64", at, "data after padding");
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' => {}
            b'=' => padded = true,
            b' ' | b'\t' | b'\r' | b'\n' => {}
            other => {
                return fault(
                    "base64",
                    at,
                    format!("invalid base64 character 0x{other:02x}"),
                )
            }
        }
    }
    fault(
        "base64",
        format!("near character {}", chunk_offset + chunk.len() as u64),
        engine.to_owned(),
    )
}

impl<R: Read> Read for Base64Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() && !self.fill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Base64Reader::new(s.as_bytes()).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn whitespace_and_terminator() {
        assert_eq!(
            decode("aGVs\r\n bG8g\nd29y bGQ=\n</tree>").unwrap(),
            b"hello world"
        );
        assert_eq!(decode("").unwrap(), b"");
    }

    #[test]
    fn errors_name_the_offset() {
        let e = decode("aGVs*G8=").unwrap_err();
        assert!(e.to_string().contains("character 4"), "{e}");
        assert!(decode("aGVsbG8").is_err());
        assert!(decode("aGk=aGk=").is_err());
    }
}

//! Reads the single entry of a v1 ZIP payload as a stream.
//!
//! Only the local file header is needed: the entry's data follows it, either
//! DEFLATE-compressed (method 8, inflated with flate2) or stored (method 0).
//! The central directory at the end is never read, so the archive streams.
//! CRC-32 and uncompressed size from the header are checked at the end
//! (catching truncation), and the decompressed byte count is capped by a limit
//! so a zip bomb fails early in bounded memory.

use std::io::{self, BufRead, Read};

use flate2::bufread::DeflateDecoder;

use super::fault;

const LOCAL_HEADER_SIG: u32 = 0x0403_4b50;

enum Inner<R: BufRead> {
    Deflate(DeflateDecoder<io::Take<R>>),
    DeflateUnsized(DeflateDecoder<R>),
    Stored(io::Take<R>),
}

/// The decompressed data of a ZIP archive's first entry.
pub struct ZipEntryReader<R: BufRead> {
    inner: Inner<R>,
    name: String,
    crc: crc32fast::Hasher,
    expected_crc: u32,
    expected_size: Option<u64>,
    seen: u64,
    limit: u64,
    finished: bool,
}

fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

impl<R: BufRead> ZipEntryReader<R> {
    /// Reads the local file header and prepares to decompress the entry.
    /// `limit` caps the decompressed size.
    pub fn open(mut r: R, limit: u64) -> io::Result<Self> {
        let mut h = [0u8; 30];
        read_header(&mut r, &mut h, "local file header")?;
        let sig = le32(&h[0..4]);
        if sig != LOCAL_HEADER_SIG {
            return Err(fault(
                "zip",
                "byte 0".into(),
                format!("not a ZIP local file header (signature 0x{sig:08x})"),
            ));
        }
        let flags = le16(&h[6..8]);
        let method = le16(&h[8..10]);
        let crc = le32(&h[14..18]);
        let csize = u64::from(le32(&h[18..22]));
        let usize_ = u64::from(le32(&h[22..26]));
        let name_len = usize::from(le16(&h[26..28]));
        let extra_len = usize::from(le16(&h[28..30]));
        let mut name = vec![0u8; name_len];
        read_header(&mut r, &mut name, "file name")?;
        let mut extra = vec![0u8; extra_len];
        read_header(&mut r, &mut extra, "extra field")?;
        let name = String::from_utf8_lossy(&name).into_owned();
        if flags & 1 != 0 {
            return Err(fault(
                "zip",
                format!("entry {name:?}"),
                "encrypted entries are not supported",
            ));
        }
        let descriptor = flags & 8 != 0;
        let inner = match (method, descriptor) {
            (8, false) => Inner::Deflate(DeflateDecoder::new(r.take(csize))),
            (8, true) => Inner::DeflateUnsized(DeflateDecoder::new(r)),
            (0, false) => Inner::Stored(r.take(csize)),
            (0, true) => {
                return Err(fault(
                    "zip",
                    format!("entry {name:?}"),
                    "stored entry without sizes (data descriptor) cannot be streamed",
                ))
            }
            (m, _) => {
                return Err(fault(
                    "zip",
                    format!("entry {name:?}"),
                    format!("unsupported compression method {m}"),
                ))
            }
        };
        if !descriptor && usize_ > limit {
            return Err(fault(
                "zip",
                format!("entry {name:?}"),
                format!("declared size {usize_} bytes exceeds the decompressed-size limit of {limit} bytes"),
            ));
        }
        Ok(Self {
            inner,
            name,
            crc: crc32fast::Hasher::new(),
            expected_crc: crc,
            expected_size: (!descriptor).then_some(usize_),
            seen: 0,
            limit,
            finished: false,
        })
    }

    /// The entry's file name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn read_header<R: Read>(r: &mut R, buf: &mut [u8], what: &str) -> io::Result<()> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            fault(
                "zip",
                what.to_owned(),
                "data ends inside the ZIP header (truncated)",
            )
        } else {
            e
        }
    })
}

impl<R: BufRead> Read for ZipEntryReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.finished || buf.is_empty() {
            return Ok(0);
        }
        let res = match &mut self.inner {
            Inner::Deflate(d) => d.read(buf),
            Inner::DeflateUnsized(d) => d.read(buf),
            Inner::Stored(s) => s.read(buf),
        };
        let n = res.map_err(|e| {
            if e.get_ref().is_some_and(|r| r.is::<super::DecodeFault>()) {
                e
            } else {
                fault(
                    "zip",
                    format!("entry {:?}, decompressed byte {}", self.name, self.seen),
                    format!("corrupt compressed data: {e}"),
                )
            }
        })?;
        self.seen += n as u64;
        if self.seen > self.limit {
            return Err(fault(
                "zip",
                format!("entry {:?}", self.name),
                format!(
                    "decompressed data exceeds the limit of {} bytes (zip bomb?)",
                    self.limit
                ),
            ));
        }
        if n == 0 {
            self.finished = true;
            if let Some(size) = self.expected_size {
                if self.seen != size {
                    return Err(fault(
                        "zip",
                        format!("entry {:?}", self.name),
                        format!("size mismatch (corrupt or truncated): header says {size} bytes, got {}", self.seen),
                    ));
                }
                let crc = std::mem::take(&mut self.crc).finalize();
                if crc != self.expected_crc {
                    return Err(fault(
                        "zip",
                        format!("entry {:?}", self.name),
                        format!(
                            "CRC-32 mismatch: header 0x{:08x}, data 0x{crc:08x}",
                            self.expected_crc
                        ),
                    ));
                }
            }
            return Ok(0);
        }
        self.crc.update(&buf[..n]);
        Ok(n)
    }
}

/// Builds a one-entry ZIP archive (local header + data + central directory),
/// deflated or stored. Used by tests, fixtures and the benchmark.
pub fn write_zip(name: &str, data: &[u8], deflate: bool) -> Vec<u8> {
    use std::io::Write;
    let crc = crc32fast::hash(data);
    let body = if deflate {
        let mut enc =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).expect("writing to a Vec cannot fail");
        enc.finish().expect("writing to a Vec cannot fail")
    } else {
        data.to_vec()
    };
    let method: u16 = if deflate { 8 } else { 0 };
    let mut out = Vec::with_capacity(body.len() + 100);
    let push16 = |o: &mut Vec<u8>, v: u16| o.extend_from_slice(&v.to_le_bytes());
    let push32 = |o: &mut Vec<u8>, v: u32| o.extend_from_slice(&v.to_le_bytes());
    push32(&mut out, LOCAL_HEADER_SIG);
    push16(&mut out, 20);
    push16(&mut out, 0);
    push16(&mut out, method);
    push32(&mut out, 0);
    push32(&mut out, crc);
    push32(&mut out, body.len() as u32);
    push32(&mut out, data.len() as u32);
    push16(&mut out, name.len() as u16);
    push16(&mut out, 0);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&body);
    let cd_start = out.len() as u32;
    push32(&mut out, 0x0201_4b50);
    push16(&mut out, 20);
    push16(&mut out, 20);
    push16(&mut out, 0);
    push16(&mut out, method);
    push32(&mut out, 0);
    push32(&mut out, crc);
    push32(&mut out, body.len() as u32);
    push32(&mut out, data.len() as u32);
    push16(&mut out, name.len() as u16);
    for _ in 0..4 {
        push16(&mut out, 0);
    }
    push32(&mut out, 0);
    push32(&mut out, 0);
    out.extend_from_slice(name.as_bytes());
    let cd_len = out.len() as u32 - cd_start;
    push32(&mut out, 0x0605_4b50);
    push16(&mut out, 0);
    push16(&mut out, 0);
    push16(&mut out, 1);
    push16(&mut out, 1);
    push32(&mut out, cd_len);
    push32(&mut out, cd_start);
    push16(&mut out, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unzip(z: &[u8], limit: u64) -> io::Result<Vec<u8>> {
        let mut r = ZipEntryReader::open(z, limit)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn deflated_and_stored_round_trip() {
        let data = b"<folder id=\"0\"/>".repeat(100);
        assert_eq!(
            unzip(&write_zip("tree.xml", &data, true), 1 << 20).unwrap(),
            data
        );
        assert_eq!(
            unzip(&write_zip("tree.xml", &data, false), 1 << 20).unwrap(),
            data
        );
    }

    #[test]
    fn truncation_corruption_and_limit() {
        let data = b"hello hello hello hello".repeat(1000);
        let z = write_zip("t.xml", &data, true);
        assert!(unzip(&z[..z.len() / 2], 1 << 20).is_err());
        assert!(unzip(&z[..10], 1 << 20).is_err());
        let mut bad = z.clone();
        bad[0] = b'X';
        assert!(unzip(&bad, 1 << 20)
            .unwrap_err()
            .to_string()
            .contains("signature"));
        let e = unzip(&z, 100).unwrap_err();
        assert!(e.to_string().contains("limit"), "{e}");
    }
}

//! A streaming zip writer (PKWARE APPNOTE 6.3): entries are written one
//! after the other to any [`Write`], never seeking back, so an archive of
//! any size goes out with one entry's buffer in memory.
//!
//! Written by hand because the `zip` crate's writer needs a seekable output
//! to patch each local header after the entry's data (its stream-writing
//! mode is not in the releases that build with this workspace), and an HTTP
//! response body cannot seek. Deflated entries carry a data descriptor
//! (sizes and CRC after the data, general-purpose flag bit 3); stored
//! entries are read twice (once for the CRC) so their local header is
//! complete, which every unzip tool reads. Zip64 records are written where
//! a size, offset or count does not fit the classic fields.

use std::io::{self, Read, Write};

use chrono::{DateTime, Datelike, Timelike, Utc};
use flate2::write::DeflateEncoder;
use flate2::Compression;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const DATA_DESCRIPTOR: u32 = 0x0807_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const ZIP64_END: u32 = 0x0606_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const END: u32 = 0x0605_4b50;
/// Bit 3 (sizes and CRC follow the data) and bit 11 (names are UTF-8).
const FLAG_DESCRIPTOR: u16 = 1 << 3;
const FLAG_UTF8: u16 = 1 << 11;
/// A classic 32-bit field holding this means "see the zip64 extra field".
const MAX32: u64 = 0xFFFF_FFFF;
/// Entries at least this big (uncompressed) are written as zip64 from the
/// start: a deflated entry may come out a little bigger than its input.
const ZIP64_ENTRY_AT: u64 = 0xF000_0000;

/// How an entry's data is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// As it is (method 0): for contents that are compressed already.
    Store,
    /// Deflate (method 8).
    Deflate,
}

impl Method {
    fn code(self) -> u16 {
        match self {
            Method::Store => 0,
            Method::Deflate => 8,
        }
    }

    /// Store for names whose extension says the contents are compressed
    /// already (images, video, audio, archives, office files), deflate
    /// otherwise.
    pub fn for_name(name: &str) -> Self {
        const PACKED: &[&str] = &[
            "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "jpg", "jpeg", "png", "gif",
            "webp", "heic", "mp3", "mp4", "m4a", "m4v", "mov", "avi", "mkv", "ogg", "webm", "docx",
            "xlsx", "pptx", "odt", "ods", "odp", "jar", "apk",
        ];
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        match ext {
            Some(e) if PACKED.contains(&e.as_str()) => Method::Store,
            _ => Method::Deflate,
        }
    }
}

/// What the central directory keeps of an entry.
#[derive(Debug)]
struct Entry {
    name: Vec<u8>,
    method: u16,
    flags: u16,
    time: u16,
    date: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    offset: u64,
    dir: bool,
}

/// Counts what goes through to the inner writer.
#[derive(Debug)]
struct Counted<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A zip archive being written: add entries, then [`ZipWriter::finish`].
#[derive(Debug)]
pub struct ZipWriter<W: Write> {
    out: Counted<W>,
    entries: Vec<Entry>,
}

/// MS-DOS date and time (two-second resolution, years 1980–2107).
fn dos_time(t: DateTime<Utc>) -> (u16, u16) {
    let year = t.year().clamp(1980, 2107);
    if year != t.year() {
        // Out of range: the earliest date DOS time can say.
        return (0, (1 << 5) | 1);
    }
    let time = (t.hour() << 11) | (t.minute() << 5) | (t.second() / 2);
    let date = (((year - 1980) as u32) << 9) | (t.month() << 5) | t.day();
    (time as u16, date as u16)
}

fn put16(b: &mut Vec<u8>, v: u16) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut Vec<u8>, v: u64) {
    b.extend_from_slice(&v.to_le_bytes());
}

/// A 32-bit field, or the zip64 marker when `v` does not fit.
fn field32(v: u64) -> u32 {
    u32::try_from(v)
        .ok()
        .filter(|&x| x != u32::MAX)
        .unwrap_or(u32::MAX)
}

impl<W: Write> ZipWriter<W> {
    /// An empty archive writing to `out`.
    pub fn new(out: W) -> Self {
        Self {
            out: Counted {
                inner: out,
                count: 0,
            },
            entries: Vec::new(),
        }
    }

    fn local_header(&mut self, e: &Entry, zip64: bool) -> io::Result<()> {
        let mut b = Vec::with_capacity(64 + e.name.len());
        put32(&mut b, LOCAL_HEADER);
        put16(&mut b, if zip64 { 45 } else { 20 });
        put16(&mut b, e.flags);
        put16(&mut b, e.method);
        put16(&mut b, e.time);
        put16(&mut b, e.date);
        put32(&mut b, e.crc);
        if zip64 {
            put32(&mut b, u32::MAX);
            put32(&mut b, u32::MAX);
        } else {
            put32(&mut b, e.compressed as u32);
            put32(&mut b, e.size as u32);
        }
        put16(&mut b, e.name.len() as u16);
        put16(&mut b, if zip64 { 20 } else { 0 });
        b.extend_from_slice(&e.name);
        if zip64 {
            put16(&mut b, 0x0001);
            put16(&mut b, 16);
            put64(&mut b, e.size);
            put64(&mut b, e.compressed);
        }
        self.out.write_all(&b)
    }

    fn entry(&self, name: &str, method: Method, modified: DateTime<Utc>) -> io::Result<Entry> {
        if name.len() > usize::from(u16::MAX) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "zip entry name longer than 65,535 bytes",
            ));
        }
        let (time, date) = dos_time(modified);
        Ok(Entry {
            name: name.as_bytes().to_vec(),
            method: method.code(),
            flags: FLAG_UTF8,
            time,
            date,
            crc: 0,
            compressed: 0,
            size: 0,
            offset: self.out.count,
            dir: false,
        })
    }

    /// Adds a folder entry (`name` ends with `/`).
    pub fn add_dir(&mut self, name: &str, modified: DateTime<Utc>) -> io::Result<()> {
        let mut e = self.entry(name, Method::Store, modified)?;
        e.dir = true;
        self.local_header(&e, false)?;
        self.entries.push(e);
        Ok(())
    }

    /// Adds a file whose contents `open` reads (called twice for
    /// [`Method::Store`]: once for the CRC, once for the data); `size` is
    /// what it is expected to hold, used to choose zip64 up front. Returns
    /// the bytes read.
    pub fn add_file<R: Read>(
        &mut self,
        name: &str,
        modified: DateTime<Utc>,
        method: Method,
        size: u64,
        mut open: impl FnMut() -> io::Result<R>,
    ) -> io::Result<u64> {
        let mut e = self.entry(name, method, modified)?;
        let zip64 = size >= ZIP64_ENTRY_AT;
        let mut buf = vec![0u8; 256 * 1024];
        match method {
            Method::Store => {
                let mut crc = crc32fast::Hasher::new();
                let mut total = 0u64;
                let mut src = open()?;
                loop {
                    let n = src.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    crc.update(&buf[..n]);
                    total += n as u64;
                }
                e.crc = crc.finalize();
                e.size = total;
                e.compressed = total;
                let zip64 = zip64 || total >= ZIP64_ENTRY_AT;
                self.local_header(&e, zip64)?;
                let mut src = open()?.take(total);
                let mut written = 0u64;
                loop {
                    let n = src.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    self.out.write_all(&buf[..n])?;
                    written += n as u64;
                }
                if written != total {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "a stored entry's contents changed while it was written",
                    ));
                }
            }
            Method::Deflate => {
                e.flags |= FLAG_DESCRIPTOR;
                self.local_header(&e, zip64)?;
                let start = self.out.count;
                let mut crc = crc32fast::Hasher::new();
                let mut total = 0u64;
                let mut src = open()?;
                let mut enc = DeflateEncoder::new(&mut self.out, Compression::fast());
                loop {
                    let n = src.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    crc.update(&buf[..n]);
                    enc.write_all(&buf[..n])?;
                    total += n as u64;
                }
                enc.finish()?;
                e.crc = crc.finalize();
                e.size = total;
                e.compressed = self.out.count - start;
                if !zip64 && (e.size >= MAX32 || e.compressed >= MAX32) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a zip entry grew past 4 GiB beyond its announced size",
                    ));
                }
                let mut b = Vec::with_capacity(24);
                put32(&mut b, DATA_DESCRIPTOR);
                put32(&mut b, e.crc);
                if zip64 {
                    put64(&mut b, e.compressed);
                    put64(&mut b, e.size);
                } else {
                    put32(&mut b, e.compressed as u32);
                    put32(&mut b, e.size as u32);
                }
                self.out.write_all(&b)?;
            }
        }
        let total = e.size;
        self.entries.push(e);
        Ok(total)
    }

    /// Writes the central directory and the end records; returns the
    /// inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        let cd_start = self.out.count;
        for e in &self.entries {
            let mut extra = Vec::new();
            if e.size >= MAX32 {
                put64(&mut extra, e.size);
            }
            if e.compressed >= MAX32 {
                put64(&mut extra, e.compressed);
            }
            if e.offset >= MAX32 {
                put64(&mut extra, e.offset);
            }
            let mut b = Vec::with_capacity(64 + e.name.len());
            put32(&mut b, CENTRAL_HEADER);
            // Made by: Unix (3), spec 4.5; needed: 4.5 with zip64, else 2.0.
            put16(&mut b, (3 << 8) | 45);
            put16(&mut b, if extra.is_empty() { 20 } else { 45 });
            put16(&mut b, e.flags);
            put16(&mut b, e.method);
            put16(&mut b, e.time);
            put16(&mut b, e.date);
            put32(&mut b, e.crc);
            put32(&mut b, field32(e.compressed));
            put32(&mut b, field32(e.size));
            put16(&mut b, e.name.len() as u16);
            put16(
                &mut b,
                if extra.is_empty() {
                    0
                } else {
                    4 + extra.len() as u16
                },
            );
            put16(&mut b, 0); // comment
            put16(&mut b, 0); // disk
            put16(&mut b, 0); // internal attributes
            let mode: u32 = if e.dir { 0o040755 } else { 0o100644 };
            put32(&mut b, (mode << 16) | (u32::from(e.dir) * 0x10));
            put32(&mut b, field32(e.offset));
            b.extend_from_slice(&e.name);
            if !extra.is_empty() {
                put16(&mut b, 0x0001);
                put16(&mut b, extra.len() as u16);
                b.extend_from_slice(&extra);
            }
            self.out.write_all(&b)?;
        }
        let cd_end = self.out.count;
        let cd_size = cd_end - cd_start;
        let count = self.entries.len() as u64;
        let mut b = Vec::with_capacity(120);
        if count >= 0xFFFF || cd_size >= MAX32 || cd_start >= MAX32 {
            put32(&mut b, ZIP64_END);
            put64(&mut b, 44);
            put16(&mut b, (3 << 8) | 45);
            put16(&mut b, 45);
            put32(&mut b, 0);
            put32(&mut b, 0);
            put64(&mut b, count);
            put64(&mut b, count);
            put64(&mut b, cd_size);
            put64(&mut b, cd_start);
            put32(&mut b, ZIP64_LOCATOR);
            put32(&mut b, 0);
            put64(&mut b, cd_end);
            put32(&mut b, 1);
        }
        put32(&mut b, END);
        put16(&mut b, 0);
        put16(&mut b, 0);
        let count16 = u16::try_from(count).unwrap_or(u16::MAX);
        put16(&mut b, count16);
        put16(&mut b, count16);
        put32(&mut b, field32(cd_size));
        put32(&mut b, field32(cd_start));
        put16(&mut b, 0);
        self.out.write_all(&b)?;
        self.out.flush()?;
        Ok(self.out.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads an archive back with the `zip` crate (another implementation)
    /// and compares names and bytes.
    #[test]
    fn archives_read_back_with_another_implementation() {
        let big: Vec<u8> = (0..300_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let t = Utc::now();
        let mut w = ZipWriter::new(Vec::new());
        w.add_dir("docs/", t).unwrap();
        w.add_file("docs/a.txt", t, Method::Deflate, 5, || Ok(&b"hello"[..]))
            .unwrap();
        w.add_file("docs/big.bin", t, Method::Deflate, big.len() as u64, || {
            Ok(&big[..])
        })
        .unwrap();
        w.add_file("photo.jpg", t, Method::Store, 3, || {
            Ok(&b"\xff\xd8\xff"[..])
        })
        .unwrap();
        w.add_file("empty.txt", t, Method::Deflate, 0, || Ok(&b""[..]))
            .unwrap();
        w.add_file("ünïcødé.txt", t, Method::Store, 1, || Ok(&b"x"[..]))
            .unwrap();
        let bytes = w.finish().unwrap();
        let mut z = zip::ZipArchive::new(io::Cursor::new(bytes)).unwrap();
        let mut names: Vec<String> = z.file_names().map(str::to_owned).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "docs/",
                "docs/a.txt",
                "docs/big.bin",
                "empty.txt",
                "photo.jpg",
                "ünïcødé.txt"
            ]
        );
        let mut read = |n: &str| {
            let mut out = Vec::new();
            z.by_name(n).unwrap().read_to_end(&mut out).unwrap();
            out
        };
        assert_eq!(read("docs/a.txt"), b"hello");
        assert_eq!(read("docs/big.bin"), big);
        assert_eq!(read("photo.jpg"), b"\xff\xd8\xff");
        assert_eq!(read("empty.txt"), b"");
        assert_eq!(read("ünïcødé.txt"), b"x");
        assert!(z.by_name("docs/").unwrap().is_dir());
        assert_eq!(
            z.by_name("docs/big.bin").unwrap().compression(),
            zip::CompressionMethod::Deflated
        );
        assert_eq!(
            z.by_name("photo.jpg").unwrap().compression(),
            zip::CompressionMethod::Stored
        );
    }

    /// More than 65,535 entries need the zip64 end records.
    #[test]
    fn many_entries_use_zip64_end_records() {
        let t = Utc::now();
        let mut w = ZipWriter::new(Vec::new());
        for i in 0..70_000u32 {
            w.add_dir(&format!("{i}/"), t).unwrap();
        }
        let bytes = w.finish().unwrap();
        let z = zip::ZipArchive::new(io::Cursor::new(bytes)).unwrap();
        assert_eq!(z.len(), 70_000);
    }

    #[test]
    fn dos_times_out_of_range_are_clamped() {
        let old = DateTime::parse_from_rfc3339("1970-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(dos_time(old), (0, 33));
        let t = DateTime::parse_from_rfc3339("2024-03-05T10:20:31Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            dos_time(t),
            ((10 << 11) | (20 << 5) | 15, (44 << 9) | (3 << 5) | 5)
        );
    }
}

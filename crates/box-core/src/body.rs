//! Streaming bodies for uploads and downloads.
//!
//! No operation in boxkit needs a whole file in memory: uploads take a [`Body`]
//! (a stream of byte chunks with an optional known length) and downloads return
//! one.

use std::fmt;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream, Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::{Error, Result};

/// A boxed stream of byte chunks.
pub type ByteStream = BoxStream<'static, Result<Bytes>>;

/// A stream of bytes with an optional known total length.
///
/// `Body` implements [`Stream`]; build one from bytes, a stream, an
/// [`AsyncRead`] or a file path.
pub struct Body {
    stream: ByteStream,
    len: Option<u64>,
    /// The file behind a [`Body::from_path`] body (a second handle on it, not
    /// yet read), for consumers that read it straight into their own buffers.
    file: Option<std::fs::File>,
}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Self::from_bytes(Bytes::new())
    }

    /// A body from bytes already in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        let len = bytes.len() as u64;
        let stream = if bytes.is_empty() {
            stream::empty().boxed()
        } else {
            stream::once(async move { Ok(bytes) }).boxed()
        };
        Self {
            stream,
            len: Some(len),
            file: None,
        }
    }

    /// A body from a stream of chunks. `len` is the total length when known.
    pub fn from_stream<S>(stream: S, len: Option<u64>) -> Self
    where
        S: Stream<Item = Result<Bytes>> + Send + 'static,
    {
        Self {
            stream: stream.boxed(),
            len,
            file: None,
        }
    }

    /// A body read from an [`AsyncRead`]. `len` is the total length when known.
    pub fn from_reader<R>(reader: R, len: Option<u64>) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        let stream = tokio_util::io::ReaderStream::with_capacity(reader, 64 * 1024)
            .map(|r| r.map_err(|e| Error::io("reading upload source", e)));
        Self::from_stream(stream, len)
    }

    /// A body streaming a local file, with its length taken from the file system.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        let len = file
            .metadata()
            .await
            .map_err(|e| Error::io(format!("reading metadata of {}", path.display()), e))?
            .len();
        let direct = file
            .try_clone()
            .await
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?
            .into_std()
            .await;
        let mut body = Self::from_reader(file, Some(len));
        body.file = Some(direct);
        Ok(body)
    }

    /// The file and declared length of a body made by [`Body::from_path`],
    /// positioned at its start, for a consumer that reads it into its own
    /// buffers (one copy less than the chunk stream); any other body is
    /// given back unchanged. The caller checks the length it reads.
    pub fn try_into_file(self) -> std::result::Result<(std::fs::File, u64), Self> {
        match (self.file, self.len) {
            (Some(file), Some(len)) => Ok((file, len)),
            (file, len) => Err(Self {
                stream: self.stream,
                len,
                file,
            }),
        }
    }

    /// The total length, when known.
    pub fn len(&self) -> Option<u64> {
        self.len
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }

    /// The chunk stream.
    pub fn into_stream(self) -> ByteStream {
        self.stream
    }

    /// Wraps the stream so that it fails with [`Error::InvalidInput`] if the
    /// number of bytes differs from the declared length. Without a declared
    /// length the body is returned unchanged.
    pub fn checked(self) -> Self {
        match self.len {
            Some(expected) => Self {
                stream: LengthCheck {
                    inner: self.stream,
                    expected,
                    seen: 0,
                    finished: false,
                }
                .boxed(),
                len: Some(expected),
                file: self.file,
            },
            None => self,
        }
    }

    /// Reads the whole body into memory, failing with [`Error::InvalidInput`]
    /// if it is longer than `limit` bytes.
    pub async fn collect(self, limit: u64) -> Result<Bytes> {
        if let Some(len) = self.len {
            if len > limit {
                return Err(Error::invalid_input(format!(
                    "body of {len} bytes exceeds the limit of {limit} bytes"
                )));
            }
        }
        let mut buf = BytesMut::new();
        let mut stream = self.stream;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            if buf.len() as u64 + chunk.len() as u64 > limit {
                return Err(Error::invalid_input(format!(
                    "body exceeds the limit of {limit} bytes"
                )));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }

    /// Copies the body into a writer, returning the number of bytes written.
    pub async fn write_to<W: AsyncWrite + Unpin>(self, writer: &mut W) -> Result<u64> {
        let mut n = 0u64;
        let mut stream = self.stream;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| Error::io("writing download", e))?;
            n += chunk.len() as u64;
        }
        writer
            .flush()
            .await
            .map_err(|e| Error::io("flushing download", e))?;
        Ok(n)
    }

    /// Writes the body to a file at `path` atomically: the bytes go to a
    /// temporary file beside it, which is renamed into place only once the
    /// whole body has arrived. On failure nothing is left at `path`.
    pub async fn write_to_path(self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let file_name = path.file_name().ok_or_else(|| {
            Error::invalid_input(format!("{} is not a file path", path.display()))
        })?;
        // Unique per call, not just per process: two downloads to the same
        // path must not write into one temporary file.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let tmp_name = format!(
            ".{}.boxkit-partial-{}-{}",
            file_name.to_string_lossy(),
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let tmp = match dir {
            Some(d) => d.join(tmp_name),
            None => std::path::PathBuf::from(tmp_name),
        };
        let result = async {
            let mut f = tokio::fs::File::create(&tmp)
                .await
                .map_err(|e| Error::io(format!("creating {}", tmp.display()), e))?;
            let n = self.write_to(&mut f).await?;
            f.sync_all()
                .await
                .map_err(|e| Error::io(format!("syncing {}", tmp.display()), e))?;
            drop(f);
            tokio::fs::rename(&tmp, path)
                .await
                .map_err(|e| Error::io(format!("renaming into {}", path.display()), e))?;
            Ok(n)
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }
}

/// Fails a stream whose byte count differs from the declared length.
struct LengthCheck {
    inner: ByteStream,
    expected: u64,
    seen: u64,
    finished: bool,
}

impl Stream for LengthCheck {
    type Item = Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        match self.inner.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.seen += chunk.len() as u64;
                if self.seen > self.expected {
                    self.finished = true;
                    return Poll::Ready(Some(Err(Error::invalid_input(format!(
                        "body is longer than its declared length of {} bytes",
                        self.expected
                    )))));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                self.finished = true;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                self.finished = true;
                if self.seen < self.expected {
                    Poll::Ready(Some(Err(Error::invalid_input(format!(
                        "body ended after {} of its declared {} bytes",
                        self.seen, self.expected
                    )))))
                } else {
                    Poll::Ready(None)
                }
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Stream for Body {
    type Item = Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.poll_next_unpin(cx)
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body::from_bytes(b)
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Body::from_bytes(v)
    }
}

impl From<&'static [u8]> for Body {
    fn from(v: &'static [u8]) -> Self {
        Body::from_bytes(Bytes::from_static(v))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body::from_bytes(s)
    }
}

/// An inclusive byte range of a file, as in HTTP's `Range: bytes=start-end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ByteRange {
    /// First byte, from 0.
    pub start: u64,
    /// Last byte, inclusive; `None` for "to the end".
    pub end: Option<u64>,
}

impl ByteRange {
    /// Bytes `start..=end`.
    pub fn new(start: u64, end_inclusive: u64) -> Result<Self> {
        if end_inclusive < start {
            return Err(Error::invalid_input(format!(
                "byte range {start}-{end_inclusive} ends before it starts"
            )));
        }
        Ok(Self {
            start,
            end: Some(end_inclusive),
        })
    }

    /// Bytes from `start` to the end of the file.
    pub fn from_offset(start: u64) -> Self {
        Self { start, end: None }
    }

    /// The value of an HTTP `Range` header (`bytes=0-99`, `bytes=100-`).
    pub fn to_header_value(&self) -> String {
        match self.end {
            Some(end) => format!("bytes={}-{}", self.start, end),
            None => format!("bytes={}-", self.start),
        }
    }

    /// Resolves against a file size, giving the half-open `start..end` span,
    /// or [`Error::InvalidInput`] if the range starts past the end.
    pub fn resolve(&self, size: u64) -> Result<std::ops::Range<u64>> {
        if self.start >= size && !(size == 0 && self.start == 0) {
            return Err(Error::invalid_input(format!(
                "range starts at byte {} but the file has {size} bytes",
                self.start
            )));
        }
        let end = match self.end {
            // Saturating: `end == u64::MAX` means "to the end", not an overflow.
            Some(e) => e.saturating_add(1).min(size),
            None => size,
        };
        Ok(self.start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn collect_respects_limit() {
        let b = Body::from_bytes("hello world");
        assert!(b.collect(5).await.is_err());
        let b = Body::from_stream(
            stream::iter(vec![Ok(Bytes::from("ab")), Ok(Bytes::from("cd"))]),
            None,
        );
        assert!(matches!(
            b.collect(3).await,
            Err(Error::InvalidInput { .. })
        ));
    }

    #[tokio::test]
    async fn checked_detects_short_and_long_bodies() {
        let short = Body::from_stream(stream::iter(vec![Ok(Bytes::from("ab"))]), Some(5));
        assert!(short.checked().collect(100).await.is_err());
        let long = Body::from_stream(stream::iter(vec![Ok(Bytes::from("abcdef"))]), Some(5));
        assert!(long.checked().collect(100).await.is_err());
        let exact = Body::from_stream(
            stream::iter(vec![Ok(Bytes::from("abc")), Ok(Bytes::from("de"))]),
            Some(5),
        );
        assert_eq!(exact.checked().collect(100).await.unwrap(), "abcde");
    }

    #[tokio::test]
    async fn write_to_path_is_atomic_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        let failing = Body::from_stream(
            stream::iter(vec![
                Ok(Bytes::from("partial")),
                Err(Error::transport("connection reset", true, None)),
            ]),
            None,
        );
        assert!(failing.write_to_path(&target).await.is_err());
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        let ok = Body::from_bytes("complete");
        assert_eq!(ok.write_to_path(&target).await.unwrap(), 8);
        assert_eq!(std::fs::read(&target).unwrap(), b"complete");
    }

    #[tokio::test]
    async fn concurrent_writes_to_one_path_do_not_share_a_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("same.bin");
        // Two slow bodies, interleaving chunk by chunk.
        let slow = |byte: u8| {
            Body::from_stream(
                stream::iter(0..50).then(move |_| async move {
                    tokio::task::yield_now().await;
                    Ok(Bytes::from(vec![byte; 1000]))
                }),
                Some(50_000),
            )
        };
        let (a, b) = tokio::join!(
            slow(b'a').write_to_path(&target),
            slow(b'b').write_to_path(&target)
        );
        assert_eq!((a.unwrap(), b.unwrap()), (50_000, 50_000));
        let got = std::fs::read(&target).unwrap();
        assert_eq!(got.len(), 50_000);
        assert!(got.iter().all(|c| *c == got[0]), "mixed content");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[tokio::test]
    async fn from_path_streams_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in.bin");
        std::fs::write(&p, vec![7u8; 200_000]).unwrap();
        let b = Body::from_path(&p).await.unwrap();
        assert_eq!(b.len(), Some(200_000));
        assert_eq!(b.collect(1 << 20).await.unwrap().len(), 200_000);
        assert!(Body::from_path(dir.path().join("missing")).await.is_err());
    }

    #[test]
    fn range_resolution() {
        let r = ByteRange::new(2, 4).unwrap();
        assert_eq!(r.to_header_value(), "bytes=2-4");
        assert_eq!(r.resolve(10).unwrap(), 2..5);
        assert_eq!(r.resolve(3).unwrap(), 2..3);
        assert!(r.resolve(2).is_err());
        assert_eq!(ByteRange::from_offset(3).resolve(10).unwrap(), 3..10);
        assert!(ByteRange::new(5, 1).is_err());
        // An open-ended range written with the largest end (overflowed `end + 1`).
        assert_eq!(
            ByteRange::new(3, u64::MAX).unwrap().resolve(10).unwrap(),
            3..10
        );
    }
}

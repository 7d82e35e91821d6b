//! Downloads: `GET /files/{id}/content`, following Box's `302` to the
//! download host without sending `Authorization` there, waiting on
//! `202 + Retry-After`, with byte ranges and old versions, streamed.
//!
//! A download resumed after a dropped connection fetches the version it
//! started with, never the start of one version spliced to the end of
//! another: it asks the download URL Box redirected to (which names one
//! version) again, with `If-Match` on the first response's `ETag` when
//! there was one, and checks the resumed answer reports the same total size.
//! A file that changed anyway is an [`Error::PreconditionFailed`].
//! Parallel range downloads ([`Download::to_path_parallel`]) pin the
//! current version's id (`version=`) before fetching any range.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use box_core::{Body, ByteRange, Error, Result};
use futures::{StreamExt, TryStreamExt};
use http::header::{HeaderValue, CONTENT_RANGE, ETAG, IF_MATCH, RANGE};
use reqwest::Method;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio_util::task::AbortOnDropHandle;

use crate::transport::error::from_reqwest;
use crate::{seg, Client};

/// A download being set up: `client.download(file_id)`.
#[derive(Debug)]
#[must_use = "a download does nothing until .send() is awaited"]
pub struct Download {
    client: Client,
    file_id: String,
    range: Option<ByteRange>,
    version: Option<String>,
}

/// What the first response of a download said about the version it
/// carries, so a resume fetches the same one.
#[derive(Debug, Clone, Default)]
struct Pin {
    /// The download URL the API redirected to: it names one version.
    location: Option<url::Url>,
    /// The first response's `ETag`, sent back as `If-Match`.
    etag: Option<HeaderValue>,
    /// The whole file's size as the first response reported it.
    total: Option<u64>,
}

impl Pin {
    fn of(resp: &reqwest::Response, api_path: &str) -> Self {
        let redirected = resp.url().path() != api_path;
        Pin {
            location: redirected.then(|| resp.url().clone()),
            etag: resp.headers().get(ETAG).cloned(),
            total: total_size_of(resp),
        }
    }
}

/// The whole file's size from `Content-Range: bytes a-b/TOTAL` (a 206), or
/// `Content-Length` of a whole answer (a 200).
fn total_size_of(resp: &reqwest::Response) -> Option<u64> {
    if resp.status().as_u16() == 206 {
        let range = resp.headers().get(CONTENT_RANGE)?.to_str().ok()?;
        range.rsplit_once('/')?.1.trim().parse().ok()
    } else {
        resp.content_length()
    }
}

/// Where an interrupted download resumes from.
struct Resume {
    download: Download,
    pin: Pin,
    stream: Option<futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>>,
    offset: u64,
    end: Option<u64>,
    retries_left: u32,
}

impl Client {
    /// Downloads a file's content.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// // Streamed to disk, resumed where it stopped if the connection drops.
    /// let bytes = client.download("12345").to_path("report.pdf").await?;
    /// println!("{bytes} bytes");
    /// # Ok(()) }
    /// ```
    pub fn download(&self, file_id: impl AsRef<str>) -> Download {
        Download {
            client: self.clone(),
            file_id: file_id.as_ref().to_owned(),
            range: None,
            version: None,
        }
    }
}

impl Download {
    /// Only this byte range.
    pub fn range(mut self, range: ByteRange) -> Self {
        self.range = Some(range);
        self
    }

    /// A past version (`version=` query parameter).
    pub fn version(mut self, version_id: impl Into<String>) -> Self {
        self.version = Some(version_id.into());
        self
    }

    /// Starts the download; the body streams as it is read. When the
    /// connection drops mid-body, the rest is requested again with a byte
    /// range (up to the client's retry count), so the stream carries on.
    pub async fn send(self) -> Result<Body> {
        let resp = self.open(self.range).await?;
        let pin = Pin::of(&resp, &self.api_path());
        // A server that ignores `Range: bytes=0-N` answers 200 with the whole
        // file: only the asked-for bytes are passed on (see the loop below).
        let wanted = self
            .range
            .and_then(|r| r.end.map(|end| end.saturating_sub(r.start) + 1));
        let len = match (resp.content_length(), wanted) {
            (Some(l), Some(w)) => Some(l.min(w)),
            (l, _) => l,
        };
        let retries = self.client.inner.core.retry.max_retries;
        let start = self.range.map_or(0, |r| r.start);
        let end = self.range.and_then(|r| r.end);
        let state = Resume {
            download: self,
            pin,
            stream: Some(resp.bytes_stream().boxed()),
            offset: start,
            end,
            retries_left: retries,
        };
        let stream = futures::stream::try_unfold(state, |mut st| async move {
            loop {
                let Some(stream) = st.stream.as_mut() else {
                    return Ok(None);
                };
                match stream.next().await {
                    Some(Ok(mut chunk)) => {
                        if let Some(end) = st.end {
                            let room = (end + 1).saturating_sub(st.offset);
                            if chunk.len() as u64 > room {
                                chunk.truncate(room as usize);
                                st.stream = None;
                            }
                        }
                        st.offset += chunk.len() as u64;
                        return Ok(Some((chunk, st)));
                    }
                    None => return Ok(None),
                    Some(Err(e)) if st.retries_left == 0 => return Err(from_reqwest(e)),
                    Some(Err(e)) => {
                        st.retries_left -= 1;
                        tracing::warn!(
                            offset = st.offset, error = %from_reqwest(e),
                            "download interrupted, resuming with a byte range"
                        );
                        let rest = match st.end {
                            Some(end) if st.offset > end => return Ok(None),
                            Some(end) => ByteRange::new(st.offset, end)?,
                            None => ByteRange::from_offset(st.offset),
                        };
                        let resp = st.download.resume(rest, &st.pin).await?;
                        st.stream = Some(resp.bytes_stream().boxed());
                    }
                }
            }
        });
        Ok(Body::from_stream(stream, len).checked())
    }

    fn api_path(&self) -> String {
        let url = self
            .client
            .api_url(&format!("/files/{}/content", seg(&self.file_id)));
        url.map(|u| u.path().to_owned()).unwrap_or_default()
    }

    /// Fetches `rest` of the version the download started with (see the
    /// module docs): a changed file is an [`Error::PreconditionFailed`].
    async fn resume(&self, rest: ByteRange, pin: &Pin) -> Result<reqwest::Response> {
        let changed = |why: String| {
            Error::precondition_failed(format!(
                "file {} changed while downloading ({why}); not resumed, so two versions are \
                 never mixed: download it again",
                self.file_id
            ))
        };
        let resp = match &pin.location {
            Some(location) => {
                let mut rb = self
                    .client
                    .request(Method::GET, location.as_str())
                    .follow_redirects(true)
                    .retry_accepted(true)
                    .header(RANGE, rest.to_header_value());
                if let Some(tag) = pin.etag.as_ref().and_then(|t| t.to_str().ok()) {
                    rb = rb.header(IF_MATCH, tag);
                }
                match rb.send_raw().await {
                    Ok(resp) => resp,
                    Err(Error::PreconditionFailed { .. }) => {
                        return Err(changed("its ETag no longer matches".into()))
                    }
                    // The download URL expired: through the API again only
                    // when the version is pinned by id.
                    Err(e)
                        if self.version.is_some()
                            && (e.is_not_found() || matches!(e.status(), Some(403 | 410))) =>
                    {
                        self.open(Some(rest)).await?
                    }
                    Err(e) if e.is_not_found() || matches!(e.status(), Some(403 | 410)) => {
                        return Err(Error::precondition_failed(format!(
                            "the download link of file {} expired before the download could \
                             resume, and the file may have changed since: download it again",
                            self.file_id
                        )))
                    }
                    Err(e) => return Err(e),
                }
            }
            None => self.open(Some(rest)).await?,
        };
        if resp.status().as_u16() == 200 && rest.start > 0 {
            return Err(Error::api(200, "the server ignored the byte range"));
        }
        let now = total_size_of(&resp);
        if let (Some(before), Some(now)) = (pin.total, now) {
            if before != now {
                return Err(changed(format!("it was {before} bytes, it is now {now}")));
            }
        }
        Ok(resp)
    }

    async fn open(&self, range: Option<ByteRange>) -> Result<reqwest::Response> {
        let mut rb = self
            .client
            .request(
                Method::GET,
                &format!("/files/{}/content", seg(&self.file_id)),
            )
            .follow_redirects(true)
            .retry_accepted(true);
        if let Some(v) = &self.version {
            rb = rb.query([("version", v.as_str())]);
        }
        if let Some(r) = &range {
            rb = rb.header(RANGE, r.to_header_value());
        }
        let resp = rb.send_raw().await?;
        let status = resp.status().as_u16();
        if range.is_some_and(|r| r.start > 0) && status == 200 {
            return Err(Error::api(status, "the server ignored the byte range"));
        }
        Ok(resp)
    }

    /// Streams the content into `writer`, returning the bytes written.
    pub async fn to_writer<W: AsyncWrite + Unpin>(self, writer: &mut W) -> Result<u64> {
        let mut body = self.send().await?;
        let mut n = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| Error::io("writing the download", e))?;
            n += chunk.len() as u64;
        }
        writer
            .flush()
            .await
            .map_err(|e| Error::io("flushing the download", e))?;
        Ok(n)
    }

    /// Downloads in byte ranges of `part_size`, `concurrency` at a time,
    /// each range written at its offset of a temporary file beside `path`
    /// (positioned writes, no reassembly), which is renamed to `path` once
    /// every range has arrived. Memory stays at about `concurrency` write
    /// buffers of at most 1 MiB each (plus what HTTP buffers), whatever
    /// `part_size`. A range already set on this download is ignored: the
    /// whole file (or the whole [`Download::version`]) is fetched.
    pub async fn to_path_parallel(
        self,
        path: impl AsRef<Path>,
        concurrency: usize,
        part_size: u64,
    ) -> Result<u64> {
        if part_size == 0 {
            return Err(Error::invalid_input("part size must be at least 1 byte"));
        }
        let (size, pinned) = self.total_size().await?;
        // Every range from one version: the one current now, by id.
        let mut this = self;
        if this.version.is_none() {
            this.version = pinned;
        }
        let this = this;
        if size == 0 {
            return Body::empty().write_to_path(path).await;
        }
        let path = path.as_ref();
        let tmp = partial_path(path)?;
        let result = this
            .ranges_into(&tmp, size, concurrency.max(1), part_size)
            .await;
        let result = match result {
            Ok(()) => tokio::fs::rename(&tmp, path)
                .await
                .map(|()| size)
                .map_err(|e| Error::io(format!("renaming into {}", path.display()), e)),
            Err(e) => Err(e),
        };
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }

    /// Fetches every range of a `size`-byte file into `tmp`, `concurrency`
    /// ranges at a time, then syncs it.
    async fn ranges_into(
        self,
        tmp: &Path,
        size: u64,
        concurrency: usize,
        part_size: u64,
    ) -> Result<()> {
        let file = std::fs::File::create(tmp)
            .map_err(|e| Error::io(format!("creating {}", tmp.display()), e))?;
        file.set_len(size)
            .map_err(|e| Error::io(format!("sizing {}", tmp.display()), e))?;
        let file = Arc::new(file);
        let Download {
            client,
            file_id,
            version,
            ..
        } = self;
        let starts = (0..size).step_by(usize::try_from(part_size).unwrap_or(usize::MAX));
        futures::stream::iter(starts)
            .map(|start| {
                let end = start.saturating_add(part_size).min(size) - 1;
                let d = Download {
                    client: client.clone(),
                    file_id: file_id.clone(),
                    range: ByteRange::new(start, end).ok(),
                    version: version.clone(),
                };
                let file = file.clone();
                // A task per range: receiving, copying and writing one
                // range never waits on another range's task.
                // Dropped (another range failed): the task is aborted.
                let task = AbortOnDropHandle::new(tokio::spawn(fetch_range(d, file, start, end)));
                async move {
                    task.await.map_err(|e| {
                        Error::io(
                            "a download task failed",
                            std::io::Error::other(e.to_string()),
                        )
                    })?
                }
            })
            .buffer_unordered(concurrency)
            .try_for_each(|()| async { Ok(()) })
            .await?;
        tokio::task::spawn_blocking(move || file.sync_all())
            .await
            .map_err(|e| Error::io("syncing the download", std::io::Error::other(e.to_string())))?
            .map_err(|e| Error::io(format!("syncing {}", tmp.display()), e))
    }

    /// The size of what this download fetches: the file's, or the requested
    /// version's (`GET /files/{id}` reports the current version only; past
    /// versions are listed by `GET /files/{id}/versions`), with the current
    /// version's id when no version was asked for.
    async fn total_size(&self) -> Result<(u64, Option<String>)> {
        let no_size = || Error::decode("File", "size", "the server did not report the size");
        let file = self
            .client
            .files()
            .get(&self.file_id)
            .fields(["size", "file_version"])
            .send()
            .await?;
        let current = file.file_version.as_ref().map(|v| v.id.as_str().to_owned());
        let Some(version) = &self.version else {
            return Ok((file.size.ok_or_else(no_size)?, current));
        };
        if current.as_deref() == Some(version.as_str()) {
            return Ok((file.size.ok_or_else(no_size)?, None));
        }
        let mut versions = self.client.files().versions(&self.file_id, &["size"]);
        while let Some(v) = versions.next().await {
            let v = v?;
            if v.id.as_str() == version {
                let size = v.size.ok_or_else(|| {
                    Error::decode("FileVersion", "size", "the server did not report the size")
                })?;
                return Ok((size, None));
            }
        }
        Err(Error::not_found(format!(
            "file {} has no version {version}",
            self.file_id
        )))
    }

    /// Streams the content into a file at `path`, atomically.
    pub async fn to_path(self, path: impl AsRef<Path>) -> Result<u64> {
        self.send().await?.write_to_path(path).await
    }
}

/// Most bytes of one range held before they are written out.
const WRITE_BUFFER: usize = 1024 * 1024;

/// Downloads `start..=end` and writes it at `start` of `file`, in writes of
/// up to [`WRITE_BUFFER`] bytes on the blocking pool.
async fn fetch_range(d: Download, file: Arc<std::fs::File>, start: u64, end: u64) -> Result<()> {
    let want = end - start + 1;
    let mut body = d.send().await?;
    let mut buf = Vec::with_capacity(WRITE_BUFFER.min(want as usize));
    let mut at = start;
    let mut got = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        got += chunk.len() as u64;
        if got > want {
            break;
        }
        if buf.is_empty() && chunk.len() >= WRITE_BUFFER {
            // Big enough to write as it is, without a copy.
            let n = chunk.len() as u64;
            write_at(&file, chunk, at).await?;
            at += n;
            continue;
        }
        buf.extend_from_slice(&chunk);
        if buf.len() >= WRITE_BUFFER {
            let n = buf.len() as u64;
            buf = write_at(&file, buf, at).await?;
            buf.clear();
            at += n;
        }
    }
    if got != want {
        return Err(Error::decode(
            "ranged download",
            format!("bytes {start}-{end}"),
            format!("got {got} bytes"),
        ));
    }
    if !buf.is_empty() {
        write_at(&file, buf, at).await?;
    }
    Ok(())
}

/// Writes `bytes` at `offset` of `file` on the blocking pool; gives the
/// buffer back for reuse.
async fn write_at<B: AsRef<[u8]> + Send + 'static>(
    file: &Arc<std::fs::File>,
    bytes: B,
    offset: u64,
) -> Result<B> {
    let file = file.clone();
    tokio::task::spawn_blocking(move || {
        positioned_write(&file, bytes.as_ref(), offset).map(|()| bytes)
    })
    .await
    .map_err(|e| {
        Error::io(
            "a download write failed",
            std::io::Error::other(e.to_string()),
        )
    })?
    .map_err(|e| Error::io("writing the download", e))
}

#[cfg(unix)]
fn positioned_write(file: &std::fs::File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_all_at(bytes, offset)
}

#[cfg(windows)]
fn positioned_write(
    file: &std::fs::File,
    mut bytes: &[u8],
    mut offset: u64,
) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !bytes.is_empty() {
        let n = file.seek_write(bytes, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

/// A temporary name beside `path`, unique per call.
fn partial_path(path: &Path) -> Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid_input(format!("{} is not a file path", path.display())))?;
    let tmp = format!(
        ".{}.boxkit-partial-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    Ok(match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => dir.join(tmp),
        None => PathBuf::from(tmp),
    })
}

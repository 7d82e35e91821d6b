//! Downloads that Box prepares first, built by hand on the generated calls:
//!
//! - zip downloads: [`ZipDownloads::download`] creates the archive
//!   (`POST /zip_downloads`) and streams its `download_url`;
//! - representations (PDF, thumbnails, text, pages of images):
//!   [`Files::representation`] asks for them with an `x-rep-hints` header,
//!   polls a `pending` one (at [`Representation::poll_interval`], for at most
//!   [`Representation::max_wait`]) and streams the content.

use std::time::{Duration, Instant};

use box_core::{Body, Error, FileId, ItemId, Result};
use futures::TryStreamExt;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;

use crate::generated::models::{
    FileFull, FileFullRepresentationsEntriesItem as RepresentationEntry,
    FileFullRepresentationsEntriesItemStatusState as State, ZipDownload, ZipDownloadRequest,
    ZipDownloadRequestItemsItem, ZipDownloadRequestItemsItemType,
};
use crate::generated::{Files, ZipDownloads};
use crate::transport::error::from_reqwest;
use crate::Client;

/// What is escaped in one segment of an asset path: all but RFC 3986's
/// unreserved characters (`1.png` stays as it is).
const ASSET_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'~');

/// A zip archive being downloaded: what Box answered when it was created
/// (its `name_conflicts`, `status_url`, `expires_at`) and the streamed bytes.
#[derive(Debug)]
#[non_exhaustive]
pub struct ZipArchive {
    /// Box's answer to `POST /zip_downloads`.
    pub info: ZipDownload,
    /// The archive's bytes, streamed as they are read.
    pub body: Body,
}

/// Streams the body of a GET of `url` (absolute, as Box returns it).
async fn stream_url(client: &Client, url: &str) -> Result<Body> {
    let resp = client
        .request(Method::GET, url)
        .follow_redirects(true)
        .send_raw()
        .await?;
    let len = resp.content_length();
    let stream = resp.bytes_stream().map_err(from_reqwest);
    Ok(Body::from_stream(stream, len).checked())
}

impl ZipDownloads {
    /// Creates a zip of `items` (files and folders) named `name` (Box's
    /// default when `None`) and starts streaming it: `POST /zip_downloads`,
    /// then a GET of the answer's `download_url` (which needs no token; it is
    /// valid for a few seconds, so the download starts at once).
    ///
    /// Web links cannot be zipped and an empty list makes no archive: both
    /// are [`Error::InvalidInput`], refused before any request.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::{FileId, FolderId, ItemId};
    ///
    /// let items = [ItemId::from(FileId::from("12345")), FolderId::from("678").into()];
    /// let zip = client.zip_downloads().download(items, Some("reports.zip")).await?;
    /// zip.body.write_to_path("reports.zip").await?;
    /// # Ok(()) }
    /// ```
    pub async fn download(
        &self,
        items: impl IntoIterator<Item = ItemId>,
        name: Option<&str>,
    ) -> Result<ZipArchive> {
        let items = items
            .into_iter()
            .map(|i| match i {
                ItemId::File(f) => Ok(ZipDownloadRequestItemsItem::new(
                    f.as_str().to_owned(),
                    ZipDownloadRequestItemsItemType::File,
                )),
                ItemId::Folder(f) => Ok(ZipDownloadRequestItemsItem::new(
                    f.as_str().to_owned(),
                    ZipDownloadRequestItemsItemType::Folder,
                )),
                ItemId::WebLink(w) => Err(Error::invalid_input(format!(
                    "web link {w} cannot be put in a zip download (files and folders only)"
                ))),
            })
            .collect::<Result<Vec<_>>>()?;
        if items.is_empty() {
            return Err(Error::invalid_input(
                "a zip download needs at least one file or folder",
            ));
        }
        let mut request = ZipDownloadRequest::new(items);
        request.download_file_name = name.map(str::to_owned);
        let info = self.create_zip_download(request).send().await?;
        let url = info.download_url.clone().ok_or_else(|| {
            Error::decode(
                "ZipDownload",
                "download_url",
                "no download URL in the answer",
            )
        })?;
        let body = stream_url(&self.client, &url).await?;
        Ok(ZipArchive { info, body })
    }
}

impl Files {
    /// A representation of file `id` (`x-rep-hints`, e.g. `[pdf]`,
    /// `[jpg?dimensions=320x320]`, `[extracted_text]`): see [`Representation`].
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use std::time::Duration;
    ///
    /// let pdf = client
    ///     .files()
    ///     .representation("12345", "[pdf]")
    ///     .max_wait(Duration::from_secs(60))
    ///     .download()
    ///     .await?;
    /// let bytes = pdf.collect(64 << 20).await?;
    /// println!("{} bytes of PDF", bytes.len());
    /// # Ok(()) }
    /// ```
    pub fn representation(
        &self,
        id: impl Into<FileId>,
        hints: impl Into<String>,
    ) -> Representation {
        Representation {
            client: self.client.clone(),
            file_id: id.into(),
            hints: hints.into(),
            asset_path: String::new(),
            poll_interval: Duration::from_secs(2),
            max_wait: Duration::from_secs(120),
        }
    }
}

/// A representation being asked for: see [`Files::representation`].
#[derive(Debug, Clone)]
#[must_use = "a representation request does nothing until .info() or .download() is awaited"]
pub struct Representation {
    client: Client,
    file_id: FileId,
    hints: String,
    asset_path: String,
    poll_interval: Duration,
    max_wait: Duration,
}

impl Representation {
    /// The asset of the representation to download, put in its
    /// `{+asset_path}`: `1.png` for the first page of a paged one. Default:
    /// empty (single-file representations such as `pdf` or `extracted_text`).
    pub fn asset_path(mut self, path: impl Into<String>) -> Self {
        self.asset_path = path.into();
        self
    }

    /// Time between two checks of a `pending` representation. Default: 2 s.
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = d;
        self
    }

    /// Longest time to wait for a `pending` representation before failing
    /// with [`Error::Transport`] (retryable: ask again later). Default: 120 s.
    pub fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }

    /// The representation once it is ready (`success` or `viewable`):
    /// `GET /files/{id}?fields=representations` with the hints, then its
    /// `info.url` until it stops being `pending`. A state of `none` (made on
    /// demand) is started by that first `info.url` request.
    pub async fn info(&self) -> Result<RepresentationEntry> {
        let file: FileFull = self
            .client
            .files()
            .get_file_information(self.file_id.clone())
            .fields(["representations"])
            .x_rep_hints(self.hints.clone())
            .send()
            .await?;
        let mut entry = file
            .representations
            .and_then(|r| r.entries)
            .and_then(|e| e.into_iter().next())
            .ok_or_else(|| {
                Error::unsupported(
                    format!(
                        "representation {} of file {} (Box offers none for these hints)",
                        self.hints, self.file_id
                    ),
                    "v2",
                )
            })?;
        let deadline = Instant::now() + self.max_wait;
        let mut first = true;
        loop {
            match entry.status.as_ref().and_then(|s| s.state.clone()) {
                Some(State::Success | State::Viewable) => return Ok(entry),
                Some(State::Pending) | Some(State::None) => {}
                Some(State::Other(s)) => {
                    return Err(Error::unsupported(
                        format!(
                            "representation {} of file {} is in state {s:?}",
                            self.hints, self.file_id
                        ),
                        "v2",
                    ))
                }
                // No status: Box answered with what it has; treat as ready
                // when there is content to fetch.
                None if entry.content.is_some() => return Ok(entry),
                None => {}
            }
            if !first {
                if Instant::now() + self.poll_interval > deadline {
                    return Err(Error::transport(
                        format!(
                            "representation {} of file {} still pending after {:?}",
                            self.hints, self.file_id, self.max_wait
                        ),
                        true,
                        None,
                    ));
                }
                tokio::time::sleep(self.poll_interval).await;
            }
            first = false;
            let url = entry
                .info
                .as_ref()
                .and_then(|i| i.url.clone())
                .ok_or_else(|| {
                    Error::decode(
                        "Representation",
                        "info.url",
                        "a pending representation without an info URL",
                    )
                })?;
            entry = self
                .client
                .request(Method::GET, &url)
                .describe("Representation")
                .send()
                .await?;
        }
    }

    /// Waits for the representation ([`Representation::info`]) and streams
    /// the asset at [`Representation::asset_path`].
    pub async fn download(&self) -> Result<Body> {
        let entry = self.info().await?;
        let template = entry.content.and_then(|c| c.url_template).ok_or_else(|| {
            Error::decode(
                "Representation",
                "content.url_template",
                "a ready representation without a content URL",
            )
        })?;
        // The asset path goes into the URL one encoded segment at a time;
        // a dot segment would climb out of the representation.
        let mut asset = Vec::new();
        for part in self.asset_path.split('/').filter(|p| !p.is_empty()) {
            if part == "." || part == ".." {
                return Err(Error::invalid_input(format!(
                    "invalid representation asset path {:?}",
                    self.asset_path
                )));
            }
            asset.push(utf8_percent_encode(part, ASSET_SEGMENT).to_string());
        }
        let url = template.replace("{+asset_path}", &asset.join("/"));
        stream_url(&self.client, &url).await
    }
}

//! Shared items: `client.shared_item(url, password)` resolves a shared link
//! to the file, folder or web link behind it (`GET /shared_items` with the
//! `BoxApi` header), whatever its kind; `client.download_shared_file(..)`
//! streams the content of a shared file.
//!
//! The per-kind generated calls (`client.shared_links_files()
//! .find_file_for_shared_link(..)`…) stay available; this is the one call
//! that does not need to know the kind in advance.

use box_core::{FileId, Result};
use serde::{Deserialize, Serialize};

use crate::generated::models::{FileFull, FolderFull, WebLink};
use crate::Client;

/// What a shared link points at.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum SharedItem {
    /// A file.
    File(Box<FileFull>),
    /// A folder.
    Folder(Box<FolderFull>),
    /// A web link.
    WebLink(Box<WebLink>),
    /// A kind this version does not know, kept as JSON.
    Other(serde_json::Value),
}

impl<'de> Deserialize<'de> for SharedItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let kind = v.get("type").and_then(|t| t.as_str()).unwrap_or_default();
        fn decode<T: serde::de::DeserializeOwned, E: serde::de::Error>(
            v: serde_json::Value,
        ) -> std::result::Result<T, E> {
            serde_path_to_error::deserialize(v)
                .map_err(|e| E::custom(format!("at {}: {}", e.path(), e.inner())))
        }
        Ok(match kind {
            "file" => SharedItem::File(Box::new(decode::<_, D::Error>(v)?)),
            "folder" => SharedItem::Folder(Box::new(decode::<_, D::Error>(v)?)),
            "web_link" => SharedItem::WebLink(Box::new(decode::<_, D::Error>(v)?)),
            _ => SharedItem::Other(v),
        })
    }
}

/// The `BoxApi` header value for a shared link (and its password).
pub(crate) fn box_api_header(url: &str, password: Option<&str>) -> String {
    match password {
        Some(p) => format!("shared_link={url}&shared_link_password={p}"),
        None => format!("shared_link={url}"),
    }
}

impl Client {
    /// Resolves a shared link (`https://app.box.com/s/…`) to its item.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_v2::shared_items::SharedItem;
    ///
    /// match client.shared_item("https://app.box.com/s/abc", None).await? {
    ///     SharedItem::File(f) => println!("a file: {:?}", f.name),
    ///     SharedItem::Folder(f) => println!("a folder: {:?}", f.name),
    ///     other => println!("{other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_v2::shared_items::SharedItem;
    ///
    /// match client.shared_item("https://app.box.com/s/abc123", None).await? {
    ///     SharedItem::File(f) => println!("a file: {}", f.id),
    ///     SharedItem::Folder(f) => println!("a folder: {}", f.id),
    ///     other => println!("{other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn shared_item(&self, url: &str, password: Option<&str>) -> Result<SharedItem> {
        self.request(reqwest::Method::GET, "/shared_items")
            .header(
                http::HeaderName::from_static("boxapi"),
                box_api_header(url, password),
            )
            .describe("SharedItem")
            .send()
            .await
    }

    /// Streams the content of file `file_id` reached through a shared link
    /// (the `BoxApi` header grants access without a collaboration).
    pub async fn download_shared_file(
        &self,
        file_id: impl Into<FileId>,
        url: &str,
        password: Option<&str>,
    ) -> Result<reqwest::Response> {
        self.downloads()
            .download_file(file_id)
            .boxapi(box_api_header(url, password))
            .send()
            .await
    }
}

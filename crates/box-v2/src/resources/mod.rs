//! Typed handlers, one per API area: `client.files()`, `client.folders()`,
//! `client.users()`. Calls with optional arguments are builders ending in
//! `.send()`; all are built on [`crate::raw::RequestBuilder`].

pub mod files;
pub mod folders;
pub mod users;

use std::marker::PhantomData;

use box_core::Result;
use http::header::{IF_MATCH, IF_NONE_MATCH};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::raw::RequestBuilder;

pub use crate::generated::{Files, Folders, Users};
pub use folders::ItemsRequest;

/// A call returning `T`, with optional `fields`, `If-Match` and `If-None-Match`.
#[derive(Debug)]
#[must_use = "a call does nothing until .send() is awaited"]
pub struct Call<T> {
    rb: RequestBuilder,
    fields: Vec<String>,
    body: Option<Map<String, Value>>,
    _t: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Call<T> {
    pub(crate) fn new(rb: RequestBuilder) -> Self {
        Self {
            rb,
            fields: Vec::new(),
            body: None,
            _t: PhantomData,
        }
    }

    pub(crate) fn with_body(rb: RequestBuilder) -> Self {
        Self {
            body: Some(Map::new()),
            ..Self::new(rb)
        }
    }

    pub(crate) fn set(mut self, key: &str, value: Value) -> Self {
        self.body
            .get_or_insert_with(Map::new)
            .insert(key.to_owned(), value);
        self
    }

    /// Asks for these fields only (plus `id`, `type`, and a few Box always sends).
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields.extend(fields.into_iter().map(Into::into));
        self
    }

    /// Fails with [`box_core::Error::PreconditionFailed`] unless the item's etag is `etag`.
    pub fn if_match(mut self, etag: impl AsRef<str>) -> Self {
        self.rb = self.rb.header(IF_MATCH, etag);
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: &str, value: impl AsRef<str>) -> Self {
        self.rb = self.rb.query([(key, value.as_ref())]);
        self
    }

    fn finish(self) -> RequestBuilder {
        let mut rb = self.rb.fields(&self.fields);
        if let Some(body) = self.body {
            rb = rb.json(&Value::Object(body));
        }
        rb
    }

    /// Sends the call.
    pub async fn send(self) -> Result<T> {
        self.finish().send().await
    }

    /// Sends with `If-None-Match: etag`; `None` when the item is unchanged (304).
    pub async fn send_if_none_match(self, etag: impl AsRef<str>) -> Result<Option<T>> {
        self.finish()
            .header(IF_NONE_MATCH, etag)
            .send_if_modified()
            .await
    }
}

/// A call with no response body (deletes).
#[derive(Debug)]
#[must_use = "a call does nothing until .send() is awaited"]
pub struct EmptyCall {
    rb: RequestBuilder,
}

impl EmptyCall {
    pub(crate) fn new(rb: RequestBuilder) -> Self {
        Self { rb }
    }

    /// Fails with [`box_core::Error::PreconditionFailed`] unless the etag is `etag`.
    pub fn if_match(mut self, etag: impl AsRef<str>) -> Self {
        self.rb = self.rb.header(IF_MATCH, etag);
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: &str, value: impl AsRef<str>) -> Self {
        self.rb = self.rb.query([(key, value.as_ref())]);
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<()> {
        self.rb.send_empty().await
    }
}

/// `{"id": …}` for `parent` fields.
pub(crate) fn id_ref(id: &str) -> Value {
    serde_json::json!({ "id": id })
}

/// `PUT /files/{id}` or `PUT /folders/{id}`: rename, move, describe, tag.
#[derive(Debug)]
#[must_use = "a call does nothing until .send() is awaited"]
pub struct UpdateItem<T>(Call<T>);

impl<T: DeserializeOwned> UpdateItem<T> {
    pub(crate) fn new(rb: RequestBuilder) -> Self {
        Self(Call::with_body(rb))
    }

    /// Renames.
    pub fn name(self, name: impl Into<String>) -> Self {
        Self(self.0.set("name", Value::String(name.into())))
    }

    /// Moves into another folder.
    pub fn parent(self, folder_id: impl Into<box_core::FolderId>) -> Self {
        Self(self.0.set("parent", id_ref(folder_id.into().as_str())))
    }

    /// Sets the description.
    pub fn description(self, d: impl Into<String>) -> Self {
        Self(self.0.set("description", Value::String(d.into())))
    }

    /// Replaces the tags.
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(self, tags: I) -> Self {
        let tags = tags.into_iter().map(|t| Value::String(t.into())).collect();
        Self(self.0.set("tags", Value::Array(tags)))
    }

    /// Sets any other body field.
    pub fn set(self, key: &str, value: Value) -> Self {
        Self(self.0.set(key, value))
    }

    /// Fields to return.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(self, fields: I) -> Self {
        Self(self.0.fields(fields))
    }

    /// Only if the etag still matches.
    pub fn if_match(self, etag: impl AsRef<str>) -> Self {
        Self(self.0.if_match(etag))
    }

    /// Sends the update.
    pub async fn send(self) -> Result<T> {
        self.0.send().await
    }
}

/// `POST /files/{id}/copy` or `POST /folders/{id}/copy`.
#[derive(Debug)]
#[must_use = "a call does nothing until .send() is awaited"]
pub struct CopyItem<T>(Call<T>);

impl<T: DeserializeOwned> CopyItem<T> {
    pub(crate) fn new(rb: RequestBuilder, parent: &str) -> Self {
        Self(Call::with_body(rb).set("parent", id_ref(parent)))
    }

    /// A new name for the copy.
    pub fn name(self, name: impl Into<String>) -> Self {
        Self(self.0.set("name", Value::String(name.into())))
    }

    /// Sets any other body field (`version` for files).
    pub fn set(self, key: &str, value: Value) -> Self {
        Self(self.0.set(key, value))
    }

    /// Fields to return.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(self, fields: I) -> Self {
        Self(self.0.fields(fields))
    }

    /// Sends the copy.
    pub async fn send(self) -> Result<T> {
        self.0.send().await
    }
}

/// `POST /files/{id}` or `POST /folders/{id}`: restores from the trash.
#[derive(Debug)]
#[must_use = "a call does nothing until .send() is awaited"]
pub struct RestoreItem<T>(Call<T>);

impl<T: DeserializeOwned> RestoreItem<T> {
    pub(crate) fn new(rb: RequestBuilder) -> Self {
        Self(Call::with_body(rb))
    }

    /// Restores under another name (when the old one is taken).
    pub fn name(self, name: impl Into<String>) -> Self {
        Self(self.0.set("name", Value::String(name.into())))
    }

    /// Restores into another folder.
    pub fn parent(self, folder_id: impl Into<box_core::FolderId>) -> Self {
        Self(self.0.set("parent", id_ref(folder_id.into().as_str())))
    }

    /// Fields to return.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(self, fields: I) -> Self {
        Self(self.0.fields(fields))
    }

    /// Sends the restore.
    pub async fn send(self) -> Result<T> {
        self.0.send().await
    }
}

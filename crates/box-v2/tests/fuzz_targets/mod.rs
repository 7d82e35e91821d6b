//! box-v2's fuzz targets, each a plain `fn(&[u8])` that must never panic,
//! hang or allocate without bound, whatever JSON (or non-JSON) a server
//! sends.
//!
//! `tests/fuzz.rs` runs them as bounded property tests in `cargo test`; the
//! cargo-fuzz crate in `crates/box-v2/fuzz/` includes this very file (with
//! `#[path]`) so libFuzzer can run them for as long as one likes.

#![allow(dead_code)]

#[path = "../support/schemas.rs"]
mod schemas;

use std::sync::OnceLock;

use box_v2::models::{
    Collection, File, FileVersion, Folder, FolderMini, Item, PreflightCheck, UploadPart,
    UploadSession, UploadedPart, User, UserMini,
};
use box_v2::pagination::Page;
use box_v2::shared_items::SharedItem;
use box_v2::transport::error::{decode_json, map_error};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The names of every component schema with a generated model, read from the
/// generated test support file itself (so the list cannot drift from it).
pub fn schema_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        include_str!("../support/schemas.rs")
            .lines()
            .filter_map(|l| {
                let l = l.trim_start().strip_prefix('"')?;
                let (name, rest) = l.split_once('"')?;
                rest.trim_start().starts_with("=>").then_some(name)
            })
            .collect()
    })
}

/// Every generated `box_v2::schemas` model: the bytes as JSON, decoded as
/// each schema's model and, when that succeeds, encoded again.
pub fn generated_models(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for name in schema_names() {
        let r = schemas::round_trip_schema(name, value.clone());
        assert!(r.is_some(), "{name} is listed but has no model");
    }
}

fn decode_and_encode<T: DeserializeOwned + Serialize>(data: &[u8]) -> Option<T> {
    let t: T = decode_json("fuzz", data).ok()?;
    serde_json::to_vec(&t).expect("a decoded model encodes");
    Some(t)
}

/// The hand-written models (decoded from the bytes through the transport's
/// decoder, encoded back, converted to their `box_core` types), the paged
/// and plain collections, shared items, and the error-body mapper.
pub fn hand_written_models(data: &[u8]) {
    if let Some(f) = decode_and_encode::<File>(data) {
        let _ = box_core::File::from(f);
    }
    if let Some(f) = decode_and_encode::<Folder>(data) {
        let _ = box_core::Folder::from(f);
    }
    if let Some(v) = decode_and_encode::<FileVersion>(data) {
        let _ = box_core::FileVersion::from(v);
    }
    if let Some(u) = decode_and_encode::<User>(data) {
        let _ = box_core::User::from(u);
    }
    if let Some(u) = decode_and_encode::<UserMini>(data) {
        let _ = box_core::UserRef::from(u);
    }
    if let Some(i) = decode_and_encode::<Item>(data) {
        let _ = i.into_core();
    }
    decode_and_encode::<FolderMini>(data);
    decode_and_encode::<PreflightCheck>(data);
    decode_and_encode::<UploadSession>(data);
    decode_and_encode::<UploadedPart>(data);
    decode_and_encode::<Collection<UploadPart>>(data);
    decode_and_encode::<Collection<FileVersion>>(data);
    if let Some(c) = decode_and_encode::<Collection<Item>>(data) {
        c.entries.into_iter().for_each(|i| drop(i.into_core()));
    }
    if let Ok(p) = decode_json::<Page<Item>>("fuzz", data) {
        p.entries.into_iter().for_each(|i| drop(i.into_core()));
    }
    decode_and_encode::<SharedItem>(data);
    for status in [400, 401, 403, 404, 409, 412, 429, 500, 503] {
        let _ = map_error(status, &http::HeaderMap::new(), data).to_string();
    }
}

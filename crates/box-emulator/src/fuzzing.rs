//! Fuzz targets for the emulator's request parsing, each a plain
//! `fn(&[u8])` that must never panic or hang, whatever the bytes. Not part
//! of the emulator's API (hidden from its docs): it exists so the bounded
//! fuzz tests (`tests/fuzz.rs`) and cargo-fuzz (`fuzz/`) can reach parsers
//! that are private to their modules. Whole requests (multipart bodies,
//! uploads with `Content-Range` and `Digest`) are fuzzed through a running
//! emulator by `tests/fuzz.rs`.

use axum::http::{HeaderMap, HeaderValue};

use crate::v1::xml::Call;

/// The v1 XML envelope (`POST /api/1.0/xml`).
pub fn v1_envelope(data: &[u8]) {
    if let Ok(call) = Call::from_xml(data) {
        let _ = format!("{call:?}");
        let _ = call.get("auth_token");
        let _ = call.has("params", "nozip");
    }
}

/// The v1 REST query (`GET /api/1.0/rest?…`) and form body.
pub fn v1_query(data: &[u8]) {
    let query = String::from_utf8_lossy(data).into_owned();
    let call = Call::from_pairs(crate::v1::query_pairs(&Some(query)).into_iter());
    let _ = format!("{call:?}");
    let call = Call::from_pairs(url::form_urlencoded::parse(data).into_owned());
    let _ = call.get("action");
}

/// A chunked upload part's `Content-Range: bytes a-b/total`, and a
/// download's `Range: bytes=…` against a few sizes: a parsed range always
/// lies inside the file.
pub fn ranges(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::v2::uploads::parse_range(&text);
    for size in [0, 1, 7, 1 << 20, u64::MAX] {
        if let Ok((start, end)) = crate::v2::downloads::parse_range(&text, size) {
            assert!(
                start <= end && end < size,
                "{text:?} against {size}: {start}-{end}"
            );
        }
    }
}

/// The `Digest: sha=<base64>` header of a part or a commit.
pub fn digest(data: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert("digest", value);
    if let Ok(hex) = crate::v2::uploads::parse_digest(&headers) {
        assert_eq!(hex.len(), 40, "a SHA-1 in hex: {hex}");
    }
}

/// The `BoxApi: shared_link=…&shared_link_password=…` header.
pub fn boxapi(data: &[u8]) {
    let _ = crate::v2::shared_links::parse_boxapi(&String::from_utf8_lossy(data));
}

/// A fault rule as the CLI and the admin API take it.
pub fn fault_rule(data: &[u8]) {
    let _ = crate::faults::FaultConfig::parse_rule(&String::from_utf8_lossy(data));
}

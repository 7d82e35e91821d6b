//! Helpers shared by the emulator's integration tests: each test binary
//! says `mod support;` and uses what it needs (so some binaries leave some
//! helpers unused, hence the `dead_code` allowance).
//!
//! Raw HTTP (`http`, `call`, `upload`, `mkdir`…) for wire-level checks,
//! the box-v2 client (`sdk`, `raw`, `status`) for typed ones, v1 calls
//! (`v1_rest`, `v1_xml`, `tag`, `attr`), and file helpers (`root_names`,
//! `fetch`, `sha1_hex`).
#![allow(dead_code)]

use std::time::Duration;

use box_emulator::EmulatorHandle;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha1::Digest;

/// A plain HTTP client (following redirects).
pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// A plain HTTP client that does not follow redirects (downloads answer
/// 302 to a content URL, which tests check).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A client sending the emulator's admin secret with every request.
pub fn admin_client(emu: &EmulatorHandle) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-box-emulator-admin-secret",
        emu.admin_secret().parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Sends a request and reads the answer's status and JSON body (`Null`
/// when the body is not JSON).
pub async fn call(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    json_of(req.send().await.unwrap()).await
}

/// The status and JSON body (`Null` when not JSON) of an answer.
pub async fn json_of(r: reqwest::Response) -> (StatusCode, Value) {
    let s = r.status();
    let text = r.text().await.unwrap();
    (s, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The multipart form of a v2 upload of `bytes` as `name` into `parent`.
pub fn upload_form(name: &str, parent: &str, bytes: &[u8]) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text(
            "attributes",
            json!({"name": name, "parent": {"id": parent}}).to_string(),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        )
}

/// `POST /api/2.0/files/content`: uploads `bytes` as `name` into `parent`;
/// the answer's status and body.
pub async fn try_upload(
    emu: &EmulatorHandle,
    token: &str,
    parent: &str,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    call(
        http()
            .post(format!("{}/files/content", emu.upload_url()))
            .bearer_auth(token)
            .multipart(upload_form(name, parent, bytes)),
    )
    .await
}

/// Uploads a new file (which must succeed); its id.
pub async fn upload(
    emu: &EmulatorHandle,
    token: &str,
    parent: &str,
    name: &str,
    bytes: &[u8],
) -> String {
    let (s, v) = try_upload(emu, token, parent, name, bytes).await;
    assert_eq!(s, 201, "upload of {name}: {v}");
    v["entries"][0]["id"].as_str().unwrap().to_string()
}

/// `POST /2.0/folders`; the answer's status and body.
pub async fn try_mkdir(
    emu: &EmulatorHandle,
    token: &str,
    parent: &str,
    name: &str,
) -> (StatusCode, Value) {
    call(
        http()
            .post(format!("{}/folders", emu.api_url()))
            .bearer_auth(token)
            .json(&json!({"name": name, "parent": {"id": parent}})),
    )
    .await
}

/// Creates a folder (which must succeed); its id.
pub async fn mkdir(emu: &EmulatorHandle, token: &str, parent: &str, name: &str) -> String {
    let (s, v) = try_mkdir(emu, token, parent, name).await;
    assert_eq!(s, 201, "folder {name}: {v}");
    v["id"].as_str().unwrap().to_string()
}

/// Names in the caller's root folder, in listing order, from the v2 API
/// at `api` (`http://…/2.0`: an in-process emulator's or a spawned one's).
pub async fn root_names(api: &str, token: &str) -> Vec<String> {
    let (s, v) = call(
        http()
            .get(format!("{api}/folders/0/items"))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

/// A file's contents (following the download redirect) from the v2 API at
/// `api`.
pub async fn fetch(api: &str, token: &str, id: &str) -> Vec<u8> {
    reqwest::Client::new()
        .get(format!("{api}/files/{id}/content"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

/// Lower-case hex SHA-1 of `bytes`.
pub fn sha1_hex(bytes: &[u8]) -> String {
    sha1::Sha1::digest(bytes)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// `POST /oauth2/token` with `form`; the answer's status and JSON body.
pub async fn oauth_token(emu: &EmulatorHandle, form: &[(&str, &str)]) -> (StatusCode, Value) {
    call(http().post(format!("{}/token", emu.oauth_url())).form(form)).await
}

/// A box-v2 client of the emulator with a developer token.
pub fn sdk(emu: &EmulatorHandle, token: &str) -> box_v2::Client {
    box_v2::Client::builder()
        .base_url(&emu.base_url())
        .timeout(Duration::from_secs(30))
        .auth(box_v2::auth::DeveloperToken::new(token))
        .build()
        .unwrap()
}

/// The HTTP status of a call expected to fail (0 if it had none).
pub fn status<T: std::fmt::Debug>(r: box_core::Result<T>) -> u16 {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.status().unwrap_or(0),
    }
}

/// A JSON request through the box-v2 client's raw escape hatch (which
/// must succeed).
pub async fn raw(c: &box_v2::Client, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut req = c.request(method, path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

/// The text of the first `<name>` element of an XML answer.
pub fn tag<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

/// The value of the first attribute `name` in an XML answer.
pub fn attr<'a>(xml: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let start = xml.find(&key).unwrap() + key.len();
    let end = xml[start..].find('"').unwrap() + start;
    &xml[start..end]
}

/// A v1 REST call (`GET /api/1.0/rest?…`); the XML answer.
pub async fn v1_rest(emu: &EmulatorHandle, query: &[(&str, &str)]) -> String {
    reqwest::Client::new()
        .get(format!("{}/rest", emu.v1_url()))
        .query(query)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A v1 XML call (`POST /api/1.0/xml`); the XML answer.
pub async fn v1_xml(emu: &EmulatorHandle, body: String) -> String {
    reqwest::Client::new()
        .post(format!("{}/xml", emu.v1_url()))
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

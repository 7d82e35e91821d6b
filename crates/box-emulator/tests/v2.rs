//! End-to-end tests of the v2 API over HTTP (reqwest against an in-process emulator).

use base64::Engine;
use box_emulator::{Emulator, EmulatorHandle, FaultConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha1::Digest;

mod support;
use support::{call, http, json_of, sha1_hex, try_mkdir, try_upload};

async fn start() -> EmulatorHandle {
    Emulator::builder()
        .chunked_upload_min_size(10)
        .chunked_part_size(1024)
        .start()
        .await
        .unwrap()
}

fn assert_box_error(body: &Value, status: u16, code: &str) {
    assert_eq!(body["type"], "error", "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert!(body["request_id"].is_string(), "{body}");
}

async fn download(
    emu: &EmulatorHandle,
    token: &str,
    id: &str,
    range: Option<&str>,
) -> reqwest::Response {
    let r = http()
        .get(format!("{}/files/{id}/content", emu.api_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let mut req = http().get(loc);
    if let Some(range) = range {
        req = req.header("range", range);
    }
    req.send().await.unwrap()
}

fn sha1_b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(b))
}

#[tokio::test]
async fn folders_files_conflicts_and_downloads() {
    let emu = start().await;
    let t = emu.default_token().to_string();
    let (s, me) = call(
        http()
            .get(format!("{}/users/me", emu.api_url()))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(me["id"], emu.default_user());

    let (s, docs) = try_mkdir(&emu, &t, "0", "Docs").await;
    assert_eq!(s, 201, "{docs}");
    assert_eq!(docs["type"], "folder");
    assert_eq!(docs["parent"]["id"], "0");
    assert_eq!(docs["path_collection"]["entries"][0]["id"], "0");
    let docs_id = docs["id"].as_str().unwrap().to_string();

    // Name conflicts are case-insensitive and list the conflicting item.
    let (s, err) = try_mkdir(&emu, &t, "0", "DOCS").await;
    assert_eq!(s, 409);
    assert_box_error(&err, 409, "item_name_in_use");
    assert_eq!(err["context_info"]["conflicts"][0]["id"], docs_id.as_str());
    assert_eq!(err["context_info"]["conflicts"][0]["type"], "folder");

    let data = b"hello emulator, hello range".to_vec();
    let (s, up) = try_upload(&emu, &t, &docs_id, "a.txt", &data).await;
    assert_eq!(s, 201, "{up}");
    let file = &up["entries"][0];
    assert_eq!(file["sha1"], sha1_hex(&data));
    assert_eq!(file["size"], data.len());
    let fid = file["id"].as_str().unwrap().to_string();

    // Upload conflict carries the conflicting file.
    let (s, err) = try_upload(&emu, &t, &docs_id, "A.TXT", b"x").await;
    assert_eq!(s, 409);
    assert_eq!(err["context_info"]["conflicts"]["id"], fid.as_str());
    assert_eq!(err["context_info"]["conflicts"]["sha1"], sha1_hex(&data));

    let r = download(&emu, &t, &fid, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[..]);
    let r = download(&emu, &t, &fid, Some("bytes=6-13")).await;
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], "bytes 6-13/27");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"emulator");
    let r = download(&emu, &t, &fid, Some("bytes=100-")).await;
    assert_eq!(r.status(), 416);

    // fields selection, etags.
    let (s, f) = call(
        http()
            .get(format!("{}/files/{fid}?fields=name,tags", emu.api_url()))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(s, 200);
    let mut keys: Vec<_> = f.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["etag", "id", "name", "tags", "type"]);
    let etag = f["etag"].as_str().unwrap().to_string();
    let r = http()
        .get(format!("{}/files/{fid}", emu.api_url()))
        .bearer_auth(&t)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let (s, err) = call(
        http()
            .put(format!("{}/files/{fid}", emu.api_url()))
            .bearer_auth(&t)
            .header("if-match", "999")
            .json(&json!({"name": "b.txt"})),
    )
    .await;
    assert_eq!(s, 412);
    assert_box_error(&err, 412, "precondition_failed");
    let (s, f) = call(
        http()
            .put(format!("{}/files/{fid}", emu.api_url()))
            .bearer_auth(&t)
            .header("if-match", &etag)
            .json(&json!({"name": "b.txt", "description": "d", "tags": ["x"]})),
    )
    .await;
    assert_eq!(s, 200, "{f}");
    assert_eq!(f["name"], "b.txt");
    assert_ne!(f["etag"], etag.as_str());

    // Non-empty folder delete needs recursive; moving into own subtree is refused.
    let (_, sub) = try_mkdir(&emu, &t, &docs_id, "sub").await;
    let sub_id = sub["id"].as_str().unwrap();
    let (s, err) = call(
        http()
            .put(format!("{}/folders/{docs_id}", emu.api_url()))
            .bearer_auth(&t)
            .json(&json!({"parent": {"id": sub_id}})),
    )
    .await;
    assert_eq!(s, 400, "{err}");
    assert_box_error(&err, 400, "bad_request");
    let r = http()
        .delete(format!("{}/folders/{docs_id}", emu.api_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    let (s, err) = json_of(r).await;
    assert_eq!(s, 400);
    assert_box_error(&err, 400, "folder_not_empty");
    let r = http()
        .delete(format!(
            "{}/folders/{docs_id}?recursive=true",
            emu.api_url()
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Trashed: file is gone from normal access, folder is in the trash listing, restore works.
    let r = http()
        .get(format!("{}/files/{fid}", emu.api_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (_, trash) = call(
        http()
            .get(format!("{}/folders/trash/items", emu.api_url()))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(trash["total_count"], 1);
    assert_eq!(trash["entries"][0]["id"], docs_id.as_str());
    let (s, restored) = call(
        http()
            .post(format!("{}/folders/{docs_id}", emu.api_url()))
            .bearer_auth(&t)
            .json(&json!({})),
    )
    .await;
    assert_eq!(s, 201, "{restored}");
    assert_eq!(restored["item_status"], "active");
    let r = http()
        .get(format!("{}/files/{fid}", emu.api_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn marker_and_offset_pagination() {
    let emu = start().await;
    let t = emu.default_token().to_string();
    let (_, f) = try_mkdir(&emu, &t, "0", "many").await;
    let fid = f["id"].as_str().unwrap().to_string();
    for i in 0..7 {
        let (s, _) = try_mkdir(&emu, &t, &fid, &format!("d{i}")).await;
        assert_eq!(s, 201);
    }
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = format!(
            "{}/folders/{fid}/items?usemarker=true&limit=3",
            emu.api_url()
        );
        if let Some(m) = &marker {
            url.push_str(&format!("&marker={m}"));
        }
        let (s, page) = call(http().get(url).bearer_auth(&t)).await;
        assert_eq!(s, 200);
        pages += 1;
        for e in page["entries"].as_array().unwrap() {
            names.push(e["name"].as_str().unwrap().to_string());
        }
        match page["next_marker"].as_str() {
            Some(m) => marker = Some(m.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(names, (0..7).map(|i| format!("d{i}")).collect::<Vec<_>>());
    let (_, page) = call(
        http()
            .get(format!(
                "{}/folders/{fid}/items?offset=5&limit=100",
                emu.api_url()
            ))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(page["total_count"], 7);
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    assert_eq!(page["offset"], 5);
}

/// A folder's sorted listing is reused from page to page, but never after a
/// change: a new, renamed or trashed child shows at once, in every order.
#[tokio::test]
async fn listings_follow_changes_between_pages() {
    let emu = start().await;
    let t = emu.default_token().to_string();
    let (_, f) = try_mkdir(&emu, &t, "0", "sorted").await;
    let fid = f["id"].as_str().unwrap().to_string();
    for name in ["b", "C", "a"] {
        assert_eq!(try_mkdir(&emu, &t, &fid, name).await.0, 201);
    }
    let names = |dir: &'static str| {
        let url = format!(
            "{}/folders/{fid}/items?limit=1000&direction={dir}",
            emu.api_url()
        );
        let t = t.clone();
        async move {
            let (s, page) = call(http().get(url).bearer_auth(&t)).await;
            assert_eq!(s, 200, "{page}");
            page["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names("ASC").await, ["a", "b", "C"]);
    assert_eq!(names("DESC").await, ["C", "b", "a"]);
    let (_, d) = try_mkdir(&emu, &t, &fid, "B2").await;
    assert_eq!(names("ASC").await, ["a", "b", "B2", "C"]);
    let id = d["id"].as_str().unwrap();
    let (s, _) = call(
        http()
            .put(format!("{}/folders/{id}", emu.api_url()))
            .bearer_auth(&t)
            .json(&json!({"name": "0first"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(names("ASC").await, ["0first", "a", "b", "C"]);
    assert_eq!(names("DESC").await, ["C", "b", "a", "0first"]);
    let s = http()
        .delete(format!("{}/folders/{id}", emu.api_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, 204);
    assert_eq!(names("ASC").await, ["a", "b", "C"]);
}

#[tokio::test]
async fn users_are_isolated_until_collaboration() {
    let emu = start().await;
    let a = emu.default_token().to_string();
    let (b_user, b) = emu.create_user("Bob", "bob@example.com").unwrap();
    let (_, folder) = try_mkdir(&emu, &a, "0", "private").await;
    let folder_id = folder["id"].as_str().unwrap().to_string();
    let (_, up) = try_upload(&emu, &a, &folder_id, "secret.txt", b"top secret").await;
    let fid = up["entries"][0]["id"].as_str().unwrap().to_string();

    // B's "0" is B's own root, which is empty.
    let (_, root) = call(
        http()
            .get(format!("{}/folders/0/items", emu.api_url()))
            .bearer_auth(&b),
    )
    .await;
    assert_eq!(root["total_count"], 0);
    let api = emu.api_url();
    let attempts = [
        http().get(format!("{api}/files/{fid}")),
        http().get(format!("{api}/files/{fid}/content")),
        http().get(format!("{api}/folders/{folder_id}/items")),
        http()
            .put(format!("{api}/files/{fid}"))
            .json(&json!({"name": "mine"})),
        http().delete(format!("{api}/files/{fid}")),
        http()
            .post(format!("{api}/files/{fid}/copy"))
            .json(&json!({"parent": {"id": "0"}})),
    ];
    for req in attempts {
        let (s, body) = call(req.bearer_auth(&b)).await;
        assert_eq!(s, 404, "{body}");
        assert_box_error(&body, 404, "not_found");
    }
    let (s, _) = try_mkdir(&emu, &b, &folder_id, "intrusion").await;
    assert_eq!(s, 404);

    // Search does not leak either.
    let (_, hits) = call(
        http()
            .get(format!("{api}/search?query=secret"))
            .bearer_auth(&b),
    )
    .await;
    assert_eq!(hits["total_count"], 0);

    // After a viewer collaboration B can read and download, but not change.
    let (s, c) = call(
        http()
            .post(format!("{api}/collaborations"))
            .bearer_auth(&a)
            .json(&json!({"item": {"type": "folder", "id": folder_id},
                "accessible_by": {"type": "user", "login": "bob@example.com"}, "role": "viewer"})),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["accessible_by"]["id"], b_user.id.to_string());
    let r = download(&emu, &b, &fid, None).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"top secret");
    let (s, _) = call(
        http()
            .put(format!("{api}/files/{fid}"))
            .bearer_auth(&b)
            .json(&json!({"name": "mine"})),
    )
    .await;
    assert_eq!(s, 403);
    let (_, hits) = call(
        http()
            .get(format!("{api}/search?query=secret"))
            .bearer_auth(&b),
    )
    .await;
    assert_eq!(hits["total_count"], 1);
}

#[tokio::test]
async fn error_bodies_for_bad_input() {
    let emu = start().await;
    let t = emu.default_token().to_string();
    let api = emu.api_url();
    let (s, body) = call(
        http()
            .post(format!("{api}/folders"))
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(s, 400);
    assert_box_error(&body, 400, "bad_request");
    let (s, body) = call(
        http()
            .post(format!("{api}/folders"))
            .bearer_auth(&t)
            .json(&json!({"name": 5})),
    )
    .await;
    assert_eq!(s, 400);
    assert_box_error(&body, 400, "bad_request");
    let (s, body) = try_mkdir(&emu, &t, "0", "a/b").await;
    assert_eq!(s, 400);
    assert_box_error(&body, 400, "item_name_invalid");
    for id in ["12345678", "abc", "-1", "0"] {
        let (s, body) = call(http().get(format!("{api}/files/{id}")).bearer_auth(&t)).await;
        assert_eq!(s, 404, "{id}");
        assert_box_error(&body, 404, "not_found");
    }
    for auth in [Some("Bearer nope"), Some("Basic abc"), None] {
        let mut req = http().get(format!("{api}/users/me"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert!(r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
    }
    let (s, body) = call(http().get(format!("{api}/no/such/route")).bearer_auth(&t)).await;
    assert_eq!(s, 404);
    assert_box_error(&body, 404, "not_found");
    let (s, body) = call(http().patch(format!("{api}/folders/0")).bearer_auth(&t)).await;
    assert_eq!(s, 405);
    assert_box_error(&body, 405, "method_not_allowed");
    // Oversized JSON bodies are refused with a Box error, not a hang.
    let big = "x".repeat(2 * 1024 * 1024);
    let (s, body) = call(
        http()
            .post(format!("{api}/folders"))
            .bearer_auth(&t)
            .json(&json!({"name": big, "parent": {"id": "0"}})),
    )
    .await;
    assert_eq!(s, 413);
    assert_box_error(&body, 413, "request_entity_too_large");
    // Attributes after the file part.
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"abc".to_vec()).file_name("x"),
        )
        .text(
            "attributes",
            json!({"name": "x", "parent": {"id": "0"}}).to_string(),
        );
    let (s, body) = call(
        http()
            .post(format!("{}/files/content", emu.upload_url()))
            .bearer_auth(&t)
            .multipart(form),
    )
    .await;
    assert_eq!(s, 400);
    assert_box_error(&body, 400, "metadata_after_file_contents");
}

#[tokio::test]
async fn chunked_upload_session_with_digests() {
    let emu = start().await;
    let t = emu.default_token().to_string();
    let up = emu.upload_url();
    let data: Vec<u8> = (0..2500u32).map(|i| (i * 7 % 251) as u8).collect();
    let (s, err) = call(
        http()
            .post(format!("{up}/files/upload_sessions"))
            .bearer_auth(&t)
            .json(&json!({"folder_id": "0", "file_size": 5, "file_name": "big.bin"})),
    )
    .await;
    assert_eq!(s, 400);
    assert_box_error(&err, 400, "file_size_too_small");
    let (s, sess) = call(
        http()
            .post(format!("{up}/files/upload_sessions"))
            .bearer_auth(&t)
            .json(&json!({"folder_id": "0", "file_size": data.len(), "file_name": "big.bin"})),
    )
    .await;
    assert_eq!(s, 201, "{sess}");
    assert_eq!(sess["part_size"], 1024);
    assert_eq!(sess["total_parts"], 3);
    let part_url = sess["session_endpoints"]["upload_part"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(part_url.starts_with(&emu.base_url()));
    let put = |chunk: Vec<u8>, range: String, digest: String| {
        http()
            .put(&part_url)
            .bearer_auth(&t)
            .header("content-range", range)
            .header("digest", format!("sha={digest}"))
            .body(chunk)
            .send()
    };
    // Wrong digest → 412; misaligned range → 416.
    let r = put(
        data[..1024].to_vec(),
        format!("bytes 0-1023/{}", data.len()),
        sha1_b64(b"nope"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 412);
    let r = put(
        data[1..1025].to_vec(),
        format!("bytes 1-1024/{}", data.len()),
        sha1_b64(&data[1..1025]),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 416);
    let mut parts = Vec::new();
    for start in (0..data.len()).step_by(1024) {
        let end = (start + 1024).min(data.len()) - 1;
        let chunk = data[start..=end].to_vec();
        let (s, p) = json_of(
            put(
                chunk.clone(),
                format!("bytes {start}-{end}/{}", data.len()),
                sha1_b64(&chunk),
            )
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{p}");
        assert_eq!(p["part"]["sha1"], sha1_hex(&chunk));
        parts.push(p["part"].clone());
    }
    let (_, listed) = call(
        http()
            .get(sess["session_endpoints"]["list_parts"].as_str().unwrap())
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(listed["total_count"], 3);
    let commit = sess["session_endpoints"]["commit"]
        .as_str()
        .unwrap()
        .to_string();
    let r = http()
        .post(&commit)
        .bearer_auth(&t)
        .header("digest", format!("sha={}", sha1_b64(b"wrong")))
        .json(&json!({"parts": parts}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    let (s, err) = call(
        http()
            .post(&commit)
            .bearer_auth(&t)
            .header("digest", format!("sha={}", sha1_b64(&data)))
            .json(&json!({"parts": &parts[..2]})),
    )
    .await;
    assert_eq!(s, 400, "{err}");
    let (s, done) = call(
        http()
            .post(&commit)
            .bearer_auth(&t)
            .header("digest", format!("sha={}", sha1_b64(&data)))
            .json(&json!({"parts": parts})),
    )
    .await;
    assert_eq!(s, 201, "{done}");
    let file = &done["entries"][0];
    assert_eq!(file["sha1"], sha1_hex(&data));
    let r = download(&emu, &t, file["id"].as_str().unwrap(), None).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[..]);
}

/// Parts written at their offsets into one file, hashed for the whole file
/// as they arrive: out of order, with a refused first attempt of the first
/// part (its bytes must not enter the running digest), and repeats of a
/// stored part (a corrupt repeat must not overwrite it), the committed file
/// is exactly the data.
#[tokio::test]
async fn chunked_parts_out_of_order_and_repeated_commit_the_exact_file() {
    let emu = start().await;
    let t = emu.default_token().to_string();
    let up = emu.upload_url();
    let data: Vec<u8> = (0..5000u32).map(|i| (i * 13 % 241) as u8).collect();
    let (s, sess) = call(
        http()
            .post(format!("{up}/files/upload_sessions"))
            .bearer_auth(&t)
            .json(&json!({"folder_id": "0", "file_size": data.len(), "file_name": "ooo.bin"})),
    )
    .await;
    assert_eq!(s, 201, "{sess}");
    let part_url = sess["session_endpoints"]["upload_part"]
        .as_str()
        .unwrap()
        .to_string();
    let put = |start: usize, body: Vec<u8>, digest_of: Vec<u8>| {
        let end = start + body.len() - 1;
        http()
            .put(&part_url)
            .bearer_auth(&t)
            .header(
                "content-range",
                format!("bytes {start}-{end}/{}", data.len()),
            )
            .header("digest", format!("sha={}", sha1_b64(&digest_of)))
            .body(body)
            .send()
    };
    let chunk = |i: usize| data[i * 1024..((i + 1) * 1024).min(data.len())].to_vec();
    // First part, wrong bytes for its digest: refused.
    let mut bad = chunk(0);
    bad[10] ^= 0xff;
    assert_eq!(put(0, bad.clone(), chunk(0)).await.unwrap().status(), 412);
    let mut parts = vec![Value::Null; 5];
    for i in [4, 2, 0, 3, 1] {
        let (s, p) = json_of(put(i * 1024, chunk(i), chunk(i)).await.unwrap()).await;
        assert_eq!(s, 200, "{p}");
        parts[i] = p["part"].clone();
    }
    // A corrupt repeat of a stored part is refused and changes nothing; an
    // exact repeat answers the stored part.
    assert_eq!(put(0, bad, chunk(0)).await.unwrap().status(), 412);
    let (s, p) = json_of(put(2048, chunk(2), chunk(2)).await.unwrap()).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["part"], parts[2]);
    // A different part at a stored offset conflicts.
    let r = put(2048, chunk(1), chunk(1)).await.unwrap();
    assert_eq!(r.status(), 409);
    let (s, done) = call(
        http()
            .post(sess["session_endpoints"]["commit"].as_str().unwrap())
            .bearer_auth(&t)
            .header("digest", format!("sha={}", sha1_b64(&data)))
            .json(&json!({"parts": parts})),
    )
    .await;
    assert_eq!(s, 201, "{done}");
    let file = &done["entries"][0];
    assert_eq!(file["sha1"], sha1_hex(&data));
    let r = download(&emu, &t, file["id"].as_str().unwrap(), None).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[..]);
    // The session is done: more parts are refused.
    let r = put(0, chunk(0), chunk(0)).await.unwrap();
    assert_eq!(r.status(), 409);
}

async fn statuses(emu: &EmulatorHandle, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        let r = http()
            .get(format!("{}/users/me", emu.api_url()))
            .bearer_auth(emu.default_token())
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            assert_eq!(r.headers()["retry-after"], "2");
        }
        out.push(r.status().as_u16());
    }
    out
}

#[tokio::test]
async fn faults_are_deterministic_for_a_seed() {
    let cfg = |seed| FaultConfig {
        seed,
        rules: vec![
            FaultConfig::parse_rule("429:2@0.3").unwrap(),
            FaultConfig::parse_rule("503@0.2").unwrap(),
        ],
        expire_tokens_after: None,
    };
    let a = Emulator::builder().faults(cfg(42)).start().await.unwrap();
    let b = Emulator::builder().faults(cfg(42)).start().await.unwrap();
    let sa = statuses(&a, 40).await;
    assert_eq!(sa, statuses(&b, 40).await);
    assert!(sa.contains(&429) && sa.contains(&200), "{sa:?}");
    let counters = a.counters();
    let injected = counters["faults_injected"].as_u64().unwrap();
    let failed = sa.iter().filter(|s| **s != 200).count() as u64;
    assert!(injected >= failed, "{injected} < {failed}");
    assert!(
        counters["requests_by_route"]["GET /2.0/users/me"]
            .as_u64()
            .unwrap()
            >= 40
    );

    // Run-time change via the admin endpoint: connection resets, admin stays exempt.
    let r = http()
        .put(format!("{}/faults", a.admin_url()))
        .header("x-box-emulator-admin-secret", a.admin_secret())
        .json(&json!({"seed": 1, "rules": [{"fault": {"kind": "reset"}, "rate": 1.0}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http()
        .get(format!("{}/users/me", a.api_url()))
        .bearer_auth(a.default_token())
        .send()
        .await;
    // The status line and headers arrive; the body is cut off.
    let resp = r.expect("the headers arrive before the reset");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.bytes().await.is_err(),
        "the response should be cut off"
    );
    let r = http()
        .get(format!("{}/counters", a.admin_url()))
        .header("x-box-emulator-admin-secret", a.admin_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// The throughput fault carries each response body at its rate (a
/// 192 KiB download at 512 KiB/s takes at least ~0.37 s, bytes intact), per
/// request: two ranged halves fetched side by side each take about half as
/// long, as two connections over a WAN link do. The server's own time is
/// reported in `Server-Timing`, apart from the transfer.
#[tokio::test]
async fn throughput_fault_paces_each_body() {
    let emu = start().await;
    let t = emu.default_token().to_string();
    let data: Vec<u8> = (0..192 * 1024u32).map(|i| (i * 7 % 253) as u8).collect();
    let (s, up) = try_upload(&emu, &t, "0", "paced.bin", &data).await;
    assert_eq!(s, 201, "{up}");
    let id = up["entries"][0]["id"].as_str().unwrap().to_string();
    emu.set_faults(FaultConfig {
        seed: 1,
        rules: vec![FaultConfig::parse_rule("throughput:512@1").unwrap()],
        expire_tokens_after: None,
    });
    let started = std::time::Instant::now();
    let r = download(&emu, &t, &id, None).await;
    assert_eq!(r.status(), 200);
    let timing = r.headers()["server-timing"].to_str().unwrap().to_string();
    assert!(timing.starts_with("app;dur="), "{timing}");
    let whole = r.bytes().await.unwrap();
    let one = started.elapsed();
    assert_eq!(&whole[..], &data[..]);
    assert!(one >= std::time::Duration::from_millis(360), "{one:?}");
    let half = data.len() / 2;
    let started = std::time::Instant::now();
    let (first, second) = (format!("bytes=0-{}", half - 1), format!("bytes={half}-"));
    let (a, b) = tokio::join!(
        download(&emu, &t, &id, Some(&first)),
        download(&emu, &t, &id, Some(&second)),
    );
    let (a, b) = tokio::join!(a.bytes(), b.bytes());
    let two = started.elapsed();
    assert_eq!([a.unwrap(), b.unwrap()].concat(), data);
    assert!(two >= std::time::Duration::from_millis(180), "{two:?}");
    assert!(
        two < one,
        "two halves in parallel {two:?}, the whole {one:?}"
    );
}

#[tokio::test]
async fn commit_202_and_latency_faults() {
    let emu = Emulator::builder()
        .chunked_upload_min_size(1)
        .chunked_part_size(4)
        .faults(FaultConfig {
            seed: 3,
            rules: vec![
                FaultConfig::parse_rule("commit202:7#1").unwrap(),
                FaultConfig::parse_rule("latency:150@1~/2.0/users").unwrap(),
            ],
            expire_tokens_after: None,
        })
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let started = std::time::Instant::now();
    let r = http()
        .get(format!("{}/users/me", emu.api_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(150));
    let (_, sess) = call(
        http()
            .post(format!("{}/files/upload_sessions", emu.upload_url()))
            .bearer_auth(&t)
            .json(&json!({"folder_id": "0", "file_size": 3, "file_name": "s.bin"})),
    )
    .await;
    let (s, part) = call(
        http()
            .put(sess["session_endpoints"]["upload_part"].as_str().unwrap())
            .bearer_auth(&t)
            .header("content-range", "bytes 0-2/3")
            .header("digest", format!("sha={}", sha1_b64(b"abc")))
            .body("abc"),
    )
    .await;
    assert_eq!(s, 200, "{part}");
    let r = http()
        .post(sess["session_endpoints"]["commit"].as_str().unwrap())
        .bearer_auth(&t)
        .header("digest", format!("sha={}", sha1_b64(b"abc")))
        .json(&json!({"parts": [part["part"]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["retry-after"], "7");
    // Once the fault is lifted the same commit succeeds.
    emu.set_faults(FaultConfig::default());
    let (s, done) = call(
        http()
            .post(sess["session_endpoints"]["commit"].as_str().unwrap())
            .bearer_auth(&t)
            .header("digest", format!("sha={}", sha1_b64(b"abc")))
            .json(&json!({"parts": [part["part"]]})),
    )
    .await;
    assert_eq!(s, 201, "{done}");
    assert_eq!(done["entries"][0]["size"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uploads_race_for_one_name() {
    let emu = start().await;
    let t = emu.default_token().to_string();
    let bodies: Vec<Vec<u8>> = (0..12)
        .map(|i| format!("writer {i}").into_bytes())
        .collect();
    let same = futures::future::join_all(
        bodies
            .iter()
            .map(|b| try_upload(&emu, &t, "0", "race.txt", b)),
    )
    .await;
    let created = same.iter().filter(|(s, _)| *s == 201).count();
    let conflicts = same.iter().filter(|(s, _)| *s == 409).count();
    assert_eq!((created, conflicts), (1, 11));
    let names: Vec<String> = (0..12).map(|i| format!("f{i}.txt")).collect();
    let distinct = futures::future::join_all(
        names
            .iter()
            .map(|n| try_upload(&emu, &t, "0", n, n.as_bytes())),
    )
    .await;
    assert!(distinct.iter().all(|(s, _)| *s == 201));
    let (_, root) = call(
        http()
            .get(format!("{}/folders/0/items?limit=1000", emu.api_url()))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(root["total_count"], 13);
}

/// Commits of one session sent together (a client retrying a commit whose
/// answer is slow) make one file: the others answer 202 with Retry-After
/// while the first assembles it, or 201 with the same file once it is done,
/// never a 409 against the file the first commit just made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_of_one_session_make_one_file() {
    let emu = Emulator::builder()
        .chunked_upload_min_size(1)
        .chunked_part_size(1024 * 1024)
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let data: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let (s, sess) = call(
        http()
            .post(format!("{}/files/upload_sessions", emu.upload_url()))
            .bearer_auth(&t)
            .json(&json!({"folder_id": "0", "file_size": data.len(), "file_name": "once.bin"})),
    )
    .await;
    assert_eq!(s, 201, "{sess}");
    let mut parts = Vec::new();
    for (i, chunk) in data.chunks(1024 * 1024).enumerate() {
        let start = i * 1024 * 1024;
        let (s, p) = call(
            http()
                .put(sess["session_endpoints"]["upload_part"].as_str().unwrap())
                .bearer_auth(&t)
                .header(
                    "content-range",
                    format!("bytes {start}-{}/{}", start + chunk.len() - 1, data.len()),
                )
                .header("digest", format!("sha={}", sha1_b64(chunk)))
                .body(chunk.to_vec()),
        )
        .await;
        assert_eq!(s, 200, "{p}");
        parts.push(p["part"].clone());
    }
    let commit_url = sess["session_endpoints"]["commit"].as_str().unwrap();
    let commit = || async {
        let r = http()
            .post(commit_url)
            .bearer_auth(&t)
            .header("digest", format!("sha={}", sha1_b64(&data)))
            .json(&json!({"parts": parts}))
            .send()
            .await
            .unwrap();
        let retry_after = r.headers().get("retry-after").cloned();
        let (s, body) = json_of(r).await;
        (s, retry_after, body)
    };
    let answers = futures::future::join_all((0..6).map(|_| commit())).await;
    let mut ids = Vec::new();
    for (s, retry_after, body) in &answers {
        match s.as_u16() {
            201 => ids.push(body["entries"][0]["id"].clone()),
            202 => assert_eq!(retry_after.as_ref().unwrap(), "1"),
            other => panic!("commit answered {other}: {body}"),
        }
    }
    assert!(!ids.is_empty());
    let (s, last, body) = commit().await;
    assert_eq!(s, 201, "{body}");
    assert!(last.is_none());
    ids.push(body["entries"][0]["id"].clone());
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let id = ids[0].as_str().unwrap();
    let (_, versions) = call(
        http()
            .get(format!("{}/files/{id}/versions", emu.api_url()))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(versions["total_count"], 0, "{versions}");
    let (_, root) = call(
        http()
            .get(format!("{}/folders/0/items", emu.api_url()))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(root["total_count"], 1, "{root}");
}

/// A download names the file in `Content-Disposition` also when the name
/// is not ASCII: an ASCII `filename` with `_` for the rest, and the exact
/// name as RFC 5987 `filename*`.
#[tokio::test]
async fn downloads_name_files_beyond_ascii() {
    let emu = start().await;
    let t = emu.default_token().to_string();
    for (name, ascii, encoded) in [
        ("plain.txt", "plain.txt", "plain%2Etxt"),
        (
            "résumé \"v2\".txt",
            "r_sum_ _v2_.txt",
            "r%C3%A9sum%C3%A9%20%22v2%22%2Etxt",
        ),
    ] {
        let (s, up) = try_upload(&emu, &t, "0", name, b"cv").await;
        assert_eq!(s, 201, "{up}");
        let id = up["entries"][0]["id"].as_str().unwrap();
        let r = download(&emu, &t, id, None).await;
        assert_eq!(r.status(), 200);
        let cd = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(
            cd,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
        );
    }
}

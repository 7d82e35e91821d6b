//! Events and long-poll, shared links, versions, copy, preflight, and the admin HTTP API.

use std::time::Duration;

use box_emulator::Emulator;
use serde_json::{json, Value};

mod support;
use support::{admin_client, call, client, mkdir, sdk, upload};

#[tokio::test]
async fn events_and_long_poll() {
    let emu = Emulator::builder()
        .longpoll_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let api = emu.api_url();
    let (_, now) = call(
        client()
            .get(format!("{api}/events?stream_position=now"))
            .bearer_auth(&t),
    )
    .await;
    let pos = now["next_stream_position"].as_str().unwrap().to_string();
    let (_, opts) = call(
        client()
            .request(reqwest::Method::OPTIONS, format!("{api}/events"))
            .bearer_auth(&t),
    )
    .await;
    let url = opts["entries"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(opts["entries"][0]["type"], "realtime_server");
    // Nothing happens: reconnect after the timeout.
    let (_, msg) = call(client().get(format!("{url}&stream_position={pos}"))).await;
    assert_eq!(msg["message"], "reconnect");
    // A change wakes the poll.
    let poll = tokio::spawn(call(client().get(format!("{url}&stream_position={pos}"))));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let id = upload(&emu, &t, "0", "ev.txt", b"e").await;
    let (_, msg) = poll.await.unwrap();
    assert_eq!(msg["message"], "new_change");
    let (_, ev) = call(
        client()
            .get(format!("{api}/events?stream_position={pos}"))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(ev["chunk_size"], 1);
    assert_eq!(ev["entries"][0]["event_type"], "ITEM_UPLOAD");
    assert_eq!(ev["entries"][0]["source"]["id"], id.as_str());
    let next = ev["next_stream_position"].as_str().unwrap().to_string();
    let (_, ev) = call(
        client()
            .get(format!("{api}/events?stream_position={next}"))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(ev["chunk_size"], 0);
}

#[tokio::test]
async fn shared_links_versions_copy_preflight() {
    let emu = Emulator::builder().start().await.unwrap();
    let t = emu.default_token().to_string();
    let api = emu.api_url();
    let id = upload(&emu, &t, "0", "doc.txt", b"one").await;
    let (s, f) = call(
        client()
            .put(format!("{api}/files/{id}?fields=shared_link"))
            .bearer_auth(&t)
            .json(&json!({"shared_link": {"access": "open", "password": "pw"}})),
    )
    .await;
    assert_eq!(s, 200, "{f}");
    let link = f["shared_link"]["url"].as_str().unwrap().to_string();
    assert_eq!(f["shared_link"]["is_password_enabled"], true);
    let (_, other) = emu.create_user("Other", "other@example.com").unwrap();
    let (s, _) = call(
        client()
            .get(format!("{api}/shared_items"))
            .bearer_auth(&other)
            .header("boxapi", format!("shared_link={link}")),
    )
    .await;
    assert_eq!(s, 403);
    let (s, item) = call(
        client()
            .get(format!("{api}/shared_items"))
            .bearer_auth(&other)
            .header(
                "boxapi",
                format!("shared_link={link}&shared_link_password=pw"),
            ),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(item["id"], id.as_str());

    // New version, list, promote the old one.
    let form = reqwest::multipart::Form::new()
        .text("attributes", "{}")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"two".to_vec()).file_name("doc.txt"),
        );
    let (s, body) = call(
        client()
            .post(format!("{}/files/{id}/content", emu.upload_url()))
            .bearer_auth(&t)
            .header("content-md5", "0000000000000000000000000000000000000000")
            .multipart(form),
    )
    .await;
    assert_eq!(s, 412, "a wrong content-md5 SHA-1 is refused");
    // Box's documented code for a content-md5 mismatch (its common-errors guide).
    assert_eq!(body["code"], "bad_digest", "{body}");
    let form = reqwest::multipart::Form::new()
        .text("attributes", "{}")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"two".to_vec()).file_name("doc.txt"),
        );
    let (s, _) = call(
        client()
            .post(format!("{}/files/{id}/content", emu.upload_url()))
            .bearer_auth(&t)
            .multipart(form),
    )
    .await;
    assert_eq!(s, 201);
    let (_, vs) = call(
        client()
            .get(format!("{api}/files/{id}/versions"))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(vs["total_count"], 1);
    let old = vs["entries"][0]["id"].as_str().unwrap().to_string();
    let (s, v) = call(
        client()
            .post(format!("{api}/files/{id}/versions/current"))
            .bearer_auth(&t)
            .json(&json!({"type": "file_version", "id": old})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (_, f) = call(client().get(format!("{api}/files/{id}")).bearer_auth(&t)).await;
    assert_eq!(f["size"], 3);
    assert_eq!(f["sha1"], vs["entries"][0]["sha1"]);

    // Copy with a new name; preflight sees the conflict.
    let (s, c) = call(
        client()
            .post(format!("{api}/files/{id}/copy"))
            .bearer_auth(&t)
            .json(&json!({"parent": {"id": "0"}, "name": "copy.txt"})),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["sha1"], f["sha1"]);
    let (s, e) = call(
        client()
            .request(reqwest::Method::OPTIONS, format!("{api}/files/content"))
            .bearer_auth(&t)
            .json(&json!({"name": "copy.txt", "parent": {"id": "0"}, "size": 3})),
    )
    .await;
    assert_eq!(s, 409);
    assert_eq!(e["context_info"]["conflicts"]["id"], c["id"]);
    let (s, ok) = call(
        client()
            .request(reqwest::Method::OPTIONS, format!("{api}/files/content"))
            .bearer_auth(&t)
            .json(&json!({"name": "fresh.txt", "parent": {"id": "0"}, "size": 3})),
    )
    .await;
    assert_eq!(s, 200);
    assert!(ok["upload_url"]
        .as_str()
        .unwrap()
        .starts_with(&emu.upload_url()));
}

#[tokio::test]
async fn admin_http_api() {
    let emu = Emulator::builder()
        .seed_root(std::env::temp_dir())
        .start()
        .await
        .unwrap();
    let admin = emu.admin_url();
    let client = || admin_client(&emu);
    let (s, u) = call(
        client()
            .post(format!("{admin}/users"))
            .json(&json!({"name": "Carol", "login": "carol@example.com"})),
    )
    .await;
    assert_eq!(s, 201);
    let token = u["access_token"].as_str().unwrap().to_string();
    let id = u["id"].as_str().unwrap().to_string();
    let src = tempfile::tempdir().unwrap();
    std::fs::create_dir(src.path().join("sub")).unwrap();
    std::fs::write(src.path().join("top.txt"), b"top").unwrap();
    std::fs::write(src.path().join("sub/inner.txt"), b"inner").unwrap();
    let (s, r) = call(
        client()
            .post(format!("{admin}/users/{id}/seed"))
            .json(&json!({"path": src.path()})),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["items_created"], 3);
    let (_, hits) = call(
        client()
            .get(format!("{}/search?query=inner", emu.api_url()))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(hits["total_count"], 1);
    assert_eq!(
        hits["entries"][0]["path_collection"]["entries"][1]["name"],
        "sub"
    );
    let (s, _) = call(
        client()
            .post(format!("{admin}/users"))
            .json(&json!({"name": "Dup", "login": "carol@example.com"})),
    )
    .await;
    assert_eq!(s, 400);
    let (_, counters) = call(client().get(format!("{admin}/counters"))).await;
    assert_eq!(counters["requests_by_route"]["GET /2.0/search"], 1);
}

/// A fault rule the admin API cannot honour (`every: 0`, a rate outside
/// 0..=1, a status that is not 4xx/5xx) is refused with a Box error body,
/// and the configuration in force is left as it was; a zero schedule set
/// through the handle never fires instead of breaking every request.
#[tokio::test]
async fn admin_refuses_fault_rules_it_cannot_apply() {
    let emu = Emulator::builder().start().await.unwrap();
    let admin = emu.admin_url();
    let admin_http = admin_client(&emu);
    let me = format!("{}/users/me", emu.api_url());
    let t = emu.default_token().to_string();
    for rule in [
        json!({"fault": {"kind": "status", "status": 503}, "every": 0}),
        json!({"fault": {"kind": "status", "status": 503}, "rate": 1.5}),
        json!({"fault": {"kind": "status", "status": 200}, "rate": 1.0}),
    ] {
        let (s, body) = call(
            admin_http
                .put(format!("{admin}/faults"))
                .json(&json!({"seed": 1, "rules": [rule]})),
        )
        .await;
        assert_eq!(s, 400, "{rule}: {body}");
        assert_eq!(body["code"], "bad_request", "{body}");
        let (_, cfg) = call(admin_http.get(format!("{admin}/faults"))).await;
        assert_eq!(cfg["rules"], json!([]), "{cfg}");
        let (s, _) = call(client().get(&me).bearer_auth(&t)).await;
        assert_eq!(s, 200);
    }
    emu.set_faults(box_emulator::FaultConfig {
        seed: 1,
        rules: vec![box_emulator::FaultRule {
            every: Some(0),
            ..box_emulator::FaultConfig::parse_rule("503").unwrap()
        }],
        expire_tokens_after: None,
    });
    for _ in 0..3 {
        let (s, _) = call(client().get(&me).bearer_auth(&t)).await;
        assert_eq!(s, 200);
    }
}

/// A shared-link password never reaches an error message: seeding a
/// name that is taken by a password-protected item fails with a message
/// that describes the conflict without the item's link password or token.
#[tokio::test]
async fn seed_conflict_error_keeps_shared_link_secrets_out() {
    let emu = Emulator::builder()
        .seed_root(std::env::temp_dir())
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let id = upload(&emu, &t, "0", "top.txt", b"mine").await;
    let (s, f) = call(
        client()
            .put(format!("{}/files/{id}", emu.api_url()))
            .bearer_auth(&t)
            .json(&json!({"shared_link": {"access": "open", "password": "hunter2-link-pw"}})),
    )
    .await;
    assert_eq!(s, 200, "{f}");
    let url = f["shared_link"]["url"].as_str().unwrap().to_string();
    let link_token = url.rsplit('/').next().unwrap().to_string();
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("top.txt"), b"theirs").unwrap();
    let (s, r) = call(
        admin_client(&emu)
            .post(format!(
                "{}/users/{}/seed",
                emu.admin_url(),
                emu.default_user()
            ))
            .json(&json!({"path": src.path()})),
    )
    .await;
    assert_eq!(s, 400, "{r}");
    let message = r["message"].as_str().unwrap();
    assert!(message.contains("top.txt"), "{message}");
    assert!(!message.contains("hunter2-link-pw"), "{message}");
    assert!(!message.contains(&link_token), "{message}");
}

/// A stream position past every event (up to u64::MAX) lists nothing and
/// keeps the position, in the event list and in the long poll alike.
#[tokio::test]
async fn events_after_the_largest_stream_position() {
    let emu = Emulator::builder()
        .longpoll_timeout(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    upload(&emu, &t, "0", "ev.txt", b"e").await;
    let max = u64::MAX.to_string();
    let (s, ev) = call(
        client()
            .get(format!("{}/events?stream_position={max}", emu.api_url()))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(s, 200, "{ev}");
    assert_eq!(ev["chunk_size"], 0);
    assert_eq!(ev["next_stream_position"], max.as_str());
    let (_, opts) = call(
        client()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/events", emu.api_url()),
            )
            .bearer_auth(&t),
    )
    .await;
    let url = opts["entries"][0]["url"].as_str().unwrap();
    let (s, msg) = call(client().get(format!("{url}&stream_position={max}"))).await;
    assert_eq!(s, 200, "{msg}");
    assert_eq!(msg["message"], "reconnect");
}

/// `ancestor_folder_ids` limits search to the folders named; a folder the
/// caller cannot read (or no such folder) gives no hits, not every hit.
#[tokio::test]
async fn search_below_ancestor_folders() {
    let emu = Emulator::builder().start().await.unwrap();
    let t = emu.default_token().to_string();
    let api = emu.api_url();
    let mut folders = Vec::new();
    for name in ["in", "out"] {
        let (s, f) = call(
            client()
                .post(format!("{api}/folders"))
                .bearer_auth(&t)
                .json(&json!({"name": name, "parent": {"id": "0"}})),
        )
        .await;
        assert_eq!(s, 201, "{f}");
        let id = f["id"].as_str().unwrap().to_string();
        let form = reqwest::multipart::Form::new()
            .text(
                "attributes",
                json!({"name": format!("report-{name}.txt"), "parent": {"id": id}}).to_string(),
            )
            .part("file", reqwest::multipart::Part::bytes(b"r".to_vec()));
        let (s, up) = call(
            client()
                .post(format!("{}/files/content", emu.upload_url()))
                .bearer_auth(&t)
                .multipart(form),
        )
        .await;
        assert_eq!(s, 201, "{up}");
        folders.push(id);
    }
    let (_, other) = emu.create_user("Other", "other@example.com").unwrap();
    let (_, private) = call(
        client()
            .post(format!("{api}/folders"))
            .bearer_auth(&other)
            .json(&json!({"name": "private", "parent": {"id": "0"}})),
    )
    .await;
    let private = private["id"].as_str().unwrap().to_string();
    let search = |ancestors: Option<String>| {
        let mut url = format!("{api}/search?query=report");
        if let Some(a) = ancestors {
            url.push_str(&format!("&ancestor_folder_ids={a}"));
        }
        call(client().get(url).bearer_auth(&t))
    };
    let (_, all) = search(None).await;
    assert_eq!(all["total_count"], 2, "{all}");
    let (_, inside) = search(Some(folders[0].clone())).await;
    assert_eq!(inside["total_count"], 1, "{inside}");
    assert_eq!(inside["entries"][0]["name"], "report-in.txt");
    let (_, both) = search(Some(format!("{},{}", folders[0], folders[1]))).await;
    assert_eq!(both["total_count"], 2, "{both}");
    for unreadable in [private, "987654321".to_string()] {
        let (s, none) = search(Some(unreadable)).await;
        assert_eq!(s, 200);
        assert_eq!(none["total_count"], 0, "{none}");
    }
}

/// A long poll is woken by the channel user's own events only: another
/// user's upload and a new token during the poll leave it to answer
/// `reconnect` at the timeout.
#[tokio::test]
async fn long_poll_ignores_other_users_changes() {
    let emu = Emulator::builder()
        .longpoll_timeout(Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let (_, opts) = call(
        client()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/events", emu.api_url()),
            )
            .bearer_auth(&t),
    )
    .await;
    let url = opts["entries"][0]["url"].as_str().unwrap().to_string();
    let (_, other) = emu.create_user("Other", "other@example.com").unwrap();
    for with_position in [true, false] {
        let poll_url = if with_position {
            let (_, now) = call(
                client()
                    .get(format!("{}/events?stream_position=now", emu.api_url()))
                    .bearer_auth(&t),
            )
            .await;
            format!(
                "{url}&stream_position={}",
                now["next_stream_position"].as_str().unwrap()
            )
        } else {
            url.clone()
        };
        let poll = tokio::spawn(call(client().get(poll_url)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        upload(
            &emu,
            &other,
            "0",
            &format!("theirs-{with_position}.txt"),
            b"x",
        )
        .await;
        emu.developer_token(&emu.default_user()).unwrap();
        let (_, msg) = poll.await.unwrap();
        assert_eq!(msg["message"], "reconnect", "with_position={with_position}");
    }
}

/// The `ITEM_TRASH` event shows the item as trashed: `trashed_at` set and
/// the etag it got by the deletion, consistent with its `item_status`.
#[tokio::test]
async fn trash_event_shows_the_trashed_item() {
    let emu = Emulator::builder().start().await.unwrap();
    let t = emu.default_token().to_string();
    let api = emu.api_url();
    let id = upload(&emu, &t, "0", "gone.txt", b"g").await;
    let (_, now) = call(
        client()
            .get(format!("{api}/events?stream_position=now"))
            .bearer_auth(&t),
    )
    .await;
    let pos = now["next_stream_position"].as_str().unwrap().to_string();
    let (s, _) = call(client().delete(format!("{api}/files/{id}")).bearer_auth(&t)).await;
    assert_eq!(s, 204);
    let (_, trashed) = call(
        client()
            .get(format!("{api}/files/{id}/trash"))
            .bearer_auth(&t),
    )
    .await;
    let (_, ev) = call(
        client()
            .get(format!("{api}/events?stream_position={pos}"))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(ev["chunk_size"], 1, "{ev}");
    let source = &ev["entries"][0]["source"];
    assert_eq!(ev["entries"][0]["event_type"], "ITEM_TRASH");
    assert_eq!(source["item_status"], "trashed");
    assert!(source["trashed_at"].is_string(), "{source}");
    assert_eq!(source["trashed_at"], trashed["trashed_at"]);
    assert_eq!(source["etag"], trashed["etag"]);
}

/// The entries of a zip archive, by name (folders with an empty body).
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.insert(f.name().to_string(), data);
    }
    out
}

/// Zip downloads end to end through box-v2's `ZipDownloads::download`:
/// folders with their files (a deflated text, a stored JPEG), top-level
/// name conflicts renamed and reported, the status counts, the content URL
/// answering once; a stranger cannot zip the owner's items nor read the
/// status; a collaborator removed after asking gets an archive with the
/// folder's entries skipped and counted; an unstarted URL expires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zip_downloads_stream_what_the_caller_can_read() {
    use box_core::{FileId, FolderId, ItemId};
    let emu = Emulator::builder().start().await.unwrap();
    let owner = emu.default_token().to_string();
    let (viewer, viewer_token) = emu.create_user("Vic Viewer", "vic@example.com").unwrap();
    let (_, stranger) = emu.create_user("Sam Stranger", "sam@example.com").unwrap();
    let text: Vec<u8> = b"quarterly numbers\n".repeat(5000);
    let jpeg: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let a = upload(&emu, &owner, "0", "Report.txt", b"top-level report").await;
    let docs = mkdir(&emu, &owner, "0", "docs").await;
    let b = upload(&emu, &owner, &docs, "b.txt", &text).await;
    let deep = mkdir(&emu, &owner, &docs, "deep").await;
    upload(&emu, &owner, &deep, "c.jpg", &jpeg).await;
    let other = mkdir(&emu, &owner, "0", "other").await;
    let a2 = upload(&emu, &owner, &other, "report.TXT", b"the other report").await;

    let c = sdk(&emu, &owner);
    let items = [
        ItemId::from(FileId::from(a.as_str())),
        FolderId::from(docs.as_str()).into(),
        FileId::from(a2.as_str()).into(),
    ];
    let zip = c
        .zip_downloads()
        .download(items.clone(), Some("bundle"))
        .await
        .unwrap();
    let bytes = zip.body.collect(16 << 20).await.unwrap();
    let conflicts = zip.info.name_conflicts.clone().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let group = &conflicts[0];
    assert_eq!(group.len(), 2);
    let renamed: std::collections::BTreeMap<String, String> = group
        .iter()
        .map(|r| (r.id.clone().unwrap(), r.download_name.clone().unwrap()))
        .collect();
    assert!(
        renamed[&a].ends_with(".txt") && renamed[&a] != "Report.txt",
        "{renamed:?}"
    );
    let entries = unzip(&bytes);
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    let mut want = vec![
        "docs/",
        "docs/b.txt",
        "docs/deep/",
        "docs/deep/c.jpg",
        renamed[&a].as_str(),
        renamed[&a2].as_str(),
    ];
    want.sort();
    assert_eq!(names, want);
    assert_eq!(entries["docs/b.txt"], text);
    assert_eq!(entries["docs/deep/c.jpg"], jpeg);
    assert_eq!(entries[&renamed[&a]], b"top-level report");
    assert_eq!(entries[&renamed[&a2]], b"the other report");
    // Deflate for the text made the archive smaller than the text alone.
    assert!(bytes.len() < text.len() + jpeg.len(), "{}", bytes.len());

    let status_url = zip.info.status_url.clone().unwrap();
    let (s, st) = call(client().get(&status_url).bearer_auth(&owner)).await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(
        st,
        json!({"total_file_count": 4, "downloaded_file_count": 4, "skipped_file_count": 0,
               "skipped_folder_count": 0, "state": "succeeded"})
    );
    let (s, _) = call(client().get(&status_url).bearer_auth(&stranger)).await;
    assert_eq!(s, 403);
    let download_url = zip.info.download_url.clone().unwrap();
    let (s, _) = call(client().get(&download_url)).await;
    assert_eq!(s, 404, "the content URL answers once");

    // A stranger cannot zip the owner's file; bad requests are 400s.
    let api = emu.api_url();
    let post = |token: &str, body: Value| {
        client()
            .post(format!("{api}/zip_downloads"))
            .bearer_auth(token)
            .json(&body)
    };
    let (s, _) = call(post(
        &stranger,
        json!({"items": [{"type": "file", "id": b}]}),
    ))
    .await;
    assert_eq!(s, 404);
    for body in [
        json!({"items": []}),
        json!({"items": [{"type": "folder", "id": "0"}]}),
        json!({"items": [{"type": "web_link", "id": b}]}),
        json!({}),
    ] {
        let (s, v) = call(post(&owner, body.clone())).await;
        assert_eq!(s, 400, "{body} -> {v}");
    }

    // A viewer zips the folder, loses access before downloading: the
    // folder's entries are skipped and counted.
    let (s, collab) = call(
        client()
            .post(format!("{api}/collaborations"))
            .bearer_auth(&owner)
            .json(&json!({"item": {"type": "folder", "id": docs},
                          "accessible_by": {"type": "user", "id": viewer.id.to_string()},
                          "role": "viewer"})),
    )
    .await;
    assert_eq!(s, 201, "{collab}");
    let (s, created) = call(post(
        &viewer_token,
        json!({"items": [{"type": "folder", "id": docs}]}),
    ))
    .await;
    assert_eq!(s, 202, "{created}");
    let (s, _) = call(
        client()
            .delete(format!(
                "{api}/collaborations/{}",
                collab["id"].as_str().unwrap()
            ))
            .bearer_auth(&owner),
    )
    .await;
    assert_eq!(s, 204);
    let r = client()
        .get(created["download_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert!(unzip(&r.bytes().await.unwrap()).is_empty());
    let (s, st) = call(
        client()
            .get(created["status_url"].as_str().unwrap())
            .bearer_auth(&viewer_token),
    )
    .await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(
        st,
        json!({"total_file_count": 2, "downloaded_file_count": 0, "skipped_file_count": 2,
               "skipped_folder_count": 2, "state": "succeeded"})
    );
    emu.stop().await;

    // A download not started before `expires_at` is gone.
    let emu = Emulator::builder()
        .zip_download_ttl(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let f = upload(&emu, &t, "0", "x.txt", b"x").await;
    let (s, created) = call(
        client()
            .post(format!("{}/zip_downloads", emu.api_url()))
            .bearer_auth(&t)
            .json(&json!({"items": [{"type": "file", "id": f}]})),
    )
    .await;
    assert_eq!(s, 202, "{created}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (s, _) = call(client().get(created["download_url"].as_str().unwrap())).await;
    assert_eq!(s, 404);
    emu.stop().await;
}

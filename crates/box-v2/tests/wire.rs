//! Wire format: each endpoint sends the right method, path, query, headers
//! and body to a local server.

mod common;

use box_core::{Body, ByteRange, Error, ItemId};
use common::{box_error, client, fixture, json, raw, MockServer, Recorded};
use futures::TryStreamExt;
use serde_json::json as j;

fn route(r: &Recorded) -> axum::http::Response<axum::body::Body> {
    match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/2.0/users/me") | ("GET", "/2.0/users/11446498") => {
            json(200, fixture("user.json"))
        }
        ("GET", "/2.0/files/12345")
        | ("PUT", "/2.0/files/12345")
        | ("POST", "/2.0/files/12345/copy")
        | ("GET", "/2.0/files/12345/trash")
        | ("POST", "/2.0/files/12345") => json(200, fixture("file.json")),
        ("DELETE", _) => raw(204, &[], ""),
        ("GET", "/2.0/files/12345/versions") => json(200, fixture("file_versions.json")),
        ("POST", "/2.0/files/12345/versions/current") => json(201, fixture("file_version.json")),
        ("GET", "/2.0/folders/11446498")
        | ("PUT", "/2.0/folders/11446498")
        | ("POST", "/2.0/folders")
        | ("POST", "/2.0/folders/11446498/copy") => json(200, fixture("folder.json")),
        _ => box_error(404, "not_found"),
    }
}

#[tokio::test]
async fn users_me_and_by_id() {
    let s = MockServer::start(route).await;
    let c = client(&s.url);
    let me = c
        .users()
        .me()
        .fields(["name", "login"])
        .send()
        .await
        .unwrap();
    assert_eq!(me.login.as_deref(), Some("ceo@example.com"));
    let r = s.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/2.0/users/me")
    );
    assert_eq!(r.query_value("fields").as_deref(), Some("name,login"));
    assert_eq!(
        r.header("authorization").as_deref(),
        Some("Bearer dev-token")
    );
    assert!(r.header("user-agent").unwrap().starts_with("boxkit-v2/"));
    c.users().get("11446498").send().await.unwrap();
    assert_eq!(s.last().path, "/2.0/users/11446498");
}

#[tokio::test]
async fn file_get_update_copy_delete() {
    let s = MockServer::start(route).await;
    let c = client(&s.url);
    let f = c
        .files()
        .get("12345")
        .fields(["name", "size"])
        .send()
        .await
        .unwrap();
    assert_eq!(f.size, Some(629644));
    assert_eq!(s.last().query_value("fields").as_deref(), Some("name,size"));

    c.files()
        .update("12345")
        .name("New.pdf")
        .parent("77")
        .description("d")
        .tags(["a", "b"])
        .if_match("5")
        .send()
        .await
        .unwrap();
    let r = s.last();
    assert_eq!(r.method, "PUT");
    assert_eq!(r.header("if-match").as_deref(), Some("5"));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        r.json(),
        j!({"name": "New.pdf", "parent": {"id": "77"}, "description": "d", "tags": ["a", "b"]})
    );

    c.files()
        .copy("12345", "0")
        .name("Copy.pdf")
        .send()
        .await
        .unwrap();
    let r = s.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/2.0/files/12345/copy")
    );
    assert_eq!(r.json(), j!({"parent": {"id": "0"}, "name": "Copy.pdf"}));

    c.files()
        .delete("12345")
        .if_match("7")
        .send()
        .await
        .unwrap();
    let r = s.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("DELETE", "/2.0/files/12345")
    );
    assert_eq!(r.header("if-match").as_deref(), Some("7"));
}

#[tokio::test]
async fn if_none_match_gives_none_on_304() {
    let s = MockServer::start(|r| {
        if r.header("if-none-match").as_deref() == Some("1") {
            raw(304, &[], "")
        } else {
            json(200, fixture("file.json"))
        }
    })
    .await;
    let c = client(&s.url);
    assert!(c
        .files()
        .get("12345")
        .send_if_none_match("1")
        .await
        .unwrap()
        .is_none());
    assert!(c
        .files()
        .get("12345")
        .send_if_none_match("0")
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn versions_trash_and_ids_are_escaped() {
    let s = MockServer::start(route).await;
    let c = client(&s.url);
    let versions: Vec<_> = c
        .files()
        .versions("12345", &["name"])
        .try_collect()
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
    let r = s.last();
    assert_eq!(r.path, "/2.0/files/12345/versions");
    assert_eq!(r.query_value("offset").as_deref(), Some("0"));
    assert_eq!(r.query_value("fields").as_deref(), Some("name"));

    let v = c
        .files()
        .promote_version("12345", "456")
        .send()
        .await
        .unwrap();
    assert_eq!(v.id.as_str(), "12347");
    assert_eq!(s.last().json(), j!({"id": "456", "type": "file_version"}));

    c.files()
        .delete_version("12345", "456")
        .if_match("2")
        .send()
        .await
        .unwrap();
    assert_eq!(s.last().path, "/2.0/files/12345/versions/456");

    c.files().trashed("12345").send().await.unwrap();
    assert_eq!(s.last().path, "/2.0/files/12345/trash");
    c.files()
        .restore("12345")
        .name("Back.pdf")
        .parent("0")
        .send()
        .await
        .unwrap();
    let r = s.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/2.0/files/12345")
    );
    assert_eq!(r.json(), j!({"name": "Back.pdf", "parent": {"id": "0"}}));
    c.files().delete_permanently("12345").send().await.unwrap();
    assert_eq!(s.last().path, "/2.0/files/12345/trash");

    let e = c.files().get("../users/me").send().await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(s.last().path, "/2.0/files/%2E%2E%2Fusers%2Fme");
    assert_eq!(e.request_id(), Some("req-123"));
}

#[tokio::test]
async fn folders_crud() {
    let s = MockServer::start(route).await;
    let c = client(&s.url);
    c.folders().get("11446498").send().await.unwrap();
    c.folders()
        .create("0", "New")
        .fields(["name"])
        .send()
        .await
        .unwrap();
    let r = s.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/2.0/folders")
    );
    assert_eq!(r.json(), j!({"name": "New", "parent": {"id": "0"}}));
    c.folders()
        .update("11446498")
        .name("Renamed")
        .send()
        .await
        .unwrap();
    assert_eq!(s.last().json(), j!({"name": "Renamed"}));
    c.folders().copy("11446498", "0").send().await.unwrap();
    assert_eq!(s.last().path, "/2.0/folders/11446498/copy");
    c.folders().delete("11446498", true).send().await.unwrap();
    let r = s.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("DELETE", "/2.0/folders/11446498")
    );
    assert_eq!(r.query_value("recursive").as_deref(), Some("true"));
}

#[tokio::test]
async fn folder_items_marker_pagination() {
    let s = MockServer::start(|r| match r.query_value("marker") {
        None => json(200, fixture("items_page1.json")),
        Some(_) => json(200, fixture("items_page2.json")),
    })
    .await;
    let c = client(&s.url);
    let items: Vec<_> = c
        .folders()
        .items("0")
        .fields(["name"])
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 4);
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path, "/2.0/folders/0/items");
    assert_eq!(reqs[0].query_value("usemarker").as_deref(), Some("true"));
    assert_eq!(reqs[0].query_value("limit").as_deref(), Some("2"));
    assert_eq!(reqs[0].query_value("marker"), None);
    assert_eq!(
        reqs[1].query_value("marker").as_deref(),
        Some("JV9IRGZmieiBasejOG9yDCRNgd2ymoZIbjsxbJMjIs3kioVii")
    );
}

#[tokio::test]
async fn folder_items_offset_pagination_and_trash() {
    let s = MockServer::start(|r| {
        let offset: u64 = r
            .query_value("offset")
            .unwrap_or_default()
            .parse()
            .unwrap_or(0);
        let entries: Vec<_> = (offset..(offset + 2).min(5))
            .map(|i| j!({"type": "file", "id": i.to_string(), "name": format!("f{i}")}))
            .collect();
        json(
            200,
            j!({"total_count": 5, "offset": offset, "limit": 2, "entries": entries}),
        )
    })
    .await;
    let c = client(&s.url);
    let items: Vec<_> = c
        .folders()
        .items("9")
        .page_size(2)
        .offset_paging()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(s.count(), 3);
    assert_eq!(s.requests()[2].query_value("offset").as_deref(), Some("4"));

    let trash: Vec<_> = c
        .folders()
        .trash_items()
        .page_size(2)
        .offset_paging()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(trash.len(), 5);
    assert_eq!(s.last().path, "/2.0/folders/trash/items");
}

#[tokio::test]
async fn simple_upload_puts_attributes_first() {
    let s = MockServer::start(|_| json(201, fixture("files_collection.json"))).await;
    let c = client(&s.url);
    let f = c
        .upload("0", "hello.txt", Body::from_bytes("hello world"))
        .send()
        .await
        .unwrap();
    assert_eq!(f.id.as_str(), "12345");
    let r = s.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/api/2.0/files/content")
    );
    assert_eq!(
        r.header("content-md5").as_deref(),
        Some("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")
    );
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("multipart/form-data"));
    let body = String::from_utf8_lossy(&r.body).to_string();
    let a = body.find("name=\"attributes\"").expect("attributes part");
    let f = body.find("name=\"file\"").expect("file part");
    assert!(a < f, "attributes must come before file");
    assert!(
        body.contains(r#"{"name":"hello.txt","parent":{"id":"0"}}"#),
        "{body}"
    );
    assert!(body.contains("hello world"));
    assert!(
        body.contains(r#"name="file"; filename="hello.txt""#),
        "the file part carries the name: {body}"
    );
    assert!(
        body.contains("filename=\"hello.txt\"\r\nContent-Type: application/octet-stream\r\n"),
        "the file part is application/octet-stream, as the spec documents: {body}"
    );

    // A streaming body of unknown length, as a new version with If-Match.
    let stream = futures::stream::iter(vec![Ok(bytes::Bytes::from("v2 "))]);
    c.upload_version("12345", Body::from_stream(stream, None))
        .if_match("3")
        .send()
        .await
        .unwrap();
    let r = s.last();
    assert_eq!(r.path, "/api/2.0/files/12345/content");
    assert_eq!(r.header("if-match").as_deref(), Some("3"));
    let body = String::from_utf8_lossy(&r.body).to_string();
    assert!(body.contains("v2 "));
    assert!(
        body.contains(r#"name="file"; filename="file""#),
        "a version without a new name sends a placeholder file name: {body}"
    );
}

#[tokio::test]
async fn preflight_ok_and_conflicts() {
    let s = MockServer::start(|r| {
        let body = r.json();
        match body["name"].as_str() {
            Some("taken-file.pdf") => json(409, fixture("error_conflict_array.json")),
            Some("taken-folder") => json(409, fixture("error_conflict_object.json")),
            _ => json(200, fixture("preflight.json")),
        }
    })
    .await;
    let c = client(&s.url);
    let ok = c.preflight_upload("0", "free.pdf", Some(10)).await.unwrap();
    assert!(ok.upload_url.is_some());
    let r = s.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("OPTIONS", "/2.0/files/content")
    );
    assert_eq!(
        r.json(),
        j!({"name": "free.pdf", "parent": {"id": "0"}, "size": 10})
    );
    let e = c
        .preflight_upload("0", "taken-file.pdf", None)
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Conflict { conflicting: Some(ItemId::File(ref f)), .. } if f.as_str() == "12345")
    );
    let e = c
        .preflight_upload("0", "taken-folder", None)
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Conflict { conflicting: Some(ItemId::Folder(ref f)), .. } if f.as_str() == "11446498")
    );
}

#[tokio::test]
async fn download_follows_cross_origin_redirect_without_authorization() {
    let cdn = MockServer::start(|r| {
        let range = r.header("range");
        match range.as_deref() {
            Some("bytes=2-4") => raw(206, &[("content-range", "bytes 2-4/11")], "llo"),
            _ => raw(200, &[], "hello world"),
        }
    })
    .await;
    let cdn_url = cdn.url.clone();
    let api = MockServer::start(move |r| {
        let loc = format!("{cdn_url}/d/blob?{}", r.query);
        raw(302, &[("location", &loc)], "")
    })
    .await;
    let c = client(&api.url);
    let bytes = c
        .download("12345")
        .send()
        .await
        .unwrap()
        .collect(1 << 20)
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"hello world");
    let a = api.last();
    assert_eq!(a.path, "/2.0/files/12345/content");
    assert_eq!(
        a.header("authorization").as_deref(),
        Some("Bearer dev-token")
    );
    let d = cdn.last();
    assert_eq!(d.path, "/d/blob");
    assert_eq!(
        d.header("authorization"),
        None,
        "no token to another origin"
    );

    let part = c
        .download("12345")
        .range(ByteRange::new(2, 4).unwrap())
        .version("777")
        .send()
        .await
        .unwrap()
        .collect(100)
        .await
        .unwrap();
    assert_eq!(&part[..], b"llo");
    assert_eq!(api.last().query_value("version").as_deref(), Some("777"));
    assert_eq!(cdn.last().header("range").as_deref(), Some("bytes=2-4"));

    let dir = tempfile::tempdir().unwrap();
    let n = c
        .download("12345")
        .to_path(dir.path().join("out"))
        .await
        .unwrap();
    assert_eq!(n, 11);
    let mut sink = Vec::new();
    assert_eq!(c.download("12345").to_writer(&mut sink).await.unwrap(), 11);
}

#[tokio::test]
async fn thumbnail_waits_on_202() {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let s = MockServer::start(move |_| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            raw(
                202,
                &[("retry-after", "0"), ("location", "/placeholder.png")],
                "",
            )
        } else {
            raw(200, &[("content-type", "image/png")], "PNGDATA")
        }
    })
    .await;
    let c = client(&s.url);
    let png = c.files().thumbnail("12345", "png", Some(32)).await.unwrap();
    assert_eq!(&png[..], b"PNGDATA");
    assert_eq!(s.count(), 2, "202 then 200");
    let r = s.last();
    assert_eq!(r.path, "/2.0/files/12345/thumbnail.png");
    assert_eq!(r.query_value("min_height").as_deref(), Some("32"));
}

#[tokio::test]
async fn raw_escape_hatch_reuses_auth_and_errors() {
    let s = MockServer::start(|r| match r.path.as_str() {
        "/2.0/collections" => json(200, j!({"entries": [], "total_count": 0})),
        _ => box_error(403, "access_denied_insufficient_permissions"),
    })
    .await;
    let c = client(&s.url);
    let v: serde_json::Value = c
        .request(reqwest::Method::GET, "/collections")
        .query([("limit", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(v["total_count"], 0);
    let r = s.last();
    assert_eq!(
        r.header("authorization").as_deref(),
        Some("Bearer dev-token")
    );
    assert_eq!(r.query_value("limit").as_deref(), Some("5"));
    let e = c
        .request(reqwest::Method::POST, "/metadata_templates/schema")
        .json(&j!({"x": 1}))
        .send::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::PermissionDenied { .. }));
    assert_eq!(e.code(), Some("access_denied_insufficient_permissions"));
}

#[tokio::test]
async fn as_user_and_extra_headers() {
    let s = MockServer::start(route).await;
    let c = box_v2::Client::builder()
        .base_url(&s.url)
        .auth(box_v2::auth::DeveloperToken::new("t"))
        .as_user("999")
        .header(
            http::HeaderName::from_static("boxapi"),
            http::HeaderValue::from_static("shared_link=x"),
        )
        .build()
        .unwrap();
    c.users().me().send().await.unwrap();
    let r = s.last();
    assert_eq!(r.header("as-user").as_deref(), Some("999"));
    assert_eq!(r.header("boxapi").as_deref(), Some("shared_link=x"));
}

#[tokio::test]
async fn parallel_ranged_download_reassembles_the_file() {
    let content: Vec<u8> = (0..10_000u32).map(|i| (i % 253) as u8).collect();
    let c2 = content.clone();
    let s = MockServer::start(move |r| {
        if r.path == "/2.0/files/5" {
            return json(200, j!({"type": "file", "id": "5", "size": c2.len()}));
        }
        let range = r.header("range").unwrap();
        let (a, b) = range.trim_start_matches("bytes=").split_once('-').unwrap();
        let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
        let b = b.min(c2.len() - 1);
        raw(
            206,
            &[("content-range", &format!("bytes {a}-{b}/{}", c2.len()))],
            c2[a..=b].to_vec(),
        )
    })
    .await;
    let c = client(&s.url);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big.bin");
    let n = c
        .download("5")
        .to_path_parallel(&out, 4, 3000)
        .await
        .unwrap();
    assert_eq!(n, 10_000);
    assert_eq!(std::fs::read(&out).unwrap(), content);
    let ranges: Vec<_> = s
        .requests()
        .iter()
        .filter_map(|r| r.header("range"))
        .collect();
    assert_eq!(ranges.len(), 4);
    assert!(ranges.contains(&"bytes=9000-9999".to_string()));
}

/// Ranges are written at their offsets (in any order, more than one write
/// buffer each); a range the server refuses fails the download and leaves
/// neither the file nor its temporary beside it.
#[tokio::test]
async fn parallel_download_writes_ranges_in_place_and_cleans_up_on_failure() {
    let size = 3 * 1024 * 1024 + 17;
    let content: Vec<u8> = (0..size as u32).map(|i| (i % 241) as u8).collect();
    let c2 = content.clone();
    let s = MockServer::start(move |r| {
        if r.path == "/2.0/files/5" || r.path == "/2.0/files/6" {
            return json(200, j!({"type": "file", "id": "5", "size": c2.len()}));
        }
        let range = r.header("range").unwrap();
        let (a, b) = range.trim_start_matches("bytes=").split_once('-').unwrap();
        let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
        if r.path == "/2.0/files/6/content" && a > 0 {
            return box_error(403, "access_denied_insufficient_permissions");
        }
        let b = b.min(c2.len() - 1);
        raw(
            206,
            &[("content-range", &format!("bytes {a}-{b}/{}", c2.len()))],
            c2[a..=b].to_vec(),
        )
    })
    .await;
    let c = client(&s.url);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big.bin");
    let n = c
        .download("5")
        .to_path_parallel(&out, 3, 1024 * 1024 + 5)
        .await
        .unwrap();
    assert_eq!(n, size as u64);
    assert!(std::fs::read(&out).unwrap() == content, "bytes differ");

    let failed = dir.path().join("failed.bin");
    let e = c
        .download("6")
        .to_path_parallel(&failed, 3, 1024 * 1024)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::PermissionDenied { .. }), "{e:?}");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        vec!["big.bin".to_string()],
        "only the finished file remains"
    );
}

#[tokio::test]
async fn redirect_loops_and_missing_locations_are_errors() {
    let s = MockServer::start(|r| match r.path.as_str() {
        "/2.0/files/1/content" => raw(302, &[("location", "/loop")], ""),
        "/loop" => raw(302, &[("location", "/loop")], ""),
        _ => raw(302, &[], ""),
    })
    .await;
    let c = client(&s.url);
    let e = c.download("1").send().await.unwrap_err();
    assert!(
        matches!(e, Error::Api { .. }) && e.status() == Some(302),
        "{e:?}"
    );
    assert!(s.count() <= 12);
    // Same-origin redirects keep the token.
    assert_eq!(
        s.last().header("authorization").as_deref(),
        Some("Bearer dev-token")
    );
    let e = c.download("2").send().await.unwrap_err();
    assert!(
        matches!(e, Error::Api { .. }) && e.status() == Some(302),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_body_shorter_than_declared_is_refused_before_sending() {
    let s = MockServer::start(|_| json(201, fixture("files_collection.json"))).await;
    let c = client(&s.url);
    let short = Body::from_stream(
        futures::stream::iter(vec![Ok(bytes::Bytes::from("abc"))]),
        Some(10),
    );
    let e = c.upload("0", "a.txt", short).send().await.unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    assert_eq!(s.count(), 0);
}

#[tokio::test]
async fn parallel_download_of_a_past_version_uses_that_versions_size() {
    // The current version is 10 bytes; version "V1" (asked for) is 25.
    let old: Vec<u8> = (0..25u8).collect();
    let o2 = old.clone();
    let s = MockServer::start(move |r| match r.path.as_str() {
        "/2.0/files/5" => json(
            200,
            j!({"type": "file", "id": "5", "size": 10, "file_version": {"type": "file_version", "id": "V2"}}),
        ),
        "/2.0/files/5/versions" => json(
            200,
            j!({"total_count": 1, "offset": 0, "limit": 1000,
                "entries": [{"type": "file_version", "id": "V1", "size": o2.len()}]}),
        ),
        "/2.0/files/5/content" if r.query_value("version").as_deref() == Some("V1") => {
            let range = r.header("range").unwrap();
            let (a, b) = range.trim_start_matches("bytes=").split_once('-').unwrap();
            let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
            let b = b.min(o2.len() - 1);
            raw(
                206,
                &[("content-range", &format!("bytes {a}-{b}/{}", o2.len()))],
                o2[a..=b].to_vec(),
            )
        }
        _ => box_error(404, "not_found"),
    })
    .await;
    let c = client(&s.url);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("old.bin");
    let n = c
        .download("5")
        .version("V1")
        .to_path_parallel(&out, 2, 8)
        .await
        .unwrap();
    assert_eq!(n, 25, "not cut to the current version's 10 bytes");
    assert_eq!(std::fs::read(&out).unwrap(), old);

    // A version the file does not have is NotFound, and nothing is written.
    let missing = dir.path().join("missing.bin");
    let e = c
        .download("5")
        .version("V9")
        .to_path_parallel(&missing, 2, 8)
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    assert!(!missing.exists());
}

#[tokio::test]
async fn a_range_the_server_ignores_still_yields_only_the_range() {
    let content: Vec<u8> = (0..100u8).collect();
    let c2 = content.clone();
    // Answers 200 with the whole file whatever the Range header says.
    let s = MockServer::start(move |_| raw(200, &[], c2.clone())).await;
    let c = client(&s.url);
    let body = c
        .download("9")
        .range(ByteRange::new(0, 9).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(body.len(), Some(10));
    let got = body.collect(1 << 20).await.unwrap();
    assert_eq!(&got[..], &content[..10]);
    assert_eq!(s.last().header("range").as_deref(), Some("bytes=0-9"));
    // A range starting later cannot be served from a 200: an error, not wrong bytes.
    assert!(c
        .download("9")
        .range(ByteRange::new(5, 9).unwrap())
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn dot_ids_cannot_climb_out_of_their_path() {
    let s = MockServer::start(|_| raw(204, &[], "")).await;
    let c = client(&s.url);
    for id in ["..", ".", ""] {
        let e = c
            .files()
            .delete_version("12345", id)
            .send()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidInput { .. }), "{id:?}: {e:?}");
        let e = c.folders().get(id).send().await.unwrap_err();
        assert!(matches!(e, Error::InvalidInput { .. }), "{id:?}: {e:?}");
    }
    let e = c
        .request(reqwest::Method::GET, "/files/1/%2e%2E?fields=name")
        .send_empty()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    assert_eq!(s.count(), 0, "nothing was sent: {:?}", s.requests());
    // An id that merely looks encoded is escaped, not decoded.
    c.files()
        .delete_version("12345", "%2e%2E")
        .send()
        .await
        .unwrap();
    assert_eq!(s.last().path, "/2.0/files/12345/versions/%252e%252E");
}

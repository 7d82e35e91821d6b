//! Wire tests (local HTTP server) of the hand-built behaviours: search and
//! metadata queries as streams, enterprise events, zip downloads and
//! representations.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use box_core::{Error, FileId, FolderId, ItemId, Timestamp, WebLinkId};
use box_v2::schemas::{MetadataQuery, MetadataQueryResultItem, SearchResultItem};
use box_v2::search::{
    ContentType, Direction, SearchItemType, SearchScope, SearchSort, TrashContent,
};
use common::{client, json, raw, MockServer};
use futures::{StreamExt, TryStreamExt};
use serde_json::{json as j, Value};

fn file(id: u64) -> Value {
    j!({"type": "file", "id": id.to_string(), "etag": "0", "name": format!("f{id}.pdf")})
}

fn search_page(offset: u64, n: u64, total: u64) -> Value {
    j!({
        "type": "search_results_items",
        "total_count": total,
        "limit": n,
        "offset": offset,
        "entries": (offset..offset + n).map(file).collect::<Vec<_>>(),
    })
}

fn offset_of(r: &common::Recorded) -> u64 {
    r.query_value("offset").unwrap().parse().unwrap()
}

#[tokio::test]
async fn search_sends_every_filter() {
    let server = MockServer::start(|_| json(200, search_page(0, 2, 2))).await;
    let c = client(&server.url);
    let filter: box_v2::schemas::MetadataFilter = serde_json::from_value(j!({
        "scope": "enterprise",
        "templateKey": "contract",
        "filters": {"category": "NDA"}
    }))
    .unwrap();
    let hits: Vec<_> = c
        .search()
        .content("contract")
        .scope(SearchScope::EnterpriseContent)
        .file_extensions(["pdf", "docx"])
        .created_at_range(
            Some(Timestamp::parse_rfc3339("2024-01-01T00:00:00Z").unwrap()),
            None,
        )
        .updated_at_range(
            None,
            Some(Timestamp::parse_rfc3339("2024-06-30T12:00:00-07:00").unwrap()),
        )
        .size_range(None, Some(1_000_000))
        .owner_user_ids(["11", "12"])
        .recent_updater_user_ids(["13"])
        .ancestor_folder_ids([FolderId::from("100"), FolderId::from("200")])
        .content_types([ContentType::Name, ContentType::Tag])
        .item_type(SearchItemType::File)
        .trash_content(TrashContent::AllItems)
        .metadata_filter(filter)
        .sort(SearchSort::ModifiedAt)
        .direction(Direction::Ascending)
        .fields(["name", "size"])
        .page_size(50)
        .as_user("77")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(hits.len(), 2);
    assert!(matches!(hits[0].item, SearchResultItem::FileFull(_)));
    assert_eq!(hits[0].accessible_via_shared_link, None);

    let r = server.last();
    assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/2.0/search"));
    let q = |k: &str| r.query_value(k).unwrap_or_else(|| panic!("no {k}"));
    assert_eq!(q("query"), "contract");
    assert_eq!(q("scope"), "enterprise_content");
    assert_eq!(q("file_extensions"), "pdf,docx");
    assert_eq!(q("created_at_range"), "2024-01-01T00:00:00+00:00,");
    assert_eq!(q("updated_at_range"), ",2024-06-30T12:00:00-07:00");
    assert_eq!(q("size_range"), ",1000000");
    assert_eq!(q("owner_user_ids"), "11,12");
    assert_eq!(q("recent_updater_user_ids"), "13");
    assert_eq!(q("ancestor_folder_ids"), "100,200");
    assert_eq!(q("content_types"), "name,tag");
    assert_eq!(q("type"), "file");
    assert_eq!(q("trash_content"), "all_items");
    assert_eq!(q("sort"), "modified_at");
    assert_eq!(q("direction"), "ASC");
    assert_eq!(q("fields"), "name,size");
    assert_eq!(q("limit"), "50");
    assert_eq!(q("offset"), "0");
    let md: Value = serde_json::from_str(&q("mdfilters")).unwrap();
    assert_eq!(md[0]["templateKey"], "contract");
    assert_eq!(md[0]["filters"]["category"], "NDA");
    assert_eq!(r.header("as-user").as_deref(), Some("77"));
}

#[tokio::test]
async fn search_pages_by_offset_until_the_total() {
    let server = MockServer::start(|r| {
        let o = offset_of(r);
        json(200, search_page(o, 2.min(5 - o), 5))
    })
    .await;
    let c = client(&server.url);
    let hits: Vec<_> = c
        .search()
        .content("x")
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(hits.len(), 5);
    let offsets: Vec<u64> = server.requests().iter().map(offset_of).collect();
    assert_eq!(offsets, vec![0, 2, 4]);
}

/// Box refuses `offset` above 10,000: the stream stops asking there and ends
/// with a clear error saying how many results were left out.
#[tokio::test]
async fn search_past_the_offset_ceiling_ends_with_a_clear_error() {
    let server = MockServer::start(|r| json(200, search_page(offset_of(r), 200, 25_000))).await;
    let c = client(&server.url);
    let out: Vec<_> = c.search().content("x").stream().collect().await;
    let offsets: Vec<u64> = server.requests().iter().map(offset_of).collect();
    assert_eq!(offsets.len(), 51, "offsets 0, 200, ..., 10000");
    assert_eq!(offsets.last(), Some(&10_000));
    assert!(offsets
        .iter()
        .all(|&o| o <= box_v2::search::MAX_SEARCH_OFFSET));
    assert_eq!(out.len(), 51 * 200 + 1);
    assert!(out[..51 * 200].iter().all(Result::is_ok));
    match out.last().unwrap() {
        Err(e @ Error::InvalidInput { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("25000 results"), "{msg}");
            assert!(msg.contains("14800 left out"), "{msg}");
            assert!(msg.contains("narrow"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn search_with_recent_shared_links_keeps_the_link() {
    let server = MockServer::start(|_| {
        json(
            200,
            j!({
                "type": "search_results_with_shared_links",
                "total_count": 1, "limit": 200, "offset": 0,
                "entries": [{
                    "type": "search_result",
                    "accessible_via_shared_link": "https://app.box.com/s/abc",
                    "item": file(9),
                }],
            }),
        )
    })
    .await;
    let c = client(&server.url);
    let hits: Vec<_> = c
        .search()
        .content("x")
        .include_recent_shared_links(true)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].accessible_via_shared_link.as_deref(),
        Some("https://app.box.com/s/abc")
    );
    assert!(matches!(&hits[0].item, SearchResultItem::FileFull(f) if f.id.as_str() == "9"));
    assert_eq!(
        server.last().query_value("include_recent_shared_links"),
        Some("true".into())
    );
}

#[tokio::test]
async fn search_without_query_or_filter_is_refused_before_a_request() {
    let server = MockServer::start(|_| json(200, search_page(0, 0, 0))).await;
    let c = client(&server.url);
    let out: Vec<_> = c.search().content("").stream().collect().await;
    assert!(matches!(out.as_slice(), [Err(Error::InvalidInput { .. })]));
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn metadata_query_pages_by_marker_in_the_body() {
    let server = MockServer::start(|r| {
        let body = r.json();
        match body.get("marker").and_then(Value::as_str) {
            None => json(
                200,
                j!({"entries": [file(1), file(2)], "limit": 2, "next_marker": "m1"}),
            ),
            Some("m1") => json(
                200,
                j!({"entries": [{"type": "folder", "id": "3", "etag": "0", "name": "d"}],
                    "limit": 2, "next_marker": null}),
            ),
            Some(_) => common::box_error(400, "bad_marker"),
        }
    })
    .await;
    let c = client(&server.url);
    let mut query =
        MetadataQuery::new("0".to_owned(), "enterprise_123.contractTemplate".to_owned());
    query.query = Some("amount >= :value".to_owned());
    query.query_params = Some([("value".to_owned(), j!(100))].into());
    let items: Vec<_> = c
        .search()
        .metadata(query)
        .page_size(2)
        .as_user("77")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    assert!(matches!(items[0], MetadataQueryResultItem::FileFull(_)));
    assert!(matches!(items[2], MetadataQueryResultItem::FolderFull(_)));

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/2.0/metadata_queries/execute_read")
        );
        let b = r.json();
        assert_eq!(b["from"], "enterprise_123.contractTemplate");
        assert_eq!(b["ancestor_folder_id"], "0");
        assert_eq!(b["query"], "amount >= :value");
        assert_eq!(b["query_params"]["value"], 100);
        assert_eq!(b["limit"], 2);
        assert_eq!(r.header("as-user").as_deref(), Some("77"));
    }
    assert!(reqs[0].json().get("marker").is_none());
    assert_eq!(reqs[1].json()["marker"], "m1");
}

fn event(id: &str) -> Value {
    j!({"type": "event", "event_id": id, "event_type": "ADMIN_LOGIN",
        "created_at": "2024-01-02T03:04:05-08:00",
        "source": {"type": "user", "id": "11", "name": "A", "login": "a@example.com"}})
}

#[tokio::test]
async fn admin_logs_page_through_the_time_range_and_end() {
    let server = MockServer::start(|r| {
        let (entries, next) = match r.query_value("stream_position").as_deref() {
            None => (vec![event("e1"), event("e2")], "10"),
            Some("10") => (vec![event("e3")], "20"),
            _ => (vec![], "20"),
        };
        json(
            200,
            j!({"chunk_size": entries.len(), "next_stream_position": next, "entries": entries}),
        )
    })
    .await;
    let c = client(&server.url);
    let events: Vec<_> = c
        .events()
        .admin_logs()
        .created_after(Timestamp::parse_rfc3339("2024-01-01T00:00:00Z").unwrap())
        .created_before(Timestamp::parse_rfc3339("2024-02-01T00:00:00Z").unwrap())
        .event_types(["ADMIN_LOGIN", "FAILED_LOGIN"])
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = events.iter().map(|e| e.event_id.clone().unwrap()).collect();
    assert_eq!(ids, ["e1", "e2", "e3"]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    for r in &reqs {
        assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/2.0/events"));
        assert_eq!(r.query_value("stream_type").as_deref(), Some("admin_logs"));
        assert_eq!(
            r.query_value("created_after").as_deref(),
            Some("2024-01-01T00:00:00+00:00")
        );
        assert_eq!(
            r.query_value("created_before").as_deref(),
            Some("2024-02-01T00:00:00+00:00")
        );
        assert_eq!(
            r.query_value("event_type").as_deref(),
            Some("ADMIN_LOGIN,FAILED_LOGIN")
        );
        assert_eq!(r.query_value("limit").as_deref(), Some("500"));
    }
    assert_eq!(
        reqs[1].query_value("stream_position").as_deref(),
        Some("10")
    );
    assert_eq!(
        reqs[2].query_value("stream_position").as_deref(),
        Some("20")
    );
}

#[tokio::test]
async fn admin_logs_with_a_reversed_range_are_refused_before_a_request() {
    let server = MockServer::start(|_| json(200, j!({"entries": []}))).await;
    let c = client(&server.url);
    let out: Vec<_> = c
        .events()
        .admin_logs()
        .created_after(Timestamp::parse_rfc3339("2024-02-01T00:00:00Z").unwrap())
        .created_before(Timestamp::parse_rfc3339("2024-01-01T00:00:00Z").unwrap())
        .stream()
        .collect()
        .await;
    assert!(matches!(out.as_slice(), [Err(Error::InvalidInput { .. })]));
    assert_eq!(server.count(), 0);
}

/// The server's own URL, for answers that carry absolute URLs (as Box's do).
type Base = Arc<Mutex<String>>;

#[tokio::test]
async fn zip_download_creates_the_archive_then_streams_it() {
    let base: Base = Arc::default();
    let b = base.clone();
    let zip_bytes: Vec<u8> = b"PK\x03\x04"
        .iter()
        .copied()
        .chain((0..100_000u32).map(|i| i as u8))
        .collect();
    let served = zip_bytes.clone();
    let server = MockServer::start(move |r| {
        let base = b.lock().unwrap().clone();
        match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/2.0/zip_downloads") => json(
                202,
                j!({
                    "download_url": format!("{base}/2.0/zip_downloads/Lu6fA9Ob/content"),
                    "status_url": format!("{base}/2.0/zip_downloads/Lu6fA9Ob/status"),
                    "expires_at": "2024-12-12T10:55:30-08:00",
                    "name_conflicts": [[
                        {"id": "12345", "type": "file", "original_name": "a.pdf", "download_name": "a (1).pdf"}
                    ]]
                }),
            ),
            ("GET", "/2.0/zip_downloads/Lu6fA9Ob/content") => raw(
                200,
                &[("content-type", "application/zip")],
                served.clone(),
            ),
            _ => common::box_error(404, "not_found"),
        }
    })
    .await;
    *base.lock().unwrap() = server.url.clone();
    let c = client(&server.url);
    let zip = c
        .zip_downloads()
        .download(
            [
                ItemId::from(FileId::from("12345")),
                FolderId::from("678").into(),
            ],
            Some("reports.zip"),
        )
        .await
        .unwrap();
    assert_eq!(zip.info.name_conflicts.as_ref().map(Vec::len), Some(1));
    let got = zip.body.collect(1 << 20).await.unwrap();
    assert_eq!(got.as_ref(), zip_bytes.as_slice());

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let body = reqs[0].json();
    assert_eq!(
        body,
        j!({"items": [{"id": "12345", "type": "file"}, {"id": "678", "type": "folder"}],
            "download_file_name": "reports.zip"})
    );
}

#[tokio::test]
async fn zip_download_refuses_web_links_and_empty_lists_before_a_request() {
    let server = MockServer::start(|_| json(200, j!({}))).await;
    let c = client(&server.url);
    let e = c
        .zip_downloads()
        .download([ItemId::from(WebLinkId::from("5"))], None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
    let e = c.zip_downloads().download([], None).await.unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
    assert_eq!(server.count(), 0);
}

fn representation(base: &str, state: &str, rep: &str) -> Value {
    j!({
        "representation": rep,
        "properties": {"dimensions": "2048x2048", "paged": "true"},
        "info": {"url": format!("{base}/2.0/internal_files/123/versions/456/representations/{rep}")},
        "status": {"state": state},
        "content": {"url_template": format!("{base}/2.0/internal_files/123/versions/456/representations/{rep}/content/{{+asset_path}}")}
    })
}

/// A representation server: the file answers `first`; its info URL answers
/// `pending` `pending_polls` times, then `success`; content is `PDF-<path>`.
async fn rep_server(first: &'static str, pending_polls: usize) -> (MockServer, Arc<AtomicUsize>) {
    let base: Base = Arc::default();
    let b = base.clone();
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    let server = MockServer::start(move |r| {
        let base = b.lock().unwrap().clone();
        let rep = "pdf";
        let info = format!("/2.0/internal_files/123/versions/456/representations/{rep}");
        if r.path == "/2.0/files/123" {
            json(
                200,
                j!({"type": "file", "id": "123", "etag": "1",
                    "representations": {"entries": [representation(&base, first, rep)]}}),
            )
        } else if r.path == info {
            let n = p.fetch_add(1, Ordering::SeqCst);
            let state = if n < pending_polls {
                "pending"
            } else {
                "success"
            };
            json(200, representation(&base, state, rep))
        } else if let Some(asset) = r.path.strip_prefix(&format!("{info}/content/")) {
            raw(200, &[], format!("PDF-{asset}"))
        } else {
            common::box_error(404, "not_found")
        }
    })
    .await;
    *base.lock().unwrap() = server.url.clone();
    (server, polls)
}

#[tokio::test]
async fn representation_is_asked_with_hints_polled_while_pending_then_streamed() {
    let (server, polls) = rep_server("pending", 2).await;
    let c = client(&server.url);
    let body = c
        .files()
        .representation("123", "[pdf]")
        .asset_path("1.png")
        .poll_interval(Duration::from_millis(5))
        .download()
        .await
        .unwrap();
    assert_eq!(body.collect(1024).await.unwrap().as_ref(), b"PDF-1.png");
    // pending, pending, success.
    assert_eq!(polls.load(Ordering::SeqCst), 3);
    let first = &server.requests()[0];
    assert_eq!(first.path, "/2.0/files/123");
    assert_eq!(first.header("x-rep-hints").as_deref(), Some("[pdf]"));
    assert_eq!(
        first.query_value("fields").as_deref(),
        Some("representations")
    );
    // The token goes with every request (the content needs it).
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("authorization").as_deref() == Some("Bearer dev-token")));
}

#[tokio::test]
async fn a_ready_representation_is_not_polled() {
    let (server, polls) = rep_server("success", 0).await;
    let c = client(&server.url);
    let body = c
        .files()
        .representation("123", "[pdf]")
        .download()
        .await
        .unwrap();
    assert_eq!(body.collect(1024).await.unwrap().as_ref(), b"PDF-");
    assert_eq!(polls.load(Ordering::SeqCst), 0);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_representation_still_pending_after_max_wait_is_a_retryable_error() {
    let (server, polls) = rep_server("pending", usize::MAX).await;
    let c = client(&server.url);
    let started = std::time::Instant::now();
    let e = c
        .files()
        .representation("123", "[pdf]")
        .poll_interval(Duration::from_millis(20))
        .max_wait(Duration::from_millis(200))
        .download()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e}");
    assert!(e.to_string().contains("still pending"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let n = polls.load(Ordering::SeqCst);
    assert!((2..=12).contains(&n), "{n} polls");
    drop(server);
}

#[tokio::test]
async fn representation_errors_are_typed() {
    // Box offers no representation for these hints.
    let server = MockServer::start(|_| {
        json(
            200,
            j!({"type": "file", "id": "123", "representations": {"entries": []}}),
        )
    })
    .await;
    let c = client(&server.url);
    let e = c
        .files()
        .representation("123", "[3d]")
        .info()
        .await
        .unwrap_err();
    assert!(e.is_unsupported(), "{e}");

    // A state this version does not know (Box's `error`).
    let (server, _) = rep_server("error", 0).await;
    let c = client(&server.url);
    let e = c
        .files()
        .representation("123", "[pdf]")
        .download()
        .await
        .unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("error"), "{e}");

    // A dot segment in the asset path is refused.
    let (server, _) = rep_server("success", 0).await;
    let c = client(&server.url);
    let e = c
        .files()
        .representation("123", "[pdf]")
        .asset_path("../../../files/9/content")
        .download()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
}

/// A client whose waits are recorded and return at once.
fn client_recording_waits(url: &str) -> (box_v2::Client, Arc<Mutex<Vec<Duration>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let seen = waits.clone();
    let c = box_v2::Client::builder()
        .base_url(url)
        .auth(box_v2::auth::DeveloperToken::new("dev-token"))
        .retry_policy(common::fast_retry())
        .sleeper(box_core::Sleeper::new(move |d| {
            seen.lock().unwrap().push(d);
            Box::pin(async {})
        }))
        .build()
        .unwrap();
    (c, waits)
}

/// An `admin_logs_streaming` feed: `now` is empty at 100; 100 brings e1, e2;
/// 200 brings e2 again (a duplicate) and e3; 300 is empty the first time it
/// is asked, then brings e4 and moves to 400; 400 stays empty.
async fn feed() -> (MockServer, Arc<AtomicUsize>) {
    let asked_300 = Arc::new(AtomicUsize::new(0));
    let n = asked_300.clone();
    let server = MockServer::start(move |r| {
        let (entries, next) = match r.query_value("stream_position").as_deref() {
            Some("now") => (vec![], "100"),
            Some("100") => (vec![event("e1"), event("e2")], "200"),
            Some("200") => (vec![event("e2"), event("e3")], "300"),
            Some("300") if n.fetch_add(1, Ordering::SeqCst) == 0 => (vec![], "300"),
            Some("300") => (vec![event("e4")], "400"),
            _ => (vec![], "400"),
        };
        json(
            200,
            j!({"chunk_size": entries.len(), "next_stream_position": next, "entries": entries}),
        )
    })
    .await;
    (server, asked_300)
}

#[tokio::test]
async fn admin_logs_streaming_follows_positions_drops_duplicates_and_waits_when_idle() {
    let (server, _) = feed().await;
    let (c, waits) = client_recording_waits(&server.url);
    let mut events = c
        .events()
        .admin_logs_streaming(box_v2::events::StreamPosition::Now)
        .event_types(["LOGIN", "FAILED_LOGIN"])
        .page_size(100)
        .poll_interval(Duration::from_secs(7))
        .as_user("42")
        .stream();
    let mut ids = Vec::new();
    for _ in 0..4 {
        let e = tokio::time::timeout(Duration::from_secs(5), events.try_next())
            .await
            .expect("no hang")
            .unwrap()
            .expect("the feed goes on");
        ids.push(e.event_id.unwrap());
    }
    assert_eq!(ids, ["e1", "e2", "e3", "e4"]);
    assert_eq!(events.position(), "400");
    // Waited once after `now` and once after the first empty answer at 300.
    assert_eq!(
        *waits.lock().unwrap(),
        [Duration::from_secs(7), Duration::from_secs(7)]
    );
    let reqs = server.requests();
    let positions: Vec<_> = reqs
        .iter()
        .map(|r| r.query_value("stream_position").unwrap())
        .collect();
    assert_eq!(positions, ["now", "100", "200", "300", "300"]);
    for r in &reqs {
        assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/2.0/events"));
        assert_eq!(
            r.query_value("stream_type").as_deref(),
            Some("admin_logs_streaming")
        );
        assert_eq!(
            r.query_value("event_type").as_deref(),
            Some("LOGIN,FAILED_LOGIN")
        );
        assert_eq!(r.query_value("limit").as_deref(), Some("100"));
        assert_eq!(r.header("as-user").as_deref(), Some("42"));
        assert_eq!(r.query_value("created_after"), None);
    }
}

#[tokio::test]
async fn admin_logs_streaming_until_caught_up_ends_at_the_first_idle_page() {
    let (server, _) = feed().await;
    let (c, waits) = client_recording_waits(&server.url);
    let mut events = c
        .events()
        .admin_logs_streaming("100")
        .until_caught_up()
        .stream();
    let mut ids = Vec::new();
    while let Some(e) = tokio::time::timeout(Duration::from_secs(5), events.try_next())
        .await
        .expect("no hang")
        .unwrap()
    {
        ids.push(e.event_id.unwrap());
    }
    assert_eq!(ids, ["e1", "e2", "e3"]);
    // The next run resumes here and gets e4 (300 has it by then).
    assert_eq!(events.position(), "300");
    assert!(waits.lock().unwrap().is_empty());
    assert_eq!(server.count(), 3);
    let rest: Vec<_> = c
        .events()
        .admin_logs_streaming(events.position())
        .until_caught_up()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = rest.iter().map(|e| e.event_id.clone().unwrap()).collect();
    assert_eq!(ids, ["e4"]);
}

#[tokio::test]
async fn admin_logs_streaming_ends_with_a_typed_error_and_keeps_its_position() {
    let server = MockServer::start(|r| match r.query_value("stream_position").as_deref() {
        Some("0") => json(
            200,
            j!({"chunk_size": 1, "next_stream_position": "50", "entries": [event("e1")]}),
        ),
        _ => json(
            403,
            j!({"type": "error", "status": 403, "code": "access_denied_insufficient_permissions",
                "message": "Access denied - insufficient permission", "request_id": "abc123"}),
        ),
    })
    .await;
    let (c, _) = client_recording_waits(&server.url);
    let mut events = c
        .events()
        .admin_logs_streaming(box_v2::events::StreamPosition::Beginning)
        .stream();
    assert_eq!(
        events
            .try_next()
            .await
            .unwrap()
            .unwrap()
            .event_id
            .as_deref(),
        Some("e1")
    );
    let err = events.next().await.unwrap().unwrap_err();
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
    assert!(
        events.next().await.is_none(),
        "the stream ends after its error"
    );
    assert_eq!(events.position(), "50");
}

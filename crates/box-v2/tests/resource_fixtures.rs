//! Resource fixtures (`fixtures/v2/resources/`), one per Box resource type,
//! written from the shapes Box's OpenAPI description documents (with the ids
//! and `type`s its examples leave out), parsed into the generated models.
//!
//! Each fixture must:
//! - decode into its schema's model (a failure names the JSON path);
//! - encode back to the same JSON, `null`s aside (an unset optional field is
//!   left out; timestamps compared as instants), so no field of the fixture
//!   is silently dropped;
//! - match its insta snapshot of the parsed value.
//!
//! Where box-core has a domain type (collaborations, comments, events), the
//! conversion is snapshotted too.

mod common;

use box_v2::schemas as m;
use common::fixture;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// `v` without `null` object members (recursively), with timestamps as
/// instants in UTC (`Z` and `+00:00` are the same time; box-core keeps the
/// offset Box sent and writes it as `+00:00`).
fn normalized(v: Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, normalized(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(normalized).collect()),
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(&s) {
            Ok(t) => Value::String(t.with_timezone(&chrono::Utc).to_rfc3339()),
            Err(_) => Value::String(s),
        },
        v => v,
    }
}

/// Decodes `resources/{name}.json` as `T` and checks that it encodes back to
/// the same JSON.
fn load<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let json = fixture(&format!("resources/{name}.json"));
    let t: T = serde_path_to_error::deserialize(json.clone())
        .unwrap_or_else(|e| panic!("{name}.json at {}: {}", e.path(), e.inner()));
    let back = serde_json::to_value(&t).unwrap();
    assert_eq!(
        normalized(back),
        normalized(json),
        "{name}.json does not encode back to itself"
    );
    t
}

macro_rules! fixture_test {
    ($test:ident, $name:literal, $ty:ty) => {
        #[test]
        fn $test() {
            let v: $ty = load($name);
            insta::assert_yaml_snapshot!($name, v);
        }
    };
}

fixture_test!(web_link, "web_link", m::WebLink);
fixture_test!(collections, "collections", m::Collections);
fixture_test!(metadata_template, "metadata_template", m::MetadataTemplate);
fixture_test!(webhook, "webhook", m::Webhook);
fixture_test!(group, "group", m::GroupFull);
fixture_test!(group_membership, "group_membership", m::GroupMembership);

#[test]
fn search_results() {
    let v: m::SearchResults = load("search_results");
    let entries = v.entries.as_deref().unwrap();
    assert!(matches!(entries[0], m::SearchResultItem::FileFull(_)));
    assert!(matches!(entries[1], m::SearchResultItem::FolderFull(_)));
    insta::assert_yaml_snapshot!("search_results", v);
}

/// A page of `POST /metadata_queries/execute_read` (asked with
/// `fields: ["name", "size", "metadata.enterprise_123456.contractTemplate"]`):
/// a file and a folder with their instances, and the marker of the next page.
#[test]
fn metadata_query_results() {
    let v: m::MetadataQueryResults = load("metadata_query_results");
    let entries = v.entries.as_deref().unwrap();
    let m::MetadataQueryResultItem::FileFull(file) = &entries[0] else {
        panic!("the first entry is a file: {:?}", entries[0]);
    };
    let instance = &file.metadata.as_ref().unwrap()["enterprise_123456"]["contractTemplate"];
    assert_eq!(instance.template.as_deref(), Some("contractTemplate"));
    assert_eq!(instance.extra["customer"], "Acme");
    assert!(matches!(
        entries[1],
        m::MetadataQueryResultItem::FolderFull(_)
    ));
    assert!(v.next_marker.is_some());
    insta::assert_yaml_snapshot!("metadata_query_results", v);
}

#[test]
fn search_results_with_shared_links() {
    let v: m::SearchResultsWithSharedLinks = load("search_results_with_shared_links");
    let entry = &v.entries.as_deref().unwrap()[0];
    assert!(matches!(
        entry.item,
        Some(m::SearchResultWithSharedLinkItem::FileFull(_))
    ));
    insta::assert_yaml_snapshot!("search_results_with_shared_links", v);
}
fixture_test!(retention_policy, "retention_policy", m::RetentionPolicy);
fixture_test!(legal_hold_policy, "legal_hold_policy", m::LegalHoldPolicy);
fixture_test!(sign_request, "sign_request", m::SignRequest);
fixture_test!(task, "task", m::Task);

#[test]
fn shared_link() {
    let f: m::FileFull = load("shared_link");
    let link = f
        .shared_link
        .clone()
        .expect("the fixture has a shared link");
    insta::assert_yaml_snapshot!("shared_link", f);
    // The shared link as box-core sees it (what `Storage::create_shared_link` returns).
    let link: box_v2::models::SharedLink =
        serde_json::from_value(serde_json::to_value(link).unwrap()).unwrap();
    insta::assert_yaml_snapshot!("shared_link_core", box_core::SharedLink::from(link));
}

#[test]
fn metadata_instance() {
    let md: m::MetadataFull = load("metadata_instance");
    // The template's own fields are kept beside the `$` fields.
    assert_eq!(md.extra["category"], "Software");
    assert_eq!(md.template.as_deref(), Some("productInfo"));
    insta::assert_yaml_snapshot!("metadata_instance", md);
}

#[test]
fn collaboration() {
    let c: m::Collaboration = load("collaboration");
    assert!(matches!(c.item, Some(m::CollaborationItem::Folder(_))));
    assert!(matches!(
        c.accessible_by,
        Some(m::CollaborationAccessGrantee::GroupMini(_))
    ));
    insta::assert_yaml_snapshot!("collaboration", c);
    let core = box_core::Collaboration::from(c);
    // A group collaborator stays a group.
    assert!(
        matches!(core.accessible_by, Some(box_core::Collaborator::Group(_))),
        "{core:?}"
    );
    insta::assert_yaml_snapshot!("collaboration_core", core);
}

#[test]
fn collaboration_pending() {
    let c: m::Collaboration = load("collaboration_pending");
    insta::assert_yaml_snapshot!("collaboration_pending", c);
    let core = box_core::Collaboration::from(c);
    assert!(core.item.is_none() && core.accessible_by.is_none());
    insta::assert_yaml_snapshot!("collaboration_pending_core", core);
}

#[test]
fn comment() {
    let c: m::CommentFull = load("comment");
    insta::assert_yaml_snapshot!("comment", c);
    let core = box_core::Comment::try_from(c).unwrap();
    insta::assert_yaml_snapshot!("comment_core", core);
}

#[test]
fn events() {
    let page: m::Events = load("events");
    let entries = page.entries.as_deref().unwrap();
    assert!(matches!(
        entries[1].source,
        Some(m::EventSourceResource::User(_))
    ));
    insta::assert_yaml_snapshot!("events", page);
    let core: Vec<box_core::Event> = page
        .entries
        .unwrap()
        .into_iter()
        .map(|e| box_core::Event::try_from(e).unwrap())
        .collect();
    // The second event's source is a user (`NEW_USER`).
    assert!(
        matches!(core[1].source, Some(box_core::EventSource::User(_))),
        "{:?}",
        core[1]
    );
    insta::assert_yaml_snapshot!("events_core", core);
}

/// A fixture with a field the model does not know fails the round trip, so
/// the round-trip check above is not vacuous.
#[test]
fn an_unknown_field_fails_the_round_trip() {
    let mut json = fixture("resources/webhook.json");
    json["not_in_the_spec"] = serde_json::json!(1);
    let w: m::Webhook = serde_json::from_value(json.clone()).unwrap();
    assert_ne!(
        normalized(serde_json::to_value(w).unwrap()),
        normalized(json)
    );
}

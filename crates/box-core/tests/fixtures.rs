//! Every fixture under `fixtures/core/` parses into its box-core type; the
//! value is serialised back and snapshotted as YAML, so any change to the
//! serde format of the domain types shows up in review.

use std::path::Path;

use box_core::{Collaboration, Comment, Event, File, Folder, Item, User};

fn parse(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    macro_rules! as_type {
        ($t:ty) => {{
            let v: $t = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
            serde_json::to_value(&v).expect("serialisable")
        }};
    }
    match name {
        "file" => as_type!(File),
        "folder" => as_type!(Folder),
        "items" => as_type!(Vec<Item>),
        "user" => as_type!(User),
        "events" => as_type!(Vec<Event>),
        "collaboration" => as_type!(Collaboration),
        "comment" => as_type!(Comment),
        other => panic!("no type registered for fixture {other}.json"),
    }
}

#[test]
fn core_fixtures_parse_and_match_snapshots() {
    insta::glob!("../../../fixtures/core", "*.json", |path| {
        insta::assert_yaml_snapshot!(parse(path));
    });
}

#[test]
fn sha1_is_normalised_and_offsets_kept() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/core");
    let f: File =
        serde_json::from_str(&std::fs::read_to_string(dir.join("file.json")).unwrap()).unwrap();
    assert_eq!(
        f.sha1.unwrap().as_str(),
        "85136c79cbf9fe36bb9d05d0639c70c265c18d37"
    );
    assert_eq!(
        f.created_at.unwrap().to_rfc3339(),
        "2012-12-12T10:53:43-08:00"
    );
}

#[test]
fn malformed_fixture_is_a_clear_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/core");
    let good = std::fs::read_to_string(dir.join("file.json")).unwrap();
    let bad = good.replace("85136C79CBF9FE36BB9D05D0639C70C265C18D37", "not-a-sha");
    let err = serde_json::from_str::<File>(&bad).unwrap_err().to_string();
    assert!(err.contains("SHA-1"), "{err}");
    let truncated = &good[..good.len() / 2];
    assert!(serde_json::from_str::<File>(truncated).is_err());
}

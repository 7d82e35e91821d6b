//! Every operation of the vendored spec has a typed method: generated
//! (`box_v2::generated::OPERATIONS`), built by hand (`spec/hand-built.txt`),
//! or is on the short allow-list `spec/not-typed.txt` with a reason.

use std::collections::BTreeSet;

use box_v2::generated::{NOT_GENERATED, OPERATIONS};

fn spec() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/box-openapi.json");
    serde_json::from_slice(&std::fs::read(path).expect("read the vendored spec"))
        .expect("spec JSON")
}

/// `METHOD PATH` → reason/call, from a `METHOD PATH | text` list.
fn list(name: &str) -> Vec<(String, String)> {
    let path = format!("{}/spec/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .expect("read list")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (op, why) = l
                .split_once(" | ")
                .unwrap_or_else(|| panic!("{name}: no ` | ` in {l:?}"));
            assert!(!why.trim().is_empty(), "{name}: {op} has no reason");
            (op.trim().to_owned(), why.trim().to_owned())
        })
        .collect()
}

fn spec_operations() -> BTreeSet<String> {
    let spec = spec();
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if matches!(
                method.as_str(),
                "get" | "post" | "put" | "delete" | "patch" | "options"
            ) {
                ops.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    ops
}

#[test]
fn every_operation_is_typed_or_allow_listed() {
    let all = spec_operations();
    assert_eq!(
        all.len(),
        296,
        "the vendored spec changed: update this figure and the README"
    );
    let generated: BTreeSet<String> = OPERATIONS
        .iter()
        .map(|o| format!("{} {}", o.method, o.path))
        .collect();
    assert_eq!(
        generated.len(),
        OPERATIONS.len(),
        "an operation is generated twice"
    );
    let hand: BTreeSet<String> = list("hand-built.txt").into_iter().map(|e| e.0).collect();
    let allowed: BTreeSet<String> = list("not-typed.txt").into_iter().map(|e| e.0).collect();

    for (what, set) in [
        ("generated", &generated),
        ("hand-built", &hand),
        ("not-typed", &allowed),
    ] {
        let unknown: Vec<_> = set.difference(&all).collect();
        assert!(
            unknown.is_empty(),
            "{what} lists operations the spec lacks: {unknown:?}"
        );
    }
    assert!(
        generated.is_disjoint(&hand),
        "generated and hand-built overlap"
    );
    assert!(
        allowed.is_disjoint(&generated) && allowed.is_disjoint(&hand),
        "an allow-listed operation is typed: remove it from not-typed.txt"
    );
    // What the generator skipped is exactly what is hand-built or allow-listed.
    let skipped: BTreeSet<String> = NOT_GENERATED.iter().map(|s| s.to_string()).collect();
    let covered_by_hand: BTreeSet<String> = hand.union(&allowed).cloned().collect();
    assert_eq!(
        skipped, covered_by_hand,
        "NOT_GENERATED differs from hand-built.txt + not-typed.txt"
    );

    let untyped: Vec<_> = all
        .iter()
        .filter(|o| !generated.contains(*o) && !hand.contains(*o) && !allowed.contains(*o))
        .collect();
    assert!(
        untyped.is_empty(),
        "operations without a typed method: {untyped:?}"
    );

    let typed = generated.len() + hand.len();
    let pct = typed as f64 * 100.0 / all.len() as f64;
    println!(
        "typed operations: {typed} of {} ({pct:.1}%): {} generated, {} hand-built; {} allow-listed",
        all.len(),
        generated.len(),
        hand.len(),
        allowed.len()
    );
    assert!(pct >= 95.0, "coverage {pct:.1}% is below 95%");
}

#[test]
fn every_schema_has_one_model() {
    let spec = spec();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    assert_eq!(box_v2::generated::SCHEMAS.len(), schemas.len());
    let types: BTreeSet<&str> = box_v2::generated::SCHEMAS.iter().map(|s| s.1).collect();
    assert_eq!(types.len(), schemas.len(), "two schemas share a type");
    for (name, _) in box_v2::generated::SCHEMAS {
        assert!(schemas.contains_key(*name), "{name} is not in the spec");
    }
}

//! Bounded fuzzing of box-v2's JSON models (the targets are in
//! `fuzz_targets/mod.rs`): every generated `box_v2::schemas` model and the
//! hand-written ones, on structured mutations of JSON seeds (the fixtures
//! under `fixtures/v2` and every example in the vendored OpenAPI description)
//! and on byte mutations, with a fixed case count per target (see
//! `box_core::fuzzing`; `BOXKIT_FUZZ_CASES=50` runs 50 times as many), then
//! the regression inputs under `fixtures/v2/fuzz/`.

mod fuzz_targets;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use box_core::fuzzing::proptest::prelude::*;
use box_core::fuzzing::proptest::sample::Index;
use box_core::fuzzing::{assert_peak_rss_below, config, mutated, replay_corpus, run_case, Target};
use serde_json::{Map, Value};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/v2");
const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/box-openapi.json");
/// A case taking longer than this is a hang (debug build, a loaded 2-core machine).
const DEADLINE: Duration = Duration::from_secs(20);

struct Seeds {
    /// JSON documents to mutate.
    docs: Vec<Value>,
    /// Strings worth planting: every enum value of the spec (`type`
    /// discriminators among them) and every property name.
    words: Vec<String>,
}

fn walk_spec(v: &Value, docs: &mut Vec<Value>, words: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                match (k.as_str(), v) {
                    ("example", e @ (Value::Object(_) | Value::Array(_))) => docs.push(e.clone()),
                    ("examples", Value::Object(ex)) => {
                        for e in ex.values() {
                            if let Some(v @ (Value::Object(_) | Value::Array(_))) = e.get("value") {
                                docs.push(v.clone());
                            }
                        }
                    }
                    ("enum", Value::Array(a)) => {
                        words.extend(a.iter().filter_map(|s| s.as_str().map(str::to_owned)))
                    }
                    ("properties", Value::Object(p)) => words.extend(p.keys().cloned()),
                    _ => {}
                }
                walk_spec(v, docs, words);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| walk_spec(v, docs, words)),
        _ => {}
    }
}

fn seeds() -> &'static Seeds {
    static SEEDS: OnceLock<Seeds> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut docs = Vec::new();
        // The top-level fixtures and the resource fixtures (`resources/`).
        let dirs = [
            Path::new(FIXTURES).to_path_buf(),
            Path::new(FIXTURES).join("resources"),
        ];
        let mut paths: Vec<_> = dirs
            .iter()
            .flat_map(|d| std::fs::read_dir(d).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        for p in paths {
            docs.push(serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap());
        }
        let spec: Value = serde_json::from_slice(&std::fs::read(SPEC).unwrap()).unwrap();
        let mut words = BTreeSet::new();
        walk_spec(&spec, &mut docs, &mut words);
        assert!(
            docs.len() > 100,
            "expected the spec's examples, found {}",
            docs.len()
        );
        Seeds {
            docs,
            words: words.into_iter().collect(),
        }
    })
}

/// A replacement value.
#[derive(Debug, Clone)]
enum Leaf {
    Null,
    Bool(bool),
    Int(i64),
    Big(u64),
    Float(f64),
    Word(Index),
    Text(String),
    EmptyObject,
    EmptyArray,
    /// A subtree of another seed.
    Graft(Index, Index),
}

/// One structural edit of a JSON document, at a node chosen by index.
#[derive(Debug, Clone)]
enum Edit {
    Replace(Index, Leaf),
    RemoveKey(Index),
    InsertKey(Index, Index, Leaf),
    /// Sets `type` (the discriminator of Box's unions) to a spec word.
    SetType(Index, Index),
    /// Wraps the node in `n` arrays or objects (deep nesting).
    Nest(Index, usize, bool),
    /// Repeats an array's first entry `n` times.
    Repeat(Index, usize),
}

fn leaf() -> impl Strategy<Value = Leaf> {
    prop_oneof![
        Just(Leaf::Null),
        any::<bool>().prop_map(Leaf::Bool),
        any::<i64>().prop_map(Leaf::Int),
        any::<u64>().prop_map(Leaf::Big),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Leaf::Float),
        any::<Index>().prop_map(Leaf::Word),
        "\\PC{0,12}".prop_map(Leaf::Text),
        Just(Leaf::EmptyObject),
        Just(Leaf::EmptyArray),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Leaf::Graft(a, b)),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<Index>(), leaf()).prop_map(|(i, l)| Edit::Replace(i, l)),
        2 => any::<Index>().prop_map(Edit::RemoveKey),
        2 => (any::<Index>(), any::<Index>(), leaf()).prop_map(|(i, k, l)| Edit::InsertKey(i, k, l)),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(i, w)| Edit::SetType(i, w)),
        1 => (any::<Index>(), 1usize..300, any::<bool>()).prop_map(|(i, n, a)| Edit::Nest(i, n, a)),
        1 => (any::<Index>(), 2usize..200).prop_map(|(i, n)| Edit::Repeat(i, n)),
    ]
}

/// JSON pointers of every node, in document order.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(o) => {
            for (k, c) in o {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(c, format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                pointers(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn make_leaf(l: &Leaf, s: &Seeds) -> Value {
    match l {
        Leaf::Null => Value::Null,
        Leaf::Bool(b) => Value::Bool(*b),
        Leaf::Int(i) => Value::from(*i),
        Leaf::Big(u) => Value::from(*u),
        Leaf::Float(f) => Value::from(*f),
        Leaf::Word(w) => Value::String(w.get(&s.words).clone()),
        Leaf::Text(t) => Value::String(t.clone()),
        Leaf::EmptyObject => Value::Object(Map::new()),
        Leaf::EmptyArray => Value::Array(Vec::new()),
        Leaf::Graft(d, n) => {
            let doc = d.get(&s.docs);
            let mut ps = Vec::new();
            pointers(doc, String::new(), &mut ps);
            doc.pointer(n.get(&ps).as_str())
                .cloned()
                .unwrap_or(Value::Null)
        }
    }
}

fn apply(doc: &mut Value, e: &Edit, s: &Seeds) {
    let mut ps = Vec::new();
    pointers(doc, String::new(), &mut ps);
    let node_at = |i: &Index| i.get(&ps).clone();
    match e {
        Edit::Replace(i, l) => {
            if let Some(n) = doc.pointer_mut(&node_at(i)) {
                *n = make_leaf(l, s);
            }
        }
        Edit::RemoveKey(i) => {
            if let Some(Value::Object(o)) = doc.pointer_mut(&node_at(i)) {
                if let Some(k) = o.keys().next().cloned() {
                    o.remove(&k);
                }
            }
        }
        Edit::InsertKey(i, k, l) => {
            let v = make_leaf(l, s);
            if let Some(Value::Object(o)) = doc.pointer_mut(&node_at(i)) {
                o.insert(k.get(&s.words).clone(), v);
            }
        }
        Edit::SetType(i, w) => {
            if let Some(Value::Object(o)) = doc.pointer_mut(&node_at(i)) {
                o.insert("type".into(), Value::String(w.get(&s.words).clone()));
            }
        }
        Edit::Nest(i, n, as_array) => {
            if let Some(node) = doc.pointer_mut(&node_at(i)) {
                let mut v = node.take();
                for _ in 0..*n {
                    v = if *as_array {
                        Value::Array(vec![v])
                    } else {
                        Value::Object(Map::from_iter([("entries".to_owned(), v)]))
                    };
                }
                *node = v;
            }
        }
        Edit::Repeat(i, n) => {
            if let Some(Value::Array(a)) = doc.pointer_mut(&node_at(i)) {
                if let Some(first) = a.first().cloned() {
                    a.extend(std::iter::repeat_n(first, *n));
                }
            }
        }
    }
}

/// A seed document with 1–6 structural edits, as JSON bytes.
fn mutated_json() -> impl Strategy<Value = Vec<u8>> {
    (any::<Index>(), prop::collection::vec(edit(), 1..=6)).prop_map(|(d, edits)| {
        let s = seeds();
        let mut doc = d.get(&s.docs).clone();
        for e in &edits {
            apply(&mut doc, e, s);
        }
        let bytes = serde_json::to_vec(&doc).unwrap();
        // Deep nests serialize fine but must not be dropped recursively by
        // the test's own Value: flatten the drop through a Vec.
        drop_iteratively(doc);
        bytes
    })
}

/// Drops a `Value` without recursion (a 300-deep nest is fine, but cheap to be safe).
fn drop_iteratively(v: Value) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

fn byte_seeds() -> Vec<Vec<u8>> {
    seeds()
        .docs
        .iter()
        .step_by(7)
        .map(|d| serde_json::to_vec(d).unwrap())
        .collect()
}

const JSON_TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"\"type\":\"file\"",
    b"\"type\":\"folder\"",
    b"\"type\":\"web_link\"",
    b"\"entries\":[",
    b"1e999",
    b"-0",
    b"18446744073709551616",
    b"\\u0000",
    b"\\ud800",
    b"\xff",
];

/// The same structural inputs for both targets.
fn both(data: &[u8]) {
    fuzz_targets::generated_models(data);
    fuzz_targets::hand_written_models(data);
}

proptest! {
    #![proptest_config(config(300))]
    /// Every model (generated and hand-written) on structurally mutated JSON.
    #[test]
    fn fuzz_models_structured(json in mutated_json()) {
        run_case("v2-models", &json, DEADLINE, both);
    }
}

proptest! {
    #![proptest_config(config(300))]
    /// Every model on byte-mutated JSON (mostly syntax errors and odd numbers).
    #[test]
    fn fuzz_models_bytes(json in mutated(byte_seeds(), JSON_TOKENS, 6)) {
        run_case("v2-models", &json, DEADLINE, both);
    }
}

#[test]
fn the_schema_list_is_complete() {
    assert!(
        fuzz_targets::schema_names().len() > 300,
        "{}",
        fuzz_targets::schema_names().len()
    );
}

/// Nesting past serde_json's recursion limit, and long arrays: errors or
/// values, never a stack overflow. (Every input is decoded as each of the
/// 305 generated models, so sizes here stay moderate for a debug build.)
#[test]
fn deep_and_long_documents() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    run_case("v2-models", deep.as_bytes(), DEADLINE, both);
    let deep_entries = format!("{}1{}", "{\"entries\":".repeat(50_000), "}".repeat(50_000));
    run_case("v2-models", deep_entries.as_bytes(), DEADLINE, both);
    let long = format!(
        "{{\"total_count\":1,\"entries\":[{}{{\"type\":\"file\",\"id\":\"1\"}}]}}",
        "{\"type\":\"folder\",\"id\":\"2\"},".repeat(2_000)
    );
    run_case("v2-models", long.as_bytes(), DEADLINE, both);
    assert_peak_rss_below(1 << 30);
}

/// Replays each target's checked-in corpus (`fixtures/v2/fuzz/<target>/`): hostile inputs it
/// must survive and every input that once made it fail.
#[test]
fn regressions() {
    let targets: &[(&str, Target)] = &[
        ("generated_models", fuzz_targets::generated_models),
        ("hand_written_models", fuzz_targets::hand_written_models),
    ];
    let n = replay_corpus(&Path::new(FIXTURES).join("fuzz"), targets, DEADLINE);
    eprintln!("{n} corpus inputs replayed");
}

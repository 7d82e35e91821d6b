//! The spec's own JSON against the generated models:
//!
//! - every response `example`/`examples` of an operation decodes into the
//!   operation's response model (a failure names the JSON path);
//! - every component schema round-trips through its model: a JSON value built
//!   from the examples of the schema's properties decodes, and encodes back
//!   to the same JSON (numbers by value, timestamps by instant). The schemas
//!   that fail for errors in Box's spec are listed, each with its reason, in
//!   `tests/spec-round-trip-known-failures.txt`.

#[path = "support/schemas.rs"]
mod schemas;

use serde_json::{Map, Value};

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/box-openapi.json");
    serde_json::from_slice(&std::fs::read(path).expect("read the vendored spec"))
        .expect("spec JSON")
}

const REF: &str = "#/components/schemas/";

#[test]
fn response_examples_decode_into_their_models() {
    let spec = spec();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (code, resp) in op["responses"].as_object().into_iter().flatten() {
                let Some(json) = resp["content"].get("application/json") else {
                    continue;
                };
                let Some(name) = json["schema"]["$ref"]
                    .as_str()
                    .and_then(|r| r.strip_prefix(REF))
                else {
                    continue;
                };
                let mut examples = Vec::new();
                if let Some(e) = json.get("example") {
                    examples.push(e.clone());
                }
                for e in json["examples"].as_object().into_iter().flatten() {
                    examples.push(e.1["value"].clone());
                }
                for e in examples {
                    checked += 1;
                    match schemas::round_trip_schema(name, e) {
                        Some(Ok(_)) => {}
                        Some(Err(err)) => {
                            failures.push(format!("{method} {path} {code} ({name}): {err}"))
                        }
                        None => failures.push(format!("{name}: no model")),
                    }
                }
            }
        }
    }
    println!("response examples decoded: {checked}");
    assert!(
        checked >= 13,
        "the spec has at least 13 response examples, found {checked}"
    );
    assert!(
        failures.is_empty(),
        "examples that do not decode:\n{}",
        failures.join("\n")
    );
}

/// How many `$ref`s deep [`example`] follows (a bound for recursive schemas;
/// `Files` → `File--Full` → `File` → `File--Mini` → `File--Base` needs 5).
const MAX_REF_DEPTH: usize = 8;

/// A JSON value for `schema` built from its properties' examples; `depth`
/// counts the `$ref`s followed.
fn example(spec: &Value, schema: &Value, depth: usize) -> Option<Value> {
    if let Some(e) = schema.get("example") {
        return Some(e.clone());
    }
    if depth > MAX_REF_DEPTH {
        return None;
    }
    if let Some(r) = schema["$ref"].as_str() {
        let target = &spec["components"]["schemas"][r.strip_prefix(REF)?];
        return example(spec, target, depth + 1);
    }
    if let Some(v) = schema["oneOf"].as_array().and_then(|v| v.first()) {
        return example(spec, v, depth);
    }
    let mut obj = Map::new();
    let mut is_object = false;
    for part in schema["allOf"].as_array().into_iter().flatten() {
        match example(spec, part, depth) {
            Some(Value::Object(o)) => {
                is_object = true;
                obj.extend(o)
            }
            Some(other) if part.get("properties").is_none() && part.get("$ref").is_none() => {
                return Some(other)
            }
            _ => {}
        }
    }
    if let Some(props) = schema["properties"].as_object() {
        is_object = true;
        for (k, p) in props {
            if let Some(v) = example(spec, p, depth) {
                obj.insert(k.clone(), v);
            }
        }
    }
    if is_object {
        return Some(Value::Object(obj));
    }
    match schema["type"].as_str() {
        Some("array") => Some(Value::Array(
            example(spec, &schema["items"], depth).into_iter().collect(),
        )),
        // A free-form object (`additionalProperties`) without an example.
        Some("object") => Some(Value::Object(Map::new())),
        _ => schema["enum"].as_array().and_then(|e| e.first().cloned()),
    }
}

/// Drops `null`s (models leave unset options out).
fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

/// JSON equality up to encoding: numbers by value (`1` is `1.0`, since a
/// spec `number` is an `f64`), and strings that are RFC 3339 timestamps by the
/// instant they name (`…45.869Z` is `…45.869+00:00`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => {
            x == y
                || matches!(
                    (
                        chrono::DateTime::parse_from_rfc3339(x),
                        chrono::DateTime::parse_from_rfc3339(y),
                    ),
                    (Ok(p), Ok(q)) if p == q
                )
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// The schemas that fail for errors in Box's spec, by name, with the reason.
fn known_failures() -> std::collections::BTreeMap<String, String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/spec-round-trip-known-failures.txt"
    );
    std::fs::read_to_string(path)
        .expect("read the known-failures list")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, reason) = l.split_once(": ").expect("`Name: reason`");
            assert!(!reason.trim().is_empty(), "{name}: no reason given");
            (name.to_owned(), reason.to_owned())
        })
        .collect()
}

#[test]
fn every_schema_round_trips_through_its_model() {
    let spec = spec();
    let known = known_failures();
    let mut failures = Vec::new();
    let mut failed = std::collections::BTreeSet::new();
    let mut checked = 0;
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        let Some(input) = example(&spec, schema, 0) else {
            continue;
        };
        let input = strip_nulls(&input);
        checked += 1;
        let failure = match schemas::round_trip_schema(name, input.clone()) {
            Some(Ok(out)) if same(&strip_nulls(&out), &input) => continue,
            Some(Ok(out)) => format!("{name}: encodes differently:\n  in:  {input}\n  out: {out}"),
            Some(Err(e)) => format!("{name}: {e}"),
            None => format!("{name}: no model"),
        };
        failed.insert(name.clone());
        if !known.contains_key(name) {
            failures.push(failure);
        }
    }
    let stale: Vec<&String> = known.keys().filter(|k| !failed.contains(*k)).collect();
    println!(
        "schemas round-tripped: {} of {checked} ({} known spec errors)",
        checked - failed.len(),
        failed.len()
    );
    assert!(checked >= 300, "only {checked} schemas had an example");
    assert!(
        stale.is_empty(),
        "these pass now; remove them from the known-failures list: {stale:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} schemas fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

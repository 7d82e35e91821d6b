//! Generates box-v2's typed layer from the vendored OpenAPI description.
//!
//! ```text
//! cargo run -p box-v2-codegen            # rewrites crates/box-v2/src/generated/
//! cargo run -p box-v2-codegen -- --check # exits 1 if the checked-in files differ
//! ```
//!
//! The generator is three small steps:
//!
//! - [`names`]: one naming rule for types, fields, handlers and methods;
//! - [`models`]: one Rust type per component schema (and per inline object or
//!   enum, named after where it appears);
//! - [`ops`]: one handler per tag, one method and request builder per operation;
//! - [`examples`]: hand-written doc examples (`examples.md`) for the methods
//!   people use most, copied into their doc comments.
//!
//! Output is deterministic (schemas, tags and operations are visited in sorted
//! order) and formatted with `rustfmt`, which CI already installs.

mod docs;
mod examples;
mod models;
mod names;
mod ops;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use serde_json::Value;

/// The command written in the first line of every generated file.
pub const COMMAND: &str = "cargo run -p box-v2-codegen";

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/")
        .join("box-v2");
    let spec_path = root.join("spec/box-openapi.json");
    let out_dir = root.join("src/generated");
    let gen_rel = Path::new("src/generated");
    let spec: Value = match std::fs::read(&spec_path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("reading {}: {e}", spec_path.display());
            return ExitCode::FAILURE;
        }
    };

    let mut files = BTreeMap::new();
    let mut types = models::Types::new(&spec);
    let handlers = ops::generate(&spec, &mut types);
    files.insert(gen_rel.join("models.rs"), types.render());
    for (name, text) in handlers {
        files.insert(gen_rel.join(name), text);
    }
    files.insert(
        PathBuf::from("tests/support/schemas.rs"),
        types.render_test_table(),
    );

    let mut differs = Vec::new();
    for (rel, text) in &files {
        let text = match rustfmt(text) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("rustfmt failed on {}: {e}", rel.display());
                return ExitCode::FAILURE;
            }
        };
        let path = root.join(rel);
        let old = std::fs::read_to_string(&path).ok();
        if old.as_deref() == Some(text.as_str()) {
            continue;
        }
        differs.push(rel.display().to_string());
        if !check {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).expect("create output directory");
            }
            std::fs::write(&path, text).expect("write generated file");
        }
    }
    // Files left over from an older spec.
    for entry in walk(&out_dir) {
        let rel = gen_rel.join(entry.strip_prefix(&out_dir).expect("under out_dir"));
        if !files.contains_key(&rel) {
            differs.push(format!("{} (stale)", rel.display()));
            if !check {
                std::fs::remove_file(&entry).expect("remove stale generated file");
            }
        }
    }
    if check {
        if differs.is_empty() {
            println!("generated code is up to date ({} files)", files.len());
            ExitCode::SUCCESS
        } else {
            eprintln!(
                "generated code differs from the spec in: {}\nrun `{COMMAND}` and commit the result",
                differs.join(", ")
            );
            ExitCode::FAILURE
        }
    } else {
        println!(
            "wrote {} of {} files under {}",
            differs.len(),
            files.len(),
            root.display()
        );
        ExitCode::SUCCESS
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Formats with the `rustfmt` on `PATH` (the toolchain's), edition 2021.
fn rustfmt(src: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = src.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    writer
        .join()
        .map_err(|_| "writer thread panicked".to_owned())?
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// The header every generated file starts with.
pub fn header(what: &str) -> String {
    format!(
        "// @generated by `{COMMAND}` from crates/box-v2/spec/box-openapi.json. Do not edit by hand.\n//! {what}\n\n"
    )
}

//! Hand-written doc examples for the generated methods people use most,
//! kept in `examples.md` (one `## method_name` heading and one fenced
//! `rust` block each) and copied into those methods' doc comments as
//! `no_run` doc tests. Written by hand because no spec field holds Rust.

use std::collections::BTreeMap;

/// The examples file, read at build time so the generator has no path to find.
const TEXT: &str = include_str!("../examples.md");

/// Method name → the example's lines.
pub fn all() -> BTreeMap<&'static str, &'static str> {
    let mut out = BTreeMap::new();
    for section in TEXT.split("\n## ").skip(1) {
        let (name, rest) = section.split_once('\n').expect("a heading line");
        let start = rest.find("```rust\n").expect("a ```rust block") + "```rust\n".len();
        let len = rest[start..].find("```").expect("a closing ```");
        let prev = out.insert(name.trim(), rest[start..start + len].trim_end());
        assert!(prev.is_none(), "two examples for {name}");
    }
    out
}

/// The doc-comment lines of the example for `call`, if it has one.
pub fn doc_for(call: &str) -> Option<String> {
    let body = *all().get(call)?;
    let mut doc = String::from(
        "///\n/// ```no_run\n/// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {\n",
    );
    for line in body.lines() {
        if line.is_empty() {
            doc.push_str("///\n");
        } else {
            doc.push_str(&format!("/// {line}\n"));
        }
    }
    doc.push_str("/// # Ok(())\n/// # }\n/// ```\n");
    Some(doc)
}

//! The spec's descriptions as doc comments.
//!
//! Box writes Markdown for its developer site; two things in it would break
//! rustdoc: fenced blocks (rustdoc would compile them as Rust doctests) become
//! `text` blocks, and indented lines (which Markdown reads as code) lose their
//! indentation outside fences. Links into Box's site (`e://…`, `g://…`) are
//! left as written.

/// `///` lines for `text` (nothing when empty).
pub fn doc(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let line = if let Some(rest) = trimmed.strip_prefix("```") {
            in_fence = !in_fence;
            if in_fence {
                let _ = rest;
                "```text".to_owned()
            } else {
                "```".to_owned()
            }
        } else if in_fence {
            line.trim_end().to_owned()
        } else {
            trimmed.trim_end().to_owned()
        };
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            out.push_str("/// ");
            out.push_str(&line);
            out.push('\n');
        }
    }
    if in_fence {
        out.push_str("/// ```\n");
    }
    out
}

/// The first paragraph of a description (for short lists).
pub fn first_paragraph(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

//! The one naming rule.
//!
//! - Types: the schema name split at every non-alphanumeric character, each
//!   part's first letter upper-cased, joined: `File--Full` → `FileFull`,
//!   `AiItem--Base` → `AiItemBase`. Inline objects and enums get the owner's
//!   name followed by the property's: `FileFull` + `lock` → `FileFullLock`.
//! - Fields, parameters and methods: snake case of the words; Rust keywords
//!   get a trailing `_` (`type` → `type_`) and a serde rename.
//! - Handlers: the tag in snake case (`Shared links (Files)` →
//!   `shared_links_files`), the struct in Pascal case (`SharedLinksFiles`).
//! - Methods: the operation's summary in snake case (`Get file information` →
//!   `get_file_information`).

/// Words of `s`: split at non-alphanumerics and at lower→upper case changes.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `File--Full` → `FileFull`: the parts' first letters upper-cased, the rest kept.
pub fn type_name(s: &str) -> String {
    let mut out = String::new();
    for part in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut cs = part.chars();
        if let Some(f) = cs.next() {
            out.push(f.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// `Shared links (Files)` → `shared_links_files`; `createdAt` → `created_at`.
pub fn snake(s: &str) -> String {
    let w: Vec<String> = words(s)
        .into_iter()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let mut out = w.join("_");
    if out.is_empty() {
        out.push_str("value");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if is_keyword(&out) {
        out.push('_');
    }
    out
}

/// `shared links (files)` → `SharedLinksFiles`.
pub fn pascal(s: &str) -> String {
    let mut out = String::new();
    for w in words(s) {
        let lower = w.to_ascii_lowercase();
        let mut cs = lower.chars();
        if let Some(f) = cs.next() {
            out.push(f.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if out == "Self" {
        out.push('_');
    }
    out
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_naming_rule() {
        assert_eq!(type_name("File--Full"), "FileFull");
        assert_eq!(type_name("AiItem--Base"), "AiItemBase");
        assert_eq!(
            type_name("SignRequestSignerInputZIPValidation"),
            "SignRequestSignerInputZIPValidation"
        );
        assert_eq!(snake("Shared links (Files)"), "shared_links_files");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("createdAt"), "created_at");
        assert_eq!(snake("Get file information"), "get_file_information");
        assert_eq!(pascal("previewer uploader"), "PreviewerUploader");
        assert_eq!(pascal("co-owner"), "CoOwner");
    }
}

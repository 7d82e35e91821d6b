//! The operations of Box's v2 API and which of them the emulator serves.
//!
//! The table below is parsed at startup: a request that no route serves but
//! that matches an operation of Box's description is answered
//! `501 not_implemented` in Box's error shape, naming the operation, rather
//! than a bare `404` from the router, so a client learns at once that the
//! emulator (not its own request) is the limit. The `Served` column is
//! checked against the running router by a test, both ways.
#![doc = include_str!("operations.md")]

use std::sync::LazyLock;

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::http::errors::ApiError;

const TABLE: &str = include_str!("operations.md");

/// One operation of Box's OpenAPI description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// HTTP method.
    pub method: Method,
    /// Path as the emulator serves it, with `{name}` placeholders
    /// (`/2.0/files/{file_id}`, `/api/2.0/files/content`).
    pub path: String,
    /// Box's operation id (`get_files_id`, `put_files_id#add_shared_link`).
    pub operation_id: String,
    /// Whether the emulator serves it.
    pub served: bool,
}

impl Operation {
    /// Number of literal (non-placeholder) segments: the more, the more
    /// specific the match.
    fn literal_segments(&self) -> usize {
        self.path.split('/').filter(|s| !s.contains('{')).count()
    }

    /// Whether a concrete request path matches this operation's template.
    /// A segment may mix text and one placeholder (`thumbnail.{extension}`).
    pub fn matches(&self, path: &str) -> bool {
        let want: Vec<&str> = self.path.split('/').collect();
        let got: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        want.len() == got.len() && want.iter().zip(&got).all(|(w, g)| segment_matches(w, g))
    }
}

fn segment_matches(template: &str, seg: &str) -> bool {
    match (template.find('{'), template.rfind('}')) {
        (Some(open), Some(close)) if open < close => {
            let (pre, post) = (&template[..open], &template[close + 1..]);
            seg.len() > pre.len() + post.len() && seg.starts_with(pre) && seg.ends_with(post)
        }
        _ => template == seg,
    }
}

fn parse(table: &str) -> Vec<Operation> {
    table
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .strip_prefix('|')?
                .strip_suffix('|')?
                .split('|')
                .map(|c| c.trim().trim_matches('`'))
                .collect();
            let [method, path, op, served] = cells[..] else {
                return None;
            };
            let method = Method::from_bytes(method.as_bytes()).ok()?;
            path.starts_with('/').then(|| Operation {
                method,
                path: path.to_string(),
                operation_id: op.to_string(),
                served: served == "yes",
            })
        })
        .collect()
}

static OPERATIONS: LazyLock<Vec<Operation>> = LazyLock::new(|| parse(TABLE));

/// Every operation of Box's description (296), in the description's order.
pub fn all() -> &'static [Operation] {
    &OPERATIONS
}

/// The operations matching a request, most specific path first (several
/// when Box documents variants of one method and path, such as
/// `put_files_id#add_shared_link`).
pub fn matching(method: &Method, path: &str) -> Vec<&'static Operation> {
    let mut hits: Vec<&Operation> = OPERATIONS
        .iter()
        .filter(|o| o.method == method && o.matches(path))
        .collect();
    let best = hits.iter().map(|o| o.literal_segments()).max();
    hits.retain(|o| Some(o.literal_segments()) == best);
    hits
}

/// The answer for a request no route took: `501 not_implemented` naming
/// the operation if Box has one there, else `None` (a plain not found or
/// method not allowed).
pub fn not_implemented(method: &Method, path: &str) -> Option<ApiError> {
    let hits = matching(method, path);
    let first = hits.first()?;
    let names: Vec<&str> = hits.iter().map(|o| o.operation_id.as_str()).collect();
    Some(
        ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "not_implemented",
            format!(
                "The emulator does not implement {} ({method} {}); see the box-emulator docs for the served operations",
                names.join(", "),
                first.path
            ),
        )
        .context(json!({"operations": names})),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_operation_of_the_description() {
        assert_eq!(all().len(), 296);
        assert!(all().iter().any(|o| o.served));
    }

    #[test]
    fn the_most_specific_template_wins() {
        let hits = matching(&Method::GET, "/2.0/files/12/metadata/global/boxSkillsCards");
        let ids: Vec<&str> = hits.iter().map(|o| o.operation_id.as_str()).collect();
        assert_eq!(ids, ["get_files_id_metadata_global_boxSkillsCards"]);
        let hits = matching(&Method::GET, "/2.0/files/12/thumbnail.png");
        assert_eq!(hits[0].operation_id, "get_files_id_thumbnail_id");
        assert!(matching(&Method::GET, "/2.0/files/12/thumbnail.").is_empty());
        assert!(matching(&Method::GET, "/2.0/nothing/here").is_empty());
    }

    #[test]
    fn variants_of_one_path_are_named_together() {
        let Some(variant) = all()
            .iter()
            .find(|o| !o.served && o.operation_id.contains('#'))
        else {
            return; // every variant is served
        };
        let path = variant.path.replace(['{', '}'], "");
        let err = not_implemented(&variant.method, &path).unwrap();
        assert_eq!(err.status, StatusCode::NOT_IMPLEMENTED);
        assert!(
            err.message.contains(&variant.operation_id),
            "{}",
            err.message
        );
        let names = err.context_info.unwrap()["operations"].clone();
        let same_place = all()
            .iter()
            .filter(|o| o.method == variant.method && o.path == variant.path)
            .count();
        assert_eq!(names.as_array().unwrap().len(), same_place, "{names}");
    }
}

//! One handler per tag, one method and request builder per operation.
//!
//! - Path parameters and required query parameters, headers and JSON bodies
//!   are arguments; ids are typed (`impl Into<FileId>`).
//! - Optional query parameters and headers are setters on the request
//!   builder; a JSON body whose schema requires nothing is the `.body(..)`
//!   setter. Every builder also has `.as_user(..)` and ends in `.send()`.
//! - JSON responses decode into their model; `204`s return `()`; binary
//!   responses (downloads, thumbnails) return the streaming response.
//! - Operations whose bodies are multipart, form-encoded or raw bytes
//!   (uploads, OAuth 2) are built by hand in box-v2 and skipped here.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::docs::{doc, first_paragraph};
use crate::models::Types;
use crate::names::{pascal, snake};

struct Op {
    tag: String,
    method: String,
    path: String,
    call: String,
    code: String,
}

/// Generates `handlers/*.rs`, `mod.rs` and `ids.rs` (file name → text) and
/// fills `types` with the bodies and responses.
pub fn generate(spec: &Value, types: &mut Types<'_>) -> BTreeMap<String, String> {
    let tag_docs: BTreeMap<String, String> = spec["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some((
                t["name"].as_str()?.to_owned(),
                t["description"].as_str().unwrap_or_default().to_owned(),
            ))
        })
        .collect();
    let mut ops = Vec::new();
    let mut skipped = Vec::new();
    let mut builders = BTreeSet::new();
    let paths = spec["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !matches!(
                method.as_str(),
                "get" | "post" | "put" | "delete" | "patch" | "options"
            ) {
                continue;
            }
            match operation(path, method, op, types) {
                Some(o) => {
                    assert!(
                        builders.insert(pascal(&o.call)),
                        "two operations named {}",
                        o.call
                    );
                    ops.push(o)
                }
                None => skipped.push(format!("{} {path}", method.to_uppercase())),
            }
        }
    }
    ops.sort_by(|a, b| (&a.tag, &a.path, &a.method).cmp(&(&b.tag, &b.path, &b.method)));
    for name in crate::examples::all().keys() {
        assert!(
            ops.iter().any(|o| o.call == *name),
            "examples.md has an example for {name}, which is no generated method"
        );
    }

    let mut files = BTreeMap::new();
    let mut by_tag: BTreeMap<&str, Vec<&Op>> = BTreeMap::new();
    for o in &ops {
        by_tag.entry(o.tag.as_str()).or_default().push(o);
    }
    let mut mod_rs = crate::header(
        "The generated layer: models, id types and one handler per tag of Box's OpenAPI\n//! description, built on the hand-written [`crate::op::Op`].",
    );
    mod_rs.push_str("use crate::Client;\n\npub mod ids;\npub mod models;\n");
    let mut accessors = String::new();
    let mut reexports = String::new();
    for (tag, tag_ops) in &by_tag {
        let module = snake(tag);
        let handler = pascal(tag);
        mod_rs.push_str(&format!("pub mod {module};\n"));
        reexports.push_str(&format!("pub use {module}::{handler};\n"));
        let tag_doc = tag_docs.get(*tag).map(String::as_str).unwrap_or_default();
        accessors.push_str(&format!(
            "{}///\n/// Tag `{tag}` of Box's OpenAPI description.\npub fn {module}(&self) -> {handler} {{\n{handler} {{ client: self.clone() }}\n}}\n\n",
            doc(&format!("{handler} endpoints: {}", first_paragraph(tag_doc)))
        ));
        let mut f = crate::header(&format!(
            "`{tag}`: the [`{handler}`] handler (`client.{module}()`) and its request builders."
        ));
        f.push_str(
            "#[allow(unused_imports)]\nuse box_core::{CollaborationId, CommentId, FileId, FileVersionId, FolderId, GroupId, Result, UserId, WebLinkId};\n\
             use reqwest::Method;\n\n\
             #[allow(unused_imports)]\nuse super::ids::*;\n#[allow(unused_imports)]\nuse super::models;\n\
             use crate::op::{Host, Op};\nuse crate::Client;\n\n",
        );
        f.push_str(&format!(
            "{}///\n/// Tag `{tag}` of Box's OpenAPI description.\n#[derive(Debug, Clone)]\npub struct {handler} {{\npub(crate) client: Client,\n}}\n\nimpl {handler} {{\n",
            doc(&format!("{handler} endpoints: {}", first_paragraph(tag_doc)))
        ));
        let mut builders = String::new();
        for o in tag_ops {
            let (method_code, builder_code) = o.code.split_once("\n// builder\n").expect("split");
            f.push_str(method_code);
            builders.push_str(builder_code);
        }
        f.push_str("}\n\n");
        f.push_str(&builders);
        files.insert(format!("{module}.rs"), f);
    }
    mod_rs.push_str(&format!(
        "\n{reexports}\nimpl Client {{\n{accessors}}}\n\n\
         /// One operation of the spec with its typed method.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\npub struct Operation {{\n\
         /// HTTP method, upper case.\npub method: &'static str,\n\
         /// Path as the spec writes it.\npub path: &'static str,\n\
         /// The typed call: `handler().method`.\npub call: &'static str,\n}}\n\n\
         /// Every operation that has a generated method, sorted by tag and path.\n\
         pub const OPERATIONS: &[Operation] = &[\n"
    ));
    for o in &ops {
        mod_rs.push_str(&format!(
            "Operation {{ method: {:?}, path: {:?}, call: \"{}().{}\" }},\n",
            o.method.to_uppercase(),
            o.path,
            snake(&o.tag),
            o.call
        ));
    }
    mod_rs.push_str("];\n\n/// Operations not generated (bodies that are not JSON): built by hand.\npub const NOT_GENERATED: &[&str] = &[\n");
    skipped.sort();
    for s in &skipped {
        mod_rs.push_str(&format!("{s:?},\n"));
    }
    mod_rs.push_str("];\n\n/// Every component schema of the spec and its type.\npub const SCHEMAS: &[(&str, &str)] = &[\n");
    for (s, t) in types.schema_table() {
        mod_rs.push_str(&format!("({s:?}, {t:?}),\n"));
    }
    mod_rs.push_str("];\n");
    files.insert("mod.rs".into(), mod_rs);
    files.insert("ids.rs".into(), types.render_ids());
    files
}

struct Param {
    name: String,
    ident: String,
    location: String,
    required: bool,
    schema: Value,
    description: String,
}

fn params(op: &Value) -> Vec<Param> {
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| Param {
            name: p["name"].as_str().unwrap_or_default().to_owned(),
            ident: snake(p["name"].as_str().unwrap_or_default()),
            location: p["in"].as_str().unwrap_or_default().to_owned(),
            required: p["required"].as_bool().unwrap_or(false) || p["in"] == "path",
            schema: p["schema"].clone(),
            description: p["description"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// `(argument type, expression turning the argument into the query/header string)`.
fn value_type(s: &Value, ident: &str) -> (String, String) {
    match s["type"].as_str() {
        Some("array") => (
            "impl IntoIterator<Item = impl Into<String>>".into(),
            format!("{ident}.into_iter().map(Into::into).collect::<Vec<String>>().join(\",\")"),
        ),
        Some("integer") => ("i64".into(), format!("{ident}.to_string()")),
        Some("number") => ("f64".into(), format!("{ident}.to_string()")),
        Some("boolean") => ("bool".into(), format!("{ident}.to_string()")),
        _ => ("impl Into<String>".into(), format!("{ident}.into()")),
    }
}

fn operation(path: &str, method: &str, op: &Value, types: &mut Types<'_>) -> Option<Op> {
    let host = match op["servers"][0]["url"].as_str() {
        None => "Api",
        Some(u) if u.contains("upload") => "Upload",
        Some(_) => return None, // OAuth 2 pages, the download host: built by hand
    };
    let body = &op["requestBody"]["content"];
    let (body_schema, patch) = if body.is_null() {
        (None, false)
    } else if let Some(b) = body.get("application/json") {
        (Some(&b["schema"]), false)
    } else if let Some(b) = body.get("application/json-patch+json") {
        (Some(&b["schema"]), true)
    } else {
        return None; // multipart, form or raw bytes
    };
    let tag = op["tags"][0].as_str().unwrap_or("Other").to_owned();
    let summary = op["summary"].as_str().unwrap_or_default();
    let call = snake(summary);
    let builder = pascal(summary);
    let ps = params(op);

    // Response.
    let mut response = None;
    let mut raw = false;
    let responses = op["responses"].as_object().expect("responses");
    for (code, r) in responses {
        if !code.starts_with('2') && code != "302" {
            continue;
        }
        let content = r["content"].as_object();
        match content.and_then(|c| c.get("application/json")) {
            Some(j) if response.is_none() && code.starts_with('2') => {
                let t = types.ty(&j["schema"], &format!("{builder}Response"));
                response = Some(types.qualify(&t))
            }
            _ if content.is_some_and(|c| !c.is_empty()) || code == "302" => raw = true,
            _ => {}
        }
    }
    let (ret, send) = if raw {
        ("crate::Response".to_owned(), "send_raw")
    } else if let Some(t) = &response {
        (t.clone(), "send")
    } else {
        ("()".to_owned(), "send_empty")
    };
    let not_modified = responses.contains_key("304") && response.is_some() && !raw;

    // Path: `/files/{file_id}` → format!("/files/{}", seg(file_id)).
    let mut fmt = String::new();
    let mut fmt_args = Vec::new();
    let mut rest = path.split('#').next().unwrap_or(path);
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("closing brace") + open;
        fmt.push_str(&rest[..open]);
        fmt.push_str("{}");
        fmt_args.push(snake(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    fmt.push_str(rest);

    let mut args = Vec::new();
    let mut seg_args: BTreeMap<String, String> = BTreeMap::new();
    let mut prelude = String::new();
    let mut chain = String::new();
    let mut arg_docs = String::new();
    let mut setters = String::new();
    let mut setter_names = BTreeSet::from(["send".to_owned(), "as_user".to_owned()]);
    for p in &ps {
        let first = first_paragraph(&p.description);
        if p.location == "path" {
            let ident = &p.ident;
            match types.param_id(&p.name) {
                Some(id) => {
                    args.push(format!("{ident}: impl Into<{id}>"));
                    prelude.push_str(&format!("let {ident}: {id} = {ident}.into();\n"));
                    seg_args.insert(ident.clone(), format!("{ident}.as_str()"));
                }
                None if p.schema["type"] == "integer" => {
                    args.push(format!("{ident}: i64"));
                    prelude.push_str(&format!("let {ident} = {ident}.to_string();\n"));
                }
                None => {
                    args.push(format!("{ident}: impl Into<String>"));
                    prelude.push_str(&format!("let {ident}: String = {ident}.into();\n"));
                }
            }
            arg_docs.push_str(&format!("/// - `{ident}`: {first}\n"));
            continue;
        }
        let (ty, conv) = value_type(&p.schema, &p.ident);
        let range = (p.schema["type"] == "integer")
            .then(|| (p.schema["minimum"].as_i64(), p.schema["maximum"].as_i64()))
            .filter(|(lo, hi)| lo.is_some() || hi.is_some());
        let apply = match p.location.as_str() {
            // Box's documented limits are checked before sending.
            "query" if range.is_some() => {
                let (lo, hi) = range.expect("checked");
                format!(
                    ".query_in({:?}, {}, {}..={})",
                    p.name,
                    p.ident,
                    lo.map_or("i64::MIN".to_owned(), |v| v.to_string()),
                    hi.map_or("i64::MAX".to_owned(), |v| v.to_string())
                )
            }
            "query" => format!(".query({:?}, {conv})", p.name),
            "header" => format!(".header({:?}, {conv})", p.name.to_ascii_lowercase()),
            _ => continue, // cookies: none in the spec
        };
        if p.required {
            args.push(format!("{}: {ty}", p.ident));
            chain.push_str(&apply);
            arg_docs.push_str(&format!("/// - `{}`: {first}\n", p.ident));
        } else {
            let mut name = p.ident.clone();
            while !setter_names.insert(name.clone()) {
                name.push('_');
            }
            let d = if p.description.trim().is_empty() {
                format!("Sets the `{}` {}.", p.name, p.location)
            } else {
                p.description.clone()
            };
            setters.push_str(&doc(&d));
            setters.push_str(&format!(
                "pub fn {name}(self, {}: {ty}) -> Self {{\nSelf(self.0{apply})\n}}\n\n",
                p.ident
            ));
        }
    }
    if let Some(bs) = body_schema {
        let body_ty = types.body_ty(bs, &format!("{builder}Body"));
        let body_ty = types.qualify(&body_ty);
        let required = requires_something(bs);
        let apply = if patch {
            ".json_patch(&body)"
        } else {
            ".json(&body)"
        };
        if required {
            args.push(format!("body: {body_ty}"));
            chain.push_str(apply);
            arg_docs.push_str(&format!(
                "/// - `body`: the request body, [`{}`].\n",
                body_ty.trim_start_matches("Vec<").trim_end_matches('>')
            ));
        } else {
            setters.push_str(&format!(
                "/// The request body (optional: every field of it is).\npub fn body(self, body: {body_ty}) -> Self {{\nSelf(self.0{apply})\n}}\n\n"
            ));
        }
    }

    let description = op["description"].as_str().unwrap_or_default();
    let mut method_doc = doc(&format!("{summary}.\n\n{description}"));
    method_doc.push_str(&format!("///\n/// `{} {path}`", method.to_uppercase()));
    method_doc.push_str(&format!(
        "; returns [`{}`] from `.send()`.\n",
        if ret == "()" {
            "()".to_owned()
        } else {
            ret.clone()
        }
    ));
    if !arg_docs.is_empty() {
        method_doc.push_str("///\n/// Arguments:\n");
        method_doc.push_str(&arg_docs);
    }
    if let Some(example) = crate::examples::doc_for(&call) {
        method_doc.push_str(&example);
    }
    let what = response.clone().unwrap_or_else(|| "response".into());
    let what = what.trim_start_matches("models::").to_owned();
    let what = if what.contains('<') {
        "response".to_owned()
    } else {
        what
    };
    let path_expr = if fmt_args.is_empty() {
        format!("{fmt:?}.to_owned()")
    } else {
        format!(
            "format!({fmt:?}, {})",
            fmt_args
                .iter()
                .map(|a| match seg_args.get(a) {
                    Some(e) => format!("crate::seg({e})"),
                    None => format!("crate::seg(&{a})"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let http_method = method.to_uppercase();
    let mut code = format!(
        "{method_doc}{allow}pub fn {call}(&self{comma}{args}) -> {builder} {{\n{prelude}\
         {builder}(Op::new(&self.client, Method::{http_method}, Host::{host}, {path_expr}, {what:?}){chain})\n}}\n\n\
         \n// builder\n",
        allow = if args.len() > 6 { "#[allow(clippy::too_many_arguments)]\n" } else { "" },
        comma = if args.is_empty() { "" } else { ", " },
        args = args.join(", "),
    );
    let handler = pascal(&tag);
    let send_doc = match send {
        "send_raw" => "Sends the request; the response streams (`.bytes()`, `.bytes_stream()`).",
        "send_empty" => "Sends the request.",
        _ => "Sends the request and decodes the response.",
    };
    code.push_str(&format!(
        "/// The request of [`{handler}::{call}`]: set optional parameters, then `.send()`.\n\
         #[derive(Debug)]\n#[must_use = \"a request does nothing until .send() is awaited\"]\n\
         pub struct {builder}(Op);\n\nimpl {builder} {{\n{setters}\
         /// Acts as another user for this request only (`As-User`; needs an admin or a\n/// service account token with that right).\n\
         pub fn as_user(self, user_id: impl Into<UserId>) -> Self {{\nSelf(self.0.acting_as(user_id.into()))\n}}\n\n\
         /// {send_doc}\npub async fn send(self) -> Result<{ret}> {{\nself.0.{send}().await\n}}\n"
    ));
    if not_modified {
        code.push_str(&format!(
            "\n/// Sends the request; `None` when the server answers `304 Not Modified`\n/// (with an `if_none_match` etag that still matches).\n\
             pub async fn send_if_modified(self) -> Result<Option<{ret}>> {{\nself.0.send_if_modified().await\n}}\n"
        ));
    }
    code.push_str("}\n\n");
    Some(Op {
        tag,
        method: method.to_owned(),
        path: path.to_owned(),
        call,
        code,
    })
}

/// Whether a body schema requires any property (then the body is an argument).
fn requires_something(s: &Value) -> bool {
    s["required"].as_array().is_some_and(|r| !r.is_empty())
        || s.get("$ref").is_some()
        || s["type"] == "array"
}

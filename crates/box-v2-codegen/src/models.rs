//! One Rust type per schema.
//!
//! - An object (or an `allOf` of objects) becomes a struct with every
//!   property of its parts: properties the schema lists as `required` and not
//!   `nullable` are plain fields, the others `Option` with
//!   `skip_serializing_if`. Structs are `#[non_exhaustive]` and get a
//!   `new(required…)` constructor; unknown JSON keys are ignored.
//! - A string enum becomes an enum with an `Other(String)` fallback.
//! - A `oneOf` becomes an enum of its variants with an `Other(Value)`
//!   fallback; when every variant has a one-valued `type`, the `type` picks
//!   the variant, otherwise the first variant that parses wins.
//! - The `id` of a schema whose base name has an id type (`File--Full` →
//!   `FileId`) is that id type.
//! - A property whose type (transitively, outside of arrays and maps) holds
//!   its owner is boxed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::docs::doc;
use crate::names::{pascal, snake, type_name};

const REF_PREFIX: &str = "#/components/schemas/";

/// Id types box-core already has, by the schema base name they identify.
const CORE_IDS: &[(&str, &str)] = &[
    ("collaboration", "CollaborationId"),
    ("comment", "CommentId"),
    ("file", "FileId"),
    ("file_version", "FileVersionId"),
    ("folder", "FolderId"),
    ("group", "GroupId"),
    ("user", "UserId"),
    ("web_link", "WebLinkId"),
];

/// The types being generated.
pub struct Types<'a> {
    schemas: &'a Map<String, Value>,
    /// Type name → its code.
    defs: BTreeMap<String, String>,
    /// Type names being generated (recursion guard).
    busy: BTreeSet<String>,
    /// Component type name → component type names it holds directly.
    reach: BTreeMap<String, BTreeSet<String>>,
    /// Component type name → base name in snake case (`FileFull` → `file`).
    base: BTreeMap<String, String>,
    /// Base name → id type (`file` → `FileId`).
    ids: BTreeMap<String, String>,
    /// Id types defined by box-v2 (not box-core).
    pub local_ids: BTreeSet<String>,
    /// Component the type being generated belongs to (for boxing).
    owner: String,
    /// Spec schema name → type name, for the tests.
    pub schema_types: BTreeMap<String, String>,
}

impl<'a> Types<'a> {
    /// Reads the component schemas and the id types of the path parameters.
    pub fn new(spec: &'a Value) -> Self {
        let schemas = spec["components"]["schemas"]
            .as_object()
            .expect("components.schemas");
        let mut ids: BTreeMap<String, String> = CORE_IDS
            .iter()
            .map(|(b, t)| (b.to_string(), t.to_string()))
            .collect();
        let mut local_ids = BTreeSet::new();
        for item in spec["paths"].as_object().expect("paths").values() {
            for op in item.as_object().into_iter().flat_map(|o| o.values()) {
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let name = p["name"].as_str().unwrap_or_default();
                    if p["in"] == "path" && p["schema"]["type"] == "string" {
                        if let Some(base) = name.strip_suffix("_id") {
                            ids.entry(base.to_owned()).or_insert_with(|| {
                                let t = format!("{}Id", pascal(base));
                                local_ids.insert(t.clone());
                                t
                            });
                        }
                    }
                }
            }
        }
        let mut base = BTreeMap::new();
        let mut seen = BTreeMap::new();
        for name in schemas.keys() {
            let t = type_name(name);
            if let Some(other) = seen.insert(t.clone(), name.clone()) {
                panic!("schemas {other} and {name} both name the type {t}");
            }
            let b = name.split("--").next().unwrap_or(name);
            base.insert(t, snake(b));
        }
        let mut direct = BTreeMap::new();
        for (name, s) in schemas {
            let mut acc = BTreeSet::new();
            direct_refs(s, &mut acc);
            direct.insert(type_name(name), acc);
        }
        // Transitive closure: small graph, a DFS per node.
        let mut reach = BTreeMap::new();
        for start in direct.keys() {
            let mut seen = BTreeSet::new();
            let mut stack: Vec<&String> = direct[start].iter().collect();
            while let Some(n) = stack.pop() {
                if seen.insert(n.clone()) {
                    stack.extend(direct.get(n).into_iter().flatten());
                }
            }
            reach.insert(start.clone(), seen);
        }
        let mut t = Types {
            schemas,
            defs: BTreeMap::new(),
            busy: BTreeSet::new(),
            reach,
            base,
            ids,
            local_ids,
            owner: String::new(),
            schema_types: BTreeMap::new(),
        };
        for name in schemas.keys() {
            let ty = t.component(name);
            t.schema_types.insert(name.clone(), ty);
        }
        t
    }

    /// The id type for a path parameter (`file_id` → `FileId`), if any.
    pub fn param_id(&self, param: &str) -> Option<&str> {
        param
            .strip_suffix("_id")
            .and_then(|b| self.ids.get(b))
            .map(String::as_str)
    }

    fn resolve(&self, r: &str) -> (&'a str, &'a Value) {
        let name = r.strip_prefix(REF_PREFIX).expect("local schema reference");
        let (k, v) = self
            .schemas
            .get_key_value(name)
            .unwrap_or_else(|| panic!("unknown schema {name}"));
        (k.as_str(), v)
    }

    /// The type of component schema `name`, generated on first use.
    fn component(&mut self, name: &str) -> String {
        let t = type_name(name);
        if self.defs.contains_key(&t) || self.busy.contains(&t) {
            return t;
        }
        let s = &self.schemas[name];
        let saved = std::mem::replace(&mut self.owner, t.clone());
        let desc = s["description"].as_str().map(str::to_owned);
        let title = format!("`{name}`");
        let doc_text = match &desc {
            Some(d) => format!("{d}\n\nSchema {title}."),
            None => format!("Schema {title}."),
        };
        if is_struct(s) {
            self.emit_struct(&t, &doc_text, s, false);
        } else if let Some(vs) = s.get("oneOf").or(s.get("anyOf")).and_then(Value::as_array) {
            self.emit_one_of(&t, &doc_text, vs);
        } else if is_string_enum(s) {
            self.emit_enum(&t, &doc_text, s);
        } else {
            // A plain type (string, array…): an alias.
            self.busy.insert(t.clone());
            let inner = self.ty(s, &format!("{t}Item"));
            self.busy.remove(&t);
            self.defs.insert(
                t.clone(),
                format!("{}pub type {t} = {inner};\n", doc(&doc_text)),
            );
        }
        self.owner = saved;
        t
    }

    /// The Rust type for schema `s` appearing at `ctx` (the name an inline
    /// object or enum gets).
    pub fn ty(&mut self, s: &Value, ctx: &str) -> String {
        let ctx = &self.inline_name(ctx);
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let (name, _) = self.resolve(r);
            return self.component(name);
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            let refs: Vec<&str> = parts.iter().filter_map(|p| p["$ref"].as_str()).collect();
            let props = s.get("properties").is_some()
                || parts.iter().any(|p| p.get("properties").is_some());
            if refs.len() == 1 && !props {
                let (name, _) = self.resolve(refs[0]);
                return self.component(name);
            }
            if props || refs.len() > 1 {
                return self.inline_struct(s, ctx);
            }
            // Plain parts (a type plus `nullable: false`…): merge and retry.
            let mut merged = Map::new();
            for p in parts {
                if let Some(o) = p.as_object() {
                    merged.extend(o.clone());
                }
            }
            for (k, v) in s.as_object().into_iter().flatten() {
                if k != "allOf" {
                    merged.insert(k.clone(), v.clone());
                }
            }
            return self.ty(&Value::Object(merged), ctx);
        }
        if let Some(vs) = s.get("oneOf").or(s.get("anyOf")).and_then(Value::as_array) {
            if !self.defs.contains_key(ctx) && !self.busy.contains(ctx) {
                let d = s["description"]
                    .as_str()
                    .unwrap_or("One of several shapes.");
                self.emit_one_of(ctx, d, vs);
            }
            return ctx.to_owned();
        }
        match s["type"].as_str() {
            Some("object") | None if s.get("properties").is_some() => self.inline_struct(s, ctx),
            Some("object") => match s.get("additionalProperties") {
                Some(ap) if ap.as_object().is_some_and(|o| !o.is_empty()) => {
                    let inner = self.ty(ap, &format!("{ctx}Value"));
                    format!("std::collections::BTreeMap<String, {inner}>")
                }
                _ => "serde_json::Map<String, serde_json::Value>".into(),
            },
            Some("array") => {
                let inner = match s.get("items") {
                    Some(i) => self.ty(i, &format!("{ctx}Item")),
                    None => "serde_json::Value".into(),
                };
                format!("Vec<{inner}>")
            }
            Some("string") if is_string_enum(s) => {
                if !self.defs.contains_key(ctx) {
                    let d = s["description"].as_str().unwrap_or("One of Box's values.");
                    self.emit_enum(ctx, d, s);
                }
                ctx.to_owned()
            }
            Some("string") if s["format"] == "date-time" => "box_core::Timestamp".into(),
            Some("string") => "String".into(),
            Some("integer") => "i64".into(),
            Some("number") => "f64".into(),
            Some("boolean") => "bool".into(),
            _ => "serde_json::Value".into(),
        }
    }

    /// A request body: like [`Types::ty`], but inline objects also keep an
    /// `extra` map of fields the spec does not know (the escape hatch).
    pub fn body_ty(&mut self, s: &Value, ctx: &str) -> String {
        let ctx = &self.inline_name(ctx);
        if is_struct(s) && s.get("$ref").is_none() && !self.defs.contains_key(ctx) {
            let d = s["description"]
                .as_str()
                .unwrap_or("The request body.")
                .to_owned();
            let saved = std::mem::replace(&mut self.owner, ctx.to_owned());
            self.emit_struct(ctx, &d, s, true);
            self.owner = saved;
            return ctx.to_owned();
        }
        self.ty(s, ctx)
    }

    /// `ctx`, or `ctx` + `Field` when a component schema has that name.
    fn inline_name(&self, ctx: &str) -> String {
        if self.base.contains_key(ctx) {
            format!("{ctx}Field")
        } else {
            ctx.to_owned()
        }
    }

    /// Qualifies the model types in `ty` with `models::` (for handler files,
    /// where a handler may share a schema's name: `Comments`).
    pub fn qualify(&self, ty: &str) -> String {
        let mut out = String::new();
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            if self.defs.contains_key(word.as_str()) && !out.ends_with("::") {
                out.push_str("models::");
            }
            out.push_str(word);
            word.clear();
        };
        for c in ty.chars() {
            if c.is_ascii_alphanumeric() || c == '_' {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }

    fn inline_struct(&mut self, s: &Value, ctx: &str) -> String {
        if !self.defs.contains_key(ctx) && !self.busy.contains(ctx) {
            let d = s["description"]
                .as_str()
                .or(s["title"].as_str())
                .unwrap_or("A nested object.")
                .to_owned();
            self.emit_struct(ctx, &d, s, false);
        }
        ctx.to_owned()
    }

    /// Properties of `s` and its `allOf` parts (later parts override), each
    /// with the type name of the schema that defines it; and the required set.
    fn flatten(&self, s: &Value, definer: &str, out: &mut Props, required: &mut BTreeSet<String>) {
        if let Some(r) = s["$ref"].as_str() {
            let (name, v) = self.resolve(r);
            self.flatten(v, &type_name(name), out, required);
            return;
        }
        for p in s["allOf"].as_array().into_iter().flatten() {
            self.flatten(p, definer, out, required);
        }
        for (k, v) in s["properties"].as_object().into_iter().flatten() {
            match out.iter_mut().find(|(name, _, _)| name == k) {
                Some(slot) => *slot = (k.clone(), v.clone(), definer.to_owned()),
                None => out.push((k.clone(), v.clone(), definer.to_owned())),
            }
        }
        for r in s["required"].as_array().into_iter().flatten() {
            if let Some(r) = r.as_str() {
                required.insert(r.to_owned());
            }
        }
    }

    /// Whether a property may be absent or `null`: the last explicit
    /// `nullable` of the referenced schema, its `allOf` parts and itself.
    fn nullable(&self, s: &Value) -> bool {
        let mut n = None;
        if let Some(r) = s["$ref"].as_str() {
            n = self.resolve(r).1["nullable"].as_bool();
        }
        for p in s["allOf"].as_array().into_iter().flatten() {
            if let Some(b) = self.explicit_nullable(p) {
                n = Some(b);
            }
        }
        if let Some(b) = s["nullable"].as_bool() {
            n = Some(b);
        }
        n.unwrap_or(false)
    }

    fn explicit_nullable(&self, s: &Value) -> Option<bool> {
        if let Some(b) = s["nullable"].as_bool() {
            return Some(b);
        }
        s["$ref"]
            .as_str()
            .and_then(|r| self.resolve(r).1["nullable"].as_bool())
    }

    fn emit_struct(&mut self, name: &str, description: &str, s: &Value, extra: bool) {
        self.busy.insert(name.to_owned());
        // Objects documented to carry arbitrary keys (metadata instances…)
        // keep them in `extra`.
        let open = |v: &Value| {
            v.get("additionalProperties")
                .is_some_and(|a| a != &Value::Bool(false))
        };
        let extra = extra
            || open(s)
            || s["allOf"]
                .as_array()
                .is_some_and(|parts| parts.iter().any(open));
        let mut props = Props::new();
        let mut required = BTreeSet::new();
        self.flatten(s, name, &mut props, &mut required);
        props.sort_by(|a, b| a.0.cmp(&b.0));

        let mut fields = String::new();
        let mut ctor_args = Vec::new();
        let mut ctor_body = Vec::new();
        let mut used = BTreeSet::new();
        let mut all_optional = true;
        for (prop, ps, definer) in &props {
            let mut field = snake(prop);
            while !used.insert(field.clone()) {
                field.push('_');
            }
            // Inline types are named after the schema that defines the property.
            let ctx = format!("{definer}{}", pascal(prop));
            let saved = if self.base.contains_key(definer) {
                Some(std::mem::replace(&mut self.owner, definer.clone()))
            } else {
                None
            };
            let id_ty = (prop == "id")
                .then(|| self.base.get(definer))
                .flatten()
                .and_then(|b| self.ids.get(b))
                .filter(|_| self.ty_is_string(ps))
                .cloned();
            let mut ty = match id_ty {
                Some(t) => t,
                None => self.ty(ps, &ctx),
            };
            if self.holds_owner(&ty) {
                ty = format!("Box<{ty}>");
            }
            if let Some(o) = saved {
                self.owner = o;
            }
            let optional = !required.contains(prop) || self.nullable(ps);
            let mut attrs = Vec::new();
            if field != *prop {
                attrs.push(format!("rename = {prop:?}"));
            }
            let field_ty = if optional {
                attrs.push("default".into());
                attrs.push("skip_serializing_if = \"Option::is_none\"".into());
                ctor_body.push(format!("{field}: None"));
                format!("Option<{ty}>")
            } else {
                all_optional = false;
                ctor_args.push(format!("{field}: {ty}"));
                ctor_body.push(field.clone());
                ty
            };
            let d = ps["description"]
                .as_str()
                .or_else(|| {
                    ps["allOf"].as_array().and_then(|parts| {
                        parts.iter().rev().find_map(|p| p["description"].as_str())
                    })
                })
                .map(str::to_owned)
                .unwrap_or_else(|| format!("The `{prop}` field (no description in Box's spec)."));
            fields.push_str(&doc(&d));
            if !attrs.is_empty() {
                fields.push_str(&format!("#[serde({})]\n", attrs.join(", ")));
            }
            fields.push_str(&format!("pub {field}: {field_ty},\n"));
        }
        if extra {
            fields.push_str(
                "/// Fields beyond the ones listed: unknown fields to send (the escape\n/// hatch), or the keys of an object that has arbitrary ones.\n\
                 #[serde(flatten)]\npub extra: serde_json::Map<String, serde_json::Value>,\n",
            );
            ctor_body.push("extra: serde_json::Map::new()".into());
        }
        let derives = if all_optional {
            "Debug, Clone, Default, PartialEq, Serialize, Deserialize"
        } else {
            "Debug, Clone, PartialEq, Serialize, Deserialize"
        };
        let allow = if ctor_args.len() > 7 {
            "#[allow(clippy::too_many_arguments)]\n"
        } else {
            ""
        };
        let ctor_doc = if ctor_args.is_empty() {
            "/// A value with every optional field unset.".to_owned()
        } else {
            "/// A value with the required fields set and every optional one unset.".to_owned()
        };
        let code = format!(
            "{doc}#[derive({derives})]\n#[non_exhaustive]\npub struct {name} {{\n{fields}}}\n\n\
             impl {name} {{\n{ctor_doc}\n{allow}pub fn new({args}) -> Self {{\nSelf {{ {body} }}\n}}\n}}\n",
            doc = doc(description),
            args = ctor_args.join(", "),
            body = ctor_body.join(", "),
        );
        self.busy.remove(name);
        self.defs.insert(name.to_owned(), code);
    }

    fn ty_is_string(&self, s: &Value) -> bool {
        s["type"] == "string" && s.get("enum").is_none()
            || s["allOf"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["type"] == "string"))
    }

    /// Whether a field of type `ty` in the current owner makes a cycle.
    fn holds_owner(&self, ty: &str) -> bool {
        let Some(targets) = self.reach.get(ty) else {
            return false;
        };
        ty == self.owner || targets.contains(&self.owner)
    }

    fn emit_enum(&mut self, name: &str, description: &str, s: &Value) {
        let mut variants = String::new();
        let mut used = BTreeSet::new();
        for v in s["enum"].as_array().into_iter().flatten() {
            let Some(v) = v.as_str() else { continue };
            let mut id = pascal(v);
            if id == "Other" {
                id = "OtherValue".into(); // `Other` is the fallback
            }
            while !used.insert(id.clone()) {
                id.push('_');
            }
            variants.push_str(&format!("/// `{v}`\n#[serde(rename = {v:?})]\n{id},\n"));
        }
        let code = format!(
            "{}#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]\n#[non_exhaustive]\n\
             pub enum {name} {{\n{variants}/// A value this version does not know.\n#[serde(untagged)]\nOther(String),\n}}\n",
            doc(description)
        );
        self.defs.insert(name.to_owned(), code);
    }

    fn emit_one_of(&mut self, name: &str, description: &str, vs: &[Value]) {
        self.busy.insert(name.to_owned());
        let mut variants = Vec::new();
        let mut used = BTreeSet::new();
        for (i, v) in vs.iter().enumerate() {
            let ty = self.ty(v, &format!("{name}V{i}"));
            let ty = if self.holds_owner(&ty) {
                format!("Box<{ty}>")
            } else {
                ty
            };
            let mut id = variant_name(&ty);
            while !used.insert(id.clone()) {
                id.push_str(&i.to_string());
            }
            variants.push((id, ty, self.type_tag(v)));
        }
        let tags: BTreeSet<&String> = variants.iter().filter_map(|v| v.2.as_ref()).collect();
        let tagged = tags.len() == variants.len();
        let mut body = String::new();
        for (id, ty, tag) in &variants {
            match tag {
                Some(t) if tagged => body.push_str(&format!("/// When `type` is `{t}`.\n")),
                _ => body.push_str(&format!("/// A `{ty}`.\n")),
            }
            body.push_str(&format!("{id}({ty}),\n"));
        }
        body.push_str(
            "/// A shape this version does not know, kept as JSON.\nOther(serde_json::Value),\n",
        );
        let code = if tagged {
            let mut arms = String::new();
            let mut untagged = String::new();
            for (id, ty, _) in &variants {
                let make = if ty.starts_with("Box<") {
                    format!("Self::{id}(Box::new(x))")
                } else {
                    format!("Self::{id}(x)")
                };
                untagged.push_str(&format!(
                    "if let Ok(x) = serde_json::from_value(v.clone()) {{\nreturn Ok({make});\n}}\n"
                ));
            }
            let untagged = format!("{{\n{untagged}");
            for (id, ty, tag) in &variants {
                let tag = tag.as_ref().expect("tagged");
                let boxed = if ty.starts_with("Box<") {
                    "Box::new(variant(v)?)"
                } else {
                    "variant(v)?"
                };
                arms.push_str(&format!("Some({tag:?}) => Self::{id}({boxed}),\n"));
            }
            format!(
                "{}#[derive(Debug, Clone, PartialEq, Serialize)]\n#[serde(untagged)]\n#[non_exhaustive]\n\
                 pub enum {name} {{\n{body}}}\n\n\
                 impl<'de> Deserialize<'de> for {name} {{\n\
                 fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{\n\
                 let v = serde_json::Value::deserialize(d)?;\n\
                 Ok(match v.get(\"type\").and_then(serde_json::Value::as_str) {{\n{arms}\
                 // No `type` (a `fields`-limited answer): the first variant that parses.\n\
                 None => {untagged}Self::Other(v)\n}}\n\
                 _ => Self::Other(v),\n}})\n}}\n}}\n",
                doc(&format!("{description}\n\nThe JSON `type` picks the variant."))
            )
        } else {
            // The first variant that parses, but a variant whose `type` has one
            // value is only tried on JSON with that `type` (or none): a file
            // must not parse as the `User` before it because both have an `id`.
            let mut tries = String::new();
            for (id, ty, tag) in &variants {
                let make = if ty.starts_with("Box<") {
                    format!("Self::{id}(Box::new(x))")
                } else {
                    format!("Self::{id}(x)")
                };
                let attempt = format!(
                    "if let Ok(x) = serde_json::from_value(v.clone()) {{\nreturn Ok({make});\n}}\n"
                );
                match tag {
                    Some(t) => tries.push_str(&format!(
                        "if matches!(ty, None | Some({t:?})) {{\n{attempt}}}\n"
                    )),
                    None => tries.push_str(&attempt),
                }
            }
            format!(
                "{}#[derive(Debug, Clone, PartialEq, Serialize)]\n#[serde(untagged)]\n#[non_exhaustive]\n\
                 pub enum {name} {{\n{body}}}\n\n\
                 impl<'de> Deserialize<'de> for {name} {{\n\
                 fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{\n\
                 let v = serde_json::Value::deserialize(d)?;\n\
                 #[allow(unused_variables)]\n\
                 let ty = v.get(\"type\").and_then(serde_json::Value::as_str);\n\
                 {tries}Ok(Self::Other(v))\n}}\n}}\n",
                doc(&format!(
                    "{description}\n\nThe first variant the JSON parses as is taken; a variant whose \
                     `type` has one value only for JSON of that `type` (or without one)."
                ))
            )
        };
        self.busy.remove(name);
        self.defs.insert(name.to_owned(), code);
    }

    /// The one value of a schema's `type` property, if it has exactly one.
    fn type_tag(&self, s: &Value) -> Option<String> {
        let mut props = Props::new();
        let mut req = BTreeSet::new();
        self.flatten(s, "", &mut props, &mut req);
        let (_, t, _) = props.iter().find(|(n, _, _)| n == "type")?;
        let e = t["enum"].as_array().or_else(|| {
            t["allOf"]
                .as_array()
                .and_then(|p| p.iter().find_map(|p| p["enum"].as_array()))
        })?;
        match e.as_slice() {
            [Value::String(one)] => Some(one.clone()),
            _ => None,
        }
    }

    /// The whole `models.rs`.
    pub fn render(&self) -> String {
        let mut out = crate::header(
            "Models: one type per schema of Box's OpenAPI description (and per inline\n//! object or enum, named after where it appears). See `crates/box-v2-codegen`.",
        );
        out.push_str(
            "use serde::{Deserialize, Serialize};\n\n\
             #[allow(unused_imports)]\nuse box_core::{CollaborationId, CommentId, FileId, FileVersionId, FolderId, GroupId, UserId, WebLinkId};\n\
             #[allow(unused_imports)]\nuse super::ids::*;\n\n\
             /// Decodes one variant of a `oneOf`, naming the JSON path on failure.\n\
             fn variant<T: serde::de::DeserializeOwned, E: serde::de::Error>(v: serde_json::Value) -> Result<T, E> {\n\
             serde_path_to_error::deserialize(v).map_err(|e| E::custom(format!(\"at {}: {}\", e.path(), e.inner())))\n}\n\n",
        );
        for code in self.defs.values() {
            out.push_str(code);
            out.push('\n');
        }
        out
    }

    /// The `ids.rs` file: id types for path parameters box-core has no type for.
    pub fn render_ids(&self) -> String {
        let mut out = crate::header(
            "Id types for the path parameters of Box's OpenAPI description that box-core has\n//! no type for (`webhook_id` → [`WebhookId`]…). Each accepts a JSON string or number.",
        );
        for t in &self.local_ids {
            let what = snake(t.trim_end_matches("Id")).replace('_', " ");
            out.push_str(&format!(
                "crate::ids::id_type!(\n/// The id of a {what}.\n{t}\n);\n"
            ));
        }
        out
    }

    /// `tests/support/schemas.rs`: decodes and re-encodes a JSON value as the
    /// type of a schema, by schema name (box-v2's spec tests use it).
    pub fn render_test_table(&self) -> String {
        let mut out =
            crate::header("Test support: decode a JSON value as the model of a schema, by name.");
        out.push_str(
            r#"use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Decodes `v` as `T` (naming the JSON path on failure) and encodes it again.
fn round_trip<T: DeserializeOwned + Serialize>(v: Value) -> Result<Value, String> {
    let t: T = serde_path_to_error::deserialize(v)
        .map_err(|e| format!("at {}: {}", e.path(), e.inner()))?;
    serde_json::to_value(&t).map_err(|e| e.to_string())
}

/// Decodes `v` as the model of schema `name` and encodes it again;
/// `None` for an unknown schema.
pub fn round_trip_schema(name: &str, v: Value) -> Option<Result<Value, String>> {
    use box_v2::generated::models as m;
    Some(match name {
"#,
        );
        for (s, t) in &self.schema_types {
            out.push_str(&format!("{s:?} => round_trip::<m::{t}>(v),\n"));
        }
        out.push_str("_ => return None,\n})\n}\n");
        out
    }

    /// `(schema name, type name)` for every component schema.
    pub fn schema_table(&self) -> Vec<(String, String)> {
        self.schema_types
            .iter()
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect()
    }
}

type Props = Vec<(String, Value, String)>;

fn is_struct(s: &Value) -> bool {
    s.get("properties").is_some()
        || s["allOf"].as_array().is_some_and(|parts| {
            parts
                .iter()
                .any(|p| p.get("properties").is_some() || p.get("$ref").is_some())
        }) && s.get("oneOf").is_none()
}

fn is_string_enum(s: &Value) -> bool {
    s["type"] == "string" && s["enum"].as_array().is_some_and(|e| e.len() > 1)
}

/// `FileFull` → `FileFull`; `Vec<String>` → `Array`; `i64` → `Integer`.
fn variant_name(ty: &str) -> String {
    let ty = ty.trim_start_matches("Box<").trim_end_matches('>');
    match ty {
        "String" => "String".into(),
        "i64" => "Integer".into(),
        "f64" => "Number".into(),
        "bool" => "Boolean".into(),
        "box_core::Timestamp" => "Timestamp".into(),
        t if t.starts_with("Vec<") => "Array".into(),
        t if t.contains("Map<") => "Object".into(),
        t => t.rsplit("::").next().unwrap_or(t).to_owned(),
    }
}

/// Component names `s` holds directly (not through an array or a map).
fn direct_refs(s: &Value, acc: &mut BTreeSet<String>) {
    if let Some(r) = s["$ref"].as_str() {
        if let Some(n) = r.strip_prefix(REF_PREFIX) {
            acc.insert(type_name(n));
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for p in s[key].as_array().into_iter().flatten() {
            direct_refs(p, acc);
        }
    }
    for p in s["properties"].as_object().into_iter().flatten() {
        direct_refs(p.1, acc);
    }
}

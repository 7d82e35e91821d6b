//! Metadata over the store's [`crate::store::metadata`]: templates
//! (`/2.0/metadata_templates…`), instances on files and folders
//! (`/2.0/{files,folders}/{id}/metadata…`) and metadata queries
//! (`POST /2.0/metadata_queries/execute_read`). Security classifications
//! and Box Skills cards have operations of their own in Box's description
//! and are not emulated: their paths answer the 501 of
//! [`super::operations`].

use std::sync::Arc;

use axum::extract::{OriginalUri, Path, State};
use axum::http::{Method, StatusCode};
use axum::Json;
use serde_json::{json, Map, Value};

use super::items::RouteKind;
use super::objects::item_json;
use crate::http::errors::{ApiError, ApiResult};
use crate::http::{id_of, write, Caller, JsonBody, Params};
use crate::state::Shared;
use crate::store::metadata::{
    field_from_json, scope_of, FieldOption, FieldType, Instance, Template, ENTERPRISE_SCOPE,
    GLOBAL_SCOPE,
};
use crate::store::metadata_query::Query;
use crate::store::{wire_id, Role, State as St};

/// Template keys Box gives operations of their own (classifications, Skills).
const NOT_EMULATED: &[(&str, &str)] = &[
    ("enterprise", "securityClassification-6VMVochwUWo"),
    (ENTERPRISE_SCOPE, "securityClassification-6VMVochwUWo"),
    (GLOBAL_SCOPE, "boxSkillsCards"),
];

fn not_emulated(method: &Method, uri: &axum::http::Uri, scope: &str, key: &str) -> ApiResult<()> {
    if NOT_EMULATED.contains(&(scope, key)) {
        if let Some(e) = super::operations::not_implemented(method, uri.path()) {
            return Err(e);
        }
    }
    Ok(())
}

/// A template as Box writes it.
pub fn template_json(t: &Template) -> Value {
    let fields: Vec<Value> = t
        .fields
        .iter()
        .map(|f| {
            let mut m = json!({
                "id": f.id, "type": f.field_type.as_str(), "key": f.key,
                "displayName": f.display_name, "hidden": f.hidden,
            });
            if let Some(d) = &f.description {
                m["description"] = json!(d);
            }
            if matches!(f.field_type, FieldType::Enum | FieldType::MultiSelect) {
                m["options"] = json!(f
                    .options
                    .iter()
                    .map(|o| json!({"id": o.id, "key": o.key}))
                    .collect::<Vec<_>>());
            }
            m
        })
        .collect();
    json!({
        "type": "metadata_template", "id": t.id, "scope": t.scope, "templateKey": t.key,
        "displayName": t.display_name, "hidden": t.hidden,
        "copyInstanceOnItemCopy": t.copy_instance_on_item_copy, "fields": fields,
    })
}

/// An instance as Box writes it: the `$` keys, then the values.
pub fn instance_json(st: &St, i: &Instance, can_edit: bool) -> Value {
    let parent = st
        .item(i.item)
        .map(|it| format!("{}_{}", it.kind.as_str(), wire_id(it)))
        .unwrap_or_default();
    let type_id = st
        .template(&i.scope, &i.template)
        .map(|t| t.id)
        .unwrap_or_default();
    let mut m = Map::new();
    m.insert("$id".into(), json!(i.id));
    m.insert("$version".into(), json!(i.version));
    m.insert(
        "$type".into(),
        json!(format!(
            "{}-{}",
            i.template,
            type_id.split('-').next().unwrap_or("")
        )),
    );
    m.insert("$parent".into(), json!(parent));
    m.insert("$typeVersion".into(), json!(i.type_version));
    m.insert("$template".into(), json!(i.template));
    m.insert("$scope".into(), json!(i.scope));
    m.insert("$canEdit".into(), json!(can_edit));
    for (k, v) in &i.values {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

fn body_object(body: &Value) -> ApiResult<Map<String, Value>> {
    body.as_object()
        .cloned()
        .ok_or_else(|| ApiError::bad_request("bad_request", "The body must be a JSON object"))
}

fn str_field(body: &Value, key: &str) -> ApiResult<Option<String>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(
            "bad_request",
            format!("{key} must be a string"),
        )),
    }
}

fn bool_field(body: &Value, key: &str) -> ApiResult<Option<bool>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::bad_request(
            "bad_request",
            format!("{key} must be a boolean"),
        )),
    }
}

// ---- templates ----

/// Only the enterprise's admins (and service accounts) create, change and
/// delete its templates: anyone else gets Box's `403`.
fn template_admin(shared: &Shared, caller: Caller) -> ApiResult<()> {
    if shared.store.read(|st| st.is_admin(caller.user)) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "access_denied_insufficient_permissions",
            "Only enterprise admins can manage metadata templates",
        ))
    }
}

/// `POST /2.0/metadata_templates/schema`.
pub async fn create_template(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    template_admin(&shared, caller)?;
    body_object(&body)?;
    let scope = str_field(&body, "scope")?
        .ok_or_else(|| ApiError::bad_request("bad_request", "scope is required"))?;
    let display_name = str_field(&body, "displayName")?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("bad_request", "displayName is required"))?;
    let fields = match body.get("fields") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(field_from_json)
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad_request",
                "fields must be an array",
            ))
        }
    };
    let t = Template {
        id: String::new(),
        scope,
        key: str_field(&body, "templateKey")?.unwrap_or_default(),
        display_name,
        hidden: bool_field(&body, "hidden")?.unwrap_or(false),
        copy_instance_on_item_copy: bool_field(&body, "copyInstanceOnItemCopy")?.unwrap_or(false),
        fields,
        type_version: 0,
    };
    let t = write(&shared, move |tx| tx.create_template(t)).await?;
    Ok((StatusCode::CREATED, Json(template_json(&t))))
}

/// `GET /2.0/metadata_templates/{scope}/{key}/schema`.
pub async fn get_template(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path((scope, key)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    not_emulated(&method, &uri, &scope, &key)?;
    shared
        .store
        .read(|st| st.template(&scope, &key))
        .map(|t| Json(template_json(&t)))
        .ok_or_else(ApiError::not_found)
}

/// `GET /2.0/metadata_templates/{id}`.
pub async fn get_template_by_id(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let builtin = crate::store::metadata::properties_template();
        if builtin.id == id {
            return Ok(Json(template_json(&builtin)));
        }
        st.metadata_templates
            .values()
            .find(|t| t.id == id)
            .map(|t| Json(template_json(t)))
            .ok_or_else(ApiError::not_found)
    })
}

fn encode_marker(offset: usize) -> String {
    format!("m{offset:x}")
}

fn decode_marker(m: &str) -> ApiResult<usize> {
    m.strip_prefix('m')
        .and_then(|h| usize::from_str_radix(h, 16).ok())
        .ok_or_else(|| ApiError::bad_request("invalid_parameter", "The marker is not valid"))
}

fn template_page(all: Vec<Template>, params: &Params) -> ApiResult<Json<Value>> {
    let limit = params.num("limit", 100)?.clamp(1, 1000) as usize;
    let start = match params.get("marker") {
        Some(m) if !m.is_empty() => decode_marker(m)?,
        _ => 0,
    };
    let end = start.saturating_add(limit).min(all.len());
    let entries: Vec<Value> = all
        .get(start.min(all.len())..end)
        .unwrap_or_default()
        .iter()
        .map(template_json)
        .collect();
    Ok(Json(json!({
        "entries": entries, "limit": limit,
        "next_marker": (end < all.len()).then(|| encode_marker(end)),
        "prev_marker": null,
    })))
}

/// `GET /2.0/metadata_templates/enterprise`.
pub async fn list_enterprise(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let all: Vec<Template> = shared.store.read(|st| {
        st.metadata_templates
            .values()
            .filter(|t| t.scope == ENTERPRISE_SCOPE)
            .cloned()
            .collect()
    });
    template_page(all, &params)
}

/// `GET /2.0/metadata_templates/global`: the built-in `properties`.
pub async fn list_global(_caller: Caller, params: Params) -> ApiResult<Json<Value>> {
    template_page(vec![crate::store::metadata::properties_template()], &params)
}

/// `GET /2.0/metadata_templates?metadata_instance_id=`: the template of an
/// instance the caller can read.
pub async fn find_by_instance(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let id = params
        .get("metadata_instance_id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("bad_request", "metadata_instance_id is required"))?
        .to_string();
    let found: Vec<Template> = shared.store.read(|st| {
        st.metadata_instances
            .values()
            .filter(|i| i.id == id)
            .filter(|i| !st.in_trash(i.item) && st.role(caller.user, i.item).is_some())
            .filter_map(|i| st.template(&i.scope, &i.template))
            .collect()
    });
    let entries: Vec<Value> = found.iter().map(template_json).collect();
    Ok(Json(
        json!({"entries": entries, "limit": 100, "next_marker": null, "prev_marker": null}),
    ))
}

fn option_key(op: &Value, names: &[&str]) -> ApiResult<String> {
    names
        .iter()
        .find_map(|n| op[*n].as_str())
        .map(str::to_string)
        .ok_or_else(|| ApiError::bad_request("bad_request", format!("{} is required", names[0])))
}

/// Applies Box's template update operations to a copy of `t`.
fn apply_template_ops(mut t: Template, ops: &[Value]) -> ApiResult<Template> {
    let bad = |m: String| ApiError::bad_request("bad_request", m);
    for op in ops {
        let name = op["op"]
            .as_str()
            .ok_or_else(|| bad("every operation needs op".into()))?;
        let data = &op["data"];
        let field_key = op["fieldKey"].as_str().map(str::to_string);
        let field_index = |t: &Template| -> ApiResult<usize> {
            let k = field_key
                .as_deref()
                .ok_or_else(|| bad(format!("{name} needs fieldKey")))?;
            t.fields
                .iter()
                .position(|f| f.key == k)
                .ok_or_else(|| bad(format!("No field {k:?}")))
        };
        let multi = name.contains("MultiSelect");
        let opt_names: &[&str] = if multi {
            &["multiSelectOptionKey"]
        } else {
            &["enumOptionKey"]
        };
        match name {
            "editTemplate" => {
                if let Some(d) = str_field(data, "displayName")? {
                    t.display_name = d;
                }
                if let Some(k) = str_field(data, "templateKey")? {
                    t.key = k;
                }
                if let Some(h) = bool_field(data, "hidden")? {
                    t.hidden = h;
                }
                if let Some(c) = bool_field(data, "copyInstanceOnItemCopy")? {
                    t.copy_instance_on_item_copy = c;
                }
            }
            "addField" => {
                let f = field_from_json(data)?;
                if t.field(&f.key).is_some() {
                    return Err(bad(format!("A field {:?} exists already", f.key)));
                }
                t.fields.push(f);
            }
            "editField" => {
                let i = field_index(&t)?;
                let f = &mut t.fields[i];
                if let Some(d) = str_field(data, "displayName")? {
                    f.display_name = d;
                }
                if let Some(k) = str_field(data, "key")? {
                    f.key = k;
                }
                if let Some(d) = str_field(data, "description")? {
                    f.description = Some(d);
                }
                if let Some(h) = bool_field(data, "hidden")? {
                    f.hidden = h;
                }
            }
            "removeField" => {
                let i = field_index(&t)?;
                t.fields.remove(i);
            }
            "addEnumOption" | "addMultiSelectOption" => {
                let i = field_index(&t)?;
                let key = str_field(data, "key")?
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| bad("data.key is required".into()))?;
                let f = &mut t.fields[i];
                let want = if multi {
                    FieldType::MultiSelect
                } else {
                    FieldType::Enum
                };
                if f.field_type != want {
                    return Err(bad(format!(
                        "{name}: {:?} is not a {}",
                        f.key,
                        want.as_str()
                    )));
                }
                if f.options.iter().any(|o| o.key == key) {
                    return Err(bad(format!("Option {key:?} exists already")));
                }
                f.options.push(FieldOption {
                    id: crate::store::random_token(16).to_ascii_lowercase(),
                    key,
                });
            }
            "editEnumOption" | "editMultiSelectOption" => {
                let i = field_index(&t)?;
                let old = option_key(op, opt_names)?;
                let key = str_field(data, "key")?
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| bad("data.key is required".into()))?;
                let o = t.fields[i]
                    .options
                    .iter_mut()
                    .find(|o| o.key == old)
                    .ok_or_else(|| bad(format!("No option {old:?}")))?;
                o.key = key;
            }
            "removeEnumOption" | "removeMultiSelectOption" => {
                let i = field_index(&t)?;
                let old = option_key(op, opt_names)?;
                let before = t.fields[i].options.len();
                t.fields[i].options.retain(|o| o.key != old);
                if t.fields[i].options.len() == before {
                    return Err(bad(format!("No option {old:?}")));
                }
            }
            "reorderFields" => {
                let keys: Vec<String> = serde_json::from_value(op["fieldKeys"].clone())
                    .map_err(|_| bad("fieldKeys must be an array of keys".into()))?;
                let mut sorted_keys = keys.clone();
                sorted_keys.sort();
                let mut have: Vec<String> = t.fields.iter().map(|f| f.key.clone()).collect();
                have.sort();
                if sorted_keys != have {
                    return Err(bad("fieldKeys must name every field once".into()));
                }
                t.fields
                    .sort_by_key(|f| keys.iter().position(|k| *k == f.key));
            }
            "reorderEnumOptions" | "reorderMultiSelectOptions" => {
                let i = field_index(&t)?;
                let list = if multi {
                    "multiSelectOptionKeys"
                } else {
                    "enumOptionKeys"
                };
                let keys: Vec<String> = serde_json::from_value(op[list].clone())
                    .map_err(|_| bad(format!("{list} must be an array of keys")))?;
                let opts = &mut t.fields[i].options;
                let mut a = keys.clone();
                a.sort();
                let mut b: Vec<String> = opts.iter().map(|o| o.key.clone()).collect();
                b.sort();
                if a != b {
                    return Err(bad(format!("{list} must name every option once")));
                }
                opts.sort_by_key(|o| keys.iter().position(|k| *k == o.key));
            }
            other => return Err(bad(format!("Unknown operation {other:?}"))),
        }
    }
    Ok(t)
}

/// `PUT /2.0/metadata_templates/{scope}/{key}/schema`: Box's template
/// operations, all or nothing.
pub async fn update_template(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path((scope, key)): Path<(String, String)>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    not_emulated(&method, &uri, &scope, &key)?;
    template_admin(&shared, caller)?;
    let ops = body
        .as_array()
        .ok_or_else(|| {
            ApiError::bad_request("bad_request", "The body must be an array of operations")
        })?
        .clone();
    if scope_of(&scope) == Some(GLOBAL_SCOPE) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Global templates cannot be changed",
        ));
    }
    let t = write(&shared, move |tx| {
        let old = tx
            .st
            .template(&scope, &key)
            .ok_or(crate::store::StoreError::NotFound)?;
        let changed = apply_template_ops(old, &ops)
            .map_err(|e| crate::store::StoreError::BadRequest("bad_request", e.message.clone()))?;
        tx.replace_template(&scope, &key, changed)
    })
    .await?;
    Ok(Json(template_json(&t)))
}

/// `DELETE /2.0/metadata_templates/{scope}/{key}/schema`.
pub async fn delete_template(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path((scope, key)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    not_emulated(&method, &uri, &scope, &key)?;
    template_admin(&shared, caller)?;
    write(&shared, move |tx| tx.delete_template(&scope, &key)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- instances ----

fn can_edit(st: &St, user: u64, item: u64) -> bool {
    st.role(user, item).is_some_and(|r| r >= Role::Editor)
}

/// `GET /2.0/{files,folders}/{id}/metadata`.
pub async fn list_instances<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    shared.store.read(|st| {
        let list = st.instances_on(caller.user, &id, K::KIND)?;
        let entries: Vec<Value> = list
            .iter()
            .map(|i| instance_json(st, i, can_edit(st, caller.user, i.item)))
            .collect();
        Ok(Json(json!({"entries": entries, "limit": 100})))
    })
}

/// `GET /2.0/{files,folders}/{id}/metadata/{scope}/{key}`.
pub async fn get_instance<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path((id, scope, key)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    not_emulated(&method, &uri, &scope, &key)?;
    shared.store.read(|st| {
        let scope = scope_of(&scope).unwrap_or_default();
        let list = st.instances_on(caller.user, &id, K::KIND)?;
        let i = list
            .into_iter()
            .find(|i| i.scope == scope && i.template == key)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "instance_not_found",
                    "The metadata instance was not found",
                )
            })?;
        Ok(Json(instance_json(
            st,
            i,
            can_edit(st, caller.user, i.item),
        )))
    })
}

/// `POST /2.0/{files,folders}/{id}/metadata/{scope}/{key}`.
pub async fn create_instance<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path((id, scope, key)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    not_emulated(&method, &uri, &scope, &key)?;
    let values = body_object(&body)?;
    let user = caller.user;
    let inst = write(&shared, move |tx| {
        tx.create_instance(user, &id, K::KIND, &scope, &key, values)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(shared.store.read(|st| instance_json(st, &inst, true))),
    ))
}

/// `PUT /2.0/{files,folders}/{id}/metadata/{scope}/{key}`: JSON-Patch
/// operations (`application/json-patch+json`), all or nothing.
pub async fn update_instance<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path((id, scope, key)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    not_emulated(&method, &uri, &scope, &key)?;
    let ops = body
        .as_array()
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad_request",
                "The body must be an array of JSON Patch operations",
            )
        })?
        .clone();
    let user = caller.user;
    let inst = write(&shared, move |tx| {
        tx.patch_instance(user, &id, K::KIND, &scope, &key, &ops)
    })
    .await?;
    Ok(Json(shared.store.read(|st| instance_json(st, &inst, true))))
}

/// `DELETE /2.0/{files,folders}/{id}/metadata/{scope}/{key}`.
pub async fn delete_instance<K: RouteKind>(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path((id, scope, key)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    not_emulated(&method, &uri, &scope, &key)?;
    let user = caller.user;
    write(&shared, move |tx| {
        tx.delete_instance(user, &id, K::KIND, &scope, &key)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- queries ----

/// `POST /2.0/metadata_queries/execute_read`.
pub async fn execute_read(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    body_object(&body)?;
    let from = str_field(&body, "from")?
        .ok_or_else(|| ApiError::bad_request("bad_request", "from is required"))?;
    let ancestor = body
        .get("ancestor_folder_id")
        .and_then(id_of)
        .ok_or_else(|| ApiError::bad_request("bad_request", "ancestor_folder_id is required"))?;
    let params = match body.get("query_params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(ApiError::bad_request(
                "unexpected_json_type",
                "query_params must be an object",
            ))
        }
    };
    let mut order_by = Vec::new();
    match body.get("order_by") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for o in a {
                let f = o["field_key"].as_str().ok_or_else(|| {
                    ApiError::bad_request("bad_request", "order_by[].field_key is required")
                })?;
                let desc = match o["direction"].as_str().map(str::to_ascii_lowercase) {
                    None => false,
                    Some(d) if d == "asc" => false,
                    Some(d) if d == "desc" => true,
                    Some(_) => {
                        return Err(ApiError::bad_request(
                            "bad_request",
                            "order_by[].direction must be asc or desc",
                        ))
                    }
                };
                order_by.push((f.to_string(), desc));
            }
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "unexpected_json_type",
                "order_by must be an array",
            ))
        }
    }
    let limit = match body.get("limit") {
        None | Some(Value::Null) => 100,
        Some(v) => v
            .as_u64()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| ApiError::bad_request("bad_request", "limit must be 1 to 100"))?
            as usize,
    };
    let offset = match str_field(&body, "marker")? {
        Some(m) if !m.is_empty() => decode_marker(&m)?,
        _ => 0,
    };
    let fields: Vec<String> = match body.get("fields") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => serde_json::from_value(v.clone()).map_err(|_| {
            ApiError::bad_request("unexpected_json_type", "fields must be an array of strings")
        })?,
    };
    let q = Query {
        from,
        query: str_field(&body, "query")?,
        params,
        ancestor_folder_id: ancestor,
        order_by,
        limit,
        offset,
    };
    shared.store.read(|st| {
        let page = st.metadata_query(caller.user, &q)?;
        let (scope, key) = &page.template;
        let prefix = format!("metadata.{scope}.{key}");
        // `metadata.<scope>.<key>` asks for the whole instance,
        // `metadata.<scope>.<key>.<field>` for one field.
        let mut whole = false;
        let mut wanted: Vec<&str> = Vec::new();
        let mut plain: Vec<&str> = Vec::new();
        for f in &fields {
            if *f == prefix {
                whole = true;
            } else if let Some(field) = f.strip_prefix(&format!("{prefix}.")) {
                wanted.push(field);
            } else if !f.starts_with("metadata.") {
                plain.push(f);
            }
        }
        let plain = plain.join(",");
        let entries: Vec<Value> = page
            .items
            .iter()
            .filter_map(|id| st.item(*id))
            .map(|item| {
                let mut v = item_json(st, &shared.base, item, Some(plain.as_str()));
                if whole || !wanted.is_empty() {
                    let row = Instance::row_key(item.id, scope, key);
                    if let Some(i) = st.metadata_instances.get(&row) {
                        let mut inst = instance_json(st, i, can_edit(st, caller.user, item.id));
                        if !whole {
                            if let Value::Object(m) = &mut inst {
                                m.retain(|k, _| k.starts_with('$') || wanted.contains(&k.as_str()));
                            }
                        }
                        let mut by_key = Map::new();
                        by_key.insert(key.clone(), inst);
                        let mut by_scope = Map::new();
                        by_scope.insert(scope.clone(), Value::Object(by_key));
                        v["metadata"] = Value::Object(by_scope);
                    }
                }
                v
            })
            .collect();
        Ok(Json(json!({
            "entries": entries, "limit": limit,
            "next_marker": page.next.map(encode_marker),
        })))
    })
}

//! Metadata: templates (in the enterprise's scope, plus the built-in
//! `global.properties`) and template instances on files and folders, with
//! Box's validation of values against the template, JSON-Patch updates as
//! Box defines them (`add`, `replace`, `remove`, `test`, `move`, `copy` on
//! top-level keys, all or nothing), and the query evaluation behind
//! `POST /metadata_queries/execute_read` ([`super::metadata_query`]).
//!
//! The emulated account is one enterprise, [`ENTERPRISE_SCOPE`]; its
//! admins manage its templates (checked by the v2 handlers, with
//! [`super::State::is_admin`]).
//! Instances are removed with their item when it is purged, and with their
//! template when it is deleted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{need_write, random_token, Kind, StoreError, StoreResult, Table, Tx};

/// The scope of the emulated enterprise's templates (`enterprise` in paths
/// and requests means it too).
pub const ENTERPRISE_SCOPE: &str = "enterprise_1";
/// The scope of Box's built-in templates.
pub const GLOBAL_SCOPE: &str = "global";
/// The built-in free-form template's key (`global.properties`).
pub const PROPERTIES: &str = "properties";
/// The id of the built-in `global.properties` template.
pub const PROPERTIES_ID: &str = "c0fe2ba6-4ad3-4d1e-9b6b-properties00";

/// The type of a template field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldType {
    /// Any text.
    #[serde(rename = "string")]
    String,
    /// A number.
    #[serde(rename = "float")]
    Float,
    /// An RFC 3339 date-time.
    #[serde(rename = "date")]
    Date,
    /// One of the options.
    #[serde(rename = "enum")]
    Enum,
    /// Any of the options.
    #[serde(rename = "multiSelect")]
    MultiSelect,
}

impl FieldType {
    /// Parses Box's type name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => FieldType::String,
            "float" => FieldType::Float,
            "date" => FieldType::Date,
            "enum" => FieldType::Enum,
            "multiSelect" => FieldType::MultiSelect,
            _ => return None,
        })
    }

    /// Box's type name.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Float => "float",
            FieldType::Date => "date",
            FieldType::Enum => "enum",
            FieldType::MultiSelect => "multiSelect",
        }
    }
}

/// An option of an `enum` or `multiSelect` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldOption {
    /// Its id.
    pub id: String,
    /// Its text, the value stored.
    pub key: String,
}

/// A field of a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Its id.
    pub id: String,
    /// Its type.
    pub field_type: FieldType,
    /// The key values are stored under.
    pub key: String,
    /// Display name.
    pub display_name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Hidden in Box's web app.
    #[serde(default)]
    pub hidden: bool,
    /// Options of `enum` and `multiSelect` fields.
    #[serde(default)]
    pub options: Vec<FieldOption>,
}

/// A metadata template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Its id.
    pub id: String,
    /// `enterprise_1` (or `global` for the built-in one).
    pub scope: String,
    /// Its key, unique in the scope.
    pub key: String,
    /// Display name.
    pub display_name: String,
    /// Hidden in Box's web app.
    #[serde(default)]
    pub hidden: bool,
    /// Whether instances are copied when their item is copied.
    #[serde(default)]
    pub copy_instance_on_item_copy: bool,
    /// The fields, in order.
    pub fields: Vec<Field>,
    /// Bumped by every change of the template.
    #[serde(default)]
    pub type_version: u64,
}

impl Template {
    /// The field with `key`.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Whether this is the free-form `global.properties`.
    pub fn is_properties(&self) -> bool {
        self.scope == GLOBAL_SCOPE && self.key == PROPERTIES
    }

    /// The row key of a template.
    pub fn row_key(scope: &str, key: &str) -> String {
        format!("{scope}/{key}")
    }
}

/// The built-in `global.properties` template: any keys, scalar values.
pub fn properties_template() -> Template {
    Template {
        id: PROPERTIES_ID.into(),
        scope: GLOBAL_SCOPE.into(),
        key: PROPERTIES.into(),
        display_name: "Properties".into(),
        hidden: false,
        copy_instance_on_item_copy: false,
        fields: Vec::new(),
        type_version: 0,
    }
}

/// A template instance on a file or folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// Its id (`$id`).
    pub id: String,
    /// The file or folder.
    pub item: u64,
    /// The template's scope.
    pub scope: String,
    /// The template's key.
    pub template: String,
    /// The values by field key.
    pub values: Map<String, Value>,
    /// Bumped by every update (`$version`).
    pub version: u64,
    /// The template's version when last written (`$typeVersion`).
    pub type_version: u64,
    /// Who created it.
    pub created_by: u64,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl Instance {
    /// The row key: `"<item>/<scope>/<template>"`.
    pub fn row_key(item: u64, scope: &str, template: &str) -> String {
        format!("{item}/{scope}/{template}")
    }
}

/// Normalizes a scope from a path or request (`enterprise`,
/// `enterprise_1`, `global`); `None` for any other.
pub fn scope_of(s: &str) -> Option<&'static str> {
    match s {
        "enterprise" | ENTERPRISE_SCOPE => Some(ENTERPRISE_SCOPE),
        GLOBAL_SCOPE => Some(GLOBAL_SCOPE),
        _ => None,
    }
}

fn schema_error(message: impl Into<String>) -> StoreError {
    StoreError::BadRequest("schema_validation_failed", message.into())
}

fn check_key(key: &str, what: &str) -> StoreResult<()> {
    let mut chars = key.chars();
    let ok = key.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadRequest(
            "bad_request",
            format!("{what} {key:?} must be 1-64 letters, digits, '_' or '-', not starting with a digit"),
        ))
    }
}

/// A template key from a display name, as Box makes one: the words in
/// camel case, letters and digits only.
pub fn key_from_display_name(name: &str) -> String {
    let mut key = String::new();
    for (i, word) in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let mut cs = word.chars();
        if let Some(first) = cs.next() {
            if i == 0 {
                key.push(first.to_ascii_lowercase());
            } else {
                key.push(first.to_ascii_uppercase());
            }
            key.extend(cs);
        }
    }
    if key.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        key.insert(0, '_');
    }
    key.chars().take(64).collect()
}

fn new_uuid() -> String {
    let t = random_token(32).to_ascii_lowercase();
    format!(
        "{}-{}-{}-{}-{}",
        &t[0..8],
        &t[8..12],
        &t[12..16],
        &t[16..20],
        &t[20..32]
    )
}

/// A field as a request describes it (`type`, `key`, `displayName`,
/// `description`, `hidden`, `options: [{key}]`).
pub fn field_from_json(v: &Value) -> StoreResult<Field> {
    let bad = |m: &str| StoreError::BadRequest("bad_request", m.to_string());
    let field_type = v["type"]
        .as_str()
        .and_then(FieldType::parse)
        .ok_or_else(|| bad("fields[].type must be string, float, date, enum or multiSelect"))?;
    let key = v["key"]
        .as_str()
        .ok_or_else(|| bad("fields[].key is required"))?
        .to_string();
    check_key(&key, "field key")?;
    let display_name = v["displayName"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad("fields[].displayName is required"))?
        .to_string();
    let mut options = Vec::new();
    if let Some(opts) = v.get("options").filter(|o| !o.is_null()) {
        let opts = opts
            .as_array()
            .ok_or_else(|| bad("fields[].options must be an array"))?;
        for o in opts {
            let k = o["key"]
                .as_str()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| bad("options[].key is required"))?;
            if options.iter().any(|x: &FieldOption| x.key == k) {
                return Err(bad("option keys must be unique"));
            }
            options.push(FieldOption {
                id: new_uuid(),
                key: k.to_string(),
            });
        }
    }
    if !matches!(field_type, FieldType::Enum | FieldType::MultiSelect) && !options.is_empty() {
        return Err(bad("only enum and multiSelect fields have options"));
    }
    Ok(Field {
        id: new_uuid(),
        field_type,
        key,
        display_name,
        description: v["description"].as_str().map(str::to_string),
        hidden: v["hidden"].as_bool().unwrap_or(false),
        options,
    })
}

/// Checks one value against a field.
fn check_value(field: &Field, v: &Value) -> StoreResult<()> {
    let ok = match field.field_type {
        FieldType::String => v.is_string(),
        FieldType::Float => v.is_number(),
        FieldType::Date => v
            .as_str()
            .is_some_and(|s| DateTime::parse_from_rfc3339(s).is_ok()),
        FieldType::Enum => v
            .as_str()
            .is_some_and(|s| field.options.iter().any(|o| o.key == s)),
        FieldType::MultiSelect => v.as_array().is_some_and(|a| {
            a.iter().all(|x| {
                x.as_str()
                    .is_some_and(|s| field.options.iter().any(|o| o.key == s))
            })
        }),
    };
    if ok {
        Ok(())
    } else {
        Err(schema_error(format!(
            "Value for field {:?} does not match its type {}{}",
            field.key,
            field.field_type.as_str(),
            if field.options.is_empty() {
                String::new()
            } else {
                " or is not one of its options".to_string()
            }
        )))
    }
}

/// Checks a whole set of values against a template.
pub fn check_values(template: &Template, values: &Map<String, Value>) -> StoreResult<()> {
    for (k, v) in values {
        if k.starts_with('$') {
            return Err(schema_error(format!("{k:?} is reserved")));
        }
        if template.is_properties() {
            if !(v.is_string() || v.is_number() || v.is_boolean()) {
                return Err(schema_error(format!(
                    "global.properties value {k:?} must be a string, number or boolean"
                )));
            }
            if k.is_empty() || k.len() > 256 {
                return Err(schema_error("global.properties keys are 1-256 characters"));
            }
            continue;
        }
        let field = template
            .field(k)
            .ok_or_else(|| schema_error(format!("{k:?} is not a field of {}", template.key)))?;
        check_value(field, v)?;
    }
    Ok(())
}

/// Applies Box's JSON-Patch operations to the values (top-level keys,
/// `/key` paths with `~0`/`~1` escapes). All or nothing: the caller keeps
/// the old values on error.
pub fn apply_patch(values: &Map<String, Value>, ops: &[Value]) -> StoreResult<Map<String, Value>> {
    let bad = |m: String| StoreError::BadRequest("bad_request", m);
    let key_of = |p: &Value, what: &str| -> StoreResult<String> {
        let p = p
            .as_str()
            .ok_or_else(|| bad(format!("{what} must be a string")))?;
        let rest = p
            .strip_prefix('/')
            .filter(|r| !r.is_empty() && !r.contains('/'))
            .ok_or_else(|| bad(format!("{what} {p:?} must be /<field key>")))?;
        Ok(rest.replace("~1", "/").replace("~0", "~"))
    };
    let mut out = values.clone();
    for op in ops {
        let name = op["op"]
            .as_str()
            .ok_or_else(|| bad("every operation needs op".into()))?;
        let path = key_of(&op["path"], "path")?;
        match name {
            "add" | "replace" => {
                let value = op
                    .get("value")
                    .ok_or_else(|| bad(format!("{name} needs a value")))?;
                if name == "replace" && !out.contains_key(&path) {
                    return Err(bad(format!("replace: {path:?} has no value")));
                }
                out.insert(path, value.clone());
            }
            "remove" => {
                out.remove(&path)
                    .ok_or_else(|| bad(format!("remove: {path:?} has no value")))?;
            }
            "test" => {
                let value = op
                    .get("value")
                    .ok_or_else(|| bad("test needs a value".into()))?;
                if out.get(&path) != Some(value) {
                    return Err(StoreError::BadRequest(
                        "bad_request",
                        format!("test failed: {path:?} is not the given value"),
                    ));
                }
            }
            "move" | "copy" => {
                let from = key_of(&op["from"], "from")?;
                let value = if name == "move" {
                    out.remove(&from)
                } else {
                    out.get(&from).cloned()
                }
                .ok_or_else(|| bad(format!("{name}: {from:?} has no value")))?;
                out.insert(path, value);
            }
            other => return Err(bad(format!("unknown operation {other:?}"))),
        }
    }
    Ok(out)
}

impl super::State {
    /// A template by scope and key (the built-in `global.properties`
    /// included).
    pub fn template(&self, scope: &str, key: &str) -> Option<Template> {
        let scope = scope_of(scope)?;
        if scope == GLOBAL_SCOPE && key == PROPERTIES {
            return Some(properties_template());
        }
        self.metadata_templates
            .get(&Template::row_key(scope, key))
            .cloned()
    }

    /// The instances on an item the caller can read.
    pub fn instances_on(
        &self,
        user: u64,
        wire_id: &str,
        kind: Kind,
    ) -> StoreResult<Vec<&Instance>> {
        let (item, _) = self.resolve(user, wire_id, kind)?;
        let prefix = format!("{item}/");
        Ok(self
            .metadata_instances
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(_, i)| i)
            .collect())
    }
}

impl Tx<'_> {
    /// Creates a template in the enterprise scope. The key defaults to one
    /// made from the display name; a key taken in the scope is a conflict.
    pub fn create_template(&mut self, mut t: Template) -> StoreResult<Template> {
        if scope_of(&t.scope) != Some(ENTERPRISE_SCOPE) {
            return Err(StoreError::Forbidden(
                "Templates can be created in the enterprise scope only".into(),
            ));
        }
        t.scope = ENTERPRISE_SCOPE.into();
        if t.key.is_empty() {
            t.key = key_from_display_name(&t.display_name);
        }
        check_key(&t.key, "templateKey")?;
        let mut seen = std::collections::HashSet::new();
        if !t.fields.iter().all(|f| seen.insert(f.key.clone())) {
            return Err(StoreError::BadRequest(
                "bad_request",
                "field keys must be unique".into(),
            ));
        }
        let row = Template::row_key(&t.scope, &t.key);
        if self.st.metadata_templates.contains_key(&row) {
            return Err(StoreError::Conflict(
                "conflict",
                format!("A template with key {:?} exists already", t.key),
            ));
        }
        t.id = new_uuid();
        self.touch(Table::MetadataTemplate, &row);
        self.st.metadata_templates.insert(row, t.clone());
        Ok(t)
    }

    /// Replaces a template with `changed` (already validated by the caller's
    /// operations); instances lose values of removed fields and options.
    pub fn replace_template(
        &mut self,
        scope: &str,
        key: &str,
        mut changed: Template,
    ) -> StoreResult<Template> {
        let scope = scope_of(scope).ok_or(StoreError::NotFound)?;
        let row = Template::row_key(scope, key);
        let old = self
            .st
            .metadata_templates
            .get(&row)
            .cloned()
            .ok_or(StoreError::NotFound)?;
        check_key(&changed.key, "templateKey")?;
        let mut seen = std::collections::HashSet::new();
        if !changed.fields.iter().all(|f| seen.insert(f.key.clone())) {
            return Err(StoreError::BadRequest(
                "bad_request",
                "field keys must be unique".into(),
            ));
        }
        let new_row = Template::row_key(scope, &changed.key);
        if new_row != row && self.st.metadata_templates.contains_key(&new_row) {
            return Err(StoreError::Conflict(
                "conflict",
                format!("A template with key {:?} exists already", changed.key),
            ));
        }
        changed.type_version = old.type_version + 1;
        // Instances follow: values of removed fields or options go, a new
        // template key moves them.
        let keys: Vec<String> = self
            .st
            .metadata_instances
            .iter()
            .filter(|(_, i)| i.scope == scope && i.template == key)
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            self.touch(Table::MetadataInstance, &k);
            let Some(mut inst) = self.st.metadata_instances.remove(&k) else {
                continue;
            };
            inst.values.retain(|fk, v| match changed.field(fk) {
                None => false,
                Some(f) => match f.field_type {
                    FieldType::Enum => v
                        .as_str()
                        .is_some_and(|s| f.options.iter().any(|o| o.key == s)),
                    FieldType::MultiSelect => {
                        if let Value::Array(a) = v {
                            a.retain(|x| {
                                x.as_str()
                                    .is_some_and(|s| f.options.iter().any(|o| o.key == s))
                            });
                        }
                        true
                    }
                    _ => true,
                },
            });
            inst.template = changed.key.clone();
            let nk = Instance::row_key(inst.item, scope, &inst.template);
            self.touch(Table::MetadataInstance, &nk);
            self.st.metadata_instances.insert(nk, inst);
        }
        self.touch(Table::MetadataTemplate, &row);
        self.st.metadata_templates.remove(&row);
        self.touch(Table::MetadataTemplate, &new_row);
        self.st.metadata_templates.insert(new_row, changed.clone());
        Ok(changed)
    }

    /// Deletes a template and every instance of it.
    pub fn delete_template(&mut self, scope: &str, key: &str) -> StoreResult<()> {
        let scope = scope_of(scope).ok_or(StoreError::NotFound)?;
        if scope == GLOBAL_SCOPE {
            return Err(StoreError::Forbidden(
                "Global templates cannot be deleted".into(),
            ));
        }
        let row = Template::row_key(scope, key);
        if !self.st.metadata_templates.contains_key(&row) {
            return Err(StoreError::NotFound);
        }
        self.touch(Table::MetadataTemplate, &row);
        self.st.metadata_templates.remove(&row);
        let gone: Vec<String> = self
            .st
            .metadata_instances
            .iter()
            .filter(|(_, i)| i.scope == scope && i.template == key)
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            self.touch(Table::MetadataInstance, &k);
            self.st.metadata_instances.remove(&k);
        }
        Ok(())
    }

    /// Applies a template to an item the caller can write to.
    pub fn create_instance(
        &mut self,
        user: u64,
        wire_id: &str,
        kind: Kind,
        scope: &str,
        key: &str,
        values: Map<String, Value>,
    ) -> StoreResult<Instance> {
        let (item, role) = self.st.resolve(user, wire_id, kind)?;
        let template = self.st.template(scope, key).ok_or_else(|| {
            StoreError::NotFoundCode(
                "instance_tuple_not_found",
                "The metadata template was not found".into(),
            )
        })?;
        need_write(role)?;
        check_values(&template, &values)?;
        let row = Instance::row_key(item, &template.scope, &template.key);
        if self.st.metadata_instances.contains_key(&row) {
            return Err(StoreError::Conflict(
                "tuple_already_exists",
                "An instance of the metadata template already exists on the item".into(),
            ));
        }
        let inst = Instance {
            id: new_uuid(),
            item,
            scope: template.scope.clone(),
            template: template.key.clone(),
            values,
            version: 0,
            type_version: template.type_version,
            created_by: user,
            created_at: Utc::now(),
        };
        self.touch(Table::MetadataInstance, &row);
        self.st.metadata_instances.insert(row, inst.clone());
        self.event("METADATA_INSTANCE_CREATE", item, user);
        Ok(inst)
    }

    /// Updates an instance with JSON-Patch operations (all or nothing).
    pub fn patch_instance(
        &mut self,
        user: u64,
        wire_id: &str,
        kind: Kind,
        scope: &str,
        key: &str,
        ops: &[Value],
    ) -> StoreResult<Instance> {
        let (item, role) = self.st.resolve(user, wire_id, kind)?;
        let template = self.st.template(scope, key).ok_or_else(|| {
            StoreError::NotFoundCode(
                "instance_tuple_not_found",
                "The metadata template was not found".into(),
            )
        })?;
        let row = Instance::row_key(item, &template.scope, &template.key);
        let mut inst = self
            .st
            .metadata_instances
            .get(&row)
            .cloned()
            .ok_or_else(|| {
                StoreError::NotFoundCode(
                    "instance_not_found",
                    "The metadata instance was not found".into(),
                )
            })?;
        need_write(role)?;
        let values = apply_patch(&inst.values, ops)?;
        check_values(&template, &values)?;
        inst.values = values;
        inst.version += 1;
        inst.type_version = template.type_version;
        self.touch(Table::MetadataInstance, &row);
        self.st.metadata_instances.insert(row, inst.clone());
        self.event("METADATA_INSTANCE_UPDATE", item, user);
        Ok(inst)
    }

    /// Removes an instance from an item.
    pub fn delete_instance(
        &mut self,
        user: u64,
        wire_id: &str,
        kind: Kind,
        scope: &str,
        key: &str,
    ) -> StoreResult<()> {
        let (item, role) = self.st.resolve(user, wire_id, kind)?;
        let scope = scope_of(scope).ok_or(StoreError::NotFound)?;
        let row = Instance::row_key(item, scope, key);
        if !self.st.metadata_instances.contains_key(&row) {
            return Err(StoreError::NotFoundCode(
                "instance_not_found",
                "The metadata instance was not found".into(),
            ));
        }
        need_write(role)?;
        self.touch(Table::MetadataInstance, &row);
        self.st.metadata_instances.remove(&row);
        self.event("METADATA_INSTANCE_DELETE", item, user);
        Ok(())
    }

    /// Drops the instances on a purged item.
    pub(super) fn drop_metadata_of(&mut self, item: u64) {
        let prefix = format!("{item}/");
        let gone: Vec<String> = self
            .st
            .metadata_instances
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            self.touch(Table::MetadataInstance, &k);
            self.st.metadata_instances.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn json_patch_as_box_defines_it() {
        let v = obj(json!({"a": "1", "b": 2}));
        let out = apply_patch(
            &v,
            &[
                json!({"op": "test", "path": "/a", "value": "1"}),
                json!({"op": "replace", "path": "/a", "value": "x"}),
                json!({"op": "add", "path": "/c", "value": 3}),
                json!({"op": "move", "from": "/b", "path": "/d"}),
                json!({"op": "copy", "from": "/c", "path": "/e~1f"}),
                json!({"op": "remove", "path": "/c"}),
            ],
        )
        .unwrap();
        assert_eq!(Value::Object(out), json!({"a": "x", "d": 2, "e/f": 3}));
        for bad in [
            json!({"op": "test", "path": "/a", "value": "2"}),
            json!({"op": "replace", "path": "/zz", "value": 1}),
            json!({"op": "remove", "path": "/zz"}),
            json!({"op": "add", "path": "a", "value": 1}),
            json!({"op": "add", "path": "/a/b", "value": 1}),
            json!({"op": "frob", "path": "/a"}),
            json!({"op": "move", "from": "/zz", "path": "/a"}),
        ] {
            assert!(
                apply_patch(&v, std::slice::from_ref(&bad)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn values_are_checked_against_the_template() {
        let t = Template {
            id: String::new(),
            scope: ENTERPRISE_SCOPE.into(),
            key: "contract".into(),
            display_name: "Contract".into(),
            hidden: false,
            copy_instance_on_item_copy: false,
            fields: [
                json!({"type": "string", "key": "customer", "displayName": "Customer"}),
                json!({"type": "float", "key": "amount", "displayName": "Amount"}),
                json!({"type": "date", "key": "signed", "displayName": "Signed"}),
                json!({"type": "enum", "key": "stage", "displayName": "Stage",
                       "options": [{"key": "draft"}, {"key": "final"}]}),
                json!({"type": "multiSelect", "key": "regions", "displayName": "Regions",
                       "options": [{"key": "EU"}, {"key": "US"}]}),
            ]
            .iter()
            .map(|f| field_from_json(f).unwrap())
            .collect(),
            type_version: 0,
        };
        check_values(
            &t,
            &obj(
                json!({"customer": "Acme", "amount": 12.5, "signed": "2026-01-02T03:04:05Z",
                         "stage": "final", "regions": ["EU", "US"]}),
            ),
        )
        .unwrap();
        for bad in [
            json!({"customer": 1}),
            json!({"amount": "12"}),
            json!({"signed": "yesterday"}),
            json!({"stage": "other"}),
            json!({"regions": ["EU", "APAC"]}),
            json!({"unknown": "x"}),
            json!({"$id": "x"}),
        ] {
            assert!(
                matches!(
                    check_values(&t, &obj(bad.clone())),
                    Err(StoreError::BadRequest("schema_validation_failed", _))
                ),
                "{bad}"
            );
        }
        let p = properties_template();
        check_values(&p, &obj(json!({"anything": "goes", "n": 1}))).unwrap();
        assert!(check_values(&p, &obj(json!({"nested": {"no": 1}}))).is_err());
        assert_eq!(
            key_from_display_name("Customer Contract 2"),
            "customerContract2"
        );
        assert_eq!(key_from_display_name("9 lives"), "_9Lives");
    }
}

//! JSON shapes of Box v2 objects (mini / standard / full) and `fields` selection.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::store::{sort_items, wire_id, Item, Kind, State, User};

/// RFC 3339 timestamp as Box writes it.
pub fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Mini user.
pub fn user_mini(st: &State, id: u64) -> Value {
    match st.users.get(&id) {
        Some(u) => {
            json!({"type": "user", "id": u.id.to_string(), "name": u.name, "login": u.login})
        }
        None => Value::Null,
    }
}

/// Standard user.
pub fn user_full(st: &State, u: &User) -> Value {
    let used = st.size_of(u.root_id);
    json!({
        "type": "user", "id": u.id.to_string(), "name": u.name, "login": u.login,
        "created_at": ts(&u.created_at), "modified_at": ts(&u.created_at),
        "language": "en", "timezone": "UTC", "space_amount": 999_999_999_999_999u64,
        "space_used": used, "max_upload_size": 53_687_091_200u64, "status": "active",
        "job_title": "", "phone": "", "address": "", "avatar_url": "",
        "notification_email": null,
    })
}

/// Mini item (file or folder).
pub fn item_mini(item: &Item) -> Value {
    let root = item.parent.is_none();
    let etag = if root {
        Value::Null
    } else {
        json!(item.etag.to_string())
    };
    match (item.kind, item.current()) {
        (Kind::File, Some(v)) => json!({
            "type": "file", "id": wire_id(item),
            "file_version": {"type": "file_version", "id": v.id.to_string(), "sha1": v.sha1},
            "sequence_id": etag, "etag": etag, "sha1": v.sha1, "name": item.name,
        }),
        (Kind::WebLink, _) => json!({
            "type": "web_link", "id": wire_id(item),
            "sequence_id": etag, "etag": etag, "name": item.name, "url": item.url,
        }),
        _ => json!({
            "type": item.kind.as_str(), "id": wire_id(item),
            "sequence_id": etag, "etag": etag, "name": item.name,
        }),
    }
}

/// The shared link object of an item.
pub fn shared_link(base: &str, item: &Item) -> Value {
    match &item.shared_link {
        None => Value::Null,
        Some(l) => json!({
            "url": format!("{base}/s/{}", l.token),
            "download_url": if item.kind == Kind::File {
                json!(format!("{base}/shared/static/{}", l.token))
            } else { Value::Null },
            "vanity_url": null, "vanity_name": null,
            "access": l.access, "effective_access": l.access,
            "effective_permission": if l.can_download { "can_download" } else { "can_preview" },
            "unshared_at": l.unshared_at.as_ref().map(ts),
            "is_password_enabled": l.password.is_some(),
            "permissions": {"can_download": l.can_download, "can_preview": true, "can_edit": false},
            "download_count": 0, "preview_count": 0,
        }),
    }
}

/// Keys of the standard (default) representation.
const FILE_STANDARD: &[&str] = &[
    "type",
    "id",
    "file_version",
    "sequence_id",
    "etag",
    "sha1",
    "name",
    "description",
    "size",
    "path_collection",
    "created_at",
    "modified_at",
    "trashed_at",
    "purged_at",
    "content_created_at",
    "content_modified_at",
    "created_by",
    "modified_by",
    "owned_by",
    "shared_link",
    "parent",
    "item_status",
];
const FOLDER_STANDARD: &[&str] = &[
    "type",
    "id",
    "sequence_id",
    "etag",
    "name",
    "created_at",
    "modified_at",
    "description",
    "size",
    "path_collection",
    "created_by",
    "modified_by",
    "trashed_at",
    "purged_at",
    "content_created_at",
    "content_modified_at",
    "owned_by",
    "shared_link",
    "folder_upload_email",
    "parent",
    "item_status",
    "item_collection",
];

const WEB_LINK_STANDARD: &[&str] = &[
    "type",
    "id",
    "sequence_id",
    "etag",
    "name",
    "url",
    "parent",
    "description",
    "path_collection",
    "created_at",
    "modified_at",
    "trashed_at",
    "purged_at",
    "created_by",
    "modified_by",
    "owned_by",
    "shared_link",
    "item_status",
];

/// Every field the emulator knows for an item.
pub fn item_all(st: &State, base: &str, item: &Item) -> Map<String, Value> {
    let mut m = match item_mini(item) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let root = item.parent.is_none();
    let path: Vec<Value> = st.ancestors(item.id).into_iter().map(item_mini).collect();
    let trashed = st.in_trash(item.id);
    let tstamp = |t: &DateTime<Utc>| if root { Value::Null } else { json!(ts(t)) };
    m.insert("description".into(), json!(item.description));
    m.insert("size".into(), json!(st.size_of(item.id)));
    m.insert(
        "path_collection".into(),
        json!({"total_count": path.len(), "entries": path}),
    );
    m.insert("created_at".into(), tstamp(&item.created_at));
    m.insert("modified_at".into(), tstamp(&item.modified_at));
    m.insert("content_created_at".into(), tstamp(&item.created_at));
    m.insert("content_modified_at".into(), tstamp(&item.modified_at));
    m.insert("trashed_at".into(), json!(item.trashed_at.as_ref().map(ts)));
    m.insert("purged_at".into(), Value::Null);
    m.insert("created_by".into(), user_mini(st, item.created_by));
    m.insert("modified_by".into(), user_mini(st, item.modified_by));
    m.insert("owned_by".into(), user_mini(st, item.owner));
    m.insert("shared_link".into(), shared_link(base, item));
    m.insert(
        "parent".into(),
        item.parent
            .and_then(|p| st.item(p))
            .map(item_mini)
            .unwrap_or(Value::Null),
    );
    m.insert(
        "item_status".into(),
        json!(if trashed { "trashed" } else { "active" }),
    );
    m.insert("tags".into(), json!(item.tags));
    m.insert(
        "has_collaborations".into(),
        json!(st.collabs.values().any(|c| c.item == item.id)),
    );
    m.insert(
        "permissions".into(),
        json!({"can_download": true, "can_upload": true, "can_rename": !root, "can_delete": !root,
               "can_share": true, "can_set_share_access": true, "can_preview": true,
               "can_comment": true, "can_invite_collaborator": true}),
    );
    match item.kind {
        Kind::File => {
            m.insert(
                "extension".into(),
                json!(item.name.rsplit_once('.').map(|(_, e)| e).unwrap_or("")),
            );
            m.insert(
                "version_number".into(),
                json!(item.versions.len().to_string()),
            );
        }
        Kind::Folder => {
            m.insert("folder_upload_email".into(), Value::Null);
            let mut kids = st.children(item.id);
            sort_items(&mut kids, "name", false);
            let total = kids.len();
            let entries: Vec<Value> = kids.into_iter().take(100).map(item_mini).collect();
            m.insert(
                "item_collection".into(),
                json!({"total_count": total, "entries": entries, "offset": 0, "limit": 100,
                       "order": [{"by": "type", "direction": "ASC"}, {"by": "name", "direction": "ASC"}]}),
            );
            m.insert("sync_state".into(), json!("not_synced"));
        }
        Kind::WebLink => {}
    }
    m
}

/// The item in the representation a request asked for: with `fields`, only
/// `type`, `id`, `etag` and those fields; otherwise the standard set.
pub fn item_json(st: &State, base: &str, item: &Item, fields: Option<&str>) -> Value {
    let all = item_all(st, base, item);
    let keep: Vec<&str> = match fields {
        Some(f) => {
            let mut v: Vec<&str> = f
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            v.extend(["type", "id", "etag"]);
            v
        }
        None => match item.kind {
            Kind::File => FILE_STANDARD.to_vec(),
            Kind::Folder => FOLDER_STANDARD.to_vec(),
            Kind::WebLink => WEB_LINK_STANDARD.to_vec(),
        },
    };
    let map: Map<String, Value> = all
        .into_iter()
        .filter(|(k, _)| keep.contains(&k.as_str()))
        .collect();
    Value::Object(map)
}

/// An object in the representation a request asked for: with `fields`,
/// `type`, `id` and those fields; otherwise the keys of `standard`.
pub fn select_fields(v: Value, fields: Option<&str>, standard: &[&str]) -> Value {
    let keep: Vec<&str> = match fields {
        Some(f) => f
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .chain(["type", "id"])
            .collect(),
        None => standard.to_vec(),
    };
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| keep.contains(&k.as_str()))
                .collect(),
        ),
        other => other,
    }
}

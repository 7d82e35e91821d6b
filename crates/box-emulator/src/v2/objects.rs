//! JSON shapes of Box v2 objects (mini / standard / full) and `fields` selection.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::store::{wire_id, Item, Kind, State, User};

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

/// Mini item (file, folder or web link).
pub fn item_mini(item: &Item) -> Value {
    serde_json::to_value(MiniItem(item)).unwrap_or(Value::Null)
}

/// The mini representation of an item, serialized straight from the item
/// (no `Value` tree in between): listings write a thousand of these per
/// page. [`item_mini`] is this as a `Value`; keys come in the order a
/// `Value` object keeps them (sorted), so both serialize alike.
pub struct MiniItem<'a>(pub &'a Item);

impl serde::Serialize for MiniItem<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Version<'a>(u64, &'a str);
        impl serde::Serialize for Version<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("id", &self.0.to_string())?;
                m.serialize_entry("sha1", self.1)?;
                m.serialize_entry("type", "file_version")?;
                m.end()
            }
        }
        let item = self.0;
        let etag = (item.parent.is_some()).then(|| item.etag.to_string());
        let version = match item.kind {
            Kind::File => item.current(),
            _ => None,
        };
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("etag", &etag)?;
        if let Some(v) = version {
            m.serialize_entry("file_version", &Version(v.id, &v.sha1))?;
        }
        m.serialize_entry("id", &wire_id(item))?;
        m.serialize_entry("name", &item.name)?;
        m.serialize_entry("sequence_id", &etag)?;
        if let Some(v) = version {
            m.serialize_entry("sha1", &v.sha1)?;
        }
        m.serialize_entry("type", item.kind.as_str())?;
        if item.kind == Kind::WebLink {
            m.serialize_entry("url", &item.url)?;
        }
        m.end()
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
    item_fields(st, base, item, &|_| true)
}

/// The fields of an item that `want` accepts, each computed only when
/// wanted: a listing that asks for `name,size` does not build paths,
/// users, permissions or a folder's own first page for every entry.
fn item_fields(
    st: &State,
    base: &str,
    item: &Item,
    want: &dyn Fn(&str) -> bool,
) -> Map<String, Value> {
    let mut m = match item_mini(item) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    m.retain(|k, _| want(k));
    let root = item.parent.is_none();
    let tstamp = |t: &DateTime<Utc>| if root { Value::Null } else { json!(ts(t)) };
    let mut put = |key: &str, value: &dyn Fn() -> Value| {
        if want(key) {
            m.insert(key.into(), value());
        }
    };
    put("description", &|| json!(item.description));
    put("size", &|| json!(st.size_of(item.id)));
    put("path_collection", &|| {
        let path: Vec<Value> = st.ancestors(item.id).into_iter().map(item_mini).collect();
        json!({"total_count": path.len(), "entries": path})
    });
    put("created_at", &|| tstamp(&item.created_at));
    put("modified_at", &|| tstamp(&item.modified_at));
    put("content_created_at", &|| tstamp(&item.created_at));
    put("content_modified_at", &|| tstamp(&item.modified_at));
    put("trashed_at", &|| json!(item.trashed_at.as_ref().map(ts)));
    put("purged_at", &|| Value::Null);
    put("created_by", &|| user_mini(st, item.created_by));
    put("modified_by", &|| user_mini(st, item.modified_by));
    put("owned_by", &|| user_mini(st, item.owner));
    put("shared_link", &|| shared_link(base, item));
    put("parent", &|| {
        item.parent
            .and_then(|p| st.item(p))
            .map(item_mini)
            .unwrap_or(Value::Null)
    });
    put("item_status", &|| {
        json!(if st.in_trash(item.id) {
            "trashed"
        } else {
            "active"
        })
    });
    put("tags", &|| json!(item.tags));
    put("has_collaborations", &|| {
        json!(st.collabs.values().any(|c| c.item == item.id))
    });
    put("permissions", &|| {
        json!({"can_download": true, "can_upload": true, "can_rename": !root, "can_delete": !root,
               "can_share": true, "can_set_share_access": true, "can_preview": true,
               "can_comment": true, "can_invite_collaborator": true})
    });
    match item.kind {
        Kind::File => {
            put("extension", &|| {
                json!(item.name.rsplit_once('.').map(|(_, e)| e).unwrap_or(""))
            });
            put("version_number", &|| json!(item.versions.len().to_string()));
        }
        Kind::Folder => {
            put("folder_upload_email", &|| Value::Null);
            put("item_collection", &|| {
                // The folder's first page by name, from the name-ordered
                // index: the first 100 entries, not a sort of every child.
                let (total, ids) = st.children_by_name(item.id, false, 0);
                let entries: Vec<Value> = ids
                    .take(100)
                    .filter_map(|id| st.item(id))
                    .map(item_mini)
                    .collect();
                json!({"total_count": total, "entries": entries, "offset": 0, "limit": 100,
                       "order": [{"by": "type", "direction": "ASC"}, {"by": "name", "direction": "ASC"}]})
            });
            put("sync_state", &|| json!("not_synced"));
        }
        Kind::WebLink => {}
    }
    m
}

/// The item in the representation a request asked for: with `fields`, only
/// `type`, `id`, `etag` and those fields; otherwise the standard set.
pub fn item_json(st: &State, base: &str, item: &Item, fields: Option<&str>) -> Value {
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
    Value::Object(item_fields(st, base, item, &|k| keep.contains(&k)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::model::Version;

    fn item(id: u64, kind: Kind, parent: Option<u64>) -> Item {
        Item {
            id,
            kind,
            owner: 1,
            name: format!("n{id}"),
            parent,
            description: String::new(),
            tags: Vec::new(),
            created_at: Utc::now(),
            modified_at: Utc::now(),
            etag: 3,
            trashed_at: None,
            versions: Vec::new(),
            shared_link: None,
            created_by: 1,
            modified_by: 1,
            url: None,
        }
    }

    /// The mini shape listings write straight from items: each kind's keys
    /// and values, the root's null etag and "0" id, and the same text as
    /// the `Value` it stands for.
    #[test]
    fn mini_items_keep_their_shape() {
        let mut file = item(7, Kind::File, Some(2));
        file.versions.push(Version {
            id: 9,
            sha1: "ab".into(),
            size: 1,
            created_at: Utc::now(),
            modified_by: 1,
        });
        let mut link = item(8, Kind::WebLink, Some(2));
        link.url = Some("https://example.com/".into());
        let cases = [
            (
                file,
                json!({"type": "file", "id": "7", "etag": "3", "sequence_id": "3", "name": "n7",
                       "sha1": "ab", "file_version": {"type": "file_version", "id": "9", "sha1": "ab"}}),
            ),
            (
                item(2, Kind::Folder, Some(1)),
                json!({"type": "folder", "id": "2", "etag": "3", "sequence_id": "3", "name": "n2"}),
            ),
            (
                item(1, Kind::Folder, None),
                json!({"type": "folder", "id": "0", "etag": null, "sequence_id": null, "name": "n1"}),
            ),
            (
                link,
                json!({"type": "web_link", "id": "8", "etag": "3", "sequence_id": "3", "name": "n8",
                       "url": "https://example.com/"}),
            ),
            (
                item(5, Kind::File, Some(2)),
                json!({"type": "file", "id": "5", "etag": "3", "sequence_id": "3", "name": "n5"}),
            ),
        ];
        for (item, want) in cases {
            assert_eq!(item_mini(&item), want);
            assert_eq!(
                serde_json::to_string(&MiniItem(&item)).unwrap(),
                serde_json::to_string(&want).unwrap()
            );
        }
    }
}

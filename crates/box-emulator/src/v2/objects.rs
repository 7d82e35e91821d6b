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

/// Standard user: Box's default fields.
pub fn user_full(st: &State, u: &User) -> Value {
    let used = st.size_of(u.root_id);
    let a = &u.account;
    let or = |v: &str, d: &'static str| {
        if v.is_empty() {
            d.to_string()
        } else {
            v.to_string()
        }
    };
    json!({
        "type": "user", "id": u.id.to_string(), "name": u.name, "login": u.login,
        "created_at": ts(&u.created_at),
        "modified_at": ts(a.modified_at.as_ref().unwrap_or(&u.created_at)),
        "language": or(&a.language, "en"), "timezone": or(&a.timezone, "UTC"),
        "space_amount": a.space_amount.unwrap_or(999_999_999_999_999),
        "space_used": used, "max_upload_size": 53_687_091_200u64,
        "status": or(&a.status, "active"),
        "job_title": a.job_title, "phone": a.phone, "address": a.address, "avatar_url": "",
        "notification_email": null,
    })
}

/// Every field of a user (`User--Full`): the standard ones plus the
/// enterprise's (`role`, `enterprise`, `is_platform_access_only`…), which
/// Box returns only when asked for with `fields`.
pub fn user_all_fields(st: &State, u: &User) -> Value {
    let mut v = user_full(st, u);
    let a = &u.account;
    let enterprise = if a.external {
        Value::Null
    } else {
        json!({"type": "enterprise", "id": crate::store::enterprise::ENTERPRISE_ID,
               "name": crate::store::enterprise::ENTERPRISE_NAME})
    };
    if let Value::Object(m) = &mut v {
        for (k, x) in [
            ("role", json!(a.role.as_str())),
            ("enterprise", enterprise),
            ("is_platform_access_only", json!(a.app_user)),
            ("tracking_codes", json!([])),
            ("can_see_managed_users", json!(!a.external)),
            ("is_sync_enabled", json!(true)),
            ("is_external_collab_restricted", json!(false)),
            ("is_exempt_from_device_limits", json!(false)),
            ("is_exempt_from_login_verification", json!(false)),
            ("my_tags", json!([])),
            ("hostname", json!("https://app.box.com/")),
        ] {
            m.insert(k.into(), x);
        }
        if let Some(x) = &a.external_app_user_id {
            m.insert("external_app_user_id".into(), json!(x));
        }
    }
    v
}

/// A user with Box's default fields, or (with `fields`) the asked-for
/// fields of every field, plus `type` and `id`.
pub fn user_with_fields(st: &State, u: &User, fields: Option<&str>) -> Value {
    let Some(f) = fields else {
        return user_full(st, u);
    };
    let keep: Vec<&str> = f.split(',').map(str::trim).chain(["type", "id"]).collect();
    match user_all_fields(st, u) {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| keep.contains(&k.as_str()))
                .collect(),
        ),
        other => other,
    }
}

/// Mini group (`Group--Mini`).
pub fn group_mini(st: &State, id: u64) -> Value {
    match st.groups.get(&id) {
        Some(g) => json!({"type": "group", "id": g.id.to_string(), "name": g.name,
                          "group_type": "managed_group"}),
        None => Value::Null,
    }
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
    match serde_json::to_value(ItemFields {
        st,
        base,
        item,
        keys: KeySet::all(),
    }) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Every key an item may have, in the order a JSON object value keeps them
/// (sorted), so that [`ItemFields`] written straight and as a `Value`
/// read alike.
const ITEM_KEYS: &[&str] = &[
    "content_created_at",
    "content_modified_at",
    "created_at",
    "created_by",
    "description",
    "etag",
    "extension",
    "file_version",
    "folder_upload_email",
    "has_collaborations",
    "id",
    "item_collection",
    "item_status",
    "modified_at",
    "modified_by",
    "name",
    "owned_by",
    "parent",
    "path_collection",
    "permissions",
    "purged_at",
    "sequence_id",
    "sha1",
    "shared_link",
    "size",
    "sync_state",
    "tags",
    "trashed_at",
    "type",
    "url",
    "version_number",
];

/// A set of `ITEM_KEYS`, one bit each.
#[derive(Debug, Clone, Copy)]
pub struct KeySet(u64);

impl KeySet {
    /// Every key.
    pub fn all() -> Self {
        Self(u64::MAX)
    }

    /// The keys named (names that are not item keys are left out).
    pub fn of<'k>(names: impl IntoIterator<Item = &'k str>) -> Self {
        Self(
            names
                .into_iter()
                .filter_map(|n| ITEM_KEYS.binary_search(&n).ok())
                .fold(0, |bits, i| bits | 1 << i),
        )
    }

    fn has(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }
}

/// The fields of an item in `keys`, serialized straight from the
/// store: each is computed only when wanted (a listing that asks for
/// `name,size` does not build paths, users or a folder's own first page
/// for every entry), and items, users and paths are written without a
/// `serde_json::Value` tree in between (a 1000-entry page with the
/// fields a `Storage` listing asks for built and dropped ~130 small
/// allocations per entry).
pub struct ItemFields<'a> {
    /// The state the item is in.
    pub st: &'a State,
    /// The emulator's base URL (for shared links).
    pub base: &'a str,
    /// The item.
    pub item: &'a Item,
    /// Which keys to write.
    pub keys: KeySet,
}

/// One field's value, in the form cheapest to write.
enum FieldValue<'a> {
    Value(Value),
    Str(&'a str),
    Mini(MiniItem<'a>),
    Path(Vec<&'a Item>),
    User(Option<&'a User>),
    Version(u64, &'a str),
    Permissions { root: bool },
}

impl serde::Serialize for FieldValue<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            FieldValue::Value(v) => v.serialize(s),
            FieldValue::Str(v) => s.serialize_str(v),
            FieldValue::Mini(m) => m.serialize(s),
            FieldValue::Path(items) => {
                let mut m = s.serialize_map(Some(2))?;
                let entries: Vec<MiniItem<'_>> = items.iter().map(|i| MiniItem(i)).collect();
                m.serialize_entry("entries", &entries)?;
                m.serialize_entry("total_count", &items.len())?;
                m.end()
            }
            FieldValue::User(None) => s.serialize_unit(),
            FieldValue::User(Some(u)) => {
                let mut m = s.serialize_map(Some(4))?;
                m.serialize_entry("id", &u.id.to_string())?;
                m.serialize_entry("login", &u.login)?;
                m.serialize_entry("name", &u.name)?;
                m.serialize_entry("type", "user")?;
                m.end()
            }
            FieldValue::Version(id, sha1) => {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("id", &id.to_string())?;
                m.serialize_entry("sha1", sha1)?;
                m.serialize_entry("type", "file_version")?;
                m.end()
            }
            FieldValue::Permissions { root } => {
                let mut m = s.serialize_map(Some(9))?;
                m.serialize_entry("can_comment", &true)?;
                m.serialize_entry("can_delete", &!root)?;
                m.serialize_entry("can_download", &true)?;
                m.serialize_entry("can_invite_collaborator", &true)?;
                m.serialize_entry("can_preview", &true)?;
                m.serialize_entry("can_rename", &!root)?;
                m.serialize_entry("can_set_share_access", &true)?;
                m.serialize_entry("can_share", &true)?;
                m.serialize_entry("can_upload", &true)?;
                m.end()
            }
        }
    }
}

impl<'a> ItemFields<'a> {
    /// The value of `key` for this item, or `None` where the item's kind
    /// has no such field.
    fn field(&self, key: &str) -> Option<FieldValue<'a>> {
        let (st, item) = (self.st, self.item);
        let root = item.parent.is_none();
        let tstamp =
            |t: &DateTime<Utc>| FieldValue::Value(if root { Value::Null } else { json!(ts(t)) });
        let etag = || {
            FieldValue::Value(if root {
                Value::Null
            } else {
                json!(item.etag.to_string())
            })
        };
        let version = match item.kind {
            Kind::File => item.current(),
            _ => None,
        };
        let user = |id: u64| FieldValue::User(st.users.get(&id));
        Some(match key {
            "type" => FieldValue::Str(item.kind.as_str()),
            "id" => FieldValue::Value(json!(wire_id(item))),
            "etag" | "sequence_id" => etag(),
            "name" => FieldValue::Str(&item.name),
            "file_version" => version.map(|v| FieldValue::Version(v.id, &v.sha1))?,
            "sha1" => version.map(|v| FieldValue::Str(&v.sha1))?,
            "url" if item.kind == Kind::WebLink => FieldValue::Value(json!(item.url)),
            "description" => FieldValue::Str(&item.description),
            "size" => FieldValue::Value(json!(st.size_of(item.id))),
            "path_collection" => FieldValue::Path(st.ancestors(item.id)),
            "created_at" | "content_created_at" => tstamp(&item.created_at),
            "modified_at" | "content_modified_at" => tstamp(&item.modified_at),
            "trashed_at" => FieldValue::Value(json!(item.trashed_at.as_ref().map(ts))),
            "purged_at" => FieldValue::Value(Value::Null),
            "created_by" => user(item.created_by),
            "modified_by" => user(item.modified_by),
            "owned_by" => user(item.owner),
            "shared_link" => FieldValue::Value(shared_link(self.base, item)),
            "parent" => match item.parent.and_then(|p| st.item(p)) {
                Some(p) => FieldValue::Mini(MiniItem(p)),
                None => FieldValue::Value(Value::Null),
            },
            "item_status" => FieldValue::Str(if st.in_trash(item.id) {
                "trashed"
            } else {
                "active"
            }),
            "tags" => FieldValue::Value(json!(item.tags)),
            "has_collaborations" => {
                FieldValue::Value(json!(st.collabs.values().any(|c| c.item == item.id)))
            }
            "permissions" => FieldValue::Permissions { root },
            "extension" if item.kind == Kind::File => {
                FieldValue::Str(item.name.rsplit_once('.').map(|(_, e)| e).unwrap_or(""))
            }
            "version_number" if item.kind == Kind::File => {
                FieldValue::Value(json!(item.versions.len().to_string()))
            }
            "folder_upload_email" if item.kind == Kind::Folder => FieldValue::Value(Value::Null),
            "item_collection" if item.kind == Kind::Folder => {
                // The folder's first page by name, from the name-ordered
                // index: the first 100 entries, not a sort of every child.
                let (total, ids) = st.children_by_name(item.id, false, 0);
                let entries: Vec<Value> = ids
                    .take(100)
                    .filter_map(|id| st.item(id))
                    .map(item_mini)
                    .collect();
                FieldValue::Value(
                    json!({"total_count": total, "entries": entries, "offset": 0, "limit": 100,
                       "order": [{"by": "type", "direction": "ASC"}, {"by": "name", "direction": "ASC"}]}),
                )
            }
            "sync_state" if item.kind == Kind::Folder => FieldValue::Str("not_synced"),
            _ => return None,
        })
    }
}

impl serde::Serialize for ItemFields<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        for (i, key) in ITEM_KEYS.iter().enumerate() {
            if !self.keys.has(i) {
                continue;
            }
            if let Some(v) = self.field(key) {
                m.serialize_entry(key, &v)?;
            }
        }
        m.end()
    }
}

/// The keys an item is shown with: with `fields`, `type`, `id`, `etag`
/// and those fields; otherwise the standard set of its kind.
pub fn wanted_keys(kind: Kind, fields: Option<&str>) -> KeySet {
    match fields {
        Some(f) => KeySet::of(f.split(',').map(str::trim).chain(["type", "id", "etag"])),
        None => KeySet::of(
            match kind {
                Kind::File => FILE_STANDARD,
                Kind::Folder => FOLDER_STANDARD,
                Kind::WebLink => WEB_LINK_STANDARD,
            }
            .iter()
            .copied(),
        ),
    }
}

/// The item in the representation a request asked for: with `fields`, only
/// `type`, `id`, `etag` and those fields; otherwise the standard set.
pub fn item_json(st: &State, base: &str, item: &Item, fields: Option<&str>) -> Value {
    serde_json::to_value(ItemFields {
        st,
        base,
        item,
        keys: wanted_keys(item.kind, fields),
    })
    .unwrap_or(Value::Null)
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

    /// The keys written straight from items: sorted (as a JSON object
    /// value keeps them), each standard representation exactly its list,
    /// `fields` picks only what it names (plus type, id, etag), unknown
    /// names are ignored, and every field has its value.
    #[test]
    fn item_fields_write_the_keys_asked_for() {
        assert!(ITEM_KEYS.windows(2).all(|w| w[0] < w[1]));
        let mut st = State::default();
        st.users.insert(
            1,
            User {
                id: 1,
                name: "U".into(),
                login: "u@example.com".into(),
                root_id: 1,
                created_at: Utc::now(),
                account: Default::default(),
            },
        );
        let mut file = item(7, Kind::File, Some(2));
        file.name = "a.txt".into();
        file.versions.push(Version {
            id: 9,
            sha1: "ab".into(),
            size: 5,
            created_at: Utc::now(),
            modified_by: 1,
        });
        st.items.insert(1, item(1, Kind::Folder, None));
        st.items.insert(2, item(2, Kind::Folder, Some(1)));
        st.items.insert(7, file.clone());
        let keys = |v: &Value| -> Vec<String> {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        let sorted = |l: &[&str]| -> Vec<String> {
            let mut k: Vec<String> = l.iter().map(|s| s.to_string()).collect();
            k.sort();
            k
        };
        let f = item_json(&st, "http://x", &file, None);
        assert_eq!(keys(&f), sorted(FILE_STANDARD));
        let folder = st.items[&2].clone();
        assert_eq!(
            keys(&item_json(&st, "http://x", &folder, None)),
            sorted(FOLDER_STANDARD)
        );
        let some = item_json(&st, "http://x", &file, Some("name, size,bogus,owned_by"));
        assert_eq!(
            some,
            json!({"type": "file", "id": "7", "etag": "3", "name": "a.txt", "size": 5,
                   "owned_by": {"type": "user", "id": "1", "name": "U", "login": "u@example.com"}})
        );
        assert_eq!(f["path_collection"]["total_count"], 2);
        assert_eq!(f["path_collection"]["entries"][0]["id"], "0");
        assert_eq!(f["path_collection"]["entries"][1]["id"], "2");
        assert_eq!(f["parent"]["id"], "2");
        assert_eq!(f["item_status"], "active");
        assert_eq!(f["file_version"]["id"], "9");
        let all = item_all(&st, "http://x", &file);
        assert_eq!(all["extension"], "txt");
        assert_eq!(all["version_number"], "1");
        assert_eq!(all["permissions"]["can_rename"], true);
        assert_eq!(all["permissions"].as_object().unwrap().len(), 9);
        assert!(!all.contains_key("item_collection"));
        assert!(!all.contains_key("url"));
    }
}

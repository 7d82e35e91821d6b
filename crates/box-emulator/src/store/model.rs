//! The records the store keeps: users, items (files and folders with their
//! versions), collaborations, events, tokens and registered apps.
//!
//! Every record is plain data with serde derives so the SQLite backend can
//! persist it as one JSON row.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A user of the emulated Box account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// Store-wide numeric id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Login (an email address).
    pub login: String,
    /// Internal id of the user's root folder (shown as `"0"` on the wire).
    pub root_id: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Enterprise role and profile ([`super::enterprise`]); rows written
    /// before enterprises read as a managed user with an empty profile.
    #[serde(flatten)]
    pub account: super::enterprise::Account,
}

/// Whether an item is a file, a folder or a web link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A file with versions.
    File,
    /// A folder.
    Folder,
    /// A web link (a bookmark): a URL with a name, in a folder, with no
    /// contents and no children ([`Item::url`]).
    #[serde(rename = "web_link")]
    WebLink,
}

impl Kind {
    /// The Box `type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Folder => "folder",
            Kind::WebLink => "web_link",
        }
    }

    /// Position in Box's listing order by type: folders, files, web links.
    pub fn rank(self) -> u8 {
        match self {
            Kind::Folder => 0,
            Kind::File => 1,
            Kind::WebLink => 2,
        }
    }
}

/// One version of a file's contents (the contents live in the blob store).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    /// Store-wide numeric id.
    pub id: u64,
    /// Lower-case hex SHA-1 of the contents, also the blob key.
    pub sha1: String,
    /// Size in bytes.
    pub size: u64,
    /// When this version was uploaded.
    pub created_at: DateTime<Utc>,
    /// Who uploaded it.
    pub modified_by: u64,
}

/// A shared link on an item. Its `Debug` leaves out the password and the
/// token (which alone opens an `open` link), so items can be logged.
#[derive(Clone, Serialize, Deserialize)]
pub struct SharedLink {
    /// The random part of the link URL.
    pub token: String,
    /// `open`, `company` or `collaborators`.
    pub access: String,
    /// Optional password (stored as given: this is an emulator).
    pub password: Option<String>,
    /// Whether downloads are allowed.
    pub can_download: bool,
    /// Expiry time, if any.
    pub unshared_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for SharedLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedLink")
            .field("access", &self.access)
            .field("has_password", &self.password.is_some())
            .field("can_download", &self.can_download)
            .field("unshared_at", &self.unshared_at)
            .finish_non_exhaustive()
    }
}

/// A file or a folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item {
    /// Store-wide numeric id.
    pub id: u64,
    /// File or folder.
    pub kind: Kind,
    /// The user owning the tree this item is in.
    pub owner: u64,
    /// Name (root folders are named "All Files").
    pub name: String,
    /// Parent folder; `None` only for root folders.
    pub parent: Option<u64>,
    /// Free-text description.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last modification time.
    pub modified_at: DateTime<Utc>,
    /// Etag / sequence id, bumped on every change.
    pub etag: u64,
    /// Set when the item itself was moved to the trash.
    pub trashed_at: Option<DateTime<Utc>>,
    /// File versions, oldest first; the last one is current. Empty for folders.
    /// Persisted as one row per version (see [`ItemRow`]), so adding a
    /// version writes one small row, not the whole history again.
    #[serde(default)]
    pub versions: Vec<Version>,
    /// Shared link, if any.
    pub shared_link: Option<SharedLink>,
    /// Creator.
    pub created_by: u64,
    /// Last modifier.
    pub modified_by: u64,
    /// The URL of a web link (`None` for files and folders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Item {
    /// The current version of a file.
    pub fn current(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// Size of a file's current version (0 for folders).
    pub fn file_size(&self) -> u64 {
        self.current().map_or(0, |v| v.size)
    }

    /// A copy of the item as it is now with only its current version, for
    /// an event: its size does not grow with the file's history.
    pub fn snapshot(&self) -> Item {
        let Item {
            id,
            kind,
            owner,
            name,
            parent,
            description,
            tags,
            created_at,
            modified_at,
            etag,
            trashed_at,
            versions,
            shared_link,
            created_by,
            modified_by,
            url,
        } = self;
        Item {
            id: *id,
            kind: *kind,
            owner: *owner,
            name: name.clone(),
            parent: *parent,
            description: description.clone(),
            tags: tags.clone(),
            created_at: *created_at,
            modified_at: *modified_at,
            etag: *etag,
            trashed_at: *trashed_at,
            versions: versions.last().cloned().into_iter().collect(),
            shared_link: shared_link.clone(),
            created_by: *created_by,
            modified_by: *modified_by,
            url: url.clone(),
        }
    }
}

/// The persisted row of an [`Item`]: every field but the versions, which
/// are rows of their own ([`VersionRow`]). Reads back as an `Item` with no
/// versions; the store then adds them from their rows.
#[derive(Serialize)]
pub struct ItemRow<'a> {
    id: u64,
    kind: Kind,
    owner: u64,
    name: &'a str,
    parent: Option<u64>,
    description: &'a str,
    tags: &'a [String],
    created_at: DateTime<Utc>,
    modified_at: DateTime<Utc>,
    etag: u64,
    trashed_at: Option<DateTime<Utc>>,
    shared_link: &'a Option<SharedLink>,
    created_by: u64,
    modified_by: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: &'a Option<String>,
}

impl<'a> From<&'a Item> for ItemRow<'a> {
    fn from(item: &'a Item) -> Self {
        // Destructured in full: a field added to `Item` fails to compile
        // here until it is persisted too.
        let Item {
            id,
            kind,
            owner,
            name,
            parent,
            description,
            tags,
            created_at,
            modified_at,
            etag,
            trashed_at,
            versions: _,
            shared_link,
            created_by,
            modified_by,
            url,
        } = item;
        ItemRow {
            id: *id,
            kind: *kind,
            owner: *owner,
            name,
            parent: *parent,
            description,
            tags,
            created_at: *created_at,
            modified_at: *modified_at,
            etag: *etag,
            trashed_at: *trashed_at,
            shared_link,
            created_by: *created_by,
            modified_by: *modified_by,
            url,
        }
    }
}

/// The persisted row of one file version, keyed `"<file id>/<version id>"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionRow {
    /// The file it is a version of.
    pub file: u64,
    /// The version.
    #[serde(flatten)]
    pub version: Version,
}

/// A collaboration: `user` may access `item` (and everything below it) with `role`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Collaboration {
    /// Store-wide numeric id.
    pub id: u64,
    /// The shared item.
    pub item: u64,
    /// The collaborator.
    pub user: u64,
    /// Box role name (`editor`, `viewer`, ...).
    pub role: String,
    /// Who created it.
    pub created_by: u64,
    /// When.
    pub created_at: DateTime<Utc>,
    /// `accepted`, `pending` or `rejected`; only an accepted collaboration
    /// gives access (rows written before this field read as accepted).
    #[serde(default = "accepted")]
    pub status: CollabStatus,
    /// Last change (role or status), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<DateTime<Utc>>,
    /// A group collaboration: every member of this group may access the
    /// item (`user` is then 0, no user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<u64>,
    /// A pending invitation of a login that was not a user yet (`user` is
    /// 0 until a user with that login is created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_email: Option<String>,
}

fn accepted() -> CollabStatus {
    CollabStatus::Accepted
}

/// The state of a collaboration invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CollabStatus {
    /// In force: the collaborator has access.
    Accepted,
    /// Waiting for the collaborator to accept; no access yet.
    Pending,
    /// Turned down by the collaborator; no access.
    Rejected,
}

impl CollabStatus {
    /// Box's `status` string.
    pub fn as_str(self) -> &'static str {
        match self {
            CollabStatus::Accepted => "accepted",
            CollabStatus::Pending => "pending",
            CollabStatus::Rejected => "rejected",
        }
    }
}

/// An entry of the event stream.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// Position in the stream (store-wide, increasing).
    pub seq: u64,
    /// The user whose stream this is.
    pub user: u64,
    /// Box event type (`ITEM_CREATE`, `ITEM_UPLOAD`, ...).
    pub event_type: String,
    /// Snapshot of the source item at the time, with only its current
    /// version ([`Item::snapshot`]).
    pub item: Item,
    /// The file's number of versions at the time (its `version_number`);
    /// the snapshot itself keeps only the current version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_number: Option<u64>,
    /// Who caused it.
    pub created_by: u64,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The source when it is not the item itself (a comment, a task…),
    /// as it was when the event happened; `item` is then the file it is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<EventSource>,
}

/// The source of an event that is not a file or folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "record")]
pub enum EventSource {
    /// A comment (`COMMENT_CREATE`, `COMMENT_EDIT`, `COMMENT_DELETE`).
    Comment(Comment),
    /// A task (`TASK_CREATE`, `TASK_UPDATE`).
    Task(super::tasks::Task),
    /// A task assignment (`TASK_ASSIGNMENT_*`).
    TaskAssignment(super::tasks::TaskAssignment),
}

/// What a token string grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Bearer access token.
    Access,
    /// Single-use refresh token.
    Refresh,
    /// Single-use authorization code.
    AuthCode,
}

/// A token, refresh token or authorization code.
#[derive(Clone, Serialize, Deserialize)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// The user it acts as.
    pub user: u64,
    /// The app it was issued to (empty for developer tokens).
    pub client_id: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Redirect URI an authorization code was issued for.
    pub redirect_uri: Option<String>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("kind", &self.kind)
            .field("user", &self.user)
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A registered OAuth app.
#[derive(Clone, Serialize, Deserialize)]
pub struct App {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// Allowed redirect URIs (empty: any).
    pub redirect_uris: Vec<String>,
    /// PEM public key (SPKI or PKCS#1) for JWT assertions.
    pub public_key_pem: Option<String>,
    /// The user the authorize page approves as.
    pub authorize_user: u64,
    /// The app's service account (subject of enterprise-level grants).
    pub service_user: u64,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("client_id", &self.client_id)
            .field("redirect_uris", &self.redirect_uris)
            .field("authorize_user", &self.authorize_user)
            .field("service_user", &self.service_user)
            .finish_non_exhaustive()
    }
}

/// A comment on a file or folder (v1 `add_comment`, v2 `POST /comments`).
/// Hidden while the item is in the trash, removed with it when the item is
/// purged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comment {
    /// Store-wide numeric id.
    pub id: u64,
    /// The item commented on.
    pub item: u64,
    /// Who wrote it.
    pub author: u64,
    /// The text (for a tagged message, with mentions as `@name`).
    pub message: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The comment this one replies to (always a top-level comment).
    #[serde(default)]
    pub reply_to: Option<u64>,
    /// The text with `@[user_id:name]` mentions, when given so.
    #[serde(default)]
    pub tagged_message: Option<String>,
    /// Last edit (v2 `PUT /comments/{id}`).
    #[serde(default)]
    pub modified_at: Option<DateTime<Utc>>,
}

/// An entry of a user's friend list (v1 `request_friends`). Whether it is
/// accepted is not stored: it is whether the e-mail belongs to a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Friend {
    /// Store-wide numeric id.
    pub id: u64,
    /// The user whose list this entry is in.
    pub user: u64,
    /// The invited e-mail (as given).
    pub email: String,
    /// Whether the inviter asked to subscribe to the friend's public boxes.
    pub auto_subscribe: bool,
    /// When the invitation was made.
    pub created_at: DateTime<Utc>,
}

/// A private share for an e-mail that is not a user yet (v1
/// `private_share`); it becomes a collaboration when a user with that login
/// is created.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invitation {
    /// Store-wide numeric id.
    pub id: u64,
    /// The shared item.
    pub item: u64,
    /// The invited e-mail (as given).
    pub email: String,
    /// The role the collaboration will have.
    pub role: String,
    /// Who shared.
    pub created_by: u64,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A salted, iterated SHA-256 password hash (v1 registration and
/// `authorization`). The password itself is never stored.
#[derive(Clone, Serialize, Deserialize)]
pub struct PasswordHash {
    /// Random salt, hex.
    pub salt: String,
    /// Number of SHA-256 rounds.
    pub rounds: u32,
    /// The final digest, hex.
    pub hash: String,
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHash")
            .field("rounds", &self.rounds)
            .finish_non_exhaustive()
    }
}

/// The wire id of an item (`"0"` for root folders).
pub fn wire_id(item: &Item) -> String {
    if item.parent.is_none() {
        "0".into()
    } else {
        item.id.to_string()
    }
}

/// Sorts folder entries by type (folders, files, web links), then by `by`.
pub fn sort_items(items: &mut [&Item], by: &str, desc: bool) {
    if !matches!(by, "id" | "date" | "size") {
        // By name: each name is case-folded once, not twice per comparison
        // (a 100,000-item folder made 3.4 million String allocations a sort).
        // `sort_by_cached_key` is stable, like the comparison sort below.
        if desc {
            items.sort_by_cached_key(|i| (i.kind.rank(), std::cmp::Reverse(i.name.to_lowercase())));
        } else {
            items.sort_by_cached_key(|i| (i.kind.rank(), i.name.to_lowercase()));
        }
        return;
    }
    items.sort_by(|a, b| {
        let kind = a.kind.rank().cmp(&b.kind.rank());
        let second = match by {
            "id" => a.id.cmp(&b.id),
            "date" => a.modified_at.cmp(&b.modified_at),
            _ => a.file_size().cmp(&b.file_size()),
        };
        kind.then(if desc { second.reverse() } else { second })
    });
}

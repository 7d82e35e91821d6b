//! Conversions from the generated models ([`crate::schemas`]) to box-core's
//! domain types, for the resources both APIs share: collaborations, comments
//! and events.
//!
//! Box leaves fields out in documented cases, and the conversions keep those
//! cases apart instead of failing or guessing:
//! - a pending collaboration has `item: null` and `accessible_by: null`;
//! - a collaboration read with `fields` carries only the fields asked for;
//! - a group collaborator is a [`Collaborator::Group`], never a user;
//! - the entries of `GET /files/{id}/comments` carry no `item`;
//! - user events (`NEW_USER`…) have a user as their `source`.

use box_core::{
    Collaboration, CollaborationRole, CollaborationStatus, Collaborator, Comment, Error, Event,
    EventSource, EventType, GroupRef, ItemId, Result, UserRef,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::generated::models as m;

/// A value of one serde enum as another that spells its values the same way
/// (event types: both use Box's `ITEM_UPLOAD` spelling and keep unknown values
/// as `Other(String)`, so this only fails on a value neither can hold).
fn same_spelling<T: Serialize, U: DeserializeOwned>(t: &T) -> Option<U> {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
}

/// A generated file, folder or web link as a box-core item, through the
/// hand-built item model (which owns the item conversion rules).
fn core_item<T: Serialize>(t: &T) -> Option<box_core::Item> {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| serde_json::from_value::<crate::models::Item>(v).ok())
        .and_then(crate::models::Item::into_core)
}

fn user_ref(id: &box_core::UserId, name: &Option<String>, login: &Option<String>) -> UserRef {
    let mut u = UserRef::new(id.clone());
    u.name = name.clone();
    u.login = login.clone();
    u
}

impl From<&m::UserMini> for UserRef {
    fn from(u: &m::UserMini) -> Self {
        user_ref(&u.id, &u.name, &u.login)
    }
}

impl From<&m::UserCollaborations> for UserRef {
    fn from(u: &m::UserCollaborations) -> Self {
        user_ref(&u.id, &u.name, &u.login)
    }
}

impl From<&m::GroupMini> for GroupRef {
    fn from(g: &m::GroupMini) -> Self {
        let mut r = GroupRef::new(g.id.clone());
        r.name = g.name.clone();
        r
    }
}

impl From<m::Collaboration> for Collaboration {
    fn from(c: m::Collaboration) -> Self {
        let mut out = Collaboration::with_id(c.id);
        out.item = c.item.and_then(|i| match i {
            m::CollaborationItem::File(f) => Some(ItemId::File(f.id)),
            m::CollaborationItem::Folder(f) => Some(ItemId::Folder(f.id)),
            m::CollaborationItem::WebLink(w) => Some(ItemId::WebLink(w.id)),
            _ => None,
        });
        out.accessible_by = c.accessible_by.and_then(|a| match a {
            m::CollaborationAccessGrantee::UserCollaborations(u) => {
                Some(Collaborator::User((&u).into()))
            }
            m::CollaborationAccessGrantee::GroupMini(g) => Some(Collaborator::Group((&g).into())),
            _ => None,
        });
        out.role = c.role.map(role);
        out.status = c.status.map(status);
        out.created_at = c.created_at;
        out
    }
}

/// Box spells roles `co-owner`, `viewer uploader`…; box-core names them.
fn role(r: m::CollaborationRole) -> CollaborationRole {
    use m::CollaborationRole as R;
    match r {
        R::Editor => CollaborationRole::Editor,
        R::Viewer => CollaborationRole::Viewer,
        R::Previewer => CollaborationRole::Previewer,
        R::Uploader => CollaborationRole::Uploader,
        R::PreviewerUploader => CollaborationRole::PreviewerUploader,
        R::ViewerUploader => CollaborationRole::ViewerUploader,
        R::CoOwner => CollaborationRole::CoOwner,
        R::Owner => CollaborationRole::Owner,
        R::Other(s) => CollaborationRole::Other(s),
    }
}

fn status(s: m::CollaborationStatus) -> CollaborationStatus {
    use m::CollaborationStatus as S;
    match s {
        S::Accepted => CollaborationStatus::Accepted,
        S::Pending => CollaborationStatus::Pending,
        S::Rejected => CollaborationStatus::Rejected,
        S::Other(s) => CollaborationStatus::Other(s),
    }
}

/// The item a comment is on, when reported with a known type.
fn comment_item(i: &m::CommentItem) -> Option<ItemId> {
    let id = i.id.clone()?;
    match i.type_.as_deref()? {
        "file" => Some(ItemId::File(id.into())),
        "folder" => Some(ItemId::Folder(id.into())),
        "web_link" => Some(ItemId::WebLink(id.into())),
        _ => None,
    }
}

macro_rules! comment_from {
    ($t:ty) => {
        impl TryFrom<$t> for Comment {
            type Error = Error;

            /// Fails only when the comment has no `id`; a comment without a
            /// `message` (not asked for in `fields`) gets an empty one.
            fn try_from(c: $t) -> Result<Self> {
                let id =
                    c.id.ok_or_else(|| Error::decode("Comment", "id", "missing field `id`"))?;
                let mut out = Comment::without_item(id, c.message.unwrap_or_default());
                out.item = c.item.as_ref().and_then(comment_item);
                out.created_by = c.created_by.as_ref().map(UserRef::from);
                out.created_at = c.created_at;
                Ok(out)
            }
        }
    };
}
comment_from!(m::Comment);
comment_from!(m::CommentFull);

impl TryFrom<m::Event> for Event {
    type Error = Error;

    /// Fails only when the event has no `event_id` (it is what duplicates are
    /// dropped by). A source of a kind box-core has no type for (an app item,
    /// a generic source) is left out.
    fn try_from(e: m::Event) -> Result<Self> {
        let id = e
            .event_id
            .ok_or_else(|| Error::decode("Event", "event_id", "missing field `event_id`"))?;
        let event_type = e
            .event_type
            .as_ref()
            .and_then(same_spelling)
            .unwrap_or_else(|| EventType::Other(String::new()));
        let mut out = Event::new(id, event_type);
        out.created_at = e.created_at;
        out.created_by = e.created_by.as_ref().map(UserRef::from);
        out.source = e.source.and_then(|s| match s {
            m::EventSourceResource::User(u) => {
                Some(EventSource::User(user_ref(&u.id, &u.name, &u.login)))
            }
            m::EventSourceResource::File(f) => core_item(&f).map(EventSource::Item),
            m::EventSourceResource::Folder(f) => core_item(&f).map(EventSource::Item),
            _ => None,
        });
        Ok(out)
    }
}

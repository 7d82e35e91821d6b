//! v1 comments: `get_comments`, `add_comment`, `delete_comment` over the
//! store's comments ([`crate::store::comments`]).
//!
//! v1 as published has no comment actions; the XML follows the box-v1
//! client's design: `<comments><comment><comment_id/><message/><user_id/>
//! <user_name/><created/></comment>…</comments>`.

use axum::response::Response;

use super::xml::{esc, response, Call};
use super::{status_only, target_kind, ts, xml_reply};
use crate::state::Shared;
use crate::store::{Comment, State as St, StoreError};

fn comment_xml(st: &St, c: &Comment) -> String {
    let name = st.users.get(&c.author).map_or("", |u| u.login.as_str());
    format!(
        "<comment><comment_id>{}</comment_id><message>{}</message><user_id>{}</user_id>\
         <user_name>{}</user_name><created>{}</created></comment>",
        c.id,
        esc(&c.message),
        c.author,
        esc(name),
        ts(&c.created_at)
    )
}

/// `get_comments` (`target`, `target_id`): `get_comments_ok` with the
/// comments oldest first; `e_get_comments` for a bad target or an item the
/// caller cannot see (or in the trash).
pub fn get_comments(shared: &Shared, user: u64, call: &Call) -> Response {
    let Some(kind) = target_kind(call) else {
        return status_only("e_get_comments");
    };
    let inner = shared.store.read(|st| {
        let list = st.comments_on(user, call.get("target_id"), kind).ok()?;
        let mut s = String::from("<comments>");
        for c in list {
            s.push_str(&comment_xml(st, c));
        }
        s.push_str("</comments>");
        Some(s)
    });
    match inner {
        Some(i) => xml_reply(response("get_comments_ok", &i)),
        None => status_only("e_get_comments"),
    }
}

/// `add_comment` (`target`, `target_id`, `message`): `add_comment_ok` with
/// the new `<comment>`; `e_add_comment` for a bad target, an invisible item
/// or an empty message.
pub fn add_comment(shared: &Shared, user: u64, call: &Call) -> Response {
    let Some(kind) = target_kind(call) else {
        return status_only("e_add_comment");
    };
    let res = shared
        .store
        .write(|tx| tx.add_comment(user, call.get("target_id"), kind, call.get("message")));
    let Ok(id) = res else {
        return status_only("e_add_comment");
    };
    let inner = shared
        .store
        .read(|st| st.comments.get(&id).map(|c| comment_xml(st, c)));
    match inner {
        Some(c) => xml_reply(response("add_comment_ok", &c)),
        None => status_only("e_add_comment"),
    }
}

/// `delete_comment` (`target_id` = the comment's id): `delete_comment_ok`;
/// `e_comment_id` when there is no such comment the caller can see,
/// `e_delete_comment` when it is neither theirs nor on their item.
pub fn delete_comment(shared: &Shared, user: u64, call: &Call) -> Response {
    match shared
        .store
        .write(|tx| tx.delete_comment(user, call.get("target_id")))
    {
        Ok(()) => status_only("delete_comment_ok"),
        Err(StoreError::NotFound) => status_only("e_comment_id"),
        Err(_) => status_only("e_delete_comment"),
    }
}

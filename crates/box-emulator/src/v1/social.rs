//! v1's social actions: `get_friends` / `request_friends` over the store's
//! friend lists, and `get_updates` derived from the event log v2's
//! `/events` serves. Both payloads are base64 of a ZIP unless `nozip`
//! ([`super::zip::payload`]).

use axum::response::Response;
use chrono::{DateTime, TimeZone, Utc};

use super::xml::{esc, response, Call};
use super::{status_only, ts, xml_reply, zip};
use crate::state::Shared;
use crate::store::{Event, Kind, State as St};

/// Most updates one `get_updates` answers (the newest in the range).
pub const MAX_UPDATES: usize = 1000;

/// `get_friends` (`params`: `nozip`): `s_get_friends` with the caller's
/// friend list. A friend is `accepted` when the e-mail belongs to a user;
/// their `boxes` are that user's folders with an open shared link that the
/// caller can already open (collaborates on): adding someone as a friend
/// needs no consent, so it must not reveal the links of their folders.
/// `subscriptions` are not reproduced (always empty). Failure `e_get_friends`.
pub fn get_friends(shared: &Shared, user: u64, call: &Call) -> Response {
    let doc = shared.store.read(|st| {
        let mut s = String::from("<friends>");
        for f in st.friends_of(user) {
            let account = st.user_by_login(&f.email);
            let mut boxes = String::new();
            if let Some(u) = account {
                for i in st.items.values().filter(|i| {
                    i.owner == u.id
                        && i.kind == Kind::Folder
                        && i.parent.is_some()
                        && i.shared_link
                            .as_ref()
                            .is_some_and(|l| l.access == "open" && l.password.is_none())
                        && !st.in_trash(i.id)
                        && st.role(user, i.id).is_some()
                }) {
                    let token = i.shared_link.as_ref().map_or("", |l| l.token.as_str());
                    boxes.push_str(&format!(
                        "<box><id>{}</id><url>{}/s/{}</url><status>0</status></box>",
                        i.id,
                        esc(&shared.base),
                        esc(token)
                    ));
                }
            }
            s.push_str(&format!(
                "<friend><name>{}</name><email>{}</email><accepted>{}</accepted><avatar_url></avatar_url>\
                 <boxes>{boxes}</boxes><subscriptions></subscriptions></friend>",
                esc(account.map_or(f.email.as_str(), |u| u.name.as_str())),
                esc(&f.email),
                u8::from(account.is_some()),
            ));
        }
        s.push_str("</friends>");
        s
    });
    match zip::payload("friends", &doc, call.has("params", "nozip")) {
        Ok(inner) => xml_reply(response("s_get_friends", &inner)),
        Err(_) => status_only("e_get_friends"),
    }
}

/// `request_friends` (`emails`, `message`, `params`: `box_auto_subscribe`
/// or `auto_subscribe`, `no_email`): adds the e-mails to the caller's friend list (no mail is
/// sent). `e_request_friends` when no e-mail is given, one is invalid or the
/// caller's own.
pub fn request_friends(shared: &Shared, user: u64, call: &Call) -> Response {
    let emails: Vec<String> = call.lists.get("emails").cloned().unwrap_or_default();
    // The reference names the option `box_auto_subscribe` in its text and
    // `auto_subscribe` in its example request: both are accepted.
    let auto = call.has("params", "box_auto_subscribe") || call.has("params", "auto_subscribe");
    match shared
        .store
        .write(|tx| tx.request_friends(user, &emails, auto))
    {
        Ok(_) => status_only("s_request_friends"),
        Err(_) => status_only("e_request_friends"),
    }
}

fn timestamp(call: &Call, key: &str) -> Result<Option<DateTime<Utc>>, ()> {
    match call.get(key).trim() {
        "" => Ok(None),
        v => {
            let secs: i64 = v.parse().map_err(|_| ())?;
            Utc.timestamp_opt(secs, 0).single().map(Some).ok_or(())
        }
    }
}

fn verb(event_type: &str) -> String {
    match event_type {
        "ITEM_CREATE" => "created".into(),
        "ITEM_UPLOAD" => "uploaded".into(),
        "ITEM_MOVE" => "moved".into(),
        "ITEM_RENAME" => "renamed".into(),
        "ITEM_MODIFY" => "updated".into(),
        "ITEM_COPY" => "copied".into(),
        "ITEM_TRASH" => "deleted".into(),
        "ITEM_UNDELETE_VIA_TRASH" => "restored".into(),
        "COLLAB_ADD_COLLABORATOR" => "shared".into(),
        other => other.to_lowercase().replace('_', " "),
    }
}

/// `293.5 KB`, as v1 wrote sizes in updates.
pub fn human_size(bytes: u64) -> String {
    const UNITS: &[&str] = &["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

fn update_xml(st: &St, base: &str, e: &Event) -> String {
    let actor = st.users.get(&e.created_by).map_or("", |u| u.login.as_str());
    let item = &e.item;
    let public_url = item
        .shared_link
        .as_ref()
        .map_or(String::new(), |l| format!("{base}/s/{}", l.token));
    let files = if item.kind == Kind::File {
        format!(
            "<file><name>{}</name><size>{}</size><date>{}</date><thumbnail></thumbnail></file>",
            esc(&item.name),
            human_size(item.file_size()),
            e.created_at.format("%b %-d, %Y")
        )
    } else {
        String::new()
    };
    format!(
        "<update><name>{}</name><message>{}</message><updated>{}</updated><user_name>{}</user_name>\
         <public_url>{}</public_url><files>{files}</files></update>",
        esc(&item.name),
        esc(&format!("{actor} {} {}", verb(&e.event_type), item.name)),
        ts(&e.created_at),
        esc(actor),
        esc(&public_url),
    )
}

/// `get_updates` (`begin_timestamp`, optional `end_timestamp`, `params`:
/// `nozip`): `s_get_updates` with one update per event of the caller's
/// stream (the one v2's `/events` serves) between the two UNIX times
/// (inclusive), oldest first, at most [`MAX_UPDATES`] (the newest).
/// `e_get_updates` when `begin_timestamp` is missing or a time is not a
/// number.
pub fn get_updates(shared: &Shared, user: u64, call: &Call) -> Response {
    let (Ok(Some(begin)), Ok(end)) = (
        timestamp(call, "begin_timestamp"),
        timestamp(call, "end_timestamp"),
    ) else {
        return status_only("e_get_updates");
    };
    let doc = shared.store.read(|st| {
        let events: Vec<&Event> = st
            .events
            .values()
            .filter(|e| {
                e.user == user
                    && e.created_at.timestamp() >= begin.timestamp()
                    && end.is_none_or(|end| e.created_at.timestamp() <= end.timestamp())
            })
            .collect();
        let skip = events.len().saturating_sub(MAX_UPDATES);
        let mut s = String::from("<updates>");
        for e in &events[skip..] {
            s.push_str(&update_xml(st, &shared.base, e));
        }
        s.push_str("</updates>");
        s
    });
    match zip::payload("updates", &doc, call.has("params", "nozip")) {
        Ok(inner) => xml_reply(response("s_get_updates", &inner)),
        Err(_) => status_only("e_get_updates"),
    }
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_like_v1() {
        assert_eq!(human_size(12), "12 B");
        assert_eq!(human_size(300_544), "293.5 KB");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0 MB");
    }
}

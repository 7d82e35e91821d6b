//! The legacy v1 API over the same store: `/api/1.0/rest` (query form) and
//! `/api/1.0/xml` (XML envelope), the ticket flow with an auth page that
//! approves a ticket, `get_account_tree` (zipped or `nozip`), folder actions,
//! and uploads / overwrite / new_copy / downloads with the token in the path.
//! [`accounts`] holds the calls that sign in without a ticket (password
//! login, registration), [`sharing`] private shares and `add_to_mybox`,
//! [`comments`] the comment actions, [`social`] friends and updates; the
//! zipped payloads (tree, friends, updates) are built by [`zip::payload`].
//!
//! v1 reports failures in the `status` element of an HTTP 200 answer (and
//! downloads as a short `text/plain` body), as Box did.

pub mod accounts;
pub mod comments;
pub mod sharing;
pub mod social;
pub mod xml;
pub mod zip;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use tokio_util::io::ReaderStream;

use crate::http::Params;
use crate::state::{Shared, TreeKey};
use crate::store::tree::Step;
use crate::store::{
    random_token, BlobInfo, Item, Kind, StagedBlob, State as St, StoreError, TokenKind,
};
use xml::{esc, response, Call};

const V1_TOKEN_DAYS: i64 = 30;

pub(crate) fn xml_reply(body: String) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    r
}

pub(crate) fn status_only(status: &str) -> Response {
    xml_reply(response(status, ""))
}

/// Routes under `/api/1.0`.
pub fn routes(shared: &Shared) -> Router<Arc<Shared>> {
    let calls = Router::new()
        .route("/api/1.0/rest", get(rest).post(rest_post))
        .route("/api/1.0/xml", post(xml_endpoint))
        .route("/api/1.0/auth/{ticket}", get(auth_page))
        .layer(DefaultBodyLimit::max(shared.config.json_body_limit));
    let transfers = Router::new()
        .route("/api/1.0/upload/{token}/{folder}", post(upload))
        .route("/api/1.0/overwrite/{token}/{file}", post(overwrite))
        .route("/api/1.0/new_copy/{token}/{file}", post(new_copy))
        .route("/api/1.0/download/{token}/{file}", get(download))
        .route(
            "/api/1.0/download/{token}/{file}/{version}",
            get(download_version),
        )
        .layer(DefaultBodyLimit::disable());
    calls.merge(transfers)
}

pub(crate) fn query_pairs(query: &Option<String>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

async fn rest(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let call = Call::from_pairs(query_pairs(&query).into_iter());
    offload(&shared, move |shared| dispatch(shared, call)).await
}

/// Runs v1 work off the async workers, on [`crate::http::blocking`]: calls
/// write the store (a SQLite commit each) and build and compress account
/// trees, which must not hold up the workers serving other requests.
async fn offload(
    shared: &Arc<Shared>,
    f: impl FnOnce(&Arc<Shared>) -> Response + Send + 'static,
) -> Response {
    let shared = shared.clone();
    crate::http::blocking(move || Ok(f(&shared)))
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn rest_post(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let pairs = query_pairs(&query)
        .into_iter()
        .chain(url::form_urlencoded::parse(&body).into_owned());
    let call = Call::from_pairs(pairs);
    offload(&shared, move |shared| dispatch(shared, call)).await
}

async fn xml_endpoint(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match Call::from_xml(&body) {
        Ok(call) => offload(&shared, move |shared| dispatch(shared, call)).await,
        Err(e) => {
            tracing::info!(error = %e, "bad v1 XML request");
            status_only("wrong_input")
        }
    }
}

fn user_of(shared: &Shared, token: &str) -> Option<u64> {
    shared
        .store
        .read(|st| st.token(token, TokenKind::Access).map(|t| t.user))
}

pub(crate) fn user_xml(st: &St, user: u64) -> String {
    let Some(u) = st.users.get(&user) else {
        return String::new();
    };
    format!(
        "<user><login>{l}</login><email>{l}</email><access_id>{id}</access_id><user_id>{id}</user_id>\
         <space_amount>999999999999999</space_amount><space_used>{used}</space_used></user>",
        l = esc(&u.login),
        id = u.id,
        used = st.size_of(u.root_id)
    )
}

/// A fresh v1 session for `user`: `<auth_token>` and `<user>` under `status`
/// (`get_auth_token_ok`, `logged`, `successful_register`), or `error`.
pub(crate) fn session_reply(shared: &Shared, user: u64, status: &str, error: &str) -> Response {
    let issued = shared.store.write(|tx| {
        Ok(tx.issue(
            TokenKind::Access,
            user,
            "v1",
            chrono::Duration::days(V1_TOKEN_DAYS),
            None,
        ))
    });
    match issued {
        Ok(token) => {
            let u = shared.store.read(|st| user_xml(st, user));
            xml_reply(response(
                status,
                &format!("<auth_token>{token}</auth_token>{u}"),
            ))
        }
        Err(_) => status_only(error),
    }
}

fn dispatch(shared: &Arc<Shared>, call: Call) -> Response {
    if call.get("api_key").is_empty() {
        return status_only("application_restricted");
    }
    match call.action.as_str() {
        "get_ticket" => {
            let ticket = random_token(32).to_lowercase();
            shared.tickets.insert(ticket.clone(), None);
            xml_reply(response(
                "get_ticket_ok",
                &format!("<ticket>{ticket}</ticket>"),
            ))
        }
        "get_auth_token" => {
            let approved = shared
                .tickets
                .take_if(call.get("ticket"), Option::is_some)
                .flatten();
            match approved {
                Some(user) => {
                    session_reply(shared, user, "get_auth_token_ok", "get_auth_token_error")
                }
                None => status_only("not_logged_in"),
            }
        }
        "authorization" => accounts::authorization(shared, &call),
        "register_new_user" => accounts::register_new_user(shared, &call),
        "register_paid_user" => accounts::register_paid_user(shared, &call),
        "verify_registration_email" => accounts::verify_registration_email(shared, &call),
        other => {
            let Some(user) = user_of(shared, call.get("auth_token")) else {
                return status_only("not_logged_in");
            };
            match other {
                "logout" => {
                    let token = call.get("auth_token").to_string();
                    let _ = shared.store.write(|tx| {
                        tx.revoke(&token);
                        Ok(())
                    });
                    status_only("logout_ok")
                }
                "get_account_tree" => account_tree(shared, user, &call),
                "create_folder" => create_folder(shared, user, &call),
                "move" | "rename" | "delete" => node_action(shared, user, other, &call),
                "get_account_info" => {
                    let u = shared.store.read(|st| user_xml(st, user));
                    xml_reply(response("get_account_info_ok", &u))
                }
                "get_file_info" => file_info(shared, user, &call),
                "get_versions" => versions(shared, user, &call),
                "set_description" => set_description(shared, user, &call),
                "add_to_tag" => add_to_tag(shared, user, &call),
                "export_tags" => export_tags(shared, user),
                "public_share" => public_share(shared, user, &call, true),
                "public_unshare" => public_share(shared, user, &call, false),
                "private_share" => sharing::private_share(shared, user, &call),
                "add_to_mybox" => sharing::add_to_mybox(shared, user, &call),
                "copy" => copy(shared, user, &call),
                "search" => search(shared, user, &call),
                "get_comments" => comments::get_comments(shared, user, &call),
                "add_comment" => comments::add_comment(shared, user, &call),
                "delete_comment" => comments::delete_comment(shared, user, &call),
                "get_friends" => social::get_friends(shared, user, &call),
                "request_friends" => social::request_friends(shared, user, &call),
                "get_updates" => social::get_updates(shared, user, &call),
                _ => status_only("unknown_action"),
            }
        }
    }
}

pub(crate) fn ts(t: &chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}

fn tags_xml(item: &Item) -> String {
    let mut s = String::from("<tags>");
    for t in &item.tags {
        s.push_str(&format!("<tag id=\"{}\" />", crc32fast::hash(t.as_bytes())));
    }
    s.push_str("</tags>");
    s
}

fn public_attr(item: &Item) -> String {
    item.shared_link.as_ref().map_or(String::new(), |l| {
        format!(" public_name=\"{}\"", esc(&l.token))
    })
}

/// The v1 XML of a folder's live tree, written from the store's
/// iterative walk (a tree of any depth, no recursion).
fn folder_xml(st: &St, folder: &Item, onelevel: bool, nofiles: bool, out: &mut String) {
    let max_depth = if onelevel { 1 } else { usize::MAX };
    st.walk(folder, "name", max_depth, |step| match step {
        Step::Enter(f, depth) => {
            let id = crate::store::wire_id(f);
            let name = if f.parent.is_none() { "" } else { &f.name };
            // Folder descriptions ride along as a `description` attribute
            // (absent when empty), like `public_name`: unknown attributes are
            // kept by clients. One-level listings name subfolders only.
            let description = if f.description.is_empty() || (onelevel && depth > 0) {
                String::new()
            } else {
                format!(" description=\"{}\"", esc(&f.description))
            };
            out.push_str(&format!(
                "<folder id=\"{id}\" name=\"{}\" shared=\"{}\"{}{description}>",
                esc(name),
                u8::from(f.shared_link.is_some()),
                public_attr(f)
            ));
            out.push_str(&tags_xml(f));
            out.push_str("<files>");
        }
        Step::File(f) if !nofiles => {
            out.push_str(&format!(
                "<file id=\"{}\" file_name=\"{}\" keyword=\"{}\" shared=\"{}\" size=\"{}\" created=\"{}\" updated=\"{}\" sha1=\"{}\"{}>{}</file>",
                f.id,
                esc(&f.name),
                esc(&f.description),
                u8::from(f.shared_link.is_some()),
                f.file_size(),
                ts(&f.created_at),
                ts(&f.modified_at),
                f.current().map_or("", |v| v.sha1.as_str()),
                public_attr(f),
                tags_xml(f)
            ));
        }
        Step::File(_) => {}
        Step::Folders(_) => out.push_str("</files><folders>"),
        Step::Leave(_) => out.push_str("</folders></folder>"),
    });
}

fn account_tree(shared: &Shared, user: u64, call: &Call) -> Response {
    let folder_id = match call.get("folder_id") {
        "" => "0",
        f => f,
    };
    let onelevel = call.has("params", "onelevel");
    let nofiles = call.has("params", "nofiles");
    let nozip = call.has("params", "nozip");
    let key = TreeKey {
        user,
        folder: folder_id.to_owned(),
        onelevel,
        nofiles,
        nozip,
    };
    let found = shared.store.read(|st| {
        let generation = st.generation();
        if let Some(payload) = shared.v1_trees.get(&key, generation) {
            return Some(Ok(payload));
        }
        let (id, _) = st.resolve(user, folder_id, Kind::Folder).ok()?;
        let folder = st.item(id)?;
        let mut out = String::new();
        folder_xml(st, folder, onelevel, nofiles, &mut out);
        Some(Err((generation, out)))
    });
    let payload = match found {
        None => return status_only("e_folder_id"),
        Some(Ok(cached)) => cached,
        // Zipped outside the store's lock.
        Some(Err((generation, tree))) => match zip::payload("tree", &tree, nozip) {
            Ok(inner) => shared.v1_trees.put(key, generation, inner),
            Err(_) => return status_only("e_zip"),
        },
    };
    xml_reply(response("listing_ok", &payload))
}

fn create_folder(shared: &Shared, user: u64, call: &Call) -> Response {
    let parent = call.get("parent_id").to_string();
    let name = call.get("name").to_string();
    let share = call.get("share") == "1";
    let res = shared.store.write(|tx| {
        let id = tx.create_folder(user, &parent, &name)?;
        if share {
            let upd = crate::store::ItemUpdate {
                shared_link: Some(Some(crate::store::SharedLinkUpdate::default())),
                ..Default::default()
            };
            tx.update(user, &id.to_string(), Kind::Folder, upd, None)?;
        }
        Ok(id)
    });
    match res {
        Ok(id) => {
            let inner = shared.store.read(|st| {
                let f = st.item(id)?;
                let public = f.shared_link.as_ref().map_or("", |l| l.token.as_str());
                Some(format!(
                    "<folder><folder_id>{id}</folder_id><folder_name>{}</folder_name><folder_type_id>0</folder_type_id>\
                     <user_id>{user}</user_id><path></path><shared>{}</shared><public_name>{}</public_name>\
                     <show_comments></show_comments><parent_folder_id>{}</parent_folder_id><password></password></folder>",
                    esc(&f.name),
                    u8::from(share),
                    esc(public),
                    esc(&parent)
                ))
            });
            xml_reply(response("create_ok", &inner.unwrap_or_default()))
        }
        Err(StoreError::NotFound) => status_only("e_no_parent_folder"),
        Err(StoreError::NameInUse(_)) => status_only("e_folder_exists"),
        Err(_) => status_only("e_create_folder"),
    }
}

fn node_action(shared: &Shared, user: u64, action: &str, call: &Call) -> Response {
    let kind = match call.get("target") {
        "file" => Kind::File,
        "folder" => Kind::Folder,
        _ => return status_only(&format!("e_{action}_node")),
    };
    let id = call.get("target_id").to_string();
    let res = shared.store.write(|tx| match action {
        "move" => {
            let upd = crate::store::ItemUpdate {
                parent: Some(call.get("destination_id").to_string()),
                ..Default::default()
            };
            tx.update(user, &id, kind, upd, None).map(|_| ())
        }
        "rename" => {
            let upd = crate::store::ItemUpdate {
                name: Some(call.get("new_name").to_string()),
                ..Default::default()
            };
            tx.update(user, &id, kind, upd, None).map(|_| ())
        }
        _ => tx.trash(user, &id, kind, true, None),
    });
    match res {
        Ok(()) => status_only(&format!("s_{action}_node")),
        Err(StoreError::NameInUse(_)) if action == "rename" => status_only("e_filename_in_use"),
        Err(_) => status_only(&format!("e_{action}_node")),
    }
}

pub(crate) fn target_kind(call: &Call) -> Option<Kind> {
    match call.get("target") {
        "file" => Some(Kind::File),
        "folder" => Some(Kind::Folder),
        _ => None,
    }
}

fn file_info(shared: &Shared, user: u64, call: &Call) -> Response {
    let info = shared.store.read(|st| {
        let (id, _) = st.resolve(user, call.get("file_id"), Kind::File).ok()?;
        let f = st.item(id)?;
        let parent = f
            .parent
            .and_then(|p| st.item(p))
            .map(crate::store::wire_id)
            .unwrap_or_default();
        Some(format!(
            "<info><file_id>{id}</file_id><file_name>{}</file_name><folder_id>{parent}</folder_id>\
             <shared>{}</shared><shared_name>{}</shared_name><size>{}</size><description>{}</description>\
             <sha1>{}</sha1><created>{}</created><updated>{}</updated></info>",
            esc(&f.name),
            u8::from(f.shared_link.is_some()),
            f.shared_link.as_ref().map_or("", |l| l.token.as_str()),
            f.file_size(),
            esc(&f.description),
            f.current().map_or("", |v| v.sha1.as_str()),
            ts(&f.created_at),
            ts(&f.modified_at)
        ))
    });
    match info {
        Some(i) => xml_reply(response("s_get_file_info", &i)),
        None => status_only("e_access_denied"),
    }
}

/// `get_versions` (`target` must be `file`): the file's versions, oldest
/// first, named as the file is now. Any failure: `e_get_versions`.
fn versions(shared: &Shared, user: u64, call: &Call) -> Response {
    if target_kind(call) != Some(Kind::File) {
        return status_only("e_get_versions");
    }
    let inner = shared.store.read(|st| {
        let (id, _) = st.resolve(user, call.get("target_id"), Kind::File).ok()?;
        let f = st.item(id)?;
        let mut s = String::from("<versions>");
        for v in &f.versions {
            s.push_str(&format!(
                "<version><version_id>{}</version_id><file_name>{}</file_name><size>{}</size>\
                 <sha1>{}</sha1><created>{}</created><author_id>{}</author_id></version>",
                v.id,
                esc(&f.name),
                v.size,
                esc(&v.sha1),
                ts(&v.created_at),
                v.modified_by
            ));
        }
        s.push_str("</versions>");
        Some(s)
    });
    match inner {
        Some(i) => xml_reply(response("s_get_versions", &i)),
        None => status_only("e_get_versions"),
    }
}

fn set_description(shared: &Shared, user: u64, call: &Call) -> Response {
    let Some(kind) = target_kind(call) else {
        return status_only("e_set_description");
    };
    let upd = crate::store::ItemUpdate {
        description: Some(call.get("description").to_string()),
        ..Default::default()
    };
    match shared
        .store
        .write(|tx| tx.update(user, call.get("target_id"), kind, upd, None))
    {
        Ok(_) => status_only("s_set_description"),
        Err(_) => status_only("e_set_description"),
    }
}

fn add_to_tag(shared: &Shared, user: u64, call: &Call) -> Response {
    let Some(kind) = target_kind(call) else {
        return status_only("addtotag_error");
    };
    let new: Vec<String> = call.lists.get("tags").cloned().unwrap_or_default();
    let res = shared.store.write(|tx| {
        let (id, _) = tx.st.resolve(user, call.get("target_id"), kind)?;
        let mut tags = tx.st.item(id).map(|i| i.tags.clone()).unwrap_or_default();
        for t in new {
            let t = t.trim().to_string();
            if !t.is_empty() && !tags.contains(&t) {
                tags.push(t);
            }
        }
        let upd = crate::store::ItemUpdate {
            tags: Some(tags),
            ..Default::default()
        };
        tx.update(user, call.get("target_id"), kind, upd, None)
    });
    match res {
        Ok(_) => status_only("addtotag_ok"),
        Err(_) => status_only("addtotag_error"),
    }
}

fn export_tags(shared: &Shared, user: u64) -> Response {
    let inner = shared.store.read(|st| {
        let mut names: Vec<&String> = st
            .items
            .values()
            .filter(|i| i.owner == user && !st.in_trash(i.id))
            .flat_map(|i| i.tags.iter())
            .collect();
        names.sort();
        names.dedup();
        let mut s = String::from("<tags>");
        for n in names {
            s.push_str(&format!(
                "<tag id=\"{}\">{}</tag>",
                crc32fast::hash(n.as_bytes()),
                esc(n)
            ));
        }
        s.push_str("</tags>");
        s
    });
    xml_reply(response("export_tags_ok", &inner))
}

fn public_share(shared: &Shared, user: u64, call: &Call, share: bool) -> Response {
    let Some(kind) = target_kind(call) else {
        return status_only("wrong_node");
    };
    let link = if share {
        let password = Some(call.get("password"))
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        Some(crate::store::SharedLinkUpdate {
            access: Some("open".into()),
            password: Some(password),
            ..Default::default()
        })
    } else {
        None
    };
    let upd = crate::store::ItemUpdate {
        shared_link: Some(link),
        ..Default::default()
    };
    let res = shared
        .store
        .write(|tx| tx.update(user, call.get("target_id"), kind, upd, None));
    match (res, share) {
        (Ok(id), true) => {
            let token = shared.store.read(|st| {
                st.item(id)
                    .and_then(|i| i.shared_link.as_ref())
                    .map(|l| l.token.clone())
                    .unwrap_or_default()
            });
            xml_reply(response(
                "share_ok",
                &format!("<public_name>{}</public_name>", esc(&token)),
            ))
        }
        (Ok(_), false) => status_only("unshare_ok"),
        (Err(StoreError::NotFound), _) => status_only("wrong_node"),
        (Err(_), true) => status_only("share_error"),
        (Err(_), false) => status_only("unshare_error"),
    }
}

/// `name (n).ext`: the name a copy gets when `name` is taken.
fn numbered(name: &str, n: u32) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem} ({n}).{ext}"),
        _ => format!("{name} ({n})"),
    }
}

fn copy(shared: &Shared, user: u64, call: &Call) -> Response {
    let Some(kind) = target_kind(call) else {
        return status_only("e_copy_node");
    };
    // An explicit `new_name` is used as is (taken: e_filename_in_use);
    // without one, a name taken in the destination gets a " (n)" suffix, as
    // new_copy does.
    let new_name = call.get("new_name");
    let res = shared.store.write(|tx| {
        if !new_name.is_empty() {
            return tx.copy(
                user,
                call.get("target_id"),
                kind,
                call.get("destination_id"),
                Some(new_name),
            );
        }
        let (src, _) = tx.st.resolve(user, call.get("target_id"), kind)?;
        let name = tx.st.item(src).map(|i| i.name.clone()).unwrap_or_default();
        let mut candidate = name.clone();
        for n in 1..1000 {
            match tx.copy(
                user,
                call.get("target_id"),
                kind,
                call.get("destination_id"),
                Some(&candidate),
            ) {
                Err(StoreError::NameInUse(_)) => candidate = numbered(&name, n),
                other => return other,
            }
        }
        Err(StoreError::BadRequest(
            "item_name_in_use",
            "no free name".into(),
        ))
    });
    match res {
        Ok(id) => xml_reply(response(
            "s_copy_node",
            &format!("<new_file_id>{id}</new_file_id>"),
        )),
        Err(StoreError::NameInUse(_)) => status_only("e_filename_in_use"),
        Err(_) => status_only("e_copy_node"),
    }
}

fn search(shared: &Shared, user: u64, call: &Call) -> Response {
    let query = call.get("query").trim().to_lowercase();
    if query.is_empty() {
        return status_only("e_search");
    }
    let per_page: usize = call.get("per_page").parse().unwrap_or(100).clamp(1, 1000);
    let page: usize = call.get("page").parse().unwrap_or(1).max(1);
    let inner = shared.store.read(|st| {
        let hits: Vec<&Item> = st
            .items
            .values()
            // v1 has no web links.
            .filter(|i| i.kind != Kind::WebLink)
            .filter(|i| i.parent.is_some() && i.name.to_lowercase().contains(&query))
            .filter(|i| !st.in_trash(i.id) && st.role(user, i.id).is_some())
            // A huge `page` skips everything rather than overflowing.
            .skip((page - 1).saturating_mul(per_page))
            .take(per_page)
            .collect();
        let parent_of = |i: &Item| {
            i.parent
                .and_then(|p| st.item(p))
                .map(crate::store::wire_id)
                .unwrap_or_default()
        };
        let mut files = String::from("<files>");
        let mut folders = String::from("<folders>");
        for i in hits {
            let shared_flag = u8::from(i.shared_link.is_some());
            match i.kind {
                Kind::File => files.push_str(&format!(
                    "<file id=\"{}\" file_name=\"{}\" folder_id=\"{}\" size=\"{}\" created=\"{}\" updated=\"{}\" shared=\"{shared_flag}\" />",
                    i.id,
                    esc(&i.name),
                    parent_of(i),
                    i.file_size(),
                    ts(&i.created_at),
                    ts(&i.modified_at)
                )),
                Kind::Folder => folders.push_str(&format!(
                    "<folder id=\"{}\" name=\"{}\" parent_id=\"{}\" shared=\"{shared_flag}\" />",
                    i.id,
                    esc(&i.name),
                    parent_of(i)
                )),
                Kind::WebLink => {}
            }
        }
        files.push_str("</files>");
        folders.push_str("</folders>");
        format!("{files}{folders}")
    });
    xml_reply(response("search_results_ok", &inner))
}

/// The auth page: approves the ticket for `?user=<id>` (default: the first user).
async fn auth_page(
    State(shared): State<Arc<Shared>>,
    Path(ticket): Path<String>,
    params: Params,
) -> Response {
    let user = match params.get("user") {
        Some(u) => u.parse::<u64>().ok(),
        None => shared.store.read(|st| st.users.keys().next().copied()),
    }
    .filter(|u| shared.store.read(|st| st.users.contains_key(u)));
    // A user with a password (registered through v1) approves only with
    // it: the page must not hand out anyone's token for the asking. The
    // hash is slow on purpose, so it runs off the async workers.
    let record = user.and_then(|u| {
        shared.store.read(|st| {
            let login = st.users.get(&u)?.login.clone();
            st.password_record(&login).filter(|(id, _)| *id == u)
        })
    });
    let user = match record {
        None => user,
        Some(record) => {
            let password = params.get("password").unwrap_or("").to_string();
            tokio::task::spawn_blocking(move || {
                crate::store::people::verify_login(Some(record), &password)
            })
            .await
            .ok()
            .flatten()
        }
    };
    let approved = user.is_some_and(|u| shared.tickets.update(&ticket, |slot| *slot = Some(u)));
    match approved {
        true => Html(format!(
            "<!doctype html><title>Box emulator</title><p>Access granted for ticket {}. \
                 Return to the application.</p>",
            esc(&ticket)
        ))
        .into_response(),
        false => (
            StatusCode::NOT_FOUND,
            Html("<!doctype html><title>Box emulator</title><p>Unknown ticket or user.</p>"),
        )
            .into_response(),
    }
}

/// Reads the file parts of a v1 upload, each at most `max_file_size`
/// bytes, into staged blobs: they go into place only when the store takes
/// the file, so a refused upload leaves nothing on disk.
async fn receive_files(shared: &Shared, req: Request) -> Result<Vec<(String, StagedBlob)>, String> {
    let max = shared.config.max_file_size;
    let mut mp = Multipart::from_request(req, &())
        .await
        .map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    while let Some(mut field) = mp.next_field().await.map_err(|e| e.to_string())? {
        let Some(name) = field.file_name().map(str::to_string) else {
            continue;
        };
        let mut w = shared.store.blobs().writer().map_err(|e| e.to_string())?;
        while let Some(chunk) = field.chunk().await.map_err(|e| e.to_string())? {
            if w.size() + chunk.len() as u64 > max {
                return Err(format!("a file is larger than {max} bytes"));
            }
            w.write(&chunk).map_err(|e| e.to_string())?;
        }
        let blob = tokio::task::spawn_blocking(move || w.stage())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        files.push((name, blob));
    }
    Ok(files)
}

/// Moves a staged blob into place inside the store write that takes it.
fn persist_blob(blob: StagedBlob) -> Result<BlobInfo, StoreError> {
    blob.persist()
        .map_err(|e| StoreError::Internal(format!("storing a blob: {e}")))
}

fn file_xml(shared: &Shared, id: u64) -> String {
    shared.store.read(|st| {
        st.item(id).map_or(String::new(), |f| {
            let parent = f
                .parent
                .and_then(|p| st.item(p))
                .map(crate::store::wire_id)
                .unwrap_or_default();
            format!(
                "<file file_name=\"{}\" id=\"{id}\" folder_id=\"{parent}\" shared=\"{}\" public_name=\"{}\" />",
                esc(&f.name),
                u8::from(f.shared_link.is_some()),
                f.shared_link.as_ref().map_or("", |l| l.token.as_str())
            )
        })
    })
}

/// `POST /api/1.0/upload/<auth_token>/<folder_id>`: one part per file.
///
/// Box's v1 page for upload says "Uploading a file to this URL will fail if
/// a file by the same name already exists" (overwrite is the way to add a
/// version); the per-file error string for that case is not documented, so
/// the emulator answers `error="e_filename_in_use"`, the status v1 uses for
/// name conflicts elsewhere (`rename`).
async fn upload(
    State(shared): State<Arc<Shared>>,
    Path((token, folder)): Path<(String, String)>,
    req: Request,
) -> Response {
    let Some(user) = user_of(&shared, &token) else {
        return status_only("not_logged_in");
    };
    if shared
        .store
        .read(|st| st.resolve(user, &folder, Kind::Folder))
        .is_err()
    {
        return status_only("e_folder_id");
    }
    let files = match receive_files(&shared, req).await {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => return status_only("upload_no_files"),
        Err(e) => {
            tracing::info!(error = %e, "bad v1 upload");
            return status_only("wrong_input");
        }
    };
    offload(&shared, move |shared| {
        let mut out = String::from("<files>");
        let mut failed = false;
        for (name, blob) in files {
            let res = shared.store.write(|tx| {
                let id = tx.create_file(user, &folder, &name, blob.info())?;
                persist_blob(blob)?;
                Ok(id)
            });
            match res {
                Ok(id) => out.push_str(&file_xml(shared, id)),
                Err(e) => {
                    failed = true;
                    let code = match e {
                        StoreError::Forbidden(_) | StoreError::NotFound => "access_denied",
                        StoreError::NameInUse(_) => "e_filename_in_use",
                        _ => "upload_failed",
                    };
                    out.push_str(&format!(
                        "<file file_name=\"{}\" error=\"{code}\" />",
                        esc(&name)
                    ));
                }
            }
        }
        out.push_str("</files>");
        xml_reply(response(
            if failed {
                "upload_some_files_failed"
            } else {
                "upload_ok"
            },
            &out,
        ))
    })
    .await
}

/// `POST /api/1.0/overwrite/<auth_token>/<file_id>`: a new version.
async fn overwrite(
    State(shared): State<Arc<Shared>>,
    Path((token, file)): Path<(String, String)>,
    req: Request,
) -> Response {
    replace_or_copy(shared, token, file, req, false).await
}

/// `POST /api/1.0/new_copy/<auth_token>/<file_id>`: a new file beside it,
/// named as Box's v1 page says: the existing file's name with "Copy of "
/// in front (numbered " (n)" when that is taken too).
async fn new_copy(
    State(shared): State<Arc<Shared>>,
    Path((token, file)): Path<(String, String)>,
    req: Request,
) -> Response {
    replace_or_copy(shared, token, file, req, true).await
}

async fn replace_or_copy(
    shared: Arc<Shared>,
    token: String,
    file: String,
    req: Request,
    copy: bool,
) -> Response {
    let Some(user) = user_of(&shared, &token) else {
        return status_only("not_logged_in");
    };
    let target = shared.store.read(|st| {
        let (id, _) = st.resolve(user, &file, Kind::File).ok()?;
        let item = st.item(id)?;
        let parent = item
            .parent
            .and_then(|p| st.item(p))
            .map(crate::store::wire_id)?;
        Some((parent, item.name.clone()))
    });
    let Some((parent, existing_name)) = target else {
        return status_only("e_file_id");
    };
    let (_, blob) = match receive_files(&shared, req).await {
        Ok(f) => match f.into_iter().next() {
            Some(first) => first,
            None => return status_only("upload_no_files"),
        },
        Err(_) => return status_only("wrong_input"),
    };
    offload(&shared, move |shared| {
        let res = shared.store.write(|tx| {
            let info = blob.info().clone();
            let id = if copy {
                let name = format!("Copy of {existing_name}");
                let mut candidate = name.clone();
                let mut made = None;
                for n in 1..1000 {
                    match tx.create_file(user, &parent, &candidate, &info) {
                        Err(StoreError::NameInUse(_)) => candidate = numbered(&name, n),
                        other => {
                            made = Some(other?);
                            break;
                        }
                    }
                }
                made.ok_or_else(|| {
                    StoreError::BadRequest("item_name_in_use", "no free name".into())
                })?
            } else {
                tx.add_version(user, &file, &info, None, None)?
            };
            persist_blob(blob)?;
            Ok(id)
        });
        match res {
            Ok(id) => xml_reply(response(
                "upload_ok",
                &format!("<files>{}</files>", file_xml(shared, id)),
            )),
            Err(_) => status_only("upload_some_files_failed"),
        }
    })
    .await
}

fn text_error(msg: &'static str) -> Response {
    let mut r = (StatusCode::OK, msg).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

async fn serve_download(
    shared: &Shared,
    token: &str,
    file: &str,
    version: Option<&str>,
) -> Response {
    let Some(user) = user_of(shared, token) else {
        return text_error("wrong auth token");
    };
    let found = shared.store.read(|st| {
        let (id, _) = st.resolve(user, file, Kind::File).ok()?;
        let item = st.item(id)?;
        let v = match version {
            Some(v) => item.versions.iter().find(|x| x.id.to_string() == v)?,
            None => item.current()?,
        };
        Some((v.sha1.clone(), v.size))
    });
    let Some((sha1, size)) = found else {
        return text_error("wrong file id");
    };
    match tokio::fs::File::open(shared.store.blobs().path(&sha1)).await {
        Ok(f) => {
            let mut r = Response::new(Body::from_stream(ReaderStream::with_capacity(
                f,
                256 * 1024,
            )));
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            r
        }
        Err(_) => text_error("file not found"),
    }
}

async fn download(
    State(shared): State<Arc<Shared>>,
    Path((token, file)): Path<(String, String)>,
) -> Response {
    serve_download(&shared, &token, &file, None).await
}

async fn download_version(
    State(shared): State<Arc<Shared>>,
    Path((token, file, version)): Path<(String, String, String)>,
) -> Response {
    serve_download(&shared, &token, &file, Some(&version)).await
}

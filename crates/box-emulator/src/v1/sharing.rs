//! v1 sharing between people: `private_share` and `add_to_mybox`, over
//! [`crate::store::sharing`]. (`public_share` / `public_unshare` set the
//! item's shared link and live beside the other item actions.)

use axum::response::Response;

use super::status_only;
use super::xml::Call;
use crate::state::Shared;
use crate::store::sharing::PublicFile;
use crate::store::{Kind, StoreError};

/// `private_share` (`target` = `file`, `target_id`, `emails`, `message`,
/// `notify`): each e-mail of a user becomes a viewer collaboration (seen
/// through v2 too), the others pending invitations. No mail is sent.
/// Statuses: `private_share_ok`; `wrong_node` (bad target, unknown or
/// invisible file); `private_share_error` (a folder, not the owner, no or
/// invalid e-mails).
pub fn private_share(shared: &Shared, user: u64, call: &Call) -> Response {
    match call.get("target") {
        "file" => {}
        "folder" => return status_only("private_share_error"),
        _ => return status_only("wrong_node"),
    }
    let emails: Vec<String> = call.lists.get("emails").cloned().unwrap_or_default();
    let res = shared
        .store
        .write(|tx| tx.private_share(user, call.get("target_id"), &emails));
    match res {
        Ok(outcome) => {
            tracing::debug!(
                users = outcome.users.len(),
                invited = outcome.invited.len(),
                "v1 private share"
            );
            status_only("private_share_ok")
        }
        Err(StoreError::NotFound) => status_only("wrong_node"),
        Err(_) => status_only("private_share_error"),
    }
}

/// `add_to_mybox` (`file_id` or `public_name`, `folder_id`, `tags` — one
/// space- or comma-separated string): copies a publicly shared file (or one
/// shared with the caller) into the caller's folder with the tags.
/// Statuses: `addtomybox_ok`; `s_link_exists` (the folder already holds that
/// name); `addtomybox_error` (no such public file, bad folder, read-only).
pub fn add_to_mybox(shared: &Shared, user: u64, call: &Call) -> Response {
    let source = match (call.get("file_id").trim(), call.get("public_name").trim()) {
        ("", "") => return status_only("addtomybox_error"),
        ("", name) => PublicFile::PublicName(name),
        (id, _) => PublicFile::Id(id),
    };
    let folder = match call.get("folder_id").trim() {
        "" => "0",
        f => f,
    };
    let tags: Vec<String> = call
        .get("tags")
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    match shared
        .store
        .write(|tx| tx.add_public_file(user, source, folder, &tags))
    {
        Ok(_) => status_only("addtomybox_ok"),
        Err(StoreError::NameInUse(existing)) if existing.kind == Kind::File => {
            status_only("s_link_exists")
        }
        Err(_) => status_only("addtomybox_error"),
    }
}

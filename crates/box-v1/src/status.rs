//! Every status string the v1 reference documents, and how failures map
//! into [`box_core::Error`].
//!
//! v1 answers every call with HTTP 200 and a `<status>` string. Each action
//! declares its success statuses ([`crate::actions::Action::SUCCESS`]);
//! anything else is a failure classified here. The raw status string is kept
//! as [`ServerContext::code`] (and [`Error::code`]) so callers can match on it.
//! A status this crate does not know is still an error, naming the string.

use box_core::{Error, ServerContext};

/// What kind of failure a status string means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// Missing, invalid or expired login / auth token.
    Unauthenticated,
    /// The API key or the user may not do this.
    PermissionDenied,
    /// The item (folder, file, node) does not exist.
    NotFound,
    /// A name, link or e-mail is already taken.
    Conflict,
    /// The request's arguments were rejected.
    InvalidInput,
    /// The action failed for a reason v1 does not detail.
    Failed,
}

/// Every documented failure status (plus the spelling variants the reference
/// itself uses, such as `not_logged_id`), with its kind.
pub const KNOWN_FAILURES: &[(&str, FailureKind)] = &[
    ("not_logged_in", FailureKind::Unauthenticated),
    ("not_logged_id", FailureKind::Unauthenticated),
    ("invalid_auth_token", FailureKind::Unauthenticated),
    ("invalid_login", FailureKind::Unauthenticated),
    ("get_auth_token_error", FailureKind::Unauthenticated),
    ("wrong_auth_token", FailureKind::Unauthenticated),
    ("application_restricted", FailureKind::PermissionDenied),
    ("access_denied", FailureKind::PermissionDenied),
    ("not_enough_free_space", FailureKind::PermissionDenied),
    // get_file_info's only documented failure; v1 answers it for a file that
    // does not exist as well as for one that is not the user's.
    ("e_access_denied", FailureKind::NotFound),
    ("e_folder_id", FailureKind::NotFound),
    ("wrong_node", FailureKind::NotFound),
    ("e_no_parent_folder", FailureKind::NotFound),
    ("e_file_id", FailureKind::NotFound),
    ("e_comment_id", FailureKind::NotFound),
    ("s_folder_exists", FailureKind::Conflict),
    ("e_filename_in_use", FailureKind::Conflict),
    ("email_already_registered", FailureKind::Conflict),
    ("s_link_exists", FailureKind::Conflict),
    ("email_invalid", FailureKind::InvalidInput),
    ("e_register", FailureKind::InvalidInput),
    ("credit_card_fields_error", FailureKind::InvalidInput),
    ("wrong_billing_plan", FailureKind::InvalidInput),
    ("wrong_billing_period", FailureKind::InvalidInput),
    ("filesize_limit_exceeded", FailureKind::InvalidInput),
    ("wrong_input", FailureKind::InvalidInput),
    ("billing_error", FailureKind::Failed),
    ("e_move_node", FailureKind::Failed),
    ("e_rename_node", FailureKind::Failed),
    ("e_delete_node", FailureKind::Failed),
    ("e_copy_node", FailureKind::Failed),
    ("share_error", FailureKind::Failed),
    ("unshare_error", FailureKind::Failed),
    ("private_share_error", FailureKind::Failed),
    ("addtomybox_error", FailureKind::Failed),
    ("addtotag_error", FailureKind::Failed),
    ("e_set_description", FailureKind::Failed),
    ("e_get_friends", FailureKind::Failed),
    ("e_request_friends", FailureKind::Failed),
    ("e_get_updates", FailureKind::Failed),
    ("e_export_tags", FailureKind::Failed),
    ("e_search", FailureKind::Failed),
    ("e_get_comments", FailureKind::Failed),
    ("e_add_comment", FailureKind::Failed),
    ("e_delete_comment", FailureKind::Failed),
    ("e_get_versions", FailureKind::Failed),
    ("upload_some_files_failed", FailureKind::Failed),
];

/// The kind of a known failure status, `None` for an unknown string.
pub fn classify(status: &str) -> Option<FailureKind> {
    KNOWN_FAILURES
        .iter()
        .find(|(s, _)| *s == status)
        .map(|(_, k)| *k)
}

/// The [`Error`] for a failure `status` returned by `action`.
pub fn error_for(action: &str, status: &str) -> Error {
    let ctx = ServerContext::new().with_status(200).with_code(status);
    let msg = format!("v1 {action} answered {status}");
    match classify(status) {
        Some(FailureKind::Unauthenticated) => Error::unauthenticated(msg).with_context(ctx),
        Some(FailureKind::PermissionDenied) => Error::permission_denied(msg).with_context(ctx),
        Some(FailureKind::NotFound) => Error::not_found(msg).with_context(ctx),
        Some(FailureKind::Conflict) => Error::conflict(msg, None).with_context(ctx),
        Some(FailureKind::InvalidInput) => Error::invalid_input(msg).with_context(ctx),
        Some(FailureKind::Failed) => Error::api(200, msg).with_context(ctx),
        None => Error::api(
            200,
            format!("v1 {action} answered unknown status {status:?}"),
        )
        .with_context(ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_keeps_the_raw_status() {
        let e = error_for("get_account_tree", "e_folder_id");
        assert!(e.is_not_found());
        assert_eq!(e.code(), Some("e_folder_id"));
        assert!(matches!(
            error_for("x", "not_logged_in"),
            Error::Unauthenticated { .. }
        ));
        assert!(matches!(
            error_for("x", "application_restricted"),
            Error::PermissionDenied { .. }
        ));
        assert!(error_for("x", "e_filename_in_use").is_conflict());
        let e = error_for("move", "totally_new");
        assert!(e.to_string().contains("totally_new"), "{e}");
        assert_eq!(e.code(), Some("totally_new"));
    }
}

//! Sharing and tagging actions.

use std::fmt;

use box_core::Result;
use secrecy::SecretString;

use super::{Action, Target};
use crate::envelope::Params;
use crate::response::Response;

/// `public_share`: makes an item public. Success: `share_ok` (returns the
/// `public_name`); failures `share_error`, `wrong_node`, `not_logged_in`,
/// `application_restricted`.
#[derive(Clone)]
pub struct PublicShare {
    /// File or folder.
    pub target: Target,
    /// The item's id.
    pub target_id: u64,
    /// Optional password for the public page (never printed; sent empty when `None`).
    pub password: Option<SecretString>,
    /// Message for the notified e-mails.
    pub message: String,
    /// Addresses to notify.
    pub emails: Vec<String>,
}

impl fmt::Debug for PublicShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicShare")
            .field("target", &self.target)
            .field("target_id", &self.target_id)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("message", &self.message)
            .field("emails", &self.emails)
            .finish()
    }
}

impl Action for PublicShare {
    const NAME: &'static str = "public_share";
    const SUCCESS: &'static [&'static str] = &["share_ok"];
    type Output = String;
    fn params(&self, p: &mut Params) {
        p.text("target", self.target.as_str())
            .text("target_id", self.target_id);
        match &self.password {
            Some(pw) => p.secret("password", pw),
            None => p.text("password", ""),
        };
        p.text("message", &self.message)
            .list("emails", self.emails.clone());
    }
    fn parse(r: Response) -> Result<String> {
        Ok(r.require("public_name")?.to_owned())
    }
}

/// `public_unshare`. Success: `unshare_ok`; failures `unshare_error`,
/// `wrong_node`, `not_logged_in`, `application_restricted`.
#[derive(Debug, Clone)]
pub struct PublicUnshare {
    /// File or folder.
    pub target: Target,
    /// The item's id.
    pub target_id: u64,
}

impl Action for PublicUnshare {
    const NAME: &'static str = "public_unshare";
    const SUCCESS: &'static [&'static str] = &["unshare_ok"];
    type Output = ();
    fn params(&self, p: &mut Params) {
        p.text("target", self.target.as_str())
            .text("target_id", self.target_id);
    }
    fn parse(_: Response) -> Result<()> {
        Ok(())
    }
}

/// `private_share` (files only). Success: `private_share_ok`; failures
/// `private_share_error`, `wrong_node`, `not_logged_in`, `application_restricted`.
#[derive(Debug, Clone)]
pub struct PrivateShare {
    /// File (v1 shares only files privately).
    pub target: Target,
    /// The item's id.
    pub target_id: u64,
    /// Who to share with.
    pub emails: Vec<String>,
    /// Message.
    pub message: String,
    /// Whether to notify by e-mail.
    pub notify: bool,
}

impl Action for PrivateShare {
    const NAME: &'static str = "private_share";
    const SUCCESS: &'static [&'static str] = &["private_share_ok"];
    type Output = ();
    fn params(&self, p: &mut Params) {
        p.text("target", self.target.as_str())
            .text("target_id", self.target_id)
            .list("emails", self.emails.clone())
            .text("message", &self.message)
            .text("notify", self.notify);
    }
    fn parse(_: Response) -> Result<()> {
        Ok(())
    }
}

/// `add_to_mybox`: copies someone's shared file into a folder. Success:
/// `addtomybox_ok`; failures `addtomybox_error`, `not_logged_in`,
/// `application_restricted`, `s_link_exists`.
#[derive(Debug, Clone)]
pub struct AddToMybox {
    /// The file's id (or use `public_name`).
    pub file_id: Option<u64>,
    /// The shared file's public name (or use `file_id`).
    pub public_name: String,
    /// The destination folder.
    pub folder_id: u64,
    /// Tags (a single space-separated string in v1).
    pub tags: String,
}

impl Action for AddToMybox {
    const NAME: &'static str = "add_to_mybox";
    const SUCCESS: &'static [&'static str] = &["addtomybox_ok"];
    type Output = ();
    fn params(&self, p: &mut Params) {
        p.text(
            "file_id",
            self.file_id.map(|i| i.to_string()).unwrap_or_default(),
        )
        .text("public_name", &self.public_name)
        .text("folder_id", self.folder_id)
        .text("tags", &self.tags);
    }
    fn parse(_: Response) -> Result<()> {
        Ok(())
    }
}

/// `add_to_tag`. Success: `addtotag_ok`; failure `addtotag_error`.
#[derive(Debug, Clone)]
pub struct AddToTag {
    /// Tag names to add.
    pub tags: Vec<String>,
    /// File or folder.
    pub target: Target,
    /// The item's id.
    pub target_id: u64,
}

impl Action for AddToTag {
    const NAME: &'static str = "add_to_tag";
    const SUCCESS: &'static [&'static str] = &["addtotag_ok"];
    type Output = ();
    fn params(&self, p: &mut Params) {
        p.list("tags", self.tags.clone())
            .text("target", self.target.as_str())
            .text("target_id", self.target_id);
    }
    fn parse(_: Response) -> Result<()> {
        Ok(())
    }
}

//! Account-wide actions: the account tree, tags, account info.

use std::io::BufRead;

use box_core::{Error, Result};
use serde::Serialize;

use super::{num_attr, Action, V1User};
use crate::envelope::Params;
use crate::response::Response;
use crate::tree::{self, AccountTree, PayloadEncoding, TreeReader};
use crate::xml::{parse_document, Element};

/// Options of [`GetAccountTree`] (the `params` list).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeParams {
    /// `onelevel`: only the folder's direct children.
    pub onelevel: bool,
    /// `nofiles`: folders only.
    pub nofiles: bool,
    /// `nozip`: inline XML instead of base64 of a ZIP.
    pub nozip: bool,
    /// `simple`: fewer attributes per entry.
    pub simple: bool,
}

impl TreeParams {
    fn items(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.onelevel {
            v.push("onelevel");
        }
        if self.nofiles {
            v.push("nofiles");
        }
        if self.nozip {
            v.push("nozip");
        }
        if self.simple {
            v.push("simple");
        }
        v
    }
}

/// `get_account_tree`: a folder's subtree. Success: `listing_ok`; failures
/// `not_logged_in`, `application_restricted`, `e_folder_id`.
#[derive(Debug, Clone)]
pub struct GetAccountTree {
    /// The folder the tree starts from (`0`: the root).
    pub folder_id: u64,
    /// Options.
    pub params: TreeParams,
}

impl GetAccountTree {
    /// The whole subtree of `folder_id`, zipped.
    pub fn new(folder_id: u64) -> Self {
        Self {
            folder_id,
            params: TreeParams::default(),
        }
    }

    /// With options.
    pub fn with_params(mut self, params: TreeParams) -> Self {
        self.params = params;
        self
    }
}

/// The answer of [`GetAccountTree`]: the undecoded payload. Decode it as a
/// stream with [`AccountTreeResponse::entries`] or build it with
/// [`AccountTreeResponse::build`].
#[derive(Debug, Clone)]
pub struct AccountTreeResponse {
    response: Response,
}

impl AccountTreeResponse {
    /// Wraps a `listing_ok` response.
    pub fn new(response: Response) -> Self {
        Self { response }
    }

    /// Whether the tree came zipped or inline.
    pub fn encoding(&self) -> Option<PayloadEncoding> {
        self.response.payload_encoding()
    }

    /// Streams the tree's entries; memory does not grow with the tree.
    pub fn entries(&self) -> Result<TreeReader<Box<dyn BufRead + Send + 'static>>> {
        Ok(TreeReader::new(self.response.open_payload()?))
    }

    /// Builds the whole tree in memory, holding at most the client's
    /// [`crate::ClientBuilder::max_tree_entries`] folders and files (a bigger
    /// tree is an [`Error::Decode`]; stream it with [`Self::entries`]).
    pub fn build(&self) -> Result<AccountTree> {
        AccountTree::from_entries_limited(self.entries()?, self.response.max_tree_entries())
    }
}

impl Action for GetAccountTree {
    const NAME: &'static str = "get_account_tree";
    const SUCCESS: &'static [&'static str] = &["listing_ok"];
    const PAYLOAD: Option<&'static str> = Some("tree");
    type Output = AccountTreeResponse;
    fn params(&self, p: &mut Params) {
        p.text("folder_id", self.folder_id)
            .list("params", self.params.items());
    }
    fn parse(r: Response) -> Result<AccountTreeResponse> {
        if r.payload_bytes().is_none() {
            return Err(Error::decode(
                "v1 response",
                "response/tree",
                "missing element",
            ));
        }
        Ok(AccountTreeResponse::new(r))
    }
}

/// A tag: id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    /// The tag's id (as referenced by `<tag id>` in the account tree).
    pub id: u64,
    /// The tag's name.
    pub name: String,
}

/// `export_tags`: every tag of the account. Success: `export_tags_ok`.
///
/// The reference says the tags come as base64 in `<tag_xml>` but its own
/// example shows an inline `<tags>` element; both are accepted (the base64
/// may also hold a ZIP, detected by its signature).
#[derive(Debug, Clone, Default)]
pub struct ExportTags;

fn tags_from(el: &Element) -> Result<Vec<Tag>> {
    el.children_named("tag")
        .map(|t| {
            Ok(Tag {
                id: num_attr(t, "id", "tags/tag")?,
                name: t.text.trim().to_owned(),
            })
        })
        .collect()
}

impl Action for ExportTags {
    const NAME: &'static str = "export_tags";
    const SUCCESS: &'static [&'static str] = &["export_tags_ok"];
    type Output = Vec<Tag>;
    fn params(&self, _: &mut Params) {}
    fn parse(r: Response) -> Result<Vec<Tag>> {
        if let Some(tags) = r.root().child("tags") {
            return tags_from(tags);
        }
        let b64 = r.require("tag_xml")?;
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut tree::Base64Reader::new(b64.as_bytes()), &mut raw)
            .map_err(|e| tree::io_to_error("tag_xml", &e))?;
        if raw.starts_with(b"PK\x03\x04") {
            let mut unzipped = Vec::new();
            let zr = tree::ZipEntryReader::open(&raw[..], tree::DEFAULT_MAX_DECOMPRESSED)
                .map_err(|e| tree::io_to_error("tag_xml", &e))?;
            std::io::Read::read_to_end(
                &mut std::io::Read::take(zr, tree::DEFAULT_MAX_DECOMPRESSED),
                &mut unzipped,
            )
            .map_err(|e| tree::io_to_error("tag_xml", &e))?;
            raw = unzipped;
        }
        let doc = parse_document("tag_xml", &raw, &[])?;
        tags_from(&doc.root)
    }
}

/// `get_account_info` (designed by analogy; not in the reference): the
/// signed-in user. Request: no parameters beyond the credentials. Response:
/// `<status>get_account_info_ok</status><user>…</user>` with the same
/// `SOAPUser` children as `get_auth_token`.
#[derive(Debug, Clone, Default)]
pub struct GetAccountInfo;

impl Action for GetAccountInfo {
    const NAME: &'static str = "get_account_info";
    const SUCCESS: &'static [&'static str] = &["get_account_info_ok"];
    type Output = V1User;
    fn params(&self, _: &mut Params) {}
    fn parse(r: Response) -> Result<V1User> {
        let user = r
            .root()
            .child("user")
            .ok_or_else(|| Error::decode("v1 response", "response/user", "missing element"))?;
        V1User::from_element(user, "response/user")
    }
}

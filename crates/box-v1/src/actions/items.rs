//! Actions on single files and folders.

use box_core::{Error, Result};
use serde::Serialize;

use super::{field, field_num, flag, num, opt_field_num, opt_num, text, Action, Target};
use crate::envelope::Params;
use crate::response::Response;

/// `create_folder`. Success: `create_ok`; failures `e_no_parent_folder`,
/// `s_folder_exists` (the name is taken), `not_logged_in`, `application_restricted`.
#[derive(Debug, Clone)]
pub struct CreateFolder {
    /// The parent folder.
    pub parent_id: u64,
    /// The new folder's name.
    pub name: String,
    /// Share it publicly.
    pub share: bool,
}

/// The `SOAPFolder` returned by [`CreateFolder`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedFolder {
    /// The new folder's id.
    pub folder_id: u64,
    /// Its name.
    pub folder_name: String,
    /// Folder type id.
    pub folder_type_id: u64,
    /// Owner's user id.
    pub user_id: u64,
    /// Path (often empty).
    pub path: String,
    /// Whether it is shared.
    pub shared: bool,
    /// Public name when shared.
    pub public_name: String,
    /// `show_comments`, as sent.
    pub show_comments: String,
    /// Parent folder id.
    pub parent_folder_id: u64,
    /// Whether a folder password is set (the password itself is dropped).
    pub has_password: bool,
}

impl Action for CreateFolder {
    const NAME: &'static str = "create_folder";
    const SUCCESS: &'static [&'static str] = &["create_ok"];
    type Output = CreatedFolder;
    fn params(&self, p: &mut Params) {
        p.text("parent_id", self.parent_id)
            .text("name", &self.name)
            .text("share", u8::from(self.share));
    }
    fn parse(r: Response) -> Result<CreatedFolder> {
        let f = r
            .root()
            .child("folder")
            .ok_or_else(|| Error::decode("v1 response", "response/folder", "missing element"))?;
        let at = "response/folder";
        Ok(CreatedFolder {
            folder_id: num(f, "folder_id", at)?,
            folder_name: text(f, "folder_name").to_owned(),
            folder_type_id: opt_num(f, "folder_type_id", at)?.unwrap_or(0),
            user_id: opt_num(f, "user_id", at)?.unwrap_or(0),
            path: text(f, "path").to_owned(),
            shared: flag(text(f, "shared")),
            public_name: text(f, "public_name").to_owned(),
            show_comments: text(f, "show_comments").to_owned(),
            parent_folder_id: opt_num(f, "parent_folder_id", at)?.unwrap_or(0),
            has_password: !text(f, "password").is_empty(),
        })
    }
}

macro_rules! node_action {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $ok:literal { $($(#[$fdoc:meta])* $field:ident : $fty:ty),* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $ty {
            /// File or folder.
            pub target: Target,
            /// The item's id.
            pub target_id: u64,
            $($(#[$fdoc])* pub $field: $fty,)*
        }

        impl Action for $ty {
            const NAME: &'static str = $name;
            const SUCCESS: &'static [&'static str] = &[$ok];
            type Output = ();
            fn params(&self, p: &mut Params) {
                p.text("target", self.target.as_str()).text("target_id", self.target_id);
                $(p.text(stringify!($field), &self.$field);)*
            }
            fn parse(_: Response) -> Result<()> {
                Ok(())
            }
        }
    };
}

node_action!(
    /// `move`. Success: `s_move_node`; failures `e_move_node`, `not_logged_in`,
    /// `application_restricted`.
    Move, "move", "s_move_node" {
        /// The destination folder.
        destination_id: u64
    }
);

node_action!(
    /// `rename`. Success: `s_rename_node`; failures `e_rename_node`,
    /// `e_filename_in_use`, `not_logged_in`, `application_restricted`.
    Rename, "rename", "s_rename_node" {
        /// The new name.
        new_name: String
    }
);

node_action!(
    /// `delete`. Success: `s_delete_node`; failures `e_delete_node`,
    /// `not_logged_in`, `application_restricted`.
    Delete, "delete", "s_delete_node" {}
);

node_action!(
    /// `set_description`. Success: `s_set_description`; failure `e_set_description`.
    SetDescription, "set_description", "s_set_description" {
        /// The description.
        description: String
    }
);

/// `copy` (designed by analogy; not in the reference): copies a file into a
/// folder. Request: `target` (`file`), `target_id`, `destination_id`, like
/// `move`, plus `new_name` when one is wanted (servers that ignore it keep
/// the original name). Response:
/// `<status>s_copy_node</status><new_file_id>…</new_file_id>`; failures
/// `e_copy_node`, `e_filename_in_use`.
///
/// Real servers also answer `s_copy_node` with no `<new_file_id>` at all,
/// after copying: the output is then `None` (the copy exists, its id is
/// unknown; [`box_core::Storage::copy`] finds it by listing the destination).
#[derive(Debug, Clone)]
pub struct Copy {
    /// What to copy (only files are supported by v1).
    pub target: Target,
    /// The item's id.
    pub target_id: u64,
    /// The destination folder.
    pub destination_id: u64,
    /// A name for the copy (sent only when set).
    pub new_name: Option<String>,
}

impl Action for Copy {
    const NAME: &'static str = "copy";
    const SUCCESS: &'static [&'static str] = &["s_copy_node"];
    /// The new file's id, `None` when the server did not report it.
    type Output = Option<u64>;
    fn params(&self, p: &mut Params) {
        p.text("target", self.target.as_str())
            .text("target_id", self.target_id)
            .text("destination_id", self.destination_id);
        if let Some(n) = &self.new_name {
            p.text("new_name", n);
        }
    }
    fn parse(r: Response) -> Result<Option<u64>> {
        opt_num(r.root(), "new_file_id", "response")
    }
}

/// `get_file_info`. Success: `s_get_file_info`; failure `e_access_denied`.
#[derive(Debug, Clone)]
pub struct GetFileInfo {
    /// The file.
    pub file_id: u64,
}

/// The `SOAPFileInfo` of [`GetFileInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    /// The file's id.
    pub file_id: u64,
    /// Its name.
    pub file_name: String,
    /// Its folder.
    pub folder_id: u64,
    /// Whether it is shared.
    pub shared: bool,
    /// Public name when shared.
    pub shared_name: String,
    /// Size in bytes.
    pub size: u64,
    /// Description.
    pub description: String,
    /// SHA-1 of the content, hex.
    pub sha1: String,
    /// Creation time, UNIX seconds.
    pub created: Option<i64>,
    /// Update time, UNIX seconds.
    pub updated: Option<i64>,
}

impl Action for GetFileInfo {
    const NAME: &'static str = "get_file_info";
    const SUCCESS: &'static [&'static str] = &["s_get_file_info"];
    type Output = FileInfo;
    fn params(&self, p: &mut Params) {
        p.text("file_id", self.file_id);
    }
    fn parse(r: Response) -> Result<FileInfo> {
        let i = r
            .root()
            .child("info")
            .ok_or_else(|| Error::decode("v1 response", "response/info", "missing element"))?;
        let at = "response/info";
        Ok(FileInfo {
            file_id: num(i, "file_id", at)?,
            file_name: text(i, "file_name").to_owned(),
            folder_id: num(i, "folder_id", at)?,
            shared: flag(text(i, "shared")),
            shared_name: text(i, "shared_name").to_owned(),
            size: opt_num(i, "size", at)?.unwrap_or(0),
            description: text(i, "description").to_owned(),
            sha1: text(i, "sha1").to_owned(),
            created: opt_num(i, "created", at)?,
            updated: opt_num(i, "updated", at)?,
        })
    }
}

/// `get_versions` (designed by analogy; not in the reference): a file's
/// versions. Request: `target` (`file`), `target_id`. Response:
/// `<status>s_get_versions</status><versions><version><version_id/><file_name/>
/// <size/><sha1/><created/><author_id/></version>…</versions>`.
#[derive(Debug, Clone)]
pub struct GetVersions {
    /// The file.
    pub file_id: u64,
}

/// One version from [`GetVersions`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    /// The version's id (usable in the download URL).
    pub version_id: u64,
    /// The file name at that version.
    pub file_name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-1, hex (may be empty).
    pub sha1: String,
    /// Creation time, UNIX seconds.
    pub created: Option<i64>,
    /// Uploader's user id.
    pub author_id: Option<u64>,
}

impl Action for GetVersions {
    const NAME: &'static str = "get_versions";
    const SUCCESS: &'static [&'static str] = &["s_get_versions"];
    type Output = Vec<Version>;
    fn params(&self, p: &mut Params) {
        p.text("target", "file").text("target_id", self.file_id);
    }
    fn parse(r: Response) -> Result<Vec<Version>> {
        let Some(vs) = r.root().child("versions") else {
            return Ok(Vec::new());
        };
        let at = "response/versions/version";
        vs.children_named("version")
            .map(|v| {
                Ok(Version {
                    version_id: num(v, "version_id", at)?,
                    file_name: text(v, "file_name").to_owned(),
                    size: opt_num(v, "size", at)?.unwrap_or(0),
                    sha1: text(v, "sha1").to_owned(),
                    created: opt_num(v, "created", at)?,
                    author_id: opt_num(v, "author_id", at)?,
                })
            })
            .collect()
    }
}

/// `search` (designed by analogy; not in the reference): items whose name
/// matches. Request: `query`, `page`, `per_page`. Response:
/// `<status>search_results_ok</status><files><file id file_name folder_id size
/// created updated shared/>…</files><folders><folder id name parent_id shared/>…</folders>`,
/// the attributes named as in the account tree. Failure `e_search`.
#[derive(Debug, Clone)]
pub struct Search {
    /// The text to look for.
    pub query: String,
    /// 1-based page.
    pub page: u32,
    /// Results per page.
    pub per_page: u32,
}

/// A file found by [`Search`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundFile {
    /// Id.
    pub id: u64,
    /// Name.
    pub file_name: String,
    /// Folder holding it.
    pub folder_id: u64,
    /// Size in bytes.
    pub size: u64,
    /// Creation time, UNIX seconds.
    pub created: Option<i64>,
    /// Update time, UNIX seconds.
    pub updated: Option<i64>,
    /// Shared publicly.
    pub shared: bool,
}

/// A folder found by [`Search`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundFolder {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Parent folder.
    pub parent_id: Option<u64>,
    /// Shared publicly.
    pub shared: bool,
}

/// One page of [`Search`] results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SearchResults {
    /// Files.
    pub files: Vec<FoundFile>,
    /// Folders.
    pub folders: Vec<FoundFolder>,
}

impl Action for Search {
    const NAME: &'static str = "search";
    /// `search_results_ok`, and `s_get_files_of_type`, which real servers
    /// answer searches with.
    const SUCCESS: &'static [&'static str] = &["search_results_ok", "s_get_files_of_type"];
    type Output = SearchResults;
    fn params(&self, p: &mut Params) {
        p.text("query", &self.query)
            .text("page", self.page)
            .text("per_page", self.per_page);
    }
    /// Each file's and folder's data may come as attributes
    /// (`<file id="…" file_name="…"/>`) or as child elements
    /// (`<file><file_id>…</file_id><file_name>…</file_name>…</file>`); both
    /// layouts parse, element names as in `get_file_info` accepted too.
    fn parse(r: Response) -> Result<SearchResults> {
        let mut out = SearchResults::default();
        if let Some(files) = r.root().child("files") {
            for f in files.children_named("file") {
                let at = "response/files/file";
                out.files.push(FoundFile {
                    id: field_num(f, &["id", "file_id"], at)?,
                    file_name: field(f, &["file_name", "name"]).unwrap_or("").to_owned(),
                    folder_id: field_num(f, &["folder_id", "parent_id"], at)?,
                    size: opt_field_num(f, &["size"], at)?.unwrap_or(0),
                    created: opt_field_num(f, &["created"], at)?,
                    updated: opt_field_num(f, &["updated"], at)?,
                    shared: flag(field(f, &["shared"]).unwrap_or("0")),
                });
            }
        }
        if let Some(folders) = r.root().child("folders") {
            for f in folders.children_named("folder") {
                let at = "response/folders/folder";
                out.folders.push(FoundFolder {
                    id: field_num(f, &["id", "folder_id"], at)?,
                    name: field(f, &["name", "folder_name"]).unwrap_or("").to_owned(),
                    parent_id: opt_field_num(f, &["parent_id", "parent_folder_id"], at)?,
                    shared: flag(field(f, &["shared"]).unwrap_or("0")),
                });
            }
        }
        Ok(out)
    }
}

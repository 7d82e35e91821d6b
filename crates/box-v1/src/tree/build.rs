//! Collects streamed [`TreeEntry`] values into an in-memory tree.

use std::io::BufRead;

use box_core::{Error, Result};
use serde::Serialize;

use super::parse::{TreeEntry, TreeFile, TreeFolder, TreeReader};
use super::DEFAULT_MAX_TREE_ENTRIES;

/// A folder with its files and subfolders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeNode {
    /// The folder itself.
    pub folder: TreeFolder,
    /// Files directly in it.
    pub files: Vec<TreeFile>,
    /// Subfolders.
    pub folders: Vec<TreeNode>,
}

/// A whole account tree, built in memory (use [`TreeReader`] for huge trees).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountTree {
    /// The requested folder and everything below it.
    pub root: TreeNode,
}

impl AccountTree {
    /// Builds the tree from a stream of entries, holding at most
    /// [`DEFAULT_MAX_TREE_ENTRIES`] folders and files.
    pub fn from_entries<I: IntoIterator<Item = Result<TreeEntry>>>(entries: I) -> Result<Self> {
        Self::from_entries_limited(entries, DEFAULT_MAX_TREE_ENTRIES)
    }

    /// Builds the tree from a stream of entries; more than `max_entries`
    /// folders and files is an [`Error::Decode`] (raised as soon as the
    /// limit is passed, so memory stays bounded).
    pub fn from_entries_limited<I: IntoIterator<Item = Result<TreeEntry>>>(
        entries: I,
        max_entries: usize,
    ) -> Result<Self> {
        let mut stack: Vec<TreeNode> = Vec::new();
        let mut root = None;
        let mut count = 0usize;
        for e in entries {
            let e = e?;
            if matches!(e, TreeEntry::Folder { .. } | TreeEntry::File { .. }) {
                count += 1;
                if count > max_entries {
                    return Err(Error::decode(
                        "account tree",
                        format!("entry {count}"),
                        format!(
                            "more than {max_entries} folders and files to hold in memory \
                             (raise the limit, or stream the tree with TreeReader)"
                        ),
                    ));
                }
            }
            match e {
                TreeEntry::Folder { folder, .. } => stack.push(TreeNode {
                    folder,
                    files: Vec::new(),
                    folders: Vec::new(),
                }),
                TreeEntry::File { file, .. } => stack
                    .last_mut()
                    .ok_or_else(|| Error::decode("account tree", "file", "file outside a folder"))?
                    .files
                    .push(file),
                TreeEntry::FolderTags { id, tags } => {
                    let node = stack
                        .iter_mut()
                        .rev()
                        .find(|n| n.folder.id == id)
                        .ok_or_else(|| {
                            Error::decode("account tree", "folder tags", "tags of no open folder")
                        })?;
                    node.folder.tags.extend(tags);
                }
                TreeEntry::EndFolder { .. } => {
                    let node = stack.pop().ok_or_else(|| {
                        Error::decode("account tree", "folder end", "unbalanced folder")
                    })?;
                    match stack.last_mut() {
                        Some(parent) => parent.folders.push(node),
                        None => root = Some(node),
                    }
                }
                // Entries added later (the enum is non-exhaustive) carry
                // nothing the tree keeps.
                #[allow(unreachable_patterns)]
                _ => {}
            }
        }
        root.map(|root| AccountTree { root })
            .ok_or_else(|| Error::decode("account tree", "end", "no complete root folder"))
    }

    /// Parses and builds a tree from an XML document reader, holding at
    /// most [`DEFAULT_MAX_TREE_ENTRIES`] entries.
    pub fn build<R: BufRead>(input: R) -> Result<Self> {
        Self::from_entries(TreeReader::new(input))
    }

    /// [`AccountTree::build`] with an entry limit of `max_entries`.
    pub fn build_limited<R: BufRead>(input: R, max_entries: usize) -> Result<Self> {
        Self::from_entries_limited(TreeReader::new(input), max_entries)
    }

    /// Number of files in the whole tree.
    pub fn file_count(&self) -> usize {
        fn count(n: &TreeNode) -> usize {
            n.files.len() + n.folders.iter().map(count).sum::<usize>()
        }
        count(&self.root)
    }
}

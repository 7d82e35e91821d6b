//! Collects streamed [`TreeEntry`] values into an in-memory tree.

use std::io::BufRead;

use box_core::{Error, Result};
use serde::Serialize;

use super::parse::{TreeEntry, TreeFile, TreeFolder, TreeReader};

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
    /// Builds the tree from a stream of entries.
    pub fn from_entries<I: IntoIterator<Item = Result<TreeEntry>>>(entries: I) -> Result<Self> {
        let mut stack: Vec<TreeNode> = Vec::new();
        let mut root = None;
        for e in entries {
            match e? {
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

    /// Parses and builds a tree from an XML document reader.
    pub fn build<R: BufRead>(input: R) -> Result<Self> {
        Self::from_entries(TreeReader::new(input))
    }

    /// Number of files in the whole tree.
    pub fn file_count(&self) -> usize {
        fn count(n: &TreeNode) -> usize {
            n.files.len() + n.folders.iter().map(count).sum::<usize>()
        }
        count(&self.root)
    }
}

//! quick-xml reader turning an account-tree document into typed entries.
//!
//! The document nests `<folder>` elements, each holding `<tags>` (of
//! `<tag id="…"/>`), `<files>` (of `<file …>`) and `<folders>`. [`TreeReader`]
//! yields a [`TreeEntry::Folder`] when a folder's own tags are known, a
//! [`TreeEntry::File`] at each file's end and a [`TreeEntry::EndFolder`] when
//! a folder closes. Its state is a stack as deep as the folder nesting, so
//! memory does not grow with the number of entries.
//!
//! Lenient where safe: a closing tag closes elements left open inside it (the
//! reference's unclosed `<folders>`), unknown attributes (including the
//! reference's `pdated=` typo) are kept in `extra` rather than guessed at, and
//! an empty `name` on the root folder is accepted. Strict where ambiguous: a
//! file outside any folder, a non-numeric id, or a document ending inside an
//! element is an [`Error::Decode`] naming the element and byte offset.

use std::io::BufRead;

use box_core::{Error, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::Serialize;

use super::io_to_error;

/// A folder of the account tree (without its children).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeFolder {
    /// The folder's id (`0` is the root).
    pub id: u64,
    /// The folder's name (empty for the root).
    pub name: String,
    /// Whether the folder is publicly shared.
    pub shared: bool,
    /// Ids of the tags on the folder (names come from `export_tags`).
    pub tags: Vec<u64>,
    /// Attributes this crate does not interpret, as sent.
    pub extra: Vec<(String, String)>,
}

/// A file of the account tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeFile {
    /// The file's id.
    pub id: u64,
    /// The file's name.
    pub file_name: String,
    /// The `keyword` attribute (usually empty).
    pub keyword: String,
    /// Whether the file is publicly shared.
    pub shared: bool,
    /// Size in bytes.
    pub size: u64,
    /// Creation time, UNIX seconds.
    pub created: Option<i64>,
    /// Last update time, UNIX seconds.
    pub updated: Option<i64>,
    /// Ids of the tags on the file.
    pub tags: Vec<u64>,
    /// Attributes this crate does not interpret, as sent.
    pub extra: Vec<(String, String)>,
}

/// One event of a streamed account tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum TreeEntry {
    /// A folder starts; its files and subfolders follow until `EndFolder`.
    Folder {
        /// The folder.
        folder: TreeFolder,
        /// The enclosing folder, `None` for the document's top folder.
        parent: Option<u64>,
        /// 0 for the top folder, 1 for its subfolders…
        depth: usize,
    },
    /// A file in the innermost open folder.
    File {
        /// The file.
        file: TreeFile,
        /// The folder holding it.
        folder_id: u64,
        /// Depth of the file (its folder's depth + 1).
        depth: usize,
    },
    /// The folder with this id ends.
    EndFolder {
        /// The folder's id.
        id: u64,
    },
}

#[derive(Debug, PartialEq, Eq)]
enum Open {
    Folder,
    File,
    Tags,
    Tag,
    Files,
    Folders,
    Other(Vec<u8>),
}

impl Open {
    fn of(name: &[u8]) -> Self {
        match name {
            b"tags" => Open::Tags,
            b"tag" => Open::Tag,
            b"files" => Open::Files,
            b"folders" => Open::Folders,
            other => Open::Other(other.to_vec()),
        }
    }

    fn matches(&self, name: &[u8]) -> bool {
        match self {
            Open::Folder => name == b"folder",
            Open::File => name == b"file",
            Open::Tags => name == b"tags",
            Open::Tag => name == b"tag",
            Open::Files => name == b"files",
            Open::Folders => name == b"folders",
            Open::Other(n) => n == name,
        }
    }
}

/// Streams [`TreeEntry`] values out of an account-tree XML document.
pub struct TreeReader<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    open: Vec<Open>,
    folders: Vec<u64>,
    pending_folder: Option<TreeEntry>,
    pending_file: Option<TreeFile>,
    queue: std::collections::VecDeque<TreeEntry>,
    started: bool,
    done: bool,
    what: &'static str,
}

impl<R: BufRead> TreeReader<R> {
    /// Reads a document from `input`.
    pub fn new(input: R) -> Self {
        let mut reader = Reader::from_reader(input);
        reader.config_mut().check_end_names = false;
        reader.config_mut().trim_text(true);
        Self {
            reader,
            buf: Vec::with_capacity(4096),
            open: Vec::new(),
            folders: Vec::new(),
            pending_folder: None,
            pending_file: None,
            queue: std::collections::VecDeque::new(),
            started: false,
            done: false,
            what: "account tree",
        }
    }

    fn err(&self, pos: u64, msg: impl Into<String>) -> Error {
        Error::decode(self.what, format!("XML byte {pos}"), msg)
    }

    fn flush_folder(&mut self) {
        if let Some(f) = self.pending_folder.take() {
            self.queue.push_back(f);
        }
    }

    fn folder_from(&self, e: &BytesStart<'_>, pos: u64) -> Result<TreeFolder> {
        let mut f = TreeFolder {
            id: 0,
            name: String::new(),
            shared: false,
            tags: Vec::new(),
            extra: Vec::new(),
        };
        let mut have_id = false;
        for a in RawAttrs(e.attributes_raw()) {
            let (key, value) = a.map_err(|m| self.err(pos, format!("<folder>: {m}")))?;
            match key {
                b"id" => {
                    f.id = num_bytes(value).ok_or_else(|| {
                        self.err(
                            pos,
                            format!("<folder> id {:?} is not a number", lossy(value)),
                        )
                    })?;
                    have_id = true;
                }
                b"name" => f.name = attr_value(value),
                b"shared" => f.shared = value == b"1",
                k => f.extra.push((lossy(k), attr_value(value))),
            }
        }
        if !have_id {
            return Err(self.err(pos, "<folder> without an id"));
        }
        Ok(f)
    }

    fn file_from(&self, e: &BytesStart<'_>, pos: u64) -> Result<TreeFile> {
        let mut f = TreeFile {
            id: 0,
            file_name: String::new(),
            keyword: String::new(),
            shared: false,
            size: 0,
            created: None,
            updated: None,
            tags: Vec::new(),
            extra: Vec::new(),
        };
        let mut have_id = false;
        for a in RawAttrs(e.attributes_raw()) {
            let (key, value) = a.map_err(|m| self.err(pos, format!("<file>: {m}")))?;
            let num = |what: &str| -> Result<u64> {
                num_bytes(value).ok_or_else(|| {
                    self.err(
                        pos,
                        format!("<file> {what} {:?} is not a number", lossy(value)),
                    )
                })
            };
            match key {
                b"id" => {
                    f.id = num("id")?;
                    have_id = true;
                }
                b"file_name" => f.file_name = attr_value(value),
                b"keyword" => f.keyword = attr_value(value),
                b"shared" => f.shared = value == b"1",
                b"size" => f.size = num("size")?,
                b"created" => f.created = Some(num("created")? as i64),
                b"updated" => f.updated = Some(num("updated")? as i64),
                k => f.extra.push((lossy(k), attr_value(value))),
            }
        }
        if !have_id {
            return Err(self.err(pos, "<file> without an id"));
        }
        Ok(f)
    }

    fn tag(&mut self, e: &BytesStart<'_>, pos: u64) -> Result<()> {
        let mut id = None;
        for a in RawAttrs(e.attributes_raw()) {
            let (key, value) = a.map_err(|m| self.err(pos, format!("<tag>: {m}")))?;
            if key == b"id" {
                id = Some(num_bytes(value).ok_or_else(|| {
                    self.err(pos, format!("<tag> id {:?} is not a number", lossy(value)))
                })?);
            }
        }
        let Some(id) = id else {
            return Err(self.err(pos, "<tag> without an id"));
        };
        if let Some(f) = self.pending_file.as_mut() {
            f.tags.push(id);
        } else if let Some(TreeEntry::Folder { folder, .. }) = self.pending_folder.as_mut() {
            folder.tags.push(id);
        } else {
            return Err(self.err(
                pos,
                format!("<tag id=\"{id}\"> outside a file or a folder's <tags>"),
            ));
        }
        Ok(())
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool, pos: u64) -> Result<()> {
        if self.started && self.open.is_empty() {
            return Err(self.err(pos, "content after the root folder"));
        }
        match e.name().as_ref() {
            b"folder" => {
                self.flush_folder();
                let folder = self.folder_from(e, pos)?;
                let id = folder.id;
                let entry = TreeEntry::Folder {
                    folder,
                    parent: self.folders.last().copied(),
                    depth: self.folders.len(),
                };
                self.started = true;
                if empty {
                    self.queue.push_back(entry);
                    self.queue.push_back(TreeEntry::EndFolder { id });
                    if self.open.is_empty() {
                        self.done = true;
                    }
                } else {
                    self.pending_folder = Some(entry);
                    self.folders.push(id);
                    self.open.push(Open::Folder);
                }
            }
            b"file" => {
                self.flush_folder();
                if self.folders.is_empty() {
                    return Err(self.err(pos, "<file> outside any folder"));
                }
                let file = self.file_from(e, pos)?;
                if empty {
                    self.emit_file(file);
                } else {
                    self.pending_file = Some(file);
                    self.open.push(Open::File);
                }
            }
            b"tag" => {
                self.tag(e, pos)?;
                if !empty {
                    self.open.push(Open::Tag);
                }
            }
            other => {
                if !self.started {
                    return Err(self.err(
                        pos,
                        format!(
                            "expected <folder>, found <{}>",
                            String::from_utf8_lossy(other)
                        ),
                    ));
                }
                if other != b"tags" {
                    self.flush_folder();
                }
                if !empty {
                    self.open.push(Open::of(other));
                }
            }
        }
        Ok(())
    }

    fn emit_file(&mut self, file: TreeFile) {
        let folder_id = *self.folders.last().expect("checked when the file started");
        self.queue.push_back(TreeEntry::File {
            file,
            folder_id,
            depth: self.folders.len(),
        });
    }

    fn end(&mut self, name: &[u8], pos: u64) -> Result<()> {
        let Some(idx) = self.open.iter().rposition(|o| o.matches(name)) else {
            if self.started && self.open.is_empty() {
                return Ok(()); // the payload element's own closing tag
            }
            return Err(self.err(
                pos,
                format!(
                    "closing tag </{}> matches no open element",
                    String::from_utf8_lossy(name)
                ),
            ));
        };
        while self.open.len() > idx {
            match self.open.pop().expect("len > idx") {
                Open::Folder => {
                    self.flush_folder();
                    let id = self.folders.pop().expect("folder stack follows open stack");
                    self.queue.push_back(TreeEntry::EndFolder { id });
                }
                Open::File => {
                    if let Some(f) = self.pending_file.take() {
                        self.emit_file(f);
                    }
                }
                _ => {}
            }
        }
        if self.open.is_empty() {
            // The root folder is complete; what follows is the payload
            // element's own closing tag and the envelope's.
            self.done = true;
        }
        Ok(())
    }

    fn step(&mut self) -> Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let r = self.step_with(&mut buf);
        self.buf = buf;
        r
    }

    fn step_with(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        let pos = self.reader.buffer_position();
        let ev = match self.reader.read_event_into(buf) {
            Ok(ev) => ev,
            Err(quick_xml::Error::Io(e)) => return Err(io_to_error(self.what, &e)),
            Err(e) => return Err(self.err(self.reader.error_position(), e.to_string())),
        };
        match ev {
            Event::Start(e) => self.start(&e, false, pos)?,
            Event::Empty(e) => self.start(&e, true, pos)?,
            Event::End(e) => self.end(e.name().as_ref(), pos)?,
            Event::Text(t)
                if !self.started
                    && !t
                        .iter()
                        .all(|b| b.is_ascii_whitespace() || [0xEF, 0xBB, 0xBF].contains(b)) =>
            {
                return Err(self.err(pos, "text before the root folder"));
            }
            Event::Eof => {
                if let Some(top) = self.folders.last() {
                    return Err(self.err(
                        pos,
                        format!("document ends inside <folder id=\"{top}\"> (truncated)"),
                    ));
                }
                if !self.started {
                    return Err(self.err(pos, "no <folder> in the document"));
                }
                self.done = true;
            }
            _ => {}
        }
        Ok(())
    }
}

fn attr_value(raw: &[u8]) -> String {
    if !raw.contains(&b'&') {
        return match std::str::from_utf8(raw) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(raw).into_owned(),
        };
    }
    crate::xml::text_of(raw)
}

fn lossy(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

/// A decimal number (surrounding whitespace allowed).
fn num_bytes(raw: &[u8]) -> Option<u64> {
    let raw = raw.trim_ascii();
    if raw.is_empty() || raw.len() > 20 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in raw {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// A fast scanner over a start tag's attributes (`key="value"` or
/// `key='value'`, whitespace around `=` allowed); values are raw (escaped).
struct RawAttrs<'a>(&'a [u8]);

impl<'a> Iterator for RawAttrs<'a> {
    type Item = std::result::Result<(&'a [u8], &'a [u8]), String>;

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.0;
        let start = s.iter().position(|b| !b.is_ascii_whitespace())?;
        let s = &s[start..];
        let Some(eq) = s.iter().position(|&b| b == b'=') else {
            self.0 = &[];
            return Some(Err(format!(
                "attribute {:?} without a value",
                lossy(s.trim_ascii())
            )));
        };
        let key = s[..eq].trim_ascii();
        let rest = s[eq + 1..].trim_ascii_start();
        let Some(&quote) = rest.first().filter(|q| **q == b'"' || **q == b'\'') else {
            self.0 = &[];
            return Some(Err(format!(
                "attribute {:?} value is not quoted",
                lossy(key)
            )));
        };
        let Some(end) = rest[1..].iter().position(|&b| b == quote) else {
            self.0 = &[];
            return Some(Err(format!(
                "attribute {:?} value is not closed",
                lossy(key)
            )));
        };
        let value = &rest[1..1 + end];
        self.0 = &rest[end + 2..];
        Some(Ok((key, value)))
    }
}

impl<R: BufRead> Iterator for TreeReader<R> {
    type Item = Result<TreeEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Some(Ok(e));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.step() {
                self.done = true;
                return Some(Err(e));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = r#"<?xml version="1.0" ?>
<folder id="0" name="" shared="0">
<tags></tags>
<files></files>
<folders>
<folder id="4384" name="Incoming" shared="0">
<tags>
<tag id="34" />
</tags>
<files>
<file id="68736" file_name="cows.w3g" keyword="" shared="0" size="232386"
created="1129537520" updated="1129537520">
<tags> </tags>
</file>
<file id="68737" file_name="silver.html" keyword="" shared="0" size="15805"
created="1129537520" pdated="1129537520">
<tags>
<tag id="35" />
</tags>
</file>
</files>
</folder>
<folders>
</folder>
</tree>"#;

    #[test]
    fn reference_example_parses_leniently() {
        let entries: Vec<_> = TreeReader::new(REFERENCE.as_bytes())
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(entries.len(), 6, "{entries:#?}");
        match &entries[1] {
            TreeEntry::Folder {
                folder,
                parent,
                depth,
            } => {
                assert_eq!(
                    (folder.id, folder.tags.clone(), *parent, *depth),
                    (4384, vec![34], Some(0), 1)
                );
            }
            other => panic!("{other:?}"),
        }
        match &entries[3] {
            TreeEntry::File {
                file, folder_id, ..
            } => {
                assert_eq!(
                    (file.id, file.tags.clone(), *folder_id, file.updated),
                    (68737, vec![35], 4384, None)
                );
                assert_eq!(
                    file.extra,
                    vec![("pdated".to_owned(), "1129537520".to_owned())]
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(entries[5], TreeEntry::EndFolder { id: 0 });
    }

    #[test]
    fn truncated_and_bad_ids_fail() {
        let cut = &REFERENCE[..REFERENCE.len() / 2];
        let r: Result<Vec<_>> = TreeReader::new(cut.as_bytes()).collect();
        assert!(matches!(r, Err(Error::Decode { .. })));
        let r: Result<Vec<_>> = TreeReader::new(&b"<folder id=\"x\"/>"[..]).collect();
        assert!(r.unwrap_err().to_string().contains("not a number"));
    }
}

//! Turns an account-tree document into typed entries, on top of the
//! tokenizer in [`scan`](super::scan).
//!
//! The document nests `<folder>` elements, each holding `<tags>` (of
//! `<tag id="…"/>`), `<files>` (of `<file …>`) and `<folders>`. [`TreeReader`]
//! yields a [`TreeEntry::Folder`] when a folder's own tags are known, a
//! [`TreeEntry::File`] at each file's end and a [`TreeEntry::EndFolder`] when
//! a folder closes. Servers may list a folder's `<tags>` after its `<files>`
//! or `<folders>`; those tags arrive as a [`TreeEntry::FolderTags`] when the
//! late `<tags>` closes (the folder's entry has been handed out by then). Its state is a stack as deep as the folder nesting, so
//! memory does not grow with the number of entries.
//!
//! Lenient where safe: a closing tag closes elements left open inside it (the
//! reference's unclosed `<folders>`), unknown attributes (including the
//! reference's `pdated=` typo) are kept in `extra` rather than guessed at, and
//! an empty `name` on the root folder is accepted. Strict where ambiguous: a
//! file outside any folder, a non-numeric id, or a document ending inside an
//! element is an [`Error::Decode`] naming the element and byte offset.
//!
//! Speed: almost every entry of a big tree is an ordinary `<file>` element,
//! so those are parsed straight from the tokenizer's buffer in one pass
//! (`fast_file`); anything unusual — unknown attributes, single quotes,
//! spaces in numbers, a comment, a cut at the buffer's end — is left to the
//! generic token-by-token path, which is the one that reports errors. A test
//! checks that both paths give identical entries and errors.

use std::io::Read;

use box_core::{Error, Result};
use serde::Serialize;

use super::io_to_error;
use super::scan::{is_ws, ScanError, Scanner, Token};

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

impl TreeFile {
    fn blank() -> Self {
        TreeFile {
            id: 0,
            file_name: String::new(),
            keyword: String::new(),
            shared: false,
            size: 0,
            created: None,
            updated: None,
            tags: Vec::new(),
            extra: Vec::new(),
        }
    }
}

/// One event of a streamed account tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
#[non_exhaustive]
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
    /// Tags of an open folder listed after its files or subfolders (real
    /// servers do this): add them to the folder with this id, which was
    /// yielded earlier and has not ended yet.
    FolderTags {
        /// The folder's id.
        id: u64,
        /// Ids of the tags, in document order.
        tags: Vec<u64>,
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

/// How deeply elements may nest (each folder level takes two: `<folder>`
/// and `<folders>`), so about 1,000 folder levels; deeper is a
/// [`Error::Decode`].
pub const MAX_NESTING: usize = 2048;

/// Streams [`TreeEntry`] values out of an account-tree XML document.
pub struct TreeReader<R: Read> {
    scan: Scanner<R>,
    st: State,
    /// Whether [`fast_files`] may be used (tests compare both paths).
    fast: bool,
}

/// The reader's state: a stack as deep as the nesting, plus entries ready
/// to hand out.
struct State {
    open: Vec<Open>,
    folders: Vec<u64>,
    pending_folder: Option<TreeEntry>,
    pending_file: Option<TreeFile>,
    /// Tags of an already-yielded folder, collected inside a late `<tags>`.
    late_tags: Option<(u64, Vec<u64>)>,
    queue: std::collections::VecDeque<TreeEntry>,
    started: bool,
    done: bool,
    what: &'static str,
}

impl<R: Read> TreeReader<R> {
    /// Reads a document from `input`.
    pub fn new(input: R) -> Self {
        Self {
            scan: Scanner::new(input),
            st: State {
                open: Vec::new(),
                folders: Vec::new(),
                pending_folder: None,
                pending_file: None,
                late_tags: None,
                queue: std::collections::VecDeque::new(),
                started: false,
                done: false,
                what: "account tree",
            },
            fast: true,
        }
    }

    /// Parses a run of ordinary `<file>` elements straight from the
    /// scanner's buffer. Returns whether it consumed anything.
    fn fast_files(&mut self) -> Result<bool> {
        let st = &mut self.st;
        if !(self.fast
            && st.pending_folder.is_none()
            && st.pending_file.is_none()
            && st.open.last() == Some(&Open::Files))
        {
            return Ok(false);
        }
        if let Err(e) = self.scan.buffer_at_least(FAST_WINDOW) {
            return match e {
                ScanError::Io(e) => Err(io_to_error(st.what, &e)),
                // Let the generic path report it where it occurs.
                ScanError::Syntax { .. } => Ok(false),
            };
        }
        let folder_id = *st.folders.last().expect("inside <files> of a folder");
        let depth = st.folders.len();
        let mut used = 0;
        let mut count = 0;
        while count < FAST_BATCH {
            // Built in its queue slot: these entries are big enough that
            // moving each one around shows in the profile.
            st.queue.push_back(TreeEntry::File {
                file: TreeFile::blank(),
                folder_id,
                depth,
            });
            let parsed = match st.queue.back_mut() {
                Some(TreeEntry::File { file, .. }) => fast_file(&self.scan.unread()[used..], file),
                _ => None,
            };
            let Some(n) = parsed else {
                st.queue.pop_back();
                break;
            };
            used += n;
            count += 1;
        }
        self.scan.skip(used);
        Ok(count > 0)
    }

    fn step(&mut self) -> Result<()> {
        if self.fast_files()? {
            return Ok(());
        }
        let st = &mut self.st;
        match self.scan.advance() {
            Ok(()) => {}
            Err(ScanError::Io(e)) => return Err(io_to_error(st.what, &e)),
            Err(ScanError::Syntax { pos, message }) => return Err(st.err(pos, message)),
        }
        let pos = self.scan.token_pos();
        match self.scan.token() {
            Token::Start { name, empty } => {
                let kind = ElementKind::of(name);
                let other = (kind == ElementKind::Other).then(|| name.to_vec());
                st.start(kind, other, self.scan.attrs(), empty, pos)?;
            }
            Token::End { name } => st.end(name, pos)?,
            Token::Text if !st.started => {
                return Err(st.err(pos, "text before the root folder"));
            }
            Token::Text => {}
            Token::Eof => {
                if let Some(top) = st.folders.last() {
                    return Err(st.err(
                        pos,
                        format!("document ends inside <folder id=\"{top}\"> (truncated)"),
                    ));
                }
                if !st.started {
                    return Err(st.err(pos, "no <folder> in the document"));
                }
                st.done = true;
            }
        }
        Ok(())
    }
}

/// Bytes kept buffered ahead for the fast path (an ordinary `<file>` is a
/// few hundred bytes; one that does not fit goes the generic way).
const FAST_WINDOW: usize = 16 * 1024;
/// Files parsed per fast-path call.
const FAST_BATCH: usize = 64;

/// Parses one ordinary file element at the start of `b` (after optional
/// whitespace): `<file` with values in double quotes (attributes this crate
/// does not interpret go to `extra`, as on the generic path), numbers as
/// plain digits, then either `/>` or `>` followed by `<tags>` of
/// `<tag id="N" />` and `</file>`. Returns the bytes consumed, having filled
/// `f` (a blank file), or `None` for anything else — including anything
/// malformed or cut off by the end of the buffer — which the generic path
/// then handles (and reports) exactly as it would have.
fn fast_file(b: &[u8], f: &mut TreeFile) -> Option<usize> {
    let mut i = skip_ws(b, 0);
    if !b.get(i..)?.starts_with(b"<file") || !is_ws(*b.get(i + 5)?) {
        return None;
    }
    i += 6;
    let mut have_id = false;
    let mut expect = 0;
    let empty = loop {
        i = skip_ws(b, i);
        match *b.get(i)? {
            b'>' => {
                i += 1;
                break false;
            }
            b'/' => {
                if *b.get(i + 1)? != b'>' {
                    return None;
                }
                i += 2;
                break true;
            }
            _ => {}
        }
        // Box sends the attributes in one order, so the next key is tried
        // first; any other known key is found by trying each.
        let rest = b.get(i..)?;
        let k = if has_prefix(rest, FILE_KEYS[expect % FILE_KEYS.len()]) {
            expect % FILE_KEYS.len()
        } else if let Some(k) = FILE_KEYS.iter().position(|key| has_prefix(rest, key)) {
            k
        } else {
            // An attribute this crate does not interpret (the emulator's
            // `sha1`, the reference's `pdated` typo): kept in `extra`.
            let (key, value, next) = other_attribute(b, i)?;
            f.extra.push((key, value));
            i = next + 1;
            continue;
        };
        expect = k + 1;
        i += FILE_KEYS[k].len();
        match k {
            0 | 4 | 5 | 6 => {
                let (n, next) = digits(b, i)?;
                i = next;
                match k {
                    0 => {
                        f.id = n;
                        have_id = true;
                    }
                    4 => f.size = n,
                    5 => f.created = Some(n as i64),
                    _ => f.updated = Some(n as i64),
                }
            }
            1 | 2 => {
                let (value, end) = string_value(b, i)?;
                i = end;
                if k == 1 {
                    f.file_name = value;
                } else {
                    f.keyword = value;
                }
            }
            _ => {
                f.shared = match b.get(i..i + 2)? {
                    b"1\"" => true,
                    b"0\"" => false,
                    _ => return None,
                };
                i += 1;
            }
        }
        i += 1; // the closing quote
    };
    if !have_id {
        return None;
    }
    if !empty {
        i = skip_ws(b, i);
        if b.get(i..)?.starts_with(b"<tags>") {
            i += 6;
            loop {
                i = skip_ws(b, i);
                if b.get(i..)?.starts_with(b"</tags>") {
                    i += 7;
                    break;
                }
                if !b.get(i..)?.starts_with(b"<tag id=\"") {
                    return None;
                }
                let (id, next) = digits(b, i + 9)?;
                i = skip_ws(b, next + 1);
                if b.get(i..i + 2)? != b"/>" {
                    return None;
                }
                i += 2;
                f.tags.push(id);
            }
            i = skip_ws(b, i);
        }
        if !b.get(i..)?.starts_with(b"</file>") {
            return None;
        }
        i += 7;
    }
    Some(i)
}

/// The `<file>` attributes the fast path knows, in Box's order, each with
/// its `="` (a key followed by anything else goes the generic way).
const FILE_KEYS: [&[u8]; 7] = [
    b"id=\"",
    b"file_name=\"",
    b"keyword=\"",
    b"shared=\"",
    b"size=\"",
    b"created=\"",
    b"updated=\"",
];

/// A double-quoted string value starting at `i`: the value and the index of
/// its closing quote. `None` (leave it to the generic path) for a `<` inside,
/// invalid UTF-8 or the end of the buffer.
fn string_value(b: &[u8], mut i: usize) -> Option<(String, usize)> {
    let vs = i;
    let mut escaped = false;
    loop {
        match *b.get(i)? {
            b'"' => break,
            b'<' => return None,
            b'&' => {
                escaped = true;
                i += 1;
            }
            _ => i += 1,
        }
    }
    let raw = &b[vs..i];
    let value = if escaped {
        crate::xml::text_of(raw)
    } else {
        std::str::from_utf8(raw).ok()?.to_owned()
    };
    Some((value, i))
}

/// `key="value"` at `i` for a key the fast path does not know: the key, the
/// value and the index of the closing quote.
fn other_attribute(b: &[u8], mut i: usize) -> Option<(String, String, usize)> {
    let ks = i;
    loop {
        match *b.get(i)? {
            b'=' => break,
            c if is_ws(c) || matches!(c, b'>' | b'/' | b'<' | b'"' | b'\'') => return None,
            _ => i += 1,
        }
    }
    if i == ks || *b.get(i + 1)? != b'"' {
        return None;
    }
    let key = std::str::from_utf8(&b[ks..i]).ok()?.to_owned();
    let (value, end) = string_value(b, i + 2)?;
    Some((key, value, end))
}

/// `starts_with` for short prefixes, inlined rather than a `memcmp` call
/// (which showed in the profile).
#[inline]
fn has_prefix(b: &[u8], prefix: &[u8]) -> bool {
    b.len() >= prefix.len() && b.iter().zip(prefix).all(|(x, y)| x == y)
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    i
}

/// 1 to 19 digits at `i` followed by `"`: the number and the quote's index.
fn digits(b: &[u8], mut i: usize) -> Option<(u64, usize)> {
    let start = i;
    let mut n = 0u64;
    loop {
        let c = *b.get(i)?;
        if c.is_ascii_digit() {
            if i - start == 19 {
                return None; // might overflow: the generic path decides
            }
            n = n * 10 + u64::from(c - b'0');
            i += 1;
        } else if c == b'"' && i > start {
            return Some((n, i));
        } else {
            return None;
        }
    }
}

/// The elements the reader acts on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ElementKind {
    Folder,
    File,
    Tag,
    Tags,
    Other,
}

impl ElementKind {
    fn of(name: &[u8]) -> Self {
        match name {
            b"folder" => ElementKind::Folder,
            b"file" => ElementKind::File,
            b"tag" => ElementKind::Tag,
            b"tags" => ElementKind::Tags,
            _ => ElementKind::Other,
        }
    }
}

impl State {
    fn err(&self, pos: u64, msg: impl Into<String>) -> Error {
        Error::decode(self.what, format!("XML byte {pos}"), msg)
    }

    fn flush_folder(&mut self) {
        if let Some(f) = self.pending_folder.take() {
            self.queue.push_back(f);
        }
    }

    fn folder_from<'b>(
        &self,
        attrs: impl Iterator<Item = (&'b [u8], &'b [u8])>,
        pos: u64,
    ) -> Result<TreeFolder> {
        let mut f = TreeFolder {
            id: 0,
            name: String::new(),
            shared: false,
            tags: Vec::new(),
            extra: Vec::new(),
        };
        let mut have_id = false;
        for (key, value) in attrs {
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

    fn file_from<'b>(
        &self,
        attrs: impl Iterator<Item = (&'b [u8], &'b [u8])>,
        pos: u64,
    ) -> Result<TreeFile> {
        let mut f = TreeFile::blank();
        let mut have_id = false;
        for (key, value) in attrs {
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

    fn tag<'b>(
        &mut self,
        attrs: impl Iterator<Item = (&'b [u8], &'b [u8])>,
        pos: u64,
    ) -> Result<()> {
        let mut id = None;
        for (key, value) in attrs {
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
        } else if let Some((_, tags)) = self.late_tags.as_mut() {
            tags.push(id);
        } else {
            return Err(self.err(
                pos,
                format!("<tag id=\"{id}\"> outside a file or a folder's <tags>"),
            ));
        }
        Ok(())
    }

    fn start<'b>(
        &mut self,
        kind: ElementKind,
        other: Option<Vec<u8>>,
        attrs: impl Iterator<Item = (&'b [u8], &'b [u8])>,
        empty: bool,
        pos: u64,
    ) -> Result<()> {
        if self.started && self.open.is_empty() {
            return Err(self.err(pos, "content after the root folder"));
        }
        if !empty && self.open.len() >= MAX_NESTING {
            // A tree built from deeper nesting would overflow the stack when
            // dropped (each folder owns its subfolders).
            return Err(self.err(pos, format!("elements nested more than {MAX_NESTING} deep")));
        }
        match kind {
            ElementKind::Folder => {
                self.flush_folder();
                let folder = self.folder_from(attrs, pos)?;
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
            ElementKind::File => {
                self.flush_folder();
                if self.folders.is_empty() {
                    return Err(self.err(pos, "<file> outside any folder"));
                }
                let file = self.file_from(attrs, pos)?;
                if empty {
                    self.emit_file(file);
                } else {
                    self.pending_file = Some(file);
                    self.open.push(Open::File);
                }
            }
            ElementKind::Tag => {
                self.tag(attrs, pos)?;
                if !empty {
                    self.open.push(Open::Tag);
                }
            }
            ElementKind::Tags | ElementKind::Other => {
                let name = other.unwrap_or_else(|| b"tags".to_vec());
                if !self.started {
                    return Err(self.err(
                        pos,
                        format!(
                            "expected <folder>, found <{}>",
                            String::from_utf8_lossy(&name)
                        ),
                    ));
                }
                if kind != ElementKind::Tags {
                    self.flush_folder();
                } else if self.pending_folder.is_none()
                    && self.pending_file.is_none()
                    && self.late_tags.is_none()
                    && self.open.last() == Some(&Open::Folder)
                {
                    // `<tags>` after the folder's files or subfolders.
                    let id = *self
                        .folders
                        .last()
                        .expect("folder stack follows open stack");
                    if !empty {
                        self.late_tags = Some((id, Vec::new()));
                    }
                }
                if !empty {
                    self.open.push(Open::of(&name));
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
                Open::Tags => {
                    if let Some((id, tags)) = self.late_tags.take() {
                        if !tags.is_empty() {
                            self.queue.push_back(TreeEntry::FolderTags { id, tags });
                        }
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
    // Up to 19 digits cannot overflow a u64, so the common case needs no
    // overflow checks.
    if !raw.is_empty() && raw.len() <= 19 && raw.iter().all(u8::is_ascii_digit) {
        return Some(raw.iter().fold(0u64, |n, &b| n * 10 + u64::from(b - b'0')));
    }
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

impl<R: Read> Iterator for TreeReader<R> {
    type Item = Result<TreeEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.st.queue.pop_front() {
                return Some(Ok(e));
            }
            if self.st.done {
                return None;
            }
            if let Err(e) = self.step() {
                self.st.done = true;
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

    /// Entries (or the error) with the fast path on or off, reading through
    /// a reader that returns at most `step` bytes at a time.
    fn run(doc: &str, fast: bool, step: usize) -> std::result::Result<Vec<TreeEntry>, String> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = TreeReader::new(Trickle(doc.as_bytes(), step));
        r.fast = fast;
        r.collect::<Result<Vec<_>>>().map_err(|e| e.to_string())
    }

    #[test]
    fn fast_path_agrees_with_the_generic_path() {
        let files = [
            r#"<file id="1" file_name="a.txt" keyword="" shared="0" size="10" created="5" updated="6"><tags><tag id="35" /></tags></file>"#,
            r#"<file id="2" file_name="b &amp; c.txt" shared="1" size="0"/>"#,
            r#"<file id="3" file_name="d" pdated="7"><tags></tags></file>"#,
            r#"<file id="4" file_name='single' shared="0"></file>"#,
            r#"<file id=" 5 " file_name="spaced" size="1"/>"#,
            r#"<file id="6" file_name="e" shared="2"/>"#,
            r#"<file id="7" file_name="f"><tags><tag id="1" name="x"/></tags></file>"#,
            r#"<file id="8" file_name="g"><tags/></file>"#,
            r#"<file  id = "9"  file_name="h > i" />"#,
            r#"<file id="10" file_name="j"><tags>  <tag id="2"/>  <tag id="3" /> </tags>  </file>"#,
            r#"<file id="11" size="99999999999999999999"/>"#,
            r#"<file file_name="no id"/>"#,
            r#"<file id="12" file_name="k"><!-- c --></file>"#,
            r#"<file id="13" x:y="a &amp; b" sha1="da39" file_name="l" size="3"/>"#,
            r#"<file id="14" =""/>"#,
            r#"<file id="15" k="v/>"#,
        ];
        for (k, file) in files.iter().enumerate() {
            let doc = format!(
                "<folder id=\"0\" name=\"\"><tags></tags><files>\n{}\n{file}\n{}\n</files><folders></folders></folder>",
                r#"<file id="100" file_name="before"/>"#, r#"<file id="101" file_name="after"/>"#
            );
            let want = run(&doc, false, usize::MAX);
            for step in [usize::MAX, 1, 7, 64] {
                assert_eq!(run(&doc, true, step), want, "file {k}, step {step}");
            }
        }
        let big = super::super::generate::tree_xml(30, 300);
        let want = run(&big, false, usize::MAX).unwrap();
        assert_eq!(want.len(), 1 + 30 * 2 + 9000 + 1);
        for step in [usize::MAX, 4096, 333] {
            assert_eq!(run(&big, true, step).unwrap(), want, "step {step}");
        }
        let cut = &big[..big.len() / 3];
        assert_eq!(run(cut, true, usize::MAX), run(cut, false, usize::MAX));
    }

    /// Damaged documents (bytes replaced, inserted or removed at random,
    /// favouring the characters markup is made of) never panic, and the fast
    /// path gives exactly what the generic path gives: the same entries, or
    /// the same error.
    #[test]
    fn damaged_documents_never_panic_and_both_paths_agree() {
        let doc = super::super::generate::tree_xml(4, 12);
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        const PICKS: &[u8] = b"<>/=\"' &;#x0123456789abcfilenametgs\n\xff\xc3";
        for round in 0..400 {
            let mut bytes = doc.clone().into_bytes();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % bytes.len();
                let c = PICKS[(next() as usize) % PICKS.len()];
                match next() % 3 {
                    0 => bytes[at] = c,
                    1 => bytes.insert(at, c),
                    _ => {
                        bytes.remove(at);
                    }
                }
            }
            let run_bytes = |fast: bool, step: usize| {
                struct Trickle<'a>(&'a [u8], usize);
                impl Read for Trickle<'_> {
                    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                        let n = self.0.len().min(self.1).min(buf.len());
                        buf[..n].copy_from_slice(&self.0[..n]);
                        self.0 = &self.0[n..];
                        Ok(n)
                    }
                }
                let mut r = TreeReader::new(Trickle(&bytes, step));
                r.fast = fast;
                r.collect::<Result<Vec<_>>>().map_err(|e| e.to_string())
            };
            let want = run_bytes(false, usize::MAX);
            for step in [usize::MAX, 97] {
                assert_eq!(run_bytes(true, step), want, "round {round}, step {step}");
            }
        }
    }

    #[test]
    fn nesting_is_bounded() {
        fn nested(levels: usize) -> String {
            let mut s = String::new();
            for i in 0..levels {
                s.push_str(&format!("<folder id=\"{i}\" name=\"f\"><folders>"));
            }
            for _ in 0..levels {
                s.push_str("</folders></folder>");
            }
            s
        }
        let ok = crate::tree::AccountTree::build(nested(900).as_bytes()).unwrap();
        assert_eq!(ok.root.folder.id, 0);
        let deep = nested(200_000);
        let e = crate::tree::AccountTree::build(deep.as_bytes()).unwrap_err();
        assert!(matches!(e, Error::Decode { .. }), "{e:?}");
        assert!(e.to_string().contains("nested more than 2048"), "{e}");
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

//! box-v1's fuzz targets, each a plain `fn(&[u8])` that must never panic,
//! hang or allocate without bound, whatever the bytes.
//!
//! `tests/fuzz.rs` runs them as bounded property tests in `cargo test`; the
//! cargo-fuzz crate in `crates/box-v1/fuzz/` includes this very file (with
//! `#[path]`) so libFuzzer can run them for as long as one likes.

#![allow(dead_code)]

use std::io::Read;

use box_v1::actions::*;
use box_v1::tree::{self, AccountTree, TreeReader};
use box_v1::Response;
use bytes::Bytes;

/// The decompressed-size limit the targets decode under (the client's default
/// is 1 GiB; a fuzz case must stay small and fast).
pub const MAX_DECOMPRESSED: u64 = 8 << 20;
/// The entry limit for trees built in memory by the targets.
pub const MAX_TREE_ENTRIES: usize = 20_000;

/// Every action's response parse: `Action::from_body` (envelope, status
/// check, typed result), and the typed parse without the status check (so
/// mutated bodies reach each action's reader whatever their status says).
pub fn action_body(data: &[u8]) {
    let body = Bytes::copy_from_slice(data);
    macro_rules! each {
        ($($action:ty),* $(,)?) => {$(
            let _ = <$action>::from_body(body.clone());
            if let Ok(r) = Response::parse(body.clone(), <$action>::PAYLOAD) {
                let _ = <$action>::parse(r.with_max_decompressed(MAX_DECOMPRESSED));
            }
        )*};
    }
    each!(
        ExportTags,
        GetAccountInfo,
        GetTicket,
        GetAuthToken,
        Authorization,
        Logout,
        RegisterNewUser,
        RegisterPaidUser,
        VerifyRegistrationEmail,
        CreateFolder,
        Move,
        Rename,
        Delete,
        SetDescription,
        Copy,
        GetFileInfo,
        GetVersions,
        Search,
        PublicShare,
        PublicUnshare,
        PrivateShare,
        AddToMybox,
        AddToTag,
        RequestFriends,
        GetComments,
        AddComment,
        DeleteComment,
    );
    // The payload actions decode their (zipped or inline) payload: bounded.
    for payload in [GetFriends::PAYLOAD, GetUpdates::PAYLOAD] {
        if let Ok(r) = Response::parse(body.clone(), payload) {
            let r = r.with_max_decompressed(MAX_DECOMPRESSED);
            let _ = GetFriends::parse(r.clone());
            let _ = GetUpdates::parse(r);
        }
    }
    if let Ok(r) = Response::parse(body.clone(), GetAccountTree::PAYLOAD) {
        let r = r
            .with_max_decompressed(MAX_DECOMPRESSED)
            .with_max_tree_entries(MAX_TREE_ENTRIES);
        if let Ok(tree) = GetAccountTree::parse(r) {
            let _ = tree.build();
            if let Ok(entries) = tree.entries() {
                entries.take(MAX_TREE_ENTRIES * 4).for_each(drop);
            }
        }
    }
}

/// The account-tree decoder on a `<tree>` payload (the bytes after
/// `<tree>`): base64 → ZIP → inflate → XML → entries, streamed and built.
pub fn tree_payload(data: &[u8]) {
    let payload = Bytes::copy_from_slice(data);
    // Streamed: every entry, until the first error.
    if let Ok(r) = tree::open_payload_on_this_thread(payload.clone(), "tree", MAX_DECOMPRESSED) {
        for e in TreeReader::new(r) {
            if e.is_err() {
                break;
            }
        }
    }
    // Built in memory, under an entry limit.
    if let Ok(r) = tree::open_payload_on_this_thread(payload.clone(), "tree", MAX_DECOMPRESSED) {
        let _ = AccountTree::build_limited(r, MAX_TREE_ENTRIES);
    }
    // The raw document, read to the end (the ZIP checks run at the end).
    if let Ok(mut r) = tree::open_payload_on_this_thread(payload, "tree", MAX_DECOMPRESSED) {
        let mut sink = Vec::new();
        let _ = r.read_to_end(&mut sink);
        assert!(
            sink.len() as u64 <= MAX_DECOMPRESSED,
            "decompressed past the limit"
        );
    }
}

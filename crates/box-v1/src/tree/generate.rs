//! Synthetic account trees, for tests, fixtures and the benchmark.

use std::fmt::Write as _;

use ::base64::engine::general_purpose::STANDARD;
use ::base64::Engine as _;

/// An account-tree XML document with `folders` subfolders of the root, each
/// holding `files_per_folder` files (ids, sizes and times derived from the
/// position), some of them tagged.
pub fn tree_xml(folders: usize, files_per_folder: usize) -> String {
    let mut s = String::with_capacity(64 + folders * (80 + files_per_folder * 170));
    s.push_str("<?xml version=\"1.0\" ?>\n<folder id=\"0\" name=\"\" shared=\"0\">\n<tags></tags>\n<files></files>\n<folders>\n");
    let mut file_id = 100_000u64;
    for d in 0..folders {
        let _ = write!(
            s,
            "<folder id=\"{}\" name=\"Folder &amp; {d}\" shared=\"{}\">\n<tags>{}</tags>\n<files>\n",
            1000 + d,
            d % 2,
            if d % 3 == 0 { "<tag id=\"34\" />" } else { "" }
        );
        for f in 0..files_per_folder {
            file_id += 1;
            let _ = write!(
                s,
                "<file id=\"{file_id}\" file_name=\"report-{d}-{f}.pdf\" keyword=\"\" shared=\"0\" size=\"{}\" created=\"{}\" updated=\"{}\">\n<tags>{}</tags>\n</file>\n",
                (file_id * 7919) % 10_000_000,
                1_129_537_520 + file_id,
                1_129_537_520 + file_id * 2,
                if f % 10 == 0 { "<tag id=\"35\" />" } else { "" }
            );
        }
        s.push_str("</files>\n<folders></folders>\n</folder>\n");
    }
    s.push_str("</folders>\n</folder>\n");
    s
}

/// Base64 of `data`, wrapped at 76 characters with CRLF like MIME.
pub fn base64_wrapped(data: &[u8]) -> String {
    let flat = STANDARD.encode(data);
    let mut out = String::with_capacity(flat.len() + flat.len() / 38 + 2);
    for chunk in flat.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push_str("\r\n");
    }
    out
}

/// A `get_account_tree` response whose `<tree>` holds `payload` as is.
pub fn tree_response(payload: &str) -> String {
    format!("<?xml version='1.0' encoding='UTF-8'?>\n<response>\n<status>listing_ok</status>\n<tree>\n{payload}\n</tree>\n</response>\n")
}

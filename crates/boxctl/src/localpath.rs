//! Local file names from remote names: a remote name can never escape the
//! target directory.
//!
//! Box forbids `/` and `\` in names, but a hostile or buggy server can send
//! anything. Every remote name goes through [`safe_local_name`] before it
//! touches the disk: separators, NUL and other control characters are
//! escaped as `%XX`, `.`/`..` and empty names are refused, and Windows
//! device names (`CON`, `NUL`, `COM1`…) get a `_` prefix so the file is
//! portable.

use std::path::{Component, Path, PathBuf};

use crate::error::{CliError, CliResult};

const DEVICES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A single path component for `remote`, or an error if it cannot be made safe.
pub fn safe_local_name(remote: &str) -> CliResult<String> {
    let trimmed = remote.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        return Err(CliError::failure(format!(
            "refusing the remote name {remote:?}: it would not name a file inside the target directory"
        )));
    }
    let mut out = String::with_capacity(remote.len());
    for c in remote.chars() {
        match c {
            '/' | '\\' | ':' | '%' => out.push_str(&format!("%{:02X}", c as u32)),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    // Windows ignores trailing dots and spaces, and names a device by its
    // stem whatever the extension.
    let stem = out
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_ascii_uppercase();
    if DEVICES.contains(&stem.as_str()) {
        out.insert(0, '_');
    }
    while out.ends_with('.') || out.ends_with(' ') {
        let last = out.pop().unwrap_or('.');
        out.push_str(&format!("%{:02X}", last as u32));
    }
    // What is left is one normal component; check it all the same.
    let mut comps = Path::new(&out).components();
    match (comps.next(), comps.next()) {
        (Some(Component::Normal(_)), None) => Ok(out),
        _ => Err(CliError::failure(format!(
            "refusing the remote name {remote:?}"
        ))),
    }
}

/// `dir` joined with each remote name of `relative` (a `/`-separated remote
/// path), each made safe; the result is always inside `dir`.
pub fn local_path_under(dir: &Path, relative: &[&str]) -> CliResult<PathBuf> {
    let mut p = dir.to_path_buf();
    for name in relative {
        p.push(safe_local_name(name)?);
    }
    debug_assert!(p.starts_with(dir));
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_refused_or_escaped() {
        assert!(safe_local_name("..").is_err());
        assert!(safe_local_name(".").is_err());
        assert!(safe_local_name("").is_err());
        assert_eq!(safe_local_name("../../x").unwrap(), "..%2F..%2Fx");
        assert_eq!(safe_local_name("/etc/x").unwrap(), "%2Fetc%2Fx");
        assert_eq!(safe_local_name("a\\b").unwrap(), "a%5Cb");
        assert_eq!(safe_local_name("CON").unwrap(), "_CON");
        assert_eq!(safe_local_name("con.txt").unwrap(), "_con.txt");
        assert_eq!(safe_local_name("nul\0x").unwrap(), "nul%00x");
        assert_eq!(safe_local_name("a%2Fb").unwrap(), "a%252Fb");
        assert_eq!(safe_local_name("dots..").unwrap(), "dots.%2E");
        assert_eq!(safe_local_name("report.pdf").unwrap(), "report.pdf");
        assert_eq!(safe_local_name("ünï cødé").unwrap(), "ünï cødé");
    }

    #[test]
    fn joined_paths_stay_inside() {
        let dir = Path::new("/tmp/target");
        let p = local_path_under(dir, &["..", "x"]);
        assert!(p.is_err());
        let p = local_path_under(dir, &["a/../..", "b"]).unwrap();
        assert!(p.starts_with(dir));
        assert_eq!(p.components().count(), dir.components().count() + 2);
    }
}

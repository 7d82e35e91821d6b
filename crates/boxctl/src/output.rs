//! Output: `--json` documents, human sizes and dates, item lines.

use std::io::Write;

use box_core::{Item, Timestamp};
use serde::Serialize;

use crate::error::{CliError, CliResult};

/// How a command prints.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// One JSON document (or JSON lines for streams) instead of text.
    pub json: bool,
    /// No progress bars and no chatter on stderr.
    pub quiet: bool,
}

impl Output {
    /// Prints one JSON document.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> CliResult<()> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| CliError::failure(format!("encoding JSON: {e}")))?;
        self.line(&text)
    }

    /// Prints one JSON line (for streams).
    pub fn json_line<T: Serialize + ?Sized>(&self, value: &T) -> CliResult<()> {
        let text = serde_json::to_string(value)
            .map_err(|e| CliError::failure(format!("encoding JSON: {e}")))?;
        self.line(&text)
    }

    /// Prints a line on stdout. A closed pipe (`boxctl ls | head`) ends quietly.
    pub fn line(&self, text: &str) -> CliResult<()> {
        let mut out = std::io::stdout().lock();
        match writeln!(out, "{text}").and_then(|_| out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(CliError::failure(format!("writing to stdout: {e}"))),
        }
    }

    /// A note on stderr, unless quiet or JSON.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }
}

/// `1.5 KiB`, `12 MiB`, `532 B`. (Written here: a dozen lines, no crate needed.)
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if v < 10.0 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{v:.0} {}", UNITS[unit])
    }
}

/// `2024-03-01 14:02` in local time, or `-`.
pub fn human_time(t: Option<&Timestamp>) -> String {
    match t {
        Some(t) => t
            .as_datetime()
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        None => "-".to_owned(),
    }
}

/// `file`, `folder` or `web_link`.
pub fn kind(item: &Item) -> &'static str {
    match item {
        Item::File(_) => "file",
        Item::Folder(_) => "folder",
        _ => "web_link",
    }
}

/// The item's size, when known.
pub fn size(item: &Item) -> Option<u64> {
    match item {
        Item::File(f) => Some(f.size),
        Item::Folder(f) => f.size,
        _ => None,
    }
}

/// The item's modification time.
pub fn modified(item: &Item) -> Option<&Timestamp> {
    match item {
        Item::File(f) => f.modified_at.as_ref(),
        Item::Folder(f) => f.modified_at.as_ref(),
        Item::WebLink(w) => w.modified_at.as_ref(),
        _ => None,
    }
}

/// The name, with a trailing `/` for folders.
pub fn display_name(item: &Item) -> String {
    match item {
        Item::Folder(_) => format!("{}/", item.name()),
        _ => item.name().to_owned(),
    }
}

/// A long listing line: kind, size, modified, id, name.
pub fn long_line(item: &Item, name: &str) -> String {
    let size = size(item).map(human_size).unwrap_or_else(|| "-".into());
    format!(
        "{:<6} {:>9}  {}  {:>12}  {}",
        kind(item),
        size,
        human_time(modified(item)),
        item.id().as_str(),
        name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(20 * 1024 * 1024), "20 MiB");
    }
}

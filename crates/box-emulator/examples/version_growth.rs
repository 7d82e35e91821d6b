//! Measures how the store grows with one file's history: adds 10,000
//! versions of one small file, one SQLite commit each as uploads do, to a
//! store in a temporary data directory, and prints at 1k, 2k, 5k and 10k
//! versions the database files' size, the JSON stored and written, and the
//! process's resident memory.
//!
//! ```text
//! cargo run --release -p box-emulator --example version_growth [-- VERSIONS]
//! ```
//!
//! The regression test `store::growth_tests::per_version_growth_is_flat`
//! checks the same growth, bounded, on every test run.

use box_emulator::store::{BlobInfo, Store};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let total: u64 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let store = Store::open(Some(dir.path()))?;
    let user = store
        .create_user("Measure", "measure@example.com")
        .map_err(|e| format!("{e:?}"))?
        .id;
    let blob = |n: u64| BlobInfo {
        sha1: format!("{n:040x}"),
        size: 100 + n % 7,
    };
    let file = store
        .write(|tx| tx.create_file(user, "0", "notes.txt", &blob(0)))
        .map_err(|e| format!("{e:?}"))?
        .to_string();
    let rss0 = rss_kib();
    let started = std::time::Instant::now();
    println!(
        "{:>8} {:>12} {:>12} {:>14} {:>10} {:>10} {:>8}",
        "versions", "db+wal B", "stored B", "written B", "RSS KiB", "+RSS KiB", "secs"
    );
    let marks = [1_000, 2_000, 5_000, 10_000];
    for n in 1..total {
        store
            .write(|tx| tx.add_version(user, &file, &blob(n), None, None))
            .map_err(|e| format!("{e:?}"))?;
        let versions = n + 1;
        if marks.contains(&versions) || versions == total {
            let stats = store.db_stats().ok_or("no database")?;
            let db = file_size(&dir.path().join("box.sqlite3"))
                + file_size(&dir.path().join("box.sqlite3-wal"));
            let rss = rss_kib();
            println!(
                "{versions:>8} {db:>12} {:>12} {:>14} {rss:>10} {:>10} {:>8.1}",
                stats.stored_bytes,
                stats.bytes_written,
                rss.saturating_sub(rss0),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

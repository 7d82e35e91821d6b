//! Account-tree decoding throughput: `cargo bench -p box-v1`.
//!
//! Generates a zipped, base64-wrapped account tree of 100,000 files, then
//! times (1) inflate alone on the same DEFLATE bytes — the ceiling — and
//! (2) the streaming decode (base64 → ZIP → XML → typed entries). Prints MB/s
//! of XML and entries/s, and the resident-memory growth during the streaming
//! decode for trees of 100,000 and 400,000 files (it should not grow with the
//! tree).

use std::io::Read;
use std::time::Instant;

use box_v1::tree::generate::{base64_wrapped, tree_xml};
use box_v1::tree::zip::write_zip;
use box_v1::tree::{open_payload, TreeReader};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn best_of<F: FnMut() -> u64>(runs: usize, mut f: F) -> (f64, u64) {
    let mut best = f64::MAX;
    let mut out = 0;
    for _ in 0..runs {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, out)
}

fn main() {
    let folders = 1000;
    let per = 100;
    let xml = tree_xml(folders, per);
    let zip = write_zip("tree.xml", xml.as_bytes(), true);
    let b64 = bytes::Bytes::from(base64_wrapped(&zip));
    let xml_mb = xml.len() as f64 / 1e6;
    println!(
        "tree: {} files, {:.1} MB XML, {:.2} MB zipped, {:.2} MB base64",
        folders * per,
        xml_mb,
        zip.len() as f64 / 1e6,
        b64.len() as f64 / 1e6
    );

    // Inflate alone: the DEFLATE stream after the 30-byte header + name.
    let deflate = &zip[30 + "tree.xml".len()..];
    let (t_inflate, n) = best_of(5, || {
        let mut d = flate2::bufread::DeflateDecoder::new(deflate);
        let mut buf = vec![0u8; 64 * 1024];
        let mut n = 0u64;
        loop {
            let k = d.read(&mut buf).expect("inflate");
            if k == 0 {
                break;
            }
            n += k as u64;
        }
        n
    });
    assert_eq!(n as usize, xml.len());
    println!("inflate alone:     {:8.1} MB/s of XML", xml_mb / t_inflate);

    let (t_stream, entries) = best_of(5, || {
        let r = open_payload(b64.clone(), "tree", 1 << 30).expect("open");
        let mut n = 0u64;
        for e in TreeReader::new(r) {
            e.expect("entry");
            n += 1;
        }
        n
    });
    println!(
        "streaming decode:  {:8.1} MB/s of XML, {:.0} entries/s ({} entries)",
        xml_mb / t_stream,
        entries as f64 / t_stream,
        entries
    );
    let (t_parse, _) = best_of(5, || {
        let mut n = 0u64;
        for e in TreeReader::new(xml.as_bytes()) {
            e.expect("entry");
            n += 1;
        }
        n
    });
    println!(
        "XML parse alone:   {:8.1} MB/s of XML (no base64/zip)",
        xml_mb / t_parse
    );
    let (t_unzip, _) = best_of(5, || {
        let mut r = open_payload(b64.clone(), "tree", 1 << 30).expect("open");
        std::io::copy(&mut r, &mut std::io::sink()).expect("copy")
    });
    println!(
        "base64+zip alone:  {:8.1} MB/s of XML (no XML parse)",
        xml_mb / t_unzip
    );
    println!(
        "ratio: streaming decode = {:.0}% of inflate-alone throughput (target >= 60%)",
        100.0 * t_inflate / t_stream
    );

    for (folders, per) in [(1000usize, 100usize), (4000, 100)] {
        let b64 = {
            let xml = tree_xml(folders, per);
            let zip = write_zip("tree.xml", xml.as_bytes(), true);
            bytes::Bytes::from(base64_wrapped(&zip))
        };
        let before = rss_kib();
        let mut peak = before;
        let r = open_payload(b64.clone(), "tree", 1 << 30).expect("open");
        let mut n = 0u64;
        for e in TreeReader::new(r) {
            e.expect("entry");
            n += 1;
            if n % 20_000 == 0 {
                peak = peak.max(rss_kib());
            }
        }
        peak = peak.max(rss_kib());
        println!(
            "memory: {} files: RSS before decode {} KiB, peak growth during decode {} KiB",
            folders * per,
            before,
            peak - before
        );
    }
}

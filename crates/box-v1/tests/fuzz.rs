//! Bounded fuzzing of box-v1's parsers (the targets are in
//! `fuzz_targets/mod.rs`): every action's response parse and the account-tree
//! decoder, on byte mutations of the fixtures under `fixtures/v1` and of
//! generated documents, with a fixed case count per target (see
//! `box_core::fuzzing`; `BOXKIT_FUZZ_CASES=50` runs 50 times as many), then
//! the regression inputs under `fixtures/v1/fuzz/`.

mod fuzz_targets;

use std::path::Path;
use std::time::Duration;

use box_core::fuzzing::proptest::prelude::*;
use box_core::fuzzing::{assert_peak_rss_below, config, mutated, replay_corpus, run_case, Target};
use box_v1::tree::generate::{base64_wrapped, tree_xml};
use box_v1::tree::zip::write_zip;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/v1");
/// A case taking longer than this is a hang (debug build, a loaded 2-core machine).
const DEADLINE: Duration = Duration::from_secs(20);
/// Peak memory of the whole test process after the cases.
const PEAK_RSS: u64 = 1 << 30;

/// Dictionary for the XML mutations: tags and attributes of v1 answers, the
/// success statuses, entities and character references, numbers that do not
/// fit, ZIP and base64 fragments.
const XML_TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"/>",
    b"=\"",
    b"\"",
    b"'",
    b"<response>",
    b"</response>",
    b"<status>",
    b"</status>",
    b"<tree>",
    b"</tree>",
    b"<folder id=\"1\" name=\"a\" shared=\"0\">",
    b"</folder>",
    b"<folders>",
    b"</folders>",
    b"<files>",
    b"</files>",
    b"<file id=\"2\" file_name=\"b\" size=\"3\" created=\"4\" updated=\"5\">",
    b"</file>",
    b"<file id=\"9\"/>",
    b"<tags>",
    b"</tags>",
    b"<tag id=\"34\"/>",
    b"<tag id=\"34\">x</tag>",
    b"<comment>",
    b"<reply_comments>",
    b"<comment_id>1</comment_id>",
    b"<user>",
    b"<friends>",
    b"<updates>",
    b"<update>",
    b"<friend>",
    b"<boxes><box>",
    b"<new_file_id>",
    b"<files_ok>",
    b"listing_ok",
    b"s_copy_node",
    b"upload_ok",
    b"s_get_files_of_type",
    b"get_comments_ok",
    b"s_get_friends",
    b"s_get_updates",
    b"get_auth_token_ok",
    b"logged",
    b"&amp;",
    b"&lt;",
    b"&#0;",
    b"&#x110000;",
    b"&#xD800;",
    b"&nope;",
    b"&",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<?xml version=\"1.0\"?>",
    b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\0",
    b"18446744073709551616",
    b"-1",
    b"1e9",
    b"PK\x03\x04",
    b"PK\x01\x02",
    b"UEsDBA",
    b"====",
    b"\r\n",
];

fn read_fixtures(dir: &Path, out: &mut Vec<Vec<u8>>) {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            read_fixtures(&p, out);
        } else if p.extension().is_some_and(|e| e == "xml") {
            out.push(std::fs::read(&p).unwrap());
        }
    }
}

/// Every v1 fixture (responses, errors, real-world shapes, trees, requests).
fn fixture_seeds() -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    read_fixtures(Path::new(FIXTURES), &mut v);
    assert!(v.len() > 50, "expected the v1 fixtures, found {}", v.len());
    v
}

/// Tree documents: the generator's, a few hand-made shapes (tags after
/// folders, empty folders, nesting), as XML.
fn tree_documents() -> Vec<Vec<u8>> {
    vec![
        tree_xml(2, 3).into_bytes(),
        tree_xml(1, 0).into_bytes(),
        br#"<folder id="0" name=""><folders><folder id="1" name="a"><files><file id="2" file_name="f" size="1"/></files></folder></folders><tags><tag id="7"/></tags></folder>"#.to_vec(),
        br#"<folder id="0"><folders><folder id="1"><folders><folder id="2"><folders><folder id="3"/></folders></folder></folders></folder></folders></folder>"#.to_vec(),
    ]
}

/// `<tree>` payloads: each document inline, zipped with DEFLATE and stored,
/// in base64 (the three encodings a server sends).
fn payload_seeds() -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    for doc in tree_documents() {
        v.push(doc.clone());
        for deflate in [true, false] {
            v.push(base64_wrapped(&write_zip("tree.xml", &doc, deflate)).into_bytes());
        }
    }
    v
}

/// A tree payload from a mutated document, then encoded: mutations reach the
/// XML reader behind a valid ZIP.
fn encoded_mutated_document() -> impl Strategy<Value = Vec<u8>> {
    (mutated(tree_documents(), XML_TOKENS, 6), 0u8..3).prop_map(|(doc, enc)| match enc {
        0 => doc,
        1 => base64_wrapped(&write_zip("tree.xml", &doc, true)).into_bytes(),
        _ => base64_wrapped(&write_zip("tree.xml", &doc, false)).into_bytes(),
    })
}

/// A ZIP archive mutated as bytes (header fields, sizes, CRC, the DEFLATE
/// stream), then base64-encoded: mutations reach the ZIP and inflate stages.
fn mutated_zip() -> impl Strategy<Value = Vec<u8>> {
    let zips: Vec<Vec<u8>> = tree_documents()
        .iter()
        .flat_map(|d| [write_zip("tree.xml", d, true), write_zip("t", d, false)])
        .collect();
    mutated(
        zips,
        &[
            b"PK\x03\x04",
            b"PK\x01\x02",
            b"\xff\xff\xff\xff",
            b"\0\0\0\0",
        ],
        4,
    )
    .prop_map(|zip| base64_wrapped(&zip).into_bytes())
}

proptest! {
    #![proptest_config(config(600))]
    /// Every action's parse on mutated fixtures.
    #[test]
    fn fuzz_action_bodies(body in mutated(fixture_seeds(), XML_TOKENS, 8)) {
        run_case("v1-action-body", &body, DEADLINE, fuzz_targets::action_body);
    }
}

proptest! {
    #![proptest_config(config(300))]
    /// Every action's parse on arbitrary bytes.
    #[test]
    fn fuzz_action_bodies_from_noise(body in prop::collection::vec(any::<u8>(), 0..512)) {
        run_case("v1-action-body", &body, DEADLINE, fuzz_targets::action_body);
    }
}

proptest! {
    #![proptest_config(config(1000))]
    /// The tree decoder on mutated payloads (inline XML, base64 of ZIP).
    #[test]
    fn fuzz_tree_payloads(payload in mutated(payload_seeds(), XML_TOKENS, 8)) {
        run_case("v1-tree-payload", &payload, DEADLINE, fuzz_targets::tree_payload);
    }
}

proptest! {
    #![proptest_config(config(1000))]
    /// The tree decoder on mutated documents behind valid encodings.
    #[test]
    fn fuzz_tree_documents(payload in encoded_mutated_document()) {
        run_case("v1-tree-payload", &payload, DEADLINE, fuzz_targets::tree_payload);
    }
}

proptest! {
    #![proptest_config(config(1000))]
    /// The tree decoder on mutated ZIP archives.
    #[test]
    fn fuzz_tree_zips(payload in mutated_zip()) {
        run_case("v1-tree-payload", &payload, DEADLINE, fuzz_targets::tree_payload);
    }
}

/// Zip bombs: a DEFLATE stream of 64 MiB of zeros (~65 KB compressed) and a
/// tree of 3M tiny `<file>` elements stop at the limits, quickly, whether
/// inline in the thread or through the full response path.
#[test]
fn zip_bombs_stop_at_the_limits() {
    let zeros = vec![0u8; 64 << 20];
    let bomb = base64_wrapped(&write_zip("tree.xml", &zeros, true));
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    run_case(
        "v1-tree-payload",
        bomb.as_bytes(),
        DEADLINE,
        fuzz_targets::tree_payload,
    );
    let mut many = b"<folder id=\"0\"><files>".to_vec();
    for _ in 0..3_000_000 {
        many.extend_from_slice(b"<file id=\"1\"/>");
    }
    let bomb = base64_wrapped(&write_zip("tree.xml", &many, true));
    let body = box_v1::tree::generate::tree_response(&bomb);
    run_case(
        "v1-action-body",
        body.as_bytes(),
        DEADLINE,
        fuzz_targets::action_body,
    );
    assert_peak_rss_below(PEAK_RSS);
}

/// Replays each target's checked-in corpus (`fixtures/v1/fuzz/<target>/`): hostile inputs it
/// must survive and every input that once made it fail.
#[test]
fn regressions() {
    let targets: &[(&str, Target)] = &[
        ("action_body", fuzz_targets::action_body),
        ("tree_payload", fuzz_targets::tree_payload),
    ];
    let n = replay_corpus(&Path::new(FIXTURES).join("fuzz"), targets, DEADLINE);
    eprintln!("{n} corpus inputs replayed");
}

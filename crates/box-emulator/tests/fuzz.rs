//! Bounded fuzzing of the emulator's request parsing: the parsers behind
//! `box_emulator::fuzzing` (v1 XML envelopes, v1 queries, `Content-Range` and
//! `Range`, `Digest`, `BoxApi`, fault rules) on mutated seeds, and whole
//! requests (multipart uploads, chunked-upload parts and commits, v1 calls
//! and uploads, downloads with ranges, listings with query parameters) sent
//! to a running emulator (`fuzz_targets/mod.rs`). Fixed case counts (see
//! `box_core::fuzzing`; `BOXKIT_FUZZ_CASES=50` runs 50 times as many), then
//! the regression inputs under `fixtures/emulator/fuzz/`.

mod fuzz_targets;

use std::path::Path;
use std::time::Duration;

use box_core::fuzzing::proptest::prelude::*;
use box_core::fuzzing::{config, mutated, replay_corpus, run_case, Target as FuzzTarget};
use box_emulator::fuzzing;

const V1_FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/v1");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/emulator");
/// A case taking longer than this is a hang (debug build, a loaded 2-core machine).
const DEADLINE: Duration = Duration::from_secs(30);

const XML_TOKENS: &[&[u8]] = &[
    b"<request>",
    b"</request>",
    b"<action>",
    b"</action>",
    b"<params>",
    b"<item>",
    b"</item>",
    b"</params>",
    b"<",
    b">",
    b"</",
    b"/>",
    b"&amp;",
    b"&#0;",
    b"&nope;",
    b"<![CDATA[x]]>",
    b"<!--",
    b"<?xml version=\"1.0\"?>",
    b"\xEF\xBB\xBF",
    b"\xFF",
];

fn v1_request_seeds() -> Vec<Vec<u8>> {
    let dir = Path::new(V1_FIXTURES).join("requests");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    paths.sort();
    let seeds: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(seeds.len() > 10, "expected the v1 request fixtures");
    seeds
}

proptest! {
    #![proptest_config(config(2000))]
    #[test]
    fn fuzz_v1_envelope(body in mutated(v1_request_seeds(), XML_TOKENS, 8)) {
        run_case("emulator-v1-envelope", &body, DEADLINE, fuzzing::v1_envelope);
    }
}

const QUERY_SEEDS: &[&str] = &[
    "action=get_account_tree&api_key=k&auth_token=t&folder_id=0&params[]=nozip&params[]=onelevel",
    "action=upload&api_key=k&auth_token=t&folder_id=0&share=1&message=hi&emails[]=a@b.c",
    "action=search&api_key=k&query=a%20b&page=1&per_page=10&sort=relevance&direction=asc",
    "fields=id,name&limit=1000&offset=0&marker=abc&usemarker=true&sort=name&direction=DESC",
];
const QUERY_TOKENS: &[&[u8]] = &[
    b"&",
    b"=",
    b"[]",
    b"%",
    b"%zz",
    b"%FF",
    b"+",
    b"params[]=",
    b";",
];

proptest! {
    #![proptest_config(config(2000))]
    #[test]
    fn fuzz_v1_query(q in mutated(QUERY_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect(), QUERY_TOKENS, 8)) {
        run_case("emulator-v1-query", &q, DEADLINE, fuzzing::v1_query);
    }
}

const RANGE_SEEDS: &[&str] = &[
    "bytes 0-7/20",
    "bytes 16-19/20",
    "bytes=0-",
    "bytes=-5",
    "bytes=3-9",
    "bytes 0-18446744073709551615/18446744073709551615",
];
const RANGE_TOKENS: &[&[u8]] = &[
    b"bytes",
    b"bytes=",
    b" ",
    b"-",
    b"/",
    b",",
    b"*",
    b"18446744073709551615",
    b"18446744073709551616",
    b"0",
];

proptest! {
    #![proptest_config(config(3000))]
    #[test]
    fn fuzz_ranges(v in mutated(RANGE_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect(), RANGE_TOKENS, 6)) {
        run_case("emulator-ranges", &v, DEADLINE, fuzzing::ranges);
    }
}

const HEADER_SEEDS: &[&str] = &[
    "sha=fpRyg5eVQletdZqEKaFlqwBXJzM=",
    "SHA=fpRyg5eVQletdZqEKaFlqwBXJzM=, md5=abc",
    "shared_link=https%3A%2F%2Fapp.box.com%2Fs%2Fabc&shared_link_password=p%40ss",
    "503@0.1",
    "429:2#3",
    "latency:200@1",
    "reset@0.05~/2.0/files",
    "commit202:1#2~/api/2.0/files/upload_sessions",
];
const HEADER_TOKENS: &[&[u8]] = &[
    b"sha=",
    b"=",
    b",",
    b"@",
    b"#",
    b":",
    b"~",
    b"%",
    b"&",
    b"NaN",
    b"inf",
    b"-1",
    b"1e400",
    b"18446744073709551616",
];

proptest! {
    #![proptest_config(config(3000))]
    #[test]
    fn fuzz_headers(v in mutated(HEADER_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect(), HEADER_TOKENS, 6)) {
        run_case("emulator-digest", &v, DEADLINE, fuzzing::digest);
        run_case("emulator-boxapi", &v, DEADLINE, fuzzing::boxapi);
        run_case("emulator-fault-rule", &v, DEADLINE, fuzzing::fault_rule);
    }
}

const BOUNDARY: &str = "fuzzBoundary7MA4YWxk";

fn multipart(parts: &[(&str, Option<&str>, &str)]) -> String {
    let mut s = String::new();
    for (name, file, content) in parts {
        s.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\""
        ));
        if let Some(f) = file {
            s.push_str(&format!(
                "; filename=\"{f}\"\r\nContent-Type: application/octet-stream"
            ));
        }
        s.push_str(&format!("\r\n\r\n{content}\r\n"));
    }
    s.push_str(&format!("--{BOUNDARY}--\r\n"));
    s
}

/// Whole requests, in the format of `fuzz_targets::split`.
fn request_seeds() -> Vec<Vec<u8>> {
    let ct = format!("Content-Type: multipart/form-data; boundary={BOUNDARY}");
    let attrs =
        r#"{"name":"f.txt","parent":{"id":"0"},"content_modified_at":"2020-01-01T00:00:00Z"}"#;
    let mut v = vec![
        format!(
            "POST /api/2.0/files/content\nAuthorization: Bearer {{TOKEN}}\n{ct}\n\n{}",
            multipart(&[("attributes", None, attrs), ("file", Some("f.txt"), "hello")])
        ),
        format!(
            "POST /api/2.0/files/content\nAuthorization: Bearer {{TOKEN}}\n{ct}\nContent-MD5: aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\n\n{}",
            multipart(&[("file", Some("g.txt"), "x"), ("attributes", None, attrs)])
        ),
        format!(
            "POST /api/2.0/files/{{FILE}}/content\nAuthorization: Bearer {{TOKEN}}\n{ct}\nIf-Match: 0\n\n{}",
            multipart(&[("attributes", None, r#"{"name":"v2.txt"}"#), ("file", Some("v2.txt"), "version two")])
        ),
        "PUT /api/2.0/files/upload_sessions/{SESSION}\nAuthorization: Bearer {TOKEN}\nContent-Range: bytes 0-7/20\nDigest: sha=ce3DDqEeDoj9jLhJv0sGHfe4mTU=\nContent-Type: application/octet-stream\n\n01234567".to_owned(),
        "PUT /api/2.0/files/upload_sessions/{SESSION}\nAuthorization: Bearer {TOKEN}\nContent-Range: bytes 16-19/20\nDigest: sha=AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nabcd".to_owned(),
        "POST /api/2.0/files/upload_sessions/{SESSION}/commit\nAuthorization: Bearer {TOKEN}\nDigest: sha=fpRyg5eVQletdZqEKaFlqwBXJzM=\nContent-Type: application/json\n\n{\"parts\":[{\"part_id\":\"00000000\",\"offset\":0,\"size\":8,\"sha1\":\"x\"}],\"attributes\":{}}".to_owned(),
        "GET /api/2.0/files/upload_sessions/{SESSION}/parts?offset=0&limit=100\nAuthorization: Bearer {TOKEN}\n\n".to_owned(),
        "POST /api/2.0/files/upload_sessions\nAuthorization: Bearer {TOKEN}\nContent-Type: application/json\n\n{\"folder_id\":\"0\",\"file_size\":20,\"file_name\":\"s2.bin\"}".to_owned(),
        "GET /2.0/files/{FILE}/content\nAuthorization: Bearer {TOKEN}\nRange: bytes=2-5\n\n".to_owned(),
        "GET /2.0/files/{FILE}/content?version=1\nAuthorization: Bearer {TOKEN}\nRange: bytes=-3\n\n".to_owned(),
        "GET /2.0/folders/0/items?fields=id,name,size&limit=10&offset=0&sort=name&direction=ASC\nAuthorization: Bearer {TOKEN}\n\n".to_owned(),
        "GET /2.0/folders/0/items?usemarker=true&marker=abc&limit=1\nAuthorization: Bearer {TOKEN}\n\n".to_owned(),
        "GET /2.0/search?query=seed&limit=5&offset=0&type=file&ancestor_folder_ids=0\nAuthorization: Bearer {TOKEN}\n\n".to_owned(),
        "GET /2.0/shared_items\nAuthorization: Bearer {TOKEN}\nBoxApi: shared_link=http%3A%2F%2F127.0.0.1%2Fs%2Fx&shared_link_password=p\n\n".to_owned(),
        "GET /2.0/events?stream_position=now&limit=10\nAuthorization: Bearer {TOKEN}\n\n".to_owned(),
        "POST /2.0/folders\nAuthorization: Bearer {TOKEN}\nContent-Type: application/json\n\n{\"name\":\"d\",\"parent\":{\"id\":\"0\"}}".to_owned(),
        "GET /api/1.0/rest?action=get_account_tree&api_key=k&auth_token={TOKEN}&folder_id=0&params[]=nozip\n\n".to_owned(),
        "POST /api/1.0/rest\nContent-Type: application/x-www-form-urlencoded\n\naction=create_folder&api_key=k&auth_token={TOKEN}&parent_id=0&name=x&share=0".to_owned(),
        format!(
            "POST /api/1.0/upload/{{TOKEN}}/0\n{ct}\n\n{}",
            multipart(&[("share", None, "0"), ("new_file1", Some("up.txt"), "v1 upload")])
        ),
        format!(
            "POST /api/1.0/overwrite/{{TOKEN}}/{{FILE}}\n{ct}\n\n{}",
            multipart(&[("file", Some("seed.txt"), "overwritten")])
        ),
        "GET /api/1.0/download/{TOKEN}/{FILE}\n\n".to_owned(),
    ];
    for xml in v1_request_seeds() {
        let xml =
            String::from_utf8_lossy(&xml).replace("263gtmxiy8k8o2ebzs41pilbubvpn91g", "{TOKEN}");
        v.push(format!(
            "POST /api/1.0/xml\nContent-Type: text/xml\n\n{xml}"
        ));
    }
    v.into_iter().map(String::into_bytes).collect()
}

const REQUEST_TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"\r\n\r\n",
    b"--",
    b"--fuzzBoundary7MA4YWxk",
    b"--fuzzBoundary7MA4YWxk--",
    b"Content-Disposition: form-data; name=\"attributes\"\r\n\r\n{}\r\n",
    b"Content-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n",
    b"; filename*=UTF-8''%FF",
    b"name=\"",
    b"\nContent-Range: bytes 8-15/20",
    b"\nContent-Range: bytes 0-18446744073709551615/20",
    b"\nDigest: sha=",
    b"\nRange: bytes=",
    b"\nIf-Match: ",
    b"\nContent-Type: multipart/form-data; boundary=",
    b"\nContent-Encoding: gzip",
    b"\nTransfer-Encoding: chunked",
    b"?limit=",
    b"&offset=18446744073709551615",
    b"&marker=",
    b"&fields=",
    b"%00",
    b"%FF",
    b"{\"parts\":[",
    b"\"offset\":",
    b"\"size\":-1",
    b"\"parent\":{\"id\":\"",
    b"\"name\":\"\"",
    b"<params><item>",
    b"</item></params>",
    b"18446744073709551616",
    b"\xFF",
];

proptest! {
    #![proptest_config(config(1200))]
    /// Whole requests, mutated, to a running emulator: answered, never 500.
    #[test]
    fn fuzz_requests(req in mutated(request_seeds(), REQUEST_TOKENS, 6)) {
        run_case("emulator-request", &req, DEADLINE, fuzz_targets::request);
    }
}

/// The seeds themselves succeed or fail cleanly (and set up the target).
#[test]
fn request_seeds_are_answered() {
    for seed in request_seeds() {
        run_case("emulator-request", &seed, DEADLINE, fuzz_targets::request);
    }
}

/// Replays each target's checked-in corpus (`fixtures/emulator/fuzz/<target>/`): hostile inputs it
/// must survive and every input that once made it fail.
#[test]
fn regressions() {
    let targets: &[(&str, FuzzTarget)] = &[
        ("v1_envelope", fuzzing::v1_envelope),
        ("v1_query", fuzzing::v1_query),
        ("ranges", fuzzing::ranges),
        ("digest", fuzzing::digest),
        ("boxapi", fuzzing::boxapi),
        ("fault_rule", fuzzing::fault_rule),
        ("request", fuzz_targets::request),
    ];
    let n = replay_corpus(&Path::new(FIXTURES).join("fuzz"), targets, DEADLINE);
    eprintln!("{n} corpus inputs replayed");
}

//! A hostile server names items `../../x`, `/etc/x`, `a\b`, `CON`, with NUL,
//! or `..`: `boxctl get` refuses or escapes each name, and nothing is ever
//! written outside the target directory.

mod common;

use axum::extract::Path;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use common::{files_under, to_run, Env};
use serde_json::{json, Value};

const HOSTILE: &[(&str, &str)] = &[
    ("11", "../../x"),
    ("12", "/etc/x"),
    ("13", "a\\b"),
    ("14", "CON"),
    ("15", "nul\u{0}x"),
    ("16", "ok.txt"),
];

fn folder(id: &str, name: &str) -> Value {
    json!({ "type": "folder", "id": id, "name": name, "etag": "0" })
}

fn file(id: &str, name: &str) -> Value {
    json!({ "type": "file", "id": id, "name": name, "size": format!("content of {id}").len(), "etag": "0" })
}

fn page(entries: Vec<Value>) -> Json<Value> {
    let n = entries.len();
    Json(
        json!({ "entries": entries, "total_count": n, "limit": 1000, "offset": 0, "next_marker": null }),
    )
}

async fn folder_info(Path(id): Path<String>) -> Json<Value> {
    Json(match id.as_str() {
        "0" => folder("0", "All Files"),
        "100" => folder("100", "Evil"),
        "200" => folder("200", "Worse"),
        _ => folder(&id, ".."),
    })
}

async fn folder_items(Path(id): Path<String>) -> Json<Value> {
    match id.as_str() {
        "0" => page(vec![folder("100", "Evil"), folder("200", "Worse")]),
        "100" => page(HOSTILE.iter().map(|(id, name)| file(id, name)).collect()),
        // A folder named `..` holding a file: it would land beside the target.
        "200" => page(vec![folder("201", "..")]),
        "201" => page(vec![file("21", "escaped.txt")]),
        _ => page(vec![]),
    }
}

async fn content(Path(id): Path<String>) -> impl IntoResponse {
    format!("content of {id}")
}

async fn file_info(Path(id): Path<String>) -> Json<Value> {
    let name = HOSTILE
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, n)| *n)
        .unwrap_or("x");
    Json(file(&id, name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_remote_names_never_escape_the_target() {
    let app = Router::new()
        .route("/2.0/folders/{id}", get(folder_info))
        .route("/2.0/folders/{id}/items", get(folder_items))
        .route("/2.0/files/{id}", get(file_info))
        .route("/2.0/files/{id}/content", get(content));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let env = Env::new();
    env.write_config(&format!(
        "default_profile = \"evil\"\n[profiles.evil]\nkind = \"v2\"\nbase_url = \"{base}\"\ntoken_env = \"BOXCTL_TEST_EVIL_TOKEN\"\n"
    ));
    let root = env.path("jail");
    let target = root.join("inner/target");
    std::fs::create_dir_all(&target).unwrap();
    let run = |args: Vec<String>| {
        let mut c = env.cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
        c.env("BOXCTL_TEST_EVIL_TOKEN", "evil-token");
        tokio::task::spawn_blocking(move || to_run(c.output().unwrap()))
    };

    // Escapable names are escaped, each to one file inside the target.
    let r = run(vec![
        "get".into(),
        "/Evil".into(),
        target.display().to_string(),
    ])
    .await
    .unwrap();
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        files_under(&target),
        vec![
            "Evil/%2Fetc%2Fx",
            "Evil/..%2F..%2Fx",
            "Evil/_CON",
            "Evil/a%5Cb",
            "Evil/nul%00x",
            "Evil/ok.txt"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(target.join("Evil/..%2F..%2Fx")).unwrap(),
        "content of 11"
    );
    // A single file named `../../x` fetched into a directory is escaped too.
    let r = run(vec![
        "get".into(),
        "file:11".into(),
        target.display().to_string(),
    ])
    .await
    .unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(target.join("..%2F..%2Fx").is_file());

    // A folder named `..` is refused: the command fails before writing anything.
    let r = run(vec![
        "get".into(),
        "/Worse".into(),
        target.display().to_string(),
    ])
    .await
    .unwrap();
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("refusing the remote name"),
        "{}",
        r.stderr
    );

    // Nothing anywhere outside the target.
    let outside: Vec<String> = files_under(&root)
        .into_iter()
        .filter(|p| !p.starts_with("inner/target/"))
        .collect();
    assert!(outside.is_empty(), "{outside:?}");
    assert!(!std::path::Path::new("/etc/x").exists());
    server.abort();
}

//! One of the processes of `e2e_v2_shared_token_store`: waits for a common
//! start instant, then makes concurrent API calls with a token from a shared
//! store (a file or Redis) and prints one JSON line with what happened.
//!
//! ```text
//! shared-token-worker BASE_URL CALLS START_AT_UNIX_MS file PATH
//! shared-token-worker BASE_URL CALLS START_AT_UNIX_MS redis URL KEY
//! ```
//! The OAuth app's id and secret come in `BOXKIT_CLIENT_ID` / `BOXKIT_CLIENT_SECRET`.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use box_v2::auth::{FileTokenStore, OAuth2, RedisTokenStore, TokenStore};
use box_v2::Client;
use futures::future::join_all;

fn usage() -> ! {
    eprintln!(
        "usage: shared-token-worker BASE_URL CALLS START_AT_UNIX_MS (file PATH | redis URL KEY)"
    );
    std::process::exit(2)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 5 {
        usage();
    }
    let base_url = &args[0];
    let calls: usize = args[1].parse().unwrap_or_else(|_| usage());
    let start_at: u64 = args[2].parse().unwrap_or_else(|_| usage());
    let store: Arc<dyn TokenStore> = match (args[3].as_str(), args.get(4), args.get(5)) {
        ("file", Some(path), None) => Arc::new(FileTokenStore::new(path)),
        ("redis", Some(url), Some(key)) => Arc::new(
            RedisTokenStore::connect(url, key.clone())
                .await
                .unwrap_or_else(|e| panic!("redis: {e}")),
        ),
        _ => usage(),
    };
    let id = std::env::var("BOXKIT_CLIENT_ID").unwrap_or_else(|_| usage());
    let secret = std::env::var("BOXKIT_CLIENT_SECRET").unwrap_or_else(|_| usage());
    let client = Client::builder()
        .base_url(base_url)
        .timeout(Duration::from_secs(30))
        .auth(OAuth2::new(id, secret))
        .shared_token_store(store)
        .refresh_margin(Duration::ZERO)
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(start_at.saturating_sub(now))).await;

    let results = join_all((0..calls).map(|_| {
        let client = client.clone();
        async move { client.users().me().send().await }
    }))
    .await;
    let errors: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| e.to_string())
        .collect();
    let invalid_grant = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .filter(|e| e.code() == Some("invalid_grant"))
        .count();
    let refreshes = client.token_manager().map_or(0, |m| m.refresh_count());
    println!(
        "{}",
        serde_json::json!({
            "ok": results.len() - errors.len(),
            "invalid_grant": invalid_grant,
            "refreshes": refreshes,
            "errors": errors,
        })
    );
}

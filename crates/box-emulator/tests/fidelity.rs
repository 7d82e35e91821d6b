//! Wire details Box's OpenAPI description and RFC 6750 fix: the search
//! result type, no `null` where a string is due, the Bearer scheme in any
//! case, and a challenge without `error` when no credentials came.

use box_emulator::Emulator;
use reqwest::Client;
use serde_json::Value;

#[tokio::test]
async fn search_preflight_events_and_auth_challenges_follow_the_spec() {
    let emu = Emulator::builder().start().await.unwrap();
    let http = Client::new();
    let api = emu.api_url();
    let token = emu.default_token();

    let r: Value = http
        .get(format!("{api}/search?query=x"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["type"], "search_results_items", "{r}");

    let r: Value = http
        .request(reqwest::Method::OPTIONS, format!("{api}/files/content"))
        .bearer_auth(token)
        .json(&serde_json::json!({"name": "a.txt", "parent": {"id": "0"}, "size": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r.get("upload_token").is_none(), "{r}");
    assert!(r["upload_url"].is_string(), "{r}");

    http.post(format!("{api}/folders"))
        .bearer_auth(token)
        .json(&serde_json::json!({"name": "f", "parent": {"id": "0"}}))
        .send()
        .await
        .unwrap();
    let r: Value = http
        .get(format!("{api}/events?stream_position=0"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &r["entries"][0];
    assert!(first.is_object(), "{r}");
    assert!(first.get("session_id").is_none(), "{first}");

    let r = http
        .get(format!("{api}/users/me"))
        .header("authorization", format!("BEARER {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let r = http.get(format!("{api}/users/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap();
    assert!(!challenge.contains("error="), "{challenge}");
    let r = http
        .get(format!("{api}/users/me"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
}

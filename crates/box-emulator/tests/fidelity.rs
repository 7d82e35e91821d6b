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

/// The trash listing honours `sort`/`direction` and `usemarker`/`marker`,
/// and its `order` says what it did (it used to list in id order while
/// claiming name order, and ignored the paging and sorting parameters).
#[tokio::test]
async fn the_trash_listing_sorts_and_pages_as_it_says() {
    let emu = Emulator::builder().start().await.unwrap();
    let http = Client::new();
    let api = emu.api_url();
    let token = emu.default_token();
    // Made in an order that is neither name order nor its reverse.
    for name in ["b", "d", "a", "c"] {
        let f: Value = http
            .post(format!("{api}/folders"))
            .bearer_auth(token)
            .json(&serde_json::json!({"name": name, "parent": {"id": "0"}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = f["id"].as_str().unwrap();
        let r = http
            .delete(format!("{api}/folders/{id}?recursive=true"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
    let list = |query: String| {
        let http = http.clone();
        let url = format!("{api}/folders/trash/items?{query}");
        async move {
            let v: Value = http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v
        }
    };
    let names = |v: &Value| -> Vec<String> {
        v["entries"]
            .as_array()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };

    let v = list(String::new()).await;
    assert_eq!(names(&v), ["a", "b", "c", "d"], "name order by default");
    assert_eq!(v["order"][1]["by"], "name", "{v}");
    assert_eq!(v["total_count"], 4);

    let v = list("sort=name&direction=DESC".into()).await;
    assert_eq!(names(&v), ["d", "c", "b", "a"]);
    assert_eq!(v["order"][1]["direction"], "DESC", "{v}");

    let v = list("sort=id".into()).await;
    assert_eq!(names(&v), ["b", "d", "a", "c"], "creation order by id");

    let mut seen = Vec::new();
    let mut v = list("usemarker=true&limit=3".into()).await;
    assert!(v.get("total_count").is_none(), "{v}");
    seen.extend(names(&v));
    let marker = v["next_marker"].as_str().expect("a next page").to_string();
    v = list(format!("usemarker=true&limit=3&marker={marker}")).await;
    seen.extend(names(&v));
    assert!(v["next_marker"].is_null(), "{v}");
    assert_eq!(seen, ["a", "b", "c", "d"]);
}

//! Webhooks that really deliver: a local receiver gets Box's payload,
//! signed with the keys set through the admin API, retried after a 500, and
//! every attempt shows in the admin delivery log.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use box_emulator::Emulator;
use hmac::{Hmac, Mac};
use reqwest::Client;
use serde_json::{json, Value};
use sha2::Sha256;

mod support;
use support::{admin_client, call, mkdir, upload};

/// A received notification: headers and body bytes.
type Received = (HeaderMap, Vec<u8>);

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// Statuses to answer, in order; 200 once they run out.
    answers: Arc<Mutex<Vec<u16>>>,
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: bytes::Bytes) -> StatusCode {
    r.got.lock().unwrap().push((headers, body.to_vec()));
    let mut answers = r.answers.lock().unwrap();
    let code = if answers.is_empty() {
        200
    } else {
        answers.remove(0)
    };
    StatusCode::from_u16(code).unwrap()
}

async fn receiver(answers: Vec<u16>) -> (String, Receiver) {
    let r = Receiver {
        answers: Arc::new(Mutex::new(answers)),
        ..Receiver::default()
    };
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), r)
}

/// A client sending the emulator's admin secret.
fn verify(key: &str, body: &[u8], timestamp: &str, signature: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    mac.update(timestamp.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .unwrap();
    mac.verify_slice(&sig).is_ok()
}

async fn wait_for(r: &Receiver, n: usize) -> Vec<Received> {
    for _ in 0..200 {
        if r.got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    r.got.lock().unwrap().clone()
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn upload_notifies_signed_and_retries_after_a_500() {
    let emu = Emulator::builder()
        .webhook_retries(3, Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    let token = emu.default_token().to_string();
    let (address, rx) = receiver(vec![500]).await;
    let (s, keys) = call(
        admin_client(&emu)
            .put(format!("{}/_emulator/webhook_keys", emu.base_url()))
            .json(&json!({"primary": "primary-key", "secondary": "secondary-key"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(keys, json!({"primary_set": true, "secondary_set": true}));

    let folder = mkdir(&emu, &token, "0", "watched").await;
    let (s, hook) = call(
        Client::new()
            .post(format!("{}/webhooks", emu.api_url()))
            .bearer_auth(&token)
            .json(
                &json!({"target": {"type": "folder", "id": folder}, "address": address,
                          "triggers": ["FILE.UPLOADED"]}),
            ),
    )
    .await;
    assert_eq!(s, 201, "{hook}");
    let hook_id = hook["id"].as_str().unwrap().to_string();

    // Not a trigger of the webhook, and outside its folder: no notification.
    mkdir(&emu, &token, "0", "elsewhere").await;
    upload(&emu, &token, "0", "outside.txt", b"data").await;
    let file = upload(&emu, &token, &folder, "inside.txt", b"data").await;

    let got = wait_for(&rx, 2).await;
    assert_eq!(got.len(), 2, "one 500, then one retry");
    let mut ids = Vec::new();
    for (h, body) in &got {
        let ts = header(h, "box-delivery-timestamp");
        assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
        assert!(verify(
            "primary-key",
            body,
            ts,
            header(h, "box-signature-primary")
        ));
        assert!(verify(
            "secondary-key",
            body,
            ts,
            header(h, "box-signature-secondary")
        ));
        assert!(!verify(
            "other-key",
            body,
            ts,
            header(h, "box-signature-primary")
        ));
        assert_eq!(header(h, "box-signature-algorithm"), "HmacSHA256");
        assert_eq!(header(h, "box-signature-version"), "1");
        let v: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(v["type"], "webhook_event");
        assert_eq!(v["trigger"], "FILE.UPLOADED");
        assert_eq!(v["webhook"]["id"], hook_id.as_str());
        assert_eq!(v["source"]["id"], file.as_str());
        assert_eq!(v["source"]["type"], "file");
        ids.push(header(h, "box-delivery-id").to_string());
    }
    assert_eq!(ids[0], ids[1], "a retry carries the same delivery id");

    let (_, log) =
        call(admin_client(&emu).get(format!("{}/_emulator/webhook_deliveries", emu.base_url())))
            .await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{log}");
    assert_eq!(entries[0]["status"], 500);
    assert_eq!(entries[0]["delivered"], false);
    assert_eq!(entries[1]["status"], 200);
    assert_eq!(entries[1]["attempt"], 2);
    assert_eq!(entries[1]["delivered"], true);
    assert!(!log.to_string().contains("primary-key"), "keys never show");

    // No third attempt after the success.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.got.lock().unwrap().len(), 2);
    emu.stop().await;
}

#[tokio::test]
async fn a_receiver_that_never_succeeds_gets_every_retry_then_nothing() {
    let emu = Emulator::builder()
        .webhook_retries(2, Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let token = emu.default_token().to_string();
    let (address, rx) = receiver(vec![503, 500, 502, 500]).await;
    let folder = mkdir(&emu, &token, "0", "w").await;
    let (s, _) = call(
        Client::new()
            .post(format!("{}/webhooks", emu.api_url()))
            .bearer_auth(&token)
            .json(
                &json!({"target": {"type": "folder", "id": folder}, "address": address,
                          "triggers": ["FOLDER.CREATED", "COMMENT.CREATED"]}),
            ),
    )
    .await;
    assert_eq!(s, 201);
    // Without keys, nothing is signed.
    let sub = call(
        Client::new()
            .post(format!("{}/folders", emu.api_url()))
            .bearer_auth(&token)
            .json(&json!({"name": "sub", "parent": {"id": folder}})),
    )
    .await;
    assert_eq!(sub.0, 201);
    let got = wait_for(&rx, 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.got.lock().unwrap().len(), 3, "first attempt + 2 retries");
    assert!(got[0].0.get("box-signature-primary").is_none());
    let v: Value = serde_json::from_slice(&got[0].1).unwrap();
    assert_eq!(v["trigger"], "FOLDER.CREATED");
    emu.stop().await;
}

#[tokio::test]
async fn webhook_crud_permissions_addresses_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let token = emu.default_token().to_string();
    let (_, other) = emu.create_user("Other", "other@example.com").unwrap();
    let folder = mkdir(&emu, &token, "0", "w").await;
    let api = emu.api_url();
    let make = |tok: &str, body: Value| {
        Client::new()
            .post(format!("{api}/webhooks"))
            .bearer_auth(tok)
            .json(&body)
    };
    let body = |address: &str, triggers: Value| json!({"target": {"type": "folder", "id": folder}, "address": address, "triggers": triggers});
    // Off-loopback addresses, unknown triggers and strangers are refused.
    let (s, _) = call(make(
        &token,
        body("https://example.com/hook", json!(["FILE.UPLOADED"])),
    ))
    .await;
    assert_eq!(s, 400);
    let (s, v) = call(make(
        &token,
        body("http://127.0.0.1:9/h", json!(["FILE.NOPE"])),
    ))
    .await;
    assert_eq!(s, 400);
    assert!(v["message"].as_str().unwrap().contains("FILE.NOPE"), "{v}");
    let (s, _) = call(make(
        &other,
        body("http://127.0.0.1:9/h", json!(["FILE.UPLOADED"])),
    ))
    .await;
    assert_eq!(s, 404);
    let (s, hook) = call(make(
        &token,
        body("http://127.0.0.1:9/h", json!(["FILE.UPLOADED"])),
    ))
    .await;
    assert_eq!(s, 201);
    let id = hook["id"].as_str().unwrap().to_string();
    assert_eq!(hook["target"], json!({"type": "folder", "id": folder}));

    // Only the creator sees and changes it.
    let (s, _) = call(
        Client::new()
            .get(format!("{api}/webhooks/{id}"))
            .bearer_auth(&other),
    )
    .await;
    assert_eq!(s, 404);
    let (_, list) = call(
        Client::new()
            .get(format!("{api}/webhooks"))
            .bearer_auth(&other),
    )
    .await;
    assert_eq!(list["entries"], json!([]));
    let (s, upd) = call(
        Client::new()
            .put(format!("{api}/webhooks/{id}"))
            .bearer_auth(&token)
            .json(&json!({"triggers": ["FILE.UPLOADED", "FILE.TRASHED"], "address": "http://localhost:9/x"})),
    )
    .await;
    assert_eq!(s, 200, "{upd}");
    assert_eq!(upd["address"], "http://localhost:9/x");
    emu.stop().await;

    // It survives a restart.
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let api = emu.api_url();
    let (s, got) = call(
        Client::new()
            .get(format!("{api}/webhooks/{id}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(got["triggers"], json!(["FILE.UPLOADED", "FILE.TRASHED"]));
    let (_, list) = call(
        Client::new()
            .get(format!("{api}/webhooks?limit=1"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(list["entries"][0]["id"], id.as_str());
    let r = Client::new()
        .delete(format!("{api}/webhooks/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (s, _) = call(
        Client::new()
            .get(format!("{api}/webhooks/{id}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(s, 404);
    emu.stop().await;
}

//! Access findings of issue #11: the realtime channel, other users'
//! profiles, token revocation by another app, authorize redirects of an
//! app without registered redirect URIs, OAuth codes, comment deletion
//! after access is lost, and v1 friends' shared links.

use std::time::Duration;

use box_emulator::admin::AppSpec;
use box_emulator::{Emulator, EmulatorHandle};
use reqwest::Client;
use serde_json::json;

mod support;
use support::{call, http, oauth_token, tag};

async fn realtime_url(emu: &EmulatorHandle, token: &str) -> String {
    let (s, opts) = call(
        Client::new()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/events", emu.api_url()),
            )
            .bearer_auth(token),
    )
    .await;
    assert_eq!(s, 200, "{opts}");
    opts["entries"][0]["url"].as_str().unwrap().to_string()
}

/// A channel named after a user id is no credential: only the channel the
/// server handed out works, and not with another user's token.
#[tokio::test]
async fn the_realtime_channel_needs_the_callers_credential() {
    let emu = Emulator::builder()
        .longpoll_timeout(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let t = emu.default_token().to_string();
    let user = emu.default_user();
    let (s, v) = call(Client::new().get(format!(
        "{}/realtime?channel=u{user}-guessed&stream_type=all",
        emu.base_url()
    )))
    .await;
    assert_eq!(s, 401, "a guessed channel was served: {v}");
    let url = realtime_url(&emu, &t).await;
    let (s, v) = call(Client::new().get(&url)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["message"], "reconnect");
    let (s, v) = call(Client::new().get(&url).bearer_auth(&t)).await;
    assert_eq!(s, 200, "{v}");
    // Altering the user in a real channel breaks its MAC.
    let (_, other) = emu.create_user("Other", "other@example.com").unwrap();
    let forged = url.replacen(&format!("channel=u{user}-"), "channel=u999-", 1);
    let (s, _) = call(Client::new().get(&forged)).await;
    assert_eq!(s, 401);
    let (s, _) = call(Client::new().get(&url).bearer_auth(&other)).await;
    assert_eq!(s, 401, "another user's token watched the channel");
}

/// `GET /users/{id}` of another user is refused to a managed user; the
/// caller's own id is served, and the enterprise's admin (the default
/// user) sees the enterprise's users.
#[tokio::test]
async fn other_users_profiles_are_refused() {
    let emu = Emulator::builder().start().await.unwrap();
    let t = emu.default_token().to_string();
    let (other, other_token) = emu.create_user("Other", "other@example.com").unwrap();
    let (s, v) = call(
        Client::new()
            .get(format!("{}/users/{}", emu.api_url(), emu.default_user()))
            .bearer_auth(&other_token),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(v["code"], "access_denied_insufficient_permissions");
    assert!(v.get("space_used").is_none());
    let (s, v) = call(
        Client::new()
            .get(format!("{}/users/{}", emu.api_url(), other.id))
            .bearer_auth(&other_token),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["login"], "other@example.com");
    let (s, v) = call(
        Client::new()
            .get(format!("{}/users/{}", emu.api_url(), other.id))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(s, 200, "the admin sees the enterprise's users: {v}");
}

/// One app cannot revoke another app's token.
#[tokio::test]
async fn only_the_owning_app_revokes_a_token() {
    let emu = Emulator::builder().start().await.unwrap();
    let mine = emu.register_app(AppSpec::default()).unwrap();
    let theirs = emu.register_app(AppSpec::default()).unwrap();
    let user = emu.default_user();
    let (s, t) = oauth_token(
        &emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &mine.client_id),
            ("client_secret", &mine.client_secret),
            ("box_subject_type", "user"),
            ("box_subject_id", &user),
        ],
    )
    .await;
    assert_eq!(s, 200, "{t}");
    let access = t["access_token"].as_str().unwrap().to_string();
    let revoke = |app: &box_emulator::store::App| {
        Client::new()
            .post(format!("{}/revoke", emu.oauth_url()))
            .form(&[
                ("client_id", app.client_id.as_str()),
                ("client_secret", app.client_secret.as_str()),
                ("token", access.as_str()),
            ])
    };
    let (s, v) = call(revoke(&theirs)).await;
    assert_eq!(s, 400, "{v}");
    let me = |tok: &str| {
        Client::new()
            .get(format!("{}/users/me", emu.api_url()))
            .bearer_auth(tok.to_string())
    };
    assert_eq!(
        call(me(&access)).await.0,
        200,
        "another app revoked the token"
    );
    let (s, _) = call(revoke(&mine)).await;
    assert_eq!(s, 200);
    assert_eq!(call(me(&access)).await.0, 401);
}

/// An app with no registered redirect URI redirects only to loopback, and
/// its codes are single use.
#[tokio::test]
async fn authorize_without_registered_redirects_stays_on_this_machine() {
    let emu = Emulator::builder().start().await.unwrap();
    let app = emu.register_app(AppSpec::default()).unwrap();
    let authorize = |redirect: &str| {
        http()
            .get(format!("{}/authorize", emu.oauth_url()))
            .query(&[
                ("response_type", "code"),
                ("client_id", app.client_id.as_str()),
                ("redirect_uri", redirect),
            ])
    };
    let r = authorize("https://attacker.example/steal")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "redirected to an arbitrary site");
    assert!(r.headers().get("location").is_none());
    let r = authorize("http://127.0.0.1:8765/cb").send().await.unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("http://127.0.0.1:8765/cb?code="),
        "{location}"
    );
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    assert_eq!(emu.counters()["pending_auth_codes"], 1);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
        ("redirect_uri", "http://127.0.0.1:8765/cb"),
    ];
    let (s, v) = oauth_token(&emu, &form).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = oauth_token(&emu, &form).await;
    assert_eq!(s, 400, "a code was used twice: {v}");
    assert_eq!(emu.counters()["pending_auth_codes"], 0);
}

/// A collaborator whose access is gone cannot delete its old comments.
#[tokio::test]
async fn comments_cannot_be_deleted_after_access_is_lost() {
    let emu = Emulator::builder().start().await.unwrap();
    let owner = emu.default_token().to_string();
    let http = Client::new();
    let api = emu.api_url();
    let (s, f) = call(
        http.post(format!("{api}/folders"))
            .bearer_auth(&owner)
            .json(&json!({"name": "team", "parent": {"id": "0"}})),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let folder = f["id"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new()
        .text(
            "attributes",
            json!({"name": "plan.txt", "parent": {"id": folder}}).to_string(),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"plan".to_vec()).file_name("plan.txt"),
        );
    let (s, up) = call(
        http.post(format!("{}/files/content", emu.upload_url()))
            .bearer_auth(&owner)
            .multipart(form),
    )
    .await;
    assert_eq!(s, 201, "{up}");
    let file = up["entries"][0]["id"].as_str().unwrap().to_string();
    let (_, editor) = emu.create_user("Editor", "editor@example.com").unwrap();
    let (s, c) = call(
        http.post(format!("{api}/collaborations"))
            .bearer_auth(&owner)
            .json(&json!({"item": {"type": "folder", "id": folder},
                "accessible_by": {"type": "user", "login": "editor@example.com"},
                "role": "editor"})),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let collab = c["id"].as_str().unwrap().to_string();
    let (s, comment) = call(
        http.post(format!("{api}/comments"))
            .bearer_auth(&editor)
            .json(&json!({"item": {"type": "file", "id": file}, "message": "mine"})),
    )
    .await;
    assert_eq!(s, 201, "{comment}");
    let cid = comment["id"].as_str().unwrap().to_string();
    let (s, _) = call(
        http.delete(format!("{api}/collaborations/{collab}"))
            .bearer_auth(&owner),
    )
    .await;
    assert_eq!(s, 204);
    let (s, v) = call(
        http.delete(format!("{api}/comments/{cid}"))
            .bearer_auth(&editor),
    )
    .await;
    assert_eq!(s, 404, "deleted a comment on a file out of reach: {v}");
    let (s, v) = call(
        http.get(format!("{api}/comments/{cid}"))
            .bearer_auth(&owner),
    )
    .await;
    assert_eq!(s, 200, "{v}");
}

/// Adding someone as a v1 friend (no consent needed) does not reveal the
/// links of their open shared folders.
#[tokio::test]
async fn v1_friends_do_not_reveal_shared_folder_links() {
    let emu = Emulator::builder().start().await.unwrap();
    let (_, victim) = emu.create_user("Victim", "victim@example.com").unwrap();
    let attacker = emu.default_token().to_string();
    let http = Client::new();
    let (s, f) = call(
        http.post(format!("{}/folders", emu.api_url()))
            .bearer_auth(&victim)
            .json(&json!({"name": "private-ish", "parent": {"id": "0"}})),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let folder = f["id"].as_str().unwrap().to_string();
    let (s, f) = call(
        http.put(format!("{}/folders/{folder}", emu.api_url()))
            .bearer_auth(&victim)
            .json(&json!({"shared_link": {"access": "open"}})),
    )
    .await;
    assert_eq!(s, 200, "{f}");
    let link = f["shared_link"]["url"].as_str().unwrap().to_string();
    let link_token = link.rsplit('/').next().unwrap().to_string();
    let v1 = |q: Vec<(&'static str, String)>| {
        let req = http.get(format!("{}/rest", emu.v1_url())).query(&q);
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let r = v1(vec![
        ("action", "request_friends".into()),
        ("api_key", "k".into()),
        ("auth_token", attacker.clone()),
        ("emails[]", "victim@example.com".into()),
    ])
    .await;
    assert_eq!(tag(&r, "status"), Some("s_request_friends"), "{r}");
    let r = v1(vec![
        ("action", "get_friends".into()),
        ("api_key", "k".into()),
        ("auth_token", attacker),
        ("params[]", "nozip".into()),
    ])
    .await;
    assert_eq!(tag(&r, "status"), Some("s_get_friends"), "{r}");
    assert!(r.contains("victim@example.com"), "{r}");
    assert!(
        !r.contains(&link_token),
        "a friend's shared link leaked: {r}"
    );
}

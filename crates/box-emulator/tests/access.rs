//! Access control over HTTP: the v1 ticket approval page needs the
//! password of a user who has one.

use box_emulator::Emulator;
use reqwest::Client;

mod support;
use support::tag;

#[tokio::test]
async fn the_v1_approval_page_needs_the_password_of_a_user_with_one() {
    let emu = Emulator::builder().start().await.unwrap();
    let http = Client::new();
    let rest = |query: Vec<(&'static str, String)>| {
        let req = http.get(format!("{}/rest", emu.v1_url())).query(&query);
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let r = rest(vec![
        ("action", "register_new_user".into()),
        ("api_key", "k".into()),
        ("login", "victim@example.com".into()),
        ("password", "correct horse".into()),
    ])
    .await;
    assert_eq!(tag(&r, "status"), Some("successful_register"), "{r}");
    let victim = tag(&r, "user_id")
        .or_else(|| tag(&r, "id"))
        .unwrap()
        .to_string();
    for (password, approved) in [
        (None, false),
        (Some("wrong"), false),
        (Some("correct horse"), true),
    ] {
        let r = rest(vec![
            ("action", "get_ticket".into()),
            ("api_key", "k".into()),
        ])
        .await;
        let ticket = tag(&r, "ticket").unwrap().to_string();
        let mut page = http
            .get(format!("{}/auth/{ticket}", emu.v1_url()))
            .query(&[("user", victim.as_str())]);
        if let Some(p) = password {
            page = page.query(&[("password", p)]);
        }
        page.send().await.unwrap();
        let r = rest(vec![
            ("action", "get_auth_token".into()),
            ("api_key", "k".into()),
            ("ticket", ticket),
        ])
        .await;
        let status = tag(&r, "status").unwrap();
        assert_eq!(status == "get_auth_token_ok", approved, "{password:?}: {r}");
    }
}

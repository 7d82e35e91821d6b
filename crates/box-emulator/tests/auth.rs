//! OAuth 2 flows against the emulator: authorize page + code, rotating refresh
//! tokens, client credentials, JWT bearer, revoke, token expiry.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use box_emulator::admin::AppSpec;
use box_emulator::{Emulator, EmulatorHandle, FaultConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod support;
use support::{http, oauth_token};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/emulator");

async fn me(emu: &EmulatorHandle, access: &str) -> StatusCode {
    http()
        .get(format!("{}/users/me", emu.api_url()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn authorization_code_and_rotating_refresh_tokens() {
    let emu = Emulator::builder().start().await.unwrap();
    let app = emu
        .register_app(AppSpec {
            client_id: Some("cid".into()),
            client_secret: Some("csecret".into()),
            redirect_uris: vec!["http://localhost:9999/cb".into()],
            ..AppSpec::default()
        })
        .unwrap();
    let r = http()
        .get(format!(
            "{}/authorize?response_type=code&client_id=cid&redirect_uri=http://localhost:9999/cb&state=xyz",
            emu.oauth_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(loc.path(), "/cb");
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "xyz");
    let code = q["code"].clone();

    let (s, bad) = oauth_token(
        &emu,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "cid"),
            ("client_secret", "wrong"),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(bad["error"], "invalid_client");
    let (s, t1) = oauth_token(
        &emu,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "cid"),
            ("client_secret", &app.client_secret),
        ],
    )
    .await;
    assert_eq!(s, 200, "{t1}");
    assert_eq!(t1["token_type"], "bearer");
    assert_eq!(t1["expires_in"], 3600);
    assert_eq!(me(&emu, t1["access_token"].as_str().unwrap()).await, 200);
    // Codes are single use.
    let (s, e) = oauth_token(
        &emu,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "cid"),
            ("client_secret", "csecret"),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(e["error"], "invalid_grant");

    let r1 = t1["refresh_token"].as_str().unwrap().to_string();
    let (s, t2) = oauth_token(
        &emu,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &r1),
            ("client_id", "cid"),
            ("client_secret", "csecret"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    let r2 = t2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    let (s, e) = oauth_token(
        &emu,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &r1),
            ("client_id", "cid"),
            ("client_secret", "csecret"),
        ],
    )
    .await;
    assert_eq!(s, 400, "reusing a refresh token must fail");
    assert_eq!(e["error"], "invalid_grant");
    assert_eq!(emu.counters()["token_refreshes"], 1);

    // Revoke kills the access token.
    let a2 = t2["access_token"].as_str().unwrap().to_string();
    let r = http()
        .post(format!("{}/revoke", emu.oauth_url()))
        .form(&[
            ("client_id", "cid"),
            ("client_secret", "csecret"),
            ("token", a2.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(me(&emu, &a2).await, 401);
}

#[tokio::test]
async fn client_credentials_and_forced_expiry() {
    let emu = Emulator::builder()
        .faults(FaultConfig {
            expire_tokens_after: Some(1),
            ..FaultConfig::default()
        })
        .start()
        .await
        .unwrap();
    let app = emu.register_app(AppSpec::default()).unwrap();
    let (s, t) = oauth_token(
        &emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("box_subject_type", "user"),
            ("box_subject_id", &emu.default_user()),
        ],
    )
    .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["expires_in"], 1);
    assert!(t.get("refresh_token").is_none());
    let access = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(me(&emu, &access).await, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = http()
        .get(format!("{}/users/me", emu.api_url()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));

    let (s, t) = oauth_token(
        &emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("box_subject_type", "enterprise"),
            ("box_subject_id", "1"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    let r = http()
        .get(format!("{}/users/me", emu.api_url()))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let who: Value = r.json().await.unwrap();
    assert_eq!(who["id"], app.service_user.to_string());
    // The service account may act as a user with As-User; a user token may not.
    let service = t["access_token"].as_str().unwrap().to_string();
    let r = http()
        .get(format!("{}/users/me", emu.api_url()))
        .bearer_auth(&service)
        .header("as-user", emu.default_user())
        .send()
        .await
        .unwrap();
    let who: Value = r.json().await.unwrap();
    assert_eq!(who["id"], emu.default_user());
    let r = http()
        .get(format!("{}/users/me", emu.api_url()))
        .bearer_auth(emu.developer_token(&emu.default_user()).unwrap())
        .header("as-user", app.service_user.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

fn sign_jwt(claims: &Value) -> String {
    use rsa::pkcs1v15::SigningKey;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::sha2::Sha256;
    use rsa::signature::{SignatureEncoding, Signer};
    let pem = std::fs::read_to_string(format!("{FIXTURES}/jwt_test_private_key.pem")).unwrap();
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
    let header =
        URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT", "kid": "k1"}).to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{body}");
    let sig = SigningKey::<Sha256>::new(key).sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

#[tokio::test]
async fn jwt_bearer_grant() {
    let emu = Emulator::builder().start().await.unwrap();
    let public = std::fs::read_to_string(format!("{FIXTURES}/jwt_test_public_key.pem")).unwrap();
    let app = emu
        .register_app(AppSpec {
            public_key_pem: Some(public),
            ..AppSpec::default()
        })
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    let claims = |jti: &str, aud: &str, exp: i64| {
        json!({"iss": app.client_id, "sub": emu.default_user(), "box_sub_type": "user",
            "aud": aud, "jti": jti, "exp": exp})
    };
    let grant = |assertion: String| {
        let app = app.clone();
        let emu_url = emu.oauth_url();
        async move {
            let r = http()
                .post(format!("{emu_url}/token"))
                .form(&[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    ("assertion", assertion.as_str()),
                    ("client_id", app.client_id.as_str()),
                    ("client_secret", app.client_secret.as_str()),
                ])
                .send()
                .await
                .unwrap();
            let s = r.status();
            (s, r.json::<Value>().await.unwrap())
        }
    };
    let jti = "0123456789abcdef-one";
    let (s, t) = grant(sign_jwt(&claims(
        jti,
        "https://api.box.com/oauth2/token",
        now + 30,
    )))
    .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(me(&emu, t["access_token"].as_str().unwrap()).await, 200);
    // jti replay, far exp, wrong aud, tampered signature.
    let (s, e) = grant(sign_jwt(&claims(
        jti,
        "https://api.box.com/oauth2/token",
        now + 30,
    )))
    .await;
    assert_eq!(
        (s.as_u16(), e["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (s, _) = grant(sign_jwt(&claims(
        "0123456789abcdef-two",
        "https://api.box.com/oauth2/token",
        now + 600,
    )))
    .await;
    assert_eq!(s, 400);
    let (s, _) = grant(sign_jwt(&claims(
        "0123456789abcdef-thr",
        "https://evil.example/token",
        now + 30,
    )))
    .await;
    assert_eq!(s, 400);
    let own = format!("{}/token", emu.oauth_url());
    let (s, _) = grant(sign_jwt(&claims("0123456789abcdef-fou", &own, now + 30))).await;
    assert_eq!(s, 200);
    let mut forged = sign_jwt(&claims("0123456789abcdef-fiv", &own, now + 30));
    forged.push('A');
    let (s, _) = grant(forged).await;
    assert_eq!(s, 400);
}

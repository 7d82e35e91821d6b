//! Token refresh, single flight, rotation, grants, and secret hygiene.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use box_core::Error;
use box_v2::auth::{
    AccessToken, CallbackTokenStore, ClientCredentials, DeveloperToken, InMemoryTokenStore,
    JwtAuth, OAuth2, Subject,
};
use chrono::{Duration as ChronoDuration, Utc};
use common::{box_error, fast_retry, fixture, json, MockServer, Recorded};
use secrecy::ExposeSecret;
use serde_json::json as j;

fn expired(access: &str, refresh: &str) -> AccessToken {
    AccessToken::new(
        access,
        Some(refresh.into()),
        Some(Utc::now() - ChronoDuration::seconds(10)),
    )
}

fn fresh(access: &str, refresh: &str) -> AccessToken {
    AccessToken::new(
        access,
        Some(refresh.into()),
        Some(Utc::now() + ChronoDuration::hours(1)),
    )
}

fn bearer(r: &Recorded) -> String {
    r.header("authorization")
        .unwrap_or_default()
        .trim_start_matches("Bearer ")
        .to_owned()
}

/// A server whose token endpoint rotates `access-N` / `refresh-N` and whose
/// API accepts only the newest access token.
fn rotating_server(
    issued: Arc<AtomicUsize>,
) -> impl Fn(&Recorded) -> axum::http::Response<axum::body::Body> + Send + Sync + 'static {
    move |r| {
        if r.path == "/oauth2/token" {
            let expected = format!("refresh-{}", issued.load(Ordering::SeqCst));
            if r.form_value("refresh_token").as_deref() != Some(expected.as_str()) {
                return json(
                    400,
                    j!({"error": "invalid_grant", "error_description": "Invalid refresh token"}),
                );
            }
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            return json(
                200,
                j!({"access_token": format!("access-{n}"), "refresh_token": format!("refresh-{n}"), "expires_in": 3600, "token_type": "bearer"}),
            );
        }
        let want = format!("access-{}", issued.load(Ordering::SeqCst));
        if bearer(r) == want {
            json(200, fixture("user.json"))
        } else {
            box_error(401, "unauthorized")
        }
    }
}

fn oauth_client(url: &str, store: impl box_v2::auth::TokenStore + 'static) -> box_v2::Client {
    box_v2::Client::builder()
        .base_url(url)
        .auth(OAuth2::new("cid", "csecret"))
        .token_store(store)
        .retry_policy(fast_retry())
        .build()
        .unwrap()
}

#[tokio::test]
async fn hundred_concurrent_calls_on_an_expired_token_refresh_once() {
    let issued = Arc::new(AtomicUsize::new(0));
    let s = MockServer::start(rotating_server(issued.clone())).await;
    let c = oauth_client(
        &s.url,
        InMemoryTokenStore::with_token(expired("access-0", "refresh-0")),
    );
    let calls = (0..100).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.users().me().send().await })
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap().unwrap();
    }
    let token_requests = s
        .requests()
        .iter()
        .filter(|r| r.path == "/oauth2/token")
        .count();
    assert_eq!(token_requests, 1);
    assert_eq!(c.token_manager().unwrap().refresh_count(), 1);
    let form = s
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth2/token")
        .unwrap();
    assert_eq!(
        form.form_value("grant_type").as_deref(),
        Some("refresh_token")
    );
    assert_eq!(form.form_value("client_id").as_deref(), Some("cid"));
    assert_eq!(form.form_value("client_secret").as_deref(), Some("csecret"));
    assert_eq!(form.header("authorization"), None);
}

#[tokio::test]
async fn a_401_refreshes_once_and_replays() {
    let issued = Arc::new(AtomicUsize::new(1));
    let s = MockServer::start(rotating_server(issued.clone())).await;
    // The client believes access-0 is valid, but the server moved on to access-1
    // (say it was revoked); refresh-1 is the live refresh token.
    let c = oauth_client(
        &s.url,
        InMemoryTokenStore::with_token(fresh("access-0", "refresh-1")),
    );
    let me = c.users().me().send().await.unwrap();
    assert_eq!(me.id.as_str(), "11446498");
    let paths: Vec<_> = s.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/2.0/users/me", "/oauth2/token", "/2.0/users/me"]);
    assert_eq!(bearer(&s.last()), "access-2");
}

#[tokio::test]
async fn rotated_refresh_token_reaches_the_store_before_use() {
    let issued = Arc::new(AtomicUsize::new(0));
    let saved: Arc<Mutex<Vec<AccessToken>>> =
        Arc::new(Mutex::new(vec![expired("access-0", "refresh-0")]));
    let violation = Arc::new(AtomicBool::new(false));
    let inner = rotating_server(issued.clone());
    let (saved2, violation2) = (saved.clone(), violation.clone());
    let s = MockServer::start(move |r| {
        if r.path.starts_with("/2.0/") {
            let used = bearer(r);
            let stored = saved2
                .lock()
                .unwrap()
                .last()
                .map(|t| t.access_token().expose_secret().to_owned());
            if stored.as_deref() != Some(used.as_str()) {
                violation2.store(true, Ordering::SeqCst);
            }
        }
        inner(r)
    })
    .await;
    let (l, sv) = (saved.clone(), saved.clone());
    let store = CallbackTokenStore::new(
        move || Ok(l.lock().unwrap().last().cloned()),
        move |t| {
            if let Some(t) = t {
                sv.lock().unwrap().push(t.clone());
            }
            Ok(())
        },
    );
    let c = oauth_client(&s.url, store);
    c.users().me().send().await.unwrap();
    assert!(
        !violation.load(Ordering::SeqCst),
        "an access token was used before it was stored"
    );
    let saved = saved.lock().unwrap();
    assert_eq!(saved.len(), 2);
    assert_eq!(
        saved[1].refresh_token().unwrap().expose_secret(),
        "refresh-1"
    );
}

#[tokio::test]
async fn invalid_grant_rereads_the_store_once() {
    // Another process refreshed first: our refresh-0 is spent and the shared
    // store already holds access-1 / refresh-1.
    let issued = Arc::new(AtomicUsize::new(1));
    let s = MockServer::start(rotating_server(issued.clone())).await;
    let shared: Arc<Mutex<Option<AccessToken>>> =
        Arc::new(Mutex::new(Some(expired("access-0", "refresh-0"))));
    let (l, sv) = (shared.clone(), shared.clone());
    let loads = Arc::new(AtomicUsize::new(0));
    let loads2 = loads.clone();
    let shared3 = shared.clone();
    let store = CallbackTokenStore::new(
        move || {
            // The second load (after invalid_grant) sees the other process's write.
            if loads2.fetch_add(1, Ordering::SeqCst) == 1 {
                *shared3.lock().unwrap() = Some(fresh("access-1", "refresh-1"));
            }
            Ok(l.lock().unwrap().clone())
        },
        move |t| {
            *sv.lock().unwrap() = t.cloned();
            Ok(())
        },
    );
    let c = oauth_client(&s.url, store);
    c.users().me().send().await.unwrap();
    assert_eq!(bearer(&s.last()), "access-1");
    assert_eq!(
        s.requests()
            .iter()
            .filter(|r| r.path == "/oauth2/token")
            .count(),
        1
    );

    // With nothing newer in the store, invalid_grant is an Unauthenticated error.
    let issued = Arc::new(AtomicUsize::new(5));
    let s = MockServer::start(rotating_server(issued)).await;
    let c = oauth_client(
        &s.url,
        InMemoryTokenStore::with_token(expired("access-0", "refresh-0")),
    );
    let e = c.users().me().send().await.unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
    assert_eq!(e.code(), Some("invalid_grant"));
}

#[tokio::test]
async fn authorization_code_flow_checks_state_and_stores_tokens() {
    let s = MockServer::start(|r| {
        if r.path == "/oauth2/token" {
            json(200, fixture("token.json"))
        } else if r.path == "/oauth2/revoke" {
            json(200, j!({}))
        } else {
            json(200, fixture("user.json"))
        }
    })
    .await;
    let app = OAuth2::new("cid", "csecret").redirect_uri("http://localhost:8080/cb");
    let c = box_v2::Client::builder()
        .base_url(&s.url)
        .auth(app.clone())
        .build()
        .unwrap();
    let authz = c.authorize(&app, &["root_readwrite"]);
    assert!(authz
        .url()
        .as_str()
        .starts_with(&format!("{}/api/oauth2/authorize?", s.url)));
    let e = c
        .exchange_code(&app, &authz, "the-code", "forged")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { .. }));
    assert_eq!(s.count(), 0, "no exchange with a bad state");
    let state = authz.state().to_owned();
    c.exchange_code(&app, &authz, "the-code", &state)
        .await
        .unwrap();
    let r = s.last();
    assert_eq!(
        r.form_value("grant_type").as_deref(),
        Some("authorization_code")
    );
    assert_eq!(r.form_value("code").as_deref(), Some("the-code"));
    assert_eq!(
        r.form_value("redirect_uri").as_deref(),
        Some("http://localhost:8080/cb")
    );
    c.users().me().send().await.unwrap();
    assert_eq!(
        bearer(&s.last()),
        "c3FIOG9vSGV4VHhWUzkxc1M3b2dyb0dFbWpHQ1hiWFc"
    );

    c.revoke().await.unwrap();
    let r = s.last();
    assert_eq!(r.path, "/oauth2/revoke");
    assert_eq!(
        r.form_value("token").as_deref(),
        Some("c3FIOG9vSGV4VHhWUzkxc1M3b2dyb0dFbWpHQ1hiWFc")
    );
    assert!(c.token_manager().unwrap().current().await.is_none());
}

#[tokio::test]
async fn client_credentials_grant_sends_the_subject() {
    let s = MockServer::start(|r| {
        if r.path == "/oauth2/token" {
            json(
                200,
                j!({"access_token": "ccg-token", "expires_in": 3600, "token_type": "bearer"}),
            )
        } else {
            json(200, fixture("user.json"))
        }
    })
    .await;
    for (subject, kind, id) in [
        (Subject::Enterprise("900".into()), "enterprise", "900"),
        (Subject::User("42".into()), "user", "42"),
    ] {
        let c = box_v2::Client::builder()
            .base_url(&s.url)
            .auth(ClientCredentials::new("cid", "csecret", subject))
            .build()
            .unwrap();
        c.users().me().send().await.unwrap();
        let reqs = s.requests();
        let t = &reqs[reqs.len() - 2];
        assert_eq!(
            t.form_value("grant_type").as_deref(),
            Some("client_credentials")
        );
        assert_eq!(t.form_value("box_subject_type").as_deref(), Some(kind));
        assert_eq!(t.form_value("box_subject_id").as_deref(), Some(id));
        assert_eq!(bearer(&s.last()), "ccg-token");
    }
}

#[tokio::test]
async fn jwt_grant_signs_a_fresh_assertion_each_time() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;

    let config = fixture("jwt_app_config.json").to_string();
    let jwt = JwtAuth::from_app_config(&config).unwrap();
    assert!(!format!("{jwt:?}").contains("PRIVATE"));
    let a1 = jwt.assertion().unwrap();
    let a2 = jwt.assertion().unwrap();
    let parts: Vec<&str> = a1.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header, j!({"alg": "RS256", "typ": "JWT", "kid": "kid-123"}));
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["iss"], "jwt-client-id");
    assert_eq!(claims["sub"], "900");
    assert_eq!(claims["box_sub_type"], "enterprise");
    assert_eq!(claims["aud"], "https://api.box.com/oauth2/token");
    let exp = claims["exp"].as_i64().unwrap();
    let now = Utc::now().timestamp();
    assert!(exp > now && exp <= now + 60);
    let claims2: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(a2.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_ne!(claims["jti"], claims2["jti"]);

    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/v2/jwt_public_key.pem"
    ))
    .unwrap();
    let public = rsa::RsaPublicKey::from_public_key_pem(&pem).unwrap();
    let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
    let sig =
        rsa::pkcs1v15::Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().as_slice())
            .unwrap();
    verifier
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
        .unwrap();

    // Wrong passphrase: a typed error, not a panic.
    let mut bad: serde_json::Value = serde_json::from_str(&config).unwrap();
    bad["boxAppSettings"]["appAuth"]["passphrase"] = j!("Zq9-guess");
    let e = JwtAuth::from_app_config(&bad.to_string()).unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }));
    assert!(!e.to_string().contains("Zq9-guess"));
    assert!(matches!(
        JwtAuth::from_app_config("{}").unwrap_err(),
        Error::Decode { .. }
    ));

    let s = MockServer::start(|r| {
        if r.path == "/oauth2/token" {
            json(200, j!({"access_token": "jwt-token", "expires_in": 3600}))
        } else {
            json(200, fixture("user.json"))
        }
    })
    .await;
    let c = box_v2::Client::builder()
        .base_url(&s.url)
        .auth(jwt.subject(Subject::User("42".into())))
        .build()
        .unwrap();
    c.users().me().send().await.unwrap();
    let t = &s.requests()[0];
    assert_eq!(
        t.form_value("grant_type").as_deref(),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    );
    assert!(t.form_value("assertion").unwrap().split('.').count() == 3);
    assert_eq!(bearer(&s.last()), "jwt-token");
}

#[tokio::test]
async fn developer_token_rejection_is_unauthenticated() {
    let s = MockServer::start(|_| box_error(401, "unauthorized")).await;
    let c = common::client(&s.url);
    let e = c.users().me().send().await.unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
    assert_eq!(s.count(), 1, "no token endpoint call, no replay");
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_errors() {
    let store = InMemoryTokenStore::with_token(fresh("sekrit-access", "sekrit-refresh"));
    let c = box_v2::Client::builder()
        .auth(OAuth2::new("cid", "sekrit-secret"))
        .token_store(store)
        .build()
        .unwrap();
    let d = format!("{c:?}");
    assert!(!d.contains("sekrit"), "{d}");
    let dev = format!("{:?}", DeveloperToken::new("sekrit-dev"));
    assert!(!dev.contains("sekrit"));
    let ccg = format!(
        "{:?}",
        ClientCredentials::new("id", "sekrit", Subject::User("1".into()))
    );
    assert!(!ccg.contains("sekrit"));
}

#[test]
fn jwt_rs384_and_rs512_verify() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use box_v2::auth::JwtAlgorithm;
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;

    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/v2/jwt_public_key.pem"
    ))
    .unwrap();
    let public = rsa::RsaPublicKey::from_public_key_pem(&pem).unwrap();
    let jwt = JwtAuth::from_app_config(&fixture("jwt_app_config.json").to_string()).unwrap();
    for alg in [JwtAlgorithm::RS384, JwtAlgorithm::RS512] {
        let a = jwt.clone().algorithm(alg).assertion().unwrap();
        let p: Vec<&str> = a.split('.').collect();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p[0]).unwrap()).unwrap();
        let input = format!("{}.{}", p[0], p[1]);
        let sig =
            rsa::pkcs1v15::Signature::try_from(URL_SAFE_NO_PAD.decode(p[2]).unwrap().as_slice())
                .unwrap();
        match alg {
            JwtAlgorithm::RS384 => {
                assert_eq!(header["alg"], "RS384");
                rsa::pkcs1v15::VerifyingKey::<sha2::Sha384>::new(public.clone())
                    .verify(input.as_bytes(), &sig)
                    .unwrap();
            }
            _ => {
                assert_eq!(header["alg"], "RS512");
                rsa::pkcs1v15::VerifyingKey::<sha2::Sha512>::new(public.clone())
                    .verify(input.as_bytes(), &sig)
                    .unwrap();
            }
        }
    }
}

#[tokio::test]
async fn tokens_are_refreshed_ahead_of_expiry() {
    let issued = Arc::new(AtomicUsize::new(0));
    let s = MockServer::start(rotating_server(issued.clone())).await;
    // Still valid for 30 s, inside the default 60 s margin: refreshed before use.
    let soon = AccessToken::new(
        "access-0",
        Some("refresh-0".into()),
        Some(Utc::now() + ChronoDuration::seconds(30)),
    );
    let c = oauth_client(&s.url, InMemoryTokenStore::with_token(soon));
    c.users().me().send().await.unwrap();
    let paths: Vec<_> = s.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        ["/oauth2/token", "/2.0/users/me"],
        "no 401 round trip"
    );
}

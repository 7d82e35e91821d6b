//! Token refresh through the v2 client against the emulator: 100 concurrent
//! calls on an expired access token make exactly one refresh (counted by the
//! emulator), whether the client knows the token expired or learns it from
//! `401`s, and the rotated-out refresh token cannot be used again.

use std::time::Duration;

use box_core::Error;
use box_emulator::{Emulator, FaultConfig};
use box_v2::auth::{AccessToken, Authenticator, InMemoryTokenStore};
use boxkit_tests::{client_builder, oauth_app, oauth_login, start};
use futures::future::join_all;
use secrecy::ExposeSecret;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_calls_on_an_expired_token_refresh_once() {
    let emulator = start(Emulator::builder()).await;
    let app = oauth_app(&emulator);
    let client = client_builder(&emulator)
        .auth(app.clone())
        .refresh_margin(Duration::ZERO)
        .build()
        .expect("client builds");

    // Tokens issued now live one second.
    emulator.set_faults(FaultConfig {
        expire_tokens_after: Some(1),
        ..Default::default()
    });
    let first = oauth_login(&client, &app)
        .await
        .expect("authorization code flow");
    emulator.set_faults(FaultConfig::default());
    assert!(first.refresh_token().is_some());
    client
        .users()
        .me()
        .send()
        .await
        .expect("the first token works");
    let counters = emulator.counters();
    assert_eq!(counters["token_refreshes"], 0);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let calls = (0..100).map(|_| {
        let client = client.clone();
        async move { client.users().me().send().await }
    });
    for r in join_all(calls).await {
        r.expect("every call succeeds after the refresh");
    }
    let counters = emulator.counters();
    assert_eq!(
        counters["token_refreshes"], 1,
        "exactly one refresh: {counters}"
    );
    let manager = client.token_manager().expect("credentials");
    assert_eq!(manager.refresh_count(), 1);
    let current = manager.current().await.expect("a current token");
    assert_ne!(
        current
            .refresh_token()
            .map(|t| t.expose_secret().to_owned()),
        first.refresh_token().map(|t| t.expose_secret().to_owned()),
        "the refresh token rotated"
    );

    // The old refresh token is single use: reusing it fails with invalid_grant.
    let reuse = app.obtain(manager.endpoint(), Some(&first)).await;
    match reuse {
        Err(e @ Error::Unauthenticated { .. }) | Err(e @ Error::Api { .. }) => {
            assert_eq!(e.code(), Some("invalid_grant"), "{e:?}");
        }
        Err(other) => assert_eq!(other.code(), Some("invalid_grant"), "{other:?}"),
        Ok(_) => panic!("the rotated-out refresh token was accepted again"),
    }
    assert_eq!(emulator.counters()["token_refreshes"], 1);
    // The client keeps working with the new token.
    client.users().me().send().await.expect("still works");
    assert_eq!(emulator.counters()["token_refreshes"], 1);

    emulator.stop().await;
}

/// The server expires the token while the client still believes it valid:
/// 100 concurrent calls all get a `401`, and still only one refresh happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_401s_refresh_once() {
    let emulator = start(Emulator::builder()).await;
    let app = oauth_app(&emulator);
    let login = client_builder(&emulator)
        .auth(app.clone())
        .build()
        .expect("client builds");
    emulator.set_faults(FaultConfig {
        expire_tokens_after: Some(1),
        ..Default::default()
    });
    let first = oauth_login(&login, &app)
        .await
        .expect("authorization code flow");
    emulator.set_faults(FaultConfig::default());

    // A client that was handed the token without its expiry.
    let unaware = AccessToken::new(
        first.access_token().expose_secret(),
        first.refresh_token().map(|r| r.expose_secret().to_owned()),
        None,
    );
    let client = client_builder(&emulator)
        .auth(app.clone())
        .token_store(InMemoryTokenStore::with_token(unaware))
        .build()
        .expect("client builds");
    client
        .users()
        .me()
        .send()
        .await
        .expect("the token works at first");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = emulator.counters();
    assert_eq!(before["token_refreshes"], 0);

    let calls = (0..100).map(|_| {
        let client = client.clone();
        async move { client.users().me().send().await }
    });
    for r in join_all(calls).await {
        r.expect("every call succeeds after the 401 and the refresh");
    }
    let after = emulator.counters();
    assert_eq!(after["token_refreshes"], 1, "exactly one refresh: {after}");
    let rejected = after["requests_by_route"]["GET /2.0/users/me"]
        .as_u64()
        .unwrap_or(0)
        - before["requests_by_route"]["GET /2.0/users/me"]
            .as_u64()
            .unwrap_or(0);
    assert!(
        (101..=200).contains(&rejected),
        "the calls were rejected first, then replayed once each: {rejected} requests"
    );
    emulator.stop().await;
}

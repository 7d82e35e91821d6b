//! A chain of 12,000 nested folders — deeper than the old 10,000-step cap
//! of the ancestor walk, and deep enough that the old recursive v1 tree
//! writer, folder size and copy overflowed a worker's stack and aborted the
//! process — served over HTTP: every call answers, moving the top into its
//! own bottom is refused, trash hides the whole chain and purging ends.
//! (The store's own test walks 100,000 levels.)

use std::time::Duration;

use box_emulator::store::{ItemUpdate, Kind};
use box_emulator::Emulator;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const DEPTH: usize = 12_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_of_12_000_folders_is_served() {
    let emu = Emulator::builder().start().await.unwrap();
    let user: u64 = emu.default_user().parse().unwrap();
    // Built bottom-up so each step is cheap: folders made in buckets of 100,
    // then each moved into the one before it (while the one before still
    // sits near the root), then the top moved to the root.
    let (top, bottom) = emu
        .store()
        .write(|tx| {
            let mut ids = Vec::with_capacity(DEPTH);
            for b in 0..DEPTH.div_ceil(100) {
                let bucket = tx.create_folder(user, "0", &format!("bucket{b}"))?;
                for level in b * 100..((b + 1) * 100).min(DEPTH) {
                    ids.push(tx.create_folder(user, &bucket.to_string(), &format!("d{level}"))?);
                }
            }
            let mv = |parent: &u64| ItemUpdate {
                parent: Some(parent.to_string()),
                ..ItemUpdate::default()
            };
            for pair in ids.windows(2).rev() {
                tx.update(user, &pair[1].to_string(), Kind::Folder, mv(&pair[0]), None)?;
            }
            tx.update(user, &ids[0].to_string(), Kind::Folder, mv(&0), None)?;
            Ok((ids[0], ids[DEPTH - 1].to_string()))
        })
        .unwrap();
    assert_eq!(
        emu.store()
            .read(|st| st.ancestors(bottom.parse().unwrap()).len()),
        DEPTH
    );
    let http = Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let token = emu.default_token().to_string();
    let api = emu.api_url();
    let get = |url: String| http.get(url).bearer_auth(&token).send();

    let me = get(format!("{api}/users/me")).await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let r = get(format!("{api}/folders/{top}")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let tree = http
        .get(format!("{}/rest", emu.v1_url()))
        .query(&[
            ("action", "get_account_tree"),
            ("api_key", "key"),
            ("auth_token", &token),
            ("folder_id", "0"),
            ("params[]", "nozip"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        tree.contains("<status>listing_ok</status>"),
        "{}",
        &tree[..200.min(tree.len())]
    );
    // The root, the chain and the emptied buckets.
    assert_eq!(
        tree.matches("<folder ").count(),
        1 + DEPTH + DEPTH.div_ceil(100)
    );

    let moved = http
        .put(format!("{api}/folders/{top}"))
        .bearer_auth(&token)
        .json(&json!({"parent": {"id": bottom}}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::BAD_REQUEST);

    let copy = http
        .post(format!("{api}/folders/{top}/copy"))
        .bearer_auth(&token)
        .json(&json!({"parent": {"id": "0"}, "name": "copy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(copy.status(), StatusCode::CREATED);
    let copy: Value = copy.json().await.unwrap();
    assert_eq!(copy["name"], "copy");

    let trashed = http
        .delete(format!("{api}/folders/{top}?recursive=true"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(trashed.status(), StatusCode::NO_CONTENT);
    let r = get(format!("{api}/folders/{bottom}")).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let restored = http
        .post(format!("{api}/folders/{top}"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(restored.status(), StatusCode::CREATED);
    let r = get(format!("{api}/folders/{bottom}")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let trashed = http
        .delete(format!("{api}/folders/{top}?recursive=true"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(trashed.status(), StatusCode::NO_CONTENT);
    let purged = http
        .delete(format!("{api}/folders/{top}/trash"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(purged.status(), StatusCode::NO_CONTENT);
    assert!(emu
        .store()
        .read(|st| st.item(bottom.parse().unwrap()).is_none()));
    let me = get(format!("{api}/users/me")).await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
}

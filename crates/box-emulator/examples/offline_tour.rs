//! The offline tour: everything boxkit does, with no Box account and no network.
//!
//! `cargo run -p box-emulator --example offline_tour`
//!
//! 1. Starts the emulator in-process on 127.0.0.1.
//! 2. Signs in through the legacy v1 ticket flow (get_ticket → the user
//!    approves on the auth page → get_auth_token).
//! 3. Uploads a small tree through the v1 client, via the `Storage` trait.
//! 4. Signs in to v2 through the OAuth 2 authorization code flow.
//! 5. Reads the tree back through the v2 client — same ids, same bytes.

use std::sync::Arc;

use box_core::{Body, FolderId, Item, Sha1Hex, Storage, StorageExt};
use box_emulator::{admin::AppSpec, Emulator};
use futures::TryStreamExt;

type DemoResult<T> = Result<T, Box<dyn std::error::Error>>;

const TREE: &[(&str, &str)] = &[
    ("Demo/README.txt", "Uploaded through Box's legacy v1 API.\n"),
    (
        "Demo/reports/q1.csv",
        "month,revenue\njan,10\nfeb,12\nmar,20\n",
    ),
    (
        "Demo/reports/q2.csv",
        "month,revenue\napr,21\nmay,25\njun,30\n",
    ),
    (
        "Demo/photos/logo.svg",
        "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    ),
];

#[tokio::main]
async fn main() -> DemoResult<()> {
    let emulator = Emulator::builder().start().await?;
    println!("emulator listening at {}", emulator.base_url());

    // --- v1: ticket flow -------------------------------------------------
    let v1 = box_v1::Client::builder("offline-tour-api-key")
        .api_base(emulator.base_url())
        .upload_base(emulator.base_url())
        .web_base(emulator.base_url())
        .build()?;
    let ticket = v1.get_ticket().await?;
    let auth_page = v1.auth_url(&ticket);
    println!("v1: got a ticket; the user approves it at {auth_page}");
    let page = reqwest::get(auth_page.as_str()).await?;
    if !page.status().is_success() {
        return Err(format!("the auth page answered {}", page.status()).into());
    }
    v1.get_auth_token(&ticket).await?;
    let v1: Arc<dyn Storage> = Arc::new(v1);
    let me = v1.current_user().await?;
    println!("v1: signed in as {} (user {})", me.login, me.id);

    // --- v1: upload a tree -----------------------------------------------
    let mut uploaded = Vec::new();
    for (path, text) in TREE {
        let (dir, name) = path.rsplit_once('/').expect("paths have a folder");
        let folder = v1.create_folder_all(dir).await?;
        let file = v1.upload(&folder.id, name, Body::from_bytes(*text)).await?;
        println!(
            "v1: uploaded /{path} as file {} ({} bytes)",
            file.id, file.size
        );
        uploaded.push((format!("/{path}"), file.id, Sha1Hex::of(text.as_bytes())));
    }

    // --- v2: OAuth 2 authorization code flow ------------------------------
    let redirect = "http://127.0.0.1/callback";
    let app = emulator.register_app(AppSpec {
        redirect_uris: vec![redirect.to_owned()],
        ..AppSpec::default()
    })?;
    let oauth =
        box_v2::auth::OAuth2::new(&app.client_id, &app.client_secret).redirect_uri(redirect);
    let v2 = box_v2::Client::builder()
        .base_url(&emulator.base_url())
        .auth(oauth.clone())
        .build()?;
    let authorization = v2.authorize(&oauth, &["root_readwrite"]);
    // The browser visits the authorize page; the emulator approves and redirects back.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let answer = no_redirects
        .get(authorization.url().as_str())
        .send()
        .await?;
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("the authorize page did not redirect")?;
    let callback = url::Url::parse(location)?;
    let param = |k: &str| {
        callback
            .query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
            .ok_or(format!("the callback has no {k}"))
    };
    v2.exchange_code(&oauth, &authorization, &param("code")?, &param("state")?)
        .await?;
    // The `Storage` view of the v2 client.
    let v2s = v2.storage();
    let me2 = v2s.current_user().await?;
    println!(
        "v2: signed in through OAuth 2 as {} (user {})",
        me2.login, me2.id
    );

    // --- v2: read the tree back -------------------------------------------
    let demo = v2s.resolve_path("/Demo").await?;
    let demo_id = demo.as_folder().ok_or("/Demo is not a folder")?.id.clone();
    let entries: Vec<_> = v2s.walk(&demo_id).try_collect().await?;
    println!("v2: /Demo holds {} items:", entries.len());
    for e in &entries {
        let kind = if matches!(e.item, Item::Folder(_)) {
            "dir "
        } else {
            "file"
        };
        println!("  {kind} /Demo/{}", e.path);
    }
    for (path, id, sha) in &uploaded {
        let item = v2s.resolve_path(path).await?;
        let file = item.as_file().ok_or(format!("{path} is not a file"))?;
        let bytes = v2s.download_bytes(&file.id, 1 << 20).await?;
        let same = file.id == *id && Sha1Hex::of(&bytes) == *sha;
        println!(
            "v2: {path}: id {} sha1 {} {}",
            file.id,
            Sha1Hex::of(&bytes),
            if same {
                "(identical to the v1 upload)"
            } else {
                "(DIFFERS)"
            }
        );
        if !same {
            return Err(format!("{path} differs between v1 and v2").into());
        }
    }
    let root = v2s.list_all(&FolderId::root()).await?;
    println!("v2: the root folder lists {} item(s); done.", root.len());
    emulator.stop().await;
    Ok(())
}

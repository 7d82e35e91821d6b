//! A tour of the `Storage` trait on the in-memory reference backend.
//!
//! `cargo run -p box-core --example tour`

use std::sync::Arc;

use box_core::{
    Body, DeleteMode, FolderId, ItemId, MemoryStorage, SharedLinkOptions, Storage, StorageExt,
};
use futures::TryStreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> box_core::Result<()> {
    // Swap this line for a v1 or v2 client and nothing below changes.
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let me = storage.current_user().await?;
    println!(
        "signed in as {} <{}> on the {} backend",
        me.name,
        me.login,
        storage.backend()
    );

    let reports = storage.create_folder_all("/Reports/2024").await?;
    println!("created /Reports/2024 (folder {})", reports.id);

    for (name, text) in [("q1.txt", "revenue: 42\n"), ("q2.txt", "revenue: 57\n")] {
        let f = storage
            .upload(&reports.id, name, Body::from_bytes(text))
            .await?;
        println!(
            "uploaded {name}: {} bytes, sha1 {}",
            f.size,
            f.sha1.map(|s| s.to_string()).unwrap_or_default()
        );
    }

    let q1 = storage.resolve_path("/Reports/2024/q1.txt").await?;
    let q1_id = ItemId::from(q1.as_file().expect("q1.txt is a file").id.clone());
    storage.add_tags(&q1_id, &["finance".into()]).await?;
    storage.set_description(&q1_id, "First quarter").await?;
    let link = storage
        .create_shared_link(&q1_id, SharedLinkOptions::new())
        .await?;
    println!("shared q1.txt at {}", link.url);

    if let Err(e) = storage.create_folder(&FolderId::root(), "reports").await {
        println!("creating /reports again fails as Box does: {e}");
    }

    println!("tree:");
    let entries: Vec<_> = storage.walk(&FolderId::root()).try_collect().await?;
    for e in entries {
        let slash = if e.item.as_folder().is_some() {
            "/"
        } else {
            ""
        };
        println!("  {}{}{slash}", "  ".repeat(e.depth - 1), e.item.name());
    }

    storage
        .delete(&ItemId::Folder(reports.id), DeleteMode::Trash)
        .await?;
    println!(
        "deleted /Reports/2024; /Reports now holds {} items",
        storage
            .list_all(
                &storage
                    .resolve_path("/Reports")
                    .await?
                    .as_folder()
                    .expect("folder")
                    .id
            )
            .await?
            .len()
    );
    Ok(())
}

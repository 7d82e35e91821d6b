//! Uploads, downloads, error-status mapping over the wire, and the
//! `box_core::Storage` implementation against a local server.

mod common;

use box_core::{
    Body, DeleteMode, Error, FileId, FolderId, ItemId, Operation, SharedLinkOptions, Storage,
    StorageExt,
};
use box_v1::actions::{GetAccountTree, GetFileInfo};
use box_v1::transfer::{Upload, UploadFile};
use box_v1::RequestForm;
use bytes::Bytes;
use common::*;
use futures::{stream, StreamExt};

#[tokio::test]
async fn upload_streams_several_files_and_reports_per_file() {
    let s = start().await;
    let c = s.client(RequestForm::Xml);
    let chunks: Vec<box_core::Result<Bytes>> = (0..64)
        .map(|i| Ok(Bytes::from(vec![b'a' + (i % 26) as u8; 4096])))
        .collect();
    let streamed = Body::from_stream(stream::iter(chunks), None);
    let up = Upload::new(
        756,
        vec![
            UploadFile::new("read_me.txt", Body::from_bytes("hello")),
            UploadFile::new("Rally.avi", streamed),
        ],
    );
    let out = c.upload_files(up).await.unwrap();
    insta::assert_yaml_snapshot!("upload_outcome", out);
    assert!(matches!(
        out.files[1].clone().into_result(),
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(out.files[0].clone().into_result().unwrap(), 5996);
    let reqs = s.take_requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, format!("/api/1.0/upload/{TOKEN}/756"));
    let ct = r.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(ct.starts_with("multipart/form-data"), "{ct}");
    let body = String::from_utf8_lossy(&r.body);
    assert!(
        body.contains("name=\"new_file1\"; filename=\"read_me.txt\""),
        "{body:.300}"
    );
    assert!(body.contains("name=\"new_file2\"; filename=\"Rally.avi\""));
    assert!(body.contains("hello"));
    assert!(r.body.len() > 64 * 4096);

    c.overwrite(5996, UploadFile::new("read_me.txt", Body::from_bytes("v2")))
        .await
        .unwrap();
    c.new_copy(5996, UploadFile::new("read_me.txt", Body::from_bytes("v3")))
        .await
        .unwrap();
    let reqs = s.take_requests();
    assert_eq!(reqs[0].path, format!("/api/1.0/overwrite/{TOKEN}/5996"));
    assert_eq!(reqs[1].path, format!("/api/1.0/new_copy/{TOKEN}/5996"));
    for r in &reqs {
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            body.contains("name=\"new_file1\"; filename=\"read_me.txt\""),
            "{body}"
        );
    }
}

#[tokio::test]
async fn upload_failure_status_is_an_error() {
    let s = start().await;
    s.set("upload", "text/xml", fixture("errors/not_logged_id.xml"));
    let c = s.client(RequestForm::Xml);
    let e = c
        .upload_files(Upload::new(
            1,
            vec![UploadFile::new("a", Body::from_bytes("x"))],
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
}

#[tokio::test]
async fn download_streams_and_detects_plain_text_errors() {
    let s = start().await;
    let c = s.client(RequestForm::Xml);
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    s.set("download", "application/octet-stream", content.clone());
    let body = c.download_file(542666, None).await.unwrap();
    let mut n = 0usize;
    let mut chunks = 0usize;
    let mut stream = body.into_stream();
    let mut got = Vec::new();
    while let Some(ch) = stream.next().await {
        let ch = ch.unwrap();
        n += ch.len();
        chunks += 1;
        got.extend_from_slice(&ch);
    }
    assert_eq!(n, content.len());
    assert!(chunks > 1, "arrived in {chunks} chunk(s)");
    assert_eq!(got, content);
    let reqs = s.take_requests();
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path, format!("/api/1.0/download/{TOKEN}/542666"));

    c.download_file(542666, Some(3)).await.unwrap();
    assert_eq!(
        s.take_requests()[0].path,
        format!("/api/1.0/download/{TOKEN}/542666/3")
    );

    // A short real file is handed out untouched.
    s.set("download", "text/plain", "hello");
    assert_eq!(
        &c.download_bytes(&FileId::new("542666"), 100).await.unwrap()[..],
        b"hello"
    );

    for (text, check) in [
        (
            "wrong auth token",
            (|e: &Error| matches!(e, Error::Unauthenticated { .. })) as fn(&Error) -> bool,
        ),
        ("wrong file id\n", |e: &Error| e.is_not_found()),
        ("access denied", |e: &Error| {
            matches!(e, Error::PermissionDenied { .. })
        }),
    ] {
        s.set("download", "text/plain", text);
        let e = c.download_file(542666, None).await.unwrap_err();
        assert!(check(&e), "{text}: {e:?}");
        assert!(
            !e.to_string().contains(TOKEN) && !format!("{e:?}").contains(TOKEN),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn transport_errors_do_not_leak_the_token() {
    let c = box_v1::Client::builder(API_KEY)
        .api_base("http://127.0.0.1:9")
        .auth_token(secrecy::SecretString::from(TOKEN))
        .build()
        .unwrap();
    let e = c.download_file(1, None).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(!format!("{e} {e:?}").contains(TOKEN), "{e:?}");
}

#[tokio::test]
async fn error_statuses_map_over_the_wire() {
    let s = start().await;
    let mut table = Vec::new();
    for entry in std::fs::read_dir(format!("{FIXTURES}/errors")).unwrap() {
        let path = entry.unwrap().path();
        let status = path.file_stem().unwrap().to_string_lossy().into_owned();
        s.set("get_file_info", "text/xml", std::fs::read(&path).unwrap());
        for form in [RequestForm::Xml, RequestForm::Rest] {
            let e = s
                .client(form)
                .send(&GetFileInfo { file_id: 1 })
                .await
                .unwrap_err();
            assert_eq!(e.code(), Some(status.as_str()));
            assert_eq!(e.status(), Some(200));
            if form == RequestForm::Xml {
                let kind = format!("{e:?}");
                table.push(format!(
                    "{status}: {}",
                    kind.split([' ', '{']).next().unwrap()
                ));
            }
        }
    }
    table.sort();
    insta::assert_yaml_snapshot!("error_status_mapping", table);
    s.set(
        "get_account_tree",
        "text/xml",
        fixture("errors/e_folder_id.xml"),
    );
    let e = s
        .client(RequestForm::Rest)
        .send(&GetAccountTree::new(99))
        .await
        .unwrap_err();
    assert!(e.is_not_found());
}

#[tokio::test]
async fn storage_walk_list_and_get() {
    let s = start().await;
    s.set(
        "get_account_tree",
        "text/xml",
        fixture("trees/small_deflated.xml"),
    );
    s.set(
        "export_tags",
        "text/xml",
        "<response><status>export_tags_ok</status><tags><tag id=\"34\">inbox</tag><tag id=\"35\">web</tag></tags></response>",
    );
    let c = s.client(RequestForm::Rest);
    let storage: &dyn Storage = &c;
    assert!(storage.capabilities().walk_in_one_call());
    let walked = storage.walk_all(&FolderId::root()).await.unwrap();
    let paths: Vec<_> = walked
        .iter()
        .map(|w| (w.path.clone(), w.depth, w.item.tags().to_vec()))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("Incoming".to_owned(), 1, vec!["inbox".to_owned()]),
            ("Incoming/cows.w3g".to_owned(), 2, vec![]),
            ("Incoming/silver.html".to_owned(), 2, vec!["web".to_owned()]),
        ]
    );
    let reqs = s.take_requests();
    let actions: Vec<_> = reqs
        .iter()
        .map(|r| {
            r.query
                .iter()
                .find(|(k, _)| k == "action")
                .unwrap()
                .1
                .clone()
        })
        .collect();
    assert_eq!(actions, vec!["get_account_tree", "export_tags"]);

    let listed = storage.list_all(&FolderId::root()).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name(), "Incoming");
    let reqs = s.take_requests();
    assert!(reqs[0]
        .query
        .contains(&("params[]".to_owned(), "onelevel".to_owned())));

    let root = storage.get_folder(&FolderId::root()).await.unwrap();
    assert_eq!(root.name, "All Files");

    let f = storage.get_file(&FileId::new("224")).await.unwrap();
    assert_eq!((f.name.as_str(), f.size), ("Box Press Release.doc", 22528));
    assert_eq!(f.modified_at.unwrap().unix(), 1182159571);
    assert!(storage
        .get_file(&FileId::new("not-a-number"))
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn storage_unsupported_and_conflicts() {
    let s = start().await;
    s.set(
        "get_account_tree",
        "text/xml",
        fixture("trees/small_deflated.xml"),
    );
    let c = s.client(RequestForm::Xml);
    let caps = c.capabilities();
    for op in [
        Operation::RemoveTags,
        Operation::RangeDownload,
        Operation::SharedLinkOptions,
        Operation::CopyFolder,
        Operation::PermanentDelete,
    ] {
        assert!(!caps.supports(op), "{op}");
    }
    let item = ItemId::File(FileId::new("68736"));
    assert!(c
        .remove_tags(&item, &["x".into()])
        .await
        .unwrap_err()
        .is_unsupported());
    assert!(c
        .download(&FileId::new("1"), Some(box_core::ByteRange::from_offset(5)))
        .await
        .unwrap_err()
        .is_unsupported());
    assert!(c
        .delete(&item, DeleteMode::Permanent)
        .await
        .unwrap_err()
        .is_unsupported());
    assert!(c
        .create_shared_link(&item, SharedLinkOptions::new().password("pw"))
        .await
        .unwrap_err()
        .is_unsupported());
    assert!(c
        .copy(
            &ItemId::Folder(FolderId::new("4384")),
            &FolderId::root(),
            None
        )
        .await
        .unwrap_err()
        .is_unsupported());

    // "incoming" clashes case-insensitively with the existing "Incoming".
    let e = c
        .create_folder(&FolderId::root(), "incoming")
        .await
        .unwrap_err();
    assert!(e.is_conflict(), "{e:?}");
    assert!(matches!(
        c.create_folder(&FolderId::root(), "a/b").await,
        Err(Error::InvalidInput { .. })
    ));

    // Moving a folder into its own subtree.
    let e = c
        .move_item(&ItemId::Folder(FolderId::new("0")), &FolderId::new("4384"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");

    let link = c
        .create_shared_link(&item, SharedLinkOptions::new())
        .await
        .unwrap();
    assert_eq!(link.url, "https://web.example/shared/ojf3i2n100");
    c.delete(&item, DeleteMode::Trash).await.unwrap();
}

#[tokio::test]
async fn search_ends_when_a_full_page_brings_nothing_new() {
    // A server that ignores `page` and answers every request with the same
    // full page: the stream used to ask for page after page forever.
    let s = start().await;
    let files: String = (1..=100)
        .map(|i| format!(r#"<file id="{i}" file_name="f{i}.txt" folder_id="0" size="1"/>"#))
        .collect();
    s.set(
        "search",
        "text/xml",
        format!("<response><status>search_results_ok</status><files>{files}</files></response>"),
    );
    let c = s.client(RequestForm::Rest);
    let found: Vec<_> = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        c.search("f").collect::<Vec<_>>(),
    )
    .await
    .expect("the search stream ends");
    assert_eq!(found.len(), 100);
    assert!(found.iter().all(|r| r.is_ok()));
    let pages: Vec<String> = s
        .take_requests()
        .iter()
        .map(|r| {
            r.query
                .iter()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(pages, vec!["1", "2"]);
}

#[tokio::test]
async fn a_silent_server_fails_with_a_transport_error_instead_of_hanging() {
    // Accepts connections and never answers: the default client used to
    // wait forever.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let c = box_v1::Client::builder(API_KEY)
        .api_base(&base)
        .read_timeout(std::time::Duration::from_millis(300))
        .retry_policy(box_v1::RetryPolicy::none())
        .build()
        .unwrap();
    let e = tokio::time::timeout(std::time::Duration::from_secs(20), c.get_ticket())
        .await
        .expect("the call ends")
        .unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    holder.abort();
}

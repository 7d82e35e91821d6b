//! The v1 API over the same store: ticket flow, XML and REST calls,
//! get_account_tree zipped and inline, upload / overwrite / new_copy / download.

use std::io::Read;

use base64::Engine;
use box_emulator::{Emulator, EmulatorHandle};
use reqwest::Client;

mod support;
use support::{attr, tag, v1_rest, v1_xml};

/// A REST call of `action` with the test's API key, an auth token and `args`.
async fn act(emu: &EmulatorHandle, token: &str, action: &str, args: &[(&str, &str)]) -> String {
    let mut query = vec![
        ("action", action),
        ("api_key", "key"),
        ("auth_token", token),
    ];
    query.extend_from_slice(args);
    v1_rest(emu, &query).await
}

async fn login(emu: &EmulatorHandle) -> String {
    let r = v1_rest(emu, &[("action", "get_ticket"), ("api_key", "key")]).await;
    assert_eq!(tag(&r, "status"), Some("get_ticket_ok"), "{r}");
    let ticket = tag(&r, "ticket").unwrap().to_string();
    // Before approval there is no token.
    let r = v1_rest(
        emu,
        &[
            ("action", "get_auth_token"),
            ("api_key", "key"),
            ("ticket", &ticket),
        ],
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("not_logged_in"));
    let page = Client::new()
        .get(format!("{}/auth/{ticket}", emu.v1_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let r = v1_rest(
        emu,
        &[
            ("action", "get_auth_token"),
            ("api_key", "key"),
            ("ticket", &ticket),
        ],
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("get_auth_token_ok"), "{r}");
    assert_eq!(tag(&r, "user_id"), Some(emu.default_user().as_str()));
    tag(&r, "auth_token").unwrap().to_string()
}

async fn upload(emu: &EmulatorHandle, path: &str, name: &str, data: Vec<u8>) -> String {
    let form = reqwest::multipart::Form::new()
        .part(
            "new_file1",
            reqwest::multipart::Part::bytes(data).file_name(name.to_string()),
        )
        .text("share", "0");
    Client::new()
        .post(format!("{}/{path}", emu.v1_url()))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn ticket_flow_tree_and_transfers() {
    let emu = Emulator::builder().start().await.unwrap();
    let token = login(&emu).await;

    let r = v1_xml(&emu, format!(
        "<?xml version='1.0' encoding='UTF-8' ?><request><action>create_folder</action><api_key>key</api_key>\
         <auth_token>{token}</auth_token><parent_id>0</parent_id><name>Incoming</name><share>0</share></request>"
    )).await;
    assert_eq!(tag(&r, "status"), Some("create_ok"), "{r}");
    let folder = tag(&r, "folder_id").unwrap().to_string();
    let r = v1_xml(&emu, format!(
        "<request><action>create_folder</action><api_key>key</api_key><auth_token>{token}</auth_token>\
         <parent_id>424242</parent_id><name>x</name></request>"
    )).await;
    assert_eq!(tag(&r, "status"), Some("e_no_parent_folder"));

    // Upload (bigger than the JSON body limit, to prove uploads are not capped).
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    let r = upload(
        &emu,
        &format!("upload/{token}/{folder}"),
        "big.bin",
        big.clone(),
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("upload_ok"), "{r}");
    let big_id = attr(&r, "id").to_string();
    assert_eq!(attr(&r, "folder_id"), folder);
    let r = upload(
        &emu,
        &format!("upload/{token}/{folder}"),
        "note.txt",
        b"v1".to_vec(),
    )
    .await;
    let note = attr(&r, "id").to_string();
    let r = upload(
        &emu,
        &format!("overwrite/{token}/{note}"),
        "note.txt",
        b"v2!".to_vec(),
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("upload_ok"), "{r}");
    assert_eq!(attr(&r, "id"), note);
    let r = upload(
        &emu,
        &format!("new_copy/{token}/{note}"),
        "note.txt",
        b"copy".to_vec(),
    )
    .await;
    assert_eq!(attr(&r, "file_name"), "Copy of note.txt", "{r}");
    let r = upload(
        &emu,
        &format!("new_copy/{token}/{note}"),
        "note.txt",
        b"copy 2".to_vec(),
    )
    .await;
    assert_eq!(attr(&r, "file_name"), "Copy of note (1).txt", "{r}");
    // A plain upload of a name the folder holds fails for that file only.
    let r = upload(
        &emu,
        &format!("upload/{token}/{folder}"),
        "NOTE.txt",
        b"clash".to_vec(),
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("upload_some_files_failed"), "{r}");
    assert_eq!(attr(&r, "error"), "e_filename_in_use", "{r}");

    let dl = |id: String, token: String| {
        let url = emu.v1_url();
        async move {
            Client::new()
                .get(format!("{url}/download/{token}/{id}"))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
        }
    };
    assert_eq!(dl(big_id.clone(), token.clone()).await.as_ref(), &big[..]);
    assert_eq!(dl(note.clone(), token.clone()).await.as_ref(), b"v2!");
    assert_eq!(
        dl(note.clone(), "bogus".into()).await.as_ref(),
        b"wrong auth token"
    );
    assert_eq!(
        dl("999999".into(), token.clone()).await.as_ref(),
        b"wrong file id"
    );

    // The same items are visible through v2.
    let v2: serde_json::Value = Client::new()
        .get(format!("{}/folders/{folder}/items", emu.api_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v2["total_count"], 4);

    // Tree: inline with nozip, zipped otherwise; both the same XML.
    let r = act(
        &emu,
        &token,
        "get_account_tree",
        &[("folder_id", "0"), ("params[]", "nozip")],
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("listing_ok"));
    let inline = tag(&r, "tree").unwrap().to_string();
    assert!(inline.starts_with("<folder id=\"0\" name=\"\""), "{inline}");
    assert!(inline.contains("file_name=\"big.bin\"") && inline.contains("size=\"3000000\""));
    let r = v1_xml(&emu, format!(
        "<request><action>get_account_tree</action><api_key>key</api_key><auth_token>{token}</auth_token>\
         <folder_id>0</folder_id><params></params></request>"
    )).await;
    let b64 = tag(&r, "tree").unwrap();
    let zip = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .unwrap();
    assert_eq!(&zip[..4], b"PK\x03\x04");
    let name_len = u16::from_le_bytes([zip[26], zip[27]]) as usize;
    let csize = u32::from_le_bytes(zip[18..22].try_into().unwrap()) as usize;
    let start = 30 + name_len;
    let mut xml_text = String::new();
    flate2::read::DeflateDecoder::new(&zip[start..start + csize])
        .read_to_string(&mut xml_text)
        .unwrap();
    assert!(xml_text.ends_with(&inline), "{xml_text}");
    let r = act(
        &emu,
        &token,
        "get_account_tree",
        &[
            ("folder_id", &folder),
            ("params[]", "nozip"),
            ("params[]", "nofiles"),
        ],
    )
    .await;
    let t = tag(&r, "tree").unwrap();
    assert!(t.starts_with("<folder") && !t.contains("<file "), "{t}");

    // File info, description, tags, sharing, copy, search, account info.
    let kv = |extra: Vec<(&'static str, String)>| {
        let mut q: Vec<(&'static str, String)> =
            vec![("api_key", "key".into()), ("auth_token", token.clone())];
        q.extend(extra);
        q
    };
    let call = |q: Vec<(&'static str, String)>| {
        let url = format!("{}/rest", emu.v1_url());
        async move {
            Client::new()
                .get(url)
                .query(&q)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let r = call(kv(vec![
        ("action", "get_file_info".into()),
        ("file_id", note.clone()),
    ]))
    .await;
    assert_eq!(tag(&r, "status"), Some("s_get_file_info"), "{r}");
    assert_eq!(tag(&r, "size"), Some("3"));
    assert_eq!(tag(&r, "folder_id"), Some(folder.as_str()));
    let r = call(kv(vec![
        ("action", "get_file_info".into()),
        ("file_id", "777777".into()),
    ]))
    .await;
    assert_eq!(tag(&r, "status"), Some("e_access_denied"));
    let r = call(kv(vec![
        ("action", "set_description".into()),
        ("target", "file".into()),
        ("target_id", note.clone()),
        ("description", "about".into()),
    ]))
    .await;
    assert_eq!(tag(&r, "status"), Some("s_set_description"));
    let r = call(kv(vec![
        ("action", "add_to_tag".into()),
        ("target", "file".into()),
        ("target_id", note.clone()),
        ("tags[]", "music".into()),
        ("tags[]", "mp3".into()),
    ]))
    .await;
    assert_eq!(tag(&r, "status"), Some("addtotag_ok"), "{r}");
    let r = call(kv(vec![("action", "export_tags".into())])).await;
    assert_eq!(tag(&r, "status"), Some("export_tags_ok"));
    assert!(
        r.contains(">music</tag>") && r.contains(">mp3</tag>"),
        "{r}"
    );
    let r = call(kv(vec![
        ("action", "public_share".into()),
        ("target", "file".into()),
        ("target_id", note.clone()),
        ("password", "".into()),
        ("message", "".into()),
    ]))
    .await;
    assert_eq!(tag(&r, "status"), Some("share_ok"));
    let public = tag(&r, "public_name").unwrap().to_string();
    let r = call(kv(vec![
        ("action", "get_file_info".into()),
        ("file_id", note.clone()),
    ]))
    .await;
    assert_eq!(tag(&r, "shared_name"), Some(public.as_str()));
    assert_eq!(tag(&r, "description"), Some("about"));
    let r = call(kv(vec![
        ("action", "public_unshare".into()),
        ("target", "file".into()),
        ("target_id", note.clone()),
    ]))
    .await;
    assert_eq!(tag(&r, "status"), Some("unshare_ok"));
    let r = call(kv(vec![
        ("action", "copy".into()),
        ("target", "file".into()),
        ("target_id", note.clone()),
        ("destination_id", "0".into()),
    ]))
    .await;
    assert_eq!(tag(&r, "status"), Some("s_copy_node"), "{r}");
    let r = call(kv(vec![
        ("action", "copy".into()),
        ("target", "file".into()),
        ("target_id", note.clone()),
        ("destination_id", folder.clone()),
    ]))
    .await;
    assert_eq!(tag(&r, "status"), Some("s_copy_node"), "{r}");
    let copy_id = tag(&r, "new_file_id").unwrap().to_string();
    let r = call(kv(vec![
        ("action", "get_file_info".into()),
        ("file_id", copy_id),
    ]))
    .await;
    assert_eq!(
        tag(&r, "file_name"),
        Some("note (1).txt"),
        "note.txt exists already: {r}"
    );
    let r = call(kv(vec![
        ("action", "search".into()),
        ("query", "NOTE".into()),
        ("page", "1".into()),
        ("per_page", "10".into()),
    ]))
    .await;
    assert_eq!(tag(&r, "status"), Some("search_results_ok"));
    assert_eq!(r.matches("<file ").count(), 5, "{r}");
    let r = call(kv(vec![("action", "get_account_info".into())])).await;
    assert_eq!(tag(&r, "status"), Some("get_account_info_ok"));
    assert_eq!(tag(&r, "login"), Some("user@example.com"));

    // Rename, move, delete.
    let r = act(
        &emu,
        &token,
        "rename",
        &[
            ("target", "file"),
            ("target_id", &note),
            ("new_name", "renamed.txt"),
        ],
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("s_rename_node"));
    let r = act(
        &emu,
        &token,
        "move",
        &[
            ("target", "file"),
            ("target_id", &note),
            ("destination_id", "0"),
        ],
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("s_move_node"));
    let r = act(
        &emu,
        &token,
        "move",
        &[
            ("target", "folder"),
            ("target_id", &folder),
            ("destination_id", &folder),
        ],
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("e_move_node"));
    let r = act(
        &emu,
        &token,
        "delete",
        &[("target", "folder"), ("target_id", &folder)],
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("s_delete_node"));
    let r = act(
        &emu,
        &token,
        "get_account_tree",
        &[
            ("folder_id", "0"),
            ("params[]", "nozip"),
            ("params[]", "onelevel"),
        ],
    )
    .await;
    let tree = tag(&r, "tree").unwrap();
    assert!(
        tree.contains("renamed.txt") && !tree.contains("Incoming"),
        "{tree}"
    );

    // Errors in status.
    let r = v1_rest(
        &emu,
        &[
            ("action", "get_account_tree"),
            ("api_key", "key"),
            ("auth_token", "nope"),
        ],
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("not_logged_in"));
    let r = v1_rest(&emu, &[("action", "get_ticket")]).await;
    assert_eq!(tag(&r, "status"), Some("application_restricted"));
    let r = v1_xml(&emu, "<request><action>".into()).await;
    assert_eq!(tag(&r, "status"), Some("wrong_input"));
    let r = act(&emu, &token, "logout", &[]).await;
    assert_eq!(tag(&r, "status"), Some("logout_ok"));
    let r = act(&emu, &token, "get_account_tree", &[]).await;
    assert_eq!(tag(&r, "status"), Some("not_logged_in"));
}

/// `get_account_tree` answers are reused only while nothing changed: a new
/// file, a rename or a new tag shows at once, and one user's cached tree is
/// never another's.
#[tokio::test]
async fn account_trees_follow_every_change() {
    let emu = Emulator::builder().start().await.unwrap();
    let token = login(&emu).await;
    let tree = |token: String| {
        let emu = &emu;
        async move {
            v1_rest(
                emu,
                &[
                    ("action", "get_account_tree"),
                    ("api_key", "key"),
                    ("auth_token", &token),
                    ("folder_id", "0"),
                    ("params[]", "nozip"),
                ],
            )
            .await
        }
    };
    let first = tree(token.clone()).await;
    assert_eq!(
        tree(token.clone()).await,
        first,
        "unchanged tree, same answer"
    );
    let r = upload(&emu, &format!("upload/{token}/0"), "one.txt", b"1".to_vec()).await;
    let id = attr(&r, "id").to_string();
    let second = tree(token.clone()).await;
    assert!(second.contains("file_name=\"one.txt\""), "{second}");
    let r = act(
        &emu,
        &token,
        "rename",
        &[
            ("target", "file"),
            ("target_id", &id),
            ("new_name", "two.txt"),
        ],
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("s_rename_node"), "{r}");
    let third = tree(token.clone()).await;
    assert!(
        third.contains("file_name=\"two.txt\"") && !third.contains("one.txt"),
        "{third}"
    );
    let r = act(
        &emu,
        &token,
        "add_to_tag",
        &[("target", "file"), ("target_id", &id), ("tags[]", "urgent")],
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("addtotag_ok"), "{r}");
    assert_ne!(tree(token.clone()).await, third, "a tag changes the tree");
    let (_, other) = emu.create_user("Other", "other@example.com").unwrap();
    let theirs = tree(other).await;
    assert!(!theirs.contains("two.txt"), "{theirs}");
}

//! The v1 actions beyond files and folders, driven through the real box-v1
//! client against the emulator in both request forms (XML envelope and
//! REST query): versions, comments, private shares, `add_to_mybox`,
//! updates, friends, registration and password login — results, failure
//! statuses as typed `box_core::Error` kinds, and cross-checks through v2
//! and the emulator's store where they make sense.

use box_core::Error;
use box_emulator::{Emulator, EmulatorHandle};
use box_v1::actions::{
    Action, AddComment, AddToMybox, Authorization, CreateFolder, CreditCard, Delete, DeleteComment,
    GetAccountInfo, GetComments, GetFriends, GetUpdates, GetVersions, PrivateShare, PublicShare,
    RegisterNewUser, RegisterPaidUser, RequestFriends, Target, VerifyRegistrationEmail,
};
use box_v1::transfer::UploadFile;
use box_v1::{Client, Params, RequestForm};
use boxkit_tests::support_v1::{v1_client, v1_download, v1_signed_in, v1_upload};
use boxkit_tests::{content, developer_client, download, list, sha1_hex, start};
use futures::TryStreamExt;
use secrecy::SecretString;

/// The raw v1 status of a failed call (the emulator's answer, kept by the client).
fn status_of<T: std::fmt::Debug>(r: &Result<T, Error>) -> &str {
    match r {
        Err(e) => e.code().unwrap_or("<no code>"),
        Ok(v) => panic!("expected a failure, got {v:?}"),
    }
}

fn api_failure<T: std::fmt::Debug>(r: &Result<T, Error>, status: &str) {
    assert!(
        matches!(&r, Err(e @ Error::Api { .. }) if e.code() == Some(status)),
        "expected Api({status}), got {r:?}"
    );
}

/// A second emulator user with a v1 client (same form) and a v2 client.
async fn other_user(
    emulator: &EmulatorHandle,
    form: RequestForm,
    name: &str,
    login: &str,
) -> (u64, Client, box_v2::Client) {
    let (user, token) = emulator.create_user(name, login).expect("user");
    let v1 = v1_signed_in(emulator, form, Some(&user.id.to_string())).await;
    (user.id, v1, developer_client(emulator, &token))
}

async fn versions_and_comments(form: RequestForm) {
    let emulator = start(Emulator::builder()).await;
    let a = v1_signed_in(&emulator, form, None).await;
    let a_id: u64 = emulator.default_user().parse().unwrap();
    let a_v2 = developer_client(&emulator, emulator.default_token());

    // Versions: an upload and two overwrites are three versions.
    let bodies: Vec<Vec<u8>> = (0..3).map(|i| content(i, 1000 + i as usize)).collect();
    let file = v1_upload(&a, 0, "report.txt", bodies[0].clone())
        .await
        .expect("upload");
    for b in &bodies[1..] {
        let outcome = a
            .overwrite(file, UploadFile::from_bytes("report.txt", b.clone()))
            .await
            .expect("overwrite");
        assert_eq!(outcome.status, "upload_ok");
    }
    let versions = a
        .send(&GetVersions { file_id: file })
        .await
        .expect("versions");
    assert_eq!(versions.len(), 3);
    for (v, b) in versions.iter().zip(&bodies) {
        assert_eq!(v.sha1, sha1_hex(b));
        assert_eq!(v.size, b.len() as u64);
        assert_eq!(v.file_name, "report.txt");
        assert_eq!(v.author_id, Some(a_id));
        assert!(v.created.is_some());
        let got = a
            .download_file(file, Some(v.version_id))
            .await
            .expect("download version")
            .collect(1 << 20)
            .await
            .expect("body");
        assert_eq!(&got[..], &b[..], "version {} downloads", v.version_id);
    }
    // v2 lists the previous versions (newest first): the same ids.
    let v2_old: Vec<String> = a_v2
        .files()
        .versions(file.to_string(), &["sha1"])
        .try_collect::<Vec<_>>()
        .await
        .expect("v2 versions")
        .into_iter()
        .map(|v| v.id.to_string())
        .collect();
    let v1_old: Vec<String> = versions[..2]
        .iter()
        .rev()
        .map(|v| v.version_id.to_string())
        .collect();
    assert_eq!(v2_old, v1_old);
    let folder = a
        .send(&CreateFolder {
            parent_id: 0,
            name: "talk".into(),
            share: false,
        })
        .await
        .expect("folder")
        .folder_id;
    api_failure(
        &a.send(&GetVersions { file_id: folder }).await,
        "e_get_versions",
    );
    api_failure(
        &a.send(&GetVersions { file_id: 987_654 }).await,
        "e_get_versions",
    );

    // Comments: add, list, escaping, on files and folders.
    let message = "Looks good & <ready> \"ok\"";
    let c1 = a
        .send(&AddComment {
            target: Target::File,
            target_id: file,
            message: message.into(),
        })
        .await
        .expect("add comment");
    assert_eq!(c1.message, message);
    assert_eq!(c1.user_id, Some(a_id));
    assert!(c1.created.is_some());
    let on_folder = a
        .send(&AddComment {
            target: Target::Folder,
            target_id: folder,
            message: "folder note".into(),
        })
        .await
        .expect("comment on a folder");
    let listed = a
        .send(&GetComments {
            target: Target::File,
            target_id: file,
        })
        .await
        .expect("comments");
    assert_eq!(listed, vec![c1.clone()]);
    let listed = a
        .send(&GetComments {
            target: Target::Folder,
            target_id: folder,
        })
        .await
        .expect("folder comments");
    assert_eq!(listed, vec![on_folder]);
    api_failure(
        &a.send(&AddComment {
            target: Target::File,
            target_id: file,
            message: "   ".into(),
        })
        .await,
        "e_add_comment",
    );
    api_failure(
        &a.send(&AddComment {
            target: Target::Folder,
            target_id: file,
            message: "wrong kind".into(),
        })
        .await,
        "e_add_comment",
    );

    // Another user neither sees nor comments until the file is shared.
    let (b_id, b, _) = other_user(&emulator, form, "Bee", "bee@example.com").await;
    let get = |target_id| GetComments {
        target: Target::File,
        target_id,
    };
    api_failure(&b.send(&get(file)).await, "e_get_comments");
    api_failure(
        &b.send(&AddComment {
            target: Target::File,
            target_id: file,
            message: "hi".into(),
        })
        .await,
        "e_add_comment",
    );
    let hidden = b
        .send(&DeleteComment {
            comment_id: c1.comment_id,
        })
        .await;
    assert!(
        hidden.as_ref().is_err_and(Error::is_not_found),
        "{hidden:?}"
    );
    assert_eq!(status_of(&hidden), "e_comment_id");
    a.send(&PrivateShare {
        target: Target::File,
        target_id: file,
        emails: vec!["bee@example.com".into()],
        message: String::new(),
        notify: false,
    })
    .await
    .expect("share with B");
    assert_eq!(b.send(&get(file)).await.expect("B reads").len(), 1);
    let by_b = b
        .send(&AddComment {
            target: Target::File,
            target_id: file,
            message: "from B".into(),
        })
        .await
        .expect("B comments");
    assert_eq!(by_b.user_id, Some(b_id));
    assert_eq!(by_b.user_name, "bee@example.com");
    // B may not delete A's comment; A (the owner) may delete B's.
    api_failure(
        &b.send(&DeleteComment {
            comment_id: c1.comment_id,
        })
        .await,
        "e_delete_comment",
    );
    a.send(&DeleteComment {
        comment_id: by_b.comment_id,
    })
    .await
    .expect("owner deletes B's comment");
    let gone = a
        .send(&DeleteComment {
            comment_id: by_b.comment_id,
        })
        .await;
    assert!(gone.as_ref().is_err_and(Error::is_not_found), "{gone:?}");
    // B deletes their own.
    let own = b
        .send(&AddComment {
            target: Target::File,
            target_id: file,
            message: "again".into(),
        })
        .await
        .expect("B comments again");
    b.send(&DeleteComment {
        comment_id: own.comment_id,
    })
    .await
    .expect("author deletes");
    assert_eq!(a.send(&get(file)).await.expect("A reads"), vec![c1.clone()]);

    // Deleting the file hides its comments.
    a.send(&Delete {
        target: Target::File,
        target_id: file,
    })
    .await
    .expect("delete");
    api_failure(&a.send(&get(file)).await, "e_get_comments");
    let hidden = a
        .send(&DeleteComment {
            comment_id: c1.comment_id,
        })
        .await;
    assert_eq!(status_of(&hidden), "e_comment_id");
    emulator.stop().await;
}

async fn private_share_and_add_to_mybox(form: RequestForm) {
    let emulator = start(Emulator::builder()).await;
    let a = v1_signed_in(&emulator, form, None).await;
    let (_, b, b_v2) = other_user(&emulator, form, "Bee", "bee@example.com").await;
    let data = content(7, 4321);
    let file = v1_upload(&a, 0, "plan.bin", data.clone())
        .await
        .expect("upload");
    let id = file.to_string();
    assert!(b_v2
        .files()
        .get(&id)
        .send()
        .await
        .is_err_and(|e| e.is_not_found()));

    let share = |target, target_id, emails: &[&str]| PrivateShare {
        target,
        target_id,
        emails: emails.iter().map(|e| e.to_string()).collect(),
        message: "have a look".into(),
        notify: true,
    };
    a.send(&share(
        Target::File,
        file,
        &["BEE@example.com", "later@example.com"],
    ))
    .await
    .expect("private share");
    // B sees the file through v2 and both downloads.
    let seen = b_v2
        .files()
        .get(&id)
        .send()
        .await
        .expect("B sees it via v2");
    assert_eq!(seen.name.as_deref(), Some("plan.bin"));
    assert_eq!(download(&b_v2, &id).await.expect("v2 download"), data);
    assert_eq!(v1_download(&b, file).await.expect("v1 download"), data);
    // Sharing again is harmless.
    a.send(&share(Target::File, file, &["bee@example.com"]))
        .await
        .expect("share again");
    // The unknown e-mail was kept: the user created later sees the file.
    let (_, later_token) = emulator
        .create_user("Later", "later@example.com")
        .expect("user");
    let later_v2 = developer_client(&emulator, &later_token);
    assert!(later_v2.files().get(&id).send().await.is_ok());

    // Failures.
    let folder = a
        .send(&CreateFolder {
            parent_id: 0,
            name: "f".into(),
            share: false,
        })
        .await
        .expect("folder")
        .folder_id;
    api_failure(
        &a.send(&share(Target::Folder, folder, &["bee@example.com"]))
            .await,
        "private_share_error",
    );
    let unknown = a
        .send(&share(Target::File, 999_999, &["bee@example.com"]))
        .await;
    assert!(
        unknown.as_ref().is_err_and(Error::is_not_found),
        "{unknown:?}"
    );
    assert_eq!(status_of(&unknown), "wrong_node");
    api_failure(
        &a.send(&share(Target::File, file, &["not-an-email"])).await,
        "private_share_error",
    );
    api_failure(
        &a.send(&share(Target::File, file, &[])).await,
        "private_share_error",
    );
    api_failure(
        &b.send(&share(Target::File, file, &["x@example.com"])).await,
        "private_share_error",
    );

    // add_to_mybox: by public name, with tags, into B's root.
    let public = a
        .send(&PublicShare {
            target: Target::File,
            target_id: file,
            password: None,
            message: String::new(),
            emails: vec![],
        })
        .await
        .expect("public share");
    let (_, c, c_v2) = other_user(&emulator, form, "Cee", "cee@example.com").await;
    let add = |file_id: Option<u64>, public_name: &str, folder_id: u64| AddToMybox {
        file_id,
        public_name: public_name.into(),
        folder_id,
        tags: "work, shared".into(),
    };
    c.send(&add(None, &public, 0))
        .await
        .expect("add by public name");
    let listing = list(&c_v2, "0").await.expect("C's root");
    let (_, copy_id, sha1) = listing
        .iter()
        .find(|(n, _, _)| n == "plan.bin")
        .expect("the copy is in C's root")
        .clone();
    assert_ne!(copy_id, id, "a copy, not the original");
    assert_eq!(sha1, sha1_hex(&data));
    assert_eq!(download(&c_v2, &copy_id).await.expect("download"), data);
    let tags = c_v2
        .files()
        .get(&copy_id)
        .fields(["tags"])
        .send()
        .await
        .expect("tags")
        .tags
        .unwrap_or_default();
    assert!(
        tags.contains(&"work".to_string()) && tags.contains(&"shared".to_string()),
        "{tags:?}"
    );
    // The name is now taken in C's root.
    let again = c.send(&add(Some(file), "", 0)).await;
    assert!(again.as_ref().is_err_and(Error::is_conflict), "{again:?}");
    assert_eq!(status_of(&again), "s_link_exists");
    // By id into one of C's folders.
    let inbox = c
        .send(&CreateFolder {
            parent_id: 0,
            name: "inbox".into(),
            share: false,
        })
        .await
        .expect("folder")
        .folder_id;
    c.send(&add(Some(file), "", inbox))
        .await
        .expect("add by id");
    assert_eq!(
        list(&c_v2, &inbox.to_string()).await.expect("inbox").len(),
        1
    );
    // Not public, unknown, nothing named, a folder that is not C's.
    let private = v1_upload(&a, 0, "private.bin", content(8, 10))
        .await
        .expect("upload");
    for bad in [
        add(Some(private), "", 0),
        add(None, "no-such-public-name", 0),
        add(None, "", 0),
        add(Some(file), "", folder),
    ] {
        api_failure(&c.send(&bad).await, "addtomybox_error");
    }
    // A password-protected link is not open to add_to_mybox.
    let locked = v1_upload(&a, 0, "locked.bin", content(9, 10))
        .await
        .expect("upload");
    let locked_name = a
        .send(&PublicShare {
            target: Target::File,
            target_id: locked,
            password: Some(SecretString::from("door-Q7")),
            message: String::new(),
            emails: vec![],
        })
        .await
        .expect("share with a password");
    api_failure(
        &c.send(&add(None, &locked_name, 0)).await,
        "addtomybox_error",
    );
    emulator.stop().await;
}

async fn updates_and_friends(form: RequestForm) {
    let emulator = start(Emulator::builder()).await;
    let a = v1_signed_in(&emulator, form, None).await;
    let a_id: u64 = emulator.default_user().parse().unwrap();
    let started = chrono_now();
    let data = content(3, 300_544);
    v1_upload(&a, 0, "song.mp3", data).await.expect("upload");
    a.send(&CreateFolder {
        parent_id: 0,
        name: "albums".into(),
        share: false,
    })
    .await
    .expect("folder");
    let login = a.send(&GetAccountInfo).await.expect("info").login;

    for nozip in [true, false] {
        let updates = a
            .send(&GetUpdates {
                begin_timestamp: 0,
                nozip,
            })
            .await
            .expect("updates");
        // One update per event of A's stream, the one v2's /events serves.
        let events = emulator
            .store()
            .read(|st| st.events.values().filter(|e| e.user == a_id).count());
        assert_eq!(updates.len(), events, "nozip={nozip}");
        let song = updates
            .iter()
            .find(|u| u.name == "song.mp3")
            .expect("the upload is an update");
        assert_eq!(song.user_name, login);
        assert!(song.message.contains("uploaded"), "{}", song.message);
        assert!(song.updated.is_some_and(|t| t >= started - 1));
        assert_eq!(song.files.len(), 1);
        assert_eq!(song.files[0].size, "293.5 KB");
        assert!(updates
            .iter()
            .any(|u| u.name == "albums" && u.files.is_empty()));
    }
    // Nothing after now; nothing before the first event (end_timestamp
    // through the raw call, which the typed action does not send).
    let future = a
        .send(&GetUpdates {
            begin_timestamp: started + 3600,
            nozip: false,
        })
        .await
        .expect("updates");
    assert!(future.is_empty());
    let mut p = Params::new("get_updates");
    p.text("begin_timestamp", 0)
        .text("end_timestamp", started - 3600)
        .list("params", vec!["nozip"]);
    let r = a
        .call(&p, true, GetUpdates::PAYLOAD)
        .await
        .expect("raw call");
    assert_eq!(r.status(), "s_get_updates");
    assert!(GetUpdates::parse(r).expect("parses").is_empty());
    let mut p = Params::new("get_updates");
    p.text("begin_timestamp", "yesterday");
    let r = a
        .call(&p, true, GetUpdates::PAYLOAD)
        .await
        .expect("raw call");
    assert_eq!(r.status(), "e_get_updates");

    // Friends.
    let (_, b, _) = other_user(&emulator, form, "Bee", "bee@example.com").await;
    let public_box = b
        .send(&CreateFolder {
            parent_id: 0,
            name: "public box".into(),
            share: true,
        })
        .await
        .expect("B's public folder")
        .folder_id;
    a.send(&RequestFriends {
        emails: vec!["bee@example.com".into(), "stranger@example.com".into()],
        message: "join me".into(),
        params: vec!["box_auto_subscribe".into()],
    })
    .await
    .expect("request friends");
    // Asking twice keeps one entry per e-mail.
    a.send(&RequestFriends {
        emails: vec!["Bee@example.com".into()],
        message: String::new(),
        params: vec![],
    })
    .await
    .expect("again");
    for nozip in [true, false] {
        let friends = a.send(&GetFriends { nozip }).await.expect("friends");
        assert_eq!(friends.len(), 2, "nozip={nozip}: {friends:?}");
        let bee = friends
            .iter()
            .find(|f| f.email == "bee@example.com")
            .expect("bee");
        assert!(bee.accepted);
        assert_eq!(bee.name, "Bee");
        // B's open shared folder is not handed to a new friend who cannot already open it (issue #11:
        // a friend request must not reveal the links of someone's shared folders).
        assert!(
            bee.boxes.iter().all(|b| b.id != public_box),
            "nozip={nozip}: {:?}",
            bee.boxes
        );
        let stranger = friends
            .iter()
            .find(|f| f.email == "stranger@example.com")
            .expect("stranger");
        assert!(!stranger.accepted);
    }
    assert!(b
        .send(&GetFriends { nozip: false })
        .await
        .expect("B's")
        .is_empty());
    for bad in [vec![], vec!["nope".to_string()], vec![login.clone()]] {
        api_failure(
            &a.send(&RequestFriends {
                emails: bad,
                message: String::new(),
                params: vec![],
            })
            .await,
            "e_request_friends",
        );
    }
    // Once the stranger registers, the invitation reads as accepted.
    let anon = v1_client(&emulator, form);
    anon.send(&RegisterNewUser {
        login: "stranger@example.com".into(),
        password: SecretString::from("pw-1"),
    })
    .await
    .expect("register");
    let friends = a.send(&GetFriends { nozip: true }).await.expect("friends");
    assert!(friends.iter().all(|f| f.accepted), "{friends:?}");
    emulator.stop().await;
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn card(number: &str, exp: &str) -> CreditCard {
    CreditCard {
        first_name: "John".into(),
        last_name: "Doe".into(),
        street_address: "100 Main Street".into(),
        zip: "12345".into(),
        country: "US".into(),
        number: SecretString::from(number.to_string()),
        cvv: SecretString::from("111"),
        exp_date: SecretString::from(exp.to_string()),
    }
}

async fn registration_and_password_login(form: RequestForm) {
    let emulator = start(Emulator::builder()).await;
    let anon = v1_client(&emulator, form);
    let password = "Pw-secret-81!";
    let verify = |login: &str| VerifyRegistrationEmail {
        login: login.into(),
    };
    anon.send(&verify("new@example.com"))
        .await
        .expect("email_ok");
    let invalid = anon.send(&verify("not an email")).await;
    assert!(
        matches!(invalid, Err(Error::InvalidInput { .. })),
        "{invalid:?}"
    );
    assert_eq!(status_of(&invalid), "email_invalid");

    let register = RegisterNewUser {
        login: "new@example.com".into(),
        password: SecretString::from(password),
    };
    assert!(!format!("{register:?}").contains(password));
    let session = anon.send(&register).await.expect("register");
    assert_eq!(session.user.login, "new@example.com");
    assert_eq!(session.user.space_used, 0);
    assert!(!format!("{session:?}").contains(password));
    let taken = anon.send(&verify("NEW@example.com")).await;
    assert!(taken.as_ref().is_err_and(Error::is_conflict), "{taken:?}");
    assert_eq!(status_of(&taken), "email_already_registered");
    let again = anon.send(&register).await;
    assert_eq!(status_of(&again), "email_already_registered");
    let empty = anon
        .send(&RegisterNewUser {
            login: "other@example.com".into(),
            password: SecretString::from(""),
        })
        .await;
    assert!(
        matches!(empty, Err(Error::InvalidInput { .. })),
        "{empty:?}"
    );
    assert_eq!(status_of(&empty), "e_register");

    // The session works, and the user is a real emulator user (v2 too).
    anon.set_auth_token(session.auth_token.clone());
    let info = anon.send(&GetAccountInfo).await.expect("account info");
    assert_eq!(info.user_id, session.user.user_id);
    let file = v1_upload(&anon, 0, "mine.txt", b"hello".to_vec())
        .await
        .expect("upload");
    let token = emulator
        .developer_token(&session.user.user_id.to_string())
        .expect("token");
    let v2 = developer_client(&emulator, &token);
    let me = v2.users().me().send().await.expect("me");
    assert_eq!(me.login.as_deref(), Some("new@example.com"));
    assert_eq!(
        download(&v2, &file.to_string()).await.expect("download"),
        b"hello"
    );
    anon.logout().await.expect("logout");

    // Password login.
    let login = |login: &str, pw: &str| Authorization {
        login: login.into(),
        password: SecretString::from(pw.to_string()),
        method: String::new(),
    };
    let auth = login("New@Example.com", password);
    assert!(!format!("{auth:?}").contains(password));
    let s2 = anon.send(&auth).await.expect("logged");
    assert_eq!(s2.user.user_id, session.user.user_id);
    anon.set_auth_token(s2.auth_token.clone());
    anon.send(&GetAccountInfo)
        .await
        .expect("signed in by password");
    // The convenience adopts the token itself.
    let fresh = v1_client(&emulator, form);
    let s3 = fresh
        .sign_in_with_password("new@example.com", SecretString::from(password.to_string()))
        .await
        .expect("sign_in_with_password");
    assert_eq!(s3.user.user_id, session.user.user_id);
    let me = fresh
        .send(&GetAccountInfo)
        .await
        .expect("the client uses the new token");
    assert_eq!(me.user_id, session.user.user_id);
    // A user made through the admin API has no password.
    emulator
        .create_user("No Password", "nopw@example.com")
        .expect("user");
    for (l, pw) in [
        ("new@example.com", "Pw-secret-81"),
        ("new@example.com", ""),
        ("nobody@example.com", password),
        ("nopw@example.com", ""),
    ] {
        let r = anon.send(&login(l, pw)).await;
        assert!(matches!(r, Err(Error::Unauthenticated { .. })), "{r:?}");
        assert_eq!(status_of(&r), "invalid_login");
    }
    // A failed login's answer never echoes the password.
    let mut p = Params::new("authorization");
    p.text("login", "new@example.com")
        .secret("password", &SecretString::from("Wrong-pw-77"))
        .text("method", "");
    let r = anon.call(&p, false, None).await.expect("raw call");
    assert_eq!(r.status(), "invalid_login");
    assert!(!format!("{r:?}").contains("Wrong-pw-77"));

    // Paid registration: billing checks, then a working account.
    let paid = |login: &str, plan: &str, period: &str, card: CreditCard| RegisterPaidUser {
        login: login.into(),
        password: SecretString::from(password),
        name: "John Doe".into(),
        plan: plan.into(),
        period: period.into(),
        card,
    };
    let good_card = || card("4111 1111 1111 1111", "1299");
    let dbg = format!(
        "{:?}",
        paid("p@example.com", "Business", "Year", good_card())
    );
    assert!(!dbg.contains(password) && !dbg.contains("4111"), "{dbg}");
    for (req, status) in [
        (
            paid("p@example.com", "Platinum", "Year", good_card()),
            "wrong_billing_plan",
        ),
        (
            paid("p@example.com", "Business", "Decade", good_card()),
            "wrong_billing_period",
        ),
        (
            paid(
                "p@example.com",
                "Business",
                "Year",
                card("4111 1111 1111 1112", "1299"),
            ),
            "credit_card_fields_error",
        ),
        (
            paid(
                "p@example.com",
                "Business",
                "Year",
                card("4111111111111111", "1399"),
            ),
            "credit_card_fields_error",
        ),
        (
            paid(
                "p@example.com",
                "Business",
                "Year",
                card("0000000000000000", "0109"),
            ),
            "billing_error",
        ),
        (
            paid("new@example.com", "Business", "Year", good_card()),
            "email_already_registered",
        ),
        (paid("p@", "Business", "Year", good_card()), "email_invalid"),
    ] {
        let r = anon.send(&req).await;
        assert_eq!(status_of(&r), status);
    }
    api_failure(
        &anon
            .send(&paid(
                "p@example.com",
                "Business",
                "Year",
                card("0000000000000000", "0109"),
            ))
            .await,
        "billing_error",
    );
    let paid_session = anon
        .send(&paid("p@example.com", "Business", "Month", good_card()))
        .await
        .expect("paid registration");
    assert_eq!(paid_session.user.login, "p@example.com");
    let s3 = anon
        .send(&login("p@example.com", password))
        .await
        .expect("paid user logs in");
    assert_eq!(s3.user.user_id, paid_session.user.user_id);
    emulator.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_and_comments_xml() {
    versions_and_comments(RequestForm::Xml).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_and_comments_rest() {
    versions_and_comments(RequestForm::Rest).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_share_and_add_to_mybox_xml() {
    private_share_and_add_to_mybox(RequestForm::Xml).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_share_and_add_to_mybox_rest() {
    private_share_and_add_to_mybox(RequestForm::Rest).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_and_friends_xml() {
    updates_and_friends(RequestForm::Xml).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_and_friends_rest() {
    updates_and_friends(RequestForm::Rest).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_and_password_login_xml() {
    registration_and_password_login(RequestForm::Xml).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_and_password_login_rest() {
    registration_and_password_login(RequestForm::Rest).await;
}

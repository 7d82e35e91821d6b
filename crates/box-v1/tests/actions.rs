//! Every action: the request it builds (snapshot, both forms), its response
//! fixture parsed (snapshot), and a wire round trip in both forms against a
//! local server (method, path, query/body checked).

mod common;

use box_v1::actions::*;
use box_v1::envelope::Value;
use box_v1::{Params, RequestForm, Response};
use bytes::Bytes;
use common::*;
use secrecy::SecretString;
use serde::Serialize;

fn built<A: Action>(a: &A) -> Params {
    let mut p = Params::new(A::NAME);
    a.params(&mut p);
    p
}

fn parse_fixture<A: Action>(name: &str) -> A::Output {
    let raw = fixture(&format!("responses/{name}.xml"));
    let r = Response::parse(Bytes::from(raw), A::PAYLOAD).unwrap();
    assert!(A::SUCCESS.contains(&r.status()), "{name}: {}", r.status());
    A::parse(r).unwrap()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn expose(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.clone()),
        Value::Secret(s) => Some(secrecy::ExposeSecret::expose_secret(s).to_owned()),
        Value::List(_) => None,
    }
}

/// Sends `a` in both forms and checks what reached the server.
async fn wire<A: Action>(server: &Server, a: &A) -> A::Output {
    let p = built(a);
    let mut out = None;
    for form in [RequestForm::Xml, RequestForm::Rest] {
        let client = server.client(form);
        let result = client
            .send(a)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", A::NAME));
        let reqs = server.take_requests();
        assert_eq!(reqs.len(), 1, "{}", A::NAME);
        let r = &reqs[0];
        match form {
            RequestForm::Xml => {
                assert_eq!(r.method, "POST");
                assert_eq!(r.path, "/api/1.0/xml");
                let body = String::from_utf8(r.body.to_vec()).unwrap();
                assert!(
                    body.starts_with("<?xml version='1.0' encoding='UTF-8' ?>\n<request>\n"),
                    "{body}"
                );
                assert!(
                    body.contains(&format!("<action>{}</action>", A::NAME)),
                    "{body}"
                );
                assert!(
                    body.contains(&format!("<api_key>{API_KEY}</api_key>")),
                    "{body}"
                );
                assert_eq!(
                    body.contains(&format!("<auth_token>{TOKEN}</auth_token>")),
                    A::AUTHENTICATED,
                    "{body}"
                );
                for (name, v) in p.fields() {
                    match (expose(v), v) {
                        (Some(s), _) if s.is_empty() => {
                            assert!(body.contains(&format!("<{name} />")), "{name} in {body}")
                        }
                        (Some(s), _) => assert!(
                            body.contains(&format!("<{name}>{}</{name}>", xml_escape(&s))),
                            "{name} in {body}"
                        ),
                        (None, Value::List(items)) if items.is_empty() => {
                            assert!(body.contains(&format!("<{name} />")), "{body}")
                        }
                        (None, Value::List(items)) => {
                            let inner: String = items
                                .iter()
                                .map(|i| format!("<item>{}</item>\n", xml_escape(i)))
                                .collect();
                            assert!(
                                body.contains(&format!("<{name}>\n{inner}</{name}>")),
                                "{name} in {body}"
                            );
                        }
                        _ => unreachable!(),
                    }
                }
            }
            RequestForm::Rest => {
                assert_eq!(r.method, "GET");
                assert_eq!(r.path, "/api/1.0/rest");
                let q = &r.query;
                let get = |k: &str| {
                    q.iter()
                        .filter(|(n, _)| n == k)
                        .map(|(_, v)| v.clone())
                        .collect::<Vec<_>>()
                };
                assert_eq!(get("action"), vec![A::NAME.to_owned()]);
                assert_eq!(get("api_key"), vec![API_KEY.to_owned()]);
                assert_eq!(get("auth_token").len(), usize::from(A::AUTHENTICATED));
                for (name, v) in p.fields() {
                    match (expose(v), v) {
                        (Some(s), _) => assert_eq!(get(name), vec![s], "{name}"),
                        (None, Value::List(items)) => {
                            assert_eq!(&get(&format!("{name}[]")), items, "{name}")
                        }
                        _ => unreachable!(),
                    }
                }
            }
        }
        out = Some(result);
    }
    out.unwrap()
}

fn request_snapshot<A: Action>(a: &A) -> String {
    let p = built(a);
    format!(
        "# XML form (POST /api/1.0/xml)\n{}\n# REST form (GET /api/1.0/rest?…)\n{}\n",
        p.to_xml_redacted(API_KEY, A::AUTHENTICATED),
        p.to_query_redacted(API_KEY, A::AUTHENTICATED)
    )
}

/// The three checks for one action.
async fn check<A: Action>(server: &Server, a: A, fixture_name: &str) -> A::Output
where
    A::Output: Serialize,
{
    insta::assert_snapshot!(format!("request_{fixture_name}"), request_snapshot(&a));
    let parsed = parse_fixture::<A>(fixture_name);
    insta::assert_yaml_snapshot!(format!("response_{fixture_name}"), parsed);
    wire(server, &a).await
}

#[tokio::test]
async fn every_action_request_response_and_wire() {
    let s = start().await;
    let t = check(&s, GetTicket, "get_ticket").await;
    assert_eq!(t, "bxquuv025arztljze2n438md9zef95e8");
    let sess = check(
        &s,
        GetAuthToken {
            ticket: "udd863k39gn9mioc6ym2c6erbqm8qfsh".into(),
        },
        "get_auth_token",
    )
    .await;
    assert_eq!(sess.user.user_id, 453);
    let pw = SecretString::from("p4ssw0rd-do-not-print");
    let auth = Authorization {
        login: "email@example.com".into(),
        password: pw.clone(),
        method: String::new(),
    };
    assert!(!format!("{auth:?}").contains("p4ssw0rd"));
    check(&s, auth, "authorization").await;
    check(&s, Logout, "logout").await;
    check(
        &s,
        RegisterNewUser {
            login: "email@example.com".into(),
            password: pw.clone(),
        },
        "register_new_user",
    )
    .await;
    let paid = RegisterPaidUser {
        login: "email@example.com".into(),
        password: pw.clone(),
        name: "John Doe".into(),
        plan: "Business".into(),
        period: "Year".into(),
        card: CreditCard {
            first_name: "John".into(),
            last_name: "Doe".into(),
            street_address: "100 Main Street".into(),
            zip: "12345".into(),
            country: "US".into(),
            number: SecretString::from("4111111111111111"),
            cvv: SecretString::from("111"),
            exp_date: SecretString::from("1109"),
        },
    };
    let dbg = format!("{paid:?}");
    assert!(
        !dbg.contains("4111111111111111") && !dbg.contains("p4ssw0rd"),
        "{dbg}"
    );
    check(&s, paid, "register_paid_user").await;
    check(
        &s,
        VerifyRegistrationEmail {
            login: "email@example.com".into(),
        },
        "verify_registration_email",
    )
    .await;
    let tree = {
        let a = GetAccountTree::new(0).with_params(TreeParams {
            onelevel: true,
            nozip: true,
            ..Default::default()
        });
        insta::assert_snapshot!("request_get_account_tree", request_snapshot(&a));
        insta::assert_yaml_snapshot!(
            "response_get_account_tree",
            parse_fixture::<GetAccountTree>("get_account_tree")
                .build()
                .unwrap()
        );
        wire(&s, &a).await.build().unwrap()
    };
    assert_eq!(tree.file_count(), 2);
    let tags = check(&s, ExportTags, "export_tags").await;
    assert_eq!(tags.len(), 2);
    let f = check(
        &s,
        CreateFolder {
            parent_id: 0,
            name: "New Folder".into(),
            share: true,
        },
        "create_folder",
    )
    .await;
    assert_eq!(f.folder_id, 738);
    check(
        &s,
        Move {
            target: Target::Folder,
            target_id: 739,
            destination_id: 738,
        },
        "move",
    )
    .await;
    check(
        &s,
        Rename {
            target: Target::Folder,
            target_id: 739,
            new_name: "New Name".into(),
        },
        "rename",
    )
    .await;
    check(
        &s,
        Delete {
            target: Target::Folder,
            target_id: 738,
        },
        "delete",
    )
    .await;
    let public = check(
        &s,
        PublicShare {
            target: Target::Folder,
            target_id: 709,
            password: None,
            message: "hey".into(),
            emails: vec!["email@example.com".into(), "email2@example.com".into()],
        },
        "public_share",
    )
    .await;
    assert_eq!(public, "ojf3i2n100");
    check(
        &s,
        PublicUnshare {
            target: Target::Folder,
            target_id: 709,
        },
        "public_unshare",
    )
    .await;
    check(
        &s,
        PrivateShare {
            target: Target::File,
            target_id: 4935,
            emails: vec!["email@example.com".into()],
            message: "hey".into(),
            notify: true,
        },
        "private_share",
    )
    .await;
    check(
        &s,
        AddToMybox {
            file_id: Some(4940),
            public_name: String::new(),
            folder_id: 0,
            tags: String::new(),
        },
        "add_to_mybox",
    )
    .await;
    check(
        &s,
        AddToTag {
            tags: vec!["test_tag".into(), "test_tag1".into()],
            target: Target::File,
            target_id: 6334,
        },
        "add_to_tag",
    )
    .await;
    let info = check(&s, GetFileInfo { file_id: 224 }, "get_file_info").await;
    assert_eq!(info.size, 22528);
    check(
        &s,
        SetDescription {
            target: Target::File,
            target_id: 224,
            description: "123 & <more>".into(),
        },
        "set_description",
    )
    .await;
    let friends = check(&s, GetFriends { nozip: true }, "get_friends").await;
    assert_eq!(friends[0].boxes[0].id, 15);
    check(
        &s,
        RequestFriends {
            emails: vec!["email1@example.com".into(), "email2@example.com".into()],
            message: "123".into(),
            params: vec!["box_auto_subscribe".into()],
        },
        "request_friends",
    )
    .await;
    let updates = check(
        &s,
        GetUpdates {
            begin_timestamp: 0,
            nozip: true,
        },
        "get_updates",
    )
    .await;
    assert_eq!(updates[0].updated, Some(1180341648));
    check(&s, GetAccountInfo, "get_account_info").await;
    assert_eq!(
        check(
            &s,
            Copy {
                target: Target::File,
                target_id: 68736,
                destination_id: 0,
                new_name: Some("cows copy.w3g".into())
            },
            "copy"
        )
        .await,
        Some(68740)
    );
    let found = check(
        &s,
        Search {
            query: "cows".into(),
            page: 1,
            per_page: 100,
        },
        "search",
    )
    .await;
    assert_eq!(found.files.len(), 1);
    check(
        &s,
        GetComments {
            target: Target::File,
            target_id: 224,
        },
        "get_comments",
    )
    .await;
    check(
        &s,
        AddComment {
            target: Target::File,
            target_id: 224,
            message: "Looks good".into(),
        },
        "add_comment",
    )
    .await;
    check(&s, DeleteComment { comment_id: 901 }, "delete_comment").await;
    let versions = check(&s, GetVersions { file_id: 224 }, "get_versions").await;
    assert_eq!(versions.len(), 2);
}

#[tokio::test]
async fn secrets_never_reach_snapshots_or_debug() {
    let a = Authorization {
        login: "a@b.c".into(),
        password: SecretString::from("hunter22"),
        method: String::new(),
    };
    let snap = request_snapshot(&a);
    assert!(!snap.contains("hunter22"), "{snap}");
    let s = start().await;
    let c = s.client(RequestForm::Xml);
    assert!(!format!("{c:?}").contains(TOKEN));
}

//! The v1 actions beyond files and folders at the wire level: missing or
//! malformed parameters answer the documented failure statuses (never a
//! panic or an HTTP error), and passwords and card details never reach the
//! emulator's logs or answers.

use std::io::Write;
use std::sync::{Arc, Mutex};

use box_emulator::{Emulator, EmulatorHandle};
use reqwest::Client;

mod support;
use support::{tag, v1_rest, v1_xml};

async fn status(emu: &EmulatorHandle, query: &[(&str, &str)]) -> String {
    let r = v1_rest(emu, query).await;
    tag(&r, "status").unwrap_or_default().to_string()
}

/// Registers `login` and returns the auth token.
async fn register(emu: &EmulatorHandle, login: &str, password: &str) -> String {
    let r = v1_rest(
        emu,
        &[
            ("action", "register_new_user"),
            ("api_key", "k"),
            ("login", login),
            ("password", password),
        ],
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("successful_register"), "{r}");
    tag(&r, "auth_token").unwrap().to_string()
}

async fn upload(emu: &EmulatorHandle, token: &str, name: &str) -> String {
    let form = reqwest::multipart::Form::new().part(
        "new_file1",
        reqwest::multipart::Part::bytes(b"data".to_vec()).file_name(name.to_string()),
    );
    let r = Client::new()
        .post(format!("{}/upload/{token}/0", emu.v1_url()))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = " id=\"";
    let start = r.find(key).unwrap() + key.len();
    r[start..start + r[start..].find('"').unwrap()].to_string()
}

/// An action, its parameters, the status expected.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

#[tokio::test]
async fn missing_and_malformed_parameters() {
    let emu = Emulator::builder().start().await.unwrap();
    let token = register(&emu, "ann@example.com", "pw").await;
    let file = upload(&emu, &token, "a.txt").await;
    let base = [("api_key", "k"), ("auth_token", token.as_str())];
    let cases: &[Case<'_>] = &[
        ("get_versions", &[], "e_get_versions"),
        (
            "get_versions",
            &[("target", "file"), ("target_id", "abc")],
            "e_get_versions",
        ),
        (
            "get_versions",
            &[("target", "folder"), ("target_id", "0")],
            "e_get_versions",
        ),
        ("get_comments", &[], "e_get_comments"),
        (
            "get_comments",
            &[("target", "file"), ("target_id", "-1")],
            "e_get_comments",
        ),
        (
            "get_comments",
            &[("target", "file"), ("target_id", &file)],
            "get_comments_ok",
        ),
        (
            "get_comments",
            &[("target", "folder"), ("target_id", "0")],
            "get_comments_ok",
        ),
        (
            "add_comment",
            &[("target", "file"), ("target_id", &file)],
            "e_add_comment",
        ),
        (
            "add_comment",
            &[("target", "node"), ("target_id", &file), ("message", "m")],
            "e_add_comment",
        ),
        ("delete_comment", &[], "e_comment_id"),
        ("delete_comment", &[("target_id", "abc")], "e_comment_id"),
        (
            "delete_comment",
            &[("target_id", "18446744073709551616")],
            "e_comment_id",
        ),
        ("private_share", &[], "wrong_node"),
        (
            "private_share",
            &[("target", "file"), ("target_id", &file)],
            "private_share_error",
        ),
        (
            "private_share",
            &[
                ("target", "file"),
                ("target_id", "x"),
                ("emails[]", "b@example.com"),
            ],
            "wrong_node",
        ),
        ("add_to_mybox", &[], "addtomybox_error"),
        ("add_to_mybox", &[("file_id", "abc")], "addtomybox_error"),
        (
            "add_to_mybox",
            &[("file_id", &file), ("folder_id", "abc")],
            "addtomybox_error",
        ),
        ("get_updates", &[], "e_get_updates"),
        (
            "get_updates",
            &[("begin_timestamp", "99999999999999999999")],
            "e_get_updates",
        ),
        (
            "get_updates",
            &[("begin_timestamp", "0"), ("end_timestamp", "soon")],
            "e_get_updates",
        ),
        ("get_updates", &[("begin_timestamp", "0")], "s_get_updates"),
        ("request_friends", &[], "e_request_friends"),
        (
            "request_friends",
            &[("emails[]", "ann@example.com")],
            "e_request_friends",
        ),
        ("get_friends", &[], "s_get_friends"),
        ("authorization", &[], "invalid_login"),
        ("register_new_user", &[], "email_invalid"),
        (
            "register_new_user",
            &[("login", "bob@example.com")],
            "e_register",
        ),
        ("register_paid_user", &[], "email_invalid"),
        (
            "register_paid_user",
            &[("login", "bob@example.com"), ("password", "p")],
            "e_register",
        ),
        ("verify_registration_email", &[], "email_invalid"),
        (
            "verify_registration_email",
            &[("login", "ANN@example.com")],
            "email_already_registered",
        ),
    ];
    for (action, params, expected) in cases {
        let mut q: Vec<(&str, &str)> = vec![("action", action)];
        q.extend(base);
        q.extend(params.iter().copied());
        assert_eq!(status(&emu, &q).await, *expected, "{action} {params:?}");
    }
    // The reference's example spells the subscribe option `auto_subscribe`.
    let q = [
        ("action", "request_friends"),
        ("api_key", "k"),
        ("auth_token", token.as_str()),
        ("emails[]", "pal@example.com"),
        ("params[]", "auto_subscribe"),
    ];
    assert_eq!(status(&emu, &q).await, "s_request_friends");
    assert!(emu.store().read(|st| st
        .friends
        .values()
        .any(|f| f.email == "pal@example.com" && f.auto_subscribe)));
    // Without a token the item actions are refused; without an API key, all.
    for action in [
        "get_comments",
        "get_versions",
        "private_share",
        "get_updates",
    ] {
        let s = status(&emu, &[("action", action), ("api_key", "k")]).await;
        assert_eq!(s, "not_logged_in", "{action}");
    }
    let s = status(
        &emu,
        &[("action", "register_new_user"), ("login", "c@example.com")],
    )
    .await;
    assert_eq!(s, "application_restricted");
    // The XML form: an empty list element is no list.
    let r = v1_xml(
        &emu,
        format!(
            "<?xml version='1.0' encoding='UTF-8' ?><request><action>private_share</action>\
             <api_key>k</api_key><auth_token>{token}</auth_token><target>file</target>\
             <target_id>{file}</target_id><emails /><message /><notify>true</notify></request>"
        ),
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("private_share_error"), "{r}");
    let r = v1_xml(
        &emu,
        format!(
            "<request><action>get_friends</action><api_key>k</api_key><auth_token>{token}</auth_token>\
             <params><item>nozip</item></params></request>"
        ),
    )
    .await;
    assert_eq!(tag(&r, "status"), Some("s_get_friends"), "{r}");
    assert!(
        r.contains("<friends><friends><friend><name>pal@example.com</name>")
            && r.contains("<accepted>0</accepted>"),
        "{r}"
    );
    emu.stop().await;
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything the emulator logs (at TRACE) while it registers users, signs
/// them in, refuses wrong passwords and bad XML, and checks card details:
/// no password, card number or CVV in the log or in any answer. Runs on a
/// current-thread runtime so the server's tasks log to this subscriber.
#[tokio::test(flavor = "current_thread")]
async fn secrets_stay_out_of_logs_and_answers() {
    let captured = Capture::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("box_emulator=trace"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = Emulator::builder().start().await.unwrap();
    let secrets = ["Pw-Alpha-193", "Pw-Wrong-555", "4111111111111111", "7391"];
    let mut answers = Vec::new();
    answers.push(
        v1_rest(
            &emu,
            &[
                ("action", "register_new_user"),
                ("api_key", "k"),
                ("login", "dee@example.com"),
                ("password", secrets[0]),
            ],
        )
        .await,
    );
    for pw in [secrets[0], secrets[1]] {
        answers.push(
            v1_xml(
                &emu,
                format!(
                    "<request><action>authorization</action><api_key>k</api_key>\
                     <login>dee@example.com</login><password>{pw}</password><method /></request>"
                ),
            )
            .await,
        );
    }
    answers.push(
        v1_xml(
            &emu,
            format!(
                "<request><action>authorization</action><api_key>k</api_key>\
                 <password>{}</password></requst>",
                secrets[1]
            ),
        )
        .await,
    );
    for (exp, plan) in [("1299", "Nope"), ("0109", "Business"), ("1299", "Business")] {
        answers.push(
            v1_rest(
                &emu,
                &[
                    ("action", "register_paid_user"),
                    ("api_key", "k"),
                    ("login", "payer@example.com"),
                    ("password", secrets[1]),
                    ("name", "Payer"),
                    ("plan", plan),
                    ("period", "Year"),
                    ("credit_card_first_name", "P"),
                    ("credit_card_last_name", "Q"),
                    ("credit_card_street_address", "1 Road"),
                    ("credit_card_zip", "1"),
                    ("credit_card_country", "US"),
                    ("credit_card_number", secrets[2]),
                    ("credit_card_cvv", secrets[3]),
                    ("credit_card_exp_date", exp),
                ],
            )
            .await,
        );
    }
    let statuses: Vec<&str> = answers
        .iter()
        .map(|a| tag(a, "status").unwrap_or(""))
        .collect();
    assert_eq!(
        statuses,
        [
            "successful_register",
            "logged",
            "invalid_login",
            "wrong_input",
            "wrong_billing_plan",
            "billing_error",
            "successful_register"
        ]
    );
    emu.stop().await;
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(log.contains("request"), "the capture works: {log}");
    assert!(log.contains("bad v1 XML request"), "{log}");
    for s in secrets {
        assert!(!log.contains(s), "{s} logged: {log}");
        for a in &answers {
            assert!(!a.contains(s), "{s} answered: {a}");
        }
    }
}

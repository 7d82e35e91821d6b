//! The client's XML envelopes match the reference's request examples
//! (`fixtures/v1/requests/*.xml`, copied from the v1 reference), sent with
//! the reference's own API key and auth token to a local server.
//!
//! Normalisation: one element per line, and `<x></x>` written as `<x />`.
//! Deliberate deviation: the reference's `logout` example omits the
//! credentials, but its parameter list (api_key, sid) and every other call
//! carry them, so the client sends them; they are removed before comparing.

mod common;

use box_v1::actions::*;
use box_v1::{Client, RequestForm};
use common::{fixture, start, Server};
use secrecy::SecretString;

fn element(doc: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = doc.find(&open)? + open.len();
    let end = doc[start..].find(&format!("</{name}>"))? + start;
    Some(doc[start..end].to_owned())
}

fn normalise(doc: &str) -> String {
    let mut out = Vec::new();
    for line in doc.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let l = match (line.find('>'), line.strip_suffix('>')) {
            (Some(gt), Some(_)) if line[gt + 1..].starts_with("</") && line.starts_with('<') => {
                format!("{} />", &line[..gt])
            }
            _ => line.to_owned(),
        };
        out.push(l);
    }
    out.join("\n")
}

async fn compare<A: Action>(server: &Server, action: A, strip_credentials: bool) {
    let reference = fixture(&format!("requests/{}.xml", A::NAME));
    let api_key =
        element(&reference, "api_key").unwrap_or_else(|| "rrc1d3ntb53tt6b2vhail6rdtrsxov3v".into());
    let token = element(&reference, "auth_token").unwrap_or_else(|| "unused-token".into());
    let client = Client::builder(api_key)
        .api_base(&server.base)
        .auth_token(SecretString::from(token))
        .request_form(RequestForm::Xml)
        .build()
        .unwrap();
    client
        .send(&action)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", A::NAME));
    let sent = server.take_requests().pop().unwrap();
    let mut sent = String::from_utf8(sent.body.to_vec()).unwrap();
    if strip_credentials {
        sent = sent
            .lines()
            .filter(|l| !l.starts_with("<api_key>") && !l.starts_with("<auth_token>"))
            .collect::<Vec<_>>()
            .join("\n");
    }
    assert_eq!(normalise(&sent), normalise(&reference), "{}", A::NAME);
}

fn s(v: &str) -> String {
    v.to_owned()
}

#[tokio::test]
async fn envelopes_match_the_reference_examples() {
    let srv = start().await;
    compare(&srv, GetTicket, false).await;
    compare(
        &srv,
        GetAuthToken {
            ticket: s("udd863k39gn9mioc6ym2c6erbqm8qfsh"),
        },
        false,
    )
    .await;
    compare(
        &srv,
        Authorization {
            login: s("email@example.com"),
            password: SecretString::from("1"),
            method: s(""),
        },
        false,
    )
    .await;
    compare(&srv, Logout, true).await;
    compare(
        &srv,
        RegisterNewUser {
            login: s("email@example.com"),
            password: SecretString::from("123"),
        },
        false,
    )
    .await;
    compare(
        &srv,
        RegisterPaidUser {
            login: s("email@example.com"),
            password: SecretString::from("123"),
            name: s("John Doe"),
            plan: s("Business"),
            period: s("Year"),
            card: CreditCard {
                first_name: s("John"),
                last_name: s("Doe"),
                street_address: s("100 Main Street"),
                zip: s("12345"),
                country: s("US"),
                number: SecretString::from("0000000000000000"),
                cvv: SecretString::from("111"),
                exp_date: SecretString::from("1109"),
            },
        },
        false,
    )
    .await;
    compare(
        &srv,
        VerifyRegistrationEmail {
            login: s("email@example.com"),
        },
        false,
    )
    .await;
    compare(&srv, GetAccountTree::new(0), false).await;
    compare(&srv, ExportTags, false).await;
    compare(
        &srv,
        CreateFolder {
            parent_id: 0,
            name: s("New Folder"),
            share: true,
        },
        false,
    )
    .await;
    compare(
        &srv,
        Move {
            target: Target::Folder,
            target_id: 739,
            destination_id: 738,
        },
        false,
    )
    .await;
    compare(
        &srv,
        Rename {
            target: Target::Folder,
            target_id: 739,
            new_name: s("New Name"),
        },
        false,
    )
    .await;
    compare(
        &srv,
        Delete {
            target: Target::Folder,
            target_id: 738,
        },
        false,
    )
    .await;
    compare(
        &srv,
        PublicShare {
            target: Target::Folder,
            target_id: 709,
            password: None,
            message: s("hey"),
            emails: vec![s("email@example.com"), s("email2@example.com")],
        },
        false,
    )
    .await;
    compare(
        &srv,
        PublicUnshare {
            target: Target::Folder,
            target_id: 709,
        },
        false,
    )
    .await;
    compare(
        &srv,
        PrivateShare {
            target: Target::File,
            target_id: 4935,
            emails: vec![s("email@example.com")],
            message: s("hey"),
            notify: true,
        },
        false,
    )
    .await;
    compare(
        &srv,
        AddToMybox {
            file_id: Some(4940),
            public_name: s(""),
            folder_id: 0,
            tags: s(""),
        },
        false,
    )
    .await;
    compare(
        &srv,
        AddToTag {
            tags: vec![s("test_tag"), s("test_tag1")],
            target: Target::File,
            target_id: 6334,
        },
        false,
    )
    .await;
    compare(&srv, GetFileInfo { file_id: 224 }, false).await;
    compare(
        &srv,
        SetDescription {
            target: Target::File,
            target_id: 224,
            description: s("123"),
        },
        false,
    )
    .await;
    compare(&srv, GetFriends { nozip: true }, false).await;
    compare(
        &srv,
        RequestFriends {
            emails: vec![s("email1@example.com"), s("email2@example.com")],
            message: s("123"),
            params: vec![s("auto_subscribe")],
        },
        false,
    )
    .await;
    compare(
        &srv,
        GetUpdates {
            begin_timestamp: 0,
            nozip: true,
        },
        false,
    )
    .await;
}

//! The operation table of `box_emulator::v2::operations` against the running
//! router, both ways: every operation marked served is routed (its answer is
//! not the 501 of the fallback), every other one answers Box's error shape
//! with `501 not_implemented` naming it.

use box_emulator::v2::operations;
use box_emulator::Emulator;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A concrete path for a template: every `{name}` becomes `1` (`png` for
/// the thumbnail's extension).
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|seg| match (seg.find('{'), seg.rfind('}')) {
            (Some(open), Some(close)) => {
                let value = if seg.starts_with("thumbnail.") {
                    "png"
                } else {
                    "1"
                };
                format!("{}{value}{}", &seg[..open], &seg[close + 1..])
            }
            _ => seg.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn served_column_matches_the_router() {
    let emu = Emulator::builder().start().await.unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut wrong = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for op in operations::all() {
        let path = concrete(&op.path);
        // Variants (`#add_shared_link`) share one request with their base.
        if !seen.insert((op.method.clone(), path.clone())) {
            continue;
        }
        let method = Method::from_bytes(op.method.as_str().as_bytes()).unwrap();
        let resp = client
            .request(method, format!("{}{path}", emu.base_url()))
            .bearer_auth(emu.default_token())
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
        let group: Vec<_> = operations::all()
            .iter()
            .filter(|o| o.method == op.method && o.path == op.path)
            .collect();
        // A variant not served behind a served base reaches the base's handler.
        let served = group.iter().any(|o| o.served);
        let answered_501 = status == StatusCode::NOT_IMPLEMENTED;
        if served && answered_501 {
            wrong.push(format!(
                "{} {} is marked served but answers 501",
                op.method, path
            ));
        }
        if !served {
            let named = body["message"]
                .as_str()
                .is_some_and(|m| group.iter().all(|o| m.contains(&o.operation_id)));
            if !answered_501
                || body["type"] != "error"
                || body["code"] != "not_implemented"
                || !named
            {
                wrong.push(format!(
                    "{} {} is not served but answers {status}: {body}",
                    op.method, path
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    emu.stop().await;
}

#[tokio::test]
async fn unknown_paths_stay_plain_not_found() {
    let emu = Emulator::builder().start().await.unwrap();
    let resp = reqwest::Client::new()
        .get(format!("{}/no_such_thing/1", emu.api_url()))
        .bearer_auth(emu.default_token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    emu.stop().await;
}

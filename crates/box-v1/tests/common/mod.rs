//! A tiny local v1 server for wire tests: records every request and answers
//! from the fixtures (or from per-test overrides).

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/v1");
pub const API_KEY: &str = "rrc1d3ntb53tt6b2vhail6rdtrsxov3v";
pub const TOKEN: &str = "tok3n-secret-9byo5bg8d2o3otp0voji";

pub fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Default)]
pub struct State {
    pub requests: Mutex<Vec<Recorded>>,
    /// action (or "upload", "download") -> (content type, body)
    pub overrides: Mutex<HashMap<String, (String, Vec<u8>)>>,
    /// action -> answers given in turn, before `overrides` and the fixtures
    /// (for flows that must see the server change, e.g. a listing after an
    /// upload).
    pub sequences: Mutex<HashMap<String, std::collections::VecDeque<Vec<u8>>>>,
}

pub struct Server {
    pub base: String,
    pub state: Arc<State>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Server {
    pub fn set(&self, key: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.state
            .overrides
            .lock()
            .unwrap()
            .insert(key.to_owned(), (content_type.to_owned(), body.into()));
    }

    /// Answers `key` with each body in turn; the last one keeps answering.
    pub fn sequence(&self, key: &str, bodies: Vec<String>) {
        self.state.sequences.lock().unwrap().insert(
            key.to_owned(),
            bodies.into_iter().map(String::into_bytes).collect(),
        );
    }

    pub fn take_requests(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.state.requests.lock().unwrap())
    }

    pub fn client(&self, form: box_v1::RequestForm) -> box_v1::Client {
        box_v1::Client::builder(API_KEY)
            .api_base(&self.base)
            .upload_base(&self.base)
            .web_base("https://web.example")
            .request_form(form)
            .auth_token(secrecy::SecretString::from(TOKEN))
            .build()
            .unwrap()
    }
}

fn action_of(uri: &Uri, query: &[(String, String)], body: &[u8]) -> String {
    let path = uri.path();
    for kind in ["upload", "overwrite", "new_copy", "download"] {
        if path.starts_with(&format!("/api/1.0/{kind}/")) {
            return kind.to_owned();
        }
    }
    if let Some((_, a)) = query.iter().find(|(k, _)| k == "action") {
        return a.clone();
    }
    let s = String::from_utf8_lossy(body);
    s.split("<action>")
        .nth(1)
        .and_then(|r| r.split("</action>").next())
        .unwrap_or("unknown")
        .to_owned()
}

async fn handle(
    axum::extract::State(st): axum::extract::State<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let action = action_of(&uri, &query, &body);
    st.requests.lock().unwrap().push(Recorded {
        method,
        path: uri.path().to_owned(),
        query,
        headers,
        body,
    });
    let queued = st.sequences.lock().unwrap().get_mut(&action).and_then(|q| {
        if q.len() > 1 {
            q.pop_front()
        } else {
            q.front().cloned()
        }
    });
    let over = match queued {
        Some(b) => Some(("text/xml".to_owned(), b)),
        None => st.overrides.lock().unwrap().get(&action).cloned(),
    };
    let (ct, body) = match over {
        Some(o) => o,
        None => {
            let name = match action.as_str() {
                "overwrite" | "new_copy" => "upload".to_owned(),
                a => a.to_owned(),
            };
            let path = format!("{FIXTURES}/responses/{name}.xml");
            match std::fs::read(&path) {
                Ok(b) => ("text/xml".to_owned(), b),
                Err(_) => return (axum::http::StatusCode::NOT_FOUND, "no fixture").into_response(),
            }
        }
    };
    ([(axum::http::header::CONTENT_TYPE, ct)], body).into_response()
}

pub async fn start() -> Server {
    let state = Arc::new(State::default());
    let app = Router::new().fallback(handle).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Server {
        base: format!("http://{addr}"),
        state,
        shutdown: Some(tx),
    }
}

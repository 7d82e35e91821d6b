//! OAuth 2: `POST /oauth2/token` (authorization_code, refresh_token with
//! single-use rotating refresh tokens, client_credentials, jwt-bearer),
//! `POST /oauth2/revoke`, and the authorize page that approves at once for
//! the app's configured user.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use bytes::Bytes;
use chrono::Utc;
use serde_json::{json, Value};

use crate::http::{blocking, Params};
use crate::state::{AuthCode, Shared};
use crate::store::{random_token, App, StoreError, TokenKind};

/// The JWT bearer grant type.
pub const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Box's production token URL, accepted as a JWT audience.
pub const BOX_TOKEN_URL: &str = "https://api.box.com/oauth2/token";

/// An OAuth error: `{"error": .., "error_description": ..}`.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

fn oauth(status: StatusCode, error: &'static str, description: impl Into<String>) -> OAuthError {
    OAuthError {
        status,
        error,
        description: description.into(),
    }
}

fn invalid_grant(description: impl Into<String>) -> OAuthError {
    oauth(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn invalid_request(description: impl Into<String>) -> OAuthError {
    oauth(StatusCode::BAD_REQUEST, "invalid_request", description)
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response()
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = ?e, "token store failure");
        oauth(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Internal error",
        )
    }
}

fn form(body: &Bytes) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn app_for(shared: &Shared, f: &HashMap<String, String>) -> Result<App, OAuthError> {
    let id = f
        .get("client_id")
        .ok_or_else(|| invalid_request("client_id is required"))?;
    let app = shared
        .store
        .read(|st| st.apps.get(id).cloned())
        .ok_or_else(|| {
            oauth(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "The client credentials are invalid",
            )
        })?;
    if f.get("client_secret") != Some(&app.client_secret) {
        return Err(oauth(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "The client credentials are invalid",
        ));
    }
    Ok(app)
}

async fn issue_pair(
    shared: &Arc<Shared>,
    user: u64,
    client_id: String,
    with_refresh: bool,
) -> Result<Json<Value>, OAuthError> {
    let ttl = shared.access_ttl();
    let store = shared.store.clone();
    let (access, refresh) = blocking(move || {
        store
            .write(|tx| {
                let a = tx.issue(TokenKind::Access, user, &client_id, ttl, None);
                let r = with_refresh.then(|| {
                    tx.issue(
                        TokenKind::Refresh,
                        user,
                        &client_id,
                        chrono::Duration::days(60),
                        None,
                    )
                });
                Ok((a, r))
            })
            .map_err(Into::into)
    })
    .await
    .map_err(|_| {
        oauth(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Internal error",
        )
    })?;
    shared
        .counters
        .tokens_issued
        .fetch_add(1, Ordering::Relaxed);
    let mut body = json!({
        "access_token": access, "expires_in": ttl.num_seconds(),
        "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
        "restricted_to": [], "token_type": "bearer",
    });
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    Ok(Json(body))
}

/// `POST /oauth2/token`.
pub async fn token(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<Value>, OAuthError> {
    let f = form(&body);
    let grant = f
        .get("grant_type")
        .ok_or_else(|| invalid_request("grant_type is required"))?
        .clone();
    let app = app_for(&shared, &f)?;
    match grant.as_str() {
        "authorization_code" => {
            let code = f
                .get("code")
                .ok_or_else(|| invalid_request("code is required"))?
                .clone();
            let t = shared
                .auth_codes
                .take_if(&code, |c| c.client_id == app.client_id)
                .ok_or_else(|| {
                    invalid_grant("Auth code doesn't exist or is invalid for the client")
                })?;
            if let (Some(want), Some(got)) = (&t.redirect_uri, f.get("redirect_uri")) {
                if want != got {
                    return Err(invalid_grant("redirect_uri does not match"));
                }
            }
            issue_pair(&shared, t.user, app.client_id, true).await
        }
        "refresh_token" => {
            let rt = f
                .get("refresh_token")
                .ok_or_else(|| invalid_request("refresh_token is required"))?
                .clone();
            let t = shared
                .store
                .write(|tx| Ok(tx.take_token(&rt, TokenKind::Refresh)))?
                .filter(|t| t.client_id == app.client_id)
                .ok_or_else(|| invalid_grant("Invalid refresh token"))?;
            shared
                .counters
                .token_refreshes
                .fetch_add(1, Ordering::Relaxed);
            issue_pair(&shared, t.user, app.client_id, true).await
        }
        "client_credentials" => {
            let user = subject(
                &shared,
                &app,
                f.get("box_subject_type").map(String::as_str),
                f.get("box_subject_id").map(String::as_str),
            )?;
            issue_pair(&shared, user, app.client_id, false).await
        }
        JWT_GRANT => {
            let assertion = f
                .get("assertion")
                .ok_or_else(|| invalid_request("assertion is required"))?;
            let user = verify_jwt(&shared, &app, assertion)?;
            issue_pair(&shared, user, app.client_id, false).await
        }
        other => Err(oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("Grant type {other:?} is not supported"),
        )),
    }
}

fn subject(
    shared: &Shared,
    app: &App,
    kind: Option<&str>,
    id: Option<&str>,
) -> Result<u64, OAuthError> {
    match kind {
        Some("enterprise") | None => Ok(app.service_user),
        Some("user") => id
            .and_then(|i| i.parse::<u64>().ok())
            .filter(|i| shared.store.read(|st| st.users.contains_key(i)))
            .ok_or_else(|| invalid_grant("Cannot obtain token based on the subject")),
        Some(_) => Err(invalid_request(
            "box_subject_type must be enterprise or user",
        )),
    }
}

fn b64json(part: &str) -> Result<Value, OAuthError> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| invalid_grant("Malformed JWT"))
}

/// Verifies a JWT assertion against the app's public key; returns the subject user.
fn verify_jwt(shared: &Shared, app: &App, assertion: &str) -> Result<u64, OAuthError> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::sha2::{Sha256, Sha384, Sha512};
    use rsa::signature::Verifier;
    use rsa::RsaPublicKey;

    let parts: Vec<&str> = assertion.split('.').collect();
    let [h, c, s] = parts[..] else {
        return Err(invalid_grant("Malformed JWT"));
    };
    let header = b64json(h)?;
    let claims = b64json(c)?;
    let sig = URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| invalid_grant("Malformed JWT signature"))?;
    let pem = app
        .public_key_pem
        .as_deref()
        .ok_or_else(|| invalid_grant("The app has no public key registered"))?;
    let key = RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
        .map_err(|_| invalid_grant("The registered public key is unreadable"))?;
    let signature = Signature::try_from(sig.as_slice())
        .map_err(|_| invalid_grant("Malformed JWT signature"))?;
    let input = format!("{h}.{c}");
    let ok = match header["alg"].as_str() {
        Some("RS256") => VerifyingKey::<Sha256>::new(key).verify(input.as_bytes(), &signature),
        Some("RS384") => VerifyingKey::<Sha384>::new(key).verify(input.as_bytes(), &signature),
        Some("RS512") => VerifyingKey::<Sha512>::new(key).verify(input.as_bytes(), &signature),
        _ => return Err(invalid_grant("Unsupported JWT algorithm")),
    };
    ok.map_err(|_| invalid_grant("Signature verification error"))?;
    if claims["iss"].as_str() != Some(app.client_id.as_str()) {
        return Err(invalid_grant("Please check the 'iss' claim"));
    }
    let own = format!("{}/oauth2/token", shared.base);
    let aud_ok = match &claims["aud"] {
        Value::String(a) => a == BOX_TOKEN_URL || *a == own,
        Value::Array(a) => a
            .iter()
            .any(|x| x.as_str().is_some_and(|x| x == BOX_TOKEN_URL || x == own)),
        _ => false,
    };
    if !aud_ok {
        return Err(invalid_grant("Please check the 'aud' claim"));
    }
    let now = Utc::now().timestamp();
    let exp = claims["exp"]
        .as_i64()
        .ok_or_else(|| invalid_grant("Please check the 'exp' claim"))?;
    if exp <= now || exp > now + 60 {
        return Err(invalid_grant(
            "Please check the 'exp' claim: it must be in the future, at most 60 seconds ahead",
        ));
    }
    let jti = claims["jti"]
        .as_str()
        .filter(|j| j.len() >= 16 && j.len() <= 128)
        .ok_or_else(|| invalid_grant("Please check the 'jti' claim"))?
        .to_string();
    if !shared.store.use_jti(&jti, exp) {
        return Err(invalid_grant(
            "Please check the 'jti' claim: it was used before",
        ));
    }
    let sub = claims["sub"]
        .as_str()
        .map(str::to_string)
        .or_else(|| claims["sub"].as_u64().map(|n| n.to_string()));
    subject(shared, app, claims["box_sub_type"].as_str(), sub.as_deref())
}

/// `POST /oauth2/revoke`.
pub async fn revoke(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, OAuthError> {
    let f = form(&body);
    let app = app_for(&shared, &f)?;
    let token = f
        .get("token")
        .ok_or_else(|| invalid_request("token is required"))?
        .clone();
    // Only the app a token was issued to may revoke it (RFC 7009 §2.1);
    // developer tokens minted by the admin API belong to no app, so any
    // registered app may revoke them. An unknown token is no error.
    let owner = shared.store.read(|st| {
        st.token(&token, TokenKind::Access)
            .or_else(|| st.token(&token, TokenKind::Refresh))
            .map(|t| t.client_id.clone())
    });
    match owner {
        None => return Ok(StatusCode::OK),
        Some(owner) if !owner.is_empty() && owner != app.client_id => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                "The token was not issued to this client",
            ));
        }
        Some(_) => {}
    }
    let store = shared.store.clone();
    blocking(move || {
        store
            .write(|tx| {
                tx.revoke(&token);
                Ok(())
            })
            .map_err(Into::into)
    })
    .await
    .map_err(|_| {
        oauth(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Internal error",
        )
    })?;
    Ok(StatusCode::OK)
}

/// Whether `uri` names this machine (`http://127.0.0.1…`, `localhost`,
/// `[::1]`), where a native app listens for its redirect (RFC 8252 §7.3).
fn loopback_redirect(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && matches!(
                u.host_str(),
                Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
            )
    })
}

/// `GET /oauth2/authorize` (and `/api/oauth2/authorize`): approves at once as
/// the app's configured user and redirects with `code` and `state`.
pub async fn authorize(State(shared): State<Arc<Shared>>, params: Params) -> Response {
    let bad = |msg: &str| {
        (
            StatusCode::BAD_REQUEST,
            format!("Invalid authorization request: {msg}\n"),
        )
            .into_response()
    };
    if params.get("response_type").unwrap_or("code") != "code" {
        return bad("response_type must be code");
    }
    let Some(app) = params
        .get("client_id")
        .and_then(|id| shared.store.read(|st| st.apps.get(id).cloned()))
    else {
        return bad("unknown client_id");
    };
    // A redirect goes only to a URI registered for the app; an app with
    // none registered may redirect only to this machine (a native or test
    // app listening on loopback), never to an arbitrary site.
    let redirect = match params.get("redirect_uri") {
        Some(r)
            if app.redirect_uris.iter().any(|u| u == r)
                || (app.redirect_uris.is_empty() && loopback_redirect(r)) =>
        {
            r.to_string()
        }
        Some(_) => return bad("redirect_uri is not registered for this app"),
        None => match app.redirect_uris.first() {
            Some(r) => r.clone(),
            None => return bad("redirect_uri is required"),
        },
    };
    let given = params.get("redirect_uri").map(str::to_string);
    let user = app.authorize_user;
    let client = app.client_id.clone();
    let code = random_token(32);
    shared.auth_codes.insert(
        code.clone(),
        AuthCode {
            user,
            client_id: client,
            redirect_uri: given,
        },
    );
    let mut target = match url::Url::parse(&redirect) {
        Ok(u) => u,
        Err(_) => return bad("redirect_uri is not a URL"),
    };
    {
        let mut q = target.query_pairs_mut();
        q.append_pair("code", &code);
        if let Some(state) = params.get("state") {
            q.append_pair("state", state);
        }
    }
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(target.as_str()) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

//! Webhook delivery: every event the store records is matched against the
//! webhooks of the user it was recorded for ([`crate::store::webhooks`]);
//! each match is POSTed to the webhook's address as Box sends it.
//!
//! - Body: `{"type":"webhook_event","id","created_at","trigger","webhook":{"id","type"},
//!   "created_by","source","additional_info"}`, `source` being the file,
//!   folder, comment, task assignment or collaboration as `GET /events`
//!   shows it.
//! - Headers: `box-delivery-id` (one per notification, the same on every
//!   retry of it), `box-delivery-timestamp` (RFC 3339, per attempt),
//!   `box-signature-version: 1`, `box-signature-algorithm: HmacSHA256`, and
//!   `box-signature-primary` / `box-signature-secondary`: base64 of
//!   HMAC-SHA256 with that key over the body bytes followed by the
//!   timestamp bytes — sent for each key set through the admin API
//!   (`PUT /_emulator/webhook_keys`), as Box signs with the app's keys.
//! - Any 2xx answer is a success; anything else (or no answer within
//!   [`Config::webhook_timeout`](crate::state::Config)) is retried, up to
//!   `webhook_retries` times, waiting `webhook_retry_base` × 2ⁿ between
//!   attempts (Box retries with growing waits too; its exact schedule is not
//!   published).
//! - Addresses must be on loopback or in `webhook_allow_hosts`: the emulator
//!   never calls out to the internet on its own.
//! - Every attempt is kept in a log (the newest 1,000) read through
//!   `GET /_emulator/webhook_deliveries`.
//!
//! Events recorded before the emulator started are not delivered. The log
//! ([`DeliveryLog`](crate::store::webhooks::DeliveryLog)) lives in memory.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::state::Shared;
use crate::store::webhooks::Attempt;

/// Whether a webhook address may be called: `http` or `https`, on a
/// loopback host or one of `allow`.
pub fn address_allowed(address: &str, allow: &[String]) -> bool {
    let Ok(url) = url::Url::parse(address) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || allow.iter().any(|a| *a == ip.to_string()),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback() || allow.iter().any(|a| *a == ip.to_string()),
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || allow.iter().any(|a| a.eq_ignore_ascii_case(d))
        }
        None => false,
    }
}

/// Box's webhook signature: base64(HMAC-SHA256(key, body ‖ timestamp)).
pub fn sign(key: &str, body: &[u8], timestamp: &str) -> String {
    // `new_from_slice` accepts keys of any length for HMAC.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    mac.update(timestamp.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

struct Notification {
    delivery_id: String,
    webhook_id: String,
    trigger: String,
    address: String,
    body: Vec<u8>,
}

/// Watches the store for new events and delivers them; runs until the
/// emulator stops (the task is aborted with the server).
pub async fn run(shared: Arc<Shared>) {
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(shared.config.webhook_timeout)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook delivery disabled: no HTTP client");
            return;
        }
    };
    let mut pos = shared.store.read(|st| st.last_event());
    loop {
        // Register for the wake-up before reading, so no change is missed.
        let changed = shared.store.changed();
        let (next, batch) = collect(&shared, pos);
        pos = next;
        for n in batch {
            tokio::spawn(deliver(shared.clone(), client.clone(), n));
        }
        changed.await;
    }
}

fn collect(shared: &Shared, pos: u64) -> (u64, Vec<Notification>) {
    shared.store.read(|st| {
        let mut last = pos;
        let mut out = Vec::new();
        for e in st.events_after(pos) {
            last = e.seq;
            for (w, trigger) in st.webhooks_for(e.user, &e.event_type, &e.item) {
                let delivery_id = crate::store::random_token(32).to_lowercase();
                let body = json!({
                    "type": "webhook_event",
                    "id": delivery_id,
                    "created_at": crate::v2::objects::ts(&e.created_at),
                    "trigger": trigger,
                    "webhook": {"id": w.id.to_string(), "type": "webhook"},
                    "created_by": crate::v2::objects::user_mini(st, e.created_by),
                    "source": crate::v2::events::source_json(st, &shared.base, e),
                    "additional_info": Value::Array(Vec::new()),
                });
                out.push(Notification {
                    delivery_id,
                    webhook_id: w.id.to_string(),
                    trigger: trigger.to_string(),
                    address: w.address.clone(),
                    body: body.to_string().into_bytes(),
                });
            }
        }
        (last, out)
    })
}

async fn deliver(shared: Arc<Shared>, client: reqwest::Client, n: Notification) {
    let retries = shared.config.webhook_retries;
    for attempt in 1..=retries + 1 {
        let timestamp = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let keys = shared.store.read(|st| st.signature_keys.clone());
        let mut req = client
            .post(&n.address)
            .header("content-type", "application/json")
            .header("box-delivery-id", &n.delivery_id)
            .header("box-delivery-timestamp", &timestamp)
            .header("box-signature-version", "1")
            .header("box-signature-algorithm", "HmacSHA256");
        if let Some(k) = &keys.primary {
            req = req.header("box-signature-primary", sign(k, &n.body, &timestamp));
        }
        if let Some(k) = &keys.secondary {
            req = req.header("box-signature-secondary", sign(k, &n.body, &timestamp));
        }
        let (status, error) = match req.body(n.body.clone()).send().await {
            Ok(r) => (Some(r.status().as_u16()), None),
            Err(e) => (None, Some(e.without_url().to_string())),
        };
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        shared.webhook_log.push(Attempt {
            delivery_id: n.delivery_id.clone(),
            webhook_id: n.webhook_id.clone(),
            trigger: n.trigger.clone(),
            address: n.address.clone(),
            attempt,
            status,
            error,
            delivered,
            sent_at: timestamp,
        });
        if delivered {
            return;
        }
        if attempt <= retries {
            let wait = shared.config.webhook_retry_base * 2u32.saturating_pow(attempt - 1);
            tokio::time::sleep(wait.min(Duration::from_secs(3600))).await;
        }
    }
    tracing::warn!(webhook = %n.webhook_id, trigger = %n.trigger, "webhook notification not delivered");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_or_allowed_hosts() {
        assert!(address_allowed("http://127.0.0.1:9/hook", &[]));
        assert!(address_allowed("https://localhost/hook", &[]));
        assert!(address_allowed("http://[::1]:80/", &[]));
        assert!(!address_allowed("https://example.com/hook", &[]));
        assert!(address_allowed(
            "https://example.com/hook",
            &["example.com".into()]
        ));
        assert!(!address_allowed("ftp://127.0.0.1/", &[]));
        assert!(!address_allowed("not a url", &[]));
    }

    /// A known vector (Python: `base64(hmac.new(b"key", b"{}" + ts, sha256))`).
    #[test]
    fn signature_is_hmac_sha256_of_body_then_timestamp() {
        assert_eq!(
            sign("key", b"{}", "2026-01-01T00:00:00Z"),
            "s3OxWsWO3Vl5wKPLwVuQvWf69oryLeR7IDtn6zOww2o="
        );
    }
}

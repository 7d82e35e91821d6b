//! Verifying webhook deliveries: Box's signature scheme, by hand (no crate
//! implements it; HMAC and base64 come from `hmac` and `base64`).
//!
//! Box signs every delivery with the webhook's primary and secondary keys
//! (set in the developer console). For each key,
//! `box-signature-primary` / `box-signature-secondary` carry
//! `base64(HMAC-SHA256(key, body ‖ box-delivery-timestamp))`. A delivery is
//! genuine when either signature matches one of the keys given, the
//! signature version is `1` and the algorithm `HmacSHA256`, and the
//! timestamp is at most 10 minutes old (replays of old deliveries are
//! refused). Two keys let you rotate one while the other keeps working.
//!
//! The webhook endpoints themselves (create, list, update, delete) are the
//! generated [`crate::generated::Webhooks`] handler: `client.webhooks()`.
//!
//! ```
//! use box_v2::webhooks::{verify, VerifyError};
//! use box_v2::HeaderMap; // the `http` crate's, re-exported
//!
//! let headers = HeaderMap::new();
//! let now = chrono::Utc::now();
//! // No signature headers: not a Box delivery.
//! assert!(matches!(
//!     verify(b"{}", &headers, Some("primary"), None, now),
//!     Err(VerifyError::MissingHeader(_))
//! ));
//! ```

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;

/// How old a delivery may be.
pub const MAX_AGE: Duration = Duration::minutes(10);

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No key was given to check against.
    #[error("no webhook signature key was given")]
    NoKey,
    /// A header Box always sends is missing or not text.
    #[error("the delivery has no valid {0} header")]
    MissingHeader(&'static str),
    /// A signature version or algorithm this version does not know.
    #[error("unsupported webhook signature {what}: {value:?}")]
    Unsupported {
        /// `version` or `algorithm`.
        what: &'static str,
        /// The header's value.
        value: String,
    },
    /// `box-delivery-timestamp` is not an RFC 3339 time.
    #[error("the delivery timestamp {0:?} is not an RFC 3339 time")]
    BadTimestamp(String),
    /// The delivery is more than [`MAX_AGE`] old (or as far in the future).
    #[error("the delivery is too old (timestamp {0})")]
    Expired(String),
    /// No signature matches the keys: not from Box, or altered.
    #[error("the delivery's signature does not match")]
    Mismatch,
}

/// Checks that a webhook delivery comes from Box (see the module docs).
///
/// `body` is the raw request body, exactly as received (not re-encoded
/// JSON); `now` is the current time (a parameter so tests can pin it).
/// Keys that are `None` or empty are not tried.
pub fn verify(
    body: &[u8],
    headers: &HeaderMap,
    primary_key: Option<&str>,
    secondary_key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), VerifyError> {
    let keys: Vec<&str> = [primary_key, secondary_key]
        .into_iter()
        .flatten()
        .filter(|k| !k.is_empty())
        .collect();
    if keys.is_empty() {
        return Err(VerifyError::NoKey);
    }
    let header = |name: &'static str| -> Result<Option<&str>, VerifyError> {
        match headers.get(name) {
            None => Ok(None),
            Some(v) => v
                .to_str()
                .map(|s| Some(s.trim()))
                .map_err(|_| VerifyError::MissingHeader(name)),
        }
    };
    if let Some(v) = header("box-signature-version")? {
        if v != "1" {
            return Err(VerifyError::Unsupported {
                what: "version",
                value: v.to_owned(),
            });
        }
    }
    if let Some(a) = header("box-signature-algorithm")? {
        if a != "HmacSHA256" {
            return Err(VerifyError::Unsupported {
                what: "algorithm",
                value: a.to_owned(),
            });
        }
    }
    let timestamp = header("box-delivery-timestamp")?
        .ok_or(VerifyError::MissingHeader("box-delivery-timestamp"))?;
    let at = DateTime::parse_from_rfc3339(timestamp)
        .map_err(|_| VerifyError::BadTimestamp(timestamp.to_owned()))?;
    let age = now.signed_duration_since(at);
    if age > MAX_AGE || age < -MAX_AGE {
        return Err(VerifyError::Expired(timestamp.to_owned()));
    }
    let signatures: Vec<&str> = ["box-signature-primary", "box-signature-secondary"]
        .into_iter()
        .filter_map(|h| header(h).ok().flatten())
        .filter(|s| !s.is_empty())
        .collect();
    if signatures.is_empty() {
        return Err(VerifyError::MissingHeader("box-signature-primary"));
    }
    for key in keys {
        for sig in &signatures {
            let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(sig) else {
                continue;
            };
            let mut mac =
                Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
            mac.update(body);
            mac.update(timestamp.as_bytes());
            // Constant-time comparison.
            if mac.verify_slice(&expected).is_ok() {
                return Ok(());
            }
        }
    }
    Err(VerifyError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    // Signatures computed independently with Python's `hmac` module:
    // base64(hmac.new(key, body + timestamp, sha256).digest()).
    const BODY: &[u8] = br#"{"type":"webhook_event","webhook":{"id":"1234567890"},"trigger":"FILE.UPLOADED","source":{"id":"1234567890","type":"file","name":"Contract.pdf"}}"#;
    const TS: &str = "2026-11-30T17:00:00+00:00";
    const SIG_PRIMARY: &str = "ujb4dofQV3Wn7Ybq34RxPthI+J9LpJxwUVsgZhyNBhY=";
    const SIG_SECONDARY: &str = "jWI8RSBj23hknG6rYL9tkW9/Aq6xl/RummT/CebwqU4=";

    fn headers(primary: &str, secondary: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("box-delivery-timestamp", HeaderValue::from_static(TS));
        h.insert("box-signature-version", HeaderValue::from_static("1"));
        h.insert(
            "box-signature-algorithm",
            HeaderValue::from_static("HmacSHA256"),
        );
        h.insert("box-signature-primary", primary.parse().unwrap());
        h.insert("box-signature-secondary", secondary.parse().unwrap());
        h
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn known_signatures_verify_with_either_key() {
        let h = headers(SIG_PRIMARY, SIG_SECONDARY);
        let now = at("2026-11-30T17:05:00Z");
        assert_eq!(
            verify(BODY, &h, Some("SamplePrimaryKey"), None, now),
            Ok(())
        );
        assert_eq!(
            verify(BODY, &h, None, Some("SampleSecondaryKey"), now),
            Ok(())
        );
        assert_eq!(
            verify(
                BODY,
                &h,
                Some("SamplePrimaryKey"),
                Some("SampleSecondaryKey"),
                now
            ),
            Ok(())
        );
        // A rotated primary key: the secondary still verifies.
        assert_eq!(
            verify(
                BODY,
                &h,
                Some("NewPrimary"),
                Some("SampleSecondaryKey"),
                now
            ),
            Ok(())
        );
    }

    #[test]
    fn altered_bodies_wrong_keys_and_bad_signatures_are_refused() {
        let h = headers(SIG_PRIMARY, SIG_SECONDARY);
        let now = at("2026-11-30T17:05:00Z");
        let mut altered = BODY.to_vec();
        altered[10] ^= 1;
        assert_eq!(
            verify(
                &altered,
                &h,
                Some("SamplePrimaryKey"),
                Some("SampleSecondaryKey"),
                now
            ),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(BODY, &h, Some("wrong"), None, now),
            Err(VerifyError::Mismatch)
        );
        let garbage = headers("not base64!", "");
        assert_eq!(
            verify(BODY, &garbage, Some("SamplePrimaryKey"), None, now),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(BODY, &h, None, Some(""), now),
            Err(VerifyError::NoKey)
        );
    }

    #[test]
    fn old_and_malformed_timestamps_are_refused() {
        let h = headers(SIG_PRIMARY, SIG_SECONDARY);
        // Exactly 10 minutes old is still accepted; a second more is not.
        assert_eq!(
            verify(
                BODY,
                &h,
                Some("SamplePrimaryKey"),
                None,
                at("2026-11-30T17:10:00Z")
            ),
            Ok(())
        );
        assert!(matches!(
            verify(
                BODY,
                &h,
                Some("SamplePrimaryKey"),
                None,
                at("2026-11-30T17:10:01Z")
            ),
            Err(VerifyError::Expired(_))
        ));
        assert!(matches!(
            verify(
                BODY,
                &h,
                Some("SamplePrimaryKey"),
                None,
                at("2026-11-30T16:40:00Z")
            ),
            Err(VerifyError::Expired(_))
        ));
        let mut bad = h.clone();
        bad.insert(
            "box-delivery-timestamp",
            HeaderValue::from_static("yesterday"),
        );
        assert!(matches!(
            verify(
                BODY,
                &bad,
                Some("SamplePrimaryKey"),
                None,
                at("2026-11-30T17:00:00Z")
            ),
            Err(VerifyError::BadTimestamp(_))
        ));
        let mut none = h.clone();
        none.remove("box-delivery-timestamp");
        assert_eq!(
            verify(
                BODY,
                &none,
                Some("SamplePrimaryKey"),
                None,
                at("2026-11-30T17:00:00Z")
            ),
            Err(VerifyError::MissingHeader("box-delivery-timestamp"))
        );
    }

    #[test]
    fn unknown_versions_and_algorithms_are_refused() {
        let now = at("2026-11-30T17:00:00Z");
        let mut h = headers(SIG_PRIMARY, SIG_SECONDARY);
        h.insert("box-signature-version", HeaderValue::from_static("2"));
        assert!(matches!(
            verify(BODY, &h, Some("SamplePrimaryKey"), None, now),
            Err(VerifyError::Unsupported {
                what: "version",
                ..
            })
        ));
        let mut h = headers(SIG_PRIMARY, SIG_SECONDARY);
        h.insert(
            "box-signature-algorithm",
            HeaderValue::from_static("HmacSHA1"),
        );
        assert!(matches!(
            verify(BODY, &h, Some("SamplePrimaryKey"), None, now),
            Err(VerifyError::Unsupported {
                what: "algorithm",
                ..
            })
        ));
    }
}

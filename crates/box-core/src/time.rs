//! Timestamps.
//!
//! v1 sends seconds since the Unix epoch; v2 sends RFC 3339 with an offset
//! (`2012-12-12T10:53:43-08:00`). [`Timestamp`] keeps the offset it was given so
//! a value read from v2 and written back is unchanged.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// A point in time with the UTC offset it was reported in.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<FixedOffset>);

impl Timestamp {
    /// The current time, in UTC.
    pub fn now() -> Self {
        Self(Utc::now().fixed_offset())
    }

    /// From seconds since the Unix epoch (v1's format), in UTC.
    ///
    /// Returns `None` for values outside the representable range.
    pub fn from_unix(seconds: i64) -> Option<Self> {
        Utc.timestamp_opt(seconds, 0)
            .single()
            .map(|t| Self(t.fixed_offset()))
    }

    /// Parses RFC 3339 (v2's format), keeping the offset.
    pub fn parse_rfc3339(s: &str) -> Result<Self, Error> {
        DateTime::parse_from_rfc3339(s)
            .map(Self)
            .map_err(|e| Error::decode("timestamp", s, e.to_string()))
    }

    /// Seconds since the Unix epoch.
    pub fn unix(&self) -> i64 {
        self.0.timestamp()
    }

    /// RFC 3339 with second precision and the original offset.
    pub fn to_rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Secs, false)
    }

    /// The underlying chrono value.
    pub fn as_datetime(&self) -> &DateTime<FixedOffset> {
        &self.0
    }
}

impl From<DateTime<FixedOffset>> for Timestamp {
    fn from(t: DateTime<FixedOffset>) -> Self {
        Self(t)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Self(t.fixed_offset())
    }
}

impl FromStr for Timestamp {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse_rfc3339(s)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_rfc3339())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Sub-second digits are kept when the value has them (Box sends
        // `.869Z` in places): a value read and written back is the same instant.
        s.serialize_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, false))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(Self)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_offset_round_trip() {
        let t = Timestamp::parse_rfc3339("2012-12-12T10:53:43-08:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2012-12-12T10:53:43-08:00");
        assert_eq!(t.unix(), 1355338423);
    }

    #[test]
    fn serialization_keeps_sub_second_digits() {
        let t: Timestamp = serde_json::from_str("\"2020-06-26T18:44:45.869Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2020-06-26T18:44:45.869+00:00\""
        );
        let t: Timestamp = serde_json::from_str("\"2012-12-12T10:53:43-08:00\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2012-12-12T10:53:43-08:00\""
        );
    }

    #[test]
    fn from_unix_is_utc() {
        let t = Timestamp::from_unix(1355338423).unwrap();
        assert_eq!(t.to_rfc3339(), "2012-12-12T18:53:43+00:00");
        assert_eq!(
            t,
            Timestamp::parse_rfc3339("2012-12-12T10:53:43-08:00").unwrap()
        );
    }

    #[test]
    fn rejects_garbage_with_decode_error() {
        let e = Timestamp::parse_rfc3339("yesterday").unwrap_err();
        assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    }
}

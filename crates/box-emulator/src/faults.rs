//! Fault injection: error statuses, connection resets, latency, a limited
//! throughput per request (a WAN link), short-lived tokens and
//! `202 Accepted` commits, at rates or on schedules.
//!
//! Decisions come from one seeded RNG consumed in request order, so a client
//! that sends requests one after another sees the same faults for the same
//! seed. Admin (`/_emulator/`) and OAuth (`/oauth2/`) routes are exempt unless
//! a rule sets `include_exempt`.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// What to do to a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this status (429, 500, 502, 503, ...) and a Box error body.
    Status {
        /// HTTP status.
        status: u16,
        /// `Retry-After` seconds (default 1 for 429/503).
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// Send the headers and part of the body, then reset the connection.
    Reset,
    /// Delay the request.
    Latency {
        /// Milliseconds.
        ms: u64,
    },
    /// Carry the request and response bodies at most this fast, each on its
    /// own (a link of this bandwidth per connection, as over a WAN: one
    /// download is bound by it, several in parallel each get it).
    Throughput {
        /// Bytes per second, at least 1.
        bytes_per_sec: u64,
    },
    /// Answer upload-session commits with `202 Accepted` + `Retry-After`.
    CommitAccepted {
        /// `Retry-After` seconds.
        retry_after: u64,
    },
}

/// When a fault applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// The fault.
    pub fault: Fault,
    /// Probability per matching request (0..=1).
    #[serde(default)]
    pub rate: Option<f64>,
    /// Alternatively: every N-th matching request.
    #[serde(default)]
    pub every: Option<u64>,
    /// Only requests whose path starts with this.
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// Only this method.
    #[serde(default)]
    pub method: Option<String>,
    /// Also apply to the admin and OAuth routes.
    #[serde(default)]
    pub include_exempt: bool,
}

impl FaultRule {
    /// Checks that the rule can be applied: a schedule of at least 1, a
    /// rate within 0..=1 and, for a status fault, a 4xx or 5xx status.
    pub fn validate(&self) -> Result<(), String> {
        if self.every == Some(0) {
            return Err("every must be at least 1".into());
        }
        if self.rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
            return Err("rate must be within 0..=1".into());
        }
        if let Fault::Status { status, .. } = self.fault {
            if !(400..=599).contains(&status) {
                return Err(format!("status must be 4xx or 5xx, not {status}"));
            }
        }
        if self.fault == (Fault::Throughput { bytes_per_sec: 0 }) {
            return Err("throughput must be at least 1 byte per second".into());
        }
        Ok(())
    }
}

/// A complete fault configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultConfig {
    /// RNG seed.
    #[serde(default)]
    pub seed: u64,
    /// Rules, evaluated in order.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
    /// Access tokens issued from now on expire after this many seconds.
    #[serde(default)]
    pub expire_tokens_after: Option<u64>,
}

impl FaultConfig {
    /// Checks that every rule can be applied (see [`FaultRule::validate`]).
    pub fn validate(&self) -> Result<(), String> {
        self.rules
            .iter()
            .enumerate()
            .try_for_each(|(i, rule)| rule.validate().map_err(|e| format!("rule {i}: {e}")))
    }

    /// Parses a CLI rule: `KIND[:ARG](@RATE|#EVERY)[~PATH_PREFIX]` where KIND is a
    /// status number, `reset`, `latency` (ARG = ms), `throughput` (ARG = KiB
    /// per second, per request body and per response body) or `commit202`
    /// (ARG = seconds); for statuses ARG is `Retry-After`. Examples:
    /// `503@0.1`, `429:2#3`, `latency:200@1`, `reset@0.05~/2.0/files`,
    /// `throughput:8192@1` (8 MiB/s each way per request).
    pub fn parse_rule(spec: &str) -> Result<FaultRule, String> {
        let (spec, prefix) = match spec.split_once('~') {
            Some((s, p)) => (s, Some(p.to_string())),
            None => (spec, None),
        };
        let (head, rate, every) = if let Some((h, r)) = spec.split_once('@') {
            let r: f64 = r.parse().map_err(|_| format!("bad rate in {spec:?}"))?;
            (h, Some(r), None)
        } else if let Some((h, n)) = spec.split_once('#') {
            let n: u64 = n.parse().map_err(|_| format!("bad schedule in {spec:?}"))?;
            (h, None, Some(n))
        } else {
            (spec, Some(1.0), None)
        };
        let (kind, arg) = match head.split_once(':') {
            Some((k, a)) => {
                let a: u64 = a.parse().map_err(|_| format!("bad argument in {spec:?}"))?;
                (k, Some(a))
            }
            None => (head, None),
        };
        let fault = match kind {
            "reset" => Fault::Reset,
            "latency" => Fault::Latency {
                ms: arg.unwrap_or(100),
            },
            "throughput" => Fault::Throughput {
                bytes_per_sec: arg
                    .ok_or_else(|| format!("throughput needs KiB per second in {spec:?}"))?
                    .saturating_mul(1024),
            },
            "commit202" => Fault::CommitAccepted {
                retry_after: arg.unwrap_or(1),
            },
            status => {
                let status: u16 = status
                    .parse()
                    .map_err(|_| format!("unknown fault kind {status:?}"))?;
                Fault::Status {
                    status,
                    retry_after: arg,
                }
            }
        };
        let rule = FaultRule {
            fault,
            rate,
            every,
            path_prefix: prefix,
            method: None,
            include_exempt: false,
        };
        rule.validate().map_err(|e| format!("{e} in {spec:?}"))?;
        Ok(rule)
    }
}

struct FaultState {
    config: FaultConfig,
    rng: StdRng,
    seen: Vec<u64>,
}

/// The live fault injector.
pub struct Faults {
    state: Mutex<FaultState>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults").finish_non_exhaustive()
    }
}

/// Whether a path is exempt from faults by default.
pub fn is_exempt(path: &str) -> bool {
    path.starts_with("/_emulator") || path.starts_with("/oauth2") || path.starts_with("/api/oauth2")
}

impl Faults {
    /// An injector with a configuration.
    pub fn new(config: FaultConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        let seen = vec![0; config.rules.len()];
        Self {
            state: Mutex::new(FaultState { config, rng, seen }),
        }
    }

    /// Replaces the configuration (and reseeds).
    pub fn set(&self, config: FaultConfig) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.rng = StdRng::seed_from_u64(config.seed);
        st.seen = vec![0; config.rules.len()];
        st.config = config;
    }

    /// The current configuration.
    pub fn config(&self) -> FaultConfig {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .config
            .clone()
    }

    /// Forced access-token lifetime, if any.
    pub fn token_ttl(&self) -> Option<u64> {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .config
            .expire_tokens_after
    }

    /// The faults to apply to one request.
    pub fn decide(&self, method: &str, path: &str) -> Vec<Fault> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut *guard;
        let exempt = is_exempt(path);
        let mut out = Vec::new();
        for (i, rule) in st.config.rules.iter().enumerate() {
            if exempt && !rule.include_exempt {
                continue;
            }
            if rule
                .path_prefix
                .as_deref()
                .is_some_and(|p| !path.starts_with(p))
            {
                continue;
            }
            if rule
                .method
                .as_deref()
                .is_some_and(|m| !m.eq_ignore_ascii_case(method))
            {
                continue;
            }
            if matches!(rule.fault, Fault::CommitAccepted { .. }) && !path.ends_with("/commit") {
                continue;
            }
            st.seen[i] += 1;
            let hit = match (rule.every, rule.rate) {
                // A zero schedule (possible through `set`) never fires.
                (Some(n), _) => st.seen[i].checked_rem(n) == Some(0),
                (None, Some(r)) => st.rng.gen_bool(r.clamp(0.0, 1.0)),
                (None, None) => false,
            };
            if hit {
                out.push(rule.fault.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_rules() {
        let r = FaultConfig::parse_rule("429:2#3~/2.0/files").unwrap();
        assert_eq!(
            r.fault,
            Fault::Status {
                status: 429,
                retry_after: Some(2)
            }
        );
        assert_eq!(r.every, Some(3));
        assert_eq!(r.path_prefix.as_deref(), Some("/2.0/files"));
        assert_eq!(
            FaultConfig::parse_rule("latency:50@0.5").unwrap().fault,
            Fault::Latency { ms: 50 }
        );
        assert_eq!(
            FaultConfig::parse_rule("throughput:8192@1").unwrap().fault,
            Fault::Throughput {
                bytes_per_sec: 8 << 20
            }
        );
        assert!(FaultConfig::parse_rule("throughput@1").is_err());
        assert!(FaultConfig::parse_rule("throughput:0@1").is_err());
        assert!(FaultConfig::parse_rule("bogus@0.1").is_err());
        assert!(FaultConfig::parse_rule("503@1.5").is_err());
        assert!(FaultConfig::parse_rule("200").is_err());
        assert!(FaultConfig::parse_rule("503#0").is_err());
    }

    #[test]
    fn same_seed_same_decisions() {
        let cfg = FaultConfig {
            seed: 7,
            rules: vec![FaultConfig::parse_rule("503@0.3").unwrap()],
            expire_tokens_after: None,
        };
        let run = |c: &FaultConfig| {
            let f = Faults::new(c.clone());
            (0..200)
                .map(|_| !f.decide("GET", "/2.0/users/me").is_empty())
                .collect::<Vec<_>>()
        };
        let a = run(&cfg);
        assert_eq!(a, run(&cfg));
        let hits = a.iter().filter(|h| **h).count();
        assert!((30..90).contains(&hits), "{hits} hits of 200 at rate 0.3");
        let other = FaultConfig { seed: 8, ..cfg };
        assert_ne!(a, run(&other));
        let f = Faults::new(FaultConfig {
            seed: 1,
            rules: vec![FaultConfig::parse_rule("500").unwrap()],
            expire_tokens_after: None,
        });
        assert!(f.decide("GET", "/_emulator/counters").is_empty());
        assert!(f.decide("POST", "/oauth2/token").is_empty());
    }
}

//! Bounded growth of authentication state: expired access and refresh
//! tokens and used JWT ids are forgotten, amortized (no scan per request).
//!
//! Both purge when their count has doubled since the last purge (and is
//! at least [`MIN_PURGE`]): a purge costs a scan of what is held, at most
//! once per as many additions as survived the last one, so each addition
//! pays O(1) on average, and what is held stays within twice what is live
//! (or [`MIN_PURGE`]). v1 tickets and OAuth codes are bounded where they
//! live ([`crate::state::Expiring`]).

use std::collections::HashMap;

use chrono::Utc;

use super::sqlite::Table;
use super::Tx;

/// Below this many entries nothing is purged.
pub const MIN_PURGE: usize = 1024;

/// JWT ids seen in assertions, each kept until its assertion's `exp`
/// (after which the assertion is refused anyway, so the id can go).
/// Memory only.
#[derive(Debug, Default)]
pub struct UsedJti {
    exp_by_jti: HashMap<String, i64>,
    purge_at: usize,
}

impl UsedJti {
    /// Records `jti`, whose assertion expires at `exp` (Unix seconds);
    /// false if it was seen before and that assertion has not expired.
    pub fn insert(&mut self, jti: &str, exp: i64, now: i64) -> bool {
        if self.exp_by_jti.len() >= self.purge_at {
            self.exp_by_jti.retain(|_, e| *e > now);
            self.purge_at = (2 * self.exp_by_jti.len()).max(MIN_PURGE);
        }
        match self.exp_by_jti.get(jti) {
            Some(e) if *e > now => false,
            _ => {
                self.exp_by_jti.insert(jti.to_string(), exp);
                true
            }
        }
    }

    /// JWT ids held (expired ones not yet purged included).
    pub fn len(&self) -> usize {
        self.exp_by_jti.len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.exp_by_jti.is_empty()
    }
}

impl Tx<'_> {
    /// Before a token is added: once the tokens held have doubled since the
    /// last purge, the expired ones are removed (their rows too).
    pub(super) fn purge_expired_tokens(&mut self) {
        if self.st.tokens.len() < self.st.token_purge_at {
            return;
        }
        let now = Utc::now();
        let gone: Vec<String> = self
            .st
            .tokens
            .iter()
            .filter(|(_, t)| t.expires_at <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            self.touch(Table::Token, &k);
            self.st.tokens.remove(&k);
        }
        self.st.token_purge_at = (2 * self.st.tokens.len()).max(MIN_PURGE);
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::store::{Store, TokenKind};

    /// 20,000 token grants whose tokens expire at once keep the token table
    /// bounded (in memory and in the database), and a live token issued
    /// before them still works. Before, every token stayed forever.
    #[test]
    fn expired_tokens_are_purged_as_new_ones_come() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(Some(dir.path())).unwrap();
        let user = store.create_user("U", "u@example.com").unwrap().id;
        let live = store
            .write(|tx| Ok(tx.issue(TokenKind::Access, user, "app", Duration::hours(1), None)))
            .unwrap();
        let mut most = 0;
        for n in 0..20_000 {
            // Grants in batches of 100 per write, so the test stays quick;
            // each issue checks the purge as a single grant does.
            if n % 100 == 0 {
                store
                    .write(|tx| {
                        for _ in 0..100 {
                            tx.issue(TokenKind::Access, user, "app", Duration::zero(), None);
                        }
                        Ok(())
                    })
                    .unwrap();
                most = most.max(store.read(|st| st.tokens.len()));
            }
        }
        assert!(most <= 2 * MIN_PURGE + 100, "{most} tokens held at most");
        store.read(|st| assert!(st.token(&live, TokenKind::Access).is_some()));
        let rows = store.db_stats().unwrap().rows;
        assert!(rows < 3 * MIN_PURGE as u64, "{rows} rows in the database");
        drop(store);
        let reopened = Store::open(Some(dir.path())).unwrap();
        reopened.read(|st| {
            assert!(st.token(&live, TokenKind::Access).is_some());
            assert!(st.tokens.len() <= 2 * MIN_PURGE + 100);
        });
    }

    /// 20,000 JWT assertions, each valid a few seconds, keep a bounded set
    /// of used ids; an id whose assertion is still valid is refused again.
    #[test]
    fn used_jwt_ids_are_forgotten_after_their_expiry() {
        let mut used = UsedJti::default();
        let mut most = 0;
        for n in 0..20_000i64 {
            // 1,000 assertions a second, each valid 5 s (the grant allows
            // at most 60): about 5,000 are live at any time.
            let now = n / 1000;
            assert!(used.insert(&format!("jti-{n}"), now + 5, now));
            most = most.max(used.len());
        }
        let now = 19;
        assert!(!used.insert("jti-19999", now + 5, now), "replay refused");
        // At most twice the live ids (about 6,000) ever held, not 20,000.
        assert!(most <= 12_000, "{most}");
    }
}

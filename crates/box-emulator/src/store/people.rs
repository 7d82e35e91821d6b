//! Users as v1 sees them: registration with a password (kept only as a
//! salted, iterated SHA-256 hash), login checks, e-mail validation, and
//! per-user friend lists.

use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{lower, Friend, PasswordHash, State, StoreError, StoreResult, Table, Tx, User};

/// SHA-256 rounds for new password hashes.
pub const PASSWORD_ROUNDS: u32 = 10_000;

/// Whether `s` looks like an e-mail address (`local@domain.tld`, no spaces).
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && s.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest(salt: &str, rounds: u32, password: &str) -> String {
    let mut d = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(password.as_bytes())
        .finalize();
    for _ in 1..rounds.max(1) {
        d = Sha256::new()
            .chain_update(salt.as_bytes())
            .chain_update(d)
            .finalize();
    }
    hex(&d)
}

impl PasswordHash {
    /// Hashes a password with a fresh random salt.
    pub fn new(password: &str) -> Self {
        let mut salt = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut salt);
        let salt = hex(&salt);
        let hash = digest(&salt, PASSWORD_ROUNDS, password);
        Self {
            salt,
            rounds: PASSWORD_ROUNDS,
            hash,
        }
    }

    /// Whether `password` matches (compared in constant time).
    pub fn verify(&self, password: &str) -> bool {
        let got = digest(&self.salt, self.rounds, password);
        got.len() == self.hash.len()
            && got
                .bytes()
                .zip(self.hash.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl State {
    /// The user whose login equals `login` case-insensitively.
    pub fn user_by_login(&self, login: &str) -> Option<&User> {
        let login = lower(login.trim());
        self.users.values().find(|u| lower(&u.login) == login)
    }

    /// The user signing in with `login` and `password`; `None` when either
    /// is wrong or the user has no password (created by the admin API).
    ///
    /// This hashes while the caller holds the store; request handlers read
    /// [`password_record`](Self::password_record) under the lock and call
    /// [`verify_login`] after releasing it.
    pub fn check_password(&self, login: &str, password: &str) -> Option<u64> {
        verify_login(self.password_record(login), password)
    }

    /// The user with `login` and their password hash, if they have one.
    pub fn password_record(&self, login: &str) -> Option<(u64, PasswordHash)> {
        self.user_by_login(login)
            .and_then(|u| self.passwords.get(&u.id).map(|h| (u.id, h.clone())))
    }

    /// A user's friend-list entries, in invitation order.
    pub fn friends_of(&self, user: u64) -> Vec<&Friend> {
        self.friends.values().filter(|f| f.user == user).collect()
    }
}

/// The user of a [`State::password_record`] if `password` is theirs. Runs the
/// (deliberately slow) hash, so call it without holding the store.
pub fn verify_login(record: Option<(u64, PasswordHash)>, password: &str) -> Option<u64> {
    match record {
        Some((id, h)) => h.verify(password).then_some(id),
        None => {
            // Hash anyway, so timing does not tell registered logins apart.
            std::hint::black_box(digest("0", PASSWORD_ROUNDS, password));
            None
        }
    }
}

impl Tx<'_> {
    /// Registers a user whose login is an e-mail, with a password.
    /// Errors: `email_invalid`, `email_already_registered`, `e_register`
    /// (empty password) as [`StoreError::BadRequest`] codes.
    pub fn register(&mut self, login: &str, password: &str) -> StoreResult<User> {
        let login = login.trim();
        if !valid_email(login) {
            return Err(StoreError::BadRequest(
                "email_invalid",
                "Not an e-mail address".into(),
            ));
        }
        if self.st.user_by_login(login).is_some() {
            return Err(StoreError::BadRequest(
                "email_already_registered",
                "This e-mail is already registered".into(),
            ));
        }
        if password.is_empty() || password.chars().count() > 1024 {
            return Err(StoreError::BadRequest(
                "e_register",
                "A password of 1 to 1024 characters is required".into(),
            ));
        }
        let user = self.create_user(login, login)?;
        self.set_password(user.id, password);
        Ok(user)
    }

    /// Sets (replaces) a user's password.
    pub fn set_password(&mut self, user: u64, password: &str) {
        self.touch(Table::Password, user);
        self.st.passwords.insert(user, PasswordHash::new(password));
    }

    /// Adds e-mails to the caller's friend list (an e-mail already there is
    /// kept once). Every e-mail must be valid and not the caller's own.
    pub fn request_friends(
        &mut self,
        user: u64,
        emails: &[String],
        auto_subscribe: bool,
    ) -> StoreResult<usize> {
        let own = self
            .st
            .users
            .get(&user)
            .map(|u| lower(&u.login))
            .ok_or(StoreError::NotFound)?;
        let mut wanted: Vec<String> = Vec::new();
        for e in emails {
            let e = e.trim();
            if !valid_email(e) || lower(e) == own {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    "Every friend must be another valid e-mail".into(),
                ));
            }
            if !wanted.iter().any(|w| lower(w) == lower(e)) {
                wanted.push(e.to_string());
            }
        }
        if wanted.is_empty() {
            return Err(StoreError::BadRequest(
                "bad_request",
                "No e-mails given".into(),
            ));
        }
        let mut added = 0;
        for email in wanted {
            let existing = self
                .st
                .friends
                .values()
                .find(|f| f.user == user && lower(&f.email) == lower(&email))
                .map(|f| f.id);
            match existing {
                Some(id) => {
                    self.touch(Table::Friend, id);
                    if let Some(f) = self.st.friends.get_mut(&id) {
                        f.auto_subscribe |= auto_subscribe;
                    }
                }
                None => {
                    let id = self.id();
                    self.touch(Table::Friend, id);
                    self.st.friends.insert(
                        id,
                        Friend {
                            id,
                            user,
                            email,
                            auto_subscribe,
                            created_at: Utc::now(),
                        },
                    );
                    added += 1;
                }
            }
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hashes_are_salted_and_verify() {
        let a = PasswordHash::new("s3cret pw");
        let b = PasswordHash::new("s3cret pw");
        assert_ne!(a.salt, b.salt);
        assert_ne!(a.hash, b.hash, "salted");
        assert!(a.verify("s3cret pw"));
        assert!(!a.verify("s3cret pW"));
        assert!(!a.verify(""));
        assert!(!a.hash.contains("s3cret"));
        let dbg = format!("{a:?}");
        assert!(!dbg.contains(&a.hash) && !dbg.contains(&a.salt), "{dbg}");
    }

    #[test]
    fn emails() {
        assert!(valid_email("ann@example.com"));
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.com",
            "a b@x.com",
            "a@b",
            "a@@b.com",
            "a@.com",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}

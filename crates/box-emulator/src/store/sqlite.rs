//! SQLite persistence of store records (one JSON row per record).
//!
//! The in-memory [`State`](super::State) is the working copy; after each
//! mutating operation the records it touched are written in one transaction
//! (WAL journal, `synchronous=FULL`), before the operation is acknowledged.

use std::path::Path;

use rusqlite::{params, Connection};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Record families, the first half of a row's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Table {
    /// [`super::model::User`]
    User,
    /// [`super::model::Item`]
    Item,
    /// [`super::model::Collaboration`]
    Collab,
    /// [`super::model::Event`]
    Event,
    /// [`super::model::Token`]
    Token,
    /// [`super::model::App`]
    App,
    /// Chunked upload sessions (opaque JSON owned by the v2 upload code).
    Session,
    /// Counters such as the next id.
    Meta,
    /// [`super::model::Comment`]
    Comment,
    /// [`super::model::Friend`]
    Friend,
    /// [`super::model::Invitation`]
    Invitation,
    /// [`super::model::PasswordHash`], keyed by user id.
    Password,
    /// [`super::tasks::Task`]
    Task,
    /// [`super::tasks::TaskAssignment`]
    TaskAssignment,
    /// [`super::collections::Favorite`]
    Favorite,
    /// [`super::webhooks::Webhook`]
    Webhook,
    /// [`super::webhooks::SignatureKeys`], one row.
    SignatureKeys,
    /// [`super::model::VersionRow`], keyed `"<file id>/<version id>"`.
    Version,
    /// [`super::metadata::Template`], keyed `"<scope>/<key>"`.
    MetadataTemplate,
    /// [`super::metadata::Instance`], keyed `"<item>/<scope>/<key>"`.
    MetadataInstance,
    /// [`super::groups::Group`]
    Group,
    /// [`super::groups::Membership`]
    GroupMembership,
    /// [`super::zip::ZipDownload`], keyed by its id.
    ZipDownload,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::User => "user",
            Table::Item => "item",
            Table::Collab => "collab",
            Table::Event => "event",
            Table::Token => "token",
            Table::App => "app",
            Table::Session => "session",
            Table::Meta => "meta",
            Table::Comment => "comment",
            Table::Friend => "friend",
            Table::Invitation => "invitation",
            Table::Password => "password",
            Table::Task => "task",
            Table::TaskAssignment => "task_assignment",
            Table::Favorite => "favorite",
            Table::Webhook => "webhook",
            Table::SignatureKeys => "signature_keys",
            Table::Version => "version",
            Table::MetadataTemplate => "metadata_template",
            Table::MetadataInstance => "metadata_instance",
            Table::Group => "group",
            Table::GroupMembership => "group_membership",
            Table::ZipDownload => "zip_download",
        }
    }
}

/// An open database.
#[derive(Debug)]
pub struct Db {
    conn: Connection,
    /// Bytes of JSON written so far (upserted rows).
    written: u64,
}

/// One pending write: `Some(json)` upserts, `None` deletes.
pub type Write = (Table, String, Option<String>);

impl Db {
    /// Opens (creating) the database file.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        // One process per database: the connection takes SQLite's exclusive
        // lock at once and keeps it until it closes, so a second emulator on
        // the same data directory fails here (SQLITE_BUSY), before it
        // touches anything.
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
        conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;")?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS records (
                tbl TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL,
                PRIMARY KEY (tbl, key))",
        )?;
        Ok(Self { conn, written: 0 })
    }

    /// Loads every record of a table.
    pub fn load<T: DeserializeOwned>(&self, table: Table) -> rusqlite::Result<Vec<(String, T)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, json FROM records WHERE tbl = ?1")?;
        let rows = stmt.query_map(params![table.name()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, json) = row?;
            match serde_json::from_str(&json) {
                Ok(v) => out.push((key, v)),
                Err(e) => {
                    // Token rows are keyed by the token itself: never log it.
                    let shown = if table == Table::Token {
                        "[redacted]"
                    } else {
                        &key
                    };
                    tracing::warn!(table = table.name(), key = %shown, error = %e, "skipping unreadable record")
                }
            }
        }
        Ok(out)
    }

    /// Applies writes atomically.
    pub fn apply(&mut self, writes: &[Write]) -> rusqlite::Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        for (table, key, json) in writes {
            match json {
                Some(json) => {
                    self.written += json.len() as u64;
                    tx.execute(
                        "INSERT INTO records (tbl, key, json) VALUES (?1, ?2, ?3)
                     ON CONFLICT(tbl, key) DO UPDATE SET json = excluded.json",
                        params![table.name(), key, json],
                    )?
                }
                None => tx.execute(
                    "DELETE FROM records WHERE tbl = ?1 AND key = ?2",
                    params![table.name(), key],
                )?,
            };
        }
        tx.commit()
    }

    /// Makes SQLite refuse writes on this connection (`query_only`).
    #[cfg(test)]
    pub fn set_query_only(&self, on: bool) {
        self.conn
            .pragma_update(None, "query_only", on)
            .expect("query_only");
    }

    /// Bytes of JSON written by [`Db::apply`] since the database was opened.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Bytes of JSON stored, and the number of rows, in one table or all.
    pub fn stored(&self, table: Option<Table>) -> rusqlite::Result<(u64, u64)> {
        self.conn.query_row(
            "SELECT COALESCE(SUM(LENGTH(json)), 0), COUNT(*) FROM records
             WHERE ?1 IS NULL OR tbl = ?1",
            params![table.map(Table::name)],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )
    }
}

/// Serializes a record for [`Db::apply`].
pub fn row<T: Serialize>(table: Table, key: impl ToString, value: Option<&T>) -> Write {
    (
        table,
        key.to_string(),
        value.map(|v| serde_json::to_string(v).unwrap_or_else(|_| "null".into())),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::store::model::{Token, User};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Unreadable rows are skipped with a warning that names the row's key,
    /// except for tokens, whose key is the secret token itself.
    #[test]
    fn unreadable_rows_are_skipped_without_logging_token_keys() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("box.sqlite3")).unwrap();
        db.apply(&[
            (
                Table::Token,
                "SecretAccessToken123".into(),
                Some("{broken".into()),
            ),
            (Table::User, "42".into(), Some("{broken".into())),
        ])
        .unwrap();
        let captured = Capture::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            assert!(db.load::<Token>(Table::Token).unwrap().is_empty());
            assert!(db.load::<User>(Table::User).unwrap().is_empty());
        });
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            log.matches("skipping unreadable record").count(),
            2,
            "{log}"
        );
        assert!(log.contains("key=42"), "{log}");
        assert!(!log.contains("SecretAccessToken123"), "{log}");
    }
}

//! Where consent records are kept: the [`Store`] trait and its embedded SQLite implementation.

use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crumb_core::time::to_rfc3339;
use crumb_core::{ConsentRecord, RecordError};
use rusqlite::{params, Connection};

use crate::error::ServerError;

/// Storage for consent records. Calls block: async code runs them in `spawn_blocking`.
pub trait Store: Send + Sync + 'static {
    /// Keeps a validated `record`, received at `received_at` (RFC 3339), unless the store already
    /// has one with the same `consent_id` and `updated_at` instant. True when it was stored now.
    fn insert(&self, record: &ConsentRecord, received_at: &str) -> Result<bool, ServerError>;
    /// Every record of `consent_id`, oldest `updated_at` first.
    fn history(&self, consent_id: &str) -> Result<Vec<ConsentRecord>, ServerError>;
    /// How many records are stored in all.
    fn count(&self) -> Result<u64, ServerError>;
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS consent_records (
    id          INTEGER PRIMARY KEY,
    consent_id  TEXT NOT NULL,
    site        TEXT NOT NULL,
    action      TEXT NOT NULL,
    -- `updated_at` normalised to `YYYY-MM-DDTHH:MM:SS.mmmZ`, so text order is time order and
    -- `...:43Z` and `...:43.000Z` are the same decision.
    updated_at  TEXT NOT NULL,
    received_at TEXT NOT NULL,
    record      TEXT NOT NULL,
    UNIQUE (consent_id, updated_at)
);
PRAGMA user_version = 1;
";

/// One SQLite connection behind a mutex: records are small and rare, so one writer is plenty.
pub struct SqliteStore {
    connection: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating it and its folder when missing) the database file at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, ServerError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| ServerError::io(parent, e))?;
        }
        let connection = Connection::open(path)?;
        connection.busy_timeout(Duration::from_secs(5))?;
        // WAL with synchronous=NORMAL: a commit survives the server crashing or being killed
        // (the WAL is in the OS's hands), but the last transactions before a power loss or OS
        // crash may be lost, since the WAL is only fsynced at checkpoints. Good enough for a demo
        // log; issue 5 revisits durability (synchronous=FULL or Postgres) for proof of consent.
        let mode: String = connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            eprintln!("crumb-server: {} does not support WAL, journal mode is {mode}", path.display());
        }
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.execute_batch(SCHEMA)?;
        Ok(SqliteStore { connection: Mutex::new(connection) })
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-done work: an open transaction is rolled
        // back when its guard drops. So a poisoned lock is still a good connection.
        self.connection.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store for SqliteStore {
    fn insert(&self, record: &ConsentRecord, received_at: &str) -> Result<bool, ServerError> {
        let updated_ms = record.updated_ms().ok_or(RecordError { field: "updated_at", problem: "must be RFC 3339 UTC" })?;
        let json = serde_json::to_string(record)?;
        let changed = self.connection().execute(
            "INSERT INTO consent_records (consent_id, site, action, updated_at, received_at, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (consent_id, updated_at) DO NOTHING",
            params![record.consent_id, record.site, record.action.as_str(), to_rfc3339(updated_ms), received_at, json],
        )?;
        Ok(changed == 1)
    }

    fn history(&self, consent_id: &str) -> Result<Vec<ConsentRecord>, ServerError> {
        let connection = self.connection();
        let mut statement =
            connection.prepare_cached("SELECT record FROM consent_records WHERE consent_id = ?1 ORDER BY updated_at, id")?;
        let rows = statement.query_map([consent_id], |row| row.get::<_, String>(0))?;
        let mut records = Vec::new();
        for row in rows {
            records.push(serde_json::from_str(&row?)?);
        }
        Ok(records)
    }

    fn count(&self) -> Result<u64, ServerError> {
        let count: i64 = self.connection().query_row("SELECT count(*) FROM consent_records", [], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}

//! Where consent records are kept: the [`Store`] trait, its embedded SQLite implementation (the
//! default) and PostgreSQL (for sites that outgrow one machine). Both keep the same table.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crumb_core::time::to_rfc3339;
use crumb_core::{ConsentRecord, RecordError};
use postgres::fallible_iterator::FallibleIterator;
use r2d2_postgres::PostgresConnectionManager;
use rusqlite::{params, Connection, OpenFlags};
use serde::Serialize;

use crate::error::ServerError;

/// A record as kept: what the browser sent plus what the server added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRecord {
    #[serde(flatten)]
    pub record: ConsentRecord,
    /// RFC 3339 UTC, the server's clock when the record arrived.
    pub received_at: String,
    /// The sender's address truncated to /24 (IPv4) or /48 (IPv6), only with `--store-ip truncated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
}

/// Records of one site whose `updated_at` is in `[from, to)` (normalised RFC 3339 text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeQuery {
    pub site: String,
    pub from: String,
    pub to: String,
}

/// Storage for consent records. Calls block: async code runs them in `spawn_blocking`.
pub trait Store: Send + Sync + 'static {
    /// Keeps a validated `record`, received at `received_at` (RFC 3339), unless the store already
    /// has one with the same `consent_id` and `updated_at` instant. True when it was stored now.
    fn insert(&self, record: &ConsentRecord, received_at: &str, client_ip: Option<&str>) -> Result<bool, ServerError>;
    /// Every record of `consent_id`, oldest `updated_at` first.
    fn history(&self, consent_id: &str) -> Result<Vec<StoredRecord>, ServerError>;
    /// How many records are stored in all.
    fn count(&self) -> Result<u64, ServerError>;
    /// Hands the records matching `query` to `sink`, oldest first, one at a time (never all in
    /// memory); stops early when `sink` returns false.
    fn export(&self, query: &RangeQuery, sink: &mut dyn FnMut(StoredRecord) -> bool) -> Result<(), ServerError>;
    /// The sites that have records, sorted.
    fn sites(&self) -> Result<Vec<String>, ServerError>;
    /// Deletes every record whose `updated_at` is before `cutoff` (normalised RFC 3339); returns how many.
    fn delete_before(&self, cutoff: &str) -> Result<u64, ServerError>;
}

fn normalised_updated_at(record: &ConsentRecord) -> Result<String, ServerError> {
    let updated_ms = record.updated_ms().ok_or(RecordError { field: "updated_at", problem: "must be RFC 3339 UTC" })?;
    Ok(to_rfc3339(updated_ms))
}

fn stored(json: &str, received_at: String, client_ip: Option<String>) -> Result<StoredRecord, ServerError> {
    Ok(StoredRecord { record: serde_json::from_str(json)?, received_at, client_ip })
}

const SQLITE_SCHEMA: &str = "
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
    client_ip   TEXT,
    UNIQUE (consent_id, updated_at)
);
CREATE INDEX IF NOT EXISTS consent_records_site_updated ON consent_records (site, updated_at);
";

/// One SQLite writer connection behind a mutex (SQLite has one writer at a time anyway); exports
/// open their own read connection, which WAL lets run beside the writer.
pub struct SqliteStore {
    path: PathBuf,
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
        // WAL with synchronous=FULL: the WAL is fsynced at every commit, so a record answered
        // 2xx survives not only the server being killed but also a power loss or OS crash.
        // These rows are a site's proof of consent (GDPR Art. 7(1)), so that is worth one fsync
        // per record; NORMAL would only protect against process crashes. WAL keeps exports and
        // history reads from blocking intake.
        let mode: String = connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            eprintln!("crumb-server: {} does not support WAL, journal mode is {mode}", path.display());
        }
        connection.pragma_update(None, "synchronous", "FULL")?;
        let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version == 1 {
            // Version 1 (first server) had no client_ip column nor site index.
            connection.execute_batch("ALTER TABLE consent_records ADD COLUMN client_ip TEXT;")?;
        }
        connection.execute_batch(SQLITE_SCHEMA)?;
        connection.pragma_update(None, "user_version", 2)?;
        Ok(SqliteStore { path: path.to_path_buf(), connection: Mutex::new(connection) })
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-done work: an open transaction is rolled
        // back when its guard drops. So a poisoned lock is still a good connection.
        self.connection.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store for SqliteStore {
    fn insert(&self, record: &ConsentRecord, received_at: &str, client_ip: Option<&str>) -> Result<bool, ServerError> {
        let updated_at = normalised_updated_at(record)?;
        let json = serde_json::to_string(record)?;
        let changed = self.connection().execute(
            "INSERT INTO consent_records (consent_id, site, action, updated_at, received_at, record, client_ip)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (consent_id, updated_at) DO NOTHING",
            params![record.consent_id, record.site, record.action.as_str(), updated_at, received_at, json, client_ip],
        )?;
        Ok(changed == 1)
    }

    fn history(&self, consent_id: &str) -> Result<Vec<StoredRecord>, ServerError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT record, received_at, client_ip FROM consent_records WHERE consent_id = ?1 ORDER BY updated_at, id",
        )?;
        let rows = statement.query_map([consent_id], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?)))?;
        let mut records = Vec::new();
        for row in rows {
            let (json, received_at, client_ip) = row?;
            records.push(stored(&json, received_at, client_ip)?);
        }
        Ok(records)
    }

    fn count(&self) -> Result<u64, ServerError> {
        let count: i64 = self.connection().query_row("SELECT count(*) FROM consent_records", [], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn export(&self, query: &RangeQuery, sink: &mut dyn FnMut(StoredRecord) -> bool) -> Result<(), ServerError> {
        let reader = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        reader.busy_timeout(Duration::from_secs(5))?;
        let mut statement = reader.prepare(
            "SELECT record, received_at, client_ip FROM consent_records
             WHERE site = ?1 AND updated_at >= ?2 AND updated_at < ?3 ORDER BY updated_at, id",
        )?;
        let mut rows = statement.query(params![query.site, query.from, query.to])?;
        while let Some(row) = rows.next()? {
            let json: String = row.get(0)?;
            if !sink(stored(&json, row.get(1)?, row.get(2)?)?) {
                break;
            }
        }
        Ok(())
    }

    fn sites(&self) -> Result<Vec<String>, ServerError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached("SELECT DISTINCT site FROM consent_records ORDER BY site")?;
        let sites = statement.query_map([], |row| row.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(sites)
    }

    fn delete_before(&self, cutoff: &str) -> Result<u64, ServerError> {
        let deleted = self.connection().execute("DELETE FROM consent_records WHERE updated_at < ?1", [cutoff])?;
        Ok(u64::try_from(deleted).unwrap_or(0))
    }
}

const POSTGRES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS consent_records (
    id          BIGSERIAL PRIMARY KEY,
    consent_id  TEXT NOT NULL,
    site        TEXT NOT NULL,
    action      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    received_at TEXT NOT NULL,
    record      TEXT NOT NULL,
    client_ip   TEXT,
    UNIQUE (consent_id, updated_at)
);
CREATE INDEX IF NOT EXISTS consent_records_site_updated ON consent_records (site, updated_at);
";

/// Connections kept open to PostgreSQL; intake runs one statement per record on one of them.
pub const POSTGRES_POOL_SIZE: u32 = 16;

/// PostgreSQL through a pool of blocking connections. Commits are durable by PostgreSQL's own
/// default (`synchronous_commit = on`).
pub struct PostgresStore {
    /// Always Some until dropped.
    pool: Option<Pool>,
}

type Pool = r2d2::Pool<PostgresConnectionManager<postgres::NoTls>>;

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Closing a blocking postgres client runs its own small runtime, which panics on an
        // async worker thread (the last AppState may well be dropped there): close on a thread.
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and creates the table.
    /// Plain TCP only: run it on the same machine or a private network (or behind a TLS tunnel).
    pub fn open(url: &str) -> Result<PostgresStore, ServerError> {
        let config: postgres::Config =
            url.parse().map_err(|e| ServerError::Usage(format!("--database: not a PostgreSQL URL: {e}")))?;
        PostgresStore::open_config(config)
    }

    /// Connects with a parsed configuration (tests point it at a fresh database).
    pub fn open_config(mut config: postgres::Config) -> Result<PostgresStore, ServerError> {
        config.connect_timeout(Duration::from_secs(10));
        let manager = PostgresConnectionManager::new(config, postgres::NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(POSTGRES_POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        pool.get()?.batch_execute(POSTGRES_SCHEMA)?;
        Ok(PostgresStore { pool: Some(pool) })
    }

    fn client(&self) -> Result<r2d2::PooledConnection<PostgresConnectionManager<postgres::NoTls>>, ServerError> {
        let pool = self.pool.as_ref().ok_or_else(|| ServerError::Serve("the PostgreSQL pool is closed".to_owned()))?;
        Ok(pool.get()?)
    }
}

impl Store for PostgresStore {
    fn insert(&self, record: &ConsentRecord, received_at: &str, client_ip: Option<&str>) -> Result<bool, ServerError> {
        let updated_at = normalised_updated_at(record)?;
        let json = serde_json::to_string(record)?;
        let changed = self.client()?.execute(
            "INSERT INTO consent_records (consent_id, site, action, updated_at, received_at, record, client_ip)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (consent_id, updated_at) DO NOTHING",
            &[&record.consent_id, &record.site, &record.action.as_str(), &updated_at, &received_at, &json, &client_ip],
        )?;
        Ok(changed == 1)
    }

    fn history(&self, consent_id: &str) -> Result<Vec<StoredRecord>, ServerError> {
        let rows = self.client()?.query(
            "SELECT record, received_at, client_ip FROM consent_records WHERE consent_id = $1 ORDER BY updated_at, id",
            &[&consent_id],
        )?;
        rows.iter().map(|row| stored(&row.try_get::<_, String>(0)?, row.try_get(1)?, row.try_get(2)?)).collect()
    }

    fn count(&self) -> Result<u64, ServerError> {
        let count: i64 = self.client()?.query_one("SELECT count(*) FROM consent_records", &[])?.try_get(0)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn export(&self, query: &RangeQuery, sink: &mut dyn FnMut(StoredRecord) -> bool) -> Result<(), ServerError> {
        let mut client = self.client()?;
        let params: [&(dyn postgres::types::ToSql + Sync); 3] = [&query.site, &query.from, &query.to];
        // query_raw hands rows over as they arrive instead of collecting them.
        let mut rows = client.query_raw(
            "SELECT record, received_at, client_ip FROM consent_records
             WHERE site = $1 AND updated_at >= $2 AND updated_at < $3 ORDER BY updated_at, id",
            params,
        )?;
        while let Some(row) = rows.next()? {
            if !sink(stored(&row.try_get::<_, String>(0)?, row.try_get(1)?, row.try_get(2)?)?) {
                break;
            }
        }
        Ok(())
    }

    fn sites(&self) -> Result<Vec<String>, ServerError> {
        let rows = self.client()?.query("SELECT DISTINCT site FROM consent_records ORDER BY site", &[])?;
        rows.iter().map(|row| Ok(row.try_get(0)?)).collect()
    }

    fn delete_before(&self, cutoff: &str) -> Result<u64, ServerError> {
        Ok(self.client()?.execute("DELETE FROM consent_records WHERE updated_at < $1", &[&cutoff])?)
    }
}

/// Opens the store `database` names: a `postgres://` or `postgresql://` URL, else a SQLite file.
pub fn open_store(database: &Path) -> Result<std::sync::Arc<dyn Store>, ServerError> {
    match database.to_str() {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(std::sync::Arc::new(PostgresStore::open(url)?))
        }
        _ => Ok(std::sync::Arc::new(SqliteStore::open(database)?)),
    }
}

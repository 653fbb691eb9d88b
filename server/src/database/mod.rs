//! Where consent records are kept: [`Database`], embedded SQLite (the default) or PostgreSQL (for
//! sites that outgrow one machine). Both run the same SQL (`sql.rs`), through one `Session`
//! type; the schema comes from numbered migrations applied at open ([`Database::migrate`]).

mod backup;
mod batch;
mod chain;
mod configs;
mod migrate;
mod session;
mod sql;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crumb_core::time::to_rfc3339;
use crumb_core::{ConsentRecord, RecordError};
use r2d2_postgres::PostgresConnectionManager;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::error::ServerError;
pub use backup::{backup_sqlite, BackupReport};
pub use chain::{BreakKind, ChainBreak, ChainLink, DigestEntry, SiteVerdict, GENESIS};
pub use configs::{ConfigDraft, ConfigVersion, Published};
pub(crate) use session::{Row, Session};
use sql::Dialect;
pub use sql::SCHEMA_VERSION;
pub use tokens::{AdminToken, Revoked};

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
    /// Its place in the site's hash chain (`chain_seq`, `prev_hash`, `hash`); None only for a row
    /// written outside crumb-server.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainLink>,
}

/// What the statistics rollups hold for a site and range: `(day, action, records)` rows, and
/// `(category, granted, decisions)` rows.
pub type DayStats = (Vec<(String, String, i64)>, Vec<(String, i64, i64)>);

/// What the per-config-version rollups hold for a site: `(config version, action, records)` rows,
/// and `(config version, category, granted, decisions)` rows.
pub type VersionStats = (Vec<(i64, String, i64)>, Vec<(i64, String, i64, i64)>);

/// Where a page of a consent id's history ends: the last record's `received_at` and row id.
/// As text (`?after=`): `<received_at>~<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryCursor {
    pub received_at: String,
    pub id: i64,
}

impl HistoryCursor {
    /// Reads a cursor as [`HistoryCursor::to_text`] writes it; None when it is not one.
    pub fn parse(text: &str) -> Option<HistoryCursor> {
        let (received_at, id) = text.split_once('~')?;
        let ms = crumb_core::time::parse_rfc3339(received_at)?;
        let id = id.parse::<i64>().ok().filter(|id| *id >= 0)?;
        Some(HistoryCursor { received_at: to_rfc3339(ms), id })
    }

    /// `<received_at>~<id>`: safe in a URL query as it is.
    pub fn to_text(&self) -> String {
        format!("{}~{}", self.received_at, self.id)
    }
}

/// Records of a consent id's history, the most a page holds.
pub const HISTORY_PAGE_MAX: u32 = 1000;

/// Records of one site whose `updated_at` is in `[from, to)` (normalised RFC 3339 text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeQuery {
    pub site: String,
    pub from: String,
    pub to: String,
}

/// The database the records are kept in. Calls block: async code runs them in `spawn_blocking`.
pub enum Database {
    /// A SQLite file.
    Sqlite(SqliteFile),
    /// A PostgreSQL database.
    Postgres(PostgresPool),
}

/// A SQLite file: intake's writer thread with its own connection (batch.rs), one more connection
/// behind a mutex for migrations, retention and short reads (SQLite's write lock orders the two
/// writers), and exports and `verify` open their own read connection, which WAL lets run beside
/// the writers.
pub struct SqliteFile {
    path: PathBuf,
    connection: Mutex<Connection>,
    /// The writer thread intake hands records to (batch.rs), with a connection of its own.
    batcher: batch::Batcher,
}

impl SqliteFile {
    fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-done work: an open transaction is rolled
        // back when its guard drops. So a poisoned lock is still a good connection.
        self.connection.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Connections kept open to PostgreSQL: intake's writer takes one per group of records (batch.rs),
/// reads, exports and retention the others.
pub const POSTGRES_POOL_SIZE: u32 = 16;

pub(crate) type Pool = r2d2::Pool<PostgresConnectionManager<postgres::NoTls>>;

/// PostgreSQL through a pool of blocking connections. Commits are durable by PostgreSQL's own
/// default (`synchronous_commit = on`).
pub struct PostgresPool {
    /// Always Some until dropped.
    pool: Option<Pool>,
    /// The writer thread intake hands records to (see batch.rs); Some until dropped.
    batcher: Option<batch::Batcher>,
}

impl Drop for PostgresPool {
    fn drop(&mut self) {
        // The writer first: it finishes the group it is storing, then lets go of its pool.
        drop(self.batcher.take());
        // Closing a blocking postgres client runs its own small runtime, which panics on an
        // async worker thread (the last AppState may well be dropped there): close on a thread.
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl PostgresPool {
    fn client(&self) -> Result<r2d2::PooledConnection<PostgresConnectionManager<postgres::NoTls>>, ServerError> {
        let pool = self.pool.as_ref().ok_or_else(|| ServerError::Serve("the PostgreSQL pool is closed".to_owned()))?;
        Ok(pool.get()?)
    }
}

fn normalised_updated_at(record: &ConsentRecord) -> Result<String, ServerError> {
    let updated_ms = record.updated_ms().ok_or(RecordError { field: "updated_at", problem: "must be RFC 3339 UTC" })?;
    Ok(to_rfc3339(updated_ms))
}

/// A row of [`sql::HISTORY_PAGE`] or [`sql::EXPORT`]: record JSON, received_at, client_ip,
/// chain_seq, prev_hash, hash.
fn stored(row: &Row<'_>) -> Result<StoredRecord, ServerError> {
    let json: String = row.get(0)?;
    let chain = match (row.get::<Option<i64>>(3)?, row.get::<Option<String>>(4)?, row.get::<Option<String>>(5)?) {
        (Some(chain_seq), Some(prev_hash), Some(hash)) => Some(ChainLink { chain_seq, prev_hash, hash }),
        _ => None,
    };
    Ok(StoredRecord { record: serde_json::from_str(&json)?, received_at: row.get(1)?, client_ip: row.get(2)?, chain })
}

/// The `YYYY-MM-DD` day of an RFC 3339 time (the text before `T`).
fn day_of(time: &str) -> String {
    time.split('T').next().unwrap_or(time).to_owned()
}

/// Whether `--database` names PostgreSQL (a `postgres://` or `postgresql://` URL) rather than a
/// SQLite file.
pub fn is_postgres_url(location: &Path) -> bool {
    location.to_str().is_some_and(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"))
}

/// Creates `path` as an empty file only its owner can read (records name consent ids and pages);
/// fails with `AlreadyExists` when there is one.
pub(crate) fn create_owner_only(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

impl Database {
    /// Opens the database `location` names: a `postgres://` or `postgresql://` URL, else a
    /// SQLite file. Brings its schema up to date.
    pub fn open(location: &Path) -> Result<Database, ServerError> {
        match location.to_str() {
            Some(url) if is_postgres_url(location) => Database::open_postgres(url),
            _ => Database::open_sqlite(location),
        }
    }

    /// Opens (creating it and its folder when missing) the SQLite file at `path`, and brings its
    /// schema up to date.
    pub fn open_sqlite(path: &Path) -> Result<Database, ServerError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| ServerError::io(parent, e))?;
        }
        // Servers starting together on one new file: switching it to WAL (and a migration racing
        // that switch) can answer "database is locked" at once, without waiting for the busy
        // timeout. Start-up tries again for a while before it gives up.
        let started = std::time::Instant::now();
        loop {
            match Database::open_sqlite_once(path) {
                Err(ServerError::Database(rusqlite::Error::SqliteFailure(e, _)))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy && started.elapsed() < Duration::from_secs(20) =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                }
                opened => return opened,
            }
        }
    }

    fn open_sqlite_once(path: &Path) -> Result<Database, ServerError> {
        // A new database is created readable by its owner only. SQLite gives its -wal and -shm
        // files the database file's permissions.
        if !path.exists() {
            match create_owner_only(path) {
                // Another server created it meanwhile: open that one.
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(ServerError::io(path, e)),
                _ => {}
            }
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
        let batcher = batch::Batcher::start(batch::Target::Sqlite(path.to_path_buf()))?;
        let database = Database::Sqlite(SqliteFile { path: path.to_path_buf(), connection: Mutex::new(connection), batcher });
        database.migrate()?;
        Ok(database)
    }

    /// Connects to `url` (`postgres://user:password@host:port/database`) and brings the schema up
    /// to date. Plain TCP only: run it on the same machine or a private network (or behind a TLS
    /// tunnel).
    pub fn open_postgres(url: &str) -> Result<Database, ServerError> {
        let config: postgres::Config = url.parse().map_err(|e| ServerError::Usage(format!("--database: not a PostgreSQL URL: {e}")))?;
        Database::open_postgres_config(config)
    }

    /// Connects with a parsed configuration (tests point it at a fresh database) and brings the
    /// schema up to date.
    pub fn open_postgres_config(mut config: postgres::Config) -> Result<Database, ServerError> {
        config.connect_timeout(Duration::from_secs(10));
        let manager = PostgresConnectionManager::new(config, postgres::NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(POSTGRES_POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        let batcher = batch::Batcher::start(batch::Target::Postgres(pool.clone()))?;
        let database = Database::Postgres(PostgresPool { pool: Some(pool), batcher: Some(batcher) });
        database.migrate()?;
        Ok(database)
    }

    /// Which SQL dialect this database speaks.
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Database::Sqlite(_) => Dialect::Sqlite,
            Database::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `work` on a connection: SQLite's writer, or one from the PostgreSQL pool.
    pub(crate) fn session<T>(&self, work: impl FnOnce(&mut Session<'_>) -> Result<T, ServerError>) -> Result<T, ServerError> {
        match self {
            Database::Sqlite(file) => work(&mut Session::Sqlite(&file.connection())),
            Database::Postgres(pool) => {
                let mut client = pool.client()?;
                work(&mut Session::Postgres(&mut client))
            }
        }
    }

    /// Runs a long read on a connection that keeps intake going: a read-only SQLite connection
    /// of its own (WAL lets it read beside the writer), or one from the PostgreSQL pool.
    fn reading_session<T>(&self, work: impl FnOnce(&mut Session<'_>) -> Result<T, ServerError>) -> Result<T, ServerError> {
        match self {
            Database::Sqlite(file) => {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let reader = Connection::open_with_flags(&file.path, flags)?;
                reader.busy_timeout(Duration::from_secs(5))?;
                work(&mut Session::Sqlite(&reader))
            }
            Database::Postgres(_) => self.session(work),
        }
    }

    /// Runs `work` in a write transaction ([`Dialect::begin_write`]); commits when it returns
    /// `(value, true)`, rolls back when `(value, false)` or an error (so a pooled connection never
    /// goes back mid-transaction).
    fn write_transaction<T>(&self, work: impl FnOnce(&mut Session<'_>) -> Result<(T, bool), ServerError>) -> Result<T, ServerError> {
        let begin = self.dialect().begin_write();
        self.session(|session| {
            // A transaction left open (a panic on another thread while it held SQLite's writer)
            // is rolled back first, so this one starts clean.
            if session.in_transaction() {
                session.batch("ROLLBACK")?;
            }
            session.batch(begin)?;
            match work(session) {
                Ok((value, true)) => match session.batch("COMMIT") {
                    Ok(()) => Ok(value),
                    Err(err) => {
                        let _ = session.batch("ROLLBACK");
                        Err(err)
                    }
                },
                Ok((value, false)) => {
                    session.batch("ROLLBACK")?;
                    Ok(value)
                }
                Err(err) => {
                    let _ = session.batch("ROLLBACK");
                    Err(err)
                }
            }
        })
    }

    /// Keeps a validated `record`, received at `received_at` (RFC 3339), unless the database
    /// already has one with the same `consent_id` and `updated_at` instant. True when it was
    /// stored now.
    pub fn insert(&self, record: &ConsentRecord, received_at: &str, client_ip: Option<&str>) -> Result<bool, ServerError> {
        Ok(self.insert_linked(record, received_at, client_ip)?.is_some())
    }

    /// Whether a record of `consent_id` carrying `secret` may be kept (`crumb_core::proof`):
    /// `Err(why)` when it may not. For an id from before secrets the first secret is registered
    /// here (its hash only); when two race, the one registered first holds.
    pub fn check_proof(&self, consent_id: &str, secret: Option<&str>, now: &str) -> Result<Result<(), &'static str>, ServerError> {
        use crumb_core::proof::{check, is_derived_id, Check};
        if is_derived_id(consent_id) {
            return Ok(match check(consent_id, secret, None) {
                Check::Refused(why) => Err(why),
                _ => Ok(()),
            });
        }
        self.session(|session| {
            let registered = |session: &mut Session<'_>| -> Result<Option<String>, ServerError> {
                Ok(session.column::<String>(sql::REGISTERED_KEY, &[&consent_id])?.into_iter().next())
            };
            match check(consent_id, secret, registered(session)?.as_deref()) {
                Check::Proven | Check::Unproven => Ok(Ok(())),
                Check::Refused(why) => Ok(Err(why)),
                Check::Register(hash) => {
                    session.execute(sql::REGISTER_KEY, &[&consent_id, &hash, &now])?;
                    Ok(match check(consent_id, secret, registered(session)?.as_deref()) {
                        Check::Proven => Ok(()),
                        Check::Refused(why) => Err(why),
                        _ => Err("the consent id's secret could not be registered"),
                    })
                }
            }
        })
    }

    /// As [`Database::insert`], and says where the record went in its site's chain (None: it was
    /// there already, and the chain did not move). In one transaction: lock the site's chain head
    /// ([`Dialect::head_for_insert`]), insert the record linked to it, move the head, together
    /// with the other records queued meanwhile (group commit, batch.rs). Returns once committed.
    pub fn insert_linked(
        &self,
        record: &ConsentRecord,
        received_at: &str,
        client_ip: Option<&str>,
    ) -> Result<Option<ChainLink>, ServerError> {
        let row = batch::PendingRow {
            consent_id: record.consent_id.clone(),
            site: record.site.clone(),
            action: record.action.as_str(),
            updated_at: normalised_updated_at(record)?,
            received_at: received_at.to_owned(),
            json: serde_json::to_string(record)?,
            client_ip: client_ip.map(str::to_owned),
        };
        match self {
            Database::Sqlite(file) => file.batcher.insert(row),
            Database::Postgres(pool) => match &pool.batcher {
                Some(batcher) => batcher.insert(row),
                None => Err(ServerError::Serve("the PostgreSQL pool is closed".to_owned())),
            },
        }
    }

    /// Every record of `consent_id`, in received order (page by page; for the API use
    /// [`Database::history_page`]).
    pub fn history(&self, consent_id: &str) -> Result<Vec<StoredRecord>, ServerError> {
        let mut records = Vec::new();
        let mut after = None;
        loop {
            let (page, next) = self.history_page(consent_id, after.as_ref(), HISTORY_PAGE_MAX)?;
            records.extend(page);
            match next {
                Some(cursor) => after = Some(cursor),
                None => return Ok(records),
            }
        }
    }

    /// At most `limit` (1 to [`HISTORY_PAGE_MAX`]) records of `consent_id` after `after`, in the
    /// order the server received them (`received_at`, then arrival), and the cursor of the next
    /// page when there are more. The query reads `limit + 1` rows, never the whole history.
    pub fn history_page(
        &self,
        consent_id: &str,
        after: Option<&HistoryCursor>,
        limit: u32,
    ) -> Result<(Vec<StoredRecord>, Option<HistoryCursor>), ServerError> {
        let limit = limit.clamp(1, HISTORY_PAGE_MAX);
        let (received_at, id) = after.map_or((String::new(), 0), |c| (c.received_at.clone(), c.id));
        let mut rows = Vec::new();
        self.session(|session| {
            session.for_each(sql::HISTORY_PAGE, &[&consent_id, &received_at, &id, &(i64::from(limit) + 1)], &mut |row| {
                rows.push((stored(row)?, row.get::<i64>(6)?));
                Ok(true)
            })
        })?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next =
            if more { rows.last().map(|(record, id)| HistoryCursor { received_at: record.received_at.clone(), id: *id }) } else { None };
        Ok((rows.into_iter().map(|(record, _)| record).collect(), next))
    }
    /// How many records are stored in all.
    pub fn count(&self) -> Result<u64, ServerError> {
        let count: i64 = self.session(|session| session.value(sql::COUNT, &[]))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Hands the records matching `query` to `sink`, oldest first, one at a time (never all in
    /// memory); stops early when `sink` returns false.
    pub fn export(&self, query: &RangeQuery, sink: &mut dyn FnMut(StoredRecord) -> bool) -> Result<(), ServerError> {
        self.reading_session(|session| {
            session.for_each(sql::EXPORT, &[&query.site, &query.from, &query.to], &mut |row| Ok(sink(stored(row)?)))
        })
    }

    /// A site's decisions per UTC day and action, and grants and decisions per category, for
    /// the days of `query` (from the statistics rollups: a few rows per day, whatever the
    /// number of records).
    pub fn day_stats(&self, query: &RangeQuery) -> Result<DayStats, ServerError> {
        let (from, to) = (day_of(&query.from), day_of(&query.to));
        self.reading_session(|session| {
            let mut days = Vec::new();
            session.for_each(sql::STATS_DAYS, &[&query.site, &from, &to], &mut |row| {
                days.push((row.get(0)?, row.get(1)?, row.get(2)?));
                Ok(true)
            })?;
            let mut categories = Vec::new();
            session.for_each(sql::STATS_CATEGORIES, &[&query.site, &from, &to], &mut |row| {
                categories.push((row.get(0)?, row.get(1)?, row.get(2)?));
                Ok(true)
            })?;
            Ok((days, categories))
        })
    }

    /// A site's decisions per config version and action, and grants and decisions per config
    /// version and category (from the per-version rollups; version 0 holds records given under a
    /// config written by hand).
    pub fn version_stats(&self, site: &str) -> Result<VersionStats, ServerError> {
        self.reading_session(|session| {
            let mut actions = Vec::new();
            session.for_each(sql::STATS_VERSIONS, &[&site], &mut |row| {
                actions.push((row.get(0)?, row.get(1)?, row.get(2)?));
                Ok(true)
            })?;
            let mut categories = Vec::new();
            session.for_each(sql::STATS_VERSION_CATEGORIES, &[&site], &mut |row| {
                categories.push((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?));
                Ok(true)
            })?;
            Ok((actions, categories))
        })
    }

    /// Recomputes the statistics rollups from the records, in one transaction: after a bulk load
    /// that bypassed the triggers (the admin benchmark), or rows edited by hand.
    pub fn rebuild_stats(&self) -> Result<(), ServerError> {
        let dialect = self.dialect();
        self.session(|session| {
            session.batch(&format!(
                "BEGIN; DELETE FROM stats_days; DELETE FROM stats_categories; DELETE FROM stats_versions; \
                 DELETE FROM stats_version_categories; {} {} COMMIT;",
                dialect.stats_backfill(),
                dialect.version_stats_backfill()
            ))
        })
    }

    /// The sites that have records, sorted.
    pub fn sites(&self) -> Result<Vec<String>, ServerError> {
        self.session(|session| session.column(sql::SITES, &[]))
    }

    /// Retention: deletes the records received before `received_before`, except a consent id's
    /// newest decision while it is still in force (`updated_at` at or after `in_force_since`):
    /// that is the proof of a consent a browser still acts on. Returns how many went. Per site,
    /// in one transaction with its chain head locked, the last deleted link (seq and hash) is
    /// recorded in the head as the pruned point, so `verify` checks the chain from there.
    pub fn prune(&self, received_before: &str, in_force_since: &str) -> Result<u64, ServerError> {
        let sites: Vec<String> = self.session(|session| session.column(sql::HEAD_SITES, &[]))?;
        let lock = self.dialect().lock_head();
        let mut deleted = 0;
        for site in sites {
            deleted += self.write_transaction(|session| {
                let _: Vec<i64> = session.column(lock, &[&site])?;
                let mut point: Option<(i64, String)> = None;
                session.for_each(sql::PRUNE_POINT, &[&site, &received_before, &in_force_since], &mut |row| {
                    point = Some((row.get(0)?, row.get(1)?));
                    Ok(false)
                })?;
                let Some((seq, hash)) = point else { return Ok((0, false)) };
                let gone = session.execute(sql::PRUNE, &[&site, &received_before, &in_force_since])?;
                session.execute(sql::SET_PRUNED, &[&seq, &hash, &site])?;
                Ok((gone, true))
            })?;
        }
        Ok(deleted)
    }
}

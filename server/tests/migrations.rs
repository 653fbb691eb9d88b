//! Migrations: a database created by the servers before `schema_migrations` (SQLite files of the
//! first server and of issue 5's, PostgreSQL databases of issue 5's) upgrades in place with its
//! rows intact; a new database gets the same shape; migrating again changes nothing; servers
//! starting together migrate once; a failed migration leaves nothing half done; a schema from a
//! newer server is refused.
//!
//! The "before" databases are made here with the SQL those servers ran, copied verbatim.

mod common;

use std::path::Path;

use common::{record, ScratchPostgres};
use crumb_core::ConsentRecord;
use crumb_server::{Database, ServerError, StoredRecord, SCHEMA_VERSION};

/// The issue 5 server's SQLite schema (`SQLITE_SCHEMA` in store.rs, user_version 2).
const ISSUE5_SQLITE_SCHEMA: &str = "
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

/// The first server's SQLite schema (no client_ip, no site index).
const FIRST_SQLITE_SCHEMA: &str = "
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

/// The issue 5 server's PostgreSQL schema (`POSTGRES_SCHEMA` in store.rs).
const ISSUE5_POSTGRES_SCHEMA: &str = "
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

const ID_A: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
const ID_B: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/// What the old servers kept for a record: (consent_id, site, action, updated_at, received_at,
/// record JSON, client_ip).
struct OldRow {
    consent_id: &'static str,
    updated_at: &'static str,
    action: &'static str,
    received_at: &'static str,
    client_ip: Option<&'static str>,
}

const OLD_ROWS: [OldRow; 3] = [
    OldRow {
        consent_id: ID_A,
        updated_at: "2026-10-01T08:00:00.000Z",
        action: "accept_all",
        received_at: "2026-10-01T08:00:00.412Z",
        client_ip: None,
    },
    OldRow {
        consent_id: ID_A,
        updated_at: "2026-10-02T09:30:00.000Z",
        action: "withdraw",
        received_at: "2026-10-02T09:30:01.007Z",
        client_ip: Some("203.0.113.0"),
    },
    OldRow {
        consent_id: ID_B,
        updated_at: "2026-10-03T10:00:00.000Z",
        action: "reject_all",
        received_at: "2026-10-03T10:00:00.250Z",
        client_ip: None,
    },
];

impl OldRow {
    fn record(&self) -> ConsentRecord {
        let analytics = self.action == "accept_all";
        serde_json::from_value(record(self.consent_id, self.updated_at, self.action, analytics, analytics)).expect("a record")
    }

    /// The record JSON as the old servers wrote it (`serde_json::to_string` of the record).
    fn json(&self) -> String {
        serde_json::to_string(&self.record()).expect("JSON")
    }

    fn stored(&self, with_ip: bool) -> StoredRecord {
        StoredRecord {
            record: self.record(),
            received_at: self.received_at.to_owned(),
            client_ip: self.client_ip.filter(|_| with_ip).map(str::to_owned),
            chain: None,
        }
    }
}

/// A SQLite file exactly as the issue 5 server left it: `SqliteStore::open` (WAL, FULL, schema,
/// user_version 2) and its `insert`.
fn issue5_sqlite(path: &Path) {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    let mode: String = connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal");
    connection.pragma_update(None, "synchronous", "FULL").unwrap();
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
    assert_eq!(version, 0);
    connection.execute_batch(ISSUE5_SQLITE_SCHEMA).unwrap();
    connection.pragma_update(None, "user_version", 2).unwrap();
    for row in &OLD_ROWS {
        let record = row.record();
        connection
            .execute(
                "INSERT INTO consent_records (consent_id, site, action, updated_at, received_at, record, client_ip)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (consent_id, updated_at) DO NOTHING",
                rusqlite::params![
                    record.consent_id,
                    record.site,
                    record.action.as_str(),
                    row.updated_at,
                    row.received_at,
                    row.json(),
                    row.client_ip
                ],
            )
            .unwrap();
    }
}

/// A SQLite file exactly as the first server left it (no client_ip, user_version 1).
fn first_sqlite(path: &Path) {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0)).unwrap();
    connection.pragma_update(None, "synchronous", "NORMAL").unwrap();
    connection.execute_batch(FIRST_SQLITE_SCHEMA).unwrap();
    for row in &OLD_ROWS {
        let record = row.record();
        connection
            .execute(
                "INSERT INTO consent_records (consent_id, site, action, updated_at, received_at, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (consent_id, updated_at) DO NOTHING",
                rusqlite::params![record.consent_id, record.site, record.action.as_str(), row.updated_at, row.received_at, row.json()],
            )
            .unwrap();
    }
}

/// A PostgreSQL database exactly as the issue 5 server left it: `PostgresStore::open_config`
/// (the schema) and its `insert`.
fn issue5_postgres(scratch: &ScratchPostgres) {
    let mut client = scratch.config.connect(postgres::NoTls).unwrap();
    client.batch_execute(ISSUE5_POSTGRES_SCHEMA).unwrap();
    for row in &OLD_ROWS {
        let record = row.record();
        client
            .execute(
                "INSERT INTO consent_records (consent_id, site, action, updated_at, received_at, record, client_ip)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (consent_id, updated_at) DO NOTHING",
                &[
                    &record.consent_id,
                    &record.site,
                    &record.action.as_str(),
                    &row.updated_at,
                    &row.received_at,
                    &row.json(),
                    &row.client_ip,
                ],
            )
            .unwrap();
    }
}

/// The old rows read back through the new server, unchanged; the old unique key still holds;
/// a new record goes in.
fn assert_old_rows_intact(database: &Database, with_ip: bool) {
    assert_eq!(database.count().unwrap(), 3);
    let unlinked =
        |id: &str| -> Vec<StoredRecord> { database.history(id).unwrap().into_iter().map(|r| StoredRecord { chain: None, ..r }).collect() };
    assert_eq!(unlinked(ID_A), vec![OLD_ROWS[0].stored(with_ip), OLD_ROWS[1].stored(with_ip)]);
    assert_eq!(unlinked(ID_B), vec![OLD_ROWS[2].stored(with_ip)]);
    // Migration 3 chained the old rows in received order, and the chain verifies.
    let seqs = |id: &str| -> Vec<i64> { database.history(id).unwrap().iter().map(|r| r.chain.as_ref().unwrap().chain_seq).collect() };
    assert_eq!((seqs(ID_A), seqs(ID_B)), (vec![1, 2], vec![3]));
    let verdicts = database.verify_chain(None, &[]).unwrap();
    assert!(verdicts.len() == 1 && verdicts[0].broken.is_none() && verdicts[0].head_seq == 3, "{verdicts:?}");
    assert_eq!(database.sites().unwrap(), vec!["crumb-demo".to_owned()]);
    assert!(!database.insert(&OLD_ROWS[0].record(), "2026-11-30T00:00:00.000Z", None).unwrap(), "the unique key is kept");
    let new = serde_json::from_value(record(ID_B, "2026-11-30T12:00:00.000Z", "custom", true, false)).unwrap();
    assert!(database.insert(&new, "2026-11-30T12:00:00.100Z", Some("198.51.100.0")).unwrap());
    let history = database.history(ID_B).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].client_ip.as_deref(), Some("198.51.100.0"));
    assert_eq!(history[1].chain.as_ref().unwrap().chain_seq, 4, "new records continue the migrated chain");
    assert!(database.verify_chain(None, &[]).unwrap()[0].broken.is_none());
}

fn sqlite_migrations(path: &Path) -> Vec<(i64, String)> {
    let connection = rusqlite::Connection::open(path).unwrap();
    let mut statement = connection.prepare("SELECT version, name FROM schema_migrations ORDER BY version").unwrap();
    statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect()
}

fn postgres_migrations(scratch: &ScratchPostgres) -> Vec<(i64, String)> {
    let mut client = scratch.config.connect(postgres::NoTls).unwrap();
    let rows = client.query("SELECT version, name FROM schema_migrations ORDER BY version", &[]).unwrap();
    rows.iter().map(|row| (row.get(0), row.get(1))).collect()
}

fn all_migrations() -> Vec<(i64, String)> {
    vec![
        (1, "consent records".to_owned()),
        (2, "client ip and site index".to_owned()),
        (3, "hash chain per site".to_owned()),
        (4, "consent keys".to_owned()),
        (5, "statistics rollups".to_owned()),
        (6, "statistics by config version".to_owned()),
        (7, "admin tokens and sessions".to_owned()),
        (8, "hosted configs".to_owned()),
    ]
}

/// A table's columns and indexes, as its database describes them.
#[derive(Debug, PartialEq, Eq)]
struct Shape<Column, Index> {
    columns: Vec<Column>,
    indexes: Vec<Index>,
}

/// SQLite: (name, declared type, not null, part of the primary key).
type SqliteColumn = (String, String, bool, bool);
/// SQLite: (unique, columns).
type SqliteIndex = (bool, Vec<String>);
/// PostgreSQL: (name, type, nullable, default).
type PostgresColumn = (String, String, String, Option<String>);

/// Columns and indexes of `consent_records` in a SQLite file.
fn sqlite_shape(path: &Path) -> Shape<SqliteColumn, SqliteIndex> {
    let connection = rusqlite::Connection::open(path).unwrap();
    let mut columns = connection.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info('consent_records')").unwrap();
    let columns = columns
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get::<_, i64>(2)? == 1, row.get::<_, i64>(3)? > 0)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut indexes = connection.prepare("SELECT name, \"unique\" FROM pragma_index_list('consent_records') ORDER BY name").unwrap();
    let indexes: Vec<(String, bool)> =
        indexes.query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? == 1))).unwrap().map(Result::unwrap).collect();
    let indexes = indexes
        .into_iter()
        .map(|(name, unique)| {
            let mut columns = connection.prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno").unwrap();
            let columns = columns.query_map([&name], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
            (unique, columns)
        })
        .collect();
    Shape { columns, indexes }
}

/// Columns and index definitions of `consent_records` in PostgreSQL.
fn postgres_shape(scratch: &ScratchPostgres) -> Shape<PostgresColumn, String> {
    let mut client = scratch.config.connect(postgres::NoTls).unwrap();
    let columns = client
        .query(
            "SELECT column_name::text, data_type::text, is_nullable::text, column_default::text FROM information_schema.columns
             WHERE table_name = 'consent_records' ORDER BY ordinal_position",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
        .collect();
    let indexes = client.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'consent_records' ORDER BY indexname", &[]).unwrap();
    Shape { columns, indexes: indexes.iter().map(|row| row.get(0)).collect() }
}

#[test]
fn sqlite_file_of_the_issue5_server_upgrades_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consent.sqlite3");
    issue5_sqlite(&path);
    let database = Database::open_sqlite(&path).unwrap();
    assert_eq!(database.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(sqlite_migrations(&path), all_migrations(), "both recorded as applied");
    assert_old_rows_intact(&database, true);
    drop(database);
    let reopened = Database::open_sqlite(&path).unwrap();
    assert_eq!(reopened.migrate().unwrap(), Vec::<i64>::new());
    assert_eq!(reopened.count().unwrap(), 4);
}

#[test]
fn sqlite_file_of_the_first_server_gains_client_ip_and_the_site_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consent.sqlite3");
    first_sqlite(&path);
    let database = Database::open_sqlite(&path).unwrap();
    assert_eq!(sqlite_migrations(&path), all_migrations());
    assert_old_rows_intact(&database, false);
    let user_version: i64 = rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
    assert_eq!(user_version, SCHEMA_VERSION, "the version the servers before schema_migrations read");

    let issue5 = tempfile::tempdir().unwrap();
    issue5_sqlite(&issue5.path().join("consent.sqlite3"));
    drop(Database::open_sqlite(&issue5.path().join("consent.sqlite3")).unwrap());
    assert_eq!(sqlite_shape(&path), sqlite_shape(&issue5.path().join("consent.sqlite3")));
}

#[test]
fn new_sqlite_file_has_the_shape_of_an_upgraded_one() {
    let dir = tempfile::tempdir().unwrap();
    let (new, old) = (dir.path().join("new.sqlite3"), dir.path().join("old.sqlite3"));
    let database = Database::open_sqlite(&new).unwrap();
    assert_eq!(sqlite_migrations(&new), all_migrations());
    assert_eq!(database.migrate().unwrap(), Vec::<i64>::new(), "migrating again changes nothing");
    assert_eq!(sqlite_migrations(&new), all_migrations());
    issue5_sqlite(&old);
    drop(Database::open_sqlite(&old).unwrap());
    let shape = sqlite_shape(&new);
    assert_eq!(shape, sqlite_shape(&old), "a new file and an upgraded one have one shape");
    assert_eq!(shape.columns.len(), 11);
    assert_eq!(shape.indexes.len(), 4, "the unique key, the site index, the chain's unique key and the history index");
}

#[test]
fn postgres_database_of_the_issue5_server_upgrades_in_place() {
    let scratch = ScratchPostgres::create();
    issue5_postgres(&scratch);
    let database = Database::open_postgres_config(scratch.config.clone()).unwrap();
    assert_eq!(database.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(postgres_migrations(&scratch), all_migrations());
    assert_old_rows_intact(&database, true);
    drop(database);
    let reopened = Database::open_postgres_config(scratch.config.clone()).unwrap();
    assert_eq!(reopened.migrate().unwrap(), Vec::<i64>::new());
    assert_eq!(reopened.count().unwrap(), 4);
}

#[test]
fn new_postgres_database_has_the_shape_of_an_upgraded_one() {
    let (new, old) = (ScratchPostgres::create(), ScratchPostgres::create());
    let database = Database::open_postgres_config(new.config.clone()).unwrap();
    assert_eq!(database.migrate().unwrap(), Vec::<i64>::new(), "migrating again changes nothing");
    assert_eq!(postgres_migrations(&new), all_migrations());
    drop(database);
    issue5_postgres(&old);
    drop(Database::open_postgres_config(old.config.clone()).unwrap());
    let shape = postgres_shape(&new);
    assert_eq!(shape, postgres_shape(&old), "a new database and an upgraded one have one shape");
    assert_eq!(shape.columns.len(), 11);
    assert_eq!(shape.indexes.len(), 5, "the primary key, the unique key, the site index, the chain's unique key and the history index");
}

/// Six servers open one database at the same moment; each must open it and find it empty.
fn six_servers_open_together<E: std::fmt::Debug + Send + 'static>(open: impl Fn() -> Result<Database, E> + Clone + Send + 'static) {
    let opened: Vec<_> = (0..6)
        .map(|_| {
            let open = open.clone();
            std::thread::spawn(move || open().map(|database| database.count()))
        })
        .collect();
    for handle in opened {
        assert_eq!(handle.join().unwrap().unwrap().unwrap(), 0);
    }
}

#[test]
fn postgres_servers_starting_together_migrate_once() {
    let scratch = ScratchPostgres::create();
    let config = scratch.config.clone();
    six_servers_open_together(move || Database::open_postgres_config(config.clone()));
    assert_eq!(postgres_migrations(&scratch), all_migrations());
}

#[test]
fn sqlite_servers_starting_together_migrate_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consent.sqlite3");
    let file = path.clone();
    six_servers_open_together(move || Database::open_sqlite(&file));
    assert_eq!(sqlite_migrations(&path), all_migrations());
}

/// Migration 2 fails half way (its index name is taken): its ALTER is undone too, and nothing is
/// recorded, so the next start tries again from the same place.
#[test]
fn a_failed_sqlite_migration_leaves_nothing_half_done() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consent.sqlite3");
    first_sqlite(&path);
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection.execute_batch("CREATE TABLE other (x TEXT); CREATE INDEX consent_records_site_updated ON other (x);").unwrap();
    let Err(err) = Database::open_sqlite(&path) else { panic!("migration 2 should fail") };
    assert!(matches!(err, ServerError::Schema(_)), "{err}");
    assert!(err.to_string().contains("migration 2 (client ip and site index)"), "{err}");
    let client_ip: i64 = connection
        .query_row("SELECT count(*) FROM pragma_table_info('consent_records') WHERE name = 'client_ip'", [], |row| row.get(0))
        .unwrap();
    assert_eq!(client_ip, 0, "the ALTER was rolled back");
    let tables: i64 =
        connection.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'", [], |row| row.get(0)).unwrap();
    assert_eq!(tables, 0, "nothing recorded");
    connection.execute_batch("DROP TABLE other;").unwrap();
    let database = Database::open_sqlite(&path).unwrap();
    assert_old_rows_intact(&database, false);
}

#[test]
fn a_failed_postgres_migration_leaves_nothing_half_done() {
    let scratch = ScratchPostgres::create();
    let mut client = scratch.config.connect(postgres::NoTls).unwrap();
    client
        .batch_execute(
            "CREATE TABLE consent_records (id BIGSERIAL PRIMARY KEY, consent_id TEXT NOT NULL);
             CREATE TABLE other (x TEXT); CREATE INDEX consent_records_site_updated ON other (x);",
        )
        .unwrap();
    let Err(err) = Database::open_postgres_config(scratch.config.clone()) else { panic!("migration 2 should fail") };
    assert!(err.to_string().contains("migration 2 (client ip and site index)"), "{err}");
    let columns: i64 =
        client.query_one("SELECT count(*) FROM information_schema.columns WHERE table_name = 'consent_records'", &[]).unwrap().get(0);
    assert_eq!(columns, 2, "the ALTER was rolled back");
    let recorded: bool = client.query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[]).unwrap().get(0);
    assert!(!recorded, "nothing recorded");
}

#[test]
fn a_schema_from_a_newer_server_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consent.sqlite3");
    drop(Database::open_sqlite(&path).unwrap());
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, 'from the future', 'x')", [SCHEMA_VERSION + 1])
        .unwrap();
    let Err(err) = Database::open_sqlite(&path) else { panic!("a newer schema should be refused") };
    assert!(err.to_string().contains(&format!("schema version {}", SCHEMA_VERSION + 1)), "{err}");
}

/// Migration 3 chains a database's existing rows per site in received order (not in row order),
/// and the chains verify; new records continue them.
#[test]
fn migration_3_chains_existing_rows_in_received_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consent.sqlite3");
    issue5_sqlite(&path);
    let connection = rusqlite::Connection::open(&path).unwrap();
    // 1,500 more rows over two sites, inserted in an order unlike their receipt.
    for n in 0..1500i64 {
        let site = if n % 3 == 0 { "other-shop" } else { "crumb-demo" };
        let id = format!("cccccccc-0000-4000-8000-{n:012}");
        let received = (n * 7919) % 1500;
        let received_at = format!("2026-10-10T{:02}:{:02}:{:02}.000Z", received / 3600, received / 60 % 60, received % 60);
        let mut value = record(&id, "2026-10-10T00:00:00.000Z", "accept_all", true, true);
        value["site"] = site.into();
        connection
            .execute(
                "INSERT INTO consent_records (consent_id, site, action, updated_at, received_at, record) VALUES (?1, ?2, 'accept_all', ?3, ?4, ?5)",
                rusqlite::params![id, site, "2026-10-10T00:00:00.000Z", received_at, value.to_string()],
            )
            .unwrap();
    }
    drop(connection);
    let database = Database::open_sqlite(&path).unwrap();
    let verdicts = database.verify_chain(None, &[]).unwrap();
    let heads: Vec<(&str, i64, bool)> = verdicts.iter().map(|v| (v.site.as_str(), v.head_seq, v.broken.is_none())).collect();
    assert_eq!(heads, [("crumb-demo", 1003, true), ("other-shop", 500, true)]);
    let connection = rusqlite::Connection::open(&path).unwrap();
    let mut statement = connection.prepare("SELECT received_at FROM consent_records WHERE site = 'other-shop' ORDER BY chain_seq").unwrap();
    let received: Vec<String> = statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
    assert!(received.windows(2).all(|w| w[0] <= w[1]), "chained in received order");
    let new = serde_json::from_value(record(ID_B, "2026-11-30T12:00:00.000Z", "custom", true, false)).unwrap();
    assert_eq!(database.insert_linked(&new, "2026-11-30T12:00:00.100Z", None).unwrap().unwrap().chain_seq, 1004);
    assert!(database.verify_chain(None, &[]).unwrap().iter().all(|v| v.broken.is_none()));
}

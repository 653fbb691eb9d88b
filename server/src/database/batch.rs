//! Linking and inserting records, in groups.
//!
//! Every insert of a site holds that site's chain head until its transaction commits, and a
//! commit waits for its flush (PostgreSQL's WAL flush, SQLite's fsync with `synchronous=FULL`).
//! One record per transaction would let a site take only as many records a second as there are
//! flushes: on PostgreSQL about 480 here against about 2,000 without the chain. So each server
//! hands its records to one writer thread, which takes what has queued meanwhile (up to
//! [`MAX_BATCH`]) and stores them in one transaction: one head lock and one flush for the group
//! (group commit). Each caller gets its answer only after that commit, so a 2xx still means
//! "durably stored". Two servers on one database still serialise per site (PostgreSQL: the head
//! row's lock, taken in site order so two groups never deadlock; SQLite: the write lock).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::chain::{self, ChainLink, LinkedColumns};
use super::session::{Param, Session};
use super::sql::{self, Dialect};
use super::Pool;
use crate::ServerError;

/// The most records one transaction stores.
pub(crate) const MAX_BATCH: usize = 256;

/// A record ready to store: every column but its link.
#[derive(Debug, Clone)]
pub(crate) struct PendingRow {
    pub consent_id: String,
    pub site: String,
    pub action: &'static str,
    pub updated_at: String,
    pub received_at: String,
    pub json: String,
    pub client_ip: Option<String>,
}

/// Inside an open write transaction: for each site (in name order), reads and locks its head,
/// links and inserts its rows in the order given, and moves the head. A duplicate (same
/// consent id and `updated_at`) is None and does not move the chain. Results in input order.
pub(crate) fn insert_rows(
    session: &mut Session<'_>,
    dialect: Dialect,
    rows: &[&PendingRow],
) -> Result<Vec<Option<ChainLink>>, ServerError> {
    let mut by_site: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        by_site.entry(row.site.as_str()).or_default().push(index);
    }
    let mut results = vec![None; rows.len()];
    for (site, indexes) in by_site {
        let mut head: Option<(i64, String)> = None;
        session.for_each(dialect.head_for_insert(), &[&site, &chain::GENESIS], &mut |row| {
            head = Some((row.get(0)?, row.get(1)?));
            Ok(false)
        })?;
        // No head yet (SQLite, a site's first record): the chain starts at the genesis hash.
        let (mut seq, mut hash) = head.unwrap_or_else(|| (0, chain::GENESIS.to_owned()));
        let start = seq;
        for index in indexes {
            let row = rows[index];
            let next = seq + 1;
            let columns = LinkedColumns {
                seq: next,
                consent_id: &row.consent_id,
                site: &row.site,
                action: row.action,
                updated_at: &row.updated_at,
                received_at: &row.received_at,
                record: &row.json,
                client_ip: row.client_ip.as_deref(),
            };
            let next_hash = chain::link_hash(&hash, &columns);
            let params: [&dyn Param; 10] = [
                &row.consent_id,
                &row.site,
                &row.action,
                &row.updated_at,
                &row.received_at,
                &row.json,
                &row.client_ip,
                &next,
                &hash,
                &next_hash,
            ];
            if session.execute(sql::INSERT_RECORD, &params)? == 1 {
                let prev_hash = std::mem::replace(&mut hash, next_hash);
                results[index] = Some(ChainLink { chain_seq: next, prev_hash, hash: hash.clone() });
                seq = next;
            }
        }
        if seq != start {
            session.execute(sql::SET_HEAD, &[&site, &seq, &hash, &chain::GENESIS])?;
        }
    }
    Ok(results)
}

type Reply = mpsc::SyncSender<Result<Option<ChainLink>, String>>;

/// Where a writer stores its groups.
pub(crate) enum Target {
    /// The pool's connections.
    Postgres(Pool),
    /// A write connection of the writer's own to this SQLite file (the server's other connection
    /// runs migrations, retention and reads; SQLite's write lock orders them).
    Sqlite(PathBuf),
}

/// A writer thread and the way to it.
pub(crate) struct Batcher {
    /// Always Some until dropped: dropping it ends the thread.
    jobs: Option<mpsc::Sender<(PendingRow, Reply)>>,
    thread: Option<JoinHandle<()>>,
}

impl Batcher {
    pub(crate) fn start(target: Target) -> Result<Batcher, ServerError> {
        let (jobs, queue) = mpsc::channel::<(PendingRow, Reply)>();
        let thread = std::thread::Builder::new()
            .name("crumb-writer".to_owned())
            .spawn(move || writer(&target, &queue))
            .map_err(|e| ServerError::Serve(format!("cannot start the database writer: {e}")))?;
        Ok(Batcher { jobs: Some(jobs), thread: Some(thread) })
    }

    /// Stores `row` with the next group; blocks until that group's transaction has committed.
    pub(crate) fn insert(&self, row: PendingRow) -> Result<Option<ChainLink>, ServerError> {
        let gone = || ServerError::Serve("the database writer has stopped".to_owned());
        let (reply, answer) = mpsc::sync_channel(1);
        self.jobs.as_ref().ok_or_else(gone)?.send((row, reply)).map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?.map_err(|message| ServerError::Serve(format!("storing a record: {message}")))
    }
}

impl Drop for Batcher {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The writer's connection: PostgreSQL's pool, or a SQLite connection opened on first use (and
/// again after a failure).
struct Writer<'t> {
    target: &'t Target,
    sqlite: Option<rusqlite::Connection>,
}

/// Takes a record, then whatever else has queued (up to [`MAX_BATCH`]), and stores them in one
/// transaction; ends when every sender is gone.
fn writer(target: &Target, queue: &mpsc::Receiver<(PendingRow, Reply)>) {
    let mut writer = Writer { target, sqlite: None };
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let rows: Vec<&PendingRow> = batch.iter().map(|(row, _)| row).collect();
        match writer.store(&rows) {
            Ok(results) => {
                for ((_, reply), result) in batch.iter().zip(results) {
                    let _ = reply.send(Ok(result));
                }
            }
            // One bad record must not fail the others: each is tried alone.
            Err(_) if batch.len() > 1 => {
                for (row, reply) in &batch {
                    let result = writer.store(&[row]).map(|mut results| results.pop().flatten());
                    let _ = reply.send(result.map_err(|e| e.to_string()));
                }
            }
            Err(err) => {
                for (_, reply) in &batch {
                    let _ = reply.send(Err(err.to_string()));
                }
            }
        }
    }
}

impl Writer<'_> {
    /// One transaction storing `rows`.
    fn store(&mut self, rows: &[&PendingRow]) -> Result<Vec<Option<ChainLink>>, ServerError> {
        match self.target {
            Target::Postgres(pool) => {
                let mut client = pool.get()?;
                in_transaction(&mut Session::Postgres(&mut client), Dialect::Postgres, rows)
            }
            Target::Sqlite(path) => {
                let connection = match self.sqlite.take() {
                    Some(connection) => connection,
                    None => open_sqlite_writer(path)?,
                };
                let result = in_transaction(&mut Session::Sqlite(&connection), Dialect::Sqlite, rows);
                // A connection that failed is opened afresh next time.
                if result.is_ok() {
                    self.sqlite = Some(connection);
                }
                result
            }
        }
    }
}

/// The writer's SQLite connection: the settings `Database::open_sqlite` gives its own
/// (`synchronous` is per connection: FULL, so a 2xx survives a power loss).
fn open_sqlite_writer(path: &std::path::Path) -> Result<rusqlite::Connection, ServerError> {
    let connection = rusqlite::Connection::open(path)?;
    connection.busy_timeout(Duration::from_secs(5))?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    Ok(connection)
}

fn in_transaction(session: &mut Session<'_>, dialect: Dialect, rows: &[&PendingRow]) -> Result<Vec<Option<ChainLink>>, ServerError> {
    session.batch(dialect.begin_write())?;
    match insert_rows(session, dialect, rows) {
        Ok(results) => match session.batch("COMMIT") {
            Ok(()) => Ok(results),
            Err(err) => {
                let _ = session.batch("ROLLBACK");
                Err(err)
            }
        },
        Err(err) => {
            let _ = session.batch("ROLLBACK");
            Err(err)
        }
    }
}

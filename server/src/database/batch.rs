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
        let (start, start_hash) = head.unwrap_or_else(|| (0, chain::GENESIS.to_owned()));
        // Fast path: link every row as if none were a duplicate and insert them all in one
        // statement (one round trip, not one per row). If any was a duplicate the count falls
        // short: undo to the savepoint and go row by row, skipping the duplicates.
        let links = link_all(rows, &indexes, start, &start_hash);
        let mut params: Vec<&dyn Param> = Vec::with_capacity(indexes.len() * 10);
        for (&index, (seq, prev_hash, hash)) in indexes.iter().zip(&links) {
            params.extend(row_params(rows[index], seq, prev_hash, hash));
        }
        session.batch("SAVEPOINT crumb_group")?;
        let (seq, hash) = if session.execute(&insert_many(indexes.len()), &params)? == indexes.len() as u64 {
            for (&index, (seq, prev_hash, hash)) in indexes.iter().zip(&links) {
                results[index] = Some(ChainLink { chain_seq: *seq, prev_hash: prev_hash.clone(), hash: hash.clone() });
            }
            links.last().map_or((start, start_hash), |(seq, _, hash)| (*seq, hash.clone()))
        } else {
            session.batch("ROLLBACK TO SAVEPOINT crumb_group")?;
            one_by_one(session, rows, &indexes, (start, start_hash), &mut results)?
        };
        if seq != start {
            session.execute(sql::SET_HEAD, &[&site, &seq, &hash, &chain::GENESIS])?;
        }
    }
    Ok(results)
}

/// Each row's (seq, prev_hash, hash) after `head`, in order, none skipped.
fn link_all(rows: &[&PendingRow], indexes: &[usize], seq: i64, hash: &str) -> Vec<(i64, String, String)> {
    let mut links: Vec<(i64, String, String)> = Vec::with_capacity(indexes.len());
    let (mut seq, mut hash) = (seq, hash.to_owned());
    for &index in indexes {
        let next = seq + 1;
        let next_hash = chain::link_hash(&hash, &columns(rows[index], next));
        links.push((next, std::mem::replace(&mut hash, next_hash.clone()), next_hash));
        seq = next;
    }
    links
}

/// The columns of `row` as the hash covers them at `seq`.
fn columns(row: &PendingRow, seq: i64) -> LinkedColumns<'_> {
    LinkedColumns {
        seq,
        consent_id: &row.consent_id,
        site: &row.site,
        action: row.action,
        updated_at: &row.updated_at,
        received_at: &row.received_at,
        record: &row.json,
        client_ip: row.client_ip.as_deref(),
    }
}

/// The ten values of [`sql::INSERT_RECORD`] for `row` linked at `seq`.
fn row_params<'a>(row: &'a PendingRow, seq: &'a i64, prev_hash: &'a String, hash: &'a String) -> [&'a dyn Param; 10] {
    [&row.consent_id, &row.site, &row.action, &row.updated_at, &row.received_at, &row.json, &row.client_ip, seq, prev_hash, hash]
}

/// [`sql::INSERT_RECORD`] for `count` rows in one statement.
fn insert_many(count: usize) -> String {
    let mut text = String::from(
        "INSERT INTO consent_records (consent_id, site, action, updated_at, received_at, record, client_ip, chain_seq, prev_hash, hash) VALUES ",
    );
    for row in 0..count {
        if row > 0 {
            text.push_str(", ");
        }
        text.push('(');
        for column in 0..10 {
            if column > 0 {
                text.push_str(", ");
            }
            text.push_str(&format!("${}", row * 10 + column + 1));
        }
        text.push(')');
    }
    text.push_str(" ON CONFLICT (consent_id, updated_at) DO NOTHING");
    text
}

/// The slow path: one row at a time, a duplicate skipped (None) without moving the chain.
/// Returns the new head.
fn one_by_one(
    session: &mut Session<'_>,
    rows: &[&PendingRow],
    indexes: &[usize],
    head: (i64, String),
    results: &mut [Option<ChainLink>],
) -> Result<(i64, String), ServerError> {
    let (mut seq, mut hash) = head;
    for &index in indexes {
        let next = seq + 1;
        let next_hash = chain::link_hash(&hash, &columns(rows[index], next));
        if session.execute(sql::INSERT_RECORD, &row_params(rows[index], &next, &hash, &next_hash))? == 1 {
            let prev_hash = std::mem::replace(&mut hash, next_hash);
            results[index] = Some(ChainLink { chain_seq: next, prev_hash, hash: hash.clone() });
            seq = next;
        }
    }
    Ok((seq, hash))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::database::sql::MIGRATIONS;

    fn row(consent_id: &str, site: &str) -> PendingRow {
        PendingRow {
            consent_id: consent_id.to_owned(),
            site: site.to_owned(),
            action: "accept_all",
            updated_at: "2026-11-20T10:00:00.000Z".to_owned(),
            received_at: "2026-11-20T10:00:00.100Z".to_owned(),
            json: "{}".to_owned(),
            client_ip: None,
        }
    }

    /// A group with a duplicate inside it and one of a stored record: the one-statement insert
    /// falls short, is undone, and the rows go one by one; the duplicates do not move the chain.
    #[test]
    fn duplicates_in_a_group_are_skipped_and_the_chain_stays_whole() {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        for migration in MIGRATIONS {
            connection.execute_batch(&Dialect::Sqlite.migration_sql(migration)).unwrap();
        }
        let mut session = Session::Sqlite(&connection);
        let stored = row("aaaaaaaa-1", "shop");
        assert_eq!(in_transaction(&mut session, Dialect::Sqlite, &[&stored]).unwrap()[0].as_ref().unwrap().chain_seq, 1);
        let (a, b, other) = (row("aaaaaaaa-2", "shop"), row("aaaaaaaa-3", "shop"), row("aaaaaaaa-4", "blog"));
        let group = [&a, &stored, &b, &a, &other];
        let results = in_transaction(&mut session, Dialect::Sqlite, &group).unwrap();
        let seqs: Vec<Option<i64>> = results.iter().map(|r| r.as_ref().map(|l| l.chain_seq)).collect();
        assert_eq!(seqs, [Some(2), None, Some(3), None, Some(1)]);
        let (two, three) = (results[0].as_ref().unwrap(), results[2].as_ref().unwrap());
        assert_eq!(three.prev_hash, two.hash);
        assert_eq!(three.hash, chain::link_hash(&two.hash, &columns(&b, 3)));
        let head: (i64, String) =
            connection.query_row("SELECT seq, hash FROM chain_heads WHERE site = 'shop'", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(head, (3, three.hash.clone()));
        // Without duplicates, one statement stores the group.
        let (c, d) = (row("aaaaaaaa-5", "shop"), row("aaaaaaaa-6", "shop"));
        let results = in_transaction(&mut session, Dialect::Sqlite, &[&c, &d]).unwrap();
        assert_eq!(results[1].as_ref().unwrap().prev_hash, results[0].as_ref().unwrap().hash);
        assert_eq!(results[0].as_ref().unwrap().prev_hash, three.hash);
    }
}

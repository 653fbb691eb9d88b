//! `crumb-server backup`: a consistent copy of a SQLite database, taken while a server keeps
//! writing to it, checked before it is kept. PostgreSQL has `pg_dump` for that (docs/deploy.md).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::sql;
use crate::ServerError;

/// What [`backup_sqlite`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Records in the backup.
    pub records: u64,
    /// The newest migration the backup has (a server of at least this schema reads it).
    pub schema_version: i64,
    /// Size of the backup file in bytes.
    pub bytes: u64,
}

/// Writes a copy of the SQLite database at `database` to `to`, a file that must not exist yet.
///
/// The copy is one read transaction (`VACUUM INTO`): every record committed before it started is
/// in it, none half written, whatever the server does meanwhile, and the server's writes are not
/// held up (WAL). It is written under a temporary name, readable by its owner only (`create_owner_only`), checked
/// (`PRAGMA integrity_check`, the records counted) and only then given its name, so a file at
/// `to` is always a whole, checked backup.
pub fn backup_sqlite(database: &Path, to: &Path) -> Result<BackupReport, ServerError> {
    if !database.is_file() {
        let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "no SQLite database here to back up");
        return Err(ServerError::io(database, missing));
    }
    if to.exists() {
        let exists = std::io::Error::new(std::io::ErrorKind::AlreadyExists, "exists already; a backup never overwrites a file");
        return Err(ServerError::io(to, exists));
    }
    let Some(target) = to.to_str() else {
        return Err(ServerError::Usage(format!("the backup path {} is not valid UTF-8", to.display())));
    };
    let partial = PathBuf::from(format!("{target}.partial"));
    // A partial file left by an interrupted run is ours to replace (it was never a backup).
    match fs::remove_file(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(ServerError::io(&partial, e)),
        _ => {}
    }
    if let Err(err) = copy_and_check(database, &partial) {
        let _ = fs::remove_file(&partial);
        return Err(err);
    }
    let (records, schema_version) = match read_back(&partial) {
        Ok(read) => read,
        Err(err) => {
            let _ = fs::remove_file(&partial);
            return Err(err);
        }
    };
    // `rename` would replace a file created at `to` meanwhile; a hard link refuses to.
    fs::hard_link(&partial, to).map_err(|e| ServerError::io(to, e))?;
    let _ = fs::remove_file(&partial);
    let bytes = fs::metadata(to).map_err(|e| ServerError::io(to, e))?.len();
    Ok(BackupReport { path: to.to_path_buf(), records, schema_version, bytes })
}

fn copy_and_check(database: &Path, partial: &Path) -> Result<(), ServerError> {
    super::create_owner_only(partial).map_err(|e| ServerError::io(partial, e))?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let source = Connection::open_with_flags(database, flags)?;
    source.busy_timeout(Duration::from_secs(30))?;
    let target = partial.to_str().ok_or_else(|| ServerError::Usage("the backup path is not valid UTF-8".to_owned()))?;
    // VACUUM INTO wants a file that does not exist or is empty: ours is empty, and already
    // carries owner-only permissions, which SQLite keeps.
    source.execute("VACUUM INTO ?1", [target])?;
    Ok(())
}

fn read_back(path: &Path) -> Result<(u64, i64), ServerError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let copy = Connection::open_with_flags(path, flags)?;
    let check: String = copy.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    if check != "ok" {
        return Err(ServerError::Schema(format!("the backup failed its integrity check: {check}")));
    }
    let records: i64 = copy.query_row(sql::COUNT, [], |row| row.get(0))?;
    let versions = copy.prepare(sql::APPLIED_MIGRATIONS)?.query_map([], |row| row.get::<_, i64>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok((u64::try_from(records).unwrap_or(0), versions.into_iter().max().unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;

    #[test]
    fn refuses_to_overwrite_or_to_copy_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = backup_sqlite(&dir.path().join("none.sqlite3"), &dir.path().join("b.sqlite3")).unwrap_err();
        assert!(missing.to_string().contains("no SQLite database here"), "{missing}");
        let db = dir.path().join("c.sqlite3");
        drop(Database::open_sqlite(&db).unwrap());
        let taken = dir.path().join("taken");
        fs::write(&taken, "mine").unwrap();
        let err = backup_sqlite(&db, &taken).unwrap_err();
        assert!(err.to_string().contains("never overwrites"), "{err}");
        assert_eq!(fs::read_to_string(&taken).unwrap(), "mine");
    }
}

//! Bringing a database's schema up to date: the migrations of [`sql::MIGRATIONS`] it lacks, in
//! one transaction, recorded in `schema_migrations`.

use crumb_core::time::to_rfc3339;

use super::session::Session;
use super::sql::{self, Dialect, Migration, MIGRATIONS, SCHEMA_VERSION};
use super::Database;
use crate::ServerError;

impl Database {
    /// Applies the migrations this database lacks, oldest first, and records each; returns the
    /// versions applied now (none when it was up to date). All or nothing: one transaction, in
    /// which a second server starting on the same database waits its turn. Every `open` calls it.
    ///
    /// A database created before `schema_migrations` existed is recognised by its columns and
    /// its migrations recorded as applied, so it upgrades in place. A database migrated by a
    /// newer server (a version this one does not know) is refused.
    pub fn migrate(&self) -> Result<Vec<i64>, ServerError> {
        let dialect = self.dialect();
        self.session(|session| {
            session.batch(&dialect.begin_migration())?;
            match migrate_in_transaction(session, dialect) {
                Ok(applied) => {
                    session.batch("COMMIT")?;
                    Ok(applied)
                }
                Err(err) => {
                    // The original error is the one worth reporting; the rollback ends the
                    // transaction (and on PostgreSQL releases the lock) whatever went wrong.
                    let _ = session.batch("ROLLBACK");
                    Err(err)
                }
            }
        })
    }

    /// The newest migration applied (0 for a database that has none).
    pub fn schema_version(&self) -> Result<i64, ServerError> {
        let applied = self.session(|session| session.column::<i64>(sql::APPLIED_MIGRATIONS, &[]))?;
        Ok(applied.last().copied().unwrap_or(0))
    }
}

fn migrate_in_transaction(session: &mut Session<'_>, dialect: Dialect) -> Result<Vec<i64>, ServerError> {
    session.batch(sql::CREATE_MIGRATIONS_TABLE)?;
    let mut applied: Vec<i64> = session.column(sql::APPLIED_MIGRATIONS, &[])?;
    let now = to_rfc3339(crate::now_ms());
    if applied.is_empty() {
        let legacy = legacy_version(session, dialect)?;
        for migration in MIGRATIONS.iter().filter(|m| m.version <= legacy) {
            record(session, migration, &now)?;
            applied.push(migration.version);
        }
    }
    if let Some(unknown) = applied.iter().find(|v| !MIGRATIONS.iter().any(|m| m.version == **v)) {
        return Err(ServerError::Schema(format!(
            "the database has schema version {unknown}, which this crumb-server (version {SCHEMA_VERSION}) does not know: \
             run the newer crumb-server that migrated it"
        )));
    }
    let mut now_applied = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        session
            .batch(&dialect.migration_sql(migration))
            .map_err(|err| ServerError::Schema(format!("migration {} ({}): {err}", migration.version, migration.name)))?;
        if let Some(after) = migration.after {
            after(session).map_err(|err| ServerError::Schema(format!("migration {} ({}): {err}", migration.version, migration.name)))?;
        }
        record(session, migration, &now)?;
        now_applied.push(migration.version);
    }
    if let Some(statement) = dialect.after_migrations(SCHEMA_VERSION).filter(|_| !now_applied.is_empty()) {
        session.batch(&statement)?;
    }
    Ok(now_applied)
}

fn record(session: &mut Session<'_>, migration: &Migration, now: &str) -> Result<(), ServerError> {
    session.execute(sql::RECORD_MIGRATION, &[&migration.version, &migration.name, &now])?;
    Ok(())
}

/// How far a database created before `schema_migrations` got: 0 (nothing: a new database),
/// 1 (the first server's table) or 2 (`client_ip` added, as every server since issue 5 and
/// every PostgreSQL database created it).
fn legacy_version(session: &mut Session<'_>, dialect: Dialect) -> Result<i64, ServerError> {
    let mut has_column = |column: &str| -> Result<bool, ServerError> {
        Ok(session.value::<i64>(dialect.column_exists(), &[&"consent_records", &column])? > 0)
    };
    Ok(if has_column("client_ip")? {
        2
    } else if has_column("id")? {
        1
    } else {
        0
    })
}

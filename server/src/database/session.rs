//! One connection to either database, borrowed for a few statements: what lets the records and
//! the migrations run the same SQL text on SQLite and PostgreSQL.

use postgres::fallible_iterator::FallibleIterator;

use crate::ServerError;

/// A value bound to a `$n` parameter: anything both drivers can send (text, optional text,
/// integers).
pub(crate) trait Param: Sync {
    fn sqlite(&self) -> &dyn rusqlite::ToSql;
    fn postgres(&self) -> &(dyn postgres::types::ToSql + Sync);
}

impl<T: rusqlite::ToSql + postgres::types::ToSql + Sync> Param for T {
    fn sqlite(&self) -> &dyn rusqlite::ToSql {
        self
    }

    fn postgres(&self) -> &(dyn postgres::types::ToSql + Sync) {
        self
    }
}

/// A column value both drivers can read (`String`, `Option<String>`, `i64`).
pub(crate) trait Column: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a> {}

impl<T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>> Column for T {}

/// A row of a query's result.
pub(crate) enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// The value of column `index` (from 0).
    pub(crate) fn get<T: Column>(&self, index: usize) -> Result<T, ServerError> {
        match self {
            Row::Sqlite(row) => Ok(row.get(index)?),
            Row::Postgres(row) => Ok(row.try_get(index)?),
        }
    }
}

/// A connection of either database.
pub(crate) enum Session<'c> {
    Sqlite(&'c rusqlite::Connection),
    Postgres(&'c mut postgres::Client),
}

impl Session<'_> {
    /// Runs one statement; returns how many rows it changed.
    pub(crate) fn execute(&mut self, sql: &str, params: &[&dyn Param]) -> Result<u64, ServerError> {
        match self {
            Session::Sqlite(connection) => {
                let values: Vec<&dyn rusqlite::ToSql> = params.iter().map(|p| p.sqlite()).collect();
                let changed = connection.prepare_cached(sql)?.execute(values.as_slice())?;
                Ok(u64::try_from(changed).unwrap_or(u64::MAX))
            }
            Session::Postgres(client) => {
                let values: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| p.postgres()).collect();
                Ok(client.execute(sql, &values)?)
            }
        }
    }

    /// Whether a transaction is open on this connection.
    pub(crate) fn in_transaction(&mut self) -> bool {
        match self {
            Session::Sqlite(connection) => !connection.is_autocommit(),
            // A pooled PostgreSQL connection is never handed out mid-transaction: every
            // transaction here ends in COMMIT or ROLLBACK before the closure returns.
            Session::Postgres(_) => false,
        }
    }

    /// Runs statements without parameters, separated by `;`.
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), ServerError> {
        match self {
            Session::Sqlite(connection) => Ok(connection.execute_batch(sql)?),
            Session::Postgres(client) => Ok(client.batch_execute(sql)?),
        }
    }

    /// Hands the rows of a query to `on_row` as they come (never all in memory); stops early when
    /// it returns false.
    pub(crate) fn for_each(
        &mut self,
        sql: &str,
        params: &[&dyn Param],
        on_row: &mut dyn FnMut(&Row<'_>) -> Result<bool, ServerError>,
    ) -> Result<(), ServerError> {
        match self {
            Session::Sqlite(connection) => {
                let values: Vec<&dyn rusqlite::ToSql> = params.iter().map(|p| p.sqlite()).collect();
                let mut statement = connection.prepare_cached(sql)?;
                let mut rows = statement.query(values.as_slice())?;
                while let Some(row) = rows.next()? {
                    if !on_row(&Row::Sqlite(row))? {
                        break;
                    }
                }
            }
            Session::Postgres(client) => {
                let mut rows = client.query_raw(sql, params.iter().map(|p| p.postgres()))?;
                while let Some(row) = rows.next()? {
                    if !on_row(&Row::Postgres(&row))? {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Column 0 of every row.
    pub(crate) fn column<T: Column>(&mut self, sql: &str, params: &[&dyn Param]) -> Result<Vec<T>, ServerError> {
        let mut values = Vec::new();
        self.for_each(sql, params, &mut |row| {
            values.push(row.get(0)?);
            Ok(true)
        })?;
        Ok(values)
    }

    /// Column 0 of the first row (a count, a version).
    pub(crate) fn value<T: Column>(&mut self, sql: &str, params: &[&dyn Param]) -> Result<T, ServerError> {
        let mut value = None;
        self.for_each(sql, params, &mut |row| {
            value = Some(row.get(0)?);
            Ok(false)
        })?;
        value.ok_or_else(|| ServerError::Schema(format!("no row from `{}`", sql.trim())))
    }
}

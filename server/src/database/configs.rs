//! Hosted configs (issue 13): each site's published versions and each caller's draft, in the
//! tables of the "hosted configs" migration. The JSON itself is handled by `api::configs`; here it
//! is text.
//!
//! Publishing is safe with several servers on one database: a new version is the latest + 1,
//! inserted only when the caller's base is still the latest, and the primary key (site, version)
//! refuses a second row with the same number ([`INSERT_VERSION`] does nothing then), so of two
//! publishes from one base exactly one lands and the other is told it is stale.

use super::session::{Row, Session};
use super::Database;
use crate::ServerError;

/// One published version of a site's config, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigVersion {
    pub site: String,
    /// 1, 2, … per site.
    pub version: i64,
    /// The config's JSON text as published (without `config_version`).
    pub config: String,
    /// The config's `revision` (a copy, for the versions list).
    pub revision: i64,
    /// RFC 3339 UTC.
    pub published_at: String,
    /// The caller's name (`admin` for `--admin-token`).
    pub published_by: String,
    pub note: String,
    /// The version that was the latest when it was published (0: none).
    pub based_on: i64,
    /// Whether this publish asked every visitor again.
    pub renewal: bool,
    /// What the banner said, per offered language, when it was published (JSON written by
    /// `crate::shown::snapshot`; empty in the versions list).
    pub shown: String,
}

/// A caller's draft of a site's config: any JSON text, maybe an invalid config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDraft {
    pub site: String,
    /// The caller's name.
    pub author: String,
    pub config: String,
    /// The version the draft started from (0: none).
    pub based_on: i64,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// What became of a publish (or a rollback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Stored as this version.
    Stored(ConfigVersion),
    /// Refused: the caller's base is not the latest version (0: nothing published), or another
    /// server published the same number first.
    Stale { latest: i64 },
}

/// Site `$1`'s latest version number (no row when nothing is published).
pub const LATEST_NUMBER: &str = "SELECT version FROM site_configs WHERE site = $1 ORDER BY version DESC LIMIT 1";
/// Site `$1`'s version `$2`, every column.
pub const VERSION: &str = "
SELECT site, version, config, revision, published_at, published_by, note, based_on, renewal, shown
FROM site_configs WHERE site = $1 AND version = $2";
/// Site `$1`'s versions, newest first, every column but the config (a list of many versions need
/// not carry every config): its place holds an empty text.
pub const VERSIONS: &str = "
SELECT site, version, '' AS config, revision, published_at, published_by, note, based_on, renewal, '' AS shown
FROM site_configs WHERE site = $1 ORDER BY version DESC";
/// Every site's latest version: site, version, published_at.
pub const LATEST_PER_SITE: &str = "
SELECT c.site, c.version, c.published_at FROM site_configs c
JOIN (SELECT site, max(version) AS version FROM site_configs GROUP BY site) m ON c.site = m.site AND c.version = m.version";
/// Inserts a version unless one with the same site and number is there (then changes nothing).
pub const INSERT_VERSION: &str = "
INSERT INTO site_configs (site, version, config, revision, published_at, published_by, note, based_on, renewal, shown)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (site, version) DO NOTHING";
/// Caller `$2`'s draft of site `$1`: site, author, config, based_on, updated_at.
pub const DRAFT: &str = "SELECT site, author, config, based_on, updated_at FROM config_drafts WHERE site = $1 AND author = $2";
/// Saves (replaces) a draft.
pub const SAVE_DRAFT: &str = "
INSERT INTO config_drafts (site, author, config, based_on, updated_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (site, author) DO UPDATE SET config = excluded.config, based_on = excluded.based_on, updated_at = excluded.updated_at";
/// Deletes caller `$2`'s draft of site `$1` if it still holds the text `$3` that was published (a
/// draft saved meanwhile from another tab stays).
pub const DELETE_PUBLISHED_DRAFT: &str = "DELETE FROM config_drafts WHERE site = $1 AND author = $2 AND config = $3";

fn version_of(row: &Row<'_>) -> Result<ConfigVersion, ServerError> {
    Ok(ConfigVersion {
        site: row.get(0)?,
        version: row.get(1)?,
        config: row.get(2)?,
        revision: row.get(3)?,
        published_at: row.get(4)?,
        published_by: row.get(5)?,
        note: row.get(6)?,
        based_on: row.get(7)?,
        renewal: row.get::<i64>(8)? != 0,
        shown: row.get(9)?,
    })
}

fn latest_number(session: &mut Session<'_>, site: &str) -> Result<i64, ServerError> {
    Ok(session.column::<i64>(LATEST_NUMBER, &[&site])?.into_iter().next().unwrap_or(0))
}

impl Database {
    /// Site `site`'s latest version number; 0 when nothing is published.
    pub fn latest_config_number(&self, site: &str) -> Result<i64, ServerError> {
        self.session(|session| latest_number(session, site))
    }

    /// Site `site`'s version `version`, if there is one.
    pub fn config_version(&self, site: &str, version: i64) -> Result<Option<ConfigVersion>, ServerError> {
        self.session(|session| {
            let mut found = None;
            session.for_each(VERSION, &[&site, &version], &mut |row| {
                found = Some(version_of(row)?);
                Ok(false)
            })?;
            Ok(found)
        })
    }

    /// Site `site`'s latest version, if any is published.
    pub fn latest_config(&self, site: &str) -> Result<Option<ConfigVersion>, ServerError> {
        match self.latest_config_number(site)? {
            0 => Ok(None),
            latest => self.config_version(site, latest),
        }
    }

    /// Site `site`'s versions, newest first, without their configs (`config` is empty: read one
    /// with [`Database::config_version`]).
    pub fn config_versions(&self, site: &str) -> Result<Vec<ConfigVersion>, ServerError> {
        self.session(|session| {
            let mut versions = Vec::new();
            session.for_each(VERSIONS, &[&site], &mut |row| {
                versions.push(version_of(row)?);
                Ok(true)
            })?;
            Ok(versions)
        })
    }

    /// Every site's latest version number and when it was published.
    pub fn latest_configs(&self) -> Result<Vec<(String, i64, String)>, ServerError> {
        self.session(|session| {
            let mut latest = Vec::new();
            session.for_each(LATEST_PER_SITE, &[], &mut |row| {
                latest.push((row.get(0)?, row.get(1)?, row.get(2)?));
                Ok(true)
            })?;
            Ok(latest)
        })
    }

    /// Caller `author`'s draft of `site`, if saved.
    pub fn config_draft(&self, site: &str, author: &str) -> Result<Option<ConfigDraft>, ServerError> {
        self.session(|session| {
            let mut found = None;
            session.for_each(DRAFT, &[&site, &author], &mut |row| {
                found = Some(ConfigDraft {
                    site: row.get(0)?,
                    author: row.get(1)?,
                    config: row.get(2)?,
                    based_on: row.get(3)?,
                    updated_at: row.get(4)?,
                });
                Ok(false)
            })?;
            Ok(found)
        })
    }

    /// Saves a draft, replacing the caller's previous one of that site.
    pub fn save_config_draft(&self, draft: &ConfigDraft) -> Result<(), ServerError> {
        self.session(|session| {
            session.execute(SAVE_DRAFT, &[&draft.site, &draft.author, &draft.config, &draft.based_on, &draft.updated_at])?;
            Ok(())
        })
    }

    /// Publishes `version` (its `version` number must be `based_on + 1`, `version.based_on` the
    /// base) in one transaction: refused as [`Published::Stale`] when the site's latest version is
    /// not `based_on`, or when another server inserted that number first (the primary key). When
    /// stored, deletes the published draft (`draft`: its author and its text as saved) unless it
    /// was saved again meanwhile.
    pub fn publish_config(&self, version: &ConfigVersion, draft: Option<(&str, &str)>) -> Result<Published, ServerError> {
        self.write_transaction(|session| {
            let latest = latest_number(session, &version.site)?;
            if latest != version.based_on || version.version != latest + 1 {
                return Ok((Published::Stale { latest }, false));
            }
            let renewal = i64::from(version.renewal);
            let inserted = session.execute(
                INSERT_VERSION,
                &[
                    &version.site,
                    &version.version,
                    &version.config,
                    &version.revision,
                    &version.published_at,
                    &version.published_by,
                    &version.note,
                    &version.based_on,
                    &renewal,
                    &version.shown,
                ],
            )?;
            if inserted == 0 {
                // Another server's publish of the same number committed first.
                let latest = latest_number(session, &version.site)?;
                return Ok((Published::Stale { latest }, false));
            }
            if let Some((author, text)) = draft {
                session.execute(DELETE_PUBLISHED_DRAFT, &[&version.site, &author, &text])?;
            }
            Ok((Published::Stored(version.clone()), true))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::database::sql::{Dialect, CREATE_MIGRATIONS_TABLE, MIGRATIONS};

    /// SQLite numbers `$n` parameters in order of first appearance (see sql.rs): each query names
    /// them `$1..$n` in order.
    #[test]
    fn queries_number_their_parameters_in_order() {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        for migration in MIGRATIONS {
            connection.execute_batch(&Dialect::Sqlite.migration_sql(migration)).unwrap();
        }
        connection.execute_batch(CREATE_MIGRATIONS_TABLE).unwrap();
        for query in [LATEST_NUMBER, VERSION, VERSIONS, LATEST_PER_SITE, INSERT_VERSION, DRAFT, SAVE_DRAFT, DELETE_PUBLISHED_DRAFT] {
            let statement = connection.prepare(query).unwrap_or_else(|e| panic!("{query}: {e}"));
            for index in 1..=statement.parameter_count() {
                assert_eq!(statement.parameter_name(index), Some(format!("${index}").as_str()), "{query}");
            }
        }
    }
}

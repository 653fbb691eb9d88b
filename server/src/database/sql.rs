//! Every SQL text the server runs, written once for both databases: the schema as numbered
//! migrations, and each query. Parameters are `$1`, `$2`, … in order of first use: PostgreSQL's
//! own style, which SQLite takes as named parameters numbered in order of appearance (a test
//! checks every query on SQLite names them `$1..$n`).
//!
//! What really differs between the two dialects is in [`Dialect`] and nowhere else.

/// One step of the schema's history. Released migrations never change: a new need is a new step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// Applied in increasing order; recorded in `schema_migrations`.
    pub version: i64,
    /// What the step does, in a few words (also recorded).
    pub name: &'static str,
    /// One or more statements; `{row_id}` stands for [`Dialect::row_id`].
    pub sql: &'static str,
    /// Work in Rust after the statements, in the same transaction (migration 3 chains the rows
    /// already there).
    pub after: Option<AfterMigration>,
}

/// Rust work a migration does after its statements.
pub(crate) type AfterMigration = fn(&mut super::session::Session<'_>) -> Result<(), crate::ServerError>;

/// The schema's history, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "consent records",
        sql: "
CREATE TABLE consent_records (
    id          {row_id},
    consent_id  TEXT NOT NULL,
    site        TEXT NOT NULL,
    action      TEXT NOT NULL,
    -- `updated_at` normalised to `YYYY-MM-DDTHH:MM:SS.mmmZ`, so text order is time order and
    -- `...:43Z` and `...:43.000Z` are the same decision.
    updated_at  TEXT NOT NULL,
    received_at TEXT NOT NULL,
    record      TEXT NOT NULL,
    UNIQUE (consent_id, updated_at)
);",
        after: None,
    },
    Migration {
        version: 2,
        name: "client ip and site index",
        sql: "
ALTER TABLE consent_records ADD COLUMN client_ip TEXT;
CREATE INDEX consent_records_site_updated ON consent_records (site, updated_at);",
        after: None,
    },
    Migration {
        version: 3,
        name: "hash chain per site",
        // Each record is linked to the previous one of its site (`chain_seq` 1, 2, …;
        // `hash` = SHA-256 over `prev_hash` and every stored column, see chain.rs). `chain_heads`
        // holds each site's last link, and where retention's deletions ended (`pruned_*`).
        // The rows already there are chained by `after`, in received order.
        sql: "
ALTER TABLE consent_records ADD COLUMN chain_seq BIGINT;
ALTER TABLE consent_records ADD COLUMN prev_hash TEXT;
ALTER TABLE consent_records ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX consent_records_chain ON consent_records (site, chain_seq);
CREATE INDEX consent_records_history ON consent_records (consent_id, received_at, id);
CREATE TABLE chain_heads (
    site        TEXT PRIMARY KEY,
    seq         BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    pruned_seq  BIGINT NOT NULL,
    pruned_hash TEXT NOT NULL
);",
        after: Some(super::chain::chain_existing_rows),
    },
    Migration {
        version: 4,
        name: "consent keys",
        sql: "
-- The secret registered for a consent id from before secrets (crumb_core::proof): only its
-- hash. Ids derived from a secret need no row: the secret proves them by itself.
CREATE TABLE consent_keys (
    consent_id    TEXT PRIMARY KEY,
    secret_hash   TEXT NOT NULL,
    registered_at TEXT NOT NULL
);",
        after: None,
    },
    Migration {
        version: 5,
        name: "statistics rollups",
        sql: "
-- What /admin shows, kept per site and UTC day of `updated_at` by triggers on consent_records
-- (insert adds, delete subtracts), so the page reads a few rows per day whatever the number of
-- records. Derived data: the records stay the proof.
CREATE TABLE stats_days (
    site    TEXT NOT NULL,
    day     TEXT NOT NULL,
    action  TEXT NOT NULL,
    records BIGINT NOT NULL,
    PRIMARY KEY (site, day, action)
);
CREATE TABLE stats_categories (
    site     TEXT NOT NULL,
    day      TEXT NOT NULL,
    category TEXT NOT NULL,
    granted  BIGINT NOT NULL,
    seen     BIGINT NOT NULL,
    PRIMARY KEY (site, day, category)
);
{stats_backfill}
{stats_triggers}",
        after: None,
    },
    Migration {
        version: 6,
        name: "statistics by config version",
        sql: "
-- Consent rates per hosted config version (the record's `config_version`; 0 for a config written
-- by hand), kept by triggers like the day rollups, so a marketer sees what a publish did.
CREATE TABLE stats_versions (
    site           TEXT NOT NULL,
    config_version BIGINT NOT NULL,
    action         TEXT NOT NULL,
    records        BIGINT NOT NULL,
    PRIMARY KEY (site, config_version, action)
);
CREATE TABLE stats_version_categories (
    site           TEXT NOT NULL,
    config_version BIGINT NOT NULL,
    category       TEXT NOT NULL,
    granted        BIGINT NOT NULL,
    seen           BIGINT NOT NULL,
    PRIMARY KEY (site, config_version, category)
);
{version_stats_backfill}
{version_stats_triggers}",
        after: None,
    },
    Migration {
        version: 7,
        name: "admin tokens and sessions",
        sql: "
-- Named admin tokens (`crumb-server token add`): only the SHA-256 of each (hex), never the token.
-- A revoked token keeps its row, so `token list` still names it and no one reuses the name.
CREATE TABLE admin_tokens (
    name       TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
-- Browser sign-ins (`POST /admin/login`): only the SHA-256 of the session id the cookie holds,
-- with the name and role of the token signed in with.
CREATE TABLE admin_sessions (
    session_hash TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX admin_sessions_name ON admin_sessions (name);",
        after: None,
    },
    Migration {
        version: 8,
        name: "hosted configs",
        sql: "
-- Each site's published configs (issue 13): immutable versions 1, 2, … per site. `config` is the
-- JSON text as published (without `config_version`, which is added when it is served);
-- `renewal` is 1 when this publish asked every visitor again. The primary key is what keeps two
-- servers on one database from both publishing the same number.
CREATE TABLE site_configs (
    site         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    config       TEXT NOT NULL,
    revision     BIGINT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    note         TEXT NOT NULL,
    based_on     BIGINT NOT NULL,
    renewal      BIGINT NOT NULL,
    -- What the banner said in each offered language, with the built-in texts this server served
    -- at publish (JSON): the proof view shows it, whatever later releases change.
    shown        TEXT NOT NULL,
    PRIMARY KEY (site, version)
);
-- One draft per site and caller name: any JSON (it may be an invalid config), saved as edited.
CREATE TABLE config_drafts (
    site       TEXT NOT NULL,
    author     TEXT NOT NULL,
    config     TEXT NOT NULL,
    based_on   BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (site, author)
);",
        after: None,
    },
];

/// The schema version this server creates and expects: the last migration's.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Which migrations a database has had, and when this server recorded them (RFC 3339).
pub const CREATE_MIGRATIONS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";
/// The versions applied, oldest first.
pub const APPLIED_MIGRATIONS: &str = "SELECT version FROM schema_migrations ORDER BY version";
/// Records one migration as applied: `$1` version, `$2` name, `$3` when.
pub const RECORD_MIGRATION: &str = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";

/// Creates the head of site `$1` (empty chain: seq 0, hash `$2` = the genesis hash) or, when it
/// is there, locks it until the transaction ends; returns its seq and hash. One statement that
/// both creates and locks: two servers inserting the first record of a site meet here.
pub const LOCK_HEAD: &str = "
INSERT INTO chain_heads (site, seq, hash, pruned_seq, pruned_hash) VALUES ($1, 0, $2, 0, $2)
ON CONFLICT (site) DO UPDATE SET site = excluded.site
RETURNING seq, hash";
/// Keeps a record unless one with the same consent id and `updated_at` is there (then changes
/// nothing): `$1` consent_id, `$2` site, `$3` action, `$4` updated_at, `$5` received_at,
/// `$6` record JSON, `$7` client_ip or NULL, `$8` chain_seq, `$9` prev_hash, `$10` hash.
pub const INSERT_RECORD: &str = "
INSERT INTO consent_records (consent_id, site, action, updated_at, received_at, record, client_ip, chain_seq, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (consent_id, updated_at) DO NOTHING";
/// The secret hash registered for a consent id (`$1`), if any.
pub const REGISTERED_KEY: &str = "SELECT secret_hash FROM consent_keys WHERE consent_id = $1";
/// Registers a secret hash for a consent id unless one is there: `$1` consent_id,
/// `$2` secret_hash, `$3` registered_at.
pub const REGISTER_KEY: &str = "
INSERT INTO consent_keys (consent_id, secret_hash, registered_at) VALUES ($1, $2, $3)
ON CONFLICT (consent_id) DO NOTHING";
/// A page of a consent id's (`$1`) records in received order, after the cursor (`$2` received_at,
/// `$3` id; `''` and 0 for the first page), at most `$4`: as [`EXPORT`], then the id.
pub const HISTORY_PAGE: &str = "
SELECT record, received_at, client_ip, chain_seq, prev_hash, hash, id FROM consent_records
WHERE consent_id = $1 AND (received_at > $2 OR (received_at = $2 AND id > $3))
ORDER BY received_at, id LIMIT $4";
/// How many records there are.
pub const COUNT: &str = "SELECT count(*) FROM consent_records";
/// A site's (`$1`) records with `$2 <= updated_at < $3`, oldest first: record JSON, received_at,
/// client_ip, chain_seq, prev_hash, hash.
pub const EXPORT: &str = "
SELECT record, received_at, client_ip, chain_seq, prev_hash, hash FROM consent_records
WHERE site = $1 AND updated_at >= $2 AND updated_at < $3 ORDER BY updated_at, id";
/// A site's (`$1`) decisions per UTC day and action, for `$2 <= day < $3` (`YYYY-MM-DD`).
pub const STATS_DAYS: &str = "
SELECT day, action, records FROM stats_days WHERE site = $1 AND day >= $2 AND day < $3 AND records > 0 ORDER BY day, action";
/// A site's (`$1`) grants and decisions per category, for `$2 <= day < $3`.
pub const STATS_CATEGORIES: &str = "
SELECT category, CAST(sum(granted) AS BIGINT), CAST(sum(seen) AS BIGINT) FROM stats_categories WHERE site = $1 AND day >= $2 AND day < $3
GROUP BY category HAVING sum(seen) > 0";
/// A site's decisions per config version and action (`$1` site).
pub const STATS_VERSIONS: &str = "
SELECT config_version, action, records FROM stats_versions WHERE site = $1 AND records > 0 ORDER BY config_version, action";
/// A site's grants and decisions per config version and category (`$1` site).
pub const STATS_VERSION_CATEGORIES: &str = "
SELECT config_version, category, granted, seen FROM stats_version_categories WHERE site = $1 AND seen > 0
ORDER BY config_version, category";
/// The sites that have records, sorted (from the rollups: a few rows per site and day, where the
/// records may be millions).
pub const SITES: &str = "SELECT DISTINCT site FROM stats_days WHERE records > 0 ORDER BY site";
/// The sites that have a chain or records, sorted.
pub const CHAIN_SITES: &str = "SELECT site FROM chain_heads UNION SELECT site FROM consent_records ORDER BY 1";
/// Site `$1`'s head: seq, hash, pruned_seq, pruned_hash.
pub const HEAD: &str = "SELECT seq, hash, pruned_seq, pruned_hash FROM chain_heads WHERE site = $1";
/// Site `$1`'s rows in chain order, every column the hash covers: chain_seq, prev_hash, hash,
/// consent_id, site, action, updated_at, received_at, record, client_ip.
pub const CHAIN_ROWS: &str = "
SELECT chain_seq, prev_hash, hash, consent_id, site, action, updated_at, received_at, record, client_ip
FROM consent_records WHERE site = $1 ORDER BY chain_seq, id";
/// The seq of site `$1`'s row whose hash is `$2` (how `verify` tells a moved row).
pub const SEQ_OF_HASH: &str = "SELECT chain_seq FROM consent_records WHERE site = $1 AND hash = $2 ORDER BY chain_seq";
/// Every row's id, per site in received order (migration 3 chains them in this order).
pub const CHAIN_ORDER: &str = "SELECT id FROM consent_records ORDER BY site, received_at, id";
/// One row by id (`$1`): the columns the hash covers.
pub const ROW_TO_CHAIN: &str = "
SELECT consent_id, site, action, updated_at, received_at, record, client_ip FROM consent_records WHERE id = $1";
/// Sets a row's link: `$1` chain_seq, `$2` prev_hash, `$3` hash, of row id `$4`.
pub const SET_LINK: &str = "UPDATE consent_records SET chain_seq = $1, prev_hash = $2, hash = $3 WHERE id = $4";
/// Sets (creates) site `$1`'s head: `$2` seq, `$3` hash; nothing pruned when it is new (`$4` the
/// genesis hash). Also how an insert moves the head.
pub const SET_HEAD: &str = "
INSERT INTO chain_heads (site, seq, hash, pruned_seq, pruned_hash) VALUES ($1, $2, $3, 0, $4)
ON CONFLICT (site) DO UPDATE SET seq = excluded.seq, hash = excluded.hash";
/// The chain head at the end of each UTC day on which site `$1` received records, for days in
/// `$2 <= received_at < $3`: seq, hash, day (`YYYY-MM-DD`). The last record a day received is the
/// one with the highest seq among that day's.
pub const DIGEST: &str = "
SELECT r.chain_seq, r.hash, substr(r.received_at, 1, 10) FROM consent_records r
JOIN (SELECT max(chain_seq) AS seq FROM consent_records
      WHERE site = $1 AND received_at >= $2 AND received_at < $3 GROUP BY substr(received_at, 1, 10)) d
  ON r.chain_seq = d.seq
WHERE r.site = $1 ORDER BY r.chain_seq";
/// The site names of the chain heads, sorted.
pub const HEAD_SITES: &str = "SELECT site FROM chain_heads ORDER BY site";
/// Which of site `$1`'s records (`r`) retention deletes: received before `$2`, unless it is its
/// consent id's newest decision and that is still in force (updated at or after `$3`).
macro_rules! prunable {
    () => {
        "r.site = $1 AND r.received_at < $2 AND NOT (r.updated_at >= $3 AND NOT EXISTS (
    SELECT 1 FROM consent_records n WHERE n.consent_id = r.consent_id AND n.updated_at > r.updated_at))"
    };
}
/// The last record retention deletes in site `$1` (see `prunable!`): chain_seq and hash.
pub const PRUNE_POINT: &str =
    concat!("SELECT r.chain_seq, r.hash FROM consent_records r WHERE ", prunable!(), " ORDER BY r.chain_seq DESC LIMIT 1");
/// Deletes what `prunable!` selects.
pub const PRUNE: &str = concat!("DELETE FROM consent_records AS r WHERE ", prunable!());
/// Records that the chain of site `$3` is pruned up to seq `$1` (whose hash was `$2`), unless it
/// was pruned further already.
pub const SET_PRUNED: &str = "UPDATE chain_heads SET pruned_seq = $1, pruned_hash = $2 WHERE site = $3 AND pruned_seq < $1";

/// Adds admin token `$1` with role `$2`, hash `$3`, created at `$4`; changes nothing when the name
/// (or, never in practice, the hash) is taken.
pub const ADD_ADMIN_TOKEN: &str = "
INSERT INTO admin_tokens (name, role, token_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
/// Every admin token, by name: name, role, created_at, revoked_at.
pub const ADMIN_TOKENS: &str = "SELECT name, role, created_at, revoked_at FROM admin_tokens ORDER BY name";
/// How many admin tokens are not revoked.
pub const ACTIVE_ADMIN_TOKENS: &str = "SELECT count(*) FROM admin_tokens WHERE revoked_at IS NULL";
/// The name and role of the token whose hash is `$1`, unless revoked.
pub const ADMIN_TOKEN_BY_HASH: &str = "SELECT name, role FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL";
/// Revokes a token at `$1`: the one named `$2` (unless it was already).
pub const REVOKE_ADMIN_TOKEN: &str = "UPDATE admin_tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL";
/// When token `$1` was revoked: one row (NULL while in force), none when there is no such token.
pub const ADMIN_TOKEN_REVOKED_AT: &str = "SELECT revoked_at FROM admin_tokens WHERE name = $1";
/// Keeps a sign-in: `$1` SHA-256 of the session id, `$2` name, `$3` role, `$4` created, `$5` expires.
pub const ADD_ADMIN_SESSION: &str =
    "INSERT INTO admin_sessions (session_hash, name, role, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
/// The name and role of session `$1` (its hash) while it lasts (expires after `$2`, now) and its
/// token is in force: a named token not revoked, or the `--admin-token`'s name `$3` (empty when the
/// server has none, which no token name is).
pub const ADMIN_SESSION: &str = "
SELECT s.name, s.role FROM admin_sessions s
WHERE s.session_hash = $1 AND s.expires_at > $2
  AND (s.name = $3 OR EXISTS (SELECT 1 FROM admin_tokens t WHERE t.name = s.name AND t.revoked_at IS NULL))";
/// Ends session `$1` (its hash).
pub const END_ADMIN_SESSION: &str = "DELETE FROM admin_sessions WHERE session_hash = $1";
/// Ends every session of token name `$1`.
pub const END_ADMIN_SESSIONS_OF: &str = "DELETE FROM admin_sessions WHERE name = $1";
/// Forgets the sessions that expired at or before `$1`.
pub const END_EXPIRED_ADMIN_SESSIONS: &str = "DELETE FROM admin_sessions WHERE expires_at <= $1";

/// A 64-bit key for PostgreSQL's advisory lock that serialises servers migrating one database
/// ("crumb_db" in ASCII).
const MIGRATION_LOCK: i64 = 0x6372_756d_625f_6462;

/// The two SQL dialects: the only place where the server's SQL differs between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// A pair of statistics rollup tables kept by triggers on `consent_records`: decisions per site,
/// `key` and action, and grants and decisions per site, `key` and category.
struct Rollup {
    /// The triggers' (and PostgreSQL function's) name.
    name: &'static str,
    actions: &'static str,
    categories: &'static str,
    /// `day` (of `updated_at`, UTC) or `config_version`.
    key: &'static str,
}

/// Per site and UTC day (migration 5): what `/admin` charts.
const DAYS: Rollup = Rollup { name: "consent_records_stats", actions: "stats_days", categories: "stats_categories", key: "day" };
/// Per site and hosted config version (migration 6): what each publish did.
const VERSIONS: Rollup = Rollup {
    name: "consent_records_version_stats",
    actions: "stats_versions",
    categories: "stats_version_categories",
    key: "config_version",
};

impl Dialect {
    /// An auto-increment integer primary key: SQLite's rowid alias, PostgreSQL's sequence.
    pub fn row_id(self) -> &'static str {
        match self {
            Dialect::Sqlite => "INTEGER PRIMARY KEY",
            Dialect::Postgres => "BIGSERIAL PRIMARY KEY",
        }
    }

    /// A migration's statements in this dialect.
    pub fn migration_sql(self, migration: &Migration) -> String {
        migration
            .sql
            .replace("{row_id}", self.row_id())
            .replace("{stats_backfill}", &self.stats_backfill())
            .replace("{stats_triggers}", &self.stats_triggers())
            .replace("{version_stats_backfill}", &self.version_stats_backfill())
            .replace("{version_stats_triggers}", &self.version_stats_triggers())
    }

    /// A record row's categories (`row`: `r`, `NEW` or `OLD`) as a table `j (key, value)`.
    fn categories_of(self, row: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_each({row}.record, '$.categories') AS j"),
            Dialect::Postgres => format!("jsonb_each_text({row}.record::jsonb -> 'categories') AS j"),
        }
    }

    /// 1 when the category of a row of [`Dialect::categories_of`] is granted, else 0.
    fn granted(self) -> &'static str {
        match self {
            Dialect::Sqlite => "CASE WHEN j.value THEN 1 ELSE 0 END",
            Dialect::Postgres => "CASE WHEN j.value = 'true' THEN 1 ELSE 0 END",
        }
    }

    /// A record row's `config_version` (`row`: `r`, `NEW` or `OLD`), 0 when it has none.
    fn config_version_of(self, row: &str) -> String {
        match self {
            Dialect::Sqlite => format!("coalesce(json_extract({row}.record, '$.config_version'), 0)"),
            Dialect::Postgres => format!("coalesce(({row}.record::jsonb ->> 'config_version')::bigint, 0)"),
        }
    }

    /// What a rollup is keyed by besides the site, for a record row (`row`: `r`, `NEW` or `OLD`).
    fn rollup_key(self, rollup: &Rollup, row: &str) -> String {
        match rollup.key {
            "day" => format!("substr({row}.updated_at, 1, 10)"),
            _ => self.config_version_of(row),
        }
    }

    /// Fills the statistics rollups from the records already there (also used by the admin
    /// benchmark after a bulk load).
    pub fn stats_backfill(self) -> String {
        self.rollup_backfill(&DAYS)
    }

    /// Fills the per-config-version rollups from the records already there.
    pub fn version_stats_backfill(self) -> String {
        self.rollup_backfill(&VERSIONS)
    }

    fn rollup_backfill(self, rollup: &Rollup) -> String {
        format!(
            "
INSERT INTO {actions} (site, {key}, action, records)
SELECT r.site, {key_of}, r.action, count(*) FROM consent_records AS r GROUP BY 1, 2, 3;
INSERT INTO {categories} (site, {key}, category, granted, seen)
SELECT r.site, {key_of}, j.key, sum({granted}), count(*)
FROM consent_records AS r, {each} GROUP BY 1, 2, 3;",
            actions = rollup.actions,
            categories = rollup.categories,
            key = rollup.key,
            key_of = self.rollup_key(rollup, "r"),
            granted = self.granted(),
            each = self.categories_of("r"),
        )
    }

    /// The triggers that keep the statistics rollups: a stored record adds to its site's day,
    /// a deleted one (retention) subtracts. A duplicate (`ON CONFLICT DO NOTHING`) fires nothing.
    fn stats_triggers(self) -> String {
        self.rollup_triggers(&DAYS)
    }

    /// The triggers that keep the per-config-version rollups, as [`Dialect::stats_triggers`].
    fn version_stats_triggers(self) -> String {
        self.rollup_triggers(&VERSIONS)
    }

    fn rollup_triggers(self, rollup: &Rollup) -> String {
        let (granted, new, old) = (self.granted(), self.categories_of("NEW"), self.categories_of("OLD"));
        let (new_key, old_key) = (self.rollup_key(rollup, "NEW"), self.rollup_key(rollup, "OLD"));
        let Rollup { name, actions, categories, key } = rollup;
        match self {
            Dialect::Sqlite => format!(
                "
CREATE TRIGGER {name}_insert AFTER INSERT ON consent_records BEGIN
    INSERT INTO {actions} (site, {key}, action, records) VALUES (NEW.site, {new_key}, NEW.action, 1)
    ON CONFLICT (site, {key}, action) DO UPDATE SET records = records + 1;
    INSERT INTO {categories} (site, {key}, category, granted, seen)
    SELECT NEW.site, {new_key}, j.key, {granted}, 1
    FROM {new} WHERE true
    ON CONFLICT (site, {key}, category) DO UPDATE SET granted = granted + excluded.granted, seen = seen + 1;
END;
CREATE TRIGGER {name}_delete AFTER DELETE ON consent_records BEGIN
    UPDATE {actions} SET records = records - 1
    WHERE site = OLD.site AND {key} = {old_key} AND action = OLD.action;
    UPDATE {categories} SET seen = seen - 1,
        granted = granted - (SELECT {granted} FROM {old} WHERE j.key = {categories}.category)
    WHERE site = OLD.site AND {key} = {old_key}
      AND category IN (SELECT j.key FROM {old});
END;"
            ),
            Dialect::Postgres => format!(
                "
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {actions} (site, {key}, action, records) VALUES (NEW.site, {new_key}, NEW.action, 1)
        ON CONFLICT (site, {key}, action) DO UPDATE SET records = {actions}.records + 1;
        INSERT INTO {categories} (site, {key}, category, granted, seen)
        SELECT NEW.site, {new_key}, j.key, {granted}, 1
        FROM {new}
        ON CONFLICT (site, {key}, category)
        DO UPDATE SET granted = {categories}.granted + excluded.granted, seen = {categories}.seen + 1;
        RETURN NEW;
    END IF;
    UPDATE {actions} SET records = records - 1
    WHERE site = OLD.site AND {key} = {old_key} AND action = OLD.action;
    UPDATE {categories} AS s SET seen = s.seen - 1, granted = s.granted - {granted}
    FROM {old}
    WHERE s.site = OLD.site AND s.{key} = {old_key} AND s.category = j.key;
    RETURN OLD;
END $$;
CREATE TRIGGER {name} AFTER INSERT OR DELETE ON consent_records
FOR EACH ROW EXECUTE FUNCTION {name}();"
            ),
        }
    }

    /// Opens the migration transaction so that two servers starting on one database migrate one
    /// after the other: SQLite takes the write lock at once, PostgreSQL an advisory lock held
    /// until the transaction ends (its DDL is transactional too).
    pub fn begin_migration(self) -> String {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE".to_owned(),
            Dialect::Postgres => format!("BEGIN; SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"),
        }
    }

    /// Opens a write transaction: SQLite takes the write lock at once (so a second process waits
    /// its turn, and no read-then-write deadlock), PostgreSQL a plain one (rows are locked as
    /// they are written, the chain head by [`LOCK_HEAD`]).
    pub fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// Opens a read transaction that sees one snapshot (the head and the rows of one moment).
    pub fn begin_read(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    /// Reads site `$1`'s chain head for an insert (`$2` the genesis hash): seq and hash, no row
    /// for a new site. SQLite's write transaction already excludes every other writer, so a
    /// plain read; PostgreSQL creates-or-locks the row with [`LOCK_HEAD`] (one statement, so two
    /// servers inserting a site's first record meet there).
    pub fn head_for_insert(self) -> &'static str {
        match self {
            // `$2` is unused here but bound: both dialects take the same parameters.
            Dialect::Sqlite => "SELECT seq, hash FROM chain_heads WHERE site = $1 AND $2 IS NOT NULL",
            Dialect::Postgres => LOCK_HEAD,
        }
    }

    /// Locks site `$1`'s chain head until the transaction ends (retention): SQLite's write
    /// transaction already holds the whole database.
    pub fn lock_head(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SELECT seq FROM chain_heads WHERE site = $1",
            Dialect::Postgres => "SELECT seq FROM chain_heads WHERE site = $1 FOR UPDATE",
        }
    }

    /// Counts the columns named `$2` of table `$1` (0 or 1): how a database from before
    /// `schema_migrations` is recognised.
    pub fn column_exists(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SELECT count(*) FROM pragma_table_info($1) WHERE name = $2",
            Dialect::Postgres => {
                "SELECT count(*) FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1::text AND column_name = $2::text"
            }
        }
    }

    /// Run after migrating to `version`. SQLite also keeps the version in `user_version`, as the
    /// server did before `schema_migrations` (so that server can still open the file).
    pub fn after_migrations(self, version: i64) -> Option<String> {
        match self {
            Dialect::Sqlite => Some(format!("PRAGMA user_version = {version}")),
            Dialect::Postgres => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every query with parameters or rows.
    const QUERIES: &[&str] = &[
        APPLIED_MIGRATIONS,
        RECORD_MIGRATION,
        REGISTERED_KEY,
        REGISTER_KEY,
        STATS_DAYS,
        STATS_CATEGORIES,
        STATS_VERSIONS,
        STATS_VERSION_CATEGORIES,
        LOCK_HEAD,
        INSERT_RECORD,
        HISTORY_PAGE,
        COUNT,
        EXPORT,
        SITES,
        CHAIN_SITES,
        HEAD,
        CHAIN_ROWS,
        SEQ_OF_HASH,
        CHAIN_ORDER,
        ROW_TO_CHAIN,
        SET_LINK,
        SET_HEAD,
        DIGEST,
        HEAD_SITES,
        PRUNE_POINT,
        PRUNE,
        SET_PRUNED,
        ADD_ADMIN_TOKEN,
        ADMIN_TOKENS,
        ACTIVE_ADMIN_TOKENS,
        ADMIN_TOKEN_BY_HASH,
        REVOKE_ADMIN_TOKEN,
        ADMIN_TOKEN_REVOKED_AT,
        ADD_ADMIN_SESSION,
        ADMIN_SESSION,
        END_ADMIN_SESSION,
        END_ADMIN_SESSIONS_OF,
        END_EXPIRED_ADMIN_SESSIONS,
    ];

    #[test]
    fn versions_increase_from_one() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1, "{}", migration.name);
        }
        assert_eq!(SCHEMA_VERSION, MIGRATIONS.len() as i64);
    }

    /// SQLite numbers named parameters in order of first appearance: `$2` before `$1` would bind
    /// the wrong values. Each query must name its parameters `$1..$n`, in that order.
    #[test]
    fn sqlite_numbers_every_parameter_as_postgres_does() {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        for migration in MIGRATIONS {
            connection.execute_batch(&Dialect::Sqlite.migration_sql(migration)).unwrap();
        }
        connection.execute_batch(CREATE_MIGRATIONS_TABLE).unwrap();
        for query in
            QUERIES.iter().chain([&Dialect::Sqlite.column_exists(), &Dialect::Sqlite.lock_head(), &Dialect::Sqlite.head_for_insert()])
        {
            let statement = connection.prepare(query).unwrap_or_else(|e| panic!("{query}: {e}"));
            for index in 1..=statement.parameter_count() {
                assert_eq!(statement.parameter_name(index), Some(format!("${index}").as_str()), "{query}");
            }
        }
    }
}

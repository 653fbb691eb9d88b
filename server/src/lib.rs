//! crumb-server: a consent-log service. Receives consent records (embedded SQLite, or PostgreSQL),
//! answers proof-of-consent reads (history, export, `/admin`) to holders of admin tokens
//! ([`tokens`]: named, with roles; or `--admin-token`),
//! and serves the built demo site.
//!
//! [`app`] is the whole service; [`api_router`] and [`static_router`] are its two halves, so tests
//! can wrap one of them. [`serve`] runs a router with the slow-client timeouts. [`AppState`]
//! owns the [`Database`] and the [`Settings`].

mod api;
mod auth;
pub mod cli;
pub mod database;
pub mod demo;
mod error;
mod limit;
mod proxy;
mod refusals;
mod serve;
mod shown;
mod site;
pub mod tokens;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use crumb_core::time::{parse_rfc3339, to_rfc3339};
use crumb_core::ConsentRecord;

pub use api::{api_router, check_record, Role, MAX_BODY_BYTES};
pub use database::{
    backup_sqlite, BackupReport, BreakKind, ChainBreak, ChainLink, Database, DigestEntry, HistoryCursor, PostgresPool, RangeQuery,
    SiteVerdict, SqliteFile, StoredRecord, GENESIS, HISTORY_PAGE_MAX, POSTGRES_POOL_SIZE, SCHEMA_VERSION,
};
pub use error::ServerError;
pub use proxy::TrustedProxy;
pub use serve::{serve, serve_with, ServeLimits, DEFAULT_MAX_CONNECTIONS, DEFAULT_WRITE_TIMEOUT};
pub use site::{precompress, static_router, static_router_beside, PrecompressReport, COMPRESSIBLE};

/// Default database file, relative to the working directory.
pub const DEFAULT_DATABASE: &str = "crumb-data/consent.sqlite3";
/// Default folder of the built site.
pub const DEFAULT_SITE_DIR: &str = "dist";

/// Where the server keeps records and finds the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// SQLite file (it and its folder are created when missing), or a `postgres://` URL.
    pub database: PathBuf,
    /// The built site, served at `/`.
    pub site_dir: PathBuf,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig { database: PathBuf::from(DEFAULT_DATABASE), site_dir: PathBuf::from(DEFAULT_SITE_DIR) }
    }
}

/// What the server keeps of the sender's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpMode {
    /// Nothing (the default).
    #[default]
    None,
    /// IPv4 truncated to /24 (`203.0.113.0`), IPv6 to /48 (`2001:db8:1::`).
    Truncated,
}

impl IpMode {
    /// What is stored for `ip` under this mode.
    pub fn apply(self, ip: Option<IpAddr>) -> Option<String> {
        match (self, ip) {
            (IpMode::None, _) | (_, None) => None,
            (IpMode::Truncated, Some(IpAddr::V4(v4))) => {
                let [a, b, c, _] = v4.octets();
                Some(std::net::Ipv4Addr::new(a, b, c, 0).to_string())
            }
            (IpMode::Truncated, Some(IpAddr::V6(v6))) => {
                let s = v6.segments();
                Some(std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0).to_string())
            }
        }
    }
}

/// A site the operator declared, with one origin whose pages may post its records. A site exists
/// only so: records for any other site are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigin {
    /// The record's `site`.
    pub site: String,
    /// `scheme://host[:port]`, exactly as browsers send it in `Origin`; or
    /// `scheme://*.domain[:port]`, any subdomain of `domain` (one label or more, not `domain`
    /// itself) with that scheme and port.
    pub origin: String,
}

impl AllowedOrigin {
    /// Whether a request's `Origin` header value is this one.
    pub fn matches(&self, origin: &str) -> bool {
        if self.origin == origin {
            return true;
        }
        let Some((scheme, pattern)) = self.origin.split_once("://*.") else { return false };
        let Some((their_scheme, rest)) = origin.split_once("://") else { return false };
        // `rest` = `sub.domain[:port]`: it must end in `.` + the pattern exactly (domain and port),
        // with at least one label of letters, digits or `-` before it.
        their_scheme == scheme
            && rest.strip_suffix(pattern).and_then(|labels| labels.strip_suffix('.')).is_some_and(|labels| {
                !labels.is_empty() && labels.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            })
    }
}

/// How the service behaves; every field has a flag (see [`cli::USAGE`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `--admin-token`: a secret that may do everything (caller `admin`, role publisher), beside
    /// the named tokens in the database (`crumb-server token add`). Without either, every admin
    /// route is refused.
    pub admin_token: Option<String>,
    /// The sites this server keeps records for, each with the origins whose pages may post
    /// them (`--allow-origin`). A site without one does not exist: its records are refused.
    pub allowed_origins: Vec<AllowedOrigin>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (rate limit, `store_ip`).
    pub trusted_proxies: Vec<TrustedProxy>,
    /// Requests to `POST /api/consent` per minute and client address (burst of the same size);
    /// 0 turns the limit off.
    pub rate_limit_per_minute: u32,
    /// What is stored of the client's address.
    pub store_ip: IpMode,
    /// Records received more than this many months ago are deleted (hourly), except a consent
    /// id's newest decision while it is in force.
    pub retention_months: Option<u32>,
    /// A client must send a request's headers within this time, else the connection is closed.
    pub header_timeout: Duration,
    /// A client must send a record's whole body within this time, else 408 and closed.
    pub body_timeout: Duration,
    /// An answer the client does not read for this long (no progress at all) is given up and the
    /// connection closed.
    pub write_timeout: Duration,
    /// Connections served at once; beyond it new connections are answered 503 and closed.
    pub max_connections: usize,
    /// This server's origin as the public reaches it (`https://consent.example`), for the hosted
    /// config snippet's script tag; from the request's `Host` when None (`--public-origin`).
    pub public_origin: Option<String>,
    /// Seconds a browser or CDN may reuse a served hosted config without asking again
    /// (`--config-max-age`, default 60; stale for ten times as long while it revalidates). 0: every
    /// page view revalidates (`no-cache`; a 304 while unchanged), so a publish shows at once.
    pub config_max_age: u32,
}

impl Settings {
    /// The declared sites, in the order they were first declared.
    pub fn sites(&self) -> Vec<String> {
        let mut sites: Vec<String> = Vec::new();
        for allowed in &self.allowed_origins {
            if !sites.contains(&allowed.site) {
                sites.push(allowed.site.clone());
            }
        }
        sites
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            admin_token: None,
            allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            rate_limit_per_minute: 120,
            store_ip: IpMode::None,
            retention_months: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            public_origin: None,
            config_max_age: 60,
        }
    }
}

/// What every request handler shares: the database, the settings and the site folder.
/// Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    database: Arc<Database>,
    site_dir: Arc<Path>,
    settings: Arc<Settings>,
    limiter: Arc<limit::RateLimiter>,
    /// Failed sign-ins per client address (`POST /admin/login`).
    sign_ins: Arc<limit::RateLimiter>,
    refusals: Arc<refusals::RefusalLog>,
    token: Arc<Option<auth::TokenDigest>>,
    /// The bytes of each site's served hosted config, computed once per version.
    served_configs: Arc<api::configs::ServedConfigs>,
    /// The SQLite file, when opened from a path: never served, even inside the site folder.
    database_file: Option<Arc<Path>>,
}

impl AppState {
    /// Opens the database named by `config` with default settings.
    pub fn open(config: &ServerConfig) -> Result<AppState, ServerError> {
        AppState::open_with(config, Settings::default())
    }

    /// Opens the database named by `config` (SQLite file or `postgres://` URL).
    pub fn open_with(config: &ServerConfig, settings: Settings) -> Result<AppState, ServerError> {
        let mut state = AppState::with_settings(Arc::new(Database::open(&config.database)?), &config.site_dir, settings);
        if !database::is_postgres_url(&config.database) {
            state.database_file = Some(Arc::from(config.database.as_path()));
        }
        Ok(state)
    }

    /// State over an open database, default settings.
    pub fn with_database(database: Arc<Database>, site_dir: &Path) -> AppState {
        AppState::with_settings(database, site_dir, Settings::default())
    }

    /// State over an open database and settings.
    pub fn with_settings(database: Arc<Database>, site_dir: &Path, settings: Settings) -> AppState {
        let token = settings.admin_token.as_deref().filter(|t| !t.is_empty()).map(auth::TokenDigest::new);
        AppState {
            database,
            site_dir: Arc::from(site_dir),
            limiter: Arc::new(limit::RateLimiter::new(settings.rate_limit_per_minute)),
            sign_ins: Arc::new(limit::RateLimiter::new(api::FAILED_SIGN_INS_PER_MINUTE)),
            refusals: Arc::new(refusals::RefusalLog::new()),
            settings: Arc::new(settings),
            token: Arc::new(token),
            served_configs: Arc::default(),
            database_file: None,
        }
    }

    /// The built site served at `/`.
    pub fn site_dir(&self) -> &Path {
        &self.site_dir
    }

    /// How the service behaves.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The database the records are kept in.
    pub fn database(&self) -> &Arc<Database> {
        &self.database
    }

    /// Stores a validated record; false when it was there already. Blocks.
    pub fn store_record(&self, record: &ConsentRecord, received_at: &str) -> Result<bool, ServerError> {
        self.database.insert(record, received_at, None)
    }

    /// The records of one consent id, in received order. Blocks.
    pub fn records_for(&self, consent_id: &str) -> Result<Vec<ConsentRecord>, ServerError> {
        Ok(self.database.history(consent_id)?.into_iter().map(|stored| stored.record).collect())
    }

    /// How many records are stored. Blocks.
    pub fn count_records(&self) -> Result<u64, ServerError> {
        self.database.count()
    }

    /// Deletes the records received longer ago than the retention setting, counted back from
    /// `now_ms`, but never a consent id's newest decision while it is in force (updated within
    /// the longest consent lifetime, [`crumb_core::config::MAX_EXPIRY_DAYS`]); returns how many
    /// went (0 without a retention setting). Blocks.
    pub fn apply_retention(&self, now_ms: i64) -> Result<u64, ServerError> {
        match self.settings.retention_months {
            Some(months) => {
                let in_force_since = to_rfc3339(now_ms - i64::from(crumb_core::config::MAX_EXPIRY_DAYS) * crumb_core::time::DAY_MS);
                self.database.prune(&retention_cutoff(now_ms, months), &in_force_since)
            }
            None => Ok(0),
        }
    }

    /// Runs blocking database work off the async workers.
    pub(crate) async fn blocking<T, F>(&self, work: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> Result<T, ServerError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || work(&state)).await.map_err(|e| ServerError::Task(e.to_string()))?
    }

    /// Runs short blocking database work from synchronous code that may be on an async worker
    /// (the credential checks of the admin routes), where the blocking PostgreSQL client must not
    /// run: on a multi-threaded runtime the worker hands its other tasks off meanwhile
    /// (`block_in_place`); on a current-thread runtime the work runs on a thread of its own.
    pub(crate) fn blocking_here<T, F>(&self, work: F) -> Result<T, ServerError>
    where
        T: Send,
        F: FnOnce(&AppState) -> Result<T, ServerError> + Send,
    {
        use tokio::runtime::{Handle, RuntimeFlavor};
        match Handle::try_current().map(|handle| handle.runtime_flavor()) {
            Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(|| work(self)),
            Ok(_) => {
                let state = self.clone();
                std::thread::scope(|scope| scope.spawn(move || work(&state)).join())
                    .map_err(|_| ServerError::Task("a database read panicked".to_owned()))?
            }
            Err(_) => work(self),
        }
    }
}

/// The server's clock as epoch milliseconds (0 before 1970, which no server lives in).
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `now_ms` minus `months` calendar months (the day clamped to the shorter month), as
/// normalised RFC 3339: records received before it are past retention.
pub fn retention_cutoff(now_ms: i64, months: u32) -> String {
    let now = to_rfc3339(now_ms);
    let field = |range: std::ops::Range<usize>| now.get(range).and_then(|s| s.parse::<i64>().ok()).unwrap_or(1);
    let (year, month, day) = (field(0..4), field(5..7), field(8..10));
    let total = year * 12 + (month - 1) - i64::from(months);
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let text = format!("{year:04}-{month:02}-{:02}{}", day.min(days_in_month), now.get(10..).unwrap_or("T00:00:00.000Z"));
    // Re-normalise (and fall back to the epoch for years outside RFC 3339).
    to_rfc3339(parse_rfc3339(&text).unwrap_or(0))
}

/// `from`/`to` (inclusive days, `YYYY-MM-DD`; from 2020-01-01 to today when None) as a query over
/// `site`, as `/api/export` and `/api/digest` read them.
pub fn day_range(site: String, from: Option<&str>, to: Option<&str>, now: i64) -> Result<RangeQuery, String> {
    api::range_query(site, from, to, now)
}

/// Reads digests an auditor kept: JSON lines as `crumb-server digest` and `/api/digest` write
/// them (blank lines skipped).
pub fn read_digests(path: &Path) -> Result<Vec<DigestEntry>, ServerError> {
    let text = std::fs::read_to_string(path).map_err(|e| ServerError::io(path, e))?;
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let entry = serde_json::from_str(line)
            .map_err(|e| ServerError::Usage(format!("{}: line {}: not a digest line: {e}", path.display(), number + 1)))?;
        entries.push(entry);
    }
    Ok(entries)
}

/// The whole service: `/api/*`, `/admin` and, for every other path, the site (never the SQLite
/// database, should it lie inside the site folder). Every redirect stays on this server.
pub fn app(state: AppState) -> Router {
    let site = static_router_beside(state.site_dir(), state.database_file.as_deref());
    api_router(state).merge(site).layer(axum::middleware::map_response(site::same_site_redirects))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_counts_calendar_months_back() {
        let now = parse_rfc3339("2026-03-31T12:00:00.000Z").unwrap();
        assert_eq!(retention_cutoff(now, 1), "2026-02-28T12:00:00.000Z");
        assert_eq!(retention_cutoff(now, 13), "2025-02-28T12:00:00.000Z");
        assert_eq!(retention_cutoff(now, 0), "2026-03-31T12:00:00.000Z");
        let leap = parse_rfc3339("2028-05-31T00:00:00.000Z").unwrap();
        assert_eq!(retention_cutoff(leap, 3), "2028-02-29T00:00:00.000Z");
    }

    #[test]
    fn ip_truncation() {
        let v4: IpAddr = "203.0.113.77".parse().unwrap();
        let v6: IpAddr = "2001:db8:abcd:12:1:2:3:4".parse().unwrap();
        assert_eq!(IpMode::Truncated.apply(Some(v4)).as_deref(), Some("203.0.113.0"));
        assert_eq!(IpMode::Truncated.apply(Some(v6)).as_deref(), Some("2001:db8:abcd::"));
        assert_eq!(IpMode::None.apply(Some(v4)), None);
        assert_eq!(IpMode::Truncated.apply(None), None);
    }
}

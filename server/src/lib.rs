//! crumb-server: receives consent records (embedded SQLite) and serves the built demo site.
//!
//! [`app`] is the whole service; [`api_router`] and [`static_router`] are its two halves, so tests
//! can wrap one of them. [`AppState`] owns the [`Store`].

mod api;
pub mod cli;
mod error;
mod site;
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use crumb_core::ConsentRecord;

pub use api::{api_router, MAX_BODY_BYTES};
pub use error::ServerError;
pub use site::{precompress, static_router, PrecompressReport, COMPRESSIBLE};
pub use store::{SqliteStore, Store};

/// Default database file, relative to the working directory.
pub const DEFAULT_DATABASE: &str = "crumb-data/consent.sqlite3";
/// Default folder of the built site.
pub const DEFAULT_SITE_DIR: &str = "dist";

/// Where the server keeps records and finds the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// SQLite file; it and its folder are created when missing.
    pub database: PathBuf,
    /// The built site, served at `/`.
    pub site_dir: PathBuf,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig { database: PathBuf::from(DEFAULT_DATABASE), site_dir: PathBuf::from(DEFAULT_SITE_DIR) }
    }
}

/// What every request handler shares: the record store and the site folder. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    site_dir: Arc<Path>,
}

impl AppState {
    /// Opens the SQLite store named by `config`.
    pub fn open(config: &ServerConfig) -> Result<AppState, ServerError> {
        let store = SqliteStore::open(&config.database)?;
        Ok(AppState::with_store(Arc::new(store), &config.site_dir))
    }

    /// State over any store (another database, a test double).
    pub fn with_store(store: Arc<dyn Store>, site_dir: &Path) -> AppState {
        AppState { store, site_dir: Arc::from(site_dir) }
    }

    pub fn site_dir(&self) -> &Path {
        &self.site_dir
    }

    /// Stores a validated record; false when it was there already. Blocks.
    pub fn store_record(&self, record: &ConsentRecord, received_at: &str) -> Result<bool, ServerError> {
        self.store.insert(record, received_at)
    }

    /// The records of one consent id, oldest `updated_at` first. Blocks.
    pub fn records_for(&self, consent_id: &str) -> Result<Vec<ConsentRecord>, ServerError> {
        self.store.history(consent_id)
    }

    /// How many records are stored. Blocks.
    pub fn count_records(&self) -> Result<u64, ServerError> {
        self.store.count()
    }

    /// Runs blocking store work off the async workers.
    pub(crate) async fn blocking<T, F>(&self, work: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> Result<T, ServerError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || work(&state)).await.map_err(|e| ServerError::Task(e.to_string()))?
    }
}

/// The whole service: `/api/*` and, for every other path, the site.
pub fn app(state: AppState) -> Router {
    let site = static_router(state.site_dir());
    api_router(state).merge(site)
}

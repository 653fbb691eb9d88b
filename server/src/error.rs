//! The server's one error type: storage, file and command-line failures.

use std::path::PathBuf;

/// Anything that can go wrong in the server outside a request's own validation.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("postgres connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database schema: {0}")]
    Schema(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("record JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Record(#[from] crumb_core::RecordError),
    #[error("serving: {0}")]
    Serve(String),
    #[error("background task failed: {0}")]
    Task(String),
    /// A token command that cannot be done (a name taken, no such token).
    #[error("token: {0}")]
    Token(String),
    #[error("{0} (try --help)")]
    Usage(String),
}

impl ServerError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> ServerError {
        ServerError::Io { path: path.into(), source }
    }
}

//! Crate-wide error type for the library core.
//!
//! User mistakes (a bad knowledge file, an unknown region) are kept apart from internal failures
//! (I/O, the index) so channels can answer the first with a helpful message and log the second.

use std::path::PathBuf;

/// Errors of the library core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("knowledge base has {} problem(s); first: {}", .0.len(), .0.first().map(|p| p.to_string()).unwrap_or_default())]
    Knowledge(Vec<crate::knowledge::Problem>),
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("index directory error: {0}")]
    IndexDir(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

//! Session storage for the slot-filling dialogue engine.
//!
//! A consultation is a multi-turn form (city, 参保类型, months missed, …), so
//! the half-filled form must outlive one request, one process and — when
//! several bot instances run behind one front end — one machine. This module
//! keeps that state behind a single [`SessionStore`] trait with three
//! backends:
//!
//! * [`MemoryStore`] for tests and throw-away runs,
//! * [`SqliteStore`], the embedded default (a file in the data dir), which
//!   survives a killed process,
//! * `RedisStore` (cargo feature `redis-store`, on by default) so several
//!   instances can share sessions.
//!
//! Stores only move opaque [`StoredSession`] records. The policy — state
//! versioning, idle expiry, per-session locking and "never fail a
//! conversation because of old state" — lives once in [`Sessions`]
//! (`manager.rs`), so every backend behaves the same.
//!
//! Stores shared between processes (SQLite, Redis) also hold the per-session
//! *turn lock*: two messages of one conversation that reach two instances at
//! the same moment must not both load the old form and save over each other.
//! The lock carries a random owner token and expires (a crashed holder blocks
//! nobody for long), and a save under the lock is *fenced*: it only lands if
//! the token still owns the lock, checked in the same atomic operation.

mod clock;
mod manager;
mod memory;
#[cfg(feature = "redis-store")]
mod redis;
mod sqlite;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub use self::clock::{Clock, SystemClock, TokioClock};
pub use self::manager::{
    LoadStatus, Loaded, SessionLock, Sessions, DEFAULT_LOCK_TTL, DEFAULT_LOCK_WAIT, DEFAULT_TTL,
};
pub use self::memory::MemoryStore;
#[cfg(feature = "redis-store")]
pub use self::redis::{RedisOptions, RedisStore};
pub use self::sqlite::SqliteStore;

/// File name of the SQLite session database inside the data dir.
pub const SQLITE_FILE_NAME: &str = "sessions.sqlite3";

/// Errors from session storage.
///
/// Only infrastructure problems surface as errors. Stale, foreign-version or
/// unparseable *state* is not an error: [`Sessions::load`] turns it into a
/// fresh session.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("sqlite session store: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[cfg(feature = "redis-store")]
    #[error("redis session store: {0}")]
    Redis(#[from] ::redis::RedisError),

    #[error("cannot serialise session state: {0}")]
    Serialize(#[source] serde_json::Error),

    /// A stored record exists but cannot be read back as a [`StoredSession`]
    /// (e.g. a Redis hash with a missing field). The manager treats this like
    /// unparseable state and starts a fresh session.
    #[error("stored session {id:?} is corrupt: {reason}")]
    Corrupt { id: String, reason: String },

    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("invalid session store spec {spec:?}: {reason}")]
    InvalidSpec { spec: String, reason: String },

    #[error("session store spec {spec:?} needs cargo feature `{feature}`, which this build lacks")]
    FeatureDisabled { spec: String, feature: &'static str },

    /// A blocking store task panicked or was cancelled.
    #[error("session store task failed: {0}")]
    Task(String),

    /// A save under the turn lock was refused: the lock was not taken (store
    /// unreachable, waited too long) or expired and another instance took it.
    /// Saving would overwrite that instance's turn, so the state is not saved.
    #[error("session {id:?}: not saved, this turn does not hold the session lock ({reason})")]
    LockLost { id: String, reason: &'static str },
}

/// One session as a store keeps it: the state is opaque JSON, tagged with the
/// state-schema version that wrote it and the time of the last save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// Version of the dialogue state's shape (see [`Sessions::new`]).
    pub version: u32,
    /// Milliseconds since the Unix epoch of the last save (from a [`Clock`]).
    pub updated_at_ms: i64,
    /// The dialogue state serialised as JSON.
    pub state: String,
}

/// Where sessions live. Implementations store records verbatim; expiry,
/// versioning and locking are the [`Sessions`] manager's job.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// The record stored under `id`, or `None` if there is none.
    async fn load(&self, id: &str) -> Result<Option<StoredSession>, SessionError>;

    /// Store `s` under `id`, replacing any previous record. `ttl` is a hint
    /// for stores that expire records themselves (Redis); others ignore it
    /// and rely on [`SessionStore::purge_expired`].
    async fn save(&self, id: &str, s: &StoredSession, ttl: Duration) -> Result<(), SessionError>;

    /// Remove the record under `id`; removing a missing id is not an error.
    async fn delete(&self, id: &str) -> Result<(), SessionError>;

    /// Remove sessions idle longer than ttl as of now_ms; returns how many were removed.
    /// Stores with turn locks also drop locks that expired before `now_ms`.
    async fn purge_expired(&self, now_ms: i64, ttl: Duration) -> Result<usize, SessionError>;

    /// True if several processes may share this store, so [`Sessions::lock`]
    /// must also take the turn lock here ([`SessionStore::try_lock`]). Stores
    /// private to one process (memory) need only the in-process lock.
    fn shared_between_processes(&self) -> bool {
        false
    }

    /// Take the turn lock of session `id` for `token` until `lock_ttl` after
    /// `now_ms`, if nobody else holds it (or their lock expired). Returns
    /// whether it was taken. Never waits for the lock.
    async fn try_lock(
        &self,
        _id: &str,
        _token: &str,
        _now_ms: i64,
        _lock_ttl: Duration,
    ) -> Result<bool, SessionError> {
        Ok(true)
    }

    /// Release the turn lock of `id` if `token` still holds it.
    async fn unlock(&self, _id: &str, _token: &str) -> Result<(), SessionError> {
        Ok(())
    }

    /// [`SessionStore::save`] only if `token` holds the unexpired turn lock of
    /// `id` at `now_ms`, checked in the same atomic operation as the write.
    /// Returns whether it saved.
    async fn save_fenced(
        &self,
        id: &str,
        s: &StoredSession,
        ttl: Duration,
        _token: &str,
        _now_ms: i64,
    ) -> Result<bool, SessionError> {
        self.save(id, s, ttl).await.map(|()| true)
    }

    /// Short backend name for logs ("memory", "sqlite", "redis").
    fn name(&self) -> &'static str;
}

/// `url` with any password replaced by `***`, for logs and errors.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// `ttl` in whole milliseconds, saturating at `i64::MAX`.
pub(crate) fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)
}

/// Records with `updated_at_ms` strictly below this are idle longer than `ttl`.
pub(crate) fn expiry_cutoff_ms(now_ms: i64, ttl: Duration) -> i64 {
    now_ms.saturating_sub(ttl_ms(ttl))
}

/// Open the store named by a configuration string:
///
/// * `memory` — a [`MemoryStore`] (lost on exit),
/// * `sqlite` — [`SqliteStore`] at `<data_dir>/sessions.sqlite3`,
/// * `sqlite:<path>` — [`SqliteStore`] at `<path>` (taken as given),
/// * `redis://…`, `rediss://…`, `redis+unix://…` — `RedisStore` with key
///   prefix `bujiao:` (needs cargo feature `redis-store`).
pub async fn open_store(
    spec: &str,
    data_dir: &Path,
) -> Result<Arc<dyn SessionStore>, SessionError> {
    let spec = spec.trim();
    let invalid = |reason: &str| SessionError::InvalidSpec {
        spec: redact_url(spec),
        reason: reason.to_owned(),
    };
    if spec.eq_ignore_ascii_case("memory") {
        return Ok(Arc::new(MemoryStore::new()));
    }
    let sqlite_path = if spec.eq_ignore_ascii_case("sqlite") {
        Some(data_dir.join(SQLITE_FILE_NAME))
    } else if let Some(path) = spec.strip_prefix("sqlite:") {
        if path.is_empty() {
            return Err(invalid("empty path after `sqlite:`"));
        }
        Some(PathBuf::from(path))
    } else {
        None
    };
    if let Some(path) = sqlite_path {
        let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
            .await
            .map_err(|e| SessionError::Task(e.to_string()))??;
        return Ok(Arc::new(store));
    }
    if spec.starts_with("redis://")
        || spec.starts_with("rediss://")
        || spec.starts_with("redis+unix://")
    {
        return open_redis(spec).await;
    }
    Err(invalid(
        "expected `memory`, `sqlite`, `sqlite:<path>` or a `redis://` URL",
    ))
}

#[cfg(feature = "redis-store")]
async fn open_redis(spec: &str) -> Result<Arc<dyn SessionStore>, SessionError> {
    // Unreachable now is not fatal: turns are answered without a session until Redis is back.
    Ok(Arc::new(
        RedisStore::connect_or_defer(spec, "bujiao:", RedisOptions::default()).await?,
    ))
}

#[cfg(not(feature = "redis-store"))]
async fn open_redis(spec: &str) -> Result<Arc<dyn SessionStore>, SessionError> {
    Err(SessionError::FeatureDisabled {
        spec: redact_url(spec),
        feature: "redis-store",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_hides_credentials_only() {
        assert_eq!(
            redact_url("redis://:s3cret@10.0.0.1:6379/0"),
            "redis://***@10.0.0.1:6379/0"
        );
        assert_eq!(redact_url("rediss://user:pw@host/1"), "rediss://***@host/1");
        assert_eq!(
            redact_url("redis://127.0.0.1:6379/0"),
            "redis://127.0.0.1:6379/0"
        );
        assert_eq!(redact_url("memory"), "memory");
    }

    #[test]
    fn expiry_cutoff_saturates() {
        assert_eq!(expiry_cutoff_ms(10_000, Duration::from_secs(3)), 7_000);
        assert_eq!(expiry_cutoff_ms(i64::MIN, Duration::from_secs(1)), i64::MIN);
        assert_eq!(ttl_ms(Duration::MAX), i64::MAX);
    }
}

//! SQLite session store — the embedded default.
//!
//! A single-instance bot needs sessions that survive a crash or a restart
//! without running any server: one SQLite file in the data dir does that.
//! WAL mode with `synchronous = NORMAL` makes every committed save survive
//! the process being killed. rusqlite is synchronous, so every call runs on
//! the store's own thread, which owns the connection, and never stalls the
//! async runtime. One thread rather than tokio's blocking pool: with one
//! connection behind a mutex, every waiting call parked a blocking-pool thread
//! on that mutex, and under 1,000 concurrent chats the pool grew to hundreds
//! of threads that mostly waited (issue 15); queued calls now wait in a
//! channel.
//!
//! Several processes may open the same file, so the turn lock lives here too:
//! table `session_locks` has one row per locked session (owner token, expiry).
//! Taking it is one upsert that only replaces an expired row or our own; a
//! fenced save checks the row and writes the session inside one IMMEDIATE
//! transaction, so a holder whose lock expired and was taken cannot
//! overwrite the new holder's turn.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tracing::{info, warn};

use crate::session::{expiry_cutoff_ms, ttl_ms, SessionError, SessionStore, StoredSession};

/// Layout of the tables, kept in `PRAGMA user_version`. 1: `sessions`;
/// 2: adds `session_locks` (a version-1 file is upgraded in place).
const SCHEMA_VERSION: i64 = 2;

/// Older layouts [`init_schema`] upgrades without dropping sessions.
const UPGRADABLE_FROM: &[i64] = &[1];

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const CREATE_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS sessions (
        id            TEXT    PRIMARY KEY NOT NULL,
        version       INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        state         TEXT    NOT NULL
    );
    CREATE INDEX IF NOT EXISTS sessions_updated_at ON sessions (updated_at_ms);
    CREATE TABLE IF NOT EXISTS session_locks (
        id            TEXT    PRIMARY KEY NOT NULL,
        token         TEXT    NOT NULL,
        expires_at_ms INTEGER NOT NULL
    );
";

/// A call to run on the store's thread.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// Sessions in an SQLite database (table `sessions`).
#[derive(Clone)]
pub struct SqliteStore {
    /// To the thread that owns the connection; it exits when every clone is dropped.
    jobs: mpsc::Sender<Job>,
    path: Option<PathBuf>,
}

/// Starts the thread that owns `conn` and runs the calls sent to it, in order.
fn spawn_worker(mut conn: Connection) -> Result<mpsc::Sender<Job>, SessionError> {
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("sqlite-sessions".into())
        .spawn(move || {
            for job in rx {
                // A panicking call drops its reply (the caller sees a task error) and rusqlite
                // rolls back its unfinished transaction; the thread goes on serving.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut conn)));
            }
        })
        .map_err(|source| SessionError::Io {
            action: "starting the session store thread for",
            path: PathBuf::from("sqlite"),
            source,
        })?;
    Ok(tx)
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Open (or create) the database at `path`, creating missing parent
    /// directories and the table.
    ///
    /// This blocks briefly on file I/O: call it at startup, or from
    /// `spawn_blocking` as [`crate::session::open_store`] does.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SessionError> {
        let path = path.as_ref();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| SessionError::Io {
                action: "creating session directory",
                path: parent.to_owned(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            warn!(path = %path.display(), %mode, "SQLite refused WAL mode for the session store");
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        init_schema(&mut conn)?;
        info!(path = %path.display(), "opened SQLite session store");
        Ok(Self {
            jobs: spawn_worker(conn)?,
            path: Some(path.to_owned()),
        })
    }

    /// A private in-memory database (for tests).
    pub fn in_memory() -> Result<Self, SessionError> {
        let mut conn = Connection::open_in_memory()?;
        init_schema(&mut conn)?;
        Ok(Self {
            jobs: spawn_worker(conn)?,
            path: None,
        })
    }

    /// The database file, or `None` for [`SqliteStore::in_memory`].
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Run `f` on the connection, on the store's thread.
    async fn run<R, F>(&self, f: F) -> Result<R, SessionError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, SessionError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = reply.send(f(conn));
        });
        self.jobs
            .send(job)
            .map_err(|_| SessionError::Task("the session store thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| SessionError::Task("a session store call panicked".into()))?
    }
}

/// Create the table, or recreate it if the file has a layout this build
/// does not know (sessions are short-lived; starting fresh beats failing).
fn init_schema(conn: &mut Connection) -> Result<(), SessionError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found != 0 && found != SCHEMA_VERSION && !UPGRADABLE_FROM.contains(&found) {
        warn!(
            found,
            expected = SCHEMA_VERSION,
            "unknown session table layout; dropping stored sessions"
        );
        tx.execute_batch("DROP TABLE IF EXISTS sessions; DROP TABLE IF EXISTS session_locks;")?;
    }
    tx.execute_batch(CREATE_SCHEMA)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

fn upsert_session(conn: &Connection, id: &str, s: &StoredSession) -> Result<(), SessionError> {
    conn.prepare_cached(
        "INSERT INTO sessions (id, version, updated_at_ms, state)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET
             version = excluded.version,
             updated_at_ms = excluded.updated_at_ms,
             state = excluded.state",
    )?
    .execute(params![id, s.version, s.updated_at_ms, s.state])?;
    Ok(())
}

fn corrupt(id: &str, reason: impl fmt::Display) -> SessionError {
    SessionError::Corrupt {
        id: id.to_owned(),
        reason: reason.to_string(),
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn load(&self, id: &str) -> Result<Option<StoredSession>, SessionError> {
        let id = id.to_owned();
        self.run(move |conn| {
            let row = conn
                .prepare_cached("SELECT version, updated_at_ms, state FROM sessions WHERE id = ?1")?
                .query_row([&id], |row| {
                    // Keep conversion errors apart from query errors: a
                    // wrongly typed column is a corrupt record, not an outage.
                    Ok((
                        row.get::<_, i64>(0),
                        row.get::<_, i64>(1),
                        row.get::<_, String>(2),
                    ))
                })
                .optional()?;
            let Some((version, updated_at_ms, state)) = row else {
                return Ok(None);
            };
            let version = version.map_err(|e| corrupt(&id, e))?;
            Ok(Some(StoredSession {
                version: u32::try_from(version)
                    .map_err(|_| corrupt(&id, format!("version {version} out of range")))?,
                updated_at_ms: updated_at_ms.map_err(|e| corrupt(&id, e))?,
                state: state.map_err(|e| corrupt(&id, e))?,
            }))
        })
        .await
    }

    async fn save(&self, id: &str, s: &StoredSession, _ttl: Duration) -> Result<(), SessionError> {
        let id = id.to_owned();
        let s = s.clone();
        self.run(move |conn| upsert_session(conn, &id, &s)).await
    }

    fn shared_between_processes(&self) -> bool {
        // An in-memory database is private to its connection.
        self.path.is_some()
    }

    async fn try_lock(
        &self,
        id: &str,
        token: &str,
        now_ms: i64,
        lock_ttl: Duration,
    ) -> Result<bool, SessionError> {
        let (id, token) = (id.to_owned(), token.to_owned());
        let expires = now_ms.saturating_add(ttl_ms(lock_ttl));
        self.run(move |conn| {
            // One statement, so atomic: insert, or take over an expired row
            // (or our own); a live row of another owner is left alone.
            let changed = conn
                .prepare_cached(
                    "INSERT INTO session_locks (id, token, expires_at_ms) VALUES (?1, ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET
                         token = excluded.token,
                         expires_at_ms = excluded.expires_at_ms
                     WHERE session_locks.expires_at_ms <= ?4
                        OR session_locks.token = excluded.token",
                )?
                .execute(params![id, token, expires, now_ms])?;
            Ok(changed == 1)
        })
        .await
    }

    async fn unlock(&self, id: &str, token: &str) -> Result<(), SessionError> {
        let (id, token) = (id.to_owned(), token.to_owned());
        self.run(move |conn| {
            conn.prepare_cached("DELETE FROM session_locks WHERE id = ?1 AND token = ?2")?
                .execute([&id, &token])?;
            Ok(())
        })
        .await
    }

    async fn save_fenced(
        &self,
        id: &str,
        s: &StoredSession,
        _ttl: Duration,
        token: &str,
        now_ms: i64,
    ) -> Result<bool, SessionError> {
        let (id, token) = (id.to_owned(), token.to_owned());
        let s = s.clone();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let held = tx
                .prepare_cached(
                    "SELECT 1 FROM session_locks
                     WHERE id = ?1 AND token = ?2 AND expires_at_ms > ?3",
                )?
                .exists(params![id, token, now_ms])?;
            if !held {
                return Ok(false); // dropping `tx` rolls back
            }
            upsert_session(&tx, &id, &s)?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn delete(&self, id: &str) -> Result<(), SessionError> {
        let id = id.to_owned();
        self.run(move |conn| {
            conn.prepare_cached("DELETE FROM sessions WHERE id = ?1")?
                .execute([&id])?;
            Ok(())
        })
        .await
    }

    async fn purge_expired(&self, now_ms: i64, ttl: Duration) -> Result<usize, SessionError> {
        let cutoff = expiry_cutoff_ms(now_ms, ttl);
        self.run(move |conn| {
            conn.prepare_cached("DELETE FROM session_locks WHERE expires_at_ms <= ?1")?
                .execute([now_ms])?;
            Ok(conn
                .prepare_cached("DELETE FROM sessions WHERE updated_at_ms < ?1")?
                .execute([cutoff])?)
        })
        .await
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_version(path: &Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[tokio::test]
    async fn creates_parent_dirs_wal_and_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/sessions.sqlite3");
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.path(), Some(path.as_path()));
        assert!(path.exists());
        assert_eq!(user_version(&path), SCHEMA_VERSION);
        let mode: String = Connection::open(&path)
            .unwrap()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode.to_ascii_lowercase(), "wal");
    }

    #[tokio::test]
    async fn unknown_schema_version_starts_fresh_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE sessions (id TEXT PRIMARY KEY, blob BLOB);
                 INSERT INTO sessions VALUES ('u1', x'00');
                 PRAGMA user_version = 99;",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(user_version(&path), SCHEMA_VERSION);
        assert_eq!(store.load("u1").await.unwrap(), None);
        let s = StoredSession {
            version: 1,
            updated_at_ms: 5,
            state: "{}".into(),
        };
        store.save("u1", &s, Duration::from_secs(60)).await.unwrap();
        assert_eq!(store.load("u1").await.unwrap(), Some(s));
    }

    #[tokio::test]
    async fn wrongly_typed_row_is_corrupt_not_an_outage() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .run(|conn| {
                conn.execute(
                    "INSERT INTO sessions VALUES ('u1', 'not a number', 1, '{}')",
                    [],
                )?;
                Ok(())
            })
            .await
            .unwrap();
        let err = store.load("u1").await.unwrap_err();
        assert!(matches!(err, SessionError::Corrupt { .. }), "{err:?}");
    }
}

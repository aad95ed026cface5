//! The session policy shared by every store.
//!
//! Stores only keep bytes; [`Sessions`] decides what those bytes mean for a
//! conversation: it stamps saves with the state version and the time, treats
//! sessions idle longer than the TTL (30 minutes by default) as gone, and
//! turns state written by another version — or state that no longer parses —
//! into a fresh session instead of an error, so a deploy never breaks a user's
//! chat. It also serialises messages of one session within a process, so two
//! quick messages cannot interleave their load/modify/save.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::OwnedMutexGuard;
use tracing::{debug, info, warn};

use crate::session::{ttl_ms, Clock, SessionError, SessionStore, StoredSession, TokioClock};

/// Idle time after which a session starts afresh: 30 minutes.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30 * 60);

/// How [`Sessions::load`] came by the state it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoadStatus {
    /// Nothing was stored under this id: a new conversation.
    Fresh,
    /// The stored state was loaded.
    Resumed,
    /// A session was stored but idle longer than the TTL; state is default.
    Expired,
    /// The stored state was written with another state version; state is default.
    VersionReset,
    /// The stored state could not be parsed; state is default.
    Corrupt,
}

impl LoadStatus {
    /// True if the returned state came from the store.
    pub fn is_resumed(self) -> bool {
        self == LoadStatus::Resumed
    }

    /// True if a stored session existed but was discarded (expired, other
    /// version or corrupt) — the bot may want to tell the user it starts over.
    pub fn discarded_previous(self) -> bool {
        matches!(
            self,
            LoadStatus::Expired | LoadStatus::VersionReset | LoadStatus::Corrupt
        )
    }
}

/// State returned by [`Sessions::load`] together with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded<T> {
    pub state: T,
    pub status: LoadStatus,
}

impl<T: Default> Loaded<T> {
    fn fresh(status: LoadStatus) -> Self {
        Self {
            state: T::default(),
            status,
        }
    }
}

#[derive(Default)]
struct LockEntry {
    mutex: Arc<tokio::sync::Mutex<()>>,
    /// Holders plus waiters; the entry is removed when this drops to 0.
    users: usize,
}

type LockTable = Arc<Mutex<HashMap<String, LockEntry>>>;

/// Session manager: a store, a clock, the idle TTL and the current state
/// version. Cheap to clone; clones share the per-session lock table.
#[derive(Clone)]
pub struct Sessions {
    store: Arc<dyn SessionStore>,
    clock: Arc<dyn Clock>,
    ttl: Duration,
    state_version: u32,
    locks: LockTable,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions")
            .field("store", &self.store.name())
            .field("ttl", &self.ttl)
            .field("state_version", &self.state_version)
            .finish_non_exhaustive()
    }
}

impl Sessions {
    /// A manager over `store` for dialogue state of shape `state_version`.
    ///
    /// Bump `state_version` whenever the serialised state changes
    /// incompatibly: sessions written by any other version then restart
    /// fresh ([`LoadStatus::VersionReset`]). Uses [`TokioClock`] and
    /// [`DEFAULT_TTL`].
    pub fn new(store: Arc<dyn SessionStore>, state_version: u32) -> Self {
        Self {
            store,
            clock: Arc::new(TokioClock::new()),
            ttl: DEFAULT_TTL,
            state_version,
            locks: LockTable::default(),
        }
    }

    /// Use `ttl` as the idle timeout instead of [`DEFAULT_TTL`].
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Use `clock` as the time source.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn state_version(&self) -> u32 {
        self.state_version
    }

    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Load the state of session `id`.
    ///
    /// Missing, expired, other-version and unparseable sessions all yield
    /// `T::default()`, with [`Loaded::status`] saying which; only store
    /// failures (I/O, connection) are errors.
    pub async fn load<T>(&self, id: &str) -> Result<Loaded<T>, SessionError>
    where
        T: DeserializeOwned + Default,
    {
        let stored = match self.store.load(id).await {
            Ok(Some(stored)) => stored,
            Ok(None) => return Ok(Loaded::fresh(LoadStatus::Fresh)),
            Err(SessionError::Corrupt { reason, .. }) => {
                warn!(
                    session = id,
                    store = self.store.name(),
                    %reason,
                    "corrupt session record; starting fresh"
                );
                return Ok(Loaded::fresh(LoadStatus::Corrupt));
            }
            Err(e) => return Err(e),
        };

        let idle_ms = self.clock.now_ms().saturating_sub(stored.updated_at_ms);
        if idle_ms > ttl_ms(self.ttl) {
            debug!(
                session = id,
                idle_ms,
                ttl_ms = ttl_ms(self.ttl),
                "session expired; starting fresh"
            );
            return Ok(Loaded::fresh(LoadStatus::Expired));
        }
        if stored.version != self.state_version {
            info!(
                session = id,
                stored_version = stored.version,
                current_version = self.state_version,
                "session state from another version; starting fresh"
            );
            return Ok(Loaded::fresh(LoadStatus::VersionReset));
        }
        match serde_json::from_str::<T>(&stored.state) {
            Ok(state) => Ok(Loaded {
                state,
                status: LoadStatus::Resumed,
            }),
            Err(error) => {
                warn!(
                    session = id,
                    store = self.store.name(),
                    %error,
                    "unparseable session state; starting fresh"
                );
                Ok(Loaded::fresh(LoadStatus::Corrupt))
            }
        }
    }

    /// Save `state` as session `id`, stamped with the current state version
    /// and time (which restarts the idle timer).
    pub async fn save<T>(&self, id: &str, state: &T) -> Result<(), SessionError>
    where
        T: Serialize + ?Sized,
    {
        let stored = StoredSession {
            version: self.state_version,
            updated_at_ms: self.clock.now_ms(),
            state: serde_json::to_string(state).map_err(SessionError::Serialize)?,
        };
        self.store.save(id, &stored, self.ttl).await
    }

    /// Forget session `id` (the user asked to start over).
    pub async fn reset(&self, id: &str) -> Result<(), SessionError> {
        self.store.delete(id).await
    }

    /// Remove sessions idle longer than the TTL; returns how many were removed.
    pub async fn purge_expired(&self) -> Result<usize, SessionError> {
        self.store
            .purge_expired(self.clock.now_ms(), self.ttl)
            .await
    }

    /// Run [`Sessions::purge_expired`] every `every` until the returned task
    /// is aborted. Failures are logged, not fatal.
    pub fn spawn_purger(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let sessions = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                match sessions.purge_expired().await {
                    Ok(0) => {}
                    Ok(n) => debug!(
                        removed = n,
                        store = sessions.store.name(),
                        "purged expired sessions"
                    ),
                    Err(error) => {
                        warn!(%error, store = sessions.store.name(), "purging expired sessions failed")
                    }
                }
            }
        })
    }

    /// Wait for exclusive use of session `id` within this process.
    ///
    /// Hold the returned guard across `load` … `save` so two messages of the
    /// same session are handled one after the other. Sessions with
    /// different ids never wait for each other. The lock is per process:
    /// instances sharing a Redis store do not lock each other out.
    pub async fn lock(&self, id: &str) -> SessionLock {
        let slot = LockSlot::register(&self.locks, id);
        let guard = Arc::clone(&slot.mutex).lock_owned().await;
        SessionLock {
            _guard: guard,
            slot,
        }
    }

    /// Number of session ids that currently have a lock holder or waiter.
    /// Ids are removed from the lock table as soon as nobody uses them.
    pub fn active_locks(&self) -> usize {
        self.locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Exclusive use of one session within this process, from [`Sessions::lock`].
/// Released on drop.
#[must_use = "the session is unlocked as soon as the guard is dropped"]
pub struct SessionLock {
    // Field order matters: the mutex guard is released before the slot
    // unregisters, so a removed table entry is never still locked.
    _guard: OwnedMutexGuard<()>,
    slot: LockSlot,
}

impl SessionLock {
    /// The locked session id.
    pub fn id(&self) -> &str {
        &self.slot.id
    }
}

impl fmt::Debug for SessionLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLock")
            .field("id", &self.slot.id)
            .finish()
    }
}

/// One registered user (holder or waiter) of a lock-table entry. Dropping it
/// — also when a waiting `lock()` future is cancelled — unregisters, and the
/// last user removes the entry.
struct LockSlot {
    table: LockTable,
    id: String,
    mutex: Arc<tokio::sync::Mutex<()>>,
}

impl LockSlot {
    fn register(table: &LockTable, id: &str) -> Self {
        let mut map = table.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = map.entry(id.to_owned()).or_default();
        entry.users += 1;
        Self {
            table: Arc::clone(table),
            id: id.to_owned(),
            mutex: Arc::clone(&entry.mutex),
        }
    }
}

impl Drop for LockSlot {
    fn drop(&mut self) {
        let mut map = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = map.get_mut(&self.id) {
            entry.users = entry.users.saturating_sub(1);
            if entry.users == 0 {
                map.remove(&self.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::MemoryStore;

    fn sessions() -> Sessions {
        Sessions::new(Arc::new(MemoryStore::new()), 1)
    }

    #[tokio::test]
    async fn lock_table_is_emptied_when_guards_drop() {
        let s = sessions();
        let a = s.lock("a").await;
        let b = s.lock("b").await;
        assert_eq!(a.id(), "a");
        assert_eq!(s.active_locks(), 2);
        drop(a);
        assert_eq!(s.active_locks(), 1);
        drop(b);
        assert_eq!(s.active_locks(), 0);
    }

    #[tokio::test]
    async fn same_id_waits_other_id_does_not() {
        let s = sessions();
        let held = s.lock("a").await;
        // A different id is not blocked.
        let other = tokio::time::timeout(Duration::from_secs(1), s.lock("b")).await;
        assert!(other.is_ok());
        drop(other);
        // The same id is blocked while held …
        let blocked = tokio::time::timeout(Duration::from_millis(50), s.lock("a")).await;
        assert!(blocked.is_err());
        // … and the cancelled waiter left no trace beyond the holder.
        assert_eq!(s.active_locks(), 1);
        let waiter = {
            let s = s.clone();
            tokio::spawn(async move {
                let _g = s.lock("a").await;
            })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(held);
        waiter.await.unwrap();
        assert_eq!(s.active_locks(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn purger_removes_idle_sessions() {
        let store = Arc::new(MemoryStore::new());
        let s = Sessions::new(store.clone(), 1);
        s.save("u", &1u32).await.unwrap();
        let purger = s.spawn_purger(Duration::from_secs(60));
        tokio::time::sleep(DEFAULT_TTL + Duration::from_secs(30)).await;
        assert_eq!(store.len(), 1, "not idle long enough yet");
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(store.is_empty());
        purger.abort();
    }

    #[test]
    fn status_helpers() {
        assert!(LoadStatus::Resumed.is_resumed());
        assert!(!LoadStatus::Fresh.discarded_previous());
        assert!(LoadStatus::Expired.discarded_previous());
        assert!(LoadStatus::VersionReset.discarded_previous());
        assert!(LoadStatus::Corrupt.discarded_previous());
    }
}

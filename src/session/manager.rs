//! The session policy shared by every store.
//!
//! Stores only keep bytes; [`Sessions`] decides what those bytes mean for a
//! conversation: it stamps saves with the state version and the time, treats
//! sessions idle longer than the TTL (30 minutes by default) as gone, and
//! turns state written by another version — or state that no longer parses —
//! into a fresh session instead of an error, so a deploy never breaks a user's
//! chat. It also serialises the turns of one session — load, modify, save —
//! so two quick messages cannot interleave and lose a slot:
//!
//! * within a process by an in-process mutex per session id (the cheap fast
//!   path, and all a store private to the process needs);
//! * across processes, for stores several instances share (SQLite, Redis), by
//!   a turn lock held in the store: a random owner token, an expiry
//!   ([`DEFAULT_LOCK_TTL`], so a crashed holder blocks a chat only that long),
//!   waited for with short jittered backoff up to [`DEFAULT_LOCK_WAIT`]. While
//!   a [`SessionLock`] is held, [`Sessions::save`] of that id is fenced: it
//!   writes only if the token still holds the lock, checked atomically by the
//!   store, so a turn whose lock expired cannot overwrite the next one.
//!
//! A store that cannot be locked (unreachable, or the lock not freed in time)
//! never blocks a reply: the turn goes on, and its save is refused
//! ([`SessionError::LockLost`]) rather than risk overwriting another turn.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::{oneshot, OwnedMutexGuard};
use tracing::{debug, error, info, warn};

use crate::session::{ttl_ms, Clock, SessionError, SessionStore, StoredSession, TokioClock};

/// Idle time after which a session starts afresh: 30 minutes.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30 * 60);

/// How long a turn lock in a shared store lives unless released: a turn takes
/// milliseconds, and a crashed holder blocks its conversation at most this long.
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(30);

/// How long [`Sessions::lock`] waits for another instance's turn lock before
/// going on without it (the turn is answered, its state not saved).
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(10);

/// First and longest pause between attempts to take a busy turn lock.
const MIN_BACKOFF: Duration = Duration::from_millis(2);
const MAX_BACKOFF: Duration = Duration::from_millis(50);

/// Longest wait for one store call of the lock (taking or releasing), so a
/// store that stops answering cannot hang a turn.
const LOCK_CALL_TIMEOUT: Duration = Duration::from_secs(5);

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

/// What the current in-process holder of a session's lock has in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fence {
    /// The store is private to this process: the in-process lock is enough.
    Local,
    /// The store's turn lock, held with this token: saves are fenced by it.
    Held(String),
    /// The store's turn lock could not be taken; saves are refused.
    Unavailable(&'static str),
}

#[derive(Default)]
struct LockEntry {
    mutex: Arc<tokio::sync::Mutex<()>>,
    /// Holders plus waiters; the entry is removed when this drops to 0.
    users: usize,
    /// Set by the holder for the time it holds the lock.
    fence: Option<Fence>,
    /// The previous holder's store lock release, still under way: the next
    /// holder waits for it instead of finding the store lock taken.
    releasing: Option<oneshot::Receiver<()>>,
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
    lock_ttl: Duration,
    lock_wait: Duration,
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
            lock_ttl: DEFAULT_LOCK_TTL,
            lock_wait: DEFAULT_LOCK_WAIT,
        }
    }

    /// Let turn locks in a shared store expire after `lock_ttl` instead of
    /// [`DEFAULT_LOCK_TTL`].
    pub fn with_lock_ttl(mut self, lock_ttl: Duration) -> Self {
        self.lock_ttl = lock_ttl;
        self
    }

    /// Wait at most `lock_wait` for a busy turn lock instead of
    /// [`DEFAULT_LOCK_WAIT`].
    pub fn with_lock_wait(mut self, lock_wait: Duration) -> Self {
        self.lock_wait = lock_wait;
        self
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
    ///
    /// While this process holds [`Sessions::lock`] for `id` on a shared
    /// store, the save is fenced: it fails with [`SessionError::LockLost`]
    /// instead of writing when the turn lock was not taken or has passed to
    /// another instance. Without a lock it writes unconditionally.
    pub async fn save<T>(&self, id: &str, state: &T) -> Result<(), SessionError>
    where
        T: Serialize + ?Sized,
    {
        let now_ms = self.clock.now_ms();
        let stored = StoredSession {
            version: self.state_version,
            updated_at_ms: now_ms,
            state: serde_json::to_string(state).map_err(SessionError::Serialize)?,
        };
        let fence = self
            .locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .and_then(|e| e.fence.clone());
        match fence {
            None | Some(Fence::Local) => self.store.save(id, &stored, self.ttl).await,
            Some(Fence::Held(token)) => {
                if self
                    .store
                    .save_fenced(id, &stored, self.ttl, &token, now_ms)
                    .await?
                {
                    Ok(())
                } else {
                    Err(SessionError::LockLost {
                        id: id.to_owned(),
                        reason: "the turn lock expired and may have passed to another instance",
                    })
                }
            }
            Some(Fence::Unavailable(reason)) => Err(SessionError::LockLost {
                id: id.to_owned(),
                reason,
            }),
        }
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

    /// Wait for exclusive use of session `id` — within this process and,
    /// for a store several instances share, across all of them.
    ///
    /// Hold the returned guard across `load` … `save` so two messages of the
    /// same session are handled one after the other, wherever they arrive.
    /// Sessions with different ids never wait for each other.
    ///
    /// Never fails and never waits longer than the lock wait (plus one store
    /// call): if the store's turn lock cannot be taken — store unreachable,
    /// or another instance holding it that long — the error is logged, the
    /// guard is returned anyway ([`SessionLock::is_exclusive`] is false) and
    /// the turn's [`Sessions::save`] is refused.
    pub async fn lock(&self, id: &str) -> SessionLock {
        let slot = LockSlot::register(&self.locks, id);
        let guard = Arc::clone(&slot.mutex).lock_owned().await;
        let releasing = slot.entry(|e| e.releasing.take()).flatten();
        if let Some(released) = releasing {
            // The previous holder in this process is still releasing the store
            // lock (bounded by LOCK_CALL_TIMEOUT); an error just means done.
            let _ = released.await;
        }
        let fence = if self.store.shared_between_processes() {
            self.acquire_store_lock(id).await
        } else {
            Fence::Local
        };
        slot.entry(|e| e.fence = Some(fence.clone()));
        SessionLock {
            guard: Some(guard),
            slot: Some(slot),
            fence,
            store: Arc::clone(&self.store),
        }
    }

    /// Take the store's turn lock of `id`, retrying with jittered backoff up
    /// to the lock wait.
    async fn acquire_store_lock(&self, id: &str) -> Fence {
        let token = new_token();
        let started = tokio::time::Instant::now();
        let deadline = started + self.lock_wait;
        let mut backoff = MIN_BACKOFF;
        for attempt in 0u64.. {
            let try_lock = self
                .store
                .try_lock(id, &token, self.clock.now_ms(), self.lock_ttl);
            match tokio::time::timeout(LOCK_CALL_TIMEOUT, try_lock).await {
                Ok(Ok(true)) => {
                    if attempt > 0 {
                        debug!(session = id, attempt, waited = ?started.elapsed(), "took the session turn lock");
                    }
                    return Fence::Held(token);
                }
                Ok(Ok(false)) => {}
                Ok(Err(error)) => {
                    error!(session = id, store = self.store.name(), %error,
                        "cannot take the session turn lock; answering without saving");
                    return Fence::Unavailable("the session store could not be locked");
                }
                Err(_) => {
                    error!(
                        session = id,
                        store = self.store.name(),
                        "session store did not answer the lock request; answering without saving"
                    );
                    return Fence::Unavailable("the session store did not answer the lock request");
                }
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                warn!(session = id, store = self.store.name(), waited = ?started.elapsed(),
                    "session turn lock still held by another turn; answering without saving");
                return Fence::Unavailable("another turn held the session lock too long");
            }
            // Full jitter, so two waiters do not retry in step.
            let jitter = xxhash_rust::xxh3::xxh3_64_with_seed(token.as_bytes(), attempt);
            let pause = backoff.mul_f64(0.5 + (jitter % 1024) as f64 / 2048.0);
            tokio::time::sleep(pause.min(deadline - now)).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        unreachable!("the attempt counter does not run out")
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

/// Exclusive use of one session, from [`Sessions::lock`]. Released on drop:
/// the in-process lock at once, the store's turn lock (if any) by a task
/// that the next holder in this process waits for; if that release never
/// happens (no runtime, store down), the store lock expires by itself.
#[must_use = "the session is unlocked as soon as the guard is dropped"]
pub struct SessionLock {
    // Always `Some` until drop, which releases the guard before the slot
    // unregisters, so a removed table entry is never still locked.
    guard: Option<OwnedMutexGuard<()>>,
    slot: Option<LockSlot>,
    fence: Fence,
    store: Arc<dyn SessionStore>,
}

impl SessionLock {
    /// The locked session id.
    pub fn id(&self) -> &str {
        self.slot.as_ref().map_or("", |s| s.id.as_str())
    }

    /// False if the store's turn lock could not be taken: the turn can be
    /// answered, but [`Sessions::save`] of it will be refused.
    pub fn is_exclusive(&self) -> bool {
        !matches!(self.fence, Fence::Unavailable(_))
    }

    /// Release the store's turn lock now, awaited (bounded by the lock call
    /// timeout), then the in-process lock. A reply sent after this leaves no
    /// lock behind even if the process is killed right after it: with the
    /// release in a task (plain drop), a `kill -9` between the reply and the
    /// task left the lock to block the conversation's next turn, after a
    /// restart, until it expired.
    pub async fn release(mut self) {
        if let Fence::Held(token) = std::mem::replace(&mut self.fence, Fence::Local) {
            let id = self.id().to_owned();
            match tokio::time::timeout(LOCK_CALL_TIMEOUT, self.store.unlock(&id, &token)).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => warn!(session = %id, %error,
                    "could not release the session turn lock; it expires by itself"),
                Err(_) => warn!(session = %id,
                    "releasing the session turn lock timed out; it expires by itself"),
            }
        }
    }
}

impl Drop for SessionLock {
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        let release = match &self.fence {
            Fence::Held(token) => Some(token.clone()),
            _ => None,
        };
        let handle = tokio::runtime::Handle::try_current().ok();
        slot.entry(|entry| {
            entry.fence = None;
            if let (Some(token), Some(handle)) = (release, handle.as_ref()) {
                let (done, released) = oneshot::channel();
                entry.releasing = Some(released);
                let store = Arc::clone(&self.store);
                let id = slot.id.clone();
                handle.spawn(async move {
                    match tokio::time::timeout(LOCK_CALL_TIMEOUT, store.unlock(&id, &token)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(error)) => warn!(session = %id, %error,
                            "could not release the session turn lock; it expires by itself"),
                        Err(_) => warn!(session = %id,
                            "releasing the session turn lock timed out; it expires by itself"),
                    }
                    let _ = done.send(());
                });
            }
        });
        drop(self.guard.take());
        drop(slot);
    }
}

impl fmt::Debug for SessionLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLock")
            .field("id", &self.id())
            .field("exclusive", &self.is_exclusive())
            .finish()
    }
}

/// A random owner token for a store turn lock (128 bits, hex).
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    if let Err(error) = getrandom::fill(&mut bytes) {
        // Unique enough for ownership even without the OS generator.
        warn!(%error, "no OS randomness for a lock token; using time and a counter");
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let seed = xxhash_rust::xxh3::xxh3_64(&t.to_le_bytes()) ^ u64::from(std::process::id());
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..].copy_from_slice(&n.to_le_bytes());
    }
    hex::encode(bytes)
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
    /// Run `f` on this slot's table entry (present while the slot lives).
    fn entry<R>(&self, f: impl FnOnce(&mut LockEntry) -> R) -> Option<R> {
        let mut map = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        map.get_mut(&self.id).map(f)
    }

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

    /// A shared store that fails every call, or never answers lock requests.
    struct BrokenStore {
        hang: bool,
    }

    #[async_trait::async_trait]
    impl SessionStore for BrokenStore {
        async fn load(&self, _: &str) -> Result<Option<StoredSession>, SessionError> {
            Err(SessionError::Task("unreachable".into()))
        }
        async fn save(&self, _: &str, _: &StoredSession, _: Duration) -> Result<(), SessionError> {
            Err(SessionError::Task("unreachable".into()))
        }
        async fn delete(&self, _: &str) -> Result<(), SessionError> {
            Err(SessionError::Task("unreachable".into()))
        }
        async fn purge_expired(&self, _: i64, _: Duration) -> Result<usize, SessionError> {
            Err(SessionError::Task("unreachable".into()))
        }
        fn shared_between_processes(&self) -> bool {
            true
        }
        async fn try_lock(
            &self,
            _: &str,
            _: &str,
            _: i64,
            _: Duration,
        ) -> Result<bool, SessionError> {
            if self.hang {
                std::future::pending::<()>().await;
            }
            Err(SessionError::Task("unreachable".into()))
        }
        fn name(&self) -> &'static str {
            "broken"
        }
    }

    /// An unreachable store neither blocks nor panics: the guard comes back
    /// (not exclusive), and the save is refused rather than unfenced.
    #[tokio::test]
    async fn unreachable_store_gives_a_non_exclusive_lock_at_once() {
        let s = Sessions::new(Arc::new(BrokenStore { hang: false }), 1);
        let guard = s.lock("a").await;
        assert!(!guard.is_exclusive());
        assert!(matches!(
            s.save("a", &1u32).await,
            Err(SessionError::LockLost { .. })
        ));
        drop(guard);
        assert_eq!(s.active_locks(), 0);
        // The next turn tries again (and the in-process lock is free).
        assert!(!s.lock("a").await.is_exclusive());
    }

    /// A store that never answers the lock request costs one call timeout,
    /// not a hung conversation (paused time: no real waiting).
    #[tokio::test(start_paused = true)]
    async fn hanging_store_times_out() {
        let s = Sessions::new(Arc::new(BrokenStore { hang: true }), 1);
        let started = tokio::time::Instant::now();
        let guard = s.lock("a").await;
        assert!(!guard.is_exclusive());
        assert_eq!(started.elapsed(), LOCK_CALL_TIMEOUT);
    }

    #[tokio::test]
    async fn tokens_are_unique_hex() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
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

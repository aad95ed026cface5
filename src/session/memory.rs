//! In-process session store.
//!
//! For tests and for running the bot without any persistence: fast, no
//! files, and gone when the process exits.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

use crate::session::{expiry_cutoff_ms, SessionError, SessionStore, StoredSession};

/// Sessions in a `HashMap` behind a mutex.
#[derive(Debug, Default)]
pub struct MemoryStore {
    sessions: Mutex<HashMap<String, StoredSession>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored sessions, expired ones included.
    pub fn len(&self) -> usize {
        self.map().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredSession>> {
        // No operation below can leave the map half-updated, so a panic
        // elsewhere while holding the lock does not make the data suspect.
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn load(&self, id: &str) -> Result<Option<StoredSession>, SessionError> {
        Ok(self.map().get(id).cloned())
    }

    async fn save(&self, id: &str, s: &StoredSession, _ttl: Duration) -> Result<(), SessionError> {
        self.map().insert(id.to_owned(), s.clone());
        Ok(())
    }

    async fn delete(&self, id: &str) -> Result<(), SessionError> {
        self.map().remove(id);
        Ok(())
    }

    async fn purge_expired(&self, now_ms: i64, ttl: Duration) -> Result<usize, SessionError> {
        let cutoff = expiry_cutoff_ms(now_ms, ttl);
        let mut map = self.map();
        let before = map.len();
        map.retain(|_, s| s.updated_at_ms >= cutoff);
        Ok(before - map.len())
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}

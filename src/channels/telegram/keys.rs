//! `callback_data` for option ids.
//!
//! Telegram carries at most 64 bytes of `callback_data` per button. Option ids that fit
//! (`entry:<faq id>`, `calc:late-fee`, short `say:` texts) travel as they are, so a button keeps
//! working across restarts and across instances. A longer id (a `say:` with a long Chinese text:
//! three bytes a character) travels as `k:` + the first 16 hex digits of its SHA-256 and is
//! remembered here, in memory, for the most recent [`CallbackKeys::CAPACITY`] ids. A key pressed
//! after a restart (or after eviction) is not found; the handler then says the button has expired
//! and asks the citizen to type the question instead. Core ids never start with `k:`, so the two
//! forms cannot be confused.

use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Telegram's `callback_data` limit, in bytes.
pub const MAX_CALLBACK_BYTES: usize = 64;

const KEY_PREFIX: &str = "k:";

/// The short-key table for option ids longer than [`MAX_CALLBACK_BYTES`].
#[derive(Default)]
pub struct CallbackKeys {
    inner: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    ids: HashMap<String, String>,
    order: VecDeque<String>,
}

impl CallbackKeys {
    /// How many long ids are remembered; the oldest is forgotten first.
    pub const CAPACITY: usize = 10_000;

    /// The `callback_data` for an option id.
    pub fn encode(&self, id: &str) -> String {
        if id.len() <= MAX_CALLBACK_BYTES && !id.starts_with(KEY_PREFIX) {
            return id.to_string();
        }
        let digest = Sha256::digest(id.as_bytes());
        let key = format!("{KEY_PREFIX}{}", &hex::encode(digest)[..16]);
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if !t.ids.contains_key(&key) {
            t.ids.insert(key.clone(), id.to_string());
            t.order.push_back(key.clone());
            while t.order.len() > Self::CAPACITY {
                if let Some(old) = t.order.pop_front() {
                    t.ids.remove(&old);
                }
            }
        }
        key
    }

    /// The option id behind `callback_data`, or `None` for a short key this process does not
    /// remember.
    pub fn decode(&self, data: &str) -> Option<String> {
        if !data.starts_with(KEY_PREFIX) {
            return Some(data.to_string());
        }
        let t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        t.ids.get(data).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_travel_as_they_are() {
        let k = CallbackKeys::default();
        assert_eq!(k.encode("calc:late-fee"), "calc:late-fee");
        assert_eq!(k.decode("calc:late-fee").as_deref(), Some("calc:late-fee"));
    }

    #[test]
    fn long_ids_get_a_short_key_that_round_trips() {
        let k = CallbackKeys::default();
        let id = format!("say:{}", "灵活就业人员补缴养老保险".repeat(3));
        assert!(id.len() > MAX_CALLBACK_BYTES);
        let data = k.encode(&id);
        assert!(data.len() <= MAX_CALLBACK_BYTES);
        assert!(data.starts_with("k:"));
        assert_eq!(k.encode(&id), data, "stable");
        assert_eq!(k.decode(&data), Some(id));
        assert_eq!(CallbackKeys::default().decode(&data), None, "unknown key");
    }

    #[test]
    fn oldest_long_ids_are_forgotten_past_capacity() {
        let k = CallbackKeys::default();
        let first = k.encode(&format!("say:{}", "长".repeat(30)));
        for i in 0..CallbackKeys::CAPACITY {
            k.encode(&format!("say:{i}{}", "长".repeat(30)));
        }
        assert_eq!(k.decode(&first), None);
    }
}

//! The Telegram channel: the real bot (`telegram::start`, as `serve` and `bujiao telegram` run
//! it) against a fake Bot API on 127.0.0.1 — message kinds (`handlers`), the conversation,
//! faults, redelivery and shutdown (`live`), and the bad-input corpus (`bad_inputs`).

mod bad_inputs;
mod fake_api;
mod handlers;
mod live;

use crate::common;
use bujiao::answer::Answerer;
use bujiao::bot::Bot;
use bujiao::dialogue::{Engine, STATE_VERSION};
use bujiao::session::{MemoryStore, SessionStore, Sessions, SqliteStore};
use std::sync::Arc;

fn core_with(store: Arc<dyn SessionStore>) -> Arc<Bot> {
    let answerer = Arc::new(Answerer::new_shared(common::repo_answerer().snapshot()));
    Arc::new(Bot::new(Engine::new(
        answerer,
        Sessions::new(store, STATE_VERSION),
    )))
}

/// A core bot over the shared knowledge-base snapshot, sessions in memory.
pub fn core_bot() -> Arc<Bot> {
    core_with(Arc::new(MemoryStore::new()))
}

/// A core bot whose sessions live in SQLite under `dir` (a "process" that can be restarted).
pub fn core_bot_sqlite(dir: &std::path::Path) -> Arc<Bot> {
    core_with(Arc::new(
        SqliteStore::open(dir.join("sessions.sqlite3")).unwrap(),
    ))
}

/// Throttle limits that do not slow tests down.
pub fn fast_limits() -> teloxide::adaptors::throttle::Limits {
    teloxide::adaptors::throttle::Limits {
        messages_per_sec_chat: 50,
        messages_per_min_chat: 1000,
        messages_per_min_channel_or_supergroup: 1000,
        messages_per_sec_overall: 100,
    }
}

/// Logs to the test output, filtered by `RUST_LOG` (nothing by default).
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

//! Redis session store (cargo feature `redis-store`).
//!
//! When several bot instances serve one bot account, a user's next message
//! may land on another instance, so the half-filled form has to live in a
//! shared store. Each session is a hash under `<prefix>session:<id>` with
//! fields `version`, `updated_at_ms` and `state`, and a `PEXPIRE` of the TTL
//! so Redis drops idle sessions by itself. The manager still checks
//! `updated_at_ms`, so expiry is decided the same way for every store.
//!
//! The turn lock of a session is `<prefix>lock:<id>`, taken with
//! `SET … NX PX <lock ttl>` and a random token, released by a script that
//! deletes it only if it still holds our token. A fenced save is a script
//! that checks the token and rewrites the session hash in one step, so an
//! instance whose lock expired cannot overwrite the next holder's turn.
//!
//! One multiplexed connection is shared by all requests; if it breaks
//! (Redis restarted, idle connection cut), the store reconnects once and
//! retries — every operation here is idempotent.
//!
//! Note for tests under `tokio::time::pause()`: a response timeout is a tokio
//! timer, and a paused runtime waiting on the socket jumps straight to it, so
//! such tests should connect with `response_timeout: None`.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Cmd, FromRedisValue, Pipeline, RedisError};
use tracing::{info, warn};

use crate::session::{
    expiry_cutoff_ms, redact_url, ttl_ms, SessionError, SessionStore, StoredSession,
};

const FIELD_VERSION: &str = "version";
const FIELD_UPDATED_AT: &str = "updated_at_ms";
const FIELD_STATE: &str = "state";

/// Keys looked at per `SCAN` round in [`RedisStore::purge_expired`] and
/// [`RedisStore::clear`].
const SCAN_COUNT: usize = 500;

/// Longest TTL handed to `PEXPIRE` (about 100 years).
const MAX_TTL_MS: i64 = 100 * 365 * 24 * 60 * 60 * 1000;

/// Deletes `KEYS[1]` only if its `updated_at_ms` is below `ARGV[1]`, so a
/// purge never removes a session another instance has just saved.
const PURGE_IF_IDLE_LUA: &str = "\
local u = tonumber(redis.call('HGET', KEYS[1], 'updated_at_ms'))
if u and u < tonumber(ARGV[1]) then
  return redis.call('DEL', KEYS[1])
end
return 0";

/// Deletes the lock `KEYS[1]` only if it holds token `ARGV[1]`.
const UNLOCK_LUA: &str = "\
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

/// Rewrites session `KEYS[1]` (version, updated_at_ms, state, pexpire ms in
/// `ARGV[2..5]`) only if lock `KEYS[2]` holds token `ARGV[1]`; returns 1 if
/// it wrote. An expired lock key is gone, so an expired holder is refused.
const SAVE_FENCED_LUA: &str = "\
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'updated_at_ms', ARGV[3], 'state', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1";

/// Connection settings for [`RedisStore::connect_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisOptions {
    /// Maximum time to establish a connection.
    pub connect_timeout: Duration,
    /// Maximum time to wait for a reply; `None` waits indefinitely.
    pub response_timeout: Option<Duration>,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            response_timeout: Some(Duration::from_secs(5)),
        }
    }
}

/// Sessions in Redis, shared by every instance using the same URL and prefix.
pub struct RedisStore {
    client: Client,
    config: AsyncConnectionConfig,
    /// `None` until the first connection succeeds (a store opened while Redis was down).
    conn: Mutex<Option<MultiplexedConnection>>,
    prefix: String,
    url: String,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.url)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

enum Request<'a> {
    Cmd(&'a Cmd),
    Pipe(&'a Pipeline),
}

impl RedisStore {
    /// Connect to `url` (`redis://host:port/db`) with [`RedisOptions::default`].
    /// Keys are `<key_prefix>session:<id>`, e.g. prefix `bujiao:`.
    pub async fn connect(url: &str, key_prefix: &str) -> Result<Self, SessionError> {
        Self::connect_with(url, key_prefix, RedisOptions::default()).await
    }

    /// Connect with explicit timeouts.
    pub async fn connect_with(
        url: &str,
        key_prefix: &str,
        options: RedisOptions,
    ) -> Result<Self, SessionError> {
        let client = Client::open(url)?;
        let mut config =
            AsyncConnectionConfig::new().set_connection_timeout(options.connect_timeout);
        if let Some(timeout) = options.response_timeout {
            config = config.set_response_timeout(timeout);
        }
        let conn = client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        let url = redact_url(url);
        info!(%url, prefix = key_prefix, "connected Redis session store");
        Ok(Self {
            client,
            config,
            conn: Mutex::new(Some(conn)),
            prefix: key_prefix.to_owned(),
            url,
        })
    }

    /// [`RedisStore::connect_with`], but a Redis that cannot be reached now is not an error: the
    /// store is returned unconnected (every operation fails, so turns are answered without a
    /// session) and connects at the first operation after Redis is back. A malformed URL is
    /// still refused.
    pub async fn connect_or_defer(
        url: &str,
        key_prefix: &str,
        options: RedisOptions,
    ) -> Result<Self, SessionError> {
        let client = Client::open(url)?;
        match Self::connect_with(url, key_prefix, options).await {
            Ok(store) => Ok(store),
            Err(e) => {
                let url = redact_url(url);
                tracing::error!(%url, error = %e, "Redis session store unreachable; answering without sessions until it is back");
                let mut config =
                    AsyncConnectionConfig::new().set_connection_timeout(options.connect_timeout);
                if let Some(timeout) = options.response_timeout {
                    config = config.set_response_timeout(timeout);
                }
                Ok(Self {
                    client,
                    config,
                    conn: Mutex::new(None),
                    prefix: key_prefix.to_owned(),
                    url,
                })
            }
        }
    }

    /// The key prefix given at connect time.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The Redis key holding session `id`.
    pub fn key(&self, id: &str) -> String {
        format!("{}session:{}", self.prefix, id)
    }

    /// The Redis key holding the turn lock of session `id`.
    pub fn lock_key(&self, id: &str) -> String {
        format!("{}lock:{}", self.prefix, id)
    }

    /// Delete every session under this store's prefix; returns how many.
    pub async fn clear(&self) -> Result<usize, SessionError> {
        let mut removed = 0;
        let mut cursor = 0u64;
        loop {
            let (next, keys) = self.scan(cursor).await?;
            if !keys.is_empty() {
                let mut del = redis::cmd("DEL");
                for key in &keys {
                    del.arg(key);
                }
                let n: usize = self.query(Request::Cmd(&del)).await?;
                removed += n;
            }
            if next == 0 {
                return Ok(removed);
            }
            cursor = next;
        }
    }

    /// One `SCAN` round over this store's session keys.
    async fn scan(&self, cursor: u64) -> Result<(u64, Vec<Vec<u8>>), SessionError> {
        let mut cmd = redis::cmd("SCAN");
        cmd.arg(cursor)
            .arg("MATCH")
            .arg(format!("{}session:*", glob_escape(&self.prefix)))
            .arg("COUNT")
            .arg(SCAN_COUNT);
        self.query(Request::Cmd(&cmd)).await
    }

    fn connection(&self) -> Option<MultiplexedConnection> {
        self.conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Send a request; on a broken connection reconnect once and resend. A store that never
    /// connected tries to connect first.
    async fn query<T: FromRedisValue>(&self, req: Request<'_>) -> Result<T, SessionError> {
        let mut conn = match self.connection() {
            Some(c) => c,
            None => {
                let fresh = self
                    .client
                    .get_multiplexed_async_connection_with_config(&self.config)
                    .await?;
                info!(url = %self.url, "connected Redis session store");
                *self.conn.lock().unwrap_or_else(PoisonError::into_inner) = Some(fresh.clone());
                fresh
            }
        };
        match send(&mut conn, &req).await {
            Err(e) if e.is_unrecoverable_error() => {
                warn!(url = %self.url, error = %e, "Redis connection lost; reconnecting");
                let mut fresh = self
                    .client
                    .get_multiplexed_async_connection_with_config(&self.config)
                    .await?;
                *self.conn.lock().unwrap_or_else(PoisonError::into_inner) = Some(fresh.clone());
                Ok(send(&mut fresh, &req).await?)
            }
            other => Ok(other?),
        }
    }
}

async fn send<T: FromRedisValue>(
    conn: &mut MultiplexedConnection,
    req: &Request<'_>,
) -> Result<T, RedisError> {
    match req {
        Request::Cmd(cmd) => cmd.query_async(conn).await,
        Request::Pipe(pipe) => pipe.query_async(conn).await,
    }
}

/// Escape Redis glob metacharacters so a prefix matches literally.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn corrupt(id: &str, reason: impl fmt::Display) -> SessionError {
    SessionError::Corrupt {
        id: id.to_owned(),
        reason: reason.to_string(),
    }
}

fn field<T: std::str::FromStr>(
    id: &str,
    name: &str,
    raw: Option<Vec<u8>>,
) -> Result<T, SessionError> {
    let raw = raw.ok_or_else(|| corrupt(id, format!("field `{name}` missing")))?;
    std::str::from_utf8(&raw)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| corrupt(id, format!("field `{name}` is not valid")))
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn load(&self, id: &str) -> Result<Option<StoredSession>, SessionError> {
        let mut cmd = redis::cmd("HMGET");
        cmd.arg(self.key(id))
            .arg(FIELD_VERSION)
            .arg(FIELD_UPDATED_AT)
            .arg(FIELD_STATE);
        let fields: Vec<Option<Vec<u8>>> = match self.query(Request::Cmd(&cmd)).await {
            Ok(fields) => fields,
            // Something that is not a hash sits under our key.
            Err(SessionError::Redis(e)) if e.code() == Some("WRONGTYPE") => {
                return Err(corrupt(id, "key holds a non-hash value"))
            }
            Err(e) => return Err(e),
        };
        let [version, updated_at_ms, state]: [Option<Vec<u8>>; 3] = fields
            .try_into()
            .map_err(|_| corrupt(id, "unexpected HMGET reply"))?;
        if version.is_none() && updated_at_ms.is_none() && state.is_none() {
            return Ok(None);
        }
        Ok(Some(StoredSession {
            version: field(id, FIELD_VERSION, version)?,
            updated_at_ms: field(id, FIELD_UPDATED_AT, updated_at_ms)?,
            state: String::from_utf8(state.ok_or_else(|| corrupt(id, "field `state` missing"))?)
                .map_err(|_| corrupt(id, "field `state` is not UTF-8"))?,
        }))
    }

    async fn save(&self, id: &str, s: &StoredSession, ttl: Duration) -> Result<(), SessionError> {
        let key = self.key(id);
        // PEXPIRE 0 would delete the key at once, and Redis rejects an
        // expiry that overflows; keep it between 1 ms and MAX_TTL_MS.
        let ttl_ms = ttl_ms(ttl).clamp(1, MAX_TTL_MS);
        let mut pipe = redis::pipe();
        pipe.atomic()
            // DEL first: drops stale fields and any non-hash value.
            .cmd("DEL")
            .arg(&key)
            .ignore()
            .cmd("HSET")
            .arg(&key)
            .arg(FIELD_VERSION)
            .arg(s.version)
            .arg(FIELD_UPDATED_AT)
            .arg(s.updated_at_ms)
            .arg(FIELD_STATE)
            .arg(&s.state)
            .ignore()
            .cmd("PEXPIRE")
            .arg(&key)
            .arg(ttl_ms)
            .ignore();
        self.query::<()>(Request::Pipe(&pipe)).await
    }

    fn shared_between_processes(&self) -> bool {
        true
    }

    async fn try_lock(
        &self,
        id: &str,
        token: &str,
        _now_ms: i64,
        lock_ttl: Duration,
    ) -> Result<bool, SessionError> {
        // Redis keeps the time here (PX), the same for every instance.
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.lock_key(id))
            .arg(token)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms(lock_ttl).clamp(1, MAX_TTL_MS));
        let reply: Option<String> = self.query(Request::Cmd(&cmd)).await?;
        Ok(reply.is_some())
    }

    async fn unlock(&self, id: &str, token: &str) -> Result<(), SessionError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(UNLOCK_LUA).arg(1).arg(self.lock_key(id)).arg(token);
        self.query::<i64>(Request::Cmd(&cmd)).await.map(|_| ())
    }

    async fn save_fenced(
        &self,
        id: &str,
        s: &StoredSession,
        ttl: Duration,
        token: &str,
        _now_ms: i64,
    ) -> Result<bool, SessionError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(SAVE_FENCED_LUA)
            .arg(2)
            .arg(self.key(id))
            .arg(self.lock_key(id))
            .arg(token)
            .arg(s.version)
            .arg(s.updated_at_ms)
            .arg(&s.state)
            .arg(ttl_ms(ttl).clamp(1, MAX_TTL_MS));
        let wrote: i64 = self.query(Request::Cmd(&cmd)).await?;
        Ok(wrote == 1)
    }

    async fn delete(&self, id: &str) -> Result<(), SessionError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.key(id));
        self.query::<()>(Request::Cmd(&cmd)).await
    }

    /// Redis already drops idle sessions via `PEXPIRE`; this additionally
    /// removes sessions idle longer than `ttl` by `updated_at_ms` (e.g. after
    /// the TTL was shortened), checking and deleting each key atomically.
    async fn purge_expired(&self, now_ms: i64, ttl: Duration) -> Result<usize, SessionError> {
        let cutoff = expiry_cutoff_ms(now_ms, ttl);
        let mut removed = 0;
        let mut cursor = 0u64;
        loop {
            let (next, keys) = self.scan(cursor).await?;
            if !keys.is_empty() {
                let mut pipe = redis::pipe();
                for key in &keys {
                    pipe.cmd("EVAL")
                        .arg(PURGE_IF_IDLE_LUA)
                        .arg(1)
                        .arg(key)
                        .arg(cutoff);
                }
                let deleted: Vec<usize> = self.query(Request::Pipe(&pipe)).await?;
                removed += deleted.iter().sum::<usize>();
            }
            if next == 0 {
                return Ok(removed);
            }
            cursor = next;
        }
    }

    fn name(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn glob_escape_escapes_metacharacters() {
        assert_eq!(glob_escape("a*b?[c]\\d:"), "a\\*b\\?\\[c\\]\\\\d:");
    }

    fn test_url() -> String {
        std::env::var("BUJIAO_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned())
    }

    /// `true` if Redis answers TCP; otherwise prints SKIPPED (or panics when
    /// BUJIAO_REQUIRE_REDIS=1).
    fn redis_up(url: &str) -> bool {
        let info = redis::Client::open(url)
            .unwrap()
            .get_connection_info()
            .clone();
        let redis::ConnectionAddr::Tcp(host, port) = &info.addr else {
            return true; // not TCP: let the real connect decide
        };
        let reachable = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), *port))
            .ok()
            .into_iter()
            .flatten()
            .any(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_secs(1)).is_ok());
        if !reachable {
            assert!(
                std::env::var("BUJIAO_REQUIRE_REDIS").as_deref() != Ok("1"),
                "redis not reachable at {host}:{port} and BUJIAO_REQUIRE_REDIS=1"
            );
            // Straight to the stderr handle: libtest captures `eprintln!`, and a
            // skip must be visible in a normal `cargo test` run.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: redis not reachable at {host}:{port}"
            );
        }
        reachable
    }

    #[tokio::test]
    async fn reconnects_after_the_server_drops_the_connection() {
        let url = test_url();
        if !redis_up(&url) {
            return;
        }
        let prefix = format!("bujiao-test:{}:reconnect:", std::process::id());
        let store = RedisStore::connect(&url, &prefix).await.unwrap();
        let s = StoredSession {
            version: 1,
            updated_at_ms: 1,
            state: "{}".into(),
        };
        store.save("u", &s, Duration::from_secs(60)).await.unwrap();

        // Kill exactly our connection from a second one.
        let mut own = store.connection().unwrap();
        let id: i64 = redis::cmd("CLIENT")
            .arg("ID")
            .query_async(&mut own)
            .await
            .unwrap();
        let mut admin = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let killed: i64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(id)
            .query_async(&mut admin)
            .await
            .unwrap();
        assert_eq!(killed, 1);
        tokio::time::sleep(Duration::from_millis(50)).await;

        assert_eq!(store.load("u").await.unwrap(), Some(s));
        // The store now runs on a new connection.
        let mut current = store.connection().unwrap();
        let new_id: i64 = redis::cmd("CLIENT")
            .arg("ID")
            .query_async(&mut current)
            .await
            .unwrap();
        assert_ne!(new_id, id);
        assert_eq!(store.clear().await.unwrap(), 1);
    }
}

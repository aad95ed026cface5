//! The publish bus: when an editor publishes on one instance, the others hear of it and reload.
//!
//! A message is the knowledge fingerprint that was published plus the sender's instance id, as
//! JSON; an instance ignores its own messages (it has already swapped in what it published).
//! Three transports, one [`PublishBus`] trait:
//!
//! * [`RedisBus`] — Redis pub/sub on `bujiao:publish`, when sessions already live in Redis;
//! * [`PostgresBus`] — PostgreSQL `LISTEN/NOTIFY` on `bujiao_publish`, when the records do;
//! * [`InProcessBus`] — a tokio broadcast for a single instance (and for tests: `join` gives a
//!   second "instance" on the same hub).
//!
//! [`open`] picks one from the session and records specs. The Redis and PostgreSQL listeners run
//! in a task that reconnects (every second) when the connection drops; a message published while
//! an instance was disconnected is lost, so a reloading instance should also compare
//! fingerprints at startup. Only the latest fingerprint matters, so a subscriber that lags
//! behind skips to the newest messages.

use crate::{Error, Result};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, oneshot};

/// Redis channel of the bus.
pub const REDIS_CHANNEL: &str = "bujiao:publish";
/// PostgreSQL notification channel of the bus.
pub const POSTGRES_CHANNEL: &str = "bujiao_publish";

/// Messages buffered per subscriber before it lags.
const CAPACITY: usize = 64;

/// One publish, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The sender's instance id.
    pub instance: String,
    /// The published knowledge fingerprint.
    pub fingerprint: String,
}

/// A stream of fingerprints other instances published.
pub struct Subscription {
    rx: broadcast::Receiver<Message>,
    own: String,
}

impl Subscription {
    /// The next fingerprint another instance published; `None` once the bus is gone.
    pub async fn recv(&mut self) -> Option<String> {
        loop {
            match self.rx.recv().await {
                Ok(m) if m.instance != self.own => return Some(m.fingerprint),
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "publish bus: subscriber lagged; skipping ahead");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// Tells the other instances about a publish.
#[async_trait]
pub trait PublishBus: Send + Sync + 'static {
    /// Announce that `fingerprint` is now published.
    async fn publish(&self, fingerprint: &str) -> Result<()>;
    /// Fingerprints published by other instances from now on.
    fn subscribe(&self) -> Subscription;
    /// This instance's id (random per bus).
    fn instance_id(&self) -> &str;
    /// Short transport name for logs.
    fn name(&self) -> &'static str;
}

/// Pick the bus: Redis when sessions are on Redis, else PostgreSQL when the records are, else
/// in-process.
pub async fn open(sessions_spec: &str, db_spec: Option<&str>) -> Result<Arc<dyn PublishBus>> {
    let sessions = sessions_spec.trim();
    if sessions.starts_with("redis://")
        || sessions.starts_with("rediss://")
        || sessions.starts_with("redis+unix://")
    {
        return open_redis(sessions).await;
    }
    if super::is_postgres(db_spec) {
        let url = db_spec.unwrap_or_default().trim();
        return Ok(Arc::new(PostgresBus::connect(url, POSTGRES_CHANNEL).await?));
    }
    Ok(Arc::new(InProcessBus::new()))
}

#[cfg(feature = "redis-store")]
async fn open_redis(url: &str) -> Result<Arc<dyn PublishBus>> {
    match RedisBus::connect(url, REDIS_CHANNEL).await {
        Ok(bus) => Ok(Arc::new(bus)),
        // Redis down at start must not keep the server from answering (sessions are answered
        // statelessly meanwhile): the bus subscribes and publishes once Redis is back.
        Err(e) => {
            tracing::error!(error = %e, "publish bus: Redis unreachable; will subscribe when it is back");
            Ok(Arc::new(RedisBus::deferred(url, REDIS_CHANNEL)?))
        }
    }
}

#[cfg(not(feature = "redis-store"))]
async fn open_redis(url: &str) -> Result<Arc<dyn PublishBus>> {
    Err(Error::Other(format!(
        "publish bus {:?}: this build lacks cargo feature `redis-store`",
        crate::session::redact_url(url)
    )))
}

/// A random instance id (64 bits, hex).
pub fn new_instance_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let seed = xxhash_rust::xxh3::xxh3_64(&t.to_le_bytes()) ^ u64::from(std::process::id());
        bytes = seed.to_le_bytes();
    }
    hex::encode(bytes)
}

fn encode(instance: &str, fingerprint: &str) -> Result<String> {
    serde_json::to_string(&Message {
        instance: instance.to_string(),
        fingerprint: fingerprint.to_string(),
    })
    .map_err(|e| Error::Other(format!("publish bus: {e}")))
}

/// Forward a received payload to the local subscribers; a malformed one is logged and dropped.
fn deliver(tx: &broadcast::Sender<Message>, payload: &str) {
    match serde_json::from_str::<Message>(payload) {
        Ok(m) => {
            let _ = tx.send(m);
        }
        Err(e) => tracing::warn!(error = %e, "publish bus: ignoring a malformed message"),
    }
}

/// Wait for the listener task to say it is subscribed (at most 5 s).
async fn wait_ready(ready: oneshot::Receiver<()>, what: &str) -> Result<()> {
    match tokio::time::timeout(Duration::from_secs(5), ready).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(Error::Other(format!(
            "publish bus: could not subscribe on {what} within 5 s"
        ))),
    }
}

// ---------------------------------------------------------------------------------------------

/// A bus inside one process.
pub struct InProcessBus {
    instance: String,
    tx: broadcast::Sender<Message>,
}

impl Default for InProcessBus {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcessBus {
    pub fn new() -> Self {
        InProcessBus {
            instance: new_instance_id(),
            tx: broadcast::channel(CAPACITY).0,
        }
    }

    /// Another instance on the same hub (tests, several bots in one process).
    pub fn join(&self) -> Self {
        InProcessBus {
            instance: new_instance_id(),
            tx: self.tx.clone(),
        }
    }
}

#[async_trait]
impl PublishBus for InProcessBus {
    async fn publish(&self, fingerprint: &str) -> Result<()> {
        let _ = self.tx.send(Message {
            instance: self.instance.clone(),
            fingerprint: fingerprint.to_string(),
        });
        Ok(())
    }
    fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.tx.subscribe(),
            own: self.instance.clone(),
        }
    }
    fn instance_id(&self) -> &str {
        &self.instance
    }
    fn name(&self) -> &'static str {
        "in-process"
    }
}

// ---------------------------------------------------------------------------------------------

#[cfg(feature = "redis-store")]
pub use redis_bus::RedisBus;

#[cfg(feature = "redis-store")]
mod redis_bus {
    use super::*;
    use futures_util::StreamExt;
    use redis::aio::MultiplexedConnection;
    use redis::{AsyncConnectionConfig, Client};

    /// Redis pub/sub.
    pub struct RedisBus {
        instance: String,
        channel: String,
        client: Client,
        config: AsyncConnectionConfig,
        /// `None` until a connection succeeds (a bus opened while Redis was down).
        conn: std::sync::Mutex<Option<MultiplexedConnection>>,
        tx: broadcast::Sender<Message>,
        listener: tokio::task::JoinHandle<()>,
    }

    fn redis_err(e: redis::RedisError) -> Error {
        Error::Other(format!("publish bus (redis): {e}"))
    }

    impl RedisBus {
        /// Connect to `url` and subscribe to `channel`; returns once subscribed.
        pub async fn connect(url: &str, channel: &str) -> Result<Self> {
            let client = Client::open(url).map_err(redis_err)?;
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Duration::from_secs(5))
                .set_response_timeout(Duration::from_secs(5));
            let conn = client
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .map_err(redis_err)?;
            let tx = broadcast::channel(CAPACITY).0;
            let (ready_tx, ready_rx) = oneshot::channel();
            let listener = tokio::spawn(listen(
                client.clone(),
                channel.to_string(),
                tx.clone(),
                ready_tx,
            ));
            if let Err(e) = wait_ready(ready_rx, "redis").await {
                listener.abort();
                return Err(e);
            }
            Ok(RedisBus {
                instance: new_instance_id(),
                channel: channel.to_string(),
                client,
                config,
                conn: std::sync::Mutex::new(Some(conn)),
                tx,
                listener,
            })
        }

        /// A bus that is not connected yet: its listener keeps trying to subscribe (every
        /// second) and `publish` connects on first use.
        pub fn deferred(url: &str, channel: &str) -> Result<Self> {
            let client = Client::open(url).map_err(redis_err)?;
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Duration::from_secs(5))
                .set_response_timeout(Duration::from_secs(5));
            let tx = broadcast::channel(CAPACITY).0;
            let (ready_tx, _) = oneshot::channel();
            let listener = tokio::spawn(listen(
                client.clone(),
                channel.to_string(),
                tx.clone(),
                ready_tx,
            ));
            Ok(RedisBus {
                instance: new_instance_id(),
                channel: channel.to_string(),
                client,
                config,
                conn: std::sync::Mutex::new(None),
                tx,
                listener,
            })
        }
    }

    async fn listen(
        client: Client,
        channel: String,
        tx: broadcast::Sender<Message>,
        ready: oneshot::Sender<()>,
    ) {
        let mut ready = Some(ready);
        loop {
            match client.get_async_pubsub().await {
                Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                    Ok(()) => {
                        if let Some(r) = ready.take() {
                            let _ = r.send(());
                        }
                        let mut messages = pubsub.on_message();
                        while let Some(msg) = messages.next().await {
                            match msg.get_payload::<String>() {
                                Ok(p) => deliver(&tx, &p),
                                Err(e) => tracing::warn!(error = %e, "publish bus: bad payload"),
                            }
                        }
                        tracing::warn!("publish bus: lost the Redis subscription; reconnecting");
                    }
                    Err(e) => tracing::warn!(error = %e, "publish bus: cannot subscribe"),
                },
                Err(e) => tracing::warn!(error = %e, "publish bus: cannot reach Redis"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    impl Drop for RedisBus {
        fn drop(&mut self) {
            self.listener.abort();
        }
    }

    #[async_trait]
    impl PublishBus for RedisBus {
        async fn publish(&self, fingerprint: &str) -> Result<()> {
            let payload = encode(&self.instance, fingerprint)?;
            let cached = self
                .conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            let mut conn = match cached {
                Some(c) => c,
                None => {
                    let c = self
                        .client
                        .get_multiplexed_async_connection_with_config(&self.config)
                        .await
                        .map_err(redis_err)?;
                    *self
                        .conn
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(c.clone());
                    c
                }
            };
            redis::cmd("PUBLISH")
                .arg(&self.channel)
                .arg(payload)
                .query_async::<i64>(&mut conn)
                .await
                .map_err(redis_err)?;
            Ok(())
        }
        fn subscribe(&self) -> Subscription {
            Subscription {
                rx: self.tx.subscribe(),
                own: self.instance.clone(),
            }
        }
        fn instance_id(&self) -> &str {
            &self.instance
        }
        fn name(&self) -> &'static str {
            "redis"
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// PostgreSQL `LISTEN/NOTIFY`.
pub struct PostgresBus {
    instance: String,
    channel: String,
    pool: deadpool_postgres::Pool,
    tx: broadcast::Sender<Message>,
    listener: tokio::task::JoinHandle<()>,
}

impl PostgresBus {
    /// Connect to `url` and `LISTEN` on `channel` (lowercase letters, digits, `_`); returns once
    /// listening.
    pub async fn connect(url: &str, channel: &str) -> Result<Self> {
        if channel.is_empty()
            || !channel
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(Error::Other(format!(
                "publish bus: channel {channel:?} must be lowercase letters, digits or _"
            )));
        }
        let cfg = super::postgres::parse_config(url)?;
        let manager = deadpool_postgres::Manager::new(cfg.clone(), tokio_postgres::NoTls);
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(2)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(5)))
            .create_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(super::postgres::pg)?;
        let tx = broadcast::channel(CAPACITY).0;
        let (ready_tx, ready_rx) = oneshot::channel();
        let listener = tokio::spawn(listen_pg(cfg, channel.to_string(), tx.clone(), ready_tx));
        if let Err(e) = wait_ready(ready_rx, "postgres").await {
            listener.abort();
            return Err(e);
        }
        Ok(PostgresBus {
            instance: new_instance_id(),
            channel: channel.to_string(),
            pool,
            tx,
            listener,
        })
    }
}

async fn listen_pg(
    cfg: tokio_postgres::Config,
    channel: String,
    tx: broadcast::Sender<Message>,
    ready: oneshot::Sender<()>,
) {
    use futures_util::StreamExt;
    let mut ready = Some(ready);
    loop {
        match cfg.connect(tokio_postgres::NoTls).await {
            Ok((client, mut conn)) => {
                let (ntx, mut nrx) = tokio::sync::mpsc::unbounded_channel::<String>();
                // The connection delivers notifications only while it is polled.
                let drive = tokio::spawn(async move {
                    let mut messages = futures_util::stream::poll_fn(|cx| conn.poll_message(cx));
                    while let Some(m) = messages.next().await {
                        match m {
                            Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                                let _ = ntx.send(n.payload().to_string());
                            }
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "publish bus: PostgreSQL connection failed");
                                break;
                            }
                        }
                    }
                });
                match client.batch_execute(&format!("LISTEN {channel}")).await {
                    Ok(()) => {
                        if let Some(r) = ready.take() {
                            let _ = r.send(());
                        }
                        while let Some(p) = nrx.recv().await {
                            deliver(&tx, &p);
                        }
                        tracing::warn!("publish bus: lost the PostgreSQL listener; reconnecting");
                    }
                    Err(e) => tracing::warn!(error = %e, "publish bus: cannot LISTEN"),
                }
                drop(client);
                drive.abort();
            }
            Err(e) => tracing::warn!(error = %e, "publish bus: cannot reach PostgreSQL"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

impl Drop for PostgresBus {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

#[async_trait]
impl PublishBus for PostgresBus {
    async fn publish(&self, fingerprint: &str) -> Result<()> {
        let payload = encode(&self.instance, fingerprint)?;
        let client = self.pool.get().await.map_err(super::postgres::pg)?;
        client
            .execute("SELECT pg_notify($1, $2)", &[&self.channel, &payload])
            .await
            .map_err(super::postgres::pg)?;
        Ok(())
    }
    fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.tx.subscribe(),
            own: self.instance.clone(),
        }
    }
    fn instance_id(&self) -> &str {
        &self.instance
    }
    fn name(&self) -> &'static str {
        "postgres"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_process_instances_hear_each_other_but_not_themselves() {
        let a = InProcessBus::new();
        let b = a.join();
        let c = a.join();
        let (mut sa, mut sb, mut sc) = (a.subscribe(), b.subscribe(), c.subscribe());
        c.publish("fp-1").await.unwrap();
        a.publish("fp-2").await.unwrap();
        assert_eq!(sa.recv().await.as_deref(), Some("fp-1"));
        assert_eq!(sb.recv().await.as_deref(), Some("fp-1"));
        assert_eq!(sb.recv().await.as_deref(), Some("fp-2"));
        // c's first message from others is a's, never its own.
        assert_eq!(sc.recv().await.as_deref(), Some("fp-2"));
        assert_ne!(a.instance_id(), b.instance_id());
    }

    #[tokio::test]
    async fn open_picks_in_process_without_shared_stores() {
        let bus = open("sqlite", None).await.unwrap();
        assert_eq!(bus.name(), "in-process");
        assert!(PostgresBus::connect("postgres://127.0.0.1/x", "Bad-Name")
            .await
            .is_err());
    }
}

//! `serve` as a library function: one process, one [`Bot`], every channel on it.
//!
//! In the style of mini-redis, the binary only parses arguments and calls [`run`] with a shutdown
//! future; tests call [`run_on`] with a listener on port 0. The HTTP API (and the pages and
//! adapters mounted on it) share the one bot, so a reload is seen by every channel at once.
//! A SIGHUP reloads the knowledge without a restart.

use crate::bot::{Bot, BotConfig};
use crate::channels::http;
use crate::{Error, Result};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Everything `serve` needs.
#[derive(Clone)]
pub struct ServerConfig {
    pub bot: BotConfig,
    /// Listen address, e.g. `127.0.0.1:8080`.
    pub addr: String,
}

/// How often expired sessions are purged from the store.
const PURGE_EVERY: Duration = Duration::from_secs(300);

/// Open the bot, listen on `config.addr`, serve until `shutdown` completes, then finish the
/// requests in flight.
pub async fn run(
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let bot = Arc::new(Bot::open(&config.bot).await?);
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .map_err(|e| Error::Other(format!("cannot listen on {}: {e}", config.addr)))?;
    run_on(listener, bot, shutdown).await
}

/// Serve an opened bot on a bound listener until `shutdown` completes.
pub async fn run_on(
    listener: tokio::net::TcpListener,
    bot: Arc<Bot>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let health = bot.health();
    if health.degraded {
        tracing::warn!(
            problems = health.problems.len(),
            "serving the last good index: fix the knowledge files (bujiao kb validate) and reload"
        );
    }
    let purger = bot.sessions().spawn_purger(PURGE_EVERY);
    let reloader = spawn_reload_on_hangup(bot.clone());
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Other(format!("listener has no address: {e}")))?;
    tracing::info!(
        entries = health.entries,
        index = %health.index,
        "serving on http://{addr}"
    );
    let served = axum::serve(listener, http::app(http::AppState::new(bot)))
        .with_graceful_shutdown(shutdown)
        .await;
    purger.abort();
    if let Some(r) = reloader {
        r.abort();
    }
    served.map_err(|e| Error::Other(format!("HTTP server failed: {e}")))
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(unix)]
fn spawn_reload_on_hangup(bot: Arc<Bot>) -> Option<tokio::task::JoinHandle<()>> {
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()?;
    Some(tokio::spawn(async move {
        while hup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading the knowledge files");
            // The outcome is logged by reload() itself.
            let _ = bot.reload().await;
        }
    }))
}

#[cfg(not(unix))]
fn spawn_reload_on_hangup(_bot: Arc<Bot>) -> Option<tokio::task::JoinHandle<()>> {
    None
}

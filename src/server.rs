//! `serve` as a library function: one process, one [`Bot`], every channel on it.
//!
//! In the style of mini-redis, the binary only parses arguments and calls [`run`] with a shutdown
//! future; tests call [`run_on`] with a listener on port 0. The HTTP API (and the pages and
//! adapters mounted on it) share the one bot, so a reload is seen by every channel at once.
//! A SIGHUP reloads the knowledge without a restart.

use crate::bot::{Bot, BotConfig};
use crate::channels::{http, telegram};
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
    /// The Telegram bot, when a token is configured (`TELOXIDE_TOKEN`); `None` leaves it off.
    pub telegram: Option<telegram::TelegramConfig>,
}

/// How often expired sessions are purged from the store.
const PURGE_EVERY: Duration = Duration::from_secs(300);

/// Open the bot, listen on `config.addr`, serve until `shutdown` completes, then finish the
/// requests in flight.
pub async fn run(
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let mut bot = Bot::open(&config.bot).await?;
    bot.keep_index_exact();
    let bot = Arc::new(bot);
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .map_err(|e| Error::Other(format!("cannot listen on {}: {e}", config.addr)))?;
    run_with_telegram(listener, bot, config.telegram, shutdown).await
}

/// Serve an opened bot on a bound listener until `shutdown` completes.
pub async fn run_on(
    listener: tokio::net::TcpListener,
    bot: Arc<Bot>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    run_with_telegram(listener, bot, None, shutdown).await
}

/// Serve an opened bot on a bound listener, with the Telegram bot when `telegram` is given
/// (long polling beside the HTTP server, or its webhook route merged into it), until `shutdown`
/// completes; then both finish what is in flight.
pub async fn run_with_telegram(
    listener: tokio::net::TcpListener,
    bot: Arc<Bot>,
    telegram: Option<telegram::TelegramConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    // One shutdown signal, observed by the HTTP server and the Telegram bot alike.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let signal = tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let health = bot.health();
    if health.degraded {
        tracing::warn!(
            problems = health.problems.len(),
            "serving the last good index: fix the knowledge files (bujiao kb validate) and reload"
        );
    }
    let purger = bot.sessions().spawn_purger(PURGE_EVERY);
    let retention = crate::records::spawn_retention(bot.records().clone(), bot.retention_days());
    let publishes = bot.spawn_publish_listener();
    let reloader = spawn_reload_on_hangup(bot.clone());
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Other(format!("listener has no address: {e}")))?;
    tracing::info!(
        entries = health.entries,
        index = %health.index,
        "serving on http://{addr}"
    );
    if bot.admin().enabled() {
        tracing::info!(editors = ?bot.admin().labels(), "admin API on at /v1/admin/ and /console/editor");
    } else {
        tracing::info!("admin API and editor pages off (no BUJIAO_ADMIN_TOKENS configured)");
    }
    let mut app = http::app(http::AppState::new(bot.clone()));
    let telegram = match telegram {
        Some(cfg) => {
            let mut running = telegram::start(bot, cfg, stopped())
                .await
                .map_err(|e| Error::Other(format!("Telegram bot: {e:#}")))?;
            // Moved, not cloned: the webhook listener ends when the last copy of its route is
            // dropped with the HTTP server.
            if let Some(route) = running.router.take() {
                app = app.merge(route);
            }
            Some(running)
        }
        None => {
            tracing::info!("Telegram bot off (TELOXIDE_TOKEN is not set)");
            None
        }
    };
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(stopped())
        .await;
    if let Some(t) = telegram {
        // Bounded: in webhook mode teloxide's listener may outlive its route (known issue).
        match tokio::time::timeout(Duration::from_secs(30), t.task).await {
            Ok(Err(e)) => tracing::error!(error = %e, "the Telegram task panicked"),
            Err(_) => tracing::warn!("telegram: did not stop within 30 s; exiting anyway"),
            Ok(Ok(())) => {}
        }
        tracing::info!("telegram: stopped");
    }
    signal.abort();
    purger.abort();
    publishes.abort();
    retention.abort();
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

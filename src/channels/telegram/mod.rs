//! The Telegram channel (teloxide): long polling by default, or a webhook served by the same
//! axum server as the HTTP API.
//!
//! The adapter translates, the core decides: a text message becomes
//! `Bot::handle_update(session, update_id, Input::Text)`, a button press
//! `Input::Press(option_id)`, and the [`Reply`](crate::answer::Reply) comes back as HTML
//! messages ([`render`]) with the options as inline buttons ([`keys`] maps ids over Telegram's
//! 64-byte `callback_data` limit to short keys).
//!
//! Delivery: every call goes through `Throttle` (≈1 message a second per chat, 30 a second
//! overall) and [`retry::with_retry`] (network errors and 5xx with backoff, 429 after its
//! `retry_after`); a reply that still cannot be sent is logged with its update id. Updates are
//! dispatched per chat: one chat's messages in order, different chats concurrently. A redelivered
//! update id is answered once (the core keeps applied ids in the session state).
//!
//! Shutdown: when `shutdown` resolves the listener stops taking updates (polling confirms the
//! offset of what it fetched; the webhook answers 503 so Telegram retries later), the replies in
//! flight are finished, and [`start`]'s task ends.
//!
//! Edited messages are ignored: the original was answered already. Non-text messages get a
//! short note that the bot reads text. In groups only commands, messages that mention the bot and
//! replies to it are answered; each member has their own session (`telegram:<chat>:<user>`).

pub mod handler;
pub mod keys;
pub mod render;
pub mod retry;

use crate::bot::Bot as Core;
use anyhow::{Context, Result};
use handler::{Ctx, Settings, TgBot};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use teloxide::adaptors::throttle::Limits;
use teloxide::adaptors::Throttle;
use teloxide::dispatching::Dispatcher;
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::{webhooks, Polling, UpdateListener};

pub use handler::schema;
pub use reqwest::Url;

/// Everything the Telegram channel needs to start.
#[derive(Debug, Clone)]
pub struct TelegramConfig {
    /// The bot token from @BotFather (`TELOXIDE_TOKEN`).
    pub token: String,
    /// The Bot API server (`TELOXIDE_API_URL`); `None` for Telegram's.
    pub api_url: Option<Url>,
    /// Public HTTPS URL of the webhook (`--telegram-webhook`, `BUJIAO_TELEGRAM_WEBHOOK`); `None`
    /// for long polling.
    pub webhook: Option<Url>,
    /// The webhook's secret token (`BUJIAO_TELEGRAM_WEBHOOK_SECRET`); derived from the token and
    /// URL when not given, so every instance and every restart agrees on it.
    pub webhook_secret: Option<String>,
    /// Long-polling timeout (`getUpdates?timeout=`).
    pub poll_timeout: Duration,
    /// Timeout of one HTTP request to the Bot API; must exceed `poll_timeout`.
    pub http_timeout: Duration,
    /// Throttle limits (Telegram's by default).
    pub limits: Limits,
    pub settings: Settings,
}

impl TelegramConfig {
    /// Defaults for a token.
    pub fn new(token: impl Into<String>) -> Self {
        TelegramConfig {
            token: token.into(),
            api_url: None,
            webhook: None,
            webhook_secret: None,
            poll_timeout: Duration::from_secs(10),
            http_timeout: Duration::from_secs(17),
            limits: Limits::default(),
            settings: Settings::default(),
        }
    }

    /// From the environment: `None` when `TELOXIDE_TOKEN` is not set (the bot is off).
    pub fn from_env() -> Result<Option<Self>> {
        let Some(token) = std::env::var("TELOXIDE_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
        else {
            return Ok(None);
        };
        let mut cfg = TelegramConfig::new(token.trim());
        if let Some(u) = std::env::var("TELOXIDE_API_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            cfg.api_url = Some(Url::parse(&u).context("TELOXIDE_API_URL is not a URL")?);
        }
        if let Some(u) = std::env::var("BUJIAO_TELEGRAM_WEBHOOK")
            .ok()
            .filter(|u| !u.is_empty())
        {
            cfg.webhook = Some(Url::parse(&u).context("BUJIAO_TELEGRAM_WEBHOOK is not a URL")?);
        }
        cfg.webhook_secret = std::env::var("BUJIAO_TELEGRAM_WEBHOOK_SECRET")
            .ok()
            .filter(|s| !s.is_empty());
        Ok(Some(cfg))
    }

    /// The webhook secret in use (given, or derived from token and URL).
    pub fn secret(&self) -> String {
        if let Some(s) = &self.webhook_secret {
            return s.clone();
        }
        use sha2::{Digest, Sha256};
        let url = self.webhook.as_ref().map(Url::as_str).unwrap_or("");
        hex::encode(Sha256::digest(
            format!("bujiao-webhook:{}:{url}", self.token).as_bytes(),
        ))
    }

    fn raw_bot(&self) -> Result<teloxide::Bot> {
        let client = teloxide::net::default_reqwest_settings()
            .timeout(self.http_timeout)
            .build()
            .context("cannot build the HTTP client for Telegram")?;
        let mut bot = teloxide::Bot::with_client(self.token.clone(), client);
        if let Some(u) = &self.api_url {
            bot = bot.set_api_url(u.clone());
        }
        Ok(bot)
    }
}

/// A running Telegram channel.
pub struct Running {
    /// The webhook route to merge into the HTTP server's router (webhook mode only).
    pub router: Option<axum::Router>,
    /// Ends when the channel has shut down (all replies in flight sent).
    pub task: tokio::task::JoinHandle<()>,
    /// The bot's @username.
    pub username: String,
}

/// Starts the channel: checks the token (`getMe`), registers the commands, then polls — or
/// registers the webhook and returns its route — until `shutdown` resolves.
pub async fn start(
    core: Arc<Core>,
    cfg: TelegramConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Running> {
    let bot: TgBot = Throttle::new_spawn(cfg.raw_bot()?, cfg.limits);
    let policy = cfg.settings.retry.clone();
    let get_me = bot.get_me();
    let me = retry::with_retry(&policy, "getMe", || get_me.send_ref())
        .await
        .context("Telegram did not accept the bot token (getMe failed)")?;
    let username = me.username().to_string();
    let cmds = bot.set_my_commands(handler::commands());
    if let Err(e) = retry::with_retry(&policy, "setMyCommands", || cmds.send_ref()).await {
        tracing::warn!(error = %e, "could not register the bot's commands");
    }
    let ctx = Ctx::new(core, cfg.settings.clone());
    match &cfg.webhook {
        None => {
            let listener = Polling::builder(bot.clone())
                .timeout(cfg.poll_timeout)
                .delete_webhook()
                .await
                .build();
            tracing::info!(bot = %username, "telegram: long polling");
            let task = tokio::spawn(dispatch(bot, ctx, listener, shutdown));
            Ok(Running {
                router: None,
                task,
                username,
            })
        }
        Some(url) => {
            let secret = cfg.secret();
            let options = webhooks::Options::new(([127, 0, 0, 1], 0).into(), url.clone())
                .secret_token(secret.clone());
            let (listener, _stopped, router) = webhooks::axum_no_setup(options);
            let set = bot.set_webhook(url.clone()).secret_token(secret.clone());
            retry::with_retry(&policy, "setWebhook", || set.send_ref())
                .await
                .context("could not register the webhook with Telegram")?;
            tracing::info!(bot = %username, path = url.path(), "telegram: webhook registered");
            let router = router.layer(axum::middleware::from_fn_with_state(
                Arc::new(secret),
                check_secret,
            ));
            let task = tokio::spawn(dispatch(bot, ctx, listener, shutdown));
            Ok(Running {
                router: Some(router),
                task,
                username,
            })
        }
    }
}

/// Runs the channel alone (`bujiao telegram`) until `shutdown`; in webhook mode serves the
/// webhook route on `addr`.
pub async fn run(
    core: Arc<Core>,
    cfg: TelegramConfig,
    addr: &str,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let stopped = {
        let mut rx = rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let signal = tokio::spawn(async move {
        shutdown.await;
        let _ = tx.send(true);
    });
    let running = start(core, cfg, stopped).await?;
    if let Some(router) = running.router {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        tracing::info!("webhook listening on http://{}", listener.local_addr()?);
        let mut rx = rx.clone();
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.wait_for(|s| *s).await;
            })
            .await?;
    }
    running.task.await.context("the Telegram task panicked")?;
    signal.abort();
    tracing::info!("telegram: stopped");
    Ok(())
}

async fn dispatch<L>(
    bot: TgBot,
    ctx: Arc<Ctx>,
    mut listener: L,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    L: UpdateListener + Send,
    L::Err: std::fmt::Debug,
{
    let stop = listener.stop_token();
    let stopper = tokio::spawn(async move {
        shutdown.await;
        tracing::info!("telegram: no new updates; finishing replies in flight");
        stop.stop();
    });
    Dispatcher::builder(bot, schema())
        .dependencies(dptree::deps![ctx])
        .default_handler(|_| async {})
        .build()
        .dispatch_with_listener(
            listener,
            LoggingErrorHandler::with_custom_text("telegram update listener error"),
        )
        .await;
    stopper.abort();
}

/// 401 for a webhook request without the right `X-Telegram-Bot-Api-Secret-Token` (compared in
/// constant time); such a request is not processed.
async fn check_secret(
    axum::extract::State(secret): axum::extract::State<Arc<String>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use subtle::ConstantTimeEq;
    let given = req
        .headers()
        .get("x-telegram-bot-api-secret-token")
        .map(|v| v.as_bytes())
        .unwrap_or(b"");
    if given.len() != secret.len() || !bool::from(given.ct_eq(secret.as_bytes())) {
        tracing::warn!("webhook request with a wrong or missing secret token rejected");
        return axum::http::StatusCode::UNAUTHORIZED.into_response();
    }
    next.run(req).await
}

//! The update handler: one Telegram update in, the core's reply out.
//!
//! Every update gets a request id and the chat's hashed id in a tracing span, so each log line
//! carries both; message texts are logged only at debug level and masked ([`crate::text::mask`]).

use super::keys::CallbackKeys;
use super::render::{self, Outgoing};
use super::retry::{with_retry, RetryPolicy};
use crate::answer::Reply;
use crate::bot::{Bot as Core, Channel, Input};
use crate::text::mask;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use teloxide::adaptors::Throttle;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{
    ChatAction, InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage, Me,
    MediaKind, MessageKind, ParseMode, ReplyParameters, UpdateKind,
};
use tracing::Instrument;

/// The requester every handler talks to: the bot behind teloxide's `Throttle`.
pub type TgBot = Throttle<teloxide::Bot>;

/// The error type of the handler tree (handlers log their failures; none reaches teloxide).
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// What a non-text message (photo, sticker, voice, location, file…) is answered with.
pub const TEXT_ONLY: &str =
    "抱歉，我目前只能阅读文字消息。请用文字描述您的问题，例如“灵活就业养老保险断缴了怎么补缴？”";

/// What a button whose short key this process no longer knows is answered with.
pub const BUTTON_EXPIRED: &str =
    "这个按钮已失效（服务可能刚重启过）。请直接输入您的问题，或发送 /calc 重新选择计算器。";

/// Handler settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub retry: RetryPolicy,
    /// A turn still running after this long shows "typing…" in the chat.
    pub typing_after: Duration,
    /// Telegram shows "typing…" for five seconds; it is repeated this often while the turn runs.
    pub typing_every: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retry: RetryPolicy::default(),
            typing_after: Duration::from_millis(400),
            typing_every: Duration::from_secs(4),
        }
    }
}

/// Shared state of the handler tree (a dependency of every handler).
pub struct Ctx {
    pub core: Arc<Core>,
    pub keys: CallbackKeys,
    pub settings: Settings,
    recent: Mutex<RecentIds>,
    next_request: AtomicU64,
}

impl Ctx {
    pub fn new(core: Arc<Core>, settings: Settings) -> Arc<Self> {
        Arc::new(Ctx {
            core,
            keys: CallbackKeys::default(),
            settings,
            recent: Mutex::new(RecentIds::default()),
            next_request: AtomicU64::new(1),
        })
    }

    /// False when this process already took this update id (a redelivery). The core also
    /// deduplicates dialogue turns in the session state, which survives restarts; this covers
    /// commands and non-text messages within one process.
    fn first_time(&self, update_id: i64) -> bool {
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(update_id)
    }
}

/// The last few thousand update ids seen by this process.
#[derive(Default)]
struct RecentIds {
    set: HashSet<i64>,
    order: VecDeque<i64>,
}

impl RecentIds {
    const CAPACITY: usize = 4096;
    fn insert(&mut self, id: i64) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > Self::CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

/// A stable, non-reversible id for a chat in logs: the core's [`log_id`](crate::bot::log_id) of
/// the private-chat session (SHA-256, a specified hash, so it is the same across processes and Rust
/// versions, and matches the core's own log lines for that chat).
pub fn chat_hash(chat_id: i64) -> String {
    crate::bot::log_id(&format!("telegram:{chat_id}"))
}

/// The session a message belongs to: the chat in private chats, chat and user in groups (each
/// member of a group has a conversation of their own).
pub fn session_id(chat: &teloxide::types::Chat, user: Option<&teloxide::types::User>) -> String {
    match user {
        Some(u) if !chat.is_private() => format!("telegram:{}:{}", chat.id.0, u.id.0),
        _ => format!("telegram:{}", chat.id.0),
    }
}

/// The bot's commands, as registered with `setMyCommands`.
pub fn commands() -> Vec<teloxide::types::BotCommand> {
    use teloxide::types::BotCommand;
    vec![
        BotCommand::new("start", "开始：我能帮您做什么"),
        BotCommand::new("calc", "补缴计算器：补缴金额、滞纳金、退休补缴、待遇等待期"),
        BotCommand::new("reset", "重新开始对话"),
        BotCommand::new("help", "使用说明和示例问题"),
    ]
}

/// A command addressed to this bot: its name without the slash and `@bot` suffix.
fn command_name<'a>(text: &'a str, me: &Me) -> Option<&'a str> {
    let first = text.split_whitespace().next()?;
    let cmd = first.strip_prefix('/')?;
    let (name, target) = match cmd.split_once('@') {
        Some((n, t)) => (n, Some(t)),
        None => (cmd, None),
    };
    match target {
        Some(t) if !t.eq_ignore_ascii_case(me.username()) => None,
        _ => Some(name),
    }
}

/// In a group, the text meant for the bot — commands, messages that mention it (the mention
/// removed) and replies to it — or `None` for talk among the members.
fn addressed_in_group(msg: &Message, text: &str, me: &Me) -> Option<String> {
    if text.trim_start().starts_with('/') {
        return command_name(text, me).map(|_| text.to_string());
    }
    let mention = format!("@{}", me.username());
    let lower = text.to_lowercase();
    if let Some(pos) = lower.find(&mention.to_lowercase()) {
        let mut t = text.to_string();
        t.replace_range(pos..pos + mention.len(), "");
        return Some(t.trim().to_string());
    }
    if replies_to_bot(msg, me) {
        return Some(text.to_string());
    }
    None
}

fn replies_to_bot(msg: &Message, me: &Me) -> bool {
    msg.reply_to_message()
        .and_then(|r| r.from.as_ref())
        .is_some_and(|u| u.id == me.user.id)
}

/// The handler tree for a dispatcher whose requester is a [`TgBot`].
pub fn schema() -> UpdateHandler<HandlerError> {
    dptree::entry().endpoint(
        |update: Update, bot: TgBot, me: Me, ctx: Arc<Ctx>| async move {
            handle(update, bot, me, ctx).await;
            Ok(())
        },
    )
}

/// One update, start to finish, inside a span with the request id and the hashed chat id.
pub async fn handle(update: Update, bot: TgBot, me: Me, ctx: Arc<Ctx>) {
    let request = ctx.next_request.fetch_add(1, Ordering::Relaxed);
    let chat = update.chat().map(|c| chat_hash(c.id.0)).unwrap_or_default();
    let span = tracing::info_span!("tg", req = request, chat = %chat, update = update.id.0);
    async move {
        if !ctx.first_time(update.id.0 as i64) {
            tracing::info!("duplicate update ignored");
            return;
        }
        match update.kind {
            UpdateKind::Message(msg) => on_message(&bot, &me, &ctx, update.id.0 as i64, msg).await,
            UpdateKind::CallbackQuery(q) => on_press(&bot, &ctx, update.id.0 as i64, q).await,
            UpdateKind::EditedMessage(_) => {
                // The original was already answered; answering the edit as a new turn would
                // double the conversation, so edits are ignored (documented in the README).
                tracing::info!("edited message ignored");
            }
            _ => tracing::debug!("update kind not handled"),
        }
    }
    .instrument(span)
    .await
}

async fn on_message(bot: &TgBot, me: &Me, ctx: &Ctx, update_id: i64, msg: Message) {
    let group = !msg.chat.is_private();
    let session = session_id(&msg.chat, msg.from.as_ref());
    let reply_to = group.then_some(msg.id);
    let media = match &msg.kind {
        MessageKind::Common(c) => &c.media_kind,
        _ => {
            tracing::debug!("service message ignored");
            return;
        }
    };
    let text = match media {
        MediaKind::Text(t) => t.text.clone(),
        MediaKind::Migration(_) => return,
        _ => {
            let caption_mentions = msg.caption().is_some_and(|c| {
                c.to_lowercase()
                    .contains(&format!("@{}", me.username()).to_lowercase())
            });
            if group && !replies_to_bot(&msg, me) && !caption_mentions {
                return;
            }
            tracing::info!("non-text message answered with a text-only note");
            let r = Reply::new(crate::answer::ReplyKind::Info, TEXT_ONLY);
            deliver(bot, ctx, msg.chat.id, reply_to, update_id, &r, None).await;
            return;
        }
    };
    let text = if group {
        match addressed_in_group(&msg, &text, me) {
            Some(t) => t,
            None => return,
        }
    } else {
        text
    };
    tracing::debug!(text = %mask(&text), "message");
    if let Some(name) = command_name(&text, me) {
        tracing::info!(command = name, "command");
        let reply = match name {
            "start" => ctx.core.welcome(),
            "help" => ctx.core.help(),
            "calc" => ctx.core.calculators(),
            "reset" => ctx.core.reset(&session).await,
            _ => ctx.core.help(),
        };
        deliver(bot, ctx, msg.chat.id, reply_to, update_id, &reply, None).await;
        return;
    }
    if text.trim().is_empty() {
        let r = ctx.core.help();
        deliver(bot, ctx, msg.chat.id, reply_to, update_id, &r, None).await;
        return;
    }
    tracing::info!(chars = text.chars().count(), "text turn");
    let reply = with_typing(bot, ctx, msg.chat.id, async {
        ctx.core
            .on(Channel::Telegram)
            .handle_update(&session, update_id, Input::Text(text))
            .await
    })
    .await;
    match reply {
        Some(r) => deliver(bot, ctx, msg.chat.id, reply_to, update_id, &r, None).await,
        None => tracing::info!("update already applied to this session; not answered again"),
    }
}

async fn on_press(bot: &TgBot, ctx: &Ctx, update_id: i64, q: teloxide::types::CallbackQuery) {
    // Stop the button's spinner first, whatever happens next.
    let ack = bot.answer_callback_query(q.id.clone());
    if let Err(e) = with_retry(&ctx.settings.retry, "answerCallbackQuery", || {
        ack.send_ref()
    })
    .await
    {
        tracing::warn!(error = %e, "could not answer the callback query");
    }
    let Some(MaybeInaccessibleMessage::Regular(msg)) = q.message.as_ref() else {
        tracing::info!("press on an inaccessible message ignored");
        return;
    };
    let msg: &Message = msg;
    let data = q.data.clone().unwrap_or_default();
    // The pressed button's title, to show what was chosen.
    let title = msg.reply_markup().and_then(|m| {
        m.inline_keyboard
            .iter()
            .flatten()
            .find_map(|b| match &b.kind {
                teloxide::types::InlineKeyboardButtonKind::CallbackData(d) if *d == data => {
                    Some(b.text.clone())
                }
                _ => None,
            })
    });
    // Remove the buttons from the pressed message so they cannot be pressed twice.
    let edit = bot.edit_message_reply_markup(msg.chat.id, msg.id);
    if let Err(e) = with_retry(&ctx.settings.retry, "editMessageReplyMarkup", || {
        edit.send_ref()
    })
    .await
    {
        tracing::warn!(error = %e, "could not remove the pressed message's buttons");
    }
    let group = !msg.chat.is_private();
    let session = session_id(&msg.chat, Some(&q.from));
    let Some(option) = ctx.keys.decode(&data) else {
        tracing::info!("expired button pressed");
        let r = Reply::new(crate::answer::ReplyKind::Info, BUTTON_EXPIRED);
        deliver(bot, ctx, msg.chat.id, None, update_id, &r, None).await;
        return;
    };
    tracing::info!(option = %mask(&option), "button press");
    let reply = with_typing(bot, ctx, msg.chat.id, async {
        ctx.core
            .on(Channel::Telegram)
            .handle_update(&session, update_id, Input::Press(option))
            .await
    })
    .await;
    let reply_to = group.then_some(msg.id);
    match reply {
        Some(r) => {
            deliver(
                bot,
                ctx,
                msg.chat.id,
                reply_to,
                update_id,
                &r,
                title.as_deref(),
            )
            .await
        }
        None => tracing::info!("update already applied to this session; not answered again"),
    }
}

/// Runs `turn`; if it is still running after `typing_after`, shows "typing…" until it ends.
async fn with_typing<T>(
    bot: &TgBot,
    ctx: &Ctx,
    chat: ChatId,
    turn: impl std::future::Future<Output = T>,
) -> T {
    let bot = bot.clone();
    let every = ctx.settings.typing_every.max(Duration::from_millis(100));
    let mut after = ctx.settings.typing_after;
    if after.is_zero() {
        // Zero means every turn shows it: sent before the turn starts, not raced against a
        // turn that may finish before a spawned task first runs.
        if let Err(e) = bot.send_chat_action(chat, ChatAction::Typing).await {
            tracing::debug!(error = %e, "typing indicator not sent");
        }
        after = every;
    }
    let typing = tokio::spawn(
        async move {
            tokio::time::sleep(after).await;
            loop {
                if let Err(e) = bot.send_chat_action(chat, ChatAction::Typing).await {
                    tracing::debug!(error = %e, "typing indicator not sent");
                }
                tokio::time::sleep(every).await;
            }
        }
        .in_current_span(),
    );
    let out = turn.await;
    typing.abort();
    out
}

/// Sends a reply, part by part, each with retries. A part that cannot be sent is logged with
/// the update id (never dropped silently) and the rest of the reply is not sent, so the chat
/// never shows a reply with a hole in it.
async fn deliver(
    bot: &TgBot,
    ctx: &Ctx,
    chat: ChatId,
    reply_to: Option<teloxide::types::MessageId>,
    update_id: i64,
    reply: &Reply,
    chosen: Option<&str>,
) {
    let mut parts: Vec<Outgoing> = render::render(reply, &ctx.keys);
    if let (Some(title), Some(first)) = (chosen, parts.first_mut()) {
        first.html = format!("<i>» {}</i>\n\n{}", render::escape_html(title), first.html);
        if render::split_message(&first.html, render::MAX_MESSAGE_UTF16).len() > 1 {
            // The marker would push the part over the limit: leave it out.
            first.html = first
                .html
                .split_once("\n\n")
                .map(|x| x.1.to_string())
                .unwrap_or_default();
        }
    }
    let total = parts.len();
    for (i, part) in parts.iter().enumerate() {
        let mut req = bot
            .send_message(chat, part.html.clone())
            .parse_mode(ParseMode::Html);
        if !part.buttons.is_empty() {
            let rows: Vec<Vec<InlineKeyboardButton>> = part
                .buttons
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|b| InlineKeyboardButton::callback(b.text.clone(), b.data.clone()))
                        .collect()
                })
                .collect();
            req = req.reply_markup(InlineKeyboardMarkup::new(rows));
        }
        if let (0, Some(id)) = (i, reply_to) {
            req = req.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
        }
        match with_retry(&ctx.settings.retry, "sendMessage", || req.send_ref()).await {
            Ok(_) => {}
            Err(e) => {
                tracing::error!(
                    update_id,
                    part = i + 1,
                    parts = total,
                    kind = ?reply.kind,
                    error = %e,
                    "reply could not be delivered after retries"
                );
                return;
            }
        }
    }
    tracing::info!(update_id, kind = ?reply.kind, parts = total, "reply delivered");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_hash_is_stable_and_short() {
        assert_eq!(chat_hash(42), chat_hash(42));
        assert_ne!(chat_hash(42), chat_hash(43));
        assert!(chat_hash(42).starts_with("telegram:"));
        assert!(!chat_hash(123456789).contains("123456789"));
    }

    #[test]
    fn recent_ids_detect_redelivery() {
        let mut r = RecentIds::default();
        assert!(r.insert(1));
        assert!(!r.insert(1));
        for i in 2..(RecentIds::CAPACITY as i64 + 3) {
            r.insert(i);
        }
        assert!(r.insert(1), "forgotten after capacity");
    }
}

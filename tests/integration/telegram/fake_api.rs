//! A fake Telegram Bot API on 127.0.0.1: real JSON for the methods the bot calls, a queue of
//! updates for `getUpdates`, a record of every call, and a script of faults for `sendMessage`.
//!
//! Point a bot at it with `TelegramConfig::api_url = fake.url`. Only what reached the fake and
//! was answered successfully counts as delivered (`sent`); a faulted call is recorded in
//! `calls` with its fault.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

pub const BOT_ID: i64 = 7_000_000_001;
pub const BOT_USERNAME: &str = "bujiao_test_bot";

/// What `sendMessage` does instead of succeeding, in order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// HTTP 500 with Telegram's JSON error body. (teloxide-core waits 10 s after any 5xx status
    /// before it returns the error, so each of these costs a test 10 s.)
    Http500,
    /// HTTP 200 with `{"ok":false,"error_code":500,"description":"Internal Server Error"}`: the
    /// same error as teloxide reports it, without its 10 s wait.
    Api500,
    /// HTTP 429 with `parameters.retry_after`.
    RetryAfter(u32),
    /// Holds the request this long and then drops it unanswered (and undelivered).
    Stall(Duration),
    /// Holds the request this long, then delivers it and answers normally.
    Delay(Duration),
}

/// One call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub body: Value,
    pub fault: Option<Fault>,
}

/// One message the bot delivered.
#[derive(Debug, Clone)]
pub struct Sent {
    pub message_id: i64,
    pub chat_id: i64,
    pub text: String,
    pub parse_mode: Option<String>,
    /// Inline buttons, row by row: (text, callback_data).
    pub buttons: Vec<Vec<(String, String)>>,
    pub reply_markup: Value,
}

impl Sent {
    pub fn button_data(&self) -> Vec<String> {
        self.buttons
            .iter()
            .flatten()
            .map(|(_, d)| d.clone())
            .collect()
    }
    pub fn button_titles(&self) -> Vec<String> {
        self.buttons
            .iter()
            .flatten()
            .map(|(t, _)| t.clone())
            .collect()
    }
}

#[derive(Default)]
struct Inner {
    next_update_id: i64,
    updates: Vec<Value>,
    /// The highest offset `getUpdates` was called with: updates below it are confirmed.
    offset: i64,
    calls: Vec<Call>,
    sent: Vec<Sent>,
    next_message_id: i64,
    faults: VecDeque<Fault>,
}

struct Shared {
    inner: Mutex<Inner>,
    new_update: Notify,
    changed: Notify,
}

/// A running fake Bot API.
#[derive(Clone)]
pub struct FakeApi {
    pub url: reqwest::Url,
    shared: Arc<Shared>,
}

fn ok(result: Value) -> Response {
    Json(json!({"ok": true, "result": result})).into_response()
}

fn chat_json(id: i64) -> Value {
    if id < 0 {
        json!({"id": id, "type": "group", "title": "补缴交流群"})
    } else {
        json!({"id": id, "type": "private", "first_name": "张三"})
    }
}

fn user_json(id: i64) -> Value {
    json!({"id": id, "is_bot": false, "first_name": format!("用户{id}")})
}

fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "补缴助手", "username": BOT_USERNAME})
}

impl FakeApi {
    /// Starts the fake on a free loopback port.
    pub async fn start() -> FakeApi {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                next_update_id: 1000,
                next_message_id: 1,
                ..Default::default()
            }),
            new_update: Notify::new(),
            changed: Notify::new(),
        });
        let app = Router::new()
            .route("/{bot}/{method}", post(handle))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeApi {
            url: reqwest::Url::parse(&format!("http://{addr}")).unwrap(),
            shared,
        }
    }

    fn push(&self, mut update: Value) -> i64 {
        let id = {
            let mut i = self.shared.inner.lock().unwrap();
            let id = i.next_update_id;
            i.next_update_id += 1;
            update["update_id"] = json!(id);
            i.updates.push(update);
            id
        };
        self.shared.new_update.notify_waiters();
        id
    }

    /// Queues an update as it is (its `update_id` is kept: for redelivery tests).
    pub fn push_raw(&self, update: Value) {
        {
            let mut i = self.shared.inner.lock().unwrap();
            let id = update["update_id"].as_i64().unwrap_or(0);
            i.next_update_id = i.next_update_id.max(id + 1);
            i.updates.push(update);
        }
        self.shared.new_update.notify_waiters();
    }

    /// The JSON of a message from `user` in `chat` (without update id): a new message id, the
    /// date, chat and sender, and `fields` (text, photo, sticker, a reply…).
    fn message_update(&self, chat: i64, user: i64, fields: Value) -> Value {
        let mid = {
            let mut i = self.shared.inner.lock().unwrap();
            i.next_message_id += 1;
            i.next_message_id
        };
        let mut msg = json!({
            "message_id": mid, "date": 1_764_000_000,
            "chat": chat_json(chat), "from": user_json(user),
        });
        for (k, v) in fields.as_object().expect("an object of message fields") {
            msg[k] = v.clone();
        }
        json!({"message": msg})
    }

    /// The JSON of a text message from `user` in `chat` (without update id).
    pub fn text_update(&self, chat: i64, user: i64, text: &str) -> Value {
        let mut fields = json!({"text": text});
        if text.starts_with('/') {
            let len = text
                .split_whitespace()
                .next()
                .unwrap()
                .encode_utf16()
                .count();
            fields["entities"] = json!([{"type": "bot_command", "offset": 0, "length": len}]);
        }
        self.message_update(chat, user, fields)
    }

    /// Queues a text message; returns its update id.
    pub fn text(&self, chat: i64, user: i64, text: &str) -> i64 {
        let u = self.text_update(chat, user, text);
        self.push(u)
    }

    /// Queues a photo (no text).
    pub fn photo(&self, chat: i64, user: i64) -> i64 {
        self.message(
            chat,
            user,
            json!({"photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]}),
        )
    }

    /// Queues a message from `user` in `chat` whose fields (other than id, date, chat and sender)
    /// are `fields`: a sticker, a voice note, a reply, a caption… Returns its update id.
    pub fn message(&self, chat: i64, user: i64, fields: Value) -> i64 {
        let u = self.message_update(chat, user, fields);
        self.push(u)
    }

    /// Queues an edit of an earlier text message (`edited_message`, same message id).
    pub fn edit(&self, chat: i64, user: i64, message_id: i64, text: &str) -> i64 {
        self.push(json!({"edited_message": {
            "message_id": message_id, "date": 1_764_000_000, "edit_date": 1_764_000_100,
            "chat": chat_json(chat), "from": user_json(user), "text": text,
        }}))
    }

    /// The bot's own user, as it appears as the sender of its messages.
    pub fn bot_user() -> Value {
        bot_user()
    }

    /// Queues a press of the button with `data` on the delivered message `sent`.
    pub fn press(&self, user: i64, sent: &Sent, data: &str) -> i64 {
        let msg = json!({
            "message_id": sent.message_id, "date": 1_764_000_000,
            "chat": chat_json(sent.chat_id), "from": bot_user(),
            "text": sent.text, "reply_markup": sent.reply_markup,
        });
        self.push(json!({"callback_query": {
            "id": format!("cq-{}-{}", sent.message_id, data.len()),
            "from": user_json(user), "message": msg,
            "chat_instance": "ci", "data": data,
        }}))
    }

    /// Faults for the next `sendMessage` calls, in order.
    pub fn fail_next_sends(&self, faults: &[Fault]) {
        self.shared
            .inner
            .lock()
            .unwrap()
            .faults
            .extend(faults.iter().copied());
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.inner.lock().unwrap().calls.clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.shared.inner.lock().unwrap().sent.clone()
    }

    pub fn sent_to(&self, chat: i64) -> Vec<Sent> {
        self.sent()
            .into_iter()
            .filter(|s| s.chat_id == chat)
            .collect()
    }

    /// The offset of the last `getUpdates`: every update below it is confirmed.
    pub fn confirmed_offset(&self) -> i64 {
        self.shared.inner.lock().unwrap().offset
    }

    /// Waits until `chat` has received at least `n` messages (panics after `secs` seconds).
    pub async fn wait_sent(&self, chat: i64, n: usize, secs: u64) -> Vec<Sent> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let notified = self.shared.changed.notified();
            let s = self.sent_to(chat);
            if s.len() >= n {
                return s;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "chat {chat}: {} of {n} messages after {secs} s: {:#?}",
                    s.len(),
                    self.calls()
                );
            }
        }
    }

    /// Waits until `f` holds for the recorded calls.
    pub async fn wait_until(&self, secs: u64, f: impl Fn(&[Call]) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let notified = self.shared.changed.notified();
            if f(&self.calls()) {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("condition not met after {secs} s: {:#?}", self.calls());
            }
        }
    }
}

fn buttons_of(markup: &Value) -> Vec<Vec<(String, String)>> {
    markup["inline_keyboard"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|row| {
                    row.as_array()
                        .unwrap()
                        .iter()
                        .map(|b| {
                            (
                                b["text"].as_str().unwrap_or("").to_string(),
                                b["callback_data"].as_str().unwrap_or("").to_string(),
                            )
                        })
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if !bot.starts_with("bot") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // Method names are case-insensitive (teloxide sends `GetMe`); record them as documented.
    let method = [
        "getUpdates",
        "getMe",
        "getWebhookInfo",
        "sendMessage",
        "editMessageReplyMarkup",
        "sendChatAction",
        "answerCallbackQuery",
        "setMyCommands",
        "setWebhook",
        "deleteWebhook",
    ]
    .iter()
    .find(|m| m.eq_ignore_ascii_case(&method))
    .map(|m| m.to_string())
    .unwrap_or(method);
    let fault = if method == "sendMessage" {
        shared.inner.lock().unwrap().faults.pop_front()
    } else {
        None
    };
    let record = |fault: Option<Fault>| {
        shared.inner.lock().unwrap().calls.push(Call {
            method: method.clone(),
            body: body.clone(),
            fault,
        });
        shared.changed.notify_waiters();
    };
    if let Some(Fault::Delay(d)) = fault {
        // Recorded as `sendMessage:held` on arrival; delivered (as `sendMessage`) after `d`.
        shared.inner.lock().unwrap().calls.push(Call {
            method: format!("{method}:held"),
            body: body.clone(),
            fault,
        });
        shared.changed.notify_waiters();
        tokio::time::sleep(d).await;
    } else if let Some(f) = fault {
        record(Some(f));
        let err500 =
            json!({"ok": false, "error_code": 500, "description": "Internal Server Error"});
        return match f {
            Fault::Http500 => (StatusCode::INTERNAL_SERVER_ERROR, Json(err500)).into_response(),
            Fault::Api500 => Json(err500).into_response(),
            Fault::RetryAfter(secs) => (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"ok": false, "error_code": 429,
                    "description": format!("Too Many Requests: retry after {secs}"),
                    "parameters": {"retry_after": secs}})),
            )
                .into_response(),
            Fault::Stall(d) => {
                tokio::time::sleep(d).await;
                StatusCode::GATEWAY_TIMEOUT.into_response()
            }
            Fault::Delay(_) => unreachable!(),
        };
    }
    match method.as_str() {
        "getUpdates" => {
            let offset = body["offset"].as_i64().unwrap_or(0);
            let limit = body["limit"].as_u64().unwrap_or(100) as usize;
            // Long polling, capped at 300 ms so tests stay fast and an idle bot never spins.
            let wait = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0))
                .clamp(Duration::from_millis(300), Duration::from_millis(300));
            let deadline = tokio::time::Instant::now() + wait;
            loop {
                let notified = shared.new_update.notified();
                let ready: Vec<Value> = {
                    let mut i = shared.inner.lock().unwrap();
                    if offset > i.offset {
                        i.offset = offset;
                    }
                    i.updates
                        .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                    i.updates.iter().take(limit).cloned().collect()
                };
                if !ready.is_empty() || tokio::time::Instant::now() >= deadline {
                    record(None);
                    return ok(json!(ready));
                }
                let _ = tokio::time::timeout_at(deadline, notified).await;
            }
        }
        "getMe" => {
            record(None);
            let mut me = bot_user();
            me["can_join_groups"] = json!(true);
            me["can_read_all_group_messages"] = json!(false);
            me["supports_inline_queries"] = json!(false);
            me["can_connect_to_business"] = json!(false);
            me["has_main_web_app"] = json!(false);
            ok(me)
        }
        "getWebhookInfo" => {
            record(None);
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0}))
        }
        "sendMessage" => {
            let chat_id = body["chat_id"].as_i64().unwrap_or(0);
            let text = body["text"].as_str().unwrap_or("").to_string();
            let markup = body["reply_markup"].clone();
            let message_id = {
                let mut i = shared.inner.lock().unwrap();
                i.next_message_id += 1;
                let id = i.next_message_id;
                i.sent.push(Sent {
                    message_id: id,
                    chat_id,
                    text: text.clone(),
                    parse_mode: body["parse_mode"].as_str().map(str::to_string),
                    buttons: buttons_of(&markup),
                    reply_markup: markup.clone(),
                });
                id
            };
            record(None);
            let mut m = json!({"message_id": message_id, "date": 1_764_000_000,
                "chat": chat_json(chat_id), "from": bot_user(), "text": text});
            if !markup.is_null() {
                m["reply_markup"] = markup;
            }
            ok(m)
        }
        "editMessageReplyMarkup" => {
            record(None);
            let chat_id = body["chat_id"].as_i64().unwrap_or(0);
            ok(
                json!({"message_id": body["message_id"], "date": 1_764_000_000,
                "chat": chat_json(chat_id), "from": bot_user(), "text": "…"}),
            )
        }
        "sendChatAction"
        | "answerCallbackQuery"
        | "setMyCommands"
        | "setWebhook"
        | "deleteWebhook" => {
            record(None);
            ok(json!(true))
        }
        _ => {
            record(None);
            Json(json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"}))
                .into_response()
        }
    }
}

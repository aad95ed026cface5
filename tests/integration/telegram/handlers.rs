//! What a citizen sees, message kind by message kind, through the real bot (`telegram::start`,
//! polling) against the fake Bot API on 127.0.0.1: commands, answers with their basis, HTML that
//! Telegram accepts, non-text messages, groups and edited messages. (`live` covers the
//! conversation, buttons, faults, redelivery and shutdown.)

use crate::telegram::fake_api::{FakeApi, Sent, BOT_USERNAME};
use crate::telegram::live::{run_bot, say};
use bujiao::channels::telegram::handler::TEXT_ONLY;
use serde_json::json;
use std::time::Duration;

/// Only our own tags (`<b>`, `<i>`) may appear unescaped in HTML we send.
pub fn assert_valid_html(text: &str) {
    let stripped = text
        .replace("<b>", "")
        .replace("</b>", "")
        .replace("<i>", "")
        .replace("</i>", "");
    assert!(
        !stripped.contains('<') && !stripped.contains('>'),
        "unescaped markup: {text}"
    );
    for amp in stripped.match_indices('&') {
        let rest = &stripped[amp.0..];
        assert!(
            rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;"),
            "bare ampersand: {text}"
        );
    }
}

/// No further message reaches `chat` for a moment (it has exactly `n`).
async fn settles_at(fake: &FakeApi, chat: i64, n: usize) -> Vec<Sent> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    let sent = fake.sent_to(chat);
    assert_eq!(sent.len(), n, "{sent:#?}");
    sent
}

#[tokio::test]
async fn start_welcomes_with_three_example_buttons() {
    let fake = FakeApi::start().await;
    let bot = run_bot(&fake, crate::telegram::core_bot()).await;
    let sent = say(&fake, 21, "/start").await;
    assert_eq!(sent.parse_mode.as_deref(), Some("HTML"));
    assert!(sent.text.contains("补缴"), "{}", sent.text);
    let data = sent.button_data();
    assert_eq!(data.len(), 3, "{:?}", sent.buttons);
    // Telegram refuses callback data over 64 bytes.
    assert!(data.iter().all(|d| d.len() <= 64), "{data:?}");
    assert_valid_html(&sent.text);
    bot.shutdown().await;
}

#[tokio::test]
async fn help_reset_and_calc_commands() {
    let fake = FakeApi::start().await;
    let bot = run_bot(&fake, crate::telegram::core_bot()).await;
    let help = say(&fake, 22, "/help").await;
    assert!(help.text.contains("计算"), "{}", help.text);
    let reset = say(&fake, 22, "/reset").await;
    assert!(!reset.text.is_empty());
    let calc = say(&fake, 22, "/calc").await;
    let data = calc.button_data();
    for id in [
        "calc:contribution",
        "calc:late-fee",
        "calc:retiree-topup",
        "calc:waiting-period",
    ] {
        assert!(data.iter().any(|d| d == id), "{data:?}");
    }
    for s in [&help, &reset, &calc] {
        assert_valid_html(&s.text);
    }
    bot.shutdown().await;
}

#[tokio::test]
async fn a_question_is_answered_with_its_basis() {
    let fake = FakeApi::start().await;
    let bot = run_bot(&fake, crate::telegram::core_bot()).await;
    let sent = say(&fake, 23, "单位被兼并了以前欠的医保费找谁补").await;
    assert!(sent.text.contains("兼并方"), "{}", sent.text);
    assert!(
        sent.text.contains("参考条目") || sent.text.contains("依据"),
        "{}",
        sent.text
    );
    assert_valid_html(&sent.text);
    bot.shutdown().await;
}

#[tokio::test]
async fn non_text_messages_get_a_text_only_note() {
    let fake = FakeApi::start().await;
    let bot = run_bot(&fake, crate::telegram::core_bot()).await;
    let kinds = [
        json!({"sticker": {"file_id": "s", "file_unique_id": "su", "type": "regular",
            "width": 512, "height": 512, "is_animated": false, "is_video": false}}),
        json!({"voice": {"file_id": "v", "file_unique_id": "vu", "duration": 3, "mime_type": "audio/ogg"}}),
        json!({"location": {"latitude": 39.9, "longitude": 116.4}}),
        json!({"document": {"file_id": "d", "file_unique_id": "du", "file_name": "材料.pdf", "mime_type": "application/pdf"}}),
    ];
    for (i, fields) in kinds.into_iter().enumerate() {
        let chat = 240 + i as i64;
        fake.message(chat, chat, fields);
        let sent = fake.wait_sent(chat, 1, 15).await;
        assert_eq!(sent[0].text, TEXT_ONLY, "kind {i}");
    }
    fake.photo(250, 250);
    assert_eq!(fake.wait_sent(250, 1, 15).await[0].text, TEXT_ONLY);
    bot.shutdown().await;
}

#[tokio::test]
async fn in_groups_only_commands_mentions_and_replies_are_answered() {
    let fake = FakeApi::start().await;
    let bot = run_bot(&fake, crate::telegram::core_bot()).await;
    let group = -1001;
    let at = format!("@{BOT_USERNAME}");
    // Chatter among the members, and another bot's command: not for us.
    fake.text(group, 31, "大家好，今天开会");
    fake.text(group, 31, "/help@some_other_bot");
    // A mention: answered, as a reply to the message it answers.
    fake.text(group, 31, &format!("{at} 单位被兼并了以前欠的医保费找谁补"));
    let first = fake.wait_sent(group, 1, 15).await;
    assert!(first[0].text.contains("兼并方"), "{}", first[0].text);
    let body = &fake.calls_to("sendMessage")[0].body;
    assert!(
        body["reply_parameters"]["message_id"].as_i64().is_some(),
        "{body}"
    );
    // Our own command, addressed by name.
    fake.text(group, 32, &format!("/help{at}"));
    fake.wait_sent(group, 2, 15).await;
    // A reply to one of the bot's messages.
    let from_bot = FakeApi::bot_user();
    fake.message(
        group,
        33,
        json!({
            "text": "单位被兼并了以前欠的医保费找谁补",
            "reply_to_message": {
                "message_id": first[0].message_id, "date": 1_764_000_000,
                "chat": {"id": group, "type": "group", "title": "补缴交流群"},
                "from": from_bot, "text": "上一条",
            },
        }),
    );
    fake.wait_sent(group, 3, 15).await;
    // The chatter and the other bot's command were never answered.
    settles_at(&fake, group, 3).await;
    bot.shutdown().await;
}

#[tokio::test]
async fn edited_messages_are_not_answered_again() {
    let fake = FakeApi::start().await;
    let bot = run_bot(&fake, crate::telegram::core_bot()).await;
    let first = say(&fake, 26, "单位被兼并了以前欠的医保费找谁补").await;
    assert!(first.text.contains("兼并方"));
    let edit = fake.edit(26, 26, 4242, "单位被合并了以前欠的医保费找谁补");
    // The edit is taken from the queue (confirmed) and nothing is sent for it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while fake.confirmed_offset() <= edit {
        assert!(tokio::time::Instant::now() < deadline, "edit never fetched");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    settles_at(&fake, 26, 1).await;
    bot.shutdown().await;
}

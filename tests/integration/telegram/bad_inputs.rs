//! The bad-input corpus (`tests/bad_inputs.toml`) through the real Telegram adapter against the
//! fake Bot API: every text case, each in its own chat, gets a reply (a clear refusal or a polite
//! answer) that Telegram would accept — HTML with the citizen's text escaped, within 4096
//! characters per message — and the bot keeps serving afterwards. Invalid UTF-8 cannot travel in
//! a Bot API update and is skipped here.

use crate::corpus::corpus;
use crate::telegram::fake_api::FakeApi;
use bujiao::channels::telegram::{start, TelegramConfig};
use std::time::Duration;

#[tokio::test]
async fn every_case_gets_a_reply_telegram_accepts() {
    crate::telegram::init_logs();
    let fake = FakeApi::start().await;
    let mut cfg = TelegramConfig::new("123456:TEST-token");
    cfg.api_url = Some(fake.url.clone());
    cfg.poll_timeout = Duration::from_secs(1);
    cfg.limits = crate::telegram::fast_limits();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = start(crate::telegram::core_bot(), cfg, async move {
        let _ = stopped.await;
    })
    .await
    .expect("bot starts");
    let cases: Vec<_> = corpus()
        .into_iter()
        .filter_map(|c| Some((c.name.clone(), c.text()?.to_string())))
        .collect();
    for (i, (_, text)) in cases.iter().enumerate() {
        fake.text(10_000 + i as i64, 10_000 + i as i64, text);
    }
    for (i, (name, text)) in cases.iter().enumerate() {
        let chat = 10_000 + i as i64;
        let sent = fake.wait_sent(chat, 1, 30).await;
        for m in &sent {
            assert!(!m.text.trim().is_empty(), "{name:?}: empty message");
            assert!(
                m.text.encode_utf16().count() <= 4096,
                "{name:?}: a message of {} UTF-16 units",
                m.text.encode_utf16().count()
            );
            if text.contains("<script") {
                assert!(!m.text.contains("<script"), "{name:?}: {}", m.text);
            }
        }
    }
    // Still serving.
    let before = fake.sent_to(1).len();
    fake.text(1, 1, "社保滞纳金一天收多少");
    let r = fake.wait_sent(1, before + 1, 15).await.pop().unwrap();
    assert!(r.text.contains("万分之五"), "{}", r.text);
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(20), running.task)
        .await
        .expect("shut down in time")
        .expect("task did not panic");
}

//! Multi-turn scripts through the dialogue engine: every intent and behaviour of the issue.

use crate::common::repo_answerer;
use bujiao::answer::{Answerer, Reply, ReplyKind};
use bujiao::dialogue::{Engine, STATE_VERSION};
use bujiao::session::{MemoryStore, SessionStore, Sessions, SqliteStore};
use chrono::NaiveDate;
use std::sync::Arc;

fn engine_with(store: Arc<dyn SessionStore>) -> Engine {
    let answerer = Arc::new(Answerer::new_shared(repo_answerer().snapshot()));
    Engine::new(answerer, Sessions::new(store, STATE_VERSION))
        .with_today(|| NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())
}

fn engine() -> Engine {
    engine_with(Arc::new(MemoryStore::new()))
}

/// Run a script on one session; each step is (message, expected kind, expected slot or text part).
async fn script(e: &Engine, session: &str, steps: &[(&str, ReplyKind, &str)]) -> Vec<Reply> {
    let mut out = Vec::new();
    for (i, (text, kind, needle)) in steps.iter().enumerate() {
        let r = e.handle(session, text).await;
        assert_eq!(r.kind, *kind, "step {i} {text:?}: {r:#?}");
        if !needle.is_empty() {
            let slot = r.slot.clone().unwrap_or_default();
            assert!(
                slot == *needle || r.text.contains(needle),
                "step {i} {text:?}: expected {needle:?} in slot/text: {r:#?}"
            );
        }
        out.push(r);
    }
    out
}

fn total(r: &Reply) -> String {
    r.result.as_ref().unwrap()["total"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn everything_in_one_sentence_gives_the_result_at_once() {
    let e = engine();
    let r = e
        .handle("s", "灵活就业,基数3000,按20%补缴养老保险6个月")
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert_eq!(total(&r), "3600.00");
    assert!(r.text.contains("3000.00 × 20% × 6"), "{}", r.text);
    let result = r.result.as_ref().unwrap();
    assert!(!result["lines"].as_array().unwrap().is_empty());
    assert!(result["assumptions"].is_array());
    assert!(r.text.contains("仅供参考"), "disclaimer: {}", r.text);
}

#[tokio::test]
async fn asks_one_missing_slot_at_a_time_with_an_example() {
    let e = engine();
    let rs = script(
        &e,
        "s",
        &[
            ("我想算一下补缴养老保险要多少钱", ReplyKind::Ask, "category"),
            ("灵活就业", ReplyKind::Ask, "base"),
            // Flexible pension: the rate comes from the policy (20%), so it is not asked.
            ("基数3000", ReplyKind::Ask, "months"),
            ("半年", ReplyKind::Result, "3600.00"),
        ],
    )
    .await;
    assert!(rs[1].text.contains("例如"), "{}", rs[1].text);
    assert_eq!(total(&rs[3]), "3600.00");
    // An employee medical calculation has no national rate: region or rate is asked for.
    script(
        &e,
        "m",
        &[
            ("帮我算算补缴医保要多少钱", ReplyKind::Ask, "category"),
            ("在职职工", ReplyKind::Ask, "region"),
            ("费率8%", ReplyKind::Ask, "base"),
            ("5000", ReplyKind::Ask, "months"),
            ("3个月", ReplyKind::Result, "1200.00"),
        ],
    )
    .await;
}

#[tokio::test]
async fn region_and_category_supply_the_rate() {
    // No rate needed when region + category give one (national flexible pension rate 20%).
    let e = engine();
    let r = e
        .handle(
            "s",
            "北京灵活就业补缴养老保险3个月，基数按7162算，要交多少钱",
        )
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert_eq!(total(&r), "4297.20", "7162 × 20% × 3");
}

#[tokio::test]
async fn invalid_values_reprompt_then_offer_a_way_out_and_never_loop() {
    let e = engine();
    let rs = script(
        &e,
        "s",
        &[
            ("帮我算算补缴养老要多少钱", ReplyKind::Ask, "category"),
            ("灵活就业", ReplyKind::Ask, "base"),
            ("基数3000，费率20%", ReplyKind::Ask, "months"),
            ("好多个月", ReplyKind::Ask, "months"),
            ("不知道啊", ReplyKind::Ask, "取消"),
            ("随便吧", ReplyKind::Info, "结束"),
        ],
    )
    .await;
    assert!(
        rs[3].text.contains("好多个月"),
        "quotes the input: {}",
        rs[3].text
    );
    // The form is over: a months answer now does not resume it.
    let r = e.handle("s", "社保滞纳金怎么算").await;
    assert_ne!(r.kind, ReplyKind::Ask);
}

#[tokio::test]
async fn corrections_update_the_slot_and_recompute() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            (
                "灵活就业,基数3000,按20%补缴养老保险6个月",
                ReplyKind::Result,
                "3600.00",
            ),
            ("不对，是5个月", ReplyKind::Result, "3000.00"),
            ("基数改成6000", ReplyKind::Result, "6000.00"),
        ],
    )
    .await;
}

#[tokio::test]
async fn cancel_leaves_the_form_and_reset_starts_over() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("我想算一下补缴养老保险要多少钱", ReplyKind::Ask, "category"),
            ("算了", ReplyKind::Info, "已取消"),
        ],
    )
    .await;
    // After cancelling, a bare category is not taken as an answer to the old question.
    let r = e.handle("s", "6个月").await;
    assert_ne!(r.kind, ReplyKind::Result);
    script(
        &e,
        "t",
        &[
            (
                "灵活就业,基数3000,按20%补缴养老保险6个月",
                ReplyKind::Result,
                "",
            ),
            ("重新开始", ReplyKind::Info, "重新开始"),
        ],
    )
    .await;
    // After a reset the last total is forgotten: no late fee is computed from it.
    let r = e.handle("t", "那滞纳金呢？").await;
    assert_ne!(r.kind, ReplyKind::Result);
    assert_ne!(r.slot.as_deref(), Some("days"), "{r:#?}");
}

#[tokio::test]
async fn a_digression_is_answered_then_the_pending_question_asked_again() {
    let e = engine();
    let rs = script(
        &e,
        "s",
        &[
            ("我想算一下补缴养老保险要多少钱", ReplyKind::Ask, "category"),
            ("灵活就业", ReplyKind::Ask, "base"),
        ],
    )
    .await;
    drop(rs);
    let r = e.handle("s", "单位被兼并了以前欠的医保费找谁？").await;
    assert!(
        matches!(r.kind, ReplyKind::Answer | ReplyKind::Clarify),
        "{r:#?}"
    );
    assert!(
        r.text.contains("缴费基数"),
        "re-asks the pending slot: {}",
        r.text
    );
    assert_eq!(r.slot.as_deref(), Some("base"));
    // The digression did not change the form: the pension calculation continues.
    script(
        &e,
        "s",
        &[
            ("3000", ReplyKind::Ask, "months"),
            ("2个月", ReplyKind::Result, "养老保险"),
        ],
    )
    .await;
}

#[tokio::test]
async fn follow_up_late_fee_reuses_the_last_total() {
    let e = engine();
    let rs = script(
        &e,
        "s",
        &[
            (
                "灵活就业,基数3000,按20%补缴养老保险6个月",
                ReplyKind::Result,
                "",
            ),
            ("那滞纳金呢？", ReplyKind::Ask, "days"),
            ("晚了30天", ReplyKind::Result, "3600.00 × 0.05% × 30"),
        ],
    )
    .await;
    assert_eq!(total(&rs[2]), "54.00");
}

#[tokio::test]
async fn late_fee_from_dates() {
    let e = engine();
    let r = e
        .handle(
            "s",
            "欠缴社保10000元，应该2024年1月15日交，2024年3月1日才交，滞纳金多少",
        )
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert_eq!(total(&r), "230.00");
}

#[tokio::test]
async fn retiree_top_up_and_waiting_period_intents() {
    let e = engine();
    let r = e
        .handle("s", "北京，女，职工医保交了15年，退休要补多少")
        .await;
    assert_eq!(r.kind, ReplyKind::Ask, "{r:#?}");
    assert_eq!(
        r.slot.as_deref(),
        Some("base"),
        "Beijing's top-up base is not on file"
    );
    let r = e.handle("s", "5000").await;
    assert_eq!(r.kind, ReplyKind::Ask, "{r:#?}");
    assert_eq!(r.slot.as_deref(), Some("rate"));

    let r = e
        .handle("w", "居民医保断了2年，补缴1年，要等多久能报销")
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert!(r.text.contains("4 个月"), "{}", r.text);
}

#[tokio::test]
async fn greeting_help_thanks_and_human() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("你好", ReplyKind::Info, "补缴"),
            ("你能做什么", ReplyKind::Info, "滞纳金"),
            ("转人工", ReplyKind::Info, "12333"),
            ("谢谢", ReplyKind::Info, "不客气"),
        ],
    )
    .await;
}

#[tokio::test]
async fn faq_questions_and_off_topic_go_through_retrieval() {
    let e = engine();
    let r = e.handle("s", "单位被兼并了以前欠的医保费找谁").await;
    assert_eq!(r.kind, ReplyKind::Answer);
    assert!(r.text.contains("兼并方"));
    let r = e.handle("s", "明天天气怎么样").await;
    assert_eq!(r.kind, ReplyKind::Fallback);
}

#[tokio::test]
async fn clarification_options_can_be_picked_by_number() {
    let e = engine();
    // Find a question that yields a clarification, then pick option 2.
    let r = e.handle("s", "灵活就业养老").await;
    if r.kind == ReplyKind::Clarify {
        let second = r.sources[1].id.clone();
        let picked = e.handle("s", "2").await;
        assert_eq!(picked.kind, ReplyKind::Answer);
        assert_eq!(picked.sources[0].id, second);
    }
}

#[tokio::test]
async fn two_interleaved_sessions_do_not_see_each_others_slots() {
    let e = engine();
    script(
        &e,
        "a",
        &[("我想算一下补缴养老保险要多少钱", ReplyKind::Ask, "category")],
    )
    .await;
    script(
        &e,
        "b",
        &[("欠了1万社保费，滞纳金怎么算", ReplyKind::Ask, "days")],
    )
    .await;
    script(&e, "a", &[("灵活就业", ReplyKind::Ask, "base")]).await;
    // b's amount must not leak into a, nor a's category into b.
    let rb = e.handle("b", "30天").await;
    assert_eq!(rb.kind, ReplyKind::Result);
    assert_eq!(total(&rb), "150.00");
    script(&e, "a", &[("3000", ReplyKind::Ask, "months")]).await;
}

#[tokio::test]
async fn restart_resumes_the_form_from_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.sqlite3");
    {
        let e = engine_with(Arc::new(SqliteStore::open(&path).unwrap()));
        script(
            &e,
            "s",
            &[
                ("我想算一下补缴养老保险要多少钱", ReplyKind::Ask, "category"),
                ("灵活就业", ReplyKind::Ask, "base"),
            ],
        )
        .await;
    } // the "process" ends here
    let e = engine_with(Arc::new(SqliteStore::open(&path).unwrap()));
    script(
        &e,
        "s",
        &[
            ("3000", ReplyKind::Ask, "months"),
            ("6个月", ReplyKind::Result, "3600.00"),
        ],
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn idle_sessions_expire_after_thirty_minutes() {
    let e = engine();
    script(
        &e,
        "s",
        &[("我想算一下补缴养老保险要多少钱", ReplyKind::Ask, "category")],
    )
    .await;
    tokio::time::advance(std::time::Duration::from_secs(29 * 60)).await;
    script(&e, "s", &[("灵活就业", ReplyKind::Ask, "base")]).await;
    tokio::time::advance(std::time::Duration::from_secs(31 * 60)).await;
    let r = e.handle("s", "3000").await;
    assert_ne!(
        r.slot.as_deref(),
        Some("months"),
        "expired form must not resume: {r:#?}"
    );
}

#[tokio::test]
async fn old_state_versions_start_fresh() {
    let store: Arc<dyn SessionStore> = Arc::new(MemoryStore::new());
    let old = Sessions::new(store.clone(), STATE_VERSION - 1 + 100);
    old.save(
        "s",
        &serde_json::json!({"form": "contribution", "unknown": 1}),
    )
    .await
    .unwrap();
    let e = engine_with(store);
    let r = e.handle("s", "3000").await;
    assert_ne!(r.kind, ReplyKind::Result);
    assert_ne!(r.kind, ReplyKind::Error);
}

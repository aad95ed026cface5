//! Multi-turn scripts through the dialogue engine: every intent and behaviour of the issue.

use crate::common::repo_answerer;
use bujiao::answer::{Answerer, Reply, ReplyKind};
use bujiao::bot::Bot;
use bujiao::dialogue::{Engine, STATE_VERSION};
use bujiao::session::{MemoryStore, SessionStore, Sessions, SqliteStore};
use chrono::NaiveDate;
use std::sync::Arc;

fn engine_with(store: Arc<dyn SessionStore>) -> Bot {
    let answerer = Arc::new(Answerer::new_shared(repo_answerer().snapshot()));
    Bot::new(
        Engine::new(answerer, Sessions::new(store, STATE_VERSION))
            .with_today(|| NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()),
    )
}

fn engine() -> Bot {
    engine_with(Arc::new(MemoryStore::new()))
}

/// Run a script on one session; each step is (message, expected kind, expected slot or text part).
async fn script(e: &Bot, session: &str, steps: &[(&str, ReplyKind, &str)]) -> Vec<Reply> {
    let mut out = Vec::new();
    for (i, (text, kind, needle)) in steps.iter().enumerate() {
        let r = e.handle(session, text).await;
        assert_eq!(r.kind, *kind, "step {i} {text:?}: {r:#?}");
        if !needle.is_empty() {
            let slot = r.slot.map(|s| s.as_str()).unwrap_or_default();
            assert!(
                slot == *needle || r.text.contains(needle),
                "step {i} {text:?}: expected {needle:?} in slot/text: {r:#?}"
            );
        }
        out.push(r);
    }
    out
}

fn result_json(r: &Reply) -> serde_json::Value {
    serde_json::to_value(r.result.as_ref().expect("a result")).unwrap()
}

fn total(r: &Reply) -> String {
    result_json(r)["total"].as_str().unwrap().to_string()
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
    let result = result_json(&r);
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
    assert_ne!(r.slot.map(|s| s.as_str()), Some("days"), "{r:#?}");
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
    assert_eq!(r.slot.map(|s| s.as_str()), Some("base"));
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
        r.slot.map(|s| s.as_str()),
        Some("base"),
        "Beijing's top-up base is not on file"
    );
    let r = e.handle("s", "5000").await;
    assert_eq!(r.kind, ReplyKind::Ask, "{r:#?}");
    assert_eq!(r.slot.map(|s| s.as_str()), Some("rate"));

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
            ("好的", ReplyKind::Info, "好的"),
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
        r.slot.map(|s| s.as_str()),
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

#[tokio::test]
async fn years_to_back_pay_become_months() {
    let e = engine();
    let r = e
        .handle(
            "s",
            "我是自由职业，想补交养老保险，基数5千，补一年半，比例百分之二十，要多少钱",
        )
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert_eq!(total(&r), "18000.00", "5000 × 20% × 18");
    assert!(
        r.text.contains("18 个月"),
        "says how years became months: {}",
        r.text
    );
    script(
        &e,
        "t",
        &[
            (
                "养老保险交了10年，还差5年，补缴要多少钱",
                ReplyKind::Ask,
                "category",
            ),
            ("灵活就业", ReplyKind::Ask, "base"),
            ("4000", ReplyKind::Result, "48000.00"),
        ],
    )
    .await;
}

#[tokio::test]
async fn another_calculation_mid_form_switches_instead_of_failing() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("我想算下补缴", ReplyKind::Ask, "insurance"),
            ("养老", ReplyKind::Ask, "category"),
            ("那滞纳金呢?", ReplyKind::Ask, "amount"),
            ("1万2", ReplyKind::Ask, "days"),
            ("60天", ReplyKind::Result, "12000.00 × 0.05% × 60"),
        ],
    )
    .await;
}

#[tokio::test]
async fn asking_to_compute_a_late_fee_starts_the_form() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("我想算滞纳金", ReplyKind::Ask, "amount"),
            ("1万2", ReplyKind::Ask, "days"),
            ("两个月", ReplyKind::Ask, "两个月"),
            ("61天", ReplyKind::Result, "366.00"),
        ],
    )
    .await;
    // The rule itself is still a question for the knowledge base.
    let r = e.handle("q", "滞纳金怎么算").await;
    assert!(
        matches!(r.kind, ReplyKind::Answer | ReplyKind::Clarify),
        "{r:#?}"
    );
    // Months given for a late fee: the days question says why.
    let r = e
        .handle("m", "欠了一万二的社保，晚交了两个月，滞纳金多少")
        .await;
    assert_eq!(r.slot.map(|s| s.as_str()), Some("days"), "{r:#?}");
    assert!(r.text.contains("2 个月"), "{}", r.text);
}

#[tokio::test]
async fn retiree_top_up_asks_the_local_required_years_when_not_on_file() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            (
                "男，武汉，职工医保交了20年，马上退休，还要补几年，多少钱",
                ReplyKind::Ask,
                "required_years",
            ),
            ("25年", ReplyKind::Ask, "base"),
            ("5000", ReplyKind::Ask, "rate"),
            ("10%", ReplyKind::Result, "30000.00"),
        ],
    )
    .await;
    // Said up front, the required years are not mistaken for the years paid.
    let r = e
        .handle(
            "t",
            "武汉男职工，当地要求交满25年，我医保交了20年，基数5000，比例10%，退休要补多少",
        )
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert_eq!(total(&r), "30000.00");
}

#[tokio::test]
async fn a_question_mid_form_is_answered_even_without_a_good_answer() {
    let e = engine();
    script(
        &e,
        "s",
        &[("我想算一下补缴养老保险要多少钱", ReplyKind::Ask, "category")],
    )
    .await;
    // Whatever retrieval makes of it (an answer or a polite fallback), the question is treated as
    // a question — not as a failed answer — and the pending question is asked again.
    let r = e.handle("s", "基数多少合适？").await;
    assert!(
        matches!(
            r.kind,
            ReplyKind::Answer | ReplyKind::Clarify | ReplyKind::Fallback
        ),
        "{r:#?}"
    );
    assert!(!r.text.contains("没看懂"), "{}", r.text);
    assert_eq!(r.slot.map(|s| s.as_str()), Some("category"), "{r:#?}");
    script(
        &e,
        "s",
        &[
            ("灵活就业", ReplyKind::Ask, "base"),
            // Two values in one answer: the base asked for, and the rate.
            ("3000和20%", ReplyKind::Ask, "months"),
            ("6个月", ReplyKind::Result, "3600.00"),
        ],
    )
    .await;
}

#[tokio::test]
async fn resident_yearly_amount_said_per_year() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("帮我算一下医保补缴", ReplyKind::Ask, "category"),
            ("城乡居民", ReplyKind::Ask, "amount"),
            ("一年380", ReplyKind::Ask, "months"),
        ],
    )
    .await;
}

#[tokio::test]
async fn what_if_after_a_result_recomputes_but_a_question_does_not() {
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
            ("那如果是8个月呢", ReplyKind::Result, "4800.00"),
        ],
    )
    .await;
    let r = e.handle("s", "那医保断交三个月还能报销吗").await;
    assert!(
        matches!(r.kind, ReplyKind::Answer | ReplyKind::Clarify),
        "{r:#?}"
    );
}

#[tokio::test]
async fn late_fee_dates_share_the_year_of_the_first_date() {
    let e = engine();
    let r = e
        .handle(
            "s",
            "单位应在2024年1月15号交社保，结果3月1号才交，欠了1万，滞纳金多少",
        )
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert_eq!(total(&r), "230.00", "46 days");
}

#[tokio::test]
async fn until_now_makes_today_the_end_date() {
    let e = engine();
    let r = e
        .handle(
            "s",
            "公司欠缴了我们的社保2万块，从2024年3月1日拖到现在，滞纳金多少",
        )
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    // 2024-03-01 .. 2026-11-25 (the test's today) = 999 days.
    assert_eq!(total(&r), "9990.00");
    // A date and "现在" answer the days question too.
    script(
        &e,
        "t",
        &[
            ("我想算滞纳金", ReplyKind::Ask, "amount"),
            ("2万", ReplyKind::Ask, "days"),
            ("应该2026年10月1日交的", ReplyKind::Ask, "to"),
            ("现在", ReplyKind::Result, "20000.00 × 0.05% × 55"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_bare_calculation_request_offers_the_calculations() {
    let e = engine();
    let r = e.handle("s", "帮我算算").await;
    assert_eq!(r.kind, ReplyKind::Info, "{r:#?}");
    assert_eq!(r.options.len(), 4);
    // Every offered option starts its calculation.
    for (opt, slot) in
        r.option_titles()
            .into_iter()
            .zip(["insurance", "amount", "region", "category"])
    {
        let r = e.handle(&format!("o-{opt}"), opt).await;
        assert_eq!(r.kind, ReplyKind::Ask, "{opt}: {r:#?}");
        assert_eq!(r.slot.map(|s| s.as_str()), Some(slot), "{opt}: {r:#?}");
    }
}

#[tokio::test]
async fn retiree_shortfall_said_as_years_missing() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("算一下退休医保补多少钱", ReplyKind::Ask, "region"),
            ("上海", ReplyKind::Ask, "paid_years"),
        ],
    )
    .await;
    let r = e.handle("m", "北京，女，退休医保还差3年，要补多少钱").await;
    assert_eq!(r.slot.map(|s| s.as_str()), Some("base"), "{r:#?}");
    assert!(r.text.contains("还差 36 个月"), "{}", r.text);
    // The rule question stays a question.
    let r = e.handle("q", "退休医保要交满多少年").await;
    assert!(
        matches!(r.kind, ReplyKind::Answer | ReplyKind::Clarify),
        "{r:#?}"
    );
}

#[tokio::test]
async fn chat_shorthand_for_thousands() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("补缴养老金要多少钱", ReplyKind::Ask, "category"),
            ("个人交", ReplyKind::Ask, "base"),
            ("3k", ReplyKind::Ask, "months"),
            ("5个月", ReplyKind::Result, "3000.00"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_described_case_starts_the_form_and_a_bare_value_is_not_searched() {
    let e = engine();
    // A case with a value and no question: the calculation starts without a calculation word.
    script(
        &e,
        "s",
        &[
            ("灵活就业补缴养老，基数3000", ReplyKind::Ask, "months"),
            ("6个月", ReplyKind::Result, "3600.00"),
            // Right after a result a bare value recomputes.
            ("8个月", ReplyKind::Result, "4800.00"),
        ],
    )
    .await;
    // With nothing going on, a bare number gets an explanation and the calculations, not a
    // "not my domain" fallback.
    let r = e.handle("b", "三千五").await;
    assert_eq!(r.kind, ReplyKind::Info, "{r:#?}");
    assert!(r.text.contains("一句话"), "{}", r.text);
    assert!(!r.options.is_empty());
    // Questions that contain numbers stay questions.
    for q in [
        "补缴3年养老保险划算吗",
        "医保断交了三个月还能报销吗",
        "社保滞纳金一天收多少",
        "满15年才能领养老金吗",
        "我2024年3月到8月没交社保，现在还能补吗",
        "灵活就业养老保险断交了3个月能补吗",
    ] {
        let r = e.handle(&format!("q-{q}"), q).await;
        assert!(
            matches!(r.kind, ReplyKind::Answer | ReplyKind::Clarify),
            "{q}: {r:#?}"
        );
    }
}

#[tokio::test]
async fn corrections_inside_one_message_and_value_statements_after_a_result() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("帮我算算补缴养老要多少钱", ReplyKind::Ask, "category"),
            ("灵活就业", ReplyKind::Ask, "base"),
            ("基数是3000，不对，是4000", ReplyKind::Ask, "months"),
            ("6个月", ReplyKind::Result, "4800.00"),
            ("费率按16%", ReplyKind::Result, "3840.00"),
        ],
    )
    .await;
}

#[tokio::test]
async fn vague_answers_are_reprompted_not_searched() {
    let e = engine();
    let rs = script(
        &e,
        "s",
        &[
            ("帮我算算补缴养老要多少钱", ReplyKind::Ask, "category"),
            ("灵活就业", ReplyKind::Ask, "base"),
            ("三千", ReplyKind::Ask, "months"),
            ("三个半月", ReplyKind::Ask, "三个半月"),
            ("好几个月吧", ReplyKind::Ask, "好几个月吧"),
            ("3", ReplyKind::Result, "1800.00"),
        ],
    )
    .await;
    assert!(rs[4].text.contains("取消"), "way out: {}", rs[4].text);
}

#[tokio::test]
async fn a_back_payment_shape_inside_a_late_fee_form_stays_a_late_fee() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("帮我算下滞纳金", ReplyKind::Ask, "amount"),
            ("本金5万，欠了3个月", ReplyKind::Ask, "3 个月"),
            ("92天", ReplyKind::Result, "2300.00"),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_inexact_gap_starts_the_waiting_form_and_asks_exactly() {
    let e = engine();
    let rs = script(
        &e,
        "s",
        &[
            (
                "居民医保断了三年多，现在交了多久能报销",
                ReplyKind::Ask,
                "gap_years",
            ),
            ("3年", ReplyKind::Result, "6 个月"),
        ],
    )
    .await;
    assert!(rs[0].text.contains("三年多"), "quotes: {}", rs[0].text);
}

#[tokio::test]
async fn keywords_and_values_without_a_question_describe_a_case() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("养老 灵活就业 3000 6个月", ReplyKind::Ask, "base"),
            ("3000", ReplyKind::Result, "3600.00"),
        ],
    )
    .await;
    let r = e
        .handle(
            "w",
            "我媽媽是城鄉居民，醫保斷了兩年，今年補交了，多久可以報銷",
        )
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert!(r.text.contains("5 个月"), "{}", r.text);
    let r = e
        .handle("y", "职工医保断了45天，宜昌的，补缴后什么时候能用")
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
}

#[tokio::test]
async fn a_waiting_period_gap_may_be_answered_in_months_or_days() {
    let e = engine();
    let rs = script(
        &e,
        "s",
        &[
            ("我想算一下等待期", ReplyKind::Ask, "category"),
            ("职工", ReplyKind::Ask, "region"),
            ("武汉", ReplyKind::Ask, "days"),
            ("断了2个月", ReplyKind::Result, "2 个月"),
        ],
    )
    .await;
    assert!(rs[2].text.contains("断缴了多久"), "{}", rs[2].text);
    script(
        &e,
        "t",
        &[
            ("我想算一下等待期", ReplyKind::Ask, "category"),
            ("职工", ReplyKind::Ask, "region"),
            ("武汉", ReplyKind::Ask, "days"),
            ("好久了", ReplyKind::Ask, "好久了"),
            ("45天", ReplyKind::Result, "45 天"),
        ],
    )
    .await;
}

#[tokio::test]
async fn reset_phrasings_and_a_base_said_per_month() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("帮我算补缴养老", ReplyKind::Ask, "category"),
            ("灵活就业", ReplyKind::Ask, "base"),
            ("重新来", ReplyKind::Info, "重新开始"),
            ("帮我算补缴养老", ReplyKind::Ask, "category"),
            ("灵活就业", ReplyKind::Ask, "base"),
            ("两千五一个月", ReplyKind::Ask, "months"),
            ("6个月", ReplyKind::Result, "3000.00"),
            ("重新算", ReplyKind::Info, "重新开始"),
        ],
    )
    .await;
}

#[tokio::test]
async fn whole_years_and_employee_gaps_in_years() {
    let e = engine();
    let r = e
        .handle("s", "我是个体户，2024年全年的养老没交，基数4000，要补多少")
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert_eq!(total(&r), "9600.00");
    let r = e
        .handle("w", "职工医保断了一年，南通，现在补交，多久能报销")
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert!(r.text.contains("12 个月"), "{}", r.text);
    script(
        &e,
        "r",
        &[
            (
                "补缴养老保险，城乡居民，一年交500，补3年",
                ReplyKind::Ask,
                "每年",
            ),
            ("500", ReplyKind::Result, "1500.00"),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_acknowledgement_mid_form_repeats_the_pending_question() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            ("帮我算补缴养老", ReplyKind::Ask, "category"),
            ("好的", ReplyKind::Info, "category"),
            ("灵活就业", ReplyKind::Ask, "base"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_late_fee_principal_said_per_month() {
    let e = engine();
    let r = e
        .handle(
            "s",
            "帮我算一下，欠缴3个月社保，每月1500，滞纳金多少，晚了60天",
        )
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert!(r.text.contains("4500.00 × 0.05% × 60"), "{}", r.text);
}

#[tokio::test]
async fn follow_ups_use_earlier_turns_and_rule_questions_stay_questions() {
    let e = engine();
    let r = e.handle("s", "医保断交了三个月还能报销吗").await;
    assert!(
        matches!(r.kind, ReplyKind::Answer | ReplyKind::Clarify),
        "{r:#?}"
    );
    // The gap said in the question is reused by the follow-up.
    let r = e.handle("s", "那要等多久").await;
    assert_eq!(r.kind, ReplyKind::Ask, "{r:#?}");
    assert_eq!(r.slot.map(|s| s.as_str()), Some("category"), "{r:#?}");
    // An amount in a yes/no question about the rule does not start a calculation.
    let r = e.handle("q", "欠了1万社保，滞纳金会超过本金吗").await;
    assert!(
        matches!(r.kind, ReplyKind::Answer | ReplyKind::Clarify),
        "{r:#?}"
    );
    // A rate right before 基数 is the rate, not a grade of the base.
    let r = e
        .handle("j", "灵活就业人员补缴医保费率8%基数4000补缴5个月多少钱")
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert_eq!(total(&r), "1600.00");
}

#[tokio::test]
async fn relative_periods_are_resolved_with_the_engines_clock() {
    let e = engine();
    script(
        &e,
        "s",
        &[
            (
                "我老婆在北京灵活就业，去年3月到今年2月没交养老，现在补要多少钱",
                ReplyKind::Ask,
                "base",
            ),
            // 2025-03 .. 2026-02 (today is 2026-11-25): 12 months at Beijing's floor.
            ("最低档", ReplyKind::Result, "7162.00 × 20% × 12"),
        ],
    )
    .await;
    let r = e
        .handle("t", "灵活就业，养老，基数3000，今年1月到6月没交，补多少")
        .await;
    assert_eq!(r.kind, ReplyKind::Result, "{r:#?}");
    assert_eq!(total(&r), "3600.00");
}

#[tokio::test]
async fn a_date_without_a_year_takes_the_year_the_conversation_is_about() {
    let e = engine();
    let r = script(
        &e,
        "y",
        &[
            ("欠了1万社保费，滞纳金怎么算", ReplyKind::Ask, "days"),
            ("应缴日期是2023年1月15日", ReplyKind::Ask, "to"),
            // 2023-01-15 → 2023-03-01 is 45 days; read as 2026 (today) it would be over three years.
            ("3月1日交的", ReplyKind::Result, ""),
        ],
    )
    .await;
    assert_eq!(total(&r[2]), "225.00", "{:#?}", r[2]);
}

/// Every way people ask to calculate starts the form, including requests that name only the
/// insurance; questions about the method stay questions. (message, kind, slot asked or "")
const CALCULATION_REQUESTS: &[(&str, ReplyKind, &str)] = &[
    ("我要算补缴医保的钱", ReplyKind::Ask, "category"),
    ("养老保险计算器", ReplyKind::Ask, "category"),
    ("算一下医保", ReplyKind::Ask, "category"),
    ("帮我算算养老", ReplyKind::Ask, "category"),
    ("滞纳金计算器", ReplyKind::Ask, "amount"),
    ("退休医保计算器", ReplyKind::Ask, "region"),
    ("计算器", ReplyKind::Info, ""),
    ("补缴养老保险怎么算", ReplyKind::Answer, ""),
];

#[tokio::test]
async fn calculation_requests_start_their_form() {
    let e = engine();
    for (i, (text, kind, slot)) in CALCULATION_REQUESTS.iter().enumerate() {
        let r = e.handle(&format!("req-{i}"), text).await;
        assert_eq!(r.kind, *kind, "{text:?}: {r:#?}");
        assert_eq!(
            r.slot.map(|s| s.as_str()).unwrap_or_default(),
            *slot,
            "{text:?}: {r:#?}"
        );
    }
}

/// One conversation turn of a script file (see `tests/integration/conversations/*.toml`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Turn {
    say: Option<String>,
    press: Option<String>,
    kind: Option<String>,
    slot: Option<String>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    lacks: Vec<String>,
    source: Option<String>,
    option: Option<String>,
    #[serde(default)]
    not_slots: Vec<String>,
    total: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Script {
    name: String,
    turn: Vec<Turn>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptFile {
    script: Vec<Script>,
}

fn kind_name(k: ReplyKind) -> String {
    serde_json::to_value(k)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// What is wrong with one reply against its turn's expectations (empty when nothing is).
fn check_turn(t: &Turn, r: &Reply) -> Vec<String> {
    let mut bad = Vec::new();
    if let Some(k) = &t.kind {
        if !k.split('|').any(|k| k == kind_name(r.kind)) {
            bad.push(format!("kind {} (want {k})", kind_name(r.kind)));
        }
    }
    let asked = r.slot.map(|s| s.as_str()).unwrap_or_default();
    if let Some(s) = &t.slot {
        if asked != s {
            bad.push(format!("slot {asked:?} (want {s:?})"));
        }
    }
    if t.not_slots.iter().any(|s| s == asked) {
        bad.push(format!("asks {asked:?}, which it must not"));
    }
    for c in &t.contains {
        if !r.text.contains(c.as_str()) {
            bad.push(format!("text lacks {c:?}"));
        }
    }
    for c in &t.lacks {
        if r.text.contains(c.as_str()) {
            bad.push(format!("text has {c:?}"));
        }
    }
    if let Some(s) = &t.source {
        let first = r.sources.first().map(|s| s.id.as_str()).unwrap_or_default();
        if first != s {
            bad.push(format!("source {first:?} (want {s:?})"));
        }
    }
    if let Some(o) = &t.option {
        if !r.options.iter().any(|x| &x.id == o) {
            let ids: Vec<&str> = r.options.iter().map(|x| x.id.as_str()).collect();
            bad.push(format!("options {ids:?} lack {o:?}"));
        }
    }
    if let Some(want) = &t.total {
        let got = r
            .result
            .as_ref()
            .and_then(|x| serde_json::to_value(x).ok())
            .and_then(|v| v["total"].as_str().map(str::to_string));
        if got.as_deref() != Some(want.as_str()) {
            bad.push(format!("total {got:?} (want {want:?})"));
        }
    }
    bad
}

/// Every conversation script under `tests/integration/conversations/`, each on its own session;
/// all failures are listed together, each with the turn and the reply. With
/// `BUJIAO_PRINT_SCRIPTS=1` (and `--nocapture`) every turn's reply is printed as a transcript.
#[tokio::test]
async fn conversation_scripts() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/conversations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scripts in {}", dir.display());
    let e = engine();
    let mut failures = Vec::new();
    let mut turns = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let parsed: ScriptFile =
            toml::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        let stem = file.file_stem().unwrap().to_string_lossy().to_string();
        for (n, script) in parsed.script.iter().enumerate() {
            let session = format!("{stem}-{n}");
            for (i, t) in script.turn.iter().enumerate() {
                turns += 1;
                let (said, r) = match (&t.say, &t.press) {
                    (Some(s), None) => (s.clone(), e.handle(&session, s).await),
                    (None, Some(p)) => (format!("[{p}]"), e.press(&session, p).await),
                    _ => panic!(
                        "{stem}: {:?} turn {i}: exactly one of say/press",
                        script.name
                    ),
                };
                if std::env::var_os("BUJIAO_PRINT_SCRIPTS").is_some() {
                    println!(
                        "[{stem} / {}] > {said}\n  < {} {:?} {:?} {:?}\n    {}",
                        script.name,
                        kind_name(r.kind),
                        r.slot.map(|s| s.as_str()),
                        r.sources.first().map(|s| s.id.as_str()),
                        r.options.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
                        r.text.replace('\n', "\n    ")
                    );
                }
                let bad = check_turn(t, &r);
                if !bad.is_empty() {
                    failures.push(format!(
                        "{stem} / {} / turn {i} {said:?}: {}\n    reply {} {:?} {:?}: {}",
                        script.name,
                        bad.join("; "),
                        kind_name(r.kind),
                        r.slot.map(|s| s.as_str()),
                        r.sources.first().map(|s| s.id.as_str()),
                        r.text
                            .chars()
                            .take(160)
                            .collect::<String>()
                            .replace('\n', " / ")
                    ));
                    // Later turns depend on this one; the rest of the script is not meaningful.
                    break;
                }
            }
        }
    }
    assert!(turns > 0);
    assert!(
        failures.is_empty(),
        "{} script(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

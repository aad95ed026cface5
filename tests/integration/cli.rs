//! The binary end to end: `ask` on seed facts and off-topic questions, `ask --jsonl`, `search --json`,
//! `kb export --jsonl`.

use crate::common::{repo_index, repo_knowledge};
use assert_cmd::Command;
use serde_json::Value;

fn bujiao() -> Command {
    let mut c = Command::cargo_bin("bujiao").unwrap();
    c.env("BUJIAO_KNOWLEDGE_DIR", repo_knowledge())
        .env("BUJIAO_INDEX_DIR", repo_index())
        .env_remove("BUJIAO_DATA_DIR");
    c
}

fn ask_json(q: &str) -> Value {
    ask_json_with(bujiao(), q)
}

/// `ask --json q` through `cmd` (a `bujiao()` with its environment adjusted).
fn ask_json_with(mut cmd: Command, q: &str) -> Value {
    let out = cmd.args(["ask", "--json", q]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn merged_unit_question_names_the_acquirer() {
    let r = ask_json("单位被兼并了以前欠的医保费找谁");
    assert_eq!(r["kind"], "answer", "{r}");
    assert!(r["text"].as_str().unwrap().contains("兼并方"), "{r}");
    assert!(!r["sources"].as_array().unwrap().is_empty());
}

/// Many questions through one `ask --jsonl` process (each process loads the whole knowledge base,
/// so one per question made this file the slowest in CI): output line N answers input line N.
fn ask_many(questions: &[&str]) -> Vec<Value> {
    let input: String = questions
        .iter()
        .map(|q| format!("{}\n", serde_json::json!({ "text": q })))
        .collect();
    let out = bujiao()
        .args(["ask", "--jsonl"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replies: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(replies.len(), questions.len());
    replies
}

/// Reference-page facts asked in other words: the reply answers with the entry carrying the fact,
/// or (when two entries are about equally close) offers it among the clarification options.
const SEED_FACTS: [(&str, &str, &str); 4] = [
    (
        "单位破产了欠的社保谁来管",
        "employer-arrears-bankrupt-liquidation",
        "清算组",
    ),
    (
        "欠费的厂子分成了三家公司，原来欠的保险费算谁的",
        "employer-arrears-split",
        "分立",
    ),
    ("社保滞纳金一天收多少", "latefee-rate", "万分之五"),
    (
        "单位被拍卖了欠的医保找谁补",
        "employer-arrears-auction-lease",
        "主管部门",
    ),
];

const OFF_TOPIC: [&str; 6] = [
    "明天北京会下雨吗",
    "个税汇算清缴晚了有滞纳金吗",
    "信用卡逾期了怎么办",
    "公积金断缴了可以补缴吗",
    "重疾险怎么理赔",
    // Names 社保 once, asks about 公积金 throughout.
    "公司给交了社保但一直没交公积金，听说公积金贷款利率低，能让公司把以前的公积金补上吗",
];

#[test]
fn seed_facts_off_topic_and_calculations_through_one_jsonl_process() {
    let mut questions: Vec<&str> = SEED_FACTS.iter().map(|(q, _, _)| *q).collect();
    questions.extend(OFF_TOPIC);
    // 医保单位 contains 保单 (a commercial-insurance word); it is still our question.
    questions.push("职工医保单位和个人各交多少比例");
    questions.push("灵活就业,基数3000,按20%补缴养老保险6个月");
    let replies = ask_many(&questions);
    for ((q, id, fact), r) in SEED_FACTS.iter().zip(&replies) {
        let ids: Vec<&str> = r["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        match r["kind"].as_str().unwrap() {
            "answer" => {
                assert_eq!(ids[0], *id, "{q:?}: {r}");
                assert!(r["text"].as_str().unwrap().contains(fact), "{q:?}: {r}");
            }
            "clarify" => assert!(ids.contains(id), "{q:?}: {r}"),
            other => panic!("{q:?} got {other}: {r}"),
        }
    }
    for (q, r) in OFF_TOPIC.iter().zip(&replies[SEED_FACTS.len()..]) {
        assert_eq!(r["kind"], "fallback", "{q:?} → {r}");
        assert!(r["sources"].as_array().unwrap().is_empty());
    }
    let n = SEED_FACTS.len() + OFF_TOPIC.len();
    assert_eq!(replies[n]["kind"], "answer", "{}", replies[n]);
    assert_eq!(replies[n]["sources"][0]["id"], "medical-rates");
    // A one-shot question with everything in it gets the calculation result.
    assert_eq!(replies[n + 1]["kind"], "result", "{}", replies[n + 1]);
    assert_eq!(replies[n + 1]["result"]["total"], "3600.00");
}

#[test]
fn ask_jsonl_answers_each_line_and_survives_bad_lines() {
    let long = "医保".repeat(1001);
    let input = format!(
        "{{\"text\":\"社保滞纳金怎么算\"}}\nnot json\n\n{{\"text\":\"讲个笑话\"}}\n{}\n",
        serde_json::json!({ "text": long })
    );
    let out = bujiao()
        .args(["ask", "--jsonl"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // One reply per input line, blank lines included, so line N answers line N.
    assert_eq!(lines.len(), 5);
    assert!(
        lines[0]["kind"] == "answer" || lines[0]["kind"] == "clarify",
        "{}",
        lines[0]
    );
    assert_eq!(lines[1]["kind"], "error");
    assert_eq!(lines[2]["kind"], "error");
    assert_eq!(lines[3]["kind"], "fallback");
    // The CLI caps text length like the HTTP API.
    assert_eq!(lines[4]["kind"], "error");
    assert!(lines[4]["text"].as_str().unwrap().contains("2000"));
}

#[test]
fn search_json_shape() {
    let out = bujiao()
        .args(["search", "--json", "--limit", "3", "滞纳金"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3);
    for h in hits {
        for k in ["id", "kind", "title", "score", "snippet"] {
            assert!(h.get(k).is_some(), "hit lacks {k}: {h}");
        }
    }
}

#[test]
fn export_jsonl_has_every_kind() {
    let out = bujiao().args(["kb", "export", "--jsonl"]).output().unwrap();
    assert!(out.status.success());
    let mut kinds = std::collections::BTreeSet::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        for k in [
            "id",
            "kind",
            "title",
            "questions",
            "body",
            "regions",
            "sources",
        ] {
            assert!(v.get(k).is_some(), "record lacks {k}");
        }
        kinds.insert(v["kind"].as_str().unwrap().to_string());
    }
    assert!(
        kinds.contains("faq")
            && kinds.contains("article")
            && kinds.contains("law")
            && kinds.contains("policy")
    );
}

#[test]
fn missing_knowledge_dir_is_a_clear_error() {
    let out = Command::cargo_bin("bujiao")
        .unwrap()
        .args(["ask", "--knowledge", "/nonexistent/knowledge", "你好"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn calc_contribution_json_total_is_a_two_decimal_string() {
    let out = bujiao()
        .args([
            "calc",
            "contribution",
            "--base",
            "5000",
            "--rate",
            "20%",
            "--months",
            "3",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], "3000.00");
    assert_eq!(v["lines"][0]["formula"], "5000.00 × 20% × 3");
}

#[test]
fn calc_late_fee_by_days_and_by_dates() {
    let out = bujiao()
        .args([
            "calc", "late-fee", "--amount", "10000", "--days", "30", "--json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], "150.00");
    let out = bujiao()
        .args([
            "calc",
            "late-fee",
            "--amount",
            "一万",
            "--from",
            "2024-01-15",
            "--to",
            "2024-03-01",
            "--json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], "230.00", "46 days: {v}");
}

#[test]
fn calc_percentages_in_words_and_clear_errors() {
    let out = bujiao()
        .args([
            "calc",
            "contribution",
            "--base",
            "3000",
            "--rate",
            "百分之二十",
            "--months",
            "6",
            "--insurance",
            "养老",
            "--category",
            "灵活就业",
            "--json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], "3600.00", "{v}");
    let out = bujiao()
        .args([
            "calc",
            "contribution",
            "--base",
            "3000",
            "--rate",
            "150%",
            "--months",
            "6",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("超过了 100%"), "{err}");
}

#[test]
fn chat_jsonl_interleaves_sessions_and_resumes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("s.sqlite3").display());
    let run = |input: &str| -> Vec<Value> {
        let out = bujiao()
            .args(["chat", "--jsonl", "--sessions", &store])
            .write_stdin(input.to_string())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let first = run(concat!(
        "{\"session\":\"a\",\"text\":\"我想算一下补缴养老保险要多少钱\"}\n",
        "{\"session\":\"b\",\"text\":\"欠了1万社保费，滞纳金怎么算\"}\n",
        "{\"session\":\"a\",\"text\":\"灵活就业\"}\n",
        "oops\n",
    ));
    assert_eq!(first.len(), 4);
    assert_eq!(first[0]["slot"], "category");
    assert_eq!(first[1]["slot"], "days");
    assert_eq!(first[2]["slot"], "base");
    assert_eq!(first[3]["kind"], "error");
    // A new process on the same store picks both conversations up where they stopped.
    let second = run(concat!(
        "{\"session\":\"b\",\"text\":\"30天\"}\n",
        "{\"session\":\"a\",\"text\":\"3000\"}\n",
        "{\"session\":\"a\",\"text\":\"6个月\"}\n",
    ));
    assert_eq!(second[0]["result"]["total"], "150.00", "{}", second[0]);
    assert_eq!(second[1]["slot"], "months");
    assert_eq!(second[2]["result"]["total"], "3600.00");
}

#[test]
fn calc_retiree_topup_and_waiting_periods() {
    let json = |args: &[&str]| -> Value {
        let out = bujiao().args(args).arg("--json").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // Tianjin: women need 20 years; 5 short × 12 × 5000 × 10%.
    let v = json(&[
        "calc",
        "retiree-topup",
        "--region",
        "天津",
        "--gender",
        "女",
        "--paid-years",
        "15",
        "--base",
        "5000",
        "--rate",
        "10%",
    ]);
    assert_eq!(v["total"], "30000.00", "{v}");
    // Resident 2025 rules: 3 + 2 gap years − 1 repaid = 4 months.
    let v = json(&[
        "calc",
        "waiting-period",
        "--category",
        "resident",
        "--gap-years",
        "2",
        "--years-repaid",
        "1",
        "--pay-date",
        "2026-01-10",
    ]);
    assert_eq!(v["detail"]["waiting_months"], 4, "{v}");
    assert_eq!(v["total"], Value::Null);
    // Yichang flexible workers: ≤ 60 days → benefits from the next month.
    let v = json(&[
        "calc",
        "waiting-period",
        "--category",
        "flexible",
        "--region",
        "宜昌",
        "--gap-days",
        "45",
        "--pay-date",
        "2026-01-10",
    ]);
    assert_eq!(v["detail"]["coverage_from"], "2026-02-01", "{v}");
}

#[test]
fn calc_refuses_late_fees_before_the_social_insurance_law() {
    let out = bujiao()
        .args([
            "calc",
            "late-fee",
            "--amount",
            "1000",
            "--from",
            "2010-05-01",
            "--to",
            "2012-01-01",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2011年7月1日") && err.contains("千分之二"),
        "{err}"
    );
}

/// A one-shot command after an edit answers from an exact index: the patch an edit of a few
/// entries makes (approximate classifier, for a server to serve at once) is rebuilt first, so
/// `ask` and `eval` never measure a patch.
#[test]
fn one_shot_commands_rebuild_a_patched_index() {
    let dir = tempfile::tempdir().unwrap();
    let (kb, index) = (dir.path().join("knowledge"), dir.path().join("index"));
    crate::common::fixture_kb(&kb);
    let ask = |q: &str| {
        let mut cmd = bujiao();
        cmd.env("BUJIAO_KNOWLEDGE_DIR", &kb)
            .env("BUJIAO_INDEX_DIR", &index);
        ask_json_with(cmd, q)
    };
    let manifest = || -> Value {
        serde_json::from_str(&std::fs::read_to_string(index.join("CURRENT")).unwrap()).unwrap()
    };
    ask("单位被兼并了欠的医保费找谁");
    let built = manifest();
    assert_eq!(built["patched_entries"], 0, "{built}");
    // One entry's answer edited.
    let faq = crate::common::FIXTURE_FAQ.replace(
        "由兼并方补缴，医保经办机构与兼并方签订补缴协议。",
        "由兼并方补缴：医保经办机构与兼并方签订补缴协议。",
    );
    std::fs::write(kb.join("faq/fixture.toml"), faq).unwrap();
    let r = ask("单位被兼并了欠的医保费找谁");
    assert!(
        r["text"].as_str().unwrap().starts_with("由兼并方补缴："),
        "{r}"
    );
    let after = manifest();
    assert_ne!(after["generation"], built["generation"]);
    assert_ne!(after["fingerprint"], built["fingerprint"]);
    assert_eq!(
        after["patched_entries"], 0,
        "an exact build serves: {after}"
    );
}

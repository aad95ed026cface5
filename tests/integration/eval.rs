//! Answer quality on the development set must not fall below the recorded floors.

use crate::common::repo_answerer;
use bujiao::eval::{evaluate, load_set, Floors};
use std::path::PathBuf;

#[test]
fn development_set_meets_floors() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/eval");
    let cases = load_set(&dir).unwrap();
    assert!(cases.len() >= 250, "only {} eval cases", cases.len());
    let off_topic = cases.iter().filter(|c| c.wants_fallback()).count();
    assert!(off_topic >= 40, "only {off_topic} off-topic cases");
    let floors = Floors::load(&dir.join("floors.toml")).unwrap();
    let report = evaluate(&repo_answerer().snapshot(), &cases, &Default::default()).unwrap();
    let failures = report.failures(&floors);
    assert!(failures.is_empty(), "{failures:?}\n{}", report.render());
}

/// The blind set (questions written without sight of the FAQ) keeps its own, lower floors.
#[test]
fn blind_set_meets_floors() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/eval/blind");
    let cases = load_set(&dir).unwrap();
    assert!(cases.len() >= 250, "only {} blind cases", cases.len());
    let floors = Floors::load(&dir.join("floors.toml")).unwrap();
    let report = evaluate(&repo_answerer().snapshot(), &cases, &Default::default()).unwrap();
    let failures = report.failures(&floors);
    assert!(failures.is_empty(), "{failures:?}\n{}", report.render());
}

#[test]
fn eval_labels_name_existing_entries() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/eval");
    let snap = repo_answerer().snapshot();
    let mut cases = load_set(&root).unwrap();
    cases.extend(load_set(&root.join("blind")).unwrap());
    for c in cases {
        for id in &c.expect {
            assert!(
                id == bujiao::eval::FALLBACK || snap.entry(id).is_some(),
                "{}:{} names unknown entry {id}",
                c.file.display(),
                c.line
            );
        }
    }
}

/// A question about a named city gets that city's rule, and for the year it names — or, naming
/// none, the current one (`supersedes`).
#[test]
fn named_place_and_year_pick_the_local_rule_for_that_year() {
    let snap = repo_answerer().snapshot();
    let top = |q: &str| {
        let r = snap.rank(q, None, 3).unwrap();
        snap.entries[r.candidates[0].entry].id.clone()
    };
    assert_eq!(
        top("上海灵活就业养老最低缴费基数现在是多少"),
        "flexible-shanghai-2025"
    );
    assert_eq!(
        top("上海2024年灵活就业养老最低缴费基数是多少"),
        "flexible-shanghai-2024"
    );
    assert_eq!(
        top("北京灵活就业医保现在一个月多少钱"),
        "flexible-beijing-2025"
    );
    // `localizes`: 宁波 lies in 浙江, whose rule is the local version of the national frame.
    assert_eq!(
        top("俺在宁波上班，将来退了休医保想不再掏钱，得攒够多少个年头"),
        "retiree-zhejiang-years"
    );
    assert_eq!(
        top("俺在郑州上班，将来退了休医保想不再掏钱，得攒够多少个年头"),
        "retiree-required-years-national"
    );
}

/// Misspellings of key words (knowledge/dict/synonyms.txt) mean the word they miss.
#[test]
fn common_misspellings_mean_the_word() {
    let snap = repo_answerer().snapshot();
    for (typo, word) in [
        ("医包断了三个月", "医保"),
        ("社宝能补吗", "社保"),
        ("滞纳今咋算", "滞纳金"),
        ("灵活就叶最低机数", "基数"),
    ] {
        let terms = snap.analyzer.query_terms(typo);
        assert!(terms.iter().any(|t| t == word), "{typo}: {terms:?}");
    }
}

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

#[test]
fn eval_labels_name_existing_entries() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/eval");
    let snap = repo_answerer().snapshot();
    for c in load_set(&dir).unwrap() {
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

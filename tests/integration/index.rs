//! Index build and search on a temp dir, rebuild on change, and atomic rebuild.

use crate::common::{copy_dir, fixture_kb, write};
use bujiao::answer::{load_snapshot, Answerer, ReplyKind};
use bujiao::config::Paths;
use bujiao::knowledge;
use bujiao::search::{build_index, open_current, BuildOptions};
use bujiao::text::Analyzer;
use std::sync::Arc;
use tempfile::TempDir;

fn paths(dir: &TempDir) -> Paths {
    Paths {
        knowledge: dir.path().join("knowledge"),
        index: dir.path().join("index"),
        data: dir.path().join("data"),
    }
}

fn fixture() -> (TempDir, Paths) {
    let dir = TempDir::new().unwrap();
    fixture_kb(&dir.path().join("knowledge"));
    let p = paths(&dir);
    (dir, p)
}

#[test]
fn builds_and_searches_with_snippets() {
    let (_dir, p) = fixture();
    let a = Answerer::new(load_snapshot(&p, &|_, _| {}).unwrap());
    let res = a.search("滞纳金怎么算", 5, None).unwrap();
    assert_eq!(res.hits[0].id, "late-fee", "{:#?}", res.hits);
    assert!(
        res.hits[0].snippet.contains("<mark>"),
        "{}",
        res.hits[0].snippet
    );
    // Drafts are not indexed.
    let res = a.search("草稿条目", 10, None).unwrap();
    assert!(res.hits.iter().all(|h| h.id != "draft-entry"));
}

#[test]
fn region_filter_keeps_national_and_that_region() {
    let (_dir, p) = fixture();
    let a = Answerer::new(load_snapshot(&p, &|_, _| {}).unwrap());
    let with = a.search("医保中断补缴报销", 10, Some("宁波")).unwrap();
    assert!(with.hits.iter().any(|h| h.id == "ningbo-gap"));
    let other = a.search("医保中断补缴报销", 10, Some("北京")).unwrap();
    assert!(
        other.hits.iter().all(|h| h.id != "ningbo-gap"),
        "{:#?}",
        other.hits
    );
}

#[test]
fn multi_token_chinese_query_has_recall() {
    // Regression: a QueryParser phrase query would need the exact word sequence.
    let (_dir, p) = fixture();
    let a = Answerer::new(load_snapshot(&p, &|_, _| {}).unwrap());
    let r = a.ask("公司合并以后 以前欠着的医疗保险费 应该由谁来交");
    assert_eq!(r.kind, ReplyKind::Answer, "{r:?}");
    assert_eq!(r.sources[0].id, "merged");
}

#[test]
fn reuses_index_until_knowledge_changes() {
    let (_dir, p) = fixture();
    let first = load_snapshot(&p, &|_, _| {}).unwrap().manifest;
    let again = load_snapshot(&p, &|_, _| {}).unwrap().manifest;
    assert_eq!(
        first.generation, again.generation,
        "unchanged knowledge reuses the index"
    );
    write(
        &p.knowledge,
        "dict/user.dict",
        "滞纳金 50000 n\n兼并方 20000 n\n补缴协议 100 n\n",
    );
    let rebuilt = load_snapshot(&p, &|_, _| {}).unwrap().manifest;
    assert_ne!(first.generation, rebuilt.generation);
    assert_ne!(first.fingerprint, rebuilt.fingerprint);
}

#[test]
fn failed_build_leaves_the_old_index_serving() {
    let (_dir, p) = fixture();
    let snap = load_snapshot(&p, &|_, _| {}).unwrap();
    let before = snap.manifest.clone();
    let answerer = Answerer::new(snap);

    let (mut kb, _) = knowledge::load(&p.knowledge).unwrap();
    kb.fingerprint = "changed".into();
    let analyzer = Arc::new(Analyzer::new(&kb.dict));
    let err = build_index(
        &kb,
        &analyzer,
        &p.index,
        &BuildOptions {
            fail_after: Some(3),
        },
        &|_, _| {},
    );
    assert!(err.is_err());
    // CURRENT still names the old generation, which still opens and answers.
    let (_, manifest) = open_current(&p.index).expect("old index still current");
    assert_eq!(manifest, before);
    let gens: Vec<_> = std::fs::read_dir(&p.index)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("gen-"))
        .collect();
    assert_eq!(gens.len(), 1, "the half-written generation was removed");
    assert_eq!(answerer.ask("滞纳金怎么算").sources[0].id, "late-fee");
    let reopened = load_snapshot(&p, &|_, _| {}).unwrap();
    assert_eq!(reopened.manifest.generation, before.generation);
}

#[test]
fn live_swap_serves_the_new_snapshot() {
    let (_dir, p) = fixture();
    let answerer = Answerer::new(load_snapshot(&p, &|_, _| {}).unwrap());
    let old = answerer.snapshot();
    let faq = crate::common::FIXTURE_FAQ.replace("由兼并方补缴", "由兼并后的单位补缴");
    write(&p.knowledge, "faq/fixture.toml", &faq);
    answerer.swap(load_snapshot(&p, &|_, _| {}).unwrap());
    let r = answerer.ask("单位被兼并了欠的医保费找谁补");
    assert!(r.text.contains("由兼并后的单位补缴"), "{}", r.text);
    // A request holding the old snapshot still works.
    assert!(old.entry("merged").unwrap().body.contains("由兼并方补缴"));
}

#[test]
fn cached_body_tokens_give_the_same_snippets_as_cutting_afresh() {
    use bujiao::text::{merge_overlapping, ReplayTokenizer};
    use std::sync::Arc;
    use tantivy::snippet::SnippetGenerator;
    use tantivy::tokenizer::TextAnalyzer;
    let snap = crate::common::repo_answerer().snapshot();
    let body = snap.index().schema().get_field("body").unwrap();
    for q in [
        "单位欠缴社保滞纳金",
        "医保断缴三个月报销",
        "灵活就业养老保险缴费基数",
    ] {
        let ranked = snap.rank(q, None, 10).unwrap();
        for c in &ranked.candidates {
            let mut weights = std::collections::BTreeMap::new();
            for t in &ranked.terms {
                weights.insert(t.clone(), snap.idf(t));
            }
            // Cut afresh, collapse overlapping tokens the way staff search does.
            let text = &snap.entries[c.entry].body;
            let toks = merge_overlapping(&snap.analyzer.tokens(text), |t| {
                weights.get(t).copied().unwrap_or(0.0)
            });
            let fresh = TextAnalyzer::builder(ReplayTokenizer(Arc::new(toks))).build();
            let mut expected = SnippetGenerator::new(weights, fresh, body, 240).snippet(text);
            expected.set_snippet_prefix_postfix("<mark>", "</mark>");
            if expected.is_empty() {
                continue;
            }
            // Twice: the first call cuts and caches, the second replays the cache.
            assert_eq!(
                snap.snippet(c.entry, &ranked.terms, 240),
                expected.to_html()
            );
            assert_eq!(
                snap.snippet(c.entry, &ranked.terms, 240),
                expected.to_html()
            );
        }
    }
}

/// Staff search highlights every hit; jieba's overlapping tokens (去哪/去哪里, 登记/办社保登记) once
/// made tantivy's snippet generator index out of bounds. Sweep the development questions through the
/// repository's knowledge: every one must come back with well-formed snippets.
#[test]
fn staff_search_snippets_never_panic_on_real_questions() {
    let a = crate::common::repo_answerer();
    let mut questions = vec![
        "不给员工办社保登记罚多少".to_string(),
        "断缴的医保去哪里补".to_string(),
        "以前在国企上班那些年没交养老算不算年限".to_string(),
    ];
    let dir = crate::common::repo_knowledge().join("../tests/eval");
    for case in bujiao::eval::load_set(&dir).unwrap() {
        questions.push(case.q);
    }
    for q in &questions {
        let res = a.search(q, 10, None).unwrap();
        for hit in &res.hits {
            assert_eq!(
                hit.snippet.matches("<mark>").count(),
                hit.snippet.matches("</mark>").count(),
                "unbalanced highlight for {q}: {}",
                hit.snippet
            );
        }
    }
}

/// #15 faults: a damaged index generation found at start is rebuilt, never served. Every kind of
/// file of the generation in turn — tantivy's meta files and segment files, the classifier —
/// truncated or garbled: the next start answers correctly, and the damage is gone from disk
/// (the file rewritten, or the generation replaced by a new build).
#[test]
fn a_damaged_generation_at_start_is_rebuilt_not_served() {
    // Built once; each case damages a copy.
    let (_built_dir, built) = fixture();
    let first = load_snapshot(&built, &|_, _| {}).unwrap().manifest;
    let kinds: Vec<String> = {
        let mut k: Vec<String> = std::fs::read_dir(built.index.join(&first.generation))
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_file())
            .map(|e| kind_of(&e.file_name().to_string_lossy()))
            // Empty lock files.
            .filter(|k| !k.ends_with(".lock"))
            .collect();
        k.sort();
        k.dedup();
        k
    };
    assert!(kinds.len() >= 6, "{kinds:?}");
    let mut outcomes = Vec::new();
    for kind in &kinds {
        // Every file truncated; garbled in the middle: the metadata, a segment file (caught by
        // its checksum) and the classifier.
        let garble = [".idx", "meta.json", "classifier.bin"].contains(&kind.as_str());
        for damage in ["truncate", "garble"] {
            if damage == "garble" && !garble {
                continue;
            }
            let dir = TempDir::new().unwrap();
            let p = paths(&dir);
            copy_dir(&built.knowledge, &p.knowledge);
            copy_dir(&built.index, &p.index);
            let gen = p.index.join(&first.generation);
            let file = std::fs::read_dir(&gen)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .find(|f| kind_of(&f.file_name().unwrap().to_string_lossy()) == *kind)
                .unwrap();
            let original = std::fs::read(&file).unwrap();
            let mut bytes = original.clone();
            if damage == "truncate" {
                bytes.truncate(original.len() / 2);
            } else {
                let mid = bytes.len() / 2;
                let end = (mid + 64).min(bytes.len());
                bytes[mid..end].iter_mut().for_each(|x| *x ^= 0x5a);
            }
            std::fs::write(&file, &bytes).unwrap();
            let what = format!("{damage} {kind}");
            let snap = load_snapshot(&p, &|_, _| {}).unwrap_or_else(|e| panic!("{what}: {e}"));
            let a = Answerer::new(snap);
            let r = a.ask("滞纳金怎么算");
            assert_eq!(r.kind, ReplyKind::Answer, "{what}: {r:?}");
            assert_eq!(r.sources[0].id, "late-fee", "{what}");
            let hits = a.search("单位被兼并了欠的医保费", 5, None).unwrap().hits;
            assert_eq!(hits[0].id, "merged", "{what}");
            let now = open_current(&p.index).unwrap().1.generation;
            if now == first.generation && kind == ".managed.json" {
                // tantivy's list of the files it may garbage-collect, not index data.
                outcomes.push(format!("{what}: served correctly"));
            } else if now == first.generation {
                assert_eq!(
                    std::fs::read(&file).unwrap(),
                    original,
                    "{what}: left damaged in the serving generation"
                );
                outcomes.push(format!("{what}: rewritten"));
            } else {
                assert!(!gen.exists(), "{what}: the damaged generation was removed");
                outcomes.push(format!("{what}: rebuilt"));
            }
        }
    }
    eprintln!("{outcomes:#?}");
}

/// `meta.json`, `classifier.bin`, or a segment file's extension (`.idx`, `.store`, …).
fn kind_of(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if stem.len() == 32 => format!(".{ext}"),
        _ => name.to_string(),
    }
}

const GUAKAO_FAQ: &str = r#"
[[faq]]
id = "guakao"
question = "找中介挂靠公司代缴社保靠谱吗？"
similar = ["花钱挂靠单位补交以前的养老保险行不行", "挂靠代缴社保有什么风险", "中介说能挂靠公司帮我补缴社保", "挂靠交社保被查出来会怎样"]
answer = "挂靠代缴会形成虚假的劳动关系记录，可能被清退且钱款受损。"
tags = ["挂靠"]
insurance = "any"
audience = ["flexible"]
regions = []
sources = ["law:SIL-86"]
effective = "2011-07-01"
updated = "2026-12-07"
status = "published"
"#;

/// An editor's change of a few entries patches a copy of the current generation (only those
/// entries are re-indexed and retrained) and answers from it at once; a full build of the same
/// files replaces it later, and a full build for files that were changed again is not swapped in.
#[test]
fn an_edit_of_a_few_entries_patches_the_index_and_a_full_build_follows() {
    let (_dir, p) = fixture();
    let first = load_snapshot(&p, &|_, _| {}).unwrap();
    assert_eq!(first.manifest.patched_entries, 0);
    assert_eq!(first.manifest.format, bujiao::search::INDEX_FORMAT);

    // Add an entry and remove another (ningbo-gap) in one edit.
    let start = crate::common::FIXTURE_FAQ
        .find("[[faq]]\nid = \"ningbo-gap\"")
        .unwrap();
    let end = crate::common::FIXTURE_FAQ
        .find("[[faq]]\nid = \"draft-entry\"")
        .unwrap();
    let mut faq = crate::common::FIXTURE_FAQ.to_string();
    faq.replace_range(start..end, "");
    faq.push_str(GUAKAO_FAQ);
    write(&p.knowledge, "faq/fixture.toml", &faq);
    let patched = load_snapshot(&p, &|_, _| {}).unwrap();
    assert_eq!(
        patched.manifest.patched_entries, 2,
        "{:?}",
        patched.manifest
    );
    assert_ne!(patched.manifest.generation, first.manifest.generation);
    let a = Answerer::new(load_snapshot(&p, &|_, _| {}).unwrap());
    let hits = a.search("挂靠公司代缴社保", 5, None).unwrap().hits;
    assert_eq!(hits[0].id, "guakao", "{hits:#?}");
    let hits = a.search("宁波医保中断补缴报销", 10, None).unwrap().hits;
    assert!(hits.iter().all(|h| h.id != "ningbo-gap"), "{hits:#?}");
    assert_eq!(a.ask("滞纳金怎么算").sources[0].id, "late-fee");
    assert_eq!(
        patched.manifest.docs as usize,
        patched.phrasings.len(),
        "every phrasing is one document"
    );

    // The full build of the same files replaces the patched generation.
    let full = patched
        .rebuilt_if_patched(&p.index)
        .unwrap()
        .expect("a patched snapshot is rebuilt");
    assert_eq!(full.manifest.patched_entries, 0);
    assert_eq!(full.manifest.fingerprint, patched.manifest.fingerprint);
    let (_, current) = open_current(&p.index).unwrap();
    assert_eq!(current.generation, full.manifest.generation);
    assert!(full.rebuilt_if_patched(&p.index).unwrap().is_none());

    // Edited again: the older patched snapshot's rebuild is refused (the files moved on).
    write(
        &p.knowledge,
        "faq/fixture.toml",
        &faq.replace("可能被清退", "会被清退"),
    );
    let newer = load_snapshot(&p, &|_, _| {}).unwrap();
    assert_eq!(newer.manifest.patched_entries, 1);
    assert!(patched.rebuilt_if_patched(&p.index).unwrap().is_none());
    let a = Answerer::new(newer);
    let r = a.ask("挂靠代缴社保有什么风险");
    assert!(r.text.contains("会被清退"), "{}", r.text);
}

/// A reload keeps the serving snapshot's analyzer and cutting when the dictionaries did not
/// change, and the result is the same as cutting everything afresh; a dictionary change cuts
/// afresh with a new analyzer.
#[test]
fn a_reload_reuses_the_cutting_of_unchanged_texts() {
    let (_dir, p) = fixture();
    let first = load_snapshot(&p, &|_, _| {}).unwrap();
    let mut faq = crate::common::FIXTURE_FAQ.to_string();
    faq.push_str(GUAKAO_FAQ);
    write(&p.knowledge, "faq/fixture.toml", &faq);
    let reloaded = bujiao::answer::reload_snapshot(&p, &first).unwrap();
    assert!(Arc::ptr_eq(&reloaded.analyzer, &first.analyzer));
    let fresh = load_snapshot(&p, &|_, _| {}).unwrap();
    let cut = |s: &bujiao::search::Snapshot| -> Vec<(String, Vec<u64>)> {
        s.phrasings
            .iter()
            .enumerate()
            .map(|(i, x)| (x.text.clone(), s.phrasing_term_keys(i).to_vec()))
            .collect()
    };
    assert_eq!(cut(&reloaded), cut(&fresh));
    assert_eq!(reloaded.entries.len(), first.entries.len() + 1);
    // The reused phrasings rank exactly as freshly cut ones (their keys came from the previous
    // snapshot's flat arrays).
    let ranked = |s: &bujiao::search::Snapshot, q: &str| -> Vec<(usize, u32)> {
        s.rank(q, None, 5)
            .unwrap()
            .candidates
            .iter()
            .map(|c| (c.entry, c.score.to_bits()))
            .collect()
    };
    for q in [
        "滞纳金怎么算",
        "单位被兼并了欠的医保费找谁补",
        "挂靠代缴靠谱吗",
    ] {
        assert!(!ranked(&fresh, q).is_empty(), "{q}");
        assert_eq!(ranked(&reloaded, q), ranked(&fresh, q), "{q}");
    }

    write(
        &p.knowledge,
        "dict/user.dict",
        "滞纳金 50000 n\n兼并方 20000 n\n挂靠代缴 100 n\n",
    );
    let redict = bujiao::answer::reload_snapshot(&p, &reloaded).unwrap();
    assert!(!Arc::ptr_eq(&redict.analyzer, &reloaded.analyzer));
    let fresh = load_snapshot(&p, &|_, _| {}).unwrap();
    assert_eq!(cut(&redict), cut(&fresh));
}

/// A generation keeps the cutting of its texts beside the index (`cutting.bin`, written by the
/// build): opening it reads the terms instead of running jieba over every text again. Proved by
/// planting a file (same layout, right analyzer key and checksum) that cuts one phrasing
/// differently: the opened snapshot has those terms. A damaged file is ignored, the texts are
/// cut again, and the file is written anew.
#[test]
fn a_generation_keeps_its_cutting_and_a_damaged_one_is_redone() {
    use xxhash_rust::xxh3::xxh3_64;
    let (_dir, p) = fixture();
    let built = load_snapshot(&p, &|_, _| {}).unwrap();
    let file = p.index.join(&built.manifest.generation).join("cutting.bin");
    assert!(file.is_file(), "the build stores the cutting");
    let cut = |s: &bujiao::search::Snapshot| -> Vec<(String, Vec<u64>)> {
        s.phrasings
            .iter()
            .enumerate()
            .map(|(i, x)| (x.text.clone(), s.phrasing_term_keys(i).to_vec()))
            .collect()
    };
    let reopened = load_snapshot(&p, &|_, _| {}).unwrap();
    assert_eq!(reopened.manifest.generation, built.manifest.generation);
    assert_eq!(cut(&reopened), cut(&built));

    // The documented layout (src/search/cutting.rs, format 2: term keys), one text only.
    let text = built.phrasings[0].text.clone();
    let planted_key = bujiao::search::term_key("植入");
    let mut payload = Vec::new();
    payload.extend_from_slice(&xxh3_64(text.as_bytes()).to_le_bytes());
    payload.extend_from_slice(&(text.len() as u32).to_le_bytes());
    payload.extend_from_slice(&1u32.to_le_bytes());
    payload.extend_from_slice(&planted_key.to_le_bytes());
    payload.extend_from_slice(&0u32.to_le_bytes()); // no bigram keys: computed
    let mut planted = b"BJCUTS\0\0".to_vec();
    planted.extend_from_slice(&2u32.to_le_bytes());
    planted.extend_from_slice(&0u32.to_le_bytes());
    planted.extend_from_slice(&built.analyzer.key().to_le_bytes());
    planted.extend_from_slice(&1u64.to_le_bytes());
    planted.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
    planted.extend_from_slice(&payload);
    std::fs::write(&file, &planted).unwrap();
    let read = load_snapshot(&p, &|_, _| {}).unwrap();
    assert_eq!(
        read.phrasing_term_keys(0),
        [planted_key],
        "the stored cutting is used"
    );
    assert_eq!(cut(&read)[1..], cut(&built)[1..], "texts it lacks are cut");

    // Damaged (one byte flipped): cut again, same as a fresh cut, and the file rewritten.
    let mut damaged = planted.clone();
    *damaged.last_mut().unwrap() ^= 0xff;
    std::fs::write(&file, &damaged).unwrap();
    let again = load_snapshot(&p, &|_, _| {}).unwrap();
    assert_eq!(cut(&again), cut(&built));
    let rewritten = std::fs::read(&file).unwrap();
    assert_ne!(rewritten, damaged);
    assert_eq!(cut(&load_snapshot(&p, &|_, _| {}).unwrap()), cut(&built));
}

/// A start opens the generation built for its files while it validates them on another core;
/// files that fail validation still refuse the start, even when a generation claims to be built
/// from exactly them (its `CURRENT` rewritten here to the broken files' fingerprint).
#[test]
fn validation_beside_the_open_still_refuses_broken_files() {
    let (_dir, p) = fixture();
    load_snapshot(&p, &|_, _| {}).unwrap();
    // An empty standard question: the file loads, validation refuses it.
    let broken = crate::common::FIXTURE_FAQ.replacen(
        "question = \"欠费单位被兼并了，欠的医保费找谁补？\"",
        "question = \" \"",
        1,
    );
    assert_ne!(broken, crate::common::FIXTURE_FAQ);
    write(&p.knowledge, "faq/fixture.toml", &broken);
    let fingerprint = knowledge::fingerprint(&p.knowledge).unwrap();
    let current = p.index.join("CURRENT");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&current).unwrap()).unwrap();
    manifest["fingerprint"] = serde_json::Value::String(fingerprint.clone());
    std::fs::write(&current, manifest.to_string()).unwrap();
    assert_eq!(
        bujiao::search::current_fingerprint(&p.index).as_deref(),
        Some(fingerprint.as_str()),
        "the open path is taken"
    );
    match load_snapshot(&p, &|_, _| {}) {
        Err(bujiao::Error::Knowledge(problems)) => assert!(!problems.is_empty()),
        Err(e) => panic!("another error: {e}"),
        Ok(_) => panic!("broken files served"),
    }
}

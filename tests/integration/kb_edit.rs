//! The knowledge-editing library (`knowledge::edit`) and the editors' CLI on a copy of the
//! shipped corpus: byte-identical round trips, confined diffs, add/delete, version conflicts,
//! field-level validation, crash injection between write and rename, import all-or-nothing,
//! CSV/XLSX round trips, and `bujiao kb add/edit/rm/publish/import/export`.

use crate::common::{copy_dir, repo_knowledge};
use bujiao::knowledge::edit::table;
use bujiao::knowledge::edit::{
    Action, ArticleRecord, Change, EditError, Editor, FaqRecord, EDITOR_FAQ_FILE,
};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// A copy of the shipped knowledge dir and an editor on it with a fixed "today".
fn corpus() -> (tempfile::TempDir, Editor) {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo_knowledge(), &tmp.path().join("knowledge"));
    let editor = Editor::new(tmp.path().join("knowledge")).with_today(today());
    (tmp, editor)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, 15).unwrap()
}

fn read(editor: &Editor, rel: &str) -> String {
    std::fs::read_to_string(editor.dir().join(rel)).unwrap()
}

/// Every file under the dir with its bytes, to prove nothing changed.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn new_entry(question: &str) -> FaqRecord {
    FaqRecord {
        question: question.into(),
        similar: vec![
            "编辑测试甲问法一".into(),
            "编辑测试甲问法二".into(),
            "编辑测试甲问法三".into(),
            "编辑测试甲问法四".into(),
        ],
        answer: "按编辑测试的规定办理，先结论后依据。".into(),
        tags: vec!["编辑测试标签".into()],
        insurance: "any".into(),
        audience: vec!["any".into()],
        sources: vec!["law:SIL-86".into()],
        effective: "2011-07-01".into(),
        ..Default::default()
    }
}

#[test]
fn every_shipped_entry_round_trips_byte_identically() {
    let (_tmp, editor) = corpus();
    let before = snapshot(editor.dir());
    let faqs = editor.list_faq().unwrap();
    assert!(faqs.len() > 200, "{}", faqs.len());
    let changes: Vec<Change> = faqs
        .iter()
        .map(|v| Change::UpsertFaq(v.record.clone()))
        .collect();
    let plan = editor.plan(&changes, None).unwrap();
    assert!(plan.is_empty(), "{:?}", plan.paths());
    assert!(plan.outcomes.iter().all(|o| o.action == Action::Unchanged));
    // With the version each one was read at, one at a time (a sample: each plan reads the corpus).
    for v in faqs.iter().step_by(25) {
        let plan = editor
            .plan(&[Change::UpsertFaq(v.record.clone())], Some(&v.version))
            .unwrap();
        assert!(plan.is_empty(), "{}", v.record.id);
        assert_eq!(
            plan.outcomes[0].version.as_deref(),
            Some(v.version.as_str())
        );
    }
    let articles = editor.list_articles().unwrap();
    assert!(!articles.is_empty());
    let changes: Vec<Change> = articles
        .iter()
        .map(|v| Change::UpsertArticle(v.record.clone()))
        .collect();
    assert!(editor.plan(&changes, None).unwrap().is_empty());
    editor
        .commit(&editor.plan(&changes, None).unwrap())
        .unwrap();
    assert_eq!(snapshot(editor.dir()), before);
}

/// The lines of `old` and `new` that differ, as (first, last) line numbers in `old` plus the
/// number of lines inserted.
fn changed_region(old: &str, new: &str) -> (usize, usize, Vec<String>) {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suf = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
        .min(a.len().min(b.len()) - pre);
    let inserted = b[pre..b.len() - suf]
        .iter()
        .map(|s| s.to_string())
        .collect();
    (pre + 1, a.len() - suf, inserted)
}

#[test]
fn an_edit_changes_only_the_entrys_changed_lines() {
    let (_tmp, editor) = corpus();
    let v = editor.get_faq("latefee-rate").unwrap().unwrap();
    let file = v.record.file.clone().unwrap();
    assert_eq!(file, "faq/late-fees.toml");
    let old_text = read(&editor, &file);
    let mut r = v.record.clone();
    r.similar.push("社保滞纳金每天按欠款的多少收取".into());
    let plan = editor
        .plan(&[Change::UpsertFaq(r.clone())], Some(&v.version))
        .unwrap();
    assert_eq!(plan.paths(), vec!["faq/late-fees.toml"]);
    let o = &plan.outcomes[0];
    assert_eq!(o.action, Action::Changed);
    assert_eq!(o.added_similar, vec!["社保滞纳金每天按欠款的多少收取"]);
    assert_eq!(o.new_question, None);
    let new_text = plan.files[0].new.as_deref().unwrap();
    // One line inserted, right after the last similar question of this entry, nothing else.
    let (first, last, inserted) = changed_region(&old_text, new_text);
    assert_eq!(inserted, vec!["  \"社保滞纳金每天按欠款的多少收取\","]);
    assert_eq!(last, first - 1, "pure insertion");
    let line = old_text.lines().nth(first - 2).unwrap();
    assert_eq!(line, "  \"社保滞纳金是按天算的码，一天多少\",");

    // A new answer rewrites the answer block only.
    r.answer = "按日加收欠缴数额万分之五的滞纳金。\n依据：《社会保险法》第八十六条。".into();
    let plan = editor.plan(&[Change::UpsertFaq(r)], None).unwrap();
    let new_text = plan.files[0].new.as_deref().unwrap();
    let (first, last, inserted) = changed_region(&old_text, new_text);
    let entry_start = old_text
        .lines()
        .position(|l| l == "id = \"latefee-rate\"")
        .unwrap();
    let entry_end = entry_start
        + old_text
            .lines()
            .skip(entry_start)
            .position(|l| l.is_empty())
            .unwrap();
    assert!(first > entry_start && last <= entry_end, "{first}..{last}");
    assert!(inserted.contains(&"按日加收欠缴数额万分之五的滞纳金。".to_string()));
    let v = editor.validate(&plan).unwrap();
    assert!(v.is_ok(), "{:?}", v.blocking());
    editor.commit(&plan).unwrap();
    let (kb, problems) = bujiao::knowledge::load(editor.dir()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let f = kb.faq("latefee-rate").unwrap();
    assert!(f.answer.starts_with("按日加收"));
    assert_eq!(f.updated.to_string(), "2026-11-25", "updated kept as given");
}

#[test]
fn a_new_entry_gets_an_id_a_file_and_todays_date() {
    let (_tmp, editor) = corpus();
    // Shares a tag with the late-fee entries: goes beside them.
    let mut r = new_entry("编辑测试：滞纳金能不能分期缴纳？");
    r.tags = vec!["滞纳金".into()];
    let plan = editor.plan(&[Change::UpsertFaq(r.clone())], None).unwrap();
    let o = &plan.outcomes[0];
    assert_eq!(o.action, Action::Added);
    assert!(o.id.starts_with("faq-") && o.id.len() == 12, "{}", o.id);
    assert_eq!(o.file, "faq/late-fees.toml");
    assert_eq!(o.added_similar.len(), 4);
    assert_eq!(o.new_question.as_deref(), Some(r.question.as_str()));
    // Same question, same id: stable across runs.
    let again = editor.plan(&[Change::UpsertFaq(r.clone())], None).unwrap();
    assert_eq!(again.outcomes[0].id, o.id);
    let v = editor.validate(&plan).unwrap();
    assert!(v.is_ok(), "{:?}", v.blocking());
    editor.commit(&plan).unwrap();
    let (kb, problems) = bujiao::knowledge::load(editor.dir()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let f = kb.faq(&o.id).unwrap();
    assert_eq!(f.updated, today());
    // The old entries' bytes are untouched: the file only grew.
    let old = std::fs::read_to_string(repo_knowledge().join("faq/late-fees.toml")).unwrap();
    assert!(read(&editor, "faq/late-fees.toml").starts_with(&old));

    // An id prefix shared with a topic file's entries wins.
    let mut r = new_entry("编辑测试乙：退休人员医保年限的新问题？");
    r.id = "retiree-editor-test".into();
    r.similar = r.similar.iter().map(|s| format!("{s}乙")).collect();
    let plan = editor.plan(&[Change::UpsertFaq(r)], None).unwrap();
    assert_eq!(plan.outcomes[0].file, "faq/retiree-medical.toml");

    // Nothing in common: faq/editor.toml, created with its header comment.
    let mut r = new_entry("编辑测试丙：一个全新的话题？");
    r.similar = r.similar.iter().map(|s| format!("{s}丙")).collect();
    let plan = editor.plan(&[Change::UpsertFaq(r)], None).unwrap();
    assert_eq!(plan.outcomes[0].file, EDITOR_FAQ_FILE);
    let f = plan
        .files
        .iter()
        .find(|f| f.path == EDITOR_FAQ_FILE)
        .unwrap();
    assert!(f.old.is_none());
    let text = f.new.as_deref().unwrap();
    assert!(
        text.starts_with("# FAQ entries added with the editors' tools"),
        "{text}"
    );
    assert!(text.contains("\n\n[[faq]]\nid = \"faq-"), "{text}");
    assert!(editor.validate(&plan).unwrap().is_ok());
    editor.commit(&plan).unwrap();
    let (kb, problems) = bujiao::knowledge::load(editor.dir()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert!(kb.faqs.iter().any(|f| f.question.starts_with("编辑测试丙")));
}

#[test]
fn deleting_an_entry_removes_its_lines_only() {
    let (_tmp, editor) = corpus();
    let v = editor.get_faq("latefee-formula-example").unwrap().unwrap();
    let old_text = read(&editor, "faq/late-fees.toml");
    let plan = editor
        .plan(&[Change::DeleteFaq(v.record.id.clone())], Some(&v.version))
        .unwrap();
    assert_eq!(plan.outcomes[0].action, Action::Deleted);
    let new_text = plan.files[0].new.as_deref().unwrap();
    let (_, _, inserted) = changed_region(&old_text, new_text);
    assert!(inserted.is_empty(), "{inserted:?}");
    assert!(editor.validate(&plan).unwrap().is_ok());
    editor.commit(&plan).unwrap();
    assert!(editor.get_faq("latefee-formula-example").unwrap().is_none());

    // The first entry of a file: the file's header comment stays.
    let first = editor.get_faq("latefee-rate").unwrap().unwrap();
    let plan = editor
        .plan(&[Change::DeleteFaq(first.record.id)], None)
        .unwrap();
    let text = plan.files[0].new.as_deref().unwrap();
    assert!(
        text.starts_with("# FAQ: 社保滞纳金与罚款"),
        "{}",
        &text[..200]
    );
    assert!(!text.contains("id = \"latefee-rate\""));

    assert!(matches!(
        editor.plan(&[Change::DeleteFaq("no-such-entry".into())], None),
        Err(EditError::NotFound(_))
    ));
}

#[test]
fn a_stale_version_is_a_conflict_never_an_overwrite() {
    let (_tmp, editor) = corpus();
    let v = editor.get_faq("latefee-rate").unwrap().unwrap();
    let mut mine = v.record.clone();
    mine.tags.push("编辑甲".into());
    let mut theirs = v.record.clone();
    theirs.tags.push("编辑乙".into());
    let plan = editor
        .plan(&[Change::UpsertFaq(theirs)], Some(&v.version))
        .unwrap();
    editor.commit(&plan).unwrap();
    let current = editor.get_faq("latefee-rate").unwrap().unwrap().version;
    assert_ne!(current, v.version);
    match editor.plan(&[Change::UpsertFaq(mine.clone())], Some(&v.version)) {
        Err(EditError::Conflict { current_version }) => {
            assert_eq!(current_version.as_deref(), Some(current.as_str()))
        }
        other => panic!("{other:?}"),
    }
    match editor.plan(
        &[Change::DeleteFaq("latefee-rate".into())],
        Some(&v.version),
    ) {
        Err(EditError::Conflict { .. }) => {}
        other => panic!("{other:?}"),
    }
    // A plan made before someone else's commit is refused at commit time.
    let plan = editor.plan(&[Change::UpsertFaq(mine)], None).unwrap();
    let mut other = editor.get_faq("latefee-rate").unwrap().unwrap().record;
    other.tags.push("编辑丙".into());
    editor
        .commit(&editor.plan(&[Change::UpsertFaq(other)], None).unwrap())
        .unwrap();
    assert!(matches!(
        editor.commit(&plan),
        Err(EditError::FileChanged(f)) if f == "faq/late-fees.toml"
    ));
    assert!(read(&editor, "faq/late-fees.toml").contains("编辑丙"));
    assert!(!read(&editor, "faq/late-fees.toml").contains("编辑甲"));
}

/// A field name and how to break it.
type Case = (&'static str, Box<dyn Fn(&mut FaqRecord)>);

fn invalid_fields(editor: &Editor, r: FaqRecord) -> Vec<String> {
    match editor.plan(&[Change::UpsertFaq(r)], None) {
        Err(EditError::Invalid(p)) => p.into_iter().filter_map(|p| p.field).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn malformed_input_is_refused_field_by_field() {
    let (_tmp, editor) = corpus();
    let base = editor.get_faq("latefee-rate").unwrap().unwrap().record;
    let cases: Vec<Case> = vec![
        ("id", Box::new(|r| r.id = "Bad_ID".into())),
        ("question", Box::new(|r| r.question = "  ".into())),
        ("answer", Box::new(|r| r.answer = String::new())),
        ("insurance", Box::new(|r| r.insurance = "dental".into())),
        ("audience[1]", Box::new(|r| r.audience[1] = "kids".into())),
        ("effective", Box::new(|r| r.effective = "2011-13-01".into())),
        ("expires", Box::new(|r| r.expires = Some("soon".into()))),
        (
            "updated",
            Box::new(|r| r.updated = Some("2026/11/25".into())),
        ),
        ("status", Box::new(|r| r.status = "live".into())),
        ("similar[2]", Box::new(|r| r.similar[2] = " ".into())),
        ("file", Box::new(|r| r.file = Some("../etc/passwd".into()))),
    ];
    for (field, f) in cases {
        let mut r = base.clone();
        f(&mut r);
        assert_eq!(
            invalid_fields(&editor, r),
            vec![field.to_string()],
            "{field}"
        );
    }
    assert!(matches!(
        editor.plan(
            &[Change::DeleteFaq("a".into()), Change::DeleteFaq("b".into())],
            Some("x")
        ),
        Err(EditError::Invalid(_))
    ));
}

/// The blocking problems of a plan as (id, field, message).
fn blocking(editor: &Editor, changes: &[Change]) -> Vec<(Option<String>, Option<String>, String)> {
    let plan = editor.plan(changes, None).unwrap();
    editor
        .validate(&plan)
        .unwrap()
        .blocking()
        .into_iter()
        .map(|p| (p.id.clone(), p.field.clone(), p.message.clone()))
        .collect()
}

#[test]
fn validation_errors_name_the_field() {
    let (_tmp, editor) = corpus();
    let base = editor.get_faq("latefee-rate").unwrap().unwrap().record;
    let other = editor
        .get_faq("latefee-formula-example")
        .unwrap()
        .unwrap()
        .record;
    let id = Some("latefee-rate".to_string());
    let cases: Vec<Case> = vec![
        // A phrasing another entry already has (reported on whichever entry comes later).
        ("similar[3]", {
            let dup = other.similar[1].clone();
            Box::new(move |r| r.similar[3] = dup.clone())
        }),
        ("similar", Box::new(|r| r.similar.truncate(2))),
        (
            "answer",
            Box::new(|r| r.answer = "不能。欠缴就要交滞纳金".into()),
        ),
        (
            "sources[1]",
            Box::new(|r| r.sources[1] = "doc:no-such-doc".into()),
        ),
        (
            "supersedes[0]",
            Box::new(|r| r.supersedes = vec!["no-such-entry".into()]),
        ),
        (
            "localizes[0]",
            Box::new(|r| {
                r.regions = vec!["北京".into()];
                r.localizes = vec!["no-such-entry".into()]
            }),
        ),
        (
            "expires",
            Box::new(|r| r.expires = Some("2001-01-01".into())),
        ),
    ];
    for (field, f) in cases {
        let mut r = base.clone();
        f(&mut r);
        let b = blocking(&editor, &[Change::UpsertFaq(r)]);
        assert!(
            b.iter()
                .any(|(i, fl, _)| *i == id && fl.as_deref() == Some(field)),
            "{field}: {b:?}"
        );
    }
    // A new entry whose id an article already has.
    let mut r = new_entry("编辑测试：与文章同名的条目？");
    r.id = "article-gap-overview".into();
    let b = blocking(&editor, &[Change::UpsertFaq(r)]);
    assert!(
        b.iter()
            .any(|(_, f, m)| f.as_deref() == Some("id") && m.contains("duplicate id")),
        "{b:?}"
    );
    // Problems the corpus already had are reported but do not block.
    let mut broken = base.clone();
    broken.similar.truncate(1);
    let plan = editor.plan(&[Change::UpsertFaq(broken)], None).unwrap();
    editor.commit(&plan).unwrap();
    let mut r = other.clone();
    r.tags.push("编辑测试".into());
    let plan = editor.plan(&[Change::UpsertFaq(r)], None).unwrap();
    let v = editor.validate(&plan).unwrap();
    assert!(v.is_ok(), "{:?}", v.blocking());
    assert!(v.errors.iter().any(|p| p.preexisting));
}

#[test]
fn contradicting_openings_warn_on_the_similar_question() {
    let (_tmp, editor) = corpus();
    let mut r = new_entry("编辑测试：签了自愿放弃社保的声明，单位就不用补缴了吗？");
    r.similar[0] = "编辑测试：签了放弃声明还能要求单位补缴吗".into();
    r.answer = "不能的，单位仍须补缴。".into();
    let plan = editor.plan(&[Change::UpsertFaq(r)], None).unwrap();
    let v = editor.validate(&plan).unwrap();
    assert!(v.is_ok(), "{:?}", v.blocking());
    let w: Vec<_> = v
        .warnings
        .iter()
        .filter(|p| p.field.as_deref() == Some("similar[0]"))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", v.warnings);
    // No shipped entry trips the check (it would be noise on every edit).
    for f in editor.list_faq().unwrap() {
        let w = bujiao::knowledge::edit::answer_contradictions(&f.record);
        assert!(w.is_empty(), "{}: {w:?}", f.record.id);
    }
}

#[test]
fn a_crash_between_write_and_rename_leaves_the_old_files() {
    let (_tmp, editor) = corpus();
    let before = snapshot(editor.dir());
    let mut a = editor.get_faq("latefee-rate").unwrap().unwrap().record;
    a.tags.push("崩溃测试".into());
    let mut b = editor
        .get_faq("retiree-medical-years-national")
        .unwrap()
        .map(|v| v.record);
    let mut changes = vec![Change::UpsertFaq(a)];
    if b.is_none() {
        b = editor
            .list_faq()
            .unwrap()
            .into_iter()
            .find(|v| v.record.file.as_deref() == Some("faq/pension.toml"))
            .map(|v| v.record);
    }
    let mut b = b.unwrap();
    b.tags.push("崩溃测试".into());
    changes.push(Change::UpsertFaq(b));
    let plan = editor.plan(&changes, None).unwrap();
    assert_eq!(plan.files.len(), 2);
    let mut calls = 0;
    let res = editor.commit_with(&plan, &mut |_path: &Path| {
        calls += 1;
        Err(std::io::Error::other("injected crash before rename"))
    });
    assert!(matches!(res, Err(EditError::Io { .. })), "{res:?}");
    assert_eq!(calls, 1);
    // Old files intact, and the temporary files are gone.
    assert_eq!(snapshot(editor.dir()), before);
    // A failure at the second rename: the first file is new, the second old, both whole.
    let mut n = 0;
    let res = editor.commit_with(&plan, &mut |_path: &Path| {
        n += 1;
        if n == 2 {
            Err(std::io::Error::other("injected crash"))
        } else {
            Ok(())
        }
    });
    assert!(res.is_err());
    let after = snapshot(editor.dir());
    assert_eq!(after.len(), before.len(), "no temporary file left");
    let (_, problems) = bujiao::knowledge::load(editor.dir()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn articles_and_dictionaries_are_edited_too() {
    let (_tmp, editor) = corpus();
    let v = editor.get_article("article-gap-overview").unwrap().unwrap();
    let mut a = v.record.clone();
    a.title = "断缴了怎么办：按险种和身份分别说明（修订）".into();
    let plan = editor
        .plan(&[Change::UpsertArticle(a)], Some(&v.version))
        .unwrap();
    let f = &plan.files[0];
    let (first, last, inserted) =
        changed_region(f.old.as_deref().unwrap(), f.new.as_deref().unwrap());
    assert_eq!((first, last), (3, 3));
    assert_eq!(inserted.len(), 1);
    assert!(editor.validate(&plan).unwrap().is_ok());

    let new = ArticleRecord {
        id: "article-editor-test".into(),
        title: "编辑测试文章".into(),
        insurance: "any".into(),
        audience: vec!["any".into()],
        sources: vec!["law:SIL-86".into()],
        effective: "2011-07-01".into(),
        body: "正文第一段。\n\n## 小标题\n正文第二段。".into(),
        ..Default::default()
    };
    let plan = editor.plan(&[Change::UpsertArticle(new)], None).unwrap();
    assert_eq!(plan.paths(), vec!["articles/article-editor-test.md"]);
    assert!(editor.validate(&plan).unwrap().is_ok());
    editor.commit(&plan).unwrap();
    let got = editor.get_article("article-editor-test").unwrap().unwrap();
    assert_eq!(got.record.body, "正文第一段。\n\n## 小标题\n正文第二段。");
    let plan = editor
        .plan(
            &[Change::DeleteArticle("article-editor-test".into())],
            Some(&got.version),
        )
        .unwrap();
    editor.commit(&plan).unwrap();
    assert!(!editor
        .dir()
        .join("articles/article-editor-test.md")
        .exists());

    let d = editor.get_dict("synonyms.txt").unwrap();
    let text = format!("{}编辑测试 编辑测验\n", d.record);
    let plan = editor
        .plan(
            &[Change::ReplaceDict {
                name: "synonyms.txt".into(),
                text,
            }],
            Some(&d.version),
        )
        .unwrap();
    assert!(editor.validate(&plan).unwrap().is_ok());
    // A bad group (one word) is the loader's error, on that line.
    let text = format!("{}孤单\n", d.record);
    let plan = editor
        .plan(
            &[Change::ReplaceDict {
                name: "synonyms.txt".into(),
                text,
            }],
            None,
        )
        .unwrap();
    let v = editor.validate(&plan).unwrap();
    assert!(
        v.blocking()
            .iter()
            .any(|p| p.file.as_deref() == Some("dict/synonyms.txt")),
        "{:?}",
        v.blocking()
    );
    assert!(matches!(
        editor.get_dict("../secrets"),
        Err(EditError::NotFound(_))
    ));
}

#[test]
fn csv_and_xlsx_round_trips_change_nothing() {
    let (tmp, editor) = corpus();
    let records: Vec<FaqRecord> = editor
        .list_faq()
        .unwrap()
        .into_iter()
        .map(|v| v.record)
        .collect();
    let mut buf = Vec::new();
    table::write_csv(&records, &mut buf).unwrap();
    let rows = table::read_csv(buf.as_slice()).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.record.clone()).collect::<Vec<_>>(),
        records
    );
    let plan = editor
        .plan(&table::import_changes(&rows).unwrap(), None)
        .unwrap();
    assert!(plan.is_empty(), "{:?}", plan.paths());

    let xlsx = tmp.path().join("faq.xlsx");
    table::write_xlsx(&records, &xlsx).unwrap();
    let rows = table::read_xlsx(&xlsx).unwrap();
    for (row, r) in rows.iter().zip(&records) {
        assert_eq!(&row.record, r, "row {}", row.row);
    }
    assert_eq!(rows.len(), records.len());
    let plan = editor
        .plan(&table::import_changes(&rows).unwrap(), None)
        .unwrap();
    assert!(plan.is_empty(), "{:?}", plan.paths());
}

// ---- the editors' CLI ----

fn bujiao(editor: &Editor) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("bujiao").unwrap();
    c.arg("--knowledge")
        .arg(editor.dir())
        .env_remove("BUJIAO_KNOWLEDGE_DIR")
        .env_remove("BUJIAO_DATA_DIR");
    c
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run(editor: &Editor, args: &[&str]) -> Run {
    let out = bujiao(editor).args(args).output().unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const ENTRY_TOML: &str = r#"[[faq]]
id = "latefee-cli-test"
question = "命令行测试：滞纳金可以申请减免吗？"
similar = [
  "命令行测试问法一",
  "命令行测试问法二",
  "命令行测试问法三",
  "命令行测试问法四",
]
answer = """
滞纳金一般不予减免，特殊情形以当地规定为准。
"""
tags = ["滞纳金"]
insurance = "any"
audience = ["employer"]
regions = []
sources = ["law:SIL-86"]
effective = "2011-07-01"
"#;

#[test]
fn cli_add_publish_edit_and_remove() {
    let (tmp, editor) = corpus();
    let entry = tmp.path().join("entry.toml");
    std::fs::write(&entry, ENTRY_TOML).unwrap();
    let r = run(
        &editor,
        &["kb", "add", "--file", entry.to_str().unwrap(), "--draft"],
    );
    assert!(r.ok, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("changed faq/late-fees.toml"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("SIGHUP"), "{}", r.stdout);
    assert_eq!(
        editor
            .get_faq("latefee-cli-test")
            .unwrap()
            .unwrap()
            .record
            .status,
        "draft"
    );
    // Adding it again is refused: edit is for existing entries.
    let r = run(&editor, &["kb", "add", "--file", entry.to_str().unwrap()]);
    assert!(!r.ok && r.stderr.contains("kb edit"), "{}", r.stderr);

    let r = run(&editor, &["kb", "publish", "latefee-cli-test"]);
    assert!(r.ok, "{}{}", r.stdout, r.stderr);
    let got = editor.get_faq("latefee-cli-test").unwrap().unwrap().record;
    assert_eq!(got.status, "published");
    assert_eq!(
        got.updated.as_deref(),
        Some(bujiao::china_time::today().to_string().as_str())
    );

    let r = run(
        &editor,
        &[
            "kb",
            "edit",
            "latefee-cli-test",
            "--set",
            "similar+=命令行测试问法五",
            "--set",
            "tags=滞纳金|减免",
        ],
    );
    assert!(r.ok, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("changed faq/late-fees.toml"),
        "{}",
        r.stdout
    );
    let got = editor.get_faq("latefee-cli-test").unwrap().unwrap().record;
    assert_eq!(got.similar.last().unwrap(), "命令行测试问法五");
    assert_eq!(got.tags, vec!["滞纳金", "减免"]);

    let r = run(&editor, &["kb", "rm", "latefee-cli-test"]);
    assert!(r.ok, "{}{}", r.stdout, r.stderr);
    assert!(editor.get_faq("latefee-cli-test").unwrap().is_none());
    let r = run(&editor, &["kb", "rm", "latefee-cli-test"]);
    assert!(!r.ok && r.stderr.contains("not found"), "{}", r.stderr);
}

#[test]
fn cli_refuses_bad_edits_and_writes_nothing() {
    let (tmp, editor) = corpus();
    let before = snapshot(editor.dir());
    // Malformed input: the field is named.
    let r = run(
        &editor,
        &["kb", "edit", "latefee-rate", "--set", "insurance=dental"],
    );
    assert!(!r.ok);
    assert!(
        r.stderr
            .contains("latefee-rate.insurance: unknown insurance"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    // A validation error: reported as file:line with the field.
    let dup = editor
        .get_faq("latefee-formula-example")
        .unwrap()
        .unwrap()
        .record
        .similar[0]
        .clone();
    let r = run(
        &editor,
        &[
            "kb",
            "edit",
            "latefee-rate",
            "--set",
            &format!("similar+={dup}"),
        ],
    );
    assert!(!r.ok);
    assert!(r.stderr.contains("faq/late-fees.toml:"), "{}", r.stderr);
    assert!(r.stderr.contains("latefee-rate.similar["), "{}", r.stderr);
    // A bad --set expression and an unreadable file.
    let r = run(
        &editor,
        &["kb", "edit", "latefee-rate", "--set", "colour=red"],
    );
    assert!(!r.ok && r.stderr.contains("unknown field"), "{}", r.stderr);
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\"question\": 3}").unwrap();
    let r = run(&editor, &["kb", "add", "--file", bad.to_str().unwrap()]);
    assert!(!r.ok && r.stderr.contains("bad.json"), "{}", r.stderr);
    assert_eq!(snapshot(editor.dir()), before);
}

#[test]
fn cli_export_and_import_all_or_nothing() {
    let (tmp, editor) = corpus();
    let before = snapshot(editor.dir());
    let csv_path = tmp.path().join("faq.csv");
    let r = run(
        &editor,
        &["kb", "export", "--csv", csv_path.to_str().unwrap()],
    );
    assert!(r.ok, "{}", r.stderr);
    let xlsx_path = tmp.path().join("faq.xlsx");
    let r = run(
        &editor,
        &["kb", "export", "--xlsx", xlsx_path.to_str().unwrap()],
    );
    assert!(r.ok, "{}", r.stderr);
    for p in [&csv_path, &xlsx_path] {
        let r = run(&editor, &["kb", "import", p.to_str().unwrap()]);
        assert!(r.ok, "{}", r.stderr);
        assert!(r.stdout.contains("0 added, 0 changed"), "{}", r.stdout);
        assert!(r.stdout.contains("no file changes"), "{}", r.stdout);
    }
    assert_eq!(snapshot(editor.dir()), before);

    let rows = table::read_csv(std::fs::File::open(&csv_path).unwrap()).unwrap();
    let mut records: Vec<FaqRecord> = rows.into_iter().map(|r| r.record).collect();
    records[0].tags.push("导入测试".into());
    let changed_id = records[0].id.clone();
    let mut added = new_entry("导入测试：一个新条目？");
    added.file = None;
    records.push(added);
    let good = tmp.path().join("good.csv");
    table::write_csv(&records, std::fs::File::create(&good).unwrap()).unwrap();
    // One bad row: nothing is written, the row is named.
    let mut broken = records.clone();
    broken[5].insurance = "dental".into();
    let bad = tmp.path().join("bad.csv");
    table::write_csv(&broken, std::fs::File::create(&bad).unwrap()).unwrap();
    let r = run(&editor, &["kb", "import", bad.to_str().unwrap()]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains("row 7: insurance: unknown insurance"),
        "{}",
        r.stderr
    );
    assert_eq!(snapshot(editor.dir()), before);
    // A row that breaks validation (a phrasing taken from another entry): nothing written either.
    let mut clash = records.clone();
    let other = clash[1].similar[0].clone();
    clash[0].similar.push(other);
    let bad = tmp.path().join("clash.csv");
    table::write_csv(&clash, std::fs::File::create(&bad).unwrap()).unwrap();
    let r = run(&editor, &["kb", "import", bad.to_str().unwrap()]);
    assert!(!r.ok, "{}", r.stdout);
    assert!(r.stderr.contains("row 2: "), "{}", r.stderr);
    assert_eq!(snapshot(editor.dir()), before);

    let r = run(
        &editor,
        &["kb", "import", good.to_str().unwrap(), "--dry-run"],
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!("changed {changed_id}")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("added faq-"), "{}", r.stdout);
    assert!(r.stdout.contains("1 added, 1 changed"), "{}", r.stdout);
    assert_eq!(snapshot(editor.dir()), before);
    let r = run(&editor, &["kb", "import", good.to_str().unwrap()]);
    assert!(r.ok, "{}", r.stderr);
    assert!(editor
        .get_faq(&changed_id)
        .unwrap()
        .unwrap()
        .record
        .tags
        .contains(&"导入测试".to_string()));

    // A delete column removes a row's entry; nothing else is deleted.
    let text = format!("id,delete\n{changed_id},yes\n");
    let del = tmp.path().join("delete.csv");
    std::fs::write(&del, text).unwrap();
    let n = editor.list_faq().unwrap().len();
    let r = run(&editor, &["kb", "import", del.to_str().unwrap()]);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(editor.list_faq().unwrap().len(), n - 1);

    // The JSON lines export still works.
    let r = run(&editor, &["kb", "export", "--jsonl"]);
    assert!(r.ok);
    assert!(r.stdout.lines().count() > 200);
}

//! `kb validate`: one test per kind of problem, each with a broken fixture.

use crate::common::{fixture_kb, write, FIXTURE_FAQ};
use bujiao::knowledge::{load, validate, Problem};
use tempfile::TempDir;

fn problems_of(dir: &TempDir) -> Vec<Problem> {
    let (kb, mut problems) = load(dir.path()).unwrap();
    problems.extend(validate(&kb));
    problems
}

/// A fixture with `faq/fixture.toml` replaced by `faq` text.
fn with_faq(faq: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    fixture_kb(dir.path());
    write(dir.path(), "faq/fixture.toml", faq);
    dir
}

fn assert_one(problems: &[Problem], needle: &str, file_end: &str, line: usize) {
    let hit = problems
        .iter()
        .find(|p| p.message.contains(needle) || p.to_string().contains(needle))
        .unwrap_or_else(|| panic!("no problem containing {needle:?} in {problems:#?}"));
    assert!(hit.file.ends_with(file_end), "{hit}");
    assert_eq!(hit.line, line, "{hit}");
    // Rendered as file:line: message.
    assert!(
        hit.to_string().contains(&format!("{file_end}:{line}: ")),
        "{hit}"
    );
}

#[test]
fn clean_fixture_has_no_problems() {
    let dir = TempDir::new().unwrap();
    fixture_kb(dir.path());
    assert_eq!(problems_of(&dir), vec![]);
}

#[test]
fn duplicate_id() {
    let faq = FIXTURE_FAQ.replace("id = \"late-fee\"", "id = \"merged\"");
    let dir = with_faq(&faq);
    // The second `[[faq]]` table starts at line 16 of the fixture.
    assert_one(
        &problems_of(&dir),
        "duplicate id \"merged\"",
        "faq/fixture.toml",
        16,
    );
}

#[test]
fn empty_answer() {
    let faq = FIXTURE_FAQ.replace(
        "answer = \"由兼并方补缴，医保经办机构与兼并方签订补缴协议。\"",
        "answer = \"  \"",
    );
    let dir = with_faq(&faq);
    assert_one(
        &problems_of(&dir),
        "has an empty answer",
        "faq/fixture.toml",
        2,
    );
}

#[test]
fn unknown_source_reference() {
    let faq = FIXTURE_FAQ.replace("sources = [\"law:SIL-86\"]\neffective = \"2011-07-01\"\nupdated = \"2026-11-25\"\nstatus = \"published\"\n\n[[faq]]\nid = \"ningbo-gap\"", "sources = [\"law:SIL-999\"]\neffective = \"2011-07-01\"\nupdated = \"2026-11-25\"\nstatus = \"published\"\n\n[[faq]]\nid = \"ningbo-gap\"");
    let dir = with_faq(&faq);
    assert_one(
        &problems_of(&dir),
        "unknown source reference \"law:SIL-999\"",
        "faq/fixture.toml",
        16,
    );
}

#[test]
fn same_similar_question_under_two_entries() {
    let faq = FIXTURE_FAQ.replace("\"社保滞纳金按什么标准收\"", "\"被兼并企业的欠费谁来补\"");
    let dir = with_faq(&faq);
    assert_one(
        &problems_of(&dir),
        "also appears under merged",
        "faq/fixture.toml",
        16,
    );
}

#[test]
fn bad_date() {
    let faq = FIXTURE_FAQ.replacen("updated = \"2026-11-25\"", "updated = \"2026-13-45\"", 1);
    let dir = with_faq(&faq);
    assert_one(
        &problems_of(&dir),
        "bad date in `updated`",
        "faq/fixture.toml",
        13,
    );
}

#[test]
fn unknown_enum_value() {
    let faq = FIXTURE_FAQ.replacen("insurance = \"medical\"", "insurance = \"dental\"", 1);
    let dir = with_faq(&faq);
    assert_one(
        &problems_of(&dir),
        "unknown insurance \"dental\"",
        "faq/fixture.toml",
        8,
    );
    let faq = FIXTURE_FAQ.replacen("audience = [\"employer\"]", "audience = [\"boss\"]", 1);
    let dir = with_faq(&faq);
    assert_one(
        &problems_of(&dir),
        "unknown audience \"boss\"",
        "faq/fixture.toml",
        9,
    );
}

#[test]
fn invalid_toml_reports_its_line() {
    let faq = FIXTURE_FAQ.replacen("tags = [\"兼并\"]", "tags = [\"兼并\"", 1);
    let dir = with_faq(&faq);
    let problems = problems_of(&dir);
    assert!(
        problems
            .iter()
            .any(|p| p.message.starts_with("invalid TOML") && p.line >= 7),
        "{problems:#?}"
    );
}

#[test]
fn regional_entry_without_regional_source() {
    let faq = FIXTURE_FAQ.replace("sources = [\"doc:ningbo\"]", "sources = [\"law:SIL-86\"]");
    let dir = with_faq(&faq);
    assert_one(
        &problems_of(&dir),
        "is regional (宁波) but cites no regional document",
        "faq/fixture.toml",
        30,
    );
}

#[test]
fn article_without_front_matter() {
    let dir = TempDir::new().unwrap();
    fixture_kb(dir.path());
    write(dir.path(), "articles/a.md", "# 标题\n正文\n");
    assert_one(
        &problems_of(&dir),
        "missing front matter",
        "articles/a.md",
        1,
    );
}

#[test]
fn validate_cli_exits_non_zero_with_file_and_line() {
    let faq = FIXTURE_FAQ.replacen("status = \"published\"", "status = \"live\"", 1);
    let dir = with_faq(&faq);
    let out = assert_cmd::Command::cargo_bin("bujiao")
        .unwrap()
        .args(["kb", "validate", "--knowledge"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("faq/fixture.toml:14: unknown status \"live\""),
        "{stdout}"
    );
}

#[test]
fn the_real_knowledge_base_is_clean() {
    let (kb, mut problems) = load(&crate::common::repo_knowledge()).unwrap();
    problems.extend(validate(&kb));
    let rendered: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert!(rendered.is_empty(), "{}", rendered.join("\n"));
    assert!(kb.faqs.len() >= 200, "only {} FAQ entries", kb.faqs.len());
    assert!(kb.laws.len() >= 10);
}

fn with_policies(beijing: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    fixture_kb(dir.path());
    let real = crate::common::repo_knowledge().join("policies");
    write(
        dir.path(),
        "policies/national.toml",
        &std::fs::read_to_string(real.join("national.toml")).unwrap(),
    );
    write(dir.path(), "policies/beijing.toml", beijing);
    // The real tables cite documents from the real sources directory.
    for f in std::fs::read_dir(crate::common::repo_knowledge().join("sources")).unwrap() {
        let f = f.unwrap().path();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        write(
            dir.path(),
            &format!("sources/real-{name}"),
            &std::fs::read_to_string(&f).unwrap(),
        );
    }
    dir
}

fn real_beijing() -> String {
    std::fs::read_to_string(crate::common::repo_knowledge().join("policies/beijing.toml")).unwrap()
}

#[test]
fn policy_with_unknown_source_reference() {
    let text = real_beijing().replacen(
        "source = \"doc:beijing-base-2024\"",
        "source = \"doc:nope\"",
        1,
    );
    let line = text.lines().position(|l| l.contains("doc:nope")).unwrap() + 1;
    let dir = with_policies(&text);
    assert_one(
        &problems_of(&dir),
        "policy: unknown source reference \"doc:nope\"",
        "policies/beijing.toml",
        line,
    );
}

#[test]
fn policy_with_floor_above_ceiling_reports_its_line() {
    let text = real_beijing().replacen("floor = 6821", "floor = 99999", 1);
    let dir = with_policies(&text);
    let problems = problems_of(&dir);
    assert!(
        problems
            .iter()
            .any(|p| p.file.ends_with("policies/beijing.toml")
                && p.area == bujiao::knowledge::Area::Policy
                && p.to_string().contains(": policy: ")
                && p.line > 1),
        "{problems:#?}"
    );
}

#[test]
fn supersedes_names_no_entry() {
    let faq = FIXTURE_FAQ.replace(
        "sources = [\"law:SIL-86\"]\neffective",
        "sources = [\"law:SIL-86\"]\nsupersedes = [\"late-fee-2019\"]\neffective",
    );
    let dir = with_faq(&faq);
    assert_one(
        &problems_of(&dir),
        "supersedes \"late-fee-2019\", which is not another FAQ entry",
        "faq/fixture.toml",
        16,
    );
}

#[test]
fn localizes_needs_a_region_and_a_national_entry() {
    let faq = FIXTURE_FAQ.replace(
        "sources = [\"law:SIL-86\"]\neffective",
        "sources = [\"law:SIL-86\"]\nlocalizes = [\"no-such-entry\"]\neffective",
    );
    let dir = with_faq(&faq);
    let messages: Vec<String> = problems_of(&dir).iter().map(|p| p.to_string()).collect();
    for needle in [
        "localizes national entries but names no region",
        "localizes \"no-such-entry\", which is not a national FAQ entry",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(needle)),
            "{needle}: {messages:?}"
        );
    }
}

#[test]
fn answer_opening_with_a_bare_yes_or_no_is_an_error() {
    // "不能。" answered the standard question of employer-waiver-invalid and contradicted its
    // similar questions that ask whether the worker can still claim.
    for opening in ["不能。", "可以，", "是的。", "一般不行。"] {
        let faq = FIXTURE_FAQ.replace(
            "answer = \"由兼并方补缴",
            &format!("answer = \"{opening}由兼并方补缴"),
        );
        let dir = with_faq(&faq);
        assert_one(
            &problems_of(&dir),
            "the answer opens with a bare",
            "faq/fixture.toml",
            2,
        );
    }
}

#[test]
fn no_real_answer_opens_with_a_bare_yes_or_no() {
    let (kb, _) = load(&crate::common::repo_knowledge()).unwrap();
    let bare: Vec<String> = kb
        .faqs
        .iter()
        .filter_map(|f| {
            bujiao::knowledge::bare_opening(&f.answer).map(|w| format!("{}: {w}", f.id))
        })
        .collect();
    assert!(bare.is_empty(), "{bare:?}");
    // The two the review found, now opening with the conclusion that holds for every phrasing.
    let waiver = kb.faq("employer-waiver-invalid").unwrap();
    assert!(
        waiver.answer.starts_with("“自愿放弃社保”的声明和约定无效"),
        "{}",
        waiver.answer
    );
    let probation = kb.faq("employer-probation-period").unwrap();
    assert!(
        probation.answer.starts_with("试用期也必须交社保"),
        "{}",
        probation.answer
    );
}

#[test]
fn expired_entry_is_a_warning_not_an_error() {
    let faq = FIXTURE_FAQ.replacen(
        "effective = \"2011-07-01\"",
        "effective = \"2011-07-01\"\nexpires = \"2026-06-30\"",
        1,
    );
    let dir = with_faq(&faq);
    let (kb, mut problems) = load(dir.path()).unwrap();
    problems.extend(validate(&kb));
    assert_eq!(
        problems,
        vec![],
        "an expired entry must not fail validation"
    );
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let warnings = bujiao::knowledge::warnings(&kb, today);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0]
            .message
            .contains("faq merged expired on 2026-06-30"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0]
        .to_string()
        .contains("faq/fixture.toml:2: warning:"));
    // Not expired yet: no warning.
    let before = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    assert!(bujiao::knowledge::warnings(&kb, before).is_empty());
    // The CLI still exits 0.
    let out = assert_cmd::Command::cargo_bin("bujiao")
        .unwrap()
        .args(["kb", "validate", "--knowledge"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn expires_before_effective_is_an_error() {
    let faq = FIXTURE_FAQ.replacen(
        "effective = \"2011-07-01\"",
        "effective = \"2011-07-01\"\nexpires = \"2010-12-31\"",
        1,
    );
    let dir = with_faq(&faq);
    assert_one(
        &problems_of(&dir),
        "`expires` is before `effective`",
        "faq/fixture.toml",
        2,
    );
}

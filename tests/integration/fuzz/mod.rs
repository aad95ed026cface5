//! Fuzzing without a nightly toolchain (#15): proptest properties over arbitrary and CJK-heavy
//! strings for normalisation + segmentation, masking, slot extraction, the number reader,
//! knowledge-file parsing and the calculators' request structs. No panic, plus invariants
//! (normalisation idempotent, tokens inside the text, masked text never shows an 11-digit mobile
//! number).
//!
//! Each property runs twice: `quick_*` with few cases in every `cargo test`, and `long_*` with many
//! more under `#[ignore]`, run before a release:
//!
//! ```sh
//! cargo test --release --test integration -- --ignored fuzz:: slots_props::     # minutes
//! ```
//!
//! A failure found there becomes a regression case: proptest writes its seed to
//! `tests/integration/fuzz/mod.proptest-regressions` (replayed first by the long run), and the input goes into
//! `regressions()` below in words.

use bujiao::calc::PolicySet;
use bujiao::calc_api::{CalcRequest, CALCULATORS};
use bujiao::dialogue::regions::RegionTable;
use bujiao::dialogue::slots::{extract_with, Context, SlotName};
use bujiao::text::{mask, normalize, Analyzer};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::sync::LazyLock;

static REGIONS: LazyLock<RegionTable> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge/dict/regions.toml");
    RegionTable::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap()
});

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge");
    let (kb, _) = bujiao::knowledge::load(std::path::Path::new(dir)).unwrap();
    Analyzer::new(&kb.dict)
});

static POLICIES: LazyLock<PolicySet> = LazyLock::new(|| {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge/policies");
    PolicySet::load_dir(dir).unwrap()
});

/// Text as citizens type it: mostly CJK, with the domain's words, digits (half- and full-width),
/// units, punctuation, emoji, invisible and bidi characters mixed in.
fn cjk_heavy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[\u{4e00}-\u{9fff}]{1,6}",
        3 => prop::sample::select(vec![
            "社保", "医保", "补缴", "补交", "断缴", "滞纳金", "养老保险", "灵活就业", "基数", "费率",
            "个月", "年", "天", "元", "万", "千", "百分之", "到", "至", "从", "起", "不是", "改成",
            "宁波", "北京", "天津", "深圳", "今年", "去年", "现在", "身份证", "电话", "號", "醫療",
        ]).prop_map(str::to_string),
        3 => "[0-9]{1,12}",
        1 => "[０-９]{1,4}",
        1 => "[零〇一二两三四五六七八九十百千万亿点半]{1,6}",
        2 => "[ ,.，。、？！%‰:/~\\-]{1,2}",
        1 => "[\u{200b}\u{200d}\u{202e}\u{2066}\u{feff}\u{0}\u{7}\u{1b}]",
        1 => "[😀🙏👨‍👩🇨🇳]",
        1 => "\\PC{1,3}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// Anything: arbitrary Unicode scalar values, control characters included.
fn anything() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "\\PC{0,60}", cjk_heavy()]
}

fn normalisation(s: &str) -> Result<(), TestCaseError> {
    let n = normalize(s);
    prop_assert_eq!(normalize(&n), n.clone(), "not idempotent for {:?}", s);
    prop_assert!(
        !n.starts_with(' ') && !n.ends_with(' ') && !n.contains("  "),
        "{:?}",
        n
    );
    for t in ANALYZER.tokens(&n) {
        prop_assert!(t.from <= t.to && t.to <= n.len(), "{:?} in {:?}", t.text, n);
        prop_assert!(n.is_char_boundary(t.from) && n.is_char_boundary(t.to));
        prop_assert!(!t.text.is_empty());
    }
    let _ = ANALYZER.query_terms(s);
    let _ = Analyzer::bigrams(s);
    Ok(())
}

fn masking(before: &str, phone: &str, after: &str) -> Result<(), TestCaseError> {
    // A mobile number not glued to other digits (they would make it part of a longer run, which
    // is masked too, but then the 11 digits may straddle the kept head or tail).
    let text = format!("{before} {phone} {after}");
    let masked = mask(&text);
    prop_assert!(!masked.contains(phone), "{:?} → {:?}", text, masked);
    prop_assert_eq!(masked.chars().count(), text.chars().count());
    prop_assert_eq!(
        mask(&masked),
        masked.clone(),
        "masking twice changes nothing"
    );
    // Through normalisation too: what is logged is the normalised, masked text.
    prop_assert!(!mask(&normalize(&text)).contains(phone));
    Ok(())
}

const EXPECTING: [Option<SlotName>; 8] = [
    None,
    Some(SlotName::Months),
    Some(SlotName::Base),
    Some(SlotName::Rate),
    Some(SlotName::Amount),
    Some(SlotName::Days),
    Some(SlotName::Years),
    Some(SlotName::From),
];

fn slots(s: &str, year: Option<i32>) -> Result<(), TestCaseError> {
    let n = normalize(s);
    for exp in EXPECTING {
        let context = Context { default_year: year };
        let e = extract_with(&n, exp, &REGIONS, context);
        if let Some(bujiao::calc::MonthsSpec::Count { months }) = e.slots.months {
            prop_assert!(
                months <= bujiao::text::numbers::MAX_MONTHS,
                "{:?} → {}",
                s,
                months
            );
        }
        if let Some(r) = e.slots.rate {
            prop_assert!(r > rust_decimal::Decimal::ZERO, "{:?} → rate {}", s, r);
        }
    }
    Ok(())
}

fn reader(s: &str, year: Option<i32>) -> Result<(), TestCaseError> {
    use bujiao::calc::input;
    use bujiao::text::numbers as n;
    let _ = (n::parse_number(s), n::parse_money(s), n::parse_count(s));
    let _ = (
        n::parse_months_in(s, year),
        n::parse_period_in(s, year),
        n::parse_days(s),
    );
    let _ = (n::parse_year_month_in(s, year), n::parse_date_in(s, year));
    let _ = (
        n::parse_month_day(s),
        n::parse_month_range(s),
        n::parse_duration_months(s),
    );
    let _ = (n::read_amount(s), n::read_months(s, year), n::read_days(s));
    let _ = (
        n::read_year_month(s, year),
        n::read_date(s, year),
        n::read_years(s),
    );
    let _ = (input::parse_base(s), input::parse_amount(s));
    if let Some(p) = n::parse_percent(s) {
        let _ = p;
    }
    if let Ok(r) = n::read_rate(s) {
        prop_assert!(
            r > rust_decimal::Decimal::ZERO && r <= rust_decimal::Decimal::ONE,
            "{:?} → {}",
            s,
            r
        );
    }
    if let Ok(r) = input::parse_rate(s) {
        prop_assert!(r <= rust_decimal::Decimal::ONE, "{:?} → {}", s, r);
    }
    if let Ok(bujiao::calc::MonthsSpec::Count { months }) = n::read_months(s, year) {
        prop_assert!(months <= n::MAX_MONTHS, "{:?} → {}", s, months);
    }
    if let Ok(d) = n::read_days(s) {
        prop_assert!(d <= n::MAX_DAYS, "{:?} → {}", s, d);
    }
    Ok(())
}

/// A FAQ file with generated field values (and, sometimes, raw generated text appended).
fn faq_toml(fields: &[String], tail: &str) -> String {
    let q = |s: &String| toml::Value::String(s.clone()).to_string();
    format!(
        "[[faq]]\nid = {}\nquestion = {}\nsimilar = [{}, {}]\nanswer = {}\ntags = [{}]\n\
         insurance = {}\naudience = [{}]\nregions = [{}]\nsources = [{}]\neffective = {}\n\
         updated = \"2026-11-25\"\nstatus = \"published\"\n{tail}",
        q(&fields[0]),
        q(&fields[1]),
        q(&fields[2]),
        q(&fields[3]),
        q(&fields[4]),
        q(&fields[5]),
        q(&fields[6]),
        q(&fields[7]),
        q(&fields[8]),
        q(&fields[9]),
        q(&fields[10]),
    )
}

fn knowledge_files(fields: &[String], tail: &str, garbage: &str) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w("faq/a.toml", &faq_toml(fields, tail));
    w("faq/b.toml", garbage);
    w(
        "articles/x.md",
        &format!("+++\ntitle = {:?}\n+++\n{garbage}", fields[1]),
    );
    w(
        "laws/l.toml",
        &format!("[[law]]\nid = {:?}\n{tail}", fields[0]),
    );
    w("dict/user.dict", &format!("{} 5 n\n{garbage}\n", fields[5]));
    w(
        "dict/synonyms.txt",
        &format!("{} {}\n{garbage}\n", fields[5], fields[6]),
    );
    w("dict/domain.toml", garbage);
    match bujiao::knowledge::load(dir.path()) {
        Ok((kb, _problems)) => {
            let _ = bujiao::knowledge::validate(&kb);
            let _ = bujiao::knowledge::warnings(
                &kb,
                chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            );
        }
        Err(e) => prop_assert!(!e.to_string().is_empty()),
    }
    Ok(())
}

/// A calculation request: each field absent, a generated string, or a number of any size.
fn calc_request() -> impl Strategy<Value = (usize, Vec<(usize, serde_json::Value)>)> {
    let value = prop_oneof![
        3 => cjk_heavy().prop_map(serde_json::Value::from),
        2 => prop::sample::select(vec![
            "5000", "20%", "3", "2024-02-30", "1900-01-01", "2024-03至2024-08", "150%", "0", "-1",
            "79228162514264337593543950335", "0.0000000000000000000000000001", "天津", "宜昌", "女",
            "resident", "employee", "flexible", "养老", "医疗", "最低档", "1e30", "2100-12-31",
        ]).prop_map(serde_json::Value::from),
        1 => any::<i64>().prop_map(serde_json::Value::from),
        1 => any::<u32>().prop_map(serde_json::Value::from),
        1 => any::<f64>().prop_map(|f| serde_json::json!(f)),
        1 => any::<bool>().prop_map(serde_json::Value::from),
    ];
    (
        0..CALCULATORS.len(),
        prop::collection::vec((0..FIELDS.len(), value), 0..8),
    )
}

const FIELDS: [&str; 24] = [
    "base",
    "rate",
    "months",
    "region",
    "insurance",
    "category",
    "annual_amount",
    "as_of",
    "amount",
    "days",
    "from",
    "to",
    "monthly",
    "due_day",
    "gender",
    "required_years",
    "paid_years",
    "deemed_years",
    "gap_years",
    "years_repaid",
    "exempt",
    "pay_date",
    "gap_from",
    "gap_days",
];

fn calculators(kind: usize, fields: &[(usize, serde_json::Value)]) -> Result<(), TestCaseError> {
    let mut body = serde_json::Map::new();
    for (f, v) in fields {
        body.insert(FIELDS[*f].to_string(), v.clone());
    }
    if let Ok(req) = CalcRequest::from_json(CALCULATORS[kind], serde_json::Value::Object(body)) {
        if let Ok(result) = req.run(&POLICIES) {
            let json = serde_json::to_value(&result).unwrap();
            prop_assert!(json.is_object());
        }
    }
    Ok(())
}

fn quick() -> Config {
    Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    }
}

fn long() -> Config {
    Config {
        cases: 20_000,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(quick())]
    #[test]
    fn quick_normalisation(s in anything()) { normalisation(&s)?; }
    #[test]
    fn quick_masking(a in cjk_heavy(), p in "1[3-9][0-9]{9}", b in cjk_heavy()) { masking(&a, &p, &b)?; }
    #[test]
    fn quick_slots(s in anything(), y in proptest::option::of(1900i32..2200)) { slots(&s, y)?; }
    #[test]
    fn quick_reader(s in anything(), y in proptest::option::of(-5000i32..5000)) { reader(&s, y)?; }
    #[test]
    fn quick_knowledge(f in prop::collection::vec(anything(), 11), t in anything(), g in anything()) {
        knowledge_files(&f, &t, &g)?;
    }
    #[test]
    fn quick_calculators((k, f) in calc_request()) { calculators(k, &f)?; }
}

proptest! {
    #![proptest_config(long())]
    #[test]
    #[ignore = "long-running fuzzing: cargo test --release --test integration -- --ignored fuzz:: slots_props::"]
    fn long_normalisation(s in anything()) { normalisation(&s)?; }
    #[test]
    #[ignore = "long-running fuzzing"]
    fn long_masking(a in cjk_heavy(), p in "1[3-9][0-9]{9}", b in cjk_heavy()) { masking(&a, &p, &b)?; }
    #[test]
    #[ignore = "long-running fuzzing"]
    fn long_slots(s in anything(), y in proptest::option::of(1900i32..2200)) { slots(&s, y)?; }
    #[test]
    #[ignore = "long-running fuzzing"]
    fn long_reader(s in anything(), y in proptest::option::of(-5000i32..5000)) { reader(&s, y)?; }
    #[test]
    #[ignore = "long-running fuzzing"]
    fn long_calculators((k, f) in calc_request()) { calculators(k, &f)?; }
}

proptest! {
    #![proptest_config(Config { cases: 2_000, ..Config::default() })]
    #[test]
    #[ignore = "long-running fuzzing"]
    fn long_knowledge(f in prop::collection::vec(anything(), 11), t in anything(), g in anything()) {
        knowledge_files(&f, &t, &g)?;
    }
}

/// Inputs the long runs found, kept as plain cases.
#[test]
fn regressions() {
    // zhconv maps 薴 → 苧 and 苧 → 苎: normalisation was not idempotent.
    normalisation("薴").unwrap();
    normalisation("").unwrap();
}

//! Property tests: every way of writing a number that people use parses to that number, and no
//! input, however odd, makes the extractor panic.

use std::sync::LazyLock;

use bujiao::calc::{MonthsSpec, YearMonth};
use bujiao::dialogue::numbers::{
    parse_date, parse_days, parse_months, parse_number, parse_percent, parse_years, DaysSpec,
};
use bujiao::dialogue::regions::RegionTable;
use bujiao::dialogue::slots::{extract, SlotName};
use chinese_number::{ChineseCase, ChineseCountMethod, ChineseVariant, NumberToChinese};
use proptest::prelude::*;
use rust_decimal::Decimal;

static REGIONS: LazyLock<RegionTable> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge/dict/regions.toml");
    RegionTable::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap()
});

/// How people write 1–99 in Chinese: 两 for a leading 2, no 一 before 十.
fn colloquial(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        2 => "两".into(),
        1..=9 => D[n as usize].into(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[(n % 10) as usize]),
        _ if n.is_multiple_of(10) => format!("{}十", D[(n / 10) as usize]),
        _ => format!("{}十{}", D[(n / 10) as usize], D[(n % 10) as usize]),
    }
}

fn formal(n: u64) -> String {
    n.to_chinese(
        ChineseVariant::Simple,
        ChineseCase::Lower,
        ChineseCountMethod::TenThousand,
    )
    .unwrap()
}

fn with_commas(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

proptest! {
    #[test]
    fn arabic_months_parse(n in 1u32..=120) {
        prop_assert_eq!(parse_months(&format!("{n}个月")), Some(MonthsSpec::Count { months: n }));
        let e = extract(&format!("补缴{n}个月"), None, &REGIONS);
        prop_assert_eq!(e.slots.months, Some(MonthsSpec::Count { months: n }));
        prop_assert!(e.problems.is_empty());
    }

    #[test]
    fn chinese_months_parse(n in 1u32..=99) {
        let want = Some(MonthsSpec::Count { months: n });
        prop_assert_eq!(parse_months(&format!("{}个月", colloquial(n))), want);
        prop_assert_eq!(parse_months(&format!("{}个月", formal(n.into()))), want);
        let e = extract(&format!("断了{}个月", colloquial(n)), None, &REGIONS);
        prop_assert_eq!(e.slots.months, want);
    }

    #[test]
    fn bare_answers_fill_the_expected_slot(n in 1u32..=120) {
        let e = extract(&n.to_string(), Some(SlotName::Months), &REGIONS);
        prop_assert_eq!(e.slots.months, Some(MonthsSpec::Count { months: n }));
        let e = extract(&n.to_string(), Some(SlotName::Days), &REGIONS);
        prop_assert_eq!(e.slots.days, Some(n));
    }

    #[test]
    fn numbers_in_any_notation(n in 0u64..100_000_000) {
        let d = Decimal::from(n);
        prop_assert_eq!(parse_number(&n.to_string()), Some(d));
        prop_assert_eq!(parse_number(&with_commas(n)), Some(d));
        prop_assert_eq!(parse_number(&formal(n)), Some(d));
    }

    #[test]
    fn thousands_and_ten_thousands_with_units(a in 1u64..=9, b in 1u64..=9) {
        // 5千, 2千5 (2500), 1万2 (12000), 1.2万
        prop_assert_eq!(parse_number(&format!("{a}千")), Some(Decimal::from(a * 1000)));
        prop_assert_eq!(parse_number(&format!("{a}千{b}")), Some(Decimal::from(a * 1000 + b * 100)));
        prop_assert_eq!(parse_number(&format!("{a}万{b}")), Some(Decimal::from(a * 10_000 + b * 1000)));
        prop_assert_eq!(parse_number(&format!("{a}.{b}万")), Some(Decimal::from(a * 10_000 + b * 1000)));
        prop_assert_eq!(
            parse_number(&format!("{}万{}", colloquial(a as u32), colloquial(b as u32))),
            Some(Decimal::from(a * 10_000 + b * 1000))
        );
    }

    #[test]
    fn percents_are_fractions(n in 1u32..=100, tenth in 0u32..=9) {
        let want = Decimal::new(i64::from(n * 10 + tenth), 3);
        prop_assert_eq!(parse_percent(&format!("{n}.{tenth}%")), Some(want));
        prop_assert_eq!(parse_percent(&format!("百分之{}点{}", formal(n.into()), tenth)), Some(want));
        prop_assert_eq!(parse_percent(&format!("{n}%")), Some(Decimal::new(i64::from(n), 2)));
    }

    #[test]
    fn days_and_years(n in 1u32..=60) {
        prop_assert_eq!(parse_days(&format!("{n}天")), Some(DaysSpec::Days(n)));
        prop_assert_eq!(parse_days(&format!("{}个月", colloquial(n))), Some(DaysSpec::Months(n)));
        prop_assert_eq!(parse_years(&format!("{n}年")), Some(Decimal::from(n)));
        prop_assert_eq!(parse_years(&format!("{}年半", colloquial(n))), Some(Decimal::from(n) + Decimal::new(5, 1)));
        let e = extract(&format!("交了{n}年"), None, &REGIONS);
        prop_assert_eq!(e.slots.paid_years, Some(Decimal::from(n)));
    }

    #[test]
    fn periods_count_inclusive_months(y in 2000i32..2030, m1 in 1u32..=12, len in 1u32..=24) {
        let end = (m1 - 1 + len - 1) as i32;
        let to = YearMonth { year: y + end / 12, month: (end % 12) as u32 + 1 };
        let from = YearMonth { year: y, month: m1 };
        let text = format!("{}年{}月到{}年{}月", from.year, from.month, to.year, to.month);
        prop_assert_eq!(parse_months(&text), Some(MonthsSpec::Period { from, to }));
        let e = extract(&format!("补缴{text}的养老保险"), None, &REGIONS);
        prop_assert_eq!(e.slots.months, Some(MonthsSpec::Period { from, to }));
        prop_assert!(e.slots.amount.is_none());
    }

    #[test]
    fn dates_round_trip(y in 2000i32..2030, m in 1u32..=12, d in 1u32..=28) {
        let want = chrono::NaiveDate::from_ymd_opt(y, m, d);
        prop_assert_eq!(parse_date(&format!("{y}年{m}月{d}日")), want);
        prop_assert_eq!(parse_date(&format!("{y}-{m:02}-{d:02}")), want);
        let e = extract(&format!("{y}年{m}月{d}日开始欠费"), None, &REGIONS);
        prop_assert_eq!(e.slots.from, want);
        prop_assert!(e.slots.amount.is_none() && e.slots.months.is_none() && e.slots.days.is_none());
    }

    #[test]
    fn phone_numbers_are_never_values(rest in "[0-9]{9}", head in "1[3-9]") {
        let e = extract(&format!("我的电话{head}{rest}"), None, &REGIONS);
        prop_assert!(e.slots.is_empty(), "{:?}", e.slots);
        prop_assert!(e.problems.is_empty());
    }

    #[test]
    fn never_panics_on_anything(s in "\\PC{0,40}") {
        for exp in [None, Some(SlotName::Months), Some(SlotName::Base), Some(SlotName::Days)] {
            let _ = extract(&s, exp, &REGIONS);
        }
    }

    #[test]
    fn never_panics_on_number_soup(s in "[0-9零一二两三四五六七八九十百千万点半年个月天元%.,基数费率欠了交断补到至 -]{0,30}") {
        for exp in [None, Some(SlotName::Months), Some(SlotName::Rate), Some(SlotName::Amount), Some(SlotName::Years)] {
            let _ = extract(&s, exp, &REGIONS);
        }
        let _ = parse_number(&s);
        let _ = parse_percent(&s);
        let _ = parse_months(&s);
        let _ = parse_days(&s);
        let _ = parse_years(&s);
        let _ = parse_date(&s);
    }
}

proptest! {
    /// The one reader (and the calculators' layer over it) never panics, whatever it is given.
    #[test]
    fn the_reader_never_panics(s in "\\PC{0,40}", year in proptest::option::of(-5000i32..5000)) {
        use bujiao::calc::input;
        use bujiao::text::numbers as n;
        let _ = (n::parse_number(&s), n::parse_money(&s), n::parse_percent(&s), n::parse_count(&s));
        let _ = (n::parse_months_in(&s, year), n::parse_period_in(&s, year), n::parse_days(&s));
        let _ = (n::parse_year_month_in(&s, year), n::parse_date_in(&s, year), n::parse_years(&s));
        let _ = (n::parse_month_day(&s), n::parse_month_range(&s), n::parse_duration_months(&s));
        let _ = (n::read_rate(&s), n::read_amount(&s), n::read_months(&s, year), n::read_days(&s));
        let _ = (n::read_year_month(&s, year), n::read_date(&s, year), n::read_years(&s));
        let _ = (input::parse_rate(&s), input::parse_base(&s), input::parse_amount(&s));
        let _ = (input::parse_months_in(&s, year), input::parse_date_in(&s, year));
    }

    #[test]
    fn the_reader_never_panics_on_number_soup(
        s in "[0-9０-９零〇一二两三四五六七八九十百千万亿点半年个月日号天元块%‰.,，kw负至到 -]{0,30}",
        year in proptest::option::of(1900i32..2200),
    ) {
        use bujiao::text::numbers as n;
        let _ = (n::read_rate(&s), n::read_amount(&s), n::read_months(&s, year), n::read_days(&s));
        let _ = (n::read_year_month(&s, year), n::read_date(&s, year), n::read_years(&s));
        let _ = n::parse_percent(&s);
    }
}

//! Integration tests of the calculation module through its public API: every real policy file in
//! `knowledge/policies` loads, the hand-worked vectors hold on the real data, and property tests
//! check the invariants (total = sum of lines, monotonic in months and base, late fee linear in days).
use bujiao::calc::input::{parse_base, parse_months, parse_rate};
use bujiao::calc::*;
use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::sync::OnceLock;

const POLICY_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge/policies");

fn policies() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(|| {
        PolicySet::load_dir(POLICY_DIR).unwrap_or_else(|problems| {
            panic!(
                "policy files do not load:\n{}",
                problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    })
}

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

fn sum_of_lines(r: &CalcResult) -> Money {
    r.lines.iter().filter_map(|l| l.amount).sum()
}

#[test]
fn every_real_policy_file_loads() {
    let set = policies();
    let names: Vec<&str> = set.regions().iter().map(|r| r.name).collect();
    for city in [
        "北京", "上海", "广州", "深圳", "天津", "杭州", "宁波", "武汉", "成都", "宜昌", "珠海",
        "南通",
    ] {
        assert!(names.contains(&city), "{city} missing from {names:?}");
        let r = set.region(&format!("{city}市")).expect("alias with 市");
        assert_eq!(r.region, city);
        assert!(!r.national);
    }
    let national = set.national();
    assert_eq!(national.late_fee.as_ref().unwrap().daily_rate, dec!(0.0005));
    assert!(national.resident_waiting.is_some());
    assert!(!national.gap_rules.is_empty());
    // Every file is a region or the national defaults; nothing else lies in the folder.
    let files = std::fs::read_dir(POLICY_DIR)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count();
    assert_eq!(files, names.len() + 1);
}

#[test]
fn fixture_copies_still_load() {
    let files = [
        (
            "national.toml",
            include_str!("../../src/calc/testdata/national.toml"),
        ),
        (
            "beijing.toml",
            include_str!("../../src/calc/testdata/beijing.toml"),
        ),
        (
            "yichang.toml",
            include_str!("../../src/calc/testdata/yichang.toml"),
        ),
    ];
    let set = PolicySet::from_strs(&files).unwrap();
    assert_eq!(set.regions().len(), 2);
}

#[test]
fn brief_vectors_on_real_data() {
    let set = policies();
    // base 3000 × 20% × 6 = 3600.00
    let r = contribution(
        &ContributionInput {
            base: Some(BaseSpec::Amount(dec!(3000))),
            rate: Some(dec!(0.2)),
            months: Some(MonthsSpec::Count { months: 6 }),
            insurance: Some(Insurance::Pension),
            category: Some(Category::Flexible),
            ..Default::default()
        },
        set,
    )
    .unwrap();
    assert_eq!(r.total.unwrap().to_string(), "3600.00");
    // late fee 10000 × 0.05% × 30 = 150.00
    let fee = |amount, days| {
        late_fee(
            &LateFeeInput {
                amount: Some(amount),
                days: Some(days),
                ..Default::default()
            },
            set,
        )
        .unwrap()
        .total
        .unwrap()
        .to_string()
    };
    assert_eq!(fee(dec!(10000), 30), "150.00");
    assert_eq!(fee(dec!(3333.33), 3), "5.00");
    assert_eq!(fee(dec!(10010), 1), "5.01");
    assert_eq!(days_late(d(2024, 1, 15), d(2024, 3, 1)), 46);
    assert_eq!(days_late(d(2024, 2, 28), d(2024, 3, 1)), 2);
    assert_eq!(days_late(d(2023, 2, 28), d(2023, 3, 1)), 1);
    // Beijing: 2000 is clamped to the 2024 floor 6821 → 1364.20 a month
    let r = contribution(
        &ContributionInput {
            base: Some(BaseSpec::Amount(dec!(2000))),
            months: Some(MonthsSpec::Period {
                from: YearMonth {
                    year: 2024,
                    month: 9,
                },
                to: YearMonth {
                    year: 2025,
                    month: 2,
                },
            }),
            region: Some("北京".into()),
            insurance: Some(Insurance::Pension),
            category: Some(Category::Flexible),
            as_of: Some(d(2025, 3, 1)),
            ..Default::default()
        },
        set,
    )
    .unwrap();
    assert_eq!(r.total.unwrap().to_string(), "8185.20");
    assert!(!r.warnings.is_empty());
    // Guangzhou: 60% = the published floor 5500 for employee pension
    let r = contribution(
        &ContributionInput {
            base: Some(BaseSpec::Grade(dec!(0.6))),
            months: Some(MonthsSpec::Count { months: 1 }),
            region: Some("广州".into()),
            insurance: Some(Insurance::Pension),
            category: Some(Category::Employee),
            as_of: Some(d(2025, 1, 1)),
            ..Default::default()
        },
        set,
    )
    .unwrap();
    assert_eq!(r.total.unwrap().to_string(), "1320.00"); // 5500 × 16% + 5500 × 8%
}

#[test]
fn real_retiree_and_waiting_rules() {
    let set = policies();
    let r = retiree_topup(
        &RetireeInput {
            region: Some("深圳".into()),
            paid_years: Some(dec!(22)),
            base: Some(BaseSpec::Amount(dec!(8000))),
            rate: Some(dec!(0.08)),
            ..Default::default()
        },
        set,
    )
    .unwrap();
    assert_eq!(r.total.unwrap().to_string(), "23040.00"); // 36 × 8000 × 8%
    let e = retiree_topup(
        &RetireeInput {
            region: Some("广州".into()),
            paid_years: Some(dec!(10)),
            ..Default::default()
        },
        set,
    )
    .unwrap_err();
    assert_eq!(
        e.slot(),
        Some(SlotName::RequiredYears),
        "Guangzhou's years are unverified: ask"
    );
    let r = waiting_period(
        &WaitingInput {
            category: Some(Category::Employee),
            region: Some("南通".into()),
            gap_months: Some(5),
            pay_date: Some(d(2025, 6, 10)),
            ..Default::default()
        },
        set,
    )
    .unwrap();
    match &r.detail {
        Detail::WaitingPeriod(w) => {
            assert_eq!(w.coverage_from, Some(d(2025, 7, 1)));
            assert!(!w.retroactive);
        }
        _ => panic!(),
    }
    assert!(r.to_text().contains("南通规定"));
}

#[test]
fn parsed_inputs_feed_the_calculators() {
    let set = policies();
    let r = contribution(
        &ContributionInput {
            base: Some(parse_base("最低档").unwrap()),
            rate: None,
            months: Some(parse_months("2025年7月到2025年12月").unwrap()),
            region: Some("上海市".into()),
            insurance: Some(Insurance::Pension),
            category: Some(Category::Flexible),
            as_of: Some(d(2025, 12, 1)),
            annual_amount: None,
        },
        set,
    )
    .unwrap();
    assert_eq!(r.total.unwrap().to_string(), "8952.00"); // 7460 × 20% × 6
    assert_eq!(parse_rate("百分之八点五").unwrap(), dec!(0.085));
}

fn flexible(base: Decimal, rate: Decimal, months: u32, region: Option<&str>) -> CalcResult {
    contribution(
        &ContributionInput {
            base: Some(BaseSpec::Amount(base)),
            rate: Some(rate),
            months: Some(MonthsSpec::Count { months }),
            region: region.map(String::from),
            insurance: Some(Insurance::Pension),
            category: Some(Category::Flexible),
            as_of: Some(d(2025, 1, 1)),
            annual_amount: None,
        },
        policies(),
    )
    .unwrap()
}

fn employee(base: Decimal, months: u32) -> CalcResult {
    contribution(
        &ContributionInput {
            base: Some(BaseSpec::Amount(base)),
            months: Some(MonthsSpec::Count { months }),
            region: Some("北京".into()),
            insurance: Some(Insurance::Pension),
            category: Some(Category::Employee),
            as_of: Some(d(2025, 1, 1)),
            ..Default::default()
        },
        policies(),
    )
    .unwrap()
}

fn fee(amount: Decimal, days: u32) -> Decimal {
    late_fee(
        &LateFeeInput {
            amount: Some(amount),
            days: Some(days),
            ..Default::default()
        },
        policies(),
    )
    .unwrap()
    .total
    .unwrap()
    .value()
}

fn cents() -> impl Strategy<Value = Decimal> {
    (1i64..=10_000_000).prop_map(|c| Decimal::new(c, 2))
}

fn rate() -> impl Strategy<Value = Decimal> {
    (1i64..=10_000).prop_map(|bp| Decimal::new(bp, 4))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn total_is_the_sum_of_the_lines(base in cents(), r in rate(), months in 1u32..=600) {
        let res = flexible(base, r, months, None);
        prop_assert_eq!(res.total, Some(sum_of_lines(&res)));
        prop_assert_eq!(res.total.unwrap(), Money::round(base * r * Decimal::from(months)));
        let res = employee(base, months);
        prop_assert_eq!(res.total, Some(sum_of_lines(&res)));
        prop_assert_eq!(res.lines.iter().filter(|l| l.amount.is_some()).count(), 2);
    }

    #[test]
    fn monotonic_in_months(base in cents(), r in rate(), months in 1u32..=599) {
        prop_assert!(flexible(base, r, months, None).total <= flexible(base, r, months + 1, None).total);
        prop_assert!(employee(base, months).total <= employee(base, months + 1).total);
    }

    #[test]
    fn monotonic_in_base(base in cents(), extra in cents(), r in rate(), months in 1u32..=120) {
        prop_assert!(flexible(base, r, months, None).total <= flexible(base + extra, r, months, None).total);
        // also with clamping to Beijing's floor and ceiling
        prop_assert!(flexible(base, r, months, Some("北京")).total <= flexible(base + extra, r, months, Some("北京")).total);
        prop_assert!(employee(base, months).total <= employee(base + extra, months).total);
    }

    #[test]
    fn late_fee_is_linear_in_days(amount in cents(), a in 0u32..=5000, b in 0u32..=5000) {
        let exact = |days: u32| amount * dec!(0.0005) * Decimal::from(days);
        prop_assert_eq!(fee(amount, a), round_cents(exact(a)));
        // rounding once per result: additivity holds to within one cent
        let gap = (fee(amount, a + b) - fee(amount, a) - fee(amount, b)).abs();
        prop_assert!(gap <= dec!(0.01), "gap {}", gap);
        prop_assert!(fee(amount, a) <= fee(amount, a + b));
    }

    #[test]
    fn late_fee_from_dates_matches_days(amount in cents(), start in 0i64..5000, len in 0i64..3000) {
        let due = d(2011, 7, 1) + chrono::Duration::days(start);
        let paid = due + chrono::Duration::days(len);
        let r = late_fee(&LateFeeInput { amount: Some(amount), due_date: Some(due), pay_date: Some(paid), days: None }, policies()).unwrap();
        prop_assert_eq!(r.total.unwrap().value(), fee(amount, len as u32));
    }

    #[test]
    fn schedule_total_is_the_sum_of_the_lines(amount in cents(), n in 1u32..=36, due_day in 1u32..=31, after in 0i64..400) {
        let from = YearMonth { year: 2023, month: 1 };
        let to = YearMonth { year: 2023 + ((n - 1) / 12) as i32, month: (n - 1) % 12 + 1 };
        let pay = d(2026, 1, 1) + chrono::Duration::days(after);
        let r = late_fee_schedule(&LateFeeScheduleInput::uniform(from, to, amount, due_day, pay), policies()).unwrap();
        prop_assert_eq!(r.lines.len() as u32, n);
        prop_assert_eq!(r.total, Some(sum_of_lines(&r)));
    }

    #[test]
    fn resident_waiting_bounds(gap in 0u32..=20, repaid_frac in 0u32..=100) {
        let repaid = gap * repaid_frac / 100;
        let months = |g: u32, r: u32| {
            let res = waiting_period(&WaitingInput {
                category: Some(Category::Resident),
                gap_years: Some(g),
                years_repaid: Some(r),
                pay_date: Some(d(2025, 3, 1)),
                ..Default::default()
            }, policies()).unwrap();
            match res.detail { Detail::WaitingPeriod(w) => w.waiting_months.unwrap(), _ => unreachable!() }
        };
        let m = months(gap, repaid);
        prop_assert!(m >= 3);
        if gap >= 4 { prop_assert!(m >= 6); }
        prop_assert!(m <= 3 + gap);
        prop_assert!(months(gap + 1, repaid) >= m, "more gap never shortens the wait");
        if repaid < gap { prop_assert!(months(gap, repaid + 1) <= m, "paying a year never lengthens it"); }
    }

    #[test]
    fn percent_strings_round_trip(bp in 1i64..=10_000) {
        let r = Decimal::new(bp, 4);
        let text = format!("{}%", (r * dec!(100)).normalize());
        prop_assert_eq!(parse_rate(&text).unwrap(), r.normalize());
    }
}

#[test]
fn errors_a_citizen_understands() {
    let set = policies();
    let e = contribution(&ContributionInput::default(), set).unwrap_err();
    assert_eq!(e.slot(), Some(SlotName::Insurance));
    assert!(e.to_string().starts_with("还需要知道险种"));
    let e = contribution(
        &ContributionInput {
            region: Some("火星".into()),
            ..Default::default()
        },
        set,
    );
    // insurance is asked first; the unknown region comes once it matters
    assert_eq!(e.unwrap_err().slot(), Some(SlotName::Insurance));
    let e = late_fee(
        &LateFeeInput {
            amount: Some(dec!(1000)),
            due_date: Some(d(2010, 12, 31)),
            pay_date: Some(d(2012, 1, 1)),
            days: None,
        },
        set,
    )
    .unwrap_err();
    assert!(e.to_string().contains("2011年7月1日"));
    for e in [
        CalcError::ReversedDates {
            from: "2024年8月".into(),
            to: "2024年3月".into(),
        },
        CalcError::UnknownRegion("火星".into()),
        CalcError::Absurd {
            field: SlotName::Base,
            value: "2000000.00".into(),
            limit: "不应超过 1000000 元".into(),
        },
    ] {
        let text = e.to_string();
        assert!(
            text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{text}"
        );
    }
}

#[test]
fn chengdu_reports_both_conditions_and_never_charges_someone_who_may_qualify() {
    // 成都: 20 years in total OR 15 unbroken years in 成都. 16 years paid may well be 16
    // continuous years: the result must not ask for 4 more years of money.
    let set = policies();
    let r = retiree_topup(
        &RetireeInput {
            region: Some("成都".into()),
            paid_years: Some(dec!(16)),
            ..Default::default()
        },
        set,
    )
    .unwrap();
    assert_eq!(r.total, None, "no charge when the alternative may be met");
    let text = r.to_text();
    assert!(text.contains("连续不间断缴费满 15 年"), "{text}");
    assert!(text.contains("累计缴费满 20 年"), "{text}");
    assert!(text.contains("无需补缴"), "{text}");
    // 12 years paid cannot be 15 continuous: the 20-year rule applies, and asks for the base.
    let e = retiree_topup(
        &RetireeInput {
            region: Some("成都".into()),
            paid_years: Some(dec!(12)),
            ..Default::default()
        },
        set,
    )
    .unwrap_err();
    assert_eq!(e.slot(), Some(SlotName::Base));
}

#[test]
fn same_city_gap_without_a_local_rule_gets_the_national_frame_not_a_national_rule() {
    // 天津 has no gap rule: the 2021 transfer rules must not be applied as if they governed a
    // same-city gap (cover from the payment month, gap costs reimbursable).
    let r = waiting_period(
        &WaitingInput {
            category: Some(Category::Employee),
            region: Some("天津".into()),
            gap_months: Some(2),
            pay_date: Some(d(2025, 6, 10)),
            ..Default::default()
        },
        policies(),
    )
    .unwrap();
    match &r.detail {
        Detail::WaitingPeriod(w) => {
            assert!(!w.retroactive);
            assert_eq!((w.waiting_months, w.coverage_from), (None, None));
            assert!(w.rule.contains("暂未收录天津"), "{}", w.rule);
            assert!(w.rule.contains("只适用于跨统筹地区转移接续"), "{}", w.rule);
        }
        _ => panic!(),
    }
    let text = r.to_text();
    assert!(!text.contains("国家规定：断缴不超过"), "{text}");
    assert!(!text.contains("预计开始享受待遇"), "{text}");
}

//! Late fees (滞纳金) on arrears: amount × 0.05% × days, simple interest (Social Insurance Law
//! art. 86), for one amount or a month-by-month arrears schedule summed line by line. Days are the
//! calendar difference between the due date and the payment date. Arrears due before 2011-07-01
//! are refused with an explanation (see [`CalcError::BeforeSocialInsuranceLaw`]).
use crate::field::SlotName;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use super::contribution::check_amount;
use super::error::CalcError;
use super::money::{fmt_amount, fmt_rate, Money};
use super::policy::{LateFeeRule, PolicySet};
use super::result::{fmt_date, CalcKind, CalcResult, Detail, LateFeeDetail, Line, SourceRef};
use super::types::YearMonth;

/// Arrears above this (1 billion yuan) are treated as a typo.
pub const MAX_ARREARS: Decimal = dec!(1000000000);
/// More days than this (100 years) is treated as a typo: the one limit of the number reader.
pub use crate::text::numbers::{MAX_DAYS, MAX_MONTHS};

/// A late fee on one amount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateFeeInput {
    /// The arrears (本金) in yuan.
    pub amount: Option<Decimal>,
    /// Days late, if the citizen gave them directly.
    pub days: Option<u32>,
    /// The day the contribution was due (slot "from").
    pub due_date: Option<NaiveDate>,
    /// The day it is (or will be) paid (slot "to").
    pub pay_date: Option<NaiveDate>,
}

/// One month of a month-by-month arrears schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleItem {
    /// The contribution month (for the label and, with `due_day`, the due date).
    pub month: Option<YearMonth>,
    pub amount: Decimal,
    /// The due date; overrides `month` + `due_day`.
    pub due_date: Option<NaiveDate>,
}

/// A month-by-month arrears schedule paid on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateFeeScheduleInput {
    pub items: Vec<ScheduleItem>,
    /// Day of the contribution month by which it is due (e.g. 15); a day past the month's end
    /// means its last day (31 → 30 April, 29 February 2024).
    pub due_day: Option<u32>,
    pub pay_date: Option<NaiveDate>,
}

impl LateFeeScheduleInput {
    /// The same amount owed for every month from `from` to `to` (inclusive).
    pub fn uniform(
        from: YearMonth,
        to: YearMonth,
        monthly_amount: Decimal,
        due_day: u32,
        pay_date: NaiveDate,
    ) -> Self {
        let mut items = Vec::new();
        let mut ym = from;
        while ym <= to && items.len() < MAX_MONTHS as usize {
            items.push(ScheduleItem {
                month: Some(ym),
                amount: monthly_amount,
                due_date: None,
            });
            ym = if ym.month == 12 {
                YearMonth {
                    year: ym.year + 1,
                    month: 1,
                }
            } else {
                YearMonth {
                    year: ym.year,
                    month: ym.month + 1,
                }
            };
        }
        LateFeeScheduleInput {
            items,
            due_day: Some(due_day),
            pay_date: Some(pay_date),
        }
    }
}

/// Days between the due date and the payment date (calendar difference; 2024-01-15 → 2024-03-01
/// is 46 days). A payment on or before the due date is 0 days.
pub fn days_late(due: NaiveDate, paid: NaiveDate) -> u32 {
    u32::try_from((paid - due).num_days().max(0)).unwrap_or(u32::MAX)
}

fn rule(policies: &PolicySet) -> Result<&LateFeeRule, CalcError> {
    policies.national().late_fee.as_ref().ok_or_else(|| {
        CalcError::Unsupported("滞纳金标准未加载，暂时无法计算，请稍后再试。".into())
    })
}

fn check_due(rule: &LateFeeRule, due: NaiveDate) -> Result<(), CalcError> {
    if due < rule.from {
        return Err(CalcError::BeforeSocialInsuranceLaw { due });
    }
    Ok(())
}

fn common_notes(result: &mut CalcResult, rule: &LateFeeRule) {
    result.assume(format!(
        "滞纳金自欠缴之日起按日加收{}，按单利计算，不计复利。",
        fmt_rate(rule.daily_rate)
    ));
    result.assume("用人单位欠缴产生的滞纳金由单位承担，单位不得要求职工承担。");
    result.add_source(rule.cite.to_source_ref());
    result.add_source(SourceRef {
        id: "doc:rsbl-20".into(),
        title: "社会保险费申报缴纳管理规定（人社部令第20号）第十一条".into(),
        year: Some(2013),
    });
}

/// The late fee on one amount.
pub fn late_fee(input: &LateFeeInput, policies: &PolicySet) -> Result<CalcResult, CalcError> {
    let rule = rule(policies)?;
    let amount = input.amount.ok_or_else(|| {
        CalcError::missing(
            SlotName::Amount,
            "请告诉我欠缴的社保费金额（本金，不含滞纳金）。",
        )
    })?;
    let amount = check_amount(SlotName::Amount, amount, MAX_ARREARS)?;
    let (days, warnings) = days_for(input, rule)?;
    if days > MAX_DAYS {
        return Err(CalcError::OutOfRange {
            field: SlotName::Days,
            value: days.to_string(),
            reason: "超过100年，请核对天数或日期。".into(),
        });
    }
    let mut result = CalcResult::new(
        CalcKind::LateFee,
        "社保费滞纳金测算",
        Detail::LateFee(LateFeeDetail {
            principal: Money::round(amount),
            daily_rate: fmt_rate(rule.daily_rate),
            days: Some(days),
            due_date: input.due_date,
            pay_date: input.pay_date,
            items: 1,
        }),
    );
    result.policy = Some(policies.national().policy_ref());
    push_fee_line(input, rule, amount, days, &mut result);
    if days == 0 {
        result.assume("没有逾期，不产生滞纳金。");
    }
    for w in warnings {
        result.warn(w);
    }
    common_notes(&mut result, rule);
    result.sum_lines();
    Ok(result)
}

/// Days late: from the two dates when both are known (a different count the citizen gave is
/// overruled, with a warning returned), else the count given.
fn days_for(input: &LateFeeInput, rule: &LateFeeRule) -> Result<(u32, Vec<String>), CalcError> {
    let mut warnings = Vec::new();
    let days = match (input.due_date, input.pay_date) {
        (Some(due), Some(paid)) => {
            check_due(rule, due)?;
            if paid < due {
                return Err(CalcError::ReversedDates {
                    from: fmt_date(due),
                    to: fmt_date(paid),
                });
            }
            let d = days_late(due, paid);
            if let Some(given) = input.days {
                if given != d {
                    warnings.push(format!(
                        "您说的 {given} 天与日期推算的 {d} 天不一致，已按日期计算。"
                    ));
                }
            }
            d
        }
        (due, paid) => match input.days {
            Some(d) => {
                if let Some(due) = due {
                    check_due(rule, due)?;
                }
                d
            }
            None => return Err(missing_days(due, paid)),
        },
    };
    Ok((days, warnings))
}

/// Neither the days nor both dates: ask for whichever is missing.
fn missing_days(due: Option<NaiveDate>, paid: Option<NaiveDate>) -> CalcError {
    match (due, paid) {
        (Some(_), None) => CalcError::missing(
            SlotName::To,
            "请告诉我实际缴纳（或打算缴纳）的日期，例如 2024-03-01。",
        ),
        (None, Some(_)) => CalcError::missing(
            SlotName::From,
            "请告诉我这笔费用原本应缴的日期（缴费截止日），例如 2024-01-15。",
        ),
        _ => CalcError::missing(
            SlotName::Days,
            "请告诉我逾期了多少天，或者应缴日期和实际缴纳日期。",
        ),
    }
}

/// amount × daily rate × days, with the dates among its inputs when they are known.
fn push_fee_line(
    input: &LateFeeInput,
    rule: &LateFeeRule,
    amount: Decimal,
    days: u32,
    result: &mut CalcResult,
) {
    let mut line =
        fee_line("滞纳金", rule, amount, days).input("日滞纳金率", fmt_rate(rule.daily_rate));
    if let (Some(due), Some(paid)) = (input.due_date, input.pay_date) {
        line = line
            .input("应缴日期", due.to_string())
            .input("缴纳日期", paid.to_string());
        result.assume(format!(
            "天数按应缴日期 {} 到缴纳日期 {} 的日历天数差计算，共 {} 天。",
            fmt_date(due),
            fmt_date(paid),
            days
        ));
    } else {
        result.assume("未提供应缴日期，按2011年7月1日《社会保险法》施行后的标准计算。");
    }
    line = line
        .input("天数", days.to_string())
        .amount(Money::round(amount * rule.daily_rate * Decimal::from(days)));
    result.lines.push(line);
}

/// A late-fee line's formula (amount × daily rate × days) with the amount among its inputs.
fn fee_line(label: impl Into<String>, rule: &LateFeeRule, amount: Decimal, days: u32) -> Line {
    Line::new(
        label,
        format!(
            "{} × {} × {}",
            fmt_amount(amount),
            fmt_rate(rule.daily_rate),
            days
        ),
    )
    .input("欠缴金额", fmt_amount(amount))
}

/// The late fee of a month-by-month arrears schedule: each month with its own due date, all paid
/// on one day; one line per month, the total is their sum.
pub fn late_fee_schedule(
    input: &LateFeeScheduleInput,
    policies: &PolicySet,
) -> Result<CalcResult, CalcError> {
    let rule = rule(policies)?;
    let paid = schedule_pay_date(input)?;
    let mut lines = Vec::new();
    let mut principal = Decimal::ZERO;
    let mut not_due = 0usize;
    for (i, item) in input.items.iter().enumerate() {
        let (line, amount, days) = schedule_line(i, item, input.due_day, paid, rule)?;
        principal += amount;
        if days == 0 {
            not_due += 1;
        }
        lines.push(line);
    }
    let mut result = CalcResult::new(
        CalcKind::LateFee,
        "社保费滞纳金测算（逐月）",
        Detail::LateFee(LateFeeDetail {
            principal: Money::round(principal),
            daily_rate: fmt_rate(rule.daily_rate),
            days: None,
            due_date: None,
            pay_date: Some(paid),
            items: input.items.len(),
        }),
    );
    result.policy = Some(policies.national().policy_ref());
    result.lines = lines;
    result.assume(format!(
        "每个月的欠费从各自的应缴日期起算到 {} 为止，逐月计算后相加，每行四舍五入到分。",
        fmt_date(paid)
    ));
    if not_due > 0 {
        result.assume(format!(
            "有 {not_due} 个月在缴纳日还没到应缴日期，不产生滞纳金。"
        ));
    }
    common_notes(&mut result, rule);
    result.sum_lines();
    Ok(result)
}

/// Checks a schedule has months, a payment day and a plausible due day; returns the payment day.
fn schedule_pay_date(input: &LateFeeScheduleInput) -> Result<NaiveDate, CalcError> {
    if input.items.is_empty() {
        return Err(CalcError::missing(
            SlotName::Amount,
            "请告诉我欠缴的是哪几个月、每个月欠多少钱。",
        ));
    }
    let paid = input.pay_date.ok_or_else(|| {
        CalcError::missing(
            SlotName::To,
            "请告诉我实际缴纳（或打算缴纳）的日期，例如 2024-03-01。",
        )
    })?;
    if let Some(d) = input.due_day {
        if !(1..=31).contains(&d) {
            return Err(CalcError::OutOfRange {
                field: SlotName::From,
                value: d.to_string(),
                reason: "缴费截止日应是每月的1到31日。".into(),
            });
        }
    }
    Ok(paid)
}

/// One month of a schedule: its line, its checked amount and its days late.
fn schedule_line(
    i: usize,
    item: &ScheduleItem,
    due_day: Option<u32>,
    paid: NaiveDate,
    rule: &LateFeeRule,
) -> Result<(Line, Decimal, u32), CalcError> {
    let amount = check_amount(SlotName::Amount, item.amount, MAX_ARREARS)?;
    let due = item_due_date(item, due_day)?;
    check_due(rule, due)?;
    let days = days_late(due, paid);
    if days > MAX_DAYS {
        return Err(CalcError::OutOfRange {
            field: SlotName::Days,
            value: days.to_string(),
            reason: "超过100年，请核对日期。".into(),
        });
    }
    let label = match item.month {
        Some(ym) => format!("{}年{}月欠费", ym.year, ym.month),
        None => format!("第{}笔欠费", i + 1),
    };
    let line = fee_line(label, rule, amount, days)
        .input("应缴日期", due.to_string())
        .input("缴纳日期", paid.to_string())
        .input("天数", days.to_string())
        .amount(Money::round(amount * rule.daily_rate * Decimal::from(days)));
    Ok((line, amount, days))
}

/// A month's due date: its own, else its month's due day (a day past the month's end meaning
/// the last day).
fn item_due_date(item: &ScheduleItem, due_day: Option<u32>) -> Result<NaiveDate, CalcError> {
    match (item.due_date, item.month, due_day) {
        (Some(d), _, _) => Ok(d),
        (None, Some(ym), Some(day)) => ym.day_or_last(day).ok_or_else(|| CalcError::OutOfRange {
            field: SlotName::Months,
            value: ym.to_string(),
            reason: "月份应在1到12之间。".into(),
        }),
        _ => Err(CalcError::missing(
            SlotName::From,
            "请告诉我每个月的缴费截止日（例如每月15日），或每笔欠费的应缴日期。",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::policy::testdata;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    fn fee(amount: Decimal, days: u32) -> String {
        let r = late_fee(
            &LateFeeInput {
                amount: Some(amount),
                days: Some(days),
                ..Default::default()
            },
            &testdata::policies(),
        )
        .unwrap();
        r.total.unwrap().to_string()
    }

    #[test]
    fn hand_worked_fees() {
        assert_eq!(fee(dec!(10000), 30), "150.00");
        // 3333.33 × 0.05% × 3 = 4.999995 → 5.00
        assert_eq!(fee(dec!(3333.33), 3), "5.00");
        // exactly half a cent: 10010 × 0.05% × 1 = 5.005 → 5.01 (half-up, not banker's 5.00)
        assert_eq!(fee(dec!(10010), 1), "5.01");
        // 1001 × 0.05% × 1 = 0.5005 → 0.50
        assert_eq!(fee(dec!(1001), 1), "0.50");
        assert_eq!(fee(dec!(5000), 0), "0.00");
        // 12345.67 × 0.0005 = 6.172835; × 365 = 2253.084775 → 2253.08
        assert_eq!(fee(dec!(12345.67), 365), "2253.08");
    }

    #[test]
    fn calendar_days() {
        assert_eq!(days_late(d(2024, 1, 15), d(2024, 3, 1)), 46);
        assert_eq!(
            days_late(d(2024, 2, 28), d(2024, 3, 1)),
            2,
            "2024 is a leap year"
        );
        assert_eq!(days_late(d(2023, 2, 28), d(2023, 3, 1)), 1);
        assert_eq!(days_late(d(2024, 1, 31), d(2024, 2, 29)), 29);
        assert_eq!(days_late(d(2023, 12, 31), d(2024, 12, 31)), 366);
        assert_eq!(days_late(d(2024, 3, 1), d(2024, 2, 1)), 0);
    }

    #[test]
    fn from_dates() {
        let set = testdata::policies();
        let r = late_fee(
            &LateFeeInput {
                amount: Some(dec!(10000)),
                due_date: Some(d(2024, 1, 15)),
                pay_date: Some(d(2024, 3, 1)),
                days: None,
            },
            &set,
        )
        .unwrap();
        assert_eq!(r.total.unwrap().to_string(), "230.00");
        assert_eq!(r.lines[0].formula, "10000.00 × 0.05% × 46");
        assert!(r.sources.iter().any(|s| s.id == "law:SIL-86"));
        assert!(r.assumptions.iter().any(|a| a.contains("单利")));
        // days that disagree with the dates: the dates win, with a warning
        let r = late_fee(
            &LateFeeInput {
                amount: Some(dec!(10000)),
                due_date: Some(d(2024, 1, 15)),
                pay_date: Some(d(2024, 3, 1)),
                days: Some(45),
            },
            &set,
        )
        .unwrap();
        assert_eq!(r.total.unwrap().to_string(), "230.00");
        assert_eq!(r.warnings.len(), 1);
        // due exactly on 2011-07-01 is fine
        let r = late_fee(
            &LateFeeInput {
                amount: Some(dec!(1000)),
                due_date: Some(d(2011, 7, 1)),
                pay_date: Some(d(2011, 7, 11)),
                days: None,
            },
            &set,
        )
        .unwrap();
        assert_eq!(r.total.unwrap().to_string(), "5.00");
    }

    #[test]
    fn refuses_and_asks() {
        let set = testdata::policies();
        let run = |amount, days, due, pay| {
            late_fee(
                &LateFeeInput {
                    amount,
                    days,
                    due_date: due,
                    pay_date: pay,
                },
                &set,
            )
            .unwrap_err()
        };
        let e = run(
            Some(dec!(1000)),
            None,
            Some(d(2011, 6, 30)),
            Some(d(2012, 1, 1)),
        );
        assert_eq!(
            e,
            CalcError::BeforeSocialInsuranceLaw {
                due: d(2011, 6, 30)
            }
        );
        assert!(e.to_string().contains("千分之二"));
        let e = run(Some(dec!(1000)), Some(10), Some(d(2009, 1, 1)), None);
        assert!(matches!(e, CalcError::BeforeSocialInsuranceLaw { .. }));
        assert!(matches!(
            run(
                Some(dec!(1000)),
                None,
                Some(d(2024, 3, 1)),
                Some(d(2024, 1, 15))
            ),
            CalcError::ReversedDates { .. }
        ));
        assert_eq!(
            run(None, Some(3), None, None).slot(),
            Some(SlotName::Amount)
        );
        assert_eq!(
            run(Some(dec!(1000)), None, None, None).slot(),
            Some(SlotName::Days)
        );
        assert_eq!(
            run(Some(dec!(1000)), None, Some(d(2024, 1, 1)), None).slot(),
            Some(SlotName::To)
        );
        assert_eq!(
            run(Some(dec!(1000)), None, None, Some(d(2024, 1, 1))).slot(),
            Some(SlotName::From)
        );
        assert!(matches!(
            run(Some(dec!(-5)), Some(3), None, None),
            CalcError::Negative { .. }
        ));
        assert!(matches!(
            run(Some(dec!(0)), Some(3), None, None),
            CalcError::Zero { .. }
        ));
        assert!(matches!(
            run(Some(dec!(1000)), Some(40000), None, None),
            CalcError::OutOfRange {
                field: SlotName::Days,
                ..
            }
        ));
    }

    #[test]
    fn schedule_month_by_month() {
        let set = testdata::policies();
        let ym = |year, month| YearMonth { year, month };
        // 15th of each month, paid 2024-04-15: 91, 60 and 31 days.
        let r = late_fee_schedule(
            &LateFeeScheduleInput::uniform(
                ym(2024, 1),
                ym(2024, 3),
                dec!(1000),
                15,
                d(2024, 4, 15),
            ),
            &set,
        )
        .unwrap();
        let amounts: Vec<String> = r
            .lines
            .iter()
            .map(|l| l.amount.unwrap().to_string())
            .collect();
        assert_eq!(amounts, ["45.50", "30.00", "15.50"]);
        assert_eq!(r.total.unwrap().to_string(), "91.00");
        assert_eq!(r.lines[0].label, "2024年1月欠费");
        match &r.detail {
            Detail::LateFee(dt) => {
                assert_eq!(dt.principal.to_string(), "3000.00");
                assert_eq!(dt.items, 3);
            }
            _ => panic!(),
        }
        // month ends: due day 31 → 31 Jan, 29 Feb 2024; paid 31 Mar: 60 and 31 days
        let r = late_fee_schedule(
            &LateFeeScheduleInput::uniform(
                ym(2024, 1),
                ym(2024, 2),
                dec!(2000),
                31,
                d(2024, 3, 31),
            ),
            &set,
        )
        .unwrap();
        assert_eq!(r.lines[1].inputs[1].value, "2024-02-29");
        assert_eq!(r.total.unwrap().to_string(), "91.00");
        // rounded per line: two lines of 5.005 → 5.01 each = 10.02 (not 10.01)
        let items = vec![
            ScheduleItem {
                month: None,
                amount: dec!(10010),
                due_date: Some(d(2024, 5, 1)),
            },
            ScheduleItem {
                month: None,
                amount: dec!(10010),
                due_date: Some(d(2024, 5, 1)),
            },
        ];
        let r = late_fee_schedule(
            &LateFeeScheduleInput {
                items,
                due_day: None,
                pay_date: Some(d(2024, 5, 2)),
            },
            &set,
        )
        .unwrap();
        assert_eq!(r.total.unwrap().to_string(), "10.02");
        // a month not yet due costs nothing
        let r = late_fee_schedule(
            &LateFeeScheduleInput::uniform(ym(2024, 3), ym(2024, 4), dec!(1000), 15, d(2024, 4, 1)),
            &set,
        )
        .unwrap();
        assert_eq!(r.lines[1].amount.unwrap().to_string(), "0.00");
        assert_eq!(r.total.unwrap().to_string(), "8.50");
    }

    #[test]
    fn schedule_errors() {
        let set = testdata::policies();
        let ym = |year, month| YearMonth { year, month };
        let e = late_fee_schedule(&LateFeeScheduleInput::default(), &set).unwrap_err();
        assert_eq!(e.slot(), Some(SlotName::Amount));
        let mut inp =
            LateFeeScheduleInput::uniform(ym(2024, 1), ym(2024, 2), dec!(1000), 15, d(2024, 4, 1));
        inp.pay_date = None;
        assert_eq!(
            late_fee_schedule(&inp, &set).unwrap_err().slot(),
            Some(SlotName::To)
        );
        let mut inp =
            LateFeeScheduleInput::uniform(ym(2024, 1), ym(2024, 2), dec!(1000), 15, d(2024, 4, 1));
        inp.due_day = None;
        assert_eq!(
            late_fee_schedule(&inp, &set).unwrap_err().slot(),
            Some(SlotName::From)
        );
        let inp =
            LateFeeScheduleInput::uniform(ym(2011, 5), ym(2011, 8), dec!(1000), 15, d(2012, 1, 1));
        assert!(matches!(
            late_fee_schedule(&inp, &set).unwrap_err(),
            CalcError::BeforeSocialInsuranceLaw { .. }
        ));
    }
}

//! Retiree medical top-up (退休医保补缴): Social Insurance Law art. 27 lets each region set how many
//! years of employee medical insurance a retiree needs to stop paying; whoever is short may pay the
//! rest. This works out the months short (required years by region and gender, minus actual plus
//! deemed years, respecting a minimum of actually-paid years) and prices them as monthly base ×
//! rate × months. Region tables give the years; base and rate come from the citizen unless the
//! region table sets them, because no verified regional figure exists for most places.
use crate::field::SlotName;
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use super::contribution::{check_rate, resolve_base};
use super::error::CalcError;
use super::money::{fmt_amount, fmt_num, fmt_rate, Money};
use super::policy::{PolicySet, RegionPolicy, RetireeMedical};
use super::result::{CalcKind, CalcResult, Detail, Line, RetireeDetail, SourceRef};
use super::types::{BaseSpec, Category, Gender, Insurance};

/// What the citizen told us about a retiree medical top-up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetireeInput {
    pub region: Option<String>,
    pub gender: Option<Gender>,
    /// Required years; overrides the region table.
    pub required_years: Option<u32>,
    /// Years actually paid (may be fractional: 18.5).
    pub paid_years: Option<Decimal>,
    /// Deemed years (视同缴费年限, before personal accounts existed). None = 0.
    pub deemed_years: Option<Decimal>,
    /// Monthly base of the top-up; overrides the region rule.
    pub base: Option<BaseSpec>,
    /// Rate of the top-up as a fraction; overrides the region rule.
    pub rate: Option<Decimal>,
    /// The date whose policy figures apply. None = the latest.
    pub as_of: Option<NaiveDate>,
}

fn check_years(value: Decimal) -> Result<Decimal, CalcError> {
    if value < Decimal::ZERO {
        return Err(CalcError::Negative {
            field: SlotName::PaidYears,
            value: fmt_num(value),
        });
    }
    if value > dec!(60) {
        return Err(CalcError::OutOfRange {
            field: SlotName::PaidYears,
            value: fmt_num(value),
            reason: "缴费年限不会超过60年，请核对。".into(),
        });
    }
    Ok(value)
}

/// Calculates a retiree medical top-up.
pub fn retiree_topup(input: &RetireeInput, policies: &PolicySet) -> Result<CalcResult, CalcError> {
    let region = policies.resolve(input.region.as_deref())?;
    let table = region.and_then(|r| r.retiree_medical.as_ref());
    let mut result = new_result(region.unwrap_or(policies.national()));
    let required = required_years(input, region, table, &mut result)?;
    let (paid, deemed_used) = years_counted(input, table, &mut result)?;
    let (short, formula) = months_short(required, paid, deemed_used, region, table, &mut result);
    if short == 0 {
        push_years_met(required, paid, deemed_used, &mut result);
        return Ok(result);
    }
    result.lines.push(
        Line::new("缺缴月数", formula)
            .input("规定年限", required.to_string())
            .input("实际缴费年限", fmt_num(paid))
            .input("视同缴费年限", fmt_num(deemed_used)),
    );
    if alternative_may_be_met(required, paid, short, region, table, &mut result) {
        return Ok(result);
    }
    let (base, rate) = topup_base_and_rate(input, region, table, short, &mut result)?;
    let n = Decimal::from(short);
    result.lines.push(
        Line::new(
            "一次性补缴",
            format!("{} × {} × {}", fmt_amount(base), fmt_rate(rate), short),
        )
        .input("补缴基数", fmt_amount(base))
        .input("补缴比例", fmt_rate(rate))
        .input("月数", short.to_string())
        .amount(Money::round(base * rate * n)),
    );
    result.assume("也有地区允许退休后按月继续缴费直到缴满年限，可向当地医保经办机构（12393）咨询哪种方式更合适。");
    if let Detail::RetireeTopup(d) = &mut result.detail {
        d.monthly_base = Some(Money::round(base));
        d.rate = Some(fmt_rate(rate));
    }
    result.sum_lines();
    Ok(result)
}

/// An empty top-up result citing the policy and art. 27, which leaves the years to the regions.
fn new_result(policy: &RegionPolicy) -> CalcResult {
    let mut result = CalcResult::new(
        CalcKind::RetireeTopup,
        "退休人员医保补缴测算",
        Detail::RetireeTopup(RetireeDetail {
            required_months: 0,
            paid_months: 0,
            short_months: 0,
            monthly_base: None,
            rate: None,
        }),
    );
    result.policy = Some(policy.policy_ref());
    result.add_source(SourceRef {
        id: "law:SIL-27".into(),
        title: "《中华人民共和国社会保险法》第二十七条".into(),
        year: Some(2011),
    });
    result
}

/// Required years: explicit, or the region table by gender.
fn required_years(
    input: &RetireeInput,
    region: Option<&RegionPolicy>,
    table: Option<&RetireeMedical>,
    result: &mut CalcResult,
) -> Result<u32, CalcError> {
    match (input.required_years, region, table) {
        (Some(y), _, _) => {
            if y == 0 || y > 50 {
                return Err(CalcError::OutOfRange {
                    field: SlotName::RequiredYears,
                    value: y.to_string(),
                    reason: "规定的缴费年限一般在15到30年之间，请核对。".into(),
                });
            }
            result.assume(format!("按您提供的规定年限 {y} 年计算。"));
            Ok(y)
        }
        (None, None, _) => Err(CalcError::missing(
            SlotName::Region,
            "退休后医保要缴满多少年由各地规定，请告诉我参保城市。",
        )),
        (None, Some(r), None) => Err(CalcError::missing(
            SlotName::RequiredYears,
            format!(
                "暂未核实{}退休人员医保需要缴满多少年，请告诉我当地规定的年限（可咨询12393）。",
                r.region
            ),
        )),
        (None, Some(r), Some(t)) => {
            let y = if t.gendered() {
                let g = input.gender.ok_or_else(|| {
                    CalcError::missing(
                        SlotName::Gender,
                        format!("{}男女要求的年限不同，请告诉我您的性别。", r.region),
                    )
                })?;
                result.assume(format!(
                    "{}规定{}性需缴满 {} 年。",
                    r.region,
                    g.label_zh(),
                    t.years_for(g)
                ));
                t.years_for(g)
            } else {
                result.assume(format!("{}规定需缴满 {} 年。", r.region, t.male_years));
                t.male_years
            };
            result.add_source(t.cite.to_source_ref());
            if let Some(note) = &t.note {
                result.assume(note.clone());
            }
            Ok(y)
        }
    }
}

/// The years that count: those actually paid, and the deemed years unless the region leaves them
/// out.
fn years_counted(
    input: &RetireeInput,
    table: Option<&RetireeMedical>,
    result: &mut CalcResult,
) -> Result<(Decimal, Decimal), CalcError> {
    let paid = check_years(input.paid_years.ok_or_else(|| {
        CalcError::missing(
            SlotName::PaidYears,
            "请告诉我已经实际缴纳职工医保多少年（不含视同缴费年限）。",
        )
    })?)?;
    let counts_deemed = table.is_none_or(|t| t.counts_deemed);
    let deemed = match input.deemed_years {
        Some(d) => check_years(d)?,
        None => {
            result.assume("未提供视同缴费年限，按 0 年计算。");
            Decimal::ZERO
        }
    };
    let deemed_used = if counts_deemed {
        deemed
    } else {
        if !deemed.is_zero() {
            result.assume("当地规定视同缴费年限不计入，已不计算。");
        }
        Decimal::ZERO
    };
    Ok((paid, deemed_used))
}

/// The months short (a part month counts as a whole one) and the formula that gives them: the
/// required years less the years counted, or the region's minimum of actually paid years when
/// that is more.
fn months_short(
    required: u32,
    paid: Decimal,
    deemed_used: Decimal,
    region: Option<&RegionPolicy>,
    table: Option<&RetireeMedical>,
    result: &mut CalcResult,
) -> (u32, String) {
    let required_months = required * 12;
    let paid_months = ((paid + deemed_used) * dec!(12))
        .floor()
        .to_u32()
        .unwrap_or(0);
    let total_short_exact = (Decimal::from(required) - paid - deemed_used) * dec!(12);
    let mut short = if total_short_exact > Decimal::ZERO {
        total_short_exact.ceil().to_u32().unwrap_or(0)
    } else {
        0
    };
    let mut formula = format!(
        "({} − {} − {}) × 12 = {} 个月",
        required,
        fmt_num(paid),
        fmt_num(deemed_used),
        fmt_num(total_short_exact.max(Decimal::ZERO))
    );
    if let Some(min_actual) = table.and_then(|t| t.min_actual_years) {
        let actual_short = (Decimal::from(min_actual) - paid) * dec!(12);
        if actual_short > Decimal::from(short) {
            short = actual_short.ceil().to_u32().unwrap_or(0);
            formula = format!(
                "实际缴费须满 {} 年：({} − {}) × 12 = {} 个月",
                min_actual,
                min_actual,
                fmt_num(paid),
                fmt_num(actual_short)
            );
        }
        result.assume(format!(
            "当地要求其中实际缴费（不含视同）至少 {min_actual} 年。"
        ));
    }
    if let Some(local) = table.and_then(|t| t.min_local_years) {
        result.warn(format!(
            "{}另要求在本地实际缴费满 {} 年（外地转入人员尤其要注意），请一并核对本地缴费年限。",
            region.map(|r| r.region.as_str()).unwrap_or("当地"),
            local
        ));
    }
    if total_short_exact.fract() != Decimal::ZERO && short > 0 {
        result.assume("不足一个月的部分按一个月计算。");
    }
    if let Detail::RetireeTopup(d) = &mut result.detail {
        d.required_months = required_months;
        d.paid_months = paid_months;
        d.short_months = short;
    }
    (short, formula)
}

/// Nothing short: one line saying so, and the result is complete.
fn push_years_met(required: u32, paid: Decimal, deemed_used: Decimal, result: &mut CalcResult) {
    result.lines.push(
        Line::new(
            "缴费年限已满足",
            format!(
                "{} + {} ≥ {} 年，无需补缴",
                fmt_num(paid),
                fmt_num(deemed_used),
                required
            ),
        )
        .input("规定年限", required.to_string())
        .input("实际缴费年限", fmt_num(paid))
        .input("视同缴费年限", fmt_num(deemed_used))
        .amount(Money::ZERO),
    );
    result.sum_lines();
}

/// An alternative condition (成都: or 15 unbroken years in 成都). Whoever has actually paid that
/// long may meet it; we cannot see continuity, so report both and charge nothing (true: the result
/// is complete). Whoever has not is told the alternative is out of reach.
fn alternative_may_be_met(
    required: u32,
    paid: Decimal,
    short: u32,
    region: Option<&RegionPolicy>,
    table: Option<&RetireeMedical>,
    result: &mut CalcResult,
) -> bool {
    let Some(alt) = table.and_then(|t| t.or_continuous_local_years) else {
        return false;
    };
    let place = region.map(|r| r.region.as_str()).unwrap_or("当地");
    if paid >= Decimal::from(alt) {
        result.lines.push(Line::new(
            "另一条件",
            format!("在{place}连续不间断缴费满 {alt} 年的，已满足条件，无需补缴"),
        ));
        result.warn(format!(
            "{place}满足两个条件之一即可：累计缴费满 {required} 年，或在{place}连续不间断缴费满 {alt} 年。您实际缴费 {} 年：如果其中在{place}连续不间断缴费已满 {alt} 年，就不用补缴；不满足的，按累计 {required} 年还差 {short} 个月，补缴金额以{place}医保经办机构核定为准。",
            fmt_num(paid)
        ));
        return true;
    }
    result.assume(format!(
        "{place}的另一条件是在{place}连续不间断缴费满 {alt} 年；您实际缴费不足 {alt} 年，只能按累计 {required} 年计算。"
    ));
    false
}

/// Base and rate of the top-up: explicit, or the region rule; asked for (with the months short)
/// when neither gives them.
fn topup_base_and_rate(
    input: &RetireeInput,
    region: Option<&RegionPolicy>,
    table: Option<&RetireeMedical>,
    short: u32,
    result: &mut CalcResult,
) -> Result<(Decimal, Decimal), CalcError> {
    let spec = match (input.base, table.and_then(|t| t.base_grade)) {
        (Some(b), _) => b,
        (None, Some(g)) => BaseSpec::Grade(g),
        (None, None) => {
            return Err(CalcError::missing(
                SlotName::Base,
                format!(
                    "还差 {short} 个月。补缴基数各地规定不同（有的按退休时本人工资，有的按社平工资的一定比例），请告诉我补缴基数（元/月）。"
                ),
            ))
        }
    };
    let base = resolve_base(
        spec,
        region,
        Insurance::Medical,
        Category::Employee,
        input.as_of,
        result,
    )?;
    let rate = match (input.rate, table.and_then(|t| t.rate)) {
        (Some(r), _) => check_rate(r)?,
        (None, Some(r)) => r,
        (None, None) => {
            return Err(CalcError::missing(
                SlotName::Rate,
                format!(
                    "还差 {short} 个月。一次性补缴的比例各地不同（有的要同时补单位和个人两部分），请告诉我当地规定的补缴比例（例如 10%）。"
                ),
            ))
        }
    };
    Ok((base, rate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::policy::testdata;

    fn inp(
        region: &str,
        gender: Option<Gender>,
        paid: Decimal,
        deemed: Option<Decimal>,
    ) -> RetireeInput {
        RetireeInput {
            region: Some(region.into()),
            gender,
            paid_years: Some(paid),
            deemed_years: deemed,
            base: Some(BaseSpec::Amount(dec!(6000))),
            rate: Some(dec!(0.1)),
            ..Default::default()
        }
    }

    fn short(r: &CalcResult) -> u32 {
        match &r.detail {
            Detail::RetireeTopup(d) => d.short_months,
            _ => panic!(),
        }
    }

    #[test]
    fn hand_worked_topups() {
        let set = testdata::policies();
        // Beijing, man, 20 years paid: (25 − 20) × 12 = 60 months × 6000 × 10% = 36000.00
        let r = retiree_topup(&inp("北京", Some(Gender::Male), dec!(20), None), &set).unwrap();
        assert_eq!(short(&r), 60);
        assert_eq!(r.total.unwrap().to_string(), "36000.00");
        assert_eq!(r.lines[1].formula, "6000.00 × 10% × 60");
        assert!(
            r.warnings.iter().any(|w| w.contains("10 年")),
            "min local years reported"
        );
        // Beijing, woman, 20 years: nothing to pay
        let r = retiree_topup(
            &inp("北京", Some(Gender::Female), dec!(12), Some(dec!(8))),
            &set,
        )
        .unwrap();
        assert_eq!(short(&r), 0);
        assert_eq!(r.total.unwrap().to_string(), "0.00");
        // Tianjin, woman, 3 actual + 16 deemed: total short 12 months, but actual must reach 5 years → 24
        let r = retiree_topup(
            &inp("天津", Some(Gender::Female), dec!(3), Some(dec!(16))),
            &set,
        )
        .unwrap();
        assert_eq!(short(&r), 24);
        assert_eq!(r.total.unwrap().to_string(), "14400.00");
        // Shanghai 15 years for everyone: 12.5 paid → 30 months
        let r = retiree_topup(&inp("上海", None, dec!(12.5), None), &set).unwrap();
        assert_eq!(short(&r), 30);
        // fractions of a month count as a whole month: (15 − 12.3) × 12 = 32.4 → 33
        let r = retiree_topup(&inp("上海", None, dec!(12.3), None), &set).unwrap();
        assert_eq!(short(&r), 33);
        assert!(r.assumptions.iter().any(|a| a.contains("不足一个月")));
        // half-up: 3333.33 × 9% × 1 = 299.9997 → 300.00
        let r = retiree_topup(
            &RetireeInput {
                required_years: Some(15),
                base: Some(BaseSpec::Amount(dec!(3333.33))),
                rate: Some(dec!(0.09)),
                paid_years: Some(dec!(14) + dec!(11) / dec!(12)),
                region: None,
                ..inp("上海", None, dec!(0), None)
            },
            &set,
        )
        .unwrap();
        assert_eq!(short(&r), 1);
        assert_eq!(r.total.unwrap().to_string(), "300.00");
    }

    #[test]
    fn asks_and_refuses() {
        let set = testdata::policies();
        let field = |i: RetireeInput| match retiree_topup(&i, &set) {
            Err(CalcError::Missing { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(inp("北京", None, dec!(20), None)), SlotName::Gender);
        assert_eq!(
            field(RetireeInput {
                region: None,
                ..inp("北京", None, dec!(20), None)
            }),
            SlotName::Region
        );
        assert_eq!(
            field(inp("武汉", Some(Gender::Male), dec!(20), None)),
            SlotName::RequiredYears
        );
        assert_eq!(
            field(RetireeInput {
                paid_years: None,
                ..inp("上海", None, dec!(20), None)
            }),
            SlotName::PaidYears
        );
        assert_eq!(
            field(RetireeInput {
                base: None,
                ..inp("上海", None, dec!(10), None)
            }),
            SlotName::Base
        );
        assert_eq!(
            field(RetireeInput {
                rate: None,
                ..inp("上海", None, dec!(10), None)
            }),
            SlotName::Rate
        );
        // an explicit number of years works without a region
        let r = retiree_topup(
            &RetireeInput {
                region: None,
                required_years: Some(25),
                ..inp("x", None, dec!(20), None)
            },
            &set,
        )
        .unwrap();
        assert_eq!(r.total.unwrap().to_string(), "36000.00");
        let err = |i| retiree_topup(&i, &set).unwrap_err();
        assert!(matches!(
            err(inp("上海", None, dec!(-1), None)),
            CalcError::Negative { .. }
        ));
        assert!(matches!(
            err(inp("上海", None, dec!(70), None)),
            CalcError::OutOfRange { .. }
        ));
        assert!(matches!(
            err(RetireeInput {
                rate: Some(dec!(2)),
                ..inp("上海", None, dec!(10), None)
            }),
            CalcError::RateTooHigh { .. }
        ));
        assert!(matches!(
            err(inp("火星", None, dec!(10), None)),
            CalcError::UnknownRegion(_)
        ));
    }
}

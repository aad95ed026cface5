//! Contribution back-payment: base × rate × months, the most common question ("补缴半年养老要多少钱").
//! The base may be an amount or a grade of the local average wage and is clamped to the region's
//! floor and ceiling (with a warning); the rate may be given or looked up by insurance and category;
//! months may be a count or a period. Explicit inputs always win over the policy tables.
use crate::field::SlotName;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use super::error::CalcError;
use super::money::{fmt_amount, fmt_num, fmt_rate, round_cents, Money};
use super::policy::{Fit, PolicySet, RateEntry, RateKind, RegionPolicy};
use super::result::{fmt_year_month, CalcKind, CalcResult, ContributionDetail, Detail, Line};
use super::types::{BaseSpec, Category, Insurance, MonthsSpec, YearMonth};

/// A monthly base above this is treated as a typo, not a base.
pub const MAX_MONTHLY_BASE: Decimal = dec!(1000000);
/// More months than this (50 years) is not a back-payment: the one limit of the number reader.
pub use crate::text::numbers::MAX_MONTHS;

/// What the citizen told us about a contribution back-payment. Every field is optional; a missing
/// one that the policy cannot supply comes back as [`CalcError::Missing`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionInput {
    pub base: Option<BaseSpec>,
    /// Combined rate as a fraction (0.2 = 20%); overrides the policy.
    pub rate: Option<Decimal>,
    pub months: Option<MonthsSpec>,
    pub region: Option<String>,
    pub insurance: Option<Insurance>,
    pub category: Option<Category>,
    /// Resident schemes: the yearly personal contribution (元/年); overrides the policy.
    pub annual_amount: Option<Decimal>,
    /// The date whose policy figures apply (normally the payment date). None = the latest figures.
    pub as_of: Option<NaiveDate>,
}

/// A resolved number of months and, for a period, its ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Months {
    pub count: u32,
    pub from: Option<YearMonth>,
    pub to: Option<YearMonth>,
}

pub(crate) fn resolve_months(spec: Option<&MonthsSpec>) -> Result<Months, CalcError> {
    let spec = spec.ok_or_else(|| {
        CalcError::missing(
            SlotName::Months,
            "请告诉我要补缴几个月（例如“6个月”），或起止月份（例如“2024年3月到2024年8月”）。",
        )
    })?;
    match *spec {
        MonthsSpec::Count { months } => {
            if months == 0 {
                return Err(CalcError::Zero {
                    field: SlotName::Months,
                });
            }
            if months > MAX_MONTHS {
                return Err(CalcError::OutOfRange {
                    field: SlotName::Months,
                    value: months.to_string(),
                    reason: "超过50年（600个月），请核对月数。".into(),
                });
            }
            Ok(Months {
                count: months,
                from: None,
                to: None,
            })
        }
        MonthsSpec::Period { from, to } => {
            for ym in [from, to] {
                if !ym.is_valid()
                    || !(crate::text::numbers::MIN_YEAR..=crate::text::numbers::MAX_YEAR)
                        .contains(&ym.year)
                {
                    return Err(CalcError::OutOfRange {
                        field: SlotName::Months,
                        value: format!("{}-{}", ym.year, ym.month),
                        reason: "月份应在1到12之间。".into(),
                    });
                }
            }
            if from > to {
                return Err(CalcError::ReversedDates {
                    from: fmt_year_month(from),
                    to: fmt_year_month(to),
                });
            }
            let count = u32::try_from(to.index() - from.index() + 1).unwrap_or(u32::MAX);
            if count > MAX_MONTHS {
                return Err(CalcError::OutOfRange {
                    field: SlotName::Months,
                    value: count.to_string(),
                    reason: "超过50年（600个月），请核对起止月份。".into(),
                });
            }
            Ok(Months {
                count,
                from: Some(from),
                to: Some(to),
            })
        }
    }
}

/// base × rate × months when the citizen gave an amount and a rate but not the insurance or their
/// category: no policy lookup, no personal-account split, and the result says so.
fn explicit_only(
    input: &ContributionInput,
    base: Decimal,
    rate: Decimal,
) -> Result<CalcResult, CalcError> {
    let base = check_amount(SlotName::Base, base, MAX_MONTHLY_BASE)?;
    let rate = check_rate(rate)?;
    let months = resolve_months(input.months.as_ref())?;
    let per_month = Money::round(base * rate);
    let amount = Money::round(base * rate * Decimal::from(months.count));
    let mut result = CalcResult::new(
        CalcKind::Contribution,
        "社保补缴测算",
        Detail::Contribution(ContributionDetail {
            insurance: input.insurance,
            category: input.category,
            monthly_base: Some(Money::round(base)),
            rate: Some(fmt_rate(rate)),
            months: months.count,
            from: months.from,
            to: months.to,
            per_month,
            personal_account: None,
            base_clamped: false,
        }),
    );
    result.lines.push(
        Line::new(
            "补缴金额",
            format!(
                "{} × {} × {}",
                fmt_amount(base),
                fmt_rate(rate),
                months.count
            ),
        )
        .input("缴费基数（元/月）", fmt_amount(base))
        .input("缴费比例", fmt_rate(rate))
        .input("月数", months.count.to_string())
        .amount(amount),
    );
    result.assume("按您提供的缴费基数和比例直接计算；未说明险种和参保身份，没有按当地基数上下限核对，也没有拆分单位和个人部分。");
    result.sum_lines();
    Ok(result)
}

/// A fraction the citizen gave (a rate, a grade of the average wage) must be above zero.
fn positive_fraction(field: SlotName, v: Decimal) -> Result<(), CalcError> {
    if v < Decimal::ZERO {
        return Err(CalcError::Negative {
            field,
            value: fmt_rate(v),
        });
    }
    if v.is_zero() {
        return Err(CalcError::Zero { field });
    }
    Ok(())
}

/// Checks a rate given by the citizen (fraction).
pub(crate) fn check_rate(rate: Decimal) -> Result<Decimal, CalcError> {
    positive_fraction(SlotName::Rate, rate)?;
    if rate > Decimal::ONE {
        return Err(CalcError::RateTooHigh {
            value: fmt_rate(rate),
        });
    }
    Ok(rate)
}

/// Checks a money amount given by the citizen.
pub(crate) fn check_amount(
    field: SlotName,
    value: Decimal,
    limit: Decimal,
) -> Result<Decimal, CalcError> {
    if value < Decimal::ZERO {
        return Err(CalcError::Negative {
            field,
            value: fmt_amount(value),
        });
    }
    if value.is_zero() {
        return Err(CalcError::Zero { field });
    }
    if value > limit {
        return Err(CalcError::Absurd {
            field,
            value: fmt_amount(value),
            limit: format!("不应超过 {} 元", fmt_num(limit)),
        });
    }
    Ok(value)
}

/// Adds a note about how well a dated policy value fits the date asked about.
pub(crate) fn note_fit(
    result: &mut CalcResult,
    fit: Fit,
    what: &str,
    valid_from: Option<NaiveDate>,
    as_of: Option<NaiveDate>,
) {
    let since = valid_from
        .map(|d| format!("{}起执行的", super::result::fmt_date(d)))
        .unwrap_or_default();
    match fit {
        Fit::InForce => {}
        // An undated value (e.g. a national rate) is simply the rule; nothing to say.
        Fit::Latest if valid_from.is_none() => {}
        Fit::Latest => result.assume(format!("{what}按收录的最新标准（{since}标准）计算。")),
        Fit::Stale => result.warn(format!(
            "{what}用的是{since}标准，{}时可能已经调整，请以当地最新公布为准。",
            as_of.map(super::result::fmt_date).unwrap_or_default()
        )),
        Fit::Early => result.warn(format!(
            "没有收录{}当时的{what}，按{since}标准计算，实际可能不同。",
            as_of.map(super::result::fmt_date).unwrap_or_default()
        )),
    }
}

/// Resolves a base spec to a monthly amount (not yet clamped): grades use the official floor or
/// ceiling for 60% / 300% when known, else the average wage.
pub(crate) fn resolve_base(
    spec: BaseSpec,
    region: Option<&RegionPolicy>,
    insurance: Insurance,
    category: Category,
    as_of: Option<NaiveDate>,
    result: &mut CalcResult,
) -> Result<Decimal, CalcError> {
    let grade = match spec {
        BaseSpec::Amount(a) => return check_amount(SlotName::Base, a, MAX_MONTHLY_BASE),
        BaseSpec::Grade(g) => check_grade(g)?,
    };
    let Some(region) = region else {
        return Err(CalcError::missing(
            SlotName::Region,
            "按档次计算要用当地的社平工资，请告诉我参保城市；或者直接告诉我缴费基数金额。",
        ));
    };
    if let Some(amount) = official_grade_base(grade, region, insurance, category, as_of, result) {
        return Ok(amount);
    }
    grade_of_average_wage(grade, region, as_of, result)
}

/// Checks a grade of the average wage given by the citizen (fraction).
fn check_grade(g: Decimal) -> Result<Decimal, CalcError> {
    positive_fraction(SlotName::Base, g)?;
    if g > dec!(10) {
        return Err(CalcError::OutOfRange {
            field: SlotName::Base,
            value: fmt_rate(g),
            reason: "缴费档次一般在社平工资的60%到300%之间。".into(),
        });
    }
    Ok(g)
}

/// The lowest (60%) and highest (300%) grades are the region's published floor and ceiling,
/// when it publishes them.
fn official_grade_base(
    g: Decimal,
    region: &RegionPolicy,
    insurance: Insurance,
    category: Category,
    as_of: Option<NaiveDate>,
    result: &mut CalcResult,
) -> Option<Decimal> {
    let (range, fit) = region.base_range(insurance, category, as_of)?;
    let (amount, which) = if g == dec!(0.6) {
        range.floor.map(|f| (f, "下限"))
    } else if g == dec!(3) {
        range.ceiling.map(|c| (c, "上限"))
    } else {
        None
    }?;
    result.assume(format!(
        "{}档按{}公布的缴费基数{}（{} 元）计算。",
        fmt_rate(g),
        region.region,
        which,
        fmt_amount(amount)
    ));
    result.add_source(range.cite.to_source_ref());
    note_fit(result, fit, "缴费基数上下限", range.valid_from, as_of);
    Some(amount)
}

/// Any other grade: the region's average wage × the grade, rounded to the cent.
fn grade_of_average_wage(
    g: Decimal,
    region: &RegionPolicy,
    as_of: Option<NaiveDate>,
    result: &mut CalcResult,
) -> Result<Decimal, CalcError> {
    let Some((wage, fit)) = region.average_wage(as_of) else {
        return Err(CalcError::missing(
            SlotName::Base,
            format!(
                "{}的社平工资暂未核实，无法按档次换算，请直接告诉我每月缴费基数（元）。",
                region.region
            ),
        ));
    };
    let exact = wage.monthly * g;
    let amount = round_cents(exact);
    result.assume(format!(
        "缴费基数 = {}社平工资 {} 元 × {} = {} 元{}。",
        region.region,
        fmt_amount(wage.monthly),
        fmt_rate(g),
        fmt_amount(amount),
        if amount != exact {
            "（取整到分）"
        } else {
            ""
        }
    ));
    result.add_source(wage.cite.to_source_ref());
    note_fit(result, fit, "社平工资", wage.valid_from, as_of);
    Ok(amount)
}

/// Clamps a base to the region's floor and ceiling; returns the base used and whether it changed.
pub(crate) fn clamp_base(
    base: Decimal,
    region: Option<&RegionPolicy>,
    insurance: Insurance,
    category: Category,
    as_of: Option<NaiveDate>,
    result: &mut CalcResult,
) -> (Decimal, bool) {
    let Some(region) = region else {
        result.assume("未提供参保地区，没有按当地缴费基数上下限核对基数。");
        return (base, false);
    };
    let Some((range, fit)) = region.base_range(insurance, category, as_of) else {
        result.assume(format!(
            "暂未收录{}{}的缴费基数上下限，没有核对基数是否在范围内。",
            region.region,
            category.label_zh()
        ));
        return (base, false);
    };
    result.add_source(range.cite.to_source_ref());
    note_fit(result, fit, "缴费基数上下限", range.valid_from, as_of);
    if let Some(floor) = range.floor {
        if base < floor {
            result.warn(format!(
                "您给的基数 {} 元低于{}缴费基数下限 {} 元，已按下限计算。",
                fmt_amount(base),
                region.region,
                fmt_amount(floor)
            ));
            return (floor, true);
        }
    }
    if let Some(ceiling) = range.ceiling {
        if base > ceiling {
            result.warn(format!(
                "您给的基数 {} 元高于{}缴费基数上限 {} 元，已按上限计算。",
                fmt_amount(base),
                region.region,
                fmt_amount(ceiling)
            ));
            return (ceiling, true);
        }
    }
    (base, false)
}

/// Looks up the rate entry: region first, then the national defaults.
fn lookup_rate<'a>(
    policies: &'a PolicySet,
    region: Option<&'a RegionPolicy>,
    insurance: Insurance,
    category: Category,
    as_of: Option<NaiveDate>,
) -> Option<(&'a RateEntry, Fit, &'a RegionPolicy)> {
    if let Some(r) = region {
        if let Some((e, fit)) = r.rate(insurance, category, as_of) {
            return Some((e, fit, r));
        }
    }
    let n = policies.national();
    n.rate(insurance, category, as_of)
        .map(|(e, fit)| (e, fit, n))
}

/// What a table-priced contribution is for, once the citizen's words are checked: the scheme, who
/// pays, where, and the date whose figures apply.
#[derive(Debug, Clone, Copy)]
struct Subject<'a> {
    insurance: Insurance,
    category: Category,
    /// The category the tables are read under: the employer's side of an employee's contribution
    /// uses the employee rows.
    table_category: Category,
    region: Option<&'a RegionPolicy>,
    as_of: Option<NaiveDate>,
}

/// Calculates a contribution back-payment.
pub fn contribution(
    input: &ContributionInput,
    policies: &PolicySet,
) -> Result<CalcResult, CalcError> {
    // With an explicit monthly base and rate, base × rate × months needs nothing else.
    if let (None, _) | (_, None) = (input.insurance, input.category) {
        if let (Some(BaseSpec::Amount(base)), Some(rate)) = (input.base, input.rate) {
            return explicit_only(input, base, rate);
        }
    }
    let (insurance, category) = insurance_and_category(input)?;
    let region = policies.resolve(input.region.as_deref())?;
    let mut result = new_result(insurance, category);
    result.policy = Some(region.unwrap_or(policies.national()).policy_ref());

    if category == Category::Resident {
        return resident(input, policies, region, insurance, result);
    }

    let subject = Subject {
        insurance,
        category,
        table_category: if category == Category::Employer {
            Category::Employee
        } else {
            category
        },
        region,
        as_of: input.as_of,
    };
    let explicit_rate = input.rate.map(check_rate).transpose()?;
    let looked_up = lookup_rate(
        policies,
        region,
        insurance,
        subject.table_category,
        subject.as_of,
    );
    let kind = rate_to_charge(&subject, explicit_rate, looked_up, &mut result)?;
    let personal_account_rate = if insurance == Insurance::Pension
        && matches!(category, Category::Employee | Category::Flexible)
    {
        looked_up.and_then(|(e, _, _)| e.personal_account)
    } else {
        None
    };

    if insurance == Insurance::Pension && category == Category::Flexible {
        result.warn("多数地区不允许灵活就业人员事后补缴以前年度的养老保险来增加缴费年限（单位欠缴、到退休年龄不满15年等情形除外）。能否补缴，请先向当地社保经办机构（12333）确认。");
    }

    match kind {
        RateKind::FixedMonthly(per_month) => {
            fixed_monthly_lines(input, &subject, per_month, &mut result)?;
        }
        RateKind::FixedAnnual(per_year) => {
            let months = resolve_months(input.months.as_ref())?;
            annual_lines(&mut result, insurance, per_year, months)?;
        }
        RateKind::Split { .. } | RateKind::Total(_) => {
            base_rate_lines(input, &subject, kind, personal_account_rate, &mut result)?;
        }
    }
    Ok(result)
}

/// The insurance and the citizen's category, which every table look-up needs. Retirees topping up
/// their medical years have a calculator of their own.
fn insurance_and_category(input: &ContributionInput) -> Result<(Insurance, Category), CalcError> {
    let insurance = input.insurance.ok_or_else(|| {
        CalcError::missing(
            SlotName::Insurance,
            "请告诉我要补缴的是养老保险还是医疗保险。",
        )
    })?;
    let category = input.category.ok_or_else(|| {
        CalcError::missing(
            SlotName::Category,
            "请告诉我参保身份：单位职工（单位和个人共同缴费）、灵活就业人员，还是城乡居民。",
        )
    })?;
    if category == Category::Retiree {
        return Err(CalcError::Unsupported(
            "退休人员补足医保缴费年限请用“退休医保补缴”测算：告诉我地区、性别和已缴年限即可。"
                .into(),
        ));
    }
    Ok((insurance, category))
}

/// An empty contribution result titled with the insurance and the category.
fn new_result(insurance: Insurance, category: Category) -> CalcResult {
    let title = format!(
        "{}补缴测算（{}）",
        insurance.label_zh(),
        category.label_zh()
    );
    CalcResult::new(
        CalcKind::Contribution,
        title,
        Detail::Contribution(ContributionDetail {
            insurance: Some(insurance),
            category: Some(category),
            monthly_base: None,
            rate: None,
            months: 0,
            from: None,
            to: None,
            per_month: Money::ZERO,
            personal_account: None,
            base_clamped: false,
        }),
    )
}

/// The rate to charge: the citizen's, else the region's or the national table's (the employer's
/// side of an employee split is charged alone).
fn rate_to_charge(
    subject: &Subject,
    explicit: Option<Decimal>,
    looked_up: Option<(&RateEntry, Fit, &RegionPolicy)>,
    result: &mut CalcResult,
) -> Result<RateKind, CalcError> {
    match (explicit, looked_up) {
        (Some(r), _) => {
            result.assume(format!("按您提供的缴费比例 {} 计算。", fmt_rate(r)));
            Ok(RateKind::Total(r))
        }
        (None, Some((entry, fit, from))) => {
            note_rate_source(subject, entry, fit, from, result);
            Ok(match (subject.category, entry.kind) {
                (Category::Employer, RateKind::Split { employer, .. }) => RateKind::Total(employer),
                (_, k) => k,
            })
        }
        (None, None) => Err(missing_rate(subject)),
    }
}

/// Cites a looked-up rate: its source, how well it fits the date, whether it is the national
/// fallback, and the table's own note.
fn note_rate_source(
    subject: &Subject,
    entry: &RateEntry,
    fit: Fit,
    from: &RegionPolicy,
    result: &mut CalcResult,
) {
    result.add_source(entry.cite.to_source_ref());
    note_fit(result, fit, "缴费标准", entry.valid_from, subject.as_of);
    if from.national {
        if let Some(r) = subject.region {
            result.assume(format!(
                "暂未收录{}的{}{}费率，按全国统一费率计算。",
                r.region,
                subject.category.label_zh(),
                subject.insurance.label_zh()
            ));
        } else {
            result.assume("未提供参保地区，按全国统一费率计算。");
        }
    }
    if let Some(note) = &entry.note {
        result.assume(note.clone());
    }
}

/// No rate given and none in the tables: ask for the region, or, where the region's rate is not
/// verified, for the rate itself.
fn missing_rate(subject: &Subject) -> CalcError {
    match subject.region {
        None => CalcError::missing(
            SlotName::Region,
            format!(
                "{}的缴费比例各地不同，请告诉我参保城市，或直接告诉我缴费比例（例如 10%）。",
                subject.insurance.label_zh()
            ),
        ),
        Some(r) => CalcError::missing(
            SlotName::Rate,
            format!(
                "暂未核实{}{}{}的缴费比例，请告诉我缴费比例（例如 10%），可向当地医保（12393）或社保（12333）咨询。",
                r.region,
                subject.category.label_zh(),
                subject.insurance.label_zh()
            ),
        ),
    }
}

/// A fixed amount per month (北京's flexible-employment medical insurance): amount × months,
/// whatever base the citizen gave.
fn fixed_monthly_lines(
    input: &ContributionInput,
    subject: &Subject,
    per_month: Decimal,
    result: &mut CalcResult,
) -> Result<(), CalcError> {
    let months = resolve_months(input.months.as_ref())?;
    if input.base.is_some() {
        let region_name = subject.region.map(|r| r.region.as_str()).unwrap_or("");
        result.assume(format!(
            "{region_name}{}{}按每月固定金额缴纳，与缴费基数无关。",
            subject.category.label_zh(),
            subject.insurance.label_zh()
        ));
    }
    let n = Decimal::from(months.count);
    let line = Line::new(
        format!("{}（每月固定金额）", subject.insurance.label_zh()),
        format!("{} × {}", fmt_amount(per_month), months.count),
    )
    .input("每月缴费", fmt_amount(per_month))
    .input("月数", months.count.to_string())
    .amount(Money::round(per_month * n));
    result.lines.push(line);
    finish(
        result,
        None,
        None,
        months,
        Money::round(per_month),
        None,
        false,
    );
    Ok(())
}

/// base × rate × months: the base resolved and clamped to the region's range, one line per share
/// (employer and personal, or one total), and the part credited to the pension personal account.
fn base_rate_lines(
    input: &ContributionInput,
    subject: &Subject,
    kind: RateKind,
    personal_account_rate: Option<Decimal>,
    result: &mut CalcResult,
) -> Result<(), CalcError> {
    let spec = input.base.ok_or_else(|| {
        CalcError::missing(
            SlotName::Base,
            "请告诉我每月缴费基数（例如 5000 元），或缴费档次：最低档（60%）、100%、最高档（300%）。",
        )
    })?;
    let (region, insurance, category, as_of) = (
        subject.region,
        subject.insurance,
        subject.table_category,
        subject.as_of,
    );
    let raw = resolve_base(spec, region, insurance, category, as_of, result)?;
    let (base, clamped) = clamp_base(raw, region, insurance, category, as_of, result);
    let months = resolve_months(input.months.as_ref())?;
    let n = Decimal::from(months.count);
    let shares = rate_shares(subject, kind);
    let combined: Decimal = shares.iter().map(|(_, r)| *r).sum();
    for (label, r) in &shares {
        let line = Line::new(
            label.clone(),
            format!("{} × {} × {}", fmt_amount(base), fmt_rate(*r), months.count),
        )
        .input("缴费基数", fmt_amount(base))
        .input("缴费比例", fmt_rate(*r))
        .input("月数", months.count.to_string())
        .amount(Money::round(base * r * n));
        result.lines.push(line);
    }
    let personal_account = personal_account_rate.map(|pa| Money::round(base * pa * n));
    if let (Some(pa), Some(amount)) = (personal_account_rate, personal_account) {
        note_personal_account(kind, base, pa, amount, months.count, result);
    }
    finish(
        result,
        Some(Money::round(base)),
        Some(combined),
        months,
        Money::round(base * combined),
        personal_account,
        clamped,
    );
    Ok(())
}

/// The shares a base-priced rate is charged in, each with its line label.
fn rate_shares(subject: &Subject, kind: RateKind) -> Vec<(String, Decimal)> {
    match kind {
        RateKind::Split { employer, personal } => vec![
            (format!("单位缴费（{}）", fmt_rate(employer)), employer),
            (format!("个人缴费（{}）", fmt_rate(personal)), personal),
        ],
        RateKind::Total(r) => {
            let label = match subject.category {
                Category::Employer => format!("单位缴费（{}）", fmt_rate(r)),
                _ => format!("{}（{}）", subject.insurance.label_zh(), fmt_rate(r)),
            };
            vec![(label, r)]
        }
        _ => unreachable!("fixed amounts handled above"),
    }
}

/// How much of a pension contribution goes to the personal account: one sentence when it is
/// exactly the personal share, else a line without an amount (it is inside the lines above).
fn note_personal_account(
    kind: RateKind,
    base: Decimal,
    pa: Decimal,
    amount: Money,
    months: u32,
    result: &mut CalcResult,
) {
    let is_personal_line = matches!(kind, RateKind::Split { personal, .. } if personal == pa);
    if is_personal_line {
        result.assume(format!(
            "个人缴费部分（{}）全部记入基本养老保险个人账户。",
            fmt_rate(pa)
        ));
    } else {
        result.lines.push(
            Line::new(
                "其中记入个人账户（已含在上面，不另收）",
                format!(
                    "{} × {} × {} = {}",
                    fmt_amount(base),
                    fmt_rate(pa),
                    months,
                    amount
                ),
            )
            .input("缴费基数", fmt_amount(base))
            .input("个人账户比例", fmt_rate(pa))
            .input("月数", months.to_string()),
        );
    }
}

/// Resident schemes: a yearly amount × whole years.
fn resident(
    input: &ContributionInput,
    policies: &PolicySet,
    region: Option<&RegionPolicy>,
    insurance: Insurance,
    mut result: CalcResult,
) -> Result<CalcResult, CalcError> {
    let per_year = match input.annual_amount {
        Some(a) => {
            result.assume("按您提供的每年个人缴费标准计算。");
            check_amount(SlotName::Amount, a, dec!(100000))?
        }
        None => {
            let found = lookup_rate(policies, region, insurance, Category::Resident, input.as_of);
            match found {
                Some((entry, fit, _)) => match entry.kind {
                    RateKind::FixedAnnual(a) => {
                        result.add_source(entry.cite.to_source_ref());
                        note_fit(&mut result, fit, "个人缴费标准", entry.valid_from, input.as_of);
                        a
                    }
                    _ => {
                        return Err(CalcError::missing(
                            SlotName::Amount,
                            "请告诉我当地城乡居民每年的个人缴费金额（元/年）。",
                        ))
                    }
                },
                None => {
                    return Err(CalcError::missing(
                        SlotName::Amount,
                        format!(
                            "城乡居民{}每年的个人缴费标准由各地确定{}，请告诉我当地每年的个人缴费金额（元/年）。",
                            insurance.label_zh(),
                            region
                                .map(|r| format!("（暂未核实{}的标准）", r.region))
                                .unwrap_or_default()
                        ),
                    ))
                }
            }
        }
    };
    let months = resolve_months(input.months.as_ref())?;
    annual_lines(&mut result, insurance, per_year, months)?;
    match insurance {
        Insurance::Pension => result.warn("城乡居民养老保险补缴的年份不享受政府缴费补贴；一般只有距领取年龄不足15年的人可以补缴，累计不超过15年。具体以当地为准。"),
        Insurance::Medical => result.assume("城乡居民医保补缴断保年度可以缩短变动待遇等待期（每补1年减1个月），详见等待期测算。"),
    }
    Ok(result)
}

fn annual_lines(
    result: &mut CalcResult,
    insurance: Insurance,
    per_year: Decimal,
    months: Months,
) -> Result<(), CalcError> {
    if !months.count.is_multiple_of(12) {
        return Err(CalcError::OutOfRange {
            field: SlotName::Months,
            value: months.count.to_string(),
            reason: "城乡居民保险按年缴费，请按整年（12个月的倍数）告诉我。".into(),
        });
    }
    let years = months.count / 12;
    let line = Line::new(
        format!("{}（按年缴费）", insurance.label_zh()),
        format!("{} × {}", fmt_amount(per_year), years),
    )
    .input("每年缴费", fmt_amount(per_year))
    .input("年数", years.to_string())
    .amount(Money::round(per_year * Decimal::from(years)));
    result.lines.push(line);
    finish(
        result,
        None,
        None,
        months,
        Money::round(per_year / dec!(12)),
        None,
        false,
    );
    Ok(())
}

fn finish(
    result: &mut CalcResult,
    base: Option<Money>,
    rate: Option<Decimal>,
    months: Months,
    per_month: Money,
    personal_account: Option<Money>,
    clamped: bool,
) {
    result.sum_lines();
    if let Some(total) = result.total {
        let by_month = per_month.value() * Decimal::from(months.count);
        if rate.is_some() && by_month != total.value() {
            result.assume(format!(
                "每月应缴 {} 元；如逐月取整后缴纳，合计为 {} 元，与上面按整段计算的结果差几分钱属正常。",
                per_month,
                fmt_amount(by_month)
            ));
        }
    }
    if let (Some(from), Some(to)) = (months.from, months.to) {
        result.assume(format!(
            "{}至{}共 {} 个月（含首尾两个月）。",
            fmt_year_month(from),
            fmt_year_month(to),
            months.count
        ));
    }
    if let Detail::Contribution(d) = &mut result.detail {
        d.monthly_base = base;
        d.rate = rate.map(fmt_rate);
        d.months = months.count;
        d.from = months.from;
        d.to = months.to;
        d.per_month = per_month;
        d.personal_account = personal_account;
        d.base_clamped = clamped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::policy::testdata;

    fn ym(year: i32, month: u32) -> YearMonth {
        YearMonth { year, month }
    }

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn input(
        insurance: Insurance,
        category: Category,
        base: Option<BaseSpec>,
        months: u32,
    ) -> ContributionInput {
        ContributionInput {
            insurance: Some(insurance),
            category: Some(category),
            base,
            months: Some(MonthsSpec::Count { months }),
            ..Default::default()
        }
    }

    fn total(r: &CalcResult) -> String {
        r.total.unwrap().to_string()
    }

    fn detail(r: &CalcResult) -> &ContributionDetail {
        match &r.detail {
            Detail::Contribution(d) => d,
            _ => panic!("not a contribution"),
        }
    }

    /// (region, insurance, category, base, rate, months, as_of, total, per month)
    type Case = (
        Option<&'static str>,
        Insurance,
        Category,
        Option<BaseSpec>,
        Option<Decimal>,
        MonthsSpec,
        Option<NaiveDate>,
        &'static str,
        &'static str,
    );

    #[test]
    fn hand_worked_vectors() {
        let set = testdata::policies();
        let cases: Vec<Case> = vec![
            // 3000 × 20% × 6 = 3600.00
            (
                None,
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Amount(dec!(3000))),
                Some(dec!(0.2)),
                MonthsSpec::Count { months: 6 },
                None,
                "3600.00",
                "600.00",
            ),
            // national flexible pension rate 20%: same without an explicit rate
            (
                None,
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Amount(dec!(3000))),
                None,
                MonthsSpec::Count { months: 6 },
                None,
                "3600.00",
                "600.00",
            ),
            // employee: 5000 × 16% × 3 + 5000 × 8% × 3 = 2400.00 + 1200.00
            (
                None,
                Insurance::Pension,
                Category::Employee,
                Some(BaseSpec::Amount(dec!(5000))),
                None,
                MonthsSpec::Count { months: 3 },
                None,
                "3600.00",
                "1200.00",
            ),
            // the employer's side only
            (
                None,
                Insurance::Pension,
                Category::Employer,
                Some(BaseSpec::Amount(dec!(5000))),
                None,
                MonthsSpec::Count { months: 3 },
                None,
                "2400.00",
                "800.00",
            ),
            // Beijing floor 6821 (2024-07..2025-06): 2000 clamped → 6821 × 20% = 1364.20 (the published figure)
            (
                Some("北京"),
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Amount(dec!(2000))),
                None,
                MonthsSpec::Count { months: 1 },
                day(2025, 1, 10),
                "1364.20",
                "1364.20",
            ),
            // Beijing floor 7162 from 2025-07: 1432.40 (the published figure)
            (
                Some("北京市"),
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Grade(dec!(0.6))),
                None,
                MonthsSpec::Count { months: 1 },
                day(2025, 8, 1),
                "1432.40",
                "1432.40",
            ),
            // Beijing ceiling 35283: 50000 clamped → 35283 × 20% × 2 = 14113.20
            (
                Some("北京"),
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Amount(dec!(50000))),
                None,
                MonthsSpec::Count { months: 2 },
                day(2025, 1, 10),
                "14113.20",
                "7056.60",
            ),
            // Beijing flexible medical: fixed 584.92 × 6 = 3509.52; 576.32 × 3 = 1728.96
            (
                Some("北京"),
                Insurance::Medical,
                Category::Flexible,
                None,
                None,
                MonthsSpec::Count { months: 6 },
                day(2025, 9, 1),
                "3509.52",
                "584.92",
            ),
            (
                Some("北京"),
                Insurance::Medical,
                Category::Flexible,
                Some(BaseSpec::Amount(dec!(9000))),
                None,
                MonthsSpec::Count { months: 3 },
                day(2024, 12, 1),
                "1728.96",
                "576.32",
            ),
            // Shanghai grades (2024-07..2025-06): 60% = official floor 7384; 100% = 12307; 300% = 36921
            (
                Some("上海"),
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Grade(dec!(0.6))),
                None,
                MonthsSpec::Count { months: 1 },
                day(2025, 1, 1),
                "1476.80",
                "1476.80",
            ),
            (
                Some("上海"),
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Grade(dec!(1))),
                None,
                MonthsSpec::Count { months: 1 },
                day(2025, 1, 1),
                "2461.40",
                "2461.40",
            ),
            (
                Some("上海"),
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Grade(dec!(3))),
                None,
                MonthsSpec::Count { months: 1 },
                day(2025, 1, 1),
                "7384.20",
                "7384.20",
            ),
            // 50% of 12307 = 6153.50, below the floor → 7384
            (
                Some("上海"),
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Grade(dec!(0.5))),
                None,
                MonthsSpec::Count { months: 1 },
                day(2025, 1, 1),
                "1476.80",
                "1476.80",
            ),
            // 80% of 12434 = 9947.20 → × 20% = 1989.44
            (
                Some("上海"),
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Grade(dec!(0.8))),
                None,
                MonthsSpec::Count { months: 1 },
                day(2025, 9, 1),
                "1989.44",
                "1989.44",
            ),
            // half-up at .xx5: 4321.25 × 10% = 432.125 → 432.13
            (
                None,
                Insurance::Medical,
                Category::Flexible,
                Some(BaseSpec::Amount(dec!(4321.25))),
                Some(dec!(0.1)),
                MonthsSpec::Count { months: 1 },
                None,
                "432.13",
                "432.13",
            ),
            // a period across the year end: 2024-11..2025-02 = 4 months
            (
                None,
                Insurance::Medical,
                Category::Flexible,
                Some(BaseSpec::Amount(dec!(5000))),
                Some(dec!(0.085)),
                MonthsSpec::Period {
                    from: ym(2024, 11),
                    to: ym(2025, 2),
                },
                None,
                "1700.00",
                "425.00",
            ),
            // one line, rounded once: 3333.33 × 20% × 3 = 1999.998 → 2000.00 (per month 666.67)
            (
                None,
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Amount(dec!(3333.33))),
                Some(dec!(0.2)),
                MonthsSpec::Count { months: 3 },
                None,
                "2000.00",
                "666.67",
            ),
        ];
        for (i, (region, ins, cat, base, rate, months, as_of, want, per_month)) in
            cases.into_iter().enumerate()
        {
            let inp = ContributionInput {
                region: region.map(String::from),
                insurance: Some(ins),
                category: Some(cat),
                base,
                rate,
                months: Some(months),
                as_of,
                annual_amount: None,
            };
            let r = contribution(&inp, &set).unwrap_or_else(|e| panic!("case {i}: {e}"));
            assert_eq!(total(&r), want, "case {i}: {}", r.to_text());
            assert_eq!(detail(&r).per_month.to_string(), per_month, "case {i}");
            let sum: Money = r.lines.iter().filter_map(|l| l.amount).sum();
            assert_eq!(r.total, Some(sum), "case {i}");
        }
    }

    #[test]
    fn employee_lines_and_personal_account() {
        let set = testdata::policies();
        let r = contribution(
            &input(
                Insurance::Pension,
                Category::Employee,
                Some(BaseSpec::Amount(dec!(5000))),
                3,
            ),
            &set,
        )
        .unwrap();
        let formulas: Vec<&str> = r.lines.iter().map(|l| l.formula.as_str()).collect();
        assert_eq!(formulas, ["5000.00 × 16% × 3", "5000.00 × 8% × 3"]);
        assert_eq!(r.lines[0].amount.unwrap().to_string(), "2400.00");
        assert_eq!(r.lines[1].amount.unwrap().to_string(), "1200.00");
        assert_eq!(detail(&r).personal_account.unwrap().to_string(), "1200.00");
        assert_eq!(detail(&r).rate.as_deref(), Some("24%"));
        assert!(r.assumptions.iter().any(|a| a.contains("未提供参保地区")));

        let r = contribution(
            &input(
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Amount(dec!(3000))),
                6,
            ),
            &set,
        )
        .unwrap();
        assert_eq!(detail(&r).personal_account.unwrap().to_string(), "1440.00");
        assert_eq!(r.lines.len(), 2);
        assert_eq!(
            r.lines[1].amount, None,
            "the personal-account line is not added again"
        );
        assert!(r.lines[1].formula.ends_with("= 1440.00"));
        assert!(r
            .warnings
            .iter()
            .any(|w| w.contains("不允许灵活就业人员事后补缴")));

        let r = contribution(
            &ContributionInput {
                rate: Some(dec!(0.1)),
                ..input(
                    Insurance::Medical,
                    Category::Flexible,
                    Some(BaseSpec::Amount(dec!(3000))),
                    6,
                )
            },
            &set,
        )
        .unwrap();
        assert_eq!(
            detail(&r).personal_account,
            None,
            "no personal account for medical"
        );
    }

    #[test]
    fn clamping_warns() {
        let set = testdata::policies();
        let r = contribution(
            &ContributionInput {
                region: Some("北京".into()),
                as_of: day(2025, 1, 10),
                ..input(
                    Insurance::Pension,
                    Category::Employee,
                    Some(BaseSpec::Amount(dec!(2000))),
                    1,
                )
            },
            &set,
        )
        .unwrap();
        assert!(detail(&r).base_clamped);
        assert_eq!(detail(&r).monthly_base.unwrap().to_string(), "6821.00");
        assert!(r
            .warnings
            .iter()
            .any(|w| w.contains("低于北京缴费基数下限 6821.00 元")));
        assert_eq!(r.lines[0].formula, "6821.00 × 16% × 1");
        assert!(r.sources.iter().any(|s| s.id == "doc:beijing-base-2024"));
        assert_eq!(r.policy.as_ref().unwrap().region, "北京");
    }

    #[test]
    fn rounding_note_when_monthly_rounding_differs() {
        let set = testdata::policies();
        let r = contribution(
            &ContributionInput {
                rate: Some(dec!(0.2)),
                ..input(
                    Insurance::Pension,
                    Category::Flexible,
                    Some(BaseSpec::Amount(dec!(3333.33))),
                    3,
                )
            },
            &set,
        )
        .unwrap();
        assert!(
            r.assumptions.iter().any(|a| a.contains("2000.01")),
            "{:?}",
            r.assumptions
        );
    }

    #[test]
    fn resident_schemes_are_yearly() {
        let set = testdata::policies();
        let r = contribution(
            &ContributionInput {
                annual_amount: Some(dec!(400)),
                ..input(Insurance::Medical, Category::Resident, None, 24)
            },
            &set,
        )
        .unwrap();
        assert_eq!(total(&r), "800.00");
        assert_eq!(r.lines[0].formula, "400.00 × 2");
        let e = contribution(
            &ContributionInput {
                annual_amount: Some(dec!(400)),
                ..input(Insurance::Medical, Category::Resident, None, 18)
            },
            &set,
        )
        .unwrap_err();
        assert_eq!(e.slot(), Some(SlotName::Months));
        let e = contribution(
            &input(Insurance::Medical, Category::Resident, None, 12),
            &set,
        )
        .unwrap_err();
        assert!(matches!(
            e,
            CalcError::Missing {
                field: SlotName::Amount,
                ..
            }
        ));
    }

    #[test]
    fn asks_for_what_is_missing() {
        let set = testdata::policies();
        let missing = |inp: ContributionInput| match contribution(&inp, &set) {
            Err(CalcError::Missing { field, .. }) => field,
            other => panic!("expected Missing, got {other:?}"),
        };
        let full = input(
            Insurance::Medical,
            Category::Employee,
            Some(BaseSpec::Amount(dec!(5000))),
            3,
        );
        assert_eq!(
            missing(ContributionInput {
                insurance: None,
                ..full.clone()
            }),
            SlotName::Insurance
        );
        assert_eq!(
            missing(ContributionInput {
                category: None,
                ..full.clone()
            }),
            SlotName::Category
        );
        // medical rates are local: no region → ask for it; a region without verified rates → ask for the rate
        assert_eq!(missing(full.clone()), SlotName::Region);
        assert_eq!(
            missing(ContributionInput {
                region: Some("北京".into()),
                ..full.clone()
            }),
            SlotName::Rate
        );
        let pension = input(Insurance::Pension, Category::Flexible, None, 3);
        assert_eq!(missing(pension.clone()), SlotName::Base);
        assert_eq!(
            missing(ContributionInput {
                base: Some(BaseSpec::Amount(dec!(5000))),
                months: None,
                ..pension.clone()
            }),
            SlotName::Months
        );
        // a grade needs the average wage: no region → region; a region without a verified wage → base
        assert_eq!(
            missing(ContributionInput {
                base: Some(BaseSpec::Grade(dec!(1))),
                ..pension.clone()
            }),
            SlotName::Region
        );
        assert_eq!(
            missing(ContributionInput {
                base: Some(BaseSpec::Grade(dec!(1))),
                region: Some("天津".into()),
                ..pension.clone()
            }),
            SlotName::Base
        );
        // Beijing: 60% = the published floor works without an average wage, 100% does not
        assert_eq!(
            missing(ContributionInput {
                base: Some(BaseSpec::Grade(dec!(1))),
                region: Some("北京".into()),
                ..pension.clone()
            }),
            SlotName::Base
        );
    }

    #[test]
    fn refuses_invalid_values() {
        let set = testdata::policies();
        let base = |b| {
            input(
                Insurance::Pension,
                Category::Flexible,
                Some(BaseSpec::Amount(b)),
                3,
            )
        };
        let err = |inp: ContributionInput| contribution(&inp, &set).unwrap_err();
        assert!(matches!(
            err(base(dec!(-1))),
            CalcError::Negative {
                field: SlotName::Base,
                ..
            }
        ));
        assert!(matches!(
            err(base(dec!(0))),
            CalcError::Zero {
                field: SlotName::Base
            }
        ));
        assert!(matches!(
            err(base(dec!(2000000))),
            CalcError::Absurd {
                field: SlotName::Base,
                ..
            }
        ));
        let ok = base(dec!(5000));
        assert!(matches!(
            err(ContributionInput {
                months: Some(MonthsSpec::Count { months: 0 }),
                ..ok.clone()
            }),
            CalcError::Zero {
                field: SlotName::Months
            }
        ));
        assert!(matches!(
            err(ContributionInput {
                rate: Some(dec!(1.2)),
                ..ok.clone()
            }),
            CalcError::RateTooHigh { .. }
        ));
        assert!(matches!(
            err(ContributionInput {
                rate: Some(dec!(-0.1)),
                ..ok.clone()
            }),
            CalcError::Negative {
                field: SlotName::Rate,
                ..
            }
        ));
        assert!(matches!(
            err(ContributionInput {
                months: Some(MonthsSpec::Period {
                    from: ym(2024, 8),
                    to: ym(2024, 3)
                }),
                ..ok.clone()
            }),
            CalcError::ReversedDates { .. }
        ));
        assert!(matches!(
            err(ContributionInput {
                months: Some(MonthsSpec::Period {
                    from: ym(2024, 13),
                    to: ym(2025, 3)
                }),
                ..ok.clone()
            }),
            CalcError::OutOfRange {
                field: SlotName::Months,
                ..
            }
        ));
        assert_eq!(
            err(ContributionInput {
                region: Some("火星".into()),
                ..ok.clone()
            }),
            CalcError::UnknownRegion("火星".into())
        );
        assert!(matches!(
            err(ContributionInput {
                category: Some(Category::Retiree),
                ..ok.clone()
            }),
            CalcError::Unsupported(_)
        ));
        let e = err(base(dec!(-1)));
        assert_eq!(
            e.to_string(),
            "缴费基数不能是负数（您给的是 -1.00），请核对后再告诉我。"
        );
    }
}

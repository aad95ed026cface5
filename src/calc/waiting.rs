//! Waiting periods after a medical insurance gap: when benefits start again and whether the gap
//! is covered retroactively. Resident insurance follows the 2025 national rules (国办发〔2024〕38号:
//! fixed 3 months, +1 month per year of gap, −1 month per missed year paid, at least 6 months in
//! total after a gap of 4 years or more, newborns and listed groups exempt). Employee insurance
//! follows data-driven regional gap rules (e.g. Yichang's 60/180-day bands, Ningbo's 3 months with
//! retroactive reimbursement). Where no local rule covers the gap, the result says so and shows the
//! national frame (the 2021 transfer rules: ≤ 3 months around a move between regions or schemes →
//! payable, gap costs reimbursable; longer → a local wait of at most 6 months) without applying it:
//! a same-city gap is local, and the national rules say nothing about it.
use crate::field::SlotName;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::error::CalcError;
use super::policy::{GapEffect, GapRule, GapScope, PolicySet, RegionPolicy, ResidentWaiting};
use super::result::{fmt_date, CalcKind, CalcResult, Detail, Line, WaitingDetail};
use super::types::Category;

/// What the citizen told us about a medical insurance gap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingInput {
    /// Resident → the 2025 resident rules; employee, flexible or employer → employee gap rules.
    pub category: Option<Category>,
    pub region: Option<String>,
    /// Resident: consecutive years without insurance before enrolling again (0 = none).
    pub gap_years: Option<u32>,
    /// Resident: how many of the missed years are paid for afterwards. None = 0.
    pub years_repaid: Option<u32>,
    /// Resident: a newborn or another group the rules exempt (low-income rural residents,
    /// recently discharged soldiers, …).
    pub exempt: bool,
    /// Resident: paid during the annual collection period (集中参保期, usually Sep–Dec).
    pub during_collection_period: bool,
    /// The day of (back-)payment (slot "to").
    pub pay_date: Option<NaiveDate>,
    /// Employee: the first day without contributions or benefits (slot "from").
    pub gap_from: Option<NaiveDate>,
    /// Employee: length of the gap in days, if given directly.
    pub gap_days: Option<u32>,
    /// Employee: length of the gap in months, if given directly.
    pub gap_months: Option<u32>,
}

/// Works out a waiting period (resident or employee medical insurance, by category).
pub fn waiting_period(input: &WaitingInput, policies: &PolicySet) -> Result<CalcResult, CalcError> {
    match input.category {
        None => Err(CalcError::missing(
            SlotName::Category,
            "请告诉我断缴的是城乡居民医保，还是职工医保（含灵活就业人员参加的职工医保）。",
        )),
        Some(Category::Resident) => resident(input, policies),
        Some(Category::Retiree) => Err(CalcError::Unsupported(
            "退休人员缴满年限后不再缴费，不存在断缴等待期；如果年限不够，请用“退休医保补缴”测算。"
                .into(),
        )),
        Some(c) => employee(input, policies, c),
    }
}

fn new_result(rule: String) -> CalcResult {
    CalcResult::new(
        CalcKind::WaitingPeriod,
        "医保待遇等待期测算",
        Detail::WaitingPeriod(WaitingDetail {
            waiting_months: None,
            coverage_from: None,
            retroactive: false,
            new_enrolment: false,
            rule,
        }),
    )
}

fn set_detail(
    result: &mut CalcResult,
    waiting: Option<u32>,
    from: Option<NaiveDate>,
    retroactive: bool,
    new_enrolment: bool,
    rule: String,
) {
    if let Detail::WaitingPeriod(d) = &mut result.detail {
        d.waiting_months = waiting;
        d.coverage_from = from;
        d.retroactive = retroactive;
        d.new_enrolment = new_enrolment;
        d.rule = rule;
    }
}

fn add_months(d: NaiveDate, n: u32) -> Option<NaiveDate> {
    d.checked_add_months(Months::new(n))
}

fn resident(input: &WaitingInput, policies: &PolicySet) -> Result<CalcResult, CalcError> {
    let region = policies.resolve(input.region.as_deref())?;
    let (rules, owner) = resident_rules(policies, region)?;
    let mut result = new_result(String::new());
    result.policy = Some(owner.policy_ref());
    result.add_source(rules.cite.to_source_ref());
    if let Some(paid) = input.pay_date {
        if paid < rules.valid_from {
            return Err(CalcError::Unsupported(format!(
                "全国统一的居民医保等待期规则自{}起实行；在此之前参保的等待期按当地原来的规定执行，请咨询当地医保经办机构（12393）。",
                fmt_date(rules.valid_from)
            )));
        }
    }
    if input.exempt {
        exempt_group(input, rules, &mut result);
        return Ok(result);
    }
    let (gap, repaid) = gap_and_repaid_years(input, &mut result)?;
    let start = enrolment_start(input, &mut result);
    if gap == 0 && input.during_collection_period {
        let rule = "连续参保并在集中参保期内缴费，不设待遇等待期。".to_string();
        result
            .lines
            .push(Line::new("等待期", "连续参保，0 个月".to_string()));
        set_detail(&mut result, Some(0), start, false, false, rule);
        return Ok(result);
    }
    let months = push_resident_waiting_lines(rules, gap, repaid, &mut result);
    let rule = resident_rule_text(rules, gap, repaid, months);
    if gap > 0 {
        result
            .warn("断保后，连续参保年数要重新计算，大病保险因连续参保提高的支付限额也要重新累计。");
        if repaid < gap {
            result.assume(format!(
                "按当年参保地个人缴费标准每多补缴 1 年断保年度，可减少 1 个月变动等待期（最多还能减 {} 个月）。",
                gap - repaid
            ));
        }
    }
    let coverage_from = start.and_then(|s| add_months(s, months));
    match coverage_from {
        Some(_) => result.assume("等待期从缴费（参保）之日起算，到期日各地口径可能相差一两天。"),
        None => result.assume("告诉我缴费日期，可以推算从哪天开始享受待遇。"),
    }
    if let Some(note) = &rules.note {
        result.assume(note.clone());
    }
    set_detail(&mut result, Some(months), coverage_from, false, false, rule);
    Ok(result)
}

/// The resident waiting rules that apply: the region's own, else the national ones, with the
/// policy they belong to.
fn resident_rules<'a>(
    policies: &'a PolicySet,
    region: Option<&'a RegionPolicy>,
) -> Result<(&'a ResidentWaiting, &'a RegionPolicy), CalcError> {
    if let Some(x) = region.and_then(|r| r.resident_waiting.as_ref().map(|w| (w, r))) {
        return Ok(x);
    }
    match policies.national().resident_waiting.as_ref() {
        Some(w) => Ok((w, policies.national())),
        None => Err(CalcError::Unsupported(
            "居民医保等待期规则未加载，暂时无法计算，请咨询当地医保经办机构（12393）。".into(),
        )),
    }
}

/// Newborns and the groups the rules list: no waiting period in most regions.
fn exempt_group(input: &WaitingInput, rules: &ResidentWaiting, result: &mut CalcResult) {
    let rule = format!(
        "{}等特殊群体在集中参保期外参保，大多数地区不设待遇等待期。",
        if rules.exempt.is_empty() {
            "新生儿".to_string()
        } else {
            rules.exempt.join("、")
        }
    );
    result
        .lines
        .push(Line::new("等待期", "特殊群体，0 个月".to_string()));
    result.assume("具体哪些人群免等待期、从哪天起享受待遇，以当地医保部门规定为准。");
    set_detail(result, Some(0), input.pay_date, false, false, rule);
}

/// Years without insurance, and how many of them are paid for afterwards (none unless said).
fn gap_and_repaid_years(
    input: &WaitingInput,
    result: &mut CalcResult,
) -> Result<(u32, u32), CalcError> {
    let gap = input.gap_years.ok_or_else(|| {
        CalcError::missing(
            SlotName::GapYears,
            "请告诉我之前连续断保了几年（没有参加居民医保的年数）；没有断保就说 0 年。",
        )
    })?;
    if gap > 80 {
        return Err(CalcError::OutOfRange {
            field: SlotName::GapYears,
            value: gap.to_string(),
            reason: "断保年数不会超过80年，请核对。".into(),
        });
    }
    let repaid = match input.years_repaid {
        Some(r) => r,
        None => {
            if gap > 0 {
                result.assume("未提供补缴断保年度的情况，按没有补缴计算。");
            }
            0
        }
    };
    if repaid > gap {
        return Err(CalcError::OutOfRange {
            field: SlotName::GapYears,
            value: repaid.to_string(),
            reason: format!("补缴的年数不能多于断保的年数（{gap} 年）。"),
        });
    }
    Ok((gap, repaid))
}

/// The day the waiting period counts from: the payment day, or 1 January after a payment in the
/// autumn collection period.
fn enrolment_start(input: &WaitingInput, result: &mut CalcResult) -> Option<NaiveDate> {
    match input.pay_date {
        Some(d) if input.during_collection_period && d.month() >= 9 => {
            let jan1 = NaiveDate::from_ymd_opt(d.year() + 1, 1, 1);
            result.assume("集中参保期内缴费的，按次年1月1日参保年度开始计算。");
            jan1
        }
        other => other,
    }
}

/// The lines of a resident waiting period — fixed, per gap year, less the repaid years, with the
/// minimum after a long gap — and the months it comes to.
fn push_resident_waiting_lines(
    rules: &ResidentWaiting,
    gap: u32,
    repaid: u32,
    result: &mut CalcResult,
) -> u32 {
    let fixed = rules.fixed_months;
    let variable = gap * rules.per_gap_year_months;
    let reduction = (repaid * rules.per_repaid_year_months).min(variable);
    let mut months = fixed + variable - reduction;
    result.lines.push(
        Line::new("固定等待期", format!("{fixed} 个月"))
            .input("固定等待期", format!("{fixed} 个月")),
    );
    if gap > 0 {
        result.lines.push(
            Line::new(
                "变动等待期",
                format!(
                    "断保 {gap} 年 × {} = {variable} 个月",
                    rules.per_gap_year_months
                ),
            )
            .input("断保年数", gap.to_string()),
        );
    }
    if reduction > 0 {
        result.lines.push(
            Line::new(
                "补缴断保年度抵减",
                format!(
                    "补缴 {repaid} 年 × {} = −{reduction} 个月",
                    rules.per_repaid_year_months
                ),
            )
            .input("补缴年数", repaid.to_string()),
        );
    }
    let mut sum = if gap > 0 {
        if reduction > 0 {
            format!("{fixed} + {variable} − {reduction} = {months} 个月")
        } else {
            format!("{fixed} + {variable} = {months} 个月")
        }
    } else {
        format!("{months} 个月")
    };
    if gap >= rules.long_gap_years && months < rules.long_gap_min_months {
        sum = format!(
            "{sum}，但连续断保 {} 年及以上合计不少于 {} 个月，按 {} 个月",
            rules.long_gap_years, rules.long_gap_min_months, rules.long_gap_min_months
        );
        months = rules.long_gap_min_months;
    }
    result.lines.push(Line::new("等待期合计", sum));
    months
}

/// The rule the result states in one sentence.
fn resident_rule_text(rules: &ResidentWaiting, gap: u32, repaid: u32, months: u32) -> String {
    if gap == 0 {
        format!(
            "未在集中参保期内参保，设固定待遇等待期 {} 个月。",
            rules.fixed_months
        )
    } else {
        format!(
            "断保 {gap} 年{}，待遇等待期共 {months} 个月；等待期内发生的医疗费用医保不报销。",
            if repaid > 0 {
                format!("、补缴 {repaid} 年")
            } else {
                String::new()
            }
        )
    }
}

/// How long a gap was, as far as we know.
#[derive(Debug, Clone, Copy)]
enum Gap {
    Dates(NaiveDate, NaiveDate),
    Days(u32),
    Months(u32),
}

impl Gap {
    fn describe(self) -> String {
        match self {
            Gap::Dates(a, b) => format!(
                "{} 至 {}，共 {} 天",
                fmt_date(a),
                fmt_date(b),
                (b - a).num_days()
            ),
            Gap::Days(d) => format!("{d} 天"),
            Gap::Months(m) => format!("{m} 个月"),
        }
    }

    /// Whether the gap is within a rule's limit; None when the way it was given cannot tell.
    fn within(self, rule: &GapRule) -> Option<bool> {
        match (rule.max_days, rule.max_months) {
            (None, None) => Some(true),
            (Some(limit), _) => match self {
                Gap::Dates(a, b) => Some((b - a).num_days() <= i64::from(limit)),
                Gap::Days(d) => Some(d <= limit),
                // m calendar months last between 28·m and 31·m days.
                Gap::Months(m) => {
                    if m.saturating_mul(31) <= limit {
                        Some(true)
                    } else if m.saturating_mul(28) > limit {
                        Some(false)
                    } else {
                        None
                    }
                }
            },
            (None, Some(limit)) => match self {
                Gap::Dates(a, b) => Some(add_months(a, limit).is_none_or(|end| b <= end)),
                Gap::Months(m) => Some(m <= limit),
                Gap::Days(d) => {
                    if d <= limit.saturating_mul(28) {
                        Some(true)
                    } else if d > limit.saturating_mul(31) {
                        Some(false)
                    } else {
                        None
                    }
                }
            },
        }
    }
}

fn limit_text(rule: &GapRule, previous: Option<&GapRule>) -> String {
    let prev = previous.map(|p| (p.max_days, p.max_months));
    match (rule.max_days, rule.max_months, prev) {
        (Some(d), _, Some((Some(pd), _))) => format!("断缴超过 {pd} 天、不超过 {d} 天"),
        (Some(d), _, _) => format!("断缴 {d} 天以内（含）"),
        (None, Some(m), Some((None, Some(pm)))) => {
            format!("断缴超过 {pm} 个月、不超过 {m} 个月")
        }
        (None, Some(m), _) => format!("断缴不超过 {m} 个月"),
        (None, None, Some((Some(pd), _))) => format!("断缴超过 {pd} 天"),
        (None, None, Some((None, Some(pm)))) => format!("断缴超过 {pm} 个月"),
        (None, None, _) => "断缴后".to_string(),
    }
}

fn effect_text(rule: &GapRule) -> String {
    let mut s = match (rule.effect, rule.months) {
        (GapEffect::PaymentMonth, _) => "补缴后从补缴当月起恢复享受待遇".to_string(),
        (GapEffect::NextMonth, _) => "补缴后从次月起恢复享受待遇".to_string(),
        (GapEffect::WaitMonths, Some(n)) => {
            format!("从补缴当月起算，{n} 个月后才恢复享受统筹基金待遇")
        }
        (GapEffect::WaitMonths, None) => "补缴后需要等待一段时间才恢复享受待遇".to_string(),
        (GapEffect::NewEnrolment, Some(n)) => format!(
            "视同重新参保，之前的连续缴费时间不再累计，{n} 个月后才享受（住院等）统筹基金待遇"
        ),
        (GapEffect::NewEnrolment, None) => {
            "视同重新参保，之前的连续缴费时间不再累计，等待期按当地新参保规定执行".to_string()
        }
        (GapEffect::Local, Some(n)) => {
            format!("等待期由当地规定，国家规定最长不超过 {n} 个月")
        }
        (GapEffect::Local, None) => "等待期由当地规定".to_string(),
    };
    s.push_str(if rule.retroactive {
        "；断缴期间发生的医疗费可以按规定申请报销"
    } else {
        "；断缴期间发生的医疗费不予报销"
    });
    s
}

fn waiting_months(rule: &GapRule) -> Option<u32> {
    match rule.effect {
        GapEffect::PaymentMonth => Some(0),
        GapEffect::NextMonth => Some(1),
        GapEffect::WaitMonths | GapEffect::NewEnrolment => rule.months,
        GapEffect::Local => None,
    }
}

/// Finds the first rule covering the gap. Err(Missing) when the gap's form cannot decide.
fn find_rule<'a>(
    rules: &[&'a GapRule],
    gap: Gap,
) -> Result<Option<(usize, &'a GapRule)>, CalcError> {
    for (i, rule) in rules.iter().enumerate() {
        match gap.within(rule) {
            Some(true) => return Ok(Some((i, rule))),
            Some(false) => {}
            None => return Err(match gap {
                Gap::Months(_) => CalcError::missing(
                    SlotName::Days,
                    "当地按天数划分，请告诉我从断缴到补缴一共多少天，或者断缴开始日期和补缴日期。",
                ),
                _ => CalcError::missing(
                    SlotName::From,
                    "当地按自然月划分，请告诉我断缴开始的日期和补缴的日期，以便准确判断。",
                ),
            }),
        }
    }
    Ok(None)
}

/// The rule that decides an employee's gap.
enum Governing<'a> {
    /// A rule covering the gap, the band before it (for the limit text) and whose rule it is.
    Rule {
        rule: &'a GapRule,
        prev: Option<&'a GapRule>,
        owner: &'a RegionPolicy,
    },
    /// No local rule: the national transfer band the gap falls in, shown as the frame only, and
    /// what the region lacks.
    Frame { band: usize, missing: String },
}

fn employee(
    input: &WaitingInput,
    policies: &PolicySet,
    category: Category,
) -> Result<CalcResult, CalcError> {
    let region = policies.resolve(input.region.as_deref())?.ok_or_else(|| {
        CalcError::missing(
            SlotName::Region,
            "职工医保断缴后什么时候恢复待遇由各地规定，请告诉我参保城市。",
        )
    })?;
    let category = if category == Category::Employer {
        Category::Employee
    } else {
        category
    };
    let gap = employee_gap(input)?;
    let mut result = new_result(String::new());
    let national = policies.national().gap_rules_for(category);
    let (rule, prev, owner) =
        match governing_rule(policies, region, category, &national, gap, &mut result)? {
            Governing::Rule { rule, prev, owner } => (rule, prev, owner),
            Governing::Frame { band, missing } => {
                return Ok(national_frame(
                    result, region, &national, band, gap, &missing,
                ))
            }
        };
    result.policy = Some(region.policy_ref());
    result.add_source(rule.cite.to_source_ref());

    let months = waiting_months(rule);
    let owner_name = if owner.national {
        "国家规定"
    } else {
        owner.region.as_str()
    };
    let rule_text = format!(
        "{}：{}，{}。",
        if owner.national {
            "国家规定".to_string()
        } else {
            format!("{}规定", owner.region)
        },
        limit_text(rule, prev),
        effect_text(rule)
    );
    result
        .lines
        .push(Line::new("断缴时长", gap.describe()).input("断缴时长", gap.describe()));
    result.lines.push(Line::new(
        "适用档次",
        format!("{owner_name}：{}", limit_text(rule, prev)),
    ));
    if let Some(note) = &rule.note {
        result.assume(note.clone());
    }
    let coverage_from = coverage_after_payment(input.pay_date, months, &mut result);
    if category == Category::Employee {
        result.assume(
            "如果是单位欠缴造成的断缴，不少地方规定欠缴期间本应由医保基金支付的费用由单位承担。",
        );
    }
    if matches!(gap, Gap::Days(_) | Gap::Months(_)) {
        result.assume(
            "断缴时长按您说的天数或月数判断；如果接近分界线，请以经办机构按日期核定的为准。",
        );
    }
    set_detail(
        &mut result,
        months,
        coverage_from,
        rule.retroactive,
        rule.effect == GapEffect::NewEnrolment,
        rule_text,
    );
    Ok(result)
}

/// How long the gap was: from its dates, else the days or months the citizen gave.
fn employee_gap(input: &WaitingInput) -> Result<Gap, CalcError> {
    match (
        input.gap_from,
        input.pay_date,
        input.gap_days,
        input.gap_months,
    ) {
        (Some(a), Some(b), _, _) => {
            if b < a {
                return Err(CalcError::ReversedDates {
                    from: fmt_date(a),
                    to: fmt_date(b),
                });
            }
            Ok(Gap::Dates(a, b))
        }
        (_, _, Some(d), _) => Ok(Gap::Days(d)),
        (_, _, None, Some(m)) => Ok(Gap::Months(m)),
        (Some(_), None, None, None) => Err(CalcError::missing(
            SlotName::To,
            "请告诉我补缴（或打算补缴）的日期。",
        )),
        _ => Err(CalcError::missing(
            SlotName::Days,
            "请告诉我断缴了多久（天数或月数），或者断缴开始日期和补缴日期。",
        )),
    }
}

/// The rule for the gap: the region's first band covering it, else the national one — applied
/// when it governs every gap, shown only as the frame when it governs transfers.
fn governing_rule<'a>(
    policies: &'a PolicySet,
    region: &'a RegionPolicy,
    category: Category,
    national: &[&'a GapRule],
    gap: Gap,
    result: &mut CalcResult,
) -> Result<Governing<'a>, CalcError> {
    let regional = region.gap_rules_for(category);
    if !regional.is_empty() {
        if let Some((i, rule)) = find_rule(&regional, gap)? {
            let prev = i.checked_sub(1).map(|j| regional[j]);
            return Ok(Governing::Rule {
                rule,
                prev,
                owner: region,
            });
        }
    }
    let missing = if regional.is_empty() {
        format!(
            "暂未收录{}{}医保断缴后恢复待遇的当地规定",
            region.region,
            category.label_zh()
        )
    } else {
        format!("{}的规定没有覆盖这么长的断缴时间", region.region)
    };
    let Some((i, rule)) = find_rule(national, gap)? else {
        return Err(CalcError::Unsupported(format!(
            "暂时无法判断{}这种断缴情况何时恢复待遇，请咨询当地医保经办机构（12393）。",
            region.region
        )));
    };
    if rule.scope == GapScope::Transfer {
        return Ok(Governing::Frame { band: i, missing });
    }
    result.assume(format!("{missing}，按国家规定判断。"));
    let prev = i.checked_sub(1).map(|j| national[j]);
    Ok(Governing::Rule {
        rule,
        prev,
        owner: policies.national(),
    })
}

/// The first day of benefits: the first of the month of payment plus the waiting months (a line
/// when the payment day is known, else a note asking for it).
fn coverage_after_payment(
    pay_date: Option<NaiveDate>,
    months: Option<u32>,
    result: &mut CalcResult,
) -> Option<NaiveDate> {
    match (pay_date, months) {
        (Some(paid), Some(n)) => {
            let first = NaiveDate::from_ymd_opt(paid.year(), paid.month(), 1);
            let from = first.and_then(|f| add_months(f, n));
            if let Some(d) = from {
                result.lines.push(Line::new(
                    "恢复享受待遇",
                    format!("{} 补缴，{} 起", fmt_date(paid), fmt_date(d)),
                ));
            }
            from
        }
        (None, Some(_)) => {
            result.assume("告诉我补缴日期，可以推算从哪天恢复享受待遇。");
            None
        }
        _ => None,
    }
}

/// No local rule covers the gap: say so, and show the national transfer rules as the frame
/// (which band the gap would fall in if it happened around a move between regions or schemes)
/// without deciding the waiting period or reimbursement.
fn national_frame(
    mut result: CalcResult,
    region: &RegionPolicy,
    national: &[&GapRule],
    band: usize,
    gap: Gap,
    missing: &str,
) -> CalcResult {
    let bands: Vec<String> = national
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let prev = i.checked_sub(1).map(|j| national[j]);
            format!("{}，{}", limit_text(r, prev), effect_text(r))
        })
        .collect();
    let applies = {
        let prev = band.checked_sub(1).map(|j| national[j]);
        limit_text(national[band], prev)
    };
    let rule = format!(
        "{missing}，无法按当地规定判断。国家规定（2021年医保关系转移接续办法）只适用于跨统筹地区转移接续、以及连续参保满2年后在职工医保和居民医保之间转换的断缴：{}。同城换单位、自己漏缴等其他断缴什么时候恢复待遇、断缴期间的费用能否报销，由当地规定，请向{}医保经办机构（12393）确认。",
        bands.join("；"),
        region.region
    );
    result.policy = Some(region.policy_ref());
    for r in national {
        result.add_source(r.cite.to_source_ref());
    }
    result
        .lines
        .push(Line::new("断缴时长", gap.describe()).input("断缴时长", gap.describe()));
    result
        .lines
        .push(Line::new("当地规定", missing.to_string()));
    result.lines.push(Line::new(
        "国家框架",
        format!("仅适用于转移接续、险种转换：{applies}"),
    ));
    result.assume(format!(
        "{missing}；下面的国家规定只是框架，不是{}的规定。",
        region.region
    ));
    set_detail(&mut result, None, None, false, false, rule);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::policy::testdata;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    fn detail(r: &CalcResult) -> &WaitingDetail {
        match &r.detail {
            Detail::WaitingPeriod(w) => w,
            _ => panic!(),
        }
    }

    fn resident(
        gap: u32,
        repaid: Option<u32>,
        pay: Option<NaiveDate>,
    ) -> (Option<u32>, Option<NaiveDate>) {
        let r = waiting_period(
            &WaitingInput {
                category: Some(Category::Resident),
                gap_years: Some(gap),
                years_repaid: repaid,
                pay_date: pay,
                ..Default::default()
            },
            &testdata::policies(),
        )
        .unwrap();
        assert_eq!(r.total, None);
        (detail(&r).waiting_months, detail(&r).coverage_from)
    }

    #[test]
    fn resident_vectors() {
        let pay = Some(d(2025, 3, 15));
        assert_eq!(resident(0, None, pay), (Some(3), Some(d(2025, 6, 15))));
        assert_eq!(resident(2, None, pay), (Some(5), Some(d(2025, 8, 15))));
        assert_eq!(resident(2, Some(1), pay).0, Some(4));
        assert_eq!(resident(2, Some(2), pay).0, Some(3));
        assert_eq!(
            resident(3, Some(3), pay).0,
            Some(3),
            "gap below 4 years: no 6-month floor"
        );
        assert_eq!(resident(4, None, pay).0, Some(7));
        assert_eq!(
            resident(4, Some(4), pay).0,
            Some(6),
            "gap of 4+ years: at least 6 months"
        );
        assert_eq!(resident(5, Some(2), pay).0, Some(6));
        assert_eq!(resident(10, None, pay).0, Some(13));
        // month end: 30 Nov + 3 months = 28 Feb
        assert_eq!(
            resident(0, None, Some(d(2025, 11, 30))).1,
            Some(d(2026, 2, 28))
        );
        assert_eq!(
            resident(1, None, Some(d(2027, 10, 31))).1,
            Some(d(2028, 2, 29))
        );
        assert_eq!(resident(2, None, None), (Some(5), None));
    }

    #[test]
    fn resident_special_cases() {
        let set = testdata::policies();
        let base = WaitingInput {
            category: Some(Category::Resident),
            gap_years: Some(0),
            pay_date: Some(d(2025, 10, 10)),
            during_collection_period: true,
            ..Default::default()
        };
        let r = waiting_period(&base, &set).unwrap();
        assert_eq!(detail(&r).waiting_months, Some(0));
        assert_eq!(detail(&r).coverage_from, Some(d(2026, 1, 1)));
        // a gap still costs a waiting period in the collection period, counted from 1 January
        let r = waiting_period(
            &WaitingInput {
                gap_years: Some(1),
                ..base.clone()
            },
            &set,
        )
        .unwrap();
        assert_eq!(detail(&r).waiting_months, Some(4));
        assert_eq!(detail(&r).coverage_from, Some(d(2026, 5, 1)));
        let r = waiting_period(
            &WaitingInput {
                exempt: true,
                gap_years: None,
                ..base.clone()
            },
            &set,
        )
        .unwrap();
        assert_eq!(detail(&r).waiting_months, Some(0));
        assert!(detail(&r).rule.contains("新生儿"));
        let e = waiting_period(
            &WaitingInput {
                gap_years: None,
                ..base.clone()
            },
            &set,
        )
        .unwrap_err();
        assert_eq!(e.slot(), Some(SlotName::GapYears));
        let e = waiting_period(
            &WaitingInput {
                gap_years: Some(1),
                years_repaid: Some(2),
                ..base.clone()
            },
            &set,
        )
        .unwrap_err();
        assert!(matches!(
            e,
            CalcError::OutOfRange {
                field: SlotName::GapYears,
                ..
            }
        ));
        let e = waiting_period(
            &WaitingInput {
                pay_date: Some(d(2024, 6, 1)),
                ..base.clone()
            },
            &set,
        )
        .unwrap_err();
        assert!(matches!(e, CalcError::Unsupported(_)));
        let e = waiting_period(
            &WaitingInput {
                category: None,
                ..base.clone()
            },
            &set,
        )
        .unwrap_err();
        assert_eq!(e.slot(), Some(SlotName::Category));
    }

    fn employee(
        region: &str,
        cat: Category,
        from: Option<NaiveDate>,
        pay: Option<NaiveDate>,
        days: Option<u32>,
        months: Option<u32>,
    ) -> Result<WaitingDetail, CalcError> {
        waiting_period(
            &WaitingInput {
                category: Some(cat),
                region: Some(region.into()),
                gap_from: from,
                pay_date: pay,
                gap_days: days,
                gap_months: months,
                ..Default::default()
            },
            &testdata::policies(),
        )
        .map(|r| detail(&r).clone())
    }

    #[test]
    fn yichang_day_bands() {
        let f = Category::Flexible;
        let start = Some(d(2025, 1, 1));
        // 59 and exactly 60 days → from the next month
        let w = employee("宜昌", f, start, Some(d(2025, 3, 1)), None, None).unwrap();
        assert_eq!(
            (w.waiting_months, w.coverage_from),
            (Some(1), Some(d(2025, 4, 1)))
        );
        let w = employee("宜昌", f, start, Some(d(2025, 3, 2)), None, None).unwrap();
        assert_eq!(w.coverage_from, Some(d(2025, 4, 1)));
        // 61 days → counted from the month of payment, 3 months later
        let w = employee("宜昌", f, start, Some(d(2025, 3, 3)), None, None).unwrap();
        assert_eq!(
            (w.waiting_months, w.coverage_from),
            (Some(3), Some(d(2025, 6, 1)))
        );
        assert!(w.rule.contains("超过 60 天、不超过 180 天"), "{}", w.rule);
        // 181 days → new enrolment
        let w = employee("宜昌", f, start, Some(d(2025, 7, 1)), None, None).unwrap();
        assert!(w.new_enrolment && w.waiting_months.is_none() && !w.retroactive);
        // given as days or months
        assert_eq!(
            employee("宜昌", f, None, None, Some(100), None)
                .unwrap()
                .waiting_months,
            Some(3)
        );
        assert_eq!(
            employee("宜昌", f, None, None, None, Some(1))
                .unwrap()
                .waiting_months,
            Some(1)
        );
        assert!(
            employee("宜昌", f, None, None, None, Some(7))
                .unwrap()
                .new_enrolment
        );
        // 2 months may be 59 to 62 days: ask for the days
        assert_eq!(
            employee("宜昌", f, None, None, None, Some(2))
                .unwrap_err()
                .slot(),
            Some(SlotName::Days)
        );
        // Yichang's rules are for flexible workers; for employees no local rule is known, so the
        // national transfer rules are shown as the frame, not applied to a same-city gap
        let w = employee("宜昌", Category::Employee, None, None, None, Some(2)).unwrap();
        assert!(!w.retroactive && w.waiting_months.is_none(), "{w:?}");
        assert!(w.rule.contains("暂未收录宜昌职工"), "{}", w.rule);
        assert!(w.rule.contains("只适用于跨统筹地区转移接续"), "{}", w.rule);
    }

    #[test]
    fn month_lines_and_fallbacks() {
        let e = Category::Employee;
        // Ningbo: ≤ 3 months → next month with retroactive reimbursement
        let w = employee(
            "宁波",
            e,
            Some(d(2025, 1, 31)),
            Some(d(2025, 4, 30)),
            None,
            None,
        )
        .unwrap();
        assert!(w.retroactive);
        assert_eq!(w.coverage_from, Some(d(2025, 5, 1)));
        // one day more than 3 calendar months → Ningbo's rule does not cover it: the national
        // frame (local rules, at most 6 months), shown as a frame, not decided
        let w = employee(
            "宁波",
            e,
            Some(d(2025, 1, 31)),
            Some(d(2025, 5, 1)),
            None,
            None,
        )
        .unwrap();
        assert!(!w.retroactive && w.waiting_months.is_none());
        assert!(w.rule.contains("6 个月"));
        assert!(w.rule.contains("宁波的规定没有覆盖"), "{}", w.rule);
        // days against a month line: ≤ 84 days is surely within 3 months, > 93 surely not
        assert!(
            employee("宁波", e, None, None, Some(84), None)
                .unwrap()
                .retroactive
        );
        assert!(
            !employee("宁波", e, None, None, Some(94), None)
                .unwrap()
                .retroactive
        );
        assert_eq!(
            employee("宁波", e, None, None, Some(90), None)
                .unwrap_err()
                .slot(),
            Some(SlotName::From)
        );
        // Wuhan flexible: > 3 months → new enrolment, inpatient benefits from month 7
        let w = employee(
            "武汉",
            Category::Flexible,
            None,
            Some(d(2025, 5, 20)),
            None,
            Some(4),
        )
        .unwrap();
        assert!(w.new_enrolment);
        assert_eq!(w.coverage_from, Some(d(2025, 11, 1)));
        // a region without rules: the result says the local rule is unknown and gives the national
        // frame; it does not promise cover from the payment month or gap-period reimbursement
        let w = employee("天津", e, None, Some(d(2025, 5, 20)), None, Some(3)).unwrap();
        assert_eq!((w.coverage_from, w.waiting_months), (None, None));
        assert!(!w.retroactive);
        assert!(w.rule.starts_with("暂未收录天津职工医保"), "{}", w.rule);
        assert!(
            w.rule.contains("同城换单位、自己漏缴等其他断缴"),
            "{}",
            w.rule
        );
    }

    #[test]
    fn employee_errors() {
        let e = Category::Employee;
        assert!(matches!(
            employee(
                "宁波",
                e,
                Some(d(2025, 5, 1)),
                Some(d(2025, 4, 1)),
                None,
                None
            ),
            Err(CalcError::ReversedDates { .. })
        ));
        assert_eq!(
            employee("宁波", e, None, None, None, None)
                .unwrap_err()
                .slot(),
            Some(SlotName::Days)
        );
        assert_eq!(
            employee("宁波", e, Some(d(2025, 5, 1)), None, None, None)
                .unwrap_err()
                .slot(),
            Some(SlotName::To)
        );
        assert_eq!(
            waiting_period(
                &WaitingInput {
                    category: Some(e),
                    gap_months: Some(2),
                    ..Default::default()
                },
                &testdata::policies()
            )
            .unwrap_err()
            .slot(),
            Some(SlotName::Region)
        );
        assert!(matches!(
            employee("宁波", Category::Retiree, None, None, None, Some(1)),
            Err(CalcError::Unsupported(_))
        ));
        assert!(matches!(
            employee("火星", e, None, None, None, Some(1)),
            Err(CalcError::UnknownRegion(_))
        ));
    }
}

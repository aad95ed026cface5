//! Bare answers: what a reply to the engine's own question means when it is only a value
//! ("5", "五个", "3000", "20", "女", "最低"), and the value readers for bases and rates that the
//! free-text scanner shares with them.

use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;

use super::patterns::{ASKING, DATE_FULL, DATE_NO_YEAR};
use super::prepare::strip_fillers;
use super::types::{SlotName, SlotProblem, Slots, NEED_DAYS_NOT_MONTHS};
use super::Context;
use crate::calc::{BaseSpec, Category, Gender};
use crate::text::numbers::{self, DaysSpec};

/// Whether a reply that filled nothing was meant as an answer ("abc", "三个半月", "火星") rather
/// than a question of its own ("滞纳金怎么算"), which the engine routes elsewhere.
pub(super) fn looks_like_answer(core: &str) -> bool {
    !core.is_empty()
        && !ASKING.is_match(core)
        && (core.chars().count() <= 8
            || core
                .chars()
                .any(|c| c.is_ascii_digit() || "零一二两三四五六七八九十百千万半".contains(c)))
}

pub(super) fn bare_answer(
    slot: SlotName,
    core: &str,
    context: Context,
) -> Option<Result<Slots, SlotProblem>> {
    let default_year = context.default_year;
    let mut s = Slots::default();
    match slot {
        SlotName::Months => s.months = Some(numbers::parse_months_in(core, default_year)?),
        // A date answers "晚了多少天？" too ("应该2025年10月1日交的"): the scan reads it.
        SlotName::Days if DATE_FULL.is_match(core) || DATE_NO_YEAR.is_match(core) => return None,
        SlotName::Days if core.contains('月') || core.ends_with('年') => {
            return Some(Err(SlotProblem::with(slot, core, NEED_DAYS_NOT_MONTHS)));
        }
        SlotName::Days => match numbers::parse_days(core)? {
            DaysSpec::Days(n) => s.days = Some(n),
            DaysSpec::Months(_) => {
                return Some(Err(SlotProblem::with(slot, core, NEED_DAYS_NOT_MONTHS)))
            }
        },
        SlotName::Rate => {
            let r = numbers::parse_percent(core)?;
            if !rate_in_range(r) {
                return Some(Err(SlotProblem::new(slot, core)));
            }
            s.rate = Some(r);
        }
        SlotName::Base => s.base = Some(base_value(per_month_amount(core))?),
        SlotName::Amount => s.amount = Some(numbers::parse_money(per_year_amount(core))?),
        SlotName::Years
        | SlotName::PaidYears
        | SlotName::MissingYears
        | SlotName::GapYears
        | SlotName::RepaidYears
        | SlotName::RequiredYears => {
            let y = numbers::parse_years(core)?;
            *years_field(&mut s, slot) = Some(y);
        }
        SlotName::From | SlotName::To => {
            if default_year.is_none() && numbers::parse_month_day(core).is_some() {
                return Some(Err(SlotProblem::new(slot, core)));
            }
            let d = numbers::parse_date_in(core, default_year)?;
            if slot == SlotName::From {
                s.from = Some(d);
            } else {
                s.to = Some(d);
            }
        }
        SlotName::Gender => s.gender = Some(gender_word(core)?),
        SlotName::Category => s.category = Some(category_answer(core)?),
        SlotName::Insurance | SlotName::Region => return None,
    }
    Some(Ok(s))
}

/// "两千五一个月", "每月3000", "3000/月": the monthly base asked for.
pub(super) fn per_month_amount(core: &str) -> &str {
    let mut v = core.trim();
    for p in ["每个月", "每月", "一个月", "月"] {
        if let Some(rest) = v.strip_prefix(p) {
            v = rest.trim_start();
            break;
        }
    }
    for p in ["一个月", "每个月", "每月", "/月"] {
        if let Some(rest) = v.strip_suffix(p) {
            v = rest.trim_end();
            break;
        }
    }
    v
}

/// "一年380", "每人每年380元", "380一年": the yearly amount asked for (a resident's contribution).
pub(super) fn per_year_amount(core: &str) -> &str {
    let mut v = core.trim();
    for p in [
        "每人每年",
        "一人一年",
        "每年",
        "一年",
        "年缴",
        "每人",
        "一个人",
    ] {
        if let Some(rest) = v.strip_prefix(p) {
            v = rest.trim_start();
            break;
        }
    }
    for p in [
        "每人每年",
        "一人一年",
        "一年",
        "每年",
        "/年",
        "/人",
        "一个人",
        "每人",
    ] {
        if let Some(rest) = v.strip_suffix(p) {
            v = rest.trim_end();
            break;
        }
    }
    v
}

/// "3000和20%", "5000 6个月": several bare values in one answer. Each part that the asked-for slot
/// can read fills it; a percentage fills the rate. Used only when the whole answer filled nothing
/// for the asked-for slot.
pub(super) fn split_answers(slot: SlotName, core: &str, context: Context, into: &mut Slots) {
    static SEP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[\s,，、/和跟及与还有]+").unwrap());
    let parts: Vec<&str> = SEP.split(core).filter(|p| !p.is_empty()).collect();
    if parts.len() < 2 {
        return;
    }
    for part in parts {
        let part = strip_fillers(part);
        if !into.is_filled(slot) {
            if let Some(Ok(found)) = bare_answer(slot, part, context) {
                into.merge(&found);
                continue;
            }
        }
        let pct = part.contains('%') || part.starts_with("百分之");
        if pct && into.rate.is_none() {
            if let Some(r) = numbers::parse_percent(part).filter(|&r| rate_in_range(r)) {
                into.rate = Some(r.normalize());
            }
        }
    }
}

pub(super) fn years_field(s: &mut Slots, slot: SlotName) -> &mut Option<Decimal> {
    match slot {
        SlotName::PaidYears => &mut s.paid_years,
        SlotName::MissingYears => &mut s.missing_years,
        SlotName::GapYears => &mut s.gap_years,
        SlotName::RepaidYears => &mut s.repaid_years,
        SlotName::RequiredYears => &mut s.required_years,
        _ => &mut s.years,
    }
}

pub(super) fn gender_word(s: &str) -> Option<Gender> {
    match s {
        "男" | "男性" | "男的" | "男士" | "男生" | "先生" | "男同志" => {
            Some(Gender::Male)
        }
        "女" | "女性" | "女的" | "女士" | "女生" | "女同志" => Some(Gender::Female),
        _ => None,
    }
}

/// Short answers to "您是哪类人员?" that are too vague to use in free text.
pub(super) fn category_answer(s: &str) -> Option<Category> {
    let s = s.trim_end_matches(['的', '人']);
    Some(match s {
        "单位" | "公司" | "单位交" | "公司交" | "员工" | "打工" | "上班族" => {
            Category::Employee
        }
        "个人" | "自己" | "自己交" | "个人交" => Category::Flexible,
        "学生" | "小孩" | "孩子" | "儿童" | "新生儿" | "农民" | "农村" | "老人" | "居民" => {
            Category::Resident
        }
        "退休" | "退休了" | "退休人员" => Category::Retiree,
        "老板" | "单位的" | "企业" | "用人单位" => Category::Employer,
        _ => return None,
    })
}

pub(super) fn rate_in_range(r: Decimal) -> bool {
    r >= Decimal::new(1, 3) && r <= Decimal::new(6, 1)
}

/// A grade between 60% and 300% of the average wage.
pub(super) fn grade(x: Decimal) -> Option<BaseSpec> {
    (x >= Decimal::new(6, 1) && x <= Decimal::from(3)).then(|| BaseSpec::Grade(x.normalize()))
}

/// A base as said after 基数 / as a bare answer: yuan, a grade, or a grade word.
pub(super) fn base_value(v: &str) -> Option<BaseSpec> {
    let v = v.trim();
    match v {
        "最低" | "最低档" | "最低的" | "最低那档" => return grade(Decimal::new(6, 1)),
        "最高" | "最高档" | "最高的" | "最高那档" => return grade(Decimal::from(3)),
        "中档" | "中间档" | "中间" | "中间那档" => return grade(Decimal::ONE),
        _ => {}
    }
    let v = v.strip_suffix('档').unwrap_or(v);
    if v.contains('%') || v.starts_with("百分之") || v.ends_with("个点") {
        return grade(numbers::parse_percent(v)?);
    }
    let has_unit = ["元", "块", "块钱"].iter().any(|u| v.ends_with(u));
    let n = numbers::parse_money(v)?;
    if n >= Decimal::from(1000) && n <= Decimal::from(1_000_000) {
        Some(BaseSpec::Amount(n))
    } else if !has_unit && n >= Decimal::from(60) && n <= Decimal::from(300) {
        grade(n / Decimal::ONE_HUNDRED)
    } else if !has_unit && n < Decimal::from(60) {
        grade(n)
    } else {
        None
    }
}

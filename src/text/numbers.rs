//! Parsers for the values citizens type when the bot asks for a number.
//!
//! People answer in every notation at once: "5000", "5千", "两千五", "一万二", "1.2万", "12,000",
//! "一点五"; percentages as "20%", "百分之八点五", "20个点", "0.09"; durations as "三个月", "半年",
//! "一年半", "2024年3月到8月"; dates as "2024年1月15日". These functions turn one such token
//! into a typed value. They parse a *standalone* token (the whole string must be the value); finding
//! tokens inside a sentence is the job of `slots.rs`, which calls back into these.
//!
//! Money and rates are [`Decimal`], never floats. Pure Chinese integers ("两千五", "一万二") go
//! through the `chinese-number` crate; forms it does not know (mixed digits and units such as
//! "1.2万" / "2千5", a decimal point written 点, 半) are handled here around it.
//!
//! The parsers return `None` when a token is not a value of their kind; [`ParseError`] carries the
//! original text and what was expected, so the dialogue can say
//! 我没看懂“三个半月”，请说月数，如 3个月.

use std::str::FromStr;
use std::sync::LazyLock;

use chinese_number::{ChineseCountMethod, ChineseToNumber};
use chrono::NaiveDate;
use regex::Regex;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calc::{MonthsSpec, YearMonth};

/// Longest duration in months we accept (50 years); beyond that the token is a calendar year
/// ("2024年") or a typo, not a duration.
pub const MAX_MONTHS: u32 = 600;
/// Longest duration in days we accept (100 years).
pub const MAX_DAYS: u32 = 36_500;
/// Most years anyone can have paid or missed.
pub const MAX_YEARS: u32 = 80;

/// Regex fragment for a number token inside a sentence: Arabic digits (with thousands commas and
/// a decimal point, optionally followed by Chinese units as in "1.2万", "2千5") or Chinese
/// numerals (optionally with 点 and a trailing unit). Candidates are checked with
/// [`parse_number`].
pub(crate) const NUM: &str = r"(?:[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?[十百千万亿0-9]*|[零〇一二两三四五六七八九十百千万亿俩仨]+(?:点[零〇一二两三四五六七八九]+[十百千万亿]?)?)";

/// Regex fragment for a percentage token inside a sentence (checked with [`parse_percent`]).
/// 千分之 / 万分之 are deliberately absent: contribution rates are never said that way, late-fee
/// rates (万分之五) are.
pub(crate) const PCT: &str = r"(?:百分之[零〇一二两三四五六七八九十百点0-9.]+|[0-9]+(?:\.[0-9]+)?\s*%|[0-9零一二两三四五六七八九十.点]+个(?:百分)?点|0\.[0-9]+)";

/// Regex fragment for a calendar month number (1–12 in digits or Chinese numerals).
pub(crate) const MONTH: &str = r"(?:[0-9]{1,2}|十[一二]?|[一二三四五六七八九])";

/// Regex fragment for a day of month.
pub(crate) const DAY: &str =
    r"(?:[0-9]{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])";

/// What kind of value a parser was looking for; gives the dialogue its wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Number,
    Money,
    Percent,
    Months,
    Days,
    Years,
    Date,
}

impl ValueKind {
    /// What to ask for, with an example: "月数，如 3个月".
    pub fn expected(self) -> &'static str {
        match self {
            ValueKind::Number => "一个数，如 5000",
            ValueKind::Money => "金额，如 12000元",
            ValueKind::Percent => "比例，如 20%",
            ValueKind::Months => "月数，如 3个月",
            ValueKind::Days => "天数，如 45天",
            ValueKind::Years => "年数，如 15年",
            ValueKind::Date => "带年份的日期，如 2024年1月15日",
        }
    }

    /// The error for a token that is not a value of this kind.
    pub fn reject(self, input: &str) -> ParseError {
        ParseError {
            kind: self,
            input: input.trim().to_string(),
        }
    }
}

/// A token that could not be read as the value wanted, with the citizen's own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("我没看懂“{input}”，请说{}", kind.expected())]
pub struct ParseError {
    pub kind: ValueKind,
    pub input: String,
}

/// A number of days, or a duration the citizen gave in months/years when asked for days.
///
/// Months have 28–31 days, so "两个月" is not silently turned into 60: the engine confirms
/// ("按 61 天算吗?") or asks again. Weeks are exact and become days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum DaysSpec {
    Days(u32),
    Months(u32),
}

static ARABIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?$").unwrap());

/// The value of one Chinese digit character (零〇 → 0 … 九玖 → 9, 两俩 → 2, 仨 → 3).
pub fn digit_value(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' | '俩' => 2,
        '三' | '叁' | '仨' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

fn small_unit(c: char) -> Option<u32> {
    Some(match c {
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        '千' | '仟' => 1000,
        _ => return None,
    })
}

fn big_unit(c: char) -> Option<u64> {
    Some(match c {
        '万' => 10_000,
        '亿' => 100_000_000,
        _ => return None,
    })
}

fn is_chinese_numeral(c: char) -> bool {
    digit_value(c).is_some() || small_unit(c).is_some() || big_unit(c).is_some()
}

/// Colloquial digits the `chinese-number` crate does not know.
fn canonical_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '俩' => '两',
            '仨' => '三',
            c => c,
        })
        .collect()
}

/// Parses one number token: "5000", "12,000", "3.5", "5千", "1.2万", "2千5", "1万2", "两千五"
/// (2500), "一万二" (12000), "十五", "一点五", "三点五万". No sign, no unit of measure.
pub fn parse_number(s: &str) -> Option<Decimal> {
    let s = canonical_digits(s.trim());
    if s.is_empty() {
        return None;
    }
    if ARABIC.is_match(&s) {
        return Decimal::from_str(&s.replace(',', ""))
            .ok()
            .map(|d| d.normalize());
    }
    if s.contains('点') {
        return parse_with_point(&s);
    }
    if s.chars().all(is_chinese_numeral) {
        let n: u64 = s.to_number(ChineseCountMethod::TenThousand).ok()?;
        return Some(Decimal::from(n));
    }
    parse_mixed(&s).map(|d| d.normalize())
}

/// "一点五", "十二点五万", "3点5" (point written 点).
fn parse_with_point(s: &str) -> Option<Decimal> {
    let (int_part, rest) = s.split_once('点')?;
    if int_part.is_empty() {
        return None;
    }
    let int = parse_number(int_part)?;
    if int.fract() != Decimal::ZERO {
        return None;
    }
    let mut frac_digits = String::new();
    let mut unit = Decimal::ONE;
    let mut chars = rest.chars().peekable();
    while let Some(&c) = chars.peek() {
        if let Some(d) = c.to_digit(10).or_else(|| digit_value(c)) {
            frac_digits.push(char::from_digit(d, 10)?);
            chars.next();
        } else {
            break;
        }
    }
    if let Some(c) = chars.next() {
        unit = Decimal::from(big_unit(c).or_else(|| small_unit(c).map(u64::from))?);
        // "三点五万" yes; "一百点五万" is not a way anyone writes a number.
        let int_has_units = int_part
            .chars()
            .any(|c| big_unit(c).is_some() || matches!(small_unit(c), Some(100 | 1000)));
        if chars.next().is_some() || int_has_units {
            return None;
        }
    }
    if frac_digits.is_empty() {
        return None;
    }
    let frac = Decimal::from_str(&format!("0.{frac_digits}")).ok()?;
    Some(((int + frac) * unit).normalize())
}

#[derive(Clone, Copy)]
enum Tok {
    Num(Decimal, bool),
    Zero,
    Small(u32),
    Big(u64),
}

/// Mixed Arabic digits and Chinese units: "5千", "1.2万", "2千5", "1万2千", "3万5".
fn parse_mixed(s: &str) -> Option<Decimal> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || matches!(chars[j], '.' | ',')) {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            if !ARABIC.is_match(&run) {
                return None;
            }
            let v = Decimal::from_str(&run.replace(',', "")).ok()?;
            toks.push(Tok::Num(v, run.len() == 1));
            i = j;
            continue;
        }
        if let Some(d) = digit_value(c) {
            toks.push(if d == 0 {
                Tok::Zero
            } else {
                Tok::Num(Decimal::from(d), true)
            });
        } else if let Some(u) = small_unit(c) {
            toks.push(Tok::Small(u));
        } else if let Some(u) = big_unit(c) {
            toks.push(Tok::Big(u));
        } else {
            return None;
        }
        i += 1;
    }

    let mut total = Decimal::ZERO;
    let mut section = Decimal::ZERO;
    let mut pending: Option<(Decimal, bool)> = None;
    // The unit written right before the pending number ("一万二": 万), for the abbreviation
    // "一万二" = 一万二千; cleared by 零 ("一万零二" = 10002).
    let mut unit_before: Option<Decimal> = None;
    let mut last_small: Option<u32> = None;
    let mut last_big: Option<u64> = None;
    let mut prev: Option<Tok> = None;
    for tok in toks {
        match tok {
            Tok::Num(v, single) => {
                if pending.is_some() {
                    return None;
                }
                pending = Some((v, single));
                unit_before = match prev {
                    Some(Tok::Small(u)) => Some(Decimal::from(u)),
                    Some(Tok::Big(u)) => Some(Decimal::from(u)),
                    _ => None,
                };
            }
            Tok::Zero => {
                if pending.is_some() {
                    return None;
                }
            }
            Tok::Small(u) => {
                let n = match pending.take() {
                    Some((v, _)) => v,
                    None if u == 10 => Decimal::ONE,
                    None => return None,
                };
                if last_small.is_some_and(|ls| u >= ls) {
                    return None;
                }
                section += n * Decimal::from(u);
                last_small = Some(u);
            }
            Tok::Big(u) => {
                let n = section + pending.take().map_or(Decimal::ZERO, |p| p.0);
                if n.is_zero() || last_big.is_some_and(|lb| u >= lb) {
                    return None;
                }
                total += n * Decimal::from(u);
                section = Decimal::ZERO;
                last_small = None;
                last_big = Some(u);
            }
        }
        prev = Some(tok);
    }
    if let Some((v, single)) = pending {
        match unit_before {
            Some(u) if single => section += v * u / Decimal::TEN,
            Some(u) if v >= u => return None,
            _ => section += v,
        }
    }
    Some(total + section)
}

/// A whole number that fits `u32` ("三" → 3, "12" → 12; "1.5" → None).
pub fn parse_count(s: &str) -> Option<u32> {
    let n = parse_number(s)?;
    if n.fract() != Decimal::ZERO || n.is_sign_negative() {
        return None;
    }
    n.to_u32()
}

/// A money amount: a number optionally followed by 元 / 块 / 块钱 ("12,000元", "1.2万元"), or the
/// chat shorthand "3k" / "1.2w".
pub fn parse_money(s: &str) -> Option<Decimal> {
    let s = s.trim();
    let s = ["块钱", "元钱", "元", "块", "圆"]
        .iter()
        .find_map(|u| s.strip_suffix(u))
        .unwrap_or(s);
    let s = s.trim();
    // "3k", "1.2w": the shorthand of chat apps for 千 and 万.
    if let Some(n) = s.strip_suffix(['k', 'K']).filter(|n| ARABIC.is_match(n)) {
        return parse_number(n).map(|v| (v * Decimal::from(1000)).normalize());
    }
    if let Some(n) = s.strip_suffix(['w', 'W']).filter(|n| ARABIC.is_match(n)) {
        return parse_number(n).map(|v| (v * Decimal::from(10_000)).normalize());
    }
    parse_number(s)
}

/// Parses a rate as a fraction: "20%" → 0.2, "百分之八" → 0.08, "百分之八点五" → 0.085,
/// "20个点" → 0.2, "千分之五" → 0.005, "万分之五" → 0.0005.
///
/// A bare number is read the way people answer "比例是多少?": below 1 it already is a fraction
/// ("0.09" → 0.09), from 1 to 100 it is a percentage ("20" → 0.2); anything larger is not a rate.
/// Explicit percentages may exceed 100% ("300%" → 3, for base grades); callers check ranges.
pub fn parse_percent(s: &str) -> Option<Decimal> {
    let s = s.trim();
    let scaled = |rest: &str, by: i64| {
        parse_number(rest.trim()).map(|n| (n / Decimal::from(by)).normalize())
    };
    if let Some(rest) = s.strip_suffix('%') {
        return scaled(rest, 100);
    }
    for (prefix, by) in [("百分之", 100), ("千分之", 1000), ("万分之", 10_000)] {
        if let Some(rest) = s.strip_prefix(prefix) {
            return scaled(rest, by);
        }
    }
    for suffix in ["个百分点", "个点"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            return scaled(rest, 100);
        }
    }
    let n = parse_number(s)?;
    if n < Decimal::ONE {
        Some(n)
    } else if n <= Decimal::ONE_HUNDRED {
        Some((n / Decimal::ONE_HUNDRED).normalize())
    } else {
        None
    }
}

/// A month count written as a duration: "3个月", "三个月", "半年" (6), "一年半" (18), "两年" (24),
/// "1年3个月" (15), "两个季度" (6). "三个半月" and "3个多月" are not whole months: `None`.
pub fn parse_duration_months(s: &str) -> Option<u32> {
    let s = s.trim();
    let n = if s == "半年" {
        6
    } else if let Some(rest) = s.strip_suffix("个月") {
        match rest.split_once('年') {
            Some((y, m)) => {
                let m = m.trim_start_matches(['零', '又']);
                parse_count(y)?
                    .checked_mul(12)?
                    .checked_add(parse_count(m)?)?
            }
            None => parse_count(rest)?,
        }
    } else if let Some(rest) = s.strip_suffix("个季度") {
        parse_count(rest)?.checked_mul(3)?
    } else if let Some(rest) = s.strip_suffix("年半") {
        parse_count(rest)?.checked_mul(12)?.checked_add(6)?
    } else if let Some(rest) = s.strip_suffix('年') {
        parse_count(rest)?.checked_mul(12)?
    } else {
        return None;
    };
    (1..=MAX_MONTHS).contains(&n).then_some(n)
}

fn year_of(s: &str) -> Option<i32> {
    let y: i32 = s.parse().ok()?;
    let y = if s.len() == 2 { 2000 + y } else { y };
    (1950..=2100).contains(&y).then_some(y)
}

fn month_of(s: &str) -> Option<u32> {
    let m = parse_count(s)?;
    (1..=12).contains(&m).then_some(m)
}

static PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?:从)?([0-9]{{4}}|[0-9]{{2}})(年|[-/.])({MONTH})(?:月份|月)?(?:开始)?\s*(?:一直到|到|至|~|-|—|–)\s*(?:([0-9]{{4}}|[0-9]{{2}})(年|[-/.]))?({MONTH})(?:月份|月)?(?:为止|结束)?$"
    ))
    .unwrap()
});

static SINGLE_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^([0-9]{{4}}|[0-9]{{2}})(年|[-/.])({MONTH})(?:月份|月)?$"
    ))
    .unwrap()
});

static MONTH_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?:从)?({MONTH})(?:月份|月)\s*(?:一直到|到|至|~|-|—|–)\s*({MONTH})(?:月份|月)(?:为止|结束)?$"
    ))
    .unwrap()
});

/// An inclusive period of calendar months: "2024年3月到8月", "2024-03至2024-08",
/// "2023年11月到2024年2月", "2024.3-2024.8". When the end has no year it is the start's year, or
/// the next one if the end month comes before the start month ("2023年11月到2月").
/// A two-digit year needs 年 ("24年3月到8月" = 2024).
pub fn parse_period(s: &str) -> Option<(YearMonth, YearMonth)> {
    let s = s.trim();
    let c = PERIOD.captures(s)?;
    let two_digit_ok = |y: &str, sep: &str| y.len() == 4 || sep == "年";
    if !two_digit_ok(&c[1], &c[2]) {
        return None;
    }
    let from = YearMonth {
        year: year_of(&c[1])?,
        month: month_of(&c[3])?,
    };
    let to_month = month_of(&c[6])?;
    let to_year = match (c.get(4), c.get(5)) {
        (Some(y), Some(sep)) => {
            if !two_digit_ok(y.as_str(), sep.as_str()) {
                return None;
            }
            year_of(y.as_str())?
        }
        _ if to_month < from.month => from.year + 1,
        _ => from.year,
    };
    let to = YearMonth {
        year: to_year,
        month: to_month,
    };
    let span = (to.year - from.year) * 12 + to.month as i32 - from.month as i32 + 1;
    (from <= to && span <= MAX_MONTHS as i32).then_some((from, to))
}

/// One calendar month with its year: "2024年3月", "2024-03".
pub fn parse_year_month(s: &str) -> Option<YearMonth> {
    let c = SINGLE_MONTH.captures(s.trim())?;
    if c[1].len() == 2 && &c[2] != "年" {
        return None;
    }
    Some(YearMonth {
        year: year_of(&c[1])?,
        month: month_of(&c[3])?,
    })
}

/// A range of months without a year ("3月到8月"): the months, so the dialogue can ask which year.
pub fn parse_month_range(s: &str) -> Option<(u32, u32)> {
    let c = MONTH_RANGE.captures(s.trim())?;
    Some((month_of(&c[1])?, month_of(&c[2])?))
}

/// Months however given: a duration ([`parse_duration_months`]) or a period with its year
/// ([`parse_period`], or one month as in "2024年3月").
pub fn parse_months(s: &str) -> Option<MonthsSpec> {
    if let Some((from, to)) = parse_period(s) {
        return Some(MonthsSpec::Period { from, to });
    }
    if let Some(ym) = parse_year_month(s) {
        return Some(MonthsSpec::Period { from: ym, to: ym });
    }
    parse_duration_months(s).map(|months| MonthsSpec::Count { months })
}

/// Days: "30天", "三十天", "45日", "两周" (14), a bare "45". A duration in months or years
/// ("两个月", "半年") comes back as [`DaysSpec::Months`] for the engine to confirm.
pub fn parse_days(s: &str) -> Option<DaysSpec> {
    let s = s.trim();
    let in_range = |n: u32| (1..=MAX_DAYS).contains(&n);
    for suffix in ["天", "日"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            return parse_count(rest)
                .filter(|&n| in_range(n))
                .map(DaysSpec::Days);
        }
    }
    for suffix in ["个星期", "个礼拜", "星期", "礼拜", "周"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            return parse_count(rest)
                .and_then(|n| n.checked_mul(7))
                .filter(|&n| in_range(n))
                .map(DaysSpec::Days);
        }
    }
    if let Some(m) = parse_duration_months(s) {
        return Some(DaysSpec::Months(m));
    }
    parse_count(s).filter(|&n| in_range(n)).map(DaysSpec::Days)
}

/// Years as a decimal: "18年", "十八年", "18年半" (18.5), "半年" (0.5), "15年3个月" (15.25),
/// "1.5年", a bare "18". Months that are not a whole quarter are rounded to 4 decimal places
/// ("15年2个月" = 15.1667), from which `years × 12` rounds back to the exact month count.
pub fn parse_years(s: &str) -> Option<Decimal> {
    let s = s.trim();
    let twelve = Decimal::from(12);
    let y = if s == "半年" {
        Decimal::new(5, 1)
    } else if let Some(rest) = s.strip_suffix("年半") {
        whole(rest)? + Decimal::new(5, 1)
    } else if let Some(rest) = s.strip_suffix("个月") {
        let months = match rest.split_once('年') {
            Some((y, m)) => {
                let m = parse_count(m.trim_start_matches(['零', '又']))?;
                if m >= 12 {
                    return None;
                }
                whole(y)? * twelve + Decimal::from(m)
            }
            None => Decimal::from(parse_count(rest)?),
        };
        (months / twelve).round_dp(4)
    } else if let Some(rest) = s.strip_suffix('年') {
        parse_number(rest)?
    } else {
        parse_number(s)?
    };
    (y > Decimal::ZERO && y <= Decimal::from(MAX_YEARS)).then(|| y.normalize())
}

fn whole(s: &str) -> Option<Decimal> {
    parse_count(s).map(Decimal::from)
}

static DATE_DASHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9]{4})([-/.])([0-9]{1,2})([-/.])([0-9]{1,2})(?:日|号)?$").unwrap()
});
static DATE_CHINESE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^([0-9]{{4}}|[0-9]{{2}})年({MONTH})月({DAY})(?:日|号)?$"
    ))
    .unwrap()
});
static DATE_COMPACT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]{4})([0-9]{2})([0-9]{2})$").unwrap());
static MONTH_DAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^({MONTH})月({DAY})(?:日|号)$")).unwrap());

/// A calendar date with its year: "2024-01-15", "2024/1/15", "2024.1.15", "2024年1月15日",
/// "2024年1月15号", "24年1月15日", "20240115".
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let (y, m, d) = if let Some(c) = DATE_DASHED.captures(s) {
        if c[2] != c[4] {
            return None;
        }
        (year_of(&c[1])?, c[3].parse().ok()?, c[5].parse().ok()?)
    } else if let Some(c) = DATE_CHINESE.captures(s) {
        (year_of(&c[1])?, month_of(&c[2])?, parse_count(&c[3])?)
    } else if let Some(c) = DATE_COMPACT.captures(s) {
        (year_of(&c[1])?, c[2].parse().ok()?, c[3].parse().ok()?)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A date without its year ("1月15号"): month and day, so the dialogue can ask for the year.
pub fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    let c = MONTH_DAY.captures(s.trim())?;
    let (m, d) = (month_of(&c[1])?, parse_count(&c[2])?);
    (1..=31).contains(&d).then_some((m, d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn numbers_in_every_notation() {
        let cases = [
            ("5000", dec!(5000)),
            ("5千", dec!(5000)),
            ("两千五", dec!(2500)),
            ("一万二", dec!(12000)),
            ("1.2万", dec!(12000)),
            ("12,000", dec!(12000)),
            ("三", dec!(3)),
            ("十五", dec!(15)),
            ("一点五", dec!(1.5)),
            ("3.5", dec!(3.5)),
            ("2千5", dec!(2500)),
            ("1万2", dec!(12000)),
            ("1万2千", dec!(12000)),
            ("3万5千", dec!(35000)),
            ("12万", dec!(120000)),
            ("1千零5", dec!(1005)),
            ("一千零五", dec!(1005)),
            ("三点五万", dec!(35000)),
            ("十二点五", dec!(12.5)),
            ("一百点五", dec!(100.5)),
            ("俩", dec!(2)),
            ("仨", dec!(3)),
            ("一万两千", dec!(12000)),
            ("1,234.5", dec!(1234.5)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_number(s), Some(want), "{s}");
        }
        for s in [
            "",
            "abc",
            "一二三",
            "万",
            "千",
            "1.2.3",
            "12,00",
            "点五",
            "5千多",
            "三个",
        ] {
            assert_eq!(parse_number(s), None, "{s}");
        }
    }

    #[test]
    fn percents_are_fractions() {
        let cases = [
            ("20%", dec!(0.2)),
            ("9%", dec!(0.09)),
            ("8.5%", dec!(0.085)),
            ("百分之八", dec!(0.08)),
            ("百分之八点五", dec!(0.085)),
            ("百分之二十", dec!(0.2)),
            ("0.09", dec!(0.09)),
            ("20个点", dec!(0.2)),
            ("八个百分点", dec!(0.08)),
            ("万分之五", dec!(0.0005)),
            ("千分之二", dec!(0.002)),
            ("300%", dec!(3)),
            ("20", dec!(0.2)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_percent(s), Some(want), "{s}");
        }
        assert_eq!(parse_percent("500"), None);
        assert_eq!(parse_percent("abc%"), None);
    }

    #[test]
    fn months_and_periods() {
        let count = |n| Some(MonthsSpec::Count { months: n });
        assert_eq!(parse_months("3个月"), count(3));
        assert_eq!(parse_months("三个月"), count(3));
        assert_eq!(parse_months("半年"), count(6));
        assert_eq!(parse_months("一年半"), count(18));
        assert_eq!(parse_months("两年"), count(24));
        assert_eq!(parse_months("1年3个月"), count(15));
        assert_eq!(parse_months("一年零三个月"), count(15));
        assert_eq!(parse_months("三个半月"), None);
        assert_eq!(parse_months("3个多月"), None);
        assert_eq!(parse_months("2024年"), None);
        let ym = |year, month| YearMonth { year, month };
        let period = |a, b| Some(MonthsSpec::Period { from: a, to: b });
        assert_eq!(
            parse_months("2024年3月到8月"),
            period(ym(2024, 3), ym(2024, 8))
        );
        assert_eq!(
            parse_months("2024-03至2024-08"),
            period(ym(2024, 3), ym(2024, 8))
        );
        assert_eq!(
            parse_months("2023年11月到2024年2月"),
            period(ym(2023, 11), ym(2024, 2))
        );
        assert_eq!(
            parse_months("2023年11月到2月"),
            period(ym(2023, 11), ym(2024, 2))
        );
        assert_eq!(
            parse_months("24年3月到8月"),
            period(ym(2024, 3), ym(2024, 8))
        );
        assert_eq!(
            parse_months("2024年三月到八月份"),
            period(ym(2024, 3), ym(2024, 8))
        );
        assert_eq!(parse_months("2024年3月"), period(ym(2024, 3), ym(2024, 3)));
        assert_eq!(parse_months("2024年8月到2023年3月"), None);
        assert_eq!(parse_months("2024年13月到8月"), None);
        assert_eq!(parse_month_range("3月到8月"), Some((3, 8)));
    }

    #[test]
    fn days_do_not_silently_become_months() {
        assert_eq!(parse_days("30天"), Some(DaysSpec::Days(30)));
        assert_eq!(parse_days("三十天"), Some(DaysSpec::Days(30)));
        assert_eq!(parse_days("45"), Some(DaysSpec::Days(45)));
        assert_eq!(parse_days("两周"), Some(DaysSpec::Days(14)));
        assert_eq!(parse_days("两个月"), Some(DaysSpec::Months(2)));
        assert_eq!(parse_days("半年"), Some(DaysSpec::Months(6)));
        assert_eq!(parse_days("半个月"), None);
        assert_eq!(parse_days("0天"), None);
    }

    #[test]
    fn years_with_halves_and_months() {
        assert_eq!(parse_years("18年"), Some(dec!(18)));
        assert_eq!(parse_years("十八年"), Some(dec!(18)));
        assert_eq!(parse_years("18年半"), Some(dec!(18.5)));
        assert_eq!(parse_years("一年半"), Some(dec!(1.5)));
        assert_eq!(parse_years("半年"), Some(dec!(0.5)));
        assert_eq!(parse_years("15年3个月"), Some(dec!(15.25)));
        assert_eq!(parse_years("15年2个月"), Some(dec!(15.1667)));
        assert_eq!(parse_years("18"), Some(dec!(18)));
        assert_eq!(parse_years("2024年"), None);
        assert_eq!(parse_years("15年13个月"), None);
        assert_eq!(
            (parse_years("15年2个月").unwrap() * dec!(12)).round(),
            dec!(182)
        );
    }

    #[test]
    fn dates_need_a_year() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("2024-01-15"), d(2024, 1, 15));
        assert_eq!(parse_date("2024/1/15"), d(2024, 1, 15));
        assert_eq!(parse_date("2024年1月15日"), d(2024, 1, 15));
        assert_eq!(parse_date("2024年一月十五号"), d(2024, 1, 15));
        assert_eq!(parse_date("20240115"), d(2024, 1, 15));
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("2024-01/15"), None);
        assert_eq!(parse_date("1月15号"), None);
        assert_eq!(parse_month_day("1月15号"), Some((1, 15)));
    }

    #[test]
    fn errors_quote_the_input() {
        let e = ValueKind::Months.reject(" 三个半月 ");
        assert_eq!(e.input, "三个半月");
        assert_eq!(e.to_string(), "我没看懂“三个半月”，请说月数，如 3个月");
    }

    #[test]
    fn money_units() {
        assert_eq!(parse_money("12,000元"), Some(dec!(12000)));
        assert_eq!(parse_money("1.2万元"), Some(dec!(12000)));
        assert_eq!(parse_money("五千块钱"), Some(dec!(5000)));
        assert_eq!(parse_money("三千块"), Some(dec!(3000)));
    }
}

//! The one reader of the values citizens type, for the chat's slot extraction, the calculators'
//! string inputs and `bujiao calc …` alike, so every channel accepts exactly the same inputs.
//!
//! People answer in every notation at once: "5000", "5千", "两千五", "一万二", "1.2万", "12,000",
//! "3k", "一点五"; rates as "20%", "百分之八点五", "20个点", "5‰", "0.09"; durations as "三个月",
//! "半年", "一年半"; months as "2024-03", "2024年3月", "二〇二四年三月"; periods as
//! "2024-03至2024-08", "2024年3月到8月", "2024-03 to 2024-08"; dates as "2024年1月15日",
//! "24年1月15日", "20240115". Full-width digits and symbols are read as their ASCII forms and
//! spaces inside a value are ignored. These functions turn one such token into a typed value.
//! They parse a *standalone* token (the whole string must be the value); finding tokens inside a
//! sentence is the job of `dialogue::slots`, which calls back into these.
//!
//! Two layers: the `parse_*` functions answer `Option` (is this token a value of that kind?) for
//! the slot scanner, which words its own problems; the `read_*` functions answer
//! `Result<_, ParseError>` for single inputs (calculator arguments, a bare answer), telling apart
//! a token that is not a value at all from a negative, zero, too large, reversed or yearless one,
//! each message quoting the input. Both layers share the grammar and one set of limits
//! ([`MAX_MONTHS`], [`MAX_DAYS`], [`MAX_YEARS`], [`MIN_YEAR`]..=[`MAX_YEAR`]).
//!
//! A month or date said without its year ("3月到8月", "1月15号") takes the caller's
//! `default_year` (the `*_in` functions): the year of a month named earlier in the conversation,
//! or this year in China time. The reader has no clock; without a default year such input is
//! refused with [`ParseError::NeedsYear`].
//!
//! Money and rates are [`Decimal`], never floats. Pure Chinese integers ("两千五", "一万二") go
//! through the `chinese-number` crate; forms it does not know (mixed digits and units such as
//! "1.2万" / "2千5", a decimal point written 点, 半) are handled here around it.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::LazyLock;

use chinese_number::{ChineseCountMethod, ChineseToNumber};
use chrono::NaiveDate;
use regex::Regex;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::calendar::{MonthsSpec, YearMonth};

/// Longest duration in months anyone can mean (50 years of contributions); beyond that the token
/// is a calendar year ("2024年") or a typo. The calculators refuse the same figure.
pub const MAX_MONTHS: u32 = 600;
/// Longest duration in days (100 years of days, leap days included).
pub const MAX_DAYS: u32 = 36_600;
/// Most years anyone can have paid or missed.
pub const MAX_YEARS: u32 = 80;
/// Earliest calendar year a month or date may name.
pub const MIN_YEAR: i32 = 1950;
/// Latest calendar year a month or date may name.
pub const MAX_YEAR: i32 = 2100;

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
    /// One calendar month with its year ("2024年3月").
    YearMonth,
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
            ValueKind::Months => "月数或起止月份，如 3个月、2024年3月到8月",
            ValueKind::YearMonth => "带年份的月份，如 2024年3月",
            ValueKind::Days => "天数，如 45天",
            ValueKind::Years => "年数，如 15年",
            ValueKind::Date => "带年份的日期，如 2024年1月15日",
        }
    }

    /// The value's name in a sentence: "比例不能是负数".
    pub fn label(self) -> &'static str {
        match self {
            ValueKind::Number => "数",
            ValueKind::Money => "金额",
            ValueKind::Percent => "比例",
            ValueKind::Months => "月数",
            ValueKind::YearMonth => "月份",
            ValueKind::Days => "天数",
            ValueKind::Years => "年数",
            ValueKind::Date => "日期",
        }
    }

    /// The error for a token that is not a value of this kind.
    pub fn reject(self, input: &str) -> ParseError {
        ParseError::Unreadable {
            kind: self,
            input: input.trim().to_string(),
        }
    }
}

/// Why a token could not be read as the value wanted; every message quotes the citizen's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not a value of this kind at all.
    #[error("我没看懂“{input}”，请说{}", kind.expected())]
    Unreadable { kind: ValueKind, input: String },
    /// A negative figure ("-5%", "负100").
    #[error("“{input}”是负数，{}不能是负数，请核对。", kind.label())]
    Negative { kind: ValueKind, input: String },
    /// Zero where only a positive figure makes sense.
    #[error("“{input}”是 0，{}不能为 0，请告诉我实际的{}。", kind.label(), kind.label())]
    Zero { kind: ValueKind, input: String },
    /// Beyond the limit for the kind (`limit` says it: "100%", "1200个月（100年）").
    #[error("“{input}”超过了{}的上限 {limit}，请核对。", kind.label())]
    TooLarge {
        kind: ValueKind,
        input: String,
        limit: &'static str,
    },
    /// A month or date without its year, and no default year given.
    #[error("“{input}”没有年份，请说{}", kind.expected())]
    NeedsYear { kind: ValueKind, input: String },
    /// A date that does not exist ("2023-02-29").
    #[error("“{input}”这一天不存在，请核对年月日。")]
    NoSuchDate { input: String },
    /// A period whose start comes after its end ("2024年8月到2023年3月").
    #[error("“{input}”的开始晚于结束，请核对起止月份。")]
    Reversed { input: String },
}

impl ParseError {
    /// The citizen's words.
    pub fn input(&self) -> &str {
        match self {
            ParseError::Unreadable { input, .. }
            | ParseError::Negative { input, .. }
            | ParseError::Zero { input, .. }
            | ParseError::TooLarge { input, .. }
            | ParseError::NeedsYear { input, .. }
            | ParseError::NoSuchDate { input }
            | ParseError::Reversed { input } => input,
        }
    }
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

/// A token as the grammar reads it: full-width digits, letters and symbols as ASCII (０-９, ％,
/// ．。, ／, －—–, ～, ，), ASCII letters lower-cased ("3K", "RMB", "TO"), whitespace dropped
/// ("2024-03 to 2024-08", "5000 元"). Borrowed when there is nothing to change.
fn clean(s: &str) -> Cow<'_, str> {
    let s = s.trim();
    let changes = |c: char| {
        c.is_whitespace()
            || c.is_ascii_uppercase()
            || ('\u{FF01}'..='\u{FF5E}').contains(&c)
            || "。—–".contains(c)
    };
    if !s.chars().any(changes) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            '。' => '.',
            '—' | '–' => '-',
            // The full-width forms of ASCII: ０-９, Ａ-ｚ, ％, ．, ／, －, ～, ，.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        };
        if !c.is_whitespace() {
            out.push(c.to_ascii_lowercase());
        }
    }
    Cow::Owned(out)
}

/// Parses one number token: "5000", "12,000", "3.5", "5千", "1.2万", "2千5", "1万2", "两千五"
/// (2500), "一万二" (12000), "十五", "一点五", "三点五万". No sign, no unit of measure.
pub fn parse_number(s: &str) -> Option<Decimal> {
    number(&clean(s))
}

/// [`parse_number`] on a cleaned token.
fn number(s: &str) -> Option<Decimal> {
    let s = canonical_digits(s);
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
    let int = number(int_part)?;
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
    // Checked: a numeral at the edge of `Decimal` is not a number anyone means (no panic).
    Some(int.checked_add(frac)?.checked_mul(unit)?.normalize())
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
                // Checked throughout: 79228162514264337593543950335千 overflows `Decimal`.
                section = section.checked_add(n.checked_mul(Decimal::from(u))?)?;
                last_small = Some(u);
            }
            Tok::Big(u) => {
                let n = section.checked_add(pending.take().map_or(Decimal::ZERO, |p| p.0))?;
                if n.is_zero() || last_big.is_some_and(|lb| u >= lb) {
                    return None;
                }
                total = total.checked_add(n.checked_mul(Decimal::from(u))?)?;
                section = Decimal::ZERO;
                last_small = None;
                last_big = Some(u);
            }
        }
        prev = Some(tok);
    }
    if let Some((v, single)) = pending {
        match unit_before {
            Some(u) if single => section = section.checked_add(v * u / Decimal::TEN)?,
            Some(u) if v >= u => return None,
            _ => section = section.checked_add(v)?,
        }
    }
    total.checked_add(section)
}

/// A whole number that fits `u32` ("三" → 3, "12" → 12; "1.5" → None).
pub fn parse_count(s: &str) -> Option<u32> {
    let n = parse_number(s)?;
    if n.fract() != Decimal::ZERO || n.is_sign_negative() {
        return None;
    }
    n.to_u32()
}

/// Splits off a leading minus sign ("-", "负") of a cleaned token.
fn sign(s: &str) -> (bool, &str) {
    match s.strip_prefix('-').or_else(|| s.strip_prefix('负')) {
        Some(rest) => (true, rest),
        None => (false, s),
    }
}

/// A money amount: a number optionally followed by 元 / 块 / 块钱 / 元钱 / 圆 / rmb ("12,000元",
/// "1.2万元", "3333.33块"), or the chat shorthand "3k" / "1.2w".
pub fn parse_money(s: &str) -> Option<Decimal> {
    money(&clean(s))
}

fn money(s: &str) -> Option<Decimal> {
    let s = ["块钱", "元钱", "元", "块", "圆", "rmb"]
        .iter()
        .find_map(|u| s.strip_suffix(u))
        .unwrap_or(s);
    // "3k", "1.2w": the shorthand of chat apps for 千 and 万.
    if let Some(n) = s.strip_suffix('k').filter(|n| ARABIC.is_match(n)) {
        return number(n)?
            .checked_mul(Decimal::from(1000))
            .map(|v| v.normalize());
    }
    if let Some(n) = s.strip_suffix('w').filter(|n| ARABIC.is_match(n)) {
        return number(n)?
            .checked_mul(Decimal::from(10_000))
            .map(|v| v.normalize());
    }
    number(s)
}

/// Parses a rate as a fraction: "20%" → 0.2, "百分之八" → 0.08, "百分之八点五" → 0.085,
/// "20个点" → 0.2, "八个百分点" → 0.08, "千分之五" / "5‰" → 0.005, "万分之五" → 0.0005.
///
/// A bare number is read the way people answer "比例是多少?": below 1 it already is a fraction
/// ("0.09" → 0.09), from 1 to 100 it is a percentage ("20" → 0.2, "1" → 1%); anything larger is
/// not a rate. Write "100%" for one hundred per cent. Explicit percentages may exceed 100%
/// ("300%" → 3, for base grades); callers check ranges ([`read_rate`] refuses more than 100%).
pub fn parse_percent(s: &str) -> Option<Decimal> {
    let (n, explicit) = percent(&clean(s))?;
    (explicit || n <= Decimal::ONE).then_some(n)
}

/// A rate of a cleaned token and whether it was written as a rate (%, ‰, 百分之…) rather than as a
/// bare number (which is then read as a percentage from 1 up, uncapped).
fn percent(s: &str) -> Option<(Decimal, bool)> {
    let scaled =
        |rest: &str, by: i64| number(rest).map(|n| ((n / Decimal::from(by)).normalize(), true));
    if let Some(rest) = s.strip_suffix('%') {
        return scaled(rest, 100);
    }
    if let Some(rest) = s.strip_suffix('‰') {
        return scaled(rest, 1000);
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
    let n = number(s)?;
    if n < Decimal::ONE {
        Some((n, false))
    } else {
        Some(((n / Decimal::ONE_HUNDRED).normalize(), false))
    }
}

/// A month count written as a duration: "3个月", "三个月", "半年" (6), "一年半" (18), "两年" (24),
/// "1年3个月" (15), "两个季度" (6), "一年整". "三个半月" and "3个多月" are not whole months:
/// `None`; so is anything beyond [`MAX_MONTHS`].
pub fn parse_duration_months(s: &str) -> Option<u32> {
    duration_months(&clean(s)).filter(|n| (1..=MAX_MONTHS).contains(n))
}

/// A duration in months of a cleaned token, without the range check.
fn duration_months(s: &str) -> Option<u32> {
    let s = s.strip_suffix('整').unwrap_or(s);
    if s == "半年" {
        Some(6)
    } else if let Some(rest) = s.strip_suffix("个月") {
        match rest.split_once('年') {
            Some((y, m)) => {
                let m = m.trim_start_matches(['零', '又']);
                parse_count(y)?
                    .checked_mul(12)?
                    .checked_add(parse_count(m)?)
            }
            None => parse_count(rest),
        }
    } else if let Some(rest) = s.strip_suffix("个季度") {
        parse_count(rest)?.checked_mul(3)
    } else if let Some(rest) = s.strip_suffix("年半") {
        parse_count(rest)?.checked_mul(12)?.checked_add(6)
    } else if let Some(rest) = s.strip_suffix('年') {
        parse_count(rest)?.checked_mul(12)
    } else {
        None
    }
}

/// Regex fragment for a calendar year: four digits, two digits (with 年: "24年" = 2024), or four
/// Chinese digits read one by one (with 年: "二〇二四年").
const YEAR: &str = r"(?:[0-9]{4}|[0-9]{2}|[零〇一二三四五六七八九]{4})";

/// A calendar year between [`MIN_YEAR`] and [`MAX_YEAR`]: "2024", "24" (2024), "二〇二四".
fn year_of(s: &str) -> Option<i32> {
    let y: i32 = if s.bytes().all(|b| b.is_ascii_digit()) {
        let y: i32 = s.parse().ok()?;
        if s.len() == 2 {
            2000 + y
        } else {
            y
        }
    } else {
        let digits = s.chars().map(digit_value).collect::<Option<Vec<u32>>>()?;
        i32::try_from(digits.iter().fold(0u32, |acc, d| acc * 10 + d)).ok()?
    };
    (MIN_YEAR..=MAX_YEAR).contains(&y).then_some(y)
}

/// Whether a year may stand with this separator: only four Arabic digits go with - / . ("24-3"
/// and "二〇二四-3" are not months).
fn year_sep_ok(year: &str, sep: &str) -> bool {
    sep == "年" || (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
}

fn month_of(s: &str) -> Option<u32> {
    let m = parse_count(s)?;
    (1..=12).contains(&m).then_some(m)
}

/// Words between the two ends of a period.
const TO: &str = r"(?:一直到|到|至|~|--|-|to)";

static PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?:从)?({YEAR})(年|[-/.])({MONTH})(?:月份|月)?(?:开始)?{TO}(?:({YEAR})(年|[-/.]))?({MONTH})(?:月份|月)?(?:为止|结束)?$"
    ))
    .unwrap()
});

static SINGLE_MONTH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^({YEAR})(年|[-/.])({MONTH})(?:月份|月)?$")).unwrap());

static LONE_MONTH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^({MONTH})(?:月份|月)$")).unwrap());

static MONTH_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?:从)?({MONTH})(?:月份|月){TO}({MONTH})(?:月份|月)(?:为止|结束)?$"
    ))
    .unwrap()
});

/// The end of a period whose end month has no year: the start's year, or the next one if the
/// end month comes before the start month ("2023年11月到2月").
fn end_in_year_of(from: YearMonth, to_month: u32) -> Option<YearMonth> {
    let year = if to_month < from.month {
        from.year.checked_add(1)?
    } else {
        from.year
    };
    Some(YearMonth {
        year,
        month: to_month,
    })
}

/// The two ends of a period of a cleaned token, in the order said (not checked).
fn period_ends(s: &str, default_year: Option<i32>) -> Option<(YearMonth, YearMonth)> {
    if let Some(c) = PERIOD.captures(s) {
        if !year_sep_ok(&c[1], &c[2]) {
            return None;
        }
        let from = YearMonth {
            year: year_of(&c[1])?,
            month: month_of(&c[3])?,
        };
        let to_month = month_of(&c[6])?;
        let to = match (c.get(4), c.get(5)) {
            (Some(y), Some(sep)) if year_sep_ok(y.as_str(), sep.as_str()) => YearMonth {
                year: year_of(y.as_str())?,
                month: to_month,
            },
            (Some(_), _) => return None,
            _ => end_in_year_of(from, to_month)?,
        };
        return Some((from, to));
    }
    let year = default_year?;
    let c = MONTH_RANGE.captures(s)?;
    let from = YearMonth {
        year,
        month: month_of(&c[1])?,
    };
    Some((from, end_in_year_of(from, month_of(&c[2])?)?))
}

/// Months from `from` to `to`, both included (0 or less when reversed).
fn span(from: YearMonth, to: YearMonth) -> i64 {
    (i64::from(to.year) - i64::from(from.year)) * 12 + i64::from(to.month) - i64::from(from.month)
        + 1
}

/// An inclusive period of calendar months: "2024年3月到8月", "2024-03至2024-08",
/// "2023年11月到2024年2月", "2024.3-2024.8", "2024-03 to 2024-08", "二〇二四年三月至八月". When
/// the end has no year it is the start's year, or the next one if the end month comes before the
/// start month ("2023年11月到2月"). A two-digit year needs 年 ("24年3月到8月" = 2024). Reversed
/// periods and periods longer than [`MAX_MONTHS`] are `None`.
pub fn parse_period(s: &str) -> Option<(YearMonth, YearMonth)> {
    parse_period_in(s, None)
}

/// [`parse_period`], where a period without a year ("3月到8月") takes `default_year`.
pub fn parse_period_in(s: &str, default_year: Option<i32>) -> Option<(YearMonth, YearMonth)> {
    let (from, to) = period_ends(&clean(s), default_year)?;
    (from <= to && span(from, to) <= i64::from(MAX_MONTHS)).then_some((from, to))
}

/// One calendar month with its year: "2024年3月", "2024-03", "2024/3", "2024.03",
/// "二〇二四年三月", "24年3月份".
pub fn parse_year_month(s: &str) -> Option<YearMonth> {
    parse_year_month_in(s, None)
}

/// [`parse_year_month`], where a month without its year ("3月") takes `default_year`.
pub fn parse_year_month_in(s: &str, default_year: Option<i32>) -> Option<YearMonth> {
    let s = clean(s);
    if let Some(c) = SINGLE_MONTH.captures(&s) {
        if !year_sep_ok(&c[1], &c[2]) {
            return None;
        }
        return Some(YearMonth {
            year: year_of(&c[1])?,
            month: month_of(&c[3])?,
        });
    }
    let c = LONE_MONTH.captures(&s)?;
    Some(YearMonth {
        year: default_year?,
        month: month_of(&c[1])?,
    })
}

/// A range of months without a year ("3月到8月"): the months, so the dialogue can ask which year.
pub fn parse_month_range(s: &str) -> Option<(u32, u32)> {
    let s = clean(s);
    let c = MONTH_RANGE.captures(&s)?;
    Some((month_of(&c[1])?, month_of(&c[2])?))
}

/// Months however given: a period ([`parse_period`]; one month as in "2024年3月" is a period of
/// one), a duration ([`parse_duration_months`]), or a bare count ("6", "6个") — the answer to
/// "补缴几个月?". A lone month name ("6月") is a month, never a count.
pub fn parse_months(s: &str) -> Option<MonthsSpec> {
    parse_months_in(s, None)
}

/// [`parse_months`], where a period without a year ("3月到8月") takes `default_year`.
pub fn parse_months_in(s: &str, default_year: Option<i32>) -> Option<MonthsSpec> {
    if let Some((from, to)) = parse_period_in(s, default_year) {
        return Some(MonthsSpec::Period { from, to });
    }
    if let Some(ym) = parse_year_month(s) {
        return Some(MonthsSpec::Period { from: ym, to: ym });
    }
    let c = clean(s);
    let count = match duration_months(&c) {
        Some(n) => n,
        None => parse_count(c.strip_suffix('个').unwrap_or(&c))?,
    };
    (1..=MAX_MONTHS)
        .contains(&count)
        .then_some(MonthsSpec::Count { months: count })
}

/// Days: "30天", "三十天", "45日", "两周" (14), a bare "45". A duration in months or years
/// ("两个月", "半年") comes back as [`DaysSpec::Months`] for the engine to confirm.
pub fn parse_days(s: &str) -> Option<DaysSpec> {
    let in_range = |n: &u32| (1..=MAX_DAYS).contains(n);
    match days(&clean(s))? {
        DaysSpec::Days(n) => Some(DaysSpec::Days(n)).filter(|_| in_range(&n)),
        DaysSpec::Months(m) => Some(DaysSpec::Months(m)).filter(|_| (1..=MAX_MONTHS).contains(&m)),
    }
}

/// Days of a cleaned token, without the range check.
fn days(s: &str) -> Option<DaysSpec> {
    for suffix in ["天", "日"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            return parse_count(rest).map(DaysSpec::Days);
        }
    }
    for suffix in ["个星期", "个礼拜", "星期", "礼拜", "周"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            return parse_count(rest)?.checked_mul(7).map(DaysSpec::Days);
        }
    }
    if let Some(m) = duration_months(s) {
        return Some(DaysSpec::Months(m));
    }
    parse_count(s).map(DaysSpec::Days)
}

/// Years as a decimal: "18年", "十八年", "18年半" (18.5), "半年" (0.5), "15年3个月" (15.25),
/// "1.5年", a bare "18". Months that are not a whole quarter are rounded to 4 decimal places
/// ("15年2个月" = 15.1667), from which `years × 12` rounds back to the exact month count.
pub fn parse_years(s: &str) -> Option<Decimal> {
    let y = years(&clean(s))?;
    (y > Decimal::ZERO && y <= Decimal::from(MAX_YEARS)).then(|| y.normalize())
}

/// Years of a cleaned token, without the range check.
fn years(s: &str) -> Option<Decimal> {
    let twelve = Decimal::from(12);
    Some(if s == "半年" {
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
        number(rest)?
    } else {
        number(s)?
    })
}

fn whole(s: &str) -> Option<Decimal> {
    parse_count(s).map(Decimal::from)
}

static DATE_DASHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9]{4})([-/.])([0-9]{1,2})([-/.])([0-9]{1,2})(?:日|号)?$").unwrap()
});
static DATE_CHINESE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^({YEAR})年({MONTH})月({DAY})(?:日|号)?$")).unwrap());
static DATE_COMPACT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]{4})([0-9]{2})([0-9]{2})$").unwrap());
static MONTH_DAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^({MONTH})月({DAY})(?:日|号)$")).unwrap());

/// What a date token says: a year, month and day (not yet checked against the calendar), or a
/// month and day without the year.
enum DateFields {
    Ymd(i32, u32, u32),
    NoYear(u32, u32),
}

fn date_fields(s: &str) -> Option<DateFields> {
    let day_of = |d: &str| parse_count(d).filter(|d| (1..=31).contains(d));
    Some(if let Some(c) = DATE_DASHED.captures(s) {
        if c[2] != c[4] {
            return None;
        }
        DateFields::Ymd(year_of(&c[1])?, c[3].parse().ok()?, c[5].parse().ok()?)
    } else if let Some(c) = DATE_CHINESE.captures(s) {
        DateFields::Ymd(year_of(&c[1])?, month_of(&c[2])?, day_of(&c[3])?)
    } else if let Some(c) = DATE_COMPACT.captures(s) {
        DateFields::Ymd(year_of(&c[1])?, c[2].parse().ok()?, c[3].parse().ok()?)
    } else {
        let c = MONTH_DAY.captures(s)?;
        DateFields::NoYear(month_of(&c[1])?, day_of(&c[2])?)
    })
}

/// A calendar date with its year: "2024-01-15", "2024/1/15", "2024.1.15", "2024年1月15日",
/// "2024年1月15号", "24年1月15日", "二〇二四年一月十五日", "20240115".
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    parse_date_in(s, None)
}

/// [`parse_date`], where a date without its year ("1月15号") takes `default_year`.
pub fn parse_date_in(s: &str, default_year: Option<i32>) -> Option<NaiveDate> {
    match date_fields(&clean(s))? {
        DateFields::Ymd(y, m, d) => NaiveDate::from_ymd_opt(y, m, d),
        DateFields::NoYear(m, d) => NaiveDate::from_ymd_opt(default_year?, m, d),
    }
}

/// A date without its year ("1月15号"): month and day, so the dialogue can ask for the year.
pub fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    match date_fields(&clean(s))? {
        DateFields::NoYear(m, d) => Some((m, d)),
        DateFields::Ymd(..) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The strict layer: one input, one value or the reason it is not one.

/// The cleaned token and whether it carried a minus sign.
fn signed(s: &str) -> (bool, String) {
    let c = clean(s);
    let (negative, body) = sign(&c);
    (negative, body.to_string())
}

/// A rate as a fraction, for one input ("20%", "0.2", "百分之二十", "5‰"; see [`parse_percent`]):
/// refuses negative, zero and over-100% rates with their own errors.
pub fn read_rate(s: &str) -> Result<Decimal, ParseError> {
    let kind = ValueKind::Percent;
    let (negative, body) = signed(s);
    let (r, _) = percent(&body).ok_or_else(|| kind.reject(s))?;
    check_sign(kind, s, negative, r)?;
    if r > Decimal::ONE {
        return Err(ParseError::TooLarge {
            kind,
            input: s.trim().to_string(),
            limit: "100%",
        });
    }
    Ok(r.normalize())
}

fn check_sign(kind: ValueKind, s: &str, negative: bool, v: Decimal) -> Result<(), ParseError> {
    let input = s.trim().to_string();
    if v.is_zero() {
        Err(ParseError::Zero { kind, input })
    } else if negative {
        Err(ParseError::Negative { kind, input })
    } else {
        Ok(())
    }
}

/// An amount of money in yuan, for one input ("10000", "10,000元", "1.5万", "一万二", "3k"; see
/// [`parse_money`]); refuses negative amounts. Zero is allowed (an amount may be nothing owed).
pub fn read_amount(s: &str) -> Result<Decimal, ParseError> {
    let kind = ValueKind::Money;
    let (negative, body) = signed(s);
    let v = money(&body).ok_or_else(|| kind.reject(s))?;
    if negative && !v.is_zero() {
        return Err(ParseError::Negative {
            kind,
            input: s.trim().to_string(),
        });
    }
    Ok(v.normalize())
}

/// Months for one input: a count, a duration or a period ([`parse_months_in`]), with the reason
/// when it is none: zero, over [`MAX_MONTHS`], a reversed period, a period without its year.
pub fn read_months(s: &str, default_year: Option<i32>) -> Result<MonthsSpec, ParseError> {
    let kind = ValueKind::Months;
    if let Some(m) = parse_months_in(s, default_year) {
        return Ok(m);
    }
    let c = clean(s);
    let input = s.trim().to_string();
    if let Some((from, to)) = period_ends(&c, default_year) {
        return Err(if from > to {
            ParseError::Reversed { input }
        } else {
            ParseError::TooLarge {
                kind,
                input,
                limit: "600个月（50年）",
            }
        });
    }
    if MONTH_RANGE.is_match(&c) {
        return Err(ParseError::NeedsYear { kind, input });
    }
    let count = duration_months(&c).or_else(|| parse_count(c.strip_suffix('个').unwrap_or(&c)));
    Err(match count {
        Some(0) => ParseError::Zero { kind, input },
        Some(_) => ParseError::TooLarge {
            kind,
            input,
            limit: "600个月（50年）",
        },
        None => kind.reject(s),
    })
}

/// One calendar month for one input ([`parse_year_month_in`]); a month without its year and no
/// default year is [`ParseError::NeedsYear`].
pub fn read_year_month(s: &str, default_year: Option<i32>) -> Result<YearMonth, ParseError> {
    let kind = ValueKind::YearMonth;
    parse_year_month_in(s, default_year).ok_or_else(|| {
        if default_year.is_none() && LONE_MONTH.is_match(&clean(s)) {
            ParseError::NeedsYear {
                kind,
                input: s.trim().to_string(),
            }
        } else {
            kind.reject(s)
        }
    })
}

/// One date for one input ([`parse_date_in`]); a date that does not exist is
/// [`ParseError::NoSuchDate`], one without its year and no default year [`ParseError::NeedsYear`].
pub fn read_date(s: &str, default_year: Option<i32>) -> Result<NaiveDate, ParseError> {
    let kind = ValueKind::Date;
    let input = || s.trim().to_string();
    let fields = date_fields(&clean(s)).ok_or_else(|| kind.reject(s))?;
    let (y, m, d) = match fields {
        DateFields::Ymd(y, m, d) => (y, m, d),
        DateFields::NoYear(m, d) => match default_year {
            Some(y) => (y, m, d),
            None => {
                return Err(ParseError::NeedsYear {
                    kind,
                    input: input(),
                })
            }
        },
    };
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| ParseError::NoSuchDate { input: input() })
}

/// Days for one input ("30天", "两周", "45"); months ("两个月") are refused, since their days vary.
pub fn read_days(s: &str) -> Result<u32, ParseError> {
    let kind = ValueKind::Days;
    let input = s.trim().to_string();
    match days(&clean(s)) {
        Some(DaysSpec::Days(0)) => Err(ParseError::Zero { kind, input }),
        Some(DaysSpec::Days(n)) if n <= MAX_DAYS => Ok(n),
        Some(DaysSpec::Days(_)) => Err(ParseError::TooLarge {
            kind,
            input,
            limit: "36600天（100年）",
        }),
        _ => Err(kind.reject(s)),
    }
}

/// Years for one input ([`parse_years`], and "0"); more than [`MAX_YEARS`] has its own error.
pub fn read_years(s: &str) -> Result<Decimal, ParseError> {
    let kind = ValueKind::Years;
    let input = s.trim().to_string();
    match years(&clean(s)) {
        // No years (视同缴费年限 0) is a figure the calculators can use.
        Some(y) if y.is_zero() => Ok(Decimal::ZERO),
        Some(y) if y > Decimal::from(MAX_YEARS) => Err(ParseError::TooLarge {
            kind,
            input,
            limit: "80年",
        }),
        Some(y) if y.is_sign_positive() => Ok(y.normalize()),
        _ => Err(kind.reject(s)),
    }
}

#[cfg(test)]
mod tests {
    /// Numerals at the edge of `Decimal` read as nothing, never panic (the bad-input corpus
    /// found `79228162514264337593543950335千` overflowing a multiplication).
    #[test]
    fn decimal_overflow_is_no_number() {
        for s in [
            "79228162514264337593543950335千",
            "79228162514264337593543950335万",
            "79228162514264337593543950335k",
            "79228162514264337593543950335w",
            "9999999999999999999999999999亿",
            "99999999999999999999999999亿元",
            "7922816251426433759354395033万5",
            "79228162514264337593543950335点5万",
        ] {
            assert_eq!(super::parse_money(s), None, "{s}");
            assert_eq!(super::parse_number(s), None, "{s}");
            assert!(super::read_amount(s).is_err(), "{s}");
            let _ = super::parse_percent(s);
        }
    }

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
        let e = ValueKind::Days.reject(" 三个半月 ");
        assert_eq!(e.input(), "三个半月");
        assert_eq!(e.to_string(), "我没看懂“三个半月”，请说天数，如 45天");
    }

    #[test]
    fn the_strict_reader_says_why() {
        assert_eq!(read_rate("5‰"), Ok(dec!(0.005)));
        assert_eq!(read_rate("２０％"), Ok(dec!(0.2)));
        let e = read_rate("-5%").unwrap_err();
        assert_eq!(e.to_string(), "“-5%”是负数，比例不能是负数，请核对。");
        assert!(matches!(read_rate("0"), Err(ParseError::Zero { .. })));
        let e = read_rate("120").unwrap_err();
        assert_eq!(e.to_string(), "“120”超过了比例的上限 100%，请核对。");
        assert_eq!(read_amount("3k"), Ok(dec!(3000)));
        assert!(matches!(
            read_amount("负100"),
            Err(ParseError::Negative { .. })
        ));
        let e = read_months("601个月", None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "“601个月”超过了月数的上限 600个月（50年），请核对。"
        );
        let e = read_months("2024年8月到2023年3月", None).unwrap_err();
        assert_eq!(
            e,
            ParseError::Reversed {
                input: "2024年8月到2023年3月".into()
            }
        );
        let e = read_months("3月到8月", None).unwrap_err();
        assert!(matches!(e, ParseError::NeedsYear { .. }), "{e:?}");
        assert!(e.to_string().starts_with("“3月到8月”没有年份"), "{e}");
        let ym = |year, month| YearMonth { year, month };
        assert_eq!(
            read_months("3月到8月", Some(2025)),
            Ok(MonthsSpec::Period {
                from: ym(2025, 3),
                to: ym(2025, 8)
            })
        );
        assert_eq!(read_year_month("3月", Some(2025)), Ok(ym(2025, 3)));
        assert!(matches!(
            read_year_month("3月", None),
            Err(ParseError::NeedsYear { .. })
        ));
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(read_date("1月15号", Some(2025)), Ok(d(2025, 1, 15)));
        assert_eq!(read_date("二〇二四年一月十五日", None), Ok(d(2024, 1, 15)));
        let e = read_date("2023-02-29", None).unwrap_err();
        assert_eq!(e.to_string(), "“2023-02-29”这一天不存在，请核对年月日。");
        assert_eq!(read_days("两周"), Ok(14));
        assert!(matches!(
            read_days("36601天"),
            Err(ParseError::TooLarge { .. })
        ));
        assert!(matches!(
            read_days("两个月"),
            Err(ParseError::Unreadable { .. })
        ));
        assert_eq!(read_years("18年半"), Ok(dec!(18.5)));
        assert_eq!(read_years("0"), Ok(dec!(0)));
    }

    #[test]
    fn money_units() {
        assert_eq!(parse_money("12,000元"), Some(dec!(12000)));
        assert_eq!(parse_money("1.2万元"), Some(dec!(12000)));
        assert_eq!(parse_money("五千块钱"), Some(dec!(5000)));
        assert_eq!(parse_money("三千块"), Some(dec!(3000)));
    }
}

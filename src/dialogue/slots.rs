//! Slot extraction: what a citizen's message says about their case.
//!
//! The dialogue engine fills a form (险种, 身份, 地区, 基数, 比例, 月数, 金额, 天数, 年数, 性别, 日期)
//! before it runs a calculator. [`extract`] reads one normalised message and returns the slots it
//! states, the values it tried to give but got wrong ([`SlotProblem`], quoting the citizen's words
//! so the bot can say 我没看懂“三个半月”，请说月数，如 3个月), and whether the message corrects an
//! earlier answer ("不对,是5个月", "基数改成6000").
//!
//! # How it reads a message
//! Numbers are only taken when something says what they are: a keyword (基数, 费率, 比例, 欠了,
//! 金额), a unit (个月, 天, 元, %) or a verb (交了 / 差 / 断了 / 补了 N年). Before that, spans
//! that look like numbers but are not values are set aside: phone numbers and hotlines (12333),
//! ID and account numbers, law articles (第八十六条), document numbers and days of the month
//! (13号), ages (55岁), calendar years (2024年), per-mille / per-ten-thousand rates (万分之五 is the
//! late-fee rate, never a contribution rate), and ranges of percentages (60%到300% names the
//! allowed grades, not a choice). Full dates and month periods are read first, so their digits
//! never become amounts or months.
//!
//! When the engine has just asked for a slot (`expecting`), a bare answer ("5", "五个", "3000",
//! "20", "女", "最低") fills that slot: 20 for a rate means 20%, 5 for months means 5 months. An
//! answer that cannot be that slot ("abc", "两个月" for days) becomes a problem. An answer of
//! several bare values ("3000和20%") fills the asked-for slot from the part that fits it and the
//! rate from a percentage; a yearly amount may be said per year ("一年380"), a base per month
//! ("两千五一个月").
//!
//! # Decisions
//! - `insurance`: 养老/养老金/退休金 → pension, 医保/医疗/看病/住院/新农合 → medical; 社保 alone stays
//!   empty (it is both), and so does a message naming both.
//! - `category`: the speaker's role wins over the scheme words when several match, in this order:
//!   employer (给员工交, 我们公司的员工, 我是老板/hr) > retiree (退休, not 延迟退休) > resident
//!   (城乡居民, 居民医保, 新农合) > flexible (灵活就业, 个体, 自由职业, 打零工) > employee (职工, 在职,
//!   上班, 单位交的, 单位没给我交). "我们单位" alone says nothing about the role.
//! - `months` comes from month-expressed durations (6个月, 半年, 1年3个月) and from periods with a
//!   year (2024年3月到8月, 2024年全年). A period without a year ("3月到8月") is not guessed: it is a problem
//!   asking for the year, unless "2024年的" stands right before it; so is a period in relative
//!   years (去年3月到今年2月: the extractor has no clock), which is also reported as
//!   `relative_period` for the engine to resolve against today. A lone month name (3月份) is never a
//!   count. Thresholds and unit prices are not counts either: 3个月以内, 超过30天, 第3个月,
//!   每个月, 一个月交多少, 两千五一个月.
//! - Year-expressed durations go to the years fields by their verb: 交了/缴费/参保 → `paid_years`,
//!   差/缺/少 → `missing_years`, 断了/断缴/欠/没交 → `gap_years`, 补了/补缴 → `repaid_years`. A year
//!   figure with no verb fills `years` only as an answer to a years question. A bare 交/缴 needs
//!   了/过 (or 已经/累计/满) to be the citizen's own years: "交20年和交15年有什么区别" and
//!   "我想交满15年" are plans. 满15年 / 交够15年 in a question (吗, 才能, 是不是...) is the rule,
//!   not the citizen's own years, and is skipped unless it says 已经. 差5年退休 is the time to
//!   retirement, not a shortfall, and is skipped. "交了5年…又交了3年" adds up to 8.
//!   "补缴两年" is `repaid_years = 2`; the engine turns it into 24 months when it needs months.
//!   要求/规定/需要(交满) N年 → `required_years` (the local rule for retiree medical top-ups),
//!   unless its clause asks about the rule ("需要交满25年吗").
//! - `days` is filled only from days (30天) or weeks (两周 = 14). Months given when days were asked
//!   ("两个月") are not converted: a problem asks for the exact number of days.
//! - "到现在", "至今", "今天才交" set `until_now`: the engine (which has the clock) makes today the
//!   end date. "现在"/"今天" alone answer a date question the same way.
//! - A lone date goes to `from` unless it is marked as an end (到/截至 before it, 为止 after it) or
//!   the engine asked for `to`; two dates are `from` and `to`. A date without its year ("1月15号")
//!   takes the year of a full date said before it (the next year if it would otherwise come
//!   first: "2024年11月20日到1月5日"); alone, it is a problem when a date is being talked about.
//! - Base: amounts of 1000 and more are yuan; 60–300 without a unit, 0.6–3, and percentages are
//!   grades (60% → 0.6); 最低/最低档 → 0.6, 最高 → 3, 中档 → 1.
//! - Rates must lie between 0.1% and 60%; a rate phrase in a sentence about late fees, interest,
//!   reimbursement or a change of rate (滞纳金, 利息, 报销, 上调) is not the citizen's rate.
//! - A value right after 不是 ("不是3个月,是5个月") is dropped; of several values for one slot the
//!   last one said wins.
//! - Approximate figures ("一年多", "半年多", "3个多月", "8000多", "三个半月") are not rounded: they
//!   are problems asking for the exact figure; 多少 right after a figure ("5个月多少钱", "晚了30天
//!   多少滞纳金") is the question word, not "more than".
//! - A percentage right after 费率/比例 is the rate even when 基数 follows ("费率8%基数4000").
//! - Bare numbers without a keyword are ignored in free text ("灵活就业 3000 20%" gives only the
//!   category): outside an answer to a question, nothing says what 3000 is.
//! - Amounts with a unit below 10 yuan are ignored ("一块儿去" is not one yuan), and so are amounts
//!   said per month or per year, wages, reimbursements and late fees. An amount per month
//!   ("每月1500") is reported apart (`monthly_amount`): with a month count the engine makes it the
//!   principal of a late fee.

use std::ops::Range;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::numbers::{self, DaysSpec, DAY, MONTH, NUM, PCT};
use super::regions::RegionTable;
use crate::calc::{BaseSpec, Category, Gender, Insurance, MonthsSpec};
pub use crate::field::SlotName;

/// Everything a conversation has established about the case. Unknown slots are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Slots {
    pub insurance: Option<Insurance>,
    pub category: Option<Category>,
    /// Canonical region name from the region table ("武汉").
    pub region: Option<String>,
    pub base: Option<BaseSpec>,
    /// Contribution rate as a fraction (0.2 = 20%).
    pub rate: Option<Decimal>,
    pub months: Option<MonthsSpec>,
    /// An amount of money owed or to pay, in yuan.
    pub amount: Option<Decimal>,
    /// Days late (late-fee calculations).
    pub days: Option<u32>,
    /// Years with no verb saying what they are: the answer to the engine's own years question.
    pub years: Option<Decimal>,
    /// Years already contributed: retiree top-up (required − paid), minimum-years checks.
    pub paid_years: Option<Decimal>,
    /// Years still missing to a required total, as the citizen counted them.
    pub missing_years: Option<Decimal>,
    /// Years without contributions: resident-medical waiting periods (+1 month per year).
    pub gap_years: Option<Decimal>,
    /// Years paid afterwards: waiting-period repair (−1 month per year), or years to back-pay.
    pub repaid_years: Option<Decimal>,
    /// Years the local rule requires (当地要求缴满25年): retiree medical top-ups.
    pub required_years: Option<Decimal>,
    pub gender: Option<Gender>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Slots {
    pub fn is_empty(&self) -> bool {
        SlotName::ALL.iter().all(|&s| !self.is_filled(s))
    }

    pub fn is_filled(&self, slot: SlotName) -> bool {
        match slot {
            SlotName::Insurance => self.insurance.is_some(),
            SlotName::Category => self.category.is_some(),
            SlotName::Region => self.region.is_some(),
            SlotName::Base => self.base.is_some(),
            SlotName::Rate => self.rate.is_some(),
            SlotName::Months => self.months.is_some(),
            SlotName::Amount => self.amount.is_some(),
            SlotName::Days => self.days.is_some(),
            SlotName::Years => self.years.is_some(),
            SlotName::PaidYears => self.paid_years.is_some(),
            SlotName::MissingYears => self.missing_years.is_some(),
            SlotName::GapYears => self.gap_years.is_some(),
            SlotName::RepaidYears => self.repaid_years.is_some(),
            SlotName::RequiredYears => self.required_years.is_some(),
            SlotName::Gender => self.gender.is_some(),
            SlotName::From => self.from.is_some(),
            SlotName::To => self.to.is_some(),
        }
    }

    /// The filled slots, in [`SlotName::ALL`] order.
    pub fn filled(&self) -> Vec<SlotName> {
        SlotName::ALL
            .into_iter()
            .filter(|&s| self.is_filled(s))
            .collect()
    }

    /// Takes every slot `newer` has filled; keeps the rest.
    pub fn merge(&mut self, newer: &Slots) {
        macro_rules! take {
            ($($f:ident),*) => { $( if newer.$f.is_some() { self.$f = newer.$f.clone(); } )* };
        }
        take!(
            insurance,
            category,
            region,
            base,
            rate,
            months,
            amount,
            days,
            years,
            paid_years,
            missing_years,
            gap_years,
            repaid_years,
            required_years,
            gender,
            from,
            to
        );
    }
}

/// A value the citizen tried to give but that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotProblem {
    pub slot: SlotName,
    /// The citizen's words.
    pub input: String,
    /// What to ask for instead ("月数，如 3个月").
    pub expected: String,
}

impl SlotProblem {
    fn new(slot: SlotName, input: &str) -> Self {
        Self::with(slot, input, slot.expected())
    }

    fn with(slot: SlotName, input: &str, expected: &str) -> Self {
        Self {
            slot,
            input: input.trim().to_string(),
            expected: expected.to_string(),
        }
    }

    /// The sentence to show: 我没看懂“三个半月”，请说月数，如 3个月.
    pub fn message(&self) -> String {
        format!("我没看懂“{}”，请说{}", self.input, self.expected)
    }
}

/// The result of reading one message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    pub slots: Slots,
    pub problems: Vec<SlotProblem>,
    /// The message corrects an earlier answer ("不对,是5个月", "基数改成6000"); its slots should
    /// replace the ones it names.
    pub correction: bool,
    /// The message puts the end of a period at today ("从2024年3月1日拖到现在", "至今没交"); the
    /// extractor has no clock, so the engine fills the date.
    #[serde(default)]
    pub until_now: bool,
    /// An amount said per month ("每月1500"): not a slot (it is neither a base nor a principal),
    /// but with a month count it gives the principal of a late fee (1500 × 3个月).
    #[serde(default)]
    pub monthly_amount: Option<Decimal>,
    /// A period in relative years ("去年3月到今年2月"), left to the engine, which has the clock.
    /// The matching `months` problem is reported too, for callers without a clock.
    #[serde(default)]
    pub relative_period: Option<RelativePeriod>,
}

/// "去年3月到今年2月": months with years counted from the current one (去年 = −1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelativePeriod {
    /// The citizen's words, as quoted by the matching problem.
    pub said: String,
    pub from_offset: i32,
    pub from_month: u32,
    pub to_offset: i32,
    pub to_month: u32,
}

const NEED_YEAR_FOR_PERIOD: &str = "带年份的起止月份，如 2024年3月到8月";
const NEED_WHOLE_MONTHS: &str = "整月数，如 3个月";
const NEED_EXACT_YEARS: &str = "准确的年数，如 15年";
const NEED_EXACT_AMOUNT: &str = "准确的金额，如 12000元";
const NEED_DAYS_NOT_MONTHS: &str = "具体天数，如 61天（按月说的天数每月不同，请按日历数一下）";

/// Reads one normalised message (see `text::normalize`). `expecting` is the slot the engine
/// just asked for, if any.
pub fn extract(text: &str, expecting: Option<SlotName>, regions: &RegionTable) -> Extraction {
    let prepared = prepare(text);
    let correction = CORRECTION.is_match(&prepared) || starts_with_negation(&prepared);
    let until_now = UNTIL_NOW.is_match(&prepared);
    let monthly_amount = MONTHLY_AMOUNT
        .captures(&prepared)
        .and_then(|c| numbers::parse_money(c.name("v")?.as_str()))
        .filter(|n| *n >= Decimal::TEN);
    if let Some(slot) = expecting {
        let core = strip_fillers(&prepared);
        match bare_answer(slot, core) {
            Some(Ok(slots)) => {
                return Extraction {
                    slots,
                    problems: Vec::new(),
                    correction,
                    until_now,
                    monthly_amount,
                    relative_period: None,
                }
            }
            Some(Err(problem)) => {
                return Extraction {
                    slots: Slots::default(),
                    problems: vec![problem],
                    correction,
                    until_now,
                    monthly_amount,
                    relative_period: None,
                }
            }
            None => {}
        }
    }
    let mut scan = Scan::new(&prepared, expecting);
    scan.run(regions);
    let mut extraction = scan.finish();
    extraction.correction = correction;
    extraction.until_now = until_now;
    extraction.monthly_amount = monthly_amount;
    if let Some(slot) = expecting {
        if !extraction.slots.is_filled(slot) {
            let mut more = Slots::default();
            split_answers(slot, strip_fillers(&prepared), &mut more);
            if more.is_filled(slot) {
                let mut slots = more;
                slots.merge(&extraction.slots);
                extraction.slots = slots;
                extraction.problems.retain(|p| p.slot != slot);
            }
        }
        let tried = extraction.problems.iter().any(|p| p.slot == slot);
        if !extraction.slots.is_filled(slot) && extraction.slots.is_empty() {
            // Nothing usable: only what went wrong with the asked-for slot matters.
            extraction.problems.retain(|p| p.slot == slot);
        }
        let attempt = looks_like_answer(strip_fillers(&prepared));
        if !extraction.slots.is_filled(slot) && !tried && extraction.slots.is_empty() && attempt {
            let input = prepared.trim();
            let input = if input.is_empty() { text.trim() } else { input };
            extraction.problems.push(SlotProblem::new(slot, input));
        }
    }
    extraction
}

// ---------------------------------------------------------------------------------------------
// Preparation

/// Punctuation the normaliser may have left (or that a caller passes in raw) becomes spaces;
/// commas and dots survive only inside numbers ("12,000", "1.2万").
fn prepare(text: &str) -> String {
    let chars: Vec<char> = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '％' => '%',
            '，' => ',',
            '．' => '.',
            '—' | '–' | '－' => '-',
            '～' => '~',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let keep = match c {
            ',' => i > 0 && digit(i - 1) && (1..=3).all(|k| digit(i + k)) && !digit(i + 4),
            '.' => i > 0 && digit(i - 1) && digit(i + 1),
            c if c.is_alphanumeric() => true,
            '%' | '-' | '~' | '/' => true,
            _ => false,
        };
        out.push(if keep { c } else { ' ' });
    }
    out
}

fn starts_with_negation(text: &str) -> bool {
    text.split_whitespace()
        .any(|clause| clause.starts_with("不是") || clause.starts_with("不对"))
}

/// Strips what people put around a bare answer: "不对,是5个月吧" → "5个月".
fn strip_fillers(text: &str) -> &str {
    const LEADING: [&str; 22] = [
        "我说错了",
        "说错了",
        "不对",
        "不是",
        "错了",
        "改成",
        "改为",
        "换成",
        "应该是",
        "我的",
        "我是",
        "就是",
        "是",
        "大概",
        "大约",
        "差不多",
        "约",
        "一共",
        "总共",
        "有",
        "我",
        "按",
    ];
    const TRAILING: [&str; 12] = [
        "左右",
        "的样子",
        "上下",
        "吧",
        "啊",
        "呀",
        "呢",
        "哈",
        "嘛",
        "了",
        "哦",
        "嗯",
    ];
    let mut s = text.trim();
    loop {
        let before = s;
        for p in LEADING {
            if let Some(rest) = s.strip_prefix(p) {
                s = rest.trim_start();
                break;
            }
        }
        for p in TRAILING {
            if let Some(rest) = s.strip_suffix(p) {
                s = rest.trim_end();
                break;
            }
        }
        if s == before {
            return s;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bare answers (expecting mode)

/// Whether a reply that filled nothing was meant as an answer ("abc", "三个半月", "火星") rather
/// than a question of its own ("滞纳金怎么算"), which the engine routes elsewhere.
fn looks_like_answer(core: &str) -> bool {
    !core.is_empty()
        && !ASKING.is_match(core)
        && (core.chars().count() <= 8
            || core
                .chars()
                .any(|c| c.is_ascii_digit() || "零一二两三四五六七八九十百千万半".contains(c)))
}

fn bare_answer(slot: SlotName, core: &str) -> Option<Result<Slots, SlotProblem>> {
    let mut s = Slots::default();
    match slot {
        SlotName::Months => {
            let n = numbers::parse_months(core).or_else(|| {
                let n = core.strip_suffix('个').unwrap_or(core);
                numbers::parse_count(n)
                    .filter(|m| (1..=numbers::MAX_MONTHS).contains(m))
                    .map(|months| MonthsSpec::Count { months })
            })?;
            s.months = Some(n);
        }
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
            if numbers::parse_month_day(core).is_some() {
                return Some(Err(SlotProblem::new(slot, core)));
            }
            let d = numbers::parse_date(core)?;
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
fn per_month_amount(core: &str) -> &str {
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
fn per_year_amount(core: &str) -> &str {
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
fn split_answers(slot: SlotName, core: &str, into: &mut Slots) {
    static SEP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[\s,，、/和跟及与还有]+").unwrap());
    let parts: Vec<&str> = SEP.split(core).filter(|p| !p.is_empty()).collect();
    if parts.len() < 2 {
        return;
    }
    for part in parts {
        let part = strip_fillers(part);
        if !into.is_filled(slot) {
            if let Some(Ok(found)) = bare_answer(slot, part) {
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

fn years_field(s: &mut Slots, slot: SlotName) -> &mut Option<Decimal> {
    match slot {
        SlotName::PaidYears => &mut s.paid_years,
        SlotName::MissingYears => &mut s.missing_years,
        SlotName::GapYears => &mut s.gap_years,
        SlotName::RepaidYears => &mut s.repaid_years,
        SlotName::RequiredYears => &mut s.required_years,
        _ => &mut s.years,
    }
}

fn gender_word(s: &str) -> Option<Gender> {
    match s {
        "男" | "男性" | "男的" | "男士" | "男生" | "先生" | "男同志" => {
            Some(Gender::Male)
        }
        "女" | "女性" | "女的" | "女士" | "女生" | "女同志" => Some(Gender::Female),
        _ => None,
    }
}

/// Short answers to "您是哪类人员?" that are too vague to use in free text.
fn category_answer(s: &str) -> Option<Category> {
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

fn rate_in_range(r: Decimal) -> bool {
    r >= Decimal::new(1, 3) && r <= Decimal::new(6, 1)
}

/// A grade between 60% and 300% of the average wage.
fn grade(x: Decimal) -> Option<BaseSpec> {
    (x >= Decimal::new(6, 1) && x <= Decimal::from(3)).then(|| BaseSpec::Grade(x.normalize()))
}

/// A base as said after 基数 / as a bare answer: yuan, a grade, or a grade word.
fn base_value(v: &str) -> Option<BaseSpec> {
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

// ---------------------------------------------------------------------------------------------
// Free-text scanning

fn re(pattern: &str) -> Regex {
    let p = pattern
        .replace("⟨NUM⟩", NUM)
        .replace("⟨PCT⟩", PCT)
        .replace("⟨MONTH⟩", MONTH)
        .replace("⟨DAY⟩", DAY)
        .replace(
            "⟨YEARS⟩",
            r"(?:⟨NUM⟩年半|⟨NUM⟩年(?:零|又)?⟨NUM⟩个月|⟨NUM⟩年)",
        )
        .replace("⟨NUM⟩", NUM)
        .replace("⟨MONEY⟩", r"(?:万元|万块|元|块钱|块)");
    Regex::new(&p).unwrap_or_else(|e| panic!("bad slot pattern {pattern}: {e}"))
}

macro_rules! lazy_re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| re($pat));
    };
}

lazy_re!(
    ASKING,
    r"吗|么|怎么|怎样|如何|什么|多少|几|是否|能不能|可不可以|要不要|为什么|为啥|咋|请问|\?"
);
lazy_re!(
    UNTIL_NOW,
    r"(?:到|至|拖到|截至|截止到|截止|直到|一直到)\s*(?:现在|今天|目前|当前|如今)|至今|现在才(?:交|缴|补)|今天(?:才)?(?:交|缴|补)|^\s*(?:现在|今天|马上|立刻)(?:交|缴|补)?\s*$"
);
lazy_re!(
    MONTHLY_AMOUNT,
    r"(?:每月|每个月|一个月|月缴)\s*(?:应缴|要交|要缴|交|缴)?\s*(?:的)?\s*(?P<v>⟨NUM⟩\s*⟨MONEY⟩?)"
);
lazy_re!(
    CORRECTION,
    r"不对|错了|说错|搞错|写错|打错|弄错|改成|改为|改一下|换成|更正|纠正|应该是|我是说|重新说|修改"
);

// Spans that hold digits but no slot value.
lazy_re!(
    PROTECT,
    r"[0-9]{17}[0-9x]|1[3-9][0-9]{9}|[0-9]{7,}|400-?[0-9]{3}-?[0-9]{4}|第⟨NUM⟩|(?:万分之|千分之)⟨NUM⟩|⟨PCT⟩\s*(?:到|至|-|~)\s*⟨PCT⟩"
);
lazy_re!(HOTLINE, r"12333|12393|12366|12345|12315|95[0-9]{3}");
lazy_re!(
    PROTECT_AFTER_DATES,
    r"(?:19|20)[0-9]{2}\s*年(?:度)?(?:⟨MONTH⟩月(?:份)?)?|(?:19|20)[0-9]{2}[-/.][0-9]{1,2}|[0-9]{2}年(?:开始|起|以来|底|初|的时候|那年|之前|以前|以后|之后|上半年|下半年)|⟨NUM⟩\s*(?:号|周岁|岁|点钟|点半)"
);

lazy_re!(
    DATE_FULL,
    r"[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?:日|号)?|(?:[0-9]{4}|[0-9]{2})年⟨MONTH⟩月⟨DAY⟩(?:日|号)?"
);
lazy_re!(DATE_NO_YEAR, r"⟨MONTH⟩月⟨DAY⟩(?:日|号)");
lazy_re!(
    DATE_CUE,
    r"从|自|到|至|起|开始|截止|截至|为止|欠|晚交|逾期|滞纳|日期|哪天|时间"
);
lazy_re!(
    PERIOD,
    r"(?:从)?(?:[0-9]{4}|[0-9]{2})(?:年|[-/.])⟨MONTH⟩(?:月份|月)?(?:开始)?\s*(?:一直到|到|至|~|-)\s*(?:(?:[0-9]{4}|[0-9]{2})(?:年|[-/.]))?⟨MONTH⟩(?:月份|月)?(?:为止|结束)?"
);
lazy_re!(
    MONTH_RANGE,
    r"(?:从)?⟨MONTH⟩(?:月份|月)\s*(?:一直到|到|至|~|-)\s*⟨MONTH⟩(?:月份|月)(?:为止|结束)?"
);
lazy_re!(
    WHOLE_YEAR,
    r"(?P<y>(?:19|20)[0-9]{2})\s*年?\s*(?:的)?(?:全年|一整年|整年|一年的|12个月|十二个月)"
);
lazy_re!(
    RELATIVE_PERIOD,
    r"(?P<y1>前年|去年|今年)(?P<m1>⟨MONTH⟩)(?:月份|月)\s*(?:一直到|到|至|~|-)\s*(?P<y2>前年|去年|今年|明年)?(?P<m2>⟨MONTH⟩)(?:月份|月)"
);
lazy_re!(YEAR_BEFORE, r"((?:19|20)[0-9]{2})年(?:的)?\s*$");

lazy_re!(
    BASE_AFTER_KEYWORD,
    r"(?:缴费)?基数(?:(?:改成|改为|换成|变成|调成|调到|调整为|是|为|按照|按|选择|选的|选|用|定为|定在|设为|就)\s*)*(?P<v>[0-9]+\.[0-9]+\s*[千万]\s*⟨MONEY⟩?|⟨PCT⟩(?:档)?|⟨NUM⟩\s*⟨MONEY⟩?(?:档)?|最低档?|最高档?|中档|中间档)"
);
lazy_re!(
    BASE_BEFORE_KEYWORD,
    r"(?P<v>⟨PCT⟩|⟨NUM⟩\s*⟨MONEY⟩?)\s*(?:的)?\s*(?:缴费)?(?:基数|档次|档)"
);
lazy_re!(
    BASE_GRADE_WORD,
    r"(?P<v>最低|最高|中间|中)(?:一)?(?:档次|档)|(?P<w>最低|最高)(?:缴费)?基数"
);
lazy_re!(
    BASE_LOWEST,
    r"(?:按(?:照)?|交|缴|选|选择|要)\s*(?P<v>最低|最高)(?:的|标准|那档|那一档|一档)?"
);
lazy_re!(
    BASE_AVERAGE_WAGE,
    r"(?P<an>按(?:照)?)?(?:社平|社会平均|平均)工资(?:的)?\s*(?P<v>⟨PCT⟩)?"
);

lazy_re!(
    RATE_AFTER_KEYWORD,
    r"(?:缴费|个人|单位)?(?:费率|比例|比率)(?:(?:改成|改为|换成|是|为|按照|按|就)\s*)*(?P<v>⟨PCT⟩|⟨NUM⟩)"
);
lazy_re!(RATE_AFTER_AN, r"按(?:照)?\s*(?P<v>⟨PCT⟩)");
lazy_re!(
    RATE_BEFORE_KEYWORD,
    r"(?P<v>⟨PCT⟩)\s*(?:的)?\s*(?:缴费)?(?:比例|费率)"
);
lazy_re!(
    RATE_CONTEXT_NOT_OURS,
    r"滞纳|利息|利率|罚款|罚金|每天|每日|按日|日息|报销|赔付|支付|涨|增长|提高|下调|上调|降低|下降|降了"
);

lazy_re!(
    YEARS_PAID,
    r"(?P<pre>已经|已|一共|总共|累计|共|连续|又|再)?(?P<verb>缴费|缴纳|交费|参保|交|缴)(?P<tense>了|过)?(?P<full>满|够|足)?(?:了)?\s*(?:养老保险|医疗保险|养老|医保|社保|保险)?\s*(?P<tense2>了)?\s*(?:有|差不多|大概|大约|约)?\s*(?P<v>⟨YEARS⟩)"
);
lazy_re!(
    YEARS_MISSING,
    r"(?:还|总共|一共)?(?:差|缺|少)(?:了)?\s*(?:有|差不多|大概|大约|约)?\s*(?P<v>⟨YEARS⟩)"
);
lazy_re!(
    YEARS_GAP,
    r"(?:断缴|断交|断保|断档|中断|停缴|停保|停交|欠缴|欠费|没有交|没有缴|没交|没缴|未交|未缴|断|停|欠)(?:了)?\s*(?:养老保险|医疗保险|养老|医保|社保|保险)?\s*(?:了)?\s*(?:有|差不多|大概|大约|约)?\s*(?P<v>⟨YEARS⟩)|(?:有)?(?P<w>⟨YEARS⟩)\s*(?:没有|没|未)(?:交|缴)|(?:有)?(?P<x>⟨YEARS⟩)\s*(?:断缴|断保|断交|断了|中断)"
);
lazy_re!(
    YEARS_REPAID,
    r"(?:补缴|补交|补)(?:了)?\s*(?:养老保险|医疗保险|养老|医保|社保|保险)?\s*(?:了)?\s*(?P<v>⟨YEARS⟩)"
);
lazy_re!(
    YEARS_REQUIRED,
    r"(?:当地|本地|这边|那边|我们那|政策)?(?:要求|规定|需要|需)(?:要)?(?:缴费|缴纳|交费|缴|交)?(?:满|够|足)?\s*(?P<v>⟨YEARS⟩)"
);
lazy_re!(
    QUESTION,
    r"吗|么|是不是|要不要|需不需要|能不能|可不可以|才能|才可以|才行|必须|需要|得交|要交|多少|几年"
);

lazy_re!(MONTHS_YM, r"(?P<v>⟨NUM⟩年(?:零|又)?⟨NUM⟩个月)");
lazy_re!(MONTHS, r"(?P<v>⟨NUM⟩\s*个\s*(?:半|多)?\s*月|⟨NUM⟩个季度)");
lazy_re!(HALF_YEAR, r"(?P<v>半年)");
lazy_re!(
    DAYS,
    r"(?P<v>⟨NUM⟩\s*(?:个)?\s*(?:天|星期|礼拜|周)(?P<more>多)?)"
);

lazy_re!(
    AMOUNT_AFTER_KEYWORD,
    r"(?:欠了|欠费|欠缴|欠款|欠|金额|本金|总额|总共|一共|共计|合计|应缴|应补)\s*(?:(?:是|为|有|了|大概|大约|约|差不多)\s*)*(?P<v>⟨NUM⟩\s*⟨MONEY⟩?)(?P<more>多)?"
);
lazy_re!(AMOUNT_WITH_UNIT, r"(?P<v>⟨NUM⟩\s*⟨MONEY⟩)(?P<more>多)?");
lazy_re!(
    AMOUNT_NOT_OURS_BEFORE,
    r"每月|每个月|一个月|月缴|每年|一年|月薪|工资|收入|报销|花了|花费|医药费|住院|赔|罚|补贴|利息|滞纳金|标准|档次|交多少|养老金|退休金|待遇|领"
);
lazy_re!(
    AMOUNT_NOT_OURS_AFTER,
    r"^\s*(?:一个月|每月|每个月|一年|每年|/月|/年)"
);

lazy_re!(
    CHANGE_TO,
    r"(?:(?:改成|改为|换成|变成|调成|调到|应该是)|(?:不对|错了|说错了|不是)\s*(?:是|应该是)?)\s*(?P<v>⟨PCT⟩|⟨NUM⟩\s*⟨MONEY⟩?)"
);
lazy_re!(CHANGE_KEYWORD, r"基数|费率|比例|欠|金额|本金");

lazy_re!(
    EMPLOYER,
    r"(?:给|为|替|帮)(?:员工|职工|工人|雇员)|(?:我们|我|本)(?:公司|单位|企业|厂)(?:的)?(?:员工|职工|工人)|我是(?:老板|hr|人事|会计|法人|单位|企业|公司)|作为(?:用人单位|单位|企业|公司|老板|雇主)|(?:企业|公司|单位)(?:要|需要|想)?(?:给|为)(?:员工|职工)|(?:公司|单位|企业|厂)(?:里)?有\s*⟨NUM⟩?\s*(?:个|名)?(?:员工|职工|工人)"
);
lazy_re!(RETIREE, r"退休");
lazy_re!(RETIREE_NOT, r"延迟退休|延退|退休金|退休工资");
lazy_re!(
    RESIDENT,
    r"城乡居民|居民医保|居民医疗|居民养老|居民保险|新农合|农合|新农保|城居保|城镇居民"
);
lazy_re!(
    FLEXIBLE,
    r"灵活就业|零活就业|自由职业|个体户|个体|打零工|零工|以个人身份|个人身份"
);
lazy_re!(
    EMPLOYEE,
    r"职工|在职|上班|员工|打工|(?:单位|公司|厂里)(?:给我|帮我)?(?:交|缴)|(?:单位|公司|厂里)(?:没|不|没有)(?:给我|帮我)|(?:单位|公司)欠(?:了)?我"
);

lazy_re!(PENSION, r"养老|退休金|退休工资|新农保|城居保");
lazy_re!(PENSION_NOT, r"养老院");
lazy_re!(MEDICAL, r"医保|医疗|看病|住院|新农合|农合");

lazy_re!(
    GENDER_SAID,
    r"(?:我是|我|本人|性别)\s*(?:是|为)?\s*(?P<g>男|女)(?P<s>的|性|士|生|同志|职工)?"
);
lazy_re!(
    GENDER_AGE,
    r"(?P<g>男|女)(?:的|性|士)?\s*⟨NUM⟩\s*(?:周岁|岁)"
);
lazy_re!(GENDER_WORKER, r"(?P<g>男|女)职工");
lazy_re!(
    GENDER_DESCRIBED,
    r"我是.{0,12}?的(?P<g>男|女)(?:性|生|士|的|同志)"
);

/// A value with the byte position it was said at; later mentions win.
type At<T> = Option<(usize, T)>;

fn put<T>(slot: &mut At<T>, pos: usize, v: T) {
    if slot.as_ref().is_none_or(|(p, _)| pos >= *p) {
        *slot = Some((pos, v));
    }
}

#[derive(Default)]
struct Found {
    base: At<BaseSpec>,
    rate: At<Decimal>,
    months: At<MonthsSpec>,
    amount: At<Decimal>,
    days: At<u32>,
    paid_years: At<Decimal>,
    missing_years: At<Decimal>,
    gap_years: At<Decimal>,
    repaid_years: At<Decimal>,
    required_years: At<Decimal>,
    dates: Vec<(usize, NaiveDate, DateCue)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DateCue {
    Start,
    End,
    None,
}

struct Scan<'a> {
    text: &'a str,
    /// `text` with every consumed span blanked out (same byte offsets).
    masked: String,
    expecting: Option<SlotName>,
    found: Found,
    problems: Vec<(usize, SlotProblem)>,
    slots: Slots,
    relative: Option<RelativePeriod>,
}

impl<'a> Scan<'a> {
    fn new(text: &'a str, expecting: Option<SlotName>) -> Self {
        Self {
            text,
            masked: text.to_string(),
            expecting,
            found: Found::default(),
            problems: Vec::new(),
            slots: Slots::default(),
            relative: None,
        }
    }

    fn take(&mut self, r: Range<usize>) {
        let mut bytes = std::mem::take(&mut self.masked).into_bytes();
        for b in &mut bytes[r] {
            *b = b' ';
        }
        // Whole characters were replaced by ASCII spaces, so the text is still UTF-8.
        self.masked = String::from_utf8(bytes).unwrap_or_default();
    }

    /// Whether part of `r` was already consumed.
    fn taken(&self, r: &Range<usize>) -> bool {
        self.masked[r.clone()] != self.text[r.clone()]
    }

    /// Up to `n` characters of the original text ending at byte `pos`.
    fn before(&self, pos: usize, n: usize) -> &'a str {
        let head = &self.text[..pos];
        let start = head
            .char_indices()
            .rev()
            .nth(n.saturating_sub(1))
            .map_or(0, |(i, _)| i);
        &head[start..]
    }

    /// Up to `n` characters of the original text starting at byte `pos`.
    fn after(&self, pos: usize, n: usize) -> &'a str {
        let tail = &self.text[pos..];
        let end = tail.char_indices().nth(n).map_or(tail.len(), |(i, _)| i);
        &tail[..end]
    }

    /// The whitespace-delimited clause around byte `pos`.
    fn clause(&self, pos: usize) -> &'a str {
        let start = self.text[..pos]
            .rfind(char::is_whitespace)
            .map_or(0, |i| i + 1);
        let end = self.text[pos..]
            .find(char::is_whitespace)
            .map_or(self.text.len(), |i| pos + i);
        &self.text[start..end]
    }

    /// Whether the value at `start` is negated ("不是3个月").
    fn negated(&self, start: usize) -> bool {
        self.before(start, 3).trim_end().ends_with("不是")
    }

    /// Matches of `re` on the masked text, as (whole match, value group) ranges. Whitespace at the
    /// ends of a match is dropped: a `\s*` may run into a consumed (blanked) span, which must not
    /// make the match look as if it overlapped that span ("基数3000 2024年1月到6月").
    fn matches(&self, re: &Regex, group: &str) -> Vec<(Range<usize>, Range<usize>)> {
        re.captures_iter(&self.masked)
            .filter_map(|c| {
                let m = c.get(0)?;
                let trim = |m: regex::Match| {
                    let t = m.as_str();
                    let start = m.start() + (t.len() - t.trim_start().len());
                    let end = m.end() - (t.len() - t.trim_end().len());
                    start..end.max(start)
                };
                let whole = trim(m);
                let v = c.name(group).map_or(whole.clone(), trim);
                Some((whole, v))
            })
            .collect()
    }

    fn problem(&mut self, pos: usize, p: SlotProblem) {
        self.problems.push((pos, p));
    }

    fn run(&mut self, regions: &RegionTable) {
        self.protect();
        self.dates();
        self.periods();
        self.protect_after_dates();
        self.base();
        self.rate();
        self.years();
        self.months();
        self.days();
        self.amount();
        self.change_to();
        self.keywords(regions);
    }

    fn protect(&mut self) {
        for (whole, _) in self.matches(&PROTECT, "") {
            self.take(whole);
        }
        for (whole, _) in self.matches(&HOTLINE, "") {
            let digit_around = self
                .before(whole.start, 1)
                .chars()
                .any(|c| c.is_ascii_digit())
                || self.after(whole.end, 1).chars().any(|c| c.is_ascii_digit());
            let money = ["元", "块"]
                .iter()
                .any(|u| self.after(whole.end, 2).trim_start().starts_with(u));
            if !digit_around && !money {
                self.take(whole);
            }
        }
    }

    fn dates(&mut self) {
        for (whole, _) in self.matches(&DATE_FULL, "") {
            let next = self.after(whole.end, 1);
            if next.starts_with(|c: char| c.is_ascii_digit() || "天个年%".contains(c)) {
                continue;
            }
            let m = &self.text[whole.clone()];
            match numbers::parse_date(m) {
                Some(d) => {
                    let cue = self.date_cue(whole.clone());
                    self.found.dates.push((whole.start, d, cue));
                }
                None => {
                    let slot = self.date_slot(self.date_cue(whole.clone()));
                    self.problem(whole.start, SlotProblem::new(slot, m));
                }
            }
            self.take(whole);
        }
        let talking_dates = matches!(self.expecting, Some(SlotName::From | SlotName::To))
            || DATE_CUE.is_match(self.text);
        for (whole, _) in self.matches(&DATE_NO_YEAR, "") {
            // "2024年1月15号应交，3月1号才交": the second date shares the first one's year (or is
            // in the next year when it would otherwise come first).
            let earlier = self
                .found
                .dates
                .iter()
                .rev()
                .find(|(pos, _, _)| *pos < whole.start)
                .map(|(_, d, _)| *d);
            let inferred = earlier.and_then(|prev| {
                use chrono::Datelike;
                let (m, d) = numbers::parse_month_day(&self.text[whole.clone()])?;
                let same = NaiveDate::from_ymd_opt(prev.year(), m, d)?;
                if same >= prev {
                    Some(same)
                } else {
                    NaiveDate::from_ymd_opt(prev.year() + 1, m, d)
                }
            });
            if let Some(d) = inferred {
                let cue = self.date_cue(whole.clone());
                self.found.dates.push((whole.start, d, cue));
            } else if talking_dates {
                let slot = self.date_slot(self.date_cue(whole.clone()));
                let m = &self.text[whole.clone()];
                self.problem(whole.start, SlotProblem::new(slot, m));
            }
            self.take(whole);
        }
    }

    fn date_cue(&self, r: Range<usize>) -> DateCue {
        let before = self.before(r.start, 3);
        let after = self.after(r.end, 3);
        // "应该2025年10月1日交的": the due date, the start of a late period.
        let due = ["应该", "应在", "应于", "应当", "本应", "原本", "本来"]
            .iter()
            .any(|w| self.before(r.start, 4).contains(w));
        if due {
            DateCue::Start
        } else if ["到", "至", "截止", "截至"]
            .iter()
            .any(|w| before.contains(w))
            || ["为止", "截止", "之前", "才交", "交的", "补上"]
                .iter()
                .any(|w| after.starts_with(w))
        {
            DateCue::End
        } else if ["从", "自"].iter().any(|w| before.contains(w))
            || ["起", "开始", "入职", "欠", "断"]
                .iter()
                .any(|w| after.starts_with(w))
        {
            DateCue::Start
        } else {
            DateCue::None
        }
    }

    fn date_slot(&self, cue: DateCue) -> SlotName {
        match cue {
            DateCue::End => SlotName::To,
            DateCue::Start => SlotName::From,
            DateCue::None if self.expecting == Some(SlotName::To) => SlotName::To,
            DateCue::None => SlotName::From,
        }
    }

    fn periods(&mut self) {
        for (whole, _) in self.matches(&PERIOD, "") {
            let m = &self.text[whole.clone()];
            if self
                .after(whole.end, 1)
                .starts_with(|c: char| c.is_ascii_digit())
            {
                continue;
            }
            match numbers::parse_period(m) {
                Some((from, to)) => {
                    if !self.negated(whole.start) {
                        put(
                            &mut self.found.months,
                            whole.start,
                            MonthsSpec::Period { from, to },
                        );
                    }
                }
                None => self.problem(
                    whole.start,
                    SlotProblem::with(SlotName::Months, m, NEED_YEAR_FOR_PERIOD),
                ),
            }
            self.take(whole);
        }
        // "2024年全年": January to December of that year.
        for (whole, y) in self.matches(&WHOLE_YEAR, "y") {
            let year: Option<i32> = self.text[y].parse().ok();
            if let Some(year) = year {
                let from = crate::calc::YearMonth { year, month: 1 };
                let to = crate::calc::YearMonth { year, month: 12 };
                if !self.negated(whole.start) {
                    put(
                        &mut self.found.months,
                        whole.start,
                        MonthsSpec::Period { from, to },
                    );
                }
                self.take(whole);
            }
        }
        for (whole, _) in self.matches(&RELATIVE_PERIOD, "") {
            let m = &self.text[whole.clone()];
            if let Some(c) = RELATIVE_PERIOD.captures(m) {
                let offset = |y: &str| match y {
                    "前年" => -2,
                    "去年" => -1,
                    "明年" => 1,
                    _ => 0,
                };
                let from_offset = offset(&c["y1"]);
                let to_offset = c.name("y2").map_or(from_offset, |y| offset(y.as_str()));
                let from_month = numbers::parse_count(&c["m1"]).filter(|m| (1..=12).contains(m));
                let to_month = numbers::parse_count(&c["m2"]).filter(|m| (1..=12).contains(m));
                if let (Some(from_month), Some(to_month)) = (from_month, to_month) {
                    self.relative = Some(RelativePeriod {
                        said: m.to_string(),
                        from_offset,
                        from_month,
                        to_offset,
                        to_month,
                    });
                }
            }
            self.problem(
                whole.start,
                SlotProblem::with(SlotName::Months, m, NEED_YEAR_FOR_PERIOD),
            );
            self.take(whole);
        }
        for (whole, _) in self.matches(&MONTH_RANGE, "") {
            if self
                .before(whole.start, 1)
                .starts_with(|c: char| c.is_ascii_digit())
            {
                continue;
            }
            let m = &self.text[whole.clone()];
            let year = YEAR_BEFORE
                .captures(self.before(whole.start, 8))
                .and_then(|c| c[1].parse::<i32>().ok());
            let period = year.and_then(|y| {
                let months = m.trim_start_matches('从');
                numbers::parse_period(&format!("{y}年{months}"))
            });
            match period {
                Some((from, to)) => put(
                    &mut self.found.months,
                    whole.start,
                    MonthsSpec::Period { from, to },
                ),
                None => self.problem(
                    whole.start,
                    SlotProblem::with(SlotName::Months, m, NEED_YEAR_FOR_PERIOD),
                ),
            }
            self.take(whole);
        }
    }

    fn protect_after_dates(&mut self) {
        for (whole, _) in self.matches(&PROTECT_AFTER_DATES, "") {
            self.take(whole);
        }
    }

    fn base(&mut self) {
        let mut hits: Vec<(Range<usize>, Range<usize>)> = Vec::new();
        for re in [&*BASE_AFTER_KEYWORD, &*BASE_BEFORE_KEYWORD] {
            hits.extend(self.matches(re, "v"));
        }
        hits.sort_by_key(|(w, _)| w.start);
        for (whole, v) in hits {
            if self.taken(&whole) {
                continue; // overlaps a span an earlier pattern consumed
            }
            // "费率8%基数4000": the percentage belongs to the rate keyword before it.
            let rate_before = ["费率", "比例", "比率"]
                .iter()
                .any(|w| self.before(v.start, 3).trim_end().ends_with(w));
            if rate_before {
                continue;
            }
            let value = &self.text[v.clone()];
            match base_value(value) {
                Some(b) if !self.negated(whole.start) => put(&mut self.found.base, v.start, b),
                Some(_) => {}
                None => self.problem(v.start, SlotProblem::new(SlotName::Base, value)),
            }
            self.take(whole);
        }
        for (whole, v) in self.matches(&BASE_GRADE_WORD, "v") {
            let c = BASE_GRADE_WORD.captures(&self.masked[whole.clone()]);
            let word = c
                .as_ref()
                .and_then(|c| c.name("v").or_else(|| c.name("w")))
                .map_or("", |m| m.as_str());
            let word = if word.starts_with('中') {
                "中档"
            } else {
                word
            };
            if let Some(b) = base_value(word) {
                put(&mut self.found.base, v.start, b);
            }
            self.take(whole);
        }
        for (whole, v) in self.matches(&BASE_LOWEST, "v") {
            let rest = self.after(whole.end, 4);
            let said_base = rest.is_empty()
                || rest.starts_with(|c: char| c.is_whitespace() || "交缴补来吧了基".contains(c));
            let is_years = rest.starts_with("缴费年限") || rest.starts_with("年限");
            if said_base && !is_years {
                if let Some(b) = base_value(&self.text[v.clone()]) {
                    put(&mut self.found.base, v.start, b);
                }
                self.take(whole);
            }
        }
        for (whole, _) in self.matches(&BASE_AVERAGE_WAGE, "") {
            let Some(c) = BASE_AVERAGE_WAGE.captures(&self.masked[whole.clone()]) else {
                continue;
            };
            let at = |m: regex::Match| whole.start + m.start()..whole.start + m.end();
            match (c.name("v").map(at), c.name("an")) {
                (Some(v), _) => {
                    let value = &self.text[v.clone()];
                    match numbers::parse_percent(value).and_then(grade) {
                        Some(b) => put(&mut self.found.base, v.start, b),
                        None => self.problem(v.start, SlotProblem::new(SlotName::Base, value)),
                    }
                }
                // 按社平工资交: the average wage itself, grade 100%.
                (None, Some(_)) => put(
                    &mut self.found.base,
                    whole.start,
                    BaseSpec::Grade(Decimal::ONE),
                ),
                (None, None) => continue,
            }
            self.take(whole);
        }
    }

    fn rate(&mut self) {
        let mut hits = Vec::new();
        for re in [&*RATE_AFTER_KEYWORD, &*RATE_BEFORE_KEYWORD, &*RATE_AFTER_AN] {
            hits.extend(self.matches(re, "v"));
        }
        hits.sort_by_key(|(w, _)| w.start);
        for (whole, v) in hits {
            if self.taken(&whole) {
                continue;
            }
            let clause = self.clause(whole.start);
            let after = self.after(whole.end, 2);
            let not_a_rate = ["报", "赔"].iter().any(|w| after.starts_with(w));
            if RATE_CONTEXT_NOT_OURS.is_match(clause) || not_a_rate {
                self.take(whole);
                continue;
            }
            let value = &self.text[v.clone()];
            match numbers::parse_percent(value).filter(|&r| rate_in_range(r)) {
                Some(r) if !self.negated(v.start) => put(&mut self.found.rate, v.start, r),
                Some(_) => {}
                None => self.problem(v.start, SlotProblem::new(SlotName::Rate, value)),
            }
            self.take(whole);
        }
    }

    fn years(&mut self) {
        let has_question = QUESTION.is_match(self.text);
        for (whole, v) in self.matches(&YEARS_MISSING, "v") {
            let rest = self.after(whole.end, 4).trim_start();
            let to_retirement = ["退休", "就退休", "才退休", "到退休", "就到退休"]
                .iter()
                .any(|w| rest.starts_with(w));
            if !to_retirement {
                self.put_years(SlotName::MissingYears, v.clone());
            }
            self.take(whole);
        }
        for (whole, _) in self.matches(&YEARS_GAP, "") {
            if let Some(c) = YEARS_GAP.captures(&self.masked[whole.clone()]) {
                if let Some(m) = c.name("v").or_else(|| c.name("w")).or_else(|| c.name("x")) {
                    let r = whole.start + m.start()..whole.start + m.end();
                    self.put_years(SlotName::GapYears, r);
                }
            }
            self.take(whole);
        }
        // "当地要求交满25年" is the rule the citizen was told, not their own years; a question
        // about the rule ("需要交满25年吗") is left to the paid/rule logic below.
        for (whole, v) in self.matches(&YEARS_REQUIRED, "v") {
            let clause = self.clause(whole.start);
            let asks_rule = ["吗", "么", "是不是", "对不对", "才能", "才可以"]
                .iter()
                .any(|w| clause.contains(w));
            if !asks_rule {
                self.put_years(SlotName::RequiredYears, v);
                self.take(whole);
            }
        }
        for (whole, v) in self.matches(&YEARS_REPAID, "v") {
            self.put_years(SlotName::RepaidYears, v);
            self.take(whole);
        }
        for (whole, v) in self.matches(&YEARS_PAID, "v") {
            let c = YEARS_PAID.captures(&self.masked[whole.clone()]);
            let full = c.as_ref().is_some_and(|c| c.name("full").is_some());
            let already = c
                .as_ref()
                .and_then(|c| c.name("pre"))
                .is_some_and(|m| m.as_str().starts_with('已'));
            let rule_question = full && has_question && !already;
            // A bare 交/缴 without 了/过 is a plan or a hypothesis ("交20年和交15年有什么区别").
            let said_done = c.as_ref().is_some_and(|c| {
                ["pre", "tense", "tense2", "full"]
                    .iter()
                    .any(|g| c.name(g).is_some())
                    || c.name("verb")
                        .is_some_and(|m| m.as_str().chars().count() == 2)
            });
            let again = c
                .as_ref()
                .and_then(|c| c.name("pre"))
                .is_some_and(|m| matches!(m.as_str(), "又" | "再"));
            // 断缴 / 补缴 / 欠缴 are other verbs; their spans were consumed above, but a verb
            // cut in half by that ("缴" of 补缴) must not count as paying.
            let other_verb = self
                .before(whole.start, 1)
                .starts_with(|c: char| "断补欠停没未中".contains(c));
            let plan = [
                "想", "要", "打算", "准备", "计划", "得", "能", "可以", "会", "应该",
            ]
            .iter()
            .any(|w| self.before(whole.start, 2).ends_with(w));
            if !rule_question && !other_verb && said_done && !plan {
                let earlier = self.found.paid_years;
                self.put_years(SlotName::PaidYears, v.clone());
                // "交了5年,断了2年,又交了3年": the years add up.
                if let (true, Some((_, before)), Some((pos, now))) =
                    (again, earlier, self.found.paid_years)
                {
                    if pos == v.start {
                        self.found.paid_years = Some((pos, before + now));
                    }
                }
            }
            self.take(whole);
        }
    }

    fn put_years(&mut self, slot: SlotName, v: Range<usize>) {
        if self.negated(v.start) {
            return;
        }
        if self.after(v.end, 1) == "多" && self.after(v.end, 2) != "多少" {
            let said = format!("{}多", &self.text[v.clone()]);
            self.problem(v.start, SlotProblem::with(slot, &said, NEED_EXACT_YEARS));
            return;
        }
        let Some(y) = numbers::parse_years(&self.text[v.clone()]) else {
            return; // e.g. 交了100年: not a span of anyone's contributions
        };
        let field = match slot {
            SlotName::PaidYears => &mut self.found.paid_years,
            SlotName::MissingYears => &mut self.found.missing_years,
            SlotName::GapYears => &mut self.found.gap_years,
            SlotName::RequiredYears => &mut self.found.required_years,
            _ => &mut self.found.repaid_years,
        };
        put(field, v.start, y);
    }

    /// A duration that states a rule ("3个月以内", "超过30天") or a unit price ("一个月交多少")
    /// rather than the citizen's own figure.
    fn threshold(&self, whole: &Range<usize>) -> bool {
        let before = self.before(whole.start, 3);
        let after = self.after(whole.end, 2);
        ["第", "每"].iter().any(|w| before.ends_with(w))
            || [
                "超过",
                "不超过",
                "满",
                "未满",
                "不满",
                "不到",
                "少于",
                "多于",
                "大于",
                "小于",
                "不足",
            ]
            .iter()
            .any(|w| before.ends_with(w))
            || [
                "内", "以内", "之内", "以上", "以下", "以后", "之后", "后", "前", "以前", "之前",
            ]
            .iter()
            .any(|w| after.starts_with(w))
    }

    fn months(&mut self) {
        let mut hits = self.matches(&MONTHS_YM, "v");
        hits.extend(self.matches(&MONTHS, "v"));
        hits.extend(self.matches(&HALF_YEAR, "v"));
        hits.sort_by_key(|(w, _)| w.start);
        for (whole, v) in hits {
            if self.taken(&whole) {
                continue;
            }
            let value: String = self.text[v.clone()].split_whitespace().collect();
            let before = self.before(v.start, 1);
            let half_of_year = value == "半年"
                && (["上", "下", "前", "后", "近", "每", "这", "一"]
                    .iter()
                    .any(|w| before.ends_with(w)));
            let next = self.after(v.end, 3);
            let per_month = value == "一个月"
                && (["交", "缴", "要", "多少", "得", "大概", "的钱", "的费用"]
                    .iter()
                    .any(|w| next.starts_with(w))
                    || next.starts_with(|c: char| {
                        c.is_ascii_digit() || "一二两三四五六七八九十".contains(c)
                    })
                    || ["钱", "元", "块", "多少"]
                        .iter()
                        .any(|w| self.before(v.start, 2).trim_end().ends_with(w))
                    || self
                        .before(v.start, 1)
                        .starts_with(|c: char| c.is_ascii_digit() || "千百万十".contains(c)));
            // "两千五一个月": the numeral ran into the price before it.
            let price_then_month = value.ends_with("一个月")
                && value.chars().count() > 3
                && numbers::parse_duration_months(&value).is_none();
            if half_of_year || per_month || price_then_month || self.threshold(&whole) {
                self.take(whole);
                continue;
            }
            // "5个月多" is approximate; "5个月多少钱" asks the price.
            let more_after = next.starts_with('多') && !next.starts_with("多少");
            if value.contains("个半月") || value.contains("个多月") || more_after {
                let value = if more_after {
                    format!("{value}多")
                } else {
                    value
                };
                self.problem(
                    v.start,
                    SlotProblem::with(SlotName::Months, &value, NEED_WHOLE_MONTHS),
                );
            } else if let Some(n) = numbers::parse_duration_months(&value) {
                if !self.negated(v.start) {
                    put(
                        &mut self.found.months,
                        v.start,
                        MonthsSpec::Count { months: n },
                    );
                }
            } else {
                self.problem(v.start, SlotProblem::new(SlotName::Months, &value));
            }
            self.take(whole);
        }
    }

    fn days(&mut self) {
        for (whole, v) in self.matches(&DAYS, "v") {
            if self.threshold(&whole) {
                self.take(whole);
                continue;
            }
            let value: String = self.text[v.clone()].split_whitespace().collect();
            let more = value.ends_with('多') && !self.after(v.end, 1).starts_with('少');
            match numbers::parse_days(value.trim_end_matches('多')) {
                Some(DaysSpec::Days(n)) if !more => {
                    if !self.negated(v.start) {
                        put(&mut self.found.days, v.start, n);
                    }
                }
                _ => self.problem(v.start, SlotProblem::new(SlotName::Days, &value)),
            }
            self.take(whole);
        }
    }

    fn amount(&mut self) {
        const MEASURE: &str = "个年月天日周次人份岁号期档点%倍家口张条项位名";
        for (whole, v) in self.matches(&AMOUNT_AFTER_KEYWORD, "v") {
            let value = self.text[v.clone()].trim();
            let next = self.after(whole.end, 1);
            if next.starts_with(|c: char| MEASURE.contains(c)) {
                continue;
            }
            self.put_amount(&whole, value);
            self.take(whole);
        }
        for (whole, v) in self.matches(&AMOUNT_WITH_UNIT, "v") {
            let value = self.text[v.clone()].trim();
            let ours = !AMOUNT_NOT_OURS_BEFORE.is_match(self.before(whole.start, 6))
                && !AMOUNT_NOT_OURS_AFTER.is_match(self.after(whole.end, 4));
            let tiny = numbers::parse_money(value).is_some_and(|n| n < Decimal::TEN);
            if ours && !tiny {
                self.put_amount(&whole, value);
            }
            self.take(whole);
        }
    }

    fn put_amount(&mut self, whole: &Range<usize>, value: &str) {
        let more =
            self.text[whole.clone()].ends_with('多') && !self.after(whole.end, 1).starts_with('少');
        match numbers::parse_money(value) {
            Some(n) if !more && n > Decimal::ZERO => {
                if !self.negated(whole.start) {
                    put(&mut self.found.amount, whole.start, n);
                }
            }
            _ => {
                let said = &self.text[whole.start..whole.end];
                let said = said.trim_start_matches(|c: char| {
                    !c.is_ascii_digit() && !"零〇一二两三四五六七八九十百千万俩仨".contains(c)
                });
                self.problem(
                    whole.start,
                    SlotProblem::with(SlotName::Amount, said, NEED_EXACT_AMOUNT),
                );
            }
        }
    }

    /// "费率从8%改成10%", "欠了5000,改成6000", "基数是3000,不对,是4000": a bare new value after
    /// 改成 / 不对,是 belongs to the slot whose keyword came last before it.
    fn change_to(&mut self) {
        for (whole, v) in self.matches(&CHANGE_TO, "v") {
            let head = &self.text[..whole.start];
            let Some(kw) = CHANGE_KEYWORD.find_iter(head).last() else {
                continue;
            };
            let value = &self.text[v.clone()];
            match kw.as_str() {
                "基数" => {
                    if let Some(b) = base_value(value) {
                        put(&mut self.found.base, v.start, b);
                    }
                }
                "费率" | "比例" => {
                    if let Some(r) = numbers::parse_percent(value).filter(|&r| rate_in_range(r)) {
                        put(&mut self.found.rate, v.start, r);
                    }
                }
                _ => {
                    if let Some(n) = numbers::parse_money(value) {
                        put(&mut self.found.amount, v.start, n);
                    }
                }
            }
            self.take(whole);
        }
    }

    fn keywords(&mut self, regions: &RegionTable) {
        let t = self.text;
        let pension = PENSION.find_iter(t).any(|m| {
            !PENSION_NOT
                .find_iter(t)
                .any(|n| n.start() <= m.start() && m.end() <= n.end())
        });
        let medical = MEDICAL.is_match(t);
        self.slots.insurance = match (pension, medical) {
            (true, false) => Some(Insurance::Pension),
            (false, true) => Some(Insurance::Medical),
            _ => None,
        };

        let retiree = RETIREE.find_iter(t).any(|m| {
            !RETIREE_NOT
                .find_iter(t)
                .any(|n| n.start() <= m.start() && m.end() <= n.end())
        });
        let employee = EMPLOYEE.is_match(t);
        self.slots.category = if EMPLOYER.is_match(t) {
            Some(Category::Employer)
        } else if retiree {
            Some(Category::Retiree)
        } else if RESIDENT.is_match(t) {
            Some(Category::Resident)
        } else if FLEXIBLE.is_match(t) {
            Some(Category::Flexible)
        } else if employee {
            Some(Category::Employee)
        } else {
            None
        };

        self.slots.gender = self.gender();
        self.slots.region = regions.find_in(t).map(|m| m.canonical);
    }

    fn gender(&self) -> Option<Gender> {
        let t = self.text;
        let mut said: Vec<Gender> = t.split_whitespace().filter_map(gender_word).collect();
        let g = |s: &str| {
            if s == "男" {
                Gender::Male
            } else {
                Gender::Female
            }
        };
        for c in GENDER_SAID.captures_iter(t) {
            let Some(m) = c.name("g") else { continue };
            let next = t[m.end()..].chars().next();
            let suffix = c.name("s").is_some();
            if suffix || !next.is_some_and(|n| "儿婿友朋孩方人婴娃票装厕".contains(n)) {
                said.push(g(m.as_str()));
            }
        }
        for re in [&*GENDER_AGE, &*GENDER_WORKER, &*GENDER_DESCRIBED] {
            for c in re.captures_iter(t) {
                if let Some(m) = c.name("g") {
                    said.push(g(m.as_str()));
                }
            }
        }
        let first = *said.first()?;
        said.iter().all(|&x| x == first).then_some(first)
    }

    fn finish(mut self) -> Extraction {
        let f = std::mem::take(&mut self.found);
        let mut slots = std::mem::take(&mut self.slots);
        slots.base = f.base.map(|x| x.1);
        slots.rate = f.rate.map(|x| x.1.normalize());
        slots.months = f.months.map(|x| x.1);
        slots.amount = f.amount.map(|x| x.1.normalize());
        slots.days = f.days.map(|x| x.1);
        slots.paid_years = f.paid_years.map(|x| x.1);
        slots.missing_years = f.missing_years.map(|x| x.1);
        slots.gap_years = f.gap_years.map(|x| x.1);
        slots.repaid_years = f.repaid_years.map(|x| x.1);
        slots.required_years = f.required_years.map(|x| x.1);

        match f.dates.as_slice() {
            [] => {}
            [(_, d, cue)] => match self.date_slot(*cue) {
                SlotName::To => slots.to = Some(*d),
                _ => slots.from = Some(*d),
            },
            [first, .., last] => {
                slots.from = Some(first.1);
                slots.to = Some(last.1);
            }
        }

        // A problem matters only if no later mention of the same slot gave a good value.
        let value_pos = |slot: SlotName| -> Option<usize> {
            match slot {
                SlotName::Base => f.base.as_ref().map(|x| x.0),
                SlotName::Rate => f.rate.as_ref().map(|x| x.0),
                SlotName::Months => f.months.as_ref().map(|x| x.0),
                SlotName::Amount => f.amount.as_ref().map(|x| x.0),
                SlotName::Days => f.days.as_ref().map(|x| x.0),
                SlotName::From | SlotName::To => f.dates.last().map(|x| x.0),
                _ => None,
            }
        };
        let mut problems: Vec<SlotProblem> = Vec::new();
        for (pos, p) in self.problems {
            let superseded = value_pos(p.slot).is_some_and(|v| v > pos);
            if !superseded && !problems.contains(&p) {
                problems.push(p);
            }
        }
        Extraction {
            slots,
            problems,
            correction: false,
            until_now: false,
            monthly_amount: None,
            relative_period: self.relative,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_names_serialise_like_as_str() {
        for s in SlotName::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
    }

    #[test]
    fn prepare_keeps_number_punctuation_only() {
        assert_eq!(prepare("不对,是5个月"), "不对 是5个月");
        assert_eq!(prepare("12,000元，好的"), "12,000元 好的");
        assert_eq!(prepare("基数3000,2000"), "基数3000 2000");
        assert_eq!(prepare("3.5万。"), "3.5万 ");
    }

    #[test]
    fn fillers_are_stripped() {
        assert_eq!(strip_fillers("不对 是5个月吧"), "5个月");
        assert_eq!(strip_fillers("大概3000左右"), "3000");
        assert_eq!(strip_fillers("女的"), "女的");
    }

    #[test]
    fn merge_keeps_older_values() {
        let mut a = Slots {
            rate: Some(Decimal::new(2, 1)),
            days: Some(3),
            ..Slots::default()
        };
        let b = Slots {
            days: Some(5),
            ..Slots::default()
        };
        a.merge(&b);
        assert_eq!(a.days, Some(5));
        assert_eq!(a.rate, Some(Decimal::new(2, 1)));
        assert_eq!(a.filled(), vec![SlotName::Rate, SlotName::Days]);
    }
}

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

mod answers;
mod patterns;
mod prepare;
mod scanner;
mod types;

use rust_decimal::Decimal;

pub use types::{Extraction, RelativePeriod, SlotName, SlotProblem, Slots};

use answers::{bare_answer, looks_like_answer, split_answers};
use patterns::{CORRECTION, MONTHLY_AMOUNT, UNTIL_NOW};
use prepare::{prepare, starts_with_negation, strip_fillers};
use scanner::Scan;

use super::regions::RegionTable;
use crate::text::numbers;

/// What the conversation knows that a message may leave out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    /// The year of a month or date said without one ("3月到8月", "1月15号"): the year of a month
    /// named earlier in the conversation, or this year in China time. `None` (the default) makes
    /// such a value a problem asking for the year.
    pub default_year: Option<i32>,
}

/// Reads one normalised message (see `text::normalize`). `expecting` is the slot the engine
/// just asked for, if any. Months and dates without their year are problems; see
/// [`extract_with`] to give them a year.
pub fn extract(text: &str, expecting: Option<SlotName>, regions: &RegionTable) -> Extraction {
    extract_with(text, expecting, regions, Context::default())
}

/// [`extract`] with what the conversation knows ([`Context`]).
pub fn extract_with(
    text: &str,
    expecting: Option<SlotName>,
    regions: &RegionTable,
    context: Context,
) -> Extraction {
    let prepared = prepare(text);
    let correction = CORRECTION.is_match(&prepared) || starts_with_negation(&prepared);
    let until_now = UNTIL_NOW.is_match(&prepared);
    let monthly_amount = MONTHLY_AMOUNT
        .captures(&prepared)
        .and_then(|c| numbers::parse_money(c.name("v")?.as_str()))
        .filter(|n| *n >= Decimal::TEN);
    if let Some(slot) = expecting {
        let core = strip_fillers(&prepared);
        match bare_answer(slot, core, context) {
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
    let mut scan = Scan::new(&prepared, expecting, context.default_year);
    scan.run(regions);
    let mut extraction = scan.finish();
    extraction.correction = correction;
    extraction.until_now = until_now;
    extraction.monthly_amount = monthly_amount;
    if let Some(slot) = expecting {
        if !extraction.slots.is_filled(slot) {
            let mut more = Slots::default();
            split_answers(slot, strip_fillers(&prepared), context, &mut more);
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

//! The slot vocabulary: the slot names the engine asks for, the [`Slots`] a conversation has
//! established, and what one message yields ([`Extraction`], with [`SlotProblem`]s quoting the
//! citizen's words). Kept apart from the readers so the engine and the tests can name them
//! without the patterns.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlotProblem {
    pub slot: SlotName,
    /// The citizen's words.
    pub input: String,
    /// What to ask for instead ("月数，如 3个月").
    pub expected: String,
}

impl SlotProblem {
    pub(super) fn new(slot: SlotName, input: &str) -> Self {
        Self::with(slot, input, slot.expected())
    }

    pub(super) fn with(slot: SlotName, input: &str, expected: &str) -> Self {
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

pub(super) const NEED_YEAR_FOR_PERIOD: &str = "带年份的起止月份，如 2024年3月到8月";
pub(super) const NEED_WHOLE_MONTHS: &str = "整月数，如 3个月";
pub(super) const NEED_EXACT_YEARS: &str = "准确的年数，如 15年";
pub(super) const NEED_EXACT_AMOUNT: &str = "准确的金额，如 12000元";
pub(super) const NEED_DAYS_NOT_MONTHS: &str =
    "具体天数，如 61天（按月说的天数每月不同，请按日历数一下）";

//! Shared vocabulary of the calculators and the slot extractor (file: src/calc/types.rs).
use serde::{Deserialize, Serialize};

/// Which insurance a contribution is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Insurance {
    Pension,
    Medical,
}

/// Who pays / under which scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 职工 (employer + personal shares)
    Employee,
    /// 灵活就业 / 个体 / 自由职业
    Flexible,
    /// 城乡居民
    Resident,
    /// 退休人员
    Retiree,
    /// 单位 (the employer's side)
    Employer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

/// How a contribution base was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum BaseSpec {
    /// A monthly amount in yuan.
    Amount(rust_decimal::Decimal),
    /// A grade as a fraction of the local average wage (0.6 = 最低档 60%, 3 = 最高档 300%).
    Grade(rust_decimal::Decimal),
}

// A calendar month and how a number of months was given: defined beside the number reader
// (`text::calendar`, a leaf module) so the reader can produce them without depending on `calc`.
pub use crate::text::calendar::{MonthsSpec, YearMonth};

// ---------------------------------------------------------------------------------------------
// Added by the calculation module (helpers only; the shared items above are unchanged).

impl Insurance {
    /// "养老保险" / "医疗保险".
    pub fn label_zh(self) -> &'static str {
        match self {
            Insurance::Pension => "养老保险",
            Insurance::Medical => "医疗保险",
        }
    }
}

impl Category {
    /// "职工", "灵活就业", "城乡居民", "退休人员", "单位".
    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Employee => "职工",
            Category::Flexible => "灵活就业",
            Category::Resident => "城乡居民",
            Category::Retiree => "退休人员",
            Category::Employer => "单位",
        }
    }
}

impl Gender {
    /// "男" / "女".
    pub fn label_zh(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

impl YearMonth {
    /// Whether the month number is 1..=12.
    pub fn is_valid(self) -> bool {
        (1..=12).contains(&self.month)
    }

    /// A running month index (year × 12 + month − 1), for differences.
    pub fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    /// The first day of the month.
    pub fn first_day(self) -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::from_ymd_opt(self.year, self.month, 1)
    }

    /// Day `day` of the month, or the last day when the month is shorter (31 → 30 April, 29 Feb 2024).
    pub fn day_or_last(self, day: u32) -> Option<chrono::NaiveDate> {
        let first = self.first_day()?;
        let last = first
            .checked_add_months(chrono::Months::new(1))?
            .pred_opt()?;
        let day = day.clamp(1, chrono::Datelike::day(&last));
        chrono::NaiveDate::from_ymd_opt(self.year, self.month, day)
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

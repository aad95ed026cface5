//! Calendar values the number reader produces and the calculators consume: one month with its
//! year, and a number of months given either as a count or as an inclusive period. They live in
//! `text` (a leaf: it depends on nothing above it) so `text::numbers` can return them without
//! depending on `calc`; `calc::types` re-exports them, and their calendar arithmetic
//! (`YearMonth::index`, `next`, …) is implemented there.

use serde::{Deserialize, Serialize};

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

/// How the number of months was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MonthsSpec {
    Count {
        months: u32,
    },
    /// Inclusive period, e.g. 2024-03 to 2024-08 = 6 months.
    Period {
        from: YearMonth,
        to: YearMonth,
    },
}

//! China time (UTC+8), the only clock a citizen's "today", "this year" or "上个月" may mean.
//!
//! Servers run in UTC (or anywhere); a late fee counted to "today" must count to today in China,
//! so nothing in the crate reads the server's local time. China has had no daylight saving
//! since 1991, so a fixed offset is exact.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// UTC+8.
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The current instant in China time.
pub fn now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&offset())
}

/// Today's date in China.
pub fn today() -> NaiveDate {
    now().date_naive()
}

/// China's date at a given UTC instant (tests fix the clock with this).
pub fn date_at(utc: DateTime<Utc>) -> NaiveDate {
    utc.with_timezone(&offset()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn late_evening_utc_is_already_tomorrow_in_china() {
        let utc = Utc.with_ymd_and_hms(2026, 12, 31, 16, 30, 0).unwrap();
        assert_eq!(date_at(utc), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        let utc = Utc.with_ymd_and_hms(2026, 12, 31, 15, 59, 0).unwrap();
        assert_eq!(date_at(utc), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
    }
}

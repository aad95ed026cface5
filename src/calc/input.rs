//! Calculator inputs from the strings people type: a thin layer over the one reader in
//! `text::numbers` (rates "20%", "0.2", "百分之八点五", "5‰"; amounts "1.5万", "一万二", "3k";
//! months "6个月", "2024-03至2024-08", "2024年3月到8月"; months "二〇二四年三月"; dates
//! "2024-01-15", "24年1月15日", "20240115"), so `bujiao calc …`, the calculators and the chat's slot
//! extraction accept exactly the same inputs. This layer only adds what is the calculators' own:
//! contribution bases as grades ("最低档", "60%", "3倍"), the words for insurance, category and
//! gender, and the translation of the reader's errors into [`CalcError`]s naming the field.
//!
//! **How a bare rate number is read** (decided in `text::numbers`, once): a number below 1 is a
//! fraction (`"0.2"` = 20%), a number from 1 to 100 is a percentage (`"20"` = 20%, `"8.5"` = 8.5%,
//! `"1"` = 1%), anything above 100 is refused as a rate over 100%. Write `"100%"` for one hundred
//! per cent.

use crate::field::SlotName;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::error::CalcError;
use super::types::{BaseSpec, Category, Gender, Insurance, MonthsSpec, YearMonth};
use crate::text::numbers::{self, ParseError};

/// Full-width letters and punctuation to ASCII, spaces and thousands separators removed: for the
/// word inputs (insurance, category, gender, base grades).
fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if c.is_whitespace() || c == ',' {
            continue;
        }
        out.push(c);
    }
    out
}

fn parse_err(field: SlotName, input: &str, expected: &str) -> CalcError {
    CalcError::Parse {
        field,
        input: input.trim().to_string(),
        expected: expected.to_string(),
    }
}

/// The reader's error as the calculators' error for `field`; `expected` words the request to try
/// again when the input was not a value at all.
fn from_read(field: SlotName, e: ParseError, expected: &str) -> CalcError {
    match e {
        ParseError::Unreadable { input, .. } => parse_err(field, &input, expected),
        ParseError::Negative { input, .. } => CalcError::Negative {
            field,
            value: input,
        },
        ParseError::Zero { .. } => CalcError::Zero { field },
        ParseError::TooLarge { input, .. } if field == SlotName::Rate => {
            CalcError::RateTooHigh { value: input }
        }
        // The calculators' messages quote the input themselves: only the reason goes here.
        ParseError::TooLarge { input, limit, .. } => CalcError::OutOfRange {
            field,
            value: input,
            reason: format!("超过了上限 {limit}，请核对。"),
        },
        ParseError::Reversed { input } => CalcError::OutOfRange {
            field,
            value: input,
            reason: "开始晚于结束，请核对起止月份。".into(),
        },
        ParseError::NeedsYear { kind, input } => CalcError::Parse {
            field,
            input,
            expected: format!("没有年份，请说{}。", kind.expected()),
        },
        ParseError::NoSuchDate { input } => CalcError::Parse {
            field,
            input,
            expected: "这一天不存在，请核对年月日。".into(),
        },
    }
}

/// Parses a rate into a fraction (0.2 for 20%). Accepts "20%", "8.5%", "0.2", "20" (see the module
/// doc for bare numbers), "百分之二十", "百分之八点五", "千分之二", "5‰", "万分之五", "20个点".
pub fn parse_rate(s: &str) -> Result<Decimal, CalcError> {
    const EXPECTED: &str = "费率请写成“20%”“百分之八点五”或“0.2”这样的形式。";
    numbers::read_rate(s).map_err(|e| from_read(SlotName::Rate, e, EXPECTED))
}

/// Parses an amount of money in yuan: "10000", "10,000元", "1.5万", "一万二", "3333.33块", "3k".
pub fn parse_amount(s: &str) -> Result<Decimal, CalcError> {
    parse_money(s, SlotName::Amount)
}

fn parse_money(s: &str, field: SlotName) -> Result<Decimal, CalcError> {
    const EXPECTED: &str = "金额请写成“5000”“5000元”或“1.5万”这样的数字。";
    numbers::read_amount(s).map_err(|e| from_read(field, e, EXPECTED))
}

/// A monthly base said per month: "每月5000元", "5000/月", "5000一个月" (a base is monthly anyway).
fn strip_per_month(s: &str) -> &str {
    let mut s = s.trim();
    for prefix in ["每个月", "每月", "月缴"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
            break;
        }
    }
    for suffix in ["/月", "每月", "一个月"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest;
            break;
        }
    }
    s
}

/// Parses a contribution base: an amount ("5000", "5000元", "每月5000元") or a grade of the average
/// wage ("最低档" = 60%, "最高档" = 300%, "60%", "百分之一百", "100%档", "3倍").
pub fn parse_base(s: &str) -> Result<BaseSpec, CalcError> {
    let n = normalize(s);
    let body = n.trim_end_matches("档次").trim_end_matches('档');
    match body {
        "最低" | "最低一" | "下限" | "最低标准" => {
            return Ok(BaseSpec::Grade(dec!(0.6)))
        }
        "最高" | "最高一" | "上限" | "最高标准" => return Ok(BaseSpec::Grade(dec!(3))),
        _ => {}
    }
    let is_grade = body.ends_with('%') || body.starts_with("百分之") || body.starts_with("-百分之");
    if is_grade {
        let (negative, b) = match body.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, body),
        };
        let value = numbers::parse_percent(b)
            .ok_or_else(|| parse_err(SlotName::Base, s, "档次请写成“60%”“最低档”或“最高档”。"))?;
        if negative {
            return Err(CalcError::Negative {
                field: SlotName::Base,
                value: s.trim().to_string(),
            });
        }
        return Ok(BaseSpec::Grade(value.normalize()));
    }
    if let Some(rest) = body.strip_suffix('倍') {
        let value = numbers::parse_number(rest)
            .ok_or_else(|| parse_err(SlotName::Base, s, "档次请写成“60%”“3倍”这样的形式。"))?;
        return Ok(BaseSpec::Grade(value.normalize()));
    }
    parse_money(strip_per_month(&n), SlotName::Base).map(BaseSpec::Amount)
}

/// Parses a calendar month: "2024-03", "2024-3", "2024/03", "2024.03", "2024年3月", "二〇二四年三月".
pub fn parse_year_month(s: &str) -> Result<YearMonth, CalcError> {
    parse_year_month_in(s, None)
}

/// [`parse_year_month`], where a month without its year ("3月") takes `default_year`.
pub fn parse_year_month_in(s: &str, default_year: Option<i32>) -> Result<YearMonth, CalcError> {
    const EXPECTED: &str = "月份请写成“2024-03”或“2024年3月”。";
    numbers::read_year_month(s, default_year).map_err(|e| from_read(SlotName::Months, e, EXPECTED))
}

/// Parses a date: "2024-01-15", "2024/1/15", "2024.1.15", "2024年1月15日", "2024年1月15号",
/// "24年1月15日", "20240115".
pub fn parse_date(s: &str) -> Result<NaiveDate, CalcError> {
    parse_date_in(s, None)
}

/// [`parse_date`], where a date without its year ("1月15号") takes `default_year`.
pub fn parse_date_in(s: &str, default_year: Option<i32>) -> Result<NaiveDate, CalcError> {
    const EXPECTED: &str = "日期请写成“2024-01-15”或“2024年1月15日”。";
    numbers::read_date(s, default_year).map_err(|e| from_read(SlotName::From, e, EXPECTED))
}

/// Parses a number of months ("6", "6个月", "六个月", "半年", "一年", "1年3个月") or a period
/// ("2024-03至2024-08", "2024年3月到2024年8月", "2024年3月到8月", "2024-03 to 2024-08").
pub fn parse_months(s: &str) -> Result<MonthsSpec, CalcError> {
    parse_months_in(s, None)
}

/// [`parse_months`], where a period without a year ("3月到8月") takes `default_year`.
pub fn parse_months_in(s: &str, default_year: Option<i32>) -> Result<MonthsSpec, CalcError> {
    const EXPECTED: &str =
        "请告诉我补缴几个月（例如“6个月”），或起止月份（例如“2024-03至2024-08”）。";
    numbers::read_months(s, default_year).map_err(|e| from_read(SlotName::Months, e, EXPECTED))
}

/// Parses days late: "30", "30天", "三十天", "两周".
pub fn parse_days(s: &str) -> Result<u32, CalcError> {
    numbers::read_days(s).map_err(|e| from_read(SlotName::Days, e, "请写天数，例如 30"))
}

/// Parses years: "18", "18.5", "18年", "十八年", "18年半", "15年3个月".
pub fn parse_years(s: &str) -> Result<Decimal, CalcError> {
    numbers::read_years(s).map_err(|e| from_read(SlotName::Years, e, "请写年数，例如 18 或 18.5"))
}

/// Parses the insurance: "养老"/"养老保险" → pension, "医保"/"医疗"/"医疗保险" → medical.
pub fn parse_insurance(s: &str) -> Result<Insurance, CalcError> {
    let n = normalize(s);
    if n.contains("养老") || n.eq_ignore_ascii_case("pension") {
        Ok(Insurance::Pension)
    } else if n.contains("医") || n.eq_ignore_ascii_case("medical") {
        Ok(Insurance::Medical)
    } else {
        Err(parse_err(
            SlotName::Insurance,
            s,
            "请说明是养老保险还是医疗保险。",
        ))
    }
}

/// Parses the category: 职工/在职 → employee, 灵活就业/个体/自由职业 → flexible, 城乡居民/居民/新农合 →
/// resident, 退休 → retiree, 单位/公司 → employer.
pub fn parse_category(s: &str) -> Result<Category, CalcError> {
    let n = normalize(s);
    let table: [(&[&str], Category); 5] = [
        (
            &["灵活就业", "个体", "自由职业", "flexible"],
            Category::Flexible,
        ),
        (&["居民", "新农合", "农合", "resident"], Category::Resident),
        (&["退休", "retiree"], Category::Retiree),
        (&["职工", "在职", "上班", "employee"], Category::Employee),
        (&["单位", "公司", "企业", "employer"], Category::Employer),
    ];
    table
        .iter()
        .find(|(words, _)| words.iter().any(|w| n.contains(w)))
        .map(|(_, c)| *c)
        .ok_or_else(|| {
            parse_err(
                SlotName::Category,
                s,
                "请说明参保身份：单位职工、灵活就业（个体/自由职业）还是城乡居民。",
            )
        })
}

/// Parses the gender: 男/男性/male → male, 女/女性/female → female.
pub fn parse_gender(s: &str) -> Result<Gender, CalcError> {
    let n = normalize(s);
    if n.starts_with('男') || n.eq_ignore_ascii_case("male") || n.eq_ignore_ascii_case("m") {
        Ok(Gender::Male)
    } else if n.starts_with('女') || n.eq_ignore_ascii_case("female") || n.eq_ignore_ascii_case("f")
    {
        Ok(Gender::Female)
    } else {
        Err(parse_err(SlotName::Gender, s, "请说明性别：男或女。"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        let cases = [
            ("20%", dec!(0.2)),
            ("20％", dec!(0.2)),
            ("8.5%", dec!(0.085)),
            ("0.2", dec!(0.2)),
            ("20", dec!(0.2)),
            ("8.5", dec!(0.085)),
            ("1", dec!(0.01)),
            ("100%", dec!(1)),
            ("百分之二十", dec!(0.2)),
            ("百分之八点五", dec!(0.085)),
            ("百分之0.05", dec!(0.0005)),
            ("千分之二", dec!(0.002)),
            ("万分之五", dec!(0.0005)),
            ("16个点", dec!(0.16)),
            (" 0.05% ", dec!(0.0005)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_rate(s).unwrap(), want, "{s}");
        }
    }

    #[test]
    fn bad_rates() {
        assert!(matches!(
            parse_rate("120%"),
            Err(CalcError::RateTooHigh { .. })
        ));
        assert!(matches!(
            parse_rate("120"),
            Err(CalcError::RateTooHigh { .. })
        ));
        assert!(matches!(parse_rate("-5%"), Err(CalcError::Negative { .. })));
        assert!(matches!(parse_rate("0"), Err(CalcError::Zero { .. })));
        assert!(matches!(
            parse_rate("很多"),
            Err(CalcError::Parse {
                field: SlotName::Rate,
                ..
            })
        ));
    }

    #[test]
    fn amounts_and_bases() {
        assert_eq!(parse_amount("10,000元").unwrap(), dec!(10000));
        assert_eq!(parse_amount("1.5万").unwrap(), dec!(15000));
        assert_eq!(parse_amount("一万二").unwrap(), dec!(12000));
        assert_eq!(parse_amount("3333.33块").unwrap(), dec!(3333.33));
        assert_eq!(parse_amount("三千三百三十三点三三").unwrap(), dec!(3333.33));
        assert!(matches!(
            parse_amount("-100"),
            Err(CalcError::Negative { .. })
        ));
        assert_eq!(parse_base("5000").unwrap(), BaseSpec::Amount(dec!(5000)));
        assert_eq!(
            parse_base("每月5000元").unwrap(),
            BaseSpec::Amount(dec!(5000))
        );
        assert_eq!(parse_base("最低档").unwrap(), BaseSpec::Grade(dec!(0.6)));
        assert_eq!(parse_base("最高档").unwrap(), BaseSpec::Grade(dec!(3)));
        assert_eq!(parse_base("60%").unwrap(), BaseSpec::Grade(dec!(0.6)));
        assert_eq!(parse_base("100%档").unwrap(), BaseSpec::Grade(dec!(1)));
        assert_eq!(parse_base("百分之三百").unwrap(), BaseSpec::Grade(dec!(3)));
        assert_eq!(parse_base("3倍").unwrap(), BaseSpec::Grade(dec!(3)));
    }

    #[test]
    fn year_months_and_dates() {
        let ym = |year, month| YearMonth { year, month };
        assert_eq!(parse_year_month("2024-03").unwrap(), ym(2024, 3));
        assert_eq!(parse_year_month("2024-3").unwrap(), ym(2024, 3));
        assert_eq!(parse_year_month("2024年3月").unwrap(), ym(2024, 3));
        assert_eq!(parse_year_month("2024/12").unwrap(), ym(2024, 12));
        assert_eq!(parse_year_month("二〇二四年三月").unwrap(), ym(2024, 3));
        assert_eq!(parse_year_month("2024年十二月").unwrap(), ym(2024, 12));
        assert!(parse_year_month("2024-13").is_err());
        assert!(parse_year_month("2024-03-01").is_err());
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(parse_date("2024-01-15").unwrap(), d(2024, 1, 15));
        assert_eq!(parse_date("2024/1/15").unwrap(), d(2024, 1, 15));
        assert_eq!(parse_date("2024年1月15日").unwrap(), d(2024, 1, 15));
        assert_eq!(parse_date("2024年2月29号").unwrap(), d(2024, 2, 29));
        assert!(parse_date("2023-02-29").is_err());
        assert!(parse_date("2024-01").is_err());
    }

    #[test]
    fn months() {
        let count = |m| MonthsSpec::Count { months: m };
        assert_eq!(parse_months("6").unwrap(), count(6));
        assert_eq!(parse_months("6个月").unwrap(), count(6));
        assert_eq!(parse_months("六个月").unwrap(), count(6));
        assert_eq!(parse_months("十二个月").unwrap(), count(12));
        assert_eq!(parse_months("半年").unwrap(), count(6));
        assert_eq!(parse_months("一年").unwrap(), count(12));
        assert_eq!(parse_months("1年3个月").unwrap(), count(15));
        assert_eq!(parse_months("两年半").unwrap(), count(30));
        let period = MonthsSpec::Period {
            from: YearMonth {
                year: 2024,
                month: 3,
            },
            to: YearMonth {
                year: 2024,
                month: 8,
            },
        };
        assert_eq!(parse_months("2024-03至2024-08").unwrap(), period);
        assert_eq!(parse_months("2024年3月到2024年8月").unwrap(), period);
        assert_eq!(parse_months("2024-03 to 2024-08").unwrap(), period);
        assert_eq!(parse_months("2024-03-2024-08").unwrap(), period);
        assert_eq!(
            parse_months("601个月").unwrap_err().to_string(),
            "补缴月数“601个月”不在合理范围内：超过了上限 600个月（50年），请核对。"
        );
        assert_eq!(
            parse_months("3月到8月").unwrap_err().to_string(),
            "没看懂“3月到8月”，没有年份，请说月数或起止月份，如 3个月、2024年3月到8月。"
        );
        assert_eq!(
            parse_months_in("3月到8月", Some(2025)).unwrap(),
            MonthsSpec::Period {
                from: YearMonth {
                    year: 2025,
                    month: 3
                },
                to: YearMonth {
                    year: 2025,
                    month: 8
                },
            }
        );
        assert!(parse_months("好几个月").is_err());
        assert!(parse_months("1.5个月").is_err());
    }

    #[test]
    fn words() {
        assert_eq!(parse_insurance("养老保险").unwrap(), Insurance::Pension);
        assert_eq!(parse_insurance("医保").unwrap(), Insurance::Medical);
        assert_eq!(parse_category("灵活就业").unwrap(), Category::Flexible);
        assert_eq!(parse_category("个体户").unwrap(), Category::Flexible);
        assert_eq!(parse_category("城乡居民").unwrap(), Category::Resident);
        assert_eq!(parse_category("在职职工").unwrap(), Category::Employee);
        assert_eq!(parse_category("单位").unwrap(), Category::Employer);
        assert_eq!(parse_gender("女性").unwrap(), Gender::Female);
        assert_eq!(parse_gender("男").unwrap(), Gender::Male);
        assert!(parse_gender("不告诉你").is_err());
    }
}

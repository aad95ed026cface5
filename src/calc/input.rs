//! Parsing of the strings citizens type into calculator inputs: rates ("20%", "0.2", "百分之八点五"),
//! bases ("5000元", "最低档", "60%"), amounts ("1.5万", "一万二"), months ("6个月", "2024-03至2024-08"),
//! year-months ("2024年3月") and dates ("2024-01-15"). Kept apart from the calculators so the slot
//! extractor and the calculators agree on one reading of each string.
//!
//! **How a bare rate number is read** (decided here, once): a number below 1 is a fraction
//! (`"0.2"` = 20%), a number from 1 to 100 is a percentage (`"20"` = 20%, `"8.5"` = 8.5%,
//! `"1"` = 1%), anything above 100 is refused as a rate over 100%. Write `"100%"` for one hundred per cent.

use chinese_number::{ChineseCountMethod, ChineseToNumber};
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::error::CalcError;
use super::types::{BaseSpec, Category, Gender, Insurance, MonthsSpec, YearMonth};

/// Full-width digits and punctuation to ASCII, spaces and thousands separators removed.
fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        let c = match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '％' => '%',
            '．' | '。' => '.',
            '／' => '/',
            '－' | '—' | '–' => '-',
            '～' => '~',
            _ => c,
        };
        if c.is_whitespace() || c == ',' || c == '，' {
            continue;
        }
        out.push(c);
    }
    out
}

/// Reads a non-negative number written in Arabic or Chinese numerals, with an optional
/// 万 multiplier ("1.5万", "一万二", "八点五", "3333.33"): the shared reader in `text::numbers`,
/// so a calculator argument and a chat message mean the same number.
fn number(s: &str) -> Option<Decimal> {
    crate::text::numbers::parse_number(s.trim()).filter(|d| !d.is_sign_negative())
}

fn parse_err(field: &'static str, input: &str, expected: &str) -> CalcError {
    CalcError::Parse {
        field,
        input: input.trim().to_string(),
        expected: expected.to_string(),
    }
}

/// Splits off a leading minus sign ("-", "负").
fn sign(s: &str) -> (bool, &str) {
    if let Some(rest) = s.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = s.strip_prefix('负') {
        (true, rest)
    } else {
        (false, s)
    }
}

/// Parses a rate into a fraction (0.2 for 20%). Accepts "20%", "8.5%", "0.2", "20" (see the module
/// doc for bare numbers), "百分之二十", "百分之八点五", "千分之二", "万分之五", "20个点".
pub fn parse_rate(s: &str) -> Result<Decimal, CalcError> {
    const EXPECTED: &str = "费率请写成“20%”“百分之八点五”或“0.2”这样的形式。";
    let n = normalize(s);
    let (negative, body) = sign(&n);
    let value = if let Some(rest) = body.strip_prefix("百分之") {
        number(rest).map(|v| v / dec!(100))
    } else if let Some(rest) = body.strip_prefix("千分之") {
        number(rest).map(|v| v / dec!(1000))
    } else if let Some(rest) = body.strip_prefix("万分之") {
        number(rest).map(|v| v / dec!(10000))
    } else if let Some(rest) = body.strip_suffix('%') {
        number(rest).map(|v| v / dec!(100))
    } else if let Some(rest) = body.strip_suffix('‰') {
        number(rest).map(|v| v / dec!(1000))
    } else if let Some(rest) = body.strip_suffix("个点") {
        number(rest).map(|v| v / dec!(100))
    } else {
        number(body).map(|v| if v < Decimal::ONE { v } else { v / dec!(100) })
    };
    let value = value.ok_or_else(|| parse_err("rate", s, EXPECTED))?;
    check_rate(value, negative, s)
}

fn check_rate(value: Decimal, negative: bool, original: &str) -> Result<Decimal, CalcError> {
    if negative && !value.is_zero() {
        return Err(CalcError::Negative {
            field: "rate",
            value: original.trim().to_string(),
        });
    }
    if value.is_zero() {
        return Err(CalcError::Zero { field: "rate" });
    }
    if value > Decimal::ONE {
        return Err(CalcError::RateTooHigh {
            value: original.trim().to_string(),
        });
    }
    Ok(value.normalize())
}

/// Parses an amount of money in yuan: "10000", "10,000元", "1.5万", "一万二", "3333.33块".
pub fn parse_amount(s: &str) -> Result<Decimal, CalcError> {
    parse_money(s, "amount")
}

fn strip_money_suffix(s: &str) -> &str {
    let mut s = s;
    for prefix in ["每月", "月缴"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    for suffix in [
        "/月",
        "每月",
        "一个月",
        "块钱",
        "元钱",
        "元",
        "块",
        "rmb",
        "RMB",
    ] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest;
        }
    }
    s
}

fn parse_money(s: &str, field: &'static str) -> Result<Decimal, CalcError> {
    let n = normalize(s);
    let (negative, body) = sign(&n);
    let body = strip_money_suffix(body);
    let value = number(body)
        .ok_or_else(|| parse_err(field, s, "金额请写成“5000”“5000元”或“1.5万”这样的数字。"))?;
    if negative && !value.is_zero() {
        return Err(CalcError::Negative {
            field,
            value: s.trim().to_string(),
        });
    }
    Ok(value.normalize())
}

/// Parses a contribution base: an amount ("5000", "5000元") or a grade of the average wage
/// ("最低档" = 60%, "最高档" = 300%, "60%", "百分之一百", "100%档", "3倍").
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
    let is_grade = body.ends_with('%') || body.starts_with("百分之");
    if is_grade {
        let (negative, b) = sign(body);
        let value = if let Some(rest) = b.strip_prefix("百分之") {
            number(rest)
        } else {
            number(b.trim_end_matches('%'))
        }
        .ok_or_else(|| parse_err("base", s, "档次请写成“60%”“最低档”或“最高档”。"))?;
        if negative {
            return Err(CalcError::Negative {
                field: "base",
                value: s.trim().to_string(),
            });
        }
        return Ok(BaseSpec::Grade((value / dec!(100)).normalize()));
    }
    if let Some(rest) = body.strip_suffix('倍') {
        let value =
            number(rest).ok_or_else(|| parse_err("base", s, "档次请写成“60%”“3倍”这样的形式。"))?;
        return Ok(BaseSpec::Grade(value.normalize()));
    }
    parse_money(s, "base").map(BaseSpec::Amount)
}

/// Parses a calendar month: "2024-03", "2024-3", "2024/03", "2024.03", "2024年3月", "二〇二四年三月".
pub fn parse_year_month(s: &str) -> Result<YearMonth, CalcError> {
    const EXPECTED: &str = "月份请写成“2024-03”或“2024年3月”。";
    let n = normalize(s);
    let (y, m) = split_date_parts(&n).ok_or_else(|| parse_err("months", s, EXPECTED))?;
    if y.len() != 2 || !m.is_empty() {
        return Err(parse_err("months", s, EXPECTED));
    }
    let (year, month) = (y[0], y[1]);
    let year = i32::try_from(year).map_err(|_| parse_err("months", s, EXPECTED))?;
    if !(1950..=2100).contains(&year) || !(1..=12).contains(&month) {
        return Err(parse_err("months", s, EXPECTED));
    }
    Ok(YearMonth { year, month })
}

/// Parses a date: "2024-01-15", "2024/1/15", "2024.1.15", "2024年1月15日", "2024年1月15号".
pub fn parse_date(s: &str) -> Result<NaiveDate, CalcError> {
    const EXPECTED: &str = "日期请写成“2024-01-15”或“2024年1月15日”。";
    let n = normalize(s);
    let (parts, rest) = split_date_parts(&n).ok_or_else(|| parse_err("from", s, EXPECTED))?;
    if parts.len() != 3 || !rest.is_empty() {
        return Err(parse_err("from", s, EXPECTED));
    }
    let year = i32::try_from(parts[0]).map_err(|_| parse_err("from", s, EXPECTED))?;
    NaiveDate::from_ymd_opt(year, parts[1], parts[2])
        .filter(|d| (1950..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| parse_err("from", s, "这个日期不存在，请核对年月日。"))
}

/// Splits "2024-01-15" / "2024年1月15日" into numbers. Returns the numbers and any unparsed tail.
fn split_date_parts(n: &str) -> Option<(Vec<u32>, String)> {
    let mut unified = String::new();
    for c in n.chars() {
        match c {
            '年' | '月' | '/' | '.' | '-' => unified.push('-'),
            '日' | '号' => {}
            _ => unified.push(c),
        }
    }
    let unified = unified.trim_end_matches('-');
    let mut parts = Vec::new();
    for (i, p) in unified.split('-').enumerate() {
        if p.is_empty() {
            return None;
        }
        let v = if p.chars().all(|c| c.is_ascii_digit()) {
            p.parse::<u32>().ok()?
        } else if i == 0 {
            // A year in Chinese digits is read digit by digit: 二〇二四.
            p.chars()
                .map(crate::text::numbers::digit_value)
                .try_fold(0u32, |acc, d| d.map(|d| acc * 10 + d))?
        } else {
            p.to_number(ChineseCountMethod::TenThousand).ok()?
        };
        parts.push(v);
    }
    Some((parts, String::new()))
}

/// Parses a number of months ("6", "6个月", "六个月", "半年", "一年", "1年3个月") or a period
/// ("2024-03至2024-08", "2024年3月到2024年8月", "2024-03~2024-08", "2024-03 to 2024-08").
pub fn parse_months(s: &str) -> Result<MonthsSpec, CalcError> {
    const EXPECTED: &str =
        "请告诉我补缴几个月（例如“6个月”），或起止月份（例如“2024-03至2024-08”）。";
    let n = normalize(s);
    for sep in ["至", "到", "~", "to", "TO", "--"] {
        if let Some((a, b)) = n.split_once(sep) {
            let from = parse_year_month(a).map_err(|_| parse_err("months", s, EXPECTED))?;
            let to = parse_year_month(b).map_err(|_| parse_err("months", s, EXPECTED))?;
            return Ok(MonthsSpec::Period { from, to });
        }
    }
    // "2024-03-2024-08": two year-months joined by a dash.
    let dashed: Vec<&str> = n.split('-').collect();
    if dashed.len() == 4 && dashed[0].len() == 4 && dashed[2].len() == 4 {
        let from = parse_year_month(&format!("{}-{}", dashed[0], dashed[1]))?;
        let to = parse_year_month(&format!("{}-{}", dashed[2], dashed[3]))?;
        return Ok(MonthsSpec::Period { from, to });
    }
    let months = count_months(&n).ok_or_else(|| parse_err("months", s, EXPECTED))?;
    Ok(MonthsSpec::Count { months })
}

fn whole(d: Decimal) -> Option<u32> {
    if d.fract().is_zero() {
        d.to_u32()
    } else {
        None
    }
}

fn count_months(n: &str) -> Option<u32> {
    if n == "半年" {
        return Some(6);
    }
    let body = n.trim_end_matches("整");
    if let Some((years, rest)) = body.split_once('年') {
        let y = whole(number(years)?)?;
        let rest = rest.trim_start_matches('零');
        let m = if rest.is_empty() {
            0
        } else if rest == "半" {
            6
        } else {
            whole(number(
                rest.trim_end_matches("个月").trim_end_matches('月'),
            )?)?
        };
        return y.checked_mul(12)?.checked_add(m);
    }
    let body = body.trim_end_matches("个月").trim_end_matches('月');
    whole(number(body)?)
}

/// Parses the insurance: "养老"/"养老保险" → pension, "医保"/"医疗"/"医疗保险" → medical.
pub fn parse_insurance(s: &str) -> Result<Insurance, CalcError> {
    let n = normalize(s);
    if n.contains("养老") || n.eq_ignore_ascii_case("pension") {
        Ok(Insurance::Pension)
    } else if n.contains("医") || n.eq_ignore_ascii_case("medical") {
        Ok(Insurance::Medical)
    } else {
        Err(parse_err("insurance", s, "请说明是养老保险还是医疗保险。"))
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
                "category",
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
        Err(parse_err("gender", s, "请说明性别：男或女。"))
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
            Err(CalcError::Parse { field: "rate", .. })
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

//! The calculators' one entry point for every channel: the inputs of `bujiao calc …` (command-line
//! flags) and of `POST /v1/calc/{kind}` (JSON fields of the same names, snake_case) are the same
//! structs, read by the same code, so the CLI and the HTTP API accept exactly the same inputs.
//!
//! Values are read by `calc::input`, the thin layer over the one reader the chat's slot extraction
//! uses (`text::numbers`), so "20%", "0.2" and "百分之二十" mean one thing everywhere; a month or date
//! without its year takes this year in China time. JSON clients may send numbers as numbers or as strings.

use crate::calc::{self, input, CalcError, CalcResult, PolicySet};
use crate::field::SlotName;
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};

/// Arguments of `calc contribution`, as typed.
#[derive(Debug, Default, Clone, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionArgs {
    /// Monthly base: 5000, 5千, 最低档, 60% (of the local average wage)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub base: Option<String>,
    /// Rate: 20%, 0.2, 百分之二十 (omit to use the region's policy)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub rate: Option<String>,
    /// 3, 3个月, 半年, or a period 2024-03至2024-08
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub months: Option<String>,
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub region: Option<String>,
    /// pension | medical (养老 / 医疗)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub insurance: Option<String>,
    /// employee | flexible | resident (职工 / 灵活就业 / 城乡居民)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub category: Option<String>,
    /// Resident schemes: yearly personal contribution
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub annual_amount: Option<String>,
    /// Date whose policy figures apply (default today)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub as_of: Option<String>,
}

/// Arguments of `calc late-fee`, as typed.
#[derive(Debug, Default, Clone, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LateFeeArgs {
    /// Arrears (本金): 10000, 1万, 一万二
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub amount: Option<String>,
    /// Days late
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub days: Option<String>,
    /// Due date (YYYY-MM-DD)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub from: Option<String>,
    /// Payment date (YYYY-MM-DD)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub to: Option<String>,
    /// Month-by-month schedule: arrears per month (with --months PERIOD and --to)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub monthly: Option<String>,
    /// The schedule's period, e.g. 2024-01至2024-06
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub months: Option<String>,
    /// Day of its own month by which each contribution is due (default 15)
    #[arg(long)]
    #[serde(default, deserialize_with = "whole")]
    pub due_day: Option<u32>,
}

/// Arguments of `calc retiree-topup`, as typed.
#[derive(Debug, Default, Clone, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetireeArgs {
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub region: Option<String>,
    /// male | female (男 / 女)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub gender: Option<String>,
    /// Years the region requires (overrides the policy table)
    #[arg(long)]
    #[serde(default, deserialize_with = "whole")]
    pub required_years: Option<u32>,
    /// Years actually paid, e.g. 18 or 18.5
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub paid_years: Option<String>,
    /// Deemed years (视同缴费年限)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub deemed_years: Option<String>,
    /// Monthly base of the top-up
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub base: Option<String>,
    /// Rate of the top-up
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub rate: Option<String>,
    /// Date whose policy figures apply (default today)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub as_of: Option<String>,
}

/// Arguments of `calc waiting-period`, as typed.
#[derive(Debug, Default, Clone, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitingArgs {
    /// resident | employee | flexible
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub category: Option<String>,
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub region: Option<String>,
    /// Resident: years without insurance
    #[arg(long)]
    #[serde(default, deserialize_with = "whole")]
    pub gap_years: Option<u32>,
    /// Resident: missed years paid afterwards
    #[arg(long)]
    #[serde(default, deserialize_with = "whole")]
    pub years_repaid: Option<u32>,
    /// Newborn or another exempt group
    #[arg(long)]
    #[serde(default)]
    pub exempt: bool,
    /// Paid during the annual collection period
    #[arg(long)]
    #[serde(default)]
    pub during_collection_period: bool,
    /// Payment date (default today)
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub pay_date: Option<String>,
    /// Employee: first day of the gap
    #[arg(long)]
    #[serde(default, deserialize_with = "text")]
    pub gap_from: Option<String>,
    /// Employee: length of the gap in days
    #[arg(long)]
    #[serde(default, deserialize_with = "whole")]
    pub gap_days: Option<u32>,
    /// Employee: length of the gap in months
    #[arg(long)]
    #[serde(default, deserialize_with = "whole")]
    pub gap_months: Option<u32>,
}

/// One calculation request: which calculator, with its inputs.
#[derive(Debug, Clone)]
pub enum CalcRequest {
    Contribution(ContributionArgs),
    LateFee(LateFeeArgs),
    RetireeTopup(RetireeArgs),
    WaitingPeriod(WaitingArgs),
}

/// The calculators by their ids (`POST /v1/calc/{id}`, `bujiao calc {id}`).
pub const CALCULATORS: [&str; 4] = [
    "contribution",
    "late-fee",
    "retiree-topup",
    "waiting-period",
];

/// Why a JSON calculation request could not be read (before any calculator ran).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// No calculator has this id.
    UnknownCalculator(String),
    /// The fields did not deserialize (unknown field, wrong type); the reason in English.
    Invalid(String),
}

impl CalcRequest {
    /// A request from a calculator id and a JSON object of the inputs (the flags' names,
    /// snake_case: `paid_years`, `annual_amount`, …).
    pub fn from_json(kind: &str, inputs: serde_json::Value) -> Result<Self, RequestError> {
        let inputs = if inputs.is_null() {
            serde_json::Value::Object(Default::default())
        } else {
            inputs
        };
        let invalid = |e: serde_json::Error| RequestError::Invalid(e.to_string());
        Ok(match kind {
            "contribution" => {
                CalcRequest::Contribution(serde_json::from_value(inputs).map_err(invalid)?)
            }
            "late-fee" => CalcRequest::LateFee(serde_json::from_value(inputs).map_err(invalid)?),
            "retiree-topup" => {
                CalcRequest::RetireeTopup(serde_json::from_value(inputs).map_err(invalid)?)
            }
            "waiting-period" => {
                CalcRequest::WaitingPeriod(serde_json::from_value(inputs).map_err(invalid)?)
            }
            other => return Err(RequestError::UnknownCalculator(other.to_string())),
        })
    }

    /// The calculator's id.
    pub fn id(&self) -> &'static str {
        match self {
            CalcRequest::Contribution(_) => "contribution",
            CalcRequest::LateFee(_) => "late-fee",
            CalcRequest::RetireeTopup(_) => "retiree-topup",
            CalcRequest::WaitingPeriod(_) => "waiting-period",
        }
    }

    /// Run the calculator on these policy tables.
    pub fn run(&self, policies: &PolicySet) -> Result<CalcResult, CalcError> {
        match self {
            CalcRequest::Contribution(a) => contribution(a, policies),
            CalcRequest::LateFee(a) => late_fee(a, policies),
            CalcRequest::RetireeTopup(a) => retiree(a, policies),
            CalcRequest::WaitingPeriod(a) => waiting(a, policies),
        }
    }

    /// The input field (flag name, snake_case) a calculator error is about: calculators name
    /// dialogue slots (`years`, `from`), which map onto different fields per calculator.
    pub fn field_of(&self, error: &CalcError) -> Option<&'static str> {
        use CalcRequest::*;
        let slot = error.slot()?;
        Some(match (self, slot) {
            (Contribution(_), SlotName::Amount) => "annual_amount",
            (LateFee(a), SlotName::Amount) if a.monthly.is_some() => "monthly",
            (RetireeTopup(_), SlotName::Years | SlotName::PaidYears) => "paid_years",
            (WaitingPeriod(_), SlotName::Years | SlotName::GapYears) => "gap_years",
            (WaitingPeriod(_), SlotName::RepaidYears) => "years_repaid",
            (WaitingPeriod(_), SlotName::Days) => "gap_days",
            (WaitingPeriod(_), SlotName::From) => "gap_from",
            (WaitingPeriod(_), SlotName::To) => "pay_date",
            (_, s) => s.as_str(),
        })
    }
}

fn opt<T>(
    v: &Option<String>,
    f: impl Fn(&str) -> Result<T, CalcError>,
) -> Result<Option<T>, CalcError> {
    v.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(f)
        .transpose()
}

fn years(v: &Option<String>) -> Result<Option<rust_decimal::Decimal>, CalcError> {
    opt(v, input::parse_years)
}

/// This year in China time: the year of a month or date said without one.
fn this_year() -> Option<i32> {
    use chrono::Datelike;
    Some(crate::china_time::today().year())
}

fn months(v: &Option<String>) -> Result<Option<calc::MonthsSpec>, CalcError> {
    opt(v, |s| input::parse_months_in(s, this_year()))
}

fn date(v: &Option<String>) -> Result<Option<NaiveDate>, CalcError> {
    opt(v, |s| input::parse_date_in(s, this_year()))
}

pub fn contribution(a: &ContributionArgs, p: &PolicySet) -> Result<CalcResult, CalcError> {
    let i = calc::ContributionInput {
        base: opt(&a.base, input::parse_base)?,
        rate: opt(&a.rate, input::parse_rate)?,
        months: months(&a.months)?,
        region: a.region.clone().filter(|r| !r.trim().is_empty()),
        insurance: opt(&a.insurance, input::parse_insurance)?,
        category: opt(&a.category, input::parse_category)?,
        annual_amount: opt(&a.annual_amount, input::parse_amount)?,
        as_of: date(&a.as_of)?.or_else(today),
    };
    calc::contribution(&i, p)
}

pub fn late_fee(a: &LateFeeArgs, p: &PolicySet) -> Result<CalcResult, CalcError> {
    if let Some(monthly) = a.monthly.as_deref().filter(|m| !m.trim().is_empty()) {
        let amount = input::parse_amount(monthly)?;
        let Some(period) = months(&a.months)? else {
            return Err(CalcError::Missing {
                field: SlotName::Months,
                hint: "按月明细需要起止月份，例如 --months 2024-01至2024-06。".into(),
            });
        };
        let calc::MonthsSpec::Period { from, to } = period else {
            return Err(CalcError::Parse {
                field: SlotName::Months,
                input: a.months.clone().unwrap_or_default(),
                expected: "按月明细需要起止月份，例如 2024-01至2024-06".into(),
            });
        };
        let Some(pay) = date(&a.to)? else {
            return Err(CalcError::Missing {
                field: SlotName::To,
                hint: "请用 --to 给出缴纳日期，例如 --to 2024-09-01。".into(),
            });
        };
        let s = calc::LateFeeScheduleInput::uniform(from, to, amount, a.due_day.unwrap_or(15), pay);
        return calc::late_fee_schedule(&s, p);
    }
    let days = opt(&a.days, input::parse_days)?;
    let i = calc::LateFeeInput {
        amount: opt(&a.amount, input::parse_amount)?,
        days,
        due_date: date(&a.from)?,
        pay_date: date(&a.to)?,
    };
    calc::late_fee(&i, p)
}

pub fn retiree(a: &RetireeArgs, p: &PolicySet) -> Result<CalcResult, CalcError> {
    let i = calc::RetireeInput {
        region: a.region.clone().filter(|r| !r.trim().is_empty()),
        gender: opt(&a.gender, input::parse_gender)?,
        required_years: a.required_years,
        paid_years: years(&a.paid_years)?,
        deemed_years: years(&a.deemed_years)?,
        base: opt(&a.base, input::parse_base)?,
        rate: opt(&a.rate, input::parse_rate)?,
        as_of: date(&a.as_of)?.or_else(today),
    };
    calc::retiree_topup(&i, p)
}

pub fn waiting(a: &WaitingArgs, p: &PolicySet) -> Result<CalcResult, CalcError> {
    let i = calc::WaitingInput {
        category: opt(&a.category, input::parse_category)?,
        region: a.region.clone().filter(|r| !r.trim().is_empty()),
        gap_years: a.gap_years,
        years_repaid: a.years_repaid,
        exempt: a.exempt,
        during_collection_period: a.during_collection_period,
        pay_date: date(&a.pay_date)?.or_else(today),
        gap_from: date(&a.gap_from)?,
        gap_days: a.gap_days,
        gap_months: a.gap_months,
    };
    calc::waiting_period(&i, p)
}

/// Today's date in China, the default "as of" for policy figures.
pub fn today() -> Option<NaiveDate> {
    Some(crate::china_time::today())
}

/// A text input sent as a JSON string or number (`"5000"`, `5000`, `0.2`); null is absent.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum T {
        S(String),
        N(serde_json::Number),
    }
    Ok(match Option::<T>::deserialize(d)? {
        None => None,
        Some(T::S(s)) => Some(s),
        Some(T::N(n)) => Some(n.to_string()),
    })
}

/// A whole number sent as a JSON number or a string of digits; null or "" is absent.
fn whole<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    use serde::de::Error;
    match text(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => s
            .trim()
            .parse::<u32>()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected a whole number, got {s:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_takes_numbers_and_strings_and_refuses_unknown_fields() {
        let r = CalcRequest::from_json("late-fee", json!({"amount": 10000, "days": "30"})).unwrap();
        let CalcRequest::LateFee(a) = &r else {
            panic!()
        };
        assert_eq!(a.amount.as_deref(), Some("10000"));
        assert_eq!(a.days.as_deref(), Some("30"));
        assert!(matches!(
            CalcRequest::from_json("late-fee", json!({"amount": 1, "dayz": 3})),
            Err(RequestError::Invalid(_))
        ));
        assert!(matches!(
            CalcRequest::from_json("nope", json!({})),
            Err(RequestError::UnknownCalculator(_))
        ));
        let r = CalcRequest::from_json("waiting-period", json!({"gap_years": 2})).unwrap();
        assert_eq!(r.id(), "waiting-period");
    }

    #[test]
    fn slots_map_to_the_calculators_fields() {
        let r = CalcRequest::from_json("retiree-topup", json!({})).unwrap();
        let e = CalcError::Missing {
            field: SlotName::Years,
            hint: String::new(),
        };
        assert_eq!(r.field_of(&e), Some("paid_years"));
    }
}

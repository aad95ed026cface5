//! `bujiao calc …`: the calculators from the command line. Arguments are parsed by `calc::input`,
//! a thin layer over the one reader the chat's slot extraction uses (`text::numbers`), so the
//! CLI and the chat accept exactly the same inputs: "20%", "0.2" and "百分之二十" mean one thing
//! everywhere. A month or date without its year ("3月到8月", "1月15号") takes this year in China
//! time.

use crate::calc::{self, input, CalcError, CalcResult, PolicySet};
use crate::field::SlotName;
use chrono::NaiveDate;

/// Arguments of `calc contribution`, as typed.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ContributionArgs {
    /// Monthly base: 5000, 5千, 最低档, 60% (of the local average wage)
    #[arg(long)]
    pub base: Option<String>,
    /// Rate: 20%, 0.2, 百分之二十 (omit to use the region's policy)
    #[arg(long)]
    pub rate: Option<String>,
    /// 3, 3个月, 半年, or a period 2024-03至2024-08
    #[arg(long)]
    pub months: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    /// pension | medical (养老 / 医疗)
    #[arg(long)]
    pub insurance: Option<String>,
    /// employee | flexible | resident (职工 / 灵活就业 / 城乡居民)
    #[arg(long)]
    pub category: Option<String>,
    /// Resident schemes: yearly personal contribution
    #[arg(long)]
    pub annual_amount: Option<String>,
    /// Date whose policy figures apply (default today)
    #[arg(long)]
    pub as_of: Option<String>,
}

/// Arguments of `calc late-fee`, as typed.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct LateFeeArgs {
    /// Arrears (本金): 10000, 1万, 一万二
    #[arg(long)]
    pub amount: Option<String>,
    /// Days late
    #[arg(long)]
    pub days: Option<String>,
    /// Due date (YYYY-MM-DD)
    #[arg(long)]
    pub from: Option<String>,
    /// Payment date (YYYY-MM-DD)
    #[arg(long)]
    pub to: Option<String>,
    /// Month-by-month schedule: arrears per month (with --months PERIOD and --to)
    #[arg(long)]
    pub monthly: Option<String>,
    /// The schedule's period, e.g. 2024-01至2024-06
    #[arg(long)]
    pub months: Option<String>,
    /// Day of its own month by which each contribution is due (default 15)
    #[arg(long)]
    pub due_day: Option<u32>,
}

/// Arguments of `calc retiree-topup`, as typed.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct RetireeArgs {
    #[arg(long)]
    pub region: Option<String>,
    /// male | female (男 / 女)
    #[arg(long)]
    pub gender: Option<String>,
    /// Years the region requires (overrides the policy table)
    #[arg(long)]
    pub required_years: Option<u32>,
    /// Years actually paid, e.g. 18 or 18.5
    #[arg(long)]
    pub paid_years: Option<String>,
    /// Deemed years (视同缴费年限)
    #[arg(long)]
    pub deemed_years: Option<String>,
    /// Monthly base of the top-up
    #[arg(long)]
    pub base: Option<String>,
    /// Rate of the top-up
    #[arg(long)]
    pub rate: Option<String>,
    /// Date whose policy figures apply (default today)
    #[arg(long)]
    pub as_of: Option<String>,
}

/// Arguments of `calc waiting-period`, as typed.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct WaitingArgs {
    /// resident | employee | flexible
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    /// Resident: years without insurance
    #[arg(long)]
    pub gap_years: Option<u32>,
    /// Resident: missed years paid afterwards
    #[arg(long)]
    pub years_repaid: Option<u32>,
    /// Newborn or another exempt group
    #[arg(long)]
    pub exempt: bool,
    /// Paid during the annual collection period
    #[arg(long)]
    pub during_collection_period: bool,
    /// Payment date (default today)
    #[arg(long)]
    pub pay_date: Option<String>,
    /// Employee: first day of the gap
    #[arg(long)]
    pub gap_from: Option<String>,
    /// Employee: length of the gap in days
    #[arg(long)]
    pub gap_days: Option<u32>,
    /// Employee: length of the gap in months
    #[arg(long)]
    pub gap_months: Option<u32>,
}

fn opt<T>(
    v: &Option<String>,
    f: impl Fn(&str) -> Result<T, CalcError>,
) -> Result<Option<T>, CalcError> {
    v.as_deref().map(f).transpose()
}

fn years(v: &Option<String>) -> Result<Option<rust_decimal::Decimal>, CalcError> {
    opt(v, input::parse_years)
}

/// This year in China time (UTC+8): the year of a month or date said without one.
fn this_year() -> Option<i32> {
    use chrono::Datelike;
    let china = chrono::FixedOffset::east_opt(8 * 3600)?;
    Some(chrono::Utc::now().with_timezone(&china).year())
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
        region: a.region.clone(),
        insurance: opt(&a.insurance, input::parse_insurance)?,
        category: opt(&a.category, input::parse_category)?,
        annual_amount: opt(&a.annual_amount, input::parse_amount)?,
        as_of: date(&a.as_of)?.or_else(today),
    };
    calc::contribution(&i, p)
}

pub fn late_fee(a: &LateFeeArgs, p: &PolicySet) -> Result<CalcResult, CalcError> {
    if let Some(monthly) = &a.monthly {
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
        region: a.region.clone(),
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
        region: a.region.clone(),
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

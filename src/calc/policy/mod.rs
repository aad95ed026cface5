//! Regional policy tables: the figures the calculators look up when the citizen does not give them
//! (average wage, base floor and ceiling, rates, retiree medical years, gap rules, the national
//! late-fee and waiting-period rules). They live as TOML data in `knowledge/policies/` — one file per
//! region plus `national.toml`, whose header documents the format — so figures can be corrected
//! without touching code. Loading validates every value and reports problems as `file:line: message`;
//! every value group must name its source and year, and only High/Medium-confidence figures are
//! accepted (an unverified figure is left out, and the calculator then asks the citizen for it).
//! Reading the files in [`PolicySet::load_dir`] is the only I/O of the calculation module.
//!
//! This file holds what a calculator sees: the typed tables and the look-ups on them. The file
//! format is kept apart in `raw` (serde structs mirroring the TOML) and the checks that turn one
//! into the other in `load`, so a calculator never meets an unchecked value.
mod load;
mod raw;

use std::collections::HashMap;
use std::fmt;

use chinese_number::{ChineseCase, ChineseCountMethod, ChineseVariant, NumberToChinese};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::error::CalcError;
use super::result::{PolicyRef, SourceRef};
use super::types::{Category, Gender, Insurance};

/// A problem found while loading policy files; `line` is 1-based (0 when no line applies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyProblem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// How sure we are of a figure. Only these two grades are allowed in policy files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    High,
    Medium,
}

/// Where a value group comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cite {
    /// `law:<ID>`, `doc:<ID>` or a URL.
    pub source: String,
    pub title: Option<String>,
    pub year: i32,
    pub confidence: Confidence,
}

impl Cite {
    pub fn to_source_ref(&self) -> SourceRef {
        SourceRef {
            id: self.source.clone(),
            title: self
                .title
                .clone()
                .unwrap_or_else(|| default_title(&self.source)),
            year: Some(self.year),
        }
    }
}

/// A readable title for a source id when the file gives none: `law:SIL-86` →
/// 《中华人民共和国社会保险法》第八十六条.
pub fn default_title(id: &str) -> String {
    if let Some(article) = id.strip_prefix("law:SIL-") {
        if let Ok(n) = article.parse::<u32>() {
            if let Ok(cn) = n.to_chinese(
                ChineseVariant::Simple,
                ChineseCase::Lower,
                ChineseCountMethod::TenThousand,
            ) {
                return format!("《中华人民共和国社会保险法》第{cn}条");
            }
        }
    }
    id.to_string()
}

/// Values valid over a date range.
pub trait Dated {
    fn valid_from(&self) -> Option<NaiveDate>;
    fn valid_to(&self) -> Option<NaiveDate>;
}

/// How well a dated value fits the date asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// In force on the date asked about.
    InForce,
    /// No date asked about: the most recent value.
    Latest,
    /// The date is after every value's validity: the most recent value, possibly out of date.
    Stale,
    /// The date is before every value's validity: the earliest value.
    Early,
}

fn pick<T: Dated>(items: Vec<&T>, as_of: Option<NaiveDate>) -> Option<(&T, Fit)> {
    let key = |t: &&T| t.valid_from().unwrap_or(NaiveDate::MIN);
    let latest = items.iter().copied().max_by_key(key)?;
    let Some(day) = as_of else {
        // A single open-ended value is simply the rule in force; say nothing about dates.
        let fit = if items.len() == 1 && latest.valid_to().is_none() {
            Fit::InForce
        } else {
            Fit::Latest
        };
        return Some((latest, fit));
    };
    let in_force = items
        .iter()
        .copied()
        .filter(|t| {
            t.valid_from().is_none_or(|f| f <= day) && t.valid_to().is_none_or(|to| day <= to)
        })
        .max_by_key(key);
    if let Some(t) = in_force {
        return Some((t, Fit::InForce));
    }
    if items
        .iter()
        .all(|t| t.valid_from().is_some_and(|f| f > day))
    {
        let earliest = items.iter().copied().min_by_key(key)?;
        return Some((earliest, Fit::Early));
    }
    Some((latest, Fit::Stale))
}

/// The local average monthly wage (全口径城镇单位就业人员月平均工资) used for grades.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AverageWage {
    pub monthly: Decimal,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub note: Option<String>,
    pub cite: Cite,
}

/// A base floor and/or ceiling for some categories (and optionally some insurances).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseRange {
    pub categories: Vec<Category>,
    /// Empty = every insurance.
    pub insurances: Vec<Insurance>,
    pub floor: Option<Decimal>,
    pub ceiling: Option<Decimal>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub note: Option<String>,
    pub cite: Cite,
}

/// How a contribution is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateKind {
    /// Employee: employer share + personal share of the base.
    Split {
        employer: Decimal,
        personal: Decimal,
    },
    /// One rate of the base (flexible employment).
    Total(Decimal),
    /// A fixed amount per month (e.g. Beijing flexible-employment medical insurance).
    FixedMonthly(Decimal),
    /// A fixed amount per year (resident schemes).
    FixedAnnual(Decimal),
}

/// The rate of one insurance for one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateEntry {
    pub insurance: Insurance,
    pub category: Category,
    pub kind: RateKind,
    /// Pension: the share of the base credited to the personal account.
    pub personal_account: Option<Decimal>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub note: Option<String>,
    pub cite: Cite,
}

/// Years of employee medical insurance needed to stop paying at retirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetireeMedical {
    pub male_years: u32,
    pub female_years: u32,
    /// Minimum years actually paid (deemed years excluded), if the region sets one.
    pub min_actual_years: Option<u32>,
    /// Minimum years paid in this region, if the region sets one (reported, not computed).
    pub min_local_years: Option<u32>,
    /// An alternative condition: this many years of unbroken contributions in this region also
    /// qualify (成都: 20 years in total, or 15 continuous years in 成都). The calculator cannot
    /// tell continuity from the years paid, so it reports both conditions and charges nothing
    /// when the alternative may be met.
    pub or_continuous_local_years: Option<u32>,
    /// Whether deemed years (视同缴费年限) count towards the required years.
    pub counts_deemed: bool,
    /// The base of the top-up as a grade of the average wage, if the region sets one.
    pub base_grade: Option<Decimal>,
    /// The rate of the top-up, if the region sets one.
    pub rate: Option<Decimal>,
    pub note: Option<String>,
    pub cite: Cite,
}

impl RetireeMedical {
    pub fn years_for(&self, gender: Gender) -> u32 {
        match gender {
            Gender::Male => self.male_years,
            Gender::Female => self.female_years,
        }
    }

    pub fn gendered(&self) -> bool {
        self.male_years != self.female_years
    }
}

/// What happens after an employee medical insurance gap is paid up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapEffect {
    /// Benefits from the month of payment.
    PaymentMonth,
    /// Benefits from the month after payment.
    NextMonth,
    /// Benefits `months` months after the month of payment.
    WaitMonths,
    /// Treated as a new enrolment; `months` (if known) is the waiting period.
    NewEnrolment,
    /// Left to local rules; `months` (if known) is the maximum waiting period.
    Local,
}

/// One band of an employee medical gap rule. Rules are tried in file order; the first whose limit
/// covers the gap applies. A rule without a limit catches every longer gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapRule {
    /// Gap of at most this many days (inclusive).
    pub max_days: Option<u32>,
    /// Gap of at most this many calendar months (inclusive).
    pub max_months: Option<u32>,
    pub effect: GapEffect,
    pub months: Option<u32>,
    /// Whether costs during the gap can be reimbursed after paying up.
    pub retroactive: bool,
    /// Empty = every category.
    pub categories: Vec<Category>,
    /// Which gaps the rule governs. The national rules (2021 transfer rules) govern only moves
    /// between regions or schemes; a same-city gap is local.
    pub scope: GapScope,
    pub note: Option<String>,
    pub cite: Cite,
}

/// Which gaps a [`GapRule`] governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GapScope {
    /// Every gap of the region and category (a local rule).
    #[default]
    Any,
    /// Only gaps around a transfer between regions (统筹地区) or between employee and resident
    /// insurance: the national frame, not an answer for a gap in one city.
    Transfer,
}

/// The 2025 national waiting-period rules of resident medical insurance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentWaiting {
    pub fixed_months: u32,
    pub per_gap_year_months: u32,
    pub per_repaid_year_months: u32,
    pub long_gap_years: u32,
    pub long_gap_min_months: u32,
    pub valid_from: NaiveDate,
    pub exempt: Vec<String>,
    pub note: Option<String>,
    pub cite: Cite,
}

/// The statutory late fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateFeeRule {
    pub daily_rate: Decimal,
    /// First due date the rate applies to (2011-07-01).
    pub from: NaiveDate,
    pub note: Option<String>,
    pub cite: Cite,
}

/// The policy of one region (or the national defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionPolicy {
    /// The file it was loaded from (label given to the loader).
    pub file: String,
    pub region: String,
    pub aliases: Vec<String>,
    pub province: String,
    pub national: bool,
    pub year: i32,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub note: Option<String>,
    pub average_wages: Vec<AverageWage>,
    pub bases: Vec<BaseRange>,
    pub rates: Vec<RateEntry>,
    pub retiree_medical: Option<RetireeMedical>,
    pub gap_rules: Vec<GapRule>,
    pub resident_waiting: Option<ResidentWaiting>,
    pub late_fee: Option<LateFeeRule>,
}

macro_rules! dated {
    ($($t:ty),*) => {$(
        impl Dated for $t {
            fn valid_from(&self) -> Option<NaiveDate> { self.valid_from }
            fn valid_to(&self) -> Option<NaiveDate> { self.valid_to }
        }
    )*};
}
dated!(AverageWage, BaseRange, RateEntry);

impl RegionPolicy {
    /// The policy as a citizen-facing citation: region, year and the documents its figures come
    /// from (never the file it was loaded from — replies must not carry server paths).
    pub fn policy_ref(&self) -> PolicyRef {
        PolicyRef {
            region: self.region.clone(),
            year: self.year,
            source: self.documents(3).join("；"),
        }
    }

    /// Titles of the documents this table cites, newest first, without repeats, at most `max`.
    pub fn documents(&self, max: usize) -> Vec<String> {
        let cites = self
            .average_wages
            .iter()
            .map(|x| &x.cite)
            .chain(self.bases.iter().map(|x| &x.cite))
            .chain(self.rates.iter().map(|x| &x.cite))
            .chain(self.retiree_medical.iter().map(|x| &x.cite))
            .chain(self.gap_rules.iter().map(|x| &x.cite))
            .chain(self.resident_waiting.iter().map(|x| &x.cite))
            .chain(self.late_fee.iter().map(|x| &x.cite));
        let mut refs: Vec<SourceRef> = cites.map(Cite::to_source_ref).collect();
        refs.sort_by_key(|r| std::cmp::Reverse(r.year));
        let mut titles: Vec<String> = Vec::new();
        for r in refs {
            if !titles.contains(&r.title) {
                titles.push(r.title);
            }
        }
        titles.truncate(max);
        titles
    }

    pub fn average_wage(&self, as_of: Option<NaiveDate>) -> Option<(&AverageWage, Fit)> {
        pick(self.average_wages.iter().collect(), as_of)
    }

    pub fn base_range(
        &self,
        insurance: Insurance,
        category: Category,
        as_of: Option<NaiveDate>,
    ) -> Option<(&BaseRange, Fit)> {
        let matching = |exact: bool| -> Vec<&BaseRange> {
            self.bases
                .iter()
                .filter(|b| b.categories.contains(&category))
                .filter(|b| {
                    if exact {
                        b.insurances.contains(&insurance)
                    } else {
                        b.insurances.is_empty()
                    }
                })
                .collect()
        };
        pick(matching(true), as_of).or_else(|| pick(matching(false), as_of))
    }

    pub fn rate(
        &self,
        insurance: Insurance,
        category: Category,
        as_of: Option<NaiveDate>,
    ) -> Option<(&RateEntry, Fit)> {
        pick(
            self.rates
                .iter()
                .filter(|r| r.insurance == insurance && r.category == category)
                .collect(),
            as_of,
        )
    }

    pub fn gap_rules_for(&self, category: Category) -> Vec<&GapRule> {
        self.gap_rules
            .iter()
            .filter(|r| r.categories.is_empty() || r.categories.contains(&category))
            .collect()
    }
}

/// Canonical name and aliases of a region, for the slot extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionNames<'a> {
    pub name: &'a str,
    pub aliases: &'a [String],
}

/// All loaded policies: the regions and the national defaults.
#[derive(Debug, Clone)]
pub struct PolicySet {
    regions: Vec<RegionPolicy>,
    national: RegionPolicy,
    index: HashMap<String, usize>,
}

fn name_key(name: &str) -> String {
    let t: String = name.split_whitespace().collect();
    let t = t.trim_end_matches("地区");
    let t = t.strip_suffix('市').unwrap_or(t);
    t.to_lowercase()
}

impl PolicySet {
    /// Finds a region by canonical name or alias ("北京", "北京市", "Beijing"). The national
    /// defaults answer to their own names ("全国").
    pub fn region(&self, name: &str) -> Option<&RegionPolicy> {
        let key = name_key(name);
        if key.is_empty() {
            return None;
        }
        if let Some(&i) = self.index.get(&key) {
            return Some(&self.regions[i]);
        }
        let n = &self.national;
        std::iter::once(&n.region)
            .chain(n.aliases.iter())
            .any(|a| name_key(a) == key)
            .then_some(n)
    }

    /// The national defaults.
    pub fn national(&self) -> &RegionPolicy {
        &self.national
    }

    /// Canonical names and aliases of every region (national defaults excluded), sorted by name.
    pub fn regions(&self) -> Vec<RegionNames<'_>> {
        let mut v: Vec<RegionNames<'_>> = self
            .regions
            .iter()
            .map(|r| RegionNames {
                name: &r.region,
                aliases: &r.aliases,
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(b.name));
        v
    }

    /// The region policy for an optional name; an unknown name is an error.
    pub(crate) fn resolve(&self, name: Option<&str>) -> Result<Option<&RegionPolicy>, CalcError> {
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            None => Ok(None),
            Some(n) => self
                .region(n)
                .map(Some)
                .ok_or_else(|| CalcError::UnknownRegion(n.to_string())),
        }
    }
}

/// Copies of a few real policy files, frozen so the hand-worked test vectors do not move when the
/// data in `knowledge/policies/` is updated.
#[cfg(test)]
pub(crate) mod testdata {
    use super::PolicySet;

    pub(crate) const FILES: [(&str, &str); 7] = [
        ("national.toml", include_str!("../testdata/national.toml")),
        ("beijing.toml", include_str!("../testdata/beijing.toml")),
        ("shanghai.toml", include_str!("../testdata/shanghai.toml")),
        ("yichang.toml", include_str!("../testdata/yichang.toml")),
        ("ningbo.toml", include_str!("../testdata/ningbo.toml")),
        ("tianjin.toml", include_str!("../testdata/tianjin.toml")),
        ("wuhan.toml", include_str!("../testdata/wuhan.toml")),
    ];

    pub(crate) fn policies() -> PolicySet {
        PolicySet::from_strs(&FILES).unwrap_or_else(|p| {
            panic!(
                "fixtures do not load: {}",
                p.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fixtures_load_and_look_up_by_alias() {
        let set = testdata::policies();
        assert_eq!(set.region("北京").unwrap().region, "北京");
        assert_eq!(set.region("北京市").unwrap().region, "北京");
        assert_eq!(set.region(" 京 ").unwrap().region, "北京");
        assert_eq!(set.region("Beijing").unwrap().region, "北京");
        assert_eq!(set.region("宜昌市").unwrap().region, "宜昌");
        assert_eq!(set.region("全国").unwrap().region, "全国");
        assert!(set.region("火星").is_none());
        assert!(set.region("").is_none());
        let names: Vec<&str> = set.regions().iter().map(|r| r.name).collect();
        assert!(names.contains(&"上海") && !names.contains(&"全国"));
        assert_eq!(names.len(), 6);
        assert!(set.national().late_fee.is_some());
    }

    #[test]
    fn picks_the_value_in_force() {
        let set = testdata::policies();
        let bj = set.region("北京").unwrap();
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        let floor = |as_of| {
            bj.base_range(Insurance::Pension, Category::Flexible, as_of)
                .map(|(b, fit)| (b.floor.unwrap(), fit))
                .unwrap()
        };
        assert_eq!(floor(d(2025, 1, 1)), (dec!(6821), Fit::InForce));
        assert_eq!(floor(d(2025, 7, 1)), (dec!(7162), Fit::InForce));
        assert_eq!(floor(d(2025, 6, 30)), (dec!(6821), Fit::InForce));
        assert_eq!(floor(None), (dec!(7162), Fit::Latest));
        assert_eq!(floor(d(2020, 1, 1)), (dec!(6821), Fit::Early));
        let gz_like = set.region("上海").unwrap();
        assert_eq!(
            gz_like.average_wage(d(2024, 9, 1)).unwrap().0.monthly,
            dec!(12307)
        );
    }

    #[test]
    fn default_titles() {
        assert_eq!(
            default_title("law:SIL-86"),
            "《中华人民共和国社会保险法》第八十六条"
        );
        assert_eq!(
            default_title("law:SIL-27"),
            "《中华人民共和国社会保险法》第二十七条"
        );
        assert_eq!(default_title("doc:x"), "doc:x");
    }
}

//! Regional policy tables: the figures the calculators look up when the citizen does not give them
//! (average wage, base floor and ceiling, rates, retiree medical years, gap rules, the national
//! late-fee and waiting-period rules). They live as TOML data in `knowledge/policies/` — one file per
//! region plus `national.toml`, whose header documents the format — so figures can be corrected
//! without touching code. Loading validates every value and reports problems as `file:line: message`;
//! every value group must name its source and year, and only High/Medium-confidence figures are
//! accepted (an unverified figure is left out, and the calculator then asks the citizen for it).
//! Reading the files in [`PolicySet::load_dir`] is the only I/O of the calculation module.
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chinese_number::{ChineseCase, ChineseCountMethod, ChineseVariant, NumberToChinese};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Deserializer};
use toml::Spanned;

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
    /// Loads every `*.toml` in `dir` (file labels are the file names). Exactly one file must be
    /// the national defaults (`national = true`).
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<PolicySet, Vec<PolicyProblem>> {
        let dir = dir.as_ref();
        let problem = |file: String, message: String| PolicyProblem {
            file,
            line: 0,
            message,
        };
        let entries = std::fs::read_dir(dir).map_err(|e| {
            vec![problem(
                dir.display().to_string(),
                format!("cannot read: {e}"),
            )]
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        let mut texts = Vec::new();
        let mut problems = Vec::new();
        for path in paths {
            let label = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match std::fs::read_to_string(&path) {
                Ok(text) => texts.push((label, text)),
                Err(e) => problems.push(problem(label, format!("cannot read: {e}"))),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let refs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(l, t)| (l.as_str(), t.as_str()))
            .collect();
        PolicySet::from_strs(&refs)
    }

    /// Parses and validates policy files given as `(file label, text)` pairs.
    pub fn from_strs(files: &[(&str, &str)]) -> Result<PolicySet, Vec<PolicyProblem>> {
        let mut problems = Vec::new();
        let mut parsed = Vec::new();
        for (label, text) in files {
            let mut ctx = Ctx {
                file: label,
                text,
                problems: Vec::new(),
            };
            let policy = parse_file(&mut ctx);
            problems.append(&mut ctx.problems);
            if let Some(p) = policy {
                parsed.push(p);
            }
        }
        // Names must be unique across files.
        let mut index: HashMap<String, (usize, String)> = HashMap::new();
        for (i, (policy, spans)) in parsed.iter().enumerate() {
            let names = std::iter::once(&policy.region).chain(policy.aliases.iter());
            for (name, line) in names.zip(spans.iter()) {
                let key = name_key(name);
                match index.get(&key) {
                    Some((j, other)) if *j != i => problems.push(PolicyProblem {
                        file: policy.file.clone(),
                        line: *line,
                        message: format!(
                            "duplicate region name or alias \"{name}\" (also in {other})"
                        ),
                    }),
                    Some(_) => {}
                    None => {
                        index.insert(key, (i, policy.file.clone()));
                    }
                }
            }
        }
        let nationals: Vec<usize> = parsed
            .iter()
            .enumerate()
            .filter(|(_, (p, _))| p.national)
            .map(|(i, _)| i)
            .collect();
        match nationals.len() {
            1 => {}
            0 => problems.push(PolicyProblem {
                file: "national.toml".into(),
                line: 0,
                message: "no national defaults: one file must have `national = true`".into(),
            }),
            _ => {
                for &i in &nationals[1..] {
                    problems.push(PolicyProblem {
                        file: parsed[i].0.file.clone(),
                        line: 1,
                        message: "more than one file has `national = true`".into(),
                    });
                }
            }
        }
        if !problems.is_empty() {
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            return Err(problems);
        }
        let national_at = nationals[0];
        let mut national = None;
        let mut regions = Vec::new();
        let mut position = HashMap::new();
        for (i, (policy, _)) in parsed.into_iter().enumerate() {
            if i == national_at {
                national = Some(policy);
            } else {
                position.insert(i, regions.len());
                regions.push(policy);
            }
        }
        let index = index
            .into_iter()
            .filter_map(|(k, (i, _))| position.get(&i).map(|&r| (k, r)))
            .collect();
        Ok(PolicySet {
            regions,
            national: national.expect("national found above"),
            index,
        })
    }

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

// ---------------------------------------------------------------------------------------------
// Parsing and validation.

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    problems: Vec<PolicyProblem>,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.text.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn err(&mut self, offset: usize, message: impl Into<String>) {
        let line = self.line(offset);
        self.problems.push(PolicyProblem {
            file: self.file.to_string(),
            line,
            message: message.into(),
        });
    }

    fn date(&mut self, v: &Option<Spanned<String>>, key: &str) -> Option<NaiveDate> {
        let v = v.as_ref()?;
        match NaiveDate::parse_from_str(v.get_ref(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.err(
                    v.span().start,
                    format!("{key}: \"{}\" is not a date (YYYY-MM-DD)", v.get_ref()),
                );
                None
            }
        }
    }

    fn range(
        &mut self,
        from: &Option<Spanned<String>>,
        to: &Option<Spanned<String>>,
    ) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let f = self.date(from, "valid_from");
        let t = self.date(to, "valid_to");
        if let (Some(a), Some(b), Some(span)) = (f, t, to.as_ref()) {
            if a > b {
                self.err(
                    span.span().start,
                    format!("valid_to {b} is before valid_from {a}"),
                );
            }
        }
        (f, t)
    }

    /// A positive amount of yuan, at most 1,000,000.
    fn money(&mut self, v: &Spanned<NumText>, key: &str) -> Option<Decimal> {
        let at = v.span().start;
        let Ok(d) = Decimal::from_str(v.get_ref().0.trim()) else {
            self.err(at, format!("{key}: \"{}\" is not a number", v.get_ref().0));
            return None;
        };
        if d <= Decimal::ZERO {
            self.err(at, format!("{key}: must be positive, got {d}"));
            return None;
        }
        if d > dec!(1000000) {
            self.err(at, format!("{key}: {d} is beyond any real monthly amount"));
            return None;
        }
        Some(d)
    }

    /// A percentage written with '%', more than 0 and at most 100%; returns the fraction.
    fn rate(&mut self, v: &Spanned<NumText>, key: &str) -> Option<Decimal> {
        let at = v.span().start;
        let text = v.get_ref().0.trim();
        let Some(num) = text.strip_suffix('%') else {
            self.err(
                at,
                format!(
                    "{key}: write rates as percentages with '%', e.g. \"16%\" (got \"{text}\")"
                ),
            );
            return None;
        };
        let Ok(d) = Decimal::from_str(num.trim()) else {
            self.err(at, format!("{key}: \"{text}\" is not a percentage"));
            return None;
        };
        if d <= Decimal::ZERO {
            self.err(at, format!("{key}: rate must be positive, got {text}"));
            return None;
        }
        if d > dec!(100) {
            self.err(at, format!("{key}: rate {text} is over 100%"));
            return None;
        }
        Some((d / dec!(100)).normalize())
    }

    fn count(&mut self, v: &Spanned<i64>, key: &str, max: i64) -> Option<u32> {
        let n = *v.get_ref();
        if !(0..=max).contains(&n) {
            self.err(v.span().start, format!("{key}: {n} is outside 0..={max}"));
            return None;
        }
        u32::try_from(n).ok()
    }

    fn category(&mut self, v: &Spanned<String>) -> Option<Category> {
        let c = match v.get_ref().as_str() {
            "employee" => Category::Employee,
            "flexible" => Category::Flexible,
            "resident" => Category::Resident,
            "retiree" => Category::Retiree,
            "employer" => Category::Employer,
            other => {
                self.err(
                    v.span().start,
                    format!("unknown category \"{other}\" (expected employee, flexible, resident, retiree or employer)"),
                );
                return None;
            }
        };
        Some(c)
    }

    fn insurance(&mut self, v: &Spanned<String>) -> Option<Insurance> {
        match v.get_ref().as_str() {
            "pension" => Some(Insurance::Pension),
            "medical" => Some(Insurance::Medical),
            other => {
                self.err(
                    v.span().start,
                    format!("unknown insurance \"{other}\" (expected pension or medical)"),
                );
                None
            }
        }
    }

    fn cite(&mut self, table_at: usize, c: &RawCite, what: &str) -> Option<Cite> {
        let mut ok = true;
        let source = match &c.source {
            None => {
                self.err(
                    table_at,
                    format!("{what}: missing `source` (doc:<id>, law:<id> or URL)"),
                );
                ok = false;
                String::new()
            }
            Some(s) => {
                let v = s.get_ref().trim();
                let valid = ["doc:", "law:", "http://", "https://"]
                    .iter()
                    .any(|p| v.starts_with(p) && v.len() > p.len());
                if !valid {
                    self.err(
                        s.span().start,
                        format!("{what}: source \"{v}\" must be doc:<id>, law:<id> or a URL"),
                    );
                    ok = false;
                }
                v.to_string()
            }
        };
        let year = match &c.year {
            None => {
                self.err(table_at, format!("{what}: missing `year` of the source"));
                ok = false;
                0
            }
            Some(y) if !(1990..=2100).contains(y.get_ref()) => {
                self.err(
                    y.span().start,
                    format!("{what}: year {} is implausible", y.get_ref()),
                );
                ok = false;
                0
            }
            Some(y) => *y.get_ref() as i32,
        };
        let confidence = match &c.confidence {
            None => {
                self.err(
                    table_at,
                    format!("{what}: missing `confidence` (high or medium)"),
                );
                ok = false;
                Confidence::Medium
            }
            Some(v) => match v.get_ref().as_str() {
                "high" => Confidence::High,
                "medium" => Confidence::Medium,
                other => {
                    self.err(
                        v.span().start,
                        format!("{what}: confidence \"{other}\" — only high or medium figures belong in policy files; leave the value out so the calculator asks for it"),
                    );
                    ok = false;
                    Confidence::Medium
                }
            },
        };
        ok.then(|| Cite {
            source,
            title: c.title.clone(),
            year,
            confidence,
        })
    }
}

/// A number written as a string ("576.32", "16%") or an integer. Floats are refused: they are
/// not exact.
#[derive(Debug, Clone)]
struct NumText(String);

impl<'de> Deserialize<'de> for NumText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = NumText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number as a string (\"576.32\", \"16%\") or an integer")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NumText, E> {
                Ok(NumText(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<NumText, E> {
                Ok(NumText(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<NumText, E> {
                Ok(NumText(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<NumText, E> {
                Err(E::custom(format!(
                    "write decimal numbers as strings, e.g. \"{v}\" (floats are not exact)"
                )))
            }
        }
        deserializer.deserialize_any(V)
    }
}

type S<T> = Spanned<T>;

#[derive(Default)]
struct RawCite {
    source: Option<S<String>>,
    title: Option<String>,
    year: Option<S<i64>>,
    confidence: Option<S<String>>,
}

macro_rules! raw_table {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $name {
            $(#[serde(default)] $field: $ty,)*
            #[serde(default)] source: Option<S<String>>,
            #[serde(default)] title: Option<String>,
            #[serde(default)] year: Option<S<i64>>,
            #[serde(default)] confidence: Option<S<String>>,
            #[serde(default)] note: Option<String>,
        }
        impl $name {
            fn cite(&self) -> RawCite {
                RawCite {
                    source: self.source.clone(),
                    title: self.title.clone(),
                    year: self.year.clone(),
                    confidence: self.confidence.clone(),
                }
            }
        }
    };
}

raw_table!(RawWage {
    monthly: Option<S<NumText>>,
    valid_from: Option<S<String>>,
    valid_to: Option<S<String>>,
});

raw_table!(RawBase {
    categories: Vec<S<String>>,
    insurances: Vec<S<String>>,
    floor: Option<S<NumText>>,
    ceiling: Option<S<NumText>>,
    valid_from: Option<S<String>>,
    valid_to: Option<S<String>>,
});

raw_table!(RawRate {
    insurance: Option<S<String>>,
    category: Option<S<String>>,
    employer: Option<S<NumText>>,
    personal: Option<S<NumText>>,
    total: Option<S<NumText>>,
    fixed_monthly: Option<S<NumText>>,
    fixed_annual: Option<S<NumText>>,
    personal_account: Option<S<NumText>>,
    valid_from: Option<S<String>>,
    valid_to: Option<S<String>>,
});

raw_table!(RawRetiree {
    years: Option<S<i64>>,
    male_years: Option<S<i64>>,
    female_years: Option<S<i64>>,
    min_actual_years: Option<S<i64>>,
    min_local_years: Option<S<i64>>,
    or_continuous_local_years: Option<S<i64>>,
    counts_deemed: Option<bool>,
    base_grade: Option<S<NumText>>,
    rate: Option<S<NumText>>,
});

raw_table!(RawGapRule {
    max_days: Option<S<i64>>,
    max_months: Option<S<i64>>,
    effect: Option<S<String>>,
    months: Option<S<i64>>,
    retroactive: Option<bool>,
    categories: Vec<S<String>>,
    scope: Option<S<String>>,
});

raw_table!(RawResidentWaiting {
    fixed_months: Option<S<i64>>,
    per_gap_year_months: Option<S<i64>>,
    per_repaid_year_months: Option<S<i64>>,
    long_gap_years: Option<S<i64>>,
    long_gap_min_months: Option<S<i64>>,
    valid_from: Option<S<String>>,
    exempt: Vec<String>,
});

raw_table!(RawLateFee {
    daily_rate: Option<S<NumText>>,
    from: Option<S<String>>,
});

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    region: S<String>,
    #[serde(default)]
    aliases: Vec<S<String>>,
    #[serde(default)]
    province: Option<String>,
    #[serde(default)]
    national: bool,
    year: S<i64>,
    #[serde(default)]
    valid_from: Option<S<String>>,
    #[serde(default)]
    valid_to: Option<S<String>>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    average_wage: Vec<S<RawWage>>,
    #[serde(default)]
    base: Vec<S<RawBase>>,
    #[serde(default)]
    rate: Vec<S<RawRate>>,
    #[serde(default)]
    retiree_medical: Option<S<RawRetiree>>,
    #[serde(default)]
    gap_rule: Vec<S<RawGapRule>>,
    #[serde(default)]
    resident_waiting: Option<S<RawResidentWaiting>>,
    #[serde(default)]
    late_fee: Option<S<RawLateFee>>,
}

fn required<'a, T>(ctx: &mut Ctx, v: &'a Option<S<T>>, at: usize, what: &str) -> Option<&'a S<T>> {
    if v.is_none() {
        ctx.err(at, format!("missing `{what}`"));
    }
    v.as_ref()
}

/// Parses one file; returns the policy and the 1-based lines of its region name and aliases.
fn parse_file(ctx: &mut Ctx) -> Option<(RegionPolicy, Vec<usize>)> {
    let raw: RawFile = match toml::from_str(ctx.text) {
        Ok(r) => r,
        Err(e) => {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            ctx.err(at, e.message().trim().to_string());
            return None;
        }
    };
    let before = ctx.problems.len();
    let region = raw.region.get_ref().trim().to_string();
    if region.is_empty() {
        ctx.err(raw.region.span().start, "region: must not be empty");
    }
    let mut name_lines = vec![ctx.line(raw.region.span().start)];
    let mut aliases = Vec::new();
    for a in &raw.aliases {
        let name = a.get_ref().trim().to_string();
        if name.is_empty() {
            ctx.err(a.span().start, "aliases: empty alias");
            continue;
        }
        if aliases.contains(&name) || name == region {
            ctx.err(a.span().start, format!("aliases: \"{name}\" listed twice"));
            continue;
        }
        name_lines.push(ctx.line(a.span().start));
        aliases.push(name);
    }
    let year = *raw.year.get_ref();
    if !(2000..=2100).contains(&year) {
        ctx.err(
            raw.year.span().start,
            format!("year: {year} is implausible"),
        );
    }
    let (valid_from, valid_to) = ctx.range(&raw.valid_from, &raw.valid_to);

    let mut average_wages = Vec::new();
    for w in &raw.average_wage {
        let at = w.span().start;
        let r = w.get_ref();
        let monthly =
            required(ctx, &r.monthly, at, "monthly").and_then(|m| ctx.money(m, "monthly"));
        let (f, t) = ctx.range(&r.valid_from, &r.valid_to);
        let cite = ctx.cite(at, &r.cite(), "average_wage");
        if let (Some(monthly), Some(cite)) = (monthly, cite) {
            average_wages.push(AverageWage {
                monthly,
                valid_from: f,
                valid_to: t,
                note: r.note.clone(),
                cite,
            });
        }
    }

    let mut bases = Vec::new();
    for b in &raw.base {
        let at = b.span().start;
        let r = b.get_ref();
        if r.categories.is_empty() {
            ctx.err(at, "base: missing `categories`");
        }
        let categories: Vec<Category> = r
            .categories
            .iter()
            .filter_map(|c| ctx.category(c))
            .collect();
        let insurances: Vec<Insurance> = r
            .insurances
            .iter()
            .filter_map(|i| ctx.insurance(i))
            .collect();
        let floor = r.floor.as_ref().and_then(|v| ctx.money(v, "floor"));
        let ceiling = r.ceiling.as_ref().and_then(|v| ctx.money(v, "ceiling"));
        if r.floor.is_none() && r.ceiling.is_none() {
            ctx.err(at, "base: give a `floor`, a `ceiling` or both");
        }
        if let (Some(f), Some(c)) = (floor, ceiling) {
            if f > c {
                let cat = r.ceiling.as_ref().map(|c| c.span().start).unwrap_or(at);
                ctx.err(cat, format!("base: floor {f} is above ceiling {c}"));
            }
        }
        let (f, t) = ctx.range(&r.valid_from, &r.valid_to);
        let cite = ctx.cite(at, &r.cite(), "base");
        if let Some(cite) = cite {
            bases.push(BaseRange {
                categories,
                insurances,
                floor,
                ceiling,
                valid_from: f,
                valid_to: t,
                note: r.note.clone(),
                cite,
            });
        }
    }

    let mut rates: Vec<RateEntry> = Vec::new();
    for rt in &raw.rate {
        let at = rt.span().start;
        let r = rt.get_ref();
        let insurance = required(ctx, &r.insurance, at, "insurance").and_then(|v| ctx.insurance(v));
        let category = required(ctx, &r.category, at, "category").and_then(|v| ctx.category(v));
        let employer = r.employer.as_ref().and_then(|v| ctx.rate(v, "employer"));
        let personal = r.personal.as_ref().and_then(|v| ctx.rate(v, "personal"));
        let total = r.total.as_ref().and_then(|v| ctx.rate(v, "total"));
        let fixed_monthly = r
            .fixed_monthly
            .as_ref()
            .and_then(|v| ctx.money(v, "fixed_monthly"));
        let fixed_annual = r
            .fixed_annual
            .as_ref()
            .and_then(|v| ctx.money(v, "fixed_annual"));
        let personal_account = r
            .personal_account
            .as_ref()
            .and_then(|v| ctx.rate(v, "personal_account"));
        let forms = [
            r.employer.is_some() || r.personal.is_some(),
            r.total.is_some(),
            r.fixed_monthly.is_some(),
            r.fixed_annual.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if forms != 1 {
            ctx.err(
                at,
                "rate: give exactly one of employer+personal, total, fixed_monthly or fixed_annual",
            );
        }
        if (r.employer.is_some()) != (r.personal.is_some()) {
            ctx.err(at, "rate: employer and personal shares go together");
        }
        let kind = match (employer, personal, total, fixed_monthly, fixed_annual) {
            (Some(e), Some(p), None, None, None) => {
                if e + p > Decimal::ONE {
                    ctx.err(at, "rate: employer + personal is over 100%");
                }
                Some(RateKind::Split {
                    employer: e,
                    personal: p,
                })
            }
            (None, None, Some(t), None, None) => Some(RateKind::Total(t)),
            (None, None, None, Some(m), None) => Some(RateKind::FixedMonthly(m)),
            (None, None, None, None, Some(a)) => Some(RateKind::FixedAnnual(a)),
            _ => None,
        };
        if let (Some(pa), Some(k)) = (personal_account, kind) {
            let limit = match k {
                RateKind::Split { employer, personal } => employer + personal,
                RateKind::Total(t) => t,
                _ => Decimal::ZERO,
            };
            if pa > limit {
                let span = r
                    .personal_account
                    .as_ref()
                    .map(|v| v.span().start)
                    .unwrap_or(at);
                ctx.err(span, "personal_account: larger than the rate it is part of");
            }
        }
        let (f, t) = ctx.range(&r.valid_from, &r.valid_to);
        let cite = ctx.cite(at, &r.cite(), "rate");
        if let (Some(insurance), Some(category), Some(kind), Some(cite)) =
            (insurance, category, kind, cite)
        {
            let overlaps = rates.iter().any(|o| {
                o.insurance == insurance
                    && o.category == category
                    && o.valid_from.unwrap_or(NaiveDate::MIN) <= t.unwrap_or(NaiveDate::MAX)
                    && f.unwrap_or(NaiveDate::MIN) <= o.valid_to.unwrap_or(NaiveDate::MAX)
            });
            if overlaps {
                ctx.err(at, "rate: overlaps another rate for the same insurance and category; give valid_from/valid_to");
            }
            rates.push(RateEntry {
                insurance,
                category,
                kind,
                personal_account,
                valid_from: f,
                valid_to: t,
                note: r.note.clone(),
                cite,
            });
        }
    }

    let retiree_medical = raw.retiree_medical.as_ref().and_then(|rm| {
        let at = rm.span().start;
        let r = rm.get_ref();
        let years = r.years.as_ref().and_then(|v| ctx.count(v, "years", 50));
        let male = r
            .male_years
            .as_ref()
            .and_then(|v| ctx.count(v, "male_years", 50));
        let female = r
            .female_years
            .as_ref()
            .and_then(|v| ctx.count(v, "female_years", 50));
        let (male, female) = match (r.years.is_some(), male, female) {
            (true, None, None) if r.male_years.is_none() && r.female_years.is_none() => {
                (years?, years?)
            }
            (false, Some(m), Some(f)) => (m, f),
            _ => {
                ctx.err(
                    at,
                    "retiree_medical: give either `years` or both `male_years` and `female_years`",
                );
                return None;
            }
        };
        if male == 0 || female == 0 {
            ctx.err(at, "retiree_medical: required years must be positive");
        }
        let min_actual_years = r
            .min_actual_years
            .as_ref()
            .and_then(|v| ctx.count(v, "min_actual_years", 50));
        if let Some(m) = min_actual_years {
            if m > male.min(female) {
                ctx.err(
                    at,
                    "retiree_medical: min_actual_years exceeds the required years",
                );
            }
        }
        let min_local_years = r
            .min_local_years
            .as_ref()
            .and_then(|v| ctx.count(v, "min_local_years", 50));
        let or_continuous_local_years = r
            .or_continuous_local_years
            .as_ref()
            .and_then(|v| ctx.count(v, "or_continuous_local_years", 50));
        let base_grade = r
            .base_grade
            .as_ref()
            .and_then(|v| ctx.rate(v, "base_grade"));
        let rate = r.rate.as_ref().and_then(|v| ctx.rate(v, "rate"));
        let cite = ctx.cite(at, &r.cite(), "retiree_medical")?;
        Some(RetireeMedical {
            male_years: male,
            female_years: female,
            min_actual_years,
            min_local_years,
            or_continuous_local_years,
            counts_deemed: r.counts_deemed.unwrap_or(true),
            base_grade,
            rate,
            note: r.note.clone(),
            cite,
        })
    });

    let mut gap_rules: Vec<GapRule> = Vec::new();
    let mut catch_all_for: Vec<Vec<Category>> = Vec::new();
    for g in &raw.gap_rule {
        let at = g.span().start;
        let r = g.get_ref();
        let max_days = r
            .max_days
            .as_ref()
            .and_then(|v| ctx.count(v, "max_days", 3650));
        let max_months = r
            .max_months
            .as_ref()
            .and_then(|v| ctx.count(v, "max_months", 120));
        if r.max_days.is_some() && r.max_months.is_some() {
            ctx.err(at, "gap_rule: give max_days or max_months, not both");
        }
        let months = r.months.as_ref().and_then(|v| ctx.count(v, "months", 24));
        let effect = required(ctx, &r.effect, at, "effect").and_then(|e| {
            let effect = match e.get_ref().as_str() {
                "payment_month" => GapEffect::PaymentMonth,
                "next_month" => GapEffect::NextMonth,
                "wait_months" => GapEffect::WaitMonths,
                "new_enrolment" => GapEffect::NewEnrolment,
                "local" => GapEffect::Local,
                other => {
                    ctx.err(e.span().start, format!("unknown effect \"{other}\" (expected payment_month, next_month, wait_months, new_enrolment or local)"));
                    return None;
                }
            };
            Some(effect)
        });
        if effect == Some(GapEffect::WaitMonths) && r.months.is_none() {
            ctx.err(at, "gap_rule: effect wait_months needs `months`");
        }
        let categories: Vec<Category> = r
            .categories
            .iter()
            .filter_map(|c| ctx.category(c))
            .collect();
        let shadowed = catch_all_for.iter().any(|cats| {
            cats.is_empty() || categories.iter().all(|c| cats.contains(c)) && !categories.is_empty()
        });
        if shadowed {
            ctx.err(
                at,
                "gap_rule: unreachable — an earlier rule without a limit already catches every gap",
            );
        }
        if r.max_days.is_none() && r.max_months.is_none() {
            catch_all_for.push(categories.clone());
        }
        let scope = match r
            .scope
            .as_ref()
            .map(|s| (s.span().start, s.get_ref().as_str()))
        {
            None | Some((_, "any")) => GapScope::Any,
            Some((_, "transfer")) => GapScope::Transfer,
            Some((at, other)) => {
                ctx.err(
                    at,
                    format!("gap_rule: unknown scope \"{other}\" (expected any or transfer)"),
                );
                continue;
            }
        };
        let Some(retroactive) = r.retroactive else {
            ctx.err(at, "gap_rule: missing `retroactive` (true or false)");
            continue;
        };
        let cite = ctx.cite(at, &r.cite(), "gap_rule");
        if let (Some(effect), Some(cite)) = (effect, cite) {
            gap_rules.push(GapRule {
                max_days,
                max_months,
                effect,
                months,
                retroactive,
                categories,
                scope,
                note: r.note.clone(),
                cite,
            });
        }
    }

    let resident_waiting = raw.resident_waiting.as_ref().and_then(|rw| {
        let at = rw.span().start;
        let r = rw.get_ref();
        let mut num = |v: &Option<S<i64>>, key: &str| {
            required(ctx, v, at, key).and_then(|v| ctx.count(v, key, 24))
        };
        let fixed_months = num(&r.fixed_months, "fixed_months");
        let per_gap = num(&r.per_gap_year_months, "per_gap_year_months");
        let per_repaid = num(&r.per_repaid_year_months, "per_repaid_year_months");
        let long_gap_years = num(&r.long_gap_years, "long_gap_years");
        let long_min = num(&r.long_gap_min_months, "long_gap_min_months");
        let valid_from = required(ctx, &r.valid_from, at, "valid_from")
            .cloned()
            .and_then(|v| ctx.date(&Some(v), "valid_from"));
        let cite = ctx.cite(at, &r.cite(), "resident_waiting");
        Some(ResidentWaiting {
            fixed_months: fixed_months?,
            per_gap_year_months: per_gap?,
            per_repaid_year_months: per_repaid?,
            long_gap_years: long_gap_years?,
            long_gap_min_months: long_min?,
            valid_from: valid_from?,
            exempt: r.exempt.clone(),
            note: r.note.clone(),
            cite: cite?,
        })
    });

    let late_fee = raw.late_fee.as_ref().and_then(|lf| {
        let at = lf.span().start;
        let r = lf.get_ref();
        if !raw.national {
            ctx.err(
                at,
                "late_fee: the late fee is national law; keep it in national.toml only",
            );
        }
        let daily_rate =
            required(ctx, &r.daily_rate, at, "daily_rate").and_then(|v| ctx.rate(v, "daily_rate"));
        let from = required(ctx, &r.from, at, "from")
            .cloned()
            .and_then(|v| ctx.date(&Some(v), "from"));
        let cite = ctx.cite(at, &r.cite(), "late_fee");
        Some(LateFeeRule {
            daily_rate: daily_rate?,
            from: from?,
            note: r.note.clone(),
            cite: cite?,
        })
    });
    if raw.national && raw.late_fee.is_none() {
        ctx.err(0, "national defaults need a [late_fee] table");
    }

    if ctx.problems.len() > before {
        return None;
    }
    Some((
        RegionPolicy {
            file: ctx.file.to_string(),
            region,
            aliases,
            province: raw.province.clone().unwrap_or_default(),
            national: raw.national,
            year: year as i32,
            valid_from,
            valid_to,
            note: raw.note.clone(),
            average_wages,
            bases,
            rates,
            retiree_medical,
            gap_rules,
            resident_waiting,
            late_fee,
        },
        name_lines,
    ))
}

/// Copies of a few real policy files, frozen so the hand-worked test vectors do not move when the
/// data in `knowledge/policies/` is updated.
#[cfg(test)]
pub(crate) mod testdata {
    use super::PolicySet;

    pub(crate) const FILES: [(&str, &str); 7] = [
        ("national.toml", include_str!("testdata/national.toml")),
        ("beijing.toml", include_str!("testdata/beijing.toml")),
        ("shanghai.toml", include_str!("testdata/shanghai.toml")),
        ("yichang.toml", include_str!("testdata/yichang.toml")),
        ("ningbo.toml", include_str!("testdata/ningbo.toml")),
        ("tianjin.toml", include_str!("testdata/tianjin.toml")),
        ("wuhan.toml", include_str!("testdata/wuhan.toml")),
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

    const NATIONAL: &str = include_str!("testdata/national.toml");

    fn problems(files: &[(&str, &str)]) -> Vec<PolicyProblem> {
        PolicySet::from_strs(files).expect_err("should not load")
    }

    fn one_problem(text: &str) -> PolicyProblem {
        let p = problems(&[("national.toml", NATIONAL), ("x.toml", text)]);
        assert_eq!(p.len(), 1, "{p:?}");
        p.into_iter().next().unwrap()
    }

    const HEAD: &str = "region = \"测试\"\nyear = 2025\n";

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
    fn reports_bad_values_with_lines() {
        let p = one_problem(&format!(
            "{HEAD}[[rate]]\ninsurance = \"pension\"\ncategory = \"flexible\"\ntotal = \"-20%\"\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n"
        ));
        assert_eq!((p.file.as_str(), p.line), ("x.toml", 6));
        assert!(p.message.contains("positive"), "{}", p.message);

        let p = one_problem(&format!(
            "{HEAD}[[rate]]\ninsurance = \"pension\"\ncategory = \"flexible\"\ntotal = \"120%\"\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n"
        ));
        assert_eq!(p.line, 6);
        assert!(p.message.contains("over 100%"));

        let p = one_problem(&format!(
            "{HEAD}[[base]]\ncategories = [\"employee\"]\nfloor = 9000\nceiling = 8000\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n"
        ));
        assert_eq!(p.line, 6);
        assert!(p.message.contains("floor 9000 is above ceiling 8000"));

        let p = one_problem(&format!(
            "{HEAD}[[base]]\ncategories = [\"student\"]\nfloor = 9000\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n"
        ));
        assert_eq!(p.line, 4);
        assert!(p.message.contains("unknown category \"student\""));

        let p = one_problem(&format!(
            "{HEAD}[[rate]]\ninsurance = \"unemployment\"\ncategory = \"flexible\"\ntotal = \"1%\"\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n"
        ));
        assert_eq!(p.line, 4);
        assert!(p.message.contains("unknown insurance"));

        let p = one_problem(&format!(
            "{HEAD}\n[[base]]\ncategories = [\"employee\"]\nfloor = 9000\nyear = 2024\nconfidence = \"high\"\n"
        ));
        assert_eq!(p.line, 4, "header line of the table");
        assert!(p.message.contains("missing `source`"));

        let p = one_problem(&format!(
            "{HEAD}[[base]]\ncategories = [\"employee\"]\nfloor = 9000\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"low\"\n"
        ));
        assert_eq!(p.line, 8);
        assert!(p.message.contains("only high or medium"));

        let p = one_problem(&format!(
            "{HEAD}[[rate]]\ninsurance = \"medical\"\ncategory = \"flexible\"\nfixed_monthly = 576.32\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n"
        ));
        assert_eq!(p.line, 6);
        assert!(p.message.contains("strings"), "{}", p.message);

        let p = one_problem(&format!("{HEAD}colour = \"red\"\n"));
        assert_eq!(p.line, 3);
        assert!(p.message.contains("unknown field"));

        let p = one_problem(&format!(
            "{HEAD}[[rate]]\ninsurance = \"pension\"\ncategory = \"flexible\"\ntotal = \"20\"\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n"
        ));
        assert!(p.message.contains("with '%'"));

        let p = one_problem(&format!(
            "{HEAD}[late_fee]\ndaily_rate = \"0.05%\"\nfrom = \"2011-07-01\"\nsource = \"law:SIL-86\"\nyear = 2011\nconfidence = \"high\"\n"
        ));
        assert!(p.message.contains("national.toml only"));
    }

    #[test]
    fn reports_duplicates_and_structure() {
        let p = problems(&[
            ("national.toml", NATIONAL),
            (
                "a.toml",
                "region = \"甲\"\naliases = [\"同名\"]\nyear = 2025\n",
            ),
            (
                "b.toml",
                "region = \"乙\"\naliases = [\n  \"同名\",\n]\nyear = 2025\n",
            ),
        ]);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].file.as_str(), p[0].line), ("b.toml", 3));
        assert!(p[0].message.contains("duplicate"));

        let p = problems(&[("a.toml", "region = \"甲\"\nyear = 2025\n")]);
        assert!(p[0].message.contains("national"));

        let p = one_problem(&format!(
            "{HEAD}[[gap_rule]]\neffect = \"local\"\nretroactive = false\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n[[gap_rule]]\nmax_days = 30\neffect = \"next_month\"\nretroactive = false\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n"
        ));
        assert_eq!(p.line, 9);
        assert!(p.message.contains("unreachable"));

        let p = one_problem(&format!(
            "{HEAD}[[gap_rule]]\nmax_days = 30\neffect = \"soon\"\nretroactive = false\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n"
        ));
        assert_eq!(p.line, 5);
        assert!(p.message.contains("unknown effect"));

        let rate = "[[rate]]\ninsurance = \"pension\"\ncategory = \"flexible\"\ntotal = \"20%\"\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n";
        let p = one_problem(&format!("{HEAD}{rate}{rate}"));
        assert_eq!(p.line, 10);
        assert!(p.message.contains("overlaps"));

        let p = one_problem(&format!(
            "{HEAD}valid_from = \"2025-07-01\"\nvalid_to = \"2025-01-01\"\n"
        ));
        assert_eq!(p.line, 4);

        let p = one_problem(&format!(
            "{HEAD}[retiree_medical]\nmale_years = 25\nsource = \"doc:x\"\nyear = 2024\nconfidence = \"high\"\n"
        ));
        assert!(p.message.contains("female_years"));
    }

    #[test]
    fn load_dir_reads_files_and_reports_io_problems() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("national.toml"), NATIONAL).unwrap();
        std::fs::write(dir.path().join("readme.txt"), "ignored").unwrap();
        std::fs::write(
            dir.path().join("x.toml"),
            "region = \"测试\"\nyear = \"2025\"\n",
        )
        .unwrap();
        let p = PolicySet::load_dir(dir.path()).unwrap_err();
        assert_eq!((p[0].file.as_str(), p[0].line), ("x.toml", 2));
        std::fs::remove_file(dir.path().join("x.toml")).unwrap();
        let set = PolicySet::load_dir(dir.path()).unwrap();
        assert!(set.regions().is_empty());
        assert!(PolicySet::load_dir(dir.path().join("missing")).is_err());
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

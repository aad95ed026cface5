//! Loading policy files into a [`PolicySet`]: every value of the file schema (`raw`) is checked
//! and turned into its typed form, and every problem is reported as a [`PolicyProblem`] at its
//! `file:line` (the knowledge loader passes them on as policy-area `knowledge::Problem`s). A file
//! with any problem is left out whole; a set with any problem is not built, so a calculator only
//! ever sees checked figures. Kept apart from the types so the rules about what a valid file is
//! read in one place.
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use toml::Spanned;

use super::raw::{
    NumText, RawBase, RawCite, RawFile, RawGapRule, RawLateFee, RawRate, RawResidentWaiting,
    RawRetiree, RawWage, S,
};
use super::{
    name_key, AverageWage, BaseRange, Cite, Confidence, GapEffect, GapRule, GapScope, LateFeeRule,
    PolicyProblem, PolicySet, RateEntry, RateKind, RegionPolicy, ResidentWaiting, RetireeMedical,
};
use crate::calc::types::{Category, Insurance};

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
        let index = index_names(&parsed, &mut problems);
        let nationals = national_files(&parsed, &mut problems);
        if !problems.is_empty() {
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            return Err(problems);
        }
        Ok(assemble(parsed, index, nationals[0]))
    }
}

/// A parsed file: its policy and the lines of its region name and aliases.
type Parsed = (RegionPolicy, Vec<usize>);

/// Names must be unique across files: indexes every region name and alias by its key (to the
/// file's position and label) and reports a name another file already has, at its line.
fn index_names(
    parsed: &[Parsed],
    problems: &mut Vec<PolicyProblem>,
) -> HashMap<String, (usize, String)> {
    let mut index: HashMap<String, (usize, String)> = HashMap::new();
    for (i, (policy, spans)) in parsed.iter().enumerate() {
        let names = std::iter::once(&policy.region).chain(policy.aliases.iter());
        for (name, line) in names.zip(spans.iter()) {
            let key = name_key(name);
            match index.get(&key) {
                Some((j, other)) if *j != i => problems.push(PolicyProblem {
                    file: policy.file.clone(),
                    line: *line,
                    message: format!("duplicate region name or alias \"{name}\" (also in {other})"),
                }),
                Some(_) => {}
                None => {
                    index.insert(key, (i, policy.file.clone()));
                }
            }
        }
    }
    index
}

/// The positions of the files marked `national = true`; exactly one must be.
fn national_files(parsed: &[Parsed], problems: &mut Vec<PolicyProblem>) -> Vec<usize> {
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
    nationals
}

/// The set from files without problems: the national defaults apart, the regions in file order,
/// and the name index pointing at region positions.
fn assemble(
    parsed: Vec<Parsed>,
    index: HashMap<String, (usize, String)>,
    national_at: usize,
) -> PolicySet {
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
    PolicySet {
        regions,
        national: national.expect("national found above"),
        index,
    }
}

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

fn required<'a, T>(ctx: &mut Ctx, v: &'a Option<S<T>>, at: usize, what: &str) -> Option<&'a S<T>> {
    if v.is_none() {
        ctx.err(at, format!("missing `{what}`"));
    }
    v.as_ref()
}

/// Parses one file; returns the policy and the 1-based lines of its region name and aliases.
fn parse_file(ctx: &mut Ctx) -> Option<Parsed> {
    let raw: RawFile = match toml::from_str(ctx.text) {
        Ok(r) => r,
        Err(e) => {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            ctx.err(at, e.message().trim().to_string());
            return None;
        }
    };
    let before = ctx.problems.len();
    let (region, aliases, name_lines) = parse_names(ctx, &raw);
    let year = *raw.year.get_ref();
    if !(2000..=2100).contains(&year) {
        ctx.err(
            raw.year.span().start,
            format!("year: {year} is implausible"),
        );
    }
    let (valid_from, valid_to) = ctx.range(&raw.valid_from, &raw.valid_to);
    let average_wages = raw
        .average_wage
        .iter()
        .filter_map(|w| parse_average_wage(ctx, w))
        .collect();
    let bases = raw.base.iter().filter_map(|b| parse_base(ctx, b)).collect();
    let rates = parse_rates(ctx, &raw.rate);
    let retiree_medical = raw
        .retiree_medical
        .as_ref()
        .and_then(|rm| parse_retiree_medical(ctx, rm));
    let gap_rules = parse_gap_rules(ctx, &raw.gap_rule);
    let resident_waiting = raw
        .resident_waiting
        .as_ref()
        .and_then(|rw| parse_resident_waiting(ctx, rw));
    let late_fee = raw
        .late_fee
        .as_ref()
        .and_then(|lf| parse_late_fee(ctx, lf, raw.national));
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

/// The region's name and its aliases (no empty or repeated one), with the line of each.
fn parse_names(ctx: &mut Ctx, raw: &RawFile) -> (String, Vec<String>, Vec<usize>) {
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
    (region, aliases, name_lines)
}

fn parse_average_wage(ctx: &mut Ctx, w: &S<RawWage>) -> Option<AverageWage> {
    let at = w.span().start;
    let r = w.get_ref();
    let monthly = required(ctx, &r.monthly, at, "monthly").and_then(|m| ctx.money(m, "monthly"));
    let (f, t) = ctx.range(&r.valid_from, &r.valid_to);
    let cite = ctx.cite(at, &r.cite(), "average_wage");
    Some(AverageWage {
        monthly: monthly?,
        valid_from: f,
        valid_to: t,
        note: r.note.clone(),
        cite: cite?,
    })
}

/// A base floor and/or ceiling for some categories (and optionally some insurances).
fn parse_base(ctx: &mut Ctx, b: &S<RawBase>) -> Option<BaseRange> {
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
    let cite = ctx.cite(at, &r.cite(), "base")?;
    Some(BaseRange {
        categories,
        insurances,
        floor,
        ceiling,
        valid_from: f,
        valid_to: t,
        note: r.note.clone(),
        cite,
    })
}

/// The rates, each checked alone and then against the earlier ones: two rates for the same
/// insurance and category must not overlap in time.
fn parse_rates(ctx: &mut Ctx, raw: &[S<RawRate>]) -> Vec<RateEntry> {
    let mut rates: Vec<RateEntry> = Vec::new();
    for rt in raw {
        let Some(rate) = parse_rate(ctx, rt) else {
            continue;
        };
        let (f, t) = (rate.valid_from, rate.valid_to);
        let overlaps = rates.iter().any(|o| {
            o.insurance == rate.insurance
                && o.category == rate.category
                && o.valid_from.unwrap_or(NaiveDate::MIN) <= t.unwrap_or(NaiveDate::MAX)
                && f.unwrap_or(NaiveDate::MIN) <= o.valid_to.unwrap_or(NaiveDate::MAX)
        });
        if overlaps {
            ctx.err(rt.span().start, "rate: overlaps another rate for the same insurance and category; give valid_from/valid_to");
        }
        rates.push(rate);
    }
    rates
}

fn parse_rate(ctx: &mut Ctx, rt: &S<RawRate>) -> Option<RateEntry> {
    let at = rt.span().start;
    let r = rt.get_ref();
    let insurance = required(ctx, &r.insurance, at, "insurance").and_then(|v| ctx.insurance(v));
    let category = required(ctx, &r.category, at, "category").and_then(|v| ctx.category(v));
    let (kind, personal_account) = parse_rate_kind(ctx, at, r);
    let (f, t) = ctx.range(&r.valid_from, &r.valid_to);
    let cite = ctx.cite(at, &r.cite(), "rate");
    Some(RateEntry {
        insurance: insurance?,
        category: category?,
        kind: kind?,
        personal_account,
        valid_from: f,
        valid_to: t,
        note: r.note.clone(),
        cite: cite?,
    })
}

/// How a rate is charged — employer + personal shares, one total, or a fixed monthly or yearly
/// amount: exactly one of them — and the share of it credited to the pension personal account.
fn parse_rate_kind(ctx: &mut Ctx, at: usize, r: &RawRate) -> (Option<RateKind>, Option<Decimal>) {
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
        check_personal_account(ctx, at, r, pa, k);
    }
    (kind, personal_account)
}

/// The personal account is part of the rate, so it cannot be larger than it.
fn check_personal_account(ctx: &mut Ctx, at: usize, r: &RawRate, pa: Decimal, kind: RateKind) {
    let limit = match kind {
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

fn parse_retiree_medical(ctx: &mut Ctx, rm: &S<RawRetiree>) -> Option<RetireeMedical> {
    let at = rm.span().start;
    let r = rm.get_ref();
    let (male, female) = retiree_required_years(ctx, at, r)?;
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
}

/// The required years for men and women: one `years` for both, or both given apart.
fn retiree_required_years(ctx: &mut Ctx, at: usize, r: &RawRetiree) -> Option<(u32, u32)> {
    let years = r.years.as_ref().and_then(|v| ctx.count(v, "years", 50));
    let male = r
        .male_years
        .as_ref()
        .and_then(|v| ctx.count(v, "male_years", 50));
    let female = r
        .female_years
        .as_ref()
        .and_then(|v| ctx.count(v, "female_years", 50));
    match (r.years.is_some(), male, female) {
        (true, None, None) if r.male_years.is_none() && r.female_years.is_none() => {
            Some((years?, years?))
        }
        (false, Some(m), Some(f)) => Some((m, f)),
        _ => {
            ctx.err(
                at,
                "retiree_medical: give either `years` or both `male_years` and `female_years`",
            );
            None
        }
    }
}

/// The gap rules in file order. A rule without a limit catches every longer gap of its
/// categories, so a later rule for the same categories could never apply.
fn parse_gap_rules(ctx: &mut Ctx, raw: &[S<RawGapRule>]) -> Vec<GapRule> {
    let mut catch_all_for: Vec<Vec<Category>> = Vec::new();
    raw.iter()
        .filter_map(|g| parse_gap_rule(ctx, g, &mut catch_all_for))
        .collect()
}

fn parse_gap_rule(
    ctx: &mut Ctx,
    g: &S<RawGapRule>,
    catch_all_for: &mut Vec<Vec<Category>>,
) -> Option<GapRule> {
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
    let effect = required(ctx, &r.effect, at, "effect").and_then(|e| gap_effect(ctx, e));
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
    let scope = gap_scope(ctx, r)?;
    let Some(retroactive) = r.retroactive else {
        ctx.err(at, "gap_rule: missing `retroactive` (true or false)");
        return None;
    };
    let cite = ctx.cite(at, &r.cite(), "gap_rule");
    Some(GapRule {
        max_days,
        max_months,
        effect: effect?,
        months,
        retroactive,
        categories,
        scope,
        note: r.note.clone(),
        cite: cite?,
    })
}

fn gap_effect(ctx: &mut Ctx, e: &S<String>) -> Option<GapEffect> {
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
}

/// Which gaps a rule governs: `any` (the default) or `transfer`.
fn gap_scope(ctx: &mut Ctx, r: &RawGapRule) -> Option<GapScope> {
    match r
        .scope
        .as_ref()
        .map(|s| (s.span().start, s.get_ref().as_str()))
    {
        None | Some((_, "any")) => Some(GapScope::Any),
        Some((_, "transfer")) => Some(GapScope::Transfer),
        Some((at, other)) => {
            ctx.err(
                at,
                format!("gap_rule: unknown scope \"{other}\" (expected any or transfer)"),
            );
            None
        }
    }
}

fn parse_resident_waiting(ctx: &mut Ctx, rw: &S<RawResidentWaiting>) -> Option<ResidentWaiting> {
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
}

/// The statutory late fee: national law, so only the national defaults may carry it.
fn parse_late_fee(ctx: &mut Ctx, lf: &S<RawLateFee>, national: bool) -> Option<LateFeeRule> {
    let at = lf.span().start;
    let r = lf.get_ref();
    if !national {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    const NATIONAL: &str = include_str!("../testdata/national.toml");

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
}

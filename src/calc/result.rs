//! The one result shape every calculator returns: the total, the lines it was added up from (each
//! with its formula and inputs), the assumptions and warnings, the sources, and a disclaimer — so
//! the dialogue engine can both show the answer and explain how it was reached.
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::money::Money;
use super::types::{Category, Insurance, YearMonth};

/// What was calculated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CalcKind {
    Contribution,
    LateFee,
    RetireeTopup,
    WaitingPeriod,
}

/// One named input of a line, already formatted for display ("缴费基数" = "5000.00").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputItem {
    pub name: String,
    pub value: String,
}

/// One step of a calculation. Lines with an amount add up to the total; lines without one
/// (e.g. "其中计入个人账户", or the months of a waiting period) are explanations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub label: String,
    /// The formula with the numbers filled in, e.g. "5000.00 × 20% × 3".
    pub formula: String,
    pub inputs: Vec<InputItem>,
    /// Rounded to the cent (half-up) once, here.
    pub amount: Option<Money>,
}

impl Line {
    pub fn new(label: impl Into<String>, formula: impl Into<String>) -> Self {
        Line {
            label: label.into(),
            formula: formula.into(),
            inputs: Vec::new(),
            amount: None,
        }
    }

    pub fn input(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.inputs.push(InputItem {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    pub fn amount(mut self, amount: Money) -> Self {
        self.amount = Some(amount);
        self
    }
}

/// A document or law article a result relies on. `id` is `law:<ID>`, `doc:<ID>` or a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    pub id: String,
    pub title: String,
    pub year: Option<i32>,
}

/// Which policy table was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    /// Canonical region name ("北京"), or "全国" for the national defaults.
    pub region: String,
    pub year: i32,
    /// The documents the figures come from, newest first ("；"-separated titles).
    pub source: String,
}

/// Details of a contribution back-payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContributionDetail {
    /// None when the citizen gave base and rate explicitly without naming the insurance.
    pub insurance: Option<Insurance>,
    /// None when the citizen gave base and rate explicitly without naming their category.
    pub category: Option<Category>,
    /// The monthly base used (after clamping); None for fixed monthly or yearly amounts.
    pub monthly_base: Option<Money>,
    /// The combined rate, e.g. "24%"; None for fixed amounts.
    pub rate: Option<String>,
    pub months: u32,
    pub from: Option<YearMonth>,
    pub to: Option<YearMonth>,
    /// One month's contribution, rounded to the cent.
    pub per_month: Money,
    /// For pension: the part credited to the personal account (8% of the base) over all months.
    pub personal_account: Option<Money>,
    pub base_clamped: bool,
}

/// Details of a late fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateFeeDetail {
    /// Sum of the arrears the fee was charged on.
    pub principal: Money,
    pub daily_rate: String,
    /// Days late (single amount); None for a month-by-month schedule.
    pub days: Option<u32>,
    pub due_date: Option<NaiveDate>,
    pub pay_date: Option<NaiveDate>,
    /// Number of arrears items (1 for a single amount).
    pub items: usize,
}

/// Details of a retiree medical top-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetireeDetail {
    pub required_months: u32,
    pub paid_months: u32,
    pub short_months: u32,
    pub monthly_base: Option<Money>,
    pub rate: Option<String>,
}

/// Details of a waiting period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingDetail {
    /// Months of waiting; None when the rule leaves it to the local office.
    pub waiting_months: Option<u32>,
    /// The first day benefits are paid again, when it can be worked out.
    pub coverage_from: Option<NaiveDate>,
    /// Whether costs during the gap can be reimbursed afterwards.
    pub retroactive: bool,
    /// Whether the payment counts as a new enrolment (earlier continuous years lost).
    pub new_enrolment: bool,
    /// The rule applied, in words.
    pub rule: String,
}

/// The kind-specific part of a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Detail {
    Contribution(ContributionDetail),
    LateFee(LateFeeDetail),
    RetireeTopup(RetireeDetail),
    WaitingPeriod(WaitingDetail),
}

/// The standard closing sentence of every reply.
pub const DISCLAIMER: &str = "以上为按您提供的信息所做的测算，仅供参考；实际金额和待遇以当地社保（12333）、医保（12393）或税务（12366）经办机构核定为准。";

/// The answer of a calculator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalcResult {
    pub kind: CalcKind,
    /// Short Chinese title, e.g. "养老保险补缴测算（灵活就业）".
    pub title: String,
    /// Exactly the sum of the line amounts; None for waiting periods.
    pub total: Option<Money>,
    pub lines: Vec<Line>,
    pub assumptions: Vec<String>,
    pub warnings: Vec<String>,
    pub sources: Vec<SourceRef>,
    pub policy: Option<PolicyRef>,
    pub disclaimer: String,
    pub detail: Detail,
}

impl CalcResult {
    pub(crate) fn new(kind: CalcKind, title: impl Into<String>, detail: Detail) -> Self {
        CalcResult {
            kind,
            title: title.into(),
            total: None,
            lines: Vec::new(),
            assumptions: Vec::new(),
            warnings: Vec::new(),
            sources: Vec::new(),
            policy: None,
            disclaimer: DISCLAIMER.to_string(),
            detail,
        }
    }

    /// Sets the total to the exact sum of the line amounts.
    pub(crate) fn sum_lines(&mut self) {
        self.total = Some(self.lines.iter().filter_map(|l| l.amount).sum());
    }

    pub(crate) fn add_source(&mut self, source: SourceRef) {
        if !self.sources.iter().any(|s| s.id == source.id) {
            self.sources.push(source);
        }
    }

    pub(crate) fn assume(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.assumptions.contains(&text) {
            self.assumptions.push(text);
        }
    }

    pub(crate) fn warn(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.warnings.contains(&text) {
            self.warnings.push(text);
        }
    }

    /// A short Chinese reply: the lines with their formulas, the total, warnings, assumptions,
    /// sources and the disclaimer.
    pub fn to_text(&self) -> String {
        let mut out = format!("【{}】\n", self.title);
        for line in &self.lines {
            match line.amount {
                Some(a) => {
                    out.push_str(&format!("· {}：{} = {} 元\n", line.label, line.formula, a))
                }
                None => out.push_str(&format!("· {}：{}\n", line.label, line.formula)),
            }
        }
        if let Some(total) = self.total {
            out.push_str(&format!("合计：{total} 元\n"));
        }
        if let Detail::WaitingPeriod(w) = &self.detail {
            out.push_str(&format!("结论：{}\n", w.rule));
            if let Some(d) = w.coverage_from {
                out.push_str(&format!("预计开始享受待遇：{}\n", fmt_date(d)));
            }
        }
        for w in &self.warnings {
            out.push_str(&format!("⚠ {w}\n"));
        }
        if !self.assumptions.is_empty() {
            out.push_str("说明：\n");
            for a in &self.assumptions {
                out.push_str(&format!("- {a}\n"));
            }
        }
        if !self.sources.is_empty() || self.policy.is_some() {
            let mut parts: Vec<String> = self
                .sources
                .iter()
                .map(|s| match s.year {
                    Some(y) if !s.title.contains(&y.to_string()) => {
                        format!("{}（{}年）", s.title, y)
                    }
                    _ => s.title.clone(),
                })
                .collect();
            if let Some(p) = &self.policy {
                parts.push(format!("{}{}年政策数据", p.region, p.year));
            }
            out.push_str(&format!("依据：{}\n", parts.join("；")));
        }
        out.push_str(&self.disclaimer);
        out
    }
}

/// "2025年8月15日".
pub fn fmt_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// "2024年3月".
pub fn fmt_year_month(ym: YearMonth) -> String {
    format!("{}年{}月", ym.year, ym.month)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::contribution::{contribution, ContributionInput};
    use crate::calc::policy::testdata;
    use crate::calc::types::{BaseSpec, MonthsSpec};
    use rust_decimal_macros::dec;

    fn sample() -> CalcResult {
        contribution(
            &ContributionInput {
                base: Some(BaseSpec::Amount(dec!(8000))),
                rate: Some(dec!(0.2)),
                months: Some(MonthsSpec::Count { months: 3 }),
                region: Some("北京".into()),
                insurance: Some(Insurance::Pension),
                category: Some(Category::Flexible),
                as_of: NaiveDate::from_ymd_opt(2025, 1, 1),
                annual_amount: None,
            },
            &testdata::policies(),
        )
        .unwrap()
    }

    #[test]
    fn text_shows_formula_total_basis_and_disclaimer() {
        let text = sample().to_text();
        assert!(
            text.starts_with("【养老保险补缴测算（灵活就业）】"),
            "{text}"
        );
        assert!(text.contains("8000.00 × 20% × 3 = 4800.00 元"), "{text}");
        assert!(text.contains("合计：4800.00 元"));
        assert!(text.contains("依据："));
        assert!(text.contains("北京2025年政策数据"));
        assert!(text.ends_with(DISCLAIMER));
    }

    #[test]
    fn json_shape() {
        let v = serde_json::to_value(sample()).unwrap();
        assert_eq!(v["kind"], "contribution");
        assert_eq!(v["total"], "4800.00");
        assert_eq!(v["lines"][0]["formula"], "8000.00 × 20% × 3");
        assert_eq!(v["lines"][0]["amount"], "4800.00");
        assert_eq!(v["lines"][0]["inputs"][0]["name"], "缴费基数");
        assert_eq!(v["policy"]["region"], "北京");
        assert_eq!(v["detail"]["per_month"], "1600.00");
        assert_eq!(v["detail"]["insurance"], "pension");
        assert!(v["disclaimer"].as_str().unwrap().contains("12333"));
        assert!(v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"].is_string()));
    }
}

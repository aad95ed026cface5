//! The free-text scanner: finds the values a message states, in a fixed order (protected spans,
//! dates, periods, bases, rates, years, months, days, amounts, corrections, keywords), blanking
//! each consumed span so later patterns cannot read its digits again.

use std::collections::HashMap;
use std::ops::Range;

use chrono::NaiveDate;
use regex::Regex;
use rust_decimal::Decimal;

use super::answers::{base_value, gender_word, grade, rate_in_range};
use super::patterns::*;
use super::types::{
    Extraction, RelativePeriod, SlotName, SlotProblem, Slots, NEED_EXACT_AMOUNT, NEED_EXACT_YEARS,
    NEED_WHOLE_MONTHS, NEED_YEAR_FOR_PERIOD,
};
use crate::calc::{BaseSpec, Category, Gender, Insurance, MonthsSpec};
use crate::knowledge::regions::RegionTable;
use crate::text::numbers::{self, DaysSpec};

/// A value with the byte position it was said at; later mentions win.
type At<T> = Option<(usize, T)>;

fn put<T>(slot: &mut At<T>, pos: usize, v: T) {
    if slot.as_ref().is_none_or(|(p, _)| pos >= *p) {
        *slot = Some((pos, v));
    }
}

#[derive(Default)]
struct Found {
    base: At<BaseSpec>,
    rate: At<Decimal>,
    months: At<MonthsSpec>,
    amount: At<Decimal>,
    days: At<u32>,
    paid_years: At<Decimal>,
    missing_years: At<Decimal>,
    gap_years: At<Decimal>,
    repaid_years: At<Decimal>,
    required_years: At<Decimal>,
    dates: Vec<(usize, NaiveDate, DateCue)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DateCue {
    Start,
    End,
    None,
}

/// Whether `word` matches somewhere in `text` outside every match of `not` (养老 outside 养老院).
/// The `not` matches are collected once, in order and non-overlapping, so the one that could
/// contain a word match is found by binary search.
fn said_outside(word: &Regex, not: &Regex, text: &str) -> bool {
    let nots: Vec<Range<usize>> = not.find_iter(text).map(|n| n.range()).collect();
    word.find_iter(text).any(|m| {
        let i = nots.partition_point(|n| n.start <= m.start());
        let inside = i.checked_sub(1).is_some_and(|i| m.end() <= nots[i].end);
        !inside
    })
}

/// A test of a whole clause, remembered per clause: many matches in one long clause must not
/// each read the clause again.
#[derive(Default)]
struct ClauseMemo(HashMap<usize, bool>);

impl ClauseMemo {
    fn test(&mut self, scan: &Scan<'_>, pos: usize, test: impl Fn(&str) -> bool) -> bool {
        let (start, end) = scan.clause_bounds(pos);
        *self
            .0
            .entry(start)
            .or_insert_with(|| test(&scan.text[start..end]))
    }
}

pub(super) struct Scan<'a> {
    text: &'a str,
    /// `text` with every consumed span blanked out (same byte offsets).
    masked: String,
    /// Byte offsets of the whitespace in `text`, in order: clause bounds by binary search.
    spaces: Vec<usize>,
    expecting: Option<SlotName>,
    /// The year of a month or date said without one, when the conversation knows it.
    default_year: Option<i32>,
    found: Found,
    problems: Vec<(usize, SlotProblem)>,
    slots: Slots,
    relative: Option<RelativePeriod>,
}

impl<'a> Scan<'a> {
    pub(super) fn new(
        text: &'a str,
        expecting: Option<SlotName>,
        default_year: Option<i32>,
    ) -> Self {
        Self {
            text,
            default_year,
            masked: text.to_string(),
            spaces: text
                .char_indices()
                .filter(|(_, c)| c.is_whitespace())
                .map(|(i, _)| i)
                .collect(),
            expecting,
            found: Found::default(),
            problems: Vec::new(),
            slots: Slots::default(),
            relative: None,
        }
    }

    /// Blanks a consumed span. Costs the span's length, not the message's: `replace_range` with
    /// a replacement of the same byte length writes in place (no re-validation of the whole
    /// string as UTF-8, no move of the tail), so a scan stays linear in the message length.
    fn take(&mut self, r: Range<usize>) {
        let blank = " ".repeat(r.len());
        self.masked.replace_range(r, &blank);
    }

    /// Whether part of `r` was already consumed.
    fn taken(&self, r: &Range<usize>) -> bool {
        self.masked[r.clone()] != self.text[r.clone()]
    }

    /// Up to `n` characters of the original text ending at byte `pos`.
    fn before(&self, pos: usize, n: usize) -> &'a str {
        let head = &self.text[..pos];
        let start = head
            .char_indices()
            .rev()
            .nth(n.saturating_sub(1))
            .map_or(0, |(i, _)| i);
        &head[start..]
    }

    /// Up to `n` characters of the original text starting at byte `pos`.
    fn after(&self, pos: usize, n: usize) -> &'a str {
        let tail = &self.text[pos..];
        let end = tail.char_indices().nth(n).map_or(tail.len(), |(i, _)| i);
        &tail[..end]
    }

    /// Byte bounds of the whitespace-delimited clause around `pos` (by binary search over the
    /// whitespace offsets, not by searching the text from `pos`); the start identifies the clause.
    fn clause_bounds(&self, pos: usize) -> (usize, usize) {
        let i = self.spaces.partition_point(|&s| s < pos);
        let start = match i {
            0 => 0,
            // Whitespace after `prepare` is ASCII; step over the character in any case.
            _ => {
                let s = self.spaces[i - 1];
                s + self.text[s..].chars().next().map_or(1, char::len_utf8)
            }
        };
        let end = self.spaces.get(i).copied().unwrap_or(self.text.len());
        (start, end)
    }

    /// Whether the value at `start` is negated ("不是3个月").
    fn negated(&self, start: usize) -> bool {
        self.before(start, 3).trim_end().ends_with("不是")
    }

    /// Matches of `re` on the masked text, as (whole match, value group) ranges. Whitespace at the
    /// ends of a match is dropped: a `\s*` may run into a consumed (blanked) span, which must not
    /// make the match look as if it overlapped that span ("基数3000 2024年1月到6月").
    fn matches(&self, re: &Regex, group: &str) -> Vec<(Range<usize>, Range<usize>)> {
        re.captures_iter(&self.masked)
            .filter_map(|c| {
                let m = c.get(0)?;
                let trim = |m: regex::Match| {
                    let t = m.as_str();
                    let start = m.start() + (t.len() - t.trim_start().len());
                    let end = m.end() - (t.len() - t.trim_end().len());
                    start..end.max(start)
                };
                let whole = trim(m);
                let v = c.name(group).map_or(whole.clone(), trim);
                Some((whole, v))
            })
            .collect()
    }

    fn problem(&mut self, pos: usize, p: SlotProblem) {
        self.problems.push((pos, p));
    }

    pub(super) fn run(&mut self, regions: &RegionTable) {
        self.protect();
        self.dates();
        self.periods();
        self.protect_after_dates();
        self.base();
        self.rate();
        self.years();
        self.months();
        self.days();
        self.amount();
        self.change_to();
        self.keywords(regions);
    }

    fn protect(&mut self) {
        for (whole, _) in self.matches(&PROTECT, "") {
            self.take(whole);
        }
        for (whole, _) in self.matches(&HOTLINE, "") {
            let digit_around = self
                .before(whole.start, 1)
                .chars()
                .any(|c| c.is_ascii_digit())
                || self.after(whole.end, 1).chars().any(|c| c.is_ascii_digit());
            let money = ["元", "块"]
                .iter()
                .any(|u| self.after(whole.end, 2).trim_start().starts_with(u));
            if !digit_around && !money {
                self.take(whole);
            }
        }
    }

    fn dates(&mut self) {
        for (whole, _) in self.matches(&DATE_FULL, "") {
            let next = self.after(whole.end, 1);
            if next.starts_with(|c: char| c.is_ascii_digit() || "天个年%".contains(c)) {
                continue;
            }
            let m = &self.text[whole.clone()];
            match numbers::parse_date(m) {
                Some(d) => {
                    let cue = self.date_cue(whole.clone());
                    self.found.dates.push((whole.start, d, cue));
                }
                None => {
                    let slot = self.date_slot(self.date_cue(whole.clone()));
                    self.problem(whole.start, SlotProblem::new(slot, m));
                }
            }
            self.take(whole);
        }
        let talking_dates = matches!(self.expecting, Some(SlotName::From | SlotName::To))
            || DATE_CUE.is_match(self.text);
        // Full dates were found in text order; dates without a year are appended after them, also
        // in text order, so the latest date said before a match is found without a scan.
        let full_dates = self.found.dates.len();
        for (whole, _) in self.matches(&DATE_NO_YEAR, "") {
            // "2024年1月15号应交，3月1号才交": the second date shares the first one's year (or is
            // in the next year when it would otherwise come first).
            let earlier = self.latest_date_before(full_dates, whole.start);
            let said = &self.text[whole.clone()];
            let inferred = match earlier {
                Some(prev) => numbers::parse_month_day(said).and_then(|(m, d)| {
                    use chrono::Datelike;
                    let same = NaiveDate::from_ymd_opt(prev.year(), m, d)?;
                    if same >= prev {
                        Some(same)
                    } else {
                        NaiveDate::from_ymd_opt(prev.year() + 1, m, d)
                    }
                }),
                // No date before it: the year the conversation gives, if any.
                None => numbers::parse_date_in(said, self.default_year),
            };
            if let Some(d) = inferred {
                let cue = self.date_cue(whole.clone());
                self.found.dates.push((whole.start, d, cue));
            } else if talking_dates {
                let slot = self.date_slot(self.date_cue(whole.clone()));
                let m = &self.text[whole.clone()];
                self.problem(whole.start, SlotProblem::new(slot, m));
            }
            self.take(whole);
        }
    }

    /// The date said last before byte `pos`: the last inferred yearless date if there is one
    /// (those come in text order after the `full` full dates), else the last full date before
    /// `pos` by binary search.
    fn latest_date_before(&self, full: usize, pos: usize) -> Option<NaiveDate> {
        let dates = &self.found.dates;
        if dates.len() > full {
            return dates.last().map(|(_, d, _)| *d);
        }
        let i = dates[..full].partition_point(|(p, _, _)| *p < pos);
        i.checked_sub(1).map(|i| dates[i].1)
    }

    fn date_cue(&self, r: Range<usize>) -> DateCue {
        let before = self.before(r.start, 3);
        let after = self.after(r.end, 3);
        // "应该2025年10月1日交的": the due date, the start of a late period.
        let due = ["应该", "应在", "应于", "应当", "本应", "原本", "本来"]
            .iter()
            .any(|w| self.before(r.start, 4).contains(w));
        if due {
            DateCue::Start
        } else if ["到", "至", "截止", "截至"]
            .iter()
            .any(|w| before.contains(w))
            || ["为止", "截止", "之前", "才交", "交的", "补上"]
                .iter()
                .any(|w| after.starts_with(w))
        {
            DateCue::End
        } else if ["从", "自"].iter().any(|w| before.contains(w))
            || ["起", "开始", "入职", "欠", "断"]
                .iter()
                .any(|w| after.starts_with(w))
        {
            DateCue::Start
        } else {
            DateCue::None
        }
    }

    fn date_slot(&self, cue: DateCue) -> SlotName {
        match cue {
            DateCue::End => SlotName::To,
            DateCue::Start => SlotName::From,
            DateCue::None if self.expecting == Some(SlotName::To) => SlotName::To,
            DateCue::None => SlotName::From,
        }
    }

    fn periods(&mut self) {
        for (whole, _) in self.matches(&PERIOD, "") {
            let m = &self.text[whole.clone()];
            if self
                .after(whole.end, 1)
                .starts_with(|c: char| c.is_ascii_digit())
            {
                continue;
            }
            match numbers::parse_period(m) {
                Some((from, to)) => {
                    if !self.negated(whole.start) {
                        put(
                            &mut self.found.months,
                            whole.start,
                            MonthsSpec::Period { from, to },
                        );
                    }
                }
                None => self.problem(
                    whole.start,
                    SlotProblem::with(SlotName::Months, m, NEED_YEAR_FOR_PERIOD),
                ),
            }
            self.take(whole);
        }
        // "2024年全年": January to December of that year.
        for (whole, y) in self.matches(&WHOLE_YEAR, "y") {
            let year: Option<i32> = self.text[y].parse().ok();
            if let Some(year) = year {
                let from = crate::calc::YearMonth { year, month: 1 };
                let to = crate::calc::YearMonth { year, month: 12 };
                if !self.negated(whole.start) {
                    put(
                        &mut self.found.months,
                        whole.start,
                        MonthsSpec::Period { from, to },
                    );
                }
                self.take(whole);
            }
        }
        for (whole, _) in self.matches(&RELATIVE_PERIOD, "") {
            let m = &self.text[whole.clone()];
            if let Some(c) = RELATIVE_PERIOD.captures(m) {
                let offset = |y: &str| match y {
                    "前年" => -2,
                    "去年" => -1,
                    "明年" => 1,
                    _ => 0,
                };
                let from_offset = offset(&c["y1"]);
                let to_offset = c.name("y2").map_or(from_offset, |y| offset(y.as_str()));
                let from_month = numbers::parse_count(&c["m1"]).filter(|m| (1..=12).contains(m));
                let to_month = numbers::parse_count(&c["m2"]).filter(|m| (1..=12).contains(m));
                if let (Some(from_month), Some(to_month)) = (from_month, to_month) {
                    self.relative = Some(RelativePeriod {
                        said: m.to_string(),
                        from_offset,
                        from_month,
                        to_offset,
                        to_month,
                    });
                }
            }
            self.problem(
                whole.start,
                SlotProblem::with(SlotName::Months, m, NEED_YEAR_FOR_PERIOD),
            );
            self.take(whole);
        }
        for (whole, _) in self.matches(&MONTH_RANGE, "") {
            if self
                .before(whole.start, 1)
                .starts_with(|c: char| c.is_ascii_digit())
            {
                continue;
            }
            let m = &self.text[whole.clone()];
            let year = YEAR_BEFORE
                .captures(self.before(whole.start, 8))
                .and_then(|c| c[1].parse::<i32>().ok())
                .or(self.default_year);
            let period = year.and_then(|y| {
                let months = m.trim_start_matches('从');
                numbers::parse_period(&format!("{y}年{months}"))
            });
            match period {
                Some((from, to)) => put(
                    &mut self.found.months,
                    whole.start,
                    MonthsSpec::Period { from, to },
                ),
                None => self.problem(
                    whole.start,
                    SlotProblem::with(SlotName::Months, m, NEED_YEAR_FOR_PERIOD),
                ),
            }
            self.take(whole);
        }
    }

    fn protect_after_dates(&mut self) {
        for (whole, _) in self.matches(&PROTECT_AFTER_DATES, "") {
            self.take(whole);
        }
    }

    fn base(&mut self) {
        let mut hits: Vec<(Range<usize>, Range<usize>)> = Vec::new();
        for re in [&*BASE_AFTER_KEYWORD, &*BASE_BEFORE_KEYWORD] {
            hits.extend(self.matches(re, "v"));
        }
        hits.sort_by_key(|(w, _)| w.start);
        for (whole, v) in hits {
            if self.taken(&whole) {
                continue; // overlaps a span an earlier pattern consumed
            }
            // "费率8%基数4000": the percentage belongs to the rate keyword before it.
            let rate_before = ["费率", "比例", "比率"]
                .iter()
                .any(|w| self.before(v.start, 3).trim_end().ends_with(w));
            if rate_before {
                continue;
            }
            let value = &self.text[v.clone()];
            match base_value(value) {
                Some(b) if !self.negated(whole.start) => put(&mut self.found.base, v.start, b),
                Some(_) => {}
                None => self.problem(v.start, SlotProblem::new(SlotName::Base, value)),
            }
            self.take(whole);
        }
        for (whole, v) in self.matches(&BASE_GRADE_WORD, "v") {
            let c = BASE_GRADE_WORD.captures(&self.masked[whole.clone()]);
            let word = c
                .as_ref()
                .and_then(|c| c.name("v").or_else(|| c.name("w")))
                .map_or("", |m| m.as_str());
            let word = if word.starts_with('中') {
                "中档"
            } else {
                word
            };
            if let Some(b) = base_value(word) {
                put(&mut self.found.base, v.start, b);
            }
            self.take(whole);
        }
        for (whole, v) in self.matches(&BASE_LOWEST, "v") {
            let rest = self.after(whole.end, 4);
            let said_base = rest.is_empty()
                || rest.starts_with(|c: char| c.is_whitespace() || "交缴补来吧了基".contains(c));
            let is_years = rest.starts_with("缴费年限") || rest.starts_with("年限");
            if said_base && !is_years {
                if let Some(b) = base_value(&self.text[v.clone()]) {
                    put(&mut self.found.base, v.start, b);
                }
                self.take(whole);
            }
        }
        for (whole, _) in self.matches(&BASE_AVERAGE_WAGE, "") {
            let Some(c) = BASE_AVERAGE_WAGE.captures(&self.masked[whole.clone()]) else {
                continue;
            };
            let at = |m: regex::Match| whole.start + m.start()..whole.start + m.end();
            match (c.name("v").map(at), c.name("an")) {
                (Some(v), _) => {
                    let value = &self.text[v.clone()];
                    match numbers::parse_percent(value).and_then(grade) {
                        Some(b) => put(&mut self.found.base, v.start, b),
                        None => self.problem(v.start, SlotProblem::new(SlotName::Base, value)),
                    }
                }
                // 按社平工资交: the average wage itself, grade 100%.
                (None, Some(_)) => put(
                    &mut self.found.base,
                    whole.start,
                    BaseSpec::Grade(Decimal::ONE),
                ),
                (None, None) => continue,
            }
            self.take(whole);
        }
    }

    fn rate(&mut self) {
        let mut hits = Vec::new();
        for re in [&*RATE_AFTER_KEYWORD, &*RATE_BEFORE_KEYWORD, &*RATE_AFTER_AN] {
            hits.extend(self.matches(re, "v"));
        }
        hits.sort_by_key(|(w, _)| w.start);
        let mut not_ours = ClauseMemo::default();
        for (whole, v) in hits {
            if self.taken(&whole) {
                continue;
            }
            let after = self.after(whole.end, 2);
            let not_a_rate = ["报", "赔"].iter().any(|w| after.starts_with(w));
            let not_ours = not_ours.test(self, whole.start, |c| RATE_CONTEXT_NOT_OURS.is_match(c));
            if not_ours || not_a_rate {
                self.take(whole);
                continue;
            }
            let value = &self.text[v.clone()];
            match numbers::parse_percent(value).filter(|&r| rate_in_range(r)) {
                Some(r) if !self.negated(v.start) => put(&mut self.found.rate, v.start, r),
                Some(_) => {}
                None => self.problem(v.start, SlotProblem::new(SlotName::Rate, value)),
            }
            self.take(whole);
        }
    }

    fn years(&mut self) {
        let has_question = QUESTION.is_match(self.text);
        for (whole, v) in self.matches(&YEARS_MISSING, "v") {
            let rest = self.after(whole.end, 4).trim_start();
            let to_retirement = ["退休", "就退休", "才退休", "到退休", "就到退休"]
                .iter()
                .any(|w| rest.starts_with(w));
            if !to_retirement {
                self.put_years(SlotName::MissingYears, v.clone());
            }
            self.take(whole);
        }
        for (whole, _) in self.matches(&YEARS_GAP, "") {
            if let Some(c) = YEARS_GAP.captures(&self.masked[whole.clone()]) {
                if let Some(m) = c.name("v").or_else(|| c.name("w")).or_else(|| c.name("x")) {
                    let r = whole.start + m.start()..whole.start + m.end();
                    self.put_years(SlotName::GapYears, r);
                }
            }
            self.take(whole);
        }
        // "当地要求交满25年" is the rule the citizen was told, not their own years; a question
        // about the rule ("需要交满25年吗") is left to the paid/rule logic below.
        let mut asks_rule = ClauseMemo::default();
        for (whole, v) in self.matches(&YEARS_REQUIRED, "v") {
            let asks_rule = asks_rule.test(self, whole.start, |clause| {
                ["吗", "么", "是不是", "对不对", "才能", "才可以"]
                    .iter()
                    .any(|w| clause.contains(w))
            });
            if !asks_rule {
                self.put_years(SlotName::RequiredYears, v);
                self.take(whole);
            }
        }
        for (whole, v) in self.matches(&YEARS_REPAID, "v") {
            self.put_years(SlotName::RepaidYears, v);
            self.take(whole);
        }
        for (whole, v) in self.matches(&YEARS_PAID, "v") {
            let c = YEARS_PAID.captures(&self.masked[whole.clone()]);
            let full = c.as_ref().is_some_and(|c| c.name("full").is_some());
            let already = c
                .as_ref()
                .and_then(|c| c.name("pre"))
                .is_some_and(|m| m.as_str().starts_with('已'));
            let rule_question = full && has_question && !already;
            // A bare 交/缴 without 了/过 is a plan or a hypothesis ("交20年和交15年有什么区别").
            let said_done = c.as_ref().is_some_and(|c| {
                ["pre", "tense", "tense2", "full"]
                    .iter()
                    .any(|g| c.name(g).is_some())
                    || c.name("verb")
                        .is_some_and(|m| m.as_str().chars().count() == 2)
            });
            let again = c
                .as_ref()
                .and_then(|c| c.name("pre"))
                .is_some_and(|m| matches!(m.as_str(), "又" | "再"));
            // 断缴 / 补缴 / 欠缴 are other verbs; their spans were consumed above, but a verb
            // cut in half by that ("缴" of 补缴) must not count as paying.
            let other_verb = self
                .before(whole.start, 1)
                .starts_with(|c: char| "断补欠停没未中".contains(c));
            let plan = [
                "想", "要", "打算", "准备", "计划", "得", "能", "可以", "会", "应该",
            ]
            .iter()
            .any(|w| self.before(whole.start, 2).ends_with(w));
            if !rule_question && !other_verb && said_done && !plan {
                let earlier = self.found.paid_years;
                self.put_years(SlotName::PaidYears, v.clone());
                // "交了5年,断了2年,又交了3年": the years add up.
                if let (true, Some((_, before)), Some((pos, now))) =
                    (again, earlier, self.found.paid_years)
                {
                    if pos == v.start {
                        self.found.paid_years = Some((pos, before + now));
                    }
                }
            }
            self.take(whole);
        }
    }

    fn put_years(&mut self, slot: SlotName, v: Range<usize>) {
        if self.negated(v.start) {
            return;
        }
        if self.after(v.end, 1) == "多" && self.after(v.end, 2) != "多少" {
            let said = format!("{}多", &self.text[v.clone()]);
            self.problem(v.start, SlotProblem::with(slot, &said, NEED_EXACT_YEARS));
            return;
        }
        let Some(y) = numbers::parse_years(&self.text[v.clone()]) else {
            return; // e.g. 交了100年: not a span of anyone's contributions
        };
        let field = match slot {
            SlotName::PaidYears => &mut self.found.paid_years,
            SlotName::MissingYears => &mut self.found.missing_years,
            SlotName::GapYears => &mut self.found.gap_years,
            SlotName::RequiredYears => &mut self.found.required_years,
            _ => &mut self.found.repaid_years,
        };
        put(field, v.start, y);
    }

    /// A duration that states a rule ("3个月以内", "超过30天") or a unit price ("一个月交多少")
    /// rather than the citizen's own figure.
    fn threshold(&self, whole: &Range<usize>) -> bool {
        let before = self.before(whole.start, 3);
        let after = self.after(whole.end, 2);
        ["第", "每"].iter().any(|w| before.ends_with(w))
            || [
                "超过",
                "不超过",
                "满",
                "未满",
                "不满",
                "不到",
                "少于",
                "多于",
                "大于",
                "小于",
                "不足",
            ]
            .iter()
            .any(|w| before.ends_with(w))
            || [
                "内", "以内", "之内", "以上", "以下", "以后", "之后", "后", "前", "以前", "之前",
            ]
            .iter()
            .any(|w| after.starts_with(w))
    }

    fn months(&mut self) {
        let mut hits = self.matches(&MONTHS_YM, "v");
        hits.extend(self.matches(&MONTHS, "v"));
        hits.extend(self.matches(&HALF_YEAR, "v"));
        hits.sort_by_key(|(w, _)| w.start);
        for (whole, v) in hits {
            if self.taken(&whole) {
                continue;
            }
            let value: String = self.text[v.clone()].split_whitespace().collect();
            let before = self.before(v.start, 1);
            let half_of_year = value == "半年"
                && (["上", "下", "前", "后", "近", "每", "这", "一"]
                    .iter()
                    .any(|w| before.ends_with(w)));
            let next = self.after(v.end, 3);
            let per_month = value == "一个月"
                && (["交", "缴", "要", "多少", "得", "大概", "的钱", "的费用"]
                    .iter()
                    .any(|w| next.starts_with(w))
                    || next.starts_with(|c: char| {
                        c.is_ascii_digit() || "一二两三四五六七八九十".contains(c)
                    })
                    || ["钱", "元", "块", "多少"]
                        .iter()
                        .any(|w| self.before(v.start, 2).trim_end().ends_with(w))
                    || self
                        .before(v.start, 1)
                        .starts_with(|c: char| c.is_ascii_digit() || "千百万十".contains(c)));
            // "两千五一个月": the numeral ran into the price before it.
            let price_then_month = value.ends_with("一个月")
                && value.chars().count() > 3
                && numbers::parse_duration_months(&value).is_none();
            if half_of_year || per_month || price_then_month || self.threshold(&whole) {
                self.take(whole);
                continue;
            }
            // "5个月多" is approximate; "5个月多少钱" asks the price.
            let more_after = next.starts_with('多') && !next.starts_with("多少");
            if value.contains("个半月") || value.contains("个多月") || more_after {
                let value = if more_after {
                    format!("{value}多")
                } else {
                    value
                };
                self.problem(
                    v.start,
                    SlotProblem::with(SlotName::Months, &value, NEED_WHOLE_MONTHS),
                );
            } else if let Some(n) = numbers::parse_duration_months(&value) {
                if !self.negated(v.start) {
                    put(
                        &mut self.found.months,
                        v.start,
                        MonthsSpec::Count { months: n },
                    );
                }
            } else {
                self.problem(v.start, SlotProblem::new(SlotName::Months, &value));
            }
            self.take(whole);
        }
    }

    fn days(&mut self) {
        for (whole, v) in self.matches(&DAYS, "v") {
            if self.threshold(&whole) {
                self.take(whole);
                continue;
            }
            let value: String = self.text[v.clone()].split_whitespace().collect();
            let more = value.ends_with('多') && !self.after(v.end, 1).starts_with('少');
            match numbers::parse_days(value.trim_end_matches('多')) {
                Some(DaysSpec::Days(n)) if !more => {
                    if !self.negated(v.start) {
                        put(&mut self.found.days, v.start, n);
                    }
                }
                _ => self.problem(v.start, SlotProblem::new(SlotName::Days, &value)),
            }
            self.take(whole);
        }
    }

    fn amount(&mut self) {
        const MEASURE: &str = "个年月天日周次人份岁号期档点%倍家口张条项位名";
        for (whole, v) in self.matches(&AMOUNT_AFTER_KEYWORD, "v") {
            let value = self.text[v.clone()].trim();
            let next = self.after(whole.end, 1);
            if next.starts_with(|c: char| MEASURE.contains(c)) {
                continue;
            }
            self.put_amount(&whole, value);
            self.take(whole);
        }
        for (whole, v) in self.matches(&AMOUNT_WITH_UNIT, "v") {
            let value = self.text[v.clone()].trim();
            let ours = !AMOUNT_NOT_OURS_BEFORE.is_match(self.before(whole.start, 6))
                && !AMOUNT_NOT_OURS_AFTER.is_match(self.after(whole.end, 4));
            let tiny = numbers::parse_money(value).is_some_and(|n| n < Decimal::TEN);
            if ours && !tiny {
                self.put_amount(&whole, value);
            }
            self.take(whole);
        }
    }

    fn put_amount(&mut self, whole: &Range<usize>, value: &str) {
        let more =
            self.text[whole.clone()].ends_with('多') && !self.after(whole.end, 1).starts_with('少');
        match numbers::parse_money(value) {
            Some(n) if !more && n > Decimal::ZERO => {
                if !self.negated(whole.start) {
                    put(&mut self.found.amount, whole.start, n);
                }
            }
            _ => {
                let said = &self.text[whole.start..whole.end];
                let said = said.trim_start_matches(|c: char| {
                    !c.is_ascii_digit() && !"零〇一二两三四五六七八九十百千万俩仨".contains(c)
                });
                self.problem(
                    whole.start,
                    SlotProblem::with(SlotName::Amount, said, NEED_EXACT_AMOUNT),
                );
            }
        }
    }

    /// "费率从8%改成10%", "欠了5000,改成6000", "基数是3000,不对,是4000": a bare new value after
    /// 改成 / 不对,是 belongs to the slot whose keyword came last before it.
    fn change_to(&mut self) {
        // Keyword mentions in text order; the one that counts is the last ending before the value.
        let keywords: Vec<regex::Match> = CHANGE_KEYWORD.find_iter(self.text).collect();
        for (whole, v) in self.matches(&CHANGE_TO, "v") {
            let before = keywords.partition_point(|k| k.end() <= whole.start);
            let Some(kw) = before.checked_sub(1).map(|i| keywords[i]) else {
                continue;
            };
            let value = &self.text[v.clone()];
            match kw.as_str() {
                "基数" => {
                    if let Some(b) = base_value(value) {
                        put(&mut self.found.base, v.start, b);
                    }
                }
                "费率" | "比例" => {
                    if let Some(r) = numbers::parse_percent(value).filter(|&r| rate_in_range(r)) {
                        put(&mut self.found.rate, v.start, r);
                    }
                }
                _ => {
                    if let Some(n) = numbers::parse_money(value) {
                        put(&mut self.found.amount, v.start, n);
                    }
                }
            }
            self.take(whole);
        }
    }

    fn keywords(&mut self, regions: &RegionTable) {
        let t = self.text;
        let pension = said_outside(&PENSION, &PENSION_NOT, t);
        let medical = MEDICAL.is_match(t);
        self.slots.insurance = match (pension, medical) {
            (true, false) => Some(Insurance::Pension),
            (false, true) => Some(Insurance::Medical),
            _ => None,
        };

        let retiree = said_outside(&RETIREE, &RETIREE_NOT, t);
        let employee = EMPLOYEE.is_match(t);
        self.slots.category = if EMPLOYER.is_match(t) {
            Some(Category::Employer)
        } else if retiree {
            Some(Category::Retiree)
        } else if RESIDENT.is_match(t) {
            Some(Category::Resident)
        } else if FLEXIBLE.is_match(t) {
            Some(Category::Flexible)
        } else if employee {
            Some(Category::Employee)
        } else {
            None
        };

        self.slots.gender = self.gender();
        self.slots.region = regions.find_in(t).map(|m| m.canonical);
    }

    fn gender(&self) -> Option<Gender> {
        let t = self.text;
        let mut said: Vec<Gender> = t.split_whitespace().filter_map(gender_word).collect();
        let g = |s: &str| {
            if s == "男" {
                Gender::Male
            } else {
                Gender::Female
            }
        };
        for c in GENDER_SAID.captures_iter(t) {
            let Some(m) = c.name("g") else { continue };
            let next = t[m.end()..].chars().next();
            let suffix = c.name("s").is_some();
            if suffix || !next.is_some_and(|n| "儿婿友朋孩方人婴娃票装厕".contains(n)) {
                said.push(g(m.as_str()));
            }
        }
        for re in [&*GENDER_AGE, &*GENDER_WORKER, &*GENDER_DESCRIBED] {
            for c in re.captures_iter(t) {
                if let Some(m) = c.name("g") {
                    said.push(g(m.as_str()));
                }
            }
        }
        // Nothing said outright: the relative the question is about ("我妈今年退休"), unless
        // it names a pair ("我爸妈") or relatives of both genders.
        if said.is_empty() {
            for c in GENDER_KIN.captures_iter(t) {
                let Some(k) = c.name("k") else { continue };
                let next = t[k.end()..].chars().next();
                if next.is_some_and(|n| "妈娘爸爹们家".contains(n)) {
                    continue;
                }
                said.push(
                    if ["妈妈", "老妈", "母亲", "妈", "娘", "老婆", "媳妇", "妻子"]
                        .contains(&k.as_str())
                    {
                        Gender::Female
                    } else {
                        Gender::Male
                    },
                );
            }
        }
        let first = *said.first()?;
        said.iter().all(|&x| x == first).then_some(first)
    }

    pub(super) fn finish(mut self) -> Extraction {
        let f = std::mem::take(&mut self.found);
        let mut slots = std::mem::take(&mut self.slots);
        slots.base = f.base.map(|x| x.1);
        slots.rate = f.rate.map(|x| x.1.normalize());
        slots.months = f.months.map(|x| x.1);
        slots.amount = f.amount.map(|x| x.1.normalize());
        slots.days = f.days.map(|x| x.1);
        slots.paid_years = f.paid_years.map(|x| x.1);
        slots.missing_years = f.missing_years.map(|x| x.1);
        slots.gap_years = f.gap_years.map(|x| x.1);
        slots.repaid_years = f.repaid_years.map(|x| x.1);
        slots.required_years = f.required_years.map(|x| x.1);

        match f.dates.as_slice() {
            [] => {}
            [(_, d, cue)] => match self.date_slot(*cue) {
                SlotName::To => slots.to = Some(*d),
                _ => slots.from = Some(*d),
            },
            [first, .., last] => {
                slots.from = Some(first.1);
                slots.to = Some(last.1);
            }
        }

        // A problem matters only if no later mention of the same slot gave a good value.
        let value_pos = |slot: SlotName| -> Option<usize> {
            match slot {
                SlotName::Base => f.base.as_ref().map(|x| x.0),
                SlotName::Rate => f.rate.as_ref().map(|x| x.0),
                SlotName::Months => f.months.as_ref().map(|x| x.0),
                SlotName::Amount => f.amount.as_ref().map(|x| x.0),
                SlotName::Days => f.days.as_ref().map(|x| x.0),
                SlotName::From | SlotName::To => f.dates.last().map(|x| x.0),
                _ => None,
            }
        };
        let mut problems: Vec<SlotProblem> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (pos, p) in self.problems {
            let superseded = value_pos(p.slot).is_some_and(|v| v > pos);
            if !superseded && seen.insert(p.clone()) {
                problems.push(p);
            }
        }
        Extraction {
            slots,
            problems,
            correction: false,
            until_now: false,
            monthly_amount: None,
            relative_period: self.relative,
        }
    }
}

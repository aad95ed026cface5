//! The channel-agnostic dialogue engine: `handle(session_id, text) -> Reply`.
//!
//! One serde-able [`State`] per session (stored through [`Sessions`], so a restart resumes the form)
//! holds the slots collected so far, the calculation form in progress, the slot just asked for and
//! how often the answer to it failed. Each turn: commands first (cancel, reset, help, …), then the
//! slots in the message, then the intent — a calculation, a follow-up, or a question for the
//! knowledge base (answered even in the middle of a form, after which the pending question is asked
//! again; a question the knowledge base cannot answer is said so, not read as a bad answer). Asking
//! for another calculation mid-form ("那滞纳金呢？") switches to it with the slots known so far;
//! after a result, a correction or a what-if ("那如果是8个月呢") recomputes it; a short follow-up
//! ("那要等多久") is read with the slots earlier turns gave. The calculators
//! decide which inputs they still need (`CalcError::Missing`), so the engine asks exactly for
//! those, one at a time, with an example. Years to back-pay ("补一年半", "还差5年") become months
//! for a back-payment, and the result says so; a waiting-period gap may be answered in months or
//! days. A bare value with no form in progress ("三千五") gets an explanation and the list of
//! calculations rather than a search.

use super::explain;
use super::intent::{self, Command, FormKind};
use super::regions::RegionTable;
use super::slots::{extract_with, Context, Extraction, SlotName, Slots};
use super::topic;
use crate::answer::{
    self, Answerer, DecisionParams, Reply, ReplyKind, ReplyOption, SourceRef, CALC_PREFIX,
    ENTRY_PREFIX, SAY_PREFIX,
};
use crate::calc::{
    self, CalcError, CalcResult, Category, Gender, Insurance, MonthsSpec, PolicySet,
};
use crate::search::Snapshot;
use crate::session::Sessions;
use crate::text::Message;
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Version of the stored [`State`]; bump on any incompatible change (older state then starts fresh).
pub const STATE_VERSION: u32 = 1;

/// After this many failed answers to the same question the engine offers a way out; one more and
/// it leaves the form, so a conversation can never loop forever.
const MAX_FAILURES: u8 = 3;

/// The last finished calculation, for follow-ups ("那滞纳金呢？").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LastResult {
    pub form: FormKind,
    pub total: Option<rust_decimal::Decimal>,
}

/// Everything the engine remembers about one conversation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct State {
    pub form: Option<FormKind>,
    pub slots: Slots,
    pub pending: Option<SlotName>,
    pub failures: u8,
    /// Entry ids offered by the last clarification, in order.
    pub options: Vec<String>,
    pub last: Option<LastResult>,
    /// Ids of the channel updates (e.g. Telegram update ids) already applied to this
    /// conversation, newest last, so a redelivered update is neither answered nor applied twice.
    pub seen_updates: Vec<i64>,
    /// The knowledge entry answered last (the conversation's topic), so that "北京" or
    /// "基数按6000" right after it continues it; cleared by a calculation's result.
    pub topic: Option<String>,
    /// The one calculation the last reply offered ("……我帮您算一算" with its button), so that
    /// "好的" or "帮我算一下" next starts it rather than the menu of every calculation.
    pub offered: Option<FormKind>,
}

/// Where the knowledge and calculators come from, and where sessions live.
pub struct Engine {
    answerer: Arc<Answerer>,
    sessions: Sessions,
    today: Box<dyn Fn() -> NaiveDate + Send + Sync>,
}

impl Engine {
    pub fn new(answerer: Arc<Answerer>, sessions: Sessions) -> Self {
        Engine {
            answerer,
            sessions,
            today: Box::new(crate::china_time::today),
        }
    }

    /// Fix "today" (used as the payment date and policy date when the citizen gives none).
    pub fn with_today(mut self, today: impl Fn() -> NaiveDate + Send + Sync + 'static) -> Self {
        self.today = Box::new(today);
        self
    }

    pub fn answerer(&self) -> &Arc<Answerer> {
        &self.answerer
    }

    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// A button press on an in-memory state: the option ids of [`ReplyOption`] (`entry:<id>`
    /// answers that entry, `calc:<calculator>` starts that calculation with what is known,
    /// `say:<text>` is the same as typing the text). An unknown or stale id gets a polite reply
    /// and changes nothing.
    pub fn press(&self, st: &mut State, option_id: &str) -> Reply {
        let r = self.press_inner(st, option_id);
        remember_offer(st, &r);
        r
    }

    fn press_inner(&self, st: &mut State, option_id: &str) -> Reply {
        if let Some(text) = option_id.strip_prefix(SAY_PREFIX) {
            return self.turn_inner(st, text);
        }
        if let Some(id) = option_id.strip_prefix(ENTRY_PREFIX) {
            let snap = self.answerer.snapshot();
            if let Some(r) = answer::answer_entry(&snap, id) {
                st.options.clear();
                remember_topic(st, &r);
                return r;
            }
        }
        if let Some(form) = option_id
            .strip_prefix(CALC_PREFIX)
            .and_then(FormKind::from_id)
        {
            let snap = self.answerer.snapshot();
            return self.start_form(st, form, &Extraction::default(), &snap.kb.policy_set);
        }
        with_pending(
            st,
            Reply::new(
                ReplyKind::Info,
                "这个按钮已经失效了，请直接输入您的问题，或回复“帮助”看看我能做什么。",
            ),
        )
    }

    /// One turn on an in-memory state (no storage): the whole conversation logic.
    pub fn turn(&self, st: &mut State, text: &str) -> Reply {
        let r = self.turn_inner(st, text);
        remember_offer(st, &r);
        r
    }

    fn turn_inner(&self, st: &mut State, text: &str) -> Reply {
        let snap = self.answerer.snapshot();
        // Normalised here, once; every rule below reads `msg`.
        let msg = Message::new(text);
        let norm = msg.norm();
        if msg.is_empty() {
            return with_pending(
                st,
                Reply::new(
                    ReplyKind::Info,
                    "请输入您想咨询的问题，例如“医保断缴三个月还能补吗”。",
                ),
            );
        }
        // "好的" / "帮我算一下" right after one calculation was offered: that calculation.
        if let Some(form) = st.offered.filter(|_| st.form.is_none()) {
            if intent::accepts_offer(norm) {
                return self.start_form(st, form, &Extraction::default(), &snap.kb.policy_set);
            }
        }
        if let Some(cmd) = intent::command(norm) {
            return self.command(st, cmd);
        }
        if let Some(reply) = self.pick_option(st, &snap, norm) {
            return reply;
        }
        let ex = self.read_message(st, &snap, norm);
        let wanted = self.wanted_calculation(st, norm, &ex);
        if let Some(form) = st.form {
            return self.continue_form(st, form, wanted, &snap, &msg, &ex);
        }
        // "交了11年，还差几年": answered in years and months, then the calculation offered.
        // (Only for a question of ours: "个税滞纳金怎么算" is the tax office's.)
        let question = answer::Question::analyse(&snap, &msg);
        let ours = question.ours();
        if ours
            && explain::asks_years_short(norm)
            && !intent::asks_for(norm, FormKind::Contribution)
        {
            let mut known = st.slots.clone();
            known.merge(&ex.slots);
            if let Some((r, missing)) =
                explain::years_short(norm, &known, snap.kb.policy_set.as_deref())
            {
                st.slots = known;
                if missing.is_some() {
                    st.slots.missing_years = missing;
                }
                st.options.clear();
                remember_topic(st, &r);
                return r;
            }
        }
        // Another system's question ("失业金一个月能领多少钱") starts none of our calculations.
        if let Some(form) = wanted.filter(|_| ours) {
            // "北京职工医保断了4个月，是不是得连续交六个月才能报": a question about the rule. When
            // the calculation could not answer it without asking for an input first, the rule is
            // answered and the calculation offered, rather than a slot prompt.
            // (A follow-up of a calculation, "那滞纳金呢", stays a calculation.)
            if st.last.is_none() && intent::rule_question(norm, form, &ex) {
                let mut trial = st.clone();
                let r = self.start_form(&mut trial, form, &ex, &snap.kb.policy_set);
                if r.kind != ReplyKind::Ask {
                    *st = trial;
                    return r;
                }
                if let Some(r) = self.answer_then_offer(st, &snap, &question, &ex, form) {
                    return r;
                }
            }
            return self.start_form(st, form, &ex, &snap.kb.policy_set);
        }
        // "补缴养老保险怎么算": the formula, an example and the offer, not a slot prompt.
        if let Some(form) = explain::method_asked(norm).filter(|_| ours) {
            st.slots.merge(&ex.slots);
            st.options.clear();
            let r = explain::method(form, snap.kb.policy_set.as_deref());
            remember_topic(st, &r);
            return r;
        }
        if let Some(r) = self.topic_follow_up(st, &snap, norm, &ex) {
            return r;
        }
        let place_only = snap
            .kb
            .region_table
            .as_deref()
            .and_then(|t| intent::place_only(norm, t))
            .is_some();
        if let Some(form) = self.variation_of_last_result(st, norm, &ex, place_only) {
            return self.start_form(st, form, &ex, &snap.kb.policy_set);
        }
        // A place alone with nothing to continue: remember it and say what can be asked about it,
        // rather than "not in my scope".
        if place_only {
            st.slots.merge(&ex.slots);
            if let Some(place) = &ex.slots.region {
                let mut r = Reply::new(
                    ReplyKind::Info,
                    format!("好的，记下了您在{place}。请问想了解{place}的什么？例如“{place}灵活就业养老保险每月交多少”“{place}医保断缴了能补吗”；也可以选择下面的计算，我会按{place}的规定来算。"),
                );
                r.options = calculation_options();
                return r;
            }
        }
        // "帮我算算": which calculation? Offer them, each worded so that it starts its form.
        if ex.slots.is_empty() && intent::bare_calc_request(norm) {
            let mut r = Reply::new(ReplyKind::Info, WHICH_CALCULATION);
            r.options = calculation_options();
            return r;
        }
        // "三千五", "6个月" with no form in progress: say what is missing instead of searching.
        if intent::bare_value(norm) {
            let mut r = Reply::new(ReplyKind::Info, BARE_VALUE);
            r.options = calculation_options();
            return r;
        }
        // A question for the knowledge base. Keep what it told us for later calculations.
        st.slots.merge(&ex.slots);
        match answer::decide_question(&snap, &question, &DecisionParams::default()) {
            Ok(d) => {
                remember_options(st, &d.reply);
                remember_topic(st, &d.reply);
                d.reply
            }
            Err(e) => {
                tracing::error!(error = %e, "answering failed");
                Reply::error("抱歉，系统暂时出了点问题，请稍后再试，或拨打 12333 咨询。")
            }
        }
    }

    /// The knowledge base's answer to a question about a rule, with the calculation `form`
    /// offered after it (its button, and "好的" next starts it with what the message said).
    /// A clarification (two or three entries close) gets the offer beside its options. `None` when
    /// the knowledge base has no answer (the form then asks as before).
    fn answer_then_offer(
        &self,
        st: &mut State,
        snap: &Snapshot,
        question: &answer::Question,
        ex: &Extraction,
        form: FormKind,
    ) -> Option<Reply> {
        let d = answer::decide_question(snap, question, &DecisionParams::default()).ok()?;
        if !matches!(d.reply.kind, ReplyKind::Answer | ReplyKind::Clarify) {
            return None;
        }
        let mut r = d.reply;
        st.slots.merge(&ex.slots);
        st.options.clear();
        r.text
            .push_str("\n需要的话，告诉我您的情况，我帮您算一算。");
        r.options.retain(|o| !o.id.starts_with(CALC_PREFIX));
        r.options.push(ReplyOption::calc(
            form.id(),
            format!("帮我算一下（{}）", form.label()),
        ));
        remember_topic(st, &r);
        Some(r)
    }

    /// The slots of one message, read in the context of the conversation: the pending question,
    /// the conversation's year, and what only the engine knows (the clock, a late fee's principal).
    fn read_message(&self, st: &State, snap: &Snapshot, norm: &str) -> Extraction {
        let empty_regions = RegionTable::default();
        let regions = snap.kb.region_table.as_deref().unwrap_or(&empty_regions);
        // A gap for a waiting period may be said in months ("断了2个月"): the calculator takes
        // months or days, so the answer is read as a duration, not strictly as days.
        let expecting = match (st.form, st.pending) {
            (Some(FormKind::WaitingPeriod), Some(SlotName::Days)) => Some(SlotName::Months),
            _ => st.pending,
        };
        // "3月15日" with no year: the year of a month named earlier, else this year in China.
        let context = Context {
            default_year: Some(conversation_year(&st.slots).unwrap_or_else(|| {
                use chrono::Datelike;
                (self.today)().year()
            })),
        };
        let mut ex = extract_with(norm, expecting, regions, context);
        if expecting != st.pending {
            for p in &mut ex.problems {
                if Some(p.slot) == expecting {
                    p.slot = SlotName::Days;
                }
            }
        }
        // "欠缴3个月社保，每月1500，滞纳金多少": the principal is 1500 × 3.
        let late_fee_talk = norm.contains("滞纳金") || st.form == Some(FormKind::LateFee);
        if let (true, None, Some(per_month), Some(MonthsSpec::Count { months })) = (
            late_fee_talk,
            ex.slots.amount,
            ex.monthly_amount,
            ex.slots.months,
        ) {
            ex.slots.amount = Some(per_month * rust_decimal::Decimal::from(months));
            ex.slots.months = None;
        }
        // "去年3月到今年2月": the engine has the clock the extractor lacks.
        if let Some(rp) = ex.relative_period.clone() {
            use chrono::Datelike;
            let year = (self.today)().year();
            let from = calc::YearMonth {
                year: year + rp.from_offset,
                month: rp.from_month,
            };
            let to = calc::YearMonth {
                year: year + rp.to_offset,
                month: rp.to_month,
            };
            if ex.slots.months.is_none() {
                ex.slots.months = Some(MonthsSpec::Period { from, to });
            }
            ex.problems
                .retain(|p| !(p.slot == SlotName::Months && p.input == rp.said.trim()));
        }
        if ex.until_now {
            // "从2024年3月1日拖到现在": the end of the period is today.
            ex.slots.to.get_or_insert((self.today)());
            ex.problems
                .retain(|p| !matches!(p.slot, SlotName::To | SlotName::Days));
        }
        ex
    }

    /// The calculation the message asks for, if any; a short follow-up ("那要等多久" after
    /// "医保断交了三个月还能报销吗") is read with what earlier turns said, as if said again.
    fn wanted_calculation(&self, st: &State, norm: &str, ex: &Extraction) -> Option<FormKind> {
        let previous = st.form.or(st.last.as_ref().map(|l| l.form));
        let wanted = intent::calculation(norm, ex, previous);
        // "我补缴了其中1年" in a waiting-period conversation: a fact that conversation uses stays
        // in it, unless the message asks for the other calculation in so many words.
        if let (Some(w), Some(p)) = (wanted, previous) {
            if w != p && !intent::asks_for(norm, w) && uses_only(p, &ex.slots) {
                return Some(p);
            }
        }
        if wanted.is_none() && st.form.is_none() && intent::follow_up(norm) {
            let mut known = ex.clone();
            let mut slots = st.slots.clone();
            slots.merge(&ex.slots);
            known.slots = slots;
            return intent::calculation(norm, &known, previous);
        }
        wanted
    }

    /// A follow-up that leans on the topic (the entry answered last): a place alone ("北京",
    /// "那天津呢") gets the local version of the answer; values alone ("基数按6000", "补12个月")
    /// start the calculation they point to, with what earlier turns said.
    fn topic_follow_up(
        &self,
        st: &mut State,
        snap: &Snapshot,
        norm: &str,
        ex: &Extraction,
    ) -> Option<Reply> {
        let id = st.topic.clone()?;
        let empty_regions = RegionTable::default();
        let regions = snap.kb.region_table.as_deref().unwrap_or(&empty_regions);
        if let Some(place) = intent::place_only(norm, regions) {
            st.slots.merge(&ex.slots);
            st.options.clear();
            // "还差几年" answered with the national frame, then the city: answer it for the city.
            if let Some(subject) = explain::years_short_subject(&id) {
                if let Some((r, missing)) =
                    explain::years_short(subject, &st.slots, snap.kb.policy_set.as_deref())
                {
                    if missing.is_some() {
                        st.slots.missing_years = missing;
                    }
                    remember_topic(st, &r);
                    return Some(r);
                }
            }
            let r = topic::local_reply(snap, regions, &id, &place)?;
            remember_topic(st, &r);
            return Some(r);
        }
        // "那2024年的呢": the edition of the same figures for that year; "那居民医保呢": the same
        // question for that scheme.
        let again = intent::year_only(norm)
            .and_then(|y| topic::year_reply(snap, &id, y))
            .or_else(|| topic::scheme_only(norm).and_then(|s| topic::scheme_reply(snap, &id, s)));
        if let Some(r) = again {
            st.options = r
                .options
                .iter()
                .filter_map(|o| o.id.strip_prefix(ENTRY_PREFIX).map(str::to_string))
                .collect();
            remember_topic(st, &r);
            return Some(r);
        }
        if !values_only(norm, ex) {
            return None;
        }
        let mut known = ex.clone();
        let mut slots = st.slots.clone();
        slots.merge(&ex.slots);
        known.slots = slots;
        let form = intent::calculation(norm, &known, None)
            .or_else(|| topic::entry(snap, &id).and_then(topic::topic_form))
            .unwrap_or_else(|| form_for_values(&ex.slots));
        Some(self.start_form(st, form, ex, &snap.kb.policy_set))
    }

    /// "不对，是5个月", "那如果是8个月呢" or just "8个月" right after a result: the calculation to
    /// recompute with the new value. A short statement of values ("费率按16%") is a variation too.
    fn variation_of_last_result(
        &self,
        st: &State,
        norm: &str,
        ex: &Extraction,
        place_only: bool,
    ) -> Option<FormKind> {
        let values_only = values_only(norm, ex) || place_only;
        let what_if =
            (ex.correction || intent::what_if(norm) || values_only) && !ex.slots.is_empty();
        what_if.then(|| st.last.as_ref().map(|l| l.form)).flatten()
    }

    /// A message in the middle of a calculation: a switch to another calculation, a digression
    /// (a question answered before the pending question is asked again), or an answer to the
    /// pending question — good, or failed and re-prompted.
    #[allow(clippy::too_many_arguments)]
    fn continue_form(
        &self,
        st: &mut State,
        form: FormKind,
        wanted: Option<FormKind>,
        snap: &Snapshot,
        msg: &Message,
        ex: &Extraction,
    ) -> Reply {
        let norm = msg.norm();
        // Another calculation asked for mid-form ("那滞纳金呢？", "我想算滞纳金"): switch to it,
        // keeping what is known, instead of reading the request as a bad answer.
        let wanted = wanted.filter(|&w| w == form || intent::names_form(norm, w));
        if let Some(w) = wanted.filter(|&w| w != form) {
            return self.start_form(st, w, ex, &snap.kb.policy_set);
        }
        let answered_pending = st.pending.is_some_and(|p| slot_answered(ex, p));
        if wanted.is_none() {
            if let Some(r) = self.digression(st, form, snap, msg, ex, answered_pending) {
                return r;
            }
        }
        if wanted.is_none() && !answered_pending && ex.slots.is_empty() && ex.problems.is_empty() {
            return self.failed_answer(st, msg.raw(), None);
        }
        if let Some(problem) = ex.problems.iter().find(|p| Some(p.slot) == st.pending) {
            return self.failed_answer(st, msg.raw(), Some(problem.message()));
        }
        st.slots.merge(&ex.slots);
        self.compute_noting(st, ex, &snap.kb.policy_set)
    }

    /// A question in the middle of a calculation is still a question: answer it and ask the
    /// pending question again, without letting its words ("医保…吗？") change the form.
    /// "灵活就业怎么参保？" names a category but asks something: it is a digression when the
    /// knowledge base has a confident answer. Only particles of doubt ("好几个月吧") make it a
    /// question when the knowledge base has a real answer; otherwise it is a (failed) answer to the
    /// pending question, and `None` is returned.
    #[allow(clippy::too_many_arguments)]
    fn digression(
        &self,
        st: &mut State,
        form: FormKind,
        snap: &Snapshot,
        msg: &Message,
        ex: &Extraction,
        answered_pending: bool,
    ) -> Option<Reply> {
        let norm = msg.norm();
        let gives_values = gives_values(ex);
        let pending_problem = ex.problems.iter().any(|p| Some(p.slot) == st.pending);
        let only_keywords = answered_pending && !gives_values;
        // (Normalising drops the question mark, so it is looked for in the raw text.)
        let asks = intent::asks_something(norm) || msg.raw().contains(['?', '？']);
        if ex.correction
            || gives_values
            || pending_problem
            || !intent::looks_like_question(norm)
            || (answered_pending && !(only_keywords && asks))
        {
            return None;
        }
        let question = answer::Question::analyse(snap, msg);
        let decided = answer::decide_question(snap, &question, &DecisionParams::default()).ok();
        let confident = decided.as_ref().is_some_and(|d| {
            d.reply.kind == ReplyKind::Answer
                || (!answered_pending && asks && d.reply.kind == ReplyKind::Clarify)
        });
        if !(confident || (!answered_pending && asks)) {
            return None;
        }
        let mut r = match decided {
            Some(d) if confident => {
                remember_options(st, &d.reply);
                remember_topic(st, &d.reply);
                d.reply
            }
            _ => Reply::fallback(
                "这个问题我暂时没找到可靠的答案，可以拨打 12333（人社）或 12393（医保）咨询。",
            ),
        };
        if let Some(p) = st.pending {
            r.text.push_str(&format!(
                "\n\n——回到刚才的{}：{}",
                form.label(),
                ask_text(p, form)
            ));
            r.slot = Some(p);
        }
        Some(r)
    }

    /// Start (or switch to) a calculation with what the message said added to what is known.
    fn start_form(
        &self,
        st: &mut State,
        form: FormKind,
        ex: &Extraction,
        policies: &Option<Arc<PolicySet>>,
    ) -> Reply {
        st.form = Some(form);
        st.pending = None;
        st.failures = 0;
        st.options.clear();
        st.slots.merge(&ex.slots);
        if form == FormKind::LateFee && st.slots.amount.is_none() {
            if let Some(LastResult { total: Some(t), .. }) = &st.last {
                st.slots.amount = Some(*t);
            }
        }
        self.compute_noting(st, ex, policies)
    }

    /// [`compute`](Self::compute), and when the citizen gave months where a late fee needs days
    /// ("晚交了两个月"), say why the days are asked for instead of silently ignoring the months.
    fn compute_noting(
        &self,
        st: &mut State,
        ex: &Extraction,
        policies: &Option<Arc<PolicySet>>,
    ) -> Reply {
        let mut r = self.compute(st, policies);
        // "断了三年多": the question for the slot says what was wrong with the first try.
        if r.kind == ReplyKind::Ask {
            let asked = r.slot;
            if let Some(p) = ex.problems.iter().find(|p| Some(p.slot) == asked) {
                r.text = format!("{}。\n{}", p.message().trim_end_matches('。'), r.text);
            }
        }
        if let (Some(MonthsSpec::Count { months }), Some(SlotName::Days)) =
            (ex.slots.months, r.slot)
        {
            if st.form == Some(FormKind::LateFee) && ex.slots.days.is_none() {
                r.text = format!(
                    "您说的是 {months} 个月；每个月天数不同，滞纳金按实际天数计算。\n{}",
                    r.text
                );
            }
        }
        r
    }

    fn command(&self, st: &mut State, cmd: Command) -> Reply {
        match cmd {
            Command::Reset => {
                *st = State::default();
                Reply::new(
                    ReplyKind::Info,
                    format!("好的，已重新开始，之前的信息都已清空。\n{HELP}"),
                )
            }
            Command::Cancel => {
                let had = st.form.take();
                st.pending = None;
                st.failures = 0;
                let text = match had {
                    Some(f) => format!("好的，已取消这次{}。还有其他问题可以直接问我。", f.label()),
                    None => "好的。还有其他问题可以直接问我。".to_string(),
                };
                Reply::new(ReplyKind::Info, text)
            }
            Command::Human => with_pending(st, Reply::new(ReplyKind::Info, HUMAN)),
            Command::Help => with_pending(st, Reply::new(ReplyKind::Info, HELP)),
            Command::Greeting => with_pending(
                st,
                Reply::new(ReplyKind::Info, format!("您好！我是补缴咨询助手。\n{HELP}")),
            ),
            Command::Ack => with_pending(
                st,
                Reply::new(ReplyKind::Info, "好的。还有其他问题可以直接问我。"),
            ),
            Command::Thanks => with_pending(
                st,
                Reply::new(
                    ReplyKind::Info,
                    "不客气！还有其他社保、医保补缴的问题，随时问我。",
                ),
            ),
        }
    }

    /// "1" / "第二个" after a clarification picks that entry.
    fn pick_option(
        &self,
        st: &mut State,
        snap: &crate::search::Snapshot,
        norm: &str,
    ) -> Option<Reply> {
        if st.options.is_empty() {
            return None;
        }
        let t = norm.trim();
        let idx = match t {
            "1" | "一" | "第一个" | "第1个" | "第一" => 0,
            "2" | "二" | "第二个" | "第2个" | "第二" => 1,
            "3" | "三" | "第三个" | "第3个" | "第三" => 2,
            _ => return None,
        };
        let id = st.options.get(idx)?.clone();
        st.options.clear();
        let r = answer::answer_entry(snap, &id)?;
        remember_topic(st, &r);
        Some(r)
    }

    /// A reply that did not fill the pending slot: say what was expected, quoting the user; offer
    /// an example and a way out after two failures; leave the form after the third.
    fn failed_answer(&self, st: &mut State, input: &str, message: Option<String>) -> Reply {
        let Some(pending) = st.pending else {
            return Reply::fallback(
                "抱歉，我没听明白。您可以换个说法，或回复“帮助”看看我能做什么。",
            );
        };
        let form = st.form.unwrap_or(FormKind::Contribution);
        st.failures += 1;
        if st.failures >= MAX_FAILURES {
            let label = form.label();
            st.form = None;
            st.pending = None;
            st.failures = 0;
            return Reply::new(
                ReplyKind::Info,
                format!("这一项我一直没能弄明白，先结束这次{label}。您可以换个方式重新描述，或拨打 12333（人社）/12393（医保）咨询。"),
            );
        }
        let quoted: String = input.trim().chars().take(30).collect();
        let mut text =
            message.unwrap_or_else(|| format!("我没看懂“{quoted}”，请说{}。", pending.expected()));
        text.push('\n');
        text.push_str(&ask_text(pending, form));
        let mut r = Reply::new(ReplyKind::Ask, text);
        r.slot = Some(pending);
        r.options = slot_options(pending);
        if st.failures >= 2 {
            r.text.push_str(&format!(
                "\n可以直接回复例如“{}”；不想算了请回复“取消”，也可以拨打 12333 咨询。",
                example(pending)
            ));
            r.options.push(ReplyOption::say("取消"));
        }
        r
    }

    /// Call the calculator for the current form with everything known; ask for what is missing.
    fn compute(&self, st: &mut State, policies: &Option<Arc<PolicySet>>) -> Reply {
        let Some(form) = st.form else {
            return Reply::fallback("抱歉，我没听明白。");
        };
        let Some(policies) = policies.as_deref() else {
            st.form = None;
            return Reply::error("计算所需的政策数据没有加载，请稍后再试或拨打 12333 咨询。");
        };
        let today = (self.today)();
        let inferred = Inferred::from_slots(form, &st.slots, policies);
        match run_calculator(form, &st.slots, &inferred, today, policies) {
            Ok(mut r) => {
                inferred.note(form, st.slots.missing_years, &mut r);
                self.result_reply(st, form, r)
            }
            Err(CalcError::Missing { field, hint }) => {
                ask_missing(st, form, field, hint, &inferred, policies)
            }
            Err(CalcError::Unsupported(msg)) => {
                st.form = None;
                st.pending = None;
                Reply::new(ReplyKind::Info, msg)
            }
            Err(e) => reask_invalid(st, form, e),
        }
    }

    fn result_reply(&self, st: &mut State, form: FormKind, r: CalcResult) -> Reply {
        st.topic = None;
        st.form = None;
        st.pending = None;
        st.failures = 0;
        st.last = Some(LastResult {
            form,
            total: r.total.map(|m| m.value()),
        });
        let mut reply = Reply::new(ReplyKind::Result, r.to_text());
        reply.sources = r
            .sources
            .iter()
            .map(|s| SourceRef {
                id: s.id.clone(),
                title: s.title.clone(),
                score: 1.0,
            })
            .collect();
        reply.result = Some(Box::new(r));
        if form == FormKind::Contribution {
            reply.options = vec![ReplyOption::calc(FormKind::LateFee.id(), "那滞纳金呢？")];
        }
        reply
    }
}

/// Whether the message gives values (amounts, periods, dates…), not only keywords such as the
/// insurance, the category or the region.
fn gives_values(ex: &Extraction) -> bool {
    ex.slots.filled().iter().any(|s| {
        !matches!(
            s,
            SlotName::Insurance | SlotName::Category | SlotName::Region
        )
    })
}

/// Whether every value the message gives (not the insurance, category or region) is an input
/// of `form`, so the message can be read as part of that calculation.
fn uses_only(form: FormKind, s: &Slots) -> bool {
    use SlotName::*;
    let inputs: &[SlotName] = match form {
        FormKind::Contribution => &[Base, Rate, Months, Amount, RepaidYears, MissingYears, Years],
        FormKind::LateFee => &[Amount, Days, From, To, Months],
        FormKind::RetireeTopup => &[
            PaidYears,
            MissingYears,
            RequiredYears,
            Gender,
            Base,
            Rate,
            Years,
        ],
        FormKind::WaitingPeriod => &[GapYears, RepaidYears, Days, Months, From, To, Years],
    };
    let values: Vec<SlotName> = s
        .filled()
        .into_iter()
        .filter(|v| !matches!(v, Insurance | Category | Region))
        .collect();
    !values.is_empty() && values.iter().all(|v| inputs.contains(v))
}

/// What the calculation takes from the conversation beyond the slots as said: a place outside
/// the policy tables, months from a number of years, years paid from years missing.
#[derive(Debug, Default)]
struct Inferred {
    /// A place said but not in the policy tables ("内蒙古"): not asked again; the calculation
    /// goes on without local figures, and what they would have given is asked for instead.
    unknown_region: Option<String>,
    /// The place to calculate for (a known one).
    region: Option<String>,
    /// "补缴两年" / "还差5年" in a back-payment: (years, whole months).
    months_from_years: Option<(Decimal, u32)>,
    /// "还差5年" in a retiree top-up with the local rule at hand: the years paid are the
    /// required years minus those.
    paid_from_missing: Option<Decimal>,
    /// "还差5年" when the local rule is not at hand: (required years rounded up, years paid),
    /// so the amount needs only the years missing, the base and the rate.
    missing_only: Option<(u32, Decimal)>,
}

impl Inferred {
    fn from_slots(form: FormKind, s: &Slots, policies: &PolicySet) -> Inferred {
        let unknown_region = s.region.clone().filter(|r| policies.region(r).is_none());
        let region = s.region.clone().filter(|_| unknown_region.is_none());
        let twelve = Decimal::from(12);
        let months_from_years = s
            .months
            .is_none()
            .then(|| s.repaid_years.or(s.missing_years))
            .flatten()
            .and_then(|y| (y * twelve).to_u32().map(|m| (y, m)))
            .filter(|&(y, m)| m > 0 && Decimal::from(m) == y * twelve);
        let topup_without_paid =
            form == FormKind::RetireeTopup && s.paid_years.is_none() && s.years.is_none();
        let paid_from_missing = topup_without_paid
            .then_some(s.missing_years)
            .flatten()
            .and_then(|missing| {
                let required = s
                    .required_years
                    .or_else(|| local_required_years(s, policies))?;
                (required >= missing).then(|| required - missing)
            });
        let missing_only =
            (topup_without_paid && paid_from_missing.is_none() && s.required_years.is_none())
                .then_some(s.missing_years)
                .flatten()
                .filter(|m| *m > Decimal::ZERO)
                .and_then(|m| {
                    let required = m.ceil();
                    Some((required.to_u32()?, required - m))
                });
        Inferred {
            unknown_region,
            region,
            months_from_years,
            paid_from_missing,
            missing_only,
        }
    }

    /// Say in the result's assumptions what was inferred, first.
    fn note(&self, form: FormKind, missing_years: Option<Decimal>, r: &mut CalcResult) {
        if let Some(place) = &self.unknown_region {
            r.assumptions.retain(|a| !a.starts_with("未提供参保地区"));
            r.assumptions.insert(
                0,
                format!("暂未收录{place}的政策数据，以上按您提供的数字和全国通用的规定计算，没有按{place}的标准核对。"),
            );
        }
        if let (FormKind::Contribution, Some((y, m))) = (form, self.months_from_years) {
            r.assumptions
                .insert(0, format!("按补缴 {} 年即 {m} 个月计算。", y.normalize()));
        }
        if let (Some(_), Some(m)) = (self.missing_only, missing_years) {
            r.assumptions.retain(|a| !a.contains("规定年限"));
            r.assumptions.insert(
                0,
                format!(
                    "按您说的还差 {} 年（{} 个月）计算；当地规定要缴满多少年、是否另有本地实际缴费年限要求，请向当地医保经办机构核实。",
                    m.normalize(),
                    (m * Decimal::from(12)).ceil().normalize()
                ),
            );
        }
        if let (Some(p), Some(m)) = (self.paid_from_missing, missing_years) {
            r.assumptions.insert(
                0,
                format!(
                    "按您说的还差 {} 年，推算已缴 {} 年。",
                    m.normalize(),
                    p.normalize()
                ),
            );
        }
    }
}

/// The years the local retiree rule requires of this person, when the place (and, where the
/// rule differs by gender, the gender) is known.
fn local_required_years(s: &Slots, policies: &PolicySet) -> Option<Decimal> {
    let t = policies
        .region(s.region.as_deref()?)?
        .retiree_medical
        .as_ref()?;
    let g = if t.gendered() {
        s.gender?
    } else {
        Gender::Male
    };
    Some(Decimal::from(t.years_for(g)))
}

/// The form's calculator on the slots and what was inferred from them.
fn run_calculator(
    form: FormKind,
    s: &Slots,
    inferred: &Inferred,
    today: NaiveDate,
    policies: &PolicySet,
) -> std::result::Result<CalcResult, CalcError> {
    let region = inferred.region.clone();
    match form {
        FormKind::Contribution => calc::contribution(
            &calc::ContributionInput {
                base: s.base,
                rate: s.rate,
                months: s.months.or(inferred
                    .months_from_years
                    .map(|(_, months)| MonthsSpec::Count { months })),
                region,
                insurance: s.insurance,
                category: s.category,
                annual_amount: (s.category == Some(Category::Resident))
                    .then_some(s.amount)
                    .flatten(),
                as_of: Some(today),
            },
            policies,
        ),
        FormKind::LateFee => calc::late_fee(
            &calc::LateFeeInput {
                amount: s.amount,
                days: s.days,
                due_date: s.from,
                pay_date: s.to,
            },
            policies,
        ),
        FormKind::RetireeTopup => {
            let missing_only = inferred.missing_only;
            calc::retiree_topup(
                &calc::RetireeInput {
                    // With only the years missing, the local rule's required years and its
                    // minimum of actual years do not apply: the shortfall is what was said.
                    region: region.filter(|_| missing_only.is_none()),
                    gender: s.gender,
                    required_years: s
                        .required_years
                        .and_then(|y| y.to_u32())
                        .or(missing_only.map(|(r, _)| r)),
                    paid_years: s
                        .paid_years
                        .or(s.years)
                        .or(inferred.paid_from_missing)
                        .or(missing_only.map(|(_, p)| p)),
                    deemed_years: None,
                    base: s.base,
                    rate: s.rate,
                    as_of: Some(today),
                },
                policies,
            )
        }
        FormKind::WaitingPeriod => calc::waiting_period(&waiting_input(s, region, today), policies),
    }
}

/// The waiting-period calculator's input: a medical gap said in years is a resident's unless
/// the category says otherwise, and an employee's gap in years is a gap of whole months.
fn waiting_input(s: &Slots, region: Option<String>, today: NaiveDate) -> calc::WaitingInput {
    let category = s.category.or_else(|| {
        (s.insurance == Some(Insurance::Medical) && s.gap_years.is_some())
            .then_some(Category::Resident)
    });
    // An employee's gap said in years ("职工医保断了一年") is a gap of 12 months.
    let employee_gap = category.is_some_and(|c| c != Category::Resident);
    let gap_months = match s.months {
        Some(MonthsSpec::Count { months }) => Some(months),
        _ if employee_gap => s
            .gap_years
            .map(|y| y * Decimal::from(12))
            .filter(|m| m.fract().is_zero())
            .and_then(|m| m.to_u32()),
        _ => None,
    };
    calc::WaitingInput {
        category,
        region,
        gap_years: s.gap_years.or(s.years).and_then(|y| y.to_u32()),
        years_repaid: s.repaid_years.and_then(|y| y.to_u32()),
        exempt: false,
        during_collection_period: false,
        pay_date: s.to.or(Some(today)),
        gap_from: s.from,
        gap_days: s.days,
        gap_months,
    }
}

/// A calculator missing an input: ask for it (for a place outside the policy tables, ask for
/// the local figure instead of the place; for a place-dependent rule, list the places known).
fn ask_missing(
    st: &mut State,
    form: FormKind,
    field: SlotName,
    mut hint: String,
    inferred: &Inferred,
    policies: &PolicySet,
) -> Reply {
    let mut slot = slot_for(form, field);
    if let (Some(place), SlotName::Region) = (&inferred.unknown_region, slot) {
        slot = if form == FormKind::RetireeTopup {
            SlotName::RequiredYears
        } else {
            SlotName::Rate
        };
        hint = format!(
            "暂未收录{place}的政策数据，请告诉我{place}规定的{}，可向当地经办机构（社保 12333，医保 12393）查询",
            if slot == SlotName::Rate { "缴费比例" } else { "年限" }
        );
    }
    if st.pending != Some(slot) {
        st.failures = 0;
    }
    st.pending = Some(slot);
    // "Which city?" for a rule that depends on the city comes with the cities known.
    let known = match (form, slot) {
        (FormKind::RetireeTopup, SlotName::Region) => {
            format!("\n{}", explain::known_retiree_years(Some(policies)))
        }
        (_, SlotName::Region) => format!("\n{}", explain::known_places(policies)),
        _ => String::new(),
    };
    let mut r = Reply::new(
        ReplyKind::Ask,
        format!("{}{}{known}", ask_text(slot, form), hint_suffix(&hint)),
    );
    r.slot = Some(slot);
    r.options = slot_options(slot);
    r
}

/// An invalid value: forget it and ask again, quoting what was wrong; after
/// [`MAX_FAILURES`] tries the calculation ends politely instead of looping.
fn reask_invalid(st: &mut State, form: FormKind, e: CalcError) -> Reply {
    let Some(slot) = e.slot().map(|f| slot_for(form, f)) else {
        st.form = None;
        st.pending = None;
        return Reply::new(ReplyKind::Info, e.to_string());
    };
    clear_slot(&mut st.slots, slot);
    st.pending = Some(slot);
    st.failures += 1;
    if st.failures >= MAX_FAILURES {
        st.form = None;
        st.pending = None;
        st.failures = 0;
        return Reply::new(
            ReplyKind::Info,
            format!(
                "{e}\n这一项多次没能确认，先结束这次{}。您可以重新描述，或拨打 12333 咨询。",
                form.label()
            ),
        );
    }
    let mut r = Reply::new(ReplyKind::Ask, format!("{e}\n{}", ask_text(slot, form)));
    r.slot = Some(slot);
    r.options = slot_options(slot);
    r
}

/// A short statement of values with no question ("基数按6000", "补12个月", "费率按16%").
fn values_only(norm: &str, ex: &Extraction) -> bool {
    gives_values(ex)
        && !intent::looks_like_question(norm)
        && norm.chars().filter(|c| !c.is_whitespace()).count() <= 16
}

/// The calculation values point to when the topic names none: a principal with days → a late
/// fee; a gap → a waiting period; years paid or required → a retiree top-up; else a back-payment.
fn form_for_values(s: &Slots) -> FormKind {
    if s.days.is_some() || (s.amount.is_some() && (s.from.is_some() || s.to.is_some())) {
        FormKind::LateFee
    } else if s.gap_years.is_some() {
        FormKind::WaitingPeriod
    } else if s.paid_years.is_some() || s.required_years.is_some() {
        FormKind::RetireeTopup
    } else {
        FormKind::Contribution
    }
}

/// The year the conversation is about: the latest year of a period or date said earlier.
fn conversation_year(s: &Slots) -> Option<i32> {
    use chrono::Datelike;
    let period = match s.months {
        Some(MonthsSpec::Period { to, .. }) => Some(to.year),
        _ => None,
    };
    period
        .into_iter()
        .chain(s.to.map(|d| d.year()))
        .chain(s.from.map(|d| d.year()))
        .next()
}

/// An answer makes its entry the topic of the conversation; a fallback leaves none.
fn remember_topic(st: &mut State, reply: &Reply) {
    match reply.kind {
        ReplyKind::Answer => st.topic = reply.sources.first().map(|s| s.id.clone()),
        ReplyKind::Fallback => st.topic = None,
        _ => {}
    }
}

/// Remember the calculation a reply offers, if it offers exactly one (see [`State::offered`]).
fn remember_offer(st: &mut State, reply: &Reply) {
    let mut offered = reply
        .options
        .iter()
        .filter_map(|o| o.id.strip_prefix(CALC_PREFIX))
        .filter_map(FormKind::from_id);
    st.offered = match (offered.next(), offered.next()) {
        (Some(form), None) => Some(form),
        _ => None,
    };
}

/// Keep the entry ids of a clarification so "1"/"2"/"3" can pick one.
fn remember_options(st: &mut State, reply: &Reply) {
    st.options = if reply.kind == ReplyKind::Clarify {
        reply.sources.iter().map(|s| s.id.clone()).collect()
    } else {
        Vec::new()
    };
}

/// Mid-form, a command or help reply repeats the pending question so the form is not lost.
fn with_pending(st: &State, mut r: Reply) -> Reply {
    if let (Some(p), Some(f)) = (st.pending, st.form) {
        r.text
            .push_str(&format!("\n\n——{}还在进行：{}", f.label(), ask_text(p, f)));
        r.slot = Some(p);
    }
    r
}

fn slot_answered(ex: &Extraction, slot: SlotName) -> bool {
    ex.slots.is_filled(slot)
        || (slot == SlotName::PaidYears && ex.slots.years.is_some())
        || (slot == SlotName::GapYears && ex.slots.years.is_some())
        || (slot == SlotName::Days && ex.slots.months.is_some())
}

/// The dialogue slot behind a calculator's field. The calculators name their fields precisely
/// (paid, gap or locally required years); only the generic "years" of a typed-in value that could
/// not be read is made precise by the form it was asked in.
fn slot_for(form: FormKind, field: SlotName) -> SlotName {
    match (form, field) {
        (FormKind::RetireeTopup, SlotName::Years) => SlotName::PaidYears,
        (FormKind::WaitingPeriod, SlotName::Years) => SlotName::GapYears,
        (_, f) => f,
    }
}

fn clear_slot(s: &mut Slots, slot: SlotName) {
    match slot {
        SlotName::Insurance => s.insurance = None,
        SlotName::Category => s.category = None,
        SlotName::Region => s.region = None,
        SlotName::Base => s.base = None,
        SlotName::Rate => s.rate = None,
        SlotName::Months => s.months = None,
        SlotName::Amount => s.amount = None,
        SlotName::Days => s.days = None,
        SlotName::Years => s.years = None,
        SlotName::PaidYears => {
            s.paid_years = None;
            s.years = None;
        }
        SlotName::MissingYears => s.missing_years = None,
        SlotName::GapYears => {
            s.gap_years = None;
            s.years = None;
        }
        SlotName::RepaidYears => s.repaid_years = None,
        SlotName::RequiredYears => s.required_years = None,
        SlotName::Gender => s.gender = None,
        SlotName::From => s.from = None,
        SlotName::To => s.to = None,
    }
}

/// The question for a slot, with an example of a valid answer.
fn ask_text(slot: SlotName, form: FormKind) -> String {
    let q = match slot {
        SlotName::Insurance => "请问要算的是养老保险还是医疗保险？",
        SlotName::Category => "请问您的参保身份是？（单位职工 / 灵活就业 / 城乡居民）",
        SlotName::Region => "请问在哪个城市参保？（例如：北京、武汉）",
        SlotName::Base => "请问缴费基数是多少？（例如：5000，或“最低档”“60%档”）",
        SlotName::Rate => "请问缴费比例是多少？（例如：20%）",
        SlotName::Months => "请问要补缴几个月？（例如：6个月，或“2024年3月到8月”）",
        SlotName::Amount if form == FormKind::LateFee => {
            "请问欠缴的金额（本金）是多少？（例如：10000元）"
        }
        // A back-payment asks for an amount only for residents: their yearly contribution.
        SlotName::Amount if form == FormKind::Contribution => {
            "请问每年的个人缴费金额是多少？（例如：400元）"
        }
        SlotName::Amount => "请问金额是多少？（例如：400元）",
        SlotName::Days if form == FormKind::WaitingPeriod => {
            "请问断缴了多久？（例如：45天、2个月；也可以告诉我断缴开始日期）"
        }
        SlotName::Days => "请问晚缴了多少天？（例如：30天；也可以告诉我应缴日期和缴纳日期）",
        SlotName::Years | SlotName::PaidYears if form == FormKind::RetireeTopup => {
            "请问职工医保已经缴了多少年？（例如：18年）"
        }
        SlotName::GapYears | SlotName::Years if form == FormKind::WaitingPeriod => {
            "请问断保了几年？（例如：断了2年）"
        }
        SlotName::Years | SlotName::PaidYears => "请问缴了多少年？（例如：15年）",
        SlotName::MissingYears => "请问还差几年？（例如：5年）",
        SlotName::GapYears => "请问断了几年？（例如：2年）",
        SlotName::RepaidYears => "请问补缴了几年？（例如：1年）",
        SlotName::RequiredYears => "请问当地规定职工医保要缴满多少年？（例如：25年）",
        SlotName::Gender => "请问您的性别？（男 / 女）",
        SlotName::From if form == FormKind::LateFee => {
            "请问这笔费用原本应在哪天缴纳？（例如：2024年1月15日）"
        }
        SlotName::From => "请问从哪天开始断缴的？（例如：2024年1月1日）",
        SlotName::To if form == FormKind::LateFee => {
            "请问哪天缴纳（或打算哪天缴纳）？（例如：2024年3月1日）"
        }
        SlotName::To => "请问哪天补缴的？（例如：2024年3月1日）",
    };
    q.to_string()
}

fn hint_suffix(hint: &str) -> String {
    if hint.is_empty() {
        String::new()
    } else {
        format!("\n（{}）", hint.trim_end_matches('。'))
    }
}

fn example(slot: SlotName) -> &'static str {
    match slot {
        SlotName::Insurance => "养老保险",
        SlotName::Category => "灵活就业",
        SlotName::Region => "武汉",
        SlotName::Base => "5000",
        SlotName::Rate => "20%",
        SlotName::Months => "6个月",
        SlotName::Amount => "10000元",
        SlotName::Days => "30天",
        SlotName::Years | SlotName::PaidYears | SlotName::MissingYears => "15年",
        SlotName::GapYears | SlotName::RepaidYears => "2年",
        SlotName::RequiredYears => "25年",
        SlotName::Gender => "女",
        SlotName::From | SlotName::To => "2024年3月1日",
    }
}

fn slot_options(slot: SlotName) -> Vec<ReplyOption> {
    let v: &[&str] = match slot {
        SlotName::Insurance => &["养老保险", "医疗保险"],
        SlotName::Category => &["单位职工", "灵活就业", "城乡居民"],
        SlotName::Gender => &["男", "女"],
        SlotName::Base => &["最低档", "60%档", "100%档"],
        _ => &[],
    };
    v.iter().map(|s| ReplyOption::say(*s)).collect()
}

pub const HELP: &str = "我可以帮您：\n1. 解答社保、医保、养老保险补缴的政策问题，例如“医保断缴三个月还能补吗”；\n2. 计算补缴金额，例如“灵活就业，基数3000，按20%补缴养老保险6个月”；\n3. 计算滞纳金，例如“欠了1万，晚了30天，滞纳金多少”；\n4. 计算退休时医保年限不足要补多少，例如“北京，女，职工医保交了15年，退休要补多少”；\n5. 计算居民医保待遇等待期，例如“居民医保断了2年，补缴1年，要等多久能报销”。\n计算中随时可以说“取消”，说“重新开始”清空重来。";

pub const WHICH_CALCULATION: &str = "好的，请问想算哪一项？\n1. 补缴金额，例如“灵活就业，基数3000，补缴养老保险6个月”；\n2. 滞纳金，例如“欠了1万，晚了30天”；\n3. 退休时医保年限不够要补多少；\n4. 医保断缴后要等多久才能报销。\n可以直接把情况一句话告诉我。";

const BARE_VALUE: &str = "只有一个数字，我还不知道它指的是什么。想算补缴金额或滞纳金的话，请把情况一句话告诉我，例如“灵活就业，基数3000，补缴养老保险6个月”或“欠了1万，晚了30天，滞纳金多少”；也可以选择下面要算的项目。";

const CALCULATION_OPTIONS: [(FormKind, &str); 4] = [
    (FormKind::Contribution, "算一下补缴多少钱"),
    (FormKind::LateFee, "算一下滞纳金"),
    (FormKind::RetireeTopup, "算一下退休医保补多少钱"),
    (FormKind::WaitingPeriod, "算一下医保等待期"),
];

/// The four calculators as options (buttons start the form directly).
pub fn calculation_options() -> Vec<ReplyOption> {
    CALCULATION_OPTIONS
        .iter()
        .map(|(f, title)| ReplyOption::calc(f.id(), *title))
        .collect()
}

const HUMAN: &str = "需要人工服务的话：社保（养老、失业、工伤等）请拨打 12333 人社服务热线；医保请拨打 12393 医保服务热线；缴费扣款、票据问题可拨打 12366 纳税服务热线。也可以带上身份证、社保卡到当地社保或医保经办机构服务窗口办理。";

//! What the citizen wants from this message: a command (cancel, reset, help…), a calculation, or a
//! question for the knowledge base. Decided from the words; the engine adds the retrieval scores.
//! "滞纳金怎么算" asks for the rule (retrieval); "我想算滞纳金" asks the bot to compute (a form).

use super::slots::{Extraction, SlotName, Slots};
use crate::text::vocabulary;
use serde::{Deserialize, Serialize};

/// The calculation forms the engine can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    Contribution,
    LateFee,
    RetireeTopup,
    WaitingPeriod,
}

impl FormKind {
    /// Every calculator, in the order they are offered.
    pub const ALL: [FormKind; 4] = [
        FormKind::Contribution,
        FormKind::LateFee,
        FormKind::RetireeTopup,
        FormKind::WaitingPeriod,
    ];

    /// The calculator's id in option ids and URLs (`/v1/calc/late-fee`).
    pub fn id(self) -> &'static str {
        match self {
            FormKind::Contribution => "contribution",
            FormKind::LateFee => "late-fee",
            FormKind::RetireeTopup => "retiree-topup",
            FormKind::WaitingPeriod => "waiting-period",
        }
    }

    /// The calculator with this id.
    pub fn from_id(id: &str) -> Option<FormKind> {
        FormKind::ALL.into_iter().find(|f| f.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            FormKind::Contribution => "补缴金额测算",
            FormKind::LateFee => "滞纳金测算",
            FormKind::RetireeTopup => "退休医保补缴测算",
            FormKind::WaitingPeriod => "待遇等待期测算",
        }
    }
}

/// Conversation commands that do not depend on the knowledge base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Cancel,
    Reset,
    Greeting,
    Help,
    Thanks,
    Human,
    /// "好的", "知道了": an acknowledgement with nothing to answer.
    Ack,
}

fn short(text: &str, max_chars: usize) -> bool {
    text.chars().filter(|c| !c.is_whitespace()).count() <= max_chars
}

fn any<W: AsRef<str>>(text: &str, words: &[W]) -> bool {
    words.iter().any(|w| text.contains(w.as_ref()))
}

/// A command, if the (normalised) message is one. Commands are short messages; a long sentence that
/// happens to contain "取消" ("取消灵活就业参保怎么办") is a question, not a command.
pub fn command(text: &str) -> Option<Command> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let c = &vocabulary().commands;
    if short(t, 8) && any(t, &c.reset) {
        return Some(Command::Reset);
    }
    if short(t, 6) && any(t, &c.cancel) {
        return Some(Command::Cancel);
    }
    if short(t, 10) && any(t, &c.human) {
        return Some(Command::Human);
    }
    if short(t, 12) && any(t, &c.help) {
        return Some(Command::Help);
    }
    if short(t, 6) && any(t, &c.thanks) {
        return Some(Command::Thanks);
    }
    let bare: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if c.ack.contains(&bare) {
        return Some(Command::Ack);
    }
    if short(t, 6) && any(t, &c.greeting) {
        return Some(Command::Greeting);
    }
    None
}

/// "补缴养老保险大概要多少钱": a rough figure asked in general, not a request to compute one
/// case (no "帮我算"): answered with the formula, an example and the offer to calculate.
pub fn rough_cost_question(text: &str) -> bool {
    let k = &vocabulary().calculation;
    any(text, &k.rough_cost) && !any(text, &k.ask_to_compute)
}

/// "怎么算", "如何计算", "计算公式": the method is asked, not a figure.
fn asks_for_method(text: &str) -> bool {
    any(text, &vocabulary().calculation.method)
}

/// A calculation the message asks for, if any. `previous` is the form the conversation is in or
/// last finished, so "那滞纳金呢？" after a back-payment result is understood as a follow-up.
pub fn calculation(text: &str, ex: &Extraction, previous: Option<FormKind>) -> Option<FormKind> {
    let s = &ex.slots;
    let calc_words = any(text, &vocabulary().calculation.calc_words);
    let numbers = count_numbers(s);
    if text.contains("滞纳金") {
        let follow_up = previous.is_some() && short(text, 12) && any(text, &["呢", "那", "还有"]);
        // "一天收多少" asks for the rate, not a calculation: days alone need a calculation word.
        let dated = (s.days.is_some() || s.from.is_some()) && calc_words;
        // "我想算滞纳金" / "帮我算一下滞纳金": a request to compute, even before any number;
        // "滞纳金怎么算" asks for the rule and stays a question.
        let asks_to_compute =
            any(text, &vocabulary().calculation.ask_to_compute) && !asks_for_method(text);
        // "欠了1万社保，滞纳金会超过本金吗": a yes/no question about the rule, even with an amount.
        let amount_case = s.amount.is_some() && (calc_words || !yes_no(text));
        if follow_up || amount_case || dated || asks_to_compute {
            return Some(FormKind::LateFee);
        }
        return None;
    }
    // "交够15年每个月能领多少钱", "单位不缴社保会被罚多少钱": a figure none of the calculators
    // computes; the message asks about a rule.
    let k = &vocabulary().calculation;
    if any(text, &k.not_cost) && !any(text, &k.ask_to_compute) {
        return None;
    }
    let medical =
        s.insurance == Some(crate::calc::Insurance::Medical) || any(text, &["医保", "医疗"]);
    let years_known = s.paid_years.is_some() || s.years.is_some() || s.missing_years.is_some();
    // "算一下退休医保补多少钱": money asked even before the years; "退休医保要交多少年" asks the rule.
    let money_asked = any(
        text,
        &[
            "多少钱",
            "补多少",
            "要多少",
            "一共",
            "总共",
            "多少元",
            "多少块",
        ],
    ) && !asks_for_method(text)
        && !any(text, &["多少年", "几年"]);
    if text.contains("退休")
        && medical
        && ((years_known && (calc_words || any(text, &["补", "差", "不够", "不足"])))
            || money_asked)
    {
        return Some(FormKind::RetireeTopup);
    }
    let waiting_words = any(
        text,
        &[
            "等待期",
            "等多久",
            "多久能报",
            "多久才能报",
            "什么时候能报",
            "啥时候能报",
            "何时能报",
            "多久可以报",
            "什么时候恢复",
            "多久恢复",
            "啥时候恢复",
            "什么时候可以报",
            "要等几个月",
            "等几个月",
            "什么时候能用",
            "多久能用",
            "什么时候可以用",
            "多久可以用",
            "什么时候生效",
            "多久生效",
            "多久可以报",
            "多长时间能报",
            "多长时间可以报",
        ],
    );
    let gap_given =
        s.gap_years.is_some() || s.days.is_some() || s.months.is_some() || s.from.is_some();
    // "断了三年多": an inexact gap is still a gap to ask about exactly.
    let gap_tried = ex.problems.iter().any(|p| {
        matches!(
            p.slot,
            SlotName::GapYears | SlotName::Months | SlotName::Days | SlotName::From
        )
    });
    if waiting_words
        && (gap_given || gap_tried || any(text, &vocabulary().calculation.ask_to_compute))
    {
        return Some(FormKind::WaitingPeriod);
    }
    // "养老保险计算器", "我要算补缴医保的钱", "算一下医保", "退休医保计算器": a request to compute
    // that names only the insurance starts its form; the form asks for what it needs.
    if any(text, &vocabulary().calculation.ask_to_compute)
        && !asks_for_method(text)
        && !yes_no(text)
    {
        if text.contains("退休") && medical {
            return Some(FormKind::RetireeTopup);
        }
        if any(
            text,
            &[
                "养老",
                "医保",
                "医疗保险",
                "社保",
                "补缴",
                "补交",
                "保险费",
                "社保费",
            ],
        ) {
            return Some(FormKind::Contribution);
        }
    }
    if (s.base.is_some() || s.rate.is_some() || s.months.is_some()) && (calc_words || numbers >= 2)
    {
        return Some(FormKind::Contribution);
    }
    // "我想算一下补缴养老保险要多少钱": a calculation request even before any number is given.
    let pays = any(
        text,
        &[
            "补缴",
            "补交",
            "交社保",
            "交养老",
            "交医保",
            "缴社保",
            "缴养老",
            "缴医保",
            "补齐",
        ],
    );
    if calc_words
        && pays
        && !any(text, &["怎么算", "如何算", "算法", "公式"])
        && !(numbers == 0 && rough_cost_question(text))
    {
        return Some(FormKind::Contribution);
    }
    if calc_words && pays && numbers >= 1 {
        return Some(FormKind::Contribution);
    }
    // "补缴养老灵活就业基数3000", "养老 灵活就业 6个月": a case being described, not a question
    // about the rules.
    let contribution_value = s.base.is_some()
        || s.rate.is_some()
        || s.months.is_some()
        || (pays_back(text) && s.repaid_years.is_some());
    let described = pays_back(text) || (s.insurance.is_some() && s.category.is_some());
    if described && contribution_value && !looks_like_question(text) {
        return Some(FormKind::Contribution);
    }
    None
}

/// A calculation `form` was recognised, but the message asks about the rule rather than for this
/// case's figure: a yes/no or either/or question ("…吗", "是不是…", "还能报不", "是一次补还是按月
/// 交"), or for a waiting period any question that gives no gap, with no request to compute
/// ("帮我算"), no method asked ("滞纳金怎么算" with an amount is a calculation), no money figure of
/// the case (amount, base, rate) and no money asked for ("要多少钱", "滞纳金多少"). When the form would
/// have to ask for an input first, the rule is answered and the calculation offered instead.
pub fn rule_question(text: &str, form: FormKind, ex: &Extraction) -> bool {
    let k = &vocabulary().calculation;
    let s = &ex.slots;
    // "算利息还是算滞纳金": an alternative, not a request to compute one.
    let unchosen = text.replace("还是算", "还是");
    if any(&unchosen, &k.ask_to_compute)
        || asks_for_method(text)
        || s.amount.is_some()
        || s.base.is_some()
        || s.rate.is_some()
    {
        return false;
    }
    let yes_no = yes_no(text)
        || any(text, &vocabulary().questions.about_rule)
        || text.trim_end().ends_with('不');
    match form {
        FormKind::WaitingPeriod => {
            let gap = s.gap_years.is_some()
                || s.days.is_some()
                || s.months.is_some()
                || s.from.is_some()
                || ex.problems.iter().any(|p| {
                    matches!(
                        p.slot,
                        SlotName::GapYears | SlotName::Months | SlotName::Days | SlotName::From
                    )
                });
            yes_no || (!gap && looks_like_question(text))
        }
        _ => {
            let money_asked = asks_for(text, FormKind::Contribution)
                || text.replace("多少年", "").contains("多少");
            (yes_no || looks_like_question(text)) && !money_asked
        }
    }
}

fn count_numbers(s: &Slots) -> usize {
    [
        s.base.is_some(),
        s.rate.is_some(),
        s.months.is_some(),
        s.amount.is_some(),
        s.days.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count()
}

/// Whether a message reads like a question (so, mid-form, it is a digression to answer).
pub fn looks_like_question(text: &str) -> bool {
    // "好几个月" / "几千块吧" state a vague quantity; they are not questions.
    let text = &text
        .replace("好几", "")
        .replace("十几", "")
        .replace("几十", "");
    any(text, &vocabulary().questions.looks_like)
}

/// Whether a message clearly asks something (a how/why/whether question), beyond merely ending in
/// a particle: "灵活就业怎么参保？" asks; "灵活就业吧" does not.
pub fn asks_something(text: &str) -> bool {
    any(text, &vocabulary().questions.asks)
}

/// "那如果是8个月呢", "要是基数5000呢", "换成医保呢": a variation on the last calculation. A real
/// question ("那医保断交三个月还能报销吗") is not one.
pub fn what_if(text: &str) -> bool {
    let t = text.trim();
    let hypothetical = any(
        t,
        &[
            "如果", "要是", "假如", "假设", "换成", "改成", "改为", "的话",
        ],
    );
    // "那补两年呢", and without the 那: "补交了一年呢" after a waiting-period result.
    let then_what = short(t, 14) && t.trim_end().ends_with('呢');
    (hypothetical || then_what)
        && !any(
            t,
            &[
                "吗",
                "怎么",
                "如何",
                "能不能",
                "可不可以",
                "为什么",
                "什么时候",
                "报销",
            ],
        )
}

/// "帮我算算", "算一下": a calculation asked for without saying which one.
pub fn bare_calc_request(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    short(&t, 8)
        && any(&t, &vocabulary().calculation.ask_to_compute)
        && !any(
            &t,
            &[
                "补缴",
                "补交",
                "滞纳金",
                "退休",
                "等待期",
                "养老",
                "医保",
                "社保",
            ],
        )
}

/// A short reply accepting a calculation just offered: "好的", "可以", "嗯，帮我算一下", "算吧".
pub fn accepts_offer(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let v = vocabulary();
    short(&t, 8)
        && (v.commands.ack.contains(&t)
            || v.calculation.accept_offer.contains(&t)
            || bare_calc_request(&t))
}

fn pays_back(text: &str) -> bool {
    any(
        text,
        &["补缴", "补交", "补齐", "补上", "补养老", "补医保", "补社保"],
    )
}

/// A message that is nothing but a value ("三千五", "9%", "6个月"): without a form in progress
/// nothing says what it is.
pub fn bare_value(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let hotline = t.len() == 5 && (t.starts_with("123") || t.starts_with("95"));
    !hotline
        && short(&t, 10)
        && t.chars()
            .any(|c| c.is_ascii_digit() || "一二两三四五六七八九十百千万半".contains(c))
        && t.chars().all(|c| {
            c.is_ascii_digit()
                || ".,%kw".contains(c)
                || "零〇一二两三四五六七八九十百千万亿点个月天年元块钱半多周岁档百分之左右大概约"
                    .contains(c)
        })
}

/// Whether the message names the calculation `form` itself (滞纳金, 退休…医保, 等待期/多久能报,
/// 补缴): only then does a request in the middle of another form switch to it. "本金5万，欠了3个月"
/// while a late fee is being asked about has the shape of a back-payment but names none.
pub fn names_form(text: &str, form: FormKind) -> bool {
    match form {
        FormKind::LateFee => text.contains("滞纳金"),
        FormKind::RetireeTopup => text.contains("退休"),
        FormKind::WaitingPeriod => any(
            text,
            &["等待期", "多久", "什么时候", "啥时候", "何时", "等几个月"],
        ),
        FormKind::Contribution => pays_back(text) || any(text, &["交多少", "缴多少"]),
    }
}

/// Whether the message asks for the calculation `form` in so many words: [`names_form`], except
/// that a back-payment needs a word of money — 补缴 alone is everyone's vocabulary (paying for
/// missed years also shortens a waiting period).
pub fn asks_for(text: &str, form: FormKind) -> bool {
    match form {
        FormKind::Contribution => any(
            text,
            &[
                "多少钱",
                "交多少",
                "缴多少",
                "补多少",
                "要多少",
                "金额",
                "费用",
                "花多少",
            ],
        ),
        f => names_form(text, f),
    }
}

/// A yes/no question ("…吗", "会不会…"): asks about a rule rather than for a figure.
fn yes_no(text: &str) -> bool {
    any(
        text,
        &[
            "吗",
            "会不会",
            "是不是",
            "能不能",
            "有没有",
            "要不要",
            "可不可以",
        ],
    )
}

/// A short follow-up that leans on the conversation so far: "那要等多久", "那滞纳金呢".
pub fn follow_up(text: &str) -> bool {
    let t = text.trim();
    short(t, 12) && (t.starts_with('那') || t.ends_with('呢'))
}

/// The place a message names when it names nothing else ("北京", "那天津呢", "我在上海"): a
/// follow-up asking for the local version of the last answer.
pub fn place_only(text: &str, regions: &super::regions::RegionTable) -> Option<String> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !short(&t, 14) {
        return None;
    }
    let found = regions.find_all(&t);
    let first = found.first()?;
    if found.iter().any(|m| m.canonical != first.canonical) {
        return None;
    }
    let mut rest = t.clone();
    for m in found.iter().rev() {
        rest.replace_range(m.range.clone(), " ");
    }
    for w in &vocabulary().follow_up.place_filler {
        rest = rest.replace(w, " ");
    }
    rest.trim()
        .is_empty()
        .then(|| regions.find_in(&t).map(|m| m.canonical))
        .flatten()
}

/// The year a message names when it names nothing else ("2024年的呢", "那2025年度呢").
pub fn year_only(text: &str) -> Option<i32> {
    let mut rest: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !short(&rest, 12) {
        return None;
    }
    for w in ["年度", "年"].into_iter().chain(
        vocabulary()
            .follow_up
            .place_filler
            .iter()
            .map(String::as_str),
    ) {
        rest = rest.replace(w, "");
    }
    (rest.len() == 4 && rest.chars().all(|c| c.is_ascii_digit()))
        .then(|| rest.parse().ok())
        .flatten()
        .filter(|y| (2000..=2100).contains(y))
}

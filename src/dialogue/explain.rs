//! Answers the engine gives itself before offering a calculation: "how many years am I short"
//! (answered in years and months, then the cost calculation offered) and "how is X calculated"
//! (the formula, a worked example and the offer) — a question that can be answered is answered,
//! not met with a slot prompt. A rule that depends on the city gets the national frame, the
//! cities the policy tables know and an invitation to name theirs, never a bare "which city?".
//! Not: calculations themselves (`calc`), nor questions the knowledge base answers.

use super::intent::FormKind;
use super::slots::Slots;
use crate::answer::{Reply, ReplyKind, ReplyOption, SourceRef};
use crate::calc::{Gender, PolicySet};
use rust_decimal::Decimal;

/// "还差几年", "还要交几年", "年限够不够": the citizen asks how many years they are short.
pub fn asks_years_short(text: &str) -> bool {
    [
        "差几年",
        "差多少年",
        "缺几年",
        "缺多少年",
        "少几年",
        "还要交几年",
        "还要缴几年",
        "还需要交几年",
        "还需交几年",
        "还得交几年",
        "再交几年",
        "还要交多少年",
        "还得交多少年",
        "够不够",
        "够年限吗",
        "够了吗",
        "满了吗",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// The topic entries a years-short answer cites, and the words that say which insurance it was
/// about: a city named after it answers the same question for that city.
pub fn years_short_subject(topic: &str) -> Option<&'static str> {
    match topic {
        "retiree-required-years-national" => Some("医保差几年"),
        _ => None,
    }
}

/// The year of retirement a message names ("2035年退休"), if any.
fn retirement_year(text: &str) -> Option<i32> {
    let chars: Vec<char> = text.chars().collect();
    for i in 0..chars.len().saturating_sub(3) {
        let digits: String = chars[i..i + 4].iter().collect();
        let Ok(y) = digits.parse::<i32>() else {
            continue;
        };
        if !(2000..=2100).contains(&y) || !digits.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let after: String = chars[i + 4..].iter().take(5).collect();
        if after.contains("退休") {
            return Some(y);
        }
    }
    None
}

/// The minimum years of pension contributions for a monthly pension when retiring in `year`:
/// 15 until 2029, then six months more each year to 20 from 2039 (the 2024 decision on the
/// gradual raising of the retirement age).
pub fn pension_min_years(year: Option<i32>) -> Decimal {
    let base = Decimal::from(15);
    match year {
        Some(y) if y >= 2030 => {
            (base + Decimal::new(5, 1) * Decimal::from(y - 2029)).min(Decimal::from(20))
        }
        _ => base,
    }
}

fn years_and_months(y: Decimal) -> String {
    let months = (y * Decimal::from(12)).ceil();
    format!("{} 年（{} 个月）", y.normalize(), months.normalize())
}

fn source(id: &str, title: &str) -> SourceRef {
    SourceRef {
        id: id.to_string(),
        title: title.to_string(),
        score: 1.0,
    }
}

/// The answer to "how many years am I short", when the years paid are known. Returns the reply
/// and the years missing (kept for the calculation it offers).
pub fn years_short(
    text: &str,
    slots: &Slots,
    policies: Option<&PolicySet>,
) -> Option<(Reply, Option<Decimal>)> {
    let paid = slots.paid_years.or(slots.years)?;
    let medical = text.contains("医保") || text.contains("医疗");
    if !medical {
        let year = retirement_year(text);
        let required = pension_min_years(year);
        let when = match year {
            Some(y) if y >= 2030 => format!(
                "{y}年退休的，按月领养老金最低要累计缴费满 {} 年",
                required.normalize()
            ),
            Some(y) => format!("{y}年退休的，按月领养老金最低要累计缴费满 15 年"),
            None => "2030年以前退休的，按月领养老金最低要累计缴费满 15 年".to_string(),
        };
        let missing = (required - paid).max(Decimal::ZERO);
        let mut text = if missing.is_zero() {
            format!("已经够了：{when}，您已缴 {} 年。", paid.normalize())
        } else {
            format!(
                "还差 {}：{when}，您已缴 {} 年。",
                years_and_months(missing),
                paid.normalize()
            )
        };
        if year.is_none() {
            text.push_str("\n从2030年起，最低缴费年限每年提高6个月，到2039年为20年（例如2035年退休的要满18年）；告诉我您哪年退休，我按那一年算。");
        }
        text.push_str("\n不足的可以延长缴费，或按规定一次性缴费补足。\n依据：《中华人民共和国社会保险法》第十六条；全国人大常委会关于实施渐进式延迟法定退休年龄的决定（2024年）。");
        let mut r = Reply::new(ReplyKind::Answer, text);
        r.sources = vec![source("pension-min-years-2030", "养老保险最低缴费年限")];
        if !missing.is_zero() {
            r.text
                .push_str("\n需要的话，我可以帮您算一算补缴这些年大概要交多少钱。");
            r.options = vec![ReplyOption::calc(
                FormKind::Contribution.id(),
                format!("算一下补缴{}年要多少钱", missing.normalize()),
            )];
        }
        return Some((r, (!missing.is_zero()).then_some(missing)));
    }
    // Employee medical insurance: the years are local.
    let table = slots
        .region
        .as_deref()
        .and_then(|r| policies?.region(r))
        .and_then(|p| p.retiree_medical.as_ref().map(|t| (p.region.clone(), t)));
    let (text, missing) = match table {
        Some((place, t)) if !t.gendered() || slots.gender.is_some() => {
            let required = Decimal::from(t.years_for(slots.gender.unwrap_or(Gender::Male)));
            let missing = (required - paid).max(Decimal::ZERO);
            let head = if missing.is_zero() {
                format!("已经够了：{place}退休时职工医保要累计缴费满 {} 年，您已缴 {} 年。", required.normalize(), paid.normalize())
            } else {
                format!(
                    "还差 {}：{place}退休时职工医保要累计缴费满 {} 年，您已缴 {} 年。",
                    years_and_months(missing),
                    required.normalize(),
                    paid.normalize()
                )
            };
            let note = t.note.clone().map(|n| format!("\n{n}")).unwrap_or_default();
            (format!("{head}{note}\n依据：{}。", t.cite.title.as_deref().unwrap_or("当地规定")), (!missing.is_zero()).then_some(missing))
        }
        Some((place, t)) => {
            let m = (Decimal::from(t.male_years) - paid).max(Decimal::ZERO);
            let f = (Decimal::from(t.female_years) - paid).max(Decimal::ZERO);
            (
                format!(
                    "{place}退休时职工医保要累计缴费男满 {} 年、女满 {} 年；您已缴 {} 年，男性还差 {}，女性还差 {}。告诉我您的性别，我按您的情况算补缴金额。\n依据：{}。",
                    t.male_years,
                    t.female_years,
                    paid.normalize(),
                    years_and_months(m),
                    years_and_months(f),
                    t.cite.title.as_deref().unwrap_or("当地规定")
                ),
                None,
            )
        }
        None => (
            format!(
                "职工医保退休时要缴满多少年，国家没有统一规定，由各地定（《中华人民共和国社会保险法》第二十七条），所以还差几年要看您在哪个城市参保。{}\n告诉我您的参保城市，我按当地规定算出还差几年。",
                known_retiree_years(policies)
            ),
            None,
        ),
    };
    let mut r = Reply::new(ReplyKind::Answer, text);
    r.sources = vec![source(
        "retiree-required-years-national",
        "退休时职工医保要缴满多少年",
    )];
    r.options = vec![ReplyOption::calc(
        FormKind::RetireeTopup.id(),
        "算一下退休医保补缴多少钱",
    )];
    Some((r, missing))
}

/// "我已收录的城市：北京 男25年、女20年；…" from the policy tables.
pub fn known_retiree_years(policies: Option<&PolicySet>) -> String {
    let Some(p) = policies else {
        return String::new();
    };
    let known: Vec<String> = p
        .regions()
        .iter()
        .filter_map(|n| {
            let t = p.region(n.name)?.retiree_medical.as_ref()?;
            Some(if t.gendered() {
                format!("{} 男{}年、女{}年", n.name, t.male_years, t.female_years)
            } else {
                format!("{} {}年", n.name, t.male_years)
            })
        })
        .collect();
    if known.is_empty() {
        String::new()
    } else {
        format!("我已收录的城市规定：{}。", known.join("；"))
    }
}

/// "我已收录这些地区的政策数据：北京、上海…" from the policy tables, with what to do elsewhere.
pub fn known_places(policies: &PolicySet) -> String {
    let names: Vec<&str> = policies.regions().iter().map(|n| n.name).collect();
    if names.is_empty() {
        return String::new();
    }
    format!(
        "我已收录这些地区的政策数据：{}；其他地区也可以直接告诉我缴费基数和比例。",
        names.join("、")
    )
}

/// "补缴养老保险怎么算", "滞纳金怎么计算", "等待期怎么算": the calculation asked about, when the
/// message is short and asks for the method of one of ours.
pub fn method_asked(text: &str) -> Option<FormKind> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if t.chars().count() > 16 {
        return None;
    }
    let method = [
        "怎么算",
        "如何算",
        "怎么计算",
        "如何计算",
        "计算公式",
        "计算方法",
        "咋算",
    ]
    .iter()
    .any(|w| t.contains(w))
        || (super::intent::rough_cost_question(&t) && !t.chars().any(|c| c.is_ascii_digit()));
    if !method {
        return None;
    }
    // Something narrower than the calculation itself ("利息怎么算", "基数怎么算", "年限怎么算")
    // is a question for the knowledge base.
    if [
        "利息",
        "基数",
        "年限",
        "养老金",
        "待遇",
        "日期",
        "天数",
        "工资",
        "比例",
    ]
    .iter()
    .any(|w| t.contains(w))
    {
        return None;
    }
    if t.contains("滞纳金") {
        Some(FormKind::LateFee)
    } else if t.contains("等待期") {
        Some(FormKind::WaitingPeriod)
    } else if t.contains("退休") && (t.contains("医保") || t.contains("医疗")) {
        Some(FormKind::RetireeTopup)
    } else if ["补缴", "补交", "补社保", "补养老", "补医保"]
        .iter()
        .any(|w| t.contains(w))
    {
        Some(FormKind::Contribution)
    } else {
        None
    }
}

/// The formula of a calculation, a worked example and the offer to calculate the citizen's case.
pub fn method(form: FormKind, policies: Option<&PolicySet>) -> Reply {
    let (text, src) = match form {
        FormKind::Contribution => (
            "补缴金额 = 月缴费基数 × 缴费比例 × 补缴月数（单位职工补缴以前年度的，各地还会按规定加收滞纳金或利息）。\n例：灵活就业人员补缴养老保险，基数 5000 元、比例 20%、补 12 个月：5000 × 20% × 12 = 12000 元。\n灵活就业人员的基数可在本省全口径城镇单位就业人员平均工资的60%至300%之间选（国办发〔2019〕13号），比例和基数上下限以当地规定为准。".to_string(),
            source("flexible-base-choice", "灵活就业缴费基数怎么选"),
        ),
        FormKind::LateFee => (
            "滞纳金 = 欠缴金额 × 0.05% × 欠缴天数，按日计算、不计复利（《中华人民共和国社会保险法》第八十六条）。\n例：欠缴 10000 元，晚了 30 天：10000 × 0.05% × 30 = 150 元。\n几个月的欠费，每个月从各自的欠缴之日起分别计算再相加。".to_string(),
            source("latefee-formula-example", "滞纳金怎么算"),
        ),
        FormKind::RetireeTopup => (
            format!(
                "退休医保补缴 = 还差的月数 × 补缴基数 × 补缴比例；还差的月数 =（当地规定年限 − 已缴年限）× 12。年限、基数和比例都由各地规定，国家没有统一标准（《中华人民共和国社会保险法》第二十七条）。\n例：当地规定 25 年、已缴 20 年，按基数 6000 元、比例 10% 补：5 × 12 × 6000 × 10% = 36000 元（数字仅为示例）。\n{}",
                known_retiree_years(policies)
            ),
            source("retiree-topup-cost", "退休医保补缴多少钱"),
        ),
        FormKind::WaitingPeriod => (
            "居民医保待遇等待期 = 固定 3 个月 + 断保每满 1 年加 1 个月 − 补缴断保年度每 1 年减 1 个月；连续断保 4 年及以上的，补缴后固定加变动等待期原则上不少于 6 个月（国办发〔2024〕38号）。\n例：断保 2 年、没有补缴：3 + 2 = 5 个月；补缴了 1 年：3 + 2 − 1 = 4 个月。\n新生儿等特殊群体按规定不设等待期。".to_string(),
            source("resident-waiting-variable", "居民医保变动等待期"),
        ),
    };
    let mut r = Reply::new(
        ReplyKind::Answer,
        format!("{text}\n需要的话，告诉我您的情况，我帮您算一算。"),
    );
    r.sources = vec![src];
    r.options = vec![ReplyOption::calc(
        form.id(),
        format!("帮我算一下（{}）", form.label()),
    )];
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pension_minimum_rises_six_months_a_year_from_2030() {
        assert_eq!(pension_min_years(None), Decimal::from(15));
        assert_eq!(pension_min_years(Some(2029)), Decimal::from(15));
        assert_eq!(pension_min_years(Some(2030)), Decimal::new(155, 1));
        assert_eq!(pension_min_years(Some(2035)), Decimal::from(18));
        assert_eq!(pension_min_years(Some(2045)), Decimal::from(20));
    }

    #[test]
    fn retirement_year_is_the_year_before_tui_xiu() {
        assert_eq!(retirement_year("我2035年退休，交了10年"), Some(2035));
        assert_eq!(retirement_year("2020年参保，交了10年"), None);
    }

    #[test]
    fn method_questions_name_one_calculation() {
        assert_eq!(method_asked("滞纳金怎么算"), Some(FormKind::LateFee));
        assert_eq!(
            method_asked("补缴养老保险怎么算"),
            Some(FormKind::Contribution)
        );
        assert_eq!(
            method_asked("医保等待期怎么算"),
            Some(FormKind::WaitingPeriod)
        );
        assert_eq!(
            method_asked("退休医保补缴怎么算"),
            Some(FormKind::RetireeTopup)
        );
        // Narrower questions are the knowledge base's.
        assert_eq!(method_asked("补缴养老保险利息怎么算"), None);
        // A rough figure asked in general gets the method too; a request or a case does not.
        assert_eq!(
            method_asked("补缴养老保险大概要多少钱"),
            Some(FormKind::Contribution)
        );
        assert_eq!(method_asked("帮我算一下补缴养老保险大概要多少钱"), None);
        assert_eq!(method_asked("补缴3年养老保险大概要多少钱"), None);
        assert_eq!(method_asked("缴费基数怎么算"), None);
    }
}

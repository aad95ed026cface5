//! The names of the facts a conversation collects and a calculation needs.
//!
//! A leaf module: the dialogue's slots, the calculators' "missing input" errors and the reply
//! contract (`Reply::slot`) all name a field with this one enum, so no layer maps strings back
//! and forth. It depends on nothing else in the crate.

use serde::{Deserialize, Serialize};

/// The slots the dialogue engine fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotName {
    Insurance,
    Category,
    Region,
    Base,
    Rate,
    Months,
    Amount,
    Days,
    /// Years with no verb saying what they are (the answer to a years question).
    Years,
    /// Years already contributed (交了/缴费/参保 N年).
    PaidYears,
    /// Years still missing to a required total (差/缺 N年).
    MissingYears,
    /// Years without contributions (断了/断缴/欠/没交 N年).
    GapYears,
    /// Years paid afterwards (补了/补缴 N年).
    RepaidYears,
    /// Years a local rule requires (当地要求缴满25年): retiree medical top-ups.
    RequiredYears,
    Gender,
    From,
    To,
}

impl SlotName {
    pub const ALL: [SlotName; 17] = [
        SlotName::Insurance,
        SlotName::Category,
        SlotName::Region,
        SlotName::Base,
        SlotName::Rate,
        SlotName::Months,
        SlotName::Amount,
        SlotName::Days,
        SlotName::Years,
        SlotName::PaidYears,
        SlotName::MissingYears,
        SlotName::GapYears,
        SlotName::RepaidYears,
        SlotName::RequiredYears,
        SlotName::Gender,
        SlotName::From,
        SlotName::To,
    ];

    /// The serde name ("paid_years").
    pub fn as_str(self) -> &'static str {
        match self {
            SlotName::Insurance => "insurance",
            SlotName::Category => "category",
            SlotName::Region => "region",
            SlotName::Base => "base",
            SlotName::Rate => "rate",
            SlotName::Months => "months",
            SlotName::Amount => "amount",
            SlotName::Days => "days",
            SlotName::Years => "years",
            SlotName::PaidYears => "paid_years",
            SlotName::MissingYears => "missing_years",
            SlotName::GapYears => "gap_years",
            SlotName::RepaidYears => "repaid_years",
            SlotName::RequiredYears => "required_years",
            SlotName::Gender => "gender",
            SlotName::From => "from",
            SlotName::To => "to",
        }
    }

    /// The Chinese name of the field, as a citizen would say it ("缴费基数").
    pub fn label(self) -> &'static str {
        match self {
            SlotName::Insurance => "险种（养老还是医疗）",
            SlotName::Category => "参保身份（职工、灵活就业还是城乡居民）",
            SlotName::Region => "参保地区（城市）",
            SlotName::Base => "缴费基数",
            SlotName::Rate => "缴费比例",
            SlotName::Months => "补缴月数",
            SlotName::Amount => "金额",
            SlotName::Days => "天数",
            SlotName::Years => "年数",
            SlotName::PaidYears => "已缴费年数",
            SlotName::MissingYears => "还差的年数",
            SlotName::GapYears => "断缴年数",
            SlotName::RepaidYears => "补缴年数",
            SlotName::RequiredYears => "当地规定的缴费年限",
            SlotName::Gender => "性别",
            SlotName::From => "开始日期",
            SlotName::To => "结束日期",
        }
    }

    /// What to ask for when a value for this slot was not understood.
    pub fn expected(self) -> &'static str {
        match self {
            SlotName::Insurance => "险种：养老保险还是医疗保险",
            SlotName::Category => "参保身份，如 职工、灵活就业、城乡居民、退休人员或单位",
            SlotName::Region => "参保的城市或省份，如 武汉",
            SlotName::Base => "缴费基数，如 3000元，或 最低档、60%档",
            SlotName::Rate => "缴费比例，如 20%",
            SlotName::Months => "月数，如 3个月",
            SlotName::Amount => "金额，如 12000元",
            SlotName::Days => "天数，如 45天",
            SlotName::Years
            | SlotName::PaidYears
            | SlotName::MissingYears
            | SlotName::GapYears
            | SlotName::RepaidYears
            | SlotName::RequiredYears => "年数，如 15年",
            SlotName::Gender => "性别：男或女",
            SlotName::From | SlotName::To => "带年份的日期，如 2024年1月15日",
        }
    }
}

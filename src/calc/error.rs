//! Typed errors of the calculators. Each one carries a Chinese message a citizen can act on, and
//! [`CalcError::slot`] names the dialogue slot to ask again, so the dialogue engine never has to
//! parse the message.
use chrono::NaiveDate;
use thiserror::Error;

pub use crate::field::SlotName;

/// The day the Social Insurance Law took effect; the 0.05%/day late fee applies from here on.
pub fn sil_effective_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2011, 7, 1).expect("valid date")
}

/// Why a calculation could not be done.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalcError {
    /// An input that neither the user nor the policy tables supplied. `field` is a slot name
    /// from [`SLOTS`]; the dialogue engine asks the user for it.
    #[error("还需要知道{}。{hint}", slot_label(field))]
    Missing { field: SlotName, hint: String },

    /// A negative number where only a positive one makes sense.
    #[error(
        "{}不能是负数（您给的是 {value}），请核对后再告诉我。",
        slot_label(field)
    )]
    Negative { field: SlotName, value: String },

    /// Zero where a positive number is required (zero months, zero base, zero amount).
    #[error("{}不能为 0，请告诉我实际的{}。", slot_label(field), slot_label(field))]
    Zero { field: SlotName },

    /// A rate above 100%.
    #[error("费率 {value} 超过了 100%，不可能是社保费率。请核对（例如 20% 可以写成“20%”或“百分之二十”）。")]
    RateTooHigh { value: String },

    /// A base or amount far beyond anything real (e.g. a base above 1,000,000 yuan a month).
    #[error(
        "{}为 {value} 元，明显超出合理范围（{limit}），请核对是否多写了位数。",
        slot_label(field)
    )]
    Absurd {
        field: SlotName,
        value: String,
        limit: String,
    },

    /// A value outside the range a rule allows, with the reason.
    #[error("{}“{value}”不在合理范围内：{reason}", slot_label(field))]
    OutOfRange {
        field: SlotName,
        value: String,
        reason: String,
    },

    /// A start date (or month) after the end date.
    #[error("日期先后颠倒了：开始 {from} 晚于结束 {to}，请核对。")]
    ReversedDates { from: String, to: String },

    /// Late fees for arrears due before 2011-07-01. The calculator refuses: before the Social
    /// Insurance Law the late fee was 0.2%/day under the 1999 interim regulations, and several
    /// provinces still apply their own older schedules to such arrears, so no single figure is right.
    #[error("应缴日期 {due} 早于 2011年7月1日（《社会保险法》施行日）。此前欠缴的滞纳金按《社会保险费征缴暂行条例》为每日千分之二，且不少省份对这类历史欠费另有规定，无法统一计算；请向当地社保经办机构（12333）核实。2011年7月1日以后应缴的部分可以单独算。")]
    BeforeSocialInsuranceLaw { due: NaiveDate },

    /// The region is not in the policy tables.
    #[error("暂未收录“{0}”的政策数据，无法按当地标准计算。您可以直接告诉我缴费基数和费率，或咨询当地社保（12333）/医保（12393）经办机构。")]
    UnknownRegion(String),

    /// Text the input parser could not read.
    #[error("没看懂“{input}”，{expected}")]
    Parse {
        field: SlotName,
        input: String,
        expected: String,
    },

    /// A case the calculators deliberately do not compute (with the reason and where to ask).
    #[error("{0}")]
    Unsupported(String),
}

impl CalcError {
    /// The slot the dialogue engine should ask about again, when there is one.
    pub fn slot(&self) -> Option<SlotName> {
        match self {
            CalcError::Missing { field, .. }
            | CalcError::Negative { field, .. }
            | CalcError::Zero { field }
            | CalcError::Absurd { field, .. }
            | CalcError::OutOfRange { field, .. }
            | CalcError::Parse { field, .. } => Some(*field),
            CalcError::RateTooHigh { .. } => Some(SlotName::Rate),
            CalcError::ReversedDates { .. } => Some(SlotName::From),
            CalcError::BeforeSocialInsuranceLaw { .. } => Some(SlotName::From),
            CalcError::UnknownRegion(_) => Some(SlotName::Region),
            CalcError::Unsupported(_) => None,
        }
    }

    pub(crate) fn missing(field: SlotName, hint: impl Into<String>) -> Self {
        CalcError::Missing {
            field,
            hint: hint.into(),
        }
    }
}

/// The Chinese name of a field, as a citizen would say it.
pub fn slot_label(field: &SlotName) -> &'static str {
    field.label()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_chinese_and_name_the_slot() {
        let e = CalcError::missing(SlotName::Base, "请告诉我每月缴费基数。");
        assert_eq!(e.to_string(), "还需要知道缴费基数。请告诉我每月缴费基数。");
        assert_eq!(e.slot(), Some(SlotName::Base));
        assert_eq!(
            CalcError::Zero {
                field: SlotName::Months
            }
            .to_string(),
            "补缴月数不能为 0，请告诉我实际的补缴月数。"
        );
        assert_eq!(
            CalcError::UnknownRegion("火星".into()).slot(),
            Some(SlotName::Region)
        );
        assert!(CalcError::RateTooHigh {
            value: "120%".into()
        }
        .to_string()
        .contains("超过了 100%"));
        for slot in SlotName::ALL {
            assert!(!slot_label(&slot).is_empty(), "{slot:?}");
        }
    }
}

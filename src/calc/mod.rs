//! The calculation module: exact back-payment amounts (补缴), late fees (滞纳金), retiree medical
//! top-ups and medical waiting periods, each with the basis it was worked out on. The dialogue
//! engine calls these pure functions with what the citizen said and a [`PolicySet`] of regional
//! figures; every answer is a [`CalcResult`] whose total is the exact sum of its lines (money in
//! `rust_decimal`, rounded half-up to the cent once per line), and every missing or wrong input is a
//! [`CalcError`] that names the slot to ask for. Apart from loading the policy files, nothing here
//! does I/O.
pub mod contribution;
pub mod error;
pub mod input;
pub mod late_fee;
pub mod money;
pub mod policy;
pub mod result;
pub mod retiree;
pub mod types;
pub mod waiting;

pub use crate::field::SlotName;
pub use contribution::{contribution, ContributionInput};
pub use error::CalcError;
pub use late_fee::{
    days_late, late_fee, late_fee_schedule, LateFeeInput, LateFeeScheduleInput, ScheduleItem,
};
pub use money::{round_cents, Money};
pub use policy::{PolicyProblem, PolicySet, RegionNames, RegionPolicy};
pub use result::{CalcKind, CalcResult, Detail, InputItem, Line, PolicyRef, SourceRef};
pub use retiree::{retiree_topup, RetireeInput};
pub use types::{BaseSpec, Category, Gender, Insurance, MonthsSpec, YearMonth};
pub use waiting::{waiting_period, WaitingInput};

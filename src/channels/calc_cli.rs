//! `bujiao calc …`: the calculators from the command line. The flags and their reading live in the
//! core ([`crate::calc_api`]), shared with `POST /v1/calc/{kind}`, so the CLI and the HTTP API
//! accept exactly the same inputs.

pub use crate::calc_api::{
    contribution, late_fee, retiree, today, waiting, ContributionArgs, LateFeeArgs, RetireeArgs,
    WaitingArgs,
};

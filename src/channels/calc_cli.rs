//! `bujiao calc …`: the calculators from the command line. The flags and their reading live in the
//! core ([`crate::calc_api`]), shared with `POST /v1/calc/{kind}`, so the CLI, the HTTP API and the
//! chat accept exactly the same inputs: "20%", "0.2" and "百分之二十" mean one thing everywhere, and a
//! month or date without its year ("3月到8月", "1月15号") takes this year in China time.

pub use crate::calc_api::{
    contribution, late_fee, retiree, today, waiting, ContributionArgs, LateFeeArgs, RetireeArgs,
    WaitingArgs,
};

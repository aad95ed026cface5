//! Thin adapters between transports and the core: they translate, they do not decide.
//!
//! `cli` holds the line-oriented loops behind `bujiao ask --jsonl` (kept here, not in `main.rs`, so
//! tests drive them with in-memory readers); `kb_cli` the editors' `kb add/edit/rm/publish/import/
//! export` over `knowledge::edit`; `http` builds the axum router with `fn app(state)`;
//! `telegram` runs the Telegram bot (teloxide) — the only module that knows teloxide types.

pub mod calc_cli;
pub mod cli;
pub mod http;
pub mod kb_cli;
pub mod telegram;

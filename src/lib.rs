//! bujiao (补缴): the library core of a Chinese-language consultation bot for back-payment of social
//! insurance (medical insurance and pension).
//!
//! The core — [`knowledge`], [`text`], [`search`], [`answer`], [`calc`], [`dialogue`], [`session`] —
//! knows nothing about transports. [`channels`] holds the thin adapters (CLI, HTTP) that translate
//! between a transport and the core. See `ARCHITECTURE.md` for the map.

pub mod admin;
pub mod answer;
pub mod bot;
pub mod calc;
pub mod calc_api;
pub mod channels;
pub mod china_time;
pub mod config;
pub mod dialogue;
pub mod error;
pub mod eval;
pub mod field;
pub mod knowledge;
pub mod records;
pub mod search;
pub mod server;
pub mod session;
pub mod text;

pub use error::{Error, Result};

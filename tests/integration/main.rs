//! Integration tests, one binary (faster to link) with a module per area.

mod common;

mod admin;
mod bad_inputs;
mod bot;
mod cli;
mod corpus;
mod dialogue;
mod eval;
mod faults;
mod http;
mod index;
mod kb_answers;
mod text_pipeline;
mod validation;
mod web_api;

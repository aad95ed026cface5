//! Integration tests, one binary (faster to link) with a module per area.

mod common;

mod admin;
mod bad_inputs;
mod bot;
mod browser;
mod calc;
mod cli;
mod corpus;
mod cross_instance;
mod dialogue;
mod eval;
mod faults;
mod fuzz;
mod http;
mod index;
mod kb_answers;
mod kb_edit;
mod records;
mod session;
mod slots_props;
mod slots_table;
mod telegram;
mod text_pipeline;
mod validation;
mod web_api;

//! Integration tests, one binary (faster to link) with a module per area.

mod common;

mod admin;
mod bot;
mod cli;
mod dialogue;
mod eval;
mod http;
mod index;
mod kb_answers;
mod text_pipeline;
mod validation;
mod web_api;

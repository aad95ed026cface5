//! The dialogue layer: slot filling in colloquial Chinese on top of retrieval and the calculators.
//!
//! `numbers` (re-exported from `text`) reads Chinese and Arabic numerals; `regions` knows
//! city and province names with aliases; `slots` turns one message into typed slots; `intent`
//! recognises commands and calculation requests; `engine` runs the conversation, one serde-able
//! `State` per session in a `SessionStore`. Nothing here knows about any transport.

pub mod engine;
pub mod explain;
pub mod intent;
pub mod slots;
pub mod topic;

pub use crate::knowledge::regions;
pub use crate::text::numbers;
pub use engine::{Engine, State, STATE_VERSION};
pub use intent::FormKind;

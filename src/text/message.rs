//! A citizen's message, normalised once.
//!
//! Every stage of a turn reads the message: command and intent rules, slot scanning, the domain
//! check, the scheme check, retrieval. Each used to normalise the raw text again (five times per
//! turn); a [`Message`] carries the raw text (for what normalising drops, such as a question mark)
//! together with its normalised form, made once where the message enters the core.

use super::normalize;

/// The raw text of one message and its normalised form ([`normalize`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    raw: String,
    norm: String,
}

impl Message {
    /// Normalise `raw` (surrounding whitespace trimmed).
    pub fn new(raw: &str) -> Message {
        let raw = raw.trim();
        Message {
            norm: normalize(raw),
            raw: raw.to_string(),
        }
    }

    /// The text as the citizen typed it (trimmed).
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The normalised text: simplified, lowercase, half-width, punctuation as single spaces.
    pub fn norm(&self) -> &str {
        &self.norm
    }

    /// Nothing left after normalising (blank, punctuation or emoji only).
    pub fn is_empty(&self) -> bool {
        self.norm.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::Message;

    #[test]
    fn keeps_raw_and_normalised_forms() {
        let m = Message::new("  醫保斷繳３個月？ ");
        assert_eq!(m.raw(), "醫保斷繳３個月？");
        assert_eq!(m.norm(), super::normalize(m.raw()));
        assert!(!m.is_empty());
        assert!(Message::new(" ？！ ").is_empty());
    }
}

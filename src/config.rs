//! Where bujiao finds its files: CLI flags win over environment variables, which win over defaults.
//!
//! Kept in the library so every channel (CLI, HTTP server, later Telegram) resolves paths the same way.

use std::path::PathBuf;

/// Resolved locations of the knowledge files, the index and mutable data (sessions, logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub knowledge: PathBuf,
    pub index: PathBuf,
    pub data: PathBuf,
}

impl Paths {
    /// Resolve each path: explicit value, else the environment variable, else the default.
    pub fn resolve(
        knowledge: Option<PathBuf>,
        index: Option<PathBuf>,
        data: Option<PathBuf>,
    ) -> Self {
        fn pick(flag: Option<PathBuf>, env: &str, default: &str) -> PathBuf {
            flag.or_else(|| {
                std::env::var_os(env)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .unwrap_or_else(|| PathBuf::from(default))
        }
        Paths {
            knowledge: pick(knowledge, "BUJIAO_KNOWLEDGE_DIR", "./knowledge"),
            index: pick(index, "BUJIAO_INDEX_DIR", "./index"),
            data: pick(data, "BUJIAO_DATA_DIR", "./data"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_default() {
        let p = Paths::resolve(Some("/k".into()), None, None);
        assert_eq!(p.knowledge, PathBuf::from("/k"));
    }
}

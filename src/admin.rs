//! Who may edit the knowledge: the editors' bearer tokens and what each may do.
//!
//! The admin API and the editor pages are off unless tokens are configured — never open by
//! default. Tokens come from `BUJIAO_ADMIN_TOKENS` (`label:token[:ro],…`) or from a file named by
//! `BUJIAO_ADMIN_TOKENS_FILE` (one `label:token[:ro]` per line, `#` comments). The label is what
//! the audit log records as "who"; a token never reaches a log. A presented token is compared with
//! every configured one in constant time (over SHA-256 digests, so neither the content nor the
//! length of a token leaks through timing). Kept free of HTTP types: the HTTP layer maps
//! [`AuthError`] to 401/403.

use sha2::{Digest, Sha256};
use std::path::Path;
use subtle::ConstantTimeEq;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read entries, previews, the unanswered queue, stats and the audit log.
    ReadOnly,
    /// Everything, including edits, publishing, reverts and resolving unanswered questions.
    Editor,
}

/// The editor a request was authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's label (recorded in the audit log).
    pub label: String,
    pub role: Role,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer …` header, or a token nobody configured (401).
    #[error("a valid admin token is required (Authorization: Bearer <token>)")]
    Unauthenticated,
    /// A read-only token on a write (403).
    #[error("token {0:?} is read-only")]
    Forbidden(String),
}

struct Token {
    label: String,
    digest: [u8; 32],
    role: Role,
}

/// The configured tokens. Empty = the admin API is off.
#[derive(Default)]
pub struct AdminTokens {
    tokens: Vec<Token>,
}

impl std::fmt::Debug for AdminTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let labels: Vec<&str> = self.tokens.iter().map(|t| t.label.as_str()).collect();
        f.debug_struct("AdminTokens")
            .field("labels", &labels)
            .finish()
    }
}

/// Shortest accepted token: a guessable token is worse than none.
pub const MIN_TOKEN_CHARS: usize = 16;

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl AdminTokens {
    /// No tokens: the admin API is off.
    pub fn none() -> Self {
        AdminTokens::default()
    }

    /// Parse `label:token[:ro]` items separated by commas or newlines (`#` starts a comment).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut tokens: Vec<Token> = Vec::new();
        for (n, item) in spec
            .split([',', '\n'])
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
        {
            let mut parts = item.split(':');
            let (Some(label), Some(token)) = (parts.next(), parts.next()) else {
                return Err(format!(
                    "admin token #{}: expected label:token[:ro], got a value without ':'",
                    n + 1
                ));
            };
            let role = match parts.next() {
                None | Some("rw") => Role::Editor,
                Some("ro") => Role::ReadOnly,
                Some(other) => {
                    return Err(format!(
                        "admin token {label:?}: unknown role {other:?} (use ro or rw)"
                    ))
                }
            };
            if parts.next().is_some() {
                return Err(format!("admin token {label:?}: too many ':' parts"));
            }
            let label = label.trim();
            if label.is_empty()
                || !label
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
            {
                return Err(format!(
                    "admin token #{}: the label must be letters, digits, - _ . @",
                    n + 1
                ));
            }
            if token.chars().count() < MIN_TOKEN_CHARS {
                return Err(format!(
                    "admin token {label:?}: tokens need at least {MIN_TOKEN_CHARS} characters"
                ));
            }
            if tokens.iter().any(|t| t.label == label) {
                return Err(format!("admin token {label:?}: label used twice"));
            }
            tokens.push(Token {
                label: label.to_string(),
                digest: digest(token),
                role,
            });
        }
        Ok(AdminTokens { tokens })
    }

    /// From `BUJIAO_ADMIN_TOKENS`, else the file `BUJIAO_ADMIN_TOKENS_FILE`, else none.
    pub fn from_env() -> Result<Self, String> {
        if let Ok(spec) = std::env::var("BUJIAO_ADMIN_TOKENS") {
            if !spec.trim().is_empty() {
                return Self::parse(&spec);
            }
        }
        match std::env::var_os("BUJIAO_ADMIN_TOKENS_FILE") {
            Some(path) if !path.is_empty() => Self::from_file(Path::new(&path)),
            _ => Ok(Self::none()),
        }
    }

    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read admin tokens from {}: {e}", path.display()))?;
        Self::parse(&text)
    }

    /// Whether the admin API is on.
    pub fn enabled(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// Labels of the configured tokens (for the start-up log; never the tokens).
    pub fn labels(&self) -> Vec<&str> {
        self.tokens.iter().map(|t| t.label.as_str()).collect()
    }

    /// Who presents `authorization` (the header's value), for an operation needing `need`.
    pub fn authorize(
        &self,
        authorization: Option<&str>,
        need: Role,
    ) -> Result<Principal, AuthError> {
        let presented = authorization
            .and_then(|h| {
                let (scheme, rest) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Unauthenticated)?;
        let d = digest(presented);
        // Look at every token, without stopping at the first match.
        let mut found: Option<&Token> = None;
        for t in &self.tokens {
            if bool::from(t.digest.ct_eq(&d)) {
                found = Some(t);
            }
        }
        let t = found.ok_or(AuthError::Unauthenticated)?;
        if t.role < need {
            return Err(AuthError::Forbidden(t.label.clone()));
        }
        Ok(Principal {
            label: t.label.clone(),
            role: t.role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "alice-0123456789abcdef";
    const B: &str = "bob-0123456789abcdef00";

    fn tokens() -> AdminTokens {
        AdminTokens::parse(&format!("alice:{A}, bob:{B}:ro")).unwrap()
    }

    #[test]
    fn editor_and_read_only() {
        let t = tokens();
        let p = t
            .authorize(Some(&format!("Bearer {A}")), Role::Editor)
            .unwrap();
        assert_eq!(p.label, "alice");
        let p = t
            .authorize(Some(&format!("bearer {B}")), Role::ReadOnly)
            .unwrap();
        assert_eq!((p.label.as_str(), p.role), ("bob", Role::ReadOnly));
        assert_eq!(
            t.authorize(Some(&format!("Bearer {B}")), Role::Editor),
            Err(AuthError::Forbidden("bob".into()))
        );
    }

    #[test]
    fn missing_wrong_or_malformed() {
        let t = tokens();
        for h in [
            None,
            Some(""),
            Some("Bearer "),
            Some("Basic YWxpY2U6eA=="),
            Some("Bearer alice-0123456789abcdeX"),
            Some(A),
        ] {
            assert_eq!(
                t.authorize(h, Role::ReadOnly),
                Err(AuthError::Unauthenticated),
                "{h:?}"
            );
        }
    }

    #[test]
    fn none_configured_is_off_and_refuses_everything() {
        let t = AdminTokens::parse(" # nobody\n").unwrap();
        assert!(!t.enabled());
        assert_eq!(
            t.authorize(Some(&format!("Bearer {A}")), Role::ReadOnly),
            Err(AuthError::Unauthenticated)
        );
    }

    #[test]
    fn bad_specs_are_errors() {
        for spec in [
            "alice",
            "alice:short",
            ":0123456789abcdef0",
            &format!("a:{A}:admin"),
            &format!("a:{A},a:{B}"),
            &format!("a b:{A}"),
        ] {
            assert!(AdminTokens::parse(spec).is_err(), "{spec}");
        }
    }

    #[test]
    fn debug_never_prints_tokens() {
        let s = format!("{:?}", tokens());
        assert!(!s.contains(A) && s.contains("alice"));
    }
}

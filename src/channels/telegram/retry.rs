//! Retries for Bot API calls.
//!
//! teloxide sends a request once: a flood-control answer (HTTP 429) comes back as
//! `RequestError::RetryAfter`, a server error as `RequestError::Api(ApiError::Unknown(..))` (or
//! `InvalidJson` when a proxy answered with an HTML page), a dropped connection or a timeout as
//! `RequestError::Network`. [`with_retry`] retries those with exponential backoff, waits what a
//! 429 asks, and gives up on everything else (a blocked bot, a bad request): repeating those only
//! repeats the error. (`Throttle` already retries a 429 it sees itself; the loop here covers the
//! rest and calls made without `Throttle`.)

use std::future::Future;
use std::time::Duration;
use teloxide::{ApiError, RequestError};

/// How often and how patiently a call is retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Delay before the second attempt; doubled each time, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A 429's `retry_after` is waited in full but never longer than this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// What to do after an error.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Try again after the backoff.
    Backoff,
    /// Do not try again.
    GiveUp,
}

/// Whether an error is worth another attempt.
pub fn classify(err: &RequestError) -> Verdict {
    match err {
        RequestError::RetryAfter(secs) => Verdict::RetryAfter(secs.duration()),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Verdict::Backoff
        }
        RequestError::Api(ApiError::Unknown(desc)) if is_server_error(desc) => Verdict::Backoff,
        _ => Verdict::GiveUp,
    }
}

/// The descriptions the Bot API gives with a 5xx (`{"ok":false,"error_code":500,...}`).
fn is_server_error(desc: &str) -> bool {
    let d = desc.to_ascii_lowercase();
    [
        "internal server error",
        "bad gateway",
        "service unavailable",
        "gateway timeout",
        "gateway time-out",
        "internal error",
    ]
    .iter()
    .any(|w| d.contains(w))
        || d.starts_with('5')
}

/// Runs `call` until it succeeds, fails for good, or the attempts are used up; returns the last
/// error then. `what` names the call in the log.
pub async fn with_retry<T, F, Fut>(
    policy: &RetryPolicy,
    what: &'static str,
    mut call: F,
) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut delay = policy.base_delay;
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let wait = match classify(&e) {
                    _ if attempt >= policy.attempts => None,
                    Verdict::GiveUp => None,
                    Verdict::RetryAfter(d) => Some(d.min(policy.max_retry_after)),
                    Verdict::Backoff => {
                        let d = delay;
                        delay = (delay * 2).min(policy.max_delay);
                        Some(d)
                    }
                };
                let Some(wait) = wait else {
                    return Err(e);
                };
                tracing::warn!(
                    call = what,
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    error = %e,
                    "telegram call failed; retrying"
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use teloxide::types::Seconds;

    fn fast() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
            max_retry_after: Duration::from_millis(5),
        }
    }

    #[test]
    fn classifies_errors() {
        assert_eq!(
            classify(&RequestError::RetryAfter(Seconds::from_seconds(3))),
            Verdict::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::Unknown(
                "Internal Server Error".into()
            ))),
            Verdict::Backoff
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::BotBlocked)),
            Verdict::GiveUp
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::Unknown(
                "Bad Request: something new".into()
            ))),
            Verdict::GiveUp
        );
    }

    #[tokio::test]
    async fn retries_server_errors_then_succeeds() {
        let n = AtomicU32::new(0);
        let r = with_retry(&fast(), "test", || async {
            match n.fetch_add(1, Ordering::SeqCst) {
                0 => Err(RequestError::Api(ApiError::Unknown(
                    "Internal Server Error".into(),
                ))),
                1 => Err(RequestError::RetryAfter(Seconds::from_seconds(1))),
                _ => Ok(7),
            }
        })
        .await;
        assert_eq!(r.unwrap(), 7);
        assert_eq!(n.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn gives_up_on_permanent_errors_and_after_the_attempts() {
        let n = AtomicU32::new(0);
        let r: Result<(), _> = with_retry(&fast(), "test", || async {
            n.fetch_add(1, Ordering::SeqCst);
            Err(RequestError::Api(ApiError::BotBlocked))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(n.load(Ordering::SeqCst), 1);
        let n = AtomicU32::new(0);
        let r: Result<(), _> = with_retry(&fast(), "test", || async {
            n.fetch_add(1, Ordering::SeqCst);
            Err(RequestError::Api(ApiError::Unknown("Bad Gateway".into())))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(n.load(Ordering::SeqCst), 4);
    }
}

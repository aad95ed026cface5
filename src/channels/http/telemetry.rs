//! `GET /metrics` in the Prometheus text format, and what feeds it: requests by route and status,
//! latency histograms per route, replies by kind, fallbacks, active web sessions, the index in use
//! and reloads.
//!
//! The `metrics` facade has one global recorder per process; it is installed on first use and
//! shared by every router the process builds (tests build many).

use crate::answer::{Reply, ReplyKind};
use crate::bot::Bot;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// Latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The process's recorder handle (None when another recorder was installed first).
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let built = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("_seconds".into()),
                    &LATENCY_BUCKETS,
                )
                .and_then(|b| b.install_recorder());
            match built {
                Ok(h) => Some(h),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed; /metrics stays empty");
                    None
                }
            }
        })
        .as_ref()
}

/// Middleware: count every request by route template, method and status, and time it.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("bujiao_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("bujiao_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}

/// Count a reply by kind (and fallbacks on their own).
pub fn reply(reply: &Reply) {
    let kind = match reply.kind {
        ReplyKind::Answer => "answer",
        ReplyKind::Clarify => "clarify",
        ReplyKind::Fallback => "fallback",
        ReplyKind::Error => "error",
        ReplyKind::Ask => "ask",
        ReplyKind::Result => "result",
        ReplyKind::Info => "info",
    };
    metrics::counter!("bujiao_replies_total", "kind" => kind).increment(1);
    if reply.kind == ReplyKind::Fallback {
        metrics::counter!("bujiao_fallbacks_total").increment(1);
    }
}

fn sessions() -> &'static Mutex<HashMap<String, Instant>> {
    static SEEN: OnceLock<Mutex<HashMap<String, Instant>>> = OnceLock::new();
    SEEN.get_or_init(Default::default)
}

/// A web session spoke (kept as its hash; counted as active for the session TTL).
pub fn session(id: &str) {
    let mut seen = sessions().lock().unwrap_or_else(PoisonError::into_inner);
    if seen.len() >= MAX_TRACKED_SESSIONS {
        // Never scraped for a while: forget the idle ones so the map stays bounded.
        let ttl = crate::session::DEFAULT_TTL;
        seen.retain(|_, at| at.elapsed() < ttl);
        if seen.len() >= MAX_TRACKED_SESSIONS {
            seen.clear();
        }
    }
    seen.insert(crate::bot::log_id(id), Instant::now());
}

/// Most sessions remembered for the `bujiao_sessions_active` gauge.
const MAX_TRACKED_SESSIONS: usize = 100_000;

/// The text exposition, with the gauges read from the bot now.
pub fn render(bot: &Bot, ttl: Duration) -> String {
    let Some(handle) = handle() else {
        return String::new();
    };
    let active = {
        let mut seen = sessions().lock().unwrap_or_else(PoisonError::into_inner);
        seen.retain(|_, at| at.elapsed() < ttl);
        seen.len()
    };
    metrics::gauge!("bujiao_sessions_active").set(active as f64);
    let h = bot.health();
    static GENERATION: Mutex<String> = Mutex::new(String::new());
    {
        let mut last = GENERATION.lock().unwrap_or_else(PoisonError::into_inner);
        if *last != h.index {
            if !last.is_empty() {
                metrics::gauge!("bujiao_index_info", "generation" => last.clone()).set(0.0);
            }
            *last = h.index.clone();
        }
    }
    metrics::gauge!("bujiao_index_info", "generation" => h.index.clone()).set(1.0);
    metrics::gauge!("bujiao_index_entries").set(h.entries as f64);
    metrics::gauge!("bujiao_knowledge_degraded").set(if h.degraded { 1.0 } else { 0.0 });
    metrics::counter!("bujiao_reloads_total").absolute(h.reloads);
    handle.run_upkeep();
    handle.render()
}

/// Count a "有用 / 没用".
pub fn feedback(useful: bool) {
    let verdict = if useful { "useful" } else { "not_useful" };
    metrics::counter!("bujiao_feedback_total", "verdict" => verdict).increment(1);
}

//! The web pages, served by the binary itself: `/` (the citizens' chat), `/console` (the hotline
//! staff's search and calculators) and `/console/editor` (the editors' page over `/v1/admin/`). Plain HTML, CSS and JavaScript from `web/`, embedded at compile
//! time with `include_str!`: no front-end build, no CDN, nothing fetched from elsewhere.
//!
//! Pages name their assets as `/assets/<file>?v=<hash>` where the hash covers every asset's
//! content, so assets are cached for a year (`immutable`) and a new build is fetched at once; the
//! pages themselves are revalidated (`no-cache` with an ETag). Every response carries a strict
//! Content-Security-Policy (scripts and styles from this origin only, no inline script, no
//! framing), `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::OnceLock;

/// One embedded file.
struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        mime: "text/css; charset=utf-8",
        body: include_str!("../../../web/app.css"),
    },
    Asset {
        name: "common.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/common.js"),
    },
    Asset {
        name: "chat.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/chat.js"),
    },
    Asset {
        name: "console.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/console.js"),
    },
    Asset {
        name: "editor.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/editor.js"),
    },
    Asset {
        name: "icon.svg",
        mime: "image/svg+xml",
        body: include_str!("../../../web/icon.svg"),
    },
];

const CHAT_HTML: &str = include_str!("../../../web/chat.html");
const CONSOLE_HTML: &str = include_str!("../../../web/console.html");
const EDITOR_HTML: &str = include_str!("../../../web/editor.html");

/// The Content-Security-Policy of every response.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Hash of every asset's content (12 hex digits): the `v` of asset URLs and the pages' ETag seed.
pub fn build_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for a in ASSETS {
            h.update(a.name.as_bytes());
            h.update([0]);
            h.update(a.body.as_bytes());
        }
        h.update(CHAT_HTML.as_bytes());
        h.update(CONSOLE_HTML.as_bytes());
        h.update(EDITOR_HTML.as_bytes());
        hex::encode(&h.finalize()[..6])
    })
}

fn page(template: &'static str, cell: &'static OnceLock<String>) -> &'static str {
    cell.get_or_init(|| template.replace("{{v}}", build_hash()))
}

fn html(body: &'static str, headers: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", build_hash());
    if not_modified(headers, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (header::CACHE_CONTROL, "no-cache".to_string()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
}

/// `GET /`: the citizens' chat.
pub async fn chat_page(headers: HeaderMap) -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    html(page(CHAT_HTML, &PAGE), &headers)
}

/// `GET /console`: the hotline staff's console.
pub async fn console_page(headers: HeaderMap) -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    html(page(CONSOLE_HTML, &PAGE), &headers)
}

/// `GET /console/editor`: the editors' page. Public static HTML like the others: everything behind
/// it needs an editor's token, and the page itself says when the admin API is off.
pub async fn editor_page(headers: HeaderMap) -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    html(page(EDITOR_HTML, &PAGE), &headers)
}

#[derive(Deserialize)]
pub struct AssetQuery {
    v: Option<String>,
}

/// `GET /assets/{file}`.
pub async fn asset(
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<AssetQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let name = name.map(|Path(n)| n).unwrap_or_default();
    let Some(a) = ASSETS.iter().find(|a| a.name == name) else {
        return super::ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: "no such asset".into(),
        }
        .into_response();
    };
    let etag = format!("\"{}\"", build_hash());
    let versioned = query.is_ok_and(|Query(q)| q.v.is_some_and(|v| v == build_hash()));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    if not_modified(&headers, &etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (header::CACHE_CONTROL, cache.to_string()),
            ],
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, a.mime.to_string()),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::ETAG, etag),
        ],
        a.body,
    )
        .into_response()
}

/// Middleware: the security headers on every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

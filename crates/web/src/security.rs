//! The security baseline every response and every state-changing request
//! goes through: headers (CSP without inline scripts, no framing, no
//! sniffing), CSRF checks, and a per-peer limiter for logins.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth;
use crate::error::AppError;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    res
}

/// Largest form body read for its CSRF field (uploads carry the token in a header or the URL).
const FORM_LIMIT: usize = 64 * 1024;

/// Every unsafe request from a browser must come from our own pages: the
/// Origin (or Sec-Fetch-Site) says so, and the session's token is present
/// as `X-CSRF-Token` (htmx), a `_csrf` query parameter (uploads) or a
/// `_csrf` form field. Bearer-token API calls carry no cookies and are exempt.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if req.headers().contains_key(header::AUTHORIZATION) {
        return next.run(req).await;
    }
    if !same_origin(req.headers(), state.config.public_origin.as_deref()) {
        tracing::warn!(path = %crate::loggable_path(req.uri().path()), "cross-site request refused");
        return AppError::Csrf.into_response();
    }
    let path = req.uri().path();
    // Before a session exists there is no token: Origin and SameSite protect the login
    // form (and the harmless language switch, also offered on the login page),
    // the public report-for-duty form, which has no session by design, and
    // the first-login form, whose one-time link is itself the secret.
    if path == "/login"
        || path == "/lang"
        || path.starts_with("/duty/")
        || path.starts_with(crate::logins::FIRST_LOGIN_PREFIX)
        // A household's link page: the link token is the secret, like the first-login link.
        || path.starts_with("/h/")
    {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(Some(user)) = auth::resolve(&state, &parts).await else {
        return AppError::Unauthorized.into_response();
    };
    let expected = user.csrf_token.clone();
    // The handler's `CurrentUser` takes it from here instead of asking the database again.
    parts.extensions.insert(user);
    let from_header = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
    let from_query = parts.uri.query().and_then(|q| form_field(q, "_csrf"));
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (body, from_form) = if is_form && from_header.is_none() && from_query.is_none() {
        match axum::body::to_bytes(body, FORM_LIMIT).await {
            Ok(bytes) => {
                let token = std::str::from_utf8(&bytes).ok().and_then(|s| form_field(s, "_csrf"));
                (Body::from(bytes), token)
            }
            Err(_) => return AppError::PayloadTooLarge.into_response(),
        }
    } else {
        (body, None)
    };
    let given = from_header.or(from_query).or(from_form);
    if expected.is_empty() || given.as_deref() != Some(expected.as_str()) {
        tracing::warn!(path = %crate::loggable_path(parts.uri.path()), "missing or wrong CSRF token");
        return AppError::Csrf.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

fn form_field(encoded: &str, name: &str) -> Option<String> {
    encoded.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
}

/// The request comes from our own pages: `Sec-Fetch-Site` is not cross-site,
/// and `Origin`, when present, names the configured public origin or the Host.
fn same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if let Some(expected) = public_origin {
        return origin.trim_end_matches('/') == expected.trim_end_matches('/');
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

/// The client's address: the TCP peer, or, when the peer is a configured
/// proxy, the right-most address in X-Forwarded-For that is not one of ours
/// (the left-most can be forged by the client).
pub fn client_ip(headers: &HeaderMap, peer: Option<&ConnectInfo<SocketAddr>>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer.map(|c| c.0.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).unwrap_or("");
    forwarded
        .split(',')
        .rev()
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .or(Some(peer))
}

/// A sliding-window limiter per client address, in memory. Each instance
/// counts on its own; the per-account lockout in the database holds across
/// instances.
pub struct RateLimiter {
    window: Duration,
    max: usize,
    hits: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> RateLimiter {
        RateLimiter { window, max, hits: Mutex::new(HashMap::new()) }
    }

    /// Records an attempt; false when the address is over its limit.
    pub fn allow(&self, ip: IpAddr) -> bool {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else { return true };
        if hits.len() > 10_000 {
            hits.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        let v = hits.entry(ip).or_default();
        v.retain(|t| now.duration_since(*t) < self.window);
        if v.len() >= self.max {
            return false;
        }
        v.push(now);
        true
    }
}

/// The client's address as text (see [`client_ip`]), for the audit log and limits.
pub struct ClientIp(pub Option<IpAddr>);

impl<S> axum::extract::FromRequestParts<S> for ClientIp
where
    AppState: axum::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientIp(client_ip(&parts.headers, peer, &state.config.trusted_proxies)))
    }
}

impl ClientIp {
    pub fn text(&self) -> Option<String> {
        self.0.map(|i| i.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_must_match_the_host_or_the_configured_origin() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h, None), "no Origin: a same-site form post from an old browser");
        h.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_origin(&h, None));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h, None));
        assert!(same_origin(&h, Some("https://evil.example")));
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h, None));
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 1.2.3.4"));
        let via_proxy = ConnectInfo(SocketAddr::new(proxy, 1));
        assert_eq!(client_ip(&h, Some(&via_proxy), &[proxy]), "1.2.3.4".parse().ok());
        let direct = ConnectInfo(SocketAddr::new("9.9.9.9".parse().expect("ip"), 1));
        assert_eq!(client_ip(&h, Some(&direct), &[proxy]), "9.9.9.9".parse().ok(), "a client cannot forge its address");
    }

    #[test]
    fn the_limiter_refuses_past_its_budget() {
        let l = RateLimiter::new(3, Duration::from_secs(60));
        let ip: IpAddr = "1.2.3.4".parse().expect("ip");
        assert!(l.allow(ip) && l.allow(ip) && l.allow(ip));
        assert!(!l.allow(ip));
        assert!(l.allow("1.2.3.5".parse().expect("ip")));
    }
}

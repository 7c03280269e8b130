//! Prometheus metrics: request counts and latencies labelled by the matched
//! route (never the raw path, which would explode label cardinality).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use std::net::IpAddr;

use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use sha2::{Digest, Sha256};

use crate::AppState;
use crate::security::ClientIp;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once (tests build many apps in one
/// process) and returns its handle.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 10.0],
                )
                .and_then(|b| b.install_recorder())
                .map_err(|e| tracing::warn!(error = %e, "metrics recorder not installed"))
                .ok()
        })
        .clone()
}

pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route =
        req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(req).await;
    let labels = [("method", method), ("route", route), ("status", response.status().as_u16().to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(start.elapsed().as_secs_f64());
    response
}

/// Metrics describe the service, not its people, but still tell an outsider
/// how busy a community is: served to loopback (a scraper on the host, seen
/// through trusted proxies as the real client) or to a scraper that sends
/// `Authorization: Bearer <metrics_token>`.
pub fn may_read(client: Option<IpAddr>, authorization: Option<&str>, token: Option<&str>) -> bool {
    let by_token = match (token, authorization.and_then(|a| a.strip_prefix("Bearer "))) {
        (Some(want), Some(got)) => Sha256::digest(want.as_bytes()) == Sha256::digest(got.trim().as_bytes()),
        _ => false,
    };
    by_token || client.is_some_and(|ip| ip.is_loopback())
}

pub async fn render(State(state): State<AppState>, client: ClientIp, headers: HeaderMap) -> Response {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if !may_read(client.0, authorization, state.config.metrics_token.as_deref()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match &state.metrics {
        Some(handle) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics disabled").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::may_read;

    #[test]
    fn metrics_only_for_loopback_or_the_token() {
        let outside = Some("203.0.113.5".parse().expect("ip"));
        let local = Some("127.0.0.1".parse().expect("ip"));
        assert!(may_read(local, None, None));
        assert!(may_read(Some("::1".parse().expect("ip")), None, None));
        assert!(!may_read(outside, None, None));
        assert!(!may_read(None, None, None));
        assert!(!may_read(outside, Some("Bearer x"), None), "no token configured: loopback only");
        assert!(!may_read(outside, Some("Bearer wrong"), Some("s3cret-token")));
        assert!(!may_read(outside, Some("s3cret-token"), Some("s3cret-token")), "a Bearer token only");
        assert!(may_read(outside, Some("Bearer s3cret-token"), Some("s3cret-token")));
    }
}

//! Everything HTTP: the pages (askama), the JSON API under `/api/v1`,
//! authentication and the security baseline, health and readiness probes,
//! Prometheus metrics.
//!
//! The app is a library: [`Application::build`] binds (port 0 in tests) and
//! [`Application::run_until_stopped`] serves until the shutdown future resolves.

pub mod api;
pub mod auth;
pub mod error;
pub mod health;
pub mod i18n;
pub mod input;
pub mod metrics;
pub mod pages;
pub mod security;

// One folder per capability: `routes()` (pages), `api()` (JSON), templates
// in `templates/<feature>/`.
pub mod accounts;
pub mod audit;
pub mod groupbuy;
pub mod groups;
pub mod ledger;
pub mod logins;
pub mod registry;
pub mod rosters;
pub mod signup;
pub mod supplies;
pub mod tasks;
pub mod volunteers;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// The value of one cookie of a request.
pub(crate) fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (off only for plain-HTTP loopback use).
    pub cookie_secure: bool,
    /// Load balancers whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// The origin users reach us at (e.g. `https://sw.example.gov.cn`), checked
    /// against the Origin header of state-changing requests; else the Host header.
    pub public_origin: Option<String>,
    /// The program that reads uploaded spreadsheets in a child process
    /// (`shouwang parse-roster`); `None` reads them in-process (tests).
    pub roster_parser: Option<std::path::PathBuf>,
    /// What that child reader may use, and how many run at once.
    pub reader_limits: shouwang_service::reader::ReaderLimits,
    /// A scraper away from this host reads `/metrics` with this Bearer token;
    /// without it only loopback may.
    pub metrics_token: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            cookie_secure: true,
            trusted_proxies: vec![],
            public_origin: None,
            roster_parser: None,
            reader_limits: Default::default(),
            metrics_token: None,
        }
    }
}

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// What the use cases need: database, ID hasher, sign-up joiner, clock.
    pub ctx: shouwang_service::Context,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    pub config: Arc<WebConfig>,
    pub passwords: auth::PasswordHashing,
    /// Login attempts per client address: 10 per 5 minutes on each instance.
    pub login_limiter: Arc<security::RateLimiter>,
    /// Public duty reports per client address: 20 per 10 minutes on each instance.
    pub report_limiter: Arc<security::RateLimiter>,
}

impl AppState {
    /// The app over a service context (database, ID hasher, joiner, clock:
    /// tests pass a clock they move).
    pub fn new(mut ctx: shouwang_service::Context, config: WebConfig) -> AppState {
        ctx.reader = config
            .roster_parser
            .clone()
            .map(|exe| shouwang_service::reader::Reader::new(exe, config.reader_limits.clone()));
        AppState {
            ctx,
            metrics: metrics::install(),
            config: Arc::new(config),
            passwords: auth::PasswordHashing::default(),
            login_limiter: Arc::new(security::RateLimiter::new(10, Duration::from_secs(300))),
            report_limiter: Arc::new(security::RateLimiter::new(20, Duration::from_secs(600))),
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The full router: probes, metrics, API, with request ids, tracing and timeouts.
pub fn router(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi_json = std::sync::Arc::new(openapi);
    Router::new()
        .merge(health::router())
        .merge(pages::routes())
        .merge(registry::routes())
        .merge(accounts::routes())
        .merge(audit::routes())
        .merge(volunteers::routes())
        .merge(groups::routes())
        .merge(signup::routes())
        .merge(tasks::routes())
        .merge(rosters::routes())
        .merge(groupbuy::routes())
        .merge(supplies::routes())
        .merge(logins::routes())
        .merge(ledger::routes())
        .merge(api_router)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = openapi_json.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn(input::refuse_control_characters))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::csrf))
        .layer(axum::middleware::from_fn(error::uniform_refusals))
        .layer(axum::middleware::from_fn(pages::render_errors))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    // The path only (query strings may carry personal data),
                    // with link tokens left out.
                    let path = loggable_path(req.uri().path());
                    tracing::info_span!("request", method = %req.method(), path = %path, request_id = %id)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// A request path fit for logs and traces: the token of a sign-up share link
/// (`/s/…`) or a household link (`/h/…`) opens that page to whoever holds
/// it, so it never reaches a log.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/s/", "/h/", logins::FIRST_LOGIN_PREFIX] {
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return std::borrow::Cow::Owned(format!("{prefix}{{token}}"));
        }
    }
    std::borrow::Cow::Borrowed(path)
}

/// Connections waiting to be accepted (the kernel caps it at `net.core.somaxconn`).
const LISTEN_BACKLOG: u32 = 4096;

/// A bound, not yet running server.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    pub async fn build(listen: SocketAddr, state: AppState) -> std::io::Result<Application> {
        let socket = if listen.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
        socket.set_reuseaddr(true)?;
        socket.bind(listen)?;
        // A long accept queue: a 接龙 posted to a WeChat group brings a
        // thousand phones within a second, and a connection that finds the
        // queue full waits a whole second for its SYN to be resent.
        let listener = socket.listen(LISTEN_BACKLOG)?;
        Ok(Application { listener, router: router(state) })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_tokens_never_reach_the_logs() {
        assert_eq!(super::loggable_path("/s/AbC123xyz"), "/s/{token}");
        assert_eq!(super::loggable_path("/h/AbC123xyz/anything"), "/h/{token}");
        assert_eq!(super::loggable_path("/first-login/AbC123xyz"), "/first-login/{token}");
        assert_eq!(super::loggable_path("/sheets/1"), "/sheets/1");
        assert_eq!(super::loggable_path("/s/"), "/s/");
    }
}

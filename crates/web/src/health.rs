//! Probes for the load balancer: `/healthz` (the process answers) and
//! `/readyz` (the database answers and the sign-up joiner is serving).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::metrics::render))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    use shouwang_service::registry::NotReady;
    match shouwang_service::registry::ready(&state.ctx).await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(NotReady::Database(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(NotReady::Joiner) => {
            tracing::error!("the sign-up joiner is not running");
            (StatusCode::SERVICE_UNAVAILABLE, "sign-up joiner not running")
        }
        Err(NotReady::Recorder) => {
            tracing::error!("the door recorder is not running");
            (StatusCode::SERVICE_UNAVAILABLE, "door recorder not running")
        }
    }
}

//! Logins given in bulk, with printed first-login slips, and the page a
//! slip's QR code opens to set the first password (no login needed: the
//! link is the secret, used once, for 72 hours).

pub(crate) mod api;
pub(crate) mod pages;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// The path prefix of first-login links (kept out of logs, open without a session).
pub const FIRST_LOGIN_PREFIX: &str = "/first-login/";

/// The pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/c/{code}/volunteers/logins", post(pages::give_logins))
        .route("/first-login/{token}", get(pages::first_login_page).post(pages::set_first_password))
}

/// The API handlers, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api::give_logins))
}

//! The public supply ledger (SPEC §4.5): a community's books at
//! `/p/{code}/ledger` for anyone (no login, no personal data), verified in
//! the browser (`assets/ledger.js` recomputes the chain from the entries) or
//! on the server; and the same over JSON under `/api/v1/public/`.

pub(crate) mod api;
pub(crate) mod pages;

use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// The pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{code}/ledger", get(pages::ledger_page))
        .route("/p/{code}/ledger/verify", get(pages::verify_page))
}

/// The API handlers, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::get_books))
        .routes(routes!(api::get_entries))
        .routes(routes!(api::get_verify))
}

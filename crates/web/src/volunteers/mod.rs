//! Volunteers (SPEC §4.2): the duty-report form and poster, the list and
//! review, one volunteer's page (health, group, account), volunteer import.

pub(crate) mod api;
pub(crate) mod pages;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// The pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/duty/{code}", get(pages::duty_form).post(pages::submit_duty_form))
        .route("/c/{code}/duty-poster", get(pages::duty_poster))
        .route("/c/{code}/volunteers", get(pages::volunteers_page))
        .route("/c/{code}/volunteers/review", post(pages::review))
        .route(
            "/c/{code}/volunteers/import",
            get(pages::import_page)
                .post(pages::import_preview)
                .layer(axum::extract::DefaultBodyLimit::max(crate::registry::import::MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route("/c/{code}/volunteers/import/apply", post(pages::import_apply))
        .route("/volunteers/{id}", get(pages::volunteer_page))
        .route("/volunteers/{id}/health", post(pages::set_health))
        .route("/volunteers/{id}/group", post(pages::move_group))
        .route("/volunteers/{id}/reveal", post(pages::reveal))
        .route("/volunteers/{id}/account", post(pages::create_account))
}

/// The API handlers, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list_volunteers))
        .routes(routes!(api::create_duty_report))
        .routes(routes!(api::review_volunteers))
        .routes(routes!(api::set_health))
}

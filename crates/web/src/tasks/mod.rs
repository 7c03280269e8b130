//! Tasks and claims (SPEC §4.5): create, dispatch, assign, claim, extend,
//! release, hand over.

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
        .route("/c/{code}/tasks", get(pages::tasks_page).post(pages::create_task))
        .route("/tasks/{id}", get(pages::task_page))
        .route("/tasks/{id}/dispatch", post(pages::dispatch))
        .route("/tasks/{id}/assign", post(pages::assign))
        .route("/tasks/{id}/sheet", post(pages::open_sheet))
        .route("/tasks/{id}/state", post(pages::change_state))
        .route("/tasks/{id}/claim", post(pages::claim))
        .route("/claims/{id}/extend", post(pages::extend_claim))
        .route("/claims/{id}/release", post(pages::release_claim))
        .route("/claims/{id}/hand-over", post(pages::hand_over))
}

/// The API handlers, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::create_task))
        .routes(routes!(api::get_task))
        .routes(routes!(api::dispatch))
        .routes(routes!(api::assign))
        .routes(routes!(api::transition))
        .routes(routes!(api::claim))
        .routes(routes!(api::extend_claim))
        .routes(routes!(api::release_claim))
        .routes(routes!(api::hand_over))
}

//! Sign-up sheets (接龙, SPEC §4.4) and "my work", the volunteer's one list
//! of sheets, claims, tasks and shifts.

pub(crate) mod api;
pub(crate) mod pages;

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// The pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/c/{code}/sheets", get(pages::sheets_page).post(pages::open_sheet))
        .route("/sheets/{id}", get(pages::sheet_page))
        .route("/sheets/{id}/join", post(pages::join))
        .route("/sheets/{id}/withdraw", post(pages::withdraw))
        .route("/s/{token}", get(pages::share_link))
        .route("/my/work", get(pages::my_work))
        .route("/my/work/claim-building", post(pages::claim_building))
        // The older separate lists live on as parts of "my work".
        .route("/my/tasks", get(|| async { Redirect::to("/my/work#tasks") }))
}

/// The API handlers, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::open_sheet))
        .routes(routes!(api::get_sheet))
        .routes(routes!(api::join))
        .routes(routes!(api::withdraw))
        .routes(routes!(api::open_task_sheet))
        .routes(routes!(api::my_work))
}

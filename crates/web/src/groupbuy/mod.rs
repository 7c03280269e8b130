//! The group-buy timetable (团购, SPEC §4.6): pickup windows per compound.

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
        .route("/c/{code}/groupbuy", get(pages::groupbuy_page).post(pages::groupbuy_generate))
        .route("/c/{code}/groupbuy/print", get(pages::groupbuy_print))
        .route("/c/{code}/groupbuy/organisers", post(pages::add_organiser))
}

/// The API handlers, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api::get_timetable, api::generate_timetable))
}

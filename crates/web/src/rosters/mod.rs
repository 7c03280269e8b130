//! Duty rosters (SPEC §4.6): posts, settings, generation under the
//! fatigue limits, swaps, the printed roster.

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
        .route("/c/{code}/rosters", get(pages::rosters_page))
        .route("/c/{code}/rosters/settings", post(pages::save_settings))
        .route("/c/{code}/rosters/posts", post(pages::create_post))
        .route("/c/{code}/rosters/generate", post(pages::generate))
        .route("/c/{code}/rosters/swap", post(pages::swap))
        .route("/c/{code}/rosters/print", get(pages::print))
        .route("/my/shifts", get(|| async { Redirect::to("/my/work#shifts") }))
}

/// The API handlers, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::get_roster, api::generate_roster))
        .routes(routes!(api::swap))
        .routes(routes!(api::my_shifts))
}

//! Supplies to every door (SPEC §4.5): consignments, the count at the gate,
//! allocation, delivery runs with their sort sheets, door records, coverage,
//! the reserve pool and sharing shelf, and the household's confirmation.

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
        .route("/c/{code}/supplies", get(pages::overview).post(pages::create))
        .route("/c/{code}/supplies/stock", post(pages::stock))
        .route("/supplies/{id}", get(pages::consignment))
        .route("/supplies/{id}/receive", post(pages::receive))
        .route("/supplies/{id}/allocate", post(pages::allocate))
        .route("/supplies/{id}/coverage", get(pages::coverage))
        .route("/supplies/{id}/runs.xlsx", get(pages::export_runs))
        .route("/runs/{id}", get(pages::run))
        .route("/runs/{id}/claim", post(pages::claim))
        .route("/runs/{id}/group", post(pages::group))
        .route("/runs/{id}/doors", post(pages::door))
        .route("/h/{token}/deliveries/{id}", post(pages::household_confirm))
}

/// The API handlers, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list, api::create))
        .routes(routes!(api::get_consignment))
        .routes(routes!(api::receive))
        .routes(routes!(api::allocate))
        .routes(routes!(api::coverage))
        .routes(routes!(api::get_run))
        .routes(routes!(api::claim_run))
        .routes(routes!(api::record_door))
        .routes(routes!(api::move_stock))
}

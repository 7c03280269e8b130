//! The registry (SPEC §3): regions, households and residents, search, the
//! phone reveal, resident edits, household links and slips, spreadsheet import
//! and export.

pub(crate) mod api;
mod edit;
pub(crate) mod import;
pub(crate) mod links;
pub(crate) mod pages;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// The pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/regions/{code}", get(pages::region_page))
        .route("/households/{id}", get(pages::household_page))
        .route("/residents/{id}/reveal", post(pages::reveal_phone))
        .route("/search", get(pages::search))
        .route(
            "/import",
            get(import::import_page)
                .post(import::import_preview)
                .layer(axum::extract::DefaultBodyLimit::max(import::MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route("/import/apply", post(import::import_apply))
        .route("/export/{file}", get(import::export_residents))
        .route("/regions/{code}/slips", get(links::building_slips))
        .route("/households/{id}/link/revoke", post(links::revoke_link))
        .route("/h/{token}", get(links::public_household))
        .route("/residents/{id}/edit", get(edit::edit_page).post(edit::save))
        .route("/households/{id}/contact", post(edit::save_contact))
}

/// The API handlers, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list_regions))
        .routes(routes!(api::get_region))
        .routes(routes!(api::building_households))
        .routes(routes!(api::get_household))
        .routes(routes!(api::community_residents))
}

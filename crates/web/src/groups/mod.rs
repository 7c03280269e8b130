//! Branches and groups (SPEC §4.3): the groups page and print, compounds
//! and key roles, one group's page, auto-grouping drafts, the roll-up.

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
        .route("/c/{code}/groups", get(pages::groups_page))
        .route("/c/{code}/groups/print", get(pages::print_groups))
        .route("/c/{code}/compounds", get(pages::places_page).post(pages::save_place))
        .route("/c/{code}/branches", post(pages::create_branch))
        .route("/c/{code}/branches/dissolve", post(pages::dissolve_branch))
        .route("/c/{code}/groups/new", post(pages::create_group))
        .route("/c/{code}/roles", post(pages::set_key_role))
        .route("/groups/{id}", get(pages::group_page))
        .route("/groups/{id}/roles", post(pages::set_roles))
        .route("/groups/{id}/compounds", post(pages::set_compounds))
        .route("/c/{code}/grouping", get(pages::grouping_page))
        .route("/c/{code}/grouping/propose", post(pages::propose))
        .route("/c/{code}/grouping/edit", post(pages::edit))
        .route("/c/{code}/grouping/confirm", post(pages::confirm))
        .route("/c/{code}/grouping/discard", post(pages::discard))
        .route("/mobilisation/{code}", get(pages::rollup_page))
        .route("/my/group", get(pages::my_group))
}

/// The API handlers, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list_branches))
        .routes(routes!(api::list_groups))
        .routes(routes!(api::propose, api::get_proposal))
        .routes(routes!(api::edit_proposal))
        .routes(routes!(api::confirm_proposal))
        .routes(routes!(api::rollup))
}

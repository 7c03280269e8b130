//! The read-only JSON API over the registry, `/api/v1`. Personal fields
//! (phone and ID numbers) only ever leave the server masked.
//!
//! Handlers are registered through utoipa-axum's `routes!`, so the OpenAPI
//! document at `/api/v1/openapi.json` is collected from the same handlers the
//! router serves and cannot drift from it.

mod mobilisation;
mod registry;
mod rosters;
mod signup;
mod tasks;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub use registry::{
    CommunitySummary, HouseholdDetail, HouseholdDto, RegionDetail, RegionDto, ResidentDto, ResidentPage,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shouwang (守望) API",
        description = "社区应急动员平台 · community emergency mobilisation. Registry (read-only) and mobilisation API; phone and ID numbers are masked.",
        version = "1"
    ),
    tags(
        (name = "registry", description = "区域、户、居民 · regions, households, residents"),
        (name = "mobilisation", description = "双报到、志愿者、支部与小组、自动分组、汇总 · duty reports, volunteers, branches and groups, auto-grouping, roll-up"),
        (name = "work", description = "接龙 · sign-up sheets")
    )
)]
struct ApiDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(registry::list_regions))
        .routes(routes!(registry::get_region))
        .routes(routes!(registry::building_households))
        .routes(routes!(registry::get_household))
        .routes(routes!(registry::community_residents))
        .routes(routes!(mobilisation::list_volunteers))
        .routes(routes!(mobilisation::create_duty_report))
        .routes(routes!(mobilisation::review_volunteers))
        .routes(routes!(mobilisation::set_health))
        .routes(routes!(mobilisation::list_branches))
        .routes(routes!(mobilisation::list_groups))
        .routes(routes!(mobilisation::propose, mobilisation::get_proposal))
        .routes(routes!(mobilisation::edit_proposal))
        .routes(routes!(mobilisation::confirm_proposal))
        .routes(routes!(mobilisation::rollup))
        .routes(routes!(signup::open_sheet))
        .routes(routes!(signup::get_sheet))
        .routes(routes!(signup::join))
        .routes(routes!(signup::withdraw))
        .routes(routes!(tasks::create_task))
        .routes(routes!(tasks::get_task))
        .routes(routes!(tasks::dispatch))
        .routes(routes!(tasks::assign))
        .routes(routes!(tasks::transition))
        .routes(routes!(tasks::claim))
        .routes(routes!(tasks::extend_claim))
        .routes(routes!(tasks::release_claim))
        .routes(routes!(tasks::hand_over))
        .routes(routes!(signup::open_task_sheet))
        .routes(routes!(signup::my_work))
        .routes(routes!(rosters::get_roster, rosters::generate_roster))
        .routes(routes!(rosters::swap))
        .routes(routes!(rosters::my_shifts))
        .routes(routes!(rosters::get_timetable, rosters::generate_timetable))
}

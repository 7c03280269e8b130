//! Regions, households and residents.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use shouwang_domain::bounds::Paging;
use shouwang_domain::{Lang, RegionCode};
use shouwang_service::Place;
use shouwang_service::registry::{self as service, CommunityCounts, HouseholdEntry, ResidentEntry};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};

#[derive(Serialize, ToSchema)]
pub struct RegionDto {
    /// Stable, human-typable code, e.g. `sy`.
    pub code: String,
    /// city, district, subdistrict, community, grid, compound or building.
    pub kind: String,
    pub name: String,
    /// Codes from the root down, e.g. `/wh/wh-jh/wh-jh-ws/sy/`.
    pub path: String,
}

impl From<Place> for RegionDto {
    fn from(p: Place) -> RegionDto {
        let Place { id: _, kind, code, name, parent_id: _, path, contact_phone: _ } = p;
        RegionDto { code, kind: kind.as_str().to_string(), name, path }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommunitySummary {
    pub compounds: u64,
    pub buildings: u64,
    pub households: u64,
    pub residents: u64,
    /// Residents with at least one care tag (care subjects).
    pub tagged_residents: u64,
}

#[derive(Serialize, ToSchema)]
pub struct RegionDetail {
    pub region: RegionDto,
    pub children: Vec<RegionDto>,
    /// Registry counts, for communities only.
    pub summary: Option<CommunitySummary>,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdDto {
    pub id: Uuid,
    pub building_code: String,
    pub room: String,
    /// Masked, e.g. `138****5678`.
    pub contact_phone: Option<String>,
    pub size: i32,
}

#[derive(Serialize, ToSchema)]
pub struct ResidentDto {
    pub id: Uuid,
    pub household_id: Uuid,
    pub name: String,
    /// `M` or `F`.
    pub gender: Option<String>,
    pub birth_year: Option<i32>,
    /// Masked, e.g. `138****5678`.
    pub phone: Option<String>,
    /// Masked, e.g. `110101********1234`.
    pub id_number: Option<String>,
    /// Tag codes, e.g. `elderly_alone`, `dialysis`.
    pub tags: Vec<String>,
    /// Tag labels in Chinese, e.g. `独居老人`.
    pub tag_labels: Vec<String>,
}

impl From<ResidentEntry> for ResidentDto {
    fn from(r: ResidentEntry) -> ResidentDto {
        let ResidentEntry { id, household_id, name, gender, birth_year, phone, id_masked, tags } = r;
        ResidentDto {
            id,
            household_id,
            name,
            gender: gender.map(|g| g.code().to_string()),
            birth_year,
            phone,
            id_number: id_masked,
            tags: tags.iter().map(|t| t.code().to_string()).collect(),
            tag_labels: tags.iter().map(|t| t.label(Lang::Zh).to_string()).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdDetail {
    pub household: HouseholdDto,
    pub residents: Vec<ResidentDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ResidentPage {
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub residents: Vec<ResidentDto>,
}

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    /// 1-based page number, 1 to 1,000,000 (default 1).
    pub page: Option<u64>,
    /// Rows per page, 1 to 500 (default 100); out of range is a 400.
    pub per_page: Option<u64>,
}

fn parse_code(code: &str) -> Result<RegionCode, AppError> {
    RegionCode::parse(code).map_err(|_| crate::error::refused("registry.malformed_code", &[("code", &code)]))
}

impl From<HouseholdEntry> for HouseholdDto {
    fn from(h: HouseholdEntry) -> HouseholdDto {
        let HouseholdEntry { id, building_code, room, contact_phone, size } = h;
        HouseholdDto { id, building_code, room, contact_phone, size }
    }
}

impl From<CommunityCounts> for CommunitySummary {
    fn from(c: CommunityCounts) -> CommunitySummary {
        let CommunityCounts { compounds, buildings, households, residents, tagged } = c;
        CommunitySummary { compounds, buildings, households, residents, tagged_residents: tagged }
    }
}

/// Top-level regions (cities).
#[utoipa::path(get, path = "/api/v1/regions", tag = "registry",
    responses((status = 200, body = Vec<RegionDto>)))]
pub async fn list_regions(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Vec<RegionDto>>, AppError> {
    let roots = service::roots(&state.ctx, &user.actor(None)).await?;
    Ok(Json(roots.into_iter().map(RegionDto::from).collect()))
}

/// One region with its children, and registry counts for a community.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "registry",
    params(("code" = String, Path, description = "region code")),
    responses((status = 200, body = RegionDetail), (status = 404, body = ErrorBody)))]
pub async fn get_region(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<RegionDetail>, AppError> {
    let code = parse_code(&code)?;
    let (region, children, counts) = service::region_detail(&state.ctx, &user.actor(None), &code).await?;
    Ok(Json(RegionDetail {
        region: region.into(),
        children: children.into_iter().map(RegionDto::from).collect(),
        summary: counts.map(CommunitySummary::from),
    }))
}

/// The households of one building, by room.
#[utoipa::path(get, path = "/api/v1/buildings/{code}/households", tag = "registry",
    params(("code" = String, Path, description = "building code")),
    responses((status = 200, body = Vec<HouseholdDto>), (status = 404, body = ErrorBody)))]
pub async fn building_households(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<HouseholdDto>>, AppError> {
    let code = parse_code(&code)?;
    let households = service::building_households(&state.ctx, &user.actor(None), &code).await?;
    Ok(Json(households.into_iter().map(HouseholdDto::from).collect()))
}

/// One household and its residents (masked).
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry",
    params(("id" = Uuid, Path, description = "household id")),
    responses((status = 200, body = HouseholdDetail), (status = 404, body = ErrorBody)))]
pub async fn get_household(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<HouseholdDetail>, AppError> {
    let (household, residents) = service::household_detail(&state.ctx, &user.actor(None), id).await?;
    Ok(Json(HouseholdDetail {
        household: household.into(),
        residents: residents.into_iter().map(ResidentDto::from).collect(),
    }))
}

/// A community's residents, one page at a time (masked).
#[utoipa::path(get, path = "/api/v1/communities/{code}/residents", tag = "registry",
    params(("code" = String, Path, description = "community code"), PageQuery),
    responses((status = 200, body = ResidentPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn community_residents(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<ResidentPage>, AppError> {
    let code = parse_code(&code)?;
    // Out of range (a page of 18446744073709551615, 600 rows): refused, never wrapped.
    let paging = Paging::parse(q.page, q.per_page, 100).map_err(shouwang_service::Error::refused)?;
    let (residents, total) = service::community_residents(&state.ctx, &user.actor(None), &code, paging).await?;
    Ok(Json(ResidentPage {
        total,
        page: paging.page.get(),
        per_page: paging.limit(),
        residents: residents.into_iter().map(ResidentDto::from).collect(),
    }))
}

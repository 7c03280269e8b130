//! Home, browsing the region tree down to a household, revealing a phone
//! number (with a reason, logged), and search.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shouwang_domain::{RegionCode, Role};
use shouwang_service::registry::{
    self as service, BuildingRole, ChildRow, HomeView, HouseholdRow, HouseholdView, RegionView, ResidentRow, SearchRow,
    TotalsRow,
};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;

#[derive(Template)]
#[template(path = "registry/home.html")]
struct HomePage {
    ctx: PageCtx,
    role_label: &'static str,
    is_volunteer: bool,
    totals: Vec<TotalsRow>,
    /// The group of the volunteer this account belongs to: (id, name).
    my_group: Option<(Uuid, String)>,
    /// Duty reports waiting for this committee: (community code, how many).
    inbox: Option<(String, u64)>,
    /// Key roles of this community with nobody holding them.
    vacant_roles: usize,
    /// Open sign-up sheets of my community: (id, title, confirmed, capacity).
    open_sheets: Vec<(Uuid, String, i32, i32)>,
    sheets_link: Option<String>,
}

/// Home by role: who I am, where I work, what needs me, and my area's totals.
pub async fn home(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> Result<Response, AppError> {
    let Some(user) = user else { return Ok(Redirect::to("/login").into_response()) };
    if user.must_change_password {
        return Ok(Redirect::to("/account/password").into_response());
    }
    let HomeView { totals, my_group, inbox, vacant_roles, open_sheets, sheets_link } =
        service::home(&state.ctx, &user.actor(None)).await?;
    render(&HomePage {
        role_label: user.role.label(user.lang),
        is_volunteer: user.role == Role::Volunteer,
        totals,
        my_group,
        inbox,
        vacant_roles,
        open_sheets,
        sheets_link,
        ctx: PageCtx::for_user(&user, "/"),
    })
}

#[derive(Template)]
#[template(path = "registry/region.html")]
struct RegionPage {
    ctx: PageCtx,
    name: String,
    kind_label: &'static str,
    crumbs: Vec<(String, String)>,
    totals: Option<(u64, u64, u64)>,
    children: Vec<ChildRow>,
    is_building: bool,
    households: Vec<HouseholdRow>,
    can_print: bool,
    code: String,
    /// A building's leader (楼组长) and backup, with who may be appointed.
    building_role: Option<BuildingRole>,
}

fn parse_code(code: &str) -> Result<RegionCode, AppError> {
    RegionCode::parse(code).map_err(|_| crate::error::missing("registry.no_region", &[("code", &code)]))
}

pub async fn region_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let code = parse_code(&code)?;
    let RegionView {
        code: _,
        name,
        kind_label,
        crumbs,
        totals,
        children,
        is_building,
        households,
        can_print,
        building_role,
    } = service::region(&state.ctx, &user.actor(None), &code).await?;
    render(&RegionPage {
        building_role,
        crumbs,
        kind_label,
        name,
        totals,
        children,
        is_building,
        households,
        can_print,
        code: code.to_string(),
        ctx: PageCtx::for_user(&user, &format!("/regions/{code}")),
    })
}

#[derive(Template)]
#[template(path = "registry/household.html")]
struct HouseholdPage {
    ctx: PageCtx,
    crumbs: Vec<(String, String)>,
    building_name: String,
    room: String,
    size: i32,
    contact: Option<String>,
    residents: Vec<ResidentRow>,
    can_reveal: bool,
    can_edit: bool,
    can_revoke: bool,
    id: Uuid,
}

fn household_page_of(user: &CurrentUser, view: HouseholdView) -> Result<Response, AppError> {
    let HouseholdView { id, crumbs, building_name, room, size, contact, residents, can_reveal, can_edit, can_revoke } =
        view;
    render(&HouseholdPage {
        crumbs,
        building_name,
        room,
        size,
        contact,
        residents,
        can_reveal,
        can_edit,
        can_revoke,
        id,
        ctx: PageCtx::for_user(user, &format!("/households/{id}")),
    })
}

pub async fn household_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let view = service::household(&state.ctx, &user.actor(None), id, None).await?;
    household_page_of(&user, view)
}

#[derive(Deserialize)]
pub struct RevealForm {
    reason: String,
}

/// Shows one resident's full phone number: only with a reason, and only
/// after the reveal is in the audit log.
pub async fn reveal_phone(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<RevealForm>,
) -> Result<Response, AppError> {
    let view = service::reveal_phone(&state.ctx, &user.actor(peer.text()), id, &form.reason).await?;
    household_page_of(&user, view)
}

#[derive(Template)]
#[template(path = "registry/search.html")]
struct SearchPage {
    ctx: PageCtx,
    q: String,
    results: Vec<SearchRow>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let q = query.q.unwrap_or_default().trim().to_string();
    let results = service::search(&state.ctx, &user.actor(None), &q).await?;
    render(&SearchPage { ctx: PageCtx::for_user(&user, "/search"), q, results })
}

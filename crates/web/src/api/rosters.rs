//! Duty rosters and the group-buy timetable over JSON: read and generate a
//! community's roster, swap two volunteers on a shift (refused when it breaks
//! a fatigue limit, with the reason), "my shifts", and the timetable.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use shouwang_db::mobilisation as mob;
use shouwang_domain::access::{Action, Resource};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::mobilise::{self, bad};
use crate::rosters::{self as svc, GenerateInput, MyShift, Outcome, RosterView, SlotView, TimetableInput};
use crate::security::ClientIp;

fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    json.map(|Json(t)| t).map_err(|_| bad("请求内容不正确", "malformed request body"))
}

#[derive(Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// First day, `YYYY-MM-DD` (today when absent).
    pub from: Option<String>,
    /// Days (1 to 31, default 7).
    pub days: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/communities/{code}/roster", tag = "work",
    params(("code" = String, Path, description = "community code"), PeriodQuery),
    responses((status = 200, body = RosterView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_roster(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<RosterView>, AppError> {
    let community = mobilise::community_for(&state, &user, &code, Resource::Work, Action::Read).await?;
    let from = match q.from.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => svc::parse_date(s)?,
        None => svc::today(),
    };
    Ok(Json(svc::view(&state.db, community.id, from, q.days.unwrap_or(7)).await?))
}

#[utoipa::path(post, path = "/api/v1/communities/{code}/roster", tag = "work",
    params(("code" = String, Path, description = "community code")),
    request_body = GenerateInput,
    responses((status = 200, body = Outcome), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn generate_roster(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    input: Result<Json<GenerateInput>, JsonRejection>,
) -> Result<Json<Outcome>, AppError> {
    let community = mobilise::community_for(&state, &user, &code, Resource::Work, Action::Write).await?;
    let input = body(input)?;
    let e = mobilise::entry(
        Some(&user),
        "roster_generate",
        "community",
        Some(community.id.to_string()),
        &community,
        peer.text(),
    );
    Ok(Json(svc::generate(&state.db, &community, &input, user.lang, e).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct SwapRequest {
    pub shift: Uuid,
    /// The volunteer on the shift now.
    pub from: Uuid,
    /// The volunteer who takes it.
    pub to: Uuid,
}

#[derive(Serialize, ToSchema)]
pub struct SwapResult {
    pub swapped: bool,
}

/// The leader approves a swap; refused (400, with the rule it would break)
/// when it takes someone over a fatigue limit.
#[utoipa::path(post, path = "/api/v1/communities/{code}/roster/swap", tag = "work",
    params(("code" = String, Path, description = "community code")),
    request_body = SwapRequest,
    responses((status = 200, body = SwapResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn swap(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    req: Result<Json<SwapRequest>, JsonRejection>,
) -> Result<Json<SwapResult>, AppError> {
    let community = mobilise::community_for(&state, &user, &code, Resource::Work, Action::Write).await?;
    let req = body(req)?;
    let mut e =
        mobilise::entry(Some(&user), "roster_swap", "shift", Some(req.shift.to_string()), &community, peer.text());
    e.detail = serde_json::json!({ "from": req.from, "to": req.to });
    svc::swap(&state.db, &community, req.shift, req.from, req.to, user.lang, e).await?;
    Ok(Json(SwapResult { swapped: true }))
}

#[utoipa::path(get, path = "/api/v1/me/shifts", tag = "work",
    responses((status = 200, body = Vec<MyShift>), (status = 401, body = ErrorBody)))]
pub async fn my_shifts(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Vec<MyShift>>, AppError> {
    Ok(Json(match mob::volunteer_by_user(&state.db.read, user.id).await? {
        Some(v) => svc::my_shifts(&state.db, v.id, v.community_id).await?,
        None => Vec::new(),
    }))
}

#[utoipa::path(get, path = "/api/v1/communities/{code}/groupbuy", tag = "work",
    params(("code" = String, Path, description = "community code"), PeriodQuery),
    responses((status = 200, body = Vec<SlotView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_timetable(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<Vec<SlotView>>, AppError> {
    let community = mobilise::community_for(&state, &user, &code, Resource::Work, Action::Read).await?;
    let from = match q.from.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => svc::parse_date(s)?,
        None => svc::today(),
    };
    Ok(Json(svc::timetable(&state.db, &community, from, q.days.unwrap_or(7).clamp(1, 31)).await?))
}

#[derive(Serialize, ToSchema)]
pub struct TimetableResult {
    pub slots: usize,
}

#[utoipa::path(post, path = "/api/v1/communities/{code}/groupbuy", tag = "work",
    params(("code" = String, Path, description = "community code")),
    request_body = TimetableInput,
    responses((status = 200, body = TimetableResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn generate_timetable(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    input: Result<Json<TimetableInput>, JsonRejection>,
) -> Result<Json<TimetableResult>, AppError> {
    let community = mobilise::community_for(&state, &user, &code, Resource::Work, Action::Write).await?;
    let input = body(input)?;
    let e = mobilise::entry(
        Some(&user),
        "groupbuy_generate",
        "community",
        Some(community.id.to_string()),
        &community,
        peer.text(),
    );
    Ok(Json(TimetableResult { slots: svc::generate_timetable(&state.db, &community, &input, e).await? }))
}

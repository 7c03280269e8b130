//! Duty rosters over JSON: read and generate a community's roster, swap two
//! volunteers on a shift (refused when it breaks a fatigue limit, with the
//! reason), and "my shifts".

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::api::plain_body;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::security::ClientIp;
use shouwang_service::rosters as svc;

// The API's own copies of the roster and timetable shapes of `crate::rosters`:
// the same JSON and the same descriptions, so the service needs no utoipa.

/// One shift as shown.
#[derive(Serialize, ToSchema)]
pub struct ShiftView {
    pub id: Uuid,
    pub post_id: Uuid,
    pub post: String,
    pub day: String,
    pub time: String,
    pub needed: i32,
    pub people: Vec<PersonOnShift>,
    pub missing: i32,
    /// The name of the volunteer stood down from it, if it was reopened.
    pub reopened_for: Option<String>,
}

impl From<svc::ShiftView> for ShiftView {
    fn from(view: svc::ShiftView) -> Self {
        let svc::ShiftView { id, post_id, post, day, time, needed, people, missing, reopened_for } = view;
        ShiftView {
            id,
            post_id,
            post,
            day,
            time,
            needed,
            people: people.into_iter().map(PersonOnShift::from).collect(),
            missing,
            reopened_for,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PersonOnShift {
    pub id: Uuid,
    pub name: String,
}

impl From<svc::PersonOnShift> for PersonOnShift {
    fn from(person: svc::PersonOnShift) -> Self {
        let svc::PersonOnShift { id, name } = person;
        PersonOnShift { id, name }
    }
}

/// Minutes of one person over the week shown.
#[derive(Serialize, ToSchema)]
pub struct HoursView {
    pub id: Uuid,
    pub name: String,
    pub hours: String,
    pub minutes: u32,
    pub shifts: u32,
    pub over_warning: bool,
}

impl From<svc::HoursView> for HoursView {
    fn from(view: svc::HoursView) -> Self {
        let svc::HoursView { id, name, hours, minutes, shifts, over_warning } = view;
        HoursView { id, name, hours, minutes, shifts, over_warning }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RosterView {
    pub from: String,
    pub days: u32,
    pub shifts: Vec<ShiftView>,
    pub hours: Vec<HoursView>,
    pub missing: i32,
    pub limits: LimitsView,
}

impl From<svc::RosterView> for RosterView {
    fn from(view: svc::RosterView) -> Self {
        let svc::RosterView { from, days, shifts, hours, missing, limits } = view;
        RosterView {
            from,
            days,
            shifts: shifts.into_iter().map(ShiftView::from).collect(),
            hours: hours.into_iter().map(HoursView::from).collect(),
            missing,
            limits: limits.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LimitsView {
    pub warn_day_hours: u32,
    pub max_day_hours: u32,
    pub min_rest_hours: u32,
    pub max_week_hours: u32,
}

impl From<svc::LimitsView> for LimitsView {
    fn from(limits: svc::LimitsView) -> Self {
        let svc::LimitsView { warn_day_hours, max_day_hours, min_rest_hours, max_week_hours } = limits;
        LimitsView { warn_day_hours, max_day_hours, min_rest_hours, max_week_hours }
    }
}

/// The period and pattern of shifts to generate.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateInput {
    /// Posts to staff (all posts when empty).
    #[serde(default)]
    pub posts: Vec<Uuid>,
    /// First day, `YYYY-MM-DD`.
    pub first_day: String,
    /// Number of days (1 to 31).
    pub days: u32,
    /// Hour the first shift of a day starts (0 to 23).
    #[serde(default)]
    pub start_hour: u32,
    /// Length of a shift in hours (1 to 24).
    pub shift_hours: u32,
    /// Shifts per day (defaults to round the clock).
    #[serde(default)]
    pub shifts_per_day: Option<u32>,
    /// People per shift.
    pub needed: u16,
    /// `Skill` code everyone on the shift must hold.
    #[serde(default)]
    pub skill: Option<String>,
}

impl From<GenerateInput> for svc::GenerateInput {
    fn from(input: GenerateInput) -> Self {
        let GenerateInput { posts, first_day, days, start_hour, shift_hours, shifts_per_day, needed, skill } = input;
        svc::GenerateInput { posts, first_day, days, start_hour, shift_hours, shifts_per_day, needed, skill }
    }
}

/// What a generation (or a refill) did.
#[derive(Serialize, ToSchema)]
pub struct Outcome {
    pub shifts: usize,
    pub assigned: usize,
    /// Places left open, described.
    pub gaps: Vec<String>,
    pub missing: u32,
    pub warnings: Vec<String>,
}

impl From<svc::Outcome> for Outcome {
    fn from(outcome: svc::Outcome) -> Self {
        let svc::Outcome { shifts, assigned, gaps, missing, warnings } = outcome;
        Outcome { shifts, assigned, gaps, missing, warnings }
    }
}

/// A volunteer's shifts from now on.
#[derive(Serialize, ToSchema)]
pub struct MyShift {
    pub shift_id: Uuid,
    pub post: String,
    pub when: String,
    pub hours: String,
}

impl From<svc::MyShift> for MyShift {
    fn from(shift: svc::MyShift) -> Self {
        let svc::MyShift { shift_id, post, when, hours } = shift;
        MyShift { shift_id, post, when, hours }
    }
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
    Ok(Json(svc::roster(&state.ctx, &user.actor(None), &code, q.from.as_deref(), q.days).await?.into()))
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
    let input: svc::GenerateInput = plain_body(input)?.into();
    Ok(Json(svc::generate_as(&state.ctx, &user.actor(peer.text()), &code, &input).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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
    let req = plain_body(req)?;
    svc::swap(&state.ctx, &user.actor(peer.text()), &code, req.shift, req.from, req.to).await?;
    Ok(Json(SwapResult { swapped: true }))
}

#[utoipa::path(get, path = "/api/v1/me/shifts", tag = "work",
    responses((status = 200, body = Vec<MyShift>), (status = 401, body = ErrorBody)))]
pub async fn my_shifts(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Vec<MyShift>>, AppError> {
    Ok(Json(svc::my_shifts(&state.ctx, &user.actor(None)).await?.into_iter().map(MyShift::from).collect()))
}

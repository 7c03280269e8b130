//! The group-buy timetable over JSON.

use crate::AppState;
use crate::api::body;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::rosters::api::PeriodQuery;
use crate::security::ClientIp;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use shouwang_service::groupbuy;
use utoipa::ToSchema;
use uuid::Uuid;

/// How to lay out the timetable.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimetableInput {
    /// First day, `YYYY-MM-DD`.
    pub first_day: String,
    /// 1 to 31.
    pub days: u32,
    /// Pickup points, e.g. `["东门", "西门"]`; every time window serves one
    /// compound at each point.
    pub points: Vec<String>,
    /// Hour the first window starts (0 to 23).
    pub start_hour: u32,
    /// Length of a window in minutes (10 to 240).
    pub window_minutes: u32,
    /// Windows per day.
    pub windows: u32,
}

impl From<TimetableInput> for groupbuy::TimetableInput {
    fn from(input: TimetableInput) -> Self {
        let TimetableInput { first_day, days, points, start_hour, window_minutes, windows } = input;
        groupbuy::TimetableInput { first_day, days, points, start_hour, window_minutes, windows }
    }
}

/// One slot as shown.
#[derive(Serialize, ToSchema)]
pub struct SlotView {
    pub day: String,
    pub time: String,
    pub point: String,
    pub compound_id: Uuid,
    pub compound: String,
    pub group: Option<String>,
    pub organisers: Vec<String>,
}

impl From<groupbuy::SlotView> for SlotView {
    fn from(slot: groupbuy::SlotView) -> Self {
        let groupbuy::SlotView { day, time, point, compound_id, compound, group, organisers } = slot;
        SlotView { day, time, point, compound_id, compound, group, organisers }
    }
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
    let slots = groupbuy::timetable_of(&state.ctx, &user.actor(None), &code, q.from.as_deref(), q.days).await?;
    Ok(Json(slots.into_iter().map(SlotView::from).collect()))
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
    let input: groupbuy::TimetableInput = body(input)?.into();
    Ok(Json(TimetableResult {
        slots: groupbuy::generate_as(&state.ctx, &user.actor(peer.text()), &code, &input).await?,
    }))
}

//! Tasks and claims over JSON: create a task, read it with its history,
//! dispatch it, assign members, change its state, and claim, extend or
//! release it. A repeated state change answers the current state.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shouwang_domain::task::TaskAction;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::api::plain_body;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody, refused};
use crate::security::ClientIp;
use shouwang_service::tasks as svc;

// The API's own copies of the task shapes of `crate::tasks`: the same JSON and
// the same descriptions, so the service needs no utoipa.

/// A new task as a form or a JSON body gives it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    pub title: String,
    /// `TaskKind` code (or label).
    pub kind: String,
    /// Code of a compound or building of the community.
    #[serde(default)]
    pub place: Option<String>,
    /// Free text for the place ("3号门岗").
    #[serde(default)]
    pub place_text: Option<String>,
    /// "2022-04-06 22:30" (Beijing time) or RFC 3339.
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default = "one")]
    pub headcount: i32,
    /// urgent / high / normal
    #[serde(default)]
    pub priority: Option<String>,
    /// `Skill` codes.
    #[serde(default)]
    pub skills: Vec<String>,
    /// A sign-up sheet (接龙) opened for this task.
    #[serde(default)]
    pub signup_sheet: Option<Uuid>,
}

fn one() -> i32 {
    1
}

impl From<TaskInput> for svc::TaskInput {
    fn from(input: TaskInput) -> Self {
        let TaskInput { title, kind, place, place_text, starts_at, ends_at, headcount, priority, skills, signup_sheet } =
            input;
        svc::TaskInput { title, kind, place, place_text, starts_at, ends_at, headcount, priority, skills, signup_sheet }
    }
}

/// One line of a task's history.
#[derive(Serialize, ToSchema)]
pub struct EventLine {
    /// Beijing time.
    pub at: String,
    pub by: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub what: String,
    /// What happened, in the reader's language.
    pub text: String,
}

impl From<svc::EventLine> for EventLine {
    fn from(line: svc::EventLine) -> Self {
        let svc::EventLine { at, by, from, to, what, text } = line;
        EventLine { at, by, from, to, what, text }
    }
}

/// A live claim as shown.
#[derive(Serialize, ToSchema)]
pub struct ClaimLine {
    pub id: Uuid,
    pub volunteer_id: Uuid,
    pub volunteer: String,
    /// RFC 3339.
    pub expires_at: String,
    /// Beijing time.
    pub expires_local: String,
    pub minutes_left: i64,
    pub mine: bool,
}

impl From<svc::ClaimLine> for ClaimLine {
    fn from(line: svc::ClaimLine) -> Self {
        let svc::ClaimLine { id, volunteer_id, volunteer, expires_at, expires_local, minutes_left, mine } = line;
        ClaimLine { id, volunteer_id, volunteer, expires_at, expires_local, minutes_left, mine }
    }
}

/// A task with everything its page and the API show.
#[derive(Serialize, ToSchema)]
pub struct TaskDetail {
    pub id: Uuid,
    pub community: String,
    pub title: String,
    pub kind: String,
    pub kind_label: String,
    pub place: Option<String>,
    pub place_text: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub headcount: i32,
    pub priority: String,
    pub priority_label: String,
    pub skills: Vec<String>,
    pub state: String,
    pub state_label: String,
    pub branch_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub signup_sheet_id: Option<Uuid>,
    pub reason: Option<String>,
    pub assignees: Vec<(Uuid, String)>,
    pub claim: Option<ClaimLine>,
    pub events: Vec<EventLine>,
}

impl From<svc::TaskDetail> for TaskDetail {
    fn from(detail: svc::TaskDetail) -> Self {
        let svc::TaskDetail {
            id,
            community,
            title,
            kind,
            kind_label,
            place,
            place_text,
            starts_at,
            ends_at,
            headcount,
            priority,
            priority_label,
            skills,
            state,
            state_label,
            branch_id,
            group_id,
            signup_sheet_id,
            reason,
            assignees,
            claim,
            events,
        } = detail;
        TaskDetail {
            id,
            community,
            title,
            kind,
            kind_label,
            place,
            place_text,
            starts_at,
            ends_at,
            headcount,
            priority,
            priority_label,
            skills,
            state,
            state_label,
            branch_id,
            group_id,
            signup_sheet_id,
            reason,
            assignees,
            claim: claim.map(ClaimLine::from),
            events: events.into_iter().map(EventLine::from).collect(),
        }
    }
}

async fn detail_of(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<TaskDetail, AppError> {
    Ok(svc::task(&state.ctx, &user.actor(None), id).await?.into())
}

#[utoipa::path(post, path = "/api/v1/communities/{code}/tasks", tag = "work",
    params(("code" = String, Path, description = "community code")),
    request_body = TaskInput,
    responses((status = 201, body = TaskDetail), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_task(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    input: Result<Json<TaskInput>, JsonRejection>,
) -> Result<Response, AppError> {
    let input: svc::TaskInput = plain_body(input)?.into();
    let detail = TaskDetail::from(svc::create_task(&state.ctx, &user.actor(peer.text()), &code, &input).await?);
    Ok((StatusCode::CREATED, Json(detail)).into_response())
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "work",
    params(("id" = Uuid, Path, description = "task id")),
    responses((status = 200, body = TaskDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_task(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<TaskDetail>, AppError> {
    Ok(Json(detail_of(&state, &user, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchRequest {
    #[serde(default)]
    pub branch: Option<Uuid>,
    #[serde(default)]
    pub group: Option<Uuid>,
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/dispatch", tag = "work",
    params(("id" = Uuid, Path, description = "task id")),
    request_body = DispatchRequest,
    responses((status = 200, body = TaskDetail), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn dispatch(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    req: Result<Json<DispatchRequest>, JsonRejection>,
) -> Result<Json<TaskDetail>, AppError> {
    let req = plain_body(req)?;
    svc::dispatch(&state.ctx, &user.actor(peer.text()), id, req.branch, req.group).await?;
    Ok(Json(detail_of(&state, &user, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub volunteers: Vec<Uuid>,
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/assign", tag = "work",
    params(("id" = Uuid, Path, description = "task id")),
    request_body = AssignRequest,
    responses((status = 200, body = TaskDetail), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    req: Result<Json<AssignRequest>, JsonRejection>,
) -> Result<Json<TaskDetail>, AppError> {
    let req = plain_body(req)?;
    svc::assign(&state.ctx, &user.actor(peer.text()), id, &req.volunteers).await?;
    Ok(Json(detail_of(&state, &user, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// assign / start / done / check / could_not_complete / cancel / reopen
    pub action: String,
    /// Required for could_not_complete.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TransitionResult {
    pub state: String,
    /// False when the task was already in that state (a retry).
    pub changed: bool,
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/transition", tag = "work",
    params(("id" = Uuid, Path, description = "task id")),
    request_body = TransitionRequest,
    responses((status = 200, body = TransitionResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn transition(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    req: Result<Json<TransitionRequest>, JsonRejection>,
) -> Result<Json<TransitionResult>, AppError> {
    let req = plain_body(req)?;
    let action = TaskAction::from_code(req.action.trim()).ok_or_else(|| refused("work.unknown_action", &[]))?;
    let c = svc::act(&state.ctx, &user.actor(peer.text()), id, action, req.reason.as_deref()).await?;
    Ok(Json(TransitionResult { state: c.state.code().to_string(), changed: c.changed }))
}

#[derive(Serialize, ToSchema)]
pub struct ClaimResult {
    /// held (by the caller) or taken (by someone else)
    pub status: String,
    pub claim_id: Option<Uuid>,
    /// RFC 3339.
    pub expires_at: String,
    /// The caller already held it: nothing changed.
    pub repeated: bool,
}

fn rfc(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/claim", tag = "work",
    params(("id" = Uuid, Path, description = "task id")),
    responses((status = 200, body = ClaimResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn claim(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<ClaimResult>, AppError> {
    Ok(Json(match svc::claim_task(&state.ctx, &user.actor(None), id).await? {
        svc::Claimed::Held { claim, repeated } => {
            ClaimResult { status: "held".into(), claim_id: Some(claim.id), expires_at: rfc(claim.expires_at), repeated }
        }
        svc::Claimed::Taken { until } => {
            ClaimResult { status: "taken".into(), claim_id: None, expires_at: rfc(until), repeated: false }
        }
    }))
}

#[utoipa::path(post, path = "/api/v1/claims/{id}/extend", tag = "work",
    params(("id" = Uuid, Path, description = "claim id")),
    responses((status = 200, body = ClaimResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn extend_claim(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<ClaimResult>, AppError> {
    let c = svc::extend_claim(&state.ctx, &user.actor(None), id).await?;
    Ok(Json(ClaimResult {
        status: "held".into(),
        claim_id: Some(c.id),
        expires_at: rfc(c.expires_at),
        repeated: false,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ReleaseResult {
    /// False when it had already been released or had expired.
    pub released: bool,
}

#[utoipa::path(post, path = "/api/v1/claims/{id}/release", tag = "work",
    params(("id" = Uuid, Path, description = "claim id")),
    responses((status = 200, body = ReleaseResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn release_claim(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<ReleaseResult>, AppError> {
    Ok(Json(ReleaseResult { released: svc::release_claim(&state.ctx, &user.actor(None), id).await? }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOverRequest {
    /// The volunteer who takes the claim over.
    pub to: Uuid,
}

#[utoipa::path(post, path = "/api/v1/claims/{id}/hand-over", tag = "work",
    params(("id" = Uuid, Path, description = "claim id")),
    request_body = HandOverRequest,
    responses((status = 200, body = ClaimResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn hand_over(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    req: Result<Json<HandOverRequest>, JsonRejection>,
) -> Result<Json<ClaimResult>, AppError> {
    let req = plain_body(req)?;
    let c = svc::hand_over(&state.ctx, &user.actor(None), id, req.to).await?;
    Ok(Json(ClaimResult {
        status: "handed_over".into(),
        claim_id: Some(c.id),
        expires_at: rfc(c.expires_at),
        repeated: false,
    }))
}

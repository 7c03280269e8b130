//! Tasks and claims over JSON: create a task, read it with its history,
//! dispatch it, assign members, change its state, and claim, extend or
//! release it. A repeated state change answers the current state.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shouwang_db::tasks::ClaimOutcome;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::task::TaskAction;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::mobilise::{self, bad};
use crate::security::ClientIp;
use crate::tasks::{self as svc, TaskDetail, TaskInput};

fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    json.map(|Json(t)| t).map_err(|_| bad("请求内容不正确", "malformed request body"))
}

async fn detail_of(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<TaskDetail, AppError> {
    let (t, community) = svc::task_for(state, user, id, Action::Read).await?;
    svc::detail(state, user, &t, &community).await
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
    let community = mobilise::community_for(&state, &user, &code, Resource::Work, Action::Write).await?;
    let input = body(input)?;
    let t = svc::create_task(&state, &user, &community, &input, peer.text()).await?;
    Ok((StatusCode::CREATED, Json(svc::detail(&state, &user, &t, &community).await?)).into_response())
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
    let req = body(req)?;
    let (t, community) = svc::task_for(&state, &user, id, Action::Write).await?;
    svc::dispatch(&state, &user, &t, &community, req.branch, req.group, peer.text()).await?;
    Ok(Json(detail_of(&state, &user, id).await?))
}

#[derive(Deserialize, ToSchema)]
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
    let req = body(req)?;
    let (t, community) = svc::task_for(&state, &user, id, Action::Write).await?;
    svc::assign(&state, &user, &t, &community, &req.volunteers, peer.text()).await?;
    Ok(Json(detail_of(&state, &user, id).await?))
}

#[derive(Deserialize, ToSchema)]
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
    let req = body(req)?;
    let action = TaskAction::from_code(req.action.trim()).ok_or_else(|| bad("未知的操作", "unknown action"))?;
    let (t, community) = svc::task_for(&state, &user, id, Action::Read).await?;
    let c = svc::act(&state, &user, &t, &community, action, req.reason.as_deref(), peer.text()).await?;
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
    let (t, _) = svc::task_for(&state, &user, id, Action::Read).await?;
    Ok(Json(match svc::claim_task(&state, &user, &t).await? {
        ClaimOutcome::Held { claim, repeated } => {
            ClaimResult { status: "held".into(), claim_id: Some(claim.id), expires_at: rfc(claim.expires_at), repeated }
        }
        ClaimOutcome::Taken { until, .. } => {
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
    let c = svc::extend_claim(&state, &user, id).await?;
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
    Ok(Json(ReleaseResult { released: svc::release_claim(&state, &user, id).await? }))
}

#[derive(Deserialize, ToSchema)]
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
    let req = body(req)?;
    let c = svc::hand_over(&state, &user, id, req.to).await?;
    Ok(Json(ClaimResult {
        status: "handed_over".into(),
        claim_id: Some(c.id),
        expires_at: rfc(c.expires_at),
        repeated: false,
    }))
}

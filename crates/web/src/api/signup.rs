//! Sign-up sheets (接龙) over JSON: open one, read it with its WeChat text,
//! join or withdraw as oneself. A join is idempotent: a retried request
//! answers the first one's place.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shouwang_db::entity::signup_sheet;
use shouwang_domain::access::{Action, Resource};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::mobilise::{self, bad};
use crate::security::ClientIp;
use crate::work::{self, EntryLine, SheetInput};

#[derive(Serialize, ToSchema)]
pub struct SheetDto {
    pub id: Uuid,
    pub title: String,
    pub note: Option<String>,
    pub unit: Option<String>,
    pub capacity: i32,
    pub confirmed: i32,
    pub waiting: usize,
    pub quantity_max: Option<i32>,
    pub quantity_total: Option<i32>,
    pub quantity_confirmed: i32,
    /// RFC 3339.
    pub deadline: Option<String>,
    /// The page that opens the sheet on a phone: `/s/{token}`.
    pub share_path: String,
    pub entries: Vec<EntryLine>,
    /// The sheet as WeChat 接龙 text, ready to paste.
    pub text: String,
}

async fn dto(state: &AppState, user: &CurrentUser, sheet: signup_sheet::Model) -> Result<SheetDto, AppError> {
    let me = shouwang_db::mobilisation::volunteer_by_user(&state.db.read, user.id).await?.map(|v| v.id);
    let (entries, text) = work::sheet_lines(state, &sheet, me, user.lang).await?;
    let rfc = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    Ok(SheetDto {
        id: sheet.id,
        waiting: entries.iter().filter(|e| e.status == "waiting").count(),
        share_path: format!("/s/{}", sheet.share_token),
        title: sheet.title,
        note: sheet.note,
        unit: sheet.unit,
        capacity: sheet.capacity,
        confirmed: sheet.confirmed,
        quantity_max: sheet.quantity_max,
        quantity_total: sheet.quantity_total,
        quantity_confirmed: sheet.quantity_confirmed,
        deadline: sheet.deadline.map(rfc),
        entries,
        text,
    })
}

fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    json.map(|Json(t)| t).map_err(|_| bad("请求内容不正确", "malformed request body"))
}

#[utoipa::path(post, path = "/api/v1/communities/{code}/signup-sheets", tag = "work",
    params(("code" = String, Path, description = "community code")),
    request_body = SheetInput,
    responses((status = 201, body = SheetDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn open_sheet(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    input: Result<Json<SheetInput>, JsonRejection>,
) -> Result<Response, AppError> {
    let community = mobilise::community_for(&state, &user, &code, Resource::Work, Action::Write).await?;
    let input = body(input)?;
    let sheet = work::open_sheet(&state, &user, &community, &input, peer.text()).await?;
    Ok((StatusCode::CREATED, Json(dto(&state, &user, sheet).await?)).into_response())
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/signup-sheet", tag = "work",
    params(("id" = Uuid, Path, description = "task id")),
    responses((status = 201, body = SheetDto, description = "the task's sheet, filled in from the task"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn open_task_sheet(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let sheet = crate::tasks::open_sheet_for_task(&state, &user, id, peer.text()).await?;
    Ok((StatusCode::CREATED, Json(dto(&state, &user, sheet).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/signup-sheets/{id}", tag = "work",
    params(("id" = Uuid, Path, description = "sheet id")),
    responses((status = 200, body = SheetDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_sheet(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<SheetDto>, AppError> {
    let (sheet, _) = work::sheet_for(&state, &user, id, Action::Read).await?;
    Ok(Json(dto(&state, &user, sheet).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct JoinRequest {
    /// How many of the sheet's unit ("2 boxes"); 1 when absent.
    #[serde(default)]
    pub quantity: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct JoinResult {
    /// confirmed or waiting
    pub status: String,
    /// Arrival number on the sheet.
    pub seq: i32,
    /// This join had been made before: nothing changed.
    pub repeated: bool,
}

#[utoipa::path(post, path = "/api/v1/signup-sheets/{id}/join", tag = "work",
    params(("id" = Uuid, Path, description = "sheet id")),
    request_body = JoinRequest,
    responses((status = 200, body = JoinResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn join(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    req: Option<Json<JoinRequest>>,
) -> Result<Json<JoinResult>, AppError> {
    let quantity = req.and_then(|Json(r)| r.quantity).unwrap_or(1);
    let j = work::join_as(&state, &user, id, quantity).await?;
    Ok(Json(JoinResult { status: j.status.code().to_string(), seq: j.seq, repeated: j.repeated }))
}

#[derive(Serialize, ToSchema)]
pub struct WithdrawResult {
    /// How many people moved up from the waiting list.
    pub promoted: usize,
}

#[utoipa::path(post, path = "/api/v1/signup-sheets/{id}/withdraw", tag = "work",
    params(("id" = Uuid, Path, description = "sheet id")),
    responses((status = 200, body = WithdrawResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<WithdrawResult>, AppError> {
    let (sheet, _) = work::sheet_for(&state, &user, id, Action::Read).await?;
    Ok(Json(WithdrawResult { promoted: work::withdraw_as(&state, &user, &sheet).await? }))
}

#[utoipa::path(get, path = "/api/v1/me/work", tag = "work",
    responses((status = 200, body = work::MyWork, description = "the caller's tasks, claims, next shifts, hours this week and sheets"),
        (status = 404, body = ErrorBody, description = "the account is not linked to a volunteer")))]
pub async fn my_work(State(state): State<AppState>, user: CurrentUser) -> Result<Json<work::MyWork>, AppError> {
    work::my_work(&state, &user).await?.map(Json).ok_or_else(|| AppError::NotFound {
        zh: "你的账号没有关联志愿者报到记录".into(),
        en: "this account is not linked to a volunteer".into(),
    })
}

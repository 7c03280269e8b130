//! Sign-up sheets (接龙) over JSON: open one, read it with its WeChat text,
//! join or withdraw as oneself. A join is idempotent: a retried request
//! answers the first one's place.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::api::plain_body;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody, missing};
use crate::security::ClientIp;
use shouwang_service::signup;

use crate::rosters::api::MyShift;

// The API's own copies of the sheet shapes of `crate::work`: the same JSON and
// the same descriptions, so the service needs no utoipa.

/// A new sheet as a form or a JSON body gives it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SheetInput {
    pub title: String,
    #[serde(default)]
    pub note: Option<String>,
    /// What quantities count, e.g. "箱".
    #[serde(default)]
    pub unit: Option<String>,
    pub capacity: i32,
    #[serde(default)]
    pub quantity_max: Option<i32>,
    #[serde(default)]
    pub quantity_total: Option<i32>,
    /// "2022-04-06 22:30" (Beijing time) or RFC 3339.
    #[serde(default)]
    pub deadline: Option<String>,
    /// `Skill` code required to join.
    #[serde(default)]
    pub skill: Option<String>,
    /// `VolunteerKind` code required to join.
    #[serde(default)]
    pub kind: Option<String>,
    /// Only this group's members may join.
    #[serde(default)]
    pub group: Option<Uuid>,
}

impl From<SheetInput> for signup::SheetInput {
    fn from(input: SheetInput) -> Self {
        let SheetInput { title, note, unit, capacity, quantity_max, quantity_total, deadline, skill, kind, group } =
            input;
        signup::SheetInput { title, note, unit, capacity, quantity_max, quantity_total, deadline, skill, kind, group }
    }
}

/// One person on a sheet, as lists show them.
#[derive(Serialize, ToSchema)]
pub struct EntryLine {
    pub seq: i32,
    pub name: String,
    pub quantity: i32,
    /// confirmed / waiting / withdrawn
    pub status: String,
    pub mine: bool,
}

impl From<signup::EntryLine> for EntryLine {
    fn from(line: signup::EntryLine) -> Self {
        let signup::EntryLine { seq, name, quantity, status, mine } = line;
        EntryLine { seq, name, quantity, status: status.code().to_string(), mine }
    }
}

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

fn dto(d: signup::SheetDetail) -> SheetDto {
    let rfc = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let signup::SheetDetail { sheet, lines, text, .. } = d;
    SheetDto {
        id: sheet.id,
        waiting: lines.iter().filter(|e| e.status == shouwang_domain::signup::EntryStatus::Waiting).count(),
        share_path: sheet.share_path,
        title: sheet.title,
        note: sheet.note,
        unit: sheet.unit,
        capacity: sheet.capacity,
        confirmed: sheet.confirmed,
        quantity_max: sheet.quantity_max,
        quantity_total: sheet.quantity_total,
        quantity_confirmed: sheet.quantity_confirmed,
        deadline: sheet.deadline.map(rfc),
        entries: lines.into_iter().map(EntryLine::from).collect(),
        text,
    }
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
    let input: signup::SheetInput = plain_body(input)?.into();
    let opened = signup::open_sheet(&state.ctx, &user.actor(peer.text()), &code, &input).await?;
    Ok((StatusCode::CREATED, Json(dto(opened))).into_response())
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
    let opened = shouwang_service::tasks::open_sheet_for_task(&state.ctx, &user.actor(peer.text()), id).await?;
    Ok((StatusCode::CREATED, Json(dto(opened))).into_response())
}

#[utoipa::path(get, path = "/api/v1/signup-sheets/{id}", tag = "work",
    params(("id" = Uuid, Path, description = "sheet id")),
    responses((status = 200, body = SheetDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_sheet(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<SheetDto>, AppError> {
    Ok(Json(dto(signup::sheet(&state.ctx, &user.actor(None), id).await?)))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
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
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<JoinResult>, AppError> {
    // No body means one; a body that does not parse is refused, never read as one.
    let req: JoinRequest = crate::api::optional_body(&headers, &body)?;
    let quantity = req.quantity.unwrap_or(1);
    let j = signup::join_as(&state.ctx, &user.actor(None), id, quantity).await?;
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
    Ok(Json(WithdrawResult { promoted: signup::withdraw(&state.ctx, &user.actor(None), id).await? }))
}

// The API's own copies of "my work" (`signup::MyWork` and its parts).

/// A sheet as the volunteer's own list shows it.
#[derive(Serialize, ToSchema)]
pub struct MySheet {
    pub id: Uuid,
    pub title: String,
    /// confirmed / waiting, or empty for a sheet one may join.
    pub status: String,
    /// Arrival number on the sheet, 0 when not on it.
    pub seq: i32,
    pub confirmed: i32,
    pub capacity: i32,
    /// Local deadline, empty when none.
    pub deadline: String,
}

impl From<signup::MySheet> for MySheet {
    fn from(sheet: signup::MySheet) -> Self {
        let signup::MySheet { id, title, status, seq, confirmed, capacity, deadline } = sheet;
        MySheet { id, title, status, seq, confirmed, capacity, deadline }
    }
}

/// A live task the volunteer is assigned to or holds.
#[derive(Serialize, ToSchema)]
pub struct MyTaskLine {
    pub id: Uuid,
    pub title: String,
    pub state: String,
    pub when: String,
}

impl From<signup::MyTaskLine> for MyTaskLine {
    fn from(line: signup::MyTaskLine) -> Self {
        let signup::MyTaskLine { id, title, state, when } = line;
        MyTaskLine { id, title, state, when }
    }
}

/// A live claim, with its expiry for the countdown.
#[derive(Serialize, ToSchema)]
pub struct MyClaim {
    pub id: Uuid,
    /// What is claimed: a task's title or a building's name.
    pub subject: String,
    /// The task's page, for a task.
    pub task: Option<Uuid>,
    /// RFC 3339, for the countdown.
    pub expires_at: String,
    /// Local time, for reading without scripts.
    pub expires_local: String,
}

impl From<signup::MyClaim> for MyClaim {
    fn from(claim: signup::MyClaim) -> Self {
        let signup::MyClaim { id, subject, task, expires_at, expires_local } = claim;
        MyClaim { id, subject, task, expires_at, expires_local }
    }
}

/// Everything on one volunteer's plate.
#[derive(Serialize, ToSchema)]
pub struct MyWork {
    pub name: String,
    /// Moved up from a waiting list in the last three days: the in-app notice.
    pub promoted: Vec<MySheet>,
    pub tasks: Vec<MyTaskLine>,
    pub claims: Vec<MyClaim>,
    /// The next shifts (at most five) and how many more follow.
    pub shifts: Vec<MyShift>,
    pub more_shifts: usize,
    /// Hours on duty this week (Monday to Sunday, Beijing time), and the community's weekly cap.
    pub week_hours: String,
    pub week_cap_hours: u32,
    /// Open sheets one is on.
    pub my_sheets: Vec<MySheet>,
    /// Open sheets one may join.
    pub open_sheets: Vec<MySheet>,
    /// Buildings whose delivery run one may claim (id, "compound building").
    pub buildings: Vec<(Uuid, String)>,
}

impl From<signup::MyWork> for MyWork {
    fn from(work: signup::MyWork) -> Self {
        let signup::MyWork {
            name,
            promoted,
            tasks,
            claims,
            shifts,
            more_shifts,
            week_hours,
            week_cap_hours,
            my_sheets,
            open_sheets,
            buildings,
        } = work;
        MyWork {
            name,
            promoted: promoted.into_iter().map(MySheet::from).collect(),
            tasks: tasks.into_iter().map(MyTaskLine::from).collect(),
            claims: claims.into_iter().map(MyClaim::from).collect(),
            shifts: shifts.into_iter().map(MyShift::from).collect(),
            more_shifts,
            week_hours,
            week_cap_hours,
            my_sheets: my_sheets.into_iter().map(MySheet::from).collect(),
            open_sheets: open_sheets.into_iter().map(MySheet::from).collect(),
            buildings,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/me/work", tag = "work",
    responses((status = 200, body = MyWork, description = "the caller's tasks, claims, next shifts, hours this week and sheets"),
        (status = 404, body = ErrorBody, description = "the account is not linked to a volunteer")))]
pub async fn my_work(State(state): State<AppState>, user: CurrentUser) -> Result<Json<MyWork>, AppError> {
    signup::my_work(&state.ctx, &user.actor(None))
        .await?
        .map(|w| Json(MyWork::from(w)))
        .ok_or_else(|| missing("work.signup.not_linked", &[]))
}

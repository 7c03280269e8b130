//! Sign-up sheets (接龙) on a phone: the community's sheets and a form to
//! open one; a sheet with its numbered list, one-tap join and withdraw, the
//! WeChat text to copy, and its share link (`/s/{token}`) with a QR code.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_domain::signup::EntryStatus;
use shouwang_domain::{Skill, VolunteerKind};
use shouwang_service::Place;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, refused};
use crate::i18n::{t, t_with};
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use shouwang_service::signup::{self as sheets, EntryLine, SheetInput, SheetRow, SheetView};

#[derive(Template)]
#[template(path = "signup/sheets.html")]
struct SheetsPage {
    ctx: PageCtx,
    community: Place,
    sheets: Vec<SheetRow>,
    can_write: bool,
    skills: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    groups: Vec<(Uuid, String)>,
}

pub async fn sheets_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let list = sheets::sheets(&state.ctx, &user.actor(None), &code).await?;
    let lang = user.lang;
    render(&SheetsPage {
        ctx: PageCtx::for_user(&user, &format!("/c/{code}/sheets")),
        can_write: list.can_write,
        community: list.community,
        sheets: list.sheets,
        skills: Skill::ALL.iter().map(|s| (s.code().to_string(), s.label(lang).to_string())).collect(),
        kinds: VolunteerKind::ALL.iter().map(|k| (k.code().to_string(), k.label(lang).to_string())).collect(),
        groups: list.groups,
    })
}

#[derive(Deserialize)]
pub struct SheetForm {
    title: String,
    capacity: i32,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    quantity_max: String,
    #[serde(default)]
    quantity_total: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    skill: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    group: String,
}

fn opt_int(s: &str) -> Result<Option<i32>, AppError> {
    match s.trim() {
        "" => Ok(None),
        // A whole number too long for the field saturates, so that the
        // service refuses it with its range rather than "not a number".
        t => t
            .parse::<i128>()
            .map(|v| Some(i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })))
            .map_err(|_| refused("work.signup.quantity_not_number", &[])),
    }
}

pub async fn open_sheet(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(form): Form<SheetForm>,
) -> Result<Response, AppError> {
    let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
    let input = SheetInput {
        title: form.title,
        note: some(form.note),
        unit: some(form.unit),
        capacity: form.capacity,
        quantity_max: opt_int(&form.quantity_max)?,
        quantity_total: opt_int(&form.quantity_total)?,
        deadline: some(form.deadline),
        skill: some(form.skill),
        kind: some(form.kind),
        group: match form.group.trim() {
            "" => None,
            g => Some(Uuid::parse_str(g).map_err(|_| refused("work.signup.unknown_group", &[]))?),
        },
    };
    let opened = sheets::open_sheet(&state.ctx, &user.actor(peer.text()), &code, &input).await?;
    Ok(Redirect::to(&format!("/sheets/{}", opened.sheet.id)).into_response())
}

#[derive(Template)]
#[template(path = "signup/sheet.html")]
struct SheetPage {
    ctx: PageCtx,
    community: Place,
    sheet: SheetView,
    deadline: String,
    closed: bool,
    confirmed: Vec<EntryLine>,
    waiting: Vec<EntryLine>,
    mine: Option<EntryLine>,
    can_join: bool,
    text: String,
    share_url: String,
    qr: String,
    notice: Option<String>,
}

async fn sheet_view(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    id: Uuid,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let d = sheets::sheet(&state.ctx, &user.actor(None), id).await?;
    let share_url = format!("{}{}", crate::registry::links::base_url(state, headers), d.sheet.share_path);
    let qr = crate::registry::links::qr_svg(&share_url)?;
    render(&SheetPage {
        ctx: PageCtx::for_user(user, &format!("/sheets/{id}")),
        deadline: d.sheet.deadline_text(),
        closed: d.sheet.closed,
        mine: d.lines.iter().find(|l| l.mine).cloned(),
        confirmed: d.lines.iter().filter(|l| l.confirmed()).cloned().collect(),
        waiting: d.lines.iter().filter(|l| l.status == EntryStatus::Waiting).cloned().collect(),
        can_join: d.can_join,
        text: d.text,
        share_url,
        qr,
        notice,
        community: d.community,
        sheet: d.sheet,
    })
}

pub async fn sheet_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    sheet_view(&state, &user, &headers, id, None).await
}

/// The share link pasted into a group chat: log in if needed, then the sheet.
pub async fn share_link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let id = sheets::sheet_by_token(&state.ctx, &user.actor(None), &token).await?;
    Ok(Redirect::to(&format!("/sheets/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    quantity: String,
}

pub async fn join(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(form): Form<JoinForm>,
) -> Result<Response, AppError> {
    let quantity = opt_int(&form.quantity)?.unwrap_or(1);
    let lang = user.lang;
    let notice = match sheets::join(&state.ctx, &user.actor(None), id, quantity).await {
        Ok(j) => match j.status {
            EntryStatus::Confirmed => t_with(lang, "work.signup.joined", &[("seq", &j.seq)]),
            _ => t(lang, "work.signup.waiting"),
        },
        Err(shouwang_service::Error::Invalid(m) | shouwang_service::Error::Conflict(m)) => m.message(lang),
        Err(e) => return Err(e.into()),
    };
    sheet_view(&state, &user, &headers, id, Some(notice)).await
}

pub async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let notice = match sheets::withdraw(&state.ctx, &user.actor(None), id).await {
        Ok(_) => t(lang, "work.signup.withdrawn"),
        Err(shouwang_service::Error::Invalid(m) | shouwang_service::Error::Conflict(m)) => m.message(lang),
        Err(e) => return Err(e.into()),
    };
    sheet_view(&state, &user, &headers, id, Some(notice)).await
}

#[derive(Template)]
#[template(path = "signup/my_work.html")]
struct MyWorkPage {
    ctx: PageCtx,
    work: Option<sheets::MyWork>,
    notice: Option<String>,
}

/// "My work" (`/my/work`): a volunteer's tasks, claims with live countdowns
/// (extend, release), next shifts, hours this week, sheets, and building runs
/// to claim, on one phone screen.
pub async fn my_work(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    my_work_view(&state, &user, None).await
}

pub(crate) async fn my_work_view(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let work = sheets::my_work(&state.ctx, &user.actor(None)).await?;
    render(&MyWorkPage { ctx: PageCtx::for_user(user, "/my/work"), work, notice })
}

#[derive(Deserialize)]
pub struct BuildingClaimForm {
    building: Uuid,
}

/// Claims a building's delivery run from "my work".
pub async fn claim_building(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<BuildingClaimForm>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let notice = match shouwang_service::tasks::claim_building(&state.ctx, &user.actor(None), form.building).await {
        Ok(o) => crate::tasks::pages::claim_text(&o, lang),
        Err(shouwang_service::Error::Invalid(m) | shouwang_service::Error::Conflict(m)) => m.message(lang),
        Err(e) => return Err(e.into()),
    };
    my_work_view(&state, &user, Some(notice)).await
}

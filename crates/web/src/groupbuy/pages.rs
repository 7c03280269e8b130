//! The group-buy timetable pages (团购时间表): pickup windows per compound.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_service::Place;
use shouwang_service::groupbuy::{self, SlotView};
use uuid::Uuid;

// ---------------------------------------------------------------------------
// Group-buy timetable

#[derive(Template)]
#[template(path = "groupbuy/groupbuy.html")]
struct GroupbuyPage {
    ctx: PageCtx,
    community: Place,
    can_write: bool,
    slots: Vec<SlotView>,
    compounds: Vec<(Uuid, String)>,
    today: String,
    print: bool,
    made: Option<usize>,
}

async fn groupbuy_view(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    print: bool,
    made: Option<usize>,
) -> Result<Response, AppError> {
    let t = groupbuy::timetable_page(&state.ctx, &user.actor(None), code).await?;
    render(&GroupbuyPage {
        ctx: PageCtx::for_user(user, &format!("/c/{code}/groupbuy")),
        can_write: t.can_write,
        slots: t.slots,
        compounds: t.compounds,
        today: t.today,
        print,
        made,
        community: t.community,
    })
}

pub async fn groupbuy_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    groupbuy_view(&state, &user, &code, false, None).await
}

pub async fn groupbuy_print(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    groupbuy_view(&state, &user, &code, true, None).await
}

#[derive(Deserialize)]
pub struct TimetableForm {
    first_day: String,
    days: u32,
    points: String,
    start_hour: u32,
    window_minutes: u32,
    windows: u32,
}

pub async fn groupbuy_generate(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(f): Form<TimetableForm>,
) -> Result<Response, AppError> {
    let input = groupbuy::TimetableInput {
        first_day: f.first_day,
        days: f.days,
        points: vec![f.points],
        start_hour: f.start_hour,
        window_minutes: f.window_minutes,
        windows: f.windows,
    };
    let made = groupbuy::generate_as(&state.ctx, &user.actor(peer.text()), &code, &input).await?;
    groupbuy_view(&state, &user, &code, false, Some(made)).await
}

#[derive(Deserialize)]
pub struct OrganiserForm {
    compound: Uuid,
    name: String,
    #[serde(default)]
    phone: String,
}

pub async fn add_organiser(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(f): Form<OrganiserForm>,
) -> Result<Response, AppError> {
    groupbuy::add_organiser(&state.ctx, &user.actor(peer.text()), &code, f.compound, &f.name, &f.phone).await?;
    Ok(Redirect::to(&format!("/c/{code}/groupbuy")).into_response())
}

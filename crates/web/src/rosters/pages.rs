//! Duty rosters (值班表) on a phone: `/c/{code}/rosters` (fatigue limits,
//! posts, the generate form, the roster per post and day with its gaps, hours
//! per volunteer, swaps) and printable rosters per post and per group.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_domain::Skill;
use shouwang_service::Place;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::error::refused;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use shouwang_service::rosters::{self as svc, HoursView, Outcome, PostBlock};

#[derive(Template)]
#[template(path = "rosters/rosters.html")]
struct RostersPage {
    ctx: PageCtx,
    community: Place,
    can_write: bool,
    from: String,
    days: u32,
    limits: svc::LimitsView,
    posts: Vec<PostBlock>,
    hours: Vec<HoursView>,
    missing: i32,
    outcome: Option<Outcome>,
    kinds: Vec<(String, String)>,
    skills: Vec<(String, String)>,
    compounds: Vec<(Uuid, String)>,
    groups: Vec<(Uuid, String)>,
    people: Vec<(Uuid, String)>,
}

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    days: Option<u32>,
    #[serde(default)]
    post: Option<Uuid>,
    #[serde(default)]
    group: Option<Uuid>,
}

async fn roster_page(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    from: Option<&str>,
    days: Option<u32>,
    outcome: Option<Outcome>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let b = svc::roster_board(&state.ctx, &user.actor(None), code, from, days).await?;
    render(&RostersPage {
        ctx: PageCtx::for_user(user, &format!("/c/{code}/rosters")),
        can_write: b.can_write,
        from: b.from,
        days: b.days,
        limits: b.limits,
        posts: b.posts,
        hours: b.hours,
        missing: b.missing,
        outcome,
        kinds: b.kinds,
        skills: Skill::ALL.iter().map(|s| (s.code().to_string(), s.label(lang).to_string())).collect(),
        compounds: b.compounds,
        groups: b.groups,
        people: b.people,
        community: b.community,
    })
}

pub async fn rosters_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    roster_page(&state, &user, &code, q.from.as_deref(), q.days, None).await
}

#[derive(Deserialize)]
pub struct SettingsForm {
    warn_day_hours: u32,
    max_day_hours: u32,
    min_rest_hours: u32,
    max_week_hours: u32,
}

pub async fn save_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, AppError> {
    let limits = svc::LimitsView {
        warn_day_hours: f.warn_day_hours,
        max_day_hours: f.max_day_hours,
        min_rest_hours: f.min_rest_hours,
        max_week_hours: f.max_week_hours,
    };
    svc::save_settings(&state.ctx, &user.actor(peer.text()), &code, limits).await?;
    Ok(Redirect::to(&format!("/c/{code}/rosters")).into_response())
}

#[derive(Deserialize)]
pub struct PostForm {
    name: String,
    kind: String,
    #[serde(default)]
    compound: String,
    #[serde(default)]
    group: String,
}

fn opt_uuid(s: &str) -> Result<Option<Uuid>, AppError> {
    match s.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| refused("mobilisation.invalid_choice", &[])),
    }
}

pub async fn create_post(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(f): Form<PostForm>,
) -> Result<Response, AppError> {
    let input =
        svc::PostInput { name: f.name, kind: f.kind, compound: opt_uuid(&f.compound)?, group: opt_uuid(&f.group)? };
    svc::create_post(&state.ctx, &user.actor(peer.text()), &code, input).await?;
    Ok(Redirect::to(&format!("/c/{code}/rosters")).into_response())
}

#[derive(Deserialize)]
pub struct GenerateForm {
    #[serde(default)]
    posts: Vec<Uuid>,
    first_day: String,
    days: u32,
    #[serde(default)]
    start_hour: u32,
    shift_hours: u32,
    needed: u16,
    #[serde(default)]
    skill: String,
}

pub async fn generate(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(f): Form<GenerateForm>,
) -> Result<Response, AppError> {
    let input = svc::GenerateInput {
        posts: f.posts,
        first_day: f.first_day,
        days: f.days,
        start_hour: f.start_hour,
        shift_hours: f.shift_hours,
        shifts_per_day: None,
        needed: f.needed,
        skill: Some(f.skill).filter(|s| !s.is_empty()),
    };
    let outcome = svc::generate_as(&state.ctx, &user.actor(peer.text()), &code, &input).await?;
    roster_page(&state, &user, &code, Some(&input.first_day), Some(input.days), Some(outcome)).await
}

#[derive(Deserialize)]
pub struct SwapForm {
    shift: Uuid,
    from: Uuid,
    to: Uuid,
    #[serde(default)]
    back: String,
}

pub async fn swap(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(f): Form<SwapForm>,
) -> Result<Response, AppError> {
    svc::swap(&state.ctx, &user.actor(peer.text()), &code, f.shift, f.from, f.to).await?;
    let back = if f.back.starts_with("/c/") { f.back } else { format!("/c/{code}/rosters") };
    Ok(Redirect::to(&back).into_response())
}

#[derive(Template)]
#[template(path = "rosters/roster_print.html")]
struct PrintPage {
    ctx: PageCtx,
    community: Place,
    title: String,
    posts: Vec<PostBlock>,
    printed_at: String,
}

/// A printable roster of one post (`?post=`), one group's members (`?group=`),
/// or every post.
pub async fn print(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let p = svc::roster_print(&state.ctx, &user.actor(None), &code, q.from.as_deref(), q.days, q.post, q.group).await?;
    let now = state.ctx.clock.local_now();
    render(&PrintPage {
        ctx: PageCtx::for_user(&user, &format!("/c/{code}/rosters/print")),
        title: p.title,
        posts: p.posts,
        printed_at: format!("{} {:02}:{:02}", now.date(), now.hour(), now.minute()),
        community: p.community,
    })
}

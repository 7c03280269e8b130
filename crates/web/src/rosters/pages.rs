//! Duty rosters (值班表) on a phone: `/c/{code}/rosters` (fatigue limits,
//! posts, the generate form, the roster per post and day with its gaps, hours
//! per volunteer, swaps) and printable rosters per post and per group.

use std::collections::{BTreeMap, HashSet};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_db::entity::region;
use shouwang_db::{mobilisation as mob, rosters as store};
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::roster::FatigueLimits;
use shouwang_domain::{Lang, Skill};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::error::bad;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use shouwang_service::rosters::{self as svc, HoursView, Outcome, ShiftView};

/// Shifts of one post on one day.
pub struct DayRow {
    pub day: String,
    pub shifts: Vec<ShiftView>,
}

pub struct PostBlock {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub detail: String,
    pub days: Vec<DayRow>,
}

fn blocks(
    posts: &[shouwang_db::entity::post::Model],
    shifts: Vec<ShiftView>,
    compounds: &BTreeMap<Uuid, String>,
    groups: &BTreeMap<Uuid, String>,
    lang: Lang,
) -> Vec<PostBlock> {
    let mut out: Vec<PostBlock> = posts
        .iter()
        .map(|p| {
            let mut detail = Vec::new();
            if let Some(c) = p.compound_id.and_then(|c| compounds.get(&c)) {
                detail.push(c.clone());
            }
            if let Some(g) = p.group_id.and_then(|g| groups.get(&g)) {
                detail.push(format!("{}{g}", lang.pick("值班小组：", "group on duty: ")));
            }
            PostBlock {
                id: p.id,
                name: p.name.clone(),
                kind: svc::post_kind_label(&p.kind, lang).to_string(),
                detail: detail.join(" · "),
                days: Vec::new(),
            }
        })
        .collect();
    for s in shifts {
        let Some(b) = out.iter_mut().find(|b| b.id == s.post_id) else { continue };
        match b.days.last_mut() {
            Some(d) if d.day == s.day => d.shifts.push(s),
            _ => b.days.push(DayRow { day: s.day.clone(), shifts: vec![s] }),
        }
    }
    out
}

#[derive(Template)]
#[template(path = "rosters/rosters.html")]
struct RostersPage {
    ctx: PageCtx,
    community: region::Model,
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
    community: region::Model,
    from: time::Date,
    days: u32,
    outcome: Option<Outcome>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let view = svc::view(&state.ctx, community.id, from, days).await?;
    let posts = store::posts_of_community(&state.ctx.db.read, community.id).await?;
    let compounds: BTreeMap<Uuid, String> = mob::compounds_of_community(&state.ctx.db.read, &community)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let groups: BTreeMap<Uuid, String> = mob::groups_of_community(&state.ctx.db.read, community.id)
        .await?
        .into_iter()
        .map(|g| (g.group.id, g.group.name))
        .collect();
    let filter = mob::VolunteerFilter { status: Some(shouwang_domain::DutyStatus::Verified), ..Default::default() };
    let people = mob::list_volunteers(&state.ctx.db.read, community.id, &filter)
        .await?
        .into_iter()
        .map(|r| (r.volunteer.id, r.volunteer.name))
        .collect();
    let code = community.code.clone();
    render(&RostersPage {
        ctx: PageCtx::for_user(user, &format!("/c/{code}/rosters")),
        can_write: user.can(Resource::Work, Action::Write, &community.path),
        from: view.from.clone(),
        days: view.days,
        limits: view.limits,
        posts: blocks(&posts, view.shifts, &compounds, &groups, lang),
        hours: view.hours,
        missing: view.missing,
        outcome,
        kinds: store::POST_KINDS.iter().map(|k| (k.to_string(), svc::post_kind_label(k, lang).to_string())).collect(),
        skills: Skill::ALL.iter().map(|s| (s.code().to_string(), s.label(lang).to_string())).collect(),
        compounds: compounds.into_iter().collect(),
        groups: groups.into_iter().collect(),
        people,
        community,
    })
}

fn period(q: &PeriodQuery, today: time::Date) -> Result<(time::Date, u32), AppError> {
    let from = match q.from.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => svc::parse_date(s)?,
        None => today,
    };
    Ok((from, q.days.unwrap_or(7).clamp(1, 31)))
}

pub async fn rosters_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Read).await?;
    let (from, days) = period(&q, state.ctx.clock.today())?;
    roster_page(&state, &user, community, from, days, None).await
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
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Write).await?;
    let limits = FatigueLimits {
        warn_day_minutes: f.warn_day_hours.saturating_mul(60),
        max_day_minutes: f.max_day_hours.saturating_mul(60),
        min_rest_minutes: f.min_rest_hours.saturating_mul(60),
        max_week_minutes: f.max_week_hours.saturating_mul(60),
    };
    let e = user.actor(peer.text()).entry("roster_settings", "community", Some(community.id.to_string()), &community);
    store::save_settings(&state.ctx.db, community.id, limits, e).await?;
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
        t => t.parse().map(Some).map_err(|_| bad("选择无效", "invalid choice")),
    }
}

pub async fn create_post(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(f): Form<PostForm>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Write).await?;
    let compound_id = opt_uuid(&f.compound)?;
    if let Some(c) = compound_id
        && !mob::compounds_of_community(&state.ctx.db.read, &community).await?.iter().any(|x| x.id == c)
    {
        return Err(bad("该小区不属于本社区", "that compound is not in this community"));
    }
    let group_id = opt_uuid(&f.group)?;
    if let Some(g) = group_id
        && mob::group_by_id(&state.ctx.db.read, g).await?.is_none_or(|x| x.community_id != community.id)
    {
        return Err(bad("该小组不属于本社区", "that group is not in this community"));
    }
    let e = user.actor(peer.text()).entry("post_create", "post", None, &community);
    store::create_post(
        &state.ctx.db,
        community.id,
        store::NewPost { name: f.name, kind: f.kind, compound_id, group_id },
        e,
    )
    .await?;
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
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Write).await?;
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
    let e = user.actor(peer.text()).entry("roster_generate", "community", Some(community.id.to_string()), &community);
    let outcome = svc::generate(&state.ctx, &community, &input, user.lang, e).await?;
    let from = svc::parse_date(&input.first_day)?;
    roster_page(&state, &user, community, from, input.days, Some(outcome)).await
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
    // The leader approves: only those who may write the community's work.
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Write).await?;
    let mut e = user.actor(peer.text()).entry("roster_swap", "shift", Some(f.shift.to_string()), &community);
    e.detail = serde_json::json!({ "from": f.from, "to": f.to });
    svc::swap(&state.ctx, &community, f.shift, f.from, f.to, user.lang, e).await?;
    let back = if f.back.starts_with("/c/") { f.back } else { format!("/c/{code}/rosters") };
    Ok(Redirect::to(&back).into_response())
}

#[derive(Template)]
#[template(path = "rosters/roster_print.html")]
struct PrintPage {
    ctx: PageCtx,
    community: region::Model,
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
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Read).await?;
    let lang = user.lang;
    let (from, days) = period(&q, state.ctx.clock.today())?;
    let mut view = svc::view(&state.ctx, community.id, from, days).await?;
    let mut posts = store::posts_of_community(&state.ctx.db.read, community.id).await?;
    let groups = mob::groups_of_community(&state.ctx.db.read, community.id).await?;
    let mut title = lang.pick("值班表", "Duty roster").to_string();
    if let Some(p) = q.post {
        posts.retain(|x| x.id == p);
        if let Some(x) = posts.first() {
            title = format!("{} · {}", x.name, title);
        }
    }
    if let Some(g) = q.group {
        let Some(group) = groups.iter().find(|x| x.group.id == g) else {
            return Err(AppError::NotFound { zh: "找不到该小组".into(), en: "group not found".into() });
        };
        let members: HashSet<Uuid> = group.members.iter().map(|m| m.id).collect();
        view.shifts.retain(|s| s.people.iter().any(|p| members.contains(&p.id)));
        for s in &mut view.shifts {
            s.people.retain(|p| members.contains(&p.id));
        }
        title = format!("{} · {}", group.group.name, title);
    }
    let compounds: BTreeMap<Uuid, String> = BTreeMap::new();
    let gnames: BTreeMap<Uuid, String> = groups.iter().map(|g| (g.group.id, g.group.name.clone())).collect();
    let mut blocks = blocks(&posts, view.shifts, &compounds, &gnames, lang);
    blocks.retain(|b| !b.days.is_empty());
    let now = state.ctx.clock.local_now();
    render(&PrintPage {
        ctx: PageCtx::for_user(&user, &format!("/c/{code}/rosters/print")),
        title,
        posts: blocks,
        printed_at: format!("{} {:02}:{:02}", now.date(), now.hour(), now.minute()),
        community,
    })
}

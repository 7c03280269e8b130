//! The group-buy timetable pages (团购时间表): pickup windows per compound.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::error::bad;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_db::entity::region;
use shouwang_db::{mobilisation as mob, rosters as store};
use shouwang_domain::access::{Action, Resource};
use shouwang_service::groupbuy::{self, SlotView};
use uuid::Uuid;

// ---------------------------------------------------------------------------
// Group-buy timetable

#[derive(Template)]
#[template(path = "groupbuy/groupbuy.html")]
struct GroupbuyPage {
    ctx: PageCtx,
    community: region::Model,
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
    community: region::Model,
    print: bool,
    made: Option<usize>,
) -> Result<Response, AppError> {
    let today = state.ctx.clock.today();
    let slots = groupbuy::timetable(&state.ctx, &community, today, 31).await?;
    let compounds = mob::compounds_of_community(&state.ctx.db.read, &community)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let code = community.code.clone();
    render(&GroupbuyPage {
        ctx: PageCtx::for_user(user, &format!("/c/{code}/groupbuy")),
        can_write: user.can(Resource::Work, Action::Write, &community.path),
        slots,
        compounds,
        today: today.to_string(),
        print,
        made,
        community,
    })
}

pub async fn groupbuy_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Read).await?;
    groupbuy_view(&state, &user, community, false, None).await
}

pub async fn groupbuy_print(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Read).await?;
    groupbuy_view(&state, &user, community, true, None).await
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
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Write).await?;
    let input = groupbuy::TimetableInput {
        first_day: f.first_day,
        days: f.days,
        points: vec![f.points],
        start_hour: f.start_hour,
        window_minutes: f.window_minutes,
        windows: f.windows,
    };
    let e = user.actor(peer.text()).entry("groupbuy_generate", "community", Some(community.id.to_string()), &community);
    let made = groupbuy::generate_timetable(&state.ctx, &community, &input, e).await?;
    groupbuy_view(&state, &user, community, false, Some(made)).await
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
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Write).await?;
    if !mob::compounds_of_community(&state.ctx.db.read, &community).await?.iter().any(|c| c.id == f.compound) {
        return Err(bad("该小区不属于本社区", "that compound is not in this community"));
    }
    let phone = match f.phone.trim() {
        "" => None,
        p => Some(
            shouwang_domain::PhoneNumber::parse(p)
                .map_err(|_| bad("手机号码格式不正确", "not a mainland mobile number"))?
                .masked(),
        ),
    };
    let e = user.actor(peer.text()).entry("groupbuy_organiser", "compound", Some(f.compound.to_string()), &community);
    store::add_organiser(&state.ctx.db, community.id, f.compound, &f.name, phone, None, e).await?;
    Ok(Redirect::to(&format!("/c/{code}/groupbuy")).into_response())
}

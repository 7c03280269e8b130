//! The supplies pages, phone first: a community's consignments and stocks;
//! a consignment (count at the gate, allocate with a preview, its runs);
//! a run (the sort sheet by floor, printable on A4, and the door buttons);
//! the coverage list. Every button is a plain POST: a door record carries a
//! key made when the page was drawn, so a second tap or a resent form records
//! nothing new.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_domain::supplies::{AllocationBasis, ConsignmentSource, DeliveryStatus, StockPlace};
use shouwang_service::supplies::{
    self as svc, AllocationInput, AllocationPreview, ConsignmentDetail, ConsignmentInput, CountInput, Coverage,
    DoorInput, ItemInput, Overview, RuleInput, RunSheet, StockInput,
};
use shouwang_service::tasks::Claimed;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{t, t_with};
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn options<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter().map(|&v| (code(v).to_string(), label(v).to_string())).collect()
}

/// A fresh key for a form that must be recorded once.
fn form_key() -> String {
    shouwang_service::tokens::random_token().chars().take(32).collect()
}

/// What a refused form says on the page itself.
fn notice_of(e: shouwang_service::Error, lang: shouwang_domain::Lang) -> Result<String, AppError> {
    match e {
        shouwang_service::Error::Invalid(m) | shouwang_service::Error::Conflict(m) => Ok(m.message(lang)),
        e => Err(e.into()),
    }
}

// --- overview -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "supplies/overview.html")]
struct OverviewPage {
    ctx: PageCtx,
    o: Overview,
    sources: Vec<(String, String)>,
    places: Vec<(String, String)>,
    notice: Option<String>,
}

async fn overview_view(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let o = svc::overview(&state.ctx, &user.actor(None), code).await?;
    render(&OverviewPage {
        ctx: PageCtx::for_user(user, &format!("/c/{code}/supplies")),
        o,
        sources: options(ConsignmentSource::ALL, ConsignmentSource::code, |v| v.label(lang)),
        places: options(StockPlace::ALL, StockPlace::code, |v| v.label(lang)),
        notice,
    })
}

pub async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    overview_view(&state, &user, &code, None).await
}

#[derive(Deserialize)]
pub struct ConsignmentForm {
    title: String,
    source: String,
    #[serde(default)]
    arrived_at: String,
    #[serde(default)]
    item: Vec<String>,
    #[serde(default)]
    unit: Vec<String>,
    #[serde(default)]
    quantity: Vec<String>,
}

/// An integer typed into a form: blank is `None`, anything else must parse.
fn number(s: &str) -> Result<Option<i64>, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<i64>().map(Some).map_err(|_| crate::error::refused("bounds.not_a_number", &[("field", &s)]))
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(f): Form<ConsignmentForm>,
) -> Result<Response, AppError> {
    let mut items = Vec::new();
    for (i, name) in f.item.iter().enumerate() {
        let quantity = number(f.quantity.get(i).map(String::as_str).unwrap_or(""))?;
        if name.trim().is_empty() && quantity.is_none() {
            continue;
        }
        items.push(ItemInput {
            name: name.clone(),
            unit: f.unit.get(i).cloned().unwrap_or_default(),
            quantity: quantity.unwrap_or(0),
        });
    }
    let input = ConsignmentInput {
        title: f.title,
        source: f.source,
        arrived_at: Some(f.arrived_at.replace('T', " ")).filter(|s| !s.trim().is_empty()),
        items,
    };
    match svc::create_consignment(&state.ctx, &user.actor(peer.text()), &code, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/supplies/{id}")).into_response()),
        Err(e) => overview_view(&state, &user, &code, Some(notice_of(e, user.lang)?)).await,
    }
}

#[derive(Deserialize)]
pub struct StockForm {
    place: String,
    item: String,
    unit: String,
    quantity: String,
    direction: String,
    #[serde(default)]
    reason: String,
}

pub async fn stock(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(f): Form<StockForm>,
) -> Result<Response, AppError> {
    let input = StockInput {
        place: f.place,
        item: f.item,
        unit: f.unit,
        quantity: number(&f.quantity)?.unwrap_or(0),
        into: f.direction != "out",
        reason: f.reason,
    };
    let notice = match svc::move_stock(&state.ctx, &user.actor(peer.text()), &code, &input).await {
        Ok(left) => format!("{}：{} {}{}", t(user.lang, "supplies.on_hand"), input.item, left, input.unit),
        Err(e) => notice_of(e, user.lang)?,
    };
    overview_view(&state, &user, &code, Some(notice)).await
}

// --- one consignment --------------------------------------------------------------

#[derive(Template)]
#[template(path = "supplies/consignment.html")]
struct ConsignmentPage {
    ctx: PageCtx,
    d: ConsignmentDetail,
    bases: Vec<(String, String)>,
    basis: String,
    preview: Option<AllocationPreview>,
    notice: Option<String>,
}

async fn consignment_view(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    preview: Option<AllocationPreview>,
    basis: Option<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let d = svc::consignment(&state.ctx, &user.actor(None), id).await?;
    render(&ConsignmentPage {
        ctx: PageCtx::for_user(user, &format!("/supplies/{id}")),
        d,
        bases: options(AllocationBasis::ALL, AllocationBasis::code, |v| v.label(lang)),
        basis: basis.unwrap_or_else(|| AllocationBasis::PerHousehold.code().to_string()),
        preview,
        notice,
    })
}

pub async fn consignment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    consignment_view(&state, &user, id, None, None, None).await
}

#[derive(Deserialize)]
pub struct ReceiveForm {
    #[serde(default)]
    item_id: Vec<Uuid>,
    #[serde(default)]
    received: Vec<String>,
    #[serde(default)]
    written_off: Vec<String>,
}

pub async fn receive(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(f): Form<ReceiveForm>,
) -> Result<Response, AppError> {
    let mut counts = Vec::new();
    for (i, item_id) in f.item_id.iter().enumerate() {
        let Some(received) = number(f.received.get(i).map(String::as_str).unwrap_or(""))? else { continue };
        let written_off = number(f.written_off.get(i).map(String::as_str).unwrap_or(""))?.unwrap_or(0);
        counts.push(CountInput { item_id: *item_id, received, written_off });
    }
    match svc::receive(&state.ctx, &user.actor(peer.text()), id, &counts).await {
        Ok(()) => Ok(Redirect::to(&format!("/supplies/{id}")).into_response()),
        Err(e) => consignment_view(&state, &user, id, None, None, Some(notice_of(e, user.lang)?)).await,
    }
}

#[derive(Deserialize)]
pub struct AllocateForm {
    basis: String,
    #[serde(default)]
    item_id: Vec<Uuid>,
    #[serde(default)]
    per_share: Vec<String>,
    #[serde(default)]
    reserve: Vec<String>,
    /// "preview" or "confirm".
    #[serde(default)]
    action: String,
    #[serde(default)]
    compound: Vec<Uuid>,
}

pub async fn allocate(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(f): Form<AllocateForm>,
) -> Result<Response, AppError> {
    let mut items = Vec::new();
    for (i, item_id) in f.item_id.iter().enumerate() {
        items.push(RuleInput {
            item_id: *item_id,
            per_share: number(f.per_share.get(i).map(String::as_str).unwrap_or(""))?.unwrap_or(1),
            reserve: number(f.reserve.get(i).map(String::as_str).unwrap_or(""))?.unwrap_or(0),
        });
    }
    let input = AllocationInput { basis: f.basis.clone(), items, compounds: f.compound.clone() };
    let actor = user.actor(peer.text());
    let result = if f.action == "confirm" {
        svc::allocate(&state.ctx, &actor, id, &input).await.map(|_| None)
    } else {
        svc::preview_allocation(&state.ctx, &actor, id, &input).await.map(Some)
    };
    match result {
        Ok(None) => Ok(Redirect::to(&format!("/supplies/{id}")).into_response()),
        Ok(Some(p)) => consignment_view(&state, &user, id, Some(p), Some(f.basis), None).await,
        Err(e) => consignment_view(&state, &user, id, None, Some(f.basis), Some(notice_of(e, user.lang)?)).await,
    }
}

#[derive(Template)]
#[template(path = "supplies/coverage.html")]
struct CoveragePage {
    ctx: PageCtx,
    c: Coverage,
}

pub async fn coverage(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let c = svc::coverage(&state.ctx, &user.actor(None), id).await?;
    render(&CoveragePage { ctx: PageCtx::for_user(&user, &format!("/supplies/{id}/coverage")), c })
}

pub async fn export_runs(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let bytes = svc::export_runs(&state.ctx, &user.actor(peer.text()), id).await?;
    Ok(crate::pages::download(bytes, XLSX, "delivery-runs.xlsx"))
}

// --- a run ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "supplies/run.html")]
struct RunPage {
    ctx: PageCtx,
    r: RunSheet,
    print: bool,
    outcomes: Vec<(String, String)>,
    key: String,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct RunQuery {
    #[serde(default)]
    print: Option<String>,
}

async fn run_view(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    print: bool,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let r = svc::run_sheet(&state.ctx, &user.actor(None), id).await?;
    render(&RunPage {
        ctx: PageCtx::for_user(user, &format!("/runs/{id}")),
        r,
        print,
        outcomes: options(&DeliveryStatus::AT_THE_DOOR, DeliveryStatus::code, |v| v.label(lang)),
        key: form_key(),
        notice,
    })
}

pub async fn run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Query(q): Query<RunQuery>,
) -> Result<Response, AppError> {
    run_view(&state, &user, id, q.print.is_some(), None).await
}

pub async fn claim(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let notice = match svc::claim_run(&state.ctx, &user.actor(peer.text()), id).await {
        Ok(Claimed::Held { claim, .. }) => t_with(
            lang,
            "work.tasks.claimed_until",
            &[("until", &shouwang_domain::clock::minute_text(claim.expires_at))],
        ),
        Ok(Claimed::Taken { until }) => {
            t_with(lang, "work.tasks.taken_until", &[("until", &shouwang_domain::clock::minute_text(until))])
        }
        Err(e) => notice_of(e, lang)?,
    };
    run_view(&state, &user, id, false, Some(notice)).await
}

#[derive(Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    group: String,
}

pub async fn group(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(f): Form<GroupForm>,
) -> Result<Response, AppError> {
    let group = f.group.trim().parse::<Uuid>().ok();
    svc::assign_group(&state.ctx, &user.actor(peer.text()), id, group).await?;
    Ok(Redirect::to(&format!("/runs/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct DoorForm {
    #[serde(default)]
    household_id: Option<Uuid>,
    #[serde(default)]
    code: Option<String>,
    outcome: String,
    key: String,
}

pub async fn door(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(f): Form<DoorForm>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let input = DoorInput { household_id: f.household_id, code: f.code, outcome: f.outcome, key: f.key };
    let notice = match svc::record_door(&state.ctx, &user.actor(peer.text()), id, &input).await {
        Ok(r) => t_with(lang, "supplies.recorded", &[("room", &r.room), ("outcome", &r.status_label)]),
        Err(shouwang_service::Error::NotFound(m)) => m.message(lang),
        Err(e) => notice_of(e, lang)?,
    };
    run_view(&state, &user, id, false, Some(notice)).await
}

// --- the household's link --------------------------------------------------------------

#[derive(Deserialize)]
pub struct ConfirmForm {
    /// "yes" (received) or "no" (not received).
    received: String,
    key: String,
}

pub async fn household_confirm(
    State(state): State<AppState>,
    peer: ClientIp,
    Path((token, id)): Path<(String, Uuid)>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    svc::household_confirm(&state.ctx, &token, id, f.received == "yes", &f.key, peer.text()).await?;
    Ok(Redirect::to(&format!("/h/{token}?recorded=1")).into_response())
}

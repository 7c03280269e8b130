//! Household links: the printable A4 sheet of QR slips for a building, the
//! revoke button, and the page a slip opens for the household (no login).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use qrcode::QrCode;
use qrcode::render::svg;
use shouwang_db::audit::{self, Entry};
use shouwang_db::{links, registry};
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::{RegionCode, RegionKind};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{self, CurrentUser};
use crate::error::AppError;
use crate::i18n;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;

pub struct Slip {
    pub room: String,
    pub url: String,
    pub svg: String,
}

#[derive(Template)]
#[template(path = "registry/slips.html")]
struct SlipsPage {
    ctx: PageCtx,
    community_name: String,
    building_name: String,
    contact: Option<String>,
    slips: Vec<Slip>,
}

/// Where residents reach us: the configured public origin, else this request's host.
pub(crate) fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(origin) = &state.config.public_origin {
        return origin.trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

pub(crate) fn qr_svg(url: &str) -> Result<String, AppError> {
    let code = QrCode::new(url.as_bytes()).map_err(|e| AppError::Internal(format!("qr: {e}")))?;
    let svg = code.render::<svg::Color<'_>>().min_dimensions(110, 110).quiet_zone(true).build();
    // Inline in the page: drop the XML declaration.
    Ok(svg.split_once("?>").map_or(svg.clone(), |(_, rest)| rest.to_string()))
}

/// The community a region belongs to (itself, or its nearest community ancestor).
async fn community_of(state: &AppState, path: &str) -> Result<Option<shouwang_db::entity::region::Model>, AppError> {
    for code in path.trim_matches('/').split('/').rev() {
        let Ok(c) = RegionCode::parse(code) else { continue };
        if let Some(r) = registry::find_region(&state.ctx.db.read, &c).await?
            && r.kind == RegionKind::Community.as_str()
        {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

pub async fn building_slips(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let code = RegionCode::parse(&code)
        .map_err(|_| AppError::NotFound { zh: "没有该楼栋".into(), en: "no such building".into() })?;
    let building = registry::region_by_code(&state.ctx.db.read, &code).await?;
    if building.kind != RegionKind::Building.as_str() {
        return Err(AppError::bad_request("只能为楼栋打印二维码", "slips are printed per building"));
    }
    user.require(Resource::HouseholdLink, Action::Write, &building.path)?;
    let community = community_of(&state, &building.path).await?;
    let base = base_url(&state, &headers);
    let mut slips = Vec::new();
    for h in registry::households_of_building(&state.ctx.db.read, building.id).await? {
        let token = links::link_for(&state.ctx.db, h.id, auth::random_token).await?;
        let url = format!("{base}/h/{token}");
        slips.push(Slip { room: h.room, svg: qr_svg(&url)?, url });
    }
    render(&SlipsPage {
        community_name: community.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
        contact: community.and_then(|c| c.contact_phone),
        building_name: building.name,
        slips,
        ctx: PageCtx::for_user(&user, &format!("/regions/{code}/slips")),
    })
}

pub async fn revoke_link(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (h, building) = crate::pages::household_and_building(&state, id).await?;
    user.require(Resource::HouseholdLink, Action::Write, &building.path)?;
    let n = links::revoke(&state.ctx.db, id).await?;
    audit::append(
        &state.ctx.db.write,
        Entry {
            user_id: Some(user.id),
            username: user.username.clone(),
            action: "revoke_link",
            target_kind: "household",
            target_id: Some(id.to_string()),
            region_path: Some(building.path.clone()),
            detail: serde_json::json!({ "room": format!("{} {}", building.name, h.room), "revoked": n }),
            peer: peer.text(),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/households/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "registry/public_household.html")]
struct PublicHousehold {
    ctx: PageCtx,
    community_name: String,
    compound_name: String,
    building_name: String,
    room: String,
    size: i32,
    contact: Option<String>,
    /// The compound's next group-buy pickup slot, when a timetable exists.
    next_groupbuy: Option<String>,
}

/// What a slip opens: the household's own page, no login, no names.
pub async fn public_household(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let lang = i18n::from_headers(&headers);
    let not_found = || AppError::NotFound {
        zh: i18n::t(shouwang_domain::Lang::Zh, "public.invalid"),
        en: i18n::t(shouwang_domain::Lang::En, "public.invalid"),
    };
    if token.len() > 64 {
        return Err(not_found());
    }
    let h = links::household_by_token(&state.ctx.db.read, &token).await?.ok_or_else(not_found)?;
    let building = registry::region_by_id(&state.ctx.db.read, h.building_id).await?.ok_or_else(not_found)?;
    let compound = match building.parent_id {
        Some(id) => registry::region_by_id(&state.ctx.db.read, id).await?,
        None => None,
    };
    let community = community_of(&state, &building.path).await?;
    let next_groupbuy = match &compound {
        Some(c) => shouwang_service::groupbuy::next_slot_text(&state.ctx, c.id).await?,
        None => None,
    };
    render(&PublicHousehold {
        next_groupbuy,
        ctx: PageCtx::new(None, lang, &format!("/h/{token}")),
        community_name: community.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
        contact: community.and_then(|c| c.contact_phone),
        compound_name: compound.map(|c| c.name).unwrap_or_default(),
        building_name: building.name,
        room: h.room,
        size: h.size,
    })
}

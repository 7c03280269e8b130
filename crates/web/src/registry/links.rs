//! Household links: the printable A4 sheet of QR slips for a building, the
//! revoke button, and the page a slip opens for the household (no login).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use qrcode::QrCode;
use qrcode::render::svg;
use shouwang_domain::RegionCode;
use shouwang_service::registry::{self as service, PublicHouseholdView, SlipsView};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
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

pub async fn building_slips(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let code = RegionCode::parse(&code).map_err(|_| crate::error::missing("registry.no_such_building", &[]))?;
    let SlipsView { community_name, contact, building_name, slips } =
        service::building_slips(&state.ctx, &user.actor(None), &code).await?;
    let base = base_url(&state, &headers);
    let slips = slips
        .into_iter()
        .map(|(room, token)| {
            let url = format!("{base}/h/{token}");
            Ok(Slip { room, svg: qr_svg(&url)?, url })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    render(&SlipsPage {
        community_name,
        contact,
        building_name,
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
    service::revoke_link(&state.ctx, &user.actor(peer.text()), id).await?;
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
    /// Supplies allocated to this household, newest first.
    deliveries: Vec<shouwang_service::supplies::HouseholdDelivery>,
    token: String,
    /// A key made when the page was drawn: a resent confirmation records nothing new.
    key: String,
    /// For a volunteer holding a run through this door (who scanned its QR code):
    /// the door buttons, and the outcomes they may record.
    at_door: Vec<shouwang_service::supplies::DoorAtHand>,
    outcomes: Vec<(String, String)>,
}

/// What a slip opens: the household's own page, no login, no names.
pub async fn public_household(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::auth::MaybeUser(user): crate::auth::MaybeUser,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let lang = user.as_ref().map_or_else(|| i18n::from_headers(&headers), |u| u.lang);
    let not_found = || crate::error::missing("public.invalid", &[]);
    let PublicHouseholdView { community_name, compound_name, building_name, room, size, contact, next_groupbuy } =
        service::public_household(&state.ctx, &token).await?.ok_or_else(not_found)?;
    let deliveries = shouwang_service::supplies::household_deliveries(&state.ctx, &token, lang).await?;
    let at_door = match &user {
        Some(u) => shouwang_service::supplies::doors_at_hand(&state.ctx, &u.actor(None), &token).await?,
        None => Vec::new(),
    };
    use shouwang_domain::supplies::DeliveryStatus;
    render(&PublicHousehold {
        at_door,
        outcomes: DeliveryStatus::AT_THE_DOOR
            .iter()
            .map(|s| (s.code().to_string(), s.label(lang).to_string()))
            .collect(),
        deliveries,
        key: shouwang_service::tokens::random_token().chars().take(32).collect(),
        token: token.clone(),
        next_groupbuy,
        ctx: PageCtx::new(user.as_ref(), lang, &format!("/h/{token}")),
        community_name,
        contact,
        compound_name,
        building_name,
        room,
        size,
    })
}

//! The JSON API under `/api/v1`: the document, each feature's handlers
//! (in `<feature>/api.rs`) and the shapes they share. Personal fields (phone
//! and ID numbers) only ever leave the server masked.
//!
//! Handlers are registered through utoipa-axum's `routes!`, so the OpenAPI
//! document at `/api/v1/openapi.json` is collected from the same handlers the
//! router serves and cannot drift from it.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use serde::Serialize;
use shouwang_domain::Lang;
use shouwang_domain::phone::mask_phone;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, refused};

pub use crate::registry::api::{
    CommunitySummary, HouseholdDetail, HouseholdDto, RegionDetail, RegionDto, ResidentDto, ResidentPage,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shouwang (守望) API",
        description = "社区应急动员平台 · community emergency mobilisation. Registry (read-only) and mobilisation API; phone and ID numbers are masked.",
        version = "1"
    ),
    tags(
        (name = "registry", description = "区域、户、居民 · regions, households, residents"),
        (name = "mobilisation", description = "双报到、志愿者、支部与小组、自动分组、汇总 · duty reports, volunteers, branches and groups, auto-grouping, roll-up"),
        (name = "work", description = "接龙 · sign-up sheets"),
        (name = "supplies", description = "物资保障：到货、分配、配送单、送达、储备 · supplies: consignments, allocation, runs, doors, stocks"),
        (name = "ledger", description = "公开物资台账（无需登录）· the public supply ledger (no login)")
    )
)]
struct ApiDoc;

/// Every feature's API handlers under one document.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::registry::api())
        .merge(crate::volunteers::api())
        .merge(crate::groups::api())
        .merge(crate::signup::api())
        .merge(crate::tasks::api())
        .merge(crate::rosters::api())
        .merge(crate::groupbuy::api())
        .merge(crate::supplies::api())
        .merge(crate::logins::api())
        .merge(crate::ledger::api())
}

// ---------------------------------------------------------------------------
// Shared shapes

/// A text in both languages.
#[derive(Serialize, ToSchema)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub(crate) fn of(say: impl Fn(Lang) -> String) -> Text {
        Text { zh: say(Lang::Zh), en: say(Lang::En) }
    }
}

/// A JSON body that failed to parse is answered like every other error. The
/// parser's message may quote the body, so long digit runs (a phone number
/// sent as a number) are masked.
/// The same refusal without the parser's detail (the sign-up, task and
/// roster endpoints have always answered so).
pub(crate) fn plain_body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    json.map(|Json(t)| t).map_err(|_| refused("http.malformed_request", &[]))
}

pub(crate) fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    json.map(|Json(t)| t).map_err(|e| {
        let detail = mask_digit_runs(&e.body_text());
        refused("http.malformed_body", &[("detail", &detail)])
    })
}

/// A JSON body that may be left out (an empty body reads as `T::default()`),
/// but that, when sent, must parse: garbage, a value of the wrong type or a
/// body that is not JSON is a 400 in the product's error body, never taken
/// for the default.
pub(crate) fn optional_body<T: serde::de::DeserializeOwned + Default>(
    headers: &axum::http::HeaderMap,
    bytes: &[u8],
) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")));
    if !json {
        return Err(refused("http.wrong_content_type", &[]));
    }
    let malformed = |e: serde_json::Error| {
        let detail = mask_digit_runs(&e.to_string());
        refused("http.malformed_body", &[("detail", &detail)])
    };
    // An object, by its field names (serde would also take an array by position).
    match serde_json::from_slice::<serde_json::Value>(bytes).map_err(malformed)? {
        object @ serde_json::Value::Object(_) => serde_json::from_value(object).map_err(malformed),
        _ => Err(refused("http.malformed_request", &[])),
    }
}

pub fn mask_digit_runs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        out.push_str(&if run.len() >= 7 { mask_phone(run) } else { run.clone() });
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

pub(crate) fn time_text(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A compound (or building) by id and name.
#[derive(Serialize, ToSchema)]
pub struct PlaceRef {
    pub id: Uuid,
    pub name: String,
}

pub(crate) fn code_param<T>(
    value: Option<&str>,
    field: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, AppError> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            parse(s).map(Some).ok_or_else(|| refused("http.unknown_filter", &[("field", &field), ("value", &s)]))
        }
    }
}

pub(crate) fn codes<T: Copy>(items: impl Iterator<Item = T>, code: fn(T) -> &'static str) -> Vec<String> {
    items.map(|t| code(t).to_string()).collect()
}

//! Logins given in bulk over JSON: the answer carries each person's
//! first-login link once (only its hash is kept).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use shouwang_service::logins::{self, Given, Selection};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::api::{body, time_text};
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::registry::links::base_url;
use crate::security::ClientIp;

/// Whom to give logins: a whole group, or chosen volunteers.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiveLoginsInput {
    /// Every verified member of this group without a login.
    #[serde(default)]
    pub group: Option<Uuid>,
    /// These volunteers (those verified and without a login get one).
    #[serde(default)]
    pub volunteers: Vec<Uuid>,
}

/// One login given, with its first-login link (shown once).
#[derive(Serialize, ToSchema)]
pub struct GivenLogin {
    pub volunteer_id: Uuid,
    pub name: String,
    pub group: Option<String>,
    pub username: String,
    /// Opens the page that sets the first password; works once.
    pub first_login_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct GivenLogins {
    pub given: Vec<GivenLogin>,
    /// Chosen but already with a login, or not verified.
    pub skipped: usize,
    /// When the links stop working (RFC 3339).
    pub expires_at: String,
}

#[utoipa::path(post, path = "/api/v1/communities/{code}/volunteer-logins", tag = "mobilisation",
    params(("code" = String, Path, description = "community code")),
    request_body = GiveLoginsInput,
    responses((status = 201, body = GivenLogins), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn give_logins(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    headers: HeaderMap,
    Path(code): Path<String>,
    input: Result<Json<GiveLoginsInput>, JsonRejection>,
) -> Result<(StatusCode, Json<GivenLogins>), AppError> {
    let GiveLoginsInput { group, volunteers } = body(input)?;
    let selection = match group {
        Some(g) => Selection::Group(g),
        None => Selection::Volunteers(volunteers),
    };
    let Given { slips, skipped, expires_at, .. } =
        logins::give_logins(&state.ctx, &state.passwords, &user.actor(peer.text()), &code, &selection).await?;
    let base = base_url(&state, &headers);
    let given = slips
        .into_iter()
        .map(|s| GivenLogin {
            volunteer_id: s.volunteer_id,
            name: s.name,
            group: s.group,
            username: s.username,
            first_login_url: format!("{base}{}{}", super::FIRST_LOGIN_PREFIX, s.link_token),
        })
        .collect();
    Ok((StatusCode::CREATED, Json(GivenLogins { given, skipped, expires_at: time_text(expires_at) })))
}

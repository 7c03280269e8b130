//! Accounts and roles for admins: the accounts in my area, a new account
//! (its first password shown once), disable and enable. An account may only
//! appoint roles at or below its own rank, inside its own area.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shouwang_service::accounts::{self, UserRow, UsersView};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;

#[derive(Template)]
#[template(path = "accounts/users.html")]
struct UsersPage {
    ctx: PageCtx,
    users: Vec<UserRow>,
    roles: Vec<(String, String)>,
    scopes: Vec<(String, String)>,
    can_write: bool,
    error: Option<String>,
    created: Option<(String, String)>,
}

async fn view(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
    created: Option<(String, String)>,
) -> Result<Response, AppError> {
    let UsersView { users, roles, scopes, can_write } = accounts::users(&state.ctx, &user.actor(None)).await?;
    let failed = error.is_some();
    let mut res =
        render(&UsersPage { can_write, ctx: PageCtx::for_user(user, "/users"), users, roles, scopes, error, created })?;
    if failed {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

pub async fn users_page(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    view(&state, &user, None, None).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    username: String,
    display_name: Option<String>,
    role: String,
    scope: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Form(form): Form<NewUserForm>,
) -> Result<Response, AppError> {
    let created = accounts::create_user(
        &state.ctx,
        &state.passwords,
        &user.actor(peer.text()),
        &form.username,
        form.display_name.as_deref(),
        &form.role,
        &form.scope,
    )
    .await?;
    match created {
        Ok(created) => {
            let label = format!("{} {}", i18n::t(user.lang, "login.password"), created.username);
            view(&state, &user, None, Some((label, created.password))).await
        }
        Err(refusal) => view(&state, &user, Some(refusal.message(user.lang)), None).await,
    }
}

#[derive(Deserialize)]
pub struct DisableForm {
    enable: String,
}

pub async fn disable_user(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<DisableForm>,
) -> Result<Response, AppError> {
    accounts::set_enabled(&state.ctx, &user.actor(peer.text()), id, form.enable == "1").await?;
    Ok(Redirect::to("/users").into_response())
}

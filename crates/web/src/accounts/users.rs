//! Accounts and roles for admins: the accounts in my area, a new account
//! (its first password shown once), disable and enable. An account may only
//! appoint roles at or below its own rank, inside its own area.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shouwang_db::accounts::{self, NewUser};
use shouwang_db::audit::{self, Entry};
use shouwang_db::registry;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::{RegionCode, RegionKind, Role};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{self, CurrentUser};
use crate::error::AppError;
use crate::i18n;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;

pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub scope: String,
    pub disabled: bool,
    pub manageable: bool,
}

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
    user.require(Resource::Users, Action::Read, &user.scope_path)?;
    let lang = user.lang;
    let users = accounts::users_under(&state.ctx.db.read, &user.scope_path)
        .await?
        .into_iter()
        .map(|a| UserRow {
            manageable: a.user.id != user.id && user.role.may_appoint(a.role),
            id: a.user.id,
            username: a.user.username,
            display_name: a.user.display_name,
            role: a.role.label(lang),
            scope: a.scope.name,
            disabled: a.user.disabled,
        })
        .collect();
    let roles = Role::ALL
        .into_iter()
        .filter(|r| user.role.may_appoint(*r))
        .map(|r| (r.code().to_string(), r.label(lang).to_string()))
        .collect();
    // Areas down to compounds (buildings would make the list endless).
    let scope = registry::region_by_code(
        &state.ctx.db.read,
        &RegionCode::parse(&user.scope_code).map_err(|_| AppError::Forbidden)?,
    )
    .await?;
    let mut scopes = vec![(scope.code.clone(), scope.name.clone())];
    for r in registry::descendants(&state.ctx.db.read, &scope, None).await? {
        if r.kind != RegionKind::Building.as_str() {
            let kind = RegionKind::parse(&r.kind).map_or("", |k| k.label(lang));
            scopes.push((r.code, format!("{} ({kind})", r.name)));
        }
    }
    let failed = error.is_some();
    let mut res = render(&UsersPage {
        can_write: user.can(Resource::Users, Action::Write, &user.scope_path),
        ctx: PageCtx::for_user(user, "/users"),
        users,
        roles,
        scopes,
        error,
        created,
    })?;
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
    let lang = user.lang;
    let scope_code = RegionCode::parse(&form.scope).map_err(|_| AppError::Forbidden)?;
    let scope = registry::region_by_code(&state.ctx.db.read, &scope_code).await?;
    user.require(Resource::Users, Action::Write, &scope.path)?;
    if !scope.path.starts_with(&user.scope_path) {
        return Err(AppError::Forbidden);
    }
    let Some(role) = Role::parse(&form.role).filter(|r| user.role.may_appoint(*r)) else {
        return Err(AppError::Forbidden);
    };
    let password = auth::generated_password();
    let hash = state.passwords.hash(&password).await?;
    let display = form.display_name.filter(|d| !d.trim().is_empty()).unwrap_or_else(|| form.username.clone());
    let created = accounts::create_user(
        &state.ctx.db,
        NewUser {
            username: &form.username,
            display_name: &display,
            password_hash: hash,
            role,
            scope: &scope_code,
            personal_grant: false,
            must_change_password: true,
        },
    )
    .await;
    let created = match created {
        Ok(c) => c,
        Err(e @ shouwang_db::DbError::Invalid { .. }) => return view(&state, &user, Some(e.message(lang)), None).await,
        Err(e) => return Err(e.into()),
    };
    audit::append(
        &state.ctx.db.write,
        Entry {
            user_id: Some(user.id),
            username: user.username.clone(),
            action: "user_add",
            target_kind: "account",
            target_id: Some(created.id.to_string()),
            region_path: Some(scope.path.clone()),
            detail: serde_json::json!({ "username": created.username, "role": role.code(), "scope": scope.code }),
            peer: peer.text(),
        },
    )
    .await?;
    let label = format!("{} {}", i18n::t(lang, "login.password"), created.username);
    view(&state, &user, None, Some((label, password))).await
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
    let target = accounts::find_by_id(&state.ctx.db.read, id)
        .await?
        .ok_or_else(|| AppError::NotFound { zh: "没有这个账号".into(), en: "no such account".into() })?;
    user.require(Resource::Users, Action::Write, &target.scope.path)?;
    if target.user.id == user.id || !user.role.may_appoint(target.role) {
        return Err(AppError::Forbidden);
    }
    let enable = form.enable == "1";
    accounts::set_disabled(&state.ctx.db, id, !enable).await?;
    audit::append(
        &state.ctx.db.write,
        Entry {
            user_id: Some(user.id),
            username: user.username.clone(),
            action: "user_disable",
            target_kind: "account",
            target_id: Some(id.to_string()),
            region_path: Some(target.scope.path.clone()),
            detail: serde_json::json!({ "username": target.user.username, "enabled": enable }),
            peer: peer.text(),
        },
    )
    .await?;
    Ok(Redirect::to("/users").into_response())
}

//! Logging in and out, the password page, and the language switch.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shouwang_db::accounts;
use shouwang_db::audit::{self, Entry};
use shouwang_domain::Lang;

use crate::AppState;
use crate::auth::{self, CurrentUser, MaybeUser, SESSION_COOKIE};
use crate::error::AppError;
use crate::i18n::{self, LANG_COOKIE};
use crate::pages::{PageCtx, render, safe_next};
use crate::security::ClientIp;

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    ctx: PageCtx,
    error: Option<String>,
    next: String,
    username: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_page(MaybeUser(user): MaybeUser, headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    if user.is_some_and(|u| !u.must_change_password) {
        return Redirect::to("/").into_response();
    }
    let lang = i18n::from_headers(&headers);
    let page = LoginPage {
        ctx: PageCtx::new(None, lang, "/login"),
        error: None,
        next: q.next.map(|n| safe_next(&n)).unwrap_or_else(|| "/".into()),
        username: String::new(),
    };
    render(&page).unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// A hash to verify against when the username is unknown, so a wrong
/// username and a wrong password take the same time.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| auth::hash_password("not a real password, only for timing").unwrap_or_default());

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let lang = i18n::from_headers(&headers);
    let next = safe_next(form.next.as_deref().unwrap_or("/"));
    let fail = |key: &str| -> Result<Response, AppError> {
        let page = LoginPage {
            ctx: PageCtx::new(None, lang, "/login"),
            error: Some(i18n::t(lang, key)),
            next: next.clone(),
            username: form.username.clone(),
        };
        let mut res = render(&page)?;
        *res.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        Ok(res)
    };
    if let Some(ip) = ip
        && !state.login_limiter.allow(ip)
    {
        let mut res = fail("login.rate_limited")?;
        *res.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(res);
    }
    let peer_text = ip.map(|i| i.to_string());
    let Some(account) = accounts::find_by_username(&state.ctx.db.read, &form.username).await? else {
        state.passwords.verify(&form.password, &DUMMY_HASH).await;
        return fail("login.failed");
    };
    let entry = |action: &'static str, detail: serde_json::Value| Entry {
        user_id: Some(account.user.id),
        username: account.user.username.clone(),
        action,
        target_kind: "account",
        target_id: Some(account.user.id.to_string()),
        region_path: Some(account.scope.path.clone()),
        detail,
        peer: peer_text.clone(),
    };
    if account.user.locked_until.is_some_and(|t| t > time::OffsetDateTime::now_utc()) {
        audit::append(&state.ctx.db.write, entry("login_failed", serde_json::json!({"why": "locked"}))).await?;
        return fail("login.locked");
    }
    let ok = state.passwords.verify(&form.password, &account.user.password_hash).await;
    if !ok || account.user.disabled {
        accounts::record_login_failure(&state.ctx.db, account.user.id).await?;
        audit::append(&state.ctx.db.write, entry("login_failed", serde_json::json!({}))).await?;
        return fail("login.failed");
    }
    accounts::record_login_success(&state.ctx.db, account.user.id).await?;
    let token = auth::random_token();
    accounts::create_session(&state.ctx.db, &auth::sha256_hex(&token), account.user.id, &auth::random_token()).await?;
    audit::append(&state.ctx.db.write, entry("login", serde_json::json!({}))).await?;
    let target = if account.user.must_change_password { "/account/password".to_string() } else { next };
    let mut res = Redirect::to(&target).into_response();
    set_cookie(&mut res, &session_cookie(&state, &token));
    set_cookie(&mut res, &lang_cookie(&account.user.locale));
    Ok(res)
}

fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.config.cookie_secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=604800{secure}")
}

fn lang_cookie(code: &str) -> String {
    format!("{LANG_COOKIE}={code}; Path=/; SameSite=Lax; Max-Age=31536000")
}

fn set_cookie(res: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub async fn logout(State(state): State<AppState>, user: CurrentUser, peer: ClientIp) -> Result<Response, AppError> {
    if let Some(session) = &user.session {
        accounts::delete_session(&state.ctx.db, session).await?;
    }
    audit::append(&state.ctx.db.write, account_entry(&user, "logout", &peer)).await?;
    let mut res = Redirect::to("/login").into_response();
    set_cookie(&mut res, &format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
    Ok(res)
}

fn account_entry(user: &CurrentUser, action: &'static str, peer: &ClientIp) -> Entry {
    Entry {
        user_id: Some(user.id),
        username: user.username.clone(),
        action,
        target_kind: "account",
        target_id: Some(user.id.to_string()),
        region_path: Some(user.scope_path.clone()),
        detail: serde_json::json!({}),
        peer: peer.text(),
    }
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
struct PasswordPage {
    ctx: PageCtx,
    forced: bool,
    error: Option<String>,
}

pub async fn password_page(user: CurrentUser) -> Result<Response, AppError> {
    render(&PasswordPage {
        forced: user.must_change_password,
        ctx: PageCtx::for_user(&user, "/account/password"),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

pub const MIN_PASSWORD_CHARS: usize = 10;

pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let again = |key: &str| -> Result<Response, AppError> {
        let mut res = render(&PasswordPage {
            forced: user.must_change_password,
            ctx: PageCtx::for_user(&user, "/account/password"),
            error: Some(i18n::t(user.lang, key)),
        })?;
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        Ok(res)
    };
    if form.new_password != form.confirm_password {
        return again("password.mismatch");
    }
    if form.new_password.chars().count() < MIN_PASSWORD_CHARS {
        return again("password.too_short");
    }
    if form.new_password == form.current_password {
        return again("password.same");
    }
    let account = accounts::find_by_id(&state.ctx.db.read, user.id).await?.ok_or(AppError::Unauthorized)?;
    if !state.passwords.verify(&form.current_password, &account.user.password_hash).await {
        return again("password.wrong_current");
    }
    let hash = state.passwords.hash(&form.new_password).await?;
    accounts::set_password(&state.ctx.db, user.id, hash).await?;
    if let Some(session) = &user.session {
        accounts::delete_other_sessions(&state.ctx.db, user.id, session).await?;
    }
    audit::append(&state.ctx.db.write, account_entry(&user, "password_change", &peer)).await?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    next: Option<String>,
}

/// Switches the language: remembered in the account, and in a cookie for the login page.
pub async fn switch_lang(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Form(form): Form<LangForm>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    if let Some(user) = &user {
        accounts::set_locale(&state.ctx.db, user.id, i18n::code(lang)).await?;
    }
    let mut res = Redirect::to(&safe_next(form.next.as_deref().unwrap_or("/"))).into_response();
    set_cookie(&mut res, &lang_cookie(i18n::code(lang)));
    Ok(res)
}

//! Logging in and out, the password page, and the language switch.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shouwang_domain::Lang;
use shouwang_service::accounts::{self, Login, PasswordRefusal};

use crate::AppState;
use crate::auth::{CurrentUser, MaybeUser, SESSION_COOKIE};
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
    let peer = ip.map(|i| i.to_string());
    let (token, must_change_password, locale) =
        match accounts::login(&state.ctx, &state.passwords, &form.username, &form.password, peer).await? {
            Login::Failed => return fail("login.failed"),
            Login::Locked => return fail("login.locked"),
            Login::Started { token, must_change_password, locale } => (token, must_change_password, locale),
        };
    let target = if must_change_password { "/account/password".to_string() } else { next };
    let mut res = Redirect::to(&target).into_response();
    set_cookie(&mut res, &session_cookie(&state, &token));
    set_cookie(&mut res, &lang_cookie(&locale));
    Ok(res)
}

pub(crate) fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.config.cookie_secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=604800{secure}")
}

pub(crate) fn lang_cookie(code: &str) -> String {
    format!("{LANG_COOKIE}={code}; Path=/; SameSite=Lax; Max-Age=31536000")
}

pub(crate) fn set_cookie(res: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub async fn logout(State(state): State<AppState>, user: CurrentUser, peer: ClientIp) -> Result<Response, AppError> {
    accounts::logout(&state.ctx, &user.actor(peer.text()), user.session.as_deref()).await?;
    let mut res = Redirect::to("/login").into_response();
    set_cookie(&mut res, &format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
    Ok(res)
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
    let done = accounts::change_password(
        &state.ctx,
        &state.passwords,
        &user.actor(peer.text()),
        user.session.as_deref(),
        &form.current_password,
        &form.new_password,
        &form.confirm_password,
    )
    .await?;
    match done {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(PasswordRefusal::Mismatch) => again("password.mismatch"),
        Err(PasswordRefusal::TooShort) => again("password.too_short"),
        Err(PasswordRefusal::Same) => again("password.same"),
        Err(PasswordRefusal::WrongCurrent) => again("password.wrong_current"),
        Err(PasswordRefusal::NoAccount) => Err(AppError::Unauthorized),
    }
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
        accounts::set_locale(&state.ctx, &user.actor(None), i18n::code(lang)).await?;
    }
    let mut res = Redirect::to(&safe_next(form.next.as_deref().unwrap_or("/"))).into_response();
    set_cookie(&mut res, &lang_cookie(i18n::code(lang)));
    Ok(res)
}

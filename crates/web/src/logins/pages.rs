//! The slips page (printable, A4 or phone) and the first-login page.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_service::Place;
use shouwang_service::accounts::{MIN_PASSWORD_CHARS, PasswordRefusal};
use shouwang_service::logins::{self, FirstPassword, Given, Selection};
use uuid::Uuid;

use crate::AppState;
use crate::accounts::session::{lang_cookie, session_cookie, set_cookie};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n;
use crate::pages::{PageCtx, render};
use crate::registry::links::{base_url, qr_svg};
use crate::security::ClientIp;

pub struct SlipView {
    pub name: String,
    pub group: Option<String>,
    pub username: String,
    pub url: String,
    pub svg: String,
}

#[derive(Template)]
#[template(path = "logins/slips.html")]
struct SlipsPage {
    ctx: PageCtx,
    community: Place,
    intro: String,
    skipped: Option<String>,
    valid_until: String,
    slips: Vec<SlipView>,
}

#[derive(Deserialize)]
pub struct GiveForm {
    /// Ticked volunteers (the volunteer list's form).
    #[serde(default)]
    ids: Vec<Uuid>,
    /// A whole group (the group page's button).
    #[serde(default)]
    group: Option<Uuid>,
}

/// Gives the logins and shows their slips, once.
pub async fn give_logins(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(form): Form<GiveForm>,
) -> Result<Response, AppError> {
    let selection = match form.group {
        Some(g) => Selection::Group(g),
        None => Selection::Volunteers(form.ids),
    };
    let given = logins::give_logins(&state.ctx, &state.passwords, &user.actor(peer.text()), &code, &selection).await?;
    let base = base_url(&state, &headers);
    let Given { community, slips, skipped, expires_at } = given;
    let lang = user.lang;
    let valid_until = shouwang_domain::clock::minute_text(expires_at);
    let slips = slips
        .into_iter()
        .map(|s| {
            let url = format!("{base}{}{}", super::FIRST_LOGIN_PREFIX, s.link_token);
            Ok(SlipView { name: s.name, group: s.group, username: s.username, svg: qr_svg(&url)?, url })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let n = slips.len().to_string();
    let page = SlipsPage {
        intro: i18n::t_with(lang, "logins.slips_intro", &[("n", &n), ("until", &valid_until)]),
        skipped: (skipped > 0).then(|| i18n::t_with(lang, "logins.skipped", &[("n", &skipped.to_string())])),
        valid_until,
        slips,
        ctx: PageCtx::for_user(&user, &format!("/c/{code}/volunteers")),
        community,
    };
    let mut res = render(&page)?;
    // The links exist only in this answer: no cache may keep them.
    res.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Template)]
#[template(path = "logins/first_login.html")]
struct FirstLoginPage {
    ctx: PageCtx,
    intro: String,
    action: String,
    min: usize,
    error: Option<String>,
}

fn first_login_page_for(
    lang: shouwang_domain::Lang,
    token: &str,
    name: &str,
    username: &str,
    error: Option<String>,
) -> FirstLoginPage {
    FirstLoginPage {
        intro: i18n::t_with(
            lang,
            "logins.first_intro",
            &[("name", &name), ("username", &username), ("min", &MIN_PASSWORD_CHARS.to_string())],
        ),
        action: format!("{}{token}", super::FIRST_LOGIN_PREFIX),
        min: MIN_PASSWORD_CHARS,
        error,
        ctx: PageCtx::new(None, lang, super::FIRST_LOGIN_PREFIX),
    }
}

/// The page a slip opens: who it is for, and the new password's form.
pub async fn first_login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let lang = i18n::from_headers(&headers);
    let who = logins::first_login(&state.ctx, &token).await?;
    let mut res = render(&first_login_page_for(lang, &token, &who.display_name, &who.username, None))?;
    res.headers_mut().insert(axum::http::header::REFERRER_POLICY, axum::http::HeaderValue::from_static("no-referrer"));
    Ok(res)
}

#[derive(Deserialize)]
pub struct FirstPasswordForm {
    new_password: String,
    confirm_password: String,
}

/// Sets the password, uses the link up and logs the person in.
pub async fn set_first_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Form(form): Form<FirstPasswordForm>,
) -> Result<Response, AppError> {
    let lang = i18n::from_headers(&headers);
    let peer = ip.map(|i| i.to_string());
    // Whom the form greets if it has to be shown again (and a dead link stops here).
    let who = logins::first_login(&state.ctx, &token).await?;
    let done = logins::set_first_password(
        &state.ctx,
        &state.passwords,
        &token,
        &form.new_password,
        &form.confirm_password,
        peer,
    )
    .await?;
    match done {
        FirstPassword::Set { session, locale } => {
            let mut res = Redirect::to("/my/work").into_response();
            set_cookie(&mut res, &session_cookie(&state, &session));
            set_cookie(&mut res, &lang_cookie(&locale));
            Ok(res)
        }
        FirstPassword::Refused(why) => {
            let key = if why == PasswordRefusal::Mismatch { "password.mismatch" } else { "password.too_short" };
            let page = first_login_page_for(lang, &token, &who.display_name, &who.username, Some(i18n::t(lang, key)));
            let mut res = render(&page)?;
            *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(res)
        }
    }
}

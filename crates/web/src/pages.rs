//! What every server-rendered page shares (askama; htmx where it helps): the
//! page context, rendering, error pages, downloads and the static assets. The
//! pages themselves live with their feature (`<feature>/pages.rs`, templates
//! in `templates/<feature>/`). Chinese first, English by choice.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use shouwang_domain::Lang;
use shouwang_domain::access::{Action, Resource};

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorInfo, ErrorKind};
use crate::i18n;

/// Shared assets (styles, htmx, the service worker).
pub fn routes() -> Router<AppState> {
    Router::new().route("/static/{*path}", get(asset)).route("/sw.js", get(service_worker))
}

/// The service worker of the run pages, served from the root so that it may
/// control `/runs/` (a worker controls only paths below its own).
async fn service_worker() -> Response {
    let mut res = asset(Path("sw.js".to_string())).await;
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// What every page template needs.
pub struct PageCtx {
    pub lang: Lang,
    pub user: Option<CurrentUser>,
    pub csrf: String,
    pub path: String,
    pub can_browse: bool,
    pub can_search: bool,
    pub can_import: bool,
    pub can_audit: bool,
    pub can_users: bool,
    /// Where the "mobilisation" link goes (groups page or roll-up), if anywhere.
    pub mobilisation: Option<String>,
}

impl PageCtx {
    pub fn new(user: Option<&CurrentUser>, lang: Lang, path: &str) -> PageCtx {
        let can = |r: Resource, a: Action| user.is_some_and(|u| u.can(r, a, &u.scope_path));
        PageCtx {
            lang,
            csrf: user.map(|u| u.csrf_token.clone()).unwrap_or_default(),
            path: path.to_string(),
            can_browse: can(Resource::Registry, Action::Read),
            can_search: can(Resource::Resident, Action::Read),
            can_import: can(Resource::Import, Action::Write),
            can_audit: can(Resource::AuditLog, Action::Read),
            can_users: can(Resource::Users, Action::Read),
            mobilisation: user.and_then(crate::groups::pages::mobilisation_link),
            user: user.cloned(),
        }
    }

    pub fn for_user(user: &CurrentUser, path: &str) -> PageCtx {
        PageCtx::new(Some(user), user.lang, path)
    }

    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    pub fn lang_code(&self) -> &'static str {
        i18n::code(self.lang)
    }

    pub fn other_lang_code(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh-CN",
        }
    }
}

/// Renders a template to an HTML response.
pub fn render(t: &impl Template) -> Result<Response, AppError> {
    let html = t.render().map_err(|e| AppError::Internal(format!("template: {e}")))?;
    Ok(Html(html).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageCtx,
    title: String,
    message: String,
}

/// Turns an error answered by a page handler into an HTML page in the
/// reader's language, or sends an anonymous reader to the login page.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    // The request's extensions stay with the handler, so the language comes
    // from the `lang` cookie (set at login and on every switch).
    let lang = i18n::from_headers(req.headers());
    // A client that sent credentials of its own is a script, not a browser to send to the login page.
    let by_header = req.headers().contains_key(axum::http::header::AUTHORIZATION);
    let response = next.run(req).await;
    if path.starts_with("/api/") || path.starts_with("/static/") {
        return response;
    }
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else { return response };
    match info.kind {
        ErrorKind::Unauthorized if by_header => response,
        ErrorKind::Unauthorized => {
            let target = match query {
                Some(q) => format!("{path}?{q}"),
                None => path,
            };
            Redirect::to(&format!("/login?next={}", urlencode(&target))).into_response()
        }
        ErrorKind::PasswordChangeRequired => Redirect::to("/account/password").into_response(),
        kind => {
            let (title_key, message) = match kind {
                ErrorKind::Forbidden => ("error.forbidden_title", i18n::t(lang, "error.forbidden")),
                ErrorKind::NotFound => ("error.not_found_title", info.message(lang)),
                ErrorKind::Internal => ("error.internal_title", i18n::t(lang, "error.internal")),
                _ => ("error.bad_request_title", info.message(lang)),
            };
            let page = ErrorPage { ctx: PageCtx::new(None, lang, "/"), title: i18n::t(lang, title_key), message };
            match page.render() {
                Ok(html) => (info.status, Html(html)).into_response(),
                Err(_) => (info.status, info.message(lang)).into_response(),
            }
        }
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Only local paths: never redirect to another site after login. No `//`
/// or backslash (other sites to some browsers), and no control characters
/// (a newline would break the Location header).
pub fn safe_next(next: &str) -> String {
    let local = next.starts_with('/') && !next.starts_with("//");
    if local && !next.contains('\\') && !next.chars().any(char::is_control) { next.to_string() } else { "/".into() }
}

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => {
            let mime = file.metadata.mimetype().to_string();
            let mut res = (StatusCode::OK, file.data.into_owned()).into_response();
            if let Ok(v) = HeaderValue::from_str(&mime) {
                res.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
            res
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A file to download under the given name.
pub fn download(bytes: Vec<u8>, mime: &'static str, filename: &str) -> Response {
    let mut res = bytes.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

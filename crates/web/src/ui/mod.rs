//! The server-rendered pages (askama; htmx where it helps). Chinese first,
//! English by choice; every string from `locales/`. Each page checks access
//! through `CurrentUser::require`, the one authorization function.

mod admin;
mod edit;
mod groups;
mod links;
mod registry;
mod rosters;
mod session;
mod tasks;
mod users;
mod volunteers;
mod work;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rust_embed::RustEmbed;
use shouwang_domain::Lang;
use shouwang_domain::access::{Action, Resource};

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorInfo, ErrorKind};
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(registry::home))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang", post(session::switch_lang))
        .route("/account/password", get(session::password_page).post(session::change_password))
        .route("/regions/{code}", get(registry::region_page))
        .route("/households/{id}", get(registry::household_page))
        .route("/residents/{id}/reveal", post(registry::reveal_phone))
        .route("/search", get(registry::search))
        .route("/audit", get(admin::audit_page))
        .route("/audit/export.csv", get(admin::audit_export))
        .route(
            "/import",
            get(admin::import_page)
                .post(admin::import_preview)
                .layer(axum::extract::DefaultBodyLimit::max(admin::MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route("/import/apply", post(admin::import_apply))
        .route("/export/{file}", get(admin::export_residents))
        .route("/regions/{code}/slips", get(links::building_slips))
        .route("/households/{id}/link/revoke", post(links::revoke_link))
        .route("/h/{token}", get(links::public_household))
        .route("/residents/{id}/edit", get(edit::edit_page).post(edit::save))
        .route("/households/{id}/contact", post(edit::save_contact))
        .route("/users", get(users::users_page).post(users::create_user))
        .route("/users/{id}/disable", post(users::disable_user))
        .route("/duty/{code}", get(volunteers::duty_form).post(volunteers::submit_duty_form))
        .route("/c/{code}/duty-poster", get(volunteers::duty_poster))
        .route("/c/{code}/volunteers", get(volunteers::volunteers_page))
        .route("/c/{code}/volunteers/review", post(volunteers::review))
        .route(
            "/c/{code}/volunteers/import",
            get(volunteers::import_page)
                .post(volunteers::import_preview)
                .layer(axum::extract::DefaultBodyLimit::max(admin::MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route("/c/{code}/volunteers/import/apply", post(volunteers::import_apply))
        .route("/volunteers/{id}", get(volunteers::volunteer_page))
        .route("/volunteers/{id}/health", post(volunteers::set_health))
        .route("/volunteers/{id}/group", post(volunteers::move_group))
        .route("/volunteers/{id}/reveal", post(volunteers::reveal))
        .route("/volunteers/{id}/account", post(volunteers::create_account))
        .route("/c/{code}/groups", get(groups::groups_page))
        .route("/c/{code}/groups/print", get(groups::print_groups))
        .route("/c/{code}/compounds", get(groups::places_page).post(groups::save_place))
        .route("/c/{code}/branches", post(groups::create_branch))
        .route("/c/{code}/branches/dissolve", post(groups::dissolve_branch))
        .route("/c/{code}/groups/new", post(groups::create_group))
        .route("/c/{code}/roles", post(groups::set_key_role))
        .route("/groups/{id}", get(groups::group_page))
        .route("/groups/{id}/roles", post(groups::set_roles))
        .route("/groups/{id}/compounds", post(groups::set_compounds))
        .route("/c/{code}/grouping", get(groups::grouping_page))
        .route("/c/{code}/grouping/propose", post(groups::propose))
        .route("/c/{code}/grouping/edit", post(groups::edit))
        .route("/c/{code}/grouping/confirm", post(groups::confirm))
        .route("/c/{code}/grouping/discard", post(groups::discard))
        .route("/mobilisation/{code}", get(groups::rollup_page))
        .route("/my/group", get(groups::my_group))
        .route("/c/{code}/sheets", get(work::sheets_page).post(work::open_sheet))
        .route("/sheets/{id}", get(work::sheet_page))
        .route("/sheets/{id}/join", post(work::join))
        .route("/sheets/{id}/withdraw", post(work::withdraw))
        .route("/s/{token}", get(work::share_link))
        .route("/c/{code}/tasks", get(tasks::tasks_page).post(tasks::create_task))
        .route("/tasks/{id}", get(tasks::task_page))
        .route("/tasks/{id}/dispatch", post(tasks::dispatch))
        .route("/tasks/{id}/assign", post(tasks::assign))
        .route("/tasks/{id}/sheet", post(tasks::open_sheet))
        .route("/tasks/{id}/state", post(tasks::change_state))
        .route("/tasks/{id}/claim", post(tasks::claim))
        .route("/claims/{id}/extend", post(tasks::extend_claim))
        .route("/claims/{id}/release", post(tasks::release_claim))
        .route("/claims/{id}/hand-over", post(tasks::hand_over))
        .route("/my/work", get(work::my_work))
        .route("/my/work/claim-building", post(work::claim_building))
        // The older separate lists live on as parts of "my work".
        .route("/my/tasks", get(|| async { Redirect::to("/my/work#tasks") }))
        .route("/c/{code}/rosters", get(rosters::rosters_page))
        .route("/c/{code}/rosters/settings", post(rosters::save_settings))
        .route("/c/{code}/rosters/posts", post(rosters::create_post))
        .route("/c/{code}/rosters/generate", post(rosters::generate))
        .route("/c/{code}/rosters/swap", post(rosters::swap))
        .route("/c/{code}/rosters/print", get(rosters::print))
        .route("/my/shifts", get(|| async { Redirect::to("/my/work#shifts") }))
        .route("/c/{code}/groupbuy", get(rosters::groupbuy_page).post(rosters::groupbuy_generate))
        .route("/c/{code}/groupbuy/print", get(rosters::groupbuy_print))
        .route("/c/{code}/groupbuy/organisers", post(rosters::add_organiser))
        .route("/static/{*path}", get(asset))
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
            mobilisation: user.and_then(groups::mobilisation_link),
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

/// A household and its building, or "not found" (a missing building is a broken registry).
pub async fn household_and_building(
    state: &crate::AppState,
    id: uuid::Uuid,
) -> Result<(shouwang_db::entity::household::Model, shouwang_db::entity::region::Model), AppError> {
    let h = shouwang_db::registry::household_by_id(&state.ctx.db.read, id)
        .await?
        .ok_or_else(|| AppError::NotFound { zh: "找不到该户".into(), en: "household not found".into() })?;
    let b = shouwang_db::registry::region_by_id(&state.ctx.db.read, h.building_id)
        .await?
        .ok_or_else(|| AppError::Internal("household without building".into()))?;
    Ok((h, b))
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
    let response = next.run(req).await;
    if path.starts_with("/api/") || path.starts_with("/static/") {
        return response;
    }
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else { return response };
    match info.kind {
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
                ErrorKind::NotFound => ("error.not_found_title", pick(lang, &info)),
                ErrorKind::Internal => ("error.internal_title", i18n::t(lang, "error.internal")),
                _ => ("error.bad_request_title", pick(lang, &info)),
            };
            let page = ErrorPage { ctx: PageCtx::new(None, lang, "/"), title: i18n::t(lang, title_key), message };
            match page.render() {
                Ok(html) => (info.status, Html(html)).into_response(),
                Err(_) => (info.status, pick(lang, &info)).into_response(),
            }
        }
    }
}

fn pick(lang: Lang, info: &ErrorInfo) -> String {
    match lang {
        Lang::Zh => info.message_zh.clone(),
        Lang::En => info.message_en.clone(),
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

/// Only local paths: never redirect to another site after login.
pub fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next.to_string() } else { "/".into() }
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

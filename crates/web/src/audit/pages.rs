//! The audit log page and its CSV export (SPEC §5).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use shouwang_domain::Lang;
use shouwang_service::audit;

use crate::pages::download;

/// The actions shown in the filter, with their labels.
const ACTIONS: [&str; 13] = [
    "login",
    "login_failed",
    "logout",
    "password_change",
    "reveal_phone",
    "import_residents",
    "export_residents",
    "export_audit",
    "user_add",
    "resident_edit",
    "revoke_link",
    "user_disable",
    "household_edit",
];

fn action_label(action: &str, lang: Lang) -> String {
    if ACTIONS.contains(&action) { i18n::t(lang, &format!("action.{action}")) } else { action.to_string() }
}

pub struct AuditRow {
    pub at: String,
    pub username: String,
    pub action: String,
    pub action_label: String,
    pub target: String,
    pub detail: String,
    pub peer: Option<String>,
}

#[derive(Template)]
#[template(path = "audit/audit.html")]
struct AuditPage {
    ctx: PageCtx,
    rows: Vec<AuditRow>,
    total_label: String,
    user_filter: String,
    action_filter: String,
    actions: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    user: Option<String>,
    action: Option<String>,
    page: Option<u64>,
}

pub async fn audit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let (rows, total) = audit::search(&state.ctx, &user.actor(None), q.user.clone(), q.action.clone(), q.page).await?;
    let lang = user.lang;
    let rows = rows
        .into_iter()
        .map(|r| AuditRow {
            action_label: action_label(&r.action, lang),
            target: format!("{} {}", r.target_kind, r.target_id.unwrap_or_default()),
            at: r.at,
            detail: r.detail,
            username: r.username,
            action: r.action,
            peer: r.peer,
        })
        .collect();
    render(&AuditPage {
        rows,
        total_label: i18n::t_with(lang, "audit.total", &[("n", &total)]),
        user_filter: q.user.unwrap_or_default(),
        action_filter: q.action.unwrap_or_default(),
        actions: ACTIONS.iter().map(|a| (a.to_string(), action_label(a, lang))).collect(),
        ctx: PageCtx::for_user(&user, "/audit"),
    })
}

/// The audit log as CSV (UTF-8 with BOM); the export itself is audited.
pub async fn audit_export(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let rows = audit::export(&state.ctx, &user.actor(peer.text()), q.user, q.action).await?;
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let err = |e: csv::Error| AppError::Internal(e.to_string());
        w.write_record(["时间", "操作人", "操作", "对象类型", "对象", "详情", "来源"]).map_err(err)?;
        for r in rows {
            w.write_record([
                r.at,
                r.username,
                r.action,
                r.target_kind,
                r.target_id.unwrap_or_default(),
                r.detail,
                r.peer.unwrap_or_default(),
            ])
            .map_err(err)?;
        }
        w.flush().map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(download(out, "text/csv; charset=utf-8", "audit-log.csv"))
}

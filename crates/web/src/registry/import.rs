//! Resident import (upload, dry-run preview with every rejected row, then
//! apply) and personal-data exports.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use shouwang_domain::Lang;
use shouwang_io::FileKind;
use shouwang_service::registry::{self as service, ImportChoice, ImportRefusal, ImportResult};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n;
use crate::pages::{PageCtx, download, render};
use crate::security::ClientIp;

pub const MAX_UPLOAD_BYTES: usize = service::MAX_UPLOAD_BYTES;

pub struct ReportView {
    pub file_name: String,
    pub applied: bool,
    pub counts: String,
    pub rejected: Vec<(String, String)>,
    pub upload_id: Option<Uuid>,
}

#[derive(Template)]
#[template(path = "registry/import.html")]
struct ImportPage {
    ctx: PageCtx,
    communities: Vec<(String, String)>,
    community: String,
    error: Option<String>,
    report: Option<ReportView>,
    can_export: bool,
}

async fn import_view(
    state: &AppState,
    user: &CurrentUser,
    community: Option<String>,
    error: Option<String>,
    report: Option<ReportView>,
) -> Result<Response, AppError> {
    let ImportChoice { communities, community, can_export } =
        service::import_choice(&state.ctx, &user.actor(None), community).await?;
    let failed = error.is_some();
    let mut res = render(&ImportPage {
        can_export,
        ctx: PageCtx::for_user(user, "/import"),
        communities,
        community,
        error,
        report,
    })?;
    if failed {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct ImportQuery {
    community: Option<String>,
}

pub async fn import_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ImportQuery>,
) -> Result<Response, AppError> {
    import_view(&state, &user, q.community, None, None).await
}

fn report_view(lang: Lang, result: &ImportResult) -> ReportView {
    let report = &result.report;
    let c = report.counts;
    ReportView {
        file_name: result.file_name.clone(),
        applied: report.applied,
        counts: i18n::t_with(
            lang,
            "import.counts",
            &[
                ("created", &c.created),
                ("updated", &c.updated),
                ("unchanged", &c.unchanged),
                ("rejected", &report.rejected.len()),
            ],
        ),
        rejected: report
            .rejected
            .iter()
            .map(|r| (i18n::t_with(lang, "import.row", &[("row", &r.row)]), r.reason.message(lang)))
            .collect(),
        upload_id: result.upload,
    }
}

/// The page's notice for a file that was not imported.
fn refusal_text(lang: Lang, why: &ImportRefusal) -> String {
    match why {
        ImportRefusal::NoFile => i18n::t(lang, "import.file"),
        ImportRefusal::TooLarge => i18n::t(lang, "import.too_large"),
        ImportRefusal::UnsupportedKind => i18n::t(lang, "registry.import.unsupported_kind"),
        ImportRefusal::Failed(why) => why.message(lang),
        ImportRefusal::Expired => i18n::t(lang, "import.expired"),
        ImportRefusal::AlreadyApplied => i18n::t(lang, "uploads.already_applied"),
    }
}

/// The status of a refused import page when it is not 400: a second apply
/// of one upload conflicts with the first; busy readers are a 503.
fn refusal_status(why: &ImportRefusal) -> Option<StatusCode> {
    match why {
        ImportRefusal::AlreadyApplied => Some(StatusCode::CONFLICT),
        ImportRefusal::Failed(service::ImportFailure::Read(e)) => read_status(e),
        _ => None,
    }
}

/// The status of a file the reader refused, when it is not 400: every
/// reader busy is a 503 (try again); a file over the reader's limits is a 413.
pub(crate) fn read_status(e: &shouwang_io::ReadError) -> Option<StatusCode> {
    use shouwang_io::ReadError;
    match e {
        ReadError::Busy => Some(StatusCode::SERVICE_UNAVAILABLE),
        ReadError::TooBigUnpacked { .. } => Some(StatusCode::PAYLOAD_TOO_LARGE),
        _ => None,
    }
}

/// The page with a refusal's notice and status.
async fn refused_view(
    state: &AppState,
    user: &CurrentUser,
    community: Option<String>,
    why: &ImportRefusal,
) -> Result<Response, AppError> {
    let mut res = import_view(state, user, community, Some(refusal_text(user.lang, why)), None).await?;
    if let Some(status) = refusal_status(why) {
        *res.status_mut() = status;
    }
    Ok(res)
}

/// Step 1: the file is checked (nothing saved in the registry) and kept for step 2.
pub async fn import_preview(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let mut community = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("community") => community = field.text().await.ok(),
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(_) => return Err(AppError::PayloadTooLarge),
                }
            }
            _ => {}
        }
    }
    let Some(community) = community else {
        return import_view(&state, &user, None, Some(i18n::t(lang, "import.file")), None).await;
    };
    match service::preview_import(&state.ctx, &user.actor(None), &community, file).await? {
        Ok(result) => import_view(&state, &user, Some(community), None, Some(report_view(lang, &result))).await,
        Err(why) => refused_view(&state, &user, Some(community), &why).await,
    }
}

#[derive(Deserialize)]
pub struct ApplyForm {
    upload: Uuid,
    strict: Option<String>,
}

/// Step 2: the kept file is imported for real, in one transaction.
pub async fn import_apply(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Form(form): Form<ApplyForm>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let (community, done) =
        service::apply_import(&state.ctx, &user.actor(peer.text()), form.upload, form.strict.is_some()).await?;
    match done {
        Ok(result) => import_view(&state, &user, community, None, Some(report_view(lang, &result))).await,
        Err(why) => refused_view(&state, &user, community, &why).await,
    }
}

/// Downloads a community's residents; who and when go into the file and the audit log.
pub async fn export_residents(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(file): Path<String>,
    Query(q): Query<ImportQuery>,
) -> Result<Response, AppError> {
    let kind = match file.as_str() {
        "residents.xlsx" => FileKind::Xlsx,
        "residents.csv" => FileKind::Csv,
        _ => return Err(crate::error::missing("registry.no_such_file", &[])),
    };
    let community = q.community.as_deref().unwrap_or(&user.scope_code);
    let (bytes, code) = service::export_residents(&state.ctx, &user.actor(peer.text()), community, kind, &file).await?;
    let (mime, ext) = match kind {
        FileKind::Csv => ("text/csv; charset=utf-8", "csv"),
        _ => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    };
    Ok(download(bytes, mime, &format!("residents-{code}.{ext}")))
}

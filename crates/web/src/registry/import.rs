//! Resident import (upload, dry-run preview with every rejected row, then
//! apply) and personal-data exports.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use shouwang_db::audit::{self, Entry};
use shouwang_db::import::ImportOptions;
use shouwang_db::{registry, uploads};
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::{Lang, RegionCode, RegionKind};
use shouwang_io::FileKind;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use shouwang_service::registry::{export_resident_file, import_resident_file};

pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

use crate::audit::pages::when;
use crate::pages::download;

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

/// Communities in the user's area that they may import into.
async fn importable(state: &AppState, user: &CurrentUser) -> Result<Vec<(String, String)>, AppError> {
    let scope = registry::region_by_code(
        &state.ctx.db.read,
        &RegionCode::parse(&user.scope_code).map_err(|_| AppError::Forbidden)?,
    )
    .await?;
    let mut list: Vec<_> = if scope.kind == RegionKind::Community.as_str() {
        vec![scope]
    } else {
        registry::descendants(&state.ctx.db.read, &scope, Some(RegionKind::Community)).await?
    };
    list.retain(|c| user.can(Resource::Import, Action::Write, &c.path));
    Ok(list.into_iter().map(|c| (c.code, c.name)).collect())
}

async fn import_view(
    state: &AppState,
    user: &CurrentUser,
    community: Option<String>,
    error: Option<String>,
    report: Option<ReportView>,
) -> Result<Response, AppError> {
    let communities = importable(state, user).await?;
    if communities.is_empty() {
        return Err(AppError::Forbidden);
    }
    let community =
        community.filter(|c| communities.iter().any(|(code, _)| code == c)).unwrap_or_else(|| communities[0].0.clone());
    let path =
        registry::region_by_code(&state.ctx.db.read, &RegionCode::parse(&community).map_err(|_| AppError::Forbidden)?)
            .await?
            .path;
    let failed = error.is_some();
    let mut res = render(&ImportPage {
        can_export: user.can(Resource::Export, Action::Read, &path),
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

fn report_view(
    lang: Lang,
    file_name: &str,
    report: &shouwang_domain::ImportReport,
    upload: Option<Uuid>,
) -> ReportView {
    let c = report.counts;
    ReportView {
        file_name: file_name.to_string(),
        applied: report.applied,
        counts: rust_i18n::t!(
            "import.counts",
            locale = i18n::code(lang),
            created = c.created,
            updated = c.updated,
            unchanged = c.unchanged,
            rejected = report.rejected.len()
        )
        .into_owned(),
        rejected: report
            .rejected
            .iter()
            .map(|r| {
                (
                    rust_i18n::t!("import.row", locale = i18n::code(lang), row = r.row).into_owned(),
                    r.reason.message(lang),
                )
            })
            .collect(),
        upload_id: upload,
    }
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
    let code = RegionCode::parse(&community).map_err(|_| AppError::Forbidden)?;
    let target = registry::community_by_code(&state.ctx.db.read, &code).await?;
    user.require(Resource::Import, Action::Write, &target.path)?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return import_view(&state, &user, Some(community), Some(i18n::t(lang, "import.file")), None).await;
    };
    if bytes.len() > MAX_UPLOAD_BYTES {
        return import_view(&state, &user, Some(community), Some(i18n::t(lang, "import.too_large")), None).await;
    }
    let Some(kind) = FileKind::from_path(std::path::Path::new(&name)) else {
        let msg =
            lang.pick("只支持 .xlsx、.xls、.csv 文件", "only .xlsx, .xls and .csv files are supported").to_string();
        return import_view(&state, &user, Some(community), Some(msg), None).await;
    };
    let options = ImportOptions { dry_run: true, strict: false };
    let year = time::OffsetDateTime::now_utc().year();
    match import_resident_file(
        &state.ctx.db,
        &state.ctx.hasher,
        &code,
        &bytes,
        kind,
        options,
        year,
        state.config.roster_parser.as_deref(),
    )
    .await
    {
        Ok(outcome) => {
            let upload = uploads::store(&state.ctx.db, user.id, &community, &name, bytes).await?;
            let view = report_view(lang, &name, &outcome.report, Some(upload));
            import_view(&state, &user, Some(community), None, Some(view)).await
        }
        Err(e) => import_view(&state, &user, Some(community), Some(e.message(lang)), None).await,
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
    let Some(upload) = uploads::take(&state.ctx.db, form.upload, user.id).await? else {
        return import_view(&state, &user, None, Some(i18n::t(lang, "import.expired")), None).await;
    };
    let code = RegionCode::parse(&upload.community_code).map_err(|_| AppError::Forbidden)?;
    let target = registry::community_by_code(&state.ctx.db.read, &code).await?;
    user.require(Resource::Import, Action::Write, &target.path)?;
    let kind = FileKind::from_path(std::path::Path::new(&upload.file_name)).unwrap_or(FileKind::Xlsx);
    let options = ImportOptions { dry_run: false, strict: form.strict.is_some() };
    let year = time::OffsetDateTime::now_utc().year();
    let outcome = match import_resident_file(
        &state.ctx.db,
        &state.ctx.hasher,
        &code,
        &upload.bytes,
        kind,
        options,
        year,
        state.config.roster_parser.as_deref(),
    )
    .await
    {
        Ok(o) => o,
        Err(e) => return import_view(&state, &user, Some(upload.community_code), Some(e.message(lang)), None).await,
    };
    uploads::delete(&state.ctx.db, upload.id).await?;
    let c = outcome.report.counts;
    audit::append(
        &state.ctx.db.write,
        Entry {
            user_id: Some(user.id),
            username: user.username.clone(),
            action: "import_residents",
            target_kind: "community",
            target_id: Some(target.code.clone()),
            region_path: Some(target.path.clone()),
            detail: serde_json::json!({
                "file": upload.file_name,
                "applied": outcome.report.applied,
                "created": c.created, "updated": c.updated, "unchanged": c.unchanged,
                "rejected": outcome.report.rejected.len(),
            }),
            peer: peer.text(),
        },
    )
    .await?;
    let view = report_view(lang, &upload.file_name, &outcome.report, None);
    import_view(&state, &user, Some(upload.community_code), None, Some(view)).await
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
        _ => return Err(AppError::NotFound { zh: "没有这个文件".into(), en: "no such file".into() }),
    };
    let code =
        RegionCode::parse(q.community.as_deref().unwrap_or(&user.scope_code)).map_err(|_| AppError::Forbidden)?;
    let target = registry::community_by_code(&state.ctx.db.read, &code).await?;
    user.require(Resource::Export, Action::Read, &target.path)?;
    let at = when(time::OffsetDateTime::now_utc()) + " (UTC+8)";
    let by = format!("{} ({})", user.display_name, user.username);
    let (bytes, n) = export_resident_file(&state.ctx.db, &code, kind, &by, &at)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    audit::append(
        &state.ctx.db.write,
        Entry {
            user_id: Some(user.id),
            username: user.username.clone(),
            action: "export_residents",
            target_kind: "community",
            target_id: Some(target.code.clone()),
            region_path: Some(target.path.clone()),
            detail: serde_json::json!({ "rows": n, "format": file }),
            peer: peer.text(),
        },
    )
    .await?;
    let (mime, ext) = match kind {
        FileKind::Csv => ("text/csv; charset=utf-8", "csv"),
        _ => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    };
    Ok(download(bytes, mime, &format!("residents-{}.{ext}", target.code)))
}

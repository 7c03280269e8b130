//! Duty reports and volunteers: the public report-for-duty form and its QR
//! poster, the committee's inbox and volunteer list (verify / reject / exempt
//! in bulk), a volunteer's page (health, group, phone reveal).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::{DayPart, DutyStatus, ExemptReason, GroupFunction, HealthStatus, Lang, Skill, VolunteerKind};
use shouwang_service::Place;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::error::refused;
use crate::i18n;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use shouwang_service::volunteers::{
    self, Applied, Decision, DutyForm, DutyReportInput, Filter, HandoverView, ImportPreview, Submitted, VolunteerRow,
};

/// (code, label) pairs for a select or checkbox list.
type Options = Vec<(String, String)>;

fn options<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T, Lang) -> &'static str, lang: Lang) -> Options {
    all.iter().map(|v| (code(*v).to_string(), label(*v, lang).to_string())).collect()
}

// ---------------------------------------------------------------------------
// The public form

#[derive(Template)]
#[template(path = "volunteers/duty_form.html")]
struct DutyFormPage {
    ctx: PageCtx,
    community: Place,
    places: Vec<(String, String, Options)>,
    kinds: Options,
    skills: Options,
    parts: Options,
    posts: Options,
    errors: Vec<String>,
    done: Option<String>,
    form: DutyFormValues,
}

#[derive(Default)]
struct DutyFormValues {
    name: String,
    phone: String,
    compound: String,
    building: String,
    kind: String,
    work_unit: String,
    party_org: String,
    skills: Vec<String>,
    availability: Vec<String>,
    posts: Vec<String>,
    experienced: bool,
    note: String,
}

impl DutyFormPage {
    fn has(list: &[String], code: &str) -> bool {
        list.iter().any(|c| c == code)
    }
}

fn duty_form_page(
    lang: Lang,
    form_of: DutyForm,
    form: DutyFormValues,
    errors: Vec<String>,
    done: Option<String>,
) -> Result<Response, AppError> {
    let failed = !errors.is_empty();
    let DutyForm { community, places } = form_of;
    let mut res = render(&DutyFormPage {
        ctx: PageCtx::new(None, lang, &format!("/duty/{}", community.code)),
        places: places.into_iter().map(|c| (c.code, c.name, c.buildings)).collect(),
        community,
        kinds: options(VolunteerKind::ALL, VolunteerKind::code, VolunteerKind::label, lang),
        skills: options(Skill::ALL, Skill::code, Skill::label, lang),
        parts: options(DayPart::ALL, DayPart::code, DayPart::label, lang),
        posts: options(GroupFunction::ALL, GroupFunction::code, GroupFunction::label, lang),
        errors,
        done,
        form,
    })?;
    if failed {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

pub async fn duty_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let lang = i18n::from_headers(&headers);
    let form = volunteers::duty_form(&state.ctx, &code).await?;
    duty_form_page(lang, form, DutyFormValues::default(), Vec::new(), None)
}

#[derive(Deserialize, Default)]
pub struct DutyFormBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    compound: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    work_unit: String,
    #[serde(default)]
    party_org: String,
    #[serde(default)]
    skills: Vec<String>,
    #[serde(default)]
    availability: Vec<String>,
    #[serde(default)]
    posts: Vec<String>,
    #[serde(default)]
    experienced: Option<String>,
    #[serde(default)]
    note: String,
    /// Left empty by people; filled by form-spamming robots.
    #[serde(default)]
    website: String,
}

pub async fn submit_duty_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(body): Form<DutyFormBody>,
) -> Result<Response, AppError> {
    let lang = i18n::from_headers(&headers);
    let form = volunteers::duty_form(&state.ctx, &code).await?;
    if let Some(ip) = peer.0
        && !state.report_limiter.allow(ip)
    {
        return Err(AppError::TooManyRequests);
    }
    let values = DutyFormValues {
        name: body.name.clone(),
        phone: body.phone.clone(),
        compound: body.compound.clone(),
        building: body.building.clone(),
        kind: body.kind.clone(),
        work_unit: body.work_unit.clone(),
        party_org: body.party_org.clone(),
        skills: body.skills.clone(),
        availability: body.availability.clone(),
        posts: body.posts.clone(),
        experienced: body.experienced.is_some(),
        note: body.note.clone(),
    };
    let input = DutyReportInput {
        name: body.name,
        phone: body.phone,
        compound: Some(body.compound),
        building: Some(body.building),
        kind: body.kind,
        work_unit: Some(body.work_unit),
        party_org: Some(body.party_org),
        skills: body.skills,
        availability: body.availability,
        preferred_posts: body.posts,
        experienced: values.experienced,
        exempt: None,
        note: Some(body.note),
    };
    let actor = shouwang_service::Actor::public(peer.text(), lang);
    // A robot fills the hidden field: answered as if accepted, nothing stored.
    let robot = !body.website.is_empty();
    let done = match volunteers::submit_duty_form(&state.ctx, &actor, &form.community, &input, robot).await? {
        Submitted::Rejected(errors) => {
            let msgs = errors.iter().map(|e| e.message(lang).to_string()).collect();
            return duty_form_page(lang, form, values, msgs, None);
        }
        Submitted::Ignored => String::new(),
        Submitted::Created(_) => i18n::t(lang, "duty.thanks"),
        Submitted::Merged(_) => i18n::t(lang, "duty.thanks_again"),
    };
    duty_form_page(lang, form, DutyFormValues::default(), Vec::new(), Some(done))
}

#[derive(Template)]
#[template(path = "volunteers/duty_poster.html")]
struct PosterPage {
    ctx: PageCtx,
    community: Place,
    url: String,
    qr: String,
}

/// A printable poster with the community's report-for-duty QR code, to post
/// in the resident WeChat groups or on the notice board.
pub async fn duty_poster(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Read).await?;
    let url = format!("{}/duty/{}", crate::registry::links::base_url(&state, &headers), community.code);
    let qr = crate::registry::links::qr_svg(&url)?;
    render(&PosterPage { ctx: PageCtx::for_user(&user, &format!("/c/{code}/duty-poster")), community, url, qr })
}

// ---------------------------------------------------------------------------
// The committee's list

pub struct VolunteerLine {
    pub id: Uuid,
    pub name: String,
    pub phone: String,
    pub kind: String,
    pub home: String,
    pub skills: String,
    pub status: String,
    pub status_code: String,
    pub verified: bool,
    pub health: String,
    pub unwell: bool,
    pub group: Option<String>,
    pub note: String,
    pub reported_at: String,
}

fn line(v: &VolunteerRow, lang: Lang) -> VolunteerLine {
    let mut status = v.status.label(lang).to_string();
    if let Some(r) = v.exempt_reason {
        status = format!("{status}（{}）", r.label(lang));
    }
    if let Some(r) = &v.reject_reason {
        status = format!("{status}（{r}）");
    }
    let name = |p: &Option<volunteers::PlaceRef>| p.as_ref().map(|p| p.name.clone()).filter(|n| !n.is_empty());
    let home = match (name(&v.home_compound), name(&v.home_building)) {
        (Some(c), Some(b)) => format!("{c} {b}"),
        (Some(c), None) => c,
        _ => i18n::t(lang, "vol.lives_elsewhere"),
    };
    VolunteerLine {
        id: v.id,
        name: v.name.clone(),
        phone: v.phone.clone(),
        kind: v.kind.label(lang).to_string(),
        home,
        skills: v.skills.labels(lang),
        status,
        status_code: v.status.code().to_string(),
        verified: v.status == DutyStatus::Verified,
        health: v.health.label(lang).to_string(),
        unwell: !v.health.can_serve(),
        group: v.group.as_ref().map(|g| g.2.clone()),
        note: v.note.clone().unwrap_or_default(),
        reported_at: shouwang_domain::clock::beijing(v.reported_at).date().to_string(),
    }
}

#[derive(Template)]
#[template(path = "volunteers/volunteers.html")]
struct VolunteersPage {
    ctx: PageCtx,
    community: Place,
    lines: Vec<VolunteerLine>,
    counts: shouwang_service::groups::Counts,
    filter: ListQuery,
    statuses: Options,
    kinds: Options,
    skills: Options,
    healths: Options,
    exempt_reasons: Options,
    can_write: bool,
    flash: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub skill: String,
    #[serde(default)]
    pub health: String,
    #[serde(default)]
    pub grouped: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub done: String,
}

pub async fn volunteers_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let mut query = query;
    // The list opens on the inbox while reports wait for review; "all" shows everyone.
    let untouched = [&query.status, &query.kind, &query.skill, &query.health, &query.grouped, &query.q]
        .iter()
        .all(|f| f.is_empty());
    let filter = Filter {
        status: DutyStatus::from_code(&query.status),
        kind: VolunteerKind::from_code(&query.kind),
        skill: Skill::from_code(&query.skill),
        health: HealthStatus::from_code(&query.health),
        grouped: match query.grouped.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        q: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
    };
    let list = volunteers::committee_list(&state.ctx, &user.actor(None), &code, filter, untouched).await?;
    if list.inbox {
        query.status = DutyStatus::Reported.code().to_string();
    }
    let community = list.community;
    let lines = list.rows.iter().map(|r| line(r, lang)).collect();
    let flash = (!query.done.is_empty()).then(|| format!("{} {}", i18n::t(lang, "vol.done"), query.done));
    render(&VolunteersPage {
        ctx: PageCtx::for_user(&user, &format!("/c/{code}/volunteers")),
        can_write: user.can(Resource::Volunteer, Action::Write, &community.path),
        community,
        lines,
        counts: list.counts,
        filter: query,
        statuses: options(DutyStatus::ALL, DutyStatus::code, DutyStatus::label, lang),
        kinds: options(VolunteerKind::ALL, VolunteerKind::code, VolunteerKind::label, lang),
        skills: options(Skill::ALL, Skill::code, Skill::label, lang),
        healths: options(HealthStatus::ALL, HealthStatus::code, HealthStatus::label, lang),
        exempt_reasons: options(ExemptReason::ALL, ExemptReason::code, ExemptReason::label, lang),
        flash,
    })
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    ids: Vec<Uuid>,
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    exempt_reason: String,
    /// Where to go back to (the filtered list).
    #[serde(default)]
    back: String,
}

pub async fn review(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Write).await?;
    if form.ids.is_empty() {
        return Err(refused("mobilisation.tick_volunteers", &[]));
    }
    let decision = match form.decision.as_str() {
        "verify" => Decision::Verify,
        "reject" => Decision::Reject(form.reason),
        "exempt" => Decision::Exempt(ExemptReason::from_code(&form.exempt_reason)),
        _ => return Err(refused("mobilisation.unknown_action", &[])),
    };
    let n = volunteers::review(&state.ctx, &user.actor(peer.text()), &community, &form.ids, decision).await?;
    let back = crate::pages::safe_next(&form.back);
    let back = if back == "/" { format!("/c/{code}/volunteers") } else { back };
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{sep}done={n}")).into_response())
}

// ---------------------------------------------------------------------------
// One volunteer

#[derive(Template)]
#[template(path = "volunteers/volunteer.html")]
struct VolunteerPage {
    ctx: PageCtx,
    community: Place,
    v: VolunteerLine,
    work_unit: String,
    party_org: String,
    availability: String,
    posts: String,
    experienced: bool,
    health_code: String,
    healths: Options,
    groups: Options,
    current_group: String,
    can_write: bool,
    can_reveal: bool,
    revealed: Option<String>,
    handovers: Vec<String>,
    /// The login this volunteer has, if any.
    account: Option<String>,
    /// Roles the viewer may give this volunteer a login with (none: no form).
    account_roles: Options,
    /// A login just created: (username, first password), shown once.
    created: Option<(String, String)>,
}

async fn volunteer_view(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    revealed: Option<String>,
    handovers: Vec<String>,
) -> Result<Response, AppError> {
    volunteer_view_with(state, user, id, revealed, handovers, None).await
}

async fn volunteer_view_with(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    revealed: Option<String>,
    handovers: Vec<String>,
    created: Option<(String, String)>,
) -> Result<Response, AppError> {
    let d = volunteers::detail(&state.ctx, &user.actor(None), id).await?;
    let (lang, community, v) = (user.lang, d.community, d.volunteer);
    let account_roles = d.account_roles.iter().map(|r| (r.code().to_string(), r.label(lang).to_string())).collect();
    render(&VolunteerPage {
        ctx: PageCtx::for_user(user, &format!("/volunteers/{id}")),
        account: d.account,
        account_roles,
        created,
        work_unit: v.work_unit.clone().unwrap_or_default(),
        party_org: v.party_org.clone().unwrap_or_default(),
        availability: v.availability.labels(lang),
        posts: v.preferred_posts.labels(lang),
        experienced: v.experienced,
        health_code: v.health.code().to_string(),
        healths: options(HealthStatus::ALL, HealthStatus::code, HealthStatus::label, lang),
        groups: d.groups.iter().map(|g| (g.0.to_string(), g.1.clone())).collect(),
        current_group: v.group.as_ref().map(|g| g.0.to_string()).unwrap_or_default(),
        v: line(&v, lang),
        can_write: user.can(Resource::Volunteer, Action::Write, &community.path),
        can_reveal: user.can(Resource::Volunteer, Action::Reveal, &community.path),
        community,
        revealed,
        handovers,
    })
}

pub async fn volunteer_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    volunteer_view(&state, &user, id, None, Vec::new()).await
}

#[derive(Deserialize)]
pub struct HealthForm {
    health: String,
}

/// Records a health change; when the volunteer can no longer serve, their
/// roles pass to their backups and the page lists what moved.
pub async fn set_health(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<HealthForm>,
) -> Result<Response, AppError> {
    let community = volunteers::community_of(&state.ctx, &user.actor(None), id, Action::Write).await?;
    let health = HealthStatus::from_code(&form.health).ok_or_else(|| refused("mobilisation.unknown_health", &[]))?;
    let changes = volunteers::set_health(&state.ctx, &user.actor(peer.text()), &community, id, health).await?;
    let lines = describe_handovers(&changes, user.lang);
    volunteer_view(&state, &user, id, None, lines).await
}

/// "组长 → 李四（B角接任）" lines for hand-overs just made.
pub fn describe_handovers(changes: &[HandoverView], lang: Lang) -> Vec<String> {
    changes
        .iter()
        .map(|h| {
            let role = h.kind.label(lang);
            match (h.backup_lost, h.to_name.clone()) {
                (true, _) => i18n::t_with(lang, "mobilisation.handover.backup_lost", &[("role", &role)]),
                (false, Some(to)) => {
                    i18n::t_with(lang, "mobilisation.handover.to_backup", &[("role", &role), ("to", &to)])
                }
                (false, None) => i18n::t_with(lang, "mobilisation.handover.vacant", &[("role", &role)]),
            }
        })
        .collect()
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    group: String,
}

pub async fn move_group(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    // Who may move whom (the committee, or a secretary or leader within their
    // own branch or group) is the service's to decide.
    let community = volunteers::community_of(&state.ctx, &user.actor(None), id, Action::Read).await?;
    let group = match form.group.trim() {
        "" => None,
        g => Some(Uuid::parse_str(g).map_err(|_| refused("mobilisation.unknown_group", &[]))?),
    };
    volunteers::move_to_group(&state.ctx, &user.actor(peer.text()), &community, id, group).await?;
    Ok(Redirect::to(&format!("/volunteers/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    reason: String,
}

/// Shows a volunteer's phone once, logging who asked and why.
pub async fn reveal(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<RevealForm>,
) -> Result<Response, AppError> {
    let phone = volunteers::reveal_phone(&state.ctx, &user.actor(peer.text()), id, &form.reason).await?;
    volunteer_view(&state, &user, id, Some(phone), Vec::new()).await
}

// ---------------------------------------------------------------------------
// A work unit's list: upload, preview, apply

#[derive(Template)]
#[template(path = "volunteers/volunteer_import.html")]
struct ImportPage {
    ctx: PageCtx,
    community: Place,
    kinds: Options,
    default_kind: String,
    error: Option<String>,
    preview: Option<PreviewView>,
}

struct PreviewView {
    upload: Uuid,
    file_name: String,
    sheet: String,
    rows_read: usize,
    valid: usize,
    new: usize,
    merging: usize,
    exempt: usize,
    rejected: Vec<(u32, String)>,
    merged: Vec<String>,
    unknown_places: Vec<(u32, String)>,
}

async fn import_view(
    user: &CurrentUser,
    community: Place,
    default_kind: VolunteerKind,
    error: Option<String>,
    preview: Option<PreviewView>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let failed = error.is_some();
    let mut res = render(&ImportPage {
        ctx: PageCtx::for_user(user, &format!("/c/{}/volunteers/import", community.code)),
        community,
        kinds: options(VolunteerKind::ALL, VolunteerKind::code, VolunteerKind::label, lang),
        default_kind: default_kind.code().to_string(),
        error,
        preview,
    })?;
    if failed {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

pub async fn import_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Write).await?;
    import_view(&user, community, VolunteerKind::DeployedCadre, None, None).await
}

/// Step 1: read the file, keep it, and show what it would do.
pub async fn import_preview(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Write).await?;
    let lang = user.lang;
    let mut default_kind = VolunteerKind::DeployedCadre;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("default_kind") => {
                if let Some(k) = field.text().await.ok().as_deref().and_then(VolunteerKind::from_code) {
                    default_kind = k;
                }
            }
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
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return import_view(&user, community, default_kind, Some(i18n::t(lang, "import.file")), None).await;
    };
    if bytes.len() > crate::registry::import::MAX_UPLOAD_BYTES {
        return import_view(&user, community, default_kind, Some(i18n::t(lang, "import.too_large")), None).await;
    }
    let Some(kind) = shouwang_io::FileKind::from_path(std::path::Path::new(&name)) else {
        let msg = i18n::t(lang, "mobilisation.import_file_kinds");
        return import_view(&user, community, default_kind, Some(msg), None).await;
    };
    let actor = user.actor(None);
    let report = volunteers::preview_import(&state.ctx, &actor, &community, &name, bytes, kind, default_kind).await?;
    let p: ImportPreview = match report {
        Ok(p) => p,
        Err(e) => {
            let mut res = import_view(&user, community, default_kind, Some(e.message(lang)), None).await?;
            if let Some(status) = crate::registry::import::read_status(&e) {
                *res.status_mut() = status;
            }
            return Ok(res);
        }
    };
    let preview = PreviewView {
        upload: p.upload,
        file_name: name,
        sheet: p.sheet,
        rows_read: p.rows_read,
        valid: p.valid,
        new: p.new,
        merging: p.merging,
        exempt: p.exempt,
        rejected: p.rejected.iter().map(|r| (r.row, r.reason.message(lang))).collect(),
        merged: p.merged.iter().map(|m| m.message(lang)).collect(),
        unknown_places: p.unknown_places,
    };
    import_view(&user, community, default_kind, None, Some(preview)).await
}

#[derive(Deserialize)]
pub struct ApplyForm {
    upload: Uuid,
    default_kind: String,
}

/// Step 2: the kept file goes in, all valid rows in one transaction.
pub async fn import_apply(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(form): Form<ApplyForm>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Write).await?;
    let lang = user.lang;
    let default_kind = VolunteerKind::from_code(&form.default_kind).unwrap_or(VolunteerKind::DeployedCadre);
    let actor = user.actor(peer.text());
    let (status, message) = match volunteers::apply_import(&state.ctx, &actor, &community, form.upload, default_kind)
        .await?
    {
        Applied::Filed(n) => {
            return Ok(Redirect::to(&format!("/c/{code}/volunteers?status=reported&done={n}")).into_response());
        }
        Applied::Expired => (None, i18n::t(lang, "import.expired")),
        Applied::AlreadyApplied => (Some(axum::http::StatusCode::CONFLICT), i18n::t(lang, "uploads.already_applied")),
        Applied::Unreadable(e) => (crate::registry::import::read_status(&e), e.message(lang)),
    };
    let mut res = import_view(&user, community, default_kind, Some(message), None).await?;
    if let Some(status) = status {
        *res.status_mut() = status;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct AccountForm {
    username: String,
    role: String,
}

/// Gives a verified volunteer a login (a group leader needs one to see their
/// group), with a first password shown once.
pub async fn create_account(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<AccountForm>,
) -> Result<Response, AppError> {
    let password = crate::auth::generated_password();
    // Awaited by the service only once its checks pass: hashing is slow on purpose.
    let hash = state.passwords.hash(&password);
    let actor = user.actor(peer.text());
    let username = volunteers::create_login(&state.ctx, &actor, id, &form.username, &form.role, hash).await?;
    volunteer_view_with(&state, &user, id, None, Vec::new(), Some((username, password))).await
}

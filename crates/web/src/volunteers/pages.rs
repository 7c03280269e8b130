//! Duty reports and volunteers: the public report-for-duty form and its QR
//! poster, the committee's inbox and volunteer list (verify / reject / exempt
//! in bulk), a volunteer's page (health, group, phone reveal).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_db::entity::{region, volunteer};
use shouwang_db::mobilisation::{self as mob, Review, VolunteerFilter};
use shouwang_db::registry;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::phone::mask_phone;
use shouwang_domain::{
    Availability, DayPart, DutyStatus, ExemptReason, GroupFunction, GroupFunctionSet, HealthStatus, Lang, RegionKind,
    Skill, SkillSet, VolunteerKind,
};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::error::bad;
use crate::i18n;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use shouwang_service::groups;
use shouwang_service::reactions;
use shouwang_service::volunteers::{self, DutyReportInput};

/// (code, label) pairs for a select or checkbox list.
type Options = Vec<(String, String)>;

fn options<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T, Lang) -> &'static str, lang: Lang) -> Options {
    all.iter().map(|v| (code(*v).to_string(), label(*v, lang).to_string())).collect()
}

/// Compounds of a community, with their buildings: (code, name, [(code, name)]).
async fn places(state: &AppState, community: &region::Model) -> Result<Vec<(String, String, Options)>, AppError> {
    let all = registry::descendants(&state.ctx.db.read, community, None).await?;
    let mut out = Vec::new();
    for c in all.iter().filter(|r| r.kind == RegionKind::Compound.as_str()) {
        let buildings = all
            .iter()
            .filter(|b| b.parent_id == Some(c.id) && b.kind == RegionKind::Building.as_str())
            .map(|b| (b.code.clone(), b.name.clone()))
            .collect();
        out.push((c.code.clone(), c.name.clone(), buildings));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// The public form

#[derive(Template)]
#[template(path = "volunteers/duty_form.html")]
struct DutyFormPage {
    ctx: PageCtx,
    community: region::Model,
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

async fn public_community(state: &AppState, code: &str) -> Result<region::Model, AppError> {
    let not_found = || AppError::NotFound { zh: "找不到该社区".into(), en: "community not found".into() };
    let code = shouwang_domain::RegionCode::parse(code).map_err(|_| not_found())?;
    registry::community_by_code(&state.ctx.db.read, &code).await.map_err(|_| not_found())
}

async fn duty_form_page(
    state: &AppState,
    lang: Lang,
    community: region::Model,
    form: DutyFormValues,
    errors: Vec<String>,
    done: Option<String>,
) -> Result<Response, AppError> {
    let failed = !errors.is_empty();
    let mut res = render(&DutyFormPage {
        ctx: PageCtx::new(None, lang, &format!("/duty/{}", community.code)),
        places: places(state, &community).await?,
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
    let community = public_community(&state, &code).await?;
    duty_form_page(&state, lang, community, DutyFormValues::default(), Vec::new(), None).await
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
    let community = public_community(&state, &code).await?;
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
    let report = match volunteers::parse_duty_report(&state.ctx, &community, &input, "form").await {
        Ok(r) => r,
        Err(errors) => {
            let msgs = errors.iter().map(|e| e.message(lang).to_string()).collect();
            return duty_form_page(&state, lang, community, values, msgs, None).await;
        }
    };
    if !body.website.is_empty() {
        // A robot: answer as if accepted, store nothing.
        return duty_form_page(&state, lang, community, DutyFormValues::default(), Vec::new(), Some(String::new()))
            .await;
    }
    let actor = shouwang_service::Actor::public(peer.text(), lang);
    let outcome = volunteers::public_duty_report(&state.ctx, &actor, &community, &report).await?;
    let done = match outcome {
        mob::ReportOutcome::Created(_) => i18n::t(lang, "duty.thanks"),
        mob::ReportOutcome::Merged(_) => i18n::t(lang, "duty.thanks_again"),
    };
    duty_form_page(&state, lang, community, DutyFormValues::default(), Vec::new(), Some(done)).await
}

#[derive(Template)]
#[template(path = "volunteers/duty_poster.html")]
struct PosterPage {
    ctx: PageCtx,
    community: region::Model,
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
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Read)
            .await?;
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
    pub health: String,
    pub unwell: bool,
    pub group: Option<String>,
    pub note: String,
    pub reported_at: String,
}

fn line(
    v: &volunteer::Model,
    group: Option<&(Uuid, i32, String)>,
    names: &std::collections::HashMap<Uuid, String>,
    lang: Lang,
) -> VolunteerLine {
    let health = HealthStatus::from_code(&v.health).unwrap_or(HealthStatus::Active);
    let mut status = DutyStatus::from_code(&v.status).map_or(v.status.clone(), |s| s.label(lang).to_string());
    if let Some(r) = v.exempt_reason.as_deref().and_then(ExemptReason::from_code) {
        status = format!("{status}（{}）", r.label(lang));
    }
    if let Some(r) = &v.reject_reason {
        status = format!("{status}（{r}）");
    }
    let home = match (v.home_compound_id.and_then(|c| names.get(&c)), v.home_building_id.and_then(|b| names.get(&b))) {
        (Some(c), Some(b)) => format!("{c} {b}"),
        (Some(c), None) => c.clone(),
        _ => i18n::t(lang, "vol.lives_elsewhere"),
    };
    VolunteerLine {
        id: v.id,
        name: v.name.clone(),
        phone: mask_phone(&v.phone),
        kind: VolunteerKind::from_code(&v.kind).map_or(v.kind.clone(), |k| k.label(lang).to_string()),
        home,
        skills: SkillSet::from_codes(&v.skills).labels(lang),
        status,
        status_code: v.status.clone(),
        health: health.label(lang).to_string(),
        unwell: !health.can_serve(),
        group: group.map(|g| g.2.clone()),
        note: v.note.clone().unwrap_or_default(),
        reported_at: shouwang_domain::clock::beijing(v.reported_at).date().to_string(),
    }
}

/// Names of the community's compounds and buildings by id.
async fn place_names(
    state: &AppState,
    community: &region::Model,
) -> Result<std::collections::HashMap<Uuid, String>, AppError> {
    Ok(registry::descendants(&state.ctx.db.read, community, None).await?.into_iter().map(|r| (r.id, r.name)).collect())
}

#[derive(Template)]
#[template(path = "volunteers/volunteers.html")]
struct VolunteersPage {
    ctx: PageCtx,
    community: region::Model,
    lines: Vec<VolunteerLine>,
    counts: mob::MobilisationCounts,
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
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Read)
            .await?;
    let lang = user.lang;
    let counts = mob::counts_of(&state.ctx.db.read, community.id).await?;
    let mut query = query;
    // The list opens on the inbox while reports wait for review; "all" shows everyone.
    let untouched = [&query.status, &query.kind, &query.skill, &query.health, &query.grouped, &query.q]
        .iter()
        .all(|f| f.is_empty());
    if untouched && counts.reported > counts.verified + counts.exempt + counts.rejected {
        query.status = DutyStatus::Reported.code().to_string();
    }
    let filter = VolunteerFilter {
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
    let rows = mob::list_volunteers(&state.ctx.db.read, community.id, &filter).await?;
    let names = place_names(&state, &community).await?;
    let lines = rows.iter().map(|r| line(&r.volunteer, r.group.as_ref(), &names, lang)).collect();
    let flash = (!query.done.is_empty()).then(|| format!("{} {}", i18n::t(lang, "vol.done"), query.done));
    render(&VolunteersPage {
        ctx: PageCtx::for_user(&user, &format!("/c/{code}/volunteers")),
        can_write: user.can(Resource::Volunteer, Action::Write, &community.path),
        community,
        lines,
        counts,
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
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Write)
            .await?;
    if form.ids.is_empty() {
        return Err(bad("请先勾选要处理的志愿者", "tick the volunteers to act on first"));
    }
    let decision = match form.decision.as_str() {
        "verify" => Review::Verify,
        "reject" => {
            let reason = shouwang_domain::text::normalize(&form.reason);
            if reason.is_empty() {
                return Err(bad("不通过时请填写原因", "give a reason when rejecting"));
            }
            Review::Reject(reason.chars().take(200).collect())
        }
        "exempt" => Review::Exempt(
            ExemptReason::from_code(&form.exempt_reason)
                .ok_or_else(|| bad("请选择免编原因", "choose why they are exempt"))?,
        ),
        _ => return Err(bad("未知的操作", "unknown action")),
    };
    let (n, _) = reactions::reviewed(&state.ctx, &user.actor(peer.text()), &community, &form.ids, &decision).await?;
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
    community: region::Model,
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
    let not_found = || AppError::NotFound { zh: "找不到该志愿者".into(), en: "volunteer not found".into() };
    let v = mob::volunteer_by_id(&state.ctx.db.read, id).await?.ok_or_else(not_found)?;
    let community = registry::region_by_id(&state.ctx.db.read, v.community_id).await?.ok_or_else(not_found)?;
    user.require(Resource::Volunteer, Action::Read, &community.path)?;
    let lang = user.lang;
    let names = place_names(state, &community).await?;
    let groups = mob::groups_of_community(&state.ctx.db.read, community.id).await?;
    let current = mob::group_of(&state.ctx.db.read, v.id).await?;
    let group =
        groups.iter().find(|g| Some(g.group.id) == current).map(|g| (g.group.id, g.group.number, g.group.name.clone()));
    let account = match v.user_id {
        Some(u) => shouwang_db::accounts::find_by_id(&state.ctx.db.read, u).await?.map(|a| a.user.username),
        None => None,
    };
    let account_roles = if account.is_none()
        && v.status == DutyStatus::Verified.code()
        && user.can(Resource::Users, Action::Write, &community.path)
    {
        [shouwang_domain::Role::Volunteer, shouwang_domain::Role::GroupLeader, shouwang_domain::Role::BranchSecretary]
            .into_iter()
            .filter(|r| user.role.may_appoint(*r))
            .map(|r| (r.code().to_string(), r.label(lang).to_string()))
            .collect()
    } else {
        Vec::new()
    };
    render(&VolunteerPage {
        ctx: PageCtx::for_user(user, &format!("/volunteers/{id}")),
        account,
        account_roles,
        created,
        v: line(&v, group.as_ref(), &names, lang),
        work_unit: v.work_unit.clone().unwrap_or_default(),
        party_org: v.party_org.clone().unwrap_or_default(),
        availability: Availability::from_codes(&v.availability).labels(lang),
        posts: GroupFunctionSet::from_codes(&v.preferred_posts).labels(lang),
        experienced: v.experienced,
        health_code: v.health.clone(),
        healths: options(HealthStatus::ALL, HealthStatus::code, HealthStatus::label, lang),
        groups: groups.iter().map(|g| (g.group.id.to_string(), g.group.name.clone())).collect(),
        current_group: current.map(|g| g.to_string()).unwrap_or_default(),
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

async fn volunteer_community(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    action: Action,
) -> Result<(volunteer::Model, region::Model), AppError> {
    let not_found = || AppError::NotFound { zh: "找不到该志愿者".into(), en: "volunteer not found".into() };
    let v = mob::volunteer_by_id(&state.ctx.db.read, id).await?.ok_or_else(not_found)?;
    let community = registry::region_by_id(&state.ctx.db.read, v.community_id).await?.ok_or_else(not_found)?;
    user.require(Resource::Volunteer, action, &community.path)?;
    Ok((v, community))
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
    let (v, community) = volunteer_community(&state, &user, id, Action::Write).await?;
    let health = HealthStatus::from_code(&form.health).ok_or_else(|| bad("未知的健康状态", "unknown health status"))?;
    let done = reactions::health_changed(&state.ctx, &user.actor(peer.text()), &community, v.id, health).await?;
    let changes = done.handovers;
    let names = groups::names_of(&state.ctx, community.id).await?;
    let lines = describe_handovers(&changes, &names, user.lang);
    volunteer_view(&state, &user, id, None, lines).await
}

/// "组长 → 李四（B角接任）" lines for hand-overs just made.
pub fn describe_handovers(
    changes: &[mob::Handover],
    names: &std::collections::BTreeMap<Uuid, String>,
    lang: Lang,
) -> Vec<String> {
    let name = |id: Option<Uuid>| id.and_then(|i| names.get(&i).cloned());
    changes
        .iter()
        .map(|h| {
            let role = shouwang_domain::KeyRoleKind::from_code(&h.kind).map_or(h.kind.as_str(), |k| k.label(lang));
            match (h.backup_lost, name(h.to)) {
                (true, _) => match lang {
                    Lang::Zh => format!("{role}：不再担任B角，请重新指定B角"),
                    Lang::En => format!("{role}: no longer the backup; appoint a new backup"),
                },
                (false, Some(to)) => match lang {
                    Lang::Zh => format!("{role}：已由B角 {to} 接任"),
                    Lang::En => format!("{role}: handed over to the backup, {to}"),
                },
                (false, None) => match lang {
                    Lang::Zh => format!("{role}：无B角可接任，现空缺，请尽快指定"),
                    Lang::En => format!("{role}: no backup could take over; the role is vacant, appoint someone"),
                },
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
    let (v, community) = volunteer_community(&state, &user, id, Action::Read).await?;
    user.require(Resource::Group, Action::Write, &community.path)?;
    let group = match form.group.trim() {
        "" => None,
        g => Some(Uuid::parse_str(g).map_err(|_| bad("未知的小组", "unknown group"))?),
    };
    reactions::group_changed(&state.ctx, &user.actor(peer.text()), &community, v.id, group).await?;
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
    let (v, community) = volunteer_community(&state, &user, id, Action::Reveal).await?;
    let reason = shouwang_domain::text::normalize(&form.reason);
    if reason.is_empty() {
        return Err(bad("查看完整手机号需填写原因", "give a reason to see the full phone number"));
    }
    let mut e = user.actor(peer.text()).entry("volunteer_reveal", "volunteer", Some(id.to_string()), &community);
    e.detail = serde_json::json!({ "field": "phone", "reason": reason });
    shouwang_db::audit::append(&state.ctx.db.write, e).await?;
    volunteer_view(&state, &user, id, Some(v.phone.clone()), Vec::new()).await
}

// ---------------------------------------------------------------------------
// A work unit's list: upload, preview, apply

#[derive(Template)]
#[template(path = "volunteers/volunteer_import.html")]
struct ImportPage {
    ctx: PageCtx,
    community: region::Model,
    kinds: Options,
    default_kind: String,
    error: Option<String>,
    preview: Option<ImportPreview>,
}

struct ImportPreview {
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
    community: region::Model,
    default_kind: VolunteerKind,
    error: Option<String>,
    preview: Option<ImportPreview>,
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
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Write)
            .await?;
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
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Write)
            .await?;
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
        let msg =
            lang.pick("只支持 .xlsx、.xls、.csv 文件", "only .xlsx, .xls and .csv files are supported").to_string();
        return import_view(&user, community, default_kind, Some(msg), None).await;
    };
    let report = match volunteers::read_volunteer_file(
        &state.ctx,
        &community,
        &bytes,
        kind,
        default_kind,
        state.config.roster_parser.as_deref(),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return import_view(&user, community, default_kind, Some(e.message(lang)), None).await,
    };
    let upload = shouwang_db::uploads::store(&state.ctx.db, user.id, &community.code, &name, bytes).await?;
    let preview = ImportPreview {
        upload,
        file_name: name,
        sheet: report.sheet_name.clone(),
        rows_read: report.rows_read,
        valid: report.reports.len(),
        new: report.reports.len() - report.already_reported,
        merging: report.already_reported,
        exempt: report.reports.iter().filter(|r| r.exempt.is_some()).count(),
        rejected: report.rejected.iter().map(|(row, zh, en)| (*row, lang.pick(zh, en).to_string())).collect(),
        merged: report.merged.iter().map(|(zh, en)| lang.pick(zh, en).to_string()).collect(),
        unknown_places: report.unknown_places.clone(),
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
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Write)
            .await?;
    let lang = user.lang;
    let default_kind = VolunteerKind::from_code(&form.default_kind).unwrap_or(VolunteerKind::DeployedCadre);
    let Some(upload) = shouwang_db::uploads::take(&state.ctx.db, form.upload, user.id).await? else {
        return import_view(&user, community, default_kind, Some(i18n::t(lang, "import.expired")), None).await;
    };
    if upload.community_code != community.code {
        return Err(AppError::Forbidden);
    }
    let kind = shouwang_io::FileKind::from_path(std::path::Path::new(&upload.file_name))
        .ok_or_else(|| bad("文件类型不支持", "unsupported file type"))?;
    let report = match volunteers::read_volunteer_file(
        &state.ctx,
        &community,
        &upload.bytes,
        kind,
        default_kind,
        state.config.roster_parser.as_deref(),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return import_view(&user, community, default_kind, Some(e.message(lang)), None).await,
    };
    let actor = user.actor(peer.text());
    let (file, rejected) = (upload.file_name.as_str(), report.rejected.len());
    let counts =
        volunteers::import_duty_reports(&state.ctx, &actor, &community, &report.reports, file, rejected).await?;
    shouwang_db::uploads::delete(&state.ctx.db, upload.id).await?;
    Ok(Redirect::to(&format!("/c/{code}/volunteers?status=reported&done={}", counts.created + counts.merged))
        .into_response())
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
    let (v, community) = volunteer_community(&state, &user, id, Action::Read).await?;
    user.require(Resource::Users, Action::Write, &community.path)?;
    let role = shouwang_domain::Role::parse(&form.role)
        .filter(|r| {
            matches!(
                r,
                shouwang_domain::Role::Volunteer
                    | shouwang_domain::Role::GroupLeader
                    | shouwang_domain::Role::BranchSecretary
            )
        })
        .filter(|r| user.role.may_appoint(*r))
        .ok_or(AppError::Forbidden)?;
    if v.user_id.is_some() {
        return Err(bad("此人已有登录账号", "this volunteer already has a login"));
    }
    if v.status != DutyStatus::Verified.code() {
        return Err(bad("审核通过后才能开通账号", "verify the volunteer before giving them a login"));
    }
    let password = crate::auth::generated_password();
    let hash = state.passwords.hash(&password).await?;
    let scope = shouwang_domain::RegionCode::parse(&community.code).map_err(|_| AppError::Forbidden)?;
    let created = shouwang_db::accounts::create_user(
        &state.ctx.db,
        shouwang_db::accounts::NewUser {
            username: &form.username,
            display_name: &v.name,
            password_hash: hash,
            role,
            scope: &scope,
            personal_grant: false,
            must_change_password: true,
        },
    )
    .await?;
    let actor = user.actor(peer.text());
    volunteers::link_login(&state.ctx, &actor, &community, v.id, created.id, &created.username, role).await?;
    volunteer_view_with(&state, &user, id, None, Vec::new(), Some((created.username, password))).await
}

//! Duty reports and volunteers over JSON (SPEC §4.2). A volunteer's phone
//! only ever leaves the server masked.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::refused;
use crate::error::{AppError, ErrorBody};
use crate::i18n;
use crate::security::ClientIp;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::{DutyStatus, ExemptReason, HealthStatus, Lang, Skill, VolunteerKind};
use shouwang_service::volunteers::{self, FieldError, Filter, Submitted, VolunteerRow};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::*;

/// A volunteer of a community, as lists show them.
#[derive(Serialize, ToSchema)]
pub struct VolunteerDto {
    pub id: Uuid,
    pub name: String,
    /// Masked, e.g. `139****1111`.
    pub phone: String,
    /// deployed_cadre, nearby_member, converted_staff, deputy, resident_volunteer or social_worker.
    pub kind: String,
    /// reported, verified, rejected or exempt.
    pub status: String,
    /// Why the report was rejected.
    pub reject_reason: Option<String>,
    /// on_duty_police, on_duty_medical, on_duty_social_worker or not_eligible.
    pub exempt_reason: Option<String>,
    /// active, isolated, infected or recovered.
    pub health: String,
    pub home_compound: Option<PlaceRef>,
    pub home_building: Option<PlaceRef>,
    /// Skill codes: medical, driving, it, electrician, counselling, translation, heavy_lifting.
    pub skills: Vec<String>,
    pub experienced: bool,
    pub work_unit: Option<String>,
    pub party_org: Option<String>,
    pub group_id: Option<Uuid>,
    pub group_number: Option<i32>,
    pub group_name: Option<String>,
    /// RFC 3339.
    pub reported_at: String,
}

fn volunteer_dto(v: VolunteerRow) -> VolunteerDto {
    let place = |p: Option<volunteers::PlaceRef>| p.map(|p| PlaceRef { id: p.id, name: p.name });
    VolunteerDto {
        id: v.id,
        name: v.name,
        phone: v.phone,
        kind: v.kind.code().to_string(),
        status: v.status.code().to_string(),
        reject_reason: v.reject_reason,
        exempt_reason: v.exempt_reason.map(|r| r.code().to_string()),
        health: v.health.code().to_string(),
        home_compound: place(v.home_compound),
        home_building: place(v.home_building),
        skills: codes(v.skills.iter(), Skill::code),
        experienced: v.experienced,
        work_unit: v.work_unit,
        party_org: v.party_org,
        group_id: v.group.as_ref().map(|g| g.0),
        group_number: v.group.as_ref().map(|g| g.1),
        group_name: v.group.map(|g| g.2),
        reported_at: time_text(v.reported_at),
    }
}

// ---------------------------------------------------------------------------
// Volunteers and duty reports

#[derive(Deserialize, IntoParams)]
pub struct VolunteerQuery {
    /// reported, verified, rejected or exempt.
    pub status: Option<String>,
    /// A volunteer kind code, e.g. nearby_member.
    pub kind: Option<String>,
    /// A skill code, e.g. medical.
    pub skill: Option<String>,
    /// active, isolated, infected or recovered.
    pub health: Option<String>,
    /// `true` for those in a group, `false` for those in none.
    pub grouped: Option<String>,
    /// Part of the name, or the last 4+ digits of the phone.
    pub q: Option<String>,
}

/// A community's volunteers, filtered (phones masked).
#[utoipa::path(get, path = "/api/v1/communities/{code}/volunteers", tag = "mobilisation",
    params(("code" = String, Path, description = "community code"), VolunteerQuery),
    responses((status = 200, body = Vec<VolunteerDto>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_volunteers(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<VolunteerQuery>,
) -> Result<Json<Vec<VolunteerDto>>, AppError> {
    let filter = Filter {
        status: code_param(q.status.as_deref(), "status", DutyStatus::from_code)?,
        kind: code_param(q.kind.as_deref(), "kind", VolunteerKind::from_code)?,
        skill: code_param(q.skill.as_deref(), "skill", Skill::from_code)?,
        health: code_param(q.health.as_deref(), "health", HealthStatus::from_code)?,
        grouped: code_param(q.grouped.as_deref(), "grouped", |s| match s {
            "true" | "yes" | "1" => Some(true),
            "false" | "no" | "0" => Some(false),
            _ => None,
        })?,
        q: q.q.filter(|t| !t.trim().is_empty()),
    };
    let rows = volunteers::list(&state.ctx, &user.actor(None), &code, &filter).await?;
    Ok(Json(rows.into_iter().map(volunteer_dto).collect()))
}

// The API's own copy of `volunteers::DutyReportInput`: the same JSON and the
// same descriptions, so the service needs no utoipa.

/// The fields of a duty report as a form or a JSON body sends them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DutyReportInput {
    pub name: String,
    pub phone: String,
    /// Code of the compound where the volunteer lives, if in this community.
    #[serde(default)]
    pub compound: Option<String>,
    /// Code of the building, if known.
    #[serde(default)]
    pub building: Option<String>,
    /// `VolunteerKind` code or label.
    pub kind: String,
    #[serde(default)]
    pub work_unit: Option<String>,
    #[serde(default)]
    pub party_org: Option<String>,
    /// Skill codes (medical, driving, it, electrician, counselling, translation, heavy_lifting).
    #[serde(default)]
    pub skills: Vec<String>,
    /// Day parts: morning, afternoon, evening, night.
    #[serde(default)]
    pub availability: Vec<String>,
    /// Group functions the volunteer prefers.
    #[serde(default)]
    pub preferred_posts: Vec<String>,
    #[serde(default)]
    pub experienced: bool,
    /// Exemption code, e.g. on_duty_medical.
    #[serde(default)]
    pub exempt: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl From<DutyReportInput> for volunteers::DutyReportInput {
    fn from(input: DutyReportInput) -> Self {
        let DutyReportInput {
            name,
            phone,
            compound,
            building,
            kind,
            work_unit,
            party_org,
            skills,
            availability,
            preferred_posts,
            experienced,
            exempt,
            note,
        } = input;
        volunteers::DutyReportInput {
            name,
            phone,
            compound,
            building,
            kind,
            work_unit,
            party_org,
            skills,
            availability,
            preferred_posts,
            experienced,
            exempt,
            note,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DutyReportCreated {
    pub id: Uuid,
    /// The phone had already reported to this community; the new details were merged in.
    pub merged: bool,
}

/// A field of a duty report that failed, in both languages.
#[derive(Serialize, ToSchema)]
pub struct FieldErrorDto {
    /// name, phone, kind, compound, building or exempt.
    pub field: String,
    pub message: String,
    pub message_en: String,
}

/// A duty report that failed: the usual error body plus one line per field.
#[derive(Serialize, ToSchema)]
pub struct FieldErrorsBody {
    pub status: u16,
    pub message: String,
    pub message_en: String,
    pub fields: Vec<FieldErrorDto>,
}

fn field_errors(errors: Vec<FieldError>) -> Response {
    let body = FieldErrorsBody {
        status: 400,
        message: i18n::t(Lang::Zh, "mobilisation.report_has_errors"),
        message_en: i18n::t(Lang::En, "mobilisation.report_has_errors"),
        fields: errors
            .into_iter()
            .map(|e| FieldErrorDto {
                field: e.field.to_string(),
                message: e.message(Lang::Zh),
                message_en: e.message(Lang::En),
            })
            .collect(),
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Files a duty report for someone (a committee member typing it in); a second
/// report from the same phone merges into the first.
#[utoipa::path(post, path = "/api/v1/communities/{code}/duty-reports", tag = "mobilisation",
    params(("code" = String, Path, description = "community code")),
    request_body = DutyReportInput,
    responses((status = 201, body = DutyReportCreated), (status = 400, body = FieldErrorsBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_duty_report(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    input: Result<Json<DutyReportInput>, JsonRejection>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Write).await?;
    let input: volunteers::DutyReportInput = body(input)?.into();
    let created = match volunteers::file_duty_report(&state.ctx, &user.actor(peer.text()), &community, &input).await? {
        Submitted::Rejected(errors) => return Ok(field_errors(errors)),
        Submitted::Created(id) => DutyReportCreated { id, merged: false },
        Submitted::Merged(id) => DutyReportCreated { id, merged: true },
        Submitted::Ignored => return Err(AppError::Internal("a committee's report taken for a robot".into())),
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Verify,
    Reject,
    Exempt,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub ids: Vec<Uuid>,
    pub decision: Decision,
    /// Required when rejecting.
    #[serde(default)]
    pub reason: Option<String>,
    /// Required when exempting: on_duty_police, on_duty_medical, on_duty_social_worker or not_eligible.
    #[serde(default)]
    pub exempt_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewResult {
    /// Volunteers of this community that the decision applied to.
    pub changed: u64,
}

/// Verifies, rejects (with a reason) or exempts several volunteers at once.
#[utoipa::path(post, path = "/api/v1/communities/{code}/volunteers/review", tag = "mobilisation",
    params(("code" = String, Path, description = "community code")),
    request_body = ReviewRequest,
    responses((status = 200, body = ReviewResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn review_volunteers(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    req: Result<Json<ReviewRequest>, JsonRejection>,
) -> Result<Json<ReviewResult>, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Volunteer, Action::Write).await?;
    let req = body(req)?;
    if req.ids.is_empty() {
        return Err(refused("mobilisation.choose_volunteers", &[]));
    }
    let decision = match req.decision {
        Decision::Verify => volunteers::Decision::Verify,
        Decision::Reject => volunteers::Decision::Reject(req.reason.unwrap_or_default()),
        Decision::Exempt => {
            volunteers::Decision::Exempt(req.exempt_reason.as_deref().and_then(|r| ExemptReason::from_code(r.trim())))
        }
    };
    let changed = volunteers::review(&state.ctx, &user.actor(peer.text()), &community, &req.ids, decision).await?;
    Ok(Json(ReviewResult { changed }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthRequest {
    /// active, isolated, infected or recovered.
    pub health: String,
}

/// A key role that changed hands because of a health change.
#[derive(Serialize, ToSchema)]
pub struct HandoverDto {
    /// branch_secretary, group_leader, group_deputy, building_leader or medicine_runner.
    pub role: String,
    pub role_label: Text,
    /// The branch or group the role is of.
    pub subject_id: Uuid,
    pub from: Option<Uuid>,
    pub from_name: Option<String>,
    /// Who holds the role now; none when nobody could take it over.
    pub to: Option<Uuid>,
    pub to_name: Option<String>,
    /// The volunteer was the backup (B角) and the role now has none.
    pub backup_lost: bool,
}

#[derive(Serialize, ToSchema)]
pub struct HealthResult {
    pub handovers: Vec<HandoverDto>,
}

/// Records a volunteer's health; when they can no longer serve (isolated,
/// infected), their key roles pass to the backups, as listed in the answer.
#[utoipa::path(post, path = "/api/v1/volunteers/{id}/health", tag = "mobilisation",
    params(("id" = Uuid, Path, description = "volunteer id")),
    request_body = HealthRequest,
    responses((status = 200, body = HealthResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_health(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    req: Result<Json<HealthRequest>, JsonRejection>,
) -> Result<Json<HealthResult>, AppError> {
    let community = volunteers::community_of(&state.ctx, &user.actor(None), id, Action::Write).await?;
    let req = body(req)?;
    let health =
        HealthStatus::from_code(req.health.trim()).ok_or_else(|| refused("mobilisation.unknown_health", &[]))?;
    let changes = volunteers::set_health(&state.ctx, &user.actor(peer.text()), &community, id, health).await?;
    Ok(Json(HealthResult {
        handovers: changes
            .into_iter()
            .map(|h| HandoverDto {
                role: h.kind.code().to_string(),
                role_label: Text::of(|l| h.kind.label(l).into()),
                subject_id: h.subject_id,
                from: h.from,
                from_name: h.from_name,
                to: h.to,
                to_name: h.to_name,
                backup_lost: h.backup_lost,
            })
            .collect(),
    }))
}

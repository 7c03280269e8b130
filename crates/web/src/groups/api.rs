//! Branches, groups, the grouping proposal and the roll-up over JSON (SPEC §4.3).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::security::ClientIp;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::grouping::{GroupRole, GroupingParams, Placement};
use shouwang_domain::{GroupFunction, Skill};
use shouwang_service::groups::{self, Counts, Draft, KeyRole, Member, RollupRow};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::*;

// ---------------------------------------------------------------------------
// Branches and groups

/// A member of a branch or group (phone masked).
#[derive(Serialize, ToSchema)]
pub struct MemberDto {
    pub id: Uuid,
    pub name: String,
    /// Masked, e.g. `139****1111`.
    pub phone: String,
    pub kind: String,
    pub skills: Vec<String>,
    pub health: String,
    /// `leader` or `deputy` for a group's leader and deputy; none otherwise.
    pub role: Option<String>,
}

fn member_dto(v: &Member, role: Option<&str>) -> MemberDto {
    MemberDto {
        id: v.id,
        name: v.name.clone(),
        phone: v.phone.clone(),
        kind: v.kind.code().to_string(),
        skills: codes(v.skills.iter(), Skill::code),
        health: v.health.code().to_string(),
        role: role.map(str::to_string),
    }
}

/// A key role with its holder and backup (B角).
#[derive(Serialize, ToSchema)]
pub struct RoleDto {
    pub id: Uuid,
    /// branch_secretary, group_leader, group_deputy, …
    pub kind: String,
    pub holder_id: Option<Uuid>,
    pub holder_name: Option<String>,
    pub backup_id: Option<Uuid>,
    pub backup_name: Option<String>,
}

fn role_dto(r: &KeyRole) -> RoleDto {
    RoleDto {
        id: r.id,
        kind: r.kind.code().to_string(),
        holder_id: r.holder.as_ref().map(|v| v.id),
        holder_name: r.holder.as_ref().map(|v| v.name.clone()),
        backup_id: r.backup.as_ref().map(|v| v.id),
        backup_name: r.backup.as_ref().map(|v| v.name.clone()),
    }
}

#[derive(Serialize, ToSchema)]
pub struct BranchDto {
    pub id: Uuid,
    pub name: String,
    /// deployed_cadres, nearby_members, sealed_area or mixed.
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub founded_on: String,
    pub dissolved_on: Option<String>,
    pub secretary: Option<RoleDto>,
    pub members: Vec<MemberDto>,
    /// Groups under this branch.
    pub groups: u64,
}

/// A community's temporary branches with their secretaries and members.
#[utoipa::path(get, path = "/api/v1/communities/{code}/branches", tag = "mobilisation",
    params(("code" = String, Path, description = "community code")),
    responses((status = 200, body = Vec<BranchDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_branches(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<BranchDto>>, AppError> {
    let branches = groups::branches(&state.ctx, &user.actor(None), &code).await?;
    Ok(Json(
        branches
            .iter()
            .map(|b| BranchDto {
                id: b.id,
                name: b.name.clone(),
                kind: b.kind.code().to_string(),
                founded_on: b.founded_on.to_string(),
                dissolved_on: b.dissolved_on.map(|d| d.to_string()),
                secretary: b.secretary.as_ref().map(role_dto),
                members: b.members.iter().map(|m| member_dto(m, None)).collect(),
                groups: b.groups as u64,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct GroupDto {
    pub id: Uuid,
    pub number: i32,
    pub name: String,
    pub branch_id: Option<Uuid>,
    /// Group function codes (testing, disinfection, medicine, …); empty for a territorial group.
    pub functions: Vec<String>,
    pub compounds: Vec<PlaceRef>,
    /// The leader's role, with the backup (B角) who takes over.
    pub leader: Option<RoleDto>,
    pub deputy: Option<RoleDto>,
    /// Leader first, then the deputy, then by name.
    pub members: Vec<MemberDto>,
}

/// A community's groups with the compounds they cover, their members
/// (phones masked), and who leads them with which backup.
#[utoipa::path(get, path = "/api/v1/communities/{code}/groups", tag = "mobilisation",
    params(("code" = String, Path, description = "community code")),
    responses((status = 200, body = Vec<GroupDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_groups(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<GroupDto>>, AppError> {
    let groups = groups::groups(&state.ctx, &user.actor(None), &code).await?;
    Ok(Json(
        groups
            .iter()
            .map(|g| {
                let (leader, deputy) = (g.leader_id(), g.deputy_id());
                GroupDto {
                    id: g.id,
                    number: g.number,
                    name: g.name.clone(),
                    branch_id: g.branch_id,
                    functions: codes(g.functions.iter(), GroupFunction::code),
                    compounds: g.compounds.iter().map(|(id, name)| PlaceRef { id: *id, name: name.clone() }).collect(),
                    leader: g.leader.as_ref().map(role_dto),
                    deputy: g.deputy.as_ref().map(role_dto),
                    members: g
                        .members
                        .iter()
                        .map(|m| {
                            let role = if Some(m.id) == leader {
                                Some("leader")
                            } else if Some(m.id) == deputy {
                                Some("deputy")
                            } else {
                                None
                            };
                            member_dto(m, role)
                        })
                        .collect(),
                }
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------
// The grouping proposal

#[derive(Serialize, ToSchema)]
pub struct ParamsDto {
    /// Members per group, not counting the leader.
    pub min_members: u16,
    pub max_members: u16,
    /// Compounds one group may cover.
    pub max_compounds: u16,
}

impl From<GroupingParams> for ParamsDto {
    fn from(p: GroupingParams) -> ParamsDto {
        ParamsDto { min_members: p.min_members, max_members: p.max_members, max_compounds: p.max_compounds }
    }
}

/// A volunteer's place in the proposal, and why.
#[derive(Serialize, ToSchema)]
pub struct ProposedMemberDto {
    pub volunteer_id: Uuid,
    pub name: String,
    /// leader, deputy or member.
    pub role: String,
    pub kind: String,
    pub skills: Vec<String>,
    pub home_compound: Option<String>,
    /// Why this person is here (never empty).
    pub reasons: Vec<Text>,
}

#[derive(Serialize, ToSchema)]
pub struct ProposedGroupDto {
    pub number: u32,
    pub compounds: Vec<PlaceRef>,
    /// Residents this group looks after.
    pub residents: u32,
    /// Leader first, then the deputy, then members.
    pub members: Vec<ProposedMemberDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ExcludedDto {
    pub volunteer_id: Uuid,
    pub name: String,
    /// not_verified, rejected, exempt or cannot_serve.
    pub why: String,
    pub why_text: Text,
}

/// A notice about the proposal as a whole, or a problem to fix before confirming.
#[derive(Serialize, ToSchema)]
pub struct NoticeDto {
    /// e.g. pool_too_small, shared_compound, group_too_small.
    pub kind: String,
    /// The hard constraints could not all be met as asked.
    pub blocking: bool,
    pub text: Text,
}

#[derive(Serialize, ToSchema)]
pub struct StatsDto {
    pub eligible: u32,
    /// People in groups, leaders included.
    pub placed: u32,
    pub in_home_compound: u32,
    pub near_home: u32,
    pub without_home: u32,
    pub residents_per_volunteer_min: f64,
    pub residents_per_volunteer_max: f64,
    pub residents_per_volunteer_mean: f64,
}

/// The stored grouping proposal, with its reasons in Chinese and English.
#[derive(Serialize, ToSchema)]
pub struct ProposalDto {
    pub requested: ParamsDto,
    /// What was used (differs when the request was inconsistent or infeasible).
    pub applied: ParamsDto,
    /// Groups the community had already; confirming adds to them.
    pub existing_groups: u64,
    pub groups: Vec<ProposedGroupDto>,
    /// Eligible but not placed, each with a reason.
    pub reserve: Vec<ProposedMemberDto>,
    /// Not eligible, with why.
    pub excluded: Vec<ExcludedDto>,
    pub notices: Vec<NoticeDto>,
    /// What a committee should fix (or accept knowingly) before confirming.
    pub problems: Vec<NoticeDto>,
    pub stats: StatsDto,
}

/// The `kind` tag of a serde-tagged enum, e.g. `pool_too_small`.
fn kind_of(v: &impl Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
        .unwrap_or_default()
}

fn role_code(r: GroupRole) -> &'static str {
    match r {
        GroupRole::Leader => "leader",
        GroupRole::Deputy => "deputy",
        GroupRole::Member => "member",
    }
}

fn proposed_member(d: &Draft, p: &Placement) -> ProposedMemberDto {
    let v = d.volunteer(p.volunteer);
    let name_of = |k: u32| d.compound_name(k);
    ProposedMemberDto {
        volunteer_id: v.map_or(Uuid::nil(), |v| v.id),
        name: v.map_or_else(|| format!("#{}", p.volunteer), |v| v.name.clone()),
        role: role_code(p.role).to_string(),
        kind: v.map_or_else(String::new, |v| v.kind.code().to_string()),
        skills: v.map_or_else(Vec::new, |v| codes(v.skills.iter(), Skill::code)),
        home_compound: v.and_then(|v| v.home).map(name_of),
        reasons: p.reasons.iter().map(|r| Text::of(|l| r.describe(l, &name_of))).collect(),
    }
}

fn proposal_dto(d: &Draft) -> ProposalDto {
    let p = &d.proposal;
    let name_of = |k: u32| d.compound_name(k);
    let s = &p.stats;
    ProposalDto {
        requested: p.requested.into(),
        applied: p.applied.into(),
        existing_groups: d.existing_groups as u64,
        groups: p
            .groups
            .iter()
            .map(|g| ProposedGroupDto {
                number: g.number,
                compounds: g
                    .compounds
                    .iter()
                    .map(|k| PlaceRef {
                        id: d.compounds.get(*k as usize).map_or(Uuid::nil(), |c| c.id),
                        name: name_of(*k),
                    })
                    .collect(),
                residents: g.residents,
                members: g.members.iter().map(|m| proposed_member(d, m)).collect(),
            })
            .collect(),
        reserve: p.reserve.iter().map(|m| proposed_member(d, m)).collect(),
        excluded: p
            .excluded
            .iter()
            .map(|x| ExcludedDto {
                volunteer_id: d.volunteer(x.volunteer).map_or(Uuid::nil(), |v| v.id),
                name: d.volunteer(x.volunteer).map_or_else(String::new, |v| v.name.clone()),
                why: serde_json::to_value(x.why).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                why_text: Text::of(|l| x.why.describe(l).to_string()),
            })
            .collect(),
        notices: p
            .notices
            .iter()
            .map(|n| NoticeDto {
                kind: kind_of(n),
                blocking: n.is_infeasibility(),
                text: Text::of(|l| n.describe(l, &name_of)),
            })
            .collect(),
        problems: p
            .check(&d.compounds_in())
            .iter()
            .map(|x| NoticeDto { kind: kind_of(x), blocking: true, text: Text::of(|l| x.describe(l, &name_of)) })
            .collect(),
        stats: StatsDto {
            eligible: s.eligible,
            placed: s.placed,
            in_home_compound: s.in_home_compound,
            near_home: s.near_home,
            without_home: s.without_home,
            residents_per_volunteer_min: s.residents_per_volunteer_min,
            residents_per_volunteer_max: s.residents_per_volunteer_max,
            residents_per_volunteer_mean: s.residents_per_volunteer_mean,
        },
    }
}

/// Grouping parameters; each defaults to 8, 10 and 2.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ProposalRequest {
    /// Members per group, not counting the leader (1 to 50; default 8).
    pub min_members: Option<u16>,
    /// At least `min_members`, at most 50 (default 10).
    pub max_members: Option<u16>,
    /// Compounds one group may cover (1 to 10; default 2).
    pub max_compounds: Option<u16>,
}

/// Proposes groups from the verified volunteers not yet grouped and the
/// compounds no group covers, and stores the proposal as the community's draft
/// (replacing any earlier one).
#[utoipa::path(post, path = "/api/v1/communities/{code}/grouping/proposal", tag = "mobilisation",
    params(("code" = String, Path, description = "community code")),
    request_body = ProposalRequest,
    responses((status = 200, body = ProposalDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn propose(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    req: Result<Json<ProposalRequest>, JsonRejection>,
) -> Result<Json<ProposalDto>, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Write).await?;
    let req = body(req)?;
    let d = GroupingParams::default();
    let params = groups::checked_params(
        req.min_members.unwrap_or(d.min_members),
        req.max_members.unwrap_or(d.max_members),
        req.max_compounds.unwrap_or(d.max_compounds),
    )?;
    let draft = groups::make_proposal(&state.ctx, &user.actor(None), &community, params).await?;
    Ok(Json(proposal_dto(&draft)))
}

/// The stored proposal, if there is one.
#[utoipa::path(get, path = "/api/v1/communities/{code}/grouping/proposal", tag = "mobilisation",
    params(("code" = String, Path, description = "community code")),
    responses((status = 200, body = ProposalDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_proposal(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<ProposalDto>, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Read).await?;
    let draft = groups::draft(&state.ctx, &user.actor(None), &community)
        .await?
        .ok_or_else(|| crate::error::missing("refusal.groups.no_proposal", &[]))?;
    Ok(Json(proposal_dto(&draft)))
}

// The API's own copy of `groups::DraftEdit`.

/// A hand edit of the stored proposal.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum DraftEdit {
    /// Move a volunteer (by id) into group `group` (its number), or to the reserve with `group` 0.
    Move {
        volunteer: Uuid,
        group: u32,
    },
    Swap {
        a: Uuid,
        b: Uuid,
    },
    SetLeader {
        volunteer: Uuid,
        group: u32,
    },
    SetDeputy {
        volunteer: Uuid,
        group: u32,
    },
}

impl From<DraftEdit> for groups::DraftEdit {
    fn from(edit: DraftEdit) -> Self {
        match edit {
            DraftEdit::Move { volunteer, group } => groups::DraftEdit::Move { volunteer, group },
            DraftEdit::Swap { a, b } => groups::DraftEdit::Swap { a, b },
            DraftEdit::SetLeader { volunteer, group } => groups::DraftEdit::SetLeader { volunteer, group },
            DraftEdit::SetDeputy { volunteer, group } => groups::DraftEdit::SetDeputy { volunteer, group },
        }
    }
}

/// One hand edit of the stored proposal: move (group 0 = reserve), swap, set
/// the leader or the deputy. Answers the edited proposal.
#[utoipa::path(post, path = "/api/v1/communities/{code}/grouping/edit", tag = "mobilisation",
    params(("code" = String, Path, description = "community code")),
    request_body = DraftEdit,
    responses((status = 200, body = ProposalDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn edit_proposal(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    req: Result<Json<DraftEdit>, JsonRejection>,
) -> Result<Json<ProposalDto>, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Write).await?;
    let edit: groups::DraftEdit = body(req)?.into();
    let draft = groups::edit_draft(&state.ctx, &user.actor(None), &community, &edit).await?;
    Ok(Json(proposal_dto(&draft)))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// Put the new groups (and their members) in this branch of the community.
    #[serde(default)]
    pub branch: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct ConfirmResult {
    /// The groups created, in order.
    pub groups: Vec<Uuid>,
}

/// Turns the stored proposal into groups, all or nothing; the proposal is then
/// gone, so a second confirmation is refused.
#[utoipa::path(post, path = "/api/v1/communities/{code}/grouping/confirm", tag = "mobilisation",
    params(("code" = String, Path, description = "community code")),
    request_body = ConfirmRequest,
    responses((status = 200, body = ConfirmResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn confirm_proposal(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    req: Result<Json<ConfirmRequest>, JsonRejection>,
) -> Result<Json<ConfirmResult>, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Write).await?;
    let req = body(req)?;
    let groups = groups::confirm(&state.ctx, &user.actor(peer.text()), &community, req.branch).await?;
    Ok(Json(ConfirmResult { groups }))
}

// ---------------------------------------------------------------------------
// Roll-up

/// The duty-report funnel of SPEC §4.2.
#[derive(Serialize, ToSchema)]
pub struct CountsDto {
    pub reported: u64,
    pub verified: u64,
    pub exempt: u64,
    pub rejected: u64,
    pub grouped: u64,
    pub groups: u64,
    /// Volunteers isolated or infected right now.
    pub unwell: u64,
}

#[derive(Serialize, ToSchema)]
pub struct RollupRowDto {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub counts: CountsDto,
    /// Households reached by each community's latest consignment, summed.
    pub delivered: i64,
    /// Households those consignments are for, summed.
    pub to_deliver: i64,
}

impl From<Counts> for CountsDto {
    fn from(c: Counts) -> CountsDto {
        let Counts { reported, verified, exempt, rejected, grouped, groups, unwell } = c;
        CountsDto { reported, verified, exempt, rejected, grouped, groups, unwell }
    }
}

impl From<RollupRow> for RollupRowDto {
    fn from(r: RollupRow) -> RollupRowDto {
        let RollupRow { code, name, kind, counts, delivered, to_deliver } = r;
        RollupRowDto { code, name, kind, counts: counts.into(), delivered, to_deliver }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RollupDto {
    /// The region's own totals (the sum of its communities).
    pub region: RollupRowDto,
    /// One row per child region.
    pub children: Vec<RollupRowDto>,
}

/// Mobilisation counts of a region and of each of its children.
#[utoipa::path(get, path = "/api/v1/regions/{code}/mobilisation", tag = "mobilisation",
    params(("code" = String, Path, description = "region code (city down to community)")),
    responses((status = 200, body = RollupDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn rollup(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<RollupDto>, AppError> {
    let r = groups::rollup_of(&state.ctx, &user.actor(None), &code).await?;
    Ok(Json(RollupDto { region: r.own.into(), children: r.children.into_iter().map(RollupRowDto::from).collect() }))
}

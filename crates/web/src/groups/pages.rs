//! Branches and groups: the community's overview (which compounds have no
//! group, which key roles lack a holder or backup, recent hand-overs), one
//! group's page, the auto-grouping proposal with its reasons and hand edits,
//! printable group lists, the roll-up at every level, and "my group".

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::grouping::{GroupRole, GroupingParams};
use shouwang_domain::{BranchKind, KeyRoleKind, Lang, RegionKind};
use shouwang_service::Place;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::error::{missing, refused};
use crate::i18n;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use shouwang_service::groups::{self, Draft, DraftEdit, Group, HandoverEntry, KeyRole, Member, RoleGap};

/// A person as lists show them: name, masked phone, a short description.
pub struct Person {
    pub id: Uuid,
    pub name: String,
    pub phone: String,
    pub detail: String,
    pub role: String,
    pub unwell: bool,
}

fn person(v: &Member, role: String, lang: Lang) -> Person {
    let health = v.health;
    let mut detail = v.kind.label(lang).to_string();
    if !v.skills.is_empty() {
        detail = format!("{detail} · {}", v.skills.labels(lang));
    }
    if !health.can_serve() {
        detail = format!("{detail} · {}", health.label(lang));
    }
    Person { id: v.id, name: v.name.clone(), phone: v.phone.clone(), detail, role, unwell: !health.can_serve() }
}

/// A key role as a line: "组长 张三（B角 李四）", with warnings when empty.
pub struct RoleLine {
    pub label: String,
    pub holder: Option<String>,
    pub backup: Option<String>,
}

fn role_line(kind: KeyRoleKind, view: Option<&KeyRole>, lang: Lang) -> RoleLine {
    RoleLine {
        label: kind.label(lang).to_string(),
        holder: view.and_then(|r| r.holder.as_ref()).map(|v| v.name.clone()),
        backup: view.and_then(|r| r.backup.as_ref()).map(|v| v.name.clone()),
    }
}

pub struct GroupCard {
    pub id: Uuid,
    pub name: String,
    pub branch: String,
    pub compounds: String,
    /// What a functional group does ("巡逻值守"), empty for a territorial one.
    pub functions: String,
    pub leader: RoleLine,
    pub deputy: RoleLine,
    pub members: Vec<Person>,
    pub size: usize,
}

fn group_card(g: &Group, branches: &HashMap<Uuid, String>, lang: Lang) -> GroupCard {
    let (leader, deputy) = (g.leader_id(), g.deputy_id());
    let sep = &i18n::t(lang, "mobilisation.list_separator");
    GroupCard {
        id: g.id,
        name: g.name.clone(),
        branch: g.branch_id.and_then(|b| branches.get(&b).cloned()).unwrap_or_default(),
        compounds: g.compounds.iter().map(|c| c.1.clone()).collect::<Vec<_>>().join(sep),
        functions: g.functions.labels(lang),
        leader: role_line(KeyRoleKind::GroupLeader, g.leader.as_ref(), lang),
        deputy: role_line(KeyRoleKind::GroupDeputy, g.deputy.as_ref(), lang),
        members: g
            .members
            .iter()
            .map(|m| {
                let role = if Some(m.id) == leader {
                    KeyRoleKind::GroupLeader.label(lang).to_string()
                } else if Some(m.id) == deputy {
                    KeyRoleKind::GroupDeputy.label(lang).to_string()
                } else {
                    String::new()
                };
                person(m, role, lang)
            })
            .collect(),
        size: g.members.len(),
    }
}

pub struct BranchCard {
    pub id: Uuid,
    pub secretary_id: String,
    pub backup_id: String,
    pub name: String,
    pub kind: String,
    pub founded_on: String,
    pub dissolved_on: Option<String>,
    pub secretary: RoleLine,
    pub members: usize,
    pub groups: usize,
}

#[derive(Template)]
#[template(path = "groups/groups.html")]
struct GroupsPage {
    ctx: PageCtx,
    community: Place,
    branches: Vec<BranchCard>,
    groups: Vec<GroupCard>,
    uncovered: Vec<String>,
    warnings: Vec<String>,
    handovers: Vec<String>,
    branch_kinds: Vec<(String, String)>,
    verified: Vec<(String, String)>,
    functions: Vec<(String, String)>,
    compounds: Vec<(String, String)>,
    can_write: bool,
    has_draft: bool,
    today: String,
}

pub async fn groups_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let o = groups::overview(&state.ctx, &user.actor(None), &code).await?;
    let lang = user.lang;
    let branch_names: HashMap<Uuid, String> = o.branches.iter().map(|b| (b.id, b.name.clone())).collect();
    let community = o.community;
    let id_of = |r: Option<&shouwang_service::groups::Named>| r.map(|v| v.id.to_string()).unwrap_or_default();
    render(&GroupsPage {
        ctx: PageCtx::for_user(&user, &format!("/c/{code}/groups")),
        can_write: user.can(Resource::Group, Action::Write, &community.path),
        has_draft: o.has_draft,
        branches: o
            .branches
            .iter()
            .map(|b| BranchCard {
                id: b.id,
                secretary_id: id_of(b.secretary.as_ref().and_then(|r| r.holder.as_ref())),
                backup_id: id_of(b.secretary.as_ref().and_then(|r| r.backup.as_ref())),
                name: b.name.clone(),
                kind: b.kind.label(lang).to_string(),
                founded_on: b.founded_on.to_string(),
                dissolved_on: b.dissolved_on.map(|d| d.to_string()),
                secretary: role_line(KeyRoleKind::BranchSecretary, b.secretary.as_ref(), lang),
                members: b.members.len(),
                groups: b.groups,
            })
            .collect(),
        groups: o.groups.iter().map(|g| group_card(g, &branch_names, lang)).collect(),
        uncovered: o.uncovered,
        warnings: o.gaps.iter().map(|g| gap_line(g, lang)).collect(),
        handovers: o.handovers.iter().map(|h| handover_line(h, lang)).collect(),
        branch_kinds: BranchKind::ALL.iter().map(|k| (k.code().to_string(), k.label(lang).to_string())).collect(),
        verified: o.verified.into_iter().map(|(id, name)| (id.to_string(), name)).collect(),
        functions: shouwang_domain::GroupFunction::ALL
            .iter()
            .map(|f| (f.code().to_string(), f.label(lang).to_string()))
            .collect(),
        compounds: o.compounds.into_iter().map(|(id, name)| (id.to_string(), name)).collect(),
        today: state.ctx.clock.today().to_string(),
        community,
    })
}

/// "一组 组长空缺", "一组 组长没有B角".
fn gap_line(g: &RoleGap, lang: Lang) -> String {
    let (subject, role) = (&g.subject, g.kind.label(lang));
    let key = if g.vacant { "mobilisation.role_gap.vacant" } else { "mobilisation.role_gap.no_backup" };
    i18n::t_with(lang, key, &[("subject", subject), ("role", &role)])
}

fn handover_line(h: &HandoverEntry, lang: Lang) -> String {
    let role_label = h.kind.map_or("", |k| k.label(lang));
    let name = |n: &Option<String>| n.clone().unwrap_or_else(|| i18n::t(lang, "mobilisation.vacant"));
    let cause = match h.cause.as_str() {
        c @ ("isolated" | "infected" | "appointed" | "stood_down") => {
            i18n::t(lang, &format!("mobilisation.handover_cause.{c}"))
        }
        c => i18n::t_with(lang, "mobilisation.handover_cause.other", &[("code", &c)]),
    };
    let at = shouwang_domain::clock::beijing(h.at);
    format!(
        "{:02}-{:02} {:02}:{:02} {} {role_label}：{} → {}（{cause}）",
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute(),
        h.subject,
        name(&h.from),
        name(&h.to)
    )
}

#[derive(Deserialize)]
pub struct BranchForm {
    name: String,
    kind: String,
    founded_on: String,
    #[serde(default)]
    secretary: String,
    #[serde(default)]
    backup: String,
}

fn opt_uuid(s: &str) -> Result<Option<Uuid>, AppError> {
    match s.trim() {
        "" => Ok(None),
        s => Uuid::parse_str(s).map(Some).map_err(|_| refused("mobilisation.invalid_choice_reload", &[])),
    }
}

pub async fn create_branch(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(form): Form<BranchForm>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Write).await?;
    let kind = BranchKind::from_code(&form.kind).ok_or_else(|| refused("mobilisation.choose_branch_kind", &[]))?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let founded = time::Date::parse(form.founded_on.trim(), format)
        .map_err(|_| refused("mobilisation.bad_founding_date", &[]))?;
    let (secretary, backup) = (opt_uuid(&form.secretary)?, opt_uuid(&form.backup)?);
    groups::create_branch(
        &state.ctx,
        &user.actor(peer.text()),
        &community,
        &form.name,
        kind,
        founded,
        secretary,
        backup,
    )
    .await?;
    Ok(Redirect::to(&format!("/c/{code}/groups")).into_response())
}

// ---------------------------------------------------------------------------
// One group

#[derive(Template)]
#[template(path = "groups/group.html")]
struct GroupPage {
    ctx: PageCtx,
    community: Place,
    card: GroupCard,
    leader_id: String,
    backup_id: String,
    deputy_id: String,
    compounds: Vec<(String, String, bool)>,
    can_write: bool,
    can_reveal: bool,
}

pub async fn group_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let d = groups::group(&state.ctx, &user.actor(None), id).await?;
    let lang = user.lang;
    let community = d.community;
    let compounds = d.compounds.into_iter().map(|(id, name, covered)| (id.to_string(), name, covered)).collect();
    let id_of = |r: &Option<KeyRole>, backup: bool| {
        r.as_ref()
            .and_then(|r| if backup { r.backup.as_ref() } else { r.holder.as_ref() })
            .map(|v| v.id.to_string())
            .unwrap_or_default()
    };
    render(&GroupPage {
        ctx: PageCtx::for_user(&user, &format!("/groups/{id}")),
        leader_id: id_of(&d.group.leader, false),
        backup_id: id_of(&d.group.leader, true),
        deputy_id: id_of(&d.group.deputy, false),
        card: group_card(&d.group, &d.branches, lang),
        compounds,
        can_write: d.can_write,
        can_reveal: user.can(Resource::Volunteer, Action::Reveal, &community.path),
        community,
    })
}

#[derive(Deserialize)]
pub struct RolesForm {
    #[serde(default)]
    leader: String,
    #[serde(default)]
    backup: String,
    #[serde(default)]
    deputy: String,
}

pub async fn set_roles(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<RolesForm>,
) -> Result<Response, AppError> {
    let community = groups::group_community(&state.ctx, &user.actor(None), id, Action::Write).await?;
    let (leader, backup, deputy) = (opt_uuid(&form.leader)?, opt_uuid(&form.backup)?, opt_uuid(&form.deputy)?);
    groups::set_group_roles(&state.ctx, &user.actor(peer.text()), &community, id, leader, backup, deputy).await?;
    Ok(Redirect::to(&format!("/groups/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct CompoundsForm {
    #[serde(default)]
    compounds: Vec<Uuid>,
}

pub async fn set_compounds(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<CompoundsForm>,
) -> Result<Response, AppError> {
    let community = groups::group_community(&state.ctx, &user.actor(None), id, Action::Write).await?;
    groups::set_group_compounds(&state.ctx, &user.actor(peer.text()), &community, id, &form.compounds).await?;
    Ok(Redirect::to(&format!("/groups/{id}")).into_response())
}

/// "My group": the group of the volunteer linked to this account.
pub async fn my_group(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    match groups::my_group(&state.ctx, &user.actor(None)).await? {
        Some(g) => Ok(Redirect::to(&format!("/groups/{g}")).into_response()),
        None => Err(missing("mobilisation.not_in_group_yet", &[])),
    }
}

// ---------------------------------------------------------------------------
// The proposal

pub struct ProposalMember {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub is_leader: bool,
    pub detail: String,
    pub reasons: Vec<String>,
}

pub struct ProposalGroup {
    pub number: u32,
    pub compounds: String,
    pub residents: u32,
    pub members: Vec<ProposalMember>,
}

#[derive(Template)]
#[template(path = "groups/grouping.html")]
struct GroupingPage {
    ctx: PageCtx,
    community: Place,
    params: GroupingParams,
    draft: bool,
    notices: Vec<String>,
    problems: Vec<String>,
    groups: Vec<ProposalGroup>,
    reserve: Vec<ProposalMember>,
    excluded: Vec<(String, String)>,
    stats: Vec<String>,
    numbers: Vec<u32>,
    branches: Vec<(String, String)>,
    existing_groups: usize,
    can_write: bool,
    error: Option<String>,
}

fn proposal_member(draft: &Draft, p: &shouwang_domain::grouping::Placement, lang: Lang) -> ProposalMember {
    let v = draft.volunteer(p.volunteer);
    let name_of = |k: u32| draft.compound_name(k);
    let skills = v.map(|v| v.skills).unwrap_or_default();
    let mut detail = v.map_or(String::new(), |v| v.kind.label(lang).to_string());
    if !skills.is_empty() {
        detail = format!("{detail} · {}", skills.labels(lang));
    }
    if let Some(home) = v.and_then(|v| v.home) {
        detail = format!("{detail} · {}", name_of(home));
    }
    ProposalMember {
        id: v.map_or(Uuid::nil(), |v| v.id),
        name: v.map_or_else(|| format!("#{}", p.volunteer), |v| v.name.clone()),
        role: match p.role {
            GroupRole::Leader => KeyRoleKind::GroupLeader.label(lang).to_string(),
            GroupRole::Deputy => KeyRoleKind::GroupDeputy.label(lang).to_string(),
            GroupRole::Member => String::new(),
        },
        is_leader: p.role == GroupRole::Leader,
        detail,
        reasons: p.reasons.iter().map(|r| r.describe(lang, &name_of)).collect(),
    }
}

async fn grouping_view(
    state: &AppState,
    user: &CurrentUser,
    community: Place,
    error: Option<String>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let g = groups::grouping(&state.ctx, &user.actor(None), &community).await?;
    let (draft, existing_groups) = (g.draft, g.existing_groups);
    let branches = g.branches.into_iter().map(|(id, name)| (id.to_string(), name)).collect();
    let failed = error.is_some();
    let page = match &draft {
        None => GroupingPage {
            ctx: PageCtx::for_user(user, &format!("/c/{}/grouping", community.code)),
            params: GroupingParams::default(),
            draft: false,
            notices: Vec::new(),
            problems: Vec::new(),
            groups: Vec::new(),
            reserve: Vec::new(),
            excluded: Vec::new(),
            stats: Vec::new(),
            numbers: Vec::new(),
            branches,
            existing_groups,
            can_write: user.can(Resource::Group, Action::Write, &community.path),
            error,
            community,
        },
        Some(d) => {
            let name_of = |k: u32| d.compound_name(k);
            let p = &d.proposal;
            let s = &p.stats;
            let stats = vec![
                i18n::t_with(lang, "mobilisation.stats.placed", &[("placed", &s.placed), ("eligible", &s.eligible)]),
                i18n::t_with(lang, "mobilisation.stats.in_home_compound", &[("n", &s.in_home_compound)]),
                i18n::t_with(lang, "mobilisation.stats.near_home", &[("n", &s.near_home)]),
                i18n::t_with(
                    lang,
                    "mobilisation.stats.residents_per_volunteer",
                    &[
                        ("min", &format!("{:.0}", s.residents_per_volunteer_min)),
                        ("max", &format!("{:.0}", s.residents_per_volunteer_max)),
                        ("mean", &format!("{:.0}", s.residents_per_volunteer_mean)),
                    ],
                ),
            ];
            GroupingPage {
                ctx: PageCtx::for_user(user, &format!("/c/{}/grouping", community.code)),
                params: p.requested,
                draft: true,
                notices: p.notices.iter().map(|n| n.describe(lang, &name_of)).collect(),
                problems: p.check(&d.compounds_in()).iter().map(|x| x.describe(lang, &name_of)).collect(),
                groups: p
                    .groups
                    .iter()
                    .map(|g| ProposalGroup {
                        number: g.number,
                        compounds: g
                            .compounds
                            .iter()
                            .map(|c| name_of(*c))
                            .collect::<Vec<_>>()
                            .join(&i18n::t(lang, "mobilisation.list_separator")),
                        residents: g.residents,
                        members: g.members.iter().map(|m| proposal_member(d, m, lang)).collect(),
                    })
                    .collect(),
                reserve: p.reserve.iter().map(|m| proposal_member(d, m, lang)).collect(),
                excluded: p
                    .excluded
                    .iter()
                    .map(|x| {
                        (
                            d.volunteer(x.volunteer).map_or_else(String::new, |v| v.name.clone()),
                            x.why.describe(lang).to_string(),
                        )
                    })
                    .collect(),
                stats,
                numbers: p.groups.iter().map(|g| g.number).collect(),
                branches,
                existing_groups,
                can_write: user.can(Resource::Group, Action::Write, &community.path),
                error,
                community,
            }
        }
    };
    let mut res = render(&page)?;
    if failed {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

pub async fn grouping_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Read).await?;
    grouping_view(&state, &user, community, None).await
}

#[derive(Deserialize)]
pub struct ParamsForm {
    min_members: u16,
    max_members: u16,
    max_compounds: u16,
}

/// The bounds a committee may ask for; anything else is a typing slip.
pub fn checked_params(min: u16, max: u16, compounds: u16) -> Result<GroupingParams, AppError> {
    Ok(groups::checked_params(min, max, compounds)?)
}

pub async fn propose(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(form): Form<ParamsForm>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Write).await?;
    let params = checked_params(form.min_members, form.max_members, form.max_compounds)?;
    groups::make_proposal(&state.ctx, &user.actor(None), &community, params).await?;
    Ok(Redirect::to(&format!("/c/{code}/grouping")).into_response())
}

#[derive(Deserialize)]
pub struct EditForm {
    op: String,
    volunteer: Uuid,
    #[serde(default)]
    group: u32,
    #[serde(default)]
    other: Option<Uuid>,
}

pub async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Write).await?;
    let edit = match (form.op.as_str(), form.other) {
        ("move", _) => DraftEdit::Move { volunteer: form.volunteer, group: form.group },
        ("leader", _) => DraftEdit::SetLeader { volunteer: form.volunteer, group: form.group },
        ("deputy", _) => DraftEdit::SetDeputy { volunteer: form.volunteer, group: form.group },
        ("swap", Some(other)) => DraftEdit::Swap { a: form.volunteer, b: other },
        _ => return Err(refused("mobilisation.unknown_edit", &[])),
    };
    match groups::edit_draft(&state.ctx, &user.actor(None), &community, &edit).await {
        Ok(_) => Ok(Redirect::to(&format!("/c/{code}/grouping")).into_response()),
        Err(shouwang_service::Error::Invalid(m) | shouwang_service::Error::Conflict(m)) => {
            grouping_view(&state, &user, community, Some(m.message(user.lang))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    branch: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Write).await?;
    let branch = opt_uuid(&form.branch)?;
    match groups::confirm(&state.ctx, &user.actor(peer.text()), &community, branch).await {
        Ok(_) => Ok(Redirect::to(&format!("/c/{code}/groups")).into_response()),
        Err(shouwang_service::Error::Invalid(m) | shouwang_service::Error::Conflict(m)) => {
            grouping_view(&state, &user, community, Some(m.message(user.lang))).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn discard(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Write).await?;
    groups::discard_draft(&state.ctx, &user.actor(None), &community).await?;
    Ok(Redirect::to(&format!("/c/{code}/grouping")).into_response())
}

// ---------------------------------------------------------------------------
// Printing and the roll-up

#[derive(Template)]
#[template(path = "groups/groups_print.html")]
struct PrintPage {
    ctx: PageCtx,
    community: Place,
    groups: Vec<GroupCard>,
    printed_at: String,
}

pub async fn print_groups(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let (community, groups, branches) = groups::print(&state.ctx, &user.actor(None), &code).await?;
    let groups = groups.iter().map(|g| group_card(g, &branches, user.lang)).collect();
    let now = state.ctx.clock.local_now();
    render(&PrintPage {
        ctx: PageCtx::for_user(&user, &format!("/c/{code}/groups/print")),
        groups,
        printed_at: format!("{} {:02}:{:02}", now.date(), now.hour(), now.minute()),
        community,
    })
}

#[derive(Template)]
#[template(path = "groups/rollup.html")]
struct RollupPage {
    ctx: PageCtx,
    own: groups::RollupRow,
    rows: Vec<groups::RollupRow>,
    kind_label: String,
    parent: Option<(String, String)>,
    /// Whether community rows may link to their groups pages (which name people).
    can_groups: bool,
}

pub async fn rollup_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let r = groups::rollup_of(&state.ctx, &user.actor(None), &code).await?;
    render(&RollupPage {
        can_groups: user.can(Resource::Group, Action::Read, &r.region.path),
        ctx: PageCtx::for_user(&user, &format!("/mobilisation/{code}")),
        kind_label: r.region.kind.label(user.lang).to_string(),
        own: r.own,
        rows: r.children,
        parent: r.parent,
    })
}

/// The link on the home page: the roll-up for upper levels, the groups page for a community.
pub fn mobilisation_link(user: &CurrentUser) -> Option<String> {
    let groups = user.can(Resource::Group, Action::Read, &user.scope_path);
    let counts = user.role.is_upper_level() && user.can(Resource::Registry, Action::Read, &user.scope_path);
    if !(groups || counts) {
        return None;
    }
    Some(if groups && RegionKind::parse(&user.scope_kind) == Some(RegionKind::Community) {
        format!("/c/{}/groups", user.scope_code)
    } else {
        format!("/mobilisation/{}", user.scope_code)
    })
}

// ---------------------------------------------------------------------------
// Where compounds lie

pub struct PlaceRow {
    pub id: Uuid,
    pub name: String,
    pub residents: u32,
    pub x: String,
    pub y: String,
    /// (id, name, adjacent?) for every other compound.
    pub others: Vec<(Uuid, String, bool)>,
}

#[derive(Template)]
#[template(path = "groups/compound_places.html")]
struct PlacesPage {
    ctx: PageCtx,
    community: Place,
    rows: Vec<PlaceRow>,
    can_write: bool,
}

/// Positions and neighbours of compounds, which auto-grouping uses to put
/// people near home when their own compound's groups are full.
pub async fn places_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let (community, compounds) = groups::compound_places(&state.ctx, &user.actor(None), &code).await?;
    let fmt = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_default();
    let rows = compounds
        .iter()
        .map(|c| PlaceRow {
            id: c.id,
            name: c.name.clone(),
            residents: c.residents,
            x: fmt(c.position.map(|p| p.0)),
            y: fmt(c.position.map(|p| p.1)),
            others: compounds
                .iter()
                .filter(|o| o.id != c.id)
                .map(|o| (o.id, o.name.clone(), c.neighbours.contains(&o.id)))
                .collect(),
        })
        .collect();
    render(&PlacesPage {
        ctx: PageCtx::for_user(&user, &format!("/c/{code}/compounds")),
        can_write: user.can(Resource::Group, Action::Write, &community.path),
        community,
        rows,
    })
}

#[derive(Deserialize)]
pub struct PlaceForm {
    compound: Uuid,
    #[serde(default)]
    x: String,
    #[serde(default)]
    y: String,
    #[serde(default)]
    neighbours: Vec<Uuid>,
}

pub async fn save_place(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(form): Form<PlaceForm>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Write).await?;
    let mut named = form.neighbours.clone();
    named.push(form.compound);
    groups::require_compounds_in(&state.ctx, &community, &named).await?;
    let number = |s: &str| -> Result<Option<f64>, AppError> {
        match s.trim() {
            "" => Ok(None),
            t => t
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && v.abs() <= 100_000.0)
                .map(Some)
                .ok_or_else(|| refused("mobilisation.position_in_metres", &[])),
        }
    };
    let position = match (number(&form.x)?, number(&form.y)?) {
        (Some(x), Some(y)) => Some((x, y)),
        (None, None) => None,
        _ => return Err(refused("mobilisation.position_both_or_neither", &[])),
    };
    groups::set_compound_place(
        &state.ctx,
        &user.actor(peer.text()),
        &community,
        form.compound,
        position,
        &form.neighbours,
    )
    .await?;
    Ok(Redirect::to(&format!("/c/{code}/compounds")).into_response())
}

// ---------------------------------------------------------------------------
// Key roles, branches and groups by hand

#[derive(Deserialize)]
pub struct KeyRoleForm {
    kind: String,
    subject: Uuid,
    #[serde(default)]
    holder: String,
    #[serde(default)]
    backup: String,
    #[serde(default)]
    back: String,
}

/// Sets the holder and backup of a branch secretary or building leader role
/// (group roles are set on the group's page).
pub async fn set_key_role(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(form): Form<KeyRoleForm>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Write).await?;
    let kind = KeyRoleKind::from_code(&form.kind)
        .filter(|k| matches!(k, KeyRoleKind::BranchSecretary | KeyRoleKind::BuildingLeader))
        .ok_or_else(|| refused("refusal.groups.unknown_role", &[]))?;
    let (holder, backup) = (opt_uuid(&form.holder)?, opt_uuid(&form.backup)?);
    // The service checks that the subject is this community's branch, or a building inside it.
    groups::set_key_role(&state.ctx, &user.actor(peer.text()), &community, kind, form.subject, holder, backup).await?;
    let back = crate::pages::safe_next(&form.back);
    Ok(Redirect::to(if back == "/" { format!("/c/{code}/groups") } else { back }.as_str()).into_response())
}

#[derive(Deserialize)]
pub struct DissolveForm {
    branch: Uuid,
    #[serde(default)]
    on: String,
}

/// Records the day a branch was handed over or dissolved (empty: still active).
pub async fn dissolve_branch(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(form): Form<DissolveForm>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Write).await?;
    let on = match form.on.trim() {
        "" => None,
        d => Some(
            time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                .map_err(|_| refused("mobilisation.bad_handover_date", &[]))?,
        ),
    };
    groups::dissolve_branch(&state.ctx, &user.actor(peer.text()), &community, form.branch, on).await?;
    Ok(Redirect::to(&format!("/c/{code}/groups")).into_response())
}

#[derive(Deserialize)]
pub struct NewGroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    branch: String,
    #[serde(default)]
    functions: Vec<String>,
    #[serde(default)]
    compounds: Vec<Uuid>,
}

/// A group by hand: territorial (compounds), functional (functions) or both;
/// members are moved in from their pages or by the next proposal.
pub async fn create_group(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(form): Form<NewGroupForm>,
) -> Result<Response, AppError> {
    // Write access (the committee's, or a secretary's in their own branch) is checked by the service.
    let community =
        shouwang_service::community(&state.ctx, &user.actor(None), &code, Resource::Group, Action::Read).await?;
    let functions: shouwang_domain::GroupFunctionSet =
        form.functions.iter().filter_map(|f| shouwang_domain::GroupFunction::from_code(f)).collect();
    let branch = opt_uuid(&form.branch)?;
    let actor = user.actor(peer.text());
    let id = groups::create_group(&state.ctx, &actor, &community, Some(form.name), branch, functions, form.compounds)
        .await?;
    Ok(Redirect::to(&format!("/groups/{id}")).into_response())
}

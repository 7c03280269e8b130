//! Groups and branches (SPEC §4.3): proposing groups (the pure
//! `domain::grouping` over what the database holds), editing and confirming
//! the proposal, the roll-up for upper levels, and the checks that a branch or
//! a compound named in a request is the community's own.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use shouwang_db::entity::{region, volunteer};
use shouwang_db::mobilisation::{self as mob, CompoundInfo, GroupSpec, MobilisationCounts};
use shouwang_db::registry;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::grouping::{self, CompoundIn, GroupRole, GroupingParams, Proposal, VolunteerIn};
use shouwang_domain::{
    BranchKind, DutyStatus, GroupFunctionSet, HealthStatus, KeyRoleKind, Lang, RegionKind, SkillSet, VolunteerKind,
};
use uuid::Uuid;

use crate::{Actor, Context, Error, invalid, not_found};

// ---------------------------------------------------------------------------
// Grouping proposal

/// The grouping parameters a committee may ask for (pages and API); anything
/// else is a typing slip.
pub fn checked_params(min: u16, max: u16, compounds: u16) -> Result<GroupingParams, Error> {
    if !(1..=50).contains(&min) || max < min || max > 50 || !(1..=10).contains(&compounds) {
        return Err(invalid(
            "组员人数应在1到50之间，且最少不大于最多；每组负责1到10个小区",
            "members per group must be 1-50 with the minimum not above the maximum; 1-10 compounds per group",
        ));
    }
    Ok(GroupingParams { min_members: min, max_members: max, max_compounds: compounds })
}

/// Who a proposal's volunteer key stands for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DraftVolunteer {
    pub id: Uuid,
    pub name: String,
    pub kind: VolunteerKind,
    pub skills: SkillSet,
    pub home: Option<u32>,
}

/// Who a proposal's compound key stands for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DraftCompound {
    pub id: Uuid,
    pub name: String,
    pub residents: u32,
    pub buildings: u32,
    pub position: Option<(f64, f64)>,
    pub neighbours: Vec<u32>,
}

/// A proposal with the people and places its keys stand for; stored as JSON
/// between "propose" and "confirm".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Draft {
    pub proposal: Proposal,
    pub volunteers: Vec<DraftVolunteer>,
    pub compounds: Vec<DraftCompound>,
    /// Groups the community had already; the proposal adds to them.
    pub existing_groups: usize,
}

impl Draft {
    pub fn compound_name(&self, key: u32) -> String {
        self.compounds.get(key as usize).map(|c| c.name.clone()).unwrap_or_else(|| format!("#{key}"))
    }

    pub fn volunteer(&self, key: u32) -> Option<&DraftVolunteer> {
        self.volunteers.get(key as usize)
    }

    pub fn compounds_in(&self) -> Vec<CompoundIn> {
        compounds_in(&self.compounds)
    }
}

fn compounds_in(compounds: &[DraftCompound]) -> Vec<CompoundIn> {
    compounds
        .iter()
        .enumerate()
        .map(|(i, c)| CompoundIn {
            key: i as u32,
            name: c.name.clone(),
            residents: c.residents,
            buildings: c.buildings,
            position: c.position,
            neighbours: c.neighbours.clone(),
        })
        .collect()
}

/// What to propose from: ungrouped volunteers, and the compounds no group
/// covers yet (all compounds when every one is covered already, so that new
/// groups share the load).
pub async fn propose(
    ctx: &Context,
    community: &region::Model,
    params: GroupingParams,
    by: Option<Uuid>,
) -> Result<Draft, Error> {
    let db = &ctx.db;
    let compounds = mob::compounds_of_community(&db.read, community).await?;
    let groups = mob::groups_of_community(&db.read, community.id).await?;
    let covered: HashSet<Uuid> = groups.iter().flat_map(|g| g.compounds.iter().map(|c| c.0)).collect();
    let grouped: HashSet<Uuid> = groups.iter().flat_map(|g| g.members.iter().map(|m| m.id)).collect();
    let mut open: Vec<&CompoundInfo> = compounds.iter().filter(|c| !covered.contains(&c.id)).collect();
    if open.is_empty() {
        open = compounds.iter().collect();
    }
    let index: HashMap<Uuid, u32> = open.iter().enumerate().map(|(i, c)| (c.id, i as u32)).collect();
    let draft_compounds: Vec<DraftCompound> = open
        .iter()
        .map(|c| DraftCompound {
            id: c.id,
            name: c.name.clone(),
            residents: c.residents,
            buildings: c.buildings,
            position: c.position,
            neighbours: c.neighbours.iter().filter_map(|n| index.get(n).copied()).collect(),
        })
        .collect();
    let people: Vec<volunteer::Model> = mob::list_volunteers(&db.read, community.id, &Default::default())
        .await?
        .into_iter()
        .map(|r| r.volunteer)
        .filter(|v| !grouped.contains(&v.id))
        .collect();
    let draft_volunteers: Vec<DraftVolunteer> = people
        .iter()
        .map(|v| DraftVolunteer {
            id: v.id,
            name: v.name.clone(),
            kind: VolunteerKind::from_code(&v.kind).unwrap_or(VolunteerKind::ResidentVolunteer),
            skills: SkillSet::from_codes(&v.skills),
            home: v.home_compound_id.and_then(|c| index.get(&c).copied()),
        })
        .collect();
    let inputs: Vec<VolunteerIn> = people
        .iter()
        .zip(&draft_volunteers)
        .enumerate()
        .map(|(i, (v, d))| VolunteerIn {
            key: i as u32,
            name: v.name.clone(),
            home: d.home,
            kind: d.kind,
            skills: d.skills,
            experienced: v.experienced,
            party_member: v.party_org.is_some()
                || matches!(d.kind, VolunteerKind::NearbyMember | VolunteerKind::DeployedCadre),
            status: DutyStatus::from_code(&v.status).unwrap_or(DutyStatus::Reported),
            health: HealthStatus::from_code(&v.health).unwrap_or(HealthStatus::Active),
        })
        .collect();
    let proposal = grouping::propose(&compounds_in(&draft_compounds), &inputs, params);
    let draft =
        Draft { proposal, volunteers: draft_volunteers, compounds: draft_compounds, existing_groups: groups.len() };
    save(ctx, community, &draft, by).await?;
    Ok(draft)
}

async fn save(ctx: &Context, community: &region::Model, draft: &Draft, by: Option<Uuid>) -> Result<(), Error> {
    let db = &ctx.db;
    let body = serde_json::to_string(draft).map_err(|e| Error::Internal(format!("draft: {e}")))?;
    mob::save_draft(db, community.id, &body, by).await?;
    Ok(())
}

/// The stored proposal and when it was last changed.
pub async fn load_draft(
    ctx: &Context,
    community: &region::Model,
) -> Result<Option<(Draft, time::OffsetDateTime)>, Error> {
    let db = &ctx.db;
    let Some(row) = mob::load_draft(&db.read, community.id).await? else { return Ok(None) };
    // A draft from an older version of the program is dropped, not misread.
    match serde_json::from_str::<Draft>(&row.body) {
        Ok(d) => Ok(Some((d, row.updated_at))),
        Err(_) => {
            mob::delete_draft(db, community.id).await?;
            Ok(None)
        }
    }
}

/// A hand edit of the stored proposal.
#[derive(Debug, Clone, Deserialize)]
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

pub async fn edit_draft(
    ctx: &Context,
    community: &region::Model,
    edit: &DraftEdit,
    by: Option<Uuid>,
) -> Result<Draft, Error> {
    let (mut draft, _) = load_draft(ctx, community)
        .await?
        .ok_or_else(|| invalid("还没有分组方案，请先生成", "there is no proposal yet; make one first"))?;
    let key = |id: Uuid| -> Result<u32, Error> {
        draft
            .volunteers
            .iter()
            .position(|v| v.id == id)
            .map(|i| i as u32)
            .ok_or_else(|| invalid("该志愿者不在方案中", "that volunteer is not in the proposal"))
    };
    let result = match *edit {
        DraftEdit::Move { volunteer, group: 0 } => {
            let k = key(volunteer)?;
            draft.proposal.to_reserve(k)
        }
        DraftEdit::Move { volunteer, group } => {
            let k = key(volunteer)?;
            draft.proposal.move_member(k, group)
        }
        DraftEdit::Swap { a, b } => {
            let (a, b) = (key(a)?, key(b)?);
            draft.proposal.swap(a, b)
        }
        DraftEdit::SetLeader { volunteer, group } => {
            let k = key(volunteer)?;
            draft.proposal.set_leader(group, k)
        }
        DraftEdit::SetDeputy { volunteer, group } => {
            let k = key(volunteer)?;
            draft.proposal.set_deputy(group, k)
        }
    };
    result.map_err(|e| invalid(e.describe(Lang::Zh), e.describe(Lang::En)))?;
    save(ctx, community, &draft, by).await?;
    Ok(draft)
}

/// Turns the stored proposal into groups, all or nothing.
pub async fn confirm(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    branch: Option<Uuid>,
) -> Result<Vec<Uuid>, Error> {
    let (draft, updated_at) = load_draft(ctx, community)
        .await?
        .ok_or_else(|| invalid("还没有分组方案，请先生成", "there is no proposal yet; make one first"))?;
    if let Some(b) = branch {
        require_branch_in(ctx, community, b).await?;
    }
    let specs = specs_of(&draft, branch);
    if specs.is_empty() {
        return Err(invalid("方案里没有小组，无需确认", "the proposal has no groups to confirm"));
    }
    let e = actor.entry("grouping_confirm", "community", Some(community.code.clone()), community);
    Ok(mob::confirm_draft(&ctx.db, community.id, updated_at, &specs, actor.user_id, e).await?)
}

/// The groups a proposal stands for, ready to store.
pub fn specs_of(draft: &Draft, branch: Option<Uuid>) -> Vec<GroupSpec> {
    let id = |k: u32| draft.volunteer(k).map(|v| v.id);
    draft
        .proposal
        .groups
        .iter()
        .filter(|g| !g.members.is_empty())
        .map(|g| GroupSpec {
            name: None,
            branch_id: branch,
            functions: GroupFunctionSet::empty(),
            compounds: g.compounds.iter().filter_map(|c| draft.compounds.get(*c as usize).map(|c| c.id)).collect(),
            members: g.members.iter().filter_map(|p| id(p.volunteer)).collect(),
            leader: g.members.iter().find(|p| p.role == GroupRole::Leader).and_then(|p| id(p.volunteer)),
            deputy: g.members.iter().find(|p| p.role == GroupRole::Deputy).and_then(|p| id(p.volunteer)),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Roll-up

/// One line of the roll-up: a region and the sum of its communities.
#[derive(Debug, Clone, Serialize)]
pub struct RollupRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub counts: MobilisationCounts,
}

/// The region's own totals, then one row per child (cities down to communities).
pub async fn rollup(ctx: &Context, region: &region::Model) -> Result<(RollupRow, Vec<RollupRow>), Error> {
    let per_community = mob::counts_by_community(&ctx.db.read).await?;
    let tree = registry::upper_tree(&ctx.db.read).await?;
    let communities: Vec<(&str, MobilisationCounts)> = tree
        .iter()
        .filter(|r| r.kind == RegionKind::Community.as_str() && r.path.starts_with(&region.path))
        .map(|r| (r.path.as_str(), per_community.get(&r.id).copied().unwrap_or_default()))
        .collect();
    let sum = |prefix: &str| {
        let mut total = MobilisationCounts::default();
        for (path, c) in &communities {
            if path.starts_with(prefix) {
                total += *c;
            }
        }
        total
    };
    let own = RollupRow {
        code: region.code.clone(),
        name: region.name.clone(),
        kind: region.kind.clone(),
        counts: sum(&region.path),
    };
    let children: Vec<RollupRow> = tree
        .iter()
        .filter(|r| r.parent_id == Some(region.id))
        .map(|r| RollupRow { code: r.code.clone(), name: r.name.clone(), kind: r.kind.clone(), counts: sum(&r.path) })
        .collect();
    Ok((own, children))
}

/// Volunteers of a community by id, for naming people in hand-overs.
pub async fn names_of(ctx: &Context, community_id: Uuid) -> Result<BTreeMap<Uuid, String>, Error> {
    Ok(mob::list_volunteers(&ctx.db.read, community_id, &Default::default())
        .await?
        .into_iter()
        .map(|r| (r.volunteer.id, r.volunteer.name))
        .collect())
}

/// Refuses a branch that is not the community's.
pub async fn require_branch_in(ctx: &Context, community: &region::Model, branch: Uuid) -> Result<(), Error> {
    let db = &ctx.db;
    if mob::branches_of_community(&db.read, community.id).await?.iter().any(|b| b.branch.id == branch) {
        Ok(())
    } else {
        Err(invalid("该支部不属于本社区", "that branch is not in this community"))
    }
}

/// Refuses compounds that are not the community's.
pub async fn require_compounds_in(ctx: &Context, community: &region::Model, compounds: &[Uuid]) -> Result<(), Error> {
    let db = &ctx.db;
    let inside: HashSet<Uuid> = mob::compounds_of_community(&db.read, community).await?.iter().map(|c| c.id).collect();
    if compounds.iter().all(|c| inside.contains(c)) {
        Ok(())
    } else {
        Err(invalid("所选小区不在本社区", "a chosen compound is not in this community"))
    }
}

// ---------------------------------------------------------------------------
// Groups, branches, key roles and compounds by hand

/// The community's group `group`, with its members.
async fn group_in(ctx: &Context, community: &region::Model, group: Uuid) -> Result<mob::GroupView, Error> {
    mob::groups_of_community(&ctx.db.read, community.id)
        .await?
        .into_iter()
        .find(|v| v.group.id == group)
        .ok_or_else(|| not_found("找不到该小组", "group not found"))
}

/// Sets a group's leader (with the leader's backup) and deputy; the leader and
/// the deputy must be members of the group.
pub async fn set_group_roles(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    group: Uuid,
    leader: Option<Uuid>,
    backup: Option<Uuid>,
    deputy: Option<Uuid>,
) -> Result<(), Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    let view = group_in(ctx, community, group).await?;
    let members: HashSet<Uuid> = view.members.iter().map(|m| m.id).collect();
    if [leader, deputy].into_iter().flatten().any(|p| !members.contains(&p)) {
        return Err(invalid("组长和副组长须是本组成员", "the leader and deputy must be members of this group"));
    }
    let e = actor.entry("group_roles", "group", Some(group.to_string()), community);
    let db = &ctx.db;
    mob::set_key_role(db, community.id, KeyRoleKind::GroupLeader, group, leader, backup, actor.user_id, e.clone())
        .await?;
    mob::set_key_role(db, community.id, KeyRoleKind::GroupDeputy, group, deputy, None, actor.user_id, e).await?;
    Ok(())
}

/// Sets the compounds a group looks after; all of them the community's own.
pub async fn set_group_compounds(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    group: Uuid,
    compounds: &[Uuid],
) -> Result<(), Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    group_in(ctx, community, group).await?;
    require_compounds_in(ctx, community, compounds).await?;
    let e = actor.entry("group_compounds", "group", Some(group.to_string()), community);
    mob::set_group_compounds(&ctx.db, group, compounds, e).await?;
    Ok(())
}

/// Drops the stored proposal.
pub async fn discard_draft(ctx: &Context, actor: &Actor, community: &region::Model) -> Result<(), Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    mob::delete_draft(&ctx.db, community.id).await?;
    Ok(())
}

/// Sets where a compound lies (metres east and north, or unknown) and which
/// compounds are its neighbours; all of them the community's own.
pub async fn set_compound_place(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    compound: Uuid,
    position: Option<(f64, f64)>,
    neighbours: &[Uuid],
) -> Result<(), Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    let mut named = neighbours.to_vec();
    named.push(compound);
    require_compounds_in(ctx, community, &named).await?;
    let e = actor.entry("compound_place", "region", Some(compound.to_string()), community);
    mob::set_compound_place(&ctx.db, compound, position, neighbours, e).await?;
    Ok(())
}

/// Sets the holder and backup of a branch secretary or building leader role
/// (group roles go through `set_group_roles`); the subject must be the
/// community's branch, or a building inside it.
pub async fn set_key_role(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    kind: KeyRoleKind,
    subject: Uuid,
    holder: Option<Uuid>,
    backup: Option<Uuid>,
) -> Result<(), Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    let ok = match kind {
        KeyRoleKind::BranchSecretary => {
            mob::branches_of_community(&ctx.db.read, community.id).await?.iter().any(|b| b.branch.id == subject)
        }
        KeyRoleKind::BuildingLeader => registry::region_by_id(&ctx.db.read, subject)
            .await?
            .is_some_and(|b| b.kind == RegionKind::Building.as_str() && b.path.starts_with(&community.path)),
        _ => return Err(invalid("未知的职务", "unknown role")),
    };
    if !ok {
        return Err(invalid("该职务不属于本社区", "that role is not in this community"));
    }
    let e = actor.entry("key_role", "key_role", Some(subject.to_string()), community);
    mob::set_key_role(&ctx.db, community.id, kind, subject, holder, backup, actor.user_id, e).await?;
    Ok(())
}

/// A new party branch of the community; answers its id.
#[allow(clippy::too_many_arguments, reason = "a branch is named, typed, dated and staffed at once")]
pub async fn create_branch(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    name: &str,
    kind: BranchKind,
    founded_on: time::Date,
    secretary: Option<Uuid>,
    backup: Option<Uuid>,
) -> Result<Uuid, Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    let e = actor.entry("branch_create", "branch", None, community);
    Ok(mob::create_branch(&ctx.db, community.id, name, kind, founded_on, &[], secretary, backup, actor.user_id, e)
        .await?)
}

/// Records the day one of the community's branches was handed over or
/// dissolved (`None`: still active).
pub async fn dissolve_branch(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    branch: Uuid,
    on: Option<time::Date>,
) -> Result<(), Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    require_branch_in(ctx, community, branch).await?;
    let e = actor.entry("branch_dissolve", "branch", Some(branch.to_string()), community);
    mob::dissolve_branch(&ctx.db, branch, on, e).await?;
    Ok(())
}

/// A group by hand: territorial (compounds), functional (functions) or both,
/// without members yet; answers its id.
pub async fn create_group(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    name: Option<String>,
    branch: Option<Uuid>,
    functions: GroupFunctionSet,
    compounds: Vec<Uuid>,
) -> Result<Uuid, Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    if functions.is_empty() && compounds.is_empty() {
        return Err(invalid("请选择小组负责的小区或职能", "choose the compounds or the functions of the group"));
    }
    require_compounds_in(ctx, community, &compounds).await?;
    if let Some(b) = branch {
        require_branch_in(ctx, community, b).await?;
    }
    let spec = GroupSpec {
        name: name.filter(|n| !n.trim().is_empty()),
        branch_id: branch,
        functions,
        compounds,
        ..Default::default()
    };
    let e = actor.entry("group_create", "group", None, community);
    let ids = mob::create_groups(&ctx.db, community.id, &[spec], actor.user_id, e).await?;
    ids.into_iter().next().ok_or_else(|| Error::Internal("create_groups answered no id".into()))
}

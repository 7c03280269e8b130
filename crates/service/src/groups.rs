//! Groups and branches (SPEC §4.3): proposing groups (the pure
//! `domain::grouping` over what the database holds), editing and confirming
//! the proposal, the roll-up for upper levels, and the checks that a branch or
//! a compound named in a request is the community's own.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use shouwang_db::entity::{region, volunteer};
use shouwang_db::mobilisation::{self as mob, CompoundInfo, GroupSpec, MobilisationCounts};
use shouwang_db::registry;
use shouwang_domain::access::{Action, Part, Resource};
use shouwang_domain::grouping::{self, CompoundIn, GroupRole, GroupingParams, Proposal, Refusal, VolunteerIn};
use shouwang_domain::{
    BranchKind, DutyStatus, GroupFunctionSet, HealthStatus, KeyRoleKind, RegionKind, SkillSet, VolunteerKind,
};
use uuid::Uuid;

use shouwang_domain::phone::mask_phone;

use crate::{Actor, Context, Error, Place, community_for};

// ---------------------------------------------------------------------------
// Grouping proposal

/// The grouping parameters a committee may ask for (pages and API); anything
/// else is a typing slip.
pub fn checked_params(min: u16, max: u16, compounds: u16) -> Result<GroupingParams, Error> {
    use shouwang_domain::bounds::Field;
    for (field, value) in [(Field::GroupMembers, min), (Field::GroupMembers, max), (Field::GroupCompounds, compounds)] {
        field.check(i64::from(value)).map_err(Error::refused)?;
    }
    if max < min {
        return Err(Error::refused(Refusal::BadParams));
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

pub async fn edit_draft(ctx: &Context, actor: &Actor, community: &Place, edit: &DraftEdit) -> Result<Draft, Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    let (community, by) = (&row_of(ctx, community).await?, actor.user_id);
    let (mut draft, _) = load_draft(ctx, community).await?.ok_or_else(|| Error::refused(Refusal::NoProposal))?;
    let key = |id: Uuid| -> Result<u32, Error> {
        draft
            .volunteers
            .iter()
            .position(|v| v.id == id)
            .map(|i| i as u32)
            .ok_or_else(|| Error::refused(Refusal::NotInProposal))
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
    result.map_err(|e| Error::refused(Refusal::Edit(e)))?;
    save(ctx, community, &draft, by).await?;
    Ok(draft)
}

/// Turns the stored proposal into groups, all or nothing.
pub async fn confirm(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    branch: Option<Uuid>,
) -> Result<Vec<Uuid>, Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    let community = &row_of(ctx, community).await?;
    let (draft, updated_at) = load_draft(ctx, community).await?.ok_or_else(|| Error::refused(Refusal::NoProposal))?;
    if let Some(b) = branch {
        require_branch_in(ctx, community, b).await?;
    }
    let specs = specs_of(&draft, branch);
    if specs.is_empty() {
        return Err(Error::refused(Refusal::NothingToConfirm));
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
    pub counts: Counts,
    /// Households reached, and households to reach, by each community's latest consignment.
    pub delivered: i64,
    pub to_deliver: i64,
}

impl RollupRow {
    /// A community's row (its groups page names people; upper levels only count).
    pub fn is_community(&self) -> bool {
        RegionKind::parse(&self.kind) == Some(RegionKind::Community)
    }
}

/// The region's own totals, then one row per child (cities down to communities).
async fn rollup(ctx: &Context, region: &region::Model) -> Result<(RollupRow, Vec<RollupRow>), Error> {
    let per_community = mob::counts_by_community(&ctx.db.read).await?;
    let coverage = shouwang_db::supplies::latest_coverage(&ctx.db.read).await?;
    let tree = registry::upper_tree(&ctx.db.read).await?;
    let supplies: Vec<(&str, i64, i64)> = tree
        .iter()
        .filter(|r| r.path.starts_with(&region.path))
        .filter_map(|r| coverage.get(&r.id).map(|(_, _, n, settled)| (r.path.as_str(), *settled, *n)))
        .collect();
    let delivered = |prefix: &str| {
        supplies.iter().filter(|(p, _, _)| p.starts_with(prefix)).fold((0, 0), |(d, t), (_, s, n)| (d + s, t + n))
    };
    let communities: Vec<(&str, MobilisationCounts)> = tree
        .iter()
        .filter(|r| RegionKind::parse(&r.kind) == Some(RegionKind::Community) && r.path.starts_with(&region.path))
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
    let (d, t) = delivered(&region.path);
    let own = RollupRow {
        code: region.code.clone(),
        name: region.name.clone(),
        kind: region.kind.clone(),
        counts: sum(&region.path).into(),
        delivered: d,
        to_deliver: t,
    };
    let children: Vec<RollupRow> = tree
        .iter()
        .filter(|r| r.parent_id == Some(region.id))
        .map(|r| {
            let (delivered, to_deliver) = delivered(&r.path);
            RollupRow {
                code: r.code.clone(),
                name: r.name.clone(),
                kind: r.kind.clone(),
                counts: sum(&r.path).into(),
                delivered,
                to_deliver,
            }
        })
        .collect();
    Ok((own, children))
}

/// Volunteers of a community by id, for naming people in hand-overs.
pub(crate) async fn names_of(ctx: &Context, community_id: Uuid) -> Result<BTreeMap<Uuid, String>, Error> {
    Ok(mob::list_volunteers(&ctx.db.read, community_id, &Default::default())
        .await?
        .into_iter()
        .map(|r| (r.volunteer.id, r.volunteer.name))
        .collect())
}

/// Refuses a branch that is not the community's.
async fn require_branch_in(ctx: &Context, community: &region::Model, branch: Uuid) -> Result<(), Error> {
    let db = &ctx.db;
    if mob::branches_of_community(&db.read, community.id).await?.iter().any(|b| b.branch.id == branch) {
        Ok(())
    } else {
        Err(Error::missing(Refusal::BranchNotInCommunity))
    }
}

/// Refuses compounds that are not the community's.
pub async fn require_compounds_in(ctx: &Context, community: &Place, compounds: &[Uuid]) -> Result<(), Error> {
    check_compounds(ctx, &row_of(ctx, community).await?, compounds).await
}

async fn check_compounds(ctx: &Context, community: &region::Model, compounds: &[Uuid]) -> Result<(), Error> {
    let db = &ctx.db;
    let inside: HashSet<Uuid> = mob::compounds_of_community(&db.read, community).await?.iter().map(|c| c.id).collect();
    if compounds.iter().all(|c| inside.contains(c)) {
        Ok(())
    } else {
        Err(Error::missing(Refusal::CompoundNotInCommunity))
    }
}

// ---------------------------------------------------------------------------
// Groups, branches, key roles and compounds by hand

/// Which part of the community a group (or a branch) is to the actor: the
/// group their volunteer leads, the branch they are secretary of (or one of
/// its groups), or neither.
pub(crate) async fn part_of(
    ctx: &Context,
    actor: &Actor,
    group: Option<Uuid>,
    branch: Option<Uuid>,
) -> Result<Part, Error> {
    let Some(me) = crate::volunteer_of(ctx, actor).await? else { return Ok(Part::Community) };
    let read = &ctx.db.read;
    let holds = |r: Option<mob::RoleView>| r.and_then(|r| r.holder).is_some_and(|h| h.id == me.id);
    let mut branch = branch;
    if let Some(g) = group {
        if holds(mob::key_role_of(read, KeyRoleKind::GroupLeader, g).await?) {
            return Ok(Part::OwnGroup);
        }
        branch = branch.or(mob::group_by_id(read, g).await?.and_then(|g| g.branch_id));
    }
    if let Some(b) = branch
        && holds(mob::key_role_of(read, KeyRoleKind::BranchSecretary, b).await?)
    {
        return Ok(Part::OwnBranch);
    }
    Ok(Part::Community)
}

/// The community's group `group`, with its members.
async fn group_in(ctx: &Context, community: &region::Model, group: Uuid) -> Result<mob::GroupView, Error> {
    mob::groups_of_community(&ctx.db.read, community.id)
        .await?
        .into_iter()
        .find(|v| v.group.id == group)
        .ok_or_else(|| Error::missing(Refusal::GroupNotFound))
}

/// Sets a group's leader (with the leader's backup) and deputy; the leader and
/// the deputy must be members of the group.
pub async fn set_group_roles(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    group: Uuid,
    leader: Option<Uuid>,
    backup: Option<Uuid>,
    deputy: Option<Uuid>,
) -> Result<(), Error> {
    let part = part_of(ctx, actor, Some(group), None).await?;
    actor.require_in(Resource::Group, Action::Write, &community.path, part)?;
    let community = &row_of(ctx, community).await?;
    let view = group_in(ctx, community, group).await?;
    let named: Vec<Uuid> = [leader, backup, deputy].into_iter().flatten().collect();
    let of = shouwang_db::tasks::communities_of(&ctx.db.read, &named).await?;
    if named.iter().any(|v| of.get(v) != Some(&community.id)) {
        return Err(Error::missing(shouwang_domain::volunteer::Refusal::VolunteerNotFound));
    }
    let members: HashSet<Uuid> = view.members.iter().map(|m| m.id).collect();
    if [leader, deputy].into_iter().flatten().any(|p| !members.contains(&p)) {
        return Err(Error::refused(Refusal::LeadersNotMembers));
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
    community: &Place,
    group: Uuid,
    compounds: &[Uuid],
) -> Result<(), Error> {
    let part = part_of(ctx, actor, Some(group), None).await?;
    actor.require_in(Resource::Group, Action::Write, &community.path, part)?;
    let community = &row_of(ctx, community).await?;
    group_in(ctx, community, group).await?;
    check_compounds(ctx, community, compounds).await?;
    let e = actor.entry("group_compounds", "group", Some(group.to_string()), community);
    mob::set_group_compounds(&ctx.db, community, group, compounds, e).await?;
    Ok(())
}

/// Drops the stored proposal.
pub async fn discard_draft(ctx: &Context, actor: &Actor, community: &Place) -> Result<(), Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    let community = &row_of(ctx, community).await?;
    mob::delete_draft(&ctx.db, community.id).await?;
    Ok(())
}

/// Sets where a compound lies (metres east and north, or unknown) and which
/// compounds are its neighbours; all of them the community's own.
pub async fn set_compound_place(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    compound: Uuid,
    position: Option<(f64, f64)>,
    neighbours: &[Uuid],
) -> Result<(), Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    let community = &row_of(ctx, community).await?;
    let mut named = neighbours.to_vec();
    named.push(compound);
    check_compounds(ctx, community, &named).await?;
    let e = actor.entry("compound_place", "region", Some(compound.to_string()), community);
    mob::set_compound_place(&ctx.db, &community.path, compound, position, neighbours, e).await?;
    Ok(())
}

/// Sets the holder and backup of a branch secretary or building leader role
/// (group roles go through `set_group_roles`); the subject must be the
/// community's branch, or a building inside it.
pub async fn set_key_role(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    kind: KeyRoleKind,
    subject: Uuid,
    holder: Option<Uuid>,
    backup: Option<Uuid>,
) -> Result<(), Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    let community = &row_of(ctx, community).await?;
    let ok = match kind {
        KeyRoleKind::BranchSecretary => {
            mob::branches_of_community(&ctx.db.read, community.id).await?.iter().any(|b| b.branch.id == subject)
        }
        KeyRoleKind::BuildingLeader => registry::region_by_id(&ctx.db.read, subject).await?.is_some_and(|b| {
            RegionKind::parse(&b.kind) == Some(RegionKind::Building) && b.path.starts_with(&community.path)
        }),
        _ => return Err(Error::refused(Refusal::UnknownRole)),
    };
    if !ok {
        return Err(Error::missing(Refusal::RoleNotInCommunity));
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
    community: &Place,
    name: &str,
    kind: BranchKind,
    founded_on: time::Date,
    secretary: Option<Uuid>,
    backup: Option<Uuid>,
) -> Result<Uuid, Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    let community = &row_of(ctx, community).await?;
    let e = actor.entry("branch_create", "branch", None, community);
    Ok(mob::create_branch(&ctx.db, community.id, name, kind, founded_on, &[], secretary, backup, actor.user_id, e)
        .await?)
}

/// Records the day one of the community's branches was handed over or
/// dissolved (`None`: still active).
pub async fn dissolve_branch(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    branch: Uuid,
    on: Option<time::Date>,
) -> Result<(), Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    let community = &row_of(ctx, community).await?;
    require_branch_in(ctx, community, branch).await?;
    let e = actor.entry("branch_dissolve", "branch", Some(branch.to_string()), community);
    mob::dissolve_branch(&ctx.db, community.id, branch, on, e).await?;
    Ok(())
}

/// A group by hand: territorial (compounds), functional (functions) or both,
/// without members yet; answers its id.
pub async fn create_group(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    name: Option<String>,
    branch: Option<Uuid>,
    functions: GroupFunctionSet,
    compounds: Vec<Uuid>,
) -> Result<Uuid, Error> {
    // A branch secretary adds groups to their own branch only.
    let part = part_of(ctx, actor, None, branch).await?;
    actor.require_in(Resource::Group, Action::Write, &community.path, part)?;
    let community = &row_of(ctx, community).await?;
    if functions.is_empty() && compounds.is_empty() {
        return Err(Error::refused(Refusal::NoCompoundsOrFunctions));
    }
    check_compounds(ctx, community, &compounds).await?;
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

// ---------------------------------------------------------------------------
// What pages and the API show: views, never storage rows

/// The community's storage row behind a [`Place`] (audit entries and the
/// reactions take it).
pub(crate) async fn row_of(ctx: &Context, community: &Place) -> Result<region::Model, Error> {
    registry::region_by_id(&ctx.db.read, community.id).await?.ok_or_else(|| Error::missing(Refusal::CommunityNotFound))
}

/// The duty-report funnel of SPEC §4.2 for one community (or a sum of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub reported: u64,
    pub verified: u64,
    pub exempt: u64,
    pub rejected: u64,
    pub grouped: u64,
    pub groups: u64,
    /// Volunteers isolated or infected right now.
    pub unwell: u64,
}

impl From<MobilisationCounts> for Counts {
    fn from(c: MobilisationCounts) -> Counts {
        let MobilisationCounts { reported, verified, exempt, rejected, grouped, groups, unwell } = c;
        Counts { reported, verified, exempt, rejected, grouped, groups, unwell }
    }
}

/// A member of a branch or group, as lists show them (phone masked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: Uuid,
    pub name: String,
    /// Masked, e.g. `139****1111`.
    pub phone: String,
    pub kind: VolunteerKind,
    pub skills: SkillSet,
    pub health: HealthStatus,
}

impl Member {
    pub(crate) fn of(v: &volunteer::Model) -> Result<Member, Error> {
        Ok(Member {
            id: v.id,
            name: v.name.clone(),
            phone: mask_phone(&v.phone),
            kind: stored(VolunteerKind::from_code, &v.kind, "volunteer kind")?,
            skills: SkillSet::from_codes(&v.skills),
            health: stored(HealthStatus::from_code, &v.health, "health")?,
        })
    }
}

/// A stored code read back as its enum; the schema's CHECK keeps others out.
pub(crate) fn stored<T>(parse: fn(&str) -> Option<T>, code: &str, what: &str) -> Result<T, Error> {
    parse(code).ok_or_else(|| Error::Internal(format!("unknown {what} {code}")))
}

/// Someone by id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: Uuid,
    pub name: String,
}

/// A key role with its holder and backup (B角).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRole {
    pub id: Uuid,
    pub kind: KeyRoleKind,
    pub subject_id: Uuid,
    pub holder: Option<Named>,
    pub backup: Option<Named>,
}

impl KeyRole {
    fn of(r: &mob::RoleView) -> KeyRole {
        let named = |v: &Option<volunteer::Model>| v.as_ref().map(|v| Named { id: v.id, name: v.name.clone() });
        KeyRole { id: r.id, kind: r.kind, subject_id: r.subject_id, holder: named(&r.holder), backup: named(&r.backup) }
    }
}

/// A temporary party branch with its secretary and members.
#[derive(Debug, Clone)]
pub struct Branch {
    pub id: Uuid,
    pub name: String,
    pub kind: BranchKind,
    pub founded_on: time::Date,
    pub dissolved_on: Option<time::Date>,
    pub secretary: Option<KeyRole>,
    pub members: Vec<Member>,
    /// Groups under this branch.
    pub groups: usize,
}

impl Branch {
    fn of(b: &mob::BranchView) -> Result<Branch, Error> {
        Ok(Branch {
            id: b.branch.id,
            name: b.branch.name.clone(),
            kind: stored(BranchKind::from_code, &b.branch.kind, "branch kind")?,
            founded_on: b.branch.founded_on,
            dissolved_on: b.branch.dissolved_on,
            secretary: b.secretary.as_ref().map(KeyRole::of),
            members: b.members.iter().map(Member::of).collect::<Result<_, _>>()?,
            groups: b.groups,
        })
    }
}

/// A group with the compounds it covers, its members and who leads it.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: Uuid,
    pub number: i32,
    pub name: String,
    pub branch_id: Option<Uuid>,
    /// What a functional group does; empty for a territorial one.
    pub functions: GroupFunctionSet,
    pub compounds: Vec<(Uuid, String)>,
    /// Leader first, then the deputy, then by name.
    pub members: Vec<Member>,
    pub leader: Option<KeyRole>,
    pub deputy: Option<KeyRole>,
}

impl Group {
    fn of(g: &mob::GroupView) -> Result<Group, Error> {
        Ok(Group {
            id: g.group.id,
            number: g.group.number,
            name: g.group.name.clone(),
            branch_id: g.group.branch_id,
            functions: GroupFunctionSet::from_codes(&g.group.functions),
            compounds: g.compounds.clone(),
            members: g.members.iter().map(Member::of).collect::<Result<_, _>>()?,
            leader: g.leader.as_ref().map(KeyRole::of),
            deputy: g.deputy.as_ref().map(KeyRole::of),
        })
    }

    pub fn leader_id(&self) -> Option<Uuid> {
        self.leader.as_ref().and_then(|r| r.holder.as_ref()).map(|v| v.id)
    }

    pub fn deputy_id(&self) -> Option<Uuid> {
        self.deputy.as_ref().and_then(|r| r.holder.as_ref()).map(|v| v.id)
    }
}

async fn branch_views(ctx: &Context, community_id: Uuid) -> Result<Vec<Branch>, Error> {
    mob::branches_of_community(&ctx.db.read, community_id).await?.iter().map(Branch::of).collect()
}

async fn group_views(ctx: &Context, community_id: Uuid) -> Result<Vec<Group>, Error> {
    mob::groups_of_community(&ctx.db.read, community_id).await?.iter().map(Group::of).collect()
}

/// A community's branches, with their secretaries and members.
pub async fn branches(ctx: &Context, actor: &Actor, code: &str) -> Result<Vec<Branch>, Error> {
    let community = crate::community(ctx, actor, code, Resource::Group, Action::Read).await?;
    branch_views(ctx, community.id).await
}

/// A community's groups, with their compounds, members and leaders.
pub async fn groups(ctx: &Context, actor: &Actor, code: &str) -> Result<Vec<Group>, Error> {
    let community = crate::community(ctx, actor, code, Resource::Group, Action::Read).await?;
    group_views(ctx, community.id).await
}

/// A key role that lacks a holder (vacant) or a backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGap {
    /// The branch or group's name.
    pub subject: String,
    pub kind: KeyRoleKind,
    pub vacant: bool,
}

/// A recent hand-over of a key role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverEntry {
    pub at: time::OffsetDateTime,
    /// The branch or group's name ("" when unknown).
    pub subject: String,
    pub kind: Option<KeyRoleKind>,
    /// `None`: vacant.
    pub from: Option<String>,
    pub to: Option<String>,
    /// isolated, infected, appointed, stood_down, …
    pub cause: String,
}

/// What the groups page shows about a community.
#[derive(Debug, Clone)]
pub struct Overview {
    pub community: Place,
    pub branches: Vec<Branch>,
    pub groups: Vec<Group>,
    /// Compounds no group covers, by name.
    pub uncovered: Vec<String>,
    /// Roles without a holder, or without a backup (a deputy's missing backup is no gap).
    pub gaps: Vec<RoleGap>,
    /// The newest ten hand-overs.
    pub handovers: Vec<HandoverEntry>,
    /// Verified volunteers (id, name), to appoint.
    pub verified: Vec<(Uuid, String)>,
    /// Every compound (id, name).
    pub compounds: Vec<(Uuid, String)>,
    pub has_draft: bool,
}

/// The community's branches and groups, what lacks people, and recent hand-overs.
pub async fn overview(ctx: &Context, actor: &Actor, code: &str) -> Result<Overview, Error> {
    let community = community_for(ctx, actor, code, Resource::Group, Action::Read).await?;
    let read = &ctx.db.read;
    let branches = branch_views(ctx, community.id).await?;
    let groups = group_views(ctx, community.id).await?;
    let compounds = registry::descendants(read, &community, Some(RegionKind::Compound)).await?;
    let covered: HashSet<Uuid> = groups.iter().flat_map(|g| g.compounds.iter().map(|c| c.0)).collect();
    let uncovered = compounds.iter().filter(|c| !covered.contains(&c.id)).map(|c| c.name.clone()).collect();
    let subjects: HashMap<Uuid, String> =
        branches.iter().map(|b| (b.id, b.name.clone())).chain(groups.iter().map(|g| (g.id, g.name.clone()))).collect();
    let gaps = mob::roles_needing_people(read, community.id)
        .await?
        .into_iter()
        .filter_map(|r| {
            let subject = subjects.get(&r.subject_id)?.clone();
            let kind = KeyRoleKind::from_code(&r.kind)?;
            Some(RoleGap { subject, kind, vacant: r.holder_id.is_none() })
        })
        // A deputy without a backup is not worth a warning of its own.
        .filter(|g| g.kind != KeyRoleKind::GroupDeputy)
        .collect();
    let names = names_of(ctx, community.id).await?;
    let mut handovers = Vec::new();
    for h in mob::handovers(read, community.id, 10).await? {
        let Some(role) = mob::key_role_by_id(read, h.key_role_id).await? else { continue };
        let name = |id: Option<Uuid>| id.and_then(|i| names.get(&i).cloned());
        handovers.push(HandoverEntry {
            at: h.at,
            subject: subjects.get(&role.subject_id).cloned().unwrap_or_default(),
            kind: KeyRoleKind::from_code(&role.kind),
            from: name(h.from_volunteer),
            to: name(h.to_volunteer),
            cause: h.cause,
        });
    }
    let verified = mob::list_volunteers(
        read,
        community.id,
        &mob::VolunteerFilter { status: Some(DutyStatus::Verified), ..Default::default() },
    )
    .await?
    .into_iter()
    .map(|r| (r.volunteer.id, r.volunteer.name))
    .collect();
    Ok(Overview {
        has_draft: mob::load_draft(read, community.id).await?.is_some(),
        compounds: compounds.iter().map(|c| (c.id, c.name.clone())).collect(),
        community: Place::of(community)?,
        branches,
        groups,
        uncovered,
        gaps,
        handovers,
        verified,
    })
}

/// A community's groups for printing, with branch names by id.
pub async fn print(
    ctx: &Context,
    actor: &Actor,
    code: &str,
) -> Result<(Place, Vec<Group>, HashMap<Uuid, String>), Error> {
    let community = crate::community(ctx, actor, code, Resource::Group, Action::Read).await?;
    let branches = branch_views(ctx, community.id).await?.into_iter().map(|b| (b.id, b.name)).collect();
    let groups = group_views(ctx, community.id).await?;
    Ok((community, groups, branches))
}

/// One group with its community, the branch names and every compound
/// (id, name, covered by this group?).
#[derive(Debug, Clone)]
pub struct GroupDetail {
    pub community: Place,
    pub group: Group,
    pub branches: HashMap<Uuid, String>,
    pub compounds: Vec<(Uuid, String, bool)>,
    /// The reader may run this group (the committee, or its branch's secretary or its leader).
    pub can_write: bool,
}

/// The group's community, checked for `action`; a member of the group (its
/// leader too) may always read it.
pub async fn group_community(ctx: &Context, actor: &Actor, id: Uuid, action: Action) -> Result<Place, Error> {
    Place::of(group_row(ctx, actor, id, action).await?)
}

async fn group_row(ctx: &Context, actor: &Actor, id: Uuid, action: Action) -> Result<region::Model, Error> {
    let missing = || Error::missing(Refusal::GroupNotFound);
    let read = &ctx.db.read;
    let g = mob::group_by_id(read, id).await?.ok_or_else(missing)?;
    let community = registry::region_by_id(read, g.community_id).await?.ok_or_else(missing)?;
    // A group leader or member may always see their own group.
    let own = match crate::volunteer_of(ctx, actor).await? {
        Some(v) => mob::group_of(read, v.id).await? == Some(id),
        None => false,
    };
    if !own {
        actor.require(Resource::Group, Action::Read, &community.path)?;
    }
    if action != Action::Read {
        actor.require_in(Resource::Group, action, &community.path, part_of(ctx, actor, Some(id), None).await?)?;
    }
    Ok(community)
}

/// One group's page.
pub async fn group(ctx: &Context, actor: &Actor, id: Uuid) -> Result<GroupDetail, Error> {
    let community = group_row(ctx, actor, id, Action::Read).await?;
    let read = &ctx.db.read;
    let group = group_views(ctx, community.id)
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or_else(|| Error::missing(Refusal::GroupNotFound))?;
    let branches = branch_views(ctx, community.id).await?.into_iter().map(|b| (b.id, b.name)).collect();
    let covered: HashSet<Uuid> = group.compounds.iter().map(|c| c.0).collect();
    let compounds = registry::descendants(read, &community, Some(RegionKind::Compound))
        .await?
        .into_iter()
        .map(|c| (c.id, c.name, covered.contains(&c.id)))
        .collect();
    let part = part_of(ctx, actor, Some(id), None).await?;
    let can_write = actor.require_in(Resource::Group, Action::Write, &community.path, part).is_ok();
    Ok(GroupDetail { community: Place::of(community)?, group, branches, compounds, can_write })
}

/// The group of the volunteer linked to the actor's account, if any.
pub async fn my_group(ctx: &Context, actor: &Actor) -> Result<Option<Uuid>, Error> {
    match crate::volunteer_of(ctx, actor).await? {
        Some(v) => Ok(mob::group_of(&ctx.db.read, v.id).await?),
        None => Ok(None),
    }
}

/// Where a compound lies and which compounds are its neighbours.
#[derive(Debug, Clone, PartialEq)]
pub struct CompoundPlace {
    pub id: Uuid,
    pub name: String,
    pub residents: u32,
    /// Metres east and north.
    pub position: Option<(f64, f64)>,
    pub neighbours: Vec<Uuid>,
}

/// The community's compounds with their positions and neighbours.
pub async fn compound_places(ctx: &Context, actor: &Actor, code: &str) -> Result<(Place, Vec<CompoundPlace>), Error> {
    let community = community_for(ctx, actor, code, Resource::Group, Action::Read).await?;
    let places = mob::compounds_of_community(&ctx.db.read, &community)
        .await?
        .into_iter()
        .map(|c| CompoundPlace {
            id: c.id,
            name: c.name,
            residents: c.residents,
            position: c.position,
            neighbours: c.neighbours,
        })
        .collect();
    Ok((Place::of(community)?, places))
}

/// The grouping page: the stored proposal (if any), the active branches the
/// groups may go into, and how many groups there are already.
#[derive(Debug, Clone)]
pub struct Grouping {
    pub draft: Option<Draft>,
    /// Branches not dissolved: (id, name).
    pub branches: Vec<(Uuid, String)>,
    pub existing_groups: usize,
}

pub async fn grouping(ctx: &Context, actor: &Actor, community: &Place) -> Result<Grouping, Error> {
    actor.require(Resource::Group, Action::Read, &community.path)?;
    let row = row_of(ctx, community).await?;
    let draft = load_draft(ctx, &row).await?.map(|d| d.0);
    let branches = mob::branches_of_community(&ctx.db.read, community.id)
        .await?
        .into_iter()
        .filter(|b| b.branch.dissolved_on.is_none())
        .map(|b| (b.branch.id, b.branch.name))
        .collect();
    let existing_groups = match &draft {
        Some(d) => d.existing_groups,
        None => mob::groups_of_community(&ctx.db.read, community.id).await?.len(),
    };
    Ok(Grouping { draft, branches, existing_groups })
}

/// The stored proposal, if there is one.
pub async fn draft(ctx: &Context, actor: &Actor, community: &Place) -> Result<Option<Draft>, Error> {
    actor.require(Resource::Group, Action::Read, &community.path)?;
    Ok(load_draft(ctx, &row_of(ctx, community).await?).await?.map(|d| d.0))
}

/// Proposes groups and stores the proposal as the community's draft.
pub async fn make_proposal(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    params: GroupingParams,
) -> Result<Draft, Error> {
    actor.require(Resource::Group, Action::Write, &community.path)?;
    propose(ctx, &row_of(ctx, community).await?, params, actor.user_id).await
}

/// The roll-up of a region: its own totals, one row per child, and the
/// parent to go up to (inside the actor's area).
#[derive(Debug, Clone)]
pub struct Rollup {
    pub region: Place,
    pub own: RollupRow,
    pub children: Vec<RollupRow>,
    /// (code, name) of the parent, when it is inside the actor's area.
    pub parent: Option<(String, String)>,
}

/// Counts only, no people: anyone who may read the registry here, inside
/// their own area (the ancestors they may navigate are not theirs to count).
pub async fn rollup_of(ctx: &Context, actor: &Actor, code: &str) -> Result<Rollup, Error> {
    let missing = || Error::missing(Refusal::RegionNotFound);
    let rc = shouwang_domain::RegionCode::parse(code).map_err(|_| missing())?;
    let region = registry::find_region(&ctx.db.read, &rc).await?.ok_or_else(missing)?;
    actor.require(Resource::Registry, Action::Read, &region.path)?;
    if !region.path.starts_with(&actor.scope_path) {
        return Err(Error::Forbidden);
    }
    let (own, children) = rollup(ctx, &region).await?;
    let parent = match region.parent_id {
        Some(p) if region.path != actor.scope_path => {
            registry::region_by_id(&ctx.db.read, p).await?.map(|p| (p.code, p.name))
        }
        _ => None,
    };
    Ok(Rollup { region: Place::of(region)?, own, children, parent })
}

//! Auto-grouping (SPEC §4.3): a community's verified volunteers and its
//! compounds in, proposed groups (党小组) out. Pure: no IO, no clock, no
//! randomness; the same input in any order gives the same proposal.
//!
//! # The algorithm, step by step
//!
//! 1. **Sort and sift.** Compounds and volunteers are sorted by key (duplicate
//!    keys keep the first and raise a notice). A volunteer is *eligible* when
//!    verified and able to serve ([`HealthStatus::can_serve`]); everybody else
//!    goes to `excluded` with the reason. A home key that names no compound of
//!    this community counts as "no home address".
//! 2. **Distances.** Between two compounds: euclidean metres when both have a
//!    position, otherwise hops over the (undirected) adjacency the community
//!    marked, otherwise unknown. To compare the kinds, a hop costs the median
//!    length of the adjacent pairs that have positions (300 m when none do);
//!    unknown ranks after every known distance.
//! 3. **How many groups.** Covering every compound needs
//!    `ceil(C / max_compounds)` groups of at least `min_members + 1` people. If
//!    the pool is smaller, the nearest alternative is taken, in this order:
//!    fewer members per group (down to half the requested minimum), then more
//!    compounds per group (up to twice the requested maximum); a notice says
//!    what was asked and what was applied. If nothing covers everything, the
//!    largest compounds get what groups can be formed and the rest are reported
//!    uncovered. Within the applied bounds we form as many groups as the pool
//!    allows (90 people, 8..=10 members: 10 groups of leader + 8). When the
//!    count falls between two feasible numbers of groups (12..=17 people with
//!    8..=10 members) we keep the bounds and put the surplus in `reserve`,
//!    where they are the natural backups (B角), rather than stretch a group.
//! 4. **Territories.** Each compound weighs its share of the residents plus its
//!    share of the volunteers living there. With more groups than compounds,
//!    the extra groups go one by one to the compound with the highest weight
//!    per group (D'Hondt), which then shares them. With fewer, compounds are
//!    merged into clusters of at most `max_compounds`: each step merges the
//!    pair (one of them a single compound) with the lowest
//!    `(weight_a + weight_b) x (1 + distance / typical neighbour distance)`, so
//!    small neighbouring compounds go together, and only merges that still
//!    leave a way to reach the target count are taken. Then a compound that
//!    carries over 1.5 times the mean weight per group is split between two
//!    groups while one more pair of near compounds is merged, as long as that
//!    lowers its load.
//! 5. **Seats.** Every group gets the minimum; the remaining seats go first to
//!    groups with more volunteers living in their area than seats, then to the
//!    group with the most residents per seat, so residents per volunteer come
//!    out balanced.
//! 6. **Who goes where.** Volunteers are grouped by home compound; the pairs
//!    (home, group) are taken in order of distance (own compound first, then
//!    the nearest, unknown distance last, no home address after everyone else)
//!    and each takes as many as both sides allow. Within one home compound the
//!    people are dealt out across its groups in order of leadership merit, so
//!    good leaders spread. Whoever is left over is the reserve.
//! 7. **Key skills.** A group without anyone with a medical or driving skill
//!    swaps one of its members for a holder from a group that has two or more
//!    (or from the reserve), choosing the swap that moves people least far from
//!    home.
//! 8. **Leaders.** Ranked by: experienced; then kind, in the order deployed
//!    cadre, nearby member, social worker, deputy (人大代表/政协委员),
//!    converted staff, resident volunteer; then party member; then lives in a
//!    compound the group covers; then lowest key. The first leads, the second is
//!    the deputy (B角).
//!
//! Cost per community: O(V log V + V·G) for the people and O(C³) at worst
//! for the merging (C is at most a few dozen), with small constants: a whole
//! city of 300,000 volunteers runs in about a tenth of a second.
//!
//! Every placement carries its reasons ([`Reason`]), and the committee can edit
//! the proposal by hand before confirming it ([`Proposal::move_member`] and
//! friends, then [`Proposal::check`]).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::volunteer::{DutyStatus, HealthStatus, Skill, SkillSet, VolunteerKind};

/// The text of a locale key, its `%{name}` placeholders filled from the
/// local variables of the same names.
macro_rules! say {
    ($lang:expr, $key:literal $(, $arg:ident)* $(,)?) => {
        crate::i18n::t_with($lang, $key, &[$((stringify!($arg), &$arg as &dyn std::fmt::Display)),*])
    };
}

/// Skills every group should have at least one holder of (either one will do).
pub const KEY_SKILLS: [Skill; 2] = [Skill::Medical, Skill::Driving];

/// Cost of an unknown distance: after any real one.
const UNKNOWN_COST: u64 = 1 << 40;
/// Cost of placing someone without a home address: after everyone with one.
const NO_HOME_COST: u64 = 1 << 42;
/// What one hop over the adjacency costs when no adjacent pair has positions.
const DEFAULT_HOP_METRES: f64 = 300.0;
/// A compound counts as near home if it is marked adjacent or is among this
/// many nearest compounds.
const NEAR_RANK: u32 = 2;
/// A compound is shared between groups when its weight per group exceeds the
/// mean by this factor.
const SHARE_ABOVE: f64 = 1.5;

// ---------------------------------------------------------------------------
// Input

/// How big groups are and how much ground each covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupingParams {
    /// Members per group, not counting the leader (default 8..=10).
    pub min_members: u16,
    pub max_members: u16,
    /// Compounds one group may cover (default 2; at least 1).
    pub max_compounds: u16,
}

impl Default for GroupingParams {
    fn default() -> Self {
        GroupingParams { min_members: 8, max_members: 10, max_compounds: 2 }
    }
}

impl GroupingParams {
    /// The same parameters made consistent: `max_members >= min_members` and
    /// `max_compounds >= 1`.
    pub fn normalized(self) -> GroupingParams {
        GroupingParams {
            min_members: self.min_members,
            max_members: self.max_members.max(self.min_members),
            max_compounds: self.max_compounds.max(1),
        }
    }

    /// Groups needed so that each of `compounds` compounds is covered.
    pub fn groups_needed(self, compounds: usize) -> usize {
        compounds.div_ceil(usize::from(self.max_compounds.max(1)))
    }

    /// People (leaders included) needed to cover `compounds` compounds with
    /// groups of the minimum size.
    pub fn people_needed(self, compounds: usize) -> usize {
        self.groups_needed(compounds).saturating_mul(usize::from(self.min_members) + 1)
    }
}

/// A compound (小区) of the community.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompoundIn {
    /// Opaque, unique within one call.
    pub key: u32,
    pub name: String,
    pub residents: u32,
    pub buildings: u32,
    /// Optional position in metres on a local plane, entered by the community.
    pub position: Option<(f64, f64)>,
    /// Keys of compounds the community marked as adjacent (treated as
    /// undirected even if given one way; unknown keys are ignored).
    pub neighbours: Vec<u32>,
}

/// A volunteer who reported for duty to the community.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VolunteerIn {
    /// Opaque, unique within one call.
    pub key: u32,
    pub name: String,
    /// Compound key where they live, if in the community.
    pub home: Option<u32>,
    pub kind: VolunteerKind,
    pub skills: SkillSet,
    /// Has led a group or a building before.
    pub experienced: bool,
    pub party_member: bool,
    /// Only `Verified` are placed.
    pub status: DutyStatus,
    /// Only those who [`can_serve`](HealthStatus::can_serve) are placed.
    pub health: HealthStatus,
}

// ---------------------------------------------------------------------------
// Output

/// A proposed set of groups for one community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// What the caller asked.
    pub requested: GroupingParams,
    /// What was used (differs when the request was inconsistent or infeasible).
    pub applied: GroupingParams,
    pub groups: Vec<ProposedGroup>,
    /// Eligible but not placed, each with a reason; sorted by key.
    pub reserve: Vec<Placement>,
    /// Not eligible, with why; sorted by key.
    pub excluded: Vec<Excluded>,
    pub notices: Vec<Notice>,
    pub stats: ProposalStats,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedGroup {
    /// 1-based, stable order (by the first compound covered).
    pub number: u32,
    /// 1..=applied.max_compounds compound keys, ascending.
    pub compounds: Vec<u32>,
    /// Leader first, then the deputy if any, then members by key.
    pub members: Vec<Placement>,
    /// Residents this group looks after; a compound shared by k groups counts
    /// residents/k for each, rounded so that the total is preserved.
    pub residents: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    pub volunteer: u32,
    pub role: GroupRole,
    /// Why this person is here (never empty).
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupRole {
    Leader,
    Deputy,
    Member,
}

impl GroupRole {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            GroupRole::Leader => lang.pick("组长", "leader"),
            GroupRole::Deputy => lang.pick("副组长", "deputy leader"),
            GroupRole::Member => lang.pick("组员", "member"),
        }
    }

    fn order(self) -> u8 {
        match self {
            GroupRole::Leader => 0,
            GroupRole::Deputy => 1,
            GroupRole::Member => 2,
        }
    }
}

/// How far apart two compounds are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "unit", content = "value", rename_all = "snake_case")]
pub enum Distance {
    /// Straight line between the two positions.
    Metres(u32),
    /// Steps over compounds marked adjacent (1 = adjacent).
    Hops(u32),
    Unknown,
}

impl Distance {
    pub fn describe(self, lang: Lang) -> String {
        match self {
            Distance::Metres(m) => say!(lang, "explain.grouping.distance.metres", m),
            Distance::Hops(1) => say!(lang, "explain.grouping.distance.adjacent"),
            Distance::Hops(h) => {
                let between = h.saturating_sub(1);
                say!(lang, "explain.grouping.distance.hops", between)
            }
            Distance::Unknown => say!(lang, "explain.grouping.distance.unknown"),
        }
    }
}

/// Why a volunteer is where the proposal put them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Lives in a compound this group covers.
    HomeCompound {
        compound: u32,
    },
    /// Lives elsewhere; this group covers a compound adjacent or nearest to home.
    NearHome {
        home: u32,
        compound: u32,
        distance: Distance,
    },
    /// Lives elsewhere; the groups nearer home were full.
    AwayFromHome {
        home: u32,
        compound: u32,
        distance: Distance,
    },
    /// Where they live, said of the reserve and of people moved by hand to a
    /// group that does not cover it.
    Home {
        compound: u32,
    },
    /// No home address in any compound of this community; fills a free place.
    NoHomeInCommunity,
    /// Moved here so that the group has someone with this key skill.
    SkillSpread {
        skill: Skill,
    },
    LeaderExperienced,
    LeaderByKind {
        volunteer_kind: VolunteerKind,
    },
    LeaderPartyMember,
    LeaderLivesInArea,
    /// Equal to the others on every criterion; first by key.
    LeaderByOrder,
    /// Deputy (B角): next best after the leader.
    DeputyNext,
    /// Took over as leader when the leader was moved out by hand.
    Promoted,
    /// Given this role by hand.
    RoleByHand {
        role: GroupRole,
    },
    MovedByHand,
    /// More eligible people than the groups can take.
    Surplus,
    /// Made room for someone with this key skill.
    GaveWayForSkill {
        skill: Skill,
    },
    /// The community has no compounds, so there is no group to join.
    NoCompoundToCover,
}

impl Reason {
    /// Says why the volunteer is in the group (or the reserve).
    pub fn describe(&self, lang: Lang, compound_name: &dyn Fn(u32) -> String) -> String {
        match self {
            Reason::HomeCompound { compound } => {
                let c = compound_name(*compound);
                say!(lang, "explain.grouping.reason.home_compound", c)
            }
            Reason::NearHome { home, compound, distance } => {
                let (h, c, d) = (compound_name(*home), compound_name(*compound), distance.describe(lang));
                say!(lang, "explain.grouping.reason.near_home", h, c, d)
            }
            Reason::AwayFromHome { home, compound, distance } => {
                let (h, c, d) = (compound_name(*home), compound_name(*compound), distance.describe(lang));
                say!(lang, "explain.grouping.reason.away_from_home", h, c, d)
            }
            Reason::Home { compound } => {
                let c = compound_name(*compound);
                say!(lang, "explain.grouping.reason.home", c)
            }
            Reason::NoHomeInCommunity => {
                say!(lang, "explain.grouping.reason.no_home_in_community")
            }
            Reason::SkillSpread { skill } => {
                let s = skill.label(lang);
                say!(lang, "explain.grouping.reason.skill_spread", s)
            }
            Reason::LeaderExperienced => {
                say!(lang, "explain.grouping.reason.leader_experienced")
            }
            Reason::LeaderByKind { volunteer_kind } => {
                let k = volunteer_kind.label(lang);
                say!(lang, "explain.grouping.reason.leader_by_kind", k)
            }
            Reason::LeaderPartyMember => say!(lang, "explain.grouping.reason.leader_party_member"),
            Reason::LeaderLivesInArea => {
                say!(lang, "explain.grouping.reason.leader_lives_in_area")
            }
            Reason::LeaderByOrder => say!(lang, "explain.grouping.reason.leader_by_order"),
            Reason::DeputyNext => {
                say!(lang, "explain.grouping.reason.deputy_next")
            }
            Reason::Promoted => say!(lang, "explain.grouping.reason.promoted"),
            Reason::RoleByHand { role } => {
                let r = role.label(lang);
                say!(lang, "explain.grouping.reason.role_by_hand", r)
            }
            Reason::MovedByHand => say!(lang, "explain.grouping.reason.moved_by_hand"),
            Reason::Surplus => say!(lang, "explain.grouping.reason.surplus"),
            Reason::GaveWayForSkill { skill } => {
                let s = skill.label(lang);
                say!(lang, "explain.grouping.reason.gave_way_for_skill", s)
            }
            Reason::NoCompoundToCover => say!(lang, "explain.grouping.reason.no_compound_to_cover"),
        }
    }

    /// Whether the reason explains a role (leader or deputy) rather than the place.
    fn is_role(&self) -> bool {
        matches!(
            self,
            Reason::LeaderExperienced
                | Reason::LeaderByKind { .. }
                | Reason::LeaderPartyMember
                | Reason::LeaderLivesInArea
                | Reason::LeaderByOrder
                | Reason::DeputyNext
                | Reason::Promoted
                | Reason::RoleByHand { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    pub volunteer: u32,
    pub why: Exclusion,
}

/// Why a volunteer is not grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    NotVerified,
    Rejected,
    Exempt,
    /// Isolated or infected.
    CannotServe,
}

impl Exclusion {
    pub fn describe(&self, lang: Lang) -> &'static str {
        match self {
            Exclusion::NotVerified => lang.pick("报到尚未审核", "duty report not yet verified"),
            Exclusion::Rejected => lang.pick("报到未通过审核", "duty report rejected"),
            Exclusion::Exempt => lang.pick("免于编组", "exempt from grouping"),
            Exclusion::CannotServe => lang.pick("正在隔离或感染，暂不能编组", "isolated or infected; cannot serve now"),
        }
    }
}

/// Something the committee should know about the proposal as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    NoCompounds,
    NoVolunteers,
    /// The requested parameters contradicted each other (max below min, zero
    /// compounds per group) and were made consistent.
    ParamsAdjusted {
        requested: GroupingParams,
        used: GroupingParams,
    },
    /// Covering every compound as requested needs `needed` people; the
    /// `alternative` was applied instead.
    PoolTooSmall {
        eligible: u32,
        needed: u32,
        alternative: GroupingParams,
    },
    /// Even the alternative could not cover these compounds.
    CompoundsUncovered {
        compounds: Vec<u32>,
    },
    /// The eligible count falls between two feasible numbers of groups; this
    /// many are kept in reserve.
    Surplus {
        count: u32,
    },
    /// A large compound is looked after by several groups.
    SharedCompound {
        compound: u32,
        groups: Vec<u32>,
    },
    /// Only `holders` eligible people have a medical or driving skill, so
    /// these groups have none.
    SkillLacking {
        groups: Vec<u32>,
        holders: u32,
    },
    /// Home keys that name no compound of this community: treated as no home.
    UnknownHome {
        volunteers: Vec<u32>,
    },
    /// Keys given more than once: only the first (in key order) was used.
    DuplicateVolunteers {
        volunteers: Vec<u32>,
    },
    DuplicateCompounds {
        compounds: Vec<u32>,
    },
}

impl Notice {
    /// Whether the notice says the hard constraints could not all be met as
    /// requested.
    pub fn is_infeasibility(&self) -> bool {
        matches!(
            self,
            Notice::NoCompounds
                | Notice::NoVolunteers
                | Notice::PoolTooSmall { .. }
                | Notice::CompoundsUncovered { .. }
        )
    }

    pub fn describe(&self, lang: Lang, compound_name: &dyn Fn(u32) -> String) -> String {
        let sep = crate::i18n::t(lang, "text.list_separator");
        let names = |keys: &[u32]| keys.iter().map(|k| compound_name(*k)).collect::<Vec<_>>().join(&sep);
        let numbers = |groups: &[u32]| groups.iter().map(u32::to_string).collect::<Vec<_>>().join(&sep);
        let keys = |keys: &[u32]| keys.iter().map(u32::to_string).collect::<Vec<_>>().join(&sep);
        match self {
            Notice::NoCompounds => say!(lang, "explain.grouping.notice.no_compounds"),
            Notice::NoVolunteers => say!(lang, "explain.grouping.notice.no_volunteers"),
            Notice::ParamsAdjusted { requested, used } => {
                let (a, b, c) = (requested.min_members, requested.max_members, requested.max_compounds);
                let (x, y, z) = (used.min_members, used.max_members, used.max_compounds);
                say!(lang, "explain.grouping.notice.params_adjusted", a, b, c, x, y, z)
            }
            Notice::PoolTooSmall { eligible, needed, alternative } => {
                let (x, y, z) = (alternative.min_members, alternative.max_members, alternative.max_compounds);
                say!(lang, "explain.grouping.notice.pool_too_small", eligible, needed, x, y, z)
            }
            Notice::CompoundsUncovered { compounds } => {
                let n = names(compounds);
                say!(lang, "explain.grouping.notice.compounds_uncovered", n)
            }
            Notice::Surplus { count } => say!(lang, "explain.grouping.notice.surplus", count),
            Notice::SharedCompound { compound, groups } => {
                let (c, g) = (compound_name(*compound), numbers(groups));
                say!(lang, "explain.grouping.notice.shared_compound", c, g)
            }
            Notice::SkillLacking { groups, holders } => {
                let g = numbers(groups);
                say!(lang, "explain.grouping.notice.skill_lacking", holders, g)
            }
            Notice::UnknownHome { volunteers } => {
                let (n, v) = (volunteers.len(), keys(volunteers));
                say!(lang, "explain.grouping.notice.unknown_home", n, v)
            }
            Notice::DuplicateVolunteers { volunteers } => {
                let v = keys(volunteers);
                say!(lang, "explain.grouping.notice.duplicate_volunteers", v)
            }
            Notice::DuplicateCompounds { compounds } => {
                let v = keys(compounds);
                say!(lang, "explain.grouping.notice.duplicate_compounds", v)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalStats {
    pub eligible: u32,
    /// People in groups (leaders included).
    pub placed: u32,
    /// Placed in a group covering their home compound.
    pub in_home_compound: u32,
    /// Placed in a group covering a compound adjacent to home or among the two
    /// nearest to it.
    pub near_home: u32,
    /// Placed without a home address in the community.
    pub without_home: u32,
    /// Residents per group member, over the groups that have members
    /// (the mean is the mean of the groups' ratios); 0 when there are none.
    pub residents_per_volunteer_min: f64,
    pub residents_per_volunteer_max: f64,
    pub residents_per_volunteer_mean: f64,
}

/// Where a volunteer stands in a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Located {
    Group { number: u32, role: GroupRole },
    Reserve,
    Excluded { why: Exclusion },
}

/// A hand edit that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("volunteer {0} is not in this proposal")]
    UnknownVolunteer(u32),
    #[error("there is no group {0}")]
    UnknownGroup(u32),
    #[error("volunteer {volunteer} is not in group {group}")]
    NotInGroup { volunteer: u32, group: u32 },
    #[error("volunteer {0} cannot be grouped (not verified, exempt, isolated or infected)")]
    NotEligible(u32),
    #[error("volunteer {volunteer} is already in group {group}")]
    AlreadyInGroup { volunteer: u32, group: u32 },
    #[error("volunteer {0} is already in reserve")]
    AlreadyInReserve(u32),
    #[error("volunteer {volunteer} leads group {group}")]
    IsLeader { volunteer: u32, group: u32 },
}

impl EditError {
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            EditError::UnknownVolunteer(v) => {
                say!(lang, "explain.grouping.edit_error.unknown_volunteer", v)
            }
            EditError::UnknownGroup(g) => say!(lang, "explain.grouping.edit_error.unknown_group", g),
            EditError::NotInGroup { volunteer, group } => {
                say!(lang, "explain.grouping.edit_error.not_in_group", volunteer, group)
            }
            EditError::NotEligible(v) => say!(lang, "explain.grouping.edit_error.not_eligible", v),
            EditError::AlreadyInGroup { volunteer, group } => {
                say!(lang, "explain.grouping.edit_error.already_in_group", volunteer, group)
            }
            EditError::AlreadyInReserve(v) => say!(lang, "explain.grouping.edit_error.already_in_reserve", v),
            EditError::IsLeader { volunteer, group } => {
                say!(lang, "explain.grouping.edit_error.is_leader", volunteer, group)
            }
        }
    }
}

/// Something a committee should fix (or accept knowingly) before confirming.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// `size` counts the people other than the leader.
    GroupTooSmall {
        group: u32,
        size: u32,
        min: u16,
    },
    GroupTooLarge {
        group: u32,
        size: u32,
        max: u16,
    },
    EmptyGroup {
        group: u32,
    },
    GroupWithoutLeader {
        group: u32,
    },
    SeveralLeaders {
        group: u32,
    },
    CompoundUncovered {
        compound: u32,
    },
    GroupWithoutCompound {
        group: u32,
    },
    TooManyCompounds {
        group: u32,
        count: u32,
        max: u16,
    },
    /// The group covers a key that is not among the community's compounds.
    UnknownCompound {
        group: u32,
        compound: u32,
    },
    PlacedTwice {
        volunteer: u32,
    },
    /// Someone excluded (not verified, exempt, unable to serve) is placed.
    ExcludedPlaced {
        volunteer: u32,
    },
}

impl Problem {
    pub fn describe(&self, lang: Lang, compound_name: &dyn Fn(u32) -> String) -> String {
        match self {
            Problem::GroupTooSmall { group, size, min } => {
                say!(lang, "explain.grouping.problem.group_too_small", group, size, min)
            }
            Problem::GroupTooLarge { group, size, max } => {
                say!(lang, "explain.grouping.problem.group_too_large", group, size, max)
            }
            Problem::EmptyGroup { group } => say!(lang, "explain.grouping.problem.empty_group", group),
            Problem::GroupWithoutLeader { group } => say!(lang, "explain.grouping.problem.group_without_leader", group),
            Problem::SeveralLeaders { group } => {
                say!(lang, "explain.grouping.problem.several_leaders", group)
            }
            Problem::CompoundUncovered { compound } => {
                let c = compound_name(*compound);
                say!(lang, "explain.grouping.problem.compound_uncovered", c)
            }
            Problem::GroupWithoutCompound { group } => {
                say!(lang, "explain.grouping.problem.group_without_compound", group)
            }
            Problem::TooManyCompounds { group, count, max } => {
                say!(lang, "explain.grouping.problem.too_many_compounds", group, count, max)
            }
            Problem::UnknownCompound { group, compound } => {
                say!(lang, "explain.grouping.problem.unknown_compound", group, compound)
            }
            Problem::PlacedTwice { volunteer } => {
                say!(lang, "explain.grouping.problem.placed_twice", volunteer)
            }
            Problem::ExcludedPlaced { volunteer } => say!(lang, "explain.grouping.problem.excluded_placed", volunteer),
        }
    }
}

// ---------------------------------------------------------------------------
// Internal model

struct Site {
    key: u32,
    residents: u32,
    position: Option<(f64, f64)>,
    /// Indices of adjacent sites, sorted, both directions.
    neighbours: Vec<usize>,
}

struct Person {
    key: u32,
    /// Index of the home site.
    home: Option<usize>,
    kind: VolunteerKind,
    skills: SkillSet,
    experienced: bool,
    party: bool,
}

impl Person {
    fn key_skill(&self) -> Option<Skill> {
        KEY_SKILLS.iter().copied().find(|s| self.skills.contains(*s))
    }

    /// Order of merit for leading a group (smaller is better).
    fn leader_rank(&self, lives_in_area: bool) -> (bool, u8, bool, bool, u32) {
        (!self.experienced, kind_rank(self.kind), !self.party, !lives_in_area, self.key)
    }

    /// Order in which people of one home compound are dealt out and kept out
    /// of the reserve: leaders spread first, key skills before the rest.
    fn deal_rank(&self) -> (bool, u8, bool, bool, u32) {
        (!self.experienced, kind_rank(self.kind), self.key_skill().is_none(), !self.party, self.key)
    }
}

/// Who leads first: deployed cadres are sent to lead, nearby members know the
/// place, social workers know the residents; then the others.
fn kind_rank(kind: VolunteerKind) -> u8 {
    match kind {
        VolunteerKind::DeployedCadre => 0,
        VolunteerKind::NearbyMember => 1,
        VolunteerKind::SocialWorker => 2,
        VolunteerKind::Deputy => 3,
        VolunteerKind::ConvertedStaff => 4,
        VolunteerKind::ResidentVolunteer => 5,
    }
}

/// Distances between all pairs of sites.
struct Geometry {
    n: usize,
    dist: Vec<Distance>,
    cost: Vec<u64>,
    adjacent: Vec<bool>,
    /// 1 + how many other sites are strictly nearer to the first one.
    rank: Vec<u32>,
}

impl Geometry {
    fn new(sites: &[Site]) -> Geometry {
        let n = sites.len();
        let euclid = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);

        let mut edges: Vec<f64> = Vec::new();
        for (i, s) in sites.iter().enumerate() {
            for &j in s.neighbours.iter().filter(|&&j| j > i) {
                if let (Some(a), Some(b)) = (s.position, sites[j].position) {
                    let d = euclid(a, b);
                    if d.is_finite() {
                        edges.push(d);
                    }
                }
            }
        }
        edges.sort_by(f64::total_cmp);
        let hop_metres = edges.get(edges.len() / 2).copied().unwrap_or(DEFAULT_HOP_METRES).max(1.0);

        // Hops by breadth-first search from every site.
        let mut hops = vec![u32::MAX; n * n];
        let mut queue = VecDeque::new();
        for src in 0..n {
            let row = &mut hops[src * n..(src + 1) * n];
            row[src] = 0;
            queue.push_back(src);
            while let Some(at) = queue.pop_front() {
                let next = row[at].saturating_add(1);
                for &nb in &sites[at].neighbours {
                    if row[nb] == u32::MAX {
                        row[nb] = next;
                        queue.push_back(nb);
                    }
                }
            }
        }

        let mut dist = Vec::with_capacity(n * n);
        let mut cost = Vec::with_capacity(n * n);
        let mut adjacent = Vec::with_capacity(n * n);
        for (a, sa) in sites.iter().enumerate() {
            for (b, sb) in sites.iter().enumerate() {
                let metres = match (sa.position, sb.position) {
                    (Some(p), Some(q)) => Some(euclid(p, q)).filter(|d| d.is_finite()),
                    _ => None,
                };
                let h = hops[a * n + b];
                let (d, c) = if a == b {
                    (Distance::Metres(0), 0)
                } else if let Some(m) = metres {
                    (
                        Distance::Metres(m.round().min(f64::from(u32::MAX)) as u32),
                        (m.round() as u64).min(UNKNOWN_COST - 1),
                    )
                } else if h != u32::MAX {
                    (Distance::Hops(h), ((f64::from(h) * hop_metres).round() as u64).min(UNKNOWN_COST - 1))
                } else {
                    (Distance::Unknown, UNKNOWN_COST)
                };
                dist.push(d);
                cost.push(c);
                adjacent.push(sa.neighbours.binary_search(&b).is_ok());
            }
        }

        let mut rank = vec![0; n * n];
        let mut others: Vec<(u64, usize)> = Vec::with_capacity(n);
        for h in 0..n {
            others.clear();
            others.extend((0..n).filter(|&c| c != h).map(|c| (cost[h * n + c], c)));
            others.sort_unstable();
            let mut current = (None, 0u32);
            for (i, &(c_cost, c)) in others.iter().enumerate() {
                if current.0 != Some(c_cost) {
                    current = (Some(c_cost), u32::try_from(i + 1).unwrap_or(u32::MAX));
                }
                rank[h * n + c] = current.1;
            }
        }
        Geometry { n, dist, cost, adjacent, rank }
    }

    fn cost(&self, a: usize, b: usize) -> u64 {
        self.cost[a * self.n + b]
    }

    fn dist(&self, a: usize, b: usize) -> Distance {
        self.dist[a * self.n + b]
    }

    fn is_near(&self, home: usize, c: usize) -> bool {
        let i = home * self.n + c;
        self.cost[i] < UNKNOWN_COST && (self.adjacent[i] || self.rank[i] <= NEAR_RANK)
    }
}

/// Compounds that one or more groups cover together.
struct Cluster {
    sites: Vec<usize>,
    groups: usize,
    weight: f64,
    homes: usize,
}

/// A group being built.
struct Draft {
    sites: Vec<usize>,
    residents: u32,
    home_demand: f64,
    seats: usize,
    members: Vec<usize>,
}

fn count32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn cmp_position(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Ordering {
    match (a, b) {
        (Some(p), Some(q)) => p.0.total_cmp(&q.0).then(p.1.total_cmp(&q.1)),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

/// A total order, so that duplicate keys resolve the same way whatever the
/// input order.
fn cmp_compound(a: &CompoundIn, b: &CompoundIn) -> Ordering {
    a.key
        .cmp(&b.key)
        .then_with(|| a.name.cmp(&b.name))
        .then(a.residents.cmp(&b.residents))
        .then(a.buildings.cmp(&b.buildings))
        .then_with(|| cmp_position(a.position, b.position))
        .then_with(|| a.neighbours.cmp(&b.neighbours))
}

fn cmp_volunteer(a: &VolunteerIn, b: &VolunteerIn) -> Ordering {
    a.key
        .cmp(&b.key)
        .then_with(|| a.name.cmp(&b.name))
        .then(a.home.cmp(&b.home))
        .then(a.kind.cmp(&b.kind))
        .then(a.skills.bits().cmp(&b.skills.bits()))
        .then(a.experienced.cmp(&b.experienced))
        .then(a.party_member.cmp(&b.party_member))
        .then(a.status.cmp(&b.status))
        .then(a.health.cmp(&b.health))
}

fn exclusion(v: &VolunteerIn) -> Option<Exclusion> {
    match v.status {
        DutyStatus::Reported => Some(Exclusion::NotVerified),
        DutyStatus::Rejected => Some(Exclusion::Rejected),
        DutyStatus::Exempt => Some(Exclusion::Exempt),
        DutyStatus::Verified if v.health.can_serve() => None,
        DutyStatus::Verified => Some(Exclusion::CannotServe),
    }
}

fn prepare_sites(compounds: &[CompoundIn], notices: &mut Vec<Notice>) -> Vec<Site> {
    let mut order: Vec<&CompoundIn> = compounds.iter().collect();
    order.sort_by(|a, b| cmp_compound(a, b));
    let mut kept: Vec<&CompoundIn> = Vec::with_capacity(order.len());
    let mut duplicates = Vec::new();
    for c in order {
        if kept.last().is_some_and(|k| k.key == c.key) {
            if duplicates.last() != Some(&c.key) {
                duplicates.push(c.key);
            }
        } else {
            kept.push(c);
        }
    }
    if !duplicates.is_empty() {
        notices.push(Notice::DuplicateCompounds { compounds: duplicates });
    }
    let keys: Vec<u32> = kept.iter().map(|c| c.key).collect();
    let mut sites: Vec<Site> = kept
        .iter()
        .map(|c| Site {
            key: c.key,
            residents: c.residents,
            position: c.position.filter(|p| p.0.is_finite() && p.1.is_finite()),
            neighbours: Vec::new(),
        })
        .collect();
    for (i, c) in kept.iter().enumerate() {
        for n in &c.neighbours {
            if let Ok(j) = keys.binary_search(n)
                && j != i
            {
                sites[i].neighbours.push(j);
                sites[j].neighbours.push(i);
            }
        }
    }
    for s in &mut sites {
        s.neighbours.sort_unstable();
        s.neighbours.dedup();
    }
    sites
}

fn prepare_people(
    volunteers: &[VolunteerIn],
    site_keys: &[u32],
    notices: &mut Vec<Notice>,
) -> (Vec<Person>, Vec<Excluded>) {
    let mut order: Vec<&VolunteerIn> = volunteers.iter().collect();
    order.sort_by(|a, b| cmp_volunteer(a, b));
    let mut people = Vec::with_capacity(order.len());
    let mut excluded = Vec::new();
    let mut unknown_home = Vec::new();
    let mut duplicates = Vec::new();
    let mut last = None;
    for v in order {
        if last == Some(v.key) {
            if duplicates.last() != Some(&v.key) {
                duplicates.push(v.key);
            }
            continue;
        }
        last = Some(v.key);
        if let Some(why) = exclusion(v) {
            excluded.push(Excluded { volunteer: v.key, why });
            continue;
        }
        let home = v.home.and_then(|k| match site_keys.binary_search(&k) {
            Ok(i) => Some(i),
            Err(_) => {
                unknown_home.push(v.key);
                None
            }
        });
        people.push(Person {
            key: v.key,
            home,
            kind: v.kind,
            skills: v.skills,
            experienced: v.experienced,
            party: v.party_member,
        });
    }
    if !duplicates.is_empty() {
        notices.push(Notice::DuplicateVolunteers { volunteers: duplicates });
    }
    if !unknown_home.is_empty() {
        notices.push(Notice::UnknownHome { volunteers: unknown_home });
    }
    (people, excluded)
}

/// The applied parameters, how many groups, and how many compounds they cover.
struct Shape {
    applied: GroupingParams,
    groups: usize,
    covered: usize,
}

fn choose_shape(eligible: usize, compounds: usize, p: GroupingParams, notices: &mut Vec<Notice>) -> Shape {
    let with = |max_compounds: u16, min_members: u16| GroupingParams { min_members, max_compounds, ..p };
    let fits = |q: GroupingParams| q.people_needed(compounds) <= eligible;

    let mut applied = p;
    let mut infeasible = false;
    if !fits(p) {
        infeasible = true;
        // Fewer members first (the territory stays small), then more compounds.
        let floor = p.min_members.div_ceil(2);
        let most_compounds =
            p.max_compounds.max(p.max_compounds.saturating_mul(2).min(u16::try_from(compounds).unwrap_or(u16::MAX)));
        let found = (p.max_compounds..=most_compounds)
            .find_map(|mc| (floor..=p.min_members).rev().map(|m| with(mc, m)).find(|q| fits(*q)));
        applied = found.unwrap_or_else(|| with(most_compounds, floor));
    }

    let mut groups = eligible / (usize::from(applied.min_members) + 1);
    if groups == 0 {
        // Fewer people than the smallest group: one group of all of them.
        applied.min_members = u16::try_from(eligible.saturating_sub(1)).unwrap_or(u16::MAX);
        groups = 1;
    }
    if infeasible {
        notices.push(Notice::PoolTooSmall {
            eligible: count32(eligible),
            needed: count32(p.people_needed(compounds)),
            alternative: applied,
        });
    }
    let covered = compounds.min(groups.saturating_mul(usize::from(applied.max_compounds)));
    let placed = eligible.min(groups.saturating_mul(usize::from(applied.max_members) + 1));
    if placed < eligible {
        notices.push(Notice::Surplus { count: count32(eligible - placed) });
    }
    Shape { applied, groups, covered }
}

fn merge_cost(weight: f64, link: u64, scale: f64) -> f64 {
    weight * (1.0 + link as f64 / scale)
}

/// Splits the covered sites into clusters (step 4 of the module doc).
fn form_clusters(
    covered: &[usize],
    groups: usize,
    max_compounds: usize,
    geo: &Geometry,
    weight: &[f64],
    homes: &[usize],
) -> Vec<Cluster> {
    let k = covered.len();
    let mut cl: Vec<Cluster> =
        covered.iter().map(|&s| Cluster { sites: vec![s], groups: 1, weight: weight[s], homes: homes[s] }).collect();
    let load = |c: &Cluster| c.weight / c.groups as f64;

    if k <= groups {
        for _ in k..groups {
            // D'Hondt: the next group goes where the load per group is highest.
            let best = (0..k).max_by(|&a, &b| load(&cl[a]).total_cmp(&load(&cl[b])).then(b.cmp(&a)));
            if let Some(i) = best {
                cl[i].groups += 1;
            }
        }
        return cl;
    }

    let mut link = vec![0u64; k * k];
    for i in 0..k {
        for j in 0..k {
            link[i * k + j] = geo.cost(covered[i], covered[j]).max(geo.cost(covered[j], covered[i]));
        }
    }
    let mut nearest: Vec<u64> = (0..k)
        .filter_map(|i| (0..k).filter(|&j| j != i).map(|j| link[i * k + j]).filter(|&c| c < UNKNOWN_COST).min())
        .collect();
    nearest.sort_unstable();
    let scale = nearest.get(nearest.len() / 2).map_or(1.0, |&c| (c as f64).max(1.0));
    let total_weight: f64 = cl.iter().map(|c| c.weight).sum();
    // Keeps a compound nobody lives in from merging with anything at zero cost.
    let eps = (total_weight / k as f64 * 0.05).max(1e-9);

    let mut alive = vec![true; k];
    let merge = |cl: &mut Vec<Cluster>, alive: &mut Vec<bool>, link: &mut Vec<u64>, i: usize, j: usize| {
        let moved = std::mem::take(&mut cl[j].sites);
        cl[i].sites.extend(moved);
        cl[i].sites.sort_unstable();
        cl[i].weight += cl[j].weight;
        cl[i].homes += cl[j].homes;
        alive[j] = false;
        for x in 0..k {
            let l = link[i * k + x].max(link[j * k + x]);
            link[i * k + x] = l;
            link[x * k + i] = l;
        }
    };

    let mc = max_compounds;
    let mut count = k;
    while count > groups {
        let (mut multi, mut singles, mut free) = (0usize, 0usize, 0usize);
        for c in cl.iter().zip(&alive).filter(|(_, a)| **a).map(|(c, _)| c) {
            if c.sites.len() == 1 {
                singles += 1;
            } else {
                multi += 1;
                free += mc.saturating_sub(c.sites.len());
            }
        }
        // Fewest clusters reachable from a state, merging single compounds only.
        let reachable = |multi: usize, singles: usize, free: usize| multi + singles.saturating_sub(free).div_ceil(mc);
        let mut best: Option<(f64, usize, usize)> = None;
        for i in (0..k).filter(|&i| alive[i]) {
            for j in (i + 1..k).filter(|&j| alive[j]) {
                let (a, b) = (cl[i].sites.len(), cl[j].sites.len());
                if a + b > mc || (a > 1 && b > 1) {
                    continue;
                }
                let after = if a == 1 && b == 1 {
                    reachable(multi + 1, singles - 2, free + mc - 2)
                } else {
                    reachable(multi, singles - 1, free - 1)
                };
                if after > groups {
                    continue;
                }
                let c = merge_cost(cl[i].weight + cl[j].weight + eps, link[i * k + j], scale);
                if best.is_none_or(|(bc, _, _)| c < bc) {
                    best = Some((c, i, j));
                }
            }
        }
        // Always found while count > groups (a feasible merge exists whenever
        // the target is reachable); stop rather than loop if not.
        let Some((_, i, j)) = best else { break };
        merge(&mut cl, &mut alive, &mut link, i, j);
        count -= 1;
    }

    // Split a compound much heavier than the mean, paying with one more merge.
    let mean = total_weight / groups.max(1) as f64;
    loop {
        let heaviest = (0..k)
            .filter(|&i| alive[i] && cl[i].sites.len() == 1)
            .max_by(|&a, &b| load(&cl[a]).total_cmp(&load(&cl[b])).then(b.cmp(&a)));
        let Some(x) = heaviest else { break };
        let load_x = load(&cl[x]);
        if load_x <= SHARE_ABOVE * mean {
            break;
        }
        let split = cl[x].weight / (cl[x].groups + 1) as f64;
        let mut best: Option<(f64, usize, usize)> = None;
        for i in (0..k).filter(|&i| alive[i] && i != x && cl[i].groups == 1) {
            for j in (i + 1..k).filter(|&j| alive[j] && j != x && cl[j].groups == 1) {
                if cl[i].sites.len() + cl[j].sites.len() > mc || link[i * k + j] >= UNKNOWN_COST {
                    continue;
                }
                let c = merge_cost(cl[i].weight + cl[j].weight + eps, link[i * k + j], scale);
                if best.is_none_or(|(bc, _, _)| c < bc) {
                    best = Some((c, i, j));
                }
            }
        }
        let Some((_, i, j)) = best else { break };
        if (cl[i].weight + cl[j].weight).max(split) >= load_x {
            break;
        }
        merge(&mut cl, &mut alive, &mut link, i, j);
        cl[x].groups += 1;
    }

    cl.into_iter().zip(alive).filter(|(_, a)| *a).map(|(c, _)| c).collect()
}

/// Decides how many people each group takes (step 5).
fn allocate_seats(drafts: &mut [Draft], placed: usize, lo: usize, hi: usize) {
    let g = drafts.len();
    if g == 0 {
        return;
    }
    let mut left = placed;
    if placed >= g * lo {
        for d in drafts.iter_mut() {
            d.seats = lo;
        }
        left -= g * lo;
    } else {
        // Not reachable with the shapes chosen above; spread evenly anyway.
        for (i, d) in drafts.iter_mut().enumerate() {
            d.seats = placed / g + usize::from(i < placed % g);
        }
        left = 0;
    }
    // Residents per seat, compared without division.
    let denser = |a: &Draft, b: &Draft| {
        (u64::from(a.residents) * b.seats as u64).cmp(&(u64::from(b.residents) * a.seats as u64))
    };
    while left > 0 {
        let best = (0..g).filter(|&i| drafts[i].seats < hi && drafts[i].home_demand > drafts[i].seats as f64).max_by(
            |&a, &b| {
                let (da, db) = (&drafts[a], &drafts[b]);
                (da.home_demand - da.seats as f64)
                    .total_cmp(&(db.home_demand - db.seats as f64))
                    .then(denser(da, db))
                    .then(b.cmp(&a))
            },
        );
        let Some(i) = best else { break };
        drafts[i].seats += 1;
        left -= 1;
    }
    while left > 0 {
        let best = (0..g).filter(|&i| drafts[i].seats < hi).max_by(|&a, &b| {
            denser(&drafts[a], &drafts[b]).then(drafts[b].seats.cmp(&drafts[a].seats)).then(b.cmp(&a))
        });
        let Some(i) = best else { break };
        drafts[i].seats += 1;
        left -= 1;
    }
}

/// Proposes groups for one community. Never fails: what could not be done is
/// said in `notices`.
pub fn propose(compounds: &[CompoundIn], volunteers: &[VolunteerIn], params: GroupingParams) -> Proposal {
    let mut notices = Vec::new();
    let norm = params.normalized();
    if norm != params {
        notices.push(Notice::ParamsAdjusted { requested: params, used: norm });
    }
    let sites = prepare_sites(compounds, &mut notices);
    let site_keys: Vec<u32> = sites.iter().map(|s| s.key).collect();
    let (people, excluded) = prepare_people(volunteers, &site_keys, &mut notices);

    let mut proposal = Proposal {
        requested: params,
        applied: norm,
        groups: Vec::new(),
        reserve: Vec::new(),
        excluded,
        notices: Vec::new(),
        stats: ProposalStats {
            eligible: count32(people.len()),
            placed: 0,
            in_home_compound: 0,
            near_home: 0,
            without_home: 0,
            residents_per_volunteer_min: 0.0,
            residents_per_volunteer_max: 0.0,
            residents_per_volunteer_mean: 0.0,
        },
    };
    if sites.is_empty() || people.is_empty() {
        if sites.is_empty() {
            notices.push(Notice::NoCompounds);
        }
        if people.is_empty() {
            notices.push(Notice::NoVolunteers);
        }
        proposal.reserve = people
            .iter()
            .map(|p| Placement { volunteer: p.key, role: GroupRole::Member, reasons: vec![Reason::NoCompoundToCover] })
            .collect();
        proposal.notices = notices;
        return proposal;
    }

    // Steps 2-4: distances, how many groups, and their territories.
    let n = sites.len();
    let geo = Geometry::new(&sites);
    let (weight, homes) = compound_weights(&sites, &people);
    let shape = choose_shape(people.len(), n, norm, &mut notices);
    proposal.applied = shape.applied;
    let mut covered: Vec<usize> = (0..n).collect();
    if shape.covered < n {
        // Too few groups for every compound: the heaviest are covered.
        covered.sort_by(|&a, &b| weight[b].total_cmp(&weight[a]).then(a.cmp(&b)));
        let uncovered: BTreeSet<usize> = covered.split_off(shape.covered).into_iter().collect();
        covered.sort_unstable();
        notices.push(Notice::CompoundsUncovered { compounds: uncovered.iter().map(|&i| sites[i].key).collect() });
    }
    let clusters =
        form_clusters(&covered, shape.groups, usize::from(shape.applied.max_compounds), &geo, &weight, &homes);
    let mut drafts = drafts_from(clusters, &sites, &mut notices);

    // Step 5: seats.
    let lo = usize::from(shape.applied.min_members) + 1;
    let hi = usize::from(shape.applied.max_members) + 1;
    let placed = people.len().min(drafts.len().saturating_mul(hi));
    allocate_seats(&mut drafts, placed, lo, hi);

    // Steps 6-8.
    let reach = Reach::new(&geo, &drafts);
    let mut reserve = fill_groups(&people, &mut drafts, &reach);
    let moved_for_skill = spread_skills(&people, &mut drafts, &mut reserve, &reach, &mut notices);
    proposal.groups =
        drafts.iter().enumerate().map(|(j, d)| finish_group(j, d, &people, &sites, &geo, &moved_for_skill)).collect();
    proposal.reserve = reserve
        .into_iter()
        .map(|(i, why)| {
            let p = &people[i];
            let home = match p.home {
                Some(h) => Reason::Home { compound: sites[h].key },
                None => Reason::NoHomeInCommunity,
            };
            Placement { volunteer: p.key, role: GroupRole::Member, reasons: vec![why, home] }
        })
        .collect();
    proposal.reserve.sort_by_key(|p| p.volunteer);
    proposal.notices = notices;
    proposal.refresh_stats();
    proposal
}

/// Each compound's weight (its share of residents plus its share of the
/// eligible volunteers living there) and that count of volunteers.
fn compound_weights(sites: &[Site], people: &[Person]) -> (Vec<f64>, Vec<usize>) {
    let n = sites.len();
    let mut homes = vec![0usize; n];
    for h in people.iter().filter_map(|p| p.home) {
        homes[h] += 1;
    }
    let total_residents: f64 = sites.iter().map(|s| f64::from(s.residents)).sum();
    let total_homes = homes.iter().sum::<usize>() as f64;
    let weight = sites
        .iter()
        .zip(&homes)
        .map(|(s, &h)| {
            let mut w = 0.0;
            if total_residents > 0.0 {
                w += f64::from(s.residents) / total_residents;
            }
            if total_homes > 0.0 {
                w += h as f64 / total_homes;
            }
            if total_residents == 0.0 && total_homes == 0.0 { 1.0 / n as f64 } else { w }
        })
        .collect();
    (weight, homes)
}

/// One draft group per group of each cluster, numbered by first compound.
fn drafts_from(mut clusters: Vec<Cluster>, sites: &[Site], notices: &mut Vec<Notice>) -> Vec<Draft> {
    clusters.sort_by_key(|c| c.sites.first().copied());
    let mut drafts: Vec<Draft> = Vec::with_capacity(clusters.iter().map(|c| c.groups).sum());
    for c in &clusters {
        let total: u64 = c.sites.iter().map(|&s| u64::from(sites[s].residents)).sum();
        let k = c.groups.max(1) as u64;
        let first = drafts.len();
        for t in 0..k {
            // Shared residents are split so that the total is preserved.
            let share = total / k + u64::from(t < total % k);
            drafts.push(Draft {
                sites: c.sites.clone(),
                residents: u32::try_from(share).unwrap_or(u32::MAX),
                home_demand: c.homes as f64 / k as f64,
                seats: 0,
                members: Vec::new(),
            });
        }
        if k > 1
            && let Some(&s) = c.sites.first()
        {
            let numbers = (first..drafts.len()).map(|i| count32(i + 1)).collect();
            notices.push(Notice::SharedCompound { compound: sites[s].key, groups: numbers });
        }
    }
    drafts
}

/// Cost from each home compound (and "no home", the last row) to each group:
/// the distance to the nearest compound the group covers.
struct Reach {
    n: usize,
    g: usize,
    cost: Vec<u64>,
}

impl Reach {
    fn new(geo: &Geometry, drafts: &[Draft]) -> Reach {
        let (n, g) = (geo.n, drafts.len());
        let mut cost = vec![NO_HOME_COST; (n + 1) * g];
        for h in 0..n {
            for (j, d) in drafts.iter().enumerate() {
                cost[h * g + j] = d.sites.iter().map(|&s| geo.cost(h, s)).min().unwrap_or(UNKNOWN_COST);
            }
        }
        Reach { n, g, cost }
    }

    fn source(&self, p: &Person) -> usize {
        p.home.unwrap_or(self.n)
    }

    fn of(&self, p: &Person, group: usize) -> i64 {
        i64::try_from(self.cost[self.source(p) * self.g + group]).unwrap_or(i64::MAX / 4)
    }
}

/// Step 6: fills the seats, nearest (home, group) pairs first, and returns
/// the people left over (indices into `people`) for the reserve.
fn fill_groups(people: &[Person], drafts: &mut [Draft], reach: &Reach) -> Vec<(usize, Reason)> {
    let (n, g) = (reach.n, reach.g);
    let mut by_source: Vec<Vec<usize>> = vec![Vec::new(); n + 1];
    for (i, p) in people.iter().enumerate() {
        by_source[reach.source(p)].push(i);
    }
    for list in &mut by_source {
        list.sort_by_key(|&i| people[i].deal_rank());
    }
    // How many from each home go to each group: a greedy transport.
    let mut pairs: Vec<(u64, usize, usize)> = Vec::new();
    for (h, list) in by_source.iter().enumerate() {
        if !list.is_empty() {
            pairs.extend((0..g).map(|j| (reach.cost[h * g + j], h, j)));
        }
    }
    pairs.sort_unstable();
    let mut supply: Vec<usize> = by_source.iter().map(Vec::len).collect();
    let mut room: Vec<usize> = drafts.iter().map(|d| d.seats).collect();
    let mut flow = vec![0usize; (n + 1) * g];
    for &(_, h, j) in &pairs {
        let t = supply[h].min(room[j]);
        if t > 0 {
            supply[h] -= t;
            room[j] -= t;
            flow[h * g + j] += t;
        }
    }

    // Deal each home's people across its groups in proportion, so that the
    // best leaders and the key skills spread.
    let mut holders = vec![0usize; g];
    let mut reserve = Vec::new();
    for (h, list) in by_source.iter().enumerate() {
        let quota = &flow[h * g..(h + 1) * g];
        let sent: usize = quota.iter().sum();
        let targets: Vec<usize> = (0..g).filter(|&j| quota[j] > 0).collect();
        let mut given = vec![0usize; targets.len()];
        for &i in &list[..sent] {
            let skilled = people[i].key_skill().is_some();
            let pick = (0..targets.len()).filter(|&t| given[t] < quota[targets[t]]).min_by(|&a, &b| {
                let (qa, qb) = (quota[targets[a]], quota[targets[b]]);
                (given[a] * qb)
                    .cmp(&(given[b] * qa))
                    .then_with(|| if skilled { holders[targets[a]].cmp(&holders[targets[b]]) } else { Ordering::Equal })
                    .then(a.cmp(&b))
            });
            let Some(t) = pick else { break };
            given[t] += 1;
            drafts[targets[t]].members.push(i);
            if skilled {
                holders[targets[t]] += 1;
            }
        }
        reserve.extend(list[sent..].iter().map(|&i| (i, Reason::Surplus)));
    }
    reserve
}

/// Step 7: gives every group a holder of a key skill where the pool allows,
/// by the swap that moves people least far from home. Returns who was moved
/// for which skill.
fn spread_skills(
    people: &[Person],
    drafts: &mut [Draft],
    reserve: &mut [(usize, Reason)],
    reach: &Reach,
    notices: &mut Vec<Notice>,
) -> BTreeMap<usize, Skill> {
    let g = drafts.len();
    let skilled = |i: usize| people[i].key_skill().is_some();
    let mut holders: Vec<usize> = drafts.iter().map(|d| d.members.iter().filter(|&&i| skilled(i)).count()).collect();
    let mut moved = BTreeMap::new();
    for j in 0..g {
        if holders[j] > 0 || drafts[j].members.is_empty() {
            continue;
        }
        // Ties prefer another group's holder over one from the reserve.
        let mut best: Option<(i64, Donor, usize)> = None;
        let mut consider = |change: i64, donor: Donor, wi: usize| {
            if best.is_none_or(|(c, d, _)| (change, donor.is_reserve()) < (c, d.is_reserve())) {
                best = Some((change, donor, wi));
            }
        };
        for a in (0..g).filter(|&a| a != j && holders[a] >= 2) {
            for (ui, &u) in drafts[a].members.iter().enumerate().filter(|(_, u)| skilled(**u)) {
                for (wi, &w) in drafts[j].members.iter().enumerate() {
                    let (pu, pw) = (&people[u], &people[w]);
                    let change = reach.of(pu, j) + reach.of(pw, a) - reach.of(pu, a) - reach.of(pw, j);
                    consider(change, Donor::Group(a, ui), wi);
                }
            }
        }
        for (ri, &(u, _)) in reserve.iter().enumerate().filter(|(_, (u, _))| skilled(*u)) {
            for (wi, &w) in drafts[j].members.iter().enumerate() {
                consider(reach.of(&people[u], j) - reach.of(&people[w], j), Donor::Reserve(ri), wi);
            }
        }
        let Some((_, donor, wi)) = best else { continue };
        let w = drafts[j].members[wi];
        let u = match donor {
            Donor::Reserve(ri) => {
                let u = reserve[ri].0;
                let skill = people[u].key_skill().unwrap_or(Skill::Medical);
                reserve[ri] = (w, Reason::GaveWayForSkill { skill });
                u
            }
            Donor::Group(a, ui) => {
                let u = drafts[a].members[ui];
                drafts[a].members[ui] = w;
                holders[a] -= 1;
                u
            }
        };
        drafts[j].members[wi] = u;
        moved.insert(u, people[u].key_skill().unwrap_or(Skill::Medical));
        holders[j] += 1;
    }
    let lacking: Vec<u32> = (0..g).filter(|&j| holders[j] == 0).map(|j| count32(j + 1)).collect();
    if !lacking.is_empty() {
        let total = people.iter().filter(|p| p.key_skill().is_some()).count();
        notices.push(Notice::SkillLacking { groups: lacking, holders: count32(total) });
    }
    moved
}

/// Step 8: picks the leader and deputy and writes every member's reasons.
fn finish_group(
    j: usize,
    d: &Draft,
    people: &[Person],
    sites: &[Site],
    geo: &Geometry,
    moved_for_skill: &BTreeMap<usize, Skill>,
) -> ProposedGroup {
    let lives_in = |p: &Person| p.home.is_some_and(|h| d.sites.contains(&h));
    let mut ranked: Vec<usize> = d.members.clone();
    ranked.sort_by_key(|&i| people[i].leader_rank(lives_in(&people[i])));
    let mut members = Vec::with_capacity(ranked.len());
    for (pos, &i) in ranked.iter().enumerate() {
        let p = &people[i];
        let mut reasons = vec![location_reason(p, &d.sites, sites, geo)];
        if let Some(&skill) = moved_for_skill.get(&i) {
            reasons.push(Reason::SkillSpread { skill });
        }
        let role = match pos {
            0 => {
                let before = reasons.len();
                if p.experienced {
                    reasons.push(Reason::LeaderExperienced);
                }
                if kind_rank(p.kind) <= 2 {
                    reasons.push(Reason::LeaderByKind { volunteer_kind: p.kind });
                }
                if p.party {
                    reasons.push(Reason::LeaderPartyMember);
                }
                if lives_in(p) {
                    reasons.push(Reason::LeaderLivesInArea);
                }
                if reasons.len() == before {
                    reasons.push(Reason::LeaderByOrder);
                }
                GroupRole::Leader
            }
            1 => {
                reasons.push(Reason::DeputyNext);
                GroupRole::Deputy
            }
            _ => GroupRole::Member,
        };
        members.push(Placement { volunteer: p.key, role, reasons });
    }
    let mut group = ProposedGroup {
        number: count32(j + 1),
        compounds: d.sites.iter().map(|&s| sites[s].key).collect(),
        members,
        residents: d.residents,
    };
    normalize_group(&mut group);
    group
}

/// Where a key-skill holder comes from in a swap: (group, position) or a reserve position.
#[derive(Clone, Copy)]
enum Donor {
    Group(usize, usize),
    Reserve(usize),
}

impl Donor {
    fn is_reserve(self) -> bool {
        matches!(self, Donor::Reserve(_))
    }
}

fn location_reason(p: &Person, covered: &[usize], sites: &[Site], geo: &Geometry) -> Reason {
    let Some(h) = p.home else { return Reason::NoHomeInCommunity };
    if covered.contains(&h) {
        return Reason::HomeCompound { compound: sites[h].key };
    }
    let Some(&c) = covered.iter().min_by_key(|&&c| (geo.cost(h, c), c)) else {
        return Reason::Home { compound: sites[h].key };
    };
    let (home, compound, distance) = (sites[h].key, sites[c].key, geo.dist(h, c));
    if geo.is_near(h, c) {
        Reason::NearHome { home, compound, distance }
    } else {
        Reason::AwayFromHome { home, compound, distance }
    }
}

/// Leader first, then the deputy, then members by key.
fn normalize_group(group: &mut ProposedGroup) {
    group.members.sort_by_key(|p| (p.role.order(), p.volunteer));
}

// ---------------------------------------------------------------------------
// Hand edits

#[derive(Debug, Clone, Copy)]
enum Pos {
    Group(usize, usize),
    Reserve(usize),
}

/// What the reasons say about where someone lives.
#[derive(Clone, Copy)]
enum HomeFact {
    Known(u32),
    NoHome,
    Unknown,
}

fn home_fact(reasons: &[Reason]) -> HomeFact {
    for r in reasons {
        match r {
            Reason::HomeCompound { compound } | Reason::Home { compound } => return HomeFact::Known(*compound),
            Reason::NearHome { home, .. } | Reason::AwayFromHome { home, .. } => return HomeFact::Known(*home),
            Reason::NoHomeInCommunity => return HomeFact::NoHome,
            _ => {}
        }
    }
    HomeFact::Unknown
}

/// Reasons of someone moved by hand into a group covering `covers` (None for the reserve).
fn moved_reasons(home: HomeFact, covers: Option<&[u32]>, role: GroupRole) -> Vec<Reason> {
    let mut reasons = vec![Reason::MovedByHand];
    match home {
        HomeFact::Known(h) if covers.is_some_and(|c| c.contains(&h)) => {
            reasons.push(Reason::HomeCompound { compound: h })
        }
        HomeFact::Known(h) => reasons.push(Reason::Home { compound: h }),
        HomeFact::NoHome => reasons.push(Reason::NoHomeInCommunity),
        HomeFact::Unknown => {}
    }
    if role != GroupRole::Member {
        reasons.push(Reason::RoleByHand { role });
    }
    reasons
}

fn set_role(p: &mut Placement, role: GroupRole, why: Option<Reason>) {
    p.role = role;
    p.reasons.retain(|r| !r.is_role());
    p.reasons.extend(why);
    if p.reasons.is_empty() {
        p.reasons.push(Reason::MovedByHand);
    }
}

impl Proposal {
    fn position(&self, volunteer: u32) -> Option<Pos> {
        for (g, group) in self.groups.iter().enumerate() {
            if let Some(i) = group.members.iter().position(|p| p.volunteer == volunteer) {
                return Some(Pos::Group(g, i));
            }
        }
        self.reserve.iter().position(|p| p.volunteer == volunteer).map(Pos::Reserve)
    }

    /// The position, or why there is none.
    fn find(&self, volunteer: u32) -> Result<Pos, EditError> {
        self.position(volunteer).ok_or_else(|| {
            if self.excluded.iter().any(|e| e.volunteer == volunteer) {
                EditError::NotEligible(volunteer)
            } else {
                EditError::UnknownVolunteer(volunteer)
            }
        })
    }

    fn group_index(&self, number: u32) -> Result<usize, EditError> {
        self.groups.iter().position(|g| g.number == number).ok_or(EditError::UnknownGroup(number))
    }

    /// Where a volunteer stands: in which group and role, in reserve, or excluded.
    pub fn locate(&self, volunteer: u32) -> Option<Located> {
        match self.position(volunteer) {
            Some(Pos::Group(g, i)) => {
                Some(Located::Group { number: self.groups[g].number, role: self.groups[g].members[i].role })
            }
            Some(Pos::Reserve(_)) => Some(Located::Reserve),
            None => self.excluded.iter().find(|e| e.volunteer == volunteer).map(|e| Located::Excluded { why: e.why }),
        }
    }

    /// "Why is X in group 3": the place and every reason, in one sentence.
    pub fn explain(&self, volunteer: u32, lang: Lang, compound_name: &dyn Fn(u32) -> String) -> Option<String> {
        let sep = crate::i18n::t(lang, "text.clause_separator");
        let (place, reasons) = match self.position(volunteer)? {
            Pos::Group(g, i) => {
                let group = &self.groups[g];
                let (number, role) = (group.number, group.members[i].role.label(lang));
                (say!(lang, "explain.grouping.placed.in_group", number, role), &group.members[i].reasons)
            }
            Pos::Reserve(i) => (crate::i18n::t(lang, "explain.grouping.placed.in_reserve"), &self.reserve[i].reasons),
        };
        let why: Vec<String> = reasons.iter().map(|r| r.describe(lang, compound_name)).collect();
        Some(format!("{place}{}{}", crate::i18n::t(lang, "text.colon"), why.join(&sep)))
    }

    /// Whether no notice declares the request infeasible.
    pub fn is_feasible(&self) -> bool {
        !self.notices.iter().any(Notice::is_infeasibility)
    }

    /// Removes the placement at `pos`; a leader leaving hands over to the
    /// deputy, or else to the first member.
    fn take(&mut self, pos: Pos) -> Placement {
        match pos {
            Pos::Reserve(i) => self.reserve.remove(i),
            Pos::Group(g, i) => {
                let group = &mut self.groups[g];
                let taken = group.members.remove(i);
                if taken.role == GroupRole::Leader && !group.members.iter().any(|p| p.role == GroupRole::Leader) {
                    let next = group
                        .members
                        .iter()
                        .position(|p| p.role == GroupRole::Deputy)
                        .or_else(|| group.members.iter().position(|p| p.role == GroupRole::Member));
                    if let Some(n) = next {
                        set_role(&mut group.members[n], GroupRole::Leader, Some(Reason::Promoted));
                    }
                }
                normalize_group(group);
                taken
            }
        }
    }

    /// Moves a volunteer (from a group or the reserve) into group `to_group`.
    pub fn move_member(&mut self, volunteer: u32, to_group: u32) -> Result<(), EditError> {
        let to = self.group_index(to_group)?;
        let pos = self.find(volunteer)?;
        if let Pos::Group(g, _) = pos
            && g == to
        {
            return Err(EditError::AlreadyInGroup { volunteer, group: to_group });
        }
        let taken = self.take(pos);
        let home = home_fact(&taken.reasons);
        let group = &mut self.groups[to];
        let reasons = moved_reasons(home, Some(&group.compounds), GroupRole::Member);
        group.members.push(Placement { volunteer, role: GroupRole::Member, reasons });
        normalize_group(group);
        self.refresh_stats();
        Ok(())
    }

    /// Swaps two volunteers' places: each takes the other's group (or reserve
    /// place) and role, so every group keeps its leader and deputy.
    pub fn swap(&mut self, a: u32, b: u32) -> Result<(), EditError> {
        let pa = self.find(a)?;
        let pb = self.find(b)?;
        match (pa, pb) {
            _ if a == b => return Ok(()),
            (Pos::Reserve(_), Pos::Reserve(_)) => return Ok(()),
            (Pos::Group(ga, ia), Pos::Group(gb, ib)) if ga == gb => {
                let group = &mut self.groups[ga];
                let (ra, rb) = (group.members[ia].role, group.members[ib].role);
                let by_hand = |r: GroupRole| (r != GroupRole::Member).then_some(Reason::RoleByHand { role: r });
                set_role(&mut group.members[ia], rb, by_hand(rb));
                set_role(&mut group.members[ib], ra, by_hand(ra));
                normalize_group(group);
            }
            _ => {
                // Different containers: removing one leaves the other's index valid.
                let (role_a, role_b) = (self.role_at(pa), self.role_at(pb));
                let ta = self.raw_remove(pa);
                let tb = self.raw_remove(pb);
                self.put(pb, a, home_fact(&ta.reasons), role_b);
                self.put(pa, b, home_fact(&tb.reasons), role_a);
            }
        }
        self.refresh_stats();
        Ok(())
    }

    fn role_at(&self, pos: Pos) -> GroupRole {
        match pos {
            Pos::Group(g, i) => self.groups[g].members[i].role,
            Pos::Reserve(_) => GroupRole::Member,
        }
    }

    fn raw_remove(&mut self, pos: Pos) -> Placement {
        match pos {
            Pos::Group(g, i) => self.groups[g].members.remove(i),
            Pos::Reserve(i) => self.reserve.remove(i),
        }
    }

    /// Puts a volunteer where `pos` was (its container), with `role`.
    fn put(&mut self, pos: Pos, volunteer: u32, home: HomeFact, role: GroupRole) {
        match pos {
            Pos::Group(g, _) => {
                let group = &mut self.groups[g];
                let reasons = moved_reasons(home, Some(&group.compounds), role);
                group.members.push(Placement { volunteer, role, reasons });
                normalize_group(group);
            }
            Pos::Reserve(_) => {
                let reasons = moved_reasons(home, None, GroupRole::Member);
                self.reserve.push(Placement { volunteer, role: GroupRole::Member, reasons });
                self.reserve.sort_by_key(|p| p.volunteer);
            }
        }
    }

    /// Makes `volunteer` (already in the group) its leader; the previous
    /// leader becomes a member.
    pub fn set_leader(&mut self, group: u32, volunteer: u32) -> Result<(), EditError> {
        self.set_role_in(group, volunteer, GroupRole::Leader)
    }

    /// Makes `volunteer` (already in the group, not its leader) its deputy;
    /// the previous deputy becomes a member.
    pub fn set_deputy(&mut self, group: u32, volunteer: u32) -> Result<(), EditError> {
        self.set_role_in(group, volunteer, GroupRole::Deputy)
    }

    fn set_role_in(&mut self, number: u32, volunteer: u32, role: GroupRole) -> Result<(), EditError> {
        let g = self.group_index(number)?;
        let i = match self.find(volunteer)? {
            Pos::Group(at, i) if at == g => i,
            _ => return Err(EditError::NotInGroup { volunteer, group: number }),
        };
        let group = &mut self.groups[g];
        let current = group.members[i].role;
        if current == role {
            return Ok(());
        }
        if role == GroupRole::Deputy && current == GroupRole::Leader {
            return Err(EditError::IsLeader { volunteer, group: number });
        }
        for p in group.members.iter_mut().filter(|p| p.role == role) {
            set_role(p, GroupRole::Member, None);
        }
        set_role(&mut group.members[i], role, Some(Reason::RoleByHand { role }));
        normalize_group(group);
        self.refresh_stats();
        Ok(())
    }

    /// Takes a volunteer out of their group into the reserve.
    pub fn to_reserve(&mut self, volunteer: u32) -> Result<(), EditError> {
        let pos = self.find(volunteer)?;
        if let Pos::Reserve(_) = pos {
            return Err(EditError::AlreadyInReserve(volunteer));
        }
        let taken = self.take(pos);
        self.put(Pos::Reserve(0), volunteer, home_fact(&taken.reasons), GroupRole::Member);
        self.refresh_stats();
        Ok(())
    }

    /// Problems a committee should see before confirming: groups outside the
    /// size bounds, empty or without a leader, uncovered compounds, anyone
    /// placed twice or placed though excluded.
    pub fn check(&self, compounds: &[CompoundIn]) -> Vec<Problem> {
        let mut problems = Vec::new();
        let known: BTreeSet<u32> = compounds.iter().map(|c| c.key).collect();
        let mut covered = BTreeSet::new();
        for g in &self.groups {
            let group = g.number;
            if g.members.is_empty() {
                problems.push(Problem::EmptyGroup { group });
            } else {
                let leaders = g.members.iter().filter(|p| p.role == GroupRole::Leader).count();
                if leaders == 0 {
                    problems.push(Problem::GroupWithoutLeader { group });
                } else if leaders > 1 {
                    problems.push(Problem::SeveralLeaders { group });
                }
                let size = count32(g.members.len() - leaders.min(1));
                if size < u32::from(self.applied.min_members) {
                    problems.push(Problem::GroupTooSmall { group, size, min: self.applied.min_members });
                }
                if size > u32::from(self.applied.max_members) {
                    problems.push(Problem::GroupTooLarge { group, size, max: self.applied.max_members });
                }
            }
            if g.compounds.is_empty() {
                problems.push(Problem::GroupWithoutCompound { group });
            } else if g.compounds.len() > usize::from(self.applied.max_compounds) {
                let count = count32(g.compounds.len());
                problems.push(Problem::TooManyCompounds { group, count, max: self.applied.max_compounds });
            }
            for &compound in &g.compounds {
                if !known.contains(&compound) {
                    problems.push(Problem::UnknownCompound { group, compound });
                }
                covered.insert(compound);
            }
        }
        problems.extend(known.difference(&covered).map(|&compound| Problem::CompoundUncovered { compound }));

        let mut seen: BTreeMap<u32, u32> = BTreeMap::new();
        for p in self.groups.iter().flat_map(|g| &g.members).chain(&self.reserve) {
            *seen.entry(p.volunteer).or_default() += 1;
        }
        problems.extend(seen.iter().filter(|(_, n)| **n > 1).map(|(&volunteer, _)| Problem::PlacedTwice { volunteer }));
        let excluded: BTreeSet<u32> = self.excluded.iter().map(|e| e.volunteer).collect();
        problems.extend(
            seen.keys().filter(|v| excluded.contains(v)).map(|&volunteer| Problem::ExcludedPlaced { volunteer }),
        );
        problems
    }

    /// Recomputes the statistics from the groups and the reasons.
    fn refresh_stats(&mut self) {
        let s = &mut self.stats;
        (s.placed, s.in_home_compound, s.near_home, s.without_home) = (0, 0, 0, 0);
        let mut ratios = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            s.placed += count32(g.members.len());
            for r in g.members.iter().flat_map(|p| &p.reasons) {
                match r {
                    Reason::HomeCompound { .. } => s.in_home_compound += 1,
                    Reason::NearHome { .. } => s.near_home += 1,
                    Reason::NoHomeInCommunity => s.without_home += 1,
                    _ => {}
                }
            }
            if !g.members.is_empty() {
                ratios.push(f64::from(g.residents) / g.members.len() as f64);
            }
        }
        let (min, max, sum) = ratios
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY, 0.0), |(lo, hi, sum), &r| (lo.min(r), hi.max(r), sum + r));
        if ratios.is_empty() {
            (s.residents_per_volunteer_min, s.residents_per_volunteer_max, s.residents_per_volunteer_mean) =
                (0.0, 0.0, 0.0);
        } else {
            (s.residents_per_volunteer_min, s.residents_per_volunteer_max) = (min, max);
            s.residents_per_volunteer_mean = sum / ratios.len() as f64;
        }
    }
}

/// Why groups are not created or confirmed as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    PlacedTwice,
    LeaderNotMember,
    /// `name` is no longer verified, or is exempt, isolated or infected.
    CannotBeGrouped {
        name: String,
    },
    AlreadyInGroup {
        name: String,
    },
    CompoundsOnly,
    NotVerified {
        name: String,
    },
    /// The draft was confirmed or edited by someone else meanwhile.
    ProposalStale,
    /// Members per group or compounds per group out of bounds.
    BadParams,
    NoProposal,
    NotInProposal,
    /// A hand edit of the proposal that cannot be applied.
    Edit(EditError),
    NothingToConfirm,
    BranchNotInCommunity,
    CompoundNotInCommunity,
    GroupNotFound,
    CommunityNotFound,
    RegionNotFound,
    LeadersNotMembers,
    UnknownRole,
    RoleNotInCommunity,
    NoCompoundsOrFunctions,
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        use crate::i18n::{t, t_with};
        match self {
            Refusal::PlacedTwice => t(lang, "refusal.groups.placed_twice"),
            Refusal::LeaderNotMember => t(lang, "refusal.groups.leader_not_member"),
            Refusal::CannotBeGrouped { name } => t_with(lang, "refusal.groups.cannot_be_grouped", &[("name", name)]),
            Refusal::AlreadyInGroup { name } => t_with(lang, "refusal.groups.already_in_group", &[("name", name)]),
            Refusal::CompoundsOnly => t(lang, "refusal.groups.compounds_only"),
            Refusal::NotVerified { name } => t_with(lang, "refusal.groups.not_verified", &[("name", name)]),
            Refusal::ProposalStale => t(lang, "refusal.groups.proposal_stale"),
            Refusal::BadParams => t(lang, "refusal.groups.bad_params"),
            Refusal::NoProposal => t(lang, "refusal.groups.no_proposal"),
            Refusal::NotInProposal => t(lang, "refusal.groups.not_in_proposal"),
            Refusal::Edit(e) => e.describe(lang),
            Refusal::NothingToConfirm => t(lang, "refusal.groups.nothing_to_confirm"),
            Refusal::BranchNotInCommunity => t(lang, "refusal.groups.branch_not_in_community"),
            Refusal::CompoundNotInCommunity => t(lang, "refusal.groups.compound_not_in_community"),
            Refusal::GroupNotFound => t(lang, "refusal.groups.group_not_found"),
            Refusal::CommunityNotFound => t(lang, "refusal.groups.community_not_found"),
            Refusal::RegionNotFound => t(lang, "refusal.groups.region_not_found"),
            Refusal::LeadersNotMembers => t(lang, "refusal.groups.leaders_not_members"),
            Refusal::UnknownRole => t(lang, "refusal.groups.unknown_role"),
            Refusal::RoleNotInCommunity => t(lang, "refusal.groups.role_not_in_community"),
            Refusal::NoCompoundsOrFunctions => t(lang, "refusal.groups.no_compounds_or_functions"),
        }
    }
}

//! Who may do what (SPEC §2). One function, [`decide`], answers every
//! request: the role's permission on the resource and action, and that the
//! target lies inside the subtree of the region the role is bound to. The
//! table is tested cell by cell in `tests/domain/access_matrix.rs`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::region::RegionKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CityStaff,
    DistrictStaff,
    SubdistrictStaff,
    /// Secretary (书记) or director (主任) of a community committee.
    CommunityAdmin,
    SocialWorker,
    BranchSecretary,
    GroupLeader,
    GridChief,
    BuildingLeader,
    Volunteer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// The region tree and its counts (no personal data).
    Registry,
    Household,
    Resident,
    /// Importing a resident roster.
    Import,
    /// Exporting personal data to a file.
    Export,
    /// Accounts and roles.
    Users,
    AuditLog,
    /// Household links and their printed QR slips.
    HouseholdLink,
    /// Duty reports and volunteers (Reveal: a volunteer's phone).
    Volunteer,
    /// Branches, groups, key roles and the grouping proposal.
    Group,
    /// Tasks, sign-up sheets and rosters (Write: open and run them; a
    /// volunteer joins with Read, on their own behalf).
    Work,
    /// The community's whole task list and roster: who does what, everywhere
    /// (SPEC §2: a volunteer sees their own tasks and shifts, not these).
    WorkBoard,
    /// Consignments, their allocation, delivery runs, door records, the
    /// coverage list and the community's stocks (SPEC §4.5). Rooms and names
    /// on a run are Household reads; a volunteer sees them only while holding
    /// the run (decided by the supplies service, which knows the claims).
    Supplies,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Write,
    /// Show a masked field in full (requires a reason; logged).
    Reveal,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::CityStaff,
        Role::DistrictStaff,
        Role::SubdistrictStaff,
        Role::CommunityAdmin,
        Role::SocialWorker,
        Role::BranchSecretary,
        Role::GroupLeader,
        Role::GridChief,
        Role::BuildingLeader,
        Role::Volunteer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::CityStaff => "city_staff",
            Role::DistrictStaff => "district_staff",
            Role::SubdistrictStaff => "subdistrict_staff",
            Role::CommunityAdmin => "community_admin",
            Role::SocialWorker => "social_worker",
            Role::BranchSecretary => "branch_secretary",
            Role::GroupLeader => "group_leader",
            Role::GridChief => "grid_chief",
            Role::BuildingLeader => "building_leader",
            Role::Volunteer => "volunteer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim();
        Role::ALL.into_iter().find(|r| r.code() == s || r.label(Lang::Zh) == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Role::CityStaff => lang.pick("市级工作人员", "city staff"),
            Role::DistrictStaff => lang.pick("区级工作人员", "district staff"),
            Role::SubdistrictStaff => lang.pick("街道工作人员", "subdistrict staff"),
            Role::CommunityAdmin => lang.pick("居委书记/主任", "committee secretary / director"),
            Role::SocialWorker => lang.pick("社工", "social worker"),
            Role::BranchSecretary => lang.pick("临时党支部书记", "branch secretary"),
            Role::GroupLeader => lang.pick("党小组长", "group leader"),
            Role::GridChief => lang.pick("片长（网格长）", "grid chief"),
            Role::BuildingLeader => lang.pick("楼组长", "building leader"),
            Role::Volunteer => lang.pick("志愿者", "volunteer"),
        }
    }

    /// Above the community: sees roll-ups, not people, unless granted.
    pub fn is_upper_level(self) -> bool {
        matches!(self, Role::CityStaff | Role::DistrictStaff | Role::SubdistrictStaff)
    }

    /// The kinds of region this role can be bound to.
    pub fn scope_kinds(self) -> &'static [RegionKind] {
        match self {
            Role::CityStaff => &[RegionKind::City],
            Role::DistrictStaff => &[RegionKind::District],
            Role::SubdistrictStaff => &[RegionKind::Subdistrict],
            Role::CommunityAdmin | Role::SocialWorker | Role::BranchSecretary | Role::Volunteer => {
                &[RegionKind::Community]
            }
            Role::GroupLeader => &[RegionKind::Community, RegionKind::Grid, RegionKind::Compound],
            Role::GridChief => &[RegionKind::Grid, RegionKind::Community],
            Role::BuildingLeader => &[RegionKind::Building, RegionKind::Compound],
        }
    }

    /// Higher rank may appoint lower or equal rank (a secretary appoints the director).
    fn rank(self) -> u8 {
        match self {
            Role::CityStaff => 9,
            Role::DistrictStaff => 8,
            Role::SubdistrictStaff => 7,
            Role::CommunityAdmin => 6,
            Role::SocialWorker => 5,
            Role::BranchSecretary => 4,
            Role::GroupLeader | Role::GridChief => 3,
            Role::BuildingLeader => 2,
            Role::Volunteer => 1,
        }
    }

    /// Whether an account with this role may create or change an account with
    /// `other` (rank only; [`may_appoint_account`] adds the personal-data rules).
    pub fn may_appoint(self, other: Role) -> bool {
        decide_permission(self, false, Resource::Users, Action::Write) && other.rank() <= self.rank()
    }

    /// Whether an account (this role, `grant`) may create or change an
    /// account with `other` and `other_grant`: never one that has more than
    /// it has. Not a higher rank, not the personal-data grant it lacks, and,
    /// without sight of people itself, no role that sees people (an upper
    /// level without the grant cannot make itself a community admin to read
    /// residents by another route). The scope is checked by the caller
    /// (at or under its own).
    pub fn may_appoint_account(self, grant: bool, other: Role, other_grant: bool) -> bool {
        self.may_appoint(other)
            && (grant || !other_grant)
            && (sees_people(self, grant) || !sees_people(other, other_grant))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The permission table, without scope: role x resource x action.
/// `personal_grant` is the explicit grant that lets upper levels see people.
pub fn decide_permission(role: Role, personal_grant: bool, resource: Resource, action: Action) -> bool {
    use Action::*;
    use Resource::*;
    match role {
        Role::CityStaff | Role::DistrictStaff | Role::SubdistrictStaff => match (resource, action) {
            // Supplies: the books and coverage counts, without people.
            (Registry, Read) | (Users, Read | Write) | (AuditLog, Read) | (Supplies, Read) => true,
            // Lists of people on duty, like group lists: only with the grant.
            (WorkBoard, Read) => personal_grant,
            // Group lists name people: like residents, only with the explicit grant.
            (Household | Resident | Volunteer, Read | Reveal) | (Export | Group, Read) => personal_grant,
            _ => false,
        },
        Role::CommunityAdmin => true,
        Role::SocialWorker => matches!(
            (resource, action),
            (Registry, Read)
                | (Household, Read | Write)
                | (Resident, Read | Write | Reveal)
                | (Import, Write)
                | (HouseholdLink, Read | Write)
                | (Volunteer, Read | Write | Reveal)
                | (Group, Read | Write)
                | (Work, Read | Write)
                | (WorkBoard, Read)
                | (Supplies, Read | Write)
        ),
        // A branch secretary runs their branch's groups and a group leader
        // their own group (`verdict_in` with `Part`); both see the
        // community's groups and call their own members.
        Role::BranchSecretary => matches!(
            (resource, action),
            (Registry, Read)
                | (Household, Read)
                | (Resident, Read)
                | (Volunteer, Read | Reveal)
                | (Group, Read)
                | (Work, Read | Write)
                | (WorkBoard, Read)
                | (Supplies, Read | Write)
        ),
        Role::GroupLeader => matches!(
            (resource, action),
            (Registry, Read)
                | (Household, Read)
                | (Resident, Read)
                | (Volunteer, Read | Reveal)
                | (Group, Read)
                | (Work, Read | Write)
                | (WorkBoard, Read)
                | (Supplies, Read | Write)
        ),
        Role::GridChief | Role::BuildingLeader => matches!(
            (resource, action),
            (Registry, Read)
                | (Household, Read | Write)
                | (Resident, Read | Write | Reveal)
                | (HouseholdLink, Read | Write)
                | (Group, Read)
                | (Work, Read)
                | (WorkBoard, Read)
                | (Supplies, Read | Write)
        ),
        // Their own tasks, shifts and sheets; not the community's task list or
        // roster (WorkBoard); nothing of the registry.
        // Supplies Read: the runs to claim; the doors of a run only while holding it.
        Role::Volunteer => matches!((resource, action), (Work, Read) | (Supplies, Read)),
    }
}

/// How a request is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Inside the account's scope, but not for its role: a 403.
    Forbidden,
    /// Outside the account's scope: for this account it does not exist (a
    /// 404), so another community's ids tell nothing, not even that they exist.
    OutOfScope,
}

/// Which part of its community a request's target is to the account asking
/// (SPEC §2: a branch secretary manages their own branch, a group leader
/// their own group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Anything of the community that the account does not lead.
    Community,
    /// The branch the account's volunteer is secretary of, or a group of it.
    OwnBranch,
    /// The group the account's volunteer leads.
    OwnGroup,
}

/// [`verdict`] for a target that is a part of the community (a group, a
/// branch): what a role may do everywhere it may do there, and a branch
/// secretary or group leader may also run the structure of their own part
/// (its groups, members, roles and compounds), nothing beside it.
#[allow(clippy::too_many_arguments, reason = "decide's inputs and the part")]
pub fn verdict_in(
    role: Role,
    personal_grant: bool,
    scope_path: &str,
    resource: Resource,
    action: Action,
    target_path: &str,
    part: Part,
) -> Verdict {
    match verdict(role, personal_grant, scope_path, resource, action, target_path) {
        Verdict::Forbidden => {
            let own = match (role, resource, action) {
                (Role::BranchSecretary, Resource::Group, Action::Write) => part != Part::Community,
                (Role::GroupLeader, Resource::Group, Action::Write) => part == Part::OwnGroup,
                _ => false,
            };
            if own { Verdict::Allowed } else { Verdict::Forbidden }
        }
        v => v,
    }
}

/// Whether an account sees people's personal details at all (names, rooms,
/// tags, notes): what the audit log shows it is redacted otherwise.
pub fn sees_people(role: Role, personal_grant: bool) -> bool {
    [
        (Resource::Household, Action::Read),
        (Resource::Resident, Action::Read),
        (Resource::Volunteer, Action::Read),
        (Resource::Export, Action::Read),
        (Resource::Group, Action::Read),
        (Resource::WorkBoard, Action::Read),
    ]
    .into_iter()
    .any(|(resource, action)| decide_permission(role, personal_grant, resource, action))
}

/// `scope_path` and `target_path` are region code paths ("/sh/sh-hp/…/").
/// The target is in scope when it is the scope or below it. Upper levels
/// also read the path *above* their scope (to navigate to it) for `Registry`.
pub fn decide(
    role: Role,
    personal_grant: bool,
    scope_path: &str,
    resource: Resource,
    action: Action,
    target_path: &str,
) -> bool {
    verdict(role, personal_grant, scope_path, resource, action, target_path) == Verdict::Allowed
}

/// [`decide`], telling a target outside the scope from a refusal inside it.
pub fn verdict(
    role: Role,
    personal_grant: bool,
    scope_path: &str,
    resource: Resource,
    action: Action,
    target_path: &str,
) -> Verdict {
    let navigable = resource == Resource::Registry && action == Action::Read && scope_path.starts_with(target_path);
    if !target_path.starts_with(scope_path) && !navigable {
        Verdict::OutOfScope
    } else if decide_permission(role, personal_grant, resource, action) {
        Verdict::Allowed
    } else {
        Verdict::Forbidden
    }
}

/// Why an account is not created as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not 2 to 64 letters, digits, Chinese characters or `- _ . @`.
    BadUsername,
    /// The scope is not of a kind the role is bound to (`Role::scope_kinds`).
    WrongScope {
        role: Role,
    },
    UsernameTaken {
        username: String,
    },
    /// The account named does not exist.
    NoSuchAccount,
    /// What the request names lies outside the caller's scope (another
    /// community's record): answered as not found.
    NotInScope,
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        use crate::i18n::{t, t_with};
        match self {
            Refusal::BadUsername => t(lang, "refusal.accounts.bad_username"),
            Refusal::WrongScope { role } => {
                let separator = t(lang, "refusal.accounts.kinds_separator");
                let kinds: Vec<&str> = role.scope_kinds().iter().map(|k| k.label(lang)).collect();
                t_with(
                    lang,
                    "refusal.accounts.wrong_scope",
                    &[("role", &role.label(lang)), ("role_code", &role.code()), ("kinds", &kinds.join(&separator))],
                )
            }
            Refusal::UsernameTaken { username } => {
                t_with(lang, "refusal.accounts.username_taken", &[("username", username)])
            }
            Refusal::NoSuchAccount => t(lang, "refusal.accounts.no_such_account"),
            Refusal::NotInScope => t(lang, "scope.not_in_scope"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_codes_and_chinese_labels() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
            assert_eq!(Role::parse(r.label(Lang::Zh)), Some(r));
        }
        assert_eq!(Role::parse("king"), None);
    }

    #[test]
    fn appointing_goes_down_the_ranks_only() {
        assert!(Role::CommunityAdmin.may_appoint(Role::CommunityAdmin));
        assert!(Role::CommunityAdmin.may_appoint(Role::Volunteer));
        assert!(!Role::CommunityAdmin.may_appoint(Role::SubdistrictStaff));
        assert!(Role::DistrictStaff.may_appoint(Role::CommunityAdmin));
        assert!(!Role::SocialWorker.may_appoint(Role::Volunteer), "no account management");
        assert!(!Role::Volunteer.may_appoint(Role::Volunteer));
    }

    #[test]
    fn a_scope_is_a_subtree_and_ancestors_are_only_navigable() {
        let scope = "/sh/sh-hp/sh-hp-dpq/js/";
        let inside = "/sh/sh-hp/sh-hp-dpq/js/js.c01/js.c01.1/";
        let sibling = "/sh/sh-hp/sh-hp-dpq/jsx/";
        let above = "/sh/sh-hp/";
        assert!(decide(Role::CommunityAdmin, false, scope, Resource::Resident, Action::Read, inside));
        assert!(!decide(Role::CommunityAdmin, false, scope, Resource::Resident, Action::Read, sibling));
        assert!(decide(Role::CommunityAdmin, false, scope, Resource::Registry, Action::Read, above));
        assert!(!decide(Role::CommunityAdmin, false, scope, Resource::Household, Action::Read, above));
    }
}

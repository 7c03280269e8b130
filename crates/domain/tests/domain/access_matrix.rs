//! The access matrix of SPEC §2, every cell: role x resource x action, with
//! and without the explicit personal-data grant of upper levels. A cell not
//! listed in ALLOWED must be denied; a listed one must be allowed.

use shouwang_domain::access::{
    Action, Part, Resource, Role, Verdict, decide, decide_permission, sees_people, verdict, verdict_in,
};

const RESOURCES: [Resource; 13] = [
    Resource::Registry,
    Resource::Household,
    Resource::Resident,
    Resource::Import,
    Resource::Export,
    Resource::Users,
    Resource::AuditLog,
    Resource::HouseholdLink,
    Resource::Volunteer,
    Resource::Group,
    Resource::Work,
    Resource::WorkBoard,
    Resource::Supplies,
];
const ACTIONS: [Action; 3] = [Action::Read, Action::Write, Action::Reveal];

use Action::{Read as R, Reveal as V, Write as W};
use Resource::*;

/// (role, needs grant, resource, action): the allowed cells.
const ALLOWED: &[(Role, bool, Resource, Action)] = &[
    // Upper levels: the tree and roll-ups, accounts below them, the audit log.
    // People only with the explicit grant.
    (Role::CityStaff, false, Registry, R),
    (Role::CityStaff, false, Users, R),
    (Role::CityStaff, false, Users, W),
    (Role::CityStaff, false, AuditLog, R),
    (Role::CityStaff, false, Supplies, R),
    (Role::CityStaff, true, Household, R),
    (Role::CityStaff, true, Household, V),
    (Role::CityStaff, true, Resident, R),
    (Role::CityStaff, true, Resident, V),
    (Role::CityStaff, true, Export, R),
    (Role::CityStaff, true, Group, R),
    (Role::CityStaff, true, Volunteer, R),
    (Role::CityStaff, true, Volunteer, V),
    (Role::CityStaff, true, WorkBoard, R),
    (Role::DistrictStaff, false, Registry, R),
    (Role::DistrictStaff, false, Users, R),
    (Role::DistrictStaff, false, Users, W),
    (Role::DistrictStaff, false, AuditLog, R),
    (Role::DistrictStaff, false, Supplies, R),
    (Role::DistrictStaff, true, Household, R),
    (Role::DistrictStaff, true, Household, V),
    (Role::DistrictStaff, true, Resident, R),
    (Role::DistrictStaff, true, Resident, V),
    (Role::DistrictStaff, true, Export, R),
    (Role::DistrictStaff, true, Group, R),
    (Role::DistrictStaff, true, Volunteer, R),
    (Role::DistrictStaff, true, Volunteer, V),
    (Role::DistrictStaff, true, WorkBoard, R),
    (Role::SubdistrictStaff, false, Registry, R),
    (Role::SubdistrictStaff, false, Users, R),
    (Role::SubdistrictStaff, false, Users, W),
    (Role::SubdistrictStaff, false, AuditLog, R),
    (Role::SubdistrictStaff, false, Supplies, R),
    (Role::SubdistrictStaff, true, Household, R),
    (Role::SubdistrictStaff, true, Household, V),
    (Role::SubdistrictStaff, true, Resident, R),
    (Role::SubdistrictStaff, true, Resident, V),
    (Role::SubdistrictStaff, true, Export, R),
    (Role::SubdistrictStaff, true, Group, R),
    (Role::SubdistrictStaff, true, Volunteer, R),
    (Role::SubdistrictStaff, true, Volunteer, V),
    (Role::SubdistrictStaff, true, WorkBoard, R),
    // Social worker: day-to-day operations, no exports, accounts or audit.
    (Role::SocialWorker, false, Registry, R),
    (Role::SocialWorker, false, Household, R),
    (Role::SocialWorker, false, Household, W),
    (Role::SocialWorker, false, Resident, R),
    (Role::SocialWorker, false, Resident, W),
    (Role::SocialWorker, false, Resident, V),
    (Role::SocialWorker, false, Import, W),
    (Role::SocialWorker, false, HouseholdLink, R),
    (Role::SocialWorker, false, HouseholdLink, W),
    (Role::SocialWorker, false, Volunteer, R),
    (Role::SocialWorker, false, Volunteer, W),
    (Role::SocialWorker, false, Volunteer, V),
    (Role::SocialWorker, false, Group, R),
    (Role::SocialWorker, false, Group, W),
    (Role::SocialWorker, false, Work, R),
    (Role::SocialWorker, false, Work, W),
    (Role::SocialWorker, false, WorkBoard, R),
    (Role::SocialWorker, false, Supplies, R),
    (Role::SocialWorker, false, Supplies, W),
    // Branch secretary and group leader: see their part, masked.
    (Role::BranchSecretary, false, Registry, R),
    (Role::BranchSecretary, false, Household, R),
    (Role::BranchSecretary, false, Resident, R),
    (Role::BranchSecretary, false, Volunteer, R),
    (Role::BranchSecretary, false, Volunteer, V),
    (Role::BranchSecretary, false, Group, R),
    (Role::BranchSecretary, false, Work, R),
    (Role::BranchSecretary, false, Work, W),
    (Role::BranchSecretary, false, WorkBoard, R),
    (Role::BranchSecretary, false, Supplies, R),
    (Role::BranchSecretary, false, Supplies, W),
    (Role::GroupLeader, false, Registry, R),
    (Role::GroupLeader, false, Household, R),
    (Role::GroupLeader, false, Resident, R),
    (Role::GroupLeader, false, Volunteer, R),
    (Role::GroupLeader, false, Volunteer, V),
    (Role::GroupLeader, false, Group, R),
    (Role::GroupLeader, false, Work, R),
    (Role::GroupLeader, false, Work, W),
    (Role::GroupLeader, false, WorkBoard, R),
    (Role::GroupLeader, false, Supplies, R),
    (Role::GroupLeader, false, Supplies, W),
    // Grid chief and building leader: their residents, with reveal, and the door slips.
    (Role::GridChief, false, Registry, R),
    (Role::GridChief, false, Household, R),
    (Role::GridChief, false, Household, W),
    (Role::GridChief, false, Resident, R),
    (Role::GridChief, false, Resident, W),
    (Role::GridChief, false, Resident, V),
    (Role::GridChief, false, HouseholdLink, R),
    (Role::GridChief, false, HouseholdLink, W),
    (Role::GridChief, false, Group, R),
    (Role::GridChief, false, Work, R),
    (Role::GridChief, false, WorkBoard, R),
    (Role::GridChief, false, Supplies, R),
    (Role::GridChief, false, Supplies, W),
    (Role::BuildingLeader, false, Registry, R),
    (Role::BuildingLeader, false, Household, R),
    (Role::BuildingLeader, false, Household, W),
    (Role::BuildingLeader, false, Resident, R),
    (Role::BuildingLeader, false, Resident, W),
    (Role::BuildingLeader, false, Resident, V),
    (Role::BuildingLeader, false, HouseholdLink, R),
    (Role::BuildingLeader, false, HouseholdLink, W),
    (Role::BuildingLeader, false, Group, R),
    (Role::BuildingLeader, false, Work, R),
    (Role::BuildingLeader, false, WorkBoard, R),
    (Role::BuildingLeader, false, Supplies, R),
    (Role::BuildingLeader, false, Supplies, W),
    // Volunteers: their own work (tasks, sheets, shifts), not the community's
    // task list or roster (WorkBoard), nothing of the registry.
    (Role::Volunteer, false, Work, R),
    (Role::Volunteer, false, Supplies, R),
];

fn expected(role: Role, grant: bool, resource: Resource, action: Action) -> bool {
    // The community admin may do everything in the community.
    role == Role::CommunityAdmin
        || ALLOWED
            .iter()
            .any(|&(r, needs_grant, res, act)| r == role && res == resource && act == action && (!needs_grant || grant))
}

#[test]
fn every_cell_of_the_matrix() {
    let mut checked = 0;
    for role in Role::ALL {
        for grant in [false, true] {
            for resource in RESOURCES {
                for action in ACTIONS {
                    let want = expected(role, grant, resource, action);
                    let got = decide_permission(role, grant, resource, action);
                    assert_eq!(got, want, "{role:?} grant={grant} {resource:?} {action:?}");
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 10 * 2 * RESOURCES.len() * 3);
}

#[test]
fn a_volunteer_sees_nothing_of_the_registry() {
    // Their own work, and the supplies runs they may claim (a run's doors show
    // only while they hold it: the supplies service decides that).
    for resource in RESOURCES.into_iter().filter(|r| !matches!(r, Resource::Work | Resource::Supplies)) {
        for action in ACTIONS {
            assert!(!decide(Role::Volunteer, true, "/sh/", resource, action, "/sh/x/"), "{resource:?} {action:?}");
        }
    }
}

#[test]
fn every_allowed_cell_still_stops_at_the_scope() {
    let scope = "/sh/sh-hp/";
    let outside = "/sh/sh-pd/sh-pd-yj/ye/";
    for role in Role::ALL {
        for resource in RESOURCES {
            for action in ACTIONS {
                assert!(!decide(role, true, scope, resource, action, outside), "{role:?} {resource:?} {action:?}");
            }
        }
    }
}

/// Outside the scope is "not found" (404: another community's ids tell
/// nothing); inside it, a role without the right is "forbidden" (403).
#[test]
fn outside_the_scope_is_not_found_and_inside_it_forbidden() {
    let scope = "/wh/wh-jh/wh-jh-ws/sy/";
    let sibling = "/wh/wh-jh/wh-jh-ws/other/";
    let inside = "/wh/wh-jh/wh-jh-ws/sy/sy-yf/";
    for role in Role::ALL {
        for resource in RESOURCES {
            for action in ACTIONS {
                assert_eq!(verdict(role, true, scope, resource, action, sibling), Verdict::OutOfScope);
                let allowed = decide_permission(role, false, resource, action);
                let want = if allowed { Verdict::Allowed } else { Verdict::Forbidden };
                assert_eq!(
                    verdict(role, false, scope, resource, action, inside),
                    want,
                    "{role:?} {resource:?} {action:?}"
                );
            }
        }
    }
    // The way down to the scope stays navigable, nothing more.
    assert_eq!(verdict(Role::Volunteer, false, scope, Registry, R, "/wh/"), Verdict::Forbidden);
    assert_eq!(verdict(Role::CommunityAdmin, false, scope, Registry, R, "/wh/"), Verdict::Allowed);
    assert_eq!(verdict(Role::CommunityAdmin, false, scope, Resident, R, "/wh/"), Verdict::OutOfScope);
}

/// SPEC §2: a volunteer sees their own tasks and shifts, not the community's
/// task list and roster; every other community role does.
#[test]
fn only_a_volunteer_is_kept_from_the_communitys_task_list_and_roster() {
    for role in Role::ALL.into_iter().filter(|r| !r.is_upper_level()) {
        assert_eq!(decide_permission(role, false, WorkBoard, R), role != Role::Volunteer, "{role:?}");
    }
    assert!(decide_permission(Role::Volunteer, false, Work, R), "their own work");
}

/// Who sees people's personal details at all (else the audit log it reads is redacted).
#[test]
fn upper_levels_see_people_only_with_the_grant() {
    for role in Role::ALL {
        let want = !role.is_upper_level() && role != Role::Volunteer;
        assert_eq!(sees_people(role, false), want, "{role:?}");
        assert_eq!(sees_people(role, true), role != Role::Volunteer, "{role:?} with the grant");
    }
}

/// An account never makes one that has more than it has: not a higher rank,
/// not the grant it lacks, and without sight of people, no role that sees them.
#[test]
fn an_account_makes_no_account_with_more_than_it_has() {
    use Role::*;
    // (appointer, its grant, appointee, appointee's grant, allowed)
    let cases = [
        (DistrictStaff, false, SubdistrictStaff, false, true),
        (DistrictStaff, false, SubdistrictStaff, true, false),
        (DistrictStaff, false, CommunityAdmin, false, false),
        (DistrictStaff, false, SocialWorker, false, false),
        (DistrictStaff, false, GridChief, false, false),
        (DistrictStaff, false, Volunteer, false, true),
        (DistrictStaff, false, CityStaff, false, false),
        (DistrictStaff, true, CommunityAdmin, false, true),
        (DistrictStaff, true, SubdistrictStaff, true, true),
        (SubdistrictStaff, false, CommunityAdmin, false, false),
        (SubdistrictStaff, true, CommunityAdmin, false, true),
        (CommunityAdmin, false, CommunityAdmin, false, true),
        (CommunityAdmin, false, Volunteer, false, true),
        (CommunityAdmin, false, SubdistrictStaff, false, false),
        (CommunityAdmin, false, CommunityAdmin, true, false),
        (CommunityAdmin, true, CommunityAdmin, true, true),
        (SocialWorker, false, Volunteer, false, false),
        (Volunteer, false, Volunteer, false, false),
    ];
    for (by, grant, other, other_grant, want) in cases {
        assert_eq!(
            by.may_appoint_account(grant, other, other_grant),
            want,
            "{by:?}({grant}) -> {other:?}({other_grant})"
        );
    }
    // Exhaustively: whatever is allowed has no more rank, grant or sight of people.
    for by in Role::ALL {
        for grant in [false, true] {
            for other in Role::ALL {
                for other_grant in [false, true] {
                    if by.may_appoint_account(grant, other, other_grant) {
                        assert!(by.may_appoint(other));
                        assert!(grant || !other_grant);
                        assert!(sees_people(by, grant) || !sees_people(other, other_grant));
                    }
                }
            }
        }
    }
}

/// SPEC §2: a branch secretary manages their own branch, a group leader their
/// own group, and neither anything beside it; other roles are as the table says.
#[test]
fn a_secretary_runs_their_branch_and_a_leader_their_group_only() {
    let scope = "/wh/wh-jh/wh-jh-ws/sy/";
    let target = scope;
    let sibling = "/wh/wh-jh/wh-jh-ws/other/";
    let v = |role, part| verdict_in(role, false, scope, Group, W, target, part);
    assert_eq!(v(Role::BranchSecretary, Part::OwnBranch), Verdict::Allowed);
    assert_eq!(v(Role::BranchSecretary, Part::OwnGroup), Verdict::Allowed);
    assert_eq!(v(Role::BranchSecretary, Part::Community), Verdict::Forbidden);
    assert_eq!(v(Role::GroupLeader, Part::OwnGroup), Verdict::Allowed);
    assert_eq!(v(Role::GroupLeader, Part::OwnBranch), Verdict::Forbidden);
    assert_eq!(v(Role::GroupLeader, Part::Community), Verdict::Forbidden);
    assert_eq!(v(Role::Volunteer, Part::OwnGroup), Verdict::Forbidden);
    assert_eq!(v(Role::CommunityAdmin, Part::Community), Verdict::Allowed);
    // Another community's group is not found, whatever the account leads.
    assert_eq!(
        verdict_in(Role::BranchSecretary, false, scope, Group, W, sibling, Part::OwnBranch),
        Verdict::OutOfScope
    );
    // Only the structure of their part: no more over anything else.
    for role in Role::ALL {
        for grant in [false, true] {
            for resource in RESOURCES.into_iter().filter(|r| *r != Group) {
                for action in ACTIONS {
                    for part in [Part::OwnBranch, Part::OwnGroup] {
                        assert_eq!(
                            verdict_in(role, grant, scope, resource, action, target, part),
                            verdict(role, grant, scope, resource, action, target),
                            "{role:?} {resource:?} {action:?} {part:?}"
                        );
                    }
                }
            }
        }
    }
}

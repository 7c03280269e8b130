//! The access matrix of SPEC §2, every cell: role x resource x action, with
//! and without the explicit personal-data grant of upper levels. A cell not
//! listed in ALLOWED must be denied; a listed one must be allowed.

use shouwang_domain::access::{Action, Resource, Role, decide, decide_permission};

const RESOURCES: [Resource; 11] = [
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
    (Role::CityStaff, true, Household, R),
    (Role::CityStaff, true, Household, V),
    (Role::CityStaff, true, Resident, R),
    (Role::CityStaff, true, Resident, V),
    (Role::CityStaff, true, Export, R),
    (Role::CityStaff, true, Group, R),
    (Role::CityStaff, true, Volunteer, R),
    (Role::CityStaff, true, Volunteer, V),
    (Role::DistrictStaff, false, Registry, R),
    (Role::DistrictStaff, false, Users, R),
    (Role::DistrictStaff, false, Users, W),
    (Role::DistrictStaff, false, AuditLog, R),
    (Role::DistrictStaff, true, Household, R),
    (Role::DistrictStaff, true, Household, V),
    (Role::DistrictStaff, true, Resident, R),
    (Role::DistrictStaff, true, Resident, V),
    (Role::DistrictStaff, true, Export, R),
    (Role::DistrictStaff, true, Group, R),
    (Role::DistrictStaff, true, Volunteer, R),
    (Role::DistrictStaff, true, Volunteer, V),
    (Role::SubdistrictStaff, false, Registry, R),
    (Role::SubdistrictStaff, false, Users, R),
    (Role::SubdistrictStaff, false, Users, W),
    (Role::SubdistrictStaff, false, AuditLog, R),
    (Role::SubdistrictStaff, true, Household, R),
    (Role::SubdistrictStaff, true, Household, V),
    (Role::SubdistrictStaff, true, Resident, R),
    (Role::SubdistrictStaff, true, Resident, V),
    (Role::SubdistrictStaff, true, Export, R),
    (Role::SubdistrictStaff, true, Group, R),
    (Role::SubdistrictStaff, true, Volunteer, R),
    (Role::SubdistrictStaff, true, Volunteer, V),
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
    // Branch secretary and group leader: see their part, masked.
    (Role::BranchSecretary, false, Registry, R),
    (Role::BranchSecretary, false, Household, R),
    (Role::BranchSecretary, false, Resident, R),
    (Role::BranchSecretary, false, Volunteer, R),
    (Role::BranchSecretary, false, Volunteer, V),
    (Role::BranchSecretary, false, Group, R),
    (Role::BranchSecretary, false, Group, W),
    (Role::BranchSecretary, false, Work, R),
    (Role::BranchSecretary, false, Work, W),
    (Role::GroupLeader, false, Registry, R),
    (Role::GroupLeader, false, Household, R),
    (Role::GroupLeader, false, Resident, R),
    (Role::GroupLeader, false, Volunteer, R),
    (Role::GroupLeader, false, Volunteer, V),
    (Role::GroupLeader, false, Group, R),
    (Role::GroupLeader, false, Work, R),
    (Role::GroupLeader, false, Work, W),
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
    // Volunteers: their own work (tasks, sheets, shifts), nothing of the registry.
    (Role::Volunteer, false, Work, R),
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
    assert_eq!(checked, 10 * 2 * 11 * 3);
}

#[test]
fn a_volunteer_sees_nothing_of_the_registry() {
    for resource in RESOURCES.into_iter().filter(|r| *r != Resource::Work) {
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

//! Duty reports, groups, key roles and hand-overs, on SQLite (and on
//! PostgreSQL when SHOUWANG_TEST_POSTGRES_URL is set).

use crate::common::*;
use shouwang_db::mobilisation::*;
use shouwang_db::registry::{add_region, community_by_code};
use shouwang_db::{Db, audit};
use shouwang_domain::{
    Availability, BranchKind, DutyStatus, ExemptReason, GroupFunctionSet, HealthStatus, KeyRoleKind, Lang, RegionKind,
    Skill, SkillSet, VolunteerKind,
};
use uuid::Uuid;

fn entry(action: &'static str) -> audit::Entry {
    audit::Entry {
        user_id: None,
        username: "test".into(),
        action,
        target_kind: "volunteer",
        target_id: None,
        region_path: None,
        detail: serde_json::json!({}),
        peer: None,
    }
}

fn report(name: &str, phone: &str, home: Option<Uuid>) -> DutyReport {
    DutyReport {
        name: name.into(),
        phone: phone.into(),
        home_compound_id: home,
        home_building_id: None,
        kind: VolunteerKind::NearbyMember,
        work_unit: None,
        party_org: Some("某局机关党支部".into()),
        skills: SkillSet::empty(),
        availability: Availability::empty(),
        preferred_posts: GroupFunctionSet::empty(),
        experienced: false,
        exempt: None,
        note: None,
        source: "form",
    }
}

async fn setup() -> (shouwang_db::testing::TestDb, Uuid, Uuid, Uuid) {
    let t = with_community().await;
    let yf = add_region(&t.db, RegionKind::Compound, &code("sy-yf"), "云飞雅苑", Some(&code("sy"))).await.unwrap();
    let lt = add_region(&t.db, RegionKind::Compound, &code("sy-lt"), "蓝天花园", Some(&code("sy"))).await.unwrap();
    let sy = community_by_code(&t.db.read, &code("sy")).await.unwrap();
    (t, sy.id, yf.id, lt.id)
}

async fn verified(db: &Db, community: Uuid, n: usize, home: Uuid) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r = report(
            &format!("党员{i}"),
            &format!("139{:08}", 10_000 + i + home.as_u128() as usize % 1000 * 100),
            Some(home),
        );
        ids.push(report_for_duty(db, community, &r, entry("duty.report")).await.unwrap().id());
    }
    review(db, community, &ids, &Review::Verify, None, entry("duty.verify")).await.unwrap();
    ids
}

#[tokio::test]
async fn a_second_report_from_the_same_phone_merges() {
    let (t, sy, yf, _) = setup().await;
    let db = &t.db;
    let first = report_for_duty(db, sy, &report("夏双喜", "13900001111", None), entry("duty.report")).await.unwrap();
    assert!(matches!(first, ReportOutcome::Created(_)));
    let mut again = report("夏双喜", "13900001111", Some(yf));
    again.skills.insert(Skill::Driving);
    let second = report_for_duty(db, sy, &again, entry("duty.report")).await.unwrap();
    assert_eq!(second, ReportOutcome::Merged(first.id()));
    let all = list_volunteers(&db.read, sy, &VolunteerFilter::default()).await.unwrap();
    assert_eq!(all.len(), 1);
    let v = &all[0].volunteer;
    assert_eq!(v.home_compound_id, Some(yf), "a blank answer is filled by the later report");
    assert!(SkillSet::from_codes(&v.skills).contains(Skill::Driving));
    assert_eq!(v.status, "reported");
}

#[tokio::test]
async fn review_verifies_rejects_and_exempts_and_counts_roll_up() {
    let (t, sy, yf, _) = setup().await;
    let db = &t.db;
    let ids = verified(db, sy, 3, yf).await;
    let pending = report_for_duty(db, sy, &report("待审", "13700000001", None), entry("r")).await.unwrap().id();
    let police = report_for_duty(
        db,
        sy,
        &DutyReport { exempt: Some(ExemptReason::OnDutyPolice), ..report("民警", "13700000002", None) },
        entry("r"),
    )
    .await
    .unwrap()
    .id();
    review(db, sy, &[ids[2]], &Review::Reject("不住本社区".into()), None, entry("duty.reject")).await.unwrap();
    let rejected = volunteer_by_id(&db.read, ids[2]).await.unwrap().unwrap();
    assert_eq!((rejected.status.as_str(), rejected.reject_reason.as_deref()), ("rejected", Some("不住本社区")));
    assert_eq!(volunteer_by_id(&db.read, police).await.unwrap().unwrap().status, "exempt");

    create_groups(
        db,
        sy,
        &[GroupSpec { compounds: vec![yf], members: ids[..2].to_vec(), leader: Some(ids[0]), ..Default::default() }],
        None,
        entry("group.create"),
    )
    .await
    .unwrap();
    let counts = counts_by_community(&db.read).await.unwrap()[&sy];
    assert_eq!(counts_of(&db.read, sy).await.unwrap(), counts, "one community's counts alone are the same");
    assert_eq!(
        counts,
        MobilisationCounts { reported: 5, verified: 2, exempt: 1, rejected: 1, grouped: 2, groups: 1, unwell: 0 }
    );
    let filter = VolunteerFilter { status: Some(DutyStatus::Reported), ..Default::default() };
    let inbox = list_volunteers(&db.read, sy, &filter).await.unwrap();
    assert_eq!(inbox.iter().map(|r| r.volunteer.id).collect::<Vec<_>>(), vec![pending]);
    let ungrouped = VolunteerFilter { grouped: Some(false), status: Some(DutyStatus::Verified), ..Default::default() };
    assert!(list_volunteers(&db.read, sy, &ungrouped).await.unwrap().is_empty());
}

#[tokio::test]
async fn nobody_is_placed_in_two_groups_and_a_refused_confirmation_changes_nothing() {
    let (t, sy, yf, lt) = setup().await;
    let db = &t.db;
    let ids = verified(db, sy, 4, yf).await;
    let spec = |members: &[Uuid], c: Uuid| GroupSpec {
        compounds: vec![c],
        members: members.to_vec(),
        leader: Some(members[0]),
        deputy: Some(members[1]),
        ..Default::default()
    };
    // The same person in two groups of one proposal.
    let err = create_groups(db, sy, &[spec(&ids[..2], yf), spec(&ids[1..3], lt)], None, entry("g")).await.unwrap_err();
    assert!(err.message(Lang::Zh).contains("两个小组"), "{err}");
    create_groups(db, sy, &[spec(&ids[..2], yf)], None, entry("g")).await.unwrap();
    // Someone already grouped: the whole batch is refused, the first group is not created.
    let err = create_groups(db, sy, &[spec(&ids[2..4], lt), spec(&ids[..2], lt)], None, entry("g")).await.unwrap_err();
    assert!(err.message(Lang::Zh).contains("已在另一个小组"), "{err}");
    let groups = groups_of_community(&db.read, sy).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].group.name, "第1小组");
    assert_eq!(groups[0].leader_id(), Some(ids[0]));
    assert_eq!(groups[0].members[0].id, ids[0], "the leader comes first on the list");
    // The deputy backs the leader up.
    assert_eq!(groups[0].leader.as_ref().unwrap().backup.as_ref().map(|v| v.id), Some(ids[1]));
}

#[tokio::test]
async fn an_isolated_leader_hands_over_to_the_backup_and_it_is_logged() {
    let (t, sy, yf, _) = setup().await;
    let db = &t.db;
    let ids = verified(db, sy, 3, yf).await;
    let gid = create_groups(
        db,
        sy,
        &[GroupSpec {
            compounds: vec![yf],
            members: ids.clone(),
            leader: Some(ids[0]),
            deputy: Some(ids[1]),
            ..Default::default()
        }],
        None,
        entry("g"),
    )
    .await
    .unwrap()[0];
    let branch = create_branch(
        db,
        sy,
        "第二临时党支部",
        BranchKind::NearbyMembers,
        time::macros::date!(2022 - 03 - 05),
        &ids,
        Some(ids[0]),
        None,
        None,
        entry("branch.create"),
    )
    .await
    .unwrap();

    let changes = set_health(db, sy, ids[0], HealthStatus::Isolated, None, entry("volunteer.health")).await.unwrap();
    assert_eq!(changes.len(), 2);
    let leader = changes.iter().find(|h| h.subject_id == gid && h.kind == "group_leader").unwrap();
    assert_eq!(leader.to, Some(ids[1]), "the backup takes the group");
    let secretary = changes.iter().find(|h| h.subject_id == branch).unwrap();
    assert_eq!(secretary.to, None, "no backup: the role is vacant and shown as such");

    let groups = groups_of_community(&db.read, sy).await.unwrap();
    assert_eq!(groups[0].leader_id(), Some(ids[1]));
    let open = roles_needing_people(&db.read, sy).await.unwrap();
    assert!(open.iter().any(|r| r.subject_id == branch && r.holder_id.is_none()));
    assert!(open.iter().any(|r| r.subject_id == gid && r.kind == "group_leader" && r.backup_id.is_none()));
    let log = handovers(&db.read, sy, 10).await.unwrap();
    assert!(
        log.iter().any(|h| h.from_volunteer == Some(ids[0]) && h.to_volunteer == Some(ids[1]) && h.cause == "isolated")
    );

    // Isolated people cannot be appointed; recovering does not take the role back silently.
    let err = set_key_role(db, sy, KeyRoleKind::BranchSecretary, branch, Some(ids[0]), None, None, entry("role"))
        .await
        .unwrap_err();
    assert!(err.message(Lang::Zh).contains("隔离"));
    set_health(db, sy, ids[0], HealthStatus::Recovered, None, entry("volunteer.health")).await.unwrap();
    assert_eq!(groups_of_community(&db.read, sy).await.unwrap()[0].leader_id(), Some(ids[1]));
    let counts = counts_by_community(&db.read).await.unwrap()[&sy];
    assert_eq!(counts.unwell, 0);
}

#[tokio::test]
async fn compounds_know_their_residents_positions_and_neighbours() {
    let (t, sy, yf, lt) = setup().await;
    let db = &t.db;
    let community = community_by_code(&db.read, &code("sy")).await.unwrap();
    set_compound_place(db, &community.path, yf, Some((0.0, 120.5)), &[lt], entry("compound.place")).await.unwrap();
    let compounds = compounds_of_community(&db.read, &community).await.unwrap();
    let by_code = |c: &str| compounds.iter().find(|x| x.code == c).unwrap().clone();
    assert_eq!(by_code("sy-yf").position, Some((0.0, 120.5)));
    assert_eq!(by_code("sy-yf").neighbours, vec![lt]);
    assert_eq!(by_code("sy-lt").neighbours, vec![yf], "adjacency is stored both ways");
    assert_eq!(by_code("sy-lt").position, None);
    let _ = sy;
}

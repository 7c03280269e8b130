//! Tasks and claims on SQLite (and on PostgreSQL when
//! SHOUWANG_TEST_POSTGRES_URL is set): the chain of dispatch, the state
//! machine with its history, idempotent repeats, and claims that one
//! statement gives to exactly one volunteer.

use crate::common::*;
use shouwang_db::mobilisation::*;
use shouwang_db::registry::community_by_code;
use shouwang_db::tasks::*;
use shouwang_db::{Db, audit};
use shouwang_domain::task::{Priority, TaskAction, TaskKind, TaskState, WorkKind};
use shouwang_domain::{Availability, GroupFunctionSet, SkillSet, VolunteerKind};
use uuid::Uuid;

fn entry(action: &'static str) -> audit::Entry {
    audit::Entry {
        user_id: None,
        username: "test".into(),
        action,
        target_kind: "task",
        target_id: None,
        region_path: None,
        detail: serde_json::json!({}),
        peer: None,
    }
}

fn actor(n: u128) -> Actor {
    Actor { user_id: Some(Uuid::from_u128(n)), name: format!("user{n}") }
}

async fn volunteers(db: &Db, community: Uuid, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r = DutyReport {
            name: format!("党员{i:02}"),
            phone: format!("139{:08}", 20_000 + i),
            home_compound_id: None,
            home_building_id: None,
            kind: VolunteerKind::NearbyMember,
            work_unit: None,
            party_org: None,
            skills: SkillSet::empty(),
            availability: Availability::empty(),
            preferred_posts: GroupFunctionSet::empty(),
            experienced: false,
            exempt: None,
            note: None,
            source: "form",
        };
        ids.push(report_for_duty(db, community, &r, entry("duty.report")).await.unwrap().id());
    }
    review(db, community, &ids, &Review::Verify, None, entry("duty.verify")).await.unwrap();
    ids
}

fn new_task(title: &str) -> NewTask {
    NewTask {
        title: title.into(),
        kind: TaskKind::SupplyDelivery,
        place_region_id: None,
        place_text: Some("3号门".into()),
        starts_at: None,
        ends_at: None,
        headcount: 8,
        priority: Priority::Urgent,
        skills: String::new(),
        signup_sheet_id: None,
    }
}

async fn setup() -> (shouwang_db::testing::TestDb, Uuid) {
    let t = with_community().await;
    let sy = community_by_code(&t.db.read, &code("sy")).await.unwrap();
    (t, sy.id)
}

#[tokio::test]
async fn a_task_goes_down_the_chain_and_every_step_is_recorded() {
    let (t, sy) = setup().await;
    let db = &t.db;
    let ids = volunteers(db, sy, 3).await;
    let spec = GroupSpec { members: ids.clone(), leader: Some(ids[0]), ..Default::default() };
    let group = create_groups(db, sy, &[spec], None, entry("group")).await.unwrap()[0];
    let task = create_task(db, sy, new_task("蔬菜包卸货"), &actor(1), entry("task_create")).await.unwrap();
    assert_eq!(task.state, "open");

    dispatch(db, task.community_id, task.id, None, Some((group, "第1组".into())), &actor(1), entry("d")).await.unwrap();
    // The same dispatch again records nothing.
    dispatch(db, task.community_id, task.id, None, Some((group, "第1组".into())), &actor(1), entry("d")).await.unwrap();
    assert_eq!(assign(db, task.community_id, task.id, &ids[1..], &actor(2), entry("a")).await.unwrap(), 2);
    assert_eq!(
        assign(db, task.community_id, task.id, &ids[1..], &actor(2), entry("a")).await.unwrap(),
        0,
        "nobody twice"
    );
    assert_eq!(task_by_id(&db.read, task.id).await.unwrap().unwrap().state, "assigned");

    let done =
        change_state(db, task.community_id, task.id, TaskAction::Finish, None, &actor(3), entry("s")).await.unwrap();
    assert_eq!(done, Changed { state: TaskState::Done, changed: true });
    let again =
        change_state(db, task.community_id, task.id, TaskAction::Finish, None, &actor(3), entry("s")).await.unwrap();
    assert_eq!(again, Changed { state: TaskState::Done, changed: false }, "a double tap is answered, not repeated");
    let own = change_state(db, task.community_id, task.id, TaskAction::Check, None, &actor(3), entry("s")).await;
    assert!(own.is_err(), "the one who marked it done cannot check it");
    change_state(db, task.community_id, task.id, TaskAction::Check, None, &actor(4), entry("s")).await.unwrap();

    let whats: Vec<String> = events(&db.read, task.id).await.unwrap().into_iter().map(|e| e.what).collect();
    assert_eq!(whats, ["created", "dispatch_group", "assign", "assign", "state", "state", "state"]);
    let t = task_by_id(&db.read, task.id).await.unwrap().unwrap();
    assert_eq!((t.state.as_str(), t.done_by, t.checked_by), ("checked", actor(3).user_id, actor(4).user_id));
    assert_eq!(assignees(&db.read, task.id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn could_not_complete_needs_a_reason_and_impossible_moves_are_refused() {
    let (t, sy) = setup().await;
    let db = &t.db;
    let task = create_task(db, sy, new_task("消杀"), &actor(1), entry("c")).await.unwrap();
    assert!(
        change_state(db, task.community_id, task.id, TaskAction::Fail, Some("  "), &actor(1), entry("s"))
            .await
            .is_err()
    );
    assert!(
        change_state(db, task.community_id, task.id, TaskAction::Check, None, &actor(1), entry("s")).await.is_err()
    );
    let c =
        change_state(db, task.community_id, task.id, TaskAction::Fail, Some("楼栋封控进不去"), &actor(1), entry("s"))
            .await
            .unwrap();
    assert_eq!(c.state, TaskState::CouldNotComplete);
    let t = task_by_id(&db.read, task.id).await.unwrap().unwrap();
    assert_eq!(t.reason.as_deref(), Some("楼栋封控进不去"));
    assert_eq!(tasks_of_community(&db.read, sy, Some(TaskState::CouldNotComplete)).await.unwrap().len(), 1);
    assert!(tasks_of_community(&db.read, sy, Some(TaskState::Open)).await.unwrap().is_empty());
}

#[tokio::test]
async fn claims_extend_release_and_hand_over() {
    let (t, sy) = setup().await;
    let db = &t.db;
    let ids = volunteers(db, sy, 2).await;
    let task = create_task(db, sy, new_task("送药"), &actor(1), entry("c")).await.unwrap();
    let hour = time::Duration::hours(1);
    let ClaimOutcome::Held { claim: c, repeated: false } =
        claim(db, sy, WorkKind::Task, task.id, ids[0], hour, &actor(1), time::OffsetDateTime::now_utc()).await.unwrap()
    else {
        panic!("the first claim holds")
    };
    // A retry by the holder answers the same claim; another volunteer is refused.
    let again =
        claim(db, sy, WorkKind::Task, task.id, ids[0], hour, &actor(1), time::OffsetDateTime::now_utc()).await.unwrap();
    assert!(matches!(again, ClaimOutcome::Held { ref claim, repeated: true } if claim.id == c.id));
    let other =
        claim(db, sy, WorkKind::Task, task.id, ids[1], hour, &actor(2), time::OffsetDateTime::now_utc()).await.unwrap();
    assert!(matches!(other, ClaimOutcome::Taken { by, .. } if by == ids[0]));
    // Extend: max(expires_at, now) + 30 min.
    let longer = extend(db, c.id, ids[0], time::Duration::minutes(30), &actor(1), time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert!(longer.expires_at >= c.expires_at + time::Duration::minutes(30) - time::Duration::seconds(1));
    assert!(
        extend(db, c.id, ids[1], hour, &actor(2), time::OffsetDateTime::now_utc()).await.is_err(),
        "only the holder extends"
    );
    // Hand over to the second volunteer: still exactly one live claim.
    let next = hand_over(db, c.id, ids[0], ids[1], &actor(1), time::OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!(live_claims_on(&db.read, WorkKind::Task, task.id).await.unwrap(), 1);
    assert_eq!(next.expires_at, longer.expires_at);
    assert_eq!(tasks_of_volunteer(&db.read, ids[1], time::OffsetDateTime::now_utc()).await.unwrap().len(), 1);
    assert!(release(db, next.id, ids[1], &actor(2)).await.unwrap());
    assert!(!release(db, next.id, ids[1], &actor(2)).await.unwrap(), "a second release changes nothing");
    assert_eq!(live_claims_on(&db.read, WorkKind::Task, task.id).await.unwrap(), 0);
    let whats: Vec<String> = events(&db.read, task.id).await.unwrap().into_iter().map(|e| e.what).collect();
    assert_eq!(whats, ["created", "claim", "extend", "hand_over", "release"]);
}

#[tokio::test]
async fn an_expired_claim_frees_the_work() {
    let (t, sy) = setup().await;
    let db = &t.db;
    let ids = volunteers(db, sy, 2).await;
    let run = Uuid::now_v7();
    let gone = time::Duration::seconds(-5);
    let first = claim(db, sy, WorkKind::BuildingRun, run, ids[0], gone, &actor(1), time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert!(matches!(first, ClaimOutcome::Held { .. }));
    assert!(live_claim(&db.read, WorkKind::BuildingRun, run, time::OffsetDateTime::now_utc()).await.unwrap().is_none());
    let second = claim(
        db,
        sy,
        WorkKind::BuildingRun,
        run,
        ids[1],
        time::Duration::hours(1),
        &actor(2),
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert!(matches!(second, ClaimOutcome::Held { ref claim, .. } if claim.volunteer_id == ids[1]));
    assert_eq!(live_claims_on(&db.read, WorkKind::BuildingRun, run).await.unwrap(), 1);
}

#[tokio::test]
async fn an_expired_claim_is_not_extended() {
    let (t, sy) = setup().await;
    let db = &t.db;
    let ids = volunteers(db, sy, 1).await;
    let run = Uuid::now_v7();
    let ClaimOutcome::Held { claim: c, .. } = claim(
        db,
        sy,
        WorkKind::BuildingRun,
        run,
        ids[0],
        time::Duration::seconds(-5),
        &actor(1),
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap() else {
        panic!("held")
    };
    let refused = extend(db, c.id, ids[0], time::Duration::hours(1), &actor(1), time::OffsetDateTime::now_utc()).await;
    assert!(
        matches!(&refused, Err(shouwang_db::DbError::Invalid(r)) if r.message(shouwang_domain::Lang::En).contains("expired")),
        "{refused:?}"
    );
    assert!(live_claim(&db.read, WorkKind::BuildingRun, run, time::OffsetDateTime::now_utc()).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_simultaneous_claims_leave_exactly_one_live_claim() {
    let (t, sy) = setup().await;
    let db = t.db.clone();
    let ids = volunteers(&db, sy, 100).await;
    let run = Uuid::now_v7();
    let mut handles = Vec::new();
    for (i, v) in ids.iter().enumerate() {
        let db = db.clone();
        let v = *v;
        handles.push(tokio::spawn(async move {
            claim(
                &db,
                sy,
                WorkKind::BuildingRun,
                run,
                v,
                time::Duration::hours(1),
                &actor(i as u128),
                time::OffsetDateTime::now_utc(),
            )
            .await
        }));
    }
    let mut held = 0;
    let mut taken = 0;
    for h in handles {
        match h.await.unwrap().unwrap() {
            ClaimOutcome::Held { .. } => held += 1,
            ClaimOutcome::Taken { .. } => taken += 1,
        }
    }
    assert_eq!((held, taken), (1, 99));
    assert_eq!(live_claims_on(&db.read, WorkKind::BuildingRun, run).await.unwrap(), 1);
}

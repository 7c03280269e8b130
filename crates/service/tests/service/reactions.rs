//! "A volunteer can no longer serve" is one reaction in one transaction: the
//! change, their key roles to the backup, their future shifts reopened and
//! offered to others, their live claims and open tasks to the backup (or
//! released with the cause). A failure halfway changes nothing.

use shouwang_db::entity::region;
use shouwang_db::mobilisation::{self as mob, DutyReport, GroupSpec, Review};
use shouwang_db::registry::{add_region, community_by_code};
use shouwang_db::rosters::{self as roster_store, NewPost, NewShift};
use shouwang_db::tasks::{self as task_store, NewTask};
use shouwang_db::testing::TestDb;
use shouwang_db::{Backend, ConnectionTrait, audit};
use shouwang_domain::roster::MINUTES_PER_DAY;
use shouwang_domain::task::{Priority, TaskKind, WorkKind};
use shouwang_domain::{
    Availability, Clock, GroupFunctionSet, HealthStatus, IdHasher, KeyRoleKind, RegionCode, RegionKind, SkillSet,
    VolunteerKind,
};
use shouwang_service::{Actor, Context, reactions};
use uuid::Uuid;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn entry(action: &'static str) -> audit::Entry {
    audit::Entry {
        user_id: None,
        username: "test".into(),
        action,
        target_kind: "test",
        target_id: None,
        region_path: None,
        detail: serde_json::json!({}),
        peer: None,
    }
}

/// 商一 with one compound; a group of leader 张组长 (backup: deputy 李副组长)
/// and member 王组员; the leader holds a task, its claim and tomorrow's shift.
struct World {
    t: TestDb,
    ctx: Context,
    community: region::Model,
    leader: Uuid,
    deputy: Uuid,
    member: Uuid,
    group: Uuid,
    task: Uuid,
    shift: Uuid,
}

async fn world() -> World {
    let t = TestDb::new().await;
    let db = &t.db;
    add_region(db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    shouwang_db::registry::open_incident(db, &code("wh"), "2022年武汉疫情防控").await.unwrap();
    add_region(db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    add_region(db, RegionKind::Compound, &code("sy-yf"), "云飞雅苑", Some(&code("sy"))).await.unwrap();
    let community = community_by_code(&db.read, &code("sy")).await.unwrap();
    let compound = shouwang_db::registry::find_region(&db.read, &code("sy-yf")).await.unwrap().unwrap().id;
    let mut ids = Vec::new();
    for (i, name) in ["张组长", "李副组长", "王组员"].iter().enumerate() {
        let r = DutyReport {
            name: name.to_string(),
            phone: format!("1390000{:04}", 100 + i),
            home_compound_id: Some(compound),
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
            source: "manual",
        };
        ids.push(mob::report_for_duty(db, community.id, &r, entry("duty_report")).await.unwrap().id());
    }
    mob::review(db, community.id, &ids, &Review::Verify, None, entry("duty_review")).await.unwrap();
    let (leader, deputy, member) = (ids[0], ids[1], ids[2]);
    let spec = GroupSpec {
        name: None,
        branch_id: None,
        functions: GroupFunctionSet::empty(),
        compounds: vec![compound],
        members: ids.clone(),
        leader: Some(leader),
        deputy: Some(deputy),
    };
    let group = mob::create_groups(db, community.id, &[spec], None, entry("group_create")).await.unwrap()[0];

    let by = task_store::Actor { user_id: None, name: "书记".into() };
    let new = NewTask {
        title: "蔬菜包分发到户".into(),
        kind: TaskKind::SupplyDelivery,
        place_region_id: None,
        place_text: None,
        starts_at: None,
        ends_at: None,
        headcount: 2,
        priority: Priority::Urgent,
        skills: String::new(),
        signup_sheet_id: None,
    };
    let task = task_store::create_task(db, community.id, new, &by, entry("task_create")).await.unwrap().id;
    task_store::assign(db, community.id, task, &[leader], &by, entry("task_assign")).await.unwrap();
    task_store::claim(
        db,
        community.id,
        WorkKind::Task,
        task,
        leader,
        time::Duration::hours(2),
        &by,
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();

    let clock = Clock::system();
    let post =
        NewPost {
            name: "云飞雅苑大门卡口".into(), kind: "gate".into(), compound_id: Some(compound), group_id: None
        };
    let post = roster_store::create_post(db, community.id, post, entry("post_create")).await.unwrap();
    let tomorrow = (shouwang_service::rosters::now_minutes(&clock) / MINUTES_PER_DAY + 1) * MINUTES_PER_DAY;
    let shift = NewShift {
        post_id: post,
        start_min: tomorrow + 8 * 60,
        end_min: tomorrow + 12 * 60,
        needed: 1,
        skill: None,
        people: vec![(leader, "test".into())],
    };
    let shift = roster_store::store_roster(db, community.id, &[shift], entry("roster")).await.unwrap()[0];

    let ctx = Context::new(db.clone(), IdHasher::new(b"k"), clock);
    World { t, ctx, community, leader, deputy, member, group, task, shift }
}

async fn leader_role(w: &World) -> (Option<Uuid>, Option<Uuid>) {
    let r = mob::key_role_of(&w.t.db.read, KeyRoleKind::GroupLeader, w.group).await.unwrap().unwrap();
    (r.holder.map(|v| v.id), r.backup.map(|v| v.id))
}

async fn claim_holder(w: &World) -> Option<Uuid> {
    let now = w.ctx.clock.now();
    task_store::live_claim(&w.t.db.read, WorkKind::Task, w.task, now).await.unwrap().map(|c| c.volunteer_id)
}

async fn assignees(w: &World) -> Vec<Uuid> {
    task_store::assignees(&w.t.db.read, w.task).await.unwrap().into_iter().map(|(id, _)| id).collect()
}

async fn on_shift(w: &World) -> Vec<Uuid> {
    roster_store::assignments_of(&w.t.db.read, &[w.shift]).await.unwrap().into_iter().map(|a| a.volunteer_id).collect()
}

async fn health(w: &World, id: Uuid) -> String {
    mob::volunteer_by_id(&w.t.db.read, id).await.unwrap().unwrap().health
}

#[tokio::test]
async fn an_isolated_leader_hands_role_claim_task_and_shift_over_in_one_go() {
    let w = world().await;
    let actor = Actor::operator("test");
    let done = reactions::health_changed(&w.ctx, &actor, &w.community, w.leader, HealthStatus::Isolated).await.unwrap();

    assert_eq!(health(&w, w.leader).await, "isolated");
    assert_eq!(leader_role(&w).await, (Some(w.deputy), None), "the deputy (B角) leads now");
    assert_eq!(claim_holder(&w).await, Some(w.deputy), "the live claim went to the backup");
    assert_eq!(assignees(&w).await, vec![w.deputy], "the open task went to the backup");
    let on = on_shift(&w).await;
    assert!(!on.contains(&w.leader), "stood down from tomorrow's shift");
    assert_eq!(on.len(), 1, "the place was offered to someone else and filled");
    assert_eq!(done.stood_down.reopened, 1);
    assert_eq!((done.work.claims_handed, done.work.tasks_handed.len()), (1, 1));
    let events = task_store::events(&w.t.db.read, w.task).await.unwrap();
    assert!(events.iter().any(|e| e.what == "unassign" && e.detail.as_deref() == Some("张组长:isolated")));
    assert!(events.iter().any(|e| e.what == "hand_over" && e.detail.as_deref() == Some("李副组长:isolated")));

    // A repeat changes nothing more.
    let again =
        reactions::health_changed(&w.ctx, &actor, &w.community, w.leader, HealthStatus::Isolated).await.unwrap();
    assert!(again.handovers.is_empty() && again.stood_down.reopened == 0);
}

#[tokio::test]
async fn a_member_without_a_backup_has_claims_and_tasks_released_with_the_cause() {
    let w = world().await;
    let by = task_store::Actor { user_id: None, name: "书记".into() };
    task_store::assign(&w.t.db, w.community.id, w.task, &[w.member], &by, entry("task_assign")).await.unwrap();
    let actor = Actor::operator("test");
    let done = reactions::group_changed(&w.ctx, &actor, &w.community, w.member, None).await.unwrap();
    assert_eq!(done.work.tasks_released, vec![w.task]);
    assert!(!assignees(&w).await.contains(&w.member));
    let events = task_store::events(&w.t.db.read, w.task).await.unwrap();
    assert!(events.iter().any(|e| e.what == "unassign" && e.detail.as_deref() == Some("王组员:stood_down")));
    assert_eq!(leader_role(&w).await, (Some(w.leader), Some(w.deputy)), "nobody else's roles moved");
}

#[tokio::test]
async fn a_failure_halfway_changes_nothing() {
    let w = world().await;
    // Make the last step fail for real: the task history refuses new events,
    // after the health change, the role hand-over and the stand-down ran.
    let sql = match w.t.db.backend {
        Backend::Sqlite => {
            vec!["CREATE TRIGGER boom BEFORE INSERT ON task_event BEGIN SELECT RAISE(ABORT, 'boom'); END".to_string()]
        }
        Backend::Postgres => vec![
            "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$ LANGUAGE plpgsql"
                .to_string(),
            "CREATE TRIGGER boom BEFORE INSERT ON task_event FOR EACH ROW EXECUTE FUNCTION boom()".to_string(),
        ],
    };
    for s in sql {
        w.t.db.write.execute_unprepared(&s).await.unwrap();
    }
    let actor = Actor::operator("test");
    let r = reactions::health_changed(&w.ctx, &actor, &w.community, w.leader, HealthStatus::Infected).await;
    assert!(r.is_err(), "the reaction failed");

    assert_eq!(health(&w, w.leader).await, "active", "health unchanged");
    assert_eq!(leader_role(&w).await, (Some(w.leader), Some(w.deputy)), "role unchanged");
    assert_eq!(on_shift(&w).await, vec![w.leader], "shift unchanged");
    assert_eq!(claim_holder(&w).await, Some(w.leader), "claim unchanged");
    assert_eq!(assignees(&w).await, vec![w.leader], "task unchanged");
    let handovers = mob::handovers(&w.t.db.read, w.community.id, 10).await.unwrap();
    assert!(handovers.is_empty(), "no hand-over logged");
}

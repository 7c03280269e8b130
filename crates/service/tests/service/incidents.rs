//! The incident lifecycle (SPEC §5): operational records belong to the
//! community's open incident; closing starts the retention clock; the purge
//! removes every name and phone number of a closed incident past retention,
//! from every table, and keeps its anonymous counts.

use shouwang_db::entity::region;
use shouwang_db::incidents as store;
use shouwang_db::mobilisation::{self as mob, DutyReport, GroupSpec, Review};
use shouwang_db::registry::{add_region, community_by_code, open_incident};
use shouwang_db::rosters::{self as roster_store, NewPost, NewShift, NewSlot};
use shouwang_db::signup::{self as signup_store, NewSheet};
use shouwang_db::tasks::{self as task_store, NewTask};
use shouwang_db::testing::{self, TestDb};
use shouwang_db::{DbError, audit};
use shouwang_domain::roster::MINUTES_PER_DAY;
use shouwang_domain::task::{Priority, TaskKind, WorkKind};
use shouwang_domain::{
    Availability, Clock, GroupFunctionSet, IdHasher, KeyRoleKind, Lang, RegionCode, RegionKind, SkillSet, VolunteerKind,
};
use shouwang_service::{Actor, Context, Error, Refusal, incidents};
use uuid::Uuid;

const RETENTION: u32 = shouwang_domain::incident::DEFAULT_RETENTION_DAYS;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// An audit entry that names a person in its details, as careless callers might.
fn entry(action: &'static str, community: &region::Model, detail: serde_json::Value) -> audit::Entry {
    audit::Entry {
        user_id: None,
        username: "test".into(),
        action,
        target_kind: "test",
        target_id: None,
        region_path: Some(community.path.clone()),
        detail,
        peer: None,
    }
}

fn report(name: &str, phone: &str, compound: Uuid) -> DutyReport {
    DutyReport {
        name: name.into(),
        phone: phone.into(),
        home_compound_id: Some(compound),
        home_building_id: None,
        kind: VolunteerKind::NearbyMember,
        work_unit: Some(format!("{name}的单位")),
        party_org: None,
        skills: SkillSet::empty(),
        availability: Availability::empty(),
        preferred_posts: GroupFunctionSet::empty(),
        experienced: false,
        exempt: None,
        note: Some(format!("{name} 住 1 号楼，电话 {phone}")),
        source: "manual",
    }
}

async fn regions(db: &shouwang_db::Db) -> (region::Model, region::Model, Uuid, Uuid) {
    add_region(db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    add_region(db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    add_region(db, RegionKind::Community, &code("se"), "商务区第二社区", Some(&code("wh-jh-ws"))).await.unwrap();
    let yf = add_region(db, RegionKind::Compound, &code("sy-yf"), "云飞雅苑", Some(&code("sy"))).await.unwrap().id;
    let se_c = add_region(db, RegionKind::Compound, &code("se-a"), "二社区小区", Some(&code("se"))).await.unwrap().id;
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap();
    let se = community_by_code(&db.read, &code("se")).await.unwrap();
    (sy, se, yf, se_c)
}

/// The people of the incident to purge: names and phones.
const PEOPLE: [(&str, &str); 4] = [
    ("欧阳靖瑶", "13907140001"),
    ("司马骁腾", "13907140002"),
    ("慕容绮梦", "13907140003"),
    ("诸葛青岚", "13907140004"),
];
/// The organiser of the group buy: a name and a masked phone.
const ORGANISER: (&str, &str) = ("上官铭远", "139****7788");
/// Someone of the other incident, which stays open.
const OTHER: (&str, &str) = ("东方未央", "13907149999");

struct World {
    t: TestDb,
    ctx: Context,
    sy: region::Model,
    se: region::Model,
    incident: Uuid,
    other_incident: Uuid,
}

/// 商一 runs its own incident: four volunteers (names, phones, notes), a
/// branch, a group with a leader, a task assigned and claimed, a sign-up sheet
/// with entries, a post and a shift, a group-buy timetable and organiser, and
/// audit entries that name people. 商二 runs another incident, still open.
async fn world() -> World {
    let t = TestDb::new().await;
    let db = &t.db;
    let (sy, se, yf, se_c) = regions(db).await;
    let incident = open_incident(db, &code("sy"), "2022年3月商一社区封控").await.unwrap().id;
    let other_incident = open_incident(db, &code("se"), "2022年3月商二社区封控").await.unwrap().id;

    let mut ids = Vec::new();
    for (name, phone) in PEOPLE {
        let detail = serde_json::json!({ "name": name });
        let e = entry("duty_report", &sy, detail);
        ids.push(mob::report_for_duty(db, sy.id, &report(name, phone, yf), e).await.unwrap().id());
    }
    mob::review(db, sy.id, &ids, &Review::Verify, None, entry("duty_review", &sy, serde_json::json!({})))
        .await
        .unwrap();
    let branch = mob::create_branch(
        db,
        sy.id,
        "商一临时党支部",
        shouwang_domain::BranchKind::NearbyMembers,
        time::macros::date!(2022 - 03 - 20),
        &ids,
        Some(ids[0]),
        Some(ids[1]),
        None,
        entry("branch_create", &sy, serde_json::json!({ "secretary": PEOPLE[0].0 })),
    )
    .await
    .unwrap();
    let spec = GroupSpec {
        name: Some(format!("{}小组", PEOPLE[0].0)),
        branch_id: Some(branch),
        functions: GroupFunctionSet::empty(),
        compounds: vec![yf],
        members: ids.clone(),
        leader: Some(ids[0]),
        deputy: Some(ids[1]),
    };
    let group = mob::create_groups(db, sy.id, &[spec], None, entry("group_create", &sy, serde_json::json!({})))
        .await
        .unwrap()[0];
    mob::set_key_role(
        db,
        sy.id,
        KeyRoleKind::GroupLeader,
        group,
        Some(ids[2]),
        Some(ids[3]),
        None,
        entry("key_role", &sy, serde_json::json!({})),
    )
    .await
    .unwrap();
    mob::save_draft(db, sy.id, &format!("{{\"note\":\"{}\"}}", PEOPLE[3].0), None).await.unwrap();

    let by = task_store::Actor { user_id: None, name: PEOPLE[1].0.into() };
    let new = NewTask {
        title: format!("给{}送药", PEOPLE[2].0),
        kind: TaskKind::SupplyDelivery,
        place_region_id: Some(yf),
        place_text: Some(format!("云飞雅苑1号楼，联系{}", PEOPLE[2].1)),
        starts_at: None,
        ends_at: None,
        headcount: 2,
        priority: Priority::Urgent,
        skills: String::new(),
        signup_sheet_id: None,
    };
    let task = task_store::create_task(db, sy.id, new, &by, entry("task_create", &sy, serde_json::json!({})))
        .await
        .unwrap()
        .id;
    task_store::assign(db, sy.id, task, &[ids[0], ids[1]], &by, entry("task_assign", &sy, serde_json::json!({})))
        .await
        .unwrap();
    task_store::claim(
        db,
        sy.id,
        WorkKind::Task,
        task,
        ids[0],
        time::Duration::hours(2),
        &by,
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let held =
        task_store::live_claim(&db.read, WorkKind::Task, task, time::OffsetDateTime::now_utc()).await.unwrap().unwrap();
    task_store::hand_over(db, held.id, ids[0], ids[1], &by, time::OffsetDateTime::now_utc()).await.unwrap();

    let sheet = NewSheet { title: "蔬菜包接龙".into(), capacity: 3, ..Default::default() };
    let sheet = signup_store::create_sheet(
        db,
        sy.id,
        sheet,
        "token-sy-1".into(),
        None,
        entry("sheet_open", &sy, serde_json::json!({})),
    )
    .await
    .unwrap()
    .id;
    let joins: Vec<(Uuid, i32)> = ids.iter().map(|v| (*v, 1)).collect();
    for answer in signup_store::join_many(db, sheet, &joins).await.unwrap() {
        answer.unwrap();
    }

    let clock = Clock::system();
    let post =
        NewPost {
            name: "云飞雅苑大门卡口".into(), kind: "gate".into(), compound_id: Some(yf), group_id: Some(group)
        };
    let post =
        roster_store::create_post(db, sy.id, post, entry("post_create", &sy, serde_json::json!({}))).await.unwrap();
    let tomorrow = (shouwang_service::rosters::now_minutes(&clock) / MINUTES_PER_DAY + 1) * MINUTES_PER_DAY;
    let shift = NewShift {
        post_id: post,
        start_min: tomorrow + 8 * 60,
        end_min: tomorrow + 12 * 60,
        needed: 2,
        skill: None,
        people: vec![(ids[0], format!("{}住得近", PEOPLE[0].0)), (ids[1], "test".into())],
    };
    roster_store::store_roster(db, sy.id, &[shift], entry("roster", &sy, serde_json::json!({}))).await.unwrap();
    let slot = NewSlot {
        day: clock.today(),
        slot: 1,
        point: "小区东门".into(),
        starts: "09:00".into(),
        ends: "10:00".into(),
        compound_id: yf,
        group_id: Some(group),
    };
    roster_store::store_timetable(db, sy.id, &[slot], entry("timetable", &sy, serde_json::json!({}))).await.unwrap();
    roster_store::add_organiser(
        db,
        sy.id,
        yf,
        ORGANISER.0,
        Some(ORGANISER.1.into()),
        None,
        entry("organiser", &sy, serde_json::json!({ "name": ORGANISER.0 })),
    )
    .await
    .unwrap();

    // The other community's incident, with one person of its own.
    let e = entry("duty_report", &se, serde_json::json!({ "name": OTHER.0 }));
    mob::report_for_duty(db, se.id, &report(OTHER.0, OTHER.1, se_c), e).await.unwrap();

    let ctx = Context::new(db.clone(), IdHasher::new(b"k"), clock);
    World { t, ctx, sy, se, incident, other_incident }
}

fn refusal(e: Error) -> Refusal {
    match e {
        Error::Invalid(r) | Error::Conflict(r) | Error::NotFound(r) => r,
        other => panic!("not a refusal: {other:?}"),
    }
}

#[tokio::test]
async fn a_purged_incident_leaves_no_name_or_phone_and_its_counts_read_the_same() {
    let w = world().await;
    let db = &w.t.db;
    let actor = Actor::operator("ops");
    let columns = testing::text_columns(db).await;
    // The scan finds what is there: every person of both incidents, before the purge.
    for (name, phone) in PEOPLE.iter().chain([&ORGANISER, &OTHER]) {
        assert!(!testing::occurrences(db, &columns, name).await.is_empty(), "{name} is stored before the purge");
        assert!(!testing::occurrences(db, &columns, phone).await.is_empty(), "{phone} is stored before the purge");
    }
    let counts_before = store::aggregates_of(&db.read, w.incident).await.unwrap();
    let rollup_before = mob::counts_of(&db.read, w.sy.id).await.unwrap();
    let other_rollup_before = mob::counts_of(&db.read, w.se.id).await.unwrap();
    let totals: i64 = counts_before.values().map(|c| c.volunteers_reported).sum();
    assert_eq!(totals, 4);
    assert!(counts_before.values().any(|c| c.signups == 4 && c.sheets == 1), "{counts_before:?}");
    assert!(counts_before.values().any(|c| c.shifts == 1 && c.shift_assignments == 2), "{counts_before:?}");
    assert_eq!(rollup_before.grouped, 4);

    incidents::close(&w.ctx, &actor, w.incident).await.unwrap();
    // Before the retention is over, nothing is purged.
    w.ctx.clock.advance(time::Duration::days(i64::from(RETENTION) - 1));
    assert!(incidents::purge_due(&w.ctx, &actor, RETENTION).await.unwrap().is_empty());
    let early = incidents::purge(&w.ctx, &actor, w.incident, RETENTION).await.unwrap_err();
    assert!(matches!(refusal(early), Refusal::Incidents(shouwang_domain::incident::Refusal::RetentionNotOver { .. })));
    assert!(!testing::occurrences(db, &columns, PEOPLE[0].0).await.is_empty(), "nothing went before the retention");

    w.ctx.clock.advance(time::Duration::days(2));
    let done = incidents::purge_due(&w.ctx, &actor, RETENTION).await.unwrap();
    assert_eq!(done.len(), 1, "only the closed incident is purged");
    assert_eq!(done[0].incident_id, w.incident);
    assert_eq!(done[0].deleted["volunteer"], 4);

    for (name, phone) in PEOPLE.iter().chain([&ORGANISER]) {
        assert_eq!(testing::occurrences(db, &columns, name).await, Vec::<String>::new(), "{name} remains");
        assert_eq!(testing::occurrences(db, &columns, phone).await, Vec::<String>::new(), "{phone} remains");
    }
    // The other incident, still open, is untouched.
    assert!(testing::occurrences(db, &columns, OTHER.0).await.contains(&"volunteer.name".to_string()));
    assert!(testing::occurrences(db, &columns, OTHER.1).await.contains(&"volunteer.phone".to_string()));
    assert_eq!(mob::counts_of(&db.read, w.se.id).await.unwrap(), other_rollup_before);
    assert!(store::by_id(&db.read, w.other_incident).await.unwrap().unwrap().purged_at.is_none());

    // The anonymous counts read the same, per day and in the roll-up.
    assert_eq!(store::aggregates_of(&db.read, w.incident).await.unwrap(), counts_before);
    assert_eq!(mob::counts_of(&db.read, w.sy.id).await.unwrap(), rollup_before);
    assert_eq!(mob::counts_by_community(&db.read).await.unwrap()[&w.sy.id], rollup_before);

    // The purge is audited, without personal data; a second purge finds nothing to do.
    let (entries, _) = audit::search(&db.read, "/", &audit::Filter::default(), 0, 500).await.unwrap();
    let purge = entries.iter().find(|e| e.action == "incident.purge").expect("the purge is audited");
    assert!(purge.detail.contains("\"volunteer\":4"), "{}", purge.detail);
    assert!(incidents::purge_due(&w.ctx, &actor, RETENTION).await.unwrap().is_empty());
}

#[tokio::test]
async fn without_an_open_incident_operational_writes_are_refused_and_change_nothing() {
    let t = TestDb::new().await;
    let db = &t.db;
    let (sy, _, yf, _) = regions(db).await;
    let e = entry("duty_report", &sy, serde_json::json!({}));
    let err = mob::report_for_duty(db, sy.id, &report(PEOPLE[0].0, PEOPLE[0].1, yf), e.clone()).await.unwrap_err();
    let DbError::Invalid(reason) = err else { panic!("not a refusal: {err:?}") };
    assert!(reason.message(Lang::Zh).contains("请先开启"), "{}", reason.message(Lang::Zh));
    assert!(reason.message(Lang::En).contains("open one first"), "{}", reason.message(Lang::En));
    let listed = mob::list_volunteers(&db.read, sy.id, &Default::default()).await.unwrap();
    assert!(listed.is_empty(), "nothing was written");

    // A city-wide incident covers the community; its own incident, opened
    // later, is nearer and wins; once that closes, the city's applies again.
    let city = open_incident(db, &code("wh"), "武汉市疫情防控").await.unwrap().id;
    let own = open_incident(db, &code("sy"), "商一社区封控").await.unwrap().id;
    assert_eq!(store::current_in(&db.read, sy.id).await.unwrap(), own);
    let v = mob::report_for_duty(db, sy.id, &report(PEOPLE[0].0, PEOPLE[0].1, yf), e.clone()).await.unwrap().id();
    assert_eq!(mob::volunteer_by_id(&db.read, v).await.unwrap().unwrap().incident_id, own);
    let ctx = Context::new(db.clone(), IdHasher::new(b"k"), Clock::system());
    incidents::close(&ctx, &Actor::operator("ops"), own).await.unwrap();
    assert_eq!(store::current_in(&db.read, sy.id).await.unwrap(), city);
    // The same phone reporting to the next incident is a new duty report, not a merge.
    let again = mob::report_for_duty(db, sy.id, &report(PEOPLE[0].0, PEOPLE[0].1, yf), e).await.unwrap();
    assert!(matches!(again, mob::ReportOutcome::Created(_)), "{again:?}");
    assert_eq!(mob::volunteer_by_id(&db.read, again.id()).await.unwrap().unwrap().incident_id, city);
    // Closing twice is refused.
    assert!(incidents::close(&ctx, &Actor::operator("ops"), own).await.is_err());
}

#[tokio::test]
async fn a_building_leader_named_again_in_the_next_incident_survives_the_purge_of_the_first() {
    let t = TestDb::new().await;
    let db = &t.db;
    let (sy, _, yf, _) = regions(db).await;
    let building =
        add_region(db, RegionKind::Building, &code("sy-yf-1"), "1号楼", Some(&code("sy-yf"))).await.unwrap().id;
    let ctx = Context::new(db.clone(), IdHasher::new(b"k"), Clock::system());
    let actor = Actor::operator("ops");
    let mut leaders = Vec::new();
    for (name, phone) in [PEOPLE[0], PEOPLE[1]] {
        let first = open_incident(db, &code("sy"), "封控").await.unwrap().id;
        let e = entry("duty_report", &sy, serde_json::json!({}));
        let v = mob::report_for_duty(db, sy.id, &report(name, phone, yf), e).await.unwrap().id();
        mob::review(db, sy.id, &[v], &Review::Verify, None, entry("review", &sy, serde_json::json!({}))).await.unwrap();
        let e = entry("key_role", &sy, serde_json::json!({}));
        mob::set_key_role(db, sy.id, KeyRoleKind::BuildingLeader, building, Some(v), None, None, e).await.unwrap();
        leaders.push((first, v));
    }
    incidents::close(&ctx, &actor, leaders[0].0).await.unwrap();
    ctx.clock.advance(time::Duration::days(i64::from(RETENTION) + 1));
    let done = incidents::purge_due(&ctx, &actor, RETENTION).await.unwrap();
    assert_eq!(done.len(), 1);
    let role = mob::key_role_of(&db.read, KeyRoleKind::BuildingLeader, building).await.unwrap().expect("the role");
    assert_eq!(role.holder.map(|v| v.id), Some(leaders[1].1), "the second incident's leader stays");
}

#[tokio::test]
async fn the_background_job_purges_what_is_due_on_its_own() {
    let w = world().await;
    let db = &w.t.db;
    incidents::close(&w.ctx, &Actor::operator("ops"), w.incident).await.unwrap();
    w.ctx.clock.advance(time::Duration::days(i64::from(RETENTION) + 1));
    let job = incidents::spawn_purge_job(w.ctx.clone(), RETENTION, std::time::Duration::from_millis(50));
    let mut purged = false;
    for _ in 0..100 {
        if store::by_id(&db.read, w.incident).await.unwrap().unwrap().purged_at.is_some() {
            purged = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    job.abort();
    assert!(purged, "the job purged the incident past its retention");
    let columns = testing::text_columns(db).await;
    assert!(testing::occurrences(db, &columns, PEOPLE[0].1).await.is_empty());
    assert!(store::by_id(&db.read, w.other_incident).await.unwrap().unwrap().purged_at.is_none());
}

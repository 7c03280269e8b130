//! Rosters read, judge and write in one transaction under the community's
//! roster lock: a double tap on "generate" makes one roster, and two
//! stand-downs at once never put the one spare volunteer on two shifts at
//! the same time. On both backends (on PostgreSQL the two requests really
//! run side by side).

use shouwang_db::audit;
use shouwang_db::entity::region;
use shouwang_db::mobilisation::{self as mob, DutyReport, GroupSpec, Review};
use shouwang_db::registry::{add_region, community_by_code, find_region};
use shouwang_db::rosters::{self as roster_store, NewPost, NewShift};
use shouwang_db::testing::TestDb;
use shouwang_domain::roster::MINUTES_PER_DAY;
use shouwang_domain::{
    Availability, Clock, GroupFunctionSet, HealthStatus, IdHasher, RegionCode, RegionKind, SkillSet, VolunteerKind,
};
use shouwang_service::rosters::{self, GenerateInput};
use shouwang_service::{Actor, Context, Error, reactions};
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

struct World {
    _t: TestDb,
    ctx: Context,
    community: region::Model,
    people: Vec<Uuid>,
    compound: Uuid,
}

/// 商一 with one compound and `n` verified volunteers in one group.
async fn world(n: usize) -> World {
    let t = TestDb::new().await;
    let db = &t.db;
    add_region(db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    add_region(db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    add_region(db, RegionKind::Compound, &code("sy-yf"), "云飞雅苑", Some(&code("sy"))).await.unwrap();
    shouwang_db::registry::open_incident(db, &code("sy"), "2022年3月商一社区封控").await.unwrap();
    let community = community_by_code(&db.read, &code("sy")).await.unwrap();
    let compound = find_region(&db.read, &code("sy-yf")).await.unwrap().unwrap().id;
    let mut people = Vec::new();
    for i in 0..n {
        let r = DutyReport {
            name: format!("志愿者{i}"),
            phone: format!("1390000{:04}", 200 + i),
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
        people.push(mob::report_for_duty(db, community.id, &r, entry("duty_report")).await.unwrap().id());
    }
    mob::review(db, community.id, &people, &Review::Verify, None, entry("duty_review")).await.unwrap();
    let spec = GroupSpec {
        name: None,
        branch_id: None,
        functions: GroupFunctionSet::empty(),
        compounds: vec![compound],
        members: people.clone(),
        leader: None,
        deputy: None,
    };
    mob::create_groups(db, community.id, &[spec], None, entry("group_create")).await.unwrap();
    let ctx = Context::new(db.clone(), IdHasher::new(b"k"), Clock::system());
    World { _t: t, ctx, community, people, compound }
}

async fn post(w: &World, name: &str) -> Uuid {
    let p = NewPost { name: name.into(), kind: "gate".into(), compound_id: Some(w.compound), group_id: None };
    roster_store::create_post(&w.ctx.db, w.community.id, p, entry("post_create")).await.unwrap()
}

fn refused_as_taken(e: &Error) -> bool {
    matches!(e, Error::Invalid(r) if matches!(r, shouwang_domain::Refusal::Rosters(shouwang_domain::roster::Refusal::PeriodTaken)))
}

#[tokio::test]
async fn a_double_tap_on_generate_makes_one_roster() {
    let w = world(6).await;
    post(&w, "云飞雅苑大门卡口").await;
    let actor = Actor::operator("test");
    let input = GenerateInput {
        posts: vec![],
        first_day: "2022-04-05".into(),
        days: 2,
        start_hour: 8,
        shift_hours: 4,
        shifts_per_day: Some(3),
        needed: 1,
        skill: None,
    };
    let (a, b) = tokio::join!(
        rosters::generate_as(&w.ctx, &actor, "sy", &input),
        rosters::generate_as(&w.ctx, &actor, "sy", &input)
    );
    let (ok, refused): (Vec<_>, Vec<_>) = [a, b].into_iter().partition(Result::is_ok);
    assert_eq!(ok.len(), 1, "one of the two taps makes the roster");
    let refused = refused.into_iter().next().unwrap().unwrap_err();
    assert!(refused_as_taken(&refused), "the other finds the period taken: {refused:?}");
    let day = |d: i64| (d + 19_087) * MINUTES_PER_DAY; // 2022-04-05 is day 19,087 since 1970
    let shifts = roster_store::shifts_between(&w.ctx.db.read, w.community.id, day(0), day(2)).await.unwrap();
    assert_eq!(shifts.len(), 6, "2 days x 3 shifts of one post, stored once");
}

#[tokio::test]
async fn two_stand_downs_at_once_never_double_book_the_spare() {
    // Two gates staffed at the same hours by A and B; C is the only one free.
    // A and B fall ill at the same moment: C can take one gate, not both.
    for round in 0..3 {
        let w = world(3).await;
        let (a, b, c) = (w.people[0], w.people[1], w.people[2]);
        let east = post(&w, "东门").await;
        let west = post(&w, "西门").await;
        let tomorrow = (rosters::now_minutes(&w.ctx.clock) / MINUTES_PER_DAY + 1) * MINUTES_PER_DAY;
        let shift = |post_id, who| NewShift {
            post_id,
            start_min: tomorrow + 8 * 60,
            end_min: tomorrow + 12 * 60,
            needed: 1,
            skill: None,
            people: vec![(who, "test".into())],
        };
        let ids = roster_store::store_roster(&w.ctx.db, w.community.id, &[shift(east, a), shift(west, b)], entry("r"))
            .await
            .unwrap();
        let actor = Actor::operator("test");
        let (ra, rb) = tokio::join!(
            reactions::health_changed(&w.ctx, &actor, &w.community, a, HealthStatus::Isolated),
            reactions::health_changed(&w.ctx, &actor, &w.community, b, HealthStatus::Infected),
        );
        ra.unwrap();
        rb.unwrap();
        let on = roster_store::assignments_of(&w.ctx.db.read, &ids).await.unwrap();
        let holding_c = on.iter().filter(|x| x.volunteer_id == c).count();
        assert_eq!(holding_c, 1, "round {round}: C took exactly one of the two gates: {on:?}");
        assert!(on.iter().all(|x| x.volunteer_id == c), "A and B are stood down");
        let broken = rosters::check_stored(
            &w.ctx,
            w.community.id,
            tomorrow,
            tomorrow + MINUTES_PER_DAY,
            shouwang_domain::Lang::Zh,
        )
        .await
        .unwrap();
        assert!(broken.is_empty(), "round {round}: the stored roster keeps every rule: {broken:?}");
    }
}

#[tokio::test]
async fn a_swap_onto_someone_already_on_the_shift_changes_nothing() {
    let w = world(3).await;
    let (a, b, c) = (w.people[0], w.people[1], w.people[2]);
    let gate = post(&w, "东门").await;
    let tomorrow = (rosters::now_minutes(&w.ctx.clock) / MINUTES_PER_DAY + 1) * MINUTES_PER_DAY;
    let s = NewShift {
        post_id: gate,
        start_min: tomorrow + 8 * 60,
        end_min: tomorrow + 12 * 60,
        needed: 2,
        skill: None,
        people: vec![(a, "test".into()), (b, "test".into())],
    };
    let id = roster_store::store_roster(&w.ctx.db, w.community.id, &[s], entry("r")).await.unwrap()[0];
    let actor = Actor::operator("test");
    // Two taps of the same swap at once: A out, C in, once.
    let (x, y) =
        tokio::join!(rosters::swap(&w.ctx, &actor, "sy", id, a, c), rosters::swap(&w.ctx, &actor, "sy", id, a, c));
    assert_eq!([&x, &y].iter().filter(|r| r.is_ok()).count(), 1, "one swap applies: {x:?} {y:?}");
    let mut on: Vec<Uuid> =
        roster_store::assignments_of(&w.ctx.db.read, &[id]).await.unwrap().iter().map(|x| x.volunteer_id).collect();
    on.sort();
    let mut want = vec![b, c];
    want.sort();
    assert_eq!(on, want);
}

//! Duty rosters and the group-buy timetable in storage, on SQLite (and on
//! PostgreSQL when SHOUWANG_TEST_POSTGRES_URL is set): what the generator
//! decides is stored and read back without breaking a limit; a stand-down
//! takes a volunteer off future shifts only and a refill fills the places.

use std::collections::HashMap;

use crate::common::*;
use shouwang_db::mobilisation::*;
use shouwang_db::registry::{add_region, community_by_code};
use shouwang_db::rosters::{self as store, NewShift, NewSlot};
use shouwang_db::{Db, audit};
use shouwang_domain::roster::{self, FatigueLimits, PersonIn, Roster, ShiftIn};
use shouwang_domain::{Availability, GroupFunctionSet, RegionKind, SkillSet, VolunteerKind};
use uuid::Uuid;

fn entry(action: &'static str) -> audit::Entry {
    audit::Entry {
        user_id: None,
        username: "test".into(),
        action,
        target_kind: "roster",
        target_id: None,
        region_path: None,
        detail: serde_json::json!({}),
        peer: None,
    }
}

async fn volunteers(db: &Db, community: Uuid, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r = DutyReport {
            name: format!("党员{i:02}"),
            phone: format!("1390000{i:04}"),
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

/// 2022-04-05 00:00 local, in roster minutes.
const DAY0: i64 = 19_087 * roster::MINUTES_PER_DAY;

fn people(ids: &[Uuid]) -> Vec<PersonIn> {
    ids.iter()
        .enumerate()
        .map(|(i, _)| PersonIn {
            key: i as u32,
            group: None,
            skills: SkillSet::empty(),
            availability: Availability::empty(),
            can_serve: true,
            already: vec![],
        })
        .collect()
}

/// The stored roster of the community read back as the generator's types.
async fn read_back(db: &Db, community: Uuid, ids: &[Uuid]) -> (Vec<ShiftIn>, Roster, Vec<Uuid>) {
    let shifts = store::shifts_between(&db.read, community, DAY0 - 10_000, DAY0 + 100_000).await.unwrap();
    let shift_ids: Vec<Uuid> = shifts.iter().map(|s| s.id).collect();
    let assignments = store::assignments_of(&db.read, &shift_ids).await.unwrap();
    let person: HashMap<Uuid, u32> = ids.iter().enumerate().map(|(i, id)| (*id, i as u32)).collect();
    let inputs: Vec<ShiftIn> = shifts
        .iter()
        .enumerate()
        .map(|(i, s)| ShiftIn {
            key: i as u32,
            post: 0,
            start: s.start_min,
            end: s.end_min,
            needed: s.needed as u16,
            required_skill: None,
            group: None,
        })
        .collect();
    let mut r = Roster::default();
    for a in &assignments {
        let i = shift_ids.iter().position(|s| *s == a.shift_id).unwrap();
        r.assignments.push(roster::Assignment {
            shift: i as u32,
            post: 0,
            person: person[&a.volunteer_id],
            start: inputs[i].start,
            end: inputs[i].end,
            reasons: vec![roster::AssignReason::FewestMinutes { minutes: 0 }],
        });
    }
    (inputs, r, shift_ids)
}

#[tokio::test]
async fn a_generated_roster_is_stored_within_the_limits_and_a_stand_down_is_refilled() {
    let t = with_community().await;
    let db = &t.db;
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap().id;
    let ids = volunteers(db, sy, 12).await;
    let limits = FatigueLimits::default();
    assert_eq!(store::settings(&db.read, sy).await.unwrap(), limits, "the defaults until set");
    let post = store::create_post(
        db,
        sy,
        store::NewPost { name: "云飞雅苑东门".into(), kind: "gate".into(), ..Default::default() },
        entry("post"),
    )
    .await
    .unwrap();
    // Three days of 4-hour shifts round the clock, 2 people each.
    let inputs: Vec<ShiftIn> = (0..18)
        .map(|i| ShiftIn {
            key: i,
            post: 0,
            start: DAY0 + i64::from(i) * 240,
            end: DAY0 + i64::from(i + 1) * 240,
            needed: 2,
            required_skill: None,
            group: None,
        })
        .collect();
    let ps = people(&ids);
    let made = roster::generate(&inputs, &ps, &limits);
    assert!(made.gaps.is_empty(), "{:?}", made.gaps);
    let new: Vec<NewShift> = inputs
        .iter()
        .map(|s| NewShift {
            post_id: post,
            start_min: s.start,
            end_min: s.end,
            needed: 2,
            skill: None,
            people: made.on_shift(s.key).map(|a| (ids[a.person as usize], "generated".to_string())).collect(),
        })
        .collect();
    store::store_roster(db, sy, &new, entry("roster.generate")).await.unwrap();

    let (stored_inputs, stored, shift_ids) = read_back(db, sy, &ids).await;
    assert_eq!(stored.assignments.len(), 36);
    assert!(roster::check(&stored, &stored_inputs, &ps, &limits).is_empty(), "no limit broken in storage");

    // Volunteer 0 falls ill at the start of day 2: only later shifts go.
    let from = DAY0 + roster::MINUTES_PER_DAY;
    let held_before: Vec<u32> = stored.of_person(0).map(|a| a.shift).collect();
    let reopened = store::stand_down(db, ids[0], from).await.unwrap();
    let expected: Vec<Uuid> = held_before
        .iter()
        .filter(|&&s| stored_inputs[s as usize].start >= from)
        .map(|&s| shift_ids[s as usize])
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(reopened.len(), expected.len());
    let (_, after, _) = read_back(db, sy, &ids).await;
    assert!(after.of_person(0).all(|a| a.start < from), "the past is kept, the future is gone");
    assert_eq!(after.assignments.len(), 36 - expected.len());
    for id in &reopened {
        let s = store::shift_by_id(&db.read, *id).await.unwrap().unwrap();
        assert_eq!(s.reopened_for, Some(ids[0]));
        assert!(s.reopened_at.is_some());
    }

    // Refill: the others take the places within the limits.
    let mut base = after.clone();
    base.stood_down = vec![0];
    let mut ps2 = ps.clone();
    ps2[0].can_serve = false;
    let filled = roster::refill(&base, &stored_inputs, &ps2, &limits);
    let add: Vec<(Uuid, Uuid, String)> = filled
        .assignments
        .iter()
        .filter(|a| !after.assignments.iter().any(|b| b.shift == a.shift && b.person == a.person))
        .map(|a| (shift_ids[a.shift as usize], ids[a.person as usize], "refill".to_string()))
        .collect();
    assert_eq!(add.len(), expected.len(), "every reopened place finds someone");
    store::add_assignments(db, &add, None).await.unwrap();
    let (_, refilled, _) = read_back(db, sy, &ids).await;
    assert_eq!(refilled.assignments.len(), 36);
    let mut checked = refilled.clone();
    checked.stood_down = vec![0];
    let violations = roster::check(&checked, &stored_inputs, &ps2, &limits);
    // Volunteer 0's past shifts remain (they could serve then); nothing else is wrong.
    assert!(violations.iter().all(|v| format!("{v:?}").contains("person: 0")), "{violations:?}");

    // A swap is a single conditional update.
    let on = refilled.on_shift(17).next().unwrap().person;
    let other = (1..12).find(|p| !refilled.on_shift(17).any(|a| a.person == *p)).unwrap();
    store::swap(db, shift_ids[17], ids[on as usize], ids[other as usize], "swap".into(), entry("swap")).await.unwrap();
    assert!(
        store::swap(db, shift_ids[17], ids[on as usize], ids[other as usize], "swap".into(), entry("swap"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_timetable_gives_every_compound_a_slot_and_never_double_books() {
    let t = with_community().await;
    let db = &t.db;
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap();
    let mut compounds = Vec::new();
    for i in 0..11 {
        let c =
            add_region(db, RegionKind::Compound, &code(&format!("sy-c{i:02}")), &format!("小区{i}"), Some(&code("sy")))
                .await
                .unwrap();
        compounds.push(c.id);
    }
    let first = time::macros::date!(2022 - 04 - 05);
    let first_day = roster::day_of(roster::local_minutes(time::PrimitiveDateTime::new(first, time::Time::MIDNIGHT)));
    // 4 slots a day: a cycle of 3 days.
    let turns = shouwang_domain::groupbuy::rotate(compounds.len(), 4, first_day, 6);
    let slots: Vec<NewSlot> = turns
        .iter()
        .map(|t| NewSlot {
            day: roster::date_of_day(t.day).unwrap(),
            slot: t.slot as i32,
            point: "东门".into(),
            starts: "08:00".into(),
            ends: "08:30".into(),
            compound_id: compounds[t.compound],
            group_id: None,
        })
        .collect();
    store::store_timetable(db, sy.id, &slots, entry("groupbuy")).await.unwrap();
    // Storing again replaces those days rather than doubling them.
    store::store_timetable(db, sy.id, &slots, entry("groupbuy")).await.unwrap();
    let stored = store::timetable(&db.read, sy.id, first).await.unwrap();
    assert_eq!(stored.len(), 24);
    let mut seen = std::collections::BTreeSet::new();
    for s in &stored {
        assert!(seen.insert((s.day, s.slot)), "a slot is booked once");
    }
    let cycle: std::collections::BTreeSet<Uuid> =
        stored.iter().filter(|s| s.day < first + time::Duration::days(3)).map(|s| s.compound_id).collect();
    assert_eq!(cycle.len(), 11, "every compound gets a turn in each cycle");
    for c in &compounds {
        let next = store::next_slot_of_compound(&db.read, *c, first).await.unwrap().unwrap();
        assert!(next.day < first + time::Duration::days(3));
    }
}

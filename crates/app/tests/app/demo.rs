//! The demo as the seed articles tell it (SPEC §7): 商务区第一社区 with 22
//! deployed cadres and 90 nearby members in two temporary branches, the
//! 18-member sealed-area branch, and 10 groups of a leader and 8 members
//! covering all 11 compounds; the seed night's delivery task sent down the
//! chain to a group, the gate roster under the fatigue limits with an
//! isolated member's shifts refilled, and the group-buy timetable. Runs on
//! SQLite, and on PostgreSQL when SHOUWANG_TEST_POSTGRES_URL is set.

use std::collections::{BTreeMap, HashSet};

use shouwang_db::Db;
use shouwang_db::entity::region;
use shouwang_db::mobilisation::{self as mob, GroupView};
use shouwang_db::registry::community_by_code;
use shouwang_db::rosters as rost;
use shouwang_db::tasks;
use shouwang_db::testing::TestDb;
use shouwang_domain::roster::{self, FatigueLimits, MINUTES_PER_DAY};
use shouwang_domain::{HealthStatus, IdHasher, Lang, RegionCode};
use shouwang_service::rosters as svc;
use uuid::Uuid;

#[tokio::test]
async fn shangyi_is_organised_as_in_the_seed_article_and_a_second_run_changes_nothing() {
    let t = TestDb::new().await;
    let db = &t.db;
    let hasher = IdHasher::new(b"demo test key");
    let ctx = shouwang_service::Context::new(db.clone(), hasher.clone(), shouwang_domain::Clock::system());
    shouwang::demo::create(&ctx, Lang::Zh).await.unwrap();

    let sy = community_by_code(&db.read, &RegionCode::parse("sy").unwrap()).await.unwrap();
    let counts = mob::counts_by_community(&db.read).await.unwrap()[&sy.id];
    assert_eq!((counts.verified, counts.exempt, counts.grouped, counts.groups), (108, 2, 108, 12));
    assert_eq!(counts.reported, 120, "22 cadres, 90 members, 6 residents and 2 exempt people reported");

    let branches = mob::branches_of_community(&db.read, sy.id).await.unwrap();
    assert_eq!(branches.len(), 2);
    let sealed = branches.iter().find(|b| b.branch.kind == "sealed_area").unwrap();
    assert_eq!(sealed.members.len(), 18, "the first branch: 18 deployed cadres");
    assert!(sealed.members.iter().all(|m| m.kind == "deployed_cadre"));
    let secretary = sealed.secretary.as_ref().and_then(|r| r.holder.as_ref()).unwrap();
    assert_eq!(secretary.name, "黄伟");
    let nearby = branches.iter().find(|b| b.branch.kind == "nearby_members").unwrap();
    assert_eq!(nearby.members.len(), 90);
    assert_eq!(nearby.groups, 10);

    let groups = mob::groups_of_community(&db.read, sy.id).await.unwrap();
    let daily: Vec<_> = groups.iter().filter(|g| g.group.branch_id == Some(nearby.branch.id)).collect();
    assert_eq!(daily.len(), 10);
    assert_eq!(daily.iter().map(|g| g.group.number).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    for g in &daily {
        assert_eq!(g.members.len(), 9, "{}: a leader and 8 members", g.group.name);
        assert!((1..=2).contains(&g.compounds.len()), "{} covers 1-2 compounds", g.group.name);
        assert!(g.leader_id().is_some(), "{} has a leader", g.group.name);
    }
    let covered: HashSet<_> = daily.iter().flat_map(|g| g.compounds.iter().map(|c| c.0)).collect();
    assert_eq!(covered.len(), 11, "every compound has a group");
    // Most members serve the compound they live in.
    let at_home = daily
        .iter()
        .flat_map(|g| g.members.iter().map(move |m| g.compounds.iter().any(|c| Some(c.0) == m.home_compound_id)))
        .filter(|home| *home)
        .count();
    assert!(at_home >= 72, "{at_home} of 90 placed in their own compound");
    // One leader went into isolation: the deputy took over and it is logged.
    let log = mob::handovers(&db.read, sy.id, 50).await.unwrap();
    assert_eq!(log.iter().filter(|h| h.cause == "isolated").count(), 1);
    // ...and, once the roster existed, a member with shifts ahead (no key role) went too.
    assert_eq!(counts.unwell, 2);

    let others: Vec<(&str, u64, u64)> = vec![("js", 7, 1), ("ye", 45, 7), ("fzy", 237, 26)];
    let all = mob::counts_by_community(&db.read).await.unwrap();
    for (code, reported, groups) in others {
        let c = community_by_code(&db.read, &RegionCode::parse(code).unwrap()).await.unwrap();
        assert_eq!((all[&c.id].reported, all[&c.id].groups), (reported, groups), "{code}");
    }

    // The seed night: 30 members signed up for the 500 boxes, a few more wait.
    let sheets = shouwang_db::signup::sheets_of_community(&db.read, sy.id).await.unwrap();
    assert_eq!(sheets.len(), 1);
    assert_eq!((sheets[0].capacity, sheets[0].confirmed, sheets[0].arrivals), (30, 30, 34));
    assert!(sheets[0].quantity_confirmed <= 500);

    seed_night_tasks(db, &sy, nearby.branch.id, &daily, sheets[0].id).await;
    gate_roster(&ctx, &sy).await;
    groupbuy_timetable(&ctx, &sy, &daily).await;
    supply_mornings(&ctx).await;

    let before = snapshot(db, &sy).await;
    let ctx = shouwang_service::Context::new(db.clone(), hasher.clone(), shouwang_domain::Clock::system());
    shouwang::demo::create(&ctx, Lang::Zh).await.unwrap();
    assert_eq!(mob::counts_by_community(&db.read).await.unwrap(), all, "the demo is idempotent");
    let again = shouwang_db::signup::sheets_of_community(&db.read, sy.id).await.unwrap();
    assert_eq!((again.len(), again[0].arrivals), (1, 34));
    assert_eq!(snapshot(db, &sy).await, before, "tasks, roster and timetable are idempotent too");
    assert_eq!(t.count_rows("consignment").await, 2, "the supplies are replayed once");
}

/// The seed mornings: 500 boxes at every door of 云飞雅苑, 170 portions on
/// their way in 蓝天花园, the reserve pool and a sharing shelf in use, and
/// the public books with a chain that holds.
async fn supply_mornings(ctx: &shouwang_service::Context) {
    use shouwang_service::supplies;
    let operator = shouwang_service::Actor::operator("test");
    let o = supplies::overview(ctx, &operator, "sy").await.unwrap();
    let boxes = o.consignments.iter().find(|c| c.title.contains("500")).unwrap();
    assert_eq!(boxes.items[0].received, Some(500));
    assert!(boxes.households > 300 && boxes.settled == boxes.households, "every door of 云飞雅苑 reached");
    assert!(supplies::coverage(ctx, &operator, boxes.id).await.unwrap().rows.is_empty());
    let portions = o.consignments.iter().find(|c| c.title.contains("170")).unwrap();
    assert_eq!(portions.items.iter().map(|i| i.allocated).collect::<Vec<_>>(), [170, 170, 170, 170]);
    let left = supplies::coverage(ctx, &operator, portions.id).await.unwrap();
    assert!(!left.rows.is_empty() && left.settled > 0, "蓝天花园's morning is under way");
    assert!(o.stocks.iter().any(|s| s.place == "reserve" && s.item == "蔬菜包"));
    assert!(o.stocks.iter().any(|s| s.place == "shelf" && s.item == "口罩" && s.on_hand == 38));
    let books = shouwang_service::ledger::public_books(ctx, "sy").await.unwrap();
    let veg = books.consignments.iter().find(|c| c.item == "蔬菜包" && c.title.contains("500")).unwrap();
    assert_eq!(veg.received, 500);
    assert_eq!(veg.delivered, veg.allocated);
    assert!(shouwang_service::ledger::verify(ctx, "sy").await.unwrap().broken.is_none());
}

fn can_serve(v: &shouwang_db::entity::volunteer::Model) -> bool {
    HealthStatus::from_code(&v.health).is_some_and(HealthStatus::can_serve)
}

/// The delivery task went community -> second branch -> a group -> its
/// members; a disinfection run was done and checked by someone else; a
/// medicine run could not be completed, with its reason.
async fn seed_night_tasks(db: &Db, sy: &region::Model, branch: Uuid, daily: &[&GroupView], sheet: Uuid) {
    let all = tasks::tasks_of_community(&db.read, sy.id, None).await.unwrap();
    assert_eq!(all.len(), 3);

    let delivery = all.iter().find(|t| t.kind == "supply_delivery").unwrap();
    // Titles are stored normalised: full-width brackets become ASCII ones.
    assert_eq!(delivery.title, shouwang_domain::text::normalize("蔬菜包卸车分发到户（500箱）"));
    assert_eq!(
        (delivery.kind.as_str(), delivery.priority.as_str(), delivery.headcount, delivery.state.as_str()),
        ("supply_delivery", "high", 30, "assigned")
    );
    let (starts, ends) = (delivery.starts_at.unwrap(), delivery.ends_at.unwrap());
    assert_eq!(shouwang_domain::clock::beijing(starts).hour(), 22, "tonight at 22:00 Beijing time");
    assert_eq!(ends - starts, time::Duration::hours(14), "until 12:00 tomorrow");
    assert_eq!(delivery.signup_sheet_id, Some(sheet), "the 接龙 gathers the other hands");
    assert_eq!(delivery.branch_id, Some(branch));
    let group = daily.iter().find(|g| Some(g.group.id) == delivery.group_id).expect("dispatched to a daily group");
    assert!(group.compounds.iter().any(|(c, _)| Some(*c) == delivery.place_region_id), "at the group's compound");

    let events = tasks::events(&db.read, delivery.id).await.unwrap();
    let whats: Vec<&str> = events.iter().map(|e| e.what.as_str()).collect();
    let at = |what: &str| whats.iter().position(|w| *w == what).unwrap_or_else(|| panic!("no {what}: {whats:?}"));
    assert_eq!(at("created"), 0);
    assert!(at("created") < at("dispatch_branch") && at("dispatch_branch") < at("dispatch_group"), "{whats:?}");
    assert!(at("dispatch_group") < at("assign"), "{whats:?}");
    let branch_name = mob::branches_of_community(&db.read, sy.id)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.branch.id == branch)
        .unwrap()
        .branch
        .name;
    assert_eq!(events[at("dispatch_branch")].detail.as_deref(), Some(branch_name.as_str()));
    assert_eq!(events[at("dispatch_group")].detail.as_deref(), Some(group.group.name.as_str()));
    assert_ne!(events[at("dispatch_branch")].by_name, events[at("dispatch_group")].by_name, "each step by its level");
    assert!(events.iter().any(|e| e.to_state.as_deref() == Some("assigned")));

    let assignees: HashSet<Uuid> =
        tasks::assignees(&db.read, delivery.id).await.unwrap().into_iter().map(|(id, _)| id).collect();
    let serving: HashSet<Uuid> = group.members.iter().filter(|m| can_serve(m)).map(|m| m.id).collect();
    assert!(serving.len() >= 8, "{} of the group can serve", serving.len());
    assert_eq!(assignees, serving, "the group's members who can serve are assigned");
    assert_eq!(events.iter().filter(|e| e.what == "assign").count(), assignees.len());

    let checked = all.iter().find(|t| t.kind == "disinfection").unwrap();
    assert_eq!(checked.state, "checked");
    let ev = tasks::events(&db.read, checked.id).await.unwrap();
    let by = |to: &str| ev.iter().find(|e| e.to_state.as_deref() == Some(to)).unwrap().by_name.clone();
    assert_ne!(by("done"), by("checked"), "checked by a second person");
    assert!(ev.iter().any(|e| e.what == "dispatch_group"));

    let failed = all.iter().find(|t| t.kind == "medicine").unwrap();
    assert_eq!(failed.state, "could_not_complete");
    let reason = failed.reason.clone().unwrap();
    assert!(!reason.is_empty());
    let last = tasks::events(&db.read, failed.id).await.unwrap().pop().unwrap();
    assert_eq!((last.to_state.as_deref(), last.detail.as_deref()), (Some("could_not_complete"), Some(reason.as_str())));
}

/// 11 gates over 3 days, everyone within the limits and on one place at a
/// time; the isolated member holds nothing ahead and others hold their shifts.
async fn gate_roster(ctx: &shouwang_service::Context, sy: &region::Model) {
    let db = &ctx.db;
    let posts = rost::posts_of_community(&db.read, sy.id).await.unwrap();
    assert_eq!(posts.len(), 11);
    assert!(posts.iter().all(|p| p.kind == "gate" && p.compound_id.is_some() && p.group_id.is_some()));
    let limits = rost::settings(&db.read, sy.id).await.unwrap();
    assert_eq!(limits, FatigueLimits::default());

    let today = ctx.clock.today();
    let from = svc::day_start(today);
    let pool = svc::pool(&ctx.db.read, sy.id).await.unwrap();
    let st =
        svc::stored(&ctx.db.read, sy.id, &pool, from - 8 * MINUTES_PER_DAY, from + 12 * MINUTES_PER_DAY).await.unwrap();
    assert_eq!(st.shifts.len(), 11 * 4 * 3, "4 shifts a day at 11 gates for 3 days");
    assert_eq!(st.strangers, 0);
    let violations = roster::check(&st.roster, &st.inputs, &pool.people, &limits);
    assert!(violations.is_empty(), "{violations:?}");

    // No double booking, at least the rest required, no day over the warning line.
    let by_id: BTreeMap<Uuid, &shouwang_db::entity::shift::Model> = st.shifts.iter().map(|s| (s.id, s)).collect();
    let mut duties: BTreeMap<Uuid, Vec<(i64, i64)>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for a in &st.assignments {
        assert!(seen.insert((a.shift_id, a.volunteer_id)), "nobody twice on a shift");
        let s = by_id[&a.shift_id];
        duties.entry(a.volunteer_id).or_default().push((s.start_min, s.end_min));
    }
    for (v, mut d) in duties {
        d.sort();
        for w in d.windows(2) {
            assert!(w[1].0 - w[0].1 >= i64::from(limits.min_rest_minutes), "{v}: too little rest between {w:?}");
        }
        let mut per_day: BTreeMap<i64, i64> = BTreeMap::new();
        for (s, e) in &d {
            for m in *s..*e {
                *per_day.entry(roster::day_of(m)).or_default() += 1;
            }
        }
        assert!(per_day.values().all(|m| *m <= i64::from(limits.warn_day_minutes)), "{v}: {per_day:?}");
    }

    // The isolated member: stood down, every reopened place taken by someone else.
    let reopened: Vec<_> = st.shifts.iter().filter(|s| s.reopened_for.is_some()).collect();
    assert!(!reopened.is_empty(), "an isolated volunteer's shifts were reopened");
    let isolated = reopened[0].reopened_for.unwrap();
    assert!(reopened.iter().all(|s| s.reopened_for == Some(isolated)));
    let v = mob::volunteer_by_id(&db.read, isolated).await.unwrap().unwrap();
    assert_eq!(v.health, "isolated");
    assert!(rost::shifts_of_volunteer(&db.read, isolated, svc::now_minutes(&ctx.clock)).await.unwrap().is_empty());
    assert!(st.assignments.iter().all(|a| a.volunteer_id != isolated), "holds no shift at all");
    for s in &reopened {
        let on: Vec<Uuid> = st.assignments.iter().filter(|a| a.shift_id == s.id).map(|a| a.volunteer_id).collect();
        assert_eq!(on.len() as i32, s.needed, "{}: refilled", svc::span_label(s.start_min, s.end_min));
    }
    let view = svc::view(ctx, sy.id, today, 3).await.unwrap();
    assert_eq!(view.shifts.len(), 11 * 4 * 3);
    assert_eq!(view.missing, 0, "no place left open");
}

/// Every day the 11 compounds take a pickup slot each, with the group that
/// covers them on duty (10 groups), and every compound has an organiser.
async fn groupbuy_timetable(ctx: &shouwang_service::Context, sy: &region::Model, daily: &[&GroupView]) {
    let db = &ctx.db;
    let today = ctx.clock.today();
    let slots = shouwang_service::groupbuy::timetable(ctx, sy, today, 7).await.unwrap();
    assert_eq!(slots.len(), 11 * 7);
    let mut days: BTreeMap<&str, HashSet<Uuid>> = BTreeMap::new();
    for s in &slots {
        assert!(days.entry(s.day.as_str()).or_default().insert(s.compound_id), "one slot per compound a day");
        assert!(!s.organisers.is_empty(), "{} has an organiser", s.compound);
    }
    assert_eq!(days.len(), 7);
    assert!(days.values().all(|c| c.len() == 11), "all 11 compounds every day");
    let on_duty: HashSet<&str> = slots.iter().map(|s| s.group.as_deref().expect("a group on duty")).collect();
    assert_eq!(on_duty.len(), 10);
    assert!(daily.iter().all(|g| on_duty.contains(g.group.name.as_str())));
    let organisers = rost::organisers(&db.read, sy.id).await.unwrap();
    assert_eq!((organisers.len(), organisers.values().map(Vec::len).sum::<usize>()), (11, 11));
}

/// Everything the seed night and the rosters wrote, to compare across runs.
async fn snapshot(db: &Db, sy: &region::Model) -> Vec<String> {
    let mut out = Vec::new();
    for t in tasks::tasks_of_community(&db.read, sy.id, None).await.unwrap() {
        let events = tasks::events(&db.read, t.id).await.unwrap().len();
        let assignees = tasks::assignees(&db.read, t.id).await.unwrap().len();
        out.push(format!("task {} {} {events} {assignees}", t.id, t.state));
    }
    for p in rost::posts_of_community(&db.read, sy.id).await.unwrap() {
        out.push(format!("post {}", p.id));
    }
    let shifts = rost::shifts_between(&db.read, sy.id, 0, i64::MAX).await.unwrap();
    let ids: Vec<Uuid> = shifts.iter().map(|s| s.id).collect();
    for s in &shifts {
        out.push(format!("shift {} {:?}", s.id, s.reopened_for));
    }
    for a in rost::assignments_of(&db.read, &ids).await.unwrap() {
        out.push(format!("on {} {}", a.shift_id, a.volunteer_id));
    }
    let from = time::macros::date!(2000 - 01 - 01);
    for s in rost::timetable(&db.read, sy.id, from).await.unwrap() {
        out.push(format!("slot {} {} {}", s.id, s.day, s.compound_id));
    }
    for o in rost::organisers(&db.read, sy.id).await.unwrap().values().flatten() {
        out.push(format!("organiser {}", o.id));
    }
    out
}

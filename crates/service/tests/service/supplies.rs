//! Supplies to every door (issue 12), on both backends: an allocation puts
//! every household in exactly one run and balances its books, a second
//! confirmation changes nothing, a retried door record is one record, a
//! volunteer sees the doors of a run only while holding it, a stock never
//! goes below zero.

use shouwang_db::accounts::{self, NewUser};
use shouwang_db::entity::region;
use shouwang_db::import::ImportOptions;
use shouwang_db::mobilisation::{self as mob, DutyReport, Review};
use shouwang_db::registry::{add_region, community_by_code};
use shouwang_db::testing::TestDb;
use shouwang_domain::supplies::{DeliveryStatus, Refusal};
use shouwang_domain::{
    Availability, Clock, GroupFunctionSet, IdHasher, RegionCode, RegionKind, Role, SkillSet, VolunteerKind,
};
use shouwang_io::FileKind;
use shouwang_service::supplies::{
    self, AllocationInput, ConsignmentInput, CountInput, DoorInput, ItemInput, RuleInput, StockInput,
};
use shouwang_service::tasks::Claimed;
use shouwang_service::{Actor, Context, Error};
use uuid::Uuid;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn entry(action: &'static str) -> shouwang_db::audit::Entry {
    shouwang_db::audit::Entry {
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
    t: TestDb,
    ctx: Context,
    community: region::Model,
    admin: Actor,
}

/// 商一's 蓝天花园: 3 buildings, 12 households, two elderly living alone.
async fn world() -> World {
    let t = TestDb::new().await;
    let db = &t.db;
    add_region(db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    add_region(db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    shouwang_db::registry::open_incident(db, &code("sy"), "2022年3月商一社区封控").await.unwrap();
    let mut csv = String::from("小区,楼号,室号,姓名,手机,标签\n");
    for b in 1..=3 {
        for (i, room) in ["101", "102", "201", "302"].iter().enumerate() {
            let tag = if b == 2 && i < 2 { "独居老人" } else { "" };
            csv.push_str(&format!("蓝天花园,{b}号楼,{room},住户{b}{room},1380000{b}{room},{tag}\n"));
        }
    }
    let hasher = IdHasher::new(b"k");
    shouwang_service::registry::import_resident_file(
        db,
        &hasher,
        &code("sy"),
        csv.as_bytes(),
        FileKind::Csv,
        ImportOptions::default(),
        2022,
        None,
    )
    .await
    .unwrap();
    let community = community_by_code(&db.read, &code("sy")).await.unwrap();
    let ctx = Context::new(db.clone(), hasher, Clock::system());
    World { t, ctx, community, admin: Actor::operator("邱锦") }
}

/// A volunteer of the community with a login, as an actor.
async fn volunteer(w: &World, name: &str, phone: &str) -> Actor {
    let db = &w.t.db;
    let r = DutyReport {
        name: name.into(),
        phone: phone.into(),
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
        source: "manual",
    };
    let v = mob::report_for_duty(db, w.community.id, &r, entry("duty_report")).await.unwrap().id();
    mob::review(db, w.community.id, &[v], &Review::Verify, None, entry("duty_review")).await.unwrap();
    let user = accounts::create_user(
        db,
        NewUser {
            username: phone,
            display_name: name,
            password_hash: "x".into(),
            role: Role::Volunteer,
            scope: &code("sy"),
            personal_grant: false,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    mob::link_user(db, v, Some(user.id)).await.unwrap();
    Actor {
        user_id: Some(user.id),
        username: phone.into(),
        display_name: name.into(),
        role: Role::Volunteer,
        personal_grant: false,
        scope_path: w.community.path.clone(),
        lang: shouwang_domain::Lang::Zh,
        peer: None,
    }
}

/// 170 portions counted in (2 damaged), 蔬菜 and 鸡蛋.
async fn received(w: &World) -> Uuid {
    let input = ConsignmentInput {
        title: "荤素果蛋套餐".into(),
        source: "government".into(),
        arrived_at: Some("2022-04-06 06:30".into()),
        items: vec![
            ItemInput { name: "蔬菜包".into(), unit: "份".into(), quantity: 170 },
            ItemInput { name: "鸡蛋".into(), unit: "盒".into(), quantity: 20 },
        ],
    };
    let id = supplies::create_consignment(&w.ctx, &w.admin, "sy", &input).await.unwrap();
    let detail = supplies::consignment(&w.ctx, &w.admin, id).await.unwrap();
    let counts: Vec<CountInput> = detail
        .consignment
        .items
        .iter()
        .map(|i| CountInput {
            item_id: i.id,
            received: i.expected,
            written_off: if i.name == "蔬菜包" { 2 } else { 0 },
        })
        .collect();
    supplies::receive(&w.ctx, &w.admin, id, &counts).await.unwrap();
    id
}

fn per_household(detail: &supplies::ConsignmentDetail, reserve: i64) -> AllocationInput {
    AllocationInput {
        compounds: Vec::new(),
        basis: "per_household".into(),
        items: detail.consignment.items.iter().map(|i| RuleInput { item_id: i.id, per_share: 1, reserve }).collect(),
    }
}

#[tokio::test]
async fn an_allocation_puts_every_household_in_exactly_one_run_and_the_books_balance() {
    let w = world().await;
    let id = received(&w).await;
    let detail = supplies::consignment(&w.ctx, &w.admin, id).await.unwrap();
    let input = per_household(&detail, 5);
    let preview = supplies::preview_allocation(&w.ctx, &w.admin, id, &input).await.unwrap();
    assert_eq!(preview.households, 12);
    assert_eq!(w.t.count_rows("delivery").await, 0, "a preview stores nothing");
    supplies::allocate(&w.ctx, &w.admin, id, &input).await.unwrap();

    assert_eq!(w.t.count_rows("delivery_run").await, 3, "one run per building");
    assert_eq!(w.t.count_rows("delivery").await, 12);
    let detail = supplies::consignment(&w.ctx, &w.admin, id).await.unwrap();
    let mut households = Vec::new();
    for run in &detail.runs {
        let sheet = supplies::run_sheet(&w.ctx, &w.admin, run.id).await.unwrap();
        households.extend(sheet.floors.iter().flat_map(|f| f.doors.iter().map(|d| d.household_id)));
    }
    households.sort();
    households.dedup();
    assert_eq!(households.len(), 12, "every household in exactly one run");
    for item in &detail.consignment.items {
        let received = item.received.unwrap();
        assert_eq!(received, item.allocated + item.reserve + item.written_off, "{}'s books balance", item.name);
    }
    let veg = detail.consignment.items.iter().find(|i| i.name == "蔬菜包").unwrap();
    assert_eq!((veg.allocated, veg.reserve, veg.written_off), (12, 156, 2));
    // A run given to a group (物资保障一队); a group that is not the community's is refused.
    let team = mob::create_groups(
        &w.t.db,
        w.community.id,
        &[mob::GroupSpec { name: Some("物资保障一队".into()), ..Default::default() }],
        None,
        entry("group_create"),
    )
    .await
    .unwrap()[0];
    let run = detail.runs[0].id;
    supplies::assign_group(&w.ctx, &w.admin, run, Some(team)).await.unwrap();
    assert_eq!(supplies::run_sheet(&w.ctx, &w.admin, run).await.unwrap().group.as_deref(), Some("物资保障一队"));
    let elsewhere = supplies::assign_group(&w.ctx, &w.admin, run, Some(Uuid::now_v7())).await.unwrap_err();
    assert!(matches!(elsewhere, Error::NotFound(shouwang_domain::Refusal::Supplies(Refusal::GroupNotInCommunity))));

    // The reserve went into the reserve pool.
    let overview = supplies::overview(&w.ctx, &w.admin, "sy").await.unwrap();
    assert!(overview.stocks.iter().any(|s| s.item == "蔬菜包" && s.on_hand == 156));
}

#[tokio::test]
async fn a_second_confirmation_changes_nothing() {
    let w = world().await;
    let id = received(&w).await;
    let detail = supplies::consignment(&w.ctx, &w.admin, id).await.unwrap();
    let input = per_household(&detail, 0);
    let (a, b) = tokio::join!(
        supplies::allocate(&w.ctx, &w.admin, id, &input),
        supplies::allocate(&w.ctx, &w.admin, id, &input)
    );
    let refused = match (a, b) {
        (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
        other => panic!("one confirmation of two stands: {other:?}"),
    };
    assert!(
        matches!(&refused, Error::Conflict(shouwang_domain::Refusal::Supplies(Refusal::AlreadyAllocated))),
        "{refused:?}"
    );
    assert_eq!(w.t.count_rows("delivery").await, 12);
    assert_eq!(w.t.count_rows("delivery_run").await, 3);
}

#[tokio::test]
async fn by_need_serves_the_elderly_living_alone_first() {
    let w = world().await;
    let id = received(&w).await;
    let detail = supplies::consignment(&w.ctx, &w.admin, id).await.unwrap();
    let mut input = per_household(&detail, 0);
    input.basis = "by_need".into();
    let preview = supplies::allocate(&w.ctx, &w.admin, id, &input).await.unwrap();
    assert_eq!(preview.households, 2);
    assert_eq!(preview.runs, vec![("2号楼".to_string(), 2)]);
}

#[tokio::test]
async fn a_retried_door_record_is_one_record_and_a_volunteer_sees_doors_only_while_holding_the_run() {
    let w = world().await;
    let id = received(&w).await;
    let detail = supplies::consignment(&w.ctx, &w.admin, id).await.unwrap();
    supplies::allocate(&w.ctx, &w.admin, id, &per_household(&detail, 0)).await.unwrap();
    let detail = supplies::consignment(&w.ctx, &w.admin, id).await.unwrap();
    let run = detail.runs[0].id;
    let carrier = volunteer(&w, "邱锦", "13900001111").await;
    let other = volunteer(&w, "王强", "13900002222").await;

    // Not holding: counts only, no room, name or phone; recording is refused.
    let sheet = supplies::run_sheet(&w.ctx, &carrier, run).await.unwrap();
    assert!(!sheet.visible && sheet.can_claim);
    assert!(
        sheet
            .floors
            .iter()
            .flat_map(|f| &f.doors)
            .all(|d| d.room.is_empty() && d.name.is_empty() && d.phone.is_empty())
    );
    let door = DoorInput {
        household_id: None,
        code: Some("101".into()),
        outcome: "delivered".into(),
        key: "k-0001-abcdef".into(),
    };
    let refused = supplies::record_door(&w.ctx, &carrier, run, &door).await.unwrap_err();
    assert!(matches!(refused, Error::Invalid(shouwang_domain::Refusal::Supplies(Refusal::RunNotHeld))), "{refused:?}");

    // Holding: the doors show, with the phone.
    assert!(matches!(supplies::claim_run(&w.ctx, &carrier, run).await.unwrap(), Claimed::Held { .. }));
    let sheet = supplies::run_sheet(&w.ctx, &carrier, run).await.unwrap();
    assert!(sheet.visible && sheet.held_by_me);
    let first = &sheet.floors[0].doors[0];
    assert_eq!(first.room, "101");
    assert!(first.phone.starts_with("1380000") && !first.phone.contains('*'));
    // The other volunteer still sees nothing and cannot record.
    let theirs = supplies::run_sheet(&w.ctx, &other, run).await.unwrap();
    assert!(!theirs.visible && !theirs.can_claim);
    assert!(supplies::record_door(&w.ctx, &other, run, &door).await.is_err());

    // The same record three times (a retry, a replay from the offline queue): one event.
    for _ in 0..3 {
        let r = supplies::record_door(&w.ctx, &carrier, run, &door).await.unwrap();
        assert_eq!(r.status, "delivered");
    }
    assert_eq!(w.t.count_rows("delivery_event").await, 1);
    // A later, different record with the same key changes nothing either.
    let replay = DoorInput { outcome: "nobody_home".into(), ..door.clone() };
    let r = supplies::record_door(&w.ctx, &carrier, run, &replay).await.unwrap();
    assert!(r.repeated && r.status == DeliveryStatus::Delivered.code());
    assert_eq!(w.t.count_rows("delivery_event").await, 1);

    let coverage = supplies::coverage(&w.ctx, &w.admin, id).await.unwrap();
    assert_eq!((coverage.total, coverage.settled, coverage.rows.len()), (12, 1, 11));

    // The public books: received, allocated, one door's worth delivered, and a chain that holds.
    let books = shouwang_service::ledger::public_books(&w.ctx, "sy").await.unwrap();
    let veg = books.consignments.iter().find(|c| c.item == "蔬菜包").unwrap();
    assert_eq!((veg.received, veg.allocated, veg.delivered, veg.written_off), (170, 12, 1, 2));
    let verdict = shouwang_service::ledger::verify(&w.ctx, "sy").await.unwrap();
    assert!(verdict.broken.is_none());
    assert_eq!(verdict.verified, books.entries);
}

#[tokio::test]
async fn a_household_confirms_from_its_link_once() {
    let w = world().await;
    let id = received(&w).await;
    let detail = supplies::consignment(&w.ctx, &w.admin, id).await.unwrap();
    supplies::allocate(&w.ctx, &w.admin, id, &per_household(&detail, 0)).await.unwrap();
    let building = shouwang_db::registry::region_by_id(
        &w.t.db.read,
        shouwang_db::supplies::runs_of(&w.t.db.read, id).await.unwrap()[0].run.building_id,
    )
    .await
    .unwrap()
    .unwrap();
    let slips = shouwang_service::registry::building_slips(&w.ctx, &w.admin, &code(&building.code)).await.unwrap();
    let token = slips.slips[0].1.clone();
    let mine = supplies::household_deliveries(&w.ctx, &token, shouwang_domain::Lang::Zh).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(mine[0].shares.contains("蔬菜包 1份"));
    let s = supplies::household_confirm(&w.ctx, &token, id, false, "hh-key-000001", None).await.unwrap();
    assert_eq!(s, DeliveryStatus::NotReceived);
    let s = supplies::household_confirm(&w.ctx, &token, id, true, "hh-key-000001", None).await.unwrap();
    assert_eq!(s, DeliveryStatus::NotReceived, "the same key again changes nothing");
    let coverage = supplies::coverage(&w.ctx, &w.admin, id).await.unwrap();
    assert_eq!(coverage.settled, 0, "\"not received\" keeps the household on the list");
    supplies::household_confirm(&w.ctx, &token, id, true, "hh-key-000002", None).await.unwrap();
    assert_eq!(supplies::coverage(&w.ctx, &w.admin, id).await.unwrap().settled, 1);
}

#[tokio::test]
async fn a_stock_never_goes_below_zero() {
    let w = world().await;
    let stock = |into: bool, quantity: i64| StockInput {
        place: "shelf".into(),
        item: "口罩".into(),
        unit: "个".into(),
        quantity,
        into,
        reason: "许冬卫楼互助架".into(),
    };
    assert_eq!(supplies::move_stock(&w.ctx, &w.admin, "sy", &stock(true, 20)).await.unwrap(), 20);
    assert_eq!(supplies::move_stock(&w.ctx, &w.admin, "sy", &stock(false, 15)).await.unwrap(), 5);
    let refused = supplies::move_stock(&w.ctx, &w.admin, "sy", &stock(false, 6)).await.unwrap_err();
    assert!(matches!(refused, Error::Invalid(shouwang_domain::Refusal::Supplies(Refusal::StockTooLow { .. }))));
    assert!(supplies::move_stock(&w.ctx, &w.admin, "sy", &stock(true, 99_999_999)).await.is_err());
    let overview = supplies::overview(&w.ctx, &w.admin, "sy").await.unwrap();
    let shelf = overview.stocks.iter().find(|s| s.item == "口罩").unwrap();
    assert!(shelf.on_hand == 5 && shelf.low);
    // The public books show the shelf without the reasons (they may name people).
    let books = shouwang_service::ledger::public_books(&w.ctx, "sy").await.unwrap();
    assert_eq!(books.shelf.iter().map(|s| s.balance()).sum::<i64>(), 5);
    assert_eq!(books.entries, 2, "the refused take wrote nothing");
}

#[tokio::test]
async fn doors_recorded_all_at_once_are_each_recorded_once() {
    let w = world().await;
    let id = received(&w).await;
    let detail = supplies::consignment(&w.ctx, &w.admin, id).await.unwrap();
    supplies::allocate(&w.ctx, &w.admin, id, &per_household(&detail, 0)).await.unwrap();
    let detail = supplies::consignment(&w.ctx, &w.admin, id).await.unwrap();
    let mut asks = Vec::new();
    for run in &detail.runs {
        let sheet = supplies::run_sheet(&w.ctx, &w.admin, run.id).await.unwrap();
        for d in sheet.floors.iter().flat_map(|f| &f.doors) {
            // Each door twice with one key: a phone that retried.
            for _ in 0..2 {
                let door = DoorInput {
                    household_id: Some(d.household_id),
                    code: None,
                    outcome: "delivered".into(),
                    key: format!("burst-{}", d.household_id.simple()),
                };
                let ctx = w.ctx.clone();
                let admin = w.admin.clone();
                let run = run.id;
                asks.push(tokio::spawn(async move { supplies::record_door(&ctx, &admin, run, &door).await }));
            }
        }
    }
    assert_eq!(asks.len(), 24);
    for a in asks {
        assert_eq!(a.await.unwrap().unwrap().status, "delivered");
    }
    assert_eq!(w.t.count_rows("delivery_event").await, 12, "one event per door");
    assert_eq!(supplies::coverage(&w.ctx, &w.admin, id).await.unwrap().settled, 12);
    let books = shouwang_service::ledger::public_books(&w.ctx, "sy").await.unwrap();
    assert_eq!(books.consignments.iter().find(|c| c.item == "蔬菜包").unwrap().delivered, 12);
    assert!(shouwang_service::ledger::verify(&w.ctx, "sy").await.unwrap().broken.is_none());
}

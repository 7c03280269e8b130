//! The promises of the allocation (SPEC §4.5, issue 12): every household with
//! a share lands in exactly one run, the books balance, nothing is negative,
//! households in need come first when stock is short.

use std::collections::BTreeMap;

use proptest::prelude::*;
use shouwang_domain::supplies::{
    AllocationBasis, DeliveryStatus, Door, ItemRule, Refusal, allocate_item, doors_in_order, floor_of, split_runs, take,
};

fn doors() -> impl Strategy<Value = Vec<Door<u32>>> {
    prop::collection::vec((0u32..6, 1i32..20, 1u32..30, 0u32..7, any::<bool>()), 0..120).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (b, floor, room, persons, need))| Door {
                id: i as u32 + 1000,
                building: b,
                building_key: format!("{}", b + 1),
                floor: Some(floor),
                room_key: format!("{floor}{room:02}"),
                persons,
                in_need: need,
            })
            .collect()
    })
}

fn basis() -> impl Strategy<Value = AllocationBasis> {
    prop::sample::select(AllocationBasis::ALL.to_vec())
}

proptest! {
    #[test]
    fn the_books_balance_and_nothing_is_negative(
        doors in doors(), basis in basis(), received in 1i64..2_000, per_share in 1i64..5,
        reserve in 0i64..300, written_off in 0i64..300,
    ) {
        let order = doors_in_order(basis, &doors);
        let rule = ItemRule { received, written_off, per_share, reserve };
        match allocate_item(basis, &doors, &order, rule, "蔬菜包") {
            Ok(plan) => {
                prop_assert!(plan.balances(received));
                prop_assert!(plan.allocated >= 0 && plan.reserve >= reserve && plan.written_off == written_off);
                prop_assert!(plan.shares.iter().all(|&(_, u)| u > 0));
                prop_assert_eq!(plan.shares.iter().map(|&(_, u)| u).sum::<i64>(), plan.allocated);
                // Every door of the allocation either has a share or is listed short, never both.
                let mut seen: Vec<usize> = plan.shares.iter().map(|&(i, _)| i).chain(plan.short.iter().copied()).collect();
                seen.sort_unstable();
                let mut want = order.clone();
                want.sort_unstable();
                prop_assert_eq!(seen, want);
            }
            Err(Refusal::ReserveExceedsStock { .. }) => prop_assert!(reserve + written_off > received),
            Err(other) => prop_assert!(false, "unexpected refusal {other:?}"),
        }
    }

    #[test]
    fn every_household_with_a_share_lands_in_exactly_one_run(doors in doors(), basis in basis(), received in 1i64..500) {
        let order = doors_in_order(basis, &doors);
        let plan = allocate_item(basis, &doors, &order, ItemRule { received, written_off: 0, per_share: 1, reserve: 0 }, "x").unwrap();
        let served: Vec<usize> = plan.shares.iter().map(|&(i, _)| i).collect();
        let runs = split_runs(&doors, &served);
        let mut count: BTreeMap<usize, usize> = BTreeMap::new();
        for run in &runs {
            prop_assert!(!run.doors.is_empty());
            for &i in &run.doors {
                prop_assert_eq!(doors[i].building, run.building, "a door in another building's run");
                *count.entry(i).or_default() += 1;
            }
        }
        prop_assert_eq!(count.len(), served.len());
        prop_assert!(count.values().all(|&n| n == 1));
        // One run per building, doors by floor.
        let mut buildings: Vec<u32> = runs.iter().map(|r| r.building).collect();
        buildings.dedup();
        prop_assert_eq!(buildings.len(), runs.len());
        for run in &runs {
            prop_assert!(run.doors.windows(2).all(|w| doors[w[0]].floor <= doors[w[1]].floor));
        }
    }

    #[test]
    fn when_stock_is_short_households_in_need_are_served_first(doors in doors(), received in 1i64..60) {
        let order = doors_in_order(AllocationBasis::PerHousehold, &doors);
        let plan = allocate_item(
            AllocationBasis::PerHousehold, &doors, &order,
            ItemRule { received, written_off: 0, per_share: 1, reserve: 0 }, "x",
        ).unwrap();
        if plan.short.iter().any(|&i| doors[i].in_need) {
            prop_assert!(plan.shares.iter().all(|&(i, _)| doors[i].in_need));
        }
    }

    #[test]
    fn a_stock_never_goes_below_zero(on_hand in 0i64..1000, quantity in -5i64..2000) {
        match take(on_hand, quantity, "口罩") {
            Ok(left) => prop_assert!(left >= 0 && left == on_hand - quantity),
            Err(_) => prop_assert!(quantity < 1 || quantity > on_hand),
        }
    }
}

#[test]
fn by_need_serves_only_the_households_in_need() {
    // 云飞雅苑: the 7 elderly living alone get the protective supplies first.
    let doors: Vec<Door<u32>> = (0..40)
        .map(|i| Door {
            id: i,
            building: i % 4,
            building_key: format!("{}", i % 4 + 1),
            floor: Some((i % 6) as i32 + 1),
            room_key: format!("{}0{}", i % 6 + 1, i % 3 + 1),
            persons: 2,
            in_need: i % 6 == 0 && i < 42,
        })
        .collect();
    let order = doors_in_order(AllocationBasis::ByNeed, &doors);
    assert_eq!(order.len(), 7);
    let plan = allocate_item(
        AllocationBasis::ByNeed,
        &doors,
        &order,
        ItemRule { received: 20, written_off: 0, per_share: 2, reserve: 0 },
        "防护包",
    )
    .unwrap();
    assert_eq!(plan.allocated, 14);
    assert_eq!(plan.reserve, 6, "what is left over goes to the reserve pool");
    assert!(plan.shares.iter().all(|&(i, _)| doors[i].in_need));
}

#[test]
fn per_person_gives_each_household_its_members_share() {
    let door = |id: u32, persons: u32| Door {
        id,
        building: 1,
        building_key: "1".into(),
        floor: Some(1),
        room_key: format!("10{id}"),
        persons,
        in_need: false,
    };
    let doors = vec![door(1, 3), door(2, 0), door(3, 1)];
    let order = doors_in_order(AllocationBasis::PerPerson, &doors);
    let plan = allocate_item(
        AllocationBasis::PerPerson,
        &doors,
        &order,
        ItemRule { received: 100, written_off: 5, per_share: 2, reserve: 10 },
        "鸡蛋",
    )
    .unwrap();
    let units: Vec<i64> = plan.shares.iter().map(|&(_, u)| u).collect();
    assert_eq!(units, [6, 2, 2], "an empty household still counts as one person");
    assert!(plan.balances(100));
}

#[test]
fn out_of_range_quantities_are_refused() {
    let doors: Vec<Door<u32>> = Vec::new();
    let r = allocate_item(
        AllocationBasis::PerHousehold,
        &doors,
        &[],
        ItemRule { received: i64::MAX, written_off: 0, per_share: 1, reserve: 0 },
        "x",
    );
    assert!(matches!(r, Err(Refusal::Quantity(_))));
    let r = allocate_item(
        AllocationBasis::PerHousehold,
        &doors,
        &[],
        ItemRule { received: 10, written_off: 0, per_share: 0, reserve: 0 },
        "x",
    );
    assert!(matches!(r, Err(Refusal::Quantity(_))));
}

#[test]
fn floors_are_read_from_rooms() {
    assert_eq!(floor_of("1203"), Some(12));
    assert_eq!(floor_of("302"), Some(3));
    assert_eq!(floor_of("12-301"), Some(3));
    assert_eq!(floor_of("B1"), None);
    assert_eq!(floor_of("5"), None);
}

#[test]
fn only_goods_at_the_door_count_as_delivered() {
    assert!(DeliveryStatus::Delivered.is_delivered() && DeliveryStatus::Received.is_delivered());
    assert!(!DeliveryStatus::NotReceived.is_settled());
    assert!(!DeliveryStatus::NobodyHome.is_settled());
    assert!(DeliveryStatus::Refused.is_settled() && !DeliveryStatus::Refused.is_delivered());
}

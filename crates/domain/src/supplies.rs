//! Supplies to every door (SPEC §4.5): consignments, their allocation to
//! households, the delivery runs per building, and what happened at each door.
//!
//! The allocation is a pure function over plain data so that its promises are
//! property-tested (`tests/domain/supplies.rs`): every household with a share
//! lands in exactly one run, the books balance (received equals allocated
//! plus reserve plus written off), nothing is negative, and when the stock is
//! short the households in need are served first.

use std::collections::BTreeMap;

use crate::bounds::{Field, OutOfRange};
use crate::lang::Lang;
use crate::task::small_vocabulary;

small_vocabulary! {
    /// Where a consignment comes from.
    ConsignmentSource {
        Government => "government", "政府保供", "government supply";
        Donation => "donation", "社会捐赠", "donation";
        GroupBuy => "group_buy", "团购订单", "group-buy order";
        Purchase => "purchase", "社区采购", "community purchase";
    }
}

small_vocabulary! {
    /// How a consignment is shared out.
    AllocationBasis {
        PerHousehold => "per_household", "按户分配", "per household";
        PerPerson => "per_person", "按人分配", "per person";
        ByNeed => "by_need", "按需分配（特殊群体优先）", "by need (care subjects)";
    }
}

small_vocabulary! {
    /// Where a consignment stands.
    ConsignmentState {
        Expected => "expected", "待到货", "expected";
        Received => "received", "已清点入库", "received";
        Allocated => "allocated", "已分配", "allocated";
    }
}

small_vocabulary! {
    /// What a household's delivery stands at: the last word from the door
    /// (a volunteer) or from the household itself (its link).
    DeliveryStatus {
        Pending => "pending", "待配送", "to deliver";
        Delivered => "delivered", "已送达", "delivered";
        NobodyHome => "nobody_home", "无人应答", "nobody home";
        Refused => "refused", "拒收", "refused";
        WrongAddress => "wrong_address", "地址有误", "wrong address";
        Received => "received", "居民已确认收到", "receipt confirmed";
        NotReceived => "not_received", "居民反映未收到", "reported not received";
    }
}

small_vocabulary! {
    /// The small stocks kept for urgent needs.
    StockPlace {
        Reserve => "reserve", "爱心储备池", "reserve pool";
        Shelf => "shelf", "互助架", "sharing shelf";
    }
}

impl DeliveryStatus {
    /// What a volunteer may record at the door.
    pub const AT_THE_DOOR: [DeliveryStatus; 4] =
        [DeliveryStatus::Delivered, DeliveryStatus::NobodyHome, DeliveryStatus::Refused, DeliveryStatus::WrongAddress];
    /// What a household may say from its link.
    pub const FROM_THE_HOUSEHOLD: [DeliveryStatus; 2] = [DeliveryStatus::Received, DeliveryStatus::NotReceived];

    /// The goods are at the door: a volunteer handed them over or the
    /// household confirmed them.
    pub fn is_delivered(self) -> bool {
        matches!(self, DeliveryStatus::Delivered | DeliveryStatus::Received)
    }

    /// Nobody needs to go to this door again for this consignment: the goods
    /// arrived or the household declined them. Every other status keeps the
    /// household on the "not yet covered" list.
    pub fn is_settled(self) -> bool {
        self.is_delivered() || self == DeliveryStatus::Refused
    }
}

/// The most item lines one consignment carries.
pub const MAX_ITEMS: usize = 20;
/// The longest name of an item, a unit or a title, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// The least stock on hand that does not raise a low-stock warning.
pub const LOW_STOCK: i64 = 10;

/// The floor of a room, read from its key: "1203" is on floor 12, "302" on
/// floor 3, "12-301" on floor 3 (the part after the last dash). A room
/// without at least three trailing digits has no floor we can tell.
pub fn floor_of(room_key: &str) -> Option<i32> {
    let tail = room_key.rsplit(['-', '—']).next().unwrap_or(room_key);
    let digits: String =
        tail.chars().rev().take_while(char::is_ascii_digit).collect::<Vec<_>>().into_iter().rev().collect();
    if digits.len() < 3 || digits.len() > 5 {
        return None;
    }
    digits[..digits.len() - 2].parse().ok()
}

/// A household as the allocation sees it. `Id` is opaque (the domain
/// crate has no uuid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Door<Id> {
    pub id: Id,
    pub building: Id,
    /// Sort key of the building in the community (its name's key).
    pub building_key: String,
    pub floor: Option<i32>,
    pub room_key: String,
    /// Registered residents (a household with none still gets one share per person).
    pub persons: u32,
    /// Someone in it carries a care tag (living alone, dialysis, ...).
    pub in_need: bool,
}

/// What one item line of a consignment asks of the allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRule {
    /// Counted in at the gate.
    pub received: i64,
    /// Damaged or lost before allocation.
    pub written_off: i64,
    /// Units per household (or per person).
    pub per_share: i64,
    /// Held back for the reserve pool, at least.
    pub reserve: i64,
}

/// The allocation of one item line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemPlan {
    /// (index into the doors, units): only doors that get something.
    pub shares: Vec<(usize, i64)>,
    pub allocated: i64,
    /// The reserve asked for plus whatever was left over.
    pub reserve: i64,
    pub written_off: i64,
    /// Doors of the allocation left without this item because stock ran out.
    pub short: Vec<usize>,
}

impl ItemPlan {
    /// received = allocated + reserve + written off.
    pub fn balances(&self, received: i64) -> bool {
        self.allocated.checked_add(self.reserve).and_then(|x| x.checked_add(self.written_off)) == Some(received)
    }
}

/// Why a consignment, its allocation or a stock movement is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    BadTitle,
    BadItemName,
    NoItems,
    TooManyItems {
        max: usize,
    },
    UnknownSource,
    UnknownBasis,
    UnknownOutcome,
    UnknownPlace,
    Quantity(OutOfRange),
    /// The reserve and write-offs asked for exceed what arrived.
    ReserveExceedsStock {
        item: String,
    },
    /// Received counts were already recorded.
    AlreadyReceived,
    /// Allocation needs the count at the gate first.
    NotReceivedYet,
    AlreadyAllocated,
    /// Nobody to allocate to: no households (or none in need for "by need").
    NobodyToServe,
    ConsignmentNotFound,
    RunNotFound,
    HouseholdNotFound,
    /// The household is not on this run (a scanned code of another building).
    NotOnRun,
    /// Only the holder of the run (or the committee) records at its doors.
    RunNotHeld,
    /// An idempotency key must be 8 to 64 letters, digits, `-` or `_`.
    BadIdempotencyKey,
    /// Taking out more than the stock holds.
    StockTooLow {
        item: String,
        on_hand: i64,
    },
    ReasonNeeded,
    GroupNotInCommunity,
    /// Nothing was allocated to this household in this consignment.
    NotForThisHousehold,
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        use crate::i18n::{t, t_with};
        let key = match self {
            Refusal::TooManyItems { max } => return t_with(lang, "refusal.supplies.too_many_items", &[("max", max)]),
            Refusal::Quantity(r) => return r.message(lang),
            Refusal::ReserveExceedsStock { item } => {
                return t_with(lang, "refusal.supplies.reserve_exceeds_stock", &[("item", item)]);
            }
            Refusal::StockTooLow { item, on_hand } => {
                return t_with(lang, "refusal.supplies.stock_too_low", &[("item", item), ("on_hand", on_hand)]);
            }
            Refusal::BadTitle => "refusal.supplies.bad_title",
            Refusal::BadItemName => "refusal.supplies.bad_item_name",
            Refusal::NoItems => "refusal.supplies.no_items",
            Refusal::UnknownSource => "refusal.supplies.unknown_source",
            Refusal::UnknownBasis => "refusal.supplies.unknown_basis",
            Refusal::UnknownOutcome => "refusal.supplies.unknown_outcome",
            Refusal::UnknownPlace => "refusal.supplies.unknown_place",
            Refusal::AlreadyReceived => "refusal.supplies.already_received",
            Refusal::NotReceivedYet => "refusal.supplies.not_received_yet",
            Refusal::AlreadyAllocated => "refusal.supplies.already_allocated",
            Refusal::NobodyToServe => "refusal.supplies.nobody_to_serve",
            Refusal::ConsignmentNotFound => "refusal.supplies.consignment_not_found",
            Refusal::RunNotFound => "refusal.supplies.run_not_found",
            Refusal::HouseholdNotFound => "refusal.supplies.household_not_found",
            Refusal::NotOnRun => "refusal.supplies.not_on_run",
            Refusal::RunNotHeld => "refusal.supplies.run_not_held",
            Refusal::BadIdempotencyKey => "refusal.supplies.bad_idempotency_key",
            Refusal::ReasonNeeded => "refusal.supplies.reason_needed",
            Refusal::GroupNotInCommunity => "refusal.supplies.group_not_in_community",
            Refusal::NotForThisHousehold => "refusal.supplies.not_for_this_household",
        };
        t(lang, key)
    }
}

impl From<OutOfRange> for Refusal {
    fn from(r: OutOfRange) -> Refusal {
        Refusal::Quantity(r)
    }
}

/// A name of an item, a unit or a consignment: trimmed, 1 to
/// [`MAX_NAME_CHARS`] characters.
pub fn name(s: &str, refusal: Refusal) -> Result<String, Refusal> {
    let s = crate::text::normalize(s);
    let n = s.chars().count();
    if n == 0 || n > MAX_NAME_CHARS { Err(refusal) } else { Ok(s) }
}

/// A client-made idempotency key (a retried door confirmation sends the same one).
pub fn idempotency_key(s: &str) -> Result<String, Refusal> {
    let ok = (8..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(s.to_string()) } else { Err(Refusal::BadIdempotencyKey) }
}

/// The doors an allocation serves, in the order they are served when stock
/// runs short: households in need first, then by building, floor and room.
/// "By need" serves only the households in need.
pub fn doors_in_order<Id: Copy>(basis: AllocationBasis, doors: &[Door<Id>]) -> Vec<usize> {
    let mut order: Vec<usize> =
        (0..doors.len()).filter(|&i| basis != AllocationBasis::ByNeed || doors[i].in_need).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&doors[a], &doors[b]);
        y.in_need
            .cmp(&x.in_need)
            .then_with(|| natural(&x.building_key).cmp(&natural(&y.building_key)))
            .then_with(|| x.floor.cmp(&y.floor))
            .then_with(|| natural(&x.room_key).cmp(&natural(&y.room_key)))
    });
    order
}

/// Sort key of a building or room name: "2" before "10" (numbers compare as
/// numbers, then the text).
pub fn natural(s: &str) -> (u64, &str) {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    (digits.parse().unwrap_or(u64::MAX), s)
}

/// Plans one item line over the doors (in the order of [`doors_in_order`]).
pub fn allocate_item<Id: Copy>(
    basis: AllocationBasis,
    doors: &[Door<Id>],
    order: &[usize],
    rule: ItemRule,
    item: &str,
) -> Result<ItemPlan, Refusal> {
    let field = |v: i64| Field::SupplyQuantity.check(v).map_err(Refusal::from);
    field(rule.received)?;
    Field::PerShare.check(rule.per_share)?;
    Field::Reserve.check(rule.reserve)?;
    Field::Reserve.check(rule.written_off)?;
    let held = rule.reserve + rule.written_off; // both bounded: no overflow
    let mut available = rule.received - held;
    if available < 0 {
        return Err(Refusal::ReserveExceedsStock { item: item.to_string() });
    }
    let mut plan =
        ItemPlan { shares: Vec::new(), allocated: 0, reserve: 0, written_off: rule.written_off, short: Vec::new() };
    for &i in order {
        let units = match basis {
            AllocationBasis::PerPerson => rule.per_share * i64::from(doors[i].persons.clamp(1, 100)),
            AllocationBasis::PerHousehold | AllocationBasis::ByNeed => rule.per_share,
        };
        if units <= available {
            available -= units;
            plan.allocated += units;
            plan.shares.push((i, units));
        } else {
            plan.short.push(i);
        }
    }
    plan.reserve = rule.reserve + available;
    Ok(plan)
}

/// Sort key of a door on a run: by floor, then room ("302" before "1201").
pub fn door_order(room_key: &str) -> (Option<i32>, usize, &str) {
    (floor_of(room_key), room_key.len(), room_key)
}

/// One building's run: the doors that get something, by floor and room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPlan<Id> {
    pub building: Id,
    pub doors: Vec<usize>,
}

/// Splits the doors with a share into one run per building, each door in
/// exactly one run, runs in building order and doors by floor and room.
pub fn split_runs<Id: Copy + Ord>(doors: &[Door<Id>], served: &[usize]) -> Vec<RunPlan<Id>> {
    let mut by_building: BTreeMap<(u64, String, Id), Vec<usize>> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for &i in served {
        if !seen.insert(i) {
            continue;
        }
        let d = &doors[i];
        let (n, s) = natural(&d.building_key);
        by_building.entry((n, s.to_string(), d.building)).or_default().push(i);
    }
    by_building
        .into_iter()
        .map(|((_, _, building), mut list)| {
            list.sort_by(|&a, &b| {
                let (x, y) = (&doors[a], &doors[b]);
                x.floor.cmp(&y.floor).then_with(|| natural(&x.room_key).cmp(&natural(&y.room_key)))
            });
            RunPlan { building, doors: list }
        })
        .collect()
}

/// How much a stock holds after its movements (in positive, out negative);
/// a take that would go below zero is refused.
pub fn take(on_hand: i64, quantity: i64, item: &str) -> Result<i64, Refusal> {
    Field::SupplyQuantity.check(quantity)?;
    match on_hand.checked_sub(quantity) {
        Some(left) if left >= 0 => Ok(left),
        _ => Err(Refusal::StockTooLow { item: item.to_string(), on_hand }),
    }
}

//! Supplies to every door (SPEC §4.5): a consignment is recorded, counted in
//! at the gate, allocated (previewed, then confirmed) into one delivery run
//! per building, and each door is confirmed by the volunteer holding the run
//! or by the household from its link. The coverage list shows who is still
//! waiting. The allocation itself is the pure `domain::supplies`.
//!
//! Visibility (SPEC §5): rooms and names on a run show to staff who may read
//! households and to the volunteer holding the run's claim; phones only to
//! that holder. Everyone else sees the run's counts.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use shouwang_db::entity::region;
use shouwang_db::supplies::{self as store, Count, DoorRow, ItemAllocation, NewDoor, NewRun, RecordedBy};
use shouwang_db::tasks as task_store;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::bounds::Field;
use shouwang_domain::clock;
use shouwang_domain::supplies::{
    self as rules, AllocationBasis, ConsignmentSource, ConsignmentState, DeliveryStatus, Door, ItemRule, MAX_ITEMS,
    Refusal, StockPlace, natural,
};
use shouwang_domain::task::WorkKind;
use uuid::Uuid;

use crate::tasks::{CLAIM_HOLD_MINUTES, Claimed};
use crate::{Actor, Context, Error, Result};

// --- inputs -------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
pub struct ItemInput {
    pub name: String,
    pub unit: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConsignmentInput {
    pub title: String,
    /// A `ConsignmentSource` code or label.
    pub source: String,
    /// `YYYY-MM-DD HH:MM` (Beijing) or RFC 3339; absent: not yet arrived.
    pub arrived_at: Option<String>,
    pub items: Vec<ItemInput>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CountInput {
    pub item_id: Uuid,
    pub received: i64,
    #[serde(default)]
    pub written_off: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RuleInput {
    pub item_id: Uuid,
    pub per_share: i64,
    #[serde(default)]
    pub reserve: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AllocationInput {
    /// An `AllocationBasis` code.
    pub basis: String,
    pub items: Vec<RuleInput>,
    /// Only the households of these compounds (none: the whole community).
    #[serde(default)]
    pub compounds: Vec<Uuid>,
}

// --- views --------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub id: Uuid,
    pub name: String,
    pub unit: String,
    pub expected: i64,
    pub received: Option<i64>,
    pub written_off: i64,
    pub per_share: Option<i64>,
    pub allocated: i64,
    pub reserve: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsignmentView {
    pub id: Uuid,
    pub community: String,
    pub title: String,
    pub source: String,
    pub source_label: String,
    pub state: String,
    pub state_label: String,
    pub basis: Option<String>,
    pub arrived_at: Option<String>,
    pub items: Vec<ItemView>,
    /// Households of the allocation, and how many are settled.
    pub households: i64,
    pub settled: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StockView {
    pub place: String,
    pub place_label: String,
    pub item: String,
    pub unit: String,
    pub on_hand: i64,
    pub low: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MovementView {
    pub at: String,
    pub place_label: String,
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    pub reason: String,
    pub by: String,
}

/// The supplies page of a community.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub community: String,
    pub community_name: String,
    pub consignments: Vec<ConsignmentView>,
    pub stocks: Vec<StockView>,
    pub movements: Vec<MovementView>,
    pub can_write: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub id: Uuid,
    pub building: String,
    pub households: i32,
    pub settled: i64,
    pub group: Option<String>,
    pub holder: Option<String>,
    pub held_by_me: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsignmentDetail {
    pub consignment: ConsignmentView,
    pub runs: Vec<RunView>,
    pub can_write: bool,
    /// May export the runs (rooms and names) to Excel.
    pub can_export: bool,
    /// The community's groups' ids and names (for "give to a group").
    pub groups: Vec<(Uuid, String)>,
    /// The community's compounds (to allocate to some of them).
    pub compounds: Vec<(Uuid, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemPreview {
    pub item_id: Uuid,
    pub name: String,
    pub unit: String,
    pub received: i64,
    pub written_off: i64,
    pub allocated: i64,
    pub reserve: i64,
    /// Rooms left without it because stock ran short ("3号楼 1203").
    pub short: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AllocationPreview {
    pub households: usize,
    pub runs: Vec<(String, usize)>,
    pub items: Vec<ItemPreview>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoorView {
    pub delivery_id: Uuid,
    pub household_id: Uuid,
    /// Empty when the actor may not see it.
    pub room: String,
    pub name: String,
    pub phone: String,
    pub status: String,
    pub status_label: String,
    pub settled: bool,
    pub in_need: bool,
    /// "蔬菜包 1箱、鸡蛋 1盒"
    pub shares: String,
    /// What a scanned QR code carries, for the offline page to match locally.
    pub code: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FloorView {
    pub label: String,
    pub doors: Vec<DoorView>,
}

/// A run's sort sheet and door list.
#[derive(Debug, Clone, Serialize)]
pub struct RunSheet {
    pub id: Uuid,
    pub community: String,
    pub consignment_id: Uuid,
    pub consignment: String,
    pub building: String,
    pub group: Option<String>,
    pub holder: Option<String>,
    pub held_by_me: bool,
    /// Rooms and names are shown.
    pub visible: bool,
    /// The actor may record at its doors.
    pub can_record: bool,
    pub can_claim: bool,
    /// The community's groups, for staff to give the run to one: (id, name).
    pub groups: Vec<(Uuid, String)>,
    pub group_id: Option<Uuid>,
    pub households: usize,
    pub settled: usize,
    /// Units per item over the whole run: (item, unit, units).
    pub totals: Vec<(String, String, i64)>,
    pub floors: Vec<FloorView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoorRecorded {
    pub room: String,
    pub status: String,
    pub status_label: String,
    /// The key was seen before: nothing changed.
    pub repeated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    pub building: String,
    /// Empty when the actor may not see rooms.
    pub room: String,
    pub status_label: String,
    pub in_need: bool,
    pub run_id: Uuid,
    pub group: Option<String>,
    pub waited_hours: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub consignment_id: Uuid,
    pub consignment: String,
    pub community: String,
    pub total: i64,
    pub settled: i64,
    /// Households left per building, in building order.
    pub by_building: Vec<(String, usize)>,
    pub rows: Vec<CoverageRow>,
}

/// One consignment as a household sees it on its link page.
#[derive(Debug, Clone, Serialize)]
pub struct HouseholdDelivery {
    pub consignment_id: Uuid,
    pub title: String,
    pub shares: String,
    pub status: String,
    pub status_label: String,
    pub delivered: bool,
}

// --- helpers ------------------------------------------------------------------

fn lang(actor: &Actor) -> shouwang_domain::Lang {
    actor.lang
}

fn shares_text(shares: &[(String, String, i64)]) -> String {
    shares.iter().map(|(n, u, q)| format!("{n} {q}{u}")).collect::<Vec<_>>().join("、")
}

fn view(c: &store::Consignment, community: &str, counts: Option<(i64, i64)>, actor: &Actor) -> ConsignmentView {
    let l = lang(actor);
    let source = ConsignmentSource::from_code(&c.row.source);
    let (households, settled) = counts.unwrap_or((0, 0));
    ConsignmentView {
        id: c.row.id,
        community: community.to_string(),
        title: c.row.title.clone(),
        source: c.row.source.clone(),
        source_label: source.map(|s| s.label(l).to_string()).unwrap_or_default(),
        state: c.state().code().to_string(),
        state_label: c.state().label(l).to_string(),
        basis: c.row.basis.clone(),
        arrived_at: c.row.arrived_at.map(clock::minute_text),
        items: c
            .items
            .iter()
            .map(|i| ItemView {
                id: i.id,
                name: i.name.clone(),
                unit: i.unit.clone(),
                expected: i.expected,
                received: i.received,
                written_off: i.written_off,
                per_share: i.per_share,
                allocated: i.allocated,
                reserve: i.reserve,
            })
            .collect(),
        households,
        settled,
    }
}

/// The consignment `id` and its community, checked for `action`.
async fn consignment_for(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<(store::Consignment, region::Model)> {
    let missing = || Error::missing(Refusal::ConsignmentNotFound);
    let c = store::consignment(&ctx.db.read, id).await?.ok_or_else(missing)?;
    let community = shouwang_db::registry::region_by_id(&ctx.db.read, c.row.community_id).await?.ok_or_else(missing)?;
    actor.require(Resource::Supplies, action, &community.path)?;
    Ok((c, community))
}

/// The run `id`, its consignment and community, checked for Supplies Read.
async fn run_for(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
) -> Result<(shouwang_db::entity::delivery_run::Model, store::Consignment, region::Model)> {
    let missing = || Error::missing(Refusal::RunNotFound);
    let run = store::run_by_id(&ctx.db.read, id).await?.ok_or_else(missing)?;
    let (c, community) = consignment_for(ctx, actor, run.consignment_id, Action::Read).await.map_err(|e| match e {
        Error::NotFound(_) => missing(),
        e => e,
    })?;
    Ok((run, c, community))
}

fn parse_when(s: &str) -> Result<time::OffsetDateTime> {
    crate::tasks::parse_time(s)
}

// --- use cases ----------------------------------------------------------------

/// The community's consignments and stocks.
pub async fn overview(ctx: &Context, actor: &Actor, code: &str) -> Result<Overview> {
    let community = crate::community_for(ctx, actor, code, Resource::Supplies, Action::Read).await?;
    let read = &ctx.db.read;
    let list = store::consignments_of(read, community.id).await?;
    let counts = store::coverage_counts(read, &list.iter().map(|c| c.row.id).collect::<Vec<_>>()).await?;
    let l = lang(actor);
    let stocks = store::stock_levels(read, community.id)
        .await?
        .into_iter()
        .filter(|s| s.on_hand != 0)
        .map(|s| StockView {
            place: s.place.code().to_string(),
            place_label: s.place.label(l).to_string(),
            low: s.on_hand < rules::LOW_STOCK,
            item: s.item,
            unit: s.unit,
            on_hand: s.on_hand,
        })
        .collect();
    let movements = store::movements(read, community.id, 30)
        .await?
        .into_iter()
        .map(|m| MovementView {
            at: clock::minute_text(m.at),
            place_label: StockPlace::from_code(&m.place).map(|p| p.label(l).to_string()).unwrap_or_default(),
            item: m.item,
            unit: m.unit,
            quantity: m.quantity,
            reason: m.reason,
            by: m.by_name,
        })
        .collect();
    Ok(Overview {
        consignments: list.iter().map(|c| view(c, &community.code, counts.get(&c.row.id).copied(), actor)).collect(),
        can_write: actor.can(Resource::Supplies, Action::Write, &community.path),
        community: community.code,
        community_name: community.name,
        stocks,
        movements,
    })
}

/// Records a consignment that arrived (or is on its way).
pub async fn create_consignment(ctx: &Context, actor: &Actor, code: &str, input: &ConsignmentInput) -> Result<Uuid> {
    let community = crate::community_for(ctx, actor, code, Resource::Supplies, Action::Write).await?;
    let title = rules::name(&input.title, Refusal::BadTitle).map_err(Error::refused)?;
    let source = ConsignmentSource::parse(&input.source).ok_or_else(|| Error::refused(Refusal::UnknownSource))?;
    let arrived_at = match input.arrived_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(parse_when(s)?),
        None => None,
    };
    let items: Vec<&ItemInput> =
        input.items.iter().filter(|i| !(i.name.trim().is_empty() && i.quantity == 0)).collect();
    if items.is_empty() {
        return Err(Error::refused(Refusal::NoItems));
    }
    if items.len() > MAX_ITEMS {
        return Err(Error::refused(Refusal::TooManyItems { max: MAX_ITEMS }));
    }
    let mut new_items = Vec::with_capacity(items.len());
    for i in items {
        new_items.push(store::NewItem {
            name: rules::name(&i.name, Refusal::BadItemName).map_err(Error::refused)?,
            unit: rules::name(&i.unit, Refusal::BadItemName).map_err(Error::refused)?,
            expected: Field::SupplyQuantity.check(i.quantity).map_err(Error::refused)?,
        });
    }
    let mut entry = actor.entry("supplies.consignment", "consignment", None, &community);
    entry.detail = serde_json::json!({ "title": title, "items": new_items.len() });
    let c = store::NewConsignment {
        community_id: community.id,
        title,
        source,
        arrived_at,
        items: new_items,
        by_name: actor.display_name.clone(),
    };
    Ok(store::create_consignment(&ctx.db, &c, entry).await?)
}

/// One consignment with its runs.
pub async fn consignment(ctx: &Context, actor: &Actor, id: Uuid) -> Result<ConsignmentDetail> {
    let (c, community) = consignment_for(ctx, actor, id, Action::Read).await?;
    let read = &ctx.db.read;
    let counts = store::coverage_counts(read, &[id]).await?;
    let now = ctx.clock.now();
    let me = crate::volunteer_of(ctx, actor).await?.filter(|v| v.community_id == community.id);
    let mut runs = Vec::new();
    let group_names = store::group_names(read, community.id).await?;
    for r in store::runs_of(read, id).await? {
        let holder = task_store::live_claim(read, WorkKind::BuildingRun, r.run.id, now).await?;
        let holder_name = match &holder {
            Some(h) => task_store::names_of(read, &[h.volunteer_id]).await?.remove(&h.volunteer_id),
            None => None,
        };
        runs.push(RunView {
            id: r.run.id,
            building: r.building,
            households: r.run.households,
            settled: r.settled,
            group: r.run.group_id.and_then(|g| group_names.get(&g).cloned()),
            held_by_me: matches!((&holder, &me), (Some(h), Some(m)) if h.volunteer_id == m.id),
            holder: holder_name,
        });
    }
    let can_write = actor.can(Resource::Supplies, Action::Write, &community.path);
    let mut groups: Vec<(Uuid, String)> = group_names.into_iter().collect();
    groups.sort_by(|a, b| a.1.cmp(&b.1));
    let compounds = if can_write && c.state() == ConsignmentState::Received {
        store::compounds_of(read, community.id).await?
    } else {
        Vec::new()
    };
    Ok(ConsignmentDetail {
        consignment: view(&c, &community.code, counts.get(&id).copied(), actor),
        runs,
        can_write,
        can_export: actor.can(Resource::Export, Action::Read, &community.path),
        compounds,
        groups: if can_write { groups } else { Vec::new() },
    })
}

/// Records the count at the gate.
pub async fn receive(ctx: &Context, actor: &Actor, id: Uuid, counts: &[CountInput]) -> Result<()> {
    let (c, community) = consignment_for(ctx, actor, id, Action::Write).await?;
    if c.state() != ConsignmentState::Expected {
        return Err(Error::conflict(Refusal::AlreadyReceived));
    }
    let mut out = Vec::with_capacity(c.items.len());
    for item in &c.items {
        let given = counts.iter().find(|x| x.item_id == item.id);
        let received = given.map(|x| x.received).unwrap_or(item.expected);
        let written_off = given.map(|x| x.written_off).unwrap_or(0);
        Field::Reserve.check(received).map_err(Error::refused)?;
        Field::Reserve.check(written_off).map_err(Error::refused)?;
        if written_off > received {
            return Err(Error::refused(Refusal::ReserveExceedsStock { item: item.name.clone() }));
        }
        out.push(Count { item_id: item.id, received, written_off });
    }
    let mut entry = actor.entry("supplies.receive", "consignment", Some(id.to_string()), &community);
    entry.detail = serde_json::json!({
        "received": out.iter().map(|x| x.received).sum::<i64>(),
        "written_off": out.iter().map(|x| x.written_off).sum::<i64>(),
    });
    store::receive(&ctx.db, id, &out, ctx.clock.now(), entry).await.map_err(|e| match Error::from(e) {
        Error::Invalid(r @ shouwang_domain::Refusal::Supplies(Refusal::AlreadyReceived)) => Error::Conflict(r),
        e => e,
    })
}

struct Plan {
    doors: Vec<Door<Uuid>>,
    rows: Vec<DoorRow>,
    basis: AllocationBasis,
    items: Vec<(Uuid, String, String, i64, i64, rules::ItemPlan, i64)>,
    served: Vec<usize>,
}

async fn plan(ctx: &Context, c: &store::Consignment, input: &AllocationInput) -> Result<Plan> {
    match c.state() {
        ConsignmentState::Expected => return Err(Error::refused(Refusal::NotReceivedYet)),
        ConsignmentState::Allocated => return Err(Error::conflict(Refusal::AlreadyAllocated)),
        ConsignmentState::Received => {}
    }
    let basis = AllocationBasis::parse(&input.basis).ok_or_else(|| Error::refused(Refusal::UnknownBasis))?;
    let mut rows = store::doors_of(&ctx.db.read, c.row.community_id).await?;
    if !input.compounds.is_empty() {
        rows.retain(|r| r.compound_id.is_some_and(|c| input.compounds.contains(&c)));
    }
    let doors: Vec<Door<Uuid>> = rows
        .iter()
        .map(|r| Door {
            id: r.household_id,
            building: r.building_id,
            building_key: shouwang_domain::text::building_key(&r.building_name),
            floor: rules::floor_of(&r.room_key),
            room_key: r.room_key.clone(),
            persons: u32::try_from(r.persons).unwrap_or(0),
            in_need: r.in_need > 0,
        })
        .collect();
    let order = rules::doors_in_order(basis, &doors);
    if order.is_empty() {
        return Err(Error::refused(Refusal::NobodyToServe));
    }
    let mut items = Vec::new();
    let mut served = Vec::new();
    for item in &c.items {
        let given = input.items.iter().find(|r| r.item_id == item.id);
        let rule = ItemRule {
            received: item.received.unwrap_or(0),
            written_off: item.written_off,
            per_share: given.map(|r| r.per_share).unwrap_or(1),
            reserve: given.map(|r| r.reserve).unwrap_or(0),
        };
        let p = rules::allocate_item(basis, &doors, &order, rule, &item.name).map_err(Error::refused)?;
        served.extend(p.shares.iter().map(|&(i, _)| i));
        items.push((item.id, item.name.clone(), item.unit.clone(), rule.received, rule.per_share, p, item.written_off));
    }
    served.sort_unstable();
    served.dedup();
    if served.is_empty() {
        return Err(Error::refused(Refusal::NobodyToServe));
    }
    Ok(Plan { doors, rows, basis, items, served })
}

fn preview_of(p: &Plan) -> AllocationPreview {
    let runs = rules::split_runs(&p.doors, &p.served);
    let room = |i: usize| format!("{} {}", p.rows[i].building_name, p.rows[i].room);
    AllocationPreview {
        households: p.served.len(),
        runs: runs.iter().map(|r| (p.rows[r.doors[0]].building_name.clone(), r.doors.len())).collect(),
        items: p
            .items
            .iter()
            .map(|(id, name, unit, received, _, plan, written_off)| ItemPreview {
                item_id: *id,
                name: name.clone(),
                unit: unit.clone(),
                received: *received,
                written_off: *written_off,
                allocated: plan.allocated,
                reserve: plan.reserve,
                short: plan.short.iter().take(200).map(|&i| room(i)).collect(),
            })
            .collect(),
    }
}

/// What an allocation would do; nothing is stored.
pub async fn preview_allocation(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
    input: &AllocationInput,
) -> Result<AllocationPreview> {
    let (c, _) = consignment_for(ctx, actor, id, Action::Write).await?;
    Ok(preview_of(&plan(ctx, &c, input).await?))
}

/// Confirms an allocation: the runs and deliveries are made, the reserve goes
/// into the reserve pool.
pub async fn allocate(ctx: &Context, actor: &Actor, id: Uuid, input: &AllocationInput) -> Result<AllocationPreview> {
    let (c, community) = consignment_for(ctx, actor, id, Action::Write).await?;
    let p = plan(ctx, &c, input).await?;
    let mut shares: HashMap<usize, Vec<(Uuid, i64)>> = HashMap::new();
    let mut allocations = Vec::new();
    for (item_id, _, _, _, per_share, plan, _) in &p.items {
        for &(i, units) in &plan.shares {
            shares.entry(i).or_default().push((*item_id, units));
        }
        allocations.push(ItemAllocation {
            item_id: *item_id,
            per_share: *per_share,
            allocated: plan.allocated,
            reserve: plan.reserve,
        });
    }
    let runs: Vec<NewRun> = rules::split_runs(&p.doors, &p.served)
        .into_iter()
        .map(|r| NewRun {
            building_id: r.building,
            doors: r
                .doors
                .iter()
                .map(|&i| NewDoor {
                    household_id: p.doors[i].id,
                    in_need: p.doors[i].in_need,
                    shares: shares.remove(&i).unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    let preview = preview_of(&p);
    let mut entry = actor.entry("supplies.allocate", "consignment", Some(id.to_string()), &community);
    entry.detail = serde_json::json!({
        "basis": p.basis.code(),
        "compounds": input.compounds,
        "households": preview.households,
        "runs": runs.len(),
        "allocated": allocations.iter().map(|a| a.allocated).sum::<i64>(),
        "reserve": allocations.iter().map(|a| a.reserve).sum::<i64>(),
    });
    store::store_allocation(&ctx.db, id, p.basis, &allocations, &runs, ctx.clock.now(), &actor.display_name, entry)
        .await
        .map_err(|e| match Error::from(e) {
            Error::Invalid(r @ shouwang_domain::Refusal::Supplies(Refusal::AlreadyAllocated)) => Error::Conflict(r),
            e => e,
        })?;
    Ok(preview)
}

/// Who the actor is on a run: (holds it, may record at its doors, sees rooms and names).
async fn standing(
    ctx: &Context,
    actor: &Actor,
    run_id: Uuid,
    community: &region::Model,
) -> Result<(Option<shouwang_db::entity::claim::Model>, bool, bool, bool)> {
    let now = ctx.clock.now();
    let holder = task_store::live_claim(&ctx.db.read, WorkKind::BuildingRun, run_id, now).await?;
    let me = crate::volunteer_of(ctx, actor).await?.filter(|v| v.community_id == community.id);
    let held_by_me = matches!((&holder, &me), (Some(h), Some(m)) if h.volunteer_id == m.id);
    let staff = actor.can(Resource::Supplies, Action::Write, &community.path);
    let sees = held_by_me || actor.can(Resource::Household, Action::Read, &community.path);
    Ok((holder, held_by_me, held_by_me || staff, sees))
}

/// A run's sort sheet: its doors by floor, with what each gets.
pub async fn run_sheet(ctx: &Context, actor: &Actor, id: Uuid) -> Result<RunSheet> {
    let (run, c, community) = run_for(ctx, actor, id).await?;
    let read = &ctx.db.read;
    let (holder, held_by_me, can_record, visible) = standing(ctx, actor, id, &community).await?;
    let l = lang(actor);
    let mut doors = store::doors_of_run(read, id).await?;
    doors.sort_by(|a, b| rules::door_order(&a.room_key).cmp(&rules::door_order(&b.room_key)));
    let mut totals: Vec<(String, String, i64)> = Vec::new();
    let mut floors: Vec<FloorView> = Vec::new();
    let mut settled = 0;
    for d in &doors {
        for (n, u, q) in &d.shares {
            match totals.iter_mut().find(|t| &t.0 == n && &t.1 == u) {
                Some(t) => t.2 += q,
                None => totals.push((n.clone(), u.clone(), *q)),
            }
        }
        let status = DeliveryStatus::from_code(&d.delivery.status).unwrap_or(DeliveryStatus::Pending);
        settled += usize::from(status.is_settled());
        let label = match rules::floor_of(&d.room_key) {
            Some(f) if visible => shouwang_domain::i18n::t_with(l, "supplies.floor", &[("n", &f)]),
            _ if visible => shouwang_domain::i18n::t(l, "supplies.floor_unknown"),
            _ => String::new(),
        };
        let door = DoorView {
            delivery_id: d.delivery.id,
            household_id: d.delivery.household_id,
            room: if visible { d.room.clone() } else { String::new() },
            name: if visible { d.head.clone().unwrap_or_default() } else { String::new() },
            phone: match &d.contact_phone {
                Some(p) if held_by_me => p.clone(),
                Some(p) if visible => shouwang_domain::phone::mask_phone(p),
                _ => String::new(),
            },
            status: status.code().to_string(),
            status_label: status.label(l).to_string(),
            settled: status.is_settled(),
            in_need: d.delivery.in_need,
            shares: shares_text(&d.shares),
            code: if can_record { d.token.clone() } else { None },
        };
        match floors.last_mut() {
            Some(f) if f.label == label => f.doors.push(door),
            _ => floors.push(FloorView { label, doors: vec![door] }),
        }
    }
    let holder_name = match &holder {
        Some(h) => task_store::names_of(read, &[h.volunteer_id]).await?.remove(&h.volunteer_id),
        None => None,
    };
    let staff = actor.can(Resource::Supplies, Action::Write, &community.path);
    let all_groups = store::group_names(read, community.id).await?;
    let group = run.group_id.and_then(|g| all_groups.get(&g).cloned());
    let mut groups: Vec<(Uuid, String)> = if staff { all_groups.into_iter().collect() } else { Vec::new() };
    groups.sort_by(|a, b| natural(&a.1).cmp(&natural(&b.1)));
    let building = store::region_names(read, &[run.building_id]).await?.remove(&run.building_id).unwrap_or_default();
    Ok(RunSheet {
        id,
        community: community.code.clone(),
        consignment_id: c.row.id,
        consignment: c.row.title.clone(),
        building,
        group,
        can_claim: holder.is_none()
            && crate::volunteer_of(ctx, actor).await?.is_some_and(|v| v.community_id == community.id),
        holder: holder_name,
        held_by_me,
        visible,
        can_record,
        groups,
        group_id: run.group_id,
        households: doors.len(),
        settled,
        totals,
        floors,
    })
}

/// Claims a run for the account's volunteer (a `building_run` claim on the
/// run), held and extended like any claim.
pub async fn claim_run(ctx: &Context, actor: &Actor, id: Uuid) -> Result<Claimed> {
    let (run, _, _) = run_for(ctx, actor, id).await?;
    let me = crate::tasks::me_in(ctx, actor, run.community_id)
        .await?
        .ok_or_else(|| Error::refused(shouwang_domain::task::Refusal::NotLinked))?;
    let hold = time::Duration::minutes(CLAIM_HOLD_MINUTES);
    Ok(task_store::claim(
        &ctx.db,
        run.community_id,
        WorkKind::BuildingRun,
        run.id,
        me.id,
        hold,
        &actor.task_actor(),
        ctx.clock.now(),
    )
    .await?
    .into())
}

/// Gives a run to a group of its community (or takes it back).
pub async fn assign_group(ctx: &Context, actor: &Actor, id: Uuid, group: Option<Uuid>) -> Result<()> {
    let (run, _, community) = run_for(ctx, actor, id).await?;
    actor.require(Resource::Supplies, Action::Write, &community.path)?;
    if let Some(g) = group
        && !store::group_names(&ctx.db.read, community.id).await?.contains_key(&g)
    {
        return Err(Error::missing(Refusal::GroupNotInCommunity));
    }
    let mut entry = actor.entry("supplies.run_group", "delivery_run", Some(run.id.to_string()), &community);
    entry.detail = serde_json::json!({ "group": group });
    Ok(store::set_run_group(&ctx.db, run.id, group, entry).await?)
}

/// A door record from the run page: the household by id, or by what its QR
/// code carries (its link, or the token alone), or by its room typed in.
#[derive(Debug, Clone, Deserialize)]
pub struct DoorInput {
    pub household_id: Option<Uuid>,
    pub code: Option<String>,
    /// A `DeliveryStatus` code a volunteer may record.
    pub outcome: String,
    /// Made by the client once per record; a retry sends it again.
    pub key: String,
}

/// Records what happened at a door of a run. Reads only what it needs
/// (a burst of doors comes through here): the run, its community, the claim
/// and the caller's volunteer record, the one door.
pub async fn record_door(ctx: &Context, actor: &Actor, run_id: Uuid, input: &DoorInput) -> Result<DoorRecorded> {
    let missing = || Error::missing(Refusal::RunNotFound);
    let run = store::run_by_id(&ctx.db.read, run_id).await?.ok_or_else(missing)?;
    let community = shouwang_db::registry::region_by_id(&ctx.db.read, run.community_id).await?.ok_or_else(missing)?;
    actor.require(Resource::Supplies, Action::Read, &community.path).map_err(|e| match e {
        Error::NotFound(_) => missing(),
        e => e,
    })?;
    let key = rules::idempotency_key(input.key.trim()).map_err(Error::refused)?;
    let status = DeliveryStatus::from_code(input.outcome.trim())
        .filter(|s| DeliveryStatus::AT_THE_DOOR.contains(s))
        .ok_or_else(|| Error::refused(Refusal::UnknownOutcome))?;
    let now = ctx.clock.now();
    let holder = task_store::live_claim(&ctx.db.read, WorkKind::BuildingRun, run_id, now).await?;
    let me = match &holder {
        Some(_) => crate::volunteer_of(ctx, actor).await?.filter(|v| v.community_id == community.id),
        None => None,
    };
    let mine = match (&holder, me) {
        (Some(h), Some(m)) if h.volunteer_id == m.id => Some(m),
        _ => None,
    };
    let staff = actor.can(Resource::Supplies, Action::Write, &community.path);
    if mine.is_none() && !staff {
        return Err(Error::refused(Refusal::RunNotHeld));
    }
    let read = &ctx.db.read;
    let code = input.code.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let found = match (input.household_id, code) {
        (Some(h), _) => {
            store::delivery_of(read, run.consignment_id, h).await?.filter(|d| d.run_id == run.id).map(|d| (d, None))
        }
        (None, Some(code)) => {
            // A scanned QR code is the household's link URL; the token is its last part.
            let token = code.rsplit('/').next().unwrap_or(code);
            let by_token = match shouwang_db::links::household_by_token(read, token).await? {
                Some(h) => store::delivery_of(read, run.consignment_id, h.id)
                    .await?
                    .filter(|d| d.run_id == run.id)
                    .map(|d| (d, Some(h.room))),
                None => None,
            };
            match by_token {
                Some(found) => Some(found),
                None => {
                    let room = shouwang_domain::text::room_key(code);
                    store::delivery_by_room(read, run.id, run.building_id, &room).await?.map(|(d, r)| (d, Some(r)))
                }
            }
        }
        (None, None) => None,
    };
    let Some((delivery, room)) = found else {
        return Err(Error::missing(Refusal::NotOnRun));
    };
    let room = match room {
        Some(r) => r,
        None => shouwang_db::registry::household_by_id(read, delivery.household_id)
            .await?
            .map(|h| h.room)
            .unwrap_or_default(),
    };
    let by = match mine {
        Some(v) => RecordedBy::Volunteer { id: v.id, name: v.name },
        None => RecordedBy::Staff { name: actor.display_name.clone() },
    };
    let mut entry = actor.entry("supplies.door", "delivery", Some(delivery.id.to_string()), &community);
    entry.detail = serde_json::json!({ "status": status.code(), "run": run.id });
    let r = ctx.recorder.record(delivery.id, status, &key, by, now, entry).await?;
    Ok(DoorRecorded {
        room,
        status: r.status.code().to_string(),
        status_label: r.status.label(lang(actor)).to_string(),
        repeated: r.repeated,
    })
}

/// How many rows the coverage list shows; the counts by building cover all.
pub const COVERAGE_ROWS: u64 = 300;

/// The households of a consignment not yet reached: counts by building, and
/// the first [`COVERAGE_ROWS`] households, those in need first.
pub async fn coverage(ctx: &Context, actor: &Actor, id: Uuid) -> Result<Coverage> {
    let (c, community) = consignment_for(ctx, actor, id, Action::Read).await?;
    let read = &ctx.db.read;
    let rooms = actor.can(Resource::Household, Action::Read, &community.path);
    let by_run = store::coverage_by_run(read, id).await?;
    let (total, settled) = by_run.iter().fold((0, 0), |(t, s), r| (t + r.3, s + r.4));
    let buildings: Vec<Uuid> = by_run.iter().filter(|r| r.3 > r.4).map(|r| r.1).collect();
    let names = store::region_names(read, &buildings).await?;
    let mut left_by_building: HashMap<String, usize> = HashMap::new();
    for (_, b, _, n, s) in &by_run {
        if n > s {
            *left_by_building.entry(names.get(b).cloned().unwrap_or_default()).or_default() += (n - s) as usize;
        }
    }
    let mut by_building: Vec<(String, usize)> = left_by_building.into_iter().collect();
    by_building.sort_by(|a, b| natural(&a.0).cmp(&natural(&b.0)));
    let left = store::uncovered(read, id, COVERAGE_ROWS).await?;
    let groups = store::group_names(read, community.id).await?;
    let since = c.row.allocated_at.unwrap_or(c.row.created_at);
    let waited_hours = ((ctx.clock.now() - since).whole_minutes().max(0) + 30) / 60;
    let l = lang(actor);
    Ok(Coverage {
        consignment_id: id,
        consignment: c.row.title.clone(),
        community: community.code.clone(),
        total,
        settled,
        by_building,
        rows: left
            .into_iter()
            .map(|u| CoverageRow {
                room: if rooms { u.room } else { String::new() },
                status_label: u.status.label(l).to_string(),
                in_need: u.in_need,
                run_id: u.run_id,
                group: u.group_id.and_then(|g| groups.get(&g).cloned()),
                building: u.building,
                waited_hours,
            })
            .collect(),
    })
}

/// What a household's link page shows of its deliveries.
pub async fn household_deliveries(
    ctx: &Context,
    token: &str,
    l: shouwang_domain::Lang,
) -> Result<Vec<HouseholdDelivery>> {
    if token.len() > 64 {
        return Ok(Vec::new());
    }
    let read = &ctx.db.read;
    let Some(h) = shouwang_db::links::household_by_token(read, token).await? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (c, d) in store::deliveries_of_household(read, h.id).await? {
        let status = DeliveryStatus::from_code(&d.status).unwrap_or(DeliveryStatus::Pending);
        out.push(HouseholdDelivery {
            consignment_id: c.id,
            title: c.title,
            shares: shares_text(&store::shares_of(read, d.id).await?),
            status: status.code().to_string(),
            status_label: status.label(l).to_string(),
            delivered: status.is_delivered(),
        });
    }
    Ok(out)
}

/// A household confirms receipt or reports "not received" from its link.
pub async fn household_confirm(
    ctx: &Context,
    token: &str,
    consignment_id: Uuid,
    received: bool,
    key: &str,
    peer: Option<String>,
) -> Result<DeliveryStatus> {
    let missing = || Error::missing(Refusal::HouseholdNotFound);
    if token.len() > 64 {
        return Err(missing());
    }
    let key = rules::idempotency_key(key.trim()).map_err(Error::refused)?;
    let read = &ctx.db.read;
    let h = shouwang_db::links::household_by_token(read, token).await?.ok_or_else(missing)?;
    let d = store::delivery_of(read, consignment_id, h.id)
        .await?
        .ok_or_else(|| Error::missing(Refusal::NotForThisHousehold))?;
    let community = shouwang_db::registry::region_by_id(read, h.community_id).await?.ok_or_else(missing)?;
    let status = if received { DeliveryStatus::Received } else { DeliveryStatus::NotReceived };
    let mut entry = Actor::public(peer, shouwang_domain::Lang::Zh).entry(
        "supplies.household",
        "delivery",
        Some(d.id.to_string()),
        &community,
    );
    entry.detail = serde_json::json!({ "status": status.code() });
    let r = store::record(&ctx.db, d.id, status, &key, &RecordedBy::Household, ctx.clock.now(), entry).await?;
    Ok(r.status)
}

#[derive(Debug, Clone, Deserialize)]
pub struct StockInput {
    /// `reserve` or `shelf`.
    pub place: String,
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    /// true: into the stock; false: taken out.
    pub into: bool,
    pub reason: String,
}

/// Stock into or out of the reserve pool or the sharing shelf; answers what is left.
pub async fn move_stock(ctx: &Context, actor: &Actor, code: &str, input: &StockInput) -> Result<i64> {
    let community = crate::community_for(ctx, actor, code, Resource::Supplies, Action::Write).await?;
    let place = StockPlace::parse(&input.place).ok_or_else(|| Error::refused(Refusal::UnknownPlace))?;
    let item = rules::name(&input.item, Refusal::BadItemName).map_err(Error::refused)?;
    let unit = rules::name(&input.unit, Refusal::BadItemName).map_err(Error::refused)?;
    let quantity = Field::SupplyQuantity.check(input.quantity).map_err(Error::refused)?;
    let reason = shouwang_domain::text::normalize(&input.reason);
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::refused(Refusal::ReasonNeeded));
    }
    let mut entry = actor.entry("supplies.stock", "stock", None, &community);
    entry.detail = serde_json::json!({ "place": place.code(), "item": item, "quantity": if input.into { quantity } else { -quantity } });
    let m = store::NewMovement {
        community_id: community.id,
        place,
        item,
        unit,
        quantity: if input.into { quantity } else { -quantity },
        reason,
        by_name: actor.display_name.clone(),
    };
    Ok(store::move_stock(&ctx.db, &m, ctx.clock.now(), entry).await?)
}

/// The consignment's runs as an Excel workbook (personal data: needs the
/// export right, and the export is audited).
pub async fn export_runs(ctx: &Context, actor: &Actor, id: Uuid) -> Result<Vec<u8>> {
    let (c, community) = consignment_for(ctx, actor, id, Action::Read).await?;
    actor.require(Resource::Export, Action::Read, &community.path)?;
    let read = &ctx.db.read;
    let l = lang(actor);
    let groups = store::group_names(read, community.id).await?;
    let mut rows = Vec::new();
    for r in store::runs_of(read, id).await? {
        let mut doors = store::doors_of_run(read, r.run.id).await?;
        doors.sort_by(|a, b| rules::door_order(&a.room_key).cmp(&rules::door_order(&b.room_key)));
        let group = r.run.group_id.and_then(|g| groups.get(&g).cloned()).unwrap_or_default();
        for d in doors {
            let status = DeliveryStatus::from_code(&d.delivery.status).unwrap_or(DeliveryStatus::Pending);
            rows.push(shouwang_io::RunExportRow {
                building: r.building.clone(),
                floor: rules::floor_of(&d.room_key).map(|f| f.to_string()).unwrap_or_default(),
                room: d.room,
                name: d.head.unwrap_or_default(),
                phone: d.contact_phone.as_deref().map(shouwang_domain::phone::mask_phone).unwrap_or_default(),
                shares: shares_text(&d.shares),
                status: status.label(l).to_string(),
                group: group.clone(),
            });
        }
    }
    let meta = shouwang_io::ExportMeta {
        community_name: community.name.clone(),
        exported_by: actor.display_name.clone(),
        exported_at: clock::minute_text(ctx.clock.now()),
    };
    let mut entry = actor.entry("supplies.export_runs", "consignment", Some(id.to_string()), &community);
    entry.detail = serde_json::json!({ "rows": rows.len() });
    shouwang_db::audit::append(&ctx.db.write, entry).await?;
    let title = c.row.title.clone();
    tokio::task::spawn_blocking(move || shouwang_io::write_runs_xlsx(&title, &rows, &meta))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(|e| Error::Internal(e.to_string()))
}

/// A door the actor may record at, reached by its household's QR code.
#[derive(Debug, Clone, Serialize)]
pub struct DoorAtHand {
    pub run_id: Uuid,
    pub household_id: Uuid,
    pub consignment: String,
    pub shares: String,
    pub status_label: String,
    pub settled: bool,
}

/// The runs through this household's door that the actor holds (or, for
/// staff, may record on): scanning the door's QR code with the phone's
/// camera opens the household page, which offers the door buttons.
pub async fn doors_at_hand(ctx: &Context, actor: &Actor, token: &str) -> Result<Vec<DoorAtHand>> {
    if token.len() > 64 || actor.user_id.is_none() {
        return Ok(Vec::new());
    }
    let read = &ctx.db.read;
    let Some(h) = shouwang_db::links::household_by_token(read, token).await? else { return Ok(Vec::new()) };
    let Some(community) = shouwang_db::registry::region_by_id(read, h.community_id).await? else {
        return Ok(Vec::new());
    };
    if !actor.can(Resource::Supplies, Action::Read, &community.path) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (c, d) in store::deliveries_of_household(read, h.id).await? {
        let (_, _, can_record, _) = standing(ctx, actor, d.run_id, &community).await?;
        if !can_record {
            continue;
        }
        let status = DeliveryStatus::from_code(&d.status).unwrap_or(DeliveryStatus::Pending);
        out.push(DoorAtHand {
            run_id: d.run_id,
            household_id: h.id,
            consignment: c.title,
            shares: shares_text(&store::shares_of(read, d.id).await?),
            status_label: status.label(actor.lang).to_string(),
            settled: status.is_settled(),
        });
    }
    Ok(out)
}

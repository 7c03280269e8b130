//! Supplies to every door (SPEC §4.5): consignments and their items, the
//! allocation stored as one delivery run per building and one delivery per
//! household, door confirmations (once per client-made key), the coverage
//! list, and the reserve pool and sharing shelf.
//!
//! Every write is one write transaction with its audit entry. A confirmation
//! is an INSERT of its event keyed by the client's idempotency key with ON
//! CONFLICT DO NOTHING: a retried or replayed confirmation finds its key taken
//! and changes nothing, on both backends.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shouwang_domain::supplies::{
    AllocationBasis, ConsignmentSource, ConsignmentState, DeliveryStatus, Refusal, StockPlace,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entity::{
    consignment, consignment_item, delivery, delivery_event, delivery_run, delivery_share, stock_movement,
};
use crate::ledger::{NewEntry, append_in as append_to_ledger};
use crate::{Db, DbError, audit, now};
use shouwang_domain::ledger::LedgerKind;
use shouwang_domain::supplies::natural;

/// A ledger entry of a consignment (the public books: no personal data).
fn book(
    c: &consignment::Model,
    kind: LedgerKind,
    item: &str,
    unit: &str,
    quantity: i64,
    at: OffsetDateTime,
) -> NewEntry {
    NewEntry {
        community_id: c.community_id,
        incident_id: c.incident_id,
        consignment_id: Some(c.id),
        consignment_title: c.title.clone(),
        kind,
        item: item.to_string(),
        unit: unit.to_string(),
        quantity,
        note: String::new(),
        at,
    }
}

/// An item line as entered.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub name: String,
    pub unit: String,
    pub expected: i64,
}

#[derive(Debug, Clone)]
pub struct NewConsignment {
    pub community_id: Uuid,
    pub title: String,
    pub source: ConsignmentSource,
    pub arrived_at: Option<OffsetDateTime>,
    pub items: Vec<NewItem>,
    pub by_name: String,
}

/// A consignment with its item lines in order.
#[derive(Debug, Clone)]
pub struct Consignment {
    pub row: consignment::Model,
    pub items: Vec<consignment_item::Model>,
}

impl Consignment {
    pub fn state(&self) -> ConsignmentState {
        ConsignmentState::from_code(&self.row.state).unwrap_or(ConsignmentState::Expected)
    }
}

pub async fn create_consignment(db: &Db, c: &NewConsignment, entry: audit::Entry) -> Result<Uuid, DbError> {
    let tx = db.begin_write().await?;
    let incident_id = crate::incidents::current_in(&tx, c.community_id).await?;
    let id = Uuid::now_v7();
    let at = now();
    consignment::Entity::insert(consignment::ActiveModel::from(consignment::Model {
        id,
        community_id: c.community_id,
        incident_id,
        title: c.title.clone(),
        source: c.source.code().to_string(),
        state: ConsignmentState::Expected.code().to_string(),
        basis: None,
        arrived_at: c.arrived_at.map(crate::utc),
        received_at: None,
        allocated_at: None,
        created_by: c.by_name.clone(),
        created_at: at,
        updated_at: at,
    }))
    .exec_without_returning(&tx)
    .await?;
    let items: Vec<consignment_item::ActiveModel> = c
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            consignment_item::ActiveModel::from(consignment_item::Model {
                id: Uuid::now_v7(),
                consignment_id: id,
                incident_id,
                position: i as i32,
                name: it.name.clone(),
                unit: it.unit.clone(),
                expected: it.expected,
                received: None,
                written_off: 0,
                per_share: None,
                reserve: 0,
                allocated: 0,
            })
        })
        .collect();
    consignment_item::Entity::insert_many(items).exec_without_returning(&tx).await?;
    let mut entry = entry;
    entry.target_id = Some(id.to_string());
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn consignment(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Consignment>, DbError> {
    let Some(row) = crate::unique(consignment::Entity::find_by_id(id), conn).await? else {
        return Ok(None);
    };
    let items = consignment_item::Entity::find()
        .filter(consignment_item::Column::ConsignmentId.eq(id))
        .order_by_asc(consignment_item::Column::Position)
        .all(conn)
        .await?;
    Ok(Some(Consignment { row, items }))
}

/// The community's consignments, newest first.
pub async fn consignments_of(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<Vec<Consignment>, DbError> {
    let rows = consignment::Entity::find()
        .filter(consignment::Column::CommunityId.eq(community_id))
        .order_by_desc(consignment::Column::CreatedAt)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut items: HashMap<Uuid, Vec<consignment_item::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for it in consignment_item::Entity::find()
            .filter(consignment_item::Column::ConsignmentId.is_in(chunk.to_vec()))
            .order_by_asc(consignment_item::Column::Position)
            .all(conn)
            .await?
        {
            items.entry(it.consignment_id).or_default().push(it);
        }
    }
    Ok(rows.into_iter().map(|row| Consignment { items: items.remove(&row.id).unwrap_or_default(), row }).collect())
}

/// What was counted at the gate for one item line.
#[derive(Debug, Clone, Copy)]
pub struct Count {
    pub item_id: Uuid,
    pub received: i64,
    pub written_off: i64,
}

/// Records the count at the gate, once: the consignment goes from expected
/// to received in the same statement that checks it was expected, so two
/// counts at once record one.
pub async fn receive(
    db: &Db,
    id: Uuid,
    counts: &[Count],
    at: OffsetDateTime,
    entry: audit::Entry,
) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    let at = crate::utc(at);
    let changed = consignment::Entity::update_many()
        .col_expr(consignment::Column::State, Expr::value(ConsignmentState::Received.code()))
        .col_expr(consignment::Column::ReceivedAt, Expr::value(at))
        .col_expr(consignment::Column::UpdatedAt, Expr::value(now()))
        .filter(consignment::Column::Id.eq(id))
        .filter(consignment::Column::State.eq(ConsignmentState::Expected.code()))
        .exec(&tx)
        .await?;
    if changed.rows_affected != 1 {
        return Err(DbError::refused(Refusal::AlreadyReceived));
    }
    let Some(row) = consignment(&tx, id).await? else {
        return Err(DbError::refused(Refusal::ConsignmentNotFound));
    };
    let mut books = Vec::new();
    for c in counts {
        if let Some(item) = row.items.iter().find(|i| i.id == c.item_id) {
            if c.received > 0 {
                books.push(book(&row.row, LedgerKind::Receipt, &item.name, &item.unit, c.received, at));
            }
            if c.written_off > 0 {
                books.push(book(&row.row, LedgerKind::WriteOff, &item.name, &item.unit, c.written_off, at));
            }
        }
    }
    append_to_ledger(&tx, &books).await?;
    for c in counts {
        if c.written_off > c.received {
            return Err(DbError::refused(Refusal::ReserveExceedsStock { item: String::new() }));
        }
        let n = consignment_item::Entity::update_many()
            .col_expr(consignment_item::Column::Received, Expr::value(c.received))
            .col_expr(consignment_item::Column::WrittenOff, Expr::value(c.written_off))
            .filter(consignment_item::Column::Id.eq(c.item_id))
            .filter(consignment_item::Column::ConsignmentId.eq(id))
            .exec(&tx)
            .await?;
        if n.rows_affected != 1 {
            return Err(DbError::refused(Refusal::ConsignmentNotFound));
        }
    }
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// A household as the allocation reads it.
#[derive(Debug, Clone)]
pub struct DoorRow {
    pub household_id: Uuid,
    pub building_id: Uuid,
    pub building_name: String,
    /// The building's compound (its parent).
    pub compound_id: Option<Uuid>,
    pub room: String,
    pub room_key: String,
    pub persons: i64,
    /// Residents with a care tag (any tag but chronic medicine alone).
    pub in_need: i64,
}

/// Every household of the community with its building, its number of
/// residents and their tags, in one query.
pub async fn doors_of(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<Vec<DoorRow>, DbError> {
    let (h, b, r) = (Alias::new("h"), Alias::new("b"), Alias::new("r"));
    let q = Query::select()
        .expr_as(Expr::col((h.clone(), Alias::new("id"))), Alias::new("household_id"))
        .expr_as(Expr::col((h.clone(), Alias::new("building_id"))), Alias::new("building_id"))
        .expr_as(Expr::col((b.clone(), Alias::new("name"))), Alias::new("building_name"))
        .expr_as(Expr::col((b.clone(), Alias::new("parent_id"))), Alias::new("compound_id"))
        .expr_as(Expr::col((h.clone(), Alias::new("room"))), Alias::new("room"))
        .expr_as(Expr::col((h.clone(), Alias::new("room_key"))), Alias::new("room_key"))
        .expr_as(Expr::col((r.clone(), Alias::new("id"))).count(), Alias::new("persons"))
        // Tags are stored as codes in a fixed order, so a resident whose only
        // tag is chronic medicine has exactly that text.
        .expr_as(
            Expr::cust("SUM(CASE WHEN r.tags <> '' AND r.tags <> 'chronic_medicine' THEN 1 ELSE 0 END)"),
            Alias::new("in_need"),
        )
        .from_as(Alias::new("household"), h.clone())
        .join_as(
            JoinType::InnerJoin,
            Alias::new("region"),
            b.clone(),
            Expr::col((b.clone(), Alias::new("id"))).equals((h.clone(), Alias::new("building_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            Alias::new("resident"),
            r.clone(),
            Expr::col((r.clone(), Alias::new("household_id"))).equals((h.clone(), Alias::new("id"))),
        )
        .and_where(Expr::col((h.clone(), Alias::new("community_id"))).eq(community_id))
        .group_by_columns([
            (h.clone(), Alias::new("id")),
            (h.clone(), Alias::new("building_id")),
            (b.clone(), Alias::new("name")),
            (b.clone(), Alias::new("parent_id")),
            (h.clone(), Alias::new("room")),
            (h.clone(), Alias::new("room_key")),
        ])
        .to_owned();
    let rows = conn.query_all_raw(conn.get_database_backend().build(&q)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(DoorRow {
            household_id: row.try_get("", "household_id")?,
            building_id: row.try_get("", "building_id")?,
            building_name: row.try_get("", "building_name")?,
            compound_id: row.try_get("", "compound_id")?,
            room: row.try_get("", "room")?,
            room_key: row.try_get("", "room_key")?,
            persons: row.try_get("", "persons")?,
            in_need: row.try_get::<Option<i64>>("", "in_need")?.unwrap_or(0),
        });
    }
    Ok(out)
}

/// The allocation of one item line, as decided.
#[derive(Debug, Clone, Copy)]
pub struct ItemAllocation {
    pub item_id: Uuid,
    pub per_share: i64,
    pub allocated: i64,
    /// The reserve asked for plus what was left over: into the reserve pool.
    pub reserve: i64,
}

/// One door of a run: the household and its units of each item.
#[derive(Debug, Clone)]
pub struct NewDoor {
    pub household_id: Uuid,
    pub in_need: bool,
    pub shares: Vec<(Uuid, i64)>,
}

#[derive(Debug, Clone)]
pub struct NewRun {
    pub building_id: Uuid,
    pub doors: Vec<NewDoor>,
}

/// Stores a confirmed allocation in one write transaction: the consignment
/// goes from received to allocated in the statement that checks it (a second
/// confirmation is refused and writes nothing), the item books, the runs and
/// deliveries, the reserve into the reserve pool, the audit entry.
#[allow(clippy::too_many_arguments)]
pub async fn store_allocation(
    db: &Db,
    consignment_id: Uuid,
    basis: AllocationBasis,
    items: &[ItemAllocation],
    runs: &[NewRun],
    at: OffsetDateTime,
    by_name: &str,
    entry: audit::Entry,
) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    let at = crate::utc(at);
    let Some(c) = consignment(&tx, consignment_id).await? else {
        return Err(DbError::refused(Refusal::ConsignmentNotFound));
    };
    let changed = consignment::Entity::update_many()
        .col_expr(consignment::Column::State, Expr::value(ConsignmentState::Allocated.code()))
        .col_expr(consignment::Column::Basis, Expr::value(basis.code()))
        .col_expr(consignment::Column::AllocatedAt, Expr::value(at))
        .col_expr(consignment::Column::UpdatedAt, Expr::value(now()))
        .filter(consignment::Column::Id.eq(consignment_id))
        .filter(consignment::Column::State.eq(ConsignmentState::Received.code()))
        .exec(&tx)
        .await?;
    if changed.rows_affected != 1 {
        return Err(DbError::refused(match c.state() {
            ConsignmentState::Expected => Refusal::NotReceivedYet,
            _ => Refusal::AlreadyAllocated,
        }));
    }
    let incident_id = c.row.incident_id;
    let mut books = Vec::new();
    for a in items {
        let Some(item) = c.items.iter().find(|i| i.id == a.item_id) else {
            return Err(DbError::refused(Refusal::ConsignmentNotFound));
        };
        if a.allocated > 0 {
            books.push(book(&c.row, LedgerKind::Allocation, &item.name, &item.unit, a.allocated, at));
        }
        if a.reserve > 0 {
            // Held back from the consignment, and so into the reserve pool.
            books.push(book(&c.row, LedgerKind::Reserve, &item.name, &item.unit, a.reserve, at));
            books.push(book(&c.row, LedgerKind::ReserveIn, &item.name, &item.unit, a.reserve, at));
        }
        consignment_item::Entity::update_many()
            .col_expr(consignment_item::Column::PerShare, Expr::value(a.per_share))
            .col_expr(consignment_item::Column::Allocated, Expr::value(a.allocated))
            .col_expr(consignment_item::Column::Reserve, Expr::value(a.reserve))
            .filter(consignment_item::Column::Id.eq(a.item_id))
            .exec(&tx)
            .await?;
        if a.reserve > 0 {
            stock_movement::Entity::insert(stock_movement::ActiveModel::from(stock_movement::Model {
                id: Uuid::now_v7(),
                community_id: c.row.community_id,
                incident_id,
                place: StockPlace::Reserve.code().to_string(),
                item: item.name.clone(),
                unit: item.unit.clone(),
                quantity: a.reserve,
                reason: c.row.title.chars().take(200).collect(),
                consignment_id: Some(consignment_id),
                by_name: by_name.to_string(),
                at,
            }))
            .exec_without_returning(&tx)
            .await?;
        }
    }
    let pending = DeliveryStatus::Pending.code();
    let mut run_rows = Vec::with_capacity(runs.len());
    let mut delivery_rows = Vec::new();
    let mut share_rows = Vec::new();
    for run in runs {
        let run_id = Uuid::now_v7();
        run_rows.push(delivery_run::ActiveModel::from(delivery_run::Model {
            id: run_id,
            consignment_id,
            community_id: c.row.community_id,
            incident_id,
            building_id: run.building_id,
            group_id: None,
            households: run.doors.len() as i32,
            created_at: at,
        }));
        for door in &run.doors {
            let delivery_id = Uuid::now_v7();
            delivery_rows.push(delivery::ActiveModel::from(delivery::Model {
                id: delivery_id,
                consignment_id,
                run_id,
                household_id: door.household_id,
                incident_id,
                status: pending.to_string(),
                in_need: door.in_need,
                delivered_once: false,
                updated_at: at,
                updated_by: None,
            }));
            for &(item_id, quantity) in &door.shares {
                share_rows.push(delivery_share::ActiveModel::from(delivery_share::Model {
                    delivery_id,
                    item_id,
                    incident_id,
                    quantity,
                }));
            }
        }
    }
    for chunk in run_rows.chunks(500) {
        delivery_run::Entity::insert_many(chunk.to_vec()).exec_without_returning(&tx).await?;
    }
    for chunk in delivery_rows.chunks(500) {
        delivery::Entity::insert_many(chunk.to_vec()).exec_without_returning(&tx).await?;
    }
    for chunk in share_rows.chunks(500) {
        delivery_share::Entity::insert_many(chunk.to_vec()).exec_without_returning(&tx).await?;
    }
    append_to_ledger(&tx, &books).await?;
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// A run with what its list and the coverage need.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub run: delivery_run::Model,
    pub building: String,
    pub settled: i64,
}

/// The runs of a consignment, with how many of their doors are settled.
pub async fn runs_of(conn: &impl ConnectionTrait, consignment_id: Uuid) -> Result<Vec<RunRow>, DbError> {
    let runs =
        delivery_run::Entity::find().filter(delivery_run::Column::ConsignmentId.eq(consignment_id)).all(conn).await?;
    let settled: Vec<&str> = DeliveryStatus::ALL.iter().filter(|s| s.is_settled()).map(|s| s.code()).collect();
    let counts: Vec<(Uuid, i64)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::RunId)
        .column_as(delivery::Column::Id.count(), "n")
        .filter(delivery::Column::ConsignmentId.eq(consignment_id))
        .filter(delivery::Column::Status.is_in(settled))
        .group_by(delivery::Column::RunId)
        .into_tuple()
        .all(conn)
        .await?;
    let counts: HashMap<Uuid, i64> = counts.into_iter().collect();
    let names = region_names(conn, &runs.iter().map(|r| r.building_id).collect::<Vec<_>>()).await?;
    let mut out: Vec<RunRow> = runs
        .into_iter()
        .map(|run| RunRow {
            building: names.get(&run.building_id).cloned().unwrap_or_default(),
            settled: counts.get(&run.id).copied().unwrap_or(0),
            run,
        })
        .collect();
    out.sort_by(|a, b| natural(&a.building).cmp(&natural(&b.building)));
    Ok(out)
}

/// The community's groups by id: their names.
pub async fn group_names(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<HashMap<Uuid, String>, DbError> {
    use crate::entity::volunteer_group;
    let found: Vec<(Uuid, String)> = volunteer_group::Entity::find()
        .select_only()
        .column(volunteer_group::Column::Id)
        .column(volunteer_group::Column::Name)
        .filter(volunteer_group::Column::CommunityId.eq(community_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found.into_iter().collect())
}

/// The community's compounds, (id, name) in name order.
pub async fn compounds_of(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<Vec<(Uuid, String)>, DbError> {
    use crate::entity::region;
    let mut found: Vec<(Uuid, String)> = region::Entity::find()
        .select_only()
        .column(region::Column::Id)
        .column(region::Column::Name)
        .filter(region::Column::ParentId.eq(community_id))
        .filter(region::Column::Kind.eq(shouwang_domain::RegionKind::Compound.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    found.sort_by(|a, b| natural(&a.1).cmp(&natural(&b.1)));
    Ok(found)
}

/// Names of regions (buildings, groups' compounds) by id.
pub async fn region_names(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, DbError> {
    use crate::entity::region;
    let mut names = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(Uuid, String)> = region::Entity::find()
            .select_only()
            .column(region::Column::Id)
            .column(region::Column::Name)
            .filter(region::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        names.extend(found);
    }
    Ok(names)
}

pub async fn run_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<delivery_run::Model>, DbError> {
    Ok(crate::unique(delivery_run::Entity::find_by_id(id), conn).await?)
}

/// Gives a run to a group (or takes it back with `None`).
pub async fn set_run_group(db: &Db, run_id: Uuid, group_id: Option<Uuid>, entry: audit::Entry) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    delivery_run::Entity::update_many()
        .col_expr(delivery_run::Column::GroupId, Expr::value(group_id))
        .filter(delivery_run::Column::Id.eq(run_id))
        .exec(&tx)
        .await?;
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// One door of a run as its sort sheet lists it.
#[derive(Debug, Clone)]
pub struct DoorLine {
    pub delivery: delivery::Model,
    pub room: String,
    pub room_key: String,
    pub contact_phone: Option<String>,
    /// The first resident's name (the household's contact).
    pub head: Option<String>,
    /// The household's live link token (what its QR code carries).
    pub token: Option<String>,
    /// (item, unit, units)
    pub shares: Vec<(String, String, i64)>,
}

/// The doors of a run with their units, by floor and room (the caller sorts).
pub async fn doors_of_run(conn: &impl ConnectionTrait, run_id: Uuid) -> Result<Vec<DoorLine>, DbError> {
    use crate::entity::{household, household_link, resident};
    let deliveries = delivery::Entity::find().filter(delivery::Column::RunId.eq(run_id)).all(conn).await?;
    let ids: Vec<Uuid> = deliveries.iter().map(|d| d.id).collect();
    let households: Vec<Uuid> = deliveries.iter().map(|d| d.household_id).collect();
    let mut homes: HashMap<Uuid, household::Model> = HashMap::new();
    let mut heads: HashMap<Uuid, String> = HashMap::new();
    let mut tokens: HashMap<Uuid, String> = HashMap::new();
    let mut shares: HashMap<Uuid, Vec<(Uuid, i64)>> = HashMap::new();
    for chunk in households.chunks(500) {
        for h in household::Entity::find().filter(household::Column::Id.is_in(chunk.to_vec())).all(conn).await? {
            homes.insert(h.id, h);
        }
        let people: Vec<(Uuid, String)> = resident::Entity::find()
            .select_only()
            .column(resident::Column::HouseholdId)
            .column(resident::Column::Name)
            .filter(resident::Column::HouseholdId.is_in(chunk.to_vec()))
            .order_by_asc(resident::Column::CreatedAt)
            .into_tuple()
            .all(conn)
            .await?;
        for (h, name) in people {
            heads.entry(h).or_insert(name);
        }
        let links: Vec<(Uuid, String)> = household_link::Entity::find()
            .select_only()
            .column(household_link::Column::HouseholdId)
            .column(household_link::Column::Token)
            .filter(household_link::Column::HouseholdId.is_in(chunk.to_vec()))
            .filter(household_link::Column::RevokedAt.is_null())
            .into_tuple()
            .all(conn)
            .await?;
        tokens.extend(links);
    }
    let mut item_ids = Vec::new();
    for chunk in ids.chunks(500) {
        for s in delivery_share::Entity::find()
            .filter(delivery_share::Column::DeliveryId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            item_ids.push(s.item_id);
            shares.entry(s.delivery_id).or_default().push((s.item_id, s.quantity));
        }
    }
    item_ids.sort_unstable();
    item_ids.dedup();
    let items: HashMap<Uuid, consignment_item::Model> = consignment_item::Entity::find()
        .filter(consignment_item::Column::Id.is_in(item_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    Ok(deliveries
        .into_iter()
        .map(|d| {
            let home = homes.get(&d.household_id);
            let mut lines: Vec<(i32, String, String, i64)> = shares
                .remove(&d.id)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(item, q)| items.get(&item).map(|i| (i.position, i.name.clone(), i.unit.clone(), q)))
                .collect();
            lines.sort();
            DoorLine {
                room: home.map(|h| h.room.clone()).unwrap_or_default(),
                room_key: home.map(|h| h.room_key.clone()).unwrap_or_default(),
                contact_phone: home.and_then(|h| h.contact_phone.clone()),
                head: heads.remove(&d.household_id),
                token: tokens.remove(&d.household_id),
                shares: lines.into_iter().map(|(_, n, u, q)| (n, u, q)).collect(),
                delivery: d,
            }
        })
        .collect())
}

/// The delivery of a run to the household in `building` whose room key is `room_key`.
pub async fn delivery_by_room(
    conn: &impl ConnectionTrait,
    run_id: Uuid,
    building_id: Uuid,
    room_key: &str,
) -> Result<Option<(delivery::Model, String)>, DbError> {
    use crate::entity::household;
    let homes: Vec<(Uuid, String)> = household::Entity::find()
        .select_only()
        .column(household::Column::Id)
        .column(household::Column::Room)
        .filter(household::Column::BuildingId.eq(building_id))
        .filter(household::Column::RoomKey.eq(room_key))
        .into_tuple()
        .all(conn)
        .await?;
    for (h, room) in homes {
        if let Some(d) = crate::unique(
            delivery::Entity::find()
                .filter(delivery::Column::RunId.eq(run_id))
                .filter(delivery::Column::HouseholdId.eq(h)),
            conn,
        )
        .await?
        {
            return Ok(Some((d, room)));
        }
    }
    Ok(None)
}

pub async fn delivery_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<delivery::Model>, DbError> {
    Ok(crate::unique(delivery::Entity::find_by_id(id), conn).await?)
}

/// A household's delivery of one consignment.
pub async fn delivery_of(
    conn: &impl ConnectionTrait,
    consignment_id: Uuid,
    household_id: Uuid,
) -> Result<Option<delivery::Model>, DbError> {
    Ok(crate::unique(
        delivery::Entity::find()
            .filter(delivery::Column::ConsignmentId.eq(consignment_id))
            .filter(delivery::Column::HouseholdId.eq(household_id)),
        conn,
    )
    .await?)
}

/// Who records at a door.
#[derive(Debug, Clone)]
pub enum RecordedBy {
    Volunteer { id: Uuid, name: String },
    Staff { name: String },
    Household,
}

impl RecordedBy {
    fn kind(&self) -> &'static str {
        match self {
            RecordedBy::Volunteer { .. } => "volunteer",
            RecordedBy::Staff { .. } => "staff",
            RecordedBy::Household => "household",
        }
    }

    fn name(&self) -> String {
        match self {
            RecordedBy::Volunteer { name, .. } | RecordedBy::Staff { name } => name.clone(),
            RecordedBy::Household => String::new(),
        }
    }
}

/// What a confirmation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub status: DeliveryStatus,
    /// The key was seen before: nothing changed, `status` is what it recorded then.
    pub repeated: bool,
    /// This confirmation is the one that first delivered the goods.
    pub first_delivery: bool,
}

/// Records a confirmation from a door or a household, once per key, in one
/// write transaction with its audit entry (skipped for a repeat).
pub async fn record(
    db: &Db,
    delivery_id: Uuid,
    status: DeliveryStatus,
    key: &str,
    by: &RecordedBy,
    at: OffsetDateTime,
    entry: audit::Entry,
) -> Result<Recorded, DbError> {
    let tx = db.begin_write().await?;
    let answer = record_many_in(&tx, vec![(delivery_id, status, key.to_string(), by.clone(), at, entry)])
        .await?
        .pop()
        .unwrap_or_else(|| Err(DbError::refused(Refusal::HouseholdNotFound)));
    let recorded = answer?;
    tx.commit().await?;
    Ok(recorded)
}

/// One door record waiting for the recorder.
struct PendingRecord {
    delivery_id: Uuid,
    status: DeliveryStatus,
    key: String,
    by: RecordedBy,
    at: OffsetDateTime,
    entry: audit::Entry,
    reply: tokio::sync::oneshot::Sender<Result<Recorded, DbError>>,
}

/// Door records of this instance, written in batches (group commit), as the
/// sign-up joiner writes joins: records that arrive while a batch is being
/// written wait and go into the next one, one write transaction (and one
/// sync to disk) per batch instead of per door, written by
/// [`record_many_in`]. A record refused there (a door deleted meanwhile) is
/// answered alone; the others of its batch are written. Nothing waits on a
/// timer: a lone record is written at once.
#[derive(Clone)]
pub struct Recorder {
    queue: tokio::sync::mpsc::Sender<PendingRecord>,
}

/// Most records in one batch.
const RECORD_BATCH: usize = 500;

impl Recorder {
    /// Starts the batch writer (call inside the tokio runtime).
    pub fn start(db: Db) -> Recorder {
        let (queue, mut rx) = tokio::sync::mpsc::channel::<PendingRecord>(8 * RECORD_BATCH);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < RECORD_BATCH {
                    match rx.try_recv() {
                        Ok(p) => batch.push(p),
                        Err(_) => break,
                    }
                }
                write_records(&db, batch).await;
            }
        });
        Recorder { queue }
    }

    /// [`record`] through the batch writer.
    pub async fn record(
        &self,
        delivery_id: Uuid,
        status: DeliveryStatus,
        key: &str,
        by: RecordedBy,
        at: OffsetDateTime,
        entry: audit::Entry,
    ) -> Result<Recorded, DbError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let busy = || DbError::refused(shouwang_domain::signup::SheetRefusal::ServerBusy);
        let p = PendingRecord { delivery_id, status, key: key.to_string(), by, at, entry, reply };
        self.queue.send(p).await.map_err(|_| busy())?;
        answer.await.map_err(|_| busy())?
    }

    /// Whether the batch writer is serving.
    pub fn is_running(&self) -> bool {
        !self.queue.is_closed()
    }
}

type Work = (Uuid, DeliveryStatus, String, RecordedBy, OffsetDateTime, audit::Entry);

/// A batch of door records in the caller's write transaction, in a few
/// statements whatever its size: the deliveries and the keys already used
/// are read with one IN list each, the new events are inserted together, the
/// deliveries updated per status, the ledger and the audit log appended once.
/// The answers are as [`record`] would give them one by one, in order (a
/// key seen before, or earlier in the batch, is a repeat that changes nothing).
pub async fn record_many_in(
    tx: &impl ConnectionTrait,
    work: Vec<Work>,
) -> Result<Vec<Result<Recorded, DbError>>, DbError> {
    use std::collections::{HashMap, HashSet};
    let ids: Vec<Uuid> = work.iter().map(|w| w.0).collect();
    let mut deliveries: HashMap<Uuid, delivery::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        for d in delivery::Entity::find().filter(delivery::Column::Id.is_in(chunk.to_vec())).all(tx).await? {
            deliveries.insert(d.id, d);
        }
    }
    let keys: Vec<String> = work.iter().map(|w| w.2.clone()).collect();
    let mut earlier: HashMap<String, DeliveryStatus> = HashMap::new();
    for chunk in keys.chunks(500) {
        let found: Vec<(String, String)> = delivery_event::Entity::find()
            .select_only()
            .column(delivery_event::Column::IdempotencyKey)
            .column(delivery_event::Column::Status)
            .filter(delivery_event::Column::IdempotencyKey.is_in(chunk.to_vec()))
            .into_tuple()
            .all(tx)
            .await?;
        for (k, st) in found {
            if let Some(st) = DeliveryStatus::from_code(&st) {
                earlier.insert(k, st);
            }
        }
    }
    let mut answers = Vec::with_capacity(work.len());
    let mut events = Vec::new();
    let mut entries = Vec::new();
    // The last status of each delivery in this batch, and who gave it.
    let mut latest: HashMap<Uuid, (DeliveryStatus, String, OffsetDateTime)> = HashMap::new();
    let mut first_delivered: Vec<Uuid> = Vec::new();
    let mut first_at: HashMap<Uuid, OffsetDateTime> = HashMap::new();
    let mut delivered_now: HashSet<Uuid> = HashSet::new();
    for (delivery_id, status, key, by, at, entry) in work {
        let at = crate::utc(at);
        if let Some(&st) = earlier.get(&key) {
            answers.push(Ok(Recorded { status: st, repeated: true, first_delivery: false }));
            continue;
        }
        let Some(d) = deliveries.get(&delivery_id) else {
            answers.push(Err(DbError::refused(Refusal::HouseholdNotFound)));
            continue;
        };
        earlier.insert(key.clone(), status);
        let first = status.is_delivered() && !d.delivered_once && !delivered_now.contains(&delivery_id);
        if status.is_delivered() {
            delivered_now.insert(delivery_id);
        }
        if first {
            first_delivered.push(delivery_id);
            first_at.insert(delivery_id, at);
        }
        events.push(delivery_event::ActiveModel::from(delivery_event::Model {
            id: Uuid::now_v7(),
            delivery_id,
            incident_id: d.incident_id,
            idempotency_key: key,
            status: status.code().to_string(),
            by_kind: by.kind().to_string(),
            by_name: by.name(),
            volunteer_id: match &by {
                RecordedBy::Volunteer { id, .. } => Some(*id),
                _ => None,
            },
            at,
        }));
        latest.insert(delivery_id, (status, by.name(), at));
        entries.push(entry);
        answers.push(Ok(Recorded { status, repeated: false, first_delivery: first }));
    }
    for chunk in events.chunks(300) {
        // A key taken by another instance meanwhile (PostgreSQL) stays theirs.
        delivery_event::Entity::insert_many(chunk.to_vec())
            .on_conflict(OnConflict::column(delivery_event::Column::IdempotencyKey).do_nothing().to_owned())
            .exec_without_returning(tx)
            .await?;
    }
    // One UPDATE per (status, who, when): a burst has few of those.
    let mut groups: HashMap<(DeliveryStatus, String, OffsetDateTime), Vec<Uuid>> = HashMap::new();
    for (id, (status, name, at)) in latest {
        groups.entry((status, name, at)).or_default().push(id);
    }
    for ((status, name, at), ids) in groups {
        for chunk in ids.chunks(500) {
            let mut update = delivery::Entity::update_many()
                .col_expr(delivery::Column::Status, Expr::value(status.code()))
                .col_expr(delivery::Column::UpdatedAt, Expr::value(at))
                .col_expr(delivery::Column::UpdatedBy, Expr::value(Some(name.clone()).filter(|n| !n.is_empty())));
            if status.is_delivered() {
                update = update.col_expr(delivery::Column::DeliveredOnce, Expr::value(true));
            }
            update.filter(delivery::Column::Id.is_in(chunk.to_vec())).exec(tx).await?;
        }
    }
    if !first_delivered.is_empty() {
        // The goods reached these doors: into the public books, without the doors.
        let mut shares: Vec<delivery_share::Model> = Vec::new();
        for chunk in first_delivered.chunks(500) {
            shares.extend(
                delivery_share::Entity::find()
                    .filter(delivery_share::Column::DeliveryId.is_in(chunk.to_vec()))
                    .all(tx)
                    .await?,
            );
        }
        let item_ids: HashSet<Uuid> = shares.iter().map(|s| s.item_id).collect();
        let items: HashMap<Uuid, consignment_item::Model> = consignment_item::Entity::find()
            .filter(consignment_item::Column::Id.is_in(item_ids.into_iter().collect::<Vec<_>>()))
            .all(tx)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let consignment_ids: HashSet<Uuid> = items.values().map(|i| i.consignment_id).collect();
        let consignments: HashMap<Uuid, consignment::Model> = consignment::Entity::find()
            .filter(consignment::Column::Id.is_in(consignment_ids.into_iter().collect::<Vec<_>>()))
            .all(tx)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut order: HashMap<Uuid, usize> = HashMap::new();
        for (i, id) in first_delivered.iter().enumerate() {
            order.insert(*id, i);
        }
        shares.sort_by_key(|s| {
            (order.get(&s.delivery_id).copied().unwrap_or(usize::MAX), items.get(&s.item_id).map(|i| i.position))
        });
        let books: Vec<NewEntry> = shares
            .iter()
            .filter_map(|s| {
                let item = items.get(&s.item_id)?;
                let c = consignments.get(&item.consignment_id)?;
                let at = first_at.get(&s.delivery_id).copied().unwrap_or_else(now);
                Some(book(c, LedgerKind::Delivery, &item.name, &item.unit, s.quantity, at))
            })
            .collect();
        append_to_ledger(tx, &books).await?;
    }
    audit::append_many(tx, entries).await?;
    Ok(answers)
}

/// One batch in one write transaction, in a task of its own: a panic ends
/// the task (its transaction rolls back), its callers are answered, and the
/// writer goes on.
async fn write_records(db: &Db, batch: Vec<PendingRecord>) {
    let mut replies = Vec::with_capacity(batch.len());
    let mut work = Vec::with_capacity(batch.len());
    for p in batch {
        replies.push(p.reply);
        work.push((p.delivery_id, p.status, p.key, p.by, p.at, p.entry));
    }
    let n = work.len();
    let task = tokio::spawn({
        let db = db.clone();
        async move {
            let tx = db.begin_write().await?;
            let answers = record_many_in(&tx, work).await?;
            tx.commit().await?;
            Ok::<_, DbError>(answers)
        }
    });
    let outcome = match task.await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::error!(records = n, error = %e, "door record batch panicked");
            Err(DbError::refused(shouwang_domain::signup::SheetRefusal::ServerBusy))
        }
    };
    match outcome {
        Ok(answers) => {
            for (reply, a) in replies.into_iter().zip(answers) {
                let _ = reply.send(a);
            }
        }
        Err(e) => {
            tracing::warn!(records = n, error = %e, "door record batch not written");
            for reply in replies {
                let _ = reply.send(Err(e.replicate()));
            }
        }
    }
}

/// A household not yet reached for a consignment.
#[derive(Debug, Clone)]
pub struct Uncovered {
    pub delivery_id: Uuid,
    pub household_id: Uuid,
    pub run_id: Uuid,
    pub building: String,
    pub room: String,
    pub status: DeliveryStatus,
    pub in_need: bool,
    pub group_id: Option<Uuid>,
}

/// Per run: (run id, building id, group id, households, settled), from the
/// `(consignment_id, status, run_id)` index without reading the rows.
pub async fn coverage_by_run(
    conn: &impl ConnectionTrait,
    consignment_id: Uuid,
) -> Result<Vec<(Uuid, Uuid, Option<Uuid>, i64, i64)>, DbError> {
    let counts: Vec<(String, Uuid, i64)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Status)
        .column(delivery::Column::RunId)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(delivery::Column::ConsignmentId.eq(consignment_id))
        .group_by(delivery::Column::Status)
        .group_by(delivery::Column::RunId)
        .into_tuple()
        .all(conn)
        .await?;
    let mut per_run: HashMap<Uuid, (i64, i64)> = HashMap::new();
    for (status, run, n) in counts {
        let e = per_run.entry(run).or_default();
        e.0 += n;
        if DeliveryStatus::from_code(&status).is_some_and(DeliveryStatus::is_settled) {
            e.1 += n;
        }
    }
    let runs: Vec<(Uuid, Uuid, Option<Uuid>)> = delivery_run::Entity::find()
        .select_only()
        .column(delivery_run::Column::Id)
        .column(delivery_run::Column::BuildingId)
        .column(delivery_run::Column::GroupId)
        .filter(delivery_run::Column::ConsignmentId.eq(consignment_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(runs
        .into_iter()
        .map(|(id, b, g)| {
            let (n, settled) = per_run.get(&id).copied().unwrap_or((0, 0));
            (id, b, g, n, settled)
        })
        .collect())
}

/// The households of the consignment whose delivery is not settled, those in
/// need first, then in the order the runs were made (building, floor, room),
/// at most `limit`, with building, room, run and the run's group, in one query.
pub async fn uncovered(
    conn: &impl ConnectionTrait,
    consignment_id: Uuid,
    limit: u64,
) -> Result<Vec<Uncovered>, DbError> {
    let mut out = uncovered_where(conn, consignment_id, true, limit).await?;
    let rest = limit.saturating_sub(out.len() as u64);
    if rest > 0 {
        out.extend(uncovered_where(conn, consignment_id, false, rest).await?);
    }
    Ok(out)
}

/// [`uncovered`] among the households in need or the others, in id order:
/// delivery ids are UUIDv7, made in run order and door order, so the
/// `(consignment_id, in_need, id)` index yields them in that order and the
/// scan stops at `limit`.
async fn uncovered_where(
    conn: &impl ConnectionTrait,
    consignment_id: Uuid,
    in_need: bool,
    limit: u64,
) -> Result<Vec<Uncovered>, DbError> {
    let settled: Vec<&str> = DeliveryStatus::ALL.iter().filter(|s| s.is_settled()).map(|s| s.code()).collect();
    let (d, h, b, r) = (Alias::new("d"), Alias::new("h"), Alias::new("b"), Alias::new("r"));
    let col = |t: &Alias, c: &str| Expr::col((t.clone(), Alias::new(c)));
    let q = Query::select()
        .expr_as(col(&d, "id"), Alias::new("delivery_id"))
        .expr_as(col(&d, "household_id"), Alias::new("household_id"))
        .expr_as(col(&d, "run_id"), Alias::new("run_id"))
        .expr_as(col(&d, "status"), Alias::new("status"))
        .expr_as(col(&d, "in_need"), Alias::new("in_need"))
        .expr_as(col(&b, "name"), Alias::new("building"))
        .expr_as(col(&h, "room"), Alias::new("room"))
        .expr_as(col(&r, "group_id"), Alias::new("group_id"))
        .from_as(Alias::new("delivery"), d.clone())
        .join_as(
            JoinType::InnerJoin,
            Alias::new("household"),
            h.clone(),
            col(&h, "id").equals((d.clone(), Alias::new("household_id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            Alias::new("delivery_run"),
            r.clone(),
            col(&r, "id").equals((d.clone(), Alias::new("run_id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            Alias::new("region"),
            b.clone(),
            col(&b, "id").equals((r.clone(), Alias::new("building_id"))),
        )
        .and_where(col(&d, "consignment_id").eq(consignment_id))
        .and_where(col(&d, "in_need").eq(in_need))
        .and_where(col(&d, "status").is_not_in(settled))
        .order_by_expr(col(&d, "id"), sea_orm::Order::Asc)
        .limit(limit)
        .to_owned();
    let rows = conn.query_all_raw(conn.get_database_backend().build(&q)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let status: String = row.try_get("", "status")?;
        out.push(Uncovered {
            delivery_id: row.try_get("", "delivery_id")?,
            household_id: row.try_get("", "household_id")?,
            run_id: row.try_get("", "run_id")?,
            building: row.try_get("", "building")?,
            room: row.try_get("", "room")?,
            status: DeliveryStatus::from_code(&status).unwrap_or(DeliveryStatus::Pending),
            in_need: row.try_get("", "in_need")?,
            group_id: row.try_get("", "group_id")?,
        });
    }
    Ok(out)
}

/// (households, settled) per consignment.
pub async fn coverage_counts(
    conn: &impl ConnectionTrait,
    consignment_ids: &[Uuid],
) -> Result<HashMap<Uuid, (i64, i64)>, DbError> {
    let settled: Vec<String> =
        DeliveryStatus::ALL.iter().filter(|s| s.is_settled()).map(|s| format!("'{}'", s.code())).collect();
    let mut out = HashMap::new();
    for chunk in consignment_ids.chunks(200) {
        let rows: Vec<(Uuid, i64, i64)> = delivery::Entity::find()
            .select_only()
            .column(delivery::Column::ConsignmentId)
            .column_as(delivery::Column::Id.count(), "n")
            .column_as(
                Expr::cust(format!("SUM(CASE WHEN status IN ({}) THEN 1 ELSE 0 END)", settled.join(","))),
                "settled",
            )
            .filter(delivery::Column::ConsignmentId.is_in(chunk.to_vec()))
            .group_by(delivery::Column::ConsignmentId)
            .into_tuple()
            .all(conn)
            .await?;
        for (id, n, s) in rows {
            out.insert(id, (n, s));
        }
    }
    Ok(out)
}

/// Each community's most recently allocated consignment: community →
/// (consignment id, title, households, settled), for home pages and roll-ups.
pub async fn latest_coverage(conn: &impl ConnectionTrait) -> Result<HashMap<Uuid, (Uuid, String, i64, i64)>, DbError> {
    let rows: Vec<(Uuid, Uuid, String, Option<OffsetDateTime>)> = consignment::Entity::find()
        .select_only()
        .column(consignment::Column::Id)
        .column(consignment::Column::CommunityId)
        .column(consignment::Column::Title)
        .column(consignment::Column::AllocatedAt)
        .filter(consignment::Column::State.eq(ConsignmentState::Allocated.code()))
        .into_tuple()
        .all(conn)
        .await?;
    let mut latest: HashMap<Uuid, (Uuid, String, Option<OffsetDateTime>)> = HashMap::new();
    for (id, community, title, at) in rows {
        match latest.get(&community) {
            Some((_, _, seen)) if *seen >= at => {}
            _ => {
                latest.insert(community, (id, title, at));
            }
        }
    }
    let ids: Vec<Uuid> = latest.values().map(|v| v.0).collect();
    let counts = coverage_counts(conn, &ids).await?;
    Ok(latest
        .into_iter()
        .map(|(community, (id, title, _))| {
            let (n, settled) = counts.get(&id).copied().unwrap_or((0, 0));
            (community, (id, title, n, settled))
        })
        .collect())
}

/// A household's deliveries, newest consignment first: (consignment, delivery).
pub async fn deliveries_of_household(
    conn: &impl ConnectionTrait,
    household_id: Uuid,
) -> Result<Vec<(consignment::Model, delivery::Model)>, DbError> {
    let ds = delivery::Entity::find().filter(delivery::Column::HouseholdId.eq(household_id)).all(conn).await?;
    let ids: Vec<Uuid> = ds.iter().map(|d| d.consignment_id).collect();
    let cs: HashMap<Uuid, consignment::Model> = consignment::Entity::find()
        .filter(consignment::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut out: Vec<_> = ds.into_iter().filter_map(|d| cs.get(&d.consignment_id).cloned().map(|c| (c, d))).collect();
    out.sort_by_key(|x| std::cmp::Reverse(x.0.created_at));
    Ok(out)
}

/// The units of each item of a delivery: (item, unit, units).
pub async fn shares_of(conn: &impl ConnectionTrait, delivery_id: Uuid) -> Result<Vec<(String, String, i64)>, DbError> {
    let shares =
        delivery_share::Entity::find().filter(delivery_share::Column::DeliveryId.eq(delivery_id)).all(conn).await?;
    let items: HashMap<Uuid, consignment_item::Model> = consignment_item::Entity::find()
        .filter(consignment_item::Column::Id.is_in(shares.iter().map(|s| s.item_id).collect::<Vec<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut out: Vec<(i32, String, String, i64)> = shares
        .into_iter()
        .filter_map(|s| items.get(&s.item_id).map(|i| (i.position, i.name.clone(), i.unit.clone(), s.quantity)))
        .collect();
    out.sort();
    Ok(out.into_iter().map(|(_, n, u, q)| (n, u, q)).collect())
}

/// What a stock holds of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLevel {
    pub place: StockPlace,
    pub item: String,
    pub unit: String,
    pub on_hand: i64,
}

/// The community's stocks: the sum of movements per place and item.
pub async fn stock_levels(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<Vec<StockLevel>, DbError> {
    let rows: Vec<(String, String, String, i64)> = stock_movement::Entity::find()
        .select_only()
        .column(stock_movement::Column::Place)
        .column(stock_movement::Column::Item)
        .column(stock_movement::Column::Unit)
        .column_as(Expr::cust("CAST(SUM(quantity) AS BIGINT)"), "on_hand")
        .filter(stock_movement::Column::CommunityId.eq(community_id))
        .group_by(stock_movement::Column::Place)
        .group_by(stock_movement::Column::Item)
        .group_by(stock_movement::Column::Unit)
        .order_by_asc(stock_movement::Column::Place)
        .order_by_asc(stock_movement::Column::Item)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, item, unit, on_hand)| {
            StockPlace::from_code(&p).map(|place| StockLevel { place, item, unit, on_hand })
        })
        .collect())
}

/// The latest movements of the community's stocks, newest first.
pub async fn movements(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    limit: u64,
) -> Result<Vec<stock_movement::Model>, DbError> {
    Ok(stock_movement::Entity::find()
        .filter(stock_movement::Column::CommunityId.eq(community_id))
        .order_by_desc(stock_movement::Column::At)
        .limit(limit)
        .all(conn)
        .await?)
}

#[derive(Debug, Clone)]
pub struct NewMovement {
    pub community_id: Uuid,
    pub place: StockPlace,
    pub item: String,
    pub unit: String,
    /// In positive, out negative.
    pub quantity: i64,
    pub reason: String,
    pub by_name: String,
}

/// Moves stock in or out; a take is checked against the stock inside the
/// write transaction, so two takes at once cannot both empty it.
pub async fn move_stock(db: &Db, m: &NewMovement, at: OffsetDateTime, entry: audit::Entry) -> Result<i64, DbError> {
    let tx = db.begin_write().await?;
    // The community's lock (as for rosters): two takes on PostgreSQL read
    // and write in turn; SQLite's write transaction is exclusive already.
    crate::rosters::lock_roster(&tx, m.community_id).await?;
    let on_hand: Vec<Option<i64>> = stock_movement::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(SUM(quantity) AS BIGINT)"), "on_hand")
        .filter(stock_movement::Column::CommunityId.eq(m.community_id))
        .filter(stock_movement::Column::Place.eq(m.place.code()))
        .filter(stock_movement::Column::Item.eq(m.item.as_str()))
        .into_tuple()
        .all(&tx)
        .await?;
    let on_hand = on_hand.into_iter().next().flatten().unwrap_or(0);
    let left = if m.quantity < 0 {
        shouwang_domain::supplies::take(on_hand, -m.quantity, &m.item).map_err(DbError::refused)?
    } else {
        on_hand + m.quantity
    };
    let incident_id = crate::incidents::current_in(&tx, m.community_id).await?;
    stock_movement::Entity::insert(stock_movement::ActiveModel::from(stock_movement::Model {
        id: Uuid::now_v7(),
        community_id: m.community_id,
        incident_id,
        place: m.place.code().to_string(),
        item: m.item.clone(),
        unit: m.unit.clone(),
        quantity: m.quantity,
        reason: m.reason.clone(),
        consignment_id: None,
        by_name: m.by_name.clone(),
        at: crate::utc(at),
    }))
    .exec_without_returning(&tx)
    .await?;
    let kind = match (m.place, m.quantity > 0) {
        (StockPlace::Reserve, true) => LedgerKind::ReserveIn,
        (StockPlace::Reserve, false) => LedgerKind::ReserveOut,
        (StockPlace::Shelf, true) => LedgerKind::ShelfIn,
        (StockPlace::Shelf, false) => LedgerKind::ShelfOut,
    };
    // The reason stays in the committee's records: it may name a person.
    append_to_ledger(
        &tx,
        &[NewEntry {
            community_id: m.community_id,
            incident_id,
            consignment_id: None,
            consignment_title: String::new(),
            kind,
            item: m.item.clone(),
            unit: m.unit.clone(),
            quantity: m.quantity.abs(),
            note: String::new(),
            at: crate::utc(at),
        }],
    )
    .await?;
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(left)
}

//! Applying a resident import to the registry.
//!
//! The `io` crate reads the file and the domain turns rows into
//! [`ResidentRecord`]s; here the records are matched against what is stored
//! and the difference is written in one transaction. Matching makes
//! re-imports idempotent: a person is the same person when their ID hash
//! matches, or (without an ID number) when the same name lives at the same
//! compound, building and room.
//!
//! The work is split in two: [`plan`] is pure (snapshot + records -> what to
//! write and the counts), and [`import_residents_in`] takes the community's
//! import lock inside the caller's write transaction, loads the snapshot
//! there, plans, and writes. A dry run plans against a snapshot read outside
//! any transaction and writes nothing.
//!
//! An apply compares against what is stored when it runs, never against
//! what its preview saw: two imports of the same rows (two instances, a
//! double click) are serialised per community, so the second matches the
//! residents the first created. A resident changed after the preview (by
//! hand or by another import) keeps that change: the row is reported as a
//! conflict ([`RejectReason::EditedSincePreview`]), not overwritten.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shouwang_domain::import::reject_duplicates;
use shouwang_domain::text::{building_key, name_key, room_key};
use shouwang_domain::{
    IdHasher, ImportCounts, ImportReport, RegionCode, RegionKind, RejectReason, RejectedRow, ResidentRecord,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entity::{household, region, resident};
use crate::registry::{child_path, community_by_code};
use crate::{Db, DbError, now};

/// Rows per INSERT statement: 500 x 14 columns stays far below the bind
/// parameter limits of SQLite (32,766) and PostgreSQL (65,535).
const CHUNK: usize = 500;

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Report what would happen; change nothing.
    pub dry_run: bool,
    /// Apply nothing if any row was rejected.
    pub strict: bool,
}

/// Which optional columns the file has. A column the file lacks leaves the
/// stored value alone; a column it has is the truth, blanks included, except
/// the ID number, which a blank or masked cell never erases.
#[derive(Debug, Clone, Copy, Default)]
pub struct ColumnsPresent {
    pub gender: bool,
    pub birth: bool,
    pub phone: bool,
    pub tags: bool,
}

impl ColumnsPresent {
    pub fn all() -> ColumnsPresent {
        ColumnsPresent { gender: true, birth: true, phone: true, tags: true }
    }
}

/// Imports `records` (the valid rows) into a community. `rejected` are the
/// rows already refused while reading; they go into the report.
pub async fn import_residents(
    db: &Db,
    community: &RegionCode,
    records: Vec<ResidentRecord>,
    mut rejected: Vec<RejectedRow>,
    columns: ColumnsPresent,
    hasher: &IdHasher,
    options: ImportOptions,
) -> Result<ImportReport, DbError> {
    // The same person twice in one file would break the unique ID index
    // half-way; refuse the later rows here, whoever the caller is.
    let (records, duplicates) = reject_duplicates(records);
    rejected.extend(duplicates);
    rejected.sort_by_key(|r| r.row);
    let blocked_by_strict = options.strict && !rejected.is_empty();
    let apply = !options.dry_run && !blocked_by_strict && !records.is_empty();
    if !apply {
        let snapshot = Snapshot::load(&db.read, community).await?;
        let plan = plan(&snapshot, &records, columns, hasher, now(), None);
        return Ok(ImportReport { counts: plan.counts, rejected, applied: false });
    }
    let tx = db.begin_write().await?;
    let guard = Guard { strict: options.strict, preview_at: None };
    let report = import_residents_in(&tx, community, records, rejected, columns, hasher, now(), guard).await?;
    tx.commit().await?;
    db.checkpoint().await?;
    Ok(report)
}

/// What an apply must respect besides the file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Guard {
    /// Write nothing if any row is refused (conflicts included).
    pub strict: bool,
    /// When the preview of this file was made: a resident changed after it
    /// (by hand, or by another import) keeps that change; the row is
    /// reported as [`RejectReason::EditedSincePreview`] and not applied.
    pub preview_at: Option<OffsetDateTime>,
}

/// Applies valid rows inside the caller's write transaction: takes the
/// community's import lock first ([`lock_community_in`]), then loads what is
/// stored now (not what the preview saw), plans and writes. `rejected` are
/// the rows already refused; conflicts are added to them.
#[allow(clippy::too_many_arguments, reason = "the rows, how to read them, and what to respect")]
pub async fn import_residents_in(
    conn: &impl ConnectionTrait,
    community: &RegionCode,
    records: Vec<ResidentRecord>,
    mut rejected: Vec<RejectedRow>,
    columns: ColumnsPresent,
    hasher: &IdHasher,
    at: OffsetDateTime,
    guard: Guard,
) -> Result<ImportReport, DbError> {
    let (records, duplicates) = reject_duplicates(records);
    rejected.extend(duplicates);
    let target = community_by_code(conn, community).await?;
    lock_community_in(conn, target.id).await?;
    let snapshot = Snapshot::load(conn, community).await?;
    let plan = plan(&snapshot, &records, columns, hasher, at, guard.preview_at);
    rejected.extend(plan.conflicts.iter().cloned());
    rejected.sort_by_key(|r| r.row);
    let blocked_by_strict = guard.strict && !rejected.is_empty();
    let apply = !records.is_empty() && !blocked_by_strict;
    if apply {
        write_plan(conn, &plan).await?;
        tracing::info!(
            community = %community,
            created = plan.counts.created,
            updated = plan.counts.updated,
            unchanged = plan.counts.unchanged,
            rejected = rejected.len(),
            "resident import applied"
        );
    }
    Ok(ImportReport { counts: plan.counts, rejected, applied: apply })
}

/// Serialises imports into one community until the caller's transaction
/// ends. On PostgreSQL a transaction-scoped advisory lock keyed by the
/// community: a second import (another instance, a double click) waits
/// here and then reads what the first wrote, so it matches those residents
/// instead of adding them twice. It takes no row lock, so other writes into
/// the community go on. On SQLite the write transaction began IMMEDIATE
/// already holds the database's one write lock.
pub async fn lock_community_in(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<(), DbError> {
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        let b = community_id.as_bytes();
        let low = i64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
        // Kept apart from other advisory keys (migrations) by a fixed mask.
        let key = low ^ IMPORT_LOCK_NAMESPACE;
        conn.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [key.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Mixed into the per-community import lock key.
const IMPORT_LOCK_NAMESPACE: i64 = 0x696d_706f_7274_0000;

/// What is stored for one community, loaded once per import.
pub struct Snapshot {
    community: region::Model,
    /// Compounds by name key.
    compounds: HashMap<String, region::Model>,
    /// Buildings by (compound id, building key).
    buildings: HashMap<(Uuid, String), Uuid>,
    /// Every region code under the community's code, to keep new codes unique.
    codes: HashSet<String>,
    /// Households by (building id, room key).
    households: HashMap<(Uuid, String), household::Model>,
    residents: Vec<resident::Model>,
}

impl Snapshot {
    pub async fn load(conn: &impl ConnectionTrait, community: &RegionCode) -> Result<Snapshot, DbError> {
        let community = community_by_code(conn, community).await?;
        let subtree =
            region::Entity::find().filter(region::Column::Path.starts_with(community.path.as_str())).all(conn).await?;
        let mut compounds = HashMap::new();
        let mut buildings = HashMap::new();
        for r in &subtree {
            if r.kind == RegionKind::Compound.as_str() {
                compounds.entry(r.name_key.clone()).or_insert_with(|| r.clone());
            } else if r.kind == RegionKind::Building.as_str()
                && let Some(parent) = r.parent_id
            {
                buildings.insert((parent, r.name_key.clone()), r.id);
            }
        }
        let codes = region::Entity::find()
            .filter(region::Column::Code.starts_with(format!("{}.", community.code)))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| r.code)
            .collect();
        let households = household::Entity::find()
            .filter(household::Column::CommunityId.eq(community.id))
            .all(conn)
            .await?
            .into_iter()
            .map(|h| ((h.building_id, h.room_key.clone()), h))
            .collect();
        let residents =
            resident::Entity::find().filter(resident::Column::CommunityId.eq(community.id)).all(conn).await?;
        Ok(Snapshot { community, compounds, buildings, codes, households, residents })
    }
}

/// Everything an import will write, and its counts.
#[derive(Debug, Default)]
pub struct Plan {
    pub counts: ImportCounts,
    /// Rows that would change a resident edited after the preview.
    pub conflicts: Vec<RejectedRow>,
    new_regions: Vec<region::Model>,
    new_households: Vec<household::Model>,
    household_updates: Vec<household::Model>,
    new_residents: Vec<resident::Model>,
    resident_updates: Vec<resident::Model>,
}

/// Pure: matches records against the snapshot and decides every write.
pub fn plan(
    snapshot: &Snapshot,
    records: &[ResidentRecord],
    columns: ColumnsPresent,
    hasher: &IdHasher,
    at: OffsetDateTime,
    edited_after: Option<OffsetDateTime>,
) -> Plan {
    let community = &snapshot.community;
    let mut out = Plan::default();
    let mut compounds: HashMap<String, (Uuid, String, String)> =
        snapshot.compounds.iter().map(|(k, r)| (k.clone(), (r.id, r.code.clone(), r.path.clone()))).collect();
    let mut buildings = snapshot.buildings.clone();
    let mut codes = snapshot.codes.clone();
    let mut households: HashMap<(Uuid, String), (Uuid, Option<String>)> =
        snapshot.households.iter().map(|(k, h)| (k.clone(), (h.id, h.contact_phone.clone()))).collect();

    let by_hash: HashMap<&str, usize> =
        snapshot.residents.iter().enumerate().filter_map(|(i, r)| r.id_hash.as_deref().map(|h| (h, i))).collect();
    let mut by_address: HashMap<(Uuid, &str), Vec<usize>> = HashMap::new();
    for (i, r) in snapshot.residents.iter().enumerate() {
        by_address.entry((r.household_id, r.name_key.as_str())).or_default().push(i);
    }
    let mut matched: HashSet<usize> = HashSet::new();
    // Final household of every resident after the import, to recount sizes.
    let mut members: HashMap<Uuid, i32> = HashMap::new();
    for r in &snapshot.residents {
        *members.entry(r.household_id).or_default() += 1;
    }
    let mut first_phone: HashMap<Uuid, String> = HashMap::new();

    for rec in records {
        // Compound: the one named, or the community's default compound.
        let compound_name = rec.compound.clone().unwrap_or_else(|| community.name.clone());
        let compound_key = name_key(&compound_name);
        let (compound_id, compound_code, compound_path) = compounds
            .entry(compound_key.clone())
            .or_insert_with(|| {
                let code = unique_code(&mut codes, community.code.as_str(), "c", None);
                let model = region::Model {
                    id: Uuid::now_v7(),
                    kind: RegionKind::Compound.as_str().into(),
                    path: child_path(Some(&community.path), &code),
                    code: code.clone(),
                    name: compound_name.clone(),
                    name_key: compound_key.clone(),
                    parent_id: Some(community.id),
                    created_at: at,
                    contact_phone: None,
                };
                let entry = (model.id, code, model.path.clone());
                out.new_regions.push(model);
                entry
            })
            .clone();

        let bkey = building_key(&rec.building);
        let building_id = *buildings.entry((compound_id, bkey.clone())).or_insert_with(|| {
            let code = unique_code(&mut codes, &compound_code, "b", Some(&bkey));
            let model = region::Model {
                id: Uuid::now_v7(),
                kind: RegionKind::Building.as_str().into(),
                path: child_path(Some(&compound_path), &code),
                code,
                name: rec.building.clone(),
                name_key: bkey.clone(),
                parent_id: Some(compound_id),
                created_at: at,
                contact_phone: None,
            };
            let id = model.id;
            out.new_regions.push(model);
            id
        });

        let rkey = room_key(&rec.room);
        let (household_id, _) = households
            .entry((building_id, rkey.clone()))
            .or_insert_with(|| {
                let model = household::Model {
                    id: Uuid::now_v7(),
                    community_id: community.id,
                    building_id,
                    room: rec.room.clone(),
                    room_key: rkey.clone(),
                    contact_phone: None,
                    size: 0,
                    created_at: at,
                    updated_at: at,
                };
                let id = model.id;
                out.new_households.push(model);
                (id, None)
            })
            .clone();
        if let Some(phone) = &rec.phone {
            first_phone.entry(household_id).or_insert_with(|| phone.expose().to_string());
        }

        let id_hash = rec.id_card.as_ref().map(|id| hasher.hash(id));
        let nkey = name_key(&rec.name);
        let existing = match &id_hash {
            Some(h) => by_hash.get(h.as_str()).copied().or_else(|| {
                // Known at this address under the same name but without an ID yet.
                by_address.get(&(household_id, nkey.as_str())).and_then(|c| {
                    c.iter().copied().find(|i| snapshot.residents[*i].id_hash.is_none() && !matched.contains(i))
                })
            }),
            None => by_address
                .get(&(household_id, nkey.as_str()))
                .and_then(|c| c.iter().copied().find(|i| !matched.contains(i))),
        }
        .filter(|i| !matched.contains(i));

        match existing {
            Some(i) => {
                matched.insert(i);
                let old = &snapshot.residents[i];
                let mut new = old.clone();
                new.household_id = household_id;
                new.name = rec.name.clone();
                new.name_key = nkey;
                // Gender and birth year read from a stored ID number stay unless a new ID number says otherwise.
                let from_id = rec.id_card.is_some();
                let keep_id_derived = !from_id && old.id_hash.is_some();
                if (columns.gender || from_id) && !keep_id_derived {
                    new.gender = rec.gender.map(|g| g.code().to_string());
                }
                if (columns.birth || from_id) && !keep_id_derived {
                    new.birth_year = rec.birth_year;
                }
                if columns.phone {
                    new.phone = rec.phone.as_ref().map(|p| p.expose().to_string());
                }
                if let Some(id) = &rec.id_card {
                    new.id_hash = id_hash.clone();
                    new.id_masked = Some(id.masked());
                } else if new.id_masked.is_none() {
                    new.id_masked = rec.id_masked.clone();
                }
                if columns.tags {
                    new.tags = rec.tags.to_codes();
                    new.note = rec.note.clone();
                }
                if new == *old {
                    out.counts.unchanged += 1;
                } else if edited_after.is_some_and(|t| old.updated_at > t) {
                    // Changed since the preview: that change wins, the row is reported.
                    out.conflicts.push(RejectedRow { row: rec.row, reason: RejectReason::EditedSincePreview });
                } else {
                    if new.household_id != old.household_id {
                        *members.entry(old.household_id).or_default() -= 1;
                        *members.entry(new.household_id).or_default() += 1;
                    }
                    new.updated_at = at;
                    out.resident_updates.push(new);
                    out.counts.updated += 1;
                }
            }
            None => {
                *members.entry(household_id).or_default() += 1;
                out.new_residents.push(resident::Model {
                    id: Uuid::now_v7(),
                    community_id: community.id,
                    household_id,
                    name: rec.name.clone(),
                    name_key: nkey,
                    gender: rec.gender.map(|g| g.code().to_string()),
                    birth_year: rec.birth_year,
                    phone: rec.phone.as_ref().map(|p| p.expose().to_string()),
                    id_hash,
                    id_masked: rec.id_card.as_ref().map(|id| id.masked()).or_else(|| rec.id_masked.clone()),
                    tags: rec.tags.to_codes(),
                    note: rec.note.clone(),
                    created_at: at,
                    updated_at: at,
                });
                out.counts.created += 1;
            }
        }
    }

    // Household size is the number of registered residents; the contact
    // phone, when none is set, is the first phone listed for the household.
    for h in &mut out.new_households {
        h.size = members.get(&h.id).copied().unwrap_or(0);
        h.contact_phone = first_phone.get(&h.id).cloned();
    }
    for h in snapshot.households.values() {
        let size = members.get(&h.id).copied().unwrap_or(0);
        let contact_phone = h.contact_phone.clone().or_else(|| first_phone.get(&h.id).cloned());
        if size != h.size || contact_phone != h.contact_phone {
            let mut updated = h.clone();
            updated.size = size;
            updated.contact_phone = contact_phone;
            updated.updated_at = at;
            out.household_updates.push(updated);
        }
    }
    out
}

/// A new code under `parent`: `parent.<key>` when the key is plain ASCII
/// (building "3" -> "sy.c01.3"), else `parent.<prefix><n>` with the first free n.
fn unique_code(codes: &mut HashSet<String>, parent: &str, prefix: &str, key: Option<&str>) -> String {
    let readable = key
        .filter(|k| !k.is_empty() && k.len() <= 12 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(|k| format!("{parent}.{}", k.to_ascii_lowercase()));
    let code = match readable {
        Some(c) if !codes.contains(&c) && c.len() <= 64 => c,
        _ => (1..)
            .map(|n| format!("{parent}.{prefix}{n:02}"))
            .find(|c| !codes.contains(c))
            .unwrap_or_else(|| format!("{parent}.{}", Uuid::now_v7().simple())),
    };
    codes.insert(code.clone());
    code
}

async fn write_plan(conn: &impl ConnectionTrait, plan: &Plan) -> Result<(), DbError> {
    // Compounds before buildings: a building's parent must exist first.
    for kind in [RegionKind::Compound, RegionKind::Building] {
        let rows: Vec<region::ActiveModel> =
            plan.new_regions.iter().filter(|r| r.kind == kind.as_str()).cloned().map(Into::into).collect();
        for chunk in rows.chunks(CHUNK) {
            region::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
        }
    }
    for chunk in plan.new_households.chunks(CHUNK) {
        let rows: Vec<household::ActiveModel> = chunk.iter().cloned().map(Into::into).collect();
        household::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    for chunk in plan.new_residents.chunks(CHUNK) {
        let rows: Vec<resident::ActiveModel> = chunk.iter().cloned().map(Into::into).collect();
        resident::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    for r in &plan.resident_updates {
        resident::Entity::update_many()
            .col_expr(resident::Column::HouseholdId, Expr::value(r.household_id))
            .col_expr(resident::Column::Name, Expr::value(r.name.clone()))
            .col_expr(resident::Column::NameKey, Expr::value(r.name_key.clone()))
            .col_expr(resident::Column::Gender, Expr::value(r.gender.clone()))
            .col_expr(resident::Column::BirthYear, Expr::value(r.birth_year))
            .col_expr(resident::Column::Phone, Expr::value(r.phone.clone()))
            .col_expr(resident::Column::IdHash, Expr::value(r.id_hash.clone()))
            .col_expr(resident::Column::IdMasked, Expr::value(r.id_masked.clone()))
            .col_expr(resident::Column::Tags, Expr::value(r.tags.clone()))
            .col_expr(resident::Column::Note, Expr::value(r.note.clone()))
            .col_expr(resident::Column::UpdatedAt, Expr::value(r.updated_at))
            .filter(resident::Column::Id.eq(r.id))
            .exec(conn)
            .await?;
    }
    for h in &plan.household_updates {
        household::Entity::update_many()
            .col_expr(household::Column::Size, Expr::value(h.size))
            .col_expr(household::Column::ContactPhone, Expr::value(h.contact_phone.clone()))
            .col_expr(household::Column::UpdatedAt, Expr::value(h.updated_at))
            .filter(household::Column::Id.eq(h.id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

//! Duty rosters (值班表) and the group-buy timetable (团购时间表): storage.
//!
//! The roster itself is made by the pure `shouwang_domain::roster`; this
//! module keeps posts, shifts and assignments, the per-community fatigue
//! limits, and the timetable. Shift times are local minutes since 1970-01-01
//! (see the domain module). Every write is one transaction with its audit
//! entry; inserts go in chunks of 500 without RETURNING.

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use shouwang_domain::roster::{FatigueLimits, Refusal};
use time::Date;
use uuid::Uuid;

use crate::entity::{groupbuy_organiser, groupbuy_slot, post, roster_settings, shift, shift_assignment, volunteer};
use crate::{Db, DbError, audit, now};

const CHUNK: usize = 500;

/// Kinds of post, as stored.
pub const POST_KINDS: [&str; 5] = ["gate", "testing", "supply", "patrol", "other"];

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn to_u32(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// The community's fatigue limits, or the defaults.
pub async fn settings(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<FatigueLimits, DbError> {
    Ok(crate::unique(roster_settings::Entity::find_by_id(community_id), conn).await?.map_or_else(
        FatigueLimits::default,
        |s| FatigueLimits {
            warn_day_minutes: to_u32(s.warn_day_minutes),
            max_day_minutes: to_u32(s.max_day_minutes),
            min_rest_minutes: to_u32(s.min_rest_minutes),
            max_week_minutes: to_u32(s.max_week_minutes),
        },
    ))
}

pub async fn save_settings(
    db: &Db,
    community_id: Uuid,
    limits: FatigueLimits,
    entry: audit::Entry,
) -> Result<(), DbError> {
    let l = limits;
    if l.warn_day_minutes == 0
        || l.max_day_minutes == 0
        || l.max_week_minutes == 0
        || l.warn_day_minutes > l.max_day_minutes
        || l.max_day_minutes > 24 * 60
        || l.min_rest_minutes > 48 * 60
        || l.max_week_minutes > 7 * 24 * 60
    {
        return Err(DbError::refused(Refusal::BadLimits));
    }
    let tx = db.begin_write().await?;
    let at = now();
    let updated = roster_settings::Entity::update_many()
        .col_expr(roster_settings::Column::WarnDayMinutes, Expr::value(to_i32(l.warn_day_minutes)))
        .col_expr(roster_settings::Column::MaxDayMinutes, Expr::value(to_i32(l.max_day_minutes)))
        .col_expr(roster_settings::Column::MinRestMinutes, Expr::value(to_i32(l.min_rest_minutes)))
        .col_expr(roster_settings::Column::MaxWeekMinutes, Expr::value(to_i32(l.max_week_minutes)))
        .col_expr(roster_settings::Column::UpdatedAt, Expr::value(at))
        .filter(roster_settings::Column::CommunityId.eq(community_id))
        .exec(&tx)
        .await?;
    if updated.rows_affected == 0 {
        let m = roster_settings::Model {
            community_id,
            warn_day_minutes: to_i32(l.warn_day_minutes),
            max_day_minutes: to_i32(l.max_day_minutes),
            min_rest_minutes: to_i32(l.min_rest_minutes),
            max_week_minutes: to_i32(l.max_week_minutes),
            updated_at: at,
        };
        roster_settings::Entity::insert(roster_settings::ActiveModel::from(m)).exec_without_returning(&tx).await?;
    }
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// A new post.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewPost {
    pub name: String,
    pub kind: String,
    pub compound_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
}

pub async fn create_post(db: &Db, community_id: Uuid, new: NewPost, entry: audit::Entry) -> Result<Uuid, DbError> {
    let name = shouwang_domain::text::normalize(&new.name);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DbError::refused(Refusal::BadPostName));
    }
    if !POST_KINDS.contains(&new.kind.as_str()) {
        return Err(DbError::refused(Refusal::UnknownPostKind));
    }
    let tx = db.begin_write().await?;
    let m = post::Model {
        id: Uuid::now_v7(),
        community_id,
        name,
        kind: new.kind,
        compound_id: new.compound_id,
        group_id: new.group_id,
        created_at: now(),
        incident_id: crate::incidents::current_in(&tx, community_id).await?,
    };
    post::Entity::insert(post::ActiveModel::from(m.clone())).exec_without_returning(&tx).await?;
    audit::append(&tx, audit::Entry { target_id: Some(m.id.to_string()), ..entry }).await?;
    tx.commit().await?;
    Ok(m.id)
}

pub async fn posts_of_community(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<Vec<post::Model>, DbError> {
    Ok(post::Entity::find()
        .filter(post::Column::CommunityId.eq(community_id))
        .order_by_asc(post::Column::CreatedAt)
        .order_by_asc(post::Column::Id)
        .all(conn)
        .await?)
}

/// Shifts of a community that overlap `[from, to)` (local minutes), by start.
pub async fn shifts_between(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    from: i64,
    to: i64,
) -> Result<Vec<shift::Model>, DbError> {
    Ok(shift::Entity::find()
        .filter(shift::Column::CommunityId.eq(community_id))
        .filter(shift::Column::StartMin.lt(to))
        .filter(shift::Column::EndMin.gt(from))
        .order_by_asc(shift::Column::StartMin)
        .order_by_asc(shift::Column::EndMin)
        .order_by_asc(shift::Column::Id)
        .all(conn)
        .await?)
}

pub async fn shift_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<shift::Model>, DbError> {
    Ok(crate::unique(shift::Entity::find_by_id(id), conn).await?)
}

/// The assignments on these shifts.
pub async fn assignments_of(
    conn: &impl ConnectionTrait,
    shift_ids: &[Uuid],
) -> Result<Vec<shift_assignment::Model>, DbError> {
    let mut out = Vec::new();
    for chunk in shift_ids.chunks(CHUNK) {
        out.extend(
            shift_assignment::Entity::find()
                .filter(shift_assignment::Column::ShiftId.is_in(chunk.iter().copied()))
                .order_by_asc(shift_assignment::Column::CreatedAt)
                .order_by_asc(shift_assignment::Column::Id)
                .all(conn)
                .await?,
        );
    }
    Ok(out)
}

/// A volunteer's shifts that end after `from`, by start.
pub async fn shifts_of_volunteer(
    conn: &impl ConnectionTrait,
    volunteer_id: Uuid,
    from: i64,
) -> Result<Vec<shift::Model>, DbError> {
    let ids: Vec<Uuid> = shift_assignment::Entity::find()
        .filter(shift_assignment::Column::VolunteerId.eq(volunteer_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.shift_id)
        .collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            shift::Entity::find()
                .filter(shift::Column::Id.is_in(chunk.iter().copied()))
                .filter(shift::Column::EndMin.gt(from))
                .all(conn)
                .await?,
        );
    }
    out.sort_by_key(|s| (s.start_min, s.end_min, s.id));
    Ok(out)
}

/// A new shift and who is on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShift {
    pub post_id: Uuid,
    pub start_min: i64,
    pub end_min: i64,
    pub needed: i32,
    pub skill: Option<String>,
    /// (volunteer, reason).
    pub people: Vec<(Uuid, String)>,
}

/// Stores generated shifts with their assignments, all or nothing. Returns
/// the new shift ids in the order given.
pub async fn store_roster(
    db: &Db,
    community_id: Uuid,
    shifts: &[NewShift],
    entry: audit::Entry,
) -> Result<Vec<Uuid>, DbError> {
    let tx = db.begin_write().await?;
    lock_roster(&tx, community_id).await?;
    let ids = store_roster_in(&tx, community_id, shifts, entry).await?;
    tx.commit().await?;
    Ok(ids)
}

/// [`store_roster`] inside the caller's write transaction, which has taken
/// [`lock_roster`] before reading what it decided on.
pub async fn store_roster_in(
    tx: &impl ConnectionTrait,
    community_id: Uuid,
    shifts: &[NewShift],
    entry: audit::Entry,
) -> Result<Vec<Uuid>, DbError> {
    let at = now();
    let incident_id = crate::incidents::current_in(tx, community_id).await?;
    let mut shift_rows = Vec::with_capacity(shifts.len());
    let mut people_rows = Vec::new();
    for s in shifts {
        if s.end_min <= s.start_min || s.needed < 1 {
            return Err(DbError::refused(Refusal::BadShift));
        }
        let id = Uuid::now_v7();
        shift_rows.push(shift::ActiveModel::from(shift::Model {
            id,
            community_id,
            post_id: s.post_id,
            start_min: s.start_min,
            end_min: s.end_min,
            needed: s.needed,
            skill: s.skill.clone(),
            reopened_for: None,
            reopened_at: None,
            created_at: at,
            incident_id,
        }));
        for (v, reason) in &s.people {
            people_rows.push(shift_assignment::Model {
                id: Uuid::now_v7(),
                shift_id: id,
                volunteer_id: *v,
                reason: Some(reason.chars().take(400).collect()),
                created_at: at,
                incident_id,
            });
        }
    }
    let ids: Vec<Uuid> = shift_rows.iter().map(|s| *s.id.as_ref()).collect();
    for chunk in shift_rows.chunks(CHUNK) {
        shift::Entity::insert_many(chunk.to_vec()).exec_without_returning(tx).await?;
    }
    insert_assignments(tx, people_rows).await?;
    let mut entry = entry;
    if let serde_json::Value::Object(map) = &mut entry.detail {
        map.insert("shifts".into(), shifts.len().into());
    }
    audit::append(tx, entry).await?;
    Ok(ids)
}

/// Key space of the roster's advisory locks (PostgreSQL), apart from the
/// migration lock's.
const ROSTER_LOCK_SPACE: i32 = 0x5257_5354; // "RWST"

/// Serialises the roster work of one community: generate, refill and swap
/// each read the roster, judge it against the fatigue limits and write, and
/// two of them interleaved (a double tap, two stand-downs at once) could
/// each judge a roster the other is changing. The caller takes this lock
/// first in its write transaction, before it reads; it is released at commit
/// or rollback. SQLite's write transaction (IMMEDIATE) is exclusive already.
pub async fn lock_roster(tx: &impl ConnectionTrait, community_id: Uuid) -> Result<(), DbError> {
    if tx.get_database_backend() == DbBackend::Postgres {
        let b = community_id.as_bytes();
        // Fold the id into the lock's second key; a collision only makes two
        // communities take turns.
        let key = b.chunks(4).fold(0i32, |k, c| k ^ i32::from_be_bytes([c[0], c[1], c[2], c[3]]));
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1, $2)",
            [ROSTER_LOCK_SPACE.into(), key.into()],
        ))
        .await?;
    }
    Ok(())
}

async fn insert_assignments(conn: &impl ConnectionTrait, rows: Vec<shift_assignment::Model>) -> Result<(), DbError> {
    for chunk in rows.chunks(CHUNK) {
        shift_assignment::Entity::insert_many(chunk.iter().cloned().map(shift_assignment::ActiveModel::from))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Adds people to existing shifts (a refill): (shift, volunteer, reason).
pub async fn add_assignments(
    db: &Db,
    add: &[(Uuid, Uuid, String)],
    entry: Option<audit::Entry>,
) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    add_assignments_in(&tx, add).await?;
    if let Some(e) = entry {
        audit::append(&tx, e).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Adds people to existing shifts inside the caller's transaction.
pub async fn add_assignments_in(conn: &impl ConnectionTrait, add: &[(Uuid, Uuid, String)]) -> Result<(), DbError> {
    let at = now();
    let mut incidents: HashMap<Uuid, Uuid> = HashMap::new();
    for (s, _, _) in add {
        if !incidents.contains_key(s) {
            incidents.insert(*s, crate::incidents::of_shift(conn, *s).await?);
        }
    }
    let rows = add
        .iter()
        .map(|(s, v, r)| shift_assignment::Model {
            id: Uuid::now_v7(),
            shift_id: *s,
            volunteer_id: *v,
            reason: Some(r.chars().take(400).collect()),
            created_at: at,
            incident_id: incidents[s],
        })
        .collect();
    insert_assignments(conn, rows).await
}

/// Puts `to` on `shift_id` in place of `from` in a transaction of its own
/// (the caller has judged the swap against the limits).
pub async fn swap(
    db: &Db,
    shift_id: Uuid,
    from: Uuid,
    to: Uuid,
    reason: String,
    entry: audit::Entry,
) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    if let Some(s) = shift_by_id(&tx, shift_id).await? {
        lock_roster(&tx, s.community_id).await?;
    }
    swap_in(&tx, shift_id, from, to, reason, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts `to` on `shift_id` in place of `from` inside the caller's write
/// transaction (which took [`lock_roster`] and judged the swap against the
/// limits on what it read there).
pub async fn swap_in(
    tx: &impl ConnectionTrait,
    shift_id: Uuid,
    from: Uuid,
    to: Uuid,
    reason: String,
    entry: audit::Entry,
) -> Result<(), DbError> {
    let taken = shift_assignment::Entity::find()
        .filter(shift_assignment::Column::ShiftId.eq(shift_id))
        .filter(shift_assignment::Column::VolunteerId.eq(to))
        .count(tx)
        .await?;
    if taken > 0 {
        return Err(DbError::refused(Refusal::AlreadyOnShift));
    }
    let done = shift_assignment::Entity::update_many()
        .col_expr(shift_assignment::Column::VolunteerId, Expr::value(to))
        .col_expr(shift_assignment::Column::Reason, Expr::value(reason))
        .filter(shift_assignment::Column::ShiftId.eq(shift_id))
        .filter(shift_assignment::Column::VolunteerId.eq(from))
        .exec(tx)
        .await?;
    if done.rows_affected == 0 {
        return Err(DbError::refused(Refusal::NotOnShift));
    }
    audit::append(tx, entry).await?;
    Ok(())
}

/// Takes a volunteer off every shift that starts at or after `from` (local
/// minutes) and marks those shifts reopened for them. Returns the reopened
/// shift ids.
pub async fn stand_down(db: &Db, volunteer_id: Uuid, from: i64) -> Result<Vec<Uuid>, DbError> {
    let tx = db.begin_write().await?;
    let reopened = stand_down_in(&tx, volunteer_id, from).await?;
    tx.commit().await?;
    Ok(reopened)
}

/// [`stand_down`] inside the caller's transaction.
pub async fn stand_down_in(tx: &impl ConnectionTrait, volunteer_id: Uuid, from: i64) -> Result<Vec<Uuid>, DbError> {
    if let Some(community_id) = volunteer::Entity::find_by_id(volunteer_id)
        .select_only()
        .column(volunteer::Column::CommunityId)
        .into_tuple::<Uuid>()
        .all(tx)
        .await?
        .first()
    {
        lock_roster(tx, *community_id).await?;
    }
    let held: Vec<Uuid> = shift_assignment::Entity::find()
        .filter(shift_assignment::Column::VolunteerId.eq(volunteer_id))
        .all(tx)
        .await?
        .into_iter()
        .map(|a| a.shift_id)
        .collect();
    let mut reopened = Vec::new();
    for chunk in held.chunks(CHUNK) {
        reopened.extend(
            shift::Entity::find()
                .filter(shift::Column::Id.is_in(chunk.iter().copied()))
                .filter(shift::Column::StartMin.gte(from))
                .all(tx)
                .await?
                .into_iter()
                .map(|s| s.id),
        );
    }
    let at = now();
    for chunk in reopened.chunks(CHUNK) {
        shift_assignment::Entity::delete_many()
            .filter(shift_assignment::Column::VolunteerId.eq(volunteer_id))
            .filter(shift_assignment::Column::ShiftId.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?;
        shift::Entity::update_many()
            .col_expr(shift::Column::ReopenedFor, Expr::value(volunteer_id))
            .col_expr(shift::Column::ReopenedAt, Expr::value(at))
            .filter(shift::Column::Id.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?;
    }
    reopened.sort();
    Ok(reopened)
}

// ---------------------------------------------------------------------------
// Group-buy timetable

/// A new slot of the timetable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSlot {
    pub day: Date,
    pub slot: i32,
    pub point: String,
    pub starts: String,
    pub ends: String,
    pub compound_id: Uuid,
    pub group_id: Option<Uuid>,
}

/// Replaces the timetable of the days `slots` cover with `slots`.
pub async fn store_timetable(
    db: &Db,
    community_id: Uuid,
    slots: &[NewSlot],
    entry: audit::Entry,
) -> Result<(), DbError> {
    let days: Vec<Date> = {
        let mut d: Vec<Date> = slots.iter().map(|s| s.day).collect();
        d.sort();
        d.dedup();
        d
    };
    let at = now();
    let tx = db.begin_write().await?;
    let incident_id = crate::incidents::current_in(&tx, community_id).await?;
    for chunk in days.chunks(CHUNK) {
        groupbuy_slot::Entity::delete_many()
            .filter(groupbuy_slot::Column::CommunityId.eq(community_id))
            .filter(groupbuy_slot::Column::Day.is_in(chunk.iter().copied()))
            .exec(&tx)
            .await?;
    }
    let rows: Vec<groupbuy_slot::ActiveModel> = slots
        .iter()
        .map(|s| {
            groupbuy_slot::ActiveModel::from(groupbuy_slot::Model {
                id: Uuid::now_v7(),
                community_id,
                day: s.day,
                slot: s.slot,
                point: s.point.chars().take(100).collect(),
                starts: s.starts.clone(),
                ends: s.ends.clone(),
                compound_id: s.compound_id,
                group_id: s.group_id,
                created_at: at,
                incident_id,
            })
        })
        .collect();
    for chunk in rows.chunks(CHUNK) {
        groupbuy_slot::Entity::insert_many(chunk.to_vec()).exec_without_returning(&tx).await?;
    }
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Slots from `from` on, by day and slot.
pub async fn timetable(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    from: Date,
) -> Result<Vec<groupbuy_slot::Model>, DbError> {
    Ok(groupbuy_slot::Entity::find()
        .filter(groupbuy_slot::Column::CommunityId.eq(community_id))
        .filter(groupbuy_slot::Column::Day.gte(from))
        .order_by_asc(groupbuy_slot::Column::Day)
        .order_by_asc(groupbuy_slot::Column::Slot)
        .all(conn)
        .await?)
}

/// A compound's next slot on or after `from`.
// The first row in ORDER BY: LIMIT 1 is the query; a page's read, not the sign-up burst.
#[allow(clippy::disallowed_methods)]
pub async fn next_slot_of_compound(
    conn: &impl ConnectionTrait,
    compound_id: Uuid,
    from: Date,
) -> Result<Option<groupbuy_slot::Model>, DbError> {
    Ok(groupbuy_slot::Entity::find()
        .filter(groupbuy_slot::Column::CompoundId.eq(compound_id))
        .filter(groupbuy_slot::Column::Day.gte(from))
        .order_by_asc(groupbuy_slot::Column::Day)
        .order_by_asc(groupbuy_slot::Column::Slot)
        .one(conn)
        .await?)
}

/// Adds an organiser (团长) to a compound.
pub async fn add_organiser(
    db: &Db,
    community_id: Uuid,
    compound_id: Uuid,
    name: &str,
    phone_masked: Option<String>,
    volunteer_id: Option<Uuid>,
    entry: audit::Entry,
) -> Result<(), DbError> {
    let name = shouwang_domain::text::normalize(name);
    if name.is_empty() || name.chars().count() > 50 {
        return Err(DbError::refused(shouwang_domain::groupbuy::Refusal::BadOrganiserName));
    }
    let tx = db.begin_write().await?;
    let m = groupbuy_organiser::Model {
        id: Uuid::now_v7(),
        community_id,
        compound_id,
        name,
        phone_masked,
        volunteer_id,
        created_at: now(),
        incident_id: crate::incidents::current_in(&tx, community_id).await?,
    };
    groupbuy_organiser::Entity::insert(groupbuy_organiser::ActiveModel::from(m)).exec_without_returning(&tx).await?;
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// compound id -> its organisers.
pub async fn organisers(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<BTreeMap<Uuid, Vec<groupbuy_organiser::Model>>, DbError> {
    let mut out: BTreeMap<Uuid, Vec<groupbuy_organiser::Model>> = BTreeMap::new();
    for o in groupbuy_organiser::Entity::find()
        .filter(groupbuy_organiser::Column::CommunityId.eq(community_id))
        .order_by_asc(groupbuy_organiser::Column::CreatedAt)
        .all(conn)
        .await?
    {
        out.entry(o.compound_id).or_default().push(o);
    }
    Ok(out)
}

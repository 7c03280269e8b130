//! Sign-up sheets (接龙): never oversold, nobody twice, strict order of arrival.
//!
//! Joins are written in batches ([`join_many`], fed by the per-instance
//! [`Joiner`] queue), one write transaction per batch: lock the sheet's row,
//! read who is on it, have the domain decide each join in order of arrival
//! (`shouwang_domain::signup::decide_joins`; withdrawals likewise), then move the
//! counters (`arrivals`, `confirmed`, `quantity_confirmed`) in one conditional
//! UPDATE that cannot pass capacity and insert the entries. The lock on the
//! sheet's row (PostgreSQL; SQLite runs one write transaction at a time)
//! serialises batches from any number of app instances, so nothing is ever
//! checked-then-inserted across transactions. The unique (sheet, volunteer)
//! index makes a retried join return the first one; a CHECK keeps
//! `confirmed <= capacity` in the database itself.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use shouwang_domain::bounds::{Capacity, QuantityMax, QuantityTotal};
use shouwang_domain::signup::{
    Counters, EntryStatus, HeldEntry, JoinAsk, JoinOutcome, Limits, Refusal, SheetRefusal, decide_joins,
    decide_withdrawal,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entity::{group_member, region, signup_entry, signup_sheet, volunteer};
use crate::{Db, DbError, now};

/// A new sheet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewSheet {
    pub title: String,
    pub note: Option<String>,
    pub unit: Option<String>,
    pub capacity: i32,
    pub quantity_max: Option<i32>,
    pub quantity_total: Option<i32>,
    pub deadline: Option<OffsetDateTime>,
    pub skill: Option<String>,
    pub kind: Option<String>,
    pub group_id: Option<Uuid>,
}

pub async fn create_sheet(
    db: &Db,
    community_id: Uuid,
    new: NewSheet,
    share_token: String,
    by: Option<Uuid>,
    entry: crate::audit::Entry,
) -> Result<signup_sheet::Model, DbError> {
    create_sheet_for(db, community_id, new, share_token, by, entry, None).await
}

/// [`create_sheet`], and when `for_task` is given, the task's sheet in the
/// same transaction (the task must be live and have no sheet yet).
pub async fn create_sheet_for(
    db: &Db,
    community_id: Uuid,
    new: NewSheet,
    share_token: String,
    by: Option<Uuid>,
    entry: crate::audit::Entry,
    for_task: Option<(Uuid, crate::tasks::Actor)>,
) -> Result<signup_sheet::Model, DbError> {
    let title = shouwang_domain::text::normalize(&new.title);
    if title.is_empty() || title.chars().count() > 200 {
        return Err(DbError::refused(SheetRefusal::BadTitle));
    }
    Capacity::new(new.capacity).map_err(DbError::refused)?;
    new.quantity_max.map(QuantityMax::new).transpose().map_err(DbError::refused)?;
    new.quantity_total.map(QuantityTotal::new).transpose().map_err(DbError::refused)?;
    let tx = db.begin_write().await?;
    let model = signup_sheet::Model {
        id: Uuid::now_v7(),
        community_id,
        incident_id: crate::incidents::current_in(&tx, community_id).await?,
        group_id: new.group_id,
        title,
        note: new.note,
        unit: new.unit,
        capacity: new.capacity,
        quantity_max: new.quantity_max,
        quantity_total: new.quantity_total,
        deadline: new.deadline.map(crate::utc),
        skill: new.skill,
        kind: new.kind,
        share_token,
        arrivals: 0,
        confirmed: 0,
        quantity_confirmed: 0,
        created_by: by,
        created_at: now(),
        closed_at: None,
    };
    signup_sheet::Entity::insert(signup_sheet::ActiveModel::from(model.clone())).exec_without_returning(&tx).await?;
    crate::audit::append(&tx, crate::audit::Entry { target_id: Some(model.id.to_string()), ..entry }).await?;
    if let Some((task_id, actor)) = for_task {
        crate::tasks::link_sheet(&tx, task_id, model.id, &actor).await?;
    }
    tx.commit().await?;
    Ok(model)
}

pub async fn sheet_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<signup_sheet::Model>, DbError> {
    Ok(crate::unique(signup_sheet::Entity::find_by_id(id), conn).await?)
}

pub async fn sheet_by_token(conn: &impl ConnectionTrait, token: &str) -> Result<Option<signup_sheet::Model>, DbError> {
    Ok(crate::unique(signup_sheet::Entity::find().filter(signup_sheet::Column::ShareToken.eq(token)), conn).await?)
}

pub async fn sheets_of_community(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<Vec<signup_sheet::Model>, DbError> {
    Ok(signup_sheet::Entity::find()
        .filter(signup_sheet::Column::CommunityId.eq(community_id))
        .order_by_desc(signup_sheet::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Where a join left the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Joined {
    pub entry_id: Uuid,
    pub status: EntryStatus,
    /// Arrival number on the sheet (1 = first).
    pub seq: i32,
    /// This join had been made before (a retry): nothing changed.
    pub repeated: bool,
}

fn closed_error() -> DbError {
    DbError::refused(SheetRefusal::Closed)
}

/// Adds a volunteer to a sheet: confirmed while places remain, else on the
/// waiting list, in order of arrival. A repeated join returns the first.
pub async fn join(db: &Db, sheet_id: Uuid, volunteer_id: Uuid, quantity: i32) -> Result<Joined, DbError> {
    join_many(db, sheet_id, &[(volunteer_id, quantity)]).await?.pop().unwrap_or_else(|| Err(closed_error()))
}

/// Joins several volunteers to one sheet in one write transaction, in the
/// order given (their order of arrival); one answer per join, in that order.
/// The rules are the same as for one join; [`Joiner`] batches go through the
/// same steps ([`lock_open_sheet`], then [`apply_joins`]).
pub async fn join_many(
    db: &Db,
    sheet_id: Uuid,
    joins: &[(Uuid, i32)],
) -> Result<Vec<Result<Joined, DbError>>, DbError> {
    let tx = db.begin_write().await?;
    let at = now();
    let sheet = lock_open_sheet(&tx, sheet_id, at).await?;
    let answers = apply_joins(&tx, &sheet, joins.iter().map(|&j| Ok(j)).collect(), at).await?;
    tx.commit().await?;
    Ok(answers)
}

/// Locks the sheet's row (PostgreSQL; SQLite's write transaction is already
/// exclusive) and checks it is open, in one statement, then reads it.
async fn lock_open_sheet(
    tx: &DatabaseTransaction,
    sheet_id: Uuid,
    at: OffsetDateTime,
) -> Result<signup_sheet::Model, DbError> {
    let at = crate::utc(at);
    let open = signup_sheet::Entity::update_many()
        .col_expr(signup_sheet::Column::Arrivals, Expr::col(signup_sheet::Column::Arrivals))
        .filter(signup_sheet::Column::Id.eq(sheet_id))
        .filter(signup_sheet::Column::ClosedAt.is_null())
        .filter(signup_sheet::Column::Deadline.is_null().or(signup_sheet::Column::Deadline.gt(at)))
        .exec(tx)
        .await?;
    let sheet = sheet_by_id(tx, sheet_id).await?;
    match sheet {
        None => Err(DbError::NotFound { what: "sheet", key: sheet_id.to_string() }),
        Some(_) if open.rows_affected == 0 => Err(closed_error()),
        Some(sheet) => Ok(sheet),
    }
}

/// One join handed to [`apply_joins`]: the volunteer and the quantity, or the
/// answer of the caller's checks that refused it.
type Ask = Result<(Uuid, i32), DbError>;

/// The sheet's limits and counters as read, for the domain's decisions.
fn limits_of(sheet: &signup_sheet::Model) -> (Limits, Counters) {
    let limits =
        Limits { capacity: sheet.capacity, quantity_max: sheet.quantity_max, quantity_total: sheet.quantity_total };
    let counters =
        Counters { arrivals: sheet.arrivals, confirmed: sheet.confirmed, quantity_confirmed: sheet.quantity_confirmed };
    (limits, counters)
}

/// Reads what the decision needs on a locked sheet (the asking volunteers'
/// entries, whether anyone waits), has the domain decide the joins in order
/// ([`decide_joins`]), then writes the decision: the counters in one
/// conditional UPDATE that cannot take more places than are free (a CHECK
/// backs it), the entries in multi-row inserts.
async fn apply_joins(
    tx: &DatabaseTransaction,
    sheet: &signup_sheet::Model,
    asks: Vec<Ask>,
    at: OffsetDateTime,
) -> Result<Vec<Result<Joined, DbError>>, DbError> {
    let sheet_id = sheet.id;
    let volunteers: Vec<Uuid> = asks.iter().filter_map(|a| a.as_ref().ok().map(|(v, _)| *v)).collect();
    let mut prior: HashMap<Uuid, signup_entry::Model> = HashMap::new();
    for chunk in volunteers.chunks(256) {
        let found = signup_entry::Entity::find()
            .filter(signup_entry::Column::SheetId.eq(sheet_id))
            .filter(signup_entry::Column::VolunteerId.is_in(in_list(chunk.iter().copied())))
            .all(tx)
            .await?;
        prior.extend(found.into_iter().map(|e| (e.volunteer_id, e)));
    }
    let waiting = signup_entry::Entity::find()
        .filter(signup_entry::Column::SheetId.eq(sheet_id))
        .filter(signup_entry::Column::Status.eq(EntryStatus::Waiting.code()))
        .count(tx)
        .await?;
    // Refused asks have no volunteer to match: the domain never matches them.
    let domain_asks: Vec<JoinAsk<Option<Uuid>>> = asks
        .iter()
        .map(|a| match a {
            Ok((v, quantity)) => JoinAsk {
                who: Some(*v),
                quantity: *quantity,
                eligible: true,
                on_sheet: prior.get(v).map(|e| EntryStatus::from_code(&e.status).unwrap_or(EntryStatus::Waiting)),
            },
            Err(_) => JoinAsk { who: None, quantity: 0, eligible: false, on_sheet: None },
        })
        .collect();
    let (limits, counters) = limits_of(sheet);
    let decision = decide_joins(&limits, counters, waiting > 0, &domain_asks);

    let mut fresh: Vec<signup_entry::Model> = Vec::new();
    let mut rejoined: Vec<signup_entry::Model> = Vec::new();
    let mut answers: Vec<Result<Joined, DbError>> = Vec::with_capacity(asks.len());
    for (ask, outcome) in asks.into_iter().zip(decision.outcomes) {
        let answer = match (ask, outcome) {
            (Err(refused), _) => Err(refused),
            (Ok(_), JoinOutcome::Refused(r)) => Err(refusal_error(r, sheet)),
            (Ok((volunteer_id, _)), JoinOutcome::AlreadyOn) => {
                prior.get(&volunteer_id).map(existing).ok_or_else(closed_error)
            }
            (Ok(_), JoinOutcome::RepeatOf(first)) => match answers.get(first) {
                Some(Ok(j)) => Ok(Joined { repeated: true, ..*j }),
                Some(Err(e)) => Err(e.replicate()),
                None => Err(closed_error()),
            },
            (Ok((volunteer_id, quantity)), JoinOutcome::Confirmed { seq } | JoinOutcome::Waiting { seq }) => {
                let status = if matches!(outcome, JoinOutcome::Confirmed { .. }) {
                    EntryStatus::Confirmed
                } else {
                    EntryStatus::Waiting
                };
                let entry = match prior.get(&volunteer_id) {
                    // Someone who withdrew and came back keeps their row, with a new number.
                    Some(old) => signup_entry::Model {
                        seq,
                        quantity,
                        status: status.code().to_string(),
                        updated_at: at,
                        promoted_at: None,
                        ..old.clone()
                    },
                    None => signup_entry::Model {
                        id: Uuid::now_v7(),
                        sheet_id,
                        volunteer_id,
                        seq,
                        quantity,
                        status: status.code().to_string(),
                        created_at: at,
                        updated_at: at,
                        promoted_at: None,
                        incident_id: sheet.incident_id,
                    },
                };
                let joined = Joined { entry_id: entry.id, status, seq, repeated: false };
                if prior.contains_key(&volunteer_id) {
                    rejoined.push(entry)
                } else {
                    fresh.push(entry)
                }
                Ok(joined)
            }
        };
        answers.push(answer);
    }
    let after = decision.counters;
    let added = after.arrivals - sheet.arrivals;
    if added > 0 {
        // The counters in one conditional UPDATE: it cannot take more places than are free.
        let (places, amount) = (after.confirmed - sheet.confirmed, after.quantity_confirmed - sheet.quantity_confirmed);
        let moved = signup_sheet::Entity::update_many()
            .col_expr(signup_sheet::Column::Arrivals, Expr::col(signup_sheet::Column::Arrivals).add(added))
            .col_expr(signup_sheet::Column::Confirmed, Expr::col(signup_sheet::Column::Confirmed).add(places))
            .col_expr(
                signup_sheet::Column::QuantityConfirmed,
                Expr::col(signup_sheet::Column::QuantityConfirmed).add(amount),
            )
            .filter(signup_sheet::Column::Id.eq(sheet_id))
            .filter(signup_sheet::Column::Arrivals.eq(sheet.arrivals))
            .filter(
                Expr::col(signup_sheet::Column::Confirmed).add(places).lte(Expr::col(signup_sheet::Column::Capacity)),
            )
            .filter(
                signup_sheet::Column::QuantityTotal.is_null().or(Expr::col(signup_sheet::Column::QuantityConfirmed)
                    .add(amount)
                    .lte(Expr::col(signup_sheet::Column::QuantityTotal))),
            )
            .exec(tx)
            .await?;
        if moved.rows_affected != 1 {
            // The row moved under us, which the lock rules out: change nothing.
            return Err(busy_error());
        }
        // The entries: new rows in multi-row inserts, returning people's rows one by one.
        for chunk in pow2_runs(&fresh) {
            signup_entry::Entity::insert_many(chunk.iter().cloned().map(signup_entry::ActiveModel::from))
                .exec_without_returning(tx)
                .await?;
        }
        for e in &rejoined {
            signup_entry::Entity::update_many()
                .col_expr(signup_entry::Column::Seq, Expr::value(e.seq))
                .col_expr(signup_entry::Column::Quantity, Expr::value(e.quantity))
                .col_expr(signup_entry::Column::Status, Expr::value(e.status.clone()))
                .col_expr(signup_entry::Column::UpdatedAt, Expr::value(at))
                .col_expr(signup_entry::Column::PromotedAt, Expr::value(Option::<OffsetDateTime>::None))
                .filter(signup_entry::Column::Id.eq(e.id))
                .exec(tx)
                .await?;
        }
    }
    Ok(answers)
}

fn refusal_error(refusal: Refusal, sheet: &signup_sheet::Model) -> DbError {
    match refusal {
        Refusal::QuantityBelowOne => DbError::refused(SheetRefusal::QuantityBelowOne),
        Refusal::OverPersonalLimit { max } => {
            DbError::refused(SheetRefusal::OverPersonalLimit { max, unit: sheet.unit.clone().unwrap_or_default() })
        }
        Refusal::OutOfRange(e) => DbError::refused(e),
        // Not reached: a refused ask is answered with the caller's own error.
        Refusal::Ineligible => DbError::Forbidden,
    }
}

fn busy_error() -> DbError {
    DbError::refused(SheetRefusal::Busy)
}

/// What a join is checked against before it is written: the sheet, its
/// community, and the caller's volunteer record there (with their group).
pub struct JoinContext<'a> {
    pub sheet: &'a signup_sheet::Model,
    pub community: &'a region::Model,
    /// The volunteer linked to the caller's account in the sheet's community.
    pub volunteer: Option<&'a volunteer::Model>,
    pub group: Option<Uuid>,
}

/// The caller's checks (access, eligibility), run by the [`Joiner`] once the
/// batch's context is loaded; an error refuses this join alone.
pub type Gate = Box<dyn FnOnce(&JoinContext<'_>) -> Result<(), DbError> + Send>;

/// Group commit for sign-ups on one app instance: joins that arrive while a
/// batch is being written wait in a queue and go into the next batch
/// together, per sheet and in order of arrival. A batch loads its context
/// once (the sheet, its community, the callers' volunteer records) and is
/// written by [`join_many`] in one transaction. Nothing waits on a timer, so
/// a lone join is written at once; under a burst the queue fills while the
/// previous batch commits, and reads and writes are shared.
#[derive(Clone)]
pub struct Joiner {
    queue: tokio::sync::mpsc::Sender<Pending>,
}

/// Where a batch takes "now" from to decide whether a sheet is still open:
/// the service's clock (tests move it), never the system time alone.
type Now = std::sync::Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

struct Pending {
    sheet_id: Uuid,
    user_id: Uuid,
    quantity: i32,
    gate: Gate,
    reply: tokio::sync::oneshot::Sender<Result<Joined, DbError>>,
}

/// Most joins taken into one batch.
const BATCH: usize = 1000;

impl Joiner {
    /// Starts the batch writer (call inside the tokio runtime); each batch
    /// decides with the time `clock` says.
    pub fn start(db: Db, clock: shouwang_domain::Clock) -> Joiner {
        let now: Now = std::sync::Arc::new(move || clock.now());
        let (queue, mut rx) = tokio::sync::mpsc::channel::<Pending>(16 * BATCH);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(p) => batch.push(p),
                        Err(_) => break,
                    }
                }
                let mut sheets: Vec<(Uuid, Vec<Pending>)> = Vec::new();
                for p in batch {
                    match sheets.iter_mut().find(|(s, _)| *s == p.sheet_id) {
                        Some((_, ps)) => ps.push(p),
                        None => sheets.push((p.sheet_id, vec![p])),
                    }
                }
                for (sheet_id, pending) in sheets {
                    write_batch(&db, sheet_id, pending, now()).await;
                }
                // The batch writer lives as long as the queue: nothing in a
                // batch (an error, a panic) may end it, see `write_batch`.
            }
        });
        Joiner { queue }
    }

    /// Joins the caller's volunteer to a sheet through the queue, once `gate`
    /// passes; the same answer as [`join`].
    pub async fn join(&self, sheet_id: Uuid, user_id: Uuid, quantity: i32, gate: Gate) -> Result<Joined, DbError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let busy = || DbError::refused(SheetRefusal::ServerBusy);
        self.queue.send(Pending { sheet_id, user_id, quantity, gate, reply }).await.map_err(|_| busy())?;
        answer.await.map_err(|_| busy())?
    }

    /// Whether the batch writer is serving (for `/readyz`): it ends only
    /// with the runtime.
    pub fn is_running(&self) -> bool {
        !self.queue.is_closed()
    }
}

/// The longest a batch waits for its sheet's row lock (PostgreSQL: another
/// instance's batch, or a long transaction elsewhere) before its joins are
/// answered "busy, try again": one locked sheet must not hold up the other
/// sheets queued behind it on this instance.
pub const LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// One sheet's share of a batch, in one write transaction: lock the sheet,
/// load the callers' context on the same connection (so it does not queue
/// behind the read pool in a burst), run each gate, then [`apply_joins`].
async fn write_batch(db: &Db, sheet_id: Uuid, pending: Vec<Pending>, at: OffsetDateTime) {
    let mut replies = Vec::with_capacity(pending.len());
    let mut asks = Vec::with_capacity(pending.len());
    for p in pending {
        replies.push(p.reply);
        asks.push((p.user_id, p.quantity, p.gate));
    }
    let n = asks.len();
    // A task of its own: should anything in the batch panic (a caller's
    // gate, a bug), the task ends, its transaction rolls back, its callers
    // are answered, and the writer goes on with the next batch.
    let task = tokio::spawn({
        let db = db.clone();
        async move { run_batch(&db, sheet_id, asks, at).await }
    });
    let outcome = match task.await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::error!(sheet = %sheet_id, joins = n, error = %e, "sign-up batch panicked");
            Err(DbError::refused(SheetRefusal::ServerBusy))
        }
    };
    match outcome {
        Ok(answers) => {
            for (reply, a) in replies.into_iter().zip(answers) {
                let _ = reply.send(a);
            }
        }
        Err(e) => {
            tracing::warn!(sheet = %sheet_id, joins = n, error = %e, "sign-up batch not written");
            for reply in replies {
                let _ = reply.send(Err(e.replicate()));
            }
        }
    }
}

async fn run_batch(
    db: &Db,
    sheet_id: Uuid,
    asks: Vec<(Uuid, i32, Gate)>,
    at: OffsetDateTime,
) -> Result<Vec<Result<Joined, DbError>>, DbError> {
    let tx = db.begin_write().await?;
    if db.backend == crate::Backend::Postgres {
        // SQLite has one writer and its own busy timeout.
        tx.execute_unprepared(&format!("SET LOCAL lock_timeout = '{}ms'", LOCK_TIMEOUT.as_millis())).await?;
    }
    let at = crate::utc(at);
    let sheet = lock_open_sheet(&tx, sheet_id, at).await.map_err(|e| match e {
        DbError::Db(e) if e.to_string().contains("lock timeout") => busy_error(),
        e => e,
    })?;
    let community = crate::unique(region::Entity::find_by_id(sheet.community_id), &tx)
        .await?
        .ok_or_else(|| DbError::NotFound { what: "sheet", key: sheet_id.to_string() })?;
    let users: Vec<Uuid> = asks.iter().map(|(u, _, _)| *u).collect();
    let mut volunteers = HashMap::new();
    for chunk in users.chunks(256) {
        let found = volunteer::Entity::find()
            .filter(volunteer::Column::CommunityId.eq(sheet.community_id))
            .filter(volunteer::Column::UserId.is_in(in_list(chunk.iter().copied())))
            .all(&tx)
            .await?;
        volunteers.extend(found.into_iter().filter_map(|v| v.user_id.map(|u| (u, v))));
    }
    let mut groups = HashMap::new();
    let ids: Vec<Uuid> = volunteers.values().map(|v| v.id).collect();
    for chunk in ids.chunks(256) {
        let found = group_member::Entity::find()
            .filter(group_member::Column::VolunteerId.is_in(in_list(chunk.iter().copied())))
            .all(&tx)
            .await?;
        groups.extend(found.into_iter().map(|m| (m.volunteer_id, m.group_id)));
    }
    let mut joins: Vec<Ask> = Vec::with_capacity(asks.len());
    for (user_id, quantity, gate) in asks {
        let volunteer = volunteers.get(&user_id);
        let group = volunteer.and_then(|v| groups.get(&v.id).copied());
        let verdict = gate(&JoinContext { sheet: &sheet, community: &community, volunteer, group });
        joins.push(match (verdict, volunteer) {
            (Err(e), _) => Err(e),
            (Ok(()), None) => Err(not_linked()),
            (Ok(()), Some(v)) => Ok((v.id, quantity)),
        });
    }
    let answers = apply_joins(&tx, &sheet, joins, at).await?;
    tx.commit().await?;
    Ok(answers)
}

/// An IN list padded to a power of two (at least 8) by repeating its last
/// value, which changes no answer. Batches come in every size; padded, their
/// statements come in a few shapes that stay in each connection's prepared
/// statement cache instead of being parsed anew for every batch.
fn in_list(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut v: Vec<Uuid> = ids.collect();
    if let Some(&last) = v.last() {
        v.resize(v.len().next_power_of_two().max(8), last);
    }
    v
}

/// Rows cut into runs of power-of-two lengths, at most 64 (100 = 64 + 32 + 4),
/// so that multi-row inserts, too, come in a few statement shapes.
fn pow2_runs<T>(rows: &[T]) -> Vec<&[T]> {
    let mut runs = Vec::new();
    let mut rest = rows;
    while !rest.is_empty() {
        let n = if rest.len() >= 64 { 64 } else { 1 << (usize::BITS - 1 - rest.len().leading_zeros()) };
        let (run, tail) = rest.split_at(n);
        runs.push(run);
        rest = tail;
    }
    runs
}

fn not_linked() -> DbError {
    DbError::refused(SheetRefusal::NotLinked)
}

fn existing(e: &signup_entry::Model) -> Joined {
    Joined {
        entry_id: e.id,
        status: EntryStatus::from_code(&e.status).unwrap_or(EntryStatus::Waiting),
        seq: e.seq,
        repeated: true,
    }
}

async fn entry_of(
    conn: &impl ConnectionTrait,
    sheet_id: Uuid,
    volunteer_id: Uuid,
) -> Result<Option<signup_entry::Model>, DbError> {
    // (sheet, volunteer) is unique: no LIMIT needed.
    Ok(crate::unique(
        signup_entry::Entity::find()
            .filter(signup_entry::Column::SheetId.eq(sheet_id))
            .filter(signup_entry::Column::VolunteerId.eq(volunteer_id)),
        conn,
    )
    .await?)
}

/// Takes a volunteer off a sheet before its deadline (as of `at`). Their place goes to the
/// waiting list in order of arrival, as many as now fit (the domain's
/// [`decide_withdrawal`]); the promoted volunteers are returned (to be told).
pub async fn withdraw(db: &Db, sheet_id: Uuid, volunteer_id: Uuid, at: OffsetDateTime) -> Result<Vec<Uuid>, DbError> {
    let tx = db.begin_write().await?;
    let at = crate::utc(at);
    // Lock the sheet first, like a join, so joins and withdrawals queue at one row.
    let open = signup_sheet::Entity::update_many()
        .col_expr(signup_sheet::Column::Arrivals, Expr::col(signup_sheet::Column::Arrivals))
        .filter(signup_sheet::Column::Id.eq(sheet_id))
        .filter(signup_sheet::Column::ClosedAt.is_null())
        .filter(signup_sheet::Column::Deadline.is_null().or(signup_sheet::Column::Deadline.gt(at)))
        .exec(&tx)
        .await?;
    if open.rows_affected == 0 {
        return Err(closed_error());
    }
    let Some(sheet) = sheet_by_id(&tx, sheet_id).await? else { return Err(closed_error()) };
    let Some(entry) = entry_of(&tx, sheet_id, volunteer_id).await? else { return Ok(Vec::new()) };
    let status = EntryStatus::from_code(&entry.status).unwrap_or(EntryStatus::Waiting);
    if status == EntryStatus::Withdrawn {
        return Ok(Vec::new());
    }
    let waiting: Vec<(Uuid, Uuid, i32, i32)> = signup_entry::Entity::find()
        .select_only()
        .column(signup_entry::Column::Id)
        .column(signup_entry::Column::VolunteerId)
        .column(signup_entry::Column::Seq)
        .column(signup_entry::Column::Quantity)
        .filter(signup_entry::Column::SheetId.eq(sheet_id))
        .filter(signup_entry::Column::Status.eq(EntryStatus::Waiting.code()))
        .order_by_asc(signup_entry::Column::Seq)
        .into_tuple()
        .all(&tx)
        .await?;
    let entry_ids: HashMap<Uuid, Uuid> = waiting.iter().map(|&(id, v, _, _)| (v, id)).collect();
    let held: Vec<HeldEntry<Uuid>> = waiting
        .iter()
        .map(|&(_, who, seq, quantity)| HeldEntry { who, seq, status: EntryStatus::Waiting, quantity })
        .collect();
    let leaving = HeldEntry { who: entry.volunteer_id, seq: entry.seq, status, quantity: entry.quantity };
    let (limits, counters) = limits_of(&sheet);
    let decision = decide_withdrawal(&limits, counters, &leaving, &held);

    signup_entry::Entity::update_many()
        .col_expr(signup_entry::Column::Status, Expr::value(EntryStatus::Withdrawn.code()))
        .col_expr(signup_entry::Column::UpdatedAt, Expr::value(at))
        .filter(signup_entry::Column::Id.eq(entry.id))
        .exec(&tx)
        .await?;
    let after = decision.counters;
    if after != counters {
        // The place given back and the promotions in one conditional UPDATE:
        // it cannot take more places than there are.
        let (places, amount) =
            (after.confirmed - counters.confirmed, after.quantity_confirmed - counters.quantity_confirmed);
        let moved = signup_sheet::Entity::update_many()
            .col_expr(signup_sheet::Column::Confirmed, Expr::col(signup_sheet::Column::Confirmed).add(places))
            .col_expr(
                signup_sheet::Column::QuantityConfirmed,
                Expr::col(signup_sheet::Column::QuantityConfirmed).add(amount),
            )
            .filter(signup_sheet::Column::Id.eq(sheet_id))
            .filter(signup_sheet::Column::Confirmed.eq(counters.confirmed))
            .filter(
                Expr::col(signup_sheet::Column::Confirmed).add(places).lte(Expr::col(signup_sheet::Column::Capacity)),
            )
            .filter(
                signup_sheet::Column::QuantityTotal.is_null().or(Expr::col(signup_sheet::Column::QuantityConfirmed)
                    .add(amount)
                    .lte(Expr::col(signup_sheet::Column::QuantityTotal))),
            )
            .exec(&tx)
            .await?;
        if moved.rows_affected != 1 {
            // The row moved under us, which the lock rules out: change nothing.
            return Err(busy_error());
        }
    }
    if !decision.promoted.is_empty() {
        let ids: Vec<Uuid> = decision.promoted.iter().filter_map(|v| entry_ids.get(v).copied()).collect();
        signup_entry::Entity::update_many()
            .col_expr(signup_entry::Column::Status, Expr::value(EntryStatus::Confirmed.code()))
            .col_expr(signup_entry::Column::PromotedAt, Expr::value(at))
            .col_expr(signup_entry::Column::UpdatedAt, Expr::value(at))
            .filter(signup_entry::Column::Id.is_in(ids))
            .exec(&tx)
            .await?;
    }
    tx.commit().await?;
    Ok(decision.promoted)
}

/// A volunteer's places on sheets (withdrawn ones too), with the sheets, newest first.
pub async fn entries_of_volunteer(
    conn: &impl ConnectionTrait,
    volunteer_id: Uuid,
) -> Result<Vec<(signup_entry::Model, signup_sheet::Model)>, DbError> {
    let rows = signup_entry::Entity::find()
        .filter(signup_entry::Column::VolunteerId.eq(volunteer_id))
        .find_also_related(signup_sheet::Entity)
        .order_by_desc(signup_entry::Column::UpdatedAt)
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(e, s)| s.map(|s| (e, s))).collect())
}

/// The sheet's people in order of arrival, with their names.
pub async fn entries(
    conn: &impl ConnectionTrait,
    sheet_id: Uuid,
) -> Result<Vec<(signup_entry::Model, String)>, DbError> {
    let rows = signup_entry::Entity::find()
        .filter(signup_entry::Column::SheetId.eq(sheet_id))
        .order_by_asc(signup_entry::Column::Seq)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.volunteer_id).collect();
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(Uuid, String)> = volunteer::Entity::find()
            .select_only()
            .column(volunteer::Column::Id)
            .column(volunteer::Column::Name)
            .filter(volunteer::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        names.extend(found);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let name = names.get(&r.volunteer_id).cloned().unwrap_or_default();
            (r, name)
        })
        .collect())
}

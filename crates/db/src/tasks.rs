//! Tasks and claims (SPEC §4.4).
//!
//! A task is created in a community, dispatched to a branch and a group,
//! assigned to members, and moved through the states of
//! [`shouwang_domain::task::transition`]. Every change appends a
//! `task_event` (who, when, from, to, what) and an audit entry in the same
//! transaction. A state change is a conditional UPDATE on the state it was
//! read in, and a repeat of the same change answers the current state
//! without a second event.
//!
//! A claim holds a piece of work for one volunteer until it expires. Who gets
//! it is decided by one statement: `INSERT ... ON CONFLICT (live_subject) DO
//! NOTHING`, where `live_subject` is unique and NULL once a claim is released
//! or expired. An expired claim is freed by a conditional UPDATE
//! (`expires_at < now`) just before, in the same write transaction.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shouwang_domain::task::{Priority, Refusal, TaskAction, TaskKind, TaskState, WorkKind, transition};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::entity::{claim, task, task_assignee, task_event, volunteer};
use crate::{Db, DbError, audit, now};

/// Who does something: the account and the name shown in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub name: String,
}

/// A new task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub kind: TaskKind,
    pub place_region_id: Option<Uuid>,
    pub place_text: Option<String>,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub headcount: i32,
    pub priority: Priority,
    /// `Skill` codes, comma-separated.
    pub skills: String,
    pub signup_sheet_id: Option<Uuid>,
}

fn not_found(id: Uuid) -> DbError {
    DbError::NotFound { what: "task", key: id.to_string() }
}

async fn event(
    conn: &impl ConnectionTrait,
    task_id: Uuid,
    by: &Actor,
    from: Option<TaskState>,
    to: Option<TaskState>,
    what: &str,
    detail: Option<String>,
) -> Result<(), DbError> {
    let incident_id = crate::incidents::of_task(conn, task_id).await?;
    task_event::Entity::insert(task_event::ActiveModel::from(task_event::Model {
        id: Uuid::now_v7(),
        task_id,
        incident_id,
        at: now(),
        by_user: by.user_id,
        by_name: by.name.chars().take(100).collect(),
        from_state: from.map(|s| s.code().to_string()),
        to_state: to.map(|s| s.code().to_string()),
        what: what.to_string(),
        detail: detail.map(|d| d.chars().take(500).collect()),
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Makes `sheet_id` the task's sign-up sheet (inside the caller's
/// transaction): one conditional UPDATE, so a task gets one sheet however many
/// leaders tap at once, and only while it is neither finished nor cancelled.
pub async fn link_sheet(
    tx: &sea_orm::DatabaseTransaction,
    task_id: Uuid,
    sheet_id: Uuid,
    by: &Actor,
) -> Result<(), DbError> {
    let live: Vec<&str> =
        [TaskState::Open, TaskState::Assigned, TaskState::InProgress].iter().map(|s| s.code()).collect();
    let linked = task::Entity::update_many()
        .col_expr(task::Column::SignupSheetId, Expr::value(sheet_id))
        .col_expr(task::Column::UpdatedAt, Expr::value(now()))
        .filter(task::Column::Id.eq(task_id))
        .filter(task::Column::SignupSheetId.is_null())
        .filter(task::Column::State.is_in(live))
        .exec(tx)
        .await?;
    if linked.rows_affected == 0 {
        return Err(DbError::refused(Refusal::HasSheetOrEnded));
    }
    event(tx, task_id, by, None, None, "sheet_opened", None).await
}

pub async fn create_task(
    db: &Db,
    community_id: Uuid,
    new: NewTask,
    by: &Actor,
    entry: audit::Entry,
) -> Result<task::Model, DbError> {
    let title = shouwang_domain::text::normalize(&new.title);
    if title.is_empty() || title.chars().count() > 200 {
        return Err(DbError::refused(Refusal::BadTitle));
    }
    shouwang_domain::bounds::Headcount::new(new.headcount).map_err(DbError::refused)?;
    if let (Some(s), Some(e)) = (new.starts_at, new.ends_at)
        && e <= s
    {
        return Err(DbError::refused(Refusal::EndBeforeStart));
    }
    let at = now();
    let tx = db.begin_write().await?;
    let model = task::Model {
        id: Uuid::now_v7(),
        community_id,
        incident_id: crate::incidents::current_in(&tx, community_id).await?,
        title,
        kind: new.kind.code().to_string(),
        place_region_id: new.place_region_id,
        place_text: new.place_text.map(|p| p.chars().take(200).collect()),
        starts_at: new.starts_at.map(crate::utc),
        ends_at: new.ends_at.map(crate::utc),
        headcount: new.headcount,
        priority: new.priority.code().to_string(),
        skills: new.skills,
        state: TaskState::Open.code().to_string(),
        branch_id: None,
        group_id: None,
        signup_sheet_id: new.signup_sheet_id,
        reason: None,
        created_by: by.user_id,
        done_by: None,
        checked_by: None,
        created_at: at,
        updated_at: at,
    };
    task::Entity::insert(task::ActiveModel::from(model.clone())).exec_without_returning(&tx).await?;
    event(&tx, model.id, by, None, Some(TaskState::Open), "created", None).await?;
    audit::append(&tx, audit::Entry { target_id: Some(model.id.to_string()), ..entry }).await?;
    tx.commit().await?;
    Ok(model)
}

pub async fn task_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<task::Model>, DbError> {
    Ok(crate::unique(task::Entity::find_by_id(id), conn).await?)
}

/// A community's tasks, newest first, optionally in one state.
pub async fn tasks_of_community(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    state: Option<TaskState>,
) -> Result<Vec<task::Model>, DbError> {
    let mut q = task::Entity::find().filter(task::Column::CommunityId.eq(community_id));
    if let Some(s) = state {
        q = q.filter(task::Column::State.eq(s.code()));
    }
    Ok(q.order_by_desc(task::Column::CreatedAt).limit(500).all(conn).await?)
}

/// A task's history, oldest first.
pub async fn events(conn: &impl ConnectionTrait, task_id: Uuid) -> Result<Vec<task_event::Model>, DbError> {
    Ok(task_event::Entity::find()
        .filter(task_event::Column::TaskId.eq(task_id))
        .order_by_asc(task_event::Column::At)
        .order_by_asc(task_event::Column::Id)
        .all(conn)
        .await?)
}

/// The volunteers assigned to a task, with their names, in order of assignment.
pub async fn assignees(conn: &impl ConnectionTrait, task_id: Uuid) -> Result<Vec<(Uuid, String)>, DbError> {
    let ids: Vec<Uuid> = task_assignee::Entity::find()
        .select_only()
        .column(task_assignee::Column::VolunteerId)
        .filter(task_assignee::Column::TaskId.eq(task_id))
        .order_by_asc(task_assignee::Column::AssignedAt)
        .into_tuple()
        .all(conn)
        .await?;
    let names = names_of(conn, &ids).await?;
    Ok(ids.into_iter().map(|id| (id, names.get(&id).cloned().unwrap_or_default())).collect())
}

pub async fn names_of(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>, DbError> {
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
    Ok(names)
}

/// The community of each volunteer (unknown ids are left out).
pub async fn communities_of(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Uuid>, DbError> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(Uuid, Uuid)> = volunteer::Entity::find()
            .select_only()
            .column(volunteer::Column::Id)
            .column(volunteer::Column::CommunityId)
            .filter(volunteer::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(found);
    }
    Ok(out)
}

/// The community's task `task_id`, read inside the write transaction: another
/// community's task is not found, so a write that follows changes nothing there.
async fn task_in(conn: &impl ConnectionTrait, community_id: Uuid, task_id: Uuid) -> Result<task::Model, DbError> {
    crate::unique(task::Entity::find_by_id(task_id).filter(task::Column::CommunityId.eq(community_id)), conn)
        .await?
        .ok_or_else(|| not_found(task_id))
}

/// Sends a task down the chain: to a branch, and/or to a group (the caller
/// checked both belong to the task's community). Each step that changes
/// something is an event; sending it again to the same place changes nothing.
pub async fn dispatch(
    db: &Db,
    community_id: Uuid,
    task_id: Uuid,
    branch: Option<(Uuid, String)>,
    group: Option<(Uuid, String)>,
    by: &Actor,
    entry: audit::Entry,
) -> Result<task::Model, DbError> {
    let tx = db.begin_write().await?;
    let t = task_in(&tx, community_id, task_id).await?;
    let state = TaskState::from_code(&t.state).unwrap_or(TaskState::Open);
    if state.is_final() || state == TaskState::Done {
        return Err(DbError::refused(Refusal::CannotDispatch { state }));
    }
    let mut changed = false;
    if let Some((b, name)) = branch
        && t.branch_id != Some(b)
    {
        task::Entity::update_many()
            .col_expr(task::Column::BranchId, Expr::value(b))
            .col_expr(task::Column::UpdatedAt, Expr::value(now()))
            .filter(task::Column::Id.eq(task_id))
            .exec(&tx)
            .await?;
        event(&tx, task_id, by, None, None, "dispatch_branch", Some(name)).await?;
        changed = true;
    }
    if let Some((g, name)) = group
        && t.group_id != Some(g)
    {
        task::Entity::update_many()
            .col_expr(task::Column::GroupId, Expr::value(g))
            .col_expr(task::Column::UpdatedAt, Expr::value(now()))
            .filter(task::Column::Id.eq(task_id))
            .exec(&tx)
            .await?;
        event(&tx, task_id, by, None, None, "dispatch_group", Some(name)).await?;
        changed = true;
    }
    if changed {
        audit::append(&tx, audit::Entry { target_id: Some(task_id.to_string()), ..entry }).await?;
    }
    let t = task_by_id(&tx, task_id).await?.ok_or_else(|| not_found(task_id))?;
    tx.commit().await?;
    Ok(t)
}

/// Assigns volunteers (the caller checked they may take it). Someone already
/// assigned stays as they are; an open task becomes assigned. Returns how
/// many were newly assigned.
pub async fn assign(
    db: &Db,
    community_id: Uuid,
    task_id: Uuid,
    volunteers: &[Uuid],
    by: &Actor,
    entry: audit::Entry,
) -> Result<usize, DbError> {
    let tx = db.begin_write().await?;
    let t = task_in(&tx, community_id, task_id).await?;
    let state = TaskState::from_code(&t.state).unwrap_or(TaskState::Open);
    if state.is_final() || state == TaskState::Done {
        return Err(DbError::refused(Refusal::OverNoAssign));
    }
    let names = names_of(&tx, volunteers).await?;
    let at = now();
    let mut added = 0;
    for v in volunteers {
        let n = task_assignee::Entity::insert(task_assignee::ActiveModel::from(task_assignee::Model {
            task_id,
            volunteer_id: *v,
            assigned_at: at,
            assigned_by: by.user_id,
            incident_id: t.incident_id,
        }))
        .on_conflict(
            OnConflict::columns([task_assignee::Column::TaskId, task_assignee::Column::VolunteerId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&tx)
        .await?;
        if n == 1 {
            added += 1;
            event(&tx, task_id, by, None, None, "assign", names.get(v).cloned()).await?;
        }
    }
    if added > 0 && state == TaskState::Open {
        let moved = task::Entity::update_many()
            .col_expr(task::Column::State, Expr::value(TaskState::Assigned.code()))
            .col_expr(task::Column::UpdatedAt, Expr::value(at))
            .filter(task::Column::Id.eq(task_id))
            .filter(task::Column::State.eq(TaskState::Open.code()))
            .exec(&tx)
            .await?;
        if moved.rows_affected == 1 {
            event(&tx, task_id, by, Some(TaskState::Open), Some(TaskState::Assigned), "state", None).await?;
        }
    }
    if added > 0 {
        audit::append(&tx, audit::Entry { target_id: Some(task_id.to_string()), ..entry }).await?;
    }
    tx.commit().await?;
    Ok(added)
}

pub async fn is_assigned(conn: &impl ConnectionTrait, task_id: Uuid, volunteer_id: Uuid) -> Result<bool, DbError> {
    Ok(crate::unique(task_assignee::Entity::find_by_id((task_id, volunteer_id)), conn).await?.is_some())
}

/// The outcome of a state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changed {
    pub state: TaskState,
    /// False when the task was already in that state (a repeated tap).
    pub changed: bool,
}

/// Moves a task through its states. "Could not complete" needs a reason; a
/// check needs someone other than the person who marked it done. A repeat
/// of the change just made answers the current state and records nothing.
pub async fn change_state(
    db: &Db,
    community_id: Uuid,
    task_id: Uuid,
    action: TaskAction,
    reason: Option<&str>,
    by: &Actor,
    entry: audit::Entry,
) -> Result<Changed, DbError> {
    let reason = reason.map(shouwang_domain::text::normalize).filter(|r| !r.is_empty());
    let tx = db.begin_write().await?;
    let t = task_in(&tx, community_id, task_id).await?;
    let from = TaskState::from_code(&t.state).unwrap_or(TaskState::Open);
    let to = transition(from, action).map_err(|e| DbError::refused(Refusal::Transition(e)))?;
    if to == from {
        return Ok(Changed { state: from, changed: false });
    }
    if action == TaskAction::Fail && reason.is_none() {
        return Err(DbError::refused(Refusal::FailNeedsReason));
    }
    if action == TaskAction::Check
        && let Some(u) = by.user_id
        && !shouwang_domain::task::may_check(t.done_by.map(|d| d.as_u128()), u.as_u128())
    {
        return Err(DbError::refused(Refusal::SelfCheck));
    }
    let at = now();
    let mut update = task::Entity::update_many()
        .col_expr(task::Column::State, Expr::value(to.code()))
        .col_expr(task::Column::UpdatedAt, Expr::value(at));
    match action {
        TaskAction::Finish => update = update.col_expr(task::Column::DoneBy, Expr::value(by.user_id)),
        TaskAction::Check => update = update.col_expr(task::Column::CheckedBy, Expr::value(by.user_id)),
        TaskAction::Fail => update = update.col_expr(task::Column::Reason, Expr::value(reason.clone())),
        TaskAction::Reopen => {
            update = update
                .col_expr(task::Column::DoneBy, Expr::value(Option::<Uuid>::None))
                .col_expr(task::Column::CheckedBy, Expr::value(Option::<Uuid>::None))
        }
        _ => {}
    }
    let moved =
        update.filter(task::Column::Id.eq(task_id)).filter(task::Column::State.eq(from.code())).exec(&tx).await?;
    if moved.rows_affected == 0 {
        // Someone moved it first (PostgreSQL): answer what it is now.
        let now_state = task_by_id(&tx, task_id).await?.and_then(|t| TaskState::from_code(&t.state)).unwrap_or(from);
        if now_state == to {
            return Ok(Changed { state: to, changed: false });
        }
        return Err(DbError::refused(Refusal::ChangedJustNow));
    }
    event(&tx, task_id, by, Some(from), Some(to), "state", reason).await?;
    let mut entry = audit::Entry { target_id: Some(task_id.to_string()), ..entry };
    entry.detail = serde_json::json!({ "from": from.code(), "to": to.code() });
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(Changed { state: to, changed: true })
}

/// Tasks a volunteer is assigned to or holds a live claim on, newest first.
pub async fn tasks_of_volunteer(
    conn: &impl ConnectionTrait,
    volunteer_id: Uuid,
    at: OffsetDateTime,
) -> Result<Vec<task::Model>, DbError> {
    let mut ids: Vec<Uuid> = task_assignee::Entity::find()
        .select_only()
        .column(task_assignee::Column::TaskId)
        .filter(task_assignee::Column::VolunteerId.eq(volunteer_id))
        .into_tuple()
        .all(conn)
        .await?;
    for c in claims_of_volunteer(conn, volunteer_id, at).await? {
        if c.work_kind == WorkKind::Task.code() && !ids.contains(&c.subject_id) {
            ids.push(c.subject_id);
        }
    }
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(task::Entity::find().filter(task::Column::Id.is_in(chunk.iter().copied())).all(conn).await?);
    }
    out.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    Ok(out)
}

// ---------------------------------------------------------------- claims

fn live_key(kind: WorkKind, subject: Uuid) -> String {
    format!("{}:{subject}", kind.code())
}

/// What a claim attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The volunteer holds the work now (`repeated`: they already did).
    Held { claim: claim::Model, repeated: bool },
    /// Someone else holds it until `until`.
    Taken { by: Uuid, until: OffsetDateTime },
}

/// Frees claims on a subject whose time has run out: one conditional UPDATE.
async fn expire(conn: &impl ConnectionTrait, key: &str, at: OffsetDateTime) -> Result<(), DbError> {
    let at = crate::utc(at);
    claim::Entity::update_many()
        .col_expr(claim::Column::LiveSubject, Expr::value(Option::<String>::None))
        .col_expr(claim::Column::ReleasedAt, Expr::col(claim::Column::ExpiresAt))
        .filter(claim::Column::LiveSubject.eq(key))
        .filter(claim::Column::ExpiresAt.lt(at))
        .exec(conn)
        .await?;
    Ok(())
}

/// The live claim on a subject, if any (an expired one is not live).
pub async fn live_claim(
    conn: &impl ConnectionTrait,
    kind: WorkKind,
    subject: Uuid,
    at: OffsetDateTime,
) -> Result<Option<claim::Model>, DbError> {
    let at = crate::utc(at);
    Ok(crate::unique(
        claim::Entity::find()
            .filter(claim::Column::LiveSubject.eq(live_key(kind, subject)))
            .filter(claim::Column::ExpiresAt.gte(at)),
        conn,
    )
    .await?)
}

/// A volunteer's live claims.
pub async fn claims_of_volunteer(
    conn: &impl ConnectionTrait,
    volunteer_id: Uuid,
    at: OffsetDateTime,
) -> Result<Vec<claim::Model>, DbError> {
    let at = crate::utc(at);
    Ok(claim::Entity::find()
        .filter(claim::Column::VolunteerId.eq(volunteer_id))
        .filter(claim::Column::LiveSubject.is_not_null())
        .filter(claim::Column::ExpiresAt.gte(at))
        .order_by_asc(claim::Column::ExpiresAt)
        .all(conn)
        .await?)
}

pub async fn claim_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<claim::Model>, DbError> {
    Ok(crate::unique(claim::Entity::find_by_id(id), conn).await?)
}

async fn task_event_for(
    conn: &impl ConnectionTrait,
    kind: WorkKind,
    subject: Uuid,
    by: &Actor,
    what: &str,
    detail: Option<String>,
) -> Result<(), DbError> {
    if kind == WorkKind::Task {
        event(conn, subject, by, None, None, what, detail).await?;
    }
    Ok(())
}

fn until_text(t: OffsetDateTime) -> String {
    shouwang_domain::clock::hour_minute_text(t)
}

/// Claims a piece of work for `hold`. At most one live claim per subject:
/// the INSERT is guarded by the unique `live_subject`, never checked first.
#[allow(clippy::too_many_arguments)]
pub async fn claim(
    db: &Db,
    community_id: Uuid,
    kind: WorkKind,
    subject: Uuid,
    volunteer_id: Uuid,
    hold: Duration,
    by: &Actor,
    at: OffsetDateTime,
) -> Result<ClaimOutcome, DbError> {
    let key = live_key(kind, subject);
    let tx = db.begin_write().await?;
    let at = crate::utc(at);
    expire(&tx, &key, at).await?;
    let model = claim::Model {
        id: Uuid::now_v7(),
        community_id,
        incident_id: crate::incidents::current_in(&tx, community_id).await?,
        work_kind: kind.code().to_string(),
        subject_id: subject,
        volunteer_id,
        claimed_at: at,
        expires_at: at + hold,
        released_at: None,
        handed_to: None,
        live_subject: Some(key.clone()),
    };
    let inserted = claim::Entity::insert(claim::ActiveModel::from(model.clone()))
        .on_conflict(OnConflict::column(claim::Column::LiveSubject).do_nothing().to_owned())
        .exec_without_returning(&tx)
        .await?;
    if inserted == 1 {
        task_event_for(&tx, kind, subject, by, "claim", Some(until_text(model.expires_at))).await?;
        tx.commit().await?;
        return Ok(ClaimOutcome::Held { claim: model, repeated: false });
    }
    let holder = crate::unique(claim::Entity::find().filter(claim::Column::LiveSubject.eq(key)), &tx).await?;
    tx.commit().await?;
    match holder {
        Some(c) if c.volunteer_id == volunteer_id => Ok(ClaimOutcome::Held { claim: c, repeated: true }),
        Some(c) => Ok(ClaimOutcome::Taken { by: c.volunteer_id, until: c.expires_at }),
        // Released between the two statements: the caller may try again.
        None => Ok(ClaimOutcome::Taken { by: Uuid::nil(), until: at }),
    }
}

fn not_holding() -> DbError {
    DbError::refused(Refusal::NotHolding)
}

/// Extends a claim the volunteer holds and that has not expired: `expires_at + more`.
/// Portable: the new time is computed here and written only if the row
/// still has the expiry that was read and is still live.
pub async fn extend(
    db: &Db,
    claim_id: Uuid,
    volunteer_id: Uuid,
    more: Duration,
    by: &Actor,
    at: OffsetDateTime,
) -> Result<claim::Model, DbError> {
    let tx = db.begin_write().await?;
    let c = claim_by_id(&tx, claim_id).await?.filter(|c| c.volunteer_id == volunteer_id && c.live_subject.is_some());
    let Some(c) = c else { return Err(not_holding()) };
    let at = crate::utc(at);
    if c.expires_at <= at {
        return Err(DbError::refused(Refusal::ClaimExpired));
    }
    let until = crate::utc(c.expires_at + more);
    let done = claim::Entity::update_many()
        .col_expr(claim::Column::ExpiresAt, Expr::value(until))
        .filter(claim::Column::Id.eq(claim_id))
        .filter(claim::Column::ExpiresAt.eq(crate::utc(c.expires_at)))
        .filter(claim::Column::LiveSubject.is_not_null())
        .exec(&tx)
        .await?;
    if done.rows_affected == 0 {
        return Err(not_holding());
    }
    let kind = WorkKind::from_code(&c.work_kind).unwrap_or(WorkKind::Task);
    task_event_for(&tx, kind, c.subject_id, by, "extend", Some(until_text(until))).await?;
    tx.commit().await?;
    Ok(claim::Model { expires_at: until, ..c })
}

/// Gives up a claim; releasing one already released changes nothing.
pub async fn release(db: &Db, claim_id: Uuid, volunteer_id: Uuid, by: &Actor) -> Result<bool, DbError> {
    let tx = db.begin_write().await?;
    let Some(c) = claim_by_id(&tx, claim_id).await?.filter(|c| c.volunteer_id == volunteer_id) else {
        return Err(not_holding());
    };
    let done = claim::Entity::update_many()
        .col_expr(claim::Column::LiveSubject, Expr::value(Option::<String>::None))
        .col_expr(claim::Column::ReleasedAt, Expr::value(now()))
        .filter(claim::Column::Id.eq(claim_id))
        .filter(claim::Column::LiveSubject.is_not_null())
        .exec(&tx)
        .await?;
    if done.rows_affected == 1 {
        let kind = WorkKind::from_code(&c.work_kind).unwrap_or(WorkKind::Task);
        task_event_for(&tx, kind, c.subject_id, by, "release", None).await?;
    }
    tx.commit().await?;
    Ok(done.rows_affected == 1)
}

/// Hands a live claim over to another volunteer, who holds it until the same
/// expiry. The old claim is closed and the new one inserted in one transaction.
pub async fn hand_over(
    db: &Db,
    claim_id: Uuid,
    from: Uuid,
    to: Uuid,
    by: &Actor,
    at: OffsetDateTime,
) -> Result<claim::Model, DbError> {
    if from == to {
        return Err(DbError::refused(Refusal::HandToSelf));
    }
    let tx = db.begin_write().await?;
    let at = crate::utc(at);
    let Some(c) = claim_by_id(&tx, claim_id).await?.filter(|c| c.volunteer_id == from && c.live_subject.is_some())
    else {
        return Err(not_holding());
    };
    let closed = claim::Entity::update_many()
        .col_expr(claim::Column::LiveSubject, Expr::value(Option::<String>::None))
        .col_expr(claim::Column::ReleasedAt, Expr::value(at))
        .col_expr(claim::Column::HandedTo, Expr::value(to))
        .filter(claim::Column::Id.eq(claim_id))
        .filter(claim::Column::LiveSubject.is_not_null())
        .filter(claim::Column::ExpiresAt.gte(at))
        .exec(&tx)
        .await?;
    if closed.rows_affected == 0 {
        return Err(not_holding());
    }
    let next = claim::Model {
        id: Uuid::now_v7(),
        volunteer_id: to,
        claimed_at: at,
        released_at: None,
        handed_to: None,
        ..c.clone()
    };
    claim::Entity::insert(claim::ActiveModel::from(next.clone())).exec_without_returning(&tx).await?;
    let kind = WorkKind::from_code(&c.work_kind).unwrap_or(WorkKind::Task);
    let name = names_of(&tx, &[to]).await?.remove(&to);
    task_event_for(&tx, kind, c.subject_id, by, "hand_over", name).await?;
    tx.commit().await?;
    Ok(next)
}

/// How many live claims a subject has (tests and checks: never more than one).
pub async fn live_claims_on(conn: &impl ConnectionTrait, kind: WorkKind, subject: Uuid) -> Result<u64, DbError> {
    use sea_orm::PaginatorTrait;
    Ok(claim::Entity::find().filter(claim::Column::LiveSubject.eq(live_key(kind, subject))).count(conn).await?)
}

/// What moved when a volunteer could no longer do their work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkMoved {
    /// Live claims handed to the backup.
    pub claims_handed: usize,
    /// Live claims released (no backup to take them).
    pub claims_released: usize,
    /// Open tasks the backup now has in their place.
    pub tasks_handed: Vec<Uuid>,
    /// Open tasks the volunteer was taken off, with nobody in their place.
    pub tasks_released: Vec<Uuid>,
}

/// Moves a volunteer's live claims and open tasks to `to` (their backup), or
/// releases them when there is none, inside the caller's transaction. Each
/// change is a task event whose detail carries `cause` (e.g. `isolated`), so
/// the history says why; a building run's claim has no history but its
/// `handed_to`/`released_at`.
pub async fn hand_over_work_in(
    conn: &impl ConnectionTrait,
    volunteer_id: Uuid,
    to: Option<Uuid>,
    cause: &str,
    by: &Actor,
    at: OffsetDateTime,
) -> Result<WorkMoved, DbError> {
    let at = crate::utc(at);
    let mut moved = WorkMoved::default();
    let mut people = vec![volunteer_id];
    people.extend(to);
    let names = names_of(conn, &people).await?;
    let name = |v: Uuid| names.get(&v).cloned().unwrap_or_default();
    for c in claims_of_volunteer(conn, volunteer_id, at).await? {
        let closed = claim::Entity::update_many()
            .col_expr(claim::Column::LiveSubject, Expr::value(Option::<String>::None))
            .col_expr(claim::Column::ReleasedAt, Expr::value(at))
            .col_expr(claim::Column::HandedTo, Expr::value(to))
            .filter(claim::Column::Id.eq(c.id))
            .filter(claim::Column::LiveSubject.is_not_null())
            .exec(conn)
            .await?;
        if closed.rows_affected == 0 {
            continue;
        }
        let kind = WorkKind::from_code(&c.work_kind).unwrap_or(WorkKind::Task);
        match to {
            Some(t) => {
                let next = claim::Model {
                    id: Uuid::now_v7(),
                    volunteer_id: t,
                    claimed_at: at,
                    released_at: None,
                    handed_to: None,
                    ..c.clone()
                };
                claim::Entity::insert(claim::ActiveModel::from(next)).exec_without_returning(conn).await?;
                task_event_for(conn, kind, c.subject_id, by, "hand_over", Some(format!("{}:{cause}", name(t)))).await?;
                moved.claims_handed += 1;
            }
            None => {
                task_event_for(conn, kind, c.subject_id, by, "release", Some(cause.to_string())).await?;
                moved.claims_released += 1;
            }
        }
    }
    let assigned: Vec<Uuid> = task_assignee::Entity::find()
        .select_only()
        .column(task_assignee::Column::TaskId)
        .filter(task_assignee::Column::VolunteerId.eq(volunteer_id))
        .into_tuple()
        .all(conn)
        .await?;
    for task_id in assigned {
        let Some(t_row) = task_by_id(conn, task_id).await? else { continue };
        let state = TaskState::from_code(&t_row.state).unwrap_or(TaskState::Open);
        if state.is_final() || state == TaskState::Done {
            continue;
        }
        task_assignee::Entity::delete_many()
            .filter(task_assignee::Column::TaskId.eq(task_id))
            .filter(task_assignee::Column::VolunteerId.eq(volunteer_id))
            .exec(conn)
            .await?;
        event(conn, task_id, by, None, None, "unassign", Some(format!("{}:{cause}", name(volunteer_id)))).await?;
        let handed = match to {
            Some(t) => {
                let n = task_assignee::Entity::insert(task_assignee::ActiveModel::from(task_assignee::Model {
                    task_id,
                    volunteer_id: t,
                    assigned_at: at,
                    assigned_by: by.user_id,
                    incident_id: t_row.incident_id,
                }))
                .on_conflict(
                    OnConflict::columns([task_assignee::Column::TaskId, task_assignee::Column::VolunteerId])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
                if n == 1 {
                    event(conn, task_id, by, None, None, "assign", Some(name(t))).await?;
                }
                true
            }
            None => false,
        };
        if handed { moved.tasks_handed.push(task_id) } else { moved.tasks_released.push(task_id) }
    }
    Ok(moved)
}

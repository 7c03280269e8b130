//! The incident lifecycle in storage (SPEC §5): which incident a community's
//! new records belong to, closing an incident, and the purge of a closed
//! incident's personal operational data after the retention period, which
//! first keeps anonymous counts per community and day
//! (`incident_daily_aggregate`).
//!
//! **The current incident of a community** is the open incident whose region
//! is the community or one of its ancestors. With several, the one on the
//! nearest region wins (a community's own incident before its city's), then
//! the one opened last. With none, writing operational records is refused
//! ("open one first"): [`current_in`] is the one place that decides it, and
//! every insert of an operational record calls it (or takes its parent's
//! incident) inside its own write transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shouwang_domain::clock::beijing;
use shouwang_domain::incident::Refusal;
use shouwang_domain::region::IncidentStatus;
use shouwang_domain::{DutyStatus, task::TaskState};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::entity::{
    audit_log, branch, branch_member, claim, consignment, consignment_item, delivery, delivery_event, delivery_run,
    delivery_share, group_compound, group_member, groupbuy_organiser, groupbuy_slot, grouping_draft, incident,
    incident_daily_aggregate, key_role, post, region, role_handover, shift, shift_assignment, signup_entry,
    signup_sheet, stock_movement, task, task_assignee, task_event, volunteer, volunteer_group,
};
use crate::mobilisation::MobilisationCounts;
use crate::{Db, DbError, audit};

/// The incident that a community's new operational records belong to
/// (see the module doc for the rule), or the refusal "no open incident".
pub async fn current_in(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<Uuid, DbError> {
    let community = crate::unique(region::Entity::find_by_id(community_id), conn)
        .await?
        .ok_or_else(|| DbError::NotFound { what: "community", key: community_id.to_string() })?;
    // "/wh/wh-jh/wh-jh-ws/sy/" -> "/wh/", "/wh/wh-jh/", ... (the community and its ancestors).
    let prefixes: Vec<String> = community
        .path
        .char_indices()
        .filter(|(i, c)| *c == '/' && *i > 0)
        .map(|(i, _)| community.path[..=i].to_string())
        .collect();
    let depth: HashMap<Uuid, usize> = region::Entity::find()
        .select_only()
        .column(region::Column::Id)
        .column(region::Column::Path)
        .filter(region::Column::Path.is_in(prefixes))
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, path)| (id, path.len()))
        .collect();
    let found: Vec<(Uuid, Uuid, OffsetDateTime)> = incident::Entity::find()
        .select_only()
        .column(incident::Column::Id)
        .column(incident::Column::RegionId)
        .column(incident::Column::OpenedAt)
        .filter(incident::Column::Status.eq(IncidentStatus::Open.code()))
        .filter(incident::Column::RegionId.is_in(depth.keys().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    let nearest = found.into_iter().max_by_key(|(id, region, opened)| (depth.get(region).copied(), *opened, *id));
    match nearest {
        Some((id, _, _)) => Ok(id),
        None => Err(DbError::refused(Refusal::NoOpenIncident { community: community.name })),
    }
}

/// One incident.
pub async fn by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<incident::Model>, DbError> {
    Ok(crate::unique(incident::Entity::find_by_id(id), conn).await?)
}

/// Incidents on the regions of a subtree (`path` prefix), newest first, with their region's name.
pub async fn under(conn: &impl ConnectionTrait, scope_path: &str) -> Result<Vec<(incident::Model, String)>, DbError> {
    let incidents = incident::Entity::find()
        .filter(
            incident::Column::RegionId.in_subquery(
                Query::select()
                    .column(region::Column::Id)
                    .from(region::Entity)
                    .and_where(region::Column::Path.starts_with(scope_path))
                    .to_owned(),
            ),
        )
        .order_by_desc(incident::Column::OpenedAt)
        .all(conn)
        .await?;
    let region_ids: Vec<Uuid> = incidents.iter().map(|i| i.region_id).collect::<HashSet<_>>().into_iter().collect();
    let names: HashMap<Uuid, String> = region::Entity::find()
        .filter(region::Column::Id.is_in(region_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    Ok(incidents
        .into_iter()
        .map(|i| {
            let name = names.get(&i.region_id).cloned().unwrap_or_default();
            (i, name)
        })
        .collect())
}

/// Closes an open incident at `at`, which starts its retention clock.
pub async fn close(db: &Db, id: Uuid, at: OffsetDateTime, entry: audit::Entry) -> Result<incident::Model, DbError> {
    let tx = db.begin_write().await?;
    let result = incident::Entity::update_many()
        .col_expr(incident::Column::Status, Expr::value(IncidentStatus::Closed.code()))
        .col_expr(incident::Column::ClosedAt, Expr::value(at))
        .filter(incident::Column::Id.eq(id))
        .filter(incident::Column::Status.eq(IncidentStatus::Open.code()))
        .exec(&tx)
        .await?;
    if result.rows_affected != 1 {
        return Err(DbError::refused(Refusal::NotOpen));
    }
    audit::append(&tx, entry).await?;
    let model = by_id(&tx, id).await?.ok_or_else(|| DbError::refused(Refusal::NotOpen))?;
    tx.commit().await?;
    Ok(model)
}

/// Closed incidents not purged yet whose retention is over at `now`, oldest first.
pub async fn due_for_purge(
    conn: &impl ConnectionTrait,
    now: OffsetDateTime,
    retention_days: u32,
) -> Result<Vec<incident::Model>, DbError> {
    let cutoff = now - Duration::days(i64::from(retention_days));
    Ok(incident::Entity::find()
        .filter(incident::Column::Status.eq(IncidentStatus::Closed.code()))
        .filter(incident::Column::PurgedAt.is_null())
        .filter(incident::Column::ClosedAt.lte(cutoff))
        .order_by_asc(incident::Column::ClosedAt)
        .all(conn)
        .await?)
}

// ---------------------------------------------------------------------------
// Aggregates

/// The anonymous counts of one community on one day of an incident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DayCounts {
    pub volunteers_reported: i64,
    pub volunteers_verified: i64,
    pub volunteers_exempt: i64,
    pub volunteers_rejected: i64,
    pub volunteers_grouped: i64,
    pub branches: i64,
    pub groups: i64,
    pub tasks_created: i64,
    pub tasks_done: i64,
    pub claims: i64,
    pub sheets: i64,
    pub signups: i64,
    pub shifts: i64,
    pub shift_assignments: i64,
}

/// Counts keyed by (community, Beijing day).
pub type Aggregates = BTreeMap<(Uuid, Date), DayCounts>;

fn day_of(t: OffsetDateTime) -> Date {
    beijing(t).date()
}

/// A shift's day: its start in local minutes since 1970-01-01.
fn day_of_minute(m: i64) -> Date {
    let epoch = time::macros::date!(1970 - 01 - 01);
    epoch.checked_add(Duration::days(m.div_euclid(24 * 60))).unwrap_or(epoch)
}

/// An incident's counts per community and day: read from the stored
/// aggregates once it is purged, counted from its rows before.
pub async fn aggregates_of(conn: &impl ConnectionTrait, incident_id: Uuid) -> Result<Aggregates, DbError> {
    let purged = by_id(conn, incident_id).await?.is_some_and(|i| i.purged_at.is_some());
    if purged { stored_aggregates(conn, incident_id).await } else { count_aggregates(conn, incident_id).await }
}

async fn stored_aggregates(conn: &impl ConnectionTrait, incident_id: Uuid) -> Result<Aggregates, DbError> {
    let rows = incident_daily_aggregate::Entity::find()
        .filter(incident_daily_aggregate::Column::IncidentId.eq(incident_id))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let counts = DayCounts {
                volunteers_reported: r.volunteers_reported,
                volunteers_verified: r.volunteers_verified,
                volunteers_exempt: r.volunteers_exempt,
                volunteers_rejected: r.volunteers_rejected,
                volunteers_grouped: r.volunteers_grouped,
                branches: r.branches,
                groups: r.groups,
                tasks_created: r.tasks_created,
                tasks_done: r.tasks_done,
                claims: r.claims,
                sheets: r.sheets,
                signups: r.signups,
                shifts: r.shifts,
                shift_assignments: r.shift_assignments,
            };
            ((r.community_id, r.day), counts)
        })
        .collect())
}

/// Counts an incident's rows per community and day. Volunteers count on the
/// day they reported, with the status and group they ended with.
async fn count_aggregates(conn: &impl ConnectionTrait, incident_id: Uuid) -> Result<Aggregates, DbError> {
    let mut out = Aggregates::new();
    let grouped: HashSet<Uuid> = group_member::Entity::find()
        .select_only()
        .column(group_member::Column::VolunteerId)
        .filter(group_member::Column::IncidentId.eq(incident_id))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let volunteers: Vec<(Uuid, Uuid, String, OffsetDateTime)> = volunteer::Entity::find()
        .select_only()
        .column(volunteer::Column::Id)
        .column(volunteer::Column::CommunityId)
        .column(volunteer::Column::Status)
        .column(volunteer::Column::ReportedAt)
        .filter(volunteer::Column::IncidentId.eq(incident_id))
        .into_tuple()
        .all(conn)
        .await?;
    for (id, community, status, at) in volunteers {
        let e = out.entry((community, day_of(at))).or_default();
        e.volunteers_reported += 1;
        match DutyStatus::from_code(&status) {
            Some(DutyStatus::Verified) => e.volunteers_verified += 1,
            Some(DutyStatus::Exempt) => e.volunteers_exempt += 1,
            Some(DutyStatus::Rejected) => e.volunteers_rejected += 1,
            _ => {}
        }
        if grouped.contains(&id) {
            e.volunteers_grouped += 1;
        }
    }
    let branches: Vec<(Uuid, OffsetDateTime)> = branch::Entity::find()
        .select_only()
        .column(branch::Column::CommunityId)
        .column(branch::Column::CreatedAt)
        .filter(branch::Column::IncidentId.eq(incident_id))
        .into_tuple()
        .all(conn)
        .await?;
    for (c, at) in branches {
        out.entry((c, day_of(at))).or_default().branches += 1;
    }
    let groups: Vec<(Uuid, OffsetDateTime)> = volunteer_group::Entity::find()
        .select_only()
        .column(volunteer_group::Column::CommunityId)
        .column(volunteer_group::Column::CreatedAt)
        .filter(volunteer_group::Column::IncidentId.eq(incident_id))
        .into_tuple()
        .all(conn)
        .await?;
    for (c, at) in groups {
        out.entry((c, day_of(at))).or_default().groups += 1;
    }
    let tasks: Vec<(Uuid, OffsetDateTime, String, OffsetDateTime)> = task::Entity::find()
        .select_only()
        .column(task::Column::CommunityId)
        .column(task::Column::CreatedAt)
        .column(task::Column::State)
        .column(task::Column::UpdatedAt)
        .filter(task::Column::IncidentId.eq(incident_id))
        .into_tuple()
        .all(conn)
        .await?;
    for (c, created, state, updated) in tasks {
        out.entry((c, day_of(created))).or_default().tasks_created += 1;
        if matches!(TaskState::from_code(&state), Some(TaskState::Done | TaskState::Checked)) {
            out.entry((c, day_of(updated))).or_default().tasks_done += 1;
        }
    }
    let claims: Vec<(Uuid, OffsetDateTime)> = claim::Entity::find()
        .select_only()
        .column(claim::Column::CommunityId)
        .column(claim::Column::ClaimedAt)
        .filter(claim::Column::IncidentId.eq(incident_id))
        .into_tuple()
        .all(conn)
        .await?;
    for (c, at) in claims {
        out.entry((c, day_of(at))).or_default().claims += 1;
    }
    let sheets: Vec<(Uuid, Uuid, OffsetDateTime)> = signup_sheet::Entity::find()
        .select_only()
        .column(signup_sheet::Column::Id)
        .column(signup_sheet::Column::CommunityId)
        .column(signup_sheet::Column::CreatedAt)
        .filter(signup_sheet::Column::IncidentId.eq(incident_id))
        .into_tuple()
        .all(conn)
        .await?;
    let sheet_community: HashMap<Uuid, Uuid> = sheets.iter().map(|(id, c, _)| (*id, *c)).collect();
    for (_, c, at) in sheets {
        out.entry((c, day_of(at))).or_default().sheets += 1;
    }
    let entries: Vec<(Uuid, OffsetDateTime)> = signup_entry::Entity::find()
        .select_only()
        .column(signup_entry::Column::SheetId)
        .column(signup_entry::Column::CreatedAt)
        .filter(signup_entry::Column::IncidentId.eq(incident_id))
        .into_tuple()
        .all(conn)
        .await?;
    for (sheet, at) in entries {
        if let Some(c) = sheet_community.get(&sheet) {
            out.entry((*c, day_of(at))).or_default().signups += 1;
        }
    }
    let shifts: Vec<(Uuid, Uuid, i64)> = shift::Entity::find()
        .select_only()
        .column(shift::Column::Id)
        .column(shift::Column::CommunityId)
        .column(shift::Column::StartMin)
        .filter(shift::Column::IncidentId.eq(incident_id))
        .into_tuple()
        .all(conn)
        .await?;
    let shift_day: HashMap<Uuid, (Uuid, Date)> =
        shifts.iter().map(|(id, c, m)| (*id, (*c, day_of_minute(*m)))).collect();
    for (_, c, m) in shifts {
        out.entry((c, day_of_minute(m))).or_default().shifts += 1;
    }
    let assignments: Vec<Uuid> = shift_assignment::Entity::find()
        .select_only()
        .column(shift_assignment::Column::ShiftId)
        .filter(shift_assignment::Column::IncidentId.eq(incident_id))
        .into_tuple()
        .all(conn)
        .await?;
    for s in assignments {
        if let Some(key) = shift_day.get(&s) {
            out.entry(*key).or_default().shift_assignments += 1;
        }
    }
    Ok(out)
}

/// The duty-report funnel of the purged incidents per community (all, or
/// `only` one), for the roll-up: their rows are gone, their counts stay.
pub async fn purged_counts(
    conn: &impl ConnectionTrait,
    only: Option<Uuid>,
) -> Result<BTreeMap<Uuid, MobilisationCounts>, DbError> {
    // SUM of BIGINT is NUMERIC on PostgreSQL: cast it back.
    let sum = |c: &str| Expr::cust(format!("CAST(SUM({c}) AS BIGINT)"));
    let mut q = incident_daily_aggregate::Entity::find()
        .select_only()
        .column(incident_daily_aggregate::Column::CommunityId)
        .column_as(sum("volunteers_reported"), "reported")
        .column_as(sum("volunteers_verified"), "verified")
        .column_as(sum("volunteers_exempt"), "exempt")
        .column_as(sum("volunteers_rejected"), "rejected")
        .column_as(sum("volunteers_grouped"), "grouped")
        .column_as(sum("groups"), "groups")
        .group_by(incident_daily_aggregate::Column::CommunityId);
    if let Some(c) = only {
        q = q.filter(incident_daily_aggregate::Column::CommunityId.eq(c));
    }
    let rows: Vec<(Uuid, i64, i64, i64, i64, i64, i64)> = q.into_tuple().all(conn).await?;
    let mut out = BTreeMap::new();
    for (c, reported, verified, exempt, rejected, grouped, groups) in rows {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        out.insert(
            c,
            MobilisationCounts {
                reported: n(reported),
                verified: n(verified),
                exempt: n(exempt),
                rejected: n(rejected),
                grouped: n(grouped),
                groups: n(groups),
                unwell: 0,
            },
        );
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Purge

/// What one purge removed and kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PurgeReport {
    pub incident_id: Uuid,
    /// Rows deleted per table.
    pub deleted: BTreeMap<&'static str, u64>,
    /// (community, day) rows of aggregates written.
    pub aggregate_rows: u64,
    /// Audit entries whose details were redacted.
    pub audit_redacted: u64,
}

/// The purge's own audit detail, without personal data.
pub fn describe_purge(entry: &mut audit::Entry, report: &PurgeReport) {
    entry.detail = serde_json::json!({
        "incident": report.incident_id.to_string(),
        "deleted": report.deleted,
        "aggregate_rows": report.aggregate_rows,
        "audit_redacted": report.audit_redacted,
    });
}

/// The detail that replaces an audit entry's personal details.
pub const REDACTED: &str = r#"{"redacted":"incident_purged"}"#;

/// Purges one closed incident whose retention is over at `now`, in one
/// write transaction: writes its anonymous aggregates, redacts the audit
/// entries about its records, deletes every operational row it owns, marks
/// it purged and appends `entry` (filled by [`describe_purge`]).
pub async fn purge(
    db: &Db,
    incident_id: Uuid,
    now: OffsetDateTime,
    retention_days: u32,
    mut entry: audit::Entry,
) -> Result<PurgeReport, DbError> {
    let tx = db.begin_write().await?;
    let Some(incident) = by_id(&tx, incident_id).await? else {
        return Err(DbError::NotFound { what: "incident", key: incident_id.to_string() });
    };
    if incident.status != IncidentStatus::Closed.code() || incident.purged_at.is_some() {
        return Err(DbError::refused(Refusal::NotClosed));
    }
    if !shouwang_domain::incident::purge_due(incident.closed_at, now, retention_days) {
        let until = incident
            .closed_at
            .map(|c| day_of(c + Duration::days(i64::from(retention_days))).to_string())
            .unwrap_or_default();
        return Err(DbError::refused(Refusal::RetentionNotOver { until }));
    }
    // Claims the purge: a second instance purging at the same time waits on
    // this row (PostgreSQL) and then finds nothing to claim.
    let claimed = incident::Entity::update_many()
        .col_expr(incident::Column::PurgedAt, Expr::value(now))
        .filter(incident::Column::Id.eq(incident_id))
        .filter(incident::Column::PurgedAt.is_null())
        .exec(&tx)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(DbError::refused(Refusal::NotClosed));
    }
    let mut report = PurgeReport { incident_id, ..Default::default() };

    // 1. Anonymous counts first, from the rows about to go.
    let aggregates = count_aggregates(&tx, incident_id).await?;
    let rows: Vec<incident_daily_aggregate::ActiveModel> = aggregates
        .iter()
        .map(|((community_id, day), c)| {
            incident_daily_aggregate::ActiveModel::from(incident_daily_aggregate::Model {
                incident_id,
                community_id: *community_id,
                day: *day,
                volunteers_reported: c.volunteers_reported,
                volunteers_verified: c.volunteers_verified,
                volunteers_exempt: c.volunteers_exempt,
                volunteers_rejected: c.volunteers_rejected,
                volunteers_grouped: c.volunteers_grouped,
                branches: c.branches,
                groups: c.groups,
                tasks_created: c.tasks_created,
                tasks_done: c.tasks_done,
                claims: c.claims,
                sheets: c.sheets,
                signups: c.signups,
                shifts: c.shifts,
                shift_assignments: c.shift_assignments,
            })
        })
        .collect();
    report.aggregate_rows = rows.len() as u64;
    for chunk in rows.chunks(500) {
        incident_daily_aggregate::Entity::insert_many(chunk.to_vec()).exec_without_returning(&tx).await?;
    }

    // 2. Audit entries about the incident's records lose their details.
    report.audit_redacted = redact_audit(&tx, incident_id, &incident).await?;

    // 3. The rows, children before parents (foreign keys are checked per statement).
    macro_rules! purge_table {
        ($($m:ident),+ $(,)?) => {$(
            let n = $m::Entity::delete_many().filter($m::Column::IncidentId.eq(incident_id)).exec(&tx).await?;
            report.deleted.insert(stringify!($m), n.rows_affected);
        )+};
    }
    purge_table!(
        delivery_event,
        delivery_share,
        delivery,
        delivery_run,
        stock_movement,
        consignment_item,
        consignment,
        task_event,
        task_assignee,
        claim,
        shift_assignment,
        signup_entry,
        group_member,
        group_compound,
        branch_member,
        role_handover,
        key_role,
        grouping_draft,
        groupbuy_organiser,
        groupbuy_slot,
        task,
        shift,
        post,
        signup_sheet,
        volunteer_group,
        branch,
        volunteer,
    );

    describe_purge(&mut entry, &report);
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(report)
}

/// Replaces the details of the audit entries that are about the incident's
/// records (their id is the target) or that name one of its people (a name
/// or a phone in the details). Only entries under the incident's region (or
/// without a region) are read, a thousand at a time.
async fn redact_audit(
    conn: &impl ConnectionTrait,
    incident_id: Uuid,
    incident: &incident::Model,
) -> Result<u64, DbError> {
    let mut ids: HashSet<String> = HashSet::new();
    let mut words: HashSet<String> = HashSet::new();
    macro_rules! ids_of {
        ($($m:ident),+ $(,)?) => {$(
            let found: Vec<Uuid> = $m::Entity::find()
                .select_only()
                .column($m::Column::Id)
                .filter($m::Column::IncidentId.eq(incident_id))
                .into_tuple()
                .all(conn)
                .await?;
            ids.extend(found.into_iter().map(|u| u.to_string()));
        )+};
    }
    ids_of!(volunteer, branch, volunteer_group, key_role, role_handover, signup_sheet, task, claim, post, shift);
    let people: Vec<(String, String)> = volunteer::Entity::find()
        .select_only()
        .column(volunteer::Column::Name)
        .column(volunteer::Column::Phone)
        .filter(volunteer::Column::IncidentId.eq(incident_id))
        .into_tuple()
        .all(conn)
        .await?;
    for (name, phone) in people {
        words.insert(name);
        words.insert(phone);
    }
    let organisers: Vec<(String, Option<String>)> = groupbuy_organiser::Entity::find()
        .select_only()
        .column(groupbuy_organiser::Column::Name)
        .column(groupbuy_organiser::Column::PhoneMasked)
        .filter(groupbuy_organiser::Column::IncidentId.eq(incident_id))
        .into_tuple()
        .all(conn)
        .await?;
    for (name, phone) in organisers {
        words.insert(name);
        words.extend(phone);
    }
    words.retain(|w| w.chars().count() >= 2);
    let region_path = crate::unique(region::Entity::find_by_id(incident.region_id), conn)
        .await?
        .map_or_else(|| "/".to_string(), |r| r.path);

    let mut redacted = 0;
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = audit_log::Entity::find()
            .select_only()
            .column(audit_log::Column::Id)
            .column(audit_log::Column::TargetId)
            .column(audit_log::Column::Detail)
            .filter(audit_log::Column::RegionPath.starts_with(&region_path).or(audit_log::Column::RegionPath.is_null()))
            .order_by_asc(audit_log::Column::Id)
            .limit(1000);
        if let Some(a) = after {
            q = q.filter(audit_log::Column::Id.gt(a));
        }
        let page: Vec<(Uuid, Option<String>, String)> = q.into_tuple().all(conn).await?;
        let Some((last, _, _)) = page.last() else { break };
        after = Some(*last);
        let hits: Vec<Uuid> = page
            .iter()
            .filter(|(_, target, detail)| {
                detail != REDACTED
                    && (target.as_ref().is_some_and(|t| ids.contains(t)) || words.iter().any(|w| detail.contains(w)))
            })
            .map(|(id, _, _)| *id)
            .collect();
        if !hits.is_empty() {
            let n = audit_log::Entity::update_many()
                .col_expr(audit_log::Column::Detail, Expr::value(REDACTED))
                .filter(audit_log::Column::Id.is_in(hits))
                .exec(conn)
                .await?;
            redacted += n.rows_affected;
        }
        if page.len() < 1000 {
            break;
        }
    }
    Ok(redacted)
}

macro_rules! incident_of {
    ($($fname:ident => $m:ident),+ $(,)?) => {$(
        /// The incident of a parent record, for the child rows written under it.
        pub(crate) async fn $fname(conn: &impl ConnectionTrait, id: Uuid) -> Result<Uuid, DbError> {
            let found: Vec<Uuid> = $m::Entity::find()
                .select_only()
                .column($m::Column::IncidentId)
                .filter($m::Column::Id.eq(id))
                .into_tuple()
                .all(conn)
                .await?;
            found.into_iter().next().ok_or_else(|| DbError::NotFound { what: stringify!($m), key: id.to_string() })
        }
    )+};
}

incident_of!(
    of_branch => branch,
    of_group => volunteer_group,
    of_task => task,
    of_shift => shift,
);

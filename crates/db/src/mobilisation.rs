//! Mobilisation storage (SPEC §4.2–4.3): duty reports and volunteers, branches,
//! groups and the compounds they cover, key roles with backups and their
//! hand-overs, the grouping draft, and the roll-up counts.
//!
//! Invariants kept here, not by callers: one volunteer per phone per community
//! (a second report merges); nobody is in two groups or two branches (the
//! volunteer is the key of `group_member` and `branch_member`); when a holder
//! of a key role can no longer serve, the backup takes over in the same
//! transaction and the hand-over is logged.

use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationTrait,
};
use shouwang_domain::grouping::Refusal as GroupRefusal;
use shouwang_domain::volunteer::Refusal as VolunteerRefusal;
use shouwang_domain::{
    Availability, DutyStatus, ExemptReason, GroupFunctionSet, HealthStatus, KeyRoleKind, RegionKind, SkillSet,
    VolunteerKind,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::entity::{
    branch, branch_member, compound_adjacency, group_compound, group_member, grouping_draft, household, key_role,
    region, role_handover, volunteer, volunteer_group,
};
use crate::{Db, DbError, audit, now};

/// A duty report as the form or an import line gives it, already parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct DutyReport {
    pub name: String,
    /// Normalised 11-digit mobile number.
    pub phone: String,
    pub home_compound_id: Option<Uuid>,
    pub home_building_id: Option<Uuid>,
    pub kind: VolunteerKind,
    pub work_unit: Option<String>,
    pub party_org: Option<String>,
    pub skills: SkillSet,
    pub availability: Availability,
    pub preferred_posts: GroupFunctionSet,
    pub experienced: bool,
    /// Recorded as exempt at once (already on duty elsewhere, not eligible).
    pub exempt: Option<ExemptReason>,
    pub note: Option<String>,
    /// form / import / manual / demo.
    pub source: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportOutcome {
    Created(Uuid),
    /// The phone had already reported here: the new details were merged in.
    Merged(Uuid),
}

impl ReportOutcome {
    pub fn id(self) -> Uuid {
        match self {
            ReportOutcome::Created(id) | ReportOutcome::Merged(id) => id,
        }
    }
}

fn join_opt(a: &Option<String>, b: &Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) if a == b || a.contains(b.as_str()) => Some(a.clone()),
        (Some(a), Some(b)) => Some(format!("{a}；{b}")),
        (a, b) => a.clone().or_else(|| b.clone()),
    }
}

/// Files a duty report, merging it into an earlier one from the same phone.
async fn upsert_report(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    r: &DutyReport,
) -> Result<ReportOutcome, DbError> {
    let at = now();
    let incident_id = crate::incidents::current_in(conn, community_id).await?;
    let existing = crate::unique(
        volunteer::Entity::find()
            .filter(volunteer::Column::IncidentId.eq(incident_id))
            .filter(volunteer::Column::CommunityId.eq(community_id))
            .filter(volunteer::Column::Phone.eq(r.phone.as_str())),
        conn,
    )
    .await?;
    let Some(old) = existing else {
        let (status, exempt) = match r.exempt {
            Some(reason) => (DutyStatus::Exempt, Some(reason.code().to_string())),
            None => (DutyStatus::Reported, None),
        };
        let id = Uuid::now_v7();
        volunteer::Entity::insert(volunteer::ActiveModel::from(volunteer::Model {
            id,
            community_id,
            name: r.name.clone(),
            phone: r.phone.clone(),
            home_compound_id: r.home_compound_id,
            home_building_id: r.home_building_id,
            kind: r.kind.code().to_string(),
            work_unit: r.work_unit.clone(),
            party_org: r.party_org.clone(),
            skills: r.skills.to_codes(),
            availability: r.availability.to_codes(),
            preferred_posts: r.preferred_posts.to_codes(),
            experienced: r.experienced,
            status: status.code().to_string(),
            reject_reason: None,
            exempt_reason: exempt,
            health: HealthStatus::Active.code().to_string(),
            health_changed_at: None,
            source: r.source.to_string(),
            note: r.note.clone(),
            user_id: None,
            reported_at: at,
            reviewed_at: None,
            reviewed_by: None,
            updated_at: at,
            incident_id,
        }))
        .exec_without_returning(conn)
        .await?;
        return Ok(ReportOutcome::Created(id));
    };
    // Merge: the earlier report's answers stand unless blank; sets are unioned,
    // so a person who reports twice is one volunteer with everything they said.
    let skills = SkillSet::from_codes(&old.skills).iter().chain(r.skills.iter()).collect::<SkillSet>();
    let availability =
        Availability::from_codes(&old.availability).iter().chain(r.availability.iter()).collect::<Availability>();
    let posts = GroupFunctionSet::from_codes(&old.preferred_posts)
        .iter()
        .chain(r.preferred_posts.iter())
        .collect::<GroupFunctionSet>();
    // A fresh exemption applies to a report still awaiting review.
    let (status, exempt) = match (DutyStatus::from_code(&old.status), r.exempt) {
        (Some(DutyStatus::Reported), Some(reason)) => {
            (DutyStatus::Exempt.code().to_string(), Some(reason.code().to_string()))
        }
        _ => (old.status.clone(), old.exempt_reason.clone()),
    };
    volunteer::Entity::update_many()
        .col_expr(volunteer::Column::HomeCompoundId, Expr::value(old.home_compound_id.or(r.home_compound_id)))
        .col_expr(volunteer::Column::HomeBuildingId, Expr::value(old.home_building_id.or(r.home_building_id)))
        .col_expr(volunteer::Column::WorkUnit, Expr::value(old.work_unit.clone().or_else(|| r.work_unit.clone())))
        .col_expr(volunteer::Column::PartyOrg, Expr::value(old.party_org.clone().or_else(|| r.party_org.clone())))
        .col_expr(volunteer::Column::Skills, Expr::value(skills.to_codes()))
        .col_expr(volunteer::Column::Availability, Expr::value(availability.to_codes()))
        .col_expr(volunteer::Column::PreferredPosts, Expr::value(posts.to_codes()))
        .col_expr(volunteer::Column::Experienced, Expr::value(old.experienced || r.experienced))
        .col_expr(volunteer::Column::Status, Expr::value(status))
        .col_expr(volunteer::Column::ExemptReason, Expr::value(exempt))
        .col_expr(volunteer::Column::Note, Expr::value(join_opt(&old.note, &r.note)))
        .col_expr(volunteer::Column::UpdatedAt, Expr::value(at))
        .filter(volunteer::Column::Id.eq(old.id))
        .exec(conn)
        .await?;
    Ok(ReportOutcome::Merged(old.id))
}

/// One duty report (the public form, or a committee member typing one in),
/// audited in the same transaction. A retried submission merges, so it is idempotent.
pub async fn report_for_duty(
    db: &Db,
    community_id: Uuid,
    report: &DutyReport,
    mut entry: audit::Entry,
) -> Result<ReportOutcome, DbError> {
    for attempt in 0..2 {
        let tx = db.begin_write().await?;
        match upsert_report(&tx, community_id, report).await {
            Ok(outcome) => {
                entry.target_id = Some(outcome.id().to_string());
                if let serde_json::Value::Object(map) = &mut entry.detail {
                    map.insert("merged".into(), matches!(outcome, ReportOutcome::Merged(_)).into());
                }
                audit::append(&tx, entry).await?;
                tx.commit().await?;
                return Ok(outcome);
            }
            // Two instances inserting the same phone at once (PostgreSQL): the
            // loser retries and finds the winner's row to merge into.
            Err(DbError::Db(e)) if attempt == 0 && is_unique_violation(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(DbError::refused(VolunteerRefusal::SamePhoneTwice))
}

fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub created: u32,
    pub merged: u32,
}

/// A work unit's list, all rows or none, audited once.
pub async fn import_duty_reports(
    db: &Db,
    community_id: Uuid,
    reports: &[DutyReport],
    entry: audit::Entry,
) -> Result<ImportCounts, DbError> {
    let tx = db.begin_write().await?;
    let counts = import_duty_reports_in(&tx, community_id, reports, entry).await?;
    tx.commit().await?;
    Ok(counts)
}

/// [`import_duty_reports`] inside the caller's write transaction: takes the
/// community's import lock first (`import::lock_community_in`), so two lists
/// filed at once merge by phone instead of racing on the unique index.
pub async fn import_duty_reports_in(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    reports: &[DutyReport],
    mut entry: audit::Entry,
) -> Result<ImportCounts, DbError> {
    crate::import::lock_community_in(conn, community_id).await?;
    let mut counts = ImportCounts::default();
    for r in reports {
        match upsert_report(conn, community_id, r).await? {
            ReportOutcome::Created(_) => counts.created += 1,
            ReportOutcome::Merged(_) => counts.merged += 1,
        }
    }
    if let serde_json::Value::Object(map) = &mut entry.detail {
        map.insert("created".into(), counts.created.into());
        map.insert("merged".into(), counts.merged.into());
    }
    audit::append(conn, entry).await?;
    Ok(counts)
}

/// What the committee decides about duty reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    Verify,
    Reject(String),
    Exempt(ExemptReason),
}

/// Applies one decision to several volunteers of one community; returns how
/// many changed. Verifying a rejected or exempt person is allowed (a mistake
/// corrected); rejecting or exempting someone grouped takes them out of their
/// group and hands over their roles.
pub async fn review(
    db: &Db,
    community_id: Uuid,
    ids: &[Uuid],
    decision: &Review,
    by: Option<Uuid>,
    mut entry: audit::Entry,
) -> Result<u64, DbError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let tx = db.begin_write().await?;
    let (changed, out) = review_in(&tx, community_id, ids, decision, by).await?;
    for id in out {
        hand_over_roles_of(&tx, id, "stood_down", by).await?;
    }
    describe_review(&mut entry, decision, changed);
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(changed)
}

/// The decision itself, inside the caller's transaction: answers how many
/// changed and, for a rejection or exemption, the people of the community it
/// applied to, who are now out of their groups (their roles, shifts and work
/// are the caller's next steps).
pub async fn review_in(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    ids: &[Uuid],
    decision: &Review,
    by: Option<Uuid>,
) -> Result<(u64, Vec<Uuid>), DbError> {
    let at = now();
    let (status, reject, exempt) = review_columns(decision);
    let ids: Vec<Uuid> = ids.iter().copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    // Every id must be this community's volunteer, read in this transaction:
    // one from elsewhere is not found, and then nothing changes at all.
    for chunk in ids.chunks(500) {
        let in_community: HashSet<Uuid> = volunteer::Entity::find()
            .select_only()
            .column(volunteer::Column::Id)
            .filter(volunteer::Column::CommunityId.eq(community_id))
            .filter(volunteer::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple::<Uuid>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        if let Some(stray) = chunk.iter().find(|v| !in_community.contains(v)) {
            return Err(DbError::NotFound { what: "volunteer", key: stray.to_string() });
        }
    }
    let mut changed = 0;
    for chunk in ids.chunks(500) {
        let res = volunteer::Entity::update_many()
            .col_expr(volunteer::Column::Status, Expr::value(status.code()))
            .col_expr(volunteer::Column::RejectReason, Expr::value(reject.clone()))
            .col_expr(volunteer::Column::ExemptReason, Expr::value(exempt.clone()))
            .col_expr(volunteer::Column::ReviewedAt, Expr::value(at))
            .col_expr(volunteer::Column::ReviewedBy, Expr::value(by))
            .col_expr(volunteer::Column::UpdatedAt, Expr::value(at))
            .filter(volunteer::Column::CommunityId.eq(community_id))
            .filter(volunteer::Column::Id.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
        changed += res.rows_affected;
        if status != DutyStatus::Verified {
            // Only this community's people leave their groups (the members'
            // rows are keyed by volunteer; the subquery keeps the delete
            // inside the community whatever ids it is given).
            let of_community = volunteer::Entity::find()
                .select_only()
                .column(volunteer::Column::Id)
                .filter(volunteer::Column::CommunityId.eq(community_id))
                .filter(volunteer::Column::Id.is_in(chunk.iter().copied()))
                .into_query();
            group_member::Entity::delete_many()
                .filter(group_member::Column::VolunteerId.in_subquery(of_community))
                .exec(conn)
                .await?;
        }
    }
    let out = if status != DutyStatus::Verified { ids } else { Vec::new() };
    Ok((changed, out))
}

fn review_columns(decision: &Review) -> (DutyStatus, Option<String>, Option<String>) {
    match decision {
        Review::Verify => (DutyStatus::Verified, None, None),
        Review::Reject(reason) => (DutyStatus::Rejected, Some(reason.clone()), None),
        Review::Exempt(reason) => (DutyStatus::Exempt, None, Some(reason.code().to_string())),
    }
}

/// The audit detail of a review decision.
pub fn describe_review(entry: &mut audit::Entry, decision: &Review, changed: u64) {
    let (status, reject, exempt) = review_columns(decision);
    if let serde_json::Value::Object(map) = &mut entry.detail {
        map.insert("decision".into(), status.code().into());
        map.insert("count".into(), changed.into());
        if let Some(r) = &reject {
            map.insert("reason".into(), r.clone().into());
        }
        if let Some(r) = &exempt {
            map.insert("exempt_reason".into(), r.clone().into());
        }
    }
}

/// One change to a key role caused by a health change or a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub key_role_id: Uuid,
    pub kind: String,
    pub subject_id: Uuid,
    pub from: Option<Uuid>,
    /// `None`: the role is vacant, nobody could take it.
    pub to: Option<Uuid>,
    /// The volunteer was the backup, and the role now has none.
    pub backup_lost: bool,
}

/// Moves every key role `volunteer_id` holds to its backup (if the backup can
/// serve), clears them as a backup, and logs each change.
pub async fn hand_over_roles_of(
    conn: &impl ConnectionTrait,
    volunteer_id: Uuid,
    cause: &str,
    by: Option<Uuid>,
) -> Result<Vec<Handover>, DbError> {
    let at = now();
    let mut out = Vec::new();
    let held = key_role::Entity::find()
        .filter(key_role::Column::HolderId.eq(volunteer_id).or(key_role::Column::BackupId.eq(volunteer_id)))
        .order_by_asc(key_role::Column::Id)
        .all(conn)
        .await?;
    for role in held {
        if role.holder_id == Some(volunteer_id) {
            let backup_ok = match role.backup_id {
                Some(b) => crate::unique(volunteer::Entity::find_by_id(b), conn).await?.is_some_and(|v| {
                    HealthStatus::from_code(&v.health).is_some_and(HealthStatus::can_serve)
                        && DutyStatus::from_code(&v.status) == Some(DutyStatus::Verified)
                }),
                None => false,
            };
            let to = if backup_ok { role.backup_id } else { None };
            key_role::Entity::update_many()
                .col_expr(key_role::Column::HolderId, Expr::value(to))
                .col_expr(key_role::Column::BackupId, Expr::value(if backup_ok { None } else { role.backup_id }))
                .col_expr(key_role::Column::UpdatedAt, Expr::value(at))
                .filter(key_role::Column::Id.eq(role.id))
                .exec(conn)
                .await?;
            log_handover(conn, &role, Some(volunteer_id), to, cause, by).await?;
            out.push(Handover {
                key_role_id: role.id,
                kind: role.kind.clone(),
                subject_id: role.subject_id,
                from: Some(volunteer_id),
                to,
                backup_lost: false,
            });
        } else {
            key_role::Entity::update_many()
                .col_expr(key_role::Column::BackupId, Expr::value(Option::<Uuid>::None))
                .col_expr(key_role::Column::UpdatedAt, Expr::value(at))
                .filter(key_role::Column::Id.eq(role.id))
                .exec(conn)
                .await?;
            out.push(Handover {
                key_role_id: role.id,
                kind: role.kind.clone(),
                subject_id: role.subject_id,
                from: role.holder_id,
                to: role.holder_id,
                backup_lost: true,
            });
        }
    }
    Ok(out)
}

async fn log_handover(
    conn: &impl ConnectionTrait,
    role: &key_role::Model,
    from: Option<Uuid>,
    to: Option<Uuid>,
    cause: &str,
    by: Option<Uuid>,
) -> Result<(), DbError> {
    role_handover::Entity::insert(role_handover::ActiveModel::from(role_handover::Model {
        id: Uuid::now_v7(),
        key_role_id: role.id,
        community_id: role.community_id,
        at: now(),
        from_volunteer: from,
        to_volunteer: to,
        cause: cause.to_string(),
        by_user: by,
        incident_id: role.incident_id,
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Records a volunteer's health. When they can no longer serve (isolated,
/// infected), every key role they hold passes to its backup in the same
/// transaction; the changes are returned for the page to show.
pub async fn set_health(
    db: &Db,
    community_id: Uuid,
    id: Uuid,
    health: HealthStatus,
    by: Option<Uuid>,
    mut entry: audit::Entry,
) -> Result<Vec<Handover>, DbError> {
    let tx = db.begin_write().await?;
    let Some(before) = set_health_in(&tx, community_id, id, health).await? else { return Ok(Vec::new()) };
    let handovers =
        if health.can_serve() { Vec::new() } else { hand_over_roles_of(&tx, id, health.code(), by).await? };
    if let serde_json::Value::Object(map) = &mut entry.detail {
        map.insert("before".into(), before.into());
        map.insert("after".into(), health.code().into());
        map.insert("handovers".into(), handovers.len().into());
    }
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(handovers)
}

/// Records a volunteer's health inside the caller's transaction, nothing
/// else; answers the health before, or `None` when it was already so.
pub async fn set_health_in(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    id: Uuid,
    health: HealthStatus,
) -> Result<Option<String>, DbError> {
    let v =
        crate::unique(volunteer::Entity::find_by_id(id).filter(volunteer::Column::CommunityId.eq(community_id)), conn)
            .await?
            .ok_or_else(|| DbError::NotFound { what: "volunteer", key: id.to_string() })?;
    if v.health == health.code() {
        return Ok(None);
    }
    let at = now();
    volunteer::Entity::update_many()
        .col_expr(volunteer::Column::Health, Expr::value(health.code()))
        .col_expr(volunteer::Column::HealthChangedAt, Expr::value(at))
        .col_expr(volunteer::Column::UpdatedAt, Expr::value(at))
        .filter(volunteer::Column::Id.eq(id))
        .filter(volunteer::Column::CommunityId.eq(community_id))
        .exec(conn)
        .await?;
    Ok(Some(v.health))
}

pub async fn volunteer_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<volunteer::Model>, DbError> {
    Ok(crate::unique(volunteer::Entity::find_by_id(id), conn).await?)
}

// `user_id` is only indexed, not unique: LIMIT 1 keeps today's answer (one linked volunteer).
#[allow(clippy::disallowed_methods)]
pub async fn volunteer_by_user(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<volunteer::Model>, DbError> {
    Ok(volunteer::Entity::find().filter(volunteer::Column::UserId.eq(user_id)).one(conn).await?)
}

/// Links a volunteer to the account they log in with.
pub async fn link_user(db: &Db, volunteer_id: Uuid, user_id: Option<Uuid>) -> Result<(), DbError> {
    volunteer::Entity::update_many()
        .col_expr(volunteer::Column::UserId, Expr::value(user_id))
        .filter(volunteer::Column::Id.eq(volunteer_id))
        .exec(&db.write)
        .await?;
    Ok(())
}

/// Filters of the volunteer list; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolunteerFilter {
    pub status: Option<DutyStatus>,
    pub kind: Option<VolunteerKind>,
    pub skill: Option<shouwang_domain::Skill>,
    pub health: Option<HealthStatus>,
    pub grouped: Option<bool>,
    /// Part of the name, or the last 4+ digits of the phone.
    pub q: Option<String>,
}

/// A volunteer with their group, for lists.
#[derive(Debug, Clone)]
pub struct VolunteerRow {
    pub volunteer: volunteer::Model,
    pub group: Option<(Uuid, i32, String)>,
}

pub async fn list_volunteers(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    filter: &VolunteerFilter,
) -> Result<Vec<VolunteerRow>, DbError> {
    let mut q = volunteer::Entity::find().filter(volunteer::Column::CommunityId.eq(community_id));
    if let Some(s) = filter.status {
        q = q.filter(volunteer::Column::Status.eq(s.code()));
    }
    if let Some(k) = filter.kind {
        q = q.filter(volunteer::Column::Kind.eq(k.code()));
    }
    if let Some(h) = filter.health {
        q = q.filter(volunteer::Column::Health.eq(h.code()));
    }
    if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let digits = text.chars().all(|c| c.is_ascii_digit()) && text.len() >= 4;
        q = if digits {
            q.filter(volunteer::Column::Phone.ends_with(text))
        } else {
            q.filter(volunteer::Column::Name.contains(text))
        };
    }
    let volunteers =
        q.order_by_asc(volunteer::Column::ReportedAt).order_by_asc(volunteer::Column::Id).all(conn).await?;
    let groups = group_of_volunteers(conn, community_id).await?;
    Ok(volunteers
        .into_iter()
        .filter(|v| filter.skill.is_none_or(|s| SkillSet::from_codes(&v.skills).contains(s)))
        .map(|v| {
            let group = groups.get(&v.id).cloned();
            VolunteerRow { volunteer: v, group }
        })
        .filter(|row| filter.grouped.is_none_or(|g| row.group.is_some() == g))
        .collect())
}

/// volunteer id -> (group id, number, name), for one community.
async fn group_of_volunteers(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<HashMap<Uuid, (Uuid, i32, String)>, DbError> {
    let groups: HashMap<Uuid, (i32, String)> = volunteer_group::Entity::find()
        .filter(volunteer_group::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| (g.id, (g.number, g.name)))
        .collect();
    if groups.is_empty() {
        return Ok(HashMap::new());
    }
    let members = group_member::Entity::find()
        .filter(group_member::Column::GroupId.is_in(groups.keys().copied()))
        .all(conn)
        .await?;
    Ok(members
        .into_iter()
        .filter_map(|m| groups.get(&m.group_id).map(|(n, name)| (m.volunteer_id, (m.group_id, *n, name.clone()))))
        .collect())
}

/// Buildings whose delivery run a volunteer may claim: those of their group's
/// compounds, or every building of the community when the group covers none
/// (a functional group) or they have no group. "Compound building" names, in
/// code order.
pub async fn buildings_for_runs(
    conn: &impl ConnectionTrait,
    community: &region::Model,
    group: Option<Uuid>,
) -> Result<Vec<(Uuid, String)>, DbError> {
    let covered: Vec<Uuid> = match group {
        Some(g) => group_compound::Entity::find()
            .filter(group_compound::Column::GroupId.eq(g))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| c.compound_id)
            .collect(),
        None => Vec::new(),
    };
    let places = region::Entity::find()
        .filter(region::Column::Path.starts_with(community.path.as_str()))
        .filter(region::Column::Kind.is_in([RegionKind::Compound.as_str(), RegionKind::Building.as_str()]))
        .order_by_asc(region::Column::Code)
        .all(conn)
        .await?;
    let names: HashMap<Uuid, &str> = places
        .iter()
        .filter(|r| RegionKind::parse(&r.kind) == Some(RegionKind::Compound))
        .map(|r| (r.id, r.name.as_str()))
        .collect();
    Ok(places
        .iter()
        .filter(|r| RegionKind::parse(&r.kind) == Some(RegionKind::Building))
        .filter(|r| covered.is_empty() || r.parent_id.is_some_and(|p| covered.contains(&p)))
        .map(|r| {
            let compound = r.parent_id.and_then(|p| names.get(&p).copied()).unwrap_or("");
            (r.id, format!("{compound}{}", r.name))
        })
        .collect())
}

/// A compound of a community with what grouping needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct CompoundInfo {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub residents: u32,
    pub buildings: u32,
    pub position: Option<(f64, f64)>,
    pub neighbours: Vec<Uuid>,
}

/// The compounds of a community, in code order, with residents (from
/// household sizes), buildings, positions and adjacency.
pub async fn compounds_of_community(
    conn: &impl ConnectionTrait,
    community: &region::Model,
) -> Result<Vec<CompoundInfo>, DbError> {
    type Row = (Uuid, String, String, Option<f64>, Option<f64>);
    let compounds: Vec<Row> = region::Entity::find()
        .select_only()
        .column(region::Column::Id)
        .column(region::Column::Code)
        .column(region::Column::Name)
        .column_as(Expr::col(Alias::new("pos_x")), "pos_x")
        .column_as(Expr::col(Alias::new("pos_y")), "pos_y")
        .filter(region::Column::Path.starts_with(community.path.as_str()))
        .filter(region::Column::Kind.eq("compound"))
        .order_by_asc(region::Column::Code)
        .into_tuple()
        .all(conn)
        .await?;
    let buildings: Vec<(Uuid, Uuid)> = region::Entity::find()
        .select_only()
        .column(region::Column::Id)
        .column(region::Column::ParentId)
        .filter(region::Column::Path.starts_with(community.path.as_str()))
        .filter(region::Column::Kind.eq("building"))
        .into_tuple()
        .all(conn)
        .await?;
    let compound_of_building: HashMap<Uuid, Uuid> = buildings.iter().copied().collect();
    let residents: Vec<(Uuid, Option<i64>)> = household::Entity::find()
        .select_only()
        .column(household::Column::BuildingId)
        .column_as(household::Column::Size.sum(), "n")
        .filter(household::Column::CommunityId.eq(community.id))
        .group_by(household::Column::BuildingId)
        .into_tuple()
        .all(conn)
        .await?;
    let mut per_compound: HashMap<Uuid, (u32, u32)> = HashMap::new();
    for (_, compound) in &buildings {
        per_compound.entry(*compound).or_default().1 += 1;
    }
    for (building, n) in residents {
        if let Some(c) = compound_of_building.get(&building) {
            per_compound.entry(*c).or_default().0 += u32::try_from(n.unwrap_or(0)).unwrap_or(0);
        }
    }
    let ids: Vec<Uuid> = compounds.iter().map(|c| c.0).collect();
    let mut neighbours: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if !ids.is_empty() {
        for a in compound_adjacency::Entity::find()
            .filter(compound_adjacency::Column::CompoundId.is_in(ids.iter().copied()))
            .all(conn)
            .await?
        {
            neighbours.entry(a.compound_id).or_default().push(a.neighbour_id);
        }
    }
    Ok(compounds
        .into_iter()
        .map(|(id, code, name, x, y)| {
            let (residents, buildings) = per_compound.get(&id).copied().unwrap_or_default();
            CompoundInfo {
                id,
                code,
                name,
                residents,
                buildings,
                position: x.zip(y),
                neighbours: neighbours.remove(&id).unwrap_or_default(),
            }
        })
        .collect())
}

/// Where a compound lies (metres on the community's plan) and which compounds
/// are next to it; replaces what was stored, both ways.
///
/// Only compounds under `community_path` are touched: another community's
/// compound (or neighbour) is not found and nothing changes.
pub async fn set_compound_place(
    db: &Db,
    community_path: &str,
    compound_id: Uuid,
    position: Option<(f64, f64)>,
    neighbours: &[Uuid],
    entry: audit::Entry,
) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    let mut named: Vec<Uuid> = neighbours.to_vec();
    named.push(compound_id);
    require_compounds_under(&tx, community_path, &named).await?;
    region::Entity::update_many()
        .col_expr_raw("pos_x", position.map(|p| p.0))
        .col_expr_raw("pos_y", position.map(|p| p.1))
        .filter(region::Column::Id.eq(compound_id))
        .filter(region::Column::Path.starts_with(community_path))
        .exec(&tx)
        .await?;
    compound_adjacency::Entity::delete_many()
        .filter(
            compound_adjacency::Column::CompoundId
                .eq(compound_id)
                .or(compound_adjacency::Column::NeighbourId.eq(compound_id)),
        )
        .exec(&tx)
        .await?;
    let mut rows = Vec::new();
    for n in neighbours.iter().copied().filter(|n| *n != compound_id).collect::<std::collections::BTreeSet<_>>() {
        rows.push(compound_adjacency::ActiveModel::from(compound_adjacency::Model { compound_id, neighbour_id: n }));
        rows.push(compound_adjacency::ActiveModel::from(compound_adjacency::Model {
            compound_id: n,
            neighbour_id: compound_id,
        }));
    }
    if !rows.is_empty() {
        compound_adjacency::Entity::insert_many(rows).exec_without_returning(&tx).await?;
    }
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses (as not found) any id that is not a compound under `community_path`,
/// read inside the caller's write transaction.
async fn require_compounds_under(
    conn: &impl ConnectionTrait,
    community_path: &str,
    ids: &[Uuid],
) -> Result<(), DbError> {
    let wanted: std::collections::BTreeSet<Uuid> = ids.iter().copied().collect();
    for chunk in wanted.iter().copied().collect::<Vec<_>>().chunks(500) {
        let found: HashSet<Uuid> = region::Entity::find()
            .select_only()
            .column(region::Column::Id)
            .filter(region::Column::Kind.eq("compound"))
            .filter(region::Column::Path.starts_with(community_path))
            .filter(region::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple::<Uuid>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        if let Some(stray) = chunk.iter().find(|c| !found.contains(c)) {
            return Err(DbError::NotFound { what: "compound", key: stray.to_string() });
        }
    }
    Ok(())
}

/// Raw column updates for columns the entity does not model (positions).
trait RawColumn: Sized {
    fn col_expr_raw(self, col: &str, value: Option<f64>) -> Self;
}

impl RawColumn for sea_orm::UpdateMany<region::Entity> {
    fn col_expr_raw(mut self, col: &str, value: Option<f64>) -> Self {
        sea_orm::QueryTrait::query(&mut self).value(Alias::new(col), Expr::value(value));
        self
    }
}

// ---------------------------------------------------------------------------
// Branches, groups, key roles

/// A key role with its holder and backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleView {
    pub id: Uuid,
    pub kind: KeyRoleKind,
    pub subject_id: Uuid,
    pub holder: Option<volunteer::Model>,
    pub backup: Option<volunteer::Model>,
}

#[derive(Debug, Clone)]
pub struct BranchView {
    pub branch: branch::Model,
    pub secretary: Option<RoleView>,
    pub members: Vec<volunteer::Model>,
    pub groups: usize,
}

#[derive(Debug, Clone)]
pub struct GroupView {
    pub group: volunteer_group::Model,
    pub compounds: Vec<(Uuid, String)>,
    pub members: Vec<volunteer::Model>,
    pub leader: Option<RoleView>,
    pub deputy: Option<RoleView>,
}

impl GroupView {
    pub fn leader_id(&self) -> Option<Uuid> {
        self.leader.as_ref().and_then(|r| r.holder.as_ref()).map(|v| v.id)
    }
}

/// A new group, by hand or from a confirmed proposal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupSpec {
    pub name: Option<String>,
    pub branch_id: Option<Uuid>,
    pub functions: GroupFunctionSet,
    pub compounds: Vec<Uuid>,
    pub members: Vec<Uuid>,
    pub leader: Option<Uuid>,
    pub deputy: Option<Uuid>,
}

async fn key_roles_of(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<HashMap<(String, Uuid), RoleView>, DbError> {
    let roles = key_role::Entity::find().filter(key_role::Column::CommunityId.eq(community_id)).all(conn).await?;
    let ids: HashSet<Uuid> = roles.iter().flat_map(|r| [r.holder_id, r.backup_id]).flatten().collect();
    let people: HashMap<Uuid, volunteer::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        volunteer::Entity::find()
            .filter(volunteer::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect()
    };
    Ok(roles
        .into_iter()
        .filter_map(|r| {
            let kind = KeyRoleKind::from_code(&r.kind)?;
            Some((
                (r.kind.clone(), r.subject_id),
                RoleView {
                    id: r.id,
                    kind,
                    subject_id: r.subject_id,
                    holder: r.holder_id.and_then(|h| people.get(&h).cloned()),
                    backup: r.backup_id.and_then(|b| people.get(&b).cloned()),
                },
            ))
        })
        .collect())
}

/// Sets who holds a key role and who backs them up; logs a hand-over when the
/// holder changes. Both must be verified volunteers of the community who can serve.
#[allow(clippy::too_many_arguments)]
pub async fn set_key_role(
    db: &Db,
    community_id: Uuid,
    kind: KeyRoleKind,
    subject_id: Uuid,
    holder: Option<Uuid>,
    backup: Option<Uuid>,
    by: Option<Uuid>,
    entry: audit::Entry,
) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    put_key_role(&tx, community_id, kind, subject_id, holder, backup, "appointed", by).await?;
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn put_key_role(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    kind: KeyRoleKind,
    subject_id: Uuid,
    holder: Option<Uuid>,
    backup: Option<Uuid>,
    cause: &str,
    by: Option<Uuid>,
) -> Result<(), DbError> {
    if holder.is_some() && holder == backup {
        return Err(DbError::refused(VolunteerRefusal::BackupIsHolder));
    }
    for id in [holder, backup].into_iter().flatten() {
        let v = crate::unique(
            volunteer::Entity::find_by_id(id).filter(volunteer::Column::CommunityId.eq(community_id)),
            conn,
        )
        .await?
        .ok_or_else(|| DbError::NotFound { what: "volunteer", key: id.to_string() })?;
        if v.status != DutyStatus::Verified.code()
            || !HealthStatus::from_code(&v.health).is_some_and(HealthStatus::can_serve)
        {
            return Err(DbError::refused(VolunteerRefusal::CannotHoldRole { name: v.name.clone() }));
        }
    }
    let existing = crate::unique(
        key_role::Entity::find()
            .filter(key_role::Column::CommunityId.eq(community_id))
            .filter(key_role::Column::Kind.eq(kind.code()))
            .filter(key_role::Column::SubjectId.eq(subject_id)),
        conn,
    )
    .await?;
    let at = now();
    let incident_id = crate::incidents::current_in(conn, community_id).await?;
    let role = match existing {
        Some(r) => {
            // A role kept from an earlier incident (a building's leader) moves to the current one.
            key_role::Entity::update_many()
                .col_expr(key_role::Column::HolderId, Expr::value(holder))
                .col_expr(key_role::Column::BackupId, Expr::value(backup))
                .col_expr(key_role::Column::UpdatedAt, Expr::value(at))
                .col_expr(key_role::Column::IncidentId, Expr::value(incident_id))
                .filter(key_role::Column::Id.eq(r.id))
                .filter(key_role::Column::CommunityId.eq(community_id))
                .exec(conn)
                .await?;
            key_role::Model { incident_id, ..r }
        }
        None => {
            let m = key_role::Model {
                id: Uuid::now_v7(),
                community_id,
                kind: kind.code().to_string(),
                subject_id,
                holder_id: None,
                backup_id: None,
                updated_at: at,
                incident_id,
            };
            key_role::Entity::insert(key_role::ActiveModel::from(key_role::Model {
                holder_id: holder,
                backup_id: backup,
                ..m.clone()
            }))
            .exec_without_returning(conn)
            .await?;
            m
        }
    };
    // A first appointment is not a hand-over; a change of holder is.
    if role.holder_id.is_some() && role.holder_id != holder {
        log_handover(conn, &role, role.holder_id, holder, cause, by).await?;
    }
    Ok(())
}

/// Creates a temporary branch with its secretary (and backup) and members.
#[allow(clippy::too_many_arguments)]
pub async fn create_branch(
    db: &Db,
    community_id: Uuid,
    name: &str,
    kind: shouwang_domain::BranchKind,
    founded_on: Date,
    members: &[Uuid],
    secretary: Option<Uuid>,
    backup: Option<Uuid>,
    by: Option<Uuid>,
    mut entry: audit::Entry,
) -> Result<Uuid, DbError> {
    let name = shouwang_domain::text::normalize(name);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DbError::refused(VolunteerRefusal::BadBranchName));
    }
    let tx = db.begin_write().await?;
    let id = Uuid::now_v7();
    let incident_id = crate::incidents::current_in(&tx, community_id).await?;
    branch::Entity::insert(branch::ActiveModel::from(branch::Model {
        id,
        community_id,
        name: name.clone(),
        kind: kind.code().to_string(),
        founded_on,
        dissolved_on: None,
        note: None,
        created_at: now(),
        incident_id,
    }))
    .exec_without_returning(&tx)
    .await?;
    let mut all: Vec<Uuid> = members.to_vec();
    all.extend(secretary);
    all.extend(backup);
    add_branch_members_in(&tx, community_id, id, &all).await?;
    if secretary.is_some() || backup.is_some() {
        put_key_role(&tx, community_id, KeyRoleKind::BranchSecretary, id, secretary, backup, "appointed", by).await?;
    }
    entry.target_id = Some(id.to_string());
    if let serde_json::Value::Object(map) = &mut entry.detail {
        map.insert("name".into(), name.into());
        map.insert("members".into(), all.len().into());
    }
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(id)
}

/// Puts volunteers in a branch, moving them out of any other branch.
async fn add_branch_members_in(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    branch_id: Uuid,
    ids: &[Uuid],
) -> Result<(), DbError> {
    let ids: Vec<Uuid> = ids.iter().copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let incident_id = crate::incidents::of_branch(conn, branch_id).await?;
    for chunk in ids.chunks(500) {
        let valid: Vec<Uuid> = volunteer::Entity::find()
            .select_only()
            .column(volunteer::Column::Id)
            .filter(volunteer::Column::CommunityId.eq(community_id))
            .filter(volunteer::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        // Another community's volunteer is not found here.
        if let Some(stray) = chunk.iter().find(|v| !valid.contains(v)) {
            return Err(DbError::NotFound { what: "volunteer", key: stray.to_string() });
        }
        branch_member::Entity::delete_many()
            .filter(branch_member::Column::VolunteerId.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
        branch_member::Entity::insert_many(chunk.iter().map(|v| {
            branch_member::ActiveModel::from(branch_member::Model { branch_id, volunteer_id: *v, incident_id })
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// Marks a branch handed over / dissolved on a day.
/// Another community's branch is not found and nothing changes.
pub async fn dissolve_branch(
    db: &Db,
    community_id: Uuid,
    branch_id: Uuid,
    on: Option<Date>,
    entry: audit::Entry,
) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    let res = branch::Entity::update_many()
        .col_expr(branch::Column::DissolvedOn, Expr::value(on))
        .filter(branch::Column::Id.eq(branch_id))
        .filter(branch::Column::CommunityId.eq(community_id))
        .exec(&tx)
        .await?;
    if res.rows_affected == 0 {
        return Err(DbError::NotFound { what: "branch", key: branch_id.to_string() });
    }
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn branches_of_community(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<Vec<BranchView>, DbError> {
    let branches = branch::Entity::find()
        .filter(branch::Column::CommunityId.eq(community_id))
        .order_by_asc(branch::Column::FoundedOn)
        .order_by_asc(branch::Column::Id)
        .all(conn)
        .await?;
    if branches.is_empty() {
        return Ok(Vec::new());
    }
    let mut roles = key_roles_of(conn, community_id).await?;
    let members = branch_member::Entity::find()
        .filter(branch_member::Column::BranchId.is_in(branches.iter().map(|b| b.id)))
        .all(conn)
        .await?;
    let people: HashMap<Uuid, volunteer::Model> = volunteer::Entity::find()
        .filter(volunteer::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let groups: Vec<(Uuid, Option<Uuid>)> = volunteer_group::Entity::find()
        .select_only()
        .column(volunteer_group::Column::Id)
        .column(volunteer_group::Column::BranchId)
        .filter(volunteer_group::Column::CommunityId.eq(community_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(branches
        .into_iter()
        .map(|b| {
            let mut ms: Vec<volunteer::Model> = members
                .iter()
                .filter(|m| m.branch_id == b.id)
                .filter_map(|m| people.get(&m.volunteer_id).cloned())
                .collect();
            ms.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            BranchView {
                secretary: roles.remove(&(KeyRoleKind::BranchSecretary.code().to_string(), b.id)),
                groups: groups.iter().filter(|g| g.1 == Some(b.id)).count(),
                members: ms,
                branch: b,
            }
        })
        .collect())
}

/// Creates groups in one transaction (a confirmed proposal, or one by hand),
/// numbered after the community's existing groups. Refuses, changing nothing,
/// if anyone is already in a group, appears twice, cannot serve, or is not
/// of this community.
pub async fn create_groups(
    db: &Db,
    community_id: Uuid,
    specs: &[GroupSpec],
    by: Option<Uuid>,
    mut entry: audit::Entry,
) -> Result<Vec<Uuid>, DbError> {
    let tx = db.begin_write().await?;
    let ids = create_groups_in(&tx, community_id, specs, by).await?;
    if let serde_json::Value::Object(map) = &mut entry.detail {
        map.insert("groups".into(), ids.len().into());
        map.insert("members".into(), specs.iter().map(|s| s.members.len()).sum::<usize>().into());
    }
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(ids)
}

pub(crate) async fn create_groups_in(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    specs: &[GroupSpec],
    by: Option<Uuid>,
) -> Result<Vec<Uuid>, DbError> {
    let mut seen = HashSet::new();
    for s in specs {
        for m in &s.members {
            if !seen.insert(*m) {
                return Err(DbError::refused(GroupRefusal::PlacedTwice));
            }
        }
        for m in s.leader.iter().chain(s.deputy.iter()) {
            if !s.members.contains(m) {
                return Err(DbError::refused(GroupRefusal::LeaderNotMember));
            }
        }
    }
    let all: Vec<Uuid> = seen.into_iter().collect();
    let people: HashMap<Uuid, volunteer::Model> = if all.is_empty() {
        HashMap::new()
    } else {
        let mut out = HashMap::new();
        for chunk in all.chunks(500) {
            for v in
                volunteer::Entity::find().filter(volunteer::Column::Id.is_in(chunk.iter().copied())).all(conn).await?
            {
                out.insert(v.id, v);
            }
        }
        out
    };
    for id in &all {
        let Some(v) = people.get(id).filter(|v| v.community_id == community_id) else {
            return Err(DbError::NotFound { what: "volunteer", key: id.to_string() });
        };
        if v.status != DutyStatus::Verified.code()
            || !HealthStatus::from_code(&v.health).is_some_and(HealthStatus::can_serve)
        {
            return Err(DbError::refused(GroupRefusal::CannotBeGrouped { name: v.name.clone() }));
        }
    }
    // An existence check over up to 500 people: LIMIT 1 stops at the first; creating groups is rare.
    #[allow(clippy::disallowed_methods)]
    for chunk in all.chunks(500) {
        if let Some(m) = group_member::Entity::find()
            .filter(group_member::Column::VolunteerId.is_in(chunk.iter().copied()))
            .one(conn)
            .await?
        {
            let name = people.get(&m.volunteer_id).map(|v| v.name.clone()).unwrap_or_default();
            return Err(DbError::refused(GroupRefusal::AlreadyInGroup { name }));
        }
    }
    let compounds: HashSet<Uuid> = region::Entity::find()
        .select_only()
        .column(region::Column::Id)
        .filter(region::Column::ParentId.is_not_null())
        .filter(region::Column::Kind.eq("compound"))
        .filter(region::Column::Id.is_in(specs.iter().flat_map(|s| s.compounds.iter().copied()).collect::<Vec<_>>()))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    if specs.iter().flat_map(|s| &s.compounds).any(|c| !compounds.contains(c)) {
        return Err(DbError::refused(GroupRefusal::CompoundsOnly));
    }
    // MAX() without GROUP BY is one row; creating groups is not a hot path.
    #[allow(clippy::disallowed_methods)]
    let next: Option<i32> = volunteer_group::Entity::find()
        .select_only()
        .column_as(volunteer_group::Column::Number.max(), "n")
        .filter(volunteer_group::Column::CommunityId.eq(community_id))
        .into_tuple()
        .one(conn)
        .await?
        .flatten();
    let first = next.unwrap_or(0) + 1;
    let mut ids = Vec::new();
    let at = now();
    let incident_id = crate::incidents::current_in(conn, community_id).await?;
    for (number, s) in (first..).zip(specs) {
        let id = Uuid::now_v7();
        let name = s
            .name
            .as_deref()
            .map(shouwang_domain::text::normalize)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("第{number}小组"));
        volunteer_group::Entity::insert(volunteer_group::ActiveModel::from(volunteer_group::Model {
            id,
            community_id,
            branch_id: s.branch_id,
            number,
            name,
            functions: s.functions.to_codes(),
            created_at: at,
            incident_id,
        }))
        .exec_without_returning(conn)
        .await?;
        for chunk in s.members.chunks(500) {
            group_member::Entity::insert_many(chunk.iter().map(|v| {
                group_member::ActiveModel::from(group_member::Model { group_id: id, volunteer_id: *v, incident_id })
            }))
            .exec_without_returning(conn)
            .await?;
        }
        let covered: std::collections::BTreeSet<Uuid> = s.compounds.iter().copied().collect();
        if !covered.is_empty() {
            group_compound::Entity::insert_many(covered.into_iter().map(|c| {
                group_compound::ActiveModel::from(group_compound::Model { group_id: id, compound_id: c, incident_id })
            }))
            .exec_without_returning(conn)
            .await?;
        }
        if let Some(branch_id) = s.branch_id {
            add_branch_members_in(conn, community_id, branch_id, &s.members).await?;
        }
        // The deputy backs the leader up (B角) unless the committee says otherwise.
        if s.leader.is_some() {
            put_key_role(conn, community_id, KeyRoleKind::GroupLeader, id, s.leader, s.deputy, "appointed", by).await?;
        }
        if s.deputy.is_some() {
            put_key_role(conn, community_id, KeyRoleKind::GroupDeputy, id, s.deputy, None, "appointed", by).await?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Moves a volunteer into a group (or out of any group with `None`); a leader
/// or deputy who leaves their group hands the role to its backup.
pub async fn move_to_group(
    db: &Db,
    community_id: Uuid,
    volunteer_id: Uuid,
    group_id: Option<Uuid>,
    by: Option<Uuid>,
    entry: audit::Entry,
) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    if move_to_group_in(&tx, community_id, volunteer_id, group_id, by).await? {
        audit::append(&tx, entry).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// [`move_to_group`] inside the caller's transaction, without the audit
/// entry; answers whether anything changed.
pub async fn move_to_group_in(
    tx: &impl ConnectionTrait,
    community_id: Uuid,
    volunteer_id: Uuid,
    group_id: Option<Uuid>,
    by: Option<Uuid>,
) -> Result<bool, DbError> {
    let v = crate::unique(
        volunteer::Entity::find_by_id(volunteer_id).filter(volunteer::Column::CommunityId.eq(community_id)),
        tx,
    )
    .await?
    .ok_or_else(|| DbError::NotFound { what: "volunteer", key: volunteer_id.to_string() })?;
    let current = crate::unique(group_member::Entity::find_by_id(volunteer_id), tx).await?;
    if current.as_ref().map(|m| m.group_id) == group_id {
        return Ok(false);
    }
    if let Some(m) = &current {
        for role in key_role::Entity::find()
            .filter(key_role::Column::SubjectId.eq(m.group_id))
            .filter(key_role::Column::HolderId.eq(volunteer_id).or(key_role::Column::BackupId.eq(volunteer_id)))
            .all(tx)
            .await?
        {
            let (holder, backup) = if role.holder_id == Some(volunteer_id) {
                (role.backup_id, None::<Uuid>)
            } else {
                (role.holder_id, None)
            };
            key_role::Entity::update_many()
                .col_expr(key_role::Column::HolderId, Expr::value(holder))
                .col_expr(key_role::Column::BackupId, Expr::value(backup))
                .col_expr(key_role::Column::UpdatedAt, Expr::value(now()))
                .filter(key_role::Column::Id.eq(role.id))
                .exec(tx)
                .await?;
            if role.holder_id == Some(volunteer_id) {
                log_handover(tx, &role, Some(volunteer_id), holder, "manual", by).await?;
            }
        }
        group_member::Entity::delete_many().filter(group_member::Column::VolunteerId.eq(volunteer_id)).exec(tx).await?;
    }
    if let Some(g) = group_id {
        let group = crate::unique(
            volunteer_group::Entity::find_by_id(g).filter(volunteer_group::Column::CommunityId.eq(community_id)),
            tx,
        )
        .await?
        .ok_or_else(|| DbError::NotFound { what: "group", key: g.to_string() })?;
        if v.status != DutyStatus::Verified.code() {
            return Err(DbError::refused(GroupRefusal::NotVerified { name: v.name.clone() }));
        }
        group_member::Entity::insert(group_member::ActiveModel::from(group_member::Model {
            group_id: g,
            volunteer_id,
            incident_id: group.incident_id,
        }))
        .exec_without_returning(tx)
        .await?;
        if let Some(b) = group.branch_id {
            add_branch_members_in(tx, community_id, b, &[volunteer_id]).await?;
        }
    }
    Ok(true)
}

/// Sets the compounds a group covers.
/// The group and the compounds must be the community's (checked in the same
/// transaction): another community's are not found and nothing changes.
pub async fn set_group_compounds(
    db: &Db,
    community: &region::Model,
    group_id: Uuid,
    compounds: &[Uuid],
    entry: audit::Entry,
) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    crate::unique(
        volunteer_group::Entity::find_by_id(group_id).filter(volunteer_group::Column::CommunityId.eq(community.id)),
        &tx,
    )
    .await?
    .ok_or_else(|| DbError::NotFound { what: "group", key: group_id.to_string() })?;
    require_compounds_under(&tx, &community.path, compounds).await?;
    group_compound::Entity::delete_many().filter(group_compound::Column::GroupId.eq(group_id)).exec(&tx).await?;
    let set: std::collections::BTreeSet<Uuid> = compounds.iter().copied().collect();
    if !set.is_empty() {
        let incident_id = crate::incidents::of_group(&tx, group_id).await?;
        group_compound::Entity::insert_many(set.into_iter().map(|c| {
            group_compound::ActiveModel::from(group_compound::Model { group_id, compound_id: c, incident_id })
        }))
        .exec_without_returning(&tx)
        .await?;
    }
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a group: its members become ungrouped, its roles go with it.
pub async fn delete_group(db: &Db, community_id: Uuid, group_id: Uuid, entry: audit::Entry) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    key_role::Entity::delete_many().filter(key_role::Column::SubjectId.eq(group_id)).exec(&tx).await?;
    let res = volunteer_group::Entity::delete_many()
        .filter(volunteer_group::Column::Id.eq(group_id))
        .filter(volunteer_group::Column::CommunityId.eq(community_id))
        .exec(&tx)
        .await?;
    if res.rows_affected == 0 {
        return Err(DbError::NotFound { what: "group", key: group_id.to_string() });
    }
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn groups_of_community(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<Vec<GroupView>, DbError> {
    let groups = volunteer_group::Entity::find()
        .filter(volunteer_group::Column::CommunityId.eq(community_id))
        .order_by_asc(volunteer_group::Column::Number)
        .all(conn)
        .await?;
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = groups.iter().map(|g| g.id).collect();
    let mut roles = key_roles_of(conn, community_id).await?;
    let members =
        group_member::Entity::find().filter(group_member::Column::GroupId.is_in(ids.clone())).all(conn).await?;
    let covered = group_compound::Entity::find().filter(group_compound::Column::GroupId.is_in(ids)).all(conn).await?;
    let names: HashMap<Uuid, (String, String)> = region::Entity::find()
        .select_only()
        .column(region::Column::Id)
        .column(region::Column::Code)
        .column(region::Column::Name)
        .filter(region::Column::Id.is_in(covered.iter().map(|c| c.compound_id).collect::<Vec<_>>()))
        .into_tuple::<(Uuid, String, String)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect();
    let people: HashMap<Uuid, volunteer::Model> = volunteer::Entity::find()
        .filter(volunteer::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    Ok(groups
        .into_iter()
        .map(|g| {
            let leader = roles.remove(&(KeyRoleKind::GroupLeader.code().to_string(), g.id));
            let deputy = roles.remove(&(KeyRoleKind::GroupDeputy.code().to_string(), g.id));
            let lead_id = leader.as_ref().and_then(|r| r.holder.as_ref()).map(|v| v.id);
            let dep_id = deputy.as_ref().and_then(|r| r.holder.as_ref()).map(|v| v.id);
            let mut ms: Vec<volunteer::Model> = members
                .iter()
                .filter(|m| m.group_id == g.id)
                .filter_map(|m| people.get(&m.volunteer_id).cloned())
                .collect();
            // Leader first, then deputy, then by name: the order a printed list has.
            ms.sort_by_key(|v| (Some(v.id) != lead_id, Some(v.id) != dep_id, v.name.clone(), v.id));
            let mut cs: Vec<(Uuid, String, String)> = covered
                .iter()
                .filter(|c| c.group_id == g.id)
                .filter_map(|c| {
                    names.get(&c.compound_id).map(|(code, name)| (c.compound_id, code.clone(), name.clone()))
                })
                .collect();
            cs.sort_by(|a, b| a.1.cmp(&b.1));
            GroupView {
                compounds: cs.into_iter().map(|(id, _, n)| (id, n)).collect(),
                members: ms,
                leader,
                deputy,
                group: g,
            }
        })
        .collect())
}

pub async fn group_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<volunteer_group::Model>, DbError> {
    Ok(crate::unique(volunteer_group::Entity::find_by_id(id), conn).await?)
}

/// The group a volunteer is in, if any.
pub async fn group_of(conn: &impl ConnectionTrait, volunteer_id: Uuid) -> Result<Option<Uuid>, DbError> {
    Ok(crate::unique(group_member::Entity::find_by_id(volunteer_id), conn).await?.map(|m| m.group_id))
}

/// Every key role of a community that has no holder or no backup, for the
/// warnings at the top of the groups page.
pub async fn roles_needing_people(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<Vec<key_role::Model>, DbError> {
    Ok(key_role::Entity::find()
        .filter(key_role::Column::CommunityId.eq(community_id))
        .filter(key_role::Column::HolderId.is_null().or(key_role::Column::BackupId.is_null()))
        .order_by_asc(key_role::Column::Id)
        .all(conn)
        .await?)
}

/// The newest hand-overs of a community.
pub async fn handovers(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    limit: u64,
) -> Result<Vec<role_handover::Model>, DbError> {
    Ok(role_handover::Entity::find()
        .filter(role_handover::Column::CommunityId.eq(community_id))
        .order_by_desc(role_handover::Column::At)
        .order_by_desc(role_handover::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// One key role with its people, if it was ever set.
pub async fn key_role_of(
    conn: &impl ConnectionTrait,
    kind: KeyRoleKind,
    subject_id: Uuid,
) -> Result<Option<RoleView>, DbError> {
    let Some(r) = crate::unique(
        key_role::Entity::find()
            .filter(key_role::Column::Kind.eq(kind.code()))
            .filter(key_role::Column::SubjectId.eq(subject_id)),
        conn,
    )
    .await?
    else {
        return Ok(None);
    };
    let person = |id: Option<Uuid>| async move {
        match id {
            Some(id) => crate::unique(volunteer::Entity::find_by_id(id), conn).await,
            None => Ok(None),
        }
    };
    Ok(Some(RoleView {
        id: r.id,
        kind,
        subject_id,
        holder: person(r.holder_id).await?,
        backup: person(r.backup_id).await?,
    }))
}

pub async fn key_role_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<key_role::Model>, DbError> {
    Ok(crate::unique(key_role::Entity::find_by_id(id), conn).await?)
}

// ---------------------------------------------------------------------------
// Grouping draft

pub async fn save_draft(db: &Db, community_id: Uuid, body: &str, by: Option<Uuid>) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    let incident_id = crate::incidents::current_in(&tx, community_id).await?;
    grouping_draft::Entity::delete_many()
        .filter(grouping_draft::Column::CommunityId.eq(community_id))
        .exec(&tx)
        .await?;
    grouping_draft::Entity::insert(grouping_draft::ActiveModel::from(grouping_draft::Model {
        community_id,
        body: body.to_string(),
        updated_at: now(),
        updated_by: by,
        incident_id,
    }))
    .exec_without_returning(&tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn load_draft(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<Option<grouping_draft::Model>, DbError> {
    Ok(crate::unique(grouping_draft::Entity::find_by_id(community_id), conn).await?)
}

/// Confirms a draft: creates its groups and removes the draft, in one
/// transaction, so a confirmed proposal cannot be confirmed twice.
pub async fn confirm_draft(
    db: &Db,
    community_id: Uuid,
    expected_updated_at: OffsetDateTime,
    specs: &[GroupSpec],
    by: Option<Uuid>,
    mut entry: audit::Entry,
) -> Result<Vec<Uuid>, DbError> {
    let tx = db.begin_write().await?;
    let removed = grouping_draft::Entity::delete_many()
        .filter(grouping_draft::Column::CommunityId.eq(community_id))
        .filter(grouping_draft::Column::UpdatedAt.eq(crate::utc(expected_updated_at)))
        .exec(&tx)
        .await?;
    if removed.rows_affected == 0 {
        return Err(DbError::refused(GroupRefusal::ProposalStale));
    }
    let ids = create_groups_in(&tx, community_id, specs, by).await?;
    if let serde_json::Value::Object(map) = &mut entry.detail {
        map.insert("groups".into(), ids.len().into());
        map.insert("members".into(), specs.iter().map(|s| s.members.len()).sum::<usize>().into());
    }
    audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(ids)
}

pub async fn delete_draft(db: &Db, community_id: Uuid) -> Result<(), DbError> {
    grouping_draft::Entity::delete_many()
        .filter(grouping_draft::Column::CommunityId.eq(community_id))
        .exec(&db.write)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Roll-up

/// The duty-report funnel of SPEC §4.2 for one community (or a sum of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MobilisationCounts {
    pub reported: u64,
    pub verified: u64,
    pub exempt: u64,
    pub rejected: u64,
    pub grouped: u64,
    pub groups: u64,
    /// Volunteers isolated or infected right now.
    pub unwell: u64,
}

impl std::ops::AddAssign for MobilisationCounts {
    fn add_assign(&mut self, o: MobilisationCounts) {
        self.reported += o.reported;
        self.verified += o.verified;
        self.exempt += o.exempt;
        self.rejected += o.rejected;
        self.grouped += o.grouped;
        self.groups += o.groups;
        self.unwell += o.unwell;
    }
}

/// Counts per community, in a few grouped queries (not one per community).
pub async fn counts_by_community(conn: &impl ConnectionTrait) -> Result<BTreeMap<Uuid, MobilisationCounts>, DbError> {
    counts(conn, None).await
}

/// One community's counts, without counting every other community.
pub async fn counts_of(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<MobilisationCounts, DbError> {
    Ok(counts(conn, Some(community_id)).await?.remove(&community_id).unwrap_or_default())
}

async fn counts(
    conn: &impl ConnectionTrait,
    only: Option<Uuid>,
) -> Result<BTreeMap<Uuid, MobilisationCounts>, DbError> {
    let mut out: BTreeMap<Uuid, MobilisationCounts> = BTreeMap::new();
    let by_status: Vec<(Uuid, String, i64)> = volunteer::Entity::find()
        .select_only()
        .column(volunteer::Column::CommunityId)
        .column(volunteer::Column::Status)
        .column_as(volunteer::Column::Id.count(), "n")
        .apply_if(only, |q, c| q.filter(volunteer::Column::CommunityId.eq(c)))
        .group_by(volunteer::Column::CommunityId)
        .group_by(volunteer::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    for (c, status, n) in by_status {
        let e = out.entry(c).or_default();
        let n = n as u64;
        e.reported += n;
        match DutyStatus::from_code(&status) {
            Some(DutyStatus::Verified) => e.verified += n,
            Some(DutyStatus::Exempt) => e.exempt += n,
            Some(DutyStatus::Rejected) => e.rejected += n,
            _ => {}
        }
    }
    let unwell: Vec<(Uuid, i64)> = volunteer::Entity::find()
        .select_only()
        .column(volunteer::Column::CommunityId)
        .column_as(volunteer::Column::Id.count(), "n")
        .filter(volunteer::Column::Health.is_in([HealthStatus::Isolated.code(), HealthStatus::Infected.code()]))
        .apply_if(only, |q, c| q.filter(volunteer::Column::CommunityId.eq(c)))
        .group_by(volunteer::Column::CommunityId)
        .into_tuple()
        .all(conn)
        .await?;
    for (c, n) in unwell {
        out.entry(c).or_default().unwell = n as u64;
    }
    let groups: Vec<(Uuid, i64)> = volunteer_group::Entity::find()
        .select_only()
        .column(volunteer_group::Column::CommunityId)
        .column_as(volunteer_group::Column::Id.count(), "n")
        .apply_if(only, |q, c| q.filter(volunteer_group::Column::CommunityId.eq(c)))
        .group_by(volunteer_group::Column::CommunityId)
        .into_tuple()
        .all(conn)
        .await?;
    for (c, n) in groups {
        out.entry(c).or_default().groups = n as u64;
    }
    let grouped: Vec<(Uuid, i64)> = group_member::Entity::find()
        .select_only()
        .column(volunteer_group::Column::CommunityId)
        .column_as(group_member::Column::VolunteerId.count(), "n")
        .join(sea_orm::JoinType::InnerJoin, group_member::Relation::Group.def())
        .apply_if(only, |q, c| q.filter(volunteer_group::Column::CommunityId.eq(c)))
        .group_by(volunteer_group::Column::CommunityId)
        .into_tuple()
        .all(conn)
        .await?;
    for (c, n) in grouped {
        out.entry(c).or_default().grouped = n as u64;
    }
    // Purged incidents' rows are gone; their anonymous counts stay in the roll-up.
    for (c, kept) in crate::incidents::purged_counts(conn, only).await? {
        *out.entry(c).or_default() += kept;
    }
    Ok(out)
}

//! The incident lifecycle (SPEC §5): open an incident on a region, close it
//! (which starts its retention clock), list them, and purge the personal
//! operational data of incidents closed longer than the retention, keeping
//! anonymous counts per community and day. The purge runs from the command
//! line (`shouwang incident purge`) and as a background job of the server
//! ([`spawn_purge_job`]); both read the time from `ctx.clock`.

use std::time::Duration as StdDuration;

use shouwang_db::entity::incident;
use shouwang_db::incidents::{self as store, PurgeReport};
use shouwang_domain::RegionCode;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::incident::{MAX_RETENTION_DAYS, Refusal};
use shouwang_domain::region::IncidentStatus;
use shouwang_domain::text::normalize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Actor, Context, Error, Result};

/// An incident as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IncidentRow {
    pub id: Uuid,
    pub name: String,
    pub region_name: String,
    pub open: bool,
    pub opened_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub purged_at: Option<OffsetDateTime>,
}

fn row(i: incident::Model, region_name: String) -> IncidentRow {
    IncidentRow {
        open: IncidentStatus::from_code(&i.status) == Some(IncidentStatus::Open),
        id: i.id,
        name: i.name,
        region_name,
        opened_at: i.opened_at,
        closed_at: i.closed_at,
        purged_at: i.purged_at,
    }
}

/// A retention from the configuration, checked.
pub fn retention_days(days: u32) -> Result<u32> {
    if days > MAX_RETENTION_DAYS { Err(Error::refused(Refusal::BadRetention)) } else { Ok(days) }
}

/// Opens an incident on a region (a community, or a district or city for all below it).
pub async fn open(ctx: &Context, actor: &Actor, region: &str, name: &str) -> Result<IncidentRow> {
    let code =
        RegionCode::parse(region).map_err(|_| Error::missing(shouwang_domain::region::Refusal::NoSuchCommunity))?;
    let region = shouwang_db::registry::region_by_code(&ctx.db.read, &code).await?;
    actor.require(Resource::Registry, Action::Write, &region.path)?;
    let name = normalize(name);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::refused(Refusal::BadName));
    }
    let opened = shouwang_db::registry::open_incident(&ctx.db, &code, &name).await?;
    Ok(row(opened, region.name))
}

/// Closes an open incident: from now its retention runs.
pub async fn close(ctx: &Context, actor: &Actor, id: Uuid) -> Result<IncidentRow> {
    let (i, region) = incident_in_scope(ctx, actor, id).await?;
    let mut entry = actor.entry("incident.close", "incident", Some(id.to_string()), &region);
    entry.detail = serde_json::json!({ "name": i.name });
    let closed = store::close(&ctx.db, id, ctx.clock.now(), entry).await?;
    Ok(row(closed, region.name))
}

/// The incidents on a region and below it (the actor's whole scope without
/// one), newest first.
pub async fn list(ctx: &Context, actor: &Actor, region: Option<&str>) -> Result<Vec<IncidentRow>> {
    let path = match region {
        Some(code) => {
            let code = RegionCode::parse(code)
                .map_err(|_| Error::missing(shouwang_domain::region::Refusal::NoSuchCommunity))?;
            shouwang_db::registry::region_by_code(&ctx.db.read, &code).await?.path
        }
        None => actor.scope_path.clone(),
    };
    actor.require(Resource::Registry, Action::Read, &path)?;
    Ok(store::under(&ctx.db.read, &path).await?.into_iter().map(|(i, r)| row(i, r)).collect())
}

async fn incident_in_scope(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
) -> Result<(incident::Model, shouwang_db::entity::region::Model)> {
    let missing = || Error::missing(Refusal::NotOpen);
    let i = store::by_id(&ctx.db.read, id).await?.ok_or_else(missing)?;
    let region = shouwang_db::registry::region_by_id(&ctx.db.read, i.region_id).await?.ok_or_else(missing)?;
    if !actor.can(Resource::Registry, Action::Read, &region.path) {
        return Err(missing());
    }
    actor.require(Resource::Registry, Action::Write, &region.path)?;
    Ok((i, region))
}

/// Purges one closed incident whose retention is over (refused before).
pub async fn purge(ctx: &Context, actor: &Actor, id: Uuid, retention: u32) -> Result<PurgeReport> {
    let (_, region) = incident_in_scope(ctx, actor, id).await?;
    let entry = actor.entry("incident.purge", "incident", Some(id.to_string()), &region);
    Ok(store::purge(&ctx.db, id, ctx.clock.now(), retention, entry).await?)
}

/// Purges every incident under the actor's scope whose retention is over,
/// each in its own transaction. An incident that fails stays for the next run.
pub async fn purge_due(ctx: &Context, actor: &Actor, retention: u32) -> Result<Vec<PurgeReport>> {
    let mut done = Vec::new();
    for i in store::due_for_purge(&ctx.db.read, ctx.clock.now(), retention).await? {
        let Some(region) = shouwang_db::registry::region_by_id(&ctx.db.read, i.region_id).await? else { continue };
        if !actor.can(Resource::Registry, Action::Write, &region.path) {
            continue;
        }
        let entry = actor.entry("incident.purge", "incident", Some(i.id.to_string()), &region);
        match store::purge(&ctx.db, i.id, ctx.clock.now(), retention, entry).await {
            Ok(report) => done.push(report),
            // Another instance purged it meanwhile.
            Err(shouwang_db::DbError::Invalid(_)) => {}
            Err(e) => tracing::warn!(incident = %i.id, error = %e, "incident purge failed"),
        }
    }
    Ok(done)
}

/// Runs [`purge_due`] now and then every `every`, as the operator, until the
/// task is aborted. The server starts it; several instances may run it at
/// once (each incident is claimed by one of them).
pub fn spawn_purge_job(ctx: Context, retention: u32, every: StdDuration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let actor = Actor::operator("incident-purge");
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match purge_due(&ctx, &actor, retention).await {
                Ok(done) if !done.is_empty() => tracing::info!(purged = done.len(), "closed incidents purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "incident purge job"),
            }
        }
    })
}

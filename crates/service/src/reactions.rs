//! Reactions that cross capabilities, one entry point each, in one write
//! transaction (SPEC §4.3: "when the holder becomes isolated or infected,
//! their open work moves to the backup and the change is logged").
//!
//! A volunteer who can no longer serve (isolated, infected, rejected,
//! exempted, or out of their group) sets off the same chain, all or nothing:
//! 1. the change itself (health, review decision, group membership);
//! 2. every key role they hold passes to its backup (`role_handover` rows);
//! 3. they are stood down from shifts not yet begun, and the places are
//!    offered to others under the fatigue limits;
//! 4. their live claims and open tasks go to the backup who took their role,
//!    or are released with the cause in the task's history;
//! 5. the audit entry.
//!
//! Later capabilities (a positive test, a sealed building) call the same
//! [`stand_down_in`] inside their own transaction instead of a copy.

use shouwang_db::entity::region;
use shouwang_db::mobilisation::{self as mob, Handover, Review};
use shouwang_db::tasks::{self as task_store, WorkMoved};
use shouwang_db::{ConnectionTrait, DbError, audit};
use shouwang_domain::HealthStatus;
use shouwang_domain::access::{Action, Resource};
use uuid::Uuid;

use crate::rosters::{StandDown, now_minutes};
use crate::{Actor, Context, Error};

/// Everything that moved because a volunteer stopped serving.
#[derive(Debug, Clone, Default)]
pub struct Reaction {
    pub handovers: Vec<Handover>,
    pub stood_down: StandDown,
    pub work: WorkMoved,
}

/// The chain of steps 2 to 4 for one volunteer, inside the caller's write
/// transaction. `cause` is the code recorded with each change (`isolated`,
/// `infected`, or `stood_down` for a rejection, an exemption or leaving one's group).
pub async fn stand_down_in(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    actor: &Actor,
    community_id: Uuid,
    volunteer_id: Uuid,
    cause: &str,
) -> Result<Reaction, Error> {
    let handovers = mob::hand_over_roles_of(conn, volunteer_id, cause, actor.user_id).await?;
    let stood_down = crate::rosters::stand_down_in(conn, community_id, volunteer_id, now_minutes(&ctx.clock)).await?;
    // Their open work goes to whoever took over their first role.
    let backup = handovers.iter().find(|h| h.from == Some(volunteer_id) && !h.backup_lost).and_then(|h| h.to);
    let work =
        task_store::hand_over_work_in(conn, volunteer_id, backup, cause, &actor.task_actor(), ctx.clock.now()).await?;
    Ok(Reaction { handovers, stood_down, work })
}

fn detail(entry: &mut audit::Entry, r: &Reaction) {
    if let serde_json::Value::Object(map) = &mut entry.detail {
        map.insert("handovers".into(), r.handovers.len().into());
        map.insert("shifts_reopened".into(), r.stood_down.reopened.into());
        map.insert("claims_handed".into(), r.work.claims_handed.into());
        map.insert("claims_released".into(), r.work.claims_released.into());
        map.insert("tasks_handed".into(), r.work.tasks_handed.len().into());
        map.insert("tasks_released".into(), r.work.tasks_released.len().into());
    }
}

async fn commit(tx: shouwang_db::DatabaseTransaction) -> Result<(), Error> {
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// A volunteer's health changes. Isolated or infected: the whole chain;
/// recovered or active again: only the change. A repeat changes nothing.
pub async fn health_changed(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    volunteer_id: Uuid,
    health: HealthStatus,
) -> Result<Reaction, Error> {
    actor.require(Resource::Volunteer, Action::Write, &community.path)?;
    let tx = ctx.db.begin_write().await?;
    let Some(before) = mob::set_health_in(&tx, community.id, volunteer_id, health).await? else {
        return Ok(Reaction::default());
    };
    let reaction = if health.can_serve() {
        Reaction::default()
    } else {
        stand_down_in(&tx, ctx, actor, community.id, volunteer_id, health.code()).await?
    };
    let mut entry = actor.entry("volunteer_health", "volunteer", Some(volunteer_id.to_string()), community);
    entry.detail = serde_json::json!({ "before": before, "after": health.code() });
    detail(&mut entry, &reaction);
    audit::append(&tx, entry).await?;
    commit(tx).await?;
    Ok(reaction)
}

/// Duty reports are verified, rejected or exempted in bulk. A rejected or
/// exempted person leaves their group and the whole chain runs for each,
/// in the one transaction of the decision. Answers how many changed.
pub async fn reviewed(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    ids: &[Uuid],
    decision: &Review,
) -> Result<(u64, Vec<Reaction>), Error> {
    actor.require(Resource::Volunteer, Action::Write, &community.path)?;
    if ids.is_empty() {
        return Ok((0, Vec::new()));
    }
    let tx = ctx.db.begin_write().await?;
    let (changed, people) = mob::review_in(&tx, community.id, ids, decision, actor.user_id).await?;
    // Rejected or exempted: no longer serving ("stood_down" in the hand-over log).
    let cause = (*decision != Review::Verify).then_some("stood_down");
    let mut reactions = Vec::new();
    if let Some(cause) = cause {
        for v in people {
            reactions.push(stand_down_in(&tx, ctx, actor, community.id, v, cause).await?);
        }
    }
    let mut entry = actor.entry("duty_review", "volunteer", None, community);
    mob::describe_review(&mut entry, decision, changed);
    audit::append(&tx, entry).await?;
    commit(tx).await?;
    Ok((changed, reactions))
}

/// A volunteer moves to another group or out of any. Leaving a group hands
/// over the roles they held in it; leaving all groups runs the whole chain.
pub async fn group_changed(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    volunteer_id: Uuid,
    group: Option<Uuid>,
) -> Result<Reaction, Error> {
    // The group they leave and the group they join must both be the actor's
    // to run (the whole community for the committee; their own branch or
    // group for a secretary or leader).
    let from = mob::group_of(&ctx.db.read, volunteer_id).await?;
    for g in [from, group].into_iter().flatten() {
        let part = crate::groups::part_of(ctx, actor, Some(g), None).await?;
        actor.require_in(Resource::Group, Action::Write, &community.path, part)?;
    }
    if from.is_none() && group.is_none() {
        actor.require(Resource::Group, Action::Write, &community.path)?;
    }
    let tx = ctx.db.begin_write().await?;
    let left = mob::move_to_group_in(&tx, community.id, volunteer_id, group, actor.user_id).await?;
    let reaction = if left && group.is_none() {
        stand_down_in(&tx, ctx, actor, community.id, volunteer_id, "stood_down").await?
    } else {
        Reaction::default()
    };
    let mut entry = actor.entry("group_move", "volunteer", Some(volunteer_id.to_string()), community);
    detail(&mut entry, &reaction);
    audit::append(&tx, entry).await?;
    commit(tx).await?;
    Ok(reaction)
}

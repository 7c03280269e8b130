//! The seed night, replayed (SPEC §4.4): "at 10 pm the secretary posted the
//! task in the WeChat group; within minutes 30 members had signed up for the
//! 500 boxes of vegetables arriving overnight". 商务区第一社区 gets that
//! sign-up sheet with 30 of its members confirmed in order of arrival and a
//! few more on the waiting list, and the task behind it: sent by the
//! committee to the second temporary branch, by the branch to the group that
//! looks after 云飞雅苑, and assigned to that group's members. Two tasks of
//! the same day show the other ends of a task's life: a disinfection run done
//! and checked by a second person, and a medicine run that could not be
//! completed, with its reason.
//!
//! Times are relative to the day the demo runs (tonight 22:00 Beijing time),
//! like the roster and the group-buy timetable, which only make sense in the
//! future. Idempotent: a community that already has a sheet keeps it, and one
//! that already has tasks gets no more. The night goes on in `rosters.rs`:
//! the gates' duty roster and the group-buy timetable.

use anyhow::Context;
use shouwang_db::entity::{region, task};
use shouwang_db::mobilisation::{self as mob, GroupView};
use shouwang_db::signup::{self, NewSheet};
use shouwang_db::tasks::{self as store, Actor, NewTask};
use shouwang_db::{audit, registry};
use shouwang_domain::task::{Priority, TaskAction, TaskKind};
use shouwang_domain::{BranchKind, HealthStatus, RegionCode};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};
use uuid::Uuid;

/// The share token of the vegetables sheet, the same on every machine.
pub const VEGETABLES_TOKEN: &str = "demo-sy-vegetables";
/// The title of the delivery task the sheet signs people up for.
pub const DELIVERY_TITLE: &str = "蔬菜包卸车分发到户（500箱）";

pub async fn create(ctx: &shouwang_service::Context) -> anyhow::Result<()> {
    let db = &ctx.db;
    let c = registry::community_by_code(&db.read, &RegionCode::parse("sy").context("demo code")?).await?;
    vegetables_sheet(ctx, &c).await?;
    tasks(ctx, &c).await?;
    super::rosters::create(ctx, &c).await?;
    super::supplies::create(ctx, &c).await
}

pub(super) fn entry(action: &'static str, target_kind: &'static str, c: &region::Model) -> audit::Entry {
    audit::Entry {
        user_id: None,
        username: "demo".into(),
        action,
        target_kind,
        target_id: None,
        region_path: Some(c.path.clone()),
        detail: serde_json::json!({}),
        peer: None,
    }
}

async fn vegetables_sheet(ctx: &shouwang_service::Context, c: &region::Model) -> anyhow::Result<()> {
    let db = &ctx.db;
    if !signup::sheets_of_community(&db.read, c.id).await?.is_empty() {
        return Ok(());
    }
    let sheet = signup::create_sheet(
        db,
        c.id,
        NewSheet {
            title: "今晚10点 蔬菜包到货，卸车分发到户（500箱）".into(),
            note: Some("在云飞雅苑门口集合，自带手套；每人搬运上限20箱".into()),
            unit: Some("箱".into()),
            capacity: 30,
            quantity_max: Some(20),
            quantity_total: Some(500),
            ..Default::default()
        },
        VEGETABLES_TOKEN.into(),
        None,
        entry("signup_sheet_open", "signup_sheet", c),
    )
    .await?;
    // The second branch's members sign up, group by group, as they saw the message.
    let groups = mob::groups_of_community(&db.read, c.id).await?;
    let people: Vec<_> = groups
        .iter()
        .filter(|g| !g.compounds.is_empty())
        .flat_map(|g| g.members.iter())
        .filter(|m| can_serve(m))
        .take(34)
        .map(|m| m.id)
        .collect();
    for (i, id) in people.iter().enumerate() {
        let boxes = [18, 15, 17, 16][i % 4];
        signup::join(db, sheet.id, *id, boxes).await?;
    }
    Ok(())
}

fn can_serve(v: &shouwang_db::entity::volunteer::Model) -> bool {
    HealthStatus::from_code(&v.health).is_some_and(HealthStatus::can_serve)
}

/// A Beijing wall-clock time `days` after `day`.
fn beijing(day: Date, days: i64, hour: u8) -> anyhow::Result<OffsetDateTime> {
    let d = day.checked_add(time::Duration::days(days)).context("demo date")?;
    let t = Time::from_hms(hour, 0, 0).context("demo time")?;
    Ok(shouwang_domain::clock::from_beijing(PrimitiveDateTime::new(d, t)))
}

fn actor(name: &str) -> Actor {
    Actor { user_id: None, name: name.to_string() }
}

fn holder_name(g: &GroupView) -> String {
    g.leader
        .as_ref()
        .and_then(|r| r.holder.as_ref())
        .map_or_else(|| format!("{}组长", g.group.name), |v| v.name.clone())
}

/// Who sends work down the chain: the committee, the branch, the group.
struct Chain {
    committee: Actor,
    branch: (Uuid, String),
    secretary: Actor,
}

/// Sends a task from the committee to the branch, then from the branch to
/// one of its groups: two steps, each recorded in the task's history.
async fn dispatch_down(
    ctx: &shouwang_service::Context,
    c: &region::Model,
    t: &task::Model,
    chain: &Chain,
    g: &GroupView,
) -> anyhow::Result<()> {
    let db = &ctx.db;
    store::dispatch(
        db,
        t.community_id,
        t.id,
        Some(chain.branch.clone()),
        None,
        &chain.committee,
        entry("task_dispatch", "task", c),
    )
    .await?;
    store::dispatch(
        db,
        t.community_id,
        t.id,
        Some(chain.branch.clone()),
        Some((g.group.id, g.group.name.clone())),
        &chain.secretary,
        entry("task_dispatch", "task", c),
    )
    .await?;
    Ok(())
}

async fn act(
    ctx: &shouwang_service::Context,
    c: &region::Model,
    t: &task::Model,
    action: TaskAction,
    reason: Option<&str>,
    by: &Actor,
) -> anyhow::Result<()> {
    let db = &ctx.db;
    store::change_state(db, t.community_id, t.id, action, reason, by, entry("task_state", "task", c)).await?;
    Ok(())
}

async fn tasks(ctx: &shouwang_service::Context, c: &region::Model) -> anyhow::Result<()> {
    let db = &ctx.db;
    if !store::tasks_of_community(&db.read, c.id, None).await?.is_empty() {
        return Ok(());
    }
    let branches = mob::branches_of_community(&db.read, c.id).await?;
    let Some(second) = branches.iter().find(|b| b.branch.kind == BranchKind::NearbyMembers.code()) else {
        return Ok(());
    };
    let secretary =
        second.secretary.as_ref().and_then(|r| r.holder.as_ref()).map_or("支部书记", |v| v.name.as_str());
    let chain = Chain {
        committee: actor("叶书记（社区居委会）"),
        branch: (second.branch.id, second.branch.name.clone()),
        secretary: actor(secretary),
    };
    let groups: Vec<GroupView> = mob::groups_of_community(&db.read, c.id)
        .await?
        .into_iter()
        .filter(|g| g.group.branch_id == Some(second.branch.id) && !g.compounds.is_empty())
        .collect();
    // The group that looks after 云飞雅苑, where the lorry unloads; then two others.
    let Some(delivery) = groups.iter().find(|g| g.compounds.iter().any(|(_, n)| n == "云飞雅苑")).or(groups.first())
    else {
        return Ok(());
    };
    let others: Vec<&GroupView> = groups.iter().filter(|g| g.group.id != delivery.group.id).take(2).collect();
    let today = ctx.clock.today();

    // Morning: a medicine run that could not be completed.
    if let Some(g) = others.get(1) {
        let (compound, name) = g.compounds[0].clone();
        let t = store::create_task(
            db,
            c.id,
            NewTask {
                title: format!("为{name}独居老人代购胰岛素（3户）"),
                kind: TaskKind::Medicine,
                place_region_id: Some(compound),
                place_text: Some("医保卡已在社区服务中心登记".into()),
                starts_at: Some(beijing(today, 0, 9)?),
                ends_at: Some(beijing(today, 0, 12)?),
                headcount: 1,
                priority: Priority::Urgent,
                skills: String::new(),
                signup_sheet_id: None,
            },
            &chain.committee,
            entry("task_create", "task", c),
        )
        .await?;
        dispatch_down(ctx, c, &t, &chain, g).await?;
        let runner = g.members.iter().filter(|m| Some(m.id) != g.leader_id() && can_serve(m)).take(1);
        let runner: Vec<_> = runner.collect();
        let ids: Vec<Uuid> = runner.iter().map(|m| m.id).collect();
        store::assign(db, t.community_id, t.id, &ids, &actor(&holder_name(g)), entry("task_assign", "task", c)).await?;
        if let Some(r) = runner.first() {
            let by = actor(&r.name);
            act(ctx, c, &t, TaskAction::Start, None, &by).await?;
            act(
                ctx,
                c,
                &t,
                TaskAction::Fail,
                Some("定点药房胰岛素缺货，已登记需求并转告社区卫生服务中心，明早到市中心医院药房再购"),
                &by,
            )
            .await?;
        }
    }

    // Afternoon: a disinfection run, done and checked by a second person.
    if let Some(g) = others.first() {
        let (compound, name) = g.compounds[0].clone();
        let t = store::create_task(
            db,
            c.id,
            NewTask {
                title: format!("{name}楼道及垃圾站消杀"),
                kind: TaskKind::Disinfection,
                place_region_id: Some(compound),
                place_text: Some("消毒液在物业值班室领取".into()),
                starts_at: Some(beijing(today, 0, 14)?),
                ends_at: Some(beijing(today, 0, 17)?),
                headcount: 2,
                priority: Priority::Normal,
                skills: String::new(),
                signup_sheet_id: None,
            },
            &chain.committee,
            entry("task_create", "task", c),
        )
        .await?;
        dispatch_down(ctx, c, &t, &chain, g).await?;
        let pair: Vec<_> = g.members.iter().filter(|m| Some(m.id) != g.leader_id() && can_serve(m)).take(2).collect();
        let ids: Vec<Uuid> = pair.iter().map(|m| m.id).collect();
        let leader = actor(&holder_name(g));
        store::assign(db, t.community_id, t.id, &ids, &leader, entry("task_assign", "task", c)).await?;
        if let Some(first) = pair.first() {
            let by = actor(&first.name);
            act(ctx, c, &t, TaskAction::Start, None, &by).await?;
            act(ctx, c, &t, TaskAction::Finish, None, &by).await?;
            // Checked by the group leader, not by the person who marked it done.
            act(ctx, c, &t, TaskAction::Check, None, &leader).await?;
        }
    }

    // Tonight: the vegetables, with the sign-up sheet that gathers the other hands.
    let sheet = signup::sheets_of_community(&db.read, c.id).await?.into_iter().find(|s| s.title.contains("蔬菜包"));
    let (compound, name) = delivery
        .compounds
        .iter()
        .find(|(_, n)| n == "云飞雅苑")
        .cloned()
        .unwrap_or_else(|| delivery.compounds[0].clone());
    let t = store::create_task(
        db,
        c.id,
        NewTask {
            title: DELIVERY_TITLE.into(),
            kind: TaskKind::SupplyDelivery,
            place_region_id: Some(compound),
            place_text: Some(format!("{name}门口卸车，按楼栋分发到户")),
            starts_at: Some(beijing(today, 0, 22)?),
            ends_at: Some(beijing(today, 1, 12)?),
            headcount: 30,
            priority: Priority::High,
            skills: String::new(),
            signup_sheet_id: sheet.map(|s| s.id),
        },
        &chain.committee,
        entry("task_create", "task", c),
    )
    .await?;
    dispatch_down(ctx, c, &t, &chain, delivery).await?;
    let members: Vec<Uuid> = delivery.members.iter().filter(|m| can_serve(m)).map(|m| m.id).collect();
    store::assign(db, t.community_id, t.id, &members, &actor(&holder_name(delivery)), entry("task_assign", "task", c))
        .await?;
    tracing::info!(community = c.code, group = delivery.group.name, assigned = members.len(), "demo tasks");
    Ok(())
}

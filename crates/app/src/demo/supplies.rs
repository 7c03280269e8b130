//! The seed mornings, replayed (SPEC §4.5, issue 12): "500 boxes of
//! vegetables arrived before dawn and were at every door by noon", and "170
//! portions of vegetables, meat, fruit and eggs went by bus to 蓝天花园's
//! gate; volunteers carried them hand to hand". In 商务区第一社区 the 500
//! boxes go to 云飞雅苑: counted in at the gate, allocated one box per
//! household (what is left goes to the reserve pool), one run per building
//! given to the group that looks after the compound, every run claimed by one
//! of its members and every door confirmed: the coverage list is empty. The
//! 170 portions go to 蓝天花园, need first; three of its runs are done and the
//! rest still on the coverage list. The reserve pool gives six boxes to the
//! elderly living alone and a building's sharing shelf (互助架) takes in and
//! gives out masks. Every step is in the public ledger.
//!
//! Idempotent: a community that already has a consignment gets no more.

use anyhow::Context;
use shouwang_db::entity::region;
use shouwang_db::mobilisation::{self as mob, GroupView};
use shouwang_db::supplies::{self as store, RecordedBy};
use shouwang_db::tasks::{self as task_store, Actor};
use shouwang_domain::supplies::DeliveryStatus;
use shouwang_domain::task::WorkKind;
use shouwang_service::supplies::{
    self as svc, AllocationInput, ConsignmentInput, CountInput, ItemInput, RuleInput, StockInput,
};
use uuid::Uuid;

pub async fn create(ctx: &shouwang_service::Context, c: &region::Model) -> anyhow::Result<()> {
    let db = &ctx.db;
    if !store::consignments_of(&db.read, c.id).await?.is_empty() {
        return Ok(());
    }
    let operator = shouwang_service::Actor::operator("居委会");
    let compounds = store::compounds_of(&db.read, c.id).await?;
    let compound = |name: &str| compounds.iter().find(|(_, n)| n == name).map(|(id, _)| *id);
    let groups = mob::groups_of_community(&db.read, c.id).await?;

    // 500 boxes for 云飞雅苑, at every door by noon.
    let vegetables =
        consignment(ctx, &operator, &c.code, "保供蔬菜包（500箱）", "government", &[("蔬菜包", "箱", 500)]).await?;
    let yf = compound("云飞雅苑").context("demo compound 云飞雅苑")?;
    allocate(ctx, &operator, vegetables, "per_household", yf, 0).await?;
    deliver(ctx, vegetables, &groups, yf, usize::MAX).await?;

    // 170 portions for 蓝天花园, need first; the morning is not over.
    let portions = consignment(
        ctx,
        &operator,
        &c.code,
        "荤素果蛋套餐（170份）",
        "government",
        &[("蔬菜", "份", 170), ("肉", "份", 170), ("水果", "份", 170), ("鸡蛋", "盒", 170)],
    )
    .await?;
    let lt = compound("蓝天花园").context("demo compound 蓝天花园")?;
    allocate(ctx, &operator, portions, "per_household", lt, 0).await?;
    deliver(ctx, portions, &groups, lt, 3).await?;

    // The reserve pool and a sharing shelf in use.
    let stock = |place: &str, item: &str, unit: &str, quantity: i64, into: bool, reason: &str| StockInput {
        place: place.into(),
        item: item.into(),
        unit: unit.into(),
        quantity,
        into,
        reason: reason.into(),
    };
    for s in [
        stock("reserve", "蔬菜包", "箱", 6, false, "送独居老人应急"),
        stock("shelf", "口罩", "个", 50, true, "3号楼互助架：居民放入"),
        stock("shelf", "口罩", "个", 12, false, "3号楼互助架：居民取用"),
        stock("shelf", "退烧药", "盒", 8, true, "3号楼互助架：居民放入"),
    ] {
        svc::move_stock(ctx, &operator, &c.code, &s).await?;
    }
    Ok(())
}

async fn consignment(
    ctx: &shouwang_service::Context,
    actor: &shouwang_service::Actor,
    community: &str,
    title: &str,
    source: &str,
    items: &[(&str, &str, i64)],
) -> anyhow::Result<Uuid> {
    let input = ConsignmentInput {
        title: title.into(),
        source: source.into(),
        arrived_at: Some(shouwang_domain::clock::minute_text(ctx.clock.now())),
        items: items.iter().map(|(n, u, q)| ItemInput { name: (*n).into(), unit: (*u).into(), quantity: *q }).collect(),
    };
    let id = svc::create_consignment(ctx, actor, community, &input).await?;
    let detail = svc::consignment(ctx, actor, id).await?;
    let counts: Vec<CountInput> = detail
        .consignment
        .items
        .iter()
        .map(|i| CountInput { item_id: i.id, received: i.expected, written_off: 0 })
        .collect();
    svc::receive(ctx, actor, id, &counts).await?;
    Ok(id)
}

async fn allocate(
    ctx: &shouwang_service::Context,
    actor: &shouwang_service::Actor,
    id: Uuid,
    basis: &str,
    compound: Uuid,
    reserve: i64,
) -> anyhow::Result<()> {
    let detail = svc::consignment(ctx, actor, id).await?;
    let input = AllocationInput {
        basis: basis.into(),
        items: detail.consignment.items.iter().map(|i| RuleInput { item_id: i.id, per_share: 1, reserve }).collect(),
        compounds: vec![compound],
    };
    svc::allocate(ctx, actor, id, &input).await?;
    Ok(())
}

/// The runs of `compound` go to the group covering it; the first `runs` of
/// them are claimed by its members and every door is confirmed.
async fn deliver(
    ctx: &shouwang_service::Context,
    consignment: Uuid,
    groups: &[GroupView],
    compound: Uuid,
    runs: usize,
) -> anyhow::Result<()> {
    let db = &ctx.db;
    let group = groups.iter().find(|g| g.compounds.iter().any(|(id, _)| *id == compound)).or(groups.first());
    let c = store::consignment(&db.read, consignment).await?.context("demo consignment")?;
    let community = shouwang_db::registry::region_by_id(&db.read, c.row.community_id).await?.context("community")?;
    let entry = |action: &'static str| super::work::entry(action, "delivery_run", &community);
    let now = ctx.clock.now();
    for (i, run) in store::runs_of(&db.read, consignment).await?.into_iter().enumerate() {
        if let Some(g) = group {
            store::set_run_group(db, run.run.id, Some(g.group.id), entry("supplies.run_group")).await?;
        }
        if i >= runs {
            continue;
        }
        let Some(member) = group.and_then(|g| g.members.get(i % g.members.len().max(1))) else { continue };
        let by = Actor { user_id: None, name: member.name.clone() };
        task_store::claim(
            db,
            c.row.community_id,
            WorkKind::BuildingRun,
            run.run.id,
            member.id,
            time::Duration::hours(2),
            &by,
            now,
        )
        .await?;
        let recorder = RecordedBy::Volunteer { id: member.id, name: member.name.clone() };
        for door in store::doors_of_run(&db.read, run.run.id).await? {
            let key = format!("demo-{}", door.delivery.id.simple());
            store::record(
                db,
                door.delivery.id,
                DeliveryStatus::Delivered,
                &key,
                &recorder,
                now,
                entry("supplies.door"),
            )
            .await?;
        }
    }
    Ok(())
}

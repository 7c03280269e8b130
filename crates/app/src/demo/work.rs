//! The seed night, replayed (SPEC §4.4): "at 10 pm the secretary posted the
//! task in the WeChat group; within minutes 30 members had signed up for the
//! 500 boxes of vegetables arriving overnight". 商务区第一社区 gets that
//! sign-up sheet with 30 of its members confirmed in order of arrival and a
//! few more on the waiting list. Idempotent: a community that already has a
//! sheet is left alone.

use anyhow::Context;
use shouwang_db::mobilisation as mob;
use shouwang_db::signup::{self, NewSheet};
use shouwang_db::{Db, audit, registry};
use shouwang_domain::RegionCode;

pub async fn create(db: &Db) -> anyhow::Result<()> {
    let c = registry::community_by_code(&db.read, &RegionCode::parse("sy").context("demo code")?).await?;
    if !signup::sheets_of_community(&db.read, c.id).await?.is_empty() {
        return Ok(());
    }
    let entry = audit::Entry {
        user_id: None,
        username: "demo".into(),
        action: "signup_sheet_open",
        target_kind: "signup_sheet",
        target_id: None,
        region_path: Some(c.path.clone()),
        detail: serde_json::json!({}),
        peer: None,
    };
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
        // A fixed token, so the demo's share link is the same on every machine.
        "demo-sy-vegetables".into(),
        None,
        entry,
    )
    .await?;
    // The second branch's members sign up, group by group, as they saw the message.
    let groups = mob::groups_of_community(&db.read, c.id).await?;
    let people: Vec<_> = groups
        .iter()
        .filter(|g| !g.compounds.is_empty())
        .flat_map(|g| g.members.iter())
        .filter(|m| shouwang_domain::HealthStatus::from_code(&m.health).is_some_and(|h| h.can_serve()))
        .take(34)
        .map(|m| m.id)
        .collect();
    for (i, id) in people.iter().enumerate() {
        let boxes = [18, 15, 17, 16][i % 4];
        signup::join(db, sheet.id, *id, boxes).await?;
    }
    Ok(())
}

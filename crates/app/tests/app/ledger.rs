//! `shouwang ledger verify --community CODE`: exit 0 and the count when the
//! chain holds; exit 1 naming the first entry (seq, time, kind) when a row
//! was changed in the database by hand. Both backends.

use shouwang_db::ConnectionTrait;
use shouwang_db::ledger::{NewEntry, append_in};
use shouwang_db::registry::community_by_code;
use shouwang_domain::RegionCode;
use shouwang_domain::ledger::LedgerKind;
use time::macros::datetime;
use uuid::Uuid;

use crate::cli::Env;

async fn with_entries() -> Env {
    let env = Env::new().await;
    env.community();
    env.ok(&["incident", "open", "--region", "sy", "--name", "2022年4月商一社区保供"]);
    let db = &env.db.db;
    let community = community_by_code(&db.read, &RegionCode::parse("sy").unwrap()).await.unwrap().id;
    let incident = shouwang_db::incidents::current_in(&db.read, community).await.unwrap();
    let veg = Uuid::now_v7();
    let entry = |kind, quantity, minute: i64| NewEntry {
        community_id: community,
        incident_id: incident,
        consignment_id: Some(veg),
        consignment_title: "蓝天花园蔬菜肉蛋 170份".into(),
        kind,
        item: "蔬菜肉蛋包".into(),
        unit: "份".into(),
        quantity,
        note: String::new(),
        at: datetime!(2022-04-11 02:00 UTC) + time::Duration::minutes(minute),
    };
    let tx = db.begin_write().await.unwrap();
    append_in(
        &tx,
        &[
            entry(LedgerKind::Receipt, 170, 0),
            entry(LedgerKind::Allocation, 165, 10),
            entry(LedgerKind::Reserve, 5, 11),
            entry(LedgerKind::Delivery, 165, 40),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    env
}

#[tokio::test]
async fn ledger_verify_exits_0_when_the_chain_holds() {
    let env = with_entries().await;
    let out = env.ok(&["ledger", "verify", "--community", "sy"]);
    assert!(out.contains("台账完整") && out.contains("4 条"), "{out}");
    let en = env.ok(&["--lang", "en", "ledger", "verify", "--community", "sy"]);
    assert!(en.contains("all 4 entries verified"), "{en}");
    let unknown = env.run(&["ledger", "verify", "--community", "nowhere"]);
    assert!(!unknown.status.success());
}

#[tokio::test]
async fn ledger_verify_exits_1_naming_an_entry_changed_by_hand() {
    let env = with_entries().await;
    env.db.db.write.execute_unprepared("UPDATE ledger_entry SET quantity = 150 WHERE seq = 4").await.unwrap();
    let out = env.run(&["ledger", "verify", "--community", "sy"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("第 4 条"), "{stdout}");
    assert!(stdout.contains("2022-04-11T02:40:00.000001Z"), "names the time: {stdout}");
    assert!(stdout.contains("delivery"), "names the kind: {stdout}");
    assert!(stdout.contains("被改动"), "says why: {stdout}");

    env.db.db.write.execute_unprepared("DELETE FROM ledger_entry WHERE seq = 2").await.unwrap();
    let out = env.run(&["--lang", "en", "ledger", "verify", "--community", "sy"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("broken at entry 3") && stdout.contains("reserve"), "{stdout}");
}

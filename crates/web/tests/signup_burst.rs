//! SPEC §6: 1,000 simultaneous sign-ups to a sheet of 30 through the running
//! server. On SQLite one instance; on PostgreSQL (SHOUWANG_TEST_POSTGRES_URL)
//! two instances sharing the database. Exactly 30 are confirmed, the rest
//! wait in arrival order, nobody is on the sheet twice.
#![allow(clippy::unwrap_used)]

mod burst;

use shouwang_db::signup;
use shouwang_db::testing::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_simultaneous_sign_ups_never_oversell_a_sheet_of_thirty() {
    let instances = if std::env::var(shouwang_db::testing::POSTGRES_ENV).is_ok_and(|u| !u.is_empty()) { 2 } else { 1 };
    let b = burst::setup(TestDb::new().await, 1000, 30, instances).await;
    let (answers, _) = burst::fire(&b).await;
    assert!(answers.iter().all(|a| a.status == 200), "every join is answered");
    assert_eq!(answers.iter().filter(|a| a.outcome == "confirmed").count(), 30);
    assert_eq!(answers.iter().filter(|a| a.outcome == "waiting").count(), 970);

    let db = &b.t.db;
    let sheet = signup::sheet_by_id(&db.read, b.sheet).await.unwrap().unwrap();
    assert_eq!((sheet.confirmed, sheet.arrivals), (30, 1000));
    let entries = signup::entries(&db.read, b.sheet).await.unwrap();
    assert_eq!(entries.len(), 1000, "nobody twice");
    let mut seqs: Vec<i32> = entries.iter().map(|(e, _)| e.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=1000).collect::<Vec<_>>(), "arrival numbers 1..1000, no gap, no repeat");
    // The first 30 arrivals hold the places.
    assert!(entries.iter().filter(|(e, _)| e.seq <= 30).all(|(e, _)| e.status == "confirmed"));
}

//! SPEC §6: 1,000 simultaneous sign-ups to a sheet of 30 through the running
//! server. On SQLite one instance; on PostgreSQL (SHOUWANG_TEST_POSTGRES_URL)
//! two instances sharing the database. Exactly 30 are confirmed, the rest
//! wait in arrival order, nobody is on the sheet twice.

use shouwang_db::signup;
use shouwang_db::testing::TestDb;

use crate::burst;

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

#[tokio::test]
async fn the_sheet_reads_as_wechat_text_and_a_withdrawal_moves_the_waiting_list_up() {
    let b = burst::setup(TestDb::new().await, 3, 2, 1).await;
    let client = reqwest::Client::new();
    let url = |p: &str| format!("{}/api/v1/signup-sheets/{}{p}", b.bases[0], b.sheet);
    for token in &b.tokens {
        let r = client.post(url("/join")).bearer_auth(token).json(&serde_json::json!({})).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let sheet: serde_json::Value =
        client.get(url("")).bearer_auth(&b.tokens[2]).send().await.unwrap().json().await.unwrap();
    assert_eq!((sheet["confirmed"].as_i64(), sheet["waiting"].as_u64()), (Some(2), Some(1)));
    let text = sheet["text"].as_str().unwrap();
    assert!(text.starts_with("#接龙\n今晚10点 蔬菜包卸货分发\n"), "{text}");
    assert!(text.contains("1. 党员0000\n2. 党员0001\n\n候补：\n1. 党员0002\n"), "{text}");
    assert!(sheet["share_path"].as_str().unwrap().starts_with("/s/"));

    let r: serde_json::Value =
        client.post(url("/withdraw")).bearer_auth(&b.tokens[0]).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["promoted"], 1);
    let sheet: serde_json::Value =
        client.get(url("")).bearer_auth(&b.tokens[2]).send().await.unwrap().json().await.unwrap();
    let mine: Vec<_> = sheet["entries"].as_array().unwrap().iter().filter(|e| e["mine"] == true).collect();
    assert_eq!(mine[0]["status"], "confirmed", "the waiting one moved up and sees it");
    // Joining again after a retry answers the same place.
    let r: serde_json::Value = client
        .post(url("/join"))
        .bearer_auth(&b.tokens[1])
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((r["status"].as_str(), r["repeated"].as_bool()), (Some("confirmed"), Some(true)));
}

//! The public ledger's verification over a million entries (issue 12: `ledger
//! verify` over 1,000,000 entries under 2 s). Appends 1,000,000 entries to one
//! community through `append_in` (10,000 per write transaction), then times
//! `verify_community` (every entry read page by page and rehashed) and
//! `books_of` (the public page's sums), on SQLite and, when
//! SHOUWANG_TEST_POSTGRES_URL is set, on PostgreSQL.
//!
//! Run: `cargo bench -p shouwang-db --bench ledger` (`LEDGER_ENTRIES=100000` for a shorter run).

use std::time::Instant;

use shouwang_db::ledger::{self, NewEntry};
use shouwang_db::registry::{add_region, community_by_code, open_incident};
use shouwang_db::testing::{POSTGRES_ENV, TestDb};
use shouwang_domain::ledger::LedgerKind;
use shouwang_domain::{RegionCode, RegionKind};
use time::macros::datetime;
use uuid::Uuid;

const BATCH: usize = 10_000;

/// The `shouwang` binary's allocator, so that the figures are the CLI's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("code")
}

async fn run(name: &str, t: TestDb, total: usize) {
    let db = &t.db;
    add_region(db, RegionKind::City, &code("sh"), "上海市", None).await.expect("city");
    add_region(db, RegionKind::District, &code("sh-pd"), "浦东新区", Some(&code("sh"))).await.expect("district");
    add_region(db, RegionKind::Subdistrict, &code("sh-pd-yf"), "洋泾街道", Some(&code("sh-pd"))).await.expect("sub");
    add_region(db, RegionKind::Community, &code("sc"), "隧成居民区", Some(&code("sh-pd-yf"))).await.expect("community");
    open_incident(db, &code("sh"), "2022年上海疫情防控").await.expect("incident");
    let community = community_by_code(&db.read, &code("sc")).await.expect("community").id;
    let incident = shouwang_db::incidents::current_in(&db.read, community).await.expect("incident");

    // A consignment every 500 entries: receipts, allocations, deliveries.
    let kinds = [LedgerKind::Receipt, LedgerKind::Allocation, LedgerKind::Delivery, LedgerKind::Delivery];
    let start = datetime!(2022-04-01 00:00 UTC);
    let started = Instant::now();
    let mut consignment = Uuid::now_v7();
    let mut written = 0usize;
    while written < total {
        let n = BATCH.min(total - written);
        let batch: Vec<NewEntry> = (written..written + n)
            .map(|i| {
                if i % 500 == 0 {
                    consignment = Uuid::now_v7();
                }
                NewEntry {
                    community_id: community,
                    incident_id: incident,
                    consignment_id: Some(consignment),
                    consignment_title: format!("浦东保供蔬菜包 第{}批", i / 500 + 1),
                    kind: kinds[i % kinds.len()],
                    item: "蔬菜包".into(),
                    unit: "箱".into(),
                    quantity: 1 + (i % 500) as i64,
                    note: if i % 7 == 0 { "凌晨到货，门口清点".into() } else { String::new() },
                    at: start + time::Duration::seconds(i as i64),
                }
            })
            .collect();
        let tx = db.begin_write().await.expect("begin");
        ledger::append_in(&tx, &batch).await.expect("append");
        tx.commit().await.expect("commit");
        written += n;
    }
    let append_s = started.elapsed().as_secs_f64();
    db.checkpoint().await.expect("checkpoint");

    let mut verify_s = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let report = ledger::verify_community(&db.read, community).await.expect("verify");
        verify_s.push(started.elapsed().as_secs_f64());
        assert!(report.holds(), "{report:?}");
        assert_eq!(report.verified, total as u64);
    }
    let started = Instant::now();
    let books = ledger::books_of(&db.read, community).await.expect("books");
    let books_s = started.elapsed().as_secs_f64();
    assert_eq!(books.entries, total as u64);

    let best = verify_s.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "{name}: {total} entries appended in {append_s:.1} s ({:.0}/s); verify_community best {best:.2} s \
         (runs: {}) {}; books_of {books_s:.2} s ({} consignment lines)",
        total as f64 / append_s,
        verify_s.iter().map(|s| format!("{s:.2}")).collect::<Vec<_>>().join(", "),
        if best < 2.0 { "under the 2 s target" } else { "OVER the 2 s target" },
        books.consignments.len(),
    );
    t.db.close().await;
}

#[tokio::main]
async fn main() {
    let total: usize = std::env::var("LEDGER_ENTRIES").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    run("SQLite", TestDb::new_sqlite().await, total).await;
    if let Ok(url) = std::env::var(POSTGRES_ENV)
        && !url.is_empty()
    {
        run("PostgreSQL", TestDb::new_postgres(&url).await, total).await;
    }
}

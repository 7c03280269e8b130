//! Storage invariants: migrations are safe when instances start together,
//! and SQLite's WAL stays small after large writes through the app's own
//! write paths (research/perf-notes.md, pitfall 1).

use crate::common::*;
use shouwang_db::import::{ColumnsPresent, ImportOptions, import_residents};
use shouwang_db::{Backend, Db, DbOptions};

#[tokio::test]
async fn instances_starting_together_migrate_once_without_errors() {
    let t = with_community().await;
    // Three more "instances" on the same database, migrating at the same moment.
    let mut handles = Vec::new();
    for _ in 0..3 {
        let url = t.url.clone();
        handles.push(tokio::spawn(async move {
            let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
            db.migrate().await.unwrap();
            db.close().await;
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    // The data written before is still there.
    let community = shouwang_db::registry::community_by_code(&t.db.read, &code("sy")).await.unwrap();
    assert_eq!(community.name, "商务区第一社区");
}

#[tokio::test]
async fn the_sqlite_wal_stays_small_after_100000_residents() {
    let t = with_community().await;
    if t.db.backend != Backend::Sqlite {
        return; // a SQLite property
    }
    // 100,000 residents in two imports, then 50,000 of them updated.
    let roster = |from: u32, phone: &str| -> Vec<_> {
        (from..from + 50_000)
            .map(|n| {
                let building = format!("{}号楼", n / 200 + 1);
                rec(n + 2, "方舟园一村", &building, &format!("{}", n % 200 + 101), &format!("居民{n}"), phone, "", "")
            })
            .collect()
    };
    for (from, phone, created, updated) in [(0, "", 50_000, 0), (50_000, "", 50_000, 0), (0, "13800000000", 0, 50_000)]
    {
        let report = import_residents(
            &t.db,
            &code("sy"),
            roster(from, phone),
            vec![],
            ColumnsPresent::all(),
            &hasher(),
            ImportOptions::default(),
        )
        .await
        .unwrap();
        assert_eq!((report.counts.created, report.counts.updated), (created, updated));
    }
    let wal = std::path::PathBuf::from(t.url.trim_start_matches("sqlite://").to_string() + "-wal");
    let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert!(size < 16 * 1024 * 1024, "WAL grew to {size} bytes");
}

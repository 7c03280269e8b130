//! Backup under a running write load, restore into a fresh database, and the
//! restored copy is one consistent moment of the source: every table's rows
//! are the source's rows (same count and checksum where nothing was written
//! during the backup; a prefix of the appended rows where the load wrote).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::{ConnectionTrait, Statement};
use shouwang_db::backup::{BackupError, backup, restore};
use shouwang_db::import::{ColumnsPresent, ImportOptions, import_residents};
use shouwang_db::testing::empty_database;
use shouwang_db::{Backend, Db, DbOptions, audit};

use crate::common::{code, hasher, id_no, rec, with_community};

async fn tables(db: &Db) -> Vec<String> {
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    let rows = db.read.query_all_raw(Statement::from_string(db.read.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

/// Every row of a table as one text, whatever its columns.
async fn rows(db: &Db, table: &str) -> BTreeSet<String> {
    let sql = match db.backend {
        Backend::Postgres => format!("SELECT t::text FROM \"{table}\" t"),
        Backend::Sqlite => {
            let cols = db
                .read
                .query_all_raw(Statement::from_string(
                    db.read.get_database_backend(),
                    format!("SELECT name FROM pragma_table_info('{table}')"),
                ))
                .await
                .unwrap();
            let cols: Vec<String> =
                cols.iter().map(|r| format!("quote(\"{}\")", r.try_get_by_index::<String>(0).unwrap())).collect();
            format!("SELECT {} FROM \"{table}\"", cols.join(" || '|' || "))
        }
    };
    let rows = db.read.query_all_raw(Statement::from_string(db.read.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

fn checksum(rows: &BTreeSet<String>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    rows.hash(&mut h);
    h.finish()
}

fn entry(n: usize) -> audit::Entry {
    audit::Entry {
        user_id: None,
        username: format!("load-{n}"),
        action: "load",
        target_kind: "test",
        target_id: Some(n.to_string()),
        region_path: None,
        detail: serde_json::json!({ "n": n }),
        peer: None,
    }
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_to_one_consistent_moment() {
    let t = with_community().await;
    let records = (0..40)
        .map(|i| {
            rec(
                i + 2,
                "蓝天花园",
                &format!("{}栋", i % 4 + 1),
                &format!("{}01室", i % 10 + 1),
                &format!("居民{i}"),
                &format!("139{:08}", i),
                &id_no("19500101", i),
                if i % 3 == 0 { "独居老人" } else { "" },
            )
        })
        .collect();
    import_residents(&t.db, &code("sy"), records, vec![], ColumnsPresent::all(), &hasher(), ImportOptions::default())
        .await
        .unwrap();

    // The load: one audit entry per transaction until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, stop) = (t.db.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                audit::append(&db.write, entry(n)).await.unwrap();
                n += 1;
                tokio::task::yield_now().await;
            }
            n
        })
    };
    while tables(&t.db).await.is_empty() || rows(&t.db, "audit_log").await.len() < 50 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shouwang.backup");
    let report = backup(&t.db, &t.url, &file).await.unwrap();
    assert!(report.bytes > 0);
    // Let the load go on after the snapshot, then stop it.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(written > 50, "the load kept writing during the backup");

    // A backup never overwrites a file.
    assert!(matches!(backup(&t.db, &t.url, &file).await, Err(BackupError::TargetExists(_))));

    let (target, _guard) = empty_database().await;
    restore(&target, &file).await.unwrap();
    let restored = Db::connect(&target, &DbOptions::default()).await.unwrap();

    let source_tables = tables(&t.db).await;
    assert_eq!(tables(&restored).await, source_tables, "every table is restored");
    assert!(source_tables.len() > 20);
    for table in &source_tables {
        let (before, after) = (rows(&t.db, table).await, rows(&restored, table).await);
        if table == "audit_log" {
            // The snapshot holds a prefix of the load: every restored entry is
            // the source's, and none is missing before the last one it holds.
            assert!(after.is_subset(&before), "{table}: restored rows are the source's");
            let ns: BTreeSet<usize> = after
                .iter()
                .filter_map(|r| r.split("load-").nth(1))
                .map(|s| s.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap())
                .collect();
            let last = *ns.iter().next_back().unwrap();
            assert_eq!(ns.len(), last + 1, "no gap in the appended rows");
            assert!(ns.len() >= 50 && ns.len() < before.len());
        } else {
            assert_eq!(after.len(), before.len(), "{table}: row count");
            assert_eq!(checksum(&after), checksum(&before), "{table}: rows");
        }
    }
    assert_eq!(rows(&restored, "resident").await.len(), 40);

    // A restore only goes into an empty database.
    restored.close().await;
    assert!(matches!(restore(&target, &file).await, Err(BackupError::NotEmpty(_))));
    // And only from a backup.
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"not a backup").unwrap();
    let (other, _guard2) = empty_database().await;
    assert!(matches!(restore(&other, &junk).await, Err(BackupError::WrongFormat(_))));
}

//! Applying resident imports: idempotent re-import, updates, strict mode,
//! dry runs, household sizes; on SQLite and (when configured) PostgreSQL.

use crate::common::*;
use shouwang_db::export::registry_rows;
use shouwang_db::import::{ColumnsPresent, ImportOptions, import_residents};
use shouwang_db::registry::{community_by_code, community_counts};
use shouwang_domain::{ImportCounts, RejectReason, RejectedRow, Tag};

fn roster() -> Vec<shouwang_domain::ResidentRecord> {
    vec![
        rec(3, "云飞雅苑", "1号楼", "101", "夏明", "13800000001", &id_no("19700101", 11), ""),
        rec(4, "云飞雅苑", "1号楼", "101", "夏丽", "", &id_no("19720202", 22), ""),
        rec(5, "云飞雅苑", "1号楼", "102", "王芳", "13800000002", "", "独居老人，血透"),
        rec(6, "蓝天花园", "3栋", "1201室", "李强", "13800000003", "", "慢病"),
    ]
}

async fn run(
    t: &shouwang_db::testing::TestDb,
    records: Vec<shouwang_domain::ResidentRecord>,
    rejected: Vec<RejectedRow>,
    options: ImportOptions,
) -> shouwang_domain::ImportReport {
    import_residents(&t.db, &code("sy"), records, rejected, ColumnsPresent::all(), &hasher(), options).await.unwrap()
}

#[tokio::test]
async fn first_import_creates_places_and_people_and_reimport_changes_nothing() {
    let t = with_community().await;
    let report = run(&t, roster(), vec![], ImportOptions::default()).await;
    assert!(report.applied);
    assert_eq!(report.counts, ImportCounts { created: 4, updated: 0, unchanged: 0 });

    let community = community_by_code(&t.db.read, &code("sy")).await.unwrap();
    let counts = community_counts(&t.db.read, &community).await.unwrap();
    assert_eq!(
        (counts.compounds, counts.buildings, counts.households, counts.residents, counts.tagged),
        (2, 2, 3, 4, 2)
    );

    let again = run(&t, roster(), vec![], ImportOptions::default()).await;
    assert_eq!(again.counts, ImportCounts { created: 0, updated: 0, unchanged: 4 });
    let counts = community_counts(&t.db.read, &community).await.unwrap();
    assert_eq!((counts.households, counts.residents), (3, 4), "no duplicates on re-import");
}

#[tokio::test]
async fn an_updated_roster_updates_in_place() {
    let t = with_community().await;
    run(&t, roster(), vec![], ImportOptions::default()).await;

    let mut updated = roster();
    updated[0] = rec(3, "云飞雅苑", "1号楼", "101", "夏明", "13900000009", &id_no("19700101", 11), "");
    // Same person by ID number, moved to another room: updated, not duplicated.
    updated[1] = rec(4, "云飞雅苑", "1号楼", "103", "夏丽", "", &id_no("19720202", 22), "");
    // Same person without an ID number, written differently: unchanged.
    updated[3] = rec(6, "蓝天 花园", "３号楼", "1201", "李强", "13800000003", "", "慢性病用药");
    updated.push(rec(7, "蓝天花园", "3栋", "1202", "赵敏", "", "", "孕妇"));
    let report = run(&t, updated, vec![], ImportOptions::default()).await;
    assert_eq!(report.counts, ImportCounts { created: 1, updated: 2, unchanged: 2 });

    let (_, rows) = registry_rows(&t.db.read, &code("sy")).await.unwrap();
    assert_eq!(rows.len(), 5);
    let xia_li = rows.iter().find(|r| r.name == "夏丽").unwrap();
    assert_eq!(xia_li.room, "103");
    let xia_ming = rows.iter().find(|r| r.name == "夏明").unwrap();
    assert_eq!(xia_ming.phone.as_deref(), Some("13900000009"));
    let masked = xia_ming.id_masked.as_deref().unwrap();
    assert!(masked.starts_with("420103********") && masked.len() == 18, "{masked}");
    let wang = rows.iter().find(|r| r.name == "王芳").unwrap();
    assert!(wang.tags.contains(Tag::ElderlyAlone) && wang.tags.contains(Tag::Dialysis));
}

#[tokio::test]
async fn household_size_and_contact_phone_follow_the_registry() {
    let t = with_community().await;
    run(&t, roster(), vec![], ImportOptions::default()).await;
    let community = community_by_code(&t.db.read, &code("sy")).await.unwrap();
    let households = shouwang_db::entity::household::Entity::find_all(&t.db.read, community.id).await;
    let room_101 = households.iter().find(|h| h.room == "101").unwrap();
    assert_eq!(room_101.size, 2);
    assert_eq!(room_101.contact_phone.as_deref(), Some("13800000001"));

    // 夏丽 moves from 101 to 103: sizes follow.
    let mut moved = roster();
    moved[1] = rec(4, "云飞雅苑", "1号楼", "103", "夏丽", "", &id_no("19720202", 22), "");
    run(&t, moved, vec![], ImportOptions::default()).await;
    let households = shouwang_db::entity::household::Entity::find_all(&t.db.read, community.id).await;
    assert_eq!(households.iter().find(|h| h.room == "101").unwrap().size, 1);
    assert_eq!(households.iter().find(|h| h.room == "103").unwrap().size, 1);
}

#[tokio::test]
async fn dry_run_and_strict_change_nothing() {
    let t = with_community().await;
    let rejected = vec![RejectedRow { row: 9, reason: RejectReason::InvalidPhone }];

    let dry = run(&t, roster(), rejected.clone(), ImportOptions { dry_run: true, strict: false }).await;
    assert!(!dry.applied);
    assert_eq!(dry.counts.created, 4, "a dry run reports what would happen");
    assert_eq!(dry.rejected, rejected);

    let strict = run(&t, roster(), rejected.clone(), ImportOptions { dry_run: false, strict: true }).await;
    assert!(!strict.applied);

    let community = community_by_code(&t.db.read, &code("sy")).await.unwrap();
    let counts = community_counts(&t.db.read, &community).await.unwrap();
    assert_eq!((counts.compounds, counts.households, counts.residents), (0, 0, 0));

    // Without --strict the valid rows go in and the bad row is reported.
    let lenient = run(&t, roster(), rejected.clone(), ImportOptions::default()).await;
    assert!(lenient.applied);
    assert_eq!(lenient.counts.created, 4);
    assert_eq!(lenient.rejected, rejected);
}

#[tokio::test]
async fn a_masked_or_missing_id_never_erases_the_stored_one() {
    let t = with_community().await;
    run(&t, roster(), vec![], ImportOptions::default()).await;
    // Export-style rows: the ID column is masked, read as "no ID given".
    let mut without_ids = roster();
    without_ids[0] = rec(3, "云飞雅苑", "1号楼", "101", "夏明", "13800000001", "", "");
    without_ids[1] = rec(4, "云飞雅苑", "1号楼", "101", "夏丽", "", "", "");
    let report = run(&t, without_ids, vec![], ImportOptions::default()).await;
    assert_eq!(report.counts, ImportCounts { created: 0, updated: 0, unchanged: 4 });
    let (_, rows) = registry_rows(&t.db.read, &code("sy")).await.unwrap();
    assert!(rows.iter().find(|r| r.name == "夏明").unwrap().id_masked.is_some());
}

#[tokio::test]
async fn importing_into_something_that_is_not_a_community_fails_cleanly() {
    let t = with_community().await;
    let err = import_residents(
        &t.db,
        &code("wh-jh"),
        roster(),
        vec![],
        ColumnsPresent::all(),
        &hasher(),
        ImportOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(err.message(shouwang_domain::Lang::Zh).contains("不是社区"));
}

//! The region tree, blocks and incidents, on SQLite (and on PostgreSQL when
//! SHOUWANG_TEST_POSTGRES_URL is set).

use crate::common::*;
use shouwang_db::DbError;
use shouwang_db::registry::*;
use shouwang_domain::RegionKind;

#[tokio::test]
async fn regions_nest_only_downwards_and_codes_are_unique() {
    let t = with_community().await;
    let db = &t.db;

    // A building cannot sit directly in a community; a second city code is refused.
    let err = add_region(db, RegionKind::Building, &code("b1"), "1号楼", Some(&code("sy"))).await.unwrap_err();
    assert!(matches!(err, DbError::Invalid { .. }), "{err:?}");
    assert!(err.message(shouwang_domain::Lang::Zh).contains("不能放在"));
    let err = add_region(db, RegionKind::City, &code("WH"), "又一个武汉", None).await.unwrap_err();
    assert!(err.message(shouwang_domain::Lang::En).contains("already in use"));
    // Same name twice under one parent is refused, whatever the spacing.
    add_region(db, RegionKind::Compound, &code("sy-yf"), "云飞雅苑", Some(&code("sy"))).await.unwrap();
    let err = add_region(db, RegionKind::Compound, &code("sy-yf2"), "云飞 雅苑", Some(&code("sy"))).await.unwrap_err();
    assert!(err.message(shouwang_domain::Lang::Zh).contains("同名"));
    let err = add_region(db, RegionKind::Community, &code("x"), "x", Some(&code("nowhere"))).await.unwrap_err();
    assert!(matches!(err, DbError::NotFound { .. }));

    let building = add_region(db, RegionKind::Building, &code("sy-yf-1"), "1号楼", Some(&code("sy-yf"))).await.unwrap();
    assert_eq!(building.path, "/wh/wh-jh/wh-jh-ws/sy/sy-yf/sy-yf-1/");

    let city = region_by_code(&db.read, &code("wh")).await.unwrap();
    let all = descendants(&db.read, &city, None).await.unwrap();
    assert_eq!(all.len(), 5);
    let compounds = descendants(&db.read, &city, Some(RegionKind::Compound)).await.unwrap();
    assert_eq!(compounds.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), vec!["sy-yf"]);
    assert_eq!(roots(&db.read).await.unwrap().len(), 1);
    assert!(community_by_code(&db.read, &code("wh-jh")).await.is_err());
}

#[tokio::test]
async fn blocks_group_buildings_of_one_community() {
    let t = with_community().await;
    let db = &t.db;
    add_region(db, RegionKind::Compound, &code("sy-yf"), "云飞雅苑", Some(&code("sy"))).await.unwrap();
    for n in 1..=3 {
        add_region(db, RegionKind::Building, &code(&format!("sy-yf-{n}")), &format!("{n}号楼"), Some(&code("sy-yf")))
            .await
            .unwrap();
    }
    let block = add_block(db, &code("sy"), "一单元", &[code("sy-yf-1"), code("sy-yf-2")]).await.unwrap();
    let blocks = blocks_of_community(&db.read, block.community_id).await.unwrap();
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].1, 2);
    assert!(add_block(db, &code("sy"), "一单元", &[]).await.is_err(), "duplicate block name");
    // A failing block leaves nothing half-made.
    assert!(add_block(db, &code("sy"), "二单元", &[code("sy-yf-3"), code("sy")]).await.is_err());
    assert_eq!(blocks_of_community(&db.read, block.community_id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn incidents_open_and_close_once() {
    let t = with_community().await;
    let db = &t.db;
    let incident = open_incident(db, &code("sy"), "2022年春季疫情封控").await.unwrap();
    assert_eq!(incident.status, "open");
    close_incident(db, incident.id).await.unwrap();
    assert!(close_incident(db, incident.id).await.is_err());
    let listed = incidents_of_region(&db.read, incident.region_id).await.unwrap();
    assert_eq!(listed[0].status, "closed");
    assert!(listed[0].closed_at.is_some());
}

#[tokio::test]
async fn a_changed_id_hash_key_is_refused() {
    let t = with_community().await;
    shouwang_db::id_key::check_id_key(&t.db, &hasher()).await.unwrap();
    shouwang_db::id_key::check_id_key(&t.db, &hasher()).await.unwrap();
    let other = shouwang_domain::IdHasher::new(b"another key");
    let err = shouwang_db::id_key::check_id_key(&t.db, &other).await.unwrap_err();
    assert!(err.message(shouwang_domain::Lang::Zh).contains("密钥"));
}

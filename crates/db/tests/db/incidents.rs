//! The incident migration on a database that already holds operational rows:
//! each row gets its community's open incident, or a new "imported before
//! incidents" one; afterwards a row without an incident is refused on both
//! backends.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};
use shouwang_db::entity::{branch, grouping_draft, incident};
use shouwang_db::registry::add_region;
use shouwang_db::{Db, DbOptions};
use shouwang_domain::RegionKind;
use shouwang_migration::{Migrator, MigratorTrait};
use uuid::Uuid;

use crate::common::code;

async fn exec(db: &Db, sql: &str, values: Vec<Value>) -> Result<(), sea_orm::DbErr> {
    let backend = db.write.get_database_backend();
    let mut sql = sql.to_string();
    if backend == DatabaseBackend::Postgres {
        let mut n = 0;
        while let Some(i) = sql.find('?') {
            n += 1;
            sql.replace_range(i..=i, &format!("${n}"));
        }
    }
    db.write.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.map(|_| ())
}

async fn branch_row(db: &Db, community: Uuid) -> Result<(), sea_orm::DbErr> {
    exec(
        db,
        "INSERT INTO branch (id, community_id, name, kind, founded_on, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        vec![
            Uuid::now_v7().into(),
            community.into(),
            "临时党支部".into(),
            "mixed".into(),
            time::macros::date!(2022 - 03 - 20).into(),
            time::OffsetDateTime::now_utc().into(),
        ],
    )
    .await
}

#[tokio::test]
async fn existing_rows_get_their_communitys_incident_and_new_rows_need_one() {
    let (url, _dir) = shouwang_db::testing::empty_database().await;
    let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
    let all = Migrator::migrations();
    let before = all.iter().position(|m| m.name() == "m20261203_000008_incidents").expect("the incident migration");
    Migrator::up(&db.write, Some(u32::try_from(before).unwrap())).await.unwrap();

    // 商一 lies under a city with an open incident; 建三 has none.
    add_region(&db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(&db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(&db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    let sy =
        add_region(&db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    add_region(&db, RegionKind::City, &code("sh"), "上海市", None).await.unwrap();
    add_region(&db, RegionKind::District, &code("sh-hp"), "黄浦区", Some(&code("sh"))).await.unwrap();
    add_region(&db, RegionKind::Subdistrict, &code("sh-hp-x"), "某街道", Some(&code("sh-hp"))).await.unwrap();
    let js = add_region(&db, RegionKind::Community, &code("js"), "建三居民区", Some(&code("sh-hp-x"))).await.unwrap();
    let wh = shouwang_db::registry::find_region(&db.read, &code("wh")).await.unwrap().unwrap();
    let city_incident = Uuid::now_v7();
    exec(
        &db,
        "INSERT INTO incident (id, region_id, name, status, opened_at) VALUES (?, ?, ?, 'open', ?)",
        vec![city_incident.into(), wh.id.into(), "武汉疫情防控".into(), time::OffsetDateTime::now_utc().into()],
    )
    .await
    .unwrap();
    branch_row(&db, sy.id).await.unwrap();
    branch_row(&db, js.id).await.unwrap();
    exec(
        &db,
        "INSERT INTO grouping_draft (community_id, body, updated_at) VALUES (?, ?, ?)",
        vec![js.id.into(), "{}".into(), time::OffsetDateTime::now_utc().into()],
    )
    .await
    .unwrap();

    Migrator::up(&db.write, None).await.unwrap();

    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let of = |c: Uuid| branch::Entity::find().filter(branch::Column::CommunityId.eq(c));
    let sy_branch = of(sy.id).all(&db.read).await.unwrap().remove(0);
    assert_eq!(sy_branch.incident_id, city_incident, "the city's open incident covers 商一");
    let js_branch = of(js.id).all(&db.read).await.unwrap().remove(0);
    let imported = incident::Entity::find_by_id(js_branch.incident_id).all(&db.read).await.unwrap().remove(0);
    assert_eq!((imported.region_id, imported.status.as_str()), (js.id, "open"));
    assert!(imported.name.contains("imported before incidents"), "{}", imported.name);
    let draft = grouping_draft::Entity::find_by_id(js.id).all(&db.read).await.unwrap().remove(0);
    assert_eq!(draft.incident_id, imported.id, "one incident per community, shared by its rows");
    assert_eq!(incident::Entity::find().all(&db.read).await.unwrap().len(), 2);

    // From now on a row without an incident is refused, on both backends.
    let err = branch_row(&db, sy.id).await.unwrap_err();
    assert!(err.to_string().contains("incident_id"), "{err}");
    db.close().await;
}

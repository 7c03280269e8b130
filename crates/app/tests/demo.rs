//! The demo as the seed articles tell it (SPEC §7): 商务区第一社区 with 22
//! deployed cadres and 90 nearby members in two temporary branches, the
//! 18-member sealed-area branch, and 10 groups of a leader and 8 members
//! covering all 11 compounds. Runs on SQLite, and on PostgreSQL when
//! SHOUWANG_TEST_POSTGRES_URL is set.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use shouwang_db::mobilisation as mob;
use shouwang_db::registry::community_by_code;
use shouwang_db::testing::TestDb;
use shouwang_domain::{IdHasher, Lang, RegionCode};

#[tokio::test]
async fn shangyi_is_organised_as_in_the_seed_article_and_a_second_run_changes_nothing() {
    let t = TestDb::new().await;
    let db = &t.db;
    let hasher = IdHasher::new(b"demo test key");
    shouwang::demo::create(db, &hasher, Lang::Zh).await.unwrap();

    let sy = community_by_code(&db.read, &RegionCode::parse("sy").unwrap()).await.unwrap();
    let counts = mob::counts_by_community(&db.read).await.unwrap()[&sy.id];
    assert_eq!((counts.verified, counts.exempt, counts.grouped, counts.groups), (108, 2, 108, 12));
    assert_eq!(counts.reported, 120, "22 cadres, 90 members, 6 residents and 2 exempt people reported");

    let branches = mob::branches_of_community(&db.read, sy.id).await.unwrap();
    assert_eq!(branches.len(), 2);
    let sealed = branches.iter().find(|b| b.branch.kind == "sealed_area").unwrap();
    assert_eq!(sealed.members.len(), 18, "the first branch: 18 deployed cadres");
    assert!(sealed.members.iter().all(|m| m.kind == "deployed_cadre"));
    let secretary = sealed.secretary.as_ref().and_then(|r| r.holder.as_ref()).unwrap();
    assert_eq!(secretary.name, "黄伟");
    let nearby = branches.iter().find(|b| b.branch.kind == "nearby_members").unwrap();
    assert_eq!(nearby.members.len(), 90);
    assert_eq!(nearby.groups, 10);

    let groups = mob::groups_of_community(&db.read, sy.id).await.unwrap();
    let daily: Vec<_> = groups.iter().filter(|g| g.group.branch_id == Some(nearby.branch.id)).collect();
    assert_eq!(daily.len(), 10);
    assert_eq!(daily.iter().map(|g| g.group.number).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    for g in &daily {
        assert_eq!(g.members.len(), 9, "{}: a leader and 8 members", g.group.name);
        assert!((1..=2).contains(&g.compounds.len()), "{} covers 1-2 compounds", g.group.name);
        assert!(g.leader_id().is_some(), "{} has a leader", g.group.name);
    }
    let covered: HashSet<_> = daily.iter().flat_map(|g| g.compounds.iter().map(|c| c.0)).collect();
    assert_eq!(covered.len(), 11, "every compound has a group");
    // Most members serve the compound they live in.
    let at_home = daily
        .iter()
        .flat_map(|g| g.members.iter().map(move |m| g.compounds.iter().any(|c| Some(c.0) == m.home_compound_id)))
        .filter(|home| *home)
        .count();
    assert!(at_home >= 72, "{at_home} of 90 placed in their own compound");
    // One leader went into isolation: the deputy took over and it is logged.
    let log = mob::handovers(&db.read, sy.id, 50).await.unwrap();
    assert_eq!(log.iter().filter(|h| h.cause == "isolated").count(), 1);
    assert_eq!(counts.unwell, 1);

    let others: Vec<(&str, u64, u64)> = vec![("js", 7, 1), ("ye", 45, 7), ("fzy", 237, 26)];
    let all = mob::counts_by_community(&db.read).await.unwrap();
    for (code, reported, groups) in others {
        let c = community_by_code(&db.read, &RegionCode::parse(code).unwrap()).await.unwrap();
        assert_eq!((all[&c.id].reported, all[&c.id].groups), (reported, groups), "{code}");
    }

    // The seed night: 30 members signed up for the 500 boxes, a few more wait.
    let sheets = shouwang_db::signup::sheets_of_community(&db.read, sy.id).await.unwrap();
    assert_eq!(sheets.len(), 1);
    assert_eq!((sheets[0].capacity, sheets[0].confirmed, sheets[0].arrivals), (30, 30, 34));
    assert!(sheets[0].quantity_confirmed <= 500);

    shouwang::demo::create(db, &hasher, Lang::Zh).await.unwrap();
    assert_eq!(mob::counts_by_community(&db.read).await.unwrap(), all, "the demo is idempotent");
    let again = shouwang_db::signup::sheets_of_community(&db.read, sy.id).await.unwrap();
    assert_eq!((again.len(), again[0].arrivals), (1, 34));
}

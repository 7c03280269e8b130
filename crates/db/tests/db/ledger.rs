//! The public supply ledger's storage: appends chain in seq order, two
//! transactions appending at once never fork the chain, and a row changed or
//! deleted by hand in the database is found at that entry (both backends).

use sea_orm::ConnectionTrait;
use shouwang_db::DbError;
use shouwang_db::ledger::{self, NewEntry};
use shouwang_db::registry::community_by_code;
use shouwang_db::testing::TestDb;
use shouwang_domain::Refusal;
use shouwang_domain::ledger::{LedgerKind, Why};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use crate::common::{code, with_community};

const START: OffsetDateTime = datetime!(2022-04-10 20:00 UTC);

struct Books {
    t: TestDb,
    community: Uuid,
    incident: Uuid,
}

async fn setup() -> Books {
    let t = with_community().await;
    let community = community_by_code(&t.db.read, &code("sy")).await.unwrap().id;
    let incident = shouwang_db::incidents::current_in(&t.db.read, community).await.unwrap();
    Books { t, community, incident }
}

fn entry(b: &Books, consignment: Option<Uuid>, kind: LedgerKind, quantity: i64, minute: i64) -> NewEntry {
    NewEntry {
        community_id: b.community,
        incident_id: b.incident,
        consignment_id: consignment,
        consignment_title: if consignment.is_some() { "浦东保供蔬菜包 500箱".into() } else { String::new() },
        kind,
        item: "蔬菜包".into(),
        unit: "箱".into(),
        quantity,
        note: String::new(),
        at: START + time::Duration::minutes(minute),
    }
}

async fn append(b: &Books, entries: &[NewEntry]) {
    let tx = b.t.db.begin_write().await.unwrap();
    ledger::append_in(&tx, entries).await.unwrap();
    tx.commit().await.unwrap();
}

/// The seed morning's entries: 500 in, 470 out to households, 20 held
/// back, 10 crushed, deliveries one by one.
async fn a_morning(b: &Books) -> Uuid {
    let veg = Uuid::now_v7();
    append(
        b,
        &[
            entry(b, Some(veg), LedgerKind::Receipt, 500, 0),
            entry(b, Some(veg), LedgerKind::Allocation, 470, 5),
            entry(b, Some(veg), LedgerKind::Reserve, 20, 6),
            entry(b, Some(veg), LedgerKind::WriteOff, 10, 7),
        ],
    )
    .await;
    for i in 0..6 {
        append(b, &[entry(b, Some(veg), LedgerKind::Delivery, 10, 60 + i)]).await;
    }
    veg
}

async fn sql(b: &Books, statement: &str) {
    b.t.db.write.execute_unprepared(statement).await.unwrap();
}

#[tokio::test]
async fn entries_chain_in_order_and_verify() {
    let b = setup().await;
    let veg = a_morning(&b).await;
    let stored = ledger::entries_of(&b.t.db.read, b.community, 0, 100).await.unwrap();
    assert_eq!(stored.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    assert_eq!(stored[0].prev_hash, "0".repeat(64), "the first entry follows the genesis hash");
    for pair in stored.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
    let page = ledger::entries_of(&b.t.db.read, b.community, 4, 3).await.unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [5, 6, 7]);

    let report = ledger::verify_community(&b.t.db.read, b.community).await.unwrap();
    assert!(report.holds(), "{report:?}");
    assert_eq!(report.verified, 10);
    assert_eq!(report.head, stored[9].hash);
    assert_eq!(report.last_at, Some(stored[9].at));

    let books = ledger::books_of(&b.t.db.read, b.community).await.unwrap();
    assert_eq!(books.entries, 10);
    assert_eq!(books.consignments.len(), 1);
    let line = &books.consignments[0];
    assert_eq!(line.consignment_id, Some(veg));
    assert_eq!(line.title, "浦东保供蔬菜包 500箱");
    assert_eq!(
        (line.received, line.allocated, line.in_reserve, line.written_off, line.delivered),
        (500, 470, 20, 10, 60)
    );
    assert_eq!(books.reserve_pool.iter().map(|s| s.balance()).collect::<Vec<_>>(), [20]);
    // The database's sums are the pure function's books over the entries.
    let bodies: Vec<_> = stored.iter().map(|s| s.to_entry().unwrap().body).collect();
    assert_eq!(books, shouwang_domain::ledger::books(&bodies));

    // Another community's chain starts at 1 and is its own.
    let empty = ledger::verify_community(&b.t.db.read, Uuid::now_v7()).await.unwrap();
    assert!(empty.holds());
    assert_eq!(empty.verified, 0);
}

#[tokio::test]
async fn a_bad_entry_refuses_the_whole_batch() {
    let b = setup().await;
    let tx = b.t.db.begin_write().await.unwrap();
    let err = ledger::append_in(
        &tx,
        &[entry(&b, None, LedgerKind::ShelfIn, 3, 0), entry(&b, None, LedgerKind::ShelfOut, 10_000_001, 1)],
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DbError::Invalid(Refusal::Ledger(shouwang_domain::ledger::Refusal::Quantity))), "{err:?}");
    drop(tx);
    assert_eq!(b.t.count_rows("ledger_entry").await, 0);
}

/// Two transactions appending at the same moment (many times over) never
/// fork the chain: seqs 1..n, each entry carrying the previous one's hash.
#[tokio::test]
async fn concurrent_appends_never_fork_the_chain() {
    let b = setup().await;
    let b = std::sync::Arc::new(b);
    let mut tasks = Vec::new();
    for writer in 0..2 {
        let b = b.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let tx = b.t.db.begin_write().await.unwrap();
                let e = entry(&b, None, LedgerKind::ShelfIn, 1 + writer, i);
                ledger::append_in(&tx, &[e.clone(), e]).await.unwrap();
                tokio::task::yield_now().await;
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let stored = ledger::entries_of(&b.t.db.read, b.community, 0, 1000).await.unwrap();
    assert_eq!(stored.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=100).collect::<Vec<_>>());
    for pair in stored.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash, "entry {} follows {}", pair[1].seq, pair[0].seq);
    }
    let report = ledger::verify_community(&b.t.db.read, b.community).await.unwrap();
    assert!(report.holds(), "{report:?}");
    assert_eq!(report.verified, 100);
}

/// Someone changes a quantity in the database by hand: the entry is named.
#[tokio::test]
async fn a_quantity_changed_by_hand_is_found_at_that_entry() {
    let b = setup().await;
    a_morning(&b).await;
    sql(&b, "UPDATE ledger_entry SET quantity = 400 WHERE seq = 2").await;
    let report = ledger::verify_community(&b.t.db.read, b.community).await.unwrap();
    let broken = report.broken.clone().expect("the change is found");
    assert_eq!((broken.seq, broken.why), (2, Why::WrongHash));
    assert_eq!(broken.kind, "allocation");
    assert_eq!(broken.at, shouwang_db::utc(START + time::Duration::minutes(5)));
    assert_eq!(report.verified, 1, "the entry before it still holds");

    // Rewriting its hash too moves the break to the next entry.
    let stored = ledger::entries_of(&b.t.db.read, b.community, 0, 100).await.unwrap();
    let mut forged = stored[1].to_entry().unwrap();
    forged.hash = shouwang_domain::ledger::hash(&forged.prev_hash, &forged.body);
    sql(
        &b,
        &format!("UPDATE ledger_entry SET hash = '{}' WHERE seq = 2", shouwang_domain::ledger::to_hex(&forged.hash)),
    )
    .await;
    let report = ledger::verify_community(&b.t.db.read, b.community).await.unwrap();
    let broken = report.broken.expect("the next entry no longer follows");
    assert_eq!((broken.seq, broken.why), (3, Why::WrongPrevHash));
}

#[tokio::test]
async fn a_deleted_row_is_found() {
    let b = setup().await;
    a_morning(&b).await;
    sql(&b, "DELETE FROM ledger_entry WHERE seq = 4").await;
    let report = ledger::verify_community(&b.t.db.read, b.community).await.unwrap();
    let broken = report.broken.expect("the gap is found");
    assert_eq!((broken.seq, broken.why), (5, Why::Gap { expected: 4 }));
    assert_eq!(report.verified, 3);
}

#[tokio::test]
async fn other_hand_changes_are_found() {
    let b = setup().await;
    a_morning(&b).await;
    for (statement, seq, why) in [
        ("UPDATE ledger_entry SET note = '少了 5 箱' WHERE seq = 7", 7, Why::WrongHash),
        ("UPDATE ledger_entry SET kind = 'delivery' WHERE seq = 4", 4, Why::WrongHash),
        ("UPDATE ledger_entry SET hash = 'not hex' WHERE seq = 3", 3, Why::Unreadable),
    ] {
        sql(&b, statement).await;
        let broken = ledger::verify_community(&b.t.db.read, b.community).await.unwrap().broken.expect(statement);
        assert_eq!((broken.seq, broken.why), (seq, why), "{statement}");
    }
    // A time moved by a second.
    let b = setup().await;
    a_morning(&b).await;
    let stored = ledger::entries_of(&b.t.db.read, b.community, 0, 100).await.unwrap();
    let moved = shouwang_db::utc(stored[5].at + time::Duration::seconds(1));
    let tx = b.t.db.begin_write().await.unwrap();
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use shouwang_db::entity::ledger_entry;
    ledger_entry::Entity::update_many()
        .col_expr(ledger_entry::Column::At, sea_orm::sea_query::Expr::value(moved))
        .filter(ledger_entry::Column::Seq.eq(6))
        .exec(&tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let broken = ledger::verify_community(&b.t.db.read, b.community).await.unwrap().broken.expect("moved time");
    assert_eq!((broken.seq, broken.why), (6, Why::WrongHash));
}

/// The ledger is not purged with its incident's personal data, and holds none.
#[tokio::test]
async fn the_schema_keeps_the_rules() {
    let b = setup().await;
    a_morning(&b).await;
    // Seq unique per community.
    let dup = b.t.db.write.execute_unprepared("UPDATE ledger_entry SET seq = 1 WHERE seq = 2").await;
    assert!(dup.is_err(), "seq is unique per community");
    let bad_kind = b.t.db.write.execute_unprepared("UPDATE ledger_entry SET kind = 'gift' WHERE seq = 2").await;
    assert!(bad_kind.is_err(), "kind is checked");
    let bad_qty = b.t.db.write.execute_unprepared("UPDATE ledger_entry SET quantity = 0 WHERE seq = 2").await;
    assert!(bad_qty.is_err(), "quantity is checked");
    assert!(!shouwang_migration::m20261203_000008_incidents::INCIDENT_TABLES.contains(&"ledger_entry"));
}

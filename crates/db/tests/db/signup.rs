//! Sign-up sheets at the storage layer, on SQLite (and on PostgreSQL when
//! SHOUWANG_TEST_POSTGRES_URL is set): many joins at once never oversell,
//! nobody is on a sheet twice, arrival order holds, withdrawals promote the
//! waiting list in order.

use crate::common::*;
use shouwang_db::mobilisation::{self as mob, DutyReport, Review};
use shouwang_db::registry::community_by_code;
use shouwang_db::signup::{self, NewSheet};
use shouwang_db::{Db, audit};
use shouwang_domain::VolunteerKind;
use shouwang_domain::signup::EntryStatus;
use uuid::Uuid;

fn entry() -> audit::Entry {
    audit::Entry {
        user_id: None,
        username: "test".into(),
        action: "test",
        target_kind: "signup_sheet",
        target_id: None,
        region_path: None,
        detail: serde_json::json!({}),
        peer: None,
    }
}

async fn people(db: &Db, community: Uuid, n: usize) -> Vec<Uuid> {
    let reports: Vec<DutyReport> = (0..n)
        .map(|i| DutyReport {
            name: format!("党员{i:03}"),
            phone: format!("1370000{i:04}"),
            home_compound_id: None,
            home_building_id: None,
            kind: VolunteerKind::NearbyMember,
            work_unit: None,
            party_org: None,
            skills: Default::default(),
            availability: Default::default(),
            preferred_posts: Default::default(),
            experienced: false,
            exempt: None,
            note: None,
            source: "manual",
        })
        .collect();
    mob::import_duty_reports(db, community, &reports, entry()).await.unwrap();
    let ids: Vec<Uuid> = mob::list_volunteers(&db.read, community, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.volunteer.id)
        .collect();
    mob::review(db, community, &ids, &Review::Verify, None, entry()).await.unwrap();
    ids
}

async fn sheet(db: &Db, community: Uuid, capacity: i32, total: Option<i32>) -> Uuid {
    let new = NewSheet {
        title: "今晚10点 蔬菜包卸货".into(),
        capacity,
        quantity_total: total,
        unit: Some("箱".into()),
        ..Default::default()
    };
    signup::create_sheet(db, community, new, Uuid::now_v7().simple().to_string(), None, entry()).await.unwrap().id
}

#[tokio::test]
async fn a_burst_of_joins_never_oversells_and_keeps_arrival_order() {
    let t = with_community().await;
    let db = &t.db;
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap().id;
    let ids = people(db, sy, 200).await;
    let sheet_id = sheet(db, sy, 30, None).await;

    let mut tasks = Vec::new();
    for id in ids.iter().copied() {
        let db = db.clone();
        // Every person twice at once: a double tap must not count twice.
        for _ in 0..2 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move { signup::join(&db, sheet_id, id, 1).await }));
        }
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap().unwrap());
    }
    let entries = signup::entries(&db.read, sheet_id).await.unwrap();
    assert_eq!(entries.len(), 200, "each person once");
    let confirmed: Vec<_> = entries.iter().filter(|(e, _)| e.status == "confirmed").collect();
    assert_eq!(confirmed.len(), 30, "exactly the capacity");
    // Arrival numbers are unique, and the confirmed ones are the first 30 arrivals.
    let mut seqs: Vec<i32> = entries.iter().map(|(e, _)| e.seq).collect();
    seqs.dedup();
    assert_eq!(seqs.len(), 200);
    let max_confirmed = confirmed.iter().map(|(e, _)| e.seq).max().unwrap();
    let min_waiting = entries.iter().filter(|(e, _)| e.status == "waiting").map(|(e, _)| e.seq).min().unwrap();
    assert!(max_confirmed < min_waiting, "nobody waiting arrived before someone confirmed");
    assert_eq!(results.iter().filter(|j| j.repeated).count(), 200, "the second tap of each person was a repeat");
    let s = signup::sheet_by_id(&db.read, sheet_id).await.unwrap().unwrap();
    assert_eq!(s.confirmed, 30);
}

#[tokio::test]
async fn a_withdrawal_promotes_the_first_waiting_and_quantities_hold() {
    let t = with_community().await;
    let db = &t.db;
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap().id;
    let ids = people(db, sy, 5).await;
    // 3 people and 5 boxes at most.
    let sheet_id = sheet(db, sy, 3, Some(5)).await;
    let j0 = signup::join(db, sheet_id, ids[0], 2).await.unwrap();
    let j1 = signup::join(db, sheet_id, ids[1], 2).await.unwrap();
    let j2 = signup::join(db, sheet_id, ids[2], 2).await.unwrap();
    let j3 = signup::join(db, sheet_id, ids[3], 1).await.unwrap();
    assert_eq!((j0.status, j1.status), (EntryStatus::Confirmed, EntryStatus::Confirmed));
    assert_eq!(j2.status, EntryStatus::Waiting, "2 more boxes would make 6 of 5");
    assert_eq!(j3.status, EntryStatus::Waiting, "one box fits, but nobody jumps the queue");

    let promoted = signup::withdraw(db, sheet_id, ids[0], time::OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!(promoted, vec![ids[2], ids[3]], "in order of arrival, while they fit");
    let s = signup::sheet_by_id(&db.read, sheet_id).await.unwrap().unwrap();
    assert_eq!((s.confirmed, s.quantity_confirmed), (3, 5));
    // Withdrawing twice changes nothing; coming back joins at the end.
    assert!(signup::withdraw(db, sheet_id, ids[0], time::OffsetDateTime::now_utc()).await.unwrap().is_empty());
    let back = signup::join(db, sheet_id, ids[0], 1).await.unwrap();
    assert_eq!((back.status, back.seq), (EntryStatus::Waiting, 5));
    let e = signup::join(db, sheet_id, ids[4], 0).await.unwrap_err();
    assert!(e.message(shouwang_domain::Lang::Zh).contains("至少"));
}

#[tokio::test]
async fn a_batch_is_decided_in_order_exactly_as_single_joins_would_be() {
    let t = with_community().await;
    let db = &t.db;
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap().id;
    let ids = people(db, sy, 4).await;
    let sheet_id = sheet(db, sy, 2, None).await;
    // a, b, a again (a double tap inside one batch), c, and d with a bad quantity.
    let answers = signup::join_many(db, sheet_id, &[(ids[0], 2), (ids[1], 1), (ids[0], 1), (ids[2], 1), (ids[3], 0)])
        .await
        .unwrap();
    let ok: Vec<_> = answers.iter().take(4).map(|a| *a.as_ref().unwrap()).collect();
    assert_eq!((ok[0].status, ok[0].seq, ok[0].repeated), (EntryStatus::Confirmed, 1, false));
    assert_eq!((ok[1].status, ok[1].seq, ok[1].repeated), (EntryStatus::Confirmed, 2, false));
    assert_eq!((ok[2].entry_id, ok[2].seq, ok[2].repeated), (ok[0].entry_id, 1, true));
    assert_eq!((ok[3].status, ok[3].seq), (EntryStatus::Waiting, 3));
    assert!(answers[4].is_err(), "a quantity of 0 is refused alone");
    let s = signup::sheet_by_id(&db.read, sheet_id).await.unwrap().unwrap();
    assert_eq!((s.arrivals, s.confirmed, s.quantity_confirmed), (3, 2, 3));
    // A later batch sees the waiting list: nobody overtakes c.
    let more = signup::join_many(db, sheet_id, &[(ids[3], 1)]).await.unwrap();
    assert_eq!(more[0].as_ref().unwrap().status, EntryStatus::Waiting);
    assert_eq!(signup::entries(&db.read, sheet_id).await.unwrap().len(), 4);
}

#[tokio::test]
async fn the_joiner_checks_each_caller_and_batches_a_burst_without_overselling() {
    use shouwang_db::accounts::{NewUser, create_user};
    use shouwang_domain::Role;
    let t = with_community().await;
    let db = &t.db;
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap().id;
    let ids = people(db, sy, 40).await;
    let mut users = Vec::new();
    for (i, v) in ids.iter().enumerate() {
        let user = create_user(
            db,
            NewUser {
                username: &format!("j{i:03}"),
                display_name: "j",
                password_hash: "-".into(),
                role: Role::Volunteer,
                scope: &code("sy"),
                personal_grant: false,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        // The last one keeps no link: they are not a volunteer of this community.
        if i + 1 < ids.len() {
            mob::link_user(db, *v, Some(user.id)).await.unwrap();
        }
        users.push(user.id);
    }
    let sheet_id = sheet(db, sy, 5, None).await;
    let joiner = signup::Joiner::start(db.clone(), shouwang_domain::Clock::system());
    let refused = users[0];
    let mut tasks = Vec::new();
    for u in users.iter().copied() {
        let joiner = joiner.clone();
        let gate: signup::Gate = Box::new(move |c: &signup::JoinContext<'_>| {
            assert_eq!(c.sheet.id, sheet_id);
            if u == refused { Err(shouwang_db::DbError::Forbidden) } else { Ok(()) }
        });
        tasks.push(tokio::spawn(async move { joiner.join(sheet_id, u, 1, gate).await }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert!(matches!(answers[0], Err(shouwang_db::DbError::Forbidden)), "the gate refused the first caller");
    assert!(matches!(answers.last().unwrap(), Err(shouwang_db::DbError::Invalid { .. })), "an unlinked account");
    let joined: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    assert_eq!(joined.len(), 38);
    assert_eq!(joined.iter().filter(|j| j.status == EntryStatus::Confirmed).count(), 5);
    let mut seqs: Vec<i32> = joined.iter().map(|j| j.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=38).collect::<Vec<_>>(), "one arrival number each, no gap, no repeat");
    let s = signup::sheet_by_id(&db.read, sheet_id).await.unwrap().unwrap();
    assert_eq!((s.arrivals, s.confirmed), (38, 5));
}

/// Two linked volunteer accounts of the community, for joiner tests.
async fn two_linked_users(db: &Db, sy: Uuid) -> Vec<Uuid> {
    use shouwang_db::accounts::{NewUser, create_user};
    let ids = people(db, sy, 2).await;
    let mut users = Vec::new();
    for (i, v) in ids.iter().enumerate() {
        let user = create_user(
            db,
            NewUser {
                username: &format!("k{i}"),
                display_name: "k",
                password_hash: "-".into(),
                role: shouwang_domain::Role::Volunteer,
                scope: &code("sy"),
                personal_grant: false,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        mob::link_user(db, *v, Some(user.id)).await.unwrap();
        users.push(user.id);
    }
    users
}

#[tokio::test]
async fn a_batch_that_panics_answers_its_callers_and_the_joiner_keeps_serving() {
    let t = with_community().await;
    let db = &t.db;
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap().id;
    let users = two_linked_users(db, sy).await;
    let sheet_id = sheet(db, sy, 5, None).await;
    let joiner = signup::Joiner::start(db.clone(), shouwang_domain::Clock::system());

    let boom: signup::Gate = Box::new(|_: &signup::JoinContext<'_>| panic!("a gate that fails badly"));
    let answer = joiner.join(sheet_id, users[0], 1, boom).await;
    assert!(matches!(answer, Err(shouwang_db::DbError::Invalid { .. })), "answered, not left waiting");
    assert!(joiner.is_running());

    let fine: signup::Gate = Box::new(|_: &signup::JoinContext<'_>| Ok(()));
    let joined = joiner.join(sheet_id, users[1], 1, fine).await.unwrap();
    assert_eq!((joined.seq, joined.status), (1, EntryStatus::Confirmed), "the panicked batch wrote nothing");
}

#[tokio::test]
async fn a_locked_sheet_holds_up_other_sheets_no_longer_than_the_lock_timeout() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let t = with_community().await;
    let db = &t.db;
    if db.backend != shouwang_db::Backend::Postgres {
        return; // SQLite runs one writer: there is no row lock to wait on.
    }
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap().id;
    let users = two_linked_users(db, sy).await;
    let (locked, free) = (sheet(db, sy, 5, None).await, sheet(db, sy, 5, None).await);
    // Another instance (or a stuck transaction) holds the first sheet's row.
    let holder = db.write.begin().await.unwrap();
    holder.execute_unprepared(&format!("SELECT id FROM signup_sheet WHERE id = '{locked}' FOR UPDATE")).await.unwrap();
    let joiner = signup::Joiner::start(db.clone(), shouwang_domain::Clock::system());
    let gate = || -> signup::Gate { Box::new(|_: &signup::JoinContext<'_>| Ok(())) };
    let first = tokio::spawn({
        let joiner = joiner.clone();
        let gate = gate();
        let user = users[0];
        async move { joiner.join(locked, user, 1, gate).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    // Queued behind the locked sheet: answered once the lock wait gives up.
    // (The outer limit only keeps a broken joiner from hanging the suite.)
    let second = tokio::time::timeout(std::time::Duration::from_secs(60), joiner.join(free, users[1], 1, gate()))
        .await
        .expect("the other sheet is not held up for ever");
    assert_eq!(second.unwrap().status, EntryStatus::Confirmed);
    let first = first.await.unwrap();
    assert!(matches!(first, Err(shouwang_db::DbError::Invalid { .. })), "busy, try again: {first:?}");
    holder.rollback().await.unwrap();
    assert!(joiner.is_running());
}

#[tokio::test]
async fn the_schema_refuses_quantities_and_counters_past_their_range() {
    use sea_orm::ConnectionTrait;
    let t = with_community().await;
    let db = &t.db;
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap().id;
    let ids = people(db, sy, 2).await;
    let sheet_id = sheet(db, sy, 3, None).await;
    signup::join(db, sheet_id, ids[0], 2).await.unwrap();
    // Storage refuses a quantity past the range before the schema sees it.
    let refused = signup::join(db, sheet_id, ids[1], i32::MAX).await.unwrap_err();
    assert!(refused.message(shouwang_domain::Lang::En).contains("Quantity is out of range"), "{refused}");
    // And the schema refuses what any other path might write.
    // (The test's database holds this one sheet.)
    for sql in [
        "UPDATE signup_entry SET quantity = 2147483647",
        "UPDATE signup_sheet SET quantity_confirmed = 2147483647",
        "UPDATE signup_sheet SET capacity = 10001",
        "UPDATE signup_sheet SET quantity_max = 0",
    ] {
        let tx = db.begin_write().await.unwrap();
        let result = tx.execute_unprepared(sql).await;
        tx.rollback().await.unwrap();
        assert!(result.is_err(), "{sql} was accepted");
    }
    let s = signup::sheet_by_id(&db.read, sheet_id).await.unwrap().unwrap();
    assert_eq!((s.confirmed, s.quantity_confirmed, s.capacity), (1, 2, 3), "nothing changed");
}

/// Timestamps are stored in UTC in one text shape, so SQLite compares them
/// as times: a deadline written with +08:00 (as older versions stored it)
/// is rewritten by the migration, and a sheet whose deadline has passed by
/// the caller's clock takes no join, on both backends.
#[tokio::test]
async fn deadlines_compare_as_times_whatever_offset_they_were_written_with() {
    use sea_orm::ConnectionTrait;
    use time::format_description::well_known::Rfc3339;
    let t = with_community().await;
    let db = &t.db;
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap().id;
    let ids = people(db, sy, 2).await;
    let beijing = time::macros::offset!(+8);
    // Deadline: 22:30 in Beijing, 14:30 UTC.
    let deadline = time::macros::datetime!(2030-04-06 22:30 +8);
    let new = NewSheet { title: "卸货".into(), capacity: 3, deadline: Some(deadline), ..Default::default() };
    let id = signup::create_sheet(db, sy, new, "tok-deadline".into(), None, entry()).await.unwrap().id;
    let stored = signup::sheet_by_id(&db.read, id).await.unwrap().unwrap().deadline.unwrap();
    assert_eq!(stored.offset(), time::UtcOffset::UTC);
    assert_eq!(stored.unix_timestamp(), deadline.unix_timestamp());
    if db.backend == shouwang_db::Backend::Sqlite {
        // As an older version wrote it: the text with +08:00.
        let old = deadline.format(&Rfc3339).unwrap();
        assert!(old.ends_with("+08:00"));
        db.write.execute_unprepared(&format!("UPDATE signup_sheet SET deadline = '{old}'")).await.unwrap();
        shouwang_migration::times_to_utc(&db.write).await.unwrap();
        let row = db
            .write
            .query_one_raw(sea_orm::Statement::from_string(
                db.write.get_database_backend(),
                "SELECT deadline FROM signup_sheet",
            ))
            .await
            .unwrap()
            .unwrap();
        let text: String = row.try_get("", "deadline").unwrap();
        assert_eq!(text, "2030-04-06T14:30:00.000001Z", "UTC, in the shape every write has");
    }
    // 22:00 Beijing (before): open; 23:00 Beijing (after, 15:00 UTC): closed.
    let joiner = |at: time::OffsetDateTime| {
        let clock = shouwang_domain::Clock::system();
        clock.advance(at - time::OffsetDateTime::now_utc());
        signup::Joiner::start(db.clone(), clock)
    };
    let gate = || -> signup::Gate { Box::new(|_: &signup::JoinContext<'_>| Ok(())) };
    let users = linked_users(db, &ids).await;
    let before = joiner(time::macros::datetime!(2030-04-06 22:00 +8).to_offset(beijing));
    assert!(before.join(id, users[0], 1, gate()).await.is_ok(), "before the deadline");
    let after = joiner(time::macros::datetime!(2030-04-06 15:00 UTC));
    let refused = after.join(id, users[1], 1, gate()).await.unwrap_err();
    assert!(refused.message(shouwang_domain::Lang::En).contains("closed"), "{refused}");
    assert!(signup::withdraw(db, id, ids[0], time::macros::datetime!(2030-04-06 15:00 UTC)).await.is_err());
    assert!(signup::withdraw(db, id, ids[0], time::macros::datetime!(2030-04-06 22:29 +8)).await.is_ok());
}

/// Logins linked to the volunteers, for joins through the [`signup::Joiner`].
async fn linked_users(db: &Db, volunteers: &[Uuid]) -> Vec<Uuid> {
    use shouwang_db::accounts::{NewUser, create_user};
    use shouwang_domain::Role;
    let mut users = Vec::new();
    for (i, v) in volunteers.iter().enumerate() {
        let user = create_user(
            db,
            NewUser {
                username: &format!("linked{i:03}"),
                display_name: "j",
                password_hash: "-".into(),
                role: Role::Volunteer,
                scope: &code("sy"),
                personal_grant: false,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        mob::link_user(db, *v, Some(user.id)).await.unwrap();
        users.push(user.id);
    }
    users
}

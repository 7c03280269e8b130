//! Crashes lose nothing (SPEC §5). The real binary is killed with SIGKILL in
//! the middle of an import and in the middle of a burst of joins, then run
//! again: an import is either fully applied or not at all, and every join
//! that was answered as accepted is still on the sheet. On SQLite, and on
//! PostgreSQL when SHOUWANG_TEST_POSTGRES_URL is set.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use shouwang_db::accounts::{NewUser, create_api_token, create_user};
use shouwang_db::mobilisation::{self as mob, DutyReport, Review};
use shouwang_db::registry::community_by_code;
use shouwang_db::signup::{self, NewSheet};
use shouwang_db::{audit, entity::region};
use shouwang_domain::{RegionCode, Role, VolunteerKind};
use uuid::Uuid;

use super::cli::Env;

fn kill(child: &mut Child) {
    // SIGKILL: no shutdown hook, no flush, no rollback by the program.
    child.kill().unwrap();
    child.wait().unwrap();
}

fn entry() -> audit::Entry {
    audit::Entry {
        user_id: None,
        username: "crash".into(),
        action: "crash_test",
        target_kind: "test",
        target_id: None,
        region_path: None,
        detail: serde_json::json!({}),
        peer: None,
    }
}

#[tokio::test]
async fn an_import_killed_midway_is_applied_fully_or_not_at_all() {
    let env = Env::new().await;
    env.community();
    const ROWS: i64 = 10_000;
    let csv = env.path("big.csv");
    let mut text = String::from("小区,楼号,室号,姓名,手机\n");
    for i in 0..ROWS {
        text.push_str(&format!("云飞雅苑,{}栋,{}室,居民{i:05},139{:08}\n", i / 200 + 1, i % 200 + 101, i));
    }
    std::fs::write(&csv, text).unwrap();
    let args = ["import", "residents", "--community", "sy", csv.to_str().unwrap(), "--json"];

    // Kill it later and later until a run finishes by itself; after every
    // kill the residents are all there or none.
    let mut delay = Duration::from_millis(50);
    let mut kills = 0;
    let mut seen_none_after_kill = false;
    loop {
        let mut child = env.cmd(&args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let started = Instant::now();
        let mut finished = None;
        while started.elapsed() < delay {
            if let Some(status) = child.try_wait().unwrap() {
                finished = Some(status);
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let residents = match finished {
            Some(status) => {
                assert!(status.success(), "the import finished with {status:?}");
                env.db.count_rows("resident").await
            }
            None => {
                kill(&mut child);
                kills += 1;
                env.db.count_rows("resident").await
            }
        };
        assert!(residents == 0 || residents == ROWS, "after {kills} kill(s) at {delay:?}: {residents} residents");
        if finished.is_some() {
            break;
        }
        seen_none_after_kill |= residents == 0;
        if residents == ROWS {
            break; // killed after its commit
        }
        delay = delay * 3 / 2;
        assert!(delay < Duration::from_secs(120), "the import never finished");
    }
    assert!(kills >= 1 && seen_none_after_kill, "at least one run was killed before its commit");
    println!("import: {kills} kill(s), the last at {delay:?}");
    // The database is usable after the crashes, and a re-import adds nobody twice.
    env.ok(&args);
    assert_eq!(env.db.count_rows("resident").await, ROWS);
}

/// `n` verified volunteers of 商一 with API tokens, and a sheet of `capacity`.
async fn sign_up_world(env: &Env, n: usize, capacity: i32) -> (Uuid, Vec<(Uuid, String)>) {
    let db = &env.db.db;
    let code = RegionCode::parse("sy").unwrap();
    let sy: region::Model = community_by_code(&db.read, &code).await.unwrap();
    let reports: Vec<DutyReport> = (0..n)
        .map(|i| DutyReport {
            name: format!("党员{i:04}"),
            phone: format!("1390{i:07}"),
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
    mob::import_duty_reports(db, sy.id, &reports, entry()).await.unwrap();
    let people = mob::list_volunteers(&db.read, sy.id, &Default::default()).await.unwrap();
    let ids: Vec<Uuid> = people.iter().map(|r| r.volunteer.id).collect();
    mob::review(db, sy.id, &ids, &Review::Verify, None, entry()).await.unwrap();
    let mut people = Vec::new();
    for (i, v) in ids.iter().enumerate() {
        let user = create_user(
            db,
            NewUser {
                username: &format!("v{i:04}"),
                display_name: "v",
                password_hash: "-".into(),
                role: Role::Volunteer,
                scope: &code,
                personal_grant: false,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        let token = shouwang_web::auth::random_token();
        create_api_token(db, user.id, "crash", &shouwang_web::auth::sha256_hex(&token)).await.unwrap();
        mob::link_user(db, *v, Some(user.id)).await.unwrap();
        people.push((*v, token));
    }
    let sheet = signup::create_sheet(
        db,
        sy.id,
        NewSheet { title: "今晚10点 蔬菜包卸货分发".into(), capacity, ..Default::default() },
        shouwang_web::auth::random_token(),
        None,
        entry(),
    )
    .await
    .unwrap()
    .id;
    (sheet, people)
}

/// Starts `shouwang serve` on a free port; answers the child and its URL.
fn serve(env: &Env) -> (Child, String) {
    let mut child =
        env.cmd(&["serve", "--listen", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let url = first_line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();
    (child, url)
}

#[tokio::test]
async fn a_server_killed_in_a_burst_of_joins_keeps_every_accepted_join() {
    let env = Env::new().await;
    env.community();
    env.ok(&["incident", "open", "--region", "sy", "--name", "2022年3月商一社区封控"]);
    const PEOPLE: usize = 400;
    let (sheet, mut people) = sign_up_world(&env, PEOPLE + 1, 150).await;
    let (_, latecomer) = people.pop().unwrap();
    let (mut server, url) = serve(&env);

    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let (answered_tx, mut answered_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for (volunteer, token) in people.iter().cloned() {
        let (client, url, answered) = (client.clone(), url.clone(), answered_tx.clone());
        tasks.push(tokio::spawn(async move {
            let r = client.post(format!("{url}/api/v1/signup-sheets/{sheet}/join")).bearer_auth(token).send().await;
            let accepted = match r {
                Ok(r) if r.status().is_success() => {
                    let body: serde_json::Value = r.json().await.unwrap_or_default();
                    matches!(body["status"].as_str(), Some("confirmed" | "waiting"))
                }
                _ => false,
            };
            let _ = answered.send(());
            (volunteer, accepted)
        }));
    }
    drop(answered_tx);
    // Kill the server once the first answers are out, with the rest in flight.
    for _ in 0..60 {
        answered_rx.recv().await;
    }
    kill(&mut server);
    let mut accepted = Vec::new();
    let mut unanswered = 0;
    for t in tasks {
        match t.await.unwrap() {
            (v, true) => accepted.push(v),
            (_, false) => unanswered += 1,
        }
    }
    assert!(accepted.len() >= 60, "the first answers were acceptances");
    assert!(unanswered > 0, "the kill landed in the middle of the burst");

    // Run it again: every accepted join is on the sheet, in one place each.
    let (mut again, url) = serve(&env);
    let ready = reqwest::get(format!("{url}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let on_sheet: Vec<Uuid> =
        signup::entries(&env.db.db.read, sheet).await.unwrap().into_iter().map(|(e, _)| e.volunteer_id).collect();
    for v in &accepted {
        assert_eq!(on_sheet.iter().filter(|x| *x == v).count(), 1, "an accepted join was lost or doubled");
    }
    // The sheet still takes joins after the restart.
    let late =
        client.post(format!("{url}/api/v1/signup-sheets/{sheet}/join")).bearer_auth(latecomer).send().await.unwrap();
    assert!(late.status().is_success(), "{}", late.status());
    kill(&mut again);
}

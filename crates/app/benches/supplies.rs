//! Supplies benchmark (issue 12). For a community of 100,000 households (as
//! many as a district's: the worst case for one consignment), prints:
//! - the pure allocation and run split (target < 1 s);
//! - the whole confirmed allocation through the service: read the households,
//!   plan, store 100,000 deliveries, runs and ledger entries (no target; shown);
//! - the coverage query (the households not reached, by building; target < 50 ms);
//! - 1,000 simultaneous door confirmations through the running server with a
//!   staff token (target p99 < 200 ms, none lost: 1,000 events and 1,000
//!   delivered doors afterwards).
//!
//! `cargo bench -p shouwang --bench supplies` runs SQLite; with
//! SHOUWANG_TEST_POSTGRES_URL set it runs PostgreSQL too.
//! `SHOUWANG_BENCH_HOUSEHOLDS` changes the household count.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use shouwang_db::accounts::{NewUser, create_api_token, create_user};
use shouwang_db::import::ImportOptions;
use shouwang_db::registry::add_region;
use shouwang_db::testing::TestDb;
use shouwang_domain::supplies::{self as rules, AllocationBasis, Door, ItemRule};
use shouwang_domain::{IdHasher, RegionCode, RegionKind, Role};
use shouwang_io::FileKind;
use shouwang_service::supplies::{self as svc, AllocationInput, ConsignmentInput, CountInput, ItemInput, RuleInput};
use shouwang_web::{AppState, Application, WebConfig};
use uuid::Uuid;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("valid code")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One resident per household: 100 compounds of 50 buildings of 20 rooms.
fn roster(n: usize) -> Vec<u8> {
    let mut csv = String::from("小区,楼号,室号,姓名,标签\n");
    for i in 0..n {
        let (compound, building, room) = (i / 1000, (i / 20) % 50, i % 20);
        let floor = room / 4 + 1;
        let tag = if i % 9 == 0 { "独居老人" } else { "" };
        csv.push_str(&format!(
            "第{}小区,{}号楼,{}{:02},住户{i},{tag}\n",
            compound + 1,
            building + 1,
            floor,
            room % 4 + 1
        ));
    }
    csv.into_bytes()
}

async fn run(label: &str, t: TestDb, n: usize) {
    let db = t.db.clone();
    for (kind, c, name, parent) in [
        (RegionKind::City, "b", "市", None),
        (RegionKind::District, "b-d", "区", Some("b")),
        (RegionKind::Subdistrict, "b-d-s", "街道", Some("b-d")),
        (RegionKind::Community, "bench", "社区", Some("b-d-s")),
    ] {
        add_region(&db, kind, &code(c), name, parent.map(code).as_ref()).await.unwrap();
    }
    shouwang_db::registry::open_incident(&db, &code("bench"), "bench").await.unwrap();
    let hasher = IdHasher::new(b"bench key bench key");
    let start = Instant::now();
    shouwang_service::registry::import_resident_file(
        &db,
        &hasher,
        &code("bench"),
        &roster(n),
        FileKind::Csv,
        ImportOptions::default(),
        2022,
        None,
    )
    .await
    .unwrap();
    println!("{label}: {n} households imported in {:.1} s (setup)", start.elapsed().as_secs_f64());
    let ctx = shouwang_service::Context::new(db.clone(), hasher, shouwang_domain::Clock::system());
    let operator = shouwang_service::Actor::operator("bench");

    // The pure allocation and run split.
    let community = shouwang_db::registry::community_by_code(&db.read, &code("bench")).await.unwrap();
    let rows = shouwang_db::supplies::doors_of(&db.read, community.id).await.unwrap();
    let doors: Vec<Door<Uuid>> = rows
        .iter()
        .map(|r| Door {
            id: r.household_id,
            building: r.building_id,
            building_key: shouwang_domain::text::building_key(&r.building_name),
            floor: rules::floor_of(&r.room_key),
            room_key: r.room_key.clone(),
            persons: r.persons as u32,
            in_need: r.in_need > 0,
        })
        .collect();
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let order = rules::doors_in_order(AllocationBasis::PerHousehold, &doors);
        let rule = ItemRule { received: n as i64, written_off: 0, per_share: 1, reserve: 0 };
        let plan = rules::allocate_item(AllocationBasis::PerHousehold, &doors, &order, rule, "蔬菜包").unwrap();
        let served: Vec<usize> = plan.shares.iter().map(|&(i, _)| i).collect();
        let runs = rules::split_runs(&doors, &served);
        best = best.min(start.elapsed());
        assert_eq!(runs.iter().map(|r| r.doors.len()).sum::<usize>(), n);
    }
    let verdict = if best < Duration::from_secs(1) { "target met (< 1 s)" } else { "TARGET MISSED (1 s)" };
    println!("{label}: allocation and run split of {n} households (pure): {:.0} ms -> {verdict}", ms(best));

    // The whole allocation through the service.
    let input = ConsignmentInput {
        title: "保供蔬菜包".into(),
        source: "government".into(),
        arrived_at: None,
        items: vec![ItemInput { name: "蔬菜包".into(), unit: "箱".into(), quantity: n as i64 + 500 }],
    };
    let id = svc::create_consignment(&ctx, &operator, "bench", &input).await.unwrap();
    let detail = svc::consignment(&ctx, &operator, id).await.unwrap();
    let item = detail.consignment.items[0].id;
    svc::receive(&ctx, &operator, id, &[CountInput { item_id: item, received: n as i64 + 500, written_off: 0 }])
        .await
        .unwrap();
    let allocation = AllocationInput {
        basis: "per_household".into(),
        items: vec![RuleInput { item_id: item, per_share: 1, reserve: 100 }],
        compounds: Vec::new(),
    };
    let start = Instant::now();
    let p = svc::allocate(&ctx, &operator, id, &allocation).await.unwrap();
    println!(
        "{label}: confirmed allocation through the service ({} households, {} runs stored): {:.0} ms",
        p.households,
        p.runs.len(),
        ms(start.elapsed())
    );

    // The coverage query.
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let c = svc::coverage(&ctx, &operator, id).await.unwrap();
        times.push(start.elapsed());
        assert_eq!(c.rows.len(), n.min(svc::COVERAGE_ROWS as usize));
        assert_eq!(c.by_building.iter().map(|b| b.1).sum::<usize>(), n);
    }
    times.sort();
    let median = times[2];
    let verdict = if median < Duration::from_millis(50) { "target met (< 50 ms)" } else { "TARGET MISSED (50 ms)" };
    println!(
        "{label}: coverage of {n} households not yet reached (counts by building, first {} rows): median of 5 {:.0} ms -> {verdict}",
        svc::COVERAGE_ROWS,
        ms(median)
    );

    // 1,000 simultaneous door confirmations through the server.
    let user = create_user(
        &db,
        NewUser {
            username: "bench-staff",
            display_name: "bench",
            password_hash: "-".into(),
            role: Role::SocialWorker,
            scope: &code("bench"),
            personal_grant: false,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    let token = shouwang_web::auth::random_token();
    create_api_token(&db, user.id, "bench", &shouwang_web::auth::sha256_hex(&token)).await.unwrap();
    let state = AppState::new(ctx.clone(), WebConfig { cookie_secure: false, ..Default::default() });
    let app = Application::build(SocketAddr::from(([127, 0, 0, 1], 0)), state).await.unwrap();
    let base = format!("http://{}", app.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let runs = shouwang_db::supplies::runs_of(&db.read, id).await.unwrap();
    let mut doors = Vec::new();
    for r in runs.iter().take(60) {
        for d in shouwang_db::supplies::doors_of_run(&db.read, r.run.id).await.unwrap() {
            doors.push((r.run.id, d.delivery.household_id));
        }
    }
    doors.truncate(1000);
    let client = reqwest::Client::builder().pool_max_idle_per_host(1000).build().unwrap();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (i, (run, household)) in doors.iter().copied().enumerate() {
        let client = client.clone();
        let url = format!("{base}/api/v1/delivery-runs/{run}/doors");
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&serde_json::json!({ "household_id": household, "outcome": "delivered", "key": format!("bench-door-{i:06}") }))
                .send()
                .await;
            (r.map(|r| r.status().as_u16()).unwrap_or(0), t0.elapsed())
        }));
    }
    let mut latencies = Vec::new();
    let mut failed = 0;
    for t in tasks {
        let (status, latency) = t.await.unwrap();
        failed += usize::from(status != 200);
        latencies.push(latency);
    }
    let wall = start.elapsed();
    latencies.sort();
    let p =
        |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1).min(latencies.len() - 1)];
    let events = t.count_rows("delivery_event").await;
    let delivered = shouwang_db::supplies::coverage_counts(&db.read, &[id]).await.unwrap()[&id].1;
    let verdict = if p(0.99) < Duration::from_millis(200) && events == 1000 && failed == 0 {
        "target met (p99 < 200 ms, none lost)"
    } else {
        "TARGET MISSED (p99 200 ms, none lost)"
    };
    println!(
        "{label}: 1000 simultaneous door confirmations in {:.0} ms; p50 {:.0} ms, p99 {:.0} ms; errors {failed}; events stored {events}, doors delivered {delivered} -> {verdict}",
        ms(wall),
        ms(p(0.5)),
        ms(p(0.99))
    );
    let _ = stop.send(());
}

fn main() {
    let n: usize = std::env::var("SHOUWANG_BENCH_HOUSEHOLDS").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        run("SQLite", TestDb::new_sqlite().await, n).await;
        match std::env::var("SHOUWANG_TEST_POSTGRES_URL") {
            Ok(url) => run("PostgreSQL", TestDb::new_postgres(&url).await, n).await,
            Err(_) => println!("PostgreSQL: skipped (set SHOUWANG_TEST_POSTGRES_URL to measure it)"),
        }
    });
}

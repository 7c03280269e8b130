//! SPEC §6: a burst of 1,000 simultaneous sign-ups to one sheet of 30,
//! through the running server, on SQLite (one instance) and, when
//! SHOUWANG_TEST_POSTGRES_URL is set, on PostgreSQL (two instances sharing the
//! database). Prints throughput and p50/p99 latency; target p99 < 200 ms.
//!
//! `cargo bench -p shouwang-web --bench signup_burst`
#![allow(clippy::unwrap_used)]

#[path = "../tests/burst/mod.rs"]
mod burst;

use shouwang_db::testing::TestDb;

const PEOPLE: usize = 1000;
const CAPACITY: i32 = 30;

async fn run(label: &str, t: TestDb, instances: usize) {
    let b = burst::setup(t, PEOPLE, CAPACITY, instances).await;
    // One warm-up request so that connection pools are open, as on a live server.
    let _ = reqwest::get(format!("{}/healthz", b.bases[0])).await;
    let (answers, wall) = burst::fire(&b).await;
    let mut latencies: Vec<_> = answers.iter().map(|a| a.latency).collect();
    latencies.sort_unstable();
    let confirmed = answers.iter().filter(|a| a.outcome == "confirmed").count();
    let failed = answers.iter().filter(|a| a.status != 200).count();
    let p50 = burst::percentile(&latencies, 0.50);
    let p99 = burst::percentile(&latencies, 0.99);
    println!(
        "{label}: {PEOPLE} sign-ups in {:.0} ms ({:.0}/s) through {instances} instance(s); confirmed {confirmed} of {CAPACITY}, errors {failed}; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms -> {}",
        wall.as_secs_f64() * 1000.0,
        PEOPLE as f64 / wall.as_secs_f64(),
        p50.as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0,
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        if p99.as_millis() < 200 && confirmed == CAPACITY as usize { "target met" } else { "TARGET MISSED" }
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        run("SQLite", TestDb::new_sqlite().await, 1).await;
        match std::env::var(shouwang_db::testing::POSTGRES_ENV) {
            Ok(url) if !url.is_empty() => run("PostgreSQL", TestDb::new_postgres(&url).await, 2).await,
            _ => println!("PostgreSQL: skipped (set {} to measure it)", shouwang_db::testing::POSTGRES_ENV),
        }
    });
}

//! SPEC §6: a burst of 1,000 simultaneous sign-ups to one sheet of 30,
//! through the running server, on SQLite (one instance) and, when
//! SHOUWANG_TEST_POSTGRES_URL is set, on PostgreSQL (two instances sharing the
//! database). Each backend gets five bursts, each on a fresh sheet of the same
//! community and by the same 1,000 volunteers; every burst is printed
//! (throughput, p50/p99/max latency, CPU time of the process during it) and
//! then the median p99. Target: p99 < 200 ms. SQLite runs twice, with
//! `synchronous=FULL` (the default) and `NORMAL`, to show what FULL costs.
//!
//! `cargo bench -p shouwang-web --bench signup_burst`
#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "../tests/web/burst/mod.rs"]
mod burst;

use std::time::Duration;

use shouwang_db::Durability;
use shouwang_db::testing::TestDb;

// The same allocator as the `shouwang` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PEOPLE: usize = 1000;
const CAPACITY: i32 = 30;
const ROUNDS: usize = 5;

/// User and system CPU time of this process so far (Linux), in milliseconds.
fn cpu_ms() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<u64> =
        stat.rsplit(')').next().unwrap_or("").split_whitespace().map(|x| x.parse().unwrap_or(0)).collect();
    // utime and stime, in clock ticks of 10 ms.
    (fields.get(11).copied().unwrap_or(0) * 10, fields.get(12).copied().unwrap_or(0) * 10)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run(label: &str, t: TestDb, instances: usize) {
    let b = burst::setup(t, PEOPLE, CAPACITY, instances).await;
    // Warm, as a live server is: pools open, statements prepared (on another sheet).
    burst::warm_up(&b).await;
    let mut p99s = Vec::new();
    for round in 1..=ROUNDS {
        let sheet = if round == 1 {
            b.sheet
        } else {
            burst::new_sheet(&b, "今晚10点 蔬菜包卸货分发", CAPACITY).await
        };
        let (u0, s0) = cpu_ms();
        let (answers, wall) = burst::fire_at(&b, sheet).await;
        let (u1, s1) = cpu_ms();
        let mut latencies: Vec<_> = answers.iter().map(|a| a.latency).collect();
        latencies.sort_unstable();
        let confirmed = answers.iter().filter(|a| a.outcome == "confirmed").count();
        let failed = answers.iter().filter(|a| a.status != 200).count();
        let p99 = burst::percentile(&latencies, 0.99);
        p99s.push(p99);
        println!(
            "{label} burst {round}: {PEOPLE} sign-ups in {:.0} ms ({:.0}/s) through {instances} instance(s); confirmed {confirmed} of {CAPACITY}, errors {failed}; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; CPU user {} ms, system {} ms",
            ms(wall),
            PEOPLE as f64 / wall.as_secs_f64(),
            ms(burst::percentile(&latencies, 0.50)),
            ms(p99),
            latencies.last().map_or(0.0, |d| ms(*d)),
            u1 - u0,
            s1 - s0,
        );
        assert_eq!(confirmed, CAPACITY as usize, "a sheet was oversold or undersold");
    }
    p99s.sort_unstable();
    let median = p99s[p99s.len() / 2];
    println!(
        "{label}: median p99 of {ROUNDS} bursts {:.1} ms -> {}",
        ms(median),
        if median < Duration::from_millis(200) { "target met (< 200 ms)" } else { "TARGET MISSED (200 ms)" }
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        // SPEC §5 (nothing submitted is lost): what syncing every commit costs.
        run("SQLite synchronous=FULL", TestDb::new_sqlite_with(Durability::Full).await, 1).await;
        run("SQLite synchronous=NORMAL", TestDb::new_sqlite_with(Durability::Normal).await, 1).await;
        match std::env::var(shouwang_db::testing::POSTGRES_ENV) {
            Ok(url) if !url.is_empty() => run("PostgreSQL", TestDb::new_postgres(&url).await, 2).await,
            _ => println!("PostgreSQL: skipped (set {} to measure it)", shouwang_db::testing::POSTGRES_ENV),
        }
    });
}

//! Import benchmark (SPEC §6: 100,000 residents from .xlsx in under 10 s).
//!
//! `cargo bench -p shouwang --bench import` prints rows per second for a
//! fresh import and for a re-import of the same file (nothing changes), on
//! SQLite and, when SHOUWANG_TEST_POSTGRES_URL is set, on PostgreSQL too.
//! `SHOUWANG_BENCH_ROWS` changes the row count (default 100,000).

use std::time::Instant;

use shouwang_db::import::ImportOptions;
use shouwang_db::registry::add_region;
use shouwang_db::testing::TestDb;
use shouwang_domain::{IdHasher, RegionCode, RegionKind};
use shouwang_io::{ExportMeta, ExportRow, FileKind};
use shouwang_service::registry::import_resident_file;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("valid code")
}

fn roster_xlsx(n: usize) -> Vec<u8> {
    let rows: Vec<ExportRow> = shouwang::demo::synthetic_residents(n, 42)
        .into_iter()
        .map(|r| ExportRow {
            compound: r.compound.unwrap_or_default(),
            building: r.building,
            room: r.room,
            name: r.name,
            gender: r.gender,
            birth_year: r.birth_year,
            phone: r.phone.map(|p| p.expose().to_string()),
            // A committee's roster carries the full number, as text.
            id_masked: r.id_card.map(|id| id.in_file_key()),
            tags: r.tags,
            note: r.note,
        })
        .collect();
    let meta = ExportMeta { community_name: "bench".into(), exported_by: "bench".into(), exported_at: "-".into() };
    shouwang_io::write_residents_xlsx(&rows, &meta).expect("xlsx written")
}

async fn run(label: &str, t: TestDb, bytes: &[u8], n: usize) {
    let db = &t.db;
    add_region(db, RegionKind::City, &code("b"), "市", None).await.expect("city");
    add_region(db, RegionKind::District, &code("b-d"), "区", Some(&code("b"))).await.expect("district");
    add_region(db, RegionKind::Subdistrict, &code("b-d-s"), "街道", Some(&code("b-d"))).await.expect("subdistrict");
    add_region(db, RegionKind::Community, &code("bench"), "社区", Some(&code("b-d-s"))).await.expect("community");
    let hasher = IdHasher::new(b"bench key bench key");
    for pass in ["fresh import", "re-import (unchanged)"] {
        let start = Instant::now();
        let outcome = import_resident_file(
            db,
            &hasher,
            &code("bench"),
            bytes,
            FileKind::Xlsx,
            ImportOptions::default(),
            2026,
            None,
        )
        .await
        .expect("import");
        let secs = start.elapsed().as_secs_f64();
        let c = outcome.report.counts;
        println!(
            "{label:<10} {pass:<22} {n:>7} rows  {secs:>6.2} s  {:>9.0} rows/s  (created {}, unchanged {}, rejected {})",
            n as f64 / secs,
            c.created,
            c.unchanged,
            outcome.report.rejected.len()
        );
    }
    t.db.close().await;
}

fn main() {
    let n: usize = std::env::var("SHOUWANG_BENCH_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let start = Instant::now();
    let bytes = roster_xlsx(n);
    println!(
        "generated a {n}-row .xlsx ({:.1} MB) in {:.2} s",
        bytes.len() as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        // SQLite: TestDb uses a temp file when no PostgreSQL URL is set.
        let pg = std::env::var(shouwang_db::testing::POSTGRES_ENV).ok().filter(|s| !s.is_empty());
        if pg.is_some() {
            let sqlite = TestDb::new_sqlite().await;
            run("sqlite", sqlite, &bytes, n).await;
            run("postgres", TestDb::new().await, &bytes, n).await;
        } else {
            run("sqlite", TestDb::new().await, &bytes, n).await;
        }
    });
}

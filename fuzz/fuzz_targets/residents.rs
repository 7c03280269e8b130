//! Any bytes as a resident roster: the first byte picks .xlsx, .xls or .csv;
//! the rows go through the domain's row parser as an upload's do. Rows or a
//! `ReadError`, never a panic. (An abort inside calamine on a crafted .xls
//! is a known limit, see crates/io/tests/io/known_calamine_aborts.rs: run
//! with `-- -rss_limit_mb=2048` and triage those apart.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use shouwang_io::{FileKind, read_residents};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let kind = [FileKind::Xlsx, FileKind::Xls, FileKind::Csv][usize::from(pick % 3)];
    if let Ok(sheet) = read_residents(bytes, kind) {
        for raw in &sheet.rows {
            assert!(raw.row > sheet.header_row);
            let _ = shouwang_domain::parse_row(raw, 2026);
        }
    }
});

//! Any bytes as a work unit's volunteer list: the first byte picks .xlsx,
//! .xls or .csv; the rows go through the domain's row parser. Rows or a
//! `ReadError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shouwang_domain::VolunteerKind;
use shouwang_io::{FileKind, read_volunteers};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let kind = [FileKind::Xlsx, FileKind::Xls, FileKind::Csv][usize::from(pick % 3)];
    if let Ok(sheet) = read_volunteers(bytes, kind) {
        let parsed = shouwang_domain::parse_volunteer_rows(&sheet.rows, VolunteerKind::DeployedCadre);
        assert!(parsed.records.len() + parsed.rejected.len() <= sheet.rows.len());
    }
});

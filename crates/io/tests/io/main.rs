//! The integration tests of shouwang-io, one binary (linking one per file
//! cost minutes): one module per feature, helpers in `common`. Fixtures stay
//! in `tests/fixtures/`; proptest keeps its regressions in
//! `tests/proptest-regressions/<module>.txt`.

#[allow(dead_code)] // `shown` has no user today.
mod common;

mod damaged_files;
mod export;
mod hostile_files;
mod known_calamine_aborts;
mod read_csv;
mod read_xls;
mod read_xlsx;
mod robustness;
mod volunteer_import;

//! The integration tests of shouwang-db, one binary (linking one per file
//! cost minutes): one module per feature, helpers in `common`. Every test
//! makes its own database (`shouwang_db::testing::TestDb`): a temporary
//! SQLite file, or a new PostgreSQL database when SHOUWANG_TEST_POSTGRES_URL
//! is set, so the modules' tests run side by side in one process.
#![allow(clippy::unwrap_used)]

#[allow(clippy::too_many_arguments)]
mod common;

mod backup;
mod import;
mod incidents;
mod ledger;
mod mobilisation;
mod registry;
mod rosters;
mod signup;
mod storage;
mod tasks;

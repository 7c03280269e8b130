//! The service layer's tests, on SQLite and (with SHOUWANG_TEST_POSTGRES_URL)
//! on PostgreSQL.
#![allow(clippy::unwrap_used)]

mod accounts;
mod incidents;
mod imports;
mod reactions;
mod reader;
mod readiness;
mod rosters;
mod volunteers;

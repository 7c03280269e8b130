//! The service layer's tests, on SQLite and (with SHOUWANG_TEST_POSTGRES_URL)
//! on PostgreSQL.
#![allow(clippy::unwrap_used)]

mod accounts;
mod imports;
mod incidents;
mod reactions;
mod reader;
mod readiness;
mod rosters;
mod supplies;
mod volunteers;

//! The integration tests of shouwang-web, one binary (linking one per file
//! cost minutes): one module per feature. `common` is the page tests'
//! harness; `burst` is shared with `benches/signup_burst.rs`. Every test
//! serves its own app on port 0 against its own database (SQLite, or
//! PostgreSQL when SHOUWANG_TEST_POSTGRES_URL is set).
#![allow(clippy::unwrap_used)]

mod burst;
mod common;

mod api;
mod api_mobilisation;
mod bounds;
mod control_characters;
mod cross_community;
mod imports;
mod ledger;
mod logins;
mod pages;
mod pages_mobilisation;
mod pages_rosters;
mod pages_tasks;
mod refusals;
mod scope;
mod signup_burst;
mod supplies;
mod times;

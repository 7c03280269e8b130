//! Storage: SeaORM entities, repository functions, connection setup and
//! write transactions. The only crate that talks to the database.
//!
//! Both backends go through the same code; the few places that differ
//! (SQLite `BEGIN IMMEDIATE`, PostgreSQL advisory locks) are in [`conn`].

pub mod accounts;
pub mod audit;
pub mod conn;
pub mod entity;
pub mod error;
pub mod export;
pub mod id_key;
pub mod import;
pub mod links;
pub mod mobilisation;
pub mod registry;
pub mod rosters;
pub mod signup;
pub mod tasks;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod uploads;

pub use conn::{Backend, Db, DbOptions};
pub use error::DbError;
pub use sea_orm::DbErr;

/// The current time, in UTC, for `created_at`/`updated_at` columns.
pub(crate) fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

//! Storage: SeaORM entities, repository functions, connection setup and
//! write transactions. The only crate that talks to the database.
//!
//! Both backends go through the same code; the few places that differ
//! (SQLite `BEGIN IMMEDIATE`, PostgreSQL advisory locks) are in [`conn`].

pub mod accounts;
pub mod audit;
pub mod backup;
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
/// For code that runs several storage steps in one write transaction
/// (the service layer's cross-capability reactions).
pub use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement};

/// The row with a unique key, like sea-orm's `.one()` but without its bound
/// `LIMIT ?`. SQLite 3.51's planner reads a bound LIMIT value, which marks the
/// prepared statement to be parsed and planned again at every execution (12 %
/// of the CPU of a 1,000-person sign-up burst, seen with `perf probe` on
/// `sqlite3Reprepare`). A unique key matches one row at most, so no LIMIT is
/// needed and the cached statement is reused.
pub(crate) async fn unique<E: sea_orm::EntityTrait>(
    select: sea_orm::Select<E>,
    conn: &impl sea_orm::ConnectionTrait,
) -> Result<Option<E::Model>, sea_orm::DbErr> {
    Ok(select.all(conn).await?.into_iter().next())
}

/// The current time, in UTC, for `created_at`/`updated_at` columns.
pub(crate) fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

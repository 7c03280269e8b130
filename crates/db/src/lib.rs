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
pub mod incidents;
pub mod ledger;
pub mod links;
pub mod logins;
pub mod mobilisation;
pub mod registry;
pub mod rosters;
pub mod signup;
pub mod supplies;
pub mod tasks;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod uploads;

pub use conn::{Backend, Db, DbOptions, Durability};
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

/// The current system time, as stored ([`utc`]), for `created_at`/`updated_at`
/// columns. Whatever decides something (a deadline, an expiry) takes its
/// time from the service's clock instead, as a parameter.
pub(crate) fn now() -> time::OffsetDateTime {
    utc(time::OffsetDateTime::now_utc())
}

/// A timestamp as every write and every bound parameter must carry it: in
/// UTC, in the one text shape that SQLite compares as time (see
/// `shouwang_migration::stored_time`). Every time that enters a statement
/// from outside this crate goes through here.
pub fn utc(t: time::OffsetDateTime) -> time::OffsetDateTime {
    shouwang_migration::stored_time(t)
}

//! The one schema source for SQLite and PostgreSQL.
//!
//! Rules that keep the schema portable (see `research/stack.md`): UUID primary
//! keys made by the application, UTC timestamps in one text shape
//! ([`stored_time`]), enums as text with a CHECK, no arrays or
//! PostgreSQL-only types, and every foreign key declared when its table is
//! created (SQLite cannot add one later with ALTER, except on a new nullable
//! column). A rule added to an existing table later (a range, a NOT NULL) is
//! a CHECK or `SET NOT NULL` on PostgreSQL and a `BEFORE INSERT`/`UPDATE`
//! trigger on SQLite, which cannot alter a column without rebuilding its
//! table; those triggers are the only ones.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_registry;
mod m20261124_000002_accounts;
mod m20261124_000003_mobilisation;
mod m20261124_000004_signup;
mod m20261124_000005_tasks;
mod m20261124_000006_rosters;
mod m20261203_000007_bounds;

pub use m20261203_000007_bounds::times_to_utc;

/// Every timestamp as it is stored and as it is bound to a statement: in
/// UTC, to ten microseconds, with one microsecond added. SQLite keeps a
/// timestamp as the RFC 3339 text the driver writes and compares that text
/// as text, so two times compare as times only when their texts have the
/// same shape: the same offset (`Z`, never `+08:00`) and the same number of
/// fraction digits (the driver drops trailing zeros, so `…:00Z` would sort
/// after `…:00.5Z`). The final microsecond makes every text carry six
/// digits (`2022-04-06T14:30:00.123451Z`), which PostgreSQL (microseconds)
/// keeps too, so a time reads back exactly as it was written on both
/// backends. Idempotent.
pub fn stored_time(t: time::OffsetDateTime) -> time::OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 10_000 * 10_000 + 1_000).unwrap_or(t)
}
pub mod m20261203_000008_incidents;
mod m20261203_000009_imports;
mod m20261203_000010_first_login;
mod m20261203_000011_supplies;
mod m20261203_000012_ledger;

/// A named foreign key, as the tables of the later migrations declare them.
pub(crate) fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(on_delete).to_owned()
}

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_registry::Migration),
            Box::new(m20261124_000002_accounts::Migration),
            Box::new(m20261124_000003_mobilisation::Migration),
            Box::new(m20261124_000004_signup::Migration),
            Box::new(m20261124_000005_tasks::Migration),
            Box::new(m20261124_000006_rosters::Migration),
            Box::new(m20261203_000007_bounds::Migration),
            Box::new(m20261203_000008_incidents::Migration),
            Box::new(m20261203_000009_imports::Migration),
            Box::new(m20261203_000010_first_login::Migration),
            Box::new(m20261203_000011_supplies::Migration),
            Box::new(m20261203_000012_ledger::Migration),
        ]
    }
}

#[cfg(test)]
mod tests {
    use time::format_description::well_known::Rfc3339;
    use time::macros::datetime;

    /// As text, stored times sort exactly as the times do, whatever offset
    /// and fraction they came with; a stored time is stored unchanged.
    #[test]
    fn stored_texts_sort_as_times() {
        let times = [
            datetime!(2022-04-06 22:30 +8),
            datetime!(2022-04-06 14:30:00.5 UTC),
            datetime!(2022-04-06 14:30:00.05 UTC),
            datetime!(2022-04-06 14:30:01 UTC),
            datetime!(2022-04-06 14:29:59.999999999 UTC),
            datetime!(2022-04-06 23:00 +8),
        ];
        let mut by_time: Vec<_> = times.iter().map(|t| super::stored_time(*t)).collect();
        by_time.sort();
        let mut by_text: Vec<String> = by_time.iter().map(|t| t.format(&Rfc3339).expect("RFC 3339")).collect();
        let sorted_texts = {
            let mut v = by_text.clone();
            v.sort();
            v
        };
        assert_eq!(by_text, sorted_texts);
        assert_eq!(by_text[0], "2022-04-06T14:29:59.999991Z");
        assert!(by_text.iter().all(|t| t.len() == "2022-04-06T14:30:00.000001Z".len()), "{by_text:?}");
        by_text.dedup();
        for t in by_time {
            assert_eq!(super::stored_time(t), t);
        }
    }
}

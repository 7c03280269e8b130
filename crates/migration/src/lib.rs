//! The one schema source for SQLite and PostgreSQL.
//!
//! Rules that keep the schema portable (see `research/stack.md`): UUID primary
//! keys made by the application, UTC timestamps, enums as text with a CHECK,
//! no triggers, arrays or PostgreSQL-only types, and every foreign key declared
//! when its table is created (SQLite cannot add one later with ALTER).

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_registry;
mod m20261124_000002_accounts;
mod m20261124_000003_mobilisation;
mod m20261124_000004_signup;
mod m20261124_000005_tasks;
mod m20261124_000006_rosters;
mod m20261203_000009_imports;

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
            Box::new(m20261203_000009_imports::Migration),
        ]
    }
}

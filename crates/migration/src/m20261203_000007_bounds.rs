//! Bounded numbers in the schema itself: every number a user sends has the
//! same range here as in the domain (`shouwang_domain::bounds`), so that no
//! write, whatever its path, can store a quantity or a counter that later
//! overflows a reader. PostgreSQL gets `ADD CONSTRAINT .. CHECK`; SQLite
//! cannot add a CHECK to a table without rebuilding it, so it gets
//! `BEFORE INSERT`/`BEFORE UPDATE` triggers that abort the statement.
//!
//! On SQLite it also rewrites every stored timestamp in the one shape
//! [`crate::stored_time`] gives (UTC, six fraction digits), so that text
//! comparisons in SQL compare times (a deadline written `+08:00` compared
//! as text against a UTC bound kept a sheet open for hours).
//!
//! Rows written before this migration are not re-checked (PostgreSQL's
//! `NOT VALID`; SQLite's triggers see only new writes): a database that
//! already holds an overflowed counter still migrates, and every new write
//! is checked.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, constraint name, columns whose change re-checks it, the condition
/// every row must meet).
pub(crate) const CHECKS: &[(&str, &str, &[&str], &str)] = &[
    ("signup_sheet", "ck_signup_sheet_capacity", &["capacity"], "capacity BETWEEN 1 AND 10000"),
    (
        "signup_sheet",
        "ck_signup_sheet_quantity_max",
        &["quantity_max"],
        "quantity_max IS NULL OR quantity_max BETWEEN 1 AND 10000",
    ),
    (
        "signup_sheet",
        "ck_signup_sheet_quantity_total",
        &["quantity_total"],
        "quantity_total IS NULL OR quantity_total BETWEEN 1 AND 100000000",
    ),
    (
        "signup_sheet",
        "ck_signup_sheet_counters",
        &["arrivals", "confirmed", "quantity_confirmed"],
        "arrivals >= 0 AND confirmed >= 0 AND confirmed <= arrivals \
         AND quantity_confirmed BETWEEN 0 AND 100000000",
    ),
    ("signup_entry", "ck_signup_entry_quantity", &["quantity"], "quantity BETWEEN 1 AND 10000"),
    ("signup_entry", "ck_signup_entry_seq", &["seq"], "seq >= 1"),
    ("task", "ck_task_headcount", &["headcount"], "headcount BETWEEN 1 AND 10000"),
    ("shift", "ck_shift_needed", &["needed"], "needed BETWEEN 1 AND 50"),
    (
        "roster_settings",
        "ck_roster_settings_ranges",
        &["warn_day_minutes", "max_day_minutes", "min_rest_minutes", "max_week_minutes"],
        "warn_day_minutes BETWEEN 1 AND 1440 AND max_day_minutes BETWEEN 1 AND 1440 \
         AND min_rest_minutes BETWEEN 0 AND 2880 AND max_week_minutes BETWEEN 1 AND 10080",
    ),
    ("groupbuy_slot", "ck_groupbuy_slot_slot", &["slot"], "slot BETWEEN 0 AND 10000"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too: the triggers and the rewrite of
    /// every timestamp are applied whole or not at all, and the rewrite's
    /// many small updates commit once.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            times_to_utc(db).await?;
        }
        for (table, name, columns, condition) in CHECKS {
            match manager.get_database_backend() {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition}) NOT VALID"
                    ))
                    .await?;
                }
                _ => {
                    // A trigger names the row being written as NEW.
                    let condition = qualified(condition);
                    let abort = format!("SELECT RAISE(ABORT, 'CHECK constraint failed: {name}');");
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} \
                         WHEN NOT ({condition}) BEGIN {abort} END"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {name}_update BEFORE UPDATE OF {} ON {table} \
                         WHEN NOT ({condition}) BEGIN {abort} END",
                        columns.join(", ")
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, name, _, _) in CHECKS {
            match manager.get_database_backend() {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")).await?;
                }
                _ => {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}_insert")).await?;
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}_update")).await?;
                }
            }
        }
        Ok(())
    }
}

/// The condition with every column (the lower-case words; keywords are
/// written in capitals) read from NEW.
fn qualified(condition: &str) -> String {
    condition
        .split(' ')
        .map(|w| {
            if !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                format!("NEW.{w}")
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Rewrites every timestamp column of every table (SQLite declares them
/// `timestamp_with_timezone_text`) in the shape [`crate::stored_time`] gives.
/// SQLite only; run by this migration (and by tests, on rows they wrote
/// the old way).
pub async fn times_to_utc(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    use time::format_description::well_known::Rfc3339;
    let backend = DbBackend::Sqlite;
    let tables = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ))
        .await?;
    for t in tables {
        let table: String = t.try_get("", "name")?;
        let columns = db
            .query_all_raw(Statement::from_string(
                backend,
                format!("SELECT name, type FROM pragma_table_info('{table}')"),
            ))
            .await?;
        for c in columns {
            let (column, kind): (String, String) = (c.try_get("", "name")?, c.try_get("", "type")?);
            if !kind.to_ascii_lowercase().contains("timestamp") {
                continue;
            }
            let rows = db
                .query_all_raw(Statement::from_string(
                    backend,
                    format!(
                        "SELECT rowid AS r, \"{column}\" AS t FROM \"{table}\" WHERE typeof(\"{column}\") = 'text'"
                    ),
                ))
                .await?;
            for row in rows {
                let (rowid, text): (i64, String) = (row.try_get("", "r")?, row.try_get("", "t")?);
                // Text that is not RFC 3339 is left as it is (the driver reads other shapes too).
                let Ok(at) = time::OffsetDateTime::parse(text.trim(), &Rfc3339) else { continue };
                let Ok(utc) = crate::stored_time(at).format(&Rfc3339) else { continue };
                if utc != text {
                    db.execute_raw(Statement::from_sql_and_values(
                        backend,
                        format!("UPDATE \"{table}\" SET \"{column}\" = ? WHERE rowid = ?"),
                        [utc.into(), rowid.into()],
                    ))
                    .await?;
                }
            }
        }
    }
    Ok(())
}

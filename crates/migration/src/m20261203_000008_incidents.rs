//! Every operational record belongs to an incident (SPEC §1 "incident", §5):
//! an `incident_id` on each operational table, so that closing an incident and
//! purging it after the retention period can find all of its rows.
//!
//! Per table: the tables that carry a community (duty reports = `volunteer`,
//! branches, groups, key roles and hand-overs, the grouping draft, sheets,
//! tasks, claims, posts, shifts, the group-buy timetable and organisers) and
//! their child rows (members, compounds, entries, events, assignees,
//! assignments) get the column. A `volunteer` row is one person's duty report
//! to one community, with their name and phone: it is incident state, not an
//! identity that outlives the incident. Left out on purpose: the registry
//! (regions, households, residents), accounts and sessions, the audit log
//! (redacted by the purge instead), `compound_adjacency` (geography) and
//! `roster_settings` (the committee's fatigue limits, no personal data).
//!
//! Existing rows are given their community's open incident (on the community
//! or an ancestor, the nearest first); a community that has rows but no open
//! incident gets an open one named "imported before incidents".
//!
//! SQLite can add a column with REFERENCES only when it defaults to NULL, so
//! NOT NULL is kept there by BEFORE INSERT / BEFORE UPDATE triggers;
//! PostgreSQL gets `SET NOT NULL`. A new `incident_daily_aggregate` table keeps
//! the anonymous counts of purged incidents per community and day.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};
use sea_orm_migration::prelude::*;
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables with a `community_id`, whose rows take the community's incident.
const ROOTS: [&str; 13] = [
    "volunteer",
    "branch",
    "volunteer_group",
    "key_role",
    "role_handover",
    "grouping_draft",
    "signup_sheet",
    "task",
    "claim",
    "post",
    "shift",
    "groupbuy_slot",
    "groupbuy_organiser",
];

/// Child tables: (table, its parent column, the parent table).
const CHILDREN: [(&str, &str, &str); 7] = [
    ("branch_member", "branch_id", "branch"),
    ("group_member", "group_id", "volunteer_group"),
    ("group_compound", "group_id", "volunteer_group"),
    ("signup_entry", "sheet_id", "signup_sheet"),
    ("task_event", "task_id", "task"),
    ("task_assignee", "task_id", "task"),
    ("shift_assignment", "shift_id", "shift"),
];

/// Every table that gets the column, for the purge and the tests.
pub const INCIDENT_TABLES: [&str; 20] = [
    "volunteer",
    "branch",
    "volunteer_group",
    "key_role",
    "role_handover",
    "grouping_draft",
    "signup_sheet",
    "task",
    "claim",
    "post",
    "shift",
    "groupbuy_slot",
    "groupbuy_organiser",
    "branch_member",
    "group_member",
    "group_compound",
    "signup_entry",
    "task_event",
    "task_assignee",
    "shift_assignment",
];

const IMPORTED_NAME: &str = "导入前的数据 (imported before incidents)";

#[derive(DeriveIden)]
enum IncidentDailyAggregate {
    Table,
    CommunityId,
    IncidentId,
    Day,
    VolunteersReported,
    VolunteersVerified,
    VolunteersExempt,
    VolunteersRejected,
    VolunteersGrouped,
    Branches,
    Groups,
    TasksCreated,
    TasksDone,
    Claims,
    Sheets,
    Signups,
    Shifts,
    ShiftAssignments,
}

#[derive(DeriveIden)]
enum Incident {
    Table,
    Id,
    ClosedAt,
    PurgedAt,
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        let uuid_type = match backend {
            DatabaseBackend::Sqlite => "uuid_text",
            _ => "uuid",
        };
        for table in INCIDENT_TABLES {
            conn.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD COLUMN incident_id {uuid_type} NULL REFERENCES incident (id) ON DELETE RESTRICT"
            ))
            .await?;
        }

        // Backfill: each community's open incident, or a new one.
        let mut communities: Vec<Uuid> = Vec::new();
        for table in ROOTS {
            let rows = conn
                .query_all_raw(Statement::from_string(backend, format!("SELECT DISTINCT community_id FROM {table}")))
                .await?;
            for row in rows {
                let id: Uuid = row.try_get_by_index(0)?;
                if !communities.contains(&id) {
                    communities.push(id);
                }
            }
        }
        for community in communities {
            let found = conn
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    placeholders(
                        backend,
                        "SELECT i.id FROM incident i JOIN region a ON a.id = i.region_id, region c \
                         WHERE c.id = ? AND i.status = 'open' AND substr(c.path, 1, length(a.path)) = a.path \
                         ORDER BY length(a.path) DESC, i.opened_at DESC",
                    ),
                    [Value::from(community)],
                ))
                .await?;
            let incident: Uuid = match found.first() {
                Some(row) => row.try_get_by_index(0)?,
                None => {
                    let id = Uuid::now_v7();
                    conn.execute_raw(Statement::from_sql_and_values(
                        backend,
                        placeholders(
                            backend,
                            "INSERT INTO incident (id, region_id, name, status, opened_at) VALUES (?, ?, ?, 'open', ?)",
                        ),
                        [
                            Value::from(id),
                            Value::from(community),
                            Value::from(IMPORTED_NAME),
                            Value::from(time::OffsetDateTime::now_utc()),
                        ],
                    ))
                    .await?;
                    id
                }
            };
            for table in ROOTS {
                conn.execute_raw(Statement::from_sql_and_values(
                    backend,
                    placeholders(
                        backend,
                        &format!("UPDATE {table} SET incident_id = ? WHERE community_id = ? AND incident_id IS NULL"),
                    ),
                    [Value::from(incident), Value::from(community)],
                ))
                .await?;
            }
        }
        for (table, column, parent) in CHILDREN {
            conn.execute_unprepared(&format!(
                "UPDATE {table} SET incident_id = (SELECT p.incident_id FROM {parent} p WHERE p.id = {table}.{column}) \
                 WHERE incident_id IS NULL"
            ))
            .await?;
        }

        for table in INCIDENT_TABLES {
            match backend {
                DatabaseBackend::Sqlite => {
                    for (when, event) in [("insert", "INSERT"), ("update", "UPDATE OF incident_id")] {
                        conn.execute_unprepared(&format!(
                            "CREATE TRIGGER tr_{table}_incident_{when} BEFORE {event} ON {table} \
                             WHEN NEW.incident_id IS NULL \
                             BEGIN SELECT RAISE(ABORT, 'NOT NULL constraint failed: {table}.incident_id'); END"
                        ))
                        .await?;
                    }
                }
                _ => {
                    conn.execute_unprepared(&format!("ALTER TABLE {table} ALTER COLUMN incident_id SET NOT NULL"))
                        .await?;
                }
            }
            conn.execute_unprepared(&format!("CREATE INDEX ix_{table}_incident ON {table} (incident_id)")).await?;
        }

        // A person reports once per community and incident: a report to a
        // later incident is a new duty report, not a merge into a closed one.
        manager
            .drop_index(Index::drop().name("ux_volunteer_community_phone").table(Alias::new("volunteer")).to_owned())
            .await?;
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_volunteer_incident_community_phone ON volunteer (incident_id, community_id, phone)",
        )
        .await?;

        // When the purge ran (NULL: not yet); the retention clock starts at closed_at.
        manager
            .alter_table(
                Table::alter()
                    .table(Incident::Table)
                    .add_column(ColumnDef::new(Incident::PurgedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_incident_closed_at").table(Incident::Table).col(Incident::ClosedAt).to_owned(),
            )
            .await?;

        let count = |c: IncidentDailyAggregate| ColumnDef::new(c).big_integer().not_null().default(0).to_owned();
        manager
            .create_table(
                Table::create()
                    .table(IncidentDailyAggregate::Table)
                    .col(ColumnDef::new(IncidentDailyAggregate::CommunityId).uuid().not_null())
                    .col(ColumnDef::new(IncidentDailyAggregate::IncidentId).uuid().not_null())
                    // Beijing calendar day.
                    .col(ColumnDef::new(IncidentDailyAggregate::Day).date().not_null())
                    .col(count(IncidentDailyAggregate::VolunteersReported))
                    .col(count(IncidentDailyAggregate::VolunteersVerified))
                    .col(count(IncidentDailyAggregate::VolunteersExempt))
                    .col(count(IncidentDailyAggregate::VolunteersRejected))
                    .col(count(IncidentDailyAggregate::VolunteersGrouped))
                    .col(count(IncidentDailyAggregate::Branches))
                    .col(count(IncidentDailyAggregate::Groups))
                    .col(count(IncidentDailyAggregate::TasksCreated))
                    .col(count(IncidentDailyAggregate::TasksDone))
                    .col(count(IncidentDailyAggregate::Claims))
                    .col(count(IncidentDailyAggregate::Sheets))
                    .col(count(IncidentDailyAggregate::Signups))
                    .col(count(IncidentDailyAggregate::Shifts))
                    .col(count(IncidentDailyAggregate::ShiftAssignments))
                    .primary_key(
                        Index::create()
                            .col(IncidentDailyAggregate::IncidentId)
                            .col(IncidentDailyAggregate::CommunityId)
                            .col(IncidentDailyAggregate::Day),
                    )
                    .foreign_key(&mut crate::fk(
                        "fk_incident_daily_aggregate_incident",
                        (IncidentDailyAggregate::Table, IncidentDailyAggregate::IncidentId),
                        (Incident::Table, Incident::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut crate::fk(
                        "fk_incident_daily_aggregate_community",
                        (IncidentDailyAggregate::Table, IncidentDailyAggregate::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_incident_daily_aggregate_community")
                    .table(IncidentDailyAggregate::Table)
                    .col(IncidentDailyAggregate::CommunityId)
                    .col(IncidentDailyAggregate::Day)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The incident columns stay: dropping a referencing column needs a table rebuild on SQLite.
        manager.drop_table(Table::drop().table(IncidentDailyAggregate::Table).to_owned()).await?;
        Ok(())
    }
}

/// `?` placeholders as the backend writes them.
fn placeholders(backend: DatabaseBackend, sql: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(ch);
                }
            }
            out
        }
        _ => sql.to_string(),
    }
}

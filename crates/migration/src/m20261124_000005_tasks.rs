//! Tasks and claims (SPEC §4.4). A task flows community → branch → group →
//! members; `task_event` is its append-only history. A claim holds a piece of
//! work for one volunteer until it expires: `live_subject` is `kind:id` while
//! the claim is live and NULL once released or expired, and a UNIQUE index on
//! it (NULLs never collide) lets one INSERT ... ON CONFLICT DO NOTHING decide
//! who gets the work, on both backends.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Volunteer {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum VolunteerGroup {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Branch {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SignupSheet {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Task {
    Table,
    Id,
    CommunityId,
    Title,
    Kind,
    PlaceRegionId,
    PlaceText,
    StartsAt,
    EndsAt,
    Headcount,
    Priority,
    Skills,
    State,
    BranchId,
    GroupId,
    SignupSheetId,
    Reason,
    CreatedBy,
    DoneBy,
    CheckedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TaskEvent {
    Table,
    Id,
    TaskId,
    At,
    ByUser,
    ByName,
    FromState,
    ToState,
    What,
    Detail,
}

#[derive(DeriveIden)]
enum TaskAssignee {
    Table,
    TaskId,
    VolunteerId,
    AssignedAt,
    AssignedBy,
}

#[derive(DeriveIden)]
enum Claim {
    Table,
    Id,
    CommunityId,
    WorkKind,
    SubjectId,
    VolunteerId,
    ClaimedAt,
    ExpiresAt,
    ReleasedAt,
    HandedTo,
    LiveSubject,
}

const STATES: [&str; 7] = ["open", "assigned", "in_progress", "done", "checked", "could_not_complete", "cancelled"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Task::Table)
                    .col(pk_uuid(Task::Id))
                    .col(uuid(Task::CommunityId))
                    .col(string_len(Task::Title, 200))
                    .col(string_len(Task::Kind, 24))
                    .col(uuid_null(Task::PlaceRegionId))
                    .col(string_len_null(Task::PlaceText, 200))
                    .col(timestamp_with_time_zone_null(Task::StartsAt))
                    .col(timestamp_with_time_zone_null(Task::EndsAt))
                    .col(integer(Task::Headcount).default(1).check(Expr::col(Task::Headcount).gt(0)))
                    .col(
                        string_len(Task::Priority, 8)
                            .default("normal")
                            .check(Expr::col(Task::Priority).is_in(["urgent", "high", "normal"])),
                    )
                    .col(string_len(Task::Skills, 200).default(""))
                    .col(string_len(Task::State, 20).default("open").check(Expr::col(Task::State).is_in(STATES)))
                    .col(uuid_null(Task::BranchId))
                    .col(uuid_null(Task::GroupId))
                    .col(uuid_null(Task::SignupSheetId))
                    .col(string_len_null(Task::Reason, 500))
                    .col(uuid_null(Task::CreatedBy))
                    .col(uuid_null(Task::DoneBy))
                    .col(uuid_null(Task::CheckedBy))
                    .col(timestamp_with_time_zone(Task::CreatedAt))
                    .col(timestamp_with_time_zone(Task::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_task_community",
                        (Task::Table, Task::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_task_place",
                        (Task::Table, Task::PlaceRegionId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_task_branch",
                        (Task::Table, Task::BranchId),
                        (Branch::Table, Branch::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_task_group",
                        (Task::Table, Task::GroupId),
                        (VolunteerGroup::Table, VolunteerGroup::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_task_sheet",
                        (Task::Table, Task::SignupSheetId),
                        (SignupSheet::Table, SignupSheet::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_task_community_state")
                    .table(Task::Table)
                    .col(Task::CommunityId)
                    .col(Task::State)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskEvent::Table)
                    .col(pk_uuid(TaskEvent::Id))
                    .col(uuid(TaskEvent::TaskId))
                    .col(timestamp_with_time_zone(TaskEvent::At))
                    .col(uuid_null(TaskEvent::ByUser))
                    .col(string_len(TaskEvent::ByName, 100))
                    .col(string_len_null(TaskEvent::FromState, 20))
                    .col(string_len_null(TaskEvent::ToState, 20))
                    .col(string_len(TaskEvent::What, 24))
                    .col(string_len_null(TaskEvent::Detail, 500))
                    .foreign_key(&mut fk(
                        "fk_task_event_task",
                        (TaskEvent::Table, TaskEvent::TaskId),
                        (Task::Table, Task::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_task_event_task")
                    .table(TaskEvent::Table)
                    .col(TaskEvent::TaskId)
                    .col(TaskEvent::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskAssignee::Table)
                    .col(uuid(TaskAssignee::TaskId))
                    .col(uuid(TaskAssignee::VolunteerId))
                    .col(timestamp_with_time_zone(TaskAssignee::AssignedAt))
                    .col(uuid_null(TaskAssignee::AssignedBy))
                    .primary_key(Index::create().col(TaskAssignee::TaskId).col(TaskAssignee::VolunteerId))
                    .foreign_key(&mut fk(
                        "fk_task_assignee_task",
                        (TaskAssignee::Table, TaskAssignee::TaskId),
                        (Task::Table, Task::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_task_assignee_volunteer",
                        (TaskAssignee::Table, TaskAssignee::VolunteerId),
                        (Volunteer::Table, Volunteer::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_task_assignee_volunteer")
                    .table(TaskAssignee::Table)
                    .col(TaskAssignee::VolunteerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Claim::Table)
                    .col(pk_uuid(Claim::Id))
                    .col(uuid(Claim::CommunityId))
                    .col(
                        string_len(Claim::WorkKind, 16)
                            .check(Expr::col(Claim::WorkKind).is_in(["task", "building_run"])),
                    )
                    .col(uuid(Claim::SubjectId))
                    .col(uuid(Claim::VolunteerId))
                    .col(timestamp_with_time_zone(Claim::ClaimedAt))
                    .col(timestamp_with_time_zone(Claim::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Claim::ReleasedAt))
                    .col(uuid_null(Claim::HandedTo))
                    .col(string_len_null(Claim::LiveSubject, 60))
                    .foreign_key(&mut fk(
                        "fk_claim_community",
                        (Claim::Table, Claim::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_claim_volunteer",
                        (Claim::Table, Claim::VolunteerId),
                        (Volunteer::Table, Volunteer::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // At most one live claim per subject: the database says so.
        manager
            .create_index(
                Index::create()
                    .name("ux_claim_live_subject")
                    .table(Claim::Table)
                    .col(Claim::LiveSubject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, col) in [("ix_claim_subject", Claim::SubjectId), ("ix_claim_volunteer", Claim::VolunteerId)] {
            manager.create_index(Index::create().name(name).table(Claim::Table).col(col).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Claim::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(TaskAssignee::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(TaskEvent::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Task::Table).to_owned()).await?;
        Ok(())
    }
}

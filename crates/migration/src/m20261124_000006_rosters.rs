//! Duty rosters (值班表) and the group-buy timetable (团购时间表), SPEC §4.4.
//!
//! Shift times are stored as whole minutes of local wall-clock time since
//! 1970-01-01 (see `shouwang_domain::roster`), in BIGINT columns, so both
//! backends compare them the same way.

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
enum RosterSettings {
    Table,
    CommunityId,
    WarnDayMinutes,
    MaxDayMinutes,
    MinRestMinutes,
    MaxWeekMinutes,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Post {
    Table,
    Id,
    CommunityId,
    Name,
    Kind,
    CompoundId,
    GroupId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Shift {
    Table,
    Id,
    CommunityId,
    PostId,
    StartMin,
    EndMin,
    Needed,
    Skill,
    ReopenedFor,
    ReopenedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ShiftAssignment {
    Table,
    Id,
    ShiftId,
    VolunteerId,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GroupbuySlot {
    Table,
    Id,
    CommunityId,
    Day,
    Slot,
    Point,
    Starts,
    Ends,
    CompoundId,
    GroupId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GroupbuyOrganiser {
    Table,
    Id,
    CommunityId,
    CompoundId,
    Name,
    PhoneMasked,
    VolunteerId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RosterSettings::Table)
                    .col(pk_uuid(RosterSettings::CommunityId))
                    .col(integer(RosterSettings::WarnDayMinutes).check(Expr::col(RosterSettings::WarnDayMinutes).gt(0)))
                    .col(integer(RosterSettings::MaxDayMinutes).check(Expr::col(RosterSettings::MaxDayMinutes).gt(0)))
                    .col(
                        integer(RosterSettings::MinRestMinutes).check(Expr::col(RosterSettings::MinRestMinutes).gte(0)),
                    )
                    .col(integer(RosterSettings::MaxWeekMinutes).check(Expr::col(RosterSettings::MaxWeekMinutes).gt(0)))
                    .col(timestamp_with_time_zone(RosterSettings::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_roster_settings_community",
                        (RosterSettings::Table, RosterSettings::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Post::Table)
                    .col(pk_uuid(Post::Id))
                    .col(uuid(Post::CommunityId))
                    .col(string_len(Post::Name, 100))
                    .col(
                        string_len(Post::Kind, 16)
                            .check(Expr::col(Post::Kind).is_in(["gate", "testing", "supply", "patrol", "other"])),
                    )
                    .col(uuid_null(Post::CompoundId))
                    .col(uuid_null(Post::GroupId))
                    .col(timestamp_with_time_zone(Post::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_post_community",
                        (Post::Table, Post::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_post_compound",
                        (Post::Table, Post::CompoundId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_post_group",
                        (Post::Table, Post::GroupId),
                        (VolunteerGroup::Table, VolunteerGroup::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_post_community").table(Post::Table).col(Post::CommunityId).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Shift::Table)
                    .col(pk_uuid(Shift::Id))
                    .col(uuid(Shift::CommunityId))
                    .col(uuid(Shift::PostId))
                    .col(big_integer(Shift::StartMin))
                    .col(big_integer(Shift::EndMin).check(Expr::col(Shift::EndMin).gt(Expr::col(Shift::StartMin))))
                    .col(integer(Shift::Needed).check(Expr::col(Shift::Needed).gt(0)))
                    .col(string_len_null(Shift::Skill, 24))
                    .col(uuid_null(Shift::ReopenedFor))
                    .col(timestamp_with_time_zone_null(Shift::ReopenedAt))
                    .col(timestamp_with_time_zone(Shift::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_shift_community",
                        (Shift::Table, Shift::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_shift_post",
                        (Shift::Table, Shift::PostId),
                        (Post::Table, Post::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_shift_reopened_for",
                        (Shift::Table, Shift::ReopenedFor),
                        (Volunteer::Table, Volunteer::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_shift_community_start")
                    .table(Shift::Table)
                    .col(Shift::CommunityId)
                    .col(Shift::StartMin)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ShiftAssignment::Table)
                    .col(pk_uuid(ShiftAssignment::Id))
                    .col(uuid(ShiftAssignment::ShiftId))
                    .col(uuid(ShiftAssignment::VolunteerId))
                    .col(string_len_null(ShiftAssignment::Reason, 400))
                    .col(timestamp_with_time_zone(ShiftAssignment::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_shift_assignment_shift",
                        (ShiftAssignment::Table, ShiftAssignment::ShiftId),
                        (Shift::Table, Shift::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_shift_assignment_volunteer",
                        (ShiftAssignment::Table, ShiftAssignment::VolunteerId),
                        (Volunteer::Table, Volunteer::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // Nobody twice on one shift.
        manager
            .create_index(
                Index::create()
                    .name("ux_shift_assignment_person")
                    .table(ShiftAssignment::Table)
                    .col(ShiftAssignment::ShiftId)
                    .col(ShiftAssignment::VolunteerId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_shift_assignment_volunteer")
                    .table(ShiftAssignment::Table)
                    .col(ShiftAssignment::VolunteerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupbuySlot::Table)
                    .col(pk_uuid(GroupbuySlot::Id))
                    .col(uuid(GroupbuySlot::CommunityId))
                    .col(date(GroupbuySlot::Day))
                    .col(integer(GroupbuySlot::Slot))
                    .col(string_len(GroupbuySlot::Point, 100))
                    .col(string_len(GroupbuySlot::Starts, 5))
                    .col(string_len(GroupbuySlot::Ends, 5))
                    .col(uuid(GroupbuySlot::CompoundId))
                    .col(uuid_null(GroupbuySlot::GroupId))
                    .col(timestamp_with_time_zone(GroupbuySlot::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_groupbuy_slot_community",
                        (GroupbuySlot::Table, GroupbuySlot::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_groupbuy_slot_compound",
                        (GroupbuySlot::Table, GroupbuySlot::CompoundId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_groupbuy_slot_group",
                        (GroupbuySlot::Table, GroupbuySlot::GroupId),
                        (VolunteerGroup::Table, VolunteerGroup::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // One compound per slot of a day: a slot is never double-booked.
        manager
            .create_index(
                Index::create()
                    .name("ux_groupbuy_slot")
                    .table(GroupbuySlot::Table)
                    .col(GroupbuySlot::CommunityId)
                    .col(GroupbuySlot::Day)
                    .col(GroupbuySlot::Slot)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_groupbuy_slot_compound")
                    .table(GroupbuySlot::Table)
                    .col(GroupbuySlot::CompoundId)
                    .col(GroupbuySlot::Day)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupbuyOrganiser::Table)
                    .col(pk_uuid(GroupbuyOrganiser::Id))
                    .col(uuid(GroupbuyOrganiser::CommunityId))
                    .col(uuid(GroupbuyOrganiser::CompoundId))
                    .col(string_len(GroupbuyOrganiser::Name, 50))
                    .col(string_len_null(GroupbuyOrganiser::PhoneMasked, 20))
                    .col(uuid_null(GroupbuyOrganiser::VolunteerId))
                    .col(timestamp_with_time_zone(GroupbuyOrganiser::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_groupbuy_organiser_community",
                        (GroupbuyOrganiser::Table, GroupbuyOrganiser::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_groupbuy_organiser_compound",
                        (GroupbuyOrganiser::Table, GroupbuyOrganiser::CompoundId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_groupbuy_organiser_volunteer",
                        (GroupbuyOrganiser::Table, GroupbuyOrganiser::VolunteerId),
                        (Volunteer::Table, Volunteer::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_groupbuy_organiser_compound")
                    .table(GroupbuyOrganiser::Table)
                    .col(GroupbuyOrganiser::CompoundId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            GroupbuyOrganiser::Table.into_iden(),
            GroupbuySlot::Table.into_iden(),
            ShiftAssignment::Table.into_iden(),
            Shift::Table.into_iden(),
            Post::Table.into_iden(),
            RosterSettings::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

//! Sign-up sheets (接龙), SPEC §4.4. The sheet row carries its own counters
//! (`arrivals`, `confirmed`, `quantity_confirmed`): every join updates them
//! with one conditional UPDATE, which takes the row's lock on PostgreSQL and
//! runs alone on SQLite, so the capacity holds whatever the concurrency.

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
enum SignupSheet {
    Table,
    Id,
    CommunityId,
    GroupId,
    Title,
    Note,
    Unit,
    Capacity,
    QuantityMax,
    QuantityTotal,
    Deadline,
    Skill,
    Kind,
    ShareToken,
    Arrivals,
    Confirmed,
    QuantityConfirmed,
    CreatedBy,
    CreatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum SignupEntry {
    Table,
    Id,
    SheetId,
    VolunteerId,
    Seq,
    Quantity,
    Status,
    CreatedAt,
    UpdatedAt,
    PromotedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignupSheet::Table)
                    .col(pk_uuid(SignupSheet::Id))
                    .col(uuid(SignupSheet::CommunityId))
                    .col(uuid_null(SignupSheet::GroupId))
                    .col(string_len(SignupSheet::Title, 200))
                    .col(string_len_null(SignupSheet::Note, 1000))
                    .col(string_len_null(SignupSheet::Unit, 16))
                    .col(integer(SignupSheet::Capacity).check(Expr::col(SignupSheet::Capacity).gt(0)))
                    .col(integer_null(SignupSheet::QuantityMax))
                    .col(integer_null(SignupSheet::QuantityTotal))
                    .col(timestamp_with_time_zone_null(SignupSheet::Deadline))
                    .col(string_len_null(SignupSheet::Skill, 24))
                    .col(string_len_null(SignupSheet::Kind, 24))
                    .col(string_len_uniq(SignupSheet::ShareToken, 64))
                    .col(integer(SignupSheet::Arrivals).default(0))
                    .col(
                        integer(SignupSheet::Confirmed)
                            .default(0)
                            .check(Expr::col(SignupSheet::Confirmed).lte(Expr::col(SignupSheet::Capacity))),
                    )
                    .col(integer(SignupSheet::QuantityConfirmed).default(0))
                    .col(uuid_null(SignupSheet::CreatedBy))
                    .col(timestamp_with_time_zone(SignupSheet::CreatedAt))
                    .col(timestamp_with_time_zone_null(SignupSheet::ClosedAt))
                    .foreign_key(&mut fk(
                        "fk_signup_sheet_community",
                        (SignupSheet::Table, SignupSheet::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_signup_sheet_group",
                        (SignupSheet::Table, SignupSheet::GroupId),
                        (VolunteerGroup::Table, VolunteerGroup::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_signup_sheet_community")
                    .table(SignupSheet::Table)
                    .col(SignupSheet::CommunityId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignupEntry::Table)
                    .col(pk_uuid(SignupEntry::Id))
                    .col(uuid(SignupEntry::SheetId))
                    .col(uuid(SignupEntry::VolunteerId))
                    .col(integer(SignupEntry::Seq))
                    .col(integer(SignupEntry::Quantity).default(1))
                    .col(string_len(SignupEntry::Status, 12).check(Expr::col(SignupEntry::Status).is_in([
                        "confirmed",
                        "waiting",
                        "withdrawn",
                    ])))
                    .col(timestamp_with_time_zone(SignupEntry::CreatedAt))
                    .col(timestamp_with_time_zone(SignupEntry::UpdatedAt))
                    .col(timestamp_with_time_zone_null(SignupEntry::PromotedAt))
                    .foreign_key(&mut fk(
                        "fk_signup_entry_sheet",
                        (SignupEntry::Table, SignupEntry::SheetId),
                        (SignupSheet::Table, SignupSheet::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_signup_entry_volunteer",
                        (SignupEntry::Table, SignupEntry::VolunteerId),
                        (Volunteer::Table, Volunteer::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // Nobody twice on one sheet; arrival numbers are unique too.
        for (name, col) in
            [("ux_signup_entry_person", SignupEntry::VolunteerId), ("ux_signup_entry_seq", SignupEntry::Seq)]
        {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(SignupEntry::Table)
                        .col(SignupEntry::SheetId)
                        .col(col)
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SignupEntry::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SignupSheet::Table).to_owned()).await?;
        Ok(())
    }
}

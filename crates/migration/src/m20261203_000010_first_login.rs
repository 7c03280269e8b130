//! First-login links: a volunteer given a login in bulk sets their own
//! password through a one-time link (a QR code on a printed slip). Only the
//! link's hash is stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FirstLoginLink {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FirstLoginLink::Table)
                    .col(pk_uuid(FirstLoginLink::Id))
                    .col(uuid(FirstLoginLink::UserId))
                    .col(string_len_uniq(FirstLoginLink::TokenHash, 64))
                    .col(timestamp_with_time_zone(FirstLoginLink::CreatedAt))
                    .col(timestamp_with_time_zone(FirstLoginLink::ExpiresAt))
                    .col(timestamp_with_time_zone_null(FirstLoginLink::UsedAt))
                    .foreign_key(&mut fk(
                        "fk_first_login_link_user",
                        (FirstLoginLink::Table, FirstLoginLink::UserId),
                        (UserAccount::Table, UserAccount::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_first_login_link_user")
                    .table(FirstLoginLink::Table)
                    .col(FirstLoginLink::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FirstLoginLink::Table).to_owned()).await
    }
}

//! Imports are applied once (issue 11, item 5): a kept upload records when it
//! was applied. Applying empties its bytes and sets `applied_at` in the
//! import's own transaction, with a conditional UPDATE (`applied_at IS NULL`),
//! so a second "apply" (a double click, another instance) finds it taken and
//! answers "already applied"; the emptied row is swept with the expired ones.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportUpload {
    Table,
    AppliedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ImportUpload::Table)
                    .add_column(timestamp_with_time_zone_null(ImportUpload::AppliedAt))
                    .to_owned(),
            )
            .await?;
        // The hourly sweep deletes by age.
        manager
            .create_index(
                Index::create()
                    .name("ix_import_upload_created_at")
                    .table(ImportUpload::Table)
                    .col(ImportUpload::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_import_upload_created_at").table(ImportUpload::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(ImportUpload::Table).drop_column(ImportUpload::AppliedAt).to_owned())
            .await?;
        Ok(())
    }
}

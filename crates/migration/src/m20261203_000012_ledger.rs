//! The public supply ledger (SPEC §4.5, issue 12): one hash-chained,
//! append-only list of entries per community (`seq` 1, 2, 3, ... unique per
//! community). Each row carries the hash of the row before it and its own
//! hash over a canonical encoding (`shouwang_domain::ledger`).
//!
//! Append-only by the application, not by the database: no trigger refuses
//! an UPDATE or DELETE, because the chain is the protection and a row changed
//! by hand must stay possible to show that verification finds it. The
//! consignment is a plain uuid with no foreign key, and the table is not in
//! the incident purge: the public books hold no personal data and outlive
//! the operational records they came from.

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
enum Incident {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    Id,
    CommunityId,
    IncidentId,
    Seq,
    ConsignmentId,
    ConsignmentTitle,
    Kind,
    Item,
    Unit,
    Quantity,
    Note,
    At,
    PrevHash,
    Hash,
    CreatedAt,
}

/// `shouwang_domain::ledger::LedgerKind` codes.
const KINDS: [&str; 9] =
    ["receipt", "allocation", "reserve", "delivery", "write_off", "reserve_in", "reserve_out", "shelf_in", "shelf_out"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerEntry::Table)
                    .col(pk_uuid(LedgerEntry::Id))
                    .col(uuid(LedgerEntry::CommunityId))
                    .col(uuid(LedgerEntry::IncidentId))
                    .col(big_integer(LedgerEntry::Seq).check(Expr::col(LedgerEntry::Seq).gt(0)))
                    .col(uuid_null(LedgerEntry::ConsignmentId))
                    .col(string_len(LedgerEntry::ConsignmentTitle, 200))
                    .col(string_len(LedgerEntry::Kind, 16).check(Expr::col(LedgerEntry::Kind).is_in(KINDS)))
                    .col(string_len(LedgerEntry::Item, 100))
                    .col(string_len(LedgerEntry::Unit, 20))
                    .col(
                        big_integer(LedgerEntry::Quantity)
                            .check(Expr::col(LedgerEntry::Quantity).between(1, 10_000_000)),
                    )
                    .col(string_len(LedgerEntry::Note, 500))
                    .col(timestamp_with_time_zone(LedgerEntry::At))
                    .col(string_len(LedgerEntry::PrevHash, 64))
                    .col(string_len(LedgerEntry::Hash, 64))
                    .col(timestamp_with_time_zone(LedgerEntry::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_ledger_entry_community",
                        (LedgerEntry::Table, LedgerEntry::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_ledger_entry_incident",
                        (LedgerEntry::Table, LedgerEntry::IncidentId),
                        (Incident::Table, Incident::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        // One chain per community: two appends can never both take a seq.
        manager
            .create_index(
                Index::create()
                    .name("ux_ledger_entry_community_seq")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::CommunityId)
                    .col(LedgerEntry::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ledger_entry_consignment")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::ConsignmentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LedgerEntry::Table).to_owned()).await
    }
}

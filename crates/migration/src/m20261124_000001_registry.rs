//! The registry: regions, blocks, households, residents, incidents.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AppMeta {
    Table,
    Key,
    Value,
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
    Kind,
    Code,
    Name,
    NameKey,
    ParentId,
    Path,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Block {
    Table,
    Id,
    CommunityId,
    Name,
    NameKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BlockBuilding {
    Table,
    BlockId,
    BuildingId,
}

#[derive(DeriveIden)]
enum Household {
    Table,
    Id,
    CommunityId,
    BuildingId,
    Room,
    RoomKey,
    ContactPhone,
    Size,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Resident {
    Table,
    Id,
    CommunityId,
    HouseholdId,
    Name,
    NameKey,
    Gender,
    BirthYear,
    Phone,
    IdHash,
    IdMasked,
    Tags,
    Note,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Incident {
    Table,
    Id,
    RegionId,
    Name,
    Status,
    OpenedAt,
    ClosedAt,
}

const REGION_KINDS: [&str; 7] = ["city", "district", "subdistrict", "community", "grid", "compound", "building"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppMeta::Table)
                    .col(string_len(AppMeta::Key, 64).primary_key())
                    .col(string_len(AppMeta::Value, 255))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Region::Table)
                    .col(pk_uuid(Region::Id))
                    .col(string_len(Region::Kind, 16).check(Expr::col(Region::Kind).is_in(REGION_KINDS)))
                    .col(string_len_uniq(Region::Code, 64))
                    .col(string_len(Region::Name, 100))
                    .col(string_len(Region::NameKey, 100))
                    .col(uuid_null(Region::ParentId))
                    // Codes from the root down, "/wh/wh-jh/…/sy/": a subtree is one LIKE prefix.
                    .col(string_len(Region::Path, 1024))
                    .col(timestamp_with_time_zone(Region::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_region_parent")
                            .from(Region::Table, Region::ParentId)
                            .to(Region::Table, Region::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_region_parent_kind_name")
                    .table(Region::Table)
                    .col(Region::ParentId)
                    .col(Region::Kind)
                    .col(Region::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_region_path").table(Region::Table).col(Region::Path).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Block::Table)
                    .col(pk_uuid(Block::Id))
                    .col(uuid(Block::CommunityId))
                    .col(string_len(Block::Name, 100))
                    .col(string_len(Block::NameKey, 100))
                    .col(timestamp_with_time_zone(Block::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_block_community")
                            .from(Block::Table, Block::CommunityId)
                            .to(Region::Table, Region::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_block_community_name")
                    .table(Block::Table)
                    .col(Block::CommunityId)
                    .col(Block::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BlockBuilding::Table)
                    .col(uuid(BlockBuilding::BlockId))
                    .col(uuid(BlockBuilding::BuildingId))
                    .primary_key(Index::create().col(BlockBuilding::BlockId).col(BlockBuilding::BuildingId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_block_building_block")
                            .from(BlockBuilding::Table, BlockBuilding::BlockId)
                            .to(Block::Table, Block::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_block_building_building")
                            .from(BlockBuilding::Table, BlockBuilding::BuildingId)
                            .to(Region::Table, Region::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Household::Table)
                    .col(pk_uuid(Household::Id))
                    .col(uuid(Household::CommunityId))
                    .col(uuid(Household::BuildingId))
                    .col(string_len(Household::Room, 32))
                    .col(string_len(Household::RoomKey, 32))
                    .col(string_len_null(Household::ContactPhone, 20))
                    .col(integer(Household::Size).default(0))
                    .col(timestamp_with_time_zone(Household::CreatedAt))
                    .col(timestamp_with_time_zone(Household::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_household_community")
                            .from(Household::Table, Household::CommunityId)
                            .to(Region::Table, Region::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_household_building")
                            .from(Household::Table, Household::BuildingId)
                            .to(Region::Table, Region::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_household_building_room")
                    .table(Household::Table)
                    .col(Household::BuildingId)
                    .col(Household::RoomKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_household_community")
                    .table(Household::Table)
                    .col(Household::CommunityId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Resident::Table)
                    .col(pk_uuid(Resident::Id))
                    .col(uuid(Resident::CommunityId))
                    .col(uuid(Resident::HouseholdId))
                    .col(string_len(Resident::Name, 50))
                    .col(string_len(Resident::NameKey, 50))
                    .col(string_len_null(Resident::Gender, 1).check(Expr::col(Resident::Gender).is_in(["M", "F"])))
                    .col(integer_null(Resident::BirthYear))
                    .col(string_len_null(Resident::Phone, 20))
                    // Keyed hash and masked form only: the clear ID number is never stored.
                    .col(string_len_null(Resident::IdHash, 64))
                    .col(string_len_null(Resident::IdMasked, 18))
                    .col(string_len(Resident::Tags, 255).default(""))
                    .col(string_len_null(Resident::Note, 200))
                    .col(timestamp_with_time_zone(Resident::CreatedAt))
                    .col(timestamp_with_time_zone(Resident::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_resident_community")
                            .from(Resident::Table, Resident::CommunityId)
                            .to(Region::Table, Region::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_resident_household")
                            .from(Resident::Table, Resident::HouseholdId)
                            .to(Household::Table, Household::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // NULLs are distinct on both backends, so residents without an ID number never collide.
        manager
            .create_index(
                Index::create()
                    .name("ux_resident_community_id_hash")
                    .table(Resident::Table)
                    .col(Resident::CommunityId)
                    .col(Resident::IdHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_resident_household_name")
                    .table(Resident::Table)
                    .col(Resident::HouseholdId)
                    .col(Resident::NameKey)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_resident_community")
                    .table(Resident::Table)
                    .col(Resident::CommunityId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Incident::Table)
                    .col(pk_uuid(Incident::Id))
                    .col(uuid(Incident::RegionId))
                    .col(string_len(Incident::Name, 100))
                    .col(string_len(Incident::Status, 8).check(Expr::col(Incident::Status).is_in(["open", "closed"])))
                    .col(timestamp_with_time_zone(Incident::OpenedAt))
                    .col(timestamp_with_time_zone_null(Incident::ClosedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_incident_region")
                            .from(Incident::Table, Incident::RegionId)
                            .to(Region::Table, Region::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Incident::Table.into_iden(),
            Resident::Table.into_iden(),
            Household::Table.into_iden(),
            BlockBuilding::Table.into_iden(),
            Block::Table.into_iden(),
            Region::Table.into_iden(),
            AppMeta::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

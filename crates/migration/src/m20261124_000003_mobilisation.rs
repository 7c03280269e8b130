//! Mobilisation (SPEC §4.2–4.3): volunteers and their duty reports, temporary
//! branches, groups with the compounds they cover, key roles with backups (B角)
//! and their hand-overs, the committee's grouping draft, and where compounds
//! lie (positions and adjacency) for placing volunteers near home.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
    PosX,
    PosY,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CompoundAdjacency {
    Table,
    CompoundId,
    NeighbourId,
}

#[derive(DeriveIden)]
enum Volunteer {
    Table,
    Id,
    CommunityId,
    Name,
    Phone,
    HomeCompoundId,
    HomeBuildingId,
    Kind,
    WorkUnit,
    PartyOrg,
    Skills,
    Availability,
    PreferredPosts,
    Experienced,
    Status,
    RejectReason,
    ExemptReason,
    Health,
    HealthChangedAt,
    Source,
    Note,
    UserId,
    ReportedAt,
    ReviewedAt,
    ReviewedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Branch {
    Table,
    Id,
    CommunityId,
    Name,
    Kind,
    FoundedOn,
    DissolvedOn,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BranchMember {
    Table,
    BranchId,
    VolunteerId,
}

#[derive(DeriveIden)]
enum VolunteerGroup {
    Table,
    Id,
    CommunityId,
    BranchId,
    Number,
    Name,
    Functions,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GroupMember {
    Table,
    GroupId,
    VolunteerId,
}

#[derive(DeriveIden)]
enum GroupCompound {
    Table,
    GroupId,
    CompoundId,
}

#[derive(DeriveIden)]
enum KeyRole {
    Table,
    Id,
    CommunityId,
    Kind,
    SubjectId,
    HolderId,
    BackupId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RoleHandover {
    Table,
    Id,
    KeyRoleId,
    CommunityId,
    At,
    FromVolunteer,
    ToVolunteer,
    Cause,
    ByUser,
}

#[derive(DeriveIden)]
enum GroupingDraft {
    Table,
    CommunityId,
    Body,
    UpdatedAt,
    UpdatedBy,
}

const KINDS: [&str; 6] =
    ["deployed_cadre", "nearby_member", "converted_staff", "deputy", "resident_volunteer", "social_worker"];
const STATUSES: [&str; 4] = ["reported", "verified", "rejected", "exempt"];
const HEALTH: [&str; 4] = ["active", "isolated", "infected", "recovered"];
const EXEMPT: [&str; 4] = ["on_duty_police", "on_duty_medical", "on_duty_social_worker", "not_eligible"];
const SOURCES: [&str; 4] = ["form", "import", "manual", "demo"];
const BRANCH_KINDS: [&str; 4] = ["deployed_cadres", "nearby_members", "sealed_area", "mixed"];
const KEY_ROLES: [&str; 5] = ["branch_secretary", "group_leader", "group_deputy", "building_leader", "medicine_runner"];
const CAUSES: [&str; 5] = ["isolated", "infected", "manual", "appointed", "stood_down"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Where a compound lies, in metres on the community's own plan; optional.
        for col in [Region::PosX, Region::PosY] {
            manager.alter_table(Table::alter().table(Region::Table).add_column(double_null(col)).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(CompoundAdjacency::Table)
                    .col(uuid(CompoundAdjacency::CompoundId))
                    .col(uuid(CompoundAdjacency::NeighbourId))
                    .primary_key(Index::create().col(CompoundAdjacency::CompoundId).col(CompoundAdjacency::NeighbourId))
                    .foreign_key(&mut fk(
                        "fk_adjacency_compound",
                        (CompoundAdjacency::Table, CompoundAdjacency::CompoundId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_adjacency_neighbour",
                        (CompoundAdjacency::Table, CompoundAdjacency::NeighbourId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Volunteer::Table)
                    .col(pk_uuid(Volunteer::Id))
                    .col(uuid(Volunteer::CommunityId))
                    .col(string_len(Volunteer::Name, 64))
                    .col(string_len(Volunteer::Phone, 16))
                    .col(uuid_null(Volunteer::HomeCompoundId))
                    .col(uuid_null(Volunteer::HomeBuildingId))
                    .col(string_len(Volunteer::Kind, 24).check(Expr::col(Volunteer::Kind).is_in(KINDS)))
                    .col(string_len_null(Volunteer::WorkUnit, 100))
                    .col(string_len_null(Volunteer::PartyOrg, 100))
                    .col(string_len(Volunteer::Skills, 200).default(""))
                    .col(string_len(Volunteer::Availability, 100).default(""))
                    .col(string_len(Volunteer::PreferredPosts, 200).default(""))
                    .col(boolean(Volunteer::Experienced).default(false))
                    .col(string_len(Volunteer::Status, 12).check(Expr::col(Volunteer::Status).is_in(STATUSES)))
                    .col(string_len_null(Volunteer::RejectReason, 200))
                    .col(
                        string_len_null(Volunteer::ExemptReason, 24).check(
                            Expr::col(Volunteer::ExemptReason)
                                .is_null()
                                .or(Expr::col(Volunteer::ExemptReason).is_in(EXEMPT)),
                        ),
                    )
                    .col(
                        string_len(Volunteer::Health, 12)
                            .default("active")
                            .check(Expr::col(Volunteer::Health).is_in(HEALTH)),
                    )
                    .col(timestamp_with_time_zone_null(Volunteer::HealthChangedAt))
                    .col(string_len(Volunteer::Source, 8).check(Expr::col(Volunteer::Source).is_in(SOURCES)))
                    .col(string_len_null(Volunteer::Note, 500))
                    .col(uuid_null(Volunteer::UserId))
                    .col(timestamp_with_time_zone(Volunteer::ReportedAt))
                    .col(timestamp_with_time_zone_null(Volunteer::ReviewedAt))
                    .col(uuid_null(Volunteer::ReviewedBy))
                    .col(timestamp_with_time_zone(Volunteer::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_volunteer_community",
                        (Volunteer::Table, Volunteer::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_volunteer_home_compound",
                        (Volunteer::Table, Volunteer::HomeCompoundId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_volunteer_home_building",
                        (Volunteer::Table, Volunteer::HomeBuildingId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_volunteer_user",
                        (Volunteer::Table, Volunteer::UserId),
                        (UserAccount::Table, UserAccount::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // One person reports once per community: a second report with the same phone merges.
        manager
            .create_index(
                Index::create()
                    .name("ux_volunteer_community_phone")
                    .table(Volunteer::Table)
                    .col(Volunteer::CommunityId)
                    .col(Volunteer::Phone)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_volunteer_community_status")
                    .table(Volunteer::Table)
                    .col(Volunteer::CommunityId)
                    .col(Volunteer::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_volunteer_user").table(Volunteer::Table).col(Volunteer::UserId).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Branch::Table)
                    .col(pk_uuid(Branch::Id))
                    .col(uuid(Branch::CommunityId))
                    .col(string_len(Branch::Name, 100))
                    .col(string_len(Branch::Kind, 16).check(Expr::col(Branch::Kind).is_in(BRANCH_KINDS)))
                    .col(date(Branch::FoundedOn))
                    .col(date_null(Branch::DissolvedOn))
                    .col(string_len_null(Branch::Note, 500))
                    .col(timestamp_with_time_zone(Branch::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_branch_community",
                        (Branch::Table, Branch::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_branch_community").table(Branch::Table).col(Branch::CommunityId).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BranchMember::Table)
                    .col(uuid(BranchMember::BranchId))
                    // A volunteer belongs to one branch at most.
                    .col(uuid(BranchMember::VolunteerId).primary_key())
                    .foreign_key(&mut fk(
                        "fk_branch_member_branch",
                        (BranchMember::Table, BranchMember::BranchId),
                        (Branch::Table, Branch::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_branch_member_volunteer",
                        (BranchMember::Table, BranchMember::VolunteerId),
                        (Volunteer::Table, Volunteer::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_branch_member_branch")
                    .table(BranchMember::Table)
                    .col(BranchMember::BranchId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VolunteerGroup::Table)
                    .col(pk_uuid(VolunteerGroup::Id))
                    .col(uuid(VolunteerGroup::CommunityId))
                    .col(uuid_null(VolunteerGroup::BranchId))
                    .col(integer(VolunteerGroup::Number))
                    .col(string_len(VolunteerGroup::Name, 100))
                    .col(string_len(VolunteerGroup::Functions, 200).default(""))
                    .col(timestamp_with_time_zone(VolunteerGroup::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_group_community",
                        (VolunteerGroup::Table, VolunteerGroup::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_group_branch",
                        (VolunteerGroup::Table, VolunteerGroup::BranchId),
                        (Branch::Table, Branch::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_group_community_number")
                    .table(VolunteerGroup::Table)
                    .col(VolunteerGroup::CommunityId)
                    .col(VolunteerGroup::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupMember::Table)
                    .col(uuid(GroupMember::GroupId))
                    // Nobody is placed twice: the volunteer is the key.
                    .col(uuid(GroupMember::VolunteerId).primary_key())
                    .foreign_key(&mut fk(
                        "fk_group_member_group",
                        (GroupMember::Table, GroupMember::GroupId),
                        (VolunteerGroup::Table, VolunteerGroup::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_group_member_volunteer",
                        (GroupMember::Table, GroupMember::VolunteerId),
                        (Volunteer::Table, Volunteer::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_group_member_group")
                    .table(GroupMember::Table)
                    .col(GroupMember::GroupId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupCompound::Table)
                    .col(uuid(GroupCompound::GroupId))
                    .col(uuid(GroupCompound::CompoundId))
                    .primary_key(Index::create().col(GroupCompound::GroupId).col(GroupCompound::CompoundId))
                    .foreign_key(&mut fk(
                        "fk_group_compound_group",
                        (GroupCompound::Table, GroupCompound::GroupId),
                        (VolunteerGroup::Table, VolunteerGroup::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_group_compound_compound",
                        (GroupCompound::Table, GroupCompound::CompoundId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_group_compound_compound")
                    .table(GroupCompound::Table)
                    .col(GroupCompound::CompoundId)
                    .to_owned(),
            )
            .await?;

        // The subject is a branch, a group or a building, so it has no foreign key;
        // the role rows are deleted with their subject by the repository.
        manager
            .create_table(
                Table::create()
                    .table(KeyRole::Table)
                    .col(pk_uuid(KeyRole::Id))
                    .col(uuid(KeyRole::CommunityId))
                    .col(string_len(KeyRole::Kind, 20).check(Expr::col(KeyRole::Kind).is_in(KEY_ROLES)))
                    .col(uuid(KeyRole::SubjectId))
                    .col(uuid_null(KeyRole::HolderId))
                    .col(uuid_null(KeyRole::BackupId))
                    .col(timestamp_with_time_zone(KeyRole::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_key_role_community",
                        (KeyRole::Table, KeyRole::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_key_role_holder",
                        (KeyRole::Table, KeyRole::HolderId),
                        (Volunteer::Table, Volunteer::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_key_role_backup",
                        (KeyRole::Table, KeyRole::BackupId),
                        (Volunteer::Table, Volunteer::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_key_role_subject")
                    .table(KeyRole::Table)
                    .col(KeyRole::Kind)
                    .col(KeyRole::SubjectId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_key_role_holder").table(KeyRole::Table).col(KeyRole::HolderId).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_key_role_backup").table(KeyRole::Table).col(KeyRole::BackupId).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_key_role_community")
                    .table(KeyRole::Table)
                    .col(KeyRole::CommunityId)
                    .to_owned(),
            )
            .await?;
        // History outlives the people in it: no foreign keys to volunteers.
        manager
            .create_table(
                Table::create()
                    .table(RoleHandover::Table)
                    .col(pk_uuid(RoleHandover::Id))
                    .col(uuid(RoleHandover::KeyRoleId))
                    .col(uuid(RoleHandover::CommunityId))
                    .col(timestamp_with_time_zone(RoleHandover::At))
                    .col(uuid_null(RoleHandover::FromVolunteer))
                    .col(uuid_null(RoleHandover::ToVolunteer))
                    .col(string_len(RoleHandover::Cause, 12).check(Expr::col(RoleHandover::Cause).is_in(CAUSES)))
                    .col(uuid_null(RoleHandover::ByUser))
                    .foreign_key(&mut fk(
                        "fk_handover_key_role",
                        (RoleHandover::Table, RoleHandover::KeyRoleId),
                        (KeyRole::Table, KeyRole::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_handover_community_at")
                    .table(RoleHandover::Table)
                    .col(RoleHandover::CommunityId)
                    .col(RoleHandover::At)
                    .to_owned(),
            )
            .await?;

        // The committee's proposal between "propose" and "confirm", edited by hand:
        // kept in the database so any instance (and tomorrow's session) can finish it.
        manager
            .create_table(
                Table::create()
                    .table(GroupingDraft::Table)
                    .col(uuid(GroupingDraft::CommunityId).primary_key())
                    .col(text(GroupingDraft::Body))
                    .col(timestamp_with_time_zone(GroupingDraft::UpdatedAt))
                    .col(uuid_null(GroupingDraft::UpdatedBy))
                    .foreign_key(&mut fk(
                        "fk_grouping_draft_community",
                        (GroupingDraft::Table, GroupingDraft::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            GroupingDraft::Table.into_iden(),
            RoleHandover::Table.into_iden(),
            KeyRole::Table.into_iden(),
            GroupCompound::Table.into_iden(),
            GroupMember::Table.into_iden(),
            VolunteerGroup::Table.into_iden(),
            BranchMember::Table.into_iden(),
            Branch::Table.into_iden(),
            Volunteer::Table.into_iden(),
            CompoundAdjacency::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for col in [Region::PosX, Region::PosY] {
            manager.alter_table(Table::alter().table(Region::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}

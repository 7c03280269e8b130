//! Accounts, sessions, API tokens, the audit log and household links.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
    ContactPhone,
}

#[derive(DeriveIden)]
enum Household {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    ScopeRegionId,
    PersonalGrant,
    MustChangePassword,
    Locale,
    FailedLogins,
    LockedUntil,
    Disabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    UserId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    UserId,
    Username,
    Action,
    TargetKind,
    TargetId,
    RegionPath,
    Detail,
    Peer,
}

#[derive(DeriveIden)]
enum ImportUpload {
    Table,
    Id,
    UserId,
    CommunityCode,
    FileName,
    Bytes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HouseholdLink {
    Table,
    Id,
    HouseholdId,
    Token,
    CreatedAt,
    RevokedAt,
}

const ROLES: [&str; 10] = [
    "city_staff",
    "district_staff",
    "subdistrict_staff",
    "community_admin",
    "social_worker",
    "branch_secretary",
    "group_leader",
    "grid_chief",
    "building_leader",
    "volunteer",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The committee's public phone, printed on household slips (communities only).
        manager
            .alter_table(
                Table::alter().table(Region::Table).add_column(string_len_null(Region::ContactPhone, 32)).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserAccount::Table)
                    .col(pk_uuid(UserAccount::Id))
                    .col(string_len_uniq(UserAccount::Username, 64))
                    .col(string_len(UserAccount::DisplayName, 64))
                    .col(string_len(UserAccount::PasswordHash, 255))
                    .col(string_len(UserAccount::Role, 24).check(Expr::col(UserAccount::Role).is_in(ROLES)))
                    .col(uuid(UserAccount::ScopeRegionId))
                    .col(boolean(UserAccount::PersonalGrant).default(false))
                    .col(boolean(UserAccount::MustChangePassword).default(true))
                    .col(string_len(UserAccount::Locale, 8).default("zh-CN"))
                    .col(integer(UserAccount::FailedLogins).default(0))
                    .col(timestamp_with_time_zone_null(UserAccount::LockedUntil))
                    .col(boolean(UserAccount::Disabled).default(false))
                    .col(timestamp_with_time_zone(UserAccount::CreatedAt))
                    .col(timestamp_with_time_zone(UserAccount::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_account_scope")
                            .from(UserAccount::Table, UserAccount::ScopeRegionId)
                            .to(Region::Table, Region::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    // SHA-256 of the cookie's token: a stolen table cannot be replayed.
                    .col(string_len(Session::Id, 64).primary_key())
                    .col(uuid(Session::UserId))
                    .col(string_len(Session::CsrfToken, 64))
                    .col(timestamp_with_time_zone(Session::CreatedAt))
                    .col(timestamp_with_time_zone(Session::LastSeenAt))
                    .col(timestamp_with_time_zone(Session::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_session_user")
                            .from(Session::Table, Session::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_session_user").table(Session::Table).col(Session::UserId).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(pk_uuid(ApiToken::Id))
                    .col(uuid(ApiToken::UserId))
                    .col(string_len(ApiToken::Name, 64))
                    .col(string_len_uniq(ApiToken::TokenHash, 64))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_token_user")
                            .from(ApiToken::Table, ApiToken::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // No foreign keys: an audit entry outlives the account and the data it names.
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_uuid(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(uuid_null(AuditLog::UserId))
                    .col(string_len(AuditLog::Username, 64))
                    .col(string_len(AuditLog::Action, 48))
                    .col(string_len(AuditLog::TargetKind, 24))
                    .col(string_len_null(AuditLog::TargetId, 64))
                    .col(string_len_null(AuditLog::RegionPath, 1024))
                    .col(text(AuditLog::Detail))
                    .col(string_len_null(AuditLog::Peer, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_audit_at").table(AuditLog::Table).col(AuditLog::At).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_region_path")
                    .table(AuditLog::Table)
                    .col(AuditLog::RegionPath)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HouseholdLink::Table)
                    .col(pk_uuid(HouseholdLink::Id))
                    .col(uuid(HouseholdLink::HouseholdId))
                    .col(string_len_uniq(HouseholdLink::Token, 64))
                    .col(timestamp_with_time_zone(HouseholdLink::CreatedAt))
                    .col(timestamp_with_time_zone_null(HouseholdLink::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_household_link_household")
                            .from(HouseholdLink::Table, HouseholdLink::HouseholdId)
                            .to(Household::Table, Household::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_household_link_household")
                    .table(HouseholdLink::Table)
                    .col(HouseholdLink::HouseholdId)
                    .to_owned(),
            )
            .await?;
        // A file between its preview and "apply": any instance can finish it.
        manager
            .create_table(
                Table::create()
                    .table(ImportUpload::Table)
                    .col(pk_uuid(ImportUpload::Id))
                    .col(uuid(ImportUpload::UserId))
                    .col(string_len(ImportUpload::CommunityCode, 64))
                    .col(string_len(ImportUpload::FileName, 255))
                    .col(blob(ImportUpload::Bytes))
                    .col(timestamp_with_time_zone(ImportUpload::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_import_upload_user")
                            .from(ImportUpload::Table, ImportUpload::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ImportUpload::Table.into_iden(),
            HouseholdLink::Table.into_iden(),
            AuditLog::Table.into_iden(),
            ApiToken::Table.into_iden(),
            Session::Table.into_iden(),
            UserAccount::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

use sea_orm::entity::prelude::*;

/// A role that must always have a holder and a backup (B角): a branch's
/// secretary, a group's leader or deputy, a building's leader.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_role")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    /// `KeyRoleKind` code.
    pub kind: String,
    /// The branch, group or building the role is for.
    pub subject_id: Uuid,
    pub holder_id: Option<Uuid>,
    pub backup_id: Option<Uuid>,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// One change of a key role's holder, and why.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_handover")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub key_role_id: Uuid,
    pub community_id: Uuid,
    pub at: TimeDateTimeWithTimeZone,
    pub from_volunteer: Option<Uuid>,
    pub to_volunteer: Option<Uuid>,
    /// isolated / infected / manual / appointed / stood_down.
    pub cause: String,
    pub by_user: Option<Uuid>,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

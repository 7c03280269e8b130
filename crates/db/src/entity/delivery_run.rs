use sea_orm::entity::prelude::*;

/// The doors of one building for one consignment; claimed as a `building_run`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_run")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub consignment_id: Uuid,
    pub community_id: Uuid,
    pub incident_id: Uuid,
    pub building_id: Uuid,
    /// The group that answers for it, if one took it.
    pub group_id: Option<Uuid>,
    pub households: i32,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

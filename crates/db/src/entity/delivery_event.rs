use sea_orm::entity::prelude::*;

/// One confirmation from a door or a household, once per idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub delivery_id: Uuid,
    pub incident_id: Uuid,
    pub idempotency_key: String,
    pub status: String,
    /// volunteer, staff or household.
    pub by_kind: String,
    pub by_name: String,
    pub volunteer_id: Option<Uuid>,
    pub at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

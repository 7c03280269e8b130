use sea_orm::entity::prelude::*;

/// Goods that arrived (or are expected) for distribution in a community.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consignment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub incident_id: Uuid,
    pub title: String,
    /// `ConsignmentSource` code.
    pub source: String,
    /// `ConsignmentState` code.
    pub state: String,
    /// `AllocationBasis` code, once allocated.
    pub basis: Option<String>,
    pub arrived_at: Option<TimeDateTimeWithTimeZone>,
    pub received_at: Option<TimeDateTimeWithTimeZone>,
    pub allocated_at: Option<TimeDateTimeWithTimeZone>,
    pub created_by: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// Stock into (positive) or out of (negative) the reserve pool or the sharing shelf.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_movement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub incident_id: Uuid,
    /// `StockPlace` code.
    pub place: String,
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    pub reason: String,
    pub consignment_id: Option<Uuid>,
    pub by_name: String,
    pub at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// One household's delivery of one consignment: where it stands now.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub consignment_id: Uuid,
    pub run_id: Uuid,
    pub household_id: Uuid,
    pub incident_id: Uuid,
    /// `DeliveryStatus` code.
    pub status: String,
    pub in_need: bool,
    /// Its ledger entries are written (the first time it was delivered).
    pub delivered_once: bool,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub updated_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

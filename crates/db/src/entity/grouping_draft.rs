use sea_orm::entity::prelude::*;

/// A community's grouping proposal between "propose" and "confirm" (JSON).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "grouping_draft")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub community_id: Uuid,
    pub body: String,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub updated_by: Option<Uuid>,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A volunteer's branch; one branch per volunteer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "branch_member")]
pub struct Model {
    pub branch_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub volunteer_id: Uuid,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

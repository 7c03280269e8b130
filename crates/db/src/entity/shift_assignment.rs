use sea_orm::entity::prelude::*;

/// One volunteer on one shift.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shift_assignment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub shift_id: Uuid,
    pub volunteer_id: Uuid,
    /// Why this person (generated, refilled, swapped), as text for the page.
    pub reason: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

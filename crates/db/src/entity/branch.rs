use sea_orm::entity::prelude::*;

/// A temporary party branch (临时党支部) formed in a community.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "branch")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub name: String,
    /// `BranchKind` code.
    pub kind: String,
    pub founded_on: TimeDate,
    /// Handed over or dissolved on this day.
    pub dissolved_on: Option<TimeDate>,
    pub note: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

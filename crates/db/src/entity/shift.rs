use sea_orm::entity::prelude::*;

/// A shift at a post; times in local minutes since 1970-01-01 (`[start, end)`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shift")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub post_id: Uuid,
    pub start_min: i64,
    pub end_min: i64,
    pub needed: i32,
    /// `Skill` code everyone on it must hold.
    pub skill: Option<String>,
    /// The volunteer stood down from this shift, when it was reopened.
    pub reopened_for: Option<Uuid>,
    pub reopened_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

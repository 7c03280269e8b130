use sea_orm::entity::prelude::*;

/// One pickup slot of the group-buy timetable: a compound's turn.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groupbuy_slot")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub day: TimeDate,
    /// Position within the day (0 = first).
    pub slot: i32,
    /// The pickup point.
    pub point: String,
    /// "08:00".
    pub starts: String,
    pub ends: String,
    pub compound_id: Uuid,
    /// The group on duty (the one covering the compound).
    pub group_id: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

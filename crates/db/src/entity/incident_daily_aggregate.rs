use sea_orm::entity::prelude::*;

/// Anonymous counts of one community on one (Beijing) day of an incident,
/// written by the purge before it deletes the incident's operational rows.
/// No names, phones or ids of people: only the community, the incident and numbers.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_daily_aggregate")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub incident_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub community_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: TimeDate,
    pub volunteers_reported: i64,
    pub volunteers_verified: i64,
    pub volunteers_exempt: i64,
    pub volunteers_rejected: i64,
    pub volunteers_grouped: i64,
    pub branches: i64,
    pub groups: i64,
    pub tasks_created: i64,
    pub tasks_done: i64,
    pub claims: i64,
    pub sheets: i64,
    pub signups: i64,
    pub shifts: i64,
    pub shift_assignments: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

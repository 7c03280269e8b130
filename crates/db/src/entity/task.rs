use sea_orm::entity::prelude::*;

/// A piece of work flowing community → branch → group → members.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub title: String,
    /// `TaskKind` code.
    pub kind: String,
    /// A compound, building or block region.
    pub place_region_id: Option<Uuid>,
    pub place_text: Option<String>,
    pub starts_at: Option<TimeDateTimeWithTimeZone>,
    pub ends_at: Option<TimeDateTimeWithTimeZone>,
    pub headcount: i32,
    /// `Priority` code.
    pub priority: String,
    /// `Skill` codes, comma-separated.
    pub skills: String,
    /// `TaskState` code.
    pub state: String,
    pub branch_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub signup_sheet_id: Option<Uuid>,
    /// Why it could not be completed.
    pub reason: Option<String>,
    pub created_by: Option<Uuid>,
    pub done_by: Option<Uuid>,
    pub checked_by: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

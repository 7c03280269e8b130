use sea_orm::entity::prelude::*;

/// A sign-up sheet (接龙) with its own counters, kept by conditional updates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signup_sheet")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    /// Only members of this group may join, when set.
    pub group_id: Option<Uuid>,
    pub title: String,
    pub note: Option<String>,
    /// "箱": what the quantities count.
    pub unit: Option<String>,
    /// People confirmed at most.
    pub capacity: i32,
    /// Per person, when people say how many they take.
    pub quantity_max: Option<i32>,
    /// All confirmed quantities together at most.
    pub quantity_total: Option<i32>,
    pub deadline: Option<TimeDateTimeWithTimeZone>,
    /// `Skill` code required to join.
    pub skill: Option<String>,
    /// `VolunteerKind` code required to join.
    pub kind: Option<String>,
    #[sea_orm(unique)]
    pub share_token: String,
    /// Joins so far: the next arrival number.
    pub arrivals: i32,
    pub confirmed: i32,
    pub quantity_confirmed: i32,
    pub created_by: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub closed_at: Option<TimeDateTimeWithTimeZone>,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

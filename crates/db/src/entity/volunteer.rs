use sea_orm::entity::prelude::*;

/// A person who reported for duty (双报到) to a community, and where that report stands.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub name: String,
    /// Normalised mobile number; unique within the community (a second report merges).
    pub phone: String,
    pub home_compound_id: Option<Uuid>,
    pub home_building_id: Option<Uuid>,
    /// `VolunteerKind` code.
    pub kind: String,
    pub work_unit: Option<String>,
    pub party_org: Option<String>,
    /// `SkillSet` codes.
    pub skills: String,
    /// `Availability` codes.
    pub availability: String,
    /// `GroupFunctionSet` codes.
    pub preferred_posts: String,
    pub experienced: bool,
    /// `DutyStatus` code.
    pub status: String,
    pub reject_reason: Option<String>,
    /// `ExemptReason` code, set when status is "exempt".
    pub exempt_reason: Option<String>,
    /// `HealthStatus` code.
    pub health: String,
    pub health_changed_at: Option<TimeDateTimeWithTimeZone>,
    /// form / import / manual / demo.
    pub source: String,
    pub note: Option<String>,
    pub user_id: Option<Uuid>,
    pub reported_at: TimeDateTimeWithTimeZone,
    pub reviewed_at: Option<TimeDateTimeWithTimeZone>,
    pub reviewed_by: Option<Uuid>,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

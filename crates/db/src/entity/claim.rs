use sea_orm::entity::prelude::*;

/// A volunteer's hold on a piece of work until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "claim")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    /// `WorkKind` code.
    pub work_kind: String,
    pub subject_id: Uuid,
    pub volunteer_id: Uuid,
    pub claimed_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub released_at: Option<TimeDateTimeWithTimeZone>,
    pub handed_to: Option<Uuid>,
    /// `kind:subject` while live, NULL once released or expired (unique).
    pub live_subject: Option<String>,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A duty post (gate, testing point, supply station, patrol route).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub name: String,
    /// gate / testing / supply / patrol / other.
    pub kind: String,
    pub compound_id: Option<Uuid>,
    /// The group on duty for this post: its members are asked first.
    pub group_id: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

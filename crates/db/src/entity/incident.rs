use sea_orm::entity::prelude::*;

/// One emergency episode; operational data belongs to it and is purged after it closes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incident")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub region_id: Uuid,
    pub name: String,
    pub status: String,
    pub opened_at: TimeDateTimeWithTimeZone,
    pub closed_at: Option<TimeDateTimeWithTimeZone>,
    /// When the purge removed its personal operational data (NULL: not yet).
    pub purged_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::RegionId", to = "super::region::Column::Id")]
    Region,
}

impl ActiveModelBehavior for ActiveModel {}

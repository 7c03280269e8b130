use sea_orm::entity::prelude::*;

/// A community's fatigue limits for duty rosters (absent: the defaults).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub community_id: Uuid,
    pub warn_day_minutes: i32,
    pub max_day_minutes: i32,
    pub min_rest_minutes: i32,
    pub max_week_minutes: i32,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

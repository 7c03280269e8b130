use sea_orm::entity::prelude::*;

/// A group-buy organiser (团长) of a compound: a name and a masked phone, or a volunteer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groupbuy_organiser")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub compound_id: Uuid,
    pub name: String,
    pub phone_masked: Option<String>,
    pub volunteer_id: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

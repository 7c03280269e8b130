use sea_orm::entity::prelude::*;

/// A dwelling: one room in one building.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "household")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub building_id: Uuid,
    pub room: String,
    pub room_key: String,
    pub contact_phone: Option<String>,
    pub size: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::BuildingId", to = "super::region::Column::Id")]
    Building,
}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(feature = "testing")]
impl Entity {
    /// Every household of a community (tests only).
    pub async fn find_all(conn: &impl ConnectionTrait, community_id: Uuid) -> Vec<Model> {
        Entity::find().filter(Column::CommunityId.eq(community_id)).all(conn).await.unwrap_or_default()
    }
}

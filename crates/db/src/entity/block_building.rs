use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "block_building")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub block_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub building_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::block::Entity", from = "Column::BlockId", to = "super::block::Column::Id")]
    Block,
}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// Two compounds the community marked as next to each other (stored both ways).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "compound_adjacency")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub compound_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub neighbour_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

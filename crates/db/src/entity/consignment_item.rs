use sea_orm::entity::prelude::*;

/// One item line of a consignment and its books.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consignment_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub consignment_id: Uuid,
    pub incident_id: Uuid,
    pub position: i32,
    pub name: String,
    pub unit: String,
    pub expected: i64,
    /// Counted at the gate; NULL until then.
    pub received: Option<i64>,
    pub written_off: i64,
    pub per_share: Option<i64>,
    pub reserve: i64,
    pub allocated: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A volunteer's group; the volunteer is the key, so nobody is placed twice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "group_member")]
pub struct Model {
    pub group_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub volunteer_id: Uuid,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::volunteer_group::Entity",
        from = "Column::GroupId",
        to = "super::volunteer_group::Column::Id"
    )]
    Group,
}

impl ActiveModelBehavior for ActiveModel {}

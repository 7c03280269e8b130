use sea_orm::entity::prelude::*;

/// A group (党小组 / 工作组): territorial through its compounds, functional
/// through its functions, or both.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteer_group")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub branch_id: Option<Uuid>,
    /// 第N小组, unique within the community.
    pub number: i32,
    pub name: String,
    /// `GroupFunctionSet` codes.
    pub functions: String,
    pub created_at: TimeDateTimeWithTimeZone,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

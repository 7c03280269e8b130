use sea_orm::entity::prelude::*;

/// A node of the region tree (city … building).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "region")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub name_key: String,
    pub parent_id: Option<Uuid>,
    /// Codes from the root down, "/wh/wh-jh/…/": a subtree is one prefix match.
    pub path: String,
    pub created_at: TimeDateTimeWithTimeZone,
    /// The committee's public phone (communities), printed on household slips.
    pub contact_phone: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}

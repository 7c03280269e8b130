use sea_orm::entity::prelude::*;

/// One audited event. The application only ever inserts rows here.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: TimeDateTimeWithTimeZone,
    pub user_id: Option<Uuid>,
    pub username: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    /// Region path of the target, so each level searches its own subtree.
    pub region_path: Option<String>,
    /// JSON: reason, before/after, counts… never a phone or ID number.
    pub detail: String,
    pub peer: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A staff account, bound to one role at one node of the region tree.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_account")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub scope_region_id: Uuid,
    /// Lets an upper-level account see personal details below it.
    pub personal_grant: bool,
    pub must_change_password: bool,
    pub locale: String,
    pub failed_logins: i32,
    pub locked_until: Option<TimeDateTimeWithTimeZone>,
    pub disabled: bool,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::ScopeRegionId", to = "super::region::Column::Id")]
    Scope,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Scope.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

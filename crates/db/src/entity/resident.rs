use sea_orm::entity::prelude::*;

/// A person living in a household. The ID number is stored only as a keyed
/// hash and a masked form.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resident")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub household_id: Uuid,
    pub name: String,
    pub name_key: String,
    pub gender: Option<String>,
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
    pub id_hash: Option<String>,
    pub id_masked: Option<String>,
    /// Tag codes in a fixed order, comma-separated (see `shouwang_domain::TagSet`).
    pub tags: String,
    pub note: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::household::Entity",
        from = "Column::HouseholdId",
        to = "super::household::Column::Id"
    )]
    Household,
}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// An uploaded roster kept between its preview and "apply" (swept an hour
/// after its preview). Applying empties `bytes` and sets `applied_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_upload")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub community_code: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub applied_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

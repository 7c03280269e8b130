use sea_orm::entity::prelude::*;

/// One person on a sheet, numbered in order of arrival.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signup_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub sheet_id: Uuid,
    pub volunteer_id: Uuid,
    pub seq: i32,
    pub quantity: i32,
    /// `EntryStatus` code.
    pub status: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// Set when a withdrawal moved this person up from the waiting list.
    pub promoted_at: Option<TimeDateTimeWithTimeZone>,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::signup_sheet::Entity",
        from = "Column::SheetId",
        to = "super::signup_sheet::Column::Id"
    )]
    Sheet,
}

impl Related<super::signup_sheet::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sheet.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

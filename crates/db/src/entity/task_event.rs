use sea_orm::entity::prelude::*;

/// One line of a task's history (append-only).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub task_id: Uuid,
    pub at: TimeDateTimeWithTimeZone,
    pub by_user: Option<Uuid>,
    pub by_name: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// created / dispatch_branch / dispatch_group / assign / state / claim / extend / release / hand_over / note
    pub what: String,
    pub detail: Option<String>,
    /// The incident this record belongs to (purged with it).
    pub incident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

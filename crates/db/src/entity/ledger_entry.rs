use sea_orm::entity::prelude::*;

/// One entry of a community's public supply ledger (append-only, hash-chained;
/// see `shouwang_domain::ledger`). Not purged with its incident: it holds no
/// personal data.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub incident_id: Uuid,
    /// 1, 2, 3, ... per community.
    pub seq: i64,
    /// A plain uuid, no foreign key: the books outlive the consignment's rows.
    pub consignment_id: Option<Uuid>,
    pub consignment_title: String,
    /// `LedgerKind` code.
    pub kind: String,
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    pub note: String,
    pub at: TimeDateTimeWithTimeZone,
    /// 64 lowercase hex digits.
    pub prev_hash: String,
    pub hash: String,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The audit log: who did what, when, to what, from where. Append-only from
//! the application's side: there is no update or delete here.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entity::audit_log;
use crate::{DbError, now};

#[derive(Debug, Clone)]
pub struct Entry {
    pub user_id: Option<Uuid>,
    pub username: String,
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: Option<String>,
    pub region_path: Option<String>,
    /// JSON object; never a phone or ID number.
    pub detail: serde_json::Value,
    pub peer: Option<String>,
}

/// Appends one entry; call it in the same transaction as the write it records.
pub async fn append(conn: &impl ConnectionTrait, e: Entry) -> Result<(), DbError> {
    audit_log::Entity::insert(audit_log::ActiveModel::from(audit_log::Model {
        id: Uuid::now_v7(),
        at: now(),
        user_id: e.user_id,
        username: e.username,
        action: e.action.to_string(),
        target_kind: e.target_kind.to_string(),
        target_id: e.target_id,
        region_path: e.region_path,
        detail: e.detail.to_string(),
        peer: e.peer,
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Appends many entries in a few statements (a batch of door records).
pub async fn append_many(conn: &impl ConnectionTrait, entries: Vec<Entry>) -> Result<(), DbError> {
    let at = now();
    let rows: Vec<audit_log::ActiveModel> = entries
        .into_iter()
        .map(|e| {
            audit_log::ActiveModel::from(audit_log::Model {
                id: Uuid::now_v7(),
                at,
                user_id: e.user_id,
                username: e.username,
                action: e.action.to_string(),
                target_kind: e.target_kind.to_string(),
                target_id: e.target_id,
                region_path: e.region_path,
                detail: e.detail.to_string(),
                peer: e.peer,
            })
        })
        .collect();
    for chunk in rows.chunks(300) {
        audit_log::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub username: Option<String>,
    pub action: Option<String>,
    pub from: Option<time::OffsetDateTime>,
    pub to: Option<time::OffsetDateTime>,
}

/// Newest first, within a region subtree (entries about the subtree, or made by its staff).
pub async fn search(
    conn: &impl ConnectionTrait,
    scope_path: &str,
    filter: &Filter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<audit_log::Model>, u64), DbError> {
    let mut q = audit_log::Entity::find().filter(audit_log::Column::RegionPath.starts_with(scope_path));
    if let Some(u) = filter.username.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(audit_log::Column::Username.eq(u.trim().to_lowercase()));
    }
    if let Some(a) = filter.action.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(audit_log::Column::Action.eq(a.trim()));
    }
    if let Some(from) = filter.from {
        q = q.filter(audit_log::Column::At.gte(crate::utc(from)));
    }
    if let Some(to) = filter.to {
        q = q.filter(audit_log::Column::At.lt(crate::utc(to)));
    }
    let total = q.clone().count(conn).await?;
    let rows = q.order_by_desc(audit_log::Column::Id).offset(offset).limit(limit).all(conn).await?;
    Ok((rows, total))
}

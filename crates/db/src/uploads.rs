//! Uploaded files waiting between preview and apply.

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use time::Duration;
use uuid::Uuid;

use crate::entity::import_upload;
use crate::{Db, DbError, now};

pub const KEEP_FOR: Duration = Duration::hours(1);

pub async fn store(
    db: &Db,
    user_id: Uuid,
    community_code: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Uuid, DbError> {
    let id = Uuid::now_v7();
    let tx = db.begin_write().await?;
    // Old previews nobody applied are dropped here, so the table stays small.
    import_upload::Entity::delete_many()
        .filter(import_upload::Column::CreatedAt.lt(now() - KEEP_FOR))
        .exec(&tx)
        .await?;
    import_upload::Entity::insert(import_upload::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        community_code: Set(community_code.to_string()),
        file_name: Set(file_name.to_string()),
        bytes: Set(bytes),
        created_at: Set(now()),
    })
    .exec_without_returning(&tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The upload, if it is this user's and still fresh.
pub async fn take(db: &Db, id: Uuid, user_id: Uuid) -> Result<Option<import_upload::Model>, DbError> {
    let found = crate::unique(
        import_upload::Entity::find_by_id(id)
            .filter(import_upload::Column::UserId.eq(user_id))
            .filter(import_upload::Column::CreatedAt.gte(now() - KEEP_FOR)),
        &db.read,
    )
    .await?;
    Ok(found)
}

pub async fn delete(db: &Db, id: Uuid) -> Result<(), DbError> {
    delete_in(&db.write, id).await
}

/// [`delete`] on `conn` (the caller's write transaction).
pub async fn delete_in(conn: &impl sea_orm::ConnectionTrait, id: Uuid) -> Result<(), DbError> {
    import_upload::Entity::delete_many().filter(import_upload::Column::Id.eq(id)).exec(conn).await?;
    Ok(())
}

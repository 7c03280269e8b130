//! Uploaded files waiting between preview and apply.
//!
//! A kept file holds full ID and phone numbers, so it lives only as long as
//! its preview: [`sweep`] (run hourly by the server) deletes every upload
//! older than [`KEEP_FOR`], and applying empties it in the import's own
//! transaction ([`claim_in`]). The emptied row stays until the sweep so that a
//! second "apply" of the same upload answers "already applied".

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::entity::import_upload;
use crate::{Db, DbError};

/// How long a preview (and its kept file) stays valid.
pub const KEEP_FOR: Duration = Duration::hours(1);

/// Keeps a file for its preview; `at` is the service clock's time.
pub async fn store(
    db: &Db,
    user_id: Uuid,
    community_code: &str,
    file_name: &str,
    bytes: Vec<u8>,
    at: OffsetDateTime,
) -> Result<Uuid, DbError> {
    let id = Uuid::now_v7();
    import_upload::Entity::insert(import_upload::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        community_code: Set(community_code.to_string()),
        file_name: Set(file_name.to_string()),
        bytes: Set(bytes),
        created_at: Set(at),
        applied_at: Set(None),
    })
    .exec_without_returning(&db.write)
    .await?;
    Ok(id)
}

/// What is kept under an upload id for this user.
#[derive(Debug)]
pub enum Kept {
    /// Waiting to be applied.
    Fresh(import_upload::Model),
    /// Applied already (its bytes are gone).
    Applied,
    /// Unknown, another user's, or older than [`KEEP_FOR`].
    Gone,
}

/// The upload, if it is this user's and its preview is still valid at `at`.
pub async fn take(db: &Db, id: Uuid, user_id: Uuid, at: OffsetDateTime) -> Result<Kept, DbError> {
    let found = crate::unique(
        import_upload::Entity::find_by_id(id)
            .filter(import_upload::Column::UserId.eq(user_id))
            .filter(import_upload::Column::CreatedAt.gte(at - KEEP_FOR)),
        &db.read,
    )
    .await?;
    Ok(match found {
        None => Kept::Gone,
        Some(u) if u.applied_at.is_some() => Kept::Applied,
        Some(u) => Kept::Fresh(u),
    })
}

/// Marks the upload applied and drops its bytes, inside the caller's write
/// transaction. `false` when it was applied (or swept) already: then the
/// caller must change nothing. One conditional UPDATE, so two applies of
/// one upload (a double click, two instances) cannot both get `true`; on
/// PostgreSQL the second waits for the first's row lock and then finds
/// `applied_at` set.
pub async fn claim_in(conn: &impl ConnectionTrait, id: Uuid, at: OffsetDateTime) -> Result<bool, DbError> {
    let done = import_upload::Entity::update_many()
        .col_expr(import_upload::Column::AppliedAt, Expr::value(Some(at)))
        .col_expr(import_upload::Column::Bytes, Expr::value(Vec::<u8>::new()))
        .filter(import_upload::Column::Id.eq(id))
        .filter(import_upload::Column::AppliedAt.is_null())
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Deletes every upload whose preview has expired at `at` (applied or not);
/// answers how many went.
pub async fn sweep(db: &Db, at: OffsetDateTime) -> Result<u64, DbError> {
    let done = import_upload::Entity::delete_many()
        .filter(import_upload::Column::CreatedAt.lt(at - KEEP_FOR))
        .exec(&db.write)
        .await?;
    Ok(done.rows_affected)
}

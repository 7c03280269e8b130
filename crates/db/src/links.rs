//! Household links: the unguessable, revocable address printed as a QR code
//! on each household's door slip. The token is kept (not hashed) so slips
//! can be reprinted; it opens only that household's own page.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::{household, household_link};
use crate::{Db, DbError, now};

/// The household's live link, created if it has none. `make_token` makes a new token.
pub async fn link_for(db: &Db, household_id: Uuid, make_token: impl Fn() -> String) -> Result<String, DbError> {
    // No unique key: one live link per household is kept by this function, not an index.
    #[allow(clippy::disallowed_methods)]
    if let Some(l) = household_link::Entity::find()
        .filter(household_link::Column::HouseholdId.eq(household_id))
        .filter(household_link::Column::RevokedAt.is_null())
        .one(&db.read)
        .await?
    {
        return Ok(l.token);
    }
    let token = make_token();
    household_link::Entity::insert(household_link::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(household_id),
        token: Set(token.clone()),
        created_at: Set(now()),
        revoked_at: Set(None),
    })
    .exec_without_returning(&db.write)
    .await?;
    Ok(token)
}

/// Revokes the household's live link; the next print makes a new one.
pub async fn revoke(db: &Db, household_id: Uuid) -> Result<u64, DbError> {
    revoke_in(&db.write, household_id).await
}

/// [`revoke`] on `conn` (the caller's write transaction).
pub async fn revoke_in(conn: &impl ConnectionTrait, household_id: Uuid) -> Result<u64, DbError> {
    let r = household_link::Entity::update_many()
        .col_expr(household_link::Column::RevokedAt, Expr::value(now()))
        .filter(household_link::Column::HouseholdId.eq(household_id))
        .filter(household_link::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected)
}

/// The household a live token opens.
pub async fn household_by_token(conn: &impl ConnectionTrait, token: &str) -> Result<Option<household::Model>, DbError> {
    let Some(link) = crate::unique(
        household_link::Entity::find()
            .filter(household_link::Column::Token.eq(token))
            .filter(household_link::Column::RevokedAt.is_null()),
        conn,
    )
    .await?
    else {
        return Ok(None);
    };
    Ok(crate::unique(household::Entity::find_by_id(link.household_id), conn).await?)
}

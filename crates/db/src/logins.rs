//! Logins given in bulk and their first-login links: storage. The service
//! makes the link tokens and hashes; this keeps only their SHA-256.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use shouwang_domain::{RegionCode, Role, logins};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::{Account, NewUser, create_user_in, find_by_id};
use crate::entity::{first_login_link, region, user_account, volunteer};
use crate::{DbError, now};

/// One volunteer to give a login.
#[derive(Debug, Clone)]
pub struct NewLogin {
    pub volunteer_id: Uuid,
    pub display_name: String,
    /// SHA-256 of the first-login link's token.
    pub token_hash: String,
}

/// A login given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenLogin {
    pub volunteer_id: Uuid,
    pub user_id: Uuid,
    pub username: String,
}

/// The highest `n` of the community's bulk usernames (`sy-v007` -> 7).
async fn last_bulk_number(conn: &impl ConnectionTrait, code: &str) -> Result<u32, DbError> {
    let prefix = logins::bulk_username(code, 0);
    let prefix = prefix.trim_end_matches('0');
    let names: Vec<String> = user_account::Entity::find()
        .select_only()
        .column(user_account::Column::Username)
        .filter(user_account::Column::Username.starts_with(prefix))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(names.iter().filter_map(|n| n.strip_prefix(prefix)?.parse::<u32>().ok()).max().unwrap_or(0))
}

/// Gives each volunteer a volunteer login bound to the community, links it
/// to them and stores its first-login link, inside the caller's write
/// transaction. `password_hash` is a hash of a secret nobody keeps: the
/// account cannot be logged into until its link sets a password. A
/// volunteer who is not of this community, or got a login meanwhile, is
/// skipped (the link step changes no row of theirs).
pub async fn give_logins_in(
    tx: &impl ConnectionTrait,
    community: &region::Model,
    logins: &[NewLogin],
    password_hash: &str,
    expires_at: OffsetDateTime,
) -> Result<Vec<GivenLogin>, DbError> {
    let scope = RegionCode::parse(&community.code)
        .map_err(|_| DbError::NotFound { what: "community", key: community.code.clone() })?;
    let mut n = last_bulk_number(tx, &community.code).await?;
    let at = now();
    let mut given = Vec::with_capacity(logins.len());
    for l in logins {
        n += 1;
        let username = logins::bulk_username(&community.code, n);
        let user = create_user_in(
            tx,
            NewUser {
                username: &username,
                display_name: &l.display_name,
                password_hash: password_hash.to_string(),
                role: Role::Volunteer,
                scope: &scope,
                personal_grant: false,
                must_change_password: true,
            },
        )
        .await?;
        let linked = volunteer::Entity::update_many()
            .col_expr(volunteer::Column::UserId, Expr::value(user.id))
            .filter(volunteer::Column::Id.eq(l.volunteer_id))
            .filter(volunteer::Column::CommunityId.eq(community.id))
            .filter(volunteer::Column::UserId.is_null())
            .exec(tx)
            .await?;
        if linked.rows_affected == 0 {
            user_account::Entity::delete_by_id(user.id).exec(tx).await?;
            continue;
        }
        first_login_link::Entity::insert(first_login_link::ActiveModel::from(first_login_link::Model {
            id: Uuid::now_v7(),
            user_id: user.id,
            token_hash: l.token_hash.clone(),
            created_at: at,
            expires_at: crate::utc(expires_at),
            used_at: None,
        }))
        .exec_without_returning(tx)
        .await?;
        given.push(GivenLogin { volunteer_id: l.volunteer_id, user_id: user.id, username: user.username });
    }
    Ok(given)
}

/// The link with this token hash and its account.
pub async fn link_by_hash(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(first_login_link::Model, Account)>, DbError> {
    let Some(link) = crate::unique(
        first_login_link::Entity::find().filter(first_login_link::Column::TokenHash.eq(token_hash)),
        conn,
    )
    .await?
    else {
        return Ok(None);
    };
    Ok(find_by_id(conn, link.user_id).await?.map(|a| (link, a)))
}

/// Marks the link used; false when it was used already (a second tap).
pub async fn use_link_in(tx: &impl ConnectionTrait, link_id: Uuid, at: OffsetDateTime) -> Result<bool, DbError> {
    let done = first_login_link::Entity::update_many()
        .col_expr(first_login_link::Column::UsedAt, Expr::value(crate::utc(at)))
        .filter(first_login_link::Column::Id.eq(link_id))
        .filter(first_login_link::Column::UsedAt.is_null())
        .exec(tx)
        .await?;
    Ok(done.rows_affected == 1)
}

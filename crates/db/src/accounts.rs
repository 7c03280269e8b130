//! Accounts, login failures and lockout, sessions and API tokens. Password
//! hashing happens in the service; this stores and finds. The `_in` forms
//! run inside the caller's write transaction, beside the audit entry.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use shouwang_domain::access::Refusal;
use shouwang_domain::{RegionCode, Role};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::entity::{api_token, region, session, user_account};
use crate::registry::region_by_code;
use crate::{Db, DbError, now};

/// Failed logins in a row before an account is locked, and for how long.
pub const LOCK_AFTER_FAILURES: i32 = 5;
pub const LOCK_FOR: Duration = Duration::minutes(15);
/// A session ends after this long without use, and in any case after `SESSION_MAX`.
pub const SESSION_IDLE: Duration = Duration::hours(12);
pub const SESSION_MAX: Duration = Duration::days(7);

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: String,
    pub role: Role,
    pub scope: &'a RegionCode,
    pub personal_grant: bool,
    pub must_change_password: bool,
}

/// An account with the region it is bound to.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: user_account::Model,
    pub role: Role,
    pub scope: region::Model,
}

pub fn normalize_username(s: &str) -> String {
    s.trim().to_lowercase()
}

pub async fn create_user(db: &Db, new: NewUser<'_>) -> Result<user_account::Model, DbError> {
    let tx = db.begin_write().await?;
    let model = create_user_in(&tx, new).await?;
    tx.commit().await?;
    Ok(model)
}

/// [`create_user`] inside the caller's write transaction.
pub async fn create_user_in(tx: &impl ConnectionTrait, new: NewUser<'_>) -> Result<user_account::Model, DbError> {
    let username = normalize_username(new.username);
    let valid = (2..=64).contains(&username.chars().count())
        && username.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if !valid {
        return Err(DbError::refused(Refusal::BadUsername));
    }
    let scope = region_by_code(tx, new.scope).await?;
    let scope_kind = shouwang_domain::RegionKind::parse(&scope.kind);
    if !scope_kind.is_some_and(|k| new.role.scope_kinds().contains(&k)) {
        return Err(DbError::refused(Refusal::WrongScope { role: new.role }));
    }
    if crate::unique(user_account::Entity::find().filter(user_account::Column::Username.eq(username.clone())), tx)
        .await?
        .is_some()
    {
        return Err(DbError::refused(Refusal::UsernameTaken { username }));
    }
    let at = now();
    let model = user_account::Model {
        id: Uuid::now_v7(),
        username,
        display_name: shouwang_domain::text::normalize(new.display_name),
        password_hash: new.password_hash,
        role: new.role.code().to_string(),
        scope_region_id: scope.id,
        personal_grant: new.personal_grant,
        must_change_password: new.must_change_password,
        locale: "zh-CN".into(),
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        created_at: at,
        updated_at: at,
    };
    user_account::Entity::insert(user_account::ActiveModel::from(model.clone())).exec_without_returning(tx).await?;
    Ok(model)
}

/// An account with its scope, read in one query (it runs on every request).
async fn account_where(conn: &impl ConnectionTrait, filter: sea_orm::Condition) -> Result<Option<Account>, DbError> {
    // `.all()`: the filter names one user, and a bound LIMIT costs a re-prepare (see `crate::unique`).
    let found = user_account::Entity::find().filter(filter).find_also_related(region::Entity).all(conn).await?;
    let Some((user, Some(scope))) = found.into_iter().next() else {
        return Ok(None);
    };
    let Some(role) = Role::parse(&user.role) else { return Ok(None) };
    Ok(Some(Account { user, role, scope }))
}

async fn account_of(conn: &impl ConnectionTrait, user: user_account::Model) -> Result<Option<Account>, DbError> {
    let Some(role) = Role::parse(&user.role) else { return Ok(None) };
    let Some(scope) = crate::unique(region::Entity::find_by_id(user.scope_region_id), conn).await? else {
        return Ok(None);
    };
    Ok(Some(Account { user, role, scope }))
}

pub async fn find_by_username(conn: &impl ConnectionTrait, username: &str) -> Result<Option<Account>, DbError> {
    match crate::unique(
        user_account::Entity::find().filter(user_account::Column::Username.eq(normalize_username(username))),
        conn,
    )
    .await?
    {
        Some(u) => account_of(conn, u).await,
        None => Ok(None),
    }
}

pub async fn find_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Account>, DbError> {
    account_where(conn, sea_orm::Condition::all().add(user_account::Column::Id.eq(id))).await
}

/// Counts a failed login; the fifth in a row locks the account for a while.
/// Both steps are single statements, so concurrent attempts on several
/// instances cannot lose a count.
pub async fn record_login_failure(db: &Db, user_id: Uuid) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    record_login_failure_in(&tx, user_id).await?;
    tx.commit().await?;
    Ok(())
}

/// [`record_login_failure`] inside the caller's write transaction.
pub async fn record_login_failure_in(tx: &impl ConnectionTrait, user_id: Uuid) -> Result<(), DbError> {
    user_account::Entity::update_many()
        .col_expr(user_account::Column::FailedLogins, Expr::col(user_account::Column::FailedLogins).add(1))
        .filter(user_account::Column::Id.eq(user_id))
        .exec(tx)
        .await?;
    user_account::Entity::update_many()
        .col_expr(user_account::Column::LockedUntil, Expr::value(now() + LOCK_FOR))
        .col_expr(user_account::Column::FailedLogins, Expr::value(0))
        .filter(user_account::Column::Id.eq(user_id))
        .filter(user_account::Column::FailedLogins.gte(LOCK_AFTER_FAILURES))
        .exec(tx)
        .await?;
    Ok(())
}

pub async fn record_login_success(db: &Db, user_id: Uuid) -> Result<(), DbError> {
    record_login_success_in(&db.write, user_id).await
}

/// [`record_login_success`] on `conn` (the caller's write transaction).
pub async fn record_login_success_in(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<(), DbError> {
    user_account::Entity::update_many()
        .col_expr(user_account::Column::FailedLogins, Expr::value(0))
        .col_expr(user_account::Column::LockedUntil, Expr::value(Option::<OffsetDateTime>::None))
        .filter(user_account::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_password(db: &Db, user_id: Uuid, password_hash: String) -> Result<(), DbError> {
    set_password_in(&db.write, user_id, password_hash).await
}

/// [`set_password`] on `conn` (the caller's write transaction).
pub async fn set_password_in(conn: &impl ConnectionTrait, user_id: Uuid, password_hash: String) -> Result<(), DbError> {
    user_account::Entity::update_many()
        .col_expr(user_account::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(user_account::Column::MustChangePassword, Expr::value(false))
        .col_expr(user_account::Column::UpdatedAt, Expr::value(now()))
        .filter(user_account::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_locale(db: &Db, user_id: Uuid, locale: &str) -> Result<(), DbError> {
    user_account::Entity::update_many()
        .col_expr(user_account::Column::Locale, Expr::value(locale.to_string()))
        .filter(user_account::Column::Id.eq(user_id))
        .exec(&db.write)
        .await?;
    Ok(())
}

pub async fn set_disabled(db: &Db, user_id: Uuid, disabled: bool) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    set_disabled_in(&tx, user_id, disabled).await?;
    tx.commit().await?;
    Ok(())
}

/// [`set_disabled`] inside the caller's write transaction.
pub async fn set_disabled_in(tx: &impl ConnectionTrait, user_id: Uuid, disabled: bool) -> Result<(), DbError> {
    user_account::Entity::update_many()
        .col_expr(user_account::Column::Disabled, Expr::value(disabled))
        .col_expr(user_account::Column::UpdatedAt, Expr::value(now()))
        .filter(user_account::Column::Id.eq(user_id))
        .exec(tx)
        .await?;
    if disabled {
        session::Entity::delete_many().filter(session::Column::UserId.eq(user_id)).exec(tx).await?;
    }
    Ok(())
}

/// Accounts bound somewhere inside `path` (a region path), for the users page.
pub async fn users_under(conn: &impl ConnectionTrait, path: &str) -> Result<Vec<Account>, DbError> {
    let regions = region::Entity::find().filter(region::Column::Path.starts_with(path)).all(conn).await?;
    let ids: Vec<Uuid> = regions.iter().map(|r| r.id).collect();
    let users = user_account::Entity::find()
        .filter(user_account::Column::ScopeRegionId.is_in(ids))
        .order_by_asc(user_account::Column::Username)
        .all(conn)
        .await?;
    Ok(users
        .into_iter()
        .filter_map(|u| {
            let scope = regions.iter().find(|r| r.id == u.scope_region_id)?.clone();
            Some(Account { role: Role::parse(&u.role)?, user: u, scope })
        })
        .collect())
}

/// Stores a new session (by the hash of its token) with its CSRF token.
pub async fn create_session(db: &Db, token_hash: &str, user_id: Uuid, csrf_token: &str) -> Result<(), DbError> {
    create_session_in(&db.write, token_hash, user_id, csrf_token).await
}

/// [`create_session`] on `conn` (the caller's write transaction).
pub async fn create_session_in(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    user_id: Uuid,
    csrf_token: &str,
) -> Result<(), DbError> {
    let at = now();
    session::Entity::insert(session::ActiveModel {
        id: Set(token_hash.to_string()),
        user_id: Set(user_id),
        csrf_token: Set(csrf_token.to_string()),
        created_at: Set(at),
        last_seen_at: Set(at),
        expires_at: Set(at + SESSION_MAX),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// A live session and its account; expired or idle sessions count as none.
pub async fn session_account(db: &Db, token_hash: &str) -> Result<Option<(session::Model, Account)>, DbError> {
    let Some(s) = crate::unique(session::Entity::find_by_id(token_hash.to_string()), &db.read).await? else {
        return Ok(None);
    };
    let at = now();
    if s.expires_at <= at || s.last_seen_at + SESSION_IDLE <= at {
        return Ok(None);
    }
    let Some(account) = find_by_id(&db.read, s.user_id).await? else { return Ok(None) };
    if account.user.disabled {
        return Ok(None);
    }
    // Sliding idle window, written at most once a minute to spare the writer.
    if at - s.last_seen_at > Duration::minutes(1) {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(at))
            .filter(session::Column::Id.eq(token_hash))
            .exec(&db.write)
            .await?;
    }
    Ok(Some((s, account)))
}

pub async fn delete_session(db: &Db, token_hash: &str) -> Result<(), DbError> {
    delete_session_in(&db.write, token_hash).await
}

/// [`delete_session`] on `conn` (the caller's write transaction).
pub async fn delete_session_in(conn: &impl ConnectionTrait, token_hash: &str) -> Result<(), DbError> {
    session::Entity::delete_many().filter(session::Column::Id.eq(token_hash)).exec(conn).await?;
    Ok(())
}

/// Ends every session of a user except `keep` (after a password change).
pub async fn delete_other_sessions(db: &Db, user_id: Uuid, keep: &str) -> Result<(), DbError> {
    delete_other_sessions_in(&db.write, user_id, keep).await
}

/// [`delete_other_sessions`] on `conn` (the caller's write transaction).
pub async fn delete_other_sessions_in(conn: &impl ConnectionTrait, user_id: Uuid, keep: &str) -> Result<(), DbError> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::Id.ne(keep))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn purge_expired_sessions(db: &Db) -> Result<u64, DbError> {
    let at = now();
    let r = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(at).or(session::Column::LastSeenAt.lte(at - SESSION_IDLE)))
        .exec(&db.write)
        .await?;
    Ok(r.rows_affected)
}

pub async fn create_api_token(db: &Db, user_id: Uuid, name: &str, token_hash: &str) -> Result<(), DbError> {
    api_token::Entity::insert(api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        name: Set(name.to_string()),
        token_hash: Set(token_hash.to_string()),
        created_at: Set(now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    })
    .exec_without_returning(&db.write)
    .await?;
    Ok(())
}

pub async fn api_token_account(db: &Db, token_hash: &str) -> Result<Option<Account>, DbError> {
    // One query: the token's user (through a subquery) and their scope.
    let token = Query::select()
        .column(api_token::Column::UserId)
        .from(api_token::Entity)
        .and_where(Expr::col(api_token::Column::TokenHash).eq(token_hash))
        .and_where(Expr::col(api_token::Column::RevokedAt).is_null())
        .to_owned();
    let found =
        account_where(&db.read, sea_orm::Condition::all().add(user_account::Column::Id.in_subquery(token))).await?;
    Ok(found.filter(|a| !a.user.disabled))
}

//! Accounts: passwords (Argon2id, hashed off the async runtime), logging in
//! and out, sessions and API tokens, the password change, the language, and
//! the users of an area (an account appoints only at or below its own rank).

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::RngCore;
use shouwang_db::accounts::{self, Account, NewUser};
use shouwang_db::audit::{self, Entry};
use shouwang_db::registry;
use shouwang_domain::access::{self, Action, Resource};
use shouwang_domain::{Lang, RegionCode, RegionKind, Role};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::tokens::{random_token, sha256_hex};
use crate::{Actor, Context, Error, Refusal, Result};

/// Argon2 is deliberately slow and CPU-bound: at most two at once, on
/// blocking threads, so a burst of logins cannot starve the server.
#[derive(Clone)]
pub struct PasswordHashing {
    permits: Arc<Semaphore>,
}

impl Default for PasswordHashing {
    fn default() -> Self {
        PasswordHashing { permits: Arc::new(Semaphore::new(2)) }
    }
}

impl PasswordHashing {
    pub async fn hash(&self, password: &str) -> Result<String> {
        let _permit = self.permits.acquire().await.map_err(|e| Error::Internal(e.to_string()))?;
        let password = password.to_string();
        tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?
    }

    pub async fn verify(&self, password: &str, hash: &str) -> bool {
        let Ok(_permit) = self.permits.acquire().await else { return false };
        let (password, hash) = (password.to_string(), hash.to_string());
        tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
    }
}

/// Argon2id with the crate defaults (19 MiB, t=2, p=1: OWASP's recommendation).
pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A generated first password: 14 characters that are easy to read aloud.
pub fn generated_password() -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 14];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| CHARS[*b as usize % CHARS.len()] as char).collect()
}

/// The shortest new password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// An account as a request sees it: who, with which role, bound where.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub personal_grant: bool,
    pub scope_code: String,
    pub scope_name: String,
    pub scope_kind: String,
    pub scope_path: String,
    pub lang: Lang,
    pub must_change_password: bool,
    /// The session's CSRF token (empty for API tokens).
    pub csrf_token: String,
}

impl SessionUser {
    fn of(a: Account, csrf_token: String) -> SessionUser {
        SessionUser {
            id: a.user.id,
            username: a.user.username,
            display_name: a.user.display_name,
            role: a.role,
            personal_grant: a.user.personal_grant,
            scope_code: a.scope.code,
            scope_name: a.scope.name,
            scope_kind: a.scope.kind,
            scope_path: a.scope.path,
            lang: Lang::parse(&a.user.locale).unwrap_or_default(),
            must_change_password: a.user.must_change_password,
            csrf_token,
        }
    }
}

/// The account of a live session (by the SHA-256 of its cookie token).
pub async fn session_user(ctx: &Context, token_hash: &str) -> Result<Option<SessionUser>> {
    Ok(accounts::session_account(&ctx.db, token_hash).await?.map(|(s, a)| SessionUser::of(a, s.csrf_token)))
}

/// The account of a live API token (by the SHA-256 of the token).
pub async fn token_user(ctx: &Context, token_hash: &str) -> Result<Option<SessionUser>> {
    Ok(accounts::api_token_account(&ctx.db, token_hash).await?.map(|a| SessionUser::of(a, String::new())))
}

/// What a login attempt came to.
#[derive(Debug)]
pub enum Login {
    /// Unknown name, wrong password or a disabled account (told apart to nobody).
    Failed,
    /// Too many failures in a row: locked for a while.
    Locked,
    /// A new session: the cookie's token (only its hash is stored).
    Started { token: String, must_change_password: bool, locale: String },
}

/// A hash to verify against when the username is unknown, so a wrong
/// username and a wrong password take the same time.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("not a real password, only for timing").unwrap_or_default());

/// Checks a password; counts failures (the fifth in a row locks the
/// account) and audits every attempt on a known account.
pub async fn login(
    ctx: &Context,
    passwords: &PasswordHashing,
    username: &str,
    password: &str,
    peer: Option<String>,
) -> Result<Login> {
    let Some(account) = accounts::find_by_username(&ctx.db.read, username).await? else {
        passwords.verify(password, &DUMMY_HASH).await;
        return Ok(Login::Failed);
    };
    let entry = |action: &'static str, detail: serde_json::Value| Entry {
        user_id: Some(account.user.id),
        username: account.user.username.clone(),
        action,
        target_kind: "account",
        target_id: Some(account.user.id.to_string()),
        region_path: Some(account.scope.path.clone()),
        detail,
        peer: peer.clone(),
    };
    if account.user.locked_until.is_some_and(|t| t > time::OffsetDateTime::now_utc()) {
        audit::append(&ctx.db.write, entry("login_failed", serde_json::json!({"why": "locked"}))).await?;
        return Ok(Login::Locked);
    }
    let ok = passwords.verify(password, &account.user.password_hash).await;
    let tx = ctx.db.begin_write().await?;
    if !ok || account.user.disabled {
        accounts::record_login_failure_in(&tx, account.user.id).await?;
        audit::append(&tx, entry("login_failed", serde_json::json!({}))).await?;
        tx.commit().await.map_err(shouwang_db::DbError::from)?;
        return Ok(Login::Failed);
    }
    accounts::record_login_success_in(&tx, account.user.id).await?;
    let token = random_token();
    accounts::create_session_in(&tx, &sha256_hex(&token), account.user.id, &random_token()).await?;
    audit::append(&tx, entry("login", serde_json::json!({}))).await?;
    tx.commit().await.map_err(shouwang_db::DbError::from)?;
    Ok(Login::Started {
        token,
        must_change_password: account.user.must_change_password,
        locale: account.user.locale.clone(),
    })
}

/// An entry about the actor's own account.
fn own_entry(actor: &Actor, user_id: Uuid, action: &'static str) -> Entry {
    Entry {
        user_id: Some(user_id),
        username: actor.username.clone(),
        action,
        target_kind: "account",
        target_id: Some(user_id.to_string()),
        region_path: Some(actor.scope_path.clone()),
        detail: serde_json::json!({}),
        peer: actor.peer.clone(),
    }
}

fn account_id(actor: &Actor) -> Result<Uuid> {
    actor.user_id.ok_or(Error::Forbidden)
}

/// Ends the session (by its token's hash; none for API tokens) and audits it.
pub async fn logout(ctx: &Context, actor: &Actor, session: Option<&str>) -> Result<()> {
    let id = account_id(actor)?;
    let tx = ctx.db.begin_write().await?;
    if let Some(session) = session {
        accounts::delete_session_in(&tx, session).await?;
    }
    audit::append(&tx, own_entry(actor, id, "logout")).await?;
    tx.commit().await.map_err(shouwang_db::DbError::from)?;
    Ok(())
}

/// Why a new password was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRefusal {
    Mismatch,
    TooShort,
    Same,
    WrongCurrent,
    /// The account is gone.
    NoAccount,
}

/// Replaces the actor's password; every other session of the account ends.
pub async fn change_password(
    ctx: &Context,
    passwords: &PasswordHashing,
    actor: &Actor,
    session: Option<&str>,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<Result<(), PasswordRefusal>> {
    let id = account_id(actor)?;
    if new != confirm {
        return Ok(Err(PasswordRefusal::Mismatch));
    }
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return Ok(Err(PasswordRefusal::TooShort));
    }
    if new == current {
        return Ok(Err(PasswordRefusal::Same));
    }
    let Some(account) = accounts::find_by_id(&ctx.db.read, id).await? else {
        return Ok(Err(PasswordRefusal::NoAccount));
    };
    if !passwords.verify(current, &account.user.password_hash).await {
        return Ok(Err(PasswordRefusal::WrongCurrent));
    }
    let hash = passwords.hash(new).await?;
    let tx = ctx.db.begin_write().await?;
    accounts::set_password_in(&tx, id, hash).await?;
    if let Some(session) = session {
        accounts::delete_other_sessions_in(&tx, id, session).await?;
    }
    audit::append(&tx, own_entry(actor, id, "password_change")).await?;
    tx.commit().await.map_err(shouwang_db::DbError::from)?;
    Ok(Ok(()))
}

/// Remembers the actor's language (a locale code such as `zh-CN`).
pub async fn set_locale(ctx: &Context, actor: &Actor, locale: &str) -> Result<()> {
    accounts::set_locale(&ctx.db, account_id(actor)?, locale).await?;
    Ok(())
}

/// One account on the users page.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub scope: String,
    pub disabled: bool,
    /// The actor may disable or enable it.
    pub manageable: bool,
}

/// The users page: the accounts of the actor's area, the roles it may
/// appoint and the areas it may bind them to, as (code, label).
#[derive(Debug, Clone)]
pub struct UsersView {
    pub users: Vec<UserRow>,
    pub roles: Vec<(String, String)>,
    pub scopes: Vec<(String, String)>,
    pub can_write: bool,
}

/// The region the actor's account is bound to.
pub(crate) async fn scope_of(ctx: &Context, actor: &Actor) -> Result<shouwang_db::entity::region::Model> {
    let code = actor.scope_path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    let code = RegionCode::parse(code).map_err(|_| Error::Forbidden)?;
    Ok(registry::region_by_code(&ctx.db.read, &code).await?)
}

pub async fn users(ctx: &Context, actor: &Actor) -> Result<UsersView> {
    actor.require(Resource::Users, Action::Read, &actor.scope_path)?;
    let lang = actor.lang;
    // A volunteer's login carries their name: hidden from a reader who does not see people.
    let hidden = (!access::sees_people(actor.role, actor.personal_grant))
        .then(|| shouwang_domain::i18n::t(lang, "scope.hidden"));
    let users = accounts::users_under(&ctx.db.read, &actor.scope_path)
        .await?
        .into_iter()
        .map(|a| UserRow {
            manageable: Some(a.user.id) != actor.user_id
                && actor.role.may_appoint_account(actor.personal_grant, a.role, a.user.personal_grant),
            id: a.user.id,
            username: a.user.username,
            display_name: match (&hidden, a.role.is_upper_level()) {
                (Some(h), false) => h.clone(),
                _ => a.user.display_name,
            },
            role: a.role.label(lang),
            scope: a.scope.name,
            disabled: a.user.disabled,
        })
        .collect();
    let roles = Role::ALL
        .into_iter()
        .filter(|r| actor.role.may_appoint_account(actor.personal_grant, *r, false))
        .map(|r| (r.code().to_string(), r.label(lang).to_string()))
        .collect();
    // Areas down to compounds (buildings would make the list endless).
    let scope = scope_of(ctx, actor).await?;
    let mut scopes = vec![(scope.code.clone(), scope.name.clone())];
    for r in registry::descendants(&ctx.db.read, &scope, None).await? {
        if !crate::is_kind(&r, RegionKind::Building) {
            let kind = RegionKind::parse(&r.kind).map_or("", |k| k.label(lang));
            scopes.push((r.code, format!("{} ({kind})", r.name)));
        }
    }
    Ok(UsersView { users, roles, scopes, can_write: actor.can(Resource::Users, Action::Write, &actor.scope_path) })
}

/// A new account and its first password, shown once.
#[derive(Debug, Clone)]
pub struct CreatedUser {
    pub username: String,
    pub password: String,
}

/// Adds an account bound inside the actor's area, with a role at or below
/// the actor's; its first password must be changed. A taken or malformed
/// username, or a role that does not fit the area, is a refusal to show.
pub async fn create_user(
    ctx: &Context,
    passwords: &PasswordHashing,
    actor: &Actor,
    username: &str,
    display_name: Option<&str>,
    role: &str,
    scope: &str,
) -> Result<Result<CreatedUser, Refusal>> {
    let scope_code = RegionCode::parse(scope).map_err(|_| Error::Forbidden)?;
    let scope = registry::region_by_code(&ctx.db.read, &scope_code).await?;
    // A scope wider than the actor's own is refused (they know it: it is on
    // their way down the tree); one beside it is not found.
    if scope.path != actor.scope_path && actor.scope_path.starts_with(&scope.path) {
        return Err(Error::Forbidden);
    }
    actor.require(Resource::Users, Action::Write, &scope.path)?;
    // Never an account with more than the actor has (a higher role, or one
    // that sees people when the actor does not): `access::may_appoint_account`.
    let Some(role) = Role::parse(role).filter(|r| actor.role.may_appoint_account(actor.personal_grant, *r, false))
    else {
        return Err(Error::Forbidden);
    };
    let password = generated_password();
    let hash = passwords.hash(&password).await?;
    let display = display_name.filter(|d| !d.trim().is_empty()).unwrap_or(username);
    let created = accounts::create_user(
        &ctx.db,
        NewUser {
            username,
            display_name: display,
            password_hash: hash,
            role,
            scope: &scope_code,
            personal_grant: false,
            must_change_password: true,
        },
    )
    .await;
    let created = match created {
        Ok(c) => c,
        Err(shouwang_db::DbError::Invalid(why)) => return Ok(Err(why)),
        Err(e) => return Err(e.into()),
    };
    audit::append(
        &ctx.db.write,
        Entry {
            user_id: actor.user_id,
            username: actor.username.clone(),
            action: "user_add",
            target_kind: "account",
            target_id: Some(created.id.to_string()),
            region_path: Some(scope.path.clone()),
            detail: serde_json::json!({ "username": created.username, "role": role.code(), "scope": scope.code }),
            peer: actor.peer.clone(),
        },
    )
    .await?;
    Ok(Ok(CreatedUser { username: created.username, password }))
}

/// Disables (ending its sessions) or enables an account the actor may manage.
pub async fn set_enabled(ctx: &Context, actor: &Actor, id: Uuid, enable: bool) -> Result<()> {
    let target =
        accounts::find_by_id(&ctx.db.read, id).await?.ok_or_else(|| Error::missing(access::Refusal::NoSuchAccount))?;
    actor.require(Resource::Users, Action::Write, &target.scope.path)?;
    if Some(target.user.id) == actor.user_id
        || !actor.role.may_appoint_account(actor.personal_grant, target.role, target.user.personal_grant)
    {
        return Err(Error::Forbidden);
    }
    let tx = ctx.db.begin_write().await?;
    accounts::set_disabled_in(&tx, id, !enable).await?;
    audit::append(
        &tx,
        Entry {
            user_id: actor.user_id,
            username: actor.username.clone(),
            action: "user_disable",
            target_kind: "account",
            target_id: Some(id.to_string()),
            region_path: Some(target.scope.path.clone()),
            detail: serde_json::json!({ "username": target.user.username, "enabled": enable }),
            peer: actor.peer.clone(),
        },
    )
    .await?;
    tx.commit().await.map_err(shouwang_db::DbError::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn generated_passwords_are_fourteen_characters() {
        assert_eq!(generated_password().len(), 14);
        assert_ne!(generated_password(), generated_password());
    }
}

//! Who is asking: passwords (Argon2id, hashed off the async runtime),
//! session cookies and API tokens, and the one authorization check.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use rand::RngCore;

use shouwang_db::accounts::{self, Account};
use shouwang_domain::access::{self, Action, Resource};
use shouwang_domain::{Lang, Role};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::AppState;
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "sw_session";

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
    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let _permit = self.permits.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
        let password = password.to_string();
        tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
    }

    pub async fn verify(&self, password: &str, hash: &str) -> bool {
        let Ok(_permit) = self.permits.acquire().await else { return false };
        let (password, hash) = (password.to_string(), hash.to_string());
        tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
    }
}

/// Argon2id with the crate defaults (19 MiB, t=2, p=1: OWASP's recommendation).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

pub use shouwang_service::tokens::{random_token, sha256_hex};

/// A generated first password: 14 characters that are easy to read aloud.
pub fn generated_password() -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 14];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| CHARS[*b as usize % CHARS.len()] as char).collect()
}

/// The logged-in account of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
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
    /// Hash of the session token (none for API tokens).
    pub session: Option<String>,
    pub csrf_token: String,
}

impl CurrentUser {
    fn from_account(a: Account, session: Option<String>, csrf_token: String) -> CurrentUser {
        CurrentUser {
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
            session,
            csrf_token,
        }
    }

    /// The one authorization check: role, resource, action and scope.
    pub fn can(&self, resource: Resource, action: Action, target_path: &str) -> bool {
        access::decide(self.role, self.personal_grant, &self.scope_path, resource, action, target_path)
    }

    pub fn require(&self, resource: Resource, action: Action, target_path: &str) -> Result<(), AppError> {
        if self.can(resource, action, target_path) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// This account as the service layer sees it, asking from `peer`.
    pub fn actor(&self, peer: Option<String>) -> shouwang_service::Actor {
        shouwang_service::Actor {
            user_id: Some(self.id),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            personal_grant: self.personal_grant,
            scope_path: self.scope_path.clone(),
            lang: self.lang,
            peer,
        }
    }
}

/// Finds the user from the session cookie or a Bearer token; `None` if neither is valid.
pub async fn resolve(state: &AppState, parts: &Parts) -> Result<Option<CurrentUser>, AppError> {
    if let Some(token) =
        parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
    {
        let account = accounts::api_token_account(&state.ctx.db, &sha256_hex(token.trim())).await?;
        return Ok(account.map(|a| CurrentUser::from_account(a, None, String::new())));
    }
    let Some(token) = crate::cookie(&parts.headers, SESSION_COOKIE) else { return Ok(None) };
    let hash = sha256_hex(token);
    Ok(accounts::session_account(&state.ctx.db, &hash)
        .await?
        .map(|(s, a)| CurrentUser::from_account(a, Some(hash), s.csrf_token)))
}

impl<S> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = match parts.extensions.get::<CurrentUser>() {
            // Already looked up by the CSRF check of this request.
            Some(user) => user.clone(),
            None => {
                let state = AppState::from_ref(state);
                let user = resolve(&state, parts).await?.ok_or(AppError::Unauthorized)?;
                parts.extensions.insert(user.clone());
                user
            }
        };
        // Until the first password is replaced, only the password page is open
        // (to browsers: a script's API token is not a password login).
        if user.must_change_password && user.session.is_some() && !parts.uri.path().starts_with("/account/password") {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(user)
    }
}

/// A user if logged in, without refusing anonymous requests.
pub struct MaybeUser(pub Option<CurrentUser>);

impl<S> FromRequestParts<S> for MaybeUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(MaybeUser(Some(user.clone())));
        }
        let state = AppState::from_ref(state);
        Ok(MaybeUser(resolve(&state, parts).await?))
    }
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
    fn tokens_are_long_and_different() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert_eq!(sha256_hex("a").len(), 64);
        assert_eq!(generated_password().len(), 14);
    }
}

//! Who is asking: session cookies and API tokens (looked up by the service),
//! and the one authorization check. Passwords are hashed in the service.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use shouwang_domain::access::{self, Action, Resource};
use shouwang_domain::{Lang, Role};
use shouwang_service::accounts::SessionUser;
use uuid::Uuid;

use crate::AppState;
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "sw_session";

// Passwords and tokens are the service's; re-exported for the app crate and the tests.
pub use shouwang_service::accounts::{PasswordHashing, generated_password, hash_password, verify_password};
pub use shouwang_service::tokens::{random_token, sha256_hex};

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
    fn of(u: SessionUser, session: Option<String>) -> CurrentUser {
        let SessionUser {
            id,
            username,
            display_name,
            role,
            personal_grant,
            scope_code,
            scope_name,
            scope_kind,
            scope_path,
            lang,
            must_change_password,
            csrf_token,
        } = u;
        CurrentUser {
            id,
            username,
            display_name,
            role,
            personal_grant,
            scope_code,
            scope_name,
            scope_kind,
            scope_path,
            lang,
            must_change_password,
            session,
            csrf_token,
        }
    }

    /// The one authorization check: role, resource, action and scope.
    pub fn can(&self, resource: Resource, action: Action, target_path: &str) -> bool {
        access::decide(self.role, self.personal_grant, &self.scope_path, resource, action, target_path)
    }

    /// Outside the account's scope is not found (404), inside it but not for its role forbidden (403).
    pub fn require(&self, resource: Resource, action: Action, target_path: &str) -> Result<(), AppError> {
        match access::verdict(self.role, self.personal_grant, &self.scope_path, resource, action, target_path) {
            access::Verdict::Allowed => Ok(()),
            access::Verdict::Forbidden => Err(AppError::Forbidden),
            access::Verdict::OutOfScope => Err(shouwang_service::Error::missing(access::Refusal::NotInScope).into()),
        }
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

/// Finds the user from a Bearer token or the session cookie; `None` if there is neither.
/// A request that carries an `Authorization` header is answered by that header
/// alone: anything but a valid Bearer token is refused (401), never a fallback
/// to the cookie the same client may also hold.
pub async fn resolve(state: &AppState, parts: &Parts) -> Result<Option<CurrentUser>, AppError> {
    if let Some(value) = parts.headers.get(AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthorized)?;
        let user = shouwang_service::accounts::token_user(&state.ctx, &sha256_hex(token)).await?;
        return user.map(|u| Some(CurrentUser::of(u, None))).ok_or(AppError::Unauthorized);
    }
    let Some(token) = crate::cookie(&parts.headers, SESSION_COOKIE) else { return Ok(None) };
    let hash = sha256_hex(token);
    Ok(shouwang_service::accounts::session_user(&state.ctx, &hash).await?.map(|u| CurrentUser::of(u, Some(hash))))
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
    fn tokens_are_long_and_different() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert_eq!(sha256_hex("a").len(), 64);
    }
}

//! Accounts: login and logout, language, password change, and the users
//! page where administrators add and disable accounts.

pub(crate) mod session;
mod users;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// The pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang", post(session::switch_lang))
        .route("/account/password", get(session::password_page).post(session::change_password))
        .route("/users", get(users::users_page).post(users::create_user))
        .route("/users/{id}/disable", post(users::disable_user))
}

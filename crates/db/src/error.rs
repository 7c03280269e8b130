//! Errors of the storage layer, with messages in Chinese and English.

use shouwang_domain::{Lang, Refusal, i18n};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Something named by the user does not exist (e.g. a region code).
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    /// The request contradicts what is stored (a duplicate code, a wrong parent kind...):
    /// a typed reason, its text from the locale files.
    #[error("{0}")]
    Invalid(Refusal),
    /// The caller may not do this here.
    #[error("not allowed")]
    Forbidden,
    #[error("unsupported database URL (use sqlite://… or postgres://…)")]
    UnsupportedUrl,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

impl DbError {
    /// A refusal for a typed reason (`region::Refusal`, `task::Refusal`, ...).
    pub fn refused(reason: impl Into<Refusal>) -> DbError {
        DbError::Invalid(reason.into())
    }

    /// The same error again, for each of several callers that shared one
    /// failed statement (a driver error keeps its text, not its type).
    pub fn replicate(&self) -> DbError {
        match self {
            DbError::NotFound { what, key } => DbError::NotFound { what, key: key.clone() },
            DbError::Invalid(reason) => DbError::Invalid(reason.clone()),
            DbError::UnsupportedUrl => DbError::UnsupportedUrl,
            DbError::Forbidden => DbError::Forbidden,
            DbError::Db(e) => DbError::Db(sea_orm::DbErr::Custom(e.to_string())),
            DbError::Sqlx(e) => DbError::Db(sea_orm::DbErr::Custom(e.to_string())),
        }
    }

    /// A message fit to show a user; internal errors are not spelled out.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            DbError::NotFound { what, key } => Refusal::Missing { what, key: key.clone() }.message(lang),
            DbError::Invalid(reason) => reason.message(lang),
            DbError::Forbidden => i18n::t(lang, "storage.forbidden"),
            DbError::UnsupportedUrl => i18n::t(lang, "storage.unsupported_url"),
            DbError::Db(_) | DbError::Sqlx(_) => i18n::t(lang, "storage.database"),
        }
    }
}

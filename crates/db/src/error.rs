//! Errors of the storage layer, with messages in Chinese and English.

use shouwang_domain::Lang;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Something named by the user does not exist (e.g. a region code).
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    /// The request contradicts what is stored (a duplicate code, a wrong parent kind...).
    #[error("{en}")]
    Invalid { zh: String, en: String },
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
    pub fn invalid(zh: impl Into<String>, en: impl Into<String>) -> DbError {
        DbError::Invalid { zh: zh.into(), en: en.into() }
    }

    /// The same error again, for each of several callers that shared one
    /// failed statement (a driver error keeps its text, not its type).
    pub fn replicate(&self) -> DbError {
        match self {
            DbError::NotFound { what, key } => DbError::NotFound { what, key: key.clone() },
            DbError::Invalid { zh, en } => DbError::invalid(zh.clone(), en.clone()),
            DbError::UnsupportedUrl => DbError::UnsupportedUrl,
            DbError::Forbidden => DbError::Forbidden,
            DbError::Db(e) => DbError::Db(sea_orm::DbErr::Custom(e.to_string())),
            DbError::Sqlx(e) => DbError::Db(sea_orm::DbErr::Custom(e.to_string())),
        }
    }

    /// A message fit to show a user; internal errors are not spelled out.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (DbError::NotFound { what, key }, Lang::Zh) => format!("找不到{}：{key}", what_zh(what)),
            (DbError::NotFound { what, key }, Lang::En) => format!("{what} not found: {key}"),
            (DbError::Invalid { zh, .. }, Lang::Zh) => zh.clone(),
            (DbError::Invalid { en, .. }, Lang::En) => en.clone(),
            (DbError::Forbidden, Lang::Zh) => "无权进行此操作".into(),
            (DbError::Forbidden, Lang::En) => "not allowed".into(),
            (DbError::UnsupportedUrl, Lang::Zh) => "不支持的数据库地址（应以 sqlite:// 或 postgres:// 开头）".into(),
            (DbError::UnsupportedUrl, Lang::En) => self.to_string(),
            (DbError::Db(_) | DbError::Sqlx(_), Lang::Zh) => "数据库出错，未做任何更改".into(),
            (DbError::Db(_) | DbError::Sqlx(_), Lang::En) => "database error; nothing was changed".into(),
        }
    }
}

fn what_zh(what: &str) -> &'static str {
    match what {
        "region" => "区域",
        "community" => "社区",
        "household" => "户",
        "resident" => "居民",
        _ => "记录",
    }
}

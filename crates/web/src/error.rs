//! One error type for the HTTP layer. It answers with a JSON body carrying a
//! Chinese and an English message, logs the cause, and never shows internals.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shouwang_db::DbError;
use shouwang_domain::Lang;

#[derive(Debug)]
pub enum AppError {
    NotFound { zh: String, en: String },
    BadRequest { zh: String, en: String },
    Internal(String),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// HTTP status code.
    pub status: u16,
    /// Message in Chinese.
    pub message: String,
    /// The same message in English.
    pub message_en: String,
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> AppError {
        match &e {
            DbError::NotFound { .. } => AppError::NotFound { zh: e.message(Lang::Zh), en: e.message(Lang::En) },
            DbError::Invalid { .. } | DbError::UnsupportedUrl => {
                AppError::BadRequest { zh: e.message(Lang::Zh), en: e.message(Lang::En) }
            }
            DbError::Db(_) | DbError::Sqlx(_) => AppError::Internal(format!("{e:#}")),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message, message_en) = match self {
            AppError::NotFound { zh, en } => (StatusCode::NOT_FOUND, zh, en),
            AppError::BadRequest { zh, en } => (StatusCode::BAD_REQUEST, zh, en),
            AppError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "服务器内部错误，请稍后再试".into(),
                    "internal error; please try again later".into(),
                )
            }
        };
        (status, Json(ErrorBody { status: status.as_u16(), message, message_en })).into_response()
    }
}

pub async fn not_found() -> AppError {
    AppError::NotFound { zh: "没有这个页面或接口".into(), en: "no such page or endpoint".into() }
}

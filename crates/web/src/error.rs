//! One error type for the HTTP layer. Under `/api` it answers JSON with a
//! Chinese and an English message; for pages, `pages::render_errors` turns the
//! same error into a localized HTML page (or a redirect to the login page).
//! Causes are logged; internals are never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shouwang_db::DbError;
use shouwang_domain::Lang;

#[derive(Debug)]
pub enum AppError {
    NotFound {
        zh: String,
        en: String,
    },
    BadRequest {
        zh: String,
        en: String,
    },
    Unauthorized,
    /// Logged in with a first password that must be replaced before anything else.
    PasswordChangeRequired,
    Forbidden,
    Csrf,
    TooManyRequests,
    PayloadTooLarge,
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

/// Left in the response's extensions so the page layer can render HTML.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub message_zh: String,
    pub message_en: String,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    BadRequest,
    Unauthorized,
    PasswordChangeRequired,
    Forbidden,
    Internal,
}

impl AppError {
    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::BadRequest { zh: zh.into(), en: en.into() }
    }

    pub fn message(&self, lang: Lang) -> String {
        self.parts().2.pick(lang)
    }

    fn parts(&self) -> (StatusCode, ErrorKind, Msg) {
        let m = |zh: &str, en: &str| Msg(zh.to_string(), en.to_string());
        match self {
            AppError::NotFound { zh, en } => (StatusCode::NOT_FOUND, ErrorKind::NotFound, Msg(zh.clone(), en.clone())),
            AppError::BadRequest { zh, en } => {
                (StatusCode::BAD_REQUEST, ErrorKind::BadRequest, Msg(zh.clone(), en.clone()))
            }
            AppError::Unauthorized => {
                (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized, m("请先登录", "please log in first"))
            }
            AppError::PasswordChangeRequired => (
                StatusCode::FORBIDDEN,
                ErrorKind::PasswordChangeRequired,
                m("请先修改初始密码", "please change your first password before anything else"),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                ErrorKind::Forbidden,
                m("无权访问：你的账号没有权限查看或操作这里", "access denied: your account may not see or do this"),
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                ErrorKind::BadRequest,
                m(
                    "页面已过期或来源不明，请刷新后重试",
                    "the page has expired or came from elsewhere; reload it and try again",
                ),
            ),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorKind::BadRequest,
                m("尝试次数过多，请稍后再试", "too many attempts; please wait"),
            ),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorKind::BadRequest,
                m("上传的文件太大（最多20MB）", "the upload is too large (at most 20 MB)"),
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorKind::Internal,
                m("服务器内部错误，请稍后再试", "internal error; please try again later"),
            ),
        }
    }
}

struct Msg(String, String);

impl Msg {
    fn pick(self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.0,
            Lang::En => self.1,
        }
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> AppError {
        match &e {
            DbError::NotFound { .. } => AppError::NotFound { zh: e.message(Lang::Zh), en: e.message(Lang::En) },
            DbError::Forbidden => AppError::Forbidden,
            DbError::Invalid { .. } | DbError::UnsupportedUrl => {
                AppError::BadRequest { zh: e.message(Lang::Zh), en: e.message(Lang::En) }
            }
            DbError::Db(_) | DbError::Sqlx(_) => AppError::Internal(format!("{e:#}")),
        }
    }
}

impl From<shouwang_service::Error> for AppError {
    fn from(e: shouwang_service::Error) -> AppError {
        use shouwang_service::Error as E;
        match e {
            E::NotFound(m) => AppError::NotFound { zh: m.zh, en: m.en },
            E::Invalid(m) | E::Conflict(m) => AppError::BadRequest { zh: m.zh, en: m.en },
            E::Forbidden => AppError::Forbidden,
            E::Internal(cause) => AppError::Internal(cause),
        }
    }
}

/// A request that is not valid as it stands (a 400 with both messages).
pub fn bad(zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::BadRequest { zh: zh.into(), en: en.into() }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let (status, kind, msg) = self.parts();
        let info = ErrorInfo { status, message_zh: msg.0.clone(), message_en: msg.1.clone(), kind };
        let mut response =
            (status, Json(ErrorBody { status: status.as_u16(), message: msg.0, message_en: msg.1 })).into_response();
        response.extensions_mut().insert(info);
        response
    }
}

pub async fn not_found() -> AppError {
    AppError::NotFound { zh: "没有这个页面或接口".into(), en: "no such page or endpoint".into() }
}

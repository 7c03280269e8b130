//! One error type for the HTTP layer. Under `/api` it answers JSON with a
//! Chinese and an English message, both rendered from the locale files; for pages, `pages::render_errors` turns the
//! same error into a localized HTML page (or a redirect to the login page).
//! Causes are logged; internals are never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
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
    /// A request the framework refused before any handler ran (a body too
    /// large, malformed, or of the wrong type; a method not allowed).
    Refused {
        status: StatusCode,
        zh: String,
        en: String,
    },
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

impl ErrorInfo {
    /// The message in `lang` (both were rendered from the locale files).
    pub fn message(&self, lang: Lang) -> String {
        Msg(self.message_zh.clone(), self.message_en.clone()).pick(lang)
    }
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
    pub fn message(&self, lang: Lang) -> String {
        self.parts().2.pick(lang)
    }

    fn parts(&self) -> (StatusCode, ErrorKind, Msg) {
        let m = Msg::of;
        match self {
            AppError::NotFound { zh, en } => (StatusCode::NOT_FOUND, ErrorKind::NotFound, Msg(zh.clone(), en.clone())),
            AppError::BadRequest { zh, en } => {
                (StatusCode::BAD_REQUEST, ErrorKind::BadRequest, Msg(zh.clone(), en.clone()))
            }
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized, m("http.unauthorized", &[])),
            AppError::PasswordChangeRequired => {
                (StatusCode::FORBIDDEN, ErrorKind::PasswordChangeRequired, m("http.password_change_required", &[]))
            }
            AppError::Forbidden => (StatusCode::FORBIDDEN, ErrorKind::Forbidden, m("http.forbidden", &[])),
            AppError::Csrf => (StatusCode::FORBIDDEN, ErrorKind::BadRequest, m("error.csrf", &[])),
            AppError::TooManyRequests => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorKind::BadRequest, m("http.too_many_requests", &[]))
            }
            AppError::PayloadTooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorKind::BadRequest, m("http.upload_too_large", &[]))
            }
            AppError::Refused { status, zh, en } => {
                let kind = if status.is_server_error() { ErrorKind::Internal } else { ErrorKind::BadRequest };
                (*status, kind, Msg(zh.clone(), en.clone()))
            }
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::Internal, m("http.internal", &[])),
        }
    }
}

/// A message rendered in both languages (the API sends both; a page picks one).
struct Msg(String, String);

impl Msg {
    /// The text of a locale key in both languages.
    fn of(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> Msg {
        Msg(crate::i18n::t_with(Lang::Zh, key, args), crate::i18n::t_with(Lang::En, key, args))
    }

    fn pick(self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.0,
            Lang::En => self.1,
        }
    }
}

impl From<shouwang_service::Error> for AppError {
    fn from(e: shouwang_service::Error) -> AppError {
        use shouwang_service::Error as E;
        // The answer's language is chosen when it is rendered (the API sends
        // both; a page picks one), so both texts are made here, from the
        // locale files.
        match e {
            E::NotFound(r) => AppError::NotFound { zh: r.message(Lang::Zh), en: r.message(Lang::En) },
            E::Invalid(r) | E::Conflict(r) => AppError::BadRequest { zh: r.message(Lang::Zh), en: r.message(Lang::En) },
            E::Forbidden => AppError::Forbidden,
            E::Internal(cause) => AppError::Internal(cause),
        }
    }
}

/// A request refused for a reason named by its locale key (a 400); both
/// languages are rendered now, since the answer's language is chosen later.
pub fn refused(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> AppError {
    let Msg(zh, en) = Msg::of(key, args);
    AppError::BadRequest { zh, en }
}

/// Something the request names is not there (a 404), its text by locale key.
pub fn missing(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> AppError {
    let Msg(zh, en) = Msg::of(key, args);
    AppError::NotFound { zh, en }
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

/// Refusals made by axum itself (extractor rejections, the body limit, an
/// unknown method) answer plain English text. This turns every such answer
/// into the product's own error, in both languages, so that the API speaks
/// its documented `ErrorBody` and pages render their error page. Answers that
/// are already ours carry [`ErrorInfo`] and pass untouched.
pub async fn uniform_refusals(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    // Ours carry ErrorInfo, or are pages rendered on purpose (a form shown
    // again with its errors, as HTML); axum's own refusals are plain text.
    let plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<ErrorInfo>().is_some()
        || !plain
    {
        return response;
    }
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024).await.unwrap_or_default();
    // The framework's text may quote the request (a JSON value, a field):
    // long digit runs (phone or ID numbers) are masked before it is shown.
    let detail = crate::api::mask_digit_runs(String::from_utf8_lossy(&bytes).trim());
    let refused = |status: StatusCode, key: &str, args: &[(&str, &dyn std::fmt::Display)]| {
        let Msg(zh, en) = Msg::of(key, args);
        AppError::Refused { status, zh, en }
    };
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => refused(status, "http.request_too_large", &[]),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => refused(status, "http.wrong_content_type", &[]),
        StatusCode::METHOD_NOT_ALLOWED => refused(status, "http.method_not_allowed", &[]),
        // A body or query that does not parse, or parses to the wrong shape
        // (axum says 422 for the latter): both are a malformed request.
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
            refused(StatusCode::BAD_REQUEST, "http.malformed", &[("detail", &detail)])
        }
        StatusCode::NOT_FOUND => not_found().await,
        StatusCode::REQUEST_TIMEOUT => refused(status, "http.timeout", &[]),
        s if s.is_server_error() => {
            tracing::warn!(status = %s, %detail, "refused by the framework");
            refused(s, "http.unavailable", &[])
        }
        s => refused(s, "http.cannot_handle", &[("detail", &detail)]),
    }
    .into_response()
}

pub async fn not_found() -> AppError {
    missing("http.no_such_page", &[])
}

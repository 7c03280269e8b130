//! One gate for control characters in what people type (issue 11, item 11):
//! NUL and the like in any form field, query parameter or JSON text of a
//! request are refused here, before any handler, with the field named, in
//! Chinese and English. Tab and line breaks are ordinary (a textarea sends
//! `\r\n`). File uploads (multipart) are not read here: their rows are
//! checked by the spreadsheet readers (`RejectReason::ControlCharacters`).

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use shouwang_domain::text::has_control_chars;

use crate::error::{AppError, refused};

/// Largest form or JSON body read here: axum's own default limit for `Form`
/// and `Json`, so nothing a handler would accept is turned away.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

pub async fn refuse_control_characters(req: Request, next: Next) -> Response {
    if let Some(field) = req.uri().query().and_then(form_offender) {
        return refusal(&field).into_response();
    }
    let kind = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(|v| {
        let v = v.to_ascii_lowercase();
        (v.starts_with("application/x-www-form-urlencoded"), v.starts_with("application/json") || v.contains("+json"))
    });
    let Some((is_form, is_json)) = kind.filter(|(f, j)| *f || *j) else { return next.run(req).await };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        // Plain, as axum's own limit answers: `error::uniform_refusals` words it.
        Err(_) => return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let offender = if is_form {
        form_offender(&String::from_utf8_lossy(&bytes))
    } else if is_json {
        // A body that does not parse is the handler's to refuse.
        serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|v| json_offender(&v, String::new()))
    } else {
        None
    };
    if let Some(field) = offender {
        return refusal(&field).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn refusal(field: &str) -> AppError {
    tracing::warn!(field, "control characters in a request refused");
    refused("uploads.field_control_characters", &[("field", &field)])
}

/// The first form field (name or value) holding control characters.
pub fn form_offender(encoded: &str) -> Option<String> {
    form_urlencoded::parse(encoded.as_bytes())
        .find(|(k, v)| has_control_chars(k) || has_control_chars(v))
        .map(|(k, _)| printable(&k))
}

/// The path of the first JSON text (or key) holding control characters,
/// e.g. `title` or `items[2].name`.
pub fn json_offender(v: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::String(s) if has_control_chars(s) => Some(if at.is_empty() { "$".into() } else { at }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| json_offender(x, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let path = if at.is_empty() { printable(k) } else { format!("{at}.{}", printable(k)) };
            if has_control_chars(k) { Some(path) } else { json_offender(x, path) }
        }),
        _ => None,
    }
}

/// A field name fit to show and log: control characters made visible, at most 64 characters.
fn printable(name: &str) -> String {
    name.chars().take(64).map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_that_holds_control_characters() {
        assert_eq!(form_offender("title=ok&note=a%00b"), Some("note".into()));
        assert_eq!(form_offender("note=line%0D%0Anext%09tab"), None, "line breaks and tabs are text");
        assert_eq!(form_offender("a%01=x"), Some("a\u{fffd}".into()));
        let v = serde_json::json!({"title": "ok", "items": [{"name": "x"}, {"name": "y\u{7}"}]});
        assert_eq!(json_offender(&v, String::new()), Some("items[1].name".into()));
        assert_eq!(json_offender(&serde_json::json!({"note": "a\nb"}), String::new()), None);
        assert_eq!(json_offender(&serde_json::json!("\u{0}"), String::new()), Some("$".into()));
    }
}

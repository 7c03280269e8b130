//! Locale per request, never global: the user's saved choice, else the
//! `lang` cookie, else Accept-Language, else Chinese. Strings come from the
//! domain's locale files (`shouwang_domain::i18n`), the one set there is.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use shouwang_domain::Lang;

pub const LANG_COOKIE: &str = "lang";

pub fn code(lang: Lang) -> &'static str {
    shouwang_domain::i18n::code(lang)
}

/// Translates `key` into `lang`.
pub fn t(lang: Lang, key: &str) -> String {
    shouwang_domain::i18n::t(lang, key)
}

/// Translates `key` into `lang`, filling its `%{name}` placeholders.
pub fn t_with(lang: Lang, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    shouwang_domain::i18n::t_with(lang, key, args)
}

/// The locale of a request without a logged-in user.
pub fn from_headers(headers: &HeaderMap) -> Lang {
    if let Some(lang) = crate::cookie(headers, LANG_COOKIE).and_then(Lang::parse) {
        return lang;
    }
    headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|first| Lang::parse(first.split(';').next().unwrap_or("")))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use axum::http::header::COOKIE;

    #[test]
    fn translations_resolve_and_differ() {
        assert_eq!(t(Lang::Zh, "nav.home"), "首页");
        assert_eq!(t(Lang::En, "nav.home"), "Home");
        assert_eq!(t(Lang::Zh, "nav.lang_switch"), "English");
    }

    #[test]
    fn cookie_beats_accept_language_which_beats_the_default() {
        let mut h = HeaderMap::new();
        assert_eq!(from_headers(&h), Lang::Zh);
        h.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("en-US,en;q=0.9"));
        assert_eq!(from_headers(&h), Lang::En);
        h.insert(COOKIE, HeaderValue::from_static("a=b; lang=zh-CN"));
        assert_eq!(from_headers(&h), Lang::Zh);
    }
}

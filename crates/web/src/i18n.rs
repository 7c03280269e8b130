//! Locale per request, never global: the user's saved choice, else the
//! `lang` cookie, else Accept-Language, else Chinese. Strings come from
//! `locales/*.yml` (rust-i18n, compiled in).

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use shouwang_domain::Lang;

pub const LANG_COOKIE: &str = "lang";

pub fn code(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    }
}

/// Translates `key` into `lang`.
pub fn t(lang: Lang, key: &str) -> String {
    rust_i18n::t!(key, locale = code(lang)).into_owned()
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
    fn every_key_exists_in_both_locales() {
        let zh: serde_json::Value = serde_yaml_like(include_str!("../locales/zh-CN.yml"));
        let en: serde_json::Value = serde_yaml_like(include_str!("../locales/en.yml"));
        assert_eq!(keys(&zh), keys(&en));
    }

    /// Flattens the two-level YAML our locale files use ("a:\n  b: text").
    fn serde_yaml_like(text: &str) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        let mut section = String::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if !line.starts_with(' ') {
                section = line.trim_end_matches(':').to_string();
            } else if let Some((k, _)) = line.trim().split_once(':') {
                out.insert(format!("{section}.{k}"), serde_json::Value::Null);
            }
        }
        serde_json::Value::Object(out)
    }

    fn keys(v: &serde_json::Value) -> Vec<String> {
        v.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
    }

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

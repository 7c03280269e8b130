//! The one place user-facing text comes from: `locales/zh-CN.yml` and
//! `locales/en.yml` (rust-i18n, compiled in). Rust code names a key and its
//! arguments; it never carries a Chinese and an English string side by side.

use std::collections::BTreeSet;

use crate::Lang;

/// The locale code of a language, as the locale files name it.
pub fn code(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    }
}

/// The text of `key` in `lang`; the key itself when it has no text (which
/// the domain tests rule out for every typed reason).
pub fn t(lang: Lang, key: &str) -> String {
    crate::_rust_i18n_try_translate(code(lang), key).map_or_else(|| key.to_string(), |s| s.into_owned())
}

/// The text of `key` in `lang` with its `%{name}` placeholders filled.
pub fn t_with(lang: Lang, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let names: Vec<&str> = args.iter().map(|(name, _)| *name).collect();
    let values: Vec<String> = args.iter().map(|(_, value)| value.to_string()).collect();
    rust_i18n::replace_patterns(&t(lang, key), &names, &values)
}

/// Every key the locale file of `lang` has (for the tests that keep the two
/// files in step).
pub fn keys(lang: Lang) -> BTreeSet<String> {
    crate::_rust_i18n_backend()
        .messages_for_locale(code(lang))
        .unwrap_or_default()
        .into_iter()
        .map(|(k, _)| k.into_owned())
        .collect()
}

/// Whether `key` has a text of its own in `lang` (no fallback to the other language).
pub fn has(lang: Lang, key: &str) -> bool {
    crate::_rust_i18n_backend().translate(code(lang), key).is_some()
}

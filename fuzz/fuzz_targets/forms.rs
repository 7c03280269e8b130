//! Any bytes as a form body, a query string or a JSON body through the
//! control-character gate every request passes (`shouwang_web::input`), and
//! its fields through the value types forms are parsed into. Never a panic;
//! a field the gate lets through holds no control characters but tab and
//! line breaks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shouwang_domain::text::has_control_chars;
use shouwang_web::input::{form_offender, json_offender};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let offender = form_offender(&text);
    if offender.is_none() {
        for (k, v) in form_urlencoded_pairs(&text) {
            assert!(!has_control_chars(&k) && !has_control_chars(&v));
            let _ = shouwang_domain::PhoneNumber::parse(&v);
            let _ = shouwang_domain::RegionCode::parse(&v);
            let _ = shouwang_domain::IdCardNo::parse(&v);
            let _ = shouwang_domain::text::normalize_name(&v);
        }
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = json_offender(&value, String::new());
    }
});

/// The pairs as the gate decodes them.
fn form_urlencoded_pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

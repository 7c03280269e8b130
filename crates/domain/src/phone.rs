//! Mainland China mobile numbers.
//!
//! A `PhoneNumber` is personal data: its `Debug` and `Display` print the
//! masked form, so a stray `tracing::info!(?phone)` never leaks it into logs.

use std::fmt;

use crate::text::normalize_compact;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("not an 11-digit mainland mobile number")]
    Invalid,
}

impl PhoneNumber {
    /// Accepts "13812345678", "138 1234 5678", "138-1234-5678", "+86 138…",
    /// "86138…" and full-width digits.
    pub fn parse(input: &str) -> Result<PhoneNumber, PhoneError> {
        let compact: String =
            normalize_compact(input).chars().filter(|c| !matches!(c, '-' | '(' | ')' | '.')).collect();
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .or_else(|| (compact.len() == 13).then(|| compact.strip_prefix("86")).flatten())
            .unwrap_or(&compact);
        let bytes = digits.as_bytes();
        let valid = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if valid { Ok(PhoneNumber(digits.to_string())) } else { Err(PhoneError::Invalid) }
    }

    /// The full number, for storage and for a deliberate, logged reveal.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// "138****5678"
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// Masks a stored phone string for display; tolerates odd stored values.
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_spellings_parse_to_the_same_number() {
        for s in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "8613812345678",
            "１３８１２３４５６７８",
        ] {
            assert_eq!(PhoneNumber::parse(s).map(|p| p.expose().to_string()), Ok("13812345678".into()), "{s}");
        }
    }

    #[test]
    fn landlines_short_numbers_and_letters_are_rejected() {
        for s in ["021-64381234", "1381234567", "12812345678", "138123456789", "1381234567x", ""] {
            assert_eq!(PhoneNumber::parse(s), Err(PhoneError::Invalid), "{s}");
        }
    }

    #[test]
    fn debug_and_display_never_show_the_number() {
        let p = PhoneNumber::parse("13812345678").expect("valid");
        assert_eq!(p.to_string(), "138****5678");
        assert!(!format!("{p:?}").contains("13812345678"));
    }

    proptest! {
        #[test]
        fn every_valid_mobile_round_trips(second in 3u8..=9, rest in "[0-9]{9}") {
            let s = format!("1{second}{rest}");
            let p = PhoneNumber::parse(&s).expect("valid");
            prop_assert_eq!(p.expose(), s.as_str());
            prop_assert_eq!(p.masked().len(), 11);
        }
    }
}

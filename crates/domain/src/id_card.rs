//! Resident identity card numbers (居民身份证号码, GB 11643-1999).
//!
//! An ID number is never stored in clear. It is kept as a keyed hash (to
//! recognise the same person on re-import) and a masked form for display
//! (`110101********1234`). Like `PhoneNumber`, `Debug`/`Display` print the mask.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::{Date, Month};

use crate::resident::Gender;
use crate::text::normalize_compact;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdCardNo(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdCardError {
    #[error("an ID number has 18 characters (or 15 for old cards)")]
    Length,
    #[error("an ID number is digits with an optional final X")]
    Characters,
    #[error("the birth date inside the ID number is not a real date")]
    BirthDate,
    #[error("the check digit does not match (GB 11643)")]
    Checksum,
    #[error("the ID number was stored by Excel as a number and lost its last digits")]
    StoredAsNumber,
}

impl IdCardNo {
    /// Parses an 18-character number (checksum verified) or converts an old
    /// 15-digit one to 18. Text that looks like Excel's rendering of a number
    /// ("1.10101E+17") is refused as `StoredAsNumber`.
    pub fn parse(input: &str) -> Result<IdCardNo, IdCardError> {
        let s = normalize_compact(input).to_uppercase();
        if looks_like_float(&s) {
            return Err(IdCardError::StoredAsNumber);
        }
        let s = match s.len() {
            18 => s,
            15 if s.bytes().all(|b| b.is_ascii_digit()) => upgrade_15(&s),
            15 => return Err(IdCardError::Characters),
            _ => return Err(IdCardError::Length),
        };
        let bytes = s.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(IdCardError::Characters);
        }
        birth_date_of(&s).ok_or(IdCardError::BirthDate)?;
        if bytes[17] != check_char(&bytes[..17]) {
            // A number that went through a float keeps 15 significant digits and
            // ends in zeros: tell the user what happened, not just "bad checksum".
            if s.ends_with("000") {
                return Err(IdCardError::StoredAsNumber);
            }
            return Err(IdCardError::Checksum);
        }
        Ok(IdCardNo(s))
    }

    pub fn birth_date(&self) -> Date {
        // Checked in `parse`.
        birth_date_of(&self.0).unwrap_or(Date::MIN)
    }

    pub fn birth_year(&self) -> i32 {
        self.birth_date().year()
    }

    /// The 17th character: odd for men, even for women.
    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 { Gender::Male } else { Gender::Female }
    }

    /// "110101********1234"
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    /// The full number, only for hashing.
    fn expose(&self) -> &str {
        &self.0
    }

    /// The clear number as an in-memory key to find it twice in one file; never stored or logged.
    pub fn in_file_key(&self) -> String {
        self.0.clone()
    }
}

fn looks_like_float(s: &str) -> bool {
    s.contains('E') && s.contains('.') || s.ends_with(".0")
}

/// The 18-character number for the first 17 digits (GB 11643 check digit
/// appended); `None` unless the input is exactly 17 ASCII digits.
pub fn with_check_digit(first17: &str) -> Option<String> {
    let ok = first17.len() == 17 && first17.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| format!("{first17}{}", check_char(first17.as_bytes()) as char))
}

fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

fn upgrade_15(s: &str) -> String {
    let mut first17 = format!("{}19{}", &s[..6], &s[6..]);
    let check = check_char(first17.as_bytes()) as char;
    first17.push(check);
    first17
}

fn birth_date_of(s: &str) -> Option<Date> {
    let year: i32 = s.get(6..10)?.parse().ok()?;
    let month: u8 = s.get(10..12)?.parse().ok()?;
    let day: u8 = s.get(12..14)?.parse().ok()?;
    if !(1900..=2100).contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

impl fmt::Debug for IdCardNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdCardNo({})", self.masked())
    }
}

impl fmt::Display for IdCardNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Keyed hash of ID numbers (HMAC-SHA-256). The key comes from configuration,
/// so a stolen database alone cannot be matched against a list of numbers.
#[derive(Clone)]
pub struct IdHasher {
    key: Vec<u8>,
}

impl IdHasher {
    pub fn new(key: &[u8]) -> IdHasher {
        IdHasher { key: key.to_vec() }
    }

    /// Lowercase hex, 64 characters.
    pub fn hash(&self, id: &IdCardNo) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable_hmac());
        mac.update(id.expose().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A short public fingerprint of the key, stored with the data so a
    /// changed key is noticed before it silently duplicates everyone.
    pub fn fingerprint(&self) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable_hmac());
        mac.update(b"shouwang key fingerprint");
        hex::encode(&mac.finalize().into_bytes()[..8])
    }
}

impl fmt::Debug for IdHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdHasher(..)")
    }
}

// HMAC accepts keys of any length; this cannot happen.
fn unreachable_hmac() -> Hmac<Sha256> {
    unreachable!("HMAC-SHA-256 accepts any key length")
}

/// Why the ID-number hasher refuses to work with this database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The database was created with another `id_hash_key`.
    HashKeyMismatch,
}

impl Refusal {
    pub fn message(&self, lang: crate::Lang) -> String {
        match self {
            Refusal::HashKeyMismatch => crate::i18n::t(lang, "refusal.id_card.hash_key_mismatch"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // A textbook-valid number (check digit computed per GB 11643).
    const VALID: &str = "11010519491231002X";

    #[test]
    fn valid_number_gives_birth_date_gender_and_mask() {
        let id = IdCardNo::parse(VALID).expect("valid");
        assert_eq!(id.birth_year(), 1949);
        assert_eq!(id.birth_date().month(), Month::December);
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.masked(), "110105********002X");
        assert!(!format!("{id:?}").contains("19491231"));
    }

    #[test]
    fn lowercase_x_and_full_width_digits_are_accepted() {
        assert!(IdCardNo::parse("11010519491231002x").is_ok());
        assert!(IdCardNo::parse("１１０１０５１９４９１２３１００２Ｘ").is_ok());
    }

    #[test]
    fn wrong_check_digit_is_refused() {
        assert_eq!(IdCardNo::parse("110105194912310021"), Err(IdCardError::Checksum));
    }

    #[test]
    fn excel_number_renderings_are_refused_as_stored_as_number() {
        assert_eq!(IdCardNo::parse("1.10105E+17"), Err(IdCardError::StoredAsNumber));
        assert_eq!(IdCardNo::parse("110105194912310000"), Err(IdCardError::StoredAsNumber));
        assert_eq!(IdCardNo::parse("110105194912310000.0"), Err(IdCardError::StoredAsNumber));
    }

    #[test]
    fn impossible_birth_dates_and_lengths_are_refused() {
        assert_eq!(IdCardNo::parse("110105194902300029"), Err(IdCardError::BirthDate));
        assert_eq!(IdCardNo::parse("1101051949"), Err(IdCardError::Length));
        assert_eq!(IdCardNo::parse("11010519491231A02X"), Err(IdCardError::Characters));
    }

    #[test]
    fn old_15_digit_numbers_are_upgraded() {
        let id = IdCardNo::parse("110105491231002").expect("valid 15-digit");
        assert_eq!(id.birth_year(), 1949);
        assert_eq!(id.masked().len(), 18);
    }

    #[test]
    fn hash_is_keyed_and_stable() {
        let id = IdCardNo::parse(VALID).expect("valid");
        let a = IdHasher::new(b"key-a");
        let b = IdHasher::new(b"key-b");
        assert_eq!(a.hash(&id), a.hash(&id));
        assert_ne!(a.hash(&id), b.hash(&id));
        assert_eq!(a.hash(&id).len(), 64);
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_char(first17.as_bytes()) as char)
    }

    proptest! {
        #[test]
        fn any_number_with_a_computed_check_digit_parses(
            region in 110000u32..=659999, y in 1920i32..=2020, m in 1u8..=12, d in 1u8..=28, seq in 0u32..=999
        ) {
            let s = with_check(&format!("{region}{y:04}{m:02}{d:02}{seq:03}"));
            let id = IdCardNo::parse(&s).expect("valid");
            prop_assert_eq!(id.birth_year(), y);
            prop_assert_eq!(id.gender() == Gender::Male, seq % 2 == 1);
        }

        #[test]
        fn changing_one_digit_breaks_the_checksum(
            region in 110000u32..=659999, y in 1920i32..=2020, seq in 0u32..=999, pos in 14usize..17, delta in 1u8..=9
        ) {
            let s = with_check(&format!("{region}{y:04}0101{seq:03}"));
            let mut bytes = s.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let tampered = String::from_utf8(bytes).expect("ascii");
            prop_assert!(IdCardNo::parse(&tampered).is_err());
        }
    }
}

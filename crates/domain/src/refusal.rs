//! Why a request was refused, as a value: one enum per capability, next to
//! the capability (`region::Refusal`, `task::Refusal`, ...), each rendering
//! its text from the locale files (`refusal.<capability>.<reason>`). This
//! wrapper lets one error type (the storage layer's `DbError::Invalid`) carry
//! any of them.

use crate::Lang;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Registry(crate::region::Refusal),
    IdCard(crate::id_card::Refusal),
    Accounts(crate::access::Refusal),
    Volunteers(crate::volunteer::Refusal),
    Groups(crate::grouping::Refusal),
    Rosters(crate::roster::Refusal),
    Groupbuy(crate::groupbuy::Refusal),
    Tasks(crate::task::Refusal),
    Signup(crate::signup::SheetRefusal),
    Logins(crate::logins::Refusal),
    /// A number outside its field's range.
    Bounds(crate::bounds::OutOfRange),
    Incidents(crate::incident::Refusal),
    Supplies(crate::supplies::Refusal),
    Ledger(crate::ledger::Refusal),
    /// Something named in the request does not exist (or not where the
    /// caller may see it): `what` names a `storage.what.*` key.
    Missing {
        what: &'static str,
        key: String,
    },
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Refusal::Registry(r) => r.message(lang),
            Refusal::IdCard(r) => r.message(lang),
            Refusal::Accounts(r) => r.message(lang),
            Refusal::Volunteers(r) => r.message(lang),
            Refusal::Groups(r) => r.message(lang),
            Refusal::Rosters(r) => r.message(lang),
            Refusal::Groupbuy(r) => r.message(lang),
            Refusal::Tasks(r) => r.message(lang),
            Refusal::Signup(r) => r.message(lang),
            Refusal::Logins(r) => r.message(lang),
            Refusal::Bounds(r) => r.message(lang),
            Refusal::Incidents(r) => r.message(lang),
            Refusal::Supplies(r) => r.message(lang),
            Refusal::Ledger(r) => r.message(lang),
            Refusal::Missing { what, key } => {
                let what_key = format!("storage.what.{what}");
                let what_key =
                    if crate::i18n::has(lang, &what_key) { what_key } else { "storage.what.record".to_string() };
                crate::i18n::t_with(
                    lang,
                    "storage.not_found",
                    &[("what", &crate::i18n::t(lang, &what_key)), ("key", key)],
                )
            }
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

macro_rules! from_capability {
    ($($variant:ident($ty:ty)),+ $(,)?) => {
        $(impl From<$ty> for Refusal {
            fn from(r: $ty) -> Refusal {
                Refusal::$variant(r)
            }
        })+
    };
}

from_capability! {
    Registry(crate::region::Refusal),
    IdCard(crate::id_card::Refusal),
    Accounts(crate::access::Refusal),
    Volunteers(crate::volunteer::Refusal),
    Groups(crate::grouping::Refusal),
    Rosters(crate::roster::Refusal),
    Groupbuy(crate::groupbuy::Refusal),
    Tasks(crate::task::Refusal),
    Signup(crate::signup::SheetRefusal),
    Logins(crate::logins::Refusal),
    Bounds(crate::bounds::OutOfRange),
    Incidents(crate::incident::Refusal),
    Supplies(crate::supplies::Refusal),
    Ledger(crate::ledger::Refusal),
}

impl From<crate::task::TransitionError> for Refusal {
    fn from(e: crate::task::TransitionError) -> Refusal {
        Refusal::Tasks(crate::task::Refusal::Transition(e))
    }
}

impl From<crate::signup::Ineligible> for Refusal {
    fn from(why: crate::signup::Ineligible) -> Refusal {
        Refusal::Signup(crate::signup::SheetRefusal::Ineligible(why))
    }
}

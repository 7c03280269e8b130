//! Logins given in bulk (SPEC §4.2 after verification): a committee gives all
//! verified volunteers of a group, or a selection, their logins at once and
//! prints first-login slips. Each slip carries a one-time link (a QR code)
//! that lets its holder set their own password within [`FIRST_LOGIN_VALID`].

use time::Duration;

use crate::Lang;

/// How long a first-login link stays usable: long enough to reach everyone
/// of a group through their leader, short enough that a lost slip dies.
pub const FIRST_LOGIN_VALID: Duration = Duration::hours(72);

/// The most logins one request gives (a group is 8-10; a whole community's
/// verified list is a few hundred).
pub const MAX_PER_BATCH: usize = 500;

/// Why logins were not given, or a first-login link not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Neither a group nor any volunteer was chosen.
    NothingChosen,
    /// More than [`MAX_PER_BATCH`] at once.
    TooMany { max: usize },
    /// Everyone chosen has a login already or is not verified.
    NobodyToGive,
    /// The link is unknown, used already, or its account is disabled (told
    /// apart to nobody: a guessed link learns nothing).
    LinkInvalid,
    /// The link was real but its 72 hours are over.
    LinkExpired,
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        let key = match self {
            Refusal::TooMany { max } => {
                return crate::i18n::t_with(lang, "refusal.logins.too_many", &[("max", max)]);
            }
            Refusal::NothingChosen => "refusal.logins.nothing_chosen",
            Refusal::NobodyToGive => "refusal.logins.nobody_to_give",
            Refusal::LinkInvalid => "refusal.logins.link_invalid",
            Refusal::LinkExpired => "refusal.logins.link_expired",
        };
        crate::i18n::t(lang, key)
    }
}

/// The username given to the `n`th bulk login of a community (`sy-v001`):
/// short enough to type from a slip, unique because the community code is.
pub fn bulk_username(community_code: &str, n: u32) -> String {
    format!("{community_code}-v{n:03}")
}

//! The incident lifecycle (SPEC §1 "incident", §5): an incident is opened on a
//! region, every operational record belongs to one, and once it has been
//! closed for the retention period its personal operational data is purged,
//! leaving anonymous counts per community and day.

use time::{Duration, OffsetDateTime};

use crate::Lang;

/// How long a closed incident's personal operational data is kept (SPEC §5).
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// The longest retention the configuration accepts (ten years).
pub const MAX_RETENTION_DAYS: u32 = 3650;

/// Whether an incident closed at `closed_at` is due for its purge at `now`:
/// closed, and closed for at least `retention_days` whole days.
pub fn purge_due(closed_at: Option<OffsetDateTime>, now: OffsetDateTime, retention_days: u32) -> bool {
    match closed_at {
        Some(closed) => now - closed >= Duration::days(i64::from(retention_days)),
        None => false,
    }
}

/// Why an incident operation is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The community has no open incident (on itself or a region above it):
    /// operational records cannot be written until one is opened.
    NoOpenIncident { community: String },
    /// An incident name empty or longer than 100 characters.
    BadName,
    /// Only an open incident can be closed.
    NotOpen,
    /// Only a closed incident can be purged.
    NotClosed,
    /// The retention period has not passed yet (`until`: the day it does).
    RetentionNotOver { until: String },
    /// A retention outside 0..=3650 days.
    BadRetention,
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        use crate::i18n::{t, t_with};
        match self {
            Refusal::NoOpenIncident { community } => {
                t_with(lang, "incident.refusal.no_open_incident", &[("community", community)])
            }
            Refusal::BadName => t(lang, "incident.refusal.bad_name"),
            Refusal::NotOpen => t(lang, "incident.refusal.not_open"),
            Refusal::NotClosed => t(lang, "incident.refusal.not_closed"),
            Refusal::RetentionNotOver { until } => {
                t_with(lang, "incident.refusal.retention_not_over", &[("until", until)])
            }
            Refusal::BadRetention => t(lang, "incident.refusal.bad_retention"),
        }
    }
}

//! Duty rosters (值班表), SPEC §4.4: the shifts of a community's posts (gates,
//! testing points, supply stations, patrol routes) and its volunteers in, a
//! roster out: who is on which shift, which places stay open and why, who
//! works a long day, and how many minutes each person carries. Pure: no IO,
//! no clock, no randomness; the same input in any order gives the same roster.
//!
//! # Time
//!
//! Every instant is a whole number of minutes since 1970-01-01 00:00 *local
//! wall-clock time* (for Asia/Shanghai: unix seconds + 8 h, divided by 60;
//! [`local_minutes`] converts a `PrimitiveDateTime`). A day is
//! `minutes.div_euclid(1440)` ([`day_of`], [`date_of_day`]), so days begin at
//! local midnight. A shift is the half-open interval `[start, end)`; one that
//! crosses midnight counts its minutes in each day it touches. The day parts
//! of [`DayPart`] are morning 06-12, afternoon 12-18, evening 18-22 and night
//! 22-06 ([`day_parts`]).
//!
//! # The rules a roster keeps (checked again by [`check`])
//!
//! * Only people who can serve and are not stood down are assigned; a shift's
//!   required skill is held by everyone on it.
//! * Availability: a person covers a shift only if every day part the shift
//!   touches is in their [`Availability`]. An *empty* availability means
//!   "any time" (most people never fill the column in).
//! * Nobody is on a shift twice, nor on two shifts that overlap, counting the
//!   shifts they hold already ([`PersonIn::already`]).
//! * [`FatigueLimits`]: no calendar day over `max_day_minutes`; at least
//!   `min_rest_minutes` between the end of one duty and the start of the next
//!   (back to back is a rest of 0); no *rolling* window of 7 consecutive
//!   calendar days over `max_week_minutes` (every window, not only weeks
//!   counted from the period's first day, so the cap holds across a weekly
//!   boundary and however the period is cut). Shifts held already count
//!   toward all three, but only days, windows and pairs that involve a shift of
//!   the roster are judged: a past that already broke a limit blocks new
//!   shifts on those days without being reported as the roster's fault.
//! * No shift has more people than it needs.
//!
//! `warn_day_minutes` is a soft line: a day over it gives a
//! [`Warning::LongDay`], not a refusal.
//!
//! # The algorithm
//!
//! 1. **Sort and sift.** Shifts are taken in time order (start, end, key),
//!    people by key. A repeated key keeps its first occurrence and raises a
//!    warning. A shift that does not end after it starts (or spans over a
//!    year) cannot be staffed and becomes a gap.
//! 2. **Scarcest shift first.** Shifts are filled in order of their pool,
//!    the people who could ever take them (can serve, not stood down, have
//!    the skill, are available then), smallest first, and in time order
//!    within the same pool size. So a medic is not spent on a gate while a
//!    testing point that needs one is still open, and the night is staffed
//!    before the day spends the people who can also do nights.
//! 3. **Greedy, one shift at a time.** Every person is tested against the
//!    rules in a fixed order: can serve, not stood down, skill, availability,
//!    not already on it, no overlap, the day's maximum, rest, the weekly
//!    maximum. Every duty counts, earlier or later in time, so filling out of
//!    time order never breaks a rule. Those who fit are ranked: members of
//!    the group on duty for the post first ([`ShiftIn::group`]), then fewest
//!    minutes so far (minutes on this roster plus minutes held already inside
//!    the period, see [`PersonHours`]), then lowest key; the first `needed`
//!    take it.
//! 4. **Gaps.** A place nobody could take becomes a [`Gap`] whose reason is
//!    the stage where the pool ran dry: nobody can serve, nobody has the skill,
//!    nobody with it is available, or everyone left is held back by a limit
//!    (with how many by each).
//! 5. **Summary.** Long days are warned and every person's minutes counted.
//!
//! Fewest-minutes-first spreads the load: with enough interchangeable people,
//! the most and the least loaded differ by at most one shift.
//!
//! Cost: O(S · P · d) for S shifts, P people and d duties per person (a few
//! dozen at most): a community of 500 volunteers and 2,000 shifts a week takes
//! a fraction of a second.
//!
//! # After the roster is made
//!
//! [`swap`] trades one person for another on a shift and refuses a trade that
//! breaks a rule. [`stand_down`] takes out a person who is isolated, infected
//! or whose building was sealed, and returns the shifts to offer again;
//! [`refill`] fills open places with others (never with anyone stood down)
//! and leaves every existing assignment where it is. [`check`] re-validates
//! any roster, including one edited by hand or stored and read back.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, PrimitiveDateTime};

use crate::lang::Lang;
use crate::volunteer::{Availability, DayPart, Skill, SkillSet};

/// The text of a locale key, its `%{name}` placeholders filled from the
/// local variables of the same names.
macro_rules! say {
    ($lang:expr, $key:literal $(, $arg:ident)* $(,)?) => {
        crate::i18n::t_with($lang, $key, &[$((stringify!($arg), &$arg as &dyn std::fmt::Display)),*])
    };
}

pub const MINUTES_PER_DAY: i64 = 24 * 60;
/// Days in the rolling window of [`FatigueLimits::max_week_minutes`].
pub const WEEK_DAYS: i64 = 7;
/// Longest span of one shift or duty held; longer ones are treated as invalid.
pub const MAX_SPAN_MINUTES: i64 = 366 * MINUTES_PER_DAY;
/// Instants further than this from the epoch are invalid (keeps arithmetic far
/// from overflow; about two billion years).
const TIME_BOUND: i64 = 1 << 50;
/// Julian day number of 1970-01-01.
const EPOCH_JULIAN_DAY: i64 = 2_440_588;

// ---------------------------------------------------------------------------
// Time helpers

/// Minutes since 1970-01-01 00:00 of a local wall-clock date-time (seconds
/// dropped).
pub fn local_minutes(local: PrimitiveDateTime) -> i64 {
    local.assume_utc().unix_timestamp().div_euclid(60)
}

/// The day (0 = 1970-01-01) an instant falls in.
pub fn day_of(minutes: i64) -> i64 {
    minutes.div_euclid(MINUTES_PER_DAY)
}

/// The calendar date of a day number, when `time` can represent it.
pub fn date_of_day(day: i64) -> Option<Date> {
    let julian = i32::try_from(day.checked_add(EPOCH_JULIAN_DAY)?).ok()?;
    Date::from_julian_day(julian).ok()
}

/// The day parts the half-open interval `[start, end)` touches; empty when
/// it is empty.
pub fn day_parts(start: i64, end: i64) -> Availability {
    let mut parts = Availability::empty();
    let mut t = start;
    while t < end && parts.len() < DayPart::ALL.len() {
        let midnight = t - t.rem_euclid(MINUTES_PER_DAY);
        let (part, next) = match t - midnight {
            m if m < 6 * 60 => (DayPart::Night, 6 * 60),
            m if m < 12 * 60 => (DayPart::Morning, 12 * 60),
            m if m < 18 * 60 => (DayPart::Afternoon, 18 * 60),
            m if m < 22 * 60 => (DayPart::Evening, 22 * 60),
            _ => (DayPart::Night, MINUTES_PER_DAY + 6 * 60),
        };
        parts.insert(part);
        t = midnight + next;
    }
    parts
}

/// Whether a person with this availability can cover `[start, end)`: every
/// part of the day it touches is in it, or the availability is empty ("any
/// time").
pub fn covers(availability: Availability, start: i64, end: i64) -> bool {
    availability.is_empty() || day_parts(start, end).iter().all(|p| availability.contains(p))
}

fn valid_span(start: i64, end: i64) -> bool {
    (-TIME_BOUND..=TIME_BOUND).contains(&start)
        && (-TIME_BOUND..=TIME_BOUND).contains(&end)
        && start < end
        && end - start <= MAX_SPAN_MINUTES
}

/// `(day, minutes)` for every day `[start, end)` touches, in order.
fn day_split(start: i64, end: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut t = start;
    while t < end {
        let day = day_of(t);
        let until = ((day + 1) * MINUTES_PER_DAY).min(end);
        out.push((day, until - t));
        t = until;
    }
    out
}

fn clamp32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// "12小时30分钟" / "12 h 30 min".
fn duration(lang: Lang, minutes: u32) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (_, 0) => say!(lang, "explain.roster.duration.hours", h),
        (0, _) => say!(lang, "explain.roster.duration.minutes", m),
        _ => say!(lang, "explain.roster.duration.hours_minutes", h, m),
    }
}

/// "2022年4月5日" / "2022-04-05".
fn day_label(lang: Lang, day: i64) -> String {
    match date_of_day(day) {
        Some(d) => {
            let (y, m, dd) = (d.year(), u8::from(d.month()), d.day());
            say!(lang, "explain.roster.day.date", y, m, dd, d)
        }
        None => say!(lang, "explain.roster.day.nth", day),
    }
}

// ---------------------------------------------------------------------------
// Input

/// How hard anyone may be worked; set per community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FatigueLimits {
    /// Over this in one calendar day gives a warning (default 12 h).
    pub warn_day_minutes: u32,
    /// Never more than this in one calendar day (default 16 h).
    pub max_day_minutes: u32,
    /// Never less rest than this between two duties of one person (default 8 h).
    pub min_rest_minutes: u32,
    /// Never more than this in any 7 consecutive calendar days (default 60 h).
    pub max_week_minutes: u32,
}

impl Default for FatigueLimits {
    fn default() -> Self {
        FatigueLimits {
            warn_day_minutes: 12 * 60,
            max_day_minutes: 16 * 60,
            min_rest_minutes: 8 * 60,
            max_week_minutes: 60 * 60,
        }
    }
}

/// A shift at a post, to be filled with `needed` people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftIn {
    /// Opaque, unique within one call.
    pub key: u32,
    /// The post (gate, testing point, store, patrol route); opaque.
    pub post: u32,
    /// Local minutes since the epoch (see the module doc); `[start, end)`.
    pub start: i64,
    pub end: i64,
    /// Headcount.
    pub needed: u16,
    /// Everyone on the shift must have this skill.
    pub required_skill: Option<Skill>,
    /// The group on duty for this post: its members are asked first.
    pub group: Option<u32>,
}

impl ShiftIn {
    /// Length in minutes (0 when the times are invalid).
    pub fn minutes(&self) -> u32 {
        if valid_span(self.start, self.end) { clamp32(self.end - self.start) } else { 0 }
    }
}

/// A volunteer who may be put on shifts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonIn {
    /// Opaque, unique within one call.
    pub key: u32,
    /// The group they belong to, if any.
    pub group: Option<u32>,
    pub skills: SkillSet,
    /// Parts of the day they can serve; empty means any time.
    pub availability: Availability,
    /// False when isolated, infected, exempt or otherwise not to be rostered.
    pub can_serve: bool,
    /// Duties they hold already in or around the period (other rosters, earlier
    /// weeks), as `[start, end)`; they count toward every limit. Empty or
    /// invalid intervals are ignored.
    pub already: Vec<(i64, i64)>,
}

// ---------------------------------------------------------------------------
// Output

/// Who is on which shift, what is left open and why, and the load per person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    /// Sorted by (start, end, shift, person).
    pub assignments: Vec<Assignment>,
    /// Open places, one entry per shift; sorted by (start, end, shift).
    pub gaps: Vec<Gap>,
    /// Duplicate keys first, then long days by (day, person).
    pub warnings: Vec<Warning>,
    /// Every person given (and anyone assigned who was not), by key.
    pub hours: Vec<PersonHours>,
    /// People taken off by [`stand_down`]; never assigned again until
    /// [`reinstate`]d. Ascending.
    pub stood_down: Vec<u32>,
}

impl Roster {
    /// The assignments of one person, in time order.
    pub fn of_person(&self, person: u32) -> impl Iterator<Item = &Assignment> {
        self.assignments.iter().filter(move |a| a.person == person)
    }

    /// The people on one shift, by key.
    pub fn on_shift(&self, shift: u32) -> impl Iterator<Item = &Assignment> {
        self.assignments.iter().filter(move |a| a.shift == shift)
    }

    /// Minutes on this roster of one person.
    pub fn minutes_of(&self, person: u32) -> u32 {
        self.hours.iter().find(|h| h.person == person).map_or(0, |h| h.minutes)
    }

    /// Places still open, over all shifts.
    pub fn missing(&self) -> u32 {
        self.gaps.iter().map(|g| u32::from(g.missing)).sum()
    }
}

/// One person on one shift. Post and times are copied from the shift for
/// display; [`check`] judges by the shifts it is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub shift: u32,
    pub post: u32,
    pub person: u32,
    pub start: i64,
    pub end: i64,
    /// Why this person (never empty).
    pub reasons: Vec<AssignReason>,
}

/// Why a person was put on a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssignReason {
    /// A member of the group on duty for the post.
    OnDutyGroup { group: u32 },
    /// From outside the group on duty, which had nobody free.
    FromOtherGroup { group: u32 },
    /// Holds the skill the shift requires.
    HasSkill { skill: Skill },
    /// Fewest minutes so far among those free (`minutes` before this shift).
    FewestMinutes { minutes: u32 },
    /// Fills the place of someone stood down.
    Replaces { person: u32 },
    /// Swapped in by hand for `replaced`.
    SwappedIn { replaced: u32 },
}

impl AssignReason {
    pub fn describe(&self, lang: Lang) -> String {
        match *self {
            AssignReason::OnDutyGroup { group } => {
                say!(lang, "explain.roster.assign_reason.on_duty_group", group)
            }
            AssignReason::FromOtherGroup { group } => {
                say!(lang, "explain.roster.assign_reason.from_other_group", group)
            }
            AssignReason::HasSkill { skill } => {
                let s = skill.label(lang);
                say!(lang, "explain.roster.assign_reason.has_skill", s)
            }
            AssignReason::FewestMinutes { minutes } => {
                let d = duration(lang, minutes);
                say!(lang, "explain.roster.assign_reason.fewest_minutes", d)
            }
            AssignReason::Replaces { person } => {
                say!(lang, "explain.roster.assign_reason.replaces", person)
            }
            AssignReason::SwappedIn { replaced } => {
                say!(lang, "explain.roster.assign_reason.swapped_in", replaced)
            }
        }
    }
}

/// Places of one shift nobody could take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub shift: u32,
    pub post: u32,
    pub start: i64,
    pub end: i64,
    pub missing: u16,
    pub why: GapReason,
}

impl Gap {
    /// "班次7缺2人：……" / "shift 7 is 2 short: ...".
    pub fn describe(&self, lang: Lang) -> String {
        let (shift, missing, why) = (self.shift, self.missing, self.why.describe(lang));
        say!(lang, "explain.roster.gap.short", shift, missing, why)
    }
}

/// Why places stay open: the stage of the rules where the pool ran dry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GapReason {
    /// The shift does not end after it starts (or spans over a year).
    InvalidTimes,
    /// Nobody on the list can serve (isolated, infected or stood down).
    NobodyCanServe,
    /// Nobody who can serve has the required skill.
    NoSkill { skill: Skill },
    /// Nobody suitable is available in every part of the day the shift touches.
    NotAvailable,
    /// Everyone suitable and available is on the shift already, or held back:
    /// counts of people on an overlapping duty, who would pass the day's
    /// maximum, lack rest, or pass the weekly maximum.
    Limits { busy: u32, max_day: u32, rest: u32, max_week: u32 },
    /// Only `eligible` suitable people exist, all on this shift already.
    TooFew { eligible: u32 },
    /// Opened by [`stand_down`]; [`refill`] replaces it with a fresh reason.
    StoodDown { person: u32 },
}

impl GapReason {
    pub fn describe(&self, lang: Lang) -> String {
        match *self {
            GapReason::InvalidTimes => say!(lang, "explain.roster.gap_reason.invalid_times"),
            GapReason::NobodyCanServe => say!(lang, "explain.roster.gap_reason.nobody_can_serve"),
            GapReason::NoSkill { skill } => {
                let s = skill.label(lang);
                say!(lang, "explain.roster.gap_reason.no_skill", s)
            }
            GapReason::NotAvailable => {
                say!(lang, "explain.roster.gap_reason.not_available")
            }
            GapReason::Limits { busy, max_day, rest, max_week } => {
                let mut parts = Vec::new();
                if busy > 0 {
                    parts.push(say!(lang, "explain.roster.gap_reason.limits_busy", busy));
                }
                if max_day > 0 {
                    parts.push(say!(lang, "explain.roster.gap_reason.limits_max_day", max_day));
                }
                if rest > 0 {
                    parts.push(say!(lang, "explain.roster.gap_reason.limits_rest", rest));
                }
                if max_week > 0 {
                    parts.push(say!(lang, "explain.roster.gap_reason.limits_max_week", max_week));
                }
                let list = parts.join(&crate::i18n::t(lang, "text.comma_separator"));
                say!(lang, "explain.roster.gap_reason.limits", list)
            }
            GapReason::TooFew { eligible } => say!(lang, "explain.roster.gap_reason.too_few", eligible),
            GapReason::StoodDown { person } => {
                say!(lang, "explain.roster.gap_reason.stood_down", person)
            }
        }
    }
}

/// Something to look at that is not a broken rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// The shift key appeared more than once; only the first was used.
    DuplicateShift { shift: u32 },
    /// The person key appeared more than once; only the first was used.
    DuplicatePerson { person: u32 },
    /// Over the warning line on one day (shifts held already included).
    LongDay { day: i64, person: u32, minutes: u32, warn: u32 },
}

impl Warning {
    pub fn describe(&self, lang: Lang) -> String {
        match *self {
            Warning::DuplicateShift { shift } => {
                say!(lang, "explain.roster.warning.duplicate_shift", shift)
            }
            Warning::DuplicatePerson { person } => say!(lang, "explain.roster.warning.duplicate_person", person),
            Warning::LongDay { day, person, minutes, warn } => {
                let (date, d, w) = (day_label(lang, day), duration(lang, minutes), duration(lang, warn));
                say!(lang, "explain.roster.warning.long_day", person, date, d, w)
            }
        }
    }
}

/// Load of one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonHours {
    pub person: u32,
    /// Minutes on this roster.
    pub minutes: u32,
    /// Shifts on this roster.
    pub shifts: u32,
    /// Minutes held already ([`PersonIn::already`]) inside the period, from
    /// the first shift's start to the last shift's end. Fairness ranks by
    /// `minutes + already_minutes`, so someone who just came off a long
    /// duty elsewhere is asked later.
    pub already_minutes: u32,
}

/// A broken rule found by [`check`], or why [`swap`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Violation {
    /// The roster names a shift that is not among the shifts given.
    UnknownShift {
        shift: u32,
    },
    /// The shift's times are invalid, so nobody can be on it.
    InvalidShift {
        shift: u32,
    },
    /// The roster names a person who is not among the people given.
    UnknownPerson {
        shift: u32,
        person: u32,
    },
    /// [`swap`]: the person is not on that shift.
    NotOnShift {
        shift: u32,
        person: u32,
    },
    AssignedTwice {
        shift: u32,
        person: u32,
    },
    OverStaffed {
        shift: u32,
        assigned: u32,
        needed: u16,
    },
    CannotServe {
        shift: u32,
        person: u32,
    },
    StoodDown {
        shift: u32,
        person: u32,
    },
    MissingSkill {
        shift: u32,
        person: u32,
        skill: Skill,
    },
    NotAvailable {
        shift: u32,
        person: u32,
    },
    /// Two duties at once; `with` is the other shift, or `None` for a duty
    /// held already.
    Overlap {
        person: u32,
        shift: u32,
        with: Option<u32>,
    },
    OverDay {
        person: u32,
        day: i64,
        minutes: u32,
        max: u32,
    },
    /// Less rest than `min` between `shift` and `with` (`None`: a duty held
    /// already).
    ShortRest {
        person: u32,
        shift: u32,
        with: Option<u32>,
        rest: u32,
        min: u32,
    },
    /// The 7 days from `first_day` carry `minutes`; a run of overlapping
    /// windows over the cap is reported once, at its first window, with its
    /// largest total.
    OverWeek {
        person: u32,
        first_day: i64,
        minutes: u32,
        max: u32,
    },
}

impl Violation {
    pub fn describe(&self, lang: Lang) -> String {
        let other = |with: Option<u32>| match with {
            Some(o) => say!(lang, "explain.roster.violation.other_shift", o),
            None => say!(lang, "explain.roster.violation.other_held"),
        };
        match *self {
            Violation::UnknownShift { shift } => {
                say!(lang, "explain.roster.violation.unknown_shift", shift)
            }
            Violation::InvalidShift { shift } => {
                say!(lang, "explain.roster.violation.invalid_shift", shift)
            }
            Violation::UnknownPerson { shift, person } => {
                say!(lang, "explain.roster.violation.unknown_person", shift, person)
            }
            Violation::NotOnShift { shift, person } => {
                say!(lang, "explain.roster.violation.not_on_shift", person, shift)
            }
            Violation::AssignedTwice { shift, person } => {
                say!(lang, "explain.roster.violation.assigned_twice", person, shift)
            }
            Violation::OverStaffed { shift, assigned, needed } => {
                say!(lang, "explain.roster.violation.over_staffed", shift, assigned, needed)
            }
            Violation::CannotServe { shift, person } => {
                say!(lang, "explain.roster.violation.cannot_serve", person, shift)
            }
            Violation::StoodDown { shift, person } => {
                say!(lang, "explain.roster.violation.stood_down", person, shift)
            }
            Violation::MissingSkill { shift, person, skill } => {
                let s = skill.label(lang);
                say!(lang, "explain.roster.violation.missing_skill", shift, s, person)
            }
            Violation::NotAvailable { shift, person } => {
                say!(lang, "explain.roster.violation.not_available", person, shift)
            }
            Violation::Overlap { person, shift, with } => {
                let o = other(with);
                say!(lang, "explain.roster.violation.overlap", person, shift, o)
            }
            Violation::OverDay { person, day, minutes, max } => {
                let (date, d, m) = (day_label(lang, day), duration(lang, minutes), duration(lang, max));
                say!(lang, "explain.roster.violation.over_day", person, date, d, m)
            }
            Violation::ShortRest { person, shift, with, rest, min } => {
                let (o, r, m) = (other(with), duration(lang, rest), duration(lang, min));
                say!(lang, "explain.roster.violation.short_rest", person, shift, o, r, m)
            }
            Violation::OverWeek { person, first_day, minutes, max } => {
                let (date, d, m) = (day_label(lang, first_day), duration(lang, minutes), duration(lang, max));
                say!(lang, "explain.roster.violation.over_week", person, date, d, m)
            }
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl std::error::Error for Violation {}

// ---------------------------------------------------------------------------
// Internal model

/// The input sorted, deduplicated and indexed.
struct Input<'a> {
    /// In time order: (start, end, key).
    shifts: Vec<&'a ShiftIn>,
    shift_by_key: BTreeMap<u32, &'a ShiftIn>,
    /// By key.
    people: Vec<&'a PersonIn>,
    index: BTreeMap<u32, usize>,
    duplicates: Vec<Warning>,
    /// From the first valid shift's start to the last one's end.
    period: Option<(i64, i64)>,
}

impl<'a> Input<'a> {
    fn new(shifts: &'a [ShiftIn], people: &'a [PersonIn]) -> Input<'a> {
        let mut duplicates = Vec::new();
        let mut shift_by_key: BTreeMap<u32, &ShiftIn> = BTreeMap::new();
        for s in shifts {
            match shift_by_key.entry(s.key) {
                Entry::Vacant(e) => {
                    e.insert(s);
                }
                Entry::Occupied(_) => duplicates.push(Warning::DuplicateShift { shift: s.key }),
            }
        }
        let mut person_by_key: BTreeMap<u32, &PersonIn> = BTreeMap::new();
        for p in people {
            match person_by_key.entry(p.key) {
                Entry::Vacant(e) => {
                    e.insert(p);
                }
                Entry::Occupied(_) => duplicates.push(Warning::DuplicatePerson { person: p.key }),
            }
        }
        duplicates.sort();
        duplicates.dedup();
        let mut sorted: Vec<&ShiftIn> = shift_by_key.values().copied().collect();
        sorted.sort_by_key(|s| (s.start, s.end, s.key));
        let period = sorted.iter().filter(|s| valid_span(s.start, s.end)).fold(None, |acc, s| match acc {
            None => Some((s.start, s.end)),
            Some((a, b)) => Some((s.start.min(a), s.end.max(b))),
        });
        let people: Vec<&PersonIn> = person_by_key.into_values().collect();
        let index = people.iter().enumerate().map(|(i, p)| (p.key, i)).collect();
        Input { shifts: sorted, shift_by_key, people, index, duplicates, period }
    }

    /// The times an assignment occupies: its shift's when the shift is known
    /// (none when invalid), else the copy it carries.
    fn times(&self, a: &Assignment) -> Option<(i64, i64)> {
        let (start, end) = match self.shift_by_key.get(&a.shift) {
            Some(s) => (s.start, s.end),
            None => (a.start, a.end),
        };
        valid_span(start, end).then_some((start, end))
    }

    /// One ledger per person (aligned with `people`): duties held already plus
    /// the assignments, each (shift, person) pair once.
    fn ledgers(&self, assignments: &[Assignment]) -> Vec<Ledger> {
        let mut ledgers: Vec<Ledger> = self.people.iter().map(|p| Ledger::new(p, self.period)).collect();
        for a in assignments {
            if let (Some(&i), Some((start, end))) = (self.index.get(&a.person), self.times(a))
                && !ledgers[i].holds(a.shift)
            {
                ledgers[i].add(start, end, Some(a.shift));
            }
        }
        ledgers
    }

    /// Long-day warnings (after the duplicate keys) and the load per person.
    fn summarize(&self, assignments: &[Assignment], limits: &FatigueLimits) -> (Vec<Warning>, Vec<PersonHours>) {
        let ledgers = self.ledgers(assignments);
        let warn = i64::from(limits.warn_day_minutes);
        let mut long = Vec::new();
        let mut hours: BTreeMap<u32, PersonHours> = BTreeMap::new();
        for (p, l) in self.people.iter().zip(&ledgers) {
            for day in l.assigned_days() {
                let minutes = l.day(day);
                if minutes > warn {
                    long.push(Warning::LongDay {
                        day,
                        person: p.key,
                        minutes: clamp32(minutes),
                        warn: limits.warn_day_minutes,
                    });
                }
            }
            hours.insert(
                p.key,
                PersonHours {
                    person: p.key,
                    minutes: clamp32(l.assigned_minutes),
                    shifts: l.shifts,
                    already_minutes: clamp32(l.already_in_period),
                },
            );
        }
        for a in assignments.iter().filter(|a| !self.index.contains_key(&a.person)) {
            let h = hours.entry(a.person).or_insert(PersonHours {
                person: a.person,
                minutes: 0,
                shifts: 0,
                already_minutes: 0,
            });
            let length = self.times(a).map_or(0, |(s, e)| e - s);
            h.minutes = h.minutes.saturating_add(clamp32(length));
            h.shifts = h.shifts.saturating_add(1);
        }
        long.sort();
        let mut warnings = self.duplicates.clone();
        warnings.extend(long);
        (warnings, hours.into_values().collect())
    }
}

/// A stretch of duty: an assigned shift (`Some(key)`) or one held already.
#[derive(Debug, Clone, Copy)]
struct Duty {
    start: i64,
    end: i64,
    shift: Option<u32>,
}

impl Duty {
    fn overlaps(&self, start: i64, end: i64) -> bool {
        self.start < end && start < self.end
    }

    /// Minutes between this duty and `[start, end)`, which do not overlap.
    fn rest_to(&self, start: i64, end: i64) -> i64 {
        if self.end <= start { start - self.end } else { self.start - end }
    }
}

/// One person's duties and minutes per day.
struct Ledger {
    /// Sorted by (start, end).
    duties: Vec<Duty>,
    days: BTreeMap<i64, i64>,
    assigned_minutes: i64,
    shifts: u32,
    already_in_period: i64,
}

impl Ledger {
    fn new(person: &PersonIn, period: Option<(i64, i64)>) -> Ledger {
        let mut ledger =
            Ledger { duties: Vec::new(), days: BTreeMap::new(), assigned_minutes: 0, shifts: 0, already_in_period: 0 };
        for &(start, end) in person.already.iter().filter(|(s, e)| valid_span(*s, *e)) {
            ledger.add(start, end, None);
            if let Some((from, to)) = period {
                ledger.already_in_period += (end.min(to) - start.max(from)).max(0);
            }
        }
        ledger
    }

    fn add(&mut self, start: i64, end: i64, shift: Option<u32>) {
        let at = self.duties.partition_point(|d| (d.start, d.end) <= (start, end));
        self.duties.insert(at, Duty { start, end, shift });
        for (day, minutes) in day_split(start, end) {
            *self.days.entry(day).or_default() += minutes;
        }
        if shift.is_some() {
            self.assigned_minutes += end - start;
            self.shifts += 1;
        }
    }

    fn holds(&self, shift: u32) -> bool {
        self.duties.iter().any(|d| d.shift == Some(shift))
    }

    fn day(&self, day: i64) -> i64 {
        self.days.get(&day).copied().unwrap_or(0)
    }

    /// What fairness ranks by.
    fn load(&self) -> i64 {
        self.assigned_minutes + self.already_in_period
    }

    /// Days touched by an assigned shift, ascending.
    fn assigned_days(&self) -> BTreeSet<i64> {
        self.duties
            .iter()
            .filter(|d| d.shift.is_some())
            .flat_map(|d| day_split(d.start, d.end).into_iter().map(|(day, _)| day))
            .collect()
    }

    /// Minutes in the 7 days from `first`.
    fn window(&self, first: i64) -> i64 {
        self.days.range(first..first + WEEK_DAYS).map(|(_, m)| m).sum()
    }
}

/// Why a person cannot take a shift, in the order the rules are tested.
#[derive(Debug, Clone, Copy)]
enum Block {
    CannotServe,
    StoodDown,
    NoSkill(Skill),
    NotAvailable,
    OnShift,
    Busy { with: Option<u32> },
    Day { day: i64, minutes: i64 },
    Rest { with: Option<u32>, rest: i64 },
    Week { first_day: i64, minutes: i64 },
}

impl Block {
    fn violation(self, shift: u32, person: u32, limits: &FatigueLimits) -> Violation {
        match self {
            Block::CannotServe => Violation::CannotServe { shift, person },
            Block::StoodDown => Violation::StoodDown { shift, person },
            Block::NoSkill(skill) => Violation::MissingSkill { shift, person, skill },
            Block::NotAvailable => Violation::NotAvailable { shift, person },
            Block::OnShift => Violation::AssignedTwice { shift, person },
            Block::Busy { with } => Violation::Overlap { person, shift, with },
            Block::Day { day, minutes } => {
                Violation::OverDay { person, day, minutes: clamp32(minutes), max: limits.max_day_minutes }
            }
            Block::Rest { with, rest } => {
                Violation::ShortRest { person, shift, with, rest: clamp32(rest), min: limits.min_rest_minutes }
            }
            Block::Week { first_day, minutes } => {
                Violation::OverWeek { person, first_day, minutes: clamp32(minutes), max: limits.max_week_minutes }
            }
        }
    }
}

/// Whether `person` (with `ledger`) may take `shift` (valid times) now.
fn fit(
    person: &PersonIn,
    stood_down: bool,
    ledger: &Ledger,
    shift: &ShiftIn,
    limits: &FatigueLimits,
) -> Result<(), Block> {
    let (start, end) = (shift.start, shift.end);
    if !person.can_serve {
        return Err(Block::CannotServe);
    }
    if stood_down {
        return Err(Block::StoodDown);
    }
    if let Some(skill) = shift.required_skill
        && !person.skills.contains(skill)
    {
        return Err(Block::NoSkill(skill));
    }
    if !covers(person.availability, start, end) {
        return Err(Block::NotAvailable);
    }
    if ledger.holds(shift.key) {
        return Err(Block::OnShift);
    }
    if let Some(d) = ledger.duties.iter().find(|d| d.overlaps(start, end)) {
        return Err(Block::Busy { with: d.shift });
    }
    let split = day_split(start, end);
    for &(day, minutes) in &split {
        let total = ledger.day(day) + minutes;
        if total > i64::from(limits.max_day_minutes) {
            return Err(Block::Day { day, minutes: total });
        }
    }
    let min_rest = i64::from(limits.min_rest_minutes);
    for d in &ledger.duties {
        let rest = d.rest_to(start, end);
        if rest < min_rest {
            return Err(Block::Rest { with: d.shift, rest });
        }
    }
    if let (Some(&(first, _)), Some(&(last, _))) = (split.first(), split.last()) {
        for w in first - (WEEK_DAYS - 1)..=last {
            let added: i64 = split.iter().filter(|(day, _)| (w..w + WEEK_DAYS).contains(day)).map(|(_, m)| m).sum();
            let total = ledger.window(w) + added;
            if total > i64::from(limits.max_week_minutes) {
                return Err(Block::Week { first_day: w, minutes: total });
            }
        }
    }
    Ok(())
}

/// How the pool fared against one shift, for the gap's reason.
#[derive(Default)]
struct Tally {
    can_serve: u32,
    skilled: u32,
    available: u32,
    eligible: u32,
    busy: u32,
    max_day: u32,
    rest: u32,
    max_week: u32,
}

impl Tally {
    fn count(&mut self, verdict: Result<(), Block>) {
        let stage = match verdict {
            Err(Block::CannotServe | Block::StoodDown) => 0,
            Err(Block::NoSkill(_)) => 1,
            Err(Block::NotAvailable) => 2,
            _ => 3,
        };
        self.can_serve += u32::from(stage >= 1);
        self.skilled += u32::from(stage >= 2);
        self.available += u32::from(stage >= 3);
        match verdict {
            Ok(()) | Err(Block::OnShift) => self.eligible += 1,
            Err(Block::Busy { .. }) => self.busy += 1,
            Err(Block::Day { .. }) => self.max_day += 1,
            Err(Block::Rest { .. }) => self.rest += 1,
            Err(Block::Week { .. }) => self.max_week += 1,
            Err(_) => {}
        }
    }

    fn reason(&self, skill: Option<Skill>) -> GapReason {
        match skill {
            _ if self.can_serve == 0 => GapReason::NobodyCanServe,
            Some(skill) if self.skilled == 0 => GapReason::NoSkill { skill },
            _ if self.available == 0 => GapReason::NotAvailable,
            _ if self.busy + self.max_day + self.rest + self.max_week == 0 => {
                GapReason::TooFew { eligible: self.eligible }
            }
            _ => GapReason::Limits { busy: self.busy, max_day: self.max_day, rest: self.rest, max_week: self.max_week },
        }
    }
}

fn gap(shift: &ShiftIn, missing: u32, why: GapReason) -> Gap {
    Gap {
        shift: shift.key,
        post: shift.post,
        start: shift.start,
        end: shift.end,
        missing: u16::try_from(missing).unwrap_or(u16::MAX),
        why,
    }
}

fn sort_assignments(assignments: &mut [Assignment]) {
    assignments.sort_by_key(|a| (a.start, a.end, a.shift, a.person));
}

fn sort_gaps(gaps: &mut [Gap]) {
    gaps.sort_by_key(|g| (g.start, g.end, g.shift));
}

/// Keeps every assignment of `base` and fills each shift up to its headcount.
fn fill(base: &Roster, shifts: &[ShiftIn], people: &[PersonIn], limits: &FatigueLimits) -> Roster {
    let input = Input::new(shifts, people);
    let stood_down: BTreeSet<u32> = base.stood_down.iter().copied().collect();
    let mut ledgers = input.ledgers(&base.assignments);
    let mut have: BTreeMap<u32, u32> = BTreeMap::new();
    for a in &base.assignments {
        *have.entry(a.shift).or_default() += 1;
    }
    let replaced: BTreeMap<u32, u32> = base
        .gaps
        .iter()
        .filter_map(|g| match g.why {
            GapReason::StoodDown { person } => Some((g.shift, person)),
            _ => None,
        })
        .collect();

    // Scarcest first: by how many people could ever take the shift, then in
    // time order (`input.shifts` is in time order and the sort is stable).
    let mut order: Vec<(usize, &ShiftIn)> = input
        .shifts
        .iter()
        .map(|&s| {
            let pool = input
                .people
                .iter()
                .filter(|p| {
                    p.can_serve
                        && !stood_down.contains(&p.key)
                        && s.required_skill.is_none_or(|k| p.skills.contains(k))
                        && covers(p.availability, s.start, s.end)
                })
                .count();
            (pool, s)
        })
        .collect();
    order.sort_by_key(|(pool, _)| *pool);

    let mut assignments = base.assignments.clone();
    let mut gaps = Vec::new();
    for (_, shift) in order {
        let needed = u32::from(shift.needed);
        let mut missing = needed.saturating_sub(have.get(&shift.key).copied().unwrap_or(0));
        if missing == 0 {
            continue;
        }
        if !valid_span(shift.start, shift.end) {
            gaps.push(gap(shift, missing, GapReason::InvalidTimes));
            continue;
        }
        let mut tally = Tally::default();
        // (outside the group on duty, load, key, index)
        let mut candidates: Vec<(bool, i64, u32, usize)> = Vec::new();
        for (i, p) in input.people.iter().enumerate() {
            let verdict = fit(p, stood_down.contains(&p.key), &ledgers[i], shift, limits);
            if verdict.is_ok() {
                let outside = shift.group.is_some() && p.group != shift.group;
                candidates.push((outside, ledgers[i].load(), p.key, i));
            }
            tally.count(verdict);
        }
        candidates.sort_unstable();
        for (outside, load, key, i) in candidates.into_iter().take(missing as usize) {
            let mut reasons = Vec::new();
            if let Some(&person) = replaced.get(&shift.key) {
                reasons.push(AssignReason::Replaces { person });
            }
            if let Some(group) = shift.group {
                reasons.push(if outside {
                    AssignReason::FromOtherGroup { group }
                } else {
                    AssignReason::OnDutyGroup { group }
                });
            }
            if let Some(skill) = shift.required_skill {
                reasons.push(AssignReason::HasSkill { skill });
            }
            reasons.push(AssignReason::FewestMinutes { minutes: clamp32(load) });
            ledgers[i].add(shift.start, shift.end, Some(shift.key));
            assignments.push(Assignment {
                shift: shift.key,
                post: shift.post,
                person: key,
                start: shift.start,
                end: shift.end,
                reasons,
            });
            missing -= 1;
        }
        if missing > 0 {
            gaps.push(gap(shift, missing, tally.reason(shift.required_skill)));
        }
    }
    sort_assignments(&mut assignments);
    sort_gaps(&mut gaps);
    let (warnings, hours) = input.summarize(&assignments, limits);
    Roster { assignments, gaps, warnings, hours, stood_down: base.stood_down.clone() }
}

// ---------------------------------------------------------------------------
// Public operations

/// Makes a roster for `shifts` from `people` (see the module doc for the rules
/// and the algorithm).
pub fn generate(shifts: &[ShiftIn], people: &[PersonIn], limits: &FatigueLimits) -> Roster {
    fill(&Roster::default(), shifts, people, limits)
}

/// Fills the open places of `roster` again, in time order and by the same
/// rules as [`generate`], keeping every assignment it has (even one that
/// breaks a rule: [`check`] reports those). Nobody in `roster.stood_down` is
/// assigned. Gaps, warnings and hours are recomputed; a person who fills a
/// place opened by [`stand_down`] gets [`AssignReason::Replaces`].
pub fn refill(roster: &Roster, shifts: &[ShiftIn], people: &[PersonIn], limits: &FatigueLimits) -> Roster {
    fill(roster, shifts, people, limits)
}

/// Takes `person` off every shift (isolated, infected, building sealed) and
/// records them as stood down. Returns the new roster and the shifts reopened
/// (ascending), each now with a [`GapReason::StoodDown`] gap (added to an
/// existing gap of that shift if there was one). Their long-day warnings go
/// and their hours drop to 0; hand the result to [`refill`].
pub fn stand_down(roster: &Roster, person: u32) -> (Roster, Vec<u32>) {
    let mut next = roster.clone();
    let (gone, kept): (Vec<Assignment>, Vec<Assignment>) =
        roster.assignments.iter().cloned().partition(|a| a.person == person);
    next.assignments = kept;
    let mut reopened = Vec::new();
    for a in gone {
        reopened.push(a.shift);
        let why = GapReason::StoodDown { person };
        match next.gaps.iter_mut().find(|g| g.shift == a.shift) {
            Some(g) => {
                g.missing = g.missing.saturating_add(1);
                g.why = why;
            }
            None => next.gaps.push(Gap { shift: a.shift, post: a.post, start: a.start, end: a.end, missing: 1, why }),
        }
    }
    sort_gaps(&mut next.gaps);
    reopened.sort_unstable();
    reopened.dedup();
    next.warnings.retain(|w| !matches!(w, Warning::LongDay { person: p, .. } if *p == person));
    if let Some(h) = next.hours.iter_mut().find(|h| h.person == person) {
        (h.minutes, h.shifts) = (0, 0);
    }
    if let Err(at) = next.stood_down.binary_search(&person) {
        next.stood_down.insert(at, person);
    }
    (next, reopened)
}

/// Lets a person stood down (recovered, building unsealed) be assigned again
/// by later [`refill`]s.
pub fn reinstate(roster: &Roster, person: u32) -> Roster {
    let mut next = roster.clone();
    next.stood_down.retain(|&p| p != person);
    next
}

/// Puts `to` on `shift` in place of `from`, or says which rule that would
/// break (`to` is judged against every other duty they hold on the roster and
/// already). The rest of the roster is kept as it is; warnings and hours are
/// recomputed. `from == to` changes nothing.
pub fn swap(
    roster: &Roster,
    shifts: &[ShiftIn],
    people: &[PersonIn],
    limits: &FatigueLimits,
    shift: u32,
    from: u32,
    to: u32,
) -> Result<Roster, Violation> {
    let input = Input::new(shifts, people);
    let s = *input.shift_by_key.get(&shift).ok_or(Violation::UnknownShift { shift })?;
    let at = roster
        .assignments
        .iter()
        .position(|a| a.shift == shift && a.person == from)
        .ok_or(Violation::NotOnShift { shift, person: from })?;
    if from == to {
        return Ok(roster.clone());
    }
    let &i = input.index.get(&to).ok_or(Violation::UnknownPerson { shift, person: to })?;
    if !valid_span(s.start, s.end) {
        return Err(Violation::InvalidShift { shift });
    }
    let mut next = roster.clone();
    next.assignments.remove(at);
    let ledger = input.ledgers(&next.assignments).swap_remove(i);
    fit(input.people[i], roster.stood_down.contains(&to), &ledger, s, limits)
        .map_err(|b| b.violation(shift, to, limits))?;
    next.assignments.push(Assignment {
        shift,
        post: s.post,
        person: to,
        start: s.start,
        end: s.end,
        reasons: vec![AssignReason::SwappedIn { replaced: from }],
    });
    sort_assignments(&mut next.assignments);
    (next.warnings, next.hours) = input.summarize(&next.assignments, limits);
    Ok(next)
}

/// Every rule `roster` breaks against these shifts, people and limits, sorted
/// (empty for any roster [`generate`] or [`refill`] made from a valid one).
/// Judges by the shifts' times, not the copies in the assignments.
pub fn check(roster: &Roster, shifts: &[ShiftIn], people: &[PersonIn], limits: &FatigueLimits) -> Vec<Violation> {
    let input = Input::new(shifts, people);
    let stood_down: BTreeSet<u32> = roster.stood_down.iter().copied().collect();
    let mut found = Vec::new();
    let mut per_shift: BTreeMap<u32, u32> = BTreeMap::new();
    let mut seen: BTreeSet<(u32, u32)> = BTreeSet::new();
    let mut duties: BTreeMap<u32, Vec<Duty>> = BTreeMap::new();
    for a in &roster.assignments {
        let (shift, person) = (a.shift, a.person);
        let Some(s) = input.shift_by_key.get(&shift) else {
            found.push(Violation::UnknownShift { shift });
            continue;
        };
        if !valid_span(s.start, s.end) {
            found.push(Violation::InvalidShift { shift });
            continue;
        }
        *per_shift.entry(shift).or_default() += 1;
        let Some(&i) = input.index.get(&person) else {
            found.push(Violation::UnknownPerson { shift, person });
            continue;
        };
        if !seen.insert((shift, person)) {
            found.push(Violation::AssignedTwice { shift, person });
            continue;
        }
        let p = input.people[i];
        if !p.can_serve {
            found.push(Violation::CannotServe { shift, person });
        }
        if stood_down.contains(&person) {
            found.push(Violation::StoodDown { shift, person });
        }
        if let Some(skill) = s.required_skill
            && !p.skills.contains(skill)
        {
            found.push(Violation::MissingSkill { shift, person, skill });
        }
        if !covers(p.availability, s.start, s.end) {
            found.push(Violation::NotAvailable { shift, person });
        }
        duties.entry(person).or_default().push(Duty { start: s.start, end: s.end, shift: Some(shift) });
    }
    for (&shift, &assigned) in &per_shift {
        let needed = input.shift_by_key.get(&shift).map_or(0, |s| s.needed);
        if assigned > u32::from(needed) {
            found.push(Violation::OverStaffed { shift, assigned, needed });
        }
    }
    for (&person, assigned) in &duties {
        let Some(&i) = input.index.get(&person) else { continue };
        let mut ledger = Ledger::new(input.people[i], None);
        for d in assigned {
            ledger.add(d.start, d.end, d.shift);
        }
        check_person(person, &ledger, limits, &mut found);
    }
    found.sort();
    found.dedup();
    found
}

/// Overlaps, rest, days and rolling weeks of one person.
fn check_person(person: u32, ledger: &Ledger, limits: &FatigueLimits, found: &mut Vec<Violation>) {
    let min_rest = i64::from(limits.min_rest_minutes);
    let duties = &ledger.duties;
    for (j, b) in duties.iter().enumerate() {
        for a in &duties[..j] {
            // b is the later one (by start); name an assigned shift first.
            let (shift, with) = match (b.shift, a.shift) {
                (Some(x), other) => (x, other),
                (None, Some(x)) => (x, None),
                (None, None) => continue,
            };
            if a.overlaps(b.start, b.end) {
                found.push(Violation::Overlap { person, shift, with });
            } else {
                let rest = a.rest_to(b.start, b.end);
                if rest < min_rest {
                    found.push(Violation::ShortRest {
                        person,
                        shift,
                        with,
                        rest: clamp32(rest),
                        min: limits.min_rest_minutes,
                    });
                }
            }
        }
    }
    let days = ledger.assigned_days();
    for &day in &days {
        let minutes = ledger.day(day);
        if minutes > i64::from(limits.max_day_minutes) {
            found.push(Violation::OverDay { person, day, minutes: clamp32(minutes), max: limits.max_day_minutes });
        }
    }
    let windows: BTreeSet<i64> = days.iter().flat_map(|&d| d - (WEEK_DAYS - 1)..=d).collect();
    let mut run: Option<(i64, i64, i64)> = None; // (first window, last window, largest total)
    let max_week = i64::from(limits.max_week_minutes);
    let flush = |run: Option<(i64, i64, i64)>, found: &mut Vec<Violation>| {
        if let Some((first_day, _, minutes)) = run {
            found.push(Violation::OverWeek {
                person,
                first_day,
                minutes: clamp32(minutes),
                max: limits.max_week_minutes,
            });
        }
    };
    for w in windows {
        let total = ledger.window(w);
        if total <= max_week {
            continue;
        }
        run = match run {
            Some((first, last, most)) if last + 1 == w => Some((first, w, most.max(total))),
            other => {
                flush(other, found);
                Some((w, w, total))
            }
        };
    }
    flush(run, found);
}

/// Keys handed to the generator by the service start here (seven digits), so
/// that its messages ("志愿者1000003", "班次1000012") can be rewritten with
/// names and times without ambiguity ([`humanize`]).
pub const KEY_BASE: u32 = 1_000_000;

/// Rewrites "志愿者1000003" / "volunteer 1000003" and "班次1000012" / "shift
/// 1000012" in a message of the generator with names and times.
pub fn humanize(text: &str, people: &[String], shifts: &[String]) -> String {
    let mut out = text.to_string();
    for (prefix, names) in [("志愿者", people), ("volunteer ", people), ("班次", shifts), ("shift ", shifts)] {
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(at) = rest.find(prefix) {
            let after = &rest[at + prefix.len()..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            let name = (digits.len() == 7)
                .then(|| digits.parse::<u32>().ok())
                .flatten()
                .and_then(|k| k.checked_sub(KEY_BASE))
                .and_then(|i| names.get(i as usize));
            result.push_str(&rest[..at]);
            match name {
                Some(n) => {
                    result.push_str(n);
                    rest = &after[digits.len()..];
                }
                None => {
                    result.push_str(prefix);
                    rest = after;
                }
            }
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// Why a change to posts, shifts or fatigue limits is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The warning line above the daily maximum, or the maximum above 24 h.
    BadLimits,
    BadPostName,
    UnknownPostKind,
    BadShift,
    AlreadyOnShift,
    NotOnShift,
    BadDate,
    BadDays,
    BadShiftHours,
    BadNeeded,
    UnknownSkill,
    NoPosts,
    TooManyShifts,
    /// The chosen posts already have shifts in the period.
    PeriodTaken,
    ShiftNotFound,
    /// A swap names someone who is not a verified volunteer of the community.
    SwapNotVerified,
    CompoundNotInCommunity,
    GroupNotInCommunity,
    /// A swap that breaks a rule; `people` and `shifts` name the generator's
    /// keys ([`humanize`]).
    SwapRefused {
        violation: Violation,
        people: Vec<String>,
        shifts: Vec<String>,
    },
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        let key = match self {
            Refusal::BadLimits => "refusal.rosters.bad_limits",
            Refusal::BadPostName => "refusal.rosters.bad_post_name",
            Refusal::UnknownPostKind => "refusal.rosters.unknown_post_kind",
            Refusal::BadShift => "refusal.rosters.bad_shift",
            Refusal::AlreadyOnShift => "refusal.rosters.already_on_shift",
            Refusal::NotOnShift => "refusal.rosters.not_on_shift",
            Refusal::BadDate => "refusal.rosters.bad_date",
            Refusal::BadDays => "refusal.rosters.bad_days",
            Refusal::BadShiftHours => "refusal.rosters.bad_shift_hours",
            Refusal::BadNeeded => "refusal.rosters.bad_needed",
            Refusal::UnknownSkill => "refusal.rosters.unknown_skill",
            Refusal::NoPosts => "refusal.rosters.no_posts",
            Refusal::TooManyShifts => "refusal.rosters.too_many_shifts",
            Refusal::PeriodTaken => "refusal.rosters.period_taken",
            Refusal::ShiftNotFound => "refusal.rosters.shift_not_found",
            Refusal::SwapNotVerified => "refusal.rosters.swap_not_verified",
            Refusal::CompoundNotInCommunity => "refusal.rosters.compound_not_in_community",
            Refusal::GroupNotInCommunity => "refusal.rosters.group_not_in_community",
            Refusal::SwapRefused { violation, people, shifts } => {
                let why = humanize(&violation.describe(lang), people, shifts);
                return crate::i18n::t_with(lang, "refusal.rosters.swap_refused", &[("why", &why)]);
            }
        };
        crate::i18n::t(lang, key)
    }
}

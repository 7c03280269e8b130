//! Sign-up sheets (接龙), SPEC §4.4: the parts that need no database — an
//! entry's status, who may join, who gets a place ([`decide_joins`],
//! [`decide_withdrawal`]), and the numbered text people paste into a WeChat
//! group. The storage layer applies these decisions inside one write
//! transaction on the locked sheet, with conditional statements that cannot
//! pass the capacity (see `db::signup`), never by check-then-insert.

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::volunteer::{Skill, SkillSet, VolunteerKind};

/// Where one person stands on a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// Within the capacity, in order of arrival.
    Confirmed,
    /// Over the capacity: promoted, in order of arrival, when someone withdraws.
    Waiting,
    Withdrawn,
}

impl EntryStatus {
    pub const ALL: [EntryStatus; 3] = [EntryStatus::Confirmed, EntryStatus::Waiting, EntryStatus::Withdrawn];

    pub fn code(self) -> &'static str {
        match self {
            EntryStatus::Confirmed => "confirmed",
            EntryStatus::Waiting => "waiting",
            EntryStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(s: &str) -> Option<EntryStatus> {
        EntryStatus::ALL.into_iter().find(|e| e.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            EntryStatus::Confirmed => lang.pick("已报名", "signed up"),
            EntryStatus::Waiting => lang.pick("候补", "waiting list"),
            EntryStatus::Withdrawn => lang.pick("已退出", "withdrawn"),
        }
    }
}

/// Who may join a sheet; `None` fields admit anyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    pub skill: Option<Skill>,
    pub kind: Option<VolunteerKind>,
    /// Only members of this group (an opaque id, as the storage layer keys groups).
    pub group: Option<String>,
}

/// Why someone may not join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ineligible {
    MissingSkill(Skill),
    WrongKind(VolunteerKind),
    NotInGroup,
    CannotServe,
    NotVerified,
}

impl Ineligible {
    pub fn message(self, lang: Lang) -> String {
        use crate::i18n::{t, t_with};
        match self {
            Ineligible::MissingSkill(s) => t_with(lang, "refusal.signup.missing_skill", &[("skill", &s.label(lang))]),
            Ineligible::WrongKind(k) => t_with(lang, "refusal.signup.wrong_kind", &[("kind", &k.label(lang))]),
            Ineligible::NotInGroup => t(lang, "refusal.signup.not_in_group"),
            Ineligible::CannotServe => t(lang, "refusal.signup.cannot_serve"),
            Ineligible::NotVerified => t(lang, "refusal.signup.not_verified"),
        }
    }
}

/// What the storage layer knows about a volunteer, for the eligibility check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant<'a> {
    pub kind: VolunteerKind,
    pub skills: SkillSet,
    pub group: Option<&'a str>,
    pub verified: bool,
    pub can_serve: bool,
}

impl Eligibility {
    /// The first reason the applicant may not join, if any.
    pub fn check(&self, a: &Applicant<'_>) -> Option<Ineligible> {
        if !a.verified {
            return Some(Ineligible::NotVerified);
        }
        if !a.can_serve {
            return Some(Ineligible::CannotServe);
        }
        if let Some(s) = self.skill
            && !a.skills.contains(s)
        {
            return Some(Ineligible::MissingSkill(s));
        }
        if let Some(k) = self.kind
            && a.kind != k
        {
            return Some(Ineligible::WrongKind(k));
        }
        if let Some(g) = &self.group
            && a.group != Some(g.as_str())
        {
            return Some(Ineligible::NotInGroup);
        }
        None
    }
}

/// A sheet's limits, as created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most people confirmed at once.
    pub capacity: i32,
    /// Most one person may take, when the sheet counts a quantity.
    pub quantity_max: Option<i32>,
    /// Most everyone confirmed may take together.
    pub quantity_total: Option<i32>,
}

impl Limits {
    /// Whether one more person taking `quantity` fits beside `counters`
    /// (added up wide: no counter read from storage can overflow it).
    pub fn fits(&self, counters: Counters, quantity: i32) -> bool {
        counters.confirmed < self.capacity
            && self
                .quantity_total
                .is_none_or(|t| i64::from(counters.quantity_confirmed) + i64::from(quantity) <= i64::from(t))
    }
}

/// A sheet's counters, as read in the write transaction and as left by a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// The last arrival number given (numbers start at 1 and are never given twice).
    pub arrivals: i32,
    /// People confirmed now.
    pub confirmed: i32,
    /// Their quantities, added up.
    pub quantity_confirmed: i32,
}

/// One ask to join, in a batch given in order of arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinAsk<K> {
    /// Who asks (a volunteer's key); two asks with the same key are one person.
    pub who: K,
    pub quantity: i32,
    /// Whether the caller passed their checks (access, eligibility). A refused
    /// ask takes no number and is never matched with the person's other asks,
    /// so its `who` may be a placeholder.
    pub eligible: bool,
    /// The status of the person's entry on the sheet before this batch, if any.
    pub on_sheet: Option<EntryStatus>,
}

/// Why an ask to join is refused; it changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The caller's checks (access, eligibility) refused it; they say why.
    Ineligible,
    /// A quantity of less than 1.
    QuantityBelowOne,
    /// More than the sheet allows one person.
    OverPersonalLimit { max: i32 },
    /// More than any sheet allows one person ([`crate::bounds::Quantity`]),
    /// or more than the sheet's counters can add up.
    OutOfRange(crate::bounds::OutOfRange),
}

/// What became of one ask to join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinOutcome {
    /// A place, with the ask's arrival number.
    Confirmed {
        seq: i32,
    },
    /// On the waiting list, with the ask's arrival number.
    Waiting {
        seq: i32,
    },
    /// The person was already on the sheet (a retry): their entry stands unchanged.
    AlreadyOn,
    /// The person asked earlier in this batch (a double tap): the answer of
    /// that ask, at this index, stands; it is `Confirmed` or `Waiting`.
    RepeatOf(usize),
    Refused(Refusal),
}

impl JoinOutcome {
    /// The entry this ask writes: its status and arrival number.
    pub fn placed(self) -> Option<(EntryStatus, i32)> {
        match self {
            JoinOutcome::Confirmed { seq } => Some((EntryStatus::Confirmed, seq)),
            JoinOutcome::Waiting { seq } => Some((EntryStatus::Waiting, seq)),
            _ => None,
        }
    }
}

/// The decision on a batch of joins: one outcome per ask, in the batch's
/// order, and the sheet's counters after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinDecision {
    pub outcomes: Vec<JoinOutcome>,
    pub counters: Counters,
}

/// Decides a batch of joins to one sheet, in order of arrival, exactly as one
/// join at a time would be decided. Each new ask takes the next arrival
/// number; it is confirmed if it fits and nobody waits before it (strict
/// order: once one waits, everyone after waits too), else it waits.
/// `someone_waits` says whether the waiting list held anyone before the batch.
pub fn decide_joins<K: Copy + Eq + Hash>(
    limits: &Limits,
    counters: Counters,
    someone_waits: bool,
    asks: &[JoinAsk<K>],
) -> JoinDecision {
    let mut now = counters;
    let mut someone_waits = someone_waits;
    // The index of each person's ask that was placed in this batch.
    let mut placed: HashMap<K, usize> = HashMap::new();
    let mut outcomes = Vec::with_capacity(asks.len());
    for (i, ask) in asks.iter().enumerate() {
        let outcome = if !ask.eligible {
            JoinOutcome::Refused(Refusal::Ineligible)
        } else if ask.quantity < 1 {
            JoinOutcome::Refused(Refusal::QuantityBelowOne)
        } else if let Err(e) = crate::bounds::Quantity::new(ask.quantity) {
            JoinOutcome::Refused(Refusal::OutOfRange(e))
        } else if let Some(max) = limits.quantity_max.filter(|m| ask.quantity > *m) {
            JoinOutcome::Refused(Refusal::OverPersonalLimit { max })
        } else if ask.on_sheet.is_some_and(|s| s != EntryStatus::Withdrawn) {
            // A retry: the first join stands.
            JoinOutcome::AlreadyOn
        } else if let Some(&first) = placed.get(&ask.who) {
            // A double tap inside this batch.
            JoinOutcome::RepeatOf(first)
        } else {
            // Counters are added up checked: a sum that would not fit its
            // column refuses the ask (and changes nothing) instead of wrapping.
            let too_many = JoinOutcome::Refused(Refusal::OutOfRange(crate::bounds::OutOfRange {
                field: crate::bounds::Field::QuantityTotal,
            }));
            match now.arrivals.checked_add(1) {
                None => too_many,
                Some(seq) => {
                    let fits = !someone_waits && limits.fits(now, ask.quantity);
                    let confirmed = now.confirmed.checked_add(1);
                    let quantity = now.quantity_confirmed.checked_add(ask.quantity);
                    match (fits, confirmed, quantity) {
                        (true, Some(confirmed), Some(quantity)) => {
                            now = Counters { arrivals: seq, confirmed, quantity_confirmed: quantity };
                            placed.insert(ask.who, i);
                            JoinOutcome::Confirmed { seq }
                        }
                        (true, _, _) => too_many,
                        (false, _, _) => {
                            now.arrivals = seq;
                            placed.insert(ask.who, i);
                            someone_waits = true;
                            JoinOutcome::Waiting { seq }
                        }
                    }
                }
            }
        };
        outcomes.push(outcome);
    }
    JoinDecision { outcomes, counters: now }
}

/// An entry as a withdrawal sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldEntry<K> {
    pub who: K,
    /// Arrival number.
    pub seq: i32,
    pub status: EntryStatus,
    pub quantity: i32,
}

/// The decision on a withdrawal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal<K> {
    /// The leaving entry held a place, which is given back.
    pub frees_place: bool,
    /// Who moves up from the waiting list, in order of arrival.
    pub promoted: Vec<K>,
    /// The sheet's counters after the withdrawal and the promotions.
    pub counters: Counters,
}

/// Decides a withdrawal of `leaving` (a live entry, confirmed or waiting):
/// its place, if it held one, is given back, and then the waiting list moves
/// up in order of arrival, as many as now fit. Strict order: the first
/// waiting person moves up, or nobody does. `waiting` is the waiting list as
/// read (it may still hold `leaving`, which is skipped); it is taken in order
/// of arrival numbers whatever order it comes in.
pub fn decide_withdrawal<K: Copy + PartialEq>(
    limits: &Limits,
    counters: Counters,
    leaving: &HeldEntry<K>,
    waiting: &[HeldEntry<K>],
) -> Withdrawal<K> {
    let mut now = counters;
    let frees_place = leaving.status == EntryStatus::Confirmed;
    if leaving.status == EntryStatus::Withdrawn {
        return Withdrawal { frees_place, promoted: Vec::new(), counters: now };
    }
    if frees_place {
        now.confirmed = now.confirmed.saturating_sub(1).max(0);
        now.quantity_confirmed = now.quantity_confirmed.saturating_sub(leaving.quantity).max(0);
    }
    let mut queue: Vec<&HeldEntry<K>> =
        waiting.iter().filter(|e| e.who != leaving.who && e.status == EntryStatus::Waiting).collect();
    queue.sort_by_key(|e| e.seq);
    let mut promoted = Vec::new();
    for next in queue {
        let (Some(confirmed), Some(quantity)) =
            (now.confirmed.checked_add(1), now.quantity_confirmed.checked_add(next.quantity))
        else {
            break;
        };
        if !limits.fits(now, next.quantity) {
            break;
        }
        now.confirmed = confirmed;
        now.quantity_confirmed = quantity;
        promoted.push(next.who);
    }
    Withdrawal { frees_place, promoted, counters: now }
}

/// One line of the list as pasted into a group chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub name: String,
    /// "2箱": how many of the sheet's unit this person takes, when the sheet counts them.
    pub quantity: Option<u32>,
}

/// The sheet as WeChat 接龙 text: a heading, the rules, then the confirmed
/// people numbered in order of arrival, then the waiting list.
pub fn jielong_text(
    title: &str,
    details: &[String],
    unit: Option<&str>,
    confirmed: &[Line],
    waiting: &[Line],
    lang: Lang,
) -> String {
    let mut out = String::new();
    out.push_str(&crate::i18n::t(lang, "text.signup_heading"));
    out.push_str(title.trim());
    out.push('\n');
    for d in details {
        out.push_str(d.trim());
        out.push('\n');
    }
    out.push('\n');
    let line = |i: usize, l: &Line| match (l.quantity, unit) {
        (Some(q), Some(u)) => format!("{}. {} {q}{u}\n", i + 1, l.name),
        (Some(q), None) => format!("{}. {} ×{q}\n", i + 1, l.name),
        _ => format!("{}. {}\n", i + 1, l.name),
    };
    for (i, l) in confirmed.iter().enumerate() {
        out.push_str(&line(i, l));
    }
    if !waiting.is_empty() {
        out.push_str(&crate::i18n::t(lang, "text.signup_waiting"));
        for (i, l) in waiting.iter().enumerate() {
            out.push_str(&line(i, l));
        }
    }
    out
}

/// Why a sheet is not opened or joined as asked (the storage layer's part;
/// [`Refusal`] is the pure decision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetRefusal {
    BadTitle,
    BadCapacity,
    BadQuantityLimits,
    Closed,
    QuantityBelowOne,
    /// `unit`: the sheet's unit of quantity, written after the number in Chinese.
    OverPersonalLimit {
        max: i32,
        unit: String,
    },
    /// The sheet's row stayed locked; a retry will do.
    Busy,
    /// The sign-up queue is gone (the server is shutting down).
    ServerBusy,
    /// The account has no volunteer record in the sheet's community.
    NotLinked,
    Ineligible(Ineligible),
    /// A deadline that is neither "2022-04-06 22:30" nor RFC 3339.
    BadDeadline,
    UnknownSkill,
    UnknownKind,
    GroupNotInCommunity,
    DeadlinePassed,
    SheetNotFound,
    /// Withdrawing from a sheet one is not on.
    NotOnSheet,
    /// A share link (`/s/{token}`) that opens no sheet.
    BadLink,
}

impl SheetRefusal {
    pub fn message(&self, lang: Lang) -> String {
        let key = match self {
            SheetRefusal::OverPersonalLimit { max, unit } => {
                return crate::i18n::t_with(
                    lang,
                    "refusal.signup.over_personal_limit",
                    &[("max", max), ("unit", unit)],
                );
            }
            SheetRefusal::Ineligible(why) => return why.message(lang),
            SheetRefusal::BadTitle => "refusal.signup.bad_title",
            SheetRefusal::BadCapacity => "refusal.signup.bad_capacity",
            SheetRefusal::BadQuantityLimits => "refusal.signup.bad_quantity_limits",
            SheetRefusal::Closed => "refusal.signup.closed",
            SheetRefusal::QuantityBelowOne => "refusal.signup.quantity_below_one",
            SheetRefusal::Busy => "refusal.signup.busy",
            SheetRefusal::ServerBusy => "refusal.signup.server_busy",
            SheetRefusal::NotLinked => "refusal.signup.not_linked",
            SheetRefusal::BadDeadline => "refusal.signup.bad_deadline",
            SheetRefusal::UnknownSkill => "refusal.signup.unknown_skill",
            SheetRefusal::UnknownKind => "refusal.signup.unknown_kind",
            SheetRefusal::GroupNotInCommunity => "refusal.signup.group_not_in_community",
            SheetRefusal::DeadlinePassed => "refusal.signup.deadline_passed",
            SheetRefusal::SheetNotFound => "refusal.signup.sheet_not_found",
            SheetRefusal::NotOnSheet => "refusal.signup.not_on_sheet",
            SheetRefusal::BadLink => "refusal.signup.bad_link",
        };
        crate::i18n::t(lang, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applicant() -> Applicant<'static> {
        Applicant {
            kind: VolunteerKind::NearbyMember,
            skills: [Skill::Driving].into_iter().collect(),
            group: Some("g1"),
            verified: true,
            can_serve: true,
        }
    }

    #[test]
    fn eligibility_names_the_first_reason() {
        let open = Eligibility::default();
        assert_eq!(open.check(&applicant()), None);
        let drivers = Eligibility { skill: Some(Skill::Driving), ..Default::default() };
        assert_eq!(drivers.check(&applicant()), None);
        let medics = Eligibility { skill: Some(Skill::Medical), ..Default::default() };
        assert_eq!(medics.check(&applicant()), Some(Ineligible::MissingSkill(Skill::Medical)));
        let cadres = Eligibility { kind: Some(VolunteerKind::DeployedCadre), ..Default::default() };
        assert_eq!(cadres.check(&applicant()), Some(Ineligible::WrongKind(VolunteerKind::DeployedCadre)));
        let g2 = Eligibility { group: Some("g2".into()), ..Default::default() };
        assert_eq!(g2.check(&applicant()), Some(Ineligible::NotInGroup));
        let isolated = Applicant { can_serve: false, ..applicant() };
        assert_eq!(open.check(&isolated), Some(Ineligible::CannotServe));
        assert!(Ineligible::MissingSkill(Skill::Medical).message(Lang::Zh).contains("医护"));
    }

    #[test]
    fn the_text_is_what_a_group_chat_expects() {
        let l = |n: &str, q: Option<u32>| Line { name: n.into(), quantity: q };
        let text = jielong_text(
            "今晚10点 蔬菜包卸货分发（500箱）",
            &["截止：22:30".into(), "名额：2人".into()],
            Some("箱"),
            &[l("夏双喜", Some(2)), l("王中理", None)],
            &[l("邱锦", Some(1))],
            Lang::Zh,
        );
        assert_eq!(
            text,
            "#接龙\n今晚10点 蔬菜包卸货分发（500箱）\n截止：22:30\n名额：2人\n\n1. 夏双喜 2箱\n2. 王中理\n\n候补：\n1. 邱锦 1箱\n"
        );
    }
}

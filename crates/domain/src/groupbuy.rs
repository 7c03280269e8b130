//! The group-buy timetable (团购时间表), SPEC §4.4: the compounds of a
//! community take turns at the pickup slots, day after day ("11 compounds
//! take turns daily"). Pure: no IO, no clock.
//!
//! Each day has `slots_per_day` slots; at most one compound per slot and at
//! most one slot per compound a day (`m = min(slots, compounds)` slots are
//! used). Day `d` (an absolute day number, so timetables made on different
//! dates continue the same rotation) starts at position `d * m mod n` of the
//! compound order and takes the next `m` compounds round the circle; when
//! every compound fits in one day, the order shifts by one each day so nobody
//! always gets the earliest slot. So every compound gets a slot in every
//! cycle of [`cycle_days`] consecutive days, and no slot is ever double-booked.

/// One slot of the timetable: on `day`, slot number `slot` goes to the
/// compound at index `compound` of the list given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Turn {
    pub day: i64,
    pub slot: u32,
    pub compound: usize,
}

/// Days in which every compound gets a turn at least once.
pub fn cycle_days(compounds: usize, slots_per_day: usize) -> usize {
    if compounds == 0 || slots_per_day == 0 { 0 } else { compounds.div_ceil(slots_per_day.min(compounds)) }
}

/// The turns of `days` days from `first_day` (day numbers as in
/// [`crate::roster::day_of`]), by day then slot.
pub fn rotate(compounds: usize, slots_per_day: usize, first_day: i64, days: u32) -> Vec<Turn> {
    let m = slots_per_day.min(compounds);
    if m == 0 {
        return Vec::new();
    }
    let n = compounds as i64;
    let mut out = Vec::with_capacity(m * days as usize);
    for d in first_day..first_day + i64::from(days) {
        let start = if m == compounds { d.rem_euclid(n) } else { (d * m as i64).rem_euclid(n) };
        for i in 0..m {
            let compound = usize::try_from((start + i as i64).rem_euclid(n)).unwrap_or(0);
            out.push(Turn { day: d, slot: u32::try_from(i).unwrap_or(u32::MAX), compound });
        }
    }
    out
}

/// Why a change to the group-buy timetable is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    BadOrganiserName,
    /// Fewer than 1 or more than 20 pickup points.
    BadPoints,
    /// The windows do not fit within one day (or a number is out of range).
    BadWindows,
    NoCompounds,
    CompoundNotInCommunity,
    BadPhone,
}

impl Refusal {
    pub fn message(&self, lang: crate::Lang) -> String {
        let key = match self {
            Refusal::BadOrganiserName => "refusal.groupbuy.bad_organiser_name",
            Refusal::BadPoints => "refusal.groupbuy.bad_points",
            Refusal::BadWindows => "refusal.groupbuy.bad_windows",
            Refusal::NoCompounds => "refusal.groupbuy.no_compounds",
            Refusal::CompoundNotInCommunity => "refusal.groupbuy.compound_not_in_community",
            Refusal::BadPhone => "refusal.groupbuy.bad_phone",
        };
        crate::i18n::t(lang, key)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn eleven_compounds_take_turns_daily() {
        let turns = rotate(11, 11, 19_000, 2);
        assert_eq!(turns.len(), 22);
        let day0: BTreeSet<usize> = turns.iter().filter(|t| t.day == 19_000).map(|t| t.compound).collect();
        assert_eq!(day0.len(), 11);
        // The first slot moves on each day.
        assert_ne!(turns[0].compound, turns[11].compound);
    }

    proptest! {
        #[test]
        fn every_compound_gets_a_slot_each_cycle_and_no_slot_is_double_booked(
            n in 1usize..40, k in 1usize..15, first in -1000i64..100_000, cycles in 1u32..4,
        ) {
            let c = cycle_days(n, k);
            let days = c as u32 * cycles + 3;
            let turns = rotate(n, k, first, days);
            let mut slots = BTreeSet::new();
            let mut per_day = BTreeSet::new();
            for t in &turns {
                prop_assert!(t.compound < n);
                prop_assert!((t.slot as usize) < k);
                prop_assert!(slots.insert((t.day, t.slot)), "slot double-booked");
                prop_assert!(per_day.insert((t.day, t.compound)), "compound twice in a day");
            }
            // Every window of `c` consecutive days gives every compound a turn.
            for start in first..first + i64::from(days) - c as i64 + 1 {
                let seen: BTreeSet<usize> = turns
                    .iter()
                    .filter(|t| t.day >= start && t.day < start + c as i64)
                    .map(|t| t.compound)
                    .collect();
                prop_assert_eq!(seen.len(), n);
            }
        }
    }
}

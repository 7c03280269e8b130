//! Who gets a place on a sign-up sheet (接龙), SPEC §4.4: random sheets under
//! random sequences of join batches and withdrawals, applied to an in-memory
//! sheet the way storage applies them. After every step: never more confirmed
//! than the capacity, never more than the quantity total, per-person limits
//! kept, arrival numbers increasing and never given twice, nobody on the
//! sheet twice, places to the earliest arrivals that fit, the waiting list
//! promoted in order of arrival; and a batch decided exactly as one join at a
//! time would be.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use shouwang_domain::signup::{
    Counters, EntryStatus, HeldEntry, JoinAsk, JoinOutcome, Limits, Refusal, decide_joins, decide_withdrawal,
};

type Who = u32;

/// One step: a batch of asks (who, quantity, passed their checks) in order of
/// arrival, or a withdrawal.
#[derive(Debug, Clone)]
enum Op {
    Join(Vec<(Who, i32, bool)>),
    Withdraw(Who),
}

/// A sheet as storage keeps it: limits, counters and one entry per person.
#[derive(Debug, Clone)]
struct Sheet {
    limits: Limits,
    counters: Counters,
    entries: BTreeMap<Who, HeldEntry<Who>>,
    /// Every arrival number ever written.
    given: BTreeSet<i32>,
}

impl Sheet {
    fn new(limits: Limits) -> Sheet {
        Sheet { limits, counters: Counters::default(), entries: BTreeMap::new(), given: BTreeSet::new() }
    }

    fn live(&self, status: EntryStatus) -> impl Iterator<Item = &HeldEntry<Who>> {
        self.entries.values().filter(move |e| e.status == status)
    }

    fn someone_waits(&self) -> bool {
        self.live(EntryStatus::Waiting).next().is_some()
    }

    /// The waiting list in order of arrival.
    fn waiting(&self) -> Vec<HeldEntry<Who>> {
        let mut w: Vec<_> = self.live(EntryStatus::Waiting).copied().collect();
        w.sort_by_key(|e| e.seq);
        w
    }

    fn asks(&self, batch: &[(Who, i32, bool)]) -> Vec<JoinAsk<Who>> {
        batch
            .iter()
            .map(|&(who, quantity, eligible)| JoinAsk {
                who,
                quantity,
                eligible,
                on_sheet: self.entries.get(&who).map(|e| e.status),
            })
            .collect()
    }
}

fn arb_limits() -> impl Strategy<Value = Limits> {
    (1..=6i32, prop::option::of(1..=4i32), prop::option::of(1..=12i32))
        .prop_map(|(capacity, quantity_max, quantity_total)| Limits { capacity, quantity_max, quantity_total })
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => prop::collection::vec((0..10u32, -1..=5i32, prop::bool::weighted(0.9)), 1..10).prop_map(Op::Join),
        2 => (0..10u32).prop_map(Op::Withdraw),
    ]
}

/// A permutation seed, to hand the waiting list over in any order.
fn rotate<T: Clone>(items: &[T], by: usize) -> Vec<T> {
    let mut v = items.to_vec();
    if !v.is_empty() {
        let n = by % v.len();
        v.rotate_left(n);
        v.reverse();
    }
    v
}

/// The rules that hold of the sheet at rest, after any step.
fn check_sheet(s: &Sheet) -> Result<(), TestCaseError> {
    let confirmed: Vec<_> = s.live(EntryStatus::Confirmed).collect();
    let waiting = s.waiting();
    prop_assert_eq!(confirmed.len() as i32, s.counters.confirmed, "the counter is the confirmed entries");
    prop_assert!(s.counters.confirmed <= s.limits.capacity, "never more confirmed than the capacity");
    let amount: i32 = confirmed.iter().map(|e| e.quantity).sum();
    prop_assert_eq!(amount, s.counters.quantity_confirmed, "the quantity counter is the confirmed quantities");
    if let Some(total) = s.limits.quantity_total {
        prop_assert!(amount <= total, "never more than the quantity total");
    }
    for e in s.entries.values().filter(|e| e.status != EntryStatus::Withdrawn) {
        prop_assert!(e.quantity >= 1);
        if let Some(max) = s.limits.quantity_max {
            prop_assert!(e.quantity <= max, "the per-person limit holds");
        }
        prop_assert!(1 <= e.seq && e.seq <= s.counters.arrivals);
    }
    let seqs: BTreeSet<i32> = s.entries.values().map(|e| e.seq).collect();
    prop_assert_eq!(seqs.len(), s.entries.len(), "no arrival number held twice");
    // Order of arrival: everyone confirmed came before everyone waiting, and
    // the first waiting person does not fit in what is left.
    if let (Some(last), Some(first)) = (confirmed.iter().map(|e| e.seq).max(), waiting.first()) {
        prop_assert!(last < first.seq, "nobody waiting arrived before someone confirmed");
    }
    if let Some(first) = waiting.first() {
        prop_assert!(!s.limits.fits(s.counters, first.quantity), "nobody waits who would fit in a free place");
    }
    Ok(())
}

/// Decides and applies one batch, checking each outcome against its ask.
fn join_batch(s: &mut Sheet, batch: &[(Who, i32, bool)]) -> Result<(), TestCaseError> {
    let asks = s.asks(batch);
    let before = s.counters;
    let waited = s.someone_waits();
    let decision = decide_joins(&s.limits, before, waited, &asks);
    prop_assert_eq!(decision.outcomes.len(), asks.len());
    let mut next_seq = before.arrivals + 1;
    let mut placed_here: BTreeMap<Who, usize> = BTreeMap::new();
    let mut one_waits = waited;
    for (i, (ask, outcome)) in asks.iter().zip(&decision.outcomes).enumerate() {
        let live = ask.on_sheet.is_some_and(|st| st != EntryStatus::Withdrawn);
        match *outcome {
            JoinOutcome::Refused(Refusal::Ineligible) => prop_assert!(!ask.eligible),
            JoinOutcome::Refused(Refusal::QuantityBelowOne) => prop_assert!(ask.eligible && ask.quantity < 1),
            JoinOutcome::Refused(Refusal::OverPersonalLimit { max }) => {
                prop_assert!(ask.eligible && ask.quantity >= 1);
                prop_assert_eq!(Some(max), s.limits.quantity_max);
                prop_assert!(ask.quantity > max);
            }
            JoinOutcome::Refused(Refusal::OutOfRange(_)) => {
                prop_assert!(ask.eligible && ask.quantity > shouwang_domain::bounds::Quantity::MAX)
            }
            JoinOutcome::AlreadyOn => prop_assert!(live, "only someone on the sheet is a retry"),
            JoinOutcome::RepeatOf(first) => {
                prop_assert!(!live);
                prop_assert_eq!(placed_here.get(&ask.who), Some(&first), "a double tap answers as the first tap");
                prop_assert!(decision.outcomes[first].placed().is_some());
            }
            JoinOutcome::Confirmed { seq } | JoinOutcome::Waiting { seq } => {
                prop_assert!(ask.eligible && ask.quantity >= 1);
                prop_assert!(s.limits.quantity_max.is_none_or(|m| ask.quantity <= m));
                prop_assert!(!live, "nobody is on the sheet twice");
                prop_assert!(!placed_here.contains_key(&ask.who), "nobody is placed twice in one batch");
                prop_assert_eq!(seq, next_seq, "arrival numbers follow the order of arrival, without gaps");
                prop_assert!(s.given.insert(seq), "an arrival number is never given twice");
                next_seq += 1;
                let status = if matches!(outcome, JoinOutcome::Confirmed { .. }) {
                    prop_assert!(!one_waits, "strict order: nobody overtakes someone waiting");
                    prop_assert!(s.limits.fits(s.counters, ask.quantity));
                    s.counters.confirmed += 1;
                    s.counters.quantity_confirmed += ask.quantity;
                    EntryStatus::Confirmed
                } else {
                    prop_assert!(
                        one_waits || !s.limits.fits(s.counters, ask.quantity),
                        "someone who fits and is first in line gets a place"
                    );
                    one_waits = true;
                    EntryStatus::Waiting
                };
                placed_here.insert(ask.who, i);
                s.entries.insert(ask.who, HeldEntry { who: ask.who, seq, status, quantity: ask.quantity });
            }
        }
    }
    s.counters.arrivals = next_seq - 1;
    prop_assert_eq!(decision.counters, s.counters, "the decision's counters are the recount");
    Ok(())
}

/// Decides and applies one withdrawal as storage does (nothing for someone
/// not on the sheet), checking the promotions.
fn withdraw(s: &mut Sheet, who: Who, order: usize) -> Result<(), TestCaseError> {
    let Some(leaving) = s.entries.get(&who).copied() else { return Ok(()) };
    let before = s.counters;
    // Storage reads the waiting list before marking the leaver: it may still be on it.
    let waiting = s.waiting();
    let decision = decide_withdrawal(&s.limits, before, &leaving, &rotate(&waiting, order));
    if leaving.status == EntryStatus::Withdrawn {
        prop_assert!(decision.promoted.is_empty() && !decision.frees_place);
        prop_assert_eq!(decision.counters, before, "withdrawing twice changes nothing");
        return Ok(());
    }
    prop_assert_eq!(decision.frees_place, leaving.status == EntryStatus::Confirmed);
    if let Some(e) = s.entries.get_mut(&who) {
        e.status = EntryStatus::Withdrawn;
    }
    if decision.frees_place {
        s.counters.confirmed -= 1;
        s.counters.quantity_confirmed -= leaving.quantity;
    }
    let queue: Vec<HeldEntry<Who>> = waiting.into_iter().filter(|e| e.who != who).collect();
    prop_assert!(decision.promoted.len() <= queue.len());
    for (next, promoted) in queue.iter().zip(&decision.promoted) {
        prop_assert_eq!(*promoted, next.who, "the waiting list moves up in order of arrival");
        prop_assert!(s.limits.fits(s.counters, next.quantity), "only who fits moves up");
        s.counters.confirmed += 1;
        s.counters.quantity_confirmed += next.quantity;
        if let Some(e) = s.entries.get_mut(&next.who) {
            e.status = EntryStatus::Confirmed;
        }
    }
    if let Some(stopped) = queue.get(decision.promoted.len()) {
        prop_assert!(!s.limits.fits(s.counters, stopped.quantity), "the first one left waiting does not fit");
    }
    prop_assert_eq!(decision.counters, s.counters, "the decision's counters are the recount");
    Ok(())
}

/// One join at a time, as storage would write them; the outcome of each.
fn one_at_a_time(s: &Sheet, batch: &[(Who, i32, bool)]) -> (Vec<JoinOutcome>, Counters) {
    let mut s = s.clone();
    let mut outcomes = Vec::new();
    for ask in batch {
        let asks = s.asks(std::slice::from_ref(ask));
        let d = decide_joins(&s.limits, s.counters, s.someone_waits(), &asks);
        if let Some((status, seq)) = d.outcomes[0].placed() {
            s.entries.insert(ask.0, HeldEntry { who: ask.0, seq, status, quantity: ask.1 });
        }
        s.counters = d.counters;
        outcomes.push(d.outcomes[0]);
    }
    (outcomes, s.counters)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn places_hold_under_any_joins_and_withdrawals(
        limits in arb_limits(),
        ops in prop::collection::vec((arb_op(), any::<usize>()), 1..40),
    ) {
        let mut s = Sheet::new(limits);
        for (op, order) in &ops {
            match op {
                Op::Join(batch) => join_batch(&mut s, batch)?,
                Op::Withdraw(who) => withdraw(&mut s, *who, *order)?,
            }
            check_sheet(&s)?;
        }
    }

    #[test]
    fn a_batch_is_decided_as_one_join_at_a_time(
        limits in arb_limits(),
        ops in prop::collection::vec((arb_op(), any::<usize>()), 0..20),
        batch in prop::collection::vec((0..10u32, -1..=5i32, prop::bool::weighted(0.9)), 1..12),
    ) {
        let mut s = Sheet::new(limits);
        for (op, order) in &ops {
            match op {
                Op::Join(b) => join_batch(&mut s, b)?,
                Op::Withdraw(who) => withdraw(&mut s, *who, *order)?,
            }
        }
        let together = decide_joins(&s.limits, s.counters, s.someone_waits(), &s.asks(&batch));
        let (single, counters) = one_at_a_time(&s, &batch);
        prop_assert_eq!(together.counters, counters);
        for (i, (t, one)) in together.outcomes.iter().zip(&single).enumerate() {
            match t {
                // Alone, the second tap finds the first one's entry.
                JoinOutcome::RepeatOf(first) => {
                    prop_assert!(*first < i);
                    prop_assert_eq!(*one, JoinOutcome::AlreadyOn);
                }
                t => prop_assert_eq!(t, one),
            }
        }
    }
}

#[test]
fn a_batch_in_order_a_double_tap_and_a_bad_quantity() {
    // The storage test's batch: a, b, a again, c, and d with 0; two places.
    let limits = Limits { capacity: 2, quantity_max: None, quantity_total: None };
    let ask = |who, quantity| JoinAsk { who, quantity, eligible: true, on_sheet: None };
    let d = decide_joins(&limits, Counters::default(), false, &[ask(1, 2), ask(2, 1), ask(1, 1), ask(3, 1), ask(4, 0)]);
    assert_eq!(
        d.outcomes,
        vec![
            JoinOutcome::Confirmed { seq: 1 },
            JoinOutcome::Confirmed { seq: 2 },
            JoinOutcome::RepeatOf(0),
            JoinOutcome::Waiting { seq: 3 },
            JoinOutcome::Refused(Refusal::QuantityBelowOne),
        ]
    );
    assert_eq!(d.counters, Counters { arrivals: 3, confirmed: 2, quantity_confirmed: 3 });
}

#[test]
fn a_withdrawal_promotes_while_the_quantity_fits_and_nobody_jumps_the_queue() {
    // 3 people, 5 boxes: 2 + 2 confirmed; 2 and 1 waiting. The first leaves.
    let limits = Limits { capacity: 3, quantity_max: None, quantity_total: Some(5) };
    let e = |who, seq, status, quantity| HeldEntry { who, seq, status, quantity };
    let counters = Counters { arrivals: 4, confirmed: 2, quantity_confirmed: 4 };
    let waiting = [e(4u32, 4, EntryStatus::Waiting, 1), e(3, 3, EntryStatus::Waiting, 2)];
    let w = decide_withdrawal(&limits, counters, &e(1, 1, EntryStatus::Confirmed, 2), &waiting);
    assert_eq!(w.promoted, vec![3, 4], "in order of arrival, while they fit");
    assert_eq!(w.counters, Counters { arrivals: 4, confirmed: 3, quantity_confirmed: 5 });
    // With 1 box left, the person waiting for 2 holds back the one waiting for 1.
    let full = Counters { arrivals: 4, confirmed: 2, quantity_confirmed: 4 };
    let w = decide_withdrawal(&limits, full, &e(9, 9, EntryStatus::Waiting, 1), &waiting);
    assert!(w.promoted.is_empty() && !w.frees_place);
    assert_eq!(w.counters, full);
}

/// A quantity past its range is refused, and counters read from storage
/// that are already near the top of their type never overflow (a debug
/// build would panic): the ask is refused or waits, and nothing wraps.
#[test]
fn quantities_past_the_range_are_refused_and_counters_never_overflow() {
    use shouwang_domain::bounds::{Field, OutOfRange};
    let limits = Limits { capacity: 10, quantity_max: None, quantity_total: None };
    let ask = |who: u32, quantity: i32| JoinAsk { who, quantity, eligible: true, on_sheet: None };
    let d = decide_joins(&limits, Counters::default(), false, &[ask(1, i32::MAX), ask(2, 1)]);
    assert_eq!(d.outcomes[0], JoinOutcome::Refused(Refusal::OutOfRange(OutOfRange { field: Field::Quantity })));
    assert_eq!(d.outcomes[1], JoinOutcome::Confirmed { seq: 1 });
    assert_eq!(d.counters, Counters { arrivals: 1, confirmed: 1, quantity_confirmed: 1 });
    // Counters left at the top by an older version.
    let full = Counters { arrivals: 3, confirmed: 1, quantity_confirmed: i32::MAX };
    let d = decide_joins(&limits, full, false, &[ask(2, 1)]);
    assert!(matches!(d.outcomes[0], JoinOutcome::Refused(Refusal::OutOfRange(_))), "{:?}", d.outcomes);
    assert_eq!(d.counters, full, "nothing changed");
    let limits = Limits { quantity_total: Some(5), ..limits };
    let d = decide_joins(&limits, full, false, &[ask(2, 1)]);
    assert_eq!(d.outcomes[0], JoinOutcome::Waiting { seq: 4 }, "over the total: waits, without overflow");
    let last = Counters { arrivals: i32::MAX, confirmed: 1, quantity_confirmed: 1 };
    let d = decide_joins(&limits, last, false, &[ask(2, 1)]);
    assert!(matches!(d.outcomes[0], JoinOutcome::Refused(Refusal::OutOfRange(_))));
}

//! Duty rosters (SPEC §4.4): every rule over random posts and people, checked
//! by an independent recount; fairness; stand-down and refill; swaps; the
//! seed scenarios of 商一社区's gates and of "300 hours without relief"; and
//! the two languages.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use shouwang_domain::lang::Lang;
use shouwang_domain::roster::{
    AssignReason, Assignment, FatigueLimits, GapReason, PersonIn, Roster, ShiftIn, Violation, Warning, check,
    date_of_day, day_of, day_parts, generate, local_minutes, refill, reinstate, stand_down, swap,
};
use shouwang_domain::volunteer::{Availability, DayPart, Skill, SkillSet};
use time::macros::{date, datetime};

const H: i64 = 60;
const DAY: i64 = 24 * H;

// ---------------------------------------------------------------------------
// Helpers

/// 2022-04-01 00:00, Shanghai wall clock.
fn base() -> i64 {
    local_minutes(datetime!(2022-04-01 0:00))
}

fn person(key: u32) -> PersonIn {
    PersonIn {
        key,
        group: None,
        skills: SkillSet::empty(),
        availability: Availability::empty(),
        can_serve: true,
        already: vec![],
    }
}

fn medic(key: u32) -> PersonIn {
    PersonIn { skills: [Skill::Medical].into_iter().collect(), ..person(key) }
}

fn shift(key: u32, post: u32, start: i64, end: i64, needed: u16) -> ShiftIn {
    ShiftIn { key, post, start, end, needed, required_skill: None, group: None }
}

/// Deterministic shuffle (Fisher-Yates with splitmix64).
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        items.swap(i, (z % (i as u64 + 1)) as usize);
    }
}

/// The day part of one minute, written out plainly.
fn part_at(t: i64) -> DayPart {
    match t.rem_euclid(DAY) / H {
        6..=11 => DayPart::Morning,
        12..=17 => DayPart::Afternoon,
        18..=21 => DayPart::Evening,
        _ => DayPart::Night,
    }
}

/// Minutes per day of some intervals, day by day.
fn per_day(intervals: &[(i64, i64)]) -> BTreeMap<i64, i64> {
    let mut days = BTreeMap::new();
    for &(s, e) in intervals {
        for d in s.div_euclid(DAY)..=(e - 1).div_euclid(DAY) {
            let overlap = e.min((d + 1) * DAY) - s.max(d * DAY);
            if overlap > 0 {
                *days.entry(d).or_insert(0) += overlap;
            }
        }
    }
    days
}

/// Every hard rule, recounted from scratch without the library's helpers.
fn assert_rules(
    r: &Roster,
    shifts: &[ShiftIn],
    people: &[PersonIn],
    limits: &FatigueLimits,
) -> Result<(), TestCaseError> {
    let shift_of: BTreeMap<u32, &ShiftIn> = shifts.iter().map(|s| (s.key, s)).collect();
    let person_of: BTreeMap<u32, &PersonIn> = people.iter().map(|p| (p.key, p)).collect();
    let mut on_shift: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    let mut assigned: BTreeMap<u32, Vec<(i64, i64)>> = BTreeMap::new();
    for a in &r.assignments {
        let s = shift_of.get(&a.shift).copied();
        prop_assert!(s.is_some(), "unknown shift {}", a.shift);
        let s = s.expect("checked");
        let p = person_of.get(&a.person).copied();
        prop_assert!(p.is_some(), "unknown person {}", a.person);
        let p = p.expect("checked");
        prop_assert!(s.start < s.end, "invalid shift staffed");
        prop_assert_eq!((a.start, a.end, a.post), (s.start, s.end, s.post));
        prop_assert!(on_shift.entry(a.shift).or_default().insert(a.person), "{} twice on {}", a.person, a.shift);
        prop_assert!(p.can_serve, "{} cannot serve", a.person);
        prop_assert!(!r.stood_down.contains(&a.person), "{} is stood down", a.person);
        if let Some(skill) = s.required_skill {
            prop_assert!(p.skills.contains(skill), "{} lacks {skill:?}", a.person);
        }
        if !p.availability.is_empty() {
            for t in s.start..s.end {
                prop_assert!(p.availability.contains(part_at(t)), "{} not available at {t}", a.person);
            }
        }
        prop_assert!(!a.reasons.is_empty());
        assigned.entry(a.person).or_default().push((s.start, s.end));
    }
    for (shift, who) in &on_shift {
        prop_assert!(who.len() <= usize::from(shift_of[shift].needed), "shift {shift} over its headcount");
    }
    for (key, mine) in &assigned {
        let already: Vec<(i64, i64)> = person_of[key].already.iter().copied().filter(|(s, e)| s < e).collect();
        // Overlaps and rest, for every pair with at least one shift of the roster.
        let all: Vec<(i64, i64, bool)> =
            mine.iter().map(|&(s, e)| (s, e, true)).chain(already.iter().map(|&(s, e)| (s, e, false))).collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                if !(a.2 || b.2) {
                    continue;
                }
                prop_assert!(a.1 <= b.0 || b.1 <= a.0, "person {key}: {a:?} overlaps {b:?}");
                let rest = if a.1 <= b.0 { b.0 - a.1 } else { a.0 - b.1 };
                prop_assert!(rest >= i64::from(limits.min_rest_minutes), "person {key}: rest {rest} min");
            }
        }
        let both: Vec<(i64, i64)> = mine.iter().chain(&already).copied().collect();
        let days = per_day(&both);
        let touched: BTreeSet<i64> = per_day(mine).keys().copied().collect();
        for d in &touched {
            prop_assert!(days[d] <= i64::from(limits.max_day_minutes), "person {key}: {} min on day {d}", days[d]);
        }
        // Every 7-day window that holds a shift of the roster.
        let (lo, hi) = (touched.first().copied().unwrap_or(0), touched.last().copied().unwrap_or(0));
        for w in lo - 6..=hi {
            let week: i64 = days.range(w..w + 7).map(|(_, m)| m).sum();
            prop_assert!(week <= i64::from(limits.max_week_minutes), "person {key}: {week} min in the week from {w}");
        }
    }
    Ok(())
}

/// Headcount accounting: every place of a shift is taken or is in a gap.
fn assert_accounting(r: &Roster, shifts: &[ShiftIn]) -> Result<(), TestCaseError> {
    let mut gaps = BTreeSet::new();
    for s in shifts {
        let taken = r.on_shift(s.key).count();
        let open: usize = r.gaps.iter().filter(|g| g.shift == s.key).map(|g| usize::from(g.missing)).sum();
        prop_assert_eq!(taken + open, usize::from(s.needed), "shift {}", s.key);
        prop_assert!(gaps.insert(s.key) || open == 0);
    }
    for g in &r.gaps {
        prop_assert!(g.missing > 0);
    }
    Ok(())
}

/// Long days recounted: exactly the days with a shift of the roster over the line.
fn expected_long_days(r: &Roster, people: &[PersonIn], limits: &FatigueLimits) -> Vec<Warning> {
    let mut out = Vec::new();
    for p in people {
        let mine: Vec<(i64, i64)> = r.of_person(p.key).map(|a| (a.start, a.end)).collect();
        let both: Vec<(i64, i64)> =
            mine.iter().copied().chain(p.already.iter().copied().filter(|(s, e)| s < e)).collect();
        let days = per_day(&both);
        for d in per_day(&mine).keys() {
            if days[d] > i64::from(limits.warn_day_minutes) {
                out.push(Warning::LongDay {
                    day: *d,
                    person: p.key,
                    minutes: days[d] as u32,
                    warn: limits.warn_day_minutes,
                });
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------
// Random posts, shifts and people

#[derive(Debug, Clone)]
struct Scenario {
    shifts: Vec<ShiftIn>,
    people: Vec<PersonIn>,
    limits: FatigueLimits,
}

fn arb_limits() -> impl Strategy<Value = FatigueLimits> {
    (8u32..=12, 8u32..=16, 0u32..=10, 16u32..=60).prop_map(|(warn, max, rest, week)| FatigueLimits {
        warn_day_minutes: warn * 60,
        max_day_minutes: max * 60,
        min_rest_minutes: rest * 60,
        max_week_minutes: week * 60,
    })
}

fn pick_skill(v: u8) -> Option<Skill> {
    Skill::ALL.get(usize::from(v)).copied().filter(|_| v < 2)
}

fn arb_scenario() -> impl Strategy<Value = Scenario> {
    (1i64..=7, 1usize..=60, arb_limits(), -800i64..20_000).prop_flat_map(|(days, n, limits, base_day)| {
        let half_hours = days * 48;
        let shifts = prop::collection::vec((0u32..6, 0..half_hours, 0i64..=24, 0u16..=3, 0u8..8, 0u32..6), 0..=60);
        let people = prop::collection::vec(
            (0u32..6, 0u16..128, 0u16..16, 0u8..10, prop::collection::vec((-96..half_hours + 48, 0i64..=24), 0..3)),
            n,
        );
        (Just(limits), Just(base_day * DAY), shifts, people).prop_map(|(limits, base, shifts, people)| {
            let shifts = shifts
                .into_iter()
                .enumerate()
                .map(|(i, (post, at, len, needed, skill, group))| {
                    let start = base + at * 30;
                    ShiftIn {
                        key: i as u32 * 3 + 1,
                        post,
                        start,
                        end: start + len * 30,
                        needed,
                        required_skill: pick_skill(skill),
                        group: (group < 3).then_some(group),
                    }
                })
                .collect();
            let people = people
                .into_iter()
                .enumerate()
                .map(|(i, (group, skills, avail, serve, already))| PersonIn {
                    key: i as u32 * 7 + 2,
                    group: (group < 3).then_some(group),
                    skills: Skill::ALL.iter().copied().filter(|s| skills & (1 << *s as u16) != 0).collect(),
                    availability: DayPart::ALL.iter().copied().filter(|p| avail & (1 << *p as u16) != 0).collect(),
                    can_serve: serve != 0,
                    already: already.into_iter().map(|(at, len)| (base + at * 30, base + (at + len) * 30)).collect(),
                })
                .collect();
            Scenario { shifts, people, limits }
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn generated_rosters_keep_every_rule(sc in arb_scenario(), seed in any::<u64>()) {
        let r = generate(&sc.shifts, &sc.people, &sc.limits);
        assert_rules(&r, &sc.shifts, &sc.people, &sc.limits)?;
        assert_accounting(&r, &sc.shifts)?;
        prop_assert_eq!(check(&r, &sc.shifts, &sc.people, &sc.limits), vec![]);
        prop_assert_eq!(&r.warnings, &expected_long_days(&r, &sc.people, &sc.limits));

        // Hours: every person, by key, with what the roster gives them.
        prop_assert_eq!(r.hours.len(), sc.people.len());
        for h in &r.hours {
            let mine: i64 = r.of_person(h.person).map(|a| a.end - a.start).sum();
            prop_assert_eq!(i64::from(h.minutes), mine);
            prop_assert_eq!(h.shifts as usize, r.of_person(h.person).count());
        }

        // A gap's reason is true of the pool.
        for g in &r.gaps {
            let s = sc.shifts.iter().find(|s| s.key == g.shift).expect("gap of a known shift");
            let servers: Vec<&PersonIn> = sc.people.iter().filter(|p| p.can_serve).collect();
            match g.why {
                GapReason::InvalidTimes => prop_assert!(s.end <= s.start),
                GapReason::NobodyCanServe => prop_assert!(servers.is_empty()),
                GapReason::NoSkill { skill } => {
                    prop_assert_eq!(Some(skill), s.required_skill);
                    prop_assert!(servers.iter().all(|p| !p.skills.contains(skill)));
                }
                GapReason::NotAvailable | GapReason::TooFew { .. } | GapReason::Limits { .. } => {
                    prop_assert!(s.start < s.end && !servers.is_empty());
                }
                GapReason::StoodDown { .. } => prop_assert!(false, "no one was stood down"),
            }
        }

        // The same roster whatever the order of the input.
        let (mut shifts, mut people) = (sc.shifts.clone(), sc.people.clone());
        shuffle(&mut shifts, seed);
        shuffle(&mut people, seed.rotate_left(23));
        prop_assert_eq!(&generate(&shifts, &people, &sc.limits), &r);

        // Nothing more fits afterwards: refilling changes no assignment.
        prop_assert_eq!(&refill(&r, &sc.shifts, &sc.people, &sc.limits).assignments, &r.assignments);

        // And it survives JSON.
        let json = serde_json::to_string(&r).expect("serialise");
        prop_assert_eq!(&serde_json::from_str::<Roster>(&json).expect("deserialise"), &r);
    }

    #[test]
    fn stand_down_then_refill_never_brings_them_back(sc in arb_scenario(), pick in any::<prop::sample::Index>()) {
        let r = generate(&sc.shifts, &sc.people, &sc.limits);
        let who = sc.people[pick.index(sc.people.len())].key;
        let theirs: BTreeSet<u32> = r.of_person(who).map(|a| a.shift).collect();
        let (down, reopened) = stand_down(&r, who);
        prop_assert_eq!(down.of_person(who).count(), 0);
        prop_assert_eq!(reopened.iter().copied().collect::<BTreeSet<_>>(), theirs.clone());
        prop_assert_eq!(down.assignments.len(), r.assignments.len() - theirs.len());
        prop_assert_eq!(down.missing(), r.missing() + theirs.len() as u32);
        prop_assert!(down.stood_down.contains(&who));
        prop_assert_eq!(down.minutes_of(who), 0);
        assert_accounting(&down, &sc.shifts)?;
        prop_assert_eq!(check(&down, &sc.shifts, &sc.people, &sc.limits), vec![]);

        // The caller still lists them as able to serve: refill must not care.
        let again = refill(&down, &sc.shifts, &sc.people, &sc.limits);
        prop_assert_eq!(again.of_person(who).count(), 0);
        for a in &down.assignments {
            prop_assert!(again.assignments.contains(a), "refill dropped {a:?}");
        }
        assert_rules(&again, &sc.shifts, &sc.people, &sc.limits)?;
        assert_accounting(&again, &sc.shifts)?;
        prop_assert_eq!(check(&again, &sc.shifts, &sc.people, &sc.limits), vec![]);
        prop_assert!(again.gaps.iter().all(|g| !matches!(g.why, GapReason::StoodDown { .. })), "a gap still says stood down");
        for a in again.assignments.iter().filter(|a| !down.assignments.contains(a)) {
            prop_assert!(reopened.contains(&a.shift) || r.gaps.iter().any(|g| g.shift == a.shift));
        }
    }

    #[test]
    fn swaps_are_refused_exactly_when_they_break_a_rule(
        sc in arb_scenario(),
        tries in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..8),
    ) {
        let r = generate(&sc.shifts, &sc.people, &sc.limits);
        prop_assume!(!r.assignments.is_empty());
        for (a, b) in tries {
            let taken = &r.assignments[a.index(r.assignments.len())];
            let to = sc.people[b.index(sc.people.len())].key;
            // The same trade made by force, to judge the answer by.
            let mut forced = r.clone();
            for x in forced.assignments.iter_mut().filter(|x| x.shift == taken.shift && x.person == taken.person) {
                x.person = to;
            }
            let broken = check(&forced, &sc.shifts, &sc.people, &sc.limits);
            match swap(&r, &sc.shifts, &sc.people, &sc.limits, taken.shift, taken.person, to) {
                Ok(next) => {
                    prop_assert_eq!(&broken, &vec![]);
                    prop_assert_eq!(check(&next, &sc.shifts, &sc.people, &sc.limits), vec![]);
                    prop_assert!(next.on_shift(taken.shift).any(|x| x.person == to));
                    if to != taken.person {
                        prop_assert!(!next.on_shift(taken.shift).any(|x| x.person == taken.person));
                    }
                    prop_assert_eq!(next.assignments.len(), r.assignments.len());
                    prop_assert_eq!(&next.warnings, &expected_long_days(&next, &sc.people, &sc.limits));
                }
                Err(why) => {
                    prop_assert!(!broken.is_empty(), "refused {why:?} but nothing breaks");
                    prop_assert!(!why.describe(Lang::Zh).is_empty());
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Fairness

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// With ample interchangeable people, fewest-minutes-first keeps everyone
    /// within one shift of each other.
    #[test]
    fn the_load_spreads_within_one_shift(
        days in 1i64..=7,
        hours in prop::sample::select(vec![2i64, 3, 4, 6, 8]),
        posts in 1u32..=4,
        needed in 1u16..=3,
        spare in 0usize..20,
        seed in any::<u64>(),
    ) {
        let limits = FatigueLimits::default();
        let length = hours * H;
        let at_once = posts as usize * usize::from(needed);
        let blocked_slots = (i64::from(limits.min_rest_minutes) + length - 1) / length;
        let n = at_once * (blocked_slots as usize + 2) + spare;
        let mut shifts = Vec::new();
        for post in 0..posts {
            for slot in 0..days * DAY / length {
                let start = base() + slot * length;
                shifts.push(shift(shifts.len() as u32, post, start, start + length, needed));
            }
        }
        let mut people: Vec<PersonIn> = (0..n as u32).map(|k| person(k * 5 + 3)).collect();
        shuffle(&mut people, seed);
        let r = generate(&shifts, &people, &limits);
        prop_assert!(r.gaps.is_empty(), "{:?}", r.gaps.first());
        let minutes: Vec<u32> = r.hours.iter().map(|h| h.minutes).collect();
        let (lo, hi) = (minutes.iter().min().copied().unwrap_or(0), minutes.iter().max().copied().unwrap_or(0));
        prop_assert!(i64::from(hi - lo) <= length, "spread {lo}..{hi} with {length}-minute shifts");
    }
}

// ---------------------------------------------------------------------------
// Seed scenarios

/// 商一社区: 11 compound gates, 2 people each on 4-hour shifts round the clock
/// for 3 days, 90 volunteers in 10 groups, one in six of them daytime only.
/// (With 8 h of rest nobody can do two of 20-24, 00-04 and 04-08, so the
/// night alone needs 3 x 22 = 66 different people who can do nights.)
#[test]
fn shangyi_gates_are_covered_round_the_clock() {
    let limits = FatigueLimits::default();
    let mut shifts = Vec::new();
    for gate in 0..11u32 {
        for slot in 0..3 * 6 {
            let start = base() + slot * 4 * H;
            shifts.push(ShiftIn {
                group: Some(gate % 10),
                ..shift(gate * 100 + slot as u32, gate, start, start + 4 * H, 2)
            });
        }
    }
    let daytime: Availability = [DayPart::Morning, DayPart::Afternoon, DayPart::Evening].into_iter().collect();
    let people: Vec<PersonIn> = (0..90u32)
        .map(|k| PersonIn {
            group: Some(k / 9),
            availability: if k % 6 == 0 { daytime } else { Availability::all_day() },
            ..person(1000 + k)
        })
        .collect();
    let r = generate(&shifts, &people, &limits);
    assert!(r.gaps.is_empty(), "gaps: {:?}", r.gaps);
    assert_eq!(r.assignments.len(), 11 * 18 * 2);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(check(&r, &shifts, &people, &limits), vec![]);
    for p in &people {
        let mine: Vec<(i64, i64)> = r.of_person(p.key).map(|a| (a.start, a.end)).collect();
        for (day, minutes) in per_day(&mine) {
            assert!(minutes <= 12 * H, "{} works {minutes} min on day {day}", p.key);
        }
    }
    // Groups staff their own gates first: most places go to the group on duty.
    let own = r.assignments.iter().filter(|a| matches!(a.reasons[0], AssignReason::OnDutyGroup { .. })).count();
    assert!(own * 2 > r.assignments.len(), "only {own} places from the group on duty");
    // Nobody is left idle while others carry the load.
    let minutes: Vec<u32> = r.hours.iter().map(|h| h.minutes).collect();
    assert!(minutes.iter().all(|&m| m > 0), "{minutes:?}");
}

/// "300 hours without relief": one person, a post round the clock for two
/// weeks. They are capped; the rest are gaps with a limits reason.
#[test]
fn one_person_alone_is_capped_and_the_gaps_say_why() {
    let limits = FatigueLimits::default();
    let shifts: Vec<ShiftIn> =
        (0..14 * 6).map(|i| shift(i as u32, 1, base() + i * 4 * H, base() + (i + 1) * 4 * H, 1)).collect();
    let people = vec![person(7)];
    let r = generate(&shifts, &people, &limits);
    assert_eq!(check(&r, &shifts, &people, &limits), vec![]);
    let worked: i64 = r.assignments.iter().map(|a| a.end - a.start).sum();
    assert!(worked <= 2 * 60 * H, "{worked} min over two weeks");
    assert!(worked > 0);
    assert_eq!(r.missing() as usize, shifts.len() - r.assignments.len());
    for g in &r.gaps {
        match g.why {
            GapReason::Limits { busy, max_day, rest, max_week } => assert_eq!(busy + max_day + rest + max_week, 1),
            other => panic!("gap {} for {other:?}", g.shift),
        }
    }
    for (_, minutes) in per_day(&r.assignments.iter().map(|a| (a.start, a.end)).collect::<Vec<_>>()) {
        assert!(minutes <= 16 * H);
    }

    // Twelve-hour shifts: the weekly cap is what stops them.
    let long: Vec<ShiftIn> =
        (0..28).map(|i| shift(i as u32, 1, base() + 8 * H + i * 12 * H, base() + 20 * H + i * 12 * H, 1)).collect();
    let r = generate(&long, &people, &limits);
    assert_eq!(check(&r, &long, &people, &limits), vec![]);
    assert!(r.gaps.iter().any(|g| matches!(g.why, GapReason::Limits { max_week: 1, .. })), "{:?}", r.gaps);
    let first_week: i64 = r.assignments.iter().filter(|a| a.start < base() + 7 * DAY).map(|a| a.end - a.start).sum();
    assert_eq!(first_week, 60 * H);

    // Coming off 300 hours elsewhere: nothing more until the week allows it.
    let tired = PersonIn {
        already: (1..=25).map(|d| (base() - d * DAY + 8 * H, base() - d * DAY + 20 * H)).collect(),
        ..person(7)
    };
    let r = generate(&long[..2], std::slice::from_ref(&tired), &limits);
    assert!(r.assignments.is_empty());
    assert!(r.gaps.iter().all(|g| g.why == GapReason::Limits { busy: 0, max_day: 0, rest: 0, max_week: 1 }));
    assert!(r.gaps[0].why.describe(Lang::Zh).contains("每周上限"));
}

// ---------------------------------------------------------------------------
// Swaps

/// Shift 10 (08-12, medical) goes to 1; shift 20 (09-13) to 4.
fn swap_fixture() -> (Vec<ShiftIn>, Vec<PersonIn>, Roster) {
    let day = base();
    let shifts = vec![
        ShiftIn { required_skill: Some(Skill::Medical), ..shift(10, 1, day + 8 * H, day + 12 * H, 1) },
        shift(20, 2, day + 9 * H, day + 13 * H, 1),
    ];
    let people = vec![
        medic(1),
        PersonIn { already: vec![(day, day + 6 * H)], ..medic(2) },
        PersonIn { can_serve: false, ..medic(3) },
        medic(4),
        person(5),
        PersonIn { availability: [DayPart::Night].into_iter().collect(), ..medic(6) },
        PersonIn { already: (1..=5).map(|d| (day - d * DAY + 8 * H, day - d * DAY + 20 * H)).collect(), ..medic(7) },
        medic(8),
        PersonIn { already: vec![(day, day + 7 * H + 30), (day + 12 * H + 30, day + DAY)], ..medic(9) },
    ];
    let limits = FatigueLimits::default();
    let r = generate(&shifts, &people, &limits);
    assert_eq!(r.on_shift(10).map(|a| a.person).collect::<Vec<_>>(), vec![1]);
    assert_eq!(r.on_shift(20).map(|a| a.person).collect::<Vec<_>>(), vec![4]);
    (shifts, people, r)
}

#[test]
fn swap_refuses_what_breaks_a_rule() {
    let (shifts, people, r) = swap_fixture();
    let limits = FatigueLimits::default();
    let try_swap = |shift: u32, from: u32, to: u32| swap(&r, &shifts, &people, &limits, shift, from, to);
    let first_day = day_of(base());
    assert_eq!(
        try_swap(10, 1, 2),
        Err(Violation::ShortRest { person: 2, shift: 10, with: None, rest: 2 * 60, min: 8 * 60 })
    );
    assert_eq!(try_swap(10, 1, 3), Err(Violation::CannotServe { shift: 10, person: 3 }));
    assert_eq!(try_swap(10, 1, 4), Err(Violation::Overlap { person: 4, shift: 10, with: Some(20) }));
    assert_eq!(try_swap(10, 1, 5), Err(Violation::MissingSkill { shift: 10, person: 5, skill: Skill::Medical }));
    assert_eq!(try_swap(10, 1, 6), Err(Violation::NotAvailable { shift: 10, person: 6 }));
    assert_eq!(
        try_swap(10, 1, 7),
        Err(Violation::OverWeek { person: 7, first_day: first_day - 6, minutes: 64 * 60, max: 60 * 60 })
    );
    assert_eq!(
        try_swap(10, 1, 9),
        Err(Violation::OverDay { person: 9, day: first_day, minutes: 23 * 60, max: 16 * 60 })
    );
    assert_eq!(try_swap(20, 4, 1), Err(Violation::Overlap { person: 1, shift: 20, with: Some(10) }));
    assert_eq!(try_swap(10, 1, 42), Err(Violation::UnknownPerson { shift: 10, person: 42 }));
    assert_eq!(try_swap(10, 4, 8), Err(Violation::NotOnShift { shift: 10, person: 4 }));
    assert_eq!(try_swap(99, 1, 8), Err(Violation::UnknownShift { shift: 99 }));
    assert_eq!(try_swap(10, 1, 1), Ok(r.clone()));

    let (down, _) = stand_down(&r, 8);
    assert_eq!(swap(&down, &shifts, &people, &limits, 10, 1, 8), Err(Violation::StoodDown { shift: 10, person: 8 }));

    let next = try_swap(10, 1, 8).expect("8 is free and a medic");
    assert_eq!(next.on_shift(10).map(|a| a.person).collect::<Vec<_>>(), vec![8]);
    assert_eq!(
        next.on_shift(10).next().map(|a| a.reasons.clone()),
        Some(vec![AssignReason::SwappedIn { replaced: 1 }])
    );
    assert_eq!(check(&next, &shifts, &people, &limits), vec![]);
    assert_eq!((next.minutes_of(1), next.minutes_of(8)), (0, 4 * 60));
}

// ---------------------------------------------------------------------------
// Stand-down and refill

#[test]
fn a_person_stood_down_is_replaced() {
    let limits = FatigueLimits::default();
    let day = base();
    let shifts = vec![shift(1, 1, day + 8 * H, day + 12 * H, 2), shift(2, 1, day + 20 * H, day + 24 * H, 2)];
    let people = vec![person(1), person(2), person(3)];
    let r = generate(&shifts, &people, &limits);
    assert_eq!(r.on_shift(1).map(|a| a.person).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(r.on_shift(2).map(|a| a.person).collect::<Vec<_>>(), vec![1, 3]);

    let (down, reopened) = stand_down(&r, 1);
    assert_eq!(reopened, vec![1, 2]);
    assert_eq!(down.stood_down, vec![1]);
    assert!(down.gaps.iter().all(|g| g.why == GapReason::StoodDown { person: 1 } && g.missing == 1));

    let again = refill(&down, &shifts, &people, &limits);
    assert_eq!(again.on_shift(1).map(|a| a.person).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(again.on_shift(2).map(|a| a.person).collect::<Vec<_>>(), vec![2, 3]);
    let replacing = again.assignments.iter().filter(|a| a.reasons.contains(&AssignReason::Replaces { person: 1 }));
    assert_eq!(replacing.count(), 2);
    assert!(again.gaps.is_empty());
    assert_eq!(check(&again, &shifts, &people, &limits), vec![]);

    // Standing down the others leaves nobody: the gaps say so.
    let (down, _) = stand_down(&again, 2);
    let (down, _) = stand_down(&down, 3);
    let empty = refill(&down, &shifts, &people, &limits);
    assert!(empty.assignments.is_empty());
    assert!(empty.gaps.iter().all(|g| g.why == GapReason::NobodyCanServe && g.missing == 2));

    // Once reinstated, they can be asked again.
    let back = refill(&reinstate(&empty, 1), &shifts, &people, &limits);
    assert_eq!(back.of_person(1).count(), 2);
    assert_eq!(back.stood_down, vec![2, 3]);
}

// ---------------------------------------------------------------------------
// Smaller rules

#[test]
fn the_group_on_duty_goes_first() {
    let limits = FatigueLimits::default();
    let day = base();
    let shifts = vec![
        ShiftIn { group: Some(2), ..shift(1, 1, day + 8 * H, day + 12 * H, 1) },
        ShiftIn { group: Some(2), ..shift(2, 2, day + 8 * H, day + 12 * H, 1) },
    ];
    let people = vec![PersonIn { group: Some(1), ..person(1) }, PersonIn { group: Some(2), ..person(5) }];
    let r = generate(&shifts, &people, &limits);
    let first = r.on_shift(1).next().expect("filled");
    assert_eq!(first.person, 5);
    assert_eq!(first.reasons[0], AssignReason::OnDutyGroup { group: 2 });
    let second = r.on_shift(2).next().expect("filled");
    assert_eq!(second.person, 1);
    assert_eq!(second.reasons[0], AssignReason::FromOtherGroup { group: 2 });
}

#[test]
fn scarce_shifts_are_filled_first() {
    let limits = FatigueLimits::default();
    let day = base();
    let shifts = vec![
        shift(1, 1, day + 8 * H, day + 12 * H, 1),
        ShiftIn { required_skill: Some(Skill::Medical), ..shift(2, 2, day + 10 * H, day + 14 * H, 1) },
    ];
    // In time order the medic (lowest key) would take the gate at 8 and leave
    // the testing point at 10 without anyone.
    let people = vec![medic(1), person(2)];
    let r = generate(&shifts, &people, &limits);
    assert!(r.gaps.is_empty(), "{:?}", r.gaps);
    assert_eq!(r.on_shift(2).map(|a| a.person).collect::<Vec<_>>(), vec![1]);
    assert_eq!(r.on_shift(1).map(|a| a.person).collect::<Vec<_>>(), vec![2]);
}

#[test]
fn gaps_name_the_stage_where_the_pool_ran_dry() {
    let limits = FatigueLimits::default();
    let day = base();
    let morning = |key: u32| shift(key, 1, day + 8 * H, day + 12 * H, 1);
    let only = |s: ShiftIn, people: &[PersonIn]| generate(&[s], people, &limits).gaps[0].why;

    assert_eq!(only(shift(1, 1, day + 8 * H, day + 8 * H, 1), &[person(1)]), GapReason::InvalidTimes);
    assert_eq!(only(morning(1), &[PersonIn { can_serve: false, ..person(1) }]), GapReason::NobodyCanServe);
    assert_eq!(
        only(ShiftIn { required_skill: Some(Skill::Driving), ..morning(1) }, &[person(1)]),
        GapReason::NoSkill { skill: Skill::Driving }
    );
    let night_owl = PersonIn { availability: [DayPart::Night].into_iter().collect(), ..person(1) };
    assert_eq!(only(morning(1), &[night_owl]), GapReason::NotAvailable);
    assert_eq!(only(ShiftIn { needed: 2, ..morning(1) }, &[person(1)]), GapReason::TooFew { eligible: 1 });
    let busy = PersonIn { already: vec![(day + 10 * H, day + 11 * H)], ..person(1) };
    assert_eq!(only(morning(1), &[busy]), GapReason::Limits { busy: 1, max_day: 0, rest: 0, max_week: 0 });
    assert_eq!(generate(&[ShiftIn { needed: 0, ..morning(1) }], &[], &limits), Roster::default());
}

#[test]
fn a_shift_across_midnight_counts_in_both_days() {
    let limits = FatigueLimits { max_day_minutes: 10 * 60, ..FatigueLimits::default() };
    let day = base();
    let shifts = vec![shift(1, 1, day + 4 * H, day + 12 * H, 1), shift(2, 1, day + 20 * H, day + 28 * H, 1)];
    let people = vec![person(1)];
    let forced = Roster {
        assignments: shifts
            .iter()
            .map(|s| Assignment {
                shift: s.key,
                post: s.post,
                person: 1,
                start: s.start,
                end: s.end,
                reasons: vec![AssignReason::SwappedIn { replaced: 0 }],
            })
            .collect(),
        ..Roster::default()
    };
    let d = day_of(day);
    assert_eq!(
        check(&forced, &shifts, &people, &limits),
        vec![Violation::OverDay { person: 1, day: d, minutes: 12 * 60, max: 10 * 60 }]
    );
    // Generated, the night shift is refused on the first day's account.
    let r = generate(&shifts, &people, &limits);
    assert_eq!(r.on_shift(1).count(), 1);
    assert_eq!(r.gaps[0].why, GapReason::Limits { busy: 0, max_day: 1, rest: 0, max_week: 0 });
}

#[test]
fn a_long_day_is_warned_not_refused() {
    let limits = FatigueLimits::default();
    let day = base();
    let p = PersonIn { already: vec![(day, day + 10 * H)], ..person(1) };
    let r = generate(&[shift(1, 1, day + 18 * H, day + 22 * H, 1)], std::slice::from_ref(&p), &limits);
    assert_eq!(r.assignments.len(), 1);
    let w = Warning::LongDay { day: day_of(day), person: 1, minutes: 14 * 60, warn: 12 * 60 };
    assert_eq!(r.warnings, vec![w]);
    assert_eq!(w.describe(Lang::Zh), "志愿者1在2022年4月1日累计值班14小时，超过12小时提醒线，请注意休息");
    assert_eq!(w.describe(Lang::En), "volunteer 1 is on duty 14 h on 2022-04-01, over the 12 h warning line");
    assert_eq!(r.hours[0].already_minutes, 0, "the duty before the period does not count as in it");
}

#[test]
fn check_catches_hand_edits() {
    let (shifts, people, r) = swap_fixture();
    let limits = FatigueLimits::default();
    let mut edited = r.clone();
    let mut twice = edited.assignments[0].clone();
    edited.assignments.push(twice.clone());
    twice.person = 42;
    edited.assignments.push(twice.clone());
    twice.shift = 77;
    edited.assignments.push(twice);
    let found = check(&edited, &shifts, &people, &limits);
    assert_eq!(
        found,
        vec![
            Violation::UnknownShift { shift: 77 },
            Violation::UnknownPerson { shift: 10, person: 42 },
            Violation::AssignedTwice { shift: 10, person: 1 },
            Violation::OverStaffed { shift: 10, assigned: 3, needed: 1 },
        ]
    );
    // A volunteer who falls ill after the roster was made shows up too.
    let mut ill = people.clone();
    ill[0].can_serve = false;
    assert_eq!(check(&r, &shifts, &ill, &limits), vec![Violation::CannotServe { shift: 10, person: 1 }]);
}

#[test]
fn duplicate_keys_keep_the_first_and_say_so() {
    let limits = FatigueLimits::default();
    let day = base();
    let shifts = vec![shift(1, 1, day + 8 * H, day + 12 * H, 1), shift(1, 2, day, day + H, 5)];
    let people = vec![person(1), PersonIn { can_serve: false, ..person(1) }];
    let r = generate(&shifts, &people, &limits);
    assert_eq!(r.assignments.len(), 1);
    assert_eq!(r.assignments[0].post, 1);
    assert_eq!(r.warnings, vec![Warning::DuplicateShift { shift: 1 }, Warning::DuplicatePerson { person: 1 }]);
}

#[test]
fn time_helpers() {
    let day = base();
    assert_eq!(day, 19_083 * DAY);
    assert_eq!(date_of_day(day_of(day)), Some(date!(2022 - 04 - 01)));
    assert_eq!(day_of(-1), -1);
    assert_eq!(date_of_day(-1), Some(date!(1969 - 12 - 31)));
    let parts = |from: i64, to: i64| day_parts(day + from, day + to).iter().collect::<Vec<_>>();
    assert_eq!(parts(22 * H, 26 * H), vec![DayPart::Night]);
    assert_eq!(parts(20 * H, 24 * H), vec![DayPart::Evening, DayPart::Night]);
    assert_eq!(parts(5 * H, 7 * H), vec![DayPart::Morning, DayPart::Night]);
    assert_eq!(parts(12 * H, 18 * H), vec![DayPart::Afternoon]);
    assert_eq!(parts(0, 30 * H).len(), 4);
    assert!(parts(3 * H, 3 * H).is_empty());
    assert!(day_parts(-90, -30).contains(DayPart::Night));
}

#[test]
fn limits_default_and_read_partially() {
    let d = FatigueLimits::default();
    assert_eq!((d.warn_day_minutes, d.max_day_minutes, d.min_rest_minutes, d.max_week_minutes), (720, 960, 480, 3600));
    let read: FatigueLimits = serde_json::from_str(r#"{"max_week_minutes": 2400}"#).expect("json");
    assert_eq!(read, FatigueLimits { max_week_minutes: 2400, ..d });
}

#[test]
fn every_message_comes_in_both_languages() {
    let reasons = [
        GapReason::InvalidTimes,
        GapReason::NobodyCanServe,
        GapReason::NoSkill { skill: Skill::Medical },
        GapReason::NotAvailable,
        GapReason::Limits { busy: 1, max_day: 2, rest: 3, max_week: 4 },
        GapReason::TooFew { eligible: 2 },
        GapReason::StoodDown { person: 3 },
    ];
    let violations = [
        Violation::UnknownShift { shift: 1 },
        Violation::InvalidShift { shift: 1 },
        Violation::UnknownPerson { shift: 1, person: 2 },
        Violation::NotOnShift { shift: 1, person: 2 },
        Violation::AssignedTwice { shift: 1, person: 2 },
        Violation::OverStaffed { shift: 1, assigned: 3, needed: 2 },
        Violation::CannotServe { shift: 1, person: 2 },
        Violation::StoodDown { shift: 1, person: 2 },
        Violation::MissingSkill { shift: 1, person: 2, skill: Skill::Driving },
        Violation::NotAvailable { shift: 1, person: 2 },
        Violation::Overlap { person: 2, shift: 1, with: Some(3) },
        Violation::Overlap { person: 2, shift: 1, with: None },
        Violation::OverDay { person: 2, day: 19_083, minutes: 17 * 60, max: 16 * 60 },
        Violation::ShortRest { person: 2, shift: 1, with: None, rest: 90, min: 480 },
        Violation::OverWeek { person: 2, first_day: 19_083, minutes: 61 * 60, max: 60 * 60 },
    ];
    let warnings = [
        Warning::DuplicateShift { shift: 1 },
        Warning::DuplicatePerson { person: 2 },
        Warning::LongDay { day: 19_083, person: 2, minutes: 13 * 60 + 30, warn: 12 * 60 },
    ];
    let assign = [
        AssignReason::OnDutyGroup { group: 1 },
        AssignReason::FromOtherGroup { group: 1 },
        AssignReason::HasSkill { skill: Skill::Medical },
        AssignReason::FewestMinutes { minutes: 0 },
        AssignReason::Replaces { person: 1 },
        AssignReason::SwappedIn { replaced: 1 },
    ];
    let texts = reasons
        .iter()
        .map(|r| (r.describe(Lang::Zh), r.describe(Lang::En)))
        .chain(violations.iter().map(|v| (v.describe(Lang::Zh), v.describe(Lang::En))))
        .chain(warnings.iter().map(|w| (w.describe(Lang::Zh), w.describe(Lang::En))))
        .chain(assign.iter().map(|a| (a.describe(Lang::Zh), a.describe(Lang::En))));
    for (zh, en) in texts {
        assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
        assert!(en.is_ascii() && !en.is_empty(), "{en}");
    }
    assert_eq!(
        Violation::ShortRest { person: 2, shift: 1, with: None, rest: 90, min: 480 }.to_string(),
        "volunteer 2 rests only 1 h 30 min between shift 1 and a duty held already, less than 8 h"
    );
    assert_eq!(
        GapReason::Limits { busy: 0, max_day: 2, rest: 0, max_week: 1 }.describe(Lang::Zh),
        "其余人员受疲劳限制：2人当天将超过每日上限，1人将超过每周上限"
    );
}

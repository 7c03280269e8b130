//! Auto-grouping (SPEC §4.3): properties over random communities, the seed
//! scenario of 商一社区, infeasible pools, hand edits and the two languages.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use shouwang_domain::grouping::{
    CompoundIn, Distance, EditError, Exclusion, GroupRole, GroupingParams, Located, Notice, Problem, Proposal, Reason,
    VolunteerIn, propose,
};
use shouwang_domain::lang::Lang;
use shouwang_domain::volunteer::{DutyStatus, HealthStatus, Skill, SkillSet, VolunteerKind};

// ---------------------------------------------------------------------------
// Helpers

fn volunteer(key: u32, home: Option<u32>) -> VolunteerIn {
    VolunteerIn {
        key,
        name: format!("志愿者{key}"),
        home,
        kind: VolunteerKind::NearbyMember,
        skills: SkillSet::empty(),
        experienced: false,
        party_member: true,
        status: DutyStatus::Verified,
        health: HealthStatus::Active,
    }
}

fn compound(key: u32, name: &str, residents: u32) -> CompoundIn {
    CompoundIn {
        key,
        name: name.to_string(),
        residents,
        buildings: residents / 100,
        position: None,
        neighbours: vec![],
    }
}

fn has_key_skill(v: &VolunteerIn) -> bool {
    v.skills.contains(Skill::Medical) || v.skills.contains(Skill::Driving)
}

/// Every placement (groups and reserve) as volunteer keys, with repeats.
fn placed_keys(p: &Proposal) -> Vec<u32> {
    p.groups.iter().flat_map(|g| &g.members).chain(&p.reserve).map(|m| m.volunteer).collect()
}

fn eligible_keys(volunteers: &[VolunteerIn]) -> BTreeSet<u32> {
    volunteers.iter().filter(|v| v.status == DutyStatus::Verified && v.health.can_serve()).map(|v| v.key).collect()
}

/// The invariants every proposal keeps, feasible or not, edited or not.
fn assert_accounting(p: &Proposal, volunteers: &[VolunteerIn]) -> Result<(), TestCaseError> {
    let keys = placed_keys(p);
    let unique: BTreeSet<u32> = keys.iter().copied().collect();
    prop_assert_eq!(unique.len(), keys.len(), "someone placed twice");
    prop_assert_eq!(&unique, &eligible_keys(volunteers), "eligible placed exactly once, nobody else");
    let excluded: BTreeSet<u32> = p.excluded.iter().map(|e| e.volunteer).collect();
    prop_assert!(excluded.is_disjoint(&unique));
    prop_assert_eq!(excluded.len() + unique.len(), volunteers.len());
    for m in p.groups.iter().flat_map(|g| &g.members).chain(&p.reserve) {
        prop_assert!(!m.reasons.is_empty(), "placement without a reason: {m:?}");
    }
    Ok(())
}

/// Hard constraints of a feasible proposal.
fn assert_feasible_shape(p: &Proposal, compounds: &[CompoundIn]) -> Result<(), TestCaseError> {
    let a = p.applied;
    let mut covered = BTreeSet::new();
    for g in &p.groups {
        let others = g.members.len() - 1;
        prop_assert!(
            others >= usize::from(a.min_members) && others <= usize::from(a.max_members),
            "group size {others}"
        );
        prop_assert!(!g.compounds.is_empty() && g.compounds.len() <= usize::from(a.max_compounds));
        prop_assert_eq!(g.members[0].role, GroupRole::Leader);
        prop_assert_eq!(g.members.iter().filter(|m| m.role == GroupRole::Leader).count(), 1);
        prop_assert!(g.members.iter().filter(|m| m.role == GroupRole::Deputy).count() <= 1);
        covered.extend(g.compounds.iter().copied());
    }
    let all: BTreeSet<u32> = compounds.iter().map(|c| c.key).collect();
    prop_assert_eq!(covered, all, "every compound covered");
    prop_assert_eq!(p.check(compounds), vec![]);
    Ok(())
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

fn name_of(compounds: &[CompoundIn]) -> impl Fn(u32) -> String + '_ {
    move |k| compounds.iter().find(|c| c.key == k).map_or_else(|| k.to_string(), |c| c.name.clone())
}

// ---------------------------------------------------------------------------
// Random communities

#[derive(Debug, Clone)]
struct Community {
    compounds: Vec<CompoundIn>,
    volunteers: Vec<VolunteerIn>,
    params: GroupingParams,
}

fn arb_community() -> impl Strategy<Value = Community> {
    let compounds = prop::collection::vec(
        (
            0u32..3000,
            prop::option::weighted(0.5, (0.0f64..3000.0, 0.0f64..3000.0)),
            prop::collection::vec(0u32..25, 0..3),
        ),
        0..=25,
    );
    let statuses = prop_oneof![
        6 => Just(DutyStatus::Verified),
        1 => Just(DutyStatus::Reported),
        1 => Just(DutyStatus::Rejected),
        1 => Just(DutyStatus::Exempt),
    ];
    let health = prop_oneof![
        8 => Just(HealthStatus::Active),
        1 => Just(HealthStatus::Recovered),
        1 => Just(HealthStatus::Isolated),
        1 => Just(HealthStatus::Infected),
    ];
    let volunteers = prop::collection::vec(
        (
            prop::option::weighted(0.85, 0u32..28),
            0usize..VolunteerKind::ALL.len(),
            0u16..128,
            any::<bool>(),
            any::<bool>(),
            statuses,
            health,
        ),
        0..=200,
    );
    let params = (1u16..=12, 0u16..=5, 1u16..=3).prop_map(|(min, extra, mc)| GroupingParams {
        min_members: min,
        max_members: min + extra,
        max_compounds: mc,
    });
    (compounds, volunteers, params).prop_map(|(cs, vs, params)| {
        // Compound keys 100, 103, ...; a neighbour or home index past the end
        // names no compound (tests the "unknown" paths).
        let ckey = |i: u32| 100 + 3 * i;
        let compounds = cs
            .into_iter()
            .enumerate()
            .map(|(i, (residents, position, neighbours))| CompoundIn {
                key: ckey(i as u32),
                name: format!("小区{i}"),
                residents,
                buildings: residents / 80,
                position,
                neighbours: neighbours.into_iter().map(ckey).collect(),
            })
            .collect();
        let volunteers = vs
            .into_iter()
            .enumerate()
            .map(|(i, (home, kind, bits, experienced, party_member, status, health))| VolunteerIn {
                key: 7 + 5 * i as u32,
                name: format!("志愿者{i}"),
                home: home.map(ckey),
                kind: VolunteerKind::ALL[kind],
                skills: Skill::ALL.iter().copied().filter(|s| bits & (1 << *s as u16) != 0).collect(),
                experienced,
                party_member,
                status,
                health,
            })
            .collect();
        Community { compounds, volunteers, params }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn proposals_keep_the_rules(c in arb_community(), seed in any::<u64>()) {
        let p = propose(&c.compounds, &c.volunteers, c.params);
        assert_accounting(&p, &c.volunteers)?;
        prop_assert_eq!(p.requested, c.params);
        prop_assert_eq!(p.stats.eligible as usize, eligible_keys(&c.volunteers).len());
        prop_assert_eq!(p.stats.placed as usize, p.groups.iter().map(|g| g.members.len()).sum::<usize>());
        for (i, g) in p.groups.iter().enumerate() {
            prop_assert_eq!(g.number as usize, i + 1);
        }
        // Residents are split, never invented or lost.
        let covered: BTreeSet<u32> = p.groups.iter().flat_map(|g| g.compounds.iter().copied()).collect();
        let expected: u64 = c.compounds.iter().filter(|x| covered.contains(&x.key)).map(|x| u64::from(x.residents)).sum();
        prop_assert_eq!(p.groups.iter().map(|g| u64::from(g.residents)).sum::<u64>(), expected);

        if p.is_feasible() {
            prop_assert_eq!(p.applied, c.params);
            assert_feasible_shape(&p, &c.compounds)?;
        } else {
            prop_assert!(!p.notices.is_empty());
        }
        // Covering may have needed other parameters, but the shape holds for them.
        let uncovered = p.notices.iter().any(|n| matches!(
            n,
            Notice::CompoundsUncovered { .. } | Notice::NoVolunteers | Notice::NoCompounds
        ));
        if !uncovered {
            assert_feasible_shape(&p, &c.compounds)?;
        }

        // Same output after shuffling the inputs.
        let (mut cs, mut vs) = (c.compounds.clone(), c.volunteers.clone());
        shuffle(&mut cs, seed);
        shuffle(&mut vs, seed.rotate_left(17));
        prop_assert_eq!(&propose(&cs, &vs, c.params), &p);
    }

    #[test]
    fn key_skills_spread_where_the_pool_allows(c in arb_community()) {
        let p = propose(&c.compounds, &c.volunteers, c.params);
        let skilled: BTreeSet<u32> =
            c.volunteers.iter().filter(|v| has_key_skill(v)).map(|v| v.key).collect();
        let eligible_skilled = eligible_keys(&c.volunteers).intersection(&skilled).count();
        let lacking = p.groups.iter().filter(|g| !g.members.iter().any(|m| skilled.contains(&m.volunteer))).count();
        if eligible_skilled >= p.groups.len() {
            prop_assert_eq!(lacking, 0);
        }
        let noticed = p.notices.iter().any(|n| matches!(n, Notice::SkillLacking { .. }));
        prop_assert_eq!(noticed, lacking > 0);
    }

    #[test]
    fn hand_edits_keep_everyone_once(
        c in arb_community(),
        edits in prop::collection::vec((0u8..5, 0usize..400, 0usize..400, 0u32..30), 0..20),
    ) {
        let mut p = propose(&c.compounds, &c.volunteers, c.params);
        // Pick targets among all volunteers plus a few unknown keys.
        let mut keys: Vec<u32> = c.volunteers.iter().map(|v| v.key).collect();
        keys.extend([1, 2, 3]);
        let key = |i: usize| keys[i % keys.len()];
        for (op, a, b, group) in edits {
            let before = p.clone();
            let result = match op {
                0 => p.move_member(key(a), group),
                1 => p.swap(key(a), key(b)),
                2 => p.set_leader(group, key(a)),
                3 => p.set_deputy(group, key(a)),
                _ => p.to_reserve(key(a)),
            };
            if result.is_err() {
                prop_assert_eq!(&p, &before, "a failed edit changes nothing");
            }
            assert_accounting(&p, &c.volunteers)?;
            let broken = p.check(&c.compounds).into_iter().find(|x| {
                matches!(x, Problem::PlacedTwice { .. } | Problem::ExcludedPlaced { .. } | Problem::SeveralLeaders { .. })
            });
            prop_assert_eq!(broken, None);
            prop_assert_eq!(p.stats.placed as usize, p.groups.iter().map(|g| g.members.len()).sum::<usize>());
            for g in &p.groups {
                prop_assert!(g.members.iter().filter(|m| m.role == GroupRole::Deputy).count() <= 1);
                // A group with people always keeps a leader: a leaving leader hands over.
                if !g.members.is_empty() && before.groups.iter().any(|b| b.number == g.number && b.members.iter().any(|m| m.role == GroupRole::Leader)) {
                    prop_assert_eq!(g.members[0].role, GroupRole::Leader);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The seed: 商一社区, 11 compounds, 90 nearby members, 10 groups

const SHANGYI: [(&str, u32, u32); 11] = [
    ("云飞雅苑", 1200, 12),
    ("蓝天花园", 1100, 11),
    ("泛海城市广场", 1000, 10),
    ("商一小区", 950, 9),
    ("江汉花园", 900, 9),
    ("新华家园", 850, 8),
    ("银丰苑", 800, 8),
    ("金色华庭", 750, 7),
    ("常青花园", 650, 6),
    ("民意小区", 600, 6),
    ("万松园", 500, 4),
];

fn shangyi() -> (Vec<CompoundIn>, Vec<VolunteerIn>) {
    // Compounds on a 4 x 3 grid, 250 m apart, with positions.
    let compounds: Vec<CompoundIn> = SHANGYI
        .iter()
        .enumerate()
        .map(|(i, &(name, residents, _))| CompoundIn {
            position: Some(((i % 4) as f64 * 250.0, (i / 4) as f64 * 250.0)),
            ..compound(i as u32 + 1, name, residents)
        })
        .collect();
    let mut volunteers = Vec::new();
    let mut key = 1000;
    for (i, &(_, _, living)) in SHANGYI.iter().enumerate() {
        for _ in 0..living {
            let mut v = volunteer(key, Some(i as u32 + 1));
            // Every sixth has a key skill (15 in all), every eighth has led before.
            if key % 6 == 0 {
                v.skills.insert(if key % 12 == 0 { Skill::Medical } else { Skill::Driving });
            }
            v.experienced = key % 8 == 0;
            volunteers.push(v);
            key += 1;
        }
    }
    assert_eq!(volunteers.len(), 90);
    let mut exempt = volunteer(2000, Some(1));
    exempt.status = DutyStatus::Exempt;
    let mut exempt2 = volunteer(2001, Some(2));
    exempt2.status = DutyStatus::Exempt;
    let mut isolated = volunteer(2002, Some(3));
    isolated.health = HealthStatus::Isolated;
    let mut pending = volunteer(2003, Some(4));
    pending.status = DutyStatus::Reported;
    volunteers.extend([exempt, exempt2, isolated, pending]);
    (compounds, volunteers)
}

#[test]
fn shangyi_ninety_members_make_ten_groups() {
    let (compounds, volunteers) = shangyi();
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    assert!(p.is_feasible(), "{:?}", p.notices);
    assert_eq!(p.applied, GroupingParams::default());
    assert_eq!(p.groups.len(), 10);
    for g in &p.groups {
        assert_eq!(g.members.len(), 9, "leader + 8 members in group {}", g.number);
        assert_eq!(g.members[0].role, GroupRole::Leader);
        assert_eq!(g.members[1].role, GroupRole::Deputy);
        assert!((1..=2).contains(&g.compounds.len()));
    }
    assert!(p.reserve.is_empty());
    assert_eq!(p.check(&compounds), vec![]);
    let covered: BTreeSet<u32> = p.groups.iter().flat_map(|g| g.compounds.iter().copied()).collect();
    assert_eq!(covered.len(), 11);
    assert_eq!(p.groups.iter().map(|g| g.residents).sum::<u32>(), 9300);

    // Excluded, with why.
    let why: BTreeMap<u32, Exclusion> = p.excluded.iter().map(|e| (e.volunteer, e.why)).collect();
    assert_eq!(why[&2000], Exclusion::Exempt);
    assert_eq!(why[&2002], Exclusion::CannotServe);
    assert_eq!(why[&2003], Exclusion::NotVerified);

    // 15 people with a key skill: every group has one.
    let skilled: BTreeSet<u32> = volunteers.iter().filter(|v| has_key_skill(v)).map(|v| v.key).collect();
    assert!(skilled.len() >= 10);
    for g in &p.groups {
        assert!(g.members.iter().any(|m| skilled.contains(&m.volunteer)), "group {} lacks a key skill", g.number);
    }

    // Near home.
    let home_share = f64::from(p.stats.in_home_compound) / f64::from(p.stats.placed);
    assert!(home_share >= 0.8, "only {home_share:.2} in their home compound");
    assert_eq!(p.stats.placed, 90);
    assert_eq!(p.stats.without_home, 0);

    // Experienced people lead where there are any.
    let experienced: BTreeSet<u32> = volunteers.iter().filter(|v| v.experienced).map(|v| v.key).collect();
    for g in &p.groups {
        if g.members.iter().any(|m| experienced.contains(&m.volunteer)) {
            assert!(experienced.contains(&g.members[0].volunteer));
            assert!(g.members[0].reasons.contains(&Reason::LeaderExperienced));
        }
    }

    // Balanced: no group looks after more than twice the residents per head of another.
    assert!(p.stats.residents_per_volunteer_max <= 2.0 * p.stats.residents_per_volunteer_min, "{:?}", p.stats);
}

#[test]
fn shangyi_with_adjacency_only_is_as_good() {
    let (mut compounds, volunteers) = shangyi();
    // Same grid, but told as adjacency (right and down neighbours), no positions.
    for (i, c) in compounds.iter_mut().enumerate() {
        c.position = None;
        c.neighbours.clear();
        if i % 4 != 3 && i + 1 < 11 {
            c.neighbours.push(i as u32 + 2);
        }
        if i + 4 < 11 {
            c.neighbours.push(i as u32 + 5);
        }
    }
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    assert!(p.is_feasible());
    assert_eq!(p.groups.len(), 10);
    assert_eq!(p.check(&compounds), vec![]);
    assert!(f64::from(p.stats.in_home_compound) / 90.0 >= 0.8);
    // Whoever is not at home is a few compounds away at most: the big
    // compounds overflow into the small ones, nearest room first.
    for m in p.groups.iter().flat_map(|g| &g.members) {
        match &m.reasons[0] {
            Reason::HomeCompound { .. } => {}
            Reason::NearHome { distance, .. } | Reason::AwayFromHome { distance, .. } => {
                assert!(matches!(distance, Distance::Hops(1..=3)), "{}: {distance:?}", m.volunteer)
            }
            other => panic!("{} has no location reason: {other:?}", m.volunteer),
        }
    }
    // A merged pair covers adjacent compounds.
    for g in p.groups.iter().filter(|g| g.compounds.len() == 2) {
        let (a, b) = (g.compounds[0], g.compounds[1]);
        let ca = compounds.iter().find(|c| c.key == a).expect("known");
        let cb = compounds.iter().find(|c| c.key == b).expect("known");
        assert!(ca.neighbours.contains(&b) || cb.neighbours.contains(&a), "{a} and {b} are not adjacent");
    }
}

#[test]
fn why_is_x_in_group_3() {
    let (compounds, volunteers) = shangyi();
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    let names = name_of(&compounds);
    let g = &p.groups[2];
    let leader = g.members[0].volunteer;
    assert_eq!(p.locate(leader), Some(Located::Group { number: 3, role: GroupRole::Leader }));
    let zh = p.explain(leader, Lang::Zh, &names).expect("placed");
    let en = p.explain(leader, Lang::En, &names).expect("placed");
    assert!(zh.starts_with("第3组组长："), "{zh}");
    assert!(en.starts_with("group 3, leader: "), "{en}");
    assert_eq!(p.locate(2000), Some(Located::Excluded { why: Exclusion::Exempt }));
    assert_eq!(p.locate(99_999), None);
}

// ---------------------------------------------------------------------------
// Infeasible and awkward pools

fn eleven_compounds() -> Vec<CompoundIn> {
    SHANGYI.iter().enumerate().map(|(i, &(name, residents, _))| compound(i as u32 + 1, name, residents)).collect()
}

#[test]
fn five_people_for_eleven_compounds() {
    let compounds = eleven_compounds();
    let volunteers: Vec<VolunteerIn> = (0..5).map(|i| volunteer(i, Some(i % 11 + 1))).collect();
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    assert!(!p.is_feasible());
    assert_ne!(p.applied, p.requested);
    assert!(
        p.notices.iter().any(|n| matches!(n, Notice::PoolTooSmall { eligible: 5, needed: 54, .. })),
        "{:?}",
        p.notices
    );
    let uncovered = p.notices.iter().find_map(|n| match n {
        Notice::CompoundsUncovered { compounds } => Some(compounds.clone()),
        _ => None,
    });
    let uncovered = uncovered.expect("uncovered compounds are reported");
    // One group of all five, covering what it can; the rest are reported.
    assert_eq!(p.groups.len(), 1);
    assert_eq!(p.groups[0].members.len(), 5);
    assert!(p.groups[0].compounds.len() <= usize::from(p.applied.max_compounds));
    assert_eq!(uncovered.len() + p.groups[0].compounds.len(), 11);
    // The largest compound is among the covered.
    assert!(p.groups[0].compounds.contains(&1));
    let problems = p.check(&compounds);
    assert_eq!(problems.iter().filter(|x| matches!(x, Problem::CompoundUncovered { .. })).count(), uncovered.len());
    assert!(!problems.iter().any(|x| matches!(x, Problem::GroupTooSmall { .. })), "{problems:?}");
}

#[test]
fn forty_people_for_eleven_compounds_take_smaller_groups() {
    let compounds = eleven_compounds();
    let volunteers: Vec<VolunteerIn> = (0..40).map(|i| volunteer(i, Some(i % 11 + 1))).collect();
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    // 6 groups are needed for 11 compounds; 40 people make 6 groups of 6-7.
    let alternative = GroupingParams { min_members: 5, max_members: 10, max_compounds: 2 };
    assert_eq!(p.applied, alternative);
    assert!(p.notices.contains(&Notice::PoolTooSmall { eligible: 40, needed: 54, alternative }));
    assert!(!p.notices.iter().any(|n| matches!(n, Notice::CompoundsUncovered { .. })));
    assert_eq!(p.groups.len(), 6);
    assert_eq!(p.check(&compounds), vec![]);
    assert!(p.reserve.is_empty());
}

#[test]
fn twenty_people_for_eleven_compounds_cover_more_compounds_per_group() {
    let compounds = eleven_compounds();
    let volunteers: Vec<VolunteerIn> = (0..20).map(|i| volunteer(i, Some(i % 11 + 1))).collect();
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    // Groups of 5 (the floor) need 6 groups = 30 people at 2 compounds each; at 3, 4 groups = 20.
    assert_eq!(p.applied, GroupingParams { min_members: 4, max_members: 10, max_compounds: 3 });
    assert_eq!(p.groups.len(), 4);
    assert_eq!(p.check(&compounds), vec![]);
}

#[test]
fn twelve_people_between_group_counts_leave_a_surplus_in_reserve() {
    // 12 people, groups of 9..=11: one group is too few, two are too many.
    // Documented choice: keep the bounds; the surplus waits in reserve.
    let compounds = vec![compound(1, "云飞雅苑", 1200)];
    let mut volunteers: Vec<VolunteerIn> = (0..11).map(|i| volunteer(i, Some(1))).collect();
    volunteers.push(volunteer(11, None));
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    assert!(p.is_feasible());
    assert_eq!(p.applied, GroupingParams::default());
    assert_eq!(p.groups.len(), 1);
    assert_eq!(p.groups[0].members.len(), 11);
    assert_eq!(p.reserve.len(), 1);
    // The one without a home address is the one kept back.
    assert_eq!(p.reserve[0].volunteer, 11);
    assert!(p.reserve[0].reasons.contains(&Reason::Surplus));
    assert!(p.notices.contains(&Notice::Surplus { count: 1 }));
    assert_eq!(p.check(&compounds), vec![]);
}

#[test]
fn many_volunteers_few_compounds_share_the_big_one() {
    let compounds = vec![compound(1, "泛海城市广场", 3000), compound(2, "万松园", 500)];
    let volunteers: Vec<VolunteerIn> = (0..60).map(|i| volunteer(i, Some(if i < 50 { 1 } else { 2 }))).collect();
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    assert!(p.is_feasible());
    assert_eq!(p.groups.len(), 6);
    let on_big = p.groups.iter().filter(|g| g.compounds == vec![1]).count();
    assert_eq!(on_big, 5);
    assert!(p.notices.iter().any(|n| matches!(n, Notice::SharedCompound { compound: 1, groups } if groups.len() == 5)));
    // 3000 residents split five ways, total preserved.
    let shares: Vec<u32> = p.groups.iter().filter(|g| g.compounds == vec![1]).map(|g| g.residents).collect();
    assert_eq!(shares, vec![600; 5]);
    assert_eq!(p.check(&compounds), vec![]);
}

#[test]
fn empty_inputs_give_empty_groups_and_a_notice() {
    let p = propose(&[], &[volunteer(1, None)], GroupingParams::default());
    assert!(p.groups.is_empty());
    assert!(p.notices.contains(&Notice::NoCompounds));
    assert_eq!(p.reserve.len(), 1);
    assert_eq!(p.reserve[0].reasons, vec![Reason::NoCompoundToCover]);

    let compounds = eleven_compounds();
    let mut exempt = volunteer(1, Some(1));
    exempt.status = DutyStatus::Exempt;
    let p = propose(&compounds, &[exempt], GroupingParams::default());
    assert!(p.groups.is_empty());
    assert!(p.notices.contains(&Notice::NoVolunteers));
    assert_eq!(p.excluded.len(), 1);
    assert_eq!(p.check(&compounds).len(), 11);

    let p = propose(&[], &[], GroupingParams::default());
    assert!(p.groups.is_empty() && p.reserve.is_empty());
}

#[test]
fn contradictory_params_are_made_consistent() {
    let compounds = vec![compound(1, "云飞雅苑", 900)];
    let volunteers: Vec<VolunteerIn> = (0..10).map(|i| volunteer(i, Some(1))).collect();
    let asked = GroupingParams { min_members: 9, max_members: 3, max_compounds: 0 };
    let p = propose(&compounds, &volunteers, asked);
    assert_eq!(p.applied, GroupingParams { min_members: 9, max_members: 9, max_compounds: 1 });
    assert!(p.notices.iter().any(|n| matches!(n, Notice::ParamsAdjusted { .. })));
    assert_eq!(p.groups.len(), 1);
    assert_eq!(p.check(&compounds), vec![]);
}

#[test]
fn duplicate_keys_and_unknown_homes_are_reported() {
    let compounds = vec![compound(1, "云飞雅苑", 900), compound(1, "云飞雅苑", 900)];
    let mut volunteers: Vec<VolunteerIn> = (0..9).map(|i| volunteer(i, Some(1))).collect();
    volunteers.push(volunteer(3, Some(1)));
    volunteers.push(volunteer(50, Some(77)));
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    assert!(p.notices.contains(&Notice::DuplicateCompounds { compounds: vec![1] }));
    assert!(p.notices.contains(&Notice::DuplicateVolunteers { volunteers: vec![3] }));
    assert!(p.notices.contains(&Notice::UnknownHome { volunteers: vec![50] }));
    assert_eq!(p.stats.eligible, 10);
    assert_eq!(p.stats.without_home, 1);
}

#[test]
fn leader_order_experience_then_kind_then_party() {
    let compounds = vec![compound(1, "云飞雅苑", 900)];
    let mut volunteers: Vec<VolunteerIn> = (0..9).map(|i| volunteer(i, Some(1))).collect();
    for v in &mut volunteers {
        v.kind = VolunteerKind::ResidentVolunteer;
        v.party_member = false;
    }
    volunteers[5].party_member = true;
    volunteers[7].kind = VolunteerKind::SocialWorker;
    volunteers[8].kind = VolunteerKind::DeployedCadre;
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    let g = &p.groups[0];
    assert_eq!((g.members[0].volunteer, g.members[1].volunteer), (8, 7));
    assert!(g.members[0].reasons.contains(&Reason::LeaderByKind { volunteer_kind: VolunteerKind::DeployedCadre }));
    assert!(g.members[1].reasons.contains(&Reason::DeputyNext));

    volunteers[2].experienced = true;
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    assert_eq!(p.groups[0].members[0].volunteer, 2);
    assert_eq!(p.groups[0].members[1].volunteer, 8);

    // All equal: lowest key, said so.
    let plain: Vec<VolunteerIn> = (0..9)
        .map(|i| VolunteerIn { kind: VolunteerKind::ResidentVolunteer, party_member: false, ..volunteer(i, None) })
        .collect();
    let p = propose(&compounds, &plain, GroupingParams::default());
    assert_eq!(p.groups[0].members[0].volunteer, 0);
    assert!(p.groups[0].members[0].reasons.contains(&Reason::LeaderByOrder));
}

// ---------------------------------------------------------------------------
// Hand edits

fn two_groups() -> (Vec<CompoundIn>, Proposal) {
    let compounds = vec![compound(1, "云飞雅苑", 900), compound(2, "蓝天花园", 900)];
    let mut volunteers: Vec<VolunteerIn> = (0..20).map(|i| volunteer(i, Some(if i < 10 { 1 } else { 2 }))).collect();
    volunteers[0].experienced = true;
    volunteers[10].experienced = true;
    let mut exempt = volunteer(99, Some(1));
    exempt.status = DutyStatus::Exempt;
    volunteers.push(exempt);
    let p = propose(&compounds, &volunteers, GroupingParams { min_members: 8, max_members: 10, max_compounds: 1 });
    (compounds, p)
}

#[test]
fn move_member_between_groups_and_from_reserve() {
    let (compounds, mut p) = two_groups();
    assert_eq!(p.groups.len(), 2);
    assert_eq!((p.groups[0].members.len(), p.groups[1].members.len()), (10, 10));
    assert_eq!(p.groups[0].members[0].volunteer, 0);

    p.move_member(5, 2).expect("move");
    let moved = p.groups[1].members.iter().find(|m| m.volunteer == 5).expect("in group 2");
    assert_eq!(moved.role, GroupRole::Member);
    assert_eq!(moved.reasons, vec![Reason::MovedByHand, Reason::Home { compound: 1 }]);
    assert_eq!(p.stats.in_home_compound, 19);
    assert_eq!(p.check(&compounds), vec![]);

    // Moving the leader hands group 1 to its deputy.
    let deputy = p.groups[0].members[1].volunteer;
    p.move_member(0, 2).expect("move leader");
    assert_eq!(p.groups[0].members[0].volunteer, deputy);
    assert_eq!(p.groups[0].members[0].role, GroupRole::Leader);
    assert!(p.groups[0].members[0].reasons.contains(&Reason::Promoted));
    assert_eq!(p.groups[0].members.len(), 8);
    assert_eq!(
        p.check(&compounds),
        vec![
            Problem::GroupTooSmall { group: 1, size: 7, min: 8 },
            Problem::GroupTooLarge { group: 2, size: 11, max: 10 },
        ]
    );

    // Back home, and into and out of the reserve.
    p.move_member(5, 1).expect("move back");
    let back = p.groups[0].members.iter().find(|m| m.volunteer == 5).expect("in group 1");
    assert_eq!(back.reasons, vec![Reason::MovedByHand, Reason::HomeCompound { compound: 1 }]);
    p.to_reserve(12).expect("to reserve");
    assert_eq!(p.reserve.len(), 1);
    assert_eq!(p.to_reserve(12), Err(EditError::AlreadyInReserve(12)));
    p.move_member(12, 1).expect("from reserve");
    assert!(p.reserve.is_empty());
}

#[test]
fn swap_exchanges_places_and_roles() {
    let (compounds, mut p) = two_groups();
    let leader1 = p.groups[0].members[0].volunteer;
    let member2 = p.groups[1].members[5].volunteer;
    p.swap(leader1, member2).expect("swap");
    assert_eq!(p.groups[0].members[0].volunteer, member2);
    assert_eq!(p.groups[0].members[0].role, GroupRole::Leader);
    assert!(p.groups[0].members[0].reasons.contains(&Reason::RoleByHand { role: GroupRole::Leader }));
    assert!(p.groups[1].members.iter().any(|m| m.volunteer == leader1 && m.role == GroupRole::Member));
    assert_eq!(p.check(&compounds), vec![]);

    // Within one group: roles change hands.
    let (a, b) = (p.groups[1].members[0].volunteer, p.groups[1].members[4].volunteer);
    p.swap(a, b).expect("swap in group");
    assert_eq!(p.groups[1].members[0].volunteer, b);
    assert_eq!(p.swap(a, 12_345), Err(EditError::UnknownVolunteer(12_345)));
    assert_eq!(p.swap(99, a), Err(EditError::NotEligible(99)));
}

#[test]
fn set_leader_and_deputy() {
    let (compounds, mut p) = two_groups();
    let old = p.groups[0].members[0].volunteer;
    let new = p.groups[0].members[6].volunteer;
    p.set_leader(1, new).expect("set leader");
    assert_eq!(p.groups[0].members[0].volunteer, new);
    let demoted = p.groups[0].members.iter().find(|m| m.volunteer == old).expect("still in group");
    assert_eq!(demoted.role, GroupRole::Member);
    assert!(!demoted.reasons.iter().any(|r| matches!(r, Reason::LeaderExperienced)));

    p.set_deputy(1, old).expect("set deputy");
    assert_eq!(p.groups[0].members[1].volunteer, old);
    assert_eq!(p.groups[0].members.iter().filter(|m| m.role == GroupRole::Deputy).count(), 1);
    assert_eq!(p.set_deputy(1, new), Err(EditError::IsLeader { volunteer: new, group: 1 }));
    assert_eq!(p.check(&compounds), vec![]);

    let in_two = p.groups[1].members[3].volunteer;
    assert_eq!(p.set_leader(1, in_two), Err(EditError::NotInGroup { volunteer: in_two, group: 1 }));
    assert_eq!(p.set_leader(9, in_two), Err(EditError::UnknownGroup(9)));
    assert_eq!(p.move_member(in_two, 2), Err(EditError::AlreadyInGroup { volunteer: in_two, group: 2 }));
    assert_eq!(p.move_member(4242, 1), Err(EditError::UnknownVolunteer(4242)));
    assert_eq!(p.move_member(99, 1), Err(EditError::NotEligible(99)));
    assert_eq!(p.to_reserve(4242), Err(EditError::UnknownVolunteer(4242)));
}

// ---------------------------------------------------------------------------
// Two languages

fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn describe_speaks_chinese_and_english() {
    let compounds = eleven_compounds();
    let names = name_of(&compounds);
    let r = Reason::HomeCompound { compound: 1 };
    assert_eq!(r.describe(Lang::Zh, &names), "住在云飞雅苑，本组负责该小区");
    assert_eq!(r.describe(Lang::En, &names), "lives in 云飞雅苑, which this group covers");
    let r = Reason::NearHome { home: 1, compound: 2, distance: Distance::Metres(250) };
    assert!(r.describe(Lang::Zh, &names).contains("约250米"));
    assert!(r.describe(Lang::En, &names).contains("about 250 m"));
    assert!(!has_han(&Reason::Surplus.describe(Lang::En, &names)));
    assert!(has_han(&Reason::Surplus.describe(Lang::Zh, &names)));

    let n = Notice::PoolTooSmall { eligible: 5, needed: 54, alternative: GroupingParams::default() };
    assert!(n.describe(Lang::Zh, &names).contains("只有5人"));
    assert!(n.describe(Lang::En, &names).starts_with("only 5 volunteers"));
    let n = Notice::SharedCompound { compound: 3, groups: vec![1, 2] };
    assert_eq!(n.describe(Lang::Zh, &names), "泛海城市广场较大，由第1、2组共同负责");
    assert_eq!(n.describe(Lang::En, &names), "泛海城市广场 is large and is shared by groups 1, 2");

    assert_eq!(Exclusion::Exempt.describe(Lang::Zh), "免于编组");
    assert_eq!(Exclusion::CannotServe.describe(Lang::En), "isolated or infected; cannot serve now");
    let e = EditError::NotInGroup { volunteer: 7, group: 3 };
    assert_eq!(e.describe(Lang::Zh), "志愿者7不在第3组");
    assert_eq!(e.describe(Lang::En), "volunteer 7 is not in group 3");
    assert_eq!(e.to_string(), "volunteer 7 is not in group 3");
    let pr = Problem::CompoundUncovered { compound: 11 };
    assert_eq!(pr.describe(Lang::Zh, &names), "万松园没有小组负责");
    assert_eq!(pr.describe(Lang::En, &names), "no group covers 万松园");

    // Every reason of a real proposal reads in both languages.
    let (compounds, volunteers) = shangyi();
    let names = name_of(&compounds);
    let p = propose(&compounds, &volunteers, GroupingParams::default());
    for m in p.groups.iter().flat_map(|g| &g.members) {
        for r in &m.reasons {
            assert!(has_han(&r.describe(Lang::Zh, &names)));
            let en = r.describe(Lang::En, &names);
            assert!(en.is_ascii() || en.contains("lives in"), "{en}");
        }
    }
}

#[test]
fn proposal_round_trips_through_json() {
    let (compounds, volunteers) = shangyi();
    let mut p = propose(&compounds, &volunteers, GroupingParams::default());
    let leader = p.groups[0].members[0].volunteer;
    p.move_member(leader, 2).expect("move");
    let json = serde_json::to_string(&p).expect("serialize");
    assert!(json.contains(r#""kind":"home_compound""#), "{json}");
    assert!(json.contains(r#""role":"leader""#));
    let mut back: Proposal = serde_json::from_str(&json).expect("deserialize");
    // serde_json's default float parsing may differ in the last bit.
    assert!((back.stats.residents_per_volunteer_mean - p.stats.residents_per_volunteer_mean).abs() < 1e-9);
    back.stats = p.stats.clone();
    assert_eq!(back, p);
    let far = Reason::AwayFromHome { home: 1, compound: 2, distance: Distance::Hops(3) };
    let json = serde_json::to_string(&far).expect("serialize");
    assert_eq!(json, r#"{"kind":"away_from_home","home":1,"compound":2,"distance":{"unit":"hops","value":3}}"#);
    let kind = Reason::LeaderByKind { volunteer_kind: VolunteerKind::NearbyMember };
    let back: Reason = serde_json::from_str(&serde_json::to_string(&kind).expect("serialize")).expect("deserialize");
    assert_eq!(back, kind);
}

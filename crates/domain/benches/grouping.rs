//! Auto-grouping for a whole city (SPEC §6: 300,000 volunteers in 6,000
//! communities in under 5 s). Builds a deterministic synthetic city, then
//! times `propose` over every community on one thread and prints what came
//! out of it.
//!
//! Run: `cargo bench -p shouwang-domain --bench grouping`

use std::hint::black_box;
use std::time::Instant;

use shouwang_domain::grouping::{CompoundIn, GroupingParams, Proposal, VolunteerIn, propose};
use shouwang_domain::volunteer::{DutyStatus, HealthStatus, Skill, SkillSet, VolunteerKind};

const COMMUNITIES: usize = 6_000;
const VOLUNTEERS: usize = 300_000;

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

struct Community {
    compounds: Vec<CompoundIn>,
    volunteers: Vec<VolunteerIn>,
}

/// Sizes between 10 and 150, mean 50, summing to exactly `VOLUNTEERS`.
fn community_sizes(rng: &mut Rng) -> Vec<usize> {
    let mut sizes: Vec<usize> =
        (0..COMMUNITIES).map(|_| (10.0 + -(1.0 - rng.unit()).ln() * 40.0).min(150.0) as usize).collect();
    let mut total: usize = sizes.iter().sum();
    while total != VOLUNTEERS {
        let i = rng.below(COMMUNITIES as u64) as usize;
        if total < VOLUNTEERS && sizes[i] < 150 {
            sizes[i] += 1;
            total += 1;
        } else if total > VOLUNTEERS && sizes[i] > 10 {
            sizes[i] -= 1;
            total -= 1;
        }
    }
    sizes
}

fn build_community(rng: &mut Rng, index: usize, size: usize) -> Community {
    // Roughly one compound per 8-9 volunteers, 1..=20 (so that most, not
    // all, communities have enough people to cover every compound).
    let count = (size / 9 + rng.below(2) as usize).clamp(1, 20);
    let with_positions = index.is_multiple_of(2);
    let layout: Vec<(f64, f64)> = (0..count).map(|_| (rng.unit() * 1500.0, rng.unit() * 1500.0)).collect();
    let mut compounds: Vec<CompoundIn> = (0..count)
        .map(|i| {
            let residents = 200 + rng.below(2300) as u32;
            CompoundIn {
                key: i as u32 + 1,
                name: format!("小区{index}-{i}"),
                residents,
                buildings: residents / 90 + 1,
                position: with_positions.then_some(layout[i]),
                neighbours: Vec::new(),
            }
        })
        .collect();
    if !with_positions {
        // Adjacency as a committee would mark it: each compound's two nearest.
        for i in 0..count {
            let mut others: Vec<(f64, usize)> = (0..count)
                .filter(|&j| j != i)
                .map(|j| ((layout[i].0 - layout[j].0).hypot(layout[i].1 - layout[j].1), j))
                .collect();
            others.sort_by(|a, b| a.0.total_cmp(&b.0));
            compounds[i].neighbours = others.iter().take(2).map(|&(_, j)| j as u32 + 1).collect();
        }
    }
    let total_residents: u64 = compounds.iter().map(|c| u64::from(c.residents)).sum();

    let kinds = [
        (VolunteerKind::NearbyMember, 0.45),
        (VolunteerKind::DeployedCadre, 0.15),
        (VolunteerKind::ResidentVolunteer, 0.25),
        (VolunteerKind::ConvertedStaff, 0.08),
        (VolunteerKind::SocialWorker, 0.05),
        (VolunteerKind::Deputy, 0.02),
    ];
    let volunteers = (0..size)
        .map(|k| {
            // Homes mostly inside, in proportion to residents.
            let home = if rng.chance(0.9) {
                let mut pick = rng.below(total_residents);
                compounds
                    .iter()
                    .find(|c| {
                        let inside = pick < u64::from(c.residents);
                        pick = pick.saturating_sub(u64::from(c.residents));
                        inside
                    })
                    .map(|c| c.key)
            } else if rng.chance(0.5) {
                None
            } else {
                Some(9_999) // lives outside the community
            };
            let mut skills = SkillSet::empty();
            if rng.chance(0.15) {
                skills.insert(if rng.chance(0.4) { Skill::Medical } else { Skill::Driving });
            }
            if rng.chance(0.1) {
                skills.insert(Skill::It);
            }
            let mut roll = rng.unit();
            let kind = kinds
                .iter()
                .find(|(_, p)| {
                    roll -= p;
                    roll < 0.0
                })
                .map_or(VolunteerKind::ResidentVolunteer, |(k, _)| *k);
            let status = match rng.below(100) {
                0..85 => DutyStatus::Verified,
                85..92 => DutyStatus::Exempt,
                92..97 => DutyStatus::Reported,
                _ => DutyStatus::Rejected,
            };
            let health = match rng.below(1000) {
                0..15 => HealthStatus::Isolated,
                15..20 => HealthStatus::Infected,
                20..50 => HealthStatus::Recovered,
                _ => HealthStatus::Active,
            };
            VolunteerIn {
                key: k as u32,
                name: format!("志愿者{index}-{k}"),
                home,
                kind,
                skills,
                experienced: rng.chance(0.1),
                party_member: kind != VolunteerKind::ResidentVolunteer || rng.chance(0.2),
                status,
                health,
            }
        })
        .collect();
    Community { compounds, volunteers }
}

fn stats(values: &[f64]) -> (f64, f64, f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, mean, max, if mean > 0.0 { var.sqrt() / mean } else { 0.0 })
}

fn main() {
    let started = Instant::now();
    let mut rng = Rng(0x5EED_2022_0406);
    let sizes = community_sizes(&mut rng);
    let city: Vec<Community> = sizes.iter().enumerate().map(|(i, &n)| build_community(&mut rng, i, n)).collect();
    let build = started.elapsed();
    let compounds: usize = city.iter().map(|c| c.compounds.len()).sum();
    println!(
        "synthetic city: {} communities, {} volunteers, {} compounds (built in {:.2} s)",
        city.len(),
        city.iter().map(|c| c.volunteers.len()).sum::<usize>(),
        compounds,
        build.as_secs_f64()
    );

    let params = GroupingParams::default();
    // Warm-up on a few communities (page faults, caches), not counted.
    for c in city.iter().take(50) {
        black_box(propose(&c.compounds, &c.volunteers, params));
    }
    let started = Instant::now();
    let proposals: Vec<Proposal> =
        city.iter().map(|c| black_box(propose(black_box(&c.compounds), black_box(&c.volunteers), params))).collect();
    let elapsed = started.elapsed().as_secs_f64();

    let (mut eligible, mut placed, mut home, mut near, mut reserve, mut groups) = (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let mut without_home = 0u64;
    let (mut infeasible, mut with_skill, mut allowed, mut with_skill_allowed) = (0u64, 0u64, 0u64, 0u64);
    let mut ratios = Vec::new();
    let mut community_cv = Vec::new();
    for (c, p) in city.iter().zip(&proposals) {
        eligible += u64::from(p.stats.eligible);
        placed += u64::from(p.stats.placed);
        home += u64::from(p.stats.in_home_compound);
        near += u64::from(p.stats.near_home);
        without_home += u64::from(p.stats.without_home);
        reserve += p.reserve.len() as u64;
        groups += p.groups.len() as u64;
        infeasible += u64::from(!p.is_feasible());
        let skilled = |key: u32| {
            let s = c.volunteers[key as usize].skills;
            s.contains(Skill::Medical) || s.contains(Skill::Driving)
        };
        let eligible_skilled = c
            .volunteers
            .iter()
            .filter(|v| v.status == DutyStatus::Verified && v.health.can_serve() && skilled(v.key))
            .count();
        let pool_allows = eligible_skilled >= p.groups.len();
        let mut local = Vec::new();
        for g in &p.groups {
            let has = g.members.iter().any(|m| skilled(m.volunteer));
            with_skill += u64::from(has);
            if pool_allows {
                allowed += 1;
                with_skill_allowed += u64::from(has);
            }
            let r = f64::from(g.residents) / g.members.len() as f64;
            ratios.push(r);
            local.push(r);
        }
        if local.len() >= 2 {
            community_cv.push(stats(&local).3);
        }
    }
    let pct = |a: u64, b: u64| 100.0 * a as f64 / b.max(1) as f64;
    let (min, mean, max, cv) = stats(&ratios);
    let mean_local_cv = community_cv.iter().sum::<f64>() / community_cv.len().max(1) as f64;

    println!("propose, all communities, one thread: {elapsed:.3} s ({:.0} volunteers/s)", VOLUNTEERS as f64 / elapsed);
    println!(
        "eligible {eligible}, placed {placed}, in reserve {reserve}, groups formed {groups}; {infeasible} communities with an infeasibility notice"
    );
    println!("placed in their own compound: {:.1}%", pct(home, placed));
    println!("placed near home (adjacent or among the 2 nearest compounds): {:.1}%", pct(near, placed));
    println!(
        "placed without a home address in the community: {:.1}%; further from home: {:.1}%",
        pct(without_home, placed),
        pct(placed - home - near - without_home, placed)
    );
    println!("residents per volunteer across all groups: min {min:.1} / mean {mean:.1} / max {max:.1}, CV {cv:.3}");
    println!(
        "  within a community (mean CV over {} communities with 2+ groups): {mean_local_cv:.3}",
        community_cv.len()
    );
    println!(
        "groups with a medical or driving skill: {:.1}% of all; {:.1}% where the community's pool allows ({allowed} groups)",
        pct(with_skill, groups),
        pct(with_skill_allowed, allowed)
    );
    println!(
        "target: under 5 s for the city -> {}",
        if elapsed < 5.0 { format!("met ({elapsed:.3} s)") } else { format!("MISSED ({elapsed:.3} s)") }
    );
}

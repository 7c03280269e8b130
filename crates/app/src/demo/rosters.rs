//! The duty roster and the group-buy timetable of 商务区第一社区 (SPEC §4.4).
//!
//! - Every one of the 11 compounds is sealed behind one gate (卡口), a post
//!   looked after by the group that covers the compound. Three days of round
//!   the clock shifts (00-06, 06-12, 12-18, 18-24, two people each) are
//!   generated from the groups and their availability under the default
//!   fatigue limits, through the same service the roster page uses. Six-hour
//!   shifts inside calendar days and eight hours' rest allow at most two
//!   shifts (12 h) a day, so nobody even reaches the 12-hour warning line.
//! - Then a member with shifts ahead is taken into isolation, through the
//!   same two calls the health handlers make: their future shifts are
//!   reopened and refilled by others who are free.
//! - The group-buy timetable: the 11 compounds take turns daily at two pickup
//!   points, each slot with a group covering the compound on duty (all 10
//!   groups serve), and every compound has an organiser (团长).
//!
//! Dates are relative to the day the demo runs: a roster in the past could
//! not stand anyone down. Idempotent: each step is skipped once its rows
//! exist, so a second run (on any day) changes nothing.

use std::collections::BTreeMap;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shouwang_db::entity::region;
use shouwang_db::mobilisation as mob;
use shouwang_db::rosters::{self as store, NewPost};
use shouwang_domain::{HealthStatus, Lang, PhoneNumber};
use shouwang_service::groupbuy;
use shouwang_service::rosters::{self as svc, GenerateInput};
use uuid::Uuid;

use super::work::entry;

use super::{FEMALE_CHARS, MALE_CHARS, SURNAMES};

/// Days of the gate roster, from the day the demo runs.
pub const ROSTER_DAYS: u32 = 3;
/// Days of the group-buy timetable.
pub const TIMETABLE_DAYS: u32 = 7;
/// The gate post of a compound.
pub fn gate_name(compound: &str) -> String {
    format!("{compound}大门卡口")
}

fn web(e: shouwang_service::Error) -> anyhow::Error {
    anyhow::anyhow!(e.message(Lang::En))
}

pub async fn create(ctx: &shouwang_service::Context, c: &region::Model) -> anyhow::Result<()> {
    let posts = gate_posts(ctx, c).await?;
    if posts.is_empty() {
        return Ok(());
    }
    gate_roster(ctx, c, &posts).await?;
    isolation(ctx, c).await?;
    timetable(ctx, c).await?;
    organisers(ctx, c).await
}

/// compound id -> the groups covering it, by group number. A big compound
/// may be shared by two groups (金色华府 is).
async fn groups_covering(
    ctx: &shouwang_service::Context,
    c: &region::Model,
) -> anyhow::Result<BTreeMap<Uuid, Vec<Uuid>>> {
    let db = &ctx.db;
    let mut out: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    // `groups_of_community` lists groups by number.
    for g in mob::groups_of_community(&db.read, c.id).await? {
        for (compound, _) in &g.compounds {
            out.entry(*compound).or_default().push(g.group.id);
        }
    }
    Ok(out)
}

/// One gate per compound, in the care of the first group covering it (a
/// second group sharing the compound takes its group-buy slots on alternate
/// days instead). Returns the gate posts' ids.
async fn gate_posts(ctx: &shouwang_service::Context, c: &region::Model) -> anyhow::Result<Vec<Uuid>> {
    let db = &ctx.db;
    let compounds = mob::compounds_of_community(&db.read, c).await?;
    let covering = groups_covering(ctx, c).await?;
    if covering.is_empty() {
        return Ok(Vec::new());
    }
    let existing = store::posts_of_community(&db.read, c.id).await?;
    let mut ids = Vec::new();
    for compound in &compounds {
        let name = gate_name(&compound.name);
        if let Some(p) = existing.iter().find(|p| p.name == name) {
            ids.push(p.id);
            continue;
        }
        let new = NewPost {
            name,
            kind: "gate".into(),
            compound_id: Some(compound.id),
            group_id: covering.get(&compound.id).and_then(|g| g.first()).copied(),
        };
        ids.push(store::create_post(db, c.id, new, entry("post_create", "post", c)).await?);
    }
    Ok(ids)
}

/// Three days of 6-hour shifts at every gate, two people each.
async fn gate_roster(ctx: &shouwang_service::Context, c: &region::Model, posts: &[Uuid]) -> anyhow::Result<()> {
    let db = &ctx.db;
    if !store::shifts_between(&db.read, c.id, 0, i64::MAX).await?.is_empty() {
        return Ok(());
    }
    let input = GenerateInput {
        posts: posts.to_vec(),
        first_day: ctx.clock.today().to_string(),
        days: ROSTER_DAYS,
        start_hour: 0,
        shift_hours: 6,
        shifts_per_day: Some(4),
        needed: 2,
        skill: None,
    };
    let mut e = entry("roster_generate", "community", c);
    e.target_id = Some(c.id.to_string());
    let out = svc::generate(ctx, c, &input, Lang::Zh, e).await.map_err(web)?;
    tracing::info!(
        community = c.code,
        gates = posts.len(),
        shifts = out.shifts,
        assigned = out.assigned,
        missing = out.missing,
        long_days = out.warnings.len(),
        "demo gate roster"
    );
    Ok(())
}

/// A member with shifts ahead goes into isolation: the health change and the
/// stand-down the health handlers make, in that order.
async fn isolation(ctx: &shouwang_service::Context, c: &region::Model) -> anyhow::Result<()> {
    let db = &ctx.db;
    let all = store::shifts_between(&db.read, c.id, 0, i64::MAX).await?;
    if all.is_empty() || all.iter().any(|s| s.reopened_for.is_some()) {
        return Ok(());
    }
    let now = svc::now_minutes(&ctx.clock);
    // Nobody holding a key role (their roles would pass to backups too).
    let mut key_people = std::collections::HashSet::new();
    for b in mob::branches_of_community(&db.read, c.id).await? {
        for r in b.secretary.iter() {
            key_people.extend(r.holder.iter().chain(r.backup.iter()).map(|v| v.id));
        }
    }
    let mut groups: Vec<_> =
        mob::groups_of_community(&db.read, c.id).await?.into_iter().filter(|g| !g.compounds.is_empty()).collect();
    for g in &groups {
        for r in g.leader.iter().chain(g.deputy.iter()) {
            key_people.extend(r.holder.iter().chain(r.backup.iter()).map(|v| v.id));
        }
    }
    // From the last group back, the first plain member whose shifts all lie
    // ahead: a stand-down reopens only shifts not yet begun, so they are left
    // holding nothing, and nobody who cannot serve stays on a past shift.
    groups.sort_by_key(|g| std::cmp::Reverse(g.group.number));
    let mut chosen = None;
    'search: for g in &groups {
        for m in &g.members {
            if key_people.contains(&m.id) || !HealthStatus::from_code(&m.health).is_some_and(HealthStatus::can_serve) {
                continue;
            }
            let held = store::shifts_of_volunteer(&db.read, m.id, 0).await?;
            if !held.is_empty() && held.iter().all(|s| s.start_min > now) {
                chosen = Some(m.clone());
                break 'search;
            }
        }
    }
    let Some(v) = chosen else { return Ok(()) };
    let demo = shouwang_service::Actor::operator("demo");
    let done =
        shouwang_service::reactions::health_changed(ctx, &demo, c, v.id, HealthStatus::Isolated).await.map_err(web)?;
    tracing::info!(
        community = c.code,
        reopened = done.stood_down.reopened,
        refilled = done.stood_down.refilled.len(),
        gaps = done.stood_down.gaps.len(),
        "demo stand-down of an isolated volunteer"
    );
    Ok(())
}

/// The 11 compounds take turns daily at two pickup points, 40-minute windows
/// from 09:00, made by the same service as the timetable page. Where two
/// groups share a compound they take alternate days, so all 10 groups serve.
async fn timetable(ctx: &shouwang_service::Context, c: &region::Model) -> anyhow::Result<()> {
    let db = &ctx.db;
    if !store::timetable(&db.read, c.id, time::macros::date!(2000 - 01 - 01)).await?.is_empty() {
        return Ok(());
    }
    let input = groupbuy::TimetableInput {
        first_day: ctx.clock.today().to_string(),
        days: TIMETABLE_DAYS,
        points: vec!["社区服务中心东侧取货点".into(), "青年路西侧取货点".into()],
        start_hour: 9,
        window_minutes: 40,
        windows: 6,
    };
    let mut e = entry("groupbuy_generate", "community", c);
    e.target_id = Some(c.id.to_string());
    let slots = groupbuy::generate_timetable(ctx, c, &input, e).await.map_err(web)?;
    tracing::info!(community = c.code, days = TIMETABLE_DAYS, slots, "demo group-buy timetable");
    Ok(())
}

/// One organiser (团长) per compound: residents with synthetic names and phones.
async fn organisers(ctx: &shouwang_service::Context, c: &region::Model) -> anyhow::Result<()> {
    let db = &ctx.db;
    if !store::organisers(&db.read, c.id).await?.is_empty() {
        return Ok(());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for compound in mob::compounds_of_community(&db.read, c).await? {
        let surname = *SURNAMES.choose(&mut rng).unwrap_or(&"王");
        let chars: &[&str] = if rng.random_bool(0.7) { &FEMALE_CHARS } else { &MALE_CHARS };
        let given: String = (0..2).map(|_| *chars.choose(&mut rng).unwrap_or(&"明")).collect();
        let rest: u64 = rng.random_range(0..1_000_000_000);
        let phone = PhoneNumber::parse(&format!("13{rest:09}")).ok().map(|p| p.masked());
        let mut e = entry("groupbuy_organiser", "compound", c);
        e.target_id = Some(compound.id.to_string());
        store::add_organiser(db, c.id, compound.id, &format!("{surname}{given}"), phone, None, e).await?;
    }
    Ok(())
}

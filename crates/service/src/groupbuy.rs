//! The group-buy timetable (团购时间表, SPEC §4.5): which compound collects
//! at which pickup point when, rotated by the pure `domain::groupbuy`, with
//! the group on duty and the organisers of each compound.

use shouwang_domain::bounds::{Days, Field};
use std::collections::HashMap;

use serde::Serialize;
use shouwang_db::entity::region;
use shouwang_db::{audit, mobilisation as mob, rosters as store};
use time::Date;
use uuid::Uuid;

use shouwang_domain::roster;

use crate::rosters::{DAY, clock, day_start, parse_date};
use shouwang_domain::access::{Action, Resource};

use crate::{Actor, Context, Error, Place};
use shouwang_domain::groupbuy::Refusal;

/// How to lay out the timetable.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TimetableInput {
    /// First day, `YYYY-MM-DD`.
    pub first_day: String,
    /// 1 to 31.
    pub days: u32,
    /// Pickup points, e.g. `["东门", "西门"]`; every time window serves one
    /// compound at each point.
    pub points: Vec<String>,
    /// Hour the first window starts (0 to 23).
    pub start_hour: u32,
    /// Length of a window in minutes (10 to 240).
    pub window_minutes: u32,
    /// Windows per day.
    pub windows: u32,
}

/// One slot as shown.
#[derive(Debug, Clone, Serialize)]
pub struct SlotView {
    pub day: String,
    pub time: String,
    pub point: String,
    pub compound_id: Uuid,
    pub compound: String,
    pub group: Option<String>,
    pub organisers: Vec<String>,
}

/// Rotates the community's compounds over the days and slots and stores
/// the timetable (replacing those days).
pub async fn generate_timetable(
    ctx: &Context,
    community: &region::Model,
    input: &TimetableInput,
    entry: audit::Entry,
) -> Result<usize, Error> {
    let db = &ctx.db;
    let first = parse_date(&input.first_day)?;
    let points: Vec<String> = input
        .points
        .iter()
        .flat_map(|p| p.split([',', '，', '、']))
        .map(shouwang_domain::text::normalize)
        .filter(|p| !p.is_empty())
        .collect();
    if points.is_empty() || points.len() > 20 {
        return Err(Error::refused(Refusal::BadPoints));
    }
    // Each number in its range (the refusal names it), then the windows must fit the day.
    for (field, value) in [
        (Field::Days, input.days),
        (Field::StartHour, input.start_hour),
        (Field::WindowMinutes, input.window_minutes),
        (Field::Windows, input.windows),
    ] {
        field.check(i64::from(value)).map_err(Error::refused)?;
    }
    if i64::from(input.start_hour) * 60 + i64::from(input.windows) * i64::from(input.window_minutes) > DAY {
        return Err(Error::refused(Refusal::BadWindows));
    }
    let compounds = mob::compounds_of_community(&db.read, community).await?;
    if compounds.is_empty() {
        return Err(Error::refused(Refusal::NoCompounds));
    }
    // Every group covering a compound, in group order: a compound two groups
    // share is served by them in turn, day by day, so every group gets duty.
    let mut groups_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for g in mob::groups_of_community(&db.read, community.id).await? {
        for (c, _) in &g.compounds {
            groups_of.entry(*c).or_default().push(g.group.id);
        }
    }
    let slots_per_day = points.len() * input.windows as usize;
    let first_day = roster::day_of(day_start(first));
    let turns = shouwang_domain::groupbuy::rotate(compounds.len(), slots_per_day, first_day, input.days);
    let slots: Vec<store::NewSlot> = turns
        .iter()
        .filter_map(|t| {
            let day = roster::date_of_day(t.day)?;
            let window = t.slot as usize / points.len();
            let start = i64::from(input.start_hour) * 60 + window as i64 * i64::from(input.window_minutes);
            let c = &compounds[t.compound];
            Some(store::NewSlot {
                day,
                slot: i32::try_from(t.slot).unwrap_or(i32::MAX),
                point: points[t.slot as usize % points.len()].clone(),
                starts: clock(start),
                ends: clock(start + i64::from(input.window_minutes)),
                compound_id: c.id,
                group_id: groups_of
                    .get(&c.id)
                    .filter(|gs| !gs.is_empty())
                    .map(|gs| gs[usize::try_from(t.day.rem_euclid(gs.len() as i64)).unwrap_or(0)]),
            })
        })
        .collect();
    store::store_timetable(db, community.id, &slots, entry).await?;
    Ok(slots.len())
}

/// The timetable from `from` on (at most `days` days).
pub async fn timetable(
    ctx: &Context,
    community: &region::Model,
    from: Date,
    days: u32,
) -> Result<Vec<SlotView>, Error> {
    let db = &ctx.db;
    let until = from.saturating_add(time::Duration::days(i64::from(days)));
    let names: HashMap<Uuid, String> =
        mob::compounds_of_community(&db.read, community).await?.into_iter().map(|c| (c.id, c.name)).collect();
    let groups: HashMap<Uuid, String> = mob::groups_of_community(&db.read, community.id)
        .await?
        .into_iter()
        .map(|g| (g.group.id, g.group.name))
        .collect();
    let organisers = store::organisers(&db.read, community.id).await?;
    Ok(store::timetable(&db.read, community.id, from)
        .await?
        .into_iter()
        .filter(|s| s.day < until)
        .map(|s| SlotView {
            day: s.day.to_string(),
            time: format!("{}–{}", s.starts, s.ends),
            point: s.point,
            compound: names.get(&s.compound_id).cloned().unwrap_or_default(),
            compound_id: s.compound_id,
            group: s.group_id.and_then(|g| groups.get(&g).cloned()),
            organisers: organisers
                .get(&s.compound_id)
                .map(|os| {
                    os.iter()
                        .map(|o| match &o.phone_masked {
                            Some(p) => format!("{} {p}", o.name),
                            None => o.name.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect())
}

/// "2022-04-06 08:00–08:30 东门" for a compound's next slot, if any.
pub async fn next_slot_text(ctx: &Context, compound_id: Uuid) -> Result<Option<String>, Error> {
    let db = &ctx.db;
    Ok(store::next_slot_of_compound(&db.read, compound_id, ctx.clock.today())
        .await?
        .map(|s| format!("{} {}–{} {}", s.day, s.starts, s.ends, s.point)))
}

// ---------------------------------------------------------------------------
// Pages and the API, by community code

/// The timetable of the community named by `code` from `from` (`YYYY-MM-DD`,
/// today when absent or blank), `days` days (7 when absent, 1 to 31).
pub async fn timetable_of(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    from: Option<&str>,
    days: Option<u32>,
) -> Result<Vec<SlotView>, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Read).await?;
    let from = match from.filter(|s| !s.trim().is_empty()) {
        Some(s) => parse_date(s)?,
        None => ctx.clock.today(),
    };
    let days = days.map(Days::new).transpose().map_err(Error::refused)?.map_or(7, Days::get);
    timetable(ctx, &community, from, days).await
}

/// The timetable page: the next month's slots and what the forms offer.
#[derive(Debug, Clone)]
pub struct Timetable {
    pub community: Place,
    pub can_write: bool,
    pub slots: Vec<SlotView>,
    pub compounds: Vec<(Uuid, String)>,
    /// Today, `YYYY-MM-DD`.
    pub today: String,
}

/// The timetable page of the community named by `code`: 31 days from today.
pub async fn timetable_page(ctx: &Context, actor: &Actor, code: &str) -> Result<Timetable, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Read).await?;
    let today = ctx.clock.today();
    let slots = timetable(ctx, &community, today, 31).await?;
    let compounds =
        mob::compounds_of_community(&ctx.db.read, &community).await?.into_iter().map(|c| (c.id, c.name)).collect();
    Ok(Timetable {
        can_write: actor.can(Resource::Work, Action::Write, &community.path),
        community: Place::of(community)?,
        slots,
        compounds,
        today: today.to_string(),
    })
}

/// [`generate_timetable`] in the community named by `code` (`Work/Write`
/// there), with its audit entry; answers how many slots were laid out.
pub async fn generate_as(ctx: &Context, actor: &Actor, code: &str, input: &TimetableInput) -> Result<usize, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Write).await?;
    let e = actor.entry("groupbuy_generate", "community", Some(community.id.to_string()), &community);
    generate_timetable(ctx, &community, input, e).await
}

/// Adds a group-buy organiser (团长) to a compound of the community named by
/// `code`; the phone, if given, is kept masked.
pub async fn add_organiser(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    compound: Uuid,
    name: &str,
    phone: &str,
) -> Result<(), Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Write).await?;
    if !mob::compounds_of_community(&ctx.db.read, &community).await?.iter().any(|c| c.id == compound) {
        return Err(Error::missing(Refusal::CompoundNotInCommunity));
    }
    let phone = match phone.trim() {
        "" => None,
        p => Some(shouwang_domain::PhoneNumber::parse(p).map_err(|_| Error::refused(Refusal::BadPhone))?.masked()),
    };
    let e = actor.entry("groupbuy_organiser", "compound", Some(compound.to_string()), &community);
    store::add_organiser(&ctx.db, community.id, compound, name, phone, None, e).await?;
    Ok(())
}

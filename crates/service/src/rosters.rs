//! Duty rosters (值班表) and the group-buy timetable (团购时间表): the services
//! the pages and the API share. The roster itself comes from the pure
//! `shouwang_domain::roster`; this module reads what is stored into its
//! inputs, stores what it decides, and turns its keys back into names.
//!
//! Keys given to the generator are `KEY_BASE + index` (seven digits), so the
//! generator's messages ("志愿者1000003", "班次1000012") can be rewritten with
//! names and times without ambiguity ([`humanize`]).

use shouwang_domain::bounds::{Days, Field};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use shouwang_db::entity::{post, region, shift, shift_assignment};
use shouwang_db::{ConnectionTrait, audit, mobilisation as mob, rosters as store};
use shouwang_domain::roster::{self, FatigueLimits, PersonIn, Refusal, Roster, ShiftIn};
use shouwang_domain::{Availability, Clock, DutyStatus, HealthStatus, Lang, Skill, SkillSet, i18n};
use time::{Date, PrimitiveDateTime};
use uuid::Uuid;

use shouwang_domain::access::{Action, Resource};

use crate::{Actor, Context, Error, Place};

/// Keys handed to the generator start here (seven digits).
const KEY_BASE: u32 = roster::KEY_BASE;
/// Days around a period whose duties count toward the limits.
const MARGIN_DAYS: i64 = 8;
pub(crate) const DAY: i64 = roster::MINUTES_PER_DAY;

/// Now, in local minutes (Beijing time).
pub fn now_minutes(clock: &Clock) -> i64 {
    let t = clock.local_now();
    roster::local_minutes(PrimitiveDateTime::new(t.date(), t.time()))
}

/// The local minutes of a date's midnight.
pub fn day_start(d: Date) -> i64 {
    roster::local_minutes(PrimitiveDateTime::new(d, time::Time::MIDNIGHT))
}

/// "08:00".
pub fn clock(minutes: i64) -> String {
    let m = minutes.rem_euclid(DAY);
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// "2022-04-05 08:00–12:00".
pub fn span_label(start: i64, end: i64) -> String {
    let date = roster::date_of_day(roster::day_of(start)).map(|d| d.to_string()).unwrap_or_default();
    format!("{date} {}–{}", clock(start), clock(end))
}

/// "12.5".
pub fn hours(minutes: u32) -> String {
    let h = f64::from(minutes) / 60.0;
    if minutes.is_multiple_of(60) { format!("{}", minutes / 60) } else { format!("{h:.1}") }
}

pub fn post_kind_label(kind: &str, lang: Lang) -> String {
    let key = match kind {
        "gate" => "mobilisation.post_kind.gate",
        "testing" => "mobilisation.post_kind.testing",
        "supply" => "mobilisation.post_kind.supply",
        "patrol" => "mobilisation.post_kind.patrol",
        _ => "mobilisation.post_kind.other",
    };
    i18n::t(lang, key)
}

/// Rewrites the generator's keys in one of its messages with names and times.
pub fn humanize(text: &str, people: &[String], shifts: &[String]) -> String {
    roster::humanize(text, people, shifts)
}

fn key(i: usize) -> u32 {
    KEY_BASE + u32::try_from(i).unwrap_or(u32::MAX - KEY_BASE)
}

fn index(k: u32) -> usize {
    (k - KEY_BASE) as usize
}

/// The people of a community as the generator sees them.
pub struct Pool {
    pub ids: Vec<Uuid>,
    pub names: Vec<String>,
    pub people: Vec<PersonIn>,
    /// group id -> group key.
    pub groups: HashMap<Uuid, u32>,
    by_id: HashMap<Uuid, usize>,
}

impl Pool {
    pub fn key_of(&self, id: Uuid) -> Option<u32> {
        self.by_id.get(&id).map(|&i| key(i))
    }

    pub fn id_of(&self, k: u32) -> Option<Uuid> {
        self.ids.get(index(k)).copied()
    }

    pub fn name_of(&self, id: Uuid) -> String {
        self.by_id.get(&id).map(|&i| self.names[i].clone()).unwrap_or_default()
    }
}

/// Every verified volunteer of the community, with group, skills,
/// availability and whether they can serve now; nothing held already.
pub async fn pool(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<Pool, Error> {
    let filter = mob::VolunteerFilter { status: Some(DutyStatus::Verified), ..Default::default() };
    let rows = mob::list_volunteers(conn, community_id, &filter).await?;
    let groups: HashMap<Uuid, u32> = mob::groups_of_community(conn, community_id)
        .await?
        .iter()
        .enumerate()
        .map(|(i, g)| (g.group.id, key(i)))
        .collect();
    let mut pool = Pool { ids: vec![], names: vec![], people: vec![], groups, by_id: HashMap::new() };
    for (i, row) in rows.into_iter().enumerate() {
        let v = row.volunteer;
        pool.by_id.insert(v.id, i);
        pool.ids.push(v.id);
        pool.names.push(v.name.clone());
        pool.people.push(PersonIn {
            key: key(i),
            group: row.group.and_then(|(g, _, _)| pool.groups.get(&g).copied()),
            skills: SkillSet::from_codes(&v.skills),
            availability: Availability::from_codes(&v.availability),
            can_serve: HealthStatus::from_code(&v.health).is_some_and(HealthStatus::can_serve),
            already: Vec::new(),
        });
    }
    Ok(pool)
}

/// Stored shifts of a window as the generator's input and roster.
pub struct Stored {
    pub shifts: Vec<shift::Model>,
    pub inputs: Vec<ShiftIn>,
    pub roster: Roster,
    pub assignments: Vec<shift_assignment::Model>,
    /// Assignments of people not in the pool (unverified since): kept aside.
    pub strangers: usize,
}

fn shift_in(i: usize, s: &shift::Model, posts: &HashMap<Uuid, (u32, Option<u32>)>) -> ShiftIn {
    let (post, group) = posts.get(&s.post_id).copied().unwrap_or((0, None));
    ShiftIn {
        key: key(i),
        post,
        start: s.start_min,
        end: s.end_min,
        needed: u16::try_from(s.needed).unwrap_or(u16::MAX),
        required_skill: s.skill.as_deref().and_then(Skill::from_code),
        group,
    }
}

/// post id -> (post key, group key of the post).
async fn post_keys(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    pool: &Pool,
) -> Result<HashMap<Uuid, (u32, Option<u32>)>, Error> {
    Ok(store::posts_of_community(conn, community_id)
        .await?
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, (key(i), p.group_id.and_then(|g| pool.groups.get(&g).copied()))))
        .collect())
}

/// The stored roster of `[from, to)` (local minutes) and its people.
pub async fn stored(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    pool: &Pool,
    from: i64,
    to: i64,
) -> Result<Stored, Error> {
    let posts = post_keys(conn, community_id, pool).await?;
    let shifts = store::shifts_between(conn, community_id, from, to).await?;
    let ids: Vec<Uuid> = shifts.iter().map(|s| s.id).collect();
    let assignments = store::assignments_of(conn, &ids).await?;
    let inputs: Vec<ShiftIn> = shifts.iter().enumerate().map(|(i, s)| shift_in(i, s, &posts)).collect();
    let by_shift: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut roster = Roster::default();
    let mut strangers = 0;
    for a in &assignments {
        let (Some(&si), Some(person)) = (by_shift.get(&a.shift_id), pool.key_of(a.volunteer_id)) else {
            strangers += 1;
            continue;
        };
        let s = &inputs[si];
        roster.assignments.push(roster::Assignment {
            shift: s.key,
            post: s.post,
            person,
            start: s.start,
            end: s.end,
            reasons: vec![roster::AssignReason::FewestMinutes { minutes: 0 }],
        });
    }
    roster.assignments.sort_by_key(|a| (a.start, a.end, a.shift, a.person));
    Ok(Stored { shifts, inputs, roster, assignments, strangers })
}

/// The period and pattern of shifts to generate.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct GenerateInput {
    /// Posts to staff (all posts when empty).
    #[serde(default)]
    pub posts: Vec<Uuid>,
    /// First day, `YYYY-MM-DD`.
    pub first_day: String,
    /// Number of days (1 to 31).
    pub days: u32,
    /// Hour the first shift of a day starts (0 to 23).
    #[serde(default)]
    pub start_hour: u32,
    /// Length of a shift in hours (1 to 24).
    pub shift_hours: u32,
    /// Shifts per day (defaults to round the clock).
    #[serde(default)]
    pub shifts_per_day: Option<u32>,
    /// People per shift.
    pub needed: u16,
    /// `Skill` code everyone on the shift must hold.
    #[serde(default)]
    pub skill: Option<String>,
}

/// What a generation (or a refill) did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub shifts: usize,
    pub assigned: usize,
    /// Places left open, described.
    pub gaps: Vec<String>,
    pub missing: u32,
    pub warnings: Vec<String>,
}

pub fn parse_date(s: &str) -> Result<Date, Error> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &f).map_err(|_| Error::refused(Refusal::BadDate))
}

fn labels_of_shifts(shifts: &[(i64, i64, String)]) -> Vec<String> {
    shifts.iter().map(|(s, e, post)| format!("{post} {}", span_label(*s, *e))).collect()
}

fn describe(roster: &Roster, pool: &Pool, shift_labels: &[String], lang: Lang) -> (Vec<String>, Vec<String>) {
    let gaps = roster.gaps.iter().map(|g| humanize(&g.describe(lang), &pool.names, shift_labels)).collect();
    let warnings = roster.warnings.iter().map(|w| humanize(&w.describe(lang), &pool.names, shift_labels)).collect();
    (gaps, warnings)
}

/// Builds the shifts of a period, fills them under the community's limits
/// and stores them.
pub async fn generate(
    ctx: &Context,
    community: &region::Model,
    input: &GenerateInput,
    lang: Lang,
    entry: audit::Entry,
) -> Result<Outcome, Error> {
    let db = &ctx.db;
    let first = parse_date(&input.first_day)?;
    // Each number in its range; the refusal names the field and the range.
    for (field, value) in [
        (Field::Days, i64::from(input.days)),
        (Field::StartHour, i64::from(input.start_hour)),
        (Field::ShiftHours, i64::from(input.shift_hours)),
        (Field::Needed, i64::from(input.needed)),
    ] {
        field.check(value).map_err(Error::refused)?;
    }
    if let Some(n) = input.shifts_per_day {
        Field::ShiftsPerDay.check(i64::from(n)).map_err(Error::refused)?;
    }
    let skill = match input.skill.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Skill::from_code(s).ok_or_else(|| Error::refused(Refusal::UnknownSkill))?),
    };
    let per_day = input.shifts_per_day.unwrap_or(24 / input.shift_hours).clamp(1, 24);
    // Read, judge and write in one transaction under the community's roster
    // lock: a double tap finds the period taken, not a second roster.
    let tx = db.begin_write().await?;
    store::lock_roster(&tx, community.id).await?;
    let all_posts = store::posts_of_community(&tx, community.id).await?;
    let chosen: Vec<&post::Model> = if input.posts.is_empty() {
        all_posts.iter().collect()
    } else {
        all_posts.iter().filter(|p| input.posts.contains(&p.id)).collect()
    };
    if chosen.is_empty() {
        return Err(Error::refused(Refusal::NoPosts));
    }
    let mut planned: Vec<(Uuid, i64, i64)> = Vec::new();
    for d in 0..i64::from(input.days) {
        let midnight = day_start(first) + d * DAY;
        for i in 0..i64::from(per_day) {
            let start = midnight + i64::from(input.start_hour) * 60 + i * i64::from(input.shift_hours) * 60;
            let end = start + i64::from(input.shift_hours) * 60;
            for p in &chosen {
                planned.push((p.id, start, end));
            }
        }
    }
    if planned.len() > 5_000 {
        return Err(Error::refused(Refusal::TooManyShifts));
    }
    let limits = store::settings(&tx, community.id).await?;
    let mut pool = pool(&tx, community.id).await?;
    let (from, to) = (planned.iter().map(|p| p.1).min().unwrap_or(0), planned.iter().map(|p| p.2).max().unwrap_or(0));
    // What people hold already around the period counts toward every limit.
    let around = stored(&tx, community.id, &pool, from - MARGIN_DAYS * DAY, to + MARGIN_DAYS * DAY).await?;
    let chosen_ids: BTreeSet<Uuid> = chosen.iter().map(|p| p.id).collect();
    if around.shifts.iter().any(|s| chosen_ids.contains(&s.post_id) && s.start_min < to && s.end_min > from) {
        return Err(Error::refused(Refusal::PeriodTaken));
    }
    for a in &around.roster.assignments {
        pool.people[index(a.person)].already.push((a.start, a.end));
    }
    let posts = post_keys(&tx, community.id, &pool).await?;
    let post_names: HashMap<Uuid, String> = all_posts.iter().map(|p| (p.id, p.name.clone())).collect();
    let skill_code = skill.map(|s| s.code().to_string());
    let models: Vec<shift::Model> = planned
        .iter()
        .map(|&(post_id, start, end)| shift::Model {
            id: Uuid::nil(),
            community_id: community.id,
            post_id,
            start_min: start,
            end_min: end,
            needed: i32::from(input.needed),
            skill: skill_code.clone(),
            reopened_for: None,
            reopened_at: None,
            created_at: ctx.clock.now(),
            // A plan, not stored: storage gives each shift its incident.
            incident_id: Uuid::nil(),
        })
        .collect();
    let inputs: Vec<ShiftIn> = models.iter().enumerate().map(|(i, s)| shift_in(i, s, &posts)).collect();
    let result = roster::generate(&inputs, &pool.people, &limits);
    let labels = labels_of_shifts(
        &planned.iter().map(|(p, s, e)| (*s, *e, post_names.get(p).cloned().unwrap_or_default())).collect::<Vec<_>>(),
    );
    let mut people: Vec<Vec<(Uuid, String)>> = vec![Vec::new(); models.len()];
    for a in &result.assignments {
        let why = a
            .reasons
            .iter()
            .map(|r| humanize(&r.describe(lang), &pool.names, &labels))
            .collect::<Vec<_>>()
            .join(&i18n::t(lang, "mobilisation.reason_separator"));
        if let Some(id) = pool.id_of(a.person) {
            people[index(a.shift)].push((id, why));
        }
    }
    let new: Vec<store::NewShift> = models
        .iter()
        .zip(people)
        .map(|(m, people)| store::NewShift {
            post_id: m.post_id,
            start_min: m.start_min,
            end_min: m.end_min,
            needed: m.needed,
            skill: m.skill.clone(),
            people,
        })
        .collect();
    let mut entry = entry;
    if let serde_json::Value::Object(map) = &mut entry.detail {
        map.insert("first_day".into(), first.to_string().into());
        map.insert("days".into(), input.days.into());
        map.insert("assigned".into(), result.assignments.len().into());
        map.insert("missing".into(), result.missing().into());
    }
    store::store_roster_in(&tx, community.id, &new, entry).await?;
    tx.commit().await.map_err(shouwang_db::DbError::from)?;
    let (gaps, warnings) = describe(&result, &pool, &labels, lang);
    Ok(Outcome { shifts: new.len(), assigned: result.assignments.len(), missing: result.missing(), gaps, warnings })
}

/// Everything that breaks the community's limits in the stored roster of
/// `[from, to)`, described (empty when it keeps every rule).
pub async fn check_stored(
    ctx: &Context,
    community_id: Uuid,
    from: i64,
    to: i64,
    lang: Lang,
) -> Result<Vec<String>, Error> {
    let db = &ctx.db;
    let pool = pool(&ctx.db.read, community_id).await?;
    let limits = store::settings(&db.read, community_id).await?;
    let st = stored(&ctx.db.read, community_id, &pool, from, to).await?;
    let labels = stored_labels(&ctx.db.read, community_id, &st).await?;
    Ok(roster::check(&st.roster, &st.inputs, &pool.people, &limits)
        .iter()
        .map(|v| humanize(&v.describe(lang), &pool.names, &labels))
        .collect())
}

async fn stored_labels(conn: &impl ConnectionTrait, community_id: Uuid, st: &Stored) -> Result<Vec<String>, Error> {
    let names: HashMap<Uuid, String> =
        store::posts_of_community(conn, community_id).await?.into_iter().map(|p| (p.id, p.name)).collect();
    Ok(labels_of_shifts(
        &st.shifts
            .iter()
            .map(|s| (s.start_min, s.end_min, names.get(&s.post_id).cloned().unwrap_or_default()))
            .collect::<Vec<_>>(),
    ))
}

/// Puts `to` on a shift in place of `from`, as the leader approves (only
/// those who may write the community's work), unless that breaks a limit:
/// then the reason comes back as an error.
pub async fn swap(ctx: &Context, actor: &Actor, code: &str, shift_id: Uuid, from: Uuid, to: Uuid) -> Result<(), Error> {
    let community = &crate::community_for(ctx, actor, code, Resource::Work, Action::Write).await?;
    let mut entry = actor.entry("roster_swap", "shift", Some(shift_id.to_string()), community);
    entry.detail = serde_json::json!({ "from": from, "to": to });
    let lang = actor.lang;
    let db = &ctx.db;
    let not_found = || Error::missing(Refusal::ShiftNotFound);
    // The swap is judged on the roster read inside its own write transaction,
    // under the community's roster lock, so two swaps or a swap and a refill
    // at once cannot each approve half of a double booking.
    let tx = db.begin_write().await?;
    store::lock_roster(&tx, community.id).await?;
    let s = store::shift_by_id(&tx, shift_id).await?.ok_or_else(not_found)?;
    if s.community_id != community.id {
        return Err(not_found());
    }
    let pool = pool(&tx, community.id).await?;
    let limits = store::settings(&tx, community.id).await?;
    let st = stored(&tx, community.id, &pool, s.start_min - MARGIN_DAYS * DAY, s.end_min + MARGIN_DAYS * DAY).await?;
    let labels = stored_labels(&tx, community.id, &st).await?;
    let at = st.shifts.iter().position(|x| x.id == shift_id).ok_or_else(not_found)?;
    let (Some(kf), Some(kt)) = (pool.key_of(from), pool.key_of(to)) else {
        // Another community's volunteer is not found here; one of this
        // community who cannot serve is a refusal.
        let of = shouwang_db::tasks::communities_of(&db.read, &[from, to]).await?;
        if [from, to].iter().any(|v| of.get(v) != Some(&community.id)) {
            return Err(Error::missing(shouwang_domain::volunteer::Refusal::VolunteerNotFound));
        }
        return Err(Error::refused(Refusal::SwapNotVerified));
    };
    match roster::swap(&st.roster, &st.inputs, &pool.people, &limits, key(at), kf, kt) {
        Ok(_) => {
            let reason = roster::AssignReason::SwappedIn { replaced: kf }.describe(lang);
            let reason = humanize(&reason, &pool.names, &labels);
            store::swap_in(&tx, shift_id, from, to, reason, entry).await?;
            tx.commit().await.map_err(shouwang_db::DbError::from)?;
            Ok(())
        }
        Err(violation) => {
            Err(Error::refused(Refusal::SwapRefused { violation, people: pool.names.clone(), shifts: labels }))
        }
    }
}

/// What happened to the shifts of a volunteer who was stood down.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StandDown {
    /// Shifts reopened.
    pub reopened: usize,
    /// "云飞雅苑东门 2022-04-05 08:00–12:00 → 张三".
    pub refilled: Vec<String>,
    /// Places still open, described.
    pub gaps: Vec<String>,
}

/// Stands a volunteer down (isolated, infected, no longer serving) inside
/// the caller's write transaction: takes them off every shift not yet begun
/// at `from` (local minutes), records those shifts as reopened, and offers
/// the places to others under the community's limits (`roster::refill`).
/// What stays open is a gap the roster page shows.
pub async fn stand_down_in(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    volunteer_id: Uuid,
    from: i64,
) -> Result<StandDown, Error> {
    let reopened = store::stand_down_in(conn, volunteer_id, from).await?;
    if reopened.is_empty() {
        return Ok(StandDown::default());
    }
    let mut out = refill_in(conn, community_id, &reopened, Some(volunteer_id), Lang::Zh).await?;
    out.reopened = reopened.len();
    Ok(out)
}

/// Fills the open places of these shifts with others, keeping everyone
/// already on them; reads and writes inside the caller's write transaction.
pub async fn refill_in(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    shift_ids: &[Uuid],
    stood_down: Option<Uuid>,
    lang: Lang,
) -> Result<StandDown, Error> {
    store::lock_roster(conn, community_id).await?;
    let mut shifts = Vec::new();
    for id in shift_ids {
        if let Some(s) = store::shift_by_id(conn, *id).await? {
            shifts.push(s);
        }
    }
    let (Some(from), Some(to)) = (shifts.iter().map(|s| s.start_min).min(), shifts.iter().map(|s| s.end_min).max())
    else {
        return Ok(StandDown::default());
    };
    let pool = pool(conn, community_id).await?;
    let limits = store::settings(conn, community_id).await?;
    let st = stored(conn, community_id, &pool, from - MARGIN_DAYS * DAY, to + MARGIN_DAYS * DAY).await?;
    let labels = stored_labels(conn, community_id, &st).await?;
    let mut base = st.roster.clone();
    if let Some(k) = stood_down.and_then(|v| pool.key_of(v)) {
        base.stood_down.push(k);
    }
    // Only the reopened shifts are offered; the others stay as stored.
    let wanted: BTreeSet<Uuid> = shift_ids.iter().copied().collect();
    let offered: Vec<ShiftIn> = st
        .inputs
        .iter()
        .zip(&st.shifts)
        .map(|(i, s)| {
            let mut i = i.clone();
            if !wanted.contains(&s.id) {
                // Not offered: needs exactly the people it has.
                i.needed = u16::try_from(st.roster.on_shift(i.key).count()).unwrap_or(u16::MAX);
            }
            i
        })
        .collect();
    let filled = roster::refill(&base, &offered, &pool.people, &limits);
    let before: BTreeSet<(u32, u32)> = st.roster.assignments.iter().map(|a| (a.shift, a.person)).collect();
    let mut add = Vec::new();
    let mut refilled = Vec::new();
    for a in &filled.assignments {
        if before.contains(&(a.shift, a.person)) || !wanted.contains(&st.shifts[index(a.shift)].id) {
            continue;
        }
        let Some(v) = pool.id_of(a.person) else { continue };
        let why = a
            .reasons
            .iter()
            .map(|r| humanize(&r.describe(lang), &pool.names, &labels))
            .collect::<Vec<_>>()
            .join(&i18n::t(lang, "mobilisation.reason_separator"));
        add.push((st.shifts[index(a.shift)].id, v, why));
        refilled.push(format!("{} → {}", labels[index(a.shift)], pool.names[index(a.person)]));
    }
    store::add_assignments_in(conn, &add).await?;
    let gaps = filled
        .gaps
        .iter()
        .filter(|g| wanted.contains(&st.shifts[index(g.shift)].id))
        .map(|g| humanize(&g.describe(lang), &pool.names, &labels))
        .collect();
    Ok(StandDown { reopened: 0, refilled, gaps })
}

// ---------------------------------------------------------------------------
// Reading a roster for pages and the API

/// One shift as shown.
#[derive(Debug, Clone, Serialize)]
pub struct ShiftView {
    pub id: Uuid,
    pub post_id: Uuid,
    pub post: String,
    pub day: String,
    pub time: String,
    pub needed: i32,
    pub people: Vec<PersonOnShift>,
    pub missing: i32,
    /// The name of the volunteer stood down from it, if it was reopened.
    pub reopened_for: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonOnShift {
    pub id: Uuid,
    pub name: String,
}

/// Minutes of one person over the week shown.
#[derive(Debug, Clone, Serialize)]
pub struct HoursView {
    pub id: Uuid,
    pub name: String,
    pub hours: String,
    pub minutes: u32,
    pub shifts: u32,
    pub over_warning: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RosterView {
    pub from: String,
    pub days: u32,
    pub shifts: Vec<ShiftView>,
    pub hours: Vec<HoursView>,
    pub missing: i32,
    pub limits: LimitsView,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct LimitsView {
    pub warn_day_hours: u32,
    pub max_day_hours: u32,
    pub min_rest_hours: u32,
    pub max_week_hours: u32,
}

impl From<FatigueLimits> for LimitsView {
    fn from(l: FatigueLimits) -> Self {
        LimitsView {
            warn_day_hours: l.warn_day_minutes / 60,
            max_day_hours: l.max_day_minutes / 60,
            min_rest_hours: l.min_rest_minutes / 60,
            max_week_hours: l.max_week_minutes / 60,
        }
    }
}

/// The stored roster of `days` days from `from`, with hours per volunteer.
pub async fn view(ctx: &Context, community_id: Uuid, from: Date, days: u32) -> Result<RosterView, Error> {
    view_for(ctx, community_id, from, days, None).await
}

/// Whose shifts a reader of the community's roster sees: everyone's (`None`,
/// those who may read the whole board), or only those of their own volunteer
/// (SPEC §2; a nil id, so nothing, when the account has none there).
async fn own_only(ctx: &Context, actor: &Actor, community: &region::Model) -> Result<Option<Uuid>, Error> {
    if actor.can(Resource::WorkBoard, Action::Read, &community.path) {
        return Ok(None);
    }
    let me = crate::volunteer_of(ctx, actor).await?.filter(|v| v.community_id == community.id);
    Ok(Some(me.map_or(Uuid::nil(), |v| v.id)))
}

/// [`view`], of one volunteer's shifts only (with whoever shares them) when `only` is given.
async fn view_for(
    ctx: &Context,
    community_id: Uuid,
    from: Date,
    days: u32,
    only: Option<Uuid>,
) -> Result<RosterView, Error> {
    let db = &ctx.db;
    let days = days.clamp(1, 31);
    let (t0, t1) = (day_start(from), day_start(from) + i64::from(days) * DAY);
    let mut shifts = store::shifts_between(&db.read, community_id, t0, t1).await?;
    let ids: Vec<Uuid> = shifts.iter().map(|s| s.id).collect();
    let mut assignments = store::assignments_of(&db.read, &ids).await?;
    if let Some(me) = only {
        let mine: std::collections::HashSet<Uuid> =
            assignments.iter().filter(|a| a.volunteer_id == me).map(|a| a.shift_id).collect();
        shifts.retain(|s| mine.contains(&s.id));
        assignments.retain(|a| mine.contains(&a.shift_id));
    }
    let posts: HashMap<Uuid, String> =
        store::posts_of_community(&db.read, community_id).await?.into_iter().map(|p| (p.id, p.name)).collect();
    let names: BTreeMap<Uuid, String> = mob::list_volunteers(&db.read, community_id, &Default::default())
        .await?
        .into_iter()
        .map(|r| (r.volunteer.id, r.volunteer.name))
        .collect();
    let limits = store::settings(&db.read, community_id).await?;
    let mut on: HashMap<Uuid, Vec<PersonOnShift>> = HashMap::new();
    let mut minutes: BTreeMap<Uuid, (u32, u32)> = BTreeMap::new();
    let by_id: HashMap<Uuid, &shift::Model> = shifts.iter().map(|s| (s.id, s)).collect();
    for a in &assignments {
        let name = names.get(&a.volunteer_id).cloned().unwrap_or_default();
        on.entry(a.shift_id).or_default().push(PersonOnShift { id: a.volunteer_id, name });
        if let Some(s) = by_id.get(&a.shift_id) {
            let m = minutes.entry(a.volunteer_id).or_default();
            m.0 += u32::try_from(s.end_min.min(t1) - s.start_min.max(t0)).unwrap_or(0);
            m.1 += 1;
        }
    }
    let mut missing = 0;
    let views: Vec<ShiftView> = shifts
        .iter()
        .map(|s| {
            let mut people = on.remove(&s.id).unwrap_or_default();
            people.sort_by(|a, b| a.name.cmp(&b.name));
            let miss = (s.needed - i32::try_from(people.len()).unwrap_or(i32::MAX)).max(0);
            missing += miss;
            ShiftView {
                id: s.id,
                post_id: s.post_id,
                post: posts.get(&s.post_id).cloned().unwrap_or_default(),
                day: roster::date_of_day(roster::day_of(s.start_min)).map(|d| d.to_string()).unwrap_or_default(),
                time: format!("{}–{}", clock(s.start_min), clock(s.end_min)),
                needed: s.needed,
                people,
                missing: miss,
                reopened_for: s.reopened_for.map(|v| names.get(&v).cloned().unwrap_or_default()),
            }
        })
        .collect();
    let week_warn = limits.warn_day_minutes * days.min(7);
    let mut hours: Vec<HoursView> = minutes
        .into_iter()
        .map(|(id, (m, n))| HoursView {
            name: names.get(&id).cloned().unwrap_or_default(),
            id,
            hours: hours(m),
            minutes: m,
            shifts: n,
            over_warning: m > week_warn,
        })
        .collect();
    if let Some(me) = only {
        hours.retain(|h| h.id == me);
    }
    hours.sort_by(|a, b| b.minutes.cmp(&a.minutes).then(a.name.cmp(&b.name)));
    Ok(RosterView { from: from.to_string(), days, shifts: views, hours, missing, limits: limits.into() })
}

/// A volunteer's shifts from now on.
#[derive(Debug, Clone, Serialize)]
pub struct MyShift {
    pub shift_id: Uuid,
    pub post: String,
    pub when: String,
    pub hours: String,
}

/// The account's shifts from now on (none when it is not linked to a volunteer).
pub async fn my_shifts(ctx: &Context, actor: &Actor) -> Result<Vec<MyShift>, Error> {
    match crate::volunteer_of(ctx, actor).await? {
        Some(v) => shifts_of_volunteer(ctx, v.id, v.community_id).await,
        None => Ok(Vec::new()),
    }
}

pub(crate) async fn shifts_of_volunteer(
    ctx: &Context,
    volunteer_id: Uuid,
    community_id: Uuid,
) -> Result<Vec<MyShift>, Error> {
    let db = &ctx.db;
    let posts: HashMap<Uuid, String> =
        store::posts_of_community(&db.read, community_id).await?.into_iter().map(|p| (p.id, p.name)).collect();
    Ok(store::shifts_of_volunteer(&db.read, volunteer_id, now_minutes(&ctx.clock))
        .await?
        .into_iter()
        .map(|s| MyShift {
            shift_id: s.id,
            post: posts.get(&s.post_id).cloned().unwrap_or_default(),
            when: span_label(s.start_min, s.end_min),
            hours: hours(u32::try_from(s.end_min - s.start_min).unwrap_or(0)),
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Pages and the API, by community code

/// A period asked for: from `from` (`YYYY-MM-DD`, today when absent or
/// blank), `days` days (7 when absent, 1 to 31).
fn period(ctx: &Context, from: Option<&str>, days: Option<u32>) -> Result<(Date, u32), Error> {
    let from = match from.filter(|s| !s.trim().is_empty()) {
        Some(s) => parse_date(s)?,
        None => ctx.clock.today(),
    };
    // Out of range is refused, not clamped: the answer covers what was asked.
    let days = days.map(Days::new).transpose().map_err(Error::refused)?.map_or(7, Days::get);
    Ok((from, days))
}

/// The stored roster of the community named by `code` over a period (see
/// [`view`]).
pub async fn roster(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    from: Option<&str>,
    days: Option<u32>,
) -> Result<RosterView, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Read).await?;
    let (from, days) = period(ctx, from, days)?;
    let only = own_only(ctx, actor, &community).await?;
    view_for(ctx, community.id, from, days, only).await
}

/// [`generate`] in the community named by `code` (`Work/Write` there), in
/// the actor's language, with its audit entry.
pub async fn generate_as(ctx: &Context, actor: &Actor, code: &str, input: &GenerateInput) -> Result<Outcome, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Write).await?;
    let e = actor.entry("roster_generate", "community", Some(community.id.to_string()), &community);
    generate(ctx, &community, input, actor.lang, e).await
}

/// Saves the community's fatigue limits (whole hours).
pub async fn save_settings(ctx: &Context, actor: &Actor, code: &str, limits: LimitsView) -> Result<(), Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Write).await?;
    let limits = FatigueLimits {
        warn_day_minutes: limits.warn_day_hours.saturating_mul(60),
        max_day_minutes: limits.max_day_hours.saturating_mul(60),
        min_rest_minutes: limits.min_rest_hours.saturating_mul(60),
        max_week_minutes: limits.max_week_hours.saturating_mul(60),
    };
    let e = actor.entry("roster_settings", "community", Some(community.id.to_string()), &community);
    store::save_settings(&ctx.db, community.id, limits, e).await?;
    Ok(())
}

/// A new post as the form gives it.
#[derive(Debug, Clone)]
pub struct PostInput {
    pub name: String,
    /// One of `POST_KINDS`.
    pub kind: String,
    /// The compound it stands at, of this community.
    pub compound: Option<Uuid>,
    /// The group on duty there, of this community.
    pub group: Option<Uuid>,
}

/// Adds a post (gate, testing point, …) to the community named by `code`.
pub async fn create_post(ctx: &Context, actor: &Actor, code: &str, input: PostInput) -> Result<Uuid, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Write).await?;
    if let Some(c) = input.compound
        && !mob::compounds_of_community(&ctx.db.read, &community).await?.iter().any(|x| x.id == c)
    {
        return Err(Error::missing(Refusal::CompoundNotInCommunity));
    }
    if let Some(g) = input.group
        && mob::group_by_id(&ctx.db.read, g).await?.is_none_or(|x| x.community_id != community.id)
    {
        return Err(Error::missing(Refusal::GroupNotInCommunity));
    }
    let e = actor.entry("post_create", "post", None, &community);
    let new = store::NewPost { name: input.name, kind: input.kind, compound_id: input.compound, group_id: input.group };
    Ok(store::create_post(&ctx.db, community.id, new, e).await?)
}

/// Shifts of one post on one day.
#[derive(Debug, Clone)]
pub struct DayRow {
    pub day: String,
    pub shifts: Vec<ShiftView>,
}

/// A post with its shifts, day by day.
#[derive(Debug, Clone)]
pub struct PostBlock {
    pub id: Uuid,
    pub name: String,
    /// The kind's label.
    pub kind: String,
    /// Its compound and group on duty, as one line.
    pub detail: String,
    pub days: Vec<DayRow>,
}

fn blocks(
    posts: &[post::Model],
    shifts: Vec<ShiftView>,
    compounds: &BTreeMap<Uuid, String>,
    groups: &BTreeMap<Uuid, String>,
    lang: Lang,
) -> Vec<PostBlock> {
    let mut out: Vec<PostBlock> = posts
        .iter()
        .map(|p| {
            let mut detail = Vec::new();
            if let Some(c) = p.compound_id.and_then(|c| compounds.get(&c)) {
                detail.push(c.clone());
            }
            if let Some(g) = p.group_id.and_then(|g| groups.get(&g)) {
                detail.push(i18n::t_with(lang, "mobilisation.group_on_duty", &[("group", g)]));
            }
            PostBlock {
                id: p.id,
                name: p.name.clone(),
                kind: post_kind_label(&p.kind, lang),
                detail: detail.join(" · "),
                days: Vec::new(),
            }
        })
        .collect();
    for s in shifts {
        let Some(b) = out.iter_mut().find(|b| b.id == s.post_id) else { continue };
        match b.days.last_mut() {
            Some(d) if d.day == s.day => d.shifts.push(s),
            _ => b.days.push(DayRow { day: s.day.clone(), shifts: vec![s] }),
        }
    }
    out
}

/// A community's roster page: the roster per post and day, hours, limits,
/// and what the forms offer.
#[derive(Debug, Clone)]
pub struct RosterBoard {
    pub community: Place,
    pub can_write: bool,
    pub from: String,
    pub days: u32,
    pub limits: LimitsView,
    pub posts: Vec<PostBlock>,
    pub hours: Vec<HoursView>,
    pub missing: i32,
    /// Post kinds: (code, label).
    pub kinds: Vec<(String, String)>,
    pub compounds: Vec<(Uuid, String)>,
    pub groups: Vec<(Uuid, String)>,
    /// Verified volunteers, for swaps.
    pub people: Vec<(Uuid, String)>,
}

/// The roster page of the community named by `code` over a period.
pub async fn roster_board(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    from: Option<&str>,
    days: Option<u32>,
) -> Result<RosterBoard, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Read).await?;
    let (from, days) = period(ctx, from, days)?;
    let lang = actor.lang;
    let read = &ctx.db.read;
    let only = own_only(ctx, actor, &community).await?;
    let view = view_for(ctx, community.id, from, days, only).await?;
    let posts = store::posts_of_community(read, community.id).await?;
    let compounds: BTreeMap<Uuid, String> =
        mob::compounds_of_community(read, &community).await?.into_iter().map(|c| (c.id, c.name)).collect();
    let groups: BTreeMap<Uuid, String> =
        mob::groups_of_community(read, community.id).await?.into_iter().map(|g| (g.group.id, g.group.name)).collect();
    let filter = mob::VolunteerFilter { status: Some(DutyStatus::Verified), ..Default::default() };
    // The list of everyone (to swap people) is the board's, not a volunteer's.
    let people = if only.is_some() {
        Vec::new()
    } else {
        mob::list_volunteers(read, community.id, &filter)
            .await?
            .into_iter()
            .map(|r| (r.volunteer.id, r.volunteer.name))
            .collect()
    };
    Ok(RosterBoard {
        can_write: actor.can(Resource::Work, Action::Write, &community.path),
        from: view.from,
        days: view.days,
        limits: view.limits,
        posts: blocks(&posts, view.shifts, &compounds, &groups, lang),
        hours: view.hours,
        missing: view.missing,
        kinds: store::POST_KINDS.iter().map(|k| (k.to_string(), post_kind_label(k, lang))).collect(),
        compounds: compounds.into_iter().collect(),
        groups: groups.into_iter().collect(),
        people,
        community: Place::of(community)?,
    })
}

/// A printable roster.
#[derive(Debug, Clone)]
pub struct RosterPrint {
    pub community: Place,
    pub title: String,
    /// Posts with shifts in the period.
    pub posts: Vec<PostBlock>,
}

/// A printable roster of one post (`post`), one group's members (`group`),
/// or every post, over a period.
pub async fn roster_print(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    from: Option<&str>,
    days: Option<u32>,
    post: Option<Uuid>,
    group: Option<Uuid>,
) -> Result<RosterPrint, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Read).await?;
    let lang = actor.lang;
    let (from, days) = period(ctx, from, days)?;
    let read = &ctx.db.read;
    let only = own_only(ctx, actor, &community).await?;
    let mut view = view_for(ctx, community.id, from, days, only).await?;
    let mut posts = store::posts_of_community(read, community.id).await?;
    let groups = mob::groups_of_community(read, community.id).await?;
    let mut title = i18n::t(lang, "mobilisation.roster_title");
    if let Some(p) = post {
        posts.retain(|x| x.id == p);
        if let Some(x) = posts.first() {
            title = format!("{} · {}", x.name, title);
        }
    }
    if let Some(g) = group {
        let Some(group) = groups.iter().find(|x| x.group.id == g) else {
            return Err(Error::missing(shouwang_domain::grouping::Refusal::GroupNotFound));
        };
        let members: std::collections::HashSet<Uuid> = group.members.iter().map(|m| m.id).collect();
        view.shifts.retain(|s| s.people.iter().any(|p| members.contains(&p.id)));
        for s in &mut view.shifts {
            s.people.retain(|p| members.contains(&p.id));
        }
        title = format!("{} · {}", group.group.name, title);
    }
    let gnames: BTreeMap<Uuid, String> = groups.iter().map(|g| (g.group.id, g.group.name.clone())).collect();
    let mut posts = blocks(&posts, view.shifts, &BTreeMap::new(), &gnames, lang);
    posts.retain(|b| !b.days.is_empty());
    Ok(RosterPrint { community: Place::of(community)?, title, posts })
}

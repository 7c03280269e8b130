//! Sign-up sheets (接龙, SPEC §4.4): opening one, joining and withdrawing as
//! oneself, the sheet as WeChat text; and a volunteer's "my work", the phone
//! view of everything they are on.

use serde::{Deserialize, Serialize};
use shouwang_db::entity::{region, signup_sheet};
use shouwang_db::signup::{self, Joined, NewSheet};
use shouwang_db::{mobilisation as mob, registry};
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::bounds::{Capacity, Quantity, QuantityMax, QuantityTotal};
use shouwang_domain::signup::{Applicant, Eligibility, EntryStatus, Line, SheetRefusal, jielong_text};
use shouwang_domain::{DutyStatus, HealthStatus, Lang, Skill, SkillSet, VolunteerKind, clock, i18n};
use uuid::Uuid;

use crate::{Actor, Context, Error, Place};

/// A new sheet as a form or a JSON body gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SheetInput {
    pub title: String,
    #[serde(default)]
    pub note: Option<String>,
    /// What quantities count, e.g. "箱".
    #[serde(default)]
    pub unit: Option<String>,
    pub capacity: i32,
    #[serde(default)]
    pub quantity_max: Option<i32>,
    #[serde(default)]
    pub quantity_total: Option<i32>,
    /// "2022-04-06 22:30" (Beijing time) or RFC 3339.
    #[serde(default)]
    pub deadline: Option<String>,
    /// `Skill` code required to join.
    #[serde(default)]
    pub skill: Option<String>,
    /// `VolunteerKind` code required to join.
    #[serde(default)]
    pub kind: Option<String>,
    /// Only this group's members may join.
    #[serde(default)]
    pub group: Option<Uuid>,
}

fn parse_deadline(s: &str) -> Result<time::OffsetDateTime, Error> {
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(t);
    }
    clock::parse_minute(s).ok_or_else(|| Error::refused(SheetRefusal::BadDeadline))
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref().map(shouwang_domain::text::normalize).filter(|t| !t.is_empty())
}

/// Opens a sheet in the community named by `code` (`Work/Write` there) and
/// answers it as shown.
pub async fn open_sheet(ctx: &Context, actor: &Actor, code: &str, input: &SheetInput) -> Result<SheetDetail, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Write).await?;
    let sheet = open_sheet_for(ctx, actor, &community, input, None).await?;
    detail_of(ctx, actor, sheet, community).await
}

/// [`open_sheet`] in a community already checked, as a task's sheet when
/// `for_task` is given.
pub(crate) async fn open_sheet_for(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    input: &SheetInput,
    for_task: Option<(Uuid, shouwang_db::tasks::Actor)>,
) -> Result<signup_sheet::Model, Error> {
    let skill = match clean(&input.skill) {
        None => None,
        Some(s) => {
            Some(Skill::from_code(&s).ok_or_else(|| Error::refused(SheetRefusal::UnknownSkill))?.code().to_string())
        }
    };
    let kind = match clean(&input.kind) {
        None => None,
        Some(k) => Some(
            VolunteerKind::from_code(&k).ok_or_else(|| Error::refused(SheetRefusal::UnknownKind))?.code().to_string(),
        ),
    };
    if let Some(g) = input.group {
        let group = mob::group_by_id(&ctx.db.read, g).await?;
        if group.is_none_or(|g| g.community_id != community.id) {
            return Err(Error::missing(SheetRefusal::GroupNotInCommunity));
        }
    }
    // Each number in its range, before anything is looked up or written.
    let capacity = Capacity::new(input.capacity).map_err(Error::refused)?;
    let quantity_max = input.quantity_max.map(QuantityMax::new).transpose().map_err(Error::refused)?;
    let quantity_total = input.quantity_total.map(QuantityTotal::new).transpose().map_err(Error::refused)?;
    let deadline = clean(&input.deadline).map(|d| parse_deadline(&d)).transpose()?;
    if deadline.is_some_and(|d| d <= ctx.clock.now()) {
        return Err(Error::refused(SheetRefusal::DeadlinePassed));
    }
    let new = NewSheet {
        title: input.title.clone(),
        note: clean(&input.note),
        unit: clean(&input.unit).map(|u| u.chars().take(16).collect()),
        capacity: capacity.get(),
        quantity_max: quantity_max.map(QuantityMax::get),
        quantity_total: quantity_total.map(QuantityTotal::get),
        deadline,
        skill,
        kind,
        group_id: input.group,
    };
    let e = actor.entry("signup_sheet_open", "signup_sheet", None, community);
    Ok(signup::create_sheet_for(&ctx.db, community.id, new, crate::tokens::random_token(), actor.user_id, e, for_task)
        .await?)
}

/// A sheet and its community, checked against the user's access.
pub(crate) async fn sheet_for(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<(signup_sheet::Model, region::Model), Error> {
    let not_found = || Error::missing(SheetRefusal::SheetNotFound);
    let sheet = signup::sheet_by_id(&ctx.db.read, id).await?.ok_or_else(not_found)?;
    let community = registry::region_by_id(&ctx.db.read, sheet.community_id).await?.ok_or_else(not_found)?;
    actor.require(Resource::Work, action, &community.path)?;
    Ok((sheet, community))
}

/// Who may join a sheet.
fn rule_of(sheet: &signup_sheet::Model) -> Eligibility {
    Eligibility {
        skill: sheet.skill.as_deref().and_then(Skill::from_code),
        kind: sheet.kind.as_deref().and_then(VolunteerKind::from_code),
        group: sheet.group_id.map(|g| g.to_string()),
    }
}

/// A volunteer as the eligibility rules see them.
fn applicant_of<'a>(me: &shouwang_db::entity::volunteer::Model, group: Option<&'a str>) -> Applicant<'a> {
    Applicant {
        kind: VolunteerKind::from_code(&me.kind).unwrap_or(VolunteerKind::ResidentVolunteer),
        skills: SkillSet::from_codes(&me.skills),
        group,
        verified: DutyStatus::from_code(&me.status) == Some(DutyStatus::Verified),
        can_serve: HealthStatus::from_code(&me.health).is_some_and(HealthStatus::can_serve),
    }
}

/// Joins a sheet as the volunteer this account belongs to. The access and
/// eligibility checks run inside the instance's batch writer (see
/// [`signup::Joiner`]), against the sheet and volunteer records it loads once
/// per batch, so a burst of joins costs the database little per person.
pub async fn join_as(ctx: &Context, actor: &Actor, sheet_id: Uuid, quantity: i32) -> Result<Joined, Error> {
    let Some(account) = actor.user_id else { return Err(Error::Forbidden) };
    // A quantity outside its range is refused here, before it reaches the
    // sheet's counters (the domain's decision and a CHECK refuse it too).
    let quantity = Quantity::new(quantity).map_err(Error::refused)?.get();
    let caller = actor.clone();
    let gate: signup::Gate = Box::new(move |c: &signup::JoinContext<'_>| {
        match caller.require(Resource::Work, Action::Read, &c.community.path) {
            Ok(()) => {}
            // Another community's sheet is not found (as `sheet_for` answers).
            Err(Error::NotFound(_)) => {
                return Err(shouwang_db::DbError::NotFound { what: "sheet", key: c.sheet.id.to_string() });
            }
            Err(_) => return Err(shouwang_db::DbError::Forbidden),
        }
        let Some(me) = c.volunteer else { return Ok(()) };
        let group = c.group.map(|g| g.to_string());
        match rule_of(c.sheet).check(&applicant_of(me, group.as_deref())) {
            Some(why) => Err(shouwang_db::DbError::refused(why)),
            None => Ok(()),
        }
    });
    Ok(ctx.joiner.join(sheet_id, account, quantity, gate).await?)
}

/// Joins sheet `id` from its page: the sheet is looked up and checked first,
/// so a missing sheet or a refusal reads as it does on the page, then
/// [`join_as`].
pub async fn join(ctx: &Context, actor: &Actor, id: Uuid, quantity: i32) -> Result<Joined, Error> {
    let (sheet, _) = sheet_for(ctx, actor, id, Action::Read).await?;
    join_as(ctx, actor, sheet.id, quantity).await
}

/// Withdraws the account's volunteer from sheet `id`; returns how many moved
/// up from the waiting list.
pub async fn withdraw(ctx: &Context, actor: &Actor, id: Uuid) -> Result<usize, Error> {
    let (sheet, _) = sheet_for(ctx, actor, id, Action::Read).await?;
    let me = crate::volunteer_of(ctx, actor)
        .await?
        .filter(|v| v.community_id == sheet.community_id)
        .ok_or_else(|| Error::refused(SheetRefusal::NotOnSheet))?;
    Ok(signup::withdraw(&ctx.db, sheet.id, me.id, ctx.clock.now()).await?.len())
}

/// One person on a sheet, as lists show them.
#[derive(Debug, Clone, Serialize)]
pub struct EntryLine {
    pub seq: i32,
    pub name: String,
    pub quantity: i32,
    pub status: EntryStatus,
    pub mine: bool,
}

impl EntryLine {
    /// Holds a place (not waiting).
    pub fn confirmed(&self) -> bool {
        self.status == EntryStatus::Confirmed
    }
}

/// The people on a sheet (withdrawn ones left out) and the sheet as 接龙 text.
async fn sheet_lines(
    ctx: &Context,
    sheet: &signup_sheet::Model,
    me: Option<Uuid>,
    lang: Lang,
) -> Result<(Vec<EntryLine>, String), Error> {
    let entries = signup::entries(&ctx.db.read, sheet.id).await?;
    let lines: Vec<EntryLine> = entries
        .iter()
        .filter_map(|(e, name)| {
            let status = EntryStatus::from_code(&e.status).unwrap_or(EntryStatus::Waiting);
            (status != EntryStatus::Withdrawn).then(|| EntryLine {
                seq: e.seq,
                name: name.clone(),
                quantity: e.quantity,
                status,
                mine: Some(e.volunteer_id) == me,
            })
        })
        .collect();
    let counted = sheet.unit.is_some() || sheet.quantity_max.is_some() || sheet.quantity_total.is_some();
    let as_line = |l: &EntryLine| Line { name: l.name.clone(), quantity: counted.then_some(l.quantity.max(0) as u32) };
    let confirmed: Vec<Line> = lines.iter().filter(|l| l.status == EntryStatus::Confirmed).map(as_line).collect();
    let waiting: Vec<Line> = lines.iter().filter(|l| l.status == EntryStatus::Waiting).map(as_line).collect();
    let mut details = Vec::new();
    if let Some(d) = sheet.deadline {
        details.push(i18n::t_with(lang, "work.signup.deadline", &[("deadline", &clock::minute_text(d))]));
    }
    details.push(i18n::t_with(lang, "work.signup.places", &[("n", &sheet.capacity)]));
    if let Some(n) = &sheet.note {
        details.push(n.clone());
    }
    let text = jielong_text(&sheet.title, &details, sheet.unit.as_deref(), &confirmed, &waiting, lang);
    Ok((lines, text))
}

// ---------------------------------------------------------------------------
// Reading sheets for pages and the API

/// A sheet as its page and the API show it.
#[derive(Debug, Clone)]
pub struct SheetView {
    pub id: Uuid,
    pub title: String,
    pub note: Option<String>,
    pub unit: Option<String>,
    pub capacity: i32,
    pub confirmed: i32,
    pub quantity_max: Option<i32>,
    pub quantity_total: Option<i32>,
    pub quantity_confirmed: i32,
    pub deadline: Option<time::OffsetDateTime>,
    /// Closed by hand or past its deadline.
    pub closed: bool,
    /// The page that opens the sheet on a phone: `/s/{token}`.
    pub share_path: String,
}

impl SheetView {
    fn of(s: signup_sheet::Model, now: time::OffsetDateTime) -> SheetView {
        SheetView {
            closed: s.closed_at.is_some() || s.deadline.is_some_and(|d| d <= now),
            share_path: format!("/s/{}", s.share_token),
            id: s.id,
            title: s.title,
            note: s.note,
            unit: s.unit,
            capacity: s.capacity,
            confirmed: s.confirmed,
            quantity_max: s.quantity_max,
            quantity_total: s.quantity_total,
            quantity_confirmed: s.quantity_confirmed,
            deadline: s.deadline,
        }
    }

    /// Local deadline, empty when none.
    pub fn deadline_text(&self) -> String {
        local_deadline(self.deadline)
    }
}

/// A sheet with its people, its 接龙 text, and whether the reader may join.
#[derive(Debug, Clone)]
pub struct SheetDetail {
    pub community: Place,
    pub sheet: SheetView,
    /// Everyone on it (withdrawn ones left out), in arrival order.
    pub lines: Vec<EntryLine>,
    pub text: String,
    /// The reader is a volunteer of the sheet's community.
    pub can_join: bool,
}

pub(crate) async fn detail_of(
    ctx: &Context,
    actor: &Actor,
    sheet: signup_sheet::Model,
    community: region::Model,
) -> Result<SheetDetail, Error> {
    let me = crate::volunteer_of(ctx, actor).await?.filter(|v| v.community_id == community.id);
    let (lines, text) = sheet_lines(ctx, &sheet, me.as_ref().map(|v| v.id), actor.lang).await?;
    Ok(SheetDetail {
        community: Place::of(community)?,
        sheet: SheetView::of(sheet, ctx.clock.now()),
        lines,
        text,
        can_join: me.is_some(),
    })
}

/// Sheet `id` as its page and the API show it (`Work/Read` there).
pub async fn sheet(ctx: &Context, actor: &Actor, id: Uuid) -> Result<SheetDetail, Error> {
    let (sheet, community) = sheet_for(ctx, actor, id, Action::Read).await?;
    detail_of(ctx, actor, sheet, community).await
}

/// The sheet a share link (`/s/{token}`) opens, checked like the sheet.
pub async fn sheet_by_token(ctx: &Context, actor: &Actor, token: &str) -> Result<Uuid, Error> {
    let sheet =
        signup::sheet_by_token(&ctx.db.read, token).await?.ok_or_else(|| Error::missing(SheetRefusal::BadLink))?;
    sheet_for(ctx, actor, sheet.id, Action::Read).await?;
    Ok(sheet.id)
}

/// A sheet in a community's list.
#[derive(Debug, Clone)]
pub struct SheetRow {
    pub id: Uuid,
    pub title: String,
    pub confirmed: i32,
    pub capacity: i32,
    /// Local deadline, empty when none.
    pub deadline: String,
    pub closed: bool,
}

/// A community's sheets, and what the form to open one offers.
#[derive(Debug, Clone)]
pub struct Sheets {
    pub community: Place,
    pub sheets: Vec<SheetRow>,
    /// The reader may open sheets here.
    pub can_write: bool,
    /// The groups a sheet may be limited to.
    pub groups: Vec<(Uuid, String)>,
}

/// The sheets of the community named by `code` (`Work/Read` there).
pub async fn sheets(ctx: &Context, actor: &Actor, code: &str) -> Result<Sheets, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Read).await?;
    let now = ctx.clock.now();
    let sheets = signup::sheets_of_community(&ctx.db.read, community.id)
        .await?
        .into_iter()
        .map(|s| {
            let v = SheetView::of(s, now);
            SheetRow {
                deadline: v.deadline_text(),
                id: v.id,
                title: v.title,
                confirmed: v.confirmed,
                capacity: v.capacity,
                closed: v.closed,
            }
        })
        .collect();
    let groups = mob::groups_of_community(&ctx.db.read, community.id)
        .await?
        .into_iter()
        .map(|g| (g.group.id, g.group.name))
        .collect();
    Ok(Sheets {
        can_write: actor.can(Resource::Work, Action::Write, &community.path),
        community: Place::of(community)?,
        sheets,
        groups,
    })
}

// ---------------------------------------------------------------------------
// "My work": a volunteer's phone view of everything they are on.

/// A sheet as the volunteer's own list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MySheet {
    pub id: Uuid,
    pub title: String,
    /// confirmed / waiting, or empty for a sheet one may join.
    pub status: String,
    /// Arrival number on the sheet, 0 when not on it.
    pub seq: i32,
    pub confirmed: i32,
    pub capacity: i32,
    /// Local deadline, empty when none.
    pub deadline: String,
}

/// A live task the volunteer is assigned to or holds.
#[derive(Debug, Clone, Serialize)]
pub struct MyTaskLine {
    pub id: Uuid,
    pub title: String,
    pub state: String,
    pub when: String,
}

/// A live claim, with its expiry for the countdown.
#[derive(Debug, Clone, Serialize)]
pub struct MyClaim {
    pub id: Uuid,
    /// What is claimed: a task's title or a building's name.
    pub subject: String,
    /// The task's page, for a task.
    pub task: Option<Uuid>,
    /// RFC 3339, for the countdown.
    pub expires_at: String,
    /// Local time, for reading without scripts.
    pub expires_local: String,
}

/// Everything on one volunteer's plate.
#[derive(Debug, Clone, Serialize)]
pub struct MyWork {
    pub name: String,
    /// Moved up from a waiting list in the last three days: the in-app notice.
    pub promoted: Vec<MySheet>,
    pub tasks: Vec<MyTaskLine>,
    pub claims: Vec<MyClaim>,
    /// The next shifts (at most five) and how many more follow.
    pub shifts: Vec<crate::rosters::MyShift>,
    pub more_shifts: usize,
    /// Hours on duty this week (Monday to Sunday, Beijing time), and the community's weekly cap.
    pub week_hours: String,
    pub week_cap_hours: u32,
    /// Open sheets one is on.
    pub my_sheets: Vec<MySheet>,
    /// Open sheets one may join.
    pub open_sheets: Vec<MySheet>,
    /// Buildings whose delivery run one may claim (id, "compound building").
    pub buildings: Vec<(Uuid, String)>,
}

fn local_deadline(d: Option<time::OffsetDateTime>) -> String {
    d.map(clock::minute_text).unwrap_or_default()
}

fn my_sheet(sheet: &signup_sheet::Model, status: &str, seq: i32) -> MySheet {
    MySheet {
        id: sheet.id,
        title: sheet.title.clone(),
        status: status.to_string(),
        seq,
        confirmed: sheet.confirmed,
        capacity: sheet.capacity,
        deadline: local_deadline(sheet.deadline),
    }
}

/// The account's "my work", or `None` when it is not linked to a volunteer.
pub async fn my_work(ctx: &Context, actor: &Actor) -> Result<Option<MyWork>, Error> {
    use shouwang_db::{rosters as roster_store, tasks as task_store};
    use shouwang_domain::roster::{MINUTES_PER_DAY, date_of_day, day_of};
    use shouwang_domain::task::{TaskState, WorkKind};

    let read = &ctx.db.read;
    let Some(me) = crate::volunteer_of(ctx, actor).await? else { return Ok(None) };
    let community = registry::region_by_id(read, me.community_id).await?;
    if let Some(c) = &community {
        actor.require(Resource::Work, Action::Read, &c.path)?;
    }
    let lang = actor.lang;
    let now = ctx.clock.now();

    // Tasks and claims.
    let tasks = task_store::tasks_of_volunteer(read, me.id, now).await?;
    let live_tasks: Vec<MyTaskLine> = tasks
        .iter()
        .filter(|t| TaskState::from_code(&t.state).is_some_and(|s| !s.is_final()))
        .map(|t| MyTaskLine {
            id: t.id,
            title: t.title.clone(),
            state: TaskState::from_code(&t.state).map(|s| s.label(lang)).unwrap_or("").to_string(),
            when: t.starts_at.map(clock::minute_text).unwrap_or_default(),
        })
        .collect();
    let mut claims = Vec::new();
    for c in task_store::claims_of_volunteer(read, me.id, now).await? {
        let (subject, task) = match WorkKind::from_code(&c.work_kind) {
            Some(WorkKind::Task) => match tasks.iter().find(|t| t.id == c.subject_id) {
                Some(t) => (t.title.clone(), Some(t.id)),
                None => (
                    task_store::task_by_id(read, c.subject_id).await?.map(|t| t.title).unwrap_or_default(),
                    Some(c.subject_id),
                ),
            },
            _ => (
                registry::region_by_id(read, c.subject_id)
                    .await?
                    .map(|b| i18n::t_with(lang, "work.signup.building_run", &[("name", &b.name)]))
                    .unwrap_or_default(),
                None,
            ),
        };
        claims.push(MyClaim {
            id: c.id,
            subject,
            task,
            expires_at: c.expires_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            expires_local: clock::minute_text(c.expires_at),
        });
    }

    // Shifts: the next few, and this week's hours.
    let mut shifts = crate::rosters::shifts_of_volunteer(ctx, me.id, me.community_id).await?;
    let more_shifts = shifts.len().saturating_sub(5);
    shifts.truncate(5);
    let today = day_of(crate::rosters::now_minutes(&ctx.clock));
    let monday = today - date_of_day(today).map_or(0, |d| i64::from(d.weekday().number_days_from_monday()));
    let (week_start, week_end) = (monday * MINUTES_PER_DAY, (monday + 7) * MINUTES_PER_DAY);
    let week_minutes: i64 = roster_store::shifts_of_volunteer(read, me.id, week_start)
        .await?
        .iter()
        .filter(|s| s.start_min < week_end)
        .map(|s| s.end_min.min(week_end) - s.start_min.max(week_start))
        .sum();
    let limits = roster_store::settings(read, me.community_id).await?;

    // Sheets: the open ones one is on, the ones one may join, and promotions.
    let open = |s: &signup_sheet::Model| s.closed_at.is_none() && s.deadline.is_none_or(|d| d > now);
    let mine = signup::entries_of_volunteer(read, me.id).await?;
    let status_label = |status: Option<EntryStatus>| match status {
        Some(EntryStatus::Confirmed) => i18n::t(lang, "work.signup.status_confirmed"),
        Some(EntryStatus::Waiting) => i18n::t(lang, "work.signup.status_waiting"),
        _ => String::new(),
    };
    let status_of = |e: &shouwang_db::entity::signup_entry::Model| EntryStatus::from_code(&e.status);
    let promoted = mine
        .iter()
        .filter(|(e, _)| status_of(e) == Some(EntryStatus::Confirmed))
        .filter(|(e, _)| e.promoted_at.is_some_and(|p| p > now - time::Duration::days(3)))
        .map(|(e, s)| my_sheet(s, &status_label(status_of(e)), e.seq))
        .collect();
    let my_sheets: Vec<MySheet> = mine
        .iter()
        .filter(|(e, s)| status_of(e) != Some(EntryStatus::Withdrawn) && open(s))
        .map(|(e, s)| my_sheet(s, &status_label(status_of(e)), e.seq))
        .collect();
    let group_id = mob::group_of(read, me.id).await?;
    let buildings = match &community {
        Some(c) => mob::buildings_for_runs(read, c, group_id).await?,
        None => Vec::new(),
    };
    let group = group_id.map(|g| g.to_string());
    let applicant = applicant_of(&me, group.as_deref());
    let open_sheets = signup::sheets_of_community(read, me.community_id)
        .await?
        .iter()
        .filter(|s| open(s) && !my_sheets.iter().any(|m| m.id == s.id))
        .filter(|s| rule_of(s).check(&applicant).is_none())
        .map(|s| my_sheet(s, "", 0))
        .collect();

    Ok(Some(MyWork {
        name: me.name,
        promoted,
        tasks: live_tasks,
        claims,
        shifts,
        more_shifts,
        week_hours: crate::rosters::hours(u32::try_from(week_minutes.max(0)).unwrap_or(0)),
        week_cap_hours: limits.max_week_minutes / 60,
        my_sheets,
        open_sheets,
        buildings,
    }))
}

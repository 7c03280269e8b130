//! Tasks and claims (SPEC §4.4):
//! create a task, send it down the chain (community → branch → group →
//! members), move it through its states, and claim it for a while.
//!
//! Who may do what: `Work/Write` (committee, social worker, branch secretary,
//! group leader) may do everything in their community; a volunteer with
//! `Work/Read` may start, finish, report "could not complete" or check a task
//! they are assigned to or hold a claim on, and claim tasks of their community.

use serde::{Deserialize, Serialize};
use shouwang_db::entity::{claim, region, task};
use shouwang_db::tasks::{self as store, Changed, ClaimOutcome, NewTask};
use shouwang_db::{mobilisation as mob, registry};
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::task::{Priority, Refusal, TaskAction, TaskKind, TaskState, WorkKind};
use shouwang_domain::{Lang, RegionKind, Skill, SkillSet, clock, i18n};
use uuid::Uuid;

use crate::{Actor, Context, Error, Place};

/// How long a claim holds, and how much an extension adds.
pub const CLAIM_HOLD_MINUTES: i64 = 120;
pub const CLAIM_EXTEND_MINUTES: i64 = 60;

/// A new task as a form or a JSON body gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskInput {
    pub title: String,
    /// `TaskKind` code (or label).
    pub kind: String,
    /// Code of a compound or building of the community.
    #[serde(default)]
    pub place: Option<String>,
    /// Free text for the place ("3号门岗").
    #[serde(default)]
    pub place_text: Option<String>,
    /// "2022-04-06 22:30" (Beijing time) or RFC 3339.
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default = "one")]
    pub headcount: i32,
    /// urgent / high / normal
    #[serde(default)]
    pub priority: Option<String>,
    /// `Skill` codes.
    #[serde(default)]
    pub skills: Vec<String>,
    /// A sign-up sheet (接龙) opened for this task.
    #[serde(default)]
    pub signup_sheet: Option<Uuid>,
}

fn one() -> i32 {
    1
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref().map(shouwang_domain::text::normalize).filter(|t| !t.is_empty())
}

pub fn parse_time(s: &str) -> Result<time::OffsetDateTime, Error> {
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(t);
    }
    clock::parse_minute(s).ok_or_else(|| Error::refused(Refusal::BadTime))
}

/// Creates a task in the community named by `code` (`Work/Write` there) and
/// answers it as shown.
pub async fn create_task(ctx: &Context, actor: &Actor, code: &str, input: &TaskInput) -> Result<TaskDetail, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Write).await?;
    let t = create_in(ctx, actor, &community, input).await?;
    detail(ctx, actor, &t, &community).await
}

/// Creates a task in a community the caller checked.
async fn create_in(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    input: &TaskInput,
) -> Result<task::Model, Error> {
    let kind = TaskKind::parse(&input.kind).ok_or_else(|| Error::refused(Refusal::UnknownKind))?;
    let priority = match clean(&input.priority) {
        None => Priority::Normal,
        Some(p) => Priority::parse(&p).ok_or_else(|| Error::refused(Refusal::UnknownPriority))?,
    };
    let mut skills = SkillSet::empty();
    for s in input.skills.iter().filter(|s| !s.trim().is_empty()) {
        skills.insert(Skill::from_code(s.trim()).ok_or_else(|| Error::refused(Refusal::UnknownSkill))?);
    }
    let place_region_id = match clean(&input.place) {
        None => None,
        Some(code) => {
            let code = shouwang_domain::RegionCode::parse(&code).map_err(|_| Error::refused(Refusal::UnknownPlace))?;
            let place = registry::find_region(&ctx.db.read, &code).await?;
            match place {
                Some(p) if p.path.starts_with(&community.path) => Some(p.id),
                _ => return Err(Error::missing(Refusal::PlaceNotInCommunity)),
            }
        }
    };
    if let Some(sheet) = input.signup_sheet {
        let found = shouwang_db::signup::sheet_by_id(&ctx.db.read, sheet).await?;
        if found.is_none_or(|s| s.community_id != community.id) {
            return Err(Error::missing(Refusal::SheetNotInCommunity));
        }
    }
    let headcount = shouwang_domain::bounds::Headcount::new(input.headcount).map_err(Error::refused)?;
    let new = NewTask {
        title: input.title.clone(),
        kind,
        place_region_id,
        place_text: clean(&input.place_text),
        starts_at: clean(&input.starts_at).map(|s| parse_time(&s)).transpose()?,
        ends_at: clean(&input.ends_at).map(|s| parse_time(&s)).transpose()?,
        headcount: headcount.get(),
        priority,
        skills: skills.to_codes(),
        signup_sheet_id: input.signup_sheet,
    };
    let e = actor.entry("task_create", "task", None, community);
    Ok(store::create_task(&ctx.db, community.id, new, &actor.task_actor(), e).await?)
}

/// Opens the task's sign-up sheet, filled in from the task: its title, its
/// headcount as the places, its group (if dispatched to one) as who may join,
/// its first required skill, and its start as the deadline. One sheet per task.
pub async fn open_sheet_for_task(ctx: &Context, actor: &Actor, id: Uuid) -> Result<crate::signup::SheetDetail, Error> {
    let (t, community) = task_for(ctx, actor, id, Action::Write).await?;
    let deadline = t.starts_at.filter(|s| *s > ctx.clock.now() + time::Duration::minutes(5));
    let input = crate::signup::SheetInput {
        title: t.title.clone(),
        note: t.place_text.clone(),
        unit: None,
        capacity: t.headcount,
        quantity_max: None,
        quantity_total: None,
        deadline: deadline.map(|d| d.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()),
        skill: t.skills.split(',').map(str::trim).find(|s| !s.is_empty()).map(str::to_string),
        kind: None,
        group: t.group_id,
    };
    let sheet = crate::signup::open_sheet_for(ctx, actor, &community, &input, Some((t.id, actor.task_actor()))).await?;
    crate::signup::detail_of(ctx, actor, sheet, community).await
}

/// A task and its community, checked against the user's access.
pub(crate) async fn task_for(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<(task::Model, region::Model), Error> {
    let not_found = || Error::missing(Refusal::TaskNotFound);
    let t = store::task_by_id(&ctx.db.read, id).await?.ok_or_else(not_found)?;
    let community = registry::region_by_id(&ctx.db.read, t.community_id).await?.ok_or_else(not_found)?;
    actor.require(Resource::Work, action, &community.path)?;
    Ok((t, community))
}

/// The volunteer this account belongs to in the community, if any.
pub(crate) async fn me_in(
    ctx: &Context,
    actor: &Actor,
    community_id: Uuid,
) -> Result<Option<shouwang_db::entity::volunteer::Model>, Error> {
    Ok(crate::volunteer_of(ctx, actor).await?.filter(|v| v.community_id == community_id))
}

fn not_linked() -> Error {
    Error::refused(Refusal::NotLinked)
}

/// Sends a task to a branch and/or a group of its community. A group that
/// belongs to a branch takes the task through that branch.
pub async fn dispatch(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
    branch: Option<Uuid>,
    group: Option<Uuid>,
) -> Result<(), Error> {
    let (t, community) = task_for(ctx, actor, id, Action::Write).await?;
    if branch.is_none() && group.is_none() {
        return Err(Error::refused(Refusal::NoDispatchTarget));
    }
    let mut branch_to = None;
    let mut group_to = None;
    if let Some(g) = group {
        let found = mob::group_by_id(&ctx.db.read, g).await?.filter(|x| x.community_id == community.id);
        let g = found.ok_or_else(|| Error::missing(Refusal::GroupNotInCommunity))?;
        group_to = Some((g.id, g.name.clone()));
        if branch.is_none()
            && let Some(b) = g.branch_id
        {
            branch_to = Some(b);
        }
    }
    let branch = branch.or(branch_to);
    let branch_to = match branch {
        None => None,
        Some(b) => {
            let views = mob::branches_of_community(&ctx.db.read, community.id).await?;
            let v = views
                .into_iter()
                .find(|v| v.branch.id == b)
                .ok_or_else(|| Error::missing(Refusal::BranchNotInCommunity))?;
            Some((v.branch.id, v.branch.name))
        }
    };
    let e = actor.entry("task_dispatch", "task", None, &community);
    store::dispatch(&ctx.db, community.id, t.id, branch_to, group_to, &actor.task_actor(), e).await?;
    Ok(())
}

/// Assigns volunteers: of the community, and of the task's group once it has one.
pub async fn assign(ctx: &Context, actor: &Actor, id: Uuid, volunteers: &[Uuid]) -> Result<usize, Error> {
    let (t, community) = task_for(ctx, actor, id, Action::Write).await?;
    if volunteers.is_empty() {
        return Err(Error::refused(Refusal::NobodyToAssign));
    }
    let members: Option<Vec<Uuid>> = match t.group_id {
        None => None,
        Some(g) => {
            let groups = mob::groups_of_community(&ctx.db.read, community.id).await?;
            groups.into_iter().find(|v| v.group.id == g).map(|v| v.members.iter().map(|m| m.id).collect())
        }
    };
    let of = store::communities_of(&ctx.db.read, volunteers).await?;
    for v in volunteers {
        if of.get(v) != Some(&community.id) {
            return Err(Error::missing(Refusal::VolunteerNotInCommunity));
        }
        if let Some(m) = &members
            && !m.contains(v)
        {
            return Err(Error::refused(Refusal::NotGroupMember));
        }
    }
    let e = actor.entry("task_assign", "task", None, &community);
    Ok(store::assign(&ctx.db, community.id, t.id, volunteers, &actor.task_actor(), e).await?)
}

/// Is this user's volunteer assigned to the task or holding its claim?
async fn works_on(ctx: &Context, actor: &Actor, t: &task::Model) -> Result<bool, Error> {
    let Some(me) = me_in(ctx, actor, t.community_id).await? else { return Ok(false) };
    if store::is_assigned(&ctx.db.read, t.id, me.id).await? {
        return Ok(true);
    }
    let live = store::live_claim(&ctx.db.read, WorkKind::Task, t.id, ctx.clock.now()).await?;
    Ok(live.is_some_and(|c| c.volunteer_id == me.id))
}

/// Moves a task through its states; a repeat answers the current state.
pub async fn act(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
    action: TaskAction,
    reason: Option<&str>,
) -> Result<Changed, Error> {
    let (t, community) = task_for(ctx, actor, id, Action::Read).await?;
    let (t, community) = (&t, &community);
    let writer = actor.can(Resource::Work, Action::Write, &community.path);
    if !writer {
        let own = matches!(action, TaskAction::Start | TaskAction::Finish | TaskAction::Fail | TaskAction::Check);
        if !own || !works_on(ctx, actor, t).await? {
            return Err(Error::Forbidden);
        }
    }
    let e = actor.entry("task_state", "task", None, community);
    Ok(store::change_state(&ctx.db, community.id, t.id, action, reason, &actor.task_actor(), e).await?)
}

/// What a claim came to.
#[derive(Debug, Clone)]
pub enum Claimed {
    /// The volunteer holds the work now (`repeated`: they already did).
    Held { claim: ClaimView, repeated: bool },
    /// Someone else holds it until `until`.
    Taken { until: time::OffsetDateTime },
}

impl From<ClaimOutcome> for Claimed {
    fn from(o: ClaimOutcome) -> Claimed {
        match o {
            ClaimOutcome::Held { claim, repeated } => Claimed::Held { claim: ClaimView::of(claim), repeated },
            ClaimOutcome::Taken { until, .. } => Claimed::Taken { until },
        }
    }
}

/// A claim the volunteer holds.
#[derive(Debug, Clone)]
pub struct ClaimView {
    pub id: Uuid,
    pub expires_at: time::OffsetDateTime,
}

impl ClaimView {
    fn of(c: claim::Model) -> ClaimView {
        ClaimView { id: c.id, expires_at: c.expires_at }
    }
}

/// Claims task `id` for the account's volunteer.
pub async fn claim_task(ctx: &Context, actor: &Actor, id: Uuid) -> Result<Claimed, Error> {
    let (t, _) = task_for(ctx, actor, id, Action::Read).await?;
    let me = me_in(ctx, actor, t.community_id).await?.ok_or_else(not_linked)?;
    let st = TaskState::from_code(&t.state).unwrap_or(TaskState::Open);
    if st.is_final() || st == TaskState::Done {
        return Err(Error::refused(Refusal::OverCannotClaim));
    }
    let hold = time::Duration::minutes(CLAIM_HOLD_MINUTES);
    Ok(store::claim(&ctx.db, t.community_id, WorkKind::Task, t.id, me.id, hold, &actor.task_actor(), ctx.clock.now())
        .await?
        .into())
}

/// Claims a building's delivery run for the account's volunteer: a building
/// of their own community, held like a task's claim (one holder at a time).
pub async fn claim_building(ctx: &Context, actor: &Actor, building: Uuid) -> Result<Claimed, Error> {
    let not_found = || Error::missing(Refusal::BuildingNotFound);
    let b = registry::region_by_id(&ctx.db.read, building)
        .await?
        .filter(|b| RegionKind::parse(&b.kind) == Some(RegionKind::Building))
        .ok_or_else(not_found)?;
    let me = crate::volunteer_of(ctx, actor).await?.ok_or_else(not_linked)?;
    let community = registry::region_by_id(&ctx.db.read, me.community_id).await?.ok_or_else(not_linked)?;
    if !b.path.starts_with(&community.path) {
        return Err(Error::missing(Refusal::BuildingNotYours));
    }
    actor.require(Resource::Work, Action::Read, &community.path)?;
    let hold = time::Duration::minutes(CLAIM_HOLD_MINUTES);
    let o = store::claim(
        &ctx.db,
        me.community_id,
        WorkKind::BuildingRun,
        b.id,
        me.id,
        hold,
        &actor.task_actor(),
        ctx.clock.now(),
    )
    .await?;
    Ok(o.into())
}

/// A claim the account's volunteer holds.
async fn my_claim(ctx: &Context, actor: &Actor, id: Uuid) -> Result<(claim::Model, Uuid), Error> {
    let not_found = || Error::missing(Refusal::ClaimNotFound);
    let c = store::claim_by_id(&ctx.db.read, id).await?.ok_or_else(not_found)?;
    let community = registry::region_by_id(&ctx.db.read, c.community_id).await?.ok_or_else(not_found)?;
    actor.require(Resource::Work, Action::Read, &community.path)?;
    let me = me_in(ctx, actor, c.community_id).await?.ok_or_else(not_linked)?;
    Ok((c, me.id))
}

pub async fn extend_claim(ctx: &Context, actor: &Actor, id: Uuid) -> Result<ClaimView, Error> {
    let (c, me) = my_claim(ctx, actor, id).await?;
    let more = time::Duration::minutes(CLAIM_EXTEND_MINUTES);
    Ok(ClaimView::of(store::extend(&ctx.db, c.id, me, more, &actor.task_actor(), ctx.clock.now()).await?))
}

pub async fn release_claim(ctx: &Context, actor: &Actor, id: Uuid) -> Result<bool, Error> {
    let (c, me) = my_claim(ctx, actor, id).await?;
    Ok(store::release(&ctx.db, c.id, me, &actor.task_actor()).await?)
}

pub async fn hand_over(ctx: &Context, actor: &Actor, id: Uuid, to: Uuid) -> Result<ClaimView, Error> {
    let (c, me) = my_claim(ctx, actor, id).await?;
    let of = store::communities_of(&ctx.db.read, &[to]).await?;
    if of.get(&to) != Some(&c.community_id) {
        return Err(Error::missing(Refusal::VolunteerNotInCommunity));
    }
    Ok(ClaimView::of(store::hand_over(&ctx.db, c.id, me, to, &actor.task_actor(), ctx.clock.now()).await?))
}

/// One line of a task's history.
#[derive(Debug, Clone, Serialize)]
pub struct EventLine {
    /// Beijing time.
    pub at: String,
    pub by: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub what: String,
    /// What happened, in the reader's language.
    pub text: String,
}

/// A live claim as shown.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimLine {
    pub id: Uuid,
    pub volunteer_id: Uuid,
    pub volunteer: String,
    /// RFC 3339.
    pub expires_at: String,
    /// Beijing time.
    pub expires_local: String,
    pub minutes_left: i64,
    pub mine: bool,
}

/// A task with everything its page and the API show.
#[derive(Debug, Clone, Serialize)]
pub struct TaskDetail {
    pub id: Uuid,
    pub community: String,
    pub title: String,
    pub kind: String,
    pub kind_label: String,
    pub place: Option<String>,
    pub place_text: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub headcount: i32,
    pub priority: String,
    pub priority_label: String,
    pub skills: Vec<String>,
    pub state: String,
    pub state_label: String,
    pub branch_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub signup_sheet_id: Option<Uuid>,
    pub reason: Option<String>,
    pub assignees: Vec<(Uuid, String)>,
    pub claim: Option<ClaimLine>,
    pub events: Vec<EventLine>,
}

/// Why work moved on its own: a volunteer stopped serving.
fn cause_label(cause: &str, lang: Lang) -> String {
    match cause {
        "isolated" | "infected" | "stood_down" => i18n::t(lang, &format!("work.tasks.cause.{cause}")),
        other => other.to_string(),
    }
}

fn event_text(what: &str, from: Option<&str>, to: Option<&str>, detail: Option<&str>, lang: Lang) -> String {
    let st = |s: Option<&str>| s.and_then(TaskState::from_code).map(|s| s.label(lang)).unwrap_or("");
    let d = detail.unwrap_or("");
    let with_d = |key: &str| i18n::t_with(lang, key, &[("d", &d)]);
    match what {
        "created" => i18n::t(lang, "work.tasks.event.created"),
        "dispatch_branch" => with_d("work.tasks.event.dispatch_branch"),
        "dispatch_group" => with_d("work.tasks.event.dispatch_group"),
        "assign" => with_d("work.tasks.event.assign"),
        "state" => {
            let base = format!("{} → {}", st(from), st(to));
            if d.is_empty() { base } else { format!("{base}（{d}）") }
        }
        "claim" => with_d("work.tasks.event.claim"),
        "extend" => with_d("work.tasks.event.extend"),
        "release" if d.is_empty() => i18n::t(lang, "work.tasks.event.release"),
        "release" => i18n::t_with(lang, "work.tasks.event.release_cause", &[("cause", &cause_label(d, lang))]),
        "unassign" => {
            let (name, cause) = d.split_once(':').unwrap_or((d, ""));
            i18n::t_with(lang, "work.tasks.event.unassign", &[("name", &name), ("cause", &cause_label(cause, lang))])
        }
        "sheet_opened" => i18n::t(lang, "work.tasks.event.sheet_opened"),
        "hand_over" if d.contains(':') => {
            let (name, cause) = d.split_once(':').unwrap_or((d, ""));
            i18n::t_with(
                lang,
                "work.tasks.event.hand_over_cause",
                &[("name", &name), ("cause", &cause_label(cause, lang))],
            )
        }
        "hand_over" => with_d("work.tasks.event.hand_over"),
        other => format!("{other} {d}"),
    }
}

async fn detail(ctx: &Context, actor: &Actor, t: &task::Model, community: &region::Model) -> Result<TaskDetail, Error> {
    let lang = actor.lang;
    let events = store::events(&ctx.db.read, t.id)
        .await?
        .into_iter()
        .map(|e| EventLine {
            at: clock::minute_text(e.at),
            text: event_text(&e.what, e.from_state.as_deref(), e.to_state.as_deref(), e.detail.as_deref(), lang),
            by: e.by_name,
            from: e.from_state,
            to: e.to_state,
            what: e.what,
        })
        .collect();
    let now = ctx.clock.now();
    let me = me_in(ctx, actor, t.community_id).await?.map(|v| v.id);
    let claim = match store::live_claim(&ctx.db.read, WorkKind::Task, t.id, now).await? {
        None => None,
        Some(c) => {
            let name = store::names_of(&ctx.db.read, &[c.volunteer_id]).await?.remove(&c.volunteer_id);
            Some(ClaimLine {
                id: c.id,
                volunteer_id: c.volunteer_id,
                volunteer: name.unwrap_or_default(),
                expires_at: c.expires_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                expires_local: clock::minute_text(c.expires_at),
                minutes_left: (c.expires_at - now).whole_minutes().max(0),
                mine: Some(c.volunteer_id) == me,
            })
        }
    };
    let place = match t.place_region_id {
        None => None,
        Some(p) => registry::region_by_id(&ctx.db.read, p).await?.map(|r| r.name),
    };
    let kind = TaskKind::from_code(&t.kind);
    let priority = Priority::from_code(&t.priority);
    let st = TaskState::from_code(&t.state);
    Ok(TaskDetail {
        id: t.id,
        community: community.code.clone(),
        title: t.title.clone(),
        kind: t.kind.clone(),
        kind_label: kind.map(|k| k.label(lang)).unwrap_or("").to_string(),
        place,
        place_text: t.place_text.clone(),
        starts_at: t.starts_at.map(clock::minute_text),
        ends_at: t.ends_at.map(clock::minute_text),
        headcount: t.headcount,
        priority: t.priority.clone(),
        priority_label: priority.map(|p| p.label(lang)).unwrap_or("").to_string(),
        skills: SkillSet::from_codes(&t.skills).iter().map(|s| s.label(lang).to_string()).collect(),
        state: t.state.clone(),
        state_label: st.map(|s| s.label(lang)).unwrap_or("").to_string(),
        branch_id: t.branch_id,
        group_id: t.group_id,
        signup_sheet_id: t.signup_sheet_id,
        reason: t.reason.clone(),
        assignees: store::assignees(&ctx.db.read, t.id).await?,
        claim,
        events,
    })
}

/// Task `id` with everything the API shows (`Work/Read` there).
pub async fn task(ctx: &Context, actor: &Actor, id: Uuid) -> Result<TaskDetail, Error> {
    let (t, community) = task_for(ctx, actor, id, Action::Read).await?;
    detail(ctx, actor, &t, &community).await
}

// ---------------------------------------------------------------------------
// Pages

/// A task in a community's list.
#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub priority: String,
    pub state: String,
    /// Local start, empty when none.
    pub when: String,
}

/// A community's tasks, and what the form to create one offers.
#[derive(Debug, Clone)]
pub struct Tasks {
    pub community: Place,
    pub tasks: Vec<TaskRow>,
    /// The reader may create and dispatch tasks here.
    pub can_write: bool,
    /// Compounds and buildings a task may be at: (code, name).
    pub places: Vec<(String, String)>,
}

/// The tasks of the community named by `code`, in state `wanted` or all.
pub async fn tasks(ctx: &Context, actor: &Actor, code: &str, wanted: Option<TaskState>) -> Result<Tasks, Error> {
    let community = crate::community_for(ctx, actor, code, Resource::Work, Action::Read).await?;
    let lang = actor.lang;
    // The community's whole list is the board's; a volunteer sees the tasks
    // they are assigned to or hold a claim on (SPEC §2).
    let found = if actor.can(Resource::WorkBoard, Action::Read, &community.path) {
        store::tasks_of_community(&ctx.db.read, community.id, wanted).await?
    } else {
        match me_in(ctx, actor, community.id).await? {
            Some(me) => store::tasks_of_volunteer(&ctx.db.read, me.id, ctx.clock.now())
                .await?
                .into_iter()
                .filter(|t| t.community_id == community.id && wanted.is_none_or(|w| t.state == w.code()))
                .collect(),
            None => Vec::new(),
        }
    };
    let tasks = found
        .into_iter()
        .map(|t| TaskRow {
            kind: TaskKind::from_code(&t.kind).map(|k| k.label(lang)).unwrap_or("").to_string(),
            priority: Priority::from_code(&t.priority).map(|p| p.label(lang)).unwrap_or("").to_string(),
            state: TaskState::from_code(&t.state).map(|s| s.label(lang)).unwrap_or("").to_string(),
            when: t.starts_at.map(clock::minute_text).unwrap_or_default(),
            id: t.id,
            title: t.title,
        })
        .collect();
    let places =
        mob::compounds_of_community(&ctx.db.read, &community).await?.into_iter().map(|c| (c.code, c.name)).collect();
    Ok(Tasks {
        can_write: actor.can(Resource::Work, Action::Write, &community.path),
        community: Place::of(community)?,
        tasks,
        places,
    })
}

/// A task's page: the task, what the reader may do with it, and the pickers.
#[derive(Debug, Clone)]
pub struct TaskBoard {
    pub task: TaskDetail,
    pub community_name: String,
    pub branch_name: Option<String>,
    pub group_name: Option<String>,
    pub can_write: bool,
    /// Still open for dispatch and assignment (not done, checked, failed or cancelled).
    pub active: bool,
    pub can_claim: bool,
    /// The state buttons the reader gets, each one that changes the state.
    pub actions: Vec<TaskAction>,
    pub branches: Vec<(Uuid, String)>,
    pub groups: Vec<(Uuid, String)>,
    /// Members of the task's group not yet assigned (for writers).
    pub members: Vec<(Uuid, String)>,
    /// Who a claim can be handed to: the group's members (or the assignees).
    pub hand_to: Vec<(Uuid, String)>,
}

/// Task `id` as its page shows it (`Work/Read` there).
pub async fn task_board(ctx: &Context, actor: &Actor, id: Uuid) -> Result<TaskBoard, Error> {
    let (t, community) = task_for(ctx, actor, id, Action::Read).await?;
    let task = detail(ctx, actor, &t, &community).await?;
    let can_write = actor.can(Resource::Work, Action::Write, &community.path);
    let me = me_in(ctx, actor, community.id).await?;
    let assigned = match &me {
        Some(v) => task.assignees.iter().any(|a| a.0 == v.id) || task.claim.as_ref().is_some_and(|c| c.mine),
        None => false,
    };
    let current = TaskState::from_code(&t.state).unwrap_or(TaskState::Open);
    let offered: &[TaskAction] = if can_write {
        &[
            TaskAction::Start,
            TaskAction::Finish,
            TaskAction::Check,
            TaskAction::Fail,
            TaskAction::Cancel,
            TaskAction::Reopen,
        ]
    } else if assigned {
        &[TaskAction::Start, TaskAction::Finish, TaskAction::Check, TaskAction::Fail]
    } else {
        &[]
    };
    let actions = offered
        .iter()
        .copied()
        .filter(|a| shouwang_domain::task::transition(current, *a).is_ok_and(|s| s != current))
        .collect();
    let branches_all = mob::branches_of_community(&ctx.db.read, community.id).await?;
    let groups_all = mob::groups_of_community(&ctx.db.read, community.id).await?;
    let branch_name =
        t.branch_id.and_then(|b| branches_all.iter().find(|v| v.branch.id == b)).map(|v| v.branch.name.clone());
    let group = t.group_id.and_then(|g| groups_all.iter().find(|v| v.group.id == g));
    let members = match (can_write, group) {
        (true, Some(g)) => g
            .members
            .iter()
            .filter(|m| !task.assignees.iter().any(|a| a.0 == m.id))
            .map(|m| (m.id, m.name.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let holder = task.claim.as_ref().filter(|c| c.mine).map(|c| c.volunteer_id);
    let hand_to = match (holder, group) {
        (None, _) => Vec::new(),
        (Some(h), Some(g)) => g.members.iter().filter(|m| m.id != h).map(|m| (m.id, m.name.clone())).collect(),
        (Some(h), None) => task.assignees.iter().filter(|a| a.0 != h).cloned().collect(),
    };
    let open = !current.is_final() && current != TaskState::Done;
    Ok(TaskBoard {
        community_name: community.name,
        branch_name,
        group_name: group.map(|v| v.group.name.clone()),
        can_write,
        active: open,
        can_claim: me.is_some() && open,
        actions,
        branches: branches_all.iter().map(|b| (b.branch.id, b.branch.name.clone())).collect(),
        groups: groups_all.iter().map(|g| (g.group.id, g.group.name.clone())).collect(),
        members,
        hand_to,
        task,
    })
}

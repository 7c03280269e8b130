//! Tasks on a phone: a community's tasks with a state filter and a form to
//! create one; a task's page (dispatch to a branch or group, assign members,
//! one-tap state buttons, claim with its expiry, history); a volunteer's own
//! tasks (on `/my/work`). Every button is a plain POST answered by the page,
//! so a repeated tap shows the current state and records nothing new.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_db::entity::region;
use shouwang_db::mobilisation as mob;
use shouwang_db::tasks as store;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::task::{Priority, TaskAction, TaskKind, TaskState, transition};
use shouwang_domain::{Lang, Skill};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::error::bad;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use shouwang_domain::clock::minute_text as local_text;
use shouwang_service::tasks::{self as svc, TaskDetail, TaskInput};

pub struct TaskRow {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub priority: String,
    pub state: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "tasks/tasks.html")]
struct TasksPage {
    ctx: PageCtx,
    community: region::Model,
    tasks: Vec<TaskRow>,
    filter: String,
    states: Vec<(String, String)>,
    can_write: bool,
    kinds: Vec<(String, String)>,
    priorities: Vec<(String, String)>,
    skills: Vec<(String, String)>,
    places: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct Filter {
    #[serde(default)]
    state: String,
}

fn row(t: &shouwang_db::entity::task::Model, lang: Lang) -> TaskRow {
    TaskRow {
        id: t.id,
        title: t.title.clone(),
        kind: TaskKind::from_code(&t.kind).map(|k| k.label(lang)).unwrap_or("").to_string(),
        priority: Priority::from_code(&t.priority).map(|p| p.label(lang)).unwrap_or("").to_string(),
        state: TaskState::from_code(&t.state).map(|s| s.label(lang)).unwrap_or("").to_string(),
        when: t.starts_at.map(local_text).unwrap_or_default(),
    }
}

pub async fn tasks_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(filter): Query<Filter>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Read).await?;
    let lang = user.lang;
    let wanted = TaskState::from_code(filter.state.trim());
    let tasks = store::tasks_of_community(&state.ctx.db.read, community.id, wanted).await?;
    let places = mob::compounds_of_community(&state.ctx.db.read, &community)
        .await?
        .into_iter()
        .map(|c| (c.code.clone(), c.name.clone()))
        .collect();
    render(&TasksPage {
        ctx: PageCtx::for_user(&user, &format!("/c/{code}/tasks")),
        can_write: user.can(Resource::Work, Action::Write, &community.path),
        tasks: tasks.iter().map(|t| row(t, lang)).collect(),
        filter: wanted.map(|s| s.code().to_string()).unwrap_or_default(),
        states: TaskState::ALL.iter().map(|s| (s.code().to_string(), s.label(lang).to_string())).collect(),
        kinds: TaskKind::ALL.iter().map(|k| (k.code().to_string(), k.label(lang).to_string())).collect(),
        priorities: Priority::ALL.iter().map(|p| (p.code().to_string(), p.label(lang).to_string())).collect(),
        skills: Skill::ALL.iter().map(|s| (s.code().to_string(), s.label(lang).to_string())).collect(),
        places,
        community,
    })
}

#[derive(Deserialize)]
pub struct TaskForm {
    title: String,
    kind: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    place_text: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    headcount: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    skills: Vec<String>,
}

pub async fn create_task(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    Form(form): Form<TaskForm>,
) -> Result<Response, AppError> {
    let community =
        shouwang_service::community_for(&state.ctx, &user.actor(None), &code, Resource::Work, Action::Write).await?;
    let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
    let headcount = match form.headcount.trim() {
        "" => 1,
        h => h.parse().map_err(|_| bad("人数请填写整数", "the headcount is a whole number"))?,
    };
    let input = TaskInput {
        title: form.title,
        kind: form.kind,
        place: some(form.place),
        place_text: some(form.place_text),
        starts_at: some(form.starts_at),
        ends_at: some(form.ends_at),
        headcount,
        priority: some(form.priority),
        skills: form.skills,
        signup_sheet: None,
    };
    let t = svc::create_task(&state.ctx, &user.actor(peer.text()), &community, &input).await?;
    Ok(Redirect::to(&format!("/tasks/{}", t.id)).into_response())
}

#[derive(Template)]
#[template(path = "tasks/task.html")]
struct TaskPage {
    ctx: PageCtx,
    task: TaskDetail,
    community_name: String,
    branch_name: String,
    group_name: String,
    notice: Option<String>,
    can_write: bool,
    /// Still open for dispatch and assignment (not done, checked, failed or cancelled).
    active: bool,
    can_claim: bool,
    actions: Vec<(String, String)>,
    branches: Vec<(String, String)>,
    groups: Vec<(String, String)>,
    members: Vec<(String, String)>,
    /// Who a claim can be handed to: the group's members (or the assignees).
    hand_to: Vec<(String, String)>,
}

async fn task_view(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let (t, community) = svc::task_for(&state.ctx, &user.actor(None), id, Action::Read).await?;
    let lang = user.lang;
    let task = svc::detail(&state.ctx, &user.actor(None), &t, &community).await?;
    let can_write = user.can(Resource::Work, Action::Write, &community.path);
    let me = svc::me_in(&state.ctx, &user.actor(None), community.id).await?;
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
        .filter(|a| transition(current, **a).is_ok_and(|s| s != current))
        .map(|a| (a.code().to_string(), a.label(lang).to_string()))
        .collect();
    let branches_all = mob::branches_of_community(&state.ctx.db.read, community.id).await?;
    let groups_all = mob::groups_of_community(&state.ctx.db.read, community.id).await?;
    let branch_name = t
        .branch_id
        .and_then(|b| branches_all.iter().find(|v| v.branch.id == b))
        .map(|v| v.branch.name.clone())
        .unwrap_or_else(|| "—".into());
    let group = t.group_id.and_then(|g| groups_all.iter().find(|v| v.group.id == g));
    let group_name = group.map(|v| v.group.name.clone()).unwrap_or_else(|| "—".into());
    let members = match (can_write, group) {
        (true, Some(g)) => g
            .members
            .iter()
            .filter(|m| !task.assignees.iter().any(|a| a.0 == m.id))
            .map(|m| (m.id.to_string(), m.name.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let holder = task.claim.as_ref().filter(|c| c.mine).map(|c| c.volunteer_id);
    let hand_to = match (holder, group) {
        (None, _) => Vec::new(),
        (Some(h), Some(g)) => {
            g.members.iter().filter(|m| m.id != h).map(|m| (m.id.to_string(), m.name.clone())).collect()
        }
        (Some(h), None) => task.assignees.iter().filter(|a| a.0 != h).map(|a| (a.0.to_string(), a.1.clone())).collect(),
    };
    render(&TaskPage {
        ctx: PageCtx::for_user(user, &format!("/tasks/{id}")),
        hand_to,
        community_name: community.name.clone(),
        branch_name,
        group_name,
        notice,
        can_write,
        active: !current.is_final() && current != TaskState::Done,
        can_claim: me.is_some() && !current.is_final() && current != TaskState::Done,
        actions,
        branches: branches_all.iter().map(|b| (b.branch.id.to_string(), b.branch.name.clone())).collect(),
        groups: groups_all.iter().map(|g| (g.group.id.to_string(), g.group.name.clone())).collect(),
        members,
        task,
    })
}

pub async fn task_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    task_view(&state, &user, id, None).await
}

/// A refusal the user can act on is shown on the page; anything else is an error page.
/// A refusal the person can act on becomes the page's notice; anything else is an error page.
fn notice_of<T>(
    r: Result<T, shouwang_service::Error>,
    lang: Lang,
    ok: impl FnOnce(T) -> String,
) -> Result<String, AppError> {
    match r {
        Ok(v) => Ok(ok(v)),
        Err(shouwang_service::Error::Invalid(m) | shouwang_service::Error::Conflict(m)) => Ok(m.pick(lang).to_string()),
        Err(e) => Err(e.into()),
    }
}

fn opt_uuid(s: &str) -> Result<Option<Uuid>, AppError> {
    match s.trim() {
        "" => Ok(None),
        t => Uuid::parse_str(t).map(Some).map_err(|_| bad("选择无效", "invalid choice")),
    }
}

#[derive(Deserialize)]
pub struct DispatchForm {
    #[serde(default)]
    branch: String,
    #[serde(default)]
    group: String,
}

pub async fn dispatch(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<DispatchForm>,
) -> Result<Response, AppError> {
    let (t, community) = svc::task_for(&state.ctx, &user.actor(None), id, Action::Write).await?;
    let r = svc::dispatch(
        &state.ctx,
        &user.actor(peer.text()),
        &t,
        &community,
        opt_uuid(&form.branch)?,
        opt_uuid(&form.group)?,
    )
    .await;
    let lang = user.lang;
    let notice = notice_of(r, lang, |_| lang.pick("已分派", "dispatched").to_string())?;
    task_view(&state, &user, id, Some(notice)).await
}

/// "Open a sign-up sheet for this task": the sheet comes filled in from the task.
pub async fn open_sheet(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    match svc::open_sheet_for_task(&state.ctx, &user.actor(peer.text()), id).await {
        Ok(sheet) => Ok(Redirect::to(&format!("/sheets/{}", sheet.id)).into_response()),
        Err(shouwang_service::Error::Invalid(m) | shouwang_service::Error::Conflict(m)) => {
            task_view(&state, &user, id, Some(m.pick(user.lang).to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    volunteers: Vec<Uuid>,
}

pub async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<AssignForm>,
) -> Result<Response, AppError> {
    let (t, community) = svc::task_for(&state.ctx, &user.actor(None), id, Action::Write).await?;
    let r = svc::assign(&state.ctx, &user.actor(peer.text()), &t, &community, &form.volunteers).await;
    let lang = user.lang;
    let notice = notice_of(r, lang, |n| match lang {
        Lang::Zh => format!("已分派 {n} 人"),
        Lang::En => format!("{n} assigned"),
    })?;
    task_view(&state, &user, id, Some(notice)).await
}

#[derive(Deserialize)]
pub struct StateForm {
    action: String,
    #[serde(default)]
    reason: String,
}

pub async fn change_state(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<StateForm>,
) -> Result<Response, AppError> {
    let (t, community) = svc::task_for(&state.ctx, &user.actor(None), id, Action::Read).await?;
    let action = TaskAction::from_code(form.action.trim()).ok_or_else(|| bad("未知的操作", "unknown action"))?;
    let r = svc::act(&state.ctx, &user.actor(peer.text()), &t, &community, action, Some(form.reason.as_str())).await;
    let lang = user.lang;
    let notice = notice_of(r, lang, |c| match lang {
        Lang::Zh => format!("任务{}", c.state.label(lang)),
        Lang::En => format!("the task is {}", c.state.label(lang)),
    })?;
    task_view(&state, &user, id, Some(notice)).await
}

pub async fn claim(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (t, _) = svc::task_for(&state.ctx, &user.actor(None), id, Action::Read).await?;
    let lang = user.lang;
    let r = svc::claim_task(&state.ctx, &user.actor(None), &t).await;
    let notice = notice_of(r, lang, |o| claim_text(&o, lang))?;
    task_view(&state, &user, id, Some(notice)).await
}

pub(crate) fn claim_text(o: &store::ClaimOutcome, lang: Lang) -> String {
    match o {
        store::ClaimOutcome::Held { claim, .. } => {
            format!("{}{}", lang.pick("已认领，至 ", "claimed until "), local_text(claim.expires_at))
        }
        store::ClaimOutcome::Taken { until, .. } => {
            format!("{}{}", lang.pick("已被他人认领，至 ", "someone else holds it until "), local_text(*until))
        }
    }
}

#[derive(Deserialize)]
pub struct ClaimForm {
    /// The task page to answer with; "my work" when absent (a building run).
    #[serde(default)]
    task: Option<Uuid>,
}

/// The page a claim button answers with.
async fn claim_answer(
    state: &AppState,
    user: &CurrentUser,
    task: Option<Uuid>,
    notice: String,
) -> Result<Response, AppError> {
    match task {
        Some(id) => task_view(state, user, id, Some(notice)).await,
        None => crate::signup::pages::my_work_view(state, user, Some(notice)).await,
    }
}

pub async fn extend_claim(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ClaimForm>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let r = svc::extend_claim(&state.ctx, &user.actor(None), id).await;
    let notice =
        notice_of(r, lang, |c| format!("{}{}", lang.pick("已延长至 ", "extended to "), local_text(c.expires_at)))?;
    claim_answer(&state, &user, form.task, notice).await
}

pub async fn release_claim(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ClaimForm>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let r = svc::release_claim(&state.ctx, &user.actor(None), id).await;
    let notice = notice_of(r, lang, |_| lang.pick("已放弃认领", "claim released").to_string())?;
    claim_answer(&state, &user, form.task, notice).await
}

#[derive(Deserialize)]
pub struct HandOverForm {
    #[serde(default)]
    task: Option<Uuid>,
    to: Uuid,
}

pub async fn hand_over(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<HandOverForm>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let r = svc::hand_over(&state.ctx, &user.actor(None), id, form.to).await;
    let notice = notice_of(r, lang, |_| lang.pick("已转交", "handed over").to_string())?;
    claim_answer(&state, &user, form.task, notice).await
}

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
use shouwang_domain::task::{Priority, TaskAction, TaskKind, TaskState};
use shouwang_domain::{Lang, Skill};
use shouwang_service::Place;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, refused};
use crate::i18n::{t, t_with};
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;
use shouwang_domain::clock::minute_text as local_text;
use shouwang_service::tasks::{self as svc, Claimed, TaskDetail, TaskInput, TaskRow};

#[derive(Template)]
#[template(path = "tasks/tasks.html")]
struct TasksPage {
    ctx: PageCtx,
    community: Place,
    tasks: Vec<TaskRow>,
    filter: String,
    states: Vec<(String, String)>,
    can_write: bool,
    kinds: Vec<(String, String)>,
    /// (code, label, the default choice)
    priorities: Vec<(String, String, bool)>,
    skills: Vec<(String, String)>,
    places: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct Filter {
    #[serde(default)]
    state: String,
}

pub async fn tasks_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(filter): Query<Filter>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let wanted = TaskState::from_code(filter.state.trim());
    let list = svc::tasks(&state.ctx, &user.actor(None), &code, wanted).await?;
    render(&TasksPage {
        ctx: PageCtx::for_user(&user, &format!("/c/{code}/tasks")),
        can_write: list.can_write,
        tasks: list.tasks,
        filter: wanted.map(|s| s.code().to_string()).unwrap_or_default(),
        states: TaskState::ALL.iter().map(|s| (s.code().to_string(), s.label(lang).to_string())).collect(),
        kinds: TaskKind::ALL.iter().map(|k| (k.code().to_string(), k.label(lang).to_string())).collect(),
        priorities: Priority::ALL
            .iter()
            .map(|p| (p.code().to_string(), p.label(lang).to_string(), *p == Priority::Normal))
            .collect(),
        skills: Skill::ALL.iter().map(|s| (s.code().to_string(), s.label(lang).to_string())).collect(),
        places: list.places,
        community: list.community,
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
    let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
    let headcount = match form.headcount.trim() {
        "" => 1,
        // Too long for the field: saturated, so the service names the range.
        h => h
            .parse::<i128>()
            .map(|v| i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX }))
            .map_err(|_| refused("work.tasks.headcount_not_number", &[]))?,
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
    let t = svc::create_task(&state.ctx, &user.actor(peer.text()), &code, &input).await?;
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
    /// (code, label, needs a reason: "could not complete")
    actions: Vec<(String, String, bool)>,
    branches: Vec<(Uuid, String)>,
    groups: Vec<(Uuid, String)>,
    members: Vec<(Uuid, String)>,
    /// Who a claim can be handed to: the group's members (or the assignees).
    hand_to: Vec<(Uuid, String)>,
}

async fn task_view(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let b = svc::task_board(&state.ctx, &user.actor(None), id).await?;
    let lang = user.lang;
    render(&TaskPage {
        ctx: PageCtx::for_user(user, &format!("/tasks/{id}")),
        hand_to: b.hand_to,
        community_name: b.community_name,
        branch_name: b.branch_name.unwrap_or_else(|| "—".into()),
        group_name: b.group_name.unwrap_or_else(|| "—".into()),
        notice,
        can_write: b.can_write,
        active: b.active,
        can_claim: b.can_claim,
        actions: b
            .actions
            .iter()
            .map(|a| (a.code().to_string(), a.label(lang).to_string(), *a == TaskAction::Fail))
            .collect(),
        branches: b.branches,
        groups: b.groups,
        members: b.members,
        task: b.task,
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
        Err(shouwang_service::Error::Invalid(m) | shouwang_service::Error::Conflict(m)) => Ok(m.message(lang)),
        Err(e) => Err(e.into()),
    }
}

fn opt_uuid(s: &str) -> Result<Option<Uuid>, AppError> {
    match s.trim() {
        "" => Ok(None),
        t => Uuid::parse_str(t).map(Some).map_err(|_| refused("work.invalid_choice", &[])),
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
    let (branch, group) = (opt_uuid(&form.branch)?, opt_uuid(&form.group)?);
    let r = svc::dispatch(&state.ctx, &user.actor(peer.text()), id, branch, group).await;
    let lang = user.lang;
    let notice = notice_of(r, lang, |_| t(lang, "work.tasks.dispatched"))?;
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
        Ok(opened) => Ok(Redirect::to(&format!("/sheets/{}", opened.sheet.id)).into_response()),
        Err(shouwang_service::Error::Invalid(m) | shouwang_service::Error::Conflict(m)) => {
            task_view(&state, &user, id, Some(m.message(user.lang))).await
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
    let r = svc::assign(&state.ctx, &user.actor(peer.text()), id, &form.volunteers).await;
    let lang = user.lang;
    let notice = notice_of(r, lang, |n| t_with(lang, "work.tasks.assigned", &[("n", &n)]))?;
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
    let action = TaskAction::from_code(form.action.trim()).ok_or_else(|| refused("work.unknown_action", &[]))?;
    let r = svc::act(&state.ctx, &user.actor(peer.text()), id, action, Some(form.reason.as_str())).await;
    let lang = user.lang;
    let notice = notice_of(r, lang, |c| t_with(lang, "work.tasks.state_now", &[("state", &c.state.label(lang))]))?;
    task_view(&state, &user, id, Some(notice)).await
}

pub async fn claim(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let lang = user.lang;
    let r = svc::claim_task(&state.ctx, &user.actor(None), id).await;
    let notice = notice_of(r, lang, |o| claim_text(&o, lang))?;
    task_view(&state, &user, id, Some(notice)).await
}

pub(crate) fn claim_text(o: &Claimed, lang: Lang) -> String {
    match o {
        Claimed::Held { claim, .. } => {
            t_with(lang, "work.tasks.claimed_until", &[("until", &local_text(claim.expires_at))])
        }
        Claimed::Taken { until } => t_with(lang, "work.tasks.taken_until", &[("until", &local_text(*until))]),
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
        notice_of(r, lang, |c| t_with(lang, "work.tasks.extended_to", &[("until", &local_text(c.expires_at))]))?;
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
    let notice = notice_of(r, lang, |_| t(lang, "work.tasks.released"))?;
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
    let notice = notice_of(r, lang, |_| t(lang, "work.tasks.handed_over"))?;
    claim_answer(&state, &user, form.task, notice).await
}

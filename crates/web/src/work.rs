//! Work services shared by the pages and the API (SPEC §4.4): sign-up sheets
//! (接龙) so far — opening one, joining and withdrawing as oneself, and the
//! sheet as WeChat text.

use serde::{Deserialize, Serialize};
use shouwang_db::entity::{region, signup_sheet};
use shouwang_db::signup::{self, Joined, NewSheet};
use shouwang_db::{mobilisation as mob, registry};
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::signup::{Applicant, Eligibility, EntryStatus, Line, jielong_text};
use shouwang_domain::{DutyStatus, HealthStatus, Lang, Skill, SkillSet, VolunteerKind};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::mobilise::bad;

/// A new sheet as a form or a JSON body gives it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
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

fn parse_deadline(s: &str) -> Result<time::OffsetDateTime, AppError> {
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(t);
    }
    let local = s.replace('T', " ");
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::PrimitiveDateTime::parse(&local, format)
        .map(|t| t.assume_offset(time::macros::offset!(+8)))
        .map_err(|_| bad("截止时间格式应为 2022-04-06 22:30", "the deadline should look like 2022-04-06 22:30"))
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref().map(shouwang_domain::text::normalize).filter(|t| !t.is_empty())
}

/// Opens a sheet in a community (the caller checked `Work/Write` there).
pub async fn open_sheet(
    state: &AppState,
    user: &CurrentUser,
    community: &region::Model,
    input: &SheetInput,
    peer: Option<String>,
) -> Result<signup_sheet::Model, AppError> {
    open_sheet_for(state, user, community, input, peer, None).await
}

/// [`open_sheet`], as a task's sheet when `for_task` is given.
pub async fn open_sheet_for(
    state: &AppState,
    user: &CurrentUser,
    community: &region::Model,
    input: &SheetInput,
    peer: Option<String>,
    for_task: Option<(Uuid, shouwang_db::tasks::Actor)>,
) -> Result<signup_sheet::Model, AppError> {
    let skill = match clean(&input.skill) {
        None => None,
        Some(s) => Some(Skill::from_code(&s).ok_or_else(|| bad("未知的特长", "unknown skill"))?.code().to_string()),
    };
    let kind = match clean(&input.kind) {
        None => None,
        Some(k) => {
            Some(VolunteerKind::from_code(&k).ok_or_else(|| bad("未知的类别", "unknown kind"))?.code().to_string())
        }
    };
    if let Some(g) = input.group {
        let group = mob::group_by_id(&state.db.read, g).await?;
        if group.is_none_or(|g| g.community_id != community.id) {
            return Err(bad("该小组不属于本社区", "that group is not in this community"));
        }
    }
    let deadline = clean(&input.deadline).map(|d| parse_deadline(&d)).transpose()?;
    if deadline.is_some_and(|d| d <= time::OffsetDateTime::now_utc()) {
        return Err(bad("截止时间已经过去", "the deadline has already passed"));
    }
    let new = NewSheet {
        title: input.title.clone(),
        note: clean(&input.note),
        unit: clean(&input.unit).map(|u| u.chars().take(16).collect()),
        capacity: input.capacity,
        quantity_max: input.quantity_max,
        quantity_total: input.quantity_total,
        deadline,
        skill,
        kind,
        group_id: input.group,
    };
    let e = crate::mobilise::entry(Some(user), "signup_sheet_open", "signup_sheet", None, community, peer);
    Ok(signup::create_sheet_for(&state.db, community.id, new, crate::auth::random_token(), Some(user.id), e, for_task)
        .await?)
}

/// A sheet and its community, checked against the user's access.
pub async fn sheet_for(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    action: Action,
) -> Result<(signup_sheet::Model, region::Model), AppError> {
    let not_found = || AppError::NotFound { zh: "找不到该接龙".into(), en: "sign-up sheet not found".into() };
    let sheet = signup::sheet_by_id(&state.db.read, id).await?.ok_or_else(not_found)?;
    let community = registry::region_by_id(&state.db.read, sheet.community_id).await?.ok_or_else(not_found)?;
    user.require(Resource::Work, action, &community.path)?;
    Ok((sheet, community))
}

/// Joins a sheet as the volunteer this account belongs to. The access and
/// eligibility checks run inside the instance's batch writer (see
/// [`signup::Joiner`]), against the sheet and volunteer records it loads once
/// per batch, so a burst of joins costs the database little per person.
pub async fn join_as(state: &AppState, user: &CurrentUser, sheet_id: Uuid, quantity: i32) -> Result<Joined, AppError> {
    let caller = user.clone();
    let gate: signup::Gate = Box::new(move |c: &signup::JoinContext<'_>| {
        if !caller.can(Resource::Work, Action::Read, &c.community.path) {
            return Err(shouwang_db::DbError::Forbidden);
        }
        let Some(me) = c.volunteer else { return Ok(()) };
        let rule = Eligibility {
            skill: c.sheet.skill.as_deref().and_then(Skill::from_code),
            kind: c.sheet.kind.as_deref().and_then(VolunteerKind::from_code),
            group: c.sheet.group_id.map(|g| g.to_string()),
        };
        let group = c.group.map(|g| g.to_string());
        let applicant = Applicant {
            kind: VolunteerKind::from_code(&me.kind).unwrap_or(VolunteerKind::ResidentVolunteer),
            skills: SkillSet::from_codes(&me.skills),
            group: group.as_deref(),
            verified: me.status == DutyStatus::Verified.code(),
            can_serve: HealthStatus::from_code(&me.health).is_some_and(HealthStatus::can_serve),
        };
        match rule.check(&applicant) {
            Some(why) => Err(shouwang_db::DbError::invalid(why.message(Lang::Zh), why.message(Lang::En))),
            None => Ok(()),
        }
    });
    Ok(state.joiner.join(sheet_id, user.id, quantity, gate).await?)
}

/// Withdraws the account's volunteer; returns how many moved up from the waiting list.
pub async fn withdraw_as(state: &AppState, user: &CurrentUser, sheet: &signup_sheet::Model) -> Result<usize, AppError> {
    let me = mob::volunteer_by_user(&state.db.read, user.id)
        .await?
        .filter(|v| v.community_id == sheet.community_id)
        .ok_or_else(|| bad("你不在此接龙中", "you are not on this sheet"))?;
    Ok(signup::withdraw(&state.db, sheet.id, me.id).await?.len())
}

/// One person on a sheet, as lists show them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntryLine {
    pub seq: i32,
    pub name: String,
    pub quantity: i32,
    /// confirmed / waiting / withdrawn
    pub status: String,
    pub mine: bool,
}

/// The people on a sheet (withdrawn ones left out) and the sheet as 接龙 text.
pub async fn sheet_lines(
    state: &AppState,
    sheet: &signup_sheet::Model,
    me: Option<Uuid>,
    lang: Lang,
) -> Result<(Vec<EntryLine>, String), AppError> {
    let entries = signup::entries(&state.db.read, sheet.id).await?;
    let lines: Vec<EntryLine> = entries
        .iter()
        .filter(|(e, _)| e.status != EntryStatus::Withdrawn.code())
        .map(|(e, name)| EntryLine {
            seq: e.seq,
            name: name.clone(),
            quantity: e.quantity,
            status: e.status.clone(),
            mine: Some(e.volunteer_id) == me,
        })
        .collect();
    let counted = sheet.unit.is_some() || sheet.quantity_max.is_some() || sheet.quantity_total.is_some();
    let as_line = |l: &EntryLine| Line { name: l.name.clone(), quantity: counted.then_some(l.quantity.max(0) as u32) };
    let confirmed: Vec<Line> = lines.iter().filter(|l| l.status == "confirmed").map(as_line).collect();
    let waiting: Vec<Line> = lines.iter().filter(|l| l.status == "waiting").map(as_line).collect();
    let mut details = Vec::new();
    if let Some(d) = sheet.deadline {
        let d = d.to_offset(time::macros::offset!(+8));
        details.push(format!("{}{} {:02}:{:02}", lang.pick("截止：", "Deadline: "), d.date(), d.hour(), d.minute()));
    }
    details.push(match lang {
        Lang::Zh => format!("名额：{}人", sheet.capacity),
        Lang::En => format!("Places: {}", sheet.capacity),
    });
    if let Some(n) = &sheet.note {
        details.push(n.clone());
    }
    let text = jielong_text(&sheet.title, &details, sheet.unit.as_deref(), &confirmed, &waiting, lang);
    Ok((lines, text))
}

//! Home, browsing the region tree down to a household, revealing a phone
//! number (with a reason, logged), and search.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shouwang_db::audit::{self, Entry};
use shouwang_db::entity::region;
use shouwang_db::registry;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::phone::mask_phone;
use shouwang_domain::{Gender, Lang, RegionCode, RegionKind, Role, TagSet};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;

pub struct TotalsRow {
    pub code: String,
    pub name: String,
    pub households: i64,
    pub residents: i64,
    pub tagged: i64,
}

#[derive(Template)]
#[template(path = "registry/home.html")]
struct HomePage {
    ctx: PageCtx,
    role_label: &'static str,
    is_volunteer: bool,
    totals: Vec<TotalsRow>,
    /// The group of the volunteer this account belongs to: (id, name).
    my_group: Option<(Uuid, String)>,
    /// Duty reports waiting for this committee: (community code, how many).
    inbox: Option<(String, u64)>,
    /// Key roles of this community with nobody holding them.
    vacant_roles: usize,
    /// Open sign-up sheets of my community: (id, title, confirmed, capacity).
    open_sheets: Vec<(Uuid, String, i32, i32)>,
    sheets_link: Option<String>,
}

/// Home by role: who I am, where I work, what needs me, and my area's totals.
pub async fn home(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> Result<Response, AppError> {
    let Some(user) = user else { return Ok(Redirect::to("/login").into_response()) };
    if user.must_change_password {
        return Ok(Redirect::to("/account/password").into_response());
    }
    let mut totals = Vec::new();
    if user.can(Resource::Registry, Action::Read, &user.scope_path) && user.role != Role::Volunteer {
        let sums = registry::totals_by_community(&state.ctx.db.read).await?;
        for r in registry::upper_tree(&state.ctx.db.read).await? {
            let is_community = r.kind == RegionKind::Community.as_str();
            if is_community && r.path.starts_with(&user.scope_path) {
                let (households, residents, tagged) = sums.get(&r.id).copied().unwrap_or_default();
                totals.push(TotalsRow { code: r.code, name: r.name, households, residents, tagged });
            }
        }
    }
    let mut my_group = None;
    let mut open_sheets = Vec::new();
    let sheets_link = (user.scope_kind == RegionKind::Community.as_str()
        && user.can(Resource::Work, Action::Read, &user.scope_path))
    .then(|| format!("/c/{}/sheets", user.scope_code));
    if sheets_link.is_some() {
        let community = registry::region_by_code(&state.ctx.db.read, &parse_code(&user.scope_code)?).await?;
        let now = time::OffsetDateTime::now_utc();
        for s in shouwang_db::signup::sheets_of_community(&state.ctx.db.read, community.id).await? {
            if s.closed_at.is_none() && s.deadline.is_none_or(|d| d > now) && open_sheets.len() < 5 {
                open_sheets.push((s.id, s.title, s.confirmed, s.capacity));
            }
        }
    }
    if let Some(v) = shouwang_db::mobilisation::volunteer_by_user(&state.ctx.db.read, user.id).await?
        && let Some(g) = shouwang_db::mobilisation::group_of(&state.ctx.db.read, v.id).await?
        && let Some(group) = shouwang_db::mobilisation::group_by_id(&state.ctx.db.read, g).await?
    {
        my_group = Some((group.id, group.name));
    }
    let (mut inbox, mut vacant_roles) = (None, 0);
    if user.scope_kind == RegionKind::Community.as_str()
        && user.can(Resource::Volunteer, Action::Write, &user.scope_path)
    {
        let community = registry::region_by_code(&state.ctx.db.read, &parse_code(&user.scope_code)?).await?;
        let n = shouwang_db::mobilisation::counts_of(&state.ctx.db.read, community.id).await?;
        let waiting = n.reported - n.verified - n.exempt - n.rejected;
        inbox = (waiting > 0).then(|| (community.code.clone(), waiting));
        vacant_roles = shouwang_db::mobilisation::roles_needing_people(&state.ctx.db.read, community.id)
            .await?
            .iter()
            .filter(|r| r.holder_id.is_none())
            .count();
    }
    render(&HomePage {
        role_label: user.role.label(user.lang),
        is_volunteer: user.role == Role::Volunteer,
        totals,
        my_group,
        inbox,
        vacant_roles,
        open_sheets,
        sheets_link,
        ctx: PageCtx::for_user(&user, "/"),
    })
}

pub struct ChildRow {
    pub code: String,
    pub name: String,
    pub kind_label: &'static str,
}

pub struct HouseholdRow {
    pub id: Uuid,
    pub room: String,
    pub size: i32,
    pub names: String,
    pub tagged: bool,
    pub tags: String,
}

#[derive(Template)]
#[template(path = "registry/region.html")]
struct RegionPage {
    ctx: PageCtx,
    name: String,
    kind_label: &'static str,
    crumbs: Vec<(String, String)>,
    totals: Option<(u64, u64, u64)>,
    children: Vec<ChildRow>,
    is_building: bool,
    households: Vec<HouseholdRow>,
    can_print: bool,
    code: String,
    /// A building's leader (楼组长) and backup, with who may be appointed.
    building_role: Option<BuildingRole>,
}

pub struct BuildingRole {
    pub community: String,
    pub subject: Uuid,
    pub holder: Option<(String, String)>,
    pub backup: Option<(String, String)>,
    /// Verified volunteers of the community (id, name), when the viewer may appoint.
    pub candidates: Vec<(String, String)>,
}

fn parse_code(code: &str) -> Result<RegionCode, AppError> {
    RegionCode::parse(code)
        .map_err(|_| AppError::NotFound { zh: format!("没有区域 {code}"), en: format!("no region {code}") })
}

fn kind_label(kind: &str, lang: Lang) -> &'static str {
    RegionKind::parse(kind).map_or("", |k| k.label(lang))
}

/// The ancestors of a region the user may open, root first.
async fn crumbs(state: &AppState, user: &CurrentUser, r: &region::Model) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::new();
    let mut parent = r.parent_id;
    while let Some(id) = parent {
        let Some(p) = registry::region_by_id(&state.ctx.db.read, id).await? else { break };
        if user.can(Resource::Registry, Action::Read, &p.path) {
            out.push((p.code.clone(), p.name.clone()));
        }
        parent = p.parent_id;
    }
    out.reverse();
    Ok(out)
}

pub async fn region_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let code = parse_code(&code)?;
    let r = registry::region_by_code(&state.ctx.db.read, &code).await?;
    user.require(Resource::Registry, Action::Read, &r.path)?;
    let lang = user.lang;
    let children = registry::children(&state.ctx.db.read, r.id)
        .await?
        .into_iter()
        .filter(|c| user.can(Resource::Registry, Action::Read, &c.path))
        .map(|c| ChildRow { kind_label: kind_label(&c.kind, lang), code: c.code, name: c.name })
        .collect();
    let totals = if r.kind == RegionKind::Community.as_str() {
        let c = registry::community_counts(&state.ctx.db.read, &r).await?;
        Some((c.households, c.residents, c.tagged))
    } else {
        None
    };
    let is_building = r.kind == RegionKind::Building.as_str();
    let mut households = Vec::new();
    let can_print = is_building && user.can(Resource::HouseholdLink, Action::Write, &r.path);
    if is_building && user.can(Resource::Household, Action::Read, &r.path) {
        let mut list = registry::households_of_building(&state.ctx.db.read, r.id).await?;
        // "101" before "1001": floor order, as on the stairs.
        list.sort_by_key(|h| {
            (
                h.room_key
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
                    .parse::<u64>()
                    .unwrap_or(u64::MAX),
                h.room_key.clone(),
            )
        });
        let ids: Vec<Uuid> = list.iter().map(|h| h.id).collect();
        let mut members = registry::residents_by_household(&state.ctx.db.read, &ids).await?;
        for h in list {
            let residents = members.remove(&h.id).unwrap_or_default();
            let mut tags = TagSet::empty();
            for t in residents.iter().flat_map(|x| TagSet::from_codes(&x.tags).iter()) {
                tags.insert(t);
            }
            households.push(HouseholdRow {
                id: h.id,
                room: h.room,
                size: h.size,
                names: residents.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join("、"),
                tagged: !tags.is_empty(),
                tags: tags.labels(lang),
            });
        }
    }
    let building_role = if is_building { building_role(&state, &user, &r).await? } else { None };
    let page = RegionPage {
        building_role,
        crumbs: crumbs(&state, &user, &r).await?,
        kind_label: kind_label(&r.kind, lang),
        name: r.name,
        totals,
        children,
        is_building,
        households,
        can_print,
        code: code.to_string(),
        ctx: PageCtx::for_user(&user, &format!("/regions/{code}")),
    };
    render(&page)
}

pub struct ResidentRow {
    pub id: Uuid,
    pub name: String,
    pub gender: &'static str,
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
    pub revealed: bool,
    pub id_masked: Option<String>,
    pub tags: String,
}

#[derive(Template)]
#[template(path = "registry/household.html")]
struct HouseholdPage {
    ctx: PageCtx,
    crumbs: Vec<(String, String)>,
    building_name: String,
    room: String,
    size: i32,
    contact: Option<String>,
    residents: Vec<ResidentRow>,
    can_reveal: bool,
    can_edit: bool,
    can_revoke: bool,
    id: Uuid,
}

async fn household_view(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    revealed: Option<Uuid>,
) -> Result<Response, AppError> {
    let (h, building) = crate::pages::household_and_building(state, id).await?;
    user.require(Resource::Household, Action::Read, &building.path)?;
    let lang = user.lang;
    let residents = registry::residents_of_household(&state.ctx.db.read, id)
        .await?
        .into_iter()
        .map(|r| {
            let show = revealed == Some(r.id);
            ResidentRow {
                id: r.id,
                gender: r.gender.as_deref().and_then(Gender::from_code).map_or("", |g| g.label(lang)),
                birth_year: r.birth_year,
                phone: r.phone.as_deref().map(|p| if show { p.to_string() } else { mask_phone(p) }),
                revealed: show,
                id_masked: r.id_masked,
                tags: TagSet::from_codes(&r.tags).labels(lang),
                name: r.name,
            }
        })
        .collect();
    let mut crumbs = crumbs(state, user, &building).await?;
    crumbs.push((building.code.clone(), building.name.clone()));
    render(&HouseholdPage {
        crumbs,
        building_name: building.name,
        room: h.room,
        size: h.size,
        contact: h.contact_phone.as_deref().map(mask_phone),
        residents,
        can_reveal: user.can(Resource::Resident, Action::Reveal, &building.path),
        can_edit: user.can(Resource::Resident, Action::Write, &building.path),
        can_revoke: user.can(Resource::HouseholdLink, Action::Write, &building.path),
        id,
        ctx: PageCtx::for_user(user, &format!("/households/{id}")),
    })
}

pub async fn household_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    household_view(&state, &user, id, None).await
}

#[derive(Deserialize)]
pub struct RevealForm {
    reason: String,
}

/// Shows one resident's full phone number: only with a reason, and only
/// after the reveal is in the audit log.
pub async fn reveal_phone(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<RevealForm>,
) -> Result<Response, AppError> {
    let resident = registry::resident_by_id(&state.ctx.db.read, id)
        .await?
        .ok_or_else(|| AppError::NotFound { zh: "找不到该居民".into(), en: "resident not found".into() })?;
    let (household, building) = crate::pages::household_and_building(&state, resident.household_id).await?;
    user.require(Resource::Resident, Action::Reveal, &building.path)?;
    let reason = shouwang_domain::text::normalize(&form.reason);
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::bad_request(
            "请填写查看原因（最多200字）",
            "please give a reason (at most 200 characters)",
        ));
    }
    audit::append(
        &state.ctx.db.write,
        Entry {
            user_id: Some(user.id),
            username: user.username.clone(),
            action: "reveal_phone",
            target_kind: "resident",
            target_id: Some(resident.id.to_string()),
            region_path: Some(building.path.clone()),
            detail: serde_json::json!({ "reason": reason, "resident": resident.name, "room": format!("{} {}", building.name, household.room) }),
            peer: peer.text(),
        },
    )
    .await?;
    household_view(&state, &user, household.id, Some(resident.id)).await
}

pub struct SearchRow {
    pub household_id: Uuid,
    pub name: String,
    pub building: String,
    pub room: String,
    pub phone: Option<String>,
}

#[derive(Template)]
#[template(path = "registry/search.html")]
struct SearchPage {
    ctx: PageCtx,
    q: String,
    results: Vec<SearchRow>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    user.require(Resource::Resident, Action::Read, &user.scope_path)?;
    let q = query.q.unwrap_or_default().trim().to_string();
    let results = if q.is_empty() {
        vec![]
    } else {
        registry::search_residents(&state.ctx.db.read, &user.scope_path, &q, 50)
            .await?
            .into_iter()
            .map(|(r, h, b)| SearchRow {
                household_id: h.id,
                name: r.name,
                building: b.name,
                room: h.room,
                phone: r.phone.as_deref().map(mask_phone),
            })
            .collect()
    };
    render(&SearchPage { ctx: PageCtx::for_user(&user, "/search"), q, results })
}

/// The building leader role of a building, for the building page.
async fn building_role(
    state: &AppState,
    user: &CurrentUser,
    building: &shouwang_db::entity::region::Model,
) -> Result<Option<BuildingRole>, AppError> {
    if !user.can(Resource::Group, Action::Read, &building.path) {
        return Ok(None);
    }
    // The community is the element of the building's path that is a community.
    let mut community = None;
    for c in building.path.trim_matches('/').split('/') {
        let Ok(rc) = RegionCode::parse(c) else { continue };
        if let Some(r) = registry::find_region(&state.ctx.db.read, &rc).await?
            && r.kind == RegionKind::Community.as_str()
        {
            community = Some(r);
        }
    }
    let Some(community) = community else { return Ok(None) };
    let role = shouwang_db::mobilisation::key_role_of(
        &state.ctx.db.read,
        shouwang_domain::KeyRoleKind::BuildingLeader,
        building.id,
    )
    .await?;
    let person = |v: Option<shouwang_db::entity::volunteer::Model>| v.map(|v| (v.id.to_string(), v.name));
    let (holder, backup) = match role {
        Some(r) => (person(r.holder), person(r.backup)),
        None => (None, None),
    };
    let candidates = if user.can(Resource::Group, Action::Write, &community.path) {
        shouwang_db::mobilisation::list_volunteers(
            &state.ctx.db.read,
            community.id,
            &shouwang_db::mobilisation::VolunteerFilter {
                status: Some(shouwang_domain::DutyStatus::Verified),
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(|r| (r.volunteer.id.to_string(), r.volunteer.name))
        .collect()
    } else {
        Vec::new()
    };
    Ok(Some(BuildingRole { community: community.code, subject: building.id, holder, backup, candidates }))
}

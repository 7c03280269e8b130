//! Editing a resident: validated like an import row, written with the audit
//! entry (before and after, phones masked) in one transaction.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_db::audit::Entry;
use shouwang_db::registry::{self, ResidentEdit};
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::phone::mask_phone;
use shouwang_domain::{Gender, PhoneNumber, Tag, TagSet};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n;
use crate::pages::{PageCtx, render};
use crate::security::ClientIp;

#[derive(Template)]
#[template(path = "registry/resident_edit.html")]
struct EditPage {
    ctx: PageCtx,
    id: Uuid,
    household_id: Uuid,
    name: String,
    gender: String,
    birth_year: String,
    phone_masked: String,
    tags: Vec<(String, String, bool)>,
    note: String,
    error: Option<String>,
}

/// The resident and the path of their building, after the access check.
async fn load(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<(shouwang_db::entity::resident::Model, String), AppError> {
    let r = registry::resident_by_id(&state.ctx.db.read, id)
        .await?
        .ok_or_else(|| AppError::NotFound { zh: "找不到该居民".into(), en: "resident not found".into() })?;
    let (_, b) = crate::pages::household_and_building(state, r.household_id).await?;
    user.require(Resource::Resident, Action::Write, &b.path)?;
    Ok((r, b.path))
}

fn page(user: &CurrentUser, r: &shouwang_db::entity::resident::Model, error: Option<String>) -> EditPage {
    let set = TagSet::from_codes(&r.tags);
    EditPage {
        ctx: PageCtx::for_user(user, &format!("/residents/{}/edit", r.id)),
        id: r.id,
        household_id: r.household_id,
        name: r.name.clone(),
        gender: r.gender.clone().unwrap_or_default(),
        birth_year: r.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        phone_masked: r.phone.as_deref().map(mask_phone).unwrap_or_default(),
        tags: Tag::ALL
            .iter()
            .map(|t| (t.code().to_string(), t.label(user.lang).to_string(), set.contains(*t)))
            .collect(),
        note: r.note.clone().unwrap_or_default(),
        error,
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (r, _) = load(&state, &user, id).await?;
    render(&page(&user, &r, None))
}

#[derive(Deserialize)]
pub struct EditForm {
    name: String,
    gender: Option<String>,
    birth_year: Option<String>,
    phone: Option<String>,
    clear_phone: Option<String>,
    #[serde(default)]
    tag: Vec<String>,
    note: Option<String>,
}

pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    let (r, path) = load(&state, &user, id).await?;
    let lang = user.lang;
    let again = |key: &str| -> Result<Response, AppError> {
        let mut res = render(&page(&user, &r, Some(i18n::t(lang, key))))?;
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        Ok(res)
    };
    let name = shouwang_domain::text::normalize_name(&form.name);
    if name.is_empty() || name.chars().count() > 50 {
        return Err(AppError::bad_request("姓名不能为空，最多50个字", "a name is 1 to 50 characters"));
    }
    let year = time::OffsetDateTime::now_utc().year();
    let birth_year = match form.birth_year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match s.parse::<i32>().ok().filter(|y| (1900..=year).contains(y)) {
            Some(y) => Some(y),
            None => return again("edit.bad_year"),
        },
    };
    let phone = if form.clear_phone.is_some() {
        Some(None)
    } else {
        match form.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(p) => match PhoneNumber::parse(p) {
                Ok(p) => Some(Some(p.expose().to_string())),
                Err(_) => return again("edit.bad_phone"),
            },
        }
    };
    let tags: TagSet = form.tag.iter().filter_map(|c| Tag::from_code(c)).collect();
    let gender = form.gender.as_deref().and_then(Gender::from_code).map(|g| g.code().to_string());
    let note = form.note.map(|n| shouwang_domain::text::normalize(&n)).filter(|n| !n.is_empty());
    let edit = ResidentEdit { name, gender, birth_year, phone, tags: tags.to_codes(), note };
    let entry = Entry {
        user_id: Some(user.id),
        username: user.username.clone(),
        action: "resident_edit",
        target_kind: "resident",
        target_id: Some(id.to_string()),
        region_path: Some(path),
        detail: serde_json::json!({}),
        peer: peer.text(),
    };
    registry::edit_resident(&state.ctx.db, id, edit, entry).await?;
    Ok(Redirect::to(&format!("/households/{}", r.household_id)).into_response())
}

#[derive(Deserialize)]
pub struct ContactForm {
    phone: Option<String>,
}

/// Changes a household's contact phone (a mobile number, or empty to remove it).
pub async fn save_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<ContactForm>,
) -> Result<Response, AppError> {
    let (h, b) = crate::pages::household_and_building(&state, id).await?;
    user.require(Resource::Household, Action::Write, &b.path)?;
    let phone = match form.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(p) => Some(
            PhoneNumber::parse(p)
                .map_err(|_| {
                    AppError::bad_request(
                        i18n::t(shouwang_domain::Lang::Zh, "edit.bad_phone"),
                        i18n::t(shouwang_domain::Lang::En, "edit.bad_phone"),
                    )
                })?
                .expose()
                .to_string(),
        ),
    };
    let entry = Entry {
        user_id: Some(user.id),
        username: user.username.clone(),
        action: "household_edit",
        target_kind: "household",
        target_id: Some(id.to_string()),
        region_path: Some(b.path.clone()),
        detail: serde_json::json!({ "room": format!("{} {}", b.name, h.room) }),
        peer: peer.text(),
    };
    registry::edit_household_contact(&state.ctx.db, id, phone, entry).await?;
    Ok(Redirect::to(&format!("/households/{id}")).into_response())
}

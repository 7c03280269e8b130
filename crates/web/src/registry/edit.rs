//! Editing a resident and a household's contact phone: the forms; the
//! service validates and writes with the audit entry.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use shouwang_service::registry::{self as service, EditRefusal, ResidentForm, ResidentInput};
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

fn page(user: &CurrentUser, r: ResidentForm, error: Option<String>) -> EditPage {
    let ResidentForm { id, household_id, name, gender, birth_year, phone_masked, tags, note } = r;
    EditPage {
        ctx: PageCtx::for_user(user, &format!("/residents/{id}/edit")),
        id,
        household_id,
        name,
        gender,
        birth_year,
        phone_masked,
        tags,
        note,
        error,
    }
}

fn refusal_key(why: EditRefusal) -> &'static str {
    match why {
        EditRefusal::BadYear => "edit.bad_year",
        EditRefusal::BadPhone => "edit.bad_phone",
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let r = service::resident_for_edit(&state.ctx, &user.actor(None), id).await?;
    render(&page(&user, r, None))
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
    let input = ResidentInput {
        name: form.name,
        gender: form.gender,
        birth_year: form.birth_year,
        phone: form.phone,
        clear_phone: form.clear_phone.is_some(),
        tags: form.tag,
        note: form.note,
    };
    match service::edit_resident(&state.ctx, &user.actor(peer.text()), id, input).await? {
        Ok(household) => Ok(Redirect::to(&format!("/households/{household}")).into_response()),
        Err((r, why)) => {
            let mut res = render(&page(&user, r, Some(i18n::t(user.lang, refusal_key(why)))))?;
            *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(res)
        }
    }
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
    match service::edit_household_contact(&state.ctx, &user.actor(peer.text()), id, form.phone.as_deref()).await? {
        Ok(()) => Ok(Redirect::to(&format!("/households/{id}")).into_response()),
        Err(why) => Err(crate::error::refused(refusal_key(why), &[])),
    }
}

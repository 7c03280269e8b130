//! Logins given in bulk: a committee gives all verified volunteers of a
//! group, or a selection, their logins at once and prints first-login slips
//! (a QR code each: a one-time link, valid 72 hours, that asks the person to
//! set their own password). No more one form per person for 90 people.

use std::collections::BTreeSet;

use shouwang_db::accounts;
use shouwang_db::logins::{self as store, NewLogin};
use shouwang_db::{audit, mobilisation as mob};
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::logins::{FIRST_LOGIN_VALID, MAX_PER_BATCH, Refusal};
use shouwang_domain::volunteer::Refusal as VolunteerRefusal;
use shouwang_domain::{DutyStatus, Role};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::{MIN_PASSWORD_CHARS, PasswordHashing, PasswordRefusal};
use crate::tokens::{random_token, sha256_hex};
use crate::{Actor, Context, Error, Place, Result};

/// Who gets a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every verified member of this group without a login.
    Group(Uuid),
    /// These volunteers (those verified and without a login).
    Volunteers(Vec<Uuid>),
}

/// One printed slip. `link_token` exists only in this answer: the database
/// keeps its hash, so the slips cannot be shown again.
#[derive(Debug, Clone)]
pub struct Slip {
    pub volunteer_id: Uuid,
    pub name: String,
    pub group: Option<String>,
    pub username: String,
    pub link_token: String,
}

/// What a bulk giving did.
#[derive(Debug, Clone)]
pub struct Given {
    pub community: Place,
    pub slips: Vec<Slip>,
    /// Chosen but already with a login, or not verified.
    pub skipped: usize,
    pub expires_at: OffsetDateTime,
}

/// Gives logins to the chosen volunteers of the community `code` and
/// answers their slips. Ids of another community's volunteers or group are
/// not found here (nothing is given to anyone then).
pub async fn give_logins(
    ctx: &Context,
    passwords: &PasswordHashing,
    actor: &Actor,
    code: &str,
    selection: &Selection,
) -> Result<Given> {
    let community = crate::community_for(ctx, actor, code, Resource::Users, Action::Write).await?;
    actor.require(Resource::Volunteer, Action::Read, &community.path)?;
    if !actor.role.may_appoint(Role::Volunteer) {
        return Err(Error::Forbidden);
    }
    let groups = mob::groups_of_community(&ctx.db.read, community.id).await?;
    let group_of = |v: Uuid| groups.iter().find(|g| g.members.iter().any(|m| m.id == v)).map(|g| g.group.name.clone());
    let chosen: Vec<shouwang_db::entity::volunteer::Model> = match selection {
        Selection::Group(id) => {
            let g = groups
                .iter()
                .find(|g| g.group.id == *id)
                .ok_or_else(|| Error::missing(shouwang_domain::grouping::Refusal::GroupNotFound))?;
            g.members.clone()
        }
        Selection::Volunteers(ids) => {
            let wanted: BTreeSet<Uuid> = ids.iter().copied().collect();
            if wanted.is_empty() {
                return Err(Error::refused(Refusal::NothingChosen));
            }
            if wanted.len() > MAX_PER_BATCH {
                return Err(Error::refused(Refusal::TooMany { max: MAX_PER_BATCH }));
            }
            let mut found = Vec::with_capacity(wanted.len());
            for id in &wanted {
                match mob::volunteer_by_id(&ctx.db.read, *id).await? {
                    Some(v) if v.community_id == community.id => found.push(v),
                    // Another community's id: not found here, and nobody gets a login.
                    _ => return Err(Error::missing(VolunteerRefusal::VolunteerNotFound)),
                }
            }
            found
        }
    };
    let total = chosen.len();
    let eligible: Vec<_> = chosen
        .into_iter()
        .filter(|v| v.user_id.is_none() && DutyStatus::from_code(&v.status) == Some(DutyStatus::Verified))
        .collect();
    if eligible.is_empty() {
        return Err(Error::refused(Refusal::NobodyToGive));
    }
    if eligible.len() > MAX_PER_BATCH {
        return Err(Error::refused(Refusal::TooMany { max: MAX_PER_BATCH }));
    }
    // One slow hash for the whole batch, of a secret nobody keeps: until its
    // link sets a password, no password opens the account, and a login
    // attempt on it takes as long as on any other.
    let unusable = passwords.hash(&random_token()).await?;
    let tokens: Vec<String> = eligible.iter().map(|_| random_token()).collect();
    let new: Vec<NewLogin> = eligible
        .iter()
        .zip(&tokens)
        .map(|(v, t)| NewLogin { volunteer_id: v.id, display_name: v.name.clone(), token_hash: sha256_hex(t) })
        .collect();
    let expires_at = ctx.clock.now() + FIRST_LOGIN_VALID;
    let tx = ctx.db.begin_write().await?;
    let given = store::give_logins_in(&tx, &community, &new, &unusable, expires_at).await?;
    let mut entry = actor.entry("logins_given", "community", Some(community.code.clone()), &community);
    // Counts only: the slips' names and links stay out of the log.
    entry.detail = serde_json::json!({
        "given": given.len(),
        "skipped": total - given.len(),
        "group": match selection { Selection::Group(g) => Some(g.to_string()), Selection::Volunteers(_) => None },
    });
    audit::append(&tx, entry).await?;
    tx.commit().await.map_err(shouwang_db::DbError::from)?;
    let slips = given
        .into_iter()
        .filter_map(|g| {
            let i = eligible.iter().position(|v| v.id == g.volunteer_id)?;
            Some(Slip {
                volunteer_id: g.volunteer_id,
                name: eligible[i].name.clone(),
                group: group_of(g.volunteer_id),
                username: g.username,
                link_token: tokens[i].clone(),
            })
        })
        .collect::<Vec<_>>();
    Ok(Given { skipped: total - slips.len(), community: Place::of(community)?, slips, expires_at })
}

/// The account a first-login link opens, as its page greets it.
#[derive(Debug, Clone)]
pub struct FirstLogin {
    pub display_name: String,
    pub username: String,
}

/// A link that can still set a password, with its account.
async fn live_link(
    ctx: &Context,
    token: &str,
) -> Result<(shouwang_db::entity::first_login_link::Model, accounts::Account)> {
    let invalid = || Error::refused(Refusal::LinkInvalid);
    let (link, account) = store::link_by_hash(&ctx.db.read, &sha256_hex(token)).await?.ok_or_else(invalid)?;
    if link.used_at.is_some() || account.user.disabled {
        return Err(invalid());
    }
    if link.expires_at <= ctx.clock.now() {
        return Err(Error::refused(Refusal::LinkExpired));
    }
    Ok((link, account))
}

/// Whom a first-login link greets, or why it cannot be used.
pub async fn first_login(ctx: &Context, token: &str) -> Result<FirstLogin> {
    let (_, account) = live_link(ctx, token).await?;
    Ok(FirstLogin { display_name: account.user.display_name, username: account.user.username })
}

/// What setting the first password did.
#[derive(Debug)]
pub enum FirstPassword {
    /// Set; a new session (the cookie's token) and the account's language.
    Set { session: String, locale: String },
    /// The two entries differ, or the password is too short: the form again.
    Refused(PasswordRefusal),
}

/// Sets the first password through a link, uses the link up, and starts a
/// session (the person is logged in at once). A second tap finds the link
/// used.
pub async fn set_first_password(
    ctx: &Context,
    passwords: &PasswordHashing,
    token: &str,
    new: &str,
    confirm: &str,
    peer: Option<String>,
) -> Result<FirstPassword> {
    let (link, account) = live_link(ctx, token).await?;
    if new != confirm {
        return Ok(FirstPassword::Refused(PasswordRefusal::Mismatch));
    }
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return Ok(FirstPassword::Refused(PasswordRefusal::TooShort));
    }
    let hash = passwords.hash(new).await?;
    let tx = ctx.db.begin_write().await?;
    if !store::use_link_in(&tx, link.id, ctx.clock.now()).await? {
        return Err(Error::refused(Refusal::LinkInvalid));
    }
    accounts::set_password_in(&tx, account.user.id, hash).await?;
    let session = random_token();
    accounts::create_session_in(&tx, &sha256_hex(&session), account.user.id, &random_token()).await?;
    audit::append(
        &tx,
        audit::Entry {
            user_id: Some(account.user.id),
            username: account.user.username.clone(),
            action: "first_login",
            target_kind: "account",
            target_id: Some(account.user.id.to_string()),
            region_path: Some(account.scope.path.clone()),
            detail: serde_json::json!({}),
            peer,
        },
    )
    .await?;
    tx.commit().await.map_err(shouwang_db::DbError::from)?;
    Ok(FirstPassword::Set { session, locale: account.user.locale })
}

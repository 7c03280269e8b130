//! Every use case of Shouwang, shared by the pages, the JSON API, the command
//! line and the demo. A use case takes a [`Context`] (what the program has:
//! the database, the ID hasher, the sign-up joiner, the clock), an [`Actor`]
//! (who asks: an account, the command line or the demo, or the public) and
//! plain inputs; it checks access through the one `domain::access::decide`,
//! writes with its audit entry in the same transaction, and answers plain
//! data or an [`Error`].
//!
//! No HTTP and no templates live here: the web crate parses a request, calls
//! one function of this crate and renders what it answers.

pub mod accounts;
pub mod audit;
pub mod groupbuy;
pub mod groups;
pub mod incidents;
pub mod ledger;
pub mod logins;
pub mod reactions;
pub mod reader;
pub mod registry;
pub mod rosters;
pub mod signup;
pub mod supplies;
pub mod tasks;
pub mod tokens;
pub mod volunteers;

use shouwang_db::entity::region;
use shouwang_db::{Db, DbError};
pub use shouwang_domain::Refusal;
use shouwang_domain::access::{self, Action, Resource};
use shouwang_domain::{Clock, IdHasher, Lang, RegionCode, Role, i18n};
use uuid::Uuid;

/// What every use case may use; cheap to clone.
#[derive(Clone)]
pub struct Context {
    pub db: Db,
    pub hasher: IdHasher,
    /// Group commit of sign-up sheet joins on this instance.
    pub joiner: shouwang_db::signup::Joiner,
    /// Group commit of door records (supplies) on this instance.
    pub recorder: shouwang_db::supplies::Recorder,
    pub clock: Clock,
    /// Reads uploaded spreadsheets in a child process (`shouwang
    /// parse-roster`) under memory, CPU and concurrency limits; `None` reads
    /// them in-process (tests, CLI).
    pub reader: Option<reader::Reader>,
}

impl Context {
    /// A context on `db`; starts this instance's sign-up joiner.
    pub fn new(db: Db, hasher: IdHasher, clock: Clock) -> Context {
        Context {
            joiner: shouwang_db::signup::Joiner::start(db.clone(), clock.clone()),
            recorder: shouwang_db::supplies::Recorder::start(db.clone()),
            db,
            hasher,
            clock,
            reader: None,
        }
    }
}

/// Who asks: an account (from a session or an API token), the operator at
/// the command line, the demo, or the public (the duty form).
#[derive(Debug, Clone)]
pub struct Actor {
    /// The account; `None` for the command line, the demo and the public.
    pub user_id: Option<Uuid>,
    pub username: String,
    /// The name shown in histories (a task's events).
    pub display_name: String,
    pub role: Role,
    pub personal_grant: bool,
    /// The region path the role applies under (`/` for the whole tree).
    pub scope_path: String,
    pub lang: Lang,
    /// The client address, for the audit log.
    pub peer: Option<String>,
}

impl Actor {
    /// The operator at the command line, or the demo: the whole tree, every right.
    pub fn operator(name: &str) -> Actor {
        Actor {
            user_id: None,
            username: name.to_string(),
            display_name: name.to_string(),
            role: Role::CommunityAdmin,
            personal_grant: true,
            scope_path: "/".to_string(),
            lang: Lang::Zh,
            peer: None,
        }
    }

    /// Someone without an account (the public duty form).
    pub fn public(peer: Option<String>, lang: Lang) -> Actor {
        Actor {
            user_id: None,
            username: "public".to_string(),
            display_name: "public".to_string(),
            role: Role::Volunteer,
            personal_grant: false,
            scope_path: "/-".to_string(),
            lang,
            peer,
        }
    }

    /// The one authorization check: role, resource, action and scope.
    pub fn can(&self, resource: Resource, action: Action, target_path: &str) -> bool {
        access::decide(self.role, self.personal_grant, &self.scope_path, resource, action, target_path)
    }

    /// [`Actor::can`], or why not: a target outside the actor's scope does
    /// not exist for them (`NotFound`, as for another community's ids); one
    /// inside it that their role may not touch is `Forbidden`.
    pub fn require(&self, resource: Resource, action: Action, target_path: &str) -> Result<(), Error> {
        match access::verdict(self.role, self.personal_grant, &self.scope_path, resource, action, target_path) {
            access::Verdict::Allowed => Ok(()),
            access::Verdict::Forbidden => Err(Error::Forbidden),
            access::Verdict::OutOfScope => Err(Error::missing(access::Refusal::NotInScope)),
        }
    }

    /// [`Actor::require`] for a part of a community (a group, a branch): a
    /// branch secretary or group leader may also run their own part.
    pub fn require_in(
        &self,
        resource: Resource,
        action: Action,
        target_path: &str,
        part: access::Part,
    ) -> Result<(), Error> {
        let verdict =
            access::verdict_in(self.role, self.personal_grant, &self.scope_path, resource, action, target_path, part);
        match verdict {
            access::Verdict::Allowed => Ok(()),
            access::Verdict::Forbidden => Err(Error::Forbidden),
            access::Verdict::OutOfScope => Err(Error::missing(access::Refusal::NotInScope)),
        }
    }

    /// An audit entry for this actor's action on a community.
    pub fn entry(
        &self,
        action: &'static str,
        target_kind: &'static str,
        target_id: Option<String>,
        community: &region::Model,
    ) -> shouwang_db::audit::Entry {
        shouwang_db::audit::Entry {
            user_id: self.user_id,
            username: self.username.clone(),
            action,
            target_kind,
            target_id,
            region_path: Some(community.path.clone()),
            detail: serde_json::json!({}),
            peer: self.peer.clone(),
        }
    }

    /// The actor as a task's history names it.
    pub fn task_actor(&self) -> shouwang_db::tasks::Actor {
        shouwang_db::tasks::Actor { user_id: self.user_id, name: self.display_name.clone() }
    }
}

/// Why a use case did not happen, as a typed reason whose text comes from
/// the locale files. Nothing was changed in any case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What was asked for does not exist, or not where the actor may see it.
    #[error("not found: {0}")]
    NotFound(Refusal),
    /// The actor may not do this here.
    #[error("forbidden")]
    Forbidden,
    /// The request is not valid as it stands (a typing slip, a bad value).
    #[error("invalid: {0}")]
    Invalid(Refusal),
    /// The request contradicts what someone else did just now.
    #[error("conflict: {0}")]
    Conflict(Refusal),
    /// A fault of the program or its database, not of the request.
    #[error("internal: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Error::NotFound(r) | Error::Invalid(r) | Error::Conflict(r) => r.message(lang),
            Error::Forbidden => i18n::t(lang, "storage.forbidden"),
            Error::Internal(_) => i18n::t(lang, "error.internal"),
        }
    }

    /// The request is refused for a typed reason.
    pub fn refused(reason: impl Into<Refusal>) -> Error {
        Error::Invalid(reason.into())
    }

    /// What the request names is not there.
    pub fn missing(reason: impl Into<Refusal>) -> Error {
        Error::NotFound(reason.into())
    }

    /// The request contradicts what someone else did just now.
    pub fn conflict(reason: impl Into<Refusal>) -> Error {
        Error::Conflict(reason.into())
    }
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Error {
        match e {
            DbError::NotFound { what, key } => Error::NotFound(Refusal::Missing { what, key }),
            DbError::Forbidden => Error::Forbidden,
            DbError::Invalid(reason) => Error::Invalid(reason),
            // A configuration fault (only connecting answers it), not the request's.
            e @ (DbError::UnsupportedUrl | DbError::Db(_) | DbError::Sqlx(_)) => Error::Internal(format!("{e:#}")),
        }
    }
}

/// The community named by `code`, checked against the actor's access.
pub async fn community_for(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    resource: Resource,
    action: Action,
) -> Result<region::Model> {
    let missing = || Error::missing(shouwang_domain::region::Refusal::NoSuchCommunity);
    let code = RegionCode::parse(code).map_err(|_| missing())?;
    let community = shouwang_db::registry::community_by_code(&ctx.db.read, &code).await?;
    actor.require(resource, action, &community.path)?;
    Ok(community)
}

/// A region (city … building) as pages and the API show it: never the
/// storage row, so web needs no storage types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub id: Uuid,
    pub kind: shouwang_domain::RegionKind,
    pub code: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    /// Codes from the root down, "/wh/wh-jh/…/".
    pub path: String,
    /// The committee's public phone (communities).
    pub contact_phone: Option<String>,
}

impl Place {
    pub(crate) fn of(r: region::Model) -> Result<Place> {
        let kind = shouwang_domain::RegionKind::parse(&r.kind)
            .ok_or_else(|| Error::Internal(format!("region {} of unknown kind {}", r.code, r.kind)))?;
        Ok(Place {
            id: r.id,
            kind,
            code: r.code,
            name: r.name,
            parent_id: r.parent_id,
            path: r.path,
            contact_phone: r.contact_phone,
        })
    }
}

/// Whether a stored region is of `kind` (compared as the enum, never as its
/// stored text).
pub(crate) fn is_kind(r: &region::Model, kind: shouwang_domain::RegionKind) -> bool {
    shouwang_domain::RegionKind::parse(&r.kind) == Some(kind)
}

/// [`community_for`] as pages and the API see it.
pub async fn community(ctx: &Context, actor: &Actor, code: &str, resource: Resource, action: Action) -> Result<Place> {
    Place::of(community_for(ctx, actor, code, resource, action).await?)
}

/// The volunteer record of the actor's account, if it has one.
pub(crate) async fn volunteer_of(
    ctx: &Context,
    actor: &Actor,
) -> Result<Option<shouwang_db::entity::volunteer::Model>> {
    match actor.user_id {
        Some(user) => Ok(shouwang_db::mobilisation::volunteer_by_user(&ctx.db.read, user).await?),
        None => Ok(None),
    }
}

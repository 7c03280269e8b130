//! Volunteers (SPEC §4.2): duty reports from the public form and from a
//! work unit's list, checked against the community's compounds and buildings.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use shouwang_db::entity::{region, volunteer};
use shouwang_db::mobilisation::{self as mob, DutyReport, ImportCounts, ReportOutcome, Review};
use shouwang_db::registry;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::{
    Availability, DutyStatus, ExemptReason, GroupFunctionSet, HealthStatus, KeyRoleKind, Lang, PhoneNumber, RegionKind,
    Role, Skill, SkillSet, VolunteerKind,
};
use uuid::Uuid;

use crate::groups::{Counts, row_of, stored};
use crate::{Actor, Context, Error, Place, community_for};
use shouwang_domain::duty_report::{MergedRow, VolunteerRejectedRow};
use shouwang_domain::volunteer::Refusal;

/// The fields of a duty report as a form or a JSON body sends them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DutyReportInput {
    pub name: String,
    pub phone: String,
    /// Code of the compound where the volunteer lives, if in this community.
    #[serde(default)]
    pub compound: Option<String>,
    /// Code of the building, if known.
    #[serde(default)]
    pub building: Option<String>,
    /// `VolunteerKind` code or label.
    pub kind: String,
    #[serde(default)]
    pub work_unit: Option<String>,
    #[serde(default)]
    pub party_org: Option<String>,
    /// Skill codes (medical, driving, it, electrician, counselling, translation, heavy_lifting).
    #[serde(default)]
    pub skills: Vec<String>,
    /// Day parts: morning, afternoon, evening, night.
    #[serde(default)]
    pub availability: Vec<String>,
    /// Group functions the volunteer prefers.
    #[serde(default)]
    pub preferred_posts: Vec<String>,
    #[serde(default)]
    pub experienced: bool,
    /// Exemption code, e.g. on_duty_medical.
    #[serde(default)]
    pub exempt: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A form field that failed, with the locale key of its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
}

impl FieldError {
    fn new(field: &'static str, key: &'static str) -> FieldError {
        FieldError { field, key }
    }

    pub fn message(&self, lang: Lang) -> String {
        shouwang_domain::i18n::t(lang, self.key)
    }
}

fn clean(s: &Option<String>, max: usize) -> Option<String> {
    s.as_deref().map(shouwang_domain::text::normalize).filter(|t| !t.is_empty()).map(|t| t.chars().take(max).collect())
}

/// Checks a duty report against the community's compounds and buildings.
async fn parse_duty_report(
    ctx: &Context,
    community: &Place,
    input: &DutyReportInput,
    source: &'static str,
) -> Result<DutyReport, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = shouwang_domain::text::normalize(&input.name);
    if name.is_empty() {
        errors.push(FieldError::new("name", "mobilisation.field.name_missing"));
    } else if name.chars().count() > 32 {
        errors.push(FieldError::new("name", "mobilisation.field.name_too_long"));
    }
    let phone = match PhoneNumber::parse(&input.phone) {
        Ok(p) => Some(p),
        Err(_) => {
            errors.push(FieldError::new("phone", "mobilisation.field.phone"));
            None
        }
    };
    let kind = VolunteerKind::parse(&input.kind);
    if kind.is_none() {
        errors.push(FieldError::new("kind", "mobilisation.field.kind"));
    }
    let exempt = match input.exempt.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(e) => match ExemptReason::parse(e) {
            Some(r) => Some(r),
            None => {
                errors.push(FieldError::new("exempt", "mobilisation.field.exempt"));
                None
            }
        },
    };
    let (mut home_compound, mut home_building) = (None, None);
    // "none": the form's explicit "I do not live in this community".
    let compound_code = input.compound.as_deref().map(str::trim).filter(|s| !s.is_empty() && *s != "none");
    if let Some(code) = compound_code {
        match place_in(ctx, community, code, RegionKind::Compound).await {
            Some(c) => home_compound = Some(c),
            None => errors.push(FieldError::new("compound", "mobilisation.field.compound")),
        }
    }
    if let Some(code) = input.building.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match place_in(ctx, community, code, RegionKind::Building).await {
            Some(b) if home_compound.as_ref().is_none_or(|c: &(Uuid, String)| b.1.starts_with(&c.1)) => {
                home_building = Some(b)
            }
            _ => errors.push(FieldError::new("building", "mobilisation.field.building")),
        }
    }
    // A building alone tells the compound too.
    if home_compound.is_none()
        && let Some((_, path)) = &home_building
        && let Some(c) = compound_of_path(ctx, path).await
    {
        home_compound = Some(c);
    }
    let set = |words: &[String]| words.join(",");
    let skills = SkillSet::parse_words(&set(&input.skills)).0;
    let availability = Availability::parse_words(&set(&input.availability)).0;
    let posts = GroupFunctionSet::parse_words(&set(&input.preferred_posts)).0;
    if !errors.is_empty() {
        return Err(errors);
    }
    let (Some(phone), Some(kind)) = (phone, kind) else { return Err(errors) };
    Ok(DutyReport {
        name,
        phone: phone.expose().to_string(),
        home_compound_id: home_compound.map(|c| c.0),
        home_building_id: home_building.map(|b| b.0),
        kind,
        work_unit: clean(&input.work_unit, 100),
        party_org: clean(&input.party_org, 100),
        skills,
        availability,
        preferred_posts: posts,
        experienced: input.experienced,
        exempt,
        note: clean(&input.note, 500),
        source,
    })
}

/// A region of `kind` named by code inside the community: (id, path).
async fn place_in(ctx: &Context, community: &Place, code: &str, kind: RegionKind) -> Option<(Uuid, String)> {
    let code = shouwang_domain::RegionCode::parse(code).ok()?;
    let r = registry::find_region(&ctx.db.read, &code).await.ok()??;
    (RegionKind::parse(&r.kind) == Some(kind) && r.path.starts_with(&community.path)).then_some((r.id, r.path))
}

async fn compound_of_path(ctx: &Context, building_path: &str) -> Option<(Uuid, String)> {
    let parts: Vec<&str> = building_path.trim_matches('/').split('/').collect();
    let code = parts.get(parts.len().checked_sub(2)?)?;
    place_in_any(ctx, code).await
}

async fn place_in_any(ctx: &Context, code: &str) -> Option<(Uuid, String)> {
    let code = shouwang_domain::RegionCode::parse(code).ok()?;
    let r = registry::find_region(&ctx.db.read, &code).await.ok()??;
    (RegionKind::parse(&r.kind) == Some(RegionKind::Compound)).then_some((r.id, r.path))
}

// ---------------------------------------------------------------------------
// A work unit's list

/// What a volunteer list would do, before (or after) it is applied.
#[derive(Debug, Clone)]
pub struct VolunteerFileReport {
    pub sheet_name: String,
    pub header_row: u32,
    pub rows_read: usize,
    pub reports: Vec<DutyReport>,
    pub rejected: Vec<VolunteerRejectedRow>,
    pub merged: Vec<MergedRow>,
    /// Rows whose 小区/楼号 is not in the community: filed as living elsewhere.
    pub unknown_places: Vec<(u32, String)>,
    /// How many phones have reported here before (they merge, not double).
    pub already_reported: usize,
}

/// Reads a work unit's list (in a child process when the context has a
/// reader) and matches its compounds and buildings against the community's.
async fn read_volunteer_file(
    ctx: &Context,
    community: &region::Model,
    bytes: &[u8],
    kind: shouwang_io::FileKind,
    default_kind: VolunteerKind,
) -> Result<VolunteerFileReport, shouwang_io::ReadError> {
    let db = &ctx.db;
    let sheet: shouwang_io::VolunteerSheet = match &ctx.reader {
        Some(reader) => reader.read(bytes, kind, "volunteers").await?,
        None => {
            let bytes = bytes.to_vec();
            tokio::task::spawn_blocking(move || shouwang_io::read_volunteers(&bytes, kind))
                .await
                .map_err(|e| shouwang_io::ReadError::Unreadable(e.to_string()))??
        }
    };
    let parsed = shouwang_domain::parse_volunteer_rows(&sheet.rows, default_kind);
    let places = registry::descendants(&db.read, community, None)
        .await
        .map_err(|e| shouwang_io::ReadError::Unreadable(e.to_string()))?;
    let key = shouwang_domain::text::name_key;
    let compounds: HashMap<String, &region::Model> = places
        .iter()
        .filter(|r| RegionKind::parse(&r.kind) == Some(RegionKind::Compound))
        .map(|r| (key(&r.name), r))
        .collect();
    let mut reports = Vec::new();
    let mut unknown_places = Vec::new();
    for r in &parsed.records {
        let compound = r.compound.as_deref().map(|c| (c, compounds.get(&key(c)).copied()));
        let (home_compound, home_building) = match compound {
            None => (None, None),
            Some((text, None)) => {
                unknown_places.push((r.row, text.to_string()));
                (None, None)
            }
            Some((_, Some(c))) => {
                let building = r.building.as_deref().and_then(|b| {
                    let bk = shouwang_domain::text::building_key(b);
                    places
                        .iter()
                        .find(|x| x.parent_id == Some(c.id) && shouwang_domain::text::building_key(&x.name) == bk)
                        .map(|x| x.id)
                });
                if let (Some(text), None) = (r.building.as_deref(), building) {
                    unknown_places.push((r.row, format!("{} {text}", c.name)));
                }
                (Some(c.id), building)
            }
        };
        reports.push(DutyReport {
            name: r.name.clone(),
            phone: r.phone.expose().to_string(),
            home_compound_id: home_compound,
            home_building_id: home_building,
            kind: r.kind,
            work_unit: r.work_unit.clone(),
            party_org: r.party_org.clone(),
            skills: r.skills,
            availability: r.availability,
            preferred_posts: r.preferred_posts,
            experienced: r.experienced,
            exempt: r.exempt,
            note: r.note.clone(),
            source: "import",
        });
    }
    let known: HashSet<String> = mob::list_volunteers(&db.read, community.id, &Default::default())
        .await
        .map_err(|e| shouwang_io::ReadError::Unreadable(e.to_string()))?
        .into_iter()
        .map(|v| v.volunteer.phone)
        .collect();
    Ok(VolunteerFileReport {
        sheet_name: sheet.sheet_name,
        header_row: sheet.header_row,
        rows_read: sheet.rows.len(),
        already_reported: reports.iter().filter(|r| known.contains(&r.phone)).count(),
        reports,
        rejected: parsed.rejected,
        merged: parsed.merged,
        unknown_places,
    })
}

// ---------------------------------------------------------------------------
// Filing reports and linking logins

/// Files the valid rows of a work unit's volunteer list inside the caller's
/// write transaction; `file` and `rejected` (rows left out) go into the audit entry.
async fn import_duty_reports_in(
    conn: &impl shouwang_db::ConnectionTrait,
    actor: &Actor,
    community: &region::Model,
    reports: &[DutyReport],
    file: &str,
    rejected: usize,
) -> Result<ImportCounts, Error> {
    actor.require(Resource::Volunteer, Action::Write, &community.path)?;
    let mut e = actor.entry("duty_import", "community", Some(community.code.clone()), community);
    e.detail = serde_json::json!({ "file": file, "rejected": rejected });
    Ok(mob::import_duty_reports_in(conn, community.id, reports, e).await?)
}

/// Links the community's volunteer `volunteer` to the login `user` just made
/// for them (`username`, `role`), and records the new login.
async fn link_login(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    volunteer: Uuid,
    user: Uuid,
    username: &str,
    role: Role,
) -> Result<(), Error> {
    actor.require(Resource::Users, Action::Write, &community.path)?;
    match mob::volunteer_by_id(&ctx.db.read, volunteer).await? {
        Some(v) if v.community_id == community.id => {}
        _ => return Err(Error::missing(Refusal::VolunteerNotFound)),
    }
    mob::link_user(&ctx.db, volunteer, Some(user)).await?;
    let mut e = actor.entry("user_create", "user", Some(user.to_string()), community);
    e.detail = serde_json::json!({ "username": username, "role": role.code(), "volunteer": volunteer.to_string() });
    shouwang_db::audit::append(&ctx.db.write, e).await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// The public form and filing duty reports

/// The public form's community, with its compounds and their buildings.
#[derive(Debug, Clone)]
pub struct DutyForm {
    pub community: Place,
    pub places: Vec<FormCompound>,
}

/// A compound to choose on the form, with its buildings: (code, name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormCompound {
    pub code: String,
    pub name: String,
    pub buildings: Vec<(String, String)>,
}

/// The community of the public duty form (anyone with the link may open it).
pub async fn duty_form(ctx: &Context, code: &str) -> Result<DutyForm, Error> {
    let missing = || Error::missing(shouwang_domain::grouping::Refusal::CommunityNotFound);
    let code = shouwang_domain::RegionCode::parse(code).map_err(|_| missing())?;
    let community = registry::community_by_code(&ctx.db.read, &code).await.map_err(|_| missing())?;
    let all = registry::descendants(&ctx.db.read, &community, None).await?;
    let mut places = Vec::new();
    for c in all.iter().filter(|r| RegionKind::parse(&r.kind) == Some(RegionKind::Compound)) {
        let buildings = all
            .iter()
            .filter(|b| b.parent_id == Some(c.id) && RegionKind::parse(&b.kind) == Some(RegionKind::Building))
            .map(|b| (b.code.clone(), b.name.clone()))
            .collect();
        places.push(FormCompound { code: c.code.clone(), name: c.name.clone(), buildings });
    }
    Ok(DutyForm { community: Place::of(community)?, places })
}

/// What became of a duty report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Fields to correct; nothing was stored.
    Rejected(Vec<FieldError>),
    /// A robot filled the honeypot: answered as accepted, nothing stored.
    Ignored,
    /// A new volunteer.
    Created(Uuid),
    /// The phone had already reported here; the new details were merged in.
    Merged(Uuid),
}

fn submitted(outcome: ReportOutcome) -> Submitted {
    match outcome {
        ReportOutcome::Created(id) => Submitted::Created(id),
        ReportOutcome::Merged(id) => Submitted::Merged(id),
    }
}

/// A duty report from the public form: no account, no access check (the form
/// is public; its rate limit is the web's). `robot`: the honeypot was filled.
pub async fn submit_duty_form(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    input: &DutyReportInput,
    robot: bool,
) -> Result<Submitted, Error> {
    let report = match parse_duty_report(ctx, community, input, "form").await {
        Ok(r) => r,
        Err(errors) => return Ok(Submitted::Rejected(errors)),
    };
    if robot {
        return Ok(Submitted::Ignored);
    }
    store_duty_report(ctx, actor, community, &report).await
}

/// Files a duty report for someone (a committee member typing it in); a
/// second report from the same phone merges into the first.
pub async fn file_duty_report(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    input: &DutyReportInput,
) -> Result<Submitted, Error> {
    actor.require(Resource::Volunteer, Action::Write, &community.path)?;
    let report = match parse_duty_report(ctx, community, input, "manual").await {
        Ok(r) => r,
        Err(errors) => return Ok(Submitted::Rejected(errors)),
    };
    store_duty_report(ctx, actor, community, &report).await
}

async fn store_duty_report(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    report: &DutyReport,
) -> Result<Submitted, Error> {
    let community = row_of(ctx, community).await?;
    let e = actor.entry("duty_report", "volunteer", None, &community);
    Ok(submitted(mob::report_for_duty(&ctx.db, community.id, report, e).await?))
}

// ---------------------------------------------------------------------------
// Volunteers as pages and the API show them

/// A volunteer's group: (id, number, name).
pub type GroupRef = (Uuid, i32, String);

/// A compound or building by id and name ("" when it is not the community's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRef {
    pub id: Uuid,
    pub name: String,
}

/// A volunteer of a community (phone masked), with their group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerRow {
    pub id: Uuid,
    pub name: String,
    /// Masked, e.g. `139****1111`.
    pub phone: String,
    pub kind: VolunteerKind,
    pub status: DutyStatus,
    pub reject_reason: Option<String>,
    pub exempt_reason: Option<ExemptReason>,
    pub health: HealthStatus,
    pub home_compound: Option<PlaceRef>,
    pub home_building: Option<PlaceRef>,
    pub skills: SkillSet,
    pub availability: Availability,
    pub preferred_posts: GroupFunctionSet,
    pub experienced: bool,
    pub work_unit: Option<String>,
    pub party_org: Option<String>,
    pub note: Option<String>,
    /// The login linked to this volunteer, if any.
    pub user_id: Option<Uuid>,
    pub group: Option<GroupRef>,
    pub reported_at: time::OffsetDateTime,
}

impl VolunteerRow {
    fn of(v: &volunteer::Model, group: Option<GroupRef>, names: &HashMap<Uuid, String>) -> Result<VolunteerRow, Error> {
        let place = |id: Option<Uuid>| id.map(|id| PlaceRef { id, name: names.get(&id).cloned().unwrap_or_default() });
        let exempt_reason = match v.exempt_reason.as_deref() {
            Some(code) => Some(stored(ExemptReason::from_code, code, "exemption reason")?),
            None => None,
        };
        Ok(VolunteerRow {
            id: v.id,
            name: v.name.clone(),
            phone: shouwang_domain::phone::mask_phone(&v.phone),
            kind: stored(VolunteerKind::from_code, &v.kind, "volunteer kind")?,
            status: stored(DutyStatus::from_code, &v.status, "duty status")?,
            reject_reason: v.reject_reason.clone(),
            exempt_reason,
            health: stored(HealthStatus::from_code, &v.health, "health")?,
            home_compound: place(v.home_compound_id),
            home_building: place(v.home_building_id),
            skills: SkillSet::from_codes(&v.skills),
            availability: Availability::from_codes(&v.availability),
            preferred_posts: GroupFunctionSet::from_codes(&v.preferred_posts),
            experienced: v.experienced,
            work_unit: v.work_unit.clone(),
            party_org: v.party_org.clone(),
            note: v.note.clone(),
            user_id: v.user_id,
            group,
            reported_at: v.reported_at,
        })
    }
}

/// Filters of the volunteer list; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub status: Option<DutyStatus>,
    pub kind: Option<VolunteerKind>,
    pub skill: Option<Skill>,
    pub health: Option<HealthStatus>,
    pub grouped: Option<bool>,
    /// Part of the name, or the last 4+ digits of the phone.
    pub q: Option<String>,
}

/// Names of a community's compounds and buildings by id.
async fn place_names(ctx: &Context, community: &region::Model) -> Result<HashMap<Uuid, String>, Error> {
    Ok(registry::descendants(&ctx.db.read, community, None)
        .await?
        .into_iter()
        .filter(|r| matches!(RegionKind::parse(&r.kind), Some(RegionKind::Compound | RegionKind::Building)))
        .map(|r| (r.id, r.name))
        .collect())
}

async fn rows(ctx: &Context, community: &region::Model, filter: &Filter) -> Result<Vec<VolunteerRow>, Error> {
    let Filter { status, kind, skill, health, grouped, q } = filter.clone();
    let filter = mob::VolunteerFilter { status, kind, skill, health, grouped, q };
    let found = mob::list_volunteers(&ctx.db.read, community.id, &filter).await?;
    let names = place_names(ctx, community).await?;
    found.into_iter().map(|r| VolunteerRow::of(&r.volunteer, r.group, &names)).collect()
}

/// A community's volunteers, filtered.
pub async fn list(ctx: &Context, actor: &Actor, code: &str, filter: &Filter) -> Result<Vec<VolunteerRow>, Error> {
    let community = community_for(ctx, actor, code, Resource::Volunteer, Action::Read).await?;
    rows(ctx, &community, filter).await
}

/// The committee's list with the community's counts.
#[derive(Debug, Clone)]
pub struct VolunteerList {
    pub community: Place,
    pub counts: Counts,
    /// The list opened on the inbox (reports waiting for review).
    pub inbox: bool,
    pub rows: Vec<VolunteerRow>,
}

/// The committee's list. Asked with no filter (`untouched`), it opens on the
/// inbox while reports wait for review.
pub async fn committee_list(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    mut filter: Filter,
    untouched: bool,
) -> Result<VolunteerList, Error> {
    let community = community_for(ctx, actor, code, Resource::Volunteer, Action::Read).await?;
    let counts: Counts = mob::counts_of(&ctx.db.read, community.id).await?.into();
    let inbox = untouched && counts.reported > counts.verified + counts.exempt + counts.rejected;
    if inbox {
        filter.status = Some(DutyStatus::Reported);
    }
    let rows = rows(ctx, &community, &filter).await?;
    Ok(VolunteerList { community: Place::of(community)?, counts, inbox, rows })
}

async fn volunteer_row(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
    resource: Resource,
    action: Action,
) -> Result<(volunteer::Model, region::Model), Error> {
    let missing = || Error::missing(Refusal::VolunteerNotFound);
    let v = mob::volunteer_by_id(&ctx.db.read, id).await?.ok_or_else(missing)?;
    let community = registry::region_by_id(&ctx.db.read, v.community_id).await?.ok_or_else(missing)?;
    actor.require(resource, action, &community.path)?;
    Ok((v, community))
}

/// The community of volunteer `id`, checked for `action` on volunteers.
pub async fn community_of(ctx: &Context, actor: &Actor, id: Uuid, action: Action) -> Result<Place, Error> {
    Place::of(volunteer_row(ctx, actor, id, Resource::Volunteer, action).await?.1)
}

/// Roles a login made for a volunteer may have.
const LOGIN_ROLES: [Role; 3] = [Role::Volunteer, Role::GroupLeader, Role::BranchSecretary];

/// One volunteer's page.
#[derive(Debug, Clone)]
pub struct VolunteerDetail {
    pub community: Place,
    pub volunteer: VolunteerRow,
    /// The community's groups (id, name), to move them.
    pub groups: Vec<(Uuid, String)>,
    /// The login this volunteer has, if any.
    pub account: Option<String>,
    /// Roles the actor may give this volunteer a login with (none: no form).
    pub account_roles: Vec<Role>,
}

pub async fn detail(ctx: &Context, actor: &Actor, id: Uuid) -> Result<VolunteerDetail, Error> {
    let (v, community) = volunteer_row(ctx, actor, id, Resource::Volunteer, Action::Read).await?;
    let read = &ctx.db.read;
    let names = place_names(ctx, &community).await?;
    let groups = mob::groups_of_community(read, community.id).await?;
    let current = mob::group_of(read, v.id).await?;
    let group =
        groups.iter().find(|g| Some(g.group.id) == current).map(|g| (g.group.id, g.group.number, g.group.name.clone()));
    let account = match v.user_id {
        Some(u) => shouwang_db::accounts::find_by_id(read, u).await?.map(|a| a.user.username),
        None => None,
    };
    let volunteer = VolunteerRow::of(&v, group, &names)?;
    let account_roles = if account.is_none()
        && volunteer.status == DutyStatus::Verified
        && actor.can(Resource::Users, Action::Write, &community.path)
    {
        LOGIN_ROLES.into_iter().filter(|r| actor.role.may_appoint_account(actor.personal_grant, *r, false)).collect()
    } else {
        Vec::new()
    };
    Ok(VolunteerDetail {
        community: Place::of(community)?,
        volunteer,
        groups: groups.iter().map(|g| (g.group.id, g.group.name.clone())).collect(),
        account,
        account_roles,
    })
}

/// A key role that changed hands because a volunteer stopped serving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverView {
    pub kind: KeyRoleKind,
    /// The branch or group the role is of.
    pub subject_id: Uuid,
    pub from: Option<Uuid>,
    pub from_name: Option<String>,
    /// Who holds the role now; none when nobody could take it over.
    pub to: Option<Uuid>,
    pub to_name: Option<String>,
    /// The volunteer was the backup (B角) and the role now has none.
    pub backup_lost: bool,
}

/// Records a volunteer's health; when they can no longer serve, their roles
/// pass to their backups (and their work with them), as the answer lists.
pub async fn set_health(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    id: Uuid,
    health: HealthStatus,
) -> Result<Vec<HandoverView>, Error> {
    actor.require(Resource::Volunteer, Action::Write, &community.path)?;
    let row = row_of(ctx, community).await?;
    let changes = crate::reactions::health_changed(ctx, actor, &row, id, health).await?.handovers;
    let names = if changes.is_empty() { Default::default() } else { crate::groups::names_of(ctx, row.id).await? };
    let name = |id: Option<Uuid>| id.and_then(|i| names.get(&i).cloned());
    changes
        .iter()
        .map(|h| {
            Ok(HandoverView {
                kind: stored(KeyRoleKind::from_code, &h.kind, "key role")?,
                subject_id: h.subject_id,
                from: h.from,
                from_name: name(h.from),
                to: h.to,
                to_name: name(h.to),
                backup_lost: h.backup_lost,
            })
        })
        .collect()
}

/// Moves a volunteer into one of the community's groups, or out of any.
pub async fn move_to_group(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    id: Uuid,
    group: Option<Uuid>,
) -> Result<(), Error> {
    crate::reactions::group_changed(ctx, actor, &row_of(ctx, community).await?, id, group).await?;
    Ok(())
}

/// A review decision as asked; the service checks its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Verify,
    /// With the reason given (required).
    Reject(String),
    /// With the exemption reason chosen (required).
    Exempt(Option<ExemptReason>),
}

/// Verifies, rejects or exempts several of the community's volunteers at
/// once; answers how many changed.
pub async fn review(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    ids: &[Uuid],
    decision: Decision,
) -> Result<u64, Error> {
    actor.require(Resource::Volunteer, Action::Write, &community.path)?;
    let decision = match decision {
        Decision::Verify => Review::Verify,
        Decision::Reject(reason) => {
            let reason = shouwang_domain::text::normalize(&reason);
            if reason.is_empty() {
                return Err(Error::refused(Refusal::RejectNeedsReason));
            }
            Review::Reject(reason.chars().take(200).collect())
        }
        Decision::Exempt(reason) => Review::Exempt(reason.ok_or_else(|| Error::refused(Refusal::ExemptNeedsReason))?),
    };
    let row = row_of(ctx, community).await?;
    Ok(crate::reactions::reviewed(ctx, actor, &row, ids, &decision).await?.0)
}

/// A volunteer's full phone number, shown once; who asked and why is logged.
pub async fn reveal_phone(ctx: &Context, actor: &Actor, id: Uuid, reason: &str) -> Result<String, Error> {
    let (v, community) = volunteer_row(ctx, actor, id, Resource::Volunteer, Action::Reveal).await?;
    let reason = shouwang_domain::text::normalize(reason);
    if reason.is_empty() {
        return Err(Error::refused(Refusal::RevealNeedsReason));
    }
    let mut e = actor.entry("volunteer_reveal", "volunteer", Some(id.to_string()), &community);
    e.detail = serde_json::json!({ "field": "phone", "reason": reason });
    shouwang_db::audit::append(&ctx.db.write, e).await?;
    Ok(v.phone)
}

/// Gives a verified volunteer a login with `role` (a group leader needs one
/// to see their group). `password_hash` is awaited only once every check has
/// passed (hashing is slow on purpose). Answers the login's username.
pub async fn create_login(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
    username: &str,
    role: &str,
    password_hash: impl std::future::Future<Output = Result<String, Error>>,
) -> Result<String, Error> {
    let (v, community) = volunteer_row(ctx, actor, id, Resource::Volunteer, Action::Read).await?;
    actor.require(Resource::Users, Action::Write, &community.path)?;
    let role = Role::parse(role)
        .filter(|r| LOGIN_ROLES.contains(r) && actor.role.may_appoint_account(actor.personal_grant, *r, false))
        .ok_or(Error::Forbidden)?;
    if v.user_id.is_some() {
        return Err(Error::refused(Refusal::HasLogin));
    }
    if DutyStatus::from_code(&v.status) != Some(DutyStatus::Verified) {
        return Err(Error::refused(Refusal::LoginNeedsVerified));
    }
    let hash = password_hash.await?;
    let scope = shouwang_domain::RegionCode::parse(&community.code).map_err(|_| Error::Forbidden)?;
    let created = shouwang_db::accounts::create_user(
        &ctx.db,
        shouwang_db::accounts::NewUser {
            username,
            display_name: &v.name,
            password_hash: hash,
            role,
            scope: &scope,
            personal_grant: false,
            must_change_password: true,
        },
    )
    .await?;
    link_login(ctx, actor, &community, v.id, created.id, &created.username, role).await?;
    Ok(created.username)
}

// ---------------------------------------------------------------------------
// A work unit's list: preview, then apply

/// What a kept volunteer list would do.
#[derive(Debug, Clone)]
pub struct ImportPreview {
    /// The kept file, to apply.
    pub upload: Uuid,
    pub sheet: String,
    pub rows_read: usize,
    pub valid: usize,
    pub new: usize,
    pub merging: usize,
    pub exempt: usize,
    pub rejected: Vec<VolunteerRejectedRow>,
    pub merged: Vec<MergedRow>,
    pub unknown_places: Vec<(u32, String)>,
}

/// Reads a work unit's list (in a child process when the context has a
/// reader), keeps it for the actor, and tells what it would do; a file that
/// cannot be read is answered as `Err` inside.
pub async fn preview_import(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    file_name: &str,
    bytes: Vec<u8>,
    kind: shouwang_io::FileKind,
    default_kind: VolunteerKind,
) -> Result<Result<ImportPreview, shouwang_io::ReadError>, Error> {
    actor.require(Resource::Volunteer, Action::Write, &community.path)?;
    let user = actor.user_id.ok_or(Error::Forbidden)?;
    let row = row_of(ctx, community).await?;
    let report = match read_volunteer_file(ctx, &row, &bytes, kind, default_kind).await {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let at = ctx.clock.now();
    let upload = shouwang_db::uploads::store(&ctx.db, user, &community.code, file_name, bytes, at).await?;
    Ok(Ok(ImportPreview {
        upload,
        sheet: report.sheet_name,
        rows_read: report.rows_read,
        valid: report.reports.len(),
        new: report.reports.len() - report.already_reported,
        merging: report.already_reported,
        exempt: report.reports.iter().filter(|r| r.exempt.is_some()).count(),
        rejected: report.rejected,
        merged: report.merged,
        unknown_places: report.unknown_places,
    }))
}

/// What applying a kept list did.
#[derive(Debug)]
pub enum Applied {
    /// The kept file is gone (older than an hour, or another's).
    Expired,
    /// This upload was applied already (a double click, another tab); nothing changed.
    AlreadyApplied,
    Unreadable(shouwang_io::ReadError),
    /// Reports filed (new and merged).
    Filed(u32),
}

/// Files the valid rows of the kept list: the claim of the upload (its bytes
/// go), the reports and the audit entry in one write transaction, so a
/// second apply of the same upload answers "already applied" and changes nothing.
pub async fn apply_import(
    ctx: &Context,
    actor: &Actor,
    community: &Place,
    upload: Uuid,
    default_kind: VolunteerKind,
) -> Result<Applied, Error> {
    use shouwang_db::uploads::{self, Kept};
    actor.require(Resource::Volunteer, Action::Write, &community.path)?;
    let user = actor.user_id.ok_or(Error::Forbidden)?;
    let now = ctx.clock.now();
    let upload = match uploads::take(&ctx.db, upload, user, now).await? {
        Kept::Fresh(u) => u,
        Kept::Applied => return Ok(Applied::AlreadyApplied),
        Kept::Gone => return Ok(Applied::Expired),
    };
    // A list kept for another community is not found here.
    if upload.community_code != community.code {
        return Err(Error::missing(shouwang_domain::access::Refusal::NotInScope));
    }
    let kind = shouwang_io::FileKind::from_path(std::path::Path::new(&upload.file_name))
        .ok_or_else(|| Error::refused(Refusal::UnsupportedFile))?;
    let row = row_of(ctx, community).await?;
    let report = match read_volunteer_file(ctx, &row, &upload.bytes, kind, default_kind).await {
        Ok(r) => r,
        Err(e) => return Ok(Applied::Unreadable(e)),
    };
    let (file, rejected) = (upload.file_name.as_str(), report.rejected.len());
    let tx = ctx.db.begin_write().await?;
    if !uploads::claim_in(&tx, upload.id, now).await? {
        tx.rollback().await.map_err(shouwang_db::DbError::from)?;
        return Ok(Applied::AlreadyApplied);
    }
    let counts = import_duty_reports_in(&tx, actor, &row, &report.reports, file, rejected).await?;
    tx.commit().await.map_err(shouwang_db::DbError::from)?;
    Ok(Applied::Filed(counts.created + counts.merged))
}

//! Volunteers (SPEC §4.2): duty reports from the public form and from a
//! work unit's list, checked against the community's compounds and buildings.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use shouwang_db::entity::region;
use shouwang_db::mobilisation::{self as mob, DutyReport, ImportCounts, ReportOutcome};
use shouwang_db::registry;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::{
    Availability, ExemptReason, GroupFunctionSet, Lang, PhoneNumber, RegionKind, Role, SkillSet, VolunteerKind,
};
use uuid::Uuid;

use crate::{Actor, Context, Error, not_found};

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

/// A form field that failed, with its message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

impl FieldError {
    fn new(field: &'static str, zh: &str, en: &str) -> FieldError {
        FieldError { field, zh: zh.into(), en: en.into() }
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

fn clean(s: &Option<String>, max: usize) -> Option<String> {
    s.as_deref().map(shouwang_domain::text::normalize).filter(|t| !t.is_empty()).map(|t| t.chars().take(max).collect())
}

/// Checks a duty report against the community's compounds and buildings.
pub async fn parse_duty_report(
    ctx: &Context,
    community: &region::Model,
    input: &DutyReportInput,
    source: &'static str,
) -> Result<DutyReport, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = shouwang_domain::text::normalize(&input.name);
    if name.is_empty() {
        errors.push(FieldError::new("name", "请填写姓名", "enter your name"));
    } else if name.chars().count() > 32 {
        errors.push(FieldError::new("name", "姓名最多32个字", "a name is at most 32 characters"));
    }
    let phone = match PhoneNumber::parse(&input.phone) {
        Ok(p) => Some(p),
        Err(_) => {
            errors.push(FieldError::new("phone", "请填写11位手机号", "enter an 11-digit mobile number"));
            None
        }
    };
    let kind = VolunteerKind::parse(&input.kind);
    if kind.is_none() {
        errors.push(FieldError::new("kind", "请选择报到类别", "choose how you are reporting"));
    }
    let exempt = match input.exempt.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(e) => match ExemptReason::parse(e) {
            Some(r) => Some(r),
            None => {
                errors.push(FieldError::new("exempt", "免编原因无法识别", "unknown exemption reason"));
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
            None => {
                errors.push(FieldError::new("compound", "所选小区不在本社区", "that compound is not in this community"))
            }
        }
    }
    if let Some(code) = input.building.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match place_in(ctx, community, code, RegionKind::Building).await {
            Some(b) if home_compound.as_ref().is_none_or(|c: &(Uuid, String)| b.1.starts_with(&c.1)) => {
                home_building = Some(b)
            }
            _ => errors.push(FieldError::new(
                "building",
                "所选楼栋不在该小区",
                "that building is not in the chosen compound",
            )),
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
async fn place_in(ctx: &Context, community: &region::Model, code: &str, kind: RegionKind) -> Option<(Uuid, String)> {
    let code = shouwang_domain::RegionCode::parse(code).ok()?;
    let r = registry::find_region(&ctx.db.read, &code).await.ok()??;
    (r.kind == kind.as_str() && r.path.starts_with(&community.path)).then_some((r.id, r.path))
}

async fn compound_of_path(ctx: &Context, building_path: &str) -> Option<(Uuid, String)> {
    let parts: Vec<&str> = building_path.trim_matches('/').split('/').collect();
    let code = parts.get(parts.len().checked_sub(2)?)?;
    place_in_any(ctx, code).await
}

async fn place_in_any(ctx: &Context, code: &str) -> Option<(Uuid, String)> {
    let code = shouwang_domain::RegionCode::parse(code).ok()?;
    let r = registry::find_region(&ctx.db.read, &code).await.ok()??;
    (r.kind == RegionKind::Compound.as_str()).then_some((r.id, r.path))
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
    /// (row, message in zh, message in en)
    pub rejected: Vec<(u32, String, String)>,
    pub merged: Vec<(String, String)>,
    /// Rows whose 小区/楼号 is not in the community: filed as living elsewhere.
    pub unknown_places: Vec<(u32, String)>,
    /// How many phones have reported here before (they merge, not double).
    pub already_reported: usize,
}

/// Reads a work unit's list (in a child process when `parser` is set) and
/// matches its compounds and buildings against the community's.
pub async fn read_volunteer_file(
    ctx: &Context,
    community: &region::Model,
    bytes: &[u8],
    kind: shouwang_io::FileKind,
    default_kind: VolunteerKind,
    parser: Option<&std::path::Path>,
) -> Result<VolunteerFileReport, shouwang_io::ReadError> {
    let db = &ctx.db;
    let sheet: shouwang_io::VolunteerSheet = match parser {
        Some(exe) => crate::registry::read_in_child(exe, bytes, kind, "volunteers").await?,
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
    let compounds: HashMap<String, &region::Model> =
        places.iter().filter(|r| r.kind == RegionKind::Compound.as_str()).map(|r| (key(&r.name), r)).collect();
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
        rejected: parsed
            .rejected
            .iter()
            .map(|r| (r.row, r.reason.message(Lang::Zh), r.reason.message(Lang::En)))
            .collect(),
        merged: parsed.merged.iter().map(|m| (m.message(Lang::Zh), m.message(Lang::En))).collect(),
        unknown_places,
    })
}

// ---------------------------------------------------------------------------
// Filing reports and linking logins

/// Files a checked duty report for someone (a committee member typing it in);
/// a second report from the same phone merges into the first.
pub async fn file_duty_report(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    report: &DutyReport,
) -> Result<ReportOutcome, Error> {
    actor.require(Resource::Volunteer, Action::Write, &community.path)?;
    store_duty_report(ctx, actor, community, report).await
}

/// Files a checked duty report from the public form: no account, no access
/// check (the form is public; its rate limit and honeypot are the web's).
pub async fn public_duty_report(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    report: &DutyReport,
) -> Result<ReportOutcome, Error> {
    store_duty_report(ctx, actor, community, report).await
}

async fn store_duty_report(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    report: &DutyReport,
) -> Result<ReportOutcome, Error> {
    let e = actor.entry("duty_report", "volunteer", None, community);
    Ok(mob::report_for_duty(&ctx.db, community.id, report, e).await?)
}

/// Files the valid rows of a work unit's volunteer list, all in one
/// transaction; `file` and `rejected` (rows left out) go into the audit entry.
pub async fn import_duty_reports(
    ctx: &Context,
    actor: &Actor,
    community: &region::Model,
    reports: &[DutyReport],
    file: &str,
    rejected: usize,
) -> Result<ImportCounts, Error> {
    actor.require(Resource::Volunteer, Action::Write, &community.path)?;
    let mut e = actor.entry("duty_import", "community", Some(community.code.clone()), community);
    e.detail = serde_json::json!({ "file": file, "rejected": rejected });
    Ok(mob::import_duty_reports(&ctx.db, community.id, reports, e).await?)
}

/// Links the community's volunteer `volunteer` to the login `user` just made
/// for them (`username`, `role`), and records the new login.
pub async fn link_login(
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
        _ => return Err(not_found("找不到该志愿者", "volunteer not found")),
    }
    mob::link_user(&ctx.db, volunteer, Some(user)).await?;
    let mut e = actor.entry("user_create", "user", Some(user.to_string()), community);
    e.detail = serde_json::json!({ "username": username, "role": role.code(), "volunteer": volunteer.to_string() });
    shouwang_db::audit::append(&ctx.db.write, e).await?;
    Ok(())
}

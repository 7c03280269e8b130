//! Mobilisation services shared by the pages and the API: reading a duty
//! report, proposing groups (the pure `domain::grouping` over what the
//! database holds), editing and confirming the proposal, and the roll-up.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use shouwang_db::entity::{region, volunteer};
use shouwang_db::mobilisation::{self as mob, CompoundInfo, DutyReport, GroupSpec, MobilisationCounts};
use shouwang_db::{Db, audit, registry};
use shouwang_domain::grouping::{self, CompoundIn, GroupRole, GroupingParams, Proposal, VolunteerIn};
use shouwang_domain::{
    Availability, DutyStatus, ExemptReason, GroupFunctionSet, HealthStatus, Lang, PhoneNumber, RegionKind, SkillSet,
    VolunteerKind,
};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;

pub(crate) fn bad(zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::BadRequest { zh: zh.into(), en: en.into() }
}

/// An audit entry for a user's action on a community.
pub fn entry(
    user: Option<&CurrentUser>,
    action: &'static str,
    target_kind: &'static str,
    target_id: Option<String>,
    community: &region::Model,
    peer: Option<String>,
) -> audit::Entry {
    audit::Entry {
        user_id: user.map(|u| u.id),
        username: user.map_or_else(|| "public".to_string(), |u| u.username.clone()),
        action,
        target_kind,
        target_id,
        region_path: Some(community.path.clone()),
        detail: serde_json::json!({}),
        peer,
    }
}

/// The community named by `code`, checked against the user's access.
pub async fn community_for(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    resource: shouwang_domain::Resource,
    action: shouwang_domain::Action,
) -> Result<region::Model, AppError> {
    let code = shouwang_domain::RegionCode::parse(code)
        .map_err(|_| AppError::NotFound { zh: "找不到该社区".into(), en: "community not found".into() })?;
    let community = registry::community_by_code(&state.db.read, &code).await?;
    user.require(resource, action, &community.path)?;
    Ok(community)
}

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
    state: &AppState,
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
        match place_in(state, community, code, RegionKind::Compound).await {
            Some(c) => home_compound = Some(c),
            None => {
                errors.push(FieldError::new("compound", "所选小区不在本社区", "that compound is not in this community"))
            }
        }
    }
    if let Some(code) = input.building.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match place_in(state, community, code, RegionKind::Building).await {
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
        && let Some(c) = compound_of_path(state, path).await
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
async fn place_in(state: &AppState, community: &region::Model, code: &str, kind: RegionKind) -> Option<(Uuid, String)> {
    let code = shouwang_domain::RegionCode::parse(code).ok()?;
    let r = registry::find_region(&state.db.read, &code).await.ok()??;
    (r.kind == kind.as_str() && r.path.starts_with(&community.path)).then_some((r.id, r.path))
}

async fn compound_of_path(state: &AppState, building_path: &str) -> Option<(Uuid, String)> {
    let parts: Vec<&str> = building_path.trim_matches('/').split('/').collect();
    let code = parts.get(parts.len().checked_sub(2)?)?;
    place_in_any(state, code).await
}

async fn place_in_any(state: &AppState, code: &str) -> Option<(Uuid, String)> {
    let code = shouwang_domain::RegionCode::parse(code).ok()?;
    let r = registry::find_region(&state.db.read, &code).await.ok()??;
    (r.kind == RegionKind::Compound.as_str()).then_some((r.id, r.path))
}

// ---------------------------------------------------------------------------
// Grouping proposal

/// The grouping parameters a committee may ask for (pages and API); anything
/// else is a typing slip.
pub fn checked_params(min: u16, max: u16, compounds: u16) -> Result<GroupingParams, AppError> {
    if !(1..=50).contains(&min) || max < min || max > 50 || !(1..=10).contains(&compounds) {
        return Err(bad(
            "组员人数应在1到50之间，且最少不大于最多；每组负责1到10个小区",
            "members per group must be 1-50 with the minimum not above the maximum; 1-10 compounds per group",
        ));
    }
    Ok(GroupingParams { min_members: min, max_members: max, max_compounds: compounds })
}

/// Who a proposal's volunteer key stands for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DraftVolunteer {
    pub id: Uuid,
    pub name: String,
    pub kind: VolunteerKind,
    pub skills: SkillSet,
    pub home: Option<u32>,
}

/// Who a proposal's compound key stands for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DraftCompound {
    pub id: Uuid,
    pub name: String,
    pub residents: u32,
    pub buildings: u32,
    pub position: Option<(f64, f64)>,
    pub neighbours: Vec<u32>,
}

/// A proposal with the people and places its keys stand for; stored as JSON
/// between "propose" and "confirm".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Draft {
    pub proposal: Proposal,
    pub volunteers: Vec<DraftVolunteer>,
    pub compounds: Vec<DraftCompound>,
    /// Groups the community had already; the proposal adds to them.
    pub existing_groups: usize,
}

impl Draft {
    pub fn compound_name(&self, key: u32) -> String {
        self.compounds.get(key as usize).map(|c| c.name.clone()).unwrap_or_else(|| format!("#{key}"))
    }

    pub fn volunteer(&self, key: u32) -> Option<&DraftVolunteer> {
        self.volunteers.get(key as usize)
    }

    pub fn compounds_in(&self) -> Vec<CompoundIn> {
        compounds_in(&self.compounds)
    }
}

fn compounds_in(compounds: &[DraftCompound]) -> Vec<CompoundIn> {
    compounds
        .iter()
        .enumerate()
        .map(|(i, c)| CompoundIn {
            key: i as u32,
            name: c.name.clone(),
            residents: c.residents,
            buildings: c.buildings,
            position: c.position,
            neighbours: c.neighbours.clone(),
        })
        .collect()
}

/// What to propose from: ungrouped volunteers, and the compounds no group
/// covers yet (all compounds when every one is covered already, so that new
/// groups share the load).
pub async fn propose(
    db: &Db,
    community: &region::Model,
    params: GroupingParams,
    by: Option<Uuid>,
) -> Result<Draft, AppError> {
    let compounds = mob::compounds_of_community(&db.read, community).await?;
    let groups = mob::groups_of_community(&db.read, community.id).await?;
    let covered: HashSet<Uuid> = groups.iter().flat_map(|g| g.compounds.iter().map(|c| c.0)).collect();
    let grouped: HashSet<Uuid> = groups.iter().flat_map(|g| g.members.iter().map(|m| m.id)).collect();
    let mut open: Vec<&CompoundInfo> = compounds.iter().filter(|c| !covered.contains(&c.id)).collect();
    if open.is_empty() {
        open = compounds.iter().collect();
    }
    let index: HashMap<Uuid, u32> = open.iter().enumerate().map(|(i, c)| (c.id, i as u32)).collect();
    let draft_compounds: Vec<DraftCompound> = open
        .iter()
        .map(|c| DraftCompound {
            id: c.id,
            name: c.name.clone(),
            residents: c.residents,
            buildings: c.buildings,
            position: c.position,
            neighbours: c.neighbours.iter().filter_map(|n| index.get(n).copied()).collect(),
        })
        .collect();
    let people: Vec<volunteer::Model> = mob::list_volunteers(&db.read, community.id, &Default::default())
        .await?
        .into_iter()
        .map(|r| r.volunteer)
        .filter(|v| !grouped.contains(&v.id))
        .collect();
    let draft_volunteers: Vec<DraftVolunteer> = people
        .iter()
        .map(|v| DraftVolunteer {
            id: v.id,
            name: v.name.clone(),
            kind: VolunteerKind::from_code(&v.kind).unwrap_or(VolunteerKind::ResidentVolunteer),
            skills: SkillSet::from_codes(&v.skills),
            home: v.home_compound_id.and_then(|c| index.get(&c).copied()),
        })
        .collect();
    let inputs: Vec<VolunteerIn> = people
        .iter()
        .zip(&draft_volunteers)
        .enumerate()
        .map(|(i, (v, d))| VolunteerIn {
            key: i as u32,
            name: v.name.clone(),
            home: d.home,
            kind: d.kind,
            skills: d.skills,
            experienced: v.experienced,
            party_member: v.party_org.is_some()
                || matches!(d.kind, VolunteerKind::NearbyMember | VolunteerKind::DeployedCadre),
            status: DutyStatus::from_code(&v.status).unwrap_or(DutyStatus::Reported),
            health: HealthStatus::from_code(&v.health).unwrap_or(HealthStatus::Active),
        })
        .collect();
    let proposal = grouping::propose(&compounds_in(&draft_compounds), &inputs, params);
    let draft =
        Draft { proposal, volunteers: draft_volunteers, compounds: draft_compounds, existing_groups: groups.len() };
    save(db, community, &draft, by).await?;
    Ok(draft)
}

async fn save(db: &Db, community: &region::Model, draft: &Draft, by: Option<Uuid>) -> Result<(), AppError> {
    let body = serde_json::to_string(draft).map_err(|e| AppError::Internal(format!("draft: {e}")))?;
    mob::save_draft(db, community.id, &body, by).await?;
    Ok(())
}

/// The stored proposal and when it was last changed.
pub async fn load_draft(db: &Db, community: &region::Model) -> Result<Option<(Draft, time::OffsetDateTime)>, AppError> {
    let Some(row) = mob::load_draft(&db.read, community.id).await? else { return Ok(None) };
    // A draft from an older version of the program is dropped, not misread.
    match serde_json::from_str::<Draft>(&row.body) {
        Ok(d) => Ok(Some((d, row.updated_at))),
        Err(_) => {
            mob::delete_draft(db, community.id).await?;
            Ok(None)
        }
    }
}

/// A hand edit of the stored proposal.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum DraftEdit {
    /// Move a volunteer (by id) into group `group` (its number), or to the reserve with `group` 0.
    Move {
        volunteer: Uuid,
        group: u32,
    },
    Swap {
        a: Uuid,
        b: Uuid,
    },
    SetLeader {
        volunteer: Uuid,
        group: u32,
    },
    SetDeputy {
        volunteer: Uuid,
        group: u32,
    },
}

pub async fn edit_draft(
    state: &AppState,
    community: &region::Model,
    edit: &DraftEdit,
    by: Option<Uuid>,
) -> Result<Draft, AppError> {
    let (mut draft, _) = load_draft(&state.db, community)
        .await?
        .ok_or_else(|| bad("还没有分组方案，请先生成", "there is no proposal yet; make one first"))?;
    let key = |id: Uuid| -> Result<u32, AppError> {
        draft
            .volunteers
            .iter()
            .position(|v| v.id == id)
            .map(|i| i as u32)
            .ok_or_else(|| bad("该志愿者不在方案中", "that volunteer is not in the proposal"))
    };
    let result = match *edit {
        DraftEdit::Move { volunteer, group: 0 } => {
            let k = key(volunteer)?;
            draft.proposal.to_reserve(k)
        }
        DraftEdit::Move { volunteer, group } => {
            let k = key(volunteer)?;
            draft.proposal.move_member(k, group)
        }
        DraftEdit::Swap { a, b } => {
            let (a, b) = (key(a)?, key(b)?);
            draft.proposal.swap(a, b)
        }
        DraftEdit::SetLeader { volunteer, group } => {
            let k = key(volunteer)?;
            draft.proposal.set_leader(group, k)
        }
        DraftEdit::SetDeputy { volunteer, group } => {
            let k = key(volunteer)?;
            draft.proposal.set_deputy(group, k)
        }
    };
    result.map_err(|e| bad(e.describe(Lang::Zh), e.describe(Lang::En)))?;
    save(&state.db, community, &draft, by).await?;
    Ok(draft)
}

/// Turns the stored proposal into groups, all or nothing.
pub async fn confirm(
    state: &AppState,
    user: &CurrentUser,
    community: &region::Model,
    branch: Option<Uuid>,
    peer: Option<String>,
) -> Result<Vec<Uuid>, AppError> {
    let (draft, updated_at) = load_draft(&state.db, community)
        .await?
        .ok_or_else(|| bad("还没有分组方案，请先生成", "there is no proposal yet; make one first"))?;
    if let Some(b) = branch {
        require_branch_in(&state.db, community, b).await?;
    }
    let specs = specs_of(&draft, branch);
    if specs.is_empty() {
        return Err(bad("方案里没有小组，无需确认", "the proposal has no groups to confirm"));
    }
    let e = entry(Some(user), "grouping_confirm", "community", Some(community.code.clone()), community, peer);
    Ok(mob::confirm_draft(&state.db, community.id, updated_at, &specs, Some(user.id), e).await?)
}

/// The groups a proposal stands for, ready to store.
pub fn specs_of(draft: &Draft, branch: Option<Uuid>) -> Vec<GroupSpec> {
    let id = |k: u32| draft.volunteer(k).map(|v| v.id);
    draft
        .proposal
        .groups
        .iter()
        .filter(|g| !g.members.is_empty())
        .map(|g| GroupSpec {
            name: None,
            branch_id: branch,
            functions: GroupFunctionSet::empty(),
            compounds: g.compounds.iter().filter_map(|c| draft.compounds.get(*c as usize).map(|c| c.id)).collect(),
            members: g.members.iter().filter_map(|p| id(p.volunteer)).collect(),
            leader: g.members.iter().find(|p| p.role == GroupRole::Leader).and_then(|p| id(p.volunteer)),
            deputy: g.members.iter().find(|p| p.role == GroupRole::Deputy).and_then(|p| id(p.volunteer)),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Roll-up

/// One line of the roll-up: a region and the sum of its communities.
#[derive(Debug, Clone, Serialize)]
pub struct RollupRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub counts: MobilisationCounts,
}

/// The region's own totals, then one row per child (cities down to communities).
pub async fn rollup(state: &AppState, region: &region::Model) -> Result<(RollupRow, Vec<RollupRow>), AppError> {
    let per_community = mob::counts_by_community(&state.db.read).await?;
    let tree = registry::upper_tree(&state.db.read).await?;
    let communities: Vec<(&str, MobilisationCounts)> = tree
        .iter()
        .filter(|r| r.kind == RegionKind::Community.as_str() && r.path.starts_with(&region.path))
        .map(|r| (r.path.as_str(), per_community.get(&r.id).copied().unwrap_or_default()))
        .collect();
    let sum = |prefix: &str| {
        let mut total = MobilisationCounts::default();
        for (path, c) in &communities {
            if path.starts_with(prefix) {
                total += *c;
            }
        }
        total
    };
    let own = RollupRow {
        code: region.code.clone(),
        name: region.name.clone(),
        kind: region.kind.clone(),
        counts: sum(&region.path),
    };
    let children: Vec<RollupRow> = tree
        .iter()
        .filter(|r| r.parent_id == Some(region.id))
        .map(|r| RollupRow { code: r.code.clone(), name: r.name.clone(), kind: r.kind.clone(), counts: sum(&r.path) })
        .collect();
    Ok((own, children))
}

/// Volunteers of a community by id, for naming people in hand-overs.
pub async fn names_of(state: &AppState, community_id: Uuid) -> Result<BTreeMap<Uuid, String>, AppError> {
    Ok(mob::list_volunteers(&state.db.read, community_id, &Default::default())
        .await?
        .into_iter()
        .map(|r| (r.volunteer.id, r.volunteer.name))
        .collect())
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
    db: &Db,
    community: &region::Model,
    bytes: &[u8],
    kind: shouwang_io::FileKind,
    default_kind: VolunteerKind,
    parser: Option<&std::path::Path>,
) -> Result<VolunteerFileReport, shouwang_io::ReadError> {
    let sheet: shouwang_io::VolunteerSheet = match parser {
        Some(exe) => crate::service::read_in_child(exe, bytes, kind, "volunteers").await?,
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

/// Refuses a branch that is not the community's.
pub async fn require_branch_in(db: &Db, community: &region::Model, branch: Uuid) -> Result<(), AppError> {
    if mob::branches_of_community(&db.read, community.id).await?.iter().any(|b| b.branch.id == branch) {
        Ok(())
    } else {
        Err(bad("该支部不属于本社区", "that branch is not in this community"))
    }
}

/// Refuses compounds that are not the community's.
pub async fn require_compounds_in(db: &Db, community: &region::Model, compounds: &[Uuid]) -> Result<(), AppError> {
    let inside: HashSet<Uuid> = mob::compounds_of_community(&db.read, community).await?.iter().map(|c| c.id).collect();
    if compounds.iter().all(|c| inside.contains(c)) {
        Ok(())
    } else {
        Err(bad("所选小区不在本社区", "a chosen compound is not in this community"))
    }
}

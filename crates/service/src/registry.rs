//! The registry (SPEC §3): the whole path from a spreadsheet's bytes to the
//! registry and back (command line and upload pages), and the reads and
//! edits of pages and the API: home, the region tree, households, search,
//! the phone reveal, resident and contact edits, household links.

use shouwang_db::DbError;
use shouwang_db::export::registry_rows;
use shouwang_db::import::{ColumnsPresent, Guard, ImportOptions, import_residents, import_residents_in};
use shouwang_domain::import::parse_row;
use shouwang_domain::{IdHasher, ImportReport, Lang, RegionCode, RejectedRow};
use shouwang_io::{ExportMeta, ExportRow, Field, FileKind, ReadError, ResidentSheet};

use shouwang_db::Db;
use shouwang_db::audit::{self, Entry};
use shouwang_db::entity::{household, region, resident};
use shouwang_db::registry as places;
use shouwang_domain::access::{Action, Resource};
use shouwang_domain::phone::mask_phone;
use shouwang_domain::{Gender, PhoneNumber, RegionKind, Role, Tag, TagSet};
use uuid::Uuid;

use crate::{Actor, Context, Error, Place, Result, is_kind};
use shouwang_domain::Refusal;
use shouwang_domain::region::Refusal as Why;

/// A file import that could not run at all (nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum ImportFileError {
    #[error("{}", .0.message(Lang::En))]
    Read(ReadError),
    #[error(transparent)]
    Db(#[from] DbError),
    /// Writing the export file failed (a bug or an exhausted disk, not the user's doing).
    #[error("export failed: {0}")]
    Export(String),
}

impl ImportFileError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ImportFileError::Read(e) => e.message(lang),
            ImportFileError::Db(e) => e.message(lang),
            ImportFileError::Export(_) => shouwang_domain::i18n::t(lang, "registry.import.export_failed"),
        }
    }
}

/// What an import read, for the report's heading.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub report: ImportReport,
    pub sheet_name: String,
    pub header_row: u32,
    pub rows_read: usize,
}

/// Reads, checks and applies a resident roster. Every row is either counted
/// (created / updated / unchanged) or rejected with its reason; valid rows go
/// in one transaction (none with `strict` if any row is rejected).
///
/// With `parser`, the file is read by that program (`shouwang parse-roster`)
/// in a child process: a malformed spreadsheet that makes the reader abort
/// (calamine trusts sizes written inside the file) ends the child, not the server.
#[allow(clippy::too_many_arguments)]
pub async fn import_resident_file(
    db: &Db,
    hasher: &IdHasher,
    community: &RegionCode,
    bytes: &[u8],
    kind: FileKind,
    options: ImportOptions,
    current_year: i32,
    parser: Option<&std::path::Path>,
) -> Result<ImportOutcome, ImportFileError> {
    let reader = parser.map(crate::reader::Reader::with_defaults);
    let read = read_resident_file(reader.as_ref(), bytes, kind, current_year).await.map_err(ImportFileError::Read)?;
    let report = import_residents(db, community, read.records, read.rejected, read.columns, hasher, options).await?;
    Ok(ImportOutcome { report, sheet_name: read.sheet_name, header_row: read.header_row, rows_read: read.rows_read })
}

/// A resident roster as read and checked row by row, nothing stored yet.
pub struct ResidentRows {
    pub sheet_name: String,
    pub header_row: u32,
    pub rows_read: usize,
    pub columns: ColumnsPresent,
    pub records: Vec<shouwang_domain::ResidentRecord>,
    pub rejected: Vec<RejectedRow>,
}

/// Reads a resident roster (through `reader`'s child process when given,
/// else in-process) and parses every row.
pub async fn read_resident_file(
    reader: Option<&crate::reader::Reader>,
    bytes: &[u8],
    kind: FileKind,
    current_year: i32,
) -> Result<ResidentRows, ReadError> {
    let sheet = match reader {
        Some(reader) => reader.read(bytes, kind, "residents").await?,
        None => {
            // Parsing is CPU work over a whole file: keep it off the async workers.
            let bytes = bytes.to_vec();
            tokio::task::spawn_blocking(move || shouwang_io::read_residents(&bytes, kind))
                .await
                .map_err(|e| ReadError::Unreadable(e.to_string()))
                .and_then(|r| r)?
        }
    };
    let columns = columns_present(&sheet);
    let mut records = Vec::with_capacity(sheet.rows.len());
    let mut rejected = Vec::new();
    for raw in &sheet.rows {
        match parse_row(raw, current_year) {
            Ok(r) => records.push(r),
            Err(reason) => rejected.push(RejectedRow { row: raw.row, reason }),
        }
    }
    Ok(ResidentRows {
        rows_read: sheet.rows.len(),
        sheet_name: sheet.sheet_name,
        header_row: sheet.header_row,
        columns,
        records,
        rejected,
    })
}

fn columns_present(sheet: &ResidentSheet) -> ColumnsPresent {
    let has = |f: fn(&Field) -> bool| sheet.columns.iter().any(|(field, _)| f(field));
    ColumnsPresent {
        gender: has(|f| matches!(f, Field::Gender)),
        birth: has(|f| matches!(f, Field::Birth(_))),
        phone: has(|f| matches!(f, Field::Phone)),
        tags: has(|f| matches!(f, Field::Tags)),
    }
}

/// Writes a community's residents as .xlsx or .csv, with who exported and when.
pub async fn export_resident_file(
    db: &Db,
    community: &RegionCode,
    kind: FileKind,
    exported_by: &str,
    exported_at: &str,
) -> Result<(Vec<u8>, usize), ImportFileError> {
    let (community, rows) = registry_rows(&db.read, community).await?;
    let rows: Vec<ExportRow> = rows
        .into_iter()
        .map(|r| ExportRow {
            compound: r.compound,
            building: r.building,
            room: r.room,
            name: r.name,
            gender: r.gender,
            birth_year: r.birth_year,
            phone: r.phone,
            id_masked: r.id_masked,
            tags: r.tags,
            note: r.note,
        })
        .collect();
    let meta = ExportMeta {
        community_name: community.name,
        exported_by: exported_by.to_string(),
        exported_at: exported_at.to_string(),
    };
    let n = rows.len();
    let bytes = tokio::task::spawn_blocking(move || match kind {
        FileKind::Csv => shouwang_io::write_residents_csv(&rows, &meta),
        FileKind::Xlsx | FileKind::Xls => shouwang_io::write_residents_xlsx(&rows, &meta),
    })
    .await
    .map_err(|e| ImportFileError::Export(e.to_string()))?
    .map_err(|e| ImportFileError::Export(e.to_string()))?;
    Ok((bytes, n))
}

// ---------------------------------------------------------------------------
// Reading and editing the registry as pages and the API do: home, the region
// tree, households, search, the phone reveal, edits, household links, the
// upload-preview-apply import and the export. Each checks access here.

pub use shouwang_db::registry::CommunityCounts;

/// The database answers (the readiness probe).
pub async fn ready(ctx: &Context) -> std::result::Result<(), NotReady> {
    if !ctx.joiner.is_running() {
        return Err(NotReady::Joiner);
    }
    if !ctx.recorder.is_running() {
        return Err(NotReady::Recorder);
    }
    ctx.db.ping().await.map_err(|e| NotReady::Database(e.to_string()))
}

/// Why an instance should get no traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    Database(String),
    /// The sign-up batch writer has stopped: joins would go unanswered.
    Joiner,
    /// The door record batch writer has stopped: door records would go unanswered.
    Recorder,
}

/// A community's totals on the home page.
#[derive(Debug, Clone)]
pub struct TotalsRow {
    pub code: String,
    pub name: String,
    pub households: i64,
    pub residents: i64,
    pub tagged: i64,
    /// The latest allocated consignment: (title, households reached, households).
    pub supplies: Option<(String, i64, i64)>,
}

/// Home by role: where I work, what needs me, my area's totals.
#[derive(Debug, Clone)]
pub struct HomeView {
    pub totals: Vec<TotalsRow>,
    /// The group of the volunteer this account belongs to: (id, name).
    pub my_group: Option<(Uuid, String)>,
    /// Duty reports waiting for this committee: (community code, how many).
    pub inbox: Option<(String, u64)>,
    /// Key roles of this community with nobody holding them.
    pub vacant_roles: usize,
    /// Open sign-up sheets of my community: (id, title, confirmed, capacity).
    pub open_sheets: Vec<(Uuid, String, i32, i32)>,
    pub sheets_link: Option<String>,
}

pub async fn home(ctx: &Context, actor: &Actor) -> Result<HomeView> {
    let read = &ctx.db.read;
    let mut totals = Vec::new();
    if actor.can(Resource::Registry, Action::Read, &actor.scope_path) && actor.role != Role::Volunteer {
        let sums = places::totals_by_community(read).await?;
        let coverage = shouwang_db::supplies::latest_coverage(read).await?;
        for r in places::upper_tree(read).await? {
            let is_community = is_kind(&r, RegionKind::Community);
            if is_community && r.path.starts_with(&actor.scope_path) {
                let (households, residents, tagged) = sums.get(&r.id).copied().unwrap_or_default();
                let supplies = coverage.get(&r.id).map(|(_, title, n, settled)| (title.clone(), *settled, *n));
                totals.push(TotalsRow { code: r.code, name: r.name, households, residents, tagged, supplies });
            }
        }
    }
    let scope = crate::accounts::scope_of(ctx, actor).await?;
    let in_community = is_kind(&scope, RegionKind::Community);
    let mut open_sheets = Vec::new();
    let sheets_link = (in_community && actor.can(Resource::Work, Action::Read, &actor.scope_path))
        .then(|| format!("/c/{}/sheets", scope.code));
    if sheets_link.is_some() {
        let now = ctx.clock.now();
        for s in shouwang_db::signup::sheets_of_community(read, scope.id).await? {
            if s.closed_at.is_none() && s.deadline.is_none_or(|d| d > now) && open_sheets.len() < 5 {
                open_sheets.push((s.id, s.title, s.confirmed, s.capacity));
            }
        }
    }
    let mut my_group = None;
    if let Some(v) = crate::volunteer_of(ctx, actor).await?
        && let Some(g) = shouwang_db::mobilisation::group_of(read, v.id).await?
        && let Some(group) = shouwang_db::mobilisation::group_by_id(read, g).await?
    {
        my_group = Some((group.id, group.name));
    }
    let (mut inbox, mut vacant_roles) = (None, 0);
    if in_community && actor.can(Resource::Volunteer, Action::Write, &actor.scope_path) {
        let n = shouwang_db::mobilisation::counts_of(read, scope.id).await?;
        let waiting = n.reported - n.verified - n.exempt - n.rejected;
        inbox = (waiting > 0).then(|| (scope.code.clone(), waiting));
        vacant_roles = shouwang_db::mobilisation::roles_needing_people(read, scope.id)
            .await?
            .iter()
            .filter(|r| r.holder_id.is_none())
            .count();
    }
    Ok(HomeView { totals, my_group, inbox, vacant_roles, open_sheets, sheets_link })
}

/// A region the page links to.
#[derive(Debug, Clone)]
pub struct ChildRow {
    pub code: String,
    pub name: String,
    pub kind_label: &'static str,
}

/// A household on its building's page.
#[derive(Debug, Clone)]
pub struct HouseholdRow {
    pub id: Uuid,
    pub room: String,
    pub size: i32,
    pub names: String,
    pub tagged: bool,
    pub tags: String,
}

/// A building's leader (楼组长) and backup, with who may be appointed.
#[derive(Debug, Clone)]
pub struct BuildingRole {
    pub community: String,
    pub subject: Uuid,
    pub holder: Option<(String, String)>,
    pub backup: Option<(String, String)>,
    /// Verified volunteers of the community (id, name), when the actor may appoint.
    pub candidates: Vec<(String, String)>,
}

/// A region's page: where it sits, what is below it, and for a building its households.
#[derive(Debug, Clone)]
pub struct RegionView {
    pub code: String,
    pub name: String,
    pub kind_label: &'static str,
    /// The ancestors the actor may open, root first: (code, name).
    pub crumbs: Vec<(String, String)>,
    /// (households, residents, tagged residents), for a community.
    pub totals: Option<(u64, u64, u64)>,
    pub children: Vec<ChildRow>,
    pub is_building: bool,
    pub households: Vec<HouseholdRow>,
    pub can_print: bool,
    pub building_role: Option<BuildingRole>,
}

fn kind_label(kind: &str, lang: shouwang_domain::Lang) -> &'static str {
    RegionKind::parse(kind).map_or("", |k| k.label(lang))
}

/// The ancestors of a region the actor may open, root first.
async fn crumbs(ctx: &Context, actor: &Actor, r: &region::Model) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut parent = r.parent_id;
    while let Some(id) = parent {
        let Some(p) = places::region_by_id(&ctx.db.read, id).await? else { break };
        if actor.can(Resource::Registry, Action::Read, &p.path) {
            out.push((p.code.clone(), p.name.clone()));
        }
        parent = p.parent_id;
    }
    out.reverse();
    Ok(out)
}

pub async fn region(ctx: &Context, actor: &Actor, code: &RegionCode) -> Result<RegionView> {
    let read = &ctx.db.read;
    let r = places::region_by_code(read, code).await?;
    actor.require(Resource::Registry, Action::Read, &r.path)?;
    let lang = actor.lang;
    let children = places::children(read, r.id)
        .await?
        .into_iter()
        .filter(|c| actor.can(Resource::Registry, Action::Read, &c.path))
        .map(|c| ChildRow { kind_label: kind_label(&c.kind, lang), code: c.code, name: c.name })
        .collect();
    let totals = if is_kind(&r, RegionKind::Community) {
        let c = places::community_counts(read, &r).await?;
        Some((c.households, c.residents, c.tagged))
    } else {
        None
    };
    let is_building = is_kind(&r, RegionKind::Building);
    let mut households = Vec::new();
    let can_print = is_building && actor.can(Resource::HouseholdLink, Action::Write, &r.path);
    if is_building && actor.can(Resource::Household, Action::Read, &r.path) {
        let mut list = places::households_of_building(read, r.id).await?;
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
        let mut members = places::residents_by_household(read, &ids).await?;
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
    let building_role = if is_building { building_role(ctx, actor, &r).await? } else { None };
    Ok(RegionView {
        building_role,
        crumbs: crumbs(ctx, actor, &r).await?,
        kind_label: kind_label(&r.kind, lang),
        code: r.code,
        name: r.name,
        totals,
        children,
        is_building,
        households,
        can_print,
    })
}

/// The building leader role of a building, for the building page.
async fn building_role(ctx: &Context, actor: &Actor, building: &region::Model) -> Result<Option<BuildingRole>> {
    if !actor.can(Resource::Group, Action::Read, &building.path) {
        return Ok(None);
    }
    // The community is the element of the building's path that is a community.
    let mut community = None;
    for c in building.path.trim_matches('/').split('/') {
        let Ok(rc) = RegionCode::parse(c) else { continue };
        if let Some(r) = places::find_region(&ctx.db.read, &rc).await?
            && is_kind(&r, RegionKind::Community)
        {
            community = Some(r);
        }
    }
    let Some(community) = community else { return Ok(None) };
    let role =
        shouwang_db::mobilisation::key_role_of(&ctx.db.read, shouwang_domain::KeyRoleKind::BuildingLeader, building.id)
            .await?;
    let person = |v: Option<shouwang_db::entity::volunteer::Model>| v.map(|v| (v.id.to_string(), v.name));
    let (holder, backup) = match role {
        Some(r) => (person(r.holder), person(r.backup)),
        None => (None, None),
    };
    let candidates = if actor.can(Resource::Group, Action::Write, &community.path) {
        shouwang_db::mobilisation::list_volunteers(
            &ctx.db.read,
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

/// A household and its building, or "not found" (a missing building is a broken registry).
async fn household_and_building(ctx: &Context, id: Uuid) -> Result<(household::Model, region::Model)> {
    let h = places::household_by_id(&ctx.db.read, id).await?.ok_or_else(|| Error::missing(Why::NoSuchHousehold))?;
    let b = places::region_by_id(&ctx.db.read, h.building_id)
        .await?
        .ok_or_else(|| Error::Internal("household without building".into()))?;
    Ok((h, b))
}

async fn resident_by_id(ctx: &Context, id: Uuid) -> Result<resident::Model> {
    places::resident_by_id(&ctx.db.read, id).await?.ok_or_else(|| Error::missing(Why::NoSuchResident))
}

/// A resident on their household's page; the phone masked unless revealed.
#[derive(Debug, Clone)]
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

/// A household's page.
#[derive(Debug, Clone)]
pub struct HouseholdView {
    pub id: Uuid,
    /// The ancestors the actor may open, down to the building.
    pub crumbs: Vec<(String, String)>,
    pub building_name: String,
    pub room: String,
    pub size: i32,
    /// Masked.
    pub contact: Option<String>,
    pub residents: Vec<ResidentRow>,
    pub can_reveal: bool,
    pub can_edit: bool,
    pub can_revoke: bool,
}

/// A household with its residents, phones masked except the one `revealed`.
pub async fn household(ctx: &Context, actor: &Actor, id: Uuid, revealed: Option<Uuid>) -> Result<HouseholdView> {
    let (h, building) = household_and_building(ctx, id).await?;
    actor.require(Resource::Household, Action::Read, &building.path)?;
    let lang = actor.lang;
    let residents = places::residents_of_household(&ctx.db.read, id)
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
    let mut crumbs = crumbs(ctx, actor, &building).await?;
    crumbs.push((building.code.clone(), building.name.clone()));
    Ok(HouseholdView {
        id,
        crumbs,
        can_reveal: actor.can(Resource::Resident, Action::Reveal, &building.path),
        can_edit: actor.can(Resource::Resident, Action::Write, &building.path),
        can_revoke: actor.can(Resource::HouseholdLink, Action::Write, &building.path),
        building_name: building.name,
        room: h.room,
        size: h.size,
        contact: h.contact_phone.as_deref().map(mask_phone),
        residents,
    })
}

/// Shows one resident's full phone number: only with a reason, and only
/// after the reveal is in the audit log. Answers the household's page.
pub async fn reveal_phone(ctx: &Context, actor: &Actor, resident_id: Uuid, reason: &str) -> Result<HouseholdView> {
    let resident = resident_by_id(ctx, resident_id).await?;
    let (home, building) = household_and_building(ctx, resident.household_id).await?;
    actor.require(Resource::Resident, Action::Reveal, &building.path)?;
    let reason = shouwang_domain::text::normalize(reason);
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::refused(Why::RevealNeedsReason));
    }
    audit::append(
        &ctx.db.write,
        Entry {
            user_id: actor.user_id,
            username: actor.username.clone(),
            action: "reveal_phone",
            target_kind: "resident",
            target_id: Some(resident.id.to_string()),
            region_path: Some(building.path.clone()),
            detail: serde_json::json!({ "reason": reason, "resident": resident.name, "room": format!("{} {}", building.name, home.room) }),
            peer: actor.peer.clone(),
        },
    )
    .await?;
    household(ctx, actor, home.id, Some(resident.id)).await
}

/// A search hit: a resident and where they live, phone masked.
#[derive(Debug, Clone)]
pub struct SearchRow {
    pub household_id: Uuid,
    pub name: String,
    pub building: String,
    pub room: String,
    pub phone: Option<String>,
}

/// Residents of the actor's area by name, room or phone ending (at most 50).
pub async fn search(ctx: &Context, actor: &Actor, q: &str) -> Result<Vec<SearchRow>> {
    actor.require(Resource::Resident, Action::Read, &actor.scope_path)?;
    if q.is_empty() {
        return Ok(vec![]);
    }
    Ok(places::search_residents(&ctx.db.read, &actor.scope_path, q, 50)
        .await?
        .into_iter()
        .map(|(r, h, b)| SearchRow {
            household_id: h.id,
            name: r.name,
            building: b.name,
            room: h.room,
            phone: r.phone.as_deref().map(mask_phone),
        })
        .collect())
}

/// A resident as the edit form shows them.
#[derive(Debug, Clone)]
pub struct ResidentForm {
    pub id: Uuid,
    pub household_id: Uuid,
    pub name: String,
    /// Gender code, or empty.
    pub gender: String,
    pub birth_year: String,
    pub phone_masked: String,
    /// Every tag: (code, label, held).
    pub tags: Vec<(String, String, bool)>,
    pub note: String,
}

/// The resident and the path of their building, after the access check.
async fn editable(ctx: &Context, actor: &Actor, id: Uuid) -> Result<(resident::Model, String)> {
    let r = resident_by_id(ctx, id).await?;
    let (_, b) = household_and_building(ctx, r.household_id).await?;
    actor.require(Resource::Resident, Action::Write, &b.path)?;
    Ok((r, b.path))
}

fn resident_form(actor: &Actor, r: &resident::Model) -> ResidentForm {
    let set = TagSet::from_codes(&r.tags);
    ResidentForm {
        id: r.id,
        household_id: r.household_id,
        name: r.name.clone(),
        gender: r.gender.clone().unwrap_or_default(),
        birth_year: r.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        phone_masked: r.phone.as_deref().map(mask_phone).unwrap_or_default(),
        tags: Tag::ALL
            .iter()
            .map(|t| (t.code().to_string(), t.label(actor.lang).to_string(), set.contains(*t)))
            .collect(),
        note: r.note.clone().unwrap_or_default(),
    }
}

/// A resident for the edit form (the actor must be allowed to edit them).
pub async fn resident_for_edit(ctx: &Context, actor: &Actor, id: Uuid) -> Result<ResidentForm> {
    let (r, _) = editable(ctx, actor, id).await?;
    Ok(resident_form(actor, &r))
}

/// A resident's fields as the edit form sends them.
#[derive(Debug, Clone, Default)]
pub struct ResidentInput {
    pub name: String,
    pub gender: Option<String>,
    pub birth_year: Option<String>,
    pub phone: Option<String>,
    /// Remove the stored phone.
    pub clear_phone: bool,
    pub tags: Vec<String>,
    pub note: Option<String>,
}

/// A field of an edit the form shows again with its notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditRefusal {
    BadYear,
    BadPhone,
}

/// Edits a resident, validated like an import row, written with the audit
/// entry (before and after, phones masked) in one transaction. Answers the
/// resident's household, or the form again with the refusal.
pub async fn edit_resident(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
    input: ResidentInput,
) -> Result<Result<Uuid, (ResidentForm, EditRefusal)>> {
    let (r, path) = editable(ctx, actor, id).await?;
    let refuse = |why| Ok(Err((resident_form(actor, &r), why)));
    let name = shouwang_domain::text::normalize_name(&input.name);
    if name.is_empty() || name.chars().count() > 50 {
        return Err(Error::refused(Why::BadResidentName));
    }
    let year = ctx.clock.now().year();
    let birth_year = match input.birth_year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match s.parse::<i32>().ok().filter(|y| (1900..=year).contains(y)) {
            Some(y) => Some(y),
            None => return refuse(EditRefusal::BadYear),
        },
    };
    let phone = if input.clear_phone {
        Some(None)
    } else {
        match input.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(p) => match PhoneNumber::parse(p) {
                Ok(p) => Some(Some(p.expose().to_string())),
                Err(_) => return refuse(EditRefusal::BadPhone),
            },
        }
    };
    let tags: TagSet = input.tags.iter().filter_map(|c| Tag::from_code(c)).collect();
    let gender = input.gender.as_deref().and_then(Gender::from_code).map(|g| g.code().to_string());
    let note = input.note.map(|n| shouwang_domain::text::normalize(&n)).filter(|n| !n.is_empty());
    let edit = places::ResidentEdit { name, gender, birth_year, phone, tags: tags.to_codes(), note };
    let entry = Entry {
        user_id: actor.user_id,
        username: actor.username.clone(),
        action: "resident_edit",
        target_kind: "resident",
        target_id: Some(id.to_string()),
        region_path: Some(path),
        detail: serde_json::json!({}),
        peer: actor.peer.clone(),
    };
    places::edit_resident(&ctx.db, id, edit, entry).await?;
    Ok(Ok(r.household_id))
}

/// Changes a household's contact phone (a mobile number, or empty to remove
/// it), audited before and after (masked) in the same transaction.
pub async fn edit_household_contact(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
    phone: Option<&str>,
) -> Result<Result<(), EditRefusal>> {
    let (h, b) = household_and_building(ctx, id).await?;
    actor.require(Resource::Household, Action::Write, &b.path)?;
    let phone = match phone.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(p) => match PhoneNumber::parse(p) {
            Ok(p) => Some(p.expose().to_string()),
            Err(_) => return Ok(Err(EditRefusal::BadPhone)),
        },
    };
    let entry = Entry {
        user_id: actor.user_id,
        username: actor.username.clone(),
        action: "household_edit",
        target_kind: "household",
        target_id: Some(id.to_string()),
        region_path: Some(b.path.clone()),
        detail: serde_json::json!({ "room": format!("{} {}", b.name, h.room) }),
        peer: actor.peer.clone(),
    };
    places::edit_household_contact(&ctx.db, id, phone, entry).await?;
    Ok(Ok(()))
}

// --- household links -------------------------------------------------------

/// The community a region belongs to (itself, or its nearest community ancestor).
async fn community_of(ctx: &Context, path: &str) -> Result<Option<region::Model>> {
    for code in path.trim_matches('/').split('/').rev() {
        let Ok(c) = RegionCode::parse(code) else { continue };
        if let Some(r) = places::find_region(&ctx.db.read, &c).await?
            && is_kind(&r, RegionKind::Community)
        {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

/// A building's door slips: each household's room and link token.
#[derive(Debug, Clone)]
pub struct SlipsView {
    pub community_name: String,
    /// The committee's public phone.
    pub contact: Option<String>,
    pub building_name: String,
    /// (room, token), in room order.
    pub slips: Vec<(String, String)>,
}

/// The live link of every household of a building (made where missing).
pub async fn building_slips(ctx: &Context, actor: &Actor, code: &RegionCode) -> Result<SlipsView> {
    let building = places::region_by_code(&ctx.db.read, code).await?;
    if !is_kind(&building, RegionKind::Building) {
        return Err(Error::refused(Why::SlipsPerBuilding));
    }
    actor.require(Resource::HouseholdLink, Action::Write, &building.path)?;
    let community = community_of(ctx, &building.path).await?;
    let mut slips = Vec::new();
    for h in places::households_of_building(&ctx.db.read, building.id).await? {
        let token = shouwang_db::links::link_for(&ctx.db, h.id, crate::tokens::random_token).await?;
        slips.push((h.room, token));
    }
    Ok(SlipsView {
        community_name: community.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
        contact: community.and_then(|c| c.contact_phone),
        building_name: building.name,
        slips,
    })
}

/// Revokes a household's link (its printed slip stops working), audited.
pub async fn revoke_link(ctx: &Context, actor: &Actor, household_id: Uuid) -> Result<()> {
    let (h, building) = household_and_building(ctx, household_id).await?;
    actor.require(Resource::HouseholdLink, Action::Write, &building.path)?;
    let tx = ctx.db.begin_write().await?;
    let n = shouwang_db::links::revoke_in(&tx, household_id).await?;
    audit::append(
        &tx,
        Entry {
            user_id: actor.user_id,
            username: actor.username.clone(),
            action: "revoke_link",
            target_kind: "household",
            target_id: Some(household_id.to_string()),
            region_path: Some(building.path.clone()),
            detail: serde_json::json!({ "room": format!("{} {}", building.name, h.room), "revoked": n }),
            peer: actor.peer.clone(),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// What a slip opens: no names, only where and whom to call.
#[derive(Debug, Clone)]
pub struct PublicHouseholdView {
    pub community_name: String,
    pub compound_name: String,
    pub building_name: String,
    pub room: String,
    pub size: i32,
    pub contact: Option<String>,
    /// The compound's next group-buy pickup slot, when a timetable exists.
    pub next_groupbuy: Option<String>,
}

/// The household a live link token opens (no login); `None` if the token is not live.
pub async fn public_household(ctx: &Context, token: &str) -> Result<Option<PublicHouseholdView>> {
    if token.len() > 64 {
        return Ok(None);
    }
    let Some(h) = shouwang_db::links::household_by_token(&ctx.db.read, token).await? else { return Ok(None) };
    let Some(building) = places::region_by_id(&ctx.db.read, h.building_id).await? else { return Ok(None) };
    let compound = match building.parent_id {
        Some(id) => places::region_by_id(&ctx.db.read, id).await?,
        None => None,
    };
    let community = community_of(ctx, &building.path).await?;
    let next_groupbuy = match &compound {
        Some(c) => crate::groupbuy::next_slot_text(ctx, c.id).await?,
        None => None,
    };
    Ok(Some(PublicHouseholdView {
        next_groupbuy,
        community_name: community.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
        contact: community.and_then(|c| c.contact_phone),
        compound_name: compound.map(|c| c.name).unwrap_or_default(),
        building_name: building.name,
        room: h.room,
        size: h.size,
    }))
}

// --- the import pages ---------------------------------------------------------

/// The largest spreadsheet accepted by the upload pages.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// The import page: the communities the actor may import into, as
/// (code, name), the one chosen, and whether its residents may be exported.
#[derive(Debug, Clone)]
pub struct ImportChoice {
    pub communities: Vec<(String, String)>,
    pub community: String,
    pub can_export: bool,
}

/// Communities in the actor's area that they may import into; refused if none.
pub async fn import_choice(ctx: &Context, actor: &Actor, community: Option<String>) -> Result<ImportChoice> {
    let scope = crate::accounts::scope_of(ctx, actor).await?;
    let mut list: Vec<_> = if is_kind(&scope, RegionKind::Community) {
        vec![scope]
    } else {
        places::descendants(&ctx.db.read, &scope, Some(RegionKind::Community)).await?
    };
    list.retain(|c| actor.can(Resource::Import, Action::Write, &c.path));
    let Some(chosen) = list.iter().find(|c| community.as_deref() == Some(c.code.as_str())).or(list.first()) else {
        return Err(Error::Forbidden);
    };
    let (community, can_export) = (chosen.code.clone(), actor.can(Resource::Export, Action::Read, &chosen.path));
    Ok(ImportChoice { communities: list.into_iter().map(|c| (c.code, c.name)).collect(), community, can_export })
}

/// Why a file could not be read or applied, as the page says it.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportFailure {
    Read(ReadError),
    /// Storage refused it for a typed reason (or did not find what it names).
    Refused(Refusal),
    Forbidden,
    /// A fault of the database or of the export (details are logged, not shown).
    Database,
    Export,
}

impl ImportFailure {
    pub fn message(&self, lang: Lang) -> String {
        use shouwang_domain::i18n::t;
        match self {
            ImportFailure::Read(e) => e.message(lang),
            ImportFailure::Refused(r) => r.message(lang),
            ImportFailure::Forbidden => t(lang, "storage.forbidden"),
            ImportFailure::Database => t(lang, "storage.database"),
            ImportFailure::Export => t(lang, "registry.import.export_failed"),
        }
    }
}

impl From<ImportFileError> for ImportFailure {
    fn from(e: ImportFileError) -> ImportFailure {
        match e {
            ImportFileError::Read(e) => ImportFailure::Read(e),
            ImportFileError::Db(DbError::NotFound { what, key }) => {
                ImportFailure::Refused(Refusal::Missing { what, key })
            }
            ImportFileError::Db(DbError::Invalid(r)) => ImportFailure::Refused(r),
            ImportFileError::Db(DbError::Forbidden) => ImportFailure::Forbidden,
            ImportFileError::Db(e) => {
                tracing::error!(cause = %e, "import failed");
                ImportFailure::Database
            }
            ImportFileError::Export(_) => ImportFailure::Export,
        }
    }
}

/// Why a file was not imported (nothing was changed); the page says so.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportRefusal {
    /// No file, or an empty one.
    NoFile,
    TooLarge,
    /// Not .xlsx, .xls or .csv.
    UnsupportedKind,
    /// The file could not be read or applied.
    Failed(ImportFailure),
    /// The preview is gone (more than an hour old, or another's).
    Expired,
    /// This upload was applied already (a double click, another tab); nothing changed.
    AlreadyApplied,
}

/// What a preview or an apply read.
#[derive(Debug, Clone)]
pub struct ImportResult {
    pub file_name: String,
    pub report: ImportReport,
    /// The kept file to apply next (after a preview).
    pub upload: Option<Uuid>,
}

/// The community to import into, checked against the actor's access.
async fn import_target(ctx: &Context, actor: &Actor, code: &str) -> Result<(RegionCode, region::Model)> {
    let code = RegionCode::parse(code).map_err(|_| Error::Forbidden)?;
    let target = places::community_by_code(&ctx.db.read, &code).await?;
    actor.require(Resource::Import, Action::Write, &target.path)?;
    Ok((code, target))
}

fn failed(e: ImportFileError) -> ImportRefusal {
    ImportRefusal::Failed(ImportFailure::from(e))
}

/// Step 1: the file is checked (nothing saved in the registry) and kept for step 2.
pub async fn preview_import(
    ctx: &Context,
    actor: &Actor,
    community: &str,
    file: Option<(String, Vec<u8>)>,
) -> Result<Result<ImportResult, ImportRefusal>> {
    let (code, _) = import_target(ctx, actor, community).await?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else { return Ok(Err(ImportRefusal::NoFile)) };
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Ok(Err(ImportRefusal::TooLarge));
    }
    let Some(kind) = FileKind::from_path(std::path::Path::new(&name)) else {
        return Ok(Err(ImportRefusal::UnsupportedKind));
    };
    let user = actor.user_id.ok_or(Error::Forbidden)?;
    let options = ImportOptions { dry_run: true, strict: false };
    let now = ctx.clock.now();
    let read = match read_resident_file(ctx.reader.as_ref(), &bytes, kind, now.year()).await {
        Ok(read) => read,
        Err(e) => return Ok(Err(failed(ImportFileError::Read(e)))),
    };
    match import_residents(&ctx.db, &code, read.records, read.rejected, read.columns, &ctx.hasher, options).await {
        Ok(report) => {
            let upload = shouwang_db::uploads::store(&ctx.db, user, community, &name, bytes, now).await?;
            Ok(Ok(ImportResult { file_name: name, report, upload: Some(upload) }))
        }
        Err(e) => Ok(Err(failed(ImportFileError::Db(e)))),
    }
}

/// Step 2: the kept file is imported for real. One write transaction holds
/// the whole apply: the upload is claimed (so a second apply of it, from a
/// double click or another instance, answers "already applied" and changes
/// nothing), the community's import lock is taken, the rows are matched
/// against what is stored now (a resident changed after the preview keeps
/// the change and the row is reported), and the audit entry is written; the
/// kept file's bytes go in that same transaction. A strict apply refused by
/// a rejected row changes nothing at all and keeps the upload.
/// Answers the community it went into with the result.
pub async fn apply_import(
    ctx: &Context,
    actor: &Actor,
    upload: Uuid,
    strict: bool,
) -> Result<(Option<String>, Result<ImportResult, ImportRefusal>)> {
    use shouwang_db::uploads::{self, Kept};
    let user = actor.user_id.ok_or(Error::Forbidden)?;
    let now = ctx.clock.now();
    let upload = match uploads::take(&ctx.db, upload, user, now).await? {
        Kept::Fresh(u) => u,
        Kept::Applied => return Ok((None, Err(ImportRefusal::AlreadyApplied))),
        Kept::Gone => return Ok((None, Err(ImportRefusal::Expired))),
    };
    let (code, target) = import_target(ctx, actor, &upload.community_code).await?;
    let community = Some(upload.community_code.clone());
    let kind = FileKind::from_path(std::path::Path::new(&upload.file_name)).unwrap_or(FileKind::Xlsx);
    let read = match read_resident_file(ctx.reader.as_ref(), &upload.bytes, kind, now.year()).await {
        Ok(read) => read,
        Err(e) => return Ok((community, Err(failed(ImportFileError::Read(e))))),
    };
    let tx = ctx.db.begin_write().await?;
    if !uploads::claim_in(&tx, upload.id, now).await? {
        tx.rollback().await.map_err(DbError::from)?;
        return Ok((community, Err(ImportRefusal::AlreadyApplied)));
    }
    let guard = Guard { strict, preview_at: Some(upload.created_at) };
    let report =
        match import_residents_in(&tx, &code, read.records, read.rejected, read.columns, &ctx.hasher, now, guard).await
        {
            Ok(report) => report,
            Err(e) => return Ok((community, Err(failed(ImportFileError::Db(e))))),
        };
    if strict && !report.applied {
        // Nothing is written, not even the claim: the file may still be applied without --strict.
        tx.rollback().await.map_err(DbError::from)?;
        let result = ImportResult { file_name: upload.file_name, report, upload: Some(upload.id) };
        return Ok((community, Ok(result)));
    }
    let c = report.counts;
    audit::append(
        &tx,
        Entry {
            user_id: actor.user_id,
            username: actor.username.clone(),
            action: "import_residents",
            target_kind: "community",
            target_id: Some(target.code.clone()),
            region_path: Some(target.path.clone()),
            detail: serde_json::json!({
                "file": upload.file_name,
                "applied": report.applied,
                "created": c.created, "updated": c.updated, "unchanged": c.unchanged,
                "rejected": report.rejected.len(),
            }),
            peer: actor.peer.clone(),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    ctx.db.checkpoint().await?;
    let result = ImportResult { file_name: upload.file_name, report, upload: None };
    Ok((community, Ok(result)))
}

/// Deletes every kept upload whose preview has expired by the context's
/// clock (applied or not): a kept file holds full ID and phone numbers. The
/// server runs this every quarter of an hour; answers how many went.
pub async fn sweep_uploads(ctx: &Context) -> Result<u64> {
    Ok(shouwang_db::uploads::sweep(&ctx.db, ctx.clock.now()).await?)
}

/// A community's residents as a file, with who exported and when; audited.
/// `format` is the file's name as asked for, kept in the audit entry.
/// Answers the bytes and the community's code.
pub async fn export_residents(
    ctx: &Context,
    actor: &Actor,
    community: &str,
    kind: FileKind,
    format: &str,
) -> Result<(Vec<u8>, String)> {
    let code = RegionCode::parse(community).map_err(|_| Error::Forbidden)?;
    let target = places::community_by_code(&ctx.db.read, &code).await?;
    actor.require(Resource::Export, Action::Read, &target.path)?;
    let at = crate::audit::when(ctx.clock.now()) + " (UTC+8)";
    let by = format!("{} ({})", actor.display_name, actor.username);
    let (bytes, n) =
        export_resident_file(&ctx.db, &code, kind, &by, &at).await.map_err(|e| Error::Internal(e.to_string()))?;
    audit::append(
        &ctx.db.write,
        Entry {
            user_id: actor.user_id,
            username: actor.username.clone(),
            action: "export_residents",
            target_kind: "community",
            target_id: Some(target.code.clone()),
            region_path: Some(target.path.clone()),
            detail: serde_json::json!({ "rows": n, "format": format }),
            peer: actor.peer.clone(),
        },
    )
    .await?;
    Ok((bytes, target.code))
}

// --- the registry API ----------------------------------------------------------

/// The top-level regions (cities) the actor may read.
pub async fn roots(ctx: &Context, actor: &Actor) -> Result<Vec<Place>> {
    places::roots(&ctx.db.read)
        .await?
        .into_iter()
        .filter(|r| actor.can(Resource::Registry, Action::Read, &r.path))
        .map(Place::of)
        .collect()
}

/// A region, the children the actor may read, and a community's counts.
pub async fn region_detail(
    ctx: &Context,
    actor: &Actor,
    code: &RegionCode,
) -> Result<(Place, Vec<Place>, Option<CommunityCounts>)> {
    let region = places::region_by_code(&ctx.db.read, code).await?;
    actor.require(Resource::Registry, Action::Read, &region.path)?;
    let mut children = places::children(&ctx.db.read, region.id).await?;
    children.retain(|c| actor.can(Resource::Registry, Action::Read, &c.path));
    let counts = if is_kind(&region, RegionKind::Community) {
        Some(places::community_counts(&ctx.db.read, &region).await?)
    } else {
        None
    };
    let children = children.into_iter().map(Place::of).collect::<Result<Vec<_>>>()?;
    Ok((Place::of(region)?, children, counts))
}

/// A household as the API shows it, contact phone masked.
#[derive(Debug, Clone)]
pub struct HouseholdEntry {
    pub id: Uuid,
    pub building_code: String,
    pub room: String,
    /// Masked, e.g. `138****5678`.
    pub contact_phone: Option<String>,
    pub size: i32,
}

impl HouseholdEntry {
    fn of(h: household::Model, building_code: String) -> HouseholdEntry {
        HouseholdEntry {
            id: h.id,
            building_code,
            room: h.room,
            contact_phone: h.contact_phone.as_deref().map(mask_phone),
            size: h.size,
        }
    }
}

/// A resident as the API shows them, phone and ID number masked.
#[derive(Debug, Clone)]
pub struct ResidentEntry {
    pub id: Uuid,
    pub household_id: Uuid,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_year: Option<i32>,
    /// Masked.
    pub phone: Option<String>,
    /// Masked.
    pub id_masked: Option<String>,
    pub tags: TagSet,
}

impl ResidentEntry {
    fn of(r: resident::Model) -> ResidentEntry {
        ResidentEntry {
            id: r.id,
            household_id: r.household_id,
            gender: r.gender.as_deref().and_then(Gender::from_code),
            birth_year: r.birth_year,
            phone: r.phone.as_deref().map(mask_phone),
            id_masked: r.id_masked,
            tags: TagSet::from_codes(&r.tags),
            name: r.name,
        }
    }
}

/// The households of one building, by room.
pub async fn building_households(ctx: &Context, actor: &Actor, code: &RegionCode) -> Result<Vec<HouseholdEntry>> {
    let building = places::region_by_code(&ctx.db.read, code).await?;
    actor.require(Resource::Household, Action::Read, &building.path)?;
    if !is_kind(&building, RegionKind::Building) {
        return Err(Error::refused(Why::NotABuilding { code: code.to_string() }));
    }
    let households = places::households_of_building(&ctx.db.read, building.id).await?;
    Ok(households.into_iter().map(|h| HouseholdEntry::of(h, building.code.clone())).collect())
}

/// One household and its residents (masked).
pub async fn household_detail(ctx: &Context, actor: &Actor, id: Uuid) -> Result<(HouseholdEntry, Vec<ResidentEntry>)> {
    let (household, building) = household_and_building(ctx, id).await?;
    actor.require(Resource::Resident, Action::Read, &building.path)?;
    let residents = places::residents_of_household(&ctx.db.read, id).await?;
    Ok((HouseholdEntry::of(household, building.code), residents.into_iter().map(ResidentEntry::of).collect()))
}

/// One page of a community's residents (masked) and their total.
pub async fn community_residents(
    ctx: &Context,
    actor: &Actor,
    code: &RegionCode,
    paging: shouwang_domain::bounds::Paging,
) -> Result<(Vec<ResidentEntry>, u64)> {
    let community = places::community_by_code(&ctx.db.read, code).await?;
    actor.require(Resource::Resident, Action::Read, &community.path)?;
    let (residents, total) =
        places::residents_of_community(&ctx.db.read, community.id, paging.offset(), paging.limit()).await?;
    Ok((residents.into_iter().map(ResidentEntry::of).collect(), total))
}

//! The registry of places: regions, blocks and incidents, and the read
//! queries over households and residents that pages and the API share.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use shouwang_domain::region::{IncidentStatus, Refusal};
use shouwang_domain::text::{building_key, name_key, normalize};
use shouwang_domain::{RegionCode, RegionKind};
use uuid::Uuid;

use crate::entity::{block, block_building, household, incident, region, resident};
use crate::{Db, DbError, now};

/// Creates one region under `parent` (none for a city).
pub async fn add_region(
    db: &Db,
    kind: RegionKind,
    code: &RegionCode,
    name: &str,
    parent: Option<&RegionCode>,
) -> Result<region::Model, DbError> {
    let name = normalize(name);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DbError::refused(Refusal::BadName));
    }
    let tx = db.begin_write().await?;
    let parent = match parent {
        Some(code) => Some(region_by_code(&tx, code).await?),
        None => None,
    };
    let parent_kind = parent.as_ref().and_then(|p| RegionKind::parse(&p.kind));
    if !kind.may_be_child_of(parent_kind) {
        return Err(DbError::refused(Refusal::KindUnderParent { kind, parent: parent_kind }));
    }
    if find_region(&tx, code).await?.is_some() {
        return Err(DbError::refused(Refusal::CodeTaken { code: code.to_string() }));
    }
    let key = if kind == RegionKind::Building { building_key(&name) } else { name_key(&name) };
    let model = region::Model {
        id: Uuid::now_v7(),
        kind: kind.as_str().to_string(),
        code: code.as_str().to_string(),
        name,
        name_key: key,
        parent_id: parent.as_ref().map(|p| p.id),
        path: child_path(parent.as_ref().map(|p| p.path.as_str()), code.as_str()),
        created_at: now(),
        contact_phone: None,
    };
    // Not unique for top-level regions (NULL parents never collide in the index); adding a region is rare.
    #[allow(clippy::disallowed_methods)]
    let duplicate_name = region::Entity::find()
        .filter(match model.parent_id {
            Some(pid) => region::Column::ParentId.eq(pid),
            None => region::Column::ParentId.is_null(),
        })
        .filter(region::Column::Kind.eq(model.kind.clone()))
        .filter(region::Column::NameKey.eq(model.name_key.clone()))
        .one(&tx)
        .await?;
    if let Some(existing) = duplicate_name {
        return Err(DbError::refused(Refusal::DuplicateName { kind, name: existing.name, code: existing.code }));
    }
    region::Entity::insert(region::ActiveModel::from(model.clone())).exec_without_returning(&tx).await?;
    tx.commit().await?;
    Ok(model)
}

/// "/parent/path/" + "code/"
pub(crate) fn child_path(parent_path: Option<&str>, code: &str) -> String {
    format!("{}{code}/", parent_path.unwrap_or("/"))
}

pub async fn find_region(conn: &impl ConnectionTrait, code: &RegionCode) -> Result<Option<region::Model>, DbError> {
    Ok(crate::unique(region::Entity::find().filter(region::Column::Code.eq(code.as_str())), conn).await?)
}

pub async fn region_by_code(conn: &impl ConnectionTrait, code: &RegionCode) -> Result<region::Model, DbError> {
    find_region(conn, code).await?.ok_or_else(|| DbError::NotFound { what: "region", key: code.to_string() })
}

/// The region named by `code`, which must be a community.
pub async fn community_by_code(conn: &impl ConnectionTrait, code: &RegionCode) -> Result<region::Model, DbError> {
    let region =
        find_region(conn, code).await?.ok_or_else(|| DbError::NotFound { what: "community", key: code.to_string() })?;
    if region.kind != RegionKind::Community.as_str() {
        return Err(DbError::refused(Refusal::NotACommunity {
            code: code.to_string(),
            kind: RegionKind::parse(&region.kind),
        }));
    }
    Ok(region)
}

pub async fn region_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<region::Model>, DbError> {
    Ok(crate::unique(region::Entity::find_by_id(id), conn).await?)
}

/// Top-level regions (cities).
pub async fn roots(conn: &impl ConnectionTrait) -> Result<Vec<region::Model>, DbError> {
    Ok(region::Entity::find()
        .filter(region::Column::ParentId.is_null())
        .order_by_asc(region::Column::Code)
        .all(conn)
        .await?)
}

pub async fn children(conn: &impl ConnectionTrait, parent_id: Uuid) -> Result<Vec<region::Model>, DbError> {
    Ok(region::Entity::find()
        .filter(region::Column::ParentId.eq(parent_id))
        .order_by_asc(region::Column::Code)
        .all(conn)
        .await?)
}

/// Every region below `ancestor` (not itself), optionally of one kind.
pub async fn descendants(
    conn: &impl ConnectionTrait,
    ancestor: &region::Model,
    kind: Option<RegionKind>,
) -> Result<Vec<region::Model>, DbError> {
    let mut q = region::Entity::find()
        .filter(region::Column::Path.starts_with(ancestor.path.as_str()))
        .filter(region::Column::Id.ne(ancestor.id));
    if let Some(kind) = kind {
        q = q.filter(region::Column::Kind.eq(kind.as_str()));
    }
    Ok(q.order_by_asc(region::Column::Path).all(conn).await?)
}

/// Counts shown on a community's summary and by the demo.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommunityCounts {
    pub compounds: u64,
    pub buildings: u64,
    pub households: u64,
    pub residents: u64,
    /// Residents with at least one care tag.
    pub tagged: u64,
}

pub async fn community_counts(
    conn: &impl ConnectionTrait,
    community: &region::Model,
) -> Result<CommunityCounts, DbError> {
    let in_subtree = |kind: RegionKind| {
        region::Entity::find()
            .filter(region::Column::Path.starts_with(community.path.as_str()))
            .filter(region::Column::Kind.eq(kind.as_str()))
    };
    Ok(CommunityCounts {
        compounds: in_subtree(RegionKind::Compound).count(conn).await?,
        buildings: in_subtree(RegionKind::Building).count(conn).await?,
        households: household::Entity::find()
            .filter(household::Column::CommunityId.eq(community.id))
            .count(conn)
            .await?,
        residents: resident::Entity::find().filter(resident::Column::CommunityId.eq(community.id)).count(conn).await?,
        tagged: resident::Entity::find()
            .filter(resident::Column::CommunityId.eq(community.id))
            .filter(resident::Column::Tags.ne(""))
            .count(conn)
            .await?,
    })
}

pub async fn households_of_building(
    conn: &impl ConnectionTrait,
    building_id: Uuid,
) -> Result<Vec<household::Model>, DbError> {
    Ok(household::Entity::find()
        .filter(household::Column::BuildingId.eq(building_id))
        .order_by_asc(household::Column::RoomKey)
        .all(conn)
        .await?)
}

pub async fn household_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<household::Model>, DbError> {
    Ok(crate::unique(household::Entity::find_by_id(id), conn).await?)
}

pub async fn residents_of_household(
    conn: &impl ConnectionTrait,
    household_id: Uuid,
) -> Result<Vec<resident::Model>, DbError> {
    Ok(resident::Entity::find()
        .filter(resident::Column::HouseholdId.eq(household_id))
        .order_by_asc(resident::Column::CreatedAt)
        .order_by_asc(resident::Column::Id)
        .all(conn)
        .await?)
}

/// One page of a community's residents, in a stable order, and the total.
pub async fn residents_of_community(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    offset: u64,
    limit: u64,
) -> Result<(Vec<resident::Model>, u64), DbError> {
    let base = resident::Entity::find().filter(resident::Column::CommunityId.eq(community_id));
    let total = base.clone().count(conn).await?;
    let page = base.order_by_asc(resident::Column::Id).offset(offset).limit(limit).all(conn).await?;
    Ok((page, total))
}

/// Creates a block (封控单元) in a community from some of its buildings.
pub async fn add_block(
    db: &Db,
    community: &RegionCode,
    name: &str,
    building_codes: &[RegionCode],
) -> Result<block::Model, DbError> {
    let tx = db.begin_write().await?;
    let community = community_by_code(&tx, community).await?;
    let name = normalize(name);
    if name.is_empty() {
        return Err(DbError::refused(Refusal::BlockNeedsName));
    }
    let model = block::Model {
        id: Uuid::now_v7(),
        community_id: community.id,
        name_key: name_key(&name),
        name,
        created_at: now(),
    };
    let exists = crate::unique(
        block::Entity::find()
            .filter(block::Column::CommunityId.eq(community.id))
            .filter(block::Column::NameKey.eq(model.name_key.clone())),
        &tx,
    )
    .await?;
    if exists.is_some() {
        return Err(DbError::refused(Refusal::BlockNameTaken { name: model.name }));
    }
    block::Entity::insert(block::ActiveModel::from(model.clone())).exec_without_returning(&tx).await?;
    for code in building_codes {
        let building = region_by_code(&tx, code).await?;
        if building.kind != RegionKind::Building.as_str() || !building.path.starts_with(&community.path) {
            return Err(DbError::refused(Refusal::NotABuildingHere { code: code.to_string() }));
        }
        block_building::Entity::insert(block_building::ActiveModel {
            block_id: Set(model.id),
            building_id: Set(building.id),
        })
        .exec_without_returning(&tx)
        .await?;
    }
    tx.commit().await?;
    Ok(model)
}

/// A community's blocks with the number of buildings in each.
pub async fn blocks_of_community(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<Vec<(block::Model, u64)>, DbError> {
    let blocks = block::Entity::find()
        .filter(block::Column::CommunityId.eq(community_id))
        .order_by_asc(block::Column::Name)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(blocks.len());
    for b in blocks {
        let n = block_building::Entity::find().filter(block_building::Column::BlockId.eq(b.id)).count(conn).await?;
        out.push((b, n));
    }
    Ok(out)
}

/// Opens an incident (an emergency episode) on a region.
pub async fn open_incident(db: &Db, region: &RegionCode, name: &str) -> Result<incident::Model, DbError> {
    let tx = db.begin_write().await?;
    let region = region_by_code(&tx, region).await?;
    let model = incident::Model {
        id: Uuid::now_v7(),
        region_id: region.id,
        name: normalize(name),
        status: IncidentStatus::Open.code().into(),
        opened_at: now(),
        closed_at: None,
        purged_at: None,
    };
    incident::Entity::insert(incident::ActiveModel::from(model.clone())).exec_without_returning(&tx).await?;
    tx.commit().await?;
    Ok(model)
}

/// Closes an open incident; closing twice is refused so the first date stays.
pub async fn close_incident(db: &Db, id: Uuid) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    let result = incident::Entity::update_many()
        .col_expr(incident::Column::Status, Expr::value(IncidentStatus::Closed.code()))
        .col_expr(incident::Column::ClosedAt, Expr::value(now()))
        .filter(incident::Column::Id.eq(id))
        .filter(incident::Column::Status.eq(IncidentStatus::Open.code()))
        .exec(&tx)
        .await?;
    if result.rows_affected != 1 {
        return Err(DbError::refused(Refusal::NoOpenIncident));
    }
    tx.commit().await?;
    Ok(())
}

pub async fn incidents_of_region(
    conn: &impl ConnectionTrait,
    region_id: Uuid,
) -> Result<Vec<incident::Model>, DbError> {
    Ok(incident::Entity::find()
        .filter(incident::Column::RegionId.eq(region_id))
        .order_by_desc(incident::Column::OpenedAt)
        .all(conn)
        .await?)
}

/// Per-community totals for an overview of the whole tree: (households, residents, tagged residents).
pub async fn totals_by_community(
    conn: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<Uuid, (i64, i64, i64)>, DbError> {
    let mut out: std::collections::HashMap<Uuid, (i64, i64, i64)> = std::collections::HashMap::new();
    let households: Vec<(Uuid, i64)> = household::Entity::find()
        .select_only()
        .column(household::Column::CommunityId)
        .column_as(household::Column::Id.count(), "n")
        .group_by(household::Column::CommunityId)
        .into_tuple()
        .all(conn)
        .await?;
    for (id, n) in households {
        out.entry(id).or_default().0 = n;
    }
    let residents: Vec<(Uuid, i64)> = resident::Entity::find()
        .select_only()
        .column(resident::Column::CommunityId)
        .column_as(resident::Column::Id.count(), "n")
        .group_by(resident::Column::CommunityId)
        .into_tuple()
        .all(conn)
        .await?;
    for (id, n) in residents {
        out.entry(id).or_default().1 = n;
    }
    let tagged: Vec<(Uuid, i64)> = resident::Entity::find()
        .select_only()
        .column(resident::Column::CommunityId)
        .column_as(resident::Column::Id.count(), "n")
        .filter(resident::Column::Tags.ne(""))
        .group_by(resident::Column::CommunityId)
        .into_tuple()
        .all(conn)
        .await?;
    for (id, n) in tagged {
        out.entry(id).or_default().2 = n;
    }
    Ok(out)
}

/// Every region from the cities down to the communities, in tree order.
pub async fn upper_tree(conn: &impl ConnectionTrait) -> Result<Vec<region::Model>, DbError> {
    Ok(region::Entity::find()
        .filter(
            region::Column::Kind.is_in(
                [RegionKind::City, RegionKind::District, RegionKind::Subdistrict, RegionKind::Community]
                    .map(RegionKind::as_str),
            ),
        )
        .order_by_asc(region::Column::Path)
        .all(conn)
        .await?)
}

pub async fn resident_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<resident::Model>, DbError> {
    Ok(crate::unique(resident::Entity::find_by_id(id), conn).await?)
}

/// Residents living under `scope_path` whose name contains `q`, whose room
/// is `q`, or whose phone ends with `q` (4 digits or more). At most `limit`.
pub async fn search_residents(
    conn: &impl ConnectionTrait,
    scope_path: &str,
    q: &str,
    limit: u64,
) -> Result<Vec<(resident::Model, household::Model, region::Model)>, DbError> {
    let q = shouwang_domain::text::normalize_compact(q);
    if q.is_empty() {
        return Ok(vec![]);
    }
    let buildings: Vec<region::Model> = region::Entity::find()
        .filter(region::Column::Path.starts_with(scope_path))
        .filter(region::Column::Kind.eq(RegionKind::Building.as_str()))
        .all(conn)
        .await?;
    let building_ids: Vec<Uuid> = buildings.iter().map(|b| b.id).collect();
    let households =
        household::Entity::find().filter(household::Column::BuildingId.is_in(building_ids)).all(conn).await?;
    let by_id: std::collections::HashMap<Uuid, &household::Model> = households.iter().map(|h| (h.id, h)).collect();
    let room_key = shouwang_domain::text::room_key(&q);
    let room_matches: Vec<Uuid> = households.iter().filter(|h| h.room_key == room_key).map(|h| h.id).collect();
    let mut cond = sea_orm::Condition::any()
        .add(resident::Column::NameKey.contains(shouwang_domain::text::name_key(&q)))
        .add(resident::Column::HouseholdId.is_in(room_matches));
    if q.len() >= 4 && q.bytes().all(|b| b.is_ascii_digit()) {
        cond = cond.add(resident::Column::Phone.ends_with(q.as_str()));
    }
    let ids: Vec<Uuid> = by_id.keys().copied().collect();
    let found = resident::Entity::find()
        .filter(resident::Column::HouseholdId.is_in(ids))
        .filter(cond)
        .order_by_asc(resident::Column::NameKey)
        .limit(limit)
        .all(conn)
        .await?;
    let buildings: std::collections::HashMap<Uuid, region::Model> = buildings.into_iter().map(|b| (b.id, b)).collect();
    Ok(found
        .into_iter()
        .filter_map(|r| {
            let h = (*by_id.get(&r.household_id)?).clone();
            let b = buildings.get(&h.building_id)?.clone();
            Some((r, h, b))
        })
        .collect())
}

/// Sets (or clears) a community's public contact phone.
pub async fn set_contact_phone(db: &Db, code: &RegionCode, phone: Option<&str>) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    let r = region_by_code(&tx, code).await?;
    region::Entity::update_many()
        .col_expr(region::Column::ContactPhone, Expr::value(phone.map(str::to_string)))
        .filter(region::Column::Id.eq(r.id))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The editable fields of a resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentEdit {
    pub name: String,
    pub gender: Option<String>,
    pub birth_year: Option<i32>,
    /// `None` keeps the stored phone; `Some(None)` clears it.
    pub phone: Option<Option<String>>,
    pub tags: String,
    pub note: Option<String>,
}

/// Updates a resident and appends the audit entry in the same transaction.
/// The entry's detail gets "before" and "after" (phones masked).
pub async fn edit_resident(
    db: &Db,
    id: Uuid,
    edit: ResidentEdit,
    mut entry: crate::audit::Entry,
) -> Result<resident::Model, DbError> {
    let tx = db.begin_write().await?;
    let before = crate::unique(resident::Entity::find_by_id(id), &tx)
        .await?
        .ok_or_else(|| DbError::NotFound { what: "resident", key: id.to_string() })?;
    let mut after = before.clone();
    after.name_key = name_key(&edit.name);
    after.name = edit.name;
    after.gender = edit.gender;
    after.birth_year = edit.birth_year;
    if let Some(phone) = edit.phone {
        after.phone = phone;
    }
    after.tags = edit.tags;
    after.note = edit.note;
    if after == before {
        return Ok(before);
    }
    after.updated_at = now();
    resident::Entity::update_many()
        .col_expr(resident::Column::Name, Expr::value(after.name.clone()))
        .col_expr(resident::Column::NameKey, Expr::value(after.name_key.clone()))
        .col_expr(resident::Column::Gender, Expr::value(after.gender.clone()))
        .col_expr(resident::Column::BirthYear, Expr::value(after.birth_year))
        .col_expr(resident::Column::Phone, Expr::value(after.phone.clone()))
        .col_expr(resident::Column::Tags, Expr::value(after.tags.clone()))
        .col_expr(resident::Column::Note, Expr::value(after.note.clone()))
        .col_expr(resident::Column::UpdatedAt, Expr::value(after.updated_at))
        .filter(resident::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    let view = |r: &resident::Model| {
        serde_json::json!({
            "name": r.name, "gender": r.gender, "birth_year": r.birth_year,
            "phone": r.phone.as_deref().map(shouwang_domain::phone::mask_phone),
            "tags": r.tags, "note": r.note,
        })
    };
    if let serde_json::Value::Object(map) = &mut entry.detail {
        map.insert("before".into(), view(&before));
        map.insert("after".into(), view(&after));
    }
    crate::audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets a household's contact phone (`None` clears it), auditing before and
/// after (masked) in the same transaction.
pub async fn edit_household_contact(
    db: &Db,
    id: Uuid,
    phone: Option<String>,
    mut entry: crate::audit::Entry,
) -> Result<(), DbError> {
    let tx = db.begin_write().await?;
    let before = crate::unique(household::Entity::find_by_id(id), &tx)
        .await?
        .ok_or_else(|| DbError::NotFound { what: "household", key: id.to_string() })?;
    if before.contact_phone == phone {
        return Ok(());
    }
    household::Entity::update_many()
        .col_expr(household::Column::ContactPhone, Expr::value(phone.clone()))
        .col_expr(household::Column::UpdatedAt, Expr::value(now()))
        .filter(household::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    let masked = |p: &Option<String>| p.as_deref().map(shouwang_domain::phone::mask_phone);
    if let serde_json::Value::Object(map) = &mut entry.detail {
        map.insert("before".into(), serde_json::json!({ "contact_phone": masked(&before.contact_phone) }));
        map.insert("after".into(), serde_json::json!({ "contact_phone": masked(&phone) }));
    }
    crate::audit::append(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// The residents of several households in one query, grouped by household
/// (each group in registration order): a building page asks once, not per room.
pub async fn residents_by_household(
    conn: &impl ConnectionTrait,
    household_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<resident::Model>>, DbError> {
    let mut out: std::collections::HashMap<Uuid, Vec<resident::Model>> = std::collections::HashMap::new();
    let all = resident::Entity::find()
        .filter(resident::Column::HouseholdId.is_in(household_ids.iter().copied()))
        .order_by_asc(resident::Column::CreatedAt)
        .order_by_asc(resident::Column::Id)
        .all(conn)
        .await?;
    for r in all {
        out.entry(r.household_id).or_default().push(r);
    }
    Ok(out)
}

//! Reading a community's registry back out, one row per resident, in
//! compound / building / room order: the shape of an Excel export.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shouwang_domain::{Gender, RegionCode, RegionKind, TagSet};
use uuid::Uuid;

use crate::DbError;
use crate::entity::{household, region, resident};
use crate::registry::community_by_code;

#[derive(Debug, Clone, PartialEq)]
pub struct RegistryRow {
    pub compound: String,
    pub building: String,
    pub room: String,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
    pub id_masked: Option<String>,
    pub tags: TagSet,
    pub note: Option<String>,
}

/// Every resident of a community with their address; the community's name for the export's metadata.
pub async fn registry_rows(
    conn: &impl ConnectionTrait,
    community: &RegionCode,
) -> Result<(region::Model, Vec<RegistryRow>), DbError> {
    let community = community_by_code(conn, community).await?;
    let regions: HashMap<Uuid, region::Model> = region::Entity::find()
        .filter(region::Column::Path.starts_with(community.path.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let households: HashMap<Uuid, household::Model> = household::Entity::find()
        .filter(household::Column::CommunityId.eq(community.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let residents = resident::Entity::find().filter(resident::Column::CommunityId.eq(community.id)).all(conn).await?;

    let mut rows: Vec<(SortKey, RegistryRow)> = Vec::with_capacity(residents.len());
    for r in residents {
        let Some(h) = households.get(&r.household_id) else { continue };
        let Some(building) = regions.get(&h.building_id) else { continue };
        let compound =
            building.parent_id.and_then(|p| regions.get(&p)).filter(|c| c.kind == RegionKind::Compound.as_str());
        let key = SortKey {
            compound: compound.map(|c| c.code.clone()).unwrap_or_default(),
            building: natural(&building.name_key),
            room: natural(&h.room_key),
            created: (r.created_at, r.id),
        };
        rows.push((
            key,
            RegistryRow {
                compound: compound.map(|c| c.name.clone()).unwrap_or_default(),
                building: building.name.clone(),
                room: h.room.clone(),
                name: r.name,
                gender: r.gender.as_deref().and_then(Gender::from_code),
                birth_year: r.birth_year,
                phone: r.phone,
                id_masked: r.id_masked,
                tags: TagSet::from_codes(&r.tags),
                note: r.note,
            },
        ));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((community, rows.into_iter().map(|(_, r)| r).collect()))
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct SortKey {
    compound: String,
    building: (u64, String),
    room: (u64, String),
    created: (time::OffsetDateTime, Uuid),
}

/// Sorts "2" before "10": leading number first, then the text.
fn natural(s: &str) -> (u64, String) {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    (digits.parse().unwrap_or(u64::MAX), s.to_string())
}

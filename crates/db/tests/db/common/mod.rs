use shouwang_db::registry::{add_region, open_incident};
use shouwang_db::testing::TestDb;
use shouwang_domain::import::{Cell, RawResidentRow, parse_row};
use shouwang_domain::{IdHasher, RegionCode, RegionKind, ResidentRecord};

pub fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// wh > wh-jh > wh-jh-ws > sy (商一社区), as in the Wuhan seed article.
pub async fn with_community() -> TestDb {
    let t = TestDb::new().await;
    add_region(&t.db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(&t.db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(&t.db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    add_region(&t.db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    // Operational records belong to an incident: one city-wide, open.
    open_incident(&t.db, &code("wh"), "2022年武汉疫情防控").await.unwrap();
    t
}

pub fn hasher() -> IdHasher {
    IdHasher::new(b"test key")
}

fn cell(s: &str) -> Option<Cell> {
    Some(Cell::Text(s.to_string()))
}

/// A record as the importer would produce it from a row of text cells.
pub fn rec(
    row: u32,
    compound: &str,
    building: &str,
    room: &str,
    name: &str,
    phone: &str,
    id: &str,
    tags: &str,
) -> ResidentRecord {
    let raw = RawResidentRow {
        row,
        name: cell(name),
        compound: cell(compound),
        building: cell(building),
        room: cell(room),
        phone: cell(phone),
        id_card: cell(id),
        tags: cell(tags),
        gender: cell(""),
        birth: None,
    };
    parse_row(&raw, 2026).unwrap()
}

/// A valid ID number: region 420103 (Wuhan Jianghan), the given birth date and sequence.
pub fn id_no(birth: &str, seq: u32) -> String {
    shouwang_domain::id_card::with_check_digit(&format!("420103{birth}{seq:03}")).unwrap()
}

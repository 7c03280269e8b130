//! Helpers shared by the integration tests: looking at rows field by field.

use shouwang_domain::{BirthColumn, Cell, RawResidentRow};

pub fn t(s: &str) -> Option<Cell> {
    Some(Cell::Text(s.into()))
}

pub fn n(v: f64) -> Option<Cell> {
    Some(Cell::Number(v))
}

pub fn date(y: i32, m: u8, d: u8) -> Cell {
    Cell::Date(time::Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), d).expect("date"))
}

/// Every field of a row, comparable (the domain type has no `PartialEq`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fields {
    pub row: u32,
    pub name: Option<Cell>,
    pub gender: Option<Cell>,
    pub birth: Option<(BirthColumn, Cell)>,
    pub phone: Option<Cell>,
    pub id_card: Option<Cell>,
    pub compound: Option<Cell>,
    pub building: Option<Cell>,
    pub room: Option<Cell>,
    pub tags: Option<Cell>,
}

impl From<&RawResidentRow> for Fields {
    fn from(r: &RawResidentRow) -> Fields {
        Fields {
            row: r.row,
            name: r.name.clone(),
            gender: r.gender.clone(),
            birth: r.birth.clone(),
            phone: r.phone.clone(),
            id_card: r.id_card.clone(),
            compound: r.compound.clone(),
            building: r.building.clone(),
            room: r.room.clone(),
            tags: r.tags.clone(),
        }
    }
}

pub fn fields(rows: &[RawResidentRow]) -> Vec<Fields> {
    rows.iter().map(Fields::from).collect()
}

/// The text of every cell, as a person reads it, for comparing files whose
/// cell types differ (a CSV has only text).
pub fn shown(r: &RawResidentRow) -> Vec<Option<String>> {
    let show = |c: &Option<Cell>| c.as_ref().map(Cell::display);
    vec![
        show(&r.name),
        show(&r.gender),
        r.birth.as_ref().map(|(_, c)| c.display()),
        show(&r.phone),
        show(&r.id_card),
        show(&r.compound),
        show(&r.building),
        show(&r.room),
        show(&r.tags),
    ]
}

//! Resident import, the pure part: one spreadsheet row (cells already read
//! from the file by the `io` crate) becomes a [`ResidentRecord`] or a
//! [`RejectReason`]; duplicates inside one file are found here too.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use crate::id_card::{IdCardError, IdCardNo};
use crate::lang::Lang;
use crate::phone::PhoneNumber;
use crate::resident::{Gender, TagSet};
use crate::text::{building_key, name_key, normalize, room_key};

/// A cell as read from the file, before any interpretation.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub enum Cell {
    Text(String),
    /// Excel numeric cell (or a number Excel wrote into a CSV).
    Number(f64),
    /// A cell Excel formatted as a date.
    Date(Date),
}

impl Cell {
    /// Text as a person would read the cell: integral numbers without ".0".
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) => normalize(s),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }

    /// Whether the cell's text holds invisible control characters.
    pub fn has_control_chars(&self) -> bool {
        matches!(self, Cell::Text(s) if crate::text::has_control_chars(s))
    }

    fn is_blank(&self) -> bool {
        matches!(self, Cell::Text(s) if normalize(s).is_empty())
    }
}

/// Which of the three ways of giving a birth the file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum BirthColumn {
    /// 出生年份
    Year,
    /// 出生日期
    Date,
    /// 年龄
    Age,
}

/// One data row, each field the cell under the recognised header (or `None`
/// when the file has no such column).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct RawResidentRow {
    /// The row number as the spreadsheet shows it (Excel row; CSV line).
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

/// A valid resident row, ready to be matched against the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidentRecord {
    pub row: u32,
    /// `None` when the file has no compound column: the community's default compound.
    pub compound: Option<String>,
    pub building: String,
    pub room: String,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_year: Option<i32>,
    pub phone: Option<PhoneNumber>,
    pub id_card: Option<IdCardNo>,
    /// A masked ID number ("110101********1234", as our exports write it):
    /// not a number to match on, only the display form. Never set with `id_card`.
    pub id_masked: Option<String>,
    pub tags: TagSet,
    /// Words from the tag column that are not tags, kept so nothing is lost.
    pub note: Option<String>,
}

impl ResidentRecord {
    /// The key of a person without an ID number: same compound, building,
    /// room and name.
    pub fn address_key(&self) -> (String, String, String, String) {
        (
            self.compound.as_deref().map(name_key).unwrap_or_default(),
            building_key(&self.building),
            room_key(&self.room),
            name_key(&self.name),
        )
    }
}

/// Why a row was not imported. Every variant has a Chinese and an English
/// message; none of them repeats a phone or ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    MissingName,
    NameTooLong,
    MissingCompound,
    MissingBuilding,
    MissingRoom,
    InvalidPhone,
    IdCard(IdCardError),
    InvalidGender,
    GenderMismatchesIdCard,
    InvalidBirth,
    BirthYearMismatchesIdCard,
    DuplicateIdCardInFile {
        first_row: u32,
    },
    DuplicatePersonInFile {
        first_row: u32,
    },
    /// A cell holds invisible control characters (NUL and the like).
    ControlCharacters,
    /// Found when applying: the person was changed after the preview (by
    /// hand or by another import); that change is kept, this row is not applied.
    EditedSincePreview,
}

impl RejectReason {
    pub fn message(&self, lang: Lang) -> String {
        use RejectReason::*;
        let key = match self {
            DuplicateIdCardInFile { first_row } => {
                return crate::i18n::t_with(lang, "reason.import.duplicate_id_card", &[("first_row", first_row)]);
            }
            DuplicatePersonInFile { first_row } => {
                return crate::i18n::t_with(lang, "reason.import.duplicate_person", &[("first_row", first_row)]);
            }
            ControlCharacters => "input.control_characters",
            EditedSincePreview => "uploads.edited_since_preview",
            MissingName => "reason.import.missing_name",
            NameTooLong => "reason.import.name_too_long",
            MissingCompound => "reason.import.missing_compound",
            MissingBuilding => "reason.import.missing_building",
            MissingRoom => "reason.import.missing_room",
            InvalidPhone => "reason.import.invalid_phone",
            IdCard(IdCardError::StoredAsNumber) => "reason.import.id_stored_as_number",
            IdCard(IdCardError::Checksum) => "reason.import.id_checksum",
            IdCard(IdCardError::BirthDate) => "reason.import.id_birth_date",
            IdCard(IdCardError::Length) => "reason.import.id_length",
            IdCard(IdCardError::Characters) => "reason.import.id_characters",
            InvalidGender => "reason.import.invalid_gender",
            GenderMismatchesIdCard => "reason.import.gender_mismatch",
            InvalidBirth => "reason.import.invalid_birth",
            BirthYearMismatchesIdCard => "reason.import.birth_year_mismatch",
        };
        crate::i18n::t(lang, key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub row: u32,
    pub reason: RejectReason,
}

/// Counts of what an import did (or, on a dry run, would do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// The full per-row report of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub counts: ImportCounts,
    pub rejected: Vec<RejectedRow>,
    /// False on a dry run, with `--strict` and rejections, or when nothing was valid.
    pub applied: bool,
}

const MAX_NAME_CHARS: usize = 50;

fn text_of(cell: &Option<Cell>) -> Option<String> {
    cell.as_ref().filter(|c| !c.is_blank()).map(Cell::display).filter(|s| !s.is_empty())
}

/// Interprets one row. `current_year` comes from the caller (the domain has no clock).
pub fn parse_row(raw: &RawResidentRow, current_year: i32) -> Result<ResidentRecord, RejectReason> {
    let cells = [&raw.name, &raw.gender, &raw.phone, &raw.id_card, &raw.compound, &raw.building, &raw.room, &raw.tags];
    let birth = raw.birth.as_ref().map(|(_, cell)| cell);
    if cells.iter().filter_map(|c| c.as_ref()).chain(birth).any(Cell::has_control_chars) {
        return Err(RejectReason::ControlCharacters);
    }
    let name = text_of(&raw.name).map(|n| crate::text::normalize_name(&n)).ok_or(RejectReason::MissingName)?;
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(RejectReason::NameTooLong);
    }
    let compound = match &raw.compound {
        None => None,
        Some(_) => Some(text_of(&raw.compound).ok_or(RejectReason::MissingCompound)?),
    };
    let building = text_of(&raw.building).ok_or(RejectReason::MissingBuilding)?;
    let room = text_of(&raw.room).ok_or(RejectReason::MissingRoom)?;

    let phone = match &raw.phone {
        Some(cell) if !cell.is_blank() => {
            Some(PhoneNumber::parse(&cell.display()).map_err(|_| RejectReason::InvalidPhone)?)
        }
        _ => None,
    };

    let mut id_masked = None;
    let id_card = match &raw.id_card {
        // Excel kept only 15 significant digits: whatever we print is not the number.
        Some(Cell::Number(_)) => return Err(RejectReason::IdCard(IdCardError::StoredAsNumber)),
        // A masked number (our own export) means "no new number"; its display form is kept.
        Some(cell) if cell.display().contains('*') => {
            id_masked = standard_mask(&cell.display());
            None
        }
        Some(cell) if !cell.is_blank() => Some(IdCardNo::parse(&cell.display()).map_err(RejectReason::IdCard)?),
        _ => None,
    };

    let gender = match text_of(&raw.gender) {
        Some(g) => Some(Gender::parse(&g).ok_or(RejectReason::InvalidGender)?),
        None => None,
    };

    let stated_birth = match &raw.birth {
        Some((column, cell)) if !cell.is_blank() => {
            Some((*column, parse_birth(*column, cell, current_year).ok_or(RejectReason::InvalidBirth)?))
        }
        _ => None,
    };

    let (gender, birth_year) = match &id_card {
        Some(id) => {
            if gender.is_some_and(|g| g != id.gender()) {
                return Err(RejectReason::GenderMismatchesIdCard);
            }
            // An age column goes stale every year; only a stated year or date must agree.
            if let Some((column, year)) = stated_birth
                && column != BirthColumn::Age
                && year != id.birth_year()
            {
                return Err(RejectReason::BirthYearMismatchesIdCard);
            }
            (Some(id.gender()), Some(id.birth_year()))
        }
        None => (gender, stated_birth.map(|(_, y)| y)),
    };

    let (tags, note) = match text_of(&raw.tags) {
        Some(t) => TagSet::parse_words(&t),
        None => (TagSet::empty(), None),
    };

    Ok(ResidentRecord {
        row: raw.row,
        compound,
        building,
        room,
        name,
        gender,
        birth_year,
        phone,
        id_card,
        id_masked,
        tags,
        note,
    })
}

/// "110101********1234" (6 digits, 8 stars, 3 digits and a digit or X), else `None`.
fn standard_mask(s: &str) -> Option<String> {
    let s = crate::text::normalize_compact(s).to_uppercase();
    let b = s.as_bytes();
    let ok = b.len() == 18
        && b[..6].iter().all(u8::is_ascii_digit)
        && b[6..14].iter().all(|c| *c == b'*')
        && b[14..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X');
    ok.then_some(s)
}

fn parse_birth(column: BirthColumn, cell: &Cell, current_year: i32) -> Option<i32> {
    let plausible = |y: i32| (1900..=current_year).contains(&y).then_some(y);
    match (column, cell) {
        (_, Cell::Date(d)) => plausible(d.year()),
        (BirthColumn::Age, c) => {
            let age: i32 = c.display().trim_end_matches(['岁', '周']).trim().parse().ok()?;
            (0..=120).contains(&age).then(|| current_year - age).and_then(plausible)
        }
        (_, Cell::Number(n)) if n.fract() == 0.0 => {
            let n = *n as i64;
            match n {
                1900..=2200 => plausible(n as i32),
                // 19500302 typed as a number
                19_000_101..=22_001_231 => plausible((n / 10_000) as i32),
                // An Excel date serial in a cell not formatted as a date.
                1..=80_000 => {
                    let days = time::Duration::days(n);
                    let epoch = Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
                    plausible(epoch.checked_add(days)?.year())
                }
                _ => None,
            }
        }
        (_, Cell::Number(_)) => None,
        (_, Cell::Text(t)) => {
            let t = normalize(t);
            let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
            let year: i32 = match digits.len() {
                4 | 6 | 8 => digits[..4].parse().ok()?,
                _ => return None,
            };
            // What follows the year must look like a date: "-03-02", "年3月", "/3/2", "."
            let rest = &t[digits.len()..];
            let ok_rest = rest.is_empty()
                || rest.starts_with(['-', '/', '.', '年'])
                    && rest.chars().all(|c| c.is_ascii_digit() || "-/.年月日号".contains(c));
            if !ok_rest {
                return None;
            }
            plausible(year)
        }
    }
}

/// Rejects the second and later rows that repeat an ID number, or (without
/// an ID number) the same name at the same address. The first occurrence stays.
pub fn reject_duplicates(records: Vec<ResidentRecord>) -> (Vec<ResidentRecord>, Vec<RejectedRow>) {
    let mut by_id: HashMap<String, u32> = HashMap::new();
    let mut by_address: HashMap<(String, String, String, String), u32> = HashMap::new();
    let mut kept = Vec::with_capacity(records.len());
    let mut rejected = Vec::new();
    for r in records {
        if let Some(id) = &r.id_card {
            if let Some(&first_row) = by_id.get(&id.in_file_key()) {
                rejected.push(RejectedRow { row: r.row, reason: RejectReason::DuplicateIdCardInFile { first_row } });
                continue;
            }
            by_id.insert(id.in_file_key(), r.row);
        } else {
            let key = r.address_key();
            if let Some(&first_row) = by_address.get(&key) {
                rejected.push(RejectedRow { row: r.row, reason: RejectReason::DuplicatePersonInFile { first_row } });
                continue;
            }
            by_address.insert(key, r.row);
        }
        kept.push(r);
    }
    (kept, rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<Cell> {
        Some(Cell::Text(s.into()))
    }

    fn row(n: u32) -> RawResidentRow {
        RawResidentRow {
            row: n,
            name: t("张 三"),
            compound: t("云飞雅苑"),
            building: t("３号楼"),
            room: t("1201室"),
            ..Default::default()
        }
    }

    #[test]
    fn control_characters_in_any_cell_refuse_the_row() {
        for nul in ["\u{0}\u{0}\u{0}", "张\u{0}三", "\u{1b}[31m", "\u{7f}"] {
            let mut raw = row(3);
            raw.compound = t(nul);
            assert_eq!(parse_row(&raw, 2026), Err(RejectReason::ControlCharacters), "{nul:?}");
            let mut raw = row(3);
            raw.name = t(nul);
            assert_eq!(parse_row(&raw, 2026), Err(RejectReason::ControlCharacters), "{nul:?}");
        }
        // Line breaks and tabs are ordinary in a cell.
        let mut raw = row(3);
        raw.tags = t("独居老人\n慢病\t");
        assert!(parse_row(&raw, 2026).is_ok());
    }

    #[test]
    fn a_minimal_row_parses_with_normalised_text() {
        let r = parse_row(&row(3), 2026).expect("valid");
        assert_eq!(r.name, "张三");
        assert_eq!(r.building, "3号楼");
        assert_eq!(r.row, 3);
    }

    #[test]
    fn id_number_decides_gender_and_birth_year() {
        let mut raw = row(3);
        raw.id_card = t("11010519491231002X");
        let r = parse_row(&raw, 2026).expect("valid");
        assert_eq!(r.gender, Some(Gender::Female));
        assert_eq!(r.birth_year, Some(1949));

        raw.gender = t("男");
        assert_eq!(parse_row(&raw, 2026), Err(RejectReason::GenderMismatchesIdCard));
        raw.gender = t("女");
        raw.birth = Some((BirthColumn::Year, Cell::Number(1950.0)));
        assert_eq!(parse_row(&raw, 2026), Err(RejectReason::BirthYearMismatchesIdCard));
        // A stale age does not reject the row: the ID number wins.
        raw.birth = Some((BirthColumn::Age, Cell::Number(70.0)));
        assert_eq!(parse_row(&raw, 2026).map(|r| r.birth_year), Ok(Some(1949)));
    }

    #[test]
    fn id_number_as_an_excel_number_is_refused() {
        let mut raw = row(7);
        raw.id_card = Some(Cell::Number(110105194912310020.0));
        assert_eq!(parse_row(&raw, 2026), Err(RejectReason::IdCard(IdCardError::StoredAsNumber)));
    }

    #[test]
    fn a_masked_id_number_is_kept_for_display_only() {
        let mut raw = row(7);
        raw.id_card = t("110105********002x");
        let r = parse_row(&raw, 2026).expect("valid");
        assert_eq!((r.id_card, r.id_masked.as_deref()), (None, Some("110105********002X")));
        raw.id_card = t("1101**********02");
        let r = parse_row(&raw, 2026).expect("an odd mask is not an error");
        assert_eq!((r.id_card, r.id_masked), (None, None));
    }

    #[test]
    fn phone_as_an_excel_number_is_fine() {
        let mut raw = row(7);
        raw.phone = Some(Cell::Number(13812345678.0));
        assert_eq!(
            parse_row(&raw, 2026).map(|r| r.phone.map(|p| p.expose().to_string())),
            Ok(Some("13812345678".into()))
        );
        raw.phone = t("021-64381234");
        assert_eq!(parse_row(&raw, 2026), Err(RejectReason::InvalidPhone));
    }

    #[test]
    fn births_in_the_forms_committees_write() {
        let cases = [
            (BirthColumn::Year, Cell::Number(1950.0), Some(1950)),
            (BirthColumn::Year, Cell::Text("1950年".into()), Some(1950)),
            (BirthColumn::Date, Cell::Text("1950-03-02".into()), Some(1950)),
            (BirthColumn::Date, Cell::Text("1950年3月2日".into()), Some(1950)),
            (BirthColumn::Date, Cell::Text("19500302".into()), Some(1950)),
            (BirthColumn::Date, Cell::Number(19500302.0), Some(1950)),
            (BirthColumn::Date, Cell::Number(18324.0), Some(1950)),
            (BirthColumn::Age, Cell::Text("72岁".into()), Some(1954)),
            (BirthColumn::Age, Cell::Number(200.0), None),
            (BirthColumn::Year, Cell::Number(2099.0), None),
            (BirthColumn::Date, Cell::Text("去年".into()), None),
            (BirthColumn::Date, Cell::Text("1950abc".into()), None),
        ];
        for (col, cell, want) in cases {
            assert_eq!(parse_birth(col, &cell, 2026), want, "{col:?} {cell:?}");
        }
    }

    #[test]
    fn missing_required_fields_are_named() {
        let mut raw = row(2);
        raw.room = t("  ");
        assert_eq!(parse_row(&raw, 2026), Err(RejectReason::MissingRoom));
        let mut raw = row(2);
        raw.name = None;
        assert_eq!(parse_row(&raw, 2026), Err(RejectReason::MissingName));
        let mut raw = row(2);
        raw.compound = t("");
        assert_eq!(parse_row(&raw, 2026), Err(RejectReason::MissingCompound));
        let mut raw = row(2);
        raw.compound = None;
        assert_eq!(parse_row(&raw, 2026).map(|r| r.compound), Ok(None));
    }

    #[test]
    fn duplicates_in_one_file_keep_the_first_row() {
        let a = parse_row(&row(2), 2026).expect("valid");
        let mut b = a.clone();
        b.row = 5;
        b.building = "3栋".into();
        b.room = "1201".into();
        let mut c = a.clone();
        c.row = 6;
        c.name = "李四".into();
        let (kept, rejected) = reject_duplicates(vec![a, b, c]);
        assert_eq!(kept.iter().map(|r| r.row).collect::<Vec<_>>(), vec![2, 6]);
        assert_eq!(
            rejected,
            vec![RejectedRow { row: 5, reason: RejectReason::DuplicatePersonInFile { first_row: 2 } }]
        );
    }

    #[test]
    fn messages_exist_in_both_languages_without_personal_data() {
        let reasons = [
            RejectReason::InvalidPhone,
            RejectReason::IdCard(IdCardError::StoredAsNumber),
            RejectReason::DuplicateIdCardInFile { first_row: 4 },
        ];
        for r in reasons {
            let zh = r.message(Lang::Zh);
            let en = r.message(Lang::En);
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
            assert!(en.is_ascii(), "{en}");
        }
    }
}

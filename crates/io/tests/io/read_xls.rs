//! Reading a legacy .xls roster (tests/fixtures/roster.xls, written by
//! tests/fixtures/make_xls.py: see there for what is in it).

use crate::common::{Fields, date, fields, n, t};
use shouwang_domain::{BirthColumn, IdCardError, RejectReason, parse_row};
use shouwang_io::{FileKind, ReadError, read_residents};

const ROSTER: &[u8] = include_bytes!("../fixtures/roster.xls");

#[test]
fn an_xls_roster_reads_with_excel_row_numbers_and_merged_buildings() {
    let sheet = read_residents(ROSTER, FileKind::Xls).expect("readable");
    // The instructions sheet comes first and is passed over.
    assert_eq!(sheet.sheet_name, "居民名单");
    // The sheet's first used cell is B2: row numbers still count from row 1.
    assert_eq!(sheet.header_row, 4);
    let empty = || t("");
    assert_eq!(
        fields(&sheet.rows),
        vec![
            Fields {
                row: 5,
                name: t("李秀英"),
                building: t("1号楼"),
                room: t("101"),
                phone: n(13812345678.0),
                birth: Some((BirthColumn::Date, date(1949, 12, 31))),
                id_card: t("11010519491231002X"),
                ..Default::default()
            },
            Fields {
                row: 6,
                name: t("王建国"),
                // Filled down from the merged cell above.
                building: t("1号楼"),
                room: t("102"),
                phone: empty(),
                birth: Some((BirthColumn::Date, shouwang_domain::Cell::Text(String::new()))),
                id_card: n(110105195003020031.0),
                ..Default::default()
            },
            Fields {
                row: 9,
                name: t("赵敏"),
                building: t("2号楼"),
                room: t("0301"),
                phone: empty(),
                birth: Some((BirthColumn::Date, shouwang_domain::Cell::Text(String::new()))),
                id_card: empty(),
                ..Default::default()
            },
        ]
    );
    assert!(parse_row(&sheet.rows[0], 2026).is_ok());
    assert_eq!(parse_row(&sheet.rows[1], 2026).map(|r| r.row), Err(RejectReason::IdCard(IdCardError::StoredAsNumber)));
}

#[test]
fn an_xls_named_xlsx_is_still_read() {
    let sheet = read_residents(ROSTER, FileKind::Xlsx).expect("readable");
    assert_eq!(sheet.rows.len(), 3);
}

#[test]
fn a_damaged_xls_is_unreadable() {
    let cut = &ROSTER[..ROSTER.len() / 3];
    assert!(matches!(read_residents(cut, FileKind::Xls), Err(ReadError::Unreadable(_))));
}

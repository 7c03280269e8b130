//! Reading text rosters in the three encodings Excel produces on Chinese
//! Windows: "CSV" (GBK), "CSV UTF-8" (with a BOM) and "Unicode text"
//! (UTF-16LE, tab-separated).

use crate::common::{Fields, fields, t};
use shouwang_domain::{BirthColumn, Cell, IdCardError, RejectReason, parse_row};
use shouwang_io::{Field, FileKind, MAX_ROWS, ReadError, read_residents};

/// The messy roster of read_xlsx.rs as Excel saves it as text: dates in the
/// locale's format, the ID number as Excel displayed it, empty rows as runs of
/// separators, and a 特殊情况 cell with a line break (quoted over two lines).
fn roster_lines(sep: &str) -> String {
    let lines = [
        "商一社区居民登记表,,,,,,,,,",
        ",,,,,,,,,",
        "序号,名字,性别,联系电话,幢,门牌,出生日期,证件号码,特殊情况,小区名称",
        "1,李秀英,女,13812345678,３号楼,１２０１,1949/12/31,11010519491231002X,\"独居",
        "血透\",云飞雅苑",
        ",,,,,,,,,",
        "2,王建国,男,139 1234 5678,3,1202室,,1.10105E+17,,云飞雅苑",
        "",
        "3,赵敏,女,,3幢,0301,1988年5月,,孕妇,",
        "4,,,,,,,,,",
    ];
    lines.iter().map(|l| l.replace(',', sep) + "\r\n").collect()
}

fn expected() -> Vec<Fields> {
    let birth = |s: &str| Some((BirthColumn::Date, Cell::Text(s.into())));
    vec![
        Fields {
            row: 4,
            name: t("李秀英"),
            gender: t("女"),
            birth: birth("1949/12/31"),
            phone: t("13812345678"),
            id_card: t("11010519491231002X"),
            compound: t("云飞雅苑"),
            building: t("３号楼"),
            room: t("１２０１"),
            tags: t("独居\r\n血透"),
        },
        Fields {
            row: 7,
            name: t("王建国"),
            gender: t("男"),
            birth: birth(""),
            phone: t("139 1234 5678"),
            id_card: t("1.10105E+17"),
            compound: t("云飞雅苑"),
            building: t("3"),
            room: t("1202室"),
            tags: t(""),
        },
        Fields {
            row: 9,
            name: t("赵敏"),
            gender: t("女"),
            birth: birth("1988年5月"),
            phone: t(""),
            id_card: t(""),
            compound: t(""),
            building: t("3幢"),
            room: t("0301"),
            tags: t("孕妇"),
        },
    ]
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "the fixture is plain GBK");
    bytes.into_owned()
}

fn utf8_bom(text: &str) -> Vec<u8> {
    [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()
}

fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

#[test]
fn gbk_csv_reads_with_file_line_numbers() {
    let sheet = read_residents(&gbk(&roster_lines(",")), FileKind::Csv).expect("readable");
    assert_eq!(sheet.sheet_name, "csv");
    assert_eq!(sheet.header_row, 3);
    assert_eq!(sheet.columns.len(), 9);
    assert_eq!(fields(&sheet.rows), expected());
}

#[test]
fn the_three_excel_text_encodings_give_the_same_rows() {
    let files = [
        ("GBK csv", gbk(&roster_lines(","))),
        ("UTF-8 csv with BOM", utf8_bom(&roster_lines(","))),
        ("UTF-8 csv without BOM", roster_lines(",").into_bytes()),
        ("UTF-16LE unicode text", utf16le_bom(&roster_lines("\t"))),
        ("semicolon csv", roster_lines(";").into_bytes()),
    ];
    for (what, bytes) in files {
        let sheet = read_residents(&bytes, FileKind::Csv).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(fields(&sheet.rows), expected(), "{what}");
    }
}

#[test]
fn the_domain_reads_what_excel_wrote_into_the_csv() {
    let sheet = read_residents(&gbk(&roster_lines(",")), FileKind::Csv).expect("readable");
    let first = parse_row(&sheet.rows[0], 2026).expect("line 4 is valid");
    assert_eq!((first.building.as_str(), first.room.as_str(), first.birth_year), ("3号楼", "1201", Some(1949)));
    assert_eq!(first.note, None);
    // "1.10105E+17" is what Excel showed for a numeric ID: refused, not guessed.
    assert_eq!(
        parse_row(&sheet.rows[1], 2026).map(|r| r.id_card),
        Err(RejectReason::IdCard(IdCardError::StoredAsNumber))
    );
}

#[test]
fn a_header_on_the_first_line_is_line_one() {
    let sheet = read_residents("姓名,楼号,室号\n张三,1,101\n".as_bytes(), FileKind::Csv).expect("readable");
    assert_eq!(sheet.header_row, 1);
    assert_eq!(sheet.rows[0].row, 2);
    assert_eq!(
        sheet.columns.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
        vec![Field::Name, Field::Building, Field::Room]
    );
}

#[test]
fn text_without_a_header_has_no_header_row() {
    let bytes = "张三,1,101\n李四,1,102\n".as_bytes();
    assert_eq!(read_residents(bytes, FileKind::Csv).expect_err("no header"), ReadError::NoHeaderRow);
    assert_eq!(read_residents(b"", FileKind::Csv).expect_err("empty"), ReadError::NoHeaderRow);
}

#[test]
fn more_rows_than_the_limit_are_refused() {
    let mut text = String::from("姓名,楼号,室号\n");
    for _ in 0..MAX_ROWS {
        text.push_str("张,1,1\n");
    }
    let sheet = read_residents(text.as_bytes(), FileKind::Csv).expect("exactly the limit is fine");
    assert_eq!(sheet.rows.len(), MAX_ROWS);
    text.push_str("李,1,2\n");
    assert_eq!(
        read_residents(text.as_bytes(), FileKind::Csv).expect_err("one too many"),
        ReadError::TooManyRows { limit: MAX_ROWS }
    );
}

#[test]
fn a_tag_column_and_a_remarks_column_are_read_together() {
    let text = "姓名,楼号,室号,特殊人群,备注\n张三,1,101,独居,租户\n李四,1,102,,血透\n";
    let sheet = read_residents(text.as_bytes(), FileKind::Csv).expect("readable");
    assert_eq!(sheet.rows[0].tags, t("独居、租户"));
    assert_eq!(sheet.rows[1].tags, t("血透"));
    let first = parse_row(&sheet.rows[0], 2026).expect("valid");
    assert_eq!((first.tags.labels(shouwang_domain::Lang::Zh), first.note), ("独居老人".into(), Some("租户".into())));
}

#[test]
fn a_masked_id_number_reads_as_no_new_number() {
    let text = "姓名,楼号,室号,身份证号\n张三,1,101,110101********1234\n李四,1,102,11010519491231002X\n";
    let sheet = read_residents(text.as_bytes(), FileKind::Csv).expect("readable");
    let first = parse_row(&sheet.rows[0], 2026).expect("a masked ID is not an error");
    assert_eq!((first.id_card, first.id_masked.as_deref()), (None, Some("110101********1234")));
    assert_eq!(sheet.rows[1].id_card, t("11010519491231002X"));
}

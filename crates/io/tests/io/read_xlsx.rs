//! Reading .xlsx rosters as committees make them, generated here with
//! rust_xlsxwriter so that every quirk is visible in the test.

use crate::common::{Fields, date, fields, n, t};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use shouwang_domain::{BirthColumn, Cell, IdCardError, RejectReason, parse_row};
use shouwang_io::{Field, FileKind, ReadError, read_residents};

fn save(book: &mut Workbook) -> Vec<u8> {
    book.save_to_buffer().expect("workbook saves")
}

fn write_row(sheet: &mut Worksheet, row: u32, cells: &[&str]) -> Result<(), XlsxError> {
    for (col, text) in cells.iter().enumerate() {
        if !text.is_empty() {
            sheet.write_string(row, col as u16, *text)?;
        }
    }
    Ok(())
}

/// The roster of test 1, as Excel would show it:
///
/// ```text
/// 1  商一社区居民登记表 (merged A1:J1)
/// 2
/// 3  序号 名字 性别 联系电话 幢 门牌 出生日期 证件号码 特殊情况 小区名称
/// 4  1 李秀英 女 13812345678(number) ３号楼 １２０１ 1949-12-31(date) 11010519491231002X 独居、血透 云飞雅苑
/// 5
/// 6  2 王建国 男 "139 1234 5678" 3 1202室 - 110105195003020031(number) - 云飞雅苑
/// 7
/// 8  3 赵敏 女 - 3幢 0301 1988年5月 - 孕妇 (blank compound)
/// 9  4 (only the serial number: blank)
/// ```
fn messy_roster() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.merge_range(0, 0, 0, 9, "商一社区居民登记表", &Format::new().set_bold())?;
    write_row(
        sheet,
        2,
        &["序号", "名字", "性别", "联系电话", "幢", "门牌", "出生日期", "证件号码", "特殊情况", "小区名称"],
    )?;

    sheet.write_number(3, 0, 1)?;
    write_row(
        sheet,
        3,
        &["", "李秀英", "女", "", "３号楼", "１２０１", "", "11010519491231002X", "独居、血透", "云飞雅苑"],
    )?;
    sheet.write_number(3, 3, 13812345678.0)?;
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_date_with_format(3, 6, ExcelDateTime::from_ymd(1949, 12, 31)?, &date_format)?;

    sheet.write_number(5, 0, 2)?;
    write_row(sheet, 5, &["", "王建国", "男", "139 1234 5678", "3", "1202室", "", "", "", "云飞雅苑"])?;
    // Typed into a General cell: Excel keeps 15 digits and shows 1.10105E+17.
    sheet.write_number(5, 7, 110105195003020031.0)?;

    sheet.write_number(7, 0, 3)?;
    write_row(sheet, 7, &["", "赵敏", "女", "", "3幢", "0301", "1988年5月", "", "孕妇", ""])?;
    sheet.write_number(8, 0, 4)?;
    Ok(save(&mut book))
}

#[test]
fn a_messy_roster_reads_with_excel_row_numbers_and_raw_cells() {
    let sheet = read_residents(&messy_roster().expect("built"), FileKind::Xlsx).expect("readable");
    assert_eq!(sheet.sheet_name, "Sheet1");
    assert_eq!(sheet.header_row, 3);
    let columns: Vec<(Field, &str)> = sheet.columns.iter().map(|(f, s)| (*f, s.as_str())).collect();
    assert_eq!(
        columns,
        vec![
            (Field::Name, "名字"),
            (Field::Gender, "性别"),
            (Field::Phone, "联系电话"),
            (Field::Building, "幢"),
            (Field::Room, "门牌"),
            (Field::Birth(BirthColumn::Date), "出生日期"),
            (Field::IdCard, "证件号码"),
            (Field::Tags, "特殊情况"),
            (Field::Compound, "小区名称"),
        ]
    );
    let empty = || t("");
    let birth = |c: Cell| Some((BirthColumn::Date, c));
    assert_eq!(
        fields(&sheet.rows),
        vec![
            Fields {
                row: 4,
                name: t("李秀英"),
                gender: t("女"),
                birth: birth(date(1949, 12, 31)),
                phone: n(13812345678.0),
                id_card: t("11010519491231002X"),
                compound: t("云飞雅苑"),
                building: t("３号楼"),
                room: t("１２０１"),
                tags: t("独居、血透"),
            },
            Fields {
                row: 6,
                name: t("王建国"),
                gender: t("男"),
                birth: birth(Cell::Text(String::new())),
                phone: t("139 1234 5678"),
                id_card: n(110105195003020031.0),
                compound: t("云飞雅苑"),
                building: t("3"),
                room: t("1202室"),
                tags: empty(),
            },
            Fields {
                row: 8,
                name: t("赵敏"),
                gender: t("女"),
                birth: birth(Cell::Text("1988年5月".into())),
                phone: empty(),
                id_card: empty(),
                compound: empty(),
                building: t("3幢"),
                room: t("0301"),
                tags: t("孕妇"),
            },
        ]
    );

    // What the domain makes of them: the numeric ID number is refused with
    // the row the user sees in Excel, the rest is understood.
    let parsed: Vec<_> = sheet.rows.iter().map(|r| (r.row, parse_row(r, 2026))).collect();
    let first = parsed[0].1.as_ref().expect("row 4 is valid");
    assert_eq!((first.building.as_str(), first.room.as_str(), first.birth_year), ("3号楼", "1201", Some(1949)));
    assert_eq!(first.phone.as_ref().map(|p| p.expose()), Some("13812345678"));
    assert_eq!(parsed[1], (6, Err(RejectReason::IdCard(IdCardError::StoredAsNumber))));
    assert_eq!(parsed[2], (8, Err(RejectReason::MissingCompound)));
}

#[test]
fn the_roster_is_found_on_the_sheet_after_the_instructions() -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let notes = book.add_worksheet().set_name("填表说明")?;
    notes.write_string(0, 0, "填表说明")?;
    notes.write_string(1, 0, "请在第二张表填写姓名、楼号、室号")?;
    // A glossary row naming 姓名 alone is not a header.
    write_row(notes, 3, &["姓名", "必填"])?;
    write_row(notes, 4, &["手机", "选填"])?;

    let roster = book.add_worksheet().set_name("居民名单")?;
    // The table starts at C5, not A1: row numbers are still Excel's.
    write_row(roster, 4, &["", "", "*姓名（必填）", "*楼号", "*室号", "手机号"])?;
    write_row(roster, 5, &["", "", "张三", "1", "101", "13812345678"])?;
    write_row(roster, 6, &["", "", "李四", "1", "102", ""])?;

    let sheet = read_residents(&save(&mut book), FileKind::Xlsx).expect("readable");
    assert_eq!(sheet.sheet_name, "居民名单");
    assert_eq!(sheet.header_row, 5);
    assert_eq!(sheet.columns[0], (Field::Name, "*姓名（必填）".to_string()));
    assert_eq!(sheet.rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![6, 7]);
    // No 小区 column: None, which the domain reads as the default compound.
    assert_eq!(sheet.rows[0].compound, None);
    assert_eq!(sheet.rows[1].phone, t(""));
    Ok(())
}

#[test]
fn vertically_merged_compound_and_building_cells_are_filled_down() -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let plain = Format::new();
    let sheet = book.add_worksheet();
    sheet.merge_range(0, 0, 0, 3, "云飞雅苑居民名单", &plain)?;
    write_row(sheet, 1, &["小区", "楼号", "室号", "姓名"])?;
    // 小区 merged over Excel rows 3-7, 楼号 over 3-4 and 5-6; row 7 has only
    // the merged 小区, so it is blank.
    sheet.merge_range(2, 0, 6, 0, "云飞雅苑", &plain)?;
    sheet.merge_range(2, 1, 3, 1, "1号楼", &plain)?;
    sheet.merge_range(4, 1, 5, 1, "2号楼", &plain)?;
    write_row(sheet, 2, &["", "", "101", "张三"])?;
    write_row(sheet, 3, &["", "", "102", "李四"])?;
    write_row(sheet, 4, &["", "", "101", "王五"])?;
    write_row(sheet, 5, &["", "", "", "赵六"])?;

    let sheet = read_residents(&save(&mut book), FileKind::Xlsx).expect("readable");
    let got: Vec<_> =
        sheet.rows.iter().map(|r| (r.row, r.compound.clone(), r.building.clone(), r.room.clone())).collect();
    assert_eq!(
        got,
        vec![
            (3, t("云飞雅苑"), t("1号楼"), t("101")),
            (4, t("云飞雅苑"), t("1号楼"), t("102")),
            (5, t("云飞雅苑"), t("2号楼"), t("101")),
            // A merged region fills only its own cells: the blank room stays blank.
            (6, t("云飞雅苑"), t("2号楼"), t("")),
        ]
    );
    Ok(())
}

#[test]
fn a_missing_room_column_is_named_in_chinese() -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_row(sheet, 0, &["姓名", "楼号", "手机", "性别"])?;
    write_row(sheet, 1, &["张三", "1", "13812345678", "男"])?;
    let err = read_residents(&save(&mut book), FileKind::Xlsx).expect_err("no room column");
    assert_eq!(err, ReadError::MissingColumns(vec![Field::Room]));
    assert!(err.message(shouwang_domain::Lang::Zh).contains("室号"), "{}", err.message(shouwang_domain::Lang::Zh));
    Ok(())
}

#[test]
fn two_phone_columns_are_refused_naming_the_field() -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_row(sheet, 0, &["姓名", "楼号", "室号", "手机", "电话"])?;
    let err = read_residents(&save(&mut book), FileKind::Xlsx).expect_err("ambiguous");
    assert_eq!(err, ReadError::DuplicateColumn(Field::Phone));
    Ok(())
}

#[test]
fn a_sheet_of_data_without_header_has_no_header_row() -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for i in 0..40 {
        write_row(sheet, i, &["张三", "1号楼", "101"])?;
    }
    // A header below the 30 first non-empty rows is too late.
    write_row(sheet, 40, &["姓名", "楼号", "室号"])?;
    assert_eq!(read_residents(&save(&mut book), FileKind::Xlsx).expect_err("none"), ReadError::NoHeaderRow);

    let mut empty = Workbook::new();
    empty.add_worksheet();
    assert_eq!(read_residents(&save(&mut empty), FileKind::Xlsx).expect_err("none"), ReadError::NoHeaderRow);
    Ok(())
}

#[test]
fn bytes_that_are_not_a_workbook_are_unreadable_whatever_the_extension() {
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for kind in [FileKind::Xlsx, FileKind::Xls] {
        assert!(matches!(read_residents(&garbage, kind), Err(ReadError::Unreadable(_))), "{kind:?}");
    }
    // A truncated real workbook too.
    let real = messy_roster().expect("built");
    let cut = &real[..real.len() / 2];
    assert!(matches!(read_residents(cut, FileKind::Xlsx), Err(ReadError::Unreadable(_))));
}

#[test]
fn an_xlsx_saved_as_xls_is_still_read() {
    let sheet = read_residents(&messy_roster().expect("built"), FileKind::Xls).expect("readable");
    assert_eq!(sheet.rows.len(), 3);
}

#[test]
fn a_thousand_rows_read_in_order() -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_row(sheet, 0, &["小区", "楼号", "室号", "姓名", "手机"])?;
    for i in 1..=1000u32 {
        let room = format!("{}", 100 + i % 50);
        let name = format!("居民{i}");
        write_row(sheet, i, &["云飞雅苑", &format!("{}号楼", i / 50), &room, &name])?;
        sheet.write_number(i, 4, 13_800_000_000.0 + f64::from(i))?;
    }
    let read = read_residents(&save(&mut book), FileKind::Xlsx).expect("readable");
    assert_eq!(read.rows.len(), 1000);
    assert!(read.rows.iter().enumerate().all(|(i, r)| r.row as usize == i + 2));
    assert_eq!(read.rows[999].name, t("居民1000"));
    assert!(read.rows.iter().all(|r| parse_row(r, 2026).is_ok()));
    Ok(())
}

//! Exports read back through the importer to the same residents, and carry
//! what Excel users and PIPL accountability need.

use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx};
use shouwang_domain::{Gender, ResidentRecord, Tag, TagSet, parse_row};
use shouwang_io::{ExportMeta, ExportRow, FileKind, read_residents, write_residents_csv, write_residents_xlsx};

fn meta() -> ExportMeta {
    ExportMeta {
        community_name: "商一社区".into(),
        exported_by: "王书记".into(),
        exported_at: "2026-03-02 14:05".into(),
    }
}

fn residents() -> Vec<ExportRow> {
    vec![
        ExportRow {
            compound: "云飞雅苑".into(),
            building: "3号楼".into(),
            room: "0301".into(),
            name: "李秀英".into(),
            gender: Some(Gender::Female),
            birth_year: Some(1949),
            phone: Some("13812345678".into()),
            id_masked: Some("110105********002X".into()),
            tags: [Tag::ElderlyAlone, Tag::Dialysis].into_iter().collect(),
            note: Some("租户、二楼楼梯窄".into()),
        },
        ExportRow {
            compound: "云飞雅苑".into(),
            building: "3号楼".into(),
            room: "1202".into(),
            name: "王建国".into(),
            gender: Some(Gender::Male),
            birth_year: None,
            phone: None,
            id_masked: None,
            tags: TagSet::empty(),
            note: None,
        },
        ExportRow {
            compound: "翠苑一区".into(),
            building: "A座".into(),
            room: "12-301".into(),
            name: "赵敏".into(),
            gender: None,
            birth_year: Some(1990),
            phone: Some("13912345678".into()),
            id_masked: None,
            tags: TagSet::empty(),
            // Would run as a formula if Excel opened the CSV unprotected.
            note: Some("=1+1".into()),
        },
    ]
}

/// Every field of a re-imported record against the row exported. The masked
/// ID reads back as a masked ID, never as a number.
fn assert_same(records: &[ResidentRecord], rows: &[ExportRow]) {
    assert_eq!(records.len(), rows.len());
    for (i, (r, e)) in records.iter().zip(rows).enumerate() {
        assert_eq!(r.row as usize, i + 2, "header on row 1, data from row 2");
        assert_eq!(r.compound.as_deref(), Some(e.compound.as_str()));
        assert_eq!(r.building, e.building);
        assert_eq!(r.room, e.room);
        assert_eq!(r.name, e.name);
        assert_eq!(r.gender, e.gender);
        assert_eq!(r.birth_year, e.birth_year);
        assert_eq!(r.phone.as_ref().map(|p| p.expose()), e.phone.as_deref());
        assert_eq!(r.id_card, None);
        assert_eq!(r.id_masked, e.id_masked);
        assert_eq!(r.tags, e.tags);
        assert_eq!(r.note, e.note);
    }
}

fn reimport(bytes: &[u8], kind: FileKind) -> Vec<ResidentRecord> {
    let sheet = read_residents(bytes, kind).expect("an export reads back");
    sheet.rows.iter().map(|r| parse_row(r, 2026).expect("an export row is valid")).collect()
}

#[test]
fn an_xlsx_export_imports_back_to_the_same_residents() {
    let rows = residents();
    let bytes = write_residents_xlsx(&rows, &meta()).expect("written");
    assert_same(&reimport(&bytes, FileKind::Xlsx), &rows);
}

#[test]
fn a_csv_export_imports_back_to_the_same_residents() {
    let rows = residents();
    let bytes = write_residents_csv(&rows, &meta()).expect("written");
    assert_same(&reimport(&bytes, FileKind::Csv), &rows);
}

#[test]
fn the_csv_has_a_bom_the_headers_and_nothing_else() {
    let bytes = write_residents_csv(&residents(), &meta()).expect("written");
    // Without the BOM, Excel on Chinese Windows would read UTF-8 as GBK.
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "小区,楼号,室号,姓名,性别,出生年份,手机,身份证号,标签");
    assert_eq!(
        lines[1],
        "云飞雅苑,3号楼,0301,李秀英,女,1949,13812345678,110105********002X,独居老人、血透、租户、二楼楼梯窄"
    );
    assert_eq!(lines[3], "翠苑一区,A座,12-301,赵敏,,1990,13912345678,,'=1+1");
    assert_eq!(lines.len(), 5, "three rows and the final line break: {lines:?}");
    assert!(!text.contains("王书记"), "who exported belongs in the xlsx only");
}

#[test]
fn the_xlsx_keeps_phone_and_id_as_text_and_says_who_exported_it() {
    let bytes = write_residents_xlsx(&residents(), &meta()).expect("written");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("valid xlsx");
    assert_eq!(book.sheet_names(), vec!["居民名单".to_string(), "导出说明".to_string()]);

    let roster = book.worksheet_range("居民名单").expect("roster");
    // Strings, so Excel shows every digit and never 1.38123E+10.
    assert_eq!(roster.get_value((1, 6)), Some(&Data::String("13812345678".into())));
    assert_eq!(roster.get_value((1, 7)), Some(&Data::String("110105********002X".into())));
    assert_eq!(roster.get_value((1, 2)), Some(&Data::String("0301".into())));
    assert_eq!(roster.get_value((1, 5)), Some(&Data::Float(1949.0)));

    let styles = book.worksheet_style("居民名单").expect("styles");
    let header = styles.get((0, 0)).and_then(|s| s.font.as_ref()).map(|f| f.is_bold());
    assert_eq!(header, Some(true));
    for col in [6, 7] {
        let format = styles.get((1, col)).and_then(|s| s.number_format.as_ref()).map(|f| f.format_code.as_str());
        assert_eq!(format, Some("@"), "column {col} is formatted as text");
    }

    let info = book.worksheet_range("导出说明").expect("meta sheet");
    let text: Vec<String> = info.cells().filter_map(|(_, _, d)| d.as_string()).collect();
    for wanted in ["商一社区", "王书记", "2026-03-02 14:05"] {
        assert!(text.iter().any(|t| t == wanted), "{wanted} in {text:?}");
    }
    assert!(text.iter().any(|t| t.contains("个人信息")), "{text:?}");
}

#[test]
fn an_empty_export_is_still_a_valid_file_with_headers() {
    let xlsx = write_residents_xlsx(&[], &meta()).expect("written");
    let sheet = read_residents(&xlsx, FileKind::Xlsx).expect("headers are found");
    assert!(sheet.rows.is_empty());
    assert_eq!(sheet.columns.len(), 9);
    let csv = write_residents_csv(&[], &meta()).expect("written");
    assert!(read_residents(&csv, FileKind::Csv).expect("headers are found").rows.is_empty());
}

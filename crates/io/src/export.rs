//! Resident exports, in the same columns the importer reads, so that an
//! exported file can be edited in Excel and imported back.

use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet, XlsxError};
use shouwang_domain::{Gender, Lang, TagSet};

/// One resident as exported. The ID number arrives already masked: full
/// numbers never leave the server in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    pub compound: String,
    pub building: String,
    pub room: String,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
    /// e.g. "110101********1234"; re-importing it keeps the stored number.
    pub id_masked: Option<String>,
    pub tags: TagSet,
    pub note: Option<String>,
}

/// Who exported what and when: personal-information exports must be
/// accountable (PIPL), so the xlsx says it on a sheet of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportMeta {
    pub community_name: String,
    pub exported_by: String,
    /// Already formatted for people, e.g. "2026-03-02 14:05".
    pub exported_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing the xlsx failed: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("writing the csv failed: {0}")]
    Csv(#[from] csv::Error),
}

/// The columns, in order; the names are ones [`crate::read_residents`] knows.
const HEADERS: [&str; 9] = ["小区", "楼号", "室号", "姓名", "性别", "出生年份", "手机", "身份证号", "标签"];
/// Widths in Excel's character units (a Chinese character counts about two).
const WIDTHS: [f64; 9] = [16.0, 8.0, 8.0, 10.0, 6.0, 10.0, 14.0, 22.0, 30.0];
const PHONE_COL: u16 = 6;
const ID_COL: u16 = 7;
const ROSTER_SHEET: &str = "居民名单";
const META_SHEET: &str = "导出说明";

/// The 标签 cell: tag labels, then the note, joined with "、" exactly as the
/// domain splits them on import, so tags and note survive a round trip.
fn tags_cell(row: &ExportRow) -> String {
    let labels = row.tags.labels(Lang::Zh);
    let note = row.note.as_deref().unwrap_or("").trim();
    match (labels.is_empty(), note.is_empty()) {
        (_, true) => labels,
        (true, false) => note.to_string(),
        (false, false) => format!("{labels}、{note}"),
    }
}

fn gender_cell(g: Option<Gender>) -> &'static str {
    g.map_or("", |g| g.label(Lang::Zh))
}

pub fn write_residents_xlsx(rows: &[ExportRow], meta: &ExportMeta) -> Result<Vec<u8>, ExportError> {
    let mut book = Workbook::new();
    let header = Format::new().set_bold().set_border_bottom(FormatBorder::Thin);
    // "@" is Excel's Text format: an 18-digit ID or an 11-digit phone stays as
    // typed instead of becoming 1.10101E+17, also for values added later.
    let text = Format::new().set_num_format("@");

    // Constant memory: rows go to an unnamed (already deleted) temp file as
    // they are written, so 100,000 residents do not sit in RAM cell by cell.
    // It needs a writable temp dir; the rows must be written in order.
    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.set_name(ROSTER_SHEET)?;
    for (col, (name, width)) in HEADERS.iter().zip(WIDTHS).enumerate() {
        let col = col as u16;
        sheet.set_column_width(col, width)?;
        sheet.write_string_with_format(0, col, *name, &header)?;
    }
    sheet.set_column_format(PHONE_COL, &text)?;
    sheet.set_column_format(ID_COL, &text)?;
    sheet.set_freeze_panes(1, 0)?;
    write_roster_rows(sheet, rows, &text)?;
    if !rows.is_empty() {
        sheet.autofilter(0, 0, rows.len() as u32, HEADERS.len() as u16 - 1)?;
    }

    let info = book.add_worksheet();
    info.set_name(META_SHEET)?;
    write_meta(info, rows.len(), meta, &header)?;

    Ok(book.save_to_buffer()?)
}

fn write_roster_rows(sheet: &mut Worksheet, rows: &[ExportRow], text: &Format) -> Result<(), XlsxError> {
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        // Every label is written as text: a room "0301" keeps its zero.
        sheet.write_string(row, 0, &r.compound)?;
        sheet.write_string(row, 1, &r.building)?;
        sheet.write_string(row, 2, &r.room)?;
        sheet.write_string(row, 3, &r.name)?;
        if let Some(g) = r.gender {
            sheet.write_string(row, 4, gender_cell(Some(g)))?;
        }
        if let Some(y) = r.birth_year {
            sheet.write_number(row, 5, y)?;
        }
        if let Some(phone) = &r.phone {
            sheet.write_string_with_format(row, PHONE_COL, phone, text)?;
        }
        if let Some(id) = &r.id_masked {
            sheet.write_string_with_format(row, ID_COL, id, text)?;
        }
        let tags = tags_cell(r);
        if !tags.is_empty() {
            sheet.write_string(row, 8, &tags)?;
        }
    }
    Ok(())
}

fn write_meta(sheet: &mut Worksheet, count: usize, meta: &ExportMeta, bold: &Format) -> Result<(), XlsxError> {
    sheet.set_column_width(0, 12)?;
    sheet.set_column_width(1, 40)?;
    sheet.write_string_with_format(0, 0, "导出说明", bold)?;
    let lines = [
        ("社区", meta.community_name.as_str()),
        ("导出人", meta.exported_by.as_str()),
        ("导出时间", meta.exported_at.as_str()),
    ];
    for (i, (label, value)) in lines.into_iter().enumerate() {
        sheet.write_string(i as u32 + 2, 0, label)?;
        sheet.write_string(i as u32 + 2, 1, value)?;
    }
    sheet.write_string(5, 0, "记录数")?;
    sheet.write_number(5, 1, count as f64)?;
    sheet.write_string(
        7,
        0,
        "本文件含居民个人信息（姓名、住址、手机号等），仅限社区应急工作使用：请妥善保管，不得外传，用完及时删除。",
    )?;
    sheet.write_string(8, 0, "身份证号已部分隐藏；修改后重新导入本文件时，隐藏的身份证号不会覆盖已登记的号码。")?;
    Ok(())
}

/// CSV for other systems and for Excel: UTF-8 with a BOM (without it Excel on
/// Chinese Windows reads the bytes as GBK), the roster only, nothing else, so
/// that the file imports back as it is.
pub fn write_residents_csv(rows: &[ExportRow], _meta: &ExportMeta) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::with_capacity(64 + rows.len() * 96);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(HEADERS)?;
    for r in rows {
        let birth = r.birth_year.map(|y| y.to_string()).unwrap_or_default();
        let tags = tags_cell(r);
        let fields = [
            protect(&r.compound),
            protect(&r.building),
            protect(&r.room),
            protect(&r.name),
            gender_cell(r.gender).into(),
            birth.as_str().into(),
            protect(r.phone.as_deref().unwrap_or("")),
            protect(r.id_masked.as_deref().unwrap_or("")),
            protect(&tags),
        ];
        w.write_record(fields.iter().map(|f| f.as_bytes()))?;
    }
    w.into_inner().map_err(|e| ExportError::Csv(e.into_error().into()))
}

/// Text that Excel would run as a formula (`=`, `+`, `-`, `@` first) gets a
/// leading apostrophe; the importer removes it again.
fn protect(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@']) { format!("'{s}").into() } else { s.into() }
}

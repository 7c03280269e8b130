//! The delivery runs of a consignment as an Excel workbook: one row per
//! household, by building, floor and room, with what it gets and where its
//! delivery stands; a second sheet says who exported it and when (PIPL).

use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use crate::export::{ExportError, ExportMeta};

/// One household of a run as exported. The phone arrives masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunExportRow {
    pub building: String,
    pub floor: String,
    pub room: String,
    pub name: String,
    pub phone: String,
    pub shares: String,
    pub status: String,
    pub group: String,
}

const HEADERS: [&str; 8] = ["楼栋", "楼层", "房号", "户主", "电话", "物资", "配送情况", "负责小组"];
const WIDTHS: [f64; 8] = [10.0, 8.0, 8.0, 10.0, 14.0, 30.0, 14.0, 14.0];

pub fn write_runs_xlsx(title: &str, rows: &[RunExportRow], meta: &ExportMeta) -> Result<Vec<u8>, ExportError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_border(FormatBorder::Thin);
    let sheet = book.add_worksheet();
    sheet.set_name("配送单")?;
    sheet.write_string(0, 0, title)?;
    for (c, (h, w)) in HEADERS.iter().zip(WIDTHS).enumerate() {
        sheet.write_string_with_format(1, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, w)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        for (c, v) in
            [&r.building, &r.floor, &r.room, &r.name, &r.phone, &r.shares, &r.status, &r.group].iter().enumerate()
        {
            sheet.write_string(row, c as u16, v.as_str())?;
        }
    }
    let about = book.add_worksheet();
    about.set_name("导出说明")?;
    about.write_string(0, 0, "社区")?;
    about.write_string(0, 1, &meta.community_name)?;
    about.write_string(1, 0, "导出人")?;
    about.write_string(1, 1, &meta.exported_by)?;
    about.write_string(2, 0, "导出时间")?;
    about.write_string(2, 1, &meta.exported_at)?;
    about.write_string(3, 0, "含个人信息，仅限配送使用，用后删除")?;
    Ok(book.save_to_buffer()?)
}

//! Excel workbooks (.xlsx streamed, .xls through calamine's in-memory range)
//! turned into rows for the [`Collector`].

use std::io::Cursor;
use std::panic::AssertUnwindSafe;

use calamine::{Data, DataRef, Dimensions, ExcelDateTime, Reader, SheetType, SheetVisible, Xls, Xlsx, XlsxError};
use shouwang_domain::Cell;

use crate::ReadError;
use crate::collect::{Collector, Flow, Layout, Merge};

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads an .xlsx or .xls, whichever the bytes are: users rename files.
pub(crate) fn read_workbook<L: Layout>(bytes: &[u8]) -> Result<L::Sheet, ReadError> {
    let read = if bytes.starts_with(ZIP_MAGIC) {
        read_xlsx::<L>
    } else if bytes.starts_with(OLE_MAGIC) {
        read_xls::<L>
    } else {
        return Err(ReadError::Unreadable("neither an xlsx (zip) nor an xls (OLE) file".into()));
    };
    // calamine asserts on some damaged files (a truncated .xls panics in its
    // OLE reader): an upload must give the user "unreadable", not a 500. All
    // state touched here is local and dropped with the panic.
    std::panic::catch_unwind(AssertUnwindSafe(|| read(bytes)))
        .unwrap_or_else(|_| Err(ReadError::Unreadable("the spreadsheet parser gave up on this file".into())))
}

fn unreadable(e: impl std::fmt::Display) -> ReadError {
    ReadError::Unreadable(e.to_string())
}

/// Worksheet names, visible ones first: the roster is rarely on a hidden sheet,
/// but a hidden sheet may hold a dropdown list that looks like a header.
fn sheet_order(sheets: &[calamine::Sheet]) -> Vec<String> {
    let worksheets = sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    let (visible, hidden): (Vec<_>, Vec<_>) = worksheets.partition(|s| s.visible == SheetVisible::Visible);
    visible.into_iter().chain(hidden).map(|s| s.name.clone()).collect()
}

fn merges_of(dims: Vec<Dimensions>) -> Vec<Merge> {
    dims.into_iter().map(|d| Merge { top: d.start.0, left: d.start.1, bottom: d.end.0, right: d.end.1 }).collect()
}

/// What to say when no sheet had a header: a sheet that failed to parse may
/// have been the roster, so that error wins over "no header".
fn not_found<L: Layout>(first_error: Option<ReadError>) -> ReadError {
    first_error.unwrap_or_else(L::no_header)
}

/// .xlsx is streamed cell by cell: memory follows the cells present, not the
/// sheet's declared size, and shared strings are copied only once per cell.
fn read_xlsx<L: Layout>(bytes: &[u8]) -> Result<L::Sheet, ReadError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut first_error = None;
    for name in sheet_order(book.sheets_metadata()) {
        // Merged regions are listed after the cells in the sheet's XML, so
        // they are read first, in a pass of their own.
        let merges = match book.merge_cells_by_sheet_name(&name) {
            Ok(m) => merges_of(m),
            Err(e) => {
                first_error.get_or_insert(unreadable(e));
                continue;
            }
        };
        let mut collector = Collector::<L>::new(name.as_str(), merges);
        let mut cells = match book.worksheet_cells_reader(&name) {
            Ok(reader) => reader,
            // An empty sheet (`<sheetData/>`) is reported as "not a worksheet".
            Err(XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => {
                first_error.get_or_insert(unreadable(e));
                continue;
            }
        };
        let mut row: Vec<(u32, Cell)> = Vec::new();
        let mut row_index: Option<u32> = None;
        let mut failed = None;
        loop {
            let next = match cells.next_cell() {
                Ok(next) => next,
                Err(e) => {
                    failed = Some(unreadable(e));
                    break;
                }
            };
            let pos = next.as_ref().map(|c| c.get_position());
            // A new row (or the end) sends the row gathered so far.
            if let Some(r) = row_index
                && pos.is_none_or(|(next_row, _)| next_row != r)
                && collector.push_row(r.saturating_add(1), &mut row)? == Flow::NextSheet
            {
                break;
            }
            let Some(cell) = next else { break };
            let (r, c) = cell.get_position();
            row_index = Some(r);
            if let Some(value) = from_data_ref(cell.get_value()) {
                row.push((c, value));
            }
        }
        drop(cells);
        if let Some(e) = failed {
            // Past the header the roster itself is damaged: do not guess further.
            if collector.found_header() {
                return Err(e);
            }
            first_error.get_or_insert(e);
            continue;
        }
        if let Some(sheet) = collector.finish() {
            return Ok(sheet);
        }
    }
    Err(not_found::<L>(first_error))
}

/// .xls is parsed whole by calamine on opening (the format caps a sheet at
/// 65,536 rows), so its ranges are walked row by row.
fn read_xls<L: Layout>(bytes: &[u8]) -> Result<L::Sheet, ReadError> {
    let mut book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut first_error = None;
    for name in sheet_order(book.sheets_metadata()) {
        let range = match book.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                first_error.get_or_insert(unreadable(e));
                continue;
            }
        };
        let merges = book.merge_cells_by_sheet_name(&name).map(merges_of).unwrap_or_default();
        let Some((top, left)) = range.start() else { continue };
        let mut collector = Collector::<L>::new(name.as_str(), merges);
        let mut row: Vec<(u32, Cell)> = Vec::new();
        for (i, cells) in range.rows().enumerate() {
            for (j, data) in cells.iter().enumerate() {
                if let Some(value) = from_data(data) {
                    row.push((left + j as u32, value));
                }
            }
            // Range rows are relative to the sheet's first used cell.
            let number = top.saturating_add(i as u32).saturating_add(1);
            if collector.push_row(number, &mut row)? == Flow::NextSheet {
                break;
            }
        }
        if let Some(sheet) = collector.finish() {
            return Ok(sheet);
        }
    }
    Err(not_found::<L>(first_error))
}

/// An .xlsx cell as the domain sees it; `None` for empty and error cells.
fn from_data_ref(d: &DataRef<'_>) -> Option<Cell> {
    Some(match d {
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Bool(b) => Cell::Text(bool_text(*b).into()),
        DataRef::DateTime(dt) => from_excel_datetime(dt),
        DataRef::DateTimeIso(s) => from_iso(s),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(_) | DataRef::Empty => return None,
    })
}

/// An .xls cell as the domain sees it; `None` for empty and error cells.
fn from_data(d: &Data) -> Option<Cell> {
    Some(match d {
        Data::String(s) => Cell::Text(s.clone()),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Text(bool_text(*b).into()),
        Data::DateTime(dt) => from_excel_datetime(dt),
        Data::DateTimeIso(s) => from_iso(s),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(_) | Data::Empty => return None,
    })
}

fn bool_text(b: bool) -> &'static str {
    // As Excel displays them.
    if b { "TRUE" } else { "FALSE" }
}

/// A date-formatted cell becomes a date; a time of day or a duration stays the
/// number Excel stores, so the domain can say it is not a birth date.
fn from_excel_datetime(dt: &ExcelDateTime) -> Cell {
    let serial = dt.as_f64();
    if dt.is_datetime() && serial >= 1.0 {
        let (y, m, d, ..) = dt.to_ymd_hms_milli();
        if let Some(date) = ymd(i32::from(y), m, d) {
            return Cell::Date(date);
        }
    }
    Cell::Number(serial)
}

/// "1950-03-02" or "1950-03-02T00:00:00" (how some writers store dates).
fn from_iso(s: &str) -> Cell {
    let date = s.get(..10).and_then(|d| {
        let mut parts = d.split('-');
        let (y, m, d) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
        ymd(y, m, d)
    });
    date.map_or_else(|| Cell::Text(s.to_owned()), Cell::Date)
}

fn ymd(y: i32, m: u8, d: u8) -> Option<time::Date> {
    time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn date_cells_become_dates_and_times_stay_numbers() {
        let date = ExcelDateTime::new(18324.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(from_excel_datetime(&date), Cell::Date(ymd(1950, 3, 2).expect("valid")));
        let time_of_day = ExcelDateTime::new(0.5, ExcelDateTimeType::DateTime, false);
        assert_eq!(from_excel_datetime(&time_of_day), Cell::Number(0.5));
        // Excel's phantom 1900-02-29 is no date.
        let phantom = ExcelDateTime::new(60.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(from_excel_datetime(&phantom), Cell::Number(60.0));
        assert_eq!(from_iso("1950-03-02T00:00:00"), Cell::Date(ymd(1950, 3, 2).expect("valid")));
        assert_eq!(from_iso("某天"), Cell::Text("某天".into()));
    }

    #[test]
    fn bytes_that_are_no_workbook_are_unreadable() {
        let read = read_workbook::<crate::headers::Plan>;
        assert!(matches!(read(b"name,room\n"), Err(ReadError::Unreadable(_))));
        assert!(matches!(read(b"PK\x03\x04garbage"), Err(ReadError::Unreadable(_))));
        assert!(matches!(read(OLE_MAGIC), Err(ReadError::Unreadable(_))));
    }
}

//! The one place that turns a stream of spreadsheet rows into a sheet:
//! header search, column mapping, merged-cell fill-down, blank-row skipping
//! and the row limit. Every format feeds rows here, and every kind of list
//! (residents, volunteers) plugs in through [`Layout`].

use shouwang_domain::Cell;

use crate::headers::HeaderCell;
use crate::{MAX_ROWS, ReadError};

/// How many non-empty rows of a sheet may come before the header.
const HEADER_SEARCH_ROWS: usize = 30;

/// What one kind of list tells the collector: which header texts it knows,
/// when a row is its header, and how a data row's cells become its row. The
/// implementing type is the plan made from the header row.
pub(crate) trait Layout: Sized {
    type Field: Copy + PartialEq;
    type Row;
    type Sheet;

    /// The field a header text stands for, if any.
    fn field_of(header: &str) -> Option<Self::Field>;
    /// Whether a row's recognised cells make it the header row.
    fn is_header(cells: &[HeaderCell<Self::Field>]) -> bool;
    /// Resolves the header row into a plan, or says why the file cannot be read.
    fn plan(cells: &[HeaderCell<Self::Field>]) -> Result<Self, ReadError>;
    /// What to say when no sheet has a header.
    fn no_header() -> ReadError;
    /// Every column read, with the value slot it feeds.
    fn column_slots(&self) -> Vec<ColumnSlot>;
    /// How many value slots a row has (one past the highest slot).
    fn slot_count(&self) -> usize;
    /// Builds a row from the values in their slots, taking them out.
    fn row(&self, number: u32, values: &mut [Option<Cell>]) -> Self::Row;
    fn into_sheet(self, sheet_name: String, header_row: u32, rows: Vec<Self::Row>) -> Self::Sheet;
}

/// A column the plan reads: 0-based column, value slot, and whether a merged
/// region over it fills the rows below.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnSlot {
    pub col: u32,
    pub slot: usize,
    pub fill_down: bool,
}

/// A merged region, 0-based and inclusive, as calamine reports it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Merge {
    pub top: u32,
    pub left: u32,
    pub bottom: u32,
    pub right: u32,
}

/// Whether the source should keep sending rows of this sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    More,
    /// No header in the first rows: try the next sheet.
    NextSheet,
}

pub(crate) struct Collector<L: Layout> {
    sheet_name: String,
    merges: Vec<Merge>,
    phase: Phase<L>,
}

enum Phase<L: Layout> {
    Searching { non_empty_rows: usize },
    Reading(Box<Reading<L>>),
}

struct Reading<L: Layout> {
    header_row: u32,
    plan: L,
    /// Column -> slot, indexed by column up to the last column read.
    slot_of_col: Vec<Option<usize>>,
    /// The columns merged regions fill down, with their slots.
    fill_cols: Vec<(u32, usize)>,
    fill: MergeFill,
    values: Vec<Option<Cell>>,
    rows: Vec<L::Row>,
}

impl<L: Layout> Collector<L> {
    /// `merges` are the sheet's merged regions (empty for CSV).
    pub(crate) fn new(sheet_name: impl Into<String>, merges: Vec<Merge>) -> Collector<L> {
        Collector { sheet_name: sheet_name.into(), merges, phase: Phase::Searching { non_empty_rows: 0 } }
    }

    pub(crate) fn found_header(&self) -> bool {
        matches!(self.phase, Phase::Reading(_))
    }

    /// Takes one row: its number as the spreadsheet shows it (Excel's 1-based
    /// row, the CSV line) and its non-empty cells as (0-based column, value),
    /// in column order. The cells are drained so the buffer can be reused.
    pub(crate) fn push_row(&mut self, number: u32, cells: &mut Vec<(u32, Cell)>) -> Result<Flow, ReadError> {
        match &mut self.phase {
            Phase::Searching { non_empty_rows } => {
                if cells.iter().all(|(_, c)| is_blank(c)) {
                    cells.clear();
                    return Ok(Flow::More);
                }
                *non_empty_rows += 1;
                let header: Vec<HeaderCell<L::Field>> = cells
                    .iter()
                    .filter_map(|(col, c)| match c {
                        Cell::Text(t) => {
                            L::field_of(t).map(|field| HeaderCell { col: *col, field, text: t.trim().into() })
                        }
                        _ => None,
                    })
                    .collect();
                cells.clear();
                if L::is_header(&header) {
                    let plan = L::plan(&header)?;
                    let slots = plan.column_slots();
                    let width = slots.iter().map(|s| s.col as usize + 1).max().unwrap_or(0);
                    let mut slot_of_col = vec![None; width];
                    for s in &slots {
                        slot_of_col[s.col as usize] = Some(s.slot);
                    }
                    let fill_cols: Vec<(u32, usize)> =
                        slots.iter().filter(|s| s.fill_down).map(|s| (s.col, s.slot)).collect();
                    // Regions starting at or above the header are titles and
                    // headers: only data regions are filled down.
                    let data_merges = self.merges.iter().filter(|m| m.top >= number).copied().collect();
                    let fill = MergeFill::new(data_merges, &fill_cols, width);
                    self.phase = Phase::Reading(Box::new(Reading {
                        header_row: number,
                        values: vec![None; plan.slot_count()],
                        plan,
                        slot_of_col,
                        fill_cols,
                        fill,
                        rows: Vec::new(),
                    }));
                    return Ok(Flow::More);
                }
                if *non_empty_rows >= HEADER_SEARCH_ROWS {
                    return Ok(Flow::NextSheet);
                }
                Ok(Flow::More)
            }
            Phase::Reading(reading) => {
                reading.push(number, cells)?;
                Ok(Flow::More)
            }
        }
    }

    /// The sheet, if its header was found.
    pub(crate) fn finish(self) -> Option<L::Sheet> {
        match self.phase {
            Phase::Searching { .. } => None,
            Phase::Reading(r) => Some(r.plan.into_sheet(self.sheet_name, r.header_row, r.rows)),
        }
    }
}

impl<L: Layout> Reading<L> {
    fn push(&mut self, number: u32, cells: &mut Vec<(u32, Cell)>) -> Result<(), ReadError> {
        let index = number.saturating_sub(1);
        self.fill.capture(index, cells);

        // One value per slot, reused from row to row.
        let values = &mut self.values;
        values.iter_mut().for_each(|v| *v = None);
        for (col, cell) in cells.drain(..) {
            if let Some(Some(slot)) = self.slot_of_col.get(col as usize) {
                values[*slot] = Some(cell);
            }
        }
        // Blank judged on the row's own cells: a row that is empty but for a
        // merged 小区 running past the last resident is still blank.
        if values.iter().all(|v| v.as_ref().is_none_or(is_blank)) {
            return Ok(());
        }
        // Merged cells: committees merge 小区 and 楼号 (offices: 工作单位)
        // down many rows and only the top cell holds the value.
        if self.fill.any() {
            for &(col, slot) in &self.fill_cols {
                let target = &mut values[slot];
                if target.as_ref().is_none_or(is_blank)
                    && let Some(value) = self.fill.value_at(index, col)
                {
                    *target = Some(value.clone());
                }
            }
        }
        if self.rows.len() >= MAX_ROWS {
            return Err(ReadError::TooManyRows { limit: MAX_ROWS });
        }

        let row = self.plan.row(number, values);
        self.rows.push(row);
        Ok(())
    }
}

/// Several columns for one field (标签 and 备注) become one cell, joined
/// the way the domain splits word lists; blank cells are dropped.
pub(crate) fn join_cells(cells: impl IntoIterator<Item = Cell>) -> Cell {
    let mut non_blank = cells.into_iter().filter(|c| !is_blank(c));
    let Some(first) = non_blank.next() else { return Cell::Text(String::new()) };
    let mut rest = non_blank.peekable();
    if rest.peek().is_none() {
        return first;
    }
    let mut text = first.display();
    for c in rest {
        text.push('、');
        text.push_str(&c.display());
    }
    Cell::Text(text)
}

/// Empty text, or only spaces (ASCII, full-width, zero-width).
pub(crate) fn is_blank(cell: &Cell) -> bool {
    match cell {
        Cell::Text(t) => t.chars().all(|c| c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}'),
        Cell::Number(_) | Cell::Date(_) => false,
    }
}

/// Merged regions below the header, looked up by column and row.
struct MergeFill {
    regions: Vec<Merge>,
    /// The top-left value of each region, captured when its row streams by.
    values: Vec<Option<Cell>>,
    /// Indexes of regions by top row, for capturing.
    by_top: Vec<usize>,
    next_top: usize,
    /// Per column read: (top, bottom, region) sorted by top.
    by_col: Vec<Vec<(u32, u32, usize)>>,
}

impl MergeFill {
    /// `fill_cols` are the (column, slot) pairs filled down; `width` is one
    /// past the last column read.
    fn new(regions: Vec<Merge>, fill_cols: &[(u32, usize)], width: usize) -> MergeFill {
        let mut by_col: Vec<Vec<(u32, u32, usize)>> = vec![Vec::new(); width];
        // Only the dozen columns we fill matter, however wide a region is,
        // and only regions over one of them.
        let read: Vec<u32> = fill_cols.iter().map(|(c, _)| *c).collect();
        let regions: Vec<Merge> =
            regions.into_iter().filter(|m| read.iter().any(|c| (m.left..=m.right).contains(c))).collect();
        for (i, m) in regions.iter().enumerate() {
            for &col in read.iter().filter(|c| (m.left..=m.right).contains(*c)) {
                by_col[col as usize].push((m.top, m.bottom, i));
            }
        }
        for list in &mut by_col {
            list.sort_unstable();
        }
        let mut by_top: Vec<usize> = (0..regions.len()).collect();
        by_top.sort_unstable_by_key(|i| regions[*i].top);
        MergeFill { values: vec![None; regions.len()], regions, by_top, next_top: 0, by_col }
    }

    fn any(&self) -> bool {
        !self.regions.is_empty()
    }

    /// Remembers the top-left values of regions starting on this row (0-based).
    fn capture(&mut self, row: u32, cells: &[(u32, Cell)]) {
        while let Some(&i) = self.by_top.get(self.next_top) {
            let m = self.regions[i];
            if m.top > row {
                break;
            }
            if m.top == row {
                self.values[i] = cells.iter().find(|(col, _)| *col == m.left).map(|(_, c)| c.clone());
            }
            self.next_top += 1;
        }
    }

    /// The value a merged region gives to a cell (0-based), if it lies in one.
    fn value_at(&self, row: u32, col: u32) -> Option<&Cell> {
        let list = self.by_col.get(col as usize)?;
        let after = list.partition_point(|(top, _, _)| *top <= row);
        let (_, bottom, i) = *list[..after].last()?;
        if bottom < row || (self.regions[i].top == row && self.regions[i].left == col) {
            return None;
        }
        self.values[i].as_ref()
    }
}

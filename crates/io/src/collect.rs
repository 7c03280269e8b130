//! The one place that turns a stream of spreadsheet rows into a
//! [`ResidentSheet`]: header search, column mapping, merged-cell fill-down,
//! blank-row skipping and the row limit. Every format feeds rows here.

use shouwang_domain::{Cell, RawResidentRow};

use crate::headers::{HeaderCell, Plan, Slot, field_of, is_header};
use crate::{MAX_ROWS, ReadError, ResidentSheet};

/// How many non-empty rows of a sheet may come before the header.
const HEADER_SEARCH_ROWS: usize = 30;

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

pub(crate) struct Collector {
    sheet_name: String,
    merges: Vec<Merge>,
    phase: Phase,
}

enum Phase {
    Searching { non_empty_rows: usize },
    Reading(Box<Reading>),
}

struct Reading {
    header_row: u32,
    plan: Plan,
    /// Column -> slot, indexed by column up to the last column read.
    slot_of_col: Vec<Option<Slot>>,
    fill: MergeFill,
    values: Vec<Option<Cell>>,
    rows: Vec<RawResidentRow>,
}

impl Collector {
    /// `merges` are the sheet's merged regions (empty for CSV).
    pub(crate) fn new(sheet_name: impl Into<String>, merges: Vec<Merge>) -> Collector {
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
                let header: Vec<HeaderCell> = cells
                    .iter()
                    .filter_map(|(col, c)| match c {
                        Cell::Text(t) => {
                            field_of(t).map(|field| HeaderCell { col: *col, field, text: t.trim().into() })
                        }
                        _ => None,
                    })
                    .collect();
                cells.clear();
                if is_header(&header) {
                    let plan = Plan::new(&header)?;
                    let n_tags = plan.tags.len();
                    let slots = plan.slots();
                    let width = slots.last().map_or(0, |(c, _)| *c as usize + 1);
                    let mut slot_of_col = vec![None; width];
                    for (col, slot) in slots {
                        slot_of_col[col as usize] = Some(slot);
                    }
                    // Regions starting at or above the header are titles and
                    // headers: only data regions are filled down.
                    let data_merges = self.merges.iter().filter(|m| m.top >= number).copied().collect();
                    let fill = MergeFill::new(data_merges, &slot_of_col);
                    self.phase = Phase::Reading(Box::new(Reading {
                        header_row: number,
                        plan,
                        slot_of_col,
                        fill,
                        values: vec![None; Slot::Tags(0).index() + n_tags],
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
    pub(crate) fn finish(self) -> Option<ResidentSheet> {
        match self.phase {
            Phase::Searching { .. } => None,
            Phase::Reading(r) => Some(ResidentSheet {
                sheet_name: self.sheet_name,
                header_row: r.header_row,
                columns: r.plan.columns,
                rows: r.rows,
            }),
        }
    }
}

impl Reading {
    fn push(&mut self, number: u32, cells: &mut Vec<(u32, Cell)>) -> Result<(), ReadError> {
        let index = number.saturating_sub(1);
        self.fill.capture(index, cells);

        // One value per slot, reused from row to row.
        let values = &mut self.values;
        values.iter_mut().for_each(|v| *v = None);
        for (col, cell) in cells.drain(..) {
            if let Some(Some(slot)) = self.slot_of_col.get(col as usize) {
                values[slot.index()] = Some(cell);
            }
        }
        // Blank judged on the row's own cells: a row that is empty but for a
        // merged 小区 running past the last resident is still blank.
        if values.iter().all(|v| v.as_ref().is_none_or(is_blank)) {
            return Ok(());
        }
        // Merged cells: committees merge 小区 and 楼号 down many rows and
        // only the top cell holds the value.
        if self.fill.any() {
            for (col, slot) in self.slot_of_col.iter().enumerate() {
                let Some(slot) = slot else { continue };
                let target = &mut values[slot.index()];
                if target.as_ref().is_none_or(is_blank)
                    && let Some(value) = self.fill.value_at(index, col as u32)
                {
                    *target = Some(value.clone());
                }
            }
        }
        if self.rows.len() >= MAX_ROWS {
            return Err(ReadError::TooManyRows { limit: MAX_ROWS });
        }

        let p = &self.plan;
        // A column that exists gives Some even when its cell is empty: the
        // domain tells "no 小区 column" (default compound) from "blank 小区".
        let mut take = |slot: Slot, exists: bool| {
            exists.then(|| values[slot.index()].take().unwrap_or_else(|| Cell::Text(String::new())))
        };
        let mut raw = RawResidentRow {
            row: number,
            name: take(Slot::Name, true),
            gender: take(Slot::Gender, p.gender.is_some()),
            birth: None,
            phone: take(Slot::Phone, p.phone.is_some()),
            id_card: take(Slot::IdCard, p.id_card.is_some()),
            compound: take(Slot::Compound, p.compound.is_some()),
            building: take(Slot::Building, true),
            room: take(Slot::Room, true),
            tags: None,
        };
        if let Some((kind, _)) = p.birth {
            raw.birth = take(Slot::Birth, true).map(|c| (kind, c));
        }
        if !p.tags.is_empty() {
            raw.tags = Some(join_tags(&mut values[Slot::Tags(0).index()..]));
        }

        // A masked ID ("110101********1234") is what our own export writes; it
        // passes through as text and the domain reads it as "no new number".
        self.rows.push(raw);
        Ok(())
    }
}

/// Several tag columns (标签 and 备注) become one cell, joined the way the
/// domain splits them.
fn join_tags(values: &mut [Option<Cell>]) -> Cell {
    let mut non_blank = values.iter_mut().filter_map(Option::take).filter(|c| !is_blank(c));
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
    fn new(regions: Vec<Merge>, slot_of_col: &[Option<Slot>]) -> MergeFill {
        let mut by_col: Vec<Vec<(u32, u32, usize)>> = vec![Vec::new(); slot_of_col.len()];
        // Only the dozen columns we read matter, however wide a region is,
        // and only regions over one of them.
        let read: Vec<u32> = (0..slot_of_col.len() as u32).filter(|c| slot_of_col[*c as usize].is_some()).collect();
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

//! Text rosters: CSV as Excel on Chinese Windows saves it (GBK), UTF-8 with
//! or without a BOM, and Excel's "Unicode text" (UTF-16LE, tab-separated).

use std::borrow::Cow;

use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};
use shouwang_domain::Cell;

use crate::ReadError;
use crate::collect::{Collector, Flow, Layout};

/// What [`crate::ResidentSheet::sheet_name`] (and the volunteer sheet's) says for a text file.
const SHEET_NAME: &str = "csv";

/// The separators we accept, in the order we prefer them on a tie.
const DELIMITERS: [u8; 3] = [b',', b'\t', b';'];

/// How many non-empty lines the delimiter is guessed from: the header is
/// among them, or the file has no header we would find anyway.
const SNIFF_LINES: usize = 30;

pub(crate) fn read<L: Layout>(bytes: &[u8]) -> Result<L::Sheet, ReadError> {
    let text = decode(bytes);
    let mut first_error = None;
    for delimiter in delimiters_by_likelihood(&text) {
        match read_with::<L>(&text, delimiter) {
            Ok(Some(sheet)) => return Ok(sheet),
            Ok(None) => {}
            // The header was found with this separator: its verdict stands
            // unless another separator finds a usable header.
            Err(e) if e.is_about_the_header() => {
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(first_error.unwrap_or_else(L::no_header))
}

/// Bytes to text. Excel writes GBK for "CSV" on Chinese Windows, UTF-8 with a
/// BOM for "CSV UTF-8" and UTF-16LE for "Unicode text"; anything that is not
/// valid UTF-8 is taken as GB18030 (a superset of GBK and GB2312).
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        UTF_16LE.decode_without_bom_handling(rest).0
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        UTF_16BE.decode_without_bom_handling(rest).0
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest)
    } else {
        match std::str::from_utf8(bytes) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => GB18030.decode_without_bom_handling(bytes).0,
        }
    }
}

/// The separators ordered by how many fields they give the widest of the
/// first lines (the header is usually the widest); quoted text is skipped.
fn delimiters_by_likelihood(text: &str) -> Vec<u8> {
    let mut best = [0usize; DELIMITERS.len()];
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(SNIFF_LINES) {
        let mut counts = [0usize; DELIMITERS.len()];
        let mut quoted = false;
        for b in line.bytes() {
            if b == b'"' {
                quoted = !quoted;
            } else if !quoted && let Some(i) = DELIMITERS.iter().position(|d| *d == b) {
                counts[i] += 1;
            }
        }
        for (best, count) in best.iter_mut().zip(counts) {
            *best = (*best).max(count);
        }
    }
    let mut order: Vec<usize> = (0..DELIMITERS.len()).collect();
    // Stable: ties keep the preferred order.
    order.sort_by_key(|i| std::cmp::Reverse(best[*i]));
    order.into_iter().map(|i| DELIMITERS[i]).collect()
}

/// Reads the text with one separator; `Ok(None)` when no header turns up.
fn read_with<L: Layout>(text: &str, delimiter: u8) -> Result<Option<L::Sheet>, ReadError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        // We find the header ourselves, below any title lines.
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut collector = Collector::<L>::new(SHEET_NAME, Vec::new());
    let mut record = csv::StringRecord::new();
    let mut row: Vec<(u32, Cell)> = Vec::new();
    let mut lines = LineCounter { text: text.as_bytes(), pos: 0, line: 1 };
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(ReadError::Unreadable(e.to_string())),
        }
        let line = lines.line_of(record.position().map_or(0, |p| p.byte()));
        for (col, field) in record.iter().enumerate() {
            if !field.is_empty() {
                row.push((u32::try_from(col).unwrap_or(u32::MAX), Cell::Text(unprotect(field).to_owned())));
            }
        }
        if collector.push_row(line, &mut row)? == Flow::NextSheet {
            break;
        }
    }
    Ok(collector.finish())
}

/// The line number a record starts on, as a text editor shows it.
///
/// csv's own `Position::line()` is not that: it is taken before the line
/// break ending the previous record (and any empty lines) is consumed, so
/// with CRLF files it lags a line. We count breaks up to the record's first
/// character instead: `\n`, `\r\n`, or a lone `\r` (old Mac Excel), and
/// breaks inside a quoted field count too, which is what a user sees.
struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: u32,
}

impl LineCounter<'_> {
    fn line_of(&mut self, record_byte: u64) -> u32 {
        let mut start = usize::try_from(record_byte).unwrap_or(usize::MAX).min(self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.pos {
            let span = &self.text[self.pos..start];
            for (i, b) in span.iter().enumerate() {
                let lone_cr = *b == b'\r' && self.text.get(self.pos + i + 1) != Some(&b'\n');
                if *b == b'\n' || lone_cr {
                    self.line = self.line.saturating_add(1);
                }
            }
            self.pos = start;
        }
        self.line
    }
}

/// Undoes the apostrophe our CSV export puts before text starting with
/// `= + - @` (so that Excel does not run it as a formula).
fn unprotect(field: &str) -> &str {
    match field.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => field,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_committees_send_are_decoded() {
        let text = "姓名,楼号,室号\r\n张三,3,1201\r\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk), text);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&bom), text);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&utf16), text);
        assert_eq!(decode(text.as_bytes()), text);
    }

    #[test]
    fn the_separator_is_guessed_from_the_widest_line() {
        assert_eq!(delimiters_by_likelihood("登记表\n姓名\t楼号\t室号\n张三\t3\t1201")[0], b'\t');
        assert_eq!(delimiters_by_likelihood("姓名;楼号;室号\n\"张,三\";3;1201")[0], b';');
        assert_eq!(delimiters_by_likelihood("姓名,楼号,室号\n张三,3,1201")[0], b',');
        assert_eq!(delimiters_by_likelihood("")[0], b',');
    }

    #[test]
    fn records_are_numbered_by_the_line_they_start_on() {
        let lines_of = |text: &str| -> Vec<u32> {
            let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
            let mut counter = LineCounter { text: text.as_bytes(), pos: 0, line: 1 };
            let mut record = csv::StringRecord::new();
            let mut lines = Vec::new();
            while reader.read_record(&mut record).expect("valid csv") {
                lines.push(counter.line_of(record.position().map_or(0, |p| p.byte())));
            }
            lines
        };
        assert_eq!(lines_of("a,b\r\nc,d\r\n\r\ne,f\r\n"), vec![1, 2, 4]);
        assert_eq!(lines_of("a\n,\n\n\"x\ny\",z\ne\n"), vec![1, 2, 4, 6]);
        assert_eq!(lines_of("a\rb\r\rc"), vec![1, 2, 4]);
    }

    #[test]
    fn the_export_apostrophe_is_removed_only_before_formula_characters() {
        assert_eq!(unprotect("'=1+1"), "=1+1");
        assert_eq!(unprotect("'-"), "-");
        assert_eq!(unprotect("'张三"), "'张三");
        assert_eq!(unprotect("张三"), "张三");
    }
}

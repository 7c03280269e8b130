//! A bounded fuzz run in the normal test suite (issue 11, item 11): random
//! bytes and mutated real files go through both readers (residents and
//! volunteers, each of .xlsx, .xls and .csv) and then through the domain's
//! row parsers, as an upload does. The promise: rows or a `ReadError`,
//! rejected rows with a reason, never a panic. The unbounded runs are the
//! cargo-fuzz targets in `fuzz/`.
//!
//! .xls files are only cut, never flipped: calamine 0.38 can abort (not
//! panic) on a flipped size field (known_calamine_aborts.rs); the server
//! reads uploads in a child process for that reason.

use std::sync::Once;

use proptest::prelude::*;
use shouwang_domain::{VolunteerKind, parse_row, parse_volunteer_rows};
use shouwang_io::{FileKind, read_residents, read_volunteers};

const XLS: &[u8] = include_bytes!("../fixtures/roster.xls");
const VOLUNTEERS_XLSX: &[u8] = include_bytes!("../fixtures/volunteers/work_unit_list.xlsx");
const VOLUNTEERS_GBK_CSV: &[u8] = include_bytes!("../fixtures/volunteers/nearby_members_gbk.csv");
const RESIDENTS_CSV: &str = "小区,楼号,室号,姓名,性别,出生日期,手机,身份证号,特殊情况\r\n\
云飞雅苑,3号楼,1201,李秀英,女,1949/12/31,13812345678,11010519491231002X,独居 血透\r\n\
云飞雅苑,3,1202室,王建国,男,,139 1234 5678,1.10105E+17,\r\n\
,3幢,0301,赵敏,女,1988年5月,,,孕妇\r\n";

/// calamine asserts on some damaged files; the reader turns that into
/// "unreadable". Keep those expected messages out of the output.
fn quiet_calamine_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("calamine")) {
                default(info);
            }
        }));
    });
}

/// Both readers and the row parsers behind them, as an upload goes.
fn read_everything(bytes: &[u8], kind: FileKind) {
    if let Ok(sheet) = read_residents(bytes, kind) {
        for raw in &sheet.rows {
            assert!(raw.row > sheet.header_row);
            let _ = parse_row(raw, 2026);
        }
    }
    if let Ok(sheet) = read_volunteers(bytes, kind) {
        let parsed = parse_volunteer_rows(&sheet.rows, VolunteerKind::DeployedCadre);
        assert!(parsed.records.len() + parsed.rejected.len() <= sheet.rows.len());
    }
}

fn flipped(base: &[u8], flips: &[(prop::sample::Index, u8)], cut: Option<prop::sample::Index>) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for (at, value) in flips {
        if !bytes.is_empty() {
            let i = at.index(bytes.len());
            bytes[i] = *value;
        }
    }
    if let Some(cut) = cut {
        bytes.truncate(cut.index(bytes.len() + 1));
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_through_every_reader_and_row_parser(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        quiet_calamine_panics();
        for kind in [FileKind::Xlsx, FileKind::Xls, FileKind::Csv] {
            read_everything(&bytes, kind);
        }
    }

    #[test]
    fn mutated_csv_rosters_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..12),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        gbk in any::<bool>(),
    ) {
        let base = if gbk { VOLUNTEERS_GBK_CSV } else { RESIDENTS_CSV.as_bytes() };
        read_everything(&flipped(base, &flips, cut), FileKind::Csv);
    }

    #[test]
    fn mutated_xlsx_lists_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        quiet_calamine_panics();
        read_everything(&flipped(VOLUNTEERS_XLSX, &flips, cut), FileKind::Xlsx);
    }

    #[test]
    fn cut_xls_rosters_never_panic(cut in any::<prop::sample::Index>()) {
        quiet_calamine_panics();
        read_everything(&XLS[..cut.index(XLS.len() + 1)], FileKind::Xls);
    }

    /// Text cells with any character a file can hold, control characters
    /// included, reach the row parsers: refused with a reason, not a panic.
    #[test]
    fn any_cell_text_reaches_the_row_parsers(cells in proptest::collection::vec("\\PC{0,12}|[\\x00-\\x1f\\x7f]{1,3}", 9)) {
        let line = cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect::<Vec<_>>().join(",");
        let text = format!("小区,楼号,室号,姓名,性别,出生日期,手机,身份证号,特殊情况\r\n{line}\r\n");
        read_everything(text.as_bytes(), FileKind::Csv);
        let vtext = format!("姓名,手机,工作单位,所在党组织,类别,特长,备注,小区,楼号\r\n{line}\r\n");
        read_everything(vtext.as_bytes(), FileKind::Csv);
    }
}
